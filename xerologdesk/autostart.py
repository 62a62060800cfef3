"""Start at login: the platform's autostart entry for the desktop app, written and removed.

Linux and other XDG desktops: ``io.github.xerologdesk.XeroLogDesk.desktop`` in
``$XDG_CONFIG_HOME/autostart`` (``~/.config`` when unset). Windows: a value under the current
user's ``Run`` key. macOS: a LaunchAgent in ``~/Library/LaunchAgents``. Each starts this
Python's ``xerologdesk`` with ``--minimized`` (to the tray) on the data folder in use, so a
folder chosen with ``--data-dir`` or ``$XEROLOGDESK_DATA_DIR`` is the one that opens at login.
No Qt here: the settings dialog and the command line's ``settings start_at_login on|off`` both
call :func:`apply`.
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

APP_ID = "io.github.xerologdesk.XeroLogDesk"
MINIMIZED_FLAG = "--minimized"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "XeroLogDesk"
# Characters that oblige an Exec argument to be quoted (the Desktop Entry Specification's).
RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


def command(data_dir: Path) -> list[str]:
    """The command that starts the app minimised on ``data_dir``."""
    if getattr(sys, "frozen", False):  # the PyInstaller bundle: the executable is the app
        program = [sys.executable]
    else:
        python = Path(sys.executable)
        # On Windows, pythonw.exe starts without a console window.
        windowless = python.with_name("pythonw.exe")
        if sys.platform == "win32" and windowless.exists():
            python = windowless
        program = [str(python), "-m", "xerologdesk"]
    return [*program, "--data-dir", str(data_dir), MINIMIZED_FLAG]


def desktop_entry_path() -> Path:
    """Where the XDG autostart entry goes."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart" / f"{APP_ID}.desktop"


def launch_agent_path() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{APP_ID}.plist"


def _exec_argument(argument: str) -> str:
    """One argument of a desktop entry's ``Exec`` key, quoted as the specification asks."""
    argument = argument.replace("%", "%%")  # a field code otherwise
    if argument and not any(c in argument for c in RESERVED):
        return argument
    for special in ("\\", '"', "`", "$"):
        argument = argument.replace(special, "\\" + special)
    # The key's value is itself a string whose backslashes are escaped.
    return '"' + argument.replace("\\", "\\\\") + '"'


def desktop_entry(arguments: Sequence[str]) -> str:
    """The text of the XDG autostart entry that runs ``arguments``."""
    exec_line = " ".join(_exec_argument(argument) for argument in arguments)
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=XeroLogDesk\n"
        "Comment=Sync sales orders to Xero in the background, from the system tray\n"
        f"Exec={exec_line}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def apply(enabled: bool, data_dir: Path) -> str:
    """Write (``enabled``) or remove this platform's autostart entry; where it is, in words.
    OSError when it cannot be written or removed."""
    if sys.platform == "win32":
        return _windows(enabled, data_dir)
    if sys.platform == "darwin":
        path = launch_agent_path()
        if enabled:
            agent = {"Label": APP_ID, "ProgramArguments": command(data_dir), "RunAtLoad": True}
            _write(path, plistlib.dumps(agent))
        else:
            path.unlink(missing_ok=True)
        return str(path)
    path = desktop_entry_path()
    if enabled:
        _write(path, desktop_entry(command(data_dir)).encode("utf-8"))
    else:
        path.unlink(missing_ok=True)
    return str(path)


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _windows(enabled: bool, data_dir: Path) -> str:
    if sys.platform != "win32":  # also tells the type checker winreg is there
        raise OSError("the Run key is Windows' alone")
    import winreg

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
        if enabled:
            line = subprocess.list2cmdline(command(data_dir))
            winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, line)
        else:
            with contextlib.suppress(FileNotFoundError):  # not there: nothing to remove
                winreg.DeleteValue(key, RUN_VALUE)
    return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}"
