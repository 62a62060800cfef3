"""Opening the order book: an SQLite file (checks, backups, migrations, pragmas, the search
index) or, in team mode, a PostgreSQL database (:func:`open_server`).

The schema's DDL, the migrations and SQLite's own machinery (pragmas, FTS5) live here; what a
statement must say differently on PostgreSQL is asked of :mod:`xerologdesk.store.engines`, the
one seam between the engines, so the models and queries stay the same on both. A migration
writes SQLite's DDL (which :meth:`~xerologdesk.store.engines.Engine.schema` translates) or asks
``engine_of(db)`` where the engines differ.

Opening a file, in order, before anything is written to it (each refusal is a
:class:`~xerologdesk.store.trouble.DatabaseProblem` saying what, where and what to do):

1. its folder and files must be writable (a read-only -wal or -shm of ours gets its write bit
   back); an empty file in a data directory that was used before is refused (a lost order book,
   not a new one); a missing file is created whole, beside it and linked into place;
2. a read-only look: is it an SQLite database at all, is it intact, which schema version
   (``PRAGMA user_version``) it holds, and does it have every table and column that version
   has. A damaged or foreign file raises :class:`CorruptDatabaseError`, a file from a newer
   xerologdesk :class:`NewerDatabaseError`; neither is touched (not even switched to WAL);
3. an older schema is copied (SQLite's online backup API, safe for WAL files) to
   ``<name>.before-v<N>.bak``, N being the version it is about to be brought to;
4. only then is the write lock taken, and only to migrate: the pending migrations run in order,
   each in its own transaction together with its ``user_version`` bump, so a failure leaves the
   file at the last complete version. A file already current is opened without it, so opening
   never waits for another process's import;
5. the trigram search indexes are created or rebuilt if this SQLite supports them (3.34+, FTS5);
   otherwise search falls back to ``LIKE`` and a warning says so.

While open, :func:`check_still_here` tells whether the file was deleted or replaced meanwhile.

Peewee gives each thread its own connection (``thread_safe=True``): with WAL, readers on any
thread never block the single writer.

A PostgreSQL database is opened by URL: the schema is created or migrated under the team's write
lock, and the trigram search indexes are made when the server has pg_trgm. The URL is only ever
shown or logged through :func:`~xerologdesk.store.engines.redacted`.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import peewee

from xerologdesk import paths
from xerologdesk.store import engines, problems
from xerologdesk.store.engines import FOLD_FUNCTION, POSTGRES, engine_of, redacted
from xerologdesk.store.folding import fold_accents, fold_accents_or_null
from xerologdesk.store.models import database
from xerologdesk.store.trouble import (
    BUSY_TIMEOUT_MS,
    CorruptDatabaseError,
    DatabaseFileGone,
    DatabaseProblem,
    EmptyDatabaseError,
    NewerDatabaseError,
    PatientDatabase,
    ServerDatabaseError,
    check_writable,
    companions,
    disk_full_problem,
    problem_from,
    read_only_folder_problem,
)
from xerologdesk.store.vocabulary import STATUSES, XERO_STATUSES

log = logging.getLogger(__name__)
PRAGMAS: tuple[tuple[str, object], ...] = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("synchronous", 1),  # NORMAL: durable at each checkpoint, and safe from corruption in WAL
    ("busy_timeout", BUSY_TIMEOUT_MS),
    ("cache_size", -32000),  # 32 MB: the log's indexes stay in memory at a million rows
)
# A full integrity scan reads the whole file: done when migrating, and on every open of a
# file up to this size; larger files get the quick structural checks (header, schema) so
# the window of a million-order log still opens at once.
FULL_CHECK_MAX_BYTES = 128 * 1024 * 1024


# -- the schema -------------------------------------------------------------------------------

_STATUS_LIST = ", ".join(f"'{status}'" for status in STATUSES)
_STATUS_ROWS = ", ".join(f"('{status}', 0)" for status in STATUSES)

SCHEMA_V1: tuple[str, ...] = (
    """CREATE TABLE customer (
        id INTEGER PRIMARY KEY,
        reference TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        email TEXT NOT NULL DEFAULT '',
        street TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        region TEXT NOT NULL DEFAULT '',
        postcode TEXT NOT NULL DEFAULT '',
        country TEXT NOT NULL DEFAULT '',
        xero_contact_id TEXT,
        contact_linked_at TEXT)""",
    """CREATE TABLE product (
        id INTEGER PRIMARY KEY,
        sku TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        price INTEGER NOT NULL,
        taxable INTEGER NOT NULL DEFAULT 1,
        stock_on_hand INTEGER,
        stock_updated_at TEXT)""",
    """CREATE TABLE sales_order (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,
        customer_id INTEGER NOT NULL REFERENCES customer (id),
        posted_date TEXT NOT NULL,
        currency TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX sales_order_customer ON sales_order (customer_id)",
    """CREATE TABLE order_line (
        id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES sales_order (id) ON DELETE CASCADE,
        line_no INTEGER NOT NULL,
        product_id INTEGER NOT NULL REFERENCES product (id),
        quantity INTEGER NOT NULL,
        unit_price INTEGER NOT NULL)""",
    "CREATE UNIQUE INDEX order_line_order_line_no ON order_line (order_id, line_no)",
    "CREATE INDEX order_line_product ON order_line (product_id)",
    # The text columns the log sorts and prefix-searches by compare without case (NOCASE), so
    # sorting is what people expect and LIKE 'ab%' can use their indexes.
    f"""CREATE TABLE log_entry (
        order_id INTEGER PRIMARY KEY REFERENCES sales_order (id) ON DELETE CASCADE,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ({_STATUS_LIST})),
        reasons TEXT NOT NULL DEFAULT '[]',
        trace TEXT,
        note TEXT,
        xero_invoice_id TEXT,
        xero_invoice_number TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        dismissed_reason TEXT,
        dismissed_at TEXT,
        previous_status TEXT,
        order_ref TEXT NOT NULL COLLATE NOCASE,
        posted_date TEXT NOT NULL,
        customer_name TEXT NOT NULL COLLATE NOCASE,
        customer_reference TEXT NOT NULL COLLATE NOCASE,
        currency TEXT NOT NULL,
        total INTEGER NOT NULL,
        reason_summary TEXT NOT NULL DEFAULT '')""",
    # Each index ends in the rowid (order_id), the tie-breaker of every sort: pages come
    # straight off the index with no sorting step.
    "CREATE INDEX log_entry_status_posted ON log_entry (status, posted_date)",
    "CREATE INDEX log_entry_posted ON log_entry (posted_date)",
    "CREATE INDEX log_entry_status_ref ON log_entry (status, order_ref)",
    "CREATE INDEX log_entry_ref ON log_entry (order_ref)",
    "CREATE INDEX log_entry_status_customer ON log_entry (status, customer_name)",
    "CREATE INDEX log_entry_customer ON log_entry (customer_name)",
    "CREATE INDEX log_entry_customer_reference ON log_entry (customer_reference)",
    """CREATE TABLE attempt (
        id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES sales_order (id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        messages TEXT NOT NULL DEFAULT '[]',
        reasons TEXT NOT NULL DEFAULT '[]')""",
    "CREATE INDEX attempt_order_at ON attempt (order_id, at)",
    "CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE connection (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        kind TEXT NOT NULL,
        base_url TEXT NOT NULL DEFAULT '',
        tenant_id TEXT NOT NULL,
        tenant_name TEXT NOT NULL DEFAULT '',
        connection_id TEXT NOT NULL DEFAULT '',
        client_id TEXT NOT NULL DEFAULT '',
        connected_at TEXT NOT NULL,
        last_refreshed_at TEXT)""",
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        natural_key TEXT NOT NULL DEFAULT '',
        order_id INTEGER REFERENCES sales_order (id) ON DELETE SET NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        created_at TEXT NOT NULL,
        sent_at TEXT,
        finished_at TEXT,
        xero_id TEXT,
        response TEXT)""",
    "CREATE INDEX outbox_state ON outbox (state)",
    "CREATE INDEX outbox_order ON outbox (order_id)",
    "CREATE TABLE status_count (status TEXT PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0)",
    f"INSERT INTO status_count (status, count) VALUES {_STATUS_ROWS}",
    # Counts by status follow every insert, status change and delete, so the log's counters
    # never scan a million rows (issue 6).
    """CREATE TRIGGER log_entry_count_insert AFTER INSERT ON log_entry BEGIN
        UPDATE status_count SET count = count + 1 WHERE status = NEW.status;
    END""",
    """CREATE TRIGGER log_entry_count_delete AFTER DELETE ON log_entry BEGIN
        UPDATE status_count SET count = count - 1 WHERE status = OLD.status;
    END""",
    """CREATE TRIGGER log_entry_count_update AFTER UPDATE OF status ON log_entry
    WHEN OLD.status IS NOT NEW.status BEGIN
        UPDATE status_count SET count = count - 1 WHERE status = OLD.status;
        UPDATE status_count SET count = count + 1 WHERE status = NEW.status;
    END""",
)


