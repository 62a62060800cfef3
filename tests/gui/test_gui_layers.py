"""The desktop layer talks to Xero only through the app's own modules, never xero-python."""

from __future__ import annotations

import ast
from pathlib import Path

import xerologdesk.ui


def test_the_ui_never_imports_xero_python() -> None:
    package = Path(xerologdesk.ui.__file__).parent
    offenders = []
    for source in sorted(package.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{source.name}: {n}" for n in names if n.split(".")[0] == "xero_python"]
    assert offenders == []
