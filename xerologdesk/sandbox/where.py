"""Xero's ``where`` filter: a parser for the Dynamic LINQ subset Xero accepts, and its evaluator.

Xero passes ``where`` to Microsoft's Dynamic LINQ and answers its parse errors as a 400
``QueryParseException`` carrying Dynamic LINQ's message. This module reads the clause with a small
tokenizer and a recursive descent parser (never ``eval``, never a regex over the clause) into a
typed syntax tree, checks it as Dynamic LINQ does, and compiles it into Python closures so a
lookup costs a few dictionary reads per record.

Choices (where Dynamic LINQ, Xero's database and Python differ):

- Field names, methods and the keywords ``and or not true false null it guid datetime`` match
  case-insensitively, as Dynamic LINQ binds members with ``IgnoreCase``.
- A string literal ends at the next ``"``: there is no escape. ``"a""b"`` is the literal ``a``
  followed by junk (``Syntax error``) and ``"a\\"b"`` is the literal ``a\\`` followed by junk,
  which is what Xero answers; so a value containing ``"`` can never be spliced into a clause.
- Every error message is Dynamic LINQ's text (.NET's for a bad ``GUID``/``DateTime`` argument)
  followed by `` (at index N)``: N is the 0-based character position of the offending token (for
  ``Unterminated string literal``, the end of the text; for a clause that is not a condition, its
  first token), as Dynamic LINQ's ``ParseException`` reports it.
- Kinds of field: ``folded`` strings compare by :func:`fold` (case and accents ignored) for
  ``==``, ``!=``, ordering, ``Contains``, ``StartsWith`` and ``EndsWith``; ``string`` compares
  exactly; ``.ToLower()``/``.ToUpper()`` yield a plain string that compares exactly;
  ``guid`` compares case-insensitively and only with ``GUID("...")`` (a string literal is an
  operand type error, as in Dynamic LINQ); ``number`` compares as ``Decimal`` with any numeric
  literal; ``date`` compares with ``DateTime(y, m, d[, h, mi, s[, ms]])`` taken as UTC.
- Nulls (a missing key is null; so is a value of the wrong shape, such as a NaN or text that is
  no date): ``==``/``!=`` follow C# (``null == null``); an ordering comparison, a ``!`` or a
  method's null *argument* is false. A method called *on* a null field (``AccountNumber.Contains
  ("x")`` where a record has no AccountNumber) raises :class:`WhereNullReference`: Xero answers
  that 500 (pyxero#181, confirmed by Xero support), which is why the documented form guards it,
  ``AccountNumber!=null&&AccountNumber.Contains("x")`` (``&&`` stops before the call).
- Not supported (they answer an error, as an unknown construct would): arithmetic, ``? :``,
  ``iif``, ``new``, indexers, character literals in single quotes, static members such as
  ``DateTime.Now``, conversions such as ``Int32(x)``. Strings order by code point, not culture.
- Nesting deeper than :data:`MAX_NESTING` brackets, or a tree deeper than :data:`MAX_DEPTH`, is
  refused with ``Expression is too deeply nested`` instead of overflowing the Python stack.
"""

from __future__ import annotations

import math
import operator
import string
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

__all__ = [
    "KINDS",
    "Where",
    "WhereNullReference",
    "WhereSyntaxError",
    "fold",
    "index_key",
    "parse_where",
]

KINDS = frozenset({"string", "folded", "number", "bool", "guid", "date"})
MAX_NESTING = 40
MAX_DEPTH = 100

# Dynamic LINQ's type names, as they appear in its messages.
_TYPE_OF_KIND = {
    "string": "String",
    "folded": "String",
    "number": "Decimal",
    "bool": "Boolean",
    "guid": "Guid",
    "date": "DateTime",
}
_NUMERIC = frozenset({"Int32", "Int64", "UInt64", "Single", "Double", "Decimal"})
_ORDERED = _NUMERIC | {"String", "DateTime"}
_SCALAR = _ORDERED | {"Boolean", "Guid"}
_NULL = "Object"  # the type Dynamic LINQ gives the null literal

