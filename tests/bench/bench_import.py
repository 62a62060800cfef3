"""Benchmark: importing order lines from CSV, one order a line (the worst case: the most orders,
customers' rows and log entries). Targets: 100,000 lines in at most 10 s and 300 MB; 1,000,000
lines (``--lines 1000000``) in at most 400 MB (the file is validated whole before anything is
written, so nothing is half-written, and the memory per order is what bounds a big file).

Run: ``python3 tests/bench/bench_import.py [--lines N] [--out FILE]`` (not collected by pytest).
The import runs in a child process so its peak resident memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.datasets import catalogue, write_orders_csv

TARGET_SECONDS = 10.0  # for 100,000 lines
TARGET_MB = 300.0  # up to 100,000 lines
BIG_TARGET_MB = 400.0


def _import(csv_path: Path, data_dir: Path, out: Any) -> None:
    from xerologdesk.app import open_app
    from xerologdesk.store.importer import import_files

    started = time.perf_counter()
    app = open_app(data_dir, log=False)
    report = import_files([csv_path], default_currency="AUD")
    app.close()
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.send({"seconds": elapsed, "peak_mb": peak_mb, "orders": report.files[0].imported})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "import.json"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        csv_path = Path(temp) / "orders.csv"
        # 1 line an order is the worst case: the most orders, customers' rows and log entries.
        lines = write_orders_csv(csv_path, catalogue(1000, 2000), args.lines, (1, 1))
        parent, child = multiprocessing.Pipe()
        worker = multiprocessing.Process(target=_import, args=(csv_path, Path(temp) / "d", child))
        worker.start()
        figures = parent.recv()
        worker.join()
    figures["lines"] = lines
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(
        f"imported {lines:,} lines ({figures['orders']:,} orders) in {figures['seconds']:.1f} s, "
        f"peak {figures['peak_mb']:.0f} MB"
    )
    # The time target is for 100,000 lines; a bigger file has its memory target only.
    seconds = TARGET_SECONDS if lines <= 100_000 else float("inf")
    memory = TARGET_MB if lines <= 100_000 else BIG_TARGET_MB
    figures.update(target_seconds=seconds, target_mb=memory)
    print(f"targets: {seconds:.0f} s, {memory:.0f} MB")
    ok = figures["seconds"] <= seconds and figures["peak_mb"] <= memory
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
