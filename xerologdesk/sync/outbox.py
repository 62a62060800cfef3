"""Every create sent to Xero goes through the outbox: recorded before it is sent, then settled.

A create is written to the outbox (its kind, a fresh Idempotency-Key and, for invoices, the
request whole) before it is sent, and marked *done* or *failed* with its answer. One whose answer
never came stays open (*pending*, *sent* or *unknown*), and :meth:`Outbox.reconcile` settles it
before anything is sent again: the invoice is looked up by its Reference and adopted, or the
request replayed under its key while Xero still keeps it, so an order is never invoiced twice.

Each row names the run that opened it (its claims' token, :mod:`xerologdesk.store.claims`): a
run settles its own rows and those of runs gone (ended, killed, their machine vanished), never
those of a run still under way on another desktop, which settles them itself.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from xerologdesk.store import book
from xerologdesk.store.book import OrderData
from xerologdesk.store.claims import Claims
from xerologdesk.store.db import write_transaction
from xerologdesk.store.vocabulary import Action, OutboxKind, OutboxState, Status
from xerologdesk.sync.guard import live_invoices
from xerologdesk.sync.results import BatchOrder, OrderResult, ResultWriter, order_result
from xerologdesk.xero.errors import AuthFailed, KeyInUse, OutcomeUnknown, Rejected, XeroError
from xerologdesk.xero.gateway import BATCH_SIZE, XeroGateway
from xerologdesk.xero.records import Created, NewInvoice, NewLine, XeroInvoice

log = logging.getLogger(__name__)

# A lost answer is asked again with the same Idempotency-Key: Xero replays what it did.
REPLAYS_AFTER_LOST_ANSWER = 2
# Xero keeps an Idempotency-Key for 6 minutes from the first call and replays that call's answer
# (docs/xero-behaviour.md); past that, the same request is a new one and makes second invoices.
IDEMPOTENCY_WINDOW = timedelta(minutes=6)
# A replay must reach Xero while it still keeps the key. The outbox row's age is counted from just
# before the first send, so it runs ahead of Xero's; the margin covers the replay's own way there
# (the rate budget may hold a call for a minute window, and a connect timeout is 10 s).
REPLAY_MARGIN = timedelta(seconds=90)
REPLAYED_NOTE = "Xero's answer to an earlier send, asked for again after it was lost."
FOUND_AFTER_LOST_ANSWER = (
    "Found in Xero after an earlier send whose answer was lost; not sent again."
)
# The payload's key naming the run that opened a row (its claims' token).
RUN_KEY = "run"
# Invoice requests under way at once (Xero allows 5 per organisation; the budget enforces it).
INVOICE_REQUESTS_IN_FLIGHT = 3

# How a batch of new records goes to Xero: the records and the request's Idempotency-Key in,
# the answer per record out (a gateway's create_contacts, create_items or create_invoices).
Send = Callable[[list[Any], str], list[Created]]


def deliver(send: Send, chunk: list[Any], request_key: str) -> list[Created]:
    """The network half of a send (safe on a worker thread: it writes nothing).

    Once a try may have taken effect (its answer lost), only a success settles the send: any
    later failure is raised as that :class:`OutcomeUnknown`, so the outbox row stays open
    and :meth:`Outbox.reconcile` settles it before anything is sent again.
    """
    attempts = 1 + REPLAYS_AFTER_LOST_ANSWER
    lost: OutcomeUnknown | None = None
    for attempt in range(1, attempts + 1):
        try:
            return send(chunk, request_key)
        except OutcomeUnknown as error:
            lost = error
            if attempt == attempts:
                raise
            # The same key again: Xero replays its first answer rather than redo it.
        except XeroError as error:
            if lost is None:
                raise
            raise lost from error
    raise AssertionError("unreachable")


class Senders:
    """The threads that carry batches to Xero (:func:`deliver`), a few at once, while the
    engine writes the outbox and the answers on its own thread.

    The composition root builds one and shuts it down on closing; :meth:`under_way` lets the
    tests' leftover-work check see a send that outlived its sync.
    """

    def __init__(self, workers: int = INVOICE_REQUESTS_IN_FLIGHT) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="xerologdesk-send")
        self._lock = threading.Lock()  # submit runs on the engine's thread, under_way anywhere
        self._sent: set[Future[list[Created]]] = set()

    def submit(self, send: Send, chunk: list[Any], request_key: str) -> Future[list[Created]]:
        """Deliver a batch on a pool thread; its answer to come."""
        future = self._pool.submit(deliver, send, chunk, request_key)
        with self._lock:
            self._forget_finished()
            self._sent.add(future)
        return future

    def under_way(self) -> int:
        """How many sends are queued or running."""
        with self._lock:
            self._forget_finished()
            return len(self._sent)

    def _forget_finished(self) -> None:
        self._sent = {each for each in self._sent if not each.done()}

    def shutdown(self) -> None:
        """Wait for the sends under way, then end the threads."""
        self._pool.shutdown(wait=True)


def orders_awaiting_answer() -> dict[str, int]:
    """The orders (id by ref) in invoice requests whose answer is still unknown: none of them
    is sent again until :meth:`Outbox.reconcile` settles it."""
    return book.order_ids_for_refs(book.invoice_refs_awaiting_answer())


def settled_here(rows: Sequence[book.OutboxRow], claims: Claims) -> list[book.OutboxRow]:
    """The rows a run with these claims settles: its own, those of runs gone, and those written
    before rows named their run."""
    tokens = {row.payload.get(RUN_KEY) for row in rows} - {None}
    mine = claims.gone(tokens) | {claims.token, None}
    return [row for row in rows if row.payload.get(RUN_KEY) in mine]


@dataclass(frozen=True)
class Awaiting:
    """The orders whose earlier send has no answer yet: those whose answer this run asks for
    (id by ref), and those of another run still under way (left to it)."""

    mine: dict[str, int]
    others: set[int]


def awaiting_answer(claims: Claims) -> Awaiting:
    """The orders awaiting an answer, as a run with these claims sees them."""
    rows = [row for row in book.outbox_unfinished() if row.kind == OutboxKind.INVOICE]
    mine = {row.id for row in settled_here(rows, claims)}
    ids = book.order_ids_for_refs(ref for row in rows for ref in row.payload.get("refs", []))
    refs = {row.id: row.payload.get("refs", []) for row in rows}
    own = {ref: ids[ref] for row in mine for ref in refs[row] if ref in ids}
    others = {ids[ref] for row in refs if row not in mine for ref in refs[row] if ref in ids}
    return Awaiting(own, others - set(own.values()))


@dataclass(frozen=True)
class CreationMark:
    """Where the outbox stood, for records of one kind, when a run began looking them up in
    Xero: its newest row, and the rows of that kind still without an answer then."""

    kind: OutboxKind
    last: int
    unanswered: frozenset[int]

    @classmethod
    def now(cls, kind: OutboxKind) -> CreationMark:
        unanswered = frozenset(row.id for row in book.outbox_unfinished() if row.kind == kind)
        return cls(kind, book.outbox_last_id(), unanswered)

    def passed_by(self, token: int) -> bool:
        """Whether a record of the kind may have reached Xero since, other than by the run with
        ``token``: a row another run opened after the mark, or one unanswered at the mark (a
        create under way while the run looked up, or lost)."""
        rows = book.outbox_rows_of(self.kind, self.last, self.unanswered)
        return any(row.id in self.unanswered or row.payload.get(RUN_KEY) != token for row in rows)


class Outbox:
    """Records, sends and settles creates; settles those whose answer was lost."""

    def __init__(
        self, gateway: XeroGateway, writer: ResultWriter, now: Callable[[], datetime]
    ) -> None:
        self.gateway = gateway
        self.writer = writer
        self.now = now

    # -- sending -------------------------------------------------------------------------------

    def create(self, kind: OutboxKind, new: list[Any], send: Send, run: int) -> list[Created]:
        """Create records in batches of 50, each batch in the outbox (opened by the run with
        token ``run``) before it is sent."""
        results: list[Created] = []
        for start in range(0, len(new), BATCH_SIZE):
            chunk = new[start : start + BATCH_SIZE]
            keys = [
                getattr(each, "account_number", "") or getattr(each, "code", "") for each in chunk
            ]
            results.extend(self._send_batch(kind, chunk, keys, send, run))
        return results

    def _send_batch(
        self, kind: OutboxKind, chunk: list[Any], keys: list[str], send: Send, run: int
    ) -> list[Created]:
        """Send one batch under a fresh Idempotency-Key, recorded in the outbox first."""
        row, request_key = self.open(kind, keys, run)
        try:
            created = deliver(send, chunk, request_key)
        except XeroError as error:
            self.failed(row, error)
            raise
        self.done(row, created)
        return created

    def open(
        self, kind: OutboxKind, keys: list[str], run: int, invoices: Sequence[NewInvoice] = ()
    ) -> tuple[int, str]:
        """Record a send by the run with token ``run`` under a fresh key; its row and key.
        Invoices are kept whole, so that reconcile can replay the very same request while Xero
        keeps the key."""
        request_key = f"xld-{kind}-{uuid.uuid4()}"
        payload: dict[str, Any] = {"refs": keys, RUN_KEY: run}
        if invoices:
            payload["invoices"] = [_invoice_json(invoice) for invoice in invoices]
        row = book.outbox_add(kind, request_key, keys[0], payload, at=self.now())
        return row, request_key

    def failed(self, row: int, error: XeroError) -> None:
        """Mark a send that got no answer *unknown* (reconciled later), a refused one *failed*."""
        if isinstance(error, OutcomeUnknown):
            book.outbox_mark(row, OutboxState.UNKNOWN, at=self.now())
        else:
            book.outbox_mark(row, OutboxState.FAILED, response={"error": str(error)}, at=self.now())

    def done(
        self,
        row: int,
        created: list[Created],
        on_answer: Callable[[list[Created]], None] | None = None,
    ) -> None:
        """Mark a send done and store what its answer means in the same transaction: a crash
        can never leave a created invoice settled in the outbox but unrecorded on its order."""
        with write_transaction():
            book.outbox_mark(
                row,
                OutboxState.DONE,
                response={"ok": [c.key for c in created if c.ok]},
                at=self.now(),
            )
            if on_answer is not None:
                on_answer(created)

    # -- reconciling lost answers --------------------------------------------------------------

    def reconcile(self, results: list[OrderResult], claims: Claims) -> None:
        """Settle every create whose answer was lost that this run may settle (its own, and
        those of runs gone: :func:`settled_here`), before anything is sent again, each result
        appended to ``results`` as it is recorded.

        An invoice request is settled only once this run has claimed all its orders (another
        desktop may be settling it now): invoices are looked up by Reference and adopted when
        they arrived. A request with invoices not found that Xero still keeps the key of
        (:meth:`_replayable`) is replayed: the same Idempotency-Key and body get Xero's answer
        to the first send, even when that send was still being processed during the lookup,
        and the answer settles its orders as a first answer would. If the replay gets no answer
        either, the request stays open and its orders Pending: the engine sends none of them
        under a new key meanwhile. An older request not found is given up, and its orders are
        sent again. Contacts and items need nothing here, since the next lookup finds them if
        they arrived.

        A dead connection met by a replay is raised (transient trouble ends the replays quietly;
        a failed lookup is raised before anything is settled).
        """
        rows = settled_here(book.outbox_unfinished(), claims)
        for row in rows:
            if row.kind != OutboxKind.INVOICE:
                book.outbox_mark(row.id, OutboxState.ABANDONED, at=self.now())
        invoice_rows = [row for row in rows if row.kind == OutboxKind.INVOICE]
        ids = book.order_ids_for_refs(
            ref for row in invoice_rows for ref in row.payload.get("refs", [])
        )
        with claims.holding(ids.values()) as claimed:
            held = set(claimed.held)
            invoice_rows = [
                row
                for row in invoice_rows
                if all(ids[ref] in held for ref in row.payload.get("refs", []) if ref in ids)
            ]
            self._settle(invoice_rows, ids, results)

    def _settle(
        self, invoice_rows: list[book.OutboxRow], ids: dict[str, int], results: list[OrderResult]
    ) -> None:
        """Settle these invoice requests, whose orders (``ids``: by ref) this run holds (see
        :meth:`reconcile`)."""
        refs = [ref for row in invoice_rows for ref in row.payload.get("refs", [])]
        if not refs:
            return
        lookup = live_invoices(self.gateway, refs)
        found: dict[str, XeroInvoice] = {}
        for invoice in lookup.live:
            found.setdefault(invoice.reference, invoice)
        # Read after claiming them: another desktop may have settled some meanwhile.
        loaded = book.load_orders([ids[ref] for ref in dict.fromkeys(refs) if ref in ids])
        orders = {order.ref: order for order in loaded}
        for ref, invoice in found.items():
            order = orders.get(ref)
            if order is None or order.status == Status.SUCCEEDED:
                continue
            self.writer.record(
                order, Action.SYNC, Status.SUCCEEDED, [], {}, FOUND_AFTER_LOST_ANSWER, invoice
            )
            results.append(
                order_result(order, Status.SUCCEEDED, [], FOUND_AFTER_LOST_ANSWER, invoice)
            )
        replays = []
        with write_transaction():
            self.writer.flush()
            for row in invoice_rows:
                adopted = [ref for ref in row.payload.get("refs", []) if ref in found]
                if len(adopted) < len(row.payload.get("refs", [])) and self._replayable(row):
                    replays.append(row)
                    continue
                book.outbox_mark(
                    row.id,
                    OutboxState.DONE if adopted else OutboxState.ABANDONED,
                    response={"adopted": adopted},
                    at=self.now(),
                )
        for row in replays:
            trouble = self._replay(row, orders, set(found), lookup.dead, results)
            if isinstance(trouble, AuthFailed):
                raise trouble
            if trouble is not None and trouble.transient:
                break  # Xero is in trouble: the other requests wait for the next reconcile

    def _replayable(self, row: book.OutboxRow) -> bool:
        """Whether the row's request can be sent again as it was and Xero still keeps its key
        (rows written before requests were kept can't be)."""
        age = self.now() - row.created_at
        return "invoices" in row.payload and age < IDEMPOTENCY_WINDOW - REPLAY_MARGIN

    def _replay(
        self,
        row: book.OutboxRow,
        orders: dict[str, OrderData],
        adopted: set[str],
        dead: set[str],
        results: list[OrderResult],
    ) -> XeroError | None:
        """Send a lost invoice request again, key and body as they were; the trouble, when its
        answer is still unknown (the row then stays open). ``dead``: ids of invoices voided or
        deleted in Xero."""
        invoices = [_invoice_from_json(each) for each in row.payload["invoices"]]

        def unsettled(settled: set[str]) -> list[BatchOrder]:
            # Orders already settled (adopted above, or since) keep what they have.
            return [
                BatchOrder(orders[invoice.reference])
                for invoice in invoices
                if invoice.reference in orders
                and invoice.reference not in settled
                and orders[invoice.reference].status != Status.SUCCEEDED
            ]

        try:
            created = self.gateway.create_invoices(invoices, row.idempotency_key)
        except XeroError as error:
            # A refusal of the key (KeyInUse) says nothing of what became of the first send.
            if isinstance(error, Rejected) and not isinstance(error, KeyInUse):
                # Xero's first answer was a refusal of the whole request: replayed, it stands.
                self.failed(row.id, error)
                self.writer.refused(unsettled(adopted), Action.SYNC, error, results)
                return None
            log.warning("the replay of %s got no answer yet: %s", row.idempotency_key, error)
            book.outbox_mark(
                row.id, OutboxState.UNKNOWN, response={"replay": str(error)}, at=self.now()
            )
            return error
        # What the send made and someone voided since no longer stands for its order: the order
        # stays Pending and is sent again, as when no replay was possible.
        voided = {
            answer.key
            for answer in created
            if isinstance(answer.record, XeroInvoice) and answer.record.invoice_id in dead
        }
        settle = self.writer.settler(
            unsettled(adopted | voided), Action.SYNC, results, REPLAYED_NOTE
        )
        self.done(row.id, created, settle)
        return None


def _invoice_json(invoice: NewInvoice) -> dict[str, Any]:
    """An invoice as the outbox keeps it; amounts as text, so not a digit changes."""
    data = asdict(invoice)
    data["date"] = invoice.date.isoformat()
    data["due_date"] = invoice.due_date.isoformat() if invoice.due_date else None
    for line in data["lines"]:
        line["quantity"], line["unit_amount"] = str(line["quantity"]), str(line["unit_amount"])
    return data


def _invoice_from_json(data: dict[str, Any]) -> NewInvoice:
    """The invoice :func:`_invoice_json` kept: equal to the one sent, so its body is too."""
    lines = tuple(
        NewLine(
            **{
                **line,
                "quantity": Decimal(line["quantity"]),
                "unit_amount": Decimal(line["unit_amount"]),
            }
        )
        for line in data["lines"]
    )
    due = data.get("due_date")  # absent from rows written before the setting existed
    return NewInvoice(
        **{
            **data,
            "date": date.fromisoformat(data["date"]),
            "due_date": date.fromisoformat(due) if due else None,
            "lines": lines,
        }
    )