def _execute(db: peewee.Database, sql: str, params: Sequence[Any] = ()) -> Any:
    """``db.execute_sql``, typed (peewee's stubs leave it untyped): one statement, its cursor."""
    execute_sql: Callable[[str, Sequence[Any]], Any] = db.execute_sql
    return execute_sql(sql, params)


def _execute_all(db: peewee.Database, statements: Sequence[str]) -> None:
    # One by one: sqlite3's executescript would COMMIT the migration's transaction first.
    for statement in statements:
        _execute(db, statement)


def _migrate_to_v1(db: peewee.Database) -> None:
    """Create every table, index and trigger of the first schema."""
    _execute_all(db, engine_of(db).schema(SCHEMA_V1))


def _migrate_add_pending_action(db: peewee.Database) -> None:
    """Remember what a *Pending* order waits to have done (an Auto Sync or a Retry stopped by
    transient trouble), so the next sync carries it out instead of a plain sync."""
    _execute(
        db,
        "ALTER TABLE log_entry ADD COLUMN pending_action TEXT "
        "CHECK (pending_action IN ('auto_sync', 'retry'))",
    )


# The log's sortable columns that the first schema left without an index: sorting a million
# orders by one of them (either way) scanned the table and sorted it in a temporary B-tree (up to
# 3.8 s). Like the others, each index ends in the rowid (order_id), the sort's tie-breaker.
SORT_INDEXES = (
    "CREATE INDEX log_entry_total ON log_entry (total)",
    "CREATE INDEX log_entry_status ON log_entry (status)",
    "CREATE INDEX log_entry_attempts ON log_entry (attempts)",
    "CREATE INDEX log_entry_last_attempt ON log_entry (last_attempt_at)",
    "CREATE INDEX log_entry_invoice_number ON log_entry (xero_invoice_number)",
    "CREATE INDEX log_entry_reason ON log_entry (reason_summary)",
)


def _migrate_add_sort_indexes(db: peewee.Database) -> None:
    """Index every column the log sorts by, so each sorts within 100 ms both ways at 1M."""
    _execute_all(db, SORT_INDEXES)


def _migrate_fold_search_index(db: peewee.Database) -> None:
    """Drop the search index of text as written; opening builds the folded one. A version of
    its own because that index's triggers call a function only this version registers: an
    older program must refuse the file rather than fail on every edit of a name.

    PostgreSQL never had the unfolded index: there this version creates the folding function
    and the log's folded text, which its search (and search index) reads."""
    if engine_of(db) is POSTGRES:
        _execute_all(db, engines.search_schema())
    else:
        _drop_search_index(db)


# A user's own word on what an order's customer and products are in Xero, kept apart from the
# engine's remembered ContactID (customer.xero_contact_id, which a sync overwrites or drops):
# a link or a mapping changes only when the user changes it. Keyed without case (NOCASE), as
# Xero compares account numbers and item codes.
LINK_TABLES = (
    """CREATE TABLE customer_link (
        reference TEXT PRIMARY KEY COLLATE NOCASE,
        contact_id TEXT NOT NULL,
        contact_name TEXT NOT NULL DEFAULT '',
        linked_at TEXT NOT NULL,
        linked_by TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE sku_mapping (
        sku TEXT PRIMARY KEY COLLATE NOCASE,
        item_code TEXT NOT NULL,
        mapped_at TEXT NOT NULL,
        mapped_by TEXT NOT NULL DEFAULT '')""",
)


