"""A watch on every accounting call a sandbox receives, which can also act on each."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from xerologdesk.sandbox import Sandbox
from xerologdesk.sandbox.faults import Fault


class CallWatch:
    """Sees every accounting call the sandbox decides faults for (all of them), counts the
    faults it injects, and runs ``on_call`` (if set) on the sandbox's thread before each call
    is answered: a test can hold a call there, or kill its caller mid-request."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._injector = sandbox.fault_injector
        self._decide = self._injector.decide
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.on_call: Callable[[str, str], None] | None = None
        self._injector.decide = self._watched  # type: ignore[method-assign]

    def _watched(self, method: str, resource: str, detail: Callable[[], str] = str) -> Fault | None:
        fault = self._decide(method, resource, detail)
        with self._lock:
            self.calls[f"{method} {resource}"] += 1
            if fault is not None:
                self.faults[_kind(fault)] += 1
            hook = self.on_call
        if hook is not None:
            hook(method, resource)
        return fault

    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())

    def close(self) -> None:
        self._injector.decide = self._decide  # type: ignore[method-assign]


def _kind(fault: Fault) -> str:
    if fault.status is not None:
        return str(fault.status)
    if fault.drop:
        return "commit-then-drop"
    if fault.timeout:
        return "read timeout"
    return "latency"
