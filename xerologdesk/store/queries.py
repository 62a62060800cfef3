"""Reading the Xero integration log for the CLI's ``log`` command and the desktop's log table.

Filtering, searching, sorting and paging all happen in SQL against ``log_entry``, which carries
copies of the columns the log shows and indexes for the usual filters and sorts, so a page of a
million-order log costs the same as a page of a hundred. Counts by status come from the
trigger-kept ``status_count`` table, never from a scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import peewee

from xerologdesk.store.book import chunks, tuples
from xerologdesk.store.engines import current
from xerologdesk.store.models import Attempt, LogEntry, StatusCount, database
from xerologdesk.store.search import (
    count_matching,
    matching,
    narrow_matches,
    search_ids,
    tested_per_row,
)
from xerologdesk.store.vocabulary import STATUSES, XERO_DEAD, XERO_STATUSES

# A search matching at most this many orders is resolved to their ids first (one cheap index
# read), so its pages and count cost next to nothing; a broader one is read in the sort order,
# testing each row, which finds a page of a search matching most rows in a few milliseconds.
# 5,000: a customer's name matching a few thousand orders spread through the log ("Harbour Deli
# 7" on a million) is one such list; read in the sort order it took 60-150 ms to fill a page.
SEARCH_PROBE = 5000
# How long reading a broad search in the sort order may take before it gives up for the plan
# that reads every match first (a search whose matches all sit at the far end of the order).
SCAN_BUDGET_SECONDS = 0.08
# How long counting a search's first COUNT_AT_ONCE-or-so rows may take on the GUI thread before
# the count is left to a background thread: the user sees the first page sooner.
COUNT_BUDGET_SECONDS = 0.03


@dataclass(frozen=True)
class LogFilter:
    """Which orders the log shows: a status (None: all), search text, posted-date range."""

    status: str | None = None
    search: str = ""
    date_from: date | None = None
    date_to: date | None = None
    # The invoice's status in Xero as last refreshed (None: any, seen or not).
    xero_status: str | None = None
    # Only orders whose invoice was voided or deleted in Xero and not accepted (the badge).
    xero_flagged: bool = False

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.xero_status is not None and self.xero_status not in XERO_STATUSES:
            raise ValueError(
                f"Xero status {self.xero_status!r} is not one of {', '.join(XERO_STATUSES)}"
            )

    @property
    def status_only(self) -> bool:
        """True when only the status narrows it (then the trigger-kept counts answer)."""
        return not self.search.strip() and not self._narrowed_otherwise

    @property
    def search_only(self) -> bool:
        """True when only the search text narrows it (then its matches are the count)."""
        return bool(self.search.strip()) and self.status is None and not self._narrowed_otherwise

    @property
    def _narrowed_otherwise(self) -> bool:
        """A posted-date range or the invoice's status in Xero narrows it."""
        return (
            self.date_from is not None
            or self.date_to is not None
            or self.xero_status is not None
            or self.xero_flagged
        )


@dataclass(frozen=True)
class LogRow:
    """One order as the log shows it."""

    id: int
    order_ref: str
    posted_date: date
    customer_name: str
    customer_reference: str
    total: Decimal
    currency: str
    status: str
    attempts: int
    last_attempt_at: datetime | None
    reason_summary: str
    reasons: list[dict[str, Any]]
    xero_invoice_id: str | None
    xero_invoice_number: str | None
    note: str | None
    dismissed_reason: str | None
    dismissed_at: datetime | None
    pending_action: str | None = None  # an Auto Sync or Retry the order waits to have done
    # What the last refresh from Xero saw of the invoice (see sync.refresh).
    xero_status: str | None = None
    xero_amount_due: Decimal | None = None
    xero_seen_at: datetime | None = None
    xero_accepted: bool = False

    @property
    def xero_flagged(self) -> bool:
        """True when the invoice was voided or deleted in Xero and the order not accepted."""
        return self.xero_status in XERO_DEAD and not self.xero_accepted


