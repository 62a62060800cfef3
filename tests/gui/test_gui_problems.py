"""The problems view and its fixes against the sandbox (issue 12): the groups and their counts,
the status bar's count, mapping a SKU end to end, the contact picker's ranking (archived shown,
never picked) and the settings fix."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from gui_support import MISSING_SKU, NEW_CUSTOMER, QT_MARKS, WAIT_MS, Shown, status_of, wait_idle
from gui_support import line as order_line
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from pytestqt.qtbot import QtBot

from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.sandbox import Sandbox
from xerologdesk.store.vocabulary import Action
from xerologdesk.ui.contrast import AA_TEXT, contrast_ratio
from xerologdesk.ui.dialogs.contact_picker import ContactPicker
from xerologdesk.ui.main_window import MainWindow
from xerologdesk.ui.problems_view import ProblemsView
from xerologdesk.ui.window_actions import Command

pytestmark = QT_MARKS

KIOSK = ("C-1003", "Manly Wharf Kiosk")
KENYA = "KENYA-1KG"
ACME = ("C-ACME", "ACME Wholesale Ltd")


def kenya(ref: str, customer: tuple[str, str] = KIOSK) -> tuple[str, ...]:
    return order_line(ref, customer, MISSING_SKU, price="46.00", product="Single Origin Kenya")


@pytest.fixture
def failing(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object]
) -> MainWindow:
    """Three failed orders over two causes (a SKU twice, a customer once), one succeeded."""
    import_lines(
        [order_line("SO-1", NEW_CUSTOMER), kenya("SO-2"), kenya("SO-3"), order_line("SO-4", KIOSK)]
    )
    return window


def opened_view(window: MainWindow, qtbot: QtBot) -> ProblemsView:
    window.commands[Command.PROBLEMS].trigger()
    view = window.problems_view
    assert view is not None and view.isVisible()
    qtbot.waitUntil(lambda: not view.model.loading, timeout=WAIT_MS)
    return view


def auto_sync_first(window: MainWindow, qtbot: QtBot) -> None:
    """Auto Sync the log's first order and wait for the run and the reads after it."""
    order = window.model.row_at(0)
    assert order is not None
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.orders.resolve([order.id], Action.AUTO_SYNC)
    wait_idle(window, qtbot)


def listed(view: ProblemsView) -> list[tuple[str, int]]:
    return [(group.key, group.orders) for group in view.model.groups]


def test_the_view_lists_each_cause_with_its_orders_and_the_status_bar_counts_them(
    failing: MainWindow, qtbot: QtBot
) -> None:
    window = failing
    button = window.problems_button
    qtbot.waitUntil(lambda: button.isVisible(), timeout=WAIT_MS)
    assert button.text() == "2 problems blocking 3 orders"
    view = opened_view(window, qtbot)
    assert listed(view) == [
        (f"product_not_found:{MISSING_SKU}", 2),
        (f"customer_not_found:{NEW_CUSTOMER[0]}", 1),
    ]
    model = view.model
    assert [model.index(0, column).data() for column in range(5)] == [
        "SKU not in Xero",
        MISSING_SKU,
        "2",
        "2026-11-02 SO-2",
        "2026-11-02 SO-3",
    ]
    assert model.index(1, 1).data() == f"{NEW_CUSTOMER[0]} ({NEW_CUSTOMER[1]})"
    assert view.summary.text() == "2 problems blocking 3 orders"
    assert set(view.fix_buttons) == {"create", "map", "retry"}  # the SKU group, selected
    assert "SO-2, SO-3" in view.explanation.text()


