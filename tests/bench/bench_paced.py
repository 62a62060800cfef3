"""Benchmark: a 10,000-order sync under Xero's real limits (60 calls a minute, 5 in flight, 5,000
a day) on both sides, against the time Xero's minute limit alone makes necessary.

The sandbox (in a process of its own) enforces the limits and the app paces itself with its rate
budget, as against Xero. On the *virtual* clock the budget's waits do not sleep: they move the
app's clock and the sandbox's together (the sandbox clock is real time plus an offset, and so is
the budget's), so minutes of pacing take seconds. A short run on the *real* clock checks the same
pacing with real waits.

The ideal for ``calls`` calls is ``ceil(calls / 60)`` minutes (Xero's minute limit alone: the
calls fill that many minute windows); no run can beat ``ceil(calls / 60) - 1`` minutes, the start
of the last window. Target: within 5% of the ideal, and not one 429. The same sync with the limits
off is timed too, for the work itself.

Run: ``python3 tests/bench/bench_paced.py [--orders N] [--real-orders N] [--out FILE]``
(not collected by pytest; ``--real-orders 0`` skips the real-clock run).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.bench_sync import RemoteSandbox, calls_made
from tests.bench.datasets import catalogue, write_orders_csv, xero_records
from xerologdesk.app import open_app
from xerologdesk.store import book
from xerologdesk.store.importer import import_files
from xerologdesk.xero.limits import Limits, RateBudget

XERO_LIMITS = Limits()  # 60 a minute, 5 in flight, 5,000 a day
TARGET = 1.05


class VirtualTime:
    """Real time plus an offset that the budget's waits move, here and in the sandbox alike."""

    def __init__(self, box: RemoteSandbox) -> None:
        self.box = box
        self.offset = 0.0
        self.waits = 0

    def clock(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        # The budget calls this with its lock held: one wait at a time, never added up.
        self.waits += 1
        self.offset += seconds
        self.box.advance_clock(seconds)


class CountingBudget(RateBudget):
    """The app's budget, counting the 429s (answers with Retry-After) it is told about."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refusals = 0
        self._count_lock = threading.Lock()

    def observe(self, headers: Mapping[str, str]) -> None:
        if any(key.lower() == "retry-after" for key in headers):
            with self._count_lock:
                self.refusals += 1
        super().observe(headers)


def paced_sync(
    cat: Any, csv_path: Path, workdir: Path, limits: tuple[int, int, int], virtual: bool
) -> dict[str, Any]:
    """One sync of the file into a fresh desk and sandbox: seconds (virtual ones included),
    calls, 429s."""
    contacts, items = xero_records(cat)
    box = RemoteSandbox(contacts, items, limits)
    try:
        app = open_app(workdir, log=False)
        app.connect_sandbox(box.base_url)
        import_files([csv_path], default_currency="AUD")
        box.advance_clock(61)  # connecting spent calls: start on a fresh minute
        connection = book.get_connection()
        assert connection is not None
        clock = VirtualTime(box) if virtual else None
        budget = CountingBudget(
            XERO_LIMITS,
            **({"clock": clock.clock, "sleep": clock.sleep} if clock else {}),
        )
        app.budgets[connection.tenant_id] = budget
        before = calls_made(box)
        started = time.perf_counter()
        summary = app.runner().sync_pending()
        real = time.perf_counter() - started
        app.close()
        return {
            "seconds": real + (clock.offset if clock else 0.0),
            "real_seconds": real,
            "calls": calls_made(box) - before,
            "refusals_429": budget.refusals,
            "invoices": len(box.state()["invoices"]),
            "line": summary.line,
        }
    finally:
        box.stop()


def measure(cat: Any, orders: int, workdir: Path, virtual: bool) -> dict[str, Any]:
    workdir.mkdir(parents=True)
    csv_path = workdir / f"orders-{orders}.csv"
    write_orders_csv(csv_path, cat, orders)
    unpaced = paced_sync(cat, csv_path, workdir / "unpaced", (0, 0, 0), virtual=False)
    xero = (XERO_LIMITS.minute, XERO_LIMITS.day, XERO_LIMITS.concurrent)
    paced = paced_sync(cat, csv_path, workdir / "paced", xero, virtual)
    windows = math.ceil(paced["calls"] / XERO_LIMITS.minute)
    ideal = windows * 60.0
    return {
        "orders": orders,
        "clock": "virtual" if virtual else "real",
        "unpaced": unpaced,
        "paced": paced,
        "minute_windows_needed": windows,
        "floor_seconds": ideal - 60,
        "ideal_seconds": ideal,
        "ratio": paced["seconds"] / ideal,
        "met": paced["seconds"] <= TARGET * ideal and paced["refusals_429"] == 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--real-orders", type=int, default=3_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--skus", type=int, default=2_000)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "paced.json"
    )
    args = parser.parse_args()

    cat = catalogue(args.customers, args.skus)
    runs = []
    with tempfile.TemporaryDirectory() as temp:
        runs.append(measure(cat, args.orders, Path(temp) / "virtual", virtual=True))
        if args.real_orders:
            runs.append(measure(cat, args.real_orders, Path(temp) / "real", virtual=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(runs, indent=2), encoding="utf-8")
    print(
        f"{'clock':8}{'orders':>8}{'calls':>7}{'429s':>6}{'unpaced s':>11}{'floor s':>9}"
        f"{'ideal s':>9}{'paced s':>9}{'/ideal':>8}"
    )
    for run in runs:
        paced = run["paced"]
        print(
            f"{run['clock']:8}{run['orders']:>8,}{paced['calls']:>7}{paced['refusals_429']:>6}"
            f"{run['unpaced']['seconds']:>11.1f}{run['floor_seconds']:>9.0f}"
            f"{run['ideal_seconds']:>9.0f}{paced['seconds']:>9.1f}{run['ratio']:>8.3f}"
            f"  {paced['line']}"
        )
    ok = all(run["met"] for run in runs)
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
