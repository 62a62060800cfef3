"""What an import reports: per file, the orders imported, skipped as already imported and
conflicting, or the problems that kept the file out; and the totals over every file.

Made by :mod:`xerologdesk.store.importer`; read by the command line and the ui.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

DECIMAL_COMMAS_READ = "decimal commas read as decimal points"


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
    """An order already in the book with different content: left as it was, or replaced."""

    file: str
    line: int
    order_ref: str
    message: str
    changes: tuple[str, ...] = ()  # what differs, in words
    replaceable: bool = False  # it has no invoice in Xero: importing with replace replaces it
    order_id: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class FileReport:
    """What became of one file: imported, skipped as already imported, conflicting, set aside
    with problems, or (with problems, none set aside) not imported at all."""

    path: Path
    imported: int = 0
    skipped_same: int = 0
    conflicts: list[ImportConflict] = field(default_factory=list)
    replaced: list[ImportConflict] = field(default_factory=list)  # given the file's content
    # The first problems (importer.MAX_PROBLEMS), then a last one saying how many more there were.
    problems: list[ImportProblem] = field(default_factory=list)
    # The new orders' ids (a range: they are consecutive, and a million ints cost 36 MB).
    new_order_ids: Sequence[int] = field(default_factory=list)
    more_problems: int = 0
    # A refused file whose problems all lie in orders: how many orders it has without any.
    good_orders: int = 0
    # Orders with problems set aside (import --skip-bad-lines): how many, their lines, where.
    set_aside_orders: int = 0
    set_aside_lines: int = 0
    set_aside_file: Path | None = None
    # The file's numbers had decimal commas (a semicolon CSV from Excel in most of Europe).
    decimal_commas: bool = False

    @property
    def notes(self) -> str:
        """How the file was read, when that is worth saying: "" or " (decimal commas ...)"."""
        return f" ({DECIMAL_COMMAS_READ})" if self.decimal_commas else ""

    @property
    def refused(self) -> bool:
        """Whether nothing was imported from the file because of its problems."""
        return bool(self.problems) and self.set_aside_file is None

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
