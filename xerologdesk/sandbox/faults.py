"""Faults the sandbox injects into accounting calls (``/api.xro/2.0`` only), for tests and demos.

Configured with ``POST /_sandbox/faults`` (or :meth:`Sandbox.set_faults`), a JSON object whose keys
all have defaults (posting ``{}`` turns every fault off)::

    {"error_rate": 0.1, "error_statuses": [500, 503], "latency_ms": 0,
     "timeout_rate": 0.0, "timeout_seconds": 3, "drop_after_commit_rate": 0.05,
     "script": [{"method": "PUT", "resource": "/Invoices", "status": 503, "times": 3,
                 "retry_after": 5}],
     "or_terms_case_sensitive": false}

What each fault does to a call:

- an *error* status (from ``error_statuses``, or a script step's number) is answered **instead**
  of the call: nothing takes effect. 5xx bodies are Xero's ``UnknownErrorException``; a 429
  carries ``X-Rate-Limit-Problem: minute`` and ``Retry-After`` (the step's ``retry_after``, else
  60); a 503 carries ``Retry-After`` when the step gives one.
- *drop* (``drop_after_commit_rate``, or a step's ``"status": "drop"``): the call **takes
  effect**, then the connection is closed with no response: the failure behind duplicate invoices
  in real integrations.
- *timeout* (``timeout_rate``, or ``"status": "timeout"``): the call **takes effect**, then its
  answer is held back ``timeout_seconds`` real seconds (default 3) before it is sent, so a client
  whose read timeout is shorter gives up first. (This is the one place the sandbox waits in real
  time: a client's read timeout runs on the real clock.)
- *hold* (only a step's ``"status": "hold"``): the call takes its ``Idempotency-Key`` (so it is
  under way, as a request Xero is still processing), then waits without taking effect until
  released (``POST /_sandbox/faults/release`` or :meth:`FaultInjector.release`), then takes effect
  and is answered. A client whose read timeout passes meanwhile loses the answer, and its
  replays meet a call still in progress. Reset and stop let held calls go without effect.
- *pass* (only a step's ``"status": "pass"``): the call goes through untouched; a step that
  spends its ``times`` so the steps after it fault only later calls of the same kind.
- ``latency_ms`` delays every accounting call by that many real milliseconds.
- ``or_terms_case_sensitive``: a ``where`` list of two or more ``F=="v"`` joined by ``OR`` on a
  case-insensitive field (Contact Name, AccountNumber, ...) matches case- and accent-sensitively:
  Xero documents its folding for single terms and ``AND`` only (see :mod:`queries`).

The script is deterministic and consumed in order: a call uses the first step whose ``method``
and ``resource`` match it (``"*"`` or a missing key matches any; ``resource`` is the collection,
``"/Invoices"``, also for ``/Invoices/{id}``; a step with ``"contains": "SO-7"`` matches only calls
whose query values or body hold that text, e.g. one order's invoice or the look-up of its
Reference), and that step's ``times`` goes down by one; a step
at 0 is removed. Script steps win over the random faults, which draw from a RNG seeded with the
sandbox's ``fault_seed`` (so a seeded run injects the same faults in the same order).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

DEFAULT_STATUSES = (500, 503)
DEFAULT_TIMEOUT_SECONDS = 3.0
ACTIONS = ("drop", "timeout", "hold", "pass")
# How long a release waits for the calls it let go to take effect and be answered (real seconds).
RELEASE_WAIT_SECONDS = 30.0


@dataclass
class Step:
    """One scripted fault: what it matches, what it does, how many more times."""

    method: str
    resource: str
    action: int | str
    times: int
    retry_after: int | None = None
    contains: str = ""  # matches only calls whose query or body holds this text ("": any)

    def matches(self, method: str, resource: str, detail: Callable[[], str]) -> bool:
        return (
            self.method in ("*", method.upper())
            and self.resource.lower() in ("*", resource.lower())
            and (not self.contains or self.contains in detail())
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "method": self.method,
            "resource": self.resource,
            "status": self.action,
            "times": self.times,
        }
        if self.retry_after is not None:
            data["retry_after"] = self.retry_after
        if self.contains:
            data["contains"] = self.contains
        return data


@dataclass
class FaultConfig:
    """The whole fault configuration (see the module docstring)."""

    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = DEFAULT_STATUSES
    latency_ms: int = 0
    timeout_rate: float = 0.0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    drop_after_commit_rate: float = 0.0
    script: list[Step] = field(default_factory=list)
    or_terms_case_sensitive: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultConfig:
        """Read a configuration; ValueError names what is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError("the fault configuration is a JSON object")
        unknown = set(data) - {
            "error_rate",
            "error_statuses",
            "latency_ms",
            "timeout_rate",
            "timeout_seconds",
            "drop_after_commit_rate",
            "script",
            "or_terms_case_sensitive",
        }
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        statuses = tuple(_status(each) for each in data.get("error_statuses", DEFAULT_STATUSES))
        config = cls(
            error_rate=_rate(data, "error_rate"),
            error_statuses=statuses or DEFAULT_STATUSES,
            latency_ms=int(_number(data, "latency_ms", 0)),
            timeout_rate=_rate(data, "timeout_rate"),
            timeout_seconds=_number(data, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
            drop_after_commit_rate=_rate(data, "drop_after_commit_rate"),
            script=[_step(each) for each in data.get("script") or []],
            or_terms_case_sensitive=_flag(data, "or_terms_case_sensitive"),
        )
        return config

    def to_json(self) -> dict[str, Any]:
        return {
            "error_rate": self.error_rate,
            "error_statuses": list(self.error_statuses),
            "latency_ms": self.latency_ms,
            "timeout_rate": self.timeout_rate,
            "timeout_seconds": self.timeout_seconds,
            "drop_after_commit_rate": self.drop_after_commit_rate,
            "script": [step.to_json() for step in self.script],
            "or_terms_case_sensitive": self.or_terms_case_sensitive,
        }


def _number(data: Mapping[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or value < 0:
        raise ValueError(f"{key} must be a number, 0 or more")
    return float(value)


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{key} is true or false")
    return value


def _rate(data: Mapping[str, Any], key: str) -> float:
    value = _number(data, key, 0.0)
    if value > 1:
        raise ValueError(f"{key} is a probability between 0 and 1")
    return value


def _status(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599:
        raise ValueError(f"an error status is a number from 400 to 599, not {value!r}")
    return value


def _step(raw: Any) -> Step:
    if not isinstance(raw, Mapping):
        raise ValueError("each script step is a JSON object")
    action = raw.get("status")
    if action not in ACTIONS:
        action = _status(action)
    times = raw.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ValueError("a script step's times is a whole number, 1 or more")
    retry_after = raw.get("retry_after")
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, int)
    ):
        raise ValueError("a script step's retry_after is a whole number of seconds")
    resource = str(raw.get("resource") or "*")
    if resource != "*" and not resource.startswith("/"):
        resource = "/" + resource
    contains = raw.get("contains") or ""
    if not isinstance(contains, str):
        raise ValueError("a script step's contains is text")
    method = str(raw.get("method") or "*").upper()
    return Step(method, resource, action, times, retry_after, contains)


@dataclass(frozen=True)
class Fault:
    """What to do to one call. ``status``: answer it instead; ``drop``/``timeout``: after it;
    ``hold``: before it takes effect, until released."""

    status: int | None = None
    retry_after: int | None = None
    drop: bool = False
    timeout: bool = False
    hold: bool = False
    hold_seconds: float = 0.0
    latency_seconds: float = 0.0


class _Held:
    """One call held before it takes effect."""

    def __init__(self) -> None:
        self.decided = threading.Event()  # released, or let go without effect
        self.go = False
        self.finished = threading.Event()  # taken effect and answered (or given up)


class FaultInjector:
    """Decides, call by call, which fault (if any) to inject (thread-safe)."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._random = random.Random(seed)
        self._config = FaultConfig()
        self._lock = threading.Lock()
        self._holding = threading.Condition(self._lock)  # told each time a call is held
        self._held: list[_Held] = []

    def configure(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the configuration; the configuration now in force."""
        config = FaultConfig.from_json(data)
        with self._lock:
            self._config = config
            return config.to_json()

    def config(self) -> dict[str, Any]:
        with self._lock:
            return self._config.to_json()

    def or_terms_case_sensitive(self) -> bool:
        with self._lock:
            return self._config.or_terms_case_sensitive

    def reset(self) -> None:
        """No faults, and the random sequence from its start again; held calls let go."""
        with self._lock:
            self._config = FaultConfig()
            self._random = random.Random(self._seed)
        self.let_go()

    @contextmanager
    def hold(self) -> Iterator[bool]:
        """Hold the calling request until :meth:`release` (True: take effect now) or
        :meth:`let_go` (False: give up without effect). Leaving the block marks it answered."""
        held = _Held()
        with self._holding:
            self._held.append(held)
            self._holding.notify_all()
        try:
            held.decided.wait()
            yield held.go
        finally:
            held.finished.set()

    def held(self) -> int:
        """How many calls are held now."""
        with self._lock:
            return len(self._held)

    def wait_held(self, count: int = 1, timeout: float | None = None) -> bool:
        """Wait until at least ``count`` calls are held; False when ``timeout`` seconds pass
        first. For a test that acts while Xero holds a call."""
        with self._holding:
            return self._holding.wait_for(lambda: len(self._held) >= count, timeout)

    def release(self, wait: float = RELEASE_WAIT_SECONDS) -> int:
        """Let every held call take effect; how many. Returns once each has taken effect and
        been answered (or after ``wait`` seconds), so what follows sees its effect."""
        released = self._decide_held(go=True)
        for held in released:
            held.finished.wait(wait)
        return len(released)

    def let_go(self) -> int:
        """Let every held call end without taking effect (reset, stop); how many."""
        return len(self._decide_held(go=False))

    def _decide_held(self, *, go: bool) -> list[_Held]:
        with self._lock:
            held, self._held = self._held, []
        for each in held:
            each.go = go
            each.decided.set()
        return held

    def decide(self, method: str, resource: str, detail: Callable[[], str] = str) -> Fault | None:
        """The fault for one call to ``resource`` (e.g. ``/Invoices``), or None. ``detail``
        gives the call's query values and body as text, for steps that match on ``contains``
        (read only when one does: a body can be large)."""
        with self._lock:
            config = self._config
            latency = config.latency_ms / 1000
            hold = config.timeout_seconds
            step = next(
                (each for each in config.script if each.matches(method, resource, detail)), None
            )
            if step is not None:
                step.times -= 1
                if step.times <= 0:
                    config.script.remove(step)
                return _fault_of(step.action, step.retry_after, hold, latency)
            if config.error_rate and self._random.random() < config.error_rate:
                status = self._random.choice(config.error_statuses)
                return Fault(status=status, latency_seconds=latency)
            if config.timeout_rate and self._random.random() < config.timeout_rate:
                return Fault(timeout=True, hold_seconds=hold, latency_seconds=latency)
            if config.drop_after_commit_rate and (
                self._random.random() < config.drop_after_commit_rate
            ):
                return Fault(drop=True, latency_seconds=latency)
            return Fault(latency_seconds=latency) if latency else None


def _fault_of(action: int | str, retry_after: int | None, hold: float, latency: float) -> Fault:
    if action == "drop":
        return Fault(drop=True, latency_seconds=latency)
    if action == "timeout":
        return Fault(timeout=True, hold_seconds=hold, latency_seconds=latency)
    if action == "hold":
        return Fault(hold=True, latency_seconds=latency)
    if action == "pass":
        return Fault(latency_seconds=latency)
    assert isinstance(action, int)
    return Fault(status=action, retry_after=retry_after, latency_seconds=latency)
