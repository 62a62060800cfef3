"""Automatic sync: the schedule's timer starts runs through the runner (driven here by the
timer's own signal, never by waiting), skips while a run is under way or another process holds
the sync, shows the next run in the status bar, and says why it is paused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from gui_support import QT_MARKS, WAIT_MS, Shown, line, wait_idle
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from xerologdesk import autostart
from xerologdesk.sandbox import Sandbox
from xerologdesk.store.vocabulary import Status
from xerologdesk.sync.lock import SyncLock, sync_busy_message
from xerologdesk.ui.main_window import MainWindow
from xerologdesk.ui.order_jobs import RunReport
from xerologdesk.ui.schedule import DAY_LIMIT

pytestmark = QT_MARKS


def three_pending(window: MainWindow, import_lines: Callable[..., object]) -> None:
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    import_lines([line(f"SO-{n:02d}") for n in range(1, 4)])
    assert window.model.status_counts[Status.PENDING] == 3


def test_the_timer_starts_a_sync_through_the_runner_and_shows_the_next_one(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    three_pending(window, import_lines)
    schedule = window.schedule
    assert schedule.minutes == 15 and schedule.timer.isActive()  # a fresh install's default
    assert schedule.timer.interval() == 15 * 60_000
    planned = schedule.next_run
    assert planned is not None
    # The connection was stored behind the window's back: the poll of the database shows it.
    expected = f"Next sync at {planned.astimezone():%H:%M}"
    qtbot.waitUntil(lambda: window.schedule_label.text() == expected, timeout=WAIT_MS)

    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS) as finished:
        schedule.timer.timeout.emit()
    report: RunReport = finished.args[0]
    wait_idle(window, qtbot)
    assert [outcome.status for outcome in report.outcomes] == [Status.SUCCEEDED] * 3
    assert len(connected.state()["invoices"]) == 3
    assert schedule.timer.isActive() and schedule.next_run is not None
    assert schedule.next_run >= planned


def test_no_run_starts_while_one_is_in_progress(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    three_pending(window, import_lines)
    started: list[str] = []
    window.orders.run_started.connect(started.append)
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.sync_now()
        assert window.orders.busy
        window.schedule.timer.timeout.emit()  # the tick comes while the run is under way
        assert window.schedule.skipped == "a run is under way"
    wait_idle(window, qtbot)
    assert started == ["Syncing pending orders"]
    assert len(connected.state()["invoices"]) == 3  # none sent twice
    assert window.schedule.timer.isActive()  # the next tick comes as usual


def test_a_tick_skips_while_another_process_holds_the_sync(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    three_pending(window, import_lines)
    other = SyncLock(window.desktop.app.data_dir)
    other.acquire()
    try:
        busy = sync_busy_message(window.desktop.app.data_dir)
        window.schedule.timer.timeout.emit()
    finally:
        other.release()
    assert busy is not None and window.schedule.skipped == busy
    assert not window.orders.busy
    assert window.model.status_counts[Status.PENDING] == 3


def test_without_a_connection_the_schedule_waits_for_one(window: MainWindow, qtbot: QtBot) -> None:
    assert window.schedule_label.text() == "Automatic sync waits for a connection to Xero"
    window.schedule.timer.timeout.emit()
    assert window.schedule.skipped == "not connected" and not window.orders.busy


def test_turned_off_there_is_no_timer(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.orders.settings_saved, timeout=WAIT_MS):
        window.orders.save_settings({"sync_every_minutes": "0"})
    assert not window.schedule.timer.isActive()
    assert window.schedule_label.text() == "Automatic sync off"
    with qtbot.waitSignal(window.orders.settings_saved, timeout=WAIT_MS):
        window.orders.save_settings({"sync_every_minutes": "5"})
    assert window.schedule.timer.interval() == 5 * 60_000


def test_a_day_limit_pauses_the_schedule_and_says_until_when(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    three_pending(window, import_lines)
    connected.set_limits(day=1)
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS) as finished:
        window.schedule.timer.timeout.emit()
    report: RunReport = finished.args[0]
    wait_idle(window, qtbot)
    window._resume_timer.stop()
    assert report.day_limit
    schedule = window.schedule
    assert schedule.paused_for == DAY_LIMIT and schedule.paused_until is not None
    text = window.schedule_label.text()
    assert text == (
        f"Automatic sync paused until {schedule.paused_until.astimezone():%H:%M}: {DAY_LIMIT}"
    )
    started: list[str] = []
    window.orders.run_started.connect(started.append)
    schedule.timer.timeout.emit()
    assert schedule.skipped == DAY_LIMIT and started == []


@pytest.mark.parametrize("paused", [True, False])
def test_pausing_by_hand_holds_the_ticks(
    window: MainWindow, connected: Sandbox, paused: bool, qtbot: QtBot
) -> None:
    window.schedule.set_paused(paused)
    label = window.schedule_label.text()
    assert label == "Automatic sync paused" if paused else label.startswith("Next sync at ")
    window.schedule.timer.timeout.emit()
    assert window.schedule.skipped == ("paused" if paused else "")
    wait_idle(window, qtbot)


def test_saving_start_at_login_writes_the_autostart_entry(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    entry = autostart.desktop_entry_path()
    for enabled in (True, False):
        with qtbot.waitSignal(window.orders.settings_saved, timeout=WAIT_MS):
            window.orders.save_settings({"start_at_login": enabled})
        wait_idle(window, qtbot)  # the entry is written on a worker
        assert entry.exists() is enabled


def test_an_autostart_entry_that_cannot_be_written_is_said_in_a_warning(
    window: MainWindow, qtbot: QtBot, shown: Shown, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "config"
    not_a_folder.write_text("a file where the config folder should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(not_a_folder))
    with qtbot.waitSignal(window.orders.settings_saved, timeout=WAIT_MS):
        window.orders.save_settings({"start_at_login": True})
    wait_idle(window, qtbot)
    [(_, title, text, _details)] = shown.take("warning")
    assert title == "Start at login"
    assert text.startswith("The entry that starts XeroLogDesk at login could not be written: ")


def test_the_automatic_page_names_the_intervals(window: MainWindow) -> None:
    dialog = window.open_settings("Automatic")
    combo = dialog._editors["sync_every_minutes"]
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(n) for n in range(combo.count())] == [
        "Off",
        "Every 5 minutes",
        "Every 15 minutes",
        "Every 30 minutes",
        "Every hour",
    ]
    assert combo.currentText() == "Every 15 minutes"
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Automatic"
    dialog.reject()
