"""The problems worklist: failed orders grouped by root cause, so a cause is fixed once.

A cause is a reason's code and its subject: the customer reference a customer is not found by
(or whose only contact is archived), the ambiguous name, the missing SKU, the customer reference
or SKU whose contact or item Auto Sync will not create under its risky name, Xero's message word
for word, the setting left empty; any other code is one group of its own. An order with two causes
(two missing SKUs) counts in both groups.

The causes are computed in SQL from the structured reasons the log keeps (``log_entry.reasons``,
a JSON list of ``{"code", "message", "details"}``; see ``sync.outcomes``) and kept, one row per
failed order and cause, in ``failure_cause``, and counted per cause in ``failure_group``, by
triggers: whoever writes the log (a sync's outcomes, a dismissal, its undo, a deletion) keeps
them right. Listing 5,000 causes over 100,000 failures then reads 5,000 counts and two index
seeks each, instead of parsing 100,000 JSON lists.

The JSON SQL (``json_each``, ``json_extract``, ``json_valid``), the triggers and
``group_concat`` are SQLite's; on PostgreSQL (team mode, :mod:`xerologdesk.store.engines`) the
causes come from ``jsonb_array_elements`` in a function of their own (``xld_causes``), PL/pgSQL
triggers keep the tables and ``string_agg`` joins the refs. The tables, their index and the
grouping query are the same on both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import peewee

from xerologdesk.store.engines import POSTGRES, SQLITE, Engine, current
from xerologdesk.store.models import StatusCount, database
from xerologdesk.store.vocabulary import Action, ReasonCode, Status


class Fix(StrEnum):
    """What a user can do about a cause (the worklist's buttons, ``problems --fix``)."""

    CREATE = "create"  # create the customer or item in Xero, as Auto Sync does
    LINK = "link"  # link the customer to an existing Xero contact
    MAP = "map"  # map the SKU to an existing Xero item code
    RETRY = Action.RETRY.value  # sync the orders again, after the cause was fixed in Xero
    SETTINGS = "settings"  # open Settings at the missing field


# The fixes of each cause, best first (issue 12's "fixes per cause"). An ambiguous name is
# fixed by picking which matching contact is the customer: a link.
FIXES: dict[str, tuple[Fix, ...]] = {
    ReasonCode.CUSTOMER_NOT_FOUND: (Fix.CREATE, Fix.LINK),
    ReasonCode.CUSTOMER_AMBIGUOUS: (Fix.LINK,),
    ReasonCode.CUSTOMER_ARCHIVED: (Fix.LINK, Fix.CREATE),
    # The contact a user linked is gone from Xero: link again (or unlink and create).
    ReasonCode.LINKED_CONTACT_MISSING: (Fix.LINK, Fix.CREATE),
    ReasonCode.PRODUCT_NOT_FOUND: (Fix.CREATE, Fix.MAP),
    ReasonCode.XERO_REJECTED: (Fix.RETRY,),
    ReasonCode.SETTINGS_INCOMPLETE: (Fix.SETTINGS,),
    ReasonCode.NOT_CONNECTED: (Fix.RETRY,),
    # Created under its risky name all the same, by a user warned of it.
    ReasonCode.UNSAFE_NAME: (Fix.CREATE,),
}

# The detail a cause's subject is, by code: one value, or (the codes with a list) each item.
SUBJECT_PATHS: dict[str, str] = {
    ReasonCode.CUSTOMER_NOT_FOUND: "$.details.reference",
    ReasonCode.CUSTOMER_ARCHIVED: "$.details.reference",
    ReasonCode.LINKED_CONTACT_MISSING: "$.details.reference",
    ReasonCode.CUSTOMER_AMBIGUOUS: "$.details.name",
    ReasonCode.PRODUCT_NOT_FOUND: "$.details.sku",
    ReasonCode.UNSAFE_NAME: "$.details.key",  # a customer reference or a SKU
}
SUBJECT_LISTS: dict[str, str] = {
    ReasonCode.XERO_REJECTED: "$.details.messages",
    ReasonCode.SETTINGS_INCOMPLETE: "$.details.settings",
}
# The causes whose subject is a customer reference (the group names the customer too).
BY_CUSTOMER_REFERENCE = (
    ReasonCode.CUSTOMER_NOT_FOUND,
    ReasonCode.CUSTOMER_ARCHIVED,
    ReasonCode.LINKED_CONTACT_MISSING,
)

TABLE = "failure_cause"
GROUPS = "failure_group"
# A cap on the refs each group lists by default (its oldest first); the count is always exact.
REFS_SHOWN = 5


# -- the causes of a reasons list, in SQL -------------------------------------------------------


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _case(cases: dict[str, str], otherwise: str) -> str:
    """``CASE <the reason's code> WHEN code THEN value ... ELSE otherwise END``."""
    whens = " ".join(f"WHEN {_quoted(code)} THEN {value}" for code, value in cases.items())
    return f"CASE {_CODE} {whens} ELSE {otherwise} END"


_CODE = "json_extract(reason.value, '$.code')"
_ONE_SUBJECT = {
    code: f"json_extract(reason.value, {_quoted(path)})" for code, path in SUBJECT_PATHS.items()
}
_SUBJECT = f"COALESCE({_case(_ONE_SUBJECT, 'item.value')}, '')"


def _causes_from(reasons: str) -> str:
    """The FROM clause giving one row per cause of the reasons list ``reasons`` (an SQL
    expression): ``reason`` and, for the codes with a list, each ``item`` of it. A list that is
    not JSON gives no rows rather than failing the writer."""
    items = _case({code: _quoted(path) for code, path in SUBJECT_LISTS.items()}, "'$.none'")
    return (
        f"json_each(CASE WHEN json_valid({reasons}) THEN {reasons} ELSE '[]' END) AS reason "
        f"LEFT JOIN json_each(reason.value, {items}) AS item"
    )


_IS_CAUSE = f"reason.type = 'object' AND {_CODE} IS NOT NULL"
_FAILED = _quoted(Status.FAILED)
_COLUMNS = "order_id, code, subject, posted_date, order_ref"


def _insert_causes_of(entry: str) -> str:
    """INSERT the causes of the log entry named ``entry`` (NEW in a trigger)."""
    causes = _causes_from(f"{entry}.reasons")
    return (
        f"INSERT OR IGNORE INTO {TABLE} ({_COLUMNS}) SELECT {entry}.order_id, {_CODE}, "
        f"{_SUBJECT}, {entry}.posted_date, {entry}.order_ref FROM {causes} "
        f"WHERE {entry}.status = {_FAILED} AND {_IS_CAUSE}"
    )


SCHEMA: tuple[str, ...] = (
    f"""CREATE TABLE {TABLE} (
        order_id INTEGER NOT NULL,
        code TEXT NOT NULL,
        subject TEXT NOT NULL,
        posted_date TEXT NOT NULL,
        order_ref TEXT NOT NULL,
        PRIMARY KEY (order_id, code, subject)) WITHOUT ROWID""",
    # Each group's orders in posted order: its oldest, newest and first refs are index seeks.
    f"CREATE INDEX {TABLE}_group ON {TABLE} (code, subject, posted_date, order_ref)",
    # The groups and their counts, so listing 5,000 never counts 100,000 rows (like
    # status_count for the log).
    f"""CREATE TABLE {GROUPS} (
        code TEXT NOT NULL,
        subject TEXT NOT NULL,
        orders INTEGER NOT NULL,
        PRIMARY KEY (code, subject)) WITHOUT ROWID""",
)
# Only an entry that is or was Failed, and changed, costs anything: a sync's other outcomes and
# a retry failing the same way again skip them. A duplicate cause (an order missing one SKU on
# two lines) is ignored, and counted once.
TRIGGERS: tuple[str, ...] = (
    f"""CREATE TRIGGER failure_cause_insert AFTER INSERT ON log_entry
    WHEN NEW.status = {_FAILED} BEGIN
        {_insert_causes_of("NEW")};
    END""",
    f"""CREATE TRIGGER failure_cause_update
    AFTER UPDATE OF status, reasons, posted_date, order_ref ON log_entry
    WHEN (OLD.status = {_FAILED} OR NEW.status = {_FAILED}) AND (OLD.status IS NOT NEW.status
        OR OLD.reasons IS NOT NEW.reasons OR OLD.posted_date IS NOT NEW.posted_date
        OR OLD.order_ref IS NOT NEW.order_ref) BEGIN
        DELETE FROM {TABLE} WHERE order_id = OLD.order_id;
        {_insert_causes_of("NEW")};
    END""",
    f"""CREATE TRIGGER failure_cause_delete AFTER DELETE ON log_entry
    WHEN OLD.status = {_FAILED} BEGIN
        DELETE FROM {TABLE} WHERE order_id = OLD.order_id;
    END""",
    f"""CREATE TRIGGER failure_group_count_insert AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {GROUPS} (code, subject, orders) VALUES (NEW.code, NEW.subject, 1)
        ON CONFLICT (code, subject) DO UPDATE SET orders = orders + 1;
    END""",
    f"""CREATE TRIGGER failure_group_count_delete AFTER DELETE ON {TABLE} BEGIN
        UPDATE {GROUPS} SET orders = orders - 1
        WHERE code = OLD.code AND subject = OLD.subject;
        DELETE FROM {GROUPS} WHERE code = OLD.code AND subject = OLD.subject AND orders <= 0;
    END""",
)
_TRIGGER_NAME = re.compile(r"CREATE TRIGGER (\w+)")


def rebuild(execute: Callable[[str], object], engine: Engine = SQLITE) -> None:
    """Refill ``failure_cause`` and its group counts from every failed log entry and (re)create
    the triggers that keep them, with ``execute`` running one statement (a migration's) on a
    database of ``engine``. For a migration that changes what a cause is; the tables are made by
    :data:`SCHEMA`."""
    postgres = engine is POSTGRES
    for statement in TRIGGERS:
        name = _TRIGGER_NAME.findall(statement)[0]
        on = f" ON {_PG_TRIGGER_TABLES[name]}" if postgres else ""
        execute(f"DROP TRIGGER IF EXISTS {name}{on}")
    execute(f"DELETE FROM {TABLE}")
    execute(f"DELETE FROM {GROUPS}")
    if postgres:
        execute(_PG_CAUSES_FUNCTION)
        execute(
            f"INSERT INTO {TABLE} ({_COLUMNS}) SELECT entry.order_id, cause.code, cause.subject, "
            "entry.posted_date, entry.order_ref FROM log_entry AS entry, "
            f"LATERAL {_PG_CAUSES}(entry.reasons) AS cause WHERE entry.status = {_FAILED} "
            "ON CONFLICT DO NOTHING"
        )
    else:
        execute(
            f"INSERT OR IGNORE INTO {TABLE} ({_COLUMNS}) SELECT entry.order_id, {_CODE}, "
            f"{_SUBJECT}, entry.posted_date, entry.order_ref FROM log_entry AS entry, "
            f"{_causes_from('entry.reasons')} WHERE entry.status = {_FAILED} AND {_IS_CAUSE}"
        )
    execute(
        f"INSERT INTO {GROUPS} (code, subject, orders) "
        f"SELECT code, subject, COUNT(*) FROM {TABLE} GROUP BY code, subject"
    )
    for statement in _PG_TRIGGERS if postgres else TRIGGERS:
        execute(statement)


# -- the same on PostgreSQL ---------------------------------------------------------------------

_PG_CAUSES = "xld_causes"


def _pg_path(path: str) -> str:
    """A JSON path of SUBJECT_PATHS ("$.details.sku") as PostgreSQL's ('{details,sku}')."""
    return _quoted("{" + ",".join(path.removeprefix("$.").split(".")) + "}")


def _pg_case(cases: dict[str, str], operator: str, otherwise: str) -> str:
    whens = " ".join(
        f"WHEN {_quoted(code)} THEN reason {operator} {_pg_path(path)}"
        for code, path in cases.items()
    )
    return f"CASE reason->>'code' {whens} ELSE {otherwise} END"


# The causes of a reasons text, as SQLite's _causes_from finds them: a reason's code and its
# subject (or each item of its list, a scalar being a list of one); text that is not a JSON list
# gives none rather than failing the writer.
_PG_CAUSES_FUNCTION = f"""CREATE OR REPLACE FUNCTION {_PG_CAUSES}(reasons text)
RETURNS TABLE (code text, subject text) LANGUAGE plpgsql IMMUTABLE AS $$
#variable_conflict use_column
DECLARE parsed jsonb;
BEGIN
    BEGIN
        parsed := reasons::jsonb;
    EXCEPTION WHEN others THEN
        RETURN;
    END;
    IF jsonb_typeof(parsed) IS DISTINCT FROM 'array' THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT reason->>'code',
        COALESCE({_pg_case(SUBJECT_PATHS, "#>>", "item.value")}, '')
    FROM jsonb_array_elements(parsed) AS reason
    LEFT JOIN LATERAL (SELECT {_pg_case(SUBJECT_LISTS, "#>", "NULL")} AS list) AS listed ON true
    LEFT JOIN LATERAL jsonb_array_elements_text(CASE
        WHEN jsonb_typeof(listed.list) = 'array' THEN listed.list
        WHEN listed.list IS NOT NULL THEN jsonb_build_array(listed.list) END) AS item(value)
        ON true
    WHERE jsonb_typeof(reason) = 'object' AND reason->>'code' IS NOT NULL;
END $$"""
_PG_INSERT_CAUSES = (
    f"INSERT INTO {TABLE} ({_COLUMNS}) SELECT NEW.order_id, cause.code, cause.subject, "
    f"NEW.posted_date, NEW.order_ref FROM {_PG_CAUSES}(NEW.reasons) AS cause "
    "ON CONFLICT DO NOTHING;"
)
_PG_TRIGGER_TABLES = {
    "failure_cause_insert": "log_entry",
    "failure_cause_update": "log_entry",
    "failure_cause_delete": "log_entry",
    "failure_group_count_insert": TABLE,
    "failure_group_count_delete": TABLE,
}
# Each trigger: (its function's body, when it fires), as SQLite's TRIGGERS say them.
_PG_TRIGGER_BODIES = {
    "failure_cause_insert": (
        _PG_INSERT_CAUSES,
        f"AFTER INSERT ON log_entry FOR EACH ROW WHEN (NEW.status = {_FAILED})",
    ),
    "failure_cause_update": (
        f"DELETE FROM {TABLE} WHERE order_id = OLD.order_id; "
        f"IF NEW.status = {_FAILED} THEN {_PG_INSERT_CAUSES} END IF;",
        "AFTER UPDATE OF status, reasons, posted_date, order_ref ON log_entry FOR EACH ROW "
        f"WHEN ((OLD.status = {_FAILED} OR NEW.status = {_FAILED}) AND "
        "(OLD.status IS DISTINCT FROM NEW.status OR OLD.reasons IS DISTINCT FROM NEW.reasons "
        "OR OLD.posted_date IS DISTINCT FROM NEW.posted_date "
        "OR OLD.order_ref IS DISTINCT FROM NEW.order_ref))",
    ),
    "failure_cause_delete": (
        f"DELETE FROM {TABLE} WHERE order_id = OLD.order_id;",
        f"AFTER DELETE ON log_entry FOR EACH ROW WHEN (OLD.status = {_FAILED})",
    ),
    "failure_group_count_insert": (
        f"INSERT INTO {GROUPS} (code, subject, orders) VALUES (NEW.code, NEW.subject, 1) "
        f"ON CONFLICT (code, subject) DO UPDATE SET orders = {GROUPS}.orders + 1;",
        f"AFTER INSERT ON {TABLE} FOR EACH ROW",
    ),
    "failure_group_count_delete": (
        f"UPDATE {GROUPS} SET orders = orders - 1 "
        "WHERE code = OLD.code AND subject = OLD.subject; "
        f"DELETE FROM {GROUPS} WHERE code = OLD.code AND subject = OLD.subject AND orders <= 0;",
        f"AFTER DELETE ON {TABLE} FOR EACH ROW",
    ),
}
_PG_TRIGGERS: tuple[str, ...] = tuple(
    statement
    for name, (body, when) in _PG_TRIGGER_BODIES.items()
    for statement in (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body} RETURN NULL; END $$",
        f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {name}()",
    )
)


