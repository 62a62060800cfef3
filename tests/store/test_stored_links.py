"""A user's links (customer reference -> ContactID) and SKU mappings, as the order book keeps
them: keyed without case, replaced whole, removed with what they carried."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import peewee
import pytest

from xerologdesk.store import book, links
from xerologdesk.store.importer import import_files
from xerologdesk.store.links import ContactLink, ItemMapping
from xerologdesk.store.models import Customer, SkuMapping

# The order book behaves the same on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_engines

T0 = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
ORDERS = """\
order_ref,posted_date,customer_reference,customer_name,sku,product_name,quantity,unit_price
SO-1,2026-05-01,C-1,Acme Ltd,W-1,Widget,2,9.50
"""


def _link(reference: str, contact_id: str = "id-1") -> ContactLink:
    return ContactLink(reference, contact_id, "Acme Limited", T0, "ann@desk")


def test_a_link_is_found_by_its_reference_in_any_case_and_replaced_whole(
    db: peewee.Database,
) -> None:
    links.save_link(_link("C-1"))
    assert links.links_for(["c-1", "C-9"]) == {"c-1": _link("C-1")}
    links.save_link(_link("c-1", "id-2"))
    assert links.all_links() == [_link("c-1", "id-2")]


def test_removing_a_link_forgets_the_contact_the_sync_remembered_through_it(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    import_files([write("orders.csv", ORDERS)], "AUD")
    customer = Customer.get(Customer.reference == "C-1")
    book.link_contacts({customer.id: "id-1"}, T0)
    links.save_link(_link("C-1"))
    assert links.remove_link("c-1") == _link("C-1")
    assert Customer.get_by_id(customer.id).xero_contact_id is None
    assert links.remove_link("C-1") is None
    assert links.all_links() == []


def test_a_remembered_contact_other_than_the_linked_one_stays(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    import_files([write("orders.csv", ORDERS)], "AUD")
    customer = Customer.get(Customer.reference == "C-1")
    book.link_contacts({customer.id: "id-other"}, T0)
    links.save_link(_link("C-1"))
    links.remove_link("C-1")
    assert Customer.get_by_id(customer.id).xero_contact_id == "id-other"


def test_mappings_are_saved_all_or_none(db: peewee.Database) -> None:
    first = ItemMapping("W-1", "XW-1", T0, "ann@desk")
    links.save_mappings([first, ItemMapping("W-2", "XW-2", T0, "ann@desk")])
    assert links.mappings_for(["w-1", "W-3"]) == {"w-1": first}
    # The second row breaks a constraint: the first of the batch is not kept either.
    bad = [ItemMapping("W-3", "XW-3", T0, ""), ItemMapping("W-4", None, T0, "")]  # type: ignore[arg-type]
    with pytest.raises(peewee.IntegrityError):
        links.save_mappings(bad)
    assert [each.sku for each in links.all_mappings()] == ["W-1", "W-2"]
    assert SkuMapping.select().count() == 2


def test_removing_a_mapping_says_what_it_mapped_to(db: peewee.Database) -> None:
    mapping = ItemMapping("W-1", "XW-1", T0, "ann@desk")
    links.save_mappings([mapping])
    assert links.remove_mapping("w-1") == mapping
    assert links.remove_mapping("W-1") is None
