"""The gateway to a sandbox, built as the desktop app builds it, for the tests of the Xero
boundary over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from xerologdesk.app import READ_TIMEOUT_ENV, open_app
from xerologdesk.sandbox import Sandbox
from xerologdesk.xero.gateway import XeroGateway


@pytest.fixture
def gateway(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> Iterator[XeroGateway]:
    """The gateway to the demo sandbox, built as the app builds it; a 1 s read timeout, so a
    held send is given up quickly."""
    monkeypatch.setenv(READ_TIMEOUT_ENV, "1")
    app = open_app(tmp_path / "data", log=False)
    try:
        app.connect_sandbox(sandbox.base_url)
        yield app.gateway()
    finally:
        app.close()
