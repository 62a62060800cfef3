"""The Qt side of the composition root: what the main window and its dialogs are built from.

:func:`build_desktop` is called once by :mod:`xerologdesk.ui.launch` (and by each GUI test) with
the Qt-free :class:`xerologdesk.app.App`; everything below receives its parts through
constructors. Nothing here is global.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QSystemTrayIcon

from xerologdesk.app import App
from xerologdesk.sync.reference_lists import ReferenceLists, read_reference_lists
from xerologdesk.ui.dialogs.connect_xero import ConnectOptions
from xerologdesk.ui.order_jobs import OrderJobs, RunnerFactory
from xerologdesk.ui.wording import install_plurals
from xerologdesk.ui.workers import JobFailure, Jobs

VIEW_STATE_FILE = "window.ini"


@dataclass(frozen=True)
class Budget:
    """What the status bar shows of the organisation's call budget (None: not known yet)."""

    minute_remaining: int | None
    day_remaining: int | None


def connected_budget(app: App) -> Budget | None:
    """The connected organisation's remaining calls, as Xero last reported them."""
    # Only a budget the gateway already spent from: none is made just to show it.
    budget = app.connected_budget()
    if budget is None:
        return None
    state = budget.state()
    return Budget(state.minute_remaining, state.day_remaining)


@dataclass
class Desktop:
    """Everything the window needs, built once."""

    app: App
    jobs: Jobs
    orders: OrderJobs
    log_dir: Path
    view_state: QSettings
    load_lists: Callable[[], ReferenceLists]
    open_url: Callable[[QUrl], Any] = QDesktopServices.openUrl
    budget: Callable[[], Budget | None] = lambda: None
    sandbox: Any = None  # the embedded Sandbox when started with --sandbox
    # How Settings > Connection signs in: the system browser and the registered port, unless
    # a test drives the sandbox's consent page itself.
    connect_options: ConnectOptions = field(default_factory=ConnectOptions)
    # Whether the desktop has a system tray to keep the app in (asked once, at start).
    tray_available: bool = False


def build_desktop(
    app: App,
    log_dir: Path,
    *,
    failure_handler: Callable[[JobFailure], None] | None = None,
    runner_factory: RunnerFactory | None = None,
    open_url: Callable[[QUrl], Any] | None = None,
) -> Desktop:
    """Build the pools, the order jobs and the view state for ``app``."""
    install_plurals()  # before a worker counts anything
    jobs = Jobs(failure_handler, reader_cleanup=app.db.close)
    view_state = QSettings(str(app.data_dir / VIEW_STATE_FILE), QSettings.Format.IniFormat)
    desktop = Desktop(
        app=app,
        jobs=jobs,
        orders=OrderJobs(app, jobs, runner_factory),
        log_dir=log_dir,
        view_state=view_state,
        load_lists=lambda: read_reference_lists(app.gateway()),
        budget=lambda: connected_budget(app),
        tray_available=QSystemTrayIcon.isSystemTrayAvailable(),
    )
    if open_url is not None:
        desktop.open_url = open_url
    return desktop
