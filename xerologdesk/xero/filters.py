"""Safe ``where`` clauses for Xero lookups, and Xero's way of comparing names.

Xero's ``where`` has no escape for ``"`` (FACTS.md): a value is put into a clause only when it
cannot change the clause's meaning; everything else is looked up another way by the gateway
(``searchTerm``, or ``.Contains`` on a safe fragment) and compared exactly here, on our side.
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

    Case- and accent-insensitive (FACTS.md); surrounding white space ignored.
    """
    decomposed = unicodedata.normalize("NFKD", text.strip())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


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


def or_equals_chunks(field: str, values: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """``Field=="a" OR Field=="b" ...`` clauses covering ``values`` (safe ones only).

    Each clause holds at most 40 terms and stays under the URL length Xero accepts; yields the
    clause with the values it covers.
    """
    chunk: list[str] = []
    clause = ""
    for value in dict.fromkeys(values):  # de-duplicated, order kept
        term = equals_clause(field, value)
        candidate = f"{clause} OR {term}" if clause else term
        if chunk and (len(chunk) >= MAX_TERMS or len(quote_plus(candidate)) > MAX_WHERE_URL_CHARS):
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
