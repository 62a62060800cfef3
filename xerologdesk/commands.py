"""The headless commands behind ``xerologdesk COMMAND``: each takes parsed arguments, prints
results to stdout and problems to stderr, and returns the exit status."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import peewee

from xerologdesk import autostart
from xerologdesk.app import App, DataDirUnusable, NotConnected, open_app
from xerologdesk.exits import EXIT_FAILURE, EXIT_OK, EXIT_ORDERS_FAILED, EXIT_USAGE
from xerologdesk.settings import START_AT_LOGIN, SettingError
from xerologdesk.store import book, queries, trouble
from xerologdesk.store.vocabulary import DISMISSABLE, Action, Status
from xerologdesk.sync.engine import (
    AWAITING_ANSWER,
    DISMISSED_UNANSWERED,
    OrderResult,
    dismiss,
    utc_now,
)
from xerologdesk.sync.reference_lists import FROM_XERO, read_reference_lists
from xerologdesk.sync.runner import Progress, RunSummary, SyncRunner
from xerologdesk.xero.errors import XeroError

if TYPE_CHECKING:
    from xerologdesk.store.import_report import FileReport

log = logging.getLogger(__name__)


def err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _say_waiting(waited: float) -> None:
    err(f"xerologdesk: {trouble.BUSY_WAIT_MESSAGE} ({waited:.0f} s)")


def counted(number: int, noun: str) -> str:
    """``1 order``, ``3 orders``: the English plural of the nouns this command line counts."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@contextmanager
def _opened(args: argparse.Namespace) -> Iterator[App]:
    trouble.report_busy_waits(_say_waiting)
    app = open_app(args.data_dir, database_url=getattr(args, "database_url", None))
    try:
        yield app
    finally:
        app.close()


