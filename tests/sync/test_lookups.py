"""Look-ups that real Xero answers differently from a naive client's expectation: over-long
values (a URL over ~2,000 characters is a 404), a ``.Contains`` on a field some contacts leave
empty (a 500), and ``OR`` lists that may not fold case."""

from __future__ import annotations

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero

LONG = "€" * 255  # 2,295 characters once URL-encoded


def statuses(desk: Desk) -> dict[str, str]:
    return {ref: row["status"] for ref, row in desk.log().items()}


def test_a_customer_name_too_long_for_one_url_blocks_nobody(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record(LONG), contact_record("Acme", "C-1")],
        items=[item_record("S")],
    )
    desk.import_rows([line("SO-1", ("NEW-1", LONG), "S"), line("SO-2", ("C-1", "Acme"), "S")])
    result = desk("sync")
    assert result.code == 0, result.err
    assert statuses(desk) == {"SO-1": "succeeded", "SO-2": "succeeded"}
    contact_of = {c["ContactID"]: c["Name"] for c in desk.xero()["contacts"]}
    invoices = {i["Reference"]: i for i in desk.xero()["invoices"]}
    assert contact_of[invoices["SO-1"]["Contact"]["ContactID"]] == LONG


def test_an_order_ref_too_long_for_one_url_is_reconciled_and_others_still_sync(
    desk: Desk,
) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S")])
    desk.import_rows([line(LONG, ("C-1", "Acme"), "S")])
    # Every answer to the create lost: the invoice is there, and only a look-up can tell.
    desk.sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Invoices", "status": "drop", "times": 3}]}
    )
    result = desk("sync")
    assert result.code == 0, result.err
    assert statuses(desk) == {LONG: "succeeded"}
    desk.import_rows([line("SO-2", ("C-1", "Acme"), "S")], name="later.csv")
    assert desk("sync").code == 0
    assert statuses(desk) == {LONG: "succeeded", "SO-2": "succeeded"}
    assert sorted(i["Reference"] for i in desk.xero()["invoices"]) == sorted([LONG, "SO-2"])


def test_a_reference_with_a_quote_is_found_while_other_contacts_have_no_account_number(
    desk: Desk,
) -> None:
    # Real Xero answers 500 to AccountNumber.Contains(...) once any contact has no
    # AccountNumber; the guarded form is what Xero documents.
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Plain Bar", 'REF"1'), contact_record("No Number Pty")],
        items=[item_record("S")],
    )
    desk.import_rows([line("SO-1", ('REF"1', "Someone Else"), "S")])
    result = desk("sync")
    assert result.code == 0, result.err
    assert statuses(desk) == {"SO-1": "succeeded"}


def test_or_batches_that_do_not_fold_case_are_checked_term_by_term(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("ACME BAKERY"), contact_record("beta")],
        items=[item_record("S")],
    )
    desk.settings(auto_create_customers="on")
    desk.import_rows(
        [line("SO-1", ("N-1", "acme bakery"), "S"), line("SO-2", ("N-2", "beta"), "S")]
    )
    desk.sandbox.set_faults({"or_terms_case_sensitive": True})
    result = desk("sync")
    assert result.code == 0, result.err
    assert statuses(desk) == {"SO-1": "succeeded", "SO-2": "succeeded"}
    contacts = desk.xero()["contacts"]
    assert sorted(c["Name"] for c in contacts) == ["ACME BAKERY", "beta"]  # none created
    acme = next(c["ContactID"] for c in contacts if c["Name"] == "ACME BAKERY")
    invoices = {i["Reference"]: i for i in desk.xero()["invoices"]}
    assert invoices["SO-1"]["Contact"]["ContactID"] == acme


def test_new_customers_cost_no_look_up_each_when_xeros_or_lists_fold(desk: Desk) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Acme", "C-1")], items=[item_record("S")])
    desk.settings(auto_create_customers="on")
    new = [line(f"SO-{n}", (f"N-{n}", f"New Shop {n}"), "S") for n in range(20)]
    desk.import_rows([line("SO-A", ("c-1", "ACME"), "S"), *new])
    assert desk("sync").code == 0
    assert set(statuses(desk).values()) == {"succeeded"}
    assert len(desk.xero()["contacts"]) == 21  # Acme reused, 20 created, none twice
    # A batch by AccountNumber (its "c-1" found C-1: Xero folded it), a batch by Name, and two
    # calls to learn that Name lists fold too: not 40 single-term look-ups for the new ones.
    assert desk.xero()["calls"]["GET /Contacts"] == 4
