"""Several desktops syncing one PostgreSQL log at once, over real HTTP against the sandbox: they
split the pending orders and never send one twice (each run claims its batches), a desktop killed
mid-send leaves nothing stuck (another settles its orders through the outbox), and two desktops
creating the same new customer and SKU at once make one contact and one item."""

from __future__ import annotations

import json
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import psycopg
import pytest

from tests.support.call_watch import CallWatch
from tests.support.desks import Desk, Run, connected_desk, line
from tests.support.postgres import wait_for_session_lock
from tests.support.processes import start_command
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.app import App, open_app
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import book
from xerologdesk.store.claims import ServerClaims, claims_for
from xerologdesk.store.engines import RUN_CLASS
from xerologdesk.store.vocabulary import OutboxKind
from xerologdesk.sync.engine import Action, SyncEngine
from xerologdesk.sync.outbox import RUN_KEY, Senders
from xerologdesk.sync.runner import RunSummary, SyncRunner

pytestmark = pytest.mark.timeout(180)

ACME = ("C-1", "Acme")
NEWCO = ("NEW-1", "Newco Ltd")
HOLD_FIRST_SEND = {"script": [{"method": "PUT", "resource": "/Invoices", "status": "hold"}]}
BATCH = 50  # one invoice request a batch: the runs take turns at claiming many batches


class Meeting:
    """Holds the first ``parties`` accounting calls of one kind (``"PUT /Invoices"``) until all
    of them have arrived: the runs making them are then under way at once."""

    def __init__(self, call: str, parties: int = 2) -> None:
        self.call = call
        self._barrier = threading.Barrier(parties, timeout=60)
        self._left = parties
        self._lock = threading.Lock()

    def __call__(self, method: str, resource: str) -> None:
        if f"{method} {resource}" != self.call:
            return
        with self._lock:
            self._left -= 1
            if self._left < 0:
                return
        self._barrier.wait()


def meet_at(watch: CallWatch, *meetings: Meeting) -> None:
    """Have the sandbox hold the calls of each meeting (see :class:`Meeting`)."""

    def on_call(method: str, resource: str) -> None:
        for meeting in meetings:
            meeting(method, resource)

    watch.on_call = on_call


@pytest.fixture
def app(alice: Desk) -> Iterator[App]:
    """Alice's app, on the team's database."""
    opened = open_app(alice.data_dir, log=False)
    yield opened
    opened.close()


@pytest.fixture
def desktops(app: App) -> Iterator[Callable[[], SyncRunner]]:
    """Runners as two desktops' apps make them (claims of their own on the team's database),
    for running in threads at once; their send threads are ended after the test."""
    senders: list[Senders] = []

    def runner() -> SyncRunner:
        senders.append(Senders())
        engine = SyncEngine(app.gateway(), app.settings, senders=senders[-1])
        return SyncRunner(engine, batch_size=BATCH, claims=partial(claims_for, app.db))

    yield runner
    for each in senders:
        each.shutdown()


def at_once(*runs: Callable[[], RunSummary]) -> list[RunSummary]:
    """Run each in a thread of its own, all at once; their summaries."""
    with ThreadPoolExecutor(len(runs)) as pool:
        return [future.result() for future in [pool.submit(run) for run in runs]]


def invoice_refs(sandbox: Sandbox) -> Counter[str]:
    return Counter(invoice["Reference"] for invoice in sandbox.state()["invoices"])


