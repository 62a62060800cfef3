"""Shared set-up for the order book's tests: a database file per test, and file writers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import peewee
import pytest

from xerologdesk.store.db import open_database


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "xerologdesk.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[peewee.SqliteDatabase]:
    """A fresh order book in a file (never :memory:), closed after the test."""
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
