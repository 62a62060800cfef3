"""Team mode end to end: the order book on PostgreSQL, driven by the command line against the
sandbox (``--database-url`` and $XEROLOGDESK_DATABASE_URL), and seen from a second desktop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.support.desks import Desk, Run, connected_desk, line
from xerologdesk.app import DATABASE_FILE, DATABASE_URL_VARIABLE
from xerologdesk.sandbox import Sandbox
from xerologdesk.store.actor import who
from xerologdesk.store.claims import ServerClaims

CUSTOMER = ("ACME-01", "Acme Café Ltd")


def test_import_sync_and_log_with_the_order_book_on_postgresql(
    alice: Desk,
    tmp_path: Path,
    empty_sandbox: Sandbox,
    run_cli: Callable[..., Run],
    postgres_book_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk = alice
    desk.import_rows([line("SO-1", CUSTOMER, "W-1"), line("SO-2", CUSTOMER, "W-2", quantity="3")])

    assert desk("sync").code == 3  # the empty organisation has neither contact nor items
    assert {row["status"] for row in desk.log().values()} == {"failed"}
    resolved = desk("resolve", "--auto-sync", "SO-1", "SO-2")  # creates them (the outbox)
    assert resolved.code == 0, resolved.err
    log = desk.log()
    assert {ref: row["status"] for ref, row in log.items()} == {
        "SO-1": "succeeded",
        "SO-2": "succeeded",
    }
    invoices = desk.xero()["invoices"]
    assert sorted(invoice["Reference"] for invoice in invoices) == ["SO-1", "SO-2"]
    assert sorted(row["xero_invoice_id"] for row in log.values()) == sorted(
        invoice["InvoiceID"] for invoice in invoices
    )
    # The log lives on the server: no SQLite file was made in the data directory.
    assert not (desk.data_dir / DATABASE_FILE).exists()
    with psycopg.connect(postgres_book_url) as server:
        assert server.execute("SELECT count(*) FROM log_entry").fetchone() == (2,)

    # A second desktop pointed at the same database (by the option this time) sees it all,
    # searches it with accents folded, and finds nothing left to sync.
    monkeypatch.delenv(DATABASE_URL_VARIABLE)
    bob = Desk(tmp_path / "bob", empty_sandbox, run_cli, tmp_path)
    seen = bob("--database-url", postgres_book_url, "log", "--json", "--search", "acme cafe")
    assert seen.code == 0, seen.err
    assert '"SO-1"' in seen.out and '"SO-2"' in seen.out
    again = bob("--database-url", postgres_book_url, "sync")
    assert again.code == 0, again.err
    assert len(desk.xero()["invoices"]) == 2


def test_a_server_that_cannot_be_reached_is_said_plainly(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    url = "postgresql://desk:hunter2@/book?host=/nonexistent-socket-dir&connect_timeout=2"
    result = run_cli("--data-dir", str(tmp_path / "data"), "--database-url", url, "log")
    assert result.code == 2
    assert "postgresql://desk:***@/book" in result.err and "could not be used" in result.err
    assert "hunter2" not in result.err + result.out


def test_a_desktops_log_is_copied_whole_into_an_empty_database(
    desk: Desk, postgres_url: str
) -> None:
    desk.settings_for_auto_sync()
    desk.import_rows([line("SO-1", CUSTOMER, "W-1"), line("SO-2", ("B-2", "Bistro Zoë"), "W-2")])
    assert desk("sync").code == 3
    assert desk("resolve", "--auto-sync", "SO-1").code == 0
    assert desk("resolve", "--dismiss", "--reason", "sent by post", "SO-2").code == 0
    dismissed = desk.log()["SO-2"]["last_action"]
    assert (dismissed["action"], dismissed["by"]) == ("dismiss", who())  # user@machine
    before = desk("log", "--json")

    copied = desk("database", "copy", "--to", postgres_url)
    assert copied.code == 0, copied.err
    assert "2 sales_order" in copied.out and "2 log_entry" in copied.out

    on_server = desk("--database-url", postgres_url, "log", "--json")
    assert on_server.code == 0, on_server.err
    assert on_server.out == before.out
    status = desk("--database-url", postgres_url, "status")
    assert status.code == 0 and "succeeded" in status.out.lower()
    assert f"Order book: {postgres_url} (team mode, PostgreSQL)" in status.out
    shown = desk("--database-url", postgres_url, "settings", "default_sales_account")
    assert shown.out.strip().endswith("200")
    with psycopg.connect(postgres_url) as server:
        counts = dict(server.execute("SELECT status, count FROM status_count").fetchall())
        assert counts == {"pending": 0, "succeeded": 1, "failed": 0, "dismissed": 1}
        outbox = server.execute("SELECT count(*) FROM outbox").fetchone()
        assert outbox is not None and outbox[0] >= 3  # the contact, the item, the invoice

    again = desk("database", "copy", "--to", postgres_url)
    assert again.code == 2 and "is not empty" in again.err and "nothing was copied" in again.err


def test_a_resolve_leaves_the_orders_another_desktop_is_syncing_and_says_so(
    alice: Desk,
    tmp_path: Path,
    empty_sandbox: Sandbox,
    run_cli: Callable[..., Run],
    postgres_book_url: str,
) -> None:
    alice.import_rows([line(ref, CUSTOMER, "W-1") for ref in ("SO-1", "SO-2", "SO-3")])
    bob = connected_desk(tmp_path, empty_sandbox, run_cli, "bob")  # a data directory of its own
    with psycopg.connect(postgres_book_url) as server:
        ids = dict(server.execute("SELECT ref, id FROM sales_order").fetchall())

    running = ServerClaims(postgres_book_url)  # alice's run, as the server sees it
    running.open()
    try:
        assert running.claim([ids["SO-1"], ids["SO-2"]]).held == [ids["SO-1"], ids["SO-2"]]
        partly = bob("resolve", "--auto-sync", "SO-1", "SO-2", "SO-3")
        assert partly.code == 2, partly.err
        assert (
            "2 orders are being synced on another desktop; left as they are: SO-1, SO-2."
            in partly.err
        )
        assert "SO-1: unchanged (being synced on another desktop)" in partly.out
        assert "synced 1: 1 succeeded, 0 failed, 0 pending" in partly.out
        assert [each["Reference"] for each in empty_sandbox.state()["invoices"]] == ["SO-3"]
        assert {ref: row["status"] for ref, row in bob.log().items()} == {
            "SO-1": "pending",
            "SO-2": "pending",
            "SO-3": "succeeded",
        }
    finally:
        running.close()

    done = bob("resolve", "--auto-sync", "SO-1", "SO-2")
    assert done.code == 0, done.err
    assert len(empty_sandbox.state()["invoices"]) == 3


def test_a_desktop_cannot_connect_the_teams_log_to_another_organisation(
    tmp_path: Path,
    sandbox_factory: Callable[..., Sandbox],
    run_cli: Callable[..., Run],
    postgres_book_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DATABASE_URL_VARIABLE, postgres_book_url)
    team, other = sandbox_factory(seed="empty"), sandbox_factory(seed="demo")
    alice = connected_desk(tmp_path, team, run_cli, "alice")
    before = alice("status").out
    bob = Desk(tmp_path / "bob", other, run_cli, tmp_path)
    refused = bob("connect", "--sandbox", other.base_url)
    assert refused.code == 2
    assert "This team's log is kept for the Xero organisation" in refused.err
    assert "nothing was connected" in refused.err
    assert alice("status").out == before  # the team's connection is as it was
    assert bob("connect", "--sandbox", team.base_url).code == 0  # the team's own: fine
