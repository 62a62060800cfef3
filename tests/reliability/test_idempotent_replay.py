"""A lost invoice send is replayed with its own Idempotency-Key and body while Xero keeps the key,
over real HTTP against the sandbox: a send Xero is still processing (a ``hold`` fault) becomes one
invoice, never two, a replayed refusal stands and an invoice deleted since is not taken for the
order; past Xero's 6 minutes the lost send is looked up by Reference and, not found, sent again
as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.reliability.test_runner_retries import Waits, invoices, run, with_acme
from tests.support.call_watch import CallWatch
from tests.support.desks import Desk, line
from xerologdesk.app import READ_TIMEOUT_ENV, open_app
from xerologdesk.sandbox import Sandbox, idempotency
from xerologdesk.store import book
from xerologdesk.sync.backoff import NO_RETRIES
from xerologdesk.sync.engine import utc_now
from xerologdesk.sync.outbox import REPLAYED_NOTE

pytestmark = pytest.mark.timeout(120)

# Seconds the client waits for an answer: the held send's timeouts cost this, not a second each.
QUICK_READ_TIMEOUT = "0.25"
HOLD = {"script": [{"method": "PUT", "resource": "/Invoices", "status": "hold"}]}


@pytest.fixture
def held_send(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> Desk:
    """SO-1 sent once and never answered: Xero (the sandbox) is still processing the send.

    The run ends at that trouble (no retries), as when the app is closed or the network lost.
    Its read timeout is a quarter of a second, so the send and both its replays time out
    quickly; every other call is answered well within it.
    """
    monkeypatch.setenv(READ_TIMEOUT_ENV, QUICK_READ_TIMEOUT)
    with_acme(desk, "SO-1")
    desk.sandbox.set_faults(HOLD)
    first = run(desk, Waits(), NO_RETRIES)
    assert "no answer in time" in first.stopped
    assert desk.log()["SO-1"]["status"] == "pending"
    state = desk.xero()
    assert (state["held_calls"], state["invoices"]) == (1, [])
    assert state["calls"]["PUT /Invoices"] == 3  # the send and its two replays, one key
    return desk


def test_a_send_that_commits_after_the_next_runs_lookup_becomes_one_invoice(
    held_send: Desk, watch_calls: Callable[[Sandbox], CallWatch]
) -> None:
    desk = held_send
    seen: list[str] = []

    def commit_once_looked_up(method: str, resource: str) -> None:
        seen.append(f"{method} {resource}")
        if seen == ["GET /Invoices", "PUT /Invoices"]:
            # The lookup found nothing; Xero finishes the first send as the next call arrives.
            desk.sandbox.release_held()

    watch_calls(desk.sandbox).on_call = commit_once_looked_up
    second = run(desk, Waits())
    assert second.stopped == ""
    assert seen == ["GET /Invoices", "PUT /Invoices"]  # looked up, then replayed; nothing new
    [invoice] = desk.xero()["invoices"]
    row = desk.log()["SO-1"]
    assert row["status"] == "succeeded"
    assert row["xero_invoice_id"] == invoice["InvoiceID"]
    [result] = second.results
    assert (result.status, result.note) == ("succeeded", REPLAYED_NOTE)


def test_while_a_replay_gets_no_answer_the_order_waits_and_nothing_is_sent_anew(
    held_send: Desk,
) -> None:
    desk = held_send
    second = run(desk, Waits(), NO_RETRIES)
    # The run goes on without it (nothing else to do here) and names what it waits for.
    assert (second.stopped, second.waiting_on) == ("", ["SO-1"])
    row = desk.log()["SO-1"]
    assert row["status"] == "pending"
    assert "has no answer from Xero yet" in row["note"]
    state = desk.xero()
    assert state["invoices"] == []
    assert state["calls"]["PUT /Invoices"] == 4  # only the replay: never a send under a new key
    assert desk.sandbox.release_held() == 1  # Xero finishes the first send at last
    third = run(desk, Waits())
    assert third.stopped == ""
    assert desk.log()["SO-1"]["status"] == "succeeded"
    assert invoices(desk) == ["SO-1"]
    assert desk.xero()["calls"]["PUT /Invoices"] == 4


def test_past_xeros_six_minutes_a_lost_send_not_found_is_sent_again(held_send: Desk) -> None:
    desk = held_send
    later = 7 * 60  # Xero has forgotten the key: a replay would be a new request anyway
    desk.sandbox.advance_clock(later)
    second = run(desk, Waits(), now=lambda: utc_now() + timedelta(seconds=later))
    assert second.stopped == ""
    assert desk.log()["SO-1"]["status"] == "succeeded"
    assert invoices(desk) == ["SO-1"]
    calls = desk.xero()["calls"]
    # Looked up by Reference before each send (the first run's, then the new one) and by the
    # reconcile of the lost answer in between.
    assert calls["GET /Invoices"] == 3
    assert calls["PUT /Invoices"] == 4  # then sent once more, under a new key


def test_a_replayed_refusal_fails_the_order_with_xeros_words(desk: Desk) -> None:
    with_acme(desk, "SO-1")
    # No such account in the organisation (the command line refuses it while connected).
    desk.settings_set_offline(default_sales_account="999")
    # Xero refuses the invoice, but every answer is lost.
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Invoices", "status": "drop", "times": 3}]}
    )
    first = run(desk, Waits(), NO_RETRIES)
    assert first.stopped != ""
    assert desk.log()["SO-1"]["status"] == "pending"
    # Fixed meanwhile: the lost send still asked for account 999, and Xero's answer to it stands.
    desk.settings(default_sales_account="200")
    second = run(desk, Waits())
    assert second.stopped == ""
    row = desk.log()["SO-1"]
    assert row["status"] == "failed"
    [reason] = row["reasons"]
    assert reason["code"] == "xero_rejected"
    assert reason["message"].endswith(
        ": Account code '999' is not a valid code for this document. Check \u201cDefault sales "
        "account\u201d (default_sales_account) in Settings against the organisation's accounts, "
        "then Retry."
    )
    state = desk.xero()
    assert state["invoices"] == []
    assert state["calls"]["PUT /Invoices"] == 4  # the replay: the same key and body
    # Retrying is a new request, with the setting as it is now.
    assert desk("resolve", "--retry", "SO-1").code == 0
    assert desk.log()["SO-1"]["status"] == "succeeded"
    [invoice] = desk.xero()["invoices"]
    assert invoice["LineItems"][0]["AccountCode"] == "200"


def test_an_invoice_deleted_in_xero_since_the_lost_send_is_not_taken_for_the_order(
    desk: Desk,
) -> None:
    with_acme(desk, "SO-1")
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Invoices", "status": "drop", "times": 3}]}
    )
    run(desk, Waits(), NO_RETRIES)
    # Someone deletes the draft the lost send made, before the next run.
    ledger = desk.sandbox.ledger()
    with ledger.lock:
        [made] = ledger.invoices
        ledger.invoices.put({**made, "Status": "DELETED"})
    second = run(desk, Waits())
    assert second.stopped == ""
    row = desk.log()["SO-1"]
    assert row["status"] == "succeeded"
    live = [each for each in desk.xero()["invoices"] if each["Status"] != "DELETED"]
    assert [each["InvoiceID"] for each in live] == [row["xero_invoice_id"]]
    assert row["xero_invoice_id"] != made["InvoiceID"]


def after_first(watch: CallWatch, sandbox: Sandbox, call: str, faults: dict[str, Any]) -> None:
    """Put ``faults`` in force once the first ``call`` ("PUT /Invoices") reaches Xero: from the
    next call on, that one being decided already."""
    armed = [True]

    def arm(method: str, resource: str) -> None:
        if armed and f"{method} {resource}" == call:
            armed.clear()
            sandbox.set_faults(faults)

    watch.on_call = arm


def unanswered_sends(desk: Desk) -> list[list[str]]:
    """The orders of each invoice request still waiting for Xero's answer (the outbox)."""
    app = open_app(desk.data_dir, log=False)
    try:
        return [row.payload["refs"] for row in book.outbox_unfinished() if row.kind == "invoice"]
    finally:
        app.close()


