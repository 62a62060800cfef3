"""The sandbox's identity and OAuth 2.0 service.

Most tests drive ``handle()`` and ``check_access()`` with Request values (fast, no server): the
authorize page and consent form, the token endpoint's three grants, expiries on the sandbox clock,
refresh rotation and its 30-minute grace, revocation, connections, the 401/403 bodies, and state
kept across a restart. The last section runs the flow over real HTTP against a running sandbox,
the consent driven by urllib3 and the connections read and deleted with xero-python.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
import secrets
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import urllib3
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.exceptions import HTTPStatusException
from xero_python.identity import IdentityApi

from xerologdesk.sandbox import Sandbox
from xerologdesk.sandbox.clock import SandboxClock
from xerologdesk.sandbox.http import Request, Response
from xerologdesk.sandbox.identity import IdentityService

ACME = ("3f4c2a9e-6b1d-4e8a-9c0f-1a2b3c4d5e6f", "Acme Wholesale Pty Ltd")
BRANCH = ("8d7e6f5a-4b3c-4d2e-8f1a-0b9c8d7e6f5a", "Acme Wholesale (NZ) Ltd")
CALLBACK = "http://localhost:8765/callback"
SCOPE = "offline_access accounting.invoices accounting.contacts accounting.settings.read"
MINUTE = 60


class Organisations:
    """The tenants the sandbox holds, changeable by a test."""

    def __init__(self, *tenants: tuple[str, str]) -> None:
        self.tenants = list(tenants)

    def listed(self) -> list[tuple[str, str]]:
        return list(self.tenants)

    def primary(self) -> str:
        return self.tenants[0][0]


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock()


@pytest.fixture
def orgs() -> Organisations:
    return Organisations(ACME, BRANCH)


@pytest.fixture
def service(clock: SandboxClock, orgs: Organisations) -> IdentityService:
    return IdentityService(clock, orgs.listed, orgs.primary)


# Helpers ---------------------------------------------------------------------------------------


def challenge_of(verifier: str) -> str:
    """RFC 7636's S256, written out here rather than borrowed from the code under test."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


VERIFIER = secrets.token_urlsafe(48)


def authorize_params(**overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": "desk-app",
        "redirect_uri": CALLBACK,
        "scope": SCOPE,
        "state": "state-123",
        "code_challenge": challenge_of(VERIFIER),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def get(service: IdentityService, path: str, query: dict[str, str] | None = None, **headers: str):
    request = Request(
        "GET", path, {k: [v] for k, v in (query or {}).items()}, _headers(headers), b""
    )
    return service.handle(request)


def send(
    service: IdentityService,
    method: str,
    path: str,
    fields: dict[str, str | list[str]] | None = None,
    **headers: str,
) -> Response:
    body = urlencode(fields or {}, doseq=True).encode("utf-8")
    all_headers = {"content-type": "application/x-www-form-urlencoded", **_headers(headers)}
    return service.handle(Request(method, path, {}, all_headers, body))


def _headers(headers: dict[str, str]) -> dict[str, str]:
    return {name.replace("_", "-").lower(): value for name, value in headers.items()}


def consent(
    service: IdentityService,
    tenants: Iterable[str] = (ACME[0],),
    decision: str = "allow",
    **overrides: str | None,
) -> Response:
    fields: dict[str, str | list[str]] = dict(authorize_params(**overrides))
    fields["tenant"] = list(tenants)
    fields["decision"] = decision
    return send(service, "POST", "/identity/connect/authorize", fields)


def redirected(response: Response) -> tuple[str, dict[str, str]]:
    """Where a 302 goes (scheme, host and path) and its query parameters."""
    assert response.status == 302, response.body
    location = urlsplit(response.headers["Location"])
    query = {name: values[-1] for name, values in parse_qs(location.query).items()}
    return f"{location.scheme}://{location.netloc}{location.path}", query


def redeem(
    service: IdentityService,
    code: str,
    verifier: str = VERIFIER,
    authorization: str | None = None,
    **overrides: str,
) -> Response:
    """Exchange a code at the token endpoint (``overrides`` replace form fields)."""
    headers = {"authorization": authorization} if authorization else {}
    fields = {
        "grant_type": "authorization_code",
        "client_id": "desk-app",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        **overrides,
    }
    return send(
        service, "POST", "/connect/token", {k: v for k, v in fields.items() if v}, **headers
    )


def body(response: Response):
    return json.loads(response.body)


def connect(
    service: IdentityService, tenants: Iterable[str] = (ACME[0],), **overrides: str
) -> dict:
    """The whole authorize → consent → token flow; the token response."""
    _, query = redirected(consent(service, tenants, **overrides))
    response = redeem(service, query["code"], client_id=overrides.get("client_id") or "desk-app")
    assert response.status == 200, response.body
    return body(response)


def refresh(service: IdentityService, refresh_token: str, client_id: str = "desk-app"):
    fields = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh_token}
    return send(service, "POST", "/connect/token", fields)


def api_call(token: str | None, tenant: str | None = None) -> Request:
    headers = {}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    if tenant is not None:
        headers["xero-tenant-id"] = tenant
    return Request("GET", "/api.xro/2.0/Invoices", {}, headers, b"")


def connections(service: IdentityService, token: str, path: str = "/connections") -> list[dict]:
    response = get(service, path, authorization=f"Bearer {token}")
    assert response.status == 200, response.body
    return body(response)


def delete(service: IdentityService, token: str, connection_id: str, path: str = "/connections"):
    return send(service, "DELETE", f"{path}/{connection_id}", authorization=f"Bearer {token}")


