"""Importing order files (CSV or JSON) into the order book.

Each file is read and validated whole before anything is written; a file with any problem
writes nothing, and every problem is reported as ``FILE:LINE: message``. A valid file is
written in one transaction: new customers and products, the new orders with their lines, and
a *Pending* log entry for each.

The rules, beyond the format in issue 3:

- Text is UTF-8, with or without a byte-order mark. Leading and trailing spaces around a value
  are removed (spreadsheets add them unseen); a value of only spaces counts as empty. Control
  characters (tabs and line breaks inside values included) are refused.
- CSV: the header row's names are compared without case; every column must be a known one
  (a misspelt optional column would otherwise be dropped silently); the delimiter is a comma
  or, when the header row has more semicolons than commas, a semicolon. Blank rows are ignored.
  The rows of one order need not be adjacent, but must agree on the order's columns.
- Within one file a customer reference has one set of customer details, and a SKU one product
  name, description, taxable flag and unit price. An optional value left empty is "not given":
  it differs from nothing, and never clears what the book already holds.
- JSON: the keys are the ones in issue 3, no others, each once; lines are required.
- Dates are ``YYYY-MM-DD`` only. Quantities are more than 0, unit prices 0 or more, both with
  at most 4 decimal places (trailing zeros aside) and below 1,000,000,000. JSON numbers are read
  as exact decimals; numbers in quotes are accepted too.
- Lengths follow Xero's limits (SKU 30, item name 50, contact name 255, ...), counted as Xero
  counts (UTF-16 code units).
- An order whose ref is already in the book is skipped when its content (date, currency,
  customer reference and lines) is the same, and reported as a conflict and left as it was when
  it differs; conflicts do not stop the rest of the file. Customer and product details are
  taken from the orders actually imported (re-importing an old file changes nothing).
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import peewee

from xerologdesk.store.book import chunks, order_total, tuples
from xerologdesk.store.db import (
    add_to_search_index,
    bulk_insert,
    rows_by_key,
    write_transaction,
)
from xerologdesk.store.fields import utc_text
from xerologdesk.store.models import Customer, LogEntry, Order, OrderLine, Product
from xerologdesk.store.values import (
    CURRENCY_CODE,
    MAX_LENGTHS,
    MAX_ORDER_TOTAL,
    NOT_GIVEN,
    PLACES,
    Invalid,
    check_amount,
    check_currency,
    check_date,
    check_email,
    check_taxable,
    check_text,
    shown,
)

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
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
CUSTOMER_FIELDS = (
    "customer_name",
    "customer_email",
    "bill_to_street",
    "bill_to_city",
    "bill_to_region",
    "bill_to_postcode",
    "bill_to_country",
)
PRODUCT_FIELDS = ("product_name", "product_description", "taxable", "unit_price")

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
    "taxable": "taxable",
    "quantity": "quantity",
}
_JSON_ORDER_KEYS = ("ref", "posted_date", "currency", "customer", "lines")
_JSON_CUSTOMER_KEYS = ("reference", "name", "email", "bill_to")
_JSON_ADDRESS_KEYS = ("street", "city", "region", "postcode", "country")
_JSON_LINE_KEYS = ("sku", "name", "description", "unit_price", "taxable", "quantity")

_BOM = "\ufeff"
# Problems listed per file; the rest are counted ("... and N more"): a header of a million
# unknown columns must not print a million lines, nor hold them.
MAX_PROBLEMS = 100

# -- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """Why a file was not imported; prints as ``FILE:LINE: message``."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ImportConflict:
    """An order already in the book with different content: reported and left as it was."""

    file: str
    line: int
    order_ref: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class FileReport:
    """What became of one file: imported, skipped as already imported, conflicting, or (with
    problems) not imported at all."""

    path: Path
    imported: int = 0
    skipped_same: int = 0
    conflicts: list[ImportConflict] = field(default_factory=list)
    # The first MAX_PROBLEMS problems, then a last one saying how many more there were.
    problems: list[ImportProblem] = field(default_factory=list)
    # The new orders' ids (a range: they are consecutive, and a million ints cost 36 MB).
    new_order_ids: Sequence[int] = field(default_factory=list)
    more_problems: int = 0

    @property
    def problem_count(self) -> int:
        """How many problems the file has, those not listed included."""
        listed = len(self.problems) - (1 if self.more_problems else 0)
        return listed + self.more_problems


