"""The Details dialog fits a 1366x768 screen, and what does not fit scrolls rather than vanish."""

from __future__ import annotations

from collections.abc import Callable

from gui_support import MISSING_SKU, NEW_CUSTOMER, QT_MARKS, line, order_id
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from xerologdesk.ui.main_window import MainWindow

pytestmark = QT_MARKS
SMALL_SCREEN = QRect(0, 0, 1366, 768 - 40)  # a 1366x768 screen less a 40 px task bar


def test_details_fit_a_1366x768_screen_and_the_reasons_scroll_into_view(
    window: MainWindow, connected: object, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    skus = [f"{MISSING_SKU}-{n}" for n in range(6)]  # six missing products: six reasons
    import_lines([line("SO-1", NEW_CUSTOMER, sku) for sku in skus])
    dialog = window.open_details(order_id(window, "SO-1"))
    qtbot.waitExposed(dialog)
    dialog.fit_to(SMALL_SCREEN)
    QApplication.processEvents()
    frame = dialog.frameGeometry()
    assert frame.width() <= SMALL_SCREEN.width() and frame.height() <= SMALL_SCREEN.height()
    for sku in skus:
        assert sku in dialog.reasons.text()
    # Made as small as it goes, the reasons keep their full height: the contents scroll.
    dialog.resize(dialog.minimumSize())
    QApplication.processEvents()
    reasons = dialog.reasons
    assert reasons.height() >= reasons.heightForWidth(reasons.width())
    dialog.scroller.ensureWidgetVisible(reasons)
    QApplication.processEvents()
    assert not reasons.visibleRegion().isEmpty()
    assert dialog.scroller.verticalScrollBar().maximum() > 0
    dialog.close()
