"""``xerologdesk sandbox``: prints its base URL first, serves, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import urllib3

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_prints_its_url_first_and_stops_on_sigterm(tmp_path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    state = tmp_path / "state.json"
    command = [
        sys.executable,
        "-m",
        "xerologdesk",
        "sandbox",
        "--port",
        "0",
        "--seed",
        "empty",
        "--state",
        str(state),
        "--minute-limit",
        "0",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        response = urllib3.PoolManager(retries=False).request("GET", url + "/_sandbox/state")
        assert response.status == 200
        body = json.loads(response.data)
        assert body["organisation"]["Name"] == "Sandbox Organisation"
        assert body["limits"]["minute"] == 0
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert state.exists()


def test_a_host_that_is_not_loopback_is_refused() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "xerologdesk", "sandbox", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert result.returncode == 1
    assert "listens on loopback only" in result.stderr
    assert result.stdout == ""
