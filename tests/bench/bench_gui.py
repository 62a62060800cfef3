"""Benchmark: the log window on a million orders, side by side with a ``QStandardItemModel``.

Measured in child processes (offscreen Qt), each started fresh with :mod:`subprocess`:

1. opening the window: from the process's spawn (recorded by this parent just before starting
   it, so the interpreter's start and every import count) to the first paint of the table's
   viewport with real rows in it, and the peak resident memory then. xerologdesk opens as a user
   does (:func:`xerologdesk.ui.launch.start`); the baseline reads every row into a
   ``QStandardItemModel`` (capped: it is killed after ``--baseline-cap`` seconds);
2. in the same processes, from applying a change to the repaint: the status filter, searches
   (the debounce excluded: measured from the search being applied), jumping to the last row of
   a search matching every order and of the whole log, and (xerologdesk only) sorting by each
   column both ways, as a click on its header does. The baseline filters with
   ``QSortFilterProxyModel`` s (status, then search);
3. the GUI thread during the app's own sync of 10,000 pending orders (a "Sync now" through
   ``OrderJobs``) against a sandbox in its own process with its limits off, with the log sorted
   by ``--sync-sort`` (default: Status, descending, once the slowest sort): a 10 ms timer
   records the longest gap between its ticks.

Run: ``python3 tests/bench/bench_gui.py [--orders N] [--out FILE] [--profile DIR]`` (not
collected by pytest). Prints a table, writes the figures as JSON (default
tests/bench/results/gui.json) and exits 1 if a target is missed. The order book is generated
once by :mod:`tests.bench.make_log_db` and cached. ``--engine postgresql`` measures 1 and 2 on
PostgreSQL instead, on a server of the benchmark's own holding a copy of it
(:mod:`tests.bench.pg_log_db`; ``--database-url URL`` for another), figures in
results/gui-postgresql.json.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

OPEN_SECONDS = 1.5
OPEN_MB = 250
REPAINT_MS = 100
STALL_MS = 50
TICK_MS = 10
SEARCHES = ("SO-", "Bakery", "Harbour Deli 7", "SKU-01234", "SO-0001234")
# After this search (every order matches), the jump to the last row crosses a million rows.
JUMP_AFTER = "SO-"
JUMP_NAME = f"jump to last row (search {JUMP_AFTER!r})"
PAINT_TIMEOUT = 60.0
COUNT_SETTLE_SECONDS = 10.0


# -- the children ------------------------------------------------------------------------------


def _emit(event: str, **values: Any) -> None:
    """One line of JSON to the parent."""
    print(json.dumps({"event": event, **values}), flush=True)


def _rss_mb() -> tuple[float, float]:
    """(resident now, peak resident) in MB, this program's own: Linux's ru_maxrss keeps the peak
    of the image the child was started from (the parent, 1.2 GB just after it built the order
    book), VmHWM only what ran since."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


# PySide6 6.12.0 on Python 3.11 drops one reference to None on every call of a method returning
# nothing (appendRow, processEvents, setItem...: measured with sys.getrefcount(None)); None is
# not immortal before 3.12, so a child calling them a million times dies with "Fatal Python
# error: none_dealloc". The children keep None alive by holding references of their own.
_NONE_FLOOR = 1_000_000
_none_reserve: list[None] = []


def _keep_none_alive() -> None:
    """Give None back the references PySide6 took (cheap: a size check, a rare extend)."""
    missing = _NONE_FLOOR - sys.getrefcount(None)
    if missing > 0:
        _none_reserve.extend([None] * (missing + _NONE_FLOOR))


def _paint(view: Any) -> None:
    """Deliver what is queued (model signals, layouts, update requests: the natural repaint),
    then render the viewport now, reading every visible cell, so the time taken includes a
    complete paint. (Counting paint events with a Python event filter crashed PySide6 6.12 in
    ``processEvents`` with "Fatal Python error: none_dealloc".)"""
    from PySide6.QtCore import QCoreApplication

    _keep_none_alive()
    QCoreApplication.processEvents()
    QCoreApplication.processEvents()  # zero-delay timers the first pass started (delayed layout)
    view.viewport().grab()


