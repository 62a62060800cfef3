"""Auto Sync does not create a contact or item whose name a spreadsheet would run as a formula,
or one holding invisible characters: the order fails with the reason and nothing is created."""

from __future__ import annotations

import pytest

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, put_in_xero
from xerologdesk.exits import EXIT_ORDERS_FAILED

FORMULAS = ['=HYPERLINK("http://x.example","Click")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]


@pytest.mark.parametrize("name", [*FORMULAS, "Harbour\u200bDeli"])
def test_a_customer_with_a_dangerous_name_is_not_created(desk: Desk, name: str) -> None:
    desk.settings_for_auto_sync()
    desk.import_rows([line("SO-1", ("C-9", name), "SKU-1"), line("SO-2", ("C-9", name), "SKU-1")])
    desk("sync")
    run = desk("resolve", "--auto-sync", "SO-1", "SO-2")
    assert run.code == EXIT_ORDERS_FAILED, run.err
    log = desk.log()
    for ref in ("SO-1", "SO-2"):
        assert log[ref]["status"] == "failed"
        [refused] = [r["message"] for r in log[ref]["reasons"] if r["code"] == "order_invalid"]
        assert refused.startswith("This order cannot go to Xero as it is: the customer name")
        assert "not created" in refused
    assert [c["Name"] for c in desk.xero()["contacts"] if c["AccountNumber"] == "C-9"] == []
    assert desk.xero()["invoices"] == []


def test_an_item_with_a_formula_name_is_not_created_and_the_others_are(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Known Shop", "C-1")])
    desk.settings_for_auto_sync()
    desk.import_rows(
        [
            line("SO-1", ("C-1", "Known Shop"), "SKU-1", product_name="@SUM(1+1)"),
            line("SO-2", ("C-1", "Known Shop"), "SKU-2"),
        ]
    )
    desk("sync")
    desk("resolve", "--auto-sync", "SO-1", "SO-2")
    log = desk.log()
    assert log["SO-2"]["status"] == "succeeded"
    assert log["SO-1"]["status"] == "failed"
    [refused] = [r["message"] for r in log["SO-1"]["reasons"] if r["code"] == "order_invalid"]
    assert "product \u201cSKU-1\u201d's name \u201c@SUM(1+1)\u201d starts with" in refused
    assert "spreadsheet" in refused
    codes = {item["Code"] for item in desk.xero()["items"]}
    assert "SKU-2" in codes and "SKU-1" not in codes
