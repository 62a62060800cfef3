"""Shared set-up for the order book's tests: a database per test, and file writers.

The database is an SQLite file; in a module marked ``both_engines`` each test runs twice, on
SQLite and on PostgreSQL (a database of its own on the suite's server, tests.support.postgres).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import peewee
import pytest

from tests.support.engines import run_on_both_engines
from xerologdesk.store.db import open_database, open_server


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the tests of modules marked ``both_engines`` on each engine (but those marked
    ``sqlite_only``: SQLite's own behaviour, such as its page limit; tests.support.engines)."""
    if metafunc.definition.get_closest_marker("both_engines"):
        run_on_both_engines(metafunc)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "xerologdesk.db"


@pytest.fixture
def db(db_path: Path, engine: str, request: pytest.FixtureRequest) -> Iterator[peewee.Database]:
    """A fresh order book in a file (never :memory:) or a PostgreSQL database, closed after
    the test."""
    if engine == "postgresql":
        database: peewee.Database = open_server(request.getfixturevalue("postgres_book_url"))
    else:
        database = open_database(db_path)
    yield database
    database.close()


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write an order file: text (UTF-8 unless told) or bytes, named as given."""

    def write_file(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_bytes(content.encode(encoding))
        else:
            path.write_bytes(content)
        return path

    return write_file
