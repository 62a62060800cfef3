"""The log as the CLI and the window read it: counts, search, filters, sorting and pages, all
answered in SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import peewee
import psycopg
import pytest

from tests.support.postgres import PostgresServer
from xerologdesk.store import book
from xerologdesk.store import db as store_db
from xerologdesk.store.db import open_database, open_server, search_index_ready
from xerologdesk.store.importer import import_files
from xerologdesk.store.queries import (
    SORT_KEYS,
    LogFilter,
    count_log,
    log_rows,
    lookup_trace,
    page_log,
    page_plan,
    status_counts,
)

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
ORDERS = """\
order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price
SO-1001,2026-05-01,ACME-01,Acme Ltd,WIDGET-BLUE,2,9.50
SO-1002,2026-05-02,CAFE-7,Caf\u00e9 \u00c9toile,GADGET-9,1,120
SO-1002,2026-05-02,CAFE-7,Caf\u00e9 \u00c9toile,WIDGET-BLUE,1,9.50
SO-1003,2026-05-02,BJ-50%,"Ben & Jerry's ""Best"" (Wholesale)",TEA_1,3,4.25
XO-2001,2026-04-30,ACME-01,Acme Ltd,GADGET-9,1,120
XO-2002,2026-05-05,ZED-1,zed & co,SPROCKET,10,0.5
"""


def _open(
    path: Path, write: Callable[..., Path], url: str | None = None
) -> Iterator[peewee.Database]:
    database = open_server(url) if url else open_database(path)
    import_files([write("orders.csv", ORDERS)], "AUD")
    yield database
    database.close()


@pytest.fixture(params=["trigram", "like", "postgresql"])
def log_db(
    request: pytest.FixtureRequest,
    db_path: Path,
    write: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[peewee.Database]:
    """The orders above, searched through the trigram index or, without one, with LIKE; or
    on PostgreSQL."""
    if request.param == "like":
        monkeypatch.setattr(store_db, "trigram_available", lambda: False)
    url = request.getfixturevalue("postgres_book_url") if request.param == "postgresql" else None
    yield from _open(db_path, write, url)
    assert search_index_ready() is (request.param == "trigram")


def refs(log_filter: LogFilter, sort_key: str = "order_ref", descending: bool = False) -> list[str]:
    return [row.order_ref for row in page_log(log_filter, sort_key, descending)]


def ids() -> dict[str, int]:
    return book.order_ids_for_refs(["SO-1001", "SO-1002", "SO-1003", "XO-2001", "XO-2002"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SO-100", ["SO-1001", "SO-1002", "SO-1003"]),  # part of an order ref
        ("1002", ["SO-1002"]),
        ("acme", ["SO-1001", "XO-2001"]),  # a customer name, any case
        ("\u00c9toile", ["SO-1002"]),  # accented letters
        ("cafe-7", ["SO-1002"]),  # a customer reference
        ("widget-blue", ["SO-1001", "SO-1002"]),  # an SKU on any line
        ("GADGET", ["SO-1002", "XO-2001"]),
        ('"Best"', ["SO-1003"]),  # quotes, brackets, & and % are plain text
        ("(Wholesale)", ["SO-1003"]),
        ("50%", ["SO-1003"]),
        ("TEA_", ["SO-1003"]),
        ("& co", ["XO-2002"]),
        ("nothing like it", []),
        ("XO", ["XO-2001", "XO-2002"]),  # fewer than three characters: a prefix
        ("ze", ["XO-2002"]),
        ("b", ["SO-1003"]),
        ("%", []),
        ("  acme  ", ["SO-1001", "XO-2001"]),
    ],
)
def test_search(log_db: peewee.Database, text: str, expected: list[str]) -> None:
    assert refs(LogFilter(search=text)) == expected
    assert count_log(LogFilter(search=text)) == len(expected)


def test_the_index_also_folds_the_case_of_accented_letters(
    db_path: Path, write: Callable[..., Path]
) -> None:
    for _ in _open(db_path, write):
        # LIKE, the fallback, folds only A to Z.
        assert refs(LogFilter(search="\u00e9TOILE")) == ["SO-1002"]


def test_status_counts_follow_every_change(log_db: peewee.Database) -> None:
    def real_counts() -> dict[str, int]:
        counts = dict.fromkeys(("pending", "succeeded", "failed", "dismissed"), 0)
        query = "SELECT status, COUNT(*) FROM log_entry GROUP BY status"
        counts.update(log_db.execute_sql(query).fetchall())
        return counts

    assert (
        status_counts()
        == real_counts()
        == {
            "pending": 5,
            "succeeded": 0,
            "failed": 0,
            "dismissed": 0,
        }
    )
    order = ids()
    for ref, status in [("SO-1001", "failed"), ("SO-1002", "succeeded"), ("SO-1003", "failed")]:
        book.record_attempt(
            order[ref], action="sync", status=status, reasons=[], trace=None, note=None, at=T0
        )
    book.dismiss([order["SO-1003"]], "", T0)
    log_db.execute_sql("DELETE FROM sales_order WHERE ref = 'XO-2002'")  # the entry goes too
    assert (
        status_counts()
        == real_counts()
        == {
            "pending": 1,
            "succeeded": 1,
            "failed": 1,
            "dismissed": 1,
        }
    )
    assert count_log(LogFilter(status="failed")) == 1
    assert count_log(LogFilter()) == 4
    assert refs(LogFilter(search="SPROCKET")) == []  # gone from the search too


def test_filters_combine(log_db: peewee.Database) -> None:
    order = ids()
    book.record_attempt(
        order["XO-2001"], action="sync", status="failed", reasons=[], trace=None, note=None, at=T0
    )
    assert refs(LogFilter(status="pending", search="acme")) == ["SO-1001"]
    assert refs(LogFilter(status="failed", search="acme")) == ["XO-2001"]
    window = LogFilter(date_from=date(2026, 5, 1), date_to=date(2026, 5, 2))
    assert refs(window) == ["SO-1001", "SO-1002", "SO-1003"]
    assert count_log(window) == 3
    assert refs(LogFilter(date_from=date(2026, 5, 3))) == ["XO-2002"]
    assert count_log(LogFilter(status="pending", date_to=date(2026, 5, 1))) == 1


@pytest.mark.parametrize(
    ("sort_key", "ascending"),
    [
        ("order_ref", ["SO-1001", "SO-1002", "SO-1003", "XO-2001", "XO-2002"]),
        ("posted_date", ["XO-2001", "SO-1001", "SO-1002", "SO-1003", "XO-2002"]),
        # Without regard to case; ties by order id.
        ("customer_name", ["SO-1001", "XO-2001", "SO-1003", "SO-1002", "XO-2002"]),
        ("total", ["XO-2002", "SO-1003", "SO-1001", "XO-2001", "SO-1002"]),
    ],
)
def test_sorting_both_ways(log_db: peewee.Database, sort_key: str, ascending: list[str]) -> None:
    assert refs(LogFilter(), sort_key) == ascending
    descending = refs(LogFilter(), sort_key, descending=True)
    assert sorted(descending) == sorted(ascending)
    if sort_key in ("order_ref", "total"):  # no ties
        assert descending == ascending[::-1]


# SQLite's query plans (both search set-ups); PostgreSQL's below, on a log big enough for its
# planner to weigh an index against a sort.
@pytest.mark.parametrize("log_db", ["trigram", "like"], indirect=True)
@pytest.mark.parametrize("sort_key", sorted(SORT_KEYS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_reads_its_page_off_an_index(
    log_db: peewee.Database, sort_key: str, descending: bool
) -> None:
    """No column sorts by reading and sorting the whole log (seconds at a million orders):
    each page comes straight off an index, either way."""
    plan = page_plan(LogFilter(), sort_key, descending)
    assert not [step for step in plan if "TEMP B-TREE" in step], plan
    assert any("INDEX" in step for step in plan), plan


# Enough rows that reading and sorting them costs PostgreSQL's planner ten times more than a
# page off an index: the choice cannot tip either way by chance. Statuses, attempts, reasons and
# Xero statuses repeat across thousands of orders, as at a million (where a sort of each group
# of ties took seconds).
PLANNED_ORDERS = 30_000
_PLANNED_LOG = f"""
INSERT INTO customer (id, reference, name)
    SELECT n, 'C-' || n, 'Customer ' || n FROM generate_series(1, 50) AS n;
