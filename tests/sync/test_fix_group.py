"""``problems --fix GROUP --create | --retry`` (issue 12): every order one cause blocks,
re-synced in one run, in batched calls; orders blocked by another cause stay failed with that
cause only."""

from __future__ import annotations

from typing import Any

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero


def calls(desk: Desk) -> dict[str, int]:
    return dict(desk.xero()["calls"])


def spent(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        what: count - before.get(what, 0)
        for what, count in after.items()
        if count > before.get(what, 0)
    }


def reasons(row: dict[str, Any]) -> list[tuple[str, str]]:
    return [(each["code"], each["message"]) for each in row["reasons"]]


def codes(row: dict[str, Any]) -> list[str]:
    return [code for code, _ in reasons(row)]


def test_mapping_a_sku_then_retrying_its_group_re_syncs_just_its_orders_in_batched_calls(
    desk: Desk,
) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Acme", "C-1"), contact_record("Bee", "C-2")],
        items=[item_record("XW-1"), item_record("S")],
    )
    blocked = [
        line(f"SO-{n}", ("C-1", "Acme") if n % 2 else ("C-2", "Bee"), "W-1") for n in range(1, 13)
    ]
    desk.import_rows(
        [
            *blocked,
            line("SO-20", ("C-9", "Nobody"), "W-1"),  # a missing customer too
            line("SO-21", ("C-1", "Acme"), "W-2"),  # another SKU group
        ]
    )
    assert desk("sync").code == 3
    listed = desk("problems").out
    assert "product_not_found:W-1\t13 orders" in listed
    assert desk("map-sku", "W-1", "XW-1").code == 0
    before = calls(desk)
    fixed = desk("problems", "--fix", "product_not_found:W-1", "--retry")
    assert fixed.code == 3, fixed.err  # SO-20 stays failed
    used = spent(before, calls(desk))
    log = desk.log()
    for n in range(1, 13):
        assert log[f"SO-{n}"]["status"] == "succeeded"
        assert log[f"SO-{n}"]["lookup"]["products"][0]["item_code"] == "XW-1"
    invoices = {each["Reference"]: each for each in desk.xero()["invoices"]}
    assert {each["LineItems"][0]["ItemCode"] for each in invoices.values()} == {"XW-1"}
    assert set(invoices) == {f"SO-{n}" for n in range(1, 13)}
    assert codes(log["SO-20"]) == ["customer_not_found"]  # that cause only
    assert codes(log["SO-21"]) == ["product_not_found"]
    assert log["SO-21"]["attempts"] == 1  # not in the group: not re-synced
    # Batched: the twelve invoices in one create, the customers in a look-up or two, whatever
    # the number of orders (never a call per order).
    assert used.get("PUT /Invoices", 0) + used.get("POST /Invoices", 0) == 1, used
    assert sum(used.values()) <= 8, used
    assert "synced 13: 12 succeeded, 1 failed" in fixed.out


def test_creating_a_sku_group_creates_its_item_alone(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")])
    desk.settings_for_auto_sync()
    desk.import_rows(
        [
            line("SO-1", ("C-1", "Acme"), "W-1"),
            line("SO-2", ("C-1", "Acme"), "W-1"),
            line("SO-2", ("C-1", "Acme"), "W-2"),  # blocked by W-2 too
            line("SO-3", ("C-9", "New Shop"), "W-1"),  # and a missing customer
        ]
    )
    assert desk("sync").code == 3
    fixed = desk("problems", "--fix", "product_not_found:W-1", "--create")
    assert fixed.code == 3, fixed.err
    assert [each["Code"] for each in desk.xero()["items"]] == ["W-1"]
    assert [each["Name"] for each in desk.xero()["contacts"]] == ["Acme"]
    log = desk.log()
    assert log["SO-1"]["status"] == "succeeded"
    assert codes(log["SO-2"]) == ["product_not_found"] and "W-2" in reasons(log["SO-2"])[0][1]
    assert codes(log["SO-3"]) == ["customer_not_found"]
    groups = desk("problems").out
    assert "product_not_found:W-1" not in groups and "product_not_found:W-2" in groups


def test_creating_a_customer_group_creates_its_contact_alone(desk: Desk) -> None:
    put_in_xero(desk.sandbox, items=[item_record("S")])
    desk.settings_for_auto_sync()
    desk.import_rows(
        [
            line("SO-1", ("C-1", "New Shop"), "S"),
            line("SO-2", ("C-1", "New Shop"), "W-9"),  # a missing SKU too
            line("SO-3", ("C-2", "Other Shop"), "S"),
        ]
    )
    assert desk("sync").code == 3
    assert desk("problems", "--fix", "customer_not_found:C-1", "--create").code == 3
    assert [(c["Name"], c["AccountNumber"]) for c in desk.xero()["contacts"]] == [
        ("New Shop", "C-1")
    ]
    assert [each["Code"] for each in desk.xero()["items"]] == ["S"]
    log = desk.log()
    assert log["SO-1"]["status"] == "succeeded"
    assert codes(log["SO-2"]) == ["product_not_found"]
    assert codes(log["SO-3"]) == ["customer_not_found"] and log["SO-3"]["attempts"] == 1


def test_creating_beside_an_archived_contact_leaves_its_account_number_to_it(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Old Shop", "C-1", status="ARCHIVED")],
        items=[item_record("S")],
    )
    desk.import_rows([line("SO-1", ("C-1", "Old Shop"), "S")])
    assert desk("sync").code == 3
    assert codes(desk.log()["SO-1"]) == ["customer_archived"]
    fixed = desk("problems", "--fix", "customer_archived:C-1", "--create")
    assert fixed.code == 0, fixed.out + fixed.err
    contacts = {c["ContactStatus"]: c for c in desk.xero()["contacts"]}
    assert contacts["ACTIVE"]["Name"] == "Old Shop"
    assert not contacts["ACTIVE"].get("AccountNumber")  # Xero keeps it with the archived one
    desk.import_rows([line("SO-2", ("C-1", "Old Shop"), "S")])
    assert desk("sync").code == 0  # the new contact is remembered
    assert {i["Contact"]["ContactID"] for i in desk.xero()["invoices"]} == {
        contacts["ACTIVE"]["ContactID"]
    }


def test_a_fix_the_group_does_not_have_or_an_unknown_group_is_refused(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Harbour Café", "X-1"), contact_record("HARBOUR CAFE", "X-2")],
        items=[item_record("S")],
    )
    desk.import_rows([line("SO-1", ("C-1", "Harbour Cafe"), "S")])
    desk("sync")
    unknown = desk("problems", "--fix", "product_not_found:NOPE", "--retry")
    assert unknown.code == 1 and "No failed orders are blocked by" in unknown.err
    missing = desk("problems", "--fix", "product_not_found:NOPE")
    assert missing.code == 1 and "--create or --retry" in missing.err
    [group] = [each.split("\t")[0] for each in desk("problems").out.splitlines()]
    assert group.startswith("customer_ambiguous:")
    refused = desk("problems", "--fix", group, "--create")
    assert refused.code == 1 and "cannot be fixed by create" in refused.err
    assert desk.log()["SO-1"]["attempts"] == 1
