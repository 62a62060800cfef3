"""What the sync engine reads from and writes to the order book."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import peewee
import pytest

from tests.store.store_helpers import snapshot
from xerologdesk.store import book, queries
from xerologdesk.store.engines import POSTGRES, engine_of
from xerologdesk.store.importer import import_files
from xerologdesk.store.models import Attempt, Connection, Customer, Product

# The order book behaves the same on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_engines

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
ORDERS = """\
order_ref,posted_date,customer_reference,customer_name,sku,product_name,quantity,unit_price
SO-3,2026-05-03,C-1,Acme Ltd,W-1,Widget,2,9.50
SO-1,2026-05-01,C-2,Beta Pty,W-2,Gadget,1,3.25
SO-1,2026-05-01,C-2,Beta Pty,W-1,Widget,1,9.50
SO-2,2026-05-02,C-1,Acme Ltd,W-3,Thing,4,0.10
"""
NOT_FOUND = [
    {
        "code": "customer_not_found",
        "message": "Customer not found in Xero.",
        "details": {"reference": "C-1"},
    },
    {"code": "product_not_found", "message": "No W-1.", "details": {"sku": "W-1"}},
    {"code": "product_not_found", "message": "No W-3.", "details": {"sku": "W-3"}},
]


@pytest.fixture
def ids(db: peewee.Database, write: Callable[..., Path]) -> dict[str, int]:
    """Three imported orders, by ref."""
    import_files([write("orders.csv", ORDERS)], "AUD")
    return book.order_ids_for_refs(["SO-1", "SO-2", "SO-3"])


def test_pending_orders_come_oldest_first(ids: dict[str, int]) -> None:
    assert book.pending_order_ids() == [ids["SO-1"], ids["SO-2"], ids["SO-3"]]
    assert book.pending_order_ids(limit=2) == [ids["SO-1"], ids["SO-2"]]


def test_refs_to_ids_leave_unknown_refs_out(ids: dict[str, int]) -> None:
    assert book.order_ids_for_refs(["SO-2", "NOPE", "SO-2"]) == {"SO-2": ids["SO-2"]}


def test_orders_load_as_plain_values_in_the_order_asked(ids: dict[str, int]) -> None:
    orders = book.load_orders([ids["SO-3"], 99999, ids["SO-1"]])
    assert [order.ref for order in orders] == ["SO-3", "SO-1"]
    first = orders[1]
    assert first.posted_date == date(2026, 5, 1)
    assert first.customer.name == "Beta Pty" and first.customer.xero_contact_id is None
    assert [(line.line_no, line.sku, line.name) for line in first.lines] == [
        (1, "W-2", "Gadget"),
        (2, "W-1", "Widget"),
    ]
    assert first.lines[1].product_price == Decimal("9.50")
    assert first.total == Decimal("12.75")
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.status = "failed"  # type: ignore[misc]


def test_a_failed_sync_is_recorded_with_its_reasons(ids: dict[str, int]) -> None:
    trace = {"customer": {"steps": ["AccountNumber C-1: none"]}}
    book.record_attempt(
        ids["SO-2"],
        action="sync",
        status="failed",
        reasons=NOT_FOUND,
        trace=trace,
        note=None,
        messages=["Customer not found in Xero."],
        at=T0,
    )
    row = queries.log_row(ids["SO-2"])
    assert row is not None
    assert (row.status, row.attempts, row.last_attempt_at) == ("failed", 1, T0)
    assert row.reasons == NOT_FOUND
    assert row.reason_summary == "customer not found; product not found (W-1, W-3)"
    assert queries.status_counts() == {"pending": 2, "succeeded": 0, "failed": 1, "dismissed": 0}
    [attempt] = queries.attempts_for(ids["SO-2"])
    assert (attempt.action, attempt.outcome, attempt.at) == ("sync", "failed", T0)
    assert attempt.messages == ["Customer not found in Xero."]
    assert attempt.reasons == NOT_FOUND


def test_a_success_stores_the_invoice_and_clears_the_reasons(ids: dict[str, int]) -> None:
    order = ids["SO-1"]
    book.record_attempt(
        order, action="sync", status="failed", reasons=NOT_FOUND, trace=None, note=None, at=T0
    )
    later = T0 + timedelta(minutes=5)
    book.record_attempt(
        order,
        action="retry",
        status="succeeded",
        reasons=[],
        trace={"customer": {"how": "account_number"}},
        note=None,
        invoice_id="inv-guid",
        invoice_number="INV-0042",
        at=later,
    )
    row = queries.log_row(order)
    assert row is not None
    assert (row.status, row.attempts, row.reason_summary, row.reasons) == ("succeeded", 2, "", [])
    assert (row.xero_invoice_id, row.xero_invoice_number) == ("inv-guid", "INV-0042")
    assert [a.action for a in queries.attempts_for(order)] == ["sync", "retry"]


def test_transient_trouble_keeps_the_order_pending_with_a_note(ids: dict[str, int]) -> None:
    note = "Xero was unavailable (503); will retry"
    book.record_attempt(
        ids["SO-1"], action="sync", status="pending", reasons=[], trace=None, note=note, at=T0
    )
    row = queries.log_row(ids["SO-1"])
    assert row is not None
    assert (row.status, row.note, row.attempts) == ("pending", note, 1)
    assert book.pending_order_ids()[0] == ids["SO-1"]


def test_a_bad_record_writes_nothing(db: peewee.Database, ids: dict[str, int]) -> None:
    before = snapshot(db)
    with pytest.raises(KeyError):
        book.record_attempt(
            99999, action="sync", status="failed", reasons=[], trace=None, note=None, at=T0
        )
    with pytest.raises(ValueError, match="status 'lost' is not one of"):
        book.record_attempt(
            ids["SO-1"], action="sync", status="lost", reasons=[], trace=None, note=None, at=T0
        )
    assert snapshot(db) == before


def test_dismiss_only_failed_orders_and_undo_it(ids: dict[str, int]) -> None:
    book.record_attempt(
        ids["SO-2"], action="sync", status="failed", reasons=NOT_FOUND, trace=None, note=None, at=T0
    )
    book.record_attempt(
        ids["SO-1"], action="sync", status="succeeded", reasons=[], trace=None, note=None, at=T0
    )
    changed = book.dismiss([ids["SO-1"], ids["SO-2"]], "  customer closed  ", T0)
    assert changed == [ids["SO-2"]]  # SO-1 succeeded: left alone
    row = queries.log_row(ids["SO-2"])
    assert row is not None
    assert (row.status, row.dismissed_reason, row.dismissed_at) == (
        "dismissed",
        "customer closed",
        T0,
    )
    assert row.reasons == NOT_FOUND and row.attempts == 1  # history kept; not an attempt
    assert queries.status_counts()["dismissed"] == 1
    assert book.dismiss([ids["SO-2"]], "again", T0) == []

    later = T0 + timedelta(hours=1)
    assert book.undo_dismiss([ids["SO-1"], ids["SO-2"]], later) == [ids["SO-2"]]
    row = queries.log_row(ids["SO-2"])
    assert row is not None
    assert (row.status, row.dismissed_reason, row.dismissed_at) == ("failed", None, None)
    history = [(a.action, a.outcome, a.messages) for a in queries.attempts_for(ids["SO-2"])]
    assert history == [
        ("sync", "failed", []),
        ("dismiss", "dismissed", ["customer closed"]),
        ("undo_dismiss", "failed", []),
    ]
    assert queries.status_counts() == {"pending": 1, "succeeded": 1, "failed": 1, "dismissed": 0}


def test_each_action_records_who_did_it_user_and_machine(
    ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "alice")
    monkeypatch.setattr("socket.gethostname", lambda: "desk-2")
    book.record_attempt(
        ids["SO-2"], action="sync", status="failed", reasons=NOT_FOUND, trace=None, note=None, at=T0
    )
    book.dismiss([ids["SO-2"]], "closed", T0 + timedelta(minutes=1))
    monkeypatch.setattr("getpass.getuser", lambda: "bob")
    book.undo_dismiss([ids["SO-2"]], T0 + timedelta(minutes=2))
    history = [(a.action, a.done_by) for a in queries.attempts_for(ids["SO-2"])]
    assert history == [
        ("sync", "alice@desk-2"),
        ("dismiss", "alice@desk-2"),
        ("undo_dismiss", "bob@desk-2"),
    ]
    last = queries.last_attempts([ids["SO-1"], ids["SO-2"]])
    assert list(last) == [ids["SO-2"]]  # SO-1 has no history yet
    assert (last[ids["SO-2"]].action, last[ids["SO-2"]].done_by) == ("undo_dismiss", "bob@desk-2")
    assert last[ids["SO-2"]].at == T0 + timedelta(minutes=2)


def test_a_pending_order_is_dismissed_forgetting_its_waiting_action_and_undone_to_pending(
    ids: dict[str, int],
) -> None:
    book.record_attempt(
        ids["SO-3"], action="auto_sync", status="pending", reasons=[], trace=None, note="503", at=T0
    )
    assert book.load_orders([ids["SO-3"]])[0].pending_action == "auto_sync"
    assert book.dismiss([ids["SO-3"]], "", T0) == [ids["SO-3"]]
    assert book.load_orders([ids["SO-3"]])[0].pending_action is None
    assert book.undo_dismiss([ids["SO-3"]], T0) == [ids["SO-3"]]
    assert book.load_orders([ids["SO-3"]])[0].status == "pending"


def test_contacts_are_remembered_and_forgotten(ids: dict[str, int]) -> None:
    customer_id = book.load_orders([ids["SO-3"]])[0].customer.id
    others = [c.id for c in Customer.select().where(Customer.id != customer_id)]
    assert others
    book.link_contacts({customer_id: "contact-guid"}, T0)
    assert book.load_orders([ids["SO-3"]])[0].customer.xero_contact_id == "contact-guid"
    assert Customer.get_by_id(customer_id).contact_linked_at == T0
    assert all(Customer.get_by_id(other).xero_contact_id is None for other in others)
    book.link_contacts({customer_id: None, **dict.fromkeys(others, "other-guid")}, T0)
    customer = Customer.get_by_id(customer_id)
    assert (customer.xero_contact_id, customer.contact_linked_at) == (None, None)
    assert all(Customer.get_by_id(other).xero_contact_id == "other-guid" for other in others)


def test_stock_on_hand_is_stored(ids: dict[str, int]) -> None:
    line = book.load_orders([ids["SO-3"]])[0].lines[0]
    book.update_stock({line.product_id: Decimal("12.5")}, T0)
    product = Product.get_by_id(line.product_id)
    assert (product.stock_on_hand, product.stock_updated_at) == (Decimal("12.5"), T0)


def test_the_outbox_keeps_sends_until_they_have_an_answer(db: peewee.Database) -> None:
    first = book.outbox_add("invoice", "key-1", "SO-1", {"refs": ["SO-1"]}, at=T0)
    second = book.outbox_add("contact", "key-2", "C-1", {"refs": ["C-1"]})
    third = book.outbox_add("item", "key-3", "W-1", {"refs": ["W-1"]})
    book.outbox_mark(second, "done", xero_id="contact-guid", response={"ok": ["C-1"]}, at=T0)
    book.outbox_mark(third, "unknown", at=T0)
    unfinished = book.outbox_unfinished()
    assert [(row.id, row.state) for row in unfinished] == [(first, "pending"), (third, "unknown")]
    assert unfinished[0].payload == {"refs": ["SO-1"]}
    assert unfinished[0].created_at == T0 and unfinished[0].natural_key == "SO-1"
    book.outbox_mark(first, "abandoned", response={"adopted": []}, at=T0)
    book.outbox_mark(third, "failed", response={"error": "400"}, at=T0)
    assert book.outbox_unfinished() == []
    with pytest.raises(peewee.IntegrityError):
        book.outbox_add("invoice", "key-1", "SO-1", {})
    with pytest.raises(ValueError, match="outbox state 'lost'"):
        book.outbox_mark(first, "lost", at=T0)
    with pytest.raises(ValueError, match="outbox kind 'payment'"):
        book.outbox_add("payment", "key-9", "", {})


def test_one_connection_at_a_time_and_never_a_token(db: peewee.Database) -> None:
    assert book.get_connection() is None
    book.save_connection(
        kind="sandbox",
        base_url="http://127.0.0.1:8123",
        tenant_id="t-1",
        tenant_name="Demo Company",
        connection_id="c-1",
        client_id="xerologdesk",
        at=T0,
    )
    other = {"base_url": "https://api.xero.com", "tenant_id": "t-2", "tenant_name": "Real Co"}
    if engine_of(db) is POSTGRES:
        # A team's log keeps its organisation: another is refused until it is disconnected.
        with pytest.raises(book.OtherOrganisation, match="Demo Company"):
            book.save_connection(kind="xero", at=T0, **other)
        assert book.get_connection() is not None
        book.clear_connection()
    saved = book.save_connection(kind="xero", at=T0, **other)
    assert saved == book.get_connection()
    assert (saved.kind, saved.tenant_name, saved.connected_at) == ("xero", "Real Co", T0)
    assert Connection.select().count() == 1
    book.mark_connection_refreshed(T0 + timedelta(minutes=30))
    connection = book.get_connection()
    assert connection is not None and connection.last_refreshed_at == T0 + timedelta(minutes=30)
    columns = {field.name for field in Connection._meta.sorted_fields}
    assert not {name for name in columns if "token" in name or "secret" in name}
    book.clear_connection()
    assert book.get_connection() is None


def test_attempts_rows_are_removed_with_their_order(
    db: peewee.Database, ids: dict[str, int]
) -> None:
    book.record_attempt(
        ids["SO-1"], action="sync", status="failed", reasons=[], trace=None, note=None, at=T0
    )
    db.execute_sql(engine_of(db).marks("DELETE FROM sales_order WHERE id = ?"), (ids["SO-1"],))
    assert Attempt.select().count() == 0
    assert queries.log_row(ids["SO-1"]) is None
