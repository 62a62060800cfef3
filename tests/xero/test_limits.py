"""The rate budget keeps an organisation inside Xero's limits, on an injected clock."""

from __future__ import annotations

import threading

import pytest

from xerologdesk.xero.errors import RateLimited
from xerologdesk.xero.limits import BOUNDARY_MARGIN, Limits, RateBudget


class FakeTime:
    """A clock that moves only when the budget sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_never_more_than_sixty_calls_in_any_minute() -> None:
    time = FakeTime()
    budget = RateBudget(Limits(minute=60, concurrent=5, day=0), clock=time.clock, sleep=time.sleep)
    starts = []
    for _ in range(150):
        with budget.slot():
            starts.append(time.now)
    for index, start in enumerate(starts):
        in_window = [s for s in starts[index:] if s < start + 60]
        assert len(in_window) <= 60
    assert starts[-1] - starts[0] >= 120  # 150 calls need at least two full minutes


def test_a_retry_after_holds_every_call_exactly_that_long() -> None:
    time = FakeTime()
    budget = RateBudget(Limits(minute=0, concurrent=0, day=0), clock=time.clock, sleep=time.sleep)
    budget.observe({"Retry-After": "17", "X-Rate-Limit-Problem": "minute"})
    with budget.slot():
        pass
    assert time.slept == [17]


def test_a_day_limit_is_reported_not_slept_through() -> None:
    time = FakeTime()
    budget = RateBudget(clock=time.clock, sleep=time.sleep)
    budget.observe({"Retry-After": "3600", "X-Rate-Limit-Problem": "day"})
    with pytest.raises(RateLimited) as raised, budget.slot():
        pass
    assert raised.value.problem == "day"
    assert raised.value.retry_after == 3600
    assert time.slept == []
    assert "day's 5,000 calls" in str(raised.value)


def test_xero_saying_the_minute_is_spent_makes_the_budget_wait() -> None:
    time = FakeTime()
    budget = RateBudget(Limits(minute=60, concurrent=5, day=0), clock=time.clock, sleep=time.sleep)
    with budget.slot():
        pass
    budget.observe({"X-MinLimit-Remaining": "0", "X-DayLimit-Remaining": "4321"})
    with budget.slot():
        pass
    # Xero's window closes within a minute of that answer (plus the boundary margin).
    assert time.slept and 60 <= time.slept[0] <= 60 + BOUNDARY_MARGIN
    assert budget.state().day_remaining == 4321


def spend_a_minute(budget: RateBudget, limit: int = 60) -> None:
    """``limit`` calls, each answered with the count Xero would report."""
    for spent in range(1, limit + 1):
        with budget.slot():
            budget.observe({"X-MinLimit-Remaining": str(limit - spent)})


def test_a_spent_minute_of_our_own_does_not_hold_the_next_minute() -> None:
    """Xero's last "0 left" of a minute our own calls spent must not outlive that minute: the
    calls of the next minute start together, not one a minute."""
    time = FakeTime()
    budget = RateBudget(Limits(minute=60, concurrent=5, day=0), clock=time.clock, sleep=time.sleep)
    spend_a_minute(budget)
    starts = []
    for _ in range(30):
        with budget.slot():
            starts.append(time.now)
    assert starts[-1] - starts[0] == 0  # the next minute's calls all start at once
    assert sum(time.slept) <= 60 + BOUNDARY_MARGIN
    assert budget.state().minute_remaining is None  # the old minute's count is forgotten


def test_a_call_waits_until_sixty_seconds_after_the_oldest_answer() -> None:
    """Xero opens its window when a call arrives, after we sent it: counting from the answer
    keeps the 61st call out of the first window however slow the first call was."""
    time = FakeTime()
    budget = RateBudget(Limits(minute=60, concurrent=0, day=0), clock=time.clock, sleep=time.sleep)
    with budget.slot():
        time.now += 2.0  # the first call takes two seconds to answer
    answered = time.now
    for _ in range(59):
        with budget.slot():
            pass
    with budget.slot():
        assert time.now >= answered + 60


def test_an_answer_with_room_wakes_a_call_waiting_on_others_spending() -> None:
    """Others spent the minute (Xero said 0 left after one call of ours): a waiting call starts
    as soon as an answer says the minute has room again, not a minute later."""
    time = FakeTime()
    looked = threading.Event()

    def clock() -> float:
        if threading.current_thread().name == "waiting call":
            looked.set()  # read with the budget locked, as the call decides whether to start
        return time.clock()

    # No injected sleep: the call waits on the budget's condition (a minute of real time).
    budget = RateBudget(Limits(minute=60, concurrent=5, day=0), clock=clock)
    with budget.slot():
        pass
    budget.observe({"X-MinLimit-Remaining": "0"})
    started = threading.Event()

    def call() -> None:
        with budget.slot():
            started.set()

    waiting = threading.Thread(target=call, name="waiting call")
    waiting.start()
    assert looked.wait(5)
    # The budget's lock is free again only once the call waits on it, or has started.
    assert budget.state().in_flight == 0 and not started.is_set(), "the call did not wait"
    budget.observe({"X-MinLimit-Remaining": "59"})
    assert started.wait(5)
    waiting.join(5)


def test_a_slow_answer_counting_our_own_calls_holds_nothing() -> None:
    """The 60th call's answer ("0 left") comes back after the minute is over: it counts our
    own calls of that minute, so the next minute's calls do not wait another minute."""
    time = FakeTime()
    budget = RateBudget(Limits(minute=60, concurrent=0, day=0), clock=time.clock, sleep=time.sleep)
    for spent in range(1, 60):
        with budget.slot():
            budget.observe({"X-MinLimit-Remaining": str(60 - spent)})
    with budget.slot():
        time.now += 61  # the last call of the minute is slow to answer
    budget.observe({"X-MinLimit-Remaining": "0"})
    with budget.slot():
        pass
    assert time.slept == []
