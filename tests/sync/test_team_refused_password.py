"""A team desktop whose password the server refuses: a plain message, no traceback, the password
never shown; its orders stay as they were; once the password file is right again, it works."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.desks import Run, connected_desk, line
from tests.support.postgres import LOCKED_PASSWORD, SERVER_USER, PostgresServer
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
