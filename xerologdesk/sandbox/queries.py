"""Reading a list request's query parameters as Xero does: ``where``, ``order``, paging, id lists.

``where`` is parsed by :mod:`xerologdesk.sandbox.where` (cached); a clause that is only equalities
on one indexed field (``AccountNumber=="C-1001"``, or several joined by ``OR``) is answered from the
table's index instead of a scan. ``order`` is ``Field [ASC|DESC]`` joined by commas, on the fields
``where`` knows (an unknown one is a ``QueryParseException``); without it records come in creation
order. ``page`` starts at 1; ``pageSize`` defaults to 100 and is capped at 1,000, as on Xero.

The ``If-Modified-Since`` header keeps the records whose ``UpdatedDateUTC`` is at or after it (on
the resources that have one: contacts, items, invoices, accounts), as Xero's "only records
created or modified since this timestamp" (Requests). "At or after" is the sandbox's reading:
Xero does not say whether a record changed at that very instant comes back; keeping it means a
client that asks again from an answer's ``DateTimeUTC`` never misses one. The header is read as
xero-python sends it (an ISO date-time, naive ones as UTC) or as an HTTP date; a header that is
neither is ignored (the sandbox's choice: Xero does not document its answer).

Xero documents its case- and accent-insensitive matching for single terms and ``AND`` only; the
fault setting ``or_terms_case_sensitive`` (see :mod:`faults`) makes a list of two or more
``F=="v"`` terms joined by ``OR`` on a folded field match exactly instead, so a test can show
what a client does when Xero's ``OR`` does not fold (:func:`or_terms_exact`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from xerologdesk.sandbox.http import Request
from xerologdesk.sandbox.table import Record, Table
from xerologdesk.sandbox.where import Where, WhereSyntaxError, fold, index_key, parse_where
from xerologdesk.sandbox.wire import parse_moment

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

# Whether OR lists match exactly, for the request being answered (set by the server from the
# fault configuration, per request thread).
_OR_TERMS_EXACT: ContextVar[bool] = ContextVar("or_terms_exact", default=False)


@contextmanager
def or_terms_exact(exact: bool) -> Iterator[None]:
    """Answer the requests inside the block with ``OR`` lists matched exactly when ``exact``."""
    token = _OR_TERMS_EXACT.set(exact)
    try:
        yield
    finally:
        _OR_TERMS_EXACT.reset(token)


@dataclass(frozen=True)
class Listing:
    """How one resource is filtered: its ``where`` type name, field kinds and indexed fields."""

    type_name: str
    fields: Mapping[str, str]
    # where field -> (table index name, or "" for the id itself)
    indexes: Mapping[str, str]


def values(request: Request, name: str) -> list[str]:
    """A comma-list parameter (``IDs=a,b``, also repeated), blanks dropped."""
    lowered = name.lower()
    found: list[str] = []
    for key, given in request.query.items():
        if key.lower() == lowered:
            for value in given:
                found.extend(part.strip() for part in value.split(",") if part.strip())
    return found


def is_true(request: Request, name: str) -> bool:
    return (request.param(name) or "").strip().lower() == "true"


def where_of(request: Request, listing: Listing) -> Where | None:
    """The parsed ``where`` clause, or None when there is none; raises WhereSyntaxError."""
    text = request.param("where")
    if text is None or not text.strip():
        return None
    return parse_where(text, listing.type_name, listing.fields)


def candidates(source: Table | list[Record], where: Where | None, listing: Listing) -> list[Record]:
    """The records a clause can match: from an index when it allows, else all of them."""
    if not isinstance(source, Table):
        return list(source)
    table = source
    terms = where.equality_index_terms() if where is not None else None
    if terms is not None:
        field, wanted = terms
        index = listing.indexes.get(field)
        if index is not None:
            kind = listing.fields[field]
            found: list[Record] = []
            for value in wanted:
                key = index_key(kind, value)
                if index == "":
                    record = table.get(key)
                    found.extend([record] if record is not None else [])
                else:
                    found.extend(table.find(index, key))
            return table.in_order(found)
    return list(table)


def select(
    table: Table | list[Record],
    request: Request,
    listing: Listing,
    keep: Callable[[Record], bool] | None = None,
) -> list[Record]:
    """Records matching ``where`` and ``keep``, ordered by ``order``; raises WhereSyntaxError."""
    where = where_of(request, listing)
    ordering = order_of(request, listing)
    records = candidates(table, where, listing)
    if where is not None:
        records = [record for record in records if where.matches(record)]
        if _OR_TERMS_EXACT.get():
            records = _exact_or_terms(records, where, listing)
    if keep is not None:
        records = [record for record in records if keep(record)]
    since = modified_since(request)
    if since is not None and "UpdatedDateUTC" in listing.fields:
        records = [record for record in records if _updated_since(record, since)]
    for field, descending in reversed(ordering):
        records.sort(key=_sort_key(field), reverse=descending)
    return records


def modified_since(request: Request) -> datetime | None:
    """The ``If-Modified-Since`` header as an aware UTC datetime; None without a readable one."""
    text = (request.header("If-Modified-Since") or "").strip()
    if not text:
        return None
    try:
        return parse_moment(text)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _updated_since(record: Record, since: datetime) -> bool:
    updated = record.get("UpdatedDateUTC")
    try:
        return updated is None or parse_moment(updated) >= since
    except ValueError:
        return True


def _exact_or_terms(records: list[Record], where: Where, listing: Listing) -> list[Record]:
    """Of what an ``OR`` list of folded equalities matched, the records equal to a term exactly."""
    terms = where.equality_index_terms()
    if terms is None or len(terms[1]) < 2 or listing.fields.get(terms[0]) != "folded":
        return records
    field, wanted = terms
    path = field.split(".")

    def value_of(record: Record) -> Any:
        value: Any = record
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    return [record for record in records if value_of(record) in wanted]


def order_of(request: Request, listing: Listing) -> list[tuple[str, bool]]:
    """``order`` as (field, descending) pairs; raises WhereSyntaxError for an unknown field."""
    text = request.param("order") or ""
    ordering: list[tuple[str, bool]] = []
    position = 0
    for part in text.split(","):
        words = part.split()
        if not words:
            position += len(part) + 1
            continue
        name = next((f for f in listing.fields if f.lower() == words[0].lower()), None)
        if name is None or "." in name or len(words) > 2:
            raise WhereSyntaxError(
                f"No property or field '{words[0]}' exists in type '{listing.type_name}'",
                position + part.index(words[0]),
            )
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "ascending", "desc", "descending"):
            raise WhereSyntaxError("Syntax error", position + part.index(words[1]))
        ordering.append((name, direction.startswith("desc")))
        position += len(part) + 1
    return ordering


def _sort_key(field: str) -> Callable[[Record], Any]:
    def key(record: Record) -> Any:
        value = record.get(field)
        # None sorts first, as SQL Server's ascending order puts nulls first.
        if value is None:
            return (0, "")
        if isinstance(value, bool | int | Decimal | float):
            return (1, Decimal(str(value)))
        if isinstance(value, str) and value.startswith("/Date("):
            return (1, int(value[6:].split("+")[0].split(")")[0]))
        return (1, str(value).lower())

    return key


@dataclass(frozen=True)
class Page:
    number: int
    size: int


def page_of(request: Request) -> Page | None:
    """The requested page, or None when the request does not page."""
    text = request.param("page")
    if text is None:
        return None
    number = _positive(text, 1)
    size = min(_positive(request.param("pageSize") or "", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    return Page(number, size)


def _positive(text: str, default: int) -> int:
    try:
        number = int(text.strip())
    except ValueError:
        return default
    return number if number >= 1 else default


def paginate(records: list[Record], page: Page) -> tuple[list[Record], dict[str, int]]:
    """One page of records and Xero's ``pagination`` object."""
    start = (page.number - 1) * page.size
    count = len(records)
    pagination = {
        "page": page.number,
        "pageSize": page.size,
        "pageCount": (count + page.size - 1) // page.size,
        "itemCount": count,
    }
    return records[start : start + page.size], pagination


def folded_contains(term: str, record: Record, keys: Iterable[str]) -> bool:
    """``searchTerm``: the folded term inside any of the record's folded fields."""
    wanted = fold(term.strip())
    return any(isinstance(record.get(k), str) and wanted in fold(record[k]) for k in keys)
