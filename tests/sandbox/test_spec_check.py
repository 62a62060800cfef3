"""The spec check itself: it covers every resource the sandbox serves and refuses a field that
Xero's spec does not declare, so the sandbox cannot drift from Xero's JSON unnoticed."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from jsonschema import ValidationError
from openapi_core.validation.response.exceptions import InvalidData
from sandbox_helpers import contact_id, invoice, invoices
from sandbox_sdk import SPEC_PATH, Exchange, is_validated, validate_exchange

pytestmark = pytest.mark.timeout(60)


def with_extra_field(exchange: Exchange, plural: str) -> Exchange:
    body = exchange.json()
    records = body if plural == "" else body[plural]
    records[0]["NotAXeroField"] = "x"
    return replace(exchange, body=json.dumps(body).encode("utf-8"))


@pytest.mark.parametrize(
    ("call", "plural"),
    [
        (lambda xero: xero.api.get_organisations(xero.tenant), "Organisations"),
        (lambda xero: xero.api.get_currencies(xero.tenant), "Currencies"),
        (lambda xero: xero.api.get_contacts(xero.tenant), "Contacts"),
        (lambda xero: xero.api.get_items(xero.tenant), "Items"),
        (lambda xero: xero.api.get_invoices(xero.tenant), "Invoices"),
        (lambda xero: xero.api.get_accounts(xero.tenant), "Accounts"),
        (lambda xero: xero.api.get_tax_rates(xero.tenant), "TaxRates"),
    ],
)
def test_every_resource_is_checked_and_a_field_xero_lacks_fails(xero, openapi, call, plural):
    if plural == "Invoices":
        xero.api.create_invoices(xero.tenant, invoices(invoice(contact_id(xero.sandbox, "C-1001"))))
    call(xero)
    answer = xero.last()
    assert is_validated(answer)
    validate_exchange(openapi, answer)  # the sandbox's own answer passes
    with pytest.raises(InvalidData):
        validate_exchange(openapi, with_extra_field(answer, plural))


def test_connections_are_checked_and_a_field_xero_lacks_fails(xero, openapi) -> None:
    xero.identity.get_connections()
    answer = xero.last()
    assert is_validated(answer)
    validate_exchange(openapi, answer)
    with pytest.raises(ValidationError):
        validate_exchange(openapi, with_extra_field(answer, ""))


def test_the_shipped_spec_is_left_as_xero_publishes_it() -> None:
    assert "additionalProperties: false" not in SPEC_PATH.read_text(encoding="utf-8")
