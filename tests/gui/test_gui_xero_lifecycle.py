"""After the sync, in the window (issue 15): the Xero status column and its filter, the badge of
invoices voided or deleted in Xero counted in the filter bar, Refresh from Xero, the invoice's
history in the details, Send again (after a confirmation naming the voided invoice) and Accept;
against the sandbox, an accountant's changes made through its admin endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from gui_support import (
    QT_MARKS,
    WAIT_MS,
    Shown,
    cell,
    order_id,
    painted_text,
    refs_shown,
    table_texts,
    wait_idle,
)
from gui_support import line as order_line
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.sandbox.sandbox_helpers import admin
from xerologdesk.sandbox import Sandbox
from xerologdesk.ui import main_window
from xerologdesk.ui.log_model import COLUMN_INDEX
from xerologdesk.ui.main_window import XERO_REFRESH_MINUTES, MainWindow
from xerologdesk.ui.window_actions import Command

pytestmark = QT_MARKS

REFS = ("SO-1", "SO-2", "SO-3", "SO-4")


def accountant(sandbox: Sandbox, ref: str, **change: Any) -> None:
    """Do in Xero what an accountant does to the order's live invoice."""
    (invoice,) = [
        each
        for each in sandbox.state()["invoices"]
        if each["Reference"] == ref and each["Status"] not in ("VOIDED", "DELETED")
    ]
    status, body = admin(sandbox, "POST", f"/_sandbox/invoices/{invoice['InvoiceID']}", change)
    assert status == 200, body


def invoice_number(sandbox: Sandbox, ref: str) -> str:
    return next(i["InvoiceNumber"] for i in sandbox.state()["invoices"] if i["Reference"] == ref)


