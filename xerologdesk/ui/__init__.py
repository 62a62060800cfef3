"""The desktop app (the only layer that imports PySide6)."""

import platform
import sys


def _keep_none_alive() -> None:
    """Work around PySide6 6.12 on Python 3.11 taking one reference from ``None`` on every
    call that returns nothing (checked: 1,000 ``setObjectName`` calls take 1,000): after a few
    thousand such calls the interpreter frees ``None`` and aborts ("none_dealloc").

    Python 3.12 made ``None`` immortal; this does the same on 3.11 by giving it a reference
    count no session can spend.
    """
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return
    import ctypes

    refcount = ctypes.c_ssize_t.from_address(id(None))
    refcount.value += 1 << 40


_keep_none_alive()
