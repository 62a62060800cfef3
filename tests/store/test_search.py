"""Log search on a log big enough for every plan: the ids of a narrow search, the row-by-row
test of a broad one and the read-every-match count must all find exactly the orders a plain
case-insensitive substring test finds, in the same order."""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import peewee
import psycopg
import pytest

from xerologdesk.store import book, queries
from xerologdesk.store import db as store_db
from xerologdesk.store.db import open_database, open_server, schema_version, search_index_ready
from xerologdesk.store.engines import NAME_TABLE, POSTGRES, current
from xerologdesk.store.folding import fold_accents_or_null
from xerologdesk.store.importer import import_files
from xerologdesk.store.queries import LogFilter, count_log, count_log_at_most, page_log
from xerologdesk.store.search import folds_accents, matching, search_ids

HEADER = "order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price\n"
CUSTOMERS = [
    ("BAKE-01", "Bondi Bakery"),
    ("BAKE-02", "Glebe Bakery & Co"),
    ("CAFE-01", "Caf\u00e9 \u00c9toile"),
    ("CAFE-02", "Cafe Marco"),
    ("DELI-01", "Smith's Deli (Wholesale)"),
    ("GROC-50%", "Newtown 50% Grocer"),
]
SKUS = ["SKU-00001", "SKU-00012", "SKU-01234", "BEAN_1KG", "CR\u00c8ME-500"]


@dataclass(frozen=True)
class Order:
    ref: str
    posted: str
    reference: str
    name: str
    skus: tuple[str, ...]

    def matches(self, text: str) -> bool:
        """The oracle: a substring of the ref, name, reference or a SKU, case folded as the
        search folds it (the trigram index: all letters; the LIKE fallback: A to Z)."""
        fold = _fold if folds_accents() else _ascii_lower
        text = fold(text.strip())
        values = (self.ref, self.name, self.reference, *self.skus)
        return any(text in fold(value) for value in values)


