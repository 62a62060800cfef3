"""A rate budget per organisation: Xero's 60 calls a minute, 5 in flight and 5,000 a day.

The gateway asks :meth:`RateBudget.slot` before every call. The budget lets a call start only
when fewer than ``minute`` calls are under way or were answered in the last 60 seconds, and fewer
than ``concurrent`` are under way. A call is counted from the moment it starts until 60 seconds
after its answer came back: Xero opens its fixed window when a call *arrives*, which is somewhere
between the two, so this sliding window keeps every window Xero counts under the limit without
guessing network times (plus :data:`BOUNDARY_MARGIN` for the two clocks' granularity).

It also believes Xero's own count (``X-MinLimit-Remaining``, ``X-DayLimit-Remaining``) where the
budget's own calls cannot explain it, since other apps spend the same organisation's budget; such
a count never outlives the minute it was read in. Waiting threads wake as soon as an answer frees
the budget. Time is injectable: tests and benchmarks run minutes of calls without waiting for them.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from xerologdesk.xero.errors import RateLimited

WINDOW_SECONDS = 60.0
# Xero's clock and ours tick apart by up to a clock tick or two: a call 60 s after the window's
# first answer could still land in that window. Half a second costs < 1% of a minute.
BOUNDARY_MARGIN = 0.5
# A wait longer than this is reported to the caller (RateLimited) instead of slept through.
MAX_BLOCK_SECONDS = 90.0
# Waiting for a call in flight to end: woken by its answer; the timeout only guards a lost wake.
IN_FLIGHT_POLL_SECONDS = 1.0
# How long answer times are remembered: long enough to judge a slow call's answer by what was
# under way when it started (see RateBudget._follow_shared_minute).
ANSWERS_KEPT_SECONDS = 5 * WINDOW_SECONDS


@dataclass(frozen=True)
class Limits:
    """Xero's limits for one organisation (0 turns a limit off)."""

    minute: int = 60
    concurrent: int = 5
    day: int = 5000


@dataclass(frozen=True)
class BudgetState:
    """What the status bar shows."""

    minute_remaining: int | None
    day_remaining: int | None
    in_flight: int


