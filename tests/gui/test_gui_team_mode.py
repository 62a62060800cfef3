"""The window on a team's PostgreSQL log: it imports and syncs as on SQLite, and a change
another desktop commits shows at the window's next poll."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from gui_support import line, status_of, wait_idle
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from xerologdesk.app import App, open_app
from xerologdesk.ui.main_window import MainWindow


@pytest.fixture
def app(tmp_path: Path, postgres_book_url: str) -> Iterator[App]:
    """This desktop's app, its order book on the team's database."""
    opened = open_app(tmp_path / "data", log=False, database_url=postgres_book_url)
    yield opened
    opened.close()


def test_the_window_imports_and_syncs_on_the_team_database(
    window: MainWindow, connected: object, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    import_lines([line("SO-1"), line("SO-2")])
    wait_idle(window, qtbot)
    assert [status_of(window, ref) for ref in ("SO-1", "SO-2")] == ["Succeeded"] * 2


def test_a_dismiss_on_another_desktop_shows_at_the_next_poll(
    window: MainWindow,
    connected: object,
    import_lines: Callable[..., object],
    qtbot: QtBot,
    postgres_book_url: str,
) -> None:
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    import_lines([line("SO-1"), line("SO-2")], wait_sync=False)
    wait_idle(window, qtbot)
    assert status_of(window, "SO-1") == "Pending"
    with psycopg.connect(postgres_book_url) as other:  # another desktop dismisses SO-1
        other.execute("UPDATE log_entry SET status = 'dismissed' WHERE order_ref = 'SO-1'")
    window._poll_changes()
    QApplication.processEvents()
    qtbot.waitUntil(lambda: status_of(window, "SO-1") == "Dismissed", timeout=5000)
    assert status_of(window, "SO-2") == "Pending"
