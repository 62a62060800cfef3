"""Xero's ``where`` filter: parse a clause once (cached), then test records with it.

The public entry of the sandbox's Dynamic LINQ subset: :func:`parse_where` gives a :class:`Where`;
:mod:`~xerologdesk.sandbox.where_parser` reads and checks the clause (its docstring lists the
syntax choices), :mod:`~xerologdesk.sandbox.where_eval` compiles it into a test of records (the
comparison and null choices, and :func:`fold`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from xerologdesk.sandbox.where_eval import WhereNullReference, compile_tree, fold, index_terms
from xerologdesk.sandbox.where_parser import (
    KINDS,
    Node,
    WhereSyntaxError,
    canonical_guid,
    parse_tree,
)

__all__ = [
    "KINDS",
    "Where",
    "WhereNullReference",
    "WhereSyntaxError",
    "fold",
    "index_key",
    "parse_where",
]


def index_key(kind: str, value: str) -> str:
    """The key under which an index of a ``kind`` field finds ``value`` exactly as ``==`` does.

    Meant for the terms of :meth:`Where.equality_index_terms`: ``fold`` for folded fields, the
    lower-case canonical form for GUIDs, the value itself for exact strings.
    """
    if kind == "folded":
        return fold(value)
    if kind == "guid":
        return (canonical_guid(value) or value).lower()
    return value


class Where:
    """A parsed, type-checked ``where`` clause, ready to test records in Xero's JSON shape.

    Never changed after parsing, so ``parse_where`` caches it and threads share it.
    """

    __slots__ = ("_index", "_test", "text", "type_name")

    def __init__(self, text: str, type_name: str, tree: Node) -> None:
        self.text = text
        self.type_name = type_name
        self._test = compile_tree(tree)
        self._index = index_terms(tree)

    def __repr__(self) -> str:
        return f"Where({self.text!r}, {self.type_name!r})"

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether ``record`` (PascalCase keys, nested dicts; missing keys are null) passes."""
        return bool(self._test(record))

    def equality_index_terms(self) -> tuple[str, frozenset[str]] | None:
        """(field, values) when the clause is only ``F=="v"`` equalities joined by OR, else None.

        ``F`` is the canonical name from ``fields``; the values are the literals as written (for
        a GUID field, the text inside ``GUID("...")``). The clause then matches exactly the
        records whose ``index_key(kind, F)`` is ``index_key(kind, v)`` for one of the values, so
        an index can answer it without scanning. ``F.ToLower()=="v"`` and other method forms do
        not count (their exact comparison of a changed value is not the index's key): None.
        """
        return self._index


def parse_where(text: str, type_name: str, fields: Mapping[str, str]) -> Where:
    """Parse and check a ``where`` clause on records of ``type_name`` with the given ``fields``.

    ``fields`` maps each field name (dotted when nested: ``"Contact.Name"``) to its kind, one of
    :data:`KINDS`. Names in the clause match these case-insensitively, as in Dynamic LINQ.
    Raises :class:`WhereSyntaxError` with Xero's message for a clause Xero refuses (an empty
    clause too: callers skip a blank ``where`` rather than parse it). Cached.
    """
    return _parse_cached(text, type_name, tuple(sorted(fields.items())))


@lru_cache(maxsize=1024)
def _parse_cached(text: str, type_name: str, fields: tuple[tuple[str, str], ...]) -> Where:
    unknown = {kind for _name, kind in fields} - KINDS
    if unknown:
        raise ValueError(f"unknown field kinds {sorted(unknown)}; expected one of {sorted(KINDS)}")
    return Where(text, type_name, parse_tree(text, type_name, dict(fields)))
