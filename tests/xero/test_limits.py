"""The rate budget keeps an organisation inside Xero's limits, on an injected clock."""

from __future__ import annotations

import pytest

from xerologdesk.xero.errors import RateLimited
from xerologdesk.xero.limits import Limits, RateBudget


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
    assert time.slept and time.slept[0] == pytest.approx(60)
    assert budget.state().day_remaining == 4321
