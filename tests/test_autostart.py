"""Start at login on Linux: ``settings start_at_login on`` writes the XDG autostart entry (valid
for desktop-file-validate, which CI installs), starting this app minimised on the data folder in
use; ``off`` removes it. Run against a temporary ``XDG_CONFIG_HOME``, never the user's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from configparser import ConfigParser
from pathlib import Path

import pytest

from tests.support.desks import Run
from xerologdesk import autostart
from xerologdesk.exits import EXIT_FAILURE, EXIT_OK

pytestmark = pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="the XDG autostart entry is Linux's"
)


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def validate(path: Path) -> None:
    """desktop-file-validate's verdict where it is installed; CI (which installs it) must."""
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        assert not os.environ.get("CI"), "CI installs desktop-file-utils: it must validate"
        return
    checked = subprocess.run([validator, str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "error" not in checked.stdout.lower(), checked.stdout


def test_start_at_login_writes_and_removes_the_autostart_entry(
    config_home: Path, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    # A folder name the Exec key must quote: a space, a dollar and a percent sign.
    data = tmp_path / "my $data 100%"
    entry = config_home / "autostart" / "io.github.xerologdesk.XeroLogDesk.desktop"
    on = run_cli("--data-dir", str(data), "settings", "start_at_login", "on")
    assert on.code == EXIT_OK, on.err
    assert on.out == "start_at_login = on\n"
    assert f"Starts at login ({entry})" in on.err
    validate(entry)
    parsed = ConfigParser(interpolation=None)
    parsed.optionxform = str  # type: ignore[assignment,method-assign]
    parsed.read(entry, encoding="utf-8")
    keys = parsed["Desktop Entry"]
    assert keys["Type"] == "Application" and keys["Name"] == "XeroLogDesk"
    assert keys["Icon"] == "io.github.xerologdesk.XeroLogDesk"
    assert keys["Exec"] == (
        f"{sys.executable} -m xerologdesk --data-dir "
        f'"{str(data.resolve()).replace("$", chr(92) * 2 + "$").replace("%", "%%")}" --minimized'
    )

    off = run_cli("--data-dir", str(data), "settings", "start_at_login", "off")
    assert off.code == EXIT_OK and "No longer starts at login" in off.err
    assert not entry.exists()
    # Removing what is not there is no error.
    assert run_cli("--data-dir", str(data), "settings", "start_at_login", "off").code == EXIT_OK


def test_the_exec_key_quotes_what_the_specification_reserves() -> None:
    line = autostart.desktop_entry(["/opt/x y/python", 'say "hi"', "back\\slash", "plain"])
    exec_line = next(part for part in line.splitlines() if part.startswith("Exec="))
    assert exec_line == ('Exec="/opt/x y/python" "say \\\\"hi\\\\"" "back\\\\\\\\slash" plain')


def test_an_entry_that_cannot_be_written_leaves_the_setting_as_it_was(
    config_home: Path, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    config_home.write_text("a file where the config folder should be", encoding="utf-8")
    data = str(tmp_path / "data")
    on = run_cli("--data-dir", data, "settings", "start_at_login", "on")
    assert on.code == EXIT_FAILURE
    assert "the autostart entry could not be changed" in on.err
    assert "start_at_login was left as it was" in on.err
    assert on.out == ""
    assert run_cli("--data-dir", data, "settings", "start_at_login").out == "off\n"
