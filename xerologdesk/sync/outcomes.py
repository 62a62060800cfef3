"""Why an order failed, as stable codes with plain-English messages and structured details.

Reasons are data (docs/architecture.md): the details dialog, the CLI and a later root-cause worklist
all read the same ``{"code", "message", "details"}`` dicts from the log, without asking Xero again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xerologdesk.store.links import ContactLink, ItemMapping
from xerologdesk.store.vocabulary import Action, ReasonCode
from xerologdesk.xero.records import XeroContact

# The stored codes are the vocabulary's (the problems worklist groups by them in the store).
Code = ReasonCode


@dataclass(frozen=True)
class Reason:
    code: Code
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message, "details": self.details}


# What a Pending order left by an Auto Sync or a Retry waits for (the log's note says it).
WAITING: dict[str, str] = {
    Action.AUTO_SYNC: "Auto Sync waiting to try again",
    Action.RETRY: "Retry waiting to try again",
}


def waiting_note(action: str, trouble: str) -> str:
    """The note of an order left *Pending* by ``trouble``: what it waits for, then why."""
    waiting = WAITING.get(action)
    return f"{waiting}: {trouble}" if waiting else trouble


def quoted(text: str) -> str:
    """``text`` in curly quotes, as every message to the user quotes names and codes."""
    return f"\u201c{text}\u201d"


def _contact_summary(contact: XeroContact) -> dict[str, str]:
    return {
        "contact_id": contact.contact_id,
        "name": contact.name,
        "account_number": contact.account_number,
        "status": contact.status,
    }


def _list(words: Sequence[str]) -> str:
    each = [quoted(word) for word in words]
    return each[0] if len(each) == 1 else ", ".join(each[:-1]) + " and " + each[-1]


def customer_not_found(reference: str, name: str) -> Reason:
    return Reason(
        Code.CUSTOMER_NOT_FOUND,
        f"Customer not found in Xero: no contact has account number {quoted(reference)} and "
        f"none is named {quoted(name)}. Create the contact in Xero and Retry, or use Auto Sync "
        "to create it.",
        {"reference": reference, "name": name},
    )


def customer_ambiguous(name: str, contacts: Sequence[XeroContact]) -> Reason:
    listed = "; ".join(
        f"{quoted(each.name)} (account number "
        f"{quoted(each.account_number) if each.account_number else 'none'})"
        for each in contacts
    )
    return Reason(
        Code.CUSTOMER_AMBIGUOUS,
        f"{len(contacts)} active Xero contacts are named {quoted(name)}: {listed}. Give the right "
        "one this customer's reference as its account number in Xero, then Retry.",
        {"name": name, "contacts": [_contact_summary(each) for each in contacts]},
    )


def customer_archived(reference: str, name: str, contacts: Sequence[XeroContact]) -> Reason:
    names = _list([each.name for each in contacts])
    return Reason(
        Code.CUSTOMER_ARCHIVED,
        f"The only Xero contact matching customer {quoted(reference)} / {quoted(name)} is "
        f"archived ({names}). Restore it in Xero and Retry; a new contact would clash with it.",
        {
            "reference": reference,
            "name": name,
            "contacts": [_contact_summary(each) for each in contacts],
        },
    )


def linked_by_you(link: ContactLink) -> str:
    """How a link is named wherever it decided something: "linked by you on 2026-12-07"."""
    return linked_on(link.linked_at)


def linked_on(when: datetime | None) -> str:
    """The words naming a user's link made at ``when`` ("linked by you" when not known)."""
    return f"linked by you on {when:%Y-%m-%d}" if when else "linked by you"


def link_details(link: ContactLink) -> dict[str, str]:
    """A link as a reason's details and ``links --json`` show it (its reference aside)."""
    return {
        "contact_id": link.contact_id,
        "contact_name": link.contact_name,
        "linked_at": link.linked_at.isoformat(),
        "linked_by": link.linked_by,
    }


def linked_contact_archived(name: str, link: ContactLink, contact: XeroContact) -> Reason:
    """The contact a user linked the customer to is archived in Xero (never a fallback)."""
    return Reason(
        Code.CUSTOMER_ARCHIVED,
        f"Customer {quoted(link.reference)} is {linked_by_you(link)} to the Xero contact "
        f"{quoted(contact.name)}, which is archived. Restore it in Xero, or link the customer "
        "to another contact (or unlink it), then Retry.",
        {
            "reference": link.reference,
            "name": name,
            "contacts": [_contact_summary(contact)],
            "link": link_details(link),
        },
    )


