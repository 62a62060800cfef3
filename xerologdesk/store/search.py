"""Log search: which orders a search text matches, as SQL conditions on ``log_entry`` and as ids.

A search of three or more characters is a substring of an order's ref, customer name, customer
reference or Xero invoice number, or of the SKU of one of its lines, ignoring case and accents
("cafe" finds "Café Étoile"); fewer characters are a prefix of the ref, name or reference.
Both engines answer it names first, from trigram indexes of folded text: the log's distinct
customer names and references (:data:`~xerologdesk.store.engines.NAME_TABLE`), whose orders the
log's btree indexes of those columns list without reading a row; each order's ref and invoice
number; and the products' SKUs, reached through ``order_line``. SQLite keeps them in FTS5
tables (:mod:`xerologdesk.store.db`); an SQLite without them gets ``LIKE``, which folds only
ASCII case. PostgreSQL's are pg_trgm indexes, asked by ILIKE on folded text
(:data:`~xerologdesk.store.engines.SEARCHED_NAME`,
:data:`~xerologdesk.store.engines.SEARCHED_REF`), so accents fold there as well; a row is tested
on its folded text (:data:`~xerologdesk.store.engines.SEARCHED_TEXT`).

A search is answered one of three ways, whichever is cheap for it:

- :func:`search_ids`: the matching ids, when there are few (a ref, a rare name): pages and
  counts then cost next to nothing (a page reads them by :func:`narrow_matches`);
- :func:`tested_per_row`: a condition tested on each row as the rows come off the sort's index,
  for a search matching many orders, whose first page is near;
- :func:`matching`: every match read from the indexes first, for counting a broad search
  (:func:`count_matching` when nothing else narrows it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import peewee

from xerologdesk.store.db import (
    NAME_SEARCH_TABLE,
    SEARCH_TABLE,
    SKU_SEARCH_TABLE,
    change_marker,
    search_index_ready,
)
from xerologdesk.store.engines import (
    FOLD_FUNCTION,
    NAME_TABLE,
    POSTGRES,
    SEARCHED_NAME,
    SEARCHED_REF,
    SEARCHED_SKU,
    SEARCHED_TEXT,
    current,
)
from xerologdesk.store.folding import fold_accents
from xerologdesk.store.models import LogEntry, OrderLine, database

# Below this many characters a trigram index cannot help: search by prefix instead.
MIN_SEARCH_CHARS = 3
# The log's columns a short search looks in by prefix (NOCASE indexes answer it); a longer one
# looks in the invoice number too (besides the SKUs).
TEXT_COLUMNS = ("order_ref", "customer_name", "customer_reference")
SEARCHED_COLUMNS = (*TEXT_COLUMNS, "xero_invoice_number")
# The columns whose text may carry accents; a row whose text is all ASCII skips the fold.
_NAMED_COLUMNS = ("customer_name", "customer_reference", "order_ref")

# Without the indexes: the SKUs by LIKE on the product table (a row per product, not per order).
_SKU_ORDERS_BY_LIKE = (
    "SELECT l.order_id FROM order_line AS l JOIN product AS p ON p.id = l.product_id "
    "WHERE p.sku LIKE ? ESCAPE '\\'"
)


def like_pattern(text: str, *, contains: bool) -> str:
    """A LIKE pattern (escape character ``\\``) for ``text`` as a substring or a prefix."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%" if contains else f"{escaped}%"


def _phrase(text: str) -> str:
    """``text`` as an FTS5 phrase: every character literal (quotes doubled), its accents folded
    as the orders' index holds them (the SKU index holds SKUs as written: see
    :func:`_sku_phrase`)."""
    return _sku_phrase(fold_accents(text))


def _sku_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _folded_pattern(text: str) -> str:
    """``text`` as an ILIKE pattern of its folded letters, as PostgreSQL's index holds them."""
    return like_pattern(fold_accents(text), contains=True)


@dataclass(frozen=True)
class _Index:
    """How one engine's trigram indexes are asked: each query takes one parameter, the search
    text as ``term`` (or ``sku_term``) writes it."""

    # The conditions on the log's row that together say its text holds the term, each as the
    # column tested and the test: its customer's name is one of the log's distinct names
    # holding the term, or its customer's reference is, or its ref or invoice number holds it.
    # The names come first: they are what most searches find (see count_matching), their
    # orders listed by the log's own indexes of those columns without reading a row.
    parts: tuple[tuple[str, str], ...]
    # The ids of the orders each part finds, in the same order (read with a LIMIT).
    order_texts: tuple[str, ...]
    sku_products: str  # the ids of the products whose SKU holds it
    term: Callable[[str], str]
    sku_term: Callable[[str], str]

    @property
    def sku_orders(self) -> str:
        """The ids of the orders with a line of such a product."""
        return f"SELECT order_id FROM order_line WHERE product_id IN ({self.sku_products})"