@dataclass(frozen=True)
class AttemptRow:
    """One entry of an order's history."""

    at: datetime
    action: str
    outcome: str
    messages: list[str]
    reasons: list[dict[str, Any]]
    done_by: str  # user@machine ("" for entries made before it was kept)


_ROW_COLUMNS = (
    LogEntry.order,
    LogEntry.order_ref,
    LogEntry.posted_date,
    LogEntry.customer_name,
    LogEntry.customer_reference,
    LogEntry.total,
    LogEntry.currency,
    LogEntry.status,
    LogEntry.attempts,
    LogEntry.last_attempt_at,
    LogEntry.reason_summary,
    LogEntry.reasons,
    LogEntry.xero_invoice_id,
    LogEntry.xero_invoice_number,
    LogEntry.note,
    LogEntry.dismissed_reason,
    LogEntry.dismissed_at,
    LogEntry.pending_action,
    LogEntry.xero_status,
    LogEntry.xero_amount_due,
    LogEntry.xero_seen_at,
    LogEntry.xero_accepted,
)

# The columns the log can be sorted by, each with an index ending in the order id (the
# tie-breaker, so pages never overlap): a page in any order comes straight off an index. The
# currency is not a column of the log and has no index, so it is not a sort key.
SORT_KEYS: dict[str, peewee.Field] = {
    "order_ref": LogEntry.order_ref,
    "posted_date": LogEntry.posted_date,
    "customer_name": LogEntry.customer_name,
    "customer_reference": LogEntry.customer_reference,
    "total": LogEntry.total,
    "status": LogEntry.status,
    "attempts": LogEntry.attempts,
    "last_attempt_at": LogEntry.last_attempt_at,
    "reason_summary": LogEntry.reason_summary,
    "xero_invoice_number": LogEntry.xero_invoice_number,
    "xero_status": LogEntry.xero_status,
}


def _conditions(log_filter: LogFilter, *, scan: bool = False) -> list[Any]:
    """The filter as WHERE conditions; ``scan`` tests a broad search row by row (for reading
    in the sort order) instead of reading every match first."""
    conditions: list[Any] = []
    if log_filter.status is not None:
        conditions.append(LogEntry.status == log_filter.status)
    if log_filter.xero_status is not None:
        conditions.append(LogEntry.xero_status == log_filter.xero_status)
    if log_filter.xero_flagged:
        conditions.extend(_FLAGGED)
    if log_filter.date_from is not None:
        conditions.append(LogEntry.posted_date >= log_filter.date_from)
    if log_filter.date_to is not None:
        conditions.append(LogEntry.posted_date <= log_filter.date_to)
    text = log_filter.search.strip()
    if text:
        narrow = narrow_matches(text, SEARCH_PROBE)
        if narrow is not None:
            conditions.append(narrow)
        elif scan:
            conditions.append(tested_per_row(text))
        else:
            conditions.append(matching(text))
    return conditions


_FLAGGED = (
    LogEntry.xero_status.in_(list(XERO_DEAD)),
    LogEntry.xero_accepted == False,  # noqa: E712 (peewee builds SQL from ==)
)


class _OutOfTime(Exception):
    """A query ran past its budget and was interrupted."""


@contextmanager
def _budget(seconds: float) -> Iterator[None]:
    """Interrupt this thread's queries that run longer than ``seconds`` (:class:`_OutOfTime`)."""
    engine = current()
    with engine.time_limit(database, seconds):
        try:
            yield
        # Interrupted while fetching, the driver's own error arrives (peewee wraps only
        # execute).
        except Exception as error:
            if engine.interrupted(error):
                raise _OutOfTime from error
            raise


def _filtered(log_filter: LogFilter, *columns: Any, scan: bool = False) -> Any:
    query = LogEntry.select(*columns)
    conditions = _conditions(log_filter, scan=scan)
    return query.where(*conditions) if conditions else query


def status_counts() -> dict[str, int]:
    """How many orders are in each status (every status present, zero included)."""
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    counts.update(tuples(StatusCount.select(StatusCount.status, StatusCount.count)))
    return counts


