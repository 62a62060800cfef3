"""Transient trouble during a run, over real HTTP against the sandbox: the run waits (on an
injected clock: nothing sleeps) and tries again, reconciling lost answers first, and never fails
an order for it; trouble that won't pass ends the run saying when to try again."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tests.support.desks import Desk, Run, connected_desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.app import open_app
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import book
from xerologdesk.sync.backoff import BackoffPolicy
from xerologdesk.sync.engine import Action, SyncEngine, utc_now
from xerologdesk.sync.lock import SyncLock
from xerologdesk.sync.runner import Progress, RunSummary, SyncRunner
from xerologdesk.xero.limits import Limits, RateBudget

STEADY = BackoffPolicy(random=lambda: 0.5)  # each wait: 3/4 of its exponential step


class Waits:
    """The runner's wait and clock: each wait is recorded and moves the clock; ``on_wait``
    (given the number of waits so far) may act meanwhile, and cancels the run by answering
    True."""

    def __init__(self, on_wait: Callable[[int], bool] | None = None) -> None:
        self.seconds: list[float] = []
        self.now = 0.0
        self.on_wait = on_wait

    def wait(self, seconds: float) -> bool:
        self.seconds.append(seconds)
        self.now += seconds
        return bool(self.on_wait and self.on_wait(len(self.seconds)))

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        raise AssertionError(f"the rate budget slept {seconds} s: the run should have waited")


def run(
    desk: Desk,
    waits: Waits,
    policy: BackoffPolicy = STEADY,
    *,
    auto_sync: list[str] | None = None,
    progress: list[Progress] | None = None,
    now: Callable[[], datetime] = utc_now,
) -> RunSummary:
    """One run, as the app makes it but with the injected wait and clock (``now``: the
    engine's wall clock, which dates its records and ages the outbox)."""
    app = open_app(desk.data_dir, log=False)
    try:
        gateway = app.gateway()
        # The organisation's rate budget on the same clock: it sees the run's waits pass.
        gateway.budget = RateBudget(Limits(0, 0, 0), clock=waits.clock, sleep=waits.sleep)
        runner = SyncRunner(
            SyncEngine(gateway, app.settings, senders=app.senders, now=now),
            backoff=policy,
            wait=waits.wait,
            clock=waits.clock,
            lock=SyncLock(app.data_dir),
        )
        report = progress.append if progress is not None else None
        if auto_sync is None:
            return runner.sync_pending(report)
        ids = book.order_ids_for_refs(auto_sync)
        return runner.resolve([ids[ref] for ref in auto_sync], Action.AUTO_SYNC, report)
    finally:
        app.close()


def with_acme(desk: Desk, *refs: str) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S-1")])
    desk.import_rows([line(ref, ("C-1", "Acme"), "S-1") for ref in refs])


def invoices(desk: Desk) -> list[str]:
    return sorted(invoice["Reference"] for invoice in desk.xero()["invoices"])


def test_a_burst_of_503s_is_waited_out_and_no_order_fails(desk: Desk) -> None:
    with_acme(desk, "SO-1", "SO-2")
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Invoices", "status": 503, "times": 3}]}
    )
    waits, progress = Waits(), list[Progress]()
    summary = run(desk, waits, progress=progress)
    assert summary.stopped == "" and summary.retries == 3
    assert waits.seconds == [1.5, 3.0, 6.0]  # growing, each with its share of jitter
    assert summary.line == "synced 2: 2 succeeded, 0 failed, 0 pending"
    assert invoices(desk) == ["SO-1", "SO-2"]
    # While it waited, the orders were pending with the reason, and the GUI was told.
    notes = [each for each in progress if each.waiting is not None]
    assert [each.waiting for each in notes] == waits.seconds
    assert all("503" in each.note for each in notes)
    assert {result.order_ref for result in notes[0].latest} == {"SO-1", "SO-2"}
    assert {row["attempts"] for row in desk.log().values()} == {4}


def test_an_answer_lost_on_every_replay_is_found_before_anything_is_sent_again(
    desk: Desk,
) -> None:
    with_acme(desk, "SO-1")
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Invoices", "status": "drop", "times": 3}]}
    )
    summary = run(desk, Waits())
    assert summary.stopped == ""
    assert invoices(desk) == ["SO-1"]
    assert desk.xero()["calls"]["PUT /Invoices"] == 3  # the first try and its two replays
    [result] = [r for r in summary.results if r.status == "succeeded"]
    assert result.note.startswith("Found in Xero after an earlier send whose answer was lost")
    assert desk.log()["SO-1"]["xero_invoice_id"] == desk.xero()["invoices"][0]["InvoiceID"]


def test_a_replay_that_meets_a_503_after_a_lost_answer_never_doubles_the_invoice(
    desk: Desk,
) -> None:
    with_acme(desk, "SO-1")
    # The create lands but its answer is lost; the replay is refused: still unknown, not "no".
    desk.sandbox.set_faults(
        {
            "script": [
                {"method": "PUT", "resource": "/Invoices", "status": "drop"},
                {"method": "PUT", "resource": "/Invoices", "status": 503},
            ]
        }
    )
    summary = run(desk, Waits())
    assert summary.stopped == ""
    assert desk.log()["SO-1"]["status"] == "succeeded"
    assert invoices(desk) == ["SO-1"]
    assert desk.xero()["calls"]["PUT /Invoices"] == 2


