"""Stock on hand: the quantities Xero's price list holds for the products of synced orders.

Read back after a run that made invoices, when the ``retrieve_stock_on_hand`` setting is on
(see :mod:`xerologdesk.sync.runner`), and stored on each product through the same store function
a refresh uses (:func:`~xerologdesk.store.xero_seen.update_stock_by_code`), so a SKU the user
mapped to another item code shows that item's stock either way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from xerologdesk.store import book, xero_seen
from xerologdesk.xero.gateway import XeroGateway


def refresh_stock(
    gateway: XeroGateway, order_ids: Sequence[int], now: Callable[[], datetime]
) -> int:
    """Read the price list again and store its quantities on hand for these orders' products;
    how many products got one.

    Xero commits stock only for authorised invoices, so drafts leave it unchanged.
    """
    on_hand = {
        item.code: item.quantity_on_hand
        for item in gateway.items()
        if item.quantity_on_hand is not None
    }
    products = {
        line.product_id for order in book.load_orders(list(order_ids)) for line in order.lines
    }
    return xero_seen.update_stock_by_code(on_hand, now(), products)
