"""Tokens and tenants on accounting calls, through xero-python: 401 TokenExpired and 403."""

from __future__ import annotations

import pytest
from sandbox_helpers import contact, contact_id, contacts, invoice, invoices, item, items, raw
from xero_python.exceptions import HTTPStatusException

pytestmark = pytest.mark.timeout(60)


def test_an_unknown_token_is_401_token_expired(sandbox, xero_factory) -> None:
    xero = xero_factory(sandbox, {"access_token": "not-a-token", "scope": ""})
    with pytest.raises(HTTPStatusException) as raised:
        xero.api.get_contacts(xero.tenant)
    assert raised.value.status == 401
    body = xero.last().json()
    assert body["Title"] == "Unauthorized"
    assert body["Detail"].startswith("TokenExpired: token expired at ")


def test_a_token_expires_after_30_minutes_on_the_sandbox_clock(xero) -> None:
    assert xero.api.get_organisations(xero.tenant).organisations
    xero.sandbox.clock.advance(31 * 60)
    with pytest.raises(HTTPStatusException) as raised:
        xero.api.get_organisations(xero.tenant)
    assert raised.value.status == 401
    assert xero.last().json()["Detail"].startswith("TokenExpired: token expired at ")


def test_a_missing_token_is_401(sandbox) -> None:
    response = raw(sandbox, "GET", "/api.xro/2.0/Contacts", tenant=sandbox.primary_tenant_id)
    assert response.status == 401
    assert response.json()["Detail"].startswith("TokenExpired")


def test_an_organisation_the_app_is_not_connected_to_is_403(sandbox, xero) -> None:
    other = sandbox.add_tenant("Other Org Pty Ltd")
    with pytest.raises(HTTPStatusException) as raised:
        xero.api.get_contacts(other)
    assert raised.value.status == 403
    assert xero.last().json()["Detail"] == "AuthenticationUnsuccessful"


def test_an_unknown_tenant_id_is_403(xero) -> None:
    with pytest.raises(HTTPStatusException) as raised:
        xero.api.get_contacts("0f0f0f0f-0000-4000-8000-000000000000")
    assert raised.value.status == 403


def test_a_client_credentials_token_may_leave_the_tenant_out(xero) -> None:
    response = raw(
        xero.sandbox, "GET", "/api.xro/2.0/Organisation", token=xero.token["access_token"]
    )
    assert response.status == 200
    assert response.json()["Organisations"][0]["Name"] == "Harbourside Wholesale"


def test_connections_list_the_primary_organisation(xero) -> None:
    connections = xero.identity.get_connections()
    assert [(each.tenant_id, each.tenant_name) for each in connections] == [
        (xero.tenant, "Harbourside Wholesale")
    ]
    assert xero.sandbox.state()["calls"]["GET /connections"] == 1


def test_every_accounting_answer_carries_the_limit_headers(xero) -> None:
    xero.api.get_contacts(xero.tenant)
    headers = {key.lower(): value for key, value in xero.last().headers.items()}
    for name in ("x-daylimit-remaining", "x-minlimit-remaining", "x-appminlimit-remaining"):
        assert int(headers[name]) > 0


# --- scopes -------------------------------------------------------------------------------------


def test_a_read_only_contacts_token_reads_contacts_and_creates_nothing(
    sandbox, xero_factory
) -> None:
    xero = xero_factory(sandbox, sandbox.issue_token(scopes=("accounting.contacts.read",)))
    assert xero.api.get_contacts(xero.tenant).contacts
    before = sandbox.state()
    for create in (
        lambda: xero.api.create_contacts(xero.tenant, contacts(contact("New Co", "N-1"))),
        lambda: xero.api.create_invoices(
            xero.tenant, invoices(invoice(contact_id(sandbox, "C-1001")))
        ),
        lambda: xero.api.create_items(xero.tenant, items(item("NEW-1"))),
        lambda: xero.api.get_items(xero.tenant),
        lambda: xero.api.get_accounts(xero.tenant),
    ):
        with pytest.raises(HTTPStatusException) as raised:
            create()
        assert raised.value.status == 401
        body = xero.last().json()
        assert (body["Title"], body["Detail"]) == ("Unauthorized", "AuthorizationUnsuccessful")
    after = sandbox.state()
    assert [len(after[key]) for key in ("contacts", "invoices", "items")] == [
        len(before[key]) for key in ("contacts", "invoices", "items")
    ]


@pytest.mark.parametrize(
    ("granted", "call", "allowed"),
    [
        ("accounting.invoices.read", "get_items", True),  # granular: items with invoices
        ("accounting.invoices.read", "create_items", False),
        ("accounting.invoices", "create_items", True),
        ("accounting.transactions", "create_items", False),  # legacy: items are settings
        ("accounting.settings", "create_items", True),
        ("accounting.transactions.read", "get_invoices", True),
        ("accounting.settings.read", "get_organisations", True),
        ("accounting.settings.read", "get_currencies", True),
        ("accounting.contacts", "get_tax_rates", False),
    ],
)
def test_each_scope_allows_what_xero_documents(sandbox, xero_factory, granted, call, allowed):
    xero = xero_factory(sandbox, sandbox.issue_token(scopes=(granted,)))
    arguments = (items(item("SCOPED-1")),) if call == "create_items" else ()
    try:
        getattr(xero.api, call)(xero.tenant, *arguments)
    except HTTPStatusException as error:
        assert not allowed and error.status == 401
    else:
        assert allowed