def refresh_after_the_accountant(
    window: MainWindow, sandbox: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> MainWindow:
    """Four orders synced as drafts; in Xero SO-1 voided, SO-2 deleted, SO-3 paid, SO-4 left;
    then Refresh from Xero."""
    import_lines([order_line(ref) for ref in REFS])
    # The run's own refresh saw the new drafts.
    assert [cell(window, ref, "xero_status") for ref in REFS] == ["Draft"] * 4
    for ref in ("SO-1", "SO-3"):
        accountant(sandbox, ref, status="AUTHORISED")
    accountant(sandbox, "SO-1", status="VOIDED")
    accountant(sandbox, "SO-2", status="DELETED")
    accountant(sandbox, "SO-3", pay="35.20")
    window.commands[Command.REFRESH_FROM_XERO].trigger()
    wait_idle(window, qtbot)
    return window


@pytest.fixture
def refreshed(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> MainWindow:
    return refresh_after_the_accountant(window, connected, import_lines, qtbot)


def test_a_refresh_changing_more_orders_than_read_at_once_shows_them_too(
    window: MainWindow,
    connected: Sandbox,
    import_lines: Callable[..., object],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Thousands of changed orders are read on a reader: here, more than one.
    monkeypatch.setattr(main_window, "READ_AT_ONCE", 1)
    refresh_after_the_accountant(window, connected, import_lines, qtbot)
    shown = ["Voided", "Deleted", "Paid", "Draft"]
    assert [cell(window, ref, "xero_status") for ref in REFS] == shown
    assert [painted_text(window, ref, "xero_status") for ref in REFS] == shown
    assert window.filter_bar.xero_flagged.text() == "Voided in Xero  2"


def test_the_column_shows_what_became_of_each_invoice(refreshed: MainWindow) -> None:
    assert [cell(refreshed, ref, "xero_status") for ref in REFS] == [
        "Voided",
        "Deleted",
        "Paid",
        "Draft",
    ]
    assert refreshed.statusBar().currentMessage().startswith("Refreshed from Xero: 3 invoices")
    voided = refreshed.model.index(refs_shown(refreshed).index("SO-1"), COLUMN_INDEX["xero_status"])
    tip = voided.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Voided in Xero (seen ")
    assert tip.endswith("): send it again or accept it (Details).")
    # Sorted by it (off its index): deleted, draft, paid, voided.
    refreshed.model.sort(COLUMN_INDEX["xero_status"], Qt.SortOrder.AscendingOrder)
    assert refs_shown(refreshed) == ["SO-2", "SO-4", "SO-3", "SO-1"]


def test_the_badge_is_counted_and_filters_and_so_does_the_status(
    refreshed: MainWindow, qtbot: QtBot
) -> None:
    bar = refreshed.filter_bar
    assert bar.xero_flagged.text() == "Voided in Xero  2"
    qtbot.mouseClick(bar.xero_flagged, Qt.MouseButton.LeftButton)
    assert sorted(refs_shown(refreshed)) == ["SO-1", "SO-2"]
    flagged_cell = refreshed.model.index(0, COLUMN_INDEX["xero_status"])
    assert not flagged_cell.data(Qt.ItemDataRole.DecorationRole).isNull()
    bar.clear()
    assert len(refs_shown(refreshed)) == 4
    bar.xero_status.setCurrentIndex(bar.xero_status.findText("Paid"))
    assert refs_shown(refreshed) == ["SO-3"]


def test_send_again_names_the_voided_invoice_and_makes_one_new_invoice(
    refreshed: MainWindow, connected: Sandbox, shown: Shown, qtbot: QtBot
) -> None:
    voided = invoice_number(connected, "SO-1")
    dialog = refreshed.open_details(order_id(refreshed, "SO-1"))
    assert dialog.send_again_button.isVisible() and dialog.accept_button.isVisible()
    assert "Voided in Xero" in dialog.xero_state.text()
    assert [row[1:3] for row in table_texts(dialog.xero_history)] == [
        [voided, "Voided"],
        [voided, "Draft"],
    ]
    before = len(connected.state()["invoices"])
    qtbot.mouseClick(dialog.send_again_button, Qt.MouseButton.LeftButton)
    wait_idle(refreshed, qtbot)
    [(_, title, text, _)] = shown.take("confirm")
    assert title == "Send again"
    assert f"It replaces invoice {voided}, voided in Xero" in text
    invoices = [i for i in connected.state()["invoices"] if i["Reference"] == "SO-1"]
    assert len(connected.state()["invoices"]) == before + 1
    assert sorted(i["Status"] for i in invoices) == ["DRAFT", "VOIDED"]
    assert dialog.outcome.text().startswith("Send again: ")
    assert not dialog.send_again_button.isVisible()
    assert refreshed.filter_bar.xero_flagged.text() == "Voided in Xero  1"


def test_a_paid_invoice_offers_neither_and_accept_takes_the_badge_away(
    refreshed: MainWindow, qtbot: QtBot
) -> None:
    paid = refreshed.open_details(order_id(refreshed, "SO-3"))
    assert not paid.send_again_button.isVisible() and not paid.accept_button.isVisible()
    deleted = refreshed.open_details(order_id(refreshed, "SO-2"))
    qtbot.mouseClick(deleted.accept_button, Qt.MouseButton.LeftButton)
    wait_idle(refreshed, qtbot)
    assert not deleted.accept_button.isVisible()
    assert "accepted as it is" in deleted.xero_state.text()
    assert refreshed.filter_bar.xero_flagged.text() == "Voided in Xero  1"


def test_the_window_refreshes_on_a_timer(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    timer = window._xero_refresh_timer
    assert timer.isActive()
    assert timer.interval() == XERO_REFRESH_MINUTES * 60 * 1000
    import_lines([order_line("SO-1")])
    accountant(connected, "SO-1", status="AUTHORISED")
    with qtbot.waitSignal(window.orders.refreshed, timeout=WAIT_MS):
        timer.timeout.emit()  # the timer's tick, not a wait of 15 minutes
    wait_idle(window, qtbot)
    assert cell(window, "SO-1", "xero_status") == "Authorised"
