"""Contacts: their fields, their wire shape and Xero's rules for saving one.

PUT creates only: an id in the element is ignored and a new contact made. POST creates or updates
the contact it matches, as Xero documents: by ``ContactID``, else ``ContactNumber``, else ``Name``
(an active contact, folded as Xero compares names); a ``ContactID`` that matches nothing is an
error. Saving a changed contact shows its new details on its invoices.

Uniqueness, with Xero's messages: a contact's Name among *active* contacts, case-insensitively but
accent-sensitively (as a SQL Server ``CI_AS`` column compares: "Café Marco" and "Cafe Marco" may
both be active, and a folded lookup then finds both, which is how a sync meets an ambiguous
name); its AccountNumber among *all* contacts (archived too), compared as lookups compare
(:func:`~xerologdesk.sandbox.where.fold`). Fields the sandbox does not model (payment terms,
tracking categories, ...) are ignored.

Lists (``GET /Contacts``) leave archived contacts out unless ``includeArchived=true``;
``searchTerm`` looks, case- and accent-insensitively, into :data:`SEARCH_FIELDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from xerologdesk.sandbox import fields, messages, queries
from xerologdesk.sandbox.http import Request
from xerologdesk.sandbox.ledger import Outcome
from xerologdesk.sandbox.queries import Listing
from xerologdesk.sandbox.table import Record
from xerologdesk.sandbox.where import fold
from xerologdesk.sandbox.wire import ZERO_GUID, ms_date, ordered

if TYPE_CHECKING:
    from xerologdesk.sandbox.ledger import Ledger

# Writable string fields and their lengths (Xero's OpenAPI spec; None: not limited there).
TEXT: dict[str, int | None] = {
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

# The order of a contact's keys in Xero's answers.
ORDER = (
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

# GET /Contacts: the fields `where` and `order` know, and the table index answering each.
LISTING = Listing(
    "Contact",
    {
        "ContactID": "guid",
        "ContactNumber": "string",
        "AccountNumber": "folded",
        "ContactStatus": "string",
        "Name": "folded",
        "FirstName": "folded",
        "LastName": "folded",
        "CompanyNumber": "string",
        "EmailAddress": "folded",
        "TaxNumber": "string",
        "IsSupplier": "bool",
        "IsCustomer": "bool",
        "DefaultCurrency": "string",
        "UpdatedDateUTC": "date",
        "HasAttachments": "bool",
    },
    {
        "ContactID": "",
        "Name": "name",
        "AccountNumber": "account_number",
        "EmailAddress": "email",
        "ContactNumber": "number",
    },
)

SEARCH_FIELDS = (
    "Name",
    "FirstName",
    "LastName",
    "ContactNumber",
    "CompanyNumber",
    "EmailAddress",
)


def read(element: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The writable fields an element gives, parsed (only those present)."""
    changes: dict[str, Any] = fields.texts(element, TEXT, path)
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


def _match(
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


def save(ledger: Ledger, element: Any, *, create_only: bool, path: str) -> Outcome:
    """Create (or, for POST, update) one contact; the outcome with Xero's messages."""
    element = fields.as_object(element, path)
    changes = read(element, path)
    existing, error = (None, None) if create_only else _match(ledger, element, changes, path)
    base: dict[str, Any] = dict(existing) if existing is not None else _new()
    record = ordered(base | changes | {"UpdatedDateUTC": ms_date(ledger.now())}, ORDER)
    errors = [error] if error else validation_errors(ledger, record, existing)
    outcome = ledger.save(ledger.contacts, record, existing, errors, ORDER)
    if outcome.saved and existing is not None:
        _refresh_invoices(ledger, outcome.record)
    return outcome


def summary(contact: Mapping[str, Any]) -> dict[str, Any]:
    """The contact as an invoice embeds it (its current details, as Xero shows them)."""
    keys = ("ContactID", "ContactNumber", "AccountNumber", "ContactStatus", "Name", "EmailAddress")
    shown = {key: contact[key] for key in keys if contact.get(key) not in (None, "")}
    shown["HasValidationErrors"] = False
    return shown


def _refresh_invoices(ledger: Ledger, contact: Mapping[str, Any]) -> None:
    """Show a changed contact's details on its invoices."""
    shown = summary(contact)
    for invoice in ledger.invoices.find("contact", str(contact["ContactID"]).lower()):
        if invoice.get("Contact") != shown:
            ledger.store(ledger.invoices, dict(invoice, Contact=shown))


def _new() -> dict[str, Any]:
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


def validation_errors(
    ledger: Ledger, record: Mapping[str, Any], existing: Mapping[str, Any] | None
) -> list[str]:
    """Xero's validation errors for a contact about to be stored (``existing``: its old self)."""
    errors: list[str] = []
    own_id = str(existing["ContactID"]).lower() if existing is not None else None
    name = str(record.get("Name") or "")
    if not name.strip():
        errors.append(messages.CONTACT_NAME_EMPTY)
    errors.extend(fields.length_errors(record, TEXT))
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


def list_filter(request: Request) -> Callable[[Record], bool]:
    """Which contacts a ``GET /Contacts`` keeps, by ``includeArchived``, ``IDs`` and
    ``searchTerm`` (``where`` is applied by the listing)."""
    include_archived = queries.is_true(request, "includeArchived")
    ids = {each.lower() for each in queries.values(request, "IDs")}
    term = request.param("searchTerm")

    def keep(record: Record) -> bool:
        if not include_archived and record.get("ContactStatus") == "ARCHIVED":
            return False
        if ids and str(record["ContactID"]).lower() not in ids:
            return False
        return not term or queries.folded_contains(term, record, SEARCH_FIELDS)

    return keep
