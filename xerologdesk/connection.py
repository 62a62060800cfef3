"""Connecting the app to a Xero organisation, disconnecting it, and the tokens of a connection.

Qt-free: the ``connect``/``disconnect`` commands and the settings dialog's Connection page both
call these. Connecting to real Xero (or to a sandbox through ``xero_url``, which serves login,
identity and API on one base URL) runs the PKCE flow of :mod:`xerologdesk.xero.oauth` in two
steps, so a dialog can let the user pick an organisation in between:

1. :func:`authorize` -- browser, callback, code exchange, the organisations the user allowed;
2. :func:`finish` (or :func:`abandon`) -- store the chosen connection, or revoke the grant.

:func:`connect_xero` runs both for the command line. Nothing is stored until the very end of
:func:`finish`; tokens go to the token store (never the database) before the connection row does.

The desktop reaches the xero layer only through this module (tests/test_layers.py), so the names
it needs of it (the sign-in's defaults and failures, an allowed organisation) are re-exported
here (``import X as X``).
"""

from __future__ import annotations

import logging
import threading
import time
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from xerologdesk.store import book
from xerologdesk.store.book import ConnectionData
from xerologdesk.xero import oauth
from xerologdesk.xero.auth import ClientCredentialsTokens
from xerologdesk.xero.client import XERO, Endpoints, TokenSource, XeroClient
from xerologdesk.xero.errors import XeroError
from xerologdesk.xero.gateway import XeroGateway
from xerologdesk.xero.oauth import AUTHORIZE_TIMEOUT_SECONDS as AUTHORIZE_TIMEOUT_SECONDS
from xerologdesk.xero.oauth import DEFAULT_PORT as DEFAULT_PORT
from xerologdesk.xero.oauth import CallbackListener, Pkce, TokenSet
from xerologdesk.xero.oauth import ConnectFailed as ConnectFailed
from xerologdesk.xero.records import XeroConnection as XeroConnection
from xerologdesk.xero.tokens import (
    LOCK_FILE,
    MemoryTokenStore,
    PkceTokens,
    TokenStore,
    account_for,
    interprocess_lock,
    open_token_store,
)
from xerologdesk.xero.tokens import TokenStoreError as TokenStoreError

if TYPE_CHECKING:
    from xerologdesk.settings import Settings


class Desk(Protocol):
    """What connecting needs of the app: where its data lives and its settings (the
    composition root, :class:`xerologdesk.app.App`, is one; this module never imports it)."""

    @property
    def data_dir(self) -> Path: ...

    @property
    def settings(self) -> Settings: ...


log = logging.getLogger(__name__)


# -- where things are ----------------------------------------------------------------------------


def endpoints_for(connection: ConnectionData) -> Endpoints:
    """Xero's endpoints for a stored connection: real Xero, or one base URL (a sandbox)."""
    if connection.kind == "xero" and connection.base_url.rstrip("/") == XERO.identity_url:
        return XERO
    return Endpoints.at(connection.base_url)


def sign_in_url(connection: ConnectionData) -> str | None:
    """Where a stored connection signs in again: None for real Xero, else its base URL (one
    made with ``connect --xero-url``, a sandbox, which real Xero would not know)."""
    return None if endpoints_for(connection) is XERO else connection.base_url


def _setting(app: Desk, key: str, default: Any) -> Any:
    """A setting's value, or ``default`` while the setting is not declared."""
    if key not in {declaration.key for declaration in app.settings.declarations()}:
        return default
    return app.settings.get(key)


def token_store(app: Desk) -> TokenStore:
    """Where this app keeps tokens (keyring, or the file when chosen); :class:`NoKeyring` when
    the keyring is wanted and there is none."""
    return open_token_store(app.data_dir, str(_setting(app, "token_store", "keyring")))


def lock_path(app: Desk) -> Path:
    """The file every process using this data directory locks while refreshing tokens."""
    return Path(app.data_dir) / LOCK_FILE


def tokens_for(app: Desk, connection: ConnectionData) -> TokenSource:
    """The token source of a stored connection: client credentials for the sandbox's demo
    connection, stored PKCE tokens (refreshed under the cross-process lock) for Xero."""
    endpoints = endpoints_for(connection)
    if connection.kind == "sandbox":
        return ClientCredentialsTokens(endpoints.token_url, connection.client_id)
    return PkceTokens(
        token_store(app),
        lock_path(app),
        endpoints.token_url,
        connection.client_id,
        on_refreshed=book.mark_connection_refreshed,
    )


# -- connecting ----------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Authorized:
    """A finished consent not stored yet: fresh tokens and the organisations the user allowed."""

    endpoints: Endpoints
    base_url: str
    client_id: str
    tokens: TokenSet
    connections: tuple[XeroConnection, ...]

    def __repr__(self) -> str:
        names = ", ".join(each.tenant_name for each in self.connections)
        return f"Authorized(client_id={self.client_id!r}, organisations=[{names}])"


