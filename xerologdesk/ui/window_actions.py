"""The main window's actions (text, shortcut, tip, icon), declared once, and where they appear:
the menus and the toolbar. Shortcuts: F5 sync now, Shift+F5 refresh from Xero, Ctrl+O import,
Ctrl+R resolve, Ctrl+E export, Ctrl+F search, F8 next failed order, Enter details (in the table);
all but copying work from the search box too."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMainWindow

from xerologdesk.ui import assets

Shortcut = QKeySequence.StandardKey | str | None
Key = QKeySequence.StandardKey


class Command(StrEnum):
    """The window's commands, by the key their action and its slot share. Not the stored words:
    "sync" is Sync now, "retry" the context menu's Retry (what they do is an Action)."""

    SYNC = "sync"
    IMPORT = "import"
    RESOLVE = "resolve"
    DETAILS = "details"
    NEXT_FAILED = "next_failed"
    FIND = "find"
    EXPORT = "export"
    SETTINGS = "settings"
    LOG_FOLDER = "log_folder"
    GUIDE = "guide"
    ABOUT = "about"
    QUIT = "quit"
    RETRY = "retry"
    AUTO_SYNC = "auto_sync"
    DISMISS = "dismiss"
    UNDO_DISMISS = "undo_dismiss"
    OPEN_IN_XERO = "open_in_xero"
    COPY = "copy"
    REFRESH_FROM_XERO = "refresh_from_xero"


@dataclass(frozen=True)
class ActionSpec:
    key: Command
    text: str
    shortcut: Shortcut = None
    tip: str = ""
    icon: str = ""


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        Command.SYNC, "Sync now", "F5", "Sync every pending order to Xero now", "action-sync.svg"
    ),
    ActionSpec(
        Command.IMPORT,
        "Import orders\u2026",
        Key.Open,
        "Import order files (CSV or JSON)",
        "action-import.svg",
    ),
    ActionSpec(
        Command.RESOLVE,
        "Resolve\u2026",
        "Ctrl+R",
        "Auto Sync, Retry or Dismiss the selected orders",
        "action-resolve.svg",
    ),
    ActionSpec(Command.DETAILS, "Details\u2026", None, "Show the order's details (Enter)"),
    ActionSpec(Command.NEXT_FAILED, "Next failed order", "F8", "Jump to the next failed order"),
    ActionSpec(Command.FIND, "Find\u2026", Key.Find, "Search the log"),
    ActionSpec(
        Command.EXPORT,
        "Export shown log\u2026",
        "Ctrl+E",
        "Write the orders shown (filter and sort) to a CSV file",
        "action-export.svg",
    ),
    ActionSpec(
        Command.SETTINGS,
        "Settings\u2026",
        "Ctrl+,",
        "How the integration behaves",
        "action-settings.svg",
    ),
    ActionSpec(Command.LOG_FOLDER, "Open log folder", None, "Where the app writes its log files"),
    ActionSpec(
        Command.GUIDE, "XeroLogDesk guide", Key.HelpContents, "How to use the log (the README)"
    ),
    ActionSpec(Command.ABOUT, "About XeroLogDesk"),
    ActionSpec(Command.QUIT, "Quit", Key.Quit),
    ActionSpec(
        Command.RETRY, "Retry", None, "Sync the selected orders again without creating anything"
    ),
    ActionSpec(
        Command.AUTO_SYNC, "Auto Sync\u2026", None, "Create what is missing, then the invoices"
    ),
    ActionSpec(Command.DISMISS, "Dismiss\u2026", None, "Leave Xero untouched; hide the error"),
    ActionSpec(Command.UNDO_DISMISS, "Undo dismissal", None, "Put dismissed orders back"),
    ActionSpec(Command.OPEN_IN_XERO, "Open in Xero", None, "Show the invoice in Xero"),
    ActionSpec(Command.COPY, "Copy order refs", Key.Copy, "Copy the selected orders' refs"),
    ActionSpec(
        Command.REFRESH_FROM_XERO,
        "Refresh from Xero",
        "Shift+F5",
        "Ask Xero what became of the invoices since the last refresh (paid, voided, deleted...)",
    ),
)
# Shortcuts a text box keeps for itself (copying its own text); every other one is the window's.
TEXT_EDITING_KEYS = (Key.Copy,)
# None is a separator.
MENUS: tuple[tuple[str, tuple[Command | None, ...]], ...] = (
    ("&File", (Command.IMPORT, Command.EXPORT, Command.LOG_FOLDER, None, Command.QUIT)),
    (
        "&Orders",
        (
            Command.SYNC,
            Command.REFRESH_FROM_XERO,
            Command.RESOLVE,
            Command.DETAILS,
            None,
            Command.NEXT_FAILED,
            Command.FIND,
            Command.COPY,
        ),
    ),
    ("&Tools", (Command.SETTINGS,)),
    ("&Help", (Command.GUIDE, Command.LOG_FOLDER, None, Command.ABOUT)),
)
TOOLBAR: tuple[Command | None, ...] = (
    Command.SYNC,
    Command.IMPORT,
    Command.RESOLVE,
    None,
    Command.EXPORT,
    Command.SETTINGS,
)
CONTEXT_MENU: tuple[Command | None, ...] = (
    Command.DETAILS,
    Command.RESOLVE,
    None,
    Command.AUTO_SYNC,
    Command.RETRY,
    Command.DISMISS,
    Command.UNDO_DISMISS,
    Command.OPEN_IN_XERO,
    None,
    Command.COPY,
)


