"""The work that changes orders, run on the writer pool: sync, resolve, dismiss, import, settings,
refreshes from Xero and what to do about an invoice voided or deleted there.

:class:`OrderJobs` is the window's one door to the sync engine and the order book's writes. It
turns the runner's progress into plain values for the GUI thread, says which orders changed so
the log repaints only those rows, and coalesces "Sync now": asked again while a sync is running,
the running sync goes round once more for the orders that became pending meanwhile, instead of
a second run queueing behind it.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from xerologdesk.app import App, NotConnected
from xerologdesk.store import book
from xerologdesk.store.problems import Fix
from xerologdesk.store.vocabulary import Action, Status
from xerologdesk.sync import links
from xerologdesk.sync.engine import Dismissal, OrderResult, dismiss
from xerologdesk.sync.fixes import NotFixable, plan_fix, run_fix
from xerologdesk.sync.lifecycle import accept, send_again
from xerologdesk.sync.lock import SyncBusy, SyncLock, busy_message
from xerologdesk.sync.refresh import RefreshSummary, refresh_from_xero
from xerologdesk.sync.runner import Progress, RunSummary, SyncRunner
from xerologdesk.ui.wording import counted
from xerologdesk.ui.workers import Job, JobControl, JobFailure, Jobs

log = logging.getLogger(__name__)

RunnerFactory = Callable[[], SyncRunner]


@dataclass(frozen=True)
class RunProgress:
    """How far the run under way is, for the progress bar."""

    title: str
    done: int
    total: int
    succeeded: int
    failed: int
    seconds_left: float | None
    note: str = ""  # transient trouble the run is waiting out, in words
    waiting: float | None = None  # for how many seconds


@dataclass(frozen=True)
class OrderOutcome:
    """What an action did to one order, in words (the Resolve dialog's result list)."""

    order_id: int
    order_ref: str
    status: str
    message: str
    codes: tuple[str, ...] = ()  # the reason codes of a failure (sync.outcomes.Code)


@dataclass(frozen=True)
class RunTally:
    """A run's outcomes counted: by final status, and the failed ones by cause."""

    succeeded: int = 0
    failed: int = 0
    pending: int = 0
    # (reason code, how many failed orders have it), in the order the codes were first met.
    causes: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, outcomes: Iterable[OrderOutcome]) -> RunTally:
        statuses: Counter[str] = Counter()
        causes: Counter[str] = Counter()
        for outcome in outcomes:
            statuses[outcome.status] += 1
            if outcome.status == Status.FAILED:
                causes.update(set(outcome.codes))  # an order failing for two causes: both
        return cls(
            statuses[Status.SUCCEEDED],
            statuses[Status.FAILED],
            statuses[Status.PENDING],
            tuple(causes.items()),
        )


@dataclass(frozen=True)
class RunReport:
    """How a run ended.

    Made on the worker that ran it, which also counts its outcomes (:attr:`tally`): a run of
    10,000 orders is walked there, never on the GUI thread its end is shown on.
    """

    title: str
    line: str  # e.g. "synced 12: 10 succeeded, 2 failed, 0 pending"
    stopped: str = ""  # why it ended early, in plain words ("" when it finished)
    cancelled: bool = False
    not_connected: bool = False  # nothing was sent: connect first
    reconnect: bool = False  # the connection died: reconnect to Xero
    retry_after: float | None = None  # seconds until Xero takes calls again (a rate limit)
    try_again_at: datetime | None = None  # when it is worth trying again (UTC)
    outcomes: tuple[OrderOutcome, ...] = ()
    busy: bool = False  # it never started: another process was syncing this data directory
    # Orders left pending: an earlier send still unanswered, or Xero failing on them alone.
    waiting_on: tuple[str, ...] = ()
    held_back: tuple[str, ...] = ()
    elsewhere: tuple[str, ...] = ()  # chosen orders another desktop was syncing, left as they were
    day_limit: bool = False  # it stopped with the organisation's calls for the day spent
    pending_sync: bool = False  # a sync of the pending orders (its failures are new ones)
    tally: RunTally = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Derived from the outcomes whenever a report is made (or replaced), so never stale.
        object.__setattr__(self, "tally", RunTally.of(self.outcomes))

    @property
    def unsettled(self) -> str:
        """The orders the run had to leave pending, in a sentence ("" when none)."""
        parts = []
        if self.waiting_on:
            parts.append(f"waiting for Xero's answer about {', '.join(self.waiting_on)}")
        if self.held_back:
            parts.append(f"Xero kept failing on {', '.join(self.held_back)} alone")
        return "; ".join(parts)

    @property
    def result(self) -> str:
        """The run's end in a sentence: "Retry of 8 orders: 0 succeeded, 3 failed." (counts of
        the orders it sent, each at its final status)."""
        tally = self.tally
        if not self.outcomes:
            return f"{self.title}: nothing was sent."
        counts = [f"{tally.succeeded} succeeded", f"{tally.failed} failed"]
        if tally.pending:
            counts.append(f"{tally.pending} still pending")
        return f"{self.title}: {', '.join(counts)}."

    @property
    def trouble(self) -> bool:
        """True when the run stopped for a reason the user must hear about."""
        return bool(self.stopped) and not self.cancelled

    def resumes_at(self, now: datetime) -> datetime | None:
        """When syncing is worth trying again after trouble that passes (a rate limit, an
        outage); None when the run did not stop for such trouble."""
        if not self.trouble or self.reconnect or self.not_connected:
            return None
        if self.try_again_at is not None:
            return self.try_again_at
        if self.retry_after is not None:
            return now + timedelta(seconds=self.retry_after)
        return None


