"""The inbox folder's files, without Qt: which are ready to import, and where each goes after.

A file is ready once it is no longer being written (the desktop's watcher sees it unchanged
between two looks; the headless ``xerologdesk run`` takes files not modified for
:data:`SETTLED_SECONDS`). After its import it moves to ``imported/``, or to ``problems/`` with a
``.problems.txt`` beside it saying what was wrong, so a file is never imported twice and the
folder shows at a glance what still needs a look. Its good orders imported from there later
(the app offers it), the orders with problems are set aside in ``problems/`` too.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from xerologdesk.store.importer import order_files_in

log = logging.getLogger(__name__)

IMPORTED_DIR = "imported"
PROBLEMS_DIR = "problems"
SETTLED_SECONDS = 2.0


def settled_files(folder: Path, now: float | None = None) -> list[Path]:
    """The order files in ``folder`` not modified for :data:`SETTLED_SECONDS` (a file still
    being copied is left for a later look), in name order."""
    now = time.time() if now is None else now
    ready = []
    for path in order_files_in(folder):
        try:
            modified = path.stat().st_mtime
        except OSError:
            continue  # moved away meanwhile
        if now - modified >= SETTLED_SECONDS:
            ready.append(path)
    return ready


def move_aside(path: Path, problems: Sequence[str]) -> Path | None:
    """Move an imported file out of the inbox: to ``imported/``, or to ``problems/`` with its
    report; where it went. A file that cannot be moved stays (logged, None): the next import
    skips it as the same."""
    if not path.exists():
        return None
    target_dir = path.parent / (PROBLEMS_DIR if problems else IMPORTED_DIR)
    try:
        target_dir.mkdir(exist_ok=True)
        target = _free_name(target_dir / path.name)
        shutil.move(str(path), target)
        if problems:
            report = target.with_name(target.name + ".problems.txt")
            report.write_text("\n".join(problems) + "\n", encoding="utf-8")
    except OSError as error:
        # The import itself is done; a file left in place is skipped next time as the same.
        log.warning("could not move %s out of the inbox: %s", path, error)
        return None
    return target


def _free_name(wanted: Path) -> Path:
    """``wanted``, or ``name (2).csv`` ... when it is taken."""
    candidate, number = wanted, 2
    while candidate.exists():
        candidate = wanted.with_name(f"{wanted.stem} ({number}){wanted.suffix}")
        number += 1
    return candidate
