"""The main window's actions (text, shortcut, tip, icon), declared once, and where they appear:
the menus and the toolbar. Shortcuts: F5 sync now, Ctrl+O import, Ctrl+R resolve, Ctrl+E export,
Ctrl+F search, F8 next failed order, Enter details (in the table); all but copying work from the
search box too."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMainWindow

from xerologdesk.ui import assets

Shortcut = QKeySequence.StandardKey | str | None
Key = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    key: str
    text: str
    shortcut: Shortcut = None
    tip: str = ""
    icon: str = ""


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("sync", "Sync now", "F5", "Sync every pending order to Xero now", "action-sync.svg"),
    ActionSpec(
        "import",
        "Import orders\u2026",
        Key.Open,
        "Import order files (CSV or JSON)",
        "action-import.svg",
    ),
    ActionSpec(
        "resolve",
        "Resolve\u2026",
        "Ctrl+R",
        "Auto Sync, Retry or Dismiss the selected orders",
        "action-resolve.svg",
    ),
    ActionSpec("details", "Details\u2026", None, "Show the order's details (Enter)"),
    ActionSpec("next_failed", "Next failed order", "F8", "Jump to the next failed order"),
    ActionSpec("find", "Find\u2026", Key.Find, "Search the log"),
    ActionSpec(
        "export",
        "Export shown log\u2026",
        "Ctrl+E",
        "Write the orders shown (filter and sort) to a CSV file",
        "action-export.svg",
    ),
    ActionSpec(
        "settings",
        "Settings\u2026",
        "Ctrl+,",
        "How the integration behaves",
        "action-settings.svg",
    ),
    ActionSpec("log_folder", "Open log folder", None, "Where the app writes its log files"),
    ActionSpec("guide", "XeroLogDesk guide", Key.HelpContents, "How to use the log (the README)"),
    ActionSpec("about", "About XeroLogDesk"),
    ActionSpec("quit", "Quit", Key.Quit),
    ActionSpec("retry", "Retry", None, "Sync the selected orders again without creating anything"),
    ActionSpec("auto_sync", "Auto Sync\u2026", None, "Create what is missing, then the invoices"),
    ActionSpec("dismiss", "Dismiss\u2026", None, "Leave Xero untouched; hide the error"),
    ActionSpec("undo_dismiss", "Undo dismissal", None, "Put dismissed orders back"),
    ActionSpec("open_in_xero", "Open in Xero", None, "Show the invoice in Xero"),
    ActionSpec("copy", "Copy order refs", Key.Copy, "Copy the selected orders' refs"),
)
# Shortcuts a text box keeps for itself (copying its own text); every other one is the window's.
TEXT_EDITING_KEYS = (Key.Copy,)
# None is a separator.
MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    ("&File", ("import", "export", "log_folder", None, "quit")),
    ("&Orders", ("sync", "resolve", "details", None, "next_failed", "find", "copy")),
    ("&Tools", ("settings",)),
    ("&Help", ("guide", "log_folder", None, "about")),
)
TOOLBAR: tuple[str | None, ...] = ("sync", "import", "resolve", None, "export", "settings")
CONTEXT_MENU: tuple[str | None, ...] = (
    "details",
    "resolve",
    None,
    "auto_sync",
    "retry",
    "dismiss",
    "undo_dismiss",
    "open_in_xero",
    None,
    "copy",
)


def create_actions(
    window: QMainWindow, slots: Mapping[str, Callable[[], object]]
) -> dict[str, QAction]:
    """Every action of :data:`ACTIONS`, triggering ``slots[key]``, with its shortcut working
    wherever the focus is in the window."""
    actions: dict[str, QAction] = {}
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


def add_menus_and_toolbar(window: QMainWindow, actions: Mapping[str, QAction]) -> None:
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

    def __init__(self, actions: Mapping[str, QAction], parent: QObject) -> None:
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


def let_shortcuts_through(window: QMainWindow, actions: Mapping[str, QAction]) -> None:
    """Make the window's shortcuts work from every text box in it (search, dates)."""
    first = WindowShortcutsFirst(actions, window)
    for edit in window.findChildren(QLineEdit):
        edit.installEventFilter(first)