def count_xero_flagged() -> int:
    """How many orders' invoices were voided or deleted in Xero and not accepted (the badge):
    a count over the Xero status index, quick at any size."""
    return int(LogEntry.select(peewee.fn.COUNT(peewee.SQL("*"))).where(*_FLAGGED).scalar())


def count_log(log_filter: LogFilter) -> int:
    """How many orders the filter shows (exact: a broad search over a huge log takes a few
    hundred milliseconds, see :func:`count_log_at_most`), counted by one process of the
    database (counting in the background, the window reads pages meanwhile)."""
    if log_filter.status_only:
        counts = status_counts()
        return counts[log_filter.status] if log_filter.status else sum(counts.values())
    with current().one_process(database):
        if log_filter.search_only:
            return count_matching(log_filter.search)
        return int(_filtered(log_filter, peewee.fn.COUNT(peewee.SQL("*"))).scalar())


def count_log_at_most(log_filter: LogFilter, limit: int) -> int | None:
    """How many orders the filter shows, when at most ``limit``; None when more (or when
    finding out would take long): quick whatever the log's size."""
    if log_filter.status_only:
        count = count_log(log_filter)
        return count if count <= limit else None
    text = log_filter.search.strip()
    ids = search_ids(text, SEARCH_PROBE) if text else None
    if text and ids is None:
        # Broad: counting even its first ``limit`` matches row by row would hold up the first
        # page (30 ms for "Bakery" on a million orders), so leave it to the exact count.
        return None
    if ids is not None and log_filter.search_only:
        # Nothing but the search narrows it: its matches are the count, without reading each
        # matching order's row again (17 ms for 3,000 matches in a fresh process).
        return len(ids) if len(ids) <= limit else None
    inner = _filtered(log_filter, peewee.SQL("1"), scan=True).limit(limit + 1)
    try:
        with _budget(COUNT_BUDGET_SECONDS):
            count = int(LogEntry.select(peewee.fn.COUNT(peewee.SQL("*"))).from_(inner).scalar())
    except _OutOfTime:
        return None
    return count if count <= limit else None


def _row(values: Sequence[Any]) -> LogRow:
    return LogRow(*values)


