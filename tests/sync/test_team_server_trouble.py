"""Team mode when the server says no or goes away: a refused password is said plainly (never
the password, no traceback) and changes nothing; a server that drops the sync's connections
mid-run never makes an invoice twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.support.call_watch import CallWatch
from tests.support.desks import Desk, Run, connected_desk, line
from tests.support.postgres import LOCKED_PASSWORD, SERVER_USER, PostgresServer
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.app import DATABASE_URL_VARIABLE
from xerologdesk.sandbox import Sandbox

WRONG = "not-the-password"


def test_a_refused_password_is_said_plainly_and_nothing_changes(
    tmp_path: Path,
    empty_sandbox: Sandbox,
    run_cli: Callable[..., Run],
    postgres_server: PostgresServer,
    postgres_book_url: str,
    postgres_locked_role: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = postgres_book_url.rsplit("/", 1)[1]
    url = postgres_server.url(database).replace(f"{SERVER_USER}@", f"{postgres_locked_role}@", 1)
    passwords = tmp_path / "pgpass"

    def password_file_says(password: str) -> None:
        passwords.write_text(f"*:*:*:{postgres_locked_role}:{password}\n")
        passwords.chmod(0o600)

    password_file_says(LOCKED_PASSWORD)
    monkeypatch.setenv("PGPASSFILE", str(passwords))
    monkeypatch.setenv(DATABASE_URL_VARIABLE, url)
    desk = connected_desk(tmp_path, empty_sandbox, run_cli, "carol")
    desk.import_rows([line("SO-1", ("C-1", "Acme Ltd"), "W-1")])

    password_file_says(WRONG)
    refused = desk("resolve", "--dismiss", "SO-1")
    assert refused.code == 2
    assert "could not be used" in refused.err
    assert "password authentication failed" in refused.err
    assert "Traceback" not in refused.err
    assert WRONG not in refused.err + refused.out

    password_file_says(LOCKED_PASSWORD)
    assert desk.log()["SO-1"]["status"] == "pending"  # the refused dismiss changed nothing


def test_a_server_gone_mid_sync_never_doubles_an_invoice(
    alice: Desk,
    watch_calls: Callable[[Sandbox], CallWatch],
    postgres_book_url: str,
) -> None:
    """The server drops every connection of the team's database while the sync's first invoice
    request is with Xero: the command ends with a plain message, and after the next sync every
    order has exactly one invoice (the one that reached Xero adopted, never sent again)."""
    put_in_xero(alice.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("W-1")])
    alice.import_rows([line(f"SO-{n}", ("C-1", "Acme"), "W-1") for n in range(1, 4)])
    cut: list[str] = []

    def drop_the_server(method: str, resource: str) -> None:
        if (method, resource) == ("PUT", "/Invoices") and not cut:
            cut.append(resource)
            with psycopg.connect(postgres_book_url, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

    watch_calls(alice.sandbox).on_call = drop_the_server
    first = alice("sync")
    assert cut, "the sync never sent an invoice"
    # The run's claims went with the connections: it stops rather than send without them.
    assert first.code == 2 and "could not be used" in first.err
    assert (
        "Nothing is half-written: what was saved before is kept, and a sync cut short is picked "
        "up by the next one (nothing is sent to Xero twice)."
    ) in first.err
    assert "Traceback" not in first.err
    assert alice("sync").code == 0
    assert {row["status"] for row in alice.log().values()} == {"succeeded"}
    references = sorted(invoice["Reference"] for invoice in alice.xero()["invoices"])
    assert references == ["SO-1", "SO-2", "SO-3"]
