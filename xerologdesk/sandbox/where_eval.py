"""Xero's ``where`` clauses evaluated: a syntax tree compiled into a test of records.

:mod:`~xerologdesk.sandbox.where_parser` reads the clause; this module compiles its tree into
Python closures so a lookup costs a few dictionary reads per record. Choices (where Xero's
database and Python differ):

- Kinds of field: ``folded`` strings compare by :func:`fold` (case and accents ignored) for
  ``==``, ``!=``, ordering, ``Contains``, ``StartsWith`` and ``EndsWith``; ``string`` compares
  exactly; ``.ToLower()``/``.ToUpper()`` yield a plain string that compares exactly;
  ``guid`` compares case-insensitively; ``number`` compares as ``Decimal`` with any numeric
  literal; ``date`` compares as an aware UTC datetime.
- Nulls (a missing key is null; so is a value of the wrong shape, such as a NaN or text that is
  no date): ``==``/``!=`` follow C# (``null == null``); an ordering comparison, a ``!`` or a
  method's null *argument* is false. A method called *on* a null field (``AccountNumber.Contains
  ("x")`` where a record has no AccountNumber) raises :class:`WhereNullReference`: Xero answers
  that 500 (pyxero#181, confirmed by Xero support), which is why the documented form guards it,
  ``AccountNumber!=null&&AccountNumber.Contains("x")`` (``&&`` stops before the call).
- Strings order by code point, not culture.
"""

from __future__ import annotations

import math
import operator
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from xerologdesk.sandbox.where_parser import (
    NULL_TYPE,
    NUMERIC_TYPES,
    Case,
    Compare,
    Field,
    Length,
    Literal,
    Logical,
    Negate,
    Node,
    Not,
    Object,
    StringTest,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class WhereNullReference(Exception):
    """A method called on a null field while testing a record: Xero's answer is a 500."""


def fold(text: str) -> str:
    """Xero's case- and accent-insensitive comparison key: ``fold("Café") == fold("CAFE")``.

    NFKD, combining marks dropped, casefolded (and the marks casefolding can bring back, as in
    ``"İ"``, dropped again).
    """
    if text.isascii():
        return text.lower()  # the same as the full path for ASCII, and ten times faster
    return _fold_unicode(text)


@lru_cache(maxsize=65536)
def _fold_unicode(text: str) -> str:
    """:func:`fold` for text outside ASCII, cached: lookups fold the same few names again."""
    key = _drop_marks(text).casefold()
    return key if key.isascii() else _drop_marks(key)


def _drop_marks(text: str) -> str:
    """``text`` decomposed (NFKD) without its combining marks: "é" becomes "e"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- values from records ------------------------------------------------------------------------


def _as_text(value: Any) -> str | None:
    """A record's string (anything else in a string field is compared as its text)."""
    if value is None or value.__class__ is str:
        return value
    return str(value)


def _as_folded(value: Any) -> str | None:
    """A record's string as its :func:`fold` key."""
    text = _as_text(value)
    return None if text is None else fold(text)


def _as_guid(value: Any) -> str | None:
    """A record's GUID in lower case, so that GUIDs compare case-insensitively."""
    text = _as_text(value)
    return None if text is None else text.lower()


def _as_number(value: Any) -> Decimal | int | float | None:
    """A record's number; Decimal, int and float compare exactly with each other as they are."""
    if value is None or isinstance(value, int):
        return value
    if not isinstance(value, Decimal | float):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return None
    # A NaN is no number to compare (a signalling Decimal NaN would even raise): treat it as null.
    nan = value.is_nan() if isinstance(value, Decimal) else math.isnan(value)
    return None if nan else value


def _as_bool(value: Any) -> bool | None:
    """A record's bool (``"true"``/``"false"`` text read too)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _as_datetime(value: Any) -> datetime | None:
    """A record's date as an aware UTC datetime: ``/Date(ms+0000)/``, ISO text or objects."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    if isinstance(value, str):
        return _parse_date_text(value)
    return None


@lru_cache(maxsize=65536)
def _parse_date_text(text: str) -> datetime | None:
    """``/Date(ms+0000)/`` or ISO 8601 text as an aware UTC datetime; None for anything else."""
    if text.startswith("/Date(") and text.endswith(")/"):
        # The milliseconds are the instant in UTC; the offset after them is only informational.
        inner = text[6:-2]
        cut = max(inner.rfind("+"), inner.rfind("-"))
        millis = inner[:cut] if cut > 0 else inner
        try:
            return _EPOCH + timedelta(milliseconds=int(millis))
        except (ValueError, OverflowError):
            return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "string": _as_text,
    "folded": _as_folded,
    "number": _as_number,
    "bool": _as_bool,
    "guid": _as_guid,
    "date": _as_datetime,
    "object": lambda value: value,
}
_BARE_DOMAIN = {"folded": "string"}
_DOMAIN_OF_TYPE = {"String": "string", "Boolean": "bool", "Guid": "guid", "DateTime": "date"}
_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