@dataclass(frozen=True)
class FileOutcome:
    """What an import did with one file."""

    path: Path
    line: str  # "orders.csv: imported 12 orders, skipped 3 already imported"
    problems: tuple[str, ...]  # "FILE:LINE: message", and conflicts
    rejected: bool  # nothing was imported from it because of problems
    # A rejected file whose problems all lie in orders: the orders without any, which an
    # import that sets the others aside would import.
    good_orders: int = 0
    set_aside_file: Path | None = None  # where the orders with problems were set aside
    # Orders imported before with different content and no invoice in Xero, which an import
    # that replaces would give the file's content: "SO-7: line 1: ... -> ...".
    replaceable: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did, file by file."""

    files: tuple[FileOutcome, ...]
    new_order_ids: tuple[int, ...]
    replaced_order_ids: tuple[int, ...] = ()

    @property
    def summary(self) -> str:
        return "\n".join(result.line for result in self.files)

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(problem for result in self.files for problem in result.problems)

    @property
    def with_good_orders(self) -> tuple[FileOutcome, ...]:
        """The rejected files that have good orders to import, setting the others aside."""
        return tuple(result for result in self.files if result.rejected and result.good_orders)

    @property
    def replaceable(self) -> tuple[str, ...]:
        """The orders an import that replaces would give the files' content, with the changes."""
        return tuple(change for result in self.files for change in result.replaceable)


def describe(result: OrderResult) -> str:
    """One order's result in a sentence."""
    if result.status is Status.SUCCEEDED:
        number = f" {result.invoice_number}" if result.invoice_number else ""
        note = f" {result.note}" if result.note else ""
        return f"Succeeded: invoice{number} created in Xero.{note}"
    if result.status is Status.FAILED:
        return " ".join(reason.message for reason in result.reasons) or "Failed."
    return f"Still pending: {result.note}" if result.note else "Still pending."


def _outcomes(results: Sequence[OrderResult]) -> tuple[OrderOutcome, ...]:
    latest: dict[int, OrderResult] = {}
    for result in results:
        latest[result.order_id] = result  # a later pass's answer wins
    return tuple(
        OrderOutcome(
            r.order_id,
            r.order_ref,
            str(r.status),
            describe(r),
            tuple(str(reason.code) for reason in r.reasons),
        )
        for r in latest.values()
    )


def _import_outcome(report: Any) -> ImportOutcome:
    """The importer's report (store.import_report.ImportReport) in words."""
    files: list[FileOutcome] = []
    for result in report.files:
        path = Path(result.path)
        # A replaceable conflict is a question (replace it?) rather than a problem.
        left = [each for each in result.conflicts if not each.replaceable]
        problems = tuple(str(each) for each in (*result.problems, *left))
        replaceable = tuple(
            f"{each.order_ref}: {'; '.join(each.changes)}"
            for each in result.conflicts
            if each.replaceable
        )
        if result.refused:
            line = f"{path.name}: " + counted("not imported (%n problem(s))", result.problem_count)
        else:
            line = f"{path.name}: " + counted("imported %n order(s)", result.imported)
            if result.replaced:
                line += counted(", replaced %n order(s)", len(result.replaced))
            if result.skipped_same:
                line += counted(", skipped %n already imported", result.skipped_same)
            if result.conflicts:
                line += counted(
                    ", %n conflicting order(s) left as they were", len(result.conflicts)
                )
            line += result.notes
            if result.set_aside_file is not None:
                line += counted("; set aside %n order(s) with problems", result.set_aside_orders)
                line += f" in {result.set_aside_file.name}"
        files.append(
            FileOutcome(
                path,
                line,
                problems,
                result.refused,
                result.good_orders,
                result.set_aside_file,
                replaceable,
            )
        )
    replaced = tuple(each.order_id for result in report.files for each in result.replaced)
    return ImportOutcome(tuple(files), tuple(report.new_order_ids), replaced)


