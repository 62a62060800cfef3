"""The sandbox's state file: everything it knows, written atomically soon after each change.

Changes mark the state dirty; a background thread writes it at most every :data:`DEBOUNCE_SECONDS`
(so a burst of calls costs one write), to a temporary file in the same folder that then replaces
the old file (``os.replace``), so a crash leaves either the old state or the new one, never half.
``flush()`` writes at once (on stop). The file is JSON (amounts exact, read back as ``Decimal``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from xerologdesk.sandbox.wire import dumps

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.2


def load(path: Path) -> dict[str, Any] | None:
    """The state a file holds, or None when there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    state = json.loads(text, parse_float=Decimal)
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold a sandbox state")
    return state


def write(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(dumps(state))
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Persister:
    """Writes a snapshot of the state to a file after changes (debounced, thread-safe)."""

    def __init__(self, path: Path, snapshot: Callable[[], dict[str, Any]]) -> None:
        self.path = path
        self._snapshot = snapshot
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._write_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="sandbox-persister", daemon=True)
            self._thread.start()

    def mark_dirty(self) -> None:
        """Something changed: write soon."""
        self._dirty.set()

    def flush(self) -> None:
        """Write now (whether or not anything changed)."""
        with self._write_lock:
            self._dirty.clear()
            write(self.path, self._snapshot())

    def stop(self) -> None:
        """Stop the writer thread and write what is pending."""
        self._stopping.set()
        self._dirty.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while True:
            self._dirty.wait()
            if self._stopping.is_set():
                return
            # Let a burst of changes settle into one write.
            self._stopping.wait(DEBOUNCE_SECONDS)
            if self._stopping.is_set():
                return
            try:
                self.flush()
            except OSError:
                log.exception("could not write the sandbox state to %s", self.path)
