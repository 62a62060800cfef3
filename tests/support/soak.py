"""What the soaks share (the one-desktop soak of issue 7, the team soak of issue 13): the faults
they turn on, the environment of the sync processes, the seeded orders and the customers and
products Xero already has, and the killer that SIGKILLs a sync process while the sandbox handles
one of its calls."""

from __future__ import annotations

import random
import signal
import subprocess
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.desks import line
from tests.support.processes import start_command
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.app import READ_TIMEOUT_ENV
from xerologdesk.sandbox import Sandbox
from xerologdesk.sync.backoff import SCALE_ENV

# 503s, answers held past the child's read timeout, connections dropped after the call took effect.
FAULTS = {
    "error_rate": 0.10,
    "error_statuses": [503],
    "timeout_rate": 0.05,
    "timeout_seconds": 0.5,  # past the child's read timeout
    "drop_after_commit_rate": 0.05,
}
# A quarter-second read timeout: a held answer costs that, not a second (others take far less).
CHILD_ENV = {READ_TIMEOUT_ENV: "0.25", SCALE_ENV: "0.05"}
# How a sync process may end: done, stopped with orders left pending, orders failed, killed.
RUN_ENDINGS = (0, 2, 3, -signal.SIGKILL)
NAMES = [
    "Harbour Caf\u00e9 {n}",
    'The "Best" Bar {n}',
    "Smith & Sons {n}",
    "A+B Traders {n}",
    "Kiosk (North) [{n}]",
    "\u05e9\u05dc\u05d5\u05dd Deli {n}",
    "B\u00e4ckerei \U0001f600 {n}",
    "100% Juice {n}",
]


