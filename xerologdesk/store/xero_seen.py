"""What refreshes from Xero saw of each order's invoice, and where each refresh stands.

A log entry carries its invoice's last seen Xero status, amount due and when it was seen; each
change seen is also kept in ``xero_invoice_seen``, the invoice's history as seen from Xero. An
invoice voided or deleted there makes its order stand out until a new invoice is sent for it
(Send again: the order goes back to *Pending* for a Retry) or it is kept as it is (Accept).
``xero_refresh`` holds, per organisation and resource, Xero's time when it was last asked: the
next refresh's ``If-Modified-Since``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import peewee

from xerologdesk.store.actor import who
from xerologdesk.store.book import chunks, tuples, update_stock
from xerologdesk.store.db import bulk_insert, bulk_update, write_transaction
from xerologdesk.store.links import all_mappings
from xerologdesk.store.models import (
    Attempt,
    LogEntry,
    Product,
    XeroInvoiceSeen,
    XeroRefresh,
)
from xerologdesk.store.vocabulary import XERO_DEAD, Action, AttemptAction, Status, XeroStatus


@dataclass(frozen=True)
class InvoiceState:
    """An invoice as a refresh saw it in Xero."""

    invoice_id: str
    invoice_number: str
    status: XeroStatus
    amount_due: Decimal | None


@dataclass(frozen=True)
class SeenChange:
    """An order whose invoice a refresh saw change."""

    order_id: int
    order_ref: str
    before: str | None  # the status seen before (None: never seen)
    state: InvoiceState


@dataclass(frozen=True)
class HistoryRow:
    """One change of an order's invoice as seen from Xero."""

    invoice_number: str | None
    status: str
    amount_due: Decimal | None
    seen_at: datetime


# -- where refreshes stand -----------------------------------------------------------------------


def refreshed_since(tenant_id: str, resource: str) -> datetime | None:
    """Xero's time when ``resource`` of this organisation was last asked (None: never)."""
    row = XeroRefresh.get_or_none(
        (XeroRefresh.tenant_id == tenant_id) & (XeroRefresh.resource == resource)
    )
    return row.since if row is not None else None


def mark_refreshed(tenant_id: str, resource: str, at: datetime) -> None:
    XeroRefresh.insert(tenant_id=tenant_id, resource=resource, since=at).on_conflict(
        conflict_target=[XeroRefresh.tenant_id, XeroRefresh.resource],
        update={XeroRefresh.since: at},
    ).execute()


def earliest_invoiced_order() -> datetime | None:
    """When the first order that has an invoice was imported: no invoice of ours is older (a
    first refresh asks what changed since then)."""
    query = LogEntry.select(peewee.fn.MIN(LogEntry.created_at)).where(
        LogEntry.xero_invoice_id.is_null(False)
    )
    earliest: datetime | None = query.scalar()  # converted by the field, as MIN keeps its type
    return earliest


# -- invoices ------------------------------------------------------------------------------------


def record_invoices(states: Iterable[InvoiceState], at: datetime) -> list[SeenChange]:
    """Store what a refresh saw of the invoices that are orders' (by invoice id; others are not
    ours), and add each change to its order's history; the changes, in one transaction."""
    by_id = {state.invoice_id: state for state in states}
    changes: list[SeenChange] = []
    with write_transaction():
        for chunk in chunks(list(by_id)):
            query = LogEntry.select(
                LogEntry.order,
                LogEntry.order_ref,
                LogEntry.xero_invoice_id,
                LogEntry.xero_status,
                LogEntry.xero_amount_due,
            ).where(LogEntry.xero_invoice_id.in_(list(chunk)))
            for order_id, ref, invoice_id, status, due in tuples(query):
                state = by_id[invoice_id]
                if (status, due) != (state.status.value, state.amount_due):
                    changes.append(SeenChange(order_id, ref, status, state))
        seen_at = LogEntry.xero_seen_at.db_value(at)
        bulk_update(
            LogEntry,
            (LogEntry.xero_status, LogEntry.xero_amount_due, LogEntry.xero_seen_at),
            {
                change.order_id: (
                    change.state.status.value,
                    LogEntry.xero_amount_due.db_value(change.state.amount_due),
                    seen_at,
                )
                for change in changes
            },
        )
        bulk_insert(
            XeroInvoiceSeen,
            [
                XeroInvoiceSeen.order,
                XeroInvoiceSeen.invoice_id,
                XeroInvoiceSeen.invoice_number,
                XeroInvoiceSeen.status,
                XeroInvoiceSeen.amount_due,
                XeroInvoiceSeen.seen_at,
            ],
            [
                (
                    change.order_id,
                    change.state.invoice_id,
                    change.state.invoice_number,
                    change.state.status.value,
                    XeroInvoiceSeen.amount_due.db_value(change.state.amount_due),
                    XeroInvoiceSeen.seen_at.db_value(at),
                )
                for change in changes
            ],
        )
    return changes


