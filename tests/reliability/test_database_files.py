"""The database file when it misbehaves: emptied, deleted or replaced under a running sync, or
holding a schema that is not what its version says. Each is refused in plain words, before
anything is changed, and a file the app did not make is never modified."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.test_database_cli import orders_file, refused_untouched
from tests.support.call_watch import CallWatch
from tests.support.desks import Desk, Run, connected_desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk import app as app_module
from xerologdesk.sandbox import Sandbox

DATABASE = "xerologdesk.db"


def with_orders(desk: Desk, count: int) -> list[str]:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S-1")])
    refs = [f"SO-{number:02d}" for number in range(count)]
    desk.import_rows([line(ref, ("C-1", "Acme"), "S-1") for ref in refs])
    return refs


# -- an empty file --------------------------------------------------------------------------------


def test_an_emptied_database_of_a_used_data_directory_is_refused(desk: Desk) -> None:
    with_orders(desk, 2)
    path = desk.data_dir / DATABASE
    backup = desk.data_dir / f"{DATABASE}.before-v2.bak"
    backup.write_bytes(path.read_bytes())
    path.write_bytes(b"")  # a crash, a full disk, a sync tool: the order book is gone
    for command in (("status",), ("log", "--json"), ("sync",)):
        result = desk(*command)
        assert result.code == 2, (command, result.out)
        assert result.err == (
            f"xerologdesk: The database {path} is empty (0 bytes), but this data directory has "
            f"been used before ({backup} is there): the order book was lost (a crash, a full "
            "disk, a copying tool?). Nothing was changed. Restore the newest backup beside it "
            f"({backup.name}) by copying it over {DATABASE}, or choose another data directory. "
            "Starting afresh here would sync again orders Xero already has.\n"
        )
        assert path.read_bytes() == b""


def test_an_emptied_database_without_backups_says_where_else_to_look(desk: Desk) -> None:
    with_orders(desk, 1)
    (desk.data_dir / DATABASE).write_bytes(b"")
    result = desk("status")
    assert result.code == 2
    assert "this data directory has been used before (" in result.err
    assert "There is no *.bak backup beside it: restore the file from your own backups" in (
        result.err
    )


def test_an_empty_file_in_an_unused_data_directory_is_a_first_run(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / DATABASE).write_bytes(b"")
    result = run_cli("--data-dir", str(data_dir), "status")
    assert result.code == 0, result.err
    assert result.out == (
        "Connection: not connected\nOrders: 0 pending, 0 succeeded, 0 failed, 0 dismissed\n"
    )
    assert (data_dir / DATABASE).stat().st_size > 0
    assert not [path for path in data_dir.iterdir() if ".new-" in path.name]


# -- the file vanishing under a run ---------------------------------------------------------------


@pytest.mark.parametrize("how", ["deleted", "replaced by another file"])
def test_a_database_deleted_or_replaced_under_a_sync_stops_it(
    desk: Desk,
    watch_calls: Callable[[Sandbox], CallWatch],
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    refs = with_orders(desk, 12)
    path = desk.data_dir / DATABASE
    monkeypatch.setattr(app_module, "RUN_BATCH_ORDERS", 4)
    old_copy = path.with_name("old-copy.db")
    with sqlite3.connect(path) as source, sqlite3.connect(old_copy) as target:
        source.backup(target)
    watch = watch_calls(desk.sandbox)

    def lose_the_file(method: str, resource: str) -> None:
        if (method, resource) == ("PUT", "/Invoices") and watch.on_call is not None:
            watch.on_call = None
            if how == "deleted":
                path.unlink()
            else:
                os.replace(old_copy, path)  # an old backup put back by a restore or a sync tool

    watch.on_call = lose_the_file
    result = desk("sync")
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        f"xerologdesk: The database {path} was {how} while xerologdesk had it open, so the run "
        "stopped: what it would record could not be kept. Put the file back (or restore a "
        "*.bak backup beside it) and run again; close other programs that move or delete it."
    )
    assert "Traceback" not in result.err
    # The batch under way when the file went is the last one sent.
    assert len(desk.xero()["invoices"]) == 4 < len(refs)


# -- schemas that are not what they say -----------------------------------------------------------


def _set(path: Path, *statements: str) -> None:
    connection = sqlite3.connect(path)
    try:
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def _stamp(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ("PRAGMA user_version = -1", "its schema version -1 is not one xerologdesk writes"),
        ("DROP TABLE attempt", "it says schema v1 but has no table attempt"),
        (
            "ALTER TABLE log_entry DROP COLUMN dismissed_reason",
            "it says schema v1 but its table log_entry has no dismissed_reason",
        ),
    ],
)
def test_a_database_whose_schema_is_not_what_it_says_is_refused_untouched(
    tmp_path: Path,
    empty_sandbox: Sandbox,
    run_cli: Callable[..., Run],
    change: str,
    detail: str,
) -> None:
    desk = connected_desk(tmp_path, empty_sandbox, run_cli)
    with_orders(desk, 1)
    path = desk.data_dir / DATABASE
    _set(path, "PRAGMA user_version = 1", change)  # version 1 whatever this program's newest
    before = _stamp(path)
    refused_untouched(
        desk.data_dir,
        run_cli,
        orders_file(tmp_path, ["SO-9"], "more.csv"),
        f"The database {path} is damaged or is not a xerologdesk database ({detail}). Nothing "
        "was changed.",
    )
    assert _stamp(path) == before
    assert not list(desk.data_dir.glob("*.bak"))


def test_another_programs_file_that_says_version_1_is_never_modified(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    path = data_dir / DATABASE
    _set(path, "CREATE TABLE notes (text TEXT)", "INSERT INTO notes VALUES ('mine')")
    _set(path, "PRAGMA user_version = 1")
    before = _stamp(path)
    for command in (("sync",), ("log",), ("status",)):
        result = run_cli("--data-dir", str(data_dir), *command)
        assert result.code == 2, command
        assert result.err == (
            f"xerologdesk: The database {path} is damaged or is not a xerologdesk database (it "
            "says schema v1 but has no table attempt). Nothing was changed. Restore a backup (a "
            "*.bak file beside it, if there is one) or choose another data directory.\n"
        )
        assert _stamp(path) == before
    with sqlite3.connect(path) as look:
        assert look.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # never made WAL
    assert sorted(p.name for p in data_dir.iterdir()) == ["logs", DATABASE]


# -- the words -----------------------------------------------------------------------------------


def _break_not_null(path: Path, rows: int) -> None:
    """Customers without a reference, behind the schema's back: ``quick_check`` names each."""
    connection = sqlite3.connect(path)
    try:
        [sql] = connection.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'customer'"
        ).fetchone()
        loose = sql.replace("reference TEXT NOT NULL UNIQUE", "reference TEXT UNIQUE")
        connection.execute("PRAGMA writable_schema = ON")
        connection.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'customer'", (loose,))
        connection.commit()
        connection.close()
        connection = sqlite3.connect(path)
        connection.executemany(
            "INSERT INTO customer (reference, name) VALUES (NULL, ?)",
            [(f"x{n}",) for n in range(rows)],
        )
        connection.execute("PRAGMA writable_schema = ON")
        connection.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'customer'", (sql,))
        connection.commit()
    finally:
        connection.close()


