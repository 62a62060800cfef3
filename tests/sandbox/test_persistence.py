"""The state file: organisations and connections survive a restart; writes are atomic; each
change is journaled before it is answered, and the journal is folded into the snapshot."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from sandbox_helpers import contact, contact_id, contacts, invoice, invoices

from xerologdesk.sandbox import Sandbox, persistence

pytestmark = pytest.mark.timeout(60)


def test_records_tokens_and_the_sequence_survive_a_restart(tmp_path, xero_factory) -> None:
    path = tmp_path / "sandbox.json"
    with Sandbox(state_path=path, minute_limit=0) as first:
        xero = xero_factory(first)
        xero.api.create_contacts(xero.tenant, contacts(contact("Kept Café", "K-1")))
        xero.api.create_invoices(xero.tenant, invoices(invoice(contact_id(first, "C-1001"))))
        tenant = first.primary_tenant_id
        token = xero.token
    assert path.exists()
    # No temporary left; the journal is empty, the lock file free.
    assert sorted(each.name for each in tmp_path.iterdir()) == [
        "sandbox.json",
        "sandbox.json.journal",
        "sandbox.json.lock",
    ]

    with Sandbox(state_path=path, minute_limit=0) as second:
        assert second.primary_tenant_id == tenant
        again = xero_factory(second, token)  # the token issued before the restart still works
        found = again.api.get_contacts(tenant, where='AccountNumber=="K-1"').contacts
        assert [each.name for each in found] == ["Kept Café"]
        (created,) = again.api.create_invoices(
            tenant, invoices(invoice(contact_id(second, "C-1002"), reference="SO-2"))
        ).invoices
        assert created.invoice_number == "INV-0002"


def test_the_file_is_json_with_a_version(tmp_path) -> None:
    path = tmp_path / "state.json"
    with Sandbox(state_path=path, seed="empty"):
        pass
    state = json.loads(path.read_text(encoding="utf-8"))
    assert state["version"] == 1
    assert state["organisations"]["ledgers"][0]["organisation"]["Name"] == "Sandbox Organisation"


def test_a_state_file_of_an_unknown_version_is_refused(tmp_path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"version": 99}', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown sandbox state version"):
        Sandbox(state_path=path)


def test_without_a_state_file_nothing_is_written(tmp_path) -> None:
    with Sandbox(seed="empty"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_the_journal_is_folded_into_the_snapshot(tmp_path, xero_factory) -> None:
    path = tmp_path / "sandbox.json"
    journal = persistence.journal_path(path)
    with Sandbox(state_path=path, minute_limit=0) as sandbox:
        xero = xero_factory(sandbox)
        (created,) = xero.api.create_invoices(
            xero.tenant, invoices(invoice(contact_id(sandbox, "C-1001"), reference="SO-9"))
        ).invoices
    assert journal.read_bytes() == b""
    if os.name == "posix":  # customers' invoices: private, as the snapshot is
        assert stat.S_IMODE(journal.stat().st_mode) == stat.S_IMODE(path.stat().st_mode) == 0o600
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    (ledger,) = snapshot["organisations"]["ledgers"]
    assert [each["InvoiceNumber"] for each in ledger["invoices"]] == [created.invoice_number]
    assert ledger["next_invoice_number"] == 2


def journal_line(epoch: int, change: dict[str, Any]) -> bytes:
    return json.dumps([epoch, change]).encode() + b"\n"


def stopped_sandbox(path: Path) -> tuple[str, dict[str, Any], int]:
    """A state file with the demo organisation: its tenant id, a contact, its epoch."""
    with Sandbox(state_path=path) as sandbox:
        tenant = sandbox.primary_tenant_id
        customer = dict(sandbox.ledger().contacts.get(contact_id(sandbox, "C-1001")) or {})
    return tenant, customer, json.loads(path.read_text(encoding="utf-8"))["journal_epoch"]


def test_a_torn_last_journal_line_is_ignored(tmp_path) -> None:
    path = tmp_path / "sandbox.json"
    tenant, customer, epoch = stopped_sandbox(path)
    renamed = dict(customer, Name="Renamed Before The Crash")
    change = {"tenant": tenant, "records": {"contacts": [renamed]}, "next_invoice_number": 7}
    whole = journal_line(epoch, change)
    persistence.journal_path(path).write_bytes(whole + whole[: len(whole) // 2])

    with Sandbox(state_path=path) as sandbox:
        ledger = sandbox.ledger()
        assert ledger.contacts.get(customer["ContactID"])["Name"] == "Renamed Before The Crash"
        assert ledger.next_invoice_number == 7
        sandbox.ledger().set_contact_status(customer["ContactID"], "ARCHIVED")  # journaled after
    with Sandbox(state_path=path) as again:  # the torn bytes did not spoil the next line
        assert again.ledger().contacts.get(customer["ContactID"])["ContactStatus"] == "ARCHIVED"


def test_a_damaged_journal_line_before_the_last_is_refused(tmp_path) -> None:
    path = tmp_path / "sandbox.json"
    tenant, customer, epoch = stopped_sandbox(path)
    change = {"tenant": tenant, "records": {"contacts": [customer]}, "next_invoice_number": 2}
    persistence.journal_path(path).write_bytes(b"[1,{torn\n" + journal_line(epoch, change))
    with pytest.raises(ValueError, match="line 1, is damaged"):
        Sandbox(state_path=path)


def test_journal_lines_the_snapshot_holds_are_not_replayed(tmp_path) -> None:
    """A line of an epoch before the snapshot's (here: the organisation before a reset)."""
    path = tmp_path / "sandbox.json"
    tenant, customer, epoch = stopped_sandbox(path)
    stale = dict(customer, Name="Before The Snapshot")
    change = {"tenant": tenant, "records": {"contacts": [stale]}, "next_invoice_number": 50}
    persistence.journal_path(path).write_bytes(journal_line(epoch - 1, change))
    with Sandbox(state_path=path) as sandbox:
        assert sandbox.ledger().contacts.get(customer["ContactID"])["Name"] == customer["Name"]
        assert sandbox.ledger().next_invoice_number == 1


