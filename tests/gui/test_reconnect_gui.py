"""When Xero stops accepting the app's sign-in (invalid_grant) the window pauses syncing and says
so; signing in again from the window resumes the orders that waited, each invoiced once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from gui_support import QT_MARKS, WAIT_MS, line, status_of, wait_idle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from tests.support.browser import Browser
from tests.support.connections import CLIENT_ID, connect_to_sandbox
from xerologdesk.app import App
from xerologdesk.sandbox import Sandbox
from xerologdesk.store import book
from xerologdesk.ui.dialogs.connect_xero import ConnectionPanel, ConnectOptions
from xerologdesk.ui.dialogs.settings_dialog import CONNECTION_PAGE
from xerologdesk.ui.main_window import MainWindow
from xerologdesk.ui.notify import Kind, Notification
from xerologdesk.ui.schedule import RECONNECT

pytestmark = [*QT_MARKS, pytest.mark.usefixtures("file_token_store")]  # never a keyring

REFS = ["SO-7001", "SO-7002"]
# Past the 60 days a refresh token lives: Xero answers the next refresh with invalid_grant.
SIXTY_ONE_DAYS = 61 * 24 * 3600


@pytest.fixture
def signed_in(app: App, connected: Sandbox) -> Sandbox:
    """The app signed in to the sandbox through Xero's OAuth flow (PKCE tokens that expire and
    can be refused), with the defaults Auto Sync needs from ``connected``."""
    browser = Browser()
    connect_to_sandbox(app, connected, browser.open)
    browser.join()
    connection = book.get_connection()
    assert connection is not None and connection.kind == "xero"
    return connected


def pause_syncing(
    window: MainWindow, sandbox: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    """Two orders imported, then "Sync now" after Xero stopped accepting the sign-in: the
    window says so and why, and the orders wait."""
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    import_lines([line(REFS[0]), line(REFS[1], ("C-1003", "Manly Wharf Kiosk"))])
    sandbox.clock.advance(SIXTY_ONE_DAYS)

    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.commands["sync"].trigger()
    wait_idle(window, qtbot)

    assert window.banner.isVisible()
    text = window.banner.text.text()
    assert text.startswith("Syncing paused: ") and "(invalid_grant)" in text
    assert "Reconnect to Xero; the orders wait as pending" in text
    assert window.banner.action.text() == "Connection\u2026"
    assert [status_of(window, ref) for ref in REFS] == ["Pending", "Pending"]  # not Failed
    assert window.model.status_counts.get("failed", 0) == 0
    assert sandbox.state()["invoices"] == []


def sign_in_again(
    window: MainWindow, sandbox: Sandbox, qtbot: QtBot, open_connection: QAbstractButton
) -> Browser:
    """Click ``open_connection``, then "Connect to Xero..." on the Connection page, a test
    browser allowing access on the sandbox's page; waits for the sync that follows."""
    browser = Browser()
    # A test browser and a free port stand in for the system browser and the registered port;
    # where to sign in is not given: it comes from the stored connection (the sandbox).
    window.desktop.connect_options = ConnectOptions(port=0, browser=browser.open_and_report)
    qtbot.mouseClick(open_connection, Qt.MouseButton.LeftButton)
    dialog = window.settings_dialog
    assert dialog is not None
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == CONNECTION_PAGE
    panel = dialog.connection_panel
    assert isinstance(panel, ConnectionPanel)
    assert panel.client_id.text() == CLIENT_ID  # the app's client id, kept from last time

    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    browser.join()
    assert browser.url.startswith(sandbox.base_url.rstrip("/") + "/")
    assert panel.status.text() == "Connected to Harbourside Wholesale."
    wait_idle(window, qtbot)
    dialog.reject()
    wait_idle(window, qtbot)
    return browser


def assert_resumed(window: MainWindow, sandbox: Sandbox) -> None:
    """The orders that waited went: succeeded here, one invoice each in Xero, no banner."""
    assert not window.banner.isVisible()
    assert [status_of(window, ref) for ref in REFS] == ["Succeeded", "Succeeded"]
    assert sorted(invoice["Reference"] for invoice in sandbox.state()["invoices"]) == REFS


def test_reconnecting_from_the_banner_resumes_the_waiting_orders(
    signed_in: Sandbox, window: MainWindow, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    pause_syncing(window, signed_in, import_lines, qtbot)
    sign_in_again(window, signed_in, qtbot, window.banner.action)
    assert_resumed(window, signed_in)


def test_reconnecting_from_the_status_bar_takes_the_paused_banner_down(
    signed_in: Sandbox, window: MainWindow, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    pause_syncing(window, signed_in, import_lines, qtbot)
    # Signed in again through the connection indicator, the banner still up meanwhile: once
    # the waiting orders went, it must not go on saying that syncing is paused.
    sign_in_again(window, signed_in, qtbot, window.connection_button)
    assert_resumed(window, signed_in)


def test_a_connection_needing_a_sign_in_pauses_the_schedule_and_notifies_once(
    signed_in: Sandbox, window: MainWindow, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    told: list[Notification] = []
    window.notifier.notified.connect(told.append)
    pause_syncing(window, signed_in, import_lines, qtbot)
    assert [(each.kind, each.title) for each in told] == [
        (Kind.CONNECTION, "Sign in to Xero again")
    ]
    assert window.schedule.paused_for == RECONNECT
    assert window.schedule_label.text() == f"Automatic sync paused: {RECONNECT}"
    window.schedule.timer.timeout.emit()  # no tick syncs until the connection is back
    assert window.schedule.skipped == RECONNECT and not window.orders.busy
    window.notification_clicked(Kind.CONNECTION)  # the notification leads to the connection
    assert window.settings_dialog is not None
    assert (
        window.settings_dialog.tabs.tabText(window.settings_dialog.tabs.currentIndex())
        == CONNECTION_PAGE
    )
    window.settings_dialog.reject()
    qtbot.waitUntil(lambda: window.settings_dialog is None, timeout=WAIT_MS)
    sign_in_again(window, signed_in, qtbot, window.banner.action)
    assert_resumed(window, signed_in)
    assert not window.schedule.paused_for and len(told) == 1
