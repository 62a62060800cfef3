"""Never stuck: an Auto Sync's intent survives transient trouble, a poisoned order cannot hold
the others, a lost answer that cannot be settled does not stop new orders, and a pending order
can be dismissed. Real command, real HTTP, the sandbox's fault script."""

from __future__ import annotations

from datetime import date

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.app import open_app
from xerologdesk.store import book
from xerologdesk.store.models import LogEntry, Order


def codes(row: dict[str, object]) -> list[str]:
    return [reason["code"] for reason in row["reasons"]]  # type: ignore[attr-defined]


def test_an_auto_sync_stopped_by_503s_is_carried_out_by_the_next_sync(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")])
    desk.settings_for_auto_sync()
    desk.import_rows(
        [line("SO-1", ("C-1", "Acme"), "NEW-1"), line("SO-2", ("C-1", "Acme"), "NEW-1")]
    )
    desk("sync")
    assert {ref: codes(row) for ref, row in desk.log().items()} == {
        "SO-1": ["product_not_found"],
        "SO-2": ["product_not_found"],
    }
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Items", "status": 503, "times": 10}]}
    )
    stopped = desk("resolve", "--auto-sync", "SO-1", "SO-2")
    assert stopped.code != 0 and "503" in stopped.err
    log = desk.log()
    assert {row["status"] for row in log.values()} == {"pending"}
    # The log says what the pending orders wait for.
    assert {row["pending_action"] for row in log.values()} == {"auto_sync"}
    listing = desk("log").out
    assert listing.count("Auto Sync waiting to try again") == 2
    desk.sandbox.set_faults({})
    synced = desk("sync")
    assert synced.code == 0, synced.err
    log = desk.log()
    assert {row["status"] for row in log.values()} == {"succeeded"}
    assert {row["pending_action"] for row in log.values()} == {None}
    state = desk.xero()
    assert [item["Code"] for item in state["items"]] == ["NEW-1"]
    assert sorted(invoice["Reference"] for invoice in state["invoices"]) == ["SO-1", "SO-2"]


def acme_orders(desk: Desk, refs: list[str], **extra: str) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S-1")])
    desk.import_rows([line(ref, ("C-1", "Acme"), "S-1", **extra) for ref in refs])


def invoice_refs(desk: Desk) -> list[str]:
    return sorted(invoice["Reference"] for invoice in desk.xero()["invoices"])


def test_a_date_xero_cannot_take_is_refused_at_import_with_the_range(desk: Desk) -> None:
    path = desk.folder / "far.csv"
    path.write_text(
        "order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price\n"
        "SO-1,2026-11-02,C-1,Acme,S-1,1,10.00\n"
        "SO-2,9999-12-31,C-1,Acme,S-1,1,10.00\n",
        encoding="utf-8",
    )
    result = desk("import", str(path))
    assert result.code != 0
    assert (
        "far.csv:3: posted_date \u201c9999-12-31\u201d is outside the dates Xero can take "
        "(1900-01-01 to 2999-12-31)"
    ) in result.err
    assert desk.log() == {}  # nothing half-written


def put_posted_date(desk: Desk, ref: str, day: date) -> None:
    """What an older xerologdesk let in, before imports refused such dates."""
    app = open_app(desk.data_dir, log=False)
    try:
        order_id = book.order_ids_for_refs([ref])[ref]
        Order.update(posted_date=day).where(Order.id == order_id).execute()
        LogEntry.update(posted_date=day).where(LogEntry.order == order_id).execute()
    finally:
        app.close()


REFS = [f"SO-{number:02}" for number in range(1, 23)]


def test_a_far_future_date_already_in_the_book_fails_alone_with_xeros_reason(desk: Desk) -> None:
    acme_orders(desk, REFS)
    put_posted_date(desk, "SO-09", date(9999, 12, 31))
    synced = desk("sync")
    assert "synced 22: 21 succeeded, 1 failed, 0 pending" in synced.out, synced.err
    row = desk.log()["SO-09"]
    assert row["status"] == "failed"
    assert "DueDate cannot be worked out: 30 days after 9999-12-31" in row["reasons"][0]["message"]
    assert invoice_refs(desk) == [ref for ref in REFS if ref != "SO-09"]


def test_one_order_xero_keeps_failing_on_cannot_hold_the_others(desk: Desk) -> None:
    acme_orders(desk, REFS)
    # Xero's internal error on any invoice request that holds SO-07, however often it is sent.
    desk.sandbox.set_faults(
        {
            "script": [
                {
                    "method": "PUT",
                    "resource": "/Invoices",
                    "status": 500,
                    "contains": "SO-07",
                    "times": 1000,
                }
            ]
        }
    )
    synced = desk("sync")
    assert "synced 22: 21 succeeded, 0 failed, 1 pending" in synced.out, synced.err
    assert "Xero kept failing on SO-07 alone" in synced.err
    assert synced.code != 0  # one order still needs attention
    log = desk.log()
    assert log["SO-07"]["status"] == "pending"
    assert "Xero failed on this order alone" in log["SO-07"]["note"]
    assert invoice_refs(desk) == [ref for ref in REFS if ref != "SO-07"]
    # When Xero takes it at last, the next sync sends it, and nothing twice.
    desk.sandbox.set_faults({})
    assert desk("sync").code == 0
    assert invoice_refs(desk) == REFS


