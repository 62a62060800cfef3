"""The problems worklist: failed orders grouped by root cause, from the reasons the log keeps."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import peewee
import pytest

from xerologdesk.store import book
from xerologdesk.store import db as store_db
from xerologdesk.store.db import open_database
from xerologdesk.store.engines import current
from xerologdesk.store.importer import import_files
from xerologdesk.store.problems import (
    Fix,
    GroupCustomer,
    OrderMark,
    ProblemTotals,
    group_customers,
    group_order_ids,
    group_reason_details,
    problem_groups,
    problem_totals,
)
from xerologdesk.store.vocabulary import Action, ReasonCode, Status
from xerologdesk.sync import outcomes
from xerologdesk.xero.records import XeroContact

# The order book behaves the same on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_engines

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
HEADER = [
    "order_ref",
    "posted_date",
    "customer_reference",
    "customer_name",
    "sku",
    "quantity",
    "unit_price",
]


def _orders_csv(count: int, customers: int = 50) -> str:
    """``count`` one-line orders SO-00001..., posted over the days of 2026, spread over
    ``customers`` customers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for number in range(1, count + 1):
        day = date.fromordinal(date(2026, 1, 1).toordinal() + number % 300)
        customer = number % customers
        ref, sku = f"SO-{number:05d}", f"W-{number % 7}"
        writer.writerow([ref, day, f"C-{customer}", f"Customer {customer}", sku, "1", "9.50"])
    return out.getvalue()


@pytest.fixture
def orders(db: peewee.Database, write: Callable[..., Path]) -> Callable[[int], dict[str, int]]:
    """Import ``count`` orders through the importer; their ids by ref."""

    def imported(count: int) -> dict[str, int]:
        import_files([write("orders.csv", _orders_csv(count))], "AUD")
        return book.order_ids_for_refs([f"SO-{n:05d}" for n in range(1, count + 1)])

    return imported


def _fail(order_ids: Sequence[int], *reasons: outcomes.Reason, status: str = Status.FAILED) -> None:
    """Record a sync of the orders ending in ``status`` with ``reasons``, as the engine does."""
    book.record_attempts(
        [
            book.AttemptRecord(
                order_id, Action.SYNC, status, [r.as_dict() for r in reasons], None, None, T0
            )
            for order_id in order_ids
        ]
    )


def _counts() -> dict[str, int]:
    """Orders by group key, as listed; checked against a count of the causes themselves."""
    counts = {group.key: group.orders for group in problem_groups()}
    counted = book.database.execute_sql(
        "SELECT code || ':' || subject, COUNT(*) FROM failure_cause GROUP BY code, subject"
    ).fetchall()
    assert counts == dict(counted)
    return counts


def test_causes_are_grouped_by_subject_with_counts_dates_and_fixes(
    orders: Callable[[int], dict[str, int]],
) -> None:
    ids = orders(6)
    missing = outcomes.customer_not_found("C-1", "Customer 1")
    _fail([ids["SO-00001"], ids["SO-00003"]], missing, outcomes.product_not_found("W-1"))
    _fail([ids["SO-00002"]], outcomes.product_not_found("W-1"), outcomes.product_not_found("W-2"))
    _fail([ids["SO-00004"]], outcomes.settings_incomplete(["Sales account", "Tax rate"]))
    _fail([ids["SO-00005"]], outcomes.xero_rejected("invoice", ["Bad date.", "Bad tax."], "X"))
    _fail([ids["SO-00006"]], outcomes.order_invalid(["the name is too long"]))

    groups = {group.key: group for group in problem_groups()}
    assert {key: group.orders for key, group in groups.items()} == {
        "product_not_found:W-1": 3,  # an order missing two SKUs counts in both groups
        "customer_not_found:C-1": 2,
        "product_not_found:W-2": 1,
        "settings_incomplete:Sales account": 1,
        "settings_incomplete:Tax rate": 1,
        "xero_rejected:Bad date.": 1,
        "xero_rejected:Bad tax.": 1,
        "order_invalid:": 1,  # any other code is one group
    }
    assert list(groups)[:2] == ["product_not_found:W-1", "customer_not_found:C-1"]
    sku = groups["product_not_found:W-1"]
    assert sku.oldest == OrderMark("SO-00001", date(2026, 1, 2))
    assert sku.newest == OrderMark("SO-00003", date(2026, 1, 4))
    assert sku.refs == ("SO-00001", "SO-00002", "SO-00003")
    assert sku.fixes == (Fix.CREATE, Fix.MAP)
    customer = groups["customer_not_found:C-1"]
    assert customer.fixes == (Fix.CREATE, Fix.LINK)
    assert customer.customer_name == "Customer 1"
    assert groups["xero_rejected:Bad date."].fixes == (Fix.RETRY,)
    assert groups["settings_incomplete:Tax rate"].fixes == (Fix.SETTINGS,)
    assert groups["order_invalid:"].fixes == ()
    assert problem_totals() == ProblemTotals(8, 6)


