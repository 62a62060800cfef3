"""The main window: the Xero integration log, its filter, the actions, the run under way.

Built from a :class:`~xerologdesk.ui.desktop.Desktop`; every change to orders goes through
:class:`~xerologdesk.ui.order_jobs.OrderJobs` (the writer thread), every read of the log through
the paged :class:`~xerologdesk.ui.log_model.LogModel`. The log follows the database: rows repaint
in place as a run reports them, and a light poll of the database's change marker (SQLite's
``data_version``, a team's change counter), read on a thread of its own
(:class:`~xerologdesk.ui.change_poll.ChangePoll`), notices writes made elsewhere (another thread's
batch, the command line in another window, another desktop).

The GUI thread must never stall for long, above all while a run writes and at its end, when the
log is read again: what the end of a run shows is counted on the run's worker
(:class:`~xerologdesk.ui.order_jobs.RunTally`) and the log's rows are read on a reader job.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QByteArray, QElapsedTimer, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from xerologdesk import __version__, autostart
from xerologdesk.settings import START_AT_LOGIN, TRAY_ASK, TRAY_OFF, TRAY_ON
from xerologdesk.store import book
from xerologdesk.store.db import watched_change_marker
from xerologdesk.store.problems import ProblemTotals, problem_totals
from xerologdesk.store.trouble import ServerDatabaseError
from xerologdesk.store.vocabulary import DISMISSABLE, Action, Status
from xerologdesk.sync.lock import sync_busy_message
from xerologdesk.sync.refresh import RefreshSummary
from xerologdesk.sync.runner import elsewhere_note
from xerologdesk.ui import assets, messages
from xerologdesk.ui.change_poll import ChangePoll
from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.dialogs.database_page import DATABASE_SAVED
from xerologdesk.ui.dialogs.details_dialog import DetailsDialog
from xerologdesk.ui.dialogs.guide_dialog import GuideDialog
from xerologdesk.ui.dialogs.resolve_dialog import ResolveDialog, confirm_auto_sync
from xerologdesk.ui.dialogs.settings_dialog import CONNECTION_PAGE, SettingsDialog
from xerologdesk.ui.empty_state import EmptyState
from xerologdesk.ui.export import export_log
from xerologdesk.ui.filter_bar import FilterBar
from xerologdesk.ui.inbox import InboxWatcher
from xerologdesk.ui.log_model import LogModel
from xerologdesk.ui.log_view import MAX_ACTED_ON, LogView
from xerologdesk.ui.notify import Kind, Notification, Notifier
from xerologdesk.ui.order_jobs import ImportOutcome, RunReport
from xerologdesk.ui.problems_view import ProblemsView, totals_text
from xerologdesk.ui.resolve_plan import RESOLVABLE
from xerologdesk.ui.run_panel import Banner, RunPanel
from xerologdesk.ui.schedule import RECONNECT, SyncSchedule
from xerologdesk.ui.tray import Tray
from xerologdesk.ui.window_actions import (
    CONTEXT_MENU,
    Command,
    add_menus_and_toolbar,
    create_actions,
    let_shortcuts_through,
)
from xerologdesk.ui.wording import counted
from xerologdesk.ui.workers import Job, JobFailure
from xerologdesk.ui.xero_links import invoice_url

log = logging.getLogger(__name__)

APP_TITLE = "XeroLogDesk"
ALREADY_OPEN_HERE = "XeroLogDesk was started again on this data folder: this window is the one."
POLL_MS = 700  # how often the log looks for writes made elsewhere
GONE_POLL_MS = 3000  # how often it looks whether a team's server that went away is back
# While a run of ours writes, every poll sees a change: settings and the connection saved
# elsewhere meanwhile are read again at most this often (each time is two reads on this thread).
RUN_FOLLOW_MS = 10_000
# While a run writes, its batches' rows are repainted at most this often, and only those on
# screen (read on a reader, one reading at a time).
RUN_REFRESH_MS = 250
# Orders changed outside a run (a user's action) read again at once, so that their rows show the
# outcome as the action ends; more than this many (a refresh from Xero) are read on a reader.
READ_AT_ONCE = 500
BUDGET_MS = 2000
NEXT_FAILED_SCAN = 5000  # rows looked through for the next failed order before filtering
OTHER_SYNC_POLL_MS = 1000  # how often a sync refused as busy looks whether the other one ended
WAITING_FOR_OTHER_SYNC = (
    "Waiting for the other sync to finish (another xerologdesk is syncing this data folder); "
    "the pending orders go as soon as it has."
)
MAX_TIMER_SECONDS = 24 * 3600  # a QTimer's interval is a 32-bit count of milliseconds
ORDER_FILES = "Order files (*.csv *.json);;All files (*)"
PROBLEMS_SHOWN = 5  # an import's problems written in its dialog; the rest behind Show Details
SHOWING_PROBLEMS = "Showing the problems behind the failed orders (the notification's)."
RUN_TROUBLE = "run"  # the banner's topic for why a run stopped
DATABASE_GONE = "database"  # the banner's topic for a team's server that cannot be reached
DATABASE_BACK = "The team's database is back: the log shows what changed meanwhile."
# Named after the column table it fits: a header saved for the old order would misplace them.
HEADER_STATE = "log/header-v3"
# How often the window asks Xero what became of the invoices (a refresh that finds nothing
# costs one call); runs refresh too when they end.
XERO_REFRESH_MINUTES = 15


def first_problems(problems: Sequence[str]) -> str:
    """The first few problems, as the command line prints them (``file.csv:502: ...``), and how
    many more the details hold."""
    shown = "\n".join(problems[:PROBLEMS_SHOWN])
    more = len(problems) - PROBLEMS_SHOWN
    return shown + (counted("\n\u2026and %n more (Show Details\u2026)", more) if more > 0 else "")


class MainWindow(QMainWindow):
    """The Xero integration log window."""

    # The window closed for good (not kept in the tray): the app ends. Its own signal, since
    # a window closed while hidden in the tray is no "last window closed" for Qt.
    quit_requested = Signal()

    def __init__(self, desktop: Desktop, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desktop = desktop
        self.orders = desktop.orders
        self.settings = desktop.app.settings
        self.details: dict[int, DetailsDialog] = {}
        self.resolve_dialog: ResolveDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.problems_view: ProblemsView | None = None
        self.export_job: Job | None = None
        self.setWindowIcon(assets.app_icon())
        self.setObjectName("main-window")
        self.resize(1200, 720)

        self.model = LogModel(desktop.jobs, self)
        self.view = LogView(self.model, self)
        self.filter_bar = FilterBar(self)
        self.banner = Banner(self)
        self.run_panel = RunPanel(self)
        self.inbox = InboxWatcher(self)
        data_dir = desktop.app.data_dir
        self.schedule = SyncSchedule(
            self.orders,
            self.settings,
            connected=lambda: book.get_connection() is not None,
            busy_elsewhere=lambda: sync_busy_message(data_dir),
            parent=self,
        )
        self.notifier = Notifier(self.settings, self)
        self.tray = Tray(
            available=desktop.tray_available,
            open_window=self.show_window,
            sync_now=self.sync_now,
            pause=self.schedule.set_paused,
            quit_app=self.quit_app,
            parent=self,
        )
        self._quitting = False  # Quit, not a close that may keep the app in the tray
        self._build_central()
        self._build_actions()
        self._build_status_bar()
        self._wire()
        self._marker: object = None  # the change marker the poll read last
        self._server_gone = False  # the team's server could not be reached at the last poll
        self.change_poll = ChangePoll(watched_change_marker, desktop.app.db.close, self)
        self.change_poll.answered.connect(self._changes_polled)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._poll_changes)
        self._followed = QElapsedTimer()  # since settings were last followed
        self._resume_timer = QTimer(self)  # after a rate limit, the sync picks up by itself
        self._resume_timer.setSingleShot(True)
        self._resume_timer.timeout.connect(self.sync_now)
        # A sync refused because another process syncs this data directory (an inbox import's,
        # say): the lock is looked at now and then, and the sync runs as soon as it is free.
        self._other_sync_timer = QTimer(self)
        self._other_sync_timer.setInterval(OTHER_SYNC_POLL_MS)
        self._other_sync_timer.timeout.connect(self._sync_when_the_other_is_done)
        self._in_run = False  # a sync or resolve run is under way (its progress is deferred)
        self._run_changed: set[int] = set()  # orders a run changed, not yet repainted
        self._run_rows_reading: Job | None = None  # their reading under way
        self._run_refresh = QTimer(self)
        self._run_refresh.setSingleShot(True)
        self._run_refresh.setInterval(RUN_REFRESH_MS)
        self._run_refresh.timeout.connect(self._refresh_run_rows)
        self._xero_refresh_timer = QTimer(self)
        self._xero_refresh_timer.setInterval(XERO_REFRESH_MINUTES * 60 * 1000)
        self._xero_refresh_timer.timeout.connect(lambda: self.refresh_from_xero(quiet=True))
        self._budget_timer = QTimer(self)
        self._budget_timer.setInterval(BUDGET_MS)
        self._budget_timer.timeout.connect(self._show_budget)
        self._restore_view_state()
        self.model.reload()
        self.refresh_connection()
        self._inbox_setting: object = None  # the inbox_folder value the watcher follows
        self._follow_settings()
        self._poll.start()
        self._budget_timer.start()
        self._xero_refresh_timer.start()

    # -- building ------------------------------------------------------------------------------

    def _build_central(self) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.banner)
        self.stack = QStackedWidget(central)
        self.stack.addWidget(self.view)
        self.empty = EmptyState(central)
        self.empty.import_requested.connect(self.choose_import)
        self.empty.clear_requested.connect(self.filter_bar.clear)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        self.commands = create_actions(
            self,
            {
                Command.SYNC: self.sync_now,
                Command.IMPORT: self.choose_import,
                Command.RESOLVE: self.open_resolve,
                Command.DETAILS: self.open_current_details,
                Command.NEXT_FAILED: self.next_failed,
                Command.FIND: self.filter_bar.focus_search,
                Command.EXPORT: self.choose_export,
                Command.SETTINGS: self.open_settings,
                Command.LOG_FOLDER: self.open_log_folder,
                Command.GUIDE: self.show_guide,
                Command.ABOUT: self.about,
                Command.QUIT: self.quit_app,
                Command.RETRY: lambda: self.resolve_selected(Action.RETRY),
                Command.AUTO_SYNC: lambda: self.resolve_selected(Action.AUTO_SYNC),
                Command.DISMISS: self.dismiss_selected,
                Command.UNDO_DISMISS: self.undo_selected,
                Command.OPEN_IN_XERO: self.open_current_in_xero,
                Command.COPY: self.copy_refs,
                Command.REFRESH_FROM_XERO: self.refresh_from_xero,
                Command.PROBLEMS: self.open_problems_view,
            },
        )
        add_menus_and_toolbar(self, self.commands)
        let_shortcuts_through(self, self.commands)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        # Permanent, so a status message (an import's summary while its sync runs) is drawn
        # beside the run's progress instead of under it, and never hides it.
        bar.addPermanentWidget(self.run_panel)
        self.problems_button = QToolButton(self)
        self.problems_button.setObjectName("problems-count")
        self.problems_button.setAutoRaise(True)
        self.problems_button.setToolTip("The failed orders grouped by cause (Ctrl+P)")
        self.problems_button.clicked.connect(self.open_problems_view)
        self.problems_button.setVisible(False)
        bar.addPermanentWidget(self.problems_button)
        self.schedule_label = QLabel()
        self.schedule_label.setObjectName("schedule")
        bar.addPermanentWidget(self.schedule_label)
        self.budget_label = QLabel()
        self.budget_label.setObjectName("budget")
        bar.addPermanentWidget(self.budget_label)
        self.connection_button = QToolButton(self)
        self.connection_button.setObjectName("connection")
        self.connection_button.setAutoRaise(True)
        self.connection_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.connection_button.clicked.connect(lambda: self.open_settings(CONNECTION_PAGE))
        bar.addPermanentWidget(self.connection_button)

    def _wire(self) -> None:
        self.filter_bar.filter_changed.connect(self._filter_changed)
        self.model.counts_changed.connect(self.filter_bar.set_counts)
        self.model.xero_flagged_counted.connect(self.filter_bar.set_xero_flagged_count)
        self.model.reloaded.connect(self._update_empty_state)
        self.model.modelReset.connect(self._update_actions)
        self.view.details_requested.connect(self.open_details)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        self.orders.run_started.connect(self.run_panel.started)
        self.orders.run_started.connect(self._run_started)
        self.orders.run_progress.connect(self.run_panel.progressed)
        self.orders.run_finished.connect(self._run_finished)
        # After _run_finished: a notification shown in the status bar replaces the run's line.
        self.orders.run_finished.connect(self.notifier.run_finished)
        self.notifier.notified.connect(self._deliver)
        self.tray.message_clicked.connect(self.notification_clicked)
        self.model.counts_changed.connect(lambda _counts: self._update_attention())
        self.model.counts_changed.connect(lambda _counts: self._count_problems())
        self.schedule.changed.connect(self._update_attention)
        self.orders.orders_changed.connect(self._orders_changed)
        # Bound methods only on the long-lived OrderJobs: Qt drops them with the window.
        self.orders.orders_added.connect(self._orders_added)
        self.orders.imported.connect(self._imported)
        self.orders.settings_saved.connect(self._settings_saved)
        self.orders.busy_changed.connect(self._busy_changed)
        self.run_panel.cancel_requested.connect(self.orders.cancel)
        self.schedule.changed.connect(self._show_schedule)
        self.inbox.files_ready.connect(self._inbox_files)
        self.inbox.folder_missing.connect(
            lambda folder: self.banner.show_message(
                f"The inbox folder \u201c{folder}\u201d does not exist; nothing is watched.",
                "warning",
                ("Settings\u2026", lambda: self.open_settings("Inbox")),
            )
        )

    # -- view state ----------------------------------------------------------------------------

    def _restore_view_state(self) -> None:
        state = self.desktop.view_state
        geometry = state.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        header = state.value(HEADER_STATE)
        if isinstance(header, QByteArray):
            self.view.horizontalHeader().restoreState(header)

    def save_view_state(self) -> None:
        state = self.desktop.view_state
        state.setValue("window/geometry", self.saveGeometry())
        state.setValue(HEADER_STATE, self.view.horizontalHeader().saveState())
        state.sync()

    # -- the log -------------------------------------------------------------------------------

    def _filter_changed(self, log_filter: object) -> None:
        self.model.set_filter(log_filter)  # type: ignore[arg-type]

    def _update_empty_state(self) -> None:
        if self.model.rowCount() > 0:
            self.stack.setCurrentWidget(self.view)
            return
        total = sum(self.model.status_counts.values())
        self.empty.show_for(total, self.settings.get("inbox_folder"))
        self.stack.setCurrentWidget(self.empty)

    def _orders_added(self, order_ids: list[int]) -> None:
        self.view.reload_keeping_place()

    def _busy_changed(self, busy: bool) -> None:
        if not busy:
            self._end_run_refreshes()
            self.run_panel.finished()

    def _run_started(self, title: str) -> None:
        self._in_run = True

    def _end_run_refreshes(self) -> None:
        """The run is over: repaint its last rows now, and no longer defer repaints."""
        self._in_run = False
        self._run_refresh.stop()
        if self._run_changed:
            self._refresh_run_rows()

    def _orders_changed(self, order_ids: list[int]) -> None:
        if self._in_run:
            # A run reports every batch: gather them and repaint once per RUN_REFRESH_MS.
            self._run_changed.update(order_ids)
            if not self._run_refresh.isActive():
                self._run_refresh.start()
            return
        if len(order_ids) > READ_AT_ONCE:
            # A refresh from Xero's thousands: on a reader, as a run's (its rows and the
            # counts read on the GUI thread took it 15-70 ms after a 10,000-order sync).
            job = self.model.refresh_orders_in_background(order_ids)
            job.signals.finished.connect(self._update_actions)
            return
        self.model.refresh_orders(order_ids)
        self._update_actions()

    def _refresh_run_rows(self) -> None:
        """Repaint the rows on screen that the run changed since the last time, read on a
        reader (one reading at a time: the next waits for the timer's next turn)."""
        if self._run_rows_reading is not None:
            self._run_refresh.start()
            return
        changed, self._run_changed = self._run_changed, set()
        job = self.model.refresh_orders_in_background(changed, self.view.rows_on_screen())
        self._run_rows_reading = job
        job.signals.finished.connect(lambda: self._run_rows_read(job))

    def _run_rows_read(self, job: Job) -> None:
        if self._run_rows_reading is job:
            self._run_rows_reading = None
        self._update_actions()

    def _poll_changes(self) -> None:
        """Ask the poll's thread for the change marker (:meth:`_changes_polled` gets it)."""
        self.change_poll.ask()

    def _changes_polled(self, answer: object) -> None:
        """Follow writes made by other connections (the writer thread, other processes, other
        desktops sharing the team's database): the rows and the open details read again. A
        team's server that cannot be reached is said in the banner until it is back."""
        if isinstance(answer, ServerDatabaseError):
            self._database_gone(answer)
            return
        if isinstance(answer, Exception):
            raise answer  # as the read raised it: the app's error reporter says it
        if self._server_gone:
            self._server_gone = False
            self._poll.setInterval(POLL_MS)
            # This thread's connection went with the server: the next read connects again.
            self.desktop.app.db.close()
            self.banner.clear(DATABASE_GONE)
            self.statusBar().showMessage(DATABASE_BACK, 10000)
            log.info("the team's database is back")
            self._marker = None  # whatever changed meanwhile: read it all again
        if self._marker is not None and answer == self._marker:
            return
        if self.orders.busy and not self._followed.hasExpired(RUN_FOLLOW_MS):
            # Our own run is writing, so every poll sees a change: what was saved elsewhere
            # meanwhile is followed at a slower pace (the marker stays the one last followed,
            # so whatever changed is followed at the latest once the run is over).
            return
        if self.model.reading:
            return  # it may have begun before this write: the next poll looks again
        self._marker = answer
        self._follow_settings()
        if self.orders.busy:
            # Its progress repaints the rows it changed, and its end re-runs the query:
            # reading here too would only stall the GUI thread.
            return
        if self.model.behind():
            # Read on a reader, shown in place (a refresh from Xero writes for seconds, and
            # each reading on the GUI thread waited for the lock its threads held).
            self.view.reload_in_background()
        for dialog in self.details.values():  # another desktop may have acted on its order
            if dialog.isVisible():
                dialog.refresh()

    def _database_gone(self, gone: ServerDatabaseError) -> None:
        """Say once, in the banner, that the team's server cannot be reached (the poll goes on
        and takes it down when the server answers again)."""
        if self._server_gone:
            return
        self._server_gone = True
        self._poll.setInterval(GONE_POLL_MS)  # each try may wait for the connect timeout
        log.warning("the team's database cannot be reached: %s", gone)
        self.banner.show_message(
            f"{gone} The window tries again every few seconds and shows the log as soon as the "
            "server is back; until then what you do here may fail.",
            "error",
            topic=DATABASE_GONE,
        )

    def bring_to_front(self) -> None:
        """Shown and raised: another start on this data folder asked for the window instead of
        opening a second one."""
        self.show_window()
        self.statusBar().showMessage(ALREADY_OPEN_HERE, 8000)

    def show_window(self) -> None:
        """Shown (from the tray too), restored if minimised, raised and active."""
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()

    def open_problems(self) -> None:
        """The window and its problems view: the failed orders by cause (what a failure
        notification leads to)."""
        self.show_window()
        self.open_problems_view()
        self.statusBar().showMessage(SHOWING_PROBLEMS, 8000)

    def open_problems_view(self) -> ProblemsView:
        """The problems worklist beside the log (read again when it was open already)."""
        if self.problems_view is not None:
            self.problems_view.reload()
            self.problems_view.show()
            self.problems_view.raise_()
            return self.problems_view
        view = ProblemsView(self.desktop, self.open_settings_at, self)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.destroyed.connect(lambda _obj=None: setattr(self, "problems_view", None))
        self.problems_view = view
        view.show()
        return view

    def _count_problems(self) -> None:
        """Count the problems for the status bar, on a reader thread."""
        self.desktop.jobs.submit(
            "Count the problems",
            lambda control: problem_totals(),
            writes=False,
            on_done=self._show_problem_totals,
            on_error=lambda failure: None,  # the log's own reads say what is wrong
        )

    def _show_problem_totals(self, totals: ProblemTotals) -> None:
        text = totals_text(totals)
        self.problems_button.setText(text)
        self.problems_button.setVisible(bool(text))

    def open_settings_at(self, setting: str) -> SettingsDialog:
        """Settings, at the field of ``setting`` (its key or its label, as a reason names it)."""
        keys = [
            each.key for each in self.settings.declarations() if setting in (each.key, each.label)
        ]
        dialog = self.open_settings()
        if keys:
            dialog.show_field(keys[0])
        return dialog

    def notification_clicked(self, kind: str) -> None:
        if kind == Kind.FAILURES:
            self.open_problems()
            return
        self.show_window()
        if kind == Kind.CONNECTION:
            self.open_settings(CONNECTION_PAGE)

    def _deliver(self, notification: Notification) -> None:
        """A desktop notification; where the desktop shows none, the status bar says it."""
        if not self.tray.show_message(notification):
            self.statusBar().showMessage(f"{notification.title}: {notification.text}", 30_000)

    def _update_attention(self) -> None:
        failed = bool(self.model.status_counts.get(Status.FAILED))
        self.tray.set_attention(failed or self.schedule.paused_for == RECONNECT)

    def _follow_settings(self) -> None:
        """Apply settings saved anywhere (this window, the command line, another desktop) that
        the window acts on itself: the watched inbox folder and the schedule."""
        self._followed.start()
        folder = self.settings.get("inbox_folder")
        if folder != self._inbox_setting:
            self._inbox_setting = folder
            self.inbox.watch(folder)
        self.schedule.follow_settings()
        self._show_schedule()  # a connection made elsewhere (the command line) shows too

    def _show_schedule(self) -> None:
        self.schedule_label.setText(self.schedule.describe())

    def _update_actions(self) -> None:
        selected = self.view.selection_size()
        self.commands[Command.RESOLVE].setEnabled(selected > 0)
        if selected > MAX_ACTED_ON:
            self.statusBar().showMessage(
                f"{selected:,} orders selected: actions take the first {MAX_ACTED_ON:,}; filter "
                "the log to narrow it down.",
                8000,
            )
        self.commands[Command.DETAILS].setEnabled(self.view.current_order_id() is not None)

    # -- actions -------------------------------------------------------------------------------

    def sync_now(self) -> None:
        if not self.orders.sync_now():
            self.statusBar().showMessage(
                "A sync is already running: orders that became pending go with it.", 5000
            )

    def choose_import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Import orders",
            str(self.desktop.view_state.value("paths/import", "")),
            ORDER_FILES,
        )
        if paths:
            self.desktop.view_state.setValue("paths/import", str(Path(paths[0]).parent))
            self.import_files([Path(path) for path in paths])

    def import_files(
        self, paths: Sequence[Path], *, skip_bad_lines: bool = False, replace: bool = False
    ) -> Job:
        self.statusBar().showMessage(counted("Importing %n file(s)\u2026", len(paths)))
        return self.orders.import_files(paths, skip_bad_lines=skip_bad_lines, replace=replace)

    def _imported(self, outcome: ImportOutcome) -> None:
        self.statusBar().showMessage(outcome.summary.replace("\n", "; "), 10000)
        self.view.reload_keeping_place()
        if outcome.problems:
            self._import_problems(outcome)
        if outcome.replaceable:
            self._offer_replacing(outcome)

    def _offer_replacing(self, outcome: ImportOutcome) -> None:
        """List the orders imported before with different content that have no invoice in
        Xero, and replace them with the files' content if the user says so."""
        changes = outcome.replaceable
        if not messages.confirm(
            self,
            "Replace changed orders",
            counted(
                "%n order(s) in this import were imported before with different content, and "
                "have no invoice in Xero yet:",
                len(changes),
            )
            + "\n\n"
            + first_problems(changes)
            + "\n\nReplace them with the file's content? They keep their history and are "
            "Pending again.",
            counted("Replace %n order(s)", len(changes)),
        ):
            return
        paths = [result.path for result in outcome.files if result.replaceable]
        # A file from the inbox has moved on to imported/ meanwhile.
        self.import_files([self.inbox.now_at(path) for path in paths], replace=True)

    def _import_problems(self, outcome: ImportOutcome) -> None:
        """Say what kept files or orders out, and offer to import a file's good orders."""
        advice = []
        if any(result.rejected for result in outcome.files):
            advice.append(
                "Nothing was imported from a file with problems; fix them and import it again."
            )
        set_aside = [each.set_aside_file.name for each in outcome.files if each.set_aside_file]
        if set_aside:
            advice.append(
                f"The orders with problems were set aside in {', '.join(set_aside)}, beside the "
                "file: correct them there and import it."
            )
        good = outcome.with_good_orders
        action = None
        if good:
            action = (
                counted("Import the %n good order(s)", sum(result.good_orders for result in good)),
                partial(self._import_good_orders, [result.path for result in good]),
            )
            advice.append(
                "Or import the good orders now, and set the orders with problems aside in a file "
                "to correct."
            )
        # Not modal: the good files imported with this one are syncing meanwhile.
        messages.notice(
            self,
            "Import problems",
            outcome.summary + "\n\n" + first_problems(outcome.problems) + "\n\n" + " ".join(advice),
            "\n".join(outcome.problems),
            action,
        )

    def _import_good_orders(self, paths: list[Path]) -> None:
        """Import these files' good orders, setting those with problems aside beside them; a
        file from the inbox is read where it is now (its problems folder)."""
        self.import_files([self.inbox.now_at(path) for path in paths], skip_bad_lines=True)

    def _inbox_files(self, paths: list[Path]) -> None:
        job = self.orders.import_files(paths)
        job.signals.succeeded.connect(self._inbox_imported)
        job.signals.failed.connect(lambda _failure, paths=paths: self._inbox_failed(paths))

    def _inbox_failed(self, paths: list[Path]) -> None:
        for path in paths:
            self.inbox.finished(path, ["not imported: the import failed (see the log file)"])

    def _inbox_imported(self, outcome: ImportOutcome) -> None:
        for result in outcome.files:
            self.inbox.finished(result.path, list(result.problems) if result.rejected else [])

    def open_details(self, order_id: int) -> DetailsDialog:
        dialog = self.details.get(order_id)
        if dialog is None:
            dialog = DetailsDialog(
                order_id,
                self.orders,
                self.settings,
                self,
                open_url=self.desktop.open_url,
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(lambda _obj=None, o=order_id: self.details.pop(o, None))
            self.details[order_id] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def open_current_details(self) -> None:
        order_id = self.view.current_order_id()
        if order_id is not None:
            self.open_details(order_id)

    def open_resolve(self, order_ids: Sequence[int] | None = None) -> ResolveDialog | None:
        ids = list(order_ids) if order_ids is not None else self.view.selected_order_ids()
        if not ids:
            self.statusBar().showMessage("Select the orders to resolve first.", 5000)
            return None
        dialog = ResolveDialog(ids, self.orders, self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settings_requested.connect(lambda: self.open_settings("Xero defaults"))
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "resolve_dialog", None))
        self.resolve_dialog = dialog
        dialog.open()
        return dialog

    def resolve_selected(self, action: Action) -> Job | None:
        ids = self.view.selected_order_ids()
        if not ids:
            return None
        if action is Action.AUTO_SYNC and not confirm_auto_sync(self, ids, self.settings):
            return None
        return self.orders.resolve(ids, action)

    def refresh_from_xero(self, *, quiet: bool = False) -> Job | None:
        """Ask Xero what became of the invoices since the last refresh; ``quiet`` (the timer,
        the end of a run) says nothing when it cannot (not connected, Xero unreachable)."""
        if book.get_connection() is None:
            if not quiet:
                self.statusBar().showMessage("Connect to Xero first.", 5000)
            return None

        def failed(failure: JobFailure) -> None:
            if quiet:
                log.warning("refresh from Xero failed: %s", failure.message)
            else:
                self.statusBar().showMessage(f"Refresh from Xero failed: {failure.message}", 10000)

        job = self.orders.refresh_from_xero(on_error=failed)
        if not quiet:
            self.statusBar().showMessage("Refreshing from Xero\u2026")
            job.signals.succeeded.connect(self._refreshed)
        return job

    def _refreshed(self, summary: RefreshSummary) -> None:
        self.statusBar().showMessage(summary.line, 10000)

    def dismiss_selected(self) -> Job | None:
        ids = self.view.selected_order_ids()
        if not ids:
            return None
        reason = messages.ask_text(self, "Dismiss", "Why are they dismissed? (optional)")
        return None if reason is None else self.orders.dismiss(ids, reason)

    def undo_selected(self) -> Job | None:
        ids = self.view.selected_order_ids()
        return self.orders.undo_dismiss(ids) if ids else None

    def open_current_in_xero(self) -> None:
        row = self.model.row_at(self.view.currentIndex().row())
        url = invoice_url(book.get_connection(), row.xero_invoice_id if row else None)
        if url:
            messages.open_link(self, self.desktop.open_url, url)

    def copy_refs(self) -> None:
        rows = [
            self.model.row_at(index.row()) for index in self.view.selectionModel().selectedRows()
        ]
        refs = [row.order_ref for row in rows if row is not None]
        if refs:
            QGuiApplication.clipboard().setText("\n".join(refs))

    def next_failed(self) -> None:
        """Select the next failed order after the current row (wrapping round)."""
        if not self.model.status_counts.get(Status.FAILED):
            self.statusBar().showMessage("No failed orders.", 5000)
            return
        start = self.view.currentIndex().row() + 1 if self.view.currentIndex().isValid() else 0
        row = self.model.find_row(Status.FAILED, start, NEXT_FAILED_SCAN)
        if row is None:
            # Far away in a huge log: show the failed orders instead of reading it all.
            self.filter_bar.set_status(Status.FAILED)
            row = 0 if self.model.rowCount() else None
        if row is not None:
            self.view.select_row(row)
            self.view.setFocus()

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export shown log",
            str(Path.home() / "xero-integration-log.csv"),
            "CSV files (*.csv)",
        )
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> Job:
        """Write the orders shown (filter and sort) to ``path`` in the background."""
        log_filter = self.model.log_filter
        sort_key, descending = self.model.sort_order
        self.statusBar().showMessage(f"Exporting to {path}\u2026")

        def done(count: int) -> None:
            self.statusBar().showMessage(
                counted("Exported %Ln order(s) to ", count) + str(path), 10000
            )

        def failed(failure: JobFailure) -> None:
            messages.error(
                self, "Export failed", f"{path} was not written: {failure.message}", failure.details
            )

        self.export_job = self.desktop.jobs.submit(
            "Export",
            lambda control: export_log(
                path, log_filter, sort_key, descending, lambda: control.cancelled
            ),
            writes=False,
            on_done=done,
            on_error=failed,
        )
        return self.export_job

    def open_settings(self, page: str = "") -> SettingsDialog:
        if self.settings_dialog is not None:
            self.settings_dialog.show_page(page)
            self.settings_dialog.raise_()
            return self.settings_dialog
        dialog = SettingsDialog(
            self.settings,
            self.desktop.jobs,
            self.desktop.load_lists,
            book.get_connection(),
            self,
            page=page,
            app=self.desktop.app,
            connect_options=self.desktop.connect_options,
        )
        if dialog.connection_panel is not None:
            # A new sign-in (or a disconnect) changes what the indicator shows and what waits.
            dialog.connection_panel.connection_changed.connect(self._connection_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._save_settings(dialog))
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "settings_dialog", None))
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _connection_changed(self, connection: object) -> None:
        self.refresh_connection()
        self.schedule.connection_changed()
        if connection is not None:
            self.sync_now()  # orders that waited for a connection go now

    def _save_settings(self, dialog: SettingsDialog) -> None:
        changes = dialog.changes()
        if changes:
            self.orders.save_settings(changes)
        if dialog.database_saved:
            self.statusBar().showMessage(DATABASE_SAVED, 10000)

    def _settings_saved(self, values: dict[str, object]) -> None:
        self._follow_settings()
        self.statusBar().showMessage("Settings saved.", 5000)
        if START_AT_LOGIN in values:
            self._apply_autostart(bool(values[START_AT_LOGIN]))

    def _apply_autostart(self, enabled: bool) -> Job:
        """Write or remove the login entry on a worker (a file, or the registry on Windows)."""
        data_dir = self.desktop.app.data_dir

        def failed(failure: JobFailure) -> None:
            messages.warning(
                self,
                "Start at login",
                f"The entry that starts XeroLogDesk at login could not be "
                f"{'written' if enabled else 'removed'}: {failure.message}",
            )

        return self.desktop.jobs.submit(
            "Start at login",
            lambda control: autostart.apply(enabled, data_dir),
            writes=False,
            on_error=failed,
        )

    def open_log_folder(self) -> None:
        self.desktop.open_url(QUrl.fromLocalFile(str(self.desktop.log_dir)))

    def show_guide(self) -> GuideDialog:
        dialog = GuideDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def about(self) -> None:
        data = html.escape(str(self.desktop.app.data_dir))
        logs = html.escape(str(self.desktop.log_dir))
        messages.about(
            self,
            "About XeroLogDesk",
            f"<h3>XeroLogDesk {__version__}</h3>"
            "<p>Syncs wholesale sales orders to Xero as invoices and keeps the Xero "
            "integration log.</p>"
            f"<p>Data folder: {data}<br>Log folder: {logs}</p>"
            f"<p>PySide6 {pyside_version}. MIT licence.</p>",
        )

    # -- runs ----------------------------------------------------------------------------------

    def _run_finished(self, report: RunReport) -> None:
        # The reload below reads the rows on screen again (keeping the selection): the run's
        # last changed rows need no read and repaint of their own just before it. It reads on
        # a reader: at a million rows the first page alone costs the GUI thread 5-20 ms, just
        # when the repaint of every row shown follows.
        self._run_changed.clear()
        self._end_run_refreshes()
        self.run_panel.finished()
        reading = self.view.reload_in_background()
        self._show_budget()
        if report.busy:
            self._other_sync_timer.start()
            self.statusBar().showMessage(WAITING_FOR_OTHER_SYNC)
            return
        self._other_sync_timer.stop()  # a run got in: nothing is left waiting for the lock
        # Whatever stopped a run is shown until a run gets through: then it is over, however
        # it was dealt with (the banner's button, the connection indicator, time passing).
        show = partial(self.banner.show_message, topic=RUN_TROUBLE)
        if report.not_connected:
            show(
                f"Nothing was sent: {report.stopped}",
                "warning",
                ("Connection\u2026", lambda: self.open_settings(CONNECTION_PAGE)),
            )
        elif report.reconnect:
            show(
                f"Syncing paused: {report.stopped} Reconnect to Xero; the orders wait as "
                "pending and go as soon as it is back.",
                "error",
                ("Connection\u2026", lambda: self.open_settings(CONNECTION_PAGE)),
            )
        elif (resume := report.resumes_at(datetime.now(UTC))) is not None:
            # Trouble that passes (a rate limit, an outage): say when the queue goes on, and
            # go on then by itself.
            seconds = max((resume - datetime.now(UTC)).total_seconds(), 1.0)
            self._resume_timer.start(int(min(seconds, MAX_TIMER_SECONDS) * 1000))
            show(
                f"{report.title} paused: {report.stopped} Syncing resumes by itself at "
                f"{resume.astimezone():%H:%M}.",
                "warning",
                ("Sync now", self.sync_now),
            )
        elif report.trouble:
            show(
                f"{report.title} stopped: {report.stopped} The orders not reached stay pending.",
                "warning",
                ("Sync now", self.sync_now),
            )
        else:
            if not report.stopped:  # not merely cancelled: it went all the way
                self.banner.clear(RUN_TROUBLE)
            if report.tally.succeeded:
                # The invoices just made show their status in Xero (and stock its change):
                # asked once the log is shown and painted (a first refresh scans the log, which
                # would slow that repaint down).
                reading.signals.succeeded.connect(lambda _: self.refresh_from_xero(quiet=True))
            message = report.result
            if report.unsettled:
                message += (
                    f" {report.unsettled[0].upper()}{report.unsettled[1:]}: they stay pending."
                )
            if report.elsewhere:
                message += f" {elsewhere_note(report.elsewhere)}"
            self.statusBar().showMessage(message, 10000)

    def _sync_when_the_other_is_done(self) -> None:
        if sync_busy_message(self.desktop.app.data_dir) is not None:
            return
        self._other_sync_timer.stop()
        self.statusBar().clearMessage()
        self.sync_now()

    def refresh_connection(self) -> None:
        """Show the connected organisation (or none) in the status bar and the title."""
        connection = book.get_connection()
        if connection is None:
            text, icon, tip = "Not connected", "connection-none.svg", "Connect to Xero"
            title = APP_TITLE
        else:
            name = connection.tenant_name or connection.tenant_id
            sandbox = connection.kind == "sandbox"
            text = f"{name} \u00b7 sandbox" if sandbox else name
            icon = "connection-sandbox.svg" if sandbox else "connection-xero.svg"
            tip = f"Connected to {'the sandbox organisation' if sandbox else 'Xero'}: {name}"
            title = f"{APP_TITLE} \u2014 {name}"
        self.connection_button.setText(text)
        self.connection_button.setIcon(assets.icon(icon))
        self.connection_button.setToolTip(tip + " (click for the connection settings)")
        self.setWindowTitle(title)
        self._show_schedule()

    def _show_budget(self) -> None:
        budget = self.desktop.budget()
        if budget is None or (budget.minute_remaining is None and budget.day_remaining is None):
            self.budget_label.clear()
            return
        parts = []
        if budget.minute_remaining is not None:
            parts.append(counted("%n call(s) left this minute", budget.minute_remaining))
        if budget.day_remaining is not None:
            parts.append(f"{budget.day_remaining:,} today")
        self.budget_label.setText("Xero: " + ", ".join(parts))

    # -- context menu and closing --------------------------------------------------------------

    def _context_menu(self, position: QPoint) -> None:
        ids = self.view.selected_order_ids()
        if not ids:
            return
        statuses = {
            row.status
            for row in (
                self.model.row_at(i.row()) for i in self.view.selectionModel().selectedRows()
            )
            if row is not None
        }
        resolvable = bool(statuses & set(RESOLVABLE))
        enabled = {
            Command.AUTO_SYNC: resolvable,
            Command.RETRY: resolvable,
            Command.DISMISS: bool(statuses & set(DISMISSABLE)),
            Command.UNDO_DISMISS: Status.DISMISSED in statuses,
            Command.OPEN_IN_XERO: statuses == {Status.SUCCEEDED} and len(ids) == 1,
        }
        menu = QMenu(self)
        for key in CONTEXT_MENU:
            if key is None:
                menu.addSeparator()
                continue
            self.commands[key].setEnabled(enabled.get(key, True))
            menu.addAction(self.commands[key])
        menu.popup(self.view.viewport().mapToGlobal(position))

    def quit_app(self) -> None:
        """Close the window and end the app, tray or not (the tray's and the menu's Quit)."""
        self._quitting = True
        self.close()

    def _keeps_running_in_tray(self) -> bool:
        """Whether closing the window leaves the app syncing in the tray: only with automatic
        sync on and a tray to live in; the first time, the user is asked, and the answer kept."""
        if self._quitting or not self.schedule.on or self.tray.icon is None:
            return False
        choice: str = self.settings.get("close_to_tray")
        if choice == TRAY_ASK:
            keep = messages.choose(
                self,
                "Keep syncing in the tray?",
                counted("Automatic sync is on (every %n minute(s)).", self.schedule.minutes)
                + " Keep XeroLogDesk running in the system tray when its window is closed, so "
                "the orders keep syncing? It tells you when orders fail.\n\nYou can change this "
                "in Settings, Automatic.",
                "Keep running in the tray",
                "Quit",
            )
            choice = TRAY_ON if keep else TRAY_OFF
            self.orders.save_settings({"close_to_tray": choice})
        return choice == TRAY_ON

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._keeps_running_in_tray():
            event.ignore()
            self.save_view_state()
            self.hide()
            return
        self.tray.close()
        self.save_view_state()
        self._poll.stop()
        self.change_poll.stop()
        self._budget_timer.stop()
        self._xero_refresh_timer.stop()
        self.desktop.jobs.cancel_all()
        super().closeEvent(event)
        self.quit_requested.emit()
