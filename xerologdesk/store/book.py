"""What the sync engine reads from and writes to the order book, as plain frozen dataclasses.

Nothing here hands out a live peewee object: workers pass these values between threads. Every
write that changes more than one row runs in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import peewee

from xerologdesk.store import engines
from xerologdesk.store.actor import who
from xerologdesk.store.db import (
    bulk_insert,
    bulk_update,
    rows_at_once,
    rows_by_key,
    write_transaction,
)
from xerologdesk.store.models import (
    Attempt,
    Connection,
    Customer,
    LogEntry,
    Order,
    OrderLine,
    Outbox,
    Product,
    database,
)
from xerologdesk.store.vocabulary import (
    ATTEMPT_ACTIONS,
    DISMISSABLE,
    OUTBOX_KINDS,
    OUTBOX_STATES,
    OUTBOX_UNFINISHED,
    PENDING_ACTIONS,
    STATUSES,
    Action,
    AttemptAction,
    OutboxKind,
    OutboxState,
    Status,
)

# Keeps every IN (...) list well under SQLite's oldest limit of 999 bound values.
CHUNK = 500
# Actions that send to Xero (and so count as attempts); dismiss and undo only change the log.
SYNC_ACTIONS: tuple[Action, ...] = tuple(Action)
CONNECTION_KINDS = ("sandbox", "xero")

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def tuples(query: Any) -> list[tuple[Any, ...]]:
    """A query's rows as tuples of Python values (converted by the selected fields)."""
    return list(query.tuples())


def utc_now() -> datetime:
    return datetime.now(UTC)


# -- amounts -----------------------------------------------------------------------------------