def xero_time(moment: datetime) -> str:
    return moment.strftime("%m/%d/%Y %H:%M:%S")


def expired_at(response: Response | None) -> datetime:
    """The time a TokenExpired 401 names, as UTC."""
    assert response is not None
    detail = body(response)["Detail"].removeprefix("TokenExpired: token expired at ")
    return datetime.strptime(detail, "%m/%d/%Y %H:%M:%S").replace(tzinfo=UTC)


def assert_token_expired(response: Response | None, at: datetime | None = None) -> None:
    """A 401 with Xero's TokenExpired problem body (at ``at``, to the second, when given)."""
    assert response is not None and response.status == 401
    problem = body(response)
    assert problem["Title"] == "Unauthorized" and problem["Status"] == 401
    assert re.fullmatch(
        r"TokenExpired: token expired at \d\d/\d\d/\d{4} \d\d:\d\d:\d\d", problem["Detail"]
    )
    if at is not None:
        assert problem["Detail"] == f"TokenExpired: token expired at {xero_time(at)}"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def assert_forbidden(response: Response | None) -> None:
    assert response is not None and response.status == 403
    problem = body(response)
    assert (problem["Title"], problem["Status"], problem["Detail"]) == (
        "Forbidden",
        403,
        "AuthenticationUnsuccessful",
    )


# Routing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/connections",
        "/Connections",
        "/connections/0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e",
        "/Connections/0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e",
        "/identity/connect/authorize",
        "/connect/token",
        "/connect/revocation",
    ],
)
def test_it_answers_xeros_identity_paths(service: IdentityService, path: str) -> None:
    assert service.handles(path)


@pytest.mark.parametrize(
    "path", ["/api.xro/2.0/Invoices", "/connections/a/b", "/_sandbox/state", "/connect"]
)
def test_it_leaves_other_paths_to_the_sandbox(service: IdentityService, path: str) -> None:
    assert not service.handles(path)


# Authorize page --------------------------------------------------------------------------------


def test_the_authorize_page_asks_for_consent_with_a_box_per_organisation(
    service: IdentityService,
) -> None:
    response = get(service, "/identity/connect/authorize", authorize_params())

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode("utf-8")
    assert "desk-app" in page
    for scope in SCOPE.split():
        assert scope in page
    for tenant_id, name in (ACME, BRANCH):
        assert f"name='tenant' value='{tenant_id}'" in page
        assert name in page
    assert "method='post' action='/identity/connect/authorize'" in page
    assert "value='allow'>Allow access</button>" in page
    assert "value='cancel'>Cancel</button>" in page
    # The hidden fields carry the request, so posting them back is all a client has to do.
    assert f"name='redirect_uri' value='{CALLBACK}'" in page
    assert f"name='code_challenge' value='{challenge_of(VERIFIER)}'" in page


def test_a_single_organisation_starts_ticked(clock: SandboxClock) -> None:
    single = Organisations(ACME)
    service = IdentityService(clock, single.listed, single.primary)

    page = get(service, "/identity/connect/authorize", authorize_params()).body.decode()

    assert f"value='{ACME[0]}' checked>" in page


def test_the_consent_page_escapes_what_the_request_sent(service: IdentityService) -> None:
    params = authorize_params(client_id="<script>alert(1)</script>", state="'><b>x</b>")

    page = get(service, "/identity/connect/authorize", params).body.decode()

    assert "<script>" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        ({"client_id": None}, "unauthorized_client", "Unknown client or client not enabled"),
        ({"redirect_uri": None}, "unauthorized_client", "Invalid redirect_uri"),
        (
            {"redirect_uri": "http://127.0.0.1:8765/callback"},
            "unauthorized_client",
            "Invalid redirect_uri",
        ),
        (
            {"redirect_uri": "http://app.example.com/callback"},
            "unauthorized_client",
            "Invalid redirect_uri",
        ),
        ({"redirect_uri": "xerologdesk://callback"}, "unauthorized_client", "Invalid redirect_uri"),
        (
            {"redirect_uri": "http://localhost:8765/callback#done"},
            "unauthorized_client",
            "Invalid redirect_uri",
        ),
        (
            {"redirect_uri": "http://localhost:port/callback"},
            "unauthorized_client",
            "Invalid redirect_uri",
        ),
        ({"response_type": "token"}, "unsupported_response_type", "Response type not supported"),
        ({"scope": "openid profile email offline_access"}, "invalid_scope", "Invalid scope"),
        ({"scope": "accounting.everything"}, "invalid_scope", "Invalid scope"),
        ({"scope": None}, "invalid_scope", "Invalid scope"),
        ({"code_challenge": None}, "invalid_request", "code challenge required"),
        (
            {"code_challenge_method": None},
            "invalid_request",
            "code_challenge_method of plain is not allowed",
        ),
        (
            {"code_challenge_method": "plain"},
            "invalid_request",
            "code_challenge_method of plain is not allowed",
        ),
        (
            {"code_challenge_method": "S512"},
            "invalid_request",
            "Transform algorithm not supported",
        ),
        (
            {"code_challenge": "too-short"},
            "invalid_request",
            "code_challenge is either too short or too long",
        ),
    ],
)
def test_a_bad_authorize_request_gets_an_error_page_and_no_redirect(
    service: IdentityService, overrides: dict[str, str | None], error: str, description: str
) -> None:
    response = get(service, "/identity/connect/authorize", authorize_params(**overrides))

    assert response.status == 400
    assert "Location" not in response.headers
    page = response.body.decode("utf-8")
    assert f"<code id='error'>{error}</code>" in page
    assert description in page


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://localhost:8765/callback",
        "http://LOCALHOST/callback",
        "https://app.example.com/xero/callback",
        "https://127.0.0.1:9443/callback",
    ],
)
def test_https_anywhere_and_http_on_localhost_are_allowed(
    service: IdentityService, redirect_uri: str
) -> None:
    response = get(
        service, "/identity/connect/authorize", authorize_params(redirect_uri=redirect_uri)
    )

    assert response.status == 200


