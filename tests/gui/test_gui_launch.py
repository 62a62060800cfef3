"""``xerologdesk --sandbox`` as a new user meets it: the demo organisation, the demo orders
imported and synced within seconds, a failed row that explains itself and Auto Sync fixing it;
and a second start that picks up where the first left off."""

from __future__ import annotations

import argparse
from pathlib import Path

from gui_support import QT_MARKS, WAIT_MS, order_id, status_of, wait_idle
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from xerologdesk.sync.engine import Action
from xerologdesk.ui import launch

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
