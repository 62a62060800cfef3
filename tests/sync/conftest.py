"""The sync tests' set-up: they run on both engines, each test that opens an order book
(through the ``desk`` fixture, or ``order_book`` for a data directory of its own) on SQLite and
on PostgreSQL, but those marked ``sqlite_only`` and the team-mode tests, which choose their
databases themselves; and a desktop of a team, its order book on the suite's PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.desks import Desk, Run, connected_desk
from tests.support.engines import run_on_both_engines
from xerologdesk.app import DATABASE_URL_VARIABLE
from xerologdesk.sandbox import Sandbox
from xerologdesk.sync.backoff import SCALE_ENV


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    run_on_both_engines(metafunc)


@pytest.fixture
def alice(
    tmp_path: Path,
    empty_sandbox: Sandbox,
    run_cli: Callable[..., Run],
    postgres_book_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Desk:
    """A desktop of the team (its order book on the suite's PostgreSQL, named by the
    environment variable), connected to the sandbox, set for Auto Sync, retrying at once."""
    monkeypatch.setenv(SCALE_ENV, "0")
    monkeypatch.setenv(DATABASE_URL_VARIABLE, postgres_book_url)
    desk = connected_desk(tmp_path, empty_sandbox, run_cli, "alice")
    desk.settings_for_auto_sync()
    return desk