# -- the worklist -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderMark:
    """An order named in a group: its ref and posted date."""

    ref: str
    posted_date: date


@dataclass(frozen=True)
class ProblemGroup:
    """One root cause and the failed orders it blocks."""

    code: str
    subject: str  # "" for a code without one (not_connected, order_invalid, ...)
    orders: int  # how many failed orders it blocks (exact)
    oldest: OrderMark
    newest: OrderMark
    fixes: tuple[Fix, ...]
    refs: tuple[str, ...]  # its orders' refs, oldest first (capped: see problem_groups)
    customer_name: str = ""  # the customer's name, when the subject is its reference

    @property
    def key(self) -> str:
        """``code:subject``, how the command line names a group."""
        return f"{self.code}:{self.subject}"


@dataclass(frozen=True)
class ProblemTotals:
    problems: int  # groups
    orders: int  # failed orders with at least one cause


def _seek(selected: str, order: str, limit: str) -> str:
    """A subquery: ``selected`` of the group ``g``'s orders in posted order (``order``: ASC or
    DESC), at most ``limit`` of them: a seek in the group index."""
    return (
        f"SELECT {selected} FROM {TABLE} AS f WHERE f.code = g.code AND f.subject = g.subject "
        f"ORDER BY f.posted_date {order}, f.order_ref {order} LIMIT {limit}"
    )


