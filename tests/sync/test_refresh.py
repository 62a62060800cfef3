"""After the sync (issue 15): a refresh from Xero sees what the accountant did to each invoice,
cheaply, and Send again and Accept settle an order whose invoice was voided or deleted; all
through the CLI, over real HTTP against the sandbox."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.sandbox import messages
from xerologdesk.store.vocabulary import XeroStatus

REFS = ("SO-1", "SO-2", "SO-3", "SO-4")


def accountant(desk: Desk, ref: str, **change: Any) -> dict[str, Any]:
    """Do in Xero what an accountant does to the order's (live) invoice; Xero's answer."""
    from tests.sandbox.sandbox_helpers import admin

    (invoice,) = [
        each
        for each in desk.xero()["invoices"]
        if each["Reference"] == ref and each["Status"] not in ("VOIDED", "DELETED")
    ]
    status, body = admin(desk.sandbox, "POST", f"/_sandbox/invoices/{invoice['InvoiceID']}", change)
    assert status in (200, 400), body
    return body


def calls(desk: Desk) -> dict[str, int]:
    """The sandbox's count of accounting calls (token renewals left out)."""
    return {key: n for key, n in desk.xero()["calls"].items() if "/connect" not in key}


def spent(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key)}


@pytest.fixture
def synced(desk: Desk) -> Desk:
    """Four orders invoiced as drafts; then in Xero SO-1 approved and voided, SO-2 approved and
    paid, SO-3 deleted, SO-4 left alone."""
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Harbour Deli", "C-1")],
        items=[item_record("SKU-1", IsTrackedAsInventory=True, QuantityOnHand=Decimal(50))],
    )
    desk.import_rows([line(ref, ("C-1", "Harbour Deli"), "SKU-1", quantity="2") for ref in REFS])
    assert desk("sync").code == 0
    for ref in ("SO-1", "SO-2"):
        accountant(desk, ref, status="AUTHORISED")
    accountant(desk, "SO-1", status="VOIDED")
    accountant(desk, "SO-2", pay="22.00")
    accountant(desk, "SO-3", status="DELETED")
    return desk


def test_one_refresh_shows_voided_paid_and_deleted_invoices_in_the_log(synced: Desk) -> None:
    assert {row["xero_status"] for row in synced.log().values()} == {None}
    result = synced("refresh")
    assert result.code == 0, result.err
    assert "Refreshed from Xero: 4 invoices changed" in result.out
    log = synced.log()
    assert {ref: log[ref]["xero_status"] for ref in REFS} == {
        "SO-1": XeroStatus.VOIDED,
        "SO-2": XeroStatus.PAID,
        "SO-3": XeroStatus.DELETED,
        "SO-4": XeroStatus.DRAFT,
    }
    assert log["SO-2"]["xero_amount_due"] == "0.00"
    assert log["SO-4"]["xero_amount_due"] == "22.00"
    assert [ref for ref in REFS if log[ref]["xero_voided_or_deleted"]] == ["SO-1", "SO-3"]
    assert all(log[ref]["status"] == "succeeded" for ref in REFS)
    assert list(synced.log("--xero-status", "voided")) == ["SO-1"]


def test_a_second_refresh_with_nothing_changed_makes_one_call_per_resource(synced: Desk) -> None:
    synced.settings(retrieve_stock_on_hand="on")
    assert synced("refresh").code == 0
    before = calls(synced)
    result = synced("refresh")
    assert result.code == 0, result.err
    assert "0 invoices changed" in result.out
    assert spent(before, calls(synced)) == {"GET /Invoices": 1, "GET /Items": 1}


def test_a_refresh_asks_only_for_what_changed_since(synced: Desk) -> None:
    assert synced("refresh").code == 0
    accountant(synced, "SO-4", status="AUTHORISED")
    before = calls(synced)
    result = synced("refresh")
    assert "SO-4: INV-0004 draft -> authorised" in result.out
    assert "1 invoice changed (1 authorised)" in result.out
    assert spent(before, calls(synced)) == {"GET /Invoices": 1}


