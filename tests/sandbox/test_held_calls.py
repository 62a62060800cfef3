"""A create Xero is still processing: held by a ``hold`` fault, its key taken, until released.

What a replay with its key meets meanwhile is Xero's undocumented case; the sandbox's conservative
choice (see :mod:`xerologdesk.sandbox.idempotency`) is checked here.
"""

from __future__ import annotations

import pytest
import urllib3
from sandbox_helpers import admin
from test_faults import put_invoice
from xero_python.exceptions import HTTPStatusException

from xerologdesk.sandbox import idempotency

pytestmark = pytest.mark.timeout(60)

HOLD = {"script": [{"method": "PUT", "resource": "/Invoices", "status": "hold"}]}


def test_a_held_create_takes_effect_when_released_and_its_key_replays_that_answer(
    sandbox, xero, monkeypatch
) -> None:
    sandbox.set_faults(HOLD)
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        put_invoice(xero, key="order-5", _request_timeout=(5, 1))
    assert sandbox.wait_held(timeout=5)
    state = sandbox.state()
    assert (state["held_calls"], state["invoices"]) == (1, [])
    # A replay while the first is still under way never takes effect, and never answers
    # anything the first has not decided (the wait for it cut to nothing here).
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0)
    with pytest.raises(HTTPStatusException) as raised:
        put_invoice(xero, key="order-5")
    assert raised.value.status == 409
    assert xero.last().json()["Detail"] == (
        "Idempotency Key: order-5 is used by a request still in progress."
    )
    assert sandbox.state()["invoices"] == []
    assert admin(sandbox, "POST", "/_sandbox/faults/release") == (200, {"released": 1})
    (created,) = sandbox.state()["invoices"]
    assert created["Reference"] == "SO-1"
    assert not sandbox.wait_held(timeout=0)  # none held now: the wait says so at once
    (replayed,) = put_invoice(xero, key="order-5").invoices
    assert replayed.invoice_id == created["InvoiceID"]
    assert len(sandbox.state()["invoices"]) == 1
    assert sandbox.state()["held_calls"] == 0


def test_a_reset_lets_held_calls_go_without_effect(sandbox, xero) -> None:
    sandbox.set_faults(HOLD)
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        put_invoice(xero, key="order-6", _request_timeout=(5, 1))
    sandbox.reset()
    assert sandbox.state()["held_calls"] == 0
    assert sandbox.release_held() == 0
    assert sandbox.state()["invoices"] == []
    # The key was forgotten with the rest: the same request is a new one now.
    (created,) = put_invoice(xero, key="order-6").invoices
    assert created.status_attribute_string == "OK"
    assert len(sandbox.state()["invoices"]) == 1
