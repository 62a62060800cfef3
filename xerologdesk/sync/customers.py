"""Step 1 for a batch of orders: find each customer's Xero contact, as the log explains it.

Rules, in order: a contact the user linked the customer to (:mod:`xerologdesk.store.links`)
decides alone: active, it is the customer's; archived or gone, the order fails saying so (never a
fallback to a look-up, which could find another contact). Else a remembered ContactID if that
contact is still active; else the active contact whose AccountNumber equals the customer's
reference; else, when the reference belongs to an archived contact, archived (the reference names
that contact: it is never reused, and a new one would clash with its AccountNumber); else the
active contact whose Name equals the customer's name (two or more: ambiguous); else, if the only
contact with that name is archived, archived; else not found. Compared as Xero compares (case
and accents ignored).
Every customer of the batch is looked up together: one call per 40 ContactIDs (linked and
remembered ones together), references or names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from xerologdesk.store.links import ContactLink
from xerologdesk.sync import outcomes
from xerologdesk.sync.outcomes import Reason
from xerologdesk.xero.filters import xero_fold
from xerologdesk.xero.gateway import XeroGateway
from xerologdesk.xero.records import XeroContact


@dataclass(frozen=True)
class CustomerKey:
    """What we know of a customer that matching needs."""

    customer_id: int
    reference: str
    name: str
    remembered_contact_id: str | None = None
    link: ContactLink | None = None  # the user's own link, which wins over everything


@dataclass
class CustomerMatch:
    """The contact found for one customer, or why none was; ``trace`` is shown in the details."""

    contact: XeroContact | None = None
    reason: Reason | None = None
    how: str = ""
    trace: list[dict[str, Any]] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return (
            self.contact is None
            and self.reason is not None
            and (self.reason.code is outcomes.Code.CUSTOMER_NOT_FOUND)
        )


def _brief(contacts: Iterable[XeroContact]) -> list[dict[str, str]]:
    return [
        {
            "contact_id": each.contact_id,
            "name": each.name,
            "account_number": each.account_number,
            "status": each.status,
        }
        for each in contacts
    ]


def match_customers(
    gateway: XeroGateway, customers: Sequence[CustomerKey]
) -> dict[int, CustomerMatch]:
    """Find the Xero contact of every customer in ``customers`` (see the module's rules)."""
    matches = {each.customer_id: CustomerMatch() for each in customers}

    ids = [each.link.contact_id if each.link else each.remembered_contact_id for each in customers]
    wanted = {contact_id for contact_id in ids if contact_id}
    by_id = {c.contact_id.lower(): c for c in gateway.contacts_by_ids(wanted)} if wanted else {}
    pending: list[CustomerKey] = []
    for customer in customers:
        match = matches[customer.customer_id]
        if customer.link is not None:
            _match_link(match, customer, customer.link, by_id.get(customer.link.contact_id.lower()))
            continue
        linked = by_id.get((customer.remembered_contact_id or "").lower())
        if customer.remembered_contact_id:
            match.trace.append(
                {
                    "by": "ContactID",
                    "value": customer.remembered_contact_id,
                    "found": _brief([linked] if linked else []),
                }
            )
        if linked is not None and not linked.archived:
            match.contact, match.how = linked, "remembered link"
        else:
            pending.append(customer)

    by_number = _index(
        gateway.contacts_matching("AccountNumber", [each.reference for each in pending]),
        "account_number",
    )
    unresolved: list[CustomerKey] = []
    for customer in pending:
        match = matches[customer.customer_id]
        found = by_number.get(xero_fold(customer.reference), [])
        match.trace.append(
            {"by": "AccountNumber", "value": customer.reference, "found": _brief(found)}
        )
        active = [each for each in found if not each.archived]
        if active:
            match.contact, match.how = active[0], "account number"
        elif found:
            match.reason = outcomes.customer_archived(customer.reference, customer.name, found)
        else:
            unresolved.append(customer)

    by_name = _index(gateway.contacts_matching("Name", [each.name for each in unresolved]), "name")
    for customer in unresolved:
        match = matches[customer.customer_id]
        found = by_name.get(xero_fold(customer.name), [])
        match.trace.append({"by": "Name", "value": customer.name, "found": _brief(found)})
        active = [each for each in found if not each.archived]
        if len(active) == 1:
            match.contact, match.how = active[0], "name"
        elif len(active) > 1:
            match.reason = outcomes.customer_ambiguous(customer.name, active)
        elif found:
            match.reason = outcomes.customer_archived(customer.reference, customer.name, found)
        else:
            match.reason = outcomes.customer_not_found(customer.reference, customer.name)
    return matches


def _match_link(
    match: CustomerMatch, customer: CustomerKey, link: ContactLink, found: XeroContact | None
) -> None:
    """The customer's contact is the one the user linked it to, or none (the order fails)."""
    match.trace.append(
        {
            "by": "Link",
            "value": link.contact_id,
            "linked_at": link.linked_at.isoformat(),
            "linked_by": link.linked_by,
            "found": _brief([found] if found else []),
        }
    )
    if found is None:
        match.reason = outcomes.linked_contact_missing(customer.name, link)
    elif found.archived:
        match.reason = outcomes.linked_contact_archived(customer.name, link, found)
    else:
        match.contact, match.how = found, "link"


def _index(contacts: Iterable[XeroContact], attribute: str) -> dict[str, list[XeroContact]]:
    index: dict[str, list[XeroContact]] = {}
    for contact in contacts:
        index.setdefault(xero_fold(getattr(contact, attribute)), []).append(contact)
    return index