CENT = Decimal("0.01")


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """A line's amount before tax, rounded to cents half up as Xero rounds line amounts."""
    return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def order_total(lines: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The order's total before tax: the sum of its (quantity, unit price) line amounts."""
    return sum((line_amount(quantity, price) for quantity, price in lines), Decimal("0.00"))


# -- reasons -----------------------------------------------------------------------------------

_REASON_WORDS = {
    "customer_not_found": "customer not found",
    "customer_ambiguous": "customer ambiguous",
    "customer_archived": "customer archived",
    "linked_contact_missing": "linked contact gone from Xero",
    "product_not_found": "product not found",
    "xero_rejected": "rejected by Xero",
    "settings_incomplete": "settings incomplete",
    "not_connected": "not connected",
    "order_invalid": "order data Xero cannot take",
    "unsafe_name": "risky name not created",
}


def summarize_reasons(reasons: Sequence[Mapping[str, Any]]) -> str:
    """Reasons in a few words for the log table, e.g. ``customer not found; product not found
    (SKU-1, SKU-2)``."""
    parts: dict[str, list[str]] = {}
    for reason in reasons:
        code = str(reason.get("code", ""))
        subjects = parts.setdefault(_REASON_WORDS.get(code, code.replace("_", " ")), [])
        sku = (reason.get("details") or {}).get("sku")
        if code == "product_not_found" and sku:
            subjects.append(str(sku))
    return "; ".join(
        f"{words} ({', '.join(subjects)})" if subjects else words
        for words, subjects in parts.items()
    )


# -- orders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerData:
    id: int
    reference: str
    name: str
    email: str
    street: str
    city: str
    region: str
    postcode: str
    country: str
    xero_contact_id: str | None


@dataclass(frozen=True)
class LineData:
    line_no: int
    sku: str
    name: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    taxable: bool
    product_id: int
    product_price: Decimal


@dataclass(frozen=True)
class OrderData:
    id: int
    ref: str
    posted_date: date
    currency: str
    status: str
    attempts: int
    customer: CustomerData
    lines: tuple[LineData, ...]
    total: Decimal
    pending_action: str | None = None  # what a Pending order waits to have done (see models)


def pending_order_ids(limit: int | None = None) -> list[int]:
    """Ids of the *Pending* orders, oldest posted first."""
    query = (
        LogEntry.select(LogEntry.order)
        .where(LogEntry.status == Status.PENDING)
        .order_by(LogEntry.posted_date, LogEntry.order)
    )
    if limit is not None:
        query = query.limit(limit)
    return [order_id for (order_id,) in tuples(query)]


def order_ids_for_refs(refs: Iterable[str]) -> dict[str, int]:
    """Order ids by ref, for the refs that exist."""
    wanted = list(dict.fromkeys(refs))
    found: dict[str, int] = {}
    for chunk in chunks(wanted):
        query = Order.select(Order.ref, Order.id).where(Order.ref.in_(list(chunk)))
        found.update(tuples(query))
    return found


_CUSTOMER_COLUMNS = (
    Customer.id,
    Customer.reference,
    Customer.name,
    Customer.email,
    Customer.street,
    Customer.city,
    Customer.region,
    Customer.postcode,
    Customer.country,
    Customer.xero_contact_id,
)


def customer_by_reference(reference: str) -> CustomerData | None:
    """The customer with this reference: as imported, else in any case (as a link takes it, and
    as Xero compares account numbers); None when there is none."""
    select = Customer.select(*_CUSTOMER_COLUMNS)
    found = select.where(Customer.reference == reference).tuples().first()
    if found is None:
        nocase = engines.current().nocase(Customer.reference) == reference
        found = select.where(nocase).tuples().first()
    return None if found is None else CustomerData(*found)


# What load_orders reads: an order's head (with its customer: CustomerData), and its lines
# (order id, then LineData's fields).
_HEAD_COLUMNS = (
    Order.id,
    Order.ref,
    Order.posted_date,
    Order.currency,
    LogEntry.status,
    LogEntry.attempts,
    LogEntry.pending_action,
    *_CUSTOMER_COLUMNS,
)
_LINE_COLUMNS = (
    OrderLine.order,
    OrderLine.line_no,
    Product.sku,
    Product.name,
    Product.description,
    OrderLine.quantity,
    OrderLine.unit_price,
    Product.taxable,
    Product.id,
    Product.price,
)


def load_orders(ids: Sequence[int]) -> list[OrderData]:
    """The orders with these ids (in that order; unknown ids left out), lines and customer."""
    heads: dict[int, tuple[Any, ...]] = {}
    lines: dict[int, list[LineData]] = {}
    for chunk in chunks(list(dict.fromkeys(ids))):
        head_query = (
            Order.select()
            .join(Customer, on=(Order.customer == Customer.id))
            .switch(Order)
            .join(LogEntry, on=(LogEntry.order == Order.id))
            .where(Order.id.in_(list(chunk)))
        )
        for row in rows_at_once(head_query, *_HEAD_COLUMNS):
            heads[row[0]] = row
        line_query = (
            OrderLine.select()
            .join(Product, on=(OrderLine.product == Product.id))
            .where(OrderLine.order.in_(list(chunk)))
        )
        rows = sorted(rows_at_once(line_query, *_LINE_COLUMNS), key=lambda row: row[:2])
        for order_id, line_no, *values in rows:
            lines.setdefault(order_id, []).append(LineData(line_no, *values))
    orders = []
    for order_id in ids:
        head = heads.get(order_id)
        if head is None:
            continue
        own_lines = tuple(lines.get(order_id, ()))
        orders.append(
            OrderData(
                id=head[0],
                ref=head[1],
                posted_date=head[2],
                currency=head[3],
                status=head[4],
                attempts=head[5],
                pending_action=head[6],
                customer=CustomerData(*head[7:]),
                lines=own_lines,
                total=order_total((line.quantity, line.unit_price) for line in own_lines),
            )
        )
    return orders


# -- the log -----------------------------------------------------------------------------------


def _check(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} {value!r} is not one of {', '.join(allowed)}")


@dataclass(frozen=True)
class AttemptRecord:
    """The outcome of one sync, Auto Sync or Retry of one order, as the log keeps it."""

    order_id: int
    action: str
    status: str
    reasons: list[dict[str, Any]]
    trace: dict[str, Any] | None
    note: str | None
    at: datetime
    invoice_id: str | None = None
    invoice_number: str | None = None
    messages: Sequence[str] = ()


# One prepared statement for every outcome of a batch: building a peewee query per order cost
# more than the sync's HTTP calls (profiled: 6.5 s of 11 s for 5,000 orders).
_RECORD_SQL = """UPDATE log_entry SET status = ?, reasons = ?, trace = ?, note = ?,
    reason_summary = ?, last_attempt_at = ?, updated_at = ?, attempts = attempts + ?,
    xero_invoice_id = COALESCE(?, xero_invoice_id),
    xero_invoice_number = COALESCE(?, xero_invoice_number),
    dismissed_reason = CASE WHEN ? = 1 THEN dismissed_reason END,
    dismissed_at = CASE WHEN ? = 1 THEN dismissed_at END,
    previous_status = CASE WHEN ? = 1 THEN previous_status END,
    pending_action = CASE WHEN ? = 'pending' THEN COALESCE(?, pending_action) END
    WHERE order_id = ?"""


def _intent(action: str) -> str | None:
    """The pending action an attempt leaves behind when it ends *Pending*: an Auto Sync or a
    Retry is remembered (and carried out by the next sync); a plain sync keeps what was there."""
    return action if action in PENDING_ACTIONS else None


def record_attempts(records: Sequence[AttemptRecord]) -> None:
    """Store many outcomes on their orders' log entries and add each to its order's history
    (made by this desktop's user, store.actor), all in one transaction. An invoice id or number
    not given is kept. An order left *Pending* by an Auto Sync or a Retry remembers it; any
    settled outcome forgets it."""
    if not records:
        return
    for record in records:
        _check(record.action, ATTEMPT_ACTIONS, "action")
        _check(record.status, STATUSES, "status")
    json_value = LogEntry.reasons.db_value
    time_value = LogEntry.updated_at.db_value
    by = who()
    updates = []
    history = []
    for record in records:
        at = time_value(record.at)
        kept = 1 if record.status == Status.DISMISSED else 0
        updates.append(
            (
                record.status,
                json_value(list(record.reasons)),
                LogEntry.trace.db_value(record.trace),
                record.note,
                summarize_reasons(record.reasons),
                at,
                at,
                1 if record.action in SYNC_ACTIONS else 0,
                record.invoice_id,
                record.invoice_number,
                kept,
                kept,
                kept,
                record.status,
                _intent(record.action),
                record.order_id,
            )
        )
        history.append(
            (
                record.order_id,
                at,
                record.action,
                record.status,
                json_value(list(record.messages)),
                json_value(list(record.reasons)),
                by,
            )
        )
    with write_transaction(), peewee.__exception_wrapper__:  # type: ignore[attr-defined]
        cursor = database.cursor()
        cursor.executemany(engines.current().marks(_RECORD_SQL), updates)
        if cursor.rowcount < len(updates):
            missing = {r.order_id for r in records} - set(
                rows_by_key("log_entry", "order_id", ["order_id"], [r.order_id for r in records])
            )
            raise KeyError(f"no order with id {min(missing)}")
        bulk_insert(
            Attempt,
            [
                Attempt.order,
                Attempt.at,
                Attempt.action,
                Attempt.outcome,
                Attempt.messages,
                Attempt.reasons,
                Attempt.done_by,
            ],
            history,
        )


def record_attempt(
    order_id: int,
    *,
    action: str,
    status: str,
    reasons: list[dict[str, Any]],
    trace: dict[str, Any] | None,
    note: str | None,
    invoice_id: str | None = None,
    invoice_number: str | None = None,
    messages: Sequence[str] = (),
    at: datetime,
) -> None:
    """Store the outcome of a sync, Auto Sync or Retry of one order (see record_attempts)."""
    record_attempts(
        [
            AttemptRecord(
                order_id,
                action,
                status,
                reasons,
                trace,
                note,
                at,
                invoice_id,
                invoice_number,
                messages,
            )
        ]
    )


def _statuses(order_ids: Sequence[int], column: Any) -> dict[int, Any]:
    """``column`` of the given orders' log entries, by order id."""
    found: dict[int, Any] = {}
    for chunk in chunks(list(dict.fromkeys(order_ids))):
        query = LogEntry.select(LogEntry.order, column).where(LogEntry.order.in_(list(chunk)))
        found.update(tuples(query))
    return found


def order_statuses(order_ids: Sequence[int]) -> dict[int, str]:
    """The given orders' statuses as stored now, by order id (unknown ids left out)."""
    return _statuses(order_ids, LogEntry.status)


def _add_history(
    entries: Mapping[int, str], action: str, messages: list[str], at: datetime
) -> None:
    """One attempt row per order id, with the status it ended in, made by this desktop's user."""
    fields = [
        Attempt.order,
        Attempt.at,
        Attempt.action,
        Attempt.outcome,
        Attempt.messages,
        Attempt.reasons,
        Attempt.done_by,
    ]
    by = who()
    rows: list[tuple[Any, ...]] = [
        (order_id, at, action, outcome, messages, [], by) for order_id, outcome in entries.items()
    ]
    for chunk in chunks(rows, 100):
        Attempt.insert_many(chunk, fields=fields).execute()


def dismiss(order_ids: Sequence[int], reason: str, at: datetime) -> list[int]:
    """Mark *Failed* or *Pending* orders *Dismissed* (others are left alone); the ids that
    changed. A pending order's waiting Auto Sync or Retry is forgotten.

    Nothing is sent to Xero; the reasons and the history stay, and Undo Dismiss reverses it.
    """
    reason = reason.strip()
    with database.atomic():
        statuses = _statuses(order_ids, LogEntry.status)
        changed = [i for i in dict.fromkeys(order_ids) if statuses.get(i) in DISMISSABLE]
        for chunk in chunks(changed):
            LogEntry.update(
                {
                    LogEntry.previous_status: LogEntry.status,
                    LogEntry.status: Status.DISMISSED,
                    LogEntry.dismissed_reason: reason or None,
                    LogEntry.dismissed_at: at,
                    LogEntry.updated_at: at,
                    LogEntry.pending_action: None,
                }
            ).where(LogEntry.order.in_(list(chunk))).execute()
        _add_history(
            dict.fromkeys(changed, Status.DISMISSED),
            AttemptAction.DISMISS,
            [reason] if reason else [],
            at,
        )
    return changed


def note_pending(order_ids: Sequence[int], note: str, at: datetime) -> None:
    """Say on *Pending* orders' log entries why they wait (others are left alone)."""
    with write_transaction():
        for chunk in chunks(list(dict.fromkeys(order_ids))):
            LogEntry.update({LogEntry.note: note, LogEntry.updated_at: at}).where(
                LogEntry.order.in_(list(chunk)), LogEntry.status == Status.PENDING
            ).execute()


def undo_dismiss(order_ids: Sequence[int], at: datetime) -> list[int]:
    """Put *Dismissed* orders back to the status they had (*Failed* or *Pending*); the ids that
    changed."""
    with database.atomic():
        statuses = _statuses(order_ids, LogEntry.status)
        changed = [i for i in dict.fromkeys(order_ids) if statuses.get(i) == Status.DISMISSED]
        previous = _statuses(changed, LogEntry.previous_status)
        back_to = {order_id: previous.get(order_id) or Status.FAILED for order_id in changed}
        for status in set(back_to.values()):
            ids = [order_id for order_id, then in back_to.items() if then == status]
            for chunk in chunks(ids):
                LogEntry.update(
                    {
                        LogEntry.status: status,
                        LogEntry.previous_status: None,
                        LogEntry.dismissed_reason: None,
                        LogEntry.dismissed_at: None,
                        LogEntry.updated_at: at,
                    }
                ).where(LogEntry.order.in_(list(chunk))).execute()
        _add_history(back_to, AttemptAction.UNDO_DISMISS, [], at)
    return changed


# -- customers and products -------------------------------------------------------------------


def link_contacts(links: Mapping[int, str | None], at: datetime) -> None:
    """Link customers to Xero ContactIDs, tried first next time (None: drop the link, the
    contact was deleted or archived there); by customer id, in one statement."""
    linked_at = Customer.contact_linked_at.db_value(at)
    bulk_update(
        Customer,
        (Customer.xero_contact_id, Customer.contact_linked_at),
        {
            customer: (contact, linked_at if contact else None)
            for customer, contact in links.items()
        },
    )


def update_stock(stock: Mapping[int, Decimal], at: datetime) -> None:
    """Store quantities on hand read from Xero, by product id, in one statement."""
    units, stamp = Product.stock_on_hand.db_value, Product.stock_updated_at.db_value(at)
    bulk_update(
        Product,
        (Product.stock_on_hand, Product.stock_updated_at),
        {product: (units(quantity), stamp) for product, quantity in stock.items()},
    )


# -- the outbox --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    idempotency_key: str
    natural_key: str
    order_id: int | None
    payload: Any
    state: str
    created_at: datetime
    sent_at: datetime | None
    finished_at: datetime | None
    xero_id: str | None
    response: Any


def outbox_add(
    kind: str,
    key: str,
    natural_key: str,
    payload: Any,
    order_id: int | None = None,
    *,
    at: datetime | None = None,
) -> int:
    """Record a create before it is sent (state *pending*); its outbox id."""
    _check(kind, OUTBOX_KINDS, "outbox kind")
    row_id: int = Outbox.insert(
        kind=kind,
        idempotency_key=key,
        natural_key=natural_key,
        order=order_id,
        payload=payload,
        state=OutboxState.PENDING,
        created_at=at or utc_now(),
    ).execute()
    return row_id


def outbox_mark(
    outbox_id: int,
    state: str,
    *,
    xero_id: str | None = None,
    response: Any = None,
    at: datetime,
) -> None:
    """Record what became of a send: *sent*, or finished (*done*, *failed*, *abandoned*), or
    *unknown* (no definite answer: reconcile before sending again)."""
    _check(state, OUTBOX_STATES, "outbox state")
    changes: dict[Any, Any] = {Outbox.state: state}
    if state == OutboxState.SENT:
        changes[Outbox.sent_at] = at
    elif state not in OUTBOX_UNFINISHED:
        changes[Outbox.finished_at] = at
    if xero_id is not None:
        changes[Outbox.xero_id] = xero_id
    if response is not None:
        changes[Outbox.response] = response
    if not Outbox.update(changes).where(Outbox.id == outbox_id).execute():
        raise KeyError(f"no outbox row with id {outbox_id}")


def invoice_refs_awaiting_answer() -> set[str]:
    """The refs of orders in invoice requests whose answer is still unknown: Xero may have made
    their invoices (reconcile settles them)."""
    return {
        ref
        for row in outbox_unfinished()
        if row.kind == OutboxKind.INVOICE
        for ref in row.payload.get("refs", [])
    }


def outbox_unfinished() -> list[OutboxRow]:
    """Sends without a definite answer yet, oldest first."""
    return _outbox_rows(Outbox.state.in_(list(OUTBOX_UNFINISHED)))


def outbox_last_id() -> int:
    """The id of the newest outbox row (0: none yet): rows opened later have larger ids."""
    newest = Outbox.select(peewee.fn.MAX(Outbox.id)).scalar()
    return int(newest or 0)


def outbox_rows_of(kind: str, after: int, among: Iterable[int] = ()) -> list[OutboxRow]:
    """The rows of ``kind`` opened after row ``after``, and those of ``among``, oldest first."""
    chosen = Outbox.id > after
    among = list(among)
    if among:
        chosen |= Outbox.id.in_(among)
    return _outbox_rows((Outbox.kind == kind) & chosen)


def _outbox_rows(where: Any) -> list[OutboxRow]:
    query = (
        Outbox.select(
            Outbox.id,
            Outbox.kind,
            Outbox.idempotency_key,
            Outbox.natural_key,
            Outbox.order,
            Outbox.payload,
            Outbox.state,
            Outbox.created_at,
            Outbox.sent_at,
            Outbox.finished_at,
            Outbox.xero_id,
            Outbox.response,
        )
        .where(where)
        .order_by(Outbox.id)
    )
    return [OutboxRow(*row) for row in tuples(query)]


# -- the connection ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionData:
    kind: str
    base_url: str
    tenant_id: str
    tenant_name: str
    connection_id: str
    client_id: str
    connected_at: datetime
    last_refreshed_at: datetime | None


_CONNECTION_ID = 1  # the table holds one row at most


def get_connection() -> ConnectionData | None:
    """The connected organisation, or None."""
    row = Connection.get_or_none(Connection.id == _CONNECTION_ID)
    if row is None:
        return None
    return ConnectionData(
        kind=row.kind,
        base_url=row.base_url,
        tenant_id=row.tenant_id,
        tenant_name=row.tenant_name,
        connection_id=row.connection_id,
        client_id=row.client_id,
        connected_at=row.connected_at,
        last_refreshed_at=row.last_refreshed_at,
    )


class OtherOrganisation(Exception):
    """A desktop tried to connect a team's log (on PostgreSQL) to another organisation than
    the one the team's log is connected to; nothing was changed."""

    def __init__(self, team: ConnectionData, tenant_name: str) -> None:
        self.team = team
        super().__init__(
            f'This team\'s log is kept for the Xero organisation "{team.tenant_name}" (id '
            f'{team.tenant_id}), not "{tenant_name}": nothing was connected. Connect to that '
            "organisation, or disconnect first to move the whole team to another one."
        )


def save_connection(
    *,
    kind: str,
    base_url: str,
    tenant_id: str,
    tenant_name: str,
    connection_id: str = "",
    client_id: str = "",
    at: datetime | None = None,
) -> ConnectionData:
    """Store the connection (replacing any other). Tokens are never stored here.

    On a team's PostgreSQL log, which every desktop shares, another organisation than the one
    stored is refused (:class:`OtherOrganisation`): one log, one organisation.
    """
    _check(kind, CONNECTION_KINDS, "connection kind")
    team = get_connection() if engines.current() is engines.POSTGRES else None
    if team is not None and team.tenant_id != tenant_id:
        raise OtherOrganisation(team, tenant_name)
    values = {
        "kind": kind,
        "base_url": base_url,
        "tenant_id": tenant_id,
        "tenant_name": tenant_name,
        "connection_id": connection_id,
        "client_id": client_id,
        "connected_at": at or utc_now(),
        "last_refreshed_at": None,
    }
    with database.atomic():
        Connection.delete().execute()
        Connection.insert(id=_CONNECTION_ID, **values).execute()
    saved = get_connection()
    assert saved is not None
    return saved


def mark_connection_refreshed(at: datetime) -> None:
    """Note when the connection's token was last refreshed."""
    Connection.update({Connection.last_refreshed_at: at}).execute()


def clear_connection() -> None:
    """Forget the connection (disconnect)."""
    Connection.delete().execute()
