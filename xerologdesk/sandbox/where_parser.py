"""Xero's ``where`` clauses read into a typed syntax tree, as Dynamic LINQ reads them.

Xero passes ``where`` to Microsoft's Dynamic LINQ and answers its parse errors as a 400
``QueryParseException`` carrying Dynamic LINQ's message. This module reads the clause with a small
tokenizer and a recursive descent parser (never ``eval``, never a regex over the clause) into a
typed syntax tree and checks it as Dynamic LINQ does; :mod:`~xerologdesk.sandbox.where_eval` turns
the tree into a test of records. Syntax choices (where Dynamic LINQ and Python differ):

- Field names, methods and the keywords ``and or not true false null it guid datetime`` match
  case-insensitively, as Dynamic LINQ binds members with ``IgnoreCase``.
- A string literal ends at the next ``"``: there is no escape. ``"a""b"`` is the literal ``a``
  followed by junk (``Syntax error``) and ``"a\\"b"`` is the literal ``a\\`` followed by junk,
  which is what Xero answers; so a value containing ``"`` can never be spliced into a clause.
- Every error message is Dynamic LINQ's text (.NET's for a bad ``GUID``/``DateTime`` argument)
  followed by `` (at index N)``: N is the 0-based character position of the offending token (for
  ``Unterminated string literal``, the end of the text; for a clause that is not a condition, its
  first token), as Dynamic LINQ's ``ParseException`` reports it.
- ``guid`` fields compare only with ``GUID("...")`` (a string literal is an operand type error, as
  in Dynamic LINQ); ``date`` fields with ``DateTime(y, m, d[, h, mi, s[, ms]])`` taken as UTC.
- Not supported (they answer an error, as an unknown construct would): arithmetic, ``? :``,
  ``iif``, ``new``, indexers, character literals in single quotes, static members such as
  ``DateTime.Now``, conversions such as ``Int32(x)``.
- Nesting deeper than :data:`MAX_NESTING` brackets, or a tree deeper than :data:`MAX_DEPTH`, is
  refused with ``Expression is too deeply nested`` instead of overflowing the Python stack.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

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
NUMERIC_TYPES = frozenset({"Int32", "Int64", "UInt64", "Single", "Double", "Decimal"})
_ORDERED = NUMERIC_TYPES | {"String", "DateTime"}
_SCALAR = _ORDERED | {"Boolean", "Guid"}
NULL_TYPE = "Object"  # the type Dynamic LINQ gives the null literal

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


class WhereSyntaxError(ValueError):
    """A ``where`` clause Xero would refuse; ``str()`` is the message the sandbox answers."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} (at index {self.position})"


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
class Literal:
    type: str
    value: Any  # str, Decimal, bool, None, canonical GUID str or datetime
    pos: int
    written: str = ""  # the text between the quotes, for index terms
    depth: int = 1


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # canonical, as in the caller's fields map
    kind: str
    pos: int
    depth: int = 1

    @property
    def type(self) -> str:
        return _TYPE_OF_KIND[self.kind]


@dataclass(frozen=True, slots=True)
class Object:
    """The record (``it``) or a nested object such as ``Contact``; its type is its name."""

    path: tuple[str, ...]
    type: str
    pos: int
    depth: int = 1


@dataclass(frozen=True, slots=True)
class Length:
    target: Node
    pos: int
    depth: int
    type: str = "Int32"


@dataclass(frozen=True, slots=True)
class Case:
    upper: bool
    target: Node
    pos: int
    depth: int
    type: str = "String"


@dataclass(frozen=True, slots=True)
class StringTest:
    method: str  # "contains", "startswith" or "endswith"
    target: Node
    argument: Node
    pos: int
    depth: int
    type: str = "Boolean"


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # normalised: == != < <= > >=
    left: Node
    right: Node
    pos: int
    depth: int
    type: str = "Boolean"


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    pos: int
    depth: int
    type: str = "Boolean"


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node
    pos: int
    depth: int
    type: str = "Decimal"


@dataclass(frozen=True, slots=True)
class Logical:
    is_or: bool
    operands: tuple[Node, ...]
    pos: int
    depth: int
    type: str = "Boolean"


