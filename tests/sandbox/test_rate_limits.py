"""Xero's rate limits in the sandbox: 429s with the problem named, windows on the sandbox clock."""

from __future__ import annotations

import pytest
from sandbox_helpers import admin
from xero_python.exceptions import RateLimitException

from xerologdesk.sandbox.clock import SandboxClock
from xerologdesk.sandbox.limits import UNLIMITED_REMAINING, RateLimiter

pytestmark = pytest.mark.timeout(60)


def header(xero, name: str) -> str:
    return {key.lower(): value for key, value in xero.last().headers.items()}[name.lower()]


def test_the_minute_limit_answers_429_with_the_problem_and_retry_after(
    sandbox_factory, xero_factory
) -> None:
    xero = xero_factory(sandbox_factory(minute_limit=3))
    remaining = []
    for _ in range(3):
        xero.api.get_organisations(xero.tenant)
        remaining.append(header(xero, "X-MinLimit-Remaining"))
    assert remaining == ["2", "1", "0"]
    with pytest.raises(RateLimitException) as raised:
        xero.api.get_organisations(xero.tenant)
    error = raised.value
    assert error.status == 429
    assert error.rate_limit == "minute"
    assert error.error_message == "You've exceeded the per minute rate limit"
    assert 1 <= int(error.headers["Retry-After"]) <= 60
    assert xero.last().json()["Detail"] == "You've exceeded the per minute rate limit"


def test_the_minute_window_resets_when_the_clock_moves_on(sandbox_factory, xero_factory) -> None:
    sandbox = sandbox_factory(minute_limit=2)
    xero = xero_factory(sandbox)
    xero.api.get_organisations(xero.tenant)
    xero.api.get_organisations(xero.tenant)
    with pytest.raises(RateLimitException):
        xero.api.get_organisations(xero.tenant)
    sandbox.clock.advance(60)
    xero.api.get_organisations(xero.tenant)
    # The refused call was not counted: this is the first call of the new window.
    assert header(xero, "X-MinLimit-Remaining") == "1"


def test_the_day_limit_names_the_day_and_resets_after_24_hours(
    sandbox_factory, xero_factory
) -> None:
    sandbox = sandbox_factory(day_limit=2)
    xero = xero_factory(sandbox)
    xero.api.get_organisations(xero.tenant)
    assert header(xero, "X-DayLimit-Remaining") == "1"
    xero.api.get_organisations(xero.tenant)
    with pytest.raises(RateLimitException) as raised:
        xero.api.get_organisations(xero.tenant)
    assert raised.value.rate_limit == "day"
    assert int(raised.value.headers["Retry-After"]) > 23 * 3600
    sandbox.clock.advance(24 * 3600)
    token = sandbox.issue_token()  # the old one expired meanwhile
    xero = xero_factory(sandbox, token)
    xero.api.get_organisations(xero.tenant)
    assert header(xero, "X-DayLimit-Remaining") == "1"


def test_limits_change_at_run_time_through_the_admin_endpoint(sandbox, xero) -> None:
    xero.api.get_organisations(xero.tenant)
    assert header(xero, "X-MinLimit-Remaining") == str(UNLIMITED_REMAINING)
    status, limits = admin(sandbox, "POST", "/_sandbox/limits", {"minute": 2})
    assert (status, limits) == (200, {"minute": 2, "day": 0, "concurrent": 0})
    xero.api.get_organisations(xero.tenant)  # the second call of this minute
    with pytest.raises(RateLimitException):
        xero.api.get_organisations(xero.tenant)
    admin(sandbox, "POST", "/_sandbox/limits", {"minute": 0})
    xero.api.get_organisations(xero.tenant)


def test_the_concurrent_limit_refuses_a_call_beyond_those_in_flight(
    sandbox_factory, xero_factory
) -> None:
    sandbox = sandbox_factory(concurrent_limit=2)
    xero = xero_factory(sandbox)
    # Two calls in flight, held open directly on the limiter (no timing games).
    for _ in range(2):
        assert sandbox.limiter.admit(xero.tenant).allowed
    with pytest.raises(RateLimitException) as raised:
        xero.api.get_organisations(xero.tenant)
    assert raised.value.rate_limit == "concurrent"
    assert "Retry-After" not in raised.value.headers
    sandbox.limiter.release(xero.tenant)
    assert xero.api.get_organisations(xero.tenant).organisations


def test_limits_are_per_organisation() -> None:
    clock = SandboxClock()
    limiter = RateLimiter(clock, minute=1, day=0, concurrent=0)
    assert limiter.admit("org-a").allowed
    limiter.release("org-a")
    assert not limiter.admit("org-a").allowed
    assert limiter.admit("org-b").allowed


def test_bad_limits_are_refused(sandbox) -> None:
    status, body = admin(sandbox, "POST", "/_sandbox/limits", {"minute": -1})
    assert status == 400
    assert body == {"error": "limits are whole numbers, 0 or more (0 turns a limit off)"}
