"""Background work: jobs on two ``QThreadPool`` s, reporting back to the GUI thread by signals.

- The **writer** pool has one thread, and every database write of the app runs there, in the
  order it was asked for (docs/architecture.md: one writer), so SQLite never sees two writers
  from this process and no widget waits on a lock.
- The **reader** pool runs work that only reads the database or asks Xero for reference data
  (the settings' lists, exports), so it never queues behind a long sync.

A job's signals live on a separate ``QObject`` created on the GUI thread (never a class that is
both a ``QRunnable`` and a ``QObject``); :class:`Jobs` keeps every job referenced until it has
finished, so nothing is collected mid-run. Cancelling is cooperative: the job's function checks
:attr:`JobControl.cancelled` or registers what to call with :meth:`JobControl.on_cancel`.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

log = logging.getLogger(__name__)

READER_THREADS = 2


@dataclass(frozen=True)
class JobFailure:
    """A job's function raised: what, and the traceback for the error dialog's details."""

    job: str
    error: BaseException
    details: str

    @property
    def message(self) -> str:
        return str(self.error) or type(self.error).__name__


class JobSignals(QObject):
    """A job's signals; created on the GUI thread so its slots run there."""

    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)  # JobFailure
    finished = Signal()


class JobControl:
    """What a job's function is handed: the cancel flag and the progress reporter."""

    def __init__(self, signals: JobSignals) -> None:
        self._signals = signals
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._on_cancel: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Ask the job to stop at its next safe point."""
        with self._lock:
            if self._cancelled.is_set():
                return
            self._cancelled.set()
            callbacks = list(self._on_cancel)
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the job is cancelled (at once if it already is)."""
        with self._lock:
            if not self._cancelled.is_set():
                self._on_cancel.append(callback)
                return
        callback()

    def report(self, value: object) -> None:
        """Send a progress value to the GUI thread."""
        self._signals.progress.emit(value)


Work = Callable[[JobControl], Any]


class Job(QRunnable):
    """One piece of background work: runs ``work(control)`` on a pool thread."""

    def __init__(self, name: str, work: Work, after: Callable[[], object] | None = None) -> None:
        super().__init__()
        # The pool must not delete the runnable: Jobs holds it until `finished` arrives.
        self.setAutoDelete(False)
        self.name = name
        self.signals = JobSignals()
        self.control = JobControl(self.signals)
        self._work = work
        self._after = after

    def run(self) -> None:
        try:
            result = self._work(self.control)
        except BaseException as error:
            # Never silent: logged here with its traceback, shown by whoever handles `failed`.
            log.exception("background job %r failed", self.name)
            self.signals.failed.emit(JobFailure(self.name, error, traceback.format_exc()))
        else:
            self.signals.succeeded.emit(result)
        finally:
            if self._after is not None:
                try:
                    self._after()
                except Exception:
                    log.exception("cleaning up after %r failed", self.name)
            self.signals.finished.emit()

    def cancel(self) -> None:
        self.control.cancel()


class Jobs(QObject):
    """The app's pools, and every job not yet finished.

    ``failure_handler`` receives failures no caller handled (the app's error reporter);
    ``reader_cleanup`` runs on a reader thread after each of its jobs (closing that thread's
    database connection: reader threads come and go, the writer's one connection stays).
    """

    idle_changed = Signal(bool)

    def __init__(
        self,
        failure_handler: Callable[[JobFailure], None] | None = None,
        parent: QObject | None = None,
        *,
        reader_cleanup: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self._reader_cleanup = reader_cleanup
        self.writer = QThreadPool(self)
        self.writer.setMaxThreadCount(1)
        # One long-lived writer thread: one SQLite connection for all writes.
        self.writer.setExpiryTimeout(-1)
        self.reader = QThreadPool(self)
        self.reader.setMaxThreadCount(READER_THREADS)
        self._unfinished: list[Job] = []
        self._deferred: list[tuple[Job, QThreadPool]] = []
        self._failure_handler = failure_handler

    def submit(
        self,
        name: str,
        work: Work,
        *,
        writes: bool,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[JobFailure], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> Job:
        """Run ``work`` in the background; ``writes`` says whether it writes to the database.

        The callbacks run on the GUI thread. Without ``on_error`` a failure goes to the app's
        failure handler (an error dialog), so no failure is ever dropped. The job starts when
        control returns to the event loop: connect to its signals before that.
        """
        job = Job(name, work, None if writes else self._reader_cleanup)
        if on_progress is not None:
            job.signals.progress.connect(on_progress)
        if on_done is not None:
            job.signals.succeeded.connect(on_done)
        job.signals.failed.connect(on_error or self._unhandled)
        job.signals.finished.connect(lambda: self._finished(job))
        was_idle = not self._unfinished
        self._unfinished.append(job)
        # Started on the next turn of the event loop, so that whoever receives the job connects
        # to its signals first: a quick job would otherwise finish before anyone listened.
        self._deferred.append((job, self.writer if writes else self.reader))
        if len(self._deferred) == 1:
            QTimer.singleShot(0, self, self._start_deferred)
        if was_idle:
            self.idle_changed.emit(False)
        return job

    def _start_deferred(self) -> None:
        deferred, self._deferred = self._deferred, []
        for job, pool in deferred:  # in the order asked: the writer runs them in that order
            pool.start(job)

    def unfinished(self) -> list[Job]:
        """Jobs queued or running (their `finished` not yet handled on the GUI thread)."""
        return list(self._unfinished)

    def is_idle(self) -> bool:
        return not self._unfinished

    def cancel_all(self) -> None:
        for job in list(self._unfinished):
            job.cancel()

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Block until both pools are idle (on quitting); False on a timeout."""
        self._start_deferred()
        return self.writer.waitForDone(msecs) and self.reader.waitForDone(msecs)

    def _finished(self, job: Job) -> None:
        if job in self._unfinished:
            self._unfinished.remove(job)
        if not self._unfinished:
            self.idle_changed.emit(True)

    def _unhandled(self, failure: JobFailure) -> None:
        if self._failure_handler is not None:
            self._failure_handler(failure)
