"""The watched inbox folder: order files dropped into it are imported, then moved aside
(:func:`xerologdesk.inbox.move_aside`).

A file is taken once its size and modification time have stayed the same between two looks
(a file still being copied is left until it settles).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from xerologdesk.inbox import move_aside
from xerologdesk.store.importer import ORDER_SUFFIXES

log = logging.getLogger(__name__)

SETTLE_MS = 750


class InboxWatcher(QObject):
    """Watches one folder; emits :attr:`files_ready` with the files to import."""

    files_ready = Signal(list)  # list[Path]
    folder_missing = Signal(str)

    def __init__(self, parent: QObject | None = None, *, settle_ms: int = SETTLE_MS) -> None:
        super().__init__(parent)
        self._folder: Path | None = None
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._changed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(settle_ms)
        self._timer.timeout.connect(self._look)
        self._seen: dict[Path, tuple[int, int]] = {}
        self._taken: set[Path] = set()
        # Files moved aside, by where they were: imported again later (their good orders, or
        # replacing orders) from where they are now (see now_at).
        self._moved: dict[Path, Path] = {}

    def set_settle_interval(self, msecs: int) -> None:
        """How long a file must stay unchanged before it is taken (tests shorten it)."""
        self._timer.setInterval(msecs)

    @property
    def folder(self) -> Path | None:
        return self._folder

    def watch(self, folder: str | Path | None) -> None:
        """Watch ``folder`` (None or "" to stop watching)."""
        new = Path(folder).expanduser() if folder else None
        if new == self._folder:
            return
        if self._watcher.directories():
            self._watcher.removePaths(self._watcher.directories())
        self._folder, self._seen = new, {}
        self._timer.stop()
        if new is None:
            return
        if not new.is_dir():
            self.folder_missing.emit(str(new))
            self._folder = None
            return
        self._watcher.addPath(str(new))
        log.info("watching the inbox folder %s", new)
        self._changed()  # files already there

    def _changed(self, _path: str = "") -> None:
        self._timer.start()

    def _look(self) -> None:
        folder = self._folder
        if folder is None:
            return
        ready: list[Path] = []
        unsettled = False
        current: dict[Path, tuple[int, int]] = {}
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in ORDER_SUFFIXES or path in self._taken:
                continue
            try:
                stat = path.stat()
            except OSError:
                continue  # moved away meanwhile
            if not path.is_file():
                continue
            current[path] = (stat.st_size, stat.st_mtime_ns)
            if self._seen.get(path) == current[path]:
                ready.append(path)
            else:
                unsettled = True
        self._seen = {path: state for path, state in current.items() if path not in ready}
        if unsettled:
            self._timer.start()  # look again once it has had time to settle
        if ready:
            self._taken.update(ready)
            self.files_ready.emit(ready)

    def now_at(self, path: Path) -> Path:
        """Where a file taken from the inbox is now: in imported/, or problems/ when it had
        problems (the orders set aside from it are then written there too)."""
        return self._moved.get(path, path)

    def finished(self, path: Path, problems: list[str]) -> None:
        """Move an imported file aside: to ``imported/``, or to ``problems/`` with its report."""
        self._taken.discard(path)
        target = move_aside(path, problems)
        if target is not None:
            self._moved[path] = target
