"""Importing order files (CSV or JSON) into the order book.

Each file is read and validated whole before anything is written; a file with any problem
writes nothing, and every problem is reported as ``FILE:LINE: message``. Asked to skip bad
lines, the importer instead leaves out every order with a problem (all its lines) and writes
them to a file beside it (:mod:`~xerologdesk.store.set_aside`), when every problem lies in an
order. A valid file is
written in one transaction: new customers and products, the new orders with their lines, and
a *Pending* log entry for each.

This module checks the values and runs an import: :mod:`~xerologdesk.store.readers` reads a
file's rows, the collector here checks them (with :mod:`~xerologdesk.store.values`' rules),
:mod:`~xerologdesk.store.import_writer` writes them, and the outcome is an
:class:`~xerologdesk.store.import_report.ImportReport`.

The rules, beyond the format in issue 3:

- Text is UTF-8, with or without a byte-order mark. Leading and trailing spaces around a value
  are removed (spreadsheets add them unseen); a value of only spaces counts as empty. Control
  characters (tabs and line breaks inside values included) are refused.
- CSV: the header row's names are compared without case; every column must be a known one
  (a misspelt optional column would otherwise be dropped silently); the delimiter is a comma
  or, when the header row has more semicolons than commas, a semicolon. Blank rows are ignored.
  A semicolon file may write its numbers with decimal commas ("32,00"), as long as it keeps to
  one decimal mark: the report then says they were read as decimal points.
  The rows of one order need not be adjacent, but must agree on the order's columns.
- Within one file a customer reference has one set of customer details, and a SKU one product
  name, description, taxable flag and product_price. An optional value left empty is "not
  given": it differs from nothing, and never clears what the book already holds.
- The unit price belongs to the line (wholesale prices differ per customer and per order): one
  SKU's lines may each have their own. The product's own price (for the item Auto Sync creates)
  is its product_price, or else its first line's unit price.
- JSON: the keys are the ones in issue 3, no others, each once; lines are required.
- Dates are ``YYYY-MM-DD`` only. Quantities are more than 0, unit prices 0 or more, both with
  at most 4 decimal places (trailing zeros aside) and below 1,000,000,000. JSON numbers are read
  as exact decimals; numbers in quotes are accepted too.
- Lengths follow Xero's limits (SKU 30, item name 50, contact name 255, ...), counted as Xero
  counts (UTF-16 code units).
- An order whose ref is already in the book is skipped when its content (date, currency,
  customer reference and lines) is the same, and reported as a conflict and left as it was when
  it differs, saying what differs; conflicts do not stop the rest of the file. Asked to replace,
  the importer gives such an order the file's content when it has no invoice in Xero (pending,
  failed or dismissed, and no send of its invoice awaiting Xero's answer). Customer and
  product details are taken from the orders actually imported (re-importing an old file
  changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import peewee

from xerologdesk.store import import_writer, readers, set_aside
from xerologdesk.store.book import order_total
from xerologdesk.store.import_report import FileReport, ImportConflict, ImportProblem, ImportReport
from xerologdesk.store.import_writer import Changed, FileOrder, FileProduct, FileRecord
from xerologdesk.store.readers import Loc, RowKey
from xerologdesk.store.values import (
    CURRENCY_CODE,
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
class _Problem:
    loc: Loc
    message: str
    other: Loc | None = None


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
        self.orders: dict[str, FileOrder] = {}
        self.customers: dict[str, FileRecord] = {}
        self.products: dict[str, FileProduct] = {}
        self.problems: list[_Problem] = []
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
        self.kept: dict[RowKey, list[_Problem]] = {}
        self.kept_per_order = 0
        self.unplaced = False

    def problem(self, loc: Loc, message: str, other: Loc | None = None) -> None:
        found = _Problem(loc, message, other)
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


class _Splitter(_Collector):
    """A collector of the orders without problems, which keeps the rows of the orders with
    problems (found by a first reading of the file) aside instead, to write beside it."""

    def __init__(self, labels: Mapping[str, str], default_currency: str, bad: Set[RowKey]) -> None:
        super().__init__(labels, default_currency)
        self.bad_orders = bad
        self.set_aside: list[tuple[RowKey, Loc, Any]] = []

    def row(self, key: RowKey | None, loc: Loc, raw: Any) -> bool:
        if key is not None and key in self.bad_orders:
            self.set_aside.append((key, loc, raw))
            return False
        return super().row(key, loc, raw)


# -- files -------------------------------------------------------------------------------------

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


def _lines_for(locs: Sequence[Loc], text: str | None, is_json: bool) -> dict[tuple[Any, ...], int]:
    paths = {loc for loc in locs if isinstance(loc, tuple)}
    if not paths or text is None or not is_json:
        return {}
    return readers.locate_json(text, paths)


def _line(loc: Loc, lines: Mapping[tuple[Any, ...], int]) -> int:
    return loc if isinstance(loc, int) else lines.get(loc, 1)


def _said(problem: _Problem, lines: Mapping[tuple[Any, ...], int]) -> str:
    """A problem's message, with the line of the earlier value it names."""
    other = str(_line(problem.other, lines)) if problem.other is not None else "?"
    return problem.message.replace(_OTHER_LINE, other)


