"""``xerologdesk run``: the headless equivalent of the desktop's schedule. Each run imports the
inbox folder's settled files (moving them aside) and syncs; ``--every`` repeats it, here on the
sandbox's clock (the wait between runs is the test's), and SIGTERM in the middle of a batch lets
that batch finish and stops before the next: every order Succeeded or Pending, none sent twice.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.call_watch import CallWatch
from tests.support.desks import COLUMNS, Desk, line
from tests.support.processes import REPO, child_environment
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk import commands
from xerologdesk.exits import EXIT_OK
from xerologdesk.store.vocabulary import Status
from xerologdesk.sync.backoff import SCALE_ENV

CUSTOMER = ("C-1", "Acme")
NOTHING_SKIPPED = ", skipped 0 already imported, 0 conflicts"
# The child's runner takes orders 4 at a time, so 12 orders make 3 batches.
CHILD_BATCH = 4
CHILD = (
    "import sys; import xerologdesk.app as app; app.RUN_BATCH_ORDERS = {batch}; "
    "from xerologdesk.cli import main; raise SystemExit(main(sys.argv[1:]))"
)


def in_xero(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S-1")])


def drop_file(inbox: Path, name: str, refs: list[str]) -> Path:
    """An order file in the inbox, written a while ago (settled: not being copied any more)."""
    path = inbox / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(line(ref, CUSTOMER, "S-1") for ref in refs)
    settled = path.stat().st_mtime - 60
    os.utime(path, (settled, settled))
    return path


def invoice_refs(desk: Desk) -> list[str]:
    return sorted(invoice["Reference"] for invoice in desk.xero()["invoices"])


@pytest.fixture
def inbox(desk: Desk) -> Path:
    folder = desk.folder / "inbox"
    folder.mkdir()
    desk.settings(inbox_folder=str(folder))
    in_xero(desk)
    return folder


def test_run_every_minute_syncs_new_inbox_files_in_successive_runs(
    desk: Desk, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop_file(inbox, "monday-1.csv", ["SO-1", "SO-2"])
    waits: list[float] = []
    seen: list[list[str]] = []

    def next_minute(stop: threading.Event, seconds: float) -> bool:
        """Between runs: what Xero has so far; then a minute passes on the sandbox's clock and
        a new file arrives; after the third run, stop."""
        waits.append(seconds)
        seen.append(invoice_refs(desk))
        if len(waits) == 3:
            return True
        desk.sandbox.clock.advance(seconds)
        drop_file(inbox, f"monday-{len(waits) + 1}.csv", [f"SO-{len(waits) + 2}"])
        return False

    monkeypatch.setattr(commands, "wait_between_runs", next_minute)
    ran = desk("run", "--every", "1")
    assert ran.code == EXIT_OK, ran.err
    assert waits == [60, 60, 60]
    assert seen == [["SO-1", "SO-2"], ["SO-1", "SO-2", "SO-3"], ["SO-1", "SO-2", "SO-3", "SO-4"]]
    assert ran.out.splitlines() == [
        f"{inbox / 'monday-1.csv'}: imported 2 orders{NOTHING_SKIPPED}",
        "synced 2: 2 succeeded, 0 failed, 0 pending",
        f"{inbox / 'monday-2.csv'}: imported 1 order{NOTHING_SKIPPED}",
        "synced 1: 1 succeeded, 0 failed, 0 pending",
        f"{inbox / 'monday-3.csv'}: imported 1 order{NOTHING_SKIPPED}",
        "synced 1: 1 succeeded, 0 failed, 0 pending",
    ]
    assert sorted(path.name for path in (inbox / "imported").iterdir()) == [
        "monday-1.csv",
        "monday-2.csv",
        "monday-3.csv",
    ]
    assert [path.name for path in inbox.iterdir()] == ["imported"]
    assert {row["status"] for row in desk.log().values()} == {Status.SUCCEEDED}


def test_a_file_still_being_written_waits_for_the_next_run(desk: Desk, inbox: Path) -> None:
    fresh = drop_file(inbox, "copying.csv", ["SO-1"])
    os.utime(fresh)  # modified just now: maybe still being copied
    ran = desk("run")
    assert ran.code == EXIT_OK, ran.err
    assert ran.out == "synced 0: 0 succeeded, 0 failed, 0 pending\n"
    assert fresh.exists()


def test_a_file_with_problems_goes_to_problems_with_its_report(desk: Desk, inbox: Path) -> None:
    bad = inbox / "bad.csv"
    bad.write_text("order_ref,posted_date\nSO-1,yesterday\n", encoding="utf-8")
    os.utime(bad, (bad.stat().st_mtime - 60,) * 2)
    ran = desk("run")
    assert ran.out.startswith(f"{bad}: not imported (")
    assert (inbox / "problems" / "bad.csv").exists()
    assert (inbox / "problems" / "bad.csv.problems.txt").read_text(encoding="utf-8")


class HoldSecondInvoiceBatch:
    """Holds the second request that creates invoices (the second batch's) until released."""

    def __init__(self, watch: CallWatch) -> None:
        self.arrived = threading.Event()
        self.released = threading.Event()
        self._creates = 0
        watch.on_call = self._hold

    def _hold(self, method: str, resource: str) -> None:
        if (method, resource) != ("PUT", "/Invoices"):
            return
        self._creates += 1
        if self._creates == 2:
            self.arrived.set()
            self.released.wait(timeout=60)


@pytest.fixture
def held(desk: Desk, watch_calls: Callable[..., CallWatch]) -> Iterator[HoldSecondInvoiceBatch]:
    holder = HoldSecondInvoiceBatch(watch_calls(desk.sandbox))
    yield holder
    holder.released.set()


def test_sigterm_mid_batch_finishes_the_batch_and_stops_before_the_next(
    desk: Desk, inbox: Path, held: HoldSecondInvoiceBatch
) -> None:
    refs = [f"SO-{n:02d}" for n in range(1, 13)]
    drop_file(inbox, "orders.csv", refs)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD.format(batch=CHILD_BATCH),
            "--data-dir",
            str(desk.data_dir),
            "run",
            "--every",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_environment(**{SCALE_ENV: "0"}),
        cwd=REPO,
    )
    try:
        assert held.arrived.wait(timeout=60), "the second batch never reached Xero"
        child.send_signal(signal.SIGTERM)  # while the second batch's invoices are in Xero's hands
        held.released.set()
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == EXIT_OK, err
    assert out.splitlines()[-1] == "synced 8: 8 succeeded, 0 failed, 0 pending"
    assert "stopped: Cancelled; the rest stay pending." in err
    statuses = {ref: row["status"] for ref, row in desk.log().items()}
    assert statuses == {
        ref: Status.SUCCEEDED if n < 8 else Status.PENDING for n, ref in enumerate(refs)
    }
    assert invoice_refs(desk) == refs[:8]  # each once: nothing half-sent, nothing doubled
    # The next run sends the rest, and nothing twice.
    assert desk("run").code == EXIT_OK
    assert invoice_refs(desk) == refs
