"""The rooms that grew too big once stay small: the importer under 500 lines and the sync
engine's class under 400 (issue 19), so new work lands in modules of its own."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "xerologdesk"


def class_lines(path: Path, name: str) -> int:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    [found] = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name]
    assert found.end_lineno is not None
    return found.end_lineno - found.lineno + 1


def test_the_importer_runs_an_import_and_no_more() -> None:
    lines = len((PACKAGE / "store" / "importer.py").read_text(encoding="utf-8").splitlines())
    assert lines < 500, f"store/importer.py has {lines} lines: move a responsibility out"


def test_the_sync_engine_keeps_the_three_steps() -> None:
    lines = class_lines(PACKAGE / "sync" / "engine.py", "SyncEngine")
    assert lines < 400, f"SyncEngine has {lines} lines: move a responsibility out"