# --- compiler -----------------------------------------------------------------------------------

Reader = Callable[[Mapping[str, Any]], Any]


def compile_tree(node: Node) -> Reader:
    """A closure computing ``node``'s value for a record (conditions give a bool)."""
    match node:
        case Literal(value=value):
            return lambda record: value
        case Field(name=name, kind=kind):
            # Only a bool field is ever used bare (as a condition); normalise it like any field.
            return _path_reader(tuple(name.split(".")), _NORMALISERS[_BARE_DOMAIN.get(kind, kind)])
        case Object(path=path):
            return _path_reader(path, None) if path else lambda record: record
        case Length(target=target):
            text = _operand(target, "string")
            return lambda record: None if (value := text(record)) is None else len(value)
        case Case(upper=upper, target=target):
            text = _operand(target, "string")
            change = str.upper if upper else str.lower
            return lambda record: None if (value := text(record)) is None else change(value)
        case StringTest():
            return _compile_string_test(node)
        case Compare():
            return _compile_compare(node)
        case Not(operand=operand):
            inner = compile_tree(operand)
            # !null is null in C#, and a null condition does not match.
            return lambda record: (value := inner(record)) is not None and not value
        case Negate(operand=operand):
            number = _operand(operand, "number")
            return lambda record: None if (value := number(record)) is None else -value
        case Logical():
            return _compile_logical(node)
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover


def _path_reader(path: tuple[str, ...], normalise: Callable[[Any], Any] | None) -> Reader:
    """Reads a (dotted) key of a record, normalised; a missing key or non-object is null."""
    if len(path) == 1:
        key = path[0]
        if normalise is None:
            return lambda record: record.get(key)
        if normalise is _as_folded:
            # The hot path of every lookup (AccountNumber=="X"): one dict read, one lower().
            def read_folded(record: Mapping[str, Any]) -> Any:
                value = record.get(key)
                if value.__class__ is str:
                    return value.lower() if value.isascii() else _fold_unicode(value)
                return None if value is None else fold(str(value))

            return read_folded

        def read_one(record: Mapping[str, Any]) -> Any:
            value = record.get(key)
            return None if value is None else normalise(value)

        return read_one

    def read_nested(record: Mapping[str, Any]) -> Any:
        value: Any = record
        for key in path:
            try:
                value = value.get(key)
            except AttributeError:  # a null or a scalar where an object was expected
                return None
        if value is None or normalise is None:
            return value
        return normalise(value)

    return read_nested


def _operand(node: Node, domain: str) -> Reader:
    """A closure giving ``node``'s value normalised for comparing in ``domain``."""
    normalise = _NORMALISERS[domain]
    if isinstance(node, Field):
        return _path_reader(tuple(node.name.split(".")), normalise)
    if isinstance(node, Literal):
        constant = None if node.value is None else normalise(node.value)
        return lambda record: constant
    inner = compile_tree(node)
    return lambda record: normalise(inner(record))


def _constant(node: Node, domain: str) -> tuple[bool, Any]:
    """(True, normalised value) when ``node`` is a literal, else (False, None)."""
    if isinstance(node, Literal):
        return True, None if node.value is None else _NORMALISERS[domain](node.value)
    return False, None


