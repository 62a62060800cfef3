"""One sandbox organisation: its records, reference data, invoice number sequence and its lock.

Contacts, items and invoices live in :class:`~xerologdesk.sandbox.table.Table` objects, as dicts in
Xero's JSON shape (PascalCase keys, ``Decimal`` amounts, ``/Date(...)/`` dates); the rules that
turn a request's elements into records, with Xero's messages, are in
:mod:`xerologdesk.sandbox.resources` (one module per resource).

A batch (one PUT or POST) runs under the ledger's lock as a transaction: every record stored is
logged with the version it replaced, so the whole batch can be undone. That is how a request with
``summarizeErrors`` true (Xero's default) that has one failed element saves nothing, and how a body
that turns out unreadable half-way (``PostDataInvalidException``) leaves no trace. A committed
change is reported to the ledger's listeners as a :class:`Change` (the records it stored, the
sequence after it) before the request is answered: that is how the state file journals it.

Indexes, all kept by the tables: contacts by folded Name, AccountNumber and EmailAddress (archived
ones too) and by ContactNumber; items by folded Code (uniqueness, invoice lines) and exact Code
(``where Code==``); invoices by folded and exact InvoiceNumber, Reference and ContactID.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from xerologdesk.sandbox.clock import SandboxClock
from xerologdesk.sandbox.table import Record, Table
from xerologdesk.sandbox.where import fold
from xerologdesk.sandbox.wire import ZERO_GUID, PostDataInvalid, ms_date, ordered

STATE_VERSION = 1
INVOICE_NUMBER_PREFIX = "INV-"


def _folded(key: str) -> Callable[[Record], Iterable[str]]:
    def keys(record: Record) -> Iterable[str]:
        value = record.get(key)
        return (fold(value),) if isinstance(value, str) and value else ()

    return keys


def _exact(key: str) -> Callable[[Record], Iterable[str]]:
    def keys(record: Record) -> Iterable[str]:
        value = record.get(key)
        return (value,) if isinstance(value, str) and value else ()

    return keys


def _accrec_number(record: Record) -> Iterable[str]:
    # Only sales invoices' numbers must be unique (bills carry the supplier's numbers).
    number = record.get("InvoiceNumber")
    if record.get("Type") == "ACCREC" and isinstance(number, str) and number:
        return (fold(number),)
    return ()


def _invoice_contact(record: Record) -> Iterable[str]:
    contact_id = (record.get("Contact") or {}).get("ContactID")
    return (str(contact_id).lower(),) if contact_id else ()


@dataclass(frozen=True)
class Change:
    """One committed change of an organisation: what it stored and the invoice sequence after it.

    Given to listeners under the ledger's lock; :meth:`records` reads the tables, so call it
    there (they may change afterwards).
    """

    tenant_id: str
    next_invoice_number: int
    tables: Mapping[str, Table]
    stored: Mapping[str, Iterable[str]]  # record ids by table name

    def records(self) -> dict[str, str]:
        """Each record the change stored, as it now is, in a JSON array by table name
        (``contacts``, ``items``, ``invoices``), from the tables' caches: a record is
        serialised once for the answer and the state file both."""
        arrays = {}
        for name, ids in self.stored.items():
            table = self.tables[name]
            # An id whose record is gone was a create a savepoint undid.
            present = [record for record in map(table.get, ids) if record is not None]
            if present:
                arrays[name] = table.json_array(present)
        return arrays


@dataclass
class Outcome:
    """What became of one element of a PUT or POST: the record and its validation errors.

    ``record`` is the stored record when ``saved``; otherwise the element as understood, with
    its id (the zero GUID for an element that would have been new).
    """

    record: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    saved: bool = False


class Ledger:
    """The state and rules of one organisation (thread-safe: one lock for everything)."""

    def __init__(
        self,
        tenant_id: str,
        clock: SandboxClock,
        *,
        organisation: Mapping[str, Any],
        accounts: Sequence[Mapping[str, Any]],
        tax_rates: Sequence[Mapping[str, Any]],
        currencies: Sequence[Mapping[str, Any]],
        currency_rates: Mapping[str, Any] | None = None,
        seed: str = "empty",
    ) -> None:
        self.tenant_id = tenant_id
        self.clock = clock
        self.seed = seed
        self.lock = threading.RLock()
        self.organisation: dict[str, Any] = dict(organisation)
        self.accounts: list[dict[str, Any]] = [dict(each) for each in accounts]
        self.tax_rates: list[dict[str, Any]] = [dict(each) for each in tax_rates]
        self.currencies: list[dict[str, Any]] = [dict(each) for each in currencies]
        # Units of each foreign currency per unit of the base currency (Xero's CurrencyRate).
        self.currency_rates: dict[str, Decimal] = {
            code: Decimal(str(rate)) for code, rate in (currency_rates or {}).items()
        }
        self.contacts = Table(
            "ContactID",
            {
                "name": _folded("Name"),
                "account_number": _folded("AccountNumber"),
                "email": _folded("EmailAddress"),
                "number": _exact("ContactNumber"),
            },
        )
        self.items = Table("ItemID", {"code": _folded("Code"), "code_exact": _exact("Code")})
        self.invoices = Table(
            "InvoiceID",
            {
                "number": _accrec_number,
                "number_exact": _exact("InvoiceNumber"),
                "reference": _exact("Reference"),
                "contact": _invoice_contact,
            },
        )
        self.next_invoice_number = 1
        self.version = 0
        self._tables = {"contacts": self.contacts, "items": self.items, "invoices": self.invoices}
        self._undo: list[Callable[[], object]] | None = None
        # What the transaction under way stored, by table name: record ids (ordered, unique).
        self._stored: dict[str, dict[str, None]] = {}
        self._listeners: list[Callable[[Change], None]] = []

    @property
    def name(self) -> str:
        return str(self.organisation.get("Name") or "")

    @property
    def base_currency(self) -> str:
        return str(self.organisation.get("BaseCurrency") or "")

    def now(self) -> datetime:
        return self.clock.now()

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    def on_change(self, listener: Callable[[Change], None]) -> None:
        """Call ``listener`` with each committed change, under the ledger lock (so in the order
        of the changes, and before the request that made it is answered)."""
        self._listeners.append(listener)

    def detach(self) -> None:
        """Tell no one about changes any more (the ledger was replaced: what happens to it now
        is not kept); once this returns, no listener is being called either."""
        with self.lock:
            self._listeners.clear()

    # --- reference data -------------------------------------------------------------------------

    def account(self, code: str) -> dict[str, Any] | None:
        """The account with this code (codes compare case-insensitively, as in Xero)."""
        wanted = code.strip().lower()
        return next((each for each in self.accounts if str(each["Code"]).lower() == wanted), None)

    def account_with_id(self, account_id: str) -> dict[str, Any] | None:
        """The account with this AccountID (GUIDs compare case-insensitively)."""
        wanted = account_id.strip().lower()
        return next(
            (each for each in self.accounts if str(each["AccountID"]).lower() == wanted), None
        )

    def tax_rate(self, tax_type: str) -> dict[str, Any] | None:
        wanted = tax_type.strip().upper()
        return next((each for each in self.tax_rates if each["TaxType"] == wanted), None)

    def currency(self, code: str) -> dict[str, Any] | None:
        wanted = code.strip().upper()
        return next((each for each in self.currencies if each["Code"] == wanted), None)

    # --- lookups used by the rules --------------------------------------------------------------

    def item_by_code(self, code: str) -> Record | None:
        """The item whose Code equals ``code`` case- and accent-insensitively."""
        found = self.items.find("code", fold(code)) if code else []
        return found[0] if found else None

    def active_contacts_named(self, name: str) -> list[Record]:
        return [
            each
            for each in self.contacts.find("name", fold(name))
            if each.get("ContactStatus", "ACTIVE") == "ACTIVE"
        ]

    # --- changes --------------------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, keep: Callable[[], bool] = lambda: True) -> Iterator[None]:
        """Run a batch under the lock; undo everything it stored unless ``keep()`` says so.

        An exception (such as :class:`PostDataInvalid`) undoes the batch too and propagates.
        """
        with self.lock:
            if self._undo is not None:
                raise RuntimeError("transactions do not nest")
            self._undo = []
            self._stored = {}
            sequence = self.next_invoice_number
            try:
                yield
                kept = keep()
            except BaseException:
                self._rollback(sequence)
                raise
            if not kept:
                self._rollback(sequence)
                return
            changed = bool(self._undo) or sequence != self.next_invoice_number
            self._undo = None
            stored, self._stored = self._stored, {}
            if changed:
                self._changed(stored)

    def _rollback(self, sequence: int) -> None:
        undo, self._undo = self._undo or [], None
        self._stored = {}
        for step in reversed(undo):
            step()
        self.next_invoice_number = sequence

    def save(
        self,
        table: Table,
        record: dict[str, Any],
        existing: Record | None,
        errors: list[str],
        order: tuple[str, ...],
    ) -> Outcome:
        """Store a new or updated record unless ``errors`` (Xero's validation messages) refuse
        it; the outcome either way. A new record gets a new id (keys in ``order``), or the zero
        GUID when refused."""
        if errors:
            if existing is None:
                record[table.id_field] = ZERO_GUID
            return Outcome(record=record, errors=errors)
        if existing is None:
            record[table.id_field] = self.new_id()
            record = ordered(record, order)
        self.store(table, record)
        return Outcome(record=record, saved=True)

    def store(self, table: Table, record: Record) -> None:
        """Store a record inside a transaction (or alone, committing at once)."""
        with self.lock:
            previous = table.put(record)
            record_id = str(record[table.id_field])
            name = next(name for name, each in self._tables.items() if each is table)
            if self._undo is None:
                self._changed({name: {record_id: None}})
                return
            # Kept even if a savepoint undoes it: the change then carries the record as it is.
            self._stored.setdefault(name, {})[record_id] = None
            if previous is None:
                self._undo.append(partial(table.remove, record_id))
            else:
                self._undo.append(partial(table.put, previous))

    def savepoint(self) -> int:
        """A point inside the current transaction that :meth:`rollback_to` can return to."""
        if self._undo is None:
            raise RuntimeError("savepoints exist only inside a transaction")
        return len(self._undo)

    def rollback_to(self, point: int) -> None:
        """Undo what was stored since ``point`` (one failed element of a batch)."""
        if self._undo is None:
            raise RuntimeError("savepoints exist only inside a transaction")
        steps = self._undo[point:]
        del self._undo[point:]
        for step in reversed(steps):
            step()

    def take_invoice_number(self) -> str:
        """The next free number of the organisation's sequence (INV-0001, ...), used up."""
        with self.lock:
            while True:
                number = f"{INVOICE_NUMBER_PREFIX}{self.next_invoice_number:04d}"
                self.next_invoice_number += 1
                if not self.invoices.find("number", fold(number)):
                    return number

    def _changed(self, stored: Mapping[str, Iterable[str]]) -> None:
        self.version += 1
        change = Change(self.tenant_id, self.next_invoice_number, self._tables, stored)
        for listener in self._listeners:
            listener(change)

    # --- direct set-up for tests ----------------------------------------------------------------

    def set_contact_status(self, contact_id: str, status: str) -> Record:
        """Archive (``"ARCHIVED"``) or restore a contact directly, bypassing the API's rules."""
        with self.lock:
            contact = self.contacts.get(contact_id)
            if contact is None:
                raise KeyError(contact_id)
            changed = dict(contact, ContactStatus=status, UpdatedDateUTC=ms_date(self.now()))
            self.store(self.contacts, changed)
            return changed

    # --- state ----------------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything, JSON-able (amounts stay ``Decimal``: write them with ``wire.dumps``)."""
        with self.lock:
            return {
                "version": STATE_VERSION,
                "tenant_id": self.tenant_id,
                "seed": self.seed,
                "organisation": self.organisation,
                "accounts": self.accounts,
                "tax_rates": self.tax_rates,
                "currencies": self.currencies,
                "currency_rates": self.currency_rates,
                "contacts": [dict(each) for each in self.contacts],
                "items": [dict(each) for each in self.items],
                "invoices": [dict(each) for each in self.invoices],
                "next_invoice_number": self.next_invoice_number,
            }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], clock: SandboxClock) -> Ledger:
        """A ledger as :meth:`to_state` wrote it (read with ``parse_float=Decimal``)."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unknown sandbox state version {state.get('version')!r}")
        ledger = cls(
            str(state["tenant_id"]),
            clock,
            organisation=state["organisation"],
            accounts=state["accounts"],
            tax_rates=state["tax_rates"],
            currencies=state["currencies"],
            currency_rates=state.get("currency_rates"),
            seed=str(state.get("seed") or "empty"),
        )
        ledger.load_records(state["contacts"], state["items"], state["invoices"])
        ledger.next_invoice_number = int(state.get("next_invoice_number") or 1)
        return ledger

    def replay(
        self, records: Mapping[str, Iterable[Mapping[str, Any]]], next_invoice_number: int
    ) -> None:
        """Put back a journaled :class:`Change` (loading state): its records as they are, by
        table name, and the sequence where it was, if further (no rules, no notification)."""
        with self.lock:
            for name, each in records.items():
                table = self._tables[name]
                for record in each:
                    table.put(dict(record))
            self.next_invoice_number = max(self.next_invoice_number, next_invoice_number)

    def load_records(
        self,
        contacts: Iterable[Mapping[str, Any]],
        items: Iterable[Mapping[str, Any]],
        invoices: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        """Put records in as they are (seeding and loading state; no rules, no notification)."""
        with self.lock:
            for table, records in (
                (self.contacts, contacts),
                (self.items, items),
                (self.invoices, invoices),
            ):
                for record in records:
                    table.put(dict(record))


__all__ = ["Change", "Ledger", "Outcome", "PostDataInvalid"]
