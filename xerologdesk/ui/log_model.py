"""The log table's model: a window onto the order book's log, read from SQL a page at a time.

The row count comes from SQL (the status counts table when only a status filters), and rows are
read in pages of :data:`PAGE_SIZE` only when the view asks for them, so a million-order log
opens, filters, sorts and jumps to its last row as fast as a small one: filtering, searching and
sorting all happen in SQL (:mod:`xerologdesk.store.queries`), never in Python.

This is deliberately not ``canFetchMore``/``fetchMore`` growth: a model that grows only as the
user scrolls cannot jump to its last row without reading every row before it. Pages past the
middle are read in the reverse order from the end (ties are broken by order id, so the reverse
order is the exact mirror), which keeps ``OFFSET`` small at both ends of the log.

A search matching many orders is not counted on the GUI thread (counting a million matches takes
a few hundred milliseconds): the model shows the first :data:`COUNT_AT_ONCE` rows and more at
once, paints its first page, and grows to the exact count when a reader job of the app's pools
(:class:`~xerologdesk.ui.workers.Jobs`) has it.

Rows change in place: :meth:`LogModel.refresh_orders` re-reads the given orders and repaints only
their rows; :meth:`LogModel.reload` re-runs the query (after an import, a filter change). Reads
run on the GUI thread, which is allowed (WAL readers never wait on the writer), except the
reload at a run's end (:meth:`LogModel.read_in_background`): there the count, the status counts
and the rows on screen are read on a reader job and shown when they arrive, so the GUI thread's
turn that repaints every row shown reads nothing (at a million orders the first page alone took
it 5-20 ms).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from xerologdesk.store import queries
from xerologdesk.store.db import change_marker
from xerologdesk.store.queries import LogFilter, LogRow
from xerologdesk.store.vocabulary import XERO_DEAD, Status, XeroStatus
from xerologdesk.ui import assets
from xerologdesk.ui.workers import Job, JobControl, JobFailure, Jobs

PAGE_SIZE = 200
# Filters showing more rows than this are counted in the background (the row count shown until
# then: this and one more, "10,000+").
COUNT_AT_ONCE = 10_000
MAX_CACHED_PAGES = 40  # 8,000 rows: a few screens either side of wherever the user looks
ORDER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
ROW_ROLE = Qt.ItemDataRole.UserRole + 3

STATUS_LABELS: dict[str, str] = {
    Status.PENDING: "Pending",
    Status.SUCCEEDED: "Succeeded",
    Status.FAILED: "Failed",
    Status.DISMISSED: "Dismissed",
}

# Xero's own words (its API's), so the column sorts as it reads (by the stored word).
XERO_STATUS_LABELS: dict[str, str] = {
    XeroStatus.DRAFT: "Draft",
    XeroStatus.SUBMITTED: "Submitted",
    XeroStatus.AUTHORISED: "Authorised",
    XeroStatus.PAID: "Paid",
    XeroStatus.VOIDED: "Voided",
    XeroStatus.DELETED: "Deleted",
}

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    sort_key: str
    tip: str
    width: int  # the view's default, in pixels


COLUMNS: tuple[Column, ...] = (
    Column("order_ref", "Order", "order_ref", "The order's reference", 96),
    Column("posted_date", "Posted", "posted_date", "The date the order was posted", 92),
    Column("customer", "Customer", "customer_name", "The customer's name", 210),
    Column("total", "Total", "total", "The order's total before tax, in its currency", 112),
    Column("status", "Status", "status", "Where the order's sync to Xero stands", 116),
    # Next to the status, where a user reads why: it fills the room the other columns leave.
    Column("reason", "Reason", "reason_summary", "Why it failed, in a few words", 320),
    Column("attempts", "Attempts", "attempts", "How many times it was sent to Xero", 72),
    Column("last_attempt", "Last attempt", "last_attempt_at", "When it was last sent to Xero", 132),
    Column("invoice", "Xero invoice", "xero_invoice_number", "The invoice's number in Xero", 92),
    Column(
        "xero_status",
        "Xero status",
        "xero_status",
        "What became of the invoice in Xero, as last refreshed (Refresh from Xero)",
        124,
    ),
)
COLUMN_INDEX = {column.key: number for number, column in enumerate(COLUMNS)}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
# What a repaint asks of each cell (the item delegate's initStyleOption), formatted once a row
# and kept: a repaint during a run then spends next to nothing in Python per cell, where each
# call into Python may wait for the interpreter lock the run's threads hold.
_PAINTED_ROLES = tuple(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.DecorationRole,
    )
)
# The roles LogModel.data answers.
_ROLES = frozenset(
    (
        *_PAINTED_ROLES,
        *map(int, (Qt.ItemDataRole.ToolTipRole, ORDER_ID_ROLE, STATUS_ROLE, ROW_ROLE)),
    )
)
# Rows whose cells are kept formatted (a few screens' worth; started again when full).
MAX_FORMATTED_ROWS = 1_000


def format_money(amount: Any, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def format_local_time(moment: datetime | None) -> str:
    """A stored UTC time in the user's time zone, to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def reason_text(row: LogRow) -> str:
    """The reason column: why it failed, or the transient trouble a pending order waits on."""
    if row.status == Status.DISMISSED:
        dismissed = STATUS_LABELS[Status.DISMISSED].lower()
        return dismissed + (f": {row.dismissed_reason}" if row.dismissed_reason else "")
    if row.reason_summary:
        return row.reason_summary
    return (row.note or "") if row.status == Status.PENDING else ""


