"""Contacts and items as they exist in a Xero organisation, put into a sandbox as if made in
Xero by hand; an invoice as the gateway sends one."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from xerologdesk.sandbox import Sandbox
from xerologdesk.xero.records import NewInvoice, NewLine


def contact_record(name: str, account_number: str = "", status: str = "ACTIVE") -> dict[str, Any]:
    record: dict[str, Any] = {
        "ContactID": str(uuid.uuid4()),
        "Name": name,
        "ContactStatus": status,
        "Addresses": [],
        "Phones": [],
        "HasAttachments": False,
        "HasValidationErrors": False,
    }
    if account_number:
        record["AccountNumber"] = account_number
    return record


def item_record(code: str, price: str = "10.00", **extra: Any) -> dict[str, Any]:
    record = {
        "ItemID": str(uuid.uuid4()),
        "Code": code,
        "Name": f"Xero item {code}",
        "IsSold": True,
        "IsPurchased": False,
        "IsTrackedAsInventory": False,
        "SalesDetails": {"UnitPrice": Decimal(price), "AccountCode": "200", "TaxType": "OUTPUT"},
    }
    record.update(extra)
    return record


def put_in_xero(
    sandbox: Sandbox,
    contacts: list[dict[str, Any]] = (),  # type: ignore[assignment]
    items: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> None:
    """Records that already exist in the organisation (as if made in Xero by hand)."""
    sandbox.ledger().load_records(contacts, items)


def new_invoice(sandbox: Sandbox, reference: str = "SO-1") -> NewInvoice:
    """A draft sales invoice for the demo organisation's first customer and product."""
    state = sandbox.state()
    return NewInvoice(
        reference=reference,
        contact_id=state["contacts"][0]["ContactID"],
        date=date(2026, 11, 2),
        currency="AUD",
        status="DRAFT",
        lines=(
            NewLine(
                item_code=state["items"][0]["Code"],
                description="Beans",
                quantity=Decimal("1"),
                unit_amount=Decimal("32.00"),
                tax_type="OUTPUT",
                account_code="200",
            ),
        ),
    )
