"""Fixtures for the reliability tests: desks on a sandbox, the real command in its own process,
and a hook that sees (and can act on) every accounting call the sandbox receives."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.sync.conftest import Desk, Run
from xerologdesk.sandbox import Sandbox
from xerologdesk.sandbox.faults import Fault
from xerologdesk.sync.backoff import SCALE_ENV

REPO = Path(__file__).resolve().parents[2]


def connected_desk(
    folder: Path, sandbox: Sandbox, run_cli: Callable[..., Run], name: str = "data"
) -> Desk:
    """A data directory in ``folder`` connected to ``sandbox``."""
    made = Desk(folder / name, sandbox, run_cli, folder)
    connected = made("connect", "--sandbox", sandbox.base_url)
    assert connected.code == 0, connected.err
    return made


@pytest.fixture
def desk(
    tmp_path: Path,
    empty_sandbox: Sandbox,
    run_cli: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> Desk:
    """A desk on a sandbox with no contacts or items; back-off waits scaled to nothing."""
    monkeypatch.setenv(SCALE_ENV, "0")
    return connected_desk(tmp_path, empty_sandbox, run_cli)


def child_environment(**extra: str) -> dict[str, str]:
    """The environment of a ``python -m xerologdesk`` child: this checkout first on the path."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


def start_command(data_dir: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """``python -m xerologdesk --data-dir DIR ARGS...`` in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "xerologdesk", "--data-dir", str(data_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_environment(**env),
        cwd=REPO,
    )


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


@pytest.fixture
def watch_calls() -> Iterator[Callable[[Sandbox], CallWatch]]:
    """Start watching a sandbox's accounting calls (undone after the test)."""
    watches: list[CallWatch] = []

    def watch(sandbox: Sandbox) -> CallWatch:
        watches.append(CallWatch(sandbox))
        return watches[-1]

    yield watch
    for each in reversed(watches):
        each.close()
