"""Xero's "Auth Code with PKCE" flow for a desktop app that cannot keep a client secret.

The pieces, in the order a connection uses them: a PKCE verifier and its S256 challenge, a random
``state``, the authorize URL, a one-shot listener on ``http://localhost:PORT/callback`` (the
redirect URI the user registered with their Xero app; :data:`DEFAULT_PORT` unless they chose
another), the code exchange, then refresh, revocation and removing the connection at Xero.

Scopes (docs/xero-behaviour.md, and Xero's granular-scope table): apps made since March 2026 ask for
``accounting.invoices`` (invoices and, in the granular scheme, items too: creating items needs
nothing more), ``accounting.contacts`` and ``accounting.settings.read`` (accounts, tax rates,
currencies, organisation). Older apps cannot ask for granular scopes and use the broad ones, where
item creation needs ``accounting.settings`` (Xero's OpenAPI spec: ``createItems``).

Tokens and codes are never logged, never put into an exception's message, and :class:`TokenSet`
and :class:`Pkce` hide them from ``repr``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import ipaddress
import logging
import os
import secrets
import socket
import socketserver
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from xero_python.exceptions import HTTPStatusException

from xerologdesk.xero.auth import post_form
from xerologdesk.xero.client import Endpoints, XeroClient
from xerologdesk.xero.errors import AuthFailed, XeroError, classify

log = logging.getLogger(__name__)

# The port of the redirect URI to register at Xero: http://localhost:5917/callback.
DEFAULT_PORT = 5917
CALLBACK_PATH = "/callback"
# Xero's authorization code lives 5 minutes; waiting longer for the browser is pointless.
AUTHORIZE_TIMEOUT_SECONDS = 300
SCOPES = "offline_access accounting.invoices accounting.contacts accounting.settings.read"
LEGACY_SCOPES = "offline_access accounting.transactions accounting.contacts accounting.settings"
# How often a waiting listener looks at its cancel flag.
_CANCEL_POLL_SECONDS = 0.2


class ConnectFailed(XeroError):
    """Connecting did not finish (cancelled, denied, timed out, wrong state...): nothing stored."""


def scopes(*, legacy: bool) -> str:
    """The scopes to ask for: granular ones, or the broad ones for apps made before March 2026."""
    return LEGACY_SCOPES if legacy else SCOPES


def redirect_uri(port: int) -> str:
    """The redirect URI for ``port``; Xero allows plain http only for ``localhost``."""
    return f"http://localhost:{port}{CALLBACK_PATH}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def challenge_for(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier: base64url(sha256(verifier)), unpadded."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True, repr=False)
class Pkce:
    """A PKCE pair: the verifier stays here, the S256 challenge goes to the authorize page."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        """A fresh pair; the verifier is 86 characters of RFC 7636's unreserved alphabet."""
        verifier = secrets.token_urlsafe(64)
        return cls(verifier, challenge_for(verifier))

    def __repr__(self) -> str:
        return "Pkce(<hidden>)"


def new_state() -> str:
    """An unguessable ``state`` tying the browser's answer to this connection attempt."""
    return secrets.token_urlsafe(24)