@dataclass
class ImportReport:
    """Every file's report, and the totals over them."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(report.imported for report in self.files)

    @property
    def skipped_same(self) -> int:
        return sum(report.skipped_same for report in self.files)

    @property
    def conflicts(self) -> list[ImportConflict]:
        return [conflict for report in self.files for conflict in report.conflicts]

    @property
    def problems(self) -> list[ImportProblem]:
        return [problem for report in self.files for problem in report.problems]

    @property
    def new_order_ids(self) -> list[int]:
        return [order_id for report in self.files for order_id in report.new_order_ids]


# -- checking single values --------------------------------------------------------------------

# Where a value is: a line number (CSV) or a path into the JSON document, turned into a line
# number only when a problem needs one.
Loc = int | tuple[Any, ...]


# -- collecting a file's orders ----------------------------------------------------------------

_OTHER_LINE = "\x00other-line\x00"  # replaced by the line of an earlier value in messages


@dataclass(slots=True)
class _Problem:
    loc: Loc
    message: str
    other: Loc | None = None


@dataclass(slots=True)
class _Order:
    ref: str
    loc: Loc
    # The order's own columns as given (_ORDER_RAW_FIELDS), in slots of their own: a tuple of
    # them would cost 64 bytes an order.
    posted_given: Any
    currency_given: Any
    customer_given: Any
    posted_date: date | None
    currency: str | None
    customer_ref: str | None
    # (sku, quantity) pairs: a tuple while short (most orders have a line or two, and a list
    # costs twice the memory of so short a tuple), a list once long (appending stays cheap).
    lines: tuple[tuple[str, Decimal | None], ...] | list[tuple[str, Decimal | None]] = ()

    @property
    def raw(self) -> tuple[Any, ...]:
        return (self.posted_given, self.currency_given, self.customer_given)

    def add_line(self, line: tuple[str, Decimal | None]) -> None:
        if isinstance(self.lines, list):
            self.lines.append(line)
        elif len(self.lines) < SHORT_LINES:
            self.lines = (*self.lines, line)
        else:
            self.lines = [*self.lines, line]


SHORT_LINES = 8


@dataclass(slots=True)
class _Record:
    """Customer or product details first seen at ``loc`` (None marks an invalid value, ""
    one not given)."""

    loc: Loc
    raw: tuple[Any, ...]
    values: list[Any]


# The order's own columns as given, compared first when a CSV repeats an order's row.
_ORDER_RAW_FIELDS = ("posted_date", "currency", "customer_reference")


class _Collector:
    """Validates a file's values one order (or row) at a time and gathers what to write.

    Repeated values (a CSV repeats the order's and customer's columns on every row) are
    compared as given first, so a big file is checked at the speed of reading it.
    """

    def __init__(self, labels: Mapping[str, str], default_currency: str) -> None:
        self.labels = labels
        self.default_currency = default_currency
        self.orders: dict[str, _Order] = {}
        self.customers: dict[str, _Record] = {}
        self.products: dict[str, _Record] = {}
        self.problems: list[_Problem] = []
        self.more_problems = 0  # found after the first MAX_PROBLEMS: counted, not kept
        # What every order keeps is shared between the orders that give the same: a text, a
        # checked value (by the text it was checked from), a line. A million orders then hold
        # one date per day and one line per SKU and quantity, not one of each per order.
        self._shared: dict[Any, Any] = {}
        self._checked: dict[tuple[str, str], Any] = {}

    def problem(self, loc: Loc, message: str, other: Loc | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(_Problem(loc, message, other))
        else:
            self.more_problems += 1

    def _value(self, check: Callable[[], Any], loc: Loc) -> Any:
        try:
            return check()
        except Invalid as error:
            self.problem(loc, str(error))
            return None

    def _share(self, value: Any) -> Any:
        """The one copy of an equal value kept so far (``value`` itself the first time)."""
        try:
            return self._shared.setdefault(value, value)
        except TypeError:  # unhashable (a JSON list where a value belongs): nothing to share
            return value

    def _checked_value(self, name: str, given: Any, check: Callable[[], Any], loc: Loc) -> Any:
        """``check()``'s value, reused for the same text given again (a bad one is reported
        at each place it is given)."""
        key = (name, given) if type(given) is str else None
        if key is not None and (found := self._checked.get(key)) is not None:
            return found
        value = self._value(check, loc)
        if key is not None and value is not None:
            self._checked[key] = value
        return value

    def _text(self, name: str, values: Mapping[str, Any], loc: Loc, required: bool) -> Any:
        label = self.labels[name]
        return self._value(
            lambda: check_text(
                label, values.get(name), required=required, max_length=MAX_LENGTHS.get(name)
            ),
            loc,
        )

    # -- orders and customers

    def order(
        self, values: Mapping[str, Any], loc_of: Callable[[str], Loc], *, repeats: bool
    ) -> _Order | None:
        """Check an order's own and customer values; the order, to add lines to (or None).

        ``repeats``: a ref seen before is the same order again (CSV rows) rather than a
        second order with that ref (JSON).
        """
        ref = self._text("order_ref", values, loc_of("order_ref"), True)
        posted_given, currency_given, customer_given = (
            self._share(values.get(name)) for name in _ORDER_RAW_FIELDS
        )
        raw = (posted_given, currency_given, customer_given)
        existing = self.orders.get(ref) if ref is not None else None
        customer_ref = self._customer(values, loc_of)
        if existing is not None and not repeats:
            self.problem(
                loc_of("order_ref"),
                f"order {shown(ref)} appears twice in the file (first on line {_OTHER_LINE})",
                existing.loc,
            )
            return None
        if existing is not None and raw == existing.raw:
            return existing
        posted = self._checked_value(
            "posted_date",
            values.get("posted_date"),
            lambda: check_date(self.labels["posted_date"], values.get("posted_date")),
            loc_of("posted_date"),
        )
        currency = self._checked_value(
            "currency",
            values.get("currency"),
            lambda: check_currency(
                self.labels["currency"], values.get("currency"), self.default_currency
            ),
            loc_of("currency"),
        )
        if existing is None:
            if ref is None:
                return None
            order = _Order(
                ref,
                loc_of("order_ref"),
                posted_given,
                currency_given,
                customer_given,
                posted,
                currency,
                customer_ref,
            )
            self.orders[ref] = order
            return order
        for name, new, old in (
            ("posted_date", posted, existing.posted_date),
            ("currency", currency, existing.currency),
            ("customer_reference", customer_ref, existing.customer_ref),
        ):
            if new is not None and old is not None and new != old:
                self.problem(
                    loc_of(name),
                    f"order {shown(ref)}: {self.labels[name]} {shown(new)} differs from "
                    f"{shown(old)} on line {_OTHER_LINE}",
                    existing.loc,
                )
        return existing

    def _customer(self, values: Mapping[str, Any], loc_of: Callable[[str], Loc]) -> str | None:
        reference = self._text("customer_reference", values, loc_of("customer_reference"), True)
        raw = tuple(values.get(name) for name in CUSTOMER_FIELDS)
        reference = self._share(reference)
        known = self.customers.get(reference) if reference is not None else None
        if known is not None and raw == known.raw:
            return reference
        checked = (
            self._text("customer_name", values, loc_of("customer_name"), True),
            self._value(
                lambda: check_email(self.labels["customer_email"], values.get("customer_email")),
                loc_of("customer_email"),
            ),
            *(self._text(name, values, loc_of(name), False) for name in CUSTOMER_FIELDS[2:]),
        )
        if reference is None:
            return None
        if known is None:
            self.customers[reference] = _Record(loc_of("customer_reference"), raw, list(checked))
        else:
            self._compare(f"customer {shown(reference)}", CUSTOMER_FIELDS, checked, known, loc_of)
        return reference

    def _compare(
        self,
        subject: str,
        names: Sequence[str],
        checked: Sequence[Any],
        known: _Record,
        loc_of: Callable[[str], Loc],
    ) -> None:
        """Report values that differ from those first given; an empty value is "not given"
        and differs from nothing (and a value first given later fills the gap)."""
        for index, (name, new) in enumerate(zip(names, checked, strict=True)):
            old = known.values[index]
            if new is None or old is None or new == NOT_GIVEN:
                continue
            if old == NOT_GIVEN:
                known.values[index] = new
            elif new != old:
                self.problem(
                    loc_of(name),
                    f"{subject}: {self.labels[name]} {shown(new)} differs from "
                    f"{shown(old)} on line {_OTHER_LINE}",
                    known.loc,
                )

    # -- lines and products

    def line(
        self, order: _Order | None, values: Mapping[str, Any], loc_of: Callable[[str], Loc]
    ) -> None:
        """Check one order line and its product's values; add it to ``order``."""
        sku = self._share(self._text("sku", values, loc_of("sku"), True))
        quantity = self._checked_value(
            "quantity",
            values.get("quantity"),
            lambda: check_amount(self.labels["quantity"], values.get("quantity"), zero_ok=False),
            loc_of("quantity"),
        )
        raw = tuple(values.get(name) for name in PRODUCT_FIELDS)
        known = self.products.get(sku) if sku is not None else None
        if known is None or raw != known.raw:
            checked = (
                self._text("product_name", values, loc_of("product_name"), False),
                self._text("product_description", values, loc_of("product_description"), False),
                self._value(
                    lambda: check_taxable(self.labels["taxable"], values.get("taxable")),
                    loc_of("taxable"),
                ),
                self._value(
                    lambda: check_amount(
                        self.labels["unit_price"], values.get("unit_price"), zero_ok=True
                    ),
                    loc_of("unit_price"),
                ),
            )
            if sku is not None and known is None:
                known = self.products[sku] = _Record(loc_of("sku"), raw, list(checked))
            elif known is not None:
                self._compare(f"SKU {shown(sku)}", PRODUCT_FIELDS, checked, known, loc_of)
        if order is not None and sku is not None:
            order.add_line(self._share((sku, quantity)))

    def finish(self) -> None:
        """Checks that need the whole file: order totals within what the log can hold."""
        for order in self.orders.values():
            amounts = [(quantity, self.products[sku].values[3]) for sku, quantity in order.lines]
            if any(quantity is None or price is None for quantity, price in amounts):
                continue  # already reported
            if order_total(amounts) > MAX_ORDER_TOTAL:  # type: ignore[arg-type]
                self.problem(order.loc, f"order {shown(order.ref)}: the total is too large")