def test_one_problem_blocking_one_order_is_said_in_the_singular(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    import_lines([order_line("SO-1", NEW_CUSTOMER)])
    qtbot.waitUntil(lambda: window.problems_button.isVisible(), timeout=WAIT_MS)
    assert window.problems_button.text() == "1 problem blocking 1 order"


def test_mapping_a_sku_in_the_view_re_syncs_its_orders_on_the_mapped_code(
    failing: MainWindow, connected: Sandbox, qtbot: QtBot
) -> None:
    window = failing
    put_in_xero(connected, items=[item_record(KENYA)])
    view = opened_view(window, qtbot)
    assert view.select_key(f"product_not_found:{MISSING_SKU}")
    view.fix_buttons["map"].click()
    dialog = view.map_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.codes.count() > 0, timeout=WAIT_MS)
    assert dialog.codes.findData(KENYA) >= 0
    assert dialog.status.text().startswith(f"{dialog.codes.count()} items in Xero")
    dialog.codes.setEditText("NOPE")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "Not mapped" in dialog.status.text(), timeout=WAIT_MS)
    assert "Xero has no item with the code" in dialog.status.text()
    dialog.codes.setCurrentIndex(dialog.codes.findData(KENYA))
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        dialog.ok_button.click()
    wait_idle(window, qtbot)
    # The run is named by the SKU, not by the group's code.
    assert window.statusBar().currentMessage() == f"Retry for {MISSING_SKU}: 2 succeeded, 0 failed."
    assert [status_of(window, ref) for ref in ("SO-1", "SO-2", "SO-3")] == [
        "Failed",
        "Succeeded",
        "Succeeded",
    ]
    invoices = [i for i in connected.state()["invoices"] if i["Reference"] in {"SO-2", "SO-3"}]
    assert [i["LineItems"][0]["ItemCode"] for i in invoices] == [KENYA, KENYA]
    qtbot.waitUntil(lambda: not view.model.loading, timeout=WAIT_MS)
    assert listed(view) == [(f"customer_not_found:{NEW_CUSTOMER[0]}", 1)]
    assert window.problems_button.text() == "1 problem blocking 1 order"


def test_the_picker_ranks_the_contacts_and_refuses_an_archived_one(
    window: MainWindow,
    connected: Sandbox,
    import_lines: Callable[..., object],
    qtbot: QtBot,
) -> None:
    put_in_xero(
        connected,
        contacts=[
            contact_record("Zed Corp"),
            contact_record("Acme Wholes"),
            contact_record("Acmé Wholesale"),
            contact_record("Acme Wholesale Limited"),
            contact_record("ACME Wholesale Ltd", status="ARCHIVED"),
        ],
    )
    import_lines([order_line("SO-1", ACME)])
    view = opened_view(window, qtbot)
    assert listed(view) == [(f"customer_archived:{ACME[0]}", 1)]
    assert set(view.fix_buttons) == {"link", "create", "retry"}
    view.fix_buttons["link"].click()
    qtbot.waitUntil(lambda: view.picker is not None, timeout=WAIT_MS)
    picker = view.picker
    assert isinstance(picker, ContactPicker)
    qtbot.waitUntil(lambda: picker.ranker is not None, timeout=WAIT_MS)
    names = [each.contact.name for each in picker.suggestions]
    assert names.index("Zed Corp") > max(
        names.index(name) for name in ("Acme Wholesale Limited", "Acmé Wholesale", "Acme Wholes")
    )
    archived = names.index("ACME Wholesale Ltd")
    archived_item = picker.table.item(archived, 0)
    assert not archived_item.flags() & Qt.ItemFlag.ItemIsSelectable
    assert archived_item.text() == "ACME Wholesale Ltd (archived)"
    # Quieter than the other contacts, yet readable (disabled grey is not).
    palette = picker.table.palette()
    assert archived_item.foreground().color() != palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    assert contrast_ratio(archived_item.foreground().color(), base) >= AA_TEXT
    # The best contact that can be picked is chosen for the user.
    chosen = picker.chosen()
    assert chosen is not None and chosen.contact.name == "Acme Wholesale Limited"
    picker.table.selectRow(archived)
    assert picker.chosen() is None and not picker.ok_button.isEnabled()
    assert picker.write_account_number.isChecked()
    picker.search.setText("zed")
    qtbot.waitUntil(
        lambda: picker.suggestions and picker.suggestions[0].contact.name == "Zed Corp",
        timeout=WAIT_MS,
    )
    picker.search.clear()
    qtbot.waitUntil(
        lambda: picker.suggestions[0].contact.name == "ACME Wholesale Ltd", timeout=WAIT_MS
    )
    picker.table.selectRow(names.index("Acme Wholesale Limited"))
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        picker.ok_button.click()
    wait_idle(window, qtbot)
    assert status_of(window, "SO-1") == "Succeeded"
    wanted = next(
        c["ContactID"]
        for c in connected.state()["contacts"]
        if c["Name"] == "Acme Wholesale Limited"
    )
    [invoice] = [i for i in connected.state()["invoices"] if i["Reference"] == "SO-1"]
    assert invoice["Contact"]["ContactID"] == wanted


