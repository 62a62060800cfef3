"""The rate budget against the sandbox's own minute limit, both on clocks the test moves: work
needing twice Xero's 60 calls a minute goes through without one 429, and never more than 60
calls start in any minute on either side."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.desks import Desk
from xerologdesk.app import open_app
from xerologdesk.xero.budget import Unlimited
from xerologdesk.xero.errors import RateLimited
from xerologdesk.xero.limits import Limits, RateBudget

CALLS = 120
PER_MINUTE = 60


class SharedClock:
    """The app's clock and the sandbox's, moved together whenever the budget waits."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        self.desk.sandbox.advance_clock(seconds)


def test_twice_the_minute_limit_of_calls_waits_instead_of_meeting_a_429(desk: Desk) -> None:
    desk.sandbox.set_limits(minute=PER_MINUTE, day=0, concurrent=0)
    desk.sandbox.advance_clock(61)  # connecting spent a few calls: start with a fresh minute
    clock = SharedClock(desk)
    app = open_app(desk.data_dir, log=False)
    try:
        gateway = app.gateway()
        gateway.budget = RateBudget(
            Limits(minute=PER_MINUTE, concurrent=5, day=0), clock=clock.clock, sleep=clock.sleep
        )
        started = []
        for _ in range(CALLS):
            # A real call over HTTP: a 429 from the sandbox would raise RateLimited here.
            assert gateway.organisation().name
            # The clocks move only while the budget waits, before a call is sent: now is
            # when this one started.
            started.append(clock.now)
    finally:
        app.close()

    for index, start in enumerate(started):
        assert sum(1 for other in started[index:] if other < start + 60) <= PER_MINUTE
    # It waited (about a minute, once the first 60 were spent), and no longer than needed.
    assert clock.waits
    assert 60 <= clock.now <= 61


def test_without_the_budget_the_sandbox_refuses_the_61st_call_of_a_minute(desk: Desk) -> None:
    """The other side of the test above: the limit it stays under is real."""
    desk.sandbox.set_limits(minute=PER_MINUTE, day=0, concurrent=0)
    desk.sandbox.advance_clock(61)
    app = open_app(desk.data_dir, log=False)
    try:
        gateway = app.gateway()
        gateway.budget = Unlimited()
        for _ in range(PER_MINUTE):
            gateway.organisation()
        with pytest.raises(RateLimited) as refused:
            gateway.organisation()
    finally:
        app.close()
    assert refused.value.retry_after is not None and refused.value.retry_after > 0


def test_calls_from_five_threads_take_as_many_minutes_as_the_limit_needs(desk: Desk) -> None:
    """150 calls from five threads at once, as the invoice pipeline makes them: three minute
    windows (the third one starting after 2 minutes), not one minute lost per stale count, and no
    429 (a refused call would raise RateLimited in its thread)."""
    calls, threads = 150, 5
    desk.sandbox.set_limits(minute=PER_MINUTE, day=0, concurrent=threads)
    desk.sandbox.advance_clock(61)
    clock = SharedClock(desk)
    app = open_app(desk.data_dir, log=False)
    try:
        gateway = app.gateway()
        gateway.budget = RateBudget(
            Limits(minute=PER_MINUTE, concurrent=threads, day=0),
            clock=clock.clock,
            sleep=clock.sleep,
        )
        with ThreadPoolExecutor(max_workers=threads) as pool:
            names = list(pool.map(lambda _: gateway.organisation().name, range(calls)))
    finally:
        app.close()
    assert all(names) and len(names) == calls
    windows = math.ceil(calls / PER_MINUTE)
    assert (windows - 1) * 60 <= clock.now <= (windows - 1) * 60 + 2


def test_a_sandbox_connection_is_paced_by_xeros_limits_like_any_other(desk: Desk) -> None:
    """The app's own gateway to the sandbox carries Xero's 60 a minute, 5 in flight: the
    sandbox is paced as Xero is, so the tests above measure what users get."""
    app = open_app(desk.data_dir, log=False)
    try:
        budget = app.gateway().budget
    finally:
        app.close()
    assert isinstance(budget, RateBudget)
    assert budget.limits == Limits(minute=60, concurrent=5, day=5000)