_PUNCTUATION_2 = frozenset({"!=", "&&", "||", "<=", "<>", "==", ">="})
_PUNCTUATION_1 = frozenset("!%&()*+,-./:<=>?[]|")
_COMPARISONS = {
    "==": "==",
    "=": "==",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_INT_TYPES = (("Int32", 2**31 - 1), ("Int64", 2**63 - 1), ("UInt64", 2**64 - 1))
_DOUBLE_MAX = Decimal("1.7976931348623157E+308")
_ASCII_DIGITS = frozenset(string.digits)
_HEX_DIGITS = frozenset(string.hexdigits)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class WhereSyntaxError(ValueError):
    """A ``where`` clause Xero would refuse; ``str()`` is the message the sandbox answers."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} (at index {self.position})"


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


def index_key(kind: str, value: str) -> str:
    """The key under which an index of a ``kind`` field finds ``value`` exactly as ``==`` does.

    Meant for the terms of :meth:`Where.equality_index_terms`: ``fold`` for folded fields, the
    lower-case canonical form for GUIDs, the value itself for exact strings.
    """
    if kind == "folded":
        return fold(value)
    if kind == "guid":
        return (_canonical_guid(value) or value).lower()
    return value


# --- tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    """One token: ``kind`` is ident/string/int/real/end or the punctuation itself."""

    kind: str
    text: str
    pos: int


class _Lexer:
    """Hands out tokens one at a time, as Dynamic LINQ does, so errors surface in reading order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def next_token(self) -> _Token:
        """The token after the last one handed out (an ``end`` token once the text is used up)."""
        text, size = self.text, len(self.text)
        start = self.pos
        while start < size and text[start].isspace():
            start += 1
        if start >= size:
            self.pos = size
            return _Token("end", "", size)
        ch = text[start]
        if ch == '"':
            # No escape: the literal ends at the very next quote, whatever precedes it.
            close = text.find('"', start + 1)
            if close < 0:
                raise WhereSyntaxError("Unterminated string literal", size)
            return self._take("string", start, close + 1)
        if ch.isalpha() or ch in "_@":
            end = start + 1
            while end < size and (text[end].isalpha() or text[end].isdecimal() or text[end] == "_"):
                end += 1
            return self._take("ident", start, end)
        if ch in _ASCII_DIGITS:
            return self._number(start)
        if text[start : start + 2] in _PUNCTUATION_2:
            return self._take(text[start : start + 2], start, start + 2)
        if ch in _PUNCTUATION_1:
            return self._take(ch, start, start + 1)
        raise WhereSyntaxError(f"Syntax error '{ch}'", start)

    def _take(self, kind: str, start: int, end: int) -> _Token:
        self.pos = end
        return _Token(kind, self.text[start:end], start)

    def _number(self, start: int) -> _Token:
        """An integer or real literal: digits, an optional fraction and exponent, an F suffix."""
        kind = "int"
        end = self._digits(start)
        if self._at(end) == ".":
            kind = "real"
            end = self._digits(end + 1, required=True)
        if self._at(end) in ("E", "e"):
            kind = "real"
            end += 1
            if self._at(end) in ("+", "-"):
                end += 1
            end = self._digits(end, required=True)
        if self._at(end) in ("F", "f"):
            end += 1
        return self._take(kind, start, end)

    def _at(self, index: int) -> str:
        return self.text[index] if index < len(self.text) else ""

    def _digits(self, index: int, required: bool = False) -> int:
        if required and self._at(index) not in _ASCII_DIGITS:
            raise WhereSyntaxError("Digit expected", index)
        while self._at(index) in _ASCII_DIGITS:
            index += 1
        return index


# --- syntax tree --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Literal:
    type: str
    value: Any  # str, Decimal, bool, None, canonical GUID str or datetime
    pos: int
    written: str = ""  # the text between the quotes, for index terms
    depth: int = 1


@dataclass(frozen=True, slots=True)
class _Field:
    name: str  # canonical, as in the caller's fields map
    kind: str
    pos: int
    depth: int = 1

    @property
    def type(self) -> str:
        return _TYPE_OF_KIND[self.kind]


@dataclass(frozen=True, slots=True)
class _Object:
    """The record (``it``) or a nested object such as ``Contact``; its type is its name."""

    path: tuple[str, ...]
    type: str
    pos: int
    depth: int = 1


@dataclass(frozen=True, slots=True)
class _Length:
    target: _Node
    pos: int
    depth: int
    type: str = "Int32"


@dataclass(frozen=True, slots=True)
class _Case:
    upper: bool
    target: _Node
    pos: int
    depth: int
    type: str = "String"


@dataclass(frozen=True, slots=True)
class _StringTest:
    method: str  # "contains", "startswith" or "endswith"
    target: _Node
    argument: _Node
    pos: int
    depth: int
    type: str = "Boolean"


@dataclass(frozen=True, slots=True)
class _Compare:
    op: str  # normalised: == != < <= > >=
    left: _Node
    right: _Node
    pos: int
    depth: int
    type: str = "Boolean"


@dataclass(frozen=True, slots=True)
class _Not:
    operand: _Node
    pos: int
    depth: int
    type: str = "Boolean"


@dataclass(frozen=True, slots=True)
class _Negate:
    operand: _Node
    pos: int
    depth: int
    type: str = "Decimal"


@dataclass(frozen=True, slots=True)
class _Logical:
    is_or: bool
    operands: tuple[_Node, ...]
    pos: int
    depth: int
    type: str = "Boolean"


_Node = (
    _Literal
    | _Field
    | _Object
    | _Length
    | _Case
    | _StringTest
    | _Compare
    | _Not
    | _Negate
    | _Logical
)


def _depth(pos: int, *children: _Node) -> int:
    """A new node's depth; refuses trees deep enough to threaten the stack when compiled."""
    depth = 1 + max(child.depth for child in children)
    if depth > MAX_DEPTH:
        raise WhereSyntaxError("Expression is too deeply nested", pos)
    return depth


# --- parser -------------------------------------------------------------------------------------


class _Parser:
    """Dynamic LINQ's grammar from ``ParseLogicalOr`` down to ``ParsePrimary``, minus arithmetic."""

    def __init__(self, text: str, type_name: str, fields: Mapping[str, str]) -> None:
        self.lexer = _Lexer(text)
        self.type_name = type_name
        self.fields: dict[str, tuple[str, str]] = {}
        for name, kind in fields.items():
            self.fields.setdefault(name.lower(), (name, kind))
        self.objects: dict[str, tuple[str, ...]] = {}
        for name in fields:
            parts = tuple(name.split("."))
            for cut in range(1, len(parts)):
                self.objects.setdefault(".".join(parts[:cut]).lower(), parts[:cut])
        self.nesting = 0
        self.token = self.lexer.next_token()

    def parse(self) -> _Node:
        """The whole clause, which must be a condition and nothing more."""
        start = self.token.pos
        node = self.parse_or()
        if node.type != "Boolean":
            raise WhereSyntaxError("Expression of type 'Boolean' expected", start)
        if self.token.kind != "end":
            raise WhereSyntaxError("Syntax error", self.token.pos)
        return node

    def advance(self) -> None:
        self.token = self.lexer.next_token()

    def at_word(self, word: str) -> bool:
        return self.token.kind == "ident" and self.token.text.lower() == word

    @contextmanager
    def nested(self, pos: int) -> Iterator[None]:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise WhereSyntaxError("Expression is too deeply nested", pos)
        try:
            yield
        finally:
            self.nesting -= 1

    def parse_or(self) -> _Node:
        return self._logical(is_or=True)

    def _logical(self, is_or: bool) -> _Node:
        """An OR chain of AND chains (AND binds tighter), flattened into one node per chain."""
        symbol, word = ("||", "or") if is_or else ("&&", "and")
        first = self._logical(is_or=False) if is_or else self.parse_comparison()
        operands = [first]
        while self.token.kind == symbol or self.at_word(word):
            op = self.token
            self.advance()
            right = self._logical(is_or=False) if is_or else self.parse_comparison()
            if operands[-1].type != "Boolean" or right.type != "Boolean":
                raise _incompatible(op, operands[-1], right)
            operands.append(right)
        if len(operands) == 1:
            return first
        flat: list[_Node] = []
        for each in operands:  # (a OR b) OR c is one chain: shallow, and easy to index
            if isinstance(each, _Logical) and each.is_or == is_or:
                flat.extend(each.operands)
            else:
                flat.append(each)
        return _Logical(is_or, tuple(flat), first.pos, _depth(first.pos, *flat))

    def parse_comparison(self) -> _Node:
        """Operands joined by ``== = != <> < <= > >=``, left to right, type-checked."""
        left = self.parse_unary()
        while self.token.kind in _COMPARISONS:
            op = self.token
            self.advance()
            right = self.parse_unary()
            if not _comparable(_COMPARISONS[op.kind], left.type, right.type):
                raise _incompatible(op, left, right)
            left = _Compare(_COMPARISONS[op.kind], left, right, op.pos, _depth(op.pos, left, right))
        return left

    def parse_unary(self) -> _Node:
        """``-x``, ``!x`` or ``NOT x``: they bind tighter than comparisons, as in Dynamic LINQ."""
        op = self.token
        if op.kind not in ("-", "!") and not self.at_word("not"):
            return self.parse_primary()
        self.advance()
        if op.kind == "-" and self.token.kind in ("int", "real"):
            # As Dynamic LINQ does: the minus joins the literal, so -2147483648 is an Int32.
            self.token = _Token(self.token.kind, "-" + self.token.text, op.pos)
            return self.parse_primary()
        with self.nested(op.pos):
            operand = self.parse_unary()
        if op.kind == "-":
            if operand.type not in _NUMERIC:
                raise WhereSyntaxError(
                    f"Operator '-' incompatible with operand type '{operand.type}'", op.pos
                )
            return _Negate(operand, op.pos, _depth(op.pos, operand), operand.type)
        if operand.type != "Boolean":
            raise WhereSyntaxError(
                f"Operator '{op.text}' incompatible with operand type '{operand.type}'", op.pos
            )
        return _Not(operand, op.pos, _depth(op.pos, operand))

    def parse_primary(self) -> _Node:
        """A literal, field, bracketed clause or constructor, then any ``.Member`` after it."""
        node = self.parse_primary_start()
        while self.token.kind == ".":
            self.advance()
            node = self.parse_member(node)
        return node

    def parse_primary_start(self) -> _Node:
        token = self.token
        if token.kind == "ident":
            return self.parse_identifier()
        if token.kind == "string":
            self.advance()
            value = token.text[1:-1]
            return _Literal("String", value, token.pos, written=value)
        if token.kind in ("int", "real"):
            self.advance()
            return _number_literal(token)
        if token.kind == "(":
            self.advance()
            with self.nested(token.pos):
                node = self.parse_or()
            if self.token.kind != ")":
                raise WhereSyntaxError("')' or operator expected", self.token.pos)
            self.advance()
            return node
        raise WhereSyntaxError("Expression expected", token.pos)

    def parse_identifier(self) -> _Node:
        """A keyword (``true``, ``null``, ``it``, ``GUID``...) or a field of the record."""
        token = self.token
        word = token.text.lower()
        if word in ("true", "false", "null"):
            self.advance()
            if word == "null":
                return _Literal(_NULL, None, token.pos)
            return _Literal("Boolean", word == "true", token.pos)
        if word == "it":
            self.advance()
            return _Object((), self.type_name, token.pos)
        if word in ("guid", "datetime"):
            return self.parse_constructor()
        return self.parse_member(_Object((), self.type_name, token.pos))

    def parse_constructor(self) -> _Literal:
        """``GUID("...")`` or ``DateTime(y, m, d[, h, mi, s[, ms]])``, made into a constant."""
        token = self.token
        type_name = "Guid" if token.text.lower() == "guid" else "DateTime"
        self.advance()
        if self.token.kind == ".":
            self.advance()
            name = self.token
            if name.kind != "ident":
                raise WhereSyntaxError("Identifier expected", name.pos)
            raise WhereSyntaxError(
                f"No property or field '{name.text}' exists in type '{type_name}'", name.pos
            )
        if self.token.kind != "(":
            raise WhereSyntaxError("'.' or '(' expected", self.token.pos)
        arguments = self.parse_arguments()
        if type_name == "Guid":
            return _guid_literal(token, arguments)
        return _datetime_literal(token, arguments)

    def parse_arguments(self) -> list[_Node]:
        """A bracketed, comma-separated argument list (the current token is its ``(``)."""
        opening = self.token
        self.advance()
        arguments: list[_Node] = []
        with self.nested(opening.pos):
            if self.token.kind != ")":
                arguments.append(self.parse_or())
                while self.token.kind == ",":
                    self.advance()
                    arguments.append(self.parse_or())
        if self.token.kind != ")":
            raise WhereSyntaxError("')' or ',' expected", self.token.pos)
        self.advance()
        return arguments

    def parse_member(self, target: _Node) -> _Node:
        """``.Name`` or ``.Method(...)`` applied to ``target`` (the ``.`` already read)."""
        token = self.token
        if token.kind != "ident":
            raise WhereSyntaxError("Identifier expected", token.pos)
        name = token.text[1:] if token.text.startswith("@") and len(token.text) > 1 else token.text
        self.advance()
        if self.token.kind == "(":
            return _method(target, name, token.pos, self.parse_arguments())
        return self.property_of(target, name, token.pos)

    def property_of(self, target: _Node, name: str, pos: int) -> _Node:
        """A field or nested object of the record, or ``Length`` of a string."""
        if isinstance(target, _Object):
            dotted = ".".join((*target.path, name)).lower()
            if dotted in self.fields:
                canonical, kind = self.fields[dotted]
                return _Field(canonical, kind, pos)
            if dotted in self.objects:
                path = self.objects[dotted]
                return _Object(path, path[-1], pos)
        elif target.type == "String" and name.lower() == "length":
            return _Length(target, pos, _depth(pos, target))
        raise WhereSyntaxError(f"No property or field '{name}' exists in type '{target.type}'", pos)


def _incompatible(op: _Token, left: _Node, right: _Node) -> WhereSyntaxError:
    """Dynamic LINQ's error for a binary operator whose operand types do not fit."""
    return WhereSyntaxError(
        f"Operator '{op.text}' incompatible with operand types '{left.type}' and '{right.type}'",
        op.pos,
    )


def _comparable(op: str, left: str, right: str) -> bool:
    """Whether Dynamic LINQ accepts ``left op right`` (every field here is nullable)."""
    equality = op in ("==", "!=")
    if left == _NULL or right == _NULL:
        other = right if left == _NULL else left
        return equality or other in _ORDERED
    if left in _NUMERIC and right in _NUMERIC:
        return True
    if left != right or left not in _SCALAR:
        return False
    return equality or left in _ORDERED


def _method(target: _Node, name: str, pos: int, arguments: list[_Node]) -> _Node:
    """A call of one of the string methods Xero supports, checked for its arguments."""
    method = name.lower()
    if target.type == "String":
        if method in ("contains", "startswith", "endswith"):
            if len(arguments) == 1 and arguments[0].type == "String":
                argument = arguments[0]
                return _StringTest(method, target, argument, pos, _depth(pos, target, argument))
        elif method in ("tolower", "toupper") and not arguments:
            return _Case(method == "toupper", target, pos, _depth(pos, target))
    raise WhereSyntaxError(f"No applicable method '{name}' exists in type '{target.type}'", pos)


def _number_literal(token: _Token) -> _Literal:
    """A numeric literal as a Decimal, typed as Dynamic LINQ types it (Int32 ... Double)."""
    text = token.text
    if token.kind == "int":
        if text[-1] in "Ff":  # Dynamic LINQ reads 5F as an integer literal, and fails
            raise WhereSyntaxError(f"Invalid integer literal '{text}'", token.pos)
        value = int(text)
        for type_name, limit in _INT_TYPES:
            if -limit - 1 <= value <= limit:
                return _Literal(type_name, Decimal(value), token.pos)
        raise WhereSyntaxError(f"Invalid integer literal '{text}'", token.pos)
    single = text[-1] in "Ff"
    try:
        number = Decimal(text[:-1] if single else text)
    except InvalidOperation:  # pragma: no cover - the lexer only lets through valid forms
        raise WhereSyntaxError(f"Invalid real literal '{text}'", token.pos) from None
    if abs(number) > _DOUBLE_MAX:
        raise WhereSyntaxError(f"Invalid real literal '{text}'", token.pos)
    return _Literal("Single" if single else "Double", number, token.pos)


def _canonical_guid(text: str) -> str | None:
    """``text`` as a lower-case hyphenated GUID, or None; .NET's D, N, B and P forms accepted."""
    body = text.strip()
    if len(body) == 38 and (body[0], body[-1]) in (("{", "}"), ("(", ")")):
        body = body[1:-1]
    if len(body) == 36 and all(body[i] == "-" for i in (8, 13, 18, 23)):
        body = body.replace("-", "")
    if len(body) != 32 or not all(ch in _HEX_DIGITS for ch in body):
        return None
    body = body.lower()
    return f"{body[:8]}-{body[8:12]}-{body[12:16]}-{body[16:20]}-{body[20:]}"


def _guid_literal(token: _Token, arguments: list[_Node]) -> _Literal:
    """``GUID("...")`` as a constant, its text checked now rather than per record."""
    if len(arguments) != 1 or not isinstance(arguments[0], _Literal):
        raise WhereSyntaxError("No matching constructor in type 'Guid'", token.pos)
    argument = arguments[0]
    if argument.type != "String":
        raise WhereSyntaxError("No matching constructor in type 'Guid'", token.pos)
    canonical = _canonical_guid(argument.value)
    if canonical is None:  # .NET's FormatException, raised while Xero builds the query
        raise WhereSyntaxError(
            "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
            argument.pos,
        )
    return _Literal("Guid", canonical, token.pos, written=argument.value)


def _datetime_literal(token: _Token, arguments: list[_Node]) -> _Literal:
    """``DateTime(y, m, d[, h, mi, s[, ms]])`` as a constant aware datetime in UTC."""
    parts = [
        int(each.value)
        for each in arguments
        if isinstance(each, _Literal) and each.type in ("Int32", "Int64")
    ]
    if len(parts) != len(arguments) or len(parts) not in (3, 6, 7):
        raise WhereSyntaxError("No matching constructor in type 'DateTime'", token.pos)
    year, month, day, *clock = parts
    try:
        moment = datetime(year, month, day, tzinfo=UTC)
    except (ValueError, OverflowError):
        raise WhereSyntaxError(
            "Year, Month, and Day parameters describe an un-representable DateTime.", token.pos
        ) from None
    if clock:
        hour, minute, second, *millis = clock
        if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60):
            raise WhereSyntaxError(
                "Hour, Minute, and Second parameters describe an un-representable DateTime.",
                token.pos,
            )
        if millis and not 0 <= millis[0] < 1000:
            raise WhereSyntaxError("Valid values are between 0 and 999, inclusive.", token.pos)
        moment = moment.replace(hour=hour, minute=minute, second=second)
        moment += timedelta(milliseconds=millis[0] if millis else 0)
    return _Literal("DateTime", moment, token.pos)


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