def _open_browser(url: str) -> bool:
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def authorize(
    app: Desk,
    client_id: str,
    *,
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    xero_url: str | None = None,
    print_url: Callable[[str], None] = print,
    timeout: float = AUTHORIZE_TIMEOUT_SECONDS,
    cancel: threading.Event | None = None,
    browser: Callable[[str], bool] = _open_browser,
) -> Authorized:
    """Send the user to Xero's consent page and come back with tokens and organisations.

    With ``open_browser`` the system browser opens the page (``print_url`` gets it only if no
    browser would open); otherwise ``print_url`` gets it. Raises :class:`ConnectFailed` for a
    cancel (``cancel`` set), a denied consent, a wrong ``state`` or a timeout; nothing is stored.
    """
    client_id = client_id.strip()
    if not client_id or any(character.isspace() for character in client_id):
        raise ConnectFailed(
            "A Xero app's client id is needed: create an app of type 'Auth Code with PKCE' at "
            "developer.xero.com and copy its client id."
        )
    # Fail before the browser step if the tokens would have nowhere safe to go.
    token_store(app)
    base_url = (xero_url or XERO.identity_url).rstrip("/")
    endpoints = Endpoints.at(base_url) if xero_url else XERO
    pkce = Pkce.new()
    state = oauth.new_state()
    scope = oauth.scopes(legacy=bool(_setting(app, "legacy_scopes", False)))
    with CallbackListener(state, port) as listener:
        url = oauth.authorize_url(
            endpoints, client_id, listener.redirect_uri, scope, state, pkce.challenge
        )
        if not (open_browser and browser(url)):
            print_url(url)
        code = listener.wait(timeout, cancel)
        tokens = oauth.exchange_code(
            endpoints, client_id, code, listener.redirect_uri, pkce.verifier, time.time()
        )
    try:
        connections = _connections(app, endpoints, client_id, tokens)
    except BaseException:
        _revoke_quietly(endpoints, client_id, tokens.refresh_token)
        raise
    return Authorized(endpoints, base_url, client_id, tokens, connections)


def _held(app: Desk, endpoints: Endpoints, client_id: str, tokens: TokenSet) -> PkceTokens:
    """A token source over tokens held in memory only (a connection not stored yet)."""
    store = MemoryTokenStore()
    store.save(account_for(client_id), tokens)
    return PkceTokens(store, lock_path(app), endpoints.token_url, client_id)


def _connections(
    app: Desk, endpoints: Endpoints, client_id: str, tokens: TokenSet
) -> tuple[XeroConnection, ...]:
    """The organisations this grant reaches (``GET /connections``)."""
    client = XeroClient(endpoints, "", _held(app, endpoints, client_id, tokens))
    try:
        return tuple(XeroGateway(client).connections())
    finally:
        client.close()


def choose_connection(connections: Sequence[XeroConnection], tenant: str | None) -> XeroConnection:
    """The organisation to use: the only one, or the one ``tenant`` names (its name or id).

    Raises :class:`ConnectFailed` listing the organisations when that is not clear.
    """
    if not connections:
        raise ConnectFailed(
            "No organisation was connected: tick one on Xero's page, then connect again."
        )
    listing = "; ".join(f'"{each.tenant_name}" (id {each.tenant_id})' for each in connections)
    if tenant is None or not tenant.strip():
        if len(connections) == 1:
            return connections[0]
        raise ConnectFailed(
            f"You allowed access to {len(connections)} organisations: {listing}. Connect again "
            "and name the one to use with --tenant NAME_OR_ID."
        )
    wanted = tenant.strip().casefold()
    by_id = [each for each in connections if each.tenant_id.casefold() == wanted]
    by_name = [each for each in connections if each.tenant_name.strip().casefold() == wanted]
    found = by_id or by_name
    if len(found) == 1:
        return found[0]
    if found:
        raise ConnectFailed(
            f'More than one organisation is called "{tenant.strip()}": {listing}. '
            "Name the one to use by its id with --tenant ID."
        )
    raise ConnectFailed(
        f'None of the organisations you allowed is "{tenant.strip()}": {listing}. '
        "Nothing was connected."
    )


