"""The bar above the log: status filter with live counts, the orders whose invoice was voided or
deleted in Xero (a badge with its count), the invoice's status in Xero, a debounced search box, a
date range."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from PySide6.QtCore import QDate, QEvent, QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)

from xerologdesk.store.queries import LogFilter
from xerologdesk.store.vocabulary import XERO_STATUSES, Status
from xerologdesk.ui import assets
from xerologdesk.ui.log_model import STATUS_LABELS, XERO_STATUS_LABELS

SEARCH_DEBOUNCE_MS = 200
# The status buttons, in order; None is "All".
STATUS_CHOICES: tuple[Status | None, ...] = (
    None,
    Status.PENDING,
    Status.FAILED,
    Status.SUCCEEDED,
    Status.DISMISSED,
)
# QDateEdit has no empty value: its minimum date stands for "any", shown as the special text.
ANY_DATE = QDate(2000, 1, 1)
DateRange = tuple[date | None, date | None]


def _month_of(day: date) -> DateRange:
    first = day.replace(day=1)
    following = (first + timedelta(days=31)).replace(day=1)
    return first, following - timedelta(days=1)


# The posted-date presets, each a range worked out from today.
DATE_PRESETS: tuple[tuple[str, Callable[[date], DateRange]], ...] = (
    ("Any date", lambda today: (None, None)),
    ("Today", lambda today: (today, today)),
    ("Last 7 days", lambda today: (today - timedelta(days=6), today)),
    ("This month", _month_of),
    ("Last month", lambda today: _month_of(today.replace(day=1) - timedelta(days=1))),
)


class _OpenOnThisMonth(QObject):
    """A date edit at "any date" holds its minimum (January 2000): its calendar would open
    there. Turned to the current month as it is shown instead."""

    def __init__(self, edit: QDateEdit) -> None:
        super().__init__(edit)
        self._edit = edit

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self._edit.date() == ANY_DATE:
            today = QDate.currentDate()
            self._edit.calendarWidget().setCurrentPage(today.year(), today.month())
        return False


class FilterBar(QWidget):
    """Emits :attr:`filter_changed` with the new :class:`LogFilter` whenever the user changes it."""

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.status_buttons: dict[str | None, QToolButton] = {}
        for number, status in enumerate(STATUS_CHOICES):
            button = QToolButton(self)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            if status is not None:
                button.setIcon(assets.status_icon(status))
            button.setObjectName(f"status-{status or 'all'}")
            self._group.addButton(button, number)
            self.status_buttons[status] = button
            layout.addWidget(button)
        self.status_buttons[None].setChecked(True)
        self._group.idToggled.connect(self._status_toggled)
        layout.addSpacing(6)
        # The badge: orders whose invoice was voided or deleted in Xero, not yet sent again or
        # accepted; checked, the log shows only them.
        self.xero_flagged = QToolButton(self)
        self.xero_flagged.setObjectName("xero-flagged")
        self.xero_flagged.setCheckable(True)
        self.xero_flagged.setAutoRaise(True)
        self.xero_flagged.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.xero_flagged.setIcon(assets.xero_dead_icon())
        self.xero_flagged.toggled.connect(self._emit)
        layout.addWidget(self.xero_flagged)
        self.xero_status = QComboBox(self)
        self.xero_status.setObjectName("xero-status")
        self.xero_status.setToolTip("Only orders whose invoice has this status in Xero")
        self.xero_status.addItem("Any Xero status", None)
        for xero_status in XERO_STATUSES:
            self.xero_status.addItem(XERO_STATUS_LABELS[xero_status], xero_status.value)
        self.xero_status.currentIndexChanged.connect(self._emit)
        layout.addWidget(self.xero_status)
        layout.addSpacing(12)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search order ref, customer, reference or SKU (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(180)
        layout.addWidget(self.search, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(self._debounce.start)
        # Enter searches at once rather than after the pause.
        self.search.returnPressed.connect(self._emit_now)

        layout.addWidget(QLabel("Posted", self))
        self.date_from = self._date_edit("from")
        self.date_to = self._date_edit("to")
        layout.addWidget(self.date_from)
        layout.addWidget(QLabel("to", self))
        layout.addWidget(self.date_to)
        self.date_presets = QToolButton(self)
        self.date_presets.setObjectName("date-presets")
        self.date_presets.setText("Dates")
        self.date_presets.setToolTip("Pick a posted-date range: today, the last 7 days, a month")
        self.date_presets.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.date_presets)
        for title, dates in DATE_PRESETS:
            menu.addAction(title, partial(self.set_preset, dates))
        self.date_presets.setMenu(menu)
        layout.addWidget(self.date_presets)
        self.set_counts({})
        self.set_xero_flagged_count(0)

    def _date_edit(self, which: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(ANY_DATE)
        edit.setSpecialValueText("any date")
        edit.setDate(ANY_DATE)
        edit.setToolTip(f"Only orders posted {which} this date (clear it for any date)")
        edit.setObjectName(f"date-{which}")
        edit.dateChanged.connect(self._emit)
        edit.calendarWidget().installEventFilter(_OpenOnThisMonth(edit))
        return edit

    # -- reading and setting -------------------------------------------------------------------

    def current_filter(self) -> LogFilter:
        status = STATUS_CHOICES[max(self._group.checkedId(), 0)]
        return LogFilter(
            status=status,
            search=self.search.text().strip(),
            date_from=_date_of(self.date_from),
            date_to=_date_of(self.date_to),
            xero_status=self.xero_status.currentData(),
            xero_flagged=self.xero_flagged.isChecked(),
        )

    def set_status(self, status: str | None) -> None:
        """Show only orders of ``status`` (None: all)."""
        self.status_buttons[status].setChecked(True)

    def set_dates(self, date_from: date | None, date_to: date | None) -> None:
        with QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
            self.date_from.setDate(QDate(date_from) if date_from else ANY_DATE)
            self.date_to.setDate(QDate(date_to) if date_to else ANY_DATE)
        self._emit()

    def set_preset(self, dates: Callable[[date], DateRange]) -> None:
        """Narrow to a preset range (:data:`DATE_PRESETS`) counted from today."""
        self.set_dates(*dates(date.today()))

    def clear(self) -> None:
        """Back to every order: all statuses, no search, any date."""
        with (
            QSignalBlocker(self._group),
            QSignalBlocker(self.search),
            QSignalBlocker(self.date_from),
            QSignalBlocker(self.date_to),
            QSignalBlocker(self.xero_flagged),
            QSignalBlocker(self.xero_status),
        ):
            self.status_buttons[None].setChecked(True)
            self.xero_flagged.setChecked(False)
            self.xero_status.setCurrentIndex(0)
            self.search.clear()
            self.date_from.setDate(ANY_DATE)
            self.date_to.setDate(ANY_DATE)
        self._emit()

    def set_counts(self, counts: dict[str, int]) -> None:
        """Show the live count of each status on its button."""
        total = sum(counts.values())
        for status, button in self.status_buttons.items():
            label = "All" if status is None else STATUS_LABELS[status]
            count = total if status is None else counts.get(status, 0)
            button.setText(f"{label}  {count:,}")
            button.setToolTip(f"Show {label.lower()} orders ({count:,})")

    def set_xero_flagged_count(self, count: int) -> None:
        """Show how many orders' invoices were voided or deleted in Xero (not yet dealt with)."""
        self.xero_flagged.setText(f"Voided in Xero  {count:,}")
        self.xero_flagged.setToolTip(
            f"Show the orders whose invoice was voided or deleted in Xero ({count:,}): send "
            "each again or accept it in its details"
        )

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- emitting ------------------------------------------------------------------------------

    def _status_toggled(self, number: int, checked: bool) -> None:
        if checked:
            self._emit()

    def _emit_now(self) -> None:
        self._debounce.stop()
        self._emit()

    def _emit(self) -> None:
        self.filter_changed.emit(self.current_filter())


def _date_of(edit: QDateEdit) -> date | None:
    picked = edit.date()
    return None if picked == ANY_DATE else date(picked.year(), picked.month(), picked.day())
