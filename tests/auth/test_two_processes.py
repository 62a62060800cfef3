"""Two app processes refreshing one connection at once must not break it.

Xero rotates the refresh token on every use, so two processes refreshing with the same token would
each save a different successor. The token lock is held across processes and the stored tokens
are re-read once it is taken: the second process finds the first one's fresh token and uses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.connections import ConnectFn, gateway_of, stored_tokens
from tests.support.processes import REPO
from xerologdesk.app import App
from xerologdesk.connection import lock_path
from xerologdesk.sandbox import Sandbox
from xerologdesk.xero.tokens import TOKEN_STORE_ENV, interprocess_lock

CHILD = Path(__file__).with_name("refresh_child.py")


def test_two_processes_refreshing_at_once_keep_the_connection(
    app: App, sandbox: Sandbox, connect: ConnectFn
) -> None:
    name = connect(sandbox)
    before = stored_tokens(app)
    assert before is not None
    environment = {**os.environ, TOKEN_STORE_ENV: "file", "PYTHONPATH": str(REPO)}

    children = [
        subprocess.Popen(
            [sys.executable, str(CHILD), str(app.data_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for _ in range(2)
    ]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    # Both set off at once, finding the lock taken; it is released once both were told to go.
    with interprocess_lock(lock_path(app)):
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
    results = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    # One refresh between them; the other process took the rotated token it found stored.
    assert sorted(result["refreshes"] for result in results) == [0, 1]
    assert results[0]["access"] == results[1]["access"]
    assert all(result["org"] == name for result in results)
    after = stored_tokens(app)
    assert after is not None and after.refresh_token != before.refresh_token

    # The connection still works from here, including its next refresh.
    sandbox.clock.advance(31 * 60)
    assert gateway_of(app).organisation().name == name