# -- reading CSV -------------------------------------------------------------------------------


def _header(cells: Sequence[str], line: int, collector: _Collector) -> dict[str, int] | None:
    """Column positions by name, or None when the header row has problems (all reported)."""
    if len(cells) == 1 and "\t" in cells[0]:
        collector.problem(line, "the columns are separated by tabs; use commas or semicolons")
        return None
    columns: dict[str, int] = {}
    ok = True
    for index, cell in enumerate(cells):
        name = cell.strip().lower()
        if not name:
            continue  # a nameless column may only hold empty cells (checked per row)
        if name not in COLUMNS:
            known = ", ".join(COLUMNS)
            collector.problem(
                line, f"unknown column {shown(cell.strip())}; the columns are: {known}"
            )
            ok = False
        elif name in columns:
            collector.problem(line, f"column {shown(name)} appears more than once")
            ok = False
        else:
            columns[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        hint = " (separate the columns with commas or semicolons)" if len(cells) == 1 else ""
        collector.problem(line, f"missing required columns: {', '.join(missing)}{hint}")
        ok = False
    return columns if ok else None


def _delimiter(text: str) -> str:
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


def _read_csv(text: str, collector: _Collector) -> None:
    reader = csv.reader(_physical_lines(text), delimiter=_delimiter(text), strict=True)
    columns: dict[str, int] | None = None
    width = header_line = rows = previous = 0
    try:
        for cells in reader:
            line, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _header(cells, line, collector)
                if columns is None:
                    return
                width, header_line = len(cells), line
                continue
            rows += 1
            if len(cells) != width:
                collector.problem(
                    line, f"this row has {len(cells)} values but the header row has {width} columns"
                )
                continue
            named = set(columns.values())
            for index, cell in enumerate(cells):
                if index not in named and cell.strip():
                    collector.problem(
                        line, f"column {index + 1} has a value but no name in the header row"
                    )
            values = {name: cells[index] for name, index in columns.items()}

            def loc_of(_name: str, line: int = line) -> Loc:
                return line

            order = collector.order(values, loc_of, repeats=True)
            collector.line(order, values, loc_of)
    except csv.Error as error:
        collector.problem(previous + 1, f"this is not a readable CSV row: {error}")
        return
    if columns is None:
        collector.problem(1, "the file is empty")
    elif not rows:
        collector.problem(header_line, "the file has a header row but no order lines")


# -- reading JSON ------------------------------------------------------------------------------


class _Object(dict):  # type: ignore[type-arg]
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
        return self.paths.get(name, self.fallback)


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
    container: Mapping[str, Any], key: str, path: tuple[Any, ...], collector: _Collector
) -> Mapping[str, Any]:
    """``container[key]`` when it is an object ({} when missing or null); reports other types."""
    value = container.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        collector.problem((*path, key), f"{key} must be an object")
        return {}
    return value


