"""The Settings dialog: every setting of the engine, each shown from its one declaration.

Switches are checkboxes, choices are lists, and the default sales account, the two tax rates
and the default currency are picked from lists read from the connected organisation in a
worker (never typed). Values are validated by the declarations before the dialog closes; the
dialog hands back the changed values (:meth:`SettingsDialog.changes`) and the caller saves them
on the writer thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xerologdesk.settings import Setting, SettingError, Settings
from xerologdesk.store.book import ConnectionData
from xerologdesk.sync.reference_lists import FROM_XERO, Choice, ReferenceLists
from xerologdesk.ui.contrast import make_quiet
from xerologdesk.ui.dialogs.connect_xero import ConnectionPanel, ConnectOptions, describe_connection
from xerologdesk.ui.dialogs.database_page import DatabasePage
from xerologdesk.ui.workers import JobFailure, Jobs

if TYPE_CHECKING:
    from xerologdesk.app import App

# Which page each setting is on; a setting declared later and not listed here goes on "Other",
# so the dialog always shows every setting.
PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Syncing",
        (
            "auto_create_customers",
            "auto_sync_new_orders",
            "invoice_status",
            "due_in_days",
            "invoice_number_from_order_ref",
            "retrieve_stock_on_hand",
        ),
    ),
    (
        "Xero defaults",
        (
            "default_sales_account",
            "default_tax_rate",
            "default_non_taxable_tax_rate",
            "default_currency",
        ),
    ),
    ("Inbox", ("inbox_folder",)),
    (
        "Automatic",
        (
            "sync_every_minutes",
            "notify_failures",
            "notify_connection",
            "close_to_tray",
            "start_at_login",
        ),
    ),
    ("Connection", ("legacy_scopes", "token_store")),
)
# The page that also shows the connected organisation (the connection indicator opens it).
CONNECTION_PAGE = "Connection"
# The page choosing this desktop's order book (its own file or a team's server): shown with an
# app, after the others.
DATABASE_PAGE = "Database"
NOT_SET = "(not set)"

ListsLoader = Callable[[], ReferenceLists]


class SettingsDialog(QDialog):
    """Edit the settings; :meth:`changes` gives the validated values that changed."""

    def __init__(
        self,
        settings: Settings,
        jobs: Jobs,
        load_lists: ListsLoader,
        connection: ConnectionData | None,
        parent: QWidget | None = None,
        *,
        page: str = "",
        app: App | None = None,
        connect_options: ConnectOptions | None = None,
    ) -> None:
        """With ``app`` the Connection page can connect and disconnect (see
        :class:`ConnectionPanel`); without it, it only shows the connection."""
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settings-dialog")
        self.setMinimumWidth(620)
        self._settings = settings
        self._current = settings.all()
        self._editors: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._page_of: dict[str, int] = {}
        self.lists: ReferenceLists | None = None
        self.lists_failure: str = ""
        self._jobs, self._load_lists_with = jobs, load_lists
        self.connection_panel: ConnectionPanel | None = None
        if app is not None:
            self.connection_panel = ConnectionPanel(app, jobs, connection, connect_options)
            self.connection_panel.connection_changed.connect(self._connection_changed)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        for title, keys in self._pages(settings.declarations()):
            declared = [settings.declaration(key) for key in keys]
            self._add_page(title, declared, connection if title == CONNECTION_PAGE else None)
        if CONNECTION_PAGE not in {self.tabs.tabText(n) for n in range(self.tabs.count())}:
            self._add_page(CONNECTION_PAGE, [], connection)
        self.database_page: DatabasePage | None = None
        self.database_saved = False  # a new database URL was saved (used from the next start)
        if app is not None:
            self.database_page = DatabasePage(app, jobs)
            self.tabs.addTab(self.database_page, DATABASE_PAGE)
        self.lists_status = QLabel()
        self.lists_status.setObjectName("lists-status")
        self.lists_status.setWordWrap(True)
        layout.addWidget(self.lists_status)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.show_page(page)
        self._load_lists(jobs, load_lists, connection)

    # -- building ------------------------------------------------------------------------------

    @staticmethod
    def _pages(declarations: Iterable[Setting]) -> list[tuple[str, tuple[str, ...]]]:
        known = {key for _, keys in PAGES for key in keys}
        declared = [each.key for each in declarations]
        pages = [(title, tuple(k for k in keys if k in declared)) for title, keys in PAGES]
        pages = [(title, keys) for title, keys in pages if keys or title == CONNECTION_PAGE]
        others = tuple(key for key in declared if key not in known)
        return pages + ([("Other", others)] if others else [])

    def _add_page(
        self,
        title: str,
        declarations: list[Setting],
        connection: ConnectionData | None = None,
    ) -> None:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        if title == CONNECTION_PAGE and self.connection_panel is not None:
            form.addRow(self.connection_panel)
        elif title == CONNECTION_PAGE:
            describe_connection(form, connection)
        for declaration in declarations:
            editor = self._editor(declaration)
            editor.setObjectName(declaration.key)
            editor.setToolTip(declaration.help)
            self._editors[declaration.key] = editor
            self._page_of[declaration.key] = self.tabs.count()
            help_label = QLabel(declaration.help)
            help_label.setWordWrap(True)
            help_label.setObjectName(f"{declaration.key}-help")
            make_quiet(help_label)  # quieter than the text, yet readable (WCAG AA)
            error = QLabel()
            error.setObjectName(f"{declaration.key}-error")
            error.setStyleSheet("color: #b3261e")
            error.setWordWrap(True)
            error.hide()
            self._errors[declaration.key] = error
            field = QWidget()
            column = QVBoxLayout(field)
            column.setContentsMargins(0, 0, 0, 6)
            column.addWidget(self._with_browse(declaration.key, editor))
            column.addWidget(help_label)
            column.addWidget(error)
            if declaration.type is bool:
                form.addRow(field)
            else:
                form.addRow(f"{declaration.label}:", field)
        self.tabs.addTab(page, title)

    def _editor(self, declaration: Setting) -> QWidget:
        value = self._current[declaration.key]
        if declaration.type is bool:
            box = QCheckBox(declaration.label)
            box.setChecked(bool(value))
            return box
        if declaration.choices:
            combo = QComboBox()
            labels = declaration.choice_labels or [c.capitalize() for c in declaration.choices]
            for label, choice in zip(labels, declaration.choices, strict=True):
                combo.addItem(label, choice)
            combo.setCurrentIndex(max(combo.findData(value), 0))
            return combo
        if declaration.key in FROM_XERO:
            combo = QComboBox()
            _fill_choices(combo, (), str(value), declaration.key != "default_currency")
            combo.setEnabled(False)  # until the organisation's list arrives
            return combo
        line = QLineEdit(str(value))
        line.setClearButtonEnabled(True)
        return line

    def _with_browse(self, key: str, editor: QWidget) -> QWidget:
        if key != "inbox_folder":
            return editor
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(editor, 1)
        browse = QPushButton("Choose\u2026")
        browse.setAutoDefault(False)
        browse.clicked.connect(lambda: self._choose_folder(editor))
        layout.addWidget(browse)
        return row

    def _choose_folder(self, editor: QWidget) -> None:
        assert isinstance(editor, QLineEdit)
        chosen = QFileDialog.getExistingDirectory(self, "Inbox folder", editor.text())
        if chosen:
            editor.setText(chosen)

    def show_page(self, title: str) -> None:
        """Open on the page called ``title`` (the connection indicator opens "Connection")."""
        for number in range(self.tabs.count()):
            if self.tabs.tabText(number) == title:
                self.tabs.setCurrentIndex(number)

    def show_field(self, key: str) -> None:
        """Open on the page of the setting ``key`` with its field focused (a problem's fix)."""
        if key in self._page_of:
            self.tabs.setCurrentIndex(self._page_of[key])
            self._editors[key].setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the organisation's lists --------------------------------------------------------------

    def _load_lists(
        self, jobs: Jobs, load_lists: ListsLoader, connection: ConnectionData | None
    ) -> None:
        if connection is None:
            self._lists_unavailable("Not connected to Xero")
            return
        self.lists_status.setText(
            f"Reading accounts, tax rates and currencies from {connection.tenant_name}\u2026"
        )
        self.lists_job = jobs.submit(
            "Read the organisation's lists",
            lambda control: load_lists(),
            writes=False,
            on_done=self._lists_loaded,
            on_error=self._lists_failed,
        )

    def _lists_loaded(self, lists: ReferenceLists) -> None:
        self.lists = lists
        for key, which in FROM_XERO.items():
            combo = self._editors.get(key)
            if isinstance(combo, QComboBox):
                chosen = combo.currentData()
                _fill_choices(combo, getattr(lists, which), chosen, key != "default_currency")
                combo.setEnabled(True)
        self.lists_status.setText(f"Lists read from {lists.organisation}.")

    def _lists_failed(self, failure: JobFailure) -> None:
        self._lists_unavailable(failure.message)

    def _lists_unavailable(self, why: str) -> None:
        self.lists_failure = why
        self.lists_status.setText(
            f"The accounts and tax rates could not be read ({why}); the saved values are kept. "
            "Connect to Xero to choose from your organisation's lists."
        )
        for key in FROM_XERO:
            combo = self._editors.get(key)
            if isinstance(combo, QComboBox):
                combo.setEnabled(True)  # to clear a value, at least

    def _connection_changed(self, connection: ConnectionData | None) -> None:
        # Another organisation (or none) now: its lists replace the old ones.
        self.lists = None
        self._load_lists(self._jobs, self._load_lists_with, connection)

    # -- result --------------------------------------------------------------------------------

    def value_of(self, key: str) -> Any:
        """What the editor of ``key`` holds now (not yet validated)."""
        editor = self._editors[key]
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        assert isinstance(editor, QLineEdit)
        return editor.text()

    def set_value(self, key: str, value: Any) -> bool:
        """Put ``value`` in the editor of ``key`` (a list entry must exist); False if it can't."""
        editor = self._editors[key]
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            number = editor.findData(value)
            if number < 0:
                return False
            editor.setCurrentIndex(number)
        else:
            assert isinstance(editor, QLineEdit)
            editor.setText(str(value))
        return True

    def changes(self) -> dict[str, Any]:
        """The validated values that differ from the stored ones (SettingError if one is bad)."""
        changed: dict[str, Any] = {}
        for key in self._editors:
            value = self._settings.declaration(key).validate(self.value_of(key))
            if value != self._current[key]:
                changed[key] = value
        return changed

    def accept(self) -> None:
        if self._validate():
            if self.database_page is not None:
                self.database_saved = self.database_page.save()
            super().accept()

    def done(self, result: int) -> None:
        # Closing the dialog stops waiting for Xero's page (nothing is stored then).
        if self.connection_panel is not None:
            self.connection_panel.cancel()
        super().done(result)

    def _validate(self) -> bool:
        problems: dict[str, str] = {}
        for key in self._editors:
            try:
                value = self._settings.declaration(key).validate(self.value_of(key))
            except SettingError as error:
                problems[key] = str(error)
                continue
            if key == "inbox_folder" and value and not Path(value).expanduser().is_dir():
                problems[key] = f"There is no folder \u201c{value}\u201d."
        for key, label in self._errors.items():
            label.setText(problems.get(key, ""))
            label.setVisible(key in problems)
        if problems:
            self.tabs.setCurrentIndex(self._page_of[next(iter(problems))])
            return False
        database_problem = self.database_page.problem() if self.database_page else ""
        if self.database_page is not None and database_problem:
            self.database_page.result.setText(database_problem)
            self.tabs.setCurrentWidget(self.database_page)
        return not database_problem


def _fill_choices(combo: QComboBox, choices: Iterable[Choice], chosen: str, optional: bool) -> None:
    """List ``choices``, keeping ``chosen`` selectable even if the organisation lacks it."""
    combo.clear()
    if optional:
        combo.addItem(NOT_SET, "")
    for choice in choices:
        combo.addItem(choice.label, choice.value)
    if chosen and combo.findData(chosen) < 0:
        combo.addItem(f"{chosen} (not in the organisation's list)", chosen)
    combo.setCurrentIndex(max(combo.findData(chosen), 0))
