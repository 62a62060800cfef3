"""The guard that never doubles an invoice: what Xero already holds under an order's Reference.

Before an order's invoice is first sent, its Reference is looked up in Xero
(:func:`adopt_invoices_in_xero`), for when the log lost what it sent (a database deleted mid-run,
or restored from an old backup). Reconciling a lost answer (:mod:`xerologdesk.sync.outbox`)
looks invoices up the same way (:func:`live_invoices`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from xerologdesk.store.vocabulary import Action, OutboxKind, Status
from xerologdesk.sync.results import BatchOrder, OrderResult, ResultWriter
from xerologdesk.xero.gateway import XeroGateway
from xerologdesk.xero.records import XeroInvoice

ALREADY_IN_XERO = (
    "Xero already had this order's invoice (same reference and contact), though this log had "
    "no record of sending it; not sent again."
)


@dataclass(frozen=True)
class InvoicesFound:
    """Xero's sales invoices under some References: those that still stand for their orders,
    in Xero's order, and the ids of those voided or deleted."""

    live: list[XeroInvoice]
    dead: set[str]


def live_invoices(gateway: XeroGateway, refs: Iterable[str]) -> InvoicesFound:
    """Look the References up in Xero, 40 to a call; what stands for its order and what not."""
    found = InvoicesFound([], set())
    for invoice in gateway.invoices_by_reference(refs):
        if invoice.voided_or_deleted:
            found.dead.add(invoice.invoice_id)
        else:
            found.live.append(invoice)
    return found


@dataclass
class Adoption:
    """Ready orders split by :func:`adopt_invoices_in_xero`."""

    adopted: list[OrderResult] = field(default_factory=list)
    to_send: list[BatchOrder] = field(default_factory=list)


def adopt_invoices_in_xero(
    gateway: XeroGateway, writer: ResultWriter, ready: list[BatchOrder], action: Action
) -> Adoption:
    """Settle the orders Xero already has an invoice for; the rest are to be sent.

    Every order's Reference is looked up before sending. A live sales invoice with the order's
    Reference for the order's contact is this order's invoice, created earlier: it is adopted as
    Succeeded, not sent. One for another contact is someone else's and leaves the order to be
    sent.
    """
    adoption = Adoption()
    if not ready:
        return adoption
    found: dict[tuple[str, str], XeroInvoice] = {}
    for invoice in live_invoices(gateway, (order.data.ref for order in ready)).live:
        found.setdefault((invoice.reference, invoice.contact_id), invoice)
    for order in ready:
        existing = found.get((order.data.ref, order.contact_id))
        if existing is None:
            adoption.to_send.append(order)
        else:
            # The invoice step's part of the trace, beside the customer's and the products'.
            order.trace[OutboxKind.INVOICE] = {"found_in_xero": existing.invoice_number}
            adoption.adopted.append(
                writer.finish(order, action, Status.SUCCEEDED, existing, note=ALREADY_IN_XERO)
            )
    writer.flush()
    return adoption