def _display(row: LogRow, key: str) -> str:
    if key == "order_ref":
        return row.order_ref
    if key == "posted_date":
        return row.posted_date.isoformat()
    if key == "customer":
        return row.customer_name
    if key == "total":
        return format_money(row.total, row.currency)
    if key == "status":
        return STATUS_LABELS.get(row.status, row.status)
    if key == "attempts":
        return str(row.attempts)
    if key == "last_attempt":
        return format_local_time(row.last_attempt_at)
    if key == "reason":
        return reason_text(row)
    if key == "xero_status":
        return xero_status_text(row)
    return row.xero_invoice_number or ""


def xero_status_text(row: LogRow) -> str:
    """The Xero status column: Xero's word for the invoice's status, as last refreshed."""
    if row.xero_status is None:
        return ""
    return XERO_STATUS_LABELS.get(row.xero_status, row.xero_status)


def xero_status_story(row: LogRow) -> str:
    """The invoice's status in Xero in a sentence (empty before a refresh saw it)."""
    if row.xero_status is None:
        return ""
    text = f"{xero_status_text(row)} in Xero"
    if row.xero_amount_due is not None and row.xero_status not in XERO_DEAD:
        text += f", {format_money(row.xero_amount_due, row.currency)} due"
    text += f" (seen {format_local_time(row.xero_seen_at)})"
    if row.xero_flagged:
        text += ": send it again or accept it (Details)"
    elif row.xero_accepted:
        text += ": accepted as it is"
    return text + "."


def _tooltip(row: LogRow, key: str) -> str | None:
    if key == "customer":
        return f"{row.customer_name} (reference {row.customer_reference})"
    if key == "reason":
        messages = [str(reason.get("message", "")) for reason in row.reasons or []]
        return "\n\n".join(messages) or row.note or reason_text(row) or None
    if key == "status":
        return STATUS_LABELS.get(row.status, row.status)
    if key == "xero_status":
        return xero_status_story(row) or "Not refreshed from Xero yet"
    return None


def _value(row: LogRow, key: str, role: int) -> Any:
    """What the model answers for ``role`` of the cell of ``row`` in column ``key`` (None: no
    answer)."""
    if role == Qt.ItemDataRole.DisplayRole:
        return _display(row, key)
    if role == Qt.ItemDataRole.ToolTipRole:
        return _tooltip(row, key)
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return int(_RIGHT if key in ("total", "attempts") else _LEFT)
    if role == Qt.ItemDataRole.DecorationRole and key == "status":
        return assets.status_icon(row.status)
    if role == Qt.ItemDataRole.DecorationRole and key == "xero_status" and row.xero_flagged:
        return assets.xero_dead_icon()
    if role == ORDER_ID_ROLE:
        return row.id
    if role == STATUS_ROLE:
        return row.status
    if role == ROW_ROLE:
        return row
    return None


