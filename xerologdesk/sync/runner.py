"""Bulk runs: every pending order (or a chosen set) through the engine in batches.

A run takes the data directory's sync lock (one run at a time, whichever process: see
:mod:`xerologdesk.sync.lock`), reconciles lost answers, then feeds the engine batches of orders,
reports progress and stops between batches when cancelled.

Each batch is claimed before it is sent (:mod:`xerologdesk.store.claims`), so the desktops of a
team syncing one PostgreSQL log at once split the pending orders: an order another desktop's run
holds is left to it (a resolve of chosen orders says so: ``RunSummary.elsewhere``). A claim is
let go once the order's outcome is committed: when its batch is done, and all of the run's when
it ends.

Transient trouble (5xx, timeouts, dropped connections, rate limits, offline) never fails an order:
the engine leaves the orders it could not finish *Pending* with the error noted, and the run waits
(:mod:`xerologdesk.sync.backoff`: growing waits with jitter, Xero's ``Retry-After`` respected,
offline paused until the network is back) and tries the same batch again. Before that retry it
reconciles once more, so an invoice whose answer was lost is found and adopted, never sent twice,
and it reads the price list again, since an item whose answer was lost may have been created.
Trouble that won't pass within the run (a day limit, too many failures in a row, a long outage, a
dead connection) ends it with a plain message and the time it is worth trying again.

No one order can hold the others. A batch that Xero keeps failing (:data:`SPLIT_AFTER` times in a
row, with an internal error: 500) is split in halves, each tried after the batches already queued,
so an order whose content makes Xero fail ends up alone: it stays *Pending* (tried again at the
next sync, its note saying so) and the others go on. And reconciling is bounded: when lost
answers cannot be settled within :data:`RECONCILE_TRIES` tries, the run goes on with the other
orders, and the ones that wait for an answer are named (``RunSummary.waiting_on``) and noted in
the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NoReturn

from xerologdesk.store import book
from xerologdesk.store.claims import Claims
from xerologdesk.store.db import check_still_here
from xerologdesk.sync.backoff import NO_RETRIES, Backoff, BackoffPolicy, Step, clause
from xerologdesk.sync.engine import (
    AWAITING_ANSWER,
    ELIGIBLE,
    Action,
    Creating,
    RunContext,
    Status,
    SyncEngine,
)
from xerologdesk.sync.lock import SyncBusy, SyncLock
from xerologdesk.sync.outbox import awaiting_answer
from xerologdesk.sync.results import OrderResult
from xerologdesk.sync.stock import refresh_stock
from xerologdesk.xero.errors import AuthFailed, TransientError, Unavailable, XeroError

log = logging.getLogger(__name__)

BATCH_ORDERS = 500
CANCELLED = "Cancelled; the rest stay pending."
# Tries of one batch failing on Xero's side (5xx) before it is split in halves; the back-off's
# limit of failures in a row (6) still ends a run in an outage, where every half fails too.
SPLIT_AFTER = 2
# Tries of reconciling lost answers before the run goes on without those orders.
RECONCILE_TRIES = 2
# Why a chosen order was left as it was: another desktop's run holds it.
SYNCED_ELSEWHERE = "being synced on another desktop"
HELD_BACK = (
    "Xero failed on this order alone {tries} times in a row ({error}); the other orders went on. "
    "It is tried again at the next sync."
)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    succeeded: int
    failed: int
    elapsed: float
    latest: tuple[OrderResult, ...] = ()  # the orders that changed since the last report
    # While the run waits out transient trouble: why, and for how many seconds.
    note: str = ""
    waiting: float | None = None

    @property
    def seconds_left(self) -> float | None:
        if not self.done or self.done >= self.total:
            return None
        return self.elapsed / self.done * (self.total - self.done)


@dataclass
class RunSummary:
    results: list[OrderResult] = field(default_factory=list)
    stopped: str = ""  # why the run ended early, in plain words ("" when it finished)
    retry_after: float | None = None  # Xero's Retry-After on the trouble that ended the run
    # When it is worth trying again after the run gave up on transient trouble (UTC).
    try_again_at: datetime | None = None
    reconnect: bool = False
    cancelled: bool = False
    busy_pid: int | None = None  # another process was syncing this data directory
    retries: int = 0  # tries that met transient trouble and were made again
    # Orders left pending because an earlier send of theirs has no answer yet (by ref).
    waiting_on: list[str] = field(default_factory=list)
    # Orders Xero kept failing on alone, left pending so the others could go (by ref).
    held_back: list[str] = field(default_factory=list)
    # Chosen orders another desktop's run was syncing, left as they were (by ref).
    elsewhere: list[str] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return len({r.order_id for r in self.results if r.status is status})

    @property
    def busy(self) -> bool:
        """True when the run never started because another one holds the data directory."""
        return self.stopped != "" and self.busy_pid is not None

    @property
    def line(self) -> str:
        """``synced N: S succeeded, F failed, P pending``."""
        final: dict[int, Status] = {}
        for result in self.results:
            final[result.order_id] = result.status
        statuses = list(final.values())
        return (
            f"synced {len(statuses)}: {statuses.count(Status.SUCCEEDED)} succeeded, "
            f"{statuses.count(Status.FAILED)} failed, {statuses.count(Status.PENDING)} pending"
        )

    @property
    def elsewhere_note(self) -> str:
        """What became of the chosen orders another desktop was syncing ("" when none)."""
        return elsewhere_note(self.elsewhere)


def elsewhere_note(refs: Sequence[str]) -> str:
    """Chosen orders (by ref) left as they were, another desktop syncing them, in a sentence
    ("" when none)."""
    if not refs:
        return ""
    orders = "1 order is" if len(refs) == 1 else f"{len(refs)} orders are"
    return f"{orders} {SYNCED_ELSEWHERE}; left as they are: {', '.join(refs)}."


class _Stop(Exception):
    """Ends a run early; the summary already says why."""


def _may_come_of_content(error: XeroError) -> bool:
    """Whether Xero's trouble may come of what the request holds: an internal error (500),
    unlike unavailable (503), rate limits, timeouts or being offline, which split nothing."""
    return isinstance(error, Unavailable) and error.status == 500


@dataclass
class _Piece:
    """Orders tried together, and how many tries in a row Xero failed them."""

    ids: list[int]
    split: bool = False  # split off a batch Xero kept failing
    failures: int = 0
    claimed: bool = False  # its orders are this run's (those held elsewhere left out)


class SyncRunner:
    """Runs the engine over many orders, in batches, cancellably, one run at a time."""

    def __init__(
        self,
        engine: SyncEngine,
        *,
        batch_size: int = BATCH_ORDERS,
        wait: Callable[[float], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
        backoff: BackoffPolicy | None = None,
        lock: SyncLock | None = None,
        claims: Callable[[], Claims] = Claims,
    ) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self._cancel = threading.Event()
        # wait(seconds) -> True when cancelled meanwhile; injectable so tests never sleep.
        self._wait = wait or self._cancel.wait
        self._clock = clock
        # None: the run stops at the first transient trouble (tests driving the runner
        # directly); the app passes its policy.
        self.backoff = backoff or NO_RETRIES
        # None: no cross-process lock (tests driving the runner directly); the app passes one.
        self.lock = lock
        # A new run's claims (the app's are its database's; the default claims every order).
        self.claims = claims

    def cancel(self) -> None:
        """Stop after the batch under way (a batch is never cut in half), or during a wait."""
        self._cancel.set()

    def sync_pending(self, progress: Callable[[Progress], None] | None = None) -> RunSummary:
        """Sync every *Pending* order."""
        return self._run(None, Action.SYNC, progress)

    def resolve(
        self,
        order_ids: Sequence[int],
        action: Action,
        progress: Callable[[Progress], None] | None = None,
        creating: Creating | None = None,
    ) -> RunSummary:
        """Auto Sync or Retry the given orders (an Auto Sync creating only ``creating``, when
        given: see :class:`Creating`)."""
        return self._run(list(order_ids), action, progress, creating)

    def _run(
        self,
        chosen: list[int] | None,
        action: Action,
        progress: Callable[[Progress], None] | None,
        creating: Creating | None = None,
    ) -> RunSummary:
        # A Cancel pressed before the run began still counts; the flag is cleared when the run
        # ends, so the runner can run again.
        summary = RunSummary()
        if self.lock is not None:
            try:
                self.lock.acquire()
            except SyncBusy as busy:
                summary.stopped, summary.busy_pid = str(busy), busy.pid or 0
                return summary
        claims = self.claims()
        try:
            claims.open()
            _Run(
                self.engine,
                summary,
                action,
                progress,
                batch_size=min(self.batch_size, claims.most or self.batch_size),
                backoff=Backoff(self.backoff, self._clock),
                clock=self._clock,
                wait=self._wait,
                cancel=self._cancel,
                context=RunContext(creating=creating, claims=claims),
            ).run(chosen)
        except _Stop:
            pass
        finally:
            claims.close()
            if self.lock is not None:
                self.lock.release()
            self._cancel.clear()
        self._refresh_stock(summary)
        return summary

    def _refresh_stock(self, summary: RunSummary) -> None:
        succeeded = [r.order_id for r in summary.results if r.status is Status.SUCCEEDED]
        if succeeded and self.engine.settings.get("retrieve_stock_on_hand"):
            try:
                refresh_stock(self.engine.gateway, succeeded, self.engine.now)
            except (TransientError, AuthFailed) as error:
                log.warning("stock on hand not refreshed: %s", error)


class _Run:
    """One run's state: the summary so far, the back-off, the engine's run context (with the
    run's claims).

    ``clock``, ``wait`` and ``cancel`` are the runner's (see :class:`SyncRunner`): how time is
    told and waited out, and the flag that Cancel sets.
    """

    def __init__(
        self,
        engine: SyncEngine,
        summary: RunSummary,
        action: Action,
        progress: Callable[[Progress], None] | None,
        *,
        batch_size: int,
        backoff: Backoff,
        clock: Callable[[], float],
        wait: Callable[[float], bool],
        cancel: threading.Event,
        context: RunContext,
    ) -> None:
        self.engine = engine
        self.summary = summary
        self.action = action
        self.progress = progress
        self.batch_size = batch_size
        self.backoff = backoff
        self.clock = clock
        self.wait = wait
        self.cancel = cancel
        self.context = context
        self.claims = context.claims
        self.started = clock()
        self.done = 0
        self.total = 0
        self.waiting: set[int] = set()  # orders whose earlier send has no answer yet
        self.chosen = False  # a resolve of chosen orders (else a sync of the pending ones)

    def run(self, chosen: list[int] | None) -> None:
        self.chosen = chosen is not None
        self._reconcile()
        queue = chosen if chosen is not None else book.pending_order_ids()
        queue = [each for each in queue if each not in self.waiting]
        self.total = len(queue)
        size = self.batch_size
        pieces = deque(_Piece(queue[start : start + size]) for start in range(0, len(queue), size))
        while pieces:
            self._check_cancelled()
            check_still_here()  # a deleted or replaced file would swallow what comes next
            piece = pieces[0]
            self.claims.release(each for each in piece.ids if each in self.waiting)
            piece.ids = [each for each in piece.ids if each not in self.waiting]
            if not piece.claimed:
                self._claim(piece)
            latest, trouble = self._sync(piece.ids)
            if trouble is None:
                pieces.popleft()
                self.claims.release(piece.ids)  # their outcomes are committed
                self._finished(len(piece.ids), latest)
                continue
            # The same piece again, after the wait: only its unsettled orders go.
            settled = {r.order_id for r in latest if r.status is not Status.PENDING}
            self.claims.release(settled)
            piece.ids = [each for each in piece.ids if each not in settled]
            piece.failures += 1
            self.done += len(settled)
            if piece.failures < SPLIT_AFTER or not _may_come_of_content(trouble):
                continue
            if len(piece.ids) > 1:
                pieces.popleft()
                half = len(piece.ids) // 2
                pieces.extend(
                    _Piece(ids, split=True, claimed=True)
                    for ids in (piece.ids[:half], piece.ids[half:])
                )
            elif piece.split and self.summary.count(Status.SUCCEEDED):
                # Xero takes the others: it is this order. (Not counted as progress: in an
                # outage of 500s the back-off still ends the run.)
                pieces.popleft()
                self._hold_back(piece, trouble)
            elif len(pieces) > 1:
                pieces.rotate(-1)  # the others first: they show whether Xero fails only on it
                piece.failures = 0
        check_still_here()

    def _claim(self, piece: _Piece) -> None:
        """Claim a piece's orders before it is first tried: those another desktop's run holds
        are left to it (and named, when chosen), those settled meanwhile are left out."""
        claimed = self.claims.claim(piece.ids, ELIGIBLE[self.action])
        if self.chosen:
            refs = {order.id: order.ref for order in book.load_orders(claimed.elsewhere)}
            self.summary.elsewhere.extend(refs[each] for each in claimed.elsewhere if each in refs)
        self.total -= len(piece.ids) - len(claimed.held)
        piece.ids, piece.claimed = claimed.held, True

    def _finished(self, count: int, latest: tuple[OrderResult, ...]) -> None:
        self.done = min(self.done + count, self.total)
        self._report(latest)

    def _hold_back(self, piece: _Piece, trouble: XeroError) -> None:
        """Leave an order Xero keeps failing on alone *Pending*, saying so, and go on."""
        note = HELD_BACK.format(tries=piece.failures, error=clause(str(trouble)))
        book.note_pending(piece.ids, note, self.engine.now())
        self.claims.release(piece.ids)
        refs = {r.order_id: r.order_ref for r in self.summary.results}
        self.summary.held_back.extend(refs.get(each, str(each)) for each in piece.ids)
        log.warning("held back %s: %s", piece.ids, note)
        self._finished(len(piece.ids), ())

    def _sync(self, batch: list[int]) -> tuple[tuple[OrderResult, ...], XeroError | None]:
        """One try of a batch: the orders it changed, and the transient trouble that ended it
        (waited out, and lost answers reconciled, so the batch can be tried again)."""
        start = len(self.context.results)
        try:
            self.engine.sync(batch, self.action, self.context)
        except TransientError as error:
            latest = self._collect(start)
            self._wait_out(error, latest)
            # A create may have landed unanswered: re-read the price list, adopt lost invoices.
            self.context.forget_price_list()
            self._reconcile()
            return latest, error
        except AuthFailed as error:
            self._collect(start)
            self._stop(error)
        return self._collect(start), None

    def _collect(self, start: int) -> tuple[OrderResult, ...]:
        """The results the engine added since ``start``, into the summary."""
        latest = tuple(self.context.results[start:])
        self.summary.results.extend(latest)
        if any(result.status is not Status.PENDING for result in latest):
            self.backoff.progressed()
        return latest

    def _reconcile(self) -> None:
        """Settle lost answers, waiting out transient trouble as a batch does, at most
        :data:`RECONCILE_TRIES` times: then the run goes on, and the orders still waiting for an
        answer are left out of it and named. What was settled counts in the summary whatever
        ends the reconcile (a replay meeting a dead connection)."""
        trouble: XeroError | None = None
        for attempt in range(1, RECONCILE_TRIES + 1):
            self._check_cancelled()
            start = len(self.context.results)
            try:
                self.engine.reconcile(self.context)
            except TransientError as error:
                trouble, latest = error, self._collect(start)
                if attempt < RECONCILE_TRIES:
                    self._wait_out(error, latest)
                continue
            except AuthFailed as error:
                self._collect(start)
                self._stop(error)
            except XeroError as error:  # a look-up Xero refuses: the others must still go
                log.warning("reconciling stopped: Xero refused the look-up: %s", error)
                trouble = error
                self._collect(start)
                break
            self._collect(start)
            trouble = None
            break
        self._note_waiting(trouble)

    def _note_waiting(self, trouble: XeroError | None) -> None:
        """Leave out of the run the orders whose earlier send still has no answer, and say so
        of those whose answer this run asks for (another desktop's run still under way asks
        for its own)."""
        awaiting = awaiting_answer(self.claims)
        waiting = awaiting.mine
        self.waiting = set(waiting.values()) | awaiting.others
        self.summary.waiting_on = sorted(waiting)
        if not waiting:
            return
        note = AWAITING_ANSWER + (f" ({clause(str(trouble))})" if trouble else "") + "."
        book.note_pending(list(waiting.values()), note, self.engine.now())
        log.warning("waiting for Xero's answer about %s", ", ".join(sorted(waiting)))

    def _wait_out(self, error: TransientError, latest: tuple[OrderResult, ...]) -> None:
        """Wait before trying again (cancellable), or stop the run."""
        step = self.backoff.after(error)
        if step.stop:
            self._stop(error, step)
        self.summary.retries += 1
        log.info("%s; trying again in %.1f s", error, step.wait)
        self._report(latest, note=str(error), waiting=step.wait)
        if self.wait(step.wait):
            self._cancelled()

    def _report(
        self, latest: tuple[OrderResult, ...], note: str = "", waiting: float | None = None
    ) -> None:
        if self.progress is None:
            return
        self.progress(
            Progress(
                self.done,
                self.total,
                self.summary.count(Status.SUCCEEDED),
                self.summary.count(Status.FAILED),
                self.clock() - self.started,
                latest,
                note,
                waiting,
            )
        )

    def _check_cancelled(self) -> None:
        if self.cancel.is_set():
            self._cancelled()

    def _cancelled(self) -> NoReturn:
        self.summary.cancelled, self.summary.stopped = True, CANCELLED
        raise _Stop

    def _stop(self, error: XeroError, step: Step | None = None) -> NoReturn:
        summary = self.summary
        summary.reconnect = isinstance(error, AuthFailed)
        summary.stopped = step.message if step is not None else str(error)
        summary.retry_after = getattr(error, "retry_after", None)
        if step is not None and step.try_again_in is not None:
            summary.try_again_at = self.engine.now() + timedelta(seconds=step.try_again_in)
        raise _Stop