def invoice_history(order_id: int) -> list[HistoryRow]:
    """The changes of an order's invoices seen from Xero, oldest first."""
    query = (
        XeroInvoiceSeen.select()
        .where(XeroInvoiceSeen.order == order_id)
        .order_by(XeroInvoiceSeen.seen_at, XeroInvoiceSeen.id)
    )
    return [HistoryRow(r.invoice_number, r.status, r.amount_due, r.seen_at) for r in query]


# -- Send again and Accept -----------------------------------------------------------------------


def earlier_invoice_counts(order_ids: Sequence[int]) -> dict[int, int]:
    """How many invoices each order had in Xero before, as refreshes saw them (distinct
    invoice ids in its history); orders with none are left out. One query per 500 orders."""
    counts: dict[int, int] = {}
    for chunk in chunks(list(order_ids)):
        query = (
            XeroInvoiceSeen.select(
                XeroInvoiceSeen.order, peewee.fn.COUNT(XeroInvoiceSeen.invoice_id.distinct())
            )
            .where(XeroInvoiceSeen.order.in_(list(chunk)))
            .group_by(XeroInvoiceSeen.order)
        )
        counts.update(tuples(query))
    return counts


def _dead(order_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Of these orders, the succeeded ones whose invoice was voided or deleted in Xero and not
    accepted: (status seen, invoice number) by order id."""
    found: dict[int, tuple[str, str | None]] = {}
    for chunk in chunks(list(dict.fromkeys(order_ids))):
        query = LogEntry.select(
            LogEntry.order, LogEntry.xero_status, LogEntry.xero_invoice_number
        ).where(
            LogEntry.order.in_(list(chunk)),
            LogEntry.status == Status.SUCCEEDED,
            LogEntry.xero_status.in_(list(XERO_DEAD)),
            LogEntry.xero_accepted == False,  # noqa: E712 (peewee builds SQL from ==)
        )
        found.update({order_id: (status, number) for order_id, status, number in tuples(query)})
    return found


def ready_to_send_again(order_ids: Sequence[int], at: datetime) -> dict[int, str]:
    """Put back to *Pending* (for a Retry) the orders whose invoice was voided or deleted in
    Xero; the others are left alone. The dead invoice is forgotten on the entry (its history
    keeps it) and the note names it. The note by order id of those that changed."""
    dead = _dead(order_ids)
    notes = {
        order_id: f"Sent again: replaces invoice {number or '(no number)'}, {status} in Xero."
        for order_id, (status, number) in dead.items()
    }
    with write_transaction():
        for order_id, note in notes.items():
            LogEntry.update(
                {
                    LogEntry.status: Status.PENDING,
                    LogEntry.pending_action: Action.RETRY,
                    LogEntry.note: note,
                    LogEntry.xero_invoice_id: None,
                    LogEntry.xero_invoice_number: None,
                    LogEntry.xero_status: None,
                    LogEntry.xero_amount_due: None,
                    LogEntry.xero_seen_at: None,
                    LogEntry.updated_at: at,
                }
            ).where(LogEntry.order == order_id).execute()
        _add_attempts(notes, AttemptAction.SEND_AGAIN, Status.PENDING, at)
    return notes


def accept(order_ids: Sequence[int], at: datetime) -> list[int]:
    """Keep as they are the orders whose invoice was voided or deleted in Xero (they no longer
    stand out); the ids that changed."""
    dead = _dead(order_ids)
    with write_transaction():
        for chunk in chunks(list(dead)):
            LogEntry.update({LogEntry.xero_accepted: True, LogEntry.updated_at: at}).where(
                LogEntry.order.in_(list(chunk))
            ).execute()
        notes = {
            order_id: f"Kept as it is: invoice {number or '(no number)'} {status} in Xero."
            for order_id, (status, number) in dead.items()
        }
        _add_attempts(notes, AttemptAction.ACCEPT, Status.SUCCEEDED, at)
    return list(dead)


def _add_attempts(
    notes: Mapping[int, str], action: AttemptAction, outcome: Status, at: datetime
) -> None:
    by = who()
    bulk_insert(
        Attempt,
        [
            Attempt.order,
            Attempt.at,
            Attempt.action,
            Attempt.outcome,
            Attempt.messages,
            Attempt.done_by,
        ],
        [
            (
                order_id,
                Attempt.at.db_value(at),
                action,
                outcome,
                Attempt.messages.db_value([note]),
                by,
            )
            for order_id, note in notes.items()
        ],
    )


# -- stock on hand -------------------------------------------------------------------------------


def update_stock_by_code(
    on_hand: Mapping[str, Decimal], at: datetime, product_ids: Iterable[int] | None = None
) -> int:
    """Store quantities on hand read from Xero by item code on the products sold as that code
    (a SKU the user mapped is sold as its mapped item code, any other as itself; codes compared
    without case, as Xero's are unique), all products or only ``product_ids``; how many got one.
    """
    wanted = {_code_key(code): quantity for code, quantity in on_hand.items()}
    if not wanted:
        return 0
    sold_as = {_code_key(each.sku): each.item_code for each in all_mappings()}
    rows = _product_skus(product_ids)
    # Compared here, not in SQL: SQLite's lower() folds ASCII letters only.
    stock = {}
    for product_id, sku in rows:
        code = _code_key(sold_as.get(_code_key(sku), sku))
        if code in wanted:
            stock[product_id] = wanted[code]
    if stock:
        update_stock(stock, at)
    return len(stock)


def _code_key(code: str) -> str:
    return code.strip().casefold()


def _product_skus(product_ids: Iterable[int] | None) -> list[tuple[int, str]]:
    """The (id, SKU) of every product, or of ``product_ids`` only (read in chunks)."""
    query = Product.select(Product.id, Product.sku)
    if product_ids is None:
        return list(tuples(query))
    rows: list[tuple[int, str]] = []
    for chunk in chunks(list(dict.fromkeys(product_ids))):
        rows.extend(tuples(query.where(Product.id.in_(list(chunk)))))
    return rows


@dataclass(frozen=True)
class StockRow:
    """A product's quantity on hand as last read from Xero (None: never read), and when."""

    sku: str
    name: str
    on_hand: Decimal | None
    read_at: datetime | None


def stock_on_hand() -> list[StockRow]:
    """Every product's stock on hand as last read from Xero, by SKU."""
    query = Product.select(
        Product.sku, Product.name, Product.stock_on_hand, Product.stock_updated_at
    ).order_by(Product.sku)
    return [StockRow(*row) for row in tuples(query)]


def stock_of_products(product_ids: Iterable[int]) -> dict[int, tuple[Decimal, datetime | None]]:
    """The quantities on hand read from Xero of these products (those that have one), by id."""
    found: dict[int, tuple[Decimal, datetime | None]] = {}
    for chunk in chunks(list(dict.fromkeys(product_ids))):
        query = Product.select(Product.id, Product.stock_on_hand, Product.stock_updated_at).where(
            Product.id.in_(list(chunk)), Product.stock_on_hand.is_null(False)
        )
        found.update({pid: (on_hand, at) for pid, on_hand, at in tuples(query)})
    return found
