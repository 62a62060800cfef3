"""An order's details: the order and its lines, where it stands, why it failed in plain words
(what was searched for in Xero and what came back), its history, what became of its invoice in
Xero (and that invoice's history there), stock on hand, "Open in Xero", and the Resolve actions
for this one order, with Send again and Accept for an invoice voided or deleted in Xero."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xerologdesk.settings import Settings
from xerologdesk.store import book, queries, xero_seen
from xerologdesk.store.book import ConnectionData, OrderData
from xerologdesk.store.links import ContactLink, links_for
from xerologdesk.store.queries import LogRow
from xerologdesk.store.vocabulary import DISMISSABLE, Action, Status
from xerologdesk.sync.engine import DISMISSED_UNANSWERED, Dismissal
from xerologdesk.sync.outcomes import linked_by_you
from xerologdesk.ui import assets, messages, order_story
from xerologdesk.ui.dialogs.resolve_dialog import confirm_auto_sync, confirm_bringing_back
from xerologdesk.ui.log_model import (
    STATUS_LABELS,
    XERO_STATUS_LABELS,
    format_local_time,
    format_money,
    xero_status_story,
    xero_status_text,
)
from xerologdesk.ui.order_jobs import OrderJobs, RunReport
from xerologdesk.ui.resolve_plan import RESOLVABLE
from xerologdesk.ui.tables import read_only_table
from xerologdesk.ui.workers import Job, JobFailure
from xerologdesk.ui.xero_links import invoice_url

PREFERRED_SIZE = QSize(840, 760)
MINIMUM_SIZE = QSize(720, 520)
SCREEN_MARGIN = 60  # room for the title bar and the window's frame

UrlOpener = Callable[[QUrl], object]


def _fill(table: QTableWidget, rows: list[list[str]], right: tuple[int, ...] = ()) -> None:
    table.setRowCount(len(rows))
    for number, values in enumerate(rows):
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            side = Qt.AlignmentFlag.AlignRight if column in right else Qt.AlignmentFlag.AlignLeft
            item.setTextAlignment(side | Qt.AlignmentFlag.AlignTop)
            table.setItem(number, column, item)
    table.resizeRowsToContents()


def _paragraph(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class DetailsDialog(QDialog):
    """The details of one order; keeps itself up to date while it is open."""

    def __init__(
        self,
        order_id: int,
        orders: OrderJobs,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        connection: Callable[[], ConnectionData | None] = book.get_connection,
        open_url: UrlOpener = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self.order_id = order_id
        self._orders = orders
        self._settings = settings
        self._connection = connection
        self._open_url = open_url
        self._job: Job | None = None
        self._doing = ""
        self.row: LogRow | None = None
        self.link: ContactLink | None = None  # the user's link of the order's customer
        self.setObjectName("details-dialog")
        self.setMinimumSize(MINIMUM_SIZE)
        self._build()
        screen = (
            parent.screen() if parent is not None else None
        ) or QGuiApplication.primaryScreen()
        self.fit_to(screen.availableGeometry() if screen is not None else None)
        orders.orders_changed.connect(self._orders_changed)
        self.refresh()

    # -- layout --------------------------------------------------------------------------------

    def fit_to(self, available: QRect | None) -> None:
        """Take the preferred size, or less on a small screen (1366x768): the contents scroll."""
        width, height = PREFERRED_SIZE.width(), PREFERRED_SIZE.height()
        if available is not None:
            width = max(min(width, available.width() - SCREEN_MARGIN), MINIMUM_SIZE.width())
            height = max(min(height, available.height() - SCREEN_MARGIN), MINIMUM_SIZE.height())
        self.resize(width, height)

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        # Everything but the buttons scrolls: made small, the dialog keeps its reasons readable.
        self.scroller = QScrollArea(self)
        self.scroller.setObjectName("details-scroll")
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget(self.scroller)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scroller.setWidget(content)
        outer.addWidget(self.scroller, 1)
        heading = QHBoxLayout()
        self.title = QLabel()
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_icon = QLabel()
        self.status_name = QLabel()
        heading.addWidget(self.title)
        heading.addSpacing(12)
        heading.addWidget(self.status_icon)
        heading.addWidget(self.status_name)
        heading.addStretch(1)
        layout.addLayout(heading)
        self.status_text = _paragraph()
        self.status_text.setObjectName("status-text")
        layout.addWidget(self.status_text)
        self.done_by = _paragraph()  # who did the last action: on a team's log, not always you
        self.done_by.setObjectName("done-by")
        layout.addWidget(self.done_by)
        self.outcome = _paragraph()
        self.outcome.setObjectName("outcome")
        self.outcome.hide()
        layout.addWidget(self.outcome)

        facts = QFormLayout()
        self.customer = _paragraph()
        self.posted = _paragraph()
        self.total = _paragraph()
        self.invoice = _paragraph()
        facts.addRow("Customer:", self.customer)
        facts.addRow("Posted:", self.posted)
        facts.addRow("Total before tax:", self.total)
        facts.addRow("Xero invoice:", self.invoice)
        self.xero_state = _paragraph()
        self.xero_state.setObjectName("xero-state")
        facts.addRow("In Xero:", self.xero_state)
        self.stock = _paragraph()
        self.stock.setObjectName("stock")
        self.stock_label = QLabel("Stock on hand:")
        facts.addRow(self.stock_label, self.stock)
        layout.addLayout(facts)

        self.why_box = QGroupBox("Why it failed")
        why = QVBoxLayout(self.why_box)
        self.reasons = _paragraph()
        self.reasons.setObjectName("reasons")
        self.lookups = _paragraph()
        self.lookups.setObjectName("lookups")
        why.addWidget(self.reasons)
        self.lookups_title = QLabel("<b>What was looked up in Xero</b>")
        why.addWidget(self.lookups_title)
        why.addWidget(self.lookups)
        layout.addWidget(self.why_box)

        lines_box = QGroupBox("Lines")
        self.lines = read_only_table(["#", "SKU", "Product", "Quantity", "Unit price", "Amount"], 2)
        self.lines.setObjectName("lines")
        QVBoxLayout(lines_box).addWidget(self.lines)
        layout.addWidget(lines_box, 1)

        history_box = QGroupBox("History")
        self.history = read_only_table(["When", "Action", "Outcome", "Messages", "By"], 3)
        self.history.setObjectName("history")
        QVBoxLayout(history_box).addWidget(self.history)
        layout.addWidget(history_box, 2)

        self.xero_history_box = QGroupBox("The invoice as seen from Xero")
        self.xero_history = read_only_table(["Seen", "Invoice", "Status", "Amount due"], 3)
        self.xero_history.setObjectName("xero-history")
        QVBoxLayout(self.xero_history_box).addWidget(self.xero_history)
        layout.addWidget(self.xero_history_box, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        role = QDialogButtonBox.ButtonRole.ActionRole
        self.auto_sync_button = self._button("Auto Sync", role, self._auto_sync)
        self.auto_sync_button.setToolTip("Create what is missing in Xero, then the invoice")
        self.retry_button = self._button("Retry", role, self._retry)
        self.retry_button.setToolTip("Sync again without creating anything in Xero")
        self.dismiss_button = self._button("Dismiss\u2026", role, self._dismiss)
        self.dismiss_button.setToolTip("Leave Xero untouched and take it off the problems")
        self.undo_button = self._button("Undo dismissal", role, self._undo)
        self.open_button = self._button("Open in Xero", role, self._open_in_xero)
        self.send_again_button = self._button("Send again\u2026", role, self._send_again)
        self.send_again_button.setToolTip(
            "Send a new invoice for this order: the one in Xero was voided or deleted"
        )
        self.unlink_button = self._button("Unlink customer", role, self._unlink)
        self.unlink_button.setToolTip(
            "Remove your link of this customer to a Xero contact: later syncs look it up again"
        )
        self.accept_button = self._button("Accept", role, self._accept)
        self.accept_button.setToolTip("Keep the order as it is; it no longer stands out")
        outer.addWidget(self.buttons)

    def _button(
        self, text: str, role: QDialogButtonBox.ButtonRole, slot: Callable[[], None]
    ) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        self.buttons.addButton(button, role)
        return button

    # -- contents ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the order again and show it."""
        self.row = queries.log_row(self.order_id)
        orders = book.load_orders([self.order_id])
        if self.row is None or not orders:
            self.title.setText("This order no longer exists")
            return
        self._show(self.row, orders[0])

    def _show(self, row: LogRow, order: OrderData) -> None:
        self.setWindowTitle(f"Order {row.order_ref}")
        self.title.setText(row.order_ref)
        self.status_icon.setPixmap(assets.status_icon(row.status).pixmap(18, 18))
        self.status_name.setText(STATUS_LABELS.get(row.status, row.status))
        self.status_text.setText(order_story.status_line(row))
        customer = order.customer
        email = f" \u00b7 {customer.email}" if customer.email else ""
        self.customer.setText(f"{customer.name} (reference {customer.reference}){email}")
        self.link = links_for([customer.reference]).get(customer.reference.casefold())
        self.posted.setText(row.posted_date.isoformat())
        self.total.setText(format_money(row.total, row.currency))
        self.invoice.setText(row.xero_invoice_number or "none yet")
        self.xero_state.setText(xero_status_story(row) or "Not refreshed from Xero yet.")
        stock = xero_seen.stock_of_products(line.product_id for line in order.lines)
        self.stock.setText(
            "\n".join(
                f"{line.sku}: {stock[line.product_id][0].normalize():f} "
                f"(read {format_local_time(stock[line.product_id][1])})"
                for line in order.lines
                if line.product_id in stock
            )
        )
        self.stock.setVisible(bool(stock))
        self.stock_label.setVisible(bool(stock))

        reasons = order_story.failure_paragraphs(row)
        lookups = order_story.lookup_lines(queries.lookup_trace(self.order_id))
        failed = bool(reasons) and row.status != Status.SUCCEEDED
        # A failure says why; a success shows how its customer and products were matched.
        self.why_box.setTitle("Why it failed" if failed else "How it was matched in Xero")
        self.why_box.setVisible(failed or bool(lookups))
        self.reasons.setVisible(failed)
        self.lookups_title.setVisible(failed)
        self.reasons.setText("\n\n".join(reasons))
        self.lookups.setText("\n".join(lookups) or "Nothing was looked up yet.")

        _fill(
            self.lines,
            [
                [
                    str(line.line_no),
                    line.sku,
                    line.name,
                    f"{line.quantity.normalize():f}",
                    f"{line.unit_price:,.2f}",
                    f"{book.line_amount(line.quantity, line.unit_price):,.2f}",
                ]
                for line in order.lines
            ],
            right=(3, 4, 5),
        )
        attempts = queries.attempts_for(self.order_id)
        done_by = order_story.last_done_line(attempts)
        self.done_by.setText(done_by)
        self.done_by.setVisible(bool(done_by))
        _fill(
            self.history,
            [
                [
                    format_local_time(attempt.at),
                    order_story.ACTION_NAMES.get(attempt.action, attempt.action),
                    STATUS_LABELS.get(attempt.outcome, attempt.outcome),
                    "\n".join(attempt.messages),
                    attempt.done_by,
                ]
                for attempt in reversed(attempts)
            ],
        )
        seen = xero_seen.invoice_history(self.order_id)
        _fill(
            self.xero_history,
            [
                [
                    format_local_time(change.seen_at),
                    change.invoice_number or "",
                    XERO_STATUS_LABELS.get(change.status, change.status),
                    "" if change.amount_due is None else f"{change.amount_due:,.2f}",
                ]
                for change in reversed(seen)
            ],
            right=(3,),
        )
        self.xero_history_box.setVisible(bool(seen))
        self._update_buttons()

    def _update_buttons(self) -> None:
        status = self.row.status if self.row else ""
        idle = self._job is None
        self.auto_sync_button.setVisible(status in RESOLVABLE)
        self.retry_button.setVisible(status in RESOLVABLE)
        self.dismiss_button.setVisible(status in DISMISSABLE)
        self.undo_button.setVisible(status == Status.DISMISSED)
        self.open_button.setVisible(status == Status.SUCCEEDED and bool(self._url()))
        for button in (self.auto_sync_button, self.retry_button, self.dismiss_button):
            button.setEnabled(idle)
        self.undo_button.setEnabled(idle)
        self.unlink_button.setVisible(self.link is not None)
        self.unlink_button.setEnabled(idle)
        flagged = bool(self.row and self.row.xero_flagged)
        for button in (self.send_again_button, self.accept_button):
            button.setVisible(flagged)
            button.setEnabled(idle)

    def _orders_changed(self, order_ids: list[int]) -> None:
        if self.order_id in order_ids and self.isVisible():
            self.refresh()

    # -- actions -------------------------------------------------------------------------------

    def _url(self) -> str | None:
        return invoice_url(self._connection(), self.row.xero_invoice_id if self.row else None)

    def _open_in_xero(self) -> None:
        url = self._url()
        if url:
            messages.open_link(self, self._open_url, url)

    def _auto_sync(self) -> None:
        # Before anything is created in Xero, the user sees what will be.
        if not confirm_auto_sync(self, [self.order_id], self._settings):
            return
        self._track("Auto Sync", self._orders.resolve([self.order_id], Action.AUTO_SYNC))

    def _retry(self) -> None:
        dismissed = [self.row.order_ref] if self.row and self.row.status == Status.DISMISSED else []
        if confirm_bringing_back(self, dismissed, "Retry"):
            self._track("Retry", self._orders.resolve([self.order_id], Action.RETRY))

    def _dismiss(self) -> None:
        reason = messages.ask_text(self, "Dismiss", "Why is it dismissed? (optional)")
        if reason is not None:
            self._track("Dismiss", self._orders.dismiss([self.order_id], reason))

    def _undo(self) -> None:
        self._track("Undo dismissal", self._orders.undo_dismiss([self.order_id]))

    def _send_again(self) -> None:
        row = self.row
        if row is None or not row.xero_flagged:
            return
        number = row.xero_invoice_number or "(no number)"
        status = xero_status_text(row).lower()
        text = (
            f"Send a new invoice to Xero for order {row.order_ref}?\n\nIt replaces invoice "
            f"{number}, {status} in Xero, which stays there as it is."
        )
        if messages.confirm(self, "Send again", text, "Send again"):
            self._track("Send again", self._orders.send_again([self.order_id]))

    def _unlink(self) -> None:
        link = self.link
        if link is None:
            return
        text = (
            f"Unlink customer {link.reference} from the Xero contact “{link.contact_name}” "
            f"({linked_by_you(link)})? Later syncs look it up again by account number, then "
            "name. Nothing is re-synced now."
        )
        if messages.confirm(self, "Unlink customer", text, "Unlink"):
            self._track("Unlink", self._orders.unlink_customer(link.reference))

    def _accept(self) -> None:
        self._track("Accept", self._orders.accept([self.order_id]))

    def _track(self, what: str, job: Job) -> None:
        """Disable the actions while ``job`` runs, then show its outcome for this order."""
        self._job, self._doing = job, what
        self.outcome.setText(f"{what}: working\u2026")
        self.outcome.show()
        self._update_buttons()
        # Bound methods, not lambdas: Qt drops the connections if the dialog closes first.
        job.signals.succeeded.connect(self._done)
        job.signals.failed.connect(self._failed)
        job.signals.finished.connect(self._job_finished)

    def _done(self, result: object) -> None:
        what = self._doing
        if isinstance(result, RunReport):
            mine = [o for o in result.outcomes if o.order_id == self.order_id]
            if mine:
                self.outcome.setText(f"{what}: {mine[0].message}")
            elif result.stopped:
                self.outcome.setText(f"{what} stopped: {result.stopped}")
            else:
                self.outcome.setText(f"{what}: nothing to do for this order.")
        elif isinstance(result, ContactLink):
            self.outcome.setText(
                f"Unlinked from “{result.contact_name}”: the next sync looks the customer "
                "up by account number, then name."
            )
        elif isinstance(result, Dismissal) and self.order_id in result.unanswered:
            self.outcome.setText(DISMISSED_UNANSWERED)
        else:
            ids = result.changed if isinstance(result, Dismissal) else result
            changed = isinstance(ids, list) and self.order_id in ids
            self.outcome.setText(f"{what}: done." if changed else f"{what}: nothing changed.")
        self.refresh()

    def _failed(self, failure: JobFailure) -> None:
        self.outcome.setText(f"{self._doing} failed: {failure.message}")

    def _job_finished(self) -> None:
        self._job = None
        self._update_buttons()
