"""Tokens and codes never reach the database, the log file, the console or error messages."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import Browser
from tests.support.connections import CLIENT_ID, connect_to_sandbox, gateway_of, stored_tokens
from xerologdesk.app import App, open_app
from xerologdesk.connection import disconnect
from xerologdesk.sandbox import Sandbox
from xerologdesk.xero import oauth
from xerologdesk.xero.errors import AuthFailed
from xerologdesk.xero.tokens import LOCK_FILE, TOKEN_FILE


@pytest.fixture
def logged_app(tmp_path: Path) -> Iterator[App]:
    """An app writing its real log file, our loggers at DEBUG."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    opened = open_app(tmp_path / "logged", log=True)
    logging.getLogger("xerologdesk").setLevel(logging.DEBUG)
    yield opened
    opened.close()
    logging.getLogger("xerologdesk").setLevel(logging.NOTSET)
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_no_token_anywhere_it_should_not_be(
    logged_app: App, sandbox: Sandbox, capfd: pytest.CaptureFixture[str]
) -> None:
    app = logged_app
    secrets: set[str] = set()
    messages: list[str] = []

    browser = Browser()
    connect_to_sandbox(
        app,
        sandbox,
        browser.open,
        timeout=30,
    )
    browser.join()
    secrets.update(parse_qs(urlsplit(browser.visit.location).query)["code"])
    first = stored_tokens(app)
    assert first is not None
    secrets.update({first.access_token, first.refresh_token})

    gateway = gateway_of(app)
    gateway.organisation()
    sandbox.clock.advance(31 * 60)
    gateway.organisation()  # 401, refresh, rotation
    second = stored_tokens(app)
    assert second is not None
    secrets.update({second.access_token, second.refresh_token})
    messages += [repr(gateway.client.tokens), repr(second)]

    # A dead connection (revoked at Xero): its error, its causes and their reprs.
    sandbox.clock.advance(31 * 60)
    oauth.revoke(gateway.client.endpoints, CLIENT_ID, second.refresh_token)
    with pytest.raises(AuthFailed) as raised:
        gateway.organisation()
    error: BaseException | None = raised.value
    while error is not None:
        messages += [str(error), repr(error)]
        error = error.__cause__ or error.__context__
    result = disconnect(app)
    assert result is not None
    messages += list(result.warnings)

    out, err = capfd.readouterr()
    files = [
        path
        for path in app.data_dir.rglob("*")
        if path.is_file() and path.name not in (TOKEN_FILE, LOCK_FILE)
    ]
    assert any(path.suffix == ".db" for path in files)
    assert any(path.name == "xerologdesk.log" for path in files)
    assert len(secrets) == 5 and all(len(secret) >= 20 for secret in secrets)
    for secret in secrets:
        assert secret not in out and secret not in err
        assert not any(secret in message for message in messages)
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"a token leaked into {path.name}"
