"""Benchmark: a refresh from Xero over 10,000 succeeded orders of which 300 changed in Xero
since the last refresh (issue 15): how many calls it takes (target ≤ 10: If-Modified-Since, 100
invoices to a page) and how long, against the in-process sandbox with its limits off; and the
refresh after it, with nothing changed (target: one call).

Run: ``python3 tests/bench/bench_refresh.py [--orders N] [--changed N] [--out FILE]`` (not
collected by pytest). Prints a table and writes the figures as JSON (default
tests/bench/results/refresh.json); exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.datasets import catalogue, write_orders_csv
from xerologdesk.app import open_app
from xerologdesk.sandbox import Sandbox
from xerologdesk.sandbox.wire import ms_date
from xerologdesk.store import book
from xerologdesk.store.importer import import_files
from xerologdesk.store.vocabulary import AttemptAction, Status
from xerologdesk.sync.refresh import refresh_from_xero

RESULTS = Path(__file__).resolve().parent / "results"
MAX_CALLS = 10


def _invoice(ref: str, number: int, contact_id: str, now: Any) -> dict[str, Any]:
    """A sales invoice as Xero keeps it, for an order the app has already synced."""
    return {
        "Type": "ACCREC",
        "InvoiceID": f"00000000-0000-4000-8000-{number:012d}",
        "InvoiceNumber": f"INV-{number:05d}",
        "Reference": ref,
        "Payments": [],
        "AmountDue": Decimal("100.00"),
        "AmountPaid": Decimal(0),
        "Contact": {"ContactID": contact_id, "Name": "Customer"},
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [],
        "Total": Decimal("100.00"),
        "UpdatedDateUTC": ms_date(now),
        "CurrencyCode": "AUD",
    }


def _calls(sandbox: Sandbox) -> int:
    return sum(n for key, n in sandbox.state()["calls"].items() if "/connect" not in key)


def run(orders: int, changed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder, Sandbox(seed="empty") as sandbox:
        sandbox.set_limits(minute=0, day=0, concurrent=0)
        app = open_app(Path(folder) / "data", log=False)
        try:
            app.connect_sandbox(sandbox.base_url)
            csv_path = Path(folder) / "orders.csv"
            write_orders_csv(csv_path, catalogue(500, 200), orders, (1, 1))
            import_files([csv_path], default_currency="AUD")
            ids = book.order_ids_for_refs([f"SO-{n:07d}" for n in range(orders)])
            ledger = sandbox.ledger()
            now = ledger.now()
            invoices = [
                _invoice(ref, n, "11111111-1111-4111-8111-111111111111", now)
                for n, ref in enumerate(sorted(ids))
            ]
            ledger.load_records([], [], invoices)
            book.record_attempts(
                [
                    book.AttemptRecord(
                        ids[each["Reference"]],
                        AttemptAction.SYNC,
                        Status.SUCCEEDED,
                        [],
                        None,
                        None,
                        book.utc_now(),
                        each["InvoiceID"],
                        each["InvoiceNumber"],
                    )
                    for each in invoices
                ]
            )
            refresh_from_xero(app.gateway(), app.settings, book.utc_now)  # the first refresh
            sandbox.advance_clock(60)
            with ledger.lock:
                for each in invoices[:: max(len(invoices) // changed, 1)][:changed]:
                    paid = dict(ledger.invoices.get(each["InvoiceID"]) or {})
                    paid.update(
                        Status="PAID",
                        AmountDue=Decimal(0),
                        AmountPaid=paid["Total"],
                        UpdatedDateUTC=ms_date(ledger.now()),
                    )
                    ledger.store(ledger.invoices, paid)
            before = _calls(sandbox)
            started = time.perf_counter()
            summary = refresh_from_xero(app.gateway(), app.settings, book.utc_now)
            seconds = time.perf_counter() - started
            calls = _calls(sandbox) - before
            before = _calls(sandbox)
            again = refresh_from_xero(app.gateway(), app.settings, book.utc_now)
            calls_again = _calls(sandbox) - before
        finally:
            app.close()
    return {
        "orders": orders,
        "changed_in_xero": changed,
        "changes_seen": len(summary.changes),
        "calls": calls,
        "seconds": round(seconds, 3),
        "changes_seen_again": len(again.changes),
        "calls_with_nothing_changed": calls_again,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=300)
    parser.add_argument("--out", type=Path, default=RESULTS / "refresh.json")
    args = parser.parse_args()
    figures = run(args.orders, args.changed)
    for key, value in figures.items():
        print(f"{key:28} {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    met = (
        figures["calls"] <= MAX_CALLS
        and figures["changes_seen"] == args.changed
        and figures["calls_with_nothing_changed"] == 1
    )
    print("targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