def _fold(text: str) -> str:
    """Case and accents folded ("Café" as "cafe"), as the trigram search folds them."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _ascii_lower(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


def generated_orders(count: int = 240) -> list[Order]:
    orders = []
    for n in range(1, count + 1):
        reference, name = CUSTOMERS[n % len(CUSTOMERS)]
        skus = tuple(dict.fromkeys(SKUS[(n * k) % len(SKUS)] for k in (1, 3) if n % (k + 1)))
        orders.append(
            Order(
                f"SO-{n:04d}",
                f"2026-0{1 + n % 9}-{1 + n % 27:02d}",
                reference,
                name,
                skus or ("BEAN_1KG",),
            )
        )
    return orders


def _csv(orders: list[Order]) -> str:
    lines = [HEADER]
    for order in orders:
        for sku in order.skus:
            name = f'"{order.name}"' if "," in order.name else order.name
            lines.append(f"{order.ref},{order.posted},{order.reference},{name},{sku},1,2.50\n")
    return "".join(lines)


@pytest.fixture(params=["trigram", "like", "postgresql"])
def orders(
    request: pytest.FixtureRequest,
    db_path: Path,
    write: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[list[Order]]:
    """The generated orders in an order book, searched with the trigram indexes or LIKE; or
    on PostgreSQL."""
    if request.param == "like":
        monkeypatch.setattr(store_db, "trigram_available", lambda: False)
    generated = generated_orders()
    if request.param == "postgresql":
        database: peewee.Database = open_server(request.getfixturevalue("postgres_book_url"))
    else:
        database = open_database(db_path)
    report = import_files([write("orders.csv", _csv(generated))], "AUD")
    assert report.imported == len(generated)
    assert search_index_ready() is (request.param == "trigram")
    yield generated
    database.close()


SEARCHES = [
    "SO-",  # every order
    "bakery",  # a third of them, any case
    "SKU-0",  # a prefix every SKU shares: most orders, through their lines
    "sku-01234",  # one product
    "SO-0123",  # one order
    "\u00e9toile",  # accented, folded
    "cafe",  # "Café Étoile" and "Cafe Marco": accents folded away
    "CAFÉ ÉTOILE",  # the query's own accents and case folded too
    "50%",  # a LIKE wildcard is plain text
    "BEAN_",
    "cr\u00e8me",
    "nobody has this",
]


def _expected(orders: list[Order], text: str) -> list[str]:
    """Refs of the matching orders, newest posted first, ties by order (as the log sorts)."""
    numbered = list(enumerate(orders, start=1))
    chosen = [
        (order.posted, number, order.ref) for number, order in numbered if order.matches(text)
    ]
    return [ref for _, _, ref in sorted(chosen, reverse=True)]


def _refs(log_filter: LogFilter, limit: int | None = None) -> list[str]:
    rows = page_log(log_filter, "posted_date", True, 0, limit)
    return [row.order_ref for row in rows]


@pytest.mark.parametrize("text", SEARCHES)
def test_every_plan_finds_what_a_substring_test_finds(
    orders: list[Order], text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _expected(orders, text)
    log_filter = LogFilter(search=text)
    narrow = (_refs(log_filter), _refs(log_filter, 25), count_log(log_filter))
    # With a probe of one order every search but the empty one is broad: read row by row in
    # the sort order (pages) and by reading every match first (the exact count).
    monkeypatch.setattr(queries, "SEARCH_PROBE", 1)
    broad = (_refs(log_filter), _refs(log_filter, 25), count_log(log_filter))
    assert narrow == broad == (expected, expected[:25], len(expected))


def test_a_status_narrows_a_broad_search(
    orders: list[Order], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "SEARCH_PROBE", 1)  # every search read as broad
    failed = [orders[n] for n in range(0, 60, 7)]
    expected = sorted(order.ref for order in failed if order.matches("bakery"))
    assert 0 < len(expected) < len(failed)  # the search must narrow the failed ones down
    ids = book.order_ids_for_refs([order.ref for order in failed])
    store_db.database.execute_sql(
        current().marks(
            f"UPDATE log_entry SET status = 'failed' WHERE order_id IN ({','.join('?' * len(ids))})"
        ),
        list(ids.values()),
    )
    log_filter = LogFilter(status="failed", search="bakery")
    assert sorted(_refs(log_filter)) == expected
    assert sorted(_refs(log_filter, 2)) == sorted(_refs(log_filter)[:2])
    assert count_log(log_filter) == len(expected)


def test_a_narrow_search_is_counted_from_its_matches_unless_more_narrows_it(
    orders: list[Order],
) -> None:
    bakeries = _expected(orders, "bakery")
    assert count_log_at_most(LogFilter(search="bakery"), len(bakeries)) == len(bakeries)
    assert count_log_at_most(LogFilter(search="bakery"), len(bakeries) - 1) is None
    # A status or a date narrows the matches further: counted from the rows, not the matches.
    failed = book.order_ids_for_refs([order.ref for order in orders[:20]])
    store_db.database.execute_sql(
        current().marks(
            "UPDATE log_entry SET status = 'failed' WHERE order_id IN "
            f"({','.join('?' * len(failed))})"
        ),
        list(failed.values()),
    )
    middle = sorted(order.posted for order in orders)[len(orders) // 2]
    for narrower in (
        LogFilter(search="bakery", status="failed"),
        LogFilter(search="bakery", date_from=date.fromisoformat(middle)),
    ):
        assert count_log_at_most(narrower, 10_000) == count_log(narrower) < len(bakeries)


def test_search_ids_lists_a_narrow_search_and_gives_up_on_a_broad_one(
    orders: list[Order],
) -> None:
    one = search_ids("SO-0123", 10)
    assert one is not None and len(one) == 1
    bakeries = [o for o in orders if o.matches("bakery")]
    assert search_ids("bakery", len(bakeries)) is not None
    assert len(search_ids("bakery", len(bakeries)) or []) == len(bakeries)
    assert search_ids("bakery", len(bakeries) - 1) is None


def test_a_count_is_quick_or_left_for_later(
    orders: list[Order], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert count_log_at_most(LogFilter(search="SO-0123"), 100) == 1
    one_product = len(_expected(orders, "SKU-01234"))
    assert count_log_at_most(LogFilter(search="SKU-01234"), 1000) == one_product
    assert count_log_at_most(LogFilter(search="SKU-01234"), one_product - 1) is None
    # Broader than the probe: not counted on the caller's thread at all.
    monkeypatch.setattr(queries, "SEARCH_PROBE", 100)
    assert count_log_at_most(LogFilter(search="SO-"), 10_000) is None
    assert count_log_at_most(LogFilter(status="pending"), 10_000) == len(orders)


def test_a_search_sees_a_commit_from_another_connection(
    orders: list[Order], db_path: Path, write: Callable[..., Path]
) -> None:
    assert search_ids("Zanzibar", 10) == []
    rename = "UPDATE log_entry SET customer_name = 'Zanzibar Foods' WHERE order_ref = 'SO-0007'"
    if current() is POSTGRES:  # another desktop on the same server
        with psycopg.connect(store_db.database.obj.database) as other:
            other.execute(rename)
    else:
        other = sqlite3.connect(db_path)
        # Another process of the app: its connection has the fold the index's triggers call.
        other.create_function(store_db.FOLD_FUNCTION, 1, fold_accents_or_null)
        other.execute(rename)
        other.commit()
        other.close()
    found = search_ids("Zanzibar", 10)
    assert found is not None and len(found) == 1
    assert _refs(LogFilter(search="zanzibar")) == ["SO-0007"]


def test_a_name_holding_every_third_letters_of_a_search_is_not_found_by_it(
    orders: list[Order],
) -> None:
    # "Bondi Hi Bakery" holds "bon", "di ", "bak" and "ery" (every third trigram of "Bondi
    # Bakery" and its last), which SQLite's narrow search reads first: its row tells it apart.
    store_db.database.execute_sql(
        "UPDATE log_entry SET customer_name = 'Bondi Hi Bakery' WHERE order_ref = 'SO-0007'"
    )
    expected = [ref for ref in _expected(orders, "Bondi Bakery") if ref != "SO-0007"]
    assert _refs(LogFilter(search="bondi bakery")) == expected
    assert count_log_at_most(LogFilter(search="Bondi Bakery"), 1000) == len(expected)
    assert _refs(LogFilter(search="bondi hi bakery")) == ["SO-0007"]


def test_an_invoice_number_finds_its_order_once_xero_gave_it(orders: list[Order]) -> None:
    assert _refs(LogFilter(search="INV-0016")) == []
    store_db.database.execute_sql(
        "UPDATE log_entry SET xero_invoice_number = 'INV-0016' WHERE order_ref = 'SO-0042'"
    )
    assert _refs(LogFilter(search="inv-0016")) == ["SO-0042"]
    assert count_log(LogFilter(search="INV-0016")) == 1


def test_a_renamed_customer_is_found_by_its_new_name_without_accents(
    orders: list[Order],
) -> None:
    store_db.database.execute_sql(
        "UPDATE log_entry SET customer_name = 'Crêperie Zoë' WHERE order_ref = 'SO-0007'"
    )
    # Without the trigram index (an old SQLite) LIKE folds no accents: only the same spelling.
    expected = ["SO-0007"] if folds_accents() else []
    assert _refs(LogFilter(search="creperie zoe")) == expected
    assert _refs(LogFilter(search="crêperie")) == ["SO-0007"]


def test_a_new_product_is_searchable_at_once(
    orders: list[Order], write: Callable[..., Path]
) -> None:
    text = HEADER + "SO-9001,2026-09-30,BAKE-01,Bondi Bakery,NEW-WIDGET-77,1,3.00\n"
    import_files([write("more.csv", text)], "AUD")
    assert _refs(LogFilter(search="widget-77")) == ["SO-9001"]


def test_an_index_from_an_earlier_version_is_rebuilt(
    db_path: Path, write: Callable[..., Path]
) -> None:
    database: peewee.Database = open_database(db_path)
    import_files([write("orders.csv", _csv(generated_orders(12)))], "AUD")
    # What versions before 0.2 built: one index of orders with their SKUs, kept by triggers.
    store_db._drop_search_index(database)
    database.execute_sql(
        "CREATE VIRTUAL TABLE log_search USING fts5(order_ref, customer_name, "
        "customer_reference, skus, tokenize = 'trigram', columnsize = 0)"
    )
    database.execute_sql(
        "CREATE TRIGGER log_search_delete AFTER DELETE ON log_entry BEGIN "
        "DELETE FROM log_search WHERE rowid = OLD.order_id; END"
    )
    database.close()

    database = open_database(db_path)
    try:
        tables = {row[0] for row in database.execute_sql("SELECT name FROM sqlite_master")}
        assert "log_search" not in tables and "log_search_delete" not in tables
        assert search_index_ready()
        assert _refs(LogFilter(search="sku-01234")) == _expected(generated_orders(12), "SKU-01234")
    finally:
        database.close()


def test_a_renamed_reference_and_a_name_in_other_capitals_are_found(orders: list[Order]) -> None:
    store_db.database.execute_sql(
        "UPDATE log_entry SET customer_reference = 'ZED-77' WHERE order_ref = 'SO-0007'"
    )
    assert _refs(LogFilter(search="zed-77")) == ["SO-0007"]
    # The same name in capitals: one name to the index (it ignores case), both spellings'
    # orders found, each once.
    store_db.database.execute_sql(
        "UPDATE log_entry SET customer_name = 'BONDI BAKERY' WHERE order_ref = 'SO-0006'"
    )
    expected = _expected(orders, "bondi bakery")
    assert "SO-0006" in expected
    assert _refs(LogFilter(search="Bondi Bakery")) == expected
    assert count_log(LogFilter(search="bondi bakery")) == len(expected)
    assert sorted(search_ids("bondi bakery", 1000) or []) == sorted(
        book.order_ids_for_refs(expected).values()
    )


def test_imported_orders_of_a_new_customer_are_found_by_its_name_and_reference(
    orders: list[Order], write: Callable[..., Path]
) -> None:
    text = HEADER + "".join(
        f"SO-90{n:02d},2026-09-30,OLAF-{n % 2},\u00d3lafur Provisions {n % 2},BEAN_1KG,1,3.00\n"
        for n in range(6)
    )
    import_files([write("more.csv", text)], "AUD")
    both = ["SO-9005", "SO-9004", "SO-9003", "SO-9002", "SO-9001", "SO-9000"]
    # Without the trigram index (an old SQLite) LIKE folds no accents: only the same spelling.
    assert _refs(LogFilter(search="olafur provisions")) == (both if folds_accents() else [])
    assert _refs(LogFilter(search="\u00d3lafur provisions 1")) == both[::2]
    assert _refs(LogFilter(search="olaf-0")) == both[1::2]
    assert count_log(LogFilter(search="Provisions")) == 6


def test_a_name_shared_by_thousands_of_orders_is_found(
    orders: list[Order], write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    many = [
        Order(
            f"HD-{n:05d}",
            f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "HD-7",
            "Harbour Deli 7",
            ("BEAN_1KG",),
        )
        for n in range(3000)
    ]
    import_files([write("many.csv", _csv(many))], "AUD")
    every = [*orders, *many]
    expected = _expected(every, "harbour deli 7")
    assert len(expected) == 3000
    assert len(search_ids("Harbour Deli 7", queries.SEARCH_PROBE) or []) == 3000
    assert count_log_at_most(LogFilter(search="Harbour Deli 7"), 10_000) == 3000
    assert _refs(LogFilter(search="harbour deli 7"), 100) == expected[:100]
    assert count_log(LogFilter(search="HARBOUR DELI")) == 3000
    monkeypatch.setattr(queries, "SEARCH_PROBE", 100)  # read as a broad search
    assert _refs(LogFilter(search="harbour deli 7"), 100) == expected[:100]
    assert count_log(LogFilter(search="Harbour Deli 7")) == 3000


def _count_plan(text: str) -> str:
    """SQLite's query plan for counting the orders matching ``text``."""
    condition = matching(text)
    return "\n".join(
        row[3]
        for row in store_db.database.execute_sql(
            f"EXPLAIN QUERY PLAN SELECT count(*) FROM log_entry WHERE {condition.sql}",
            condition.params,
        )
    )


