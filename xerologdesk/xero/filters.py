"""Safe ``where`` clauses for Xero lookups, and Xero's way of comparing names.

Xero's ``where`` has no escape for ``"`` (docs/xero-behaviour.md): a value goes in only when it
cannot change the clause's meaning; everything else is looked up another way by the gateway
(``searchTerm``, or ``.Contains`` on a safe fragment) and compared exactly here, on our side.

Xero answers 404 to a URL over about 2,000 characters, so every clause and search text is
measured as the SDK sends it (URL-encoded: one "€" is 9 characters), never by its term count
alone. A value whose own term cannot fit is looked up by a fragment of it that does, and the
answer compared on our side.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import quote_plus

# Xero answers 404 to URLs over about 2,000 characters; keep room for the host, path and the
# other parameters.
MAX_WHERE_URL_CHARS = 1500
MAX_TERMS = 40


def xero_fold(text: str) -> str:
    """The key Xero compares contact names, emails and account numbers by.

    Case- and accent-insensitive (docs/xero-behaviour.md); surrounding white space ignored.
    """
    decomposed = unicodedata.normalize("NFKD", text.strip())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def encoded_length(text: str) -> int:
    """How many characters ``text`` takes in a query string (the SDK encodes with quote_plus)."""
    return len(quote_plus(text))


def prefix_within(text: str, room: int) -> str:
    """The longest start of ``text`` whose encoded form takes at most ``room`` characters."""
    used = 0
    for index, ch in enumerate(text):
        used += encoded_length(ch)  # each character is encoded on its own
        if used > room:
            return text[:index]
    return text


def search_text(value: str) -> str:
    """What to send as ``searchTerm`` to find ``value``: all of it, or as much as fits a URL.

    searchTerm is a contains-search, so a start of the value finds it too (with others, which
    the caller's exact comparison drops).
    """
    return prefix_within(value.strip(), MAX_WHERE_URL_CHARS).strip()


def unfolded_variant(value: str) -> str | None:
    """``value`` spelt otherwise in case and accents, the same under :func:`xero_fold` (None when
    it has no letter to change): what shows whether Xero folded a match."""
    decomposed = unicodedata.normalize("NFKD", value)
    variant = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).swapcase()
    if variant == value or xero_fold(variant) != xero_fold(value):
        return None
    return variant


def is_safe_literal(value: str) -> bool:
    """Whether ``value`` can stand between double quotes in a ``where`` clause unchanged.

    ``"`` ends the literal and cannot be escaped; ``\\`` starts escapes in some Dynamic LINQ
    versions; control characters have no business in a URL.
    """
    return bool(value) and not any(
        ch in '"\\' or unicodedata.category(ch).startswith("C") for ch in value
    )


def equals_clause(field: str, value: str) -> str:
    if not is_safe_literal(value):
        raise ValueError(f"{value!r} cannot go into a where clause")
    return f'{field}=="{value}"'


def fits_equals_clause(field: str, value: str) -> bool:
    """Whether ``Field=="value"`` can be sent: a safe literal, short enough for one URL."""
    return is_safe_literal(value) and (
        encoded_length(equals_clause(field, value)) <= MAX_WHERE_URL_CHARS
    )


def contains_clause(field: str, value: str) -> str:
    """``Field!=null&&Field.Contains("fragment")`` for the longest safe run of ``value`` that
    fits a URL ('' when it has no safe run of two characters).

    The null guard is Xero's documented form: on an optional field (AccountNumber) Xero answers
    500 to a bare ``.Contains`` as soon as one record leaves the field empty.
    """
    template = f'{field}!=null&&{field}.Contains("")'
    room = MAX_WHERE_URL_CHARS - encoded_length(template)
    fragment = prefix_within(safe_fragment(value).strip(), room).strip()
    if len(fragment) < 2:
        return ""
    return f'{field}!=null&&{field}.Contains("{fragment}")'


def or_equals_chunks(field: str, values: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """``Field=="a" OR Field=="b" ...`` clauses covering ``values``.

    Only values that pass :func:`fits_equals_clause` (ValueError otherwise). Each clause holds
    at most 40 terms and its encoded length stays under the URL length Xero accepts; yields the
    clause with the values it covers.
    """
    chunk: list[str] = []
    clause = ""
    for value in dict.fromkeys(values):  # de-duplicated, order kept
        if not fits_equals_clause(field, value):
            raise ValueError(f"{value[:40]!r}... cannot go into one where clause")
        term = equals_clause(field, value)
        candidate = f"{clause} OR {term}" if clause else term
        if chunk and (len(chunk) >= MAX_TERMS or encoded_length(candidate) > MAX_WHERE_URL_CHARS):
            yield clause, chunk
            chunk, candidate = [], term
        chunk.append(value)
        clause = candidate
    if chunk:
        yield clause, chunk


def safe_fragment(value: str) -> str:
    """The longest run of ``value`` that is a safe literal ('' when there is none)."""
    best = ""
    run = ""
    for ch in value:
        if is_safe_literal(ch):
            run += ch
            if len(run) > len(best):
                best = run
        else:
            run = ""
    return best
