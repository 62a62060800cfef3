"""What the log shows instead of an empty table: what to do next."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    """ "No orders yet: Import orders..." or "No orders match: Show all orders"."""

    import_requested = Signal()
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("empty-state")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.title = QLabel()
        self.title.setObjectName("empty-title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.title.setFont(font)
        self.text = QLabel()
        self.text.setObjectName("empty-text")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.button = QPushButton()
        self.button.setObjectName("empty-action")
        self.button.clicked.connect(self._clicked)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        self._no_orders = True

    def show_for(self, orders_in_log: int, inbox_folder: str) -> None:
        """Say what to do: import (an empty log), or widen the filter (nothing matches)."""
        self._no_orders = orders_in_log == 0
        if self._no_orders:
            self.title.setText("No orders yet")
            where = f" or drop order files into {inbox_folder}" if inbox_folder else ""
            self.text.setText(
                f"Import orders\u2026 (Ctrl+O){where}: new orders appear here as Pending and "
                "are synced to Xero."
            )
            self.button.setText("Import orders\u2026")
        else:
            self.title.setText("No orders match")
            self.text.setText("No order matches this status, search and date range.")
            self.button.setText("Show all orders")

    def _clicked(self) -> None:
        (self.import_requested if self._no_orders else self.clear_requested).emit()
