"""The sandbox in one object: build it, ``start()`` it, point xero-python at ``api_url``.

:class:`Sandbox` is the composition root of the sandbox: it owns the clock, the organisations,
the identity service, limits, faults, the idempotency store, the call log, the state file and the
HTTP server, and offers tests (and the desktop app's demo mode) direct handles on them.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from xerologdesk.sandbox import persistence
from xerologdesk.sandbox.accounting import PREFIX
from xerologdesk.sandbox.clock import SandboxClock
from xerologdesk.sandbox.faults import FaultInjector
from xerologdesk.sandbox.idempotency import IdempotencyStore
from xerologdesk.sandbox.identity import IdentityService
from xerologdesk.sandbox.ledger import Change, Ledger
from xerologdesk.sandbox.limits import RateLimiter
from xerologdesk.sandbox.oauth_rules import CUSTOM_CONNECTION_SCOPES
from xerologdesk.sandbox.organisations import Organisations
from xerologdesk.sandbox.seed import SEEDS
from xerologdesk.sandbox.server import AccountingGate, CallLog, Router, SandboxHTTPServer
from xerologdesk.sandbox.state_lock import StateFileLock
from xerologdesk.sandbox.wire import dumps

log = logging.getLogger(__name__)

STATE_FILE_VERSION = 1


class Sandbox:
    """An embedded stand-in for Xero's API on loopback (see the package docstring).

    With ``state_path`` the organisations and the identity service's grants are loaded from that
    file when it exists (``seed`` then only matters to :meth:`reset`), and every change is saved
    to it before it is answered (:mod:`~xerologdesk.sandbox.persistence`); otherwise state lives
    in memory. One sandbox at a time uses a state file: from construction until :meth:`stop` it
    holds the file's lock, and a second one raises
    :class:`~xerologdesk.sandbox.state_lock.StateFileInUse`. Limits of 0 are off.
    ``fault_seed`` seeds the random faults. The clock is not saved: after a restart it is real
    time again.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: str = "demo",
        state_path: Path | str | None = None,
        minute_limit: int = 60,
        day_limit: int = 5000,
        concurrent_limit: int = 5,
        fault_seed: int | None = None,
    ) -> None:
        if seed not in SEEDS:
            raise ValueError(f"unknown seed {seed!r}: choose one of {', '.join(SEEDS)}")
        self.host = host
        self.port = port
        self.seed = seed
        self.clock = SandboxClock()
        self._stopping = threading.Event()
        self._persister: persistence.Persister | None = None
        self.organisations = Organisations(
            self.clock, self._ledger_changed, self._organisations_changed
        )
        self.identity = IdentityService(
            self.clock, self.organisations.tenants, lambda: self.organisations.primary_id
        )
        self.limiter = RateLimiter(
            self.clock, minute=minute_limit, day=day_limit, concurrent=concurrent_limit
        )
        self.fault_injector = FaultInjector(fault_seed)
        self.idempotency = IdempotencyStore(self.clock)
        self.calls = CallLog()
        self.state_path = Path(state_path) if state_path is not None else None
        self._state_lock: StateFileLock | None = None
        if self.state_path is None:
            self.organisations.seed(self.seed)
        else:
            self._state_lock = StateFileLock(self.state_path)
            self._state_lock.acquire()
            try:
                self._persister = self._load_or_seed(self.state_path)
            except BaseException:
                self._state_lock.release()
                raise
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind the loopback port and serve in a background thread; returns self.

        Started again after :meth:`stop`, it takes its state file's lock again, and raises
        ``ValueError`` if another sandbox changed the file meanwhile (this one's state is stale).
        """
        if self._server is not None:
            return self
        if self._state_lock is not None and not self._state_lock.held:
            self._state_lock.acquire()  # started again after a stop
            if self._persister is not None and self._persister.written_by_another():
                self._state_lock.release()
                raise ValueError(
                    f"{self.state_path} was changed by another sandbox since this one stopped"
                )
        self._stopping.clear()
        gate = AccountingGate(
            self.organisations,
            self.identity,
            self.limiter,
            self.fault_injector,
            self.idempotency,
            self.calls,
            self._stopping,
        )
        router = Router(gate, self.identity, self, self._identity_changed)
        self._server = SandboxHTTPServer(self.host, self.port, router, self._stopping)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="sandbox-http",
            daemon=True,
        )
        if self._persister is not None:
            self._persister.start()
        self._thread.start()
        log.info("sandbox serving at %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving (answers held back by a timeout fault are dropped, calls held by a hold
        fault end without effect), save the state and let go of the state file."""
        self._stopping.set()
        self.fault_injector.let_go()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        try:
            if self._persister is not None:
                self._persister.stop()
        finally:
            # Even when the last snapshot failed (a full disk): the journal holds what was
            # answered, and a held lock would refuse every later sandbox in this process.
            if self._state_lock is not None:
                self._state_lock.release()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (only once started)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host, port = self._server.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{text}]" if ":" in text else text
        return f"http://{shown}:{port}"

    def client_port(self) -> int | None:
        """The client's port of the connection this sandbox thread serves (None off one): a
        test tool finds the process that made the call from it."""
        return None if self._server is None else self._server.client_port()

    @property
    def api_url(self) -> str:
        """The accounting API's base URL, for ``AccountingApi(api_client, base_url=...)``."""
        return self.base_url + PREFIX

    # --- organisations ------------------------------------------------------------------------

    @property
    def primary_tenant_id(self) -> str:
        return self.organisations.primary_id

    def add_tenant(self, name: str, seed: str = "empty") -> str:
        """Another organisation (connectable through the consent page); its tenant id."""
        return self.organisations.add(name, seed)

    def ledger(self, tenant_id: str | None = None) -> Ledger:
        """An organisation's ledger (default: the primary), for direct set-up in tests."""
        return self.organisations.get(tenant_id)

    def issue_token(
        self, client_id: str = "test", scopes: tuple[str, ...] = CUSTOM_CONNECTION_SCOPES
    ) -> dict[str, Any]:
        """A client_credentials token for the primary organisation, as ``/connect/token`` gives
        (``scopes``: only these, as an admin may grant a custom connection; default: all)."""
        token = self.identity.issue_client_credentials(client_id, scopes)
        self._identity_changed()
        return token

    # --- admin --------------------------------------------------------------------------------

    def state(self, tenant_id: str | None = None) -> dict[str, Any]:
        """What ``GET /_sandbox/state`` answers, parsed (amounts as ``Decimal``)."""
        ledger = self.ledger(tenant_id)
        with ledger.lock:
            snapshot = {
                "tenantId": ledger.tenant_id,
                "primaryTenantId": self.primary_tenant_id,
                "tenants": [
                    {"tenantId": tenant, "tenantName": name}
                    for tenant, name in self.organisations.tenants()
                ],
                "organisation": ledger.organisation,
                "contacts": list(ledger.contacts),
                "items": list(ledger.items),
                "invoices": list(ledger.invoices),
                "nextInvoiceNumber": ledger.next_invoice_number,
            }
        snapshot.update(
            calls=self.calls.snapshot(),
            clock=self.clock.now().isoformat(),
            limits=self.limiter.limits(),
            faults=self.fault_injector.config(),
            held_calls=self.fault_injector.held(),
        )
        # A round trip through JSON, so in-process callers see exactly what HTTP callers see.
        parsed: dict[str, Any] = json.loads(dumps(snapshot), parse_float=Decimal)
        return parsed

    def reset(self, seed: str | None = None) -> None:
        """Back to a freshly seeded primary organisation; counts, faults and keys forgotten."""
        chosen = seed or self.seed
        if chosen not in SEEDS:
            raise ValueError(f"unknown seed {chosen!r}: choose one of {', '.join(SEEDS)}")
        self.seed = chosen
        self.organisations.seed(chosen)
        self.calls.reset()
        self.limiter.reset()
        self.fault_injector.reset()
        self.idempotency.reset()

    def advance_clock(self, seconds: float) -> str:
        """Move the sandbox clock forward; the new time (ISO 8601)."""
        self.clock.advance(seconds)
        return self.clock.now().isoformat()

    def set_limits(
        self, minute: int | None = None, day: int | None = None, concurrent: int | None = None
    ) -> dict[str, int]:
        """Change limits at run time (None keeps one, 0 turns one off); those in force."""
        return self.limiter.configure(minute=minute, day=day, concurrent=concurrent)

    def limits(self) -> dict[str, int]:
        return self.limiter.limits()

    def set_faults(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the fault configuration (``{}`` turns faults off); the one in force."""
        return self.fault_injector.configure(config)

    def faults(self) -> dict[str, Any]:
        return self.fault_injector.config()

    def wait_held(self, count: int = 1, timeout: float | None = None) -> bool:
        """Wait until a ``hold`` fault holds at least ``count`` calls; False on ``timeout``."""
        return self.fault_injector.wait_held(count, timeout)

    def release_held(self) -> int:
        """Let the calls a ``hold`` fault holds take effect; how many (once they have)."""
        return self.fault_injector.release()

    # --- persistence --------------------------------------------------------------------------

    def _ledger_changed(self, change: Change) -> None:
        if self._persister is not None:
            self._persister.append(lambda: persistence.ledger_entry(change))

    def _identity_changed(self) -> None:
        # Journaled too (its whole state: a few grants and tokens): a refresh token rotated just
        # before a crash and then lost would leave the app's connection dead after the restart.
        if self._persister is not None:
            self._persister.append(lambda: persistence.identity_entry(self.identity.to_state()))

    def _organisations_changed(self) -> None:
        # Seeding, a reset, another organisation: rare, and whole ledgers come and go, so a
        # snapshot at once rather than a journal line.
        if self._persister is not None and self._persister.running:
            self._persister.flush()

    def _file_state(self) -> dict[str, Any]:
        return {
            "version": STATE_FILE_VERSION,
            "organisations": self.organisations.to_state(),
            "identity": self.identity.to_state(),
        }

    def _load_or_seed(self, path: Path) -> persistence.Persister:
        """Load the state file (or seed, when there is none); its persister."""
        saved = persistence.load(path)
        if saved is None:
            self.organisations.seed(self.seed)
            return persistence.Persister(path, self._file_state)
        if saved.state.get("version") != STATE_FILE_VERSION:
            raise ValueError(f"{path} holds an unknown sandbox state version")
        self.organisations.load_state(saved.state["organisations"])
        self.identity.load_state(saved.state["identity"])
        for change in saved.changes:
            self._replay(change)
        self.seed = self.ledger().seed
        return persistence.Persister(path, self._file_state, saved.epoch)

    def _replay(self, change: Mapping[str, Any]) -> None:
        """Put back one journaled change over the loaded snapshot."""
        if "identity" in change:
            self.identity.load_state(change["identity"])
            return
        try:
            ledger = self.organisations.get(change["tenant"])
        except KeyError:
            # Made in an organisation added just before a crash, before its snapshot was
            # written: the organisation itself was not kept, so neither is this.
            log.warning("ignored a journaled change of unknown organisation %s", change["tenant"])
            return
        ledger.replay(change["records"], int(change["next_invoice_number"]))
