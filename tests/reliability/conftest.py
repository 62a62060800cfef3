"""Fixtures for the reliability tests: a hook that sees (and can act on) every accounting call
the sandbox receives."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.call_watch import CallWatch
from xerologdesk.sandbox import Sandbox


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
