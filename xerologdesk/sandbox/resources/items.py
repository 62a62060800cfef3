"""Items: their fields, their wire shape and Xero's rules for saving one.

PUT creates only: an id in the element is ignored and a new item made. POST creates or updates the
item it matches, as Xero documents: by ``ItemID``, else ``Code`` (case-insensitively); an unknown
``ItemID`` is an error. An item's Code is unique case-insensitively (Xero's message).
Fields the sandbox does not model (tracking categories, ...) are ignored.

``QuantityOnHand`` and ``TotalCostPool`` are carried by tracked items only
(``IsTrackedAsInventory``), as in Xero's answers; untracked items leave them out. They cannot be
written through the API (Xero changes them through purchases and sales): a tracked item starts at
0, the demo seed sets stock, and approved invoices move it (see :mod:`.invoices`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xerologdesk.sandbox import fields, messages
from xerologdesk.sandbox.ledger import Outcome
from xerologdesk.sandbox.queries import Listing
from xerologdesk.sandbox.resources import reference
from xerologdesk.sandbox.wire import ZERO_GUID, ms_date, ordered

if TYPE_CHECKING:
    from xerologdesk.sandbox.ledger import Ledger

# Writable string fields and their lengths (Xero's OpenAPI spec; None: not limited there).
TEXT: dict[str, int | None] = {
    "Code": 30,
    "Name": 50,
    "Description": 4000,
    "PurchaseDescription": 4000,
    "InventoryAssetAccountCode": None,
}
DETAIL_TEXT: dict[str, int | None] = {"AccountCode": None, "COGSAccountCode": None, "TaxType": None}

# The order of an item's keys in Xero's answers.
ORDER = (
    "ItemID",
    "Code",
    "Description",
    "PurchaseDescription",
    "UpdatedDateUTC",
    "PurchaseDetails",
    "SalesDetails",
    "Name",
    "IsTrackedAsInventory",
    "InventoryAssetAccountCode",
    "TotalCostPool",
    "QuantityOnHand",
    "IsSold",
    "IsPurchased",
)

# GET /Items: the fields `where` and `order` know, and the table index answering each.
LISTING = Listing(
    "Item",
    {
        "ItemID": "guid",
        "Code": "string",
        "Name": "string",
        "Description": "string",
        "PurchaseDescription": "string",
        "IsSold": "bool",
        "IsPurchased": "bool",
        "IsTrackedAsInventory": "bool",
        "InventoryAssetAccountCode": "string",
        "QuantityOnHand": "number",
        "TotalCostPool": "number",
        "UpdatedDateUTC": "date",
        "SalesDetails.UnitPrice": "number",
        "SalesDetails.AccountCode": "string",
        "SalesDetails.TaxType": "string",
        "PurchaseDetails.UnitPrice": "number",
        "PurchaseDetails.AccountCode": "string",
        "PurchaseDetails.COGSAccountCode": "string",
        "PurchaseDetails.TaxType": "string",
    },
    {"ItemID": "", "Code": "code_exact"},
)


def read(element: Mapping[str, Any], path: str, unit_places: int) -> dict[str, Any]:
    """The writable fields an element gives, parsed (only those present)."""
    changes: dict[str, Any] = fields.texts(element, TEXT, path)
    for key in ("IsSold", "IsPurchased", "IsTrackedAsInventory"):
        value = fields.flag(element, key, path)
        if value is not None:
            changes[key] = value
    for key in ("SalesDetails", "PurchaseDetails"):
        if element.get(key) is not None:
            raw = fields.as_object(element[key], f"{path}.{key}")
            details: dict[str, Any] = fields.texts(raw, DETAIL_TEXT, f"{path}.{key}")
            price = fields.number(raw, "UnitPrice", f"{path}.{key}")
            if price is not None:
                details["UnitPrice"] = fields.round_to(price, unit_places)
            changes[key] = details
    return changes


def _match(
    ledger: Ledger, element: Mapping[str, Any], changes: Mapping[str, Any], path: str
) -> tuple[Mapping[str, Any] | None, str | None]:
    item_id = fields.given_id(element, "ItemID", path)
    if item_id is not None:
        found = ledger.items.get(item_id)
        if found is None:
            return None, messages.ITEM_NOT_FOUND.format(item_id=item_id)
        return found, None
    code = changes.get("Code")
    return (ledger.item_by_code(code) if code else None), None


def save(
    ledger: Ledger, element: Any, *, create_only: bool, unit_places: int, path: str
) -> Outcome:
    """Create (or, for POST, update) one item; the outcome with Xero's messages."""
    element = fields.as_object(element, path)
    changes = read(element, path, unit_places)
    existing, error = (None, None) if create_only else _match(ledger, element, changes, path)
    base: dict[str, Any] = dict(existing) if existing is not None else _new(changes)
    merged = base | changes | {"UpdatedDateUTC": ms_date(ledger.now())}
    if merged.get("IsTrackedAsInventory"):
        merged.setdefault("QuantityOnHand", Decimal(0))
        merged.setdefault("TotalCostPool", Decimal(0))
    else:
        merged.pop("QuantityOnHand", None)
        merged.pop("TotalCostPool", None)
    record = ordered(merged, ORDER)
    errors = [error] if error else validation_errors(ledger, record, existing)
    return ledger.save(ledger.items, record, existing, errors, ORDER)


def _new(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "ItemID": ZERO_GUID,
        "PurchaseDetails": {},
        "SalesDetails": {},
        "IsTrackedAsInventory": False,
        "IsSold": True,
        "IsPurchased": "PurchaseDetails" in changes,
    }


def validation_errors(
    ledger: Ledger, record: Mapping[str, Any], existing: Mapping[str, Any] | None
) -> list[str]:
    """Xero's validation errors for an item about to be stored (``existing``: its old self)."""
    errors: list[str] = []
    code = str(record.get("Code") or "")
    if not code.strip():
        errors.append(messages.ITEM_CODE_EMPTY)
    errors.extend(fields.length_errors(record, TEXT))
    own_id = str(existing["ItemID"]).lower() if existing is not None else None
    if code.strip():
        clash = ledger.item_by_code(code)
        if clash is not None and str(clash["ItemID"]).lower() != own_id:
            errors.append(messages.ITEM_CODE_TAKEN.format(code=code))
    for key, revenue in (("SalesDetails", True), ("PurchaseDetails", False)):
        details = record.get(key) or {}
        account_code = details.get("AccountCode")
        account = ledger.account(account_code) if account_code else None
        if reference.is_archived(account):
            errors.append(messages.ACCOUNT_CODE_ARCHIVED.format(code=account_code))
        elif account_code and (account is None or account.get("Status") != "ACTIVE"):
            errors.append(messages.ITEM_ACCOUNT_INVALID.format(code=account_code))
        tax_type = details.get("TaxType")
        if tax_type and not reference.usable_tax_rate(ledger, tax_type, revenue=revenue):
            errors.append(messages.TAX_TYPE_INVALID.format(tax_type=tax_type))
    if record.get("IsTrackedAsInventory"):
        inventory = ledger.account(str(record.get("InventoryAssetAccountCode") or ""))
        if inventory is None or inventory.get("Type") != "INVENTORY":
            errors.append(messages.INVENTORY_ACCOUNT_REQUIRED)
    return list(dict.fromkeys(errors))
