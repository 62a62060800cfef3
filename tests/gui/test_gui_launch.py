"""``xerologdesk --sandbox`` as a new user meets it: the demo organisation, the demo orders
imported and synced within seconds, a failed row that explains itself and Auto Sync fixing it;
and a second start that picks up where the first left off; a sandbox state file in use said
plainly."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from gui_support import QT_MARKS, WAIT_MS, Shown, order_id, status_of, wait_idle
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from xerologdesk.sandbox import Sandbox
from xerologdesk.store import book
from xerologdesk.sync.engine import Action
from xerologdesk.ui import launch
from xerologdesk.ui.main_window import ALREADY_OPEN_HERE

pytestmark = QT_MARKS

DEMO_ORDERS = 22


def start(data_dir: Path) -> launch.Started:
    args = argparse.Namespace(data_dir=str(data_dir), sandbox=True)
    # Xero's real limits stay on (the default): the demo must live within them.
    return launch.start(args, log_to_file=False, open_url=lambda url: None)


def settled(started: launch.Started) -> bool:
    counts = started.window.model.status_counts
    return (
        sum(counts.values()) == DEMO_ORDERS
        and counts["pending"] == 0
        and started.desktop.jobs.is_idle()
    )


def test_the_sandbox_demo_from_first_start_to_a_fixed_failure(
    qapp: object, tmp_path: Path, qtbot: QtBot
) -> None:
    started = start(tmp_path / "data")
    window = started.window
    try:
        qtbot.waitUntil(lambda: settled(started), timeout=WAIT_MS)
        assert window.windowTitle() == "XeroLogDesk \u2014 Harbourside Wholesale"
        assert window.connection_button.text() == "Harbourside Wholesale \u00b7 sandbox"
        counts = window.model.status_counts
        assert counts["succeeded"] > 0 and counts["failed"] > 0
        assert window.settings.get("default_sales_account") == "200"

        # F8 goes to a failed order; Enter explains it.
        window.view.setFocus()
        qtbot.keyClick(window.view, Qt.Key.Key_F8)
        current = window.model.row_at(window.view.currentIndex().row())
        assert current is not None and current.status == "failed"
        qtbot.keyClick(window.view, Qt.Key.Key_Return)
        details = window.details[current.id]
        assert details.reasons.text()

        # Auto Sync fixes the order missing both its customer and its products.
        fixed = order_id(window, "SO-1006")
        assert status_of(window, "SO-1006") == "Failed"
        with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
            window.orders.resolve([fixed], Action.AUTO_SYNC)
        wait_idle(window, qtbot)
        assert status_of(window, "SO-1006") == "Succeeded"
    finally:
        window.close()
        started.shutdown()

    # The second start neither imports the demo again nor loses the sandbox's invoices.
    again = start(tmp_path / "data")
    try:
        qtbot.waitUntil(lambda: settled(again), timeout=WAIT_MS)
        assert status_of(again.window, "SO-1006") == "Succeeded"
        invoices = again.desktop.sandbox.state()["invoices"]
        assert "SO-1006" in {invoice["Reference"] for invoice in invoices}
    finally:
        again.window.close()
        again.shutdown()


def test_a_second_start_on_the_same_data_brings_the_open_window_to_the_front(
    qapp: object, tmp_path: Path, qtbot: QtBot
) -> None:
    """No second window, and no second sandbox re-pointing the connection the first one uses
    (which left the first syncing to a dead port once the second closed)."""
    data = str(tmp_path / "data")
    first = start(tmp_path / "data")
    window = first.window
    second: subprocess.Popen[str] | None = None
    try:
        qtbot.waitUntil(lambda: settled(first), timeout=WAIT_MS)
        connection = book.get_connection()
        assert connection is not None
        assert connection.base_url == first.desktop.sandbox.base_url
        window.showMinimized()
        second = subprocess.Popen(
            [sys.executable, "-m", "xerologdesk", "--data-dir", data, "--sandbox"],
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # The open window answers from its event loop, which waiting here keeps running.
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=WAIT_MS)
        _, err = second.communicate()
        assert second.returncode == 0, err
        assert launch.ALREADY_OPEN in err
        assert not window.isMinimized()
        assert window.statusBar().currentMessage() == ALREADY_OPEN_HERE
        assert book.get_connection() == connection  # not re-pointed to a second sandbox
    finally:
        if second is not None and second.poll() is None:
            second.kill()  # it opened a second window: the failure above says so
            second.wait()
        window.close()
        first.shutdown()


def test_started_minimized_without_a_tray_the_window_starts_minimised(
    qapp: object, tmp_path: Path, qtbot: QtBot
) -> None:
    """What start at login runs (``--minimized``); with a tray only its icon would show."""
    args = argparse.Namespace(data_dir=str(tmp_path / "data"), sandbox=False, minimized=True)
    started = launch.start(args, log_to_file=False, open_url=lambda url: None)
    try:
        assert started.window.tray.icon is None  # offscreen: no tray
        assert started.window.isMinimized()
    finally:
        started.window.quit_app()
        started.shutdown()


def test_a_sandbox_state_file_another_sandbox_uses_is_said_plainly(
    qapp: object, tmp_path: Path, shown: Shown
) -> None:
    state = tmp_path / "data" / launch.SANDBOX_STATE
    with Sandbox(state_path=state, seed="empty"):
        started = start(tmp_path / "data")
        try:
            assert shown.take("error") == [
                (
                    "error",
                    "Sandbox not started",
                    "The embedded sandbox was not started: the sandbox state file "
                    f"{state} is in use by process {os.getpid()}. Close that sandbox (an "
                    "xerologdesk sandbox command, or another window) and start again.",
                    "",
                )
            ]
            assert started.desktop.sandbox is None
        finally:
            started.window.close()
            started.shutdown()