# Consent ---------------------------------------------------------------------------------------


def test_allowing_redirects_back_with_code_state_and_scope(service: IdentityService) -> None:
    target, query = redirected(consent(service))

    assert target == CALLBACK
    assert query["state"] == "state-123"
    assert query["scope"] == SCOPE
    assert len(query["code"]) >= 32
    assert query["session_state"]


def test_the_redirect_keeps_the_redirect_uris_own_query(service: IdentityService) -> None:
    uri = "https://app.example.com/cb?tab=xero"

    target, query = redirected(consent(service, redirect_uri=uri))

    assert target == "https://app.example.com/cb"
    assert query["tab"] == "xero" and query["code"]


def test_cancelling_redirects_back_with_access_denied(service: IdentityService) -> None:
    target, query = redirected(consent(service, decision="cancel"))

    assert target == CALLBACK
    assert query == {"error": "access_denied", "state": "state-123"}


def test_cancelling_connects_nothing(service: IdentityService) -> None:
    consent(service, tenants=[BRANCH[0]], decision="cancel")

    token = connect(service, tenants=[ACME[0]])

    assert [c["tenantName"] for c in connections(service, token["access_token"])] == [ACME[1]]


def test_allowing_without_an_organisation_shows_the_form_again(service: IdentityService) -> None:
    response = consent(service, tenants=[])

    assert response.status == 400
    page = response.body.decode("utf-8")
    assert "Choose at least one organisation to connect." in page
    assert "value='allow'>Allow access</button>" in page


def test_an_organisation_the_sandbox_does_not_hold_cannot_be_chosen(
    service: IdentityService,
) -> None:
    response = consent(service, tenants=["00000000-0000-0000-0000-000000000000"])

    assert response.status == 400
    assert "That organisation is not available" in response.body.decode("utf-8")


def test_a_consent_post_is_validated_again(service: IdentityService) -> None:
    response = consent(service, redirect_uri="http://attacker.example/steal")

    assert response.status == 400
    assert "Location" not in response.headers
    assert "Invalid redirect_uri" in response.body.decode("utf-8")


def test_a_consent_post_without_a_decision_is_refused(service: IdentityService) -> None:
    response = consent(service, decision="maybe")

    assert response.status == 400
    assert "Choose Allow access or Cancel." in response.body.decode("utf-8")


def test_unknown_scopes_are_left_out_of_the_grant(service: IdentityService) -> None:
    _, query = redirected(consent(service, scope="offline_access accounting.invoices made.up"))

    assert query["scope"] == "offline_access accounting.invoices"
    assert body(redeem(service, query["code"]))["scope"] == "offline_access accounting.invoices"


# Token endpoint: authorization_code ------------------------------------------------------------


def test_a_code_and_its_verifier_give_tokens(service: IdentityService) -> None:
    _, query = redirected(consent(service))

    response = redeem(service, query["code"])

    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    tokens = body(response)
    assert set(tokens) == {"access_token", "expires_in", "token_type", "refresh_token", "scope"}
    assert tokens["expires_in"] == 1800
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == SCOPE
    assert tokens["access_token"] != tokens["refresh_token"]
    assert service.check_access(api_call(tokens["access_token"], ACME[0])) == (ACME[0], None)


