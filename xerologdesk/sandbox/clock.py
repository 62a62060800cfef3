"""The sandbox's clock: real time plus an offset that tests move forward instead of sleeping."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """Wall-clock time in UTC, shifted by however far it has been advanced.

    Token expiry, the idempotency window and the rate-limit windows all read this clock, so a test
    can jump 31 minutes ahead with ``advance(31 * 60)`` rather than wait.
    """

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current sandbox time, timezone-aware (UTC)."""
        with self._lock:
            offset = self._offset
        return datetime.now(UTC) + offset

    def timestamp(self) -> float:
        """The current sandbox time as POSIX seconds."""
        return self.now().timestamp()

    def advance(self, seconds: float) -> None:
        """Move the clock forward (never back: windows and expiries only run one way)."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
