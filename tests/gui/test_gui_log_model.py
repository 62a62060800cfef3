"""The log table's model and filter: paging from SQL, filter, counts, search, dates, sorting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from gui_support import (
    MISSING_SKU,
    QT_MARKS,
    WAIT_MS,
    line,
    painted_text,
    refs_in_sql,
    refs_shown,
    select_refs,
    status_of,
    wait_idle,
)
from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan, Qt
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from xerologdesk.store import queries
from xerologdesk.store.models import database
from xerologdesk.store.queries import LogFilter
from xerologdesk.ui import log_model
from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.log_model import COLUMN_INDEX, ORDER_ID_ROLE, ROW_ROLE, STATUS_ROLE, LogModel
from xerologdesk.ui.main_window import MainWindow

pytestmark = QT_MARKS

CUSTOMERS = [
    ("C-1001", "Bondi Beans Café"),
    ("C-1002", "Coogee Corner Store"),
    ("C-1003", "Manly Wharf Kiosk"),
]


@pytest.fixture
def log_of_25(window: MainWindow, import_lines: Callable[..., object]) -> MainWindow:
    """25 pending orders (not connected, nothing syncs): three customers, prices with ties."""
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    lines = [
        line(
            f"SO-{n:03d}",
            CUSTOMERS[n % 3],
            "TEA-EARL-500" if n % 5 == 0 else "BEAN-HOUSE-1KG",
            posted=f"2026-10-{n:02d}",
            quantity=str(1 + n % 4),
        )
        for n in range(1, 26)
    ]
    import_lines(lines)
    return window


def test_the_model_passes_qt_model_tester(log_of_25: MainWindow, qtmodeltester) -> None:
    log_of_25.model.set_filter(LogFilter())
    qtmodeltester.check(log_of_25.model, force_py=True)


def test_an_empty_log_passes_qt_model_tester(desktop: Desktop, qtmodeltester) -> None:
    model = LogModel(desktop.jobs)
    model.reload()
    assert model.rowCount() == 0
    qtmodeltester.check(model, force_py=True)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort_key", ["total", "customer_name", "posted_date"])
def test_pages_read_from_both_ends_give_the_sql_order(
    log_of_25: MainWindow, sort_key: str, descending: bool
) -> None:
    # Pages of 4: the rows past the middle are read backwards from the end of the log.
    model = LogModel(log_of_25.desktop.jobs, page_size=4)
    model._sort_key, model._descending = sort_key, descending
    model.reload()
    shown = [model.row_at(row).order_ref for row in range(model.rowCount())]
    assert len(shown) == 25
    assert shown == refs_in_sql(LogFilter(), sort_key, descending)
    # Jumping to the end first reads only the last page.
    fresh = LogModel(log_of_25.desktop.jobs, page_size=4)
    fresh.reload()
    last = fresh.row_at(fresh.rowCount() - 1)
    assert last is not None and len(fresh._pages) == 1


def test_a_filter_showing_many_rows_is_counted_by_a_reader_job(
    log_of_25: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More rows than the model counts at once: it shows that many and one more, and a job on
    # the app's reader pool (which the leftover-work check sees) brings the exact count.
    monkeypatch.setattr(log_model, "COUNT_AT_ONCE", 10)
    model = log_of_25.model
    with qtbot.waitSignal(model.rows_counted, timeout=WAIT_MS) as counted:
        model.set_filter(LogFilter(date_from=date(2026, 10, 2)))
        assert (model.rowCount(), model.count_is_exact) == (11, False)
        assert [job.name for job in log_of_25.desktop.jobs.unfinished()] == ["Count the log's rows"]
    assert counted.args == [24]
    assert (model.rowCount(), model.count_is_exact) == (24, True)


def test_a_write_elsewhere_repaints_a_log_too_big_to_count_at_once_in_place(
    log_of_25: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every order shown, more than the model counts at once: the status counts still give the
    # exact count, so a poll that sees a write made elsewhere repaints the rows where they are
    # (a reset of a million-row view repaints it several times over).
    monkeypatch.setattr(log_model, "COUNT_AT_ONCE", 10)
    model = log_of_25.model
    with qtbot.waitSignal(model.rows_counted, timeout=WAIT_MS):
        model.reload()
    resets: list[object] = []
    model.modelReset.connect(lambda: resets.append(None))
    log_of_25.orders.save_settings({"default_sales_account": "200"})  # the writer's commit
    wait_idle(log_of_25, qtbot)
    log_of_25._poll_changes()  # (or the poll's timer, whichever comes first)
    qtbot.waitUntil(lambda: not model.behind() and not model.reading, timeout=WAIT_MS)
    assert (resets, model.rowCount()) == ([], 25)


def test_a_reading_shown_in_place_repaints_only_the_rows_that_changed(
    log_of_25: MainWindow, qtbot: QtBot
) -> None:
    # The end of a run reads the log again and shows it in place: rows that read the same keep
    # their cells, and nothing is repainted unless something on screen changed.
    model, view = log_of_25.model, log_of_25.view
    wait_idle(log_of_25, qtbot)
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom: changed.append((top.row(), bottom.row())))
    held = model.row_at(3)
    with qtbot.waitSignal(model.reloaded, timeout=WAIT_MS):
        view.reload_in_background()
    assert (changed, model.repainted, model.row_at(3) is held) == ([], False, True)
    ref = held.order_ref  # type: ignore[union-attr]
    database.execute_sql("UPDATE log_entry SET note = 'on hold' WHERE order_ref = ?", [ref])
    with qtbot.waitSignal(model.reloaded, timeout=WAIT_MS):
        view.reload_in_background()
    assert (changed, model.repainted) == ([(3, 3)], True)
    assert model.row_at(3).note == "on hold"  # type: ignore[union-attr]
    assert refs_shown(log_of_25) == refs_in_sql(LogFilter(), *model.sort_order)


def test_a_paint_asks_for_a_cells_roles_together_and_gets_what_data_answers(
    log_of_25: MainWindow,
) -> None:
    # The delegates ask multiData, once a cell, at each repaint; data() answers single roles.
    model = log_of_25.model
    roles = [
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,  # not answered: left unset
        ORDER_ID_ROLE,
        STATUS_ROLE,
        ROW_ROLE,
    ]

    def comparable(value: object) -> object:
        return value.cacheKey() if isinstance(value, QIcon) else value

    for row in (0, 12, 24):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            asked = [QModelRoleData(int(role)) for role in roles]
            for each in asked:
                index.multiData(QModelRoleDataSpan(each))
            assert [comparable(each.data()) for each in asked] == [
                comparable(index.data(role)) for role in roles
            ]


def test_the_status_filter_and_its_live_counts(log_of_25: MainWindow, qtbot: QtBot) -> None:
    window = log_of_25
    assert window.filter_bar.status_buttons[None].text() == "All  25"
    assert window.filter_bar.status_buttons["pending"].text() == "Pending  25"
    assert window.filter_bar.status_buttons["failed"].text() == "Failed  0"
    qtbot.mouseClick(window.filter_bar.status_buttons["failed"], Qt.MouseButton.LeftButton)
    assert window.model.rowCount() == 0
    assert window.stack.currentWidget() is window.empty
    assert window.empty.title.text() == "No orders match"
    qtbot.mouseClick(window.empty.button, Qt.MouseButton.LeftButton)  # "Show all orders"
    assert window.model.rowCount() == 25
    assert window.stack.currentWidget() is window.view


def test_search_is_debounced_and_finds_refs_customers_and_skus(
    log_of_25: MainWindow, qtbot: QtBot
) -> None:
    window = log_of_25
    search = window.filter_bar.search
    qtbot.keyClicks(search, "Manly")
    assert window.model.rowCount() == 25  # nothing yet: the search waits for a pause in typing
    qtbot.waitUntil(lambda: window.model.rowCount() == 8, timeout=WAIT_MS)
    assert {window.model.row_at(r).customer_name for r in range(8)} == {"Manly Wharf Kiosk"}
    search.setText("earl")  # the SKU TEA-EARL-500, in orders 5, 10, 15, 20, 25
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=WAIT_MS)
    search.setText("SO-01")  # a ref prefix, found at once on Enter
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert sorted(refs_shown(window)) == [f"SO-{n:03d}" for n in range(10, 20)]
    search.setText("C-1001")  # a customer reference
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert window.model.rowCount() == 8


def test_the_posted_date_range(log_of_25: MainWindow) -> None:
    window = log_of_25
    window.filter_bar.set_dates(date(2026, 10, 5), date(2026, 10, 9))
    assert sorted(refs_shown(window)) == [f"SO-{n:03d}" for n in range(5, 10)]
    window.filter_bar.set_dates(date(2026, 10, 24), None)
    assert sorted(refs_shown(window)) == ["SO-024", "SO-025"]


def test_sorting_by_a_column_header(log_of_25: MainWindow, qtbot: QtBot) -> None:
    window = log_of_25
    # Newest first by default.
    assert refs_shown(window)[0] == "SO-025"
    header = window.view.horizontalHeader()
    total = COLUMN_INDEX["total"]
    header.setSortIndicator(total, Qt.SortOrder.AscendingOrder)
    assert refs_shown(window) == refs_in_sql(LogFilter(), "total", False)
    assert window.model.row_at(0).total <= window.model.row_at(24).total
    header.setSortIndicator(COLUMN_INDEX["customer"], Qt.SortOrder.DescendingOrder)
    assert window.model.row_at(0).customer_name == "Manly Wharf Kiosk"
    assert window.model.row_at(24).customer_name == "Bondi Beans Café"


def test_an_empty_log_says_what_to_do(window: MainWindow) -> None:
    assert window.stack.currentWidget() is window.empty
    assert window.empty.title.text() == "No orders yet"
    assert "Import orders" in window.empty.text.text()
    assert window.empty.button.text() == "Import orders\u2026"


def test_rows_repaint_in_place_and_the_selection_stays(
    window: MainWindow, connected, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    import_lines([line(f"SO-{n}") for n in range(1, 6)])
    window.view.viewport().grab()  # painted once as pending: the cells are kept formatted
    assert painted_text(window, "SO-3", "status") == "Pending"
    select_refs(window, ["SO-2", "SO-4"])
    window.view.setFocus()
    changed: list[int] = []
    window.model.dataChanged.connect(
        lambda top, bottom: changed.extend(range(top.row(), bottom.row() + 1))
    )
    resets: list[object] = []
    window.model.modelReset.connect(lambda: resets.append(None))
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        qtbot.keyClick(window.view, Qt.Key.Key_F5)  # Sync now
    wait_idle(window, qtbot)
    assert changed  # rows were repainted, not the whole table reset
    assert not resets  # the run's end too: as many rows as before, read again in place
    assert [status_of(window, f"SO-{n}") for n in range(1, 6)] == ["Succeeded"] * 5
    # What a repaint shows follows the rows read again, not the cells formatted before.
    assert [painted_text(window, f"SO-{n}", "status") for n in range(1, 6)] == ["Succeeded"] * 5
    assert painted_text(window, "SO-3", "invoice").startswith("INV-")
    assert sorted(row.order_ref for row in window.view.selected_rows()) == ["SO-2", "SO-4"]


def test_the_end_of_a_run_reads_the_log_once(
    window: MainWindow,
    connected,
    import_lines: Callable[..., object],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run's end reloads the log; the poll that then sees the run's writes must not read
    it all again (at a million orders sorted by Status that was a second stall). The orders
    fail (a missing SKU): an order that succeeds starts a refresh from Xero, whose writes the
    polls would rightly read again."""
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    import_lines([line(f"SO-{n}", sku=MISSING_SKU) for n in range(1, 6)])
    wait_idle(window, qtbot)
    reads: list[str] = []
    real_page_log = queries.page_log

    def page_log(*args: object, **kwargs: object) -> list[queries.LogRow]:
        reads.append("page")
        return real_page_log(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(queries, "page_log", page_log)
    # The run's end reads the log on a reader job, and shows it.
    signals = [window.orders.run_finished, window.model.reloaded]
    with qtbot.waitSignals(signals, timeout=WAIT_MS, order="strict"):
        window.commands["sync"].trigger()
    for _ in range(3):  # the polls after the run, as the window's poll timer makes them
        with qtbot.waitSignal(window.change_poll.answered, timeout=WAIT_MS):
            window._poll_changes()
    assert [status_of(window, f"SO-{n}") for n in range(1, 6)] == ["Failed"] * 5
    # The reload's one page (none if it was painted before the count began), never a second.
    assert len(reads) <= 1, reads
    wait_idle(window, qtbot)  # the problems' count the run's end asked for


def test_ctrl_f_goes_to_the_search_box(window: MainWindow, qtbot: QtBot) -> None:
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_bar.search.hasFocus()
