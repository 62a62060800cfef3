"""What changed in Xero, as the gateway asks for it over real HTTP from the sandbox: invoices
with ``If-Modified-Since`` 100 to a page, ended by a short page or by Xero's ``pageCount``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.xero_records import new_invoice
from xerologdesk.sandbox import Sandbox
from xerologdesk.xero.gateway import BATCH_SIZE, REFRESH_PAGE_SIZE, XeroGateway

pytestmark = pytest.mark.timeout(60)


def create(gateway: XeroGateway, sandbox: Sandbox, references: list[str]) -> None:
    base = new_invoice(sandbox)
    for start in range(0, len(references), BATCH_SIZE):
        chunk = references[start : start + BATCH_SIZE]
        sent = [replace(base, reference=reference) for reference in chunk]
        assert all(each.ok for each in gateway.create_invoices(sent, f"xld-{chunk[0]}"))


def test_a_full_page_that_is_the_last_costs_one_call_and_one_more_a_second(
    gateway: XeroGateway, sandbox: Sandbox
) -> None:
    create(gateway, sandbox, [f"SO-{number}" for number in range(REFRESH_PAGE_SIZE)])
    everything = gateway.invoices_changed_since(None)
    assert (len(everything.records), everything.calls) == (REFRESH_PAGE_SIZE, 1)

    sandbox.advance_clock(1)
    create(gateway, sandbox, ["SO-LAST"])
    since = gateway.invoices_changed_since(everything.asked_at)
    assert ([each.reference for each in since.records], since.calls) == (["SO-LAST"], 1)
    again = gateway.invoices_changed_since(None)
    assert (len(again.records), again.calls) == (REFRESH_PAGE_SIZE + 1, 2)
