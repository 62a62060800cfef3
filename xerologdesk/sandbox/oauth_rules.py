"""The sandbox's OAuth 2.0 rules: what makes an authorize request, a redirect URI, a scope list
and a PKCE verifier acceptable, and how a client names itself at the token endpoint.

Pure functions and values, no state and no clock, so :mod:`xerologdesk.sandbox.identity` stays
about the flow. Xero's identity service does not publish its error wording; where Xero's own text
is unknown the messages follow IdentityServer's (whose ``/connect/token`` and
``/connect/revocation`` endpoints Xero's mirror), and each such choice is noted here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

# Scopes Xero documents. Identity scopes alone grant no API access, so a request must also name
# one of the others. Unknown scopes are left out of the grant rather than refused (an OAuth server
# may grant less than asked, RFC 6749 §3.3); Xero's handling of unknown scopes is not documented.
IDENTITY_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
API_SCOPES = frozenset(
    {
        # The broad scopes of apps created before March 2026.
        "accounting.transactions",
        "accounting.transactions.read",
        "accounting.contacts",
        "accounting.contacts.read",
        "accounting.settings",
        "accounting.settings.read",
        "accounting.reports.read",
        "accounting.journals.read",
        "accounting.budgets.read",
        "accounting.attachments",
        "accounting.attachments.read",
        # The granular scopes of apps created since.
        "accounting.invoices",
        "accounting.invoices.read",
        "accounting.payments",
        "accounting.payments.read",
        "accounting.banktransactions",
        "accounting.banktransactions.read",
        "accounting.manualjournals",
        "accounting.manualjournals.read",
        # Other Xero APIs an app may ask for alongside accounting.
        "files",
        "files.read",
        "assets",
        "assets.read",
        "projects",
        "projects.read",
    }
)
KNOWN_SCOPES = IDENTITY_SCOPES | API_SCOPES

# What a client_credentials (custom connection) token carries: a custom connection's scopes are
# chosen by the organisation's admin at Xero, so the sandbox grants what this app needs.
CUSTOM_CONNECTION_SCOPES = (
    "accounting.transactions",
    "accounting.contacts",
    "accounting.settings",
    "accounting.invoices",
    "accounting.settings.read",
)

# RFC 7636 §4.1: a verifier is 43 to 128 unreserved characters; an S256 challenge is the
# 43-character base64url of a SHA-256 digest, but the RFC bounds it the same way.
_PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


class OAuthError(Exception):
    """A refused authorize request: ``error`` is the OAuth code, ``description`` the page's text."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass(frozen=True)
class AuthorizeRequest:
    """A validated ``/identity/connect/authorize`` request.

    ``scopes`` holds only the scopes the sandbox grants (known ones, in the order asked).
    """

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str
    state: str | None = None
    nonce: str | None = None

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    def form_fields(self) -> dict[str, str]:
        """The request as the consent form's hidden fields: posting them back re-validates it."""
        fields = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        if self.state is not None:
            fields["state"] = self.state
        if self.nonce is not None:
            fields["nonce"] = self.nonce
        return fields


def redirect_uri_allowed(uri: str) -> bool:
    """True when Xero would accept ``uri`` as a redirect URI.

    ``https`` to any host, or ``http`` only to the host name ``localhost`` (not ``127.0.0.1``);
    no custom schemes and no fragment. Xero also requires an exact match with a URI registered
    for the app; the sandbox has no app registry, so any URI that passes these rules is accepted.
    """
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    if parts.fragment or "#" in uri or not parts.hostname:
        return False
    scheme = parts.scheme.lower()
    return scheme == "https" or (scheme == "http" and parts.hostname == "localhost")


def granted_scopes(requested: str | None) -> tuple[str, ...]:
    """The known scopes among a space-separated request, first occurrence order, no repeats."""
    granted: list[str] = []
    for scope in (requested or "").split():
        if scope in KNOWN_SCOPES and scope not in granted:
            granted.append(scope)
    return tuple(granted)


