"""The log table widget: fixed-height rows, multi-selection, Enter for details, and reloads that
keep the user's place (scroll position, current row and selection, by order id)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QItemSelectionRange,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from xerologdesk.store.queries import LogRow
from xerologdesk.ui.log_model import (
    COLUMN_INDEX,
    COLUMNS,
    ORDER_ID_ROLE,
    LogModel,
    LogReading,
)
from xerologdesk.ui.status_badge import StatusBadgeDelegate
from xerologdesk.ui.workers import Job

# Actions take at most this many selected orders at once (a select-all on a huge log would
# otherwise read every row); the window says so when more are selected.
MAX_ACTED_ON = 10_000


class LogView(QTableView):
    """Shows a :class:`LogModel`; emits :attr:`details_requested` with an order id."""

    details_requested = Signal(int)

    def __init__(self, model: LogModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self._model = model
        self.setObjectName("log-table")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Fixed row heights: the view never measures a million rows.
        rows = self.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 12)
        columns = self.horizontalHeader()
        columns.setSectionsMovable(True)
        columns.setHighlightSections(False)
        columns.setStretchLastSection(False)
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for number, column in enumerate(COLUMNS):
            self.setColumnWidth(number, column.width)
        # The reason takes the width the others leave, so the table fits the window with no
        # sideways scrolling; a long one ends in "…" (the view's default) and shows whole in
        # its tooltip.
        columns.setSectionResizeMode(COLUMN_INDEX["reason"], QHeaderView.ResizeMode.Stretch)
        self._badge = StatusBadgeDelegate(self)
        self.setItemDelegateForColumn(COLUMN_INDEX["status"], self._badge)
        sort_key, descending = model.sort_order
        sort_column = next(n for n, c in enumerate(COLUMNS) if c.sort_key == sort_key)
        columns.setSortIndicator(
            sort_column,
            Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder,
        )
        # After the indicator: enabling sorting sorts by it at once (the model's order already).
        self.setSortingEnabled(True)
        self.doubleClicked.connect(self._double_clicked)

    # -- reading the selection -----------------------------------------------------------------

    def selected_order_ids(self) -> list[int]:
        """The selected orders, top to bottom."""
        return [row.id for row in self.selected_rows()]

    def selection_size(self) -> int:
        """How many rows are selected (counted from the ranges: cheap at any size)."""
        return sum(part.height() for part in _ranges(self.selectionModel().selection()))

    def selected_rows(self) -> list[LogRow]:
        """The selected log rows, top to bottom (the first :data:`MAX_ACTED_ON` of them)."""
        numbers: set[int] = set()
        for part in _ranges(self.selectionModel().selection()):
            numbers.update(range(part.top(), part.bottom() + 1))
            if len(numbers) >= MAX_ACTED_ON:
                break
        found = (self._model.row_at(number) for number in sorted(numbers)[:MAX_ACTED_ON])
        return [row for row in found if row is not None]

    def current_order_id(self) -> int | None:
        index = self.currentIndex()
        return index.data(ORDER_ID_ROLE) if index.isValid() else None

    def select_row(self, row: int) -> None:
        """Make ``row`` current and the only one selected, and bring it into view."""
        index = self._model.index(row, 0)
        self.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    # -- reloading in place --------------------------------------------------------------------

    def reset(self) -> None:
        # A reset (a search, a filter, a sort) lays the view out on a zero timer that fires
        # after the first repaint, and the layout repaints the viewport again: laid out now,
        # the new rows are painted once (15-20 ms a paint at a million orders, measured).
        super().reset()
        self.executeDelayedItemsLayout()

    def rows_on_screen(self) -> range:
        """The row numbers the viewport shows (empty when it shows none)."""
        top = self.rowAt(0)
        if top < 0:
            return range(0)
        bottom = self.rowAt(self.viewport().height() - 1)
        last = self._model.rowCount() - 1 if bottom < 0 else bottom
        return range(top, last + 1)

    def reload_keeping_place(self) -> None:
        """Run the model's query again, keeping the scroll position, current row and selection
        (by order id, for the orders still shown near where the user was)."""
        self._keeping_place(self._model.reload)

    def reload_in_background(self) -> Job:
        """:meth:`reload_keeping_place` with the query and the rows on screen read on a reader
        job first (the end of a run): the rows shown stay until the fresh ones replace them,
        in place when their count is the same, and are painted at once."""
        return self._model.read_in_background(self.rows_on_screen(), self._show_reading)

    def _show_reading(self, reading: LogReading) -> None:
        self._keeping_place(lambda: self._model.show(reading, in_place=True))
        if self._model.repainted:
            # Painted in this turn of the event loop, before the work that follows starts on
            # its threads (the problems' count, a refresh from Xero): beside them the repaint
            # took two or three times as long. Nothing changed on screen: nothing to paint.
            self.viewport().repaint()

    def _keeping_place(self, reload: Callable[[], bool]) -> None:
        """``reload`` the model (True: it kept the rows in place, else it reset the view), then
        scroll back and select again the orders selected."""
        selected = set(self.selected_order_ids())
        current = self.current_order_id()
        scrolled = self.verticalScrollBar().value()
        top = self.rowAt(0)
        if not reload():
            self.doItemsLayout()
            self.verticalScrollBar().setValue(scrolled)
        if not (selected or current is not None) or self._model.rowCount() == 0:
            return
        # Load the rows on screen, then pick up the remembered orders among the loaded pages.
        visible = max(self.viewport().height() // max(self.rowHeight(0), 1), 1)
        for row in range(max(top, 0), min(max(top, 0) + visible + 1, self._model.rowCount())):
            self._model.row_at(row)
        selection = QItemSelection()
        last = self._model.columnCount() - 1
        for order_id in selected:
            found = self._model.loaded_row_of(order_id)
            if found is not None:
                selection.select(self._model.index(found, 0), self._model.index(found, last))
        flags = QItemSelectionModel.SelectionFlag
        if current is not None:
            found = self._model.loaded_row_of(current)
            if found is not None:
                self.selectionModel().setCurrentIndex(self._model.index(found, 0), flags.NoUpdate)
        self.selectionModel().select(selection, flags.ClearAndSelect | flags.Rows)

    # -- keys and clicks -----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            order_id = self.current_order_id()
            if order_id is not None:
                self.details_requested.emit(order_id)
                event.accept()
                return
        super().keyPressEvent(event)

    def _double_clicked(self, index: QModelIndex) -> None:
        order_id = index.data(ORDER_ID_ROLE)
        if order_id is not None:
            self.details_requested.emit(order_id)


def _ranges(selection: QItemSelection) -> list[QItemSelectionRange]:
    """A selection's ranges (each a block of selected rows)."""
    return [selection.at(number) for number in range(selection.size())]