def _formatted(row: LogRow) -> tuple[dict[int, Any], ...]:
    """Each cell of ``row`` as a repaint asks it: its answer for each of
    :data:`_PAINTED_ROLES` that has one, per column."""
    return tuple(
        {
            role: value
            for role in _PAINTED_ROLES
            if (value := _value(row, column.key, role)) is not None
        }
        for column in COLUMNS
    )


def _spans(numbers: list[int]) -> list[tuple[int, int]]:
    """Ascending ``numbers`` as (first, last) of each run of consecutive ones."""
    spans: list[tuple[int, int]] = []
    for number in numbers:
        if spans and spans[-1][1] == number - 1:
            spans[-1] = (spans[-1][0], number)
        else:
            spans.append((number, number))
    return spans


@dataclass(frozen=True)
class LogQuery:
    """What the log shows: its filter and its sort (pages of ``page_size`` rows)."""

    log_filter: LogFilter
    sort_key: str
    descending: bool
    page_size: int

    def read_page(self, page: int, count: int, exact: bool) -> list[LogRow]:
        """The rows of ``page`` among ``count`` rows (``exact``: the count is not an estimate)."""
        start = page * self.page_size
        end = min(start + self.page_size, count)
        if exact and start > count // 2:
            # Past the middle: read from the end in the reverse order (small OFFSET), then flip.
            rows = queries.page_log(
                self.log_filter, self.sort_key, not self.descending, count - end, end - start
            )
            rows.reverse()
            return rows
        return queries.page_log(self.log_filter, self.sort_key, self.descending, start, end - start)


@dataclass(frozen=True)
class LogReading:
    """The log's query read once, as a reload shows it."""

    marker: tuple[object, object]  # the GUI thread's change marker before the reading
    count: int | None  # None: more than COUNT_AT_ONCE rows (then counted in the background)
    pages: dict[int, list[LogRow]]  # the pages read with it (the others are read when shown)
    counts: dict[str, int]  # orders per status
    flagged: int  # orders whose invoice was voided or deleted in Xero


def read_log(
    query: LogQuery,
    marker: tuple[object, object],
    pages: Iterable[int] = (),
    *,
    exact: bool = False,
) -> LogReading:
    """Read ``query``'s count, the status counts and the ``pages`` asked for (those that exist).
    ``exact``: count every row however many (on a reader: a broad search over a million orders
    takes a few hundred milliseconds), else only up to :data:`COUNT_AT_ONCE`."""
    if exact:
        count: int | None = queries.count_log(query.log_filter)
    else:
        count = queries.count_log_at_most(query.log_filter, COUNT_AT_ONCE)
    shown = COUNT_AT_ONCE + 1 if count is None else count
    read = {
        page: query.read_page(page, shown, count is not None)
        for page in pages
        if page * query.page_size < shown
    }
    return LogReading(marker, count, read, queries.status_counts(), queries.count_xero_flagged())


