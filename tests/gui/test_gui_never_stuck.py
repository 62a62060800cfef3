"""The window is never left stuck: orders imported while another process syncs this data
folder go as soon as that sync ends, with no user action."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from gui_support import (
    MISSING_SKU,
    QT_MARKS,
    WAIT_MS,
    cell,
    line,
    order_id,
    resolve_in_dialog,
    status_of,
    table_texts,
    wait_idle,
    write_orders,
)
from pytestqt.qtbot import QtBot

from xerologdesk.sandbox import Sandbox
from xerologdesk.store import queries
from xerologdesk.sync.engine import Action
from xerologdesk.sync.lock import SyncLock
from xerologdesk.ui.main_window import WAITING_FOR_OTHER_SYNC, MainWindow
from xerologdesk.ui.order_jobs import RunReport
from xerologdesk.ui.order_story import status_line

pytestmark = QT_MARKS


def test_orders_dropped_in_the_inbox_while_another_process_syncs_go_when_it_has_finished(
    window: MainWindow, connected: Sandbox, tmp_path: Path, qtbot: QtBot
) -> None:
    window.desktop.app.settings.set("auto_sync_new_orders", True)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    window.inbox.set_settle_interval(20)
    window.inbox.watch(str(inbox))
    other = SyncLock(window.desktop.app.data_dir)  # another process's run, as the lock sees it
    other.acquire()
    try:
        with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS) as refused:
            write_orders(inbox / "monday.csv", [line("SO-1"), line("SO-2")])
        report: RunReport = refused.args[0]
        assert report.busy and "another xerologdesk is syncing" in report.stopped
        assert [status_of(window, ref) for ref in ("SO-1", "SO-2")] == ["Pending", "Pending"]
        assert window.statusBar().currentMessage() == WAITING_FOR_OTHER_SYNC
    finally:
        other.release()
    # No click: the window sees the lock free and syncs the new orders.
    qtbot.waitUntil(
        lambda: [status_of(window, ref) for ref in ("SO-1", "SO-2")] == ["Succeeded"] * 2,
        timeout=WAIT_MS,
    )
    assert sorted(
        i["Reference"] for i in connected.state()["invoices"] if i["Reference"] in {"SO-1", "SO-2"}
    ) == ["SO-1", "SO-2"]


@pytest.fixture
def by_hand(window: MainWindow, connected: Sandbox) -> Sandbox:
    """The connected sandbox, new orders synced only when asked."""
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    return connected


def test_an_auto_sync_waiting_to_try_again_says_so_and_the_next_sync_does_it(
    window: MainWindow,
    by_hand: Sandbox,
    import_lines: Callable[..., object],
    qtbot: QtBot,
) -> None:
    import_lines([line("SO-1", sku=MISSING_SKU, product="Single Origin Kenya")])
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.sync_now()
    wait_idle(window, qtbot)  # the log's rows, read again on a reader at the run's end
    assert status_of(window, "SO-1") == "Failed"
    by_hand.set_faults(
        {"script": [{"method": "PUT", "resource": "/Items", "status": 503, "times": 10}]}
    )
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS) as stopped:
        window.orders.resolve([order_id(window, "SO-1")], Action.AUTO_SYNC)
    assert stopped.args[0].stopped
    wait_idle(window, qtbot)
    assert status_of(window, "SO-1") == "Pending"
    assert cell(window, "SO-1", "reason").startswith("Auto Sync waiting to try again: ")
    row = queries.log_row(order_id(window, "SO-1"))
    assert row is not None
    assert status_line(row).startswith("Pending: Auto Sync waiting to try again: ")
    # The next plain sync (the window's own) carries the Auto Sync out: the item is made.
    by_hand.set_faults({})
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.sync_now()
    wait_idle(window, qtbot)
    assert status_of(window, "SO-1") == "Succeeded"
    assert [i["Code"] for i in by_hand.state()["items"]].count(MISSING_SKU) == 1


def test_an_order_xero_keeps_failing_on_is_named_and_the_others_go(
    window: MainWindow,
    by_hand: Sandbox,
    import_lines: Callable[..., object],
    qtbot: QtBot,
) -> None:
    refs = [f"SO-{n:02d}" for n in range(1, 7)]
    import_lines([line(ref) for ref in refs])
    poison = {"method": "PUT", "resource": "/Invoices", "status": 500, "contains": "SO-03"}
    by_hand.set_faults({"script": [{**poison, "times": 1000}]})
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS) as finished:
        window.sync_now()
    report: RunReport = finished.args[0]
    assert (report.stopped, report.held_back) == ("", ("SO-03",))
    wait_idle(window, qtbot)
    assert "Xero kept failing on SO-03 alone: they stay pending" in (
        window.statusBar().currentMessage()
    )
    assert [status_of(window, ref) for ref in refs] == ["Succeeded"] * 2 + ["Pending"] + [
        "Succeeded"
    ] * 3
    assert cell(window, "SO-03", "reason").startswith("Xero failed on this order alone")


def test_a_pending_order_is_dismissed_from_the_resolve_dialog(
    window: MainWindow, by_hand: Sandbox, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    import_lines([line("SO-1"), line("SO-2")])
    assert status_of(window, "SO-1") == "Pending"
    dialog = resolve_in_dialog(window, ["SO-1"], "dismiss", qtbot)
    assert table_texts(dialog.results) == [["SO-1", "Dismissed", "Dismissed: Xero left untouched."]]
    assert status_of(window, "SO-1") == "Dismissed"
    with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS):
        window.sync_now()
    wait_idle(window, qtbot)
    assert (status_of(window, "SO-1"), status_of(window, "SO-2")) == ("Dismissed", "Succeeded")