def _migrate_add_links_and_mappings(db: peewee.Database) -> None:
    """Keep the customers a user linked to a Xero contact and the SKUs mapped to a Xero item
    code (issue 12): used before any look-up on every later sync."""
    _execute_all(db, engine_of(db).schema(LINK_TABLES))


# What became of each order's invoice in Xero (issue 15), as refreshes see it: its status, amount
# due and when seen on the log entry (sortable and filterable by status within 100 ms at 1M, and
# found by invoice id when a refresh answers), each change seen in a history of its own, an
# order kept as it is after its invoice was voided (Accept), and where each organisation's
# refresh of each resource stands (Xero's clock, for If-Modified-Since).
XERO_LIFECYCLE = (
    "ALTER TABLE log_entry ADD COLUMN xero_status TEXT "
    f"CHECK (xero_status IN ({', '.join(repr(each.value) for each in XERO_STATUSES)}))",
    "ALTER TABLE log_entry ADD COLUMN xero_amount_due INTEGER",
    "ALTER TABLE log_entry ADD COLUMN xero_seen_at TEXT",
    "ALTER TABLE log_entry ADD COLUMN xero_accepted INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX log_entry_xero_status ON log_entry (xero_status)",
    "CREATE INDEX log_entry_invoice_id ON log_entry (xero_invoice_id)",
    """CREATE TABLE xero_invoice_seen (
        id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES sales_order (id) ON DELETE CASCADE,
        invoice_id TEXT NOT NULL,
        invoice_number TEXT,
        status TEXT NOT NULL,
        amount_due INTEGER,
        seen_at TEXT NOT NULL)""",
    "CREATE INDEX xero_invoice_seen_order ON xero_invoice_seen (order_id, seen_at)",
    """CREATE TABLE xero_refresh (
        tenant_id TEXT NOT NULL,
        resource TEXT NOT NULL,
        since TEXT NOT NULL,
        PRIMARY KEY (tenant_id, resource))""",
)


def _migrate_add_xero_lifecycle(db: peewee.Database) -> None:
    """Keep what a refresh from Xero sees of each order's invoice (see XERO_LIFECYCLE)."""
    _execute_all(db, engine_of(db).schema(XERO_LIFECYCLE))


def _migrate_add_failure_causes(db: peewee.Database) -> None:
    """Keep the failed orders' causes in a table of their own (``store.problems``), filled from
    the log's reasons and kept by triggers, so the problems worklist groups 100,000 failures
    from one index within 200 ms."""
    engine = engine_of(db)
    _execute_all(db, engine.schema(problems.SCHEMA))
    problems.rebuild(lambda statement: _execute(db, statement), engine)


def _migrate_add_attempt_author(db: peewee.Database) -> None:
    """Keep who made each entry of an order's history (``user@machine``, store.actor): on a
    team's shared log the details say who dismissed or resolved an order, and on which desktop.
    Older entries have none ("")."""
    _execute(db, "ALTER TABLE attempt ADD COLUMN done_by TEXT NOT NULL DEFAULT ''")


def _migrate_add_change_counter(db: peewee.Database) -> None:
    """Give PostgreSQL a change counter the window polls (one row, bumped by triggers once a
    writing transaction), so another desktop's change shows within a poll without the window
    reading the log again for nothing. SQLite has its own (``PRAGMA data_version``)."""
    _execute_all(db, engine_of(db).change_counter_schema())


# PostgreSQL's indexes end in no key of their own where SQLite's end in the rowid: the log's
# indexes as the first migrations made them (on status, attempts, a reason...) gave no order to
# the ties of ``ORDER BY status, order_id``, so a page sorted by such a column sorted whole
# groups of up to a million rows first (0.2-1.9 s at 1M). Made again ending in the order id, as
# SQLite's are; order_line's product index too, so a SKU search reads its orders' ids off the
# index without visiting the lines. (index, table, columns)
SERVER_KEYED_INDEXES = (
    ("log_entry_status_posted", "log_entry", "status, posted_date, order_id"),
    ("log_entry_posted", "log_entry", "posted_date, order_id"),
    ("log_entry_status_ref", "log_entry", "status, order_ref, order_id"),
    ("log_entry_ref", "log_entry", "order_ref, order_id"),
    ("log_entry_status_customer", "log_entry", "status, customer_name, order_id"),
    ("log_entry_customer", "log_entry", "customer_name, order_id"),
    ("log_entry_customer_reference", "log_entry", "customer_reference, order_id"),
    ("log_entry_total", "log_entry", "total, order_id"),
    ("log_entry_status", "log_entry", "status, order_id"),
    ("log_entry_attempts", "log_entry", "attempts, order_id"),
    ("log_entry_last_attempt", "log_entry", "last_attempt_at, order_id"),
    ("log_entry_invoice_number", "log_entry", "xero_invoice_number, order_id"),
    ("log_entry_reason", "log_entry", "reason_summary, order_id"),
    ("log_entry_xero_status", "log_entry", "xero_status, order_id"),
    ("order_line_product", "order_line", "product_id, order_id"),
)


def _migrate_key_server_indexes(db: peewee.Database) -> None:
    """On PostgreSQL, end the log's sort indexes in the order id (SERVER_KEYED_INDEXES), so
    every column sorts a page off its index as on SQLite. Nothing changes on SQLite."""
    if engine_of(db) is not POSTGRES:
        return
    for name, table, columns in SERVER_KEYED_INDEXES:
        _execute(db, f"DROP INDEX {name}")
        _execute(db, f"CREATE INDEX {name} ON {table} ({columns})")


