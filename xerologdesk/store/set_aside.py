"""The file of lines an import set aside: ``NAME.rejected.csv`` beside the order file, in the
file's own columns with a ``problem`` column first, to be corrected and imported again (the
importer ignores the problem column).

A CSV file's rows are written as they were (its header, delimiter and cells); a JSON file's
orders become rows in the CSV columns, one per order line. The importer decides what is set
aside and why (:mod:`xerologdesk.store.importer`); this module only writes it.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from xerologdesk.store.readers import PROBLEM_COLUMN

SUFFIX = ".rejected.csv"


def rejected_path(path: Path) -> Path:
    """Where the lines set aside from ``path`` go: ``orders.csv`` -> ``orders.rejected.csv``."""
    return path.with_name(path.stem + SUFFIX)


def cell(value: Any) -> str:
    """A JSON value as a CSV cell, written as the importer reads it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)


def write(
    target: Path, header: Sequence[str], rows: Sequence[Sequence[str]], delimiter: str
) -> None:
    """Write ``rows`` (each its problem, then its cells) under ``header`` to ``target``, whole or
    not at all. A problem column the file already had (a set-aside file imported again) gives
    way to the new one. UTF-8 with a byte-order mark: Excel needs it to show accents."""
    names = [name.strip().lower() for name in header]
    old = names.index(PROBLEM_COLUMN) if PROBLEM_COLUMN in names else None
    part = target.with_name(target.name + ".part")
    try:
        with part.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow([PROBLEM_COLUMN, *_without(header, old)])
            for problem, *cells in rows:
                writer.writerow([problem, *_without(cells, old)])
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def _without(cells: Sequence[str], index: int | None) -> list[str]:
    return [each for number, each in enumerate(cells) if number != index]