def test_an_item_whose_answer_was_lost_is_not_created_twice(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")])
    desk.settings_for_auto_sync()
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "NEW-1")])
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Items", "status": "drop", "times": 3}]}
    )
    summary = run(desk, Waits(), auto_sync=["SO-1"])
    assert summary.stopped == ""
    assert desk.log()["SO-1"]["status"] == "succeeded"
    state = desk.xero()
    assert [item["Code"] for item in state["items"]] == ["NEW-1"]
    assert state["calls"]["PUT /Items"] == 3
    assert invoices(desk) == ["SO-1"]


def test_a_contact_whose_answer_was_lost_is_not_created_twice(desk: Desk) -> None:
    put_in_xero(desk.sandbox, items=[item_record("S-1")])
    desk.settings(auto_create_customers="on")
    desk.import_rows([line("SO-1", ("C-9", "Newcomer & Co"), "S-1")])
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Contacts", "status": "drop", "times": 3}]}
    )
    summary = run(desk, Waits())
    assert summary.stopped == ""
    state = desk.xero()
    [contact] = state["contacts"]
    assert (contact["Name"], contact["AccountNumber"]) == ("Newcomer & Co", "C-9")
    assert state["invoices"][0]["Contact"]["ContactID"] == contact["ContactID"]


def test_a_burst_of_429s_is_waited_out_as_long_as_xero_asks(desk: Desk) -> None:
    with_acme(desk, "SO-1")
    desk.sandbox.set_faults(
        {
            "script": [
                {
                    "method": "GET",
                    "resource": "/Contacts",
                    "status": 429,
                    "times": 2,
                    "retry_after": 5,
                }
            ]
        }
    )
    waits = Waits()
    summary = run(desk, waits, BackoffPolicy(random=lambda: 0.5, scale=0))
    assert summary.stopped == ""
    assert waits.seconds == [5, 5]
    assert invoices(desk) == ["SO-1"]


def test_a_day_limit_ends_the_run_at_once_saying_when_to_try_again(desk: Desk) -> None:
    with_acme(desk, "SO-1")
    desk.sandbox.set_limits(day=1)  # connecting spent it
    waits = Waits()
    summary = run(desk, waits)
    assert waits.seconds == []
    assert summary.stopped.startswith("Xero's rate limit was reached: the day's 5,000 calls")
    assert "It is worth trying again in about" in summary.stopped
    assert summary.try_again_at is not None and summary.retry_after is not None
    assert desk.log()["SO-1"]["status"] == "pending"
    assert invoices(desk) == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_offline_pauses_the_run_and_it_resumes_by_itself(
    tmp_path: Path,
    sandbox_factory: Callable[..., Sandbox],
    run_cli: Callable[..., Run],
) -> None:
    sandbox = sandbox_factory(seed="empty", port=free_port())
    desk = connected_desk(tmp_path, sandbox, run_cli)
    with_acme(desk, "SO-1")
    sandbox.stop()  # the network goes

    def back_online(waited: int) -> bool:
        if waited == 4:
            sandbox.start()
        return False

    waits = Waits(back_online)
    summary = run(desk, waits)
    assert summary.stopped == ""
    assert len(waits.seconds) == 4  # paused through four tries, then went on by itself
    assert desk.log()["SO-1"]["status"] == "succeeded"
    assert invoices(desk) == ["SO-1"]


def test_offline_for_too_long_ends_the_run_with_the_orders_pending(
    tmp_path: Path,
    sandbox_factory: Callable[..., Sandbox],
    run_cli: Callable[..., Run],
) -> None:
    sandbox = sandbox_factory(seed="empty", port=free_port())
    desk = connected_desk(tmp_path, sandbox, run_cli)
    with_acme(desk, "SO-1")
    sandbox.stop()
    waits = Waits()
    summary = run(desk, waits, BackoffPolicy(random=lambda: 0.5, offline_patience=600))
    assert 600 - 120 < sum(waits.seconds) <= 600
    assert summary.stopped.startswith("Xero could not be reached for about 9 minutes.")
    assert "It is worth trying again in about 2 minutes" in summary.stopped
    row = desk.log()["SO-1"]
    assert row["status"] == "pending" and row["reasons"] == []
    sandbox.start()
    assert desk("sync").code == 0
    assert invoices(desk) == ["SO-1"]


def test_cancelling_during_a_wait_leaves_the_rest_pending(desk: Desk) -> None:
    with_acme(desk, "SO-1")
    desk.sandbox.set_faults({"error_rate": 1.0, "error_statuses": [503]})
    summary = run(desk, Waits(lambda waited: True))
    assert summary.cancelled and summary.stopped == "Cancelled; the rest stay pending."
    assert desk.log()["SO-1"]["status"] == "pending"


def test_the_command_says_why_it_gave_up_and_when_to_try_again(desk: Desk) -> None:
    with_acme(desk, "SO-1")
    desk.sandbox.set_faults({"error_rate": 1.0, "error_statuses": [503]})
    result = desk("sync")
    assert result.code == 2
    assert "xerologdesk: stopped: Xero was unavailable (503)" in result.err
    assert "(6 tries in a row failed). It is worth trying again in a few seconds." in result.err
    assert result.out.splitlines()[-1] == "synced 1: 0 succeeded, 0 failed, 1 pending"
    row = desk.log()["SO-1"]
    assert (row["status"], row["reasons"]) == ("pending", [])