# What PostgreSQL's search read before it looked for names first: one trigram index of the log's
# whole text, which no search reads any more (see engines.NAME_TABLE).
_RETIRED_SERVER_SEARCH = "log_entry_search_trgm"


def _migrate_search_names_first(db: peewee.Database) -> None:
    """On PostgreSQL, keep the log's distinct customer names and references in a table of their
    own and each order's ref and invoice number folded (engines.names_schema), which a search
    reads instead of the log's whole text, and drop the trigram index of that text (the
    narrower ones are made with the others when the server has pg_trgm). Nothing changes on
    SQLite."""
    if engine_of(db) is not POSTGRES:
        return
    _execute(db, f"DROP INDEX IF EXISTS {_RETIRED_SERVER_SEARCH}")
    _execute_all(db, engines.names_schema())


def _migrate_sqlite_names_first(db: peewee.Database) -> None:
    """On SQLite, search names first as PostgreSQL does since v11: drop the search index whose
    rows held each order's customer name and reference besides its ref and invoice number;
    opening builds the new one (a table of the log's distinct names and references with a
    trigram index of its own, and the orders' refs and invoice numbers: see SEARCH_TABLE) in
    the same open, right after. A version of its own so that an older program, which would
    read and write the old layout, refuses the file. Nothing changes on PostgreSQL."""
    if engine_of(db) is not POSTGRES:
        _drop_search_index(db)


def _migrate_line_product_order(db: peewee.Database) -> None:
    """On SQLite, end order_line's product index in the order id, as PostgreSQL's has since v10:
    a SKU search lists the orders of a product's lines off the index alone (the 1,005 lines of
    "SKU-01234" on a million orders: 1-2 ms, where reading each line's row took 12 ms with the
    file in the system's cache and 120 ms from the disk). Nothing changes on PostgreSQL."""
    if engine_of(db) is POSTGRES:
        return
    _execute(db, "DROP INDEX order_line_product")
    _execute(db, "CREATE INDEX order_line_product ON order_line (product_id, order_id)")


def _migrate_customer_posted_index(db: peewee.Database) -> None:
    """On SQLite, index the log by customer name and posted date: a search matching a customer's
    few thousand orders sorts them by their posted date (the log's first sort) off this index,
    without reading their rows ("Harbour Deli 7", 3,053 orders of a million: a first page in
    8 ms from a fresh start, where reading the rows took 25). The customer index stays: it
    keeps the sort by customer in the order id. Nothing changes on PostgreSQL, whose search
    reads and sorts the matches its own way."""
    if engine_of(db) is POSTGRES:
        return
    _execute(db, "CREATE INDEX log_entry_customer_posted ON log_entry (customer_name, posted_date)")


# The ordered migrations: MIGRATIONS[n - 1] brings a database from version n - 1 to n. Never
# edit a released one; append a new one (and keep the models in step with the result).
MIGRATIONS: list[Callable[[peewee.Database], None]] = [
    _migrate_to_v1,
    _migrate_add_pending_action,
    _migrate_add_sort_indexes,
    _migrate_fold_search_index,
    _migrate_add_links_and_mappings,
    _migrate_add_xero_lifecycle,
    _migrate_add_failure_causes,
    _migrate_add_attempt_author,
    _migrate_add_change_counter,
    _migrate_key_server_indexes,
    _migrate_search_names_first,
    _migrate_sqlite_names_first,
    _migrate_line_product_order,
    _migrate_customer_posted_index,
]


def schema_version() -> int:
    """The newest schema version this program knows."""
    return len(MIGRATIONS)


# -- transactions ------------------------------------------------------------------------------


@contextlib.contextmanager
def write_transaction() -> Iterator[None]:
    """One write transaction (BEGIN IMMEDIATE): all of it is committed or none of it.

    SQLite rolls a transaction back by itself on some errors (a full disk, SQLITE_FULL); the
    ROLLBACK peewee then sends fails with "no transaction is active" (or, inside another
    transaction, "no such savepoint") and would hide the real error, which is raised instead.
    """
    try:
        with database.atomic():
            yield
    except peewee.OperationalError as error:
        if not _rolled_back_already(error):
            raise
        original = error.__context__
        while original is not None and (
            not isinstance(original, peewee.DatabaseError) or _rolled_back_already(original)
        ):
            original = original.__context__
        if original is None:
            raise
        raise original from None


def _rolled_back_already(error: BaseException) -> bool:
    """Whether ``error`` is a rollback's, failing because SQLite rolled back by itself."""
    text = str(error)
    return "no transaction is active" in text or "no such savepoint" in text


# -- bulk writes -------------------------------------------------------------------------------


def bulk_insert(
    model: type[peewee.Model],
    fields: Sequence[peewee.Field],
    rows: Sequence[Sequence[Any]],
    *,
    staged: bool = False,
) -> None:
    """Insert many rows of database-ready values (as ``field.db_value`` gives them).

    A prepared statement run with executemany: peewee's insert_many builds one large SQL text
    per chunk and was eight times slower on a 100,000-line import. ``staged``: through a
    temporary table where that is quicker (see :meth:`Engine.insert_many`).
    """
    if not rows:
        return
    columns = [field.column_name for field in fields]
    # Raised as peewee's errors, like every other query (raw cursors raise the driver's own).
    with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
        engines.current().insert_many(
            database, model._meta.table_name, columns, rows, staged=staged
        )


def bulk_update(
    model: type[peewee.Model],
    fields: Sequence[peewee.Field],
    rows: Mapping[int, Sequence[Any]],
) -> None:
    """Set ``fields`` of many rows, by integer primary key, to database-ready values (as
    ``field.db_value`` gives them), in one statement."""
    if not rows:
        return
    meta: Any = model._meta
    columns = [field.column_name for field in fields]
    engines.current().update_many(
        database, meta.table_name, meta.primary_key.column_name, columns, rows
    )


def rows_at_once(query: Any, *columns: peewee.Field) -> list[tuple[Any, ...]]:
    """The ``columns`` of a query's rows (order not kept), read in one step and converted by
    the fields."""
    converters: list[Callable[[Any], Any]] = [column.python_value for column in columns]
    return [
        tuple(convert(value) for convert, value in zip(converters, row, strict=True))
        for row in engines.current().raw_rows(query, columns)
    ]


