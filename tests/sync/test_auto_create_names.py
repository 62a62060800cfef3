"""Auto Sync does not create a contact or item whose name a spreadsheet would run as a formula,
or one holding invisible characters: the order fails with the reason ``unsafe_name`` and nothing
is created. The problems worklist groups the refusal by customer reference or SKU, and
``problems --fix unsafe_name:SUBJECT --create`` creates exactly that one anyway, warning."""

from __future__ import annotations

import pytest

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, put_in_xero
from xerologdesk.exits import EXIT_OK, EXIT_ORDERS_FAILED

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
        [refused] = [r for r in log[ref]["reasons"] if r["code"] == "unsafe_name"]
        assert refused["message"].startswith("The customer name")
        assert "not created" in refused["message"]
        # Said instead of "not found": one cause, the one its fix is for.
        assert "customer_not_found" not in {r["code"] for r in log[ref]["reasons"]}
    assert [c["Name"] for c in desk.xero()["contacts"] if c["AccountNumber"] == "C-9"] == []
    assert desk.xero()["invoices"] == []
    assert "unsafe_name:C-9\t2 orders" in desk("problems").out


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
    [refused] = [r["message"] for r in log["SO-1"]["reasons"] if r["code"] == "unsafe_name"]
    assert "Product \u201cSKU-1\u201d's name \u201c@SUM(1+1)\u201d starts with" in refused
    assert "spreadsheet" in refused
    codes = {item["Code"] for item in desk.xero()["items"]}
    assert "SKU-2" in codes and "SKU-1" not in codes
    assert "unsafe_name:SKU-1\t1 order\t" in desk("problems").out


def test_creating_a_risky_contact_explicitly_creates_exactly_it_with_a_warning(
    desk: Desk,
) -> None:
    name = '=HYPERLINK("http://x.example","Click")'
    put_in_xero(desk.sandbox, contacts=[contact_record("Known Shop", "C-1")])
    desk.settings_for_auto_sync()
    desk.import_rows(
        [
            line("SO-1", ("C-9", name), "SKU-1"),
            line("SO-2", ("C-9", name), "SKU-1"),
            line("SO-3", ("C-8", "@Other"), "SKU-1"),  # another risky customer: left alone
        ]
    )
    desk("sync")
    desk("resolve", "--auto-sync", "SO-1", "SO-2", "SO-3")
    contacts = len(desk.xero()["contacts"])
    again = desk("resolve", "--auto-sync", "SO-1")  # a plain Auto Sync still refuses
    assert again.code == EXIT_ORDERS_FAILED and len(desk.xero()["contacts"]) == contacts
    fixed = desk("problems", "--fix", "unsafe_name:C-9", "--create")
    assert fixed.code == EXIT_OK, fixed.err
    assert "warning: The contact of customer \u201cC-9\u201d will be named" in fixed.err
    assert "spreadsheet" in fixed.err
    log = desk.log()
    assert [log[ref]["status"] for ref in ("SO-1", "SO-2", "SO-3")] == [
        "succeeded",
        "succeeded",
        "failed",
    ]
    created = desk.xero()["contacts"][contacts:]
    assert [(c["Name"], c["AccountNumber"]) for c in created] == [(name, "C-9")]
    assert len(desk.xero()["invoices"]) == 2


def test_creating_a_risky_item_explicitly_creates_exactly_it(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Known Shop", "C-1")])
    desk.settings_for_auto_sync()
    desk.import_rows(
        [
            line("SO-1", ("C-1", "Known Shop"), "SKU-1", product_name="@SUM(1+1)"),
            line("SO-2", ("C-1", "Known Shop"), "SKU-2", product_name="-Minus"),
        ]
    )
    desk("sync")
    desk("resolve", "--auto-sync", "SO-1", "SO-2")
    fixed = desk("problems", "--fix", "unsafe_name:SKU-1", "--create")
    assert fixed.code == EXIT_OK, fixed.err
    assert "The item of SKU \u201cSKU-1\u201d will be named \u201c@SUM(1+1)\u201d" in fixed.err
    log = desk.log()
    assert (log["SO-1"]["status"], log["SO-2"]["status"]) == ("succeeded", "failed")
    items = {item["Code"]: item["Name"] for item in desk.xero()["items"]}
    assert items.get("SKU-1") == "@SUM(1+1)" and "SKU-2" not in items
