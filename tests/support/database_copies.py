"""A database backed up and restored as a user's backup tool does it."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def backup_database(database: Path, backup: Path) -> None:
    """A backup as a user's backup tool makes one: a consistent copy of the WAL database."""
    with sqlite3.connect(database) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)
    live.close()
    copy.close()


def restore_database(database: Path, backup: Path) -> None:
    """The database file replaced by ``backup`` (the old file's WAL and index removed)."""
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.write_bytes(backup.read_bytes())