def _wait_for_rows(view: Any, timeout: float = PAINT_TIMEOUT) -> None:
    """Paint until the viewport shows a real row (the window's first page)."""
    deadline = time.perf_counter() + timeout
    _paint(view)
    while not _visible_text(view):
        if time.perf_counter() > deadline:
            raise TimeoutError("the table never painted a row")
        time.sleep(0.001)
        _paint(view)


def _spin(seconds: float) -> None:
    from PySide6.QtCore import QCoreApplication

    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        _keep_none_alive()
        QCoreApplication.processEvents()
        time.sleep(0.002)


def _visible_text(view: Any) -> str:
    """The text of the first visible cell (empty: no real row painted)."""
    from PySide6.QtCore import QPoint

    index = view.indexAt(QPoint(4, 4))
    return str(index.data() or "") if index.isValid() else ""


def _measure(name: str, view: Any, apply: Any) -> float:
    """Apply a change, repaint, report the milliseconds between."""
    started = time.perf_counter()
    apply()
    _paint(view)
    ms = (time.perf_counter() - started) * 1000
    _emit("op", name=name, ms=ms, rows=view.model().rowCount(), top=_visible_text(view))
    return ms


def _profiled(directory: str | None, name: str) -> Any:
    """A started cProfile of this thread (the GUI thread) when profiling, else None."""
    if not directory:
        return None
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    profile.bench_name = name  # type: ignore[attr-defined]
    return profile


def _dump(profile: Any, directory: str | None) -> None:
    if profile is None or not directory:
        return
    profile.disable()
    profile.dump_stats(str(Path(directory) / f"{profile.bench_name}.prof"))


def _settle_count(model: Any) -> None:
    """Wait until the model knows its exact row count (counted in the background, if so)."""
    deadline = time.perf_counter() + COUNT_SETTLE_SECONDS
    while not getattr(model, "count_is_exact", True) and time.perf_counter() < deadline:
        _spin(0.02)
    _spin(0.05)


def _sort_name(title: str, descending: bool) -> str:
    return f"sort by {title} {'descending' if descending else 'ascending'}"


def _sort_view(view: Any, column: int, descending: bool) -> None:
    """What a click on the column's header does."""
    from PySide6.QtCore import Qt

    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    view.sortByColumn(column, order)


def child_ours(data_dir: str, profile_dir: str | None) -> None:
    """Open the real window on the data directory, then time the filter, searches and jumps."""
    profile = _profiled(profile_dir, "open-xerologdesk")
    from argparse import Namespace

    from xerologdesk.ui.launch import application, start

    qt_app = application()
    started = start(Namespace(data_dir=data_dir, sandbox=False), log_to_file=False)
    window = started.window
    view = window.view
    _wait_for_rows(view)
    at = time.time()
    now, peak = _rss_mb()
    _dump(profile, profile_dir)
    _emit(
        "painted",
        at=at,
        rss_mb=now,
        peak_mb=peak,
        rows=view.model().rowCount(),
        top=_visible_text(view),
    )
    profile = _profiled(profile_dir, "ops-xerologdesk")
    bar = window.filter_bar
    _spin(0.3)
    _measure("status filter", view, lambda: bar.set_status("failed"))
    _measure("status filter back to all", view, lambda: bar.set_status(None))
    for text in SEARCHES:
        bar.search.setText(text)  # typed; the debounce then applies it (as Enter does at once)
        _measure(f"search {text!r}", view, bar.search.returnPressed.emit)
        _settle_count(window.model)
        if text == JUMP_AFTER:
            _measure(JUMP_NAME, view, view.scrollToBottom)
            _measure("jump to first row (search 'SO-')", view, view.scrollToTop)
    bar.search.setText("")
    _measure("clear the search", view, bar.search.returnPressed.emit)
    _settle_count(window.model)
    _measure("jump to last row", view, view.scrollToBottom)
    _measure("jump to first row", view, view.scrollToTop)
    from xerologdesk.ui.log_model import COLUMNS

    for number, column in enumerate(COLUMNS):
        for descending in (False, True):
            _measure(
                _sort_name(column.title, descending),
                view,
                lambda n=number, d=descending: _sort_view(view, n, d),
            )
    _dump(profile, profile_dir)
    _emit("done")
    qt_app.processEvents()
    os._exit(0)  # the data directory is shared with the next run: skip saving window state