def linked_contact_missing(name: str, link: ContactLink) -> Reason:
    """The contact a user linked the customer to is no longer in Xero (never a fallback)."""
    was = f" ({quoted(link.contact_name)})" if link.contact_name else ""
    return Reason(
        Code.LINKED_CONTACT_MISSING,
        f"Customer {quoted(link.reference)} is {linked_by_you(link)} to the Xero contact "
        f"{link.contact_id}{was}, which Xero no longer has. Link the customer to another "
        "contact (or unlink it), then Retry.",
        {"reference": link.reference, "name": name, "link": link_details(link)},
    )


def product_not_found(sku: str) -> Reason:
    """One missing SKU (one reason each, so failures can be grouped by SKU)."""
    return Reason(
        Code.PRODUCT_NOT_FOUND,
        f"Product not in Xero: no item has the code {quoted(sku)}. Create it in Xero and Retry, "
        "or use Auto Sync.",
        {"sku": sku},
    )


def mapped_item_missing(mapping: ItemMapping) -> Reason:
    """A SKU mapped by the user to an item code Xero no longer has (Auto Sync creates none:
    the mapping says which item it is)."""
    return Reason(
        Code.PRODUCT_NOT_FOUND,
        f"Product not in Xero: SKU {quoted(mapping.sku)} is mapped by you on "
        f"{mapping.mapped_at:%Y-%m-%d} to the item code {quoted(mapping.item_code)}, which no "
        "Xero item has. Create that item in Xero, or map the SKU to another code, then Retry.",
        {"sku": mapping.sku, "mapped_to": mapping.item_code},
    )


# What to do about a refusal whose cause is a setting here or in Xero, by a part of Xero's words.
_WHAT_TO_SET = {
    "DueDate field must be specified": (
        "Set \u201cInvoices due in (days)\u201d (due_in_days) in Settings, or give the "
        "organisation (or this contact) payment terms in Xero, then Retry."
    ),
    # A code set while offline (the command line checks it only when connected) or removed
    # from the organisation since: the invoice lines and created items take them from Settings.
    "is not a valid code for this document": (
        "Check \u201cDefault sales account\u201d (default_sales_account) in Settings against the "
        "organisation's accounts, then Retry."
    ),
    "TaxType code": (
        "Check \u201cDefault tax rate\u201d and \u201cDefault non-taxable tax rate\u201d in "
        "Settings against the organisation's tax rates, then Retry."
    ),
}


def xero_rejected(what: str, messages: Sequence[str], key: str = "") -> Reason:
    said = " ".join(message if message.endswith(".") else f"{message}." for message in messages)
    subject = f"the {what} {quoted(key)}" if key else f"the {what}"
    advice = [
        hint
        for words, hint in _WHAT_TO_SET.items()
        if any(words in message for message in messages)
    ]
    return Reason(
        Code.XERO_REJECTED,
        " ".join([f"Xero rejected {subject}: {said}", *advice]),
        {"what": what, "key": key, "messages": list(messages)},
    )


def settings_incomplete(labels: Sequence[str]) -> Reason:
    return Reason(
        Code.SETTINGS_INCOMPLETE,
        f"Auto Sync needs {_list(labels)} set in Settings before it creates anything in Xero.",
        {"settings": list(labels)},
    )


def not_connected() -> Reason:
    return Reason(
        Code.NOT_CONNECTED,
        "Not connected to Xero: connect to an organisation first (Settings, Connection).",
    )


def order_invalid(problems: Sequence[str]) -> Reason:
    """Values Xero cannot take (too long, control characters), found before anything was sent."""
    said = "; ".join(problems)
    return Reason(
        Code.ORDER_INVALID,
        f"This order cannot go to Xero as it is: {said}. Nothing was sent. Correct it where it "
        "comes from and import it under a new order reference, then Dismiss this one.",
        {"problems": list(problems)},
    )


def unsafe_name(what: str, key: str, name: str, problem: str) -> Reason:
    """Auto Sync would not create the contact (``what``: contact, ``key``: the customer
    reference) or item (item, its SKU) named ``name``, for ``problem``; a user may still create
    it from the problems worklist, warned."""
    return Reason(
        Code.UNSAFE_NAME,
        f"{problem[0].upper()}{problem[1:]}. Nothing was sent. Correct the name where it comes "
        "from and import the order under a new reference, or create the "
        f"{what} as it is from Problems (Create), knowing the risk.",
        {"what": what, "key": key, "name": name},
    )
