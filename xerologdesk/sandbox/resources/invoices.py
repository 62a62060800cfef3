"""Invoices, sales (ACCREC) and bills (ACCPAY): their fields, wire shape and Xero's rules.

What is checked, with the messages of :mod:`~xerologdesk.sandbox.messages`: the contact exists and
is active; every ``ItemCode`` exists (matched case-insensitively; the line then carries the item's
own code); ``AccountCode`` exists, is active and is not a bank or system account, and is required
unless the invoice is a DRAFT; ``TaxType`` exists, is active and applies to sales (or purchases,
for bills); ``CurrencyCode`` is enabled; an ACCREC ``InvoiceNumber`` is unique; a status is one an
invoice can be created with, or changed to. Wrong types (text in a number, an unknown enum value)
make the whole request a ``PostDataInvalidException``.

Amounts, as Xero computes them (rounded half away from zero; the sandbox's choice where Xero does
not say): ``LineAmount = round2(Quantity * UnitAmount * (1 - DiscountRate/100))``; per line
``TaxAmount = round2(LineAmount * r)`` for ``Exclusive`` and ``round2(LineAmount * r / (1 + r))``
for ``Inclusive``, where ``r`` is the tax rate's ``EffectiveRate``, and 0 for ``NoTax``;
``SubTotal`` is the sum of line amounts net of tax, ``TotalTax`` the sum of tax amounts,
``Total = SubTotal + TotalTax``. Quantities keep 4 decimals, unit amounts 2 (4 with ``unitdp=4``).
A ``TaxAmount`` sent on a line is ignored (Xero lets it override; the sandbox always computes it).

Defaults, as Xero fills them: a line's ``Description``, ``UnitAmount``, ``AccountCode`` and
``TaxType`` come from its item's sales (or purchase) details, then ``TaxType`` from the account;
``Quantity`` is 1; ``Status`` DRAFT; ``LineAmountTypes`` Exclusive; ``CurrencyCode`` the base
currency; ``Date`` today (sandbox clock); ``DueDate`` from the contact's sales payment terms, else
the organisation's (the seeds' are 30 days after ``Date``; the ``no-terms`` seed has none), and
without either an invoice other than a DRAFT is refused (``DUE_DATE_REQUIRED``); an ACCREC without
``InvoiceNumber`` takes the next number of the organisation's sequence. A contact given by ``Name``
alone is matched among active contacts, or created, as Xero does; other contact fields sent along
with a ``ContactID`` update that contact.

Side effects of a saved invoice: its contact becomes ``IsCustomer`` (ACCREC) or ``IsSupplier``;
an AUTHORISED (or PAID) invoice moves tracked items' ``QuantityOnHand`` (sales down, bills up) and
voiding it moves them back. The sandbox does not refuse a sale that takes stock below zero.

PUT creates only. POST updates the invoice matched by ``InvoiceID`` (an unknown one is an error),
else by an ACCREC ``InvoiceNumber``, else creates. Line items sent replace all lines. Allowed status
changes (Invoices, "Deleting and voiding invoices"): DRAFT/SUBMITTED to DRAFT, SUBMITTED, AUTHORISED
or DELETED; AUTHORISED to VOIDED, only while no payment is on it; PAID, VOIDED and DELETED invoices
cannot change status (``INVOICE_STATUS_FOR_MODIFICATION``, and ``PAYMENT_ALLOCATED`` when one with
a payment is voided), and an invoice with a payment cannot change its total. Payments
(:mod:`~xerologdesk.sandbox.resources.payments`) are kept on the invoice: ``Payments``,
``AmountPaid``, and ``AmountDue`` (``Total - AmountPaid``; 0 once VOIDED or DELETED).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xerologdesk.sandbox import fields, messages, queries
from xerologdesk.sandbox.http import Request
from xerologdesk.sandbox.ledger import Outcome
from xerologdesk.sandbox.queries import Listing
from xerologdesk.sandbox.resources import contacts, reference
from xerologdesk.sandbox.table import Record
from xerologdesk.sandbox.where import fold
from xerologdesk.sandbox.wire import ZERO_GUID, PostDataInvalid, ms_date, ordered, parse_day

if TYPE_CHECKING:
    from xerologdesk.sandbox.ledger import Ledger

INVOICE_TYPES = ("ACCREC", "ACCPAY")
STATUSES = ("DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED")
CREATABLE = frozenset({"DRAFT", "SUBMITTED", "AUTHORISED"})
TRANSITIONS = {
    "DRAFT": frozenset({"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"}),
    "SUBMITTED": frozenset({"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"}),
    "AUTHORISED": frozenset({"AUTHORISED", "VOIDED"}),
    # A paid invoice keeps its status (fields that leave the total alone can still change).
    "PAID": frozenset({"PAID"}),
}
# Statuses whose invoice asks nothing more: nothing is due on them (the sandbox's choice; Xero's
# documentation shows no voided invoice's AmountDue).
DEAD = frozenset({"VOIDED", "DELETED"})
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
# Xero keeps dates as SQL Server datetimes, which start on 1753-01-01 (an earlier
# If-Modified-Since gets a 500 there); a date Xero cannot keep is refused, never a 500.
EARLIEST_DAY = date(1753, 1, 1)
# Xero's payment term types (OpenAPI ``PaymentTermType``).
PAYMENT_TERM_TYPES = (
    "DAYSAFTERBILLDATE",
    "DAYSAFTERBILLMONTH",
    "OFCURRENTMONTH",
    "OFFOLLOWINGMONTH",
)
QUANTITY_PLACES = 4

# The order of an invoice's keys in Xero's answers, and of a line's.
ORDER = (
    "Type",
    "InvoiceID",
    "InvoiceNumber",
    "Reference",
    "Payments",
    "CreditNotes",
    "Prepayments",
    "Overpayments",
    "AmountDue",
    "AmountPaid",
    "AmountCredited",
    "CurrencyRate",
    "IsDiscounted",
    "HasAttachments",
    "HasErrors",
    "Contact",
    "Date",
    "DueDate",
    "Status",
    "LineAmountTypes",
    "LineItems",
    "SubTotal",
    "TotalTax",
    "Total",
    "TotalDiscount",
    "UpdatedDateUTC",
    "CurrencyCode",
    "SentToContact",
)
LINE_ORDER = (
    "LineItemID",
    "Description",
    "Quantity",
    "UnitAmount",
    "ItemCode",
    "AccountCode",
    "TaxType",
    "TaxAmount",
    "LineAmount",
    "DiscountRate",
    "Item",
    "Tracking",
)

# GET /Invoices: the fields `where` and `order` know, and the table index answering each.
LISTING = Listing(
    "Invoice",
    {
        "InvoiceID": "guid",
        "InvoiceNumber": "string",
        "Reference": "string",
        "Type": "string",
        "Status": "string",
        "Contact.ContactID": "guid",
        "Contact.Name": "string",
        "Contact.AccountNumber": "string",
        "Date": "date",
        "DueDate": "date",
        "CurrencyCode": "string",
        "CurrencyRate": "number",
        "LineAmountTypes": "string",
        "SubTotal": "number",
        "TotalTax": "number",
        "Total": "number",
        "AmountDue": "number",
        "AmountPaid": "number",
        "AmountCredited": "number",
        "SentToContact": "bool",
        "IsDiscounted": "bool",
        "HasAttachments": "bool",
        "UpdatedDateUTC": "date",
    },
    {
        "InvoiceID": "",
        "InvoiceNumber": "number_exact",
        "Reference": "reference",
        "Contact.ContactID": "contact",
    },
)


class _Draft:
    """An invoice being put together: the record so far and the errors found."""

    def __init__(self, ledger: Ledger, path: str, unit_places: int) -> None:
        self.ledger = ledger
        self.path = path
        self.unit_places = unit_places
        self.errors: list[str] = []

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)


def save(
    ledger: Ledger, element: Any, *, create_only: bool, unit_places: int, path: str
) -> Outcome:
    """Create (or, for POST, update) one invoice; the outcome with Xero's messages."""
    element = fields.as_object(element, path)
    draft = _Draft(ledger, path, unit_places)
    existing = None if create_only else _match(draft, element)
    old: Mapping[str, Any] = existing or {}
    record: dict[str, Any] = {
        "Type": fields.choice(element, "Type", path, INVOICE_TYPES) or old.get("Type"),
        "InvoiceID": old.get("InvoiceID", ZERO_GUID),
        "Status": fields.choice(element, "Status", path, STATUSES) or old.get("Status", "DRAFT"),
        "LineAmountTypes": fields.choice(element, "LineAmountTypes", path, LINE_AMOUNT_TYPES)
        or old.get("LineAmountTypes", "Exclusive"),
        "Reference": _text_or(element, "Reference", path, old),
        "InvoiceNumber": _text_or(element, "InvoiceNumber", path, old),
    }
    if record["Type"] is None:
        draft.error(messages.INVOICE_TYPE_REQUIRED)
    _check_status(draft, record["Status"], existing)
    _set_currency(draft, record, element, old)
    _set_dates(draft, record, element, old)
    contact = _resolve_contact(draft, element, old)
    record["Contact"] = contacts.summary(contact) if contact else _given_contact(element)
    _set_due_date(draft, record, element, old, contact)
    _set_lines(draft, record, element, old)
    _check_number(draft, record, existing)
    paid = Decimal(old.get("AmountPaid") or 0)
    if paid and record["Total"] != old.get("Total"):
        draft.error(messages.PAYMENT_ALLOCATED)
    record.update(
        UpdatedDateUTC=ms_date(ledger.now()),
        Payments=list(old.get("Payments") or []),
        CreditNotes=[],
        Prepayments=[],
        Overpayments=[],
        AmountPaid=paid,
        AmountCredited=Decimal(0),
        AmountDue=Decimal(0) if record["Status"] in DEAD else record["Total"] - paid,
        HasAttachments=False,
        HasErrors=False,
        SentToContact=bool(old.get("SentToContact", False)),
    )
    if draft.errors:
        return Outcome(record=ordered(record, ORDER), errors=draft.errors)
    if existing is None:
        record["InvoiceID"] = ledger.new_id()
    if record["Type"] == "ACCREC" and not record.get("InvoiceNumber"):
        record["InvoiceNumber"] = ledger.take_invoice_number()
    stored = ordered(record, ORDER)
    ledger.store(ledger.invoices, stored)
    _move_stock(ledger, existing, stored)
    if contact is not None:
        _mark_contact(ledger, contact, stored["Type"])
    return Outcome(record=stored, saved=True)


