"""The window on a team's PostgreSQL log: it imports and syncs as on SQLite, and a change
another desktop commits shows at the window's next poll, with who made it."""

from __future__ import annotations

import itertools
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from gui_support import (
    WAIT_MS,
    line,
    order_id,
    resolve_in_dialog,
    status_of,
    table_texts,
    wait_idle,
)
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from tests.support.postgres import PostgresServer
from tests.support.silent_server import SilentServer
from xerologdesk.app import App, open_app, saved_database_url
from xerologdesk.store.claims import ServerClaims
from xerologdesk.store.db import schema_version
from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.dialogs.database_page import DATABASE_SAVED
from xerologdesk.ui.dialogs.settings_dialog import DATABASE_PAGE
from xerologdesk.ui.main_window import DATABASE_BACK, DATABASE_GONE, MainWindow


@pytest.fixture
def app(tmp_path: Path, postgres_book_url: str) -> Iterator[App]:
    """This desktop's app, its order book on the team's database."""
    opened = open_app(tmp_path / "data", log=False, database_url=postgres_book_url)
    yield opened
    opened.close()


@pytest.fixture
def other_app(tmp_path: Path, postgres_book_url: str) -> Iterator[App]:
    """A second desktop's app (a data directory of its own) on the same team database."""
    opened = open_app(tmp_path / "other", log=False, database_url=postgres_book_url)
    yield opened
    opened.close()


