"""The one error reporter: unexpected exceptions (GUI thread, worker threads, background jobs)
are logged with their traceback and shown in a dialog whose details can be copied; Qt's own
warnings go to the log. Nothing fails silently."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    Qt,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QWidget

from xerologdesk.ui import messages
from xerologdesk.ui.workers import JobFailure

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def qt_message_to_logging(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's messages (warnings about layouts, fonts, plugins...) into the app's log."""
    where = f" ({context.file}:{context.line})" if context.file else ""
    qt_log.log(QT_LEVELS.get(mode, logging.WARNING), "%s%s", message, where)


class ErrorReporter(QObject):
    """Logs and shows unexpected errors, one dialog at a time."""

    # Carries reports from any thread to the GUI thread.
    _reported = Signal(str, str, str)

    def __init__(
        self,
        log_file: Path | None = None,
        window: Callable[[], QWidget | None] = lambda: None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._log_file = log_file
        self._window = window
        self._showing = False
        self._missed = 0
        self._previous_hooks: tuple[object, object] | None = None
        self._previous_qt_handler: Callable[..., Any] | None = None
        # Emitted from plain Python threads too: queue it explicitly onto the GUI thread.
        self._reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        """Route ``sys.excepthook``, ``threading.excepthook`` and Qt's messages here."""
        self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        self._previous_qt_handler = qInstallMessageHandler(qt_message_to_logging)

    def uninstall(self) -> None:
        """Put back the hooks and the Qt message handler found by :meth:`install`."""
        if self._previous_hooks is None:
            return
        sys.excepthook, threading.excepthook = self._previous_hooks  # type: ignore[assignment]
        self._previous_hooks = None
        qInstallMessageHandler(self._previous_qt_handler)

    # -- reporting -----------------------------------------------------------------------------

    def report(self, title: str, error: BaseException, details: str) -> None:
        """Log ``error`` and show it (from any thread)."""
        log.error("%s: %s\n%s", title, error, details)
        self._reported.emit(title, str(error) or type(error).__name__, details)

    def report_failure(self, failure: JobFailure) -> None:
        """A background job failed and nobody handled it (already logged by the job)."""
        self._reported.emit(f"{failure.job} failed", failure.message, failure.details)

    def _excepthook(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        details = "".join(traceback.format_exception(kind, error, trace))
        self.report("Unexpected error", error, details)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        details = "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        )
        name = args.thread.name if args.thread else "a thread"
        self.report(f"Unexpected error in {name}", args.exc_value, details)

    def _show(self, title: str, text: str, details: str) -> None:
        if self._showing:
            # One dialog at a time: the rest are in the log, and the next dialog says so.
            self._missed += 1
            return
        self._showing = True
        try:
            where = (
                f"\n\nThe details are also in the log file: {self._log_file}"
                if self._log_file
                else ""
            )
            missed = (
                f"\n\n{self._missed} more error(s) happened meanwhile; see the log file."
                if self._missed
                else ""
            )
            self._missed = 0
            messages.error(
                self._window(),
                title,
                f"Something went wrong: {text}{missed}{where}",
                details,
            )
        finally:
            self._showing = False