def child_baseline(data_dir: str, spawned: float, cap: float) -> None:
    """Every row in a QStandardItemModel behind two QSortFilterProxyModels, then the same ops."""
    from PySide6.QtCore import QSortFilterProxyModel, Qt
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

    from xerologdesk.store.db import open_database
    from xerologdesk.store.queries import LogFilter, page_log
    from xerologdesk.ui.launch import application
    from xerologdesk.ui.log_model import COLUMNS, _display

    qt_app = application()
    open_database(Path(data_dir) / "xerologdesk.db")
    source = QStandardItemModel(0, len(COLUMNS))
    source.setHorizontalHeaderLabels([column.title for column in COLUMNS])
    keys = [column.key for column in COLUMNS]
    step = 20_000
    offset = 0
    while True:
        rows = page_log(LogFilter(), "posted_date", True, offset, step)
        for row in rows:
            source.appendRow([QStandardItem(_display(row, key)) for key in keys])
        _keep_none_alive()
        offset += len(rows)
        if time.time() - spawned > cap:
            _emit("timeout", loaded=offset)
            os._exit(0)
        if len(rows) < step:
            break
    status_proxy = QSortFilterProxyModel()
    status_proxy.setSourceModel(source)
    status_proxy.setFilterKeyColumn(keys.index("status"))
    search_proxy = QSortFilterProxyModel()
    search_proxy.setSourceModel(status_proxy)
    search_proxy.setFilterKeyColumn(-1)
    search_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    view = QTableView()
    view.setModel(search_proxy)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 12)
    view.resize(1200, 720)
    view.show()
    _wait_for_rows(view)
    at = time.time()
    now, peak = _rss_mb()
    _emit(
        "painted",
        at=at,
        rss_mb=now,
        peak_mb=peak,
        rows=search_proxy.rowCount(),
        top=_visible_text(view),
    )
    _measure("status filter", view, lambda: status_proxy.setFilterFixedString("Failed"))
    _measure("status filter back to all", view, lambda: status_proxy.setFilterFixedString(""))
    for text in SEARCHES:
        _measure(
            f"search {text!r}",
            view,
            lambda text=text: search_proxy.setFilterFixedString(text),
        )
        if text == JUMP_AFTER:
            _measure(JUMP_NAME, view, view.scrollToBottom)
            _measure("jump to first row (search 'SO-')", view, view.scrollToTop)
    _measure("clear the search", view, lambda: search_proxy.setFilterFixedString(""))
    _measure("jump to last row", view, view.scrollToBottom)
    _measure("jump to first row", view, view.scrollToTop)
    _emit("done")
    qt_app.processEvents()
    os._exit(0)


class _GcPauses:
    """Records how long each garbage collection of the process takes (a full collection stops
    every thread, the GUI thread included), by generation."""

    def __init__(self) -> None:
        import gc

        self.pauses: list[tuple[int, float, float]] = []  # (generation, ms, started at)
        self._started = 0.0
        self.origin = time.perf_counter()
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            ms = (time.perf_counter() - self._started) * 1000
            self.pauses.append((info["generation"], ms, self._started - self.origin))

    def worst(self) -> dict[str, Any]:
        worst = sorted(self.pauses, key=lambda pause: pause[1], reverse=True)[:5]
        return {
            "collections": len(self.pauses),
            "worst_ms": [ms for _, ms, _ in worst],
            # (generation, seconds from pressing Sync now): which pass, and where it fell
            "worst_generation_at_s": [(generation, round(at, 2)) for generation, _, at in worst],
            "full_collections": sum(1 for generation, _, _ in self.pauses if generation == 2),
        }


