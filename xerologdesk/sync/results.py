"""What became of each order in a sync: the results it returns, and their writing to the log.

The engine's steps, the adoption guard (:mod:`xerologdesk.sync.guard`) and the outbox's replays
(:mod:`xerologdesk.sync.outbox`) all settle orders through one :class:`ResultWriter`: each
outcome is queued as it is known, and :meth:`ResultWriter.flush` writes the queue to the order
book in one transaction, so a batch of thousands costs one write, not one per order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xerologdesk.store import book
from xerologdesk.store.book import OrderData
from xerologdesk.store.vocabulary import Action, OutboxKind, Status
from xerologdesk.sync import outcomes
from xerologdesk.sync.outcomes import Reason
from xerologdesk.xero.errors import AuthFailed, XeroError
from xerologdesk.xero.records import Created, XeroInvoice


@dataclass(frozen=True)
class OrderResult:
    """What happened to one order, for progress reports and the CLI."""

    order_id: int
    order_ref: str
    status: Status
    reasons: tuple[Reason, ...] = ()
    note: str = ""
    invoice_id: str = ""
    invoice_number: str = ""


@dataclass
class BatchOrder:
    """One order's progress through the batch."""

    data: OrderData
    reasons: list[Reason] = field(default_factory=list)
    missing_skus: list[str] = field(default_factory=list)
    item_codes: dict[str, str] = field(default_factory=dict)  # mapped SKUs' codes, by SKU key
    contact_id: str = ""
    trace: dict[str, Any] = field(default_factory=dict)
    done: bool = False


def order_result(
    order: OrderData,
    status: Status,
    reasons: Sequence[Reason],
    note: str,
    invoice: XeroInvoice | None,
) -> OrderResult:
    return OrderResult(
        order_id=order.id,
        order_ref=order.ref,
        status=status,
        reasons=tuple(reasons),
        note=note,
        invoice_id=invoice.invoice_id if invoice else "",
        invoice_number=invoice.invoice_number if invoice else "",
    )


class ResultWriter:
    """Queues orders' outcomes (dated by ``now``) and writes them to the log on a flush."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self._unwritten: list[book.AttemptRecord] = []

    def finish(
        self,
        order: BatchOrder,
        action: Action,
        status: Status,
        invoice: XeroInvoice | None = None,
        messages: Sequence[str] = (),
        note: str = "",
    ) -> OrderResult:
        """Settle ``order`` with its reasons and trace so far; its result."""
        order.done = True
        if messages and status is Status.SUCCEEDED:  # warnings on a created invoice
            note = " ".join(filter(None, [note, "Xero: " + " ".join(messages)]))
        self.record(order.data, action, status, order.reasons, order.trace, note, invoice, messages)
        return order_result(order.data, status, order.reasons, note, invoice)

    def leave_pending(self, order: BatchOrder, action: Action, error: XeroError) -> OrderResult:
        """Leave ``order`` *Pending*, noting the trouble it waits out (and the action it waits
        to carry out); its result."""
        order.done = True
        reasons = [outcomes.not_connected()] if isinstance(error, AuthFailed) else []
        note = outcomes.waiting_note(str(action), str(error))
        self.record(order.data, action, Status.PENDING, reasons, order.trace, note, None, [note])
        return order_result(order.data, Status.PENDING, reasons, note, None)

    def record(
        self,
        order: OrderData,
        action: Action,
        status: Status,
        reasons: Sequence[Reason],
        trace: dict[str, Any],
        note: str,
        invoice: XeroInvoice | None,
        messages: Sequence[str] = (),
    ) -> None:
        """Queue an order's outcome; :meth:`flush` writes the queue in one transaction."""
        self._unwritten.append(
            book.AttemptRecord(
                order.id,
                action=str(action),
                status=str(status),
                reasons=[reason.as_dict() for reason in reasons],
                trace=trace or None,
                note=note or None,
                at=self.now(),
                invoice_id=invoice.invoice_id if invoice else None,
                invoice_number=invoice.invoice_number if invoice else None,
                messages=list(messages) or [reason.message for reason in reasons],
            )
        )

    def flush(self) -> None:
        records, self._unwritten = self._unwritten, []
        book.record_attempts(records)

    def settler(
        self,
        chunk: list[BatchOrder],
        action: Action,
        results: list[OrderResult],
        note: str = "",
    ) -> Callable[[list[Created]], None]:
        """What records each order's answer from one invoice request (answers about orders not
        in ``chunk``, settled otherwise already, are left alone)."""
        by_ref = {order.data.ref: order for order in chunk}

        def settle(created: list[Created]) -> None:
            for answer in created:
                order = by_ref.get(answer.key)
                if order is None:
                    continue
                if answer.ok and isinstance(answer.record, XeroInvoice):
                    status, invoice = Status.SUCCEEDED, answer.record
                else:
                    order.reasons.append(
                        outcomes.xero_rejected(OutboxKind.INVOICE, answer.messages, order.data.ref)
                    )
                    status, invoice = Status.FAILED, None
                results.append(self.finish(order, action, status, invoice, answer.messages, note))
            self.flush()

        return settle

    def refused(
        self,
        chunk: list[BatchOrder],
        action: Action,
        error: XeroError,
        results: list[OrderResult],
    ) -> None:
        """The whole invoice request was refused (not one element): every order in it failed."""
        messages = getattr(error, "messages", [str(error)])
        for order in chunk:
            order.reasons.append(
                outcomes.xero_rejected(OutboxKind.INVOICE, messages, order.data.ref)
            )
            results.append(self.finish(order, action, Status.FAILED))
        self.flush()
