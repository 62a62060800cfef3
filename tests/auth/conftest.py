"""Set-up for the OAuth tests: an app on a fresh data directory, tokens never in a real keyring."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.auth.browser import Browser
from xerologdesk.app import App, open_app
from xerologdesk.connection import connect_xero
from xerologdesk.sandbox import Sandbox
from xerologdesk.xero.tokens import TOKEN_STORE_ENV

CLIENT_ID = "XLD-TEST-CLIENT"


@pytest.fixture(autouse=True)
def file_token_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens go to the data directory's file: never the developer's keyring."""
    monkeypatch.setenv(TOKEN_STORE_ENV, "file")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    opened = open_app(tmp_path / "data", log=False)
    yield opened
    opened.close()


ConnectFn = Callable[..., str]


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
