"""Signing in to Xero from the Settings dialog's Connection page, against the sandbox's OAuth
endpoints: picking one of two organisations, a denied consent, cancelling, disconnecting."""

from __future__ import annotations

from collections.abc import Callable

import keyring
import pytest
from gui_support import QT_MARKS, WAIT_MS, Shown
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.support.browser import ALL, Browser
from tests.support.connections import CLIENT_ID, stored_tokens
from xerologdesk.app import App
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import book
from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.dialogs.connect_xero import ConnectionPanel, ConnectOptions
from xerologdesk.ui.dialogs.settings_dialog import CONNECTION_PAGE, SettingsDialog
from xerologdesk.xero.tokens import TOKEN_STORE_ENV

pytestmark = [*QT_MARKS, pytest.mark.usefixtures("file_token_store")]  # never a keyring

OpenDialog = Callable[..., SettingsDialog]


@pytest.fixture
def open_dialog(app: App, desktop: Desktop, sandbox: Sandbox, qtbot: QtBot) -> OpenDialog:
    """The Settings dialog on its Connection page, connecting to ``sandbox`` through a test
    browser that answers Xero's consent page over HTTP."""

    def make(browser: Browser, timeout: float = 30) -> SettingsDialog:
        dialog = SettingsDialog(
            app.settings,
            desktop.jobs,
            desktop.load_lists,
            book.get_connection(),
            page=CONNECTION_PAGE,
            app=app,
            connect_options=ConnectOptions(
                xero_url=sandbox.base_url, port=0, timeout=timeout, browser=browser.open_and_report
            ),
        )
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


def panel_of(dialog: SettingsDialog) -> ConnectionPanel:
    assert dialog.connection_panel is not None
    return dialog.connection_panel


def start_connecting(panel: ConnectionPanel, qtbot: QtBot) -> None:
    panel.client_id.setText(CLIENT_ID)
    qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)


def shown_text(panel: ConnectionPanel, name: str) -> str:
    label = panel.findChild(QLabel, name)
    assert label is not None, f"no {name} shown"
    return label.text()


def wait_done(desktop: Desktop, qtbot: QtBot) -> None:
    qtbot.waitUntil(desktop.jobs.is_idle, timeout=WAIT_MS)


def test_connect_with_two_organisations_picking_one(
    app: App, desktop: Desktop, sandbox: Sandbox, open_dialog: OpenDialog, qtbot: QtBot
) -> None:
    second = sandbox.add_tenant("Harbour Wholesale Ltd")
    browser = Browser(tenants=ALL)
    dialog = open_dialog(browser)
    panel = panel_of(dialog)
    assert shown_text(panel, "connection-state").startswith("Not connected to Xero.")
    assert not panel.disconnect_button.isEnabled()

    start_connecting(panel, qtbot)
    assert panel.cancel_button.isVisibleTo(dialog)
    qtbot.waitUntil(lambda: panel.picker is not None, timeout=WAIT_MS)
    picker = panel.picker
    assert picker is not None
    names = [picker.organisations.item(row).text() for row in range(picker.organisations.count())]
    assert len(names) == 2 and "Harbour Wholesale Ltd" in names
    picker.choose("Harbour Wholesale Ltd")
    with qtbot.waitSignal(panel.connection_changed, timeout=WAIT_MS) as changed:
        picker.accept()
    wait_done(desktop, qtbot)
    browser.join()

    connection = book.get_connection()
    assert connection is not None and changed.args == [connection]
    assert connection.tenant_id == second and connection.kind == "xero"
    assert stored_tokens(app) is not None  # in the token store, not the database
    assert shown_text(panel, "organisation") == "Harbour Wholesale Ltd"
    assert shown_text(panel, "connected-to") == "Xero"
    assert shown_text(panel, "last-refreshed")
    assert panel.status.text() == "Connected to Harbour Wholesale Ltd."
    assert panel.disconnect_button.isEnabled() and not panel.cancel_button.isVisibleTo(dialog)
    # The Xero defaults' lists are read from the organisation just connected.
    qtbot.waitUntil(lambda: dialog.lists is not None, timeout=WAIT_MS)
    assert dialog.lists is not None and dialog.lists.organisation == "Harbour Wholesale Ltd"
    dialog.reject()


def test_denied_consent_ends_with_a_message_and_nothing_stored(
    app: App,
    desktop: Desktop,
    sandbox: Sandbox,
    open_dialog: OpenDialog,
    qtbot: QtBot,
    shown: Shown,
) -> None:
    browser = Browser(decision="cancel")
    panel = panel_of(open_dialog(browser))

    start_connecting(panel, qtbot)
    wait_done(desktop, qtbot)
    browser.join()

    denied = "Access was not allowed on Xero's page (access_denied). Nothing was connected."
    assert [call[2] for call in shown.take("warning")] == [denied]
    assert panel.status.text() == denied
    assert book.get_connection() is None and stored_tokens(app) is None
    assert "POST /connect/token" not in sandbox.state()["calls"]
    assert panel.connect_button.isEnabled()
    assert shown_text(panel, "connection-state").startswith("Not connected to Xero.")