def _check_keys(
    source: Mapping[str, Any], allowed: Sequence[str], path: tuple[Any, ...], collector: _Collector
) -> None:
    for key in source:
        if key not in allowed:
            collector.problem(
                (*path, key), f"unknown key {shown(key)}; the keys here are: {', '.join(allowed)}"
            )
    for key in getattr(source, "duplicates", ()):
        collector.problem((*path, key), f"key {shown(key)} appears more than once")


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
    "taxable": "taxable",
    "quantity": "quantity",
}


def _read_json(text: str, collector: _Collector) -> None:
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
        collector.problem(error.lineno, message)
        return
    except RecursionError:
        collector.problem(1, "the JSON is nested too deeply to read")
        return
    if not isinstance(document, dict) or not isinstance(document.get("orders"), list):
        collector.problem((), "the file must hold a JSON object with an \u201corders\u201d list")
        return
    _check_keys(document, ("orders",), (), collector)
    if not document["orders"]:
        collector.problem(("orders",), "the orders list is empty")
    for index, order in enumerate(document["orders"]):
        _read_json_order(order, ("orders", index), collector)


def _read_json_order(order: Any, path: tuple[Any, ...], collector: _Collector) -> None:
    if not isinstance(order, dict):
        collector.problem(path, "each order must be an object")
        return
    _check_keys(order, _JSON_ORDER_KEYS, path, collector)
    values: dict[str, Any] = {}
    where = _Path()
    where.fallback = path
    _fields(order, path, _ORDER_KEYS, values, where)
    customer_path = (*path, "customer")
    customer = _object_at(order, "customer", path, collector)
    _check_keys(customer, _JSON_CUSTOMER_KEYS, customer_path, collector)
    _fields(customer, customer_path if customer else path, _CUSTOMER_KEYS, values, where)
    address_path = (*customer_path, "bill_to")
    address = _object_at(customer, "bill_to", customer_path, collector)
    _check_keys(address, _JSON_ADDRESS_KEYS, address_path, collector)
    _fields(address, address_path if address else path, _ADDRESS_KEYS, values, where)
    collected = collector.order(values, where, repeats=False)
    lines = order.get("lines")
    if not isinstance(lines, list) or not lines:
        message = "the order has no lines" if not lines else "lines must be a list"
        collector.problem((*path, "lines") if "lines" in order else path, message)
        return
    for number, line in enumerate(lines):
        line_path = (*path, "lines", number)
        if not isinstance(line, dict):
            collector.problem(line_path, "each line must be an object")
            continue
        _check_keys(line, _JSON_LINE_KEYS, line_path, collector)
        line_values: dict[str, Any] = {}
        line_where = _Path()
        line_where.fallback = line_path
        _fields(line, line_path, _LINE_KEYS, line_values, line_where)
        collector.line(collected, line_values, line_where)


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


