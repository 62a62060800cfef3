"""Sentences the window writes: counted nouns agree with their number (Qt's plural forms), and
a plan or a result reads as a sentence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gui_support import (
    NEW_CUSTOMER,
    QT_MARKS,
    WAIT_MS,
    Shown,
    line,
    resolve_in_dialog,
)
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from xerologdesk.sandbox import Sandbox
from xerologdesk.ui.main_window import MainWindow
from xerologdesk.ui.resolve_plan import AutoSyncPlan, NewContactPlan
from xerologdesk.ui.wording import CONTEXT, counted

pytestmark = QT_MARKS


def plan(invoices: int, contacts: tuple[NewContactPlan, ...] = ()) -> AutoSyncPlan:
    return AutoSyncPlan(contacts, (), invoices, 0, (), (), (), ())


def test_counted_phrases_take_the_singular_for_one_and_the_plural_otherwise(qapp: object) -> None:
    assert counted("%n order(s)", 1) == "1 order"
    assert [counted("%n order(s)", n) for n in (0, 2, 12)] == ["0 orders", "2 orders", "12 orders"]


def test_a_plan_with_nothing_to_create_first_does_not_start_with_then(qapp: object) -> None:
    assert plan(1).describe().splitlines() == ["Create 1 invoice in Xero."]
    contact = NewContactPlan("C-1", "Shop")
    lines = plan(2, (contact, contact)).describe().splitlines()
    assert lines[0] == "Create 2 contacts in Xero:" and lines[-1] == "Then create 2 invoices."


def test_an_import_counts_its_orders_and_problems_in_words_that_agree(
    window: MainWindow,
    import_lines: Callable[..., object],
    tmp_path: Path,
    shown: Shown,
    qtbot: QtBot,
) -> None:
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    outcome = import_lines([line("SO-1")])
    assert [each.line for each in outcome.files] == ["orders-1.csv: imported 1 order"]  # type: ignore[attr-defined]
    bad = tmp_path / "bad.csv"
    bad.write_text("order_ref,posted_date\nSO-9,yesterday\n", encoding="utf-8")
    with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS) as imported:
        window.import_files([bad])
    assert imported.args[0].files[0].line == "bad.csv: not imported (1 problem)"
    shown.take("warning")


def test_a_retry_s_result_is_one_sentence(
    window: MainWindow, connected: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    import_lines([line("SO-1", NEW_CUSTOMER)])
    dialog = resolve_in_dialog(window, ["SO-1"], "retry", qtbot)
    assert dialog.results_label.text() == "Retry of 1 order: 0 succeeded, 1 failed."


def test_phrases_without_a_plural_keep_their_text(qapp: object) -> None:
    assert counted("\u2026and %n more", 2) == "\u2026and 2 more"
    assert QCoreApplication.translate(CONTEXT, "Sync now") == "Sync now"
