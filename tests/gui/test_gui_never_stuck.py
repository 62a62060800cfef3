"""The window is never left stuck: orders imported while another process syncs this data
folder go as soon as that sync ends, with no user action."""

from __future__ import annotations

from collections.abc import Callable

from gui_support import WAIT_MS, line, status_of
from pytestqt.qtbot import QtBot

from xerologdesk.sandbox import Sandbox
from xerologdesk.sync.lock import SyncLock
from xerologdesk.ui.main_window import WAITING_FOR_OTHER_SYNC, MainWindow
from xerologdesk.ui.order_jobs import RunReport


def test_orders_imported_while_another_process_syncs_go_when_it_has_finished(
    window: MainWindow,
    connected: Sandbox,
    import_lines: Callable[..., object],
    qtbot: QtBot,
) -> None:
    window.desktop.app.settings.set("auto_sync_new_orders", True)
    other = SyncLock(window.desktop.app.data_dir)  # another process's run, as the lock sees it
    other.acquire()
    try:
        with qtbot.waitSignal(window.orders.run_finished, timeout=WAIT_MS) as refused:
            import_lines([line("SO-1"), line("SO-2")], wait_sync=False)
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
