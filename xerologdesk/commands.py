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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import peewee

from xerologdesk import autostart
from xerologdesk.app import App, BadReadTimeout, DataDirUnusable, NotConnected, open_app
from xerologdesk.exits import EXIT_FAILURE, EXIT_OK, EXIT_ORDERS_FAILED, EXIT_USAGE
from xerologdesk.settings import START_AT_LOGIN, SettingError
from xerologdesk.store import book, queries, trouble, xero_seen
from xerologdesk.store.problems import ProblemGroup, problem_groups, problem_totals
from xerologdesk.store.vocabulary import DISMISSABLE, Action, Status
from xerologdesk.sync.engine import (
    AWAITING_ANSWER,
    DISMISSED_UNANSWERED,
    OrderResult,
    dismiss,
    utc_now,
)
from xerologdesk.sync.lifecycle import accept, send_again
from xerologdesk.sync.lock import SyncBusy, SyncLock, busy_message
from xerologdesk.sync.outcomes import link_details, quoted
from xerologdesk.sync.reference_lists import FROM_XERO, read_reference_lists
from xerologdesk.sync.refresh import refresh_from_xero
from xerologdesk.sync.runner import SYNCED_ELSEWHERE, Progress, RunSummary, SyncRunner
from xerologdesk.xero.errors import XeroError

if TYPE_CHECKING:
    from xerologdesk.store.import_report import FileReport

log = logging.getLogger(__name__)

_Row = TypeVar("_Row")


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
        except (SettingError, BadReadTimeout) as error:
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
    url = app.database_url()
    if url is not None:  # team mode: say which shared log this is (never its password)
        print(f"Order book: {url} (team mode, PostgreSQL)")
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
    try:
        # Replacing takes the sync lock: no run may send an order while its content changes.
        with SyncLock(app.data_dir) if args.replace else nullcontext():
            report = run_import(
                files,
                default_currency=app.settings.get("default_currency"),
                skip_bad_lines=args.skip_bad_lines,
                replace=args.replace,
            )
    except SyncBusy as busy:
        err(f"xerologdesk: {busy_message(busy.pid, 'nothing was imported')}")
        return EXIT_FAILURE
    for result in report.files:
        _print_import(result)
    # Lines set aside still exit 1: a script learns there is a file to correct.
    return EXIT_USAGE if any(result.problems for result in report.files) else EXIT_OK


def _print_import(result: FileReport) -> str:
    """Say what the import did with one file: its problems and conflicts on stderr, the
    outcome's line on stdout (also returned, for the log)."""
    for problem in result.problems:
        err(str(problem))
    for conflict in result.conflicts:
        hint = " (import it again with --replace)" if conflict.replaceable else ""
        err(f"{conflict}{hint}")
    for replacement in result.replaced:
        print(replacement)
    if result.refused:
        line = f"{result.path}: not imported ({counted(result.problem_count, 'problem')})"
    else:
        replaced = f"replaced {counted(len(result.replaced), 'order')}, " if result.replaced else ""
        line = (
            f"{result.path}: imported {counted(result.imported, 'order')}, {replaced}skipped "
            f"{result.skipped_same} already imported, "
            f"{counted(len(result.conflicts), 'conflict')}{result.notes}"
        )
        if result.set_aside_file is not None:
            line += (
                f"; set aside {counted(result.set_aside_orders, 'order')} "
                f"({counted(result.set_aside_lines, 'line')}) with problems in "
                f"{result.set_aside_file}"
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
    if summary.elsewhere:
        err(f"xerologdesk: {summary.elsewhere_note}")
    print(summary.line)
    unsettled = summary.waiting_on or summary.held_back or summary.elsewhere
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
        move_aside(Path(result.path), problems if result.refused else [])


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
    filter_ = queries.LogFilter(
        status=args.status, search=args.search or "", xero_status=args.xero_status
    )
    rows = queries.page_log(filter_, "posted_date", False, 0, None)
    if args.json:
        ids = [row.id for row in rows]
        traces, last = queries.lookup_traces(ids), queries.last_attempts(ids)
        listed = [
            _row_json(row)
            | {
                "lookup": _lookup_json(traces.get(row.id)),
                "last_action": _action_json(last.get(row.id)),
            }
            for row in rows
        ]
        _print_json(listed)
        return EXIT_OK
    if not rows:
        filtered = args.status or args.search or args.xero_status
        print("No orders match." if filtered else "No orders yet.")
        return EXIT_OK
    for row in rows:
        invoice = row.xero_invoice_number or ""
        why = row.reason_summary or (row.note if row.status == Status.PENDING else "") or ""
        print(
            f"{row.order_ref}\t{row.posted_date}\t{row.customer_name}\t{row.total} {row.currency}"
            f"\t{row.status}\t{invoice}\t{why}"
        )
    return EXIT_OK


def _print_json(value: Any) -> None:
    """Print what a command gives with ``--json``: indented, non-ASCII characters as they are."""
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _listing(
    found: Sequence[_Row],
    as_json: bool,
    to_json: Callable[[_Row], dict[str, Any]],
    to_line: Callable[[_Row], str],
    none: str = "",
) -> int:
    """Print ``found``: a JSON list (``--json``) or a line each, tab-separated (``none`` when
    there are none); the exit code."""
    if as_json:
        _print_json([to_json(each) for each in found])
        return EXIT_OK
    if not found and none:
        print(none)
    for each in found:
        print(to_line(each))
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
        "xero_status": row.xero_status,
        "xero_amount_due": None if row.xero_amount_due is None else str(row.xero_amount_due),
        "xero_seen_at": row.xero_seen_at.isoformat() if row.xero_seen_at else None,
        "xero_voided_or_deleted": row.xero_flagged,
    }


