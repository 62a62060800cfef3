"""Starting the desktop app: the ``QApplication``, the error reporter, the window, and with
``--sandbox`` the embedded sandbox, its demo organisation and (on first run) the demo orders.

:func:`run_desktop` is what ``xerologdesk`` with no command runs; :func:`start` does everything
but the event loop, so tests start the app exactly as a user does.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtWidgets import QApplication

from xerologdesk import __version__, paths
from xerologdesk.app import LOG_FILE, DataDirUnusable, open_app
from xerologdesk.exits import EXIT_FAILURE, EXIT_OK
from xerologdesk.store import book, queries, trouble
from xerologdesk.store.trouble import DatabaseProblem
from xerologdesk.store.vocabulary import Status
from xerologdesk.ui import assets, messages, single_instance
from xerologdesk.ui.desktop import Desktop, build_desktop
from xerologdesk.ui.errors import ErrorReporter
from xerologdesk.ui.main_window import MainWindow
from xerologdesk.ui.order_jobs import RunnerFactory
from xerologdesk.ui.workers import JobFailure

log = logging.getLogger(__name__)

DESKTOP_FILE_NAME = "io.github.xerologdesk.XeroLogDesk"
DEMO_ORDERS = "demo-orders.csv"
# The demo organisation's sales account and GST rates, so Auto Sync works on the first try.
DEMO_SETTINGS = {
    "default_sales_account": "200",
    "default_tax_rate": "OUTPUT",
    "default_non_taxable_tax_rate": "EXEMPTOUTPUT",
}
SANDBOX_STATE = "sandbox-state.json"
SHUTDOWN_WAIT_MS = 15_000
ALREADY_OPEN = "XeroLogDesk is already open on this data folder: its window comes to the front."


def application() -> QApplication:
    """The one ``QApplication`` (made here unless a test made it), named and iconed."""
    qt_app = QApplication.instance()
    if not isinstance(qt_app, QApplication):
        qt_app = QApplication(sys.argv[:1])
    qt_app.setApplicationName("XeroLogDesk")
    qt_app.setOrganizationName("xerologdesk")
    qt_app.setApplicationVersion(__version__)
    # One reverse-DNS id for the .desktop file, the metainfo and the icon (Wayland needs it).
    qt_app.setDesktopFileName(DESKTOP_FILE_NAME)
    qt_app.setWindowIcon(assets.app_icon())
    return qt_app


class BusyNotice(QObject):
    """Shows in the status bar that a write waits for another xerologdesk (an import in another
    window); the wait is reported on whichever thread writes, the bar changes on the GUI's."""

    waited = Signal(float)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.waited.connect(self._show)
        self._window = window
        trouble.report_busy_waits(self.waited.emit)

    def _show(self, seconds: float) -> None:
        text = f"{trouble.BUSY_WAIT_MESSAGE[0].upper()}{trouble.BUSY_WAIT_MESSAGE[1:]}"
        self._window.statusBar().showMessage(f"{text} ({seconds:.0f} s)", 10_000)

    def uninstall(self) -> None:
        trouble.report_busy_waits(None)


@dataclass
class Started:
    """The running app's parts, and how to stop them."""

    desktop: Desktop
    window: MainWindow
    reporter: ErrorReporter
    busy: BusyNotice
    instance: single_instance.InstanceServer

    def shutdown(self) -> None:
        """Stop the background work (after the batch under way), the sandbox, the database."""
        self.instance.close()
        self.busy.uninstall()
        self.desktop.jobs.cancel_all()
        self.desktop.orders.close_database()
        if not self.desktop.jobs.wait_for_done(SHUTDOWN_WAIT_MS):
            log.warning("background work still running at exit")
        if self.desktop.sandbox is not None:
            self.desktop.sandbox.stop()
        self.reporter.uninstall()
        self.desktop.app.close()


def start(
    args: argparse.Namespace,
    *,
    log_to_file: bool = True,
    runner_factory: RunnerFactory | None = None,
    open_url: Callable[[QUrl], Any] | None = None,
    sandbox_options: dict[str, Any] | None = None,
) -> Started:
    """Open the data, build the window and show it; with ``args.sandbox`` start the demo."""
    app = open_app(args.data_dir, log=log_to_file, database_url=getattr(args, "database_url", None))
    log_dir = paths.log_dir(args.data_dir)
    holder: dict[str, MainWindow] = {}
    reporter = ErrorReporter(log_dir / LOG_FILE, window=lambda: holder.get("window"))
    reporter.install()
    desktop = build_desktop(
        app,
        log_dir,
        failure_handler=reporter.report_failure,
        runner_factory=runner_factory,
        open_url=open_url,
    )
    window = holder["window"] = MainWindow(desktop)
    instance = single_instance.InstanceServer(single_instance.socket_name(app.data_dir), window)
    instance.asked_to_show.connect(window.bring_to_front)
    busy = BusyNotice(window)
    if not getattr(args, "minimized", False):
        window.show()
    elif window.tray.icon is None:
        window.showMinimized()  # no tray to start in: a minimised window instead
    # else started at login: only the tray icon shows, and the schedule runs
    QTimer.singleShot(0, keep_gui_thread_responsive)
    if getattr(args, "sandbox", False):
        start_sandbox(desktop, window, **(sandbox_options or {}))
    else:
        sync_pending_on_start(desktop)
    return Started(desktop, window, reporter, busy, instance)