# Refs are joined with a control character, which the importer refuses in any value: splitting
# them is cheaper than decoding 5,000 JSON lists, which cost more than the query.
_SEPARATOR = "\x1f"
_BY_REFERENCE = ", ".join(_quoted(code) for code in BY_CUSTOMER_REFERENCE)


def _groups_sql(engine: Engine) -> str:
    """Per group: the oldest order's date then the first refs (at least one: the oldest's),
    and the newest order's ref and date, each one seek; the first refs' limit is a parameter."""
    join = f"chr({ord(_SEPARATOR)})" if engine is POSTGRES else f"char({ord(_SEPARATOR)})"
    first_refs = (
        f"string_agg(order_ref, {join} ORDER BY posted_date, order_ref)"
        if engine is POSTGRES
        else f"group_concat(order_ref, {join})"
    )
    return f"""
SELECT g.code, g.subject, g.orders,
    (SELECT min(posted_date) || {join} || {first_refs}
        FROM ({_seek("order_ref, posted_date", "ASC", "?")}) AS firsts),
    ({_seek(f"order_ref || {join} || posted_date", "DESC", "1")}),
    CASE WHEN g.code IN ({_BY_REFERENCE})
        THEN (SELECT name FROM customer WHERE reference = g.subject) END
FROM {GROUPS} AS g
ORDER BY g.orders DESC, g.code, g.subject
"""


