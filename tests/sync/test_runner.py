"""The runner as the desktop app drives it: a Cancel pressed before the run begins counts."""

from __future__ import annotations

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.app import open_app


def test_a_cancel_before_the_run_starts_sends_nothing(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("A")])
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "A")])
    app = open_app(desk.data_dir, log=False)
    try:
        runner = app.runner()
        runner.cancel()
        summary = runner.sync_pending()
        assert summary.cancelled
        assert desk.sandbox.state()["invoices"] == []
        again = runner.sync_pending()  # the flag does not outlive the run it stopped
        assert not again.cancelled
    finally:
        app.close()
    assert desk.log()["SO-1"]["status"] == "succeeded"
    assert len(desk.sandbox.state()["invoices"]) == 1