def command(run: Callable[[App, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Open the app for ``run`` and turn the errors a user can meet into messages and exit codes."""

    def wrapped(args: argparse.Namespace) -> int:
        try:
            with _opened(args) as app:
                return run(app, args)
        except (trouble.DatabaseProblem, DataDirUnusable) as error:
            err(f"xerologdesk: {error}")
            return EXIT_FAILURE
        except (peewee.DatabaseError, sqlite3.DatabaseError) as error:
            # A full disk or another writer met mid-command: said plainly; a bug stays loud.
            problem = trouble.problem_from(error)
            if problem is None:
                raise
            err(f"xerologdesk: {problem}")
            return EXIT_FAILURE
        except (NotConnected, book.OtherOrganisation) as error:
            err(f"xerologdesk: {error}")
            return EXIT_FAILURE
        except SettingError as error:
            err(f"xerologdesk: {error}")
            return EXIT_USAGE
        except XeroError as error:
            err(f"xerologdesk: {error}")
            return EXIT_FAILURE

    return wrapped


# -- connection --------------------------------------------------------------------------------


@command
def connect(app: App, args: argparse.Namespace) -> int:
    if args.sandbox:
        if args.xero_url or args.tenant:
            err("xerologdesk: --xero-url and --tenant go with --client-id, not --sandbox")
            return EXIT_USAGE
        base_url = args.sandbox.rstrip("/")
        name = app.connect_sandbox(base_url)
        print(f"Connected to {name} (sandbox at {base_url}).")
        return EXIT_OK
    from xerologdesk.connection import connect_xero
    from xerologdesk.xero.oauth import AUTHORIZE_TIMEOUT_SECONDS, DEFAULT_PORT

    port = DEFAULT_PORT if args.port is None else args.port
    minutes = AUTHORIZE_TIMEOUT_SECONDS // 60

    def show(url: str) -> None:
        err(f"Open this address in a browser, sign in and allow access (waiting {minutes} min):")
        print(url, flush=True)

    if not args.no_browser:
        err(f"Opening Xero's sign-in page in your browser; waiting up to {minutes} min.")
    try:
        name = connect_xero(
            app,
            args.client_id,
            port=port,
            open_browser=not args.no_browser,
            xero_url=args.xero_url,
            tenant=args.tenant,
            print_url=show,
            timeout=AUTHORIZE_TIMEOUT_SECONDS,
        )
    except KeyboardInterrupt:
        err("xerologdesk: connecting was cancelled. Nothing was connected.")
        return EXIT_FAILURE
    print(f"Connected to {name}.")
    return EXIT_OK


@command
def disconnect(app: App, args: argparse.Namespace) -> int:
    result = app.disconnect()
    if result is None:
        print("Not connected; nothing to do.")
        return EXIT_OK
    for warning in result.warnings:
        err(f"xerologdesk: warning: {warning}")
    print(f"Disconnected from {result.tenant_name}.")
    return EXIT_OK


@command
def status(app: App, args: argparse.Namespace) -> int:
    connection = book.get_connection()
    if connection is None:
        print("Connection: not connected")
    else:
        where = "Xero" if connection.kind == "xero" else "sandbox"
        if connection.base_url != "https://api.xero.com":
            where += " at " + connection.base_url
        print(f"Connection: {connection.tenant_name} ({where})")
        if connection.last_refreshed_at:
            print(f"Last refreshed: {connection.last_refreshed_at:%Y-%m-%d %H:%M %Z}")
    counts = queries.status_counts()
    print("Orders: " + ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in Status))
    return EXIT_OK


# -- orders ------------------------------------------------------------------------------------


@command
def import_files(app: App, args: argparse.Namespace) -> int:
    from xerologdesk.store.importer import import_files as run_import

    files, unusable = _order_files(Path(name) for name in args.files)
    if unusable:
        for unfound in unusable:
            err(unfound)
        return EXIT_USAGE
    report = run_import(files, default_currency=app.settings.get("default_currency"))
    for result in report.files:
        _print_import(result)
    return EXIT_USAGE if any(result.problems for result in report.files) else EXIT_OK


def _print_import(result: FileReport) -> str:
    """Say what the import did with one file: its problems and conflicts on stderr, the
    outcome's line on stdout (also returned, for the log)."""
    for problem in result.problems:
        err(str(problem))
    for conflict in result.conflicts:
        err(str(conflict))
    if result.problems:
        line = f"{result.path}: not imported ({counted(result.problem_count, 'problem')})"
    else:
        line = (
            f"{result.path}: imported {counted(result.imported, 'order')}, skipped "
            f"{result.skipped_same} already imported, "
            f"{counted(len(result.conflicts), 'conflict')}"
        )
    print(line, flush=True)
    return line


def _order_files(named: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """The files to import for the names given (a folder gives its CSV and JSON files, in name
    order), and what is wrong with the names that give none."""
    from xerologdesk.store.importer import order_files_in

    files: list[Path] = []
    unusable: list[str] = []
    for path in named:
        if path.is_dir():
            inside = order_files_in(path)
            if not inside:
                unusable.append(f"{path}: no CSV or JSON files in this folder")
            files.extend(inside)
        elif path.is_file():
            files.append(path)
        else:
            unusable.append(f"{path}: no such file or folder")
    return list(dict.fromkeys(files)), unusable


def _print_progress(progress: Progress) -> None:
    if progress.waiting is not None:
        err(f"{progress.note} Trying again in {progress.waiting:.0f} s.".strip())
        return
    left = progress.seconds_left
    eta = f", about {left:.0f} s left" if left is not None else ""
    err(
        f"{progress.done}/{progress.total} orders: {progress.succeeded} succeeded, "
        f"{progress.failed} failed{eta}"
    )


def _report(summary: RunSummary) -> int:
    if summary.stopped:
        err(f"xerologdesk: stopped: {summary.stopped}")
        if summary.reconnect:
            err("Reconnect to Xero, then run the sync again; the orders wait as pending.")
    if summary.waiting_on:
        err(
            "xerologdesk: waiting for Xero's answer to an earlier send of "
            f"{', '.join(summary.waiting_on)}; they stay pending and are not sent again until "
            "it is known (the next sync asks Xero again)."
        )
    if summary.held_back:
        err(
            f"xerologdesk: Xero kept failing on {', '.join(summary.held_back)} alone; they stay "
            "pending (tried again at the next sync) and the other orders went on."
        )
    print(summary.line)
    unsettled = summary.waiting_on or summary.held_back
    if (summary.stopped and not summary.cancelled) or unsettled:
        return EXIT_FAILURE
    return EXIT_ORDERS_FAILED if _left_failed(summary) else EXIT_OK


def _left_failed(summary: RunSummary) -> bool:
    """True when an order the run tried ended it failed (a later success in the run clears it)."""
    final = {result.order_id: result.status for result in summary.results}
    return Status.FAILED in final.values()


@command
def sync(app: App, args: argparse.Namespace) -> int:
    return _report(app.runner().sync_pending(progress=_print_progress))


class _Stopping:
    """SIGTERM or Ctrl+C during ``run``: the sync under way finishes its batch (nothing is left
    half-sent), then ``run`` ends instead of starting another."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.runner: SyncRunner | None = None  # the run under way, to cancel after its batch

    def __call__(self, signum: int, frame: object) -> None:
        log.info("run: %s received; stopping after the batch under way", signal.strsignal(signum))
        self.asked.set()
        if self.runner is not None:
            self.runner.cancel()

    @contextmanager
    def handling(self) -> Iterator[None]:
        """Handle SIGTERM and SIGINT within the block; the old handlers come back after it."""
        old = {number: signal.signal(number, self) for number in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for number, handler in old.items():
                signal.signal(number, handler)


def wait_between_runs(stop: threading.Event, seconds: float) -> bool:
    """Wait ``seconds`` for the next run; True when asked to stop meanwhile (tests replace this
    to run the loop on the sandbox's clock)."""
    return stop.wait(seconds)


@command
def run(app: App, args: argparse.Namespace) -> int:
    stopping = _Stopping()
    with stopping.handling():
        while True:
            code = _run_once(app, stopping)
            if args.every is None:
                return code
            if stopping.asked.is_set():
                return EXIT_OK
            log.info("run: next run in %d min", args.every)
            if wait_between_runs(stopping.asked, args.every * 60):
                return EXIT_OK


def _run_once(app: App, stopping: _Stopping) -> int:
    """Import the inbox folder's settled files, then sync the pending orders; the exit status
    the run alone would have."""
    folder = app.settings.get("inbox_folder")
    if folder:
        _import_inbox(app, Path(folder).expanduser())
    try:
        stopping.runner = app.runner()
    except NotConnected as error:
        err(f"xerologdesk: {error}")
        log.warning("run: not connected; nothing synced")
        return EXIT_FAILURE
    try:
        summary = stopping.runner.sync_pending()
    finally:
        stopping.runner = None
    log.info("run: %s%s", summary.line, f" ({summary.stopped})" if summary.stopped else "")
    return _report(summary)


def _import_inbox(app: App, folder: Path) -> None:
    """Import the files waiting in the inbox folder and move each aside."""
    from xerologdesk.inbox import move_aside, settled_files
    from xerologdesk.store.importer import import_files as run_import

    if not folder.is_dir():
        err(f"xerologdesk: the inbox folder {folder} does not exist; nothing imported")
        return
    files = settled_files(folder)
    if not files:
        return
    report = run_import(files, default_currency=app.settings.get("default_currency"))
    for result in report.files:
        log.info("run: %s", _print_import(result))
        problems = [str(each) for each in (*result.problems, *result.conflicts)]
        move_aside(Path(result.path), problems if result.problems else [])


def database_copy(args: argparse.Namespace) -> int:
    """``database copy --to URL``: the data directory's order book into an empty PostgreSQL
    database (team mode), in one transaction with a count check; the file is left as it was."""
    from xerologdesk import paths
    from xerologdesk.app import DATABASE_FILE
    from xerologdesk.store.copy import copy_book
    from xerologdesk.store.engines import is_server_url, redacted

    if not is_server_url(args.to):
        err(f"xerologdesk: {redacted(args.to)} is not a postgresql:// URL")
        return EXIT_USAGE
    source = paths.chosen_data_dir(args.data_dir) / DATABASE_FILE
    if not source.is_file():
        err(f"xerologdesk: there is no order book to copy at {source}")
        return EXIT_FAILURE
    try:
        report = copy_book(source, args.to)
    except trouble.DatabaseProblem as error:
        err(f"xerologdesk: {error}")
        return EXIT_FAILURE
    copied = ", ".join(f"{count:,} {table}" for table, count in report.counts.items())
    print(f"copied {source} to {redacted(args.to)}: {copied}")
    print(f"start the app with --database-url {redacted(args.to)} (or XEROLOGDESK_DATABASE_URL)")
    return EXIT_OK


@command
def show_log(app: App, args: argparse.Namespace) -> int:
    filter_ = queries.LogFilter(status=args.status, search=args.search or "")
    rows = queries.page_log(filter_, "posted_date", False, 0, None)
    if args.json:
        print(json.dumps([_row_json(row) for row in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("No orders match." if (args.status or args.search) else "No orders yet.")
        return EXIT_OK
    for row in rows:
        invoice = row.xero_invoice_number or ""
        why = row.reason_summary or (row.note if row.status == Status.PENDING else "") or ""
        print(
            f"{row.order_ref}\t{row.posted_date}\t{row.customer_name}\t{row.total} {row.currency}"
            f"\t{row.status}\t{invoice}\t{why}"
        )
    return EXIT_OK


def _row_json(row: Any) -> dict[str, Any]:
    return {
        "order_ref": row.order_ref,
        "posted_date": row.posted_date.isoformat(),
        "status": row.status,
        "customer_reference": row.customer_reference,
        "customer_name": row.customer_name,
        "total": str(row.total),
        "currency": row.currency,
        "reasons": [{"code": r["code"], "message": r["message"]} for r in row.reasons or []],
        "xero_invoice_id": row.xero_invoice_id,
        "xero_invoice_number": row.xero_invoice_number,
        "attempts": row.attempts,
        "pending_action": row.pending_action,
        "note": row.note,
        "last_attempt_at": row.last_attempt_at.isoformat() if row.last_attempt_at else None,
    }


@command
def resolve(app: App, args: argparse.Namespace) -> int:
    ids = book.order_ids_for_refs(args.refs)
    unknown = [ref for ref in args.refs if ref not in ids]
    if unknown:
        err("xerologdesk: no such order: " + ", ".join(unknown))
        return EXIT_USAGE
    order_ids = [ids[ref] for ref in args.refs]
    refs_by_id = {order_id: ref for ref, order_id in ids.items()}
    if args.dismiss or args.undo_dismiss:
        now = utc_now()
        unanswered: set[int] = set()
        done: str
        if args.dismiss:
            dismissal = dismiss(order_ids, args.reason or "", now)
            changed, unanswered = set(dismissal.changed), set(dismissal.unanswered)
            done, needed = Status.DISMISSED, " or ".join(DISMISSABLE)
        else:
            changed = set(book.undo_dismiss(order_ids, now))
            done, needed = "back", Status.DISMISSED
        now_status = {order.id: order.status for order in book.load_orders(list(changed))}
        for order_id in order_ids:
            outcome = done if order_id in changed else f"unchanged (it is not {needed})"
            if order_id in unanswered:
                outcome = DISMISSED_UNANSWERED
            elif args.undo_dismiss and order_id in changed:
                outcome = f"back to {now_status[order_id]}"
            print(f"{refs_by_id[order_id]}: {outcome}")
        return EXIT_OK
    action = Action.AUTO_SYNC if args.auto_sync else Action.RETRY
    summary = app.runner().resolve(order_ids, action)
    latest: dict[int, OrderResult] = {r.order_id: r for r in summary.results}
    waiting = set(summary.waiting_on)
    for order_id in order_ids:
        result = latest.get(order_id)
        if refs_by_id[order_id] in waiting:
            print(f"{refs_by_id[order_id]}: still pending: {AWAITING_ANSWER}.")
        elif result is None:
            print(f"{refs_by_id[order_id]}: unchanged (already succeeded)")
        else:
            print(_describe(result))
    return _report(summary)


def _describe(result: OrderResult) -> str:
    if result.status is Status.SUCCEEDED:
        return f"{result.order_ref}: succeeded ({result.invoice_number})"
    if result.status is Status.FAILED:
        return f"{result.order_ref}: failed: " + " ".join(r.message for r in result.reasons)
    return f"{result.order_ref}: still pending: {result.note}"


@command
def settings(app: App, args: argparse.Namespace) -> int:
    store = app.settings
    if args.key is None:
        for declaration in store.declarations():
            print(f"{declaration.key} = {store.format(declaration.key)}\t# {declaration.label}")
        return EXIT_OK
    if args.value is None:
        print(store.format(args.key))
        return EXIT_OK
    value = store.declaration(args.key).parse(args.value)
    problem = _organisation_refuses(app, args.key, value) if args.key in FROM_XERO else None
    if problem is not None:
        err(f"xerologdesk: {problem}")
        return EXIT_USAGE
    store.set(args.key, value)
    print(f"{args.key} = {store.format(args.key)}")
    if args.key == START_AT_LOGIN:
        return _apply_autostart(app, value)
    return EXIT_OK


def _apply_autostart(app: App, enabled: bool) -> int:
    """Write or remove the autostart entry the ``start_at_login`` setting asks for."""
    try:
        where = autostart.apply(enabled, app.data_dir)
    except OSError as error:
        err(f"xerologdesk: the autostart entry could not be changed: {error}")
        return EXIT_FAILURE
    err(f"{'Starts' if enabled else 'No longer starts'} at login ({where}).")
    return EXIT_OK


def _organisation_refuses(app: App, key: str, value: str) -> str | None:
    """Why the connected organisation cannot take ``value`` for a setting picked from its lists
    (an account code or tax type it does not have); None when it can, or when it could not be
    asked: that is said, and the value is kept for the next sync to meet Xero's own check."""
    if not value:
        return None
    try:
        lists = read_reference_lists(app.gateway())
    except (NotConnected, XeroError) as error:
        why = "not connected to Xero" if isinstance(error, NotConnected) else str(error)
        err(
            f"xerologdesk: {key} not checked ({why}); a sync that uses it will say if Xero lacks it"
        )
        return None
    return lists.problem_with(key, value)
