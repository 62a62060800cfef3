"""Another process holding the database's write lock (a big import in another window) never
makes a command fail: reading commands go on at once, writes wait and say so, and a write that
cannot wait any longer is refused with a plain message and exit status 2."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.desks import Desk, line
from tests.support.processes import start_command
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.store import trouble

HOLD_WRITE_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


class WriteLock:
    """A second process holding ``BEGIN IMMEDIATE`` on a database until released."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD_WRITE_LOCK, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "holding"

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("\n")
            self.process.stdin.flush()
            self.process.wait(timeout=30)


@pytest.fixture
def two_orders(desk: Desk) -> Desk:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S-1")])
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "S-1"), line("SO-2", ("C-1", "Acme"), "S-1")])
    return desk


@pytest.fixture
def held(two_orders: Desk) -> Iterator[WriteLock]:
    lock = WriteLock(two_orders.data_dir / "xerologdesk.db")
    yield lock
    lock.release()


def test_reading_commands_run_while_another_process_writes(
    two_orders: Desk, held: WriteLock
) -> None:
    status = two_orders("status")
    assert status.code == 0, status.err
    assert status.out.splitlines()[-1] == "Orders: 2 pending, 0 succeeded, 0 failed, 0 dismissed"
    assert set(two_orders.log()) == {"SO-1", "SO-2"}
    assert "locked" not in status.err


def test_a_sync_waits_for_the_other_writer_says_so_and_completes(
    two_orders: Desk, held: WriteLock
) -> None:
    sync = start_command(two_orders.data_dir, "sync")
    assert sync.stderr is not None
    waiting = sync.stderr.readline()  # the run's first write meets the lock
    assert waiting.startswith(f"xerologdesk: {trouble.BUSY_WAIT_MESSAGE}"), waiting
    held.release()
    out, rest = sync.communicate(timeout=120)
    assert sync.returncode == 0, waiting + rest
    assert "Traceback" not in rest and "locked" not in rest
    assert out.strip() == "synced 2: 2 succeeded, 0 failed, 0 pending"
    assert {row["status"] for row in two_orders.log().values()} == {"succeeded"}
    assert len(two_orders.xero()["invoices"]) == 2


def test_a_write_that_cannot_wait_longer_is_refused_plainly(
    two_orders: Desk, held: WriteLock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trouble, "BUSY_WAIT_LIMIT_SECONDS", 0.0)
    result = two_orders("resolve", "--dismiss", "SO-1")
    assert result.code == 2
    path = two_orders.data_dir / "xerologdesk.db"
    assert re.fullmatch(
        re.escape(f"xerologdesk: The database {path} stayed busy for ")
        + r"\d+"
        + re.escape(
            " s: another xerologdesk (an import in another window?) is still writing to it. What "
            "this command did so far is kept; run it again when the other one has finished."
        ),
        result.err.strip(),
    ), result.err
    held.release()
    assert two_orders.log()["SO-1"]["status"] == "pending"
