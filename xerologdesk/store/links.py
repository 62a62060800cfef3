"""A user's links and mappings: customer reference -> Xero ContactID, SKU -> Xero item code.

Both are the user's word, kept until the user changes it (unlike the ContactID a sync remembers
on the customer row, which the next sync may replace). Keys compare without case, as Xero
compares account numbers and item codes; look-ups here answer by the key's ``casefold()``.
Plain frozen dataclasses out, as :mod:`xerologdesk.store.book` hands them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xerologdesk.store.book import chunks, tuples
from xerologdesk.store.db import write_transaction
from xerologdesk.store.engines import current
from xerologdesk.store.models import (
    Customer,
    CustomerLink,
    LogEntry,
    OrderLine,
    Product,
    SkuMapping,
)
from xerologdesk.store.vocabulary import Status


@dataclass(frozen=True)
class ContactLink:
    """A customer linked by a user to a Xero contact."""

    reference: str
    contact_id: str
    contact_name: str
    linked_at: datetime
    linked_by: str


@dataclass(frozen=True)
class ItemMapping:
    """A SKU mapped by a user to a Xero item code."""

    sku: str
    item_code: str
    mapped_at: datetime
    mapped_by: str


_LINK_COLUMNS = (
    CustomerLink.reference,
    CustomerLink.contact_id,
    CustomerLink.contact_name,
    CustomerLink.linked_at,
    CustomerLink.linked_by,
)
_MAPPING_COLUMNS = (
    SkuMapping.sku,
    SkuMapping.item_code,
    SkuMapping.mapped_at,
    SkuMapping.mapped_by,
)


# -- customer links ----------------------------------------------------------------------------


def _rows_keyed(columns: Sequence[Any], keys: Iterable[str]) -> list[tuple[Any, ...]]:
    """The rows (``columns``) whose key, the first of ``columns``, is one of ``keys`` (chunked
    IN lists; peewee converts the values, which the raw :func:`db.rows_by_key` does not)."""
    key = columns[0]
    rows: list[tuple[Any, ...]] = []
    for chunk in chunks(list(dict.fromkeys(keys))):
        rows.extend(tuples(key.model.select(*columns).where(key.in_(list(chunk)))))
    return rows


def links_for(references: Iterable[str]) -> dict[str, ContactLink]:
    """The links of these customer references, by ``reference.casefold()``."""
    links = [ContactLink(*row) for row in _rows_keyed(_LINK_COLUMNS, references)]
    return {link.reference.casefold(): link for link in links}


def all_links() -> list[ContactLink]:
    """Every link, by reference."""
    query = CustomerLink.select(*_LINK_COLUMNS).order_by(CustomerLink.reference)
    return [ContactLink(*row) for row in tuples(query)]


def save_link(link: ContactLink) -> None:
    """Link a customer reference to a contact, replacing its earlier link if any."""
    insert = CustomerLink.insert(
        reference=link.reference,
        contact_id=link.contact_id,
        contact_name=link.contact_name,
        linked_at=link.linked_at,
        linked_by=link.linked_by,
    )
    current().replacing(insert, CustomerLink.reference, _LINK_COLUMNS).execute()


def remove_link(reference: str) -> ContactLink | None:
    """Drop a customer's link; the link dropped, None when there was none.

    The ContactID a sync remembered through the link goes too, so the next sync looks the
    customer up again (by account number, then name) instead of staying with the old contact.
    """
    with write_transaction():
        found = links_for([reference]).get(reference.casefold())
        if found is None:
            return None
        CustomerLink.delete().where(CustomerLink.reference == found.reference).execute()
        Customer.update(xero_contact_id=None, contact_linked_at=None).where(
            current().nocase(Customer.reference) == found.reference,
            Customer.xero_contact_id == found.contact_id,
        ).execute()
    return found


# -- SKU mappings ------------------------------------------------------------------------------


def mappings_for(skus: Iterable[str]) -> dict[str, ItemMapping]:
    """The mappings of these SKUs, by ``sku.casefold()``."""
    mappings = [ItemMapping(*row) for row in _rows_keyed(_MAPPING_COLUMNS, skus)]
    return {mapping.sku.casefold(): mapping for mapping in mappings}


def all_mappings() -> list[ItemMapping]:
    """Every mapping, by SKU."""
    query = SkuMapping.select(*_MAPPING_COLUMNS).order_by(SkuMapping.sku)
    return [ItemMapping(*row) for row in tuples(query)]


def save_mappings(mappings: Sequence[ItemMapping]) -> None:
    """Map SKUs to item codes, all or none (one transaction), replacing earlier mappings."""
    with write_transaction():
        for chunk in chunks(list(mappings), 200):
            insert = SkuMapping.insert_many(
                [(each.sku, each.item_code, each.mapped_at, each.mapped_by) for each in chunk],
                fields=list(_MAPPING_COLUMNS),
            )
            current().replacing(insert, SkuMapping.sku, _MAPPING_COLUMNS).execute()


def remove_mapping(sku: str) -> ItemMapping | None:
    """Drop a SKU's mapping; the mapping dropped, None when there was none."""
    with write_transaction():
        found = mappings_for([sku]).get(sku.casefold())
        if found is not None:
            SkuMapping.delete().where(SkuMapping.sku == found.sku).execute()
    return found


# -- the orders a link or mapping unblocks -----------------------------------------------------


def customer_known(reference: str) -> bool:
    """Whether a customer with this reference (in any case) was imported."""
    query = Customer.select(Customer.id).where(current().nocase(Customer.reference) == reference)
    return bool(query.exists())


def failed_orders_of_customer(reference: str) -> list[str]:
    """The refs of the failed orders of the customer ``reference``, oldest posted first."""
    query = (
        LogEntry.select(LogEntry.order_ref)
        .where(LogEntry.status == Status.FAILED, LogEntry.customer_reference == reference)
        .order_by(LogEntry.posted_date, LogEntry.order)
    )
    return [ref for (ref,) in tuples(query)]


def failed_orders_with_sku(sku: str) -> list[str]:
    """The refs of the failed orders with a line of ``sku``, oldest posted first."""
    query = (
        LogEntry.select(LogEntry.order_ref)
        .join(OrderLine, on=(OrderLine.order == LogEntry.order))
        .join(Product, on=(OrderLine.product == Product.id))
        .where(LogEntry.status == Status.FAILED, current().nocase(Product.sku) == sku)
        .group_by(LogEntry.order)
        .order_by(LogEntry.posted_date, LogEntry.order)
    )
    return [ref for (ref,) in tuples(query)]
