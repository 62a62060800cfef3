"""Small builders and plain-HTTP helpers shared by the sandbox tests."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import urllib3
from xero_python.accounting import (
    Contact,
    Contacts,
    CurrencyCode,
    Invoice,
    Invoices,
    Item,
    Items,
    LineAmountTypes,
    LineItem,
    Purchase,
)

from xerologdesk.sandbox import Sandbox

_http = urllib3.PoolManager(retries=False)


def admin(sandbox: Sandbox, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call a ``/_sandbox/...`` endpoint; (status, parsed JSON or text)."""
    data = json.dumps(body).encode() if body is not None else None
    response = _http.request(
        method, sandbox.base_url + path, body=data, headers={"Content-Type": "application/json"}
    )
    text = response.data.decode("utf-8")
    try:
        return response.status, json.loads(text, parse_float=Decimal)
    except ValueError:
        return response.status, text


def raw(
    sandbox: Sandbox,
    method: str,
    path: str,
    token: str | None = None,
    tenant: str | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> urllib3.BaseHTTPResponse:
    """A plain HTTP call to the sandbox (for what the SDK cannot send)."""
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    if tenant is not None:
        all_headers["xero-tenant-id"] = tenant
    return _http.request(method, sandbox.base_url + path, body=body, headers=all_headers)


def write_raw(xero: Any, method: str, resource: str, payload: Any, summarize: bool = False) -> Any:
    """PUT or POST raw JSON (what xero-python refuses to send); the parsed answer."""
    query = "" if summarize else "?summarizeErrors=false"
    response = raw(
        xero.sandbox,
        method,
        f"/api.xro/2.0/{resource}{query}",
        token=xero.token["access_token"],
        tenant=xero.tenant,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    return json.loads(response.data.decode("utf-8"), parse_float=Decimal)


def contact(name: str, account_number: str | None = None, **fields: Any) -> Contact:
    return Contact(name=name, account_number=account_number, **fields)


def contacts(*each: Contact) -> Contacts:
    return Contacts(contacts=list(each))


def item(code: str, name: str | None = None, price: str = "10.00", **fields: Any) -> Item:
    return Item(
        code=code,
        name=name if name is not None else code.title(),
        sales_details=Purchase(unit_price=Decimal(price), account_code="200", tax_type="OUTPUT"),
        **fields,
    )


def items(*each: Item) -> Items:
    return Items(items=list(each))


def line(
    item_code: str | None = "BEAN-HOUSE-1KG",
    quantity: str = "1",
    unit_amount: str | None = "10.00",
    account_code: str | None = "200",
    tax_type: str | None = "OUTPUT",
    **fields: Any,
) -> LineItem:
    return LineItem(
        item_code=item_code,
        description=fields.pop("description", "Line"),
        quantity=Decimal(quantity),
        unit_amount=Decimal(unit_amount) if unit_amount is not None else None,
        account_code=account_code,
        tax_type=tax_type,
        **fields,
    )


def invoice(
    contact_id: str,
    *lines: LineItem,
    reference: str = "SO-1001",
    status: str = "DRAFT",
    amounts: str = "Exclusive",
    currency: str = "AUD",
    **fields: Any,
) -> Invoice:
    return Invoice(
        type=fields.pop("type", "ACCREC"),
        contact=Contact(contact_id=contact_id),
        date=fields.pop("date", date(2026, 5, 1)),
        reference=reference,
        status=status,
        line_amount_types=LineAmountTypes(amounts),
        currency_code=CurrencyCode(currency),
        line_items=list(lines) or [line()],
        **fields,
    )


def invoices(*each: Invoice) -> Invoices:
    return Invoices(invoices=list(each))


def contact_id(sandbox: Sandbox, account_number: str) -> str:
    """The ContactID of a demo contact, by its AccountNumber."""
    ledger = sandbox.ledger()
    with ledger.lock:
        for record in ledger.contacts:
            if record.get("AccountNumber") == account_number:
                return str(record["ContactID"])
    raise KeyError(account_number)
