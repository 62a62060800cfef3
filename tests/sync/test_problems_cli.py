"""``xerologdesk problems`` and ``suggest-contacts``: the root causes of real failed syncs against
the sandbox, and the contacts a customer probably is, read from the sandbox over HTTP."""

from __future__ import annotations

import json

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.app import open_app
from xerologdesk.store.problems import problem_groups, problem_totals
from xerologdesk.store.vocabulary import Status
from xerologdesk.sync.suggestions import ContactRanker
from xerologdesk.xero.budget import Unlimited


def test_problems_lists_the_causes_of_a_real_sync(desk: Desk) -> None:
    put_in_xero(desk.sandbox, [contact_record("Known Shop", "C-OK")], [item_record("SKU-OK")])
    desk.import_rows(
        [
            line("SO-1", ("C-NEW", "New Shop Ltd"), "SKU-1", posted_date="2026-11-01"),
            line("SO-1", ("C-NEW", "New Shop Ltd"), "SKU-2", posted_date="2026-11-01"),
            line("SO-2", ("C-OK", "Known Shop"), "SKU-1", posted_date="2026-11-03"),
            line("SO-3", ("C-NEW", "New Shop Ltd"), "SKU-OK", posted_date="2026-11-02"),
            line("SO-4", ("C-OK", "Known Shop"), "SKU-OK", posted_date="2026-11-04"),
        ]
    )
    assert desk("sync").code == 3  # orders failed

    listed = desk("problems", "--json")
    assert listed.code == 0, listed.err
    groups = {group["key"]: group for group in json.loads(listed.out)}
    assert {key: group["orders"] for key, group in groups.items()} == {
        "customer_not_found:C-NEW": ["SO-1", "SO-3"],
        "product_not_found:SKU-1": ["SO-1", "SO-2"],  # SO-1 counts in both SKU groups
        "product_not_found:SKU-2": ["SO-1"],
    }
    customer = groups["customer_not_found:C-NEW"]
    assert customer["code"] == "customer_not_found" and customer["subject"] == "C-NEW"
    assert customer["fixes"] == ["create", "link"]
    assert customer["customer_name"] == "New Shop Ltd"
    assert customer["order_count"] == 2
    assert customer["oldest"] == {"ref": "SO-1", "posted_date": "2026-11-01"}
    assert customer["newest"] == {"ref": "SO-3", "posted_date": "2026-11-02"}
    assert groups["product_not_found:SKU-2"]["fixes"] == ["create", "map"]

    table = desk("problems")
    assert table.code == 0
    lines = table.out.splitlines()
    assert len(lines) == 3  # one group a line
    assert lines[0].split("\t")[:2] == ["customer_not_found:C-NEW", "2 orders"]
    assert "fixes: create, link" in lines[0] and lines[0].endswith("New Shop Ltd")
    assert "3 problems blocking 3 orders" in table.err

    # Auto Sync without the settings it needs to create items: a cause per setting left empty.
    assert desk("resolve", "--auto-sync", "SO-1", "SO-2", "SO-3").code == 3
    groups = {group["key"]: group for group in json.loads(desk("problems", "--json").out)}
    assert {key: group["orders"] for key, group in groups.items()} == {
        "settings_incomplete:Default sales account": ["SO-1", "SO-2"],
        "settings_incomplete:Default tax rate": ["SO-1", "SO-2"],
    }
    assert groups["settings_incomplete:Default tax rate"]["fixes"] == ["settings"]
    desk.settings_for_auto_sync()
    assert desk("resolve", "--auto-sync", "SO-1", "SO-2", "SO-3").code == 0
    assert desk("problems", "--json").out.strip() == "[]"
    assert desk("problems").out == "No problems: no order failed.\n"


