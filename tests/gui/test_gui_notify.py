"""Notifications and the tray: a sync that leaves new failures says so once, counted by cause;
a day limit says so once; each kind can be turned off; clicking a failure notification shows the
failed orders; closing the window with automatic sync on keeps the app in the tray (asked once,
remembered), where the schedule goes on; Quit ends it.

Offscreen, Qt has no system tray: most tests read what would be shown from the notifier's
signal and the status bar (the fallback without a tray). The ones about the tray create a real
QSystemTrayIcon anyway (the window is told a tray exists), and ignore the offscreen platform's
note that it has no tray window to follow."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gui_support import (
    MISSING_SKU,
    NEW_CUSTOMER,
    QT_MARKS,
    WAIT_MS,
    Shown,
    line,
    wait_idle,
    write_orders,
)
from pytestqt.qtbot import QtBot

from xerologdesk.app import App
from xerologdesk.sandbox import Sandbox
from xerologdesk.store.vocabulary import Status
from xerologdesk.ui import assets
from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.main_window import SHOWING_PROBLEMS, MainWindow
from xerologdesk.ui.notify import Kind, Notification
from xerologdesk.ui.tray import ATTENTION_ICON

pytestmark = QT_MARKS
# The offscreen platform has no tray window for a QSystemTrayIcon to follow (a mark's ignores
# replace the module's: QT_MARKS' are repeated).
NO_TRAY_WINDOW = pytest.mark.qt_log_ignore(
    "propagateSizeHints", r"does not support raise\(\)", "systemTrayWindowChanged"
)
FAILING = [
    line("SO-01"),
    line("SO-02", sku=MISSING_SKU),
    line("SO-03", sku=MISSING_SKU),
    line("SO-04", NEW_CUSTOMER),
]
SUMMARY = "3 orders failed: 2 missing SKUs, 1 customer not found"


def notifications(window: MainWindow) -> list[Notification]:
    shown: list[Notification] = []
    window.notifier.notified.connect(shown.append)
    return shown


@pytest.fixture
def tray_window(
    app: App, make_desktop: Callable[[App], Desktop], qtbot: QtBot
) -> Iterator[MainWindow]:
    """The window on a desktop that has a system tray."""
    desktop = make_desktop(app)
    desktop.tray_available = True
    window = MainWindow(desktop)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.tray.close()


def test_a_run_with_new_failures_notifies_once_naming_the_counts_by_cause(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    shown = notifications(window)
    import_lines(FAILING)  # synced as soon as imported
    assert shown == [Notification(Kind.FAILURES, "Orders failed to sync", SUMMARY)]
    # No tray offscreen: the status bar says it instead.
    assert window.statusBar().currentMessage() == f"Orders failed to sync: {SUMMARY}"
    # A run that fails nothing new says nothing.
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.schedule.timer.timeout.emit()
    wait_idle(window, qtbot)
    assert len(shown) == 1


def test_notifications_of_failures_can_be_turned_off(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object]
) -> None:
    window.settings.set("notify_failures", False)
    shown = notifications(window)
    import_lines(FAILING)
    assert shown == []
    assert window.model.status_counts[Status.FAILED] == 3


def test_a_day_limit_notifies_once_and_only_with_its_setting(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    window.settings.set("auto_sync_new_orders", False)
    import_lines([line("SO-01"), line("SO-02")])
    connected.set_limits(day=1)
    shown = notifications(window)
    for _ in range(2):  # the limit met twice: told once
        with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
            window.sync_now()
        wait_idle(window, qtbot)
    window._resume_timer.stop()
    [told] = shown
    assert told.kind is Kind.DAY_LIMIT and told.title == "Syncing paused for today"
    assert told.text.startswith("Xero's limit of calls for the day is reached; syncing resumes")
    window.settings.set("notify_connection", False)
    window.notifier._told.clear()
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.sync_now()
    wait_idle(window, qtbot)
    window._resume_timer.stop()
    assert len(shown) == 1


@NO_TRAY_WINDOW
def test_clicking_a_failure_notification_shows_the_problems_behind_the_failed_orders(
    tray_window: MainWindow, connected: Sandbox, qtbot: QtBot, tmp_path: Path
) -> None:
    window = tray_window
    assert window.tray.icon is not None and window.tray.icon.isVisible()
    shown = notifications(window)
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.import_files([write_orders(tmp_path / "failing.csv", FAILING)])
    wait_idle(window, qtbot)
    assert [each.text for each in shown] == [SUMMARY]
    assert window.tray.icon_name == ATTENTION_ICON  # failed orders: the icon says so
    window.hide()
    window.tray.icon.messageClicked.emit()  # the user clicks the notification
    wait_idle(window, qtbot)
    assert window.isVisible()
    view = window.problems_view
    assert view is not None and view.isVisible()
    qtbot.waitUntil(lambda: not view.model.loading, timeout=WAIT_MS)
    assert [(group.key, group.orders) for group in view.model.groups] == [
        (f"product_not_found:{MISSING_SKU}", 2),
        (f"customer_not_found:{NEW_CUSTOMER[0]}", 1),
    ]
    assert window.statusBar().currentMessage() == SHOWING_PROBLEMS


@NO_TRAY_WINDOW
def test_closing_keeps_the_app_in_the_tray_asked_once_and_the_schedule_goes_on(
    tray_window: MainWindow,
    connected: Sandbox,
    shown: Shown,
    import_lines: Callable[..., object],
    qtbot: QtBot,
) -> None:
    window = tray_window
    window.settings.set("auto_sync_new_orders", False)
    with qtbot.waitSignal(window.orders.settings_saved, timeout=WAIT_MS):
        window.close()
    [(_, title, text, yes)] = shown.take("choose")
    assert (title, yes) == ("Keep syncing in the tray?", "Keep running in the tray")
    assert text.startswith("Automatic sync is on (every 15 minutes).")
    assert window.settings.get("close_to_tray") == "on"
    assert not window.isVisible() and window.schedule.timer.isActive()

    import_lines([line("SO-01")])
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.schedule.timer.timeout.emit()  # the schedule runs with the window closed
    wait_idle(window, qtbot)
    assert len(connected.state()["invoices"]) == 1

    window.show_window()
    window.close()  # remembered: not asked again
    assert shown.take("choose") == [] and not window.isVisible()
    assert window.tray.icon is not None and window.tray.icon.isVisible()
    with qtbot.waitSignal(window.quit_requested, timeout=WAIT_MS):
        window.tray.quit_action.trigger()  # Quit ends it, tray and all
    assert not window.tray.icon.isVisible()


@NO_TRAY_WINDOW
def test_the_tray_menu_opens_syncs_pauses_and_its_icon_follows_the_failures(
    tray_window: MainWindow, connected: Sandbox, qtbot: QtBot
) -> None:
    window = tray_window
    tray = window.tray
    assert [action.text() for action in tray.menu.actions() if action.text()] == [
        "Open XeroLogDesk",
        "Sync now",
        "Pause automatic sync",
        "Quit",
    ]
    assert tray.icon_name == assets.APP_ICON
    tray.pause_action.trigger()
    assert window.schedule.paused_by_user
    assert window.schedule_label.text() == "Automatic sync paused"
    tray.pause_action.trigger()
    assert not window.schedule.paused_by_user
    window.hide()
    tray.open_action.trigger()
    assert window.isVisible()
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        tray.sync_action.trigger()
    wait_idle(window, qtbot)


def test_without_a_tray_closing_quits_without_asking(window: MainWindow, shown: Shown) -> None:
    assert window.tray.icon is None and window.schedule.on
    window.close()
    assert shown.take("choose") == []
    assert not window.isVisible()