def _action_json(attempt: queries.AttemptRow | None) -> dict[str, Any] | None:
    """The order's last action: what, its outcome, who did it (``user@machine``, "" when made
    before that was kept) and when; None when the order has no history yet."""
    if attempt is None:
        return None
    return {
        "action": attempt.action,
        "outcome": attempt.outcome,
        "by": attempt.done_by,
        "at": attempt.at.isoformat(),
    }


def _lookup_json(trace: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the order's last sync matched: its contact (and how: "link" for a user's link,
    with who linked it and when) and each line's Xero item code (and the code a user mapped
    the SKU to); None before a sync looked anything up."""
    if not trace:
        return None
    customer = trace.get("customer") or {}
    contact = customer.get("matched")
    link = next((s for s in customer.get("steps", []) if s.get("by") == "Link"), None)
    return {
        "customer": {
            "matched_by": customer.get("how") or None,
            "contact_id": contact["contact_id"] if contact else None,
            "contact_name": contact["name"] if contact else None,
            "link": {
                "contact_id": link.get("value"),
                "linked_at": link.get("linked_at"),
                "linked_by": link.get("linked_by"),
            }
            if link
            else None,
        },
        "products": [
            {
                "sku": product.get("sku"),
                "item_code": product.get("found") or None,
                "mapped_to": product.get("mapped_to"),
            }
            for product in trace.get("products", [])
        ],
    }


# Why resolve --accept or --send-again left an order as it was.
NOT_DEAD = "its invoice is not voided or deleted in Xero"


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
    if args.accept:
        accepted = set(accept(order_ids, utc_now))
        for order_id in order_ids:
            outcome = "kept as it is" if order_id in accepted else NOT_DEAD
            print(f"{refs_by_id[order_id]}: {outcome}")
        return EXIT_OK
    if args.send_again:
        sent = send_again(app.runner(), order_ids, utc_now)
        for order_id in order_ids:
            if order_id not in sent.replaced:
                print(f"{refs_by_id[order_id]}: unchanged ({NOT_DEAD})")
        for order_id, note in sent.replaced.items():
            err(f"{refs_by_id[order_id]}: {note}")
        if sent.summary is None:
            return EXIT_OK
        summary = sent.summary
        order_ids = list(sent.replaced)
    else:
        action = Action.AUTO_SYNC if args.auto_sync else Action.RETRY
        summary = app.runner().resolve(order_ids, action)
    latest: dict[int, OrderResult] = {r.order_id: r for r in summary.results}
    waiting, elsewhere = set(summary.waiting_on), set(summary.elsewhere)
    for order_id in order_ids:
        result = latest.get(order_id)
        if refs_by_id[order_id] in waiting:
            print(f"{refs_by_id[order_id]}: still pending: {AWAITING_ANSWER}.")
        elif refs_by_id[order_id] in elsewhere:
            print(f"{refs_by_id[order_id]}: unchanged ({SYNCED_ELSEWHERE})")
        elif result is None:
            print(f"{refs_by_id[order_id]}: unchanged (already succeeded)")
        else:
            print(_describe(result))
    return _report(summary)


@command
def refresh(app: App, args: argparse.Namespace) -> int:
    summary = refresh_from_xero(app.gateway(), app.settings, utc_now)
    for change in summary.changes:
        before = change.before or "not seen"
        number = change.state.invoice_number or "(no number)"
        print(f"{change.order_ref}: {number} {before} -> {change.state.status}")
    print(summary.line)
    return EXIT_OK


@command
def stock(app: App, args: argparse.Namespace) -> int:
    def as_json(product: xero_seen.StockRow) -> dict[str, Any]:
        return {
            "sku": product.sku,
            "name": product.name,
            "on_hand": None if product.on_hand is None else str(product.on_hand),
            "read_at": product.read_at.isoformat() if product.read_at else None,
        }

    def as_line(product: xero_seen.StockRow) -> str:
        when = f"{product.read_at:%Y-%m-%d %H:%M %Z}" if product.read_at else ""
        on_hand = "" if product.on_hand is None else product.on_hand
        return f"{product.sku}\t{product.name}\t{on_hand}\t{when}"

    return _listing(xero_seen.stock_on_hand(), args.json, as_json, as_line)


def _describe(result: OrderResult) -> str:
    if result.status is Status.SUCCEEDED:
        return f"{result.order_ref}: succeeded ({result.invoice_number})"
    if result.status is Status.FAILED:
        return f"{result.order_ref}: failed: " + " ".join(r.message for r in result.reasons)
    return f"{result.order_ref}: still pending: {result.note}"


# -- problems: failed orders by root cause --------------------------------------------------------


@command
def problems(app: App, args: argparse.Namespace) -> int:
    """The problems worklist: one root cause a line (or JSON), the most orders first. A group is
    named ``code:subject`` (its key), which ``problems --fix`` takes."""
    if args.fix is not None or args.create or args.retry:
        return _fix_problem(app, args)
    groups = problem_groups(refs=None if args.json else 0)
    if args.json:
        _print_json([_group_json(group) for group in groups])
        return EXIT_OK
    if not groups:
        print("No problems: no order failed.")
        return EXIT_OK
    for group in groups:
        span = f"{group.oldest.posted_date} {group.oldest.ref}"
        if group.orders > 1:
            span += f" to {group.newest.posted_date} {group.newest.ref}"
        fixes = ", ".join(group.fixes) or "none here"
        print(
            f"{group.key}\t{counted(group.orders, 'order')}\t{span}\tfixes: {fixes}"
            f"\t{group.customer_name}".rstrip("\t")
        )
    totals = problem_totals()
    err(f"{counted(totals.problems, 'problem')} blocking {counted(totals.orders, 'order')}")
    return EXIT_OK


def _fix_problem(app: App, args: argparse.Namespace) -> int:
    """``problems --fix GROUP --create | --retry``: the group's orders re-synced in one run."""
    from xerologdesk.store.problems import Fix
    from xerologdesk.sync.fixes import NotFixable, plan_fix, run_fix

    if args.fix is None or not (args.create or args.retry):
        err("xerologdesk: give --fix GROUP with --create or --retry")
        return EXIT_USAGE
    try:
        plan = plan_fix(args.fix, Fix.CREATE if args.create else Fix.RETRY)
    except NotFixable as error:
        err(f"xerologdesk: {error}")
        return EXIT_USAGE
    for warning in plan.warnings:  # --create is the explicit act: say the risk, then do it
        err(f"xerologdesk: warning: {warning} Creating it as asked.")
    err(f"Fixing {plan.key}: {counted(len(plan.order_ids), 'order')}.")
    summary = run_fix(app.runner(), plan, _print_progress)
    latest: dict[int, OrderResult] = {r.order_id: r for r in summary.results}
    for order_id in plan.order_ids:
        if order_id in latest:
            print(_describe(latest[order_id]))
    return _report(summary)


