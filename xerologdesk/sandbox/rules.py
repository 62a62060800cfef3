"""Xero's rules for contacts and items: request elements in, validated records out.

PUT creates only: an id in the element is ignored and a new record made. POST creates or updates
the record it matches, as Xero documents for these endpoints:

- contacts match by ``ContactID``, else ``ContactNumber``, else ``Name`` (an active contact, folded
  as Xero compares names); a ``ContactID`` that matches nothing is an error;
- items match by ``ItemID``, else ``Code`` (case-insensitively); an unknown ``ItemID`` is an error.

Uniqueness, with Xero's messages: a contact's Name among *active* contacts, case-insensitively but
accent-sensitively (as a SQL Server ``CI_AS`` column compares: "Café Marco" and "Cafe Marco" may
both be active, and a folded lookup then finds both, which is how a sync meets an ambiguous
name); its AccountNumber among *all* contacts (archived too), compared as lookups compare
(:func:`~xerologdesk.sandbox.where.fold`); an item's Code case-insensitively.
Fields the sandbox does not model (payment terms, tracking categories, ...) are ignored.

Items: ``QuantityOnHand`` and ``TotalCostPool`` are carried by tracked items only
(``IsTrackedAsInventory``), as in Xero's answers; untracked items leave them out. They cannot be
written through the API (Xero changes them through purchases and sales): a tracked item starts at
0, the demo seed sets stock, and approved invoices move it (see invoice_rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xerologdesk.sandbox import fields, messages
from xerologdesk.sandbox.ledger import Outcome
from xerologdesk.sandbox.resources import reference
from xerologdesk.sandbox.where import fold
from xerologdesk.sandbox.wire import ZERO_GUID, ms_date, ordered

if TYPE_CHECKING:
    from xerologdesk.sandbox.ledger import Ledger

# Writable string fields and their lengths (Xero's OpenAPI spec; None: not limited there).
CONTACT_TEXT: dict[str, int | None] = {
    "ContactNumber": 50,
    "AccountNumber": 50,
    "Name": 255,
    "FirstName": 255,
    "LastName": 255,
    "CompanyNumber": 50,
    "EmailAddress": 255,
    "BankAccountDetails": None,
    "TaxNumber": 50,
    "AccountsReceivableTaxType": None,
    "AccountsPayableTaxType": None,
    "DefaultCurrency": None,
    "SalesDefaultAccountCode": None,
    "PurchasesDefaultAccountCode": None,
}
ADDRESS_TEXT: dict[str, int | None] = {
    "AddressLine1": 500,
    "AddressLine2": 500,
    "AddressLine3": 500,
    "AddressLine4": 500,
    "City": 255,
    "Region": 255,
    "PostalCode": 50,
    "Country": 50,
    "AttentionTo": 255,
}
PHONE_TEXT: dict[str, int | None] = {
    "PhoneNumber": 50,
    "PhoneAreaCode": 10,
    "PhoneCountryCode": 20,
}
PERSON_TEXT: dict[str, int | None] = {"FirstName": None, "LastName": None, "EmailAddress": None}
ITEM_TEXT: dict[str, int | None] = {
    "Code": 30,
    "Name": 50,
    "Description": 4000,
    "PurchaseDescription": 4000,
    "InventoryAssetAccountCode": None,
}
DETAIL_TEXT: dict[str, int | None] = {"AccountCode": None, "COGSAccountCode": None, "TaxType": None}

CONTACT_ORDER = (
    "ContactID",
    "ContactNumber",
    "AccountNumber",
    "ContactStatus",
    "Name",
    "FirstName",
    "LastName",
    "CompanyNumber",
    "EmailAddress",
    "BankAccountDetails",
    "TaxNumber",
    "AccountsReceivableTaxType",
    "AccountsPayableTaxType",
    "Addresses",
    "Phones",
    "UpdatedDateUTC",
    "ContactGroups",
    "IsSupplier",
    "IsCustomer",
    "DefaultCurrency",
    "SalesDefaultAccountCode",
    "PurchasesDefaultAccountCode",
    "ContactPersons",
    "HasAttachments",
    "HasValidationErrors",
)
ITEM_ORDER = (
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


# --- contacts -----------------------------------------------------------------------------------


def read_contact(element: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The writable fields an element gives, parsed (only those present)."""
    changes: dict[str, Any] = fields.texts(element, CONTACT_TEXT, path)
    status = fields.choice(element, "ContactStatus", path, ("ACTIVE", "ARCHIVED", "GDPRREQUEST"))
    if status is not None:
        changes["ContactStatus"] = status
    if element.get("Addresses") is not None:
        changes["Addresses"] = [
            _address(fields.as_object(each, f"{path}.Addresses[{n}]"), f"{path}.Addresses[{n}]")
            for n, each in enumerate(fields.as_list(element["Addresses"], f"{path}.Addresses"))
        ]
    if element.get("Phones") is not None:
        changes["Phones"] = [
            _phone(fields.as_object(each, f"{path}.Phones[{n}]"), f"{path}.Phones[{n}]")
            for n, each in enumerate(fields.as_list(element["Phones"], f"{path}.Phones"))
        ]
    if element.get("ContactPersons") is not None:
        people = fields.as_list(element["ContactPersons"], f"{path}.ContactPersons")
        changes["ContactPersons"] = [
            _person(fields.as_object(each, f"{path}.ContactPersons[{n}]"), path)
            for n, each in enumerate(people)
        ]
    return changes