class RateBudget:
    """Paces calls to one organisation (thread-safe).

    ``clock`` and ``sleep`` stand for time in tests: an injected ``sleep`` is called with the
    budget locked (it stands for time passing and must return promptly), so threads waiting on a
    test clock never add their waits up. Without one, waits sleep on a condition that every
    answer and every finished call wakes.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._sleep = sleep
        # When each of our calls answered lately came back (oldest first).
        self._answered: deque[float] = deque()
        # When this thread's last call started (its answer's count is judged by it).
        self._local = threading.local()
        self._in_flight = 0
        self._minute_remaining: int | None = None
        self._minute_seen_at = 0.0
        self._day_remaining: int | None = None
        # The server's own count says its minute holds more than ``limits.minute`` (a sandbox
        # with its limits off): its count, not ours, paces the calls.
        self._server_allows_more = False
        # Others have spent this minute (Xero said so): nothing starts before this.
        self._shared_until = 0.0
        self._hold_until = 0.0
        self._hold_problem = ""
        self._lock = threading.Condition()

    def state(self) -> BudgetState:
        """The remaining budget as Xero last reported it, and the calls under way."""
        with self._lock:
            minute = self._minute_remaining
            if minute is not None and self._clock() >= self._minute_seen_at + WINDOW_SECONDS:
                minute = None  # that minute is over: its count says nothing any more
            return BudgetState(minute, self._day_remaining, self._in_flight)

    @contextmanager
    def slot(self) -> Iterator[None]:
        self._acquire()
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._answered.append(self._clock())
                self._lock.notify_all()

    def _acquire(self) -> None:
        with self._lock:
            while True:
                now = self._clock()
                if self._hold_until - now > MAX_BLOCK_SECONDS:
                    # Hours, for a day limit: say so rather than block a thread that long.
                    raise RateLimited(self._hold_problem, round(self._hold_until - now))
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._in_flight += 1
                    self._local.started = now
                    if self._minute_remaining:
                        self._minute_remaining -= 1
                    return
                if wait == float("inf"):
                    # Only other calls finishing can free a place: wait for one of them.
                    self._lock.wait(timeout=IN_FLIGHT_POLL_SECONDS)
                elif self._sleep is not None:
                    self._sleep(wait)
                else:
                    self._lock.wait(timeout=wait)

    def _in_window(self, now: float) -> int:
        """Our calls that Xero may count in a minute open at ``now``: under way, or answered
        less than a minute (and the margin) before."""
        while self._answered and self._answered[0] + ANSWERS_KEPT_SECONDS <= now:
            self._answered.popleft()
        aged = bisect.bisect_right(self._answered, now - WINDOW_SECONDS - BOUNDARY_MARGIN)
        return self._in_flight + len(self._answered) - aged

    def _oldest_in_window(self, now: float) -> float | None:
        """When the oldest answer still counted at ``now`` came back (None: none is)."""
        aged = bisect.bisect_right(self._answered, now - WINDOW_SECONDS - BOUNDARY_MARGIN)
        return self._answered[aged] if aged < len(self._answered) else None

    def _wait_needed(self, now: float) -> float:
        """Seconds until a call may start (0: now; inf: when a call in flight ends)."""
        counted = self._in_window(now)
        if now < self._hold_until:
            return self._hold_until - now
        if now < self._shared_until:
            return self._shared_until - now
        own_limit = 0 if self._server_allows_more else self.limits.minute
        if own_limit and counted >= own_limit:
            oldest = self._oldest_in_window(now)
            if oldest is None:
                return float("inf")
            return oldest + WINDOW_SECONDS + BOUNDARY_MARGIN - now
        if self.limits.concurrent and self._in_flight >= self.limits.concurrent:
            return float("inf")
        return 0.0

    def observe(self, headers: Mapping[str, str]) -> None:
        lowered = {key.lower(): value for key, value in headers.items()}
        with self._lock:
            now = self._clock()
            minute = _int(lowered.get("x-minlimit-remaining"))
            day = _int(lowered.get("x-daylimit-remaining"))
            if minute is not None:
                self._minute_remaining, self._minute_seen_at = minute, now
                self._follow_shared_minute(minute, now, getattr(self._local, "started", now))
            if day is not None:
                self._day_remaining = day
            retry_after = _int(lowered.get("retry-after"))
            if retry_after is not None:
                # A 429: nothing starts before Xero said it may (docs/xero-behaviour.md).
                until = now + retry_after
                if until > self._hold_until:
                    self._hold_until = until
                    self._hold_problem = lowered.get("x-rate-limit-problem", "")
            self._lock.notify_all()

    def _follow_shared_minute(self, remaining: int, now: float, started: float) -> None:
        """Hold new calls when Xero's minute is spent by more than our own calls explain.

        A count above our own limit means the server allows more than we assumed (a sandbox
        with its limits off says 100,000): its count paces the calls, and ours stands aside.
        Every call Xero counts in its current window arrived after the window opened, less than
        a minute before the answered call arrived (after it ``started``), so every call of ours it
        counts was answered since ``started`` less a minute: a spent minute that those explain is
        already paced by our own window. (Counting from the call's start, not from now, keeps a
        slow answer, or a test clock that jumped meanwhile, from looking like others' calls.)
        Otherwise others spend it too, and Xero's window closes within a minute of this answer.
        A later answer with room left lifts the hold at once.
        """
        self._server_allows_more = remaining > self.limits.minute
        ours = self._in_window(started)
        spent_by_others = not self.limits.minute or self.limits.minute - remaining > ours
        if remaining <= 0 and spent_by_others:
            self._shared_until = now + WINDOW_SECONDS + BOUNDARY_MARGIN
        elif remaining > 0:
            self._shared_until = 0.0


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None
