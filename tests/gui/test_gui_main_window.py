"""The main window's other duties: exporting the shown log, the watched inbox folder, the view
state it remembers, the log folder, About."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from gui_support import (
    MISSING_SKU,
    NEW_CUSTOMER,
    QT_MARKS,
    WAIT_MS,
    Opened,
    Shown,
    cell,
    line,
    order_id,
    refs_shown,
    status_of,
    table_texts,
    wait_idle,
    write_orders,
)
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication, QHeaderView, QMessageBox
from pytestqt.qtbot import QtBot

from xerologdesk.sync.lock import SyncLock
from xerologdesk.ui import messages
from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.log_model import COLUMN_INDEX
from xerologdesk.ui.main_window import MainWindow
from xerologdesk.ui.messages import notice as real_notice

pytestmark = QT_MARKS

SNEAKY = ("-C-77", '=HYPERLINK("http://evil.example","click")')


@pytest.fixture
def offline(window: MainWindow) -> MainWindow:
    """Not connected, and imports are not synced: the orders stay pending."""
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    return window


def exported(window: MainWindow, target: Path, qtbot: QtBot) -> list[dict[str, str]]:
    """Export the shown log to ``target`` through the window; the rows written."""
    window.export_csv(target)
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage().startswith("Exported"), timeout=WAIT_MS
    )
    wait_idle(window, qtbot)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_writes_the_shown_rows_with_formulas_neutralised(
    offline: MainWindow, import_lines: Callable[..., object], tmp_path: Path, qtbot: QtBot
) -> None:
    window = offline
    import_lines([line("SO-1"), line("SO-2", SNEAKY), line("@SO-3", SNEAKY), line("SO-4")])
    window.filter_bar.search.setText("evil")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=WAIT_MS)
    target = tmp_path / "log.csv"
    rows = exported(window, target, qtbot)
    # The rows shown, in the order shown (newest first), and nothing else.
    assert [row["order_ref"] for row in rows] == ["'@SO-3", "SO-2"]
    assert {row["customer_name"] for row in rows} == {"'" + SNEAKY[1]}
    assert {row["customer_reference"] for row in rows} == {"'-C-77"}
    assert rows[0]["total"] == "32.00" and rows[0]["status"] == "pending"
    assert window.statusBar().currentMessage() == f"Exported 2 orders to {target}"
    assert not (tmp_path / "log.csv.part").exists()


@pytest.fixture
def inbox(offline: MainWindow, tmp_path: Path) -> Path:
    """An empty inbox folder, not watched yet; the window takes a file in it once the file has
    not changed for 20 ms."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    offline.inbox.set_settle_interval(20)
    return folder


def test_files_dropped_in_the_inbox_are_imported_and_moved_aside(
    offline: MainWindow, inbox: Path, shown: Shown, qtbot: QtBot
) -> None:
    window = offline
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
    [(_, title, text, details)] = shown.take("notice")
    assert title == "Import problems"
    assert "broken.csv: not imported" in text
    assert "broken.csv:1:" in details


def test_an_inbox_folder_set_from_the_command_line_is_watched_by_the_open_window(
    offline: MainWindow, inbox: Path, qtbot: QtBot
) -> None:
    window = offline
    assert window.inbox.folder is None
    # Another process (the command line) sets the folder while the window is open.
    command = ["settings", "inbox_folder", str(inbox)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "xerologdesk",
            "--data-dir",
            str(window.desktop.app.data_dir),
            *command,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: window.inbox.folder == inbox, timeout=WAIT_MS)
    write_orders(inbox / "tuesday.csv", [line("SO-7")])
    qtbot.waitUntil(lambda: (inbox / "imported" / "tuesday.csv").exists(), timeout=WAIT_MS)
    wait_idle(window, qtbot)
    assert refs_shown(window) == ["SO-7"]
    # Settings shows what the command line stored, so saving another change keeps it.
    dialog = window.open_settings("Inbox")
    assert dialog.value_of("inbox_folder") == str(inbox)
    dialog.reject()


def test_column_widths_and_geometry_are_remembered(
    desktop: Desktop, opened: Opened, qtbot: QtBot
) -> None:
    first = MainWindow(desktop)
    qtbot.addWidget(first)
    first.show()
    first.resize(1000, 520)
    first.view.setColumnWidth(COLUMN_INDEX["customer"], 333)
    wait_idle(first, qtbot)  # its start-up reads (the problems' count) are done
    first.close()
    second = MainWindow(desktop)
    qtbot.addWidget(second)
    second.show()
    assert second.view.columnWidth(COLUMN_INDEX["customer"]) == 333
    assert second.height() == 520  # (the offscreen screen is too narrow to test the width)
    wait_idle(second, qtbot)


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