def _busy_outcome(paths: Sequence[Path], busy: SyncBusy) -> ImportOutcome:
    """An import that replaces, refused while another run syncs: nothing was imported."""
    said = busy_message(busy.pid, "nothing was imported")
    return ImportOutcome(
        tuple(
            FileOutcome(path, f"{path.name}: not imported", (f"{path}: {said}",), True)
            for path in paths
        ),
        (),
    )


class OrderJobs(QObject):
    """Runs the order-changing work in the background and reports it on the GUI thread."""

    run_started = Signal(str)  # the run's title
    run_progress = Signal(object)  # RunProgress
    run_finished = Signal(object)  # RunReport
    orders_changed = Signal(list)  # order ids whose log rows changed
    orders_added = Signal(list)  # order ids of newly imported orders
    imported = Signal(object)  # ImportOutcome
    settings_saved = Signal(dict)  # the values stored, by key
    busy_changed = Signal(bool)
    refreshed = Signal(object)  # RefreshSummary: what a refresh from Xero saw

    def __init__(
        self,
        app: App,
        jobs: Jobs,
        runner_factory: RunnerFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._app = app
        self._jobs = jobs
        self._runner_factory = runner_factory or app.runner
        self._mine: list[Job] = []
        self._sync_job: Job | None = None
        self._sync_started = threading.Event()
        self._sync_again = threading.Event()
        self._runs: list[tuple[Job, str]] = []  # runs queued or under way, oldest first

    # -- state ---------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return bool(self._mine)

    def cancel(self) -> None:
        """Stop the running sync or resolve after the batch under way."""
        if self._runs:
            self._runs[0][0].cancel()

    # -- runs ----------------------------------------------------------------------------------

    def sync_now(self) -> bool:
        """Sync every pending order; False when merged into a sync already queued or running."""
        if self._sync_job is not None:
            if self._sync_started.is_set():
                self._sync_again.set()
            return False
        self._sync_started.clear()
        self._sync_again.clear()
        title = "Syncing pending orders"
        self._sync_job = self._run(title, lambda control: self._sync_work(title, control))
        return True

    def resolve(self, order_ids: Sequence[int], action: Action) -> Job:
        """Auto Sync or Retry these orders."""
        ids = list(order_ids)
        auto_sync = action is Action.AUTO_SYNC
        title = counted(
            "Auto Sync of %n order(s)" if auto_sync else "Retry of %n order(s)", len(ids)
        )

        def work(control: JobControl) -> RunReport:
            runner = self._runner_factory()
            control.on_cancel(runner.cancel)
            summary = runner.resolve(ids, action, self._progress_reporter(title, control))
            return self._report(title, summary, control)

        return self._run(title, work)

    def fix(self, key: str, fix: Fix, subject: str) -> Job:
        """Re-sync, in one run, every failed order the problems group ``key`` blocks: Create
        (an Auto Sync creating only the group's customer or item) or Retry (after a link, a
        mapping or a fix made in Xero). ``subject`` names the group in the run's title (the
        key is a code, not words for the status bar)."""
        title = f"{'Create' if fix is Fix.CREATE else 'Retry'} for {subject}"

        def work(control: JobControl) -> RunReport:
            try:
                plan = plan_fix(key, fix)
            except NotFixable as error:  # fixed meanwhile (another run, the command line)
                return RunReport(title, "nothing sent", str(error))
            runner = self._runner_factory()
            control.on_cancel(runner.cancel)
            summary = run_fix(runner, plan, self._progress_reporter(title, control))
            return self._report(title, summary, control)

        return self._run(title, work)

    def send_again(self, order_ids: Sequence[int]) -> Job:
        """Send a new invoice for each order whose invoice was voided or deleted in Xero (the
        others are left alone), through the outbox like any invoice."""
        ids = list(order_ids)
        title = counted("Send again of %n order(s)", len(ids))

        def work(control: JobControl) -> RunReport:
            runner = self._runner_factory()
            control.on_cancel(runner.cancel)
            progress = self._progress_reporter(title, control)
            sent = send_again(runner, ids, book.utc_now, progress)
            if sent.summary is None:
                return RunReport(title, "nothing to send again", "")
            return self._report(title, sent.summary, control)

        return self._run(title, work)

    def accept(self, order_ids: Sequence[int]) -> Job:
        """Keep as they are the orders whose invoice was voided or deleted in Xero."""
        ids = list(order_ids)
        return self._submit(
            "Accept", lambda control: accept(ids, book.utc_now), on_done=self._changed
        )

    def unlink_customer(self, reference: str) -> Job:
        """Remove a customer's link to a Xero contact: its next sync looks it up again (by
        account number, then name). The job's result is the link removed."""
        return self._submit(
            "Unlink the customer",
            lambda control: links.unlink_customer(reference),
            on_done=lambda removed: None,  # the caller shows it
        )

    def refresh_from_xero(self, on_error: Callable[[JobFailure], None] | None = None) -> Job:
        """Ask Xero what became of the invoices since the last refresh (and stock on hand)."""

        def work(control: JobControl) -> RefreshSummary:
            return refresh_from_xero(self._app.gateway(), self._app.settings, book.utc_now)

        return self._submit("Refresh from Xero", work, on_done=self._refreshed, on_error=on_error)

    def _refreshed(self, summary: RefreshSummary) -> None:
        self._changed([change.order_id for change in summary.changes])
        self.refreshed.emit(summary)

    def _sync_work(self, title: str, control: JobControl) -> RunReport:
        self._sync_started.set()
        results: list[OrderResult] = []
        runner = self._runner_factory()
        control.on_cancel(runner.cancel)
        while True:
            summary = runner.sync_pending(self._progress_reporter(title, control))
            results.extend(summary.results)
            # A "Sync now" during the run: go round again for what became pending meanwhile.
            if summary.stopped or control.cancelled or not self._sync_again.is_set():
                break
            self._sync_again.clear()
        summary.results = results
        return replace(self._report(title, summary, control), pending_sync=True)

    def _progress_reporter(self, title: str, control: JobControl) -> Callable[[Progress], None]:
        def report(progress: Progress) -> None:
            control.report(
                (
                    RunProgress(
                        title,
                        progress.done,
                        progress.total,
                        progress.succeeded,
                        progress.failed,
                        progress.seconds_left,
                        progress.note,
                        progress.waiting,
                    ),
                    [result.order_id for result in progress.latest],
                )
            )

        return report

    @staticmethod
    def _report(title: str, summary: RunSummary, control: JobControl) -> RunReport:
        cancelled = summary.cancelled or control.cancelled
        return RunReport(
            title=title,
            line=summary.line,
            stopped=summary.stopped or ("Cancelled; the rest stay pending." if cancelled else ""),
            cancelled=cancelled,
            reconnect=summary.reconnect,
            retry_after=summary.retry_after,
            try_again_at=summary.try_again_at,
            outcomes=_outcomes(summary.results),
            busy=summary.busy,
            waiting_on=tuple(summary.waiting_on),
            held_back=tuple(summary.held_back),
            elsewhere=tuple(summary.elsewhere),
        )

    def _run(self, title: str, work: Callable[[JobControl], RunReport]) -> Job:
        def guarded(control: JobControl) -> RunReport:
            try:
                report = work(control)
            except NotConnected as error:
                return RunReport(title, "nothing sent", str(error), not_connected=True)
            return replace(report, day_limit=report.trouble and self._day_spent())

        job = self._submit(title, guarded, on_done=self._run_done)
        job.signals.progress.connect(self._run_progress)
        # Runs queue on the single writer thread in order: the first one is the one under way.
        self._runs.append((job, title))
        if len(self._runs) == 1:
            self.run_started.emit(title)
        return job

    def _day_spent(self) -> bool:
        """Whether Xero last said the organisation has no calls left today."""
        budget = self._app.connected_budget()
        return budget is not None and budget.state().day_remaining == 0

    def _run_progress(self, value: tuple[RunProgress, list[int]]) -> None:
        progress, changed = value
        self.run_progress.emit(progress)
        if changed:
            self.orders_changed.emit(changed)

    def _run_done(self, report: RunReport) -> None:
        changed = [outcome.order_id for outcome in report.outcomes]
        if changed:
            self.orders_changed.emit(changed)
        self.run_finished.emit(report)

    # -- the log's other writes ----------------------------------------------------------------

    def dismiss(self, order_ids: Sequence[int], reason: str) -> Job:
        """Dismiss failed or pending orders (Xero untouched); a :class:`Dismissal` comes back."""
        ids = list(order_ids)

        def work(control: JobControl) -> Dismissal:
            return dismiss(ids, reason.strip(), book.utc_now())

        return self._submit(
            "Dismiss", work, on_done=lambda dismissal: self._changed(dismissal.changed)
        )

    def undo_dismiss(self, order_ids: Sequence[int]) -> Job:
        """Put dismissed orders back to the status they had."""
        ids = list(order_ids)

        def work(control: JobControl) -> list[int]:
            return book.undo_dismiss(ids, book.utc_now())

        return self._submit("Undo dismissal", work, on_done=self._changed)

    def _changed(self, order_ids: list[int]) -> None:
        if order_ids:
            self.orders_changed.emit(list(order_ids))

    def import_files(
        self, paths: Sequence[Path], *, skip_bad_lines: bool = False, replace: bool = False
    ) -> Job:
        """Import order files; new orders are synced afterwards when the setting says so.
        ``skip_bad_lines``: import a file's good orders, setting those with problems aside.
        ``replace``: give orders not in Xero yet the files' content (under the sync lock)."""
        files = [Path(path) for path in paths]

        def work(control: JobControl) -> ImportOutcome:
            from xerologdesk.store.importer import import_files

            currency = self._app.settings.get("default_currency")
            try:
                with SyncLock(self._app.data_dir) if replace else nullcontext():
                    report = import_files(
                        files,
                        default_currency=currency,
                        skip_bad_lines=skip_bad_lines,
                        replace=replace,
                    )
            except SyncBusy as busy:
                return _busy_outcome(files, busy)
            return _import_outcome(report)

        return self._submit("Import", work, on_done=self._imported)

    def _imported(self, outcome: ImportOutcome) -> None:
        if outcome.new_order_ids:
            self.orders_added.emit(list(outcome.new_order_ids))
        if outcome.replaced_order_ids:
            self.orders_changed.emit(list(outcome.replaced_order_ids))
        # The sync first: whatever the import's listeners show (its problems) must not hold
        # up the good orders.
        waiting = outcome.new_order_ids or outcome.replaced_order_ids
        if waiting and self._app.settings.get("auto_sync_new_orders"):
            self.sync_now()
        self.imported.emit(outcome)

    def save_settings(self, values: dict[str, Any]) -> Job:
        """Validate and store settings (SettingError fails the job, naming the setting)."""
        wanted = dict(values)

        def work(control: JobControl) -> dict[str, Any]:
            return {key: self._app.settings.set(key, value) for key, value in wanted.items()}

        return self._submit("Save settings", work, on_done=self.settings_saved.emit)

    def connect_sandbox(
        self, base_url: str, on_done: Callable[[str], None], on_error: Callable[[JobFailure], None]
    ) -> Job:
        """Connect to a running sandbox (stores the connection); its organisation's name."""
        return self._submit(
            "Connect",
            lambda control: self._app.connect_sandbox(base_url),
            on_done=on_done,
            on_error=on_error,
        )

    def close_database(self) -> Job:
        """Close the writer thread's database connection (when the app closes)."""
        return self._jobs.submit(
            "Close the database", lambda control: self._app.db.close(), writes=True
        )

    # -- bookkeeping ---------------------------------------------------------------------------

    def _submit(
        self,
        name: str,
        work: Callable[[JobControl], Any],
        *,
        on_done: Callable[[Any], None],
        on_error: Callable[[JobFailure], None] | None = None,
    ) -> Job:
        job = self._jobs.submit(name, work, writes=True, on_done=on_done, on_error=on_error)
        job.signals.finished.connect(lambda job=job: self._finished(job))
        was_busy = self.busy
        self._mine.append(job)
        if not was_busy:
            self.busy_changed.emit(True)
        return job

    def _finished(self, job: Job) -> None:
        if job in self._mine:
            self._mine.remove(job)
        if job is self._sync_job:
            self._sync_job = None
        if self._runs and self._runs[0][0] is job:
            self._runs.pop(0)
            if self._runs:
                self.run_started.emit(self._runs[0][1])
        else:
            self._runs = [(run, title) for run, title in self._runs if run is not job]
        if not self.busy:
            self.busy_changed.emit(False)
