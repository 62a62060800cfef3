"""How long a run waits after transient trouble with Xero before trying again, and when it stops.

Transient trouble (a 5xx, a timeout, a dropped connection, a minute rate limit, being offline)
never fails an order: the orders stay *Pending* and the run tries the same batch again after a
wait. The waits grow exponentially up to a cap, and part of each wait is random (jitter) so that
many desktops knocked over by the same Xero outage do not all come back in the same second. Xero's
own ``Retry-After`` is a floor for the wait, never shortened.

A run gives up after :attr:`BackoffPolicy.max_failures` failures in a row without progress, and
at once on a day limit or a ``Retry-After`` too long to wait out within a run; it then says in
plain words when it is worth trying again. Offline is different: the network may come back at any
time, so the run pauses (retrying at the capped interval) for up to
:attr:`BackoffPolicy.offline_patience` seconds and resumes by itself.

Time and chance are injected: the runner passes its clock and wait function, tests pass a fixed
``random``, so no test ever sleeps.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from xerologdesk.xero.errors import Offline, RateLimited, TransientError

# Shortens every computed wait (not Xero's Retry-After) by this factor: for tests and demos that
# drive the real command against a faulty sandbox. Unset in normal use.
SCALE_ENV = "XEROLOGDESK_BACKOFF_SCALE"


@dataclass(frozen=True)
class BackoffPolicy:
    """The rules for waiting and giving up (one policy serves every run)."""

    first_wait: float = 2.0  # seconds before the first retry
    factor: float = 2.0  # each failure in a row multiplies the wait by this
    max_wait: float = 120.0  # the longest wait between two tries
    max_failures: int = 6  # failures in a row, without progress, before the run stops
    max_retry_after: float = 90.0  # a longer Retry-After ends the run instead of being waited
    offline_patience: float = 15 * 60.0  # how long a run stays paused while offline
    jitter: float = 0.5  # the random share of each wait (0: none, 1: "full jitter")
    scale: float = 1.0  # multiplies computed waits (tests and demos only)
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    @property
    def retries(self) -> bool:
        """False for a policy that stops a run at the first trouble."""
        return self.max_failures > 1

    def wait_after(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait before the next try, after ``failures`` failures in a row (>= 1)."""
        exponent = max(failures, 1) - 1
        # min() before pow would still overflow for huge counts: cap the exponent instead.
        base = min(self.max_wait, self.first_wait * self.factor ** min(exponent, 64))
        wait = base * (1 - self.jitter) + base * self.jitter * self.random()
        wait *= self.scale
        if retry_after is not None:
            wait = max(wait, retry_after)  # Xero asked for at least this long
        return wait

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BackoffPolicy:
        """The default policy, its waits scaled by ``$XEROLOGDESK_BACKOFF_SCALE`` when set."""
        text = (os.environ if environ is None else environ).get(SCALE_ENV, "").strip()
        if not text:
            return cls()
        try:
            scale = float(text)
        except ValueError:
            raise ValueError(f"{SCALE_ENV} must be a number, not {text!r}") from None
        if not math.isfinite(scale) or scale < 0:
            raise ValueError(f"{SCALE_ENV} must be 0 or more, not {text!r}")
        return cls(scale=scale)


# Stops a run at the first transient trouble (what a runner without a policy does).
NO_RETRIES = BackoffPolicy(max_failures=1)


@dataclass(frozen=True)
class Step:
    """What to do after one failure: wait ``wait`` seconds and try again, or stop the run.

    When stopping, ``message`` says why and when it is worth trying again, in plain words, and
    ``try_again_in`` is how many seconds from now that is.
    """

    wait: float = 0.0
    stop: bool = False
    message: str = ""
    try_again_in: float | None = None


class Backoff:
    """The waits of one run: counts failures in a row and time spent offline."""

    def __init__(self, policy: BackoffPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self._clock = clock
        self.failures = 0
        self._offline_since: float | None = None

    def progressed(self) -> None:
        """Something got settled: the next failure starts the count again."""
        self.failures = 0
        self._offline_since = None

    def after(self, error: TransientError) -> Step:
        """The step after ``error`` ended a try."""
        policy = self.policy
        if isinstance(error, Offline):
            return self._offline(error)
        self._offline_since = None
        self.failures += 1
        if isinstance(error, RateLimited):
            hint = error.retry_after
            if error.problem == "day" or (hint is not None and hint > policy.max_retry_after):
                wait = hint if hint is not None else policy.max_wait
                return self._give_up(f"{error}.", wait)
        wait = policy.wait_after(self.failures, error.retry_after)
        if self.failures >= policy.max_failures:
            tries = f" ({self.failures} tries in a row failed)" if self.failures > 1 else ""
            return self._give_up(f"{clause(str(error))}{tries}.", wait)
        return Step(wait=wait)

    def _offline(self, error: Offline) -> Step:
        policy = self.policy
        now = self._clock()
        if self._offline_since is None:
            self._offline_since = now
            self.failures = 0  # offline has its own patience; the count restarts after it
        self.failures += 1
        wait = policy.wait_after(self.failures)
        waited = now - self._offline_since
        if not policy.retries:
            return self._give_up(f"{clause(str(error))}.", wait)
        if waited + wait > policy.offline_patience * policy.scale:
            return self._give_up(f"Xero could not be reached for {about(waited)}.", wait)
        return Step(wait=wait)

    @staticmethod
    def _give_up(reason: str, try_again_in: float) -> Step:
        # The caller adds that the orders not reached stay pending (the CLI and the GUI do).
        return Step(
            stop=True,
            message=f"{reason} It is worth trying again in {about(try_again_in)}.",
            try_again_in=try_again_in,
        )


def about(seconds: float) -> str:
    """A wait in plain words: ``a few seconds``, ``about 40 seconds``, ``about 3 minutes``."""
    if seconds < 10:
        return "a few seconds"
    if seconds < 90:
        return f"about {_plural(round(seconds / 5) * 5, 'second')}"
    if seconds < 90 * 60:
        return f"about {_plural(round(seconds / 60), 'minute')}"
    return f"about {_plural(round(seconds / 3600), 'hour')}"


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def clause(text: str) -> str:  # also the runner's, for its notes
    """An error's message as a clause: no closing full stop, no promise to try again."""
    text = text.rstrip(".")
    for promise in ("; will try again", ", will try again"):
        text = text.removesuffix(promise)
    return text
