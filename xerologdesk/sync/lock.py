"""One sync at a time per data directory, whichever process runs it.

Two desktops' apps, or the app and a cron ``xerologdesk sync``, pointed at one data directory must
never send the same order twice. A run holds an operating-system lock (``filelock``'s
:class:`~filelock.FileLock`) on ``sync.lock`` in the data directory from before it reconciles
until it ends; a second run finds it taken and stops with :class:`SyncBusy` before sending
anything. The system drops the lock when its process dies, even by SIGKILL, so a crashed run
never blocks the next one. Reading (the log, the status) needs no lock.

The holder writes its process id into ``sync.pid`` beside the lock so the other one can say who
is syncing (not into the lock file itself: ``filelock`` empties that on taking it, and Windows
locks keep others from reading it).

In team mode (the order book on PostgreSQL) desktops with data directories of their own share
one log and sync it at the same time: each run claims the orders it syncs in the database
(:mod:`xerologdesk.store.claims`), so no order is sent by two of them.
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_FILE = "sync.lock"
HOLDER_FILE = "sync.pid"


class SyncBusy(Exception):
    """Another run (in this process or another) is syncing this data directory."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        super().__init__(busy_message(pid))


def busy_message(pid: int | None, spared: str = "nothing was sent from here") -> str:
    """What the user is told when another run holds the data directory; ``spared``: what was
    therefore not done."""
    who = f" (pid {pid})" if pid else ""
    return (
        f"another xerologdesk is syncing this data directory{who}: {spared}; "
        "try again when it has finished."
    )


class SyncLock:
    """The data directory's sync lock; use ``with lock:`` or :meth:`acquire`/:meth:`release`."""

    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self.holder_path = Path(data_dir) / HOLDER_FILE
        # Not thread-local: a run may be released by another thread than the one that took it.
        self._lock = FileLock(self.path, thread_local=False)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> None:
        """Take the lock at once, or raise :class:`SyncBusy` naming the process that has it."""
        if self._lock.is_locked:
            raise SyncBusy(os.getpid())  # one run at a time, within a process too
        try:
            self._lock.acquire(blocking=False)
        except Timeout:
            raise SyncBusy(self._holder()) from None
        try:
            self.holder_path.write_text(str(os.getpid()), encoding="ascii")
        except BaseException:
            self._lock.release()
            raise

    def release(self) -> None:
        """Let the next run in (does nothing when not held)."""
        if not self._lock.is_locked:
            return
        try:
            self.holder_path.unlink(missing_ok=True)  # no stale pid for the next reader
        finally:
            self._lock.release()

    def _holder(self) -> int | None:
        """The process id the holder wrote, when it has (it writes it just after locking)."""
        try:
            text = self.holder_path.read_text(encoding="ascii").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def __enter__(self) -> SyncLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def sync_busy_message(data_dir: Path | str) -> str | None:
    """What to tell the user when another run is syncing ``data_dir`` now; None when none is.

    For the GUI, to say so before starting a run (a run itself checks again: this is a hint).
    """
    probe = SyncLock(data_dir)
    try:
        probe.acquire()
    except SyncBusy as busy:
        return str(busy)
    probe.release()
    return None
