"""The order book's file seen from the command line: a damaged file or one from a newer version
is refused with a plain message and exit status 2, and left exactly as it was; a disk that fills
up during an import leaves nothing half-imported. (The store's own tests cover the details.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.desks import COLUMNS, Desk, Run, connected_desk, line
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import db as store_db

COMMANDS = [
    ("status",),
    ("log", "--json"),
    ("sync",),
    ("resolve", "--retry", "SO-1"),
    ("settings",),
    ("import", "ORDERS"),
]


def files(folder: Path) -> dict[str, bytes]:
    """The data directory's files with their bytes, but the program's log files and SQLite's
    shared-memory index (which even a read-only look at a WAL database may create)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and path.parent.name != "logs" and not path.name.endswith("-shm")
    }


def unchanged(before: dict[str, bytes], after: dict[str, bytes]) -> bool:
    """The same files, but for an empty write-ahead log (nothing was written to it)."""
    return {name: data for name, data in after.items() if not name.endswith("-wal") or data} == {
        name: data for name, data in before.items() if not name.endswith("-wal") or data
    }


def orders_file(folder: Path, refs: list[str], name: str = "orders.csv") -> Path:
    path = folder / name
    rows = [line(ref, ("C-1", "Acme"), "S-1") for ref in refs]
    header = ",".join(COLUMNS)
    body = "\n".join(",".join(str(row.get(column, "")) for column in COLUMNS) for row in rows)
    path.write_text(f"{header}\n{body}\n", encoding="utf-8")
    return path


def refused_untouched(
    data_dir: Path, run_cli: Callable[..., Run], orders: Path, expected: str
) -> None:
    before = files(data_dir)
    for command in COMMANDS:
        args = [str(orders) if word == "ORDERS" else word for word in command]
        result = run_cli("--data-dir", str(data_dir), *args)
        assert result.code == 2, (command, result.err)
        assert result.err.startswith("xerologdesk: "), command
        assert expected in result.err, (command, result.err)
        assert "Traceback" not in result.err
        assert unchanged(before, files(data_dir)), command  # no backup or lock file either


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "xerologdesk.db").write_bytes(b"these are my holiday notes\n" * 300)
    refused_untouched(
        data_dir,
        run_cli,
        orders_file(tmp_path, ["SO-1"]),
        f"The database {data_dir / 'xerologdesk.db'} is damaged or is not a xerologdesk database "
        "(file is not a database). Nothing was changed.",
    )


def test_a_damaged_database_is_refused_and_left_alone(
    tmp_path: Path, empty_sandbox: Sandbox, run_cli: Callable[..., Run]
) -> None:
    desk = connected_desk(tmp_path, empty_sandbox, run_cli)
    desk.import_rows([line(f"SO-{n}", (f"C-{n}", "x" * 200), "S-1") for n in range(300)])
    path = desk.data_dir / "xerologdesk.db"
    data = bytearray(path.read_bytes())
    data[2 * 4096 : 6 * 4096] = b"\xff" * (4 * 4096)  # scribble over table and index pages
    path.write_bytes(bytes(data))
    refused_untouched(
        desk.data_dir,
        run_cli,
        orders_file(tmp_path, ["SO-9"], "more.csv"),
        "is damaged or is not a xerologdesk database",
    )


def test_a_database_from_a_newer_version_is_refused_and_left_alone(
    tmp_path: Path, empty_sandbox: Sandbox, run_cli: Callable[..., Run]
) -> None:
    desk = connected_desk(tmp_path, empty_sandbox, run_cli)
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "S-1")])
    newer = sqlite3.connect(desk.data_dir / "xerologdesk.db")
    newer.execute("PRAGMA user_version = 99")
    newer.commit()
    newer.close()
    refused_untouched(
        desk.data_dir,
        run_cli,
        orders_file(tmp_path, ["SO-2"], "more.csv"),
        "This database was written by a newer xerologdesk (schema v99; this program knows up "
        f"to v{store_db.schema_version()}). Open it with that version or choose another data "
        "directory.",
    )


def test_a_disk_filling_up_during_an_import_leaves_nothing_half_imported(
    tmp_path: Path, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "S-1")])
    before = desk.log()
    with sqlite3.connect(desk.data_dir / "xerologdesk.db") as probe:
        [(pages,)] = probe.execute("PRAGMA page_count")
    # Room for two more pages, whatever the program tries to write: the disk is full.
    monkeypatch.setattr(store_db, "PRAGMAS", (*store_db.PRAGMAS, ("max_page_count", pages + 2)))
    big = orders_file(tmp_path, [f"SO-{n}" for n in range(2, 2000)], "big.csv")
    result = desk("import", str(big))
    assert result.code != 0  # see the report: a full disk is a failure (2), not bad input (1)
    assert result.err.strip() == (
        f"{big}: nothing was imported: the database could not be written (database or disk is full)"
    )
    assert result.out.strip() == f"{big}: not imported (1 problem)"
    monkeypatch.undo()
    assert desk.log() == before
    assert (
        desk("status").out.splitlines()[-1]
        == "Orders: 1 pending, 0 succeeded, 0 failed, 0 dismissed"
    )
