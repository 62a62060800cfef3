"""The status column's look: a coloured pill with the status icon and its name.

Colour is never the only signal (the icon and the word say it too); each badge carries its own
background, so its text keeps its contrast in light and dark palettes alike.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from xerologdesk.ui import assets
from xerologdesk.ui.log_model import STATUS_LABELS, STATUS_ROLE

# (background, text) per status.
BADGE_COLOURS = {
    "pending": ("#fff3d6", "#7a4d00"),
    "succeeded": ("#dcf3e4", "#145c33"),
    "failed": ("#fde0df", "#8e1b1b"),
    "dismissed": ("#e8ebee", "#454e57"),
}
ICON_SIZE = 14
PADDING = 6


class StatusBadgeDelegate(QStyledItemDelegate):
    """Paints the status column as a badge."""

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
        # The row's selection/hover background first, as for any other cell.
        self.initStyleOption(option, index)
        option.text = ""
        option.icon = assets.status_icon("")
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        background, foreground = BADGE_COLOURS[status]
        text = STATUS_LABELS[status]
        metrics = option.fontMetrics
        height = min(option.rect.height() - 4, metrics.height() + 4)
        width = PADDING + ICON_SIZE + 4 + metrics.horizontalAdvance(text) + PADDING + 2
        rect = QRect(
            option.rect.left() + 4,
            option.rect.top() + (option.rect.height() - height) // 2,
            min(width, option.rect.width() - 8),
            height,
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(background))
        painter.drawRoundedRect(QRectF(rect), height / 2, height / 2)
        icon_rect = QRect(
            rect.left() + PADDING, rect.top() + (height - ICON_SIZE) // 2, ICON_SIZE, ICON_SIZE
        )
        assets.status_icon(status).paint(painter, icon_rect)
        painter.setPen(QColor(foreground))
        text_rect = rect.adjusted(PADDING + ICON_SIZE + 4, 0, -PADDING, 0)
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            metrics.elidedText(text, Qt.TextElideMode.ElideRight, text_rect.width()),
        )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        text = STATUS_LABELS.get(index.data(STATUS_ROLE) or "", "")
        width = PADDING * 2 + ICON_SIZE + 4 + option.fontMetrics.horizontalAdvance(text) + 12
        return QSize(max(hint.width(), width), hint.height())