def child_sync(data_dir: str, base_url: str, profile_dir: str | None, sort: str) -> None:
    """Open the window sorted by ``sort`` ("Title" or "Title descending"), press "Sync now"
    and time the GUI thread's ticks until the run ends and the work it set off is done."""
    from argparse import Namespace

    from PySide6.QtCore import Qt, QTimer

    from xerologdesk.app import open_app
    from xerologdesk.ui.launch import application, start

    app = open_app(data_dir, log=False)
    app.connect_sandbox(base_url)
    app.settings.set("auto_sync_new_orders", False)  # the benchmark presses Sync now itself
    app.close()
    application()
    started = start(Namespace(data_dir=data_dir, sandbox=False), log_to_file=False)
    window = started.window
    _wait_for_rows(window.view)
    from xerologdesk.ui.log_model import COLUMNS

    descending = sort.endswith(" descending")
    title = sort.removesuffix(" descending").removesuffix(" ascending").lower()
    titles = [column.title.lower() for column in COLUMNS]
    _sort_view(window.view, titles.index(title), descending)
    _wait_for_rows(window.view)
    _spin(0.5)
    ticks: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    finished: list[Any] = []
    window.orders.run_finished.connect(finished.append)
    profile = _profiled(profile_dir, "sync-gui-thread")
    collections = _GcPauses()
    timer.start()
    run_started = collections.origin = time.perf_counter()
    window.commands["sync"].trigger()
    while not finished and time.perf_counter() - run_started < 600:
        _spin(0.01)
    run_seconds = time.perf_counter() - run_started
    # What the run sets off counts too: the reload, the refresh from Xero it asks for (reading
    # the 10,000 invoices back, several seconds), the polls that follow.
    _spin(1.5)
    while not window.desktop.jobs.is_idle() and time.perf_counter() - run_started < 600:
        _spin(0.05)
    _spin(1.0)
    timer.stop()
    _dump(profile, profile_dir)
    # (gap, seconds from pressing Sync now to the gap's start): where the worst ones fall.
    timed = sorted(
        (((b - a) * 1000, a - run_started) for a, b in itertools.pairwise(ticks)), reverse=True
    )
    gaps = [gap for gap, _ in timed]
    report = finished[0] if finished else None
    _emit(
        "sync",
        seconds=run_seconds,
        line=report.line if report else "did not finish",
        max_gap_ms=gaps[0] if gaps else None,
        gaps_over_target=sum(1 for gap in gaps if gap > STALL_MS),
        worst_gaps_ms=gaps[:5],
        worst_gaps_at_s=[round(at, 2) for _, at in timed[:5]],
        run_ended_at_s=run_seconds,
        ticks=len(ticks),
        gc=collections.worst(),
        counts=window.model.status_counts,
        painted_rows=window.model.rowCount(),
        sorted_by=sort,
    )
    started.shutdown()
    os._exit(0)