def _cursor(sql: str, params: Sequence[Any] = ()) -> Any:
    """Run ``sql``, written with ``?`` marks, on the order book's engine; its cursor."""
    # Raised as peewee's errors, like every other query of the store.
    with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
        return database.execute_sql(current().marks(sql), params)


def problem_groups(refs: int | None = REFS_SHOWN) -> list[ProblemGroup]:
    """Every root cause blocking failed orders, the most orders first, each with its first
    ``refs`` order refs (None: all of them)."""
    # At least one is read, the oldest; no limit: -1 (SQLite), NULL (PostgreSQL).
    engine = current()
    unlimited = None if engine is POSTGRES else -1
    limit = unlimited if refs is None else max(refs, 1)
    rows = _cursor(_groups_sql(engine), (limit,)).fetchall()
    groups = []
    for code, subject, orders, first, last, name in rows:
        first_day, *shown = first.split(_SEPARATOR)
        newest_ref, last_day = last.split(_SEPARATOR)
        groups.append(
            ProblemGroup(
                code=code,
                subject=subject,
                orders=orders,
                oldest=OrderMark(shown[0], date.fromisoformat(first_day)),
                newest=OrderMark(newest_ref, date.fromisoformat(last_day)),
                fixes=FIXES.get(code, ()),
                refs=tuple(shown if refs is None else shown[:refs]),
                customer_name=name or "",
            )
        )
    return groups