def test_openid_scopes_add_an_id_token(service: IdentityService) -> None:
    scope = "openid profile email offline_access accounting.invoices"
    _, query = redirected(consent(service, scope=scope, nonce="n-42"))

    tokens = body(redeem(service, query["code"]))

    _, payload, signature = tokens["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["aud"] == "desk-app"
    assert claims["nonce"] == "n-42"
    assert claims["email"] == "sandbox.user@example.com"
    assert claims["given_name"] == "Sandbox"
    assert signature == ""


def test_without_offline_access_there_is_no_refresh_token(service: IdentityService) -> None:
    tokens = connect(service, scope="accounting.invoices")

    assert "refresh_token" not in tokens
    assert tokens["access_token"]


def test_a_code_works_once(service: IdentityService) -> None:
    _, query = redirected(consent(service))
    assert redeem(service, query["code"]).status == 200

    again = redeem(service, query["code"])

    assert again.status == 400
    assert body(again) == {"error": "invalid_grant"}


def test_a_code_lasts_five_minutes(service: IdentityService, clock: SandboxClock) -> None:
    _, fresh = redirected(consent(service))
    _, stale = redirected(consent(service))
    clock.advance(4 * MINUTE + 59)
    assert redeem(service, fresh["code"]).status == 200

    clock.advance(2)

    assert body(redeem(service, stale["code"])) == {"error": "invalid_grant"}


@pytest.mark.parametrize(
    "verifier",
    [secrets.token_urlsafe(48), "", "short"],
    ids=["another verifier", "no verifier", "malformed verifier"],
)
def test_a_wrong_verifier_fails_and_uses_the_code_up(
    service: IdentityService, verifier: str
) -> None:
    _, query = redirected(consent(service))

    wrong = redeem(service, query["code"], verifier=verifier)

    assert (wrong.status, body(wrong)) == (400, {"error": "invalid_grant"})
    assert body(redeem(service, query["code"])) == {"error": "invalid_grant"}


def test_the_code_is_bound_to_its_redirect_uri(service: IdentityService) -> None:
    _, query = redirected(consent(service))

    response = redeem(service, query["code"], redirect_uri="http://localhost:9999/callback")

    assert body(response) == {"error": "invalid_grant"}


def test_the_code_is_bound_to_its_client(service: IdentityService) -> None:
    _, query = redirected(consent(service))

    response = redeem(service, query["code"], client_id="another-app")

    assert body(response) == {"error": "invalid_grant"}


def test_a_token_request_must_name_its_client(service: IdentityService) -> None:
    _, query = redirected(consent(service))
    fields = {
        "grant_type": "authorization_code",
        "code": query["code"],
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
    }

    response = send(service, "POST", "/connect/token", fields)

    assert (response.status, body(response)) == (400, {"error": "invalid_client"})


def test_http_basic_names_the_client_too(service: IdentityService) -> None:
    _, query = redirected(consent(service))
    basic = base64.b64encode(b"desk-app:any-secret").decode("ascii")

    response = redeem(service, query["code"], client_id="", authorization=f"Basic {basic}")

    assert response.status == 200


def test_two_different_client_ids_are_refused(service: IdentityService) -> None:
    _, query = redirected(consent(service))
    basic = base64.b64encode(b"another-app:").decode("ascii")

    response = redeem(service, query["code"], authorization=f"Basic {basic}")

    assert body(response) == {"error": "invalid_client"}


@pytest.mark.parametrize("grant_type", ["password", "implicit", ""])
def test_other_grant_types_are_unsupported(service: IdentityService, grant_type: str) -> None:
    fields = {"grant_type": grant_type, "client_id": "desk-app"}

    response = send(service, "POST", "/connect/token", fields)

    assert (response.status, body(response)) == (400, {"error": "unsupported_grant_type"})


def test_the_token_endpoint_takes_only_post(service: IdentityService) -> None:
    response = get(service, "/connect/token")

    assert response.status == 405 and response.headers["Allow"] == "POST"


# Token endpoint: refresh_token -----------------------------------------------------------------


def test_a_refresh_rotates_the_refresh_token(service: IdentityService) -> None:
    first = connect(service)

    response = refresh(service, first["refresh_token"])

    assert response.status == 200
    second = body(response)
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["expires_in"] == 1800 and second["scope"] == SCOPE
    assert service.check_access(api_call(second["access_token"], ACME[0])) == (ACME[0], None)
    # The earlier access token keeps its own 30 minutes.
    assert service.check_access(api_call(first["access_token"], ACME[0])) == (ACME[0], None)


def test_a_used_refresh_token_keeps_working_for_thirty_minutes(
    service: IdentityService, clock: SandboxClock
) -> None:
    first = connect(service)
    second = body(refresh(service, first["refresh_token"]))
    clock.advance(29 * MINUTE + 59)

    again = refresh(service, first["refresh_token"])

    assert again.status == 200
    assert body(again)["refresh_token"] not in (first["refresh_token"], second["refresh_token"])
    clock.advance(1)
    assert body(refresh(service, first["refresh_token"])) == {"error": "invalid_grant"}
    # The tokens it gave out before its grace ended still work.
    assert refresh(service, second["refresh_token"]).status == 200


def test_two_processes_refreshing_the_same_token_both_stay_connected(
    service: IdentityService,
) -> None:
    first = connect(service)
    answers: list[Response] = []
    start = threading.Barrier(6)

    def refresh_at_once() -> None:
        start.wait()
        answers.append(refresh(service, first["refresh_token"]))

    threads = [threading.Thread(target=refresh_at_once) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status for answer in answers] == [200] * 6
    for answer in answers:
        token = body(answer)["access_token"]
        assert service.check_access(api_call(token, ACME[0])) == (ACME[0], None)


def test_a_refresh_token_lasts_sixty_days(service: IdentityService, clock: SandboxClock) -> None:
    early = connect(service)
    late = connect(service)
    clock.advance(60 * 24 * 60 * MINUTE - 1)
    assert refresh(service, early["refresh_token"]).status == 200

    clock.advance(1)

    assert body(refresh(service, late["refresh_token"])) == {"error": "invalid_grant"}


def test_a_refresh_token_belongs_to_its_client(service: IdentityService) -> None:
    tokens = connect(service)

    response = refresh(service, tokens["refresh_token"], client_id="another-app")

    assert body(response) == {"error": "invalid_grant"}


def test_an_unknown_refresh_token_is_an_invalid_grant(service: IdentityService) -> None:
    assert body(refresh(service, "not-a-token")) == {"error": "invalid_grant"}


def test_an_access_token_is_not_a_refresh_token(service: IdentityService) -> None:
    tokens = connect(service)

    assert body(refresh(service, tokens["access_token"])) == {"error": "invalid_grant"}


# Token endpoint: client_credentials ------------------------------------------------------------


def test_client_credentials_gives_a_token_for_the_primary_organisation(
    service: IdentityService,
) -> None:
    fields = {"grant_type": "client_credentials", "client_id": "any-client-id"}

    response = send(service, "POST", "/connect/token", fields)

    assert response.status == 200
    tokens = body(response)
    assert set(tokens) == {"access_token", "expires_in", "token_type", "scope"}
    assert (tokens["expires_in"], tokens["token_type"]) == (1800, "Bearer")
    token = tokens["access_token"]
    assert service.check_access(api_call(token)) == (ACME[0], None)
    assert service.check_access(api_call(token, "")) == (ACME[0], None)
    assert service.check_access(api_call(token, ACME[0])) == (ACME[0], None)
    assert_forbidden(service.check_access(api_call(token, BRANCH[0]))[1])
    listed = connections(service, token)
    assert [(c["tenantId"], c["tenantName"], c["tenantType"]) for c in listed] == [
        (ACME[0], ACME[1], "ORGANISATION")
    ]


def test_client_credentials_with_http_basic(service: IdentityService) -> None:
    basic = base64.b64encode(b"custom-app:its-secret").decode("ascii")

    response = send(
        service,
        "POST",
        "/connect/token",
        {"grant_type": "client_credentials"},
        authorization=f"Basic {basic}",
    )

    assert response.status == 200
    assert service.check_access(api_call(body(response)["access_token"]))[0] == ACME[0]


def test_client_credentials_needs_a_client_id(service: IdentityService) -> None:
    response = send(service, "POST", "/connect/token", {"grant_type": "client_credentials"})

    assert body(response) == {"error": "invalid_client"}


def test_the_in_process_shortcut_answers_as_the_endpoint(
    service: IdentityService, clock: SandboxClock
) -> None:
    tokens = service.issue_client_credentials()

    assert set(tokens) == {"access_token", "expires_in", "token_type", "scope"}
    assert service.check_access(api_call(tokens["access_token"])) == (ACME[0], None)
    deadline = clock.now() + timedelta(minutes=30)
    clock.advance(30 * MINUTE)
    tenant, response = service.check_access(api_call(tokens["access_token"]))
    assert tenant is None
    assert_token_expired(response)
    assert abs(expired_at(response) - deadline) <= timedelta(seconds=1)


def test_a_deleted_custom_connection_returns_with_the_next_token(
    service: IdentityService,
) -> None:
    token = service.issue_client_credentials("custom")["access_token"]
    [connection] = connections(service, token)
    assert delete(service, token, connection["id"]).status == 204
    assert_forbidden(service.check_access(api_call(token))[1])

    renewed = service.issue_client_credentials("custom")["access_token"]

    assert service.check_access(api_call(renewed)) == (ACME[0], None)


# check_access: 401 and 403 ---------------------------------------------------------------------


def test_a_call_without_a_token_is_unauthorized(service: IdentityService) -> None:
    tenant, response = service.check_access(api_call(None, ACME[0]))

    assert tenant is None
    assert_token_expired(response)
    assert response is not None and response.headers["WWW-Authenticate"] == "Bearer"
    assert set(body(response)) == {"Type", "Title", "Status", "Detail", "Instance", "Extensions"}


@pytest.mark.parametrize("authorization", ["Bearer not-a-token", "Basic ZGVzazo=", "Bearer "])
def test_a_call_with_an_unknown_token_is_unauthorized(
    service: IdentityService, authorization: str
) -> None:
    request = Request(
        "GET", "/api.xro/2.0/Items", {}, {"authorization": authorization, "xero-tenant-id": ACME[0]}
    )

    assert_token_expired(service.check_access(request)[1])


def test_an_access_token_lasts_thirty_minutes(
    service: IdentityService, clock: SandboxClock
) -> None:
    deadline = clock.now() + timedelta(minutes=30)
    token = connect(service)["access_token"]
    clock.advance(29 * MINUTE + 58)
    assert service.check_access(api_call(token, ACME[0])) == (ACME[0], None)

    clock.advance(3)

    tenant, response = service.check_access(api_call(token, ACME[0]))
    assert tenant is None
    assert_token_expired(response)
    assert abs(expired_at(response) - deadline) <= timedelta(seconds=1)
    assert response is not None
    assert "The token expired at" in response.headers["WWW-Authenticate"]


def test_an_auth_code_token_needs_a_tenant_id(service: IdentityService) -> None:
    token = connect(service)["access_token"]

    assert_forbidden(service.check_access(api_call(token))[1])
    assert_forbidden(service.check_access(api_call(token, "  "))[1])


def test_an_unconnected_tenant_is_forbidden(service: IdentityService) -> None:
    token = connect(service, tenants=[ACME[0]])["access_token"]

    assert_forbidden(service.check_access(api_call(token, BRANCH[0]))[1])
    assert_forbidden(service.check_access(api_call(token, "not-a-guid"))[1])


def test_two_organisations_consented_are_both_reachable(service: IdentityService) -> None:
    token = connect(service, tenants=[ACME[0], BRANCH[0]])["access_token"]

    assert service.check_access(api_call(token, ACME[0])) == (ACME[0], None)
    assert service.check_access(api_call(token, BRANCH[0].upper())) == (BRANCH[0], None)


# Connections -----------------------------------------------------------------------------------


def test_connections_list_the_organisations_consented(service: IdentityService) -> None:
    token = connect(service, tenants=[ACME[0], BRANCH[0]])["access_token"]

    listed = connections(service, token)

    assert [(c["tenantId"], c["tenantName"]) for c in listed] == [ACME, BRANCH]
    for connection in listed:
        assert set(connection) == {
            "id",
            "authEventId",
            "tenantId",
            "tenantType",
            "tenantName",
            "createdDateUtc",
            "updatedDateUtc",
        }
        assert connection["tenantType"] == "ORGANISATION"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}", connection["createdDateUtc"])
    assert listed[0]["authEventId"] == listed[1]["authEventId"]
    assert listed[0]["id"] != listed[1]["id"]


