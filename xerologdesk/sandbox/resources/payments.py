"""Payments on invoices (``PUT /Payments``): their fields, wire shape and Xero's rules.

A payment names its invoice (``Invoice.InvoiceID``, or ``Invoice.InvoiceNumber``), its account
(``Account.AccountID`` or ``Account.Code``, else a top-level ``Code``), an ``Amount`` and a
``Date``. What is checked, with the messages of :mod:`~xerologdesk.sandbox.messages`: the invoice
exists and is AUTHORISED (``PAYMENT_NOT_AUTHORISED``); the amount is more than zero and at most
what is due (``PAYMENT_TOO_LARGE``; the spec: "less than or equal to the outstanding amount");
the account exists and is a bank account or one with ``EnablePaymentsToAccount`` (Payments: "the
account must be either a BANK account or have payments enabled").

The sandbox's choices where Xero does not say: a payment without a ``Date`` is dated today; one
on a PAID invoice gets ``PAYMENT_NOT_AUTHORISED`` (Xero's words for a draft; its answer for a
paid one is not published); ``IsReconciled`` is always false (the spec lets a PUT ask for a
reconciled payment; the sandbox has no bank statements to reconcile with).

A saved payment is kept on its invoice, not on its own: the invoice's ``Payments`` gains it,
``AmountPaid`` grows and ``AmountDue`` falls by the amount, ``Status`` becomes PAID once nothing
is due, and ``UpdatedDateUTC`` moves. Only sales and purchase invoices are paid here (no credit
notes, prepayments or overpayments), in the invoice's currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xerologdesk.sandbox import fields, messages
from xerologdesk.sandbox.ledger import Outcome
from xerologdesk.sandbox.wire import ZERO_GUID, ms_date, ordered, parse_day

if TYPE_CHECKING:
    from xerologdesk.sandbox.ledger import Ledger

# The order of a payment's keys in Xero's answers (its OpenAPI example).
ORDER = (
    "PaymentID",
    "Date",
    "BankAmount",
    "Amount",
    "Reference",
    "CurrencyRate",
    "PaymentType",
    "Status",
    "UpdatedDateUTC",
    "HasAccount",
    "IsReconciled",
    "Account",
    "Invoice",
    "HasValidationErrors",
)
# How a payment shows inside its invoice's ``Payments``.
ON_INVOICE = ("PaymentID", "Date", "Amount", "Reference", "CurrencyRate", "HasAccount")


def save(ledger: Ledger, element: Any, path: str) -> Outcome:
    """Create one payment and apply it to its invoice; the outcome with Xero's messages."""
    element = fields.as_object(element, path)
    errors: list[str] = []
    invoice = _invoice(ledger, element, path, errors)
    account = _account(ledger, element, path, errors)
    amount = fields.number(element, "Amount", path)
    if amount is None or amount <= 0:
        errors.append(messages.PAYMENT_AMOUNT_INVALID)
        amount = Decimal(0)
    amount = fields.money(amount)
    if invoice is not None:
        if invoice.get("Status") != "AUTHORISED":
            errors.append(messages.PAYMENT_NOT_AUTHORISED)
        elif amount > Decimal(invoice.get("AmountDue") or 0):
            errors.append(messages.PAYMENT_TOO_LARGE)
    day = fields.text(element, "Date", path)
    record: dict[str, Any] = {
        "PaymentID": ZERO_GUID,
        "Date": ms_date(parse_day(day) if day else ledger.now().date()),
        "BankAmount": amount,
        "Amount": amount,
        "Reference": fields.text(element, "Reference", path),
        "CurrencyRate": (invoice or {}).get("CurrencyRate", Decimal(1)),
        "PaymentType": "ACCPAYPAYMENT"
        if (invoice or {}).get("Type") == "ACCPAY"
        else "ACCRECPAYMENT",
        "Status": "AUTHORISED",
        "UpdatedDateUTC": ms_date(ledger.now()),
        "HasAccount": account is not None,
        "IsReconciled": False,
        "Account": _account_summary(account) if account else element.get("Account"),
        "HasValidationErrors": bool(errors),
    }
    if errors or invoice is None:
        record["Invoice"] = _invoice_summary(invoice) if invoice else element.get("Invoice")
        return Outcome(record=ordered(record, ORDER), errors=errors)
    record["PaymentID"] = ledger.new_id()
    paid = _paid(ledger, invoice, record)
    record["Invoice"] = _invoice_summary(paid)
    return Outcome(record=ordered(record, ORDER), saved=True)


def _paid(ledger: Ledger, invoice: Mapping[str, Any], payment: Mapping[str, Any]) -> dict[str, Any]:
    """The invoice with the payment applied, stored."""
    amount = Decimal(payment["Amount"])
    due = Decimal(invoice.get("AmountDue") or 0) - amount
    changed = dict(
        invoice,
        Payments=[
            *(invoice.get("Payments") or []),
            {key: payment[key] for key in ON_INVOICE if payment.get(key) is not None},
        ],
        AmountPaid=Decimal(invoice.get("AmountPaid") or 0) + amount,
        AmountDue=due,
        Status="PAID" if due == 0 else invoice["Status"],
        UpdatedDateUTC=ms_date(ledger.now()),
    )
    ledger.store(ledger.invoices, changed)
    return changed


def _invoice(
    ledger: Ledger, element: Mapping[str, Any], path: str, errors: list[str]
) -> Mapping[str, Any] | None:
    given = element.get("Invoice")
    if not isinstance(given, Mapping):
        errors.append(messages.PAYMENT_INVOICE_REQUIRED)
        return None
    invoice_id = fields.given_id(given, "InvoiceID", f"{path}.Invoice")
    number = fields.text(given, "InvoiceNumber", f"{path}.Invoice")
    found = None
    if invoice_id is not None:
        found = ledger.invoices.get(invoice_id)
        if found is None:
            errors.append(messages.INVOICE_NOT_FOUND.format(invoice_id=invoice_id))
            return None
    elif number:
        matches = ledger.invoices.find("number_exact", number)
        found = matches[0] if matches else None
    if found is None:
        errors.append(messages.PAYMENT_INVOICE_REQUIRED)
    return found


def _account(
    ledger: Ledger, element: Mapping[str, Any], path: str, errors: list[str]
) -> Mapping[str, Any] | None:
    given = element.get("Account")
    given = given if isinstance(given, Mapping) else {}
    account_id = fields.given_id(given, "AccountID", f"{path}.Account")
    code = fields.text(given, "Code", f"{path}.Account") or fields.text(element, "Code", path)
    account = None
    if account_id is not None:
        account = ledger.account_with_id(account_id)
    elif code:
        account = ledger.account(code)
    if account is None:
        errors.append(messages.PAYMENT_ACCOUNT_REQUIRED)
        return None
    if account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        errors.append(messages.PAYMENT_ACCOUNT_INVALID.format(code=account["Code"]))
    return account


def _account_summary(account: Mapping[str, Any]) -> dict[str, Any]:
    return {key: account[key] for key in ("AccountID", "Code", "Name") if key in account}


def _invoice_summary(invoice: Mapping[str, Any]) -> dict[str, Any]:
    """The invoice as a payment embeds it (Xero's answer carries it without its lines)."""
    return {key: value for key, value in invoice.items() if key not in ("LineItems", "Payments")}
