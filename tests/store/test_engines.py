"""The seam between SQLite and PostgreSQL (store.engines): the database URL, its password kept
out of sight, and what opening a PostgreSQL database makes there."""

from __future__ import annotations

import logging
from pathlib import Path

import peewee
import psycopg
import pytest

from xerologdesk.app import (
    DATABASE_URL_FILE,
    DATABASE_URL_VARIABLE,
    DatabaseUrlRefused,
    chosen_database_url,
    save_database_url,
    saved_database_url,
)
from xerologdesk.store import db as store_db
from xerologdesk.store.db import (
    SCHEMA_V1,
    change_marker,
    check_server,
    open_server,
    schema_version,
    write_transaction,
)
from xerologdesk.store.engines import (
    FOLD_FUNCTION,
    NAME_TABLE,
    POSTGRES,
    SEARCHED_REF,
    SEARCHED_TEXT,
    VERSION_TABLE,
    engine_of,
    is_server_url,
    redacted,
)
from xerologdesk.store.folding import fold_accents, letters_folded
from xerologdesk.store.models import Setting
from xerologdesk.store.search import matching, search_ids
from xerologdesk.store.trouble import NewerDatabaseError, ServerDatabaseError, problem_from

SECRET = "s3cret-Pa55"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://desk@db.example/book", "postgresql://desk@db.example/book"),
        (
            f"postgresql://desk:{SECRET}@db.example:5433/book",
            "postgresql://desk:***@db.example:5433/book",
        ),
        (
            f"postgresql://db.example/book?user=desk&password={SECRET}&sslmode=require",
            "postgresql://db.example/book?user=desk&password=***&sslmode=require",
        ),
        (f"postgres://desk:{SECRET}@/book?host=/run/pg", "postgres://desk:***@/book?host=/run/pg"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert redacted(url) == shown
    assert SECRET not in redacted(url)


def test_the_url_comes_from_the_option_else_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
    assert chosen_database_url(None) is None  # SQLite, the default
    monkeypatch.setenv(DATABASE_URL_VARIABLE, "postgresql://team@server/book")
    assert chosen_database_url(None) == "postgresql://team@server/book"
    assert chosen_database_url("postgresql://me@other/book") == "postgresql://me@other/book"
    assert is_server_url("postgres://me@other/book")
    assert not is_server_url("/home/me/xerologdesk.db")


def test_a_url_saved_in_settings_comes_after_the_option_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
    assert saved_database_url(tmp_path) == ""
    save_database_url(tmp_path, "  postgresql://alice@db.example/book  ")
    assert saved_database_url(tmp_path) == "postgresql://alice@db.example/book"
    assert chosen_database_url(None, tmp_path) == "postgresql://alice@db.example/book"
    monkeypatch.setenv(DATABASE_URL_VARIABLE, "postgresql://team@server/book")
    assert chosen_database_url(None, tmp_path) == "postgresql://team@server/book"
    assert chosen_database_url("postgresql://me@other/book", tmp_path) == (
        "postgresql://me@other/book"
    )
    save_database_url(tmp_path, "")  # back to this desktop's own SQLite file
    assert not (tmp_path / DATABASE_URL_FILE).exists()
    monkeypatch.delenv(DATABASE_URL_VARIABLE)
    assert chosen_database_url(None, tmp_path) is None


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://desk:{SECRET}@db.example/book",
        f"postgresql://db.example/book?user=desk&password={SECRET}",
        f"mysql://desk:{SECRET}@server/book",
    ],
)
def test_a_url_with_a_password_or_not_postgresql_is_never_saved(tmp_path: Path, url: str) -> None:
    with pytest.raises(DatabaseUrlRefused) as refused:
        save_database_url(tmp_path, url)
    assert SECRET not in str(refused.value)
    assert not (tmp_path / DATABASE_URL_FILE).exists()


def test_testing_a_connection_says_what_is_there_and_never_the_password(
    postgres_url: str, postgres_book_url: str
) -> None:
    assert check_server(postgres_url).endswith(
        "no order book there yet; the first desktop to open it makes one."
    )
    found = check_server(postgres_book_url)
    assert found.startswith("Connected to PostgreSQL ")
    assert found.endswith(f"the team's order book is there (schema v{schema_version()}).")
    wrong = f"postgresql://desk:{SECRET}@/book?host=/nonexistent-socket-dir"
    with pytest.raises(ServerDatabaseError) as refused:
        check_server(wrong)
    assert "postgresql://desk:***@/book" in str(refused.value)
    assert SECRET not in str(refused.value)