def test_customer_ambiguous_and_archived_are_grouped_by_name_and_reference(
    orders: Callable[[int], dict[str, int]],
) -> None:
    ids = orders(3)
    twins = [XeroContact("id-1", "Acme"), XeroContact("id-2", "Acme")]
    _fail([ids["SO-00001"], ids["SO-00002"]], outcomes.customer_ambiguous("Acme", twins))
    archived = [XeroContact("id-3", "Beta", "C-3", status="ARCHIVED")]
    _fail([ids["SO-00003"]], outcomes.customer_archived("C-3", "Beta", archived))
    groups = {group.key: group for group in problem_groups()}
    assert {key: group.orders for key, group in groups.items()} == {
        "customer_ambiguous:Acme": 2,
        "customer_archived:C-3": 1,
    }
    assert groups["customer_ambiguous:Acme"].fixes == (Fix.LINK,)
    assert groups["customer_archived:C-3"].fixes == (Fix.LINK, Fix.CREATE)
    assert groups["customer_archived:C-3"].customer_name == "Customer 3"


def test_only_failed_orders_count_and_every_writer_keeps_the_groups(
    orders: Callable[[int], dict[str, int]],
) -> None:
    ids = orders(3)
    sku = outcomes.product_not_found("W-1")
    _fail(list(ids.values()), sku)
    assert _counts() == {"product_not_found:W-1": 3}
    _fail(list(ids.values()), sku)  # failed again the same way: nothing to redo, nothing doubled
    assert _counts() == {"product_not_found:W-1": 3}

    _fail([ids["SO-00001"]], status=Status.SUCCEEDED)
    _fail([ids["SO-00002"]], outcomes.product_not_found("W-9"))  # failed again, for another SKU
    assert _counts() == {"product_not_found:W-1": 1, "product_not_found:W-9": 1}

    book.dismiss([ids["SO-00003"]], "by hand", T0)
    assert _counts() == {"product_not_found:W-9": 1}
    book.undo_dismiss([ids["SO-00003"]], T0)
    assert _counts() == {"product_not_found:W-1": 1, "product_not_found:W-9": 1}

    _fail([ids["SO-00002"]], sku, status=Status.PENDING)  # a Pending order blocks nothing yet
    assert _counts() == {"product_not_found:W-1": 1}
    book.database.execute_sql("DELETE FROM sales_order WHERE ref = 'SO-00003'")
    assert problem_groups() == []
    assert problem_totals() == ProblemTotals(0, 0)


def test_refs_are_capped_by_default_and_the_count_stays_exact(
    orders: Callable[[int], dict[str, int]],
) -> None:
    ids = orders(25)
    _fail(list(ids.values()), outcomes.product_not_found("W-1"))
    (group,) = problem_groups()
    assert group.orders == 25 and group.refs == (
        "SO-00001",
        "SO-00002",
        "SO-00003",
        "SO-00004",
        "SO-00005",
    )
    (group,) = problem_groups(refs=None)
    assert len(group.refs) == 25 and group.refs[0] == group.oldest.ref