def test_the_sdk_spelling_of_the_path_works(service: IdentityService) -> None:
    token = connect(service)["access_token"]

    assert [c["tenantId"] for c in connections(service, token, "/Connections")] == [ACME[0]]


def test_connections_filter_by_auth_event(service: IdentityService) -> None:
    first = connect(service, tenants=[ACME[0]])["access_token"]
    connect(service, tenants=[BRANCH[0]])
    [acme] = [c for c in connections(service, first) if c["tenantId"] == ACME[0]]

    response = get(
        service,
        "/connections",
        {"authEventId": acme["authEventId"]},
        authorization=f"Bearer {first}",
    )

    assert [c["tenantId"] for c in body(response)] == [ACME[0]]


def test_a_second_consent_adds_to_the_apps_connections(
    service: IdentityService, clock: SandboxClock
) -> None:
    first = connect(service, tenants=[ACME[0]])["access_token"]
    [before] = connections(service, first)
    clock.advance(MINUTE)

    second = connect(service, tenants=[ACME[0], BRANCH[0]])["access_token"]

    # Connections are the app's, not one token's: both tokens now reach both organisations.
    for token in (first, second):
        assert [c["tenantId"] for c in connections(service, token)] == [ACME[0], BRANCH[0]]
    [after] = [c for c in connections(service, second) if c["tenantId"] == ACME[0]]
    assert after["id"] == before["id"]
    assert after["updatedDateUtc"] > before["updatedDateUtc"]