INSERT INTO sales_order (id, ref, customer_id, posted_date, currency, content_hash, imported_at)
    SELECT n, 'SO-' || lpad(n::text, 7, '0'), 1 + n % 50, ('2021-01-01'::date + n / 20)::text,
        'AUD', md5(n::text), '2026-01-05T09:30:00+00:00'
    FROM generate_series(1, {PLANNED_ORDERS}) AS n;
INSERT INTO log_entry (order_id, status, attempts, last_attempt_at, reason_summary,
        xero_invoice_number, xero_status, created_at, updated_at, order_ref, posted_date,
        customer_name, customer_reference, currency, total)
    SELECT o.id, s.status, CASE WHEN s.status = 'pending' THEN 0 ELSE 1 + n % 3 END,
        CASE WHEN s.status <> 'pending' THEN o.imported_at END,
        CASE WHEN s.status IN ('failed', 'dismissed') THEN 'customer not in Xero' ELSE '' END,
        CASE WHEN s.status = 'succeeded' THEN 'INV-' || o.id END,
        CASE WHEN s.status = 'succeeded' AND n % 4 = 0 THEN 'paid' END,
        o.imported_at, o.imported_at, o.ref, o.posted_date, c.name, c.reference, 'AUD',
        n * 37 % 100000
    FROM sales_order AS o JOIN customer AS c ON c.id = o.customer_id,
        LATERAL (SELECT o.id AS n) AS i,
        LATERAL (SELECT CASE WHEN n > {PLANNED_ORDERS} - 1000 THEN 'pending'
            WHEN n % 20 = 0 THEN 'failed' WHEN n % 20 = 1 THEN 'dismissed'
            ELSE 'succeeded' END AS status) AS s;