def validate_authorize(params: Mapping[str, str]) -> AuthorizeRequest:
    """Check an authorize request, in the order that keeps an untrusted ``redirect_uri`` unused.

    The client and the redirect URI are checked first: until both pass, nothing may be sent to
    the redirect URI, so every refusal is shown as an error page (status 400) instead.
    Raises :class:`OAuthError`.
    """
    client_id = params.get("client_id", "").strip()
    if not client_id:
        raise OAuthError("unauthorized_client", "Unknown client or client not enabled")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri_allowed(redirect_uri):
        raise OAuthError("unauthorized_client", "Invalid redirect_uri")
    response_type = params.get("response_type", "")
    if response_type != "code":
        raise OAuthError(
            "unsupported_response_type",
            f"Response type not supported: {response_type or '(none)'}",
        )
    scopes = granted_scopes(params.get("scope"))
    if not any(scope in API_SCOPES for scope in scopes):
        raise OAuthError("invalid_scope", "Invalid scope: ask for at least one Xero API scope")
    code_challenge = params.get("code_challenge", "")
    # Messages from here on are IdentityServer's; Xero requires PKCE with S256 for apps without
    # a secret, and its exact wording is unknown.
    if not code_challenge:
        raise OAuthError("invalid_request", "code challenge required")
    method = params.get("code_challenge_method") or "plain"
    if method == "plain":
        raise OAuthError("invalid_request", "code_challenge_method of plain is not allowed")
    if method != "S256":
        raise OAuthError("invalid_request", "Transform algorithm not supported")
    if not _PKCE_VALUE.fullmatch(code_challenge):
        raise OAuthError("invalid_request", "code_challenge is either too short or too long")
    return AuthorizeRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        code_challenge=code_challenge,
        state=params.get("state"),
        nonce=params.get("nonce"),
    )


def pkce_challenge(verifier: str) -> str:
    """The S256 challenge of a verifier: base64url(sha256(verifier)) without padding."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def pkce_matches(verifier: str | None, challenge: str) -> bool:
    """True when ``verifier`` is a well-formed verifier whose S256 challenge is ``challenge``."""
    if not verifier or not _PKCE_VALUE.fullmatch(verifier):
        return False
    return hmac.compare_digest(pkce_challenge(verifier), challenge)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned_id_token(claims: Mapping[str, object]) -> str:
    """An OpenID id token with ``alg`` none: the claims readable, no signature.

    Xero signs its id tokens (RS256); the sandbox has no key to publish, so an app that verifies
    signatures must skip that check against the sandbox.
    """
    header = _b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode("utf-8"))
    payload = _b64url(json.dumps(dict(claims), ensure_ascii=False).encode("utf-8"))
    return f"{header}.{payload}."


def parse_form(body: bytes) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body: each name to all its values."""
    fields: dict[str, list[str]] = {}
    for name, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        fields.setdefault(name, []).append(value)
    return fields


def last_values(fields: Mapping[str, list[str]]) -> dict[str, str]:
    """Each field's last value, as an OAuth server reads a repeated parameter."""
    return {name: values[-1] for name, values in fields.items() if values}


def client_id_of(form: Mapping[str, str], authorization: str | None) -> str | None:
    """The client a token-endpoint request speaks for, or None when it names none or two.

    A client names itself with ``client_id`` in the form (apps without a secret) or with HTTP
    Basic ``client_id:secret`` (RFC 6749 §2.3.1). The sandbox has no secrets to check, so any
    secret is accepted; if both ways are used they must agree.
    """
    from_form = form.get("client_id", "").strip() or None
    from_basic = None
    if authorization and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        from_basic = unquote_plus(decoded.partition(":")[0]).strip() or None
    if from_form and from_basic and from_form != from_basic:
        return None
    return from_form or from_basic


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None."""
    if not authorization or authorization[:7].lower() != "bearer ":
        return None
    return authorization[7:].strip() or None


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    """``url`` with ``params`` appended to any query it already has (None values left out)."""
    parts = urlsplit(url)
    extra = urlencode({name: value for name, value in params.items() if value is not None})
    query = f"{parts.query}&{extra}" if parts.query and extra else parts.query or extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
