"""The status bar's run panel (what is running, how far, time left, Cancel) and the banner that
says why a run stopped and what to do about it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QWidget,
)

from xerologdesk.ui.order_jobs import RunProgress

# (background, text and border) per kind of banner.
BANNER_COLOURS = {
    "warning": ("#fff4e5", "#8a5300"),
    "error": ("#fdecea", "#8e1b1b"),
    "info": ("#e8f1fb", "#1b4f8e"),
}


def duration(seconds: float) -> str:
    """``12 s``, ``3 min``, ``1.5 h``."""
    if seconds < 60:
        return f"{max(round(seconds), 1)} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 90 else f"{minutes / 60:.1f} h"


def time_left(seconds: float | None) -> str:
    """``about 2 min left``, or "" when unknown."""
    return "" if seconds is None else f"about {duration(seconds)} left"


def progress_text(progress: RunProgress) -> str:
    parts = [f"{progress.title}: {progress.done:,} of {progress.total:,}"]
    parts.append(f"{progress.succeeded:,} succeeded, {progress.failed:,} failed")
    left = time_left(progress.seconds_left)
    if left:
        parts.append(left)
    return " \u00b7 ".join(parts)


class RunPanel(QWidget):
    """Shown while a run is under way."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setObjectName("run-label")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(False)
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName("cancel-run")
        self.cancel.setToolTip("Stop after the batch under way; the rest stay pending")
        self.cancel.clicked.connect(self._cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.hide()

    def started(self, title: str) -> None:
        self.label.setText(f"{title}\u2026")
        self.bar.setRange(0, 0)  # busy until the first count arrives
        self.cancel.setEnabled(True)
        self.show()

    def progressed(self, progress: RunProgress) -> None:
        text = progress_text(progress)
        if progress.waiting is not None:
            text = f"Trying again in {duration(progress.waiting)}"
            text += f": {progress.note}" if progress.note else ""
        self.label.setText(text)
        self.bar.setRange(0, max(progress.total, 1))
        self.bar.setValue(progress.done)

    def finished(self) -> None:
        self.hide()

    def _cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.label.setText("Cancelling after the batch under way\u2026")
        self.cancel_requested.emit()


class Banner(QFrame):
    """A strip above the log: a message and, optionally, the button that deals with it.

    A message may name its ``topic``, so whoever learns that its trouble is over can take it
    down (:meth:`clear`) without hiding another topic's message shown since.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.text = QLabel()
        self.text.setObjectName("banner-text")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton()
        self.action.setObjectName("banner-action")
        self.action.clicked.connect(self._act)
        close = QToolButton()
        close.setText("\u2715")
        close.setAutoRaise(True)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.hide)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action)
        layout.addWidget(close)
        self._callback: Callable[[], object] | None = None
        self.topic = ""
        self.hide()

    def show_message(
        self,
        text: str,
        kind: str = "warning",
        action: tuple[str, Callable[[], object]] | None = None,
        *,
        topic: str = "",
    ) -> None:
        background, foreground = BANNER_COLOURS.get(kind, BANNER_COLOURS["info"])
        self.setStyleSheet(
            f"#banner {{ background: {background}; border: 1px solid {foreground}; "
            f"border-radius: 4px; }} #banner QLabel {{ color: {foreground}; }}"
        )
        self.text.setText(text)
        self.topic = topic
        self._callback = action[1] if action else None
        self.action.setVisible(action is not None)
        if action:
            self.action.setText(action[0])
        self.show()

    def clear(self, topic: str) -> None:
        """Hide the message if it is about ``topic``."""
        if self.topic == topic:
            self.hide()

    def _act(self) -> None:
        callback = self._callback
        self.hide()
        if callback is not None:
            callback()
