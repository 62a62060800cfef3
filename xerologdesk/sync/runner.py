"""Bulk runs: every pending order (or a chosen set) through the engine in batches.

A run reconciles lost answers first, then feeds the engine batches of orders, reports progress,
stops between batches when cancelled, waits out a minute rate limit, and stops with a plain
message on trouble that won't pass within the run (a day limit, Xero down, a dead connection).
Orders it could not finish stay *Pending* for the next run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from xerologdesk.store import book
from xerologdesk.sync.engine import Action, OrderResult, RunContext, Status, SyncEngine
from xerologdesk.xero.errors import AuthFailed, RateLimited, TransientError

log = logging.getLogger(__name__)

BATCH_ORDERS = 500
# A minute limit is waited out inside the run; anything longer ends the run.
MAX_WAIT_SECONDS = 90


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    succeeded: int
    failed: int
    elapsed: float
    latest: tuple[OrderResult, ...] = ()  # the orders that changed since the last report

    @property
    def seconds_left(self) -> float | None:
        if not self.done or self.done >= self.total:
            return None
        return self.elapsed / self.done * (self.total - self.done)


@dataclass
class RunSummary:
    results: list[OrderResult] = field(default_factory=list)
    stopped: str = ""  # why the run ended early, in plain words ("" when it finished)
    retry_after: float | None = None
    reconnect: bool = False
    cancelled: bool = False

    def count(self, status: Status) -> int:
        return len({r.order_id for r in self.results if r.status is status})

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


class SyncRunner:
    """Runs the engine over many orders, in batches, cancellably."""

    def __init__(
        self,
        engine: SyncEngine,
        *,
        batch_size: int = BATCH_ORDERS,
        wait: Callable[[float], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self._cancel = threading.Event()
        # wait(seconds) -> True when cancelled meanwhile; injectable so tests never sleep.
        self._wait = wait or self._cancel.wait
        self._clock = clock

    def cancel(self) -> None:
        """Stop after the batch under way (a batch is never cut in half)."""
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
        self._cancel.clear()
        summary = RunSummary()
        started = self._clock()
        context = RunContext()
        try:
            summary.results.extend(self.engine.reconcile())
        except (TransientError, AuthFailed) as error:
            return self._stopped(summary, error)
        queue = chosen if chosen is not None else book.pending_order_ids()
        total = len(queue)
        done = 0
        position = 0
        while position < len(queue):
            if self._cancel.is_set():
                summary.cancelled, summary.stopped = True, "Cancelled; the rest stay pending."
                break
            batch = [i for i in queue[position : position + self.batch_size]]
            try:
                latest = self.engine.sync(batch, action, context)
                summary.results.extend(latest)
            except RateLimited as error:
                wait = error.retry_after
                if error.problem == "day" or wait is None or wait > MAX_WAIT_SECONDS:
                    return self._stopped(summary, error)
                log.info("minute limit reached; waiting %.0f s", wait)
                if self._wait(wait):
                    summary.cancelled, summary.stopped = True, "Cancelled; the rest stay pending."
                    break
                continue  # the same batch again: a 429 means nothing was done
            except (TransientError, AuthFailed) as error:
                return self._stopped(summary, error)
            position += self.batch_size
            done = min(position, total)
            if progress:
                progress(
                    Progress(
                        done,
                        total,
                        summary.count(Status.SUCCEEDED),
                        summary.count(Status.FAILED),
                        self._clock() - started,
                        tuple(latest),
                    )
                )
        self._refresh_stock(summary)
        return summary

    def _stopped(self, summary: RunSummary, error: Exception) -> RunSummary:
        summary.stopped = str(error)
        summary.retry_after = getattr(error, "retry_after", None)
        summary.reconnect = isinstance(error, AuthFailed)
        return summary

    def _refresh_stock(self, summary: RunSummary) -> None:
        succeeded = [r.order_id for r in summary.results if r.status is Status.SUCCEEDED]
        if succeeded and self.engine.settings.get("retrieve_stock_on_hand"):
            try:
                self.engine.refresh_stock(succeeded)
            except (TransientError, AuthFailed) as error:
                log.warning("stock on hand not refreshed: %s", error)