def _json_lines(problems: Sequence[_Problem], text: str | None, is_json: bool) -> dict[Any, int]:
    """The lines of the JSON paths these problems name (nothing for a CSV's line numbers)."""
    locs = [p.loc for p in problems] + [p.other for p in problems if p.other is not None]
    return _lines_for(locs, text, is_json)


def _problems(
    name: str, collector: _Collector, text: str | None, is_json: bool
) -> list[ImportProblem]:
    """The collected problems with line numbers, in line order."""
    lines = _json_lines(collector.problems, text, is_json)
    problems = [
        ImportProblem(name, _line(problem.loc, lines), _said(problem, lines))
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


# The problems of an order set aside written beside its lines (the first of them).
PROBLEMS_PER_ORDER = 5


def _read(collector: _Collector, text: str, is_json: bool) -> None:
    """Hand the file's text to the reader of its format, then to the whole-file checks."""
    if is_json:
        collector.labels = readers.JSON_LABELS
        readers.read_json(text, collector)
    else:
        collector.semicolons = readers.delimiter(text) == ";"
        readers.read_csv(text, collector)
    collector.finish()


def _set_aside_rows(
    first: _Collector, split: _Splitter, text: str, is_json: bool
) -> list[list[str]]:
    """The rows set aside, each its problem text and then its cells (see set_aside.write)."""
    kept = [problem for problems in first.kept.values() for problem in problems]
    lines = _json_lines(kept, text, is_json)
    rows: list[list[str]] = []
    for key, loc, raw in split.set_aside:
        problems = first.kept[key]
        if is_json:
            said = "; ".join(f"line {_line(p.loc, lines)}: {_said(p, lines)}" for p in problems)
            rows.extend(
                [said, *(set_aside.cell(values.get(name)) for name in readers.COLUMNS)]
                for values in readers.json_order_rows(raw)
            )
            continue
        own = [_said(problem, lines) for problem in problems if problem.loc == loc]
        said = "; ".join(own) or (
            f"set aside with the rest of order {shown(key)} (line {problems[0].loc}: "
            f"{_said(problems[0], lines)})"
        )
        rows.append([said, *raw])
    return rows


def import_file(
    path: Path,
    default_currency: str,
    *,
    at: datetime | None = None,
    skip_bad_lines: bool = False,
    replace: bool = False,
) -> FileReport:
    """Validate one file whole, then write its new orders in one transaction.

    With ``skip_bad_lines``, a file whose problems all lie in orders is imported without those
    orders: their lines (all of an order's, so none is half imported) are written to
    ``NAME.rejected.csv`` beside it, each with its problem. With ``replace``, an order
    imported before with different content takes the file's content when it has no invoice in
    Xero (see import_writer.write).
    """
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
    collector = _Collector(readers.COLUMN_LABELS, default_currency)
    collector.kept_per_order = PROBLEMS_PER_ORDER if skip_bad_lines else 0
    text = readers.decode(data, collector)
    del data  # the text is all that is needed from here on
    if text is not None:
        is_json = readers.is_json(path, text)
        _read(collector, text, is_json)
        if not is_json and not skip_bad_lines:
            text = None  # a CSV's problems carry their line numbers: the text is done with
    rejected: Path | None = None
    if collector.problems:
        report.problems = _problems(name, collector, text, is_json)
        report.more_problems = collector.more_problems
        report.good_orders = collector.good_orders
        if not skip_bad_lines or collector.unplaced or text is None:
            return report
        split = _Splitter(readers.COLUMN_LABELS, default_currency, collector.bad)
        _read(split, text, is_json)
        if split.problems:  # cannot be: only orders with problems were left out
            return report
        rows = _set_aside_rows(collector, split, text, is_json)
        header = readers.COLUMNS if is_json else readers.csv_header(text)
        rejected = set_aside.rejected_path(path)
        try:
            set_aside.write(rejected, header, rows, "," if is_json else readers.delimiter(text))
        except OSError as error:
            report.problems.append(
                ImportProblem(
                    name,
                    None,
                    f"nothing was imported: the lines set aside could not be written to "
                    f"{rejected} ({error.strerror})",
                )
            )
            return report
        report.set_aside_file, report.set_aside_lines = rejected, len(rows)
        report.set_aside_orders = len({key for key, _, _ in split.set_aside})
        collector = split
    try:
        written = import_writer.write(
            collector.orders,
            collector.customers,
            collector.products,
            path.name,
            at or datetime.now(UTC),
            replace=replace,
        )
    except peewee.OperationalError as error:  # a full disk, a database locked too long
        if rejected is not None:
            rejected.unlink(missing_ok=True)
            report.set_aside_file = None
        report.problems.append(
            ImportProblem(
                name, None, f"nothing was imported: the database could not be written ({error})"
            )
        )
        return report
    report.imported, report.skipped_same = len(written.new_ids), written.skipped
    report.decimal_commas = collector.decimal_commas
    report.new_order_ids = written.new_ids
    changed = written.conflicts + written.replaced
    lines = _lines_for([each.order.loc for each in changed], text, is_json)
    replaced = {id(each) for each in written.replaced}
    said = {id(each): _change_said(each, id(each) in replaced) for each in changed}
    report.conflicts, report.replaced = (
        [
            ImportConflict(
                name,
                _line(each.order.loc, lines),
                each.order.ref,
                said[id(each)],
                tuple(each.changes),
                each.replaceable,
                each.order_id,
            )
            for each in group
        ]
        for group in (written.conflicts, written.replaced)
    )
    return report


def _change_said(changed: Changed, replaced: bool) -> str:
    """What became of an order the file changes, and why (see import_writer.Changed)."""
    ref, changes = shown(changed.order.ref), "; ".join(changed.changes)
    if replaced:
        return f"order {ref} was replaced by the file's content ({changes}); it is pending again"
    differs = f"order {ref} was already imported with different content ({changes})"
    if changed.awaiting_answer:
        return (
            f"{differs}; it was left as it was: an earlier send of its invoice has no answer "
            "from Xero yet (Xero may have made it); sync, then import it again"
        )
    if changed.invoice is not None:
        invoice = f"invoice {changed.invoice}" if changed.invoice else "an invoice"
        return (
            f"{differs}; it was left as it was: it is in Xero as {invoice}, which an import "
            "never changes; change the invoice in Xero itself"
        )
    return f"{differs}; it was left as it was: it has no invoice in Xero, so it can be replaced"


def import_files(
    paths: Sequence[Path],
    default_currency: str,
    *,
    at: datetime | None = None,
    skip_bad_lines: bool = False,
    replace: bool = False,
) -> ImportReport:
    """Import each file on its own (one file's problems never stop another's import)."""
    return ImportReport(
        [
            import_file(
                Path(path),
                default_currency,
                at=at,
                skip_bad_lines=skip_bad_lines,
                replace=replace,
            )
            for path in paths
        ]
    )