def page_log(
    log_filter: LogFilter,
    sort_key: str = "posted_date",
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[LogRow]:
    """A page of the filtered log sorted by ``sort_key`` (a key of :data:`SORT_KEYS`);
    ``limit=None`` for every row from ``offset`` on."""

    def read(scan: bool) -> list[LogRow]:
        query = _page_query(log_filter, sort_key, descending, offset, limit, scan=scan)
        return [_row(values) for values in tuples(query)]

    if log_filter.search.strip() and limit is not None:
        # A broad search: read in the sort order testing each row (quick when matches are
        # common near this end), else every match first (the cost of reading them all).
        try:
            with _budget(SCAN_BUDGET_SECONDS):
                return read(scan=True)
        except _OutOfTime:
            pass
    return read(scan=False)


def _page_query(
    log_filter: LogFilter,
    sort_key: str,
    descending: bool,
    offset: int,
    limit: int | None,
    *,
    scan: bool = False,
) -> Any:
    try:
        key = SORT_KEYS[sort_key]
    except KeyError:
        raise ValueError(
            f"cannot sort the log by {sort_key!r}; choose one of {', '.join(SORT_KEYS)}"
        ) from None
    direction = "desc" if descending else "asc"
    order = (getattr(key, direction)(), getattr(LogEntry.order, direction)())
    ids_first = current().ids_first
    # SQLite reads a narrow search's page this way too: its matches sorted by the key and id
    # alone, then the page's rows, where sorting every match's whole row took twice as long
    # (3,000 matches of "Harbour Deli 7": 5 ms instead of 10 once their rows are read).
    if limit is not None and (ids_first or _narrow(log_filter)):
        if ids_first and _narrow(log_filter):
            # A few thousand matches at most: each read (off the indexes that find them), then
            # sorted. OFFSET 0 keeps the planner from walking the sort's index instead, testing
            # each row for a customer's names ("Harbour Deli 7": 35-50 ms instead of 7).
            matched = _filtered(log_filter, LogEntry.order, key, scan=scan).offset(0)
            matched = matched.alias("matched")
            columns = (matched.c[key.column_name], matched.c[LogEntry.order.column_name])
            found = peewee.Select([matched], [columns[1]])
            ids = found.order_by(*(getattr(column, direction)() for column in columns))
        else:
            ids = _filtered(log_filter, LogEntry.order, scan=scan).order_by(*order)
        ids = ids.offset(max(offset, 0)).limit(limit)
        return LogEntry.select(*_ROW_COLUMNS).where(LogEntry.order.in_(ids)).order_by(*order)
    query = _filtered(log_filter, *_ROW_COLUMNS, scan=scan).order_by(*order)
    query = query.offset(max(offset, 0))
    return query if limit is None else query.limit(limit)


def _narrow(log_filter: LogFilter) -> bool:
    """Whether the filter's search matches few orders (see :func:`search_ids`)."""
    text = log_filter.search.strip()
    return bool(text) and search_ids(text, SEARCH_PROBE) is not None


def page_plan(log_filter: LogFilter, sort_key: str, descending: bool = False) -> list[str]:
    """How the database reads a page of :func:`page_log` (its query plan's steps): a sort
    that reads the whole log says ``USE TEMP B-TREE FOR ORDER BY`` on SQLite, ``Sort`` below
    the ``Limit`` on PostgreSQL."""
    sql, params = _page_query(log_filter, sort_key, descending, 0, 100).sql()
    return current().plan(database, sql, params)


def log_rows(order_ids: Iterable[int]) -> dict[int, LogRow]:
    """The log rows of these orders (to repaint only rows that changed), by order id."""
    rows: dict[int, LogRow] = {}
    for chunk in chunks(list(dict.fromkeys(order_ids))):
        query = LogEntry.select(*_ROW_COLUMNS).where(LogEntry.order.in_(list(chunk)))
        rows.update((values[0], _row(values)) for values in tuples(query))
    return rows


def log_row(order_id: int) -> LogRow | None:
    """One order's log row, or None if there is no such order."""
    return log_rows([order_id]).get(order_id)


def lookup_trace(order_id: int) -> dict[str, Any] | None:
    """What the order's last sync looked up in Xero and found (None before one did): one row by
    key, cheap enough for the GUI thread."""
    found = tuples(LogEntry.select(LogEntry.trace).where(LogEntry.order == order_id))
    return found[0][0] if found else None


def lookup_traces(order_ids: Sequence[int]) -> dict[int, dict[str, Any] | None]:
    """:func:`lookup_trace` of many orders at once, by order id (for the command line's log)."""
    found: dict[int, dict[str, Any] | None] = {}
    for chunk in chunks(order_ids):
        query = LogEntry.select(LogEntry.order, LogEntry.trace)
        found.update(tuples(query.where(LogEntry.order.in_(list(chunk)))))
    return found


# An AttemptRow's columns, in its order.
_ATTEMPT_COLUMNS = (
    Attempt.at,
    Attempt.action,
    Attempt.outcome,
    Attempt.messages,
    Attempt.reasons,
    Attempt.done_by,
)


def attempts_for(order_id: int) -> list[AttemptRow]:
    """The order's history, oldest first."""
    query = (
        Attempt.select(*_ATTEMPT_COLUMNS)
        .where(Attempt.order == order_id)
        .order_by(Attempt.at, Attempt.id)
    )
    return [AttemptRow(*values) for values in tuples(query)]


def last_attempts(order_ids: Sequence[int]) -> dict[int, AttemptRow]:
    """Each order's newest history entry (the last written), by order id; orders with none are
    left out (for the command line's log: who did what last)."""
    found: dict[int, AttemptRow] = {}
    for chunk in chunks(order_ids):
        newest = (
            Attempt.select(peewee.fn.max(Attempt.id))
            .where(Attempt.order.in_(list(chunk)))
            .group_by(Attempt.order)
        )
        query = Attempt.select(Attempt.order, *_ATTEMPT_COLUMNS).where(Attempt.id.in_(newest))
        found.update((order_id, AttemptRow(*values)) for order_id, *values in tuples(query))
    return found
