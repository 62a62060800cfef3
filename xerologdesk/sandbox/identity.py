"""The sandbox's identity and OAuth 2.0 service: Xero's login, token and connections endpoints.

Served on the sandbox's one host, as ``--xero-url`` expects:

- ``GET /identity/connect/authorize``: validates the request (PKCE S256 required) and shows a
  consent page; the page posts back to the same path, and *Allow access* connects the ticked
  organisations and redirects to ``redirect_uri`` with ``code``, ``scope``, ``state`` and
  ``session_state``; *Cancel* redirects with ``error=access_denied``. A bad request gets an error
  page (400) and is never redirected, since its ``redirect_uri`` is not trusted.
- ``POST /connect/token``: ``authorization_code`` (single use, 5 minutes, bound to client,
  redirect URI and PKCE challenge), ``refresh_token`` (rotates; a used refresh token keeps
  working for 30 minutes after its first use; refresh tokens live 60 days) and
  ``client_credentials`` (a custom connection to the primary organisation, any client id, no
  refresh token). Access tokens live 30 minutes. Errors are 400 ``{"error": ...}`` as Xero's.
- ``POST /connect/revocation``: revokes the grant behind a refresh token (its access and refresh
  tokens) and removes the app's connections; always 200, as RFC 7009 asks, even for a token the
  sandbox does not know.
- ``GET /connections`` and ``DELETE /connections/{id}`` (paths case-insensitive, as the SDK sends
  ``/Connections``).

Where Xero's behaviour is unknown the sandbox chooses, and says so where the rule lives. Tokens
are opaque random strings, stored only as digests and never logged. Everything is timed by the
:class:`SandboxClock` and guarded by one lock; the ``tenants`` and ``primary_tenant`` callbacks
are always called outside that lock, so they may take the sandbox's own locks.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from xerologdesk.sandbox import scopes
from xerologdesk.sandbox.clock import SandboxClock
from xerologdesk.sandbox.http import Request, Response, html_response, json_response, redirect
from xerologdesk.sandbox.identity_ledger import (
    AccessToken,
    AuthCode,
    Grant,
    IdentityLedger,
    RefreshToken,
)
from xerologdesk.sandbox.identity_wire import (
    NO_STORE,
    connection_json,
    forbidden,
    id_token,
    oauth_error,
    problem,
    unauthorized,
)
from xerologdesk.sandbox.oauth_pages import CONSENT_PATH, consent_page, error_page
from xerologdesk.sandbox.oauth_rules import (
    CUSTOM_CONNECTION_SCOPES,
    AuthorizeRequest,
    OAuthError,
    bearer_token,
    client_id_of,
    last_values,
    parse_form,
    pkce_matches,
    validate_authorize,
    with_query,
)

ACCESS_TOKEN_LIFETIME = timedelta(minutes=30)
REFRESH_TOKEN_LIFETIME = timedelta(days=60)
REFRESH_GRACE = timedelta(minutes=30)
CODE_LIFETIME = timedelta(minutes=5)
_PRUNE_EVERY = timedelta(minutes=1)

TOKEN_PATH = "/connect/token"
REVOCATION_PATH = "/connect/revocation"
CONNECTIONS_PATH = "/connections"


def _not_allowed(*methods: str) -> Response:
    return Response(status=405, headers={"Allow": ", ".join(methods)})


class IdentityService:
    """Xero's identity, OAuth 2.0 and connections endpoints over the sandbox's organisations."""

    def __init__(
        self,
        clock: SandboxClock,
        tenants: Callable[[], list[tuple[str, str]]],
        primary_tenant: Callable[[], str],
    ) -> None:
        self._clock = clock
        self._tenants = tenants
        self._primary_tenant = primary_tenant
        self._ledger = IdentityLedger()
        self._lock = threading.RLock()
        self._last_prune: datetime | None = None

    # Routing ---------------------------------------------------------------------------------

    def handles(self, path: str) -> bool:
        """True for the paths this service answers (case-insensitive, trailing slash ignored)."""
        lowered = path.rstrip("/").lower()
        if lowered in (CONSENT_PATH, TOKEN_PATH, REVOCATION_PATH, CONNECTIONS_PATH):
            return True
        head, _, connection_id = lowered.rpartition("/")
        return head == CONNECTIONS_PATH and bool(connection_id)

    def handle(self, request: Request) -> Response:
        """Answer one request to a path :meth:`handles` accepts."""
        lowered = request.path.rstrip("/").lower()
        if lowered == CONSENT_PATH:
            return self._authorize(request)
        if lowered == TOKEN_PATH:
            return self._token(request)
        if lowered == REVOCATION_PATH:
            return self._revocation(request)
        if lowered == CONNECTIONS_PATH:
            return self._list_connections(request)
        if self.handles(request.path):
            return self._delete_connection(request, request.path.rstrip("/").rpartition("/")[2])
        return json_response(404, {"Title": "Not Found", "Status": 404})

    # Access checks ---------------------------------------------------------------------------

    def check_access(
        self, request: Request, resource: str = ""
    ) -> tuple[str | None, Response | None]:
        """For an accounting call: ``(tenant_id, None)``, or ``(None, the 401/403 to send)``.

        The token must be live, its scopes must allow the call on ``resource`` (``contacts``,
        ...; see :mod:`~xerologdesk.sandbox.scopes`), and the ``xero-tenant-id`` header must name
        an organisation its app is connected to (GUIDs compared case-insensitively; the id is
        returned as the sandbox spells it). A client_credentials token may leave the header out
        or empty: it then means the organisation of its custom connection, as with Xero's custom
        connections.
        """
        known = {tenant_id for tenant_id, _ in self._tenants()}
        with self._lock:
            token, failure = self._authenticate(request)
            if token is None:
                return None, failure
            if not scopes.allows(token.scopes, request.method, resource):
                return None, scopes.not_allowed()
            connected = [
                connection.tenant_id
                for connection in self._ledger.connections_of(token.client_id, _is_custom(token))
                if connection.tenant_id in known
            ]
        wanted = (request.header("xero-tenant-id") or "").strip().lower()
        if not wanted:
            if _is_custom(token) and connected:
                return connected[0], None
            return None, forbidden()
        for tenant_id in connected:
            if tenant_id.lower() == wanted:
                return tenant_id, None
        return None, forbidden()

    def _authenticate(self, request: Request) -> tuple[AccessToken | None, Response | None]:
        """The live access token a request carries, or the 401 to answer (under the lock)."""
        now = self._clock.now()
        secret = bearer_token(request.header("authorization"))
        token = self._ledger.access_token(secret) if secret else None
        if token is None:
            return None, unauthorized(now, token_sent=secret is not None)
        grant = self._ledger.grants.get(token.grant_id) if token.grant_id else None
        ended = token.revoked or (grant.revoked if grant else None)
        if ended is not None:
            return None, unauthorized(ended, token_sent=True)
        if token.expires <= now:
            return None, unauthorized(token.expires, token_sent=True)
        return token, None

    # Connections -----------------------------------------------------------------------------

    def _list_connections(self, request: Request) -> Response:
        """``GET /connections``: the token's app's connections (``authEventId`` filters)."""
        if request.method != "GET":
            return _not_allowed("GET")
        names = dict(self._tenants())
        event = request.param("authEventId")
        with self._lock:
            token, failure = self._authenticate(request)
            if token is None:
                return failure or forbidden()
            listed = [
                connection_json(connection, names[connection.tenant_id])
                for connection in self._ledger.connections_of(token.client_id, _is_custom(token))
                if connection.tenant_id in names
                and (event is None or connection.auth_event_id.lower() == event.lower())
            ]
        return json_response(200, listed)

    def _delete_connection(self, request: Request, connection_id: str) -> Response:
        """``DELETE /connections/{id}``: disconnect one organisation from the token's app."""
        if request.method != "DELETE":
            return _not_allowed("DELETE")
        with self._lock:
            token, failure = self._authenticate(request)
            if token is None:
                return failure or forbidden()
            for connection in self._ledger.connections_of(token.client_id, _is_custom(token)):
                if connection.id.lower() == connection_id.lower():
                    self._ledger.disconnect(connection.id)
                    return Response(status=204)
        # Xero's body for an unknown connection is not documented; this is its problem shape.
        return problem(404, "Not Found", f"Connection {connection_id} was not found")

    # Authorize and consent -------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        """The authorize page (GET) and the consent form's answer (POST)."""
        if request.method not in ("GET", "POST"):
            return _not_allowed("GET", "POST")
        form = parse_form(request.body) if request.method == "POST" else dict(request.query)
        try:
            authorize = validate_authorize(last_values(form))
        except OAuthError as refusal:
            return html_response(400, error_page(refusal.error, refusal.description))
        tenants = list(self._tenants())
        if request.method == "GET":
            return html_response(200, consent_page(authorize, tenants))
        decision = last_values(form).get("decision")
        if decision == "cancel":
            return redirect(
                with_query(
                    authorize.redirect_uri, {"error": "access_denied", "state": authorize.state}
                )
            )
        if decision != "allow":
            return html_response(
                400, error_page("invalid_request", "Choose Allow access or Cancel.")
            )
        return self._allow(authorize, tenants, form.get("tenant", []))

    def _allow(
        self, authorize: AuthorizeRequest, tenants: list[tuple[str, str]], chosen: list[str]
    ) -> Response:
        """Connect the chosen organisations and send the app its code."""
        known = {tenant_id for tenant_id, _ in tenants}
        complaint = None
        if not chosen:
            complaint = "Choose at least one organisation to connect."
        elif any(tenant_id not in known for tenant_id in chosen):
            complaint = "That organisation is not available; choose another."
        if complaint:
            return html_response(400, consent_page(authorize, tenants, chosen, complaint))
        now = self._clock.now()
        auth_event_id = str(uuid.uuid4())
        with self._lock:
            for tenant_id in dict.fromkeys(chosen):
                self._ledger.connect(authorize.client_id, False, tenant_id, auth_event_id, now)
            code = self._ledger.add_code(
                AuthCode(
                    client_id=authorize.client_id,
                    redirect_uri=authorize.redirect_uri,
                    code_challenge=authorize.code_challenge,
                    scopes=authorize.scopes,
                    auth_event_id=auth_event_id,
                    nonce=authorize.nonce,
                    created=now,
                )
            )
        answer = {
            "code": code,
            "scope": authorize.scope,
            "state": authorize.state,
            "session_state": uuid.uuid4().hex,
        }
        return redirect(with_query(authorize.redirect_uri, answer))

    # Token endpoint --------------------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        """``POST /connect/token``: the three grant types Xero offers this kind of app."""
        if request.method != "POST":
            return _not_allowed("POST")
        form = last_values(parse_form(request.body))
        client_id = client_id_of(form, request.header("authorization"))
        if client_id is None:
            return oauth_error("invalid_client")
        grant_type = form.get("grant_type")
        if grant_type == "client_credentials":
            return json_response(200, self.issue_client_credentials(client_id), NO_STORE)
        issuer = f"http://{request.header('host') or 'localhost'}"
        with self._lock:
            # Before any lookup: pruning after a grant is stored would drop it as token-less.
            self._prune(self._clock.now())
            if grant_type == "authorization_code":
                answer = self._redeem_code(client_id, form, issuer)
            elif grant_type == "refresh_token":
                answer = self._rotate(client_id, form.get("refresh_token"), issuer)
            else:
                return oauth_error("unsupported_grant_type")
        if answer is None:
            return oauth_error("invalid_grant")
        return json_response(200, answer, NO_STORE)

    def _redeem_code(
        self, client_id: str, form: dict[str, str], issuer: str
    ) -> dict[str, Any] | None:
        """Tokens for a code, or None (invalid_grant). A code is gone after one attempt.

        Xero does not say whether a failed attempt uses a code up; the sandbox does, so a
        verifier cannot be guessed at.
        """
        now = self._clock.now()
        code = self._ledger.take_code(form["code"]) if form.get("code") else None
        if (
            code is None
            or code.client_id != client_id
            or now >= code.created + CODE_LIFETIME
            or form.get("redirect_uri") != code.redirect_uri
            or not pkce_matches(form.get("code_verifier"), code.code_challenge)
        ):
            return None
        grant = Grant(str(uuid.uuid4()), client_id, code.scopes, code.auth_event_id, now)
        self._ledger.add_grant(grant)
        return self._issue(grant, now, issuer, code.nonce)

    def _rotate(self, client_id: str, secret: str | None, issuer: str) -> dict[str, Any] | None:
        """Tokens for a refresh token, or None (invalid_grant).

        Every use answers a new refresh token. A used one keeps working until 30 minutes after
        its first use (each use within that window starts a new branch of tokens); Xero's exact
        answer to such a repeat is not documented. Any ``scope`` asked for is ignored: the grant's
        scopes are kept.
        """
        now = self._clock.now()
        record = self._ledger.refresh_token(secret) if secret else None
        grant = self._ledger.grants.get(record.grant_id) if record else None
        if (
            record is None
            or grant is None
            or grant.client_id != client_id
            or grant.revoked is not None
            or now >= record.expires
            or (record.first_used is not None and now >= record.first_used + REFRESH_GRACE)
        ):
            return None
        if record.first_used is None:
            record.first_used = now
        return self._issue(grant, now, issuer, nonce=None)

    def _issue(self, grant: Grant, now: datetime, issuer: str, nonce: str | None) -> dict[str, Any]:
        """A token response for a grant: id token with ``openid``, refresh token with
        ``offline_access`` (as Xero: no ``offline_access``, no refresh token)."""
        answer: dict[str, Any] = {}
        if "openid" in grant.scopes:
            answer["id_token"] = id_token(grant, now, issuer, nonce)
        answer["access_token"] = self._ledger.add_access_token(
            AccessToken(grant.client_id, grant.id, grant.scopes, now + ACCESS_TOKEN_LIFETIME)
        )
        answer["expires_in"] = int(ACCESS_TOKEN_LIFETIME.total_seconds())
        answer["token_type"] = "Bearer"
        if "offline_access" in grant.scopes:
            answer["refresh_token"] = self._ledger.add_refresh_token(
                RefreshToken(grant.id, now + REFRESH_TOKEN_LIFETIME)
            )
        answer["scope"] = " ".join(grant.scopes)
        return answer

    def issue_client_credentials(
        self, client_id: str = "sandbox", granted: tuple[str, ...] = CUSTOM_CONNECTION_SCOPES
    ) -> dict[str, Any]:
        """A custom-connection token for the primary organisation, as ``/connect/token`` answers
        (with ``granted``: the scopes its admin chose; by default all the app needs).

        The first one for a client id connects it to the primary organisation; after that
        connection was deleted (or its organisation is gone) the next one connects it again, as
        if the organisation's admin had re-authorised the custom connection.
        """
        primary = self._primary_tenant()
        known = {tenant_id for tenant_id, _ in self._tenants()}
        now = self._clock.now()
        with self._lock:
            self._prune(now)
            connections = self._ledger.connections_of(client_id, custom=True)
            if not any(connection.tenant_id in known for connection in connections):
                for stale in connections:
                    self._ledger.disconnect(stale.id)
                self._ledger.connect(client_id, True, primary, str(uuid.uuid4()), now)
            token = AccessToken(client_id, None, tuple(granted), now + ACCESS_TOKEN_LIFETIME)
            return {
                "access_token": self._ledger.add_access_token(token),
                "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
                "token_type": "Bearer",
                "scope": " ".join(granted),
            }

    # Revocation ------------------------------------------------------------------------------

    def _revocation(self, request: Request) -> Response:
        """``POST /connect/revocation``: end a grant and the app's user connections.

        A refresh token (or an access token of a user grant) revokes the whole grant and removes
        every connection the app's user made, as Xero's revocation "removes all a user's
        connections"; a client_credentials access token is revoked alone. A token of another
        app, or one the sandbox does not know, changes nothing and still answers 200 (RFC 7009).
        """
        if request.method != "POST":
            return _not_allowed("POST")
        form = last_values(parse_form(request.body))
        client_id = client_id_of(form, request.header("authorization"))
        if client_id is None:
            return oauth_error("invalid_client")
        secret = form.get("token")
        now = self._clock.now()
        with self._lock:
            refresh = self._ledger.refresh_token(secret) if secret else None
            access = self._ledger.access_token(secret) if secret else None
            grant_id = refresh.grant_id if refresh else access.grant_id if access else None
            grant = self._ledger.grants.get(grant_id) if grant_id else None
            if grant is not None and grant.client_id == client_id:
                grant.revoked = grant.revoked or now
                for connection in self._ledger.connections_of(client_id, custom=False):
                    self._ledger.disconnect(connection.id)
            elif access is not None and access.client_id == client_id and grant_id is None:
                access.revoked = access.revoked or now
        return Response(status=200, headers=dict(NO_STORE))

    # State -----------------------------------------------------------------------------------

    def _prune(self, now: datetime) -> None:
        """Forget dead codes and tokens, at most once a minute (under the lock)."""
        if self._last_prune is None or now - self._last_prune >= _PRUNE_EVERY:
            self._ledger.prune(now, CODE_LIFETIME, REFRESH_GRACE)
            self._last_prune = now

    def to_state(self) -> dict[str, Any]:
        """Every grant, token digest and connection, JSON-able, for the sandbox's state file."""
        with self._lock:
            return {"version": 1, **self._ledger.to_state()}

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace everything with what :meth:`to_state` wrote."""
        with self._lock:
            self._ledger.load_state(state)
            self._last_prune = None

    def reset(self) -> None:
        """Forget every code, grant, token and connection."""
        with self._lock:
            self._ledger.clear()
            self._last_prune = None


def _is_custom(token: AccessToken) -> bool:
    """True for a client_credentials token (it has no grant behind it)."""
    return token.grant_id is None
