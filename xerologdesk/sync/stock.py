"""Stock on hand: the quantities Xero's price list holds for the products of synced orders.

Read back after a run that made invoices, when the ``retrieve_stock_on_hand`` setting is on
(see :mod:`xerologdesk.sync.runner`), and stored on each product.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from xerologdesk.store import book
from xerologdesk.sync.drafts import item_key
from xerologdesk.xero.gateway import XeroGateway


def refresh_stock(
    gateway: XeroGateway, order_ids: Sequence[int], now: Callable[[], datetime]
) -> int:
    """Read the price list again and store its quantities on hand for these orders' products;
    how many products got one.

    Xero commits stock only for authorised invoices, so drafts leave it unchanged.
    """
    items = {item_key(item.code): item for item in gateway.items()}
    stock: dict[int, Decimal] = {}
    for order in book.load_orders(list(order_ids)):
        for line in order.lines:
            item = items.get(item_key(line.sku))
            if item is not None and item.quantity_on_hand is not None:
                stock[line.product_id] = item.quantity_on_hand
    if stock:
        book.update_stock(stock, now())
    return len(stock)