def _text_or(element: Mapping[str, Any], key: str, path: str, old: Mapping[str, Any]) -> Any:
    value = fields.text(element, key, path)
    return old.get(key) if value is None else value


def _match(draft: _Draft, element: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The invoice a POST element updates: by InvoiceID, else by an ACCREC InvoiceNumber."""
    invoice_id = fields.given_id(element, "InvoiceID", draft.path)
    if invoice_id is not None:
        found = draft.ledger.invoices.get(invoice_id)
        if found is None:
            draft.error(messages.INVOICE_NOT_FOUND.format(invoice_id=invoice_id))
        return found
    number = fields.text(element, "InvoiceNumber", draft.path)
    if number:
        matches = draft.ledger.invoices.find("number", fold(number))
        return matches[0] if matches else None
    return None


def _check_status(draft: _Draft, status: str, existing: Mapping[str, Any] | None) -> None:
    if existing is None:
        if status not in CREATABLE:
            draft.error(messages.INVOICE_STATUS_FOR_CREATION)
        return
    if status not in TRANSITIONS.get(str(existing.get("Status")), frozenset()):
        draft.error(messages.INVOICE_STATUS_FOR_MODIFICATION)
    if status == "VOIDED" and Decimal(existing.get("AmountPaid") or 0):
        # Xero voids an invoice only once its payments are removed (help.xero.com, "Edit,
        # delete or void an invoice"), and answers both messages for a paid one (Ascora).
        draft.error(messages.PAYMENT_ALLOCATED)


def _set_currency(
    draft: _Draft, record: dict[str, Any], element: Mapping[str, Any], old: Mapping[str, Any]
) -> None:
    code = fields.text(element, "CurrencyCode", draft.path)
    if code is not None and not (len(code.strip()) == 3 and code.strip().isalpha()):
        raise PostDataInvalid(
            f"Requested value '{code}' was not found. Path '{draft.path}.CurrencyCode'."
        )
    chosen = code.strip().upper() if code else old.get("CurrencyCode", draft.ledger.base_currency)
    record["CurrencyCode"] = chosen
    currency = draft.ledger.currency(chosen)
    if currency is None:
        draft.error(messages.CURRENCY_NOT_ENABLED.format(code=chosen))
    rate = fields.number(element, "CurrencyRate", draft.path)
    if chosen == draft.ledger.base_currency:
        rate = Decimal(1)
    elif rate is None and old.get("CurrencyCode") == chosen:
        rate = old.get("CurrencyRate")
    if rate is None:
        rate = draft.ledger.currency_rates.get(chosen, Decimal(1))
    record["CurrencyRate"] = rate


def _set_dates(
    draft: _Draft, record: dict[str, Any], element: Mapping[str, Any], old: Mapping[str, Any]
) -> None:
    day = _day(draft, element, "Date")
    if day is None:
        record["Date"] = old.get("Date") or ms_date(draft.ledger.now().date())
    else:
        record["Date"] = ms_date(day)


def _set_due_date(
    draft: _Draft,
    record: dict[str, Any],
    element: Mapping[str, Any],
    old: Mapping[str, Any],
    contact: Mapping[str, Any] | None,
) -> None:
    """The DueDate sent, else the one kept (an update that leaves both dates out), else the one
    the contact's or the organisation's sales payment terms give; none at all refuses an invoice
    that is not a draft (Xero refuses an AUTHORISED one: xeroizer#290 and #395, xero-python#78;
    whether it refuses a SUBMITTED one is not documented, and the sandbox does)."""
    due = _day(draft, element, "DueDate")
    if due is not None:
        record["DueDate"] = ms_date(due)
        return
    if old.get("DueDate") and element.get("Date") in (None, ""):
        record["DueDate"] = old["DueDate"]
        return
    terms = _sales_terms(contact) or _sales_terms(draft.ledger.organisation)
    if terms is not None:
        start = parse_day(record["Date"])
        try:
            record["DueDate"] = ms_date(due_by_terms(start, terms))
        except OverflowError:  # the terms run past 9999-12-31: refused, never a 500
            days = terms.get("Day") or 0
            draft.error(messages.DUE_DATE_OUT_OF_RANGE.format(days=days, day=start))
            record["DueDate"] = record["Date"]
    elif record["Status"] != "DRAFT":
        draft.error(messages.DUE_DATE_REQUIRED)


def _sales_terms(record: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    terms = ((record or {}).get("PaymentTerms") or {}).get("Sales")
    return terms if isinstance(terms, Mapping) and terms.get("Type") in PAYMENT_TERM_TYPES else None


def due_by_terms(start: date, terms: Mapping[str, Any]) -> date:
    """The due date Xero's payment terms give an invoice dated ``start``: N days after it, N days
    after the end of its month, or day N of its month or of the next (clamped to the month)."""
    days = int(terms.get("Day") or 0)
    kind = terms.get("Type")
    if kind == "DAYSAFTERBILLDATE":
        return start + timedelta(days=days)
    next_month = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    if kind == "DAYSAFTERBILLMONTH":
        return next_month - timedelta(days=1) + timedelta(days=days)
    month = start.replace(day=1) if kind == "OFCURRENTMONTH" else next_month
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return month.replace(day=max(1, min(days, last.day)))


def _day(draft: _Draft, element: Mapping[str, Any], key: str) -> Any:
    """The element's date ``key``, or None; a date Xero cannot keep is noted as an error."""
    day = _parsed_day(element, key, draft.path)
    if day is not None and day < EARLIEST_DAY:
        draft.error(messages.DATE_OUT_OF_RANGE.format(field=key, day=day.isoformat()))
    return day


def _parsed_day(element: Mapping[str, Any], key: str, path: str) -> Any:
    value = element.get(key)
    if value is None or value == "":
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise PostDataInvalid(
            f"Could not convert string to DateTime: {value}. Path '{path}.{key}'."
        ) from None


def _given_contact(element: Mapping[str, Any]) -> dict[str, Any] | None:
    """The contact part of an element that failed, for its echo in the answer."""
    contact = element.get("Contact")
    if not isinstance(contact, Mapping):
        return None
    keys = ("ContactID", "ContactNumber", "Name")
    echo = {key: str(contact[key]) for key in keys if isinstance(contact.get(key), str)}
    return echo or None


def _resolve_contact(
    draft: _Draft, element: Mapping[str, Any], old: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    """The invoice's contact (created or updated as Xero does), or None with an error noted."""
    ledger = draft.ledger
    raw = element.get("Contact")
    if raw is None:
        return _kept_contact(draft, old)
    path = f"{draft.path}.Contact"
    raw = fields.as_object(raw, path)
    changes = contacts.read(raw, path)
    contact_id = fields.given_id(raw, "ContactID", path)
    contact: Mapping[str, Any] | None = None
    if contact_id is not None:
        contact = ledger.contacts.get(contact_id)
        if contact is None:
            draft.error(messages.CONTACT_NOT_FOUND.format(contact_id=contact_id))
            return None
        if changes:
            # Fields sent with the id update the contact (docs/xero-behaviour.md), with its rules.
            contact = _save_contact(draft, raw, path, create_only=False)
    elif changes.get("ContactNumber") and ledger.contacts.find("number", changes["ContactNumber"]):
        contact = ledger.contacts.find("number", changes["ContactNumber"])[0]
    elif changes.get("Name") and ledger.active_contacts_named(changes["Name"]):
        contact = ledger.active_contacts_named(changes["Name"])[0]
    elif changes.get("Name"):
        contact = _save_contact(draft, raw, path, create_only=True)
    else:
        draft.error(messages.CONTACT_EMPTY)
    if contact is not None and contact.get("ContactStatus") != "ACTIVE":
        draft.error(messages.CONTACT_ARCHIVED)
    return contact


def _kept_contact(draft: _Draft, old: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """An update that leaves the contact out keeps the invoice's contact (a new one has none)."""
    kept_id = (old.get("Contact") or {}).get("ContactID")
    contact = draft.ledger.contacts.get(str(kept_id)) if kept_id else None
    if contact is None:
        draft.error(messages.CONTACT_EMPTY)
    return contact


def _save_contact(
    draft: _Draft, raw: Mapping[str, Any], path: str, *, create_only: bool
) -> Mapping[str, Any] | None:
    outcome = contacts.save(draft.ledger, raw, create_only=create_only, path=path)
    for message in outcome.errors:
        draft.error(message)
    return outcome.record if outcome.saved else None


def _check_number(
    draft: _Draft, record: Mapping[str, Any], existing: Mapping[str, Any] | None
) -> None:
    number = record.get("InvoiceNumber")
    if not number:
        return
    if len(number) > 255:
        draft.error(messages.TOO_LONG.format(field="InvoiceNumber", limit=255))
    if record.get("Type") != "ACCREC":
        return
    own_id = str(existing["InvoiceID"]).lower() if existing is not None else None
    for other in draft.ledger.invoices.find("number", fold(number)):
        if str(other["InvoiceID"]).lower() != own_id:
            draft.error(messages.INVOICE_NUMBER_TAKEN)


# --- lines and totals ---------------------------------------------------------------------------


def _set_lines(
    draft: _Draft, record: dict[str, Any], element: Mapping[str, Any], old: Mapping[str, Any]
) -> None:
    raw_lines = element.get("LineItems")
    if raw_lines is None:
        raw_lines = old.get("LineItems") or []
    raw_lines = fields.as_list(raw_lines, f"{draft.path}.LineItems")
    if not raw_lines and record["Status"] != "DRAFT":
        draft.error(messages.LINE_ITEMS_REQUIRED)
    lines = [
        _line(draft, record, fields.as_object(raw, f"{draft.path}.LineItems[{n}]"), n)
        for n, raw in enumerate(raw_lines)
    ]
    record["LineItems"] = lines
    line_total = sum((line["LineAmount"] for line in lines), Decimal(0))
    tax = sum((line.get("TaxAmount", Decimal(0)) for line in lines), Decimal(0))
    inclusive = record["LineAmountTypes"] == "Inclusive"
    record["SubTotal"] = line_total - tax if inclusive else line_total
    record["TotalTax"] = tax
    record["Total"] = record["SubTotal"] + tax
    discounts = [line for line in lines if line.get("DiscountRate")]
    record["IsDiscounted"] = bool(discounts)
    if discounts:
        record["TotalDiscount"] = sum(
            (
                fields.money(line["Quantity"] * line["UnitAmount"]) - line["LineAmount"]
                for line in discounts
            ),
            Decimal(0),
        )


def _line(
    draft: _Draft, record: Mapping[str, Any], raw: Mapping[str, Any], index: int
) -> dict[str, Any]:
    """One line item, with its amounts; its problems are added to the draft's errors."""
    ledger = draft.ledger
    path = f"{draft.path}.LineItems[{index}]"
    sales = record.get("Type") != "ACCPAY"
    item_code = fields.text(raw, "ItemCode", path)
    item = ledger.item_by_code(item_code) if item_code else None
    if item_code and item is None:
        draft.error(messages.ITEM_CODE_INVALID.format(code=item_code))
    details: Mapping[str, Any] = (item or {}).get(
        "SalesDetails" if sales else "PurchaseDetails"
    ) or {}
    quantity = fields.number(raw, "Quantity", path)
    quantity = fields.round_to(Decimal(1) if quantity is None else quantity, QUANTITY_PLACES)
    unit = fields.number(raw, "UnitAmount", path)
    given_amount = fields.number(raw, "LineAmount", path)
    if unit is None:
        unit = details.get("UnitPrice")
    if unit is None:
        unit = given_amount / quantity if given_amount is not None and quantity else Decimal(0)
    unit = fields.round_to(Decimal(unit), draft.unit_places)
    discount = fields.number(raw, "DiscountRate", path)
    gross = quantity * unit
    amount = fields.money(gross * (1 - (discount or Decimal(0)) / 100))
    account_code = fields.text(raw, "AccountCode", path) or details.get("AccountCode")
    account = ledger.account(account_code) if account_code else None
    if account_code and reference.is_archived(account):
        draft.error(messages.ACCOUNT_CODE_ARCHIVED.format(code=account_code))
    elif account_code and not _usable_on_invoice(account):
        draft.error(messages.ACCOUNT_CODE_INVALID.format(code=account_code))
    if not account_code and record.get("Status") != "DRAFT":
        draft.error(messages.ACCOUNT_CODE_REQUIRED)
    tax_type = (
        fields.text(raw, "TaxType", path)
        or details.get("TaxType")
        or (account or {}).get("TaxType")
    )
    tax = Decimal(0)
    if tax_type:
        if not reference.usable_tax_rate(ledger, tax_type, revenue=sales):
            draft.error(messages.TAX_TYPE_INVALID.format(tax_type=tax_type))
        else:
            tax_type = tax_type.strip().upper()
            tax = _tax(amount, ledger.tax_rate(tax_type) or {}, record["LineAmountTypes"])
    line: dict[str, Any] = {
        "LineItemID": fields.text(raw, "LineItemID", path) or ledger.new_id(),
        "Description": fields.text(raw, "Description", path) or (item or {}).get("Description"),
        "Quantity": quantity,
        "UnitAmount": unit,
        "ItemCode": item["Code"] if item else item_code,
        "AccountCode": account["Code"] if account else account_code,
        "TaxType": tax_type,
        "TaxAmount": tax,
        "LineAmount": amount,
        "DiscountRate": discount,
        "Tracking": [],
    }
    if item is not None:
        line["Item"] = {"ItemID": item["ItemID"], "Name": item.get("Name"), "Code": item["Code"]}
    return ordered(line, LINE_ORDER)


def _tax(amount: Decimal, rate: Mapping[str, Any], line_amount_types: str) -> Decimal:
    percent = Decimal(rate.get("EffectiveRate") or 0) / 100
    if line_amount_types == "Exclusive":
        return fields.money(amount * percent)
    if line_amount_types == "Inclusive":
        return fields.money(amount * percent / (1 + percent))
    return Decimal(0)


def _usable_on_invoice(account: Mapping[str, Any] | None) -> bool:
    """Active, and neither a bank account nor a system account (receivables, GST, ...)."""
    return (
        account is not None
        and account.get("Status") == "ACTIVE"
        and account.get("Type") != "BANK"
        and not account.get("SystemAccount")
    )


# --- lists --------------------------------------------------------------------------------------


def list_filter(request: Request) -> Callable[[Record], bool]:
    """Which invoices a ``GET /Invoices`` keeps, by ``IDs``, ``InvoiceNumbers``, ``ContactIDs``,
    ``Statuses`` and ``searchTerm`` (``where`` is applied by the listing)."""
    ids = {each.lower() for each in queries.values(request, "IDs")}
    numbers = {fold(each) for each in queries.values(request, "InvoiceNumbers")}
    contact_ids = {each.lower() for each in queries.values(request, "ContactIDs")}
    statuses = {each.upper() for each in queries.values(request, "Statuses")}
    term = request.param("searchTerm")

    def keep(record: Record) -> bool:
        if ids and str(record["InvoiceID"]).lower() not in ids:
            return False
        if numbers and fold(str(record.get("InvoiceNumber") or "")) not in numbers:
            return False
        contact_id = str((record.get("Contact") or {}).get("ContactID") or "").lower()
        if contact_ids and contact_id not in contact_ids:
            return False
        if statuses and record.get("Status") not in statuses:
            return False
        return not term or queries.folded_contains(term, record, ("InvoiceNumber", "Reference"))

    return keep


def without_lines(record: Record) -> dict[str, Any]:
    """An invoice as a list without ``page`` shows it: without its ``LineItems``, as on Xero."""
    return {key: value for key, value in record.items() if key != "LineItems"}


# --- side effects -------------------------------------------------------------------------------


def _stock_effect(invoice: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """How an invoice moves stock, by ItemID: approved sales take it out, approved bills add."""
    if not invoice or invoice.get("Status") not in ("AUTHORISED", "PAID"):
        return {}
    sign = Decimal(-1) if invoice.get("Type") == "ACCREC" else Decimal(1)
    effect: dict[str, Decimal] = {}
    for line in invoice.get("LineItems") or []:
        item = line.get("Item")
        if item:
            item_id = str(item["ItemID"]).lower()
            effect[item_id] = effect.get(item_id, Decimal(0)) + sign * line["Quantity"]
    return effect


def _move_stock(ledger: Ledger, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> None:
    old, new = _stock_effect(before), _stock_effect(after)
    for item_id in old.keys() | new.keys():
        delta = new.get(item_id, Decimal(0)) - old.get(item_id, Decimal(0))
        item = ledger.items.get(item_id)
        if delta and item is not None and item.get("IsTrackedAsInventory"):
            on_hand = Decimal(item.get("QuantityOnHand") or 0) + delta
            ledger.store(ledger.items, dict(item, QuantityOnHand=on_hand, **_touched(ledger)))


def _mark_contact(ledger: Ledger, contact: Mapping[str, Any], invoice_type: str) -> None:
    key = "IsCustomer" if invoice_type == "ACCREC" else "IsSupplier"
    current = ledger.contacts.get(str(contact["ContactID"]))
    if current is not None and not current.get(key):
        ledger.store(ledger.contacts, dict(current, **{key: True}, **_touched(ledger)))


def _touched(ledger: Ledger) -> dict[str, str]:
    """A changed record's new ``UpdatedDateUTC``: every change shows to ``If-Modified-Since``."""
    return {"UpdatedDateUTC": ms_date(ledger.now())}
