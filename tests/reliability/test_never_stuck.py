"""Never stuck: an Auto Sync's intent survives transient trouble, a poisoned order cannot hold
the others, a lost answer that cannot be settled does not stop new orders, and a pending order
can be dismissed. Real command, real HTTP, the sandbox's fault script."""

from __future__ import annotations

from tests.sync.conftest import Desk, contact_record, line, put_in_xero

AUTO_SYNC_SETTINGS = {
    "default_sales_account": "200",
    "default_tax_rate": "OUTPUT",
    "default_non_taxable_tax_rate": "EXEMPTOUTPUT",
}


def codes(row: dict[str, object]) -> list[str]:
    return [reason["code"] for reason in row["reasons"]]  # type: ignore[attr-defined]


def test_an_auto_sync_stopped_by_503s_is_carried_out_by_the_next_sync(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")])
    desk.settings(**AUTO_SYNC_SETTINGS)
    desk.import_rows(
        [line("SO-1", ("C-1", "Acme"), "NEW-1"), line("SO-2", ("C-1", "Acme"), "NEW-1")]
    )
    desk("sync")
    assert {ref: codes(row) for ref, row in desk.log().items()} == {
        "SO-1": ["product_not_found"],
        "SO-2": ["product_not_found"],
    }
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Items", "status": 503, "times": 10}]}
    )
    stopped = desk("resolve", "--auto-sync", "SO-1", "SO-2")
    assert stopped.code != 0 and "503" in stopped.err
    log = desk.log()
    assert {row["status"] for row in log.values()} == {"pending"}
    # The log says what the pending orders wait for.
    assert {row["pending_action"] for row in log.values()} == {"auto_sync"}
    listing = desk("log").out
    assert listing.count("Auto Sync waiting to try again") == 2
    desk.sandbox.set_faults({})
    synced = desk("sync")
    assert synced.code == 0, synced.err
    log = desk.log()
    assert {row["status"] for row in log.values()} == {"succeeded"}
    assert {row["pending_action"] for row in log.values()} == {None}
    state = desk.xero()
    assert [item["Code"] for item in state["items"]] == ["NEW-1"]
    assert sorted(invoice["Reference"] for invoice in state["invoices"]) == ["SO-1", "SO-2"]
