"""Every message box the app shows, in one module, so tests patch one place.

Callers use ``messages.error(...)`` (the module attribute, never an imported function), each
function blocks until the user answers, and the ones asking a question return the answer; only
:func:`notice` returns at once, for news that must not hold up the work behind it.
Boxes with details offer "Copy details", so what the user sends us is exact.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox, QWidget

Icon = QMessageBox.Icon
Button = QMessageBox.StandardButton


def _box(parent: QWidget | None, icon: Icon, title: str, text: str, details: str) -> QMessageBox:
    box = QMessageBox(icon, title, text, Button.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if details:
        box.setDetailedText(details)
        copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
        # An action-role button would close the box; keep it open after copying.
        copy.clicked.disconnect()
        copy.clicked.connect(lambda: _copy(f"{title}\n\n{text}\n\n{details}"))
    return box


def _copy(text: str) -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.setText(text)


def error(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    """Something failed: what happened in plain words, the technical details copyable."""
    _box(parent, Icon.Critical, title, text, details).exec()


def warning(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    """Something needs the user's attention (a stopped run, problems in an imported file)."""
    _box(parent, Icon.Warning, title, text, details).exec()


def notice(
    parent: QWidget,
    title: str,
    text: str,
    details: str = "",
    action: tuple[str, Callable[[], object]] | None = None,
) -> QMessageBox:
    """A warning that does not block: shown beside the window, which goes on working (an
    inbox's bad file must not stop the good ones from syncing); closed, it is deleted.
    ``action``: a button's label and what it does (the box closes)."""
    box = _box(parent, Icon.Warning, title, text, details)
    if action is not None:
        label, act = action
        box.addButton(label, QMessageBox.ButtonRole.AcceptRole).clicked.connect(act)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box


def info(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    """A result worth a box (an export written, an import report)."""
    _box(parent, Icon.Information, title, text, details).exec()


def confirm(parent: QWidget | None, title: str, text: str, action: str) -> bool:
    """Ask before doing something; True when the user chose ``action``."""
    box = QMessageBox(Icon.Question, title, text, Button.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(go)
    box.exec()
    return box.clickedButton() is go


def choose(parent: QWidget | None, title: str, text: str, yes: str, no: str) -> bool:
    """Ask a question with two named answers; True for ``yes``, False for ``no`` (or Escape)."""
    box = QMessageBox(Icon.Question, title, text, Button.NoButton, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    chosen = box.addButton(yes, QMessageBox.ButtonRole.YesRole)
    box.setEscapeButton(box.addButton(no, QMessageBox.ButtonRole.NoRole))
    box.setDefaultButton(chosen)
    box.exec()
    return box.clickedButton() is chosen


def about(parent: QWidget | None, title: str, html: str) -> None:
    """The About box (rich text: links to the project and the data folder)."""
    QMessageBox.about(parent, title, html)


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """Ask for a line of text (e.g. why an order is dismissed); None when cancelled."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.setOkButtonText(title)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.textValue()


def open_link(parent: QWidget | None, open_url: Callable[[QUrl], object], url: str) -> None:
    """Open ``url`` in the browser; where none can be started (no launcher on this system),
    say so and offer to copy the link rather than do nothing visible."""
    if open_url(QUrl(url)) is not False:
        return
    if confirm(
        parent,
        "No web browser",
        f"No web browser could be started for this link:\n{url}\n\nCopy it, to paste it into a "
        "browser yourself?",
        "Copy link",
    ):
        _copy(url)
