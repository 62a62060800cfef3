"""Xero's JSON (PascalCase) to our records, and our new records to xero-python models.

Responses are read as JSON here rather than through the SDK's models: the SDK validates enums
while it parses and raises *after* Xero did the work (docs/xero-behaviour.md), which would lose
the id of an invoice that was in fact created.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from xero_python.accounting import (
    Address,
    Contact,
    Contacts,
    CurrencyCode,
    Invoice,
    Invoices,
    Item,
    Items,
    LineAmountTypes,
    LineItem,
    Purchase,
)

from xerologdesk.xero.records import (
    NewContact,
    NewInvoice,
    NewItem,
    XeroAccount,
    XeroConnection,
    XeroContact,
    XeroInvoice,
    XeroItem,
    XeroOrganisation,
    XeroTaxRate,
)


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return "" if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def contact(record: dict[str, Any]) -> XeroContact:
    return XeroContact(
        contact_id=_text(record, "ContactID"),
        name=_text(record, "Name"),
        account_number=_text(record, "AccountNumber"),
        email=_text(record, "EmailAddress"),
        status=_text(record, "ContactStatus") or "ACTIVE",
    )


def item(record: dict[str, Any]) -> XeroItem:
    return XeroItem(
        item_id=_text(record, "ItemID"),
        code=_text(record, "Code"),
        name=_text(record, "Name"),
        description=_text(record, "Description"),
        quantity_on_hand=_decimal(record.get("QuantityOnHand")),
        is_tracked=bool(record.get("IsTrackedAsInventory")),
    )


def invoice(record: dict[str, Any]) -> XeroInvoice:
    return XeroInvoice(
        invoice_id=_text(record, "InvoiceID"),
        invoice_number=_text(record, "InvoiceNumber"),
        reference=_text(record, "Reference"),
        status=_text(record, "Status"),
        contact_id=_text(record.get("Contact") or {}, "ContactID"),
        total=_decimal(record.get("Total")),
        currency=_text(record, "CurrencyCode"),
        amount_due=_decimal(record.get("AmountDue")),
    )


_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def moment(text: Any) -> datetime | None:
    """An aware UTC datetime from Xero's ``/Date(ms+0000)/`` (the milliseconds are the instant)
    or an ISO date-time (naive: UTC); None for anything else."""
    value = str(text or "").strip()
    matched = _MS_DATE.match(value)
    if matched:
        return datetime.fromtimestamp(int(matched.group(1)) / 1000, UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def account(record: dict[str, Any]) -> XeroAccount:
    return XeroAccount(
        code=_text(record, "Code"),
        name=_text(record, "Name"),
        type=_text(record, "Type"),
        status=_text(record, "Status") or "ACTIVE",
    )


def tax_rate(record: dict[str, Any]) -> XeroTaxRate:
    return XeroTaxRate(
        tax_type=_text(record, "TaxType"),
        name=_text(record, "Name"),
        rate=_decimal(record.get("EffectiveRate") or record.get("DisplayTaxRate")) or Decimal(0),
        status=_text(record, "Status") or "ACTIVE",
    )


def organisation(record: dict[str, Any]) -> XeroOrganisation:
    return XeroOrganisation(
        name=_text(record, "Name"),
        base_currency=_text(record, "BaseCurrency"),
        organisation_id=_text(record, "OrganisationID"),
        short_code=_text(record, "ShortCode"),
    )


def connection(record: dict[str, Any]) -> XeroConnection:
    return XeroConnection(
        connection_id=_text(record, "id"),
        tenant_id=_text(record, "tenantId"),
        tenant_name=_text(record, "tenantName"),
        tenant_type=_text(record, "tenantType") or "ORGANISATION",
    )


def element_messages(record: dict[str, Any], key: str = "ValidationErrors") -> tuple[str, ...]:
    messages = [str(problem.get("Message", "")) for problem in record.get(key) or []]
    return tuple(dict.fromkeys(message for message in messages if message))


def element_failed(record: dict[str, Any]) -> bool:
    status = _text(record, "StatusAttributeString").upper()
    return status == "ERROR" or bool(record.get("HasErrors")) or bool(element_messages(record))


def contacts_body(new: list[NewContact]) -> Contacts:
    return Contacts(contacts=[_contact_model(each) for each in new])


def _contact_model(new: NewContact) -> Contact:
    addresses = None
    if not new.address.is_empty():
        addresses = [
            Address(
                address_type="POBOX",  # Xero's billing address type
                address_line1=new.address.street or None,
                city=new.address.city or None,
                region=new.address.region or None,
                postal_code=new.address.postcode or None,
                country=new.address.country or None,
            )
        ]
    return Contact(
        name=new.name,
        account_number=new.account_number or None,
        email_address=new.email or None,
        addresses=addresses,
    )


def account_number_body(contact_id: str, account_number: str) -> Contacts:
    """An update of one contact's AccountNumber alone (its other fields left as they are)."""
    return Contacts(contacts=[Contact(contact_id=contact_id, account_number=account_number)])


def items_body(new: list[NewItem]) -> Items:
    return Items(
        items=[
            Item(
                code=each.code,
                name=each.name,
                description=each.description or None,
                is_sold=True,
                sales_details=Purchase(
                    unit_price=each.unit_price,
                    account_code=each.account_code or None,
                    tax_type=each.tax_type or None,
                ),
            )
            for each in new
        ]
    )


def invoices_body(new: list[NewInvoice]) -> Invoices:
    return Invoices(invoices=[_invoice_model(each) for each in new])


def currency_code(code: str) -> CurrencyCode:
    """The SDK's enum for ``code``; ValueError names the code when the SDK doesn't know it."""
    try:
        return CurrencyCode(code)
    except ValueError:
        raise ValueError(f"Xero does not know the currency code {code!r}") from None


def _invoice_model(new: NewInvoice) -> Invoice:
    return Invoice(
        type="ACCREC",
        contact=Contact(contact_id=new.contact_id),  # only the id: other fields update it
        date=new.date,
        due_date=new.due_date,
        reference=new.reference,
        invoice_number=new.invoice_number or None,
        status=new.status,
        line_amount_types=LineAmountTypes("Exclusive"),
        currency_code=currency_code(new.currency),
        line_items=[
            LineItem(
                item_code=line.item_code,
                description=line.description or None,
                quantity=line.quantity,
                unit_amount=line.unit_amount,
                account_code=line.account_code or None,
                tax_type=line.tax_type or None,
            )
            for line in new.lines
        ],
    )
