"""Where xerologdesk keeps its files: the data directory (database) and the log directory.

An explicit directory (``--data-dir``) wins, then ``$XEROLOGDESK_DATA_DIR``, then the platform's
user data directory. Nothing is looked up or created at import time.

The files hold customers' names, emails and addresses: on POSIX the directories are made (or
narrowed to) 0700 and the files 0600, unless ``$XEROLOGDESK_SHARED_DATA_DIR=1`` says the user
shares the folder on purpose; then the folder's mode and the umask are left as they are.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import platformdirs

APP_NAME = "xerologdesk"
DATA_DIR_ENV = "XEROLOGDESK_DATA_DIR"
SHARED_ENV = "XEROLOGDESK_SHARED_DATA_DIR"
LOG_SUBDIR = "logs"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

log = logging.getLogger(__name__)


def shared() -> bool:
    """Whether the user asked for a data directory others may read (``$XEROLOGDESK_SHARED_...``)."""
    return os.environ.get(SHARED_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _guarded() -> bool:
    """Whether modes are narrowed here: POSIX, and the user did not choose to share."""
    return os.name == "posix" and not shared()


def make_private(path: Path) -> None:
    """Take group's and others' rights away from ``path`` (nothing if it is missing); the
    owner's stay as they are (a folder made read-only on purpose stays read-only)."""
    if not _guarded():
        return
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if current & 0o077:
        narrowed = current & ~0o077
        try:
            os.chmod(path, narrowed)
        except OSError as error:  # another user's file, a read-only disk: said when it matters
            log.warning("could not narrow %s to mode %o: %s", path, narrowed, error)
            return
        log.info("narrowed %s from %o to %o: it holds private data", path, current, narrowed)


def create_private(path: Path) -> None:
    """Create ``path`` empty if missing, readable by its owner only (see the module's note)."""
    mode = PRIVATE_FILE_MODE if _guarded() else 0o666
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, mode))
    make_private(path)


def private_dir(directory: Path) -> Path:
    """``directory``, created if missing, for its owner only (see the module's note)."""
    directory.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE if _guarded() else 0o777)
    make_private(directory)
    return directory


def _chosen(override: str | Path | None) -> Path | None:
    """The directory the user chose (argument, then environment), or None for the default."""
    if override is not None and str(override) != "":
        return Path(override).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV, "")
    return Path(from_env).expanduser() if from_env else None


def chosen_data_dir(override: str | Path | None = None) -> Path:
    """The data directory's path, whether or not it exists."""
    return _chosen(override) or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def data_dir(override: str | Path | None = None) -> Path:
    """The data directory, created if missing."""
    return private_dir(chosen_data_dir(override))


def log_dir(override: str | Path | None = None) -> Path:
    """The log directory, created if missing.

    With a chosen data directory the logs live inside it (tests and portable set-ups keep
    everything in one place); otherwise in the platform's user log directory.
    """
    chosen = _chosen(override)
    if chosen is not None:
        directory = chosen / LOG_SUBDIR
    else:
        directory = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    return private_dir(directory)
