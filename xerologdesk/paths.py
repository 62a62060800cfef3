"""Where xerologdesk keeps its files: the data directory (database) and the log directory.

An explicit directory (``--data-dir``) wins, then ``$XEROLOGDESK_DATA_DIR``, then the platform's
user data directory. Nothing is looked up or created at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "xerologdesk"
DATA_DIR_ENV = "XEROLOGDESK_DATA_DIR"
LOG_SUBDIR = "logs"


def _chosen(override: str | Path | None) -> Path | None:
    """The directory the user chose (argument, then environment), or None for the default."""
    if override is not None and str(override) != "":
        return Path(override).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV, "")
    return Path(from_env).expanduser() if from_env else None


def data_dir(override: str | Path | None = None) -> Path:
    """The data directory, created if missing."""
    directory = _chosen(override) or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


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
    directory.mkdir(parents=True, exist_ok=True)
    return directory