# Python's thread switch interval while the window is up (default 5 ms). The GUI thread needs
# the GIL for each call into Python a repaint makes (the model's data(), a delegate's paint),
# and with a run's worker threads busy it could wait a whole interval for each: stalls of
# 40-70 ms measured during a 10,000-order sync; at 1 ms most runs still had a gap of 45-65 ms
# (a repaint makes about 460 such calls), at 0.2 ms the worst were 31-41 ms, the run no slower.
SWITCH_INTERVAL_SECONDS = 0.0002
# Allocations between young-generation collections (default 700): fewer passes, and fewer of
# the full ones that stop every thread (24-53 ms each during that sync, 3 of them; 12 ms at
# most with this).
GC_YOUNG_THRESHOLD = 20_000


def keep_gui_thread_responsive() -> None:
    """Tune the interpreter for a GUI thread sharing it with busy workers (after the first
    paint, when the window's own objects exist)."""
    # Everything built so far lives as long as the app: keep it out of the garbage collector's
    # full passes, which stalled the GUI thread for 55-94 ms during a sync (profiled).
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


def sync_pending_on_start(desktop: Desktop) -> None:
    """Orders left pending last time go now, when connected and the setting says so."""
    if book.get_connection() is None or not desktop.app.settings.get("auto_sync_new_orders"):
        return
    if queries.status_counts().get(Status.PENDING):
        desktop.orders.sync_now()


def start_sandbox(desktop: Desktop, window: MainWindow, **options: Any) -> None:
    """Start the embedded sandbox (demo organisation, state in the data directory), connect to
    it, and on first run set the demo organisation's account and tax rates (where unset) and
    import the demo orders, which then sync by themselves."""
    from xerologdesk.sandbox import Sandbox
    from xerologdesk.sandbox.state_lock import StateFileInUse

    options.setdefault("seed", "demo")
    options.setdefault("state_path", desktop.app.data_dir / SANDBOX_STATE)
    try:
        sandbox = Sandbox(**options)
    except StateFileInUse as in_use:
        messages.error(
            window,
            "Sandbox not started",
            f"The embedded sandbox was not started: {in_use}. Close that sandbox (an "
            "xerologdesk sandbox command, or another window) and start again.",
        )
        return
    sandbox.start()
    desktop.sandbox = sandbox

    def connected(name: str) -> None:
        window.refresh_connection()
        window.statusBar().showMessage(f"Connected to the sandbox organisation {name}.", 8000)
        if sum(queries.status_counts().values()) == 0:
            settings = desktop.app.settings
            unset = {key: value for key, value in DEMO_SETTINGS.items() if not settings.get(key)}
            if unset:
                desktop.orders.save_settings(unset)  # queued before the import and its sync
            demo = assets.resource_path(DEMO_ORDERS)
            if demo.is_file():
                window.import_files([demo])  # synced as soon as imported (the default setting)
                return
            log.warning("the demo orders file %s is missing", demo)
        sync_pending_on_start(desktop)

    def failed(failure: JobFailure) -> None:
        messages.error(
            window,
            "Sandbox not connected",
            f"The embedded sandbox started, but connecting to it failed: {failure.message}",
            failure.details,
        )

    desktop.orders.connect_sandbox(sandbox.base_url, on_done=connected, on_error=failed)


def run_desktop(args: argparse.Namespace) -> int:
    """Run the desktop app until its window closes; the exit status."""
    qt_app = application()
    if single_instance.hand_over(single_instance.socket_name(paths.chosen_data_dir(args.data_dir))):
        # Never a second window on one order book (nor a second sandbox re-pointing its
        # connection): the open one comes to the front instead.
        print(ALREADY_OPEN, file=sys.stderr)
        return EXIT_OK
    try:
        started = start(args)
    except (DatabaseProblem, DataDirUnusable) as error:
        messages.error(None, "The order book cannot be opened", str(error))
        return EXIT_FAILURE
    except Exception as error:
        log.exception("the desktop app could not start")
        messages.error(None, "XeroLogDesk could not start", str(error), traceback.format_exc())
        return EXIT_FAILURE
    # The app ends when its window closes for good, not when the last visible window does:
    # hidden in the tray, closing a message box must not end it.
    qt_app.setQuitOnLastWindowClosed(False)
    started.window.quit_requested.connect(qt_app.quit)
    try:
        return int(qt_app.exec())
    finally:
        started.shutdown()
