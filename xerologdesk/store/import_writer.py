"""Writing a validated import to the order book, in one transaction.

The importer's collector gathers a file's orders (:class:`FileOrder`) and the customer and
product details they give (:class:`FileRecord`); :func:`write` then adds the new orders with
their lines and a *Pending* log entry each, adds new customers and products and updates changed
details, skips orders already imported with the same content (:func:`content_hash`) and leaves
those with different content as they were, for the importer to report as conflicts; asked to,
it replaces those of them that have no invoice in Xero (:func:`_replace_orders`;
:mod:`~xerologdesk.store.import_replace` says what changes and which may be replaced).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import peewee

from xerologdesk.store.actor import who
from xerologdesk.store.book import chunks, order_total, tuples
from xerologdesk.store.db import add_to_search_index, bulk_insert, rows_by_key, write_transaction
from xerologdesk.store.fields import utc_text
from xerologdesk.store.import_replace import Changed, changed_orders
from xerologdesk.store.models import Attempt, Customer, LogEntry, Order, OrderLine, Product
from xerologdesk.store.readers import Loc
from xerologdesk.store.values import NOT_GIVEN, PLACES
from xerologdesk.store.vocabulary import AttemptAction, Status

# -- what the collector gathers ----------------------------------------------------------------


# An order line: SKU, quantity and unit price (None where invalid). The price belongs to the
# line: wholesale prices differ per customer and per order.
FileLine = tuple[str, Decimal | None, Decimal | None]


@dataclass(slots=True)
class FileOrder:
    """An order as a file gives it: its own values, checked (None where invalid), and lines."""

    ref: str
    loc: Loc
    # The order's own columns as given (compared first when a CSV repeats the order's row), in
    # slots of their own: a tuple of them would cost 64 bytes an order.
    posted_given: Any
    currency_given: Any
    customer_given: Any
    posted_date: date | None
    currency: str | None
    customer_ref: str | None
    # The (sku, quantity, unit price) lines, held as cheaply as a million-order file needs: a
    # line alone as it is (most orders have one; even a 1-tuple around it costs 48 bytes an
    # order, 48 MB in such a file), a tuple while short, a list once long (appending stays
    # cheap). Read them through :attr:`lines`.
    held_lines: FileLine | tuple[FileLine, ...] | list[FileLine] | None = None

    @property
    def raw(self) -> tuple[Any, ...]:
        """The order's own columns as given: posted date, currency, customer reference."""
        return (self.posted_given, self.currency_given, self.customer_given)

    @property
    def lines(self) -> Sequence[FileLine]:
        """The order's lines, in file order."""
        held = self.held_lines
        if held is None:
            return ()
        if isinstance(held, list):
            return held
        # A line alone starts with its SKU; a tuple of lines with a line.
        return (held,) if held and isinstance(held[0], str) else held

    def add_line(self, line: FileLine) -> None:
        """Add a (sku, quantity, unit price) line."""
        held = self.held_lines
        if held is None:
            self.held_lines = line
        elif isinstance(held, list):
            held.append(line)
        else:
            lines = tuple(self.lines)
            self.held_lines = (*lines, line) if len(lines) < SHORT_LINES else [*lines, line]


SHORT_LINES = 8


@dataclass(slots=True)
class FileRecord:
    """Customer or product details first seen at ``loc`` (None marks an invalid value, ""
    one not given)."""

    loc: Loc
    raw: tuple[Any, ...]
    values: list[Any]


@dataclass(slots=True)
class FileProduct(FileRecord):
    """A product's details (name, description, taxable, product_price) and the unit price of
    its first line: the product's own price when the file gives no product_price."""

    line_price: Decimal | None = None

    @property
    def details(self) -> tuple[Any, ...]:
        """Name, description, taxable and the product's own price, as stored."""
        name, description, taxable, price = self.values
        return (name, description, taxable, self.line_price if price == NOT_GIVEN else price)


# -- writing -----------------------------------------------------------------------------------

