"""Contacts through xero-python: lookups as Xero compares them, uniqueness, summarizeErrors."""

from __future__ import annotations

import json

import pytest
from sandbox_helpers import contact, contact_id, contacts, raw, write_raw
from xero_python.exceptions import (
    AccountingBadRequestException,
    HTTPStatusException,
    NotFoundException,
)

from xerologdesk.sandbox import messages

pytestmark = pytest.mark.timeout(60)


def names(answer) -> list[str]:
    return [each.name for each in answer.contacts]


# --- lookups ------------------------------------------------------------------------------------


def test_a_where_on_account_number_ignores_case(xero) -> None:
    answer = xero.api.get_contacts(xero.tenant, where='AccountNumber=="c-1001"')
    assert names(answer) == ["Bondi Beans Café"]
    assert answer.contacts[0].account_number == "C-1001"


def test_a_where_on_name_ignores_case_and_accents(xero) -> None:
    answer = xero.api.get_contacts(xero.tenant, where='Name=="BONDI BEANS CAFE"')
    assert names(answer) == ["Bondi Beans Café"]


def test_names_differing_in_punctuation_are_two_contacts(xero) -> None:
    answer = xero.api.get_contacts(
        xero.tenant, where='Name=="Smith\'s Deli" OR Name=="Smiths Deli"'
    )
    assert names(answer) == ["Smith's Deli", "Smiths Deli"]


def test_archived_contacts_are_left_out_unless_asked_for(xero) -> None:
    where = 'AccountNumber=="C-1019"'
    assert names(xero.api.get_contacts(xero.tenant, where=where)) == []
    found = xero.api.get_contacts(xero.tenant, where=where, include_archived=True)
    assert names(found) == ["Bluegum Café"]
    assert found.contacts[0].contact_status == "ARCHIVED"


def test_a_name_that_folds_to_an_archived_ones_finds_both_only_with_archived(xero) -> None:
    where = 'Name=="bluegum cafe"'
    assert names(xero.api.get_contacts(xero.tenant, where=where)) == ["BLUEGUM CAFE"]
    both = xero.api.get_contacts(xero.tenant, where=where, include_archived=True)
    assert names(both) == ["Bluegum Café", "BLUEGUM CAFE"]


def test_an_or_list_of_account_numbers_finds_each(xero) -> None:
    where = " OR ".join(f'AccountNumber=="C-10{n:02d}"' for n in (2, 3, 4, 99))
    answer = xero.api.get_contacts(xero.tenant, where=where)
    assert [each.account_number for each in answer.contacts] == ["C-1002", "C-1003", "C-1004"]


def test_contains_and_starts_with_work_on_folded_fields(xero) -> None:
    answer = xero.api.get_contacts(xero.tenant, where='Name.StartsWith("smith")')
    assert names(answer) == ["Smith's Deli", "Smiths Deli"]
    answer = xero.api.get_contacts(
        xero.tenant, where='EmailAddress!=null&&EmailAddress.Contains("@EXAMPLE.COM")'
    )
    assert names(answer) == ["Coogee Corner Store"]


def test_a_method_on_a_field_some_contact_leaves_empty_is_xeros_500(xero) -> None:
    # pyxero#181: Xero answers 500 when a .Contains meets a contact without the field; the
    # documented null guard is the way to ask.
    for unguarded in ('EmailAddress.Contains("@example.com")', 'AccountNumber.StartsWith("C")'):
        with pytest.raises(HTTPStatusException) as raised:
            xero.api.get_contacts(xero.tenant, where=unguarded)
        assert raised.value.status == 500
        assert json.loads(raised.value.body)["Type"] == "UnknownErrorException"
    guarded = xero.api.get_contacts(
        xero.tenant, where='AccountNumber!=null&&AccountNumber.StartsWith("zzz")'
    )
    assert names(guarded) == []


def test_a_value_with_a_quote_cannot_break_out_of_the_clause(xero) -> None:
    # The injection in docs/xero-behaviour.md: Xero answers it as a syntax error, never a match-all.
    injected = 'Name=="x" OR Name!=null OR Name==""" OR Name=="y"'
    with pytest.raises(AccountingBadRequestException) as raised:
        xero.api.get_contacts(xero.tenant, where=injected)
    body = raised.value.error_data
    assert body["Type"] == "QueryParseException"
    assert body["ErrorNumber"] == 16


def test_a_malformed_where_is_a_query_parse_exception_with_the_parsers_message(xero) -> None:
    with pytest.raises(AccountingBadRequestException) as raised:
        xero.api.get_contacts(xero.tenant, where='Name=="Unterminated')
    assert raised.value.status == 400
    body = raised.value.error_data
    assert body == {
        "ErrorNumber": 16,
        "Type": "QueryParseException",
        "Message": "Unterminated string literal (at index 19)",
    }


def test_an_unknown_field_in_where_is_a_query_parse_exception(xero) -> None:
    with pytest.raises(AccountingBadRequestException) as raised:
        xero.api.get_contacts(xero.tenant, where='Colour=="red"')
    assert raised.value.error_data["Message"].startswith(
        "No property or field 'Colour' exists in type 'Contact'"
    )


