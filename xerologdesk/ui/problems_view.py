"""The problems view: the failed orders grouped by root cause, each cause fixed once.

:class:`ProblemsModel` holds the groups of :func:`xerologdesk.store.problems.problem_groups`,
read on a reader thread (never the GUI thread), and the totals the status bar shows.
:class:`ProblemsView` is a window beside the log: the groups, the most orders first, and for the
one selected what is wrong in words and its fixes as buttons. A fix that changes nothing in
Xero by itself (a link, a mapping) is made in its own dialog, then the group's orders re-sync in
one background run (:meth:`OrderJobs.fix`), as Create and Retry all do; the view reads the
groups again after every run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xerologdesk.store.problems import (
    BY_CUSTOMER_REFERENCE,
    Fix,
    GroupCustomer,
    ProblemGroup,
    ProblemTotals,
    group_customers,
    problem_groups,
    problem_totals,
)
from xerologdesk.store.vocabulary import OutboxKind, ReasonCode
from xerologdesk.sync.fixes import FixPlan, NotFixable, plan_fix
from xerologdesk.sync.links import Linked, Mapped
from xerologdesk.ui import messages
from xerologdesk.ui.desktop import Desktop
from xerologdesk.ui.dialogs.contact_picker import ContactPicker
from xerologdesk.ui.dialogs.map_sku_dialog import MapSkuDialog
from xerologdesk.ui.order_jobs import RunReport
from xerologdesk.ui.wording import counted
from xerologdesk.ui.workers import Job

# What each cause is, in words (a code without one shows as it is).
CAUSES: dict[str, str] = {
    ReasonCode.CUSTOMER_NOT_FOUND: "Customer not in Xero",
    ReasonCode.CUSTOMER_AMBIGUOUS: "Several Xero contacts have the customer's name",
    ReasonCode.CUSTOMER_ARCHIVED: "Customer's contact archived in Xero",
    ReasonCode.LINKED_CONTACT_MISSING: "Linked contact gone from Xero",
    ReasonCode.PRODUCT_NOT_FOUND: "SKU not in Xero",
    ReasonCode.XERO_REJECTED: "Rejected by Xero",
    ReasonCode.SETTINGS_INCOMPLETE: "Settings incomplete",
    ReasonCode.NOT_CONNECTED: "Not connected to Xero",
    ReasonCode.UNSAFE_NAME: "Risky name, not created",
}
# What each cause means and what its fixes do, for the selected group.
EXPLAINED: dict[str, str] = {
    ReasonCode.CUSTOMER_NOT_FOUND: (
        "No Xero contact has this customer's reference as its account number, or its name. "
        "Create the contact in Xero, or link the customer to the contact it is there."
    ),
    ReasonCode.CUSTOMER_AMBIGUOUS: (
        "More than one active Xero contact has this name. Pick which one is the customer: "
        "that links it, and its orders go there from now on."
    ),
    ReasonCode.CUSTOMER_ARCHIVED: (
        "The customer's contact is archived in Xero, and an invoice cannot go to it. Link the "
        "customer to another contact, or create a new one: Xero keeps the archived contact (and "
        "its account number) as it is."
    ),
    ReasonCode.LINKED_CONTACT_MISSING: (
        "The contact you linked this customer to is no longer in Xero. Link it again, or "
        "create a new contact (the old link is dropped)."
    ),
    ReasonCode.PRODUCT_NOT_FOUND: (
        "No Xero item has this SKU as its code. Create the item in Xero, or map the SKU to the "
        "code it has there."
    ),
    ReasonCode.XERO_REJECTED: (
        "Xero refused the orders, in the words below. Fix it in Xero, then retry them all."
    ),
    ReasonCode.SETTINGS_INCOMPLETE: (
        "Creating what is missing needs this setting. Set it, then retry the orders."
    ),
    ReasonCode.UNSAFE_NAME: (
        "Auto Sync does not create this customer's contact or this SKU's item: its name starts "
        "like a spreadsheet formula or holds invisible characters. Correct the name where it "
        "comes from, or create it as it is (you are warned first)."
    ),
}
FIX_WORDS: dict[Fix, str] = {
    Fix.CREATE: "Create in Xero",
    Fix.LINK: "Link to a contact\u2026",
    Fix.MAP: "Map to an item code\u2026",
    Fix.RETRY: "Retry all",
    Fix.SETTINGS: "Open Settings\u2026",
}
FixDialog = TypeVar("FixDialog", ContactPicker, MapSkuDialog)
COLUMNS = ("Cause", "Subject", "Orders", "Oldest", "Newest")
LOADING = "Reading the problems\u2026"


def cause_of(code: str) -> str:
    return CAUSES.get(code, code.replace("_", " ").capitalize())


def subject_of(group: ProblemGroup) -> str:
    """The group's subject as shown: a customer reference with its customer's name."""
    if group.customer_name:
        return f"{group.subject} ({group.customer_name})"
    return group.subject or "\u2014"


def totals_text(totals: ProblemTotals) -> str:
    """ "12 problems blocking 140 orders" ("" when nothing is blocked)."""
    if not totals.problems:
        return ""
    return (
        counted("%n problem(s)", totals.problems)
        + " blocking "
        + counted("%n order(s)", totals.orders)
    )


class ProblemsModel(QAbstractTableModel):
    """The problems groups, read in the background; ``loaded`` once they are in."""

    loaded = Signal()
    totals_changed = Signal(object)  # ProblemTotals

    def __init__(self, desktop: Desktop, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = desktop.jobs
        self.groups: list[ProblemGroup] = []
        self.totals = ProblemTotals(0, 0)
        self._generation = 0
        self.loading = False

    def reload(self) -> Job:
        """Read the groups and totals again (on a reader thread); a later reload wins."""
        self._generation += 1
        generation = self._generation
        self.loading = True
        return self._jobs.submit(
            "Read the problems",
            lambda control: (generation, problem_groups(), problem_totals()),
            writes=False,
            on_done=self._apply,
        )

    def _apply(self, read: tuple[int, list[ProblemGroup], ProblemTotals]) -> None:
        generation, groups, totals = read
        if generation != self._generation:
            return  # a newer read is on its way
        self.loading = False
        self.beginResetModel()
        self.groups = groups
        self.endResetModel()
        self.totals = totals
        self.totals_changed.emit(totals)
        self.loaded.emit()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.groups)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self.groups):
            return None
        group = self.groups[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                cause_of(group.code),
                subject_of(group),
                f"{group.orders:,}",
                f"{group.oldest.posted_date} {group.oldest.ref}",
                f"{group.newest.posted_date} {group.newest.ref}",
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return group.key
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ProblemsView(QDialog):
    """The problems worklist window (not modal: the log stays usable beside it)."""

    def __init__(
        self,
        desktop: Desktop,
        open_settings_at: Callable[[str], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desktop = desktop
        self.open_settings_at = open_settings_at
        self.picker: ContactPicker | None = None
        self.map_dialog: MapSkuDialog | None = None
        self.setObjectName("problems-view")
        self.setWindowTitle("Problems")
        self.resize(960, 560)
        self.model = ProblemsModel(desktop, self)

        layout = QVBoxLayout(self)
        self.summary = QLabel(LOADING, self)
        self.summary.setObjectName("problems-summary")
        layout.addWidget(self.summary)
        self.table = QTableView(self)
        self.table.setObjectName("problems")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.explanation = QLabel(self)
        self.explanation.setObjectName("problem-explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.explanation)
        self.fix_row = QHBoxLayout()
        self.fix_row.addStretch(1)
        layout.addLayout(self.fix_row)
        self.fix_buttons: dict[Fix, QPushButton] = {}

        self.model.loaded.connect(self._loaded)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        # Runs of any kind change what fails: read the groups again after each.
        desktop.orders.run_finished.connect(self._run_finished)
        self.model.reload()

    # -- the groups ----------------------------------------------------------------------------

    def reload(self) -> None:
        self.model.reload()

    def _run_finished(self, report: RunReport) -> None:
        self.model.reload()

    def _loaded(self) -> None:
        totals = self.model.totals
        self.summary.setText(totals_text(totals) or "No problems: no order is failing.")
        if self.model.groups and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self._show_selected()

    def selected(self) -> ProblemGroup | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.model.groups):
            return None
        return self.model.groups[rows[0].row()]

    def select_key(self, key: str) -> bool:
        """Select the group named ``key`` (``code:subject``); False when it is not listed."""
        for row, group in enumerate(self.model.groups):
            if group.key == key:
                self.table.selectRow(row)
                return True
        return False

    def _show_selected(self) -> None:
        group = self.selected()
        for button in self.fix_buttons.values():
            self.fix_row.removeWidget(button)
            button.deleteLater()
        self.fix_buttons = {}
        if group is None:
            self.explanation.setText("")
            return
        words = EXPLAINED.get(group.code, "Fix it where the orders' reasons say, then retry.")
        blocked = counted("It blocks %n order(s)", group.orders)
        shown = ", ".join(group.refs)
        more = "\u2026" if group.orders > len(group.refs) else ""
        said = (
            f"\n\nXero said: \u201c{group.subject}\u201d"
            if group.code == ReasonCode.XERO_REJECTED
            else ""
        )
        self.explanation.setText(f"{words}{said}\n\n{blocked}: {shown}{more}")
        # After a fix made in Xero itself, any group's orders can be tried again: Retry last.
        fixes = [fix for fix in group.fixes if fix is not Fix.RETRY] + [Fix.RETRY]
        for fix in fixes:
            button = QPushButton(FIX_WORDS[fix], self)
            button.setObjectName(f"fix-{fix}")
            button.clicked.connect(
                lambda _checked=False, fix=fix, group=group: self.fix(group, fix)
            )
            self.fix_row.addWidget(button)
            self.fix_buttons[fix] = button

    # -- fixes ---------------------------------------------------------------------------------

    def fix(self, group: ProblemGroup, fix: Fix) -> object:
        """Apply ``fix`` to ``group``: a run, or the dialog that comes before one."""
        if fix is Fix.CREATE:
            return self._create(group)
        if fix is Fix.RETRY:
            return self.desktop.orders.fix(group.key, Fix.RETRY, subject_of(group))
        if fix is Fix.LINK:
            return self.open_picker(group)
        if fix is Fix.MAP:
            return self.open_map(group)
        return self.open_settings_at(group.subject)

    def _create(self, group: ProblemGroup) -> Job | None:
        if group.code == ReasonCode.UNSAFE_NAME:
            return self._create_risky(group)
        made = OutboxKind.CONTACT if group.code in BY_CUSTOMER_REFERENCE else OutboxKind.ITEM
        what = str(made)
        kept = (
            " Xero keeps the archived contact as it is; the new one takes the customer's orders."
            if group.code == ReasonCode.CUSTOMER_ARCHIVED
            else ""
        )
        text = (
            f"Create the {what} \u201c{subject_of(group)}\u201d in Xero, then sync again "
            + counted("the %n order(s) it blocks", group.orders)
            + f". Nothing else is created.{kept}"
        )
        if not messages.confirm(self, "Create in Xero", text, "Create"):
            return None
        return self.desktop.orders.fix(group.key, Fix.CREATE, subject_of(group))

    def _create_risky(self, group: ProblemGroup) -> Job:
        """Create under a name Auto Sync refused, once the user read why it is risky (the
        names are read first, on a reader thread)."""
        return self.desktop.jobs.submit(
            "Read the group's names",
            lambda control: _plan_create(group.key),
            writes=False,
            on_done=lambda plan: self._confirm_risky(group, plan),
        )

    def _confirm_risky(self, group: ProblemGroup, plan: FixPlan | str) -> None:
        if isinstance(plan, str):  # fixed meanwhile (another run, the command line)
            self.summary.setText(plan)
            return
        text = (
            " ".join(plan.warnings)
            + " Create it in Xero anyway, then sync again "
            + counted("the %n order(s) it blocks", group.orders)
            + "?"
        )
        if messages.confirm(self, "Create under a risky name", text, "Create anyway"):
            self.desktop.orders.fix(group.key, Fix.CREATE, subject_of(group))

    def open_picker(self, group: ProblemGroup) -> Job:
        """The contact picker for the group's customer (read first, on a reader thread)."""
        return self.desktop.jobs.submit(
            "Read the group's customers",
            lambda control: group_customers(group.code, group.subject),
            writes=False,
            on_done=lambda customers: self._pick_for(group, customers),
        )

    def _pick_for(self, group: ProblemGroup, customers: list[GroupCustomer]) -> None:
        customer = customers[0] if customers else GroupCustomer(group.subject, group.subject, "")
        picker = ContactPicker(self.desktop, customer, self)
        picker.linked.connect(lambda linked: self._resync(group, linked_words(linked)))
        self._open_fix_dialog(picker, "picker")

    def open_map(self, group: ProblemGroup) -> MapSkuDialog:
        dialog = MapSkuDialog(self.desktop, group.subject, self)
        dialog.mapped.connect(lambda mapped: self._resync(group, mapped_words(group, mapped)))
        return self._open_fix_dialog(dialog, "map_dialog")

    def _open_fix_dialog(self, dialog: FixDialog, attribute: str) -> FixDialog:
        """Open a fix's dialog over the view, kept in ``attribute`` until it closes (deleted)."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, attribute, None))
        setattr(self, attribute, dialog)
        dialog.open()
        return dialog

    def _resync(self, group: ProblemGroup, done: str) -> None:
        """Say what a fix's dialog saved, then re-sync the group's orders in one run."""
        self.summary.setText(f"{done} Syncing its orders again\u2026")
        self.desktop.orders.fix(group.key, Fix.RETRY, subject_of(group))


def linked_words(linked: Linked) -> str:
    """What the contact picker saved, in a sentence."""
    note = f" {linked.account_number_note}" if linked.account_number_note else ""
    return f"Linked {linked.link.reference} to \u201c{linked.contact.name}\u201d.{note}"


def mapped_words(group: ProblemGroup, mapped: Mapped) -> str:
    """What the map-SKU dialog saved, in a sentence."""
    codes = ", ".join(each.item_code for each in [*mapped.new, *mapped.same])
    return f"Mapped {group.subject} to {codes}."


def _plan_create(key: str) -> FixPlan | str:
    """The Create run of the group ``key``, or why there is none any more."""
    try:
        return plan_fix(key, Fix.CREATE)
    except NotFixable as error:
        return str(error)