def test_an_order_found_counts_in_the_run_when_a_replay_then_meets_a_dead_connection(
    held_send: Desk,
    watch_calls: Callable[[Sandbox], CallWatch],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk = held_send  # SO-1's send is still under way in Xero, unanswered
    desk.import_rows([line("SO-2", ("C-1", "Acme"), "S-1")])
    # SO-1's replay gets Xero's 409 at once (its send still under way: nothing settles), then
    # SO-2's send takes effect and every answer to it is lost.
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0)
    watch = watch_calls(desk.sandbox)
    lost = {"method": "PUT", "resource": "/Invoices", "status": "drop", "times": 3}
    after_first(watch, desk.sandbox, "PUT /Invoices", {"script": [lost]})
    second = run(desk, Waits(), NO_RETRIES)
    assert second.stopped != ""
    assert invoices(desk) == ["SO-2"]
    assert {ref: row["status"] for ref, row in desk.log().items()} == {
        "SO-1": "pending",
        "SO-2": "pending",
    }
    # The next run finds SO-2; as SO-1's replay goes out, the organisation is disconnected:
    # Xero refuses the app every call (403), as for an organisation no longer connected.
    after_first(watch, desk.sandbox, "GET /Invoices", {"script": [{"status": 403, "times": 99}]})
    third = run(desk, Waits())
    assert third.reconnect and "may have been disconnected" in third.stopped
    assert third.line == "synced 1: 1 succeeded, 0 failed, 0 pending"
    [found] = third.results
    assert (found.order_ref, found.status) == ("SO-2", "succeeded")
    assert found.note.startswith("Found in Xero after an earlier send whose answer was lost")
    rows = desk.log()
    assert rows["SO-2"]["status"] == "succeeded"
    assert rows["SO-2"]["xero_invoice_id"] == desk.xero()["invoices"][0]["InvoiceID"]
    assert rows["SO-1"]["status"] == "pending"
    # SO-1's send stays open, its answer still to be asked for: never sent under a new key.
    assert unanswered_sends(desk) == [["SO-1"]]
    state = desk.xero()
    assert (state["held_calls"], invoices(desk)) == (1, ["SO-2"])