@pytest.mark.parametrize("orders", ["trigram"], indirect=True)  # PostgreSQL's: its own test
def test_sqlite_reads_the_names_then_their_orders_off_indexes(
    orders: list[Order],
) -> None:
    plan = _count_plan("bakery")
    for step in (
        f"SCAN {store_db.NAME_SEARCH_TABLE} VIRTUAL TABLE",  # the names holding the text
        "INDEX log_entry_customer",  # their orders, by name (with or without posted date)
        "USING INDEX log_entry_customer_reference (customer_reference=?)",  # by reference
        f"SCAN {store_db.SEARCH_TABLE} VIRTUAL TABLE",  # the orders' refs and invoice numbers
    ):
        assert step in plan, plan
    assert "(customer_name=?)" in plan, plan
    assert "SCAN log_entry" not in plan, plan


@pytest.mark.parametrize("orders", ["trigram"], indirect=True)  # PostgreSQL's: schema v10
def test_sqlite_lists_a_skus_orders_off_the_line_index_alone(orders: list[Order]) -> None:
    # Schema v13: order_line's product index ends in the order id, so a SKU's orders are read
    # without a line's row (1,005 lines of one SKU on a million orders: 120 ms from the disk).
    plan = _count_plan("sku-01234")
    assert "USING COVERING INDEX order_line_product (product_id=?)" in plan, plan
    assert count_log(LogFilter(search="sku-01234")) == len(_expected(orders, "sku-01234"))