ANALYZE
"""


@pytest.fixture(scope="module")
def planned_log_url(postgres_server: PostgresServer, postgres_book_template: str) -> str:
    """A PostgreSQL order book of PLANNED_ORDERS orders, analysed (filled once: ~2 s)."""
    url = postgres_server.new_database(template=postgres_book_template)
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in _PLANNED_LOG.split(";"):
            if statement.strip():
                connection.execute(statement)
    return url


@pytest.mark.parametrize("sort_key", sorted(SORT_KEYS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_reads_its_page_off_an_index_on_postgresql(
    planned_log_url: str, sort_key: str, descending: bool
) -> None:
    """As on SQLite: the first page in any column's order comes off the column's index, with
    no sort of the rows read (PostgreSQL sorted whole groups of ties before its indexes ended
    in the order id). Only the page's own rows are sorted again, after the limit."""
    database = open_server(planned_log_url)
    try:
        plan = page_plan(LogFilter(), sort_key, descending)
    finally:
        database.close()
    limited = plan[next(n for n, step in enumerate(plan) if "Limit" in step) :]
    assert not [step for step in limited if "Sort" in step], plan
    assert any("Index Only Scan" in step for step in limited), plan


@pytest.mark.parametrize(
    ("sort_key", "ascending"),
    [
        ("status", ["XO-2001", "SO-1001", "SO-1002", "SO-1003", "XO-2002"]),
        ("attempts", ["SO-1001", "SO-1002", "SO-1003", "XO-2002", "XO-2001"]),
        ("reason_summary", ["SO-1001", "SO-1002", "SO-1003", "XO-2002", "XO-2001"]),
    ],
)
def test_sorting_by_the_sync_columns(
    log_db: peewee.Database, sort_key: str, ascending: list[str]
) -> None:
    """One order failed (XO-2001) after an attempt: "failed" sorts before "pending", one
    attempt after none, a reason after none; ties by order id, both ways."""
    book.record_attempt(
        ids()["XO-2001"],
        action="retry",
        status="failed",
        reasons=[{"code": "xero_rejected", "message": "Xero rejected it.", "details": {}}],
        trace=None,
        note=None,
        at=T0,
    )
    assert refs(LogFilter(), sort_key) == ascending
    assert refs(LogFilter(), sort_key, descending=True) == ascending[::-1]


def test_pages_never_overlap_or_skip(log_db: peewee.Database) -> None:
    every = refs(LogFilter(), "posted_date")
    pages = [
        [row.order_ref for row in page_log(LogFilter(), "posted_date", False, start, 2)]
        for start in (0, 2, 4)
    ]
    assert pages == [every[0:2], every[2:4], every[4:]]
    assert page_log(LogFilter(), "posted_date", False, 10, 2) == []


def test_a_row_carries_every_column(log_db: peewee.Database) -> None:
    order = ids()["SO-1002"]
    reasons = [{"code": "xero_rejected", "message": "Xero rejected it.", "details": {}}]
    book.record_attempt(
        order,
        action="retry",
        status="failed",
        reasons=reasons,
        trace=None,
        note=None,
        at=T0,
    )
    row = log_rows([order])[order]
    assert row.id == order
    assert (row.order_ref, row.posted_date, row.currency) == ("SO-1002", date(2026, 5, 2), "AUD")
    assert (row.customer_name, row.customer_reference) == ("Caf\u00e9 \u00c9toile", "CAFE-7")
    assert row.total == Decimal("129.50")
    assert (row.status, row.attempts, row.last_attempt_at) == ("failed", 1, T0)
    assert (row.reason_summary, row.reasons) == ("rejected by Xero", reasons)
    assert (row.xero_invoice_id, row.xero_invoice_number) == (None, None)


def test_the_lookup_trace_is_the_last_syncs(log_db: peewee.Database) -> None:
    order = ids()["SO-1001"]
    assert lookup_trace(order) is None  # never synced
    trace = {"customer": {"steps": [{"by": "Name", "value": "Acme Ltd", "found": []}]}}
    book.record_attempt(
        order, action="sync", status="failed", reasons=[], trace=trace, note=None, at=T0
    )
    assert lookup_trace(order) == trace
    assert lookup_trace(10**9) is None  # no such order


def test_bad_arguments_say_what_is_allowed(log_db: peewee.Database) -> None:
    with pytest.raises(ValueError, match="cannot sort the log by 'colour'; choose one of"):
        page_log(LogFilter(), "colour")
    with pytest.raises(ValueError, match="status 'lost' is not one of pending, succeeded"):
        LogFilter(status="lost")