def test_a_url_that_is_not_postgresql_is_refused_without_showing_its_password() -> None:
    with pytest.raises(ServerDatabaseError) as refused:
        chosen_database_url(f"mysql://desk:{SECRET}@server/book")
    assert "not a postgresql:// URL" in str(refused.value)
    assert SECRET not in str(refused.value)


def test_the_first_schema_says_in_postgresql_what_it_says_in_sqlite() -> None:
    translated = "\n".join(POSTGRES.schema(SCHEMA_V1))
    for sqlite_only in ("COLLATE NOCASE", "INTEGER", " BEGIN\n", "IS NOT NEW"):
        assert sqlite_only not in translated
    assert "order_ref CITEXT NOT NULL" in translated
    assert "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" in translated


def test_an_unreachable_server_is_said_plainly_and_never_with_the_password(
    postgres_server: object, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"postgresql://desk:{SECRET}@/book?host=/nonexistent-socket-dir&connect_timeout=2"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ServerDatabaseError) as refused:
        open_server(url)
    message = str(refused.value)
    assert "postgresql://desk:***@/book" in message and "could not be used" in message
    assert SECRET not in message
    assert SECRET not in caplog.text


def test_opening_an_empty_database_makes_the_whole_order_book(postgres_url: str) -> None:
    opened = open_server(postgres_url)
    try:
        assert engine_of(opened) is POSTGRES
        assert store_db.user_version(opened) == schema_version()
        tables = set(opened.get_tables())
        assert {"customer", "sales_order", "log_entry", "outbox", "status_count"} <= tables
        indexes = {row[0] for row in opened.execute_sql("SELECT indexname FROM pg_indexes")}
        searched = {"xld_log_name_trgm", "log_entry_ref_trgm", "product_sku_trgm"}
        assert {*searched, "log_entry_total"} <= indexes
        assert "log_entry_search_trgm" not in indexes  # what v11 replaced
    finally:
        opened.close()
    open_server(postgres_url).close()  # a second opening finds it current and changes nothing


def test_a_database_from_a_newer_program_is_refused(postgres_book_url: str) -> None:
    with psycopg.connect(postgres_book_url, autocommit=True) as other:
        other.execute(f"UPDATE {VERSION_TABLE} SET version = version + 1")
    with pytest.raises(NewerDatabaseError) as refused:
        open_server(postgres_book_url)
    assert f"schema v{schema_version() + 1}" in str(refused.value)


def test_the_folding_function_folds_as_the_program_does(postgres_book_url: str) -> None:
    opened = open_server(postgres_book_url)
    try:
        every = "".join(letters_folded()) + " Café Étoile, Œuvre & Straße "
        (folded,) = opened.execute_sql(f"SELECT {FOLD_FUNCTION}(%s)", (every,)).fetchone()
        assert folded == fold_accents(every)
    finally:
        opened.close()


def test_a_search_reads_the_names_then_their_orders_off_indexes(postgres_book_url: str) -> None:
    opened = open_server(postgres_book_url)
    try:
        condition = matching("bakery")
        with opened.atomic():
            opened.execute_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(
                row[0]
                for row in opened.execute_sql(
                    f"EXPLAIN SELECT order_id FROM log_entry WHERE {condition.sql}",
                    condition.params,
                )
            )
        for index in (
            "xld_log_name_trgm",  # the names holding the text
            "log_entry_customer ",  # their orders, by name
            "log_entry_customer_reference",  # and by reference
            "log_entry_ref_trgm",  # the orders' refs and invoice numbers
        ):
            assert index in plan, plan
    finally:
        opened.close()


