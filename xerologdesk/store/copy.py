"""Moving a desktop's order book into a PostgreSQL database for team mode, whole or not at all.

:func:`copy_book` copies every table of the SQLite file (orders and their lines, customers,
products, the log with its history, the outbox, settings and the Xero connection's link) into
an empty PostgreSQL database (and the links, SKU mappings and what refreshes saw in Xero), in
one transaction on each side: the file is read under its
write lock (nothing changes it meanwhile) and the server's copy commits only after every
table's row count matched. A target that already holds anything is refused untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from xerologdesk.store import engines
from xerologdesk.store.db import open_database, open_server
from xerologdesk.store.trouble import DatabaseProblem

# In the order that keeps every reference satisfied. status_count and the problems worklist's
# tables (failure_cause, failure_group) are not copied: the target's triggers fill them as the
# log entries arrive.
TABLES = (
    "customer",
    "product",
    "sales_order",
    "order_line",
    "log_entry",
    "attempt",
    "setting",
    "connection",
    "outbox",
    "customer_link",
    "sku_mapping",
    "xero_invoice_seen",
    "xero_refresh",
)
CHUNK = 5000


class TargetNotEmpty(DatabaseProblem):
    """The PostgreSQL database already holds an order book's data; nothing was copied."""

    def __init__(self, shown_url: str, counts: dict[str, int]) -> None:
        held = ", ".join(f"{count:,} rows in {table}" for table, count in counts.items())
        super().__init__(
            shown_url,
            f"The database {shown_url} is not empty ({held}): nothing was copied. Copy into "
            "a new, empty database.",
        )


class CopyMismatch(DatabaseProblem):
    """A table's rows did not all arrive; the copy was rolled back."""


@dataclass(frozen=True)
class CopyReport:
    """Rows copied, by table."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _count(db: Any, table: str) -> int:
    return int(db.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0])


def _columns(db: Any, table: str) -> list[str]:
    return [row[1] for row in db.execute_sql(f'PRAGMA table_info("{table}")').fetchall()]


def _rows(db: Any, table: str, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
    """The table's rows in chunks, in key order."""
    names = ", ".join(f'"{column}"' for column in columns)
    cursor = db.execute_sql(f'SELECT {names} FROM "{table}" ORDER BY 1')
    while chunk := cursor.fetchmany(CHUNK):
        yield chunk


def copy_book(path: Path, url: str) -> CopyReport:
    """Copy the order book at ``path`` into the empty PostgreSQL database at ``url``.

    Both are opened (and migrated) as the app opens them, so they hold the same schema.
    Raises :class:`TargetNotEmpty` or :class:`CopyMismatch` (nothing copied), or a
    :class:`DatabaseProblem` when either cannot be opened.
    """
    shown = engines.redacted(url)
    source = open_database(path)
    try:
        target = open_server(url)
        try:
            return _copy(source, target, shown)
        finally:
            target.close()
    finally:
        source.close()


def _copy(source: peewee.Database, target: peewee.Database, shown: str) -> CopyReport:
    held = {table: count for table in TABLES if (count := _count(target, table))}
    if held:
        raise TargetNotEmpty(shown, held)
    counts: dict[str, int] = {}
    with source.atomic(), target.atomic():
        for table in TABLES:
            columns = _columns(source, table)
            for chunk in _rows(source, table, columns):
                engines.POSTGRES.insert_many(target, table, columns, chunk)
            counts[table] = _count(source, table)
            arrived = _count(target, table)
            if arrived != counts[table]:
                raise CopyMismatch(
                    shown,
                    f"{table}: {counts[table]:,} rows in the file but {arrived:,} arrived in "
                    f"{shown}; nothing was copied.",
                )
    return CopyReport(counts)