def test_two_desktops_syncing_at_once_split_the_orders_and_send_each_once(
    alice: Desk,
    desktops: Callable[[], SyncRunner],
    watch_calls: Callable[[Sandbox], CallWatch],
) -> None:
    put_in_xero(alice.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S-1")])
    refs = [f"SO-{number:03d}" for number in range(1, 301)]
    alice.import_rows([line(ref, ACME, "S-1") for ref in refs])
    # Each run's first send waits for the other's: both are under way with a batch claimed.
    meet_at(watch_calls(alice.sandbox), Meeting("PUT /Invoices"))

    first, second = at_once(desktops().sync_pending, desktops().sync_pending)

    assert first.stopped == second.stopped == ""
    mine, theirs = (
        {result.order_ref for result in summary.results if result.status == "succeeded"}
        for summary in (first, second)
    )
    assert mine and theirs and not mine & theirs  # both synced some, none the same
    assert mine | theirs == set(refs)
    assert invoice_refs(alice.sandbox) == Counter(refs)  # exactly one invoice an order
    log = alice.log()
    assert {(row["status"], row["attempts"]) for row in log.values()} == {("succeeded", 1)}


def test_orders_a_killed_desktop_was_sending_are_settled_by_another_once_each(
    alice: Desk,
    tmp_path: Path,
    empty_sandbox: Sandbox,
    run_cli: Callable[..., Run],
    postgres_book_url: str,
    watch_calls: Callable[[Sandbox], CallWatch],
) -> None:
    put_in_xero(empty_sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S-1")])
    refs = [f"SO-{number:03d}" for number in range(1, 121)]  # three invoice requests at once
    alice.import_rows([line(ref, ACME, "S-1") for ref in refs])
    # Xero holds the first invoice request mid-send; the desktop is killed while it waits.
    empty_sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Invoices", "status": "hold"}]}
    )
    sync = start_command(alice.data_dir, "sync")
    try:
        assert empty_sandbox.wait_held(timeout=60), "the sync never sent an invoice request"
        sync.send_signal(signal.SIGKILL)
        sync.wait(timeout=60)
    finally:
        sync.kill()
    assert empty_sandbox.release_held() == 1  # Xero finishes the send; no one hears its answer
    with psycopg.connect(postgres_book_url) as server:
        payloads = server.execute("SELECT payload FROM outbox WHERE kind = 'invoice'").fetchall()
    [token] = {json.loads(payload)[RUN_KEY] for (payload,) in payloads}
    wait_for_session_lock(postgres_book_url, RUN_CLASS, token)  # the server saw the kill
    assert {row["status"] for row in alice.log().values()} >= {"pending"}

    bob = connected_desk(tmp_path, empty_sandbox, run_cli, "bob")
    done = bob("sync")
    assert done.code == 0, done.err
    assert invoice_refs(empty_sandbox) == Counter(refs)
    log = bob.log()
    assert {row["status"] for row in log.values()} == {"succeeded"}
    adopted = [row for row in log.values() if "not sent again" in (row["note"] or "")]
    assert adopted  # the held request's orders at least were found in Xero, not sent again
    with psycopg.connect(postgres_book_url) as server:
        open_rows = server.execute(
            "SELECT count(*) FROM outbox WHERE state NOT IN ('done', 'failed', 'abandoned')"
        ).fetchone()
    assert open_rows == (0,)


def test_two_desktops_creating_the_same_customer_and_sku_at_once_make_one_of_each(
    alice: Desk,
    desktops: Callable[[], SyncRunner],
    watch_calls: Callable[[Sandbox], CallWatch],
) -> None:
    refs = ["SO-1", "SO-2", "SO-3", "SO-4"]
    alice.import_rows([line(ref, NEWCO, "N-1") for ref in refs])
    ids = book.order_ids_for_refs(refs)
    # Both look the customer up, then read the price list, before either creates anything.
    meet_at(watch_calls(alice.sandbox), Meeting("GET /Contacts"), Meeting("GET /Items"))
    first, second = desktops(), desktops()

    summaries = at_once(
        partial(first.resolve, [ids["SO-1"], ids["SO-2"]], Action.AUTO_SYNC),
        partial(second.resolve, [ids["SO-3"], ids["SO-4"]], Action.AUTO_SYNC),
    )

    assert [summary.line for summary in summaries] == [
        "synced 2: 2 succeeded, 0 failed, 0 pending"
    ] * 2
    state = alice.xero()
    assert [contact["Name"] for contact in state["contacts"]] == ["Newco Ltd"]
    assert [item["Code"] for item in state["items"]] == ["N-1"]
    assert invoice_refs(alice.sandbox) == Counter(refs)
    assert {row["status"] for row in alice.log().values()} == {"succeeded"}


def test_a_lost_answer_is_left_to_its_run_while_it_is_alive_then_settled_by_another(
    alice: Desk, app: App, postgres_book_url: str
) -> None:
    put_in_xero(alice.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S-1")])
    alice.import_rows([line("SO-1", ACME, "S-1"), line("SO-2", ACME, "S-1")])
    # Another desktop's run sent SO-1 and waits for Xero's answer (its request not kept whole:
    # once that run is gone, the order is looked up, not found, and sent again).
    running = ServerClaims(postgres_book_url)
    running.open()
    try:
        book.outbox_add(
            OutboxKind.INVOICE,
            "xld-invoice-lost",
            "SO-1",
            {"refs": ["SO-1"], RUN_KEY: running.token},
        )
        meanwhile = alice("sync")
        assert meanwhile.code == 0, meanwhile.err
        assert "waiting for Xero's answer" not in meanwhile.err  # not this run's to ask for
        assert "synced 1: 1 succeeded" in meanwhile.out
        log = alice.log()
        assert (log["SO-1"]["status"], log["SO-1"]["note"]) == ("pending", None)
        assert invoice_refs(alice.sandbox) == Counter(["SO-2"])
    finally:
        running.close()
    after = alice("sync")
    assert after.code == 0, after.err
    assert alice.log()["SO-1"]["status"] == "succeeded"
    assert invoice_refs(alice.sandbox) == Counter(["SO-1", "SO-2"])
