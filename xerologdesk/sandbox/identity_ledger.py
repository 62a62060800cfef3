"""What the sandbox's identity service remembers: authorization codes, grants, tokens, connections.

The ledger only stores and looks up; :class:`xerologdesk.sandbox.identity.IdentityService` applies
the rules and holds the lock. Tokens and codes are kept as SHA-256 digests, never as issued, so
neither memory dumps nor the persisted state file hold a usable token.

Model (one sandbox user, as if one person used every app):
- A *connection* joins a client (an app) to an organisation. Connections belong to the app, not
  to one token: a second consent for the same app adds organisations to what every token of that
  app reaches, as Xero's connections are per user and app. Custom-connection (client_credentials)
  connections are kept apart from user-consented ones.
- A *grant* is one consent redeemed at the token endpoint: its refresh tokens rotate along it and
  revoking it ends every access and refresh token issued under it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any, TypeVar

# How long an expired access token is still recognised, so a late call is told when it expired.
_EXPIRED_TOKEN_MEMORY = timedelta(days=1)


def digest(token: str) -> str:
    """The key a token or code is stored under."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A fresh opaque token or code."""
    return secrets.token_urlsafe(32)


@dataclass
class Connection:
    """An app's connection to one organisation (``custom``: made by client_credentials)."""

    id: str
    client_id: str
    custom: bool
    tenant_id: str
    auth_event_id: str
    created: datetime
    updated: datetime