# -- writing -----------------------------------------------------------------------------------

_CUSTOMER_COLUMNS = (
    Customer.name,
    Customer.email,
    Customer.street,
    Customer.city,
    Customer.region,
    Customer.postcode,
    Customer.country,
)  # in CUSTOMER_FIELDS order
_PRODUCT_COLUMNS = (Product.name, Product.description, Product.taxable, Product.price)


def content_hash(order: _Order, products: Mapping[str, _Record]) -> str:
    """A digest of what makes the order itself: ref, date, currency, customer, lines.

    The parts are joined with a control character, which no imported value can contain.
    """
    parts = [
        order.ref,
        order.posted_date.isoformat() if order.posted_date else "",
        order.currency or "",
        order.customer_ref or "",
    ]
    for sku, quantity in order.lines:
        parts += (sku, str(quantity), str(products[sku].values[3]))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _units(value: Decimal) -> int:
    """A checked amount (exactly 4 places, or 2 for totals) as stored: 10**-4 units."""
    return int(value.scaleb(PLACES))


def _next_id(model: type[peewee.Model]) -> int:
    """The first free id: the write transaction (BEGIN IMMEDIATE) keeps it free."""
    key = model._meta.primary_key  # type: ignore[attr-defined]
    return int(model.select(peewee.fn.MAX(key)).scalar() or 0) + 1