def test_a_damaged_database_is_one_line_for_the_user_and_the_details_go_to_the_log(
    desk: Desk,
) -> None:
    with_orders(desk, 1)
    path = desk.data_dir / DATABASE
    _break_not_null(path, 12)
    result = desk("status")
    assert result.code == 2
    assert result.err == (
        f"xerologdesk: The database {path} is damaged or is not a xerologdesk database (the "
        "integrity check found: NULL value in customer.reference, and 11 more lines in the log "
        "file). Nothing was changed. Restore a backup (a *.bak file beside it, if there is one) "
        "or choose another data directory.\n"
    )
    logged = (desk.data_dir / "logs" / "xerologdesk.log").read_text(encoding="utf-8")
    assert (
        f"the integrity check of {path} found:\n"
        + "\n".join(["NULL value in customer.reference"] * 12)
        in logged
    )


def test_a_dropped_connection_is_said_in_plain_words(desk: Desk) -> None:
    with_orders(desk, 1)
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Invoices", "status": "drop", "times": 3}]}
    )
    result = desk("sync")
    assert result.code == 0, result.err
    assert (
        "The connection to Xero was dropped before its answer came; the change may have been "
        "saved, checking first. Trying again in 0 s." in result.err
    )
    assert "Xero sent the connection" not in result.err
    assert len(desk.xero()["invoices"]) == 1
