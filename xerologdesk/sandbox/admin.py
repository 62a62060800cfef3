"""The sandbox's own endpoints under ``/_sandbox/`` (no token needed: it listens on loopback only).

- ``GET /_sandbox/state[?tenant=ID]``: the organisation's contacts, items and invoices (Xero's JSON
  shape), its organisation record, every tenant, the clock, the limits, the faults, and ``calls``:
  ``{"PUT /Invoices": 3, "GET /Contacts": 12, ...}`` (method and collection; ids and query left
  out), counted since start or the last reset, and ``held_calls`` (calls a ``hold`` fault holds).
- ``POST /_sandbox/reset`` ``{"seed": "demo"}`` (optional): back to a freshly seeded primary
  organisation (same tenant id; added organisations dropped), no calls counted, no faults, limit
  windows and idempotency keys forgotten. Tokens and connections stay, so a connected app keeps
  working.
- ``POST /_sandbox/clock`` ``{"advance_seconds": N}``: move the sandbox clock forward.
- ``GET``/``POST /_sandbox/limits`` ``{"minute": N, "day": N, "concurrent": N}`` (each optional,
  0 = no limit): the limits in force.
- ``GET``/``POST /_sandbox/faults``: the fault configuration (see :mod:`faults`).
- ``POST /_sandbox/faults/release``: let the calls a ``hold`` fault holds take effect and be
  answered; answers ``{"released": N}`` once they have.
- ``GET /_sandbox/invoices/{InvoiceID}``: an HTML page showing the invoice, the sandbox's stand-in
  for "Open in Xero".
- ``POST /_sandbox/invoices/{InvoiceID}[?tenant=ID]``: what an accountant does to an invoice in
  Xero: ``{"status": "AUTHORISED" | "VOIDED" | "DELETED"}`` or ``{"pay": "12.50", "account":
  "090"}`` (``account`` optional: the first bank account; ``date`` optional). The API's rules
  and messages apply (a paid invoice cannot be voided, ...); answers ``{"invoice": {...}}``, or
  400 ``{"error": "...", "messages": [Xero's messages]}`` when refused.

Bad input answers 400 ``{"error": "..."}``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

from xerologdesk.sandbox.http import Request, Response, html_response, json_response
from xerologdesk.sandbox.ledger import Ledger
from xerologdesk.sandbox.resources import invoices, payments
from xerologdesk.sandbox.wire import parse_day

ADMIN_PREFIX = "/_sandbox"


class Admin(Protocol):
    """What the admin endpoints drive (the :class:`~xerologdesk.sandbox.facade.Sandbox`)."""

    def state(self, tenant_id: str | None = None) -> dict[str, Any]: ...
    def reset(self, seed: str | None = None) -> None: ...
    def advance_clock(self, seconds: float) -> str: ...
    def set_limits(
        self, minute: int | None = None, day: int | None = None, concurrent: int | None = None
    ) -> dict[str, int]: ...
    def limits(self) -> dict[str, int]: ...
    def set_faults(self, config: Mapping[str, Any]) -> dict[str, Any]: ...
    def faults(self) -> dict[str, Any]: ...
    def release_held(self) -> int: ...
    def ledger(self, tenant_id: str | None = None) -> Ledger: ...


def handles(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def _error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


def _body(request: Request) -> dict[str, Any]:
    if not request.body.strip():
        return {}
    body = request.json()
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def handle(request: Request, admin: Admin) -> Response:
    """Answer one ``/_sandbox/...`` request."""
    route = request.path[len(ADMIN_PREFIX) :].strip("/").lower()
    method = request.method.upper()
    try:
        if route == "state" and method == "GET":
            return _state(request, admin)
        if route == "reset" and method == "POST":
            seed = _body(request).get("seed")
            admin.reset(seed)
            return json_response(200, {"reset": True, "tenantId": admin.ledger().tenant_id})
        if route == "clock" and method == "POST":
            return _clock(request, admin)
        if route == "limits":
            if method == "POST":
                body = _body(request)
                limits = admin.set_limits(
                    body.get("minute"), body.get("day"), body.get("concurrent")
                )
                return json_response(200, limits)
            return json_response(200, admin.limits())
        if route == "faults":
            if method == "POST":
                return json_response(200, admin.set_faults(_body(request)))
            return json_response(200, admin.faults())
        if route == "faults/release" and method == "POST":
            return json_response(200, {"released": admin.release_held()})
        if route.startswith("invoices/") and method == "GET":
            return _invoice_page(admin, request.path.rsplit("/", 1)[1])
        if route.startswith("invoices/") and method == "POST":
            ledger = admin.ledger(request.param("tenant"))
            return _act_on_invoice(ledger, request.path.rsplit("/", 1)[1], _body(request))
    except KeyError as error:
        return _error(400, f"no organisation {error.args[0]}")
    except ValueError as error:
        return _error(400, str(error))
    return _error(404, f"no such sandbox endpoint: {method} {request.path}")


def _state(request: Request, admin: Admin) -> Response:
    try:
        state = admin.state(request.param("tenant"))
    except KeyError:
        return _error(404, f"no organisation {request.param('tenant')}")
    return json_response(200, state)


def _clock(request: Request, admin: Admin) -> Response:
    seconds = _body(request).get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float | Decimal) or seconds < 0:
        raise ValueError("advance_seconds must be a number of seconds, 0 or more")
    return json_response(200, {"now": admin.advance_clock(float(seconds))})


def _invoice_page(admin: Admin, invoice_id: str) -> Response:
    for tenant in admin.state()["tenants"]:
        ledger = admin.ledger(tenant["tenantId"])
        with ledger.lock:
            invoice = ledger.invoices.get(invoice_id)
        if invoice is not None:
            return html_response(200, render_invoice(invoice, ledger.name))
    return html_response(404, "<!doctype html><title>Not found</title><p>No such invoice.</p>")


def _act_on_invoice(ledger: Ledger, invoice_id: str, body: Mapping[str, Any]) -> Response:
    """Change an invoice's status, or pay it, through the API's own rules."""
    status, amount = body.get("status"), body.get("pay")
    if (status is None) == (amount is None):
        raise ValueError('give either "status" or "pay"')
    refused: list[str] = []
    with ledger.lock:
        if ledger.invoices.get(invoice_id) is None:
            return _error(404, f"no invoice {invoice_id}")
        with ledger.transaction(keep=lambda: not refused):
            if status is not None:
                element = {"InvoiceID": invoice_id, "Status": str(status).upper()}
                outcome = invoices.save(
                    ledger, element, create_only=False, unit_places=4, path="Invoices[0]"
                )
            else:
                outcome = payments.save(ledger, _payment(ledger, invoice_id, body), "Payments[0]")
            refused.extend(outcome.errors)
        if refused:
            return json_response(400, {"error": " ".join(refused), "messages": refused})
        return json_response(200, {"invoice": ledger.invoices.get(invoice_id)})


def _payment(ledger: Ledger, invoice_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The API's payment element for an admin ``pay``: the first bank account unless named."""
    code = body.get("account") or next(
        (each["Code"] for each in ledger.accounts if each.get("Type") == "BANK"), ""
    )
    payment: dict[str, Any] = {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": code}}
    try:
        payment["Amount"] = Decimal(str(body["pay"]))
    except ArithmeticError:
        raise ValueError('"pay" must be an amount') from None
    if body.get("date"):
        payment["Date"] = str(body["date"])
    return payment


def _money(value: Any) -> str:
    return f"{Decimal(str(value or 0)):,.2f}"


def _day(value: Any) -> str:
    try:
        return parse_day(value).isoformat()
    except ValueError:
        return ""


def render_invoice(invoice: Mapping[str, Any], organisation: str) -> str:
    """The invoice as a small, self-contained HTML page."""
    e = html.escape
    contact = invoice.get("Contact") or {}
    rows = "".join(
        "<tr>"
        f"<td>{e(str(line.get('ItemCode') or ''))}</td>"
        f"<td>{e(str(line.get('Description') or ''))}</td>"
        f"<td class=n>{e(str(line.get('Quantity', '')))}</td>"
        f"<td class=n>{_money(line.get('UnitAmount'))}</td>"
        f"<td>{e(str(line.get('TaxType') or ''))}</td>"
        f"<td class=n>{_money(line.get('LineAmount'))}</td>"
        "</tr>"
        for line in invoice.get("LineItems") or []
    )
    number = e(str(invoice.get("InvoiceNumber") or "(no number)"))
    currency = e(str(invoice.get("CurrencyCode") or ""))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice {number}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ccc;padding:.3em .8em;text-align:left}}.n{{text-align:right}}
