"""What the sandbox's identity service writes on the wire: Xero's problem bodies for 401 and 403,
the token endpoint's errors, ``/connections`` entries and id tokens.

Shapes only; :mod:`xerologdesk.sandbox.identity` decides when each is sent.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from xerologdesk.sandbox.http import Response, json_response
from xerologdesk.sandbox.identity_ledger import Connection, Grant
from xerologdesk.sandbox.oauth_rules import unsigned_id_token

# The one person the sandbox's login service knows, named in id tokens.
SANDBOX_USER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "xerologdesk:sandbox-user"))

# Token answers must not be cached (RFC 6749 §5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """Xero's problem body for API auth failures (``Type`` null, a fresh ``Instance``)."""
    body: dict[str, Any] = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return json_response(status, body, headers)


def xero_time(moment: datetime) -> str:
    """Time as Xero writes it in ``TokenExpired`` messages: ``MM/DD/YYYY HH:MM:SS``, UTC."""
    return moment.strftime("%m/%d/%Y %H:%M:%S")


def unauthorized(ended: datetime, token_sent: bool) -> Response:
    """401 for a call whose bearer token is missing, unknown, revoked or expired.

    Xero's body is known for an expired token only (``TokenExpired: token expired at <time>``);
    as issue 2 asks, the sandbox gives that body in every case, with the expiry time of an
    expired token, the revocation time of a revoked one and the current time otherwise. The
    ``WWW-Authenticate`` header follows RFC 6750: no error code when no token was sent.
    """
    when = xero_time(ended)
    challenge = (
        f'Bearer error="invalid_token", error_description="The token expired at \'{when}\'"'
        if token_sent
        else "Bearer"
    )
    detail = f"TokenExpired: token expired at {when}"
    return problem(401, "Unauthorized", detail, {"WWW-Authenticate": challenge})


def forbidden() -> Response:
    """403 for a tenant id that is missing or not connected to the token's app."""
    return problem(403, "Forbidden", "AuthenticationUnsuccessful")


def oauth_error(error: str) -> Response:
    """A token or revocation endpoint refusal: 400 ``{"error": ...}`` as Xero's."""
    return json_response(400, {"error": error}, NO_STORE)


def connection_json(connection: Connection, tenant_name: str) -> dict[str, str]:
    """A connection as Xero's ``/connections`` lists it (dates ISO, 7 decimals, no zone)."""

    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"

    return {
        "id": connection.id,
        "authEventId": connection.auth_event_id,
        "tenantId": connection.tenant_id,
        "tenantType": "ORGANISATION",
        "tenantName": tenant_name,
        "createdDateUtc": stamp(connection.created),
        "updatedDateUtc": stamp(connection.updated),
    }


def id_token(grant: Grant, now: datetime, issuer: str, nonce: str | None) -> str:
    """An unsigned id token (``alg`` none) with the claims Xero's carry for the grant's scopes."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": grant.client_id,
        "sub": SANDBOX_USER_ID,
        "xero_userid": SANDBOX_USER_ID,
        "auth_time": int(grant.created.timestamp()),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    if nonce:
        claims["nonce"] = nonce
    if "email" in grant.scopes:
        claims["email"] = "sandbox.user@example.com"
    if "profile" in grant.scopes:
        claims.update(given_name="Sandbox", family_name="User", name="Sandbox User")
    return unsigned_id_token(claims)