def finish(app: Desk, authorized: Authorized, chosen: XeroConnection) -> str:
    """Store ``chosen`` as the app's connection; the organisation's name.

    One API call first proves the organisation answers. The tokens are saved (under the refresh
    lock, so no other process's refresh can overwrite them) before the connection row that
    points at them; if anything fails the grant is revoked and nothing stays stored.
    """
    endpoints, client_id = authorized.endpoints, authorized.client_id
    held = _held(app, endpoints, client_id, authorized.tokens)
    store = token_store(app)
    account = account_for(client_id)
    saved = False
    try:
        client = XeroClient(endpoints, chosen.tenant_id, held)
        try:
            name = XeroGateway(client).organisation().name or chosen.tenant_name
        finally:
            client.close()
        latest = held.store.load(account) or authorized.tokens
        previous = book.get_connection()
        with interprocess_lock(lock_path(app)):
            store.save(account, latest)
            saved = True
        if previous is not None and previous.kind == "xero" and previous.client_id != client_id:
            store.delete(account_for(previous.client_id))
        now = datetime.now(UTC)
        book.save_connection(
            kind="xero",
            base_url=authorized.base_url,
            tenant_id=chosen.tenant_id,
            tenant_name=name,
            connection_id=chosen.connection_id,
            client_id=client_id,
            at=now,
        )
        book.mark_connection_refreshed(now)
    except BaseException:
        if saved:
            store.delete(account)
        spent = held.store.load(account) or authorized.tokens
        _revoke_quietly(endpoints, client_id, spent.refresh_token)
        raise
    log.info("connected to Xero organisation %s", chosen.tenant_id)
    return name


def connect_xero(
    app: Desk,
    client_id: str,
    *,
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    xero_url: str | None = None,
    tenant: str | None = None,
    print_url: Callable[[str], None] = print,
    timeout: float = AUTHORIZE_TIMEOUT_SECONDS,
    cancel: threading.Event | None = None,
    browser: Callable[[str], bool] = _open_browser,
) -> str:
    """The whole flow for the command line: authorize, pick ``tenant`` (needed when several
    organisations were allowed), store; the organisation's name. See :func:`authorize`."""
    authorized = authorize(
        app,
        client_id,
        port=port,
        open_browser=open_browser,
        xero_url=xero_url,
        print_url=print_url,
        timeout=timeout,
        cancel=cancel,
        browser=browser,
    )
    try:
        chosen = choose_connection(authorized.connections, tenant)
    except BaseException:
        abandon(authorized)
        raise
    return finish(app, authorized, chosen)


def abandon(authorized: Authorized) -> None:
    """Give the grant back to Xero (revoke it) when the user picks no organisation."""
    _revoke_quietly(authorized.endpoints, authorized.client_id, authorized.tokens.refresh_token)


def _revoke_quietly(endpoints: Endpoints, client_id: str, refresh_token: str) -> None:
    try:
        oauth.revoke(endpoints, client_id, refresh_token)
    except XeroError as error:
        log.warning("could not revoke an unused Xero grant: %s", error)


# -- disconnecting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disconnected:
    """What disconnecting did: the organisation left, and anything that could not be done."""

    tenant_name: str
    warnings: tuple[str, ...] = ()


def disconnect(app: Desk) -> Disconnected | None:
    """Forget the stored connection; ``None`` when there was none.

    For Xero: remove the connection at Xero (``DELETE /connections/{id}``), revoke the refresh
    token and delete the stored tokens. Trouble at Xero (offline, tokens already dead) does not
    keep the app connected: it is reported in ``warnings`` and the local state is cleared anyway.
    """
    connection = book.get_connection()
    if connection is None:
        return None
    warnings: list[str] = []
    if connection.kind == "xero":
        warnings.extend(_disconnect_at_xero(app, connection))
    book.clear_connection()
    log.info("disconnected from organisation %s", connection.tenant_id)
    return Disconnected(connection.tenant_name, tuple(warnings))


def _disconnect_at_xero(app: Desk, connection: ConnectionData) -> list[str]:
    endpoints = endpoints_for(connection)
    account = account_for(connection.client_id)
    unremoved = (
        "Remove it at Xero yourself if it is still listed: Settings, Connected apps, in Xero."
    )
    try:
        store = token_store(app)
        stored = store.load(account)
    except TokenStoreError as error:
        return [f"The stored tokens could not be reached ({error}). {unremoved}"]
    if stored is None:
        return [f"No stored tokens were found for this connection. {unremoved}"]
    warnings: list[str] = []
    tokens = PkceTokens(store, lock_path(app), endpoints.token_url, connection.client_id)
    client = XeroClient(endpoints, connection.tenant_id, tokens)
    try:
        oauth.remove_connection(client, connection.connection_id)
    except XeroError as error:
        warnings.append(f"Xero did not remove the connection ({error}). {unremoved}")
    finally:
        client.close()
    latest = store.load(account) or stored  # the DELETE may have refreshed (rotated) them
    try:
        oauth.revoke(endpoints, connection.client_id, latest.refresh_token)
    except XeroError as error:
        warnings.append(f"Xero did not revoke the sign-in ({error}).")
    store.delete(account)
    return warnings
