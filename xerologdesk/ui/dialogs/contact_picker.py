"""The contact picker: link a customer to one of the organisation's Xero contacts.

The contacts are read once per dialog (one paged fetch, on a reader thread) and ranked on the
GUI thread by :mod:`xerologdesk.sync.suggestions` as the user types: first against the
customer's name, reference and email, then against the search text. Archived contacts are
listed in a quiet tone and cannot be picked (an invoice cannot go to one). OK links through
:func:`xerologdesk.sync.links.link_customer` on the writer thread; the dialog closes once the
link is saved, or says why Xero refused it and stays open.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xerologdesk.store.problems import GroupCustomer
from xerologdesk.sync import links
from xerologdesk.sync.suggestions import ContactRanker, Suggestion
from xerologdesk.ui.contrast import quiet_text
from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.tables import read_only_table
from xerologdesk.ui.wording import counted
from xerologdesk.ui.workers import Job, JobFailure

WRITES_ACCOUNT_NUMBER = "link_writes_account_number"
SEARCH_DELAY_MS = 150  # typing settles before the contacts are ranked again
SHOWN = 50
HEADERS = ["Xero contact", "Account number", "Email", "Match"]


class ContactPicker(QDialog):
    """Pick the Xero contact a customer is; emits ``linked`` with the link made."""

    linked = Signal(object)  # sync.links.Linked

    def __init__(
        self, desktop: Desktop, customer: GroupCustomer, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.desktop = desktop
        self.customer = customer
        self.ranker: ContactRanker | None = None
        self.suggestions: list[Suggestion] = []
        self.read_job: Job | None = None
        self.link_job: Job | None = None
        self.setObjectName("contact-picker")
        self.setWindowTitle(f"Link customer {customer.reference} to a Xero contact")
        self.resize(760, 520)

        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Which Xero contact is the customer \u201c{customer.name}\u201d "
            f"({customer.reference})? Its orders go to the contact you pick from now on, before "
            "any look-up by account number or name."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.search = QLineEdit(self)
        self.search.setObjectName("contact-search")
        self.search.setPlaceholderText("Search all contacts by name, account number or email")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.table: QTableWidget = read_only_table(HEADERS, stretch=0)
        self.table.setObjectName("contacts")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.table.doubleClicked.connect(lambda _index: self._ok())
        layout.addWidget(self.table, 1)
        self.status = QLabel(self)
        self.status.setObjectName("picker-status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.write_account_number = QCheckBox(
            "Write the reference into the contact\u2019s account number when it is empty", self
        )
        self.write_account_number.setChecked(bool(desktop.app.settings.get(WRITES_ACCOUNT_NUMBER)))
        layout.addWidget(self.write_account_number)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Link")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.show_ranked)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._read_contacts()

    # -- the contacts --------------------------------------------------------------------------

    def _read_contacts(self) -> None:
        self.status.setText("Reading the organisation\u2019s contacts from Xero\u2026")
        self.read_job = self.desktop.jobs.submit(
            "Read the Xero contacts",
            lambda control: ContactRanker.read(self.desktop.app.gateway()),
            writes=False,
            on_done=self._contacts_read,
            on_error=self._read_failed,
        )

    def _contacts_read(self, ranker: ContactRanker) -> None:
        self.ranker = ranker
        self.show_ranked()

    def _read_failed(self, failure: JobFailure) -> None:
        self.status.setText(f"The contacts could not be read: {failure.message}")

    def show_ranked(self) -> None:
        """List the contacts most like the search text, or like the customer without one."""
        if self.ranker is None:
            return
        text = self.search.text().strip()
        if text:
            self.suggestions = self.ranker.rank(text, text, text, SHOWN)
        else:
            customer = self.customer
            self.suggestions = self.ranker.rank(
                customer.name, customer.reference, customer.email, SHOWN
            )
        self.table.setRowCount(len(self.suggestions))
        quiet = quiet_text(self.table.palette(), QPalette.ColorRole.Base, QPalette.ColorRole.Text)
        for row, suggestion in enumerate(self.suggestions):
            contact = suggestion.contact
            name = contact.name + ("" if suggestion.selectable else " (archived)")
            cells = [
                name,
                contact.account_number,
                contact.email,
                f"{suggestion.score:.0f} by {suggestion.matched}",
            ]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if not suggestion.selectable:
                    # Quiet and not selectable: Xero keeps it, but nothing can go to it. Not
                    # disabled, whose grey fails the contrast a user needs to read it.
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    item.setForeground(quiet)
                    item.setToolTip("Archived in Xero: a customer cannot be linked to it.")
                self.table.setItem(row, column, item)
        self.status.setText(
            counted(
                "%n Xero contact(s) read; archived ones cannot be picked.",
                len(self.ranker.contacts),
            )
        )
        first = next((row for row, each in enumerate(self.suggestions) if each.selectable), None)
        if first is not None and not text:
            self.table.selectRow(first)

    def chosen(self) -> Suggestion | None:
        """The contact selected (never an archived one)."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        picked = [self.suggestions[row] for row in sorted(rows) if row < len(self.suggestions)]
        return picked[0] if picked and picked[0].selectable else None

    def _selection_changed(self) -> None:
        self.ok_button.setEnabled(self.chosen() is not None and self.link_job is None)

    # -- linking -------------------------------------------------------------------------------

    def _ok(self) -> None:
        chosen = self.chosen()
        if chosen is None or self.link_job is not None:
            return
        settings, reference = self.desktop.app.settings, self.customer.reference
        writes = self.write_account_number.isChecked()
        contact_id = chosen.contact.contact_id

        def work(control: object) -> links.Linked:
            if bool(settings.get(WRITES_ACCOUNT_NUMBER)) != writes:
                settings.set(WRITES_ACCOUNT_NUMBER, writes)  # the choice holds for next time
            return links.link_customer(self.desktop.app.gateway(), settings, reference, contact_id)

        self.status.setText(f"Linking to \u201c{chosen.contact.name}\u201d\u2026")
        self.ok_button.setEnabled(False)
        self.link_job = self.desktop.jobs.submit(
            "Link the customer", work, writes=True, on_done=self._linked, on_error=self._refused
        )

    def _linked(self, linked: links.Linked) -> None:
        self.link_job = None
        self.linked.emit(linked)
        self.accept()

    def _refused(self, failure: JobFailure) -> None:
        self.link_job = None
        self.status.setText(f"Not linked: {failure.message}")
        self._selection_changed()
