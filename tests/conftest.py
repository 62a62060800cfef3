"""Shared test set-up: Qt offscreen, and an embedded sandbox per test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.support.postgres import (  # noqa: F401
    postgres_book_template,
    postgres_book_url,
    postgres_server,
    postgres_url,
)
from tests.sync.conftest import Run
from xerologdesk.cli import main
from xerologdesk.sandbox import Sandbox


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with any options; every one started is stopped after the test.

    Limits are off unless a test asks for them, so only the tests about limits meet a 429.
    """
    started: list[Sandbox] = []

    def start(**options: object) -> Sandbox:
        options.setdefault("seed", "demo")
        for limit in ("minute_limit", "day_limit", "concurrent_limit"):
            options.setdefault(limit, 0)
        box = Sandbox(**options)  # type: ignore[arg-type]
        box.start()
        started.append(box)
        return box

    yield start
    for box in started:
        box.stop()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A running sandbox with the demo organisation and no limits."""
    return sandbox_factory()


@pytest.fixture
def empty_sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A running sandbox with the empty organisation (accounts, tax rates, currencies only)."""
    return sandbox_factory(seed="empty")


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """The ``xerologdesk`` command run in this process: exit code, stdout, stderr."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
