"""The files the app ships (icons, style sheet, demo orders), found in one place.

Installed, they are the package ``xerologdesk.resources`` (pyproject maps the top-level
``resources/`` folder to it); run from a source checkout, that package is not importable and the
folder beside the ``xerologdesk`` package is used instead. Nothing else looks for files.
"""

from __future__ import annotations

import functools
import importlib.resources
from importlib.resources.abc import Traversable
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from xerologdesk.store.vocabulary import Status

STATUS_ICONS: dict[str, str] = {
    Status.PENDING: "status-pending.svg",
    Status.SUCCEEDED: "status-succeeded.svg",
    Status.FAILED: "status-failed.svg",
    Status.DISMISSED: "status-dismissed.svg",
}
APP_ICON = "xerologdesk.svg"


@functools.cache
def _root() -> Traversable:
    try:
        return importlib.resources.files("xerologdesk.resources")
    except ModuleNotFoundError:
        # A source checkout: resources/ sits beside the xerologdesk package.
        return Path(__file__).resolve().parents[2] / "resources"


def resource(*parts: str) -> Traversable:
    """A shipped file, e.g. ``resource("icons", "xerologdesk.svg")``."""
    found = _root()
    for part in parts:
        found = found / part
    return found


def resource_path(*parts: str) -> Path:
    """A shipped file as a path on disk (every layout we ship keeps resources as plain files)."""
    return Path(str(resource(*parts)))


@functools.cache
def icon(name: str) -> QIcon:
    """An icon from ``resources/icons`` (SVG, so it stays sharp at any scale)."""
    # QIcon needs a real file; resources are plain files in every layout we ship.
    return QIcon(str(resource("icons", name)))


def app_icon() -> QIcon:
    return icon(APP_ICON)


def status_icon(status: str) -> QIcon:
    """The icon of a log status (an empty icon for an unknown one)."""
    name = STATUS_ICONS.get(status)
    return icon(name) if name else QIcon()


def xero_dead_icon() -> QIcon:
    """The badge of an order whose invoice was voided or deleted in Xero: the style's warning
    sign, which every platform's theme draws in its own way."""
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
