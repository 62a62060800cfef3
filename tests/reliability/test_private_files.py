"""The data directory holds customers' names, emails and addresses: on POSIX it is for its
owner only (0700, its files 0600), whatever the umask, unless the user shares it on purpose."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee
import pytest

from tests.support.desks import Desk, Run, line
from xerologdesk import paths
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import db as store_db

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX's")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The commonest umask (022): files others can read unless the app says otherwise."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_new_data_directory_and_its_files_are_for_the_owner_only(
    tmp_path: Path, empty_sandbox: Sandbox, run_cli: Callable[..., Run]
) -> None:
    desk = Desk(tmp_path / "data", empty_sandbox, run_cli, tmp_path)
    assert desk("connect", "--sandbox", empty_sandbox.base_url).code == 0
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "S-1")])
    assert mode(desk.data_dir) == 0o700
    assert mode(desk.data_dir / "logs") == 0o700
    assert mode(desk.data_dir / "logs" / "xerologdesk.log") == 0o600
    database = desk.data_dir / "xerologdesk.db"
    assert mode(database) == 0o600
    # While a connection is open SQLite keeps its -wal and -shm beside it: the same mode.
    opened = store_db.open_database(database)
    try:
        for companion in ("xerologdesk.db-wal", "xerologdesk.db-shm"):
            assert mode(desk.data_dir / companion) == 0o600, companion
    finally:
        opened.close()


def test_an_existing_wide_directory_and_database_are_narrowed(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    data_dir = tmp_path / "data"
    assert run_cli("--data-dir", str(data_dir), "status").code == 0
    os.chmod(data_dir, 0o755)
    os.chmod(data_dir / "xerologdesk.db", 0o644)
    os.chmod(data_dir / "logs" / "xerologdesk.log", 0o644)
    assert run_cli("--data-dir", str(data_dir), "status").code == 0
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "xerologdesk.db") == 0o600
    assert mode(data_dir / "logs" / "xerologdesk.log") == 0o600


def test_a_backup_taken_before_migrating_is_for_the_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "xerologdesk.db"
    store_db.open_database(path).close()

    def add_column(database: peewee.Database) -> None:
        database.execute_sql("ALTER TABLE customer ADD COLUMN loyalty TEXT")

    monkeypatch.setattr(store_db, "MIGRATIONS", [*store_db.MIGRATIONS, add_column])
    store_db.open_database(path).close()
    [backup] = path.parent.glob("*.bak")
    assert mode(backup) == 0o600


def test_a_data_directory_shared_on_purpose_keeps_its_mode(
    tmp_path: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o750)
    os.chmod(data_dir, 0o750)  # a folder the team's group reads, on purpose
    monkeypatch.setenv(paths.SHARED_ENV, "1")
    assert run_cli("--data-dir", str(data_dir), "status").code == 0
    assert mode(data_dir) == 0o750
    assert mode(data_dir / "xerologdesk.db") == 0o644  # as the umask says