_Reader = Callable[[Mapping[str, Any]], Any]


def _compile(node: _Node) -> _Reader:
    """A closure computing ``node``'s value for a record (conditions give a bool)."""
    match node:
        case _Literal(value=value):
            return lambda record: value
        case _Field(name=name, kind=kind):
            # Only a bool field is ever used bare (as a condition); normalise it like any field.
            return _path_reader(tuple(name.split(".")), _NORMALISERS[_BARE_DOMAIN.get(kind, kind)])
        case _Object(path=path):
            return _path_reader(path, None) if path else lambda record: record
        case _Length(target=target):
            text = _operand(target, "string")
            return lambda record: None if (value := text(record)) is None else len(value)
        case _Case(upper=upper, target=target):
            text = _operand(target, "string")
            change = str.upper if upper else str.lower
            return lambda record: None if (value := text(record)) is None else change(value)
        case _StringTest():
            return _compile_string_test(node)
        case _Compare():
            return _compile_compare(node)
        case _Not(operand=operand):
            inner = _compile(operand)
            # !null is null in C#, and a null condition does not match.
            return lambda record: (value := inner(record)) is not None and not value
        case _Negate(operand=operand):
            number = _operand(operand, "number")
            return lambda record: None if (value := number(record)) is None else -value
        case _Logical():
            return _compile_logical(node)
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover


