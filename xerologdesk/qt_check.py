"""Before the desktop app starts Qt: can Qt's platform plugin open a window on this machine?

Without the system libraries a platform plugin needs, or without a display, Qt aborts the process
(SIGABRT) with a message that misleads: on a bare Debian 12 it names only ``libxcb-cursor0``, and
after that is installed it aborts with the same words, because ``libxcb-icccm4`` and
``libxcb-keysyms1`` are missing too. So before anything imports PySide6 this module finds the
plugin Qt will choose, asks ``ldd`` which of its libraries (its own and those of the Qt libraries
it loads) cannot be found, and says in one paragraph which are missing and how to install them,
or that there is no display. It imports nothing from Qt (importing PySide6's widgets would itself
fail when a library they need is missing).

Linux only: Qt's macOS and Windows plugins ship with everything they need.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# Platforms that draw nowhere or on a framebuffer: no display server to look for.
HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs"})
DISPLAY_VARIABLE = {"xcb": "DISPLAY", "wayland": "WAYLAND_DISPLAY"}
HEADLESS_HINT = (
    "The command line (`xerologdesk --help`: import, sync, log, resolve, settings) and "
    "`xerologdesk sandbox` work without a display."
)

# Library file -> (Debian/Ubuntu package, Fedora package), for the libraries Qt's xcb and
# wayland plugins and the Qt libraries under them load from the system.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$")

Ldd = Callable[[Path], str]


def platform_name(environ: Mapping[str, str]) -> str:
    """The platform plugin Qt will try first: ``QT_QPA_PLATFORM``'s first choice, else wayland
    in a Wayland session (Qt 6.5 and later prefer it there), else xcb."""
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip().lower()
    if chosen:
        return chosen
    return "wayland" if environ.get("WAYLAND_DISPLAY") else "xcb"


def plugin_path(platform: str) -> Path | None:
    """PySide6's plugin file for ``platform``, found without importing PySide6; None if absent."""
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "Qt" / "plugins" / "platforms" / f"libq{platform}.so"
        if candidate.is_file():
            return candidate
    return None


def run_ldd(library: Path) -> str:
    """``ldd``'s report on ``library`` ("" when there is no ldd to ask)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return ""
    try:
        done = subprocess.run(
            [ldd, str(library)], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):  # a check that fails must not stop the app
        return ""
    return done.stdout


def missing_libraries(report: str) -> list[str]:
    """The libraries an ``ldd`` report says were not found, each once, in order."""
    found = (_NOT_FOUND.match(line) for line in report.splitlines())
    return list(dict.fromkeys(match.group(1) for match in found if match))


def install_commands(libraries: list[str]) -> str:
    """The commands that install ``libraries`` on Debian/Ubuntu and on Fedora."""
    known = [PACKAGES[each] for each in libraries if each in PACKAGES]
    if not known:
        return "Install them with your system's package manager"
    debian = " ".join(dict.fromkeys(deb for deb, _ in known))
    fedora = " ".join(dict.fromkeys(rpm for _, rpm in known))
    return (
        f"Install them with `sudo apt-get install {debian}` (Debian, Ubuntu) or "
        f"`sudo dnf install {fedora}` (Fedora)"
    )


def display_problem(
    environ: Mapping[str, str] | None = None, ldd: Ldd = run_ldd, plugin: Path | None = None
) -> str | None:
    """Why Qt could not open a window here, as one paragraph for the user; None if it can (or
    this is not Linux, or the plugin is not where PySide6 keeps it, e.g. in a bundle)."""
    if not sys.platform.startswith("linux"):
        return None
    environ = os.environ if environ is None else environ
    platform = platform_name(environ)
    if platform in HEADLESS_PLATFORMS:
        return None
    plugin = plugin or plugin_path(platform)
    if plugin is None:
        return None
    missing = missing_libraries(ldd(plugin))
    if missing:
        return (
            f"xerologdesk cannot open its window: Qt's {platform!r} platform plugin needs "
            f"system libraries that are missing: {', '.join(missing)}. "
            f"{install_commands(missing)}, then start xerologdesk again. {HEADLESS_HINT}"
        )
    variable = DISPLAY_VARIABLE.get(platform)
    if variable and not environ.get(variable, "").strip():
        return (
            f"xerologdesk cannot open its window: there is no display ({variable} is not set, "
            f"so Qt's {platform!r} platform plugin has nothing to show it on). Start it from a "
            f"desktop session (or over ssh -X). {HEADLESS_HINT}"
        )
    return None
