"""``xerologdesk --smoke-test``: does this installation (or bundle) work at all?

Opens the main window offscreen on a temporary data directory with the embedded sandbox, waits
for the demo orders to import and sync, checks the database, the sandbox and the table, prints
what it checked and exits 0 (2 on any failure). For packagers and CI, not for users.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.request

SMOKE_TIMEOUT_SECONDS = 90


def smoke_test() -> int:
    """Run the checks; the exit status."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication

    from xerologdesk.store import queries
    from xerologdesk.store.db import schema_version
    from xerologdesk.store.vocabulary import Status
    from xerologdesk.ui.launch import application, start

    qt_app = application()
    with tempfile.TemporaryDirectory(prefix="xerologdesk-smoke-") as data_dir:
        started = start(argparse.Namespace(sandbox=True, data_dir=data_dir), log_to_file=False)
        try:
            deadline = time.monotonic() + SMOKE_TIMEOUT_SECONDS
            counts = queries.status_counts()
            while time.monotonic() < deadline:
                QCoreApplication.processEvents()
                counts = queries.status_counts()
                if sum(counts.values()) and not counts[Status.PENDING]:
                    break
                time.sleep(0.05)  # a polling loop in a command, not a test
            sandbox = started.desktop.sandbox
            problems = []
            if not sum(counts.values()):
                problems.append("the demo orders were not imported")
            if counts[Status.PENDING] or not counts[Status.SUCCEEDED]:
                problems.append(f"the demo orders did not sync: {counts}")
            if sandbox is None:
                problems.append("the embedded sandbox did not start")
            else:
                with urllib.request.urlopen(sandbox.base_url + "/_sandbox/state") as answer:
                    if answer.status != 200:
                        problems.append(f"the sandbox answered {answer.status}")
            if not started.window.isVisible() or started.window.model.rowCount() == 0:
                problems.append("the main window shows no orders")
            print(
                f"database schema v{schema_version()}; sandbox at "
                f"{sandbox.base_url if sandbox else '-'}; orders: "
                + ", ".join(f"{count} {status}" for status, count in counts.items())
            )
        finally:
            started.shutdown()
            del qt_app
    for problem in problems:
        print(f"smoke test: {problem}", file=sys.stderr)
    print("smoke test passed" if not problems else "smoke test FAILED")
    return 0 if not problems else 2