@dataclass
class AuthCode:
    """An authorization code waiting to be redeemed with its PKCE verifier."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    scopes: tuple[str, ...]
    auth_event_id: str
    nonce: str | None
    created: datetime


@dataclass
class Grant:
    """One redeemed consent; ``revoked`` set ends every token issued under it."""

    id: str
    client_id: str
    scopes: tuple[str, ...]
    auth_event_id: str
    created: datetime
    revoked: datetime | None = None


@dataclass
class AccessToken:
    """An issued access token (``grant_id`` None: a client_credentials token)."""

    client_id: str
    grant_id: str | None
    scopes: tuple[str, ...]
    expires: datetime
    revoked: datetime | None = None


@dataclass
class RefreshToken:
    """An issued refresh token; ``first_used`` starts its grace period once it has rotated."""

    grant_id: str
    expires: datetime
    first_used: datetime | None = None


_Record = TypeVar("_Record", Connection, AuthCode, Grant, AccessToken, RefreshToken)


def _dump(record: Any) -> dict[str, Any]:
    """A record as JSON-able values: datetimes as ISO text, tuples as lists."""
    out: dict[str, Any] = {}
    for name, value in asdict(record).items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


def _load(kind: type[_Record], data: dict[str, Any]) -> _Record:
    """The record ``_dump`` wrote; datetime fields are the ones whose names say when."""
    values: dict[str, Any] = {}
    for field in fields(kind):
        value = data.get(field.name)
        if isinstance(value, str) and field.name in _TIME_FIELDS:
            value = datetime.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[field.name] = value
    return kind(**values)


_TIME_FIELDS = frozenset({"created", "updated", "expires", "revoked", "first_used"})


class IdentityLedger:
    """Codes, grants, tokens and connections, keyed for the lookups the service makes.

    Not thread-safe on its own: the service calls it under its lock.
    """

    def __init__(self) -> None:
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.connections: dict[str, Connection] = {}

    # Codes -----------------------------------------------------------------------------------

    def add_code(self, code: AuthCode) -> str:
        """Store a code; the code itself, to send to the app once."""
        secret = new_secret()
        self.codes[digest(secret)] = code
        return secret

    def take_code(self, secret: str) -> AuthCode | None:
        """The code's record, removed: a code is looked at once, whatever the outcome."""
        return self.codes.pop(digest(secret), None)

    # Grants and tokens -----------------------------------------------------------------------

    def add_grant(self, grant: Grant) -> None:
        self.grants[grant.id] = grant

    def add_access_token(self, token: AccessToken) -> str:
        secret = new_secret()
        self.access_tokens[digest(secret)] = token
        return secret

    def access_token(self, secret: str) -> AccessToken | None:
        return self.access_tokens.get(digest(secret))

    def add_refresh_token(self, token: RefreshToken) -> str:
        secret = new_secret()
        self.refresh_tokens[digest(secret)] = token
        return secret

    def refresh_token(self, secret: str) -> RefreshToken | None:
        return self.refresh_tokens.get(digest(secret))

    # Connections -----------------------------------------------------------------------------

    def connect(
        self, client_id: str, custom: bool, tenant_id: str, auth_event_id: str, now: datetime
    ) -> Connection:
        """Connect an app to an organisation; connecting again keeps the id and updates it."""
        for connection in self.connections_of(client_id, custom):
            if connection.tenant_id == tenant_id:
                connection.auth_event_id = auth_event_id
                connection.updated = now
                return connection
        connection = Connection(
            id=str(uuid.uuid4()),
            client_id=client_id,
            custom=custom,
            tenant_id=tenant_id,
            auth_event_id=auth_event_id,
            created=now,
            updated=now,
        )
        self.connections[connection.id] = connection
        return connection

    def connections_of(self, client_id: str, custom: bool) -> list[Connection]:
        """An app's connections of one kind, oldest first."""
        found = [
            connection
            for connection in self.connections.values()
            if connection.client_id == client_id and connection.custom == custom
        ]
        return sorted(found, key=lambda connection: connection.created)

    def disconnect(self, connection_id: str) -> None:
        self.connections.pop(connection_id, None)

    # Housekeeping ----------------------------------------------------------------------------

    def prune(self, now: datetime, code_lifetime: timedelta, grace: timedelta) -> None:
        """Forget codes, tokens and grants that can never be used again."""
        self.codes = {k: c for k, c in self.codes.items() if c.created + code_lifetime > now}
        self.access_tokens = {
            k: t for k, t in self.access_tokens.items() if t.expires + _EXPIRED_TOKEN_MEMORY > now
        }
        self.refresh_tokens = {
            k: t
            for k, t in self.refresh_tokens.items()
            if t.expires > now
            and (t.first_used is None or t.first_used + grace > now)
            and self._grant_live(t.grant_id)
        }
        live_grants = {t.grant_id for t in self.refresh_tokens.values()} | {
            t.grant_id for t in self.access_tokens.values()
        }
        self.grants = {k: g for k, g in self.grants.items() if k in live_grants}

    def _grant_live(self, grant_id: str) -> bool:
        grant = self.grants.get(grant_id)
        return grant is not None and grant.revoked is None

    def clear(self) -> None:
        """Forget everything."""
        for table in (
            self.codes,
            self.grants,
            self.access_tokens,
            self.refresh_tokens,
            self.connections,
        ):
            table.clear()

    def to_state(self) -> dict[str, Any]:
        """Everything, JSON-able (tokens and codes only as digests)."""
        return {
            "codes": {key: _dump(code) for key, code in self.codes.items()},
            "grants": [_dump(grant) for grant in self.grants.values()],
            "access_tokens": {key: _dump(token) for key, token in self.access_tokens.items()},
            "refresh_tokens": {key: _dump(token) for key, token in self.refresh_tokens.items()},
            "connections": [_dump(connection) for connection in self.connections.values()],
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace everything with what :meth:`to_state` wrote."""
        self.clear()
        for key, data in state.get("codes", {}).items():
            self.codes[key] = _load(AuthCode, data)
        for data in state.get("grants", []):
            self.add_grant(_load(Grant, data))
        for key, data in state.get("access_tokens", {}).items():
            self.access_tokens[key] = _load(AccessToken, data)
        for key, data in state.get("refresh_tokens", {}).items():
            self.refresh_tokens[key] = _load(RefreshToken, data)
        for data in state.get("connections", []):
            connection = _load(Connection, data)
            self.connections[connection.id] = connection