def test_a_group_gives_its_orders_customers_and_reasons_details(
    orders: Callable[[int], dict[str, int]],
) -> None:
    ids = orders(3)
    risky = outcomes.unsafe_name("contact", "C-1", "=SUM(1)", "the name starts a formula")
    _fail([ids["SO-00003"], ids["SO-00001"]], risky, outcomes.product_not_found("W-1"))
    _fail([ids["SO-00002"]], outcomes.unsafe_name("item", "C-1", "@x", "the name starts a formula"))
    assert group_order_ids(ReasonCode.UNSAFE_NAME, "C-1") == [
        ids["SO-00001"],
        ids["SO-00002"],
        ids["SO-00003"],
    ]
    assert group_customers(ReasonCode.PRODUCT_NOT_FOUND, "W-1") == [
        GroupCustomer("C-1", "Customer 1", ""),
        GroupCustomer("C-3", "Customer 3", ""),
    ]
    details = group_reason_details(ReasonCode.UNSAFE_NAME, "C-1")
    assert sorted(details, key=lambda each: each["name"]) == [
        {"what": "contact", "key": "C-1", "name": "=SUM(1)"},
        {"what": "item", "key": "C-1", "name": "@x"},
    ]
    assert group_reason_details(ReasonCode.UNSAFE_NAME, "C-2") == []


def test_reasons_not_shaped_as_expected_never_fail_a_write(
    orders: Callable[[int], dict[str, int]],
) -> None:
    ids = orders(3)
    # Written by hand (a shell, an older program): the triggers skip what is not a cause.
    odd = '["text", {"message": "no code"}, {"code": "product_not_found"}]'
    for order_id, reasons in ((ids["SO-00001"], odd), (ids["SO-00002"], "not JSON")):
        book.database.execute_sql(
            current().marks("UPDATE log_entry SET status = ?, reasons = ? WHERE order_id = ?"),
            (Status.FAILED, reasons, order_id),
        )
    assert _counts() == {"product_not_found:": 1}


def test_ten_thousand_orders_three_thousand_failing_over_forty_causes(
    orders: Callable[[int], dict[str, int]],
) -> None:
    ids = list(orders(10_000).values())
    failing = ids[::3][:3000]
    causes = [outcomes.product_not_found(f"W-{n}") for n in range(20)] + [
        outcomes.customer_not_found(f"C-{n}", f"Customer {n}") for n in range(20)
    ]
    expected: dict[str, int] = {}
    for number, order_id in enumerate(failing):
        # A product cause for every order, a customer cause for one in three: 40 causes in all.
        reasons = [causes[number % 20]]
        if number % 3 == 0:
            reasons.append(causes[20 + number % 20])
        _fail([order_id], *reasons)
        for reason in reasons:
            key = f"{reason.code}:{next(iter(reason.details.values()))}"
            expected[key] = expected.get(key, 0) + 1
    assert len(expected) == 40
    assert _counts() == expected
    assert problem_totals() == ProblemTotals(40, 3000)


def test_opening_an_older_file_fills_the_causes_of_its_failed_orders(
    db_path: Path, write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    newest = store_db.MIGRATIONS
    monkeypatch.setattr(store_db, "MIGRATIONS", newest[:4])
    database = open_database(db_path)
    import_files([write("orders.csv", _orders_csv(2))], "AUD")
    ids = book.order_ids_for_refs(["SO-00001", "SO-00002"])
    # The outcomes as that version wrote them: today's record_attempts writes columns (who
    # made each history entry) its schema has not got.
    reasons = json.dumps([outcomes.product_not_found("W-1").as_dict()])
    for ref, status in (("SO-00001", Status.FAILED), ("SO-00002", Status.SUCCEEDED)):
        database.execute_sql(
            "UPDATE log_entry SET status = ?, reasons = ? WHERE order_id = ?",
            (status, reasons, ids[ref]),
        )
    database.close()

    monkeypatch.setattr(store_db, "MIGRATIONS", newest)
    database = open_database(db_path)
    try:
        (group,) = problem_groups()
        assert (group.key, group.refs) == ("product_not_found:W-1", ("SO-00001",))
    finally:
        database.close()


def test_every_reason_code_is_known_to_the_worklist() -> None:
    from xerologdesk.store import problems

    grouped = set(problems.SUBJECT_PATHS) | set(problems.SUBJECT_LISTS)
    # Codes without a subject are one group each; every code the engine writes is one of these.
    assert grouped | {ReasonCode.NOT_CONNECTED, ReasonCode.ORDER_INVALID} == set(ReasonCode)
    assert set(problems.FIXES) <= set(ReasonCode)