def test_search_term_looks_in_names_and_emails(xero) -> None:
    assert names(xero.api.get_contacts(xero.tenant, search_term="noodle")) == ["Newtown Noodle Bar"]
    assert names(xero.api.get_contacts(xero.tenant, search_term="oconnorcatering")) == [
        "O'Connor Catering"
    ]


def test_ids_lists_contacts_archived_too_when_asked(xero) -> None:
    wanted = [contact_id(xero.sandbox, "C-1002"), contact_id(xero.sandbox, "C-1019")]
    answer = xero.api.get_contacts(xero.tenant, i_ds=wanted, include_archived=True)
    assert sorted(each.account_number for each in answer.contacts) == ["C-1002", "C-1019"]


def test_pages_carry_xeros_pagination(xero) -> None:
    first = xero.api.get_contacts(xero.tenant, page=1, page_size=5, order="Name DESC")
    assert len(first.contacts) == 5
    assert first.contacts[0].name == "Walk-in Customer"
    assert first.pagination.item_count == 23  # 24 contacts, one archived
    assert first.pagination.page_count == 5
    last = xero.api.get_contacts(xero.tenant, page=5, page_size=5, order="Name DESC")
    assert len(last.contacts) == 3


def test_a_page_is_at_most_1000_contacts(xero) -> None:
    answer = xero.api.get_contacts(xero.tenant, page=1, page_size=5000)
    assert answer.pagination.page_size == 1000


def test_a_contact_is_found_by_id_or_number(xero) -> None:
    wanted = contact_id(xero.sandbox, "C-1019")
    answer = xero.api.get_contact(xero.tenant, wanted)
    assert names(answer) == ["Bluegum Café"]  # by id, archived ones too


def test_an_unknown_contact_is_not_found(xero) -> None:
    with pytest.raises(NotFoundException):
        xero.api.get_contact(xero.tenant, "0f0f0f0f-0000-4000-8000-000000000000")
    assert xero.last().body == b"The resource you're looking for cannot be found"


def test_a_url_over_2000_characters_is_not_found_as_on_xero(xero) -> None:
    where = " OR ".join(f'AccountNumber=="C-{n:05d}"' for n in range(80))
    with pytest.raises(NotFoundException):
        xero.api.get_contacts(xero.tenant, where=where)


def test_dates_and_the_envelope_are_xeros(xero) -> None:
    xero.api.get_contacts(xero.tenant, where='AccountNumber=="C-1001"')
    body = xero.last().json()
    assert body["Status"] == "OK"
    assert body["DateTimeUTC"].startswith("/Date(")
    record = body["Contacts"][0]
    assert record["UpdatedDateUTC"] == "/Date(1767603600000+0000)/"
    assert None not in record.values()
    assert "FirstName" not in record  # None fields are left out


# --- creating -----------------------------------------------------------------------------------


def test_put_creates_contacts(empty_xero) -> None:
    xero = empty_xero
    answer = xero.api.create_contacts(
        xero.tenant,
        contacts(contact("Acme Café", "A-1", email_address="ap@acme.example")),
        summarize_errors=False,
    )
    created = answer.contacts[0]
    assert created.status_attribute_string == "OK"
    assert created.contact_status == "ACTIVE"
    assert created.contact_id
    assert names(xero.api.get_contacts(xero.tenant, where='AccountNumber=="a-1"')) == ["Acme Café"]


