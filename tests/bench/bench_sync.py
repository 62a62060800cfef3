"""Benchmark: syncing 10,000 orders (1,000 customers, 2,000 SKUs, all in Xero) against the
sandbox with its limits off, xerologdesk's batched engine side by side with a naive per-order
implementation written here (look up the contact, then each SKU, then create the invoice).

Run: ``python3 tests/bench/bench_sync.py [--orders N] [--state] [--out FILE]`` (not collected by
pytest). With ``--state`` the sandbox keeps a state file, as the desktop app's does (each create
journaled and fsync'd before it is answered). Prints a table and writes the figures as JSON
(default tests/bench/results/sync.json).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import urllib3
from xero_python.accounting import (
    AccountingApi,
    Contact,
    CurrencyCode,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
)
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.datasets import catalogue, write_orders_csv, xero_records
from xerologdesk.app import open_app
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import book
from xerologdesk.store.importer import import_files


class RemoteSandbox:
    """A sandbox in a process of its own, as Xero is: its work never competes with the client's
    for this process's interpreter lock."""

    def __init__(
        self,
        contacts: list[dict[str, Any]],
        items: list[dict[str, Any]],
        limits: tuple[int, int, int] = (0, 0, 0),
        state_path: Path | None = None,
    ) -> None:
        """``limits``: calls a minute, a day and in flight (0: off); ``state_path``: the
        sandbox's state file (none: in memory)."""
        parent, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(
            target=_serve, args=(child, contacts, items, limits, state_path), daemon=True
        )
        self.process.start()
        self.base_url, self.api_url, self.primary_tenant_id = parent.recv()
        self._pipe = parent

    def state(self) -> dict[str, Any]:
        response = urllib3.request("GET", self.base_url + "/_sandbox/state", timeout=120)
        return dict(json.loads(response.data))

    def issue_token(self, client_id: str) -> dict[str, Any]:
        response = urllib3.PoolManager().request(
            "POST",
            self.base_url + "/connect/token",
            fields={"grant_type": "client_credentials", "client_id": client_id},
            encode_multipart=False,
        )
        return dict(json.loads(response.data))

    def advance_clock(self, seconds: float) -> None:
        urllib3.request(
            "POST", self.base_url + "/_sandbox/clock", json={"advance_seconds": seconds}
        )

    def stop(self) -> None:
        self._pipe.send("stop")
        self.process.join(timeout=10)


def _serve(
    pipe: Any,
    contacts: list[dict[str, Any]],
    items: list[dict[str, Any]],
    limits: tuple[int, int, int],
    state_path: Path | None,
) -> None:
    minute, day, concurrent = limits
    box = Sandbox(
        seed="empty",
        state_path=state_path,
        minute_limit=minute,
        day_limit=day,
        concurrent_limit=concurrent,
    ).start()
    box.ledger().load_records(contacts, items)
    pipe.send((box.base_url, box.api_url, box.primary_tenant_id))
    pipe.recv()
    box.stop()


def fresh_sandbox(
    contacts: list[dict[str, Any]], items: list[dict[str, Any]], state_path: Path | None = None
) -> RemoteSandbox:
    return RemoteSandbox(contacts, items, state_path=state_path)


def calls_made(box: RemoteSandbox) -> int:
    return sum(box.state()["calls"].values())


def invoice_lookups(box: RemoteSandbox) -> int:
    """``GET /Invoices`` calls so far: in a run with no lost answer to reconcile, all of them
    are the duplicate guard's look-ups by Reference before the first send."""
    return int(box.state()["calls"].get("GET /Invoices", 0))


def run_xerologdesk(box: RemoteSandbox, csv_path: Path, workdir: Path) -> dict[str, Any]:
    app = open_app(workdir / "desk", log=False)
    app.connect_sandbox(box.base_url)
    import_files([csv_path], default_currency="AUD")
    before, guard_before = calls_made(box), invoice_lookups(box)
    started = time.perf_counter()
    summary = app.runner().sync_pending()
    elapsed = time.perf_counter() - started
    calls = calls_made(box) - before
    guard = invoice_lookups(box) - guard_before
    app.close()
    return {"seconds": elapsed, "calls": calls, "guard_calls": guard, "line": summary.line}


