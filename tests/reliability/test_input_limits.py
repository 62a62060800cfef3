"""Values the importer refuses today may still sit in an order book written by an older version:
the engine fails such an order with a plain reason before anything of it is sent, and ignores
surrounding spaces as Xero does (never a changed lookup, never a wrong contact)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.store.db import open_database
from xerologdesk.store.models import Customer, LogEntry, Order, Product


@contextmanager
def old_book(desk: Desk) -> Iterator[None]:
    """The order book opened directly, as an older version (or a hand edit) left it."""
    database = open_database(desk.data_dir / "xerologdesk.db")
    try:
        with database.atomic():
            yield
    finally:
        database.close()


def set_customer(current: str, **values: str) -> None:
    """Change a customer's columns (and the log's copies of them)."""
    customer_id = Customer.get(Customer.reference == current).id
    Customer.update(values).where(Customer.id == customer_id).execute()
    copies = {"name": LogEntry.customer_name, "reference": LogEntry.customer_reference}
    changes = {copies[key]: value for key, value in values.items() if key in copies}
    if changes:
        orders = Order.select(Order.id).where(Order.customer == customer_id)
        LogEntry.update(changes).where(LogEntry.order.in_(orders)).execute()


def set_product(current: str, **values: str) -> None:
    Product.update(values).where(Product.sku == current).execute()


def reasons(row: dict[str, Any]) -> list[tuple[str, str]]:
    return [(reason["code"], reason["message"]) for reason in row["reasons"]]


def invalid(problem: str) -> tuple[str, str]:
    return (
        "order_invalid",
        f"This order cannot go to Xero as it is: {problem}. Nothing was sent. Correct it where "
        "it comes from and import it under a new order reference, then Dismiss this one.",
    )


def test_values_xero_cannot_take_fail_the_order_before_any_call(
    desk: Desk, watch_calls: Callable[..., Any]
) -> None:
    desk.import_rows([line(f"SO-{n}", (f"C-{n}", f"Shop {n}"), f"S-{n}") for n in range(1, 6)])
    with old_book(desk):
        set_customer("C-1", name="N" * 256)
        set_customer("C-2", reference="R" * 51)
        set_product("S-3", sku="\U0001f600" * 16)  # 16 characters, 32 as Xero counts them
        set_customer("C-4", name="Shop\x074")
        order = Order.get(Order.ref == "SO-5")
        Order.update(ref="SO-5 ").where(Order.id == order.id).execute()
    watch = watch_calls(desk.sandbox)
    result = desk("sync")
    assert result.code == 3  # orders left failed
    assert result.out.splitlines()[-1] == "synced 5: 0 succeeded, 5 failed, 0 pending"
    assert watch.total() == 0  # nothing sent, not even a lookup
    log = desk.log()
    r_long, s_long = "R" * 39 + "\u2026", "\U0001f600" * 16
    assert reasons(log["SO-1"]) == [
        invalid(
            f"the customer name \u201c{'N' * 39}\u2026\u201d is 256 characters long; "
            "Xero allows at most 255"
        )
    ]
    assert reasons(log["SO-2"]) == [
        invalid(
            f"the customer reference \u201c{r_long}\u201d is 51 characters long; Xero "
            "allows at most 50"
        )
    ]
    assert reasons(log["SO-3"]) == [
        invalid(f"the SKU \u201c{s_long}\u201d is 32 characters long; Xero allows at most 30")
    ]
    assert reasons(log["SO-4"]) == [
        invalid("the customer name \u201cShop\ufffd4\u201d contains a control character (U+0007)")
    ]
    assert reasons(log["SO-5"]) == [
        invalid("the order reference \u201cSO-5\u201d starts or ends with spaces")
    ]


def test_surrounding_spaces_are_ignored_as_xero_ignores_them(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Acme & Co", "C-1"), contact_record("Plain (Bar)")],
        items=[item_record("S-1")],
    )
    desk.settings(auto_create_customers="on")
    desk.import_rows(
        [
            line("SO-1", ("C-1", "Acme & Co"), "S-1"),
            line("SO-2", ("C-2", "Plain (Bar)"), "S-1"),
            line("SO-3", ("C-3", "New Co"), "S-1"),
        ]
    )
    with old_book(desk):
        set_customer("C-1", reference=" C-1 ")
        set_customer("C-2", name="  plain (bar) ")
        set_customer("C-3", reference="C-3  ", name=" New Co")
        set_product("S-1", sku=" s-1 ")
    assert desk("sync").code == 0
    state = desk.xero()
    contacts = {contact["Name"]: contact for contact in state["contacts"]}
    assert sorted(contacts) == ["Acme & Co", "New Co", "Plain (Bar)"]
    assert contacts["New Co"]["AccountNumber"] == "C-3"  # created without the spaces
    contact_of = {inv["Reference"]: inv["Contact"]["ContactID"] for inv in state["invoices"]}
    assert contact_of == {
        "SO-1": contacts["Acme & Co"]["ContactID"],
        "SO-2": contacts["Plain (Bar)"]["ContactID"],
        "SO-3": contacts["New Co"]["ContactID"],
    }
    assert {inv["LineItems"][0]["ItemCode"] for inv in state["invoices"]} == {"S-1"}


def test_auto_sync_refuses_an_item_name_too_long_for_xero_and_creates_the_rest(
    desk: Desk,
) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")])
    desk.settings_for_auto_sync()
    desk.import_rows(
        [line("SO-1", ("C-1", "Acme"), "LONG-1"), line("SO-2", ("C-1", "Acme"), "FINE-1")]
    )
    with old_book(desk):
        set_product("LONG-1", name="P" * 51)
    result = desk("resolve", "--auto-sync", "SO-1", "SO-2")
    assert result.code == 3  # SO-1 is left failed
    log = desk.log()
    assert log["SO-2"]["status"] == "succeeded"
    assert reasons(log["SO-1"]) == [
        invalid(
            f"product \u201cLONG-1\u201d's name \u201c{'P' * 39}\u2026\u201d is 51 characters "
            "long; Xero allows at most 50"
        )
    ]
    assert [item["Code"] for item in desk.xero()["items"]] == ["FINE-1"]
