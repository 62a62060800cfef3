"""What can go wrong with the order book's file, said in plain words: the problems (each with
what, where and what to do), waiting for another process's write lock, and telling a full disk
or a read-only folder from a damaged file.

Kept apart from :mod:`xerologdesk.store.db` (which opens the file and raises these) so that the
command line and the window can name every problem without knowing how the file is opened.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import peewee

from xerologdesk import paths
from xerologdesk.store.engines import POSTGRES, engine_of, redacted
from xerologdesk.store.models import database

log = logging.getLogger(__name__)

# SQLite's own busy handler waits this long for a lock before a statement gives up.
BUSY_TIMEOUT_MS = 5000


class DatabaseProblem(Exception):
    """The order book cannot be used as it is; the message says what, where and what to do."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = path  # a file, or a server database's URL without its password
        super().__init__(message)


class NewerDatabaseError(DatabaseProblem):
    """The file's schema is newer than this program knows; nothing was changed."""

    def __init__(self, path: Path | str, found: int, known: int) -> None:
        self.found, self.known = found, known
        super().__init__(
            path,
            f"This database was written by a newer xerologdesk (schema v{found}; this program "
            f"knows up to v{known}). Open it with that version or choose another data directory.",
        )


class ServerDatabaseError(DatabaseProblem):
    """A PostgreSQL database (team mode) could not be reached or used; nothing is half-written
    (a server gone mid-sync leaves its orders to the next sync, which adopts what reached Xero)."""

    def __init__(self, shown_url: str, what: str) -> None:
        super().__init__(
            shown_url,
            f"The database {shown_url} could not be used: {what}. Nothing is half-written: what "
            "was saved before is kept, and a sync cut short is picked up by the next one "
            "(nothing is sent to Xero twice). Check "
            "the database URL (--database-url, XEROLOGDESK_DATABASE_URL or Settings \u2192 "
            "Database), that the server runs and lets this user in (a password goes in the "
            "PGPASSFILE, never in the URL).",
        )


class CorruptDatabaseError(DatabaseProblem):
    """The file is damaged or not a xerologdesk database; nothing was changed."""

    def __init__(self, path: Path, detail: str) -> None:
        self.detail = detail
        super().__init__(
            path,
            f"The database {path} is damaged or is not a xerologdesk database ({detail}). "
            "Nothing was changed. Restore a backup (a *.bak file beside it, if there is one) "
            "or choose another data directory.",
        )


class EmptyDatabaseError(DatabaseProblem):
    """The file is empty although the data directory has been used: the order book was lost."""

    def __init__(self, path: Path, trace: Path, backups: Sequence[Path]) -> None:
        if backups:
            restore = (
                f"Restore the newest backup beside it ({', '.join(b.name for b in backups)}) "
                f"by copying it over {path.name}"
            )
        else:
            restore = "There is no *.bak backup beside it: restore the file from your own backups"
        super().__init__(
            path,
            f"The database {path} is empty (0 bytes), but this data directory has been used "
            f"before ({trace} is there): the order book was lost (a crash, a full disk, a "
            f"copying tool?). Nothing was changed. {restore}, or choose another data directory. "
            "Starting afresh here would sync again orders Xero already has.",
        )


class DatabaseUnwritable(DatabaseProblem):
    """The file or its folder cannot be written: read-only, or the disk is full."""

    def __init__(self, path: Path, what: str, todo: str) -> None:
        super().__init__(path, f"The database {path} cannot be used: {what}. {todo}")


class DatabaseBusyError(DatabaseProblem):
    """Another process kept the database's write lock for longer than this one waits."""

    def __init__(self, path: Path, waited: float) -> None:
        super().__init__(
            path,
            f"The database {path} stayed busy for {waited:.0f} s: another xerologdesk (an import "
            "in another window?) is still writing to it. What this command did so far is kept; "
            "run it again when the other one has finished.",
        )


class DatabaseFileGone(DatabaseProblem):
    """The database file was deleted or replaced while this process had it open."""

    def __init__(self, path: Path, how: str) -> None:
        super().__init__(
            path,
            f"The database {path} was {how} while xerologdesk had it open, so the run stopped: "
            "what it would record could not be kept. Put the file back (or restore a *.bak "
            "backup beside it) and run again; close other programs that move or delete it.",
        )


# -- waiting for another writer -----------------------------------------------------------------

# SQLite's own busy handler waits BUSY_TIMEOUT_MS for a lock; past that a write that has not
# begun (BEGIN, or a statement outside a transaction) is tried again, the wait reported, until
# this limit: an import of 600,000 orders in another window holds the write lock for minutes.
BUSY_WAIT_LIMIT_SECONDS = 600.0
BUSY_WAIT_MESSAGE = (
    "waiting for another xerologdesk to finish writing to the database (an import in another "
    "window?)…"
)


def _quiet(waited: float) -> None:
    log.info("%s %.0f s", BUSY_WAIT_MESSAGE, waited)


# What to do with the wait: the command line prints it, the window shows it.
_busy_reporter: Callable[[float], None] = _quiet


def report_busy_waits(reporter: Callable[[float], None] | None) -> None:
    """Have ``reporter(seconds waited so far)`` called while a write waits for another one."""
    global _busy_reporter
    _busy_reporter = reporter or _quiet


