"""Shared test set-up: Qt offscreen, an embedded sandbox per test, the command run in this
process, the engine a test's order book runs on, a desk (a data directory connected to a
sandbox) driven by it, and a hook that sees (and can act on) every accounting call a sandbox
receives."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.support.call_watch import CallWatch
from tests.support.desks import Desk, Run, connected_desk
from tests.support.postgres import (  # noqa: F401
    postgres_book_template,
    postgres_book_url,
    postgres_locked_role,
    postgres_server,
    postgres_url,
)
from xerologdesk.app import DATABASE_URL_VARIABLE
from xerologdesk.cli import main
from xerologdesk.sandbox import Sandbox
from xerologdesk.sync.backoff import SCALE_ENV
from xerologdesk.xero.tokens import TOKEN_STORE_ENV


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


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The engine the test's order book runs on: SQLite unless the test runs on both
    (tests.support.engines)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def order_book(
    engine: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> str | None:
    """Where the test's desks keep their order book: on SQLite each data directory's file
    (None); on PostgreSQL a fresh database of the test's own (its URL), which
    $XEROLOGDESK_DATABASE_URL names to every command and app the test opens, so all its desks
    share it, as a team's desktops do."""
    if engine != "postgresql":
        return None
    url = str(request.getfixturevalue("postgres_book_url"))
    monkeypatch.setenv(DATABASE_URL_VARIABLE, url)
    return url


@pytest.fixture
def desk(
    tmp_path: Path,
    empty_sandbox: Sandbox,
    run_cli: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
    order_book: str | None,
) -> Desk:
    """A desk connected to a sandbox holding an organisation with no contacts or items, its
    order book on the test's engine (tests.support.engines).

    The run's back-off waits are scaled to nothing: transient trouble is tried again at once.
    """
    monkeypatch.setenv(SCALE_ENV, "0")
    return connected_desk(tmp_path, empty_sandbox, run_cli)


@pytest.fixture
def file_token_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens go to the data directory's file: never the developer's keyring."""
    monkeypatch.setenv(TOKEN_STORE_ENV, "file")


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
