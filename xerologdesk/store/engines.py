"""The one seam between the two engines the order book runs on: what SQL differs, and how.

SQLite (a file on one desktop: the default) and PostgreSQL (a server a team shares, chosen by a
``postgresql://`` database URL) run the same models, migrations and queries. Whatever must be
said differently is asked of :func:`engine_of` (or :func:`current` for the database the models
are bound to), whose :class:`Engine` answers for SQLite and :class:`PostgresEngine` for
PostgreSQL. Code elsewhere writes SQL that both understand, by these conventions:

- values are stored as SQLite stores them, on both: dates and times as ISO text, amounts and
  booleans as integers, JSON as text (the PostgreSQL connection sends Python dates and booleans
  that way, see :class:`TeamDatabase`), so fields and queries never branch on the engine;
- raw SQL marks its parameters with :attr:`Engine.mark` (``?`` or ``%s``), searches text with
  :attr:`Engine.like` (SQLite's LIKE ignores ASCII case; PostgreSQL needs ILIKE for that);
- the migrations' DDL is SQLite's, which :meth:`Engine.schema` translates for PostgreSQL (the
  vocabulary it knows is listed there: a new migration stays within it or gives both texts);
- every write transaction is exclusive, as SQLite's ``BEGIN IMMEDIATE`` makes it: on
  PostgreSQL each transaction first takes one advisory lock (:meth:`TeamDatabase.begin`), so
  read-then-write code (the next free id, the outbox) stays correct with several desktops.

The database URL's password never reaches a log, a message or the database: :func:`redacted`
is the only form of a URL to show.

The methods take ``db`` as a peewee database or the models' ``DatabaseProxy`` (typed ``Any``:
peewee's stubs give neither the methods used).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

import peewee

from xerologdesk.store.folding import letters_folded

# The one advisory lock every PostgreSQL transaction takes first (an arbitrary constant: the
# digits of "xld" in ASCII), the team's BEGIN IMMEDIATE.
WRITE_LOCK_KEY = 0x786C64
# The classes (first keys) of the two-key session advisory locks a sync run holds on a
# connection of its own (store.claims): on an order it syncs (second key: the order's id), on
# its own token (the run is alive while it holds it), and while it looks up and creates
# contacts or items (second key: which of the two).
CLAIM_CLASS = WRITE_LOCK_KEY + 2
RUN_CLASS = WRITE_LOCK_KEY + 3
CREATE_CLASS = WRITE_LOCK_KEY + 4
SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_SECONDS = 5  # unless the URL says otherwise
# The SQL function folding accents (store.folding), registered on every SQLite connection and
# created on PostgreSQL by the migrations.
FOLD_FUNCTION = "xld_fold_accents"
# PostgreSQL keeps the schema version in this one-row table (SQLite in PRAGMA user_version).
VERSION_TABLE = "xld_schema_version"
# The log's text a search looks in, as one folded string (the unit separator between the
# columns: no search text spans two of them), kept by PostgreSQL in a generated column of the
# log, which its trigram index holds: folded once when written, not at every row a search tests.
_SEARCHED = ("order_ref", "customer_name", "customer_reference", "xero_invoice_number")
SEARCHED_TEXT = "search_text"
# A product's SKU as a search looks in it (folded too: "crème" finds "CRÈME-500").
SEARCHED_SKU = f"{FOLD_FUNCTION}(sku)"
# PostgreSQL's search looks for the customer's name and reference among the log's distinct
# names (this table, kept by triggers on the log: see names_schema), then reads the orders of
# the few that hold the text off the log's own indexes of those columns: a name is repeated in
# every order of its customer, so the trigram index of the log's text read and intersected
# lists of hundreds of thousands of orders for a customer's name ("Harbour Deli 7": ~30 ms).
NAME_TABLE = "xld_log_name"
SEARCHED_NAME = f"{FOLD_FUNCTION}(name::text)"
# The rest of the log's searched text, one per order (its ref and its Xero invoice number),
# folded into a generated column too: folding it at each row tested (the function is not
# inlined) took 3.4 s to count "SO-" on a million orders.
_SEARCHED_REF = ("order_ref", "xero_invoice_number")
SEARCHED_REF = "search_ref"


# PostgreSQL's change counter: one row that every transaction writing what the window shows
# bumps once (statement triggers on these tables), so each desktop's window learns whether any
# desktop changed something by reading one row (see PostgresEngine.change_marker).
CHANGE_TABLE = "xld_change"
CHANGE_WATCHED = (
    "log_entry",
    "attempt",
    "setting",
    "connection",
    "customer_link",
    "sku_mapping",
    "xero_invoice_seen",
    "status_count",
)


def is_server_url(location: str) -> bool:
    """Whether ``location`` names a PostgreSQL database (else it is an SQLite file's path)."""
    return urlsplit(str(location)).scheme.lower() in SCHEMES


def redacted(url: str) -> str:
    """``url`` fit to show or log: any password (in the user part or ``password=``) starred."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment))


def has_password(url: str) -> bool:
    """Whether ``url`` holds a password (in the user part or ``password=``): one never kept."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    return ":" in user or re.search(r"(?i)(^|&)password=", parts.query) is not None


def _execute(db: Any, sql: str, params: Sequence[Any] = ()) -> Any:
    """One statement on ``db`` (a peewee database, or the models' proxy), its cursor."""
    return db.execute_sql(sql, params)


class Engine:
    """SQLite's way of saying what differs (the default engine)."""

    mark = "?"
    like = "LIKE"
    # Unary plus hides a column's index from SQLite's planner (to keep reading in the sort's
    # index order); PostgreSQL has no such trick and needs none.
    hide_index = "+"
    # Whether a page finds its rows' ids first (off the sort's index alone, filtered there) and
    # reads the rows after: SQLite's indexes hold the rowid and it reads rows in-process, so
    # it needs no second step.
    ids_first = False

    def schema(self, statements: Sequence[str]) -> list[str]:
        """The migrations' DDL (SQLite's) as this engine says it."""
        return list(statements)

    def marks(self, sql: str) -> str:
        """``sql`` written with ``?`` marks (and no other ``?`` or ``%``) as this engine's."""
        return sql

    def nocase(self, field: Any) -> Any:
        """``field`` compared ignoring ASCII case (as a NOCASE column compares)."""
        return field.collate("NOCASE")

    def replacing(self, insert: Any, key: Any, fields: Sequence[Any]) -> Any:
        """``insert`` (a peewee insert) replacing the row with the same ``key``."""
        return insert.on_conflict_replace()

    def among(self, column: str, ids: Sequence[int]) -> peewee.SQL:
        """``column`` is one of ``ids`` (whole numbers, so safe to write into the SQL text,
        which SQLite reads at once)."""
        listed = ", ".join(str(int(number)) for number in ids) or "NULL"
        return peewee.SQL(f"{column} IN ({listed})")

    def version(self, db: Any) -> int:
        """The schema version recorded in the open database."""
        return int(_execute(db, "PRAGMA user_version").fetchone()[0])

    def set_version(self, db: Any, number: int) -> None:
        """Record schema version ``number`` (in the migration's transaction)."""
        _execute(db, f"PRAGMA user_version = {int(number):d}")

    def insert_many(
        self,
        db: Any,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Any],
        *,
        staged: bool = False,
    ) -> None:
        """INSERT ``rows`` (database-ready values) into ``table``'s ``columns``, a prepared
        statement run with executemany.

        ``staged`` goes through a temporary table and one INSERT ... SELECT: on an SQLite table
        with triggers each executemany row is a statement of its own with a statement journal,
        which made the log's inserts three times slower than the triggers themselves cost.
        """
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join([self.mark] * len(columns))
        if not staged:
            db.cursor().executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            return
        staging = f"staged_{table}"
        _execute(
            db,
            f'CREATE TEMP TABLE IF NOT EXISTS "{staging}" AS SELECT {names} FROM "{table}" WHERE 0',
        )
        try:
            db.cursor().executemany(
                f'INSERT INTO temp."{staging}" ({names}) VALUES ({marks})', rows
            )
            _execute(db, f'INSERT INTO "{table}" ({names}) SELECT {names} FROM temp."{staging}"')
        finally:
            _execute(db, f'DROP TABLE IF EXISTS temp."{staging}"')

    def update_many(
        self,
        db: Any,
        table: str,
        key: str,
        columns: Sequence[str],
        rows: Mapping[int, Sequence[Any]],
    ) -> None:
        """Set ``columns`` of many rows by integer ``key`` in one statement: packed into one
        JSON value, SQLite does the whole update in one step without the interpreter lock
        (thousands of statements kept the GUI thread waiting for it)."""
        assignments = ", ".join(
            f"\"{column}\" = json_extract(row.value, '$[{number}]')"
            for number, column in enumerate(columns)
        )
        _execute(
            db,
            f'UPDATE "{table}" SET {assignments} FROM json_each(?) AS row '
            f'WHERE "{table}"."{key}" = CAST(row.key AS INTEGER)',
            (json.dumps({str(row_key): list(values) for row_key, values in rows.items()}),),
        )

    def raw_rows(self, query: Any, columns: Sequence[peewee.Field]) -> list[Sequence[Any]]:
        """The ``columns`` of a query's rows as stored, read in one step (one JSON value: see
        :meth:`update_many` for why)."""
        packed = query.clone().select(peewee.fn.json_group_array(peewee.fn.json_array(*columns)))
        text = packed.order_by().scalar()
        rows: list[Sequence[Any]] = json.loads(text or "[]")
        return rows

    def plan(self, db: Any, sql: str, params: Sequence[Any]) -> list[str]:
        """The steps of the query plan of ``sql``: a sort of the rows read says ``USE TEMP
        B-TREE FOR ORDER BY``."""
        cursor = _execute(db, "EXPLAIN QUERY PLAN " + sql, params)
        return [str(step[-1]) for step in cursor.fetchall()]

    def change_counter_schema(self) -> tuple[str, ...]:
        """What keeps this engine's change marker (SQLite has its own: data_version)."""
        return ()

    def change_marker(self, db: Any) -> tuple[object, object]:
        """Something that changes when another connection commits (SQLite's data_version)."""
        connection: Any = db.connection()
        return connection, int(connection.execute("PRAGMA data_version").fetchone()[0])

    @contextlib.contextmanager
    def time_limit(self, db: Any, seconds: float) -> Iterator[None]:
        """Interrupt this thread's queries running longer than ``seconds`` (see
        :meth:`interrupted`)."""
        connection: Any = db.connection()
        deadline = time.perf_counter() + seconds
        connection.set_progress_handler(lambda: int(time.perf_counter() > deadline), 20_000)
        try:
            yield
        finally:
            connection.set_progress_handler(None, 0)

    def interrupted(self, error: BaseException) -> bool:
        """Whether ``error`` is a query stopped by :meth:`time_limit`."""
        return "interrupted" in str(error)

    @contextlib.contextmanager
    def one_process(self, db: Any) -> Iterator[None]:
        """Run this thread's queries on one process of the database (SQLite: this one)."""
        yield


