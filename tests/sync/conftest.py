"""The sync tests run on both engines: each test that opens an order book (through the ``desk``
fixture, or ``order_book`` for a data directory of its own) runs on SQLite and on PostgreSQL,
but those marked ``sqlite_only`` and the team-mode tests, which choose their databases
themselves."""

from __future__ import annotations

import pytest

from tests.support.engines import run_on_both_engines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    run_on_both_engines(metafunc)