@pytest.fixture
def two_pending(
    window: MainWindow, connected: object, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    """SO-1 and SO-2 imported through the window and left pending (no sync after an import)."""
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    import_lines([line("SO-1"), line("SO-2")], wait_sync=False)
    wait_idle(window, qtbot)


def test_the_window_imports_and_syncs_on_the_team_database(
    window: MainWindow, connected: object, import_lines: Callable[..., object], qtbot: QtBot
) -> None:
    import_lines([line("SO-1"), line("SO-2")])
    wait_idle(window, qtbot)
    assert [status_of(window, ref) for ref in ("SO-1", "SO-2")] == ["Succeeded"] * 2


@pytest.mark.usefixtures("two_pending")
def test_a_dismiss_on_another_desktop_shows_at_the_next_poll(
    window: MainWindow, qtbot: QtBot, postgres_book_url: str
) -> None:
    assert status_of(window, "SO-1") == "Pending"
    with psycopg.connect(postgres_book_url) as other:  # another desktop dismisses SO-1
        other.execute("UPDATE log_entry SET status = 'dismissed' WHERE order_ref = 'SO-1'")
    window._poll_changes()
    qtbot.waitUntil(lambda: status_of(window, "SO-1") == "Dismissed", timeout=5000)
    assert status_of(window, "SO-2") == "Pending"


def test_a_dismiss_in_one_window_shows_in_the_other_within_seconds_with_who_did_it(
    other_app: App,
    window: MainWindow,
    connected: object,
    import_lines: Callable[..., object],
    make_desktop: Callable[[App], Desktop],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    import_lines([line("SO-1"), line("SO-2")], wait_sync=False)
    wait_idle(window, qtbot)
    other = MainWindow(make_desktop(other_app))
    qtbot.addWidget(other)
    other.show()
    assert status_of(other, "SO-1") == "Pending"
    details = other.open_details(order_id(other, "SO-1"))  # open before: it follows too
    monkeypatch.setattr("getpass.getuser", lambda: "alice")
    monkeypatch.setattr("socket.gethostname", lambda: "desk-2")

    window.orders.dismiss([order_id(window, "SO-1")], "paid in cash")
    wait_idle(window, qtbot)
    qtbot.waitUntil(lambda: status_of(other, "SO-1") == "Dismissed", timeout=5000)
    assert status_of(other, "SO-2") == "Pending"
    qtbot.waitUntil(lambda: details.done_by.text().startswith("Dismissed by alice@desk-2 at "))
    assert details.done_by.isVisible()


def test_the_database_page_tests_a_url_and_saves_it_never_with_a_password(
    window: MainWindow, qtbot: QtBot, postgres_book_url: str
) -> None:
    dialog = window.open_settings(DATABASE_PAGE)
    page = dialog.database_page
    assert page is not None and dialog.tabs.currentWidget() is page
    assert page.in_use.text() == window.desktop.app.database_url()  # shown redacted
    assert page.url.text() == ""  # opened by the option here: nothing saved yet

    page.url.setText(postgres_book_url)
    job = page.test_connection()
    assert job is not None
    qtbot.waitUntil(lambda: page.result.text().startswith("Connected to PostgreSQL "))
    assert page.result.text().endswith(
        f"the team's order book is there (schema v{schema_version()})."
    )

    page.url.setText("postgresql://alice:hunter2@db.example/book")
    assert page.test_connection() is None  # refused before any connection
    assert "PGPASSFILE" in page.result.text() and "hunter2" not in page.result.text()
    dialog.accept()
    assert dialog.isVisible()  # not saved: the page says why
    assert saved_database_url(window.desktop.app.data_dir) == ""

    page.url.setText(postgres_book_url)
    dialog.accept()
    assert saved_database_url(window.desktop.app.data_dir) == postgres_book_url
    assert window.statusBar().currentMessage() == DATABASE_SAVED


def test_the_window_says_when_the_team_server_is_gone_and_when_it_is_back(
    window: MainWindow, qtbot: QtBot, postgres_book_url: str
) -> None:
    with psycopg.connect(postgres_book_url) as book:
        name = book.info.dbname
    # From the server's own database: the team's must be left, to refuse every connection.
    with psycopg.connect(postgres_book_url, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(  # the server drops every desktop's connection, and lets none in
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (name,),
        )
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
        assert window.banner.topic == DATABASE_GONE
        text = window.banner.text.text()
        assert "could not be used" in text and "tries again" in text
        assert "Traceback" not in text
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=10000)
    assert window.statusBar().currentMessage() == DATABASE_BACK


@pytest.mark.usefixtures("two_pending")
def test_a_resolve_leaves_an_order_another_desktop_is_syncing_and_says_so(
    window: MainWindow, qtbot: QtBot, postgres_book_url: str
) -> None:
    elsewhere = ServerClaims(postgres_book_url)  # another desktop's run holds SO-1
    elsewhere.open()
    try:
        elsewhere.claim([order_id(window, "SO-1")])
        dialog = resolve_in_dialog(window, ["SO-1", "SO-2"], "retry", qtbot)
    finally:
        elsewhere.close()
    outcomes = {row[0]: row[1:] for row in table_texts(dialog.results)}
    assert outcomes == {
        "SO-1": ["Pending", "Not sent: being synced on another desktop; left as it is."],
        "SO-2": ["Succeeded", outcomes["SO-2"][1]],
    }
    assert (
        window.statusBar()
        .currentMessage()
        .endswith(" 1 order is being synced on another desktop; left as they are: SO-1.")
    )
    assert status_of(window, "SO-1") == "Pending"


@pytest.fixture
def silent_server(postgres_server: PostgresServer) -> Iterator[SilentServer]:
    """The suite's server behind a relay that can go silent (a short folder: a unix socket's
    path must fit in 108 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="xld-relay-"))
    relay = SilentServer(postgres_server.socket_dir, folder)
    yield relay
    relay.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def relayed_window(
    tmp_path: Path,
    postgres_book_url: str,
    silent_server: SilentServer,
    make_desktop: Callable[[App], Desktop],
    qtbot: QtBot,
) -> Iterator[MainWindow]:
    """A window on the team's database reached through the relay."""
    relayed = open_app(
        tmp_path / "relayed", log=False, database_url=silent_server.url(postgres_book_url)
    )
    window = MainWindow(make_desktop(relayed))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.desktop.jobs.is_idle, timeout=WAIT_MS)
    yield window
    window.close()
    relayed.close()


def test_a_server_that_never_answers_never_holds_the_window(
    relayed_window: MainWindow, silent_server: SilentServer, qtbot: QtBot
) -> None:
    """While the team's server is silent, each try to reach it waits for the connect timeout
    (5 s): the poll waits on its own thread, the window goes on serving events, and the
    banner says the server cannot be reached until it answers again."""
    window = relayed_window
    silent_server.silence()  # the connections it passed are dropped; new ones go unanswered
    qtbot.waitUntil(window.banner.isVisible, timeout=WAIT_MS)
    assert window.banner.topic == DATABASE_GONE
    tried = silent_server.unanswered
    qtbot.waitUntil(lambda: silent_server.unanswered > tried, timeout=WAIT_MS)  # the next try
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.waitUntil(lambda: len(ticks) >= 100, timeout=WAIT_MS)
    timer.stop()
    assert window.change_poll.busy  # the poll was waiting for the server all along
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert max(gaps) < 0.25, f"the GUI thread stalled {max(gaps):.3f} s"

    silent_server.restore()
    # The try under way times out, a later one gets through.
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=4 * WAIT_MS)
    assert window.statusBar().currentMessage() == DATABASE_BACK
