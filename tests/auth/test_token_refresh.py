"""Keeping a connection alive: expiry on the sandbox clock, refresh, rotation, invalid_grant."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest

from tests.support.connections import (
    CLIENT_ID,
    ConnectFn,
    gateway_of,
    pkce_tokens,
    stored_tokens,
    token_url,
)
from xerologdesk.app import App
from xerologdesk.connection import endpoints_for, token_store
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import book
from xerologdesk.xero import oauth
from xerologdesk.xero.errors import AuthFailed

HALF_AN_HOUR_AND_A_MINUTE = 31 * 60


def test_an_expired_access_token_is_renewed_after_401(
    app: App, sandbox: Sandbox, connect: ConnectFn
) -> None:
    name = connect(sandbox)
    gateway = gateway_of(app)
    assert gateway.organisation().name == name
    before = stored_tokens(app)
    first_refresh = book.get_connection().last_refreshed_at  # type: ignore[union-attr]

    sandbox.clock.advance(HALF_AN_HOUR_AND_A_MINUTE)  # our clock still thinks it is valid
    assert gateway.organisation().name == name  # 401, refreshed, asked again

    after = stored_tokens(app)
    assert before is not None and after is not None
    assert after.refresh_token != before.refresh_token  # rotated and saved
    assert after.access_token != before.access_token
    refreshed = book.get_connection().last_refreshed_at  # type: ignore[union-attr]
    assert refreshed is not None and first_refresh is not None and refreshed >= first_refresh


def test_refreshed_ahead_of_expiry_without_a_401(
    app: App, sandbox: Sandbox, connect: ConnectFn
) -> None:
    connect(sandbox)
    before = stored_tokens(app)
    assert before is not None
    refreshed: list[datetime] = []
    tokens = pkce_tokens(app, sandbox, clock=sandbox.clock.timestamp, on_refreshed=refreshed.append)
    assert tokens.token()["access_token"] == before.access_token
    sandbox.clock.advance(29 * 60)  # within two minutes of expiry
    renewed = tokens.token()
    assert renewed["access_token"] != before.access_token
    assert len(refreshed) == 1
    assert tokens.token()["access_token"] == renewed["access_token"]  # no second refresh


def test_rotation_old_refresh_token_works_for_30_minutes_then_not(
    app: App, sandbox: Sandbox, connect: ConnectFn
) -> None:
    connect(sandbox)
    original = stored_tokens(app)
    assert original is not None
    tokens = pkce_tokens(app, sandbox)
    tokens.renew(original.access_token)
    rotated = stored_tokens(app)
    assert rotated is not None and rotated.refresh_token != original.refresh_token

    now = time.time()
    # Within the grace period the spent refresh token still answers.
    oauth.refresh(token_url(sandbox), CLIENT_ID, original.refresh_token, now)
    sandbox.clock.advance(HALF_AN_HOUR_AND_A_MINUTE)
    with pytest.raises(AuthFailed) as raised:
        oauth.refresh(token_url(sandbox), CLIENT_ID, original.refresh_token, now)
    assert raised.value.reconnect
    assert "invalid_grant" in str(raised.value) and "Reconnect to Xero" in str(raised.value)

    # The connection itself lives on with the rotated token.
    assert gateway_of(app).organisation().name


def test_invalid_grant_means_reconnect(app: App, sandbox: Sandbox, connect: ConnectFn) -> None:
    connect(sandbox)
    stored = stored_tokens(app)
    assert stored is not None
    # The user removes the app at Xero: the grant is revoked behind the app's back.
    oauth.revoke(endpoints_for(book.get_connection()), CLIENT_ID, stored.refresh_token)  # type: ignore[arg-type]
    sandbox.clock.advance(HALF_AN_HOUR_AND_A_MINUTE)
    with pytest.raises(AuthFailed) as raised:
        gateway_of(app).organisation()
    assert raised.value.reconnect
    assert "Reconnect to Xero" in str(raised.value)

    # Reconnecting makes it work again.
    name = connect(sandbox)
    assert gateway_of(app).organisation().name == name


def test_missing_tokens_mean_reconnect(app: App, sandbox: Sandbox, connect: ConnectFn) -> None:
    connect(sandbox)
    token_store(app).delete(f"xero:{CLIENT_ID}")
    with pytest.raises(AuthFailed, match="missing from the file") as raised:
        gateway_of(app).organisation()
    assert raised.value.reconnect


def test_threads_renewing_one_token_refresh_once(
    app: App, sandbox: Sandbox, connect: ConnectFn
) -> None:
    connect(sandbox)
    stored = stored_tokens(app)
    assert stored is not None
    refreshed: list[datetime] = []
    tokens = pkce_tokens(app, sandbox, on_refreshed=refreshed.append)
    start = threading.Barrier(6)
    answers: list[str] = []

    def renew() -> None:
        start.wait()
        answers.append(tokens.renew(stored.access_token)["access_token"])

    threads = [threading.Thread(target=renew) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(refreshed) == 1
    assert len(set(answers)) == 1 and answers[0] != stored.access_token


def test_token_holders_never_show_tokens(app: App, sandbox: Sandbox, connect: ConnectFn) -> None:
    connect(sandbox)
    stored = stored_tokens(app)
    assert stored is not None
    tokens = pkce_tokens(app, sandbox)
    tokens.token()
    for shown in (repr(tokens), str(tokens), repr(stored), str(stored)):
        assert stored.access_token not in shown and stored.refresh_token not in shown
