"""Connecting to the sandbox through the real OAuth flow, and looking at the tokens it left:
shared by the OAuth tests and the window's sign-in tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xerologdesk.app import App
from xerologdesk.connection import connect_xero, endpoints_for, lock_path, token_store, tokens_for
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import book
from xerologdesk.xero.client import XeroClient
from xerologdesk.xero.gateway import XeroGateway
from xerologdesk.xero.oauth import TokenSet
from xerologdesk.xero.tokens import TOKEN_FILE, FileTokenStore, PkceTokens, account_for

CLIENT_ID = "XLD-TEST-CLIENT"

# The ``connect`` fixture: connects to a sandbox (a test browser giving consent), gives its name.
ConnectFn = Callable[..., str]


def stored_tokens(app: App, client_id: str = CLIENT_ID) -> TokenSet | None:
    """The tokens the file store holds for ``client_id`` (tests use the file store)."""
    return FileTokenStore(app.data_dir / TOKEN_FILE).load(account_for(client_id))


def token_url(sandbox: Sandbox) -> str:
    """The sandbox's token endpoint (refreshes go there)."""
    return sandbox.base_url.rstrip("/") + "/connect/token"


def pkce_tokens(app: App, sandbox: Sandbox, **options: Any) -> PkceTokens:
    """A token source of its own over the tokens ``app`` stored for its sandbox connection,
    sharing the app's store and refresh lock; ``options`` (``clock``, ``on_refreshed``) go to
    :class:`PkceTokens`."""
    return PkceTokens(token_store(app), lock_path(app), token_url(sandbox), CLIENT_ID, **options)


def gateway_of(app: App) -> XeroGateway:
    """A gateway to the stored connection, built the way the app builds it."""
    connection = book.get_connection()
    assert connection is not None
    tokens = tokens_for(app, connection)
    return XeroGateway(XeroClient(endpoints_for(connection), connection.tenant_id, tokens))


def connect_to_sandbox(
    app: App,
    sandbox: Sandbox,
    print_url: Callable[[str], Any],
    *,
    timeout: float = 30,
    tenant: str | None = None,
    **extra: Any,
) -> str:
    """``connect_xero`` as the command line runs it with ``--no-browser`` against the sandbox:
    the authorize address goes to ``print_url`` (a test browser, or a list)."""
    return connect_xero(
        app,
        CLIENT_ID,
        port=0,
        open_browser=False,
        xero_url=sandbox.base_url,
        tenant=tenant,
        print_url=print_url,
        timeout=timeout,
        **extra,
    )