def _is_busy(error: BaseException) -> bool:
    text = str(error)
    return "database is locked" in text or "database is busy" in text


class PatientDatabase(peewee.SqliteDatabase):
    """An SQLite database whose writes wait for another process's write lock, saying so."""

    file_identity: tuple[int, int] | None = None  # (device, inode) of the file opened

    def begin(self, lock_type: str | None = None) -> None:
        self._patiently(lambda: super(PatientDatabase, self).begin(lock_type))

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        plain: Callable[[str, Any], Any] = super().execute_sql  # typed here: peewee's is not
        if self.in_transaction():  # BEGIN IMMEDIATE took the lock: nothing here waits for it
            return plain(sql, params)
        return self._patiently(lambda: plain(sql, params))

    def _patiently(self, statement: Callable[[], Any]) -> Any:
        # Safe to repeat: a statement that met the lock did nothing.
        started = time.monotonic()
        while True:
            try:
                return statement()
            except peewee.OperationalError as error:
                waited = time.monotonic() - started  # SQLite's own wait included
                if not _is_busy(error):
                    raise
                if waited >= BUSY_WAIT_LIMIT_SECONDS:
                    raise DatabaseBusyError(Path(self.database), waited) from error
                _busy_reporter(waited)


# -- why a write failed --------------------------------------------------------------------------

MIN_FREE_BYTES = 1024 * 1024  # less than this free beside the database: the disk is full


def _nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < MIN_FREE_BYTES
    except OSError:
        return False


def disk_full_problem(path: Path) -> DatabaseUnwritable:
    return DatabaseUnwritable(
        path,
        f"the disk holding {path.parent} is full",
        "Nothing was lost: what was done before is kept, and a sync that was cut short is "
        "picked up by the next one (nothing is sent to Xero twice). Free some space on that "
        "disk and run the command again.",
    )


def read_only_folder_problem(path: Path) -> DatabaseUnwritable:
    return DatabaseUnwritable(
        path,
        f"its folder {path.parent} cannot be written to (read-only, or no permission)",
        "Nothing was changed. Give your user write access to that folder (or choose another "
        "data directory with --data-dir) and try again.",
    )


def problem_from(error: BaseException, path: Path | None = None) -> DatabaseProblem | None:
    """The plain-words problem behind an SQLite error met while using the order book, or None
    for an error that is not about the file or its disk (a bug: left to the caller)."""
    if isinstance(error, DatabaseProblem):
        return error
    if path is None:
        opened = getattr(database, "obj", None)
        if opened is None:
            return None
        if engine_of(opened) is POSTGRES:
            return _server_problem(error, str(opened.database))
        path = Path(opened.database)
    text = str(error)
    if _is_busy(error):
        return DatabaseBusyError(path, BUSY_TIMEOUT_MS / 1000)
    if "disk is full" in text or ("disk I/O error" in text and _nearly_full(path.parent)):
        return disk_full_problem(path)
    if "readonly database" in text or "read-only" in text:
        if not os.access(path.parent, os.W_OK):
            return read_only_folder_problem(path)
        return DatabaseUnwritable(
            path,
            "it is read-only",
            "Make the file (and any -wal and -shm beside it) writable for your user, then try "
            "again.",
        )
    if "disk I/O error" in text or "unable to open database file" in text:
        return DatabaseUnwritable(
            path,
            f"it could not be read or written ({text})",
            "Check the disk holding it (is it still there, full, or failing?), then try again.",
        )
    return None


def _server_problem(error: BaseException, url: str) -> DatabaseProblem | None:
    """The PostgreSQL server gone or unreachable mid-command, in plain words (the transaction
    under way was rolled back by the server); None for any other error."""
    if not isinstance(error, peewee.OperationalError | peewee.InterfaceError):
        return None
    return ServerDatabaseError(redacted(url), str(error).strip().splitlines()[0])


def check_writable(path: Path) -> None:
    """Refuse, before anything is opened, a folder or file this process cannot write; give a
    -wal or -shm file left read-only (by a copy, a restore) back its owner's write bit."""
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise read_only_folder_problem(path)
    for file in (path, *companions(path)):
        if not file.exists() or os.access(file, os.W_OK):
            continue
        if file != path and _owned(file) and _make_writable(file):
            continue
        whose = "" if _owned(file) else " and belongs to another user"
        raise DatabaseUnwritable(
            path,
            f"{file} is read-only{whose}",
            "Make it writable for your user (chmod u+w), or, if it is the -wal or -shm file "
            "and no xerologdesk is running, delete it; then try again.",
        )


def _make_writable(file: Path) -> bool:
    """Give SQLite's working file (ours) its write bit back: that changes no data."""
    try:
        os.chmod(file, paths.PRIVATE_FILE_MODE)
    except OSError:  # immutable, or on a read-only disk: said by the caller
        return False
    log.warning("%s was read-only; made it writable again", file)
    return True


def _owned(file: Path) -> bool:
    return os.name != "posix" or file.stat().st_uid == os.geteuid()


def companions(path: Path) -> tuple[Path, Path]:
    """SQLite's write-ahead log and shared-memory index beside the database."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