def test_export_gives_each_failure_its_stable_reason_codes(
    window: MainWindow,
    connected: object,
    import_lines: Callable[..., object],
    tmp_path: Path,
    qtbot: QtBot,
) -> None:
    import_lines([line("SO-1"), line("SO-2", NEW_CUSTOMER, MISSING_SKU)])
    rows = {row["order_ref"]: row for row in exported(window, tmp_path / "log.csv", qtbot)}
    assert rows["SO-2"]["status"] == "failed"
    assert rows["SO-2"]["reason_codes"] == "customer_not_found product_not_found"
    assert MISSING_SKU in rows["SO-2"]["reason"]
    assert rows["SO-1"]["status"] == "succeeded" and rows["SO-1"]["reason_codes"] == ""


def test_a_status_message_and_a_run_s_progress_sit_side_by_side_never_on_top(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.resize(1200, 800)
    bar = window.statusBar()
    message = "demo-orders.csv: imported 22 orders"
    bar.showMessage(message)
    window.orders.run_started.emit("Syncing pending orders")
    panel = window.run_panel
    qtbot.waitUntil(lambda: panel.isVisible() and panel.bar.isVisible(), timeout=WAIT_MS)
    QApplication.processEvents()
    assert bar.currentMessage() == message
    # The message is drawn from the left edge; the panel starts after its text.
    assert panel.geometry().left() > bar.fontMetrics().horizontalAdvance(message)
    assert panel.label.text() == "Syncing pending orders\u2026"
    # The progress bar beside the run's words, not over them.
    assert not panel.bar.geometry().intersects(panel.label.geometry())
    assert panel.bar.geometry().left() >= panel.label.geometry().right()
    panel.finished()


def test_the_reason_sits_beside_the_status_fits_the_window_and_shows_whole_in_a_tooltip(
    window: MainWindow, connected: object, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    window.resize(1200, 800)
    import_lines([line("SO-1", NEW_CUSTOMER, MISSING_SKU)])
    QApplication.processEvents()
    view, header = window.view, window.view.horizontalHeader()
    reason = COLUMN_INDEX["reason"]
    assert header.visualIndex(reason) == header.visualIndex(COLUMN_INDEX["status"]) + 1
    # No sideways scrolling at 1200 px: every column ends inside the viewport.
    assert not view.horizontalScrollBar().isVisible()
    assert header.length() <= view.viewport().width()
    index = window.model.index(0, reason)
    shown_text, tooltip = str(index.data()), str(index.data(Qt.ItemDataRole.ToolTipRole))
    assert MISSING_SKU in tooltip and NEW_CUSTOMER[1] in tooltip  # the whole reason
    # Too long for its cell, so it is drawn elided with "…", never cut mid-word.
    assert view.fontMetrics().horizontalAdvance(shown_text) > header.sectionSize(reason)
    assert view.textElideMode() == Qt.TextElideMode.ElideRight
    assert header.sectionResizeMode(reason) == QHeaderView.ResizeMode.Stretch


def test_an_import_s_problems_are_written_in_its_dialog_as_the_command_line_writes_them(
    offline: MainWindow, tmp_path: Path, shown: Shown, qtbot: QtBot
) -> None:
    window = offline
    lines = [line(f"SO-{n}") for n in range(1, 9)]
    bad = [(*each[:7], "3O.00", each[8]) for each in lines[1:8]]  # seven prices with a letter O
    path = write_orders(tmp_path / "week.csv", [lines[0], *bad])
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS):
        window.import_files([path])
    wait_idle(window, qtbot)
    [(_, title, text, details)] = shown.take("notice")
    assert title == "Import problems"
    first = text.splitlines()[2]
    assert first == f"{path}:3: unit_price \u201c3O.00\u201d is not a number (e.g. 12.50)"
    assert [each for each in text.splitlines() if each.startswith(f"{path}:")] == (
        details.splitlines()[:5]
    )
    assert "\u2026and 2 more (Show Details\u2026)" in text
    assert len(details.splitlines()) == 7


def test_the_help_menu_has_the_guide_and_the_log_folder(window: MainWindow, qtbot: QtBot) -> None:
    [help_menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "&Help"]
    texts = [action.text() for action in help_menu.actions() if not action.isSeparator()]
    assert texts == ["XeroLogDesk guide", "Open log folder", "About XeroLogDesk"]
    guide = window.show_guide()
    qtbot.waitExposed(guide)
    text = guide.text.toPlainText()
    assert "Resolving failures" in text and "Auto Sync" in text
    guide.close()


def test_open_in_xero_without_a_browser_says_so_and_copies_the_link(
    window: MainWindow,
    connected: object,
    import_lines: Callable[..., object],
    shown: Shown,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_lines([line("SO-1")])
    window.view.select_row(0)
    monkeypatch.setattr(window.desktop, "open_url", lambda url: False)  # no launcher here
    QApplication.clipboard().setText("")
    window.commands["open_in_xero"].trigger()
    [(_, title, text, action)] = shown.take("confirm")
    assert title == "No web browser" and action == "Copy link"
    url = QApplication.clipboard().text()
    assert url.startswith("http://127.0.0.1:") and "/_sandbox/invoices/" in url
    assert url in text


def test_an_inbox_file_with_a_huge_header_gets_a_short_problems_file(
    offline: MainWindow, inbox: Path, qtbot: QtBot
) -> None:
    """100,000 unknown columns: the ``.problems.txt`` lists the first 100 and how many more
    (a million columns wrote 336 MB)."""
    window = offline
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


def test_a_bad_file_s_problems_do_not_hold_up_syncing_the_good_one(
    window: MainWindow,
    connected: object,
    tmp_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(messages, "notice", real_notice)  # the box itself, on screen
    good = write_orders(tmp_path / "monday.csv", [line("SO-1"), line("SO-2")])
    bad = tmp_path / "broken.csv"
    bad.write_text("order_ref,posted_date\nSO-9,yesterday\n", encoding="utf-8")
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS):
        window.import_files([good, bad])
    # The problems are on screen, unanswered, and nothing modal stands in the way...
    [box] = [w for w in window.findChildren(QMessageBox) if w.windowTitle() == "Import problems"]
    assert box.isVisible() and QApplication.activeModalWidget() is None
    assert "broken.csv: not imported" in box.text()
    # ...while the good file's orders sync.
    qtbot.waitUntil(lambda: status_of(window, "SO-2") == "Succeeded", timeout=WAIT_MS)
    assert status_of(window, "SO-1") == "Succeeded"
    assert box.isVisible()
    box.close()
    wait_idle(window, qtbot)


def test_a_semicolon_file_with_decimal_commas_is_imported_and_the_report_says_so(
    offline: MainWindow, tmp_path: Path, shown: Shown, qtbot: QtBot
) -> None:
    window = offline
    path = tmp_path / "europe.csv"
    path.write_text(
        "order_ref;posted_date;customer_reference;customer_name;sku;quantity;unit_price\n"
        "SO-1;2026-05-01;C-1;Caf\u00e9 Noir;W-1;2;32,00\n",
        encoding="utf-8",
    )
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS) as imported:
        window.import_files([path])
    wait_idle(window, qtbot)
    assert imported.args[0].summary == (
        "europe.csv: imported 1 order (decimal commas read as decimal points)"
    )
    assert "decimal commas read as decimal points" in window.statusBar().currentMessage()
    assert shown.take("notice") == []
    assert refs_shown(window) == ["SO-1"]


def test_the_import_problems_box_offers_to_import_the_good_orders_and_set_the_bad_aside(
    offline: MainWindow, tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = offline
    monkeypatch.setattr(messages, "notice", real_notice)  # the box itself, and its button
    bad = (*line("SO-2")[:6], "two", *line("SO-2")[7:])
    path = write_orders(
        tmp_path / "week.csv", [line("SO-1"), line("SO-2", sku="W-1"), bad, line("SO-3")]
    )
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS):
        window.import_files([path])
    wait_idle(window, qtbot)
    assert refs_shown(window) == []
    [box] = [w for w in window.findChildren(QMessageBox) if w.windowTitle() == "Import problems"]
    assert "or import the good orders now" in box.text().lower()
    [offer] = [b for b in box.buttons() if b.text() == "Import the 2 good orders"]
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS) as imported:
        qtbot.mouseClick(offer, Qt.MouseButton.LeftButton)
    wait_idle(window, qtbot)
    assert sorted(refs_shown(window)) == ["SO-1", "SO-3"]  # SO-2 not half imported
    assert imported.args[0].summary == (
        "week.csv: imported 2 orders; set aside 1 order with problems in week.rejected.csv"
    )
    rejected = (tmp_path / "week.rejected.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rejected) == 3 and rejected[0].startswith("problem,order_ref,")
    # The box that reports it offers nothing more, and says where the bad orders are.
    [after] = [
        w
        for w in window.findChildren(QMessageBox)
        if w.windowTitle() == "Import problems" and w.isVisible()
    ]
    assert "set aside in week.rejected.csv" in after.text()
    assert not [b for b in after.buttons() if b.text().startswith("Import the")]
    after.close()


def test_an_inbox_file_s_good_orders_are_imported_from_its_problems_folder(
    offline: MainWindow, inbox: Path, shown: Shown, qtbot: QtBot
) -> None:
    window = offline
    window.inbox.watch(inbox)
    bad = (*line("SO-2")[:1], "yesterday", *line("SO-2")[2:])
    write_orders(inbox / "tuesday.csv", [line("SO-1"), bad])
    qtbot.waitUntil(lambda: (inbox / "problems" / "tuesday.csv").exists(), timeout=WAIT_MS)
    wait_idle(window, qtbot)
    [(_, title, _text, _details)] = shown.take("notice")
    [(label, act)] = shown.actions
    assert (title, label) == ("Import problems", "Import the 1 good order")
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS):
        act()
    wait_idle(window, qtbot)
    assert refs_shown(window) == ["SO-1"]
    rejected = inbox / "problems" / "tuesday.rejected.csv"
    assert "is not a date" in rejected.read_text(encoding="utf-8-sig")
    assert not (inbox / "tuesday.rejected.csv").exists()  # not imported again from the inbox
    shown.take("notice")