def authorize_url(
    endpoints: Endpoints, client_id: str, redirect: str, scope: str, state: str, challenge: str
) -> str:
    """The page of Xero's where the user signs in and picks organisations."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect,
            "scope": scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{endpoints.authorize_url}?{query}"


# -- tokens --------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class TokenSet:
    """An access token, its refresh token and when the access token expires (POSIX seconds).

    ``repr`` shows only the expiry and the scope, so a token never lands in a log or a traceback.
    """

    access_token: str
    refresh_token: str
    expires_at: float
    scope: str = ""
    token_type: str = "Bearer"

    @classmethod
    def from_response(cls, body: Any, now: float) -> TokenSet:
        """The token set in a /connect/token answer received at ``now``."""
        if not isinstance(body, dict) or not body.get("access_token"):
            raise AuthFailed("Xero's login service answered without an access token.")
        if not body.get("refresh_token"):
            raise AuthFailed(
                "Xero's login service gave no refresh token (the offline_access scope is missing).",
                reconnect=True,
            )
        scope = body.get("scope") or ""
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            expires_at=now + float(body.get("expires_in") or 1800),
            scope=" ".join(scope) if isinstance(scope, list) else str(scope),
            token_type=str(body.get("token_type") or "Bearer"),
        )

    def valid_at(self, now: float, margin: float) -> bool:
        """Whether the access token will still be good ``margin`` seconds after ``now``."""
        return bool(self.access_token) and now < self.expires_at - margin

    def for_sdk(self) -> dict[str, Any]:
        """The dict a :class:`~xerologdesk.xero.client.TokenSource` hands out.

        No refresh token: the SDK cannot refresh without a client secret, so it never needs one.
        """
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": max(0, int(self.expires_at - time.time())),
            "scope": self.scope.split(),
        }

    def __repr__(self) -> str:
        return f"TokenSet(<hidden>, expires_at={self.expires_at:.0f}, scope={self.scope!r})"


def exchange_code(
    endpoints: Endpoints, client_id: str, code: str, redirect: str, verifier: str, now: float
) -> TokenSet:
    """Trade the authorization code for tokens, proving possession of the PKCE verifier."""
    fields = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "code": code,
        "redirect_uri": redirect,
        "code_verifier": verifier,
    }
    try:
        body = post_form(endpoints.token_url, fields)
    except AuthFailed as error:
        raise ConnectFailed(
            f"Xero did not accept the sign-in: {error} Nothing was connected; try again."
        ) from error
    return TokenSet.from_response(body, now)


def refresh(token_url: str, client_id: str, refresh_token: str, now: float) -> TokenSet:
    """New tokens for a refresh token (which Xero rotates: the answer holds a new one).

    Any refusal (Xero answers ``invalid_grant`` for an expired, revoked or reused token) means the
    connection is dead: :class:`AuthFailed` with ``reconnect=True``.
    """
    fields = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh_token}
    try:
        body = post_form(token_url, fields)
    except AuthFailed as error:
        raise AuthFailed(
            f"Xero no longer accepts this connection: {error} Reconnect to Xero.", reconnect=True
        ) from error
    return TokenSet.from_response(body, now)


def revoke(endpoints: Endpoints, client_id: str, refresh_token: str) -> None:
    """Revoke the grant behind ``refresh_token`` at Xero (its access tokens die with it)."""
    post_form(endpoints.revocation_url, {"token": refresh_token, "client_id": client_id})


def remove_connection(client: XeroClient, connection_id: str) -> None:
    """``DELETE /connections/{id}``: the organisation no longer lets this app in.

    A 401 is answered by renewing the token once, as the gateway does.
    """
    for attempt in (1, 2):
        try:
            client.call(client.identity.delete_connection, connection_id)
            return
        except HTTPStatusException as error:
            status = getattr(getattr(error, "http_resp", None), "status", None) or error.status
            if attempt == 1 and status == 401:
                client.tokens.renew(client.access_token())
                continue
            raise classify(error, write=True) from error
        except XeroError:
            raise
        except Exception as error:
            raise classify(error, write=True) from error


# -- the one-shot callback listener --------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    """What the browser brought back: a code, or the message saying why there is none."""

    code: str | None = None
    problem: str | None = None


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>xerologdesk</title></head>
<body style="font-family: sans-serif; margin: 3em;"><h1>{title}</h1><p>{text}</p></body></html>
"""


