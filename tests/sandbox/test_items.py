"""Items through xero-python: the unpaged price list, codes unique case-insensitively, stock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sandbox_helpers import item, items, write_raw
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

pytestmark = pytest.mark.timeout(60)


def test_the_whole_price_list_comes_in_one_call(xero) -> None:
    answer = xero.api.get_items(xero.tenant)
    assert len(answer.items) == 40
    assert "pagination" not in xero.last().json()


def test_tracked_items_carry_quantity_on_hand_and_untracked_ones_do_not(xero) -> None:
    by_code = {each.code: each for each in xero.api.get_items(xero.tenant).items}
    beans = by_code["BEAN-HOUSE-1KG"]
    assert beans.is_tracked_as_inventory is True
    assert beans.quantity_on_hand == 120
    milk = by_code["MILK-FC-2L"]
    assert milk.is_tracked_as_inventory is False
    assert milk.quantity_on_hand is None
    assert by_code["tea-chai-500"].sales_details.tax_type == "EXEMPTOUTPUT"


def test_a_where_on_code_is_case_sensitive(xero) -> None:
    # docs/xero-behaviour.md: a `where Code==` lookup has been reported case-sensitive.
    assert xero.api.get_items(xero.tenant, where='Code=="TEA-CHAI-500"').items == []
    found = xero.api.get_items(xero.tenant, where='Code=="tea-chai-500"').items
    assert [each.name for each in found] == ["Spiced Chai Blend 500g"]


def test_items_can_be_filtered_and_ordered(xero) -> None:
    found = xero.api.get_items(
        xero.tenant, where='Code.StartsWith("SYR-")', order="Code DESC"
    ).items
    assert [each.code for each in found] == ["SYR-VAN-750", "SYR-HAZ-750", "SYR-CAR-750"]
    cheap = xero.api.get_items(xero.tenant, where="SalesDetails.UnitPrice < 4").items
    assert [each.code for each in cheap] == ["MILK-FC-2L"]


def test_an_item_is_found_by_id_or_code(xero) -> None:
    by_code = xero.api.get_item(xero.tenant, "TEA-CHAI-500").items[0]
    assert by_code.code == "tea-chai-500"
    by_id = xero.api.get_item(xero.tenant, by_code.item_id).items[0]
    assert by_id.code == "tea-chai-500"
    with pytest.raises(NotFoundException):
        xero.api.get_item(xero.tenant, "NO-SUCH-SKU")


def test_put_creates_items_with_prices_to_the_cent(empty_xero) -> None:
    answer = empty_xero.api.create_items(
        empty_xero.tenant, items(item("NEW-1", "New One", "12.345")), summarize_errors=False
    )
    created = answer.items[0]
    assert created.status_attribute_string == "OK"
    assert created.sales_details.unit_price == Decimal("12.35")
    assert created.is_sold is True
    assert created.quantity_on_hand is None


def test_unitdp_4_keeps_four_decimals(empty_xero) -> None:
    answer = empty_xero.api.create_items(
        empty_xero.tenant, items(item("NEW-4", "Four", "1.23456")), summarize_errors=False, unitdp=4
    )
    assert answer.items[0].sales_details.unit_price == Decimal("1.2346")


def test_four_decimals_are_kept_and_shown_only_when_a_read_asks_unitdp_4(empty_xero) -> None:
    empty_xero.api.create_items(empty_xero.tenant, items(item("NEW-4", "Four", "1.2346")), unitdp=4)

    def price(**options) -> Decimal:
        (found,) = empty_xero.api.get_items(empty_xero.tenant, **options).items
        return found.sales_details.unit_price

    assert price() == Decimal("1.23")  # as Xero shows it by default
    assert price(unitdp=4) == Decimal("1.2346")
    assert price(where='Code=="NEW-4"') == Decimal("1.23")
    assert price(where='Code=="NEW-4"', unitdp=4) == Decimal("1.2346")
    (one,) = empty_xero.api.get_item(empty_xero.tenant, "NEW-4").items
    assert one.sales_details.unit_price == Decimal("1.23")
    (one,) = empty_xero.api.get_item(empty_xero.tenant, "NEW-4", unitdp=4).items
    assert one.sales_details.unit_price == Decimal("1.2346")


def test_an_item_code_is_unique_regardless_of_case_with_xeros_message(xero) -> None:
    answer = xero.api.create_items(
        xero.tenant, items(item("Tea-Chai-500", "Another chai")), summarize_errors=False
    )
    refused = answer.items[0]
    assert refused.status_attribute_string == "ERROR"
    assert [error.message for error in refused.validation_errors] == [
        "Price List Item with Code 'Tea-Chai-500' already exists"
    ]


def test_summarize_errors_makes_a_duplicate_code_a_400(xero) -> None:
    with pytest.raises(AccountingBadRequestException) as raised:
        xero.api.create_items(xero.tenant, items(item("OK-NEW"), item("bean-house-1kg")))
    assert raised.value.reason == "Price List Item with Code 'bean-house-1kg' already exists"
    assert len(xero.sandbox.state()["items"]) == 40


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ({"Code": "C" * 31, "Name": "Long code"}, "Code must not be more than 30 characters long."),
        ({"Code": "LONG-NAME", "Name": "N" * 51}, "Name must not be more than 50 characters long."),
        ({"Name": "No code"}, "Item Code cannot be empty."),
        (
            {"Code": "BAD-ACC", "SalesDetails": {"UnitPrice": 1, "AccountCode": "999"}},
            "Account code '999' is not a valid code.",
        ),
        (
            {"Code": "OLD-ACC", "SalesDetails": {"UnitPrice": 1, "AccountCode": "290"}},
            "Account code '290' has been archived, or has been deleted. Each line item must "
            "reference a valid account.",
        ),
        (
            {"Code": "BAD-TAX", "SalesDetails": {"UnitPrice": 1, "TaxType": "INPUT"}},
            "The TaxType code INPUT does not exist or cannot be used for this type of transaction.",
        ),
    ],
)
def test_item_fields_are_validated(empty_xero, new, message) -> None:
    # Raw JSON: xero-python refuses over-long values before sending them.
    body = write_raw(empty_xero, "PUT", "Items", {"Items": [new]})
    assert [error["Message"] for error in body["Items"][0]["ValidationErrors"]] == [message]


def test_thirty_characters_is_a_fine_code(empty_xero) -> None:
    answer = empty_xero.api.create_items(
        empty_xero.tenant, items(item("C" * 30, "Thirty")), summarize_errors=False
    )
    assert answer.items[0].status_attribute_string == "OK"


def test_post_updates_the_item_with_that_code_case_insensitively(xero) -> None:
    answer = xero.api.update_or_create_items(
        xero.tenant,
        items(item("TEA-CHAI-500", "Spiced Chai 500g", "25.50")),
        summarize_errors=False,
    )
    updated = answer.items[0]
    assert updated.code == "TEA-CHAI-500"
    assert updated.sales_details.unit_price == Decimal("25.50")
    assert updated.quantity_on_hand == 50  # stock is not written through the API
    assert len(xero.api.get_items(xero.tenant).items) == 40


def test_the_cached_price_list_follows_changes(xero) -> None:
    xero.api.get_items(xero.tenant)
    xero.api.create_items(xero.tenant, items(item("FRESH-1", "Fresh")), summarize_errors=False)
    codes = [each.code for each in xero.api.get_items(xero.tenant).items]
    assert codes[-1] == "FRESH-1"
    assert xero.sandbox.state()["items"][-1]["SalesDetails"]["UnitPrice"] == Decimal(10)


def test_a_tracked_item_needs_an_inventory_account(empty_xero) -> None:
    body = write_raw(
        empty_xero,
        "PUT",
        "Items",
        {"Items": [{"Code": "TRACK-1", "IsTrackedAsInventory": True}]},
    )
    assert body["Items"][0]["ValidationErrors"][0]["Message"] == (
        "An inventory asset account must be specified for an item tracked as inventory."
    )
    body = write_raw(
        empty_xero,
        "PUT",
        "Items",
        {
            "Items": [
                {
                    "Code": "TRACK-1",
                    "IsTrackedAsInventory": True,
                    "InventoryAssetAccountCode": "630",
                }
            ]
        },
    )
    assert body["Items"][0]["QuantityOnHand"] == 0
