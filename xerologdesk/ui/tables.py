"""The read-only tables the dialogs show (an order's lines and history, Resolve's orders and
outcomes): one way to build them, so they look and behave alike."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget


def read_only_table(headers: list[str], stretch: int | None = None) -> QTableWidget:
    """A read-only, unselectable table whose columns fit their contents, column ``stretch``
    (the last when not given) taking the spare width."""
    last = len(headers) - 1
    column = last if stretch is None else stretch
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    # Only when the last column is the one that stretches: otherwise it would take width too.
    header.setStretchLastSection(column == last)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    return table
