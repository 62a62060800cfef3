"""First run on a machine that cannot show Qt's window: one clear paragraph and exit status 1,
never Qt's abort (SIGABRT, status 134) with its misleading "xcb-cursor0 is needed"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from xerologdesk.qt_check import display_problem, plugin_path

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb plugin is Linux's"),
]

BARE_DEBIAN_12 = """\
\tlinux-vdso.so.1 (0x00007ffd5a5f3000)
\tlibQt6XcbQpa.so.6 => /opt/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f1c2a400000)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f1c2a3d0000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
"""
ALL_FOUND = "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f1c2a3d0000)\n"


def fake_ldd(report: str):
    return lambda plugin: report


def test_every_missing_library_is_named_with_the_commands_that_install_them() -> None:
    problem = display_problem({"QT_QPA_PLATFORM": "xcb"}, fake_ldd(BARE_DEBIAN_12))
    assert problem is not None
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1." in problem
    assert "`sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1`" in problem
    assert "`sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms`" in problem
    assert "`xerologdesk sandbox` work without a display" in problem


def test_no_display_is_said_as_such() -> None:
    problem = display_problem({"QT_QPA_PLATFORM": "xcb"}, fake_ldd(ALL_FOUND))
    assert problem is not None
    assert "there is no display (DISPLAY is not set" in problem
    wayland = display_problem({"QT_QPA_PLATFORM": "wayland"}, fake_ldd(ALL_FOUND))
    assert wayland is not None and "WAYLAND_DISPLAY is not set" in wayland


def test_a_display_with_every_library_is_no_problem() -> None:
    assert display_problem({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}, fake_ldd(ALL_FOUND)) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, fake_ldd(ALL_FOUND)) is None
    # Offscreen (the tests, the smoke test) draws nowhere: nothing to check.
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, fake_ldd(BARE_DEBIAN_12)) is None


def desktop(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """``xerologdesk --sandbox`` as a user starts it, with no display in its environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env.update(QT_QPA_PLATFORM="xcb", **environment)
    return subprocess.run(
        [sys.executable, "-m", "xerologdesk", "--data-dir", str(tmp_path / "data"), "--sandbox"],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
        check=False,
    )


def test_the_desktop_without_a_display_exits_1_with_the_reason(tmp_path: Path) -> None:
    done = desktop(tmp_path)
    assert done.returncode == 1, done.stderr
    # What this machine lacks: its libraries if ldd finds some missing, else the display.
    assert done.stderr.strip() == display_problem(
        {"QT_QPA_PLATFORM": "xcb"}, plugin=plugin_path("xcb")
    )
    assert "could not load the Qt platform plugin" not in done.stderr.lower()
    assert not (tmp_path / "data").exists()  # nothing started, nothing written


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        (BARE_DEBIAN_12, "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"),
        (ALL_FOUND, "there is no display (DISPLAY is not set"),
    ],
    ids=["libraries-missing", "no-display"],
)
def test_the_desktop_names_what_ldd_finds_missing(tmp_path: Path, report: str, expected: str):
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "report.txt").write_text(report, encoding="utf-8")
    ldd = tools / "ldd"
    ldd.write_text(f'#!/bin/sh\ncat "{tools / "report.txt"}"\n', encoding="utf-8")
    ldd.chmod(0o755)
    done = desktop(tmp_path, PATH=f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")
    assert done.returncode == 1, done.stderr
    assert expected in done.stderr
    assert done.stderr.count("\n") == 1  # one paragraph
