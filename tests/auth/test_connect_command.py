"""``xerologdesk connect --client-id``, ``status`` and ``disconnect``, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.browser import ALL, Browser
from tests.support.processes import REPO
from xerologdesk.sandbox import Sandbox
from xerologdesk.xero.oauth import LEGACY_SCOPES
from xerologdesk.xero.tokens import TOKEN_STORE_ENV


def xerologdesk(data_dir: Path, *arguments: str) -> subprocess.Popen[str]:
    environment = {**os.environ, TOKEN_STORE_ENV: "file", "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "xerologdesk", "--data-dir", str(data_dir), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def run(data_dir: Path, *arguments: str) -> tuple[int, str, str]:
    process = xerologdesk(data_dir, *arguments)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def connect(
    data_dir: Path, sandbox: Sandbox, browser: Browser, *extra: str
) -> tuple[int, str, str]:
    process = xerologdesk(
        data_dir,
        "connect",
        "--client-id",
        "CLI-CLIENT",
        "--no-browser",
        "--port",
        "0",
        "--xero-url",
        sandbox.base_url,
        *extra,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()  # the address alone on the first line
    assert url.startswith(sandbox.base_url + "/identity/connect/authorize?")
    browser.open(url)
    out, err = process.communicate(timeout=60)
    browser.join()
    return process.returncode, out, err


def test_connect_status_disconnect(tmp_path: Path, sandbox: Sandbox) -> None:
    code, out, err = connect(tmp_path, sandbox, Browser())
    assert code == 0, err
    assert out.startswith("Connected to ")
    name = out.removeprefix("Connected to ").strip().removesuffix(".")

    code, out, err = run(tmp_path, "status")
    assert code == 0, err
    assert f"Connection: {name} (Xero at {sandbox.base_url})" in out
    assert "Last refreshed: " in out

    code, out, err = run(tmp_path, "disconnect")
    assert (code, out, err) == (0, f"Disconnected from {name}.\n", "")
    assert "Connection: not connected" in run(tmp_path, "status")[1]


def test_several_organisations_need_a_tenant(tmp_path: Path, sandbox: Sandbox) -> None:
    sandbox.add_tenant("Harbour Wholesale Ltd")
    code, out, err = connect(tmp_path, sandbox, Browser(tenants=ALL))
    assert code == 2 and out == ""
    assert "You allowed access to 2 organisations" in err and "--tenant NAME_OR_ID" in err

    code, out, err = connect(
        tmp_path, sandbox, Browser(tenants=ALL), "--tenant", "Harbour Wholesale Ltd"
    )
    assert (code, out) == (0, "Connected to Harbour Wholesale Ltd.\n"), err


def test_denied_consent_exits_with_the_reason(tmp_path: Path, sandbox: Sandbox) -> None:
    code, out, err = connect(tmp_path, sandbox, Browser(decision="cancel"))
    assert code == 2 and out == ""
    assert err.strip().endswith(
        "Access was not allowed on Xero's page (access_denied). Nothing was connected."
    )
    assert "Connection: not connected" in run(tmp_path, "status")[1]


def test_older_apps_ask_for_the_broad_scopes(tmp_path: Path, sandbox: Sandbox) -> None:
    code, out, err = run(tmp_path, "settings", "legacy_scopes", "on")
    assert (code, out) == (0, "legacy_scopes = on\n"), err
    browser = Browser()
    code, out, err = connect(tmp_path, sandbox, browser)
    assert (code, out) == (0, "Connected to Harbourside Wholesale.\n"), err
    assert browser.visit.form is not None
    assert browser.visit.form.hidden["scope"] == LEGACY_SCOPES
