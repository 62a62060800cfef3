"""Orders imported again with different content: what the file changes in each, whether it
may be replaced, and what the report says of it.

:func:`changed_orders` finds, for the orders :func:`~xerologdesk.store.import_writer.write`
found already in the book with a different content digest, what differs (in words) and what
keeps each as it is: an invoice in Xero, or a send of its invoice awaiting Xero's answer. The
writer replaces the replaceable ones when asked to; :func:`reported` says what became of each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xerologdesk.store import readers
from xerologdesk.store.book import (
    OrderData,
    chunks,
    invoice_refs_awaiting_answer,
    load_orders,
    tuples,
)
from xerologdesk.store.import_report import ImportConflict
from xerologdesk.store.models import LogEntry
from xerologdesk.store.values import shown
from xerologdesk.store.vocabulary import Status

if TYPE_CHECKING:  # the writer imports this module: the order is only named here
    from xerologdesk.store.import_writer import FileOrder


@dataclass
class Changed:
    """An order already in the book that the file gives with different content."""

    order: FileOrder
    order_id: int
    changes: list[str]  # what differs, in words ("posted_date 2026-05-01 -> 2026-05-02")
    # Why it may not be replaced: the invoice Xero has for it (its number, or "" when not
    # known), or an earlier send of its invoice still without an answer (Xero may have made it).
    invoice: str | None = None
    awaiting_answer: bool = False

    @property
    def replaceable(self) -> bool:
        """Whether it has no invoice in Xero, nor may have one: pending, failed or dismissed."""
        return self.invoice is None and not self.awaiting_answer


# The changes listed for one order; the rest are counted.
MAX_CHANGES = 5
_ARROW = "\u2192"


def changed_orders(orders: Mapping[int, FileOrder]) -> list[Changed]:
    """The orders (by id) the file changes: what differs, and what keeps each as it is."""
    if not orders:
        return []
    ids = list(orders)
    stored = {order.id: order for order in load_orders(ids)}
    invoiced = {
        order_id: number or ""
        for order_id, status, invoice_id, number in _log_states(ids)
        if status == Status.SUCCEEDED or invoice_id
    }
    awaiting = invoice_refs_awaiting_answer()
    return [
        Changed(
            order,
            order_id,
            _differences(stored[order_id], order),
            invoiced.get(order_id),
            order.ref in awaiting,
        )
        for order_id, order in orders.items()
    ]


def _log_states(ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """(order id, status, Xero invoice id and number) of these orders' log entries."""
    found: list[tuple[Any, ...]] = []
    for chunk in chunks(list(ids)):
        query = LogEntry.select(
            LogEntry.order, LogEntry.status, LogEntry.xero_invoice_id, LogEntry.xero_invoice_number
        ).where(LogEntry.order.in_(list(chunk)))
        found.extend(tuples(query))
    return found


def _differences(old: OrderData, new: FileOrder) -> list[str]:
    """What the file changes in an order, in words, the first :data:`MAX_CHANGES` of them."""
    found = [
        f"{name} {shown(before)} {_ARROW} {shown(after)}"
        for name, before, after in (
            ("posted_date", old.posted_date.isoformat(), new.posted_date),
            ("currency", old.currency, new.currency),
            ("customer_reference", old.customer.reference, new.customer_ref),
        )
        if after is not None and str(before) != str(after)
    ]
    before = [(line.sku, line.quantity, line.unit_price) for line in old.lines]
    for number in range(1, max(len(before), len(new.lines)) + 1):
        was = before[number - 1] if number <= len(before) else None
        now = new.lines[number - 1] if number <= len(new.lines) else None
        if was == now:
            continue
        if was is None:
            found.append(f"line {number} added: {_line_words(now)}")
        elif now is None:
            found.append(f"line {number} removed: {_line_words(was)}")
        else:
            found.append(f"line {number}: {_line_words(was)} {_ARROW} {_line_words(now)}")
    if len(found) > MAX_CHANGES:
        found[MAX_CHANGES:] = [f"{len(found) - MAX_CHANGES} more changes"]
    return found or ["its content"]


def _line_words(line: Any) -> str:
    sku, quantity, price = line
    return f"{shown(sku)} \u00d7 {shown(quantity)} at {shown(price)}"


def reported(
    name: str,
    conflicts: Sequence[Changed],
    replaced: Sequence[Changed],
    text: str | None,
    is_json: bool,
) -> tuple[list[ImportConflict], list[ImportConflict]]:
    """The conflicts (orders left as they were) and replaced orders of the file ``name``, as
    the report gives them (``text`` is needed only for a JSON file's line numbers)."""
    lines = readers.lines_of([each.order.loc for each in (*conflicts, *replaced)], text, is_json)
    conflict, replacement = (
        [
            ImportConflict(
                name,
                readers.line_of(each.order.loc, lines),
                each.order.ref,
                _said(each, was_replaced),
                tuple(each.changes),
                each.replaceable,
                each.order_id,
            )
            for each in group
        ]
        for group, was_replaced in ((conflicts, False), (replaced, True))
    )
    return conflict, replacement


def _said(changed: Changed, replaced: bool) -> str:
    """What became of an order the file changes, and why."""
    ref, changes = shown(changed.order.ref), "; ".join(changed.changes)
    if replaced:
        return f"order {ref} was replaced by the file's content ({changes}); it is pending again"
    differs = f"order {ref} was already imported with different content ({changes})"
    if changed.awaiting_answer:
        return (
            f"{differs}; it was left as it was: an earlier send of its invoice has no answer "
            "from Xero yet (Xero may have made it); sync, then import it again"
        )
    if changed.invoice is not None:
        invoice = f"invoice {changed.invoice}" if changed.invoice else "an invoice"
        return (
            f"{differs}; it was left as it was: it is in Xero as {invoice}, which an import "
            "never changes; change the invoice in Xero itself"
        )
    return f"{differs}; it was left as it was: it has no invoice in Xero, so it can be replaced"
