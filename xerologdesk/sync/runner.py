"""Bulk runs: every pending order (or a chosen set) through the engine in batches.

A run takes the data directory's sync lock (one run at a time, whichever process: see
:mod:`xerologdesk.sync.lock`), reconciles lost answers, then feeds the engine batches of orders,
reports progress and stops between batches when cancelled.

Transient trouble (5xx, timeouts, dropped connections, rate limits, offline) never fails an order:
the engine leaves the orders it could not finish *Pending* with the error noted, and the run waits
(:mod:`xerologdesk.sync.backoff`: growing waits with jitter, Xero's ``Retry-After`` respected,
offline paused until the network is back) and tries the same batch again. Before that retry it
reconciles once more, so an invoice whose answer was lost is found and adopted, never sent twice,
and it reads the price list again, since an item whose answer was lost may have been created.
Trouble that won't pass within the run (a day limit, too many failures in a row, a long outage, a
dead connection) ends it with a plain message and the time it is worth trying again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NoReturn

from xerologdesk.store import book
from xerologdesk.store.db import check_still_here
from xerologdesk.sync.backoff import NO_RETRIES, Backoff, BackoffPolicy, Step
from xerologdesk.sync.engine import Action, OrderResult, RunContext, Status, SyncEngine
from xerologdesk.sync.lock import SyncBusy, SyncLock
from xerologdesk.xero.errors import AuthFailed, TransientError, XeroError

log = logging.getLogger(__name__)

BATCH_ORDERS = 500
CANCELLED = "Cancelled; the rest stay pending."


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


class _Stop(Exception):
    """Ends a run early; the summary already says why."""


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
    ) -> RunSummary:
        """Auto Sync or Retry the given orders."""
        return self._run(list(order_ids), action, progress)

    def _run(
        self,
        chosen: list[int] | None,
        action: Action,
        progress: Callable[[Progress], None] | None,
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
        try:
            _Run(self, summary, action, progress).run(chosen)
        except _Stop:
            pass
        finally:
            if self.lock is not None:
                self.lock.release()
            self._cancel.clear()
        self._refresh_stock(summary)
        return summary

    def _refresh_stock(self, summary: RunSummary) -> None:
        succeeded = [r.order_id for r in summary.results if r.status is Status.SUCCEEDED]
        if succeeded and self.engine.settings.get("retrieve_stock_on_hand"):
            try:
                self.engine.refresh_stock(succeeded)
            except (TransientError, AuthFailed) as error:
                log.warning("stock on hand not refreshed: %s", error)


class _Run:
    """One run's state: the summary so far, the back-off, the engine's run context."""

    def __init__(
        self,
        runner: SyncRunner,
        summary: RunSummary,
        action: Action,
        progress: Callable[[Progress], None] | None,
    ) -> None:
        self.runner = runner
        self.engine = runner.engine
        self.summary = summary
        self.action = action
        self.progress = progress
        self.backoff = Backoff(runner.backoff, runner._clock)
        self.context = RunContext()
        self.started = runner._clock()
        self.done = 0
        self.total = 0

    def run(self, chosen: list[int] | None) -> None:
        self._reconcile()
        queue = chosen if chosen is not None else book.pending_order_ids()
        self.total = len(queue)
        size = self.runner.batch_size
        position = 0
        while position < len(queue):
            self._check_cancelled()
            check_still_here()  # a deleted or replaced file would swallow what comes next
            latest = self._sync(queue[position : position + size])
            if latest is None:
                continue  # the same batch again, after the wait: only its unsettled orders go
            position += size
            self.done = min(position, self.total)
            self._report(latest)
        check_still_here()

    def _sync(self, batch: list[int]) -> tuple[OrderResult, ...] | None:
        """One try of a batch: the orders it changed, or None after transient trouble (waited
        out, and lost answers reconciled, so the batch can be tried again)."""
        start = len(self.context.results)
        try:
            self.engine.sync(batch, self.action, self.context)
        except TransientError as error:
            self._wait_out(error, self._collect(start))
            # A create may have landed unanswered: re-read the price list, adopt lost invoices.
            self.context.forget_price_list()
            self._reconcile()
            return None
        except AuthFailed as error:
            self._collect(start)
            self._stop(error)
        return self._collect(start)

    def _collect(self, start: int) -> tuple[OrderResult, ...]:
        """The results the engine added since ``start``, into the summary."""
        latest = tuple(self.context.results[start:])
        self.summary.results.extend(latest)
        if any(result.status is not Status.PENDING for result in latest):
            self.backoff.progressed()
        return latest

    def _reconcile(self) -> None:
        """Settle lost answers, waiting out transient trouble as a batch does. What was settled
        counts in the summary whatever ends the reconcile (a replay meeting a dead connection)."""
        while True:
            self._check_cancelled()
            start = len(self.context.results)
            try:
                self.engine.reconcile(self.context)
            except TransientError as error:
                self._wait_out(error, self._collect(start))
                continue
            except AuthFailed as error:
                self._collect(start)
                self._stop(error)
            self._collect(start)
            return

    def _wait_out(self, error: TransientError, latest: tuple[OrderResult, ...]) -> None:
        """Wait before trying again (cancellable), or stop the run."""
        step = self.backoff.after(error)
        if step.stop:
            self._stop(error, step)
        self.summary.retries += 1
        log.info("%s; trying again in %.1f s", error, step.wait)
        self._report(latest, note=str(error), waiting=step.wait)
        if self.runner._wait(step.wait):
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
                self.runner._clock() - self.started,
                latest,
                note,
                waiting,
            )
        )

    def _check_cancelled(self) -> None:
        if self.runner._cancel.is_set():
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