def rows_by_key(
    table: str, key: str, columns: Sequence[str], keys: Sequence[Any]
) -> dict[Any, tuple[Any, ...]]:
    """Raw ``columns`` of the rows whose ``key`` is one of ``keys``, by key (chunked IN lists;
    for bulk look-ups where building a peewee query per chunk costs more than the query)."""
    found: dict[Any, tuple[Any, ...]] = {}
    selected = ", ".join(f'"{column}"' for column in (key, *columns))
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        marks = ", ".join([engines.current().mark] * len(chunk))
        cursor = database.execute_sql(
            f'SELECT {selected} FROM "{table}" WHERE "{key}" IN ({marks})', chunk
        )
        found.update((row[0], tuple(row[1:])) for row in cursor)
    return found


# -- the search index --------------------------------------------------------------------------

# Three trigram indexes, each of text folded (store.folding: "Café" as "Cafe"). The log's
# distinct customer names and references (NAME_TABLE as written, one row per name, and
# NAME_SEARCH_TABLE folded, rowid = the name's id): a name is repeated in every order of its
# customer, so an index of the orders' names read and intersected lists of hundreds of
# thousands of orders for one ("Harbour Deli 7": ~11 ms on a million orders); the few names
# holding a search's text are found among a few thousand, and their orders come off the log's
# own indexes of customer_name and customer_reference without reading a row. Each order's ref
# and Xero invoice number (SEARCH_TABLE, rowid = order id), so "INV-0016" finds its order.
# The products' SKUs (SKU_SEARCH_TABLE, rowid = product id), reached through order_line's
# product index: indexing each order's SKUs instead put trigrams like "sku" and "-01" in every
# order of a big log, and resolving "SKU-01234" then read a million-entry list per trigram
# (~90 ms); the SKU index has a row per product, and stays right when lines change.
SEARCH_TABLE = "order_text_search"
SKU_SEARCH_TABLE = "sku_search"
NAME_TABLE = engines.NAME_TABLE  # the same table (and name) as PostgreSQL's
NAME_SEARCH_TABLE = "name_search"
# The SQL function the triggers fold with (FOLD_FUNCTION): registered on every connection.
# Deletes and edits follow by trigger; new orders (and their names) are added by
# add_to_search_index, products (few, and inserted in many places) by trigger. A name no order
# has any more stays (it finds nothing), as on PostgreSQL.
_SEARCH_TRIGGERS = (
    "order_text_search_delete",
    "order_text_search_update",
    "log_name_update",
    "name_search_insert",
    "sku_search_insert",
    "sku_search_delete",
    "sku_search_update",
)
# What earlier versions built, dropped when found: one index of orders with their SKUs (before
# 0.2), then one of the orders' text as written (before accents were folded). Before schema v12
# order_text_search held each order's customer name and reference too.
_RETIRED_SEARCH = {
    "trigger": (
        "log_search_delete",
        "log_search_update",
        "order_search_delete",
        "order_search_update",
    ),
    "table": ("log_search", "order_search"),
}
_SEARCH_TABLES = (SEARCH_TABLE, SKU_SEARCH_TABLE, NAME_TABLE, NAME_SEARCH_TABLE)
_SEARCHED_COLUMNS = ("order_ref", "xero_invoice_number")
_SEARCH_COLUMN_LIST = ", ".join(_SEARCHED_COLUMNS)
_NAMED_COLUMNS = ("customer_name", "customer_reference")
# A name into the log's names, unless there already (only a new one fires name_search_insert).
_ADD_NAMES = f"INSERT OR IGNORE INTO {NAME_TABLE} (name) VALUES (?)"
_SEARCH_SCHEMA: tuple[str, ...] = (
    f"""CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(
        {_SEARCH_COLUMN_LIST}, tokenize = 'trigram', columnsize = 0)""",
    f"""CREATE VIRTUAL TABLE {SKU_SEARCH_TABLE} USING fts5(
        sku, tokenize = 'trigram', columnsize = 0)""",
    # NOCASE as the log's columns: customer_name IN (its names) reads their index.
    f"""CREATE TABLE {NAME_TABLE} (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE)""",
    f"""CREATE VIRTUAL TABLE {NAME_SEARCH_TABLE} USING fts5(
        name, tokenize = 'trigram', columnsize = 0)""",
    f"""CREATE TRIGGER order_text_search_delete AFTER DELETE ON log_entry BEGIN
        DELETE FROM {SEARCH_TABLE} WHERE rowid = OLD.order_id;
    END""",
    f"""CREATE TRIGGER order_text_search_update
    AFTER UPDATE OF {_SEARCH_COLUMN_LIST} ON log_entry BEGIN
        UPDATE {SEARCH_TABLE} SET {
        ", ".join(f"{column} = {FOLD_FUNCTION}(NEW.{column})" for column in _SEARCHED_COLUMNS)
    } WHERE rowid = NEW.order_id;
    END""",
    f"""CREATE TRIGGER log_name_update
    AFTER UPDATE OF {", ".join(_NAMED_COLUMNS)} ON log_entry BEGIN
        INSERT OR IGNORE INTO {NAME_TABLE} (name)
        VALUES (NEW.customer_name), (NEW.customer_reference);
    END""",
    f"""CREATE TRIGGER name_search_insert AFTER INSERT ON {NAME_TABLE} BEGIN
        INSERT INTO {NAME_SEARCH_TABLE} (rowid, name) VALUES (NEW.id, {FOLD_FUNCTION}(NEW.name));
    END""",
    f"""CREATE TRIGGER sku_search_insert AFTER INSERT ON product BEGIN
        INSERT INTO {SKU_SEARCH_TABLE} (rowid, sku) VALUES (NEW.id, NEW.sku);
    END""",
    f"""CREATE TRIGGER sku_search_delete AFTER DELETE ON product BEGIN
        DELETE FROM {SKU_SEARCH_TABLE} WHERE rowid = OLD.id;
    END""",
    f"""CREATE TRIGGER sku_search_update AFTER UPDATE OF sku ON product BEGIN
        UPDATE {SKU_SEARCH_TABLE} SET sku = NEW.sku WHERE rowid = NEW.id;
    END""",
    # every order already in the log, and its names
    f"""INSERT INTO {SEARCH_TABLE} (rowid, {_SEARCH_COLUMN_LIST})
        SELECT order_id, {", ".join(f"{FOLD_FUNCTION}({c})" for c in _SEARCHED_COLUMNS)}
        FROM log_entry""",
    f"""INSERT OR IGNORE INTO {NAME_TABLE} (name)
        SELECT customer_name FROM log_entry UNION SELECT customer_reference FROM log_entry""",
    f"INSERT INTO {SKU_SEARCH_TABLE} (rowid, sku) SELECT id, sku FROM product",
)


