"""The state file: organisations and connections survive a restart; writes are atomic."""

from __future__ import annotations

import json

import pytest
from sandbox_helpers import contact, contact_id, contacts, invoice, invoices

from xerologdesk.sandbox import Sandbox

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
    assert [each.name for each in tmp_path.iterdir()] == ["sandbox.json"]  # no temporary left

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