@pytest.mark.parametrize("orders", ["trigram"], indirect=True)  # PostgreSQL sorts its own way
def test_sqlite_sorts_a_customers_orders_by_posted_date_off_an_index(
    orders: list[Order],
) -> None:
    # Schema v14: a search matching a customer's orders pages them by posted date (the log's
    # first sort) off (customer_name, posted_date), not off their rows.
    search = LogFilter(search="bakery")
    sql, params = queries._page_query(search, "posted_date", True, 0, 50).sql()
    plan = "\n".join(
        row[3] for row in store_db.database.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params)
    )
    assert "INDEX log_entry_customer_posted (customer_name=?)" in plan, plan
    assert _refs(search, 50) == _expected(orders, "bakery")[:50]


# The search index as schema v11 left it (SQLite): one row per order holding its ref, customer
# name, customer reference and invoice number, folded; no table of names.
_V11_SEARCH_INDEX = (
    "CREATE VIRTUAL TABLE order_text_search USING fts5(order_ref, customer_name, "
    "customer_reference, xero_invoice_number, tokenize = 'trigram', columnsize = 0)",
    "CREATE VIRTUAL TABLE sku_search USING fts5(sku, tokenize = 'trigram', columnsize = 0)",
    "CREATE TRIGGER order_text_search_delete AFTER DELETE ON log_entry BEGIN "
    "DELETE FROM order_text_search WHERE rowid = OLD.order_id; END",
    "CREATE TRIGGER order_text_search_update AFTER UPDATE OF order_ref, customer_name, "
    "customer_reference, xero_invoice_number ON log_entry BEGIN UPDATE order_text_search SET "
    "order_ref = xld_fold_accents(NEW.order_ref), "
    "customer_name = xld_fold_accents(NEW.customer_name), "
    "customer_reference = xld_fold_accents(NEW.customer_reference), "
    "xero_invoice_number = xld_fold_accents(NEW.xero_invoice_number) "
    "WHERE rowid = NEW.order_id; END",
    "CREATE TRIGGER sku_search_insert AFTER INSERT ON product BEGIN "
    "INSERT INTO sku_search (rowid, sku) VALUES (NEW.id, NEW.sku); END",
    "CREATE TRIGGER sku_search_delete AFTER DELETE ON product BEGIN "
    "DELETE FROM sku_search WHERE rowid = OLD.id; END",
    "CREATE TRIGGER sku_search_update AFTER UPDATE OF sku ON product BEGIN "
    "UPDATE sku_search SET sku = NEW.sku WHERE rowid = NEW.id; END",
    "INSERT INTO order_text_search (rowid, order_ref, customer_name, customer_reference, "
    "xero_invoice_number) SELECT order_id, xld_fold_accents(order_ref), "
    "xld_fold_accents(customer_name), xld_fold_accents(customer_reference), "
    "xld_fold_accents(xero_invoice_number) FROM log_entry",
    "INSERT INTO sku_search (rowid, sku) SELECT id, sku FROM product",
)


