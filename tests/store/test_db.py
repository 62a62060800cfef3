"""Opening the order book: new files, migrations with a backup first, and files to refuse
without touching them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee
import pytest

from xerologdesk.store import db as store_db
from xerologdesk.store.db import (
    CorruptDatabaseError,
    NewerDatabaseError,
    backup_path,
    open_database,
    schema_version,
    search_index_ready,
)
from xerologdesk.store.models import MODELS, Customer, LogEntry


def _pragma(database: peewee.Database, name: str) -> object:
    return database.execute_sql(f"PRAGMA {name}").fetchone()[0]


def _user_version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])
    finally:
        connection.close()


def _files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_a_new_file_gets_the_whole_schema_and_the_pragmas(
    db: peewee.Database, db_path: Path
) -> None:
    assert _pragma(db, "user_version") == schema_version()
    assert _pragma(db, "journal_mode") == "wal"
    assert _pragma(db, "foreign_keys") == 1
    assert _pragma(db, "synchronous") == 1
    assert _pragma(db, "busy_timeout") == store_db.BUSY_TIMEOUT_MS
    assert not list(db_path.parent.glob("*.bak"))  # nothing to back up


def test_the_models_match_the_migrated_schema(db: peewee.Database) -> None:
    for model in MODELS:
        table = model._meta.table_name
        columns = {row[1] for row in db.execute_sql(f'PRAGMA table_info("{table}")')}
        fields = {field.column_name for field in model._meta.sorted_fields}
        assert fields == columns, table


def test_foreign_keys_are_enforced(db: peewee.Database) -> None:
    with pytest.raises(peewee.IntegrityError):
        db.execute_sql(
            "INSERT INTO sales_order (ref, customer_id, posted_date, currency, content_hash, "
            "imported_at) VALUES ('SO-1', 999, '2026-05-01', 'AUD', 'x', 'now')"
        )


def test_reopening_keeps_the_data_and_takes_no_backup(db_path: Path) -> None:
    database = open_database(db_path)
    Customer.create(reference="C-1", name="Acme")
    database.close()
    database = open_database(db_path)
    try:
        assert [c.name for c in Customer.select()] == ["Acme"]
        assert not list(db_path.parent.glob("*.bak"))
    finally:
        database.close()


def _add_loyalty_column(database: peewee.Database) -> None:
    database.execute_sql("ALTER TABLE customer ADD COLUMN loyalty TEXT NOT NULL DEFAULT ''")


def test_an_older_file_is_backed_up_then_migrated(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(db_path)
    Customer.create(reference="C-1", name="Acme")
    database.close()
    current = schema_version()
    monkeypatch.setattr(store_db, "MIGRATIONS", [*store_db.MIGRATIONS, _add_loyalty_column])

    database = open_database(db_path)
    try:
        assert _pragma(database, "user_version") == current + 1
        columns = {row[1] for row in database.execute_sql("PRAGMA table_info(customer)")}
        assert "loyalty" in columns
        assert [c.name for c in Customer.select()] == ["Acme"]
    finally:
        database.close()
    backup = db_path.with_name(f"xerologdesk.db.before-v{current + 1}.bak")
    assert backup.is_file()
    assert _user_version(backup) == current
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT reference, name FROM customer").fetchall() == [("C-1", "Acme")]
    finally:
        copy.close()


def test_a_failed_migration_leaves_the_file_at_its_last_version(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(db_path)
    Customer.create(reference="C-1", name="Acme")
    database.close()

    def half_done(database: peewee.Database) -> None:
        _add_loyalty_column(database)
        raise RuntimeError("migration bug")

    current = schema_version()
    monkeypatch.setattr(store_db, "MIGRATIONS", [*store_db.MIGRATIONS, half_done])
    with pytest.raises(RuntimeError, match="migration bug"):
        open_database(db_path)
    assert _user_version(db_path) == current
    check = sqlite3.connect(db_path)
    try:
        columns = {row[1] for row in check.execute("PRAGMA table_info(customer)")}
        assert "loyalty" not in columns  # rolled back with its transaction
        assert check.execute("SELECT name FROM customer").fetchall() == [("Acme",)]
    finally:
        check.close()
    assert db_path.with_name(f"xerologdesk.db.before-v{current + 1}.bak").is_file()


def test_backups_never_overwrite_an_earlier_one(db_path: Path) -> None:
    first = backup_path(db_path, 2)
    first.write_bytes(b"earlier backup")
    assert backup_path(db_path, 2) == db_path.with_name("xerologdesk.db.before-v2-2.bak")


def test_a_newer_file_is_refused_untouched(db_path: Path) -> None:
    database = open_database(db_path)
    Customer.create(reference="C-1", name="Acme")
    database.close()
    known = schema_version()
    newer = sqlite3.connect(db_path)
    newer.execute(f"PRAGMA user_version = {known + 3}")
    newer.commit()
    newer.close()
    before = db_path.read_bytes()

    with pytest.raises(NewerDatabaseError) as refused:
        open_database(db_path)

    assert str(refused.value) == (
        f"This database was written by a newer xerologdesk (schema v{known + 3}; this program "
        f"knows up "
        f"to v{known}). Open it with that version or choose another data directory."
    )
    assert db_path.read_bytes() == before
    assert _user_version(db_path) == known + 3
    assert not list(db_path.parent.glob("*.bak"))


def test_a_file_that_is_not_a_database_is_refused_untouched(db_path: Path) -> None:
    garbage = b"this is not SQLite at all\n" * 400
    db_path.write_bytes(garbage)

    with pytest.raises(CorruptDatabaseError) as refused:
        open_database(db_path)

    assert "file is not a database" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)
    assert _files(db_path.parent) == {"xerologdesk.db": garbage}


def test_a_damaged_database_is_refused_untouched(db_path: Path) -> None:
    database = open_database(db_path)
    for number in range(300):
        Customer.create(reference=f"C-{number}", name="x" * 200)
    database.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    data[2 * page : 6 * page] = b"\xff" * (4 * page)  # scribble over table and index pages
    db_path.write_bytes(bytes(data))

    with pytest.raises(CorruptDatabaseError):
        open_database(db_path)
    assert db_path.read_bytes() == bytes(data)


def test_another_programs_database_is_refused(db_path: Path) -> None:
    other = sqlite3.connect(db_path)
    other.execute("CREATE TABLE notes (text TEXT)")
    other.commit()
    other.close()
    with pytest.raises(CorruptDatabaseError, match="no xerologdesk schema version"):
        open_database(db_path)


def test_without_trigram_search_falls_back_and_later_gets_its_index(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "trigram_available", lambda: False)
    database = open_database(db_path)
    assert not search_index_ready()
    assert "log_search" not in {
        row[0] for row in database.execute_sql("SELECT name FROM sqlite_master")
    }
    database.close()

    monkeypatch.undo()
    database = open_database(db_path)
    try:
        assert search_index_ready()
        assert LogEntry.select().count() == 0
    finally:
        database.close()
