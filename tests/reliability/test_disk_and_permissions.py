"""A read-only folder or file, a full disk, a read-only -shm left behind: each is said in its own
words (what, where, what to do), with exit status 2 and no traceback, and nothing is lost.

Read-only is real: the command runs as an ordinary user (the tests run as root, who ignores
permission bits); the full disk is a real, full tmpfs (see :mod:`tests.reliability.file_system`).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.file_system import give_away, run_as_user, run_on_small_disk, shared_tmp
from tests.support.desks import Desk, Run, connected_desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk import app as app_module
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import db as store_db

__all__ = ["shared_tmp"]  # the fixture, used by name

ORDERS_LINE = "Orders: 1 pending, 0 succeeded, 0 failed, 0 dismissed"


@pytest.fixture
def user_desk(shared_tmp: Path, empty_sandbox: Sandbox, run_cli: Callable[..., Run]) -> Desk:
    """A used data directory with one order, belonging to an ordinary user."""
    desk = connected_desk(shared_tmp, empty_sandbox, run_cli)
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "S-1")])
    give_away(desk.data_dir)
    return desk


def status_as_user(desk: Desk) -> Run:
    return run_as_user("--data-dir", str(desk.data_dir), "status")


def test_a_read_only_log_folder_leaves_one_warning_and_the_command_works(
    user_desk: Desk,
) -> None:
    logs = user_desk.data_dir / "logs"
    for old in logs.iterdir():
        old.unlink()
    os.chmod(logs, 0o500)
    result = status_as_user(user_desk)
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == ORDERS_LINE
    assert result.err == (
        f"xerologdesk: warning: cannot write the log file {logs / 'xerologdesk.log'} "
        "(Permission denied); logging to the terminal only\n"
    )


def test_a_read_only_database_folder_is_said_to_be_read_only_not_damaged(
    user_desk: Desk,
) -> None:
    before = (user_desk.data_dir / "xerologdesk.db").read_bytes()
    os.chmod(user_desk.data_dir, 0o500)
    result = status_as_user(user_desk)
    os.chmod(user_desk.data_dir, 0o700)
    assert result.code == 2
    path = user_desk.data_dir / "xerologdesk.db"
    assert result.err == (
        f"xerologdesk: The database {path} cannot be used: its folder {user_desk.data_dir} "
        "cannot be written to (read-only, or no permission). Nothing was changed. Give your "
        "user write access to that folder (or choose another data directory with --data-dir) "
        "and try again.\n"
    )
    assert path.read_bytes() == before


def test_a_read_only_database_file_is_said_to_be_read_only(user_desk: Desk) -> None:
    path = user_desk.data_dir / "xerologdesk.db"
    os.chmod(path, 0o400)
    result = status_as_user(user_desk)
    assert result.code == 2
    assert result.err.startswith(
        f"xerologdesk: The database {path} cannot be used: {path} is read-only. Make it "
        "writable for your user (chmod u+w)"
    )
    assert "damaged" not in result.err


def _crash_with_the_database_open(path: Path) -> None:
    """A process killed while it had the database open: its -wal and -shm stay behind."""
    code = (
        "import os, sqlite3, sys\n"
        "connection = sqlite3.connect(sys.argv[1])\n"
        "connection.execute(\"INSERT INTO setting VALUES ('left', '1')\")\n"
        "connection.commit()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)


def test_a_read_only_shm_left_behind_is_made_writable_again(user_desk: Desk) -> None:
    path = user_desk.data_dir / "xerologdesk.db"
    _crash_with_the_database_open(path)
    shm = path.with_name("xerologdesk.db-shm")
    give_away(user_desk.data_dir)
    os.chmod(shm, 0o444)
    for _ in range(2):  # and every command after it
        result = status_as_user(user_desk)
        assert result.code == 0, result.err
        assert result.out.splitlines()[-1] == ORDERS_LINE
    log_text = (user_desk.data_dir / "logs" / "xerologdesk.log").read_text(encoding="utf-8")
    assert f"{shm} was read-only; made it writable again" in log_text


def test_a_read_only_shm_of_another_user_is_named_with_what_to_do(user_desk: Desk) -> None:
    path = user_desk.data_dir / "xerologdesk.db"
    _crash_with_the_database_open(path)
    shm = path.with_name("xerologdesk.db-shm")
    give_away(user_desk.data_dir)
    os.chown(shm, 0, 0)  # left by root's run
    os.chmod(shm, 0o444)
    result = status_as_user(user_desk)
    assert result.code == 2
    assert result.err == (
        f"xerologdesk: The database {path} cannot be used: {shm} is read-only and belongs to "
        "another user. Make it writable for your user (chmod u+w), or, if it is the -wal or "
        "-shm file and no xerologdesk is running, delete it; then try again.\n"
    )


@pytest.mark.parametrize("command", ["status", "log", "sync"])
def test_a_full_disk_before_start_is_said_to_be_full_not_damaged(
    user_desk: Desk, command: str
) -> None:
    result = run_on_small_disk(user_desk.data_dir, command)
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert "damaged" not in result.err
    assert result.err.splitlines()[-1].startswith("xerologdesk: The database ")
    assert result.err.splitlines()[-1].endswith(
        "data/xerologdesk.db cannot be used: the disk holding "
        f"{result.err.split('the disk holding ')[1].split(' is full')[0]} is full. Nothing was "
        "lost: what was done before is kept, and a sync that was cut short is picked up by the "
        "next one (nothing is sent to Xero twice). Free some space on that disk and run the "
        "command again."
    )


def test_a_disk_filling_up_mid_sync_stops_plainly_and_the_next_sync_sends_nothing_twice(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S-1")])
    refs = [f"SO-{number:03d}" for number in range(120)]
    desk.import_rows([line(ref, ("C-1", "Acme"), "S-1") for ref in refs])
    with sqlite3.connect(desk.data_dir / "xerologdesk.db") as probe:
        [(pages,)] = probe.execute("PRAGMA page_count")
    # Small batches, and room for a few more pages: the disk fills up a few batches in.
    monkeypatch.setattr(app_module, "RUN_BATCH_ORDERS", 10)
    monkeypatch.setattr(store_db, "PRAGMAS", (*store_db.PRAGMAS, ("max_page_count", pages + 6)))
    result = desk("sync")
    assert result.code == 2
    assert "Traceback" not in result.err
    path = desk.data_dir / "xerologdesk.db"
    assert result.err.splitlines()[-1] == (
        f"xerologdesk: The database {path} cannot be used: the disk holding {desk.data_dir} is "
        "full. Nothing was lost: what was done before is kept, and a sync that was cut short is "
        "picked up by the next one (nothing is sent to Xero twice). Free some space on that disk "
        "and run the command again."
    )
    sent_before = len(desk.xero()["invoices"])
    assert 0 < sent_before < len(refs)  # it stopped part-way
    monkeypatch.setattr(store_db, "PRAGMAS", store_db.PRAGMAS[:-1])  # space freed
    again = desk("sync")
    assert again.code == 0, again.err
    log = desk.log()
    assert {row["status"] for row in log.values()} == {"succeeded"}
    invoices = desk.xero()["invoices"]
    assert sorted(invoice["Reference"] for invoice in invoices) == refs  # one each, none twice


def test_a_data_directory_that_cannot_be_made_is_said_plainly(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where the folder would go\n", encoding="utf-8")
    result = run_cli("--data-dir", str(blocker / "data"), "status")
    assert result.code == 2
    assert result.err == (
        f"xerologdesk: The data directory {blocker / 'data'} cannot be created or used (Not a "
        "directory). Choose another with --data-dir, or give your user write access to it.\n"
    )
