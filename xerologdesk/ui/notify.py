"""What the app tells someone who is not looking: a sync that left new failed orders, a
connection that needs signing in again, Xero's day limit pausing syncing.

:class:`Notifier` turns each finished run into at most one :class:`Notification` per kind, never
one per order, each kind off when its setting says so, and emits it; the window delivers it (a
desktop notification through the tray icon, else the status bar). Tests read what would be shown
from :attr:`Notifier.notified` without a desktop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from xerologdesk.settings import Settings
from xerologdesk.sync.outcomes import Code
from xerologdesk.ui.order_jobs import RunReport, RunTally
from xerologdesk.ui.wording import counted

# Each cause of failure counted in a notification ("2 missing SKUs"), by its reason code.
CAUSES: dict[str, str] = {
    Code.PRODUCT_NOT_FOUND: "%n missing SKU(s)",
    Code.CUSTOMER_NOT_FOUND: "%n customer(s) not found",
    Code.CUSTOMER_AMBIGUOUS: "%n ambiguous customer(s)",
    Code.CUSTOMER_ARCHIVED: "%n archived customer(s)",
    Code.XERO_REJECTED: "%n rejected by Xero",
    Code.SETTINGS_INCOMPLETE: "%n missing a setting",
    Code.NOT_CONNECTED: "%n not connected",
    Code.ORDER_INVALID: "%n with data Xero cannot take",
    Code.UNSAFE_NAME: "%n with a risky name not created",
}


class Kind(StrEnum):
    """What a notification is about (each has its setting)."""

    FAILURES = "failures"
    CONNECTION = "connection"
    DAY_LIMIT = "day_limit"


SETTING_OF: dict[Kind, str] = {
    Kind.FAILURES: "notify_failures",
    Kind.CONNECTION: "notify_connection",
    Kind.DAY_LIMIT: "notify_connection",
}


@dataclass(frozen=True)
class Notification:
    kind: Kind
    title: str
    text: str


def failure_summary(tally: RunTally) -> str:
    """``3 orders failed: 2 missing SKUs, 1 customer not found`` for the failed orders a run's
    ``tally`` counted (an order failing for two causes counts under both); "" when none failed.
    """
    if not tally.failed:
        return ""
    # The most frequent cause first; equal counts in the order the codes are declared.
    order = list(CAUSES)
    ranked = sorted(
        tally.causes,
        key=lambda item: (-item[1], order.index(item[0]) if item[0] in order else len(order)),
    )
    parts = [counted(CAUSES.get(code, f"%n {code.replace('_', ' ')}"), n) for code, n in ranked]
    head = counted("%n order(s) failed", tally.failed)
    return f"{head}: {', '.join(parts)}" if parts else head


class Notifier(QObject):
    """Decides what a finished run is worth telling; emits :attr:`notified` for each."""

    notified = Signal(object)  # Notification

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        # Trouble already told (a reconnect, the day limit): not told again until a run gets
        # through, however often a run meets it meanwhile.
        self._told: set[Kind] = set()

    def run_finished(self, report: RunReport) -> None:
        if report.busy:
            return
        if not report.trouble:
            self._told.clear()
        if report.pending_sync and (summary := failure_summary(report.tally)):
            self._notify(Notification(Kind.FAILURES, "Orders failed to sync", summary))
        if report.reconnect:
            self._once(
                Notification(
                    Kind.CONNECTION,
                    "Sign in to Xero again",
                    "Syncing is paused: the connection to Xero needs signing in again. The "
                    "orders wait as pending.",
                )
            )
        elif report.day_limit:
            resume = report.resumes_at(datetime.now(UTC))
            when = f" at {resume.astimezone():%H:%M}" if resume is not None else ""
            self._once(
                Notification(
                    Kind.DAY_LIMIT,
                    "Syncing paused for today",
                    f"Xero's limit of calls for the day is reached; syncing resumes by itself"
                    f"{when}. The orders wait as pending.",
                )
            )

    def _once(self, notification: Notification) -> None:
        if notification.kind not in self._told:
            self._told.add(notification.kind)
            self._notify(notification)

    def _notify(self, notification: Notification) -> None:
        if self._settings.get(SETTING_OF[notification.kind]):
            self.notified.emit(notification)
