"""Importing order files: what ends up in the order book and the log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import peewee
import pytest

from tests.store.store_helpers import snapshot
from xerologdesk.store import book, queries
from xerologdesk.store.importer import import_files
from xerologdesk.store.models import Customer, LogEntry, Order, Product
from xerologdesk.store.vocabulary import AttemptAction, OutboxKind, OutboxState, Status

# The order book behaves the same on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_engines

FULL_HEADER = (
    "order_ref,posted_date,currency,customer_reference,customer_name,customer_email,"
    "bill_to_street,bill_to_city,bill_to_region,bill_to_postcode,bill_to_country,"
    "sku,product_name,product_description,taxable,quantity,unit_price"
)
FULL_ROWS = (
    "SO-1,2026-05-01,AUD,C-1,Acme Ltd,buyer@acme.test,1 Main St,Sydney,NSW,2000,Australia,"
    "W-1,Widget,A blue widget,true,2,9.50\n"
    "SO-1,2026-05-01,AUD,C-1,Acme Ltd,buyer@acme.test,1 Main St,Sydney,NSW,2000,Australia,"
    "G-7,Gadget,,false,1.5,3.3333\n"
    'SO-2,2026-05-02,NZD,C-2,"Ben & Jerry\'s ""Best""",,,,,,,W-1,Widget,A blue widget,true,1,9.50\n'
)
AT = datetime(2026, 5, 3, 9, 0, tzinfo=UTC)


def orders_by_ref() -> dict[str, book.OrderData]:
    ids = book.order_ids_for_refs(ref for (ref,) in book.tuples(Order.select(Order.ref)))
    return {order.ref: order for order in book.load_orders(sorted(ids.values()))}


def test_a_csv_file_with_every_column(db: peewee.Database, write: Callable[..., Path]) -> None:
    path = write("orders.csv", FULL_HEADER + "\n" + FULL_ROWS)
    report = import_files([path], "AUD", at=AT)

    assert report.problems == [] and report.conflicts == []
    assert report.imported == 2 and report.files[0].imported == 2
    assert len(report.new_order_ids) == 2
    orders = orders_by_ref()
    first = orders["SO-1"]
    assert first.posted_date == date(2026, 5, 1)
    assert first.currency == "AUD" and first.status == "pending" and first.attempts == 0
    assert first.customer.reference == "C-1" and first.customer.email == "buyer@acme.test"
    assert (first.customer.street, first.customer.city, first.customer.region) == (
        "1 Main St",
        "Sydney",
        "NSW",
    )
    assert (first.customer.postcode, first.customer.country) == ("2000", "Australia")
    assert [(line.line_no, line.sku, line.quantity, line.unit_price) for line in first.lines] == [
        (1, "W-1", Decimal("2"), Decimal("9.50")),
        (2, "G-7", Decimal("1.5"), Decimal("3.3333")),
    ]
    assert [line.taxable for line in first.lines] == [True, False]
    assert first.lines[0].description == "A blue widget"
    assert first.total == Decimal("24.00")  # 19.00 + 5.00 (4.99995 rounded half up)
    assert orders["SO-2"].customer.name == 'Ben & Jerry\'s "Best"'
    assert orders["SO-2"].currency == "NZD"

    rows = {row.order_ref: row for row in queries.page_log(queries.LogFilter())}
    assert rows["SO-1"].status == "pending"
    assert rows["SO-1"].total == Decimal("24.00")
    assert rows["SO-1"].customer_name == "Acme Ltd"
    assert rows["SO-2"].customer_reference == "C-2"
    assert queries.status_counts()["pending"] == 2
    entry = LogEntry.get(LogEntry.order_ref == "SO-1")
    assert entry.created_at == AT
    assert Order.get(Order.ref == "SO-1").source == "orders.csv"


