"""Refresh from Xero: what became of each order's invoice there, and stock on hand, asked cheaply.

Once an invoice is in Xero, the accountant approves, pays, voids or deletes it there. A refresh
asks Xero only for what changed since the last one (``If-Modified-Since``, 100 invoices to a
page), never one call per order: nothing changed costs one call per resource asked. Each change
to an order's invoice is recorded on the order's log entry (Xero status, amount due, when seen)
and in its history; an invoice voided or deleted makes the order stand out until it is sent
again or accepted (:mod:`xerologdesk.sync.lifecycle`). With the ``retrieve_stock_on_hand``
setting on, the same refresh reads the items changed since the last one and keeps each item's
QuantityOnHand on the products sold as it (a mapped SKU follows its mapping).

The next refresh's ``If-Modified-Since`` is Xero's own time of the previous ask (its answer's
``DateTimeUTC``), kept per organisation and resource, so this computer's clock never matters. A
first refresh asks for what changed since the first invoiced order was imported, less a day: no
invoice of ours is older.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from xerologdesk.settings import Settings
from xerologdesk.store import xero_seen
from xerologdesk.store.vocabulary import XERO_STATUSES, RefreshedResource, XeroStatus
from xerologdesk.store.xero_seen import InvoiceState, SeenChange
from xerologdesk.xero.gateway import XeroGateway
from xerologdesk.xero.records import XeroInvoice

# How far before the first invoiced order's import a first refresh asks from (an order imported
# on one computer may have been invoiced from a clock a little behind).
FIRST_REFRESH_MARGIN = timedelta(days=1)
_KNOWN = frozenset(status.value for status in XERO_STATUSES)


@dataclass
class RefreshSummary:
    """What one refresh saw: the orders whose invoice changed, the calls it took, and how many
    products' stock it updated (None: stock was not asked)."""

    changes: list[SeenChange] = field(default_factory=list)
    calls: int = 0
    stock_updated: int | None = None

    @property
    def line(self) -> str:
        """One sentence for people: ``Refreshed from Xero: 2 invoices changed (1 paid, ...).``"""
        counts = Counter(change.state.status.value for change in self.changes)
        what = ", ".join(f"{number} {status}" for status, number in sorted(counts.items()))
        plural = "" if len(self.changes) == 1 else "s"
        text = f"Refreshed from Xero: {len(self.changes)} invoice{plural} changed"
        text += f" ({what})." if what else "."
        if self.stock_updated is not None:
            text += f" Stock on hand of {self.stock_updated} products updated."
        return text


def refresh_from_xero(
    gateway: XeroGateway, settings: Settings, now: Callable[[], datetime]
) -> RefreshSummary:
    """Ask Xero what changed since the last refresh and record it; what was seen."""
    summary = RefreshSummary()
    tenant = gateway.client.tenant_id
    since = xero_seen.refreshed_since(tenant, RefreshedResource.INVOICES)
    if since is None:
        first = xero_seen.earliest_invoiced_order()
        since = first - FIRST_REFRESH_MARGIN if first is not None else None
    if since is not None:  # else no order has an invoice yet: nothing to ask
        changed = gateway.invoices_changed_since(since)
        summary.calls += changed.calls
        states = [_state(invoice) for invoice in changed.records if _known(invoice)]
        summary.changes = xero_seen.record_invoices(states, now())
        xero_seen.mark_refreshed(tenant, RefreshedResource.INVOICES, changed.asked_at)
    if settings.get("retrieve_stock_on_hand"):
        items_since = xero_seen.refreshed_since(tenant, RefreshedResource.ITEMS)
        items = gateway.items_changed_since(items_since)
        summary.calls += items.calls
        on_hand = {
            item.code: item.quantity_on_hand
            for item in items.records
            if item.quantity_on_hand is not None
        }
        summary.stock_updated = xero_seen.update_stock_by_code(on_hand, now())
        xero_seen.mark_refreshed(tenant, RefreshedResource.ITEMS, items.asked_at)
    return summary


def _known(invoice: XeroInvoice) -> bool:
    return invoice.status.lower() in _KNOWN


def _state(invoice: XeroInvoice) -> InvoiceState:
    return InvoiceState(
        invoice.invoice_id,
        invoice.invoice_number,
        XeroStatus(invoice.status.lower()),
        invoice.amount_due,
    )
