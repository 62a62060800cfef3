"""Set-up for the OAuth tests: an app on a fresh data directory, tokens never in a real keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import Browser
from tests.support.connections import CLIENT_ID, ConnectFn
from xerologdesk.app import App, open_app
from xerologdesk.connection import connect_xero
from xerologdesk.sandbox import Sandbox


@pytest.fixture(autouse=True)
def tokens_in_a_file(file_token_store: None) -> None:
    """Every OAuth test keeps its tokens in the data directory's file."""


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    opened = open_app(tmp_path / "data", log=False)
    yield opened
    opened.close()


@pytest.fixture
def connect(app: App) -> ConnectFn:
    """Connect ``app`` to a sandbox through the real flow, a test browser giving consent."""

    def run(sandbox: Sandbox, browser: Browser | None = None, **options: object) -> str:
        browser = browser or Browser()
        options.setdefault("port", 0)
        options.setdefault("timeout", 30)
        name = connect_xero(
            app,
            CLIENT_ID,
            open_browser=False,
            xero_url=sandbox.base_url,
            print_url=browser.open,
            **options,  # type: ignore[arg-type]
        )
        browser.join()
        return name

    return run
