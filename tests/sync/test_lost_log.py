"""A log that lost what it sent (deleted, or restored from an old backup) never doubles an invoice.

Before sending, the sync looks every order's Reference up in Xero; an invoice it finds for the
order's contact is adopted instead of sent again.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.database_copies import backup_database, restore_database
from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero

ACME = ("C-1", "Acme")


def database(desk: Desk) -> Path:
    return desk.data_dir / "xerologdesk.db"


def notes(desk: Desk) -> dict[str, str]:
    """The note the log shows each order with (the details pane's text)."""
    return {ref: row["note"] or "" for ref, row in desk.log().items()}


def references(desk: Desk) -> list[str]:
    return sorted(each["Reference"] for each in desk.xero()["invoices"])


def set_up(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S")])


@pytest.mark.sqlite_only
def test_a_log_restored_from_an_old_backup_sends_nothing_twice(desk: Desk) -> None:
    """SQLite only: the backup is a copy of the database file, put back in its place."""
    set_up(desk)
    desk.import_rows([line("SO-1", ACME, "S"), line("SO-2", ACME, "S")], name="first.csv")
    backup = desk.folder / "backup.db"
    backup_database(database(desk), backup)  # both orders pending in the backup
    assert desk("sync").code == 0
    sent = {ref: row["xero_invoice_number"] for ref, row in desk.log().items()}
    assert references(desk) == ["SO-1", "SO-2"]

    restore_database(database(desk), backup)
    assert {row["status"] for row in desk.log().values()} == {"pending"}
    desk.import_rows([line("SO-3", ACME, "S")], name="second.csv")
    assert desk("sync").code == 0
    log = desk.log()
    assert references(desk) == ["SO-1", "SO-2", "SO-3"]  # none twice
    assert {ref: row["status"] for ref, row in log.items()} == dict.fromkeys(log, "succeeded")
    said = notes(desk)
    for ref, number in sent.items():
        assert log[ref]["xero_invoice_number"] == number
        assert "Xero already had this order's invoice" in said[ref]
    assert said["SO-3"] == ""
    assert desk.xero()["calls"]["PUT /Invoices"] == 2  # SO-1 and SO-2, then SO-3 alone


@pytest.mark.sqlite_only
def test_a_deleted_database_then_the_same_orders_imported_again_sends_nothing_twice(
    desk: Desk,
) -> None:
    """SQLite only: the data directory's database file is deleted."""
    set_up(desk)
    rows = [line(f"SO-{n}", ACME, "S") for n in range(1, 4)]
    desk.import_rows(rows)
    assert desk("sync").code == 0
    assert references(desk) == ["SO-1", "SO-2", "SO-3"]

    for suffix in ("", "-wal", "-shm"):
        Path(f"{database(desk)}{suffix}").unlink(missing_ok=True)
    assert desk("connect", "--sandbox", desk.sandbox.base_url).code == 0
    desk.import_rows(rows)
    assert desk("sync").code == 0
    assert references(desk) == ["SO-1", "SO-2", "SO-3"]
    assert {row["status"] for row in desk.log().values()} == {"succeeded"}


def test_an_invoice_with_the_reference_for_another_contact_is_not_taken_for_the_order(
    desk: Desk,
) -> None:
    set_up(desk)
    desk.import_rows([line("SO-1", ACME, "S")])
    other = contact_record("Someone Else", "C-2")
    typed_by_hand = {  # in Xero, for another contact, under the same reference
        "InvoiceID": str(uuid.uuid4()),
        "InvoiceNumber": "INV-9000",
        "Type": "ACCREC",
        "Status": "DRAFT",
        "Reference": "SO-1",
        "Contact": {"ContactID": other["ContactID"], "Name": other["Name"]},
    }
    desk.sandbox.ledger().load_records([other], [], [typed_by_hand])
    assert desk("sync").code == 0
    mine = [i for i in desk.xero()["invoices"] if i["Contact"]["ContactID"] != other["ContactID"]]
    assert [each["Reference"] for each in mine] == ["SO-1"]
    assert desk.log()["SO-1"]["xero_invoice_number"] == mine[0]["InvoiceNumber"]