class _CallbackHandler(BaseHTTPRequestHandler):
    """Answers the browser's redirect and hands what it carried to the listener."""

    server: _CallbackServer
    # A browser's speculative connection that never sends a request must not hang a thread.
    timeout = 10

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self._page(404, "Not found", "This address only receives Xero's answer.")
            return
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        outcome = self.server.listener.judge(query)
        if outcome.code is not None:
            self._page(
                200,
                "Signed in to Xero",
                "xerologdesk is finishing the connection. You can close this tab.",
            )
        else:
            self._page(400, "Not connected", outcome.problem or "")
        self.server.listener.settle(outcome)

    def _page(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        # The address held the code: keep it out of caches and other sites' Referer headers.
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """http.server writes each request line, code and state included, to stderr: never."""


class _CallbackServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # SO_REUSEADDR is safe on POSIX (no two listeners) and lets a retry re-bind at once; on
    # Windows it would let another program take the port over.
    allow_reuse_address = os.name != "nt"

    def __init__(self, address: tuple[str, int], family: int, listener: CallbackListener) -> None:
        self.address_family = family
        self.listener = listener
        super().__init__(address, _CallbackHandler)

    def server_bind(self) -> None:
        # HTTPServer's own server_bind looks the host name up in DNS (getfqdn), which can stall
        # for seconds on some networks; the name is always localhost here.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "localhost"
        self.server_port = int(self.server_address[1])


def _loopback_addresses(port: int) -> list[tuple[int, str]]:
    """The loopback addresses ``localhost`` names here (IPv4 first), never any other."""
    found: list[tuple[int, str]] = []
    try:
        infos = socket.getaddrinfo("localhost", port, type=socket.SOCK_STREAM)
    except OSError:
        infos = []
    for family, _, _, _, address in infos:
        host = str(address[0])
        if ipaddress.ip_address(host.split("%")[0]).is_loopback and (family, host) not in found:
            found.append((family, host))
    found.sort(key=lambda each: each[0] != socket.AF_INET)
    return found or [(socket.AF_INET, "127.0.0.1")]


class CallbackListener:
    """Listens once on ``http://localhost:PORT/callback`` for Xero's redirect.

    Binds loopback addresses only (IPv4 and, where ``localhost`` also means ``::1``, IPv6, since a
    browser may try either). :meth:`wait` returns the authorization code, or raises
    :class:`ConnectFailed` for a denied consent, a wrong ``state``, a timeout or a cancel.
    """

    def __init__(self, expected_state: str, port: int = DEFAULT_PORT) -> None:
        self._expected_state = expected_state
        self._outcome: _Outcome | None = None
        self._settled = threading.Event()
        self._lock = threading.Lock()
        self._servers: list[_CallbackServer] = []
        addresses = _loopback_addresses(port)
        try:
            first = _CallbackServer((addresses[0][1], port), addresses[0][0], self)
        except OSError as error:
            raise ConnectFailed(
                f"Port {port} on localhost is in use ({error.strerror or error}). Close the "
                "program using it, or connect with --port N and register "
                "http://localhost:N/callback as a redirect URI of your Xero app."
            ) from error
        self._servers.append(first)
        self.port = int(first.server_address[1])
        for family, host in addresses[1:]:
            try:
                self._servers.append(_CallbackServer((host, self.port), family, self))
            except OSError:
                # ::1 may be unavailable (IPv6 off); the browser then uses 127.0.0.1.
                log.debug("callback listener: %s unavailable on port %s", host, self.port)
        self._threads = [
            threading.Thread(
                target=server.serve_forever, args=(0.05,), name="xero-callback", daemon=True
            )
            for server in self._servers
        ]
        for thread in self._threads:
            thread.start()

    @property
    def redirect_uri(self) -> str:
        return redirect_uri(self.port)

    @property
    def addresses(self) -> list[str]:
        """The addresses listened on (loopback only)."""
        return [str(server.server_address[0]) for server in self._servers]

    def judge(self, query: dict[str, str]) -> _Outcome:
        """What one callback request means (called on the listener's threads)."""
        state = query.get("state", "")
        if not hmac.compare_digest(state.encode("utf-8"), self._expected_state.encode("utf-8")):
            return _Outcome(
                problem="Xero's answer did not belong to this connection attempt (its state did "
                "not match), so it was refused. Nothing was connected; start connecting again."
            )
        error = query.get("error")
        if error == "access_denied":
            return _Outcome(
                problem="Access was not allowed on Xero's page (access_denied). "
                "Nothing was connected."
            )
        if error:
            detail = query.get("error_description")
            return _Outcome(
                problem=f"Xero answered with an error: {error}"
                + (f" ({detail})" if detail else "")
                + ". Nothing was connected."
            )
        code = query.get("code")
        if not code:
            return _Outcome(problem="Xero's answer carried no authorization code. Try again.")
        return _Outcome(code=code)

    def settle(self, outcome: _Outcome) -> None:
        """Keep the first answer; any later one is ignored."""
        with self._lock:
            if self._outcome is None:
                self._outcome = outcome
        self._settled.set()

    def wait(self, timeout: float, cancel: threading.Event | None = None) -> str:
        """The authorization code, once the browser comes back; the listener is then closed."""
        deadline = time.monotonic() + timeout
        try:
            while not self._settled.is_set():
                if cancel is not None and cancel.is_set():
                    raise ConnectFailed("Connecting to Xero was cancelled. Nothing was connected.")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    minutes = f"{timeout / 60:g} minutes" if timeout >= 60 else f"{timeout:g} s"
                    raise ConnectFailed(
                        f"No answer came back from Xero's page within {minutes}. "
                        "Nothing was connected; start connecting again."
                    )
                self._settled.wait(min(remaining, _CANCEL_POLL_SECONDS))
            outcome = self._outcome or _Outcome(problem="No answer from Xero.")
            if outcome.code is None:
                raise ConnectFailed(outcome.problem or "Nothing was connected.")
            return outcome.code
        finally:
            self.close()

    def close(self) -> None:
        """Stop listening (idempotent)."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> CallbackListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
