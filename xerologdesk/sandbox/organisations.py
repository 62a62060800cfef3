"""The organisations (tenants) a sandbox serves: one ledger each, and which one is primary.

The primary organisation is the one ``client_credentials`` tokens connect to. Its tenant id is
stable per seed (``demo`` always has the same id), so a desktop app connected to a sandbox with a
state file finds its organisation again after a restart, and :meth:`reset` keeps that id.

Two kinds of change are reported: each committed change of a ledger (``on_change``, with the
:class:`~xerologdesk.sandbox.ledger.Change`), and a change of the set of ledgers itself: seeded,
loaded, one added (``on_tenants_changed``). A replaced ledger is detached first, so nothing it
does afterwards is reported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from xerologdesk.sandbox import seed as seeds
from xerologdesk.sandbox.clock import SandboxClock
from xerologdesk.sandbox.ledger import Change, Ledger


class Organisations:
    """Ledgers by tenant id (thread-safe)."""

    def __init__(
        self,
        clock: SandboxClock,
        on_change: Callable[[Change], None],
        on_tenants_changed: Callable[[], None],
    ) -> None:
        self._clock = clock
        self._on_change = on_change
        self._on_tenants_changed = on_tenants_changed
        self._lock = threading.Lock()
        self._ledgers: dict[str, Ledger] = {}
        self._primary = ""

    @property
    def primary_id(self) -> str:
        with self._lock:
            return self._primary

    def seed(self, seed: str) -> None:
        """Start over with one organisation built from ``seed`` (keeping the primary's id)."""
        ledger = seeds.build(seed, self._clock, tenant_id=self.primary_id or None)
        self._replace({ledger.tenant_id: ledger}, ledger.tenant_id)

    def add(self, name: str, seed: str = "empty") -> str:
        """Another organisation, named ``name``; its tenant id (stable per name)."""
        tenant_id = seeds.stable_id("tenant", "added", name)
        ledger = seeds.build(seed, self._clock, tenant_id=tenant_id, name=name)
        ledger.on_change(self._on_change)
        with self._lock:
            if tenant_id in self._ledgers:
                raise ValueError(f"an organisation named {name!r} exists already")
            self._ledgers[tenant_id] = ledger
        self._on_tenants_changed()
        return tenant_id

    def get(self, tenant_id: str | None = None) -> Ledger:
        """The ledger of ``tenant_id`` (default: the primary); KeyError if there is none."""
        with self._lock:
            wanted = (tenant_id or self._primary).lower()
            for key, ledger in self._ledgers.items():
                if key.lower() == wanted:
                    return ledger
        raise KeyError(tenant_id)

    def tenants(self) -> list[tuple[str, str]]:
        """(tenant id, organisation name) pairs, the primary first."""
        with self._lock:
            ledgers = list(self._ledgers.values())
        return [(ledger.tenant_id, ledger.name) for ledger in ledgers]

    def to_state(self) -> dict[str, Any]:
        with self._lock:
            ledgers = list(self._ledgers.values())
            primary = self._primary
        return {"primary": primary, "ledgers": [ledger.to_state() for ledger in ledgers]}

    def load_state(self, state: Mapping[str, Any]) -> None:
        ledgers = [Ledger.from_state(each, self._clock) for each in state["ledgers"]]
        self._replace({ledger.tenant_id: ledger for ledger in ledgers}, str(state["primary"]))

    def _replace(self, ledgers: dict[str, Ledger], primary: str) -> None:
        for ledger in ledgers.values():
            ledger.on_change(self._on_change)
        with self._lock:
            replaced = [each for each in self._ledgers.values() if each not in ledgers.values()]
            self._ledgers = ledgers
            self._primary = primary
        for ledger in replaced:
            ledger.detach()
        self._on_tenants_changed()