def test_only_the_required_columns_take_the_defaults(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    path = write(
        "orders.csv",
        "order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price\n"
        "SO-1,2026-05-01,C-1,Acme Ltd,W-1,2,9.50\n",
    )
    assert import_files([path], "NZD").imported == 1
    order = orders_by_ref()["SO-1"]
    assert order.currency == "NZD"
    assert order.lines[0].taxable is True
    assert order.lines[0].name == "" and order.customer.email == ""


def test_byte_order_mark_semicolons_and_header_case(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    content = (
        "\ufeffOrder_Ref; POSTED_DATE ;Customer_Reference;Customer_Name;SKU;Quantity;Unit_Price\r\n"
        "SO-1;2026-05-01;C-1;Caf\u00e9, Noir;W-1;2;9.50\r\n"
    )
    path = write("orders.csv", content)
    report = import_files([path], "AUD")
    assert report.problems == []
    assert orders_by_ref()["SO-1"].customer.name == "Caf\u00e9, Noir"


def test_spaces_around_values_are_removed(db: peewee.Database, write: Callable[..., Path]) -> None:
    path = write(
        "orders.csv",
        "order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price\n"
        ' SO-1 , 2026-05-01 ,C-1 ,"  Acme Ltd ",  W-1,2 , 9.50\n',
    )
    assert import_files([path], "AUD").problems == []
    order = orders_by_ref()["SO-1"]
    assert (order.ref, order.customer.reference, order.customer.name) == ("SO-1", "C-1", "Acme Ltd")
    assert order.lines[0].sku == "W-1"


def test_rows_of_one_order_may_be_apart(db: peewee.Database, write: Callable[..., Path]) -> None:
    path = write(
        "orders.csv",
        "order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price\n"
        "SO-1,2026-05-01,C-1,Acme,W-1,1,1\n"
        "SO-2,2026-05-01,C-1,Acme,W-2,1,2\n"
        "\n"
        "SO-1,2026-05-01,C-1,Acme,W-2,3,2\n",
    )
    assert import_files([path], "AUD").imported == 2
    assert [line.sku for line in orders_by_ref()["SO-1"].lines] == ["W-1", "W-2"]


JSON = """{"orders": [
  {"ref": "J-1", "posted_date": "2026-05-01", "currency": "EUR",
   "customer": {"reference": "C-9", "name": "Caf\u00e9 \u05e9\u05dc\u05d5\u05dd \U0001f600",
                "email": "x@cafe.test",
                "bill_to": {"street": "1 Rue", "city": "Paris", "region": "",
                            "postcode": "75001", "country": "France"}},
   "lines": [{"sku": "W-1", "name": "Widget", "description": "Blue", "unit_price": 9.50,
              "taxable": true, "quantity": 2},
             {"sku": "W-3", "unit_price": "0.1", "taxable": false, "quantity": "2.5"}]},
  {"ref": "J-2", "posted_date": "2026-05-02",
   "customer": {"reference": "C-9", "name": "Caf\u00e9 \u05e9\u05dc\u05d5\u05dd \U0001f600"},
   "lines": [{"sku": "W-1", "unit_price": 9.5, "quantity": 1}]}
]}
"""


def test_a_json_file(db: peewee.Database, write: Callable[..., Path]) -> None:
    report = import_files([write("orders.json", JSON)], "AUD")
    assert report.problems == [] and report.imported == 2
    orders = orders_by_ref()
    first = orders["J-1"]
    assert first.currency == "EUR" and orders["J-2"].currency == "AUD"
    assert first.customer.name == "Caf\u00e9 \u05e9\u05dc\u05d5\u05dd \U0001f600"
    assert (first.customer.city, first.customer.postcode) == ("Paris", "75001")
    assert [(line.sku, line.quantity, line.unit_price, line.taxable) for line in first.lines] == [
        ("W-1", Decimal("2"), Decimal("9.50"), True),
        ("W-3", Decimal("2.5"), Decimal("0.10"), False),
    ]
    assert first.total == Decimal("19.25")
    # The second order names the customer without email or address: that is "not given".
    assert orders["J-2"].customer.email == "x@cafe.test"


def test_the_format_is_found_from_the_content_without_a_known_extension(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    json_file = write("export.dat", JSON)
    csv_file = write("export2.dat", FULL_HEADER + "\n" + FULL_ROWS)
    report = import_files([json_file, csv_file], "AUD")
    assert report.problems == []
    assert report.imported == 4


def test_the_same_orders_again_are_skipped_and_counted(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    import_files([write("orders.csv", FULL_HEADER + "\n" + FULL_ROWS)], "AUD")
    before = snapshot(db)
    # The same content spelt differently: quantities and prices with more zeros, spaces.
    again = FULL_ROWS.replace(",2,9.50", ", 2.000 ,9.5000")
    report = import_files([write("again.csv", FULL_HEADER + "\n" + again)], "AUD")
    assert (report.imported, report.skipped_same, report.conflicts) == (0, 2, [])
    assert snapshot(db) == before


def test_a_changed_order_is_a_conflict_and_the_rest_is_imported(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    import_files([write("orders.csv", FULL_HEADER + "\n" + FULL_ROWS)], "AUD")
    changed = FULL_ROWS.replace("G-7,Gadget,,false,1.5", "G-7,Gadget,,false,4")
    extra = (
        "SO-3,2026-05-03,AUD,C-1,Acme Ltd,buyer@acme.test,1 Main St,Sydney,NSW,2000,Australia,"
        "W-1,Widget,A blue widget,true,1,9.50\n"
    )
    path = write("changed.csv", FULL_HEADER + "\n" + changed + extra)
    report = import_files([path], "AUD")

    assert report.problems == []
    assert (report.imported, report.skipped_same) == (1, 1)
    assert [str(conflict) for conflict in report.conflicts] == [
        f"{path}:2: order \u201cSO-1\u201d was already imported with different content "
        "(line 2: \u201cG-7\u201d \u00d7 \u201c1.5\u201d at \u201c3.3333\u201d \u2192 "
        "\u201cG-7\u201d \u00d7 \u201c4\u201d at \u201c3.3333\u201d); it was left as it "
        "was: it has no invoice in Xero, so it can be replaced"
    ]
    orders = orders_by_ref()
    assert orders["SO-1"].lines[1].quantity == Decimal("1.5")  # not overwritten
    assert "SO-3" in orders


def test_a_newer_file_updates_customers_and_products(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    import_files([write("orders.csv", FULL_HEADER + "\n" + FULL_ROWS)], "AUD")
    newer = (
        "SO-5,2026-06-01,AUD,C-1,Acme Pty Ltd,,2 High St,Sydney,NSW,2000,Australia,"
        "W-1,Widget Mk2,,false,1,10.00\n"
    )
    assert import_files([write("newer.csv", FULL_HEADER + "\n" + newer)], "AUD").imported == 1
    customer = Customer.get(Customer.reference == "C-1")
    assert (customer.name, customer.street) == ("Acme Pty Ltd", "2 High St")
    assert customer.email == "buyer@acme.test"  # left empty in the newer file: kept
    product = Product.get(Product.sku == "W-1")
    assert (product.name, product.price, product.taxable) == ("Widget Mk2", Decimal("10.00"), False)
    assert product.description == "A blue widget"
    names = {row.order_ref: row.customer_name for row in queries.page_log(queries.LogFilter())}
    assert names == {
        "SO-1": "Acme Pty Ltd",
        "SO-2": 'Ben & Jerry\'s "Best"',
        "SO-5": "Acme Pty Ltd",
    }
    assert queries.page_log(queries.LogFilter(search="Acme Pty"))[0].order_ref in {"SO-1", "SO-5"}
    assert orders_by_ref()["SO-1"].lines[0].unit_price == Decimal(
        "9.50"
    )  # the order keeps its price


def test_an_old_file_again_changes_nothing(db: peewee.Database, write: Callable[..., Path]) -> None:
    old = write("old.csv", FULL_HEADER + "\n" + FULL_ROWS)
    import_files([old], "AUD")
    newer = FULL_ROWS.replace("SO-1", "SO-8").replace("SO-2", "SO-9").replace("Acme Ltd", "Acme 2")
    import_files([write("newer.csv", FULL_HEADER + "\n" + newer)], "AUD")
    before = snapshot(db)
    report = import_files([old], "AUD")
    assert report.skipped_same == 2
    assert snapshot(db) == before
    assert Customer.get(Customer.reference == "C-1").name == "Acme 2"


def test_each_file_stands_alone(db: peewee.Database, write: Callable[..., Path]) -> None:
    good = write("good.csv", FULL_HEADER + "\n" + FULL_ROWS)
    bad = write(
        "bad.csv",
        FULL_HEADER
        + "\n"
        + FULL_ROWS.replace("SO-1", "SO-3")
        .replace("SO-2", "SO-4")
        .replace("2026-05-02", "tomorrow"),
    )
    also_good = write("good.json", JSON)
    report = import_files([good, bad, also_good], "AUD")
    assert [(f.path.name, f.imported, len(f.problems)) for f in report.files] == [
        ("good.csv", 2, 0),
        ("bad.csv", 0, 1),
        ("good.json", 2, 0),
    ]
    assert sorted(orders_by_ref()) == ["J-1", "J-2", "SO-1", "SO-2"]


@pytest.mark.sqlite_only
def test_a_full_disk_leaves_nothing_half_imported(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    import_files([write("first.csv", FULL_HEADER + "\n" + FULL_ROWS)], "AUD")
    before = snapshot(db)
    pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
    db.execute_sql(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills up mid-import
    rows = [
        f"SO-{n},2026-05-01,AUD,C-{n},Customer {n},,,,,,,W-{n},Widget {n},,true,1,{n}"
        for n in range(10, 3000)
    ]
    path = write("big.csv", FULL_HEADER + "\n" + "\n".join(rows) + "\n")
    report = import_files([path], "AUD")
    assert [str(problem) for problem in report.problems] == [
        f"{path}: nothing was imported: the database could not be written "
        "(database or disk is full)"
    ]
    assert snapshot(db) == before


def test_the_product_s_price_is_its_own_column_or_its_first_line_s(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    header = "order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price"
    rows = "SO-1,2026-05-01,C-1,Acme,W-1,1,4.50\nSO-2,2026-05-01,C-2,Beta,W-1,1,5.00\n"
    assert import_files([write("first.csv", header + "\n" + rows)], "AUD").problems == []
    assert Product.get(Product.sku == "W-1").price == Decimal("4.50")
    orders = orders_by_ref()
    assert [orders[ref].lines[0].unit_price for ref in ("SO-1", "SO-2")] == [
        Decimal("4.50"),
        Decimal("5.00"),
    ]
    # A product_price given on a later line is the product's, whatever its lines cost.
    priced = "SO-3,2026-05-02,C-1,Acme,W-1,1,4.00,\nSO-4,2026-05-02,C-1,Acme,W-1,1,4.25,6.00\n"
    report = import_files([write("priced.csv", f"{header},product_price\n{priced}")], "AUD")
    assert report.problems == [] and report.imported == 2
    assert Product.get(Product.sku == "W-1").price == Decimal("6.00")
    assert orders_by_ref()["SO-4"].lines[0].unit_price == Decimal("4.25")


def test_an_order_whose_invoice_send_has_no_answer_yet_is_never_replaced(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    import_files([write("orders.csv", FULL_HEADER + "\n" + FULL_ROWS)], "AUD")
    send = book.outbox_add(OutboxKind.INVOICE, "xld-invoice-1", "SO-1", {"refs": ["SO-1"]}, at=AT)
    changed = write("changed.csv", FULL_HEADER + "\n" + FULL_ROWS.replace(",1.5,", ",4,"))
    before = snapshot(db)
    report = import_files([changed], "AUD", replace=True)
    assert report.files[0].replaced == []
    [conflict] = report.conflicts
    assert not conflict.replaceable
    assert "an earlier send of its invoice has no answer from Xero yet" in conflict.message
    assert snapshot(db) == before
    # Settled without an invoice (Xero made none), it is replaced, and keeps its history.
    book.outbox_mark(send, OutboxState.ABANDONED, at=AT)
    report = import_files([changed], "AUD", replace=True)
    assert [each.order_ref for each in report.files[0].replaced] == ["SO-1"]
    order = orders_by_ref()["SO-1"]
    assert order.lines[1].quantity == Decimal("4") and order.status == Status.PENDING
    [history] = queries.attempts_for(order.id)
    assert history.action == AttemptAction.REPLACE
    assert history.messages == [
        "Replaced by the content of changed.csv: line 2: \u201cG-7\u201d \u00d7 \u201c1.5\u201d "
        "at \u201c3.3333\u201d \u2192 \u201cG-7\u201d \u00d7 \u201c4\u201d at \u201c3.3333\u201d"
    ]
