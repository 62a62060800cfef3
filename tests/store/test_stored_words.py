"""The vocabulary's enum values are the words the database really holds (read back raw)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import peewee
import pytest

from xerologdesk.store.importer import import_files
from xerologdesk.store.vocabulary import STATUSES, Status

# The order book behaves the same on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_engines

HEADER = "order_ref,posted_date,currency,customer_reference,customer_name,sku,quantity,unit_price"


def test_an_imported_order_is_stored_as_the_pending_word(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    path = write("orders.csv", HEADER + "\nSO-1,2026-05-01,AUD,C-1,Acme,W-1,1,9.50\n")
    report = import_files([path], "AUD", at=datetime(2026, 5, 3, tzinfo=UTC))
    assert report.imported == 1

    (stored,) = db.execute_sql("SELECT status FROM log_entry").fetchone()
    assert type(stored) is str and stored == Status.PENDING.value == "pending"
    counted = dict(db.execute_sql("SELECT status, count FROM status_count").fetchall())
    assert counted == {status.value: (1 if status is Status.PENDING else 0) for status in STATUSES}
