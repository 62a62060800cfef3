"""A generated order book of a million orders for the GUI benchmark, built once and cached.

The order book is made by xerologdesk itself (its migrations and search index, so the schema is
exactly the app's), then filled directly with ``executemany`` in one transaction: customers and
products from :func:`tests.bench.datasets.catalogue`, orders with their lines, one log entry per
order and its search-index rows. Statuses are mixed the way a busy log looks: the newest orders
(highest ids, latest posted dates) are *Pending*, the rest mostly *Succeeded* with some *Failed*
and *Dismissed*; every order's customer and SKUs exist in the catalogue, so the pending ones sync
against a sandbox loaded with :func:`tests.bench.datasets.xero_records`.

The file is cached under a name that carries every input (orders, pending, seed, schema version,
generator version); a second run reuses it.

Run: ``python3 tests/bench/make_log_db.py [--orders N] [--pending N] [--cache-dir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.datasets import SEED, catalogue
from xerologdesk.store.db import (
    FOLD_FUNCTION,
    NAME_SEARCH_TABLE,
    NAME_TABLE,
    SEARCH_TABLE,
    SKU_SEARCH_TABLE,
    open_database,
    schema_version,
)
from xerologdesk.store.folding import fold_accents_or_null

# 2: the search index holds no SKUs (they have their own); 3: it holds the invoice numbers
GENERATOR_VERSION = 3
CUSTOMERS = 1_000
SKUS = 2_000
DATABASE_NAME = "xerologdesk.db"  # what xerologdesk.app.open_app opens in a data directory
UNITS = 10_000  # FixedDecimalField keeps 4 places
FIRST_DAY = date(2021, 1, 1)
DAYS = 5 * 365
ROWS_PER_ROUND = 50_000  # bounds the rows held in memory at once
FAILURES = (
    ("contact_not_found", "customer not in Xero", "No contact in Xero has AccountNumber {ref}."),
    ("item_not_found", "SKU not in Xero", "No item in Xero has the code {sku}."),
    ("xero_rejected", "Xero rejected it", "Xero said: Account code '999' is not a valid code."),
)


def default_cache_dir() -> Path:
    """Where generated order books are kept between runs (outside the repository)."""
    return Path(tempfile.gettempdir()) / "xerologdesk-bench"


def cached_name(orders: int, pending: int) -> str:
    return f"log-{orders}-p{pending}-s{SEED}-v{schema_version()}-g{GENERATOR_VERSION}"


def log_database(orders: int, pending: int, cache_dir: Path | None = None) -> Path:
    """A data directory holding the generated order book (built unless already cached)."""
    directory = (cache_dir or default_cache_dir()) / cached_name(orders, pending)
    done = directory / "complete"
    if not done.exists():
        started = time.perf_counter()
        build(directory, orders, pending)
        done.write_text(f"{time.perf_counter() - started:.1f}\n", encoding="utf-8")
    return directory


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _status(order_id: int, orders: int, pending: int, rng: random.Random) -> str:
    if order_id > orders - pending:
        return "pending"
    draw = rng.random()
    return "failed" if draw < 0.05 else "dismissed" if draw < 0.07 else "succeeded"


def _rows(orders: int, pending: int, start: int, stop: int) -> tuple[list[tuple[Any, ...]], ...]:
    """The rows of orders ``start`` to ``stop - 1`` (ids from 1) for every table."""
    cat = catalogue(CUSTOMERS, SKUS)
    rng = random.Random(SEED * 31 + start)
    order_rows, line_rows, entry_rows, search_rows = [], [], [], []
    created = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    for order_id in range(start, stop):
        customer_id = rng.randrange(len(cat.customers)) + 1
        reference, name = cat.customers[customer_id - 1]
        # Dates rise with the id (a few orders a day), so the newest orders are the pending ones.
        posted = (FIRST_DAY + timedelta(days=(order_id - 1) * DAYS // orders)).isoformat()
        ref = f"SO-{order_id:07d}"
        stamp = _stamp(created + timedelta(seconds=order_id))
        order_rows.append((order_id, ref, customer_id, posted, "AUD", f"{order_id:064x}", stamp))
        total = 0
        skus = []
        for line_no in range(1, rng.randint(1, 3) + 1):
            product_id = rng.randrange(len(cat.skus)) + 1
            sku, _, price = cat.skus[product_id - 1]
            quantity = rng.randint(1, 12)
            price_units = int(price * UNITS)
            total += quantity * price_units
            skus.append(sku)
            line_rows.append((order_id, line_no, product_id, quantity * UNITS, price_units))
        status = _status(order_id, orders, pending, rng)
        outcome = _outcome(status, order_id, reference, skus[0], stamp, rng)
        entry_rows.append(
            (
                order_id,
                status,
                *outcome,
                stamp,
                stamp,
                ref,
                posted,
                name,
                reference,
                "AUD",
                total,
            )
        )
        search_rows.append((order_id, ref, outcome[4]))  # its ref and invoice number
    return order_rows, line_rows, entry_rows, search_rows


def _outcome(
    status: str, order_id: int, reference: str, sku: str, stamp: str, rng: random.Random
) -> tuple[Any, ...]:
    """(reasons, reason_summary, note, invoice id, invoice number, attempts, last attempt,
    dismissed reason, dismissed at, previous status) for an order in ``status``."""
    if status == "pending":
        return ("[]", "", None, None, None, 0, None, None, None, None)
    if status == "succeeded":
        invoice = str(uuid.UUID(int=order_id))
        return ("[]", "", None, invoice, f"INV-{order_id:07d}", 1, stamp, None, None, None)
    code, summary, message = FAILURES[rng.randrange(len(FAILURES))]
    reasons = json.dumps(
        [{"code": code, "message": message.format(ref=reference, sku=sku), "details": {}}]
    )
    attempts = rng.randint(1, 3)
    if status == "failed":
        return (reasons, summary, None, None, None, attempts, stamp, None, None, None)
    return (reasons, summary, None, None, None, attempts, stamp, "handled by hand", stamp, "failed")


_ENTRY_COLUMNS = (
    "order_id, status, reasons, reason_summary, note, xero_invoice_id, xero_invoice_number, "
    "attempts, last_attempt_at, dismissed_reason, dismissed_at, previous_status, created_at, "
    "updated_at, order_ref, posted_date, customer_name, customer_reference, currency, total"
)


def _rounds(orders: int) -> Iterator[tuple[int, int]]:
    for start in range(1, orders + 1, ROWS_PER_ROUND):
        yield start, min(start + ROWS_PER_ROUND, orders + 1)


def build(directory: Path, orders: int, pending: int) -> None:
    """Create the data directory's order book with ``orders`` orders, ``pending`` of them
    pending, through xerologdesk's migrations, then fill it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DATABASE_NAME
    for leftover in directory.glob(DATABASE_NAME + "*"):
        leftover.unlink()
    open_database(path).close()
    db = sqlite3.connect(path, isolation_level=None)
    db.create_function(FOLD_FUNCTION, 1, fold_accents_or_null, deterministic=True)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # one build, nothing to roll back to
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -1000000")
        # The log's indexes are dropped while it fills and created again from their own SQL
        # afterwards: sorting once is far faster than a million out-of-order B-tree inserts.
        indexes = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name IN ('log_entry', 'order_line', 'sales_order') AND sql IS NOT NULL"
        ).fetchall()
        db.execute("BEGIN")
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        cat = catalogue(CUSTOMERS, SKUS)
        db.executemany(
            "INSERT INTO customer (id, reference, name) VALUES (?, ?, ?)",
            [(n, ref, name) for n, (ref, name) in enumerate(cat.customers, start=1)],
        )
        db.executemany(
            "INSERT INTO product (id, sku, name, price) VALUES (?, ?, ?, ?)",
            [
                (n, sku, name, int(price * UNITS))
                for n, (sku, name, price) in enumerate(cat.skus, start=1)
            ],
        )
        for start, stop in _rounds(orders):
            order_rows, line_rows, entry_rows, search_rows = _rows(orders, pending, start, stop)
            db.executemany(
                "INSERT INTO sales_order (id, ref, customer_id, posted_date, currency, "
                "content_hash, imported_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, 'bench')",
                order_rows,
            )
            db.executemany(
                "INSERT INTO order_line (order_id, line_no, product_id, quantity, unit_price) "
                "VALUES (?, ?, ?, ?, ?)",
                line_rows,
            )
            marks = ", ".join("?" * len(_ENTRY_COLUMNS.split(",")))
            db.executemany(f"INSERT INTO log_entry ({_ENTRY_COLUMNS}) VALUES ({marks})", entry_rows)
            db.executemany(
                f"INSERT INTO {SEARCH_TABLE} (rowid, order_ref, xero_invoice_number) "
                "VALUES (?, ?, ?)",
                search_rows,
            )
        for _, sql in indexes:
            db.execute(sql)
        # The log's distinct names, each folded into their index by its trigger.
        db.execute(
            f"INSERT OR IGNORE INTO {NAME_TABLE} (name) SELECT customer_name FROM log_entry "
            "UNION SELECT customer_reference FROM log_entry"
        )
        for table in (SEARCH_TABLE, SKU_SEARCH_TABLE, NAME_SEARCH_TABLE):
            db.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
        db.execute("COMMIT")
        db.execute("PRAGMA journal_mode = WAL")
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    directory = log_database(args.orders, args.pending, args.cache_dir)
    print(f"{directory} ready in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