def _path_reader(path: tuple[str, ...], normalise: Callable[[Any], Any] | None) -> _Reader:
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


def _operand(node: _Node, domain: str) -> _Reader:
    """A closure giving ``node``'s value normalised for comparing in ``domain``."""
    normalise = _NORMALISERS[domain]
    if isinstance(node, _Field):
        return _path_reader(tuple(node.name.split(".")), normalise)
    if isinstance(node, _Literal):
        constant = None if node.value is None else normalise(node.value)
        return lambda record: constant
    inner = _compile(node)
    return lambda record: normalise(inner(record))


def _constant(node: _Node, domain: str) -> tuple[bool, Any]:
    """(True, normalised value) when ``node`` is a literal, else (False, None)."""
    if isinstance(node, _Literal):
        return True, None if node.value is None else _NORMALISERS[domain](node.value)
    return False, None


def _is_folded(node: _Node) -> bool:
    """Whether ``node`` is a folded field read as it is (not through ToLower/ToUpper)."""
    return isinstance(node, _Field) and node.kind == "folded"


def _domain(left: _Node, right: _Node) -> str:
    """How two operands compare: folded when either is a folded field, else by their type."""
    known = left if left.type != _NULL else right
    if known.type == _NULL:
        return "object"  # null == null
    if known.type == "String":
        return "folded" if _is_folded(left) or _is_folded(right) else "string"
    if known.type in _NUMERIC:
        return "number"
    return _DOMAIN_OF_TYPE.get(known.type, "object")


_MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _compile_compare(node: _Compare) -> _Reader:
    """A comparison as a closure, the literal side normalised once, here."""
    if isinstance(node.left, _Literal) and not isinstance(node.right, _Literal):
        # "v"==Name reads as Name=="v": the literal side becomes a precomputed constant.
        node = _Compare(_MIRRORED[node.op], node.right, node.left, node.pos, node.depth)
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


def _compile_string_test(node: _StringTest) -> _Reader:
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


def _compile_logical(node: _Logical) -> _Reader:
    """An AND/OR chain as one closure looping over its parts (no recursion per operand)."""
    parts = tuple(_compile(each) for each in node.operands)
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


def _index_terms(node: _Node) -> tuple[str, frozenset[str]] | None:
    """See :meth:`Where.equality_index_terms`."""
    if isinstance(node, _Logical):
        if not node.is_or:
            return None
        terms = [_index_terms(each) for each in node.operands]
        names = {each[0] for each in terms if each is not None}
        if None in terms or len(names) != 1:
            return None
        return names.pop(), frozenset().union(*(each[1] for each in terms if each is not None))
    if isinstance(node, _Compare) and node.op == "==":
        for field, literal in ((node.left, node.right), (node.right, node.left)):
            if not (isinstance(field, _Field) and isinstance(literal, _Literal)):
                continue
            if (field.kind in ("string", "folded") and literal.type == "String") or (
                field.kind == "guid" and literal.type == "Guid"
            ):
                return field.name, frozenset({literal.written})
    return None


# --- public -------------------------------------------------------------------------------------


class Where:
    """A parsed, type-checked ``where`` clause, ready to test records in Xero's JSON shape.

    Never changed after parsing, so ``parse_where`` caches it and threads share it.
    """

    __slots__ = ("_index", "_test", "text", "type_name")

    def __init__(self, text: str, type_name: str, tree: _Node) -> None:
        self.text = text
        self.type_name = type_name
        self._test = _compile(tree)
        self._index = _index_terms(tree)

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
    return Where(text, type_name, _Parser(text, type_name, dict(fields)).parse())