class LogModel(QAbstractTableModel):
    """The Xero integration log as a table model, paged from SQL."""

    counts_changed = Signal(dict)  # orders per status, for the filter's live counts
    xero_flagged_counted = Signal(int)  # orders whose invoice was voided or deleted in Xero
    reloaded = Signal()
    rows_counted = Signal(int)  # the exact row count, once a background count has it

    def __init__(self, jobs: Jobs, parent: Any = None, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self._jobs = jobs  # the app's pools: a broad search is counted on a reader
        self._page_size = page_size
        self._filter = LogFilter()
        self._sort_key = "posted_date"
        self._descending = True
        self._count = 0
        self._pages: OrderedDict[int, list[LogRow]] = OrderedDict()
        # Rows' cells formatted for a repaint, by the row's identity (a row read again is a
        # new object, formatted afresh): id -> (the row, kept alive with its id, its cells).
        self._formatted: dict[int, tuple[LogRow, tuple[dict[int, Any], ...]]] = {}
        self._counts: dict[str, int] = {}
        self._flagged: int | None = None
        self._exact = True
        self._generation = 0  # bumped by each reload: a late background count is dropped
        # The database's change marker when the rows were last read: a refresh with nothing
        # written since (the end of a run reloads, then the poll sees the run's writes) is free.
        self._read_at: tuple[object, object] | None = None
        self._reading: Job | None = None  # a reload's reading under way on a reader
        self.repainted = False  # whether the last show changed what the rows show

    # -- what it shows -------------------------------------------------------------------------

    @property
    def log_filter(self) -> LogFilter:
        return self._filter

    @property
    def status_counts(self) -> dict[str, int]:
        return dict(self._counts)

    @property
    def count_is_exact(self) -> bool:
        """False while a broad search's rows are still being counted in the background."""
        return self._exact

    @property
    def sort_order(self) -> tuple[str, bool]:
        """(sort key, descending)."""
        return self._sort_key, self._descending

    def set_filter(self, log_filter: LogFilter) -> None:
        if log_filter != self._filter:
            self._filter = log_filter
            self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key = COLUMNS[column].sort_key
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self._sort_key, self._descending):
            self._sort_key, self._descending = key, descending
            self.reload()

    @property
    def query(self) -> LogQuery:
        return LogQuery(self._filter, self._sort_key, self._descending, self._page_size)

    def reload(self) -> bool:
        """Run the query again: the count, and pages as they are next asked for (a reset of
        the view; False, as :meth:`show` says)."""
        return self.show(read_log(self.query, change_marker()))

    def read_in_background(self, rows: range, on_read: Callable[[LogReading], None]) -> Job:
        """Run the query again on a reader job, with the pages holding ``rows`` (those on
        screen); ``on_read`` gets the reading on the GUI thread to :meth:`show`, unless the
        query changed or was read again meanwhile (the newest reading wins). Until then the
        rows shown stay, and a poll that sees the writes before it (a run's) reads nothing:
        the reading brings them."""
        self._generation += 1
        generation, query, marker = self._generation, self.query, change_marker()
        pages = sorted({number // self._page_size for number in rows})

        def shown(reading: LogReading) -> None:
            if generation == self._generation:
                on_read(reading)

        job = self._jobs.submit(
            "Read the log again",
            # Counted exactly: a count that is only an estimate would reset the view, and then
            # grow it again when the exact count comes.
            lambda control: read_log(query, marker, pages, exact=True),
            writes=False,
            on_done=shown,
        )
        self._reading = job
        job.signals.finished.connect(lambda: self._read_finished(job))
        return job

    def _read_finished(self, job: Job) -> None:
        if self._reading is job:
            self._reading = None

    def show(self, reading: LogReading, *, in_place: bool = False) -> bool:
        """Show what :func:`read_log` read: the count and its pages, by a reset of the view;
        ``in_place``: when the exact count is the one shown, by repainting every row where it
        is instead (a reset repaints the viewport three or four times over the next turns of
        the event loop, a repaint in place once). True when the rows were kept in place."""
        kept = in_place and self._exact and reading.count == self._count
        if kept:
            self._generation += 1
            self.repainted = self._repaint_changed(reading.pages, reading.marker)
        else:
            self.repainted = True
            self.beginResetModel()
            self._pages = OrderedDict(reading.pages)
            self._formatted.clear()
            self._generation += 1
            self._read_at = reading.marker
            self._exact = reading.count is not None
            self._count = COUNT_AT_ONCE + 1 if reading.count is None else reading.count
            self.endResetModel()
            if not self._exact:
                self._count_in_background()
        self._take_counts(reading.counts, reading.flagged)
        self.reloaded.emit()
        return kept

    def _repaint_changed(
        self, pages: dict[int, list[LogRow]], marker: tuple[object, object]
    ) -> bool:
        """Hold ``pages`` (read at ``marker``) instead of the pages loaded, keeping each row that
        reads the same as the one held (and its formatted cells), and repaint the rows that
        changed where they are: the end of a run or of a refresh that changed nothing on screen
        repaints nothing. True when a row changed."""
        held = self._pages
        changed: list[int] = []
        for page, rows in pages.items():
            before = held.get(page) or []
            for offset, row in enumerate(rows):
                if offset < len(before) and before[offset] == row:
                    rows[offset] = before[offset]
                else:
                    changed.append(page * self._page_size + offset)
        self._pages = OrderedDict(pages)
        self._read_at = marker
        self._repaint_rows(changed)
        return bool(changed)

    def _repaint_rows(self, numbers: list[int]) -> None:
        """Repaint the rows numbered ``numbers`` (ascending), each run of them at once."""
        last = len(COLUMNS) - 1
        for first, final in _spans(numbers):
            self.dataChanged.emit(self.index(first, 0), self.index(final, last))

    def _count_in_background(self) -> None:
        """Count the filter's rows on a reader job; :meth:`_apply_count` gets it."""
        generation, log_filter = self._generation, self._filter

        def count(control: JobControl) -> tuple[int, int]:
            return generation, queries.count_log(log_filter)

        self._jobs.submit(
            "Count the log's rows",
            count,
            writes=False,
            on_done=self._apply_count,
            on_error=self._count_failed,
        )

    def _count_failed(self, failure: JobFailure) -> None:
        """The job logged why; the row count stays the estimate (no box for a count)."""

    def _apply_count(self, counted: tuple[int, int]) -> None:
        """The exact count arrived (with the query generation it counted): grow (or shrink) to
        it, unless the query changed since."""
        generation, count = counted
        if generation != self._generation or self._exact:
            return
        if count > self._count:
            self.beginInsertRows(QModelIndex(), self._count, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < self._count:
            self.beginRemoveRows(QModelIndex(), count, self._count - 1)
            self._count = count
            for page in [page for page in self._pages if page * self._page_size >= count]:
                del self._pages[page]
            self.endRemoveRows()
        self._exact = True
        self.rows_counted.emit(count)

    def refresh_orders(self, order_ids: Iterable[int], rows: range | None = None) -> None:
        """Re-read these orders and repaint their rows, where they are loaded (only among row
        numbers ``rows`` when given); rows stay put (a row whose status left the filter goes
        at the next :meth:`reload`)."""
        wanted = self._loaded_among(order_ids, rows)
        self._put_rows(queries.log_rows(wanted) if wanted else {})
        self._update_counts()

    def refresh_orders_in_background(
        self, order_ids: Iterable[int], rows: range | None = None
    ) -> Job:
        """:meth:`refresh_orders` read on a reader job with the status counts, for a run's rows
        on screen (``rows``) or thousands of orders: the run's threads hold the interpreter
        lock often, and each step of a read on the GUI thread would wait for it. The rows read
        are put wherever they are then, unless the log was read again meanwhile."""
        wanted = self._loaded_among(order_ids, rows)
        generation = self._generation

        def read(control: JobControl) -> tuple[dict[int, LogRow], dict[str, int], int]:
            fresh = queries.log_rows(wanted) if wanted else {}
            return fresh, queries.status_counts(), queries.count_xero_flagged()

        def shown(reading: tuple[dict[int, LogRow], dict[str, int], int]) -> None:
            fresh, counts, flagged = reading
            if generation == self._generation:
                self._put_rows(fresh)
            self._take_counts(counts, flagged)

        return self._jobs.submit("Read the run's rows", read, writes=False, on_done=shown)

    def _loaded_among(self, order_ids: Iterable[int], rows: range | None) -> list[int]:
        """Those of ``order_ids`` whose rows are loaded (among row numbers ``rows``)."""
        wanted = set(order_ids)
        return [row.id for _, _, row in self._loaded(rows) if row.id in wanted]

    def _put_rows(self, fresh: dict[int, LogRow]) -> None:
        """Put rows read again where they are loaded, and repaint them."""
        changed: list[int] = []
        for page, offset, row in list(self._loaded(None)):
            if row.id in fresh:
                self._pages[page][offset] = fresh[row.id]
                changed.append(page * self._page_size + offset)
        self._repaint_rows(sorted(changed))

    def _loaded(self, rows: range | None) -> Iterable[tuple[int, int, LogRow]]:
        """(page, offset, row) of the loaded rows, of those numbered in ``rows`` when given."""
        if rows is None:
            for page, loaded in self._pages.items():
                for offset, row in enumerate(loaded):
                    yield page, offset, row
            return
        for number in rows:
            page, offset = divmod(number, self._page_size)
            found = self._pages.get(page)
            if found is not None and offset < len(found):
                yield page, offset, found[offset]

    @property
    def reading(self) -> bool:
        """Whether a reading of the log (:meth:`read_in_background`) is under way."""
        return self._reading is not None

    def behind(self) -> bool:
        """Whether the log was written (by another connection) since its rows were read."""
        return change_marker() != self._read_at

    def _update_counts(self) -> None:
        self._take_counts(queries.status_counts(), queries.count_xero_flagged())

    def _take_counts(self, counts: dict[str, int], flagged: int) -> None:
        if counts != self._counts:
            self._counts = counts
            self.counts_changed.emit(dict(counts))
        if flagged != self._flagged:
            self._flagged = flagged
            self.xero_flagged_counted.emit(flagged)

    # -- rows ----------------------------------------------------------------------------------

    def row_at(self, number: int) -> LogRow | None:
        """The row at ``number`` (read with its page if it is not loaded)."""
        if not 0 <= number < self._count:
            return None
        page = number // self._page_size
        rows = self._pages.get(page)
        if rows is None:
            rows = self._load_page(page)
        else:
            self._pages.move_to_end(page)
        offset = number - page * self._page_size
        return rows[offset] if offset < len(rows) else None

    def loaded_row_of(self, order_id: int) -> int | None:
        """The row number of an order among the loaded pages, or None."""
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.id == order_id:
                    return page * self._page_size + offset
        return None

    def find_row(self, status: str, start: int, limit: int) -> int | None:
        """The first row at or after ``start`` whose status is ``status``, looking at most
        ``limit`` rows ahead (wrapping to the top); None when none is found."""
        for step in range(min(limit, self._count)):
            number = (start + step) % self._count
            row = self.row_at(number)
            if row is not None and row.status == status:
                return number
        return None

    def _load_page(self, page: int) -> list[LogRow]:
        rows = self.query.read_page(page, self._count, self._exact)
        self._pages[page] = rows
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        return rows

    # -- QAbstractTableModel -------------------------------------------------------------------

    # A repaint asks each cell's index, flags and data. The index is made here in one call into
    # Python (Qt's own asks rowCount and columnCount, two), and the flags are Qt's table
    # model's (enabled and selectable, as each row is): a repaint during a run makes half as
    # many calls into Python, each of which may wait for the interpreter lock.
    def index(
        self,
        row: int,
        column: int,
        parent: Index = QModelIndex(),  # noqa: B008 (Qt's signature)
    ) -> QModelIndex:
        if parent.isValid() or not (0 <= row < self._count and 0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Asked for single roles (a delegate's own, a tooltip); a paint asks multiData. Most
        # roles asked have no answer here (font, colours, size...): turned away before any work.
        if role not in _ROLES or not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        return _value(row, COLUMNS[index.column()].key, role)

    def multiData(self, index: Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        # What the item delegates ask at each repaint, once a cell for all the roles it needs:
        # one call into Python a cell instead of one a role (each may wait for the interpreter
        # lock while a run's threads hold it), answered from the row's cells formatted once.
        if not index.isValid():
            return
        row = self.row_at(index.row())
        if row is None:
            return
        kept = self._formatted.get(id(row))
        if kept is None:
            if len(self._formatted) >= MAX_FORMATTED_ROWS:
                self._formatted.clear()
            kept = self._formatted[id(row)] = (row, _formatted(row))
        cell = kept[1][index.column()]
        # Qt passes a span, iterable at run time (PySide's stubs say neither).
        for role_data in cast(Iterable[QModelRoleData], roleDataSpan):
            role = role_data.role()
            if role in cell:
                role_data.setData(cell[role])
            elif role in _ROLES and role not in _PAINTED_ROLES:
                value = _value(row, COLUMNS[index.column()].key, role)
                if value is not None:
                    role_data.setData(value)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tip
        return None
