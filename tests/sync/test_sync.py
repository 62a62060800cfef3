"""The three sync steps and the resolve actions, over real HTTP against the sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero


def codes(row: dict) -> list[str]:
    return [reason["code"] for reason in row["reasons"]]


def invoices_for(desk: Desk, ref: str) -> list[dict]:
    return [each for each in desk.xero()["invoices"] if each.get("Reference") == ref]


# -- step 1: customers ----------------------------------------------------------------------


def test_odd_names_match_exactly_and_never_change_a_where_clause(desk: Desk) -> None:
    odd = 'The "Best" Café & Bar + Co (Sydney)'
    put_in_xero(
        desk.sandbox,
        contacts=[
            contact_record(odd),
            contact_record("Plain Bar", 'REF"1'),
            contact_record("Innocent Bystander", "C-9"),
        ],
        items=[item_record("SKU-1")],
    )
    desk.import_rows(
        [
            # by name (the reference is unknown): quotes, &, + and brackets, accents folded
            line("SO-1", ("NEW-1", 'the "best" CAFE & bar + co (sydney)'), "SKU-1"),
            # by account number containing a quote
            line("SO-2", ('REF"1', "Someone Else"), "SKU-1"),
            # the injection docs/xero-behaviour.md warns about must match nobody, not everybody
            line("SO-3", ("NEW-3", 'x" OR Name!=null OR Name=="'), "SKU-1"),
        ]
    )
    assert desk("sync").code == 3  # SO-3 is left failed
    log = desk.log()
    assert log["SO-1"]["status"] == "succeeded"
    assert log["SO-2"]["status"] == "succeeded"
    assert log["SO-3"]["status"] == "failed"
    assert codes(log["SO-3"]) == ["customer_not_found"]
    contacts = {c["ContactID"]: c["Name"] for c in desk.xero()["contacts"]}
    assert contacts[invoices_for(desk, "SO-1")[0]["Contact"]["ContactID"]] == odd
    assert contacts[invoices_for(desk, "SO-2")[0]["Contact"]["ContactID"]] == "Plain Bar"


def test_a_contact_that_exists_only_archived_is_never_reused_or_duplicated(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Old Shop", "C-1", status="ARCHIVED")],
        items=[item_record("SKU-1")],
    )
    desk.settings(auto_create_customers="on")
    desk.import_rows([line("SO-1", ("C-1", "Old Shop"), "SKU-1")])
    desk("sync")
    row = desk.log()["SO-1"]
    assert row["status"] == "failed"
    assert codes(row) == ["customer_archived"]
    assert "archived" in row["reasons"][0]["message"]
    assert "Old Shop" in row["reasons"][0]["message"]
    assert len(desk.xero()["contacts"]) == 1
    assert desk.xero()["invoices"] == []


def test_two_active_contacts_with_one_name_are_ambiguous(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Harbour Café", "X-1"), contact_record("HARBOUR CAFE", "X-2")],
        items=[item_record("SKU-1")],
    )
    desk.import_rows([line("SO-1", ("C-7", "Harbour Cafe"), "SKU-1")])
    desk("sync")
    row = desk.log()["SO-1"]
    assert codes(row) == ["customer_ambiguous"]
    message = row["reasons"][0]["message"]
    assert "2 active Xero contacts" in message
    assert "Harbour Café" in message and "HARBOUR CAFE" in message
    assert desk.xero()["invoices"] == []


def test_a_remembered_contact_is_used_after_it_was_renamed_in_xero(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme")], items=[item_record("SKU-1")])
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "SKU-1")])
    desk("sync")
    contact = desk.xero()["contacts"][0]
    contact_id = contact["ContactID"]
    stored = desk.sandbox.ledger().contacts.get(contact_id)
    desk.sandbox.ledger().contacts.put({**stored, "Name": "Acme Renamed Pty Ltd"})
    desk.import_rows([line("SO-2", ("C-1", "Acme"), "SKU-1")], name="more.csv")
    desk("sync")
    assert desk.log()["SO-2"]["status"] == "succeeded"
    assert invoices_for(desk, "SO-2")[0]["Contact"]["ContactID"] == contact_id


# -- step 2: products -----------------------------------------------------------------------


def test_a_sku_differing_only_in_case_matches_and_xero_spelling_is_used(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("tea-chai-500")]
    )
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "TEA-CHAI-500")])
    desk("sync")
    assert desk.log()["SO-1"]["status"] == "succeeded"
    assert invoices_for(desk, "SO-1")[0]["LineItems"][0]["ItemCode"] == "tea-chai-500"


def test_every_reason_is_collected_in_one_pass(desk: Desk) -> None:
    put_in_xero(desk.sandbox, items=[item_record("SKU-1")])
    desk.import_rows(
        [
            line("SO-1", ("C-1", "Nobody"), "SKU-1"),
            line("SO-1", ("C-1", "Nobody"), "MISSING-A"),
            line("SO-1", ("C-1", "Nobody"), "MISSING-B"),
        ]
    )
    result = desk("sync")
    assert result.out.strip().splitlines()[-1] == "synced 1: 0 succeeded, 1 failed, 0 pending"
    row = desk.log()["SO-1"]
    assert codes(row) == ["customer_not_found", "product_not_found", "product_not_found"]
    assert "MISSING-A" in row["reasons"][1]["message"]
    assert "MISSING-B" in row["reasons"][2]["message"]
    assert "C-1" in row["reasons"][0]["message"] and "Nobody" in row["reasons"][0]["message"]


# -- resolving ------------------------------------------------------------------------------


def test_retry_creates_nothing_even_with_auto_create_on(desk: Desk) -> None:
    desk.import_rows([line("SO-1", ("C-1", "Nobody"), "MISSING-A")])
    desk("sync")
    desk.settings(auto_create_customers="on")
    result = desk("resolve", "--retry", "SO-1")
    assert result.code == 3  # left failed
    assert "SO-1: failed" in result.out
    state = desk.xero()
    assert state["contacts"] == [] and state["items"] == [] and state["invoices"] == []
    assert desk.log()["SO-1"]["attempts"] == 2


def test_auto_sync_creates_exactly_what_is_missing_with_the_documented_fields(desk: Desk) -> None:
    put_in_xero(desk.sandbox, items=[item_record("HAVE-1")])
    desk.settings_for_auto_sync()
    customer = ("C-42", "Bronte Brew Bar")
    address = {
        "customer_email": "orders@bronte.example",
        "bill_to_street": "12 Campbell Pde",
        "bill_to_city": "Bronte",
        "bill_to_region": "NSW",
        "bill_to_postcode": "2024",
        "bill_to_country": "Australia",
    }
    desk.import_rows(
        [
            line("SO-9", customer, "HAVE-1", "2", "9.50", **address),
            line("SO-9", customer, "NEW-TAX", "1", "12.25", product_description="Taxed", **address),
            line("SO-9", customer, "NEW-FREE", "3", "4.00", taxable="false", **address),
        ]
    )
    desk("sync")
    assert codes(desk.log()["SO-9"]) == [
        "customer_not_found",
        "product_not_found",
        "product_not_found",
    ]
    result = desk("resolve", "--auto-sync", "SO-9")
    assert result.code == 0, result.err
    assert desk.log()["SO-9"]["status"] == "succeeded"
    state = desk.xero()
    [contact] = state["contacts"]
    assert contact["Name"] == "Bronte Brew Bar"
    assert contact["AccountNumber"] == "C-42"
    assert contact["EmailAddress"] == "orders@bronte.example"
    [address_out] = [a for a in contact["Addresses"] if a.get("AddressLine1")]
    assert (address_out["City"], address_out["Region"], address_out["PostalCode"]) == (
        "Bronte",
        "NSW",
        "2024",
    )
    items = {item["Code"]: item for item in state["items"]}
    assert set(items) == {"HAVE-1", "NEW-TAX", "NEW-FREE"}
    taxed = items["NEW-TAX"]
    assert taxed["Name"] == "Product NEW-TAX"
    assert taxed["Description"] == "Taxed"
    assert taxed["IsSold"] is True
    assert taxed["SalesDetails"]["UnitPrice"] == Decimal("12.25")
    assert taxed["SalesDetails"]["AccountCode"] == "200"
    assert taxed["SalesDetails"]["TaxType"] == "OUTPUT"
    assert items["NEW-FREE"]["SalesDetails"]["TaxType"] == "EXEMPTOUTPUT"
    [invoice] = state["invoices"]
    assert invoice["Type"] == "ACCREC"
    assert invoice["Reference"] == "SO-9"
    assert invoice["Status"] == "DRAFT"
    assert invoice["LineAmountTypes"] == "Exclusive"
    assert invoice["CurrencyCode"] == "AUD"
    assert invoice["Contact"]["ContactID"] == contact["ContactID"]
    assert invoice["Date"] == "/Date(1793577600000+0000)/"  # 2026-11-02
    lines = [(li["ItemCode"], li["Quantity"], li["UnitAmount"]) for li in invoice["LineItems"]]
    assert lines == [
        ("HAVE-1", Decimal("2"), Decimal("9.5")),
        ("NEW-TAX", Decimal("1"), Decimal("12.25")),
        ("NEW-FREE", Decimal("3"), Decimal("4")),
    ]
    assert invoice["SubTotal"] == Decimal("43.25")


def test_auto_sync_without_its_settings_creates_nothing(desk: Desk) -> None:
    desk.import_rows([line("SO-1", ("C-1", "Nobody"), "MISSING-A")])
    desk("sync")
    result = desk("resolve", "--auto-sync", "SO-1")
    row = desk.log()["SO-1"]
    assert codes(row) == ["settings_incomplete"]
    assert "Default sales account" in row["reasons"][0]["message"]
    assert "SO-1: failed: Auto Sync needs" in result.out
    assert desk.xero()["contacts"] == [] and desk.xero()["items"] == []


def test_sync_creates_a_missing_customer_when_the_setting_is_on(desk: Desk) -> None:
    put_in_xero(desk.sandbox, items=[item_record("SKU-1")])
    desk.settings(auto_create_customers="on")
    desk.import_rows([line("SO-1", ("C-5", "Fresh Face"), "SKU-1")])
    desk("sync")
    assert desk.log()["SO-1"]["status"] == "succeeded"
    assert [c["AccountNumber"] for c in desk.xero()["contacts"]] == ["C-5"]


def test_dismiss_keeps_the_history_and_can_be_undone(desk: Desk) -> None:
    desk.import_rows([line("SO-1", ("C-1", "Nobody"), "SKU-1")])
    desk("sync")
    calls_before = dict(desk.xero()["calls"])
    result = desk("resolve", "--dismiss", "--reason", "Paid in cash", "SO-1")
    assert result.out.strip() == "SO-1: dismissed"
    assert desk.log()["SO-1"]["status"] == "dismissed"
    assert desk.log("--status", "failed") == {}
    assert desk.xero()["calls"] == calls_before  # nothing sent to Xero
    assert desk("resolve", "--undo-dismiss", "SO-1").out.strip() == "SO-1: back to failed"
    row = desk.log()["SO-1"]
    assert row["status"] == "failed"
    assert codes(row) == ["customer_not_found", "product_not_found"]


def test_xero_rejection_is_kept_word_for_word(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("SKU-1")]
    )
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "SKU-1", currency="EUR")])
    desk("sync")
    row = desk.log()["SO-1"]
    assert codes(row) == ["xero_rejected"]
    assert "Organisation is not subscribed to currency EUR." in row["reasons"][0]["message"]


def test_invoice_number_from_order_ref(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("SKU-1")]
    )
    desk.settings(
        invoice_number_from_order_ref="on", invoice_status="AUTHORISED", default_sales_account="200"
    )
    desk.import_rows([line("SO-77", ("C-1", "Acme"), "SKU-1")])
    desk("sync")
    assert desk.log()["SO-77"]["xero_invoice_number"] == "SO-77"
    assert invoices_for(desk, "SO-77")[0]["Status"] == "AUTHORISED"


# -- transient trouble and lost answers ------------------------------------------------------


def test_a_503_leaves_the_order_pending_and_the_next_run_sends_it(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("SKU-1")]
    )
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "SKU-1")])
    # Down for longer than the run tries (6 tries): the run stops and says so.
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Invoices", "status": 503, "times": 6}]}
    )
    first = desk("sync")
    assert first.code == 2
    assert "503" in first.err
    row = desk.log()["SO-1"]
    assert row["status"] == "pending"
    assert desk.xero()["invoices"] == []
    second = desk("sync")
    assert second.code == 0
    assert desk.log()["SO-1"]["status"] == "succeeded"
    assert len(invoices_for(desk, "SO-1")) == 1


def test_a_dropped_answer_is_replayed_by_its_idempotency_key(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("SKU-1")]
    )
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "SKU-1")])
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Invoices", "status": "drop"}]}
    )
    assert desk("sync").code == 0
    assert desk.log()["SO-1"]["status"] == "succeeded"
    assert len(invoices_for(desk, "SO-1")) == 1
    assert desk.xero()["calls"]["PUT /Invoices"] == 2


def test_a_commit_then_drop_is_adopted_on_the_next_run_without_a_second_invoice(
    desk: Desk,
) -> None:
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("SKU-1")]
    )
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "SKU-1")])
    # The look-up by Reference before the send goes through; every answer lost, then Xero down
    # for the run's tries of reconciling: it never got to look.
    desk.sandbox.set_faults(
        {
            "script": [
                {"method": "PUT", "resource": "/Invoices", "status": "drop", "times": 3},
                {"method": "GET", "resource": "/Invoices", "status": "pass", "times": 1},
                {"method": "GET", "resource": "/Invoices", "status": 503, "times": 2},
            ]
        }
    )
    first = desk("sync")
    assert first.code == 2
    assert "waiting for Xero's answer to an earlier send of SO-1" in first.err
    assert desk.log()["SO-1"]["status"] == "pending"
    assert len(invoices_for(desk, "SO-1")) == 1  # it arrived; only the answer was lost
    second = desk("sync")
    assert second.code == 0
    row = desk.log()["SO-1"]
    assert row["status"] == "succeeded"
    assert row["xero_invoice_number"] == invoices_for(desk, "SO-1")[0]["InvoiceNumber"]
    assert len(invoices_for(desk, "SO-1")) == 1
    assert desk.xero()["calls"]["PUT /Invoices"] == 3  # never sent again


@pytest.mark.usefixtures("order_book")
def test_sync_without_a_connection_says_how_to_connect(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("--data-dir", str(tmp_path / "fresh"), "sync")
    assert result.code == 2
    assert "Not connected to Xero" in result.err
    assert "xerologdesk connect" in result.err