</style></head><body>
<p>{e(organisation)} &middot; sandbox</p>
<h1>Invoice {number}</h1>
<dl>
<dt>Status</dt><dd>{e(str(invoice.get("Status") or ""))}</dd>
<dt>Contact</dt><dd>{e(str(contact.get("Name") or ""))}</dd>
<dt>Reference</dt><dd>{e(str(invoice.get("Reference") or ""))}</dd>
<dt>Date</dt><dd>{_day(invoice.get("Date"))}</dd>
<dt>Due</dt><dd>{_day(invoice.get("DueDate"))}</dd>
<dt>Amounts are</dt><dd>{e(str(invoice.get("LineAmountTypes") or ""))}</dd>
</dl>
<table><thead><tr><th>Item</th><th>Description</th><th class=n>Qty</th><th class=n>Price</th>
<th>Tax</th><th class=n>Amount {currency}</th></tr></thead><tbody>{rows}</tbody></table>
<p>Subtotal {_money(invoice.get("SubTotal"))} &middot; Tax {_money(invoice.get("TotalTax"))}
&middot; <strong>Total {currency} {_money(invoice.get("Total"))}</strong></p>
<p><small>InvoiceID {e(str(invoice.get("InvoiceID") or ""))}</small></p>
</body></html>
"""