def _group_json(group: ProblemGroup) -> dict[str, Any]:
    return {
        "key": group.key,
        "code": group.code,
        "subject": group.subject,
        "customer_name": group.customer_name or None,
        "order_count": group.orders,
        "orders": list(group.refs),
        "oldest": {"ref": group.oldest.ref, "posted_date": group.oldest.posted_date.isoformat()},
        "newest": {"ref": group.newest.ref, "posted_date": group.newest.posted_date.isoformat()},
        "fixes": [str(fix) for fix in group.fixes],
    }


@command
def suggest_contacts(app: App, args: argparse.Namespace) -> int:
    """The Xero contacts most like a customer (found by its reference), with their scores."""
    from xerologdesk.sync.suggestions import ContactRanker

    customer = book.customer_by_reference(args.reference)
    if customer is None:
        err(f"xerologdesk: no customer has the reference {quoted(args.reference)}")
        return EXIT_USAGE
    ranker = ContactRanker.read(app.gateway())
    suggestions = ranker.rank(customer.name, customer.reference, customer.email, args.limit)
    if args.json:
        _print_json(
            [
                {
                    "contact_id": each.contact.contact_id,
                    "name": each.contact.name,
                    "account_number": each.contact.account_number,
                    "email": each.contact.email,
                    "status": each.contact.status,
                    "score": each.score,
                    "matched": each.matched,
                    "selectable": each.selectable,
                }
                for each in suggestions
            ]
        )
        return EXIT_OK
    err(
        f"Contacts most like {customer.name} ({customer.reference}), of "
        f"{counted(len(ranker.contacts), 'Xero contact')}:"
    )
    for each in suggestions:
        archived = "\tarchived: cannot be linked" if not each.selectable else ""
        print(
            f"{each.score:5.1f}\t{each.contact.name}\t{each.contact.contact_id}"
            f"\t{each.contact.account_number}\tby {each.matched}{archived}"
        )
    return EXIT_OK


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
    # The autostart entry first: a setting that says "on" with no entry written would lie.
    if args.key == START_AT_LOGIN and not _apply_autostart(app, value):
        return EXIT_FAILURE
    store.set(args.key, value)
    print(f"{args.key} = {store.format(args.key)}")
    return EXIT_OK


