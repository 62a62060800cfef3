"""The Settings dialog: every setting shown, lists read from the organisation, a round trip
through the database, validation that keeps the dialog open."""

from __future__ import annotations

from pathlib import Path

from gui_support import QT_MARKS, WAIT_MS, wait_idle
from PySide6.QtWidgets import QCheckBox, QComboBox
from pytestqt.qtbot import QtBot

from xerologdesk.sandbox import Sandbox
from xerologdesk.ui.dialogs.settings_dialog import CONNECTION_PAGE, SettingsDialog
from xerologdesk.ui.main_window import MainWindow

pytestmark = QT_MARKS


def labels(combo: QComboBox) -> list[str]:
    return [combo.itemText(number) for number in range(combo.count())]


def open_with_lists(window: MainWindow, qtbot: QtBot) -> SettingsDialog:
    dialog = window.open_settings()
    qtbot.waitUntil(lambda: dialog.lists is not None, timeout=WAIT_MS)
    return dialog


def test_every_setting_is_shown(window: MainWindow, qtbot: QtBot) -> None:
    dialog = window.open_settings()
    declared = {each.key for each in window.settings.declarations()}
    assert set(dialog._editors) == declared
    auto_create = dialog.findChild(QCheckBox, "auto_create_customers")
    assert auto_create.text() == "Automatically create missing customers in Xero"
    assert not auto_create.isChecked()
    # Not connected: the lists cannot be read, and the dialog says so.
    assert "could not be read (Not connected to Xero)" in dialog.lists_status.text()
    dialog.reject()


def test_round_trip_with_lists_read_from_the_sandbox(
    window: MainWindow, connected: Sandbox, qtbot: QtBot
) -> None:
    window.settings.set("default_sales_account", "")  # the `connected` fixture set these
    window.settings.set("default_tax_rate", "")
    dialog = open_with_lists(window, qtbot)
    assert dialog.lists_status.text() == "Lists read from Harbourside Wholesale."
    accounts = dialog.findChild(QComboBox, "default_sales_account")
    # Active revenue accounts only; the archived 290 is not offered.
    assert labels(accounts) == [
        "(not set)",
        "200 \u2014 Sales",
        "205 \u2014 Sales - GST Free",
        "260 \u2014 Other Revenue",
        "270 \u2014 Interest Income",
    ]
    taxes = labels(dialog.findChild(QComboBox, "default_tax_rate"))
    assert "GST on Income (10%) \u2014 OUTPUT" in taxes
    assert "GST Free Income (0%) \u2014 EXEMPTOUTPUT" in taxes
    assert labels(dialog.findChild(QComboBox, "default_currency")) == ["AUD", "NZD", "USD"]

    assert dialog.set_value("default_sales_account", "260")
    assert dialog.set_value("default_tax_rate", "OUTPUT")
    assert dialog.set_value("default_non_taxable_tax_rate", "EXEMPTOUTPUT")
    assert dialog.set_value("invoice_status", "AUTHORISED")
    assert not dialog.set_value("default_tax_rate", "NOSUCHRATE")  # only the organisation's
    dialog.findChild(QCheckBox, "auto_create_customers").setChecked(True)
    with qtbot.waitSignal(window.orders.settings_saved, timeout=WAIT_MS) as saved:
        dialog.accept()
    wait_idle(window, qtbot)
    assert saved.args[0] == {
        "auto_create_customers": True,
        "default_sales_account": "260",
        "default_tax_rate": "OUTPUT",
        "invoice_status": "AUTHORISED",
    }
    settings = window.settings
    assert settings.get("auto_create_customers") is True
    assert settings.get("default_sales_account") == "260"
    assert settings.get("invoice_status") == "AUTHORISED"
    qtbot.waitUntil(lambda: window.settings_dialog is None, timeout=WAIT_MS)

    again = open_with_lists(window, qtbot)
    assert again.value_of("default_sales_account") == "260"
    assert again.findChild(QComboBox, "default_sales_account").currentText() == (
        "260 \u2014 Other Revenue"
    )
    assert again.value_of("auto_create_customers") is True
    again.reject()


def test_a_bad_value_keeps_the_dialog_open_and_says_why(
    window: MainWindow, tmp_path: Path, qtbot: QtBot
) -> None:
    dialog = window.open_settings()
    dialog.set_value("inbox_folder", str(tmp_path / "no-such-folder"))
    dialog.accept()
    assert dialog.isVisible()
    error = dialog._errors["inbox_folder"]
    assert error.isVisible()
    assert error.text() == f"There is no folder \u201c{tmp_path / 'no-such-folder'}\u201d."
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Inbox"
    dialog.reject()


def test_the_connection_indicator_opens_the_connection_page(
    window: MainWindow, connected: Sandbox, qtbot: QtBot
) -> None:
    window.refresh_connection()
    assert window.connection_button.text() == "Harbourside Wholesale \u00b7 sandbox"
    window.connection_button.click()
    dialog = window.settings_dialog
    assert dialog is not None
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == CONNECTION_PAGE
    qtbot.waitUntil(lambda: dialog.lists is not None, timeout=WAIT_MS)
    dialog.reject()


def test_due_in_days_is_on_the_syncing_page_and_takes_only_days(
    window: MainWindow, qtbot: QtBot
) -> None:
    dialog = window.open_settings()
    editor = dialog._editors["due_in_days"]
    assert dialog.tabs.tabText(dialog._page_of["due_in_days"]) == "Syncing"
    assert editor.isEnabled()
    dialog.set_value("due_in_days", "two weeks")
    dialog.accept()
    assert dialog.isVisible()
    assert "due_in_days must be a whole number of days from 0 to 365" in (
        dialog._errors["due_in_days"].text()
    )
    assert dialog.set_value("due_in_days", "14")
    with qtbot.waitSignal(window.orders.settings_saved, timeout=WAIT_MS) as saved:
        dialog.accept()
    wait_idle(window, qtbot)
    assert saved.args[0] == {"due_in_days": "14"}
    assert window.settings.get("due_in_days") == "14"
