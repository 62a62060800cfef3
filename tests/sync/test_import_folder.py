"""`xerologdesk import FOLDER` imports every CSV and JSON file in it, in name order, each file
whole or not at all."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.support.desks import COLUMNS, Desk, line
from xerologdesk.exits import EXIT_OK, EXIT_USAGE


def _write(path: Path, *refs: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(line(ref, ("C-1", "Known Shop"), "SKU-1") for ref in refs)
    return path


def test_a_folder_imports_its_order_files_in_name_order_and_nothing_else(desk: Desk) -> None:
    folder = desk.folder / "exports"
    (folder / "older").mkdir(parents=True)
    _write(folder / "2026-12-02.csv", "SO-2", "SO-3")
    _write(folder / "2026-12-01.CSV", "SO-1")
    _write(folder / ".partial.csv", "SO-8")  # a download still being written
    _write(folder / "older" / "2026-11-30.csv", "SO-9")  # sub-folders are not walked
    (folder / "notes.txt").write_text("not an order file", encoding="utf-8")

    run = desk("import", str(folder))
    assert run.code == EXIT_OK, run.err
    assert run.out.splitlines() == [
        f"{folder / '2026-12-01.CSV'}: imported 1 order, skipped 0 already imported, 0 conflicts",
        f"{folder / '2026-12-02.csv'}: imported 2 orders, skipped 0 already imported, 0 conflicts",
    ]
    assert sorted(desk.log()) == ["SO-1", "SO-2", "SO-3"]


def test_a_bad_file_in_a_folder_is_left_out_whole_and_the_good_ones_go_in(desk: Desk) -> None:
    folder = desk.folder / "exports"
    folder.mkdir()
    _write(folder / "a.csv", "SO-1")
    (folder / "b.csv").write_text("order_ref,posted_date\nSO-2,yesterday\n", encoding="utf-8")
    _write(folder / "c.csv", "SO-3")

    run = desk("import", str(folder))
    assert run.code == EXIT_USAGE
    assert f"{folder / 'b.csv'}: not imported" in run.out
    assert f"{folder / 'b.csv'}:" in run.err  # its problems, by line
    assert sorted(desk.log()) == ["SO-1", "SO-3"]


def test_a_folder_without_order_files_or_a_missing_name_is_said_and_nothing_imported(
    desk: Desk,
) -> None:
    empty = desk.folder / "empty"
    empty.mkdir()
    good = _write(desk.folder / "good.csv", "SO-1")
    run = desk("import", str(good), str(empty), str(desk.folder / "nowhere"))
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [
        f"{empty}: no CSV or JSON files in this folder",
        f"{desk.folder / 'nowhere'}: no such file or folder",
    ]
    assert desk.log() == {}
