"""Log search: which orders a search text matches, as SQL conditions on ``log_entry`` and as ids.

A search of three or more characters is a substring of an order's ref, customer name, customer
reference or Xero invoice number, or of the SKU of one of its lines, ignoring case and accents
("cafe" finds "Café Étoile"); fewer characters are a prefix of the ref, name or reference.
The trigram indexes of :mod:`xerologdesk.store.db` answer it (one of the log's text columns,
folded, one of the products' SKUs, reached through ``order_line``); an SQLite without them gets
``LIKE``, which folds only ASCII case. PostgreSQL takes that ``LIKE`` way too, as ILIKE on
folded text, so accents fold there as well: its trigram indexes hold the log's distinct customer
names and references (:data:`~xerologdesk.store.engines.NAME_TABLE`), whose orders its btree
indexes of those columns list, and each order's ref and invoice number
(:data:`~xerologdesk.store.engines.SEARCHED_REF`); a row is tested on its folded text
(:data:`~xerologdesk.store.engines.SEARCHED_TEXT`).

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
    SQLITE,
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

    # The ids of the orders whose text holds the term: one query, or one per part of the text
    # (the orders holding it are those any of them lists).
    order_texts: tuple[str, ...]
    sku_products: str  # the ids of the products whose SKU holds it
    term: Callable[[str], str]
    sku_term: Callable[[str], str]

    @property
    def sku_orders(self) -> str:
        """The ids of the orders with a line of such a product."""
        return f"SELECT order_id FROM order_line WHERE product_id IN ({self.sku_products})"


# PostgreSQL: the log's distinct names and references holding the pattern, as an array (read
# once a statement), whose orders the log's indexes of those columns list without reading a row.
_NAMES = f"ARRAY(SELECT name FROM {NAME_TABLE} WHERE {SEARCHED_NAME} ILIKE %s ESCAPE '\\')"
# The conditions on the log's row that together say its text holds the pattern (one parameter
# each): its customer's name, its customer's reference, its ref or invoice number. The first
# comes first: a customer's name is what most searches find (see count_matching).
_TRIGRAM_PARTS = (
    f"customer_name = ANY({_NAMES})",
    f"customer_reference = ANY({_NAMES})",
    f"{SEARCHED_REF} ILIKE %s ESCAPE '\\'",
)

# SQLite's FTS5 tables (store.db) and PostgreSQL's pg_trgm indexes of the folded text.
_FTS5 = _Index(
    order_texts=(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?",),
    sku_products=f"SELECT rowid FROM {SKU_SEARCH_TABLE} WHERE {SKU_SEARCH_TABLE} MATCH ?",
    term=_phrase,
    sku_term=_sku_phrase,
)
_TRIGRAM = _Index(
    order_texts=tuple(f"SELECT order_id FROM log_entry WHERE {part}" for part in _TRIGRAM_PARTS),
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


def _trigram_parts(text: str) -> list[peewee.SQL]:
    """PostgreSQL's conditions on the log's row that together say it matches ``text`` (of three
    or more characters): :data:`_TRIGRAM_PARTS`, and its lines' SKUs only when one matches."""
    pattern = _folded_pattern(text)
    parts = [peewee.SQL(part, [pattern]) for part in _TRIGRAM_PARTS]
    if _sku_matches(_TRIGRAM, text):
        parts.append(peewee.SQL(f"order_id IN ({_TRIGRAM.sku_orders})", [pattern]))
    return parts


def _any_of(parts: list[peewee.SQL]) -> peewee.SQL:
    """Any of the conditions ``parts`` (as :func:`_trigram_parts` gives them)."""
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
    if index is _TRIGRAM:
        # Each part off its own index (the names' orders, the refs'), the SKUs only when one
        # matches: "order_id IN (the log's matches)" read every match twice, in each of the
        # server's parallel workers (1.2 s to count "Bakery" on a million orders).
        return _any_of(_trigram_parts(text))
    if index is not None:
        queries = (*index.order_texts, index.sku_orders)
        return peewee.SQL(
            "(" + " OR ".join(f"order_id IN ({query})" for query in queries) + ")",
            [*(index.term(text) for _ in index.order_texts), index.sku_term(text)],
        )
    pattern = like_pattern(text, contains=True)
    columns = _any_column_like(pattern, columns=SEARCHED_COLUMNS)
    return peewee.SQL(
        f"({columns.sql} OR order_id IN ({_SKU_ORDERS_BY_LIKE}))", [*columns.params, pattern]
    )


