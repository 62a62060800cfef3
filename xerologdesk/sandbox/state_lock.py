"""One sandbox per state file: an operating-system lock held while a sandbox uses the file.

Two sandboxes on one state file would each write their own state over the other's (the last
writer wins), and each hand out the same invoice numbers. So a sandbox holds ``filelock``'s lock on
``<state file>.lock`` from before it reads the file until it stops, and a second one is refused
with :class:`StateFileInUse`, naming the process that has it. The system drops the lock when its
process dies, even by SIGKILL, so a crashed sandbox never blocks the next one.

The holder writes its process id into ``<state file>.pid`` (not into the lock file itself:
``filelock`` may empty that on taking it, and Windows locks keep others from reading it).
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout


class StateFileInUse(Exception):
    """Another sandbox (in this process or another) is using this state file."""

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path = path
        self.pid = pid
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"the sandbox state file {path} is in use by {holder}")


class StateFileLock:
    """The lock on one state file; :meth:`acquire` and :meth:`release`."""

    def __init__(self, state_path: Path) -> None:
        self.state_path = state_path
        self.holder_path = state_path.with_name(state_path.name + ".pid")
        # Not thread-local: the sandbox may be stopped from another thread than built it.
        self._lock = FileLock(state_path.with_name(state_path.name + ".lock"), thread_local=False)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> None:
        """Take the lock at once, or raise :class:`StateFileInUse` naming who has it."""
        self.state_path.parent.mkdir(parents=True, exist_ok=True)  # filelock makes no folders
        try:
            self._lock.acquire(blocking=False)
        except Timeout:
            raise StateFileInUse(self.state_path, self._holder()) from None
        try:
            self.holder_path.write_text(str(os.getpid()), encoding="ascii")
        except BaseException:
            self._lock.release()
            raise

    def release(self) -> None:
        """Let another sandbox use the file (does nothing when not held)."""
        if not self._lock.is_locked:
            return
        try:
            self.holder_path.unlink(missing_ok=True)  # no stale pid for the next reader
        finally:
            self._lock.release()

    def _holder(self) -> int | None:
        """The process id the holder wrote (just after locking: it may not have yet)."""
        try:
            text = self.holder_path.read_text(encoding="ascii").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None
