"""Helpers shared by the order book's tests."""

from __future__ import annotations

import peewee

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
    "failure_cause",
    "failure_group",
)


def snapshot(database: peewee.Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to prove that nothing changed."""
    return {
        table: database.execute_sql(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
        for table in (*TABLES, "status_count")
    }
