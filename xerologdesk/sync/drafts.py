"""What the sync sends to Xero for an order, built from the order and the settings: the item
Auto Sync creates for a missing SKU, and the order's invoice (its lines, tax types, account, due
date and number). No calls to Xero here: the engine sends what these build.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from xerologdesk.store import xero_seen
from xerologdesk.store.book import LineData
from xerologdesk.sync.checks import item_name
from xerologdesk.sync.results import BatchOrder
from xerologdesk.xero.records import NewInvoice, NewItem, NewLine, XeroItem

Setting = Callable[[str], Any]  # a setting's value by key


def item_key(code: str) -> str:
    """Xero's item codes are unique regardless of case."""
    return code.strip().casefold()


def code_of(order: BatchOrder, line: LineData) -> str:
    """The Xero item code a line is sold as: its SKU, or the code the user mapped it to."""
    return order.item_codes.get(item_key(line.sku), line.sku)


def _tax_type(setting: Setting, line: LineData) -> str:
    return str(setting("default_tax_rate" if line.taxable else "default_non_taxable_tax_rate"))


def new_item(setting: Setting, line: LineData) -> NewItem:
    """The item Auto Sync creates for ``line``'s SKU, at the product's own price."""
    return NewItem(
        code=line.sku.strip(),
        name=item_name(line),
        description=line.description.strip(),
        unit_price=line.product_price,
        account_code=setting("default_sales_account"),
        tax_type=_tax_type(setting, line),
    )


def invoice_numbers(setting: Setting, orders: list[BatchOrder]) -> dict[int, str]:
    """The invoice number of each order, by order id, when ``invoice_number_from_order_ref``
    is on (else none: Xero numbers them): the order ref, and for an order sent again the ref
    with "-2", "-3"... by how many invoices it had before, since Xero keeps a voided or deleted
    invoice's number taken. Finding a lost answer does not mind: it goes by Reference, which
    stays the order ref."""
    if not setting("invoice_number_from_order_ref"):
        return {}
    earlier = xero_seen.earlier_invoice_counts([order.data.id for order in orders])
    return {
        order.data.id: (
            f"{order.data.ref}-{earlier[order.data.id] + 1}"
            if order.data.id in earlier
            else order.data.ref
        )
        for order in orders
    }


def new_invoice(
    setting: Setting, order: BatchOrder, items: dict[str, XeroItem], number: str
) -> NewInvoice:
    """The invoice of ``order``, numbered ``number`` ("": Xero numbers it)."""
    data = order.data
    lines = tuple(
        NewLine(
            # Xero's own spelling of the code (the mapped one for a mapped SKU)
            item_code=items[item_key(code_of(order, line))].code,
            description=line.description or line.name,
            quantity=line.quantity,
            unit_amount=line.unit_price,
            tax_type=_tax_type(setting, line),
            account_code=setting("default_sales_account"),
        )
        for line in data.lines
    )
    return NewInvoice(
        reference=data.ref,
        contact_id=order.contact_id,
        date=data.posted_date,
        currency=data.currency,
        status=setting("invoice_status"),
        lines=lines,
        invoice_number=number,
        due_date=_due_date(setting, data.posted_date),
    )


def _due_date(setting: Setting, posted: date) -> date | None:
    """The ``due_in_days`` setting applied to the posted date; None leaves it to Xero."""
    days = setting("due_in_days")
    return posted + timedelta(days=int(days)) if days else None
