"""One sync at a time per data directory: a second run, in this process or another, stops
before sending anything and says who is syncing; reading the log stays allowed; a killed run
never blocks the next one."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from tests.support.call_watch import CallWatch
from tests.support.desks import Desk, line
from tests.support.processes import start_command
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.sandbox import Sandbox
from xerologdesk.sync.lock import SyncBusy, SyncLock, sync_busy_message

BUSY = "another xerologdesk is syncing this data directory (pid {pid})"


def with_orders(desk: Desk, count: int = 3) -> list[str]:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S-1")])
    refs = [f"SO-{n}" for n in range(1, count + 1)]
    desk.import_rows([line(ref, ("C-1", "Acme"), "S-1") for ref in refs])
    return refs


def invoices(desk: Desk) -> list[str]:
    return sorted(invoice["Reference"] for invoice in desk.xero()["invoices"])


def test_a_second_sync_stops_before_sending_anything_and_says_who_syncs(desk: Desk) -> None:
    with_orders(desk)
    before = desk.xero()["calls"]
    with SyncLock(desk.data_dir):
        for args in (("sync",), ("resolve", "--retry", "SO-1")):
            refused = desk(*args)
            assert refused.code == 2
            assert f"xerologdesk: stopped: {BUSY.format(pid=os.getpid())}" in refused.err
            assert "nothing was sent from here; try again when it has finished." in refused.err
        # Reading is allowed meanwhile.
        assert desk("status").code == 0
        assert {row["status"] for row in desk.log().values()} == {"pending"}
    assert desk.xero()["calls"] == before  # not even a token or a lookup
    assert desk("sync").code == 0
    assert invoices(desk) == ["SO-1", "SO-2", "SO-3"]


def test_the_gui_can_ask_whether_another_run_is_syncing(desk: Desk) -> None:
    assert sync_busy_message(desk.data_dir) is None
    lock = SyncLock(desk.data_dir)
    with lock:
        assert sync_busy_message(desk.data_dir) == (
            f"{BUSY.format(pid=os.getpid())}: nothing was sent from here; try again when it "
            "has finished."
        )
        with pytest.raises(SyncBusy) as busy:
            SyncLock(desk.data_dir).acquire()
        assert busy.value.pid == os.getpid()
        with pytest.raises(SyncBusy):
            lock.acquire()  # one run at a time through one lock object too
    assert sync_busy_message(desk.data_dir) is None


class HeldCall:
    """Holds the first accounting call the sandbox receives until released."""

    def __init__(self, watch: CallWatch) -> None:
        self.arrived = threading.Event()
        self.released = threading.Event()
        self.call: dict[str, int] = {}
        watch.on_call = self._hold

    def _hold(self, method: str, resource: str) -> None:
        if not self.arrived.is_set():
            self.call = {f"{method} {resource}": 1}
            self.arrived.set()
            self.released.wait(timeout=60)


@pytest.fixture
def held(desk: Desk, watch_calls: Callable[[Sandbox], CallWatch]) -> Iterator[HeldCall]:
    holder = HeldCall(watch_calls(desk.sandbox))
    yield holder
    holder.released.set()


def test_two_processes_never_sync_at_once(desk: Desk, held: HeldCall) -> None:
    refs = with_orders(desk, 60)
    before = Counter(desk.xero()["calls"])
    first = start_command(desk.data_dir, "sync")
    try:
        assert held.arrived.wait(timeout=60), "the first sync never called Xero"
        # The first is under way (its first call held in Xero): a second process is refused.
        second = start_command(desk.data_dir, "sync")
        out, err = second.communicate(timeout=60)
        assert second.returncode == 2, err
        assert BUSY.format(pid=first.pid) in err
        assert out.strip() == "synced 0: 0 succeeded, 0 failed, 0 pending"
        assert BUSY.format(pid=first.pid) in (sync_busy_message(desk.data_dir) or "")
        # The first's token and its held lookup; nothing from the second.
        assert Counter(desk.xero()["calls"]) - before == {"POST /connect/token": 1, **held.call}
        held.released.set()
        out, err = first.communicate(timeout=60)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert out.strip().splitlines()[-1] == "synced 60: 60 succeeded, 0 failed, 0 pending"
    assert invoices(desk) == sorted(refs)


def test_a_killed_sync_never_blocks_the_next_one(desk: Desk, held: HeldCall) -> None:
    refs = with_orders(desk)
    first = start_command(desk.data_dir, "sync")
    assert held.arrived.wait(timeout=60)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    held.released.set()
    assert sync_busy_message(desk.data_dir) is None
    assert desk("sync").code == 0
    assert {row["status"] for row in desk.log().values()} == {"succeeded"}
    assert invoices(desk) == sorted(refs)