def register_functions(db: peewee.SqliteDatabase) -> None:
    """Give every connection ``db`` opens the SQL functions the search index's triggers call."""
    db.register_function(fold_accents_or_null, FOLD_FUNCTION, 1, deterministic=True)


@functools.cache
def trigram_available() -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (SQLite 3.34 or later)."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return False
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE probe USING fts5(x, tokenize = 'trigram')")
        return True
    except sqlite3.Error:
        return False
    finally:
        probe.close()


def _names(db: peewee.Database, kind: str) -> set[str]:
    cursor = _execute(db, "SELECT name FROM sqlite_master WHERE type = ?", (kind,))
    return {row[0] for row in cursor.fetchall()}


def search_index_ready(db: peewee.Database | None = None) -> bool:
    """Whether log search can use SQLite's trigram indexes (else it falls back to LIKE, which
    on PostgreSQL has a trigram index of its own: see :func:`_ensure_server_search_index`)."""
    chosen: Any = db or database
    return (
        engine_of(chosen) is not POSTGRES
        and trigram_available()
        and set(_SEARCH_TABLES) <= _names(chosen, "table")
        and set(_SEARCH_TRIGGERS) <= _names(chosen, "trigger")
    )


def _ensure_search_index(db: peewee.Database) -> None:
    """Build the search indexes if this SQLite can, or stop maintaining ones it cannot."""
    if trigram_available():
        if search_index_ready(db):
            return
        log.info("building the log's search index (once; a minute at most on a large log)")
        with db.atomic():
            _drop_search_index(db)
            _execute_all(db, _SEARCH_SCHEMA)
        return
    log.warning(
        "SQLite %s has no FTS5 trigram tokenizer (3.34 or later needed): searching the log "
        "falls back to LIKE, which is slower on large logs",
        sqlite3.sqlite_version,
    )
    triggers = {*_SEARCH_TRIGGERS, *_RETIRED_SEARCH["trigger"]} & _names(db, "trigger")
    if triggers:
        # Written by an SQLite that had trigram: its triggers would fail every insert here.
        with db.atomic():
            for trigger in sorted(triggers):
                _execute(db, f"DROP TRIGGER {trigger}")


def _drop_search_index(db: peewee.Database) -> None:
    for trigger in (*_SEARCH_TRIGGERS, *_RETIRED_SEARCH["trigger"]):
        _execute(db, f"DROP TRIGGER IF EXISTS {trigger}")
    for table in (*_SEARCH_TABLES, *_RETIRED_SEARCH["table"]):
        _execute(db, f"DROP TABLE IF EXISTS {table}")


def add_to_search_index(rows: Sequence[tuple[int, str, str, str]]) -> None:
    """Add new log entries to the search index from what the writer already holds:
    (order id, order ref, customer name, customer reference); their names go in only when new.

    Whoever inserts log entries calls this in the same transaction (a per-row trigger made a
    100,000-line import five times slower); does nothing when search falls back to LIKE.
    """
    if rows and search_index_ready():
        refs = [(order_id, fold_accents(ref)) for order_id, ref, _, _ in rows]
        names = {(name,) for _, _, *named in rows for name in named}
        with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
            cursor = database.cursor()
            cursor.executemany(f"INSERT INTO {SEARCH_TABLE} (rowid, order_ref) VALUES (?, ?)", refs)
            cursor.executemany(_ADD_NAMES, sorted(names))


# -- opening -----------------------------------------------------------------------------------


def _read_only(path: Path) -> sqlite3.Connection:
    # mode=ro: looking at a file must never change it, whatever it turns out to be.
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


@functools.lru_cache(maxsize=8)
def _expected_tables(
    migrations: tuple[Callable[[peewee.Database], None], ...],
) -> dict[str, set[str]]:
    """The tables and their columns that ``migrations`` make, built in memory; empty (nothing
    to check) if one of them cannot run there (one that reads the file's own data)."""
    reference = peewee.SqliteDatabase(":memory:")
    reference.connect()
    try:
        for migration in migrations:
            migration(reference)
        return {
            table: {row[1] for row in _execute(reference, f'PRAGMA table_info("{table}")')}
            for table in sorted(_names(reference, "table"))
        }
    except Exception:  # a migration's bug shows when it runs on the file, not here
        log.warning("the expected schema could not be built in memory; not checked", exc_info=True)
        return {}
    finally:
        reference.close()


def _schema_gap(probe: sqlite3.Connection, version: int) -> str:
    """What a file that says schema ``version`` lacks of that schema ("" when nothing)."""
    for table, columns in _expected_tables(tuple(MIGRATIONS[:version])).items():
        found = {row[1] for row in probe.execute(f'PRAGMA table_info("{table}")')}
        if not found:
            return f"it says schema v{version} but has no table {table}"
        missing = sorted(columns - found)
        if missing:
            return f"it says schema v{version} but its table {table} has no {', '.join(missing)}"
    return ""


def _integrity_problem(path: Path, probe: sqlite3.Connection) -> str:
    """One line for the user about what ``quick_check`` found ("" when intact); all of it goes
    to the log file."""
    found = "\n".join(row[0] for row in probe.execute("PRAGMA quick_check"))
    if found == "ok":
        return ""
    lines = [line for line in found.splitlines() if line.strip()]
    log.error("the integrity check of %s found:\n%s", path, "\n".join(lines))
    more = f", and {len(lines) - 1} more lines in the log file" if len(lines) > 1 else ""
    return f"the integrity check found: {lines[0].strip()}{more}"