def test_a_name_taken_by_an_active_contact_is_refused_with_xeros_message(xero) -> None:
    answer = xero.api.create_contacts(
        xero.tenant, contacts(contact("bondi beans café", "N-1")), summarize_errors=False
    )
    refused = answer.contacts[0]
    assert refused.status_attribute_string == "ERROR"
    assert refused.has_validation_errors is True
    assert [error.message for error in refused.validation_errors] == [
        "The contact name bondi beans café is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    ]


def test_names_differing_only_in_an_accent_may_both_be_active(xero) -> None:
    answer = xero.api.create_contacts(
        xero.tenant, contacts(contact("Bondi Beans Cafe", "N-2")), summarize_errors=False
    )
    assert answer.contacts[0].status_attribute_string == "OK"
    found = xero.api.get_contacts(xero.tenant, where='Name=="bondi beans cafe"')
    assert sorted(names(found)) == ["Bondi Beans Cafe", "Bondi Beans Café"]


def test_an_archived_contacts_name_can_be_reused_but_not_its_account_number(xero) -> None:
    xero.sandbox.ledger().set_contact_status(contact_id(xero.sandbox, "C-1004"), "ARCHIVED")
    answer = xero.api.create_contacts(
        xero.tenant,
        contacts(contact("Newtown Noodle Bar", "N-2"), contact("Noodles Two", "C-1004")),
        summarize_errors=False,
    )
    reused_name, reused_number = answer.contacts
    assert reused_name.status_attribute_string == "OK"
    assert reused_number.status_attribute_string == "ERROR"
    assert reused_number.validation_errors[0].message == (
        "The Account Number already exists. Please enter a different Account Number."
    )


def test_summarize_errors_true_turns_one_bad_contact_into_a_400_and_saves_nothing(xero) -> None:
    before = len(xero.sandbox.state()["contacts"])
    with pytest.raises(AccountingBadRequestException) as raised:
        xero.api.create_contacts(
            xero.tenant, contacts(contact("Fine New Cafe", "N-3"), contact("Glebe Grocer", "N-4"))
        )
    error = raised.value
    assert error.status == 400
    assert error.reason == (
        "The contact name Glebe Grocer is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    )
    body = error.error_data
    assert body["Type"] == "ValidationException"
    assert body["Message"] == "A validation exception occurred"
    assert [element["Name"] for element in body["Elements"]] == ["Glebe Grocer"]
    assert len(xero.sandbox.state()["contacts"]) == before


def test_summarize_errors_false_saves_the_good_ones(xero) -> None:
    before = len(xero.sandbox.state()["contacts"])
    answer = xero.api.create_contacts(
        xero.tenant,
        contacts(contact("Fine New Cafe", "N-3"), contact("Glebe Grocer", "N-4")),
        summarize_errors=False,
    )
    assert [each.status_attribute_string for each in answer.contacts] == ["OK", "ERROR"]
    assert len(xero.sandbox.state()["contacts"]) == before + 1


def test_two_new_contacts_with_one_name_in_a_batch_clash(empty_xero) -> None:
    answer = empty_xero.api.create_contacts(
        empty_xero.tenant,
        contacts(contact("Twin", "T-1"), contact("TWIN", "T-2")),
        summarize_errors=False,
    )
    assert [each.status_attribute_string for each in answer.contacts] == ["OK", "ERROR"]


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ({"Name": "", "AccountNumber": "E-1"}, "Contact Name cannot be empty."),
        ({"Name": "x" * 256}, "Name must not be more than 255 characters long."),
        ({"Name": "Mail", "EmailAddress": "not an email"}, "Email address must be valid."),
        (
            {"Name": "Long Number", "AccountNumber": "A" * 51},
            "AccountNumber must not be more than 50 characters long.",
        ),
    ],
)
def test_contact_fields_are_validated(empty_xero, new, message) -> None:
    # Sent as raw JSON: xero-python refuses over-long values before sending them.
    body = write_raw(empty_xero, "PUT", "Contacts", {"Contacts": [new]})
    assert [error["Message"] for error in body["Contacts"][0]["ValidationErrors"]] == [message]


def test_a_255_character_name_is_fine(empty_xero) -> None:
    answer = empty_xero.api.create_contacts(
        empty_xero.tenant, contacts(contact("x" * 255)), summarize_errors=False
    )
    assert answer.contacts[0].status_attribute_string == "OK"


# --- updating -----------------------------------------------------------------------------------


def test_post_updates_the_contact_with_the_id(xero) -> None:
    wanted = contact_id(xero.sandbox, "C-1002")
    answer = xero.api.update_or_create_contacts(
        xero.tenant,
        contacts(
            contact("Coogee Corner Store", contact_id=wanted, email_address="new@coogee.example")
        ),
        summarize_errors=False,
    )
    assert answer.contacts[0].contact_id == wanted
    assert answer.contacts[0].email_address == "new@coogee.example"
    assert answer.contacts[0].account_number == "C-1002"  # fields not sent are kept


def test_post_without_an_id_updates_the_active_contact_with_that_name(xero) -> None:
    before = len(xero.sandbox.state()["contacts"])
    answer = xero.api.update_or_create_contacts(
        xero.tenant, contacts(contact("GLEBE GROCER", first_name="Gina")), summarize_errors=False
    )
    assert answer.contacts[0].contact_id == contact_id(xero.sandbox, "C-1006")
    assert len(xero.sandbox.state()["contacts"]) == before


def test_post_can_archive_a_contact(xero) -> None:
    wanted = contact_id(xero.sandbox, "C-1003")
    xero.api.update_contact(
        xero.tenant,
        wanted,
        contacts(contact("Manly Wharf Kiosk", contact_id=wanted, contact_status="ARCHIVED")),
    )
    assert names(xero.api.get_contacts(xero.tenant, where='AccountNumber=="C-1003"')) == []


def test_post_with_an_unknown_id_is_an_error(xero) -> None:
    unknown = "0f0f0f0f-0000-4000-8000-000000000000"
    answer = xero.api.update_or_create_contacts(
        xero.tenant, contacts(contact("Ghost", contact_id=unknown)), summarize_errors=False
    )
    assert answer.contacts[0].validation_errors[0].message == (
        messages.CONTACT_NOT_FOUND.format(contact_id=unknown)
    )


def test_a_body_that_is_not_json_is_post_data_invalid(xero) -> None:
    response = raw(
        xero.sandbox,
        "PUT",
        "/api.xro/2.0/Contacts",
        token=xero.token["access_token"],
        tenant=xero.tenant,
        body=b"{not json",
    )
    assert response.status == 400
    assert response.json()["Type"] == "PostDataInvalidException"
    assert response.json()["ErrorNumber"] == 14
