"""Send again and Accept: what to do about an order whose invoice was voided or deleted in Xero.

*Send again* creates a new invoice for the order the way any invoice is created: the order goes
back to *Pending* for a Retry (its note naming the invoice it replaces) and the runner sends it
through the outbox with a fresh Idempotency-Key; the check for an invoice already in Xero
ignores voided and deleted ones, so the dead invoice is never adopted again. Should the runner
be busy, the order waits *Pending* and the next sync sends it. *Accept* keeps the order as it is
and it no longer stands out. Neither is offered for an invoice that is not voided or deleted (a
paid one, say): those orders are left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from xerologdesk.store import xero_seen
from xerologdesk.store.vocabulary import Action
from xerologdesk.sync.runner import Progress, RunSummary, SyncRunner


@dataclass(frozen=True)
class SentAgain:
    """The orders put back to send (their note naming the invoice replaced, by order id) and
    the run that sent them (None when there was none to send)."""

    replaced: dict[int, str]
    summary: RunSummary | None


def send_again(
    runner: SyncRunner,
    order_ids: Sequence[int],
    now: Callable[[], datetime],
    progress: Callable[[Progress], None] | None = None,
) -> SentAgain:
    """Send a new invoice for each order whose invoice was voided or deleted in Xero."""
    replaced = xero_seen.ready_to_send_again(order_ids, now())
    if not replaced:
        return SentAgain({}, None)
    return SentAgain(replaced, runner.resolve(list(replaced), Action.RETRY, progress))


def accept(order_ids: Sequence[int], now: Callable[[], datetime]) -> list[int]:
    """Keep as they are the orders whose invoice was voided or deleted; the ids that changed."""
    return xero_seen.accept(order_ids, now())
