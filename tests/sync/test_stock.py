"""Stock on hand read back from Xero after a sync, when the setting asks for it."""

from __future__ import annotations

from decimal import Decimal

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.app import open_app
from xerologdesk.store.models import Product


def stock_on_hand(desk: Desk) -> dict[str, Decimal | None]:
    app = open_app(desk.data_dir, log=False)
    try:
        return {product.sku: product.stock_on_hand for product in Product.select()}
    finally:
        app.close()


def tracked_item(code: str, on_hand: int) -> dict[str, object]:
    return item_record(
        code,
        IsTrackedAsInventory=True,
        InventoryAssetAccountCode="630",
        QuantityOnHand=Decimal(on_hand),
        TotalCostPool=Decimal(5 * on_hand),
    )


def test_an_authorised_invoice_brings_back_what_is_left_of_its_tracked_products(
    desk: Desk,
) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Corner Shop", "C-1")],
        items=[tracked_item("SKU-T", 50), item_record("SKU-U")],
    )
    desk.settings(invoice_status="AUTHORISED", retrieve_stock_on_hand="on")
    desk.import_rows(
        [
            line("SO-1", ("C-1", "Corner Shop"), "SKU-T", quantity="3"),
            line("SO-1", ("C-1", "Corner Shop"), "SKU-U"),
        ]
    )
    assert desk("sync").code == 0
    assert stock_on_hand(desk) == {"SKU-T": Decimal(47), "SKU-U": None}


def test_no_stock_is_read_while_the_setting_is_off(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Corner Shop", "C-1")],
        items=[tracked_item("SKU-T", 50)],
    )
    desk.settings(invoice_status="AUTHORISED")
    desk.import_rows([line("SO-1", ("C-1", "Corner Shop"), "SKU-T", quantity="3")])
    assert desk("sync").code == 0
    assert stock_on_hand(desk) == {"SKU-T": None}


def test_a_mapped_sku_shows_the_stock_of_the_item_it_is_sold_as(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Corner Shop", "C-1")],
        items=[tracked_item("XW-1", 50), tracked_item("W-1", 8)],
    )
    desk.settings(invoice_status="AUTHORISED", retrieve_stock_on_hand="on")
    desk.import_rows([line("SO-1", ("C-1", "Corner Shop"), "W-1", quantity="3")])
    assert desk("map-sku", "W-1", "xw-1").code == 0
    assert desk("sync").code == 0
    # Sold as XW-1 (50 less 3), not the item that happens to carry the SKU's own code.
    assert stock_on_hand(desk) == {"W-1": Decimal(47)}


def test_a_refresh_follows_the_mapping_too(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Corner Shop", "C-1")],
        items=[tracked_item("XW-1", 50), tracked_item("W-1", 8)],
    )
    desk.settings(invoice_status="AUTHORISED")
    desk.import_rows([line("SO-1", ("C-1", "Corner Shop"), "W-1", quantity="3")])
    assert desk("map-sku", "W-1", "XW-1").code == 0
    assert desk("sync").code == 0
    assert stock_on_hand(desk) == {"W-1": None}
    desk.settings(retrieve_stock_on_hand="on")
    assert desk("refresh").code == 0
    assert stock_on_hand(desk) == {"W-1": Decimal(47)}