def _inspect(path: Path, *, full_check: bool) -> int:
    """The file's schema version, after checking it is an intact xerologdesk database."""
    try:
        probe = _read_only(path)
    except sqlite3.Error as error:
        raise _cannot_open(path, error) from error
    try:
        version = int(probe.execute("PRAGMA user_version").fetchone()[0])
        tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master")}
        problem = _integrity_problem(path, probe) if full_check else ""
        if not problem and version < 0:
            problem = f"its schema version {version} is not one xerologdesk writes"
        if not problem and version == 0 and tables:
            problem = "it holds tables but no xerologdesk schema version"
        if not problem and 0 < version <= schema_version():
            problem = _schema_gap(probe, version)
    except sqlite3.DatabaseError as error:  # "file is not a database", "malformed", ...
        raise _cannot_open(path, error) from error
    finally:
        probe.close()
    if problem:
        raise CorruptDatabaseError(path, problem)
    return version


def _cannot_open(path: Path, error: sqlite3.Error) -> DatabaseProblem:
    """Why the file could not even be looked at: its folder or disk, or the file itself."""
    if isinstance(error, sqlite3.OperationalError):
        problem = problem_from(error, path)
        if problem is not None:
            return problem
    return CorruptDatabaseError(path, str(error))


def backups_of(path: Path) -> list[Path]:
    """The backups beside ``path`` the app took, newest first."""
    found = path.parent.glob(f"{path.name}*.bak")
    return sorted(found, key=lambda backup: backup.stat().st_mtime, reverse=True)


def _trace_of_use(path: Path, traces: Sequence[Path]) -> Path | None:
    """A file that says the data directory was used before (a backup, a log, tokens...)."""
    wal = companions(path)[0]
    for candidate in (*backups_of(path), wal, *traces):
        if candidate.is_file() and candidate.stat().st_size > 0:
            return candidate
    return None


def backup_path(path: Path, version: int) -> Path:
    """Where the copy taken before migrating ``path`` to ``version`` goes (never overwritten)."""
    candidate = path.with_name(f"{path.name}.before-v{version}.bak")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.before-v{version}-{number}.bak")
        number += 1
    return candidate


