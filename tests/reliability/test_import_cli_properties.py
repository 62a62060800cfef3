"""The importer's property (tests/store/test_importer_properties.py checks it at the store: a
clean import or line-numbered problems, never a crash or half a file), seen from the command
line: ``xerologdesk import FILE`` exits 0 or 1, never with a traceback; every problem it prints
is ``FILE:LINE: message``; a refused file adds no order."""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.store.test_importer_properties import csv_files, json_files
from xerologdesk.cli import main


@dataclass
class Folder:
    path: Path
    names: Iterator[int]

    @property
    def data_dir(self) -> Path:
        return self.path / "data"

    def orders(self) -> int:
        """How many orders the book holds (read without the program)."""
        database = self.data_dir / "xerologdesk.db"
        if not database.exists():
            return 0
        book = sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            [(count,)] = book.execute("SELECT count(*) FROM sales_order")
        finally:
            book.close()
        return int(count)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Folder:
    return Folder(tmp_path_factory.mktemp("cli-imports"), itertools.count(1))


def cli(*args: str) -> tuple[int, str, str]:
    """The command in this process: exit code, stdout, stderr (its log handlers removed after,
    as each command adds one to the root logger)."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        for handler in set(root.handlers) - set(handlers):
            root.removeHandler(handler)
            handler.close()
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    content=st.one_of(csv_files(), json_files(), st.binary(max_size=300)),
    suffix=st.sampled_from([".csv", ".json", ".txt"]),
)
def test_the_import_command_imports_cleanly_or_lists_line_numbered_problems(
    folder: Folder, content: bytes, suffix: str
) -> None:
    path = folder.path / f"file-{next(folder.names)}{suffix}"
    path.write_bytes(content)
    before = folder.orders()
    code, out, err = cli("--data-dir", str(folder.data_dir), "import", str(path))
    assert "Traceback" not in err
    numbered = re.compile(rf"{re.escape(str(path))}:[1-9][0-9]*: \S")
    assert all(numbered.match(each) for each in err.splitlines()), err
    if code == 1:
        event("refused")
        problems = len(err.splitlines())
        assert problems >= 1
        assert out == f"{path}: not imported ({problems} problem{'s' if problems > 1 else ''})\n"
        assert folder.orders() == before
    else:
        event("imported")
        assert code == 0, err
        found = re.fullmatch(
            rf"{re.escape(str(path))}: imported (\d+) orders?, skipped \d+ already imported, "
            r"(\d+) conflicts?\n",
            out,
        )
        assert found, out
        assert folder.orders() == before + int(found.group(1))
        assert int(found.group(2)) == len(err.splitlines())  # each conflict said, with its line


def test_a_header_of_a_hundred_thousand_unknown_columns_lists_the_first_hundred(
    folder: Folder,
) -> None:
    """A machine-made header (a million columns in the wild: 293 MB on stderr) gets the first
    100 problems and how many more there are, not a line each."""
    unknown = 100_000
    path = folder.path / "wide.csv"
    header = "order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price,"
    path.write_text(header + ",".join(f"extra{n}" for n in range(unknown)) + "\n")
    code, out, err = cli("--data-dir", str(folder.data_dir), "import", str(path))
    lines = err.splitlines()
    assert code == 1 and "Traceback" not in err
    assert len(lines) == 101
    assert lines[0].startswith(f"{path}:1: unknown column \u201cextra0\u201d; the columns are:")
    assert lines[-1] == (
        f"{path}: \u2026 and 99,900 more problems in {path} (the first 100 are listed)"
    )
    assert out == f"{path}: not imported (100,000 problems)\n"