def count_matching(text: str) -> int:
    """How many orders match ``text`` (every match read first, as :func:`matching` does)."""
    text = text.strip()
    if _uses_index(text) is _TRIGRAM:
        # A customer's orders have its name, one each: they are counted off the name index
        # alone (no row read), the few others matching besides (a reference, a ref, a SKU)
        # apart ("Bakery" on a million orders: 30 ms, where testing its 124,000 rows took
        # 280 ms of a server's core while the window read its pages).
        names, *others = _trigram_parts(text)
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
        condition = peewee.SQL(
            f"EXISTS (SELECT 1 FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? "
            f"AND {SEARCH_TABLE}.rowid = order_id)",
            [_phrase(text)],
        )
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
    name or reference (PostgreSQL's first two :data:`_TRIGRAM_PARTS`; none elsewhere)."""

    ids: tuple[int, ...]
    named: int = 0


def search_ids(text: str, limit: int) -> list[int] | None:
    """The ids of the orders matching the search ``text`` when at most ``limit`` do, else
    None (it is broad); reads at most ``limit + 1`` matches of each index."""
    found = _found(text, limit)
    return None if found is None else list(found.ids)


def narrow_matches(text: str, limit: int) -> peewee.SQL | None:
    """The orders matching the search ``text`` when at most ``limit`` do (None: it is broad),
    as a condition to read every match by before sorting them: their ids, or on PostgreSQL,
    for those a customer's name or reference found, the names' conditions again (their orders
    off the name indexes: 3,000 orders of "Harbour Deli 7" in 7 ms, where looking each id up
    took 17 ms)."""
    found = _found(text, limit)
    if found is None:
        return None
    rest = current().among("order_id", found.ids[found.named :])
    if not found.named:
        return rest
    names = [peewee.SQL(part, [_folded_pattern(text)]) for part in _TRIGRAM_PARTS[:2]]
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
        if index is _FTS5:
            part = _by_trigram_cover(text, limit)
        else:
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
    # PostgreSQL's first two parts find by a customer's name or reference: their ids come first.
    named = len({order_id for part in parts[:2] for order_id in part}) if index is _TRIGRAM else 0
    return _Found(ids, named) if len(ids) <= limit else None


def _by_trigram_cover(text: str, limit: int) -> list[int] | None:
    """SQLite: the ids of the orders whose text holds ``text`` (None: more than ``limit``).

    A phrase MATCH reads the whole list of every trigram of the text: for "Harbour Deli 7",
    twelve lists of 50,000 to 120,000 orders, 1,560 pages and 15 ms of a core on a million
    orders. Every third trigram and the last (which together cover each letter) skip through
    their lists instead (540 pages, 4-7 ms), and the few orders holding them all apart from the
    text are told from the matches by their rows, which the page reads next anyway. A text
    beyond ASCII (a row test by LIKE would not fold its case) or of three trigrams or fewer
    (the cover would be the phrase) is asked as the phrase.
    """
    folded = fold_accents(text)
    trigrams = len(folded) - 2
    cover = dict.fromkeys([*(folded[at : at + 3] for at in range(0, trigrams, 3)), folded[-3:]])
    query = f"{_FTS5.order_texts[0]} LIMIT ?"
    if folded.isascii() and len(cover) < trigrams:
        every = " AND ".join(_sku_phrase(trigram) for trigram in cover)
        candidates = _at_most(limit, database.execute_sql(query, [every, limit + 1]))
        if candidates is not None:
            holds = _folded_like(like_pattern(folded, contains=True))
            among = SQLITE.among("order_id", candidates)
            sql = f"SELECT order_id FROM log_entry WHERE {among.sql} AND {holds.sql}"
            return [row[0] for row in database.execute_sql(sql, holds.params)]
        # More orders hold the cover than ``limit``: the phrase says whether the text is held
        # by as many.
    return _at_most(limit, database.execute_sql(query, [_phrase(text), limit + 1]))


def _at_most(limit: int, cursor: Any) -> list[int] | None:
    """The first column of the cursor's rows, or None when there are more than ``limit``."""
    ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= limit else None