_CUSTOMER_COLUMNS = (
    Customer.name,
    Customer.email,
    Customer.street,
    Customer.city,
    Customer.region,
    Customer.postcode,
    Customer.country,
)  # in import_collector.CUSTOMER_FIELDS' order
_PRODUCT_COLUMNS = (Product.name, Product.description, Product.taxable, Product.price)


def content_hash(order: FileOrder) -> str:
    """A digest of what makes the order itself: ref, date, currency, customer, lines.

    The parts are joined with a control character, which no imported value can contain.
    """
    parts = [
        order.ref,
        order.posted_date.isoformat() if order.posted_date else "",
        order.currency or "",
        order.customer_ref or "",
    ]
    for sku, quantity, price in order.lines:
        parts += (sku, str(quantity), str(price))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _units(value: Decimal) -> int:
    """A checked amount (exactly 4 places, or 2 for totals) as stored: 10**-4 units."""
    return int(value.scaleb(PLACES))


def _next_id(model: type[peewee.Model]) -> int:
    """The first free id: the write transaction (BEGIN IMMEDIATE) keeps it free."""
    key = model._meta.primary_key
    return int(model.select(peewee.fn.MAX(key)).scalar() or 0) + 1


def _stored(
    model: type[peewee.Model], key: peewee.Field, columns: Sequence[Any], keys: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """(id, *columns) of the rows whose ``key`` is among ``keys``, by key, as Python values."""
    found: dict[str, tuple[Any, ...]] = {}
    primary = model._meta.primary_key
    for chunk in chunks(list(keys)):
        query = model.select(key, primary, *columns).where(key.in_(list(chunk)))
        found.update((row[0], tuple(row[1:])) for row in tuples(query))
    return found


def _merged(given: Sequence[Any], stored: Sequence[Any]) -> tuple[Any, ...]:
    """The stored values with those the file gives (empty ones leave what is stored)."""
    return tuple(old if new == NOT_GIVEN else new for new, old in zip(given, stored, strict=True))


def _upsert_customers(
    references: Sequence[str], records: Mapping[str, FileRecord]
) -> dict[str, int]:
    """Ids of the customers, adding new ones and updating changed details; renamed
    customers' log entries take the new name."""
    existing = _stored(Customer, Customer.reference, _CUSTOMER_COLUMNS, references)
    ids = {reference: row[0] for reference, row in existing.items()}
    for reference, (customer_id, *stored) in existing.items():
        wanted = _merged(records[reference].values, stored)
        if wanted == tuple(stored):
            continue
        Customer.update(dict(zip(_CUSTOMER_COLUMNS, wanted, strict=True))).where(
            Customer.id == customer_id
        ).execute()
        if wanted[0] != stored[0]:
            orders = Order.select(Order.id).where(Order.customer == customer_id)
            LogEntry.update({LogEntry.customer_name: wanted[0]}).where(
                LogEntry.order.in_(orders)
            ).execute()
    new = [reference for reference in references if reference not in ids]
    first = _next_id(Customer)
    ids.update((reference, first + offset) for offset, reference in enumerate(new))
    rows = [(ids[reference], reference, *records[reference].values) for reference in new]
    bulk_insert(Customer, (Customer.id, Customer.reference, *_CUSTOMER_COLUMNS), rows)
    return ids


def _upsert_products(skus: Sequence[str], records: Mapping[str, FileProduct]) -> dict[str, int]:
    """Ids of the products, adding new ones and updating changed details."""
    existing = _stored(Product, Product.sku, _PRODUCT_COLUMNS, skus)
    ids = {sku: row[0] for sku, row in existing.items()}
    for sku, (product_id, *stored) in existing.items():
        wanted = _merged(records[sku].details, stored)
        if wanted != tuple(stored):
            Product.update(dict(zip(_PRODUCT_COLUMNS, wanted, strict=True))).where(
                Product.id == product_id
            ).execute()
    new = [sku for sku in skus if sku not in ids]
    first = _next_id(Product)
    ids.update((sku, first + offset) for offset, sku in enumerate(new))
    rows = [
        (ids[sku], sku, name, description, taxable is not False, _units(price))
        for sku in new
        for name, description, taxable, price in [records[sku].details]
    ]
    bulk_insert(Product, (Product.id, Product.sku, *_PRODUCT_COLUMNS), rows)
    return ids


@dataclass
class Written:
    """What :func:`write` did: the new orders' ids, how many were the same, which conflict,
    and which were replaced."""

    new_ids: Sequence[int] = field(default_factory=list)
    skipped: int = 0
    conflicts: list[Changed] = field(default_factory=list)
    replaced: list[Changed] = field(default_factory=list)


# Orders written per round: bounds the rows held in memory at once on a big import.
WRITE_BATCH = 10_000
_ORDER_FIELDS = (
    Order.id,
    Order.ref,
    Order.customer,
    Order.posted_date,
    Order.currency,
    Order.content_hash,
    Order.imported_at,
    Order.source,
)
_LINE_FIELDS = (
    OrderLine.order,
    OrderLine.line_no,
    OrderLine.product,
    OrderLine.quantity,
    OrderLine.unit_price,
)
_ENTRY_FIELDS = (
    LogEntry.order,
    LogEntry.status,
    LogEntry.reasons,
    LogEntry.created_at,
    LogEntry.updated_at,
    LogEntry.order_ref,
    LogEntry.posted_date,
    LogEntry.customer_name,
    LogEntry.customer_reference,
    LogEntry.currency,
    LogEntry.total,
    LogEntry.reason_summary,
)


def write(
    orders: Mapping[str, FileOrder],
    customers: Mapping[str, FileRecord],
    products: Mapping[str, FileProduct],
    source: str,
    at: datetime,
    *,
    replace: bool = False,
) -> Written:
    """Write a file's new orders (by ref; their customers and products by reference and SKU)
    in one transaction; which were new, same or conflicting. With ``replace``, a conflicting
    order with no invoice in Xero takes the file's content (see :func:`_replace_orders`)."""
    written = Written()
    refs = list(orders)
    with write_transaction():
        known = rows_by_key(Order._meta.table_name, "ref", ["content_hash", "id"], refs)
        # Digests of new orders are made as they are written (64 characters each, a million
        # orders' worth held at once would be 180 MB).
        fresh: list[FileOrder] = []
        changed: dict[int, FileOrder] = {}
        for order in orders.values():
            if order.ref not in known:
                fresh.append(order)
            elif known[order.ref][0] == content_hash(order):
                written.skipped += 1
            else:
                changed[known[order.ref][1]] = order
        for each in changed_orders(changed):
            wanted = replace and each.replaceable
            (written.replaced if wanted else written.conflicts).append(each)
        taken = fresh + [each.order for each in written.replaced]
        if not taken:
            return written
        customer_ids = _upsert_customers(
            list(dict.fromkeys(str(order.customer_ref) for order in taken)),
            customers,
        )
        product_ids = _upsert_products(
            list(dict.fromkeys(line[0] for order in taken for line in order.lines)),
            products,
        )
        into = _Into(customers, customer_ids, product_ids, source, at)
        _replace_orders(written.replaced, into)
        first = _next_id(Order)
        for start in range(0, len(fresh), WRITE_BATCH):
            batch = fresh[start : start + WRITE_BATCH]
            _insert_orders(batch, range(first + start, first + start + len(batch)), into)
        written.new_ids = range(first, first + len(fresh))
    return written


@dataclass(frozen=True, slots=True)
class _Into:
    """What the orders of one write share: their customers (details and ids, by reference),
    their products' ids (by SKU), the file they came from and the time."""

    customers: Mapping[str, FileRecord]
    customer_ids: Mapping[str, int]
    product_ids: Mapping[str, int]
    source: str
    at: datetime

    def customer_name(self, reference: str) -> str:
        """The name the file gives the customer with this reference."""
        name: str = self.customers[reference].values[0]
        return name


def _insert_orders(batch: Sequence[FileOrder], ids: Sequence[int], into: _Into) -> None:
    """Orders, their lines, then their log entries (whose search rows read the lines)."""
    stamp = utc_text(into.at)
    order_rows, entry_rows, search_rows = [], [], []
    line_rows: list[tuple[Any, ...]] = []
    for order_id, order in zip(ids, batch, strict=True):
        digest = content_hash(order)
        customer_ref = str(order.customer_ref)
        posted = order.posted_date.isoformat() if order.posted_date else ""
        order_rows.append(
            (
                order_id,
                order.ref,
                into.customer_ids[customer_ref],
                posted,
                order.currency,
                digest,
                stamp,
                into.source,
            )
        )
        total = _line_rows(order_id, order, into.product_ids, line_rows)
        customer_name = into.customer_name(customer_ref)
        search_rows.append((order_id, order.ref, customer_name, customer_ref))
        entry_rows.append(
            (
                order_id,
                Status.PENDING,
                "[]",
                stamp,
                stamp,
                order.ref,
                posted,
                customer_name,
                customer_ref,
                order.currency,
                _units(total),
                "",
            )
        )
    bulk_insert(Order, _ORDER_FIELDS, order_rows)
    bulk_insert(OrderLine, _LINE_FIELDS, line_rows)
    bulk_insert(LogEntry, _ENTRY_FIELDS, entry_rows, staged=True)
    add_to_search_index(search_rows)


def _line_rows(
    order_id: int, order: FileOrder, product_ids: Mapping[str, int], rows: list[tuple[Any, ...]]
) -> Decimal:
    """Add the order's line rows to ``rows``; the order's total."""
    amounts: list[tuple[Decimal, Decimal]] = []
    for line_no, (sku, quantity, price) in enumerate(order.lines, start=1):
        assert quantity is not None and price is not None  # a bad file is never written
        amounts.append((quantity, price))
        rows.append((order_id, line_no, product_ids[sku], _units(quantity), _units(price)))
    return order_total(amounts)


def _replace_orders(changed: Sequence[Changed], into: _Into) -> None:
    """Give orders not in Xero the file's content: their lines, date, currency and customer.

    Each keeps its id and its history (the attempts, with one more saying what was replaced)
    and is *Pending* again, its failure reasons, note and dismissal cleared.
    """
    source, at = into.source, into.at
    for each in changed:
        order, order_id = each.order, each.order_id
        customer_ref = str(order.customer_ref)
        OrderLine.delete().where(OrderLine.order == order_id).execute()
        line_rows: list[tuple[Any, ...]] = []
        total = _line_rows(order_id, order, into.product_ids, line_rows)
        bulk_insert(OrderLine, _LINE_FIELDS, line_rows)
        Order.update(
            {
                Order.customer: into.customer_ids[customer_ref],
                Order.posted_date: order.posted_date,
                Order.currency: order.currency,
                Order.content_hash: content_hash(order),
                Order.imported_at: at,
                Order.source: source,
            }
        ).where(Order.id == order_id).execute()
        LogEntry.update(
            {
                LogEntry.status: Status.PENDING,
                LogEntry.reasons: [],
                LogEntry.reason_summary: "",
                LogEntry.trace: None,
                LogEntry.note: None,
                LogEntry.pending_action: None,
                LogEntry.previous_status: None,
                LogEntry.dismissed_reason: None,
                LogEntry.dismissed_at: None,
                LogEntry.updated_at: at,
                LogEntry.posted_date: order.posted_date,
                LogEntry.customer_name: into.customer_name(customer_ref),
                LogEntry.customer_reference: customer_ref,
                LogEntry.currency: order.currency,
                LogEntry.total: total,
            }
        ).where(LogEntry.order == order_id).execute()
        Attempt.insert(
            order=order_id,
            at=at,
            action=AttemptAction.REPLACE,
            outcome=Status.PENDING,
            messages=[f"Replaced by the content of {source}: " + "; ".join(each.changes)],
            reasons=[],
            done_by=who(),
        ).execute()
