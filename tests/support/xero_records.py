"""Contacts and items as they exist in a Xero organisation, put into a sandbox as if made in
Xero by hand."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from xerologdesk.sandbox import Sandbox


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
