"""Map a SKU to an existing Xero item code: the organisation's item codes to choose from (read
once, on a reader thread), or a code typed in, checked against Xero by
:func:`xerologdesk.sync.links.map_sku` on the writer thread. The dialog closes once the mapping
is saved, or says why it was refused and stays open."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from xerologdesk.sync import links
from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.wording import counted
from xerologdesk.ui.workers import Job, JobFailure


class MapSkuDialog(QDialog):
    """Choose the Xero item a SKU is sold as; emits ``mapped`` with what was saved."""

    mapped = Signal(object)  # sync.links.Mapped

    def __init__(self, desktop: Desktop, sku: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desktop = desktop
        self.sku = sku
        self.map_job: Job | None = None
        self.setObjectName("map-sku")
        self.setWindowTitle(f"Map SKU {sku} to a Xero item")
        self.resize(520, 200)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Xero has no item with the code \u201c{sku}\u201d. Which item code is it sold as "
            "in Xero? Its invoice lines then carry that code."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.codes = QComboBox(self)
        self.codes.setObjectName("item-codes")
        self.codes.setEditable(True)
        self.codes.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.codes.setPlaceholderText("A Xero item code")
        layout.addWidget(self.codes)
        self.status = QLabel("Reading the organisation\u2019s items from Xero\u2026", self)
        self.status.setObjectName("map-status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Map")
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.read_job = desktop.jobs.submit(
            "Read the Xero items",
            lambda control: [(item.code, item.name) for item in desktop.app.gateway().items()],
            writes=False,
            on_done=self._items_read,
            on_error=lambda failure: self.status.setText(
                f"The items could not be read ({failure.message}); type the code."
            ),
        )

    def _items_read(self, items: list[tuple[str, str]]) -> None:
        typed = self.codes.currentText()
        self.codes.clear()
        for code, name in sorted(items, key=lambda each: each[0].casefold()):
            self.codes.addItem(f"{code} \u2014 {name}" if name else code, code)
        self.codes.setEditText(typed)
        self.status.setText(counted("%n item(s) in Xero; pick one or type its code.", len(items)))

    def item_code(self) -> str:
        """The code chosen or typed."""
        text = self.codes.currentText().strip()
        index = self.codes.findText(text)
        data = self.codes.itemData(index) if index >= 0 else None
        return str(data) if data else text.split(" \u2014 ")[0].strip()

    def _ok(self) -> None:
        code = self.item_code()
        if not code or self.map_job is not None:
            return
        gateway_of, sku = self.desktop.app.gateway, self.sku
        self.status.setText(f"Mapping {sku} to \u201c{code}\u201d\u2026")
        self.ok_button.setEnabled(False)
        self.map_job = self.desktop.jobs.submit(
            "Map the SKU",
            lambda control: links.map_sku(gateway_of(), sku, code),
            writes=True,
            on_done=self._mapped,
            on_error=self._refused,
        )

    def _mapped(self, mapped: links.Mapped) -> None:
        self.map_job = None
        self.mapped.emit(mapped)
        self.accept()

    def _refused(self, failure: JobFailure) -> None:
        self.map_job = None
        self.ok_button.setEnabled(True)
        self.status.setText(f"Not mapped: {failure.message}")