Node = Literal | Field | Object | Length | Case | StringTest | Compare | Not | Negate | Logical


def _depth(pos: int, *children: Node) -> int:
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

    def parse(self) -> Node:
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

    def parse_or(self) -> Node:
        return self._logical(is_or=True)

    def _logical(self, is_or: bool) -> Node:
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
        flat: list[Node] = []
        for each in operands:  # (a OR b) OR c is one chain: shallow, and easy to index
            if isinstance(each, Logical) and each.is_or == is_or:
                flat.extend(each.operands)
            else:
                flat.append(each)
        return Logical(is_or, tuple(flat), first.pos, _depth(first.pos, *flat))

    def parse_comparison(self) -> Node:
        """Operands joined by ``== = != <> < <= > >=``, left to right, type-checked."""
        left = self.parse_unary()
        while self.token.kind in _COMPARISONS:
            op = self.token
            self.advance()
            right = self.parse_unary()
            if not _comparable(_COMPARISONS[op.kind], left.type, right.type):
                raise _incompatible(op, left, right)
            left = Compare(_COMPARISONS[op.kind], left, right, op.pos, _depth(op.pos, left, right))
        return left

    def parse_unary(self) -> Node:
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
            if operand.type not in NUMERIC_TYPES:
                raise WhereSyntaxError(
                    f"Operator '-' incompatible with operand type '{operand.type}'", op.pos
                )
            return Negate(operand, op.pos, _depth(op.pos, operand), operand.type)
        if operand.type != "Boolean":
            raise WhereSyntaxError(
                f"Operator '{op.text}' incompatible with operand type '{operand.type}'", op.pos
            )
        return Not(operand, op.pos, _depth(op.pos, operand))

    def parse_primary(self) -> Node:
        """A literal, field, bracketed clause or constructor, then any ``.Member`` after it."""
        node = self.parse_primary_start()
        while self.token.kind == ".":
            self.advance()
            node = self.parse_member(node)
        return node

    def parse_primary_start(self) -> Node:
        token = self.token
        if token.kind == "ident":
            return self.parse_identifier()
        if token.kind == "string":
            self.advance()
            value = token.text[1:-1]
            return Literal("String", value, token.pos, written=value)
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

    def parse_identifier(self) -> Node:
        """A keyword (``true``, ``null``, ``it``, ``GUID``...) or a field of the record."""
        token = self.token
        word = token.text.lower()
        if word in ("true", "false", "null"):
            self.advance()
            if word == "null":
                return Literal(NULL_TYPE, None, token.pos)
            return Literal("Boolean", word == "true", token.pos)
        if word == "it":
            self.advance()
            return Object((), self.type_name, token.pos)
        if word in ("guid", "datetime"):
            return self.parse_constructor()
        return self.parse_member(Object((), self.type_name, token.pos))

    def parse_constructor(self) -> Literal:
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

    def parse_arguments(self) -> list[Node]:
        """A bracketed, comma-separated argument list (the current token is its ``(``)."""
        opening = self.token
        self.advance()
        arguments: list[Node] = []
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

    def parse_member(self, target: Node) -> Node:
        """``.Name`` or ``.Method(...)`` applied to ``target`` (the ``.`` already read)."""
        token = self.token
        if token.kind != "ident":
            raise WhereSyntaxError("Identifier expected", token.pos)
        name = token.text[1:] if token.text.startswith("@") and len(token.text) > 1 else token.text
        self.advance()
        if self.token.kind == "(":
            return _method(target, name, token.pos, self.parse_arguments())
        return self.property_of(target, name, token.pos)

    def property_of(self, target: Node, name: str, pos: int) -> Node:
        """A field or nested object of the record, or ``Length`` of a string."""
        if isinstance(target, Object):
            dotted = ".".join((*target.path, name)).lower()
            if dotted in self.fields:
                canonical, kind = self.fields[dotted]
                return Field(canonical, kind, pos)
            if dotted in self.objects:
                path = self.objects[dotted]
                return Object(path, path[-1], pos)
        elif target.type == "String" and name.lower() == "length":
            return Length(target, pos, _depth(pos, target))
        raise WhereSyntaxError(f"No property or field '{name}' exists in type '{target.type}'", pos)