def test_a_v11_file_finds_the_same_orders_after_its_migration(
    db_path: Path, write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    newest = store_db.MIGRATIONS
    monkeypatch.setattr(store_db, "MIGRATIONS", newest[:11])
    database: peewee.Database = open_database(db_path)
    generated = generated_orders()
    import_files([write("orders.csv", _csv(generated))], "AUD")
    store_db._drop_search_index(database)
    for statement in _V11_SEARCH_INDEX:
        database.execute_sql(statement)
    # Xero's invoice number, recorded by v11's trigger.
    database.execute_sql(
        "UPDATE log_entry SET xero_invoice_number = 'INV-0016' WHERE order_ref = 'SO-0042'"
    )
    assert store_db.user_version(database) == 11
    database.close()

    monkeypatch.setattr(store_db, "MIGRATIONS", newest)
    database = open_database(db_path)
    try:
        assert store_db.user_version(database) == schema_version()
        assert search_index_ready()
        columns = {row[1] for row in database.execute_sql("PRAGMA table_info(order_text_search)")}
        assert columns == {"order_ref", "xero_invoice_number"}
        names = {row[0] for row in database.execute_sql(f"SELECT name FROM {NAME_TABLE}")}
        assert names == {text for pair in CUSTOMERS for text in pair}
        for text in (
            "bakery",  # a customer's name
            "CAFE-0",  # a customer's reference
            "SO-0123",  # an order's ref
            "sku-01234",  # a line's SKU
            "\u00e9toile",  # accented, folded
            "cafe",
            "so-",
        ):
            expected = _expected(generated, text)
            assert _refs(LogFilter(search=text)) == expected, text
            assert count_log(LogFilter(search=text)) == len(expected), text
        assert _refs(LogFilter(search="inv-0016")) == ["SO-0042"]
    finally:
        database.close()


def test_a_search_beyond_the_folded_letters_is_found_read_both_ways(
    orders: list[Order], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Greek stays Greek when folded: a broad search of it is tested on each row by the names
    # and refs holding it (LIKE would not fold its case), a narrow one read off the indexes.
    store_db.database.execute_sql(
        "UPDATE log_entry SET customer_name = '\u03a9mega Foods' WHERE order_ref = 'SO-0007'"
    )
    store_db.database.execute_sql(
        "UPDATE log_entry SET customer_reference = 'K\u0391\u03a6E-1' WHERE order_ref = 'SO-0011'"
    )
    texts = {"\u03a9mega": ["SO-0007"], "\u0391\u03a6E-1": ["SO-0011"]}
    if folds_accents() and current() is not POSTGRES:
        texts["\u03c9MEGA FOODS"] = ["SO-0007"]  # SQLite's trigram index folds Greek case too
    for probe in (queries.SEARCH_PROBE, 0):  # 0: even one match is broad
        monkeypatch.setattr(queries, "SEARCH_PROBE", probe)
        for text, expected in texts.items():
            assert _refs(LogFilter(search=text)) == expected, (text, probe)
            assert _refs(LogFilter(search=text), 25) == expected, (text, probe)
            assert count_log(LogFilter(search=text)) == 1, (text, probe)
