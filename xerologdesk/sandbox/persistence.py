"""The sandbox's state file: a snapshot of everything, and a journal of the changes since.

Every committed change (the records a ledger stored and its invoice sequence; the identity
service's grants and tokens) is appended to ``<state file>.journal`` as one JSON line and made
durable (fsync) before the call that made it is answered: a sandbox killed at any moment has kept
every invoice it answered, and never hands out one of their numbers again. A background thread
writes the whole state (the snapshot) :data:`SNAPSHOT_DELAY_SECONDS` after a change (the changes
meanwhile cost that one write), to a temporary file in the same folder that then replaces the
old one (``os.replace``), so a crash leaves either the old snapshot or the new one, never half;
then it drops from the journal what the snapshot holds. Loading reads the snapshot and replays the
journal over it; a torn last line (the process died writing it, before answering) is ignored.

Epochs let a snapshot be taken while calls go on. Each journal line carries the epoch it was
written in; a snapshot starts a new epoch before it reads the state, and records it. A line of
an older epoch was written after its change was made in memory, so before the snapshot read the
state: the snapshot holds it. Loading replays the lines of the snapshot's epoch and later (one
the snapshot holds already changes nothing: records are put back whole, in order, and the
sequence never goes down), and compaction keeps just those. It also keeps a reset's snapshot
from being overlaid with the replaced organisation's changes.

The files are JSON (amounts exact, read back as ``Decimal``); ``flush()`` writes a snapshot at
once (on start and stop, and when organisations are seeded or added).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from xerologdesk.sandbox.ledger import Change
from xerologdesk.sandbox.wire import dumps

log = logging.getLogger(__name__)

# The journal keeps each change, so the snapshot can wait: it is the whole state (up to a second
# to write with 10,000 invoices), and written every 0.2 s it was 4 of the sandbox's 9.5 CPU
# seconds in a 10,000-order sync (6.5 s in all now, journal included). Replaying a couple of
# seconds of journal on load is quick.
SNAPSHOT_DELAY_SECONDS = 2.0
JOURNAL_SUFFIX = ".journal"
EPOCH_KEY = "journal_epoch"


@dataclass
class Saved:
    """What a state file holds: the snapshot, its epoch, and the journaled changes to replay."""

    state: dict[str, Any]
    epoch: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)


def journal_path(path: Path) -> Path:
    """The journal beside the state file ``path``."""
    return path.with_name(path.name + JOURNAL_SUFFIX)


def load(path: Path) -> Saved | None:
    """The state a file holds, with its journal's changes, or None when there is no file yet
    (a journal without a snapshot is ignored: it belongs to a state file since deleted)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    state = json.loads(text, parse_float=Decimal)
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold a sandbox state")
    epoch = int(state.pop(EPOCH_KEY, 0))
    changes = [change for written, change in read_journal(journal_path(path)) if written >= epoch]
    return Saved(state, epoch, changes)