def lost_answer_never_looked_up(desk: Desk) -> None:
    """LOST-1 to sync, whose send lands with every answer lost, and whose every look-up after
    the one before its send Xero fails (503): reconciling it cannot finish."""
    acme_orders(desk, ["LOST-1"])
    lookups = {"method": "GET", "resource": "/Invoices", "contains": "LOST-1"}
    desk.sandbox.set_faults(
        {
            "script": [
                {"method": "PUT", "resource": "/Invoices", "status": "drop", "times": 3},
                {**lookups, "status": "pass", "times": 1},  # the duplicate guard's, before it
                {**lookups, "status": 503, "times": 1000},
            ]
        }
    )


def test_a_lost_answer_that_cannot_be_settled_does_not_stop_new_orders(desk: Desk) -> None:
    lost_answer_never_looked_up(desk)
    first = desk("sync")
    assert "waiting for Xero's answer to an earlier send of LOST-1" in first.err
    desk.import_rows(
        [line(ref, ("C-1", "Acme"), "S-1") for ref in ("NEW-1", "NEW-2")], name="new.csv"
    )
    second = desk("sync")
    # The new orders go in the same run; the one waiting is named, and never sent again.
    assert "synced 2: 2 succeeded, 0 failed, 0 pending" in second.out, second.err
    assert "waiting for Xero's answer to an earlier send of LOST-1" in second.err
    log = desk.log()
    assert (log["NEW-1"]["status"], log["NEW-2"]["status"]) == ("succeeded", "succeeded")
    assert log["LOST-1"]["status"] == "pending"
    assert "has no answer from Xero yet" in log["LOST-1"]["note"]
    assert invoice_refs(desk) == ["LOST-1", "NEW-1", "NEW-2"]
    assert desk.xero()["calls"]["PUT /Invoices"] == 4  # LOST-1's send and replays, then NEW-*
    # Once Xero answers look-ups again, LOST-1's invoice is found and adopted: not sent twice.
    desk.sandbox.set_faults({})
    assert desk("sync").code == 0
    assert desk.log()["LOST-1"]["status"] == "succeeded"
    assert invoice_refs(desk) == ["LOST-1", "NEW-1", "NEW-2"]


def test_a_pending_order_can_be_dismissed_and_undone(desk: Desk) -> None:
    acme_orders(desk, ["SO-1", "SO-2"])
    poison = {"method": "PUT", "resource": "/Invoices", "status": 500, "contains": "SO-1"}
    desk.sandbox.set_faults({"script": [{**poison, "times": 1000}]})
    desk("sync")
    assert desk.log()["SO-1"]["status"] == "pending"
    dismissed = desk("resolve", "--dismiss", "--reason", "invoiced by hand", "SO-1", "SO-2")
    assert dismissed.out.splitlines() == [
        "SO-1: dismissed",
        "SO-2: unchanged (it is not failed or pending)",
    ]
    assert desk.log()["SO-1"]["status"] == "dismissed"
    desk.sandbox.set_faults({})
    assert desk("sync").out.strip() == "synced 0: 0 succeeded, 0 failed, 0 pending"
    assert invoice_refs(desk) == ["SO-2"]  # a dismissed order is not sent
    assert desk("resolve", "--undo-dismiss", "SO-1").out.strip() == "SO-1: back to pending"
    desk("sync")
    assert invoice_refs(desk) == ["SO-1", "SO-2"]


def test_dismissing_an_order_whose_send_is_unanswered_keeps_the_invoice_xero_made(
    desk: Desk,
) -> None:
    lost_answer_never_looked_up(desk)
    desk("sync")
    dismissed = desk("resolve", "--dismiss", "LOST-1")
    assert dismissed.out.startswith(
        "LOST-1: Dismissed, but an earlier send of it still has no answer from Xero"
    )
    desk.sandbox.set_faults({})
    desk("sync")
    # Xero had made it: the order shows it, and nothing was sent again.
    row = desk.log()["LOST-1"]
    assert row["status"] == "succeeded"
    [invoice] = desk.xero()["invoices"]
    assert row["xero_invoice_id"] == invoice["InvoiceID"]
    assert desk.xero()["calls"]["PUT /Invoices"] == 3


def test_when_xero_fails_every_request_splitting_still_ends_the_run(desk: Desk) -> None:
    acme_orders(desk, REFS)
    every = {"method": "PUT", "resource": "/Invoices", "status": 500, "times": 1000}
    desk.sandbox.set_faults({"script": [every]})
    synced = desk("sync")
    assert synced.code != 0
    assert "(6 tries in a row failed)" in synced.err
    assert "synced 22: 0 succeeded, 0 failed, 22 pending" in synced.out
    assert "kept failing on" not in synced.err  # an outage holds no order back as its culprit
    assert desk.xero()["calls"]["PUT /Invoices"] == 6  # as many tries as without splitting
