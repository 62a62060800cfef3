"""Skipping bad lines: an import that leaves out the orders with problems and sets them aside.

When every problem of a file lies in an order, the file is read a second time by a
:class:`Splitter`, which collects the orders without problems and keeps the rows of the others
(all of an order's, so none is half imported); they are written beside the file, each with its
problem, by :mod:`~xerologdesk.store.set_aside`. The first reading's collector
(:mod:`~xerologdesk.store.import_collector`) found which orders have problems, and kept the
first :data:`PROBLEMS_PER_ORDER` of each.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from pathlib import Path
from typing import Any

from xerologdesk.store import readers, set_aside
from xerologdesk.store.import_collector import Collector, json_lines, said
from xerologdesk.store.import_report import FileReport, ImportProblem
from xerologdesk.store.readers import Loc, RowKey
from xerologdesk.store.values import shown

# The problems of an order set aside written beside its lines (the first of them).
PROBLEMS_PER_ORDER = 5


class Splitter(Collector):
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


def without_bad_orders(
    path: Path, first: Collector, text: str, is_json: bool, report: FileReport
) -> Splitter | None:
    """The file's orders without problems (``first`` found which have some), the others
    written to ``NAME.rejected.csv`` beside it and counted in ``report``; None when they
    cannot be set aside (a problem lies outside every order, or the file of them could not be
    written, said in ``report``)."""
    if first.unplaced:
        return None
    split = Splitter(readers.COLUMN_LABELS, first.default_currency, first.bad)
    split.read(text, is_json)
    if split.problems:  # cannot be: only orders with problems were left out
        return None
    rows = _rows(first, split, text, is_json)
    header = readers.COLUMNS if is_json else readers.csv_header(text)
    rejected = set_aside.rejected_path(path)
    try:
        set_aside.write(rejected, header, rows, "," if is_json else readers.delimiter(text))
    except OSError as error:
        report.problems.append(
            ImportProblem(
                str(path),
                None,
                f"nothing was imported: the lines set aside could not be written to "
                f"{rejected} ({error.strerror})",
            )
        )
        return None
    report.set_aside_file, report.set_aside_lines = rejected, len(rows)
    report.set_aside_orders = len({key for key, _, _ in split.set_aside})
    return split


def _rows(first: Collector, split: Splitter, text: str, is_json: bool) -> list[list[str]]:
    """The rows set aside, each its problem text and then its cells (see set_aside.write)."""
    kept = [problem for problems in first.kept.values() for problem in problems]
    lines = json_lines(kept, text, is_json)
    rows: list[list[str]] = []
    for key, loc, raw in split.set_aside:
        problems = first.kept[key]
        if is_json:
            why = "; ".join(
                f"line {readers.line_of(p.loc, lines)}: {said(p, lines)}" for p in problems
            )
            rows.extend(
                [why, *(set_aside.cell(values.get(name)) for name in readers.COLUMNS)]
                for values in readers.json_order_rows(raw)
            )
            continue
        own = [said(problem, lines) for problem in problems if problem.loc == loc]
        why = "; ".join(own) or (
            f"set aside with the rest of order {shown(key)} (line {problems[0].loc}: "
            f"{said(problems[0], lines)})"
        )
        rows.append([why, *raw])
    return rows