def read_journal(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The journal's lines as (epoch, change), in order; a torn last line is left out."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    entries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            epoch, change = json.loads(line, parse_float=Decimal)
            entries.append((int(epoch), dict(change)))
        except (ValueError, TypeError):
            if number < len(lines):  # a complete line, damaged: not a write cut short
                raise ValueError(f"{path}, line {number}, is damaged") from None
            log.warning("ignored the torn last line of %s (a write cut short)", path)
    return entries


def ledger_entry(change: Change) -> str:
    """A ledger change as a journal entry's JSON."""
    records = ",".join(f"{dumps(name)}:{array}" for name, array in change.records().items())
    return (
        f'{{"tenant":{dumps(change.tenant_id)},"records":{{{records}}},'
        f'"next_invoice_number":{change.next_invoice_number}}}'
    )


def identity_entry(state: dict[str, Any]) -> str:
    """The identity service's whole state as a journal entry's JSON."""
    return dumps({"identity": state})


def write(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically."""
    _write_atomically(path, dumps(state).encode("utf-8"))


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows cannot open a folder for it)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _private(path: str, flags: int) -> int:
    """Open a file the way ``open`` asks, creating it readable by its owner only."""
    return os.open(path, flags, 0o600)


def _file_identity(path: Path) -> tuple[int, int, int] | None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return (found.st_ino, found.st_mtime_ns, found.st_size)


# The data, not the times: what an appended line needs to survive a crash.
_sync_data = getattr(os, "fdatasync", os.fsync)


class Persister:
    """Journals each change durably and writes a snapshot soon after (thread-safe).

    Only while started: before :meth:`start` and after :meth:`stop` changes just wait for the
    next snapshot (the one :meth:`start` writes), as nothing is answered over HTTP then.
    """

    def __init__(self, path: Path, snapshot: Callable[[], dict[str, Any]], epoch: int = 0) -> None:
        self.path = path
        self.journal_path = journal_path(path)
        self._snapshot = snapshot
        self._epoch = epoch
        self._journal: IO[bytes] | None = None
        self._running = False
        # Appends and the epoch; a snapshot holds it only to start an epoch and to compact.
        self._journal_lock = threading.Lock()
        self._write_lock = threading.Lock()  # one snapshot at a time
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # The snapshot file this persister last wrote (inode, time, size): each write replaces
        # the file, so another sandbox's write shows as a different one.
        self._last_written: tuple[int, int, int] | None = None

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Write a snapshot (replacing whatever journal there was), then journal changes."""
        if self._thread is not None:
            return
        with self._journal_lock:
            self._running = True
        self.flush()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="sandbox-persister", daemon=True)
        self._thread.start()

    def append(self, entry: Callable[[], str]) -> None:
        """Journal a change, durably, before returning (and write a snapshot soon).

        ``entry`` makes the change's JSON; it is called under the journal's lock, so lines are
        in the order their state was read.
        """
        with self._journal_lock:
            if not self._running:
                return
            if self._journal is None:
                # Private as the snapshot is, even when no compaction made the file first.
                self._journal = open(self.journal_path, "ab", opener=_private)  # noqa: SIM115
            start = self._journal.tell()
            try:
                self._journal.write(f"[{self._epoch},{entry()}]\n".encode())
                self._journal.flush()
                _sync_data(self._journal.fileno())
            except BaseException:
                self._cut_journal(start)  # a half line would make the next ones unreadable
                raise
        self._dirty.set()

    def flush(self) -> None:
        """Write a snapshot now, then drop from the journal the lines it holds."""
        with self._write_lock:
            self._dirty.clear()
            with self._journal_lock:
                self._epoch += 1
                epoch = self._epoch
                held = self._journal_length()
            write(self.path, {**self._snapshot(), EPOCH_KEY: epoch})
            self._last_written = _file_identity(self.path)
            with self._journal_lock:
                self._drop_journal_head(held)

    def written_by_another(self) -> bool:
        """Whether the state file changed since this persister's last snapshot (another sandbox
        used it while this one was stopped): writing over it would lose that one's changes."""
        return self._last_written is not None and _file_identity(self.path) != self._last_written

    def stop(self) -> None:
        """Stop journaling and the writer thread, and write a last snapshot."""
        with self._journal_lock:
            self._running = False
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
            self._stopping.wait(SNAPSHOT_DELAY_SECONDS)
            if self._stopping.is_set():
                return
            try:
                self.flush()
            except Exception:  # a full disk, or a state that cannot be saved: the thread lives on
                # The changes stay in the journal (durable) and the next one tries again.
                log.exception("could not write the sandbox state to %s", self.path)

    # --- the journal file (under the journal lock) --------------------------------------------

    def _journal_length(self) -> int:
        try:
            return self.journal_path.stat().st_size
        except FileNotFoundError:
            return 0

    def _drop_journal_head(self, held: int) -> None:
        """Keep only the lines after the first ``held`` bytes (those the snapshot does not hold
        for sure), replacing the file atomically."""
        self._close_journal()
        try:
            with open(self.journal_path, "rb") as stream:
                stream.seek(held)
                tail = stream.read()
        except FileNotFoundError:
            tail = b""
        _write_atomically(self.journal_path, tail)

    def _cut_journal(self, length: int) -> None:
        """Back to ``length`` bytes after a failed append (best effort: the disk may be gone)."""
        try:
            self._close_journal()
            os.truncate(self.journal_path, length)
        except OSError:
            log.exception("could not take a failed line out of %s", self.journal_path)

    def _close_journal(self) -> None:
        journal, self._journal = self._journal, None
        if journal is not None:
            journal.close()