def _apply_autostart(app: App, enabled: bool) -> bool:
    """Write or remove the autostart entry the ``start_at_login`` setting asks for; False
    (said on stderr) when it could not be changed."""
    try:
        where = autostart.apply(enabled, app.data_dir)
    except OSError as error:
        err(
            f"xerologdesk: the autostart entry could not be changed: {error}; {START_AT_LOGIN} "
            "was left as it was"
        )
        return False
    err(f"{'Starts' if enabled else 'No longer starts'} at login ({where}).")
    return True


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


# -- links and mappings ------------------------------------------------------------------------


def _say_retry(refs: list[str], whose: str) -> None:
    """Say that nothing was re-synced, and how to retry the failed orders the change unblocks."""
    if not refs:
        print(f"Nothing was re-synced; no failed orders {whose} now (later syncs use it).")
        return
    shown = " ".join(refs[:20])
    more = f" ... ({counted(len(refs) - 20, 'more order')}: see xerologdesk log --status failed)"
    print(
        f"Nothing was re-synced. Retry the {counted(len(refs), 'failed order')} it blocks with: "
        f"xerologdesk resolve --retry {shown}{more if len(refs) > 20 else ''}"
    )


@command
def link_customer(app: App, args: argparse.Namespace) -> int:
    from xerologdesk.store.links import customer_known, failed_orders_of_customer
    from xerologdesk.sync import links

    try:
        linked = links.link_customer(app.gateway(), app.settings, args.reference, args.xero_contact)
    except links.Refused as error:
        err(f"xerologdesk: {error} Nothing was changed.")
        return EXIT_USAGE
    link = linked.link
    print(
        f"Linked customer {quoted(link.reference)} to the Xero contact "
        f"{quoted(linked.contact.name)} ({link.contact_id})."
    )
    if linked.account_number_note:
        print(linked.account_number_note)
    if not customer_known(link.reference):
        err(
            f"xerologdesk: no customer with the reference {quoted(link.reference)} has been "
            "imported yet; the link applies to its orders once they are."
        )
    _say_retry(failed_orders_of_customer(link.reference), "of this customer")
    return EXIT_OK


