"""Helpers of the GUI tests: order files, waiting for background work, reading the table."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelRoleData,
    QModelRoleDataSpan,
    Qt,
)
from PySide6.QtWidgets import QApplication, QTableWidget
from pytestqt.qtbot import QtBot

from xerologdesk.store.queries import LogFilter, page_log
from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.dialogs.resolve_dialog import ResolveDialog
from xerologdesk.ui.log_model import COLUMN_INDEX
from xerologdesk.ui.main_window import MainWindow
from xerologdesk.ui.workers import JobFailure

# Small batches, so a run of a dozen orders reports progress (and can be cancelled) mid-way.
TEST_BATCH = 4
TEST_BACKOFF_SCALE = 0.001  # back-off waits of milliseconds (Xero's Retry-After still holds)
WAIT_MS = 10_000
HEADER = (
    "order_ref",
    "posted_date",
    "customer_reference",
    "customer_name",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "taxable",
)
# Every GUI test fails on a Qt warning, except the offscreen platform's notes that it cannot
# pass size hints to, or raise, a window that does not exist on a real screen.
QT_MARKS = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("propagateSizeHints", r"does not support raise\(\)"),
]
NEW_CUSTOMER = ("C-9001", "Watsons Bay Espresso")
MISSING_SKU = "BEAN-SO-KEN-1KG"


@dataclass
class Shown:
    """Every message box a test caused, and the answers questions get."""

    calls: list[tuple[str, str, str, str]] = field(default_factory=list)
    # The buttons notices offered besides OK: their labels and what pressing them does.
    actions: list[tuple[str, Callable[[], object]]] = field(default_factory=list)
    confirm_answer: bool = True
    text_answer: str | None = ""

    def of(self, kind: str) -> list[tuple[str, str, str, str]]:
        return [call for call in self.calls if call[0] == kind]

    def take(self, kind: str) -> list[tuple[str, str, str, str]]:
        """The calls of ``kind``, which the test thereby expected."""
        taken = self.of(kind)
        self.calls = [call for call in self.calls if call[0] != kind]
        return taken


@dataclass
class Opened:
    """Desktops a test built; checked for leftover work afterwards."""

    desktops: list[Desktop] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    failures: list[JobFailure] = field(default_factory=list)


# -- orders -----------------------------------------------------------------------------------

Line = tuple[str, str, str, str, str, str, str, str, str]


def line(
    ref: str,
    customer: tuple[str, str] = ("C-1002", "Coogee Corner Store"),
    sku: str = "BEAN-HOUSE-1KG",
    *,
    posted: str = "2026-11-02",
    quantity: str = "1",
    price: str = "32.00",
    product: str = "",
) -> Line:
    """One CSV line of an order (customers and SKUs of the demo organisation by default)."""
    name = product or sku.title()
    return (ref, posted, customer[0], customer[1], sku, name, quantity, price, "true")


def write_orders(path: Path, lines: list[Line]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(lines)
    return path


def wait_idle(window: MainWindow, qtbot: QtBot) -> None:
    """Wait until the window's background work is done and the log shows its result."""
    qtbot.waitUntil(lambda: window.desktop.jobs.is_idle(), timeout=WAIT_MS)
    QApplication.processEvents()


def refs_shown(window: MainWindow) -> list[str]:
    model = window.model
    return [model.row_at(row).order_ref for row in range(model.rowCount())]  # type: ignore[union-attr]


def refs_in_sql(log_filter: LogFilter, sort_key: str, descending: bool) -> list[str]:
    return [row.order_ref for row in page_log(log_filter, sort_key, descending, 0, None)]


def row_of(window: MainWindow, ref: str) -> int:
    """The table row showing order ``ref``."""
    for row in range(window.model.rowCount()):
        found = window.model.row_at(row)
        if found is not None and found.order_ref == ref:
            return row
    raise AssertionError(f"{ref} is not shown")


def order_id(window: MainWindow, ref: str) -> int:
    found = window.model.row_at(row_of(window, ref))
    assert found is not None
    return found.id


def resolve_in_dialog(
    window: MainWindow, refs: list[str], action: str, qtbot: QtBot
) -> ResolveDialog:
    """Select these orders, open Resolve, press ``action`` ("auto_sync", "retry", "dismiss") and
    wait until the dialog shows the outcome; the dialog, still open."""
    select_refs(window, refs)
    dialog = window.open_resolve()
    assert dialog is not None
    qtbot.mouseClick(getattr(dialog, f"{action}_button"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.results.isVisible, timeout=WAIT_MS)
    wait_idle(window, qtbot)
    return dialog


def select_refs(window: MainWindow, refs: list[str]) -> None:
    """Select these orders' rows in the table, as a ctrl-click would."""
    model, selection = window.model, QItemSelection()
    for ref in refs:
        row = row_of(window, ref)
        selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
    flags = QItemSelectionModel.SelectionFlag
    window.view.selectionModel().select(selection, flags.ClearAndSelect | flags.Rows)
    window.view.selectionModel().setCurrentIndex(
        model.index(row_of(window, refs[0]), 0), flags.NoUpdate
    )


def status_of(window: MainWindow, ref: str) -> str:
    """The status the table shows for ``ref`` (the badge's word)."""
    index = window.model.index(row_of(window, ref), COLUMN_INDEX["status"])
    return str(index.data())


def painted_text(window: MainWindow, ref: str, column: str) -> str:
    """The text a repaint shows in ``ref``'s cell of ``column`` (what the delegates ask, by
    multiData: the model keeps it formatted between repaints)."""
    asked = QModelRoleData(int(Qt.ItemDataRole.DisplayRole))
    window.model.index(row_of(window, ref), COLUMN_INDEX[column]).multiData(
        QModelRoleDataSpan(asked)
    )
    return str(asked.data())


def cell(window: MainWindow, ref: str, column: str) -> str:
    return str(window.model.index(row_of(window, ref), COLUMN_INDEX[column]).data())


def table_texts(table: QTableWidget) -> list[list[str]]:
    """A QTableWidget's texts, row by row."""
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]
