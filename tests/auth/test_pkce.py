"""PKCE values, the authorize URL, scopes, and token sets that never show their tokens."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from xerologdesk.xero.client import XERO, Endpoints
from xerologdesk.xero.errors import AuthFailed
from xerologdesk.xero.oauth import (
    LEGACY_SCOPES,
    SCOPES,
    Pkce,
    TokenSet,
    authorize_url,
    challenge_for,
    new_state,
    redirect_uri,
    scopes,
)


def test_challenge_is_rfc_7636_s256() -> None:
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert challenge_for(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_are_long_unreserved_and_fresh() -> None:
    pairs = [Pkce.new() for _ in range(20)]
    for pair in pairs:
        assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", pair.verifier)
        assert pair.challenge == challenge_for(pair.verifier)
        assert pair.verifier not in repr(pair)
    assert len({pair.verifier for pair in pairs}) == 20
    assert len({new_state() for _ in range(20)}) == 20


def test_authorize_url_carries_the_whole_request() -> None:
    url = authorize_url(XERO, "CLIENT1", redirect_uri(5917), SCOPES, "st4te", "ch4llenge")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://login.xero.com/identity/connect/authorize"
    )
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "CLIENT1",
        "redirect_uri": "http://localhost:5917/callback",
        "scope": "offline_access accounting.invoices accounting.contacts accounting.settings.read",
        "state": "st4te",
        "code_challenge": "ch4llenge",
        "code_challenge_method": "S256",
    }


def test_one_base_url_serves_login_for_a_sandbox() -> None:
    url = authorize_url(
        Endpoints.at("http://127.0.0.1:8123/"), "c", redirect_uri(1), SCOPES, "s", "x"
    )
    assert url.startswith("http://127.0.0.1:8123/identity/connect/authorize?")


def test_scopes_granular_by_default_broad_for_older_apps() -> None:
    assert scopes(legacy=False) == SCOPES
    assert scopes(legacy=True) == LEGACY_SCOPES
    assert LEGACY_SCOPES.split() == [
        "offline_access",
        "accounting.transactions",
        "accounting.contacts",
        "accounting.settings",
    ]


def test_token_set_from_an_answer_hides_its_tokens() -> None:
    body = {
        "access_token": "AT-secret",
        "refresh_token": "RT-secret",
        "expires_in": 1800,
        "token_type": "Bearer",
        "scope": "offline_access accounting.contacts",
        "id_token": "ID-secret",
    }
    tokens = TokenSet.from_response(body, now=1000.0)
    assert tokens.expires_at == 2800.0
    assert tokens.valid_at(2000.0, margin=120) and not tokens.valid_at(2700.0, margin=120)
    assert "secret" not in repr(tokens) and "secret" not in str(tokens)
    sdk = tokens.for_sdk()
    assert sdk["scope"] == ["offline_access", "accounting.contacts"]
    assert sdk["access_token"] == "AT-secret"
    assert not {"id_token", "refresh_token", "expires_at"} & set(sdk)


def test_an_answer_without_refresh_token_is_refused() -> None:
    with pytest.raises(AuthFailed, match="offline_access"):
        TokenSet.from_response({"access_token": "a", "expires_in": 1800}, now=0.0)
