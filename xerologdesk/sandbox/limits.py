"""Xero's rate limits, per organisation, on the sandbox clock.

Per organisation: calls per minute, calls per day and calls in flight; per app (all organisations
together): 10,000 calls a minute. Windows are fixed, as Xero's: a window opens with the first call
after the previous one closed, so each organisation's windows reset at their own times, and a test
resets them by advancing the clock. Any limit can be changed at run time; 0 turns it off.

Every accounting answer carries ``X-DayLimit-Remaining``, ``X-MinLimit-Remaining`` and
``X-AppMinLimit-Remaining`` (calls left in the current windows; with a limit off the header reports
:data:`UNLIMITED_REMAINING`, so clients that trust it never wait). Over a limit the answer is 429
with ``X-Rate-Limit-Problem`` (``day``, ``minute``, ``appminute`` or ``concurrent``) and, for the
windowed limits, ``Retry-After``: whole seconds until the window resets (at least 1). Xero sends
no ``Retry-After`` for the concurrent limit and neither does the sandbox.

A call refused with 429 is not counted against the windows (Xero does not document whether it
is; counting it would let a client that retries too early push its own reset further away).
Retries that are admitted count like any call, as on Xero.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from xerologdesk.sandbox.clock import SandboxClock

MINUTE_SECONDS = 60
DAY_SECONDS = 24 * 60 * 60
APP_MINUTE_LIMIT = 10_000
UNLIMITED_REMAINING = 100_000


@dataclass
class Admission:
    """The verdict on one call: admitted or not, and the headers to send either way."""

    allowed: bool
    headers: dict[str, str]
    problem: str | None = None
    retry_after: int | None = None


@dataclass
class _Window:
    """A fixed window counting calls."""

    length: int
    start: float | None = None
    count: int = 0

    def roll(self, now: float) -> None:
        if self.start is None or now >= self.start + self.length:
            self.start = now
            self.count = 0

    def seconds_left(self, now: float) -> int:
        start = now if self.start is None else self.start
        return max(1, math.ceil(start + self.length - now))


@dataclass
class _Organisation:
    minute: _Window = field(default_factory=lambda: _Window(MINUTE_SECONDS))
    day: _Window = field(default_factory=lambda: _Window(DAY_SECONDS))
    in_flight: int = 0


class RateLimiter:
    """Admits or refuses accounting calls (thread-safe)."""

    def __init__(
        self,
        clock: SandboxClock,
        *,
        minute: int = 60,
        day: int = 5000,
        concurrent: int = 5,
        app_minute: int = APP_MINUTE_LIMIT,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._minute = minute
        self._day = day
        self._concurrent = concurrent
        self._app_minute_limit = app_minute
        self._app_minute = _Window(MINUTE_SECONDS)
        self._organisations: dict[str, _Organisation] = {}

    def configure(
        self, *, minute: int | None = None, day: int | None = None, concurrent: int | None = None
    ) -> dict[str, int]:
        """Change limits (None keeps one; 0 turns one off); the limits now in force."""
        for value in (minute, day, concurrent):
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError("limits are whole numbers, 0 or more (0 turns a limit off)")
        with self._lock:
            if minute is not None:
                self._minute = minute
            if day is not None:
                self._day = day
            if concurrent is not None:
                self._concurrent = concurrent
        return self.limits()

    def limits(self) -> dict[str, int]:
        with self._lock:
            return {"minute": self._minute, "day": self._day, "concurrent": self._concurrent}

    def reset(self) -> None:
        """Forget every count (the limits stay)."""
        with self._lock:
            self._organisations.clear()
            self._app_minute = _Window(MINUTE_SECONDS)

    def admit(self, tenant_id: str) -> Admission:
        """Count one call and take a place in flight, or refuse it; call :meth:`release` after."""
        now = self._clock.timestamp()
        with self._lock:
            org = self._organisations.setdefault(tenant_id, _Organisation())
            org.minute.roll(now)
            org.day.roll(now)
            self._app_minute.roll(now)
            refusal = self._refusal(org, now)
            if refusal is None:
                org.minute.count += 1
                org.day.count += 1
                self._app_minute.count += 1
                org.in_flight += 1
            headers = self._headers(org)
        if refusal is None:
            return Admission(True, headers)
        problem, retry_after = refusal
        return Admission(False, headers, problem, retry_after)

    def release(self, tenant_id: str) -> None:
        """A call admitted by :meth:`admit` has been answered."""
        with self._lock:
            org = self._organisations.get(tenant_id)
            if org is not None and org.in_flight > 0:
                org.in_flight -= 1

    def headers(self, tenant_id: str) -> dict[str, str]:
        """The remaining-calls headers for an organisation, counting nothing."""
        now = self._clock.timestamp()
        with self._lock:
            org = self._organisations.setdefault(tenant_id, _Organisation())
            org.minute.roll(now)
            org.day.roll(now)
            self._app_minute.roll(now)
            return self._headers(org)

    def _refusal(self, org: _Organisation, now: float) -> tuple[str, int | None] | None:
        if self._day and org.day.count >= self._day:
            return "day", org.day.seconds_left(now)
        if self._minute and org.minute.count >= self._minute:
            return "minute", org.minute.seconds_left(now)
        # The minute limit off (tests, benchmarks) turns the app's minute limit off with it.
        app_limit = self._app_minute_limit if self._minute else 0
        if app_limit and self._app_minute.count >= app_limit:
            return "appminute", self._app_minute.seconds_left(now)
        if self._concurrent and org.in_flight >= self._concurrent:
            return "concurrent", None
        return None

    def _headers(self, org: _Organisation) -> dict[str, str]:
        def remaining(limit: int, window: _Window) -> str:
            return str(max(0, limit - window.count) if limit else UNLIMITED_REMAINING)

        return {
            "X-DayLimit-Remaining": remaining(self._day, org.day),
            "X-MinLimit-Remaining": remaining(self._minute, org.minute),
            "X-AppMinLimit-Remaining": remaining(self._app_minute_limit, self._app_minute),
        }