# -- PostgreSQL --------------------------------------------------------------------------------

# The status counts' triggers (SQLite's in the first migration), as PL/pgSQL: once a statement
# with its transition tables, not once a row (an import's thousands of updates of one count row
# in one transaction each walked the row's growing chain of versions). ``moves`` lists
# (status, +1 or -1) for each row the statement added to or took from a status.
_COUNT = """UPDATE status_count SET count = count + delta.number
    FROM (SELECT status, sum(change) AS number FROM ({moves}) AS moves GROUP BY status) AS delta
    WHERE status_count.status = delta.status"""
_MOVED = (
    "FROM old_rows AS o JOIN new_rows AS n ON n.order_id = o.order_id "
    "WHERE n.status IS DISTINCT FROM o.status"
)
_COUNT_MOVES = {
    "insert": ("NEW TABLE AS new_rows", "SELECT status, 1 AS change FROM new_rows"),
    "delete": ("OLD TABLE AS old_rows", "SELECT status, -1 AS change FROM old_rows"),
    "update": (
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        f"SELECT o.status, -1 AS change {_MOVED} UNION ALL SELECT n.status, 1 {_MOVED}",
    ),
}
_PG_TRIGGERS: dict[str, tuple[str, ...]] = {
    f"log_entry_count_{event}": (
        f"""CREATE FUNCTION log_entry_count_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {_COUNT.format(moves=moves)}; RETURN NULL; END $$""",
        f"""CREATE TRIGGER log_entry_count_{event} AFTER {event.upper()} ON log_entry
        REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION log_entry_count_{event}()""",
    )
    for event, (tables, moves) in _COUNT_MOVES.items()
}
# SQLite's DDL words and PostgreSQL's (applied in order). An ``id INTEGER PRIMARY KEY`` takes
# the next id by itself in SQLite; an identity column does in PostgreSQL. Integers are 64-bit
# in SQLite. NOCASE text compares and sorts ignoring ASCII case; citext does in PostgreSQL.
_PG_WORDS: tuple[tuple[str, str], ...] = (
    (r"\bid INTEGER PRIMARY KEY,", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"),
    (r"\bINTEGER\b", "BIGINT"),
    (r"\bTEXT((?: NOT NULL| PRIMARY KEY)?) COLLATE NOCASE\b", r"CITEXT\1"),
    (r"\)\s*WITHOUT ROWID$", ")"),  # a table clustered on its key: PostgreSQL has none
)
_TRIGGER_NAME = re.compile(r"^\s*CREATE TRIGGER (\w+)")


def fold_function_sql() -> str:
    """The PostgreSQL function folding accents as store.folding does (immutable, so the search
    index may use it): the letters that fold to two with replace, the rest with translate."""
    pairs = letters_folded()
    single = {letter: plain for letter, plain in pairs.items() if len(plain) == 1}
    text = "t"
    for letter, plain in pairs.items():
        if len(plain) > 1:
            text = f"replace({text}, '{letter}', '{plain}')"
    text = f"translate({text}, '{''.join(single)}', '{''.join(single.values())}')"
    # All-ASCII text (as many bytes as characters) has nothing to fold: translate's scan of
    # its table for every character made a search of 20,000 orders take seconds.
    return (
        f"CREATE OR REPLACE FUNCTION {FOLD_FUNCTION}(t text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT CASE "
        f"WHEN octet_length(t) = char_length(t) THEN t ELSE {text} END $$"
    )


def _folded_column(name: str, columns: Sequence[str]) -> str:
    """The DDL of the log's generated column ``name``: its ``columns`` folded into one string
    (the unit separator between them: no search text spans two of them)."""
    text = " || chr(31) || ".join(f"coalesce({column}::text, '')" for column in columns)
    return (
        f"ALTER TABLE log_entry ADD COLUMN {name} text "
        f"GENERATED ALWAYS AS ({FOLD_FUNCTION}({text})) STORED"
    )


def search_schema() -> tuple[str, ...]:
    """What PostgreSQL's search needs besides the trigram indexes: the folding function and the
    log's folded text (made by the migration that folds the search index)."""
    return fold_function_sql(), _folded_column(SEARCHED_TEXT, _SEARCHED)


def names_schema() -> tuple[str, ...]:
    """What PostgreSQL's search by names first needs besides its trigram indexes: the log's
    folded refs and invoice numbers (SEARCHED_REF), and its table of the log's distinct
    customer names and references (NAME_TABLE), filled from the log and kept by triggers: an
    insert adds its rows' names, and an update that changes a row's name or reference adds the
    new one. A name no order has any more stays (it finds nothing), so every name the log
    holds is always there."""
    add = f"INSERT INTO {NAME_TABLE} (name) {{names}} ON CONFLICT DO NOTHING"
    rows = "SELECT customer_name FROM {rows} UNION SELECT customer_reference FROM {rows}"
    return (
        _folded_column(SEARCHED_REF, _SEARCHED_REF),
        f"CREATE TABLE {NAME_TABLE} (name CITEXT PRIMARY KEY)",
        add.format(names=rows.format(rows="log_entry")),
        f"""CREATE FUNCTION {NAME_TABLE}_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {add.format(names=rows.format(rows="new_rows"))}; RETURN NULL; END $$""",
        f"""CREATE TRIGGER log_entry_name_insert AFTER INSERT ON log_entry
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION {NAME_TABLE}_insert()""",
        # Once a row, only for the rare row whose name changed (a statement's trigger would
        # run for every update of the log, each order a sync records among them).
        f"""CREATE FUNCTION {NAME_TABLE}_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {add.format(names="VALUES (NEW.customer_name), (NEW.customer_reference)")};
        RETURN NULL; END $$""",
        f"""CREATE TRIGGER log_entry_name_update
        AFTER UPDATE OF customer_name, customer_reference ON log_entry FOR EACH ROW
        WHEN (OLD.customer_name IS DISTINCT FROM NEW.customer_name
            OR OLD.customer_reference IS DISTINCT FROM NEW.customer_reference)
        EXECUTE FUNCTION {NAME_TABLE}_update()""",
    )


class PostgresEngine(Engine):
    """PostgreSQL's way (team mode)."""

    mark = "%s"
    like = "ILIKE"
    hide_index = ""
    # Filtered by a search's ids, PostgreSQL read (and dropped) the table's row behind every
    # index entry it passed: 80,000 rows for a page of "Harbour Deli 7" at 1M, 15-40 ms;
    # reading the ids off the sort's index alone, then the page's rows, takes 5-10 ms.
    ids_first = True

    def schema(self, statements: Sequence[str]) -> list[str]:
        translated: list[str] = []
        for statement in statements:
            trigger = _TRIGGER_NAME.match(statement)
            if trigger is not None:
                translated += _PG_TRIGGERS[trigger.group(1)]
                continue
            for pattern, replacement in _PG_WORDS:
                statement = re.sub(pattern, replacement, statement)
            translated.append(statement)
        return translated

    def marks(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def nocase(self, field: Any) -> Any:
        return peewee.Cast(field, "citext")

    def replacing(self, insert: Any, key: Any, fields: Sequence[Any]) -> Any:
        return insert.on_conflict(conflict_target=[key], preserve=list(fields))

    def among(self, column: str, ids: Sequence[int]) -> peewee.SQL:
        # One array parameter: 3,000 numbers written out took PostgreSQL 25 ms to parse and
        # plan, more than reading their rows.
        return peewee.SQL(f"{column} = ANY({self.mark})", [[int(number) for number in ids]])

    def version(self, db: Any) -> int:
        _execute(db, f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version BIGINT NOT NULL)")
        row = _execute(db, f"SELECT max(version) FROM {VERSION_TABLE}").fetchone()
        return int(row[0] or 0)

    def set_version(self, db: Any, number: int) -> None:
        _execute(db, f"DELETE FROM {VERSION_TABLE}")
        _execute(db, f"INSERT INTO {VERSION_TABLE} (version) VALUES (%s)", (int(number),))

    def insert_many(
        self,
        db: Any,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Any],
        *,
        staged: bool = False,
    ) -> None:
        # COPY: an INSERT a row costs the server ten times as much (triggers, no journal
        # to spare, so ``staged`` has nothing to do here).
        names = ", ".join(f'"{column}"' for column in columns)
        with db.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        if "id" in columns:
            # Ids given (the next free one, under the write lock): move the identity past them.
            _execute(
                db,
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'(SELECT max(id) FROM "{table}"))',
            )

    def update_many(
        self,
        db: Any,
        table: str,
        key: str,
        columns: Sequence[str],
        rows: Mapping[int, Sequence[Any]],
    ) -> None:
        assignments = ", ".join(f'"{column}" = %s' for column in columns)
        db.cursor().executemany(
            f'UPDATE "{table}" SET {assignments} WHERE "{key}" = %s',
            [(*values, row_key) for row_key, values in rows.items()],
        )

    def raw_rows(self, query: Any, columns: Sequence[peewee.Field]) -> list[Sequence[Any]]:
        sql, params = query.clone().select(*columns).order_by().sql()
        rows: list[Sequence[Any]] = _execute(query.model._meta.database, sql, params).fetchall()
        return rows

    def plan(self, db: Any, sql: str, params: Sequence[Any]) -> list[str]:
        # A sort of the rows read is a "Sort" (or "Incremental Sort") node.
        cursor = _execute(db, "EXPLAIN (COSTS OFF) " + sql, params)
        return [str(step[0]).strip() for step in cursor.fetchall()]

    def change_counter_schema(self) -> tuple[str, ...]:
        # Bumped once a transaction, not once a statement: an import's thousands of statements
        # in one transaction would each add a version of the one row (and walk them all). The
        # transaction's id (never reused) says whether it has bumped it already.
        this = "pg_current_xact_id()::text"
        return (
            f"CREATE TABLE {CHANGE_TABLE} (id BIGINT PRIMARY KEY CHECK (id = 1), "
            "number BIGINT NOT NULL, xact TEXT NOT NULL DEFAULT '')",
            f"INSERT INTO {CHANGE_TABLE} (id, number) VALUES (1, 0)",
            f"""CREATE FUNCTION {CHANGE_TABLE}_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE {CHANGE_TABLE} SET number = number + 1, xact = {this}
            WHERE id = 1 AND xact <> {this}; RETURN NULL; END $$""",
            *(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {CHANGE_TABLE}_bump()"
                for table in CHANGE_WATCHED
            ),
        )

    def change_marker(self, db: Any) -> tuple[object, object]:
        # The change counter (one row by key): it moves only when a transaction wrote what the
        # window shows, on this database (the server's snapshot, read before, moved with any
        # write to any database of the server). A desktop's own commits move it too: a cache
        # then reads again, which costs only time.
        row = _execute(db, f"SELECT number FROM {CHANGE_TABLE} WHERE id = 1").fetchone()
        return db, int(row[0])

    @contextlib.contextmanager
    def time_limit(self, db: Any, seconds: float) -> Iterator[None]:
        _execute(db, f"SET statement_timeout = {max(1, int(seconds * 1000)):d}")
        try:
            yield
        finally:
            _execute(db, "SET statement_timeout = 0")

    def interrupted(self, error: BaseException) -> bool:
        return "canceling statement due to statement timeout" in str(error)

    @contextlib.contextmanager
    def one_process(self, db: Any) -> Iterator[None]:
        # No parallel workers: a count over much of the log took three of the server's
        # processes (every core of a small server) from the pages the desktops wait for.
        _execute(db, "SET max_parallel_workers_per_gather = 0")
        try:
            yield
        finally:
            _execute(db, "RESET max_parallel_workers_per_gather")


SQLITE = Engine()
POSTGRES = PostgresEngine()


def engine_of(db: Any) -> Engine:
    """The engine of ``db`` (a peewee database, or the models' proxy once bound)."""
    chosen = getattr(db, "obj", db)
    return POSTGRES if isinstance(chosen, peewee.PostgresqlDatabase) else SQLITE


def current() -> Engine:
    """The engine of the database the models are bound to."""
    from xerologdesk.store.models import database

    return engine_of(database)


# -- the PostgreSQL connection ----------------------------------------------------------------


def _dumpers() -> tuple[type[Any], type[Any]]:
    """psycopg dumpers sending dates as ISO text and booleans as 0/1, as SQLite stores them."""
    from psycopg.adapt import Dumper
    from psycopg.postgres import types

    class DateAsText(Dumper):
        oid = 0  # unknown: the server takes it as the text column it meets

        def dump(self, obj: date) -> bytes:
            return obj.isoformat().encode()

    class BoolAsInteger(Dumper):
        oid = types["int8"].oid

        def dump(self, obj: bool) -> bytes:
            return b"1" if obj else b"0"

    return DateAsText, BoolAsInteger


class TeamDatabase(peewee.PostgresqlDatabase):
    """A PostgreSQL database (psycopg 3) with SQLite's habits: exclusive write transactions
    and values as SQLite stores them; a connection the server dropped is made again."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        if "connect_timeout" not in url:
            # A host that does not answer (the network, a server turned off) is said after
            # seconds, not after the system's minutes of retries (the window asks every poll).
            kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        super().__init__(url, prefer_psycopg3=True, **kwargs)

    def _connect(self) -> Any:
        connection = super()._connect()  # type: ignore[misc]
        date_dumper, bool_dumper = _dumpers()
        connection.adapters.register_dumper(date, date_dumper)
        connection.adapters.register_dumper(bool, bool_dumper)
        return connection

    def is_closed(self) -> bool:
        state: Any = self._state  # type: ignore[attr-defined]  # peewee's, untyped
        connection = state.conn
        if connection is not None and connection.closed and not state.transactions:
            # The server went away (a restart, the network): the next statement connects again.
            state.reset()
        closed: bool = super().is_closed()
        return closed

    def begin(self, isolation_level: Any = None) -> None:
        super().begin(isolation_level)
        _execute(self, "SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))

    def __repr__(self) -> str:
        return f"<TeamDatabase {redacted(str(self.database))}>"
