"""Importing order files (CSV or JSON) into the order book.

Each file is read and validated whole before anything is written; a file with any problem
writes nothing, and every problem is reported as ``FILE:LINE: message``. Asked to skip bad
lines, the importer instead leaves out every order with a problem (all its lines) and writes
them to a file beside it (:mod:`~xerologdesk.store.import_set_aside`), when every problem
lies in an order. A valid file is written in one transaction: new customers and products, the
new orders with their lines, and a *Pending* log entry for each.

This module runs an import: :mod:`~xerologdesk.store.readers` reads a file's rows,
:mod:`~xerologdesk.store.import_collector` checks them (with :mod:`~xerologdesk.store.values`'
rules), :mod:`~xerologdesk.store.import_writer` writes them (replacing orders as
:mod:`~xerologdesk.store.import_replace` decides), and the outcome is an
:class:`~xerologdesk.store.import_report.ImportReport`. The rules it applies are these.

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

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import peewee

from xerologdesk.store import import_replace, import_writer, readers
from xerologdesk.store.import_collector import Collector, reported
from xerologdesk.store.import_report import FileReport, ImportProblem, ImportReport
from xerologdesk.store.import_set_aside import PROBLEMS_PER_ORDER, without_bad_orders
from xerologdesk.store.values import CURRENCY_CODE

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
    collector = Collector(readers.COLUMN_LABELS, default_currency)
    collector.kept_per_order = PROBLEMS_PER_ORDER if skip_bad_lines else 0
    text = readers.decode(data, collector)
    del data  # the text is all that is needed from here on
    if text is not None:
        is_json = readers.is_json(path, text)
        collector.read(text, is_json)
        if not is_json and not skip_bad_lines:
            text = None  # a CSV's problems carry their line numbers: the text is done with
    if collector.problems:
        report.problems = reported(name, collector, text, is_json)
        report.more_problems = collector.more_problems
        report.good_orders = collector.good_orders
        if not skip_bad_lines or text is None:
            return report
        split = without_bad_orders(path, collector, text, is_json, report)
        if split is None:
            return report
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
        if report.set_aside_file is not None:
            report.set_aside_file.unlink(missing_ok=True)
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
    report.conflicts, report.replaced = import_replace.reported(
        name, written.conflicts, written.replaced, text, is_json
    )
    return report


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