def _address(raw: Mapping[str, Any], path: str) -> dict[str, Any]:
    address: dict[str, Any] = {
        "AddressType": fields.choice(raw, "AddressType", path, ("POBOX", "STREET")) or "POBOX"
    }
    address.update(fields.texts(raw, ADDRESS_TEXT, path))
    return address


def _phone(raw: Mapping[str, Any], path: str) -> dict[str, Any]:
    kinds = ("DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE")
    phone: dict[str, Any] = {"PhoneType": fields.choice(raw, "PhoneType", path, kinds) or "DEFAULT"}
    phone.update(fields.texts(raw, PHONE_TEXT, path))
    return phone


def _person(raw: Mapping[str, Any], path: str) -> dict[str, Any]:
    person: dict[str, Any] = dict(fields.texts(raw, PERSON_TEXT, path))
    include = fields.flag(raw, "IncludeInEmails", path)
    if include is not None:
        person["IncludeInEmails"] = include
    return person


def _match_contact(
    ledger: Ledger, element: Mapping[str, Any], changes: Mapping[str, Any], path: str
) -> tuple[Mapping[str, Any] | None, str | None]:
    """(the contact a POST element updates, or None; an error when its ContactID is unknown)."""
    contact_id = fields.given_id(element, "ContactID", path)
    if contact_id is not None:
        found = ledger.contacts.get(contact_id)
        if found is None:
            return None, messages.CONTACT_NOT_FOUND.format(contact_id=contact_id)
        return found, None
    number = changes.get("ContactNumber")
    if number:
        by_number = ledger.contacts.find("number", number)
        if by_number:
            return by_number[0], None
    name = changes.get("Name")
    if name:
        active = ledger.active_contacts_named(name)
        if active:
            return active[0], None
    return None, None


def save_contact(ledger: Ledger, element: Any, *, create_only: bool, path: str) -> Outcome:
    """Create (or, for POST, update) one contact; the outcome with Xero's messages."""
    element = fields.as_object(element, path)
    changes = read_contact(element, path)
    existing, error = (
        (None, None) if create_only else _match_contact(ledger, element, changes, path)
    )
    base: dict[str, Any] = dict(existing) if existing is not None else _new_contact()
    record = ordered(base | changes | {"UpdatedDateUTC": ms_date(ledger.now())}, CONTACT_ORDER)
    errors = [error] if error else contact_errors(ledger, record, existing)
    if errors:
        if existing is None:
            record["ContactID"] = ZERO_GUID
        return Outcome(record=record, errors=errors)
    if existing is None:
        record["ContactID"] = ledger.new_id()
        record = ordered(record, CONTACT_ORDER)
    ledger.store(ledger.contacts, record)
    if existing is not None:
        refresh_invoice_contacts(ledger, record)
    return Outcome(record=record, saved=True)


def contact_summary(contact: Mapping[str, Any]) -> dict[str, Any]:
    """The contact as an invoice embeds it (its current details, as Xero shows them)."""
    keys = ("ContactID", "ContactNumber", "AccountNumber", "ContactStatus", "Name", "EmailAddress")
    summary = {key: contact[key] for key in keys if contact.get(key) not in (None, "")}
    summary["HasValidationErrors"] = False
    return summary


def refresh_invoice_contacts(ledger: Ledger, contact: Mapping[str, Any]) -> None:
    """Show a changed contact's details on its invoices."""
    summary = contact_summary(contact)
    for invoice in ledger.invoices.find("contact", str(contact["ContactID"]).lower()):
        if invoice.get("Contact") != summary:
            ledger.store(ledger.invoices, dict(invoice, Contact=summary))


def _new_contact() -> dict[str, Any]:
    return {
        "ContactID": ZERO_GUID,
        "ContactStatus": "ACTIVE",
        "Addresses": [],
        "Phones": [],
        "ContactGroups": [],
        "IsSupplier": False,
        "IsCustomer": False,
        "ContactPersons": [],
        "HasAttachments": False,
        "HasValidationErrors": False,
    }


