"""Checking a file's values: the collector a reader hands a file's orders and lines to.

The :class:`Collector` checks each value with :mod:`~xerologdesk.store.values`' rules (the
rules are listed in :mod:`~xerologdesk.store.importer`), notes every problem with the order it
lies in, and gathers the orders, customers and products to write
(:mod:`~xerologdesk.store.import_writer`). :func:`reported` turns its problems into the
report's ``FILE:LINE: message`` lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from xerologdesk.store import readers
from xerologdesk.store.book import order_total
from xerologdesk.store.import_report import ImportProblem
from xerologdesk.store.import_writer import FileOrder, FileProduct, FileRecord
from xerologdesk.store.readers import Loc, RowKey
from xerologdesk.store.values import (
    DECIMAL_COMMA,
    DECIMAL_POINT,
    MAX_LENGTHS,
    MAX_ORDER_TOTAL,
    NOT_GIVEN,
    Invalid,
    check_amount,
    check_currency,
    check_date,
    check_email,
    check_taxable,
    check_text,
    decimal_mark,
    shown,
)

# -- the details given together ----------------------------------------------------------------

CUSTOMER_FIELDS = (
    "customer_name",
    "customer_email",
    "bill_to_street",
    "bill_to_city",
    "bill_to_region",
    "bill_to_postcode",
    "bill_to_country",
)
PRODUCT_FIELDS = ("product_name", "product_description", "taxable", "product_price")

# Problems listed per file; the rest are counted ("... and N more"): a header of a million
# unknown columns must not print a million lines, nor hold them.
MAX_PROBLEMS = 100

_T = TypeVar("_T")

# -- collecting a file's orders ----------------------------------------------------------------

_OTHER_LINE = "\x00other-line\x00"  # replaced by the line of an earlier value in messages
_MARK_NAMES = {DECIMAL_POINT: "decimal point", DECIMAL_COMMA: "decimal comma"}


@dataclass(slots=True)
class Problem:
    """A problem at ``loc``; ``other``: the place of the earlier value its message names."""

    loc: Loc
    message: str
    other: Loc | None = None


# The order's own columns as given, compared first when a CSV repeats an order's row.
_ORDER_RAW_FIELDS = ("posted_date", "currency", "customer_reference")


class Collector:
    """Validates a file's values one order (or row) at a time and gathers what to write.

    Repeated values (a CSV repeats the order's and customer's columns on every row) are
    compared as given first, so a big file is checked at the speed of reading it.
    """

    def __init__(self, labels: Mapping[str, str], default_currency: str) -> None:
        self.labels = labels
        self.default_currency = default_currency
        self.orders: dict[str, FileOrder] = {}
        self.customers: dict[str, FileRecord] = {}
        self.products: dict[str, FileProduct] = {}
        self.problems: list[Problem] = []
        self.more_problems = 0  # found after the first MAX_PROBLEMS: counted, not kept
        # What every order keeps is shared between the orders that give the same: a text, a
        # checked value (by the text it was checked from), a line. A million orders then hold
        # one date per day and one line per SKU and quantity, not one of each per order.
        self._shared: dict[Any, Any] = {}
        self._checked: dict[tuple[str, str], Any] = {}
        # A semicolon CSV (Excel's in most of Europe) may write its numbers with decimal
        # commas; the first number with a decimal mark sets the file's, and where it was.
        self.semicolons = False
        self.decimal_mark: tuple[str, Loc] | None = None
        # Which order each problem lies in (see readers.RowKey), so an import can set bad
        # orders aside whole: the orders with problems; the first few problems of each, kept
        # when they are to be written beside the lines set aside (kept_per_order); and whether
        # any problem lies outside every order (the header, the text), which sets nothing aside.
        self._row: RowKey | None = None
        self.bad: set[RowKey] = set()
        self.kept: dict[RowKey, list[Problem]] = {}
        self.kept_per_order = 0
        self.unplaced = False

    def problem(self, loc: Loc, message: str, other: Loc | None = None) -> None:
        found = Problem(loc, message, other)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(found)
        else:
            self.more_problems += 1
        if self._row is None:
            self.unplaced = True
            return
        self.bad.add(self._row)
        if self.kept_per_order:
            kept = self.kept.setdefault(self._row, [])
            if len(kept) < self.kept_per_order:
                kept.append(found)

    def row(self, key: RowKey | None, loc: Loc, raw: Any) -> bool:
        """Problems from here on lie in the order ``key`` (None: in none); every row is read."""
        self._row = key
        return True

    @staticmethod
    def key_of(order: FileOrder) -> RowKey:
        """The order's row key: its ref in a CSV, its index in a JSON file's orders."""
        return order.loc[1] if isinstance(order.loc, tuple) else order.ref

    @property
    def good_orders(self) -> int:
        """How many orders have no problem, when every problem lies in an order (else 0)."""
        if self.unplaced:
            return 0
        return sum(1 for order in self.orders.values() if self.key_of(order) not in self.bad)

    def _value(self, check: Callable[[], _T], loc: Loc) -> _T | None:
        """``check()``'s value, or None with its problem reported."""
        try:
            return check()
        except Invalid as error:
            self.problem(loc, str(error))
            return None

    def _share(self, value: _T) -> _T:
        """The one copy of an equal value kept so far (``value`` itself the first time)."""
        try:
            shared: _T = self._shared.setdefault(value, value)
            return shared
        except TypeError:  # unhashable (a JSON list where a value belongs): nothing to share
            return value

    def _checked_value(self, name: str, given: Any, check: Callable[[], _T], loc: Loc) -> _T | None:
        """``check()``'s value, reused for the same text given again (a bad one is reported
        at each place it is given)."""
        key = (name, given) if type(given) is str else None
        found: _T | None = self._checked.get(key) if key is not None else None
        if found is not None:
            return found
        value = self._value(check, loc)
        if key is not None and value is not None:
            self._checked[key] = value
        return value

    def _text(self, name: str, values: Mapping[str, Any], loc: Loc, required: bool) -> str | None:
        """The field's text, checked (None with its problem reported)."""
        label = self.labels[name]
        return self._value(
            lambda: check_text(
                label, values.get(name), required=required, max_length=MAX_LENGTHS.get(name)
            ),
            loc,
        )

    def _amount(
        self, name: str, values: Mapping[str, Any], loc: Loc, *, zero_ok: bool
    ) -> Decimal | None:
        """An amount field's value, checked (None with its problem reported). In a semicolon
        CSV a decimal comma is read as a decimal point, as long as the file keeps to one."""
        given, label = values.get(name), self.labels[name]
        comma = False
        if self.semicolons:
            mark = decimal_mark(given)
            if mark is not None:
                if self.decimal_mark is None:
                    self.decimal_mark = (mark, loc)
                first, first_loc = self.decimal_mark
                if mark != first:
                    self.problem(
                        loc,
                        f"{label} {shown(given)} has a {_MARK_NAMES[mark]} but line {_OTHER_LINE} "
                        f"has a {_MARK_NAMES[first]}: write every number in the file with the "
                        "same decimal mark",
                        first_loc,
                    )
                    return None
                comma = mark == DECIMAL_COMMA
        return self._checked_value(
            name,
            given,
            lambda: check_amount(label, given, zero_ok=zero_ok, decimal_comma=comma),
            loc,
        )

    @property
    def decimal_commas(self) -> bool:
        """Whether the file's numbers were written with decimal commas."""
        return self.decimal_mark is not None and self.decimal_mark[0] == DECIMAL_COMMA

    # -- orders and customers

    def order(
        self, values: Mapping[str, Any], loc_of: Callable[[str], Loc], *, repeats: bool
    ) -> FileOrder | None:
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
            order = FileOrder(
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
            self.customers[reference] = FileRecord(loc_of("customer_reference"), raw, list(checked))
        else:
            self._compare(f"customer {shown(reference)}", CUSTOMER_FIELDS, checked, known, loc_of)
        return reference

    def _compare(
        self,
        subject: str,
        names: Sequence[str],
        checked: Sequence[Any],
        known: FileRecord,
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
        self, order: FileOrder | None, values: Mapping[str, Any], loc_of: Callable[[str], Loc]
    ) -> None:
        """Check one order line and its product's values; add it to ``order``."""
        sku = self._share(self._text("sku", values, loc_of("sku"), True))
        quantity = self._amount("quantity", values, loc_of("quantity"), zero_ok=False)
        price = self._amount("unit_price", values, loc_of("unit_price"), zero_ok=True)
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
                self._product_price(values, loc_of),
            )
            if sku is not None and known is None:
                known = self.products[sku] = FileProduct(loc_of("sku"), raw, list(checked), price)
            elif known is not None:
                self._compare(f"SKU {shown(sku)}", PRODUCT_FIELDS, checked, known, loc_of)
        if order is not None and sku is not None:
            order.add_line(self._share((sku, quantity, price)))

    def _product_price(
        self, values: Mapping[str, Any], loc_of: Callable[[str], Loc]
    ) -> Decimal | str | None:
        """The product's own price (for the item Auto Sync creates), or "" when not given."""
        given = values.get("product_price")
        if given is None or (isinstance(given, str) and not given.strip()):
            return NOT_GIVEN
        return self._amount("product_price", values, loc_of("product_price"), zero_ok=True)

    def finish(self) -> None:
        """Checks that need the whole file: order totals within what the log can hold."""
        for order in self.orders.values():
            amounts = [(quantity, price) for _, quantity, price in order.lines]
            if any(quantity is None or price is None for quantity, price in amounts):
                continue  # already reported
            if order_total(amounts) > MAX_ORDER_TOTAL:  # type: ignore[arg-type]
                self._row = self.key_of(order)
                self.problem(order.loc, f"order {shown(order.ref)}: the total is too large")
        self._row = None

    def read(self, text: str, is_json: bool) -> None:
        """Take the file's text from the reader of its format, then run the whole-file checks."""
        if is_json:
            self.labels = readers.JSON_LABELS
            readers.read_json(text, self)
        else:
            self.semicolons = readers.delimiter(text) == ";"
            readers.read_csv(text, self)
        self.finish()


# -- the problems, placed on lines -------------------------------------------------------------


def said(problem: Problem, lines: Mapping[tuple[Any, ...], int]) -> str:
    """A problem's message, with the line of the earlier value it names."""
    other = str(readers.line_of(problem.other, lines)) if problem.other is not None else "?"
    return problem.message.replace(_OTHER_LINE, other)


def json_lines(problems: Sequence[Problem], text: str | None, is_json: bool) -> dict[Any, int]:
    """The lines of the JSON paths these problems name (nothing for a CSV's line numbers)."""
    locs = [p.loc for p in problems] + [p.other for p in problems if p.other is not None]
    return readers.lines_of(locs, text, is_json)


def reported(
    name: str, collector: Collector, text: str | None, is_json: bool
) -> list[ImportProblem]:
    """The collected problems of the file ``name`` with line numbers, in line order (``text``
    is needed only for a JSON file's)."""
    lines = json_lines(collector.problems, text, is_json)
    problems = [
        ImportProblem(name, readers.line_of(problem.loc, lines), said(problem, lines))
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
