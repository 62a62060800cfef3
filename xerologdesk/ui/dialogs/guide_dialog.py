"""The user's guide (the README the package was built with) in a window of its own."""

from __future__ import annotations

import importlib.metadata

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

NO_GUIDE = "The guide is not part of this build. It is the README of xerologdesk's source."


def guide_text() -> str:
    """The README as Markdown, from the installed package's metadata (its long description)."""
    try:
        metadata = importlib.metadata.metadata("xerologdesk")
    except importlib.metadata.PackageNotFoundError:
        return NO_GUIDE
    # The long description is the message's body (metadata 2.1+) or, in older builds, a field.
    body = metadata.get_payload() or metadata["Description"]  # type: ignore[attr-defined]
    return str(body or NO_GUIDE)


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("XeroLogDesk guide")
        self.resize(760, 620)
        layout = QVBoxLayout(self)
        self.text = QTextBrowser(self)
        self.text.setObjectName("guide")
        self.text.setOpenExternalLinks(True)
        self.text.setMarkdown(guide_text())
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
