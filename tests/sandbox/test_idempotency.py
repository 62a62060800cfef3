"""Idempotency-Key: replayed for 6 minutes on the sandbox clock, errors too, never done twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sandbox_helpers import contact_id, invoice, invoices, item, items, line
from xero_python.exceptions import AccountingBadRequestException

pytestmark = pytest.mark.timeout(60)


def put(xero, body, key: str, summarize: bool = False):
    return xero.api.create_invoices(
        xero.tenant, body, summarize_errors=summarize, idempotency_key=key
    ).invoices


def test_a_repeat_with_the_same_key_replays_the_first_answer(xero) -> None:
    body = invoices(invoice(contact_id(xero.sandbox, "C-1001")))
    (first,) = put(xero, body, "order-1001")
    (again,) = put(xero, body, "order-1001")
    assert again.invoice_id == first.invoice_id
    assert again.invoice_number == first.invoice_number
    state = xero.sandbox.state()
    assert len(state["invoices"]) == 1
    assert state["calls"]["PUT /Invoices"] == 2  # both calls reached the sandbox


def test_errors_are_replayed_too(xero) -> None:
    unknown = invoices(invoice(contact_id(xero.sandbox, "C-1001"), line("NEW-SKU")))
    (refused,) = put(xero, unknown, "order-7")
    assert refused.validation_errors[0].message == "Item code 'NEW-SKU' is not valid."
    xero.api.create_items(
        xero.tenant,
        items(item("NEW-SKU")),
    )
    (replayed,) = put(xero, unknown, "order-7")
    assert replayed.validation_errors[0].message == "Item code 'NEW-SKU' is not valid."
    (fresh,) = put(xero, unknown, "order-7-retry")
    assert fresh.status_attribute_string == "OK"


def test_the_same_key_with_a_different_request_is_refused(xero) -> None:
    bondi = contact_id(xero.sandbox, "C-1001")
    put(xero, invoices(invoice(bondi, reference="SO-1")), "key-1")
    with pytest.raises(AccountingBadRequestException) as raised:
        put(xero, invoices(invoice(bondi, reference="SO-2")), "key-1")
    assert raised.value.status == 400
    assert raised.value.error_data["Detail"] == (
        "Idempotency Key: key-1 is used with a different request."
    )
    assert [each["Reference"] for each in xero.sandbox.state()["invoices"]] == ["SO-1"]


def test_after_six_minutes_a_repeat_creates_a_duplicate(xero) -> None:
    body = invoices(invoice(contact_id(xero.sandbox, "C-1001")))
    (first,) = put(xero, body, "order-42")
    xero.sandbox.clock.advance(5 * 60 + 59)
    (within,) = put(xero, body, "order-42")
    assert within.invoice_id == first.invoice_id
    xero.sandbox.clock.advance(2)
    (after,) = put(xero, body, "order-42")
    assert after.invoice_id != first.invoice_id
    assert len(xero.sandbox.state()["invoices"]) == 2


def test_concurrent_calls_with_one_key_take_effect_once(sandbox, xero_factory) -> None:
    sandbox.set_faults({"latency_ms": 50})  # widen the window in which the calls overlap
    clients = [xero_factory(sandbox) for _ in range(8)]
    body = invoices(invoice(contact_id(sandbox, "C-1001")))
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda xero: put(xero, body, "same-key")[0], clients))
    assert len({answer.invoice_id for answer in answers}) == 1
    assert len(sandbox.state()["invoices"]) == 1


def test_keys_are_at_most_128_characters(xero) -> None:
    body = invoices(invoice(contact_id(xero.sandbox, "C-1001")))
    with pytest.raises(AccountingBadRequestException) as raised:
        put(xero, body, "k" * 129)
    assert raised.value.error_data["Detail"] == "Idempotency Key: must be at most 128 characters."
    assert put(xero, body, "k" * 128)[0].status_attribute_string == "OK"