def test_v11_drops_the_index_of_the_whole_text_and_lists_the_names_the_log_holds(
    postgres_url: str,
) -> None:
    opened = open_server(postgres_url)
    try:
        # A log as version 10 left it: its whole text's trigram index, no table of names, no
        # folded refs (their index goes with them).
        for kept_by in ("insert", "update"):  # the triggers go with their functions
            opened.execute_sql(f"DROP FUNCTION {NAME_TABLE}_{kept_by}() CASCADE")
        opened.execute_sql(f"DROP TABLE {NAME_TABLE}")
        opened.execute_sql(f"ALTER TABLE log_entry DROP COLUMN {SEARCHED_REF}")
        opened.execute_sql(
            f"CREATE INDEX log_entry_search_trgm ON log_entry USING gin ({SEARCHED_TEXT} "
            "gin_trgm_ops)"
        )
        opened.execute_sql(
            "INSERT INTO customer (id, reference, name) VALUES (1, 'C-1', 'Caf\u00e9 Marco')"
        )
        opened.execute_sql(
            "INSERT INTO sales_order (id, ref, customer_id, posted_date, currency, "
            "content_hash, imported_at) VALUES (1, 'SO-1', 1, '2026-01-05', 'AUD', '', '')"
        )
        opened.execute_sql(
            "INSERT INTO log_entry (order_id, created_at, updated_at, order_ref, posted_date, "
            "customer_name, customer_reference, currency, total) "
            "VALUES (1, '', '', 'SO-1', '2026-01-05', 'Caf\u00e9 Marco', 'C-1', 'AUD', 0)"
        )
        opened.execute_sql(f"UPDATE {VERSION_TABLE} SET version = 10")
    finally:
        opened.close()
    opened = open_server(postgres_url)
    try:
        assert store_db.user_version(opened) == schema_version()
        indexes = {row[0] for row in opened.execute_sql("SELECT indexname FROM pg_indexes")}
        assert "log_entry_search_trgm" not in indexes
        names = {row[0] for row in opened.execute_sql(f"SELECT name FROM {NAME_TABLE}")}
        assert names == {"Caf\u00e9 Marco", "C-1"}
        assert search_ids("cafe marco", 10) == [1]
        assert search_ids("so-1", 10) == [1]  # its ref, folded when the column was added
        # A rename adds the new name; a later order's name arrives with it.
        opened.execute_sql("UPDATE log_entry SET customer_name = 'Glebe Bakery'")
        assert search_ids("glebe", 10) == [1]
        assert search_ids("cafe marco", 10) == []
    finally:
        opened.close()


def test_a_count_runs_on_one_server_process_and_leaves_the_setting_as_it_was(
    postgres_book_url: str,
) -> None:
    opened = open_server(postgres_book_url)

    def workers() -> str:
        return str(opened.execute_sql("SHOW max_parallel_workers_per_gather").fetchone()[0])

    try:
        before = workers()
        with POSTGRES.one_process(opened):
            assert workers() == "0"
        assert workers() == before != "0"
    finally:
        opened.close()


def test_a_commit_from_another_desktop_changes_the_marker(postgres_book_url: str) -> None:
    opened: peewee.Database = open_server(postgres_book_url)
    try:
        before = change_marker()
        assert change_marker() == before  # reading changes nothing
        with psycopg.connect(postgres_book_url) as other:
            other.execute("UPDATE status_count SET count = count WHERE status = 'pending'")
        assert change_marker() != before
    finally:
        opened.close()


def test_the_marker_moves_once_a_writing_transaction_and_never_for_reads(
    postgres_book_url: str,
) -> None:
    opened: peewee.Database = open_server(postgres_book_url)
    try:
        _, before = change_marker()
        assert [s.key for s in Setting.select()] == []  # a read
        assert change_marker()[1] == before
        with write_transaction():  # many statements, one transaction: one step
            for number in range(3):
                Setting.insert(key=f"k{number}", value="1").execute()
        assert change_marker()[1] == before + 1
        Setting.update(value="2").where(Setting.key == "k0").execute()  # a statement of its own
        assert change_marker()[1] == before + 2
    finally:
        opened.close()


def test_a_server_gone_mid_command_is_said_plainly_and_the_next_command_reconnects(
    postgres_book_url: str,
) -> None:
    opened = open_server(postgres_book_url)
    try:
        Setting.insert(key="kept", value="1").execute()
        with psycopg.connect(postgres_book_url, autocommit=True) as admin:  # the server restarts
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with pytest.raises(peewee.DatabaseError) as lost, write_transaction():
            Setting.insert(key="half", value="1").execute()
        problem = problem_from(lost.value)
        assert isinstance(problem, ServerDatabaseError)
        assert "could not be used" in str(problem) and "postgresql://postgres@" in str(problem)
        # The server is back: the next statement connects again by itself.
        assert sorted(s.key for s in Setting.select()) == ["kept"]
    finally:
        opened.close()
