"""GUI test set-up: an app on a fresh data directory, its desktop and main window, message
boxes answered by the test, and a check that no test leaves background work running."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from gui_support import (
    TEST_BACKOFF_SCALE,
    TEST_BATCH,
    WAIT_MS,
    Line,
    Opened,
    Shown,
    wait_idle,
    write_orders,
)
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from xerologdesk.app import App, open_app
from xerologdesk.sandbox import Sandbox
from xerologdesk.store.claims import claims_for
from xerologdesk.sync.backoff import BackoffPolicy
from xerologdesk.sync.lock import SyncLock
from xerologdesk.sync.runner import SyncRunner
from xerologdesk.ui import messages
from xerologdesk.ui.desktop import Desktop, build_desktop
from xerologdesk.ui.main_window import MainWindow
from xerologdesk.ui.order_jobs import ImportOutcome


@pytest.fixture(autouse=True)
def shown(monkeypatch: pytest.MonkeyPatch) -> Iterator[Shown]:
    """Message boxes never block a test: recorded here; an error box nobody expected fails it."""
    record = Shown()

    def box(kind: str) -> Callable[..., None]:
        def show(parent: Any, title: str, text: str, details: str = "") -> None:
            record.calls.append((kind, title, text, details))

        return show

    def confirm(parent: Any, title: str, text: str, action: str) -> bool:
        record.calls.append(("confirm", title, text, action))
        return record.confirm_answer

    def choose(parent: Any, title: str, text: str, yes: str, no: str) -> bool:
        record.calls.append(("choose", title, text, yes))
        return record.confirm_answer

    def ask_text(parent: Any, title: str, label: str, text: str = "") -> str | None:
        record.calls.append(("ask_text", title, label, text))
        return record.text_answer

    def notice(
        parent: Any,
        title: str,
        text: str,
        details: str = "",
        action: tuple[str, Callable[[], object]] | None = None,
    ) -> None:
        record.calls.append(("notice", title, text, details))
        if action is not None:
            record.actions.append(action)

    for kind in ("error", "warning", "info", "about"):
        monkeypatch.setattr(messages, kind, box(kind))
    monkeypatch.setattr(messages, "notice", notice)
    monkeypatch.setattr(messages, "confirm", confirm)
    monkeypatch.setattr(messages, "choose", choose)
    monkeypatch.setattr(messages, "ask_text", ask_text)
    yield record
    errors = record.of("error")
    assert not errors, f"unexpected error box(es): {errors}"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    opened = open_app(tmp_path / "data", log=False)
    yield opened
    opened.close()


@pytest.fixture
def opened(qapp: QApplication) -> Iterator[Opened]:
    """Fails a test that leaves background work queued or running (napari's habit)."""
    record = Opened()
    yield record
    QApplication.processEvents()  # deliver `finished` of work already done
    leftovers = [job.name for desktop in record.desktops for job in desktop.jobs.unfinished()]
    leftovers += [
        f"{sends} invoice request(s)"
        for desktop in record.desktops
        if (sends := desktop.app.senders.under_way())
    ]
    for desktop in record.desktops:
        desktop.jobs.cancel_all()
        desktop.orders.close_database()
        desktop.jobs.wait_for_done(WAIT_MS)
    QApplication.processEvents()
    assert not leftovers, f"the test left background work running: {leftovers}"
    assert not record.failures, f"background work failed: {record.failures}"


def test_runner(app: App) -> SyncRunner:
    """The app's runner (back-off, one run per data directory, claims in its database) in
    small batches, so a run of a dozen orders reports progress mid-way, and with back-off
    waits of milliseconds."""
    return SyncRunner(
        app.engine(),
        batch_size=TEST_BATCH,
        backoff=BackoffPolicy(scale=TEST_BACKOFF_SCALE),
        lock=SyncLock(app.data_dir),
        claims=partial(claims_for, app.db),
    )


@pytest.fixture
def make_desktop(opened: Opened) -> Callable[[App], Desktop]:
    def make(app: App) -> Desktop:
        desktop = build_desktop(
            app,
            app.data_dir / "logs",
            failure_handler=opened.failures.append,
            runner_factory=lambda: test_runner(app),
            open_url=lambda url: opened.urls.append(QUrl(url).toString()),
        )
        opened.desktops.append(desktop)
        return desktop

    return make


@pytest.fixture
def desktop(app: App, make_desktop: Callable[[App], Desktop]) -> Desktop:
    return make_desktop(app)


@pytest.fixture
def window(desktop: Desktop, qtbot: QtBot) -> MainWindow:
    shown_window = MainWindow(desktop)
    qtbot.addWidget(shown_window)
    shown_window.show()
    # Settled as a user first sees it: its start-up reads (the problems' count) are done, so
    # a test that ends at once leaves no work running.
    qtbot.waitUntil(desktop.jobs.is_idle, timeout=WAIT_MS)
    return shown_window


@pytest.fixture
def connected(app: App, sandbox: Sandbox) -> Sandbox:
    """The app connected to a demo sandbox, with the defaults Auto Sync needs."""
    app.connect_sandbox(sandbox.base_url)
    app.settings.set("default_sales_account", "200")
    app.settings.set("default_tax_rate", "OUTPUT")
    app.settings.set("default_non_taxable_tax_rate", "EXEMPTOUTPUT")
    return sandbox


@pytest.fixture
def import_lines(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, shown: Shown
) -> Callable[..., ImportOutcome]:
    """Import order lines through the window; waits for the import (and its auto sync)."""
    counter = iter(range(1, 1000))

    def run(lines: list[Line], *, wait_sync: bool = True, clean: bool = True) -> ImportOutcome:
        path = write_orders(tmp_path / f"orders-{next(counter)}.csv", lines)
        with qtbot.waitSignal(window.orders.imported, timeout=WAIT_MS) as imported:
            window.import_files([path])
        if wait_sync:
            wait_idle(window, qtbot)
        outcome: ImportOutcome = imported.args[0]
        if clean:
            assert not outcome.problems, outcome.problems
            assert shown.take("notice") == []
        return outcome

    return run
