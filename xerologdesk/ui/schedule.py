"""Automatic sync: every ``sync_every_minutes`` the pending orders go through the same door as
"Sync now" (:meth:`OrderJobs.sync_now`), while the app runs and is connected.

A tick skips when a run of ours is under way (the next tick comes as usual) or when another
process holds this data folder's sync (the command line, a server's ``xerologdesk run``).
After a run that must not simply be tried again on the next tick, the schedule is *paused* and
says why: the connection needs signing in again (until the connection changes or a run gets
through), or Xero's limit holds calls back (until the time Xero gave). The user can pause it too
(the tray's *Pause automatic sync*). :attr:`SyncSchedule.changed` tells the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from xerologdesk.settings import Settings, sync_every_minutes
from xerologdesk.ui.order_jobs import OrderJobs, RunReport

NowSource = Callable[[], datetime]
# Why the schedule is paused, after "Automatic sync paused until 14:35: ".
RECONNECT = "reconnect to Xero"
DAY_LIMIT = "Xero's day limit is reached"
WAIT_ASKED = "Xero asked to wait"


class SyncSchedule(QObject):
    """Starts a sync every N minutes; knows when the next one is and why none is coming."""

    changed = Signal()  # the next run, the interval or the paused state changed
    sync_started = Signal()  # a tick started a sync

    def __init__(
        self,
        orders: OrderJobs,
        settings: Settings,
        *,
        connected: Callable[[], bool],
        busy_elsewhere: Callable[[], str | None],
        now: NowSource = lambda: datetime.now(UTC),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._orders = orders
        self._settings = settings
        self._connected = connected
        self._busy_elsewhere = busy_elsewhere
        self._now = now
        self.minutes = 0
        self.next_run: datetime | None = None
        self.paused_by_user = False
        self.paused_for = ""  # why runs are paused, in words ("" when they are not)
        self.paused_until: datetime | None = None  # when that pause ends by itself
        self.skipped = ""  # why the last tick started nothing ("" when it started a sync)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._tick)
        orders.run_finished.connect(self._run_finished)

    # -- state ---------------------------------------------------------------------------------

    @property
    def on(self) -> bool:
        """True when the setting asks for automatic sync (paused or not)."""
        return self.minutes > 0

    def follow_settings(self) -> None:
        """Take up a changed ``sync_every_minutes`` (the next run counts from now)."""
        minutes = sync_every_minutes(self._settings)
        if minutes != self.minutes:
            self.minutes = minutes
            self._plan()

    def set_paused(self, paused: bool) -> None:
        """Pause automatic sync, or go on with it (the tray's menu)."""
        self.paused_by_user = paused
        self.changed.emit()

    def connection_changed(self) -> None:
        """A new sign-in (or a disconnect): a pause for reconnecting is over."""
        if self.paused_for == RECONNECT:
            self._resume()

    def describe(self) -> str:
        """The schedule in a few words, for the status bar."""
        if not self.on:
            return "Automatic sync off"
        if self.paused_by_user:
            return "Automatic sync paused"
        if self.paused_for:
            until = (
                f" until {self.paused_until.astimezone():%H:%M}"
                if self.paused_until is not None
                else ""
            )
            return f"Automatic sync paused{until}: {self.paused_for}"
        if not self._connected():
            return "Automatic sync waits for a connection to Xero"
        if self.next_run is None:
            return "Automatic sync on"
        return f"Next sync at {self.next_run.astimezone():%H:%M}"

    # -- the timer -----------------------------------------------------------------------------

    def _plan(self) -> None:
        """Start the timer for the next tick, a full interval from now (or stop it)."""
        if not self.on:
            self.timer.stop()
            self.next_run = None
        else:
            self.next_run = self._now() + timedelta(minutes=self.minutes)
            self.timer.start(self.minutes * 60_000)
        self.changed.emit()

    def _tick(self) -> None:
        self.skipped = self._why_not_now()
        if not self.skipped:
            self._orders.sync_now()
            self.sync_started.emit()
        self._plan()

    def _why_not_now(self) -> str:
        """Why this tick starts no sync ("" when it starts one)."""
        if self.paused_by_user:
            return "paused"
        if self.paused_for:
            if self.paused_until is None or self._now() < self.paused_until:
                return self.paused_for
            self._resume()  # the limit's wait is over
        if not self._connected():
            return "not connected"
        if self._orders.busy:
            return "a run is under way"
        elsewhere = self._busy_elsewhere()
        if elsewhere is not None:
            return elsewhere
        return ""

    # -- what runs leave behind ----------------------------------------------------------------

    def _run_finished(self, report: RunReport) -> None:
        if report.busy:
            return  # another process's run: it says nothing about ours
        if report.reconnect:
            self._pause(RECONNECT, None)
            return
        resume = report.resumes_at(self._now())
        if resume is not None:
            self._pause(DAY_LIMIT if report.day_limit else WAIT_ASKED, resume)
            return
        if not report.trouble:
            self._resume()

    def _pause(self, why: str, until: datetime | None) -> None:
        self.paused_for, self.paused_until = why, until
        self.changed.emit()

    def _resume(self) -> None:
        if self.paused_for:
            self.paused_for, self.paused_until = "", None
            self.changed.emit()