def _child_main(argv: list[str]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _keep_none_alive()
    kind = argv[0]
    if kind == "ours":
        child_ours(argv[1], argv[2] or None)
    elif kind == "baseline":
        child_baseline(argv[1], float(argv[2]), float(argv[3]))
    else:
        child_sync(argv[1], argv[2], argv[3] or None, argv[4])


# -- the parent --------------------------------------------------------------------------------


def run_child(args: list[str], timeout: float) -> tuple[float, list[dict[str, Any]]]:
    """Start a child (this file with ``--child``), read its JSON lines until it exits or
    ``timeout`` seconds pass (then it is killed); (its spawn time, its events)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    spawned = time.time()
    process = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            *[a.replace("{spawned}", repr(spawned)) for a in args],
        ],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    events: list[dict[str, Any]] = []
    assert process.stdout is not None
    chooser = selectors.DefaultSelector()
    chooser.register(process.stdout, selectors.EVENT_READ)
    deadline = spawned + timeout
    while time.time() < deadline:
        if not chooser.select(timeout=max(deadline - time.time(), 0.01)):
            continue
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("{"):
            events.append(json.loads(line))
    else:
        process.kill()
        events.append({"event": "killed", "after": timeout})
    process.wait()
    return spawned, events


def open_figures(spawned: float, events: list[dict[str, Any]]) -> dict[str, Any]:
    figures: dict[str, Any] = {"ops_ms": {}}
    for event in events:
        if event["event"] == "painted":
            figures.update(
                seconds=event["at"] - spawned,
                rss_mb=event["rss_mb"],
                peak_mb=event["peak_mb"],
                rows=event["rows"],
                first_row=event["top"],
            )
        elif event["event"] == "op":
            figures["ops_ms"][event["name"]] = event["ms"]
        elif event["event"] in ("timeout", "killed"):
            figures["unfinished"] = event
    return figures


def run_sync(data_dir: Path, workdir: Path, profile_dir: str, sort: str) -> dict[str, Any]:
    """The sync measure on a copy of the order book, against a sandbox in its own process,
    with the log sorted by ``sort``."""
    from tests.bench.bench_sync import RemoteSandbox
    from tests.bench.datasets import catalogue, xero_records
    from tests.bench.make_log_db import CUSTOMERS, DATABASE_NAME, SKUS

    copy = workdir / f"sync-{sort.replace(' ', '-')}"
    copy.mkdir()
    shutil.copyfile(data_dir / DATABASE_NAME, copy / DATABASE_NAME)
    contacts, items = xero_records(catalogue(CUSTOMERS, SKUS))
    box = RemoteSandbox(contacts, items)
    try:
        _, events = run_child(["sync", str(copy), box.base_url, profile_dir, sort], 900)
    finally:
        box.stop()
        shutil.rmtree(copy, ignore_errors=True)
    found = [event for event in events if event["event"] == "sync"]
    return found[0] if found else {"unfinished": events[-1:] if events else "no output"}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def print_table(figures: dict[str, Any]) -> list[str]:
    """Print the results table; the names of the targets missed."""
    ours, base, sync = figures["xerologdesk"], figures["baseline"], figures["sync"]
    missed: list[str] = []
    rows: list[tuple[str, str, str, str]] = []

    def check(ok: bool, what: str) -> None:
        if not ok:
            missed.append(what)

    cap = figures["baseline_cap_seconds"]
    if base.get("skipped"):
        base_open = "not run"
    else:
        base_open = f"{base['seconds']:.2f} s" if "seconds" in base else f"> {cap:.0f} s"
    rows.append(
        (
            "open 1M orders: first page painted",
            f"<= {OPEN_SECONDS} s",
            f"{ours.get('seconds', float('nan')):.2f} s",
            base_open,
        )
    )
    check(ours.get("seconds", 99) <= OPEN_SECONDS, "open time")
    base_mb = f"{base['peak_mb']:,.0f} MB" if "peak_mb" in base else "-"
    rows.append(
        (
            "open 1M orders: peak resident memory",
            f"<= {OPEN_MB} MB",
            f"{ours.get('peak_mb', float('nan')):,.0f} MB",
            base_mb,
        )
    )
    check(ours.get("peak_mb", 1e9) <= OPEN_MB, "open memory")
    for name, ms in ours["ops_ms"].items():
        rows.append(
            (f"{name}: to repaint", f"<= {REPAINT_MS} ms", _ms(ms), _ms(base["ops_ms"].get(name)))
        )
        check(ms <= REPAINT_MS, name)
    if not ours["ops_ms"]:
        missed.append("operations not measured")
    for run in sync:
        gap = run.get("max_gap_ms")
        what = f"GUI thread during a 10,000-order sync sorted by {run.get('sorted_by')}"
        rows.append((f"{what}: longest stall", f"<= {STALL_MS} ms", _ms(gap), "-"))
        check(gap is not None and gap <= STALL_MS, f"GUI stall during sync ({run['sorted_by']})")
    widths = [max(len(row[n]) for row in rows) for n in range(4)]
    header = ("what", "target", "xerologdesk", "baseline")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    for row in (header, *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    for run in sync:
        if "seconds" not in run:
            continue
        print(
            f"sync sorted by {run['sorted_by']}: {run['line']} in {run['seconds']:.1f} s; "
            f"{run['ticks']} ticks, {run['gaps_over_target']} gaps over {STALL_MS} ms, worst "
            f"{[round(gap) for gap in run['worst_gaps_ms']]} ms, "
            f"{run['worst_gaps_at_s']} s after Sync now (the run ended at "
            f"{run['run_ended_at_s']:.2f} s); garbage collections "
            f"{run.get('gc')}"
        )
    return missed


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child_main(sys.argv[2:])
        return 0
    from tests.bench.make_log_db import log_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--baseline-cap", type=float, default=120.0)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-sync", action="store_true")
    parser.add_argument(
        "--sync-sort",
        action="append",
        help='the log\'s sort during the sync measure, e.g. "Status descending" or "Total" '
        "(repeatable: one sync each; default Status descending)",
    )
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile stats here")
    parser.add_argument("--out", type=Path, default=None, help="default: results/gui.json")
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="postgresql: the log on a server of the benchmark's own, kept in the cache folder "
        "(filled from the SQLite order book once); the baseline and the sync stay SQLite's",
    )
    parser.add_argument(
        "--database-url",
        help="the log on this PostgreSQL database instead (filled first if it has no orders)",
    )
    args = parser.parse_args()

    built = time.perf_counter()
    cached = log_database(args.orders, args.pending, args.cache_dir)
    print(f"order book: {cached} ({time.perf_counter() - built:.1f} s to build or find)")
    with contextlib.ExitStack() as stack:
        engine = _log_engine(args, cached, stack)
        return _measure_all(args, cached, engine)


def _log_engine(args: argparse.Namespace, cached: Path, stack: contextlib.ExitStack) -> str:
    """Point the children at the log on PostgreSQL when asked (the variable the app reads; the
    server, if the benchmark's own, runs until ``stack`` closes); the engine's name. The
    baseline and the sync stay on the SQLite file (the sync would change the kept copy)."""
    if args.engine == "sqlite" and not args.database_url:
        return "SQLite"
    from tests.bench.pg_log_db import bench_server, filled_database, filled_if_empty
    from xerologdesk.app import DATABASE_URL_VARIABLE

    if args.database_url:
        url = filled_if_empty(args.database_url, cached)
    else:
        server = stack.enter_context(bench_server(args.cache_dir))
        url = filled_database(server, cached)
    os.environ[DATABASE_URL_VARIABLE] = url
    args.skip_baseline = args.skip_sync = True
    import psycopg

    with psycopg.connect(url) as connection:
        version = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {version[0] if version else '?'} (server on this machine)"


def _measure_all(args: argparse.Namespace, cached: Path, engine: str) -> int:
    """Run the children on the order book, print the table, write the figures."""
    from tests.bench.make_log_db import DATABASE_NAME

    default_name = "gui.json" if engine == "SQLite" else "gui-postgresql.json"
    out = args.out or Path(__file__).parent / "results" / default_name
    profile_dir = ""
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        profile_dir = str(args.profile.resolve())
    with tempfile.TemporaryDirectory() as temp:
        workdir = Path(temp)
        shown = workdir / "shown"  # the cached file, linked: reading it never changes it
        shown.mkdir()
        (shown / DATABASE_NAME).symlink_to(cached / DATABASE_NAME)
        spawned, events = run_child(["ours", str(shown), profile_dir], 300)
        ours = open_figures(spawned, events)
        base: dict[str, Any] = {"ops_ms": {}, "skipped": True}
        if not args.skip_baseline:
            # Killed a little after the cap when its operations run long too.
            spawned, events = run_child(
                ["baseline", str(shown), "{spawned}", str(args.baseline_cap)],
                args.baseline_cap * 2 + 60,
            )
            base = open_figures(spawned, events)
        sync: list[dict[str, Any]] = []
        if not args.skip_sync:
            for sort in args.sync_sort or ["Status descending"]:
                sync.append({"sorted_by": sort, **run_sync(cached, workdir, profile_dir, sort)})
    figures = {
        "orders": args.orders,
        "pending": args.pending,
        "xerologdesk": ours,
        "baseline": base,
        "baseline_cap_seconds": args.baseline_cap,
        "sync": sync,
        "engine": engine,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}, {platform.system()}",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"the log on {engine}")
    missed = print_table(figures)
    print("targets met" if not missed else "TARGETS MISSED: " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