def test_the_settings_fix_opens_settings_at_the_missing_field(
    window: MainWindow,
    connected: Sandbox,
    import_lines: Callable[..., object],
    shown: Shown,
    qtbot: QtBot,
) -> None:
    window.desktop.app.settings.set("default_sales_account", "")
    import_lines([kenya("SO-1")])
    auto_sync_first(window, qtbot)
    view = opened_view(window, qtbot)
    label = window.settings.declaration("default_sales_account").label
    assert listed(view) == [(f"settings_incomplete:{label}", 1)]
    view.fix_buttons["settings"].click()
    dialog = window.settings_dialog
    assert dialog is not None
    assert dialog.tabs.currentIndex() == dialog._page_of["default_sales_account"]
    dialog.reject()
    wait_idle(window, qtbot)


def test_create_in_the_view_creates_the_group_s_customer_alone(
    failing: MainWindow, connected: Sandbox, shown: Shown, qtbot: QtBot
) -> None:
    window = failing
    view = opened_view(window, qtbot)
    items = len(connected.state()["items"])
    assert view.select_key(f"customer_not_found:{NEW_CUSTOMER[0]}")
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        view.fix_buttons["create"].click()
    [confirm] = shown.take("confirm")
    assert "Nothing else is created" in confirm[2]
    wait_idle(window, qtbot)
    assert [status_of(window, ref) for ref in ("SO-1", "SO-2", "SO-3")] == [
        "Succeeded",
        "Failed",
        "Failed",
    ]
    assert NEW_CUSTOMER[1] in {c["Name"] for c in connected.state()["contacts"]}
    assert len(connected.state()["items"]) == items  # the missing SKU is not created


def test_the_details_unlink_a_linked_customer(
    window: MainWindow,
    connected: Sandbox,
    import_lines: Callable[..., object],
    shown: Shown,
    qtbot: QtBot,
) -> None:
    from xerologdesk.sync.links import link_customer

    app = window.desktop.app
    put_in_xero(connected, contacts=[contact_record("Acme Wholesale Limited")])
    link_customer(app.gateway(), app.settings, ACME[0], "Acme Wholesale Limited")
    import_lines([order_line("SO-1", ACME)])
    assert status_of(window, "SO-1") == "Succeeded"
    order = window.model.row_at(0)
    assert order is not None
    details = window.open_details(order.id)
    assert details.unlink_button.isVisible()
    assert "linked by you on" in details.lookups.text()
    details.unlink_button.click()
    assert shown.take("confirm")
    qtbot.waitUntil(lambda: not details.unlink_button.isVisible(), timeout=WAIT_MS)
    assert "Unlinked from \u201cAcme Wholesale Limited\u201d" in details.outcome.text()
    details.close()
    wait_idle(window, qtbot)


def test_create_under_a_risky_name_asks_first_and_cancel_creates_nothing(
    window: MainWindow,
    connected: Sandbox,
    import_lines: Callable[..., object],
    shown: Shown,
    qtbot: QtBot,
) -> None:
    risky = ("C-RISK", '=HYPERLINK("http://x.example","Click")')
    import_lines([order_line("SO-1", risky)])
    auto_sync_first(window, qtbot)  # refused: not created
    contacts = len(connected.state()["contacts"])
    view = opened_view(window, qtbot)
    assert listed(view) == [("unsafe_name:C-RISK", 1)]
    assert view.select_key("unsafe_name:C-RISK")
    assert set(view.fix_buttons) == {"create", "retry"}

    shown.confirm_answer = False
    view.fix_buttons["create"].click()
    qtbot.waitUntil(lambda: bool(shown.of("confirm")), timeout=WAIT_MS)
    [(_kind, _title, text, action)] = shown.take("confirm")
    assert risky[1] in text and "spreadsheet" in text and action == "Create anyway"
    wait_idle(window, qtbot)
    assert status_of(window, "SO-1") == "Failed"
    assert len(connected.state()["contacts"]) == contacts

    shown.confirm_answer = True
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        view.fix_buttons["create"].click()
    assert shown.take("confirm")
    wait_idle(window, qtbot)
    assert status_of(window, "SO-1") == "Succeeded"
    created = connected.state()["contacts"][contacts:]
    assert [(c["Name"], c["AccountNumber"]) for c in created] == [(risky[1], "C-RISK")]