@dataclass(frozen=True)
class Catalogue:
    """How many orders a soak imports, and its customers and products: which Xero has (by
    reference, by name only, archived) and which the sync creates (customers, by
    ``auto_create_customers``; products, by Auto Sync)."""

    orders: int
    known_customers: int  # in Xero with the reference as AccountNumber
    named_customers: int  # in Xero by name only
    new_customers: int  # created by the sync (auto_create_customers)
    known_skus: int
    new_skus: int  # created by Auto Sync
    new_sku_share: float  # orders with one line of a new SKU: failed by the sync, Auto Synced
    waves: int = 1  # files of orders: each brings its own new SKUs
    archived_customers: int = 0  # archived in Xero: their orders fail, saying so

    def orders_of(
        self, rng: random.Random
    ) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[str]]:
        """The order lines (in the order they arrive), the customers (reference, name) and the
        SKUs, all seeded; each wave brings its own new SKUs."""
        count = (
            self.known_customers
            + self.named_customers
            + self.new_customers
            + self.archived_customers
        )
        customers = [(f"C-{n:03d}", NAMES[n % len(NAMES)].format(n=n)) for n in range(count)]
        skus = [f"SKU-{n:02d}" for n in range(self.known_skus + self.new_skus)]
        known, new = skus[: self.known_skus], skus[self.known_skus :]
        prices = {sku: f"{rng.randint(100, 9999) / 100:.2f}" for sku in skus}  # one price each
        rows = []
        for number in range(self.orders):
            ref = f"SK-{number:04d}"
            customer = customers[number % count] if number < count else rng.choice(customers)
            chosen = rng.sample(known, rng.randint(1, 3))
            if number % (self.orders // self.waves) == 0 or rng.random() < self.new_sku_share:
                wave = number * self.waves // self.orders
                per_wave = self.new_skus // self.waves
                chosen.append(new[wave * per_wave + number % per_wave])
            for sku in chosen:
                quantity = str(rng.randint(1, 12))
                rows.append(
                    line(ref, customer, sku, quantity, prices[sku], product_name=f"P {sku}")
                )
        return rows, customers, skus

    def put_known_in_xero(
        self, sandbox: Sandbox, customers: list[tuple[str, str]], skus: list[str]
    ) -> None:
        """The customers and products Xero has before the first sync, as if made by hand."""
        known = customers[: self.known_customers]
        named = customers[self.known_customers : self.known_customers + self.named_customers]
        archived = customers[len(customers) - self.archived_customers :]
        put_in_xero(
            sandbox,
            contacts=[contact_record(name, reference) for reference, name in known]
            + [contact_record(name) for _, name in named]
            + [contact_record(name, reference, "ARCHIVED") for reference, name in archived],
            items=[item_record(sku) for sku in skus[: self.known_skus]],
        )


@dataclass(frozen=True)
class KillPlan:
    """A kill to come: of the child making the ``target``-th call counted once the plan is
    armed (only invoice creates counted when ``invoices_only``), during that call or ``delay``
    seconds after it."""

    target: int
    delay: float = 0.0
    invoices_only: bool = False


@dataclass
class Killer:
    """Kills a running child at a seeded accounting call, at once or a moment later.

    A plan is armed when a child starts while none is armed, and counts the calls of every
    child running from then on. The child making the call it waits for is killed: the only one
    running, or (several at once) the one ``caller`` names among their process ids. A plan whose
    kill did not happen (its child ended first, or every child ended before its call) waits for
    the next child started.
    """

    rng: random.Random
    # Which of the running children (by process id) makes the call the sandbox is handling.
    caller: Callable[[Collection[int]], int | None] | None = None
    planned: list[KillPlan] = field(default_factory=list)  # for the next children started
    children: dict[int, subprocess.Popen[str]] = field(default_factory=dict)  # running, by pid
    armed: KillPlan | None = None
    calls: int = 0  # counted since the armed plan was armed
    victim: int | None = None  # the process the armed plan's kill went to
    used: bool = False  # a plan was armed once
    lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, latest_call: int) -> None:
        """Kill the next child started: at one of its first ``latest_call`` calls, or (the first
        kill, then by chance) at its first invoice create; during the call or a moment after."""
        first = not self.planned and self.armed is None and not self.used
        invoices_only = first or self.rng.random() < 0.5
        delay = 0.0 if first or self.rng.random() < 0.5 else self.rng.uniform(0.01, 0.1)
        target = 1 if invoices_only else self.rng.randint(1, latest_call)
        self.planned.append(KillPlan(target, delay, invoices_only))

    def run(self, data_dir: Path, *args: str, timeout: float, **env: str) -> tuple[int, str]:
        """The command with ``args`` run to its end in a child of its own that this killer may
        kill: its exit code and standard error. A child still running after ``timeout``
        seconds is killed and :class:`subprocess.TimeoutExpired` raised."""
        child = start_command(data_dir, *args, **env)
        self.arm(child)
        try:
            _, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()  # never left running
            child.communicate()
            raise
        finally:
            self.disarm(child, killed=child.returncode == -signal.SIGKILL)
        return child.returncode, err

    def arm(self, child: subprocess.Popen[str]) -> None:
        with self.lock:
            self.children[child.pid] = child
            if self.armed is None and self.planned:
                self.armed, self.calls, self.used = self.planned.pop(0), 0, True

    def disarm(self, child: subprocess.Popen[str], killed: bool) -> None:
        """``child`` ended; a planned kill that did not happen waits for the next child."""
        with self.lock:
            del self.children[child.pid]
            if self.armed is None:
                return
            missed = self.victim is None and not self.children
            if self.victim == child.pid or missed:
                if not killed:
                    self.planned.insert(0, self.armed)
                self.armed, self.victim = None, None

    def on_call(self, method: str, resource: str) -> None:
        with self.lock:
            plan = self.armed
            if plan is None or self.victim is not None:
                return
            if plan.invoices_only and (method, resource) != ("PUT", "/Invoices"):
                return
            self.calls += 1
            if self.calls < plan.target:
                return
            running = list(self.children)
        # Read outside the lock: naming the caller may read the system's tables.
        if self.caller is not None:
            pid = self.caller(running)
        else:
            pid = running[0] if len(running) == 1 else None
        with self.lock:
            if self.armed is not plan or self.victim is not None:
                return  # a call beside it took the kill
            if pid is None or pid not in self.children:
                return  # its caller unknown or gone: the next call it counts is the one
            child, self.victim = self.children[pid], pid
        if plan.delay:
            threading.Timer(plan.delay, child.kill).start()
        else:
            child.kill()  # the call goes on in the sandbox; its answer finds nobody
