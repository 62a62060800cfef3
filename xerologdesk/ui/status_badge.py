"""The status column's look: a coloured pill with the status icon and its name.

Colour is never the only signal (the icon and the word say it too); each badge carries its own
background, so its text keeps its contrast in light and dark palettes alike.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from xerologdesk.store.vocabulary import Status
from xerologdesk.ui import assets
from xerologdesk.ui.log_model import STATUS_LABELS, STATUS_ROLE

# (background, text) per status.
BADGE_COLOURS: dict[str, tuple[str, str]] = {
    Status.PENDING: ("#fff3d6", "#7a4d00"),
    Status.SUCCEEDED: ("#dcf3e4", "#145c33"),
    Status.FAILED: ("#fde0df", "#8e1b1b"),
    Status.DISMISSED: ("#e8ebee", "#454e57"),
}
ICON_SIZE = 14
# Badges kept drawn (4 statuses x a few sizes; more only while a column is being resized).
MAX_CACHED_BADGES = 64
PADDING = 6


class StatusBadgeDelegate(QStyledItemDelegate):
    """Paints the status column as a badge, each look drawn once and then copied: a repaint
    of the log (every filter change, every scroll) paints dozens of badges."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._badges: dict[tuple[Any, ...], QPixmap] = {}

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        status = index.data(STATUS_ROLE)
        if status not in BADGE_COLOURS:
            super().paint(painter, option, index)
            return
        # The row's selection/hover background and focus frame first, as for any other cell
        # (the option as the view made it: no text, no icon, so nothing else is drawn).
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        badge = self._badge(status, option, painter.device().devicePixelRatioF())
        height = badge.deviceIndependentSize().height()
        top = option.rect.top() + (option.rect.height() - height) / 2
        painter.drawPixmap(QPointF(option.rect.left() + 4, round(top)), badge)

    def _badge(self, status: str, option: QStyleOptionViewItem, ratio: float) -> QPixmap:
        """The badge of ``status`` for a cell of ``option``'s size and font (drawn once)."""
        metrics = option.fontMetrics
        height = max(min(option.rect.height() - 4, metrics.height() + 4), 1)
        width = max(min(self.badge_width(status, metrics), option.rect.width() - 8), 1)
        key = (status, width, height, ratio, option.font.key())
        badge = self._badges.get(key)
        if badge is None:
            if len(self._badges) >= MAX_CACHED_BADGES:
                self._badges.clear()  # a column dragged through many widths: start again
            badge = self._badges[key] = _draw_badge(status, metrics, width, height, ratio)
        return badge

    @staticmethod
    def badge_width(status: str, metrics: QFontMetrics) -> int:
        """The badge's natural width: padding, icon, gap, the status's name, padding."""
        text = STATUS_LABELS[status]
        return PADDING + ICON_SIZE + 4 + metrics.horizontalAdvance(text) + PADDING + 2

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        status = index.data(STATUS_ROLE)
        if status not in BADGE_COLOURS:
            return hint
        width = self.badge_width(status, option.fontMetrics) + 10  # the cell's margins
        return QSize(max(hint.width(), width), hint.height())


def _draw_badge(
    status: str, metrics: QFontMetrics, width: int, height: int, ratio: float
) -> QPixmap:
    """A pill of the status's colours holding its icon and name, on a transparent pixmap."""
    badge = QPixmap(round(width * ratio), round(height * ratio))
    badge.setDevicePixelRatio(ratio)
    badge.fill(Qt.GlobalColor.transparent)
    background, foreground = BADGE_COLOURS[status]
    painter = QPainter(badge)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(background))
        painter.drawRoundedRect(QRectF(0, 0, width, height), height / 2, height / 2)
        icon_rect = QRect(PADDING, (height - ICON_SIZE) // 2, ICON_SIZE, ICON_SIZE)
        assets.status_icon(status).paint(painter, icon_rect)
        painter.setPen(QColor(foreground))
        text_rect = QRect(0, 0, width, height).adjusted(PADDING + ICON_SIZE + 4, 0, -PADDING, 0)
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            metrics.elidedText(
                STATUS_LABELS[status], Qt.TextElideMode.ElideRight, text_rect.width()
            ),
        )
    finally:
        painter.end()
    return badge
