"""One sync at a time per data directory, whichever process runs it.

Two desktops' apps, or the app and a cron ``xerologdesk sync``, pointed at one data directory must
never send the same order twice. A run holds an operating-system lock on ``sync.lock`` in the
data directory (``flock`` on POSIX, ``msvcrt.locking`` on Windows) from before it reconciles
until it ends; a second run finds it taken and stops with :class:`SyncBusy` before sending
anything. The system drops the lock when its process dies, even by SIGKILL, so a crashed run
never blocks the next one. Reading (the log, the status) needs no lock.

The holder writes its process id into the file so the other one can say who is syncing.

In team mode (the order book on PostgreSQL) desktops with data directories of their own share
one log: a run then also holds the database's run lock
(:class:`~xerologdesk.store.engines.ServerRunLock`), so one run syncs at a time across them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from xerologdesk.store.engines import ServerRunLock

LOCK_FILE = "sync.lock"
# Windows locks are mandatory: lock a byte well past the process id, so others can still read it.
_LOCKED_BYTE = 1 << 16
_PID_WIDTH = 24
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)


class SyncBusy(Exception):
    """Another run (in this process or another) is syncing this data directory."""

    def __init__(self, pid: int | None, message: str | None = None) -> None:
        self.pid = pid
        super().__init__(message or busy_message(pid))


TEAM_BUSY = (
    "another desktop is syncing this team's order book: nothing was sent from here; try again "
    "when it has finished."
)


def busy_message(pid: int | None) -> str:
    """What the user is told when another run holds the data directory."""
    who = f" (pid {pid})" if pid else ""
    return (
        f"another xerologdesk is syncing this data directory{who}: nothing was sent from here; "
        "try again when it has finished."
    )


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        handle.seek(_LOCKED_BYTE)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(_LOCKED_BYTE)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _read_pid(handle: IO[bytes]) -> int | None:
    handle.seek(0)
    text = handle.read(_PID_WIDTH).strip()
    return int(text) if text.isdigit() else None


def _write_pid(handle: IO[bytes], pid: str) -> None:
    # Written in place at a fixed width (no truncating: Windows may refuse it under a lock).
    handle.seek(0)
    handle.write(pid.ljust(_PID_WIDTH - 1).encode("ascii") + b"\n")
    handle.flush()


class SyncLock:
    """The data directory's sync lock (and, given ``server``, the team database's); use
    ``with lock:`` or :meth:`acquire`/:meth:`release`."""

    def __init__(self, data_dir: Path | str, server: ServerRunLock | None = None) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self.server = server
        self._handle: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> None:
        """Take the lock at once, or raise :class:`SyncBusy` naming the process that has it."""
        if self._handle is not None:
            raise SyncBusy(os.getpid())  # one run at a time, within a process too
        # Created if missing, never truncated: someone else may hold it and be writing its pid.
        descriptor = os.open(self.path, _OPEN_FLAGS, 0o644)
        handle = os.fdopen(descriptor, "r+b")
        try:
            if not _try_lock(handle):
                raise SyncBusy(_read_pid(handle))
            if self.server is not None and not self.server.try_acquire():
                _unlock(handle)
                raise SyncBusy(None, TEAM_BUSY)
            _write_pid(handle, str(os.getpid()))
        except BaseException:
            handle.close()
            raise
        self._handle = handle

    def release(self) -> None:
        """Let the next run in (does nothing when not held)."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            if self.server is not None:
                self.server.release()
            _write_pid(handle, "")  # no stale pid for the next reader
            _unlock(handle)
        finally:
            handle.close()

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
