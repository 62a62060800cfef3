"""Links for people: an invoice in Xero (or, for the sandbox, the sandbox's page of it)."""

from __future__ import annotations

from urllib.parse import quote

from xerologdesk.store.book import ConnectionData

XERO_INVOICE_URL = "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={invoice_id}"


def invoice_url(connection: ConnectionData | None, invoice_id: str | None) -> str | None:
    """Where "Open in Xero" goes for this invoice; None without an invoice."""
    if not invoice_id:
        return None
    safe_id = quote(invoice_id, safe="")
    if connection is not None and connection.kind == "sandbox" and connection.base_url:
        return f"{connection.base_url.rstrip('/')}/_sandbox/invoices/{safe_id}"
    return XERO_INVOICE_URL.format(invoice_id=safe_id)
