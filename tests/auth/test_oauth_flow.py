"""Connecting to a Xero organisation through the whole PKCE flow, against the sandbox over HTTP.

The sandbox serves login, identity and API on one base URL (``--xero-url``); a test browser
(tests/support/browser.py) reads and posts the consent form like a person would.
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import keyring
import pytest
from keyring.backends import fail

from tests.auth.keyrings import MemoryKeyring
from tests.support.browser import ALL, Browser
from tests.support.connections import (
    CLIENT_ID,
    ConnectFn,
    connect_to_sandbox,
    gateway_of,
    stored_tokens,
)
from xerologdesk.app import App
from xerologdesk.connection import connect_xero
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import book
from xerologdesk.xero.client import Endpoints
from xerologdesk.xero.oauth import (
    SCOPES,
    CallbackListener,
    ConnectFailed,
    Pkce,
    authorize_url,
    exchange_code,
    new_state,
)
from xerologdesk.xero.tokens import TOKEN_STORE_ENV, NoKeyring


def assert_nothing_stored(app: App) -> None:
    assert book.get_connection() is None
    assert stored_tokens(app) is None


def test_connect_to_the_only_organisation_then_call_the_api(
    app: App, sandbox: Sandbox, connect: ConnectFn
) -> None:
    browser = Browser()
    name = connect(sandbox, browser)

    # The consent page got our whole request, and the browser landed on our "done" page.
    assert browser.visit.form is not None
    assert browser.visit.form.hidden["scope"] == SCOPES
    assert browser.visit.form.hidden["code_challenge_method"] == "S256"
    assert urlsplit(browser.url).path == "/identity/connect/authorize"
    redirect = parse_qs(urlsplit(browser.url).query)["redirect_uri"][0]
    assert redirect.startswith("http://localhost:") and redirect.endswith("/callback")
    assert browser.visit.final_status == 200
    assert "You can close this tab" in browser.visit.final_page

    connection = book.get_connection()
    assert connection is not None
    assert (connection.kind, connection.client_id) == ("xero", CLIENT_ID)
    assert connection.tenant_id == sandbox.primary_tenant_id
    assert connection.base_url == sandbox.base_url.rstrip("/")
    assert connection.tenant_name == name
    assert connection.last_refreshed_at is not None
    assert connection.connection_id
    assert stored_tokens(app) is not None

    assert gateway_of(app).organisation().name == name


def test_two_organisations_pick_one_by_name(app: App, sandbox: Sandbox, connect: ConnectFn) -> None:
    second = sandbox.add_tenant("Harbour Wholesale Ltd")
    browser = Browser(tenants=ALL)
    name = connect(sandbox, browser, tenant="harbour wholesale ltd")
    assert browser.visit.form is not None and len(browser.visit.form.tenants) == 2
    assert name == "Harbour Wholesale Ltd"
    connection = book.get_connection()
    assert connection is not None and connection.tenant_id == second
    # Every API call goes to the organisation picked.
    assert gateway_of(app).organisation().name == "Harbour Wholesale Ltd"


def test_two_organisations_pick_one_by_id(app: App, sandbox: Sandbox, connect: ConnectFn) -> None:
    second = sandbox.add_tenant("Harbour Wholesale Ltd")
    browser = Browser(tenants=ALL)
    name = connect(sandbox, browser, tenant=sandbox.primary_tenant_id.upper())
    assert browser.visit.form is not None
    assert name == browser.visit.form.tenants[sandbox.primary_tenant_id]
    connection = book.get_connection()
    assert connection is not None and connection.tenant_id == sandbox.primary_tenant_id
    assert second != connection.tenant_id


def test_two_organisations_and_no_choice_lists_them(
    app: App, sandbox: Sandbox, connect: ConnectFn
) -> None:
    second = sandbox.add_tenant("Harbour Wholesale Ltd")
    browser = Browser(tenants=ALL)
    with pytest.raises(ConnectFailed) as raised:
        connect(sandbox, browser)
    assert browser.join().form is not None
    first_name = browser.visit.form.tenants[sandbox.primary_tenant_id]
    message = str(raised.value)
    assert message.startswith("You allowed access to 2 organisations:")
    assert f'"{first_name}" (id {sandbox.primary_tenant_id})' in message
    assert f'"Harbour Wholesale Ltd" (id {second})' in message
    assert "--tenant NAME_OR_ID" in message
    assert_nothing_stored(app)
    assert sandbox.state()["calls"]["POST /connect/revocation"] == 1  # the grant given back


def test_a_tenant_not_allowed_is_refused(app: App, sandbox: Sandbox, connect: ConnectFn) -> None:
    with pytest.raises(ConnectFailed, match='None of the organisations you allowed is "Nope"'):
        connect(sandbox, tenant="Nope")
    assert_nothing_stored(app)


def test_denied_consent_stores_nothing(app: App, sandbox: Sandbox, connect: ConnectFn) -> None:
    browser = Browser(decision="cancel")
    with pytest.raises(ConnectFailed, match=r"Access was not allowed.*\(access_denied\)"):
        connect(sandbox, browser)
    visit = browser.join()
    assert visit.final_status == 400 and "access_denied" in visit.final_page
    assert_nothing_stored(app)
    assert "POST /connect/token" not in sandbox.state()["calls"]


def test_wrong_state_stores_nothing(app: App, sandbox: Sandbox, connect: ConnectFn) -> None:
    browser = Browser(forged_state="an-attackers-state")
    with pytest.raises(ConnectFailed, match="state did not match"):
        connect(sandbox, browser)
    assert browser.join().final_status == 400
    assert_nothing_stored(app)


def test_timeout_stores_nothing(app: App, sandbox: Sandbox) -> None:
    shown: list[str] = []
    with pytest.raises(ConnectFailed, match=r"No answer came back from Xero.s page within 0\.3 s"):
        connect_to_sandbox(
            app,
            sandbox,
            shown.append,
            timeout=0.3,
        )
    assert len(shown) == 1 and shown[0].startswith(sandbox.base_url)
    assert_nothing_stored(app)


def test_cancel_from_the_app_stores_nothing(app: App, sandbox: Sandbox) -> None:
    cancel = threading.Event()
    with pytest.raises(ConnectFailed, match="cancelled"):
        connect_to_sandbox(
            app,
            sandbox,
            lambda url: cancel.set(),
            timeout=30,
            cancel=cancel,
        )
    assert_nothing_stored(app)


def test_the_system_browser_gets_the_page(app: App, sandbox: Sandbox) -> None:
    browser = Browser()
    printed: list[str] = []
    connect_xero(
        app,
        CLIENT_ID,
        port=0,
        open_browser=True,
        xero_url=sandbox.base_url,
        tenant=None,
        print_url=printed.append,
        timeout=30,
        browser=browser.open_and_report,
    )
    browser.join()
    assert printed == []  # the browser opened: nothing printed
    assert book.get_connection() is not None


def test_no_browser_prints_the_url_instead(app: App, sandbox: Sandbox) -> None:
    browser = Browser()
    printed: list[str] = []

    def show(url: str) -> None:
        printed.append(url)
        browser.open(url)

    connect_xero(
        app,
        CLIENT_ID,
        port=0,
        open_browser=True,
        xero_url=sandbox.base_url,
        tenant=None,
        print_url=show,
        timeout=30,
        browser=lambda url: False,  # no browser could be opened
    )
    browser.join()
    assert len(printed) == 1 and "/identity/connect/authorize?" in printed[0]


def test_no_keyring_stops_before_the_browser(
    app: App, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_STORE_ENV)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    printed: list[str] = []
    try:
        with pytest.raises(NoKeyring, match="No keyring is available on this system"):
            connect_to_sandbox(
                app,
                sandbox,
                printed.append,
                timeout=30,
            )
    finally:
        keyring.set_keyring(previous)
    assert printed == []
    assert_nothing_stored(app)


def test_a_missing_client_id_says_how_to_get_one(app: App, sandbox: Sandbox) -> None:
    with pytest.raises(ConnectFailed, match="Auth Code with PKCE"):
        connect_xero(
            app,
            "  ",
            port=0,
            open_browser=False,
            xero_url=sandbox.base_url,
            tenant=None,
            print_url=print,
            timeout=30,
        )


def test_a_code_needs_its_verifier_and_works_once(sandbox: Sandbox) -> None:
    endpoints = Endpoints.at(sandbox.base_url)
    pkce, state = Pkce.new(), new_state()
    with CallbackListener(state, port=0) as listener:
        browser = Browser()
        browser.open(
            authorize_url(
                endpoints, CLIENT_ID, listener.redirect_uri, SCOPES, state, pkce.challenge
            )
        )
        code = listener.wait(timeout=30)
        browser.join()
    with pytest.raises(
        ConnectFailed, match=r"Xero did not accept the sign-in: .*\(invalid_grant\)"
    ):
        exchange_code(endpoints, CLIENT_ID, code, listener.redirect_uri, Pkce.new().verifier, 0.0)
    # Xero's codes are single-use: after a failed try the right verifier is too late.
    with pytest.raises(ConnectFailed, match="invalid_grant"):
        exchange_code(endpoints, CLIENT_ID, code, listener.redirect_uri, pkce.verifier, 0.0)


def test_tokens_go_to_the_keyring_by_default(
    app: App, sandbox: Sandbox, connect: ConnectFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_STORE_ENV)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        name = connect(sandbox)
        assert gateway_of(app).organisation().name == name
    finally:
        keyring.set_keyring(previous)
    assert {user for _, user in backend.entries} == {
        f"xero:{CLIENT_ID}",
        f"xero:{CLIENT_ID}:access",
    }
    assert stored_tokens(app) is None  # no token file
    assert not (app.data_dir / "xero-tokens.json").exists()
