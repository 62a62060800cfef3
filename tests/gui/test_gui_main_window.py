"""The main window's other duties: exporting the shown log, the watched inbox folder, the view
state it remembers, the log folder, About."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from gui_support import QT_MARKS, WAIT_MS, Opened, Shown, line, refs_shown, wait_idle, write_orders
from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.log_model import COLUMN_INDEX
from xerologdesk.ui.main_window import MainWindow

pytestmark = QT_MARKS

SNEAKY = ("-C-77", '=HYPERLINK("http://evil.example","click")')


@pytest.fixture
def offline(window: MainWindow) -> MainWindow:
    """Not connected, and imports are not synced: the orders stay pending."""
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    return window


def test_export_writes_the_shown_rows_with_formulas_neutralised(
    offline: MainWindow, import_lines: Callable[..., object], tmp_path: Path, qtbot: QtBot
) -> None:
    window = offline
    import_lines([line("SO-1"), line("SO-2", SNEAKY), line("@SO-3", SNEAKY), line("SO-4")])
    window.filter_bar.search.setText("evil")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=WAIT_MS)
    target = tmp_path / "log.csv"
    window.export_csv(target)
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage().startswith("Exported"), timeout=WAIT_MS
    )
    wait_idle(window, qtbot)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # The rows shown, in the order shown (newest first), and nothing else.
    assert [row["order_ref"] for row in rows] == ["'@SO-3", "SO-2"]
    assert {row["customer_name"] for row in rows} == {"'" + SNEAKY[1]}
    assert {row["customer_reference"] for row in rows} == {"'-C-77"}
    assert rows[0]["total"] == "32.00" and rows[0]["status"] == "pending"
    assert window.statusBar().currentMessage() == f"Exported 2 orders to {target}"
    assert not (tmp_path / "log.csv.part").exists()


def test_files_dropped_in_the_inbox_are_imported_and_moved_aside(
    offline: MainWindow, tmp_path: Path, shown: Shown, qtbot: QtBot
) -> None:
    window = offline
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    window.inbox.set_settle_interval(20)
    # Chosen in Settings, the folder is watched at once.
    dialog = window.open_settings("Inbox")
    dialog.set_value("inbox_folder", str(inbox))
    with qtbot.waitSignal(window.orders.settings_saved, timeout=WAIT_MS):
        dialog.accept()
    assert window.inbox.folder == inbox

    write_orders(inbox / "monday.csv", [line("SO-1"), line("SO-2")])
    (inbox / "broken.csv").write_text("order_ref,posted_date\nSO-9,yesterday\n", encoding="utf-8")
    (inbox / "notes.txt").write_text("not an order file", encoding="utf-8")
    qtbot.waitUntil(lambda: (inbox / "imported" / "monday.csv").exists(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: (inbox / "problems" / "broken.csv").exists(), timeout=WAIT_MS)
    wait_idle(window, qtbot)
    assert sorted(refs_shown(window)) == ["SO-1", "SO-2"]
    report = (inbox / "problems" / "broken.csv.problems.txt").read_text(encoding="utf-8")
    assert "broken.csv:1:" in report
    assert (inbox / "notes.txt").exists()  # not an order file: left alone
    [(_, title, text, details)] = shown.take("warning")
    assert title == "Import problems"
    assert "broken.csv: not imported" in text
    assert "broken.csv:1:" in details


def test_column_widths_and_geometry_are_remembered(
    desktop: Desktop, opened: Opened, qtbot: QtBot
) -> None:
    first = MainWindow(desktop)
    qtbot.addWidget(first)
    first.show()
    first.resize(1000, 520)
    first.view.setColumnWidth(COLUMN_INDEX["customer"], 333)
    first.close()
    second = MainWindow(desktop)
    qtbot.addWidget(second)
    second.show()
    assert second.view.columnWidth(COLUMN_INDEX["customer"]) == 333
    assert second.height() == 520  # (the offscreen screen is too narrow to test the width)


def test_open_log_folder_and_about(window: MainWindow, opened: Opened, shown: Shown) -> None:
    window.commands["log_folder"].trigger()
    assert opened.urls == [QUrl.fromLocalFile(str(window.desktop.log_dir)).toString()]
    window.commands["about"].trigger()
    [(_, title, text, _)] = shown.take("about")
    assert title == "About XeroLogDesk"
    assert str(window.desktop.app.data_dir) in text


def test_syncing_while_not_connected_says_how_to_connect(
    offline: MainWindow, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    window = offline
    import_lines([line("SO-1")])
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.sync_now()
    wait_idle(window, qtbot)
    assert window.banner.isVisible()
    assert window.banner.text.text().startswith("Nothing was sent: Not connected to Xero.")
    assert window.banner.action.text() == "Connection\u2026"
    window.banner.action.click()
    dialog = window.settings_dialog
    assert dialog is not None and dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Connection"
    dialog.reject()
    assert window.connection_button.text() == "Not connected"


def test_an_inbox_file_with_a_huge_header_gets_a_short_problems_file(
    offline: MainWindow, tmp_path: Path, qtbot: QtBot
) -> None:
    """100,000 unknown columns: the ``.problems.txt`` lists the first 100 and how many more
    (a million columns wrote 336 MB)."""
    window = offline
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    window.inbox.set_settle_interval(20)
    window.desktop.app.settings.set("inbox_folder", str(inbox))
    window.inbox.watch(inbox)
    header = "order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price,"
    wide = inbox / "wide.csv"
    wide.write_text(header + ",".join(f"extra{n}" for n in range(100_000)) + "\n")
    report = inbox / "problems" / "wide.csv.problems.txt"
    qtbot.waitUntil(report.exists, timeout=WAIT_MS)
    lines = report.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 101
    assert lines[0].startswith(f"{wide}:1: unknown column")
    assert "\u2026 and 99,900 more problems in" in lines[-1]