def test_another_apps_connections_are_not_listed(service: IdentityService) -> None:
    connect(service, tenants=[BRANCH[0]], client_id="other-app")
    token = connect(service, tenants=[ACME[0]])["access_token"]

    assert [c["tenantId"] for c in connections(service, token)] == [ACME[0]]


def test_an_organisation_the_sandbox_dropped_is_not_listed(
    service: IdentityService, orgs: Organisations
) -> None:
    token = connect(service, tenants=[ACME[0], BRANCH[0]])["access_token"]

    orgs.tenants.remove(BRANCH)

    assert [c["tenantId"] for c in connections(service, token)] == [ACME[0]]
    assert_forbidden(service.check_access(api_call(token, BRANCH[0]))[1])


def test_deleting_a_connection_disconnects_that_organisation(service: IdentityService) -> None:
    token = connect(service, tenants=[ACME[0], BRANCH[0]])["access_token"]
    branch = next(c for c in connections(service, token) if c["tenantId"] == BRANCH[0])

    response = delete(service, token, branch["id"], path="/Connections")

    assert response.status == 204 and response.body == b""
    assert [c["tenantId"] for c in connections(service, token)] == [ACME[0]]
    assert_forbidden(service.check_access(api_call(token, BRANCH[0]))[1])
    assert service.check_access(api_call(token, ACME[0])) == (ACME[0], None)


def test_deleting_an_unknown_connection_is_not_found(service: IdentityService) -> None:
    token = connect(service)["access_token"]
    other_app = connect(service, tenants=[BRANCH[0]], client_id="other-app")["access_token"]
    others = connections(service, other_app)[0]["id"]

    for connection_id in ("00000000-0000-0000-0000-000000000000", others):
        assert delete(service, token, connection_id).status == 404
    assert len(connections(service, other_app)) == 1


def test_connections_need_a_live_token(service: IdentityService, clock: SandboxClock) -> None:
    token = connect(service)["access_token"]
    assert_token_expired(get(service, "/connections"))
    clock.advance(31 * MINUTE)

    assert_token_expired(get(service, "/connections", authorization=f"Bearer {token}"))
    assert_token_expired(delete(service, token, "x"))


def test_connections_take_only_get_and_delete(service: IdentityService) -> None:
    assert send(service, "POST", "/connections").status == 405
    assert get(service, "/connections/some-id").status == 405


# Revocation ------------------------------------------------------------------------------------


def revoke(service: IdentityService, token: str, client_id: str = "desk-app") -> Response:
    return send(service, "POST", "/connect/revocation", {"token": token, "client_id": client_id})


def test_revoking_ends_the_grant_and_its_connections(
    service: IdentityService, clock: SandboxClock
) -> None:
    first = connect(service, tenants=[ACME[0], BRANCH[0]])
    rotated = body(refresh(service, first["refresh_token"]))
    clock.advance(MINUTE)
    revoked_at = clock.now()

    response = revoke(service, rotated["refresh_token"])

    assert response.status == 200
    for refresh_token in (first["refresh_token"], rotated["refresh_token"]):
        assert body(refresh(service, refresh_token)) == {"error": "invalid_grant"}
    for access_token in (first["access_token"], rotated["access_token"]):
        tenant, failure = service.check_access(api_call(access_token, ACME[0]))
        assert tenant is None
        assert_token_expired(failure, at=revoked_at)
    fresh = connect(service, tenants=[BRANCH[0]])["access_token"]
    assert [c["tenantId"] for c in connections(service, fresh)] == [BRANCH[0]]


def test_revoking_an_unknown_token_still_answers_200(service: IdentityService) -> None:
    assert revoke(service, "never-issued").status == 200


def test_another_app_cannot_revoke_a_token(service: IdentityService) -> None:
    tokens = connect(service)

    assert revoke(service, tokens["refresh_token"], client_id="another-app").status == 200

    assert refresh(service, tokens["refresh_token"]).status == 200


def test_revocation_must_name_its_client(service: IdentityService) -> None:
    tokens = connect(service)

    response = send(service, "POST", "/connect/revocation", {"token": tokens["refresh_token"]})

    assert (response.status, body(response)) == (400, {"error": "invalid_client"})
    assert refresh(service, tokens["refresh_token"]).status == 200


def test_revoking_a_client_credentials_token(service: IdentityService) -> None:
    token = service.issue_client_credentials("custom")["access_token"]
    other = service.issue_client_credentials("custom")["access_token"]

    assert revoke(service, token, client_id="custom").status == 200

    assert_token_expired(service.check_access(api_call(token))[1])
    assert service.check_access(api_call(other)) == (ACME[0], None)


