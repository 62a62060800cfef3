"""Disconnecting: the connection removed at Xero, the grant revoked, nothing left behind."""

from __future__ import annotations

import pytest

from tests.support.connections import CLIENT_ID, ConnectFn, gateway_of, stored_tokens
from xerologdesk.app import App
from xerologdesk.connection import Disconnected, disconnect, endpoints_for, tokens_for
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import book
from xerologdesk.xero import oauth
from xerologdesk.xero.client import XeroClient
from xerologdesk.xero.errors import AuthFailed


def test_disconnect_removes_everything(app: App, sandbox: Sandbox, connect: ConnectFn) -> None:
    name = connect(sandbox)
    connection = book.get_connection()
    stored = stored_tokens(app)
    assert connection is not None and stored is not None

    assert disconnect(app) == Disconnected(name, ())

    calls = sandbox.state()["calls"]
    assert calls["DELETE /connections"] == 1  # the connection removed at Xero
    assert calls["POST /connect/revocation"] == 1  # and the grant revoked
    assert book.get_connection() is None
    assert stored_tokens(app) is None
    # The grant is revoked at Xero: its refresh token is refused from now on.
    with pytest.raises(AuthFailed, match="invalid_grant"):
        oauth.refresh(endpoints_for(connection).token_url, CLIENT_ID, stored.refresh_token, 0.0)
    assert disconnect(app) is None  # nothing left to disconnect


def test_remove_connection_deletes_it_at_xero(
    app: App, sandbox: Sandbox, connect: ConnectFn
) -> None:
    connect(sandbox)
    connection = book.get_connection()
    assert connection is not None
    client = XeroClient(
        endpoints_for(connection), connection.tenant_id, tokens_for(app, connection)
    )
    gateway = gateway_of(app)
    assert [each.connection_id for each in gateway.connections()] == [connection.connection_id]

    oauth.remove_connection(client, connection.connection_id)

    assert gateway.connections() == []
    with pytest.raises(AuthFailed, match="it may have been disconnected"):
        gateway.organisation()  # 403 for an organisation no longer connected
    client.close()


def test_disconnect_with_dead_tokens_still_forgets_the_connection(
    app: App, sandbox: Sandbox, connect: ConnectFn
) -> None:
    name = connect(sandbox)
    connection = book.get_connection()
    stored = stored_tokens(app)
    assert connection is not None and stored is not None
    oauth.revoke(endpoints_for(connection), CLIENT_ID, stored.refresh_token)  # revoked at Xero
    sandbox.clock.advance(31 * 60)

    result = disconnect(app)

    assert result is not None and result.tenant_name == name
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("Xero did not remove the connection (")
    assert "Connected apps" in result.warnings[0]
    assert book.get_connection() is None and stored_tokens(app) is None


def test_disconnect_the_sandbox_demo_connection(app: App, sandbox: Sandbox) -> None:
    book.save_connection(
        kind="sandbox",
        base_url=sandbox.base_url,
        tenant_id=sandbox.primary_tenant_id,
        tenant_name="Demo",
        client_id="xerologdesk",
    )
    assert disconnect(app) == Disconnected("Demo", ())
    assert book.get_connection() is None
