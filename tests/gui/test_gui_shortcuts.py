"""The window's shortcuts work wherever the focus is, the search box included; the box keeps
its own editing keys."""

from __future__ import annotations

import pytest
from gui_support import QT_MARKS, WAIT_MS
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from xerologdesk.ui.main_window import MainWindow

pytestmark = QT_MARKS
CTRL = Qt.KeyboardModifier.ControlModifier


class X11EndOfLine(QObject):
    """What X11's key scheme makes a QLineEdit do (the offscreen platform's scheme does not):
    claim Ctrl+E as "move to the end of the line" before the window's shortcuts see it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and QKeySequence(event.keyCombination()) == QKeySequence("Ctrl+E")
        ):
            event.accept()
        return False


@pytest.fixture
def typing(window: MainWindow, qtbot: QtBot) -> MainWindow:
    """The window active, with the focus in the search box."""
    window.activateWindow()
    qtbot.waitActive(window)
    window.filter_bar.search.setFocus()
    qtbot.waitUntil(window.filter_bar.search.hasFocus, timeout=WAIT_MS)
    return window


def test_ctrl_e_exports_while_the_search_box_has_the_focus(
    typing: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *args: (asked.append(args[1]), ("", ""))[1]
    )
    search = typing.filter_bar.search
    claim = X11EndOfLine(search)
    search.installEventFilter(claim)  # asked before the window's own filter (installed first)
    with qtbot.waitSignal(typing.commands["export"].triggered, timeout=WAIT_MS):
        qtbot.keyClick(search, Qt.Key.Key_E, CTRL)
    assert asked == ["Export shown log"]


def test_the_search_box_keeps_its_editing_keys(typing: MainWindow, qtbot: QtBot) -> None:
    search = typing.filter_bar.search
    search.setText("SO-1")
    search.selectAll()
    copied: list[bool] = []
    typing.commands["copy"].triggered.connect(lambda: copied.append(True))
    qtbot.keyClick(search, Qt.Key.Key_C, CTRL)
    assert QApplication.clipboard().text() == "SO-1"
    assert copied == []
