"""The Resolve dialog: Auto Sync, Retry or Dismiss for the selected orders.

Each action has a line saying what it does; what Auto Sync will create in Xero is listed before
it acts; after an action, every order's outcome is listed, and the dialog stays open so the user
can read it (or resolve what is left another way).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xerologdesk.settings import Settings
from xerologdesk.store import queries
from xerologdesk.store.queries import LogRow
from xerologdesk.store.vocabulary import DISMISSABLE, STATUSES, Action, AttemptAction, Status
from xerologdesk.sync.engine import DISMISSED_UNANSWERED, Dismissal
from xerologdesk.sync.runner import SYNCED_ELSEWHERE
from xerologdesk.ui import assets, messages
from xerologdesk.ui.log_model import STATUS_LABELS, reason_text
from xerologdesk.ui.order_jobs import OrderJobs, OrderOutcome, RunProgress, RunReport
from xerologdesk.ui.order_story import ACTION_NAMES
from xerologdesk.ui.resolve_plan import RESOLVABLE, AutoSyncPlan, load_plan
from xerologdesk.ui.tables import read_only_table
from xerologdesk.ui.wording import counted
from xerologdesk.ui.workers import Job, JobFailure

ACTIONS_TEXT = {
    AttemptAction.AUTO_SYNC: "Create whatever is missing in Xero (the customer, the products), "
    "then the invoice.",
    AttemptAction.RETRY: "Sync again without creating anything: for when you fixed the data in "
    "Xero.",
    AttemptAction.DISMISS: "Leave Xero untouched and take the error off the list of problems "
    "(the history stays; Undo from the details).",
}


def _item(text: str, status: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    if status:
        item.setIcon(assets.status_icon(status))
    return item


def confirm_bringing_back(parent: QWidget | None, dismissed: Sequence[str], action: str) -> bool:
    """Ask before Auto Sync or Retry acts on dismissed orders (it takes them back onto the list
    of problems and sends them); True when none are dismissed or the user agrees."""
    if not dismissed:
        return True
    text = counted(
        "{action} will take %n dismissed order(s) back onto the list of problems and send each "
        "to Xero: {refs}.",
        len(dismissed),
    ).format(refs=", ".join(dismissed), action=action)
    return messages.confirm(parent, f"{action} dismissed orders?", text, action)


def confirm_auto_sync(parent: QWidget | None, order_ids: Sequence[int], settings: Settings) -> bool:
    """Show what Auto Sync will create in Xero for these orders; True when the user goes ahead."""
    plan = load_plan(order_ids, settings)
    return messages.confirm(parent, "Auto Sync", plan.describe(), "Auto Sync")


class ResolveDialog(QDialog):
    """Resolve a selection of orders; reports each order's outcome."""

    settings_requested = Signal()

    def __init__(
        self,
        order_ids: Sequence[int],
        orders: OrderJobs,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.order_ids = list(order_ids)
        self._orders = orders
        self._settings = settings
        self._job: Job | None = None
        self.rows: list[LogRow] = []
        self.outcomes: list[OrderOutcome] = []
        self.setObjectName("resolve-dialog")
        self.setMinimumSize(760, 600)
        self._build()
        self._plan: AutoSyncPlan  # what the last refresh read: the plan and who is dismissed
        self.refresh()

    # -- layout --------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.orders_table = read_only_table(["Order", "Customer", "Status", "Reason"])
        self.orders_table.setObjectName("orders")
        layout.addWidget(self.orders_table, 2)

        actions = QGroupBox("What to do")
        grid = QGridLayout(actions)
        self.auto_sync_button = self._action(grid, 0, AttemptAction.AUTO_SYNC, self._auto_sync)
        self.retry_button = self._action(grid, 1, AttemptAction.RETRY, self._retry)
        self.dismiss_button = self._action(grid, 2, AttemptAction.DISMISS, self._dismiss)
        self.dismiss_reason = QLineEdit()
        self.dismiss_reason.setPlaceholderText("Why (optional), e.g. \u201cinvoiced by hand\u201d")
        self.dismiss_reason.setObjectName("dismiss-reason")
        grid.addWidget(self.dismiss_reason, 3, 1)
        grid.setColumnStretch(1, 1)
        layout.addWidget(actions)

        plan_box = QGroupBox("What Auto Sync will create in Xero")
        plan_layout = QVBoxLayout(plan_box)
        self.plan = QLabel()
        self.plan.setObjectName("plan")
        self.plan.setWordWrap(True)
        self.plan.setTextFormat(Qt.TextFormat.PlainText)
        self.plan.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        plan_layout.addWidget(self.plan)
        self.plan_warning = QLabel()
        self.plan_warning.setObjectName("plan-warning")
        self.plan_warning.setWordWrap(True)
        self.plan_warning.setStyleSheet("color: #8a5300; font-weight: bold")
        plan_layout.addWidget(self.plan_warning)
        self.settings_button = QPushButton("Open Settings\u2026")
        self.settings_button.setAutoDefault(False)
        self.settings_button.clicked.connect(self.settings_requested.emit)
        plan_layout.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(plan_box)

        self.progress = QProgressBar()
        self.progress.hide()
        layout.addWidget(self.progress)
        self.results_label = QLabel()
        self.results_label.setWordWrap(True)
        self.results_label.setObjectName("results-label")
        self.results_label.hide()
        layout.addWidget(self.results_label)
        self.results = read_only_table(["Order", "Outcome", "What happened"])
        self.results.setObjectName("results")
        self.results.setWordWrap(True)
        self.results.hide()
        layout.addWidget(self.results, 2)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _action(
        self, grid: QGridLayout, row: int, action: AttemptAction, slot: Callable[[], None]
    ) -> QPushButton:
        """A button for ``action`` at ``row``, beside the line saying what it does."""
        button = QPushButton(ACTION_NAMES[action])
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        grid.addWidget(button, row, 0)
        label = QLabel(ACTIONS_TEXT[action])
        label.setWordWrap(True)
        grid.addWidget(label, row, 1)
        return button

    # -- contents ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the orders again; list them and what Auto Sync would create."""
        found = queries.log_rows(self.order_ids)
        self.rows = [found[order_id] for order_id in self.order_ids if order_id in found]
        count = len(self.rows)
        self.setWindowTitle(counted("Resolve %n order(s)", count))
        by_status = Counter(row.status for row in self.rows)
        statuses = ", ".join(
            f"{by_status[status]} {STATUS_LABELS.get(status, status).lower()}"
            for status in STATUSES
            if by_status[status]
        )
        self.heading.setText(
            f"<b>{counted('%n order(s) selected', count)}</b>: {statuses or 'none'}. "
            "Choose how to resolve them."
        )
        self.orders_table.setRowCount(count)
        for number, row in enumerate(self.rows):
            self.orders_table.setItem(number, 0, _item(row.order_ref))
            self.orders_table.setItem(number, 1, _item(row.customer_name))
            label = STATUS_LABELS.get(row.status, row.status)
            self.orders_table.setItem(number, 2, _item(label, row.status))
            self.orders_table.setItem(number, 3, _item(reason_text(row)))
        plan = self._plan = load_plan(self.order_ids, self._settings)
        self.plan.setText(plan.describe(with_settings=False))
        self.plan_warning.setText(plan.settings_warning())
        self.plan_warning.setVisible(bool(plan.missing_settings))
        self.settings_button.setVisible(bool(plan.missing_settings))
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = self._job is None
        resolvable = any(row.status in RESOLVABLE for row in self.rows)
        self.auto_sync_button.setEnabled(idle and resolvable)
        self.retry_button.setEnabled(idle and resolvable)
        self.dismiss_button.setEnabled(idle and any(row.status in DISMISSABLE for row in self.rows))
        self.dismiss_reason.setEnabled(idle)

    # -- actions -------------------------------------------------------------------------------

    def _auto_sync(self) -> None:
        if confirm_bringing_back(self, self._plan.dismissed, "Auto Sync"):
            self._start(self._orders.resolve(self.order_ids, Action.AUTO_SYNC))

    def _retry(self) -> None:
        if confirm_bringing_back(self, self._plan.dismissed, "Retry"):
            self._start(self._orders.resolve(self.order_ids, Action.RETRY))

    def _dismiss(self) -> None:
        job = self._orders.dismiss(self.order_ids, self.dismiss_reason.text())
        self._start(job, busy=False)

    def _start(self, job: Job, *, busy: bool = True) -> None:
        self._job = job
        self._update_buttons()
        self.progress.setRange(0, 0)  # busy until the first report
        self.progress.setVisible(busy)
        job.signals.progress.connect(self._progressed)
        job.signals.succeeded.connect(self._done)
        job.signals.failed.connect(self._failed)
        job.signals.finished.connect(self._finished)

    def _progressed(self, value: tuple[RunProgress, list[int]]) -> None:
        progress = value[0]
        self.progress.setRange(0, max(progress.total, 1))
        self.progress.setValue(progress.done)

    def _done(self, result: object) -> None:
        before = {row.id: row for row in self.rows}
        if isinstance(result, RunReport):
            self.outcomes = self._run_outcomes(result, before)
            stopped = f" Stopped: {result.stopped}" if result.stopped else ""
            self._show_results(result.result + stopped)
        else:
            dismissal = result if isinstance(result, Dismissal) else Dismissal([], [])
            changed, unanswered = set(dismissal.changed), set(dismissal.unanswered)
            self.outcomes = [
                OrderOutcome(
                    row.id,
                    row.order_ref,
                    Status.DISMISSED if row.id in changed else row.status,
                    DISMISSED_UNANSWERED
                    if row.id in unanswered
                    else "Dismissed: Xero left untouched."
                    if row.id in changed
                    else "Left as it was: only failed or pending orders can be dismissed (this "
                    f"one is {row.status}).",
                )
                for row in self.rows
            ]
            self._show_results(f"Dismissed {len(changed)} of {len(self.rows)} orders.")
        self.refresh()

    def _run_outcomes(self, report: RunReport, before: dict[int, LogRow]) -> list[OrderOutcome]:
        by_id = {outcome.order_id: outcome for outcome in report.outcomes}
        outcomes = []
        for order_id in self.order_ids:
            row = before.get(order_id)
            if order_id in by_id:
                outcomes.append(by_id[order_id])
            elif row is not None and row.order_ref in report.elsewhere:
                left = f"Not sent: {SYNCED_ELSEWHERE}; left as it is."
                outcomes.append(OrderOutcome(order_id, row.order_ref, row.status, left))
            elif row is not None and row.status not in RESOLVABLE:
                left = "Already in Xero; left alone."
                outcomes.append(OrderOutcome(order_id, row.order_ref, row.status, left))
            elif row is not None:
                why = report.stopped or "not reached"
                outcomes.append(
                    OrderOutcome(order_id, row.order_ref, row.status, f"Not sent: {why}")
                )
        return outcomes

    def _show_results(self, summary: str) -> None:
        self.results_label.setText(summary)
        self.results_label.show()
        self.results.setRowCount(len(self.outcomes))
        for number, outcome in enumerate(self.outcomes):
            self.results.setItem(number, 0, _item(outcome.order_ref))
            label = STATUS_LABELS.get(outcome.status, outcome.status)
            self.results.setItem(number, 1, _item(label, outcome.status))
            self.results.setItem(number, 2, _item(outcome.message))
        self.results.resizeRowsToContents()
        self.results.show()

    def _failed(self, failure: JobFailure) -> None:
        self.results_label.setText(f"It did not work: {failure.message}")
        self.results_label.show()

    def _finished(self) -> None:
        self._job = None
        self.progress.hide()
        self._update_buttons()