def test_cancel_while_waiting_for_the_browser(
    app: App, desktop: Desktop, open_dialog: OpenDialog, qtbot: QtBot, shown: Shown
) -> None:
    browser = Browser()
    browser.open_and_report = lambda url: True  # type: ignore[method-assign]  # user dawdles
    panel = panel_of(open_dialog(browser))

    start_connecting(panel, qtbot)
    qtbot.waitUntil(lambda: bool(desktop.jobs.unfinished()), timeout=WAIT_MS)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    wait_done(desktop, qtbot)

    assert panel.status.text() == "Connecting to Xero was cancelled. Nothing was connected."
    assert shown.calls == []  # cancelling is the user's own doing: no box
    assert book.get_connection() is None and stored_tokens(app) is None
    assert panel.connect_button.isEnabled()


def test_disconnect_after_confirming(
    app: App,
    desktop: Desktop,
    sandbox: Sandbox,
    open_dialog: OpenDialog,
    qtbot: QtBot,
    shown: Shown,
) -> None:
    browser = Browser()
    dialog = open_dialog(browser)
    panel = panel_of(dialog)
    start_connecting(panel, qtbot)
    qtbot.waitUntil(lambda: book.get_connection() is not None, timeout=WAIT_MS)
    wait_done(desktop, qtbot)
    browser.join()
    name = shown_text(panel, "organisation")
    app.gateway()  # as a sync would: the link the status bar's call budget comes from
    assert app.connected_budget() is not None

    shown.confirm_answer = False  # "Cancel" in the confirmation keeps the connection
    qtbot.mouseClick(panel.disconnect_button, Qt.MouseButton.LeftButton)
    assert [call[3] for call in shown.take("confirm")] == ["Disconnect"]
    assert desktop.jobs.is_idle() and book.get_connection() is not None

    shown.confirm_answer = True
    with qtbot.waitSignal(panel.connection_changed, timeout=WAIT_MS) as changed:
        qtbot.mouseClick(panel.disconnect_button, Qt.MouseButton.LeftButton)
    wait_done(desktop, qtbot)

    assert changed.args == [None]
    assert shown.take("confirm")[0][2].startswith(f"Disconnect from {name}?")
    assert shown.calls == []  # no warnings: removed at Xero and revoked
    calls = sandbox.state()["calls"]
    assert calls["DELETE /connections"] == 1 and calls["POST /connect/revocation"] == 1
    assert book.get_connection() is None and stored_tokens(app) is None
    assert app.connected_budget() is None  # the organisation left shows nowhere
    assert panel.status.text() == f"Disconnected from {name}."
    assert shown_text(panel, "connection-state").startswith("Not connected to Xero.")
    assert not panel.disconnect_button.isEnabled()
    dialog.reject()


def test_choosing_no_organisation_gives_the_grant_back(
    app: App, desktop: Desktop, sandbox: Sandbox, open_dialog: OpenDialog, qtbot: QtBot
) -> None:
    sandbox.add_tenant("Harbour Wholesale Ltd")
    browser = Browser(tenants=ALL)
    panel = panel_of(open_dialog(browser))
    start_connecting(panel, qtbot)
    qtbot.waitUntil(lambda: panel.picker is not None, timeout=WAIT_MS)
    assert panel.picker is not None

    panel.picker.reject()
    wait_done(desktop, qtbot)
    browser.join()

    assert panel.status.text() == "No organisation was chosen. Nothing was connected."
    assert sandbox.state()["calls"]["POST /connect/revocation"] == 1
    assert book.get_connection() is None and stored_tokens(app) is None
    assert panel.connect_button.isEnabled()


def test_closing_the_dialog_stops_waiting(
    app: App, desktop: Desktop, open_dialog: OpenDialog, qtbot: QtBot, shown: Shown
) -> None:
    browser = Browser()
    browser.open_and_report = lambda url: True  # type: ignore[method-assign]  # never answers
    dialog = open_dialog(browser)
    start_connecting(panel_of(dialog), qtbot)
    qtbot.waitUntil(lambda: bool(desktop.jobs.unfinished()), timeout=WAIT_MS)

    dialog.reject()
    wait_done(desktop, qtbot)

    assert shown.calls == [] and book.get_connection() is None


def test_no_answer_in_time_says_so(
    app: App, desktop: Desktop, open_dialog: OpenDialog, qtbot: QtBot, shown: Shown
) -> None:
    browser = Browser()
    browser.open_and_report = lambda url: True  # type: ignore[method-assign]  # never answers
    panel = panel_of(open_dialog(browser, timeout=0.05))

    start_connecting(panel, qtbot)
    wait_done(desktop, qtbot)

    [(_, title, text, _)] = shown.take("warning")
    assert title == "Connect to Xero"
    assert text.startswith("No answer came back from Xero's page within ")
    assert text.endswith("Nothing was connected; start connecting again.")
    assert book.get_connection() is None and stored_tokens(app) is None


def test_no_keyring_says_so_and_how_to_use_the_file(
    app: App,
    desktop: Desktop,
    sandbox: Sandbox,
    open_dialog: OpenDialog,
    qtbot: QtBot,
    shown: Shown,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TOKEN_STORE_ENV)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        browser = Browser()
        panel = panel_of(open_dialog(browser))
        start_connecting(panel, qtbot)
        wait_done(desktop, qtbot)
    finally:
        keyring.set_keyring(previous)

    [(_, _, text, _)] = shown.take("warning")
    assert text.startswith("No keyring is available on this system")
    assert "choose \u201cFile\u201d as the token store" in text
    assert browser.url == ""  # stopped before sending the user to Xero
    assert "POST /connect/token" not in sandbox.state()["calls"]
    assert book.get_connection() is None