def test_ten_thousand_orders_three_thousand_failing_over_forty_causes(desk: Desk) -> None:
    """Issue 12's check, through a real import and sync: exactly the 40 groups, right counts."""
    put_in_xero(
        desk.sandbox,
        [contact_record(f"Shop {n}", f"C-{n}") for n in range(100)],
        [item_record(f"A-{n}") for n in range(40)],
    )
    rows, expected = [], {}
    for number in range(10_000):
        customer, sku = f"C-{number % 100}", f"A-{number % 40}"
        if number % 10 < 3:  # 3,000 fail: half for a missing customer, half a missing SKU
            failing = number // 10 * 3 + number % 10
            if failing % 2:
                sku = f"M-{failing // 2 % 20}"
                key = f"product_not_found:{sku}"
            else:
                customer = f"C-M{failing // 2 % 20}"
                key = f"customer_not_found:{customer}"
            expected[key] = expected.get(key, 0) + 1
        rows.append(line(f"SO-{number:05d}", (customer, f"Shop {customer[2:]}"), sku))
    desk.import_rows(rows)
    app = open_app(desk.data_dir, log=False)
    try:
        app.gateway().budget = Unlimited()  # the sandbox's limits are off too
        summary = app.runner().sync_pending()
        assert (summary.count(Status.SUCCEEDED), summary.count(Status.FAILED)) == (7_000, 3_000)
        groups = problem_groups()
        assert len(groups) == 40
        assert {group.key: group.orders for group in groups} == expected
        assert problem_totals().orders == 3_000
    finally:
        app.close()


def test_suggest_contacts_ranks_the_sandbox_contacts_for_a_customer(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        [
            contact_record("Zed Corp"),
            contact_record("Acme Wholes"),
            contact_record("Acmé Wholesale"),
            contact_record("Acme Wholesale Limited"),
            contact_record("Acme Wholesale Ltd (old)", status="ARCHIVED"),
        ],
    )
    desk.import_rows([line("SO-1", ("C-ACME", "ACME Wholesale Ltd"), "SKU-1")])

    listed = desk("suggest-contacts", "C-ACME", "--json")
    assert listed.code == 0, listed.err
    suggestions = json.loads(listed.out)
    names = [each["name"] for each in suggestions]
    assert names[0] == "Acme Wholesale Limited"
    assert names.index("Zed Corp") > max(
        names.index(name) for name in ("Acme Wholesale Limited", "Acmé Wholesale", "Acme Wholes")
    )
    archived = next(each for each in suggestions if each["status"] == "ARCHIVED")
    assert archived["selectable"] is False
    assert all(each["selectable"] for each in suggestions if each is not archived)
    assert [each["score"] for each in suggestions] == sorted(
        (each["score"] for each in suggestions), reverse=True
    )

    table = desk("suggest-contacts", "C-ACME", "--limit", "2")
    assert table.code == 0
    assert len(table.out.splitlines()) == 2
    assert table.out.splitlines()[0].split("\t")[1] == "Acme Wholesale Limited"
    assert "of 5 Xero contacts" in table.err

    # A reference typed in another case finds the customer, as link-customer does.
    typed = desk("suggest-contacts", "c-acme", "--limit", "1")
    assert typed.code == 0, typed.err
    assert typed.out.split("\t")[1] == "Acme Wholesale Limited"

    unknown = desk("suggest-contacts", "NOPE")
    assert unknown.code == 1 and "no customer has the reference" in unknown.err


def test_every_contact_is_read_in_pages_once(desk: Desk) -> None:
    many = [contact_record(f"Shop {number}", f"C-{number}") for number in range(1, 1502)]
    many.append(contact_record("Closed Shop", "C-0", status="ARCHIVED"))
    put_in_xero(desk.sandbox, many)
    app = open_app(desk.data_dir, log=False)
    try:
        ranker = ContactRanker.read(app.gateway())
    finally:
        app.close()
    assert len(ranker.contacts) == 1502  # two pages of 1,000, archived included
    assert len({contact.contact_id for contact in ranker.contacts}) == 1502
    (best,) = ranker.rank("Shop 1234", limit=1)
    assert best.contact.name == "Shop 1234"
    (closed,) = ranker.rank("", reference="C-0", limit=1)
    assert closed.contact.name == "Closed Shop" and not closed.selectable