def naive_api(box: RemoteSandbox) -> tuple[AccountingApi, str]:
    token = box.issue_token("bench")
    configuration = Configuration()
    configuration.oauth2_token = OAuth2Token()
    sdk_token = {
        "access_token": token["access_token"],
        "token_type": "Bearer",
        "scope": str(token.get("scope", "")).split(),
        "expires_in": token["expires_in"],
        "refresh_token": None,
        "id_token": None,
    }
    client = ApiClient(
        configuration,
        oauth2_token_getter=lambda: sdk_token,
        oauth2_token_saver=lambda _token: None,
    )
    client.rest_client.pool_manager = urllib3.PoolManager(retries=False, maxsize=4)
    return AccountingApi(client, base_url=box.api_url), box.primary_tenant_id


def run_naive(box: RemoteSandbox, orders: list[Any]) -> dict[str, Any]:
    """The per-order flow peer integrations use: ~5 calls an order."""
    api, tenant = naive_api(box)
    before = calls_made(box)
    started = time.perf_counter()
    for order in orders:
        found = api.get_contacts(
            tenant, where=f'AccountNumber=="{order.customer.reference}"'
        ).contacts
        if not found:
            found = api.get_contacts(tenant, where=f'Name=="{order.customer.name}"').contacts
        for line in order.lines:
            api.get_items(tenant, where=f'Code=="{line.sku}"')
        api.create_invoices(
            tenant,
            Invoices(
                invoices=[
                    Invoice(
                        type="ACCREC",
                        contact=Contact(contact_id=found[0].contact_id),
                        date=order.posted_date,
                        reference=order.ref,
                        status="DRAFT",
                        line_amount_types=LineAmountTypes("Exclusive"),
                        currency_code=CurrencyCode(order.currency),
                        line_items=[
                            LineItem(
                                item_code=line.sku,
                                quantity=line.quantity,
                                unit_amount=line.unit_price,
                            )
                            for line in order.lines
                        ],
                    )
                ]
            ),
            summarize_errors=False,
        )
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "calls": calls_made(box) - before}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--skus", type=int, default=2_000)
    parser.add_argument(
        "--state", action="store_true", help="the sandbox keeps a state file (as the app's does)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "sync.json")
    args = parser.parse_args()

    cat = catalogue(args.customers, args.skus)
    contacts, items = xero_records(cat)
    with tempfile.TemporaryDirectory() as temp:
        workdir = Path(temp)
        csv_path = workdir / "orders.csv"
        lines = write_orders_csv(csv_path, cat, args.orders)

        state = workdir / "sandbox-state.json" if args.state else None
        box = fresh_sandbox(contacts, items, state)
        ours = run_xerologdesk(box, csv_path, workdir)
        invoices = len(box.state()["invoices"])
        box.stop()

        app = open_app(workdir / "desk", log=False)
        ids = list(book.order_ids_for_refs([f"SO-{n:07d}" for n in range(args.orders)]).values())
        orders = book.load_orders(ids)
        app.close()
        box = fresh_sandbox(contacts, items, workdir / "naive-state.json" if args.state else None)
        naive = run_naive(box, orders)
        box.stop()

    per_order = ours["calls"] / args.orders
    guard_per_order = ours["guard_calls"] / args.orders
    naive_per_order = naive["calls"] / args.orders
    speedup = naive["seconds"] / ours["seconds"]
    figures = {
        "orders": args.orders,
        "sandbox_state_file": args.state,
        "lines": lines,
        "customers": args.customers,
        "skus": args.skus,
        "xerologdesk": {
            **ours,
            "calls_per_order": per_order,
            "guard_calls_per_order": guard_per_order,
            "invoices": invoices,
        },
        "naive": {**naive, "calls_per_order": naive_per_order},
        "speedup": speedup,
        "minutes_of_xero_budget": ours["calls"] / 60,
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"{'':28}{'xerologdesk':>14}{'naive':>14}")
    print(f"{'API calls':28}{ours['calls']:>14,}{naive['calls']:>14,}")
    print(f"{'calls per order':28}{per_order:>14.3f}{naive_per_order:>14.3f}")
    print(f"{'  of which duplicate guard':28}{guard_per_order:>14.3f}{'':>14}")
    print(f"{'wall time (s)':28}{ours['seconds']:>14.1f}{naive['seconds']:>14.1f}")
    print(f"speed-up {speedup:.1f}x; {ours['line']}; {invoices} invoices in the sandbox")
    ok = per_order <= 0.05 and ours["seconds"] <= 30 and speedup >= 5
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