def create_actions(
    window: QMainWindow, slots: Mapping[Command, Callable[[], object]]
) -> dict[Command, QAction]:
    """Every action of :data:`ACTIONS`, triggering ``slots[key]``, with its shortcut working
    wherever the focus is in the window."""
    actions: dict[Command, QAction] = {}
    for spec in ACTIONS:
        action = QAction(spec.text, window)
        action.setObjectName(f"action-{spec.key}")
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        action.setToolTip(spec.tip or spec.text.replace("\u2026", ""))
        action.setStatusTip(spec.tip)
        if spec.icon:
            action.setIcon(assets.icon(spec.icon))
        slot = slots[spec.key]
        action.triggered.connect(lambda _checked=False, slot=slot: slot())
        window.addAction(action)
        actions[spec.key] = action
    return actions


def add_menus_and_toolbar(window: QMainWindow, actions: Mapping[Command, QAction]) -> None:
    bar = window.menuBar()
    for title, keys in MENUS:
        menu = bar.addMenu(title)
        for key in keys:
            if key is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[key])
    toolbar = window.addToolBar("Actions")
    toolbar.setObjectName("actions-toolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for key in TOOLBAR:
        if key is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(actions[key])


class WindowShortcutsFirst(QObject):
    """Lets the window's shortcuts through a text box that would take them as editing keys:
    under X11's key scheme a QLineEdit claims Ctrl+E ("end of line"), so Export did nothing
    while the search box had the focus."""

    def __init__(self, actions: Mapping[Command, QAction], parent: QObject) -> None:
        super().__init__(parent)
        editing = {QKeySequence(key).toString() for key in TEXT_EDITING_KEYS}
        self._keys = {
            action.shortcut().toString()
            for action in actions.values()
            if not action.shortcut().isEmpty()
        } - editing

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and QKeySequence(event.keyCombination()).toString() in self._keys
        ):
            event.ignore()  # not the box's: the shortcut goes to the window's action
            return True
        return False


def let_shortcuts_through(window: QMainWindow, actions: Mapping[Command, QAction]) -> None:
    """Make the window's shortcuts work from every text box in it (search, dates)."""
    first = WindowShortcutsFirst(actions, window)
    for edit in window.findChildren(QLineEdit):
        edit.installEventFilter(first)
