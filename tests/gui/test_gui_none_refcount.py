"""A long session makes millions of Qt calls that return nothing; none may crash the app."""

import subprocess
import sys

SCRIPT = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import xerologdesk.ui  # noqa: F401  (the workaround is applied on import)
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for _ in range(200_000):
    label.setObjectName("x")
    app.processEvents()
print("still alive")
"""


def test_many_calls_returning_nothing_do_not_free_none() -> None:
    # In a child process: without the workaround the interpreter aborts.
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "still alive"
