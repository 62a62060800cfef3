"""Xero's refusals of an Idempotency-Key, told apart from refusals of the request itself, as
xero-python raises them over real HTTP from the sandbox: a key still in use (409) or first used
for another request says nothing of what became of the first call, so it is :class:`KeyInUse`;
any other refusal stays a plain :class:`Rejected`."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tests.support.xero_records import new_invoice
from xerologdesk.sandbox import Sandbox, idempotency
from xerologdesk.xero.errors import KeyInUse, OutcomeUnknown, Rejected
from xerologdesk.xero.gateway import XeroGateway

pytestmark = pytest.mark.timeout(60)

HOLD = {"script": [{"method": "PUT", "resource": "/Invoices", "status": "hold"}]}


def test_a_key_first_used_for_another_request_is_a_refusal_of_the_key(
    gateway: XeroGateway, sandbox: Sandbox
) -> None:
    sent = new_invoice(sandbox)
    [created] = gateway.create_invoices([sent], "xld-invoice-k1")
    assert created.ok
    changed = replace(sent, lines=(replace(sent.lines[0], quantity=Decimal("2")),))
    with pytest.raises(KeyInUse) as refused:
        gateway.create_invoices([changed], "xld-invoice-k1")
    assert refused.value.status == 400
    assert refused.value.messages == [
        "Idempotency Key: xld-invoice-k1 is used with a different request."
    ]
    assert [each["Reference"] for each in sandbox.state()["invoices"]] == ["SO-1"]


def test_a_key_whose_first_call_is_still_under_way_is_a_refusal_of_the_key(
    gateway: XeroGateway, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = new_invoice(sandbox)
    sandbox.set_faults(HOLD)
    with pytest.raises(OutcomeUnknown):
        gateway.create_invoices([sent], "xld-invoice-k2")
    # The replay gets Xero's 409 at once rather than after waiting for the first call.
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0)
    with pytest.raises(KeyInUse) as refused:
        gateway.create_invoices([sent], "xld-invoice-k2")
    assert refused.value.status == 409
    assert sandbox.state()["invoices"] == []
    assert sandbox.release_held() == 1
    [replayed] = gateway.create_invoices([sent], "xld-invoice-k2")
    assert replayed.ok
    assert len(sandbox.state()["invoices"]) == 1


def test_a_refusal_of_the_request_is_not_taken_for_a_refusal_of_the_key(
    gateway: XeroGateway, sandbox: Sandbox
) -> None:
    sandbox.set_faults({"script": [{"method": "PUT", "resource": "/Invoices", "status": 400}]})
    with pytest.raises(Rejected) as refused:
        gateway.create_invoices([new_invoice(sandbox)], "xld-invoice-k3")
    assert not isinstance(refused.value, KeyInUse)
    assert (refused.value.status, refused.value.messages) == (400, ["Bad Request"])
    assert sandbox.state()["invoices"] == []