def _is_folded(node: Node) -> bool:
    """Whether ``node`` is a folded field read as it is (not through ToLower/ToUpper)."""
    return isinstance(node, Field) and node.kind == "folded"


def _domain(left: Node, right: Node) -> str:
    """How two operands compare: folded when either is a folded field, else by their type."""
    known = left if left.type != NULL_TYPE else right
    if known.type == NULL_TYPE:
        return "object"  # null == null
    if known.type == "String":
        return "folded" if _is_folded(left) or _is_folded(right) else "string"
    if known.type in NUMERIC_TYPES:
        return "number"
    return _DOMAIN_OF_TYPE.get(known.type, "object")


_MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _compile_compare(node: Compare) -> Reader:
    """A comparison as a closure, the literal side normalised once, here."""
    if isinstance(node.left, Literal) and not isinstance(node.right, Literal):
        # "v"==Name reads as Name=="v": the literal side becomes a precomputed constant.
        node = Compare(_MIRRORED[node.op], node.right, node.left, node.pos, node.depth)
    domain = _domain(node.left, node.right)
    left = _operand(node.left, domain)
    is_constant, constant = _constant(node.right, domain)
    if node.op in ("==", "!="):
        equal = node.op == "=="
        if is_constant:
            if constant is None:
                if equal:
                    return lambda record: left(record) is None
                return lambda record: left(record) is not None
            if equal:
                return lambda record: left(record) == constant
            return lambda record: left(record) != constant
        right = _operand(node.right, domain)
        if equal:
            return lambda record: left(record) == right(record)
        return lambda record: left(record) != right(record)
    order = _ORDER_OPS[node.op]
    if is_constant:
        if constant is None:
            return lambda record: False
        return lambda record: (value := left(record)) is not None and order(value, constant)
    right = _operand(node.right, domain)

    def ordered(record: Mapping[str, Any]) -> bool:
        first, second = left(record), right(record)
        return first is not None and second is not None and order(first, second)

    return ordered


def _compile_string_test(node: StringTest) -> Reader:
    """Contains/StartsWith/EndsWith as a closure; folded when a folded field takes part."""
    domain = "folded" if _is_folded(node.target) or _is_folded(node.argument) else "string"
    target = _operand(node.target, domain)
    test = {"contains": str.__contains__, "startswith": str.startswith, "endswith": str.endswith}
    check = test[node.method]
    is_constant, constant = _constant(node.argument, domain)
    argument = _operand(node.argument, domain)

    def tested(record: Mapping[str, Any]) -> bool:
        value = target(record)
        if value is None:
            raise WhereNullReference(node.method)
        wanted = constant if is_constant else argument(record)
        return wanted is not None and check(value, wanted)

    return tested


def _compile_logical(node: Logical) -> Reader:
    """An AND/OR chain as one closure looping over its parts (no recursion per operand)."""
    parts = tuple(compile_tree(each) for each in node.operands)
    if len(parts) == 2:
        first, second = parts
        if node.is_or:
            return lambda record: bool(first(record) or second(record))
        return lambda record: bool(first(record) and second(record))
    if node.is_or:

        def any_of(record: Mapping[str, Any]) -> bool:
            return any(part(record) for part in parts)

        return any_of

    def all_of(record: Mapping[str, Any]) -> bool:
        return all(part(record) for part in parts)

    return all_of


def index_terms(node: Node) -> tuple[str, frozenset[str]] | None:
    """See :meth:`Where.equality_index_terms`."""
    if isinstance(node, Logical):
        if not node.is_or:
            return None
        terms = [index_terms(each) for each in node.operands]
        names = {each[0] for each in terms if each is not None}
        if None in terms or len(names) != 1:
            return None
        return names.pop(), frozenset().union(*(each[1] for each in terms if each is not None))
    if isinstance(node, Compare) and node.op == "==":
        for field, literal in ((node.left, node.right), (node.right, node.left)):
            if not (isinstance(field, Field) and isinstance(literal, Literal)):
                continue
            if (field.kind in ("string", "folded") and literal.type == "String") or (
                field.kind == "guid" and literal.type == "Guid"
            ):
                return field.name, frozenset({literal.written})
    return None
