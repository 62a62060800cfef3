"""The back-off policy: how long a run waits after transient trouble, and when it gives up.

Time and chance are injected (a fake clock, a fixed random draw): nothing here sleeps.
"""

from __future__ import annotations

import pytest

from xerologdesk.sync.backoff import SCALE_ENV, Backoff, BackoffPolicy, about
from xerologdesk.xero.errors import (
    Offline,
    OutcomeUnknown,
    RateLimited,
    Unavailable,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def policy(draw: float = 0.5, **changes: float) -> BackoffPolicy:
    return BackoffPolicy(random=lambda: draw, **changes)  # type: ignore[arg-type]


def test_waits_grow_exponentially_up_to_the_cap() -> None:
    fixed = policy(draw=1.0, first_wait=2, factor=2, max_wait=30)
    assert [fixed.wait_after(n) for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]
    assert fixed.wait_after(10_000) == 30  # no overflow for a long outage


def test_half_of_each_wait_is_random_so_desktops_do_not_come_back_in_step() -> None:
    low, high = policy(draw=0.0), policy(draw=1.0)
    assert (low.wait_after(3), high.wait_after(3)) == (4.0, 8.0)
    assert policy(draw=0.0, jitter=0).wait_after(3) == 8.0


def test_xeros_retry_after_is_never_shortened_nor_scaled() -> None:
    scaled = policy(draw=1.0, scale=0.01)
    assert scaled.wait_after(1) == pytest.approx(0.02)
    assert scaled.wait_after(1, retry_after=7) == 7


def test_a_5xx_is_tried_again_until_too_many_fail_in_a_row() -> None:
    backoff = Backoff(policy(draw=1.0, max_failures=3), Clock())
    error = Unavailable("Xero was unavailable (503); will try again.")
    assert [backoff.after(error).wait for _ in range(2)] == [2.0, 4.0]
    step = backoff.after(error)
    assert step.stop
    assert step.message == (
        "Xero was unavailable (503) (3 tries in a row failed). It is worth trying again in "
        "a few seconds."
    )
    assert step.try_again_in == 8.0


def test_progress_starts_the_count_again() -> None:
    backoff = Backoff(policy(draw=1.0, max_failures=3), Clock())
    error = OutcomeUnknown("Xero sent no answer in time; the change may have been saved")
    backoff.after(error)
    backoff.after(error)
    backoff.progressed()
    step = backoff.after(error)
    assert (step.stop, step.wait) == (False, 2.0)


def test_a_minute_limit_is_waited_out_as_xero_asks() -> None:
    backoff = Backoff(policy(scale=0), Clock())
    step = backoff.after(RateLimited("minute", 42))
    assert (step.stop, step.wait) == (False, 42)


def test_a_day_limit_ends_the_run_saying_when_to_come_back() -> None:
    backoff = Backoff(policy(), Clock())
    step = backoff.after(RateLimited("day", 3 * 3600))
    assert step.stop and step.try_again_in == 3 * 3600
    assert step.message == (
        "Xero's rate limit was reached: the day's 5,000 calls; Xero asks to wait 10800 s. "
        "It is worth trying again in about 3 hours."
    )


def test_a_retry_after_too_long_for_a_run_ends_it() -> None:
    step = Backoff(policy(max_retry_after=90), Clock()).after(RateLimited("minute", 300))
    assert step.stop and "about 5 minutes" in step.message


def test_offline_pauses_at_the_capped_interval_then_gives_up_after_its_patience() -> None:
    clock = Clock()
    backoff = Backoff(policy(draw=1.0, max_wait=60, offline_patience=300), clock)
    error = Offline("Xero could not be reached (no connection); will try again.")
    waits = []
    while not (step := backoff.after(error)).stop:
        waits.append(step.wait)
        clock.now += step.wait
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]  # many more tries than max_failures allows
    assert step.message == (
        "Xero could not be reached for about 4 minutes. It is worth trying again in about "
        "60 seconds."
    )


def test_back_online_the_offline_patience_starts_again() -> None:
    clock = Clock()
    backoff = Backoff(policy(draw=1.0, offline_patience=10), clock)
    offline = Offline("no connection")
    assert not backoff.after(offline).stop
    clock.now += 9
    backoff.progressed()
    assert not backoff.after(offline).stop


def test_without_retries_the_first_trouble_ends_the_run() -> None:
    backoff = Backoff(policy(max_failures=1), Clock())
    step = backoff.after(Offline("Xero could not be reached (no connection); will try again."))
    assert step.stop
    assert step.message.startswith("Xero could not be reached (no connection).")


def test_the_scale_comes_from_the_environment() -> None:
    assert BackoffPolicy.from_env({}) == BackoffPolicy()
    assert BackoffPolicy.from_env({SCALE_ENV: "0.05"}).scale == 0.05
    for bad in ("fast", "-1", "nan"):
        with pytest.raises(ValueError, match=SCALE_ENV):
            BackoffPolicy.from_env({SCALE_ENV: bad})


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (3, "a few seconds"),
        (42, "about 40 seconds"),
        (61, "about 60 seconds"),
        (125, "about 2 minutes"),
        (3600, "about 60 minutes"),
        (7200, "about 2 hours"),
    ],
)
def test_waits_in_plain_words(seconds: float, words: str) -> None:
    assert about(seconds) == words
