"""The team soak (issue 13): three desktops sync one order book on PostgreSQL at once, against a
faulty sandbox, and two of their sync processes are killed; run by the test (smaller) and by the
benchmark (full size).

Three data directories are connected to the same sandbox organisation, their order book the same
PostgreSQL database (``XEROLOGDESK_DATABASE_URL``). One desktop imports the orders; then each
desktop runs the real command in a process of its own (``python -m xerologdesk --data-dir DIR
sync``, then ``resolve --auto-sync`` for the orders that failed for a missing contact or item),
started again whenever it ends until nothing is left to do. A run told that another is syncing
(the team's one run at a time, or this data directory's) is tried again after a short back-off.
The sandbox answers 10% of accounting calls with 503, holds 5% of answers past the client's read
timeout and drops 5% of connections after committing the call. Two processes are killed with
SIGKILL while the sandbox handles one of their calls, at seeded moments: the first invoice
create, then one of the first three calls after the next process starts (whichever desktop
makes it); each desktop simply starts again.

Which desktop syncs which orders is left to the desktops (one at a time, or claiming orders side
by side); the checks are on the end: every order Succeeded, or Failed for a definite reason (some
customers are archived in Xero); exactly one invoice per succeeded order and none for the others;
no contact or item twice; every imported order in the log. Each desktop's sync processes run as a
user of its own (``LOGNAME``), so the attempts' ``done_by`` tells who synced how many orders.
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from tests.support.call_watch import CallWatch
from tests.support.callers import Callers
from tests.support.desks import Desk, Run, connected_desk
from tests.support.soak import CHILD_ENV, FAULTS, RUN_ENDINGS, Catalogue, Killer, KillPlan
from xerologdesk.app import DATABASE_URL_VARIABLE
from xerologdesk.exits import EXIT_FAILURE
from xerologdesk.sandbox import Sandbox
from xerologdesk.store.vocabulary import OUTBOX_UNFINISHED, ReasonCode, Status
from xerologdesk.xero.filters import xero_fold

DESKTOPS = ("alice", "bob", "carol")
KILLS = 2
# What a run says when another holds the team's order book or this data directory.
BUSY = re.compile(r"another .* is syncing")
# Failures Auto Sync mends (it creates the contact or item); any other reason stays.
AUTO_SYNCED = frozenset({ReasonCode.CUSTOMER_NOT_FOUND, ReasonCode.PRODUCT_NOT_FOUND})
BACK_OFF_FIRST, BACK_OFF_LONGEST = 0.25, 2.0  # seconds after a busy run, doubling
RUN_TIMEOUT = 300.0  # one process's run, at the most
IMPORTED = re.compile(r"imported ([\d,]+) order")


def catalogue(orders: int) -> Catalogue:
    """The soak's customers and products for ``orders`` orders: 60 customers (4 archived in
    Xero, 20 new), 40 SKUs (10 new)."""
    return Catalogue(
        orders=orders,
        known_customers=26,
        named_customers=10,
        new_customers=20,
        archived_customers=4,
        known_skus=30,
        new_skus=10,
        new_sku_share=0.15,
    )


@dataclass(frozen=True)
class Ended:
    """How one process of a desktop ended."""

    desktop: str
    command: str
    code: int
    busy: bool  # told another run was syncing: tried again


@dataclass
class TeamSoakResult:
    """What the soak did and found; ``violations`` empty when every check held."""

    orders: int
    seed: int
    fault_rates: dict[str, Any] = field(default_factory=dict)  # the sandbox's configuration
    imported: int = 0
    in_log: int = 0
    succeeded: int = 0
    failed: int = 0
    failed_by_reason: dict[str, int] = field(default_factory=dict)  # an order may have several
    invoices: int = 0
    duplicate_contacts: list[str] = field(default_factory=list)
    duplicate_items: list[str] = field(default_factory=list)
    kills: int = 0
    killed: list[str] = field(default_factory=list)  # the desktops whose process was killed
    runs: int = 0
    busy_retries: int = 0
    exit_codes: dict[str, int] = field(default_factory=dict)
    orders_by_desktop: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    setup_seconds: float = 0.0
    wall_seconds: float = 0.0
    violations: list[str] = field(default_factory=list)

    def table(self) -> str:
        """The figures, one a line."""
        failed = ", ".join(f"{n} {code}" for code, n in sorted(self.failed_by_reason.items()))
        per_desktop = ", ".join(f"{who} {n}" for who, n in sorted(self.orders_by_desktop.items()))
        rows = [
            ("orders imported / in the log", f"{self.imported} / {self.in_log}"),
            ("succeeded", str(self.succeeded)),
            ("failed (orders with each reason)", f"{self.failed} ({failed or 'none'})"),
            ("invoices in Xero", str(self.invoices)),
            (
                "duplicate contacts / items",
                f"{len(self.duplicate_contacts)} / {len(self.duplicate_items)}",
            ),
            ("SIGKILLs", f"{self.kills} ({', '.join(self.killed) or 'none'})"),
            ("runs (busy, tried again)", f"{self.runs} ({self.busy_retries})"),
            ("exit codes", json.dumps(self.exit_codes)),
            ("fault rates", json.dumps(_rates(self.fault_rates))),
            ("accounting calls (faults)", f"{self.calls} ({json.dumps(self.faults)})"),
            ("orders synced per desktop", per_desktop or "none"),
            ("wall time", f"{self.wall_seconds:.1f} s (set-up {self.setup_seconds:.1f} s)"),
            ("violations", "; ".join(self.violations) or "none"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Team:
    """The desktops' processes at work on one order book, and how each ended."""

    database_url: str
    desks: list[Desk]
    killer: Killer
    deadline: float  # time.monotonic() by which the work must be done
    max_runs: int  # runs that were not told another was syncing
    ended: list[Ended] = field(default_factory=list)
    trouble: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def work(self) -> None:
        """Every desktop's processes, side by side, until none has anything left to do."""
        workers = [
            threading.Thread(target=self._desktop, args=(desk,), name=f"soak-{desk.data_dir.name}")
            for desk in self.desks
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    def _desktop(self, desk: Desk) -> None:
        """One desktop: a process at a time, started again until nothing is left to do."""
        env = {**CHILD_ENV, DATABASE_URL_VARIABLE: self.database_url, "LOGNAME": desk.data_dir.name}
        back_off = BACK_OFF_FIRST
        while not self.stop.is_set() and (args := _next_command(self.database_url)):
            try:
                code, err = self.killer.run(desk.data_dir, *args, timeout=RUN_TIMEOUT, **env)
            except subprocess.TimeoutExpired:
                self._fail(f"{desk.data_dir.name}: {args[0]} still running after {RUN_TIMEOUT} s")
                return
            busy = code == EXIT_FAILURE and BUSY.search(err) is not None
            self._ended(Ended(desk.data_dir.name, args[0], code, busy), err)
            if busy:
                self.stop.wait(back_off)  # the harness's back-off, not the test's
                back_off = min(back_off * 2, BACK_OFF_LONGEST)
            else:
                back_off = BACK_OFF_FIRST

    def _ended(self, ended: Ended, err: str) -> None:
        with self.lock:
            self.ended.append(ended)
            runs = sum(1 for each in self.ended if not each.busy)
        if ended.code not in RUN_ENDINGS or "Traceback" in err:
            self._fail(f"{ended.desktop}: {ended.command} ended {ended.code}: {err[-2000:]}")
        elif runs > self.max_runs:
            self._fail(f"no end in sight after {runs} runs")
        elif time.monotonic() > self.deadline:
            self._fail("not done by the deadline")

    def _fail(self, why: str) -> None:
        with self.lock:
            self.trouble.append(why)
        self.stop.set()


def _next_command(url: str) -> tuple[str, ...] | None:
    """What a desktop runs next: ``sync`` while orders are pending, else Auto Sync of the
    orders failed for a missing contact or item; None when neither is left."""
    with psycopg.connect(url) as book:
        rows = book.execute(
            "SELECT order_ref, status, reasons FROM log_entry WHERE status IN (%s, %s)",
            (Status.PENDING.value, Status.FAILED.value),
        ).fetchall()
    if any(status == Status.PENDING for _, status, _ in rows):
        return ("sync",)
    mendable = sorted(ref for ref, _, reasons in rows if _codes(reasons) <= AUTO_SYNCED)
    return ("resolve", "--auto-sync", *mendable) if mendable else None


def _codes(reasons: str) -> set[str]:
    return {reason["code"] for reason in json.loads(reasons)}


def run_team_soak(
    folder: Path,
    sandbox: Sandbox,
    database_url: str,
    run_cli: Callable[..., Run],
    *,
    orders: int,
    seed: int,
    budget_seconds: float,
    max_runs: int,
    faults: Mapping[str, Any] = FAULTS,
) -> TeamSoakResult:
    """The soak with ``orders`` orders, seeded: desktops in ``folder`` (set up through
    ``run_cli``, the command run in this process) on the empty organisation of ``sandbox``
    (started with the fault seed) and the database at ``database_url`` (empty, or a new order
    book), the sandbox injecting ``faults``; the work must be done within ``budget_seconds``
    and ``max_runs`` runs."""
    started = time.monotonic()
    rng = random.Random(seed)
    shape = catalogue(orders)
    rows, customers, skus = shape.orders_of(rng)
    shape.put_known_in_xero(sandbox, customers, skus)

    def on_team_book(*args: str) -> Run:
        return run_cli("--database-url", database_url, *args)

    desks = [connected_desk(folder, sandbox, on_team_book, name) for name in DESKTOPS]
    desks[0].settings_for_auto_sync(auto_create_customers="on")
    imported = desks[0].import_rows(rows)
    result = TeamSoakResult(orders=orders, seed=seed, fault_rates=dict(faults))
    counted = IMPORTED.search(imported.out)
    result.imported = int(counted.group(1).replace(",", "")) if counted else 0

    watch, callers = CallWatch(sandbox), Callers(sandbox)
    killer = Killer(rng, caller=callers.pid)
    # The first at the first invoice create (its answer lost: reconciled by whoever syncs next),
    # the next at one of the first three calls after the next process starts.
    killer.planned = [KillPlan(1, invoices_only=True)]
    killer.planned += [KillPlan(rng.randint(1, 3)) for _ in range(KILLS - 1)]
    watch.on_call = killer.on_call
    team = _Team(database_url, desks, killer, time.monotonic() + budget_seconds, max_runs)
    result.setup_seconds = time.monotonic() - started
    sandbox.set_faults(faults)
    try:
        team.work()
    finally:
        sandbox.set_faults({})
        watch.close()
    result.wall_seconds = time.monotonic() - started - result.setup_seconds
    result.calls, result.faults = watch.total(), dict(watch.faults)
    _tell_runs(result, team)
    _check(result, sandbox, database_url, {row["order_ref"] for row in rows})
    return result


def _tell_runs(result: TeamSoakResult, team: _Team) -> None:
    """How the processes ended, and what went wrong on the way."""
    result.runs = len(team.ended)
    result.busy_retries = sum(1 for each in team.ended if each.busy)
    result.exit_codes = dict(Counter(str(each.code) for each in team.ended))
    killed = [each.desktop for each in team.ended if each.code == -signal.SIGKILL]
    result.kills, result.killed = len(killed), killed
    result.violations += team.trouble
    if result.kills != KILLS:
        result.violations.append(f"{KILLS} SIGKILLs planned, {result.kills} happened")


def _check(result: TeamSoakResult, sandbox: Sandbox, url: str, refs: set[str]) -> None:
    """The end as it must be: each order settled for good, one invoice per succeeded order,
    no contact or item twice, no order lost; who synced how many."""
    violations = result.violations
    with psycopg.connect(url) as book:
        log = {
            ref: (status, _codes(reasons), invoice_id)
            for ref, status, reasons, invoice_id in book.execute(
                "SELECT order_ref, status, reasons, xero_invoice_id FROM log_entry"
            )
        }
        outbox: dict[str, int] = dict(
            book.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        )
        by_desktop = book.execute(
            "SELECT done_by, count(DISTINCT order_id) FROM attempt WHERE outcome = %s "
            "GROUP BY done_by",
            (Status.SUCCEEDED.value,),
        ).fetchall()
    result.in_log = len(log)
    if not result.imported == len(refs) == result.in_log or set(log) != refs:
        violations.append(
            f"{len(refs)} orders in the file, {result.imported} imported, {result.in_log} in "
            "the log"
        )
    succeeded = {ref for ref, (status, _, _) in log.items() if status == Status.SUCCEEDED}
    result.succeeded = len(succeeded)
    failed = {ref: codes for ref, (status, codes, _) in log.items() if status == Status.FAILED}
    result.failed = len(failed)
    result.failed_by_reason = dict(Counter(code for codes in failed.values() for code in codes))
    unsettled = sorted(set(log) - succeeded - set(failed))
    if unsettled:
        violations.append(f"neither succeeded nor failed: {unsettled[:10]}")
    vague = sorted(ref for ref, codes in failed.items() if not codes or codes - set(ReasonCode))
    if vague:
        violations.append(f"failed for no definite reason: {vague[:10]}")
    unfinished = {state: n for state, n in outbox.items() if state in OUTBOX_UNFINISHED}
    if unfinished:
        violations.append(f"outbox requests not finished: {unfinished}")

    state = sandbox.state()
    invoices = Counter(invoice["Reference"] for invoice in state["invoices"])
    result.invoices = sum(invoices.values())
    if invoices != Counter(succeeded):
        twice = sorted(ref for ref, n in invoices.items() if n > 1)
        stray = sorted(set(invoices) - succeeded)
        missing = sorted(succeeded - set(invoices))
        violations.append(f"invoices: twice {twice[:10]}, stray {stray[:10]}, none {missing[:10]}")
    ids = {invoice["Reference"]: invoice["InvoiceID"] for invoice in state["invoices"]}
    misread = sorted(ref for ref in succeeded if log[ref][2] != ids.get(ref))
    if misread:
        violations.append(f"the log names another invoice than Xero holds: {misread[:10]}")
    result.duplicate_contacts = _twice(xero_fold(contact["Name"]) for contact in state["contacts"])
    result.duplicate_items = _twice(item["Code"].casefold() for item in state["items"])
    if result.duplicate_contacts or result.duplicate_items:
        violations.append(
            f"created twice: contacts {result.duplicate_contacts}, items {result.duplicate_items}"
        )
    result.orders_by_desktop = {done_by.split("@")[0]: n for done_by, n in by_desktop}


def _rates(faults: Mapping[str, Any]) -> dict[str, Any]:
    """The shares of calls faulted, by kind."""
    return {key: value for key, value in faults.items() if key.endswith("_rate")}


def _twice(keys: Iterable[str]) -> list[str]:
    """The keys that come more than once."""
    return sorted(key for key, n in Counter(keys).items() if n > 1)