# State -----------------------------------------------------------------------------------------


def test_state_survives_a_restart_without_holding_any_token(
    service: IdentityService, clock: SandboxClock, orgs: Organisations
) -> None:
    tokens = connect(service, tenants=[ACME[0], BRANCH[0]], scope=f"openid {SCOPE}")
    custom = service.issue_client_credentials("custom")["access_token"]

    state = json.loads(json.dumps(service.to_state()))
    restarted = IdentityService(clock, orgs.listed, orgs.primary)
    restarted.load_state(state)

    written = json.dumps(state)
    for secret in (tokens["access_token"], tokens["refresh_token"], tokens["id_token"], custom):
        assert secret not in written
    assert restarted.check_access(api_call(tokens["access_token"], BRANCH[0])) == (BRANCH[0], None)
    assert restarted.check_access(api_call(custom)) == (ACME[0], None)
    assert len(connections(restarted, tokens["access_token"])) == 2
    rotated = refresh(restarted, tokens["refresh_token"])
    assert rotated.status == 200
    assert "id_token" in body(rotated)


def test_reset_forgets_every_token_and_connection(service: IdentityService) -> None:
    tokens = connect(service)

    service.reset()

    assert_token_expired(service.check_access(api_call(tokens["access_token"], ACME[0]))[1])
    assert body(refresh(service, tokens["refresh_token"])) == {"error": "invalid_grant"}
    assert service.to_state()["connections"] == []


def test_dead_tokens_are_forgotten_in_time(service: IdentityService, clock: SandboxClock) -> None:
    connect(service)
    clock.advance(61 * 24 * 60 * MINUTE)

    service.issue_client_credentials()

    state = service.to_state()
    assert len(state["access_tokens"]) == 1
    assert state["refresh_tokens"] == {} and state["codes"] == {}


def test_tokens_never_reach_the_log(
    service: IdentityService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    tokens = connect(service)
    rotated = body(refresh(service, tokens["refresh_token"]))
    revoke(service, rotated["refresh_token"])

    for secret in (tokens["access_token"], tokens["refresh_token"], rotated["access_token"]):
        assert secret not in caplog.text


# End to end over HTTP --------------------------------------------------------------------------


@pytest.fixture
def http() -> urllib3.PoolManager:
    return urllib3.PoolManager(retries=False, timeout=10)


def consent_over_http(
    http: urllib3.PoolManager,
    sandbox: Sandbox,
    tenant_names: Iterable[str],
    decision: str = "allow",
    verifier: str = VERIFIER,
) -> urllib3.BaseHTTPResponse:
    """What a person does in the browser: open the authorize URL, tick by name, press a button."""
    query = urlencode(authorize_params(code_challenge=challenge_of(verifier)))
    page = http.request("GET", f"{sandbox.base_url}/identity/connect/authorize?{query}")
    assert page.status == 200
    text = page.data.decode("utf-8")
    hidden = re.findall(r"<input type='hidden' name='([^']+)' value='([^']*)'>", text)
    boxes = dict(re.findall(r"name='tenant' value='([^']+)'[^>]*> ([^<]+)</label>", text))
    by_name = {html.unescape(name): tenant_id for tenant_id, name in boxes.items()}
    fields = [(name, html.unescape(value)) for name, value in hidden]
    fields += [("tenant", by_name[name]) for name in tenant_names]
    fields.append(("decision", decision))
    action = re.search(r"<form method='post' action='([^']+)'>", text)
    assert action is not None
    return http.request(
        "POST",
        sandbox.base_url + action.group(1),
        body=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        redirect=False,
    )


def primary_name_of(sandbox: Sandbox) -> str:
    return dict(sandbox.organisations.tenants())[sandbox.primary_tenant_id]


def token_over_http(http: urllib3.PoolManager, sandbox: Sandbox, **fields: str):
    """POST /connect/token; the status and the parsed answer."""
    answer = http.request(
        "POST", f"{sandbox.base_url}/connect/token", fields=fields, encode_multipart=False
    )
    return answer.status, json.loads(answer.data)


def connect_over_http(http: urllib3.PoolManager, sandbox: Sandbox, *tenant_names: str) -> dict:
    """Authorize, consent and exchange the code over HTTP; the token response."""
    answer = consent_over_http(http, sandbox, tenant_names)
    assert answer.status == 302
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    status, tokens = token_over_http(
        http,
        sandbox,
        grant_type="authorization_code",
        client_id="desk-app",
        code=code,
        redirect_uri=CALLBACK,
        code_verifier=VERIFIER,
    )
    assert status == 200, tokens
    return tokens


class Sdk:
    """xero-python pointed at the sandbox, sending one access token (no SDK refresh, no retry)."""

    def __init__(self, sandbox: Sandbox, access_token: str) -> None:
        self.access_token = access_token
        configuration = Configuration()
        # Configuration is a singleton: give this client its own token (docs/xero-behaviour.md).
        configuration.oauth2_token = OAuth2Token()
        configuration.debug = False
        api_client = ApiClient(
            configuration,
            oauth2_token_getter=self._token,
            oauth2_token_saver=lambda token: None,
        )
        api_client.rest_client.pool_manager = urllib3.PoolManager(retries=False)
        self.identity = IdentityApi(api_client, base_url=sandbox.base_url)
        self.accounting = AccountingApi(api_client, base_url=sandbox.api_url)

    def _token(self) -> dict:
        # No expires_at: the SDK then never tries a refresh of its own.
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": 1800,
            "scope": [],
        }


