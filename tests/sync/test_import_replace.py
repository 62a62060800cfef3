"""An order not in Xero yet can be fixed by importing corrected data (#20 point 17): `import
--replace` gives it the file's content, keeping its history; an order with an invoice never."""

from __future__ import annotations

import pytest

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.exits import EXIT_FAILURE, EXIT_OK
from xerologdesk.sync.lock import SyncLock

pytestmark = pytest.mark.timeout(120)

SHOP = ("C-1", "Known Shop")
L, R = "\u201c", "\u201d"


def test_a_failed_order_corrected_in_its_file_is_replaced_with_replace_and_then_syncs(
    desk: Desk,
) -> None:
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Known Shop", "C-1")], items=[item_record("SKU-1")]
    )
    desk.import_rows([line("SO-1", SHOP, "SKU-TYPO"), line("SO-2", SHOP, "SKU-1")])
    desk("sync")
    assert desk.log()["SO-1"]["status"] == "failed"

    # The SKU corrected in the file: without --replace, it is left as it was, saying why.
    fixed = [line("SO-1", SHOP, "SKU-1"), line("SO-2", SHOP, "SKU-1")]
    left = desk.import_rows(fixed, name="fixed.csv")
    path = desk.folder / "fixed.csv"
    assert left.err == (
        f"{path}:2: order {L}SO-1{R} was already imported with different content (line 1: "
        f"{L}SKU-TYPO{R} \u00d7 {L}1{R} at {L}10{R} \u2192 {L}SKU-1{R} \u00d7 {L}1{R} at "
        f"{L}10{R}); it was left as it was: it has no invoice in Xero, so it can be replaced "
        "(import it again with --replace)\n"
    )
    assert desk.log()["SO-1"]["status"] == "failed"

    replaced = desk.import_rows(fixed, name="fixed.csv", flags=("--replace",))
    assert replaced.err == ""
    assert replaced.out.splitlines() == [
        f"{path}:2: order {L}SO-1{R} was replaced by the file's content (line 1: {L}SKU-TYPO{R} "
        f"\u00d7 {L}1{R} at {L}10{R} \u2192 {L}SKU-1{R} \u00d7 {L}1{R} at {L}10{R}); it is "
        "pending again",
        f"{path}: imported 0 orders, replaced 1 order, skipped 1 already imported, 0 conflicts",
    ]
    row = desk.log()["SO-1"]
    assert row["status"] == "pending" and row["reasons"] == []
    assert row["attempts"] == 1  # its history is kept

    assert desk("sync").code == EXIT_OK
    assert desk.log()["SO-1"]["status"] == "succeeded"
    [invoice] = [each for each in desk.xero()["invoices"] if each["Reference"] == "SO-1"]
    assert [item["ItemCode"] for item in invoice["LineItems"]] == ["SKU-1"]

    # Now in Xero as an invoice: never replaced, and the message says where to change it.
    again = desk.import_rows(
        [line("SO-1", SHOP, "SKU-1", quantity="2")], name="again.csv", flags=("--replace",)
    )
    number = desk.log()["SO-1"]["xero_invoice_number"]
    assert again.err.endswith(
        f"it was left as it was: it is in Xero as invoice {number}, which an import never "
        "changes; change the invoice in Xero itself\n"
    )
    assert "replaced" not in again.out
    assert desk.log()["SO-1"]["total"] == "10.00"


def test_a_dismissed_order_is_replaced_and_pending_again(desk: Desk) -> None:
    desk.import_rows([line("SO-1", SHOP, "SKU-1")])
    assert desk("resolve", "--dismiss", "--reason", "wrong date", "SO-1").code == EXIT_OK
    desk.import_rows([line("SO-1", SHOP, "SKU-1", posted_date="2026-11-03")], flags=("--replace",))
    row = desk.log()["SO-1"]
    assert row["status"] == "pending" and row["posted_date"] == "2026-11-03"


def test_replace_waits_for_no_sync(desk: Desk) -> None:
    desk.import_rows([line("SO-1", SHOP, "SKU-1")])
    with SyncLock(desk.data_dir):
        busy = desk("import", "--replace", str(desk.folder / "orders.csv"))
    assert busy.code == EXIT_FAILURE
    assert "another xerologdesk is syncing this data directory" in busy.err