def _backup(path: Path, version: int) -> Path:
    """Copy the database (with whatever its WAL holds) before it is migrated."""
    target = backup_path(path, version)
    paths.create_private(target)  # customers' details: for the owner only
    source = _read_only(path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    log.info("copied %s to %s before migrating it to schema v%d", path, target, version)
    return target


def user_version(db: peewee.Database) -> int:
    """The schema version recorded in the open database."""
    return engine_of(db).version(db)


def _migrate(db: peewee.Database) -> None:
    """Run every migration the file lacks, each in one transaction with its version bump."""
    for number, migration in enumerate(MIGRATIONS, start=1):
        with db.atomic():  # BEGIN IMMEDIATE: a second process migrating waits, then skips
            if user_version(db) >= number:
                continue
            log.info("migrating %s to schema v%d", redacted(str(db.database)), number)
            migration(db)
            engine_of(db).set_version(db, number)


def _create(path: Path) -> None:
    """Make a new order book at ``path``, whole or not at all: built beside it and linked into
    place, so a crash never leaves an empty file that looks like a lost one."""
    temporary = path.with_name(f"{path.name}.new-{os.getpid()}")
    paths.create_private(temporary)
    try:
        fresh = peewee.SqliteDatabase(str(temporary))
        fresh.connect()
        try:
            _migrate(fresh)
        finally:
            fresh.close()
        try:
            os.link(temporary, path)  # never over a file another process made meanwhile
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def change_marker(db: peewee.Database | None = None) -> tuple[object, object]:
    """Changes when another connection commits: on SQLite (this thread's connection, its
    data_version), on PostgreSQL the change counter (see :meth:`Engine.change_marker`).

    For caches of table contents; a commit on the same SQLite connection does not change it.
    """
    chosen: Any = db or database
    return engine_of(chosen).change_marker(chosen)


def watched_change_marker() -> tuple[object, object]:
    """:func:`change_marker` for a window watching the order book: a team's server that cannot
    be reached (gone, restarting, the network) is raised as the :class:`ServerDatabaseError`
    saying so in plain words, for the window to show until it is back; other errors as they
    are."""
    try:
        return change_marker()
    except (peewee.DatabaseError, peewee.InterfaceError) as error:
        problem = problem_from(error)
        if not isinstance(problem, ServerDatabaseError):
            raise
        raise problem from error


def check_server(url: str, timeout_seconds: int = 5) -> str:
    """Try the PostgreSQL database at ``url`` without opening it as the order book: a sentence
    saying what is there (the server, the user, the order book's schema or none yet), or
    :class:`ServerDatabaseError` saying why not (never with the password)."""
    import psycopg

    if not engines.is_server_url(url):
        raise ServerDatabaseError(redacted(url), "it is not a postgresql:// URL")
    try:
        with psycopg.connect(
            url, autocommit=True, connect_timeout=timeout_seconds, application_name="xerologdesk"
        ) as connection:
            user, server = connection.execute(
                "SELECT current_user, current_setting('server_version')"
            ).fetchone() or ("?", "?")
            held = connection.execute(
                "SELECT to_regclass(%s) IS NOT NULL", (engines.VERSION_TABLE,)
            ).fetchone()
            version = None
            if held and held[0]:
                row = connection.execute(
                    f"SELECT max(version) FROM {engines.VERSION_TABLE}"
                ).fetchone()
                version = int(row[0]) if row and row[0] is not None else None
    except psycopg.Error as error:
        raise ServerDatabaseError(redacted(url), str(error).strip().splitlines()[0]) from error
    found = f"Connected to PostgreSQL {server} as {user}"
    if version is None:
        return f"{found}: no order book there yet; the first desktop to open it makes one."
    if version > schema_version():
        return f"{found}: its order book is from a newer xerologdesk (schema v{version})."
    return f"{found}: the team's order book is there (schema v{version})."


def _identity(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_dev, status.st_ino


def check_still_here(db: peewee.Database | None = None) -> None:
    """Raise :class:`DatabaseFileGone` if the open database's file was deleted or replaced
    (a sync tool, a restore, a user) since it was opened: writes would go into a lost file."""
    chosen: Any = db or getattr(database, "obj", None)
    expected = getattr(chosen, "file_identity", None)
    if expected is None:
        return
    path = Path(chosen.database)
    try:
        found = _identity(path)
    except FileNotFoundError:
        raise DatabaseFileGone(path, "deleted") from None
    if found != expected:
        raise DatabaseFileGone(path, "replaced by another file")


def open_database(path: Path, *, traces: Sequence[Path] = ()) -> peewee.SqliteDatabase:
    """Open (creating or migrating) the order book at ``path`` and bind the models to it.

    ``traces`` are files whose presence says the data directory was used before (its log,
    tokens): with one there, an empty database file is a lost one and is refused.

    Raises a :class:`DatabaseProblem` (damaged, newer, emptied, read-only, on a full disk)
    before writing anything.
    """
    path = Path(path)
    known = schema_version()
    check_writable(path)
    if path.exists() and path.stat().st_size == 0:
        trace = _trace_of_use(path, traces)
        if trace is not None:
            raise EmptyDatabaseError(path, trace, backups_of(path))
        path.unlink()  # an empty file and nothing else here: a first run, made properly below
    if not path.exists():
        _opening(path, _create)
    small = path.stat().st_size <= FULL_CHECK_MAX_BYTES
    found = _inspect(path, full_check=small)
    if found > known:
        raise NewerDatabaseError(path, found, known)
    if found < known:
        if not small:
            _inspect(path, full_check=True)
        _opening(path, lambda at: _backup(at, known))
    for file in (path, *companions(path)):
        paths.make_private(file)
    db = PatientDatabase(
        str(path),
        pragmas=list(PRAGMAS),
        timeout=BUSY_TIMEOUT_MS / 1000,
        lock_type="IMMEDIATE",  # writers queue up front instead of failing to upgrade a lock
        thread_safe=True,
    )
    register_functions(db)
    database.initialize(db)
    try:
        _opening(path, lambda _: _connect(db, migrate=found < known))
    except BaseException:
        db.close()
        raise
    db.file_identity = _identity(path)
    return db


def _connect(db: peewee.SqliteDatabase, *, migrate: bool) -> None:
    db.connect(reuse_if_open=True)
    if migrate:  # the write lock only when there is something to write
        _migrate(db)
    _ensure_search_index(db)


def _opening(path: Path, step: Callable[[Path], object]) -> None:
    """Run a step of opening, with its SQLite or file-system failure said in plain words."""
    try:
        step(path)
    except (sqlite3.Error, peewee.DatabaseError, OSError) as error:
        if isinstance(error, OSError):
            if error.errno == errno.ENOSPC:
                raise disk_full_problem(path) from error
            if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise read_only_folder_problem(path) from error
            raise
        problem = problem_from(error, path)
        if problem is None:
            raise
        raise problem from error


# -- a PostgreSQL database (team mode) ---------------------------------------------------------

# The trigram indexes PostgreSQL's search uses (pg_trgm), each of text folded exactly as
# search.py's conditions say it: the log's distinct customer names and references
# (engines.SEARCHED_NAME), the log's refs and invoice numbers (engines.SEARCHED_REF), and the
# products' SKUs (engines.SEARCHED_SKU).
_SERVER_SEARCH_INDEXES = (
    f"CREATE INDEX IF NOT EXISTS {engines.NAME_TABLE}_trgm ON {engines.NAME_TABLE} "
    f"USING gin (({engines.SEARCHED_NAME}) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS log_entry_ref_trgm ON log_entry "
    f"USING gin ({engines.SEARCHED_REF} gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS product_sku_trgm ON product "
    f"USING gin (({engines.SEARCHED_SKU}) gin_trgm_ops)",
)


def open_server(url: str) -> engines.TeamDatabase:
    """Open (creating or migrating the schema in) the PostgreSQL database at ``url`` and bind
    the models to it.

    Raises a :class:`DatabaseProblem` that names the URL without its password when the server
    cannot be reached, refuses the user, or holds a newer schema.
    """
    shown = redacted(url)
    db = engines.TeamDatabase(url)
    try:
        db.connect()
        with db.atomic():  # the write lock: a second desktop opening waits, then finds it done
            # NOCASE text is citext there (engines.PostgresEngine.schema).
            _execute(db, "CREATE EXTENSION IF NOT EXISTS citext")
            found = user_version(db)
        if found > schema_version():
            raise NewerDatabaseError(shown, found, schema_version())
        if found < schema_version():
            _migrate(db)
        _ensure_server_search_index(db)
    except DatabaseProblem:
        db.close()
        raise
    except peewee.DatabaseError as error:
        db.close()
        # libpq's message names host, user and database, never the password.
        raise ServerDatabaseError(shown, str(error).strip().splitlines()[0]) from error
    database.initialize(db)
    log.info("opened the order book in the PostgreSQL database %s", shown)
    return db


def _ensure_server_search_index(db: peewee.Database) -> None:
    """Create PostgreSQL's trigram indexes when the pg_trgm extension can be had (else search
    reads every order, and a warning says why)."""
    try:
        with db.atomic():
            _execute(db, "CREATE EXTENSION IF NOT EXISTS pg_trgm")
            _execute_all(db, _SERVER_SEARCH_INDEXES)
    except peewee.DatabaseError as error:
        log.warning(
            "PostgreSQL's pg_trgm extension is not available (%s): searching the log reads "
            "every order, slower on large logs. Have the server's administrator install the "
            "contrib extensions (or run CREATE EXTENSION pg_trgm in this database).",
            str(error).strip().splitlines()[0],
        )
