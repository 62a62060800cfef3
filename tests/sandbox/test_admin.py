"""The admin endpoints: state and call counts, reset, clock, limits, faults, invoice page."""

from __future__ import annotations

import pytest
from sandbox_helpers import admin, contact, contact_id, contacts, invoice, invoices, raw

pytestmark = pytest.mark.timeout(60)


def test_state_shows_records_tenants_and_calls_without_ids_or_query(sandbox, xero) -> None:
    bondi = contact_id(sandbox, "C-1001")
    xero.api.get_contacts(xero.tenant, where='AccountNumber=="C-1001"')
    xero.api.get_contact(xero.tenant, bondi)
    xero.api.create_invoices(xero.tenant, invoices(invoice(bondi)))
    status, state = admin(sandbox, "GET", "/_sandbox/state")
    assert status == 200
    assert state["calls"] == {"GET /Contacts": 2, "PUT /Invoices": 1}
    assert state["tenants"] == [
        {"tenantId": sandbox.primary_tenant_id, "tenantName": "Harbourside Wholesale"}
    ]
    assert len(state["contacts"]) == 24
    assert len(state["items"]) == 40
    assert state["invoices"][0]["Contact"]["ContactID"] == bondi
    assert state == {**sandbox.state(), "clock": state["clock"]}


def test_state_of_another_organisation(sandbox) -> None:
    other = sandbox.add_tenant("Second Org", seed="empty")
    status, state = admin(sandbox, "GET", f"/_sandbox/state?tenant={other}")
    assert status == 200
    assert state["organisation"]["Name"] == "Second Org"
    assert state["contacts"] == []
    assert [each["tenantName"] for each in state["tenants"]] == [
        "Harbourside Wholesale",
        "Second Org",
    ]
    assert admin(sandbox, "GET", "/_sandbox/state?tenant=nope")[0] == 404


def test_reset_restores_the_seed_and_forgets_calls(sandbox, xero) -> None:
    xero.api.create_contacts(xero.tenant, contacts(contact("Temp", "T-1")))
    sandbox.add_tenant("Extra")
    status, body = admin(sandbox, "POST", "/_sandbox/reset")
    assert (status, body) == (200, {"reset": True, "tenantId": sandbox.primary_tenant_id})
    state = sandbox.state()
    assert len(state["contacts"]) == 24
    assert state["calls"] == {}
    assert len(state["tenants"]) == 1
    # The connection survives a reset: the same token keeps working.
    assert xero.api.get_organisations(xero.tenant).organisations


def test_reset_can_switch_to_the_empty_seed(sandbox) -> None:
    admin(sandbox, "POST", "/_sandbox/reset", {"seed": "empty"})
    assert sandbox.state()["contacts"] == []
    assert admin(sandbox, "POST", "/_sandbox/reset", {"seed": "huge"}) == (
        400,
        {"error": "unknown seed 'huge': choose one of empty, demo, no-terms"},
    )


def test_the_clock_moves_forward_only(sandbox) -> None:
    before = sandbox.clock.now()
    status, body = admin(sandbox, "POST", "/_sandbox/clock", {"advance_seconds": 3600})
    assert status == 200
    assert (sandbox.clock.now() - before).total_seconds() >= 3600
    assert body["now"].startswith(str(sandbox.clock.now().year))
    assert admin(sandbox, "POST", "/_sandbox/clock", {"advance_seconds": -5}) == (
        400,
        {"error": "advance_seconds must be a number of seconds, 0 or more"},
    )


def test_limits_and_faults_are_readable(sandbox) -> None:
    assert admin(sandbox, "GET", "/_sandbox/limits") == (
        200,
        {"minute": 0, "day": 0, "concurrent": 0},
    )
    status, faults = admin(sandbox, "GET", "/_sandbox/faults")
    assert status == 200
    assert faults["error_rate"] == 0
    assert faults["timeout_seconds"] == 3


def test_the_invoice_page_shows_the_invoice(sandbox, xero) -> None:
    bondi = contact_id(sandbox, "C-1001")
    (created,) = xero.api.create_invoices(
        xero.tenant, invoices(invoice(bondi, reference="SO-<b>7</b>"))
    ).invoices
    response = raw(sandbox, "GET", f"/_sandbox/invoices/{created.invoice_id}")
    page = response.data.decode()
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Invoice INV-0001" in page
    assert "Bondi Beans Café" in page
    assert "SO-&lt;b&gt;7&lt;/b&gt;" in page  # escaped
    assert (
        raw(sandbox, "GET", "/_sandbox/invoices/0f0f0f0f-0000-4000-8000-000000000000").status == 404
    )


def test_unknown_paths_are_404(sandbox) -> None:
    assert admin(sandbox, "GET", "/_sandbox/nothing")[0] == 404
    response = raw(sandbox, "GET", "/favicon.ico")
    assert response.status == 404
    assert response.data == b"The resource you're looking for cannot be found"