def _stored(
    model: type[peewee.Model], key: peewee.Field, columns: Sequence[Any], keys: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """(id, *columns) of the rows whose ``key`` is among ``keys``, by key, as Python values."""
    found: dict[str, tuple[Any, ...]] = {}
    primary = model._meta.primary_key  # type: ignore[attr-defined]
    for chunk in chunks(list(keys)):
        query = model.select(key, primary, *columns).where(key.in_(list(chunk)))
        found.update((row[0], tuple(row[1:])) for row in tuples(query))
    return found


def _merged(given: Sequence[Any], stored: Sequence[Any]) -> tuple[Any, ...]:
    """The stored values with those the file gives (empty ones leave what is stored)."""
    return tuple(old if new == NOT_GIVEN else new for new, old in zip(given, stored, strict=True))


def _upsert_customers(references: Sequence[str], records: Mapping[str, _Record]) -> dict[str, int]:
    """Ids of the customers, adding new ones and updating changed details; renamed
    customers' log entries take the new name."""
    existing = _stored(Customer, Customer.reference, _CUSTOMER_COLUMNS, references)
    ids = {reference: row[0] for reference, row in existing.items()}
    for reference, (customer_id, *stored) in existing.items():
        wanted = _merged(records[reference].values, stored)
        if wanted == tuple(stored):
            continue
        Customer.update(dict(zip(_CUSTOMER_COLUMNS, wanted, strict=True))).where(
            Customer.id == customer_id
        ).execute()
        if wanted[0] != stored[0]:
            orders = Order.select(Order.id).where(Order.customer == customer_id)
            LogEntry.update({LogEntry.customer_name: wanted[0]}).where(
                LogEntry.order.in_(orders)
            ).execute()
    new = [reference for reference in references if reference not in ids]
    first = _next_id(Customer)
    ids.update((reference, first + offset) for offset, reference in enumerate(new))
    rows = [(ids[reference], reference, *records[reference].values) for reference in new]
    bulk_insert(Customer, (Customer.id, Customer.reference, *_CUSTOMER_COLUMNS), rows)
    return ids


def _upsert_products(skus: Sequence[str], records: Mapping[str, _Record]) -> dict[str, int]:
    """Ids of the products, adding new ones and updating changed details."""
    existing = _stored(Product, Product.sku, _PRODUCT_COLUMNS, skus)
    ids = {sku: row[0] for sku, row in existing.items()}
    for sku, (product_id, *stored) in existing.items():
        wanted = _merged(records[sku].values, stored)
        if wanted != tuple(stored):
            Product.update(dict(zip(_PRODUCT_COLUMNS, wanted, strict=True))).where(
                Product.id == product_id
            ).execute()
    new = [sku for sku in skus if sku not in ids]
    first = _next_id(Product)
    ids.update((sku, first + offset) for offset, sku in enumerate(new))
    rows = [
        (ids[sku], sku, name, description, taxable is not False, _units(price))
        for sku in new
        for name, description, taxable, price in [records[sku].values]
    ]
    bulk_insert(Product, (Product.id, Product.sku, *_PRODUCT_COLUMNS), rows)
    return ids


@dataclass
class _Written:
    new_ids: Sequence[int] = field(default_factory=list)
    skipped: int = 0
    conflicts: list[_Order] = field(default_factory=list)


# Orders written per round: bounds the rows held in memory at once on a big import.
WRITE_BATCH = 10_000
_ORDER_FIELDS = (
    Order.id,
    Order.ref,
    Order.customer,
    Order.posted_date,
    Order.currency,
    Order.content_hash,
    Order.imported_at,
    Order.source,
)
_LINE_FIELDS = (
    OrderLine.order,
    OrderLine.line_no,
    OrderLine.product,
    OrderLine.quantity,
    OrderLine.unit_price,
)
_ENTRY_FIELDS = (
    LogEntry.order,
    LogEntry.status,
    LogEntry.reasons,
    LogEntry.created_at,
    LogEntry.updated_at,
    LogEntry.order_ref,
    LogEntry.posted_date,
    LogEntry.customer_name,
    LogEntry.customer_reference,
    LogEntry.currency,
    LogEntry.total,
    LogEntry.reason_summary,
)


def _write(collector: _Collector, source: str, at: datetime) -> _Written:
    """Write the file's new orders in one transaction; which were new, same or conflicting."""
    written = _Written()
    refs = list(collector.orders)
    with write_transaction():
        known = rows_by_key(Order._meta.table_name, "ref", ["content_hash"], refs)
        # Digests of new orders are made as they are written (64 characters each, a million
        # orders' worth held at once would be 180 MB).
        fresh: list[_Order] = []
        for order in collector.orders.values():
            if order.ref not in known:
                fresh.append(order)
            elif known[order.ref][0] == content_hash(order, collector.products):
                written.skipped += 1
            else:
                written.conflicts.append(order)
        if not fresh:
            return written
        customer_ids = _upsert_customers(
            list(dict.fromkeys(str(order.customer_ref) for order in fresh)),
            collector.customers,
        )
        product_ids = _upsert_products(
            list(dict.fromkeys(sku for order in fresh for sku, _ in order.lines)),
            collector.products,
        )
        first = _next_id(Order)
        for start in range(0, len(fresh), WRITE_BATCH):
            batch = fresh[start : start + WRITE_BATCH]
            ids = range(first + start, first + start + len(batch))
            _insert_orders(batch, ids, collector, customer_ids, product_ids, source, at)
        written.new_ids = range(first, first + len(fresh))
    return written


def _insert_orders(
    batch: Sequence[_Order],
    ids: Sequence[int],
    collector: _Collector,
    customer_ids: Mapping[str, int],
    product_ids: Mapping[str, int],
    source: str,
    at: datetime,
) -> None:
    """Orders, their lines, then their log entries (whose search rows read the lines)."""
    stamp = utc_text(at)
    order_rows, line_rows, entry_rows, search_rows = [], [], [], []
    for order_id, order in zip(ids, batch, strict=True):
        digest = content_hash(order, collector.products)
        customer_ref = str(order.customer_ref)
        posted = order.posted_date.isoformat() if order.posted_date else ""
        order_rows.append(
            (
                order_id,
                order.ref,
                customer_ids[customer_ref],
                posted,
                order.currency,
                digest,
                stamp,
                source,
            )
        )
        amounts: list[tuple[Decimal, Decimal]] = []
        for line_no, (sku, quantity) in enumerate(order.lines, start=1):
            price = collector.products[sku].values[3]
            assert quantity is not None  # a file with a bad value is never written
            amounts.append((quantity, price))
            line_rows.append((order_id, line_no, product_ids[sku], _units(quantity), _units(price)))
        customer_name = collector.customers[customer_ref].values[0]
        search_rows.append((order_id, order.ref, customer_name, customer_ref))
        entry_rows.append(
            (
                order_id,
                "pending",
                "[]",
                stamp,
                stamp,
                order.ref,
                posted,
                customer_name,
                customer_ref,
                order.currency,
                _units(order_total(amounts)),
                "",
            )
        )
    bulk_insert(Order, _ORDER_FIELDS, order_rows)
    bulk_insert(OrderLine, _LINE_FIELDS, line_rows)
    bulk_insert(LogEntry, _ENTRY_FIELDS, entry_rows, staged=True)
    add_to_search_index(search_rows)


# -- files -------------------------------------------------------------------------------------


def _decode(data: bytes, collector: _Collector) -> str | None:
    """The file's text (without a BOM), or None with the problem reported."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        collector.problem(1, "the file is UTF-16 text; save it as UTF-8")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        collector.problem(
            line, f"the file is not UTF-8 text (byte 0x{byte:02X} here); save it as UTF-8"
        )
        return None
    text = text.removeprefix(_BOM)
    if not text.strip():
        collector.problem(1, "the file is empty")
        return None
    return text


# The files an import takes from a folder (and the inbox from its folder).
ORDER_SUFFIXES = (".csv", ".json")


def order_files_in(folder: Path) -> list[Path]:
    """The order files directly in ``folder``, in name order (a day's exports, imported as
    they were made); hidden files and sub-folders are left alone."""
    found = [
        path
        for path in folder.iterdir()
        if path.suffix.lower() in ORDER_SUFFIXES
        and not path.name.startswith(".")
        and path.is_file()
    ]
    return sorted(found, key=lambda path: path.name)


def _is_json(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return True
    if suffix in (".csv", ".txt"):
        return False
    return text.lstrip()[:1] in ("{", "[")


def _lines_for(locs: Sequence[Loc], text: str | None, is_json: bool) -> dict[tuple[Any, ...], int]:
    paths = {loc for loc in locs if isinstance(loc, tuple)}
    if not paths or text is None or not is_json:
        return {}
    return locate_json(text, paths)


def _line(loc: Loc, lines: Mapping[tuple[Any, ...], int]) -> int:
    return loc if isinstance(loc, int) else lines.get(loc, 1)


def _problems(
    name: str, collector: _Collector, text: str | None, is_json: bool
) -> list[ImportProblem]:
    """The collected problems with line numbers, in line order."""
    locs = [p.loc for p in collector.problems] + [
        p.other for p in collector.problems if p.other is not None
    ]
    lines = _lines_for(locs, text, is_json)
    problems = [
        ImportProblem(
            name,
            _line(problem.loc, lines),
            problem.message.replace(
                _OTHER_LINE, str(_line(problem.other, lines)) if problem.other is not None else "?"
            ),
        )
        for problem in collector.problems
    ]
    problems.sort(key=lambda problem: problem.line or 0)
    if collector.more_problems:
        problems.append(
            ImportProblem(
                name,
                None,
                f"\u2026 and {collector.more_problems:,} more problems in {name} (the first "
                f"{len(problems)} are listed)",
            )
        )
    return problems


def import_file(path: Path, default_currency: str, *, at: datetime | None = None) -> FileReport:
    """Validate one file whole, then write its new orders in one transaction."""
    report = FileReport(path=path)
    name = str(path)
    if not CURRENCY_CODE.fullmatch(default_currency):
        raise ValueError(f"default currency {default_currency!r} is not a three-letter code")
    try:
        data = path.read_bytes()
    except OSError as error:
        report.problems.append(ImportProblem(name, None, f"cannot read the file: {error.strerror}"))
        return report
    is_json = False
    collector = _Collector(COLUMN_LABELS, default_currency)
    text = _decode(data, collector)
    del data  # the text is all that is needed from here on
    if text is not None:
        is_json = _is_json(path, text)
        if is_json:
            collector.labels = JSON_LABELS
            _read_json(text, collector)
        else:
            _read_csv(text, collector)
            text = None  # a CSV's problems carry their line numbers: the text is done with
        collector.finish()
    if collector.problems:
        report.problems = _problems(name, collector, text, is_json)
        report.more_problems = collector.more_problems
        return report
    try:
        written = _write(collector, path.name, at or datetime.now(UTC))
    except peewee.OperationalError as error:  # a full disk, a database locked too long
        report.problems.append(
            ImportProblem(
                name, None, f"nothing was imported: the database could not be written ({error})"
            )
        )
        return report
    report.imported, report.skipped_same = len(written.new_ids), written.skipped
    report.new_order_ids = written.new_ids
    lines = _lines_for([order.loc for order in written.conflicts], text, is_json)
    report.conflicts = [
        ImportConflict(
            name,
            _line(order.loc, lines),
            order.ref,
            f"order {shown(order.ref)} was already imported with different content; "
            "it was left as it was",
        )
        for order in written.conflicts
    ]
    return report


def import_files(
    paths: Sequence[Path], default_currency: str, *, at: datetime | None = None
) -> ImportReport:
    """Import each file on its own (one file's problems never stop another's import)."""
    return ImportReport([import_file(Path(path), default_currency, at=at) for path in paths])
