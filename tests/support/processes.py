"""The real ``xerologdesk`` command in a process of its own, running this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def child_environment(**extra: str) -> dict[str, str]:
    """The environment of a ``python -m xerologdesk`` child: this checkout first on the path."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


def start_command(data_dir: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """``python -m xerologdesk --data-dir DIR ARGS...`` in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "xerologdesk", "--data-dir", str(data_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_environment(**env),
        cwd=REPO,
    )