def problem_totals() -> ProblemTotals:
    """How many causes block how many orders ("12 problems blocking 140 orders"): every
    failed order is blocked (the engine fails none without a reason)."""
    problems = _cursor(f"SELECT COUNT(*) FROM {GROUPS}").fetchone()[0]
    failed = StatusCount.get_or_none(StatusCount.status == Status.FAILED)
    return ProblemTotals(problems, failed.count if failed else 0)


def split_key(key: str) -> tuple[str, str]:
    """A group's ``code:subject`` key as its code and subject (the subject may hold colons)."""
    code, _, subject = key.partition(":")
    return code, subject


def group_order_ids(code: str, subject: str) -> list[int]:
    """The failed orders a cause blocks, oldest first (one index range)."""
    rows = _cursor(
        f"SELECT order_id FROM {TABLE} WHERE code = ? AND subject = ? "
        "ORDER BY posted_date, order_ref",
        (code, subject),
    ).fetchall()
    return [order_id for (order_id,) in rows]


@dataclass(frozen=True)
class GroupCustomer:
    """A customer of a group's orders, as a contact picker compares it."""

    reference: str
    name: str
    email: str


def group_customers(code: str, subject: str) -> list[GroupCustomer]:
    """The customers of the failed orders a cause blocks (one for a cause by customer
    reference; those sharing the name for an ambiguous one), by reference."""
    rows = _cursor(
        f"SELECT DISTINCT c.reference, c.name, c.email FROM {TABLE} AS f "
        "JOIN sales_order AS o ON o.id = f.order_id JOIN customer AS c ON c.id = o.customer_id "
        "WHERE f.code = ? AND f.subject = ? ORDER BY c.reference",
        (code, subject),
    ).fetchall()
    return [GroupCustomer(*row) for row in rows]


def group_reason_details(code: str, subject: str) -> list[dict[str, Any]]:
    """The distinct details of the reasons that make the cause ``code:subject`` on the failed
    orders it blocks (a code with one subject each: see :data:`SUBJECT_PATHS`)."""
    path = SUBJECT_PATHS[code]
    if current() is POSTGRES:
        reasons = "jsonb_array_elements(e.reasons::jsonb) AS reason"
        details, reason_code = "reason->>'details'", "reason->>'code'"
        reason_subject = f"reason #>> {_pg_path(path)}"
    else:
        reasons = "json_each(e.reasons) AS reason"
        details, reason_code = "json_extract(reason.value, '$.details')", _CODE
        reason_subject = f"json_extract(reason.value, {_quoted(path)})"
    rows = _cursor(
        f"SELECT DISTINCT {details} FROM {TABLE} AS f "
        f"JOIN log_entry AS e ON e.order_id = f.order_id, {reasons} "
        f"WHERE f.code = ? AND f.subject = ? AND {reason_code} = ? AND {reason_subject} = ?",
        (code, subject, code, subject),
    ).fetchall()
    return [json.loads(details) for (details,) in rows]
