"""Reading order files: the CSV and JSON formats of issue 3, read into rows.

A reader checks the file's shape (its text encoding, the CSV header and row widths, the JSON
structure and keys) and hands each order, line and problem to a :class:`RowSink` (the
importer's collector, which checks the values). A problem's place is a :data:`Loc`: a line
number (CSV), or a path into the JSON document, turned into a line by :func:`locate_json` only
when a problem needs one.
"""

from __future__ import annotations

import bisect
import csv
import json
import re
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from xerologdesk.store.values import shown

# -- the formats -------------------------------------------------------------------------------

REQUIRED_COLUMNS = (
    "order_ref",
    "posted_date",
    "customer_reference",
    "customer_name",
    "sku",
    "quantity",
    "unit_price",
)
OPTIONAL_COLUMNS = (
    "currency",
    "customer_email",
    "bill_to_street",
    "bill_to_city",
    "bill_to_region",
    "bill_to_postcode",
    "bill_to_country",
    "product_name",
    "product_description",
    "taxable",
    "product_price",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# The column a file of set-aside lines adds (store.set_aside): what was wrong. Its values are
# ignored, so the file can be corrected and imported as it is.
PROBLEM_COLUMN = "problem"

# How each field is named in a JSON file (the CSV names are the fields themselves).
COLUMN_LABELS = {name: name for name in COLUMNS}
JSON_LABELS = {
    "order_ref": "ref",
    "posted_date": "posted_date",
    "currency": "currency",
    "customer_reference": "customer.reference",
    "customer_name": "customer.name",
    "customer_email": "customer.email",
    "bill_to_street": "customer.bill_to.street",
    "bill_to_city": "customer.bill_to.city",
    "bill_to_region": "customer.bill_to.region",
    "bill_to_postcode": "customer.bill_to.postcode",
    "bill_to_country": "customer.bill_to.country",
    "sku": "sku",
    "product_name": "name",
    "product_description": "description",
    "unit_price": "unit_price",
    "product_price": "product_price",
    "taxable": "taxable",
    "quantity": "quantity",
}
_JSON_ORDER_KEYS = ("ref", "posted_date", "currency", "customer", "lines")
_JSON_CUSTOMER_KEYS = ("reference", "name", "email", "bill_to")
_JSON_ADDRESS_KEYS = ("street", "city", "region", "postcode", "country")
_JSON_LINE_KEYS = (
    "sku",
    "name",
    "description",
    "unit_price",
    "product_price",
    "taxable",
    "quantity",
)

_BOM = "\ufeff"

# Where a value is: a line number (CSV) or a path into the JSON document.
Loc = int | tuple[Any, ...]


# Which order a CSV row or a JSON order belongs to, before its values are checked: the order_ref
# as given (a CSV row), ("line", N) for a CSV row too short to give one, the index of a JSON
# order. Every problem reported while a row is read belongs to its order.
RowKey = Hashable


class RowSink(Protocol):
    """What a reader hands a file's orders, lines and problems to."""

    def problem(self, loc: Loc, message: str) -> None:
        """Note a problem at ``loc``."""

    def row(self, key: RowKey | None, loc: Loc, raw: Any) -> bool:
        """A CSV row (``raw``: its cells) or JSON order (its object) starts, of the order
        ``key``; None when what follows belongs to no order. False: leave it out."""

    def order(
        self, values: Mapping[str, Any], loc_of: Callable[[str], Loc], *, repeats: bool
    ) -> Any:
        """Take an order's own and customer values (by field); the order, handed back to
        :meth:`line` with each of its lines. ``repeats``: a ref seen before is the same order
        again (CSV rows) rather than a second order with that ref (JSON)."""

    def line(self, order: Any, values: Mapping[str, Any], loc_of: Callable[[str], Loc]) -> None:
        """Take one line of ``order`` (its product's values by field)."""


# -- the text ----------------------------------------------------------------------------------


def decode(data: bytes, sink: RowSink) -> str | None:
    """The file's text (without a BOM), or None with the problem reported."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        sink.problem(1, "the file is UTF-16 text; save it as UTF-8")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        sink.problem(line, f"the file is not UTF-8 text (byte 0x{byte:02X} here); save it as UTF-8")
        return None
    text = text.removeprefix(_BOM)
    if not text.strip():
        sink.problem(1, "the file is empty")
        return None
    return text


def is_json(path: Path, text: str) -> bool:
    """Whether the file is JSON: by its suffix, else by how its text starts."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return True
    if suffix in (".csv", ".txt"):
        return False
    return text.lstrip()[:1] in ("{", "[")


# -- reading CSV -------------------------------------------------------------------------------


def _header(cells: Sequence[str], line: int, sink: RowSink) -> dict[str, int] | None:
    """Column positions by name, or None when the header row has problems (all reported)."""
    if len(cells) == 1 and "\t" in cells[0]:
        sink.problem(line, "the columns are separated by tabs; use commas or semicolons")
        return None
    columns: dict[str, int] = {}
    ok = True
    for index, cell in enumerate(cells):
        name = cell.strip().lower()
        if not name:
            continue  # a nameless column may only hold empty cells (checked per row)
        # A corrected file of set-aside lines: its problem column is read and left unused.
        if name not in COLUMNS and name != PROBLEM_COLUMN:
            known = ", ".join(COLUMNS)
            sink.problem(line, f"unknown column {shown(cell.strip())}; the columns are: {known}")
            ok = False
        elif name in columns:
            sink.problem(line, f"column {shown(name)} appears more than once")
            ok = False
        else:
            columns[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        hint = " (separate the columns with commas or semicolons)" if len(cells) == 1 else ""
        sink.problem(line, f"missing required columns: {', '.join(missing)}{hint}")
        ok = False
    return columns if ok else None


def delimiter(text: str) -> str:
    """A semicolon when the header row has more of them than commas, else a comma."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _physical_lines(text: str) -> Iterator[str]:
    """The text's lines, ends kept, one at a time (a StringIO copy of a big file costs up to
    four times its size)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def read_csv(text: str, sink: RowSink) -> None:
    """Hand each row of a CSV file's text to ``sink``, after its header row."""
    reader = csv.reader(_physical_lines(text), delimiter=delimiter(text), strict=True)
    columns: dict[str, int] | None = None
    width = header_line = rows = previous = 0
    try:
        for cells in reader:
            line, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _header(cells, line, sink)
                if columns is None:
                    return
                width, header_line = len(cells), line
                continue
            rows += 1
            at = columns["order_ref"]
            key = cells[at].strip() if at < len(cells) else ("line", line)
            if not sink.row(key, line, cells):
                continue
            if len(cells) != width:
                sink.problem(
                    line, f"this row has {len(cells)} values but the header row has {width} columns"
                )
                continue
            named = set(columns.values())
            for index, cell in enumerate(cells):
                if index not in named and cell.strip():
                    sink.problem(
                        line, f"column {index + 1} has a value but no name in the header row"
                    )
            values = {name: cells[index] for name, index in columns.items()}

            def loc_of(_name: str, line: int = line) -> Loc:
                return line

            order = sink.order(values, loc_of, repeats=True)
            sink.line(order, values, loc_of)
    except csv.Error as error:
        sink.row(None, previous + 1, None)
        sink.problem(previous + 1, f"this is not a readable CSV row: {error}")
        return
    sink.row(None, previous, None)
    if columns is None:
        sink.problem(1, "the file is empty")
    elif not rows:
        sink.problem(header_line, "the file has a header row but no order lines")


# -- reading JSON ------------------------------------------------------------------------------


class _Object(dict[str, Any]):
    """A JSON object that remembers which keys it held more than once."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    result = _Object(pairs)
    if len(result) != len(pairs):
        keys = [key for key, _ in pairs]
        result.duplicates = tuple(key for key in result if keys.count(key) > 1)
    return result


def _number_constant(name: str) -> Decimal:
    # NaN and Infinity are not JSON, though Python reads them: make them a bad number.
    return Decimal("NaN")


class _Path:
    """The JSON location of each field of one order or line: the value's own path when the key
    is there, else the object that lacks it."""

    def __init__(self) -> None:
        self.paths: dict[str, tuple[Any, ...]] = {}
        self.fallback: tuple[Any, ...] = ()

    def __call__(self, name: str) -> Loc:
        path: tuple[Any, ...] = self.paths.get(name, self.fallback)
        return path


def _fields(
    source: Mapping[str, Any],
    path: tuple[Any, ...],
    keys: Mapping[str, str],
    values: dict[str, Any],
    where: _Path,
) -> None:
    """Copy ``source[key]`` into ``values[field]`` for each key -> field, noting paths."""
    for key, name in keys.items():
        if key in source:
            values[name] = source[key]
            where.paths[name] = (*path, key)
        else:
            where.paths.setdefault(name, path)


def _object_at(
    container: Mapping[str, Any], key: str, path: tuple[Any, ...], sink: RowSink
) -> Mapping[str, Any]:
    """``container[key]`` when it is an object ({} when missing or null); reports other types."""
    value = container.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        sink.problem((*path, key), f"{key} must be an object")
        return {}
    return value


def _check_keys(
    source: Mapping[str, Any], allowed: Sequence[str], path: tuple[Any, ...], sink: RowSink
) -> None:
    for key in source:
        if key not in allowed:
            sink.problem(
                (*path, key), f"unknown key {shown(key)}; the keys here are: {', '.join(allowed)}"
            )
    for key in getattr(source, "duplicates", ()):
        sink.problem((*path, key), f"key {shown(key)} appears more than once")


_ORDER_KEYS = {"ref": "order_ref", "posted_date": "posted_date", "currency": "currency"}
_CUSTOMER_KEYS = {
    "reference": "customer_reference",
    "name": "customer_name",
    "email": "customer_email",
}
_ADDRESS_KEYS = {key: f"bill_to_{key}" for key in _JSON_ADDRESS_KEYS}
_LINE_KEYS = {
    "sku": "sku",
    "name": "product_name",
    "description": "product_description",
    "unit_price": "unit_price",
    "product_price": "product_price",
    "taxable": "taxable",
    "quantity": "quantity",
}


def read_json(text: str, sink: RowSink) -> None:
    """Hand each order of a JSON file's text, and each of its lines, to ``sink``."""
    try:
        document = json.loads(
            text,
            parse_float=Decimal,
            parse_int=Decimal,
            parse_constant=_number_constant,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as error:
        message = f"this is not valid JSON: {error.msg} (column {error.colno})"
        sink.problem(error.lineno, message)
        return
    except RecursionError:
        sink.problem(1, "the JSON is nested too deeply to read")
        return
    if not isinstance(document, dict) or not isinstance(document.get("orders"), list):
        sink.problem((), "the file must hold a JSON object with an \u201corders\u201d list")
        return
    _check_keys(document, ("orders",), (), sink)
    if not document["orders"]:
        sink.problem(("orders",), "the orders list is empty")
    for index, order in enumerate(document["orders"]):
        if sink.row(index, ("orders", index), order):
            _read_json_order(order, ("orders", index), sink)
    sink.row(None, (), None)


def _read_json_order(order: Any, path: tuple[Any, ...], sink: RowSink) -> None:
    if not isinstance(order, dict):
        sink.problem(path, "each order must be an object")
        return
    _check_keys(order, _JSON_ORDER_KEYS, path, sink)
    values: dict[str, Any] = {}
    where = _Path()
    where.fallback = path
    _fields(order, path, _ORDER_KEYS, values, where)
    customer_path = (*path, "customer")
    customer = _object_at(order, "customer", path, sink)
    _check_keys(customer, _JSON_CUSTOMER_KEYS, customer_path, sink)
    _fields(customer, customer_path if customer else path, _CUSTOMER_KEYS, values, where)
    address_path = (*customer_path, "bill_to")
    address = _object_at(customer, "bill_to", customer_path, sink)
    _check_keys(address, _JSON_ADDRESS_KEYS, address_path, sink)
    _fields(address, address_path if address else path, _ADDRESS_KEYS, values, where)
    collected = sink.order(values, where, repeats=False)
    lines = order.get("lines")
    if not isinstance(lines, list) or not lines:
        message = "the order has no lines" if not lines else "lines must be a list"
        sink.problem((*path, "lines") if "lines" in order else path, message)
        return
    for number, line in enumerate(lines):
        line_path = (*path, "lines", number)
        if not isinstance(line, dict):
            sink.problem(line_path, "each line must be an object")
            continue
        _check_keys(line, _JSON_LINE_KEYS, line_path, sink)
        line_values: dict[str, Any] = {}
        line_where = _Path()
        line_where.fallback = line_path
        _fields(line, line_path, _LINE_KEYS, line_values, line_where)
        sink.line(collected, line_values, line_where)


_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace


def _skip_space(text: str, index: int) -> int:
    return _SPACE.match(text, index).end()  # type: ignore[union-attr]


def locate_json(text: str, paths: set[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
    """The line on which each JSON path's value starts (only for a document that parses).

    Walks only into the containers on the way to a wanted path; everything else is skipped
    by the C decoder, so this is cheap even on a large file.
    """
    newlines = [match.start() for match in re.finditer("\n", text)]
    prefixes = {path[:size] for path in paths for size in range(len(path) + 1)}
    decoder = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal)
    found: dict[tuple[Any, ...], int] = {}

    def walk(index: int, path: tuple[Any, ...]) -> int:
        if path in paths:
            found.setdefault(path, bisect.bisect_right(newlines, index - 1) + 1)
        if path not in prefixes or text[index] not in "{[":
            return decoder.raw_decode(text, index)[1]
        closing = "}" if text[index] == "{" else "]"
        index = _skip_space(text, index + 1)
        position = 0
        while text[index] != closing:
            if closing == "}":
                key, index = decoder.raw_decode(text, index)
                index = _skip_space(text, index)  # at the colon
                index = _skip_space(text, index + 1)
                index = walk(index, (*path, key))
            else:
                index = walk(index, (*path, position))
                position += 1
            index = _skip_space(text, index)
            if text[index] == ",":
                index = _skip_space(text, index + 1)
        return index + 1

    walk(_skip_space(text, 0), ())
    return found


def csv_header(text: str) -> list[str]:
    """The header row's cells as written (the first row that is not blank)."""
    for cells in csv.reader(_physical_lines(text), delimiter=delimiter(text)):
        if any(cell.strip() for cell in cells):
            return cells
    return []


def json_order_rows(order: Any) -> list[dict[str, Any]]:
    """A JSON order as CSV rows: its values by column, one row per line (one row when it has
    no readable lines); what is not where the format puts it is left out."""
    if not isinstance(order, dict):
        return [{}]
    values: dict[str, Any] = {}
    where = _Path()
    customer = order.get("customer")
    customer = customer if isinstance(customer, dict) else {}
    address = customer.get("bill_to")
    address = address if isinstance(address, dict) else {}
    for source, keys in (
        (order, _ORDER_KEYS),
        (customer, _CUSTOMER_KEYS),
        (address, _ADDRESS_KEYS),
    ):
        _fields(source, (), keys, values, where)
    lines = order.get("lines")
    rows = []
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, dict):
            line_values = dict(values)
            _fields(line, (), _LINE_KEYS, line_values, where)
            rows.append(line_values)
    return rows or [values]
