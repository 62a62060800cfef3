"""Who a change in the order book is recorded as made by: the OS user and the machine of the
desktop making it (``user@machine``), so a team sharing one log sees who did what."""

from __future__ import annotations

import getpass
import socket


def who() -> str:
    """The user an action, a link or a mapping is recorded as made by: ``user@machine``."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment
        user = "?"
    return f"{user}@{socket.gethostname() or '?'}"