def contact_errors(
    ledger: Ledger, record: Mapping[str, Any], existing: Mapping[str, Any] | None
) -> list[str]:
    """Xero's validation errors for a contact about to be stored (``existing``: its old self)."""
    errors: list[str] = []
    own_id = str(existing["ContactID"]).lower() if existing is not None else None
    name = str(record.get("Name") or "")
    if not name.strip():
        errors.append(messages.CONTACT_NAME_EMPTY)
    errors.extend(fields.length_errors(record, CONTACT_TEXT))
    for key, limits in (("Addresses", ADDRESS_TEXT), ("Phones", PHONE_TEXT)):
        for part in record.get(key) or []:
            errors.extend(fields.length_errors(part, limits))
    if record.get("ContactStatus") == "GDPRREQUEST" and (
        existing is None or existing.get("ContactStatus") != "GDPRREQUEST"
    ):
        errors.append(messages.CONTACT_STATUS_INVALID)
    if name.strip() and record.get("ContactStatus") == "ACTIVE":
        clashes = [
            each
            for each in ledger.active_contacts_named(name)
            if str(each["ContactID"]).lower() != own_id
            and str(each.get("Name", "")).strip().casefold() == name.strip().casefold()
        ]
        if clashes:
            errors.append(messages.CONTACT_NAME_TAKEN.format(name=name))
    account_number = str(record.get("AccountNumber") or "")
    if account_number:
        taken = [
            each
            for each in ledger.contacts.find("account_number", fold(account_number))
            if str(each["ContactID"]).lower() != own_id
        ]
        if taken:
            errors.append(messages.ACCOUNT_NUMBER_TAKEN)
    email = str(record.get("EmailAddress") or "")
    if email and not _looks_like_email(email):
        errors.append(messages.EMAIL_INVALID)
    return list(dict.fromkeys(errors))


def _looks_like_email(text: str) -> bool:
    """One ``@`` between a local part and a dotted domain, no spaces (Xero's rule is unknown)."""
    local, at, domain = text.partition("@")
    return (
        bool(at and local and domain)
        and "@" not in domain
        and not any(ch.isspace() for ch in text)
        and "." in domain.strip(".")
    )


# --- items --------------------------------------------------------------------------------------


def read_item(element: Mapping[str, Any], path: str, unit_places: int) -> dict[str, Any]:
    """The writable fields an element gives, parsed (only those present)."""
    changes: dict[str, Any] = fields.texts(element, ITEM_TEXT, path)
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


def _match_item(
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


def save_item(
    ledger: Ledger, element: Any, *, create_only: bool, unit_places: int, path: str
) -> Outcome:
    """Create (or, for POST, update) one item; the outcome with Xero's messages."""
    element = fields.as_object(element, path)
    changes = read_item(element, path, unit_places)
    existing, error = (None, None) if create_only else _match_item(ledger, element, changes, path)
    base: dict[str, Any] = dict(existing) if existing is not None else _new_item(changes)
    merged = base | changes | {"UpdatedDateUTC": ms_date(ledger.now())}
    if merged.get("IsTrackedAsInventory"):
        merged.setdefault("QuantityOnHand", Decimal(0))
        merged.setdefault("TotalCostPool", Decimal(0))
    else:
        merged.pop("QuantityOnHand", None)
        merged.pop("TotalCostPool", None)
    record = ordered(merged, ITEM_ORDER)
    errors = [error] if error else item_errors(ledger, record, existing)
    if errors:
        if existing is None:
            record["ItemID"] = ZERO_GUID
        return Outcome(record=record, errors=errors)
    if existing is None:
        record["ItemID"] = ledger.new_id()
        record = ordered(record, ITEM_ORDER)
    ledger.store(ledger.items, record)
    return Outcome(record=record, saved=True)


def _new_item(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "ItemID": ZERO_GUID,
        "PurchaseDetails": {},
        "SalesDetails": {},
        "IsTrackedAsInventory": False,
        "IsSold": True,
        "IsPurchased": "PurchaseDetails" in changes,
    }


def item_errors(
    ledger: Ledger, record: Mapping[str, Any], existing: Mapping[str, Any] | None
) -> list[str]:
    """Xero's validation errors for an item about to be stored (``existing``: its old self)."""
    errors: list[str] = []
    code = str(record.get("Code") or "")
    if not code.strip():
        errors.append(messages.ITEM_CODE_EMPTY)
    errors.extend(fields.length_errors(record, ITEM_TEXT))
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