def _where(parts: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The ids of the orders each of ``parts`` finds, off the log's indexes."""
    return tuple(f"SELECT order_id FROM log_entry WHERE {column} {test}" for column, test in parts)


def _matching_rowids(table: str) -> str:
    """The rowids of an FTS5 table's rows matching one phrase."""
    return f"SELECT rowid FROM {table} WHERE {table} MATCH ?"


# SQLite: the log's distinct names and references holding the phrase (read once a statement,
# into a list the log's NOCASE indexes are looked up with).
_FTS5_NAMES = f"SELECT name FROM {NAME_TABLE} WHERE id IN ({_matching_rowids(NAME_SEARCH_TABLE)})"
_FTS5_PARTS = (
    ("customer_name", f"IN ({_FTS5_NAMES})"),
    ("customer_reference", f"IN ({_FTS5_NAMES})"),
    ("order_id", f"IN ({_matching_rowids(SEARCH_TABLE)})"),
)
# PostgreSQL: the same names as an array (read once a statement), and the ref and invoice
# number's folded text, each off its pg_trgm index.
_NAMES = f"ARRAY(SELECT name FROM {NAME_TABLE} WHERE {SEARCHED_NAME} ILIKE %s ESCAPE '\\')"
_TRIGRAM_PARTS = (
    ("customer_name", f"= ANY({_NAMES})"),
    ("customer_reference", f"= ANY({_NAMES})"),
    (SEARCHED_REF, "ILIKE %s ESCAPE '\\'"),
)

# SQLite's FTS5 tables (store.db) and PostgreSQL's pg_trgm indexes of the folded text.
_FTS5 = _Index(
    parts=_FTS5_PARTS,
    # The refs' matches straight off their index (each id is an order's).
    order_texts=(*_where(_FTS5_PARTS[:2]), _matching_rowids(SEARCH_TABLE)),
    sku_products=_matching_rowids(SKU_SEARCH_TABLE),
    term=_phrase,
    sku_term=_sku_phrase,
)
_TRIGRAM = _Index(
    parts=_TRIGRAM_PARTS,
    order_texts=_where(_TRIGRAM_PARTS),
    sku_products=f"SELECT id FROM product WHERE {SEARCHED_SKU} ILIKE %s ESCAPE '\\'",
    term=_folded_pattern,
    sku_term=_folded_pattern,
)


def _index() -> _Index | None:
    """The trigram indexes of the database the models are bound to (None: LIKE instead)."""
    if current() is POSTGRES:
        return _TRIGRAM
    return _FTS5 if search_index_ready() else None


def folds_accents() -> bool:
    """Whether a search of three or more characters ignores accents here: with SQLite's
    trigram index, and on PostgreSQL (not with SQLite's LIKE fallback)."""
    return _index() is not None


def _uses_index(text: str) -> _Index | None:
    return _index() if len(text) >= MIN_SEARCH_CHARS else None


def _any_column_like(
    pattern: str, *, plain: bool = False, columns: tuple[str, ...] = TEXT_COLUMNS
) -> peewee.SQL:
    """``pattern`` LIKE any of ``columns``; ``plain`` hides their indexes from SQLite (unary
    +) so that it keeps reading in the sort's index order, testing each row."""
    engine = current()
    prefix = engine.hide_index if plain else ""
    sql = " OR ".join(
        f"{prefix}{column} {engine.like} {engine.mark} ESCAPE '\\'" for column in columns
    )
    return peewee.SQL(f"({sql})", [pattern] * len(columns))


def _folded_like(pattern: str) -> peewee.SQL:
    """``pattern`` (folded, ASCII) LIKE a row's text with its accents folded, or as written.

    GLOB finds the rare row with a letter beyond ASCII in C; only that row pays for the fold
    (a call into Python), so a broad search still tests a row in about a microsecond.
    """
    as_written = _any_column_like(pattern, plain=True, columns=SEARCHED_COLUMNS)
    # The unit separator between the columns: no search text spans two of them.
    text = " || char(31) || ".join(f"coalesce(+{column}, '')" for column in _NAMED_COLUMNS)
    sql = (
        f"({as_written.sql} OR (({text}) GLOB '*[^ -~]*' "
        f"AND {FOLD_FUNCTION}({text}) LIKE ? ESCAPE '\\'))"
    )
    return peewee.SQL(sql, [*as_written.params, pattern])


def _folded_text_holds(text: str) -> peewee.SQL:
    """The log's folded text (PostgreSQL's, which its trigram index holds) contains ``text``,
    tested on the row."""
    return peewee.SQL(f"({SEARCHED_TEXT} ILIKE %s ESCAPE '\\')", [_folded_pattern(text)])


def _sku_matches(index: _Index, text: str) -> bool:
    """Whether any product's SKU contains ``text`` (a read of the small SKU index)."""
    cursor = database.execute_sql(f"{index.sku_products} LIMIT 1", [index.sku_term(text)])
    return cursor.fetchone() is not None


def _parts(index: _Index, text: str, *, plain: bool = False) -> list[peewee.SQL]:
    """The conditions on the log's row that together say its ref, invoice number, customer's
    name or reference holds ``text`` (of three or more characters): ``index.parts``; ``plain``
    hides the log's indexes from SQLite's planner (tested on each row as read)."""
    prefix = current().hide_index if plain else ""
    term = index.term(text)
    return [peewee.SQL(f"{prefix}{column} {test}", [term]) for column, test in index.parts]


def _parts_and_skus(index: _Index, text: str) -> list[peewee.SQL]:
    """:func:`_parts`, and the order's lines' SKUs only when one matches."""
    parts = _parts(index, text)
    if _sku_matches(index, text):
        parts.append(peewee.SQL(f"order_id IN ({index.sku_orders})", [index.sku_term(text)]))
    return parts


def _any_of(parts: list[peewee.SQL]) -> peewee.SQL:
    """Any of the conditions ``parts`` (as :func:`_parts` gives them)."""
    return peewee.SQL(
        "(" + " OR ".join(part.sql for part in parts) + ")",
        [param for part in parts for param in part.params],
    )


def matching(text: str) -> peewee.SQL:
    """Orders matching ``text``, every match read from the indexes first."""
    text = text.strip()
    if len(text) < MIN_SEARCH_CHARS:
        return _any_column_like(like_pattern(text, contains=False))
    index = _index()
    if index is not None:
        # Each part off its own index (the names' orders, the refs'), the SKUs only when one
        # matches: on PostgreSQL "order_id IN (the log's matches)" read every match twice, in
        # each of the server's parallel workers (1.2 s to count "Bakery" on a million orders).
        return _any_of(_parts_and_skus(index, text))
    pattern = like_pattern(text, contains=True)
    columns = _any_column_like(pattern, columns=SEARCHED_COLUMNS)
    return peewee.SQL(
        f"({columns.sql} OR order_id IN ({_SKU_ORDERS_BY_LIKE}))", [*columns.params, pattern]
    )


def count_matching(text: str) -> int:
    """How many orders match ``text`` (every match read first, as :func:`matching` does)."""
    text = text.strip()
    index = _uses_index(text)
    if index is not None:
        # A customer's orders have its name, one each: they are counted off the name index
        # alone (no row read), the few others matching besides (a reference, a ref, a SKU)
        # apart ("Bakery" on a million orders: 30 ms on PostgreSQL, where testing its 124,000
        # rows took 280 ms of a server's core while the window read its pages).
        names, *others = _parts_and_skus(index, text)
        besides = _any_of(others)
        sql = (
            f"SELECT (SELECT count(*) FROM log_entry WHERE {names.sql}) + (SELECT count(*) "
            f"FROM log_entry WHERE NOT ({names.sql}) AND {besides.sql})"
        )
        params = [*names.params, *names.params, *besides.params]
    else:
        condition = matching(text)
        sql, params = f"SELECT COUNT(*) FROM log_entry WHERE {condition.sql}", condition.params
    return int(database.execute_sql(sql, params).fetchone()[0])


def tested_per_row(text: str) -> Any:
    """Orders matching ``text``, tested on each row read (no index of its own), so that the
    rows come straight off the sort's index."""
    text = text.strip()
    index = _uses_index(text)
    if index is None:
        if len(text) >= MIN_SEARCH_CHARS:
            return matching(text)  # no trigram index (an old SQLite): LIKE as before
        return _any_column_like(like_pattern(text, contains=False), plain=True)
    folded = fold_accents(text)
    if index is _TRIGRAM:
        # The folded text's test costs little a row (its fold skips all-ASCII text).
        condition: Any = _folded_text_holds(text)
    elif folded.isascii():
        # LIKE folds ASCII case as the trigram index does, and testing a row this way costs
        # microseconds where a MATCH per row costs ~25: a page of a search matching one order
        # in eight ("Bakery" on a million orders) reads in a few milliseconds instead of 40.
        condition = _folded_like(like_pattern(folded, contains=True))
    else:
        # LIKE would not fold the case of letters beyond ASCII: the row's name and reference
        # are looked up among the names holding the text (read once), its ref and invoice
        # number among the orders holding it.
        condition = _any_of(_parts(index, text, plain=True))
    if _sku_matches(index, text):
        # The order's own few lines, checked against the matching products (read once).
        products = peewee.SQL(f"({index.sku_products})", [index.sku_term(text)])
        lines = OrderLine.select(peewee.SQL("1")).where(
            (OrderLine.order == LogEntry.order) & OrderLine.product.in_(products)
        )
        condition = condition | peewee.fn.EXISTS(lines)
    return condition


@dataclass(frozen=True)
class _Found:
    """A narrow search's matches: their ids, the first ``named`` of them found by a customer's
    name or reference (the first two of the index's parts)."""

    ids: tuple[int, ...]
    named: int = 0


def search_ids(text: str, limit: int) -> list[int] | None:
    """The ids of the orders matching the search ``text`` when at most ``limit`` do, else
    None (it is broad); reads at most ``limit + 1`` matches of each index."""
    found = _found(text, limit)
    return None if found is None else list(found.ids)


def narrow_matches(text: str, limit: int) -> peewee.SQL | None:
    """The orders matching the search ``text`` when at most ``limit`` do (None: it is broad),
    as a condition to read every match by before sorting them: for those a customer's name or
    reference found, the names' conditions again (their orders off the name indexes: on
    PostgreSQL 3,000 orders of "Harbour Deli 7" in 7 ms, where looking each id up took 17 ms),
    the others' ids."""
    found = _found(text, limit)
    if found is None:
        return None
    rest = current().among("order_id", found.ids[found.named :])
    index = _uses_index(text.strip())
    if not found.named or index is None:
        return rest
    names = _parts(index, text.strip())[:2]
    return _any_of([*names, rest] if found.named < len(found.ids) else names)


def _found(text: str, limit: int) -> _Found | None:
    """:func:`search_ids`' matches (None: more than ``limit``), kept for the next asking."""
    text = text.strip()
    # One search costs a count and a page or two, each asking this again: the last answer is
    # kept until a commit (of any connection) changes the log.
    connection, version = change_marker()
    key = (text, limit, connection, version, getattr(connection, "total_changes", None))
    last = _last_search.get("last")  # one read: another thread may replace it meanwhile
    if last is not None and last[0] == key:
        return last[1]
    found = _read_search_ids(text, limit)
    _last_search["last"] = (key, found)
    return found


# The last _found answer, under "last": (key, found); replaced whole, so threads may share it.
_last_search: dict[str, tuple[Any, _Found | None]] = {}


def forget_last_search() -> None:
    """Drop the kept :func:`search_ids` answer (for measuring a search from cold)."""
    _last_search.clear()


def _read_search_ids(text: str, limit: int) -> _Found | None:
    """:func:`_found`, read from the database."""
    mark = current().mark
    index = _uses_index(text)
    if index is None:
        condition = matching(text)
        sql = f"SELECT order_id FROM log_entry WHERE {condition.sql} LIMIT {mark}"
        listed = _at_most(limit, database.execute_sql(sql, [*condition.params, limit + 1]))
        return None if listed is None else _Found(tuple(listed))
    parts: list[list[int]] = []
    for query in index.order_texts:
        cursor = database.execute_sql(f"{query} LIMIT {mark}", [index.term(text), limit + 1])
        part = _at_most(limit, cursor)
        if part is None:
            return None
        parts.append(part)
    # DISTINCT with LIMIT stops reading once enough orders are found, however many lines the
    # matching products have.
    sku_sql = f"SELECT DISTINCT order_id FROM ({index.sku_orders}) AS matched LIMIT {mark}"
    by_sku = _at_most(limit, database.execute_sql(sku_sql, [index.sku_term(text), limit + 1]))
    if by_sku is None:
        return None
    ids = tuple(dict.fromkeys([*(order_id for part in parts for order_id in part), *by_sku]))
    # The first two parts find by a customer's name or reference: their ids come first.
    named = len({order_id for part in parts[:2] for order_id in part})
    return _Found(ids, named) if len(ids) <= limit else None


def _at_most(limit: int, cursor: Any) -> list[int] | None:
    """The first column of the cursor's rows, or None when there are more than ``limit``."""
    ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= limit else None