def test_stock_on_hand_comes_with_the_refresh(synced: Desk) -> None:
    synced.settings(retrieve_stock_on_hand="on")
    assert synced("refresh").code == 0
    stock = {each["sku"]: each for each in json.loads(synced("stock", "--json").out)}
    # 50, less 2 for the approved SO-2 (SO-1's 2 came back when it was voided).
    assert stock["SKU-1"]["on_hand"] == "48"
    assert stock["SKU-1"]["read_at"] is not None
    assert "SKU-1" in synced("stock").out


def test_send_again_makes_exactly_one_new_invoice_through_the_outbox(synced: Desk) -> None:
    assert synced("refresh").code == 0
    before = len(synced.xero()["invoices"])
    result = synced("resolve", "--send-again", "SO-1", "SO-3", "SO-2")
    assert result.code == 0, result.err
    assert "SO-1: Sent again: replaces invoice INV-0001, voided in Xero." in result.err
    assert "SO-3: Sent again: replaces invoice INV-0003, deleted in Xero." in result.err
    assert "SO-2: unchanged (its invoice is not voided or deleted in Xero)" in result.out
    invoices = synced.xero()["invoices"]
    assert len(invoices) == before + 2
    live = {each["Reference"]: each for each in invoices if each["Status"] == "DRAFT"}
    log = synced.log()
    for ref in ("SO-1", "SO-3"):
        assert log[ref]["status"] == "succeeded"
        assert log[ref]["xero_invoice_id"] == live[ref]["InvoiceID"]
        assert log[ref]["xero_status"] is None  # until the next refresh sees the new invoice
    assert synced("refresh").code == 0
    assert synced.log()["SO-1"]["xero_status"] == XeroStatus.DRAFT
    # Sending again once more finds nothing to replace.
    again = synced("resolve", "--send-again", "SO-1")
    assert "SO-1: unchanged" in again.out
    assert len(synced.xero()["invoices"]) == before + 2


def test_accept_keeps_the_order_and_it_no_longer_stands_out(synced: Desk) -> None:
    assert synced("refresh").code == 0
    result = synced("resolve", "--accept", "SO-1", "SO-2")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "SO-1: kept as it is",
        "SO-2: its invoice is not voided or deleted in Xero",
    ]
    log = synced.log()
    assert log["SO-1"]["xero_status"] == XeroStatus.VOIDED
    assert not log["SO-1"]["xero_voided_or_deleted"]
    assert "SO-1: unchanged" in synced("resolve", "--send-again", "SO-1").out


def test_xero_refusing_to_void_a_paid_invoice_keeps_its_words(synced: Desk) -> None:
    refused = accountant(synced, "SO-2", status="VOIDED")
    assert refused["messages"] == [
        messages.INVOICE_STATUS_FOR_MODIFICATION,
        messages.PAYMENT_ALLOCATED,
    ]


def test_send_again_refused_by_xero_keeps_its_words(desk: Desk) -> None:
    # With invoices numbered from the order ref, the new invoice asks for the number the voided
    # one keeps: Xero's refusal fails the order with its words, nothing is made.
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Harbour Deli", "C-1")], items=[item_record("SKU-1")]
    )
    desk.settings(invoice_number_from_order_ref="on", invoice_status="AUTHORISED")
    desk.import_rows([line("SO-9", ("C-1", "Harbour Deli"), "SKU-1")])
    assert desk("sync").code == 0
    accountant(desk, "SO-9", status="VOIDED")
    assert desk("refresh").code == 0
    result = desk("resolve", "--send-again", "SO-9")
    assert result.code == 3, result.err
    row = desk.log()["SO-9"]
    assert row["status"] == "failed"
    assert [reason["code"] for reason in row["reasons"]] == ["xero_rejected"]
    assert row["reasons"][0]["message"].endswith("Invoice # must be unique.")
    assert [each["Status"] for each in desk.xero()["invoices"]] == ["VOIDED"]