def _incompatible(op: _Token, left: Node, right: Node) -> WhereSyntaxError:
    """Dynamic LINQ's error for a binary operator whose operand types do not fit."""
    return WhereSyntaxError(
        f"Operator '{op.text}' incompatible with operand types '{left.type}' and '{right.type}'",
        op.pos,
    )


def _comparable(op: str, left: str, right: str) -> bool:
    """Whether Dynamic LINQ accepts ``left op right`` (every field here is nullable)."""
    equality = op in ("==", "!=")
    if left == NULL_TYPE or right == NULL_TYPE:
        other = right if left == NULL_TYPE else left
        return equality or other in _ORDERED
    if left in NUMERIC_TYPES and right in NUMERIC_TYPES:
        return True
    if left != right or left not in _SCALAR:
        return False
    return equality or left in _ORDERED


def _method(target: Node, name: str, pos: int, arguments: list[Node]) -> Node:
    """A call of one of the string methods Xero supports, checked for its arguments."""
    method = name.lower()
    if target.type == "String":
        if method in ("contains", "startswith", "endswith"):
            if len(arguments) == 1 and arguments[0].type == "String":
                argument = arguments[0]
                return StringTest(method, target, argument, pos, _depth(pos, target, argument))
        elif method in ("tolower", "toupper") and not arguments:
            return Case(method == "toupper", target, pos, _depth(pos, target))
    raise WhereSyntaxError(f"No applicable method '{name}' exists in type '{target.type}'", pos)


def _number_literal(token: _Token) -> Literal:
    """A numeric literal as a Decimal, typed as Dynamic LINQ types it (Int32 ... Double)."""
    text = token.text
    if token.kind == "int":
        if text[-1] in "Ff":  # Dynamic LINQ reads 5F as an integer literal, and fails
            raise WhereSyntaxError(f"Invalid integer literal '{text}'", token.pos)
        value = int(text)
        for type_name, limit in _INT_TYPES:
            if -limit - 1 <= value <= limit:
                return Literal(type_name, Decimal(value), token.pos)
        raise WhereSyntaxError(f"Invalid integer literal '{text}'", token.pos)
    single = text[-1] in "Ff"
    try:
        number = Decimal(text[:-1] if single else text)
    except InvalidOperation:  # pragma: no cover - the lexer only lets through valid forms
        raise WhereSyntaxError(f"Invalid real literal '{text}'", token.pos) from None
    if abs(number) > _DOUBLE_MAX:
        raise WhereSyntaxError(f"Invalid real literal '{text}'", token.pos)
    return Literal("Single" if single else "Double", number, token.pos)


def canonical_guid(text: str) -> str | None:
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


def _guid_literal(token: _Token, arguments: list[Node]) -> Literal:
    """``GUID("...")`` as a constant, its text checked now rather than per record."""
    if len(arguments) != 1 or not isinstance(arguments[0], Literal):
        raise WhereSyntaxError("No matching constructor in type 'Guid'", token.pos)
    argument = arguments[0]
    if argument.type != "String":
        raise WhereSyntaxError("No matching constructor in type 'Guid'", token.pos)
    canonical = canonical_guid(argument.value)
    if canonical is None:  # .NET's FormatException, raised while Xero builds the query
        raise WhereSyntaxError(
            "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
            argument.pos,
        )
    return Literal("Guid", canonical, token.pos, written=argument.value)


def _datetime_literal(token: _Token, arguments: list[Node]) -> Literal:
    """``DateTime(y, m, d[, h, mi, s[, ms]])`` as a constant aware datetime in UTC."""
    parts = [
        int(each.value)
        for each in arguments
        if isinstance(each, Literal) and each.type in ("Int32", "Int64")
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
    return Literal("DateTime", moment, token.pos)


def parse_tree(text: str, type_name: str, fields: Mapping[str, str]) -> Node:
    """The checked syntax tree of a clause on records of ``type_name`` with ``fields`` (name to
    kind); :class:`WhereSyntaxError` with Xero's message for a clause Xero refuses."""
    return _Parser(text, type_name, fields).parse()