def refused(call, *args) -> HTTPStatusException:
    """The SDK exception a call raises."""
    with pytest.raises(HTTPStatusException) as caught:
        call(*args, _request_timeout=10)
    return caught.value


def test_the_sdk_lists_the_organisations_picked_on_the_consent_page(
    sandbox: Sandbox, http: urllib3.PoolManager
) -> None:
    second = sandbox.add_tenant("Harbour Traders NZ Ltd")
    primary_name = primary_name_of(sandbox)
    tokens = connect_over_http(http, sandbox, primary_name, "Harbour Traders NZ Ltd")
    sdk = Sdk(sandbox, tokens["access_token"])

    listed = sdk.identity.get_connections(_request_timeout=10)

    assert [(c.tenant_id, c.tenant_name) for c in listed] == [
        (sandbox.primary_tenant_id, primary_name),
        (second, "Harbour Traders NZ Ltd"),
    ]
    assert {c.tenant_type for c in listed} == {"ORGANISATION"}
    assert listed[0].created_date_utc.tzinfo is not None
    organisation = sdk.accounting.get_organisations(second, _request_timeout=10)
    assert organisation.organisations[0].name == "Harbour Traders NZ Ltd"


def test_deleting_a_connection_with_the_sdk_locks_that_organisation_out(
    sandbox: Sandbox, http: urllib3.PoolManager
) -> None:
    second = sandbox.add_tenant("Harbour Traders NZ Ltd")
    primary_name = primary_name_of(sandbox)
    sdk = Sdk(
        sandbox,
        connect_over_http(http, sandbox, primary_name, "Harbour Traders NZ Ltd")["access_token"],
    )
    [branch] = [c for c in sdk.identity.get_connections() if c.tenant_id == second]

    sdk.identity.delete_connection(branch.id, _request_timeout=10)

    assert [c.tenant_id for c in sdk.identity.get_connections()] == [sandbox.primary_tenant_id]
    error = refused(sdk.accounting.get_organisations, second)
    assert error.status == 403
    assert json.loads(error.body)["Detail"] == "AuthenticationUnsuccessful"
    assert sdk.accounting.get_organisations(sandbox.primary_tenant_id).organisations
    assert refused(sdk.identity.delete_connection, branch.id).status == 404


def test_an_expired_token_is_refused_until_the_app_refreshes(
    sandbox: Sandbox, http: urllib3.PoolManager
) -> None:
    primary_name = primary_name_of(sandbox)
    tokens = connect_over_http(http, sandbox, primary_name)
    sdk = Sdk(sandbox, tokens["access_token"])
    sandbox.advance_clock(30 * MINUTE + 1)

    error = refused(sdk.identity.get_connections)
    assert error.status == 401
    assert json.loads(error.body)["Detail"].startswith("TokenExpired: token expired at ")
    assert refused(sdk.accounting.get_organisations, sandbox.primary_tenant_id).status == 401

    status, rotated = token_over_http(
        http,
        sandbox,
        grant_type="refresh_token",
        client_id="desk-app",
        refresh_token=tokens["refresh_token"],
    )
    assert status == 200
    sdk.access_token = rotated["access_token"]
    assert [c.tenant_name for c in sdk.identity.get_connections()] == [primary_name]


def test_revoking_over_http_ends_the_connection(
    sandbox: Sandbox, http: urllib3.PoolManager
) -> None:
    primary_name = primary_name_of(sandbox)
    tokens = connect_over_http(http, sandbox, primary_name)

    answer = http.request(
        "POST",
        f"{sandbox.base_url}/connect/revocation",
        fields={"token": tokens["refresh_token"], "client_id": "desk-app"},
        encode_multipart=False,
    )

    assert answer.status == 200
    assert refused(Sdk(sandbox, tokens["access_token"]).identity.get_connections).status == 401
    status, error = token_over_http(
        http,
        sandbox,
        grant_type="refresh_token",
        client_id="desk-app",
        refresh_token=tokens["refresh_token"],
    )
    assert (status, error) == (400, {"error": "invalid_grant"})


def test_a_denied_consent_over_http_sends_access_denied(
    sandbox: Sandbox, http: urllib3.PoolManager
) -> None:
    answer = consent_over_http(http, sandbox, [], decision="cancel")

    assert answer.status == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    assert parse_qs(location.query) == {"error": ["access_denied"], "state": ["state-123"]}


def test_a_wrong_verifier_over_http_is_an_invalid_grant(
    sandbox: Sandbox, http: urllib3.PoolManager
) -> None:
    primary_name = primary_name_of(sandbox)
    answer = consent_over_http(http, sandbox, [primary_name])
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]

    status, error = token_over_http(
        http,
        sandbox,
        grant_type="authorization_code",
        client_id="desk-app",
        code=code,
        redirect_uri=CALLBACK,
        code_verifier=secrets.token_urlsafe(48),
    )

    assert (status, error) == (400, {"error": "invalid_grant"})


def test_a_custom_connection_over_http(sandbox: Sandbox, http: urllib3.PoolManager) -> None:
    basic = urllib3.make_headers(basic_auth="custom-app:its-secret")
    answer = http.request(
        "POST",
        f"{sandbox.base_url}/connect/token",
        body="grant_type=client_credentials",
        headers={**basic, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status == 200
    tokens = json.loads(answer.data)
    assert "refresh_token" not in tokens

    listed = Sdk(sandbox, tokens["access_token"]).identity.get_connections()

    assert [c.tenant_id for c in listed] == [sandbox.primary_tenant_id]
    # Without xero-tenant-id a custom connection's token reaches its organisation.
    organisation = http.request(
        "GET",
        f"{sandbox.api_url}/Organisation",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert organisation.status == 200
