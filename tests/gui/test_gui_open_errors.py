"""The window's side of the order book's trouble: a file that cannot be opened is one plain
message box, exit status 2, and the file left as it was; a write waiting for another window says
so in the status bar (the command line's side: tests/reliability)."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import pytest
from gui_support import QT_MARKS, WAIT_MS, Shown, wait_idle
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.reliability.test_database_lock import WriteLock
from xerologdesk.app import open_app
from xerologdesk.ui import launch

pytestmark = QT_MARKS


class _NoEventLoop:
    """Stands in for the QApplication's exec: a window that did open closes at once."""

    def exec(self) -> int:
        return 0


@pytest.fixture
def used_data_dir(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    open_app(data_dir).close()  # a log file and a database: this directory has been used
    (data_dir / "logs" / "xerologdesk.log").write_text("earlier runs\n", encoding="utf-8")
    return data_dir


def _run(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(launch, "application", _NoEventLoop)
    return launch.run_desktop(argparse.Namespace(data_dir=str(data_dir), sandbox=False))


def test_an_emptied_database_is_one_message_box_and_exit_2(
    qapp: QApplication, used_data_dir: Path, shown: Shown, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = used_data_dir / "xerologdesk.db"
    path.write_bytes(b"")
    assert _run(used_data_dir, monkeypatch) == 2
    [(_, title, text, details)] = shown.take("error")
    assert title == "The order book cannot be opened"
    assert text.startswith(f"The database {path} is empty (0 bytes), but this data directory")
    assert details == ""
    assert path.read_bytes() == b""


def test_a_schema_missing_a_table_is_one_message_box_and_exit_2(
    qapp: QApplication, used_data_dir: Path, shown: Shown, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = used_data_dir / "xerologdesk.db"
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE attempt")
        connection.execute("PRAGMA user_version = 1")
    before = path.read_bytes()
    assert _run(used_data_dir, monkeypatch) == 2
    [(_, title, text, _details)] = shown.take("error")
    assert title == "The order book cannot be opened"
    assert "(it says schema v1 but has no table attempt). Nothing was changed." in text
    assert path.read_bytes() == before


def test_a_write_waiting_for_another_window_shows_in_the_status_bar(
    qapp: QApplication, tmp_path: Path, qtbot: QtBot
) -> None:
    started = launch.start(
        argparse.Namespace(data_dir=str(tmp_path / "data"), sandbox=False), log_to_file=False
    )
    try:
        lock = WriteLock(tmp_path / "data" / "xerologdesk.db")  # an import in another window
        try:
            started.desktop.orders.save_settings({"default_currency": "NZD"})
            bar = started.window.statusBar()
            qtbot.waitUntil(
                lambda: bar.currentMessage().startswith("Waiting for another xerologdesk"),
                timeout=WAIT_MS,
            )
            assert "(an import in another window?)" in bar.currentMessage()
        finally:
            lock.release()
        wait_idle(started.window, qtbot)
        assert started.desktop.app.settings.get("default_currency") == "NZD"
    finally:
        started.window.close()
        started.shutdown()
