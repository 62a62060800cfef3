"""Unkind file systems for the database and disk tests, made real even when the tests run as
root (as they do here and in CI), who ignores permission bits:

- :func:`run_as_user` runs the command in a forked child that has become an ordinary user
  (``nobody``), so read-only folders and files are read-only to it;
- :func:`run_on_small_disk` runs the command in its own mount namespace where the data
  directory sits on a tiny tmpfs that is already full.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.support.desks import Run
from tests.support.processes import REPO, child_environment

ORDINARY_USER = "nobody"


def _unavailable(why: str) -> NoReturn:
    """Skip on a developer's machine that lacks the mechanism; in CI, where .ci/run runs as
    root and has it, fail instead: a skipped disk test there would hide a regression."""
    if os.environ.get("CI"):
        pytest.fail(f"CI cannot run this test: {why}")
    pytest.skip(why)


def _ordinary_ids() -> tuple[int, int] | None:
    """(uid, gid) to become, or None when this process is not root (it is ordinary already)."""
    if os.geteuid() != 0:
        return None
    try:
        user = pwd.getpwnam(ORDINARY_USER)
    except KeyError:
        _unavailable(f"no {ORDINARY_USER} user to drop root's rights to")
    return user.pw_uid, user.pw_gid


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder an ordinary user can reach and own files in (pytest's tmp_path is root's 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="xerologdesk-"))
    os.chmod(folder, 0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def give_away(path: Path) -> None:
    """Make ``path`` (and everything in it) the ordinary user's."""
    ids = _ordinary_ids()
    if ids is None:
        return
    for each in [path, *path.rglob("*")]:
        os.chown(each, *ids, follow_symlinks=False)


def run_as_user(*args: str) -> Run:
    """``xerologdesk ARGS...`` in a forked child with an ordinary user's rights."""
    # Everything the command imports, imported before the rights are dropped (the checkout may
    # sit where an ordinary user cannot read).
    from xerologdesk import cli, commands  # noqa: F401
    from xerologdesk.sandbox import cli as sandbox_cli  # noqa: F401

    ids = _ordinary_ids()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 99
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                # Past pytest's capture too: the child writes to its own files.
                sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
                if ids is not None:
                    os.setgroups([])
                    os.setgid(ids[1])
                    os.setuid(ids[0])
                code = cli.main(list(args))
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        return Run(os.waitstatus_to_exitcode(status), out.read(), err.read())


def _can_mount() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "tmpfs", "/mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


def run_on_small_disk(source: Path, *args: str) -> Run:
    """``xerologdesk --data-dir DIR ARGS...`` in its own mount namespace, where DIR is a copy of
    the data directory ``source`` on a 2 MB tmpfs filled to the last byte."""
    if not _can_mount():
        _unavailable("no mount namespace with tmpfs here (needs root, or CAP_SYS_ADMIN)")
    mount_point = Path(tempfile.mkdtemp(prefix="small-disk-", dir=source.parent))
    script = (
        'mount -t tmpfs -o size=2m tmpfs "$1" && cp -a "$2" "$1/data" '
        '&& (dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; true) && shift 2 '
        '&& exec "$@"'
    )
    command = [sys.executable, "-m", "xerologdesk", "--data-dir", str(mount_point / "data")]
    namespace = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
    completed = subprocess.run(
        [*namespace, str(mount_point), str(source), *command, *args],
        capture_output=True,
        text=True,
        env=child_environment(),
        cwd=REPO,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)