@command
def unlink_customer(app: App, args: argparse.Namespace) -> int:
    from xerologdesk.sync import links

    try:
        removed = links.unlink_customer(args.reference)
    except links.Refused as error:
        err(f"xerologdesk: {error}")
        return EXIT_USAGE
    print(
        f"Unlinked customer {quoted(removed.reference)} from the Xero contact "
        f"{quoted(removed.contact_name)} ({removed.contact_id}); later syncs look it up by "
        "account number, then name."
    )
    return EXIT_OK


@command
def show_links(app: App, args: argparse.Namespace) -> int:
    from xerologdesk.store.links import all_links

    return _listing(
        all_links(),
        args.json,
        lambda each: {"reference": each.reference, **link_details(each)},
        lambda each: (
            f"{each.reference}\t{each.contact_name}\t{each.contact_id}"
            f"\t{each.linked_at:%Y-%m-%d}\t{each.linked_by}"
        ),
        none="No customers are linked.",
    )


@command
def map_sku(app: App, args: argparse.Namespace) -> int:
    from xerologdesk.store.links import failed_orders_with_sku
    from xerologdesk.sync import links

    by_file = args.file is not None
    pair = (args.sku, args.item_code)
    if (pair != (None, None)) if by_file else (None in pair):
        err("xerologdesk: give either SKU ITEM_CODE or --file CSV")
        return EXIT_USAGE
    try:
        if by_file:
            mapped = links.import_mappings(app.gateway(), Path(args.file))
        else:
            mapped = links.map_sku(app.gateway(), args.sku, args.item_code)
    except links.Refused as error:
        err(f"xerologdesk: {error}" + ("" if by_file else " Nothing was changed."))
        return EXIT_USAGE
    for each in mapped.new:
        print(f"Mapped SKU {quoted(each.sku)} to the Xero item code {quoted(each.item_code)}.")
    for each in mapped.same:
        print(f"SKU {quoted(each.sku)} was mapped to {quoted(each.item_code)} already.")
    refs = list(
        dict.fromkeys(ref for each in mapped.new for ref in failed_orders_with_sku(each.sku))
    )
    _say_retry(refs, "with these SKUs" if by_file else "with this SKU")
    return EXIT_OK


@command
def unmap_sku(app: App, args: argparse.Namespace) -> int:
    from xerologdesk.sync import links

    try:
        removed = links.unmap_sku(args.sku)
    except links.Refused as error:
        err(f"xerologdesk: {error}")
        return EXIT_USAGE
    print(
        f"Unmapped SKU {quoted(removed.sku)} (it was mapped to {quoted(removed.item_code)}); "
        "later syncs look for an item whose code is the SKU."
    )
    return EXIT_OK


@command
def show_mappings(app: App, args: argparse.Namespace) -> int:
    from xerologdesk.store.links import all_mappings

    return _listing(
        all_mappings(),
        args.json,
        lambda each: {
            "sku": each.sku,
            "item_code": each.item_code,
            "mapped_at": each.mapped_at.isoformat(),
            "mapped_by": each.mapped_by,
        },
        lambda each: f"{each.sku}\t{each.item_code}\t{each.mapped_at:%Y-%m-%d}\t{each.mapped_by}",
        none="No SKUs are mapped.",
    )
