"""A rate budget per organisation: Xero's 60 calls a minute, 5 in flight and 5,000 a day.

The gateway asks :meth:`RateBudget.slot` before every call. The budget lets a call start only
when fewer than ``minute`` calls started in the last 60 seconds (a sliding window, which keeps
every fixed window Xero counts in under the limit too) and fewer than ``concurrent`` are under
way; it also believes Xero's own count (``X-MinLimit-Remaining``, ``X-DayLimit-Remaining``), since
other apps spend the same organisation's budget. Time is injectable: tests run a minute of calls
without waiting for it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from xerologdesk.xero.errors import RateLimited

WINDOW_SECONDS = 60.0
# A wait longer than this is reported to the caller (RateLimited) instead of slept through.
MAX_BLOCK_SECONDS = 90.0


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
    """Paces calls to one organisation (thread-safe)."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._sleep = sleep
        self._started: deque[float] = deque()
        self._in_flight = 0
        self._minute_remaining: int | None = None
        self._day_remaining: int | None = None
        self._hold_until = 0.0
        self._hold_problem = ""
        self._lock = threading.Condition()

    def state(self) -> BudgetState:
        """The remaining budget as Xero last reported it, and the calls under way."""
        with self._lock:
            return BudgetState(self._minute_remaining, self._day_remaining, self._in_flight)

    @contextmanager
    def slot(self) -> Iterator[None]:
        self._acquire()
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()

    def _acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                if self._hold_until - now > MAX_BLOCK_SECONDS:
                    # Hours, for a day limit: say so rather than block a thread that long.
                    raise RateLimited(self._hold_problem, round(self._hold_until - now))
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._in_flight += 1
                    self._started.append(self._clock())
                    if self._minute_remaining:
                        self._minute_remaining -= 1
                    return
                if wait == float("inf"):
                    # Only other calls finishing can free a place: wait for one of them.
                    self._lock.wait(timeout=1.0)
                    continue
            self._sleep(wait)

    def _wait_needed(self, now: float) -> float:
        """Seconds until a call may start (0: now; inf: when a call in flight ends)."""
        while self._started and self._started[0] <= now - WINDOW_SECONDS:
            self._started.popleft()
        if now < self._hold_until:
            return self._hold_until - now
        if self.limits.minute and len(self._started) >= self.limits.minute:
            return self._started[0] + WINDOW_SECONDS - now
        if self._minute_remaining == 0 and self._started:
            # Xero says this minute is spent (others share it): wait for our oldest to age out.
            return self._started[-1] + WINDOW_SECONDS - now
        if self.limits.concurrent and self._in_flight >= self.limits.concurrent:
            return float("inf")
        return 0.0

    def observe(self, headers: Mapping[str, str]) -> None:
        lowered = {key.lower(): value for key, value in headers.items()}
        with self._lock:
            minute = _int(lowered.get("x-minlimit-remaining"))
            day = _int(lowered.get("x-daylimit-remaining"))
            if minute is not None:
                self._minute_remaining = minute
            if day is not None:
                self._day_remaining = day
            retry_after = _int(lowered.get("retry-after"))
            if retry_after is not None:
                # A 429: nothing starts before Xero said it may (FACTS.md: wait exactly that).
                until = self._clock() + retry_after
                if until > self._hold_until:
                    self._hold_until = until
                    self._hold_problem = lowered.get("x-rate-limit-problem", "")
            self._lock.notify_all()


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None


_budgets: dict[str, RateBudget] = {}
_budgets_lock = threading.Lock()


def budget_for(tenant_id: str, limits: Limits | None = None) -> RateBudget:
    """The one budget of an organisation in this process, shared by all its gateways."""
    with _budgets_lock:
        budget = _budgets.get(tenant_id)
        if budget is None:
            budget = _budgets[tenant_id] = RateBudget(limits)
        return budget


def existing_budget(tenant_id: str) -> RateBudget | None:
    """The organisation's budget if a gateway made one (for showing it; never creates one)."""
    with _budgets_lock:
        return _budgets.get(tenant_id)


def forget_budgets() -> None:
    """Drop every organisation's budget (a new connection, or a test starting afresh)."""
    with _budgets_lock:
        _budgets.clear()