def test_a_change_made_while_the_snapshot_is_written_stays_in_the_journal(tmp_path) -> None:
    path = tmp_path / "state.json"
    during = {"tenant": "t", "records": {}, "next_invoice_number": 3}
    persister: persistence.Persister

    def snapshot() -> dict[str, Any]:
        persister.append(lambda: json.dumps(during))  # a call answered meanwhile
        return {"version": 1}

    persister = persistence.Persister(path, snapshot)
    persister.start()  # the first snapshot (epoch 1), one change made while it was taken
    try:
        assert persistence.read_journal(persister.journal_path) == [(1, during)]
        persister.flush()  # epoch 2: the first line goes, the one made meanwhile stays
        assert persistence.read_journal(persister.journal_path) == [(2, during)]
        saved = persistence.load(path)
        assert saved is not None
        assert (saved.epoch, saved.changes) == (2, [during])
    finally:
        persister.stop()


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_journal_an_append_creates_is_private(tmp_path) -> None:
    """Not only when a compaction wrote it first (gone, say, by a clean-up of the folder)."""
    persister = persistence.Persister(tmp_path / "state.json", lambda: {"version": 1})
    persister.start()
    try:
        persister.journal_path.unlink()
        persister.append(lambda: "{}")
        assert stat.S_IMODE(persister.journal_path.stat().st_mode) == 0o600
    finally:
        persister.stop()


def test_a_snapshot_that_fails_for_any_reason_leaves_the_writer_running(
    tmp_path, monkeypatch
) -> None:
    """A snapshot that raises (a bug in a resource's state, not only a full disk) is logged and
    the next change is still written: the changes wait in the journal meanwhile."""
    monkeypatch.setattr(persistence, "SNAPSHOT_DELAY_SECONDS", 0)
    failed, written = threading.Event(), threading.Event()
    tries: list[int] = []

    def snapshot() -> dict[str, Any]:
        tries.append(len(tries))
        if len(tries) == 2:  # the writer thread's first snapshot (the first is start()'s)
            failed.set()
            raise ValueError("a state that cannot be saved")
        if len(tries) == 3:
            written.set()
        return {"version": 1}

    persister = persistence.Persister(tmp_path / "state.json", snapshot)
    persister.start()
    try:
        persister.append(lambda: "{}")  # its snapshot fails
        assert failed.wait(timeout=30)
        persister.append(lambda: "{}")  # and the next change's is still taken
        assert written.wait(timeout=30)
    finally:
        persister.stop()
