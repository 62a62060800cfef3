"""Fixing a cause once (issue 12): a customer linked to a Xero contact and a SKU mapped to a
Xero item code, made with the command line and used by every later sync before any look-up."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.store import queries
from xerologdesk.store.links import ContactLink
from xerologdesk.ui.order_story import lookup_lines

TODAY = f"{datetime.now(UTC):%Y-%m-%d}"


def contact_named(desk: Desk, name: str) -> dict[str, Any]:
    return next(c for c in desk.xero()["contacts"] if c["Name"] == name)


def invoice_of(desk: Desk, ref: str) -> dict[str, Any]:
    return next(i for i in desk.xero()["invoices"] if i["Reference"] == ref)


def details_of(desk: Desk, ref: str) -> list[str]:
    """The lookup lines the details dialog shows for an order."""
    from xerologdesk.app import open_app

    app = open_app(desk.data_dir, log=False)
    try:
        order_id = queries.page_log(queries.LogFilter(search=ref), "posted_date", False, 0, None)
        return lookup_lines(queries.lookup_trace(order_id[0].id))
    finally:
        app.close()


def calls(desk: Desk, what: str) -> int:
    return int(desk.xero()["calls"].get(what, 0))


# -- customer links ----------------------------------------------------------------------------


def test_a_linked_customer_goes_to_its_contact_even_when_another_has_its_reference(
    desk: Desk,
) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Acme Old Account", "C-1"), contact_record("Acme Wholesale Ltd")],
        items=[item_record("S")],
    )
    desk.import_rows([line("SO-1", ("C-1", "Acme Wholesale"), "S")])
    linked = desk("link-customer", "C-1", "Acme Wholesale Ltd")
    assert linked.code == 0, linked.err
    assert "Linked customer \u201cC-1\u201d to the Xero contact \u201cAcme Wholesale Ltd\u201d" in (
        linked.out
    )
    # Xero keeps account numbers unique: the other contact has it, so it is not written.
    assert "account number was not set" in linked.out and "The link stands" in linked.out
    assert "Nothing was re-synced" in linked.out
    assert desk.log()["SO-1"]["status"] == "pending"

    assert desk("sync").code == 0
    wanted = contact_named(desk, "Acme Wholesale Ltd")["ContactID"]
    assert invoice_of(desk, "SO-1")["Contact"]["ContactID"] == wanted
    lookup = desk.log()["SO-1"]["lookup"]["customer"]
    assert lookup["matched_by"] == "link" and lookup["contact_id"] == wanted
    assert lookup["link"]["contact_id"] == wanted and "@" in lookup["link"]["linked_by"]
    shown = "\n".join(details_of(desk, "SO-1"))
    assert f"linked by you on {TODAY}" in shown
    assert "Customer matched by your link" in shown
    assert "account number \u201cC-1\u201d" not in shown  # no look-up by account number


def test_a_link_to_a_contact_archived_afterwards_fails_the_order_naming_the_link(
    desk: Desk,
) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Acme Old Account", "C-1"), contact_record("Acme Wholesale Ltd")],
        items=[item_record("S")],
    )
    assert desk("link-customer", "C-1", "Acme Wholesale Ltd").code == 0
    linked_id = contact_named(desk, "Acme Wholesale Ltd")["ContactID"]
    desk.sandbox.ledger().set_contact_status(linked_id, "ARCHIVED")
    desk.import_rows([line("SO-1", ("C-1", "Acme Wholesale Ltd"), "S")])
    assert desk("resolve", "--auto-sync", "SO-1").code == 3

    row = desk.log()["SO-1"]
    assert row["status"] == "failed"
    [reason] = row["reasons"]
    assert reason["code"] == "customer_archived"
    assert f"linked by you on {TODAY}" in reason["message"]
    assert "Acme Wholesale Ltd" in reason["message"]
    # Never a fallback: the contact with the reference as account number got no invoice, and
    # Auto Sync created no contact.
    assert desk.xero()["invoices"] == []
    assert len(desk.xero()["contacts"]) == 2


def test_a_link_to_a_contact_xero_no_longer_has_fails_with_its_own_reason(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S")])
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "S")])
    from xerologdesk.app import open_app
    from xerologdesk.store.links import save_link

    app = open_app(desk.data_dir, log=False)
    try:
        gone = str(uuid.uuid4())
        save_link(ContactLink("C-1", gone, "Acme (merged)", datetime.now(UTC), "ann@desk"))
    finally:
        app.close()
    assert desk("sync").code == 3
    [reason] = desk.log()["SO-1"]["reasons"]
    assert reason["code"] == "linked_contact_missing"
    assert gone in reason["message"] and "linked by you on" in reason["message"]
    assert desk.xero()["invoices"] == []  # not sent to "Acme", which has the reference
    # The worklist groups it by the customer, fixed by linking again or creating.
    [group] = json.loads(desk("problems", "--json").out)
    assert (group["code"], group["subject"], group["orders"]) == (
        "linked_contact_missing",
        "C-1",
        ["SO-1"],
    )
    assert group["fixes"] == ["link", "create"]


def test_linking_writes_the_reference_into_an_empty_account_number_unless_told_not_to(
    desk: Desk,
) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme"), contact_record("Beta")])
    linked = desk("link-customer", "C-1", "Acme")
    assert linked.code == 0, linked.err
    assert "account number in Xero is now \u201cC-1\u201d" in linked.out
    assert "no customer with the reference \u201cC-1\u201d has been imported yet" in linked.err
    assert contact_named(desk, "Acme").get("AccountNumber") == "C-1"

    desk.settings(link_writes_account_number="off")
    beta = contact_named(desk, "Beta")["ContactID"]
    assert desk("link-customer", "C-2", beta).code == 0
    assert not contact_named(desk, "Beta").get("AccountNumber")
    listed = json.loads(desk("links", "--json").out)
    assert [(row["reference"], row["contact_name"]) for row in listed] == [
        ("C-1", "Acme"),
        ("C-2", "Beta"),
    ]


def test_a_bad_contact_is_refused_and_changes_nothing(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[
            contact_record("Gone Ltd", status="ARCHIVED"),
            contact_record("Twin"),
            contact_record("twin"),  # Xero names compare without case: two match "Twin"
        ],
    )
    # Loaded directly: the API would refuse a second active contact named alike.
    twins = [c for c in desk.xero()["contacts"] if c["Name"].lower() == "twin"]
    assert len(twins) == 2
    cases = {
        str(uuid.uuid4()): "Xero has no contact with the ContactID",
        "Nobody Pty": "Xero has no contact named \u201cNobody Pty\u201d",
        "Gone Ltd": "is archived",
        "TWIN": "2 active Xero contacts are named \u201cTWIN\u201d",
    }
    for contact, message in cases.items():
        result = desk("link-customer", "C-1", contact)
        assert result.code == 1, (contact, result.out)
        assert message in result.err and "Nothing was changed" in result.err
    assert desk("links").out.strip() == "No customers are linked."
    assert desk("unlink-customer", "C-1").code == 1


def test_unlinking_sends_the_next_order_back_to_the_look_ups(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Old", "C-1"), contact_record("Linked")],
        items=[item_record("S")],
    )
    assert desk("link-customer", "C-1", "Linked").code == 0
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "S")])
    assert desk("sync").code == 0
    unlinked = desk("unlink-customer", "c-1")
    assert unlinked.code == 0 and "Unlinked customer \u201cC-1\u201d" in unlinked.out
    desk.import_rows([line("SO-2", ("C-1", "Acme"), "S")], name="later.csv")
    assert desk("sync").code == 0
    contact_of = {c["ContactID"]: c["Name"] for c in desk.xero()["contacts"]}
    assert contact_of[invoice_of(desk, "SO-1")["Contact"]["ContactID"]] == "Linked"
    assert contact_of[invoice_of(desk, "SO-2")["Contact"]["ContactID"]] == "Old"


def test_linked_customers_are_read_in_one_call_not_one_per_order(desk: Desk) -> None:
    contacts = [contact_record(f"Customer {n}") for n in range(30)]
    put_in_xero(desk.sandbox, contacts=contacts, items=[item_record("S")])
    desk.settings(link_writes_account_number="off")
    for n, contact in enumerate(contacts):
        assert desk("link-customer", f"C-{n}", contact["ContactID"]).code == 0
    desk.import_rows([line(f"SO-{n}", (f"C-{n}", f"Someone {n}"), "S") for n in range(30)])
    before = calls(desk, "GET /Contacts")
    assert desk("sync").code == 0
    assert calls(desk, "GET /Contacts") - before == 1  # IDs= for all 30; no look-up at all
    assert len(desk.xero()["invoices"]) == 30


def test_a_failed_order_s_link_output_names_the_orders_to_retry(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox, contacts=[contact_record("Acme Wholesale Ltd")], items=[item_record("S")]
    )
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "S"), line("SO-2", ("C-1", "Acme"), "S")])
    assert desk("sync").code == 3
    linked = desk("link-customer", "C-1", "Acme Wholesale Ltd")
    assert "xerologdesk resolve --retry SO-1 SO-2" in linked.out
    assert {row["status"] for row in desk.log().values()} == {"failed"}  # nothing re-synced
    assert desk("resolve", "--retry", "SO-1", "SO-2").code == 0


# -- SKU mappings ------------------------------------------------------------------------------


def test_a_mapped_sku_is_invoiced_under_xero_s_item_code(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Acme", "C-1")],
        items=[item_record("XW-1"), item_record("W-2")],
    )
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "W-1"), line("SO-1", ("C-1", "Acme"), "W-2")])
    assert desk("sync").code == 3
    mapped = desk("map-sku", "W-1", "xw-1")
    assert mapped.code == 0, mapped.err
    assert "Mapped SKU \u201cW-1\u201d to the Xero item code \u201cXW-1\u201d" in mapped.out
    assert "xerologdesk resolve --retry SO-1" in mapped.out
    assert desk("resolve", "--retry", "SO-1").code == 0
    codes = [each["ItemCode"] for each in invoice_of(desk, "SO-1")["LineItems"]]
    assert codes == ["XW-1", "W-2"]
    products = desk.log()["SO-1"]["lookup"]["products"]
    assert products == [
        {"sku": "W-1", "item_code": "XW-1", "mapped_to": "XW-1"},
        {"sku": "W-2", "item_code": "W-2", "mapped_to": None},
    ]
    assert "Product W-1: mapped by you to \u201cXW-1\u201d: found in Xero." in details_of(
        desk, "SO-1"
    )
    assert len(desk.xero()["items"]) == 2  # nothing created


def test_bad_mappings_are_refused_and_change_nothing(desk: Desk) -> None:
    put_in_xero(desk.sandbox, items=[item_record("XW-1"), item_record("XW-2")])
    unknown = desk("map-sku", "W-1", "NOPE")
    assert unknown.code == 1
    assert "Xero has no item with the code \u201cNOPE\u201d" in unknown.err
    assert "Nothing was changed" in unknown.err
    assert desk("mappings").out.strip() == "No SKUs are mapped."
    assert desk("map-sku", "W-1", "XW-1").code == 0
    again = desk("map-sku", "w-1", "XW-2")
    assert again.code == 1 and "unmap it first" in again.err
    same = desk("map-sku", "W-1", "xw-1")
    assert same.code == 0 and "was mapped to \u201cXW-1\u201d already" in same.out
    assert desk("map-sku", "W-1").code == 1  # no item code
    for neither_or_both in ([], ["W-1", "--file", "m.csv"], ["W-1", "XW-1", "--file", "m.csv"]):
        wrong = desk("map-sku", *neither_or_both)
        assert wrong.code == 1 and "give either SKU ITEM_CODE or --file CSV" in wrong.err
    assert [(m["sku"], m["item_code"]) for m in json.loads(desk("mappings", "--json").out)] == [
        ("W-1", "XW-1")
    ]
    assert desk("unmap-sku", "W-1").code == 0
    assert desk("unmap-sku", "W-1").code == 1


def test_a_mapping_file_is_all_or_nothing_with_line_numbers(desk: Desk) -> None:
    put_in_xero(desk.sandbox, items=[item_record("XW-1"), item_record("XW-2")])
    bad = desk.folder / "bad.csv"
    bad.write_text("sku,item_code\nW-1,XW-1\nW-2,NOPE\nW-3\nW-1,XW-2\n", encoding="utf-8")
    refused = desk("map-sku", "--file", str(bad))
    assert refused.code == 1
    assert "line 4: expected a SKU and an item code" in refused.err
    bad.write_text("sku,item_code\nW-1,XW-1\nW-2,NOPE\n\nW-1,XW-2\n", encoding="utf-8")
    refused = desk("map-sku", "--file", str(bad))
    assert refused.code == 1
    assert "line 3: Xero has no item with the code \u201cNOPE\u201d" in refused.err
    assert "line 5: SKU \u201cW-1\u201d is mapped to \u201cXW-1\u201d on line 2 already" in (
        refused.err
    )
    assert "nothing was mapped (2 problems)" in refused.err
    assert json.loads(desk("mappings", "--json").out) == []
    header = desk.folder / "header.csv"
    header.write_text("code,sku\nW-1,XW-1\n", encoding="utf-8")
    assert "line 1: the header must be sku,item_code" in desk("map-sku", "--file", str(header)).err

    good = desk.folder / "good.csv"
    good.write_text("SKU,Item_Code\nW-1,XW-1\nW-2,xw-2\n", encoding="utf-8")
    done = desk("map-sku", "--file", str(good))
    assert done.code == 0, done.err
    assert [(m["sku"], m["item_code"]) for m in json.loads(desk("mappings", "--json").out)] == [
        ("W-1", "XW-1"),
        ("W-2", "XW-2"),
    ]


def test_a_mapping_to_an_item_gone_from_xero_fails_and_auto_sync_creates_nothing(
    desk: Desk,
) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("XW-1")])
    desk.settings_for_auto_sync()
    assert desk("map-sku", "W-1", "XW-1").code == 0
    ledger = desk.sandbox.ledger()
    with ledger.lock:
        ledger.items.remove(desk.xero()["items"][0]["ItemID"])
    desk.import_rows([line("SO-1", ("C-1", "Acme"), "W-1")])
    assert desk("resolve", "--auto-sync", "SO-1").code == 3
    [reason] = desk.log()["SO-1"]["reasons"]
    assert reason["code"] == "product_not_found"
    assert "mapped by you on" in reason["message"] and "XW-1" in reason["message"]
    assert desk.xero()["items"] == []


def test_xero_failing_the_account_number_write_keeps_the_link_and_says_so(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme")])
    desk.sandbox.set_faults(
        {"script": [{"method": "POST", "resource": "/Contacts", "status": 503, "times": 1}]}
    )
    linked = desk("link-customer", "C-1", "Acme")
    assert linked.code == 0, linked.err
    assert "account number was not set" in linked.out and "The link stands" in linked.out
    assert [row["reference"] for row in json.loads(desk("links", "--json").out)] == ["C-1"]
    assert not contact_named(desk, "Acme").get("AccountNumber")
