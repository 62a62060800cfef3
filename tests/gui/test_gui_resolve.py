"""Resolving failed orders against the sandbox: details that explain a failure, Auto Sync, Retry,
Dismiss and Undo, one order and many, with the table and the dialogs showing each outcome."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable

import pytest
from gui_support import (
    MISSING_SKU,
    NEW_CUSTOMER,
    QT_MARKS,
    WAIT_MS,
    Opened,
    Shown,
    cell,
    order_id,
    resolve_in_dialog,
    row_of,
    select_refs,
    status_of,
    table_texts,
    wait_idle,
)
from gui_support import line as order_line
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from xerologdesk.sandbox import Sandbox
from xerologdesk.store.actor import who
from xerologdesk.ui.dialogs.details_dialog import DetailsDialog
from xerologdesk.ui.main_window import MainWindow

pytestmark = QT_MARKS

KIOSK = ("C-1003", "Manly Wharf Kiosk")


@pytest.fixture
def synced(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object]
) -> MainWindow:
    """Four orders synced to the demo sandbox: three failed (a missing customer, a missing SKU
    twice) and one succeeded."""
    import_lines(
        [
            order_line("SO-1", NEW_CUSTOMER),
            order_line("SO-2", KIOSK, MISSING_SKU, price="46.00", product="Single Origin Kenya"),
            order_line("SO-3", KIOSK, MISSING_SKU, price="46.00", product="Single Origin Kenya"),
            order_line("SO-4", KIOSK),
        ]
    )
    assert [status_of(window, ref) for ref in ("SO-1", "SO-2", "SO-3", "SO-4")] == [
        "Failed",
        "Failed",
        "Failed",
        "Succeeded",
    ]
    return window


def open_details_by_double_click(window: MainWindow, qtbot: QtBot, ref: str) -> DetailsDialog:
    view = window.view
    rect = view.visualRect(window.model.index(row_of(window, ref), 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = window.details[order_id(window, ref)]
    qtbot.waitExposed(dialog)
    return dialog


def test_double_click_on_a_failed_row_says_why_it_failed(synced: MainWindow, qtbot: QtBot) -> None:
    dialog = open_details_by_double_click(synced, qtbot, "SO-1")
    assert dialog.windowTitle() == "Order SO-1"
    assert dialog.status_name.text() == "Failed"
    assert dialog.status_text.text().startswith("Failed after 1 attempt (last ")
    assert dialog.reasons.text() == (
        "Customer not found in Xero: no contact has account number \u201cC-9001\u201d and none "
        "is named \u201cWatsons Bay Espresso\u201d. Create the contact in Xero and Retry, or use "
        "Auto Sync to create it."
    )
    assert dialog.lookups.text().splitlines() == [
        "Looked for a contact with account number \u201cC-9001\u201d: Xero found none.",
        "Looked for a contact named \u201cWatsons Bay Espresso\u201d: Xero found none.",
        "No usable contact was found for the customer.",
        "Product BEAN-HOUSE-1KG: found in Xero.",
    ]
    assert [row[1:3] for row in table_texts(dialog.history)] == [["Sync", "Failed"]]
    assert dialog.auto_sync_button.isVisible() and dialog.dismiss_button.isVisible()
    assert not dialog.open_button.isVisible()


def test_enter_opens_the_details_of_a_missing_product(synced: MainWindow, qtbot: QtBot) -> None:
    select_refs(synced, ["SO-2"])
    synced.view.setFocus()
    qtbot.keyClick(synced.view, Qt.Key.Key_Return)
    dialog = synced.details[order_id(synced, "SO-2")]
    assert "no item has the code \u201cBEAN-SO-KEN-1KG\u201d" in dialog.reasons.text()
    assert (
        "Customer matched by account number: \u201cManly Wharf Kiosk\u201d, account number C-1003."
        in (dialog.lookups.text().splitlines())
    )
    assert "Product BEAN-SO-KEN-1KG: no item with this code in Xero." in dialog.lookups.text()


def test_auto_sync_from_the_resolve_dialog_creates_the_customer(
    synced: MainWindow, connected: Sandbox, qtbot: QtBot
) -> None:
    select_refs(synced, ["SO-1"])
    dialog = synced.open_resolve()
    assert dialog is not None
    assert dialog.windowTitle() == "Resolve 1 order"
    # Before acting, it says what it will create.
    assert dialog.plan.text().splitlines() == [
        "Create 1 contact in Xero:",
        "  \u2022 \u201cWatsons Bay Espresso\u201d, account number \u201cC-9001\u201d",
        "Then create 1 invoice.",
    ]
    qtbot.mouseClick(dialog.auto_sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.results.isVisible, timeout=WAIT_MS)
    wait_idle(synced, qtbot)
    [[ref, outcome, said]] = table_texts(dialog.results)
    invoice = cell(synced, "SO-1", "invoice")
    assert (ref, outcome) == ("SO-1", "Succeeded")
    assert said == f"Succeeded: invoice {invoice} created in Xero."
    assert status_of(synced, "SO-1") == "Succeeded"
    assert invoice.startswith("INV-")
    contacts = connected.state()["contacts"]
    assert [c["Name"] for c in contacts if c.get("AccountNumber") == "C-9001"] == [
        "Watsons Bay Espresso"
    ]


def test_auto_sync_from_the_details_then_retry_of_the_same_sku(
    synced: MainWindow, connected: Sandbox, shown: Shown, qtbot: QtBot
) -> None:
    details = synced.open_details(order_id(synced, "SO-2"))
    qtbot.mouseClick(details.auto_sync_button, Qt.MouseButton.LeftButton)
    [(_, _, plan, _)] = shown.take("confirm")
    assert plan.splitlines()[:2] == [
        "Create 1 item in Xero:",
        "  \u2022 BEAN-SO-KEN-1KG \u201cSingle Origin Kenya\u201d at 46.00",
    ]
    qtbot.waitUntil(lambda: "Succeeded" in details.outcome.text(), timeout=WAIT_MS)
    wait_idle(synced, qtbot)
    assert details.status_name.text() == "Succeeded"
    assert details.open_button.isVisible()
    # The item now exists in Xero: Retry (which creates nothing) is enough for SO-3 ...
    select_refs(synced, ["SO-3", "SO-1"])
    dialog = synced.open_resolve()
    assert dialog is not None
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.results.isVisible, timeout=WAIT_MS)
    wait_idle(synced, qtbot)
    outcomes = {row[0]: row[1:] for row in table_texts(dialog.results)}
    assert outcomes["SO-3"][0] == "Succeeded"
    # ... while SO-1's customer is still missing, and Retry says so.
    assert outcomes["SO-1"][0] == "Failed"
    assert outcomes["SO-1"][1].startswith("Customer not found in Xero")
    assert status_of(synced, "SO-3") == "Succeeded"
    assert status_of(synced, "SO-1") == "Failed"
    assert cell(synced, "SO-1", "attempts") == "2"


def test_dismiss_with_a_reason_then_undo_from_the_details(synced: MainWindow, qtbot: QtBot) -> None:
    select_refs(synced, ["SO-1"])
    dialog = synced.open_resolve()
    assert dialog is not None
    qtbot.keyClicks(dialog.dismiss_reason, "invoiced by hand")
    qtbot.mouseClick(dialog.dismiss_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.results.isVisible, timeout=WAIT_MS)
    wait_idle(synced, qtbot)
    assert table_texts(dialog.results) == [["SO-1", "Dismissed", "Dismissed: Xero left untouched."]]
    assert status_of(synced, "SO-1") == "Dismissed"
    assert cell(synced, "SO-1", "reason") == "dismissed: invoiced by hand"
    assert synced.filter_bar.status_buttons["dismissed"].text() == "Dismissed  1"
    assert synced.filter_bar.status_buttons["failed"].text() == "Failed  2"

    details = synced.open_details(order_id(synced, "SO-1"))
    assert "invoiced by hand" in details.status_text.text()
    assert details.done_by.text().startswith(f"Dismissed by {who()} at ")  # user@machine
    assert details.undo_button.isVisible()
    qtbot.mouseClick(details.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: details.status_name.text() == "Failed", timeout=WAIT_MS)
    wait_idle(synced, qtbot)
    assert status_of(synced, "SO-1") == "Failed"
    assert [row[1:3] for row in table_texts(details.history)][:2] == [
        ["Undo dismissal", "Failed"],
        ["Dismiss", "Dismissed"],
    ]
    assert [row[4] for row in table_texts(details.history)][:2] == [who(), who()]
    assert details.done_by.text().startswith(f"Put back by {who()} at ")


def test_bulk_auto_sync_reports_each_order(
    synced: MainWindow, connected: Sandbox, qtbot: QtBot
) -> None:
    select_refs(synced, ["SO-1", "SO-2", "SO-3", "SO-4"])
    dialog = synced.open_resolve()
    assert dialog is not None
    plan = dialog.plan.text()
    assert "Create 1 contact in Xero:" in plan and "Create 1 item in Xero:" in plan
    assert "Then create 3 invoices." in plan
    assert "Already in Xero, left alone: SO-4." in plan
    qtbot.mouseClick(dialog.auto_sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.results.isVisible, timeout=WAIT_MS)
    wait_idle(synced, qtbot)
    outcomes = {row[0]: row[1:] for row in table_texts(dialog.results)}
    assert {ref: outcome[0] for ref, outcome in outcomes.items()} == {
        "SO-1": "Succeeded",
        "SO-2": "Succeeded",
        "SO-3": "Succeeded",
        "SO-4": "Succeeded",
    }
    assert outcomes["SO-4"][1] == "Already in Xero; left alone."
    assert synced.filter_bar.status_buttons["failed"].text() == "Failed  0"
    assert synced.filter_bar.status_buttons["succeeded"].text() == "Succeeded  4"
    invoices = [i for i in connected.state()["invoices"] if i["Reference"].startswith("SO-")]
    assert sorted(i["Reference"] for i in invoices) == ["SO-1", "SO-2", "SO-3", "SO-4"]


def test_open_in_xero_shows_the_sandbox_invoice(
    synced: MainWindow, connected: Sandbox, opened: Opened, qtbot: QtBot
) -> None:
    details = synced.open_details(order_id(synced, "SO-4"))
    assert details.open_button.isVisible()
    qtbot.mouseClick(details.open_button, Qt.MouseButton.LeftButton)
    [url] = opened.urls
    invoice_id = details.row.xero_invoice_id
    assert url == f"{connected.base_url}/_sandbox/invoices/{invoice_id}"
    with urllib.request.urlopen(url, timeout=5) as answer:
        page = answer.read().decode("utf-8")
    assert details.row.xero_invoice_number in page


def test_xero_unavailable_leaves_orders_pending_with_the_reason_shown(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    connected.set_faults({"error_rate": 1.0, "error_statuses": [503]})
    import_lines([order_line("SO-1"), order_line("SO-2")])  # synced at once, and refused
    assert [status_of(window, ref) for ref in ("SO-1", "SO-2")] == ["Pending", "Pending"]
    note = cell(window, "SO-1", "reason")
    assert note and "503" in note
    assert window.banner.isVisible()
    assert window.banner.text.text().startswith("Syncing pending orders paused: Xero")
    assert "Syncing resumes by itself at" in window.banner.text.text()
    assert window.banner.action.text() == "Sync now"
    details = window.open_details(order_id(window, "SO-1"))
    assert details.status_text.text() == f"Pending: {note}"
    # Xero is back: the banner's button sends them.
    connected.set_faults({})
    window.banner.action.click()
    qtbot.waitUntil(lambda: status_of(window, "SO-1") == "Succeeded", timeout=WAIT_MS)
    wait_idle(window, qtbot)
    assert status_of(window, "SO-2") == "Succeeded"


def test_resolve_follows_a_dismissal_and_asks_before_sending_dismissed_orders(
    synced: MainWindow, connected: Sandbox, shown: Shown, qtbot: QtBot
) -> None:
    dialog = resolve_in_dialog(synced, ["SO-1", "SO-2", "SO-3"], "dismiss", qtbot)
    # The dialog now says what the selection is, and the plan that they are dismissed.
    assert "3 orders selected</b>: 3 dismissed." in dialog.heading.text()
    assert dialog.plan.text().splitlines()[0] == (
        "Dismissed, brought back and sent only if you agree when asked: SO-1, SO-2, SO-3."
    )
    before = connected.state()
    shown.confirm_answer = False
    qtbot.mouseClick(dialog.auto_sync_button, Qt.MouseButton.LeftButton)
    [(_, title, text, _)] = shown.take("confirm")
    assert title == "Auto Sync dismissed orders?"
    assert text == (
        "Auto Sync will take 3 dismissed orders back onto the list of problems and send each to "
        "Xero: SO-1, SO-2, SO-3."
    )
    wait_idle(synced, qtbot)
    # Declined: nothing sent, nothing created, still dismissed.
    assert [status_of(synced, ref) for ref in ("SO-1", "SO-2", "SO-3")] == ["Dismissed"] * 3
    after = connected.state()
    assert (len(after["invoices"]), len(after["contacts"]), len(after["items"])) == (
        len(before["invoices"]),
        len(before["contacts"]),
        len(before["items"]),
    )
    # Agreed: Auto Sync brings them back and sends them.
    shown.confirm_answer = True
    qtbot.mouseClick(dialog.auto_sync_button, Qt.MouseButton.LeftButton)
    [(_, title, _, _)] = shown.take("confirm")
    assert title == "Auto Sync dismissed orders?"
    qtbot.waitUntil(lambda: "Auto Sync" in dialog.results_label.text(), timeout=WAIT_MS)
    wait_idle(synced, qtbot)
    assert [status_of(synced, ref) for ref in ("SO-1", "SO-2", "SO-3")] == ["Succeeded"] * 3
    assert "3 succeeded" in dialog.heading.text()


def test_retry_of_a_dismissed_order_from_its_details_asks_first(
    synced: MainWindow, connected: Sandbox, shown: Shown, qtbot: QtBot
) -> None:
    resolve_in_dialog(synced, ["SO-1"], "dismiss", qtbot)
    details = synced.open_details(order_id(synced, "SO-1"))
    shown.confirm_answer = False
    qtbot.mouseClick(details.retry_button, Qt.MouseButton.LeftButton)
    [(_, title, text, _)] = shown.take("confirm")
    assert title == "Retry dismissed orders?"
    assert text.startswith("Retry will take 1 dismissed order back onto the list of problems")
    wait_idle(synced, qtbot)
    assert status_of(synced, "SO-1") == "Dismissed"
