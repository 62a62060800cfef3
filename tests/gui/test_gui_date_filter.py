"""The posted-date filter: presets counted from today, and a calendar that opens on this month."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from gui_support import QT_MARKS, WAIT_MS
from PySide6.QtCore import QDate, QPoint, Qt
from pytestqt.qtbot import QtBot

from xerologdesk.ui.filter_bar import DATE_PRESETS
from xerologdesk.ui.main_window import MainWindow

pytestmark = QT_MARKS


def test_presets_give_the_ranges_their_names_say() -> None:
    ranges = {title: dates(date(2026, 3, 12)) for title, dates in DATE_PRESETS}
    assert ranges == {
        "Any date": (None, None),
        "Today": (date(2026, 3, 12), date(2026, 3, 12)),
        "Last 7 days": (date(2026, 3, 6), date(2026, 3, 12)),
        "This month": (date(2026, 3, 1), date(2026, 3, 31)),
        "Last month": (date(2026, 2, 1), date(2026, 2, 28)),
    }
    assert DATE_PRESETS[4][1](date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_a_preset_from_the_menu_filters_the_log(window: MainWindow, qtbot: QtBot) -> None:
    bar = window.filter_bar
    menu = bar.date_presets.menu()
    [last_week] = [action for action in menu.actions() if action.text() == "Last 7 days"]
    with qtbot.waitSignal(bar.filter_changed, timeout=WAIT_MS) as changed:
        last_week.trigger()
    today = date.today()
    assert (changed.args[0].date_from, changed.args[0].date_to) == (
        today - timedelta(days=6),
        today,
    )
    [anything] = [action for action in menu.actions() if action.text() == "Any date"]
    anything.trigger()
    assert bar.date_from.text() == "any date"


# The popup grabs the keyboard, which the offscreen platform cannot do.
@pytest.mark.qt_log_ignore(
    "propagateSizeHints", r"does not support raise\(\)", "does not support grabbing"
)
def test_the_calendar_of_an_unset_date_opens_on_this_month(
    window: MainWindow, qtbot: QtBot
) -> None:
    edit = window.filter_bar.date_from
    arrow = QPoint(edit.width() - 6, edit.height() // 2)  # the drop-down arrow
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton, pos=arrow)
    calendar = edit.calendarWidget()
    qtbot.waitUntil(calendar.isVisible, timeout=WAIT_MS)
    today = QDate.currentDate()
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year(), today.month())
    calendar.window().close()
