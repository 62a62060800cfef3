"""What the app puts on an invoice besides its lines, as real Xero would take it: a due date when
the organisation has no payment terms (``due_in_days``), and unit prices with four decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.sandbox.wire import parse_day

pytestmark = pytest.mark.timeout(120)

ACME = ("C-1", "Acme")


def invoices_for(desk: Desk, ref: str) -> list[dict]:
    return [each for each in desk.xero()["invoices"] if each["Reference"] == ref]


@pytest.fixture
def no_terms(desk: Desk) -> Desk:
    """The desk's organisation replaced by one without payment terms, holding Acme and SKU-1."""
    desk.sandbox.reset("no-terms")
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("SKU-1")]
    )
    desk.settings(invoice_status="AUTHORISED", default_sales_account="200")
    return desk


def test_an_approved_invoice_without_payment_terms_fails_saying_what_to_set(no_terms: Desk) -> None:
    no_terms.import_rows([line("SO-1", ACME, "SKU-1")])
    no_terms("sync")
    row = no_terms.log()["SO-1"]
    assert row["status"] == "failed"
    [reason] = row["reasons"]
    assert reason["code"] == "xero_rejected"
    assert "The document DueDate field must be specified." in reason["message"]
    assert "due_in_days" in reason["message"]
    assert "payment terms" in reason["message"]
    assert invoices_for(no_terms, "SO-1") == []


def test_due_in_days_sends_a_due_date_and_the_retry_succeeds(no_terms: Desk) -> None:
    no_terms.import_rows([line("SO-2", ACME, "SKU-1")])
    no_terms("sync")
    no_terms.settings(due_in_days="14")
    assert no_terms("resolve", "--retry", "SO-2").code == 0
    assert no_terms.log()["SO-2"]["status"] == "succeeded"
    [invoice] = invoices_for(no_terms, "SO-2")
    assert parse_day(invoice["DueDate"]) == date(2026, 11, 16)  # posted 2026-11-02 + 14


def test_due_in_days_takes_only_a_number_of_days(desk: Desk) -> None:
    refused = desk("settings", "due_in_days", "two weeks")
    assert refused.code == 1
    assert "due_in_days must be a whole number of days from 0 to 365" in refused.err
    assert desk("settings", "due_in_days", "").code == 0


def test_without_due_in_days_xeros_payment_terms_give_the_due_date(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("SKU-1")]
    )
    desk.settings(invoice_status="AUTHORISED", default_sales_account="200")
    desk.import_rows([line("SO-3", ACME, "SKU-1")])
    desk("sync")
    [invoice] = invoices_for(desk, "SO-3")
    assert parse_day(invoice["DueDate"]) == date(2026, 12, 2)  # the organisation's 30 days


def test_a_four_decimal_price_keeps_its_decimals_on_the_invoice(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("SKU-1")]
    )
    desk.settings(default_tax_rate="OUTPUT", default_sales_account="200")
    desk.import_rows([line("SO-4", ACME, "SKU-1", "3", "10.1234", taxable="true")])
    desk("sync")
    [invoice] = invoices_for(desk, "SO-4")
    assert invoice["LineItems"][0]["UnitAmount"] == Decimal("10.1234")
    # 3 x 10.1234 = 30.3702 -> 30.37, GST 3.04: 33.41 (rounded to 10.12 it would be 33.40).
    assert invoice["Total"] == Decimal("33.41")
    assert desk.log()["SO-4"]["status"] == "succeeded"


def test_auto_sync_creates_an_item_with_a_four_decimal_price(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")])
    desk.settings_for_auto_sync()
    desk.import_rows([line("SO-5", ACME, "NEW-4DP", "1", "2.3456")])
    desk("sync")
    assert desk("resolve", "--auto-sync", "SO-5").code == 0
    [item] = [each for each in desk.xero()["items"] if each["Code"] == "NEW-4DP"]
    assert item["SalesDetails"]["UnitPrice"] == Decimal("2.3456")


def test_each_invoice_line_has_its_own_price_and_a_new_item_the_product_s_price(
    desk: Desk,
) -> None:
    # Wholesale: one SKU at a price per customer and per order (#20 point 18).
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")])
    desk.settings_for_auto_sync()
    imported = desk.import_rows(
        [
            line("SO-6", ACME, "NEW-WS", "2", "4.50", product_price="6.00"),
            line("SO-7", ACME, "NEW-WS", "1", "5.00"),
            line("SO-7", ACME, "NEW-WS", "1", "4.75"),
        ]
    )
    assert imported.err == ""
    desk("sync")
    assert desk("resolve", "--auto-sync", "SO-6", "SO-7").code == 0
    [item] = [each for each in desk.xero()["items"] if each["Code"] == "NEW-WS"]
    assert item["SalesDetails"]["UnitPrice"] == Decimal("6.00")
    [six] = invoices_for(desk, "SO-6")
    assert [each["UnitAmount"] for each in six["LineItems"]] == [Decimal("4.50")]
    [seven] = invoices_for(desk, "SO-7")
    assert [each["UnitAmount"] for each in seven["LineItems"]] == [Decimal("5.00"), Decimal("4.75")]
