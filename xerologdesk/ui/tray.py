"""The system tray icon: where the app lives while its window is closed and the schedule runs.

Its menu has *Open*, *Sync now*, *Pause automatic sync* and *Quit*; its icon turns to the
attention one while orders are failed or the connection needs signing in again; desktop
notifications are shown as its messages, and clicking one emits :attr:`Tray.message_clicked`
with the kind of the message clicked. Where the desktop has no tray (offscreen, some Wayland
sessions) there is no icon: :attr:`Tray.icon` is None, the menu still exists, and
:meth:`Tray.show_message` says it could not show anything, so the window uses its status bar.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from xerologdesk.ui import assets
from xerologdesk.ui.notify import Kind, Notification

ATTENTION_ICON = "tray-attention.svg"
MESSAGE_MS = 15_000
CALM_TIP = "XeroLogDesk"
ATTENTION_TIP = "XeroLogDesk: orders need a look"


class Tray(QObject):
    """The tray icon and its menu (the icon only where the desktop has a tray)."""

    message_clicked = Signal(str)  # the Kind of the message clicked

    def __init__(
        self,
        *,
        available: bool,
        open_window: Callable[[], object],
        sync_now: Callable[[], object],
        pause: Callable[[bool], object],
        quit_app: Callable[[], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.menu = QMenu()
        self.open_action = self._add("Open XeroLogDesk", open_window)
        self.sync_action = self._add("Sync now", sync_now)
        self.pause_action = QAction("Pause automatic sync", self.menu)
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(pause)
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.quit_action = self._add("Quit", quit_app)
        self.icon_name = assets.APP_ICON
        self._last_kind = ""
        self.icon: QSystemTrayIcon | None = None
        if available:
            self.icon = QSystemTrayIcon(assets.app_icon(), self)
            self.icon.setToolTip(CALM_TIP)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated(open_window))
            self.icon.messageClicked.connect(lambda: self.message_clicked.emit(self._last_kind))
            self.icon.show()

    def _add(self, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.menu)
        action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        return action

    @staticmethod
    def _activated(
        open_window: Callable[[], object],
    ) -> Callable[[QSystemTrayIcon.ActivationReason], None]:
        def activated(reason: QSystemTrayIcon.ActivationReason) -> None:
            # A click on the icon opens the window; the right button shows the menu (Qt's).
            if reason in (
                QSystemTrayIcon.ActivationReason.Trigger,
                QSystemTrayIcon.ActivationReason.DoubleClick,
            ):
                open_window()

        return activated

    def set_attention(self, attention: bool) -> None:
        """Show the attention icon (orders failed, a reconnect needed) or the calm one."""
        name = ATTENTION_ICON if attention else assets.APP_ICON
        if name == self.icon_name:
            return
        self.icon_name = name
        if self.icon is not None:
            self.icon.setIcon(assets.icon(name))
            self.icon.setToolTip(ATTENTION_TIP if attention else CALM_TIP)

    def show_message(self, notification: Notification) -> bool:
        """Show ``notification`` as a desktop notification; False where there is none."""
        if self.icon is None or not QSystemTrayIcon.supportsMessages():
            return False
        self._last_kind = notification.kind
        icon = (
            QSystemTrayIcon.MessageIcon.Warning
            if notification.kind is Kind.FAILURES
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.showMessage(notification.title, notification.text, icon, MESSAGE_MS)
        return True

    def close(self) -> None:
        if self.icon is not None:
            self.icon.hide()