def test_an_order_not_in_xero_imported_again_changed_is_listed_and_replaced_when_asked(
    offline: MainWindow, tmp_path: Path, shown: Shown, qtbot: QtBot
) -> None:
    window = offline
    first = write_orders(tmp_path / "monday.csv", [line("SO-1"), line("SO-2")])
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS):
        window.import_files([first])
    wait_idle(window, qtbot)
    fixed = write_orders(tmp_path / "fixed.csv", [line("SO-1", quantity="2"), line("SO-2")])

    shown.confirm_answer = False
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS):
        window.import_files([fixed])
    wait_idle(window, qtbot)
    [(_, title, text, action)] = shown.take("confirm")
    assert (title, action) == ("Replace changed orders", "Replace 1 order")
    assert (
        "SO-1: line 1: \u201cBEAN-HOUSE-1KG\u201d \u00d7 \u201c1\u201d at \u201c32\u201d \u2192 "
        "\u201cBEAN-HOUSE-1KG\u201d \u00d7 \u201c2\u201d at \u201c32\u201d"
    ) in text
    assert shown.take("notice") == []  # a question, not a problem
    assert cell(window, "SO-1", "total") == "32.00 AUD"  # declined: left as it was

    shown.confirm_answer = True
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS):
        window.import_files([fixed])
    qtbot.waitUntil(lambda: cell(window, "SO-1", "total") == "64.00 AUD", timeout=WAIT_MS)
    wait_idle(window, qtbot)
    assert shown.take("confirm")
    assert "fixed.csv: imported 0 orders, replaced 1 order, skipped 1 already imported" in (
        window.statusBar().currentMessage()
    )
    assert status_of(window, "SO-1") == "Pending"
    details = window.open_details(order_id(window, "SO-1"))
    qtbot.waitExposed(details)
    [history] = table_texts(details.history)
    assert history[1:3] == ["Replaced by an import", "Pending"]
    assert history[3].startswith("Replaced by the content of fixed.csv: line 1:")
    details.close()


def test_replacing_waits_while_another_xerologdesk_syncs(
    offline: MainWindow, tmp_path: Path, shown: Shown, qtbot: QtBot
) -> None:
    window = offline
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS):
        window.import_files([write_orders(tmp_path / "a.csv", [line("SO-1")])])
    fixed = write_orders(tmp_path / "b.csv", [line("SO-1", quantity="3")])
    with SyncLock(window.desktop.app.data_dir):
        with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS):
            window.import_files([fixed], replace=True)
        wait_idle(window, qtbot)
    [(_, title, text, _details)] = shown.take("notice")
    assert title == "Import problems"
    assert "another xerologdesk is syncing this data directory" in text
    assert "nothing was imported" in text
    assert cell(window, "SO-1", "total") == "32.00 AUD"
