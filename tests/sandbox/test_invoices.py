"""Invoices through xero-python: Xero's validation messages, totals, numbering, lookups, stock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sandbox_helpers import contact_id, contacts, invoice, invoices, line, write_raw
from xero_python.accounting import Contact
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def bondi(sandbox) -> str:
    return contact_id(sandbox, "C-1001")


def create(xero, *each, **options):
    options.setdefault("summarize_errors", False)
    return xero.api.create_invoices(xero.tenant, invoices(*each), **options).invoices


def messages_of(answered) -> list[str]:
    return [error.message for error in answered.validation_errors or []]


# --- amounts ------------------------------------------------------------------------------------


def test_exclusive_amounts_add_tax_on_top(xero, bondi) -> None:
    (created,) = create(xero, invoice(bondi, line("CUP-8OZ-1000", "2", "9.50", tax_type="OUTPUT")))
    assert created.status_attribute_string == "OK"
    assert created.has_errors is False
    assert (created.sub_total, created.total_tax, created.total) == (
        Decimal("19.00"),
        Decimal("1.90"),
        Decimal("20.90"),
    )
    assert created.line_items[0].tax_amount == Decimal("1.90")
    assert created.line_items[0].line_amount == Decimal("19.00")
    assert created.amount_due == Decimal("20.90")


def test_inclusive_amounts_hold_the_tax_inside(xero, bondi) -> None:
    (created,) = create(
        xero, invoice(bondi, line("CUP-8OZ-1000", "2", "11.00"), amounts="Inclusive")
    )
    assert (created.sub_total, created.total_tax, created.total) == (
        Decimal("20.00"),
        Decimal("2.00"),
        Decimal("22.00"),
    )


def test_no_tax_amounts_have_no_tax(xero, bondi) -> None:
    (created,) = create(xero, invoice(bondi, line("CUP-8OZ-1000", "3", "5.00"), amounts="NoTax"))
    assert (created.sub_total, created.total_tax, created.total) == (
        Decimal("15.00"),
        Decimal("0.00"),
        Decimal("15.00"),
    )


def test_gst_free_and_taxable_lines_mix(xero, bondi) -> None:
    (created,) = create(
        xero,
        invoice(
            bondi,
            line("BEAN-HOUSE-1KG", "3", "32.00", tax_type="EXEMPTOUTPUT"),
            line("CUP-12OZ-1000", "1", "99.00", tax_type="OUTPUT"),
            line("SYR-VAN-750", "3", "14.55", tax_type="OUTPUT"),
        ),
    )
    # 96.00 + 99.00 + 43.65 = 238.65; tax 9.90 + 4.37 (4.365 rounds half up) = 14.27
    assert (created.sub_total, created.total_tax, created.total) == (
        Decimal("238.65"),
        Decimal("14.27"),
        Decimal("252.92"),
    )


def test_a_line_takes_price_account_and_tax_from_its_item(xero, bondi) -> None:
    bare = line("tea-chai-500", "2", unit_amount=None, account_code=None, tax_type=None)
    (created,) = create(xero, invoice(bondi, bare, status="AUTHORISED"))
    filled = created.line_items[0]
    assert (filled.unit_amount, filled.account_code, filled.tax_type) == (
        Decimal("24.00"),
        "200",
        "EXEMPTOUTPUT",
    )
    assert created.total == Decimal("48.00")


def test_an_item_code_is_matched_case_insensitively(xero, bondi) -> None:
    (created,) = create(xero, invoice(bondi, line("TEA-CHAI-500")))
    assert created.status_attribute_string == "OK"
    assert created.line_items[0].item_code == "tea-chai-500"


# --- numbering ----------------------------------------------------------------------------------


def test_invoices_are_numbered_from_the_organisations_sequence(xero, bondi) -> None:
    first, second = create(xero, invoice(bondi, reference="SO-1"), invoice(bondi, reference="SO-2"))
    (third,) = create(xero, invoice(bondi, reference="SO-3"))
    assert [first.invoice_number, second.invoice_number, third.invoice_number] == [
        "INV-0001",
        "INV-0002",
        "INV-0003",
    ]


def test_the_sequence_skips_numbers_taken_by_hand(xero, bondi) -> None:
    create(xero, invoice(bondi, invoice_number="INV-0001"))
    (numbered,) = create(xero, invoice(bondi, reference="SO-9"))
    assert numbered.invoice_number == "INV-0002"


def test_a_sales_invoice_number_is_unique_with_xeros_message(xero, bondi) -> None:
    create(xero, invoice(bondi, invoice_number="WEB-100"))
    (duplicate,) = create(xero, invoice(bondi, invoice_number="web-100", reference="SO-2"))
    assert duplicate.status_attribute_string == "ERROR"
    assert duplicate.has_errors is True
    assert messages_of(duplicate) == ["Invoice # must be unique."]


def test_bills_may_share_numbers(xero, bondi) -> None:
    bill = invoice(bondi, line(tax_type="INPUT", account_code="429"), type="ACCPAY")
    bill.invoice_number = "SUP-1"
    again = invoice(bondi, line(tax_type="INPUT", account_code="429"), type="ACCPAY")
    again.invoice_number = "SUP-1"
    assert [each.status_attribute_string for each in create(xero, bill, again)] == ["OK", "OK"]


# --- validation ---------------------------------------------------------------------------------


def test_an_archived_contact_is_refused(xero) -> None:
    (refused,) = create(xero, invoice(contact_id(xero.sandbox, "C-1019")))
    assert messages_of(refused) == [
        "The contact with the specified contact details has been archived. The contact must be "
        "un-archived before creating new invoices or credit notes."
    ]


def test_an_archived_account_is_refused_in_xeros_words(xero, bondi) -> None:
    (refused,) = create(xero, invoice(bondi, line(account_code="290")))
    assert messages_of(refused) == [
        "Account code '290' has been archived, or has been deleted. Each line item must "
        "reference a valid account."
    ]


def test_an_unknown_contact_is_refused(xero) -> None:
    unknown = "0f0f0f0f-0000-4000-8000-000000000000"
    (refused,) = create(xero, invoice(unknown))
    assert messages_of(refused) == [f"A contact with ContactID {unknown} could not be found."]


def test_a_missing_contact_is_refused(xero) -> None:
    body = write_raw(xero, "PUT", "Invoices", {"Invoices": [{"Type": "ACCREC", "LineItems": []}]})
    assert [e["Message"] for e in body["Invoices"][0]["ValidationErrors"]] == [
        "Contact cannot be empty."
    ]


def test_an_unknown_item_code_is_refused(xero, bondi) -> None:
    (refused,) = create(xero, invoice(bondi, line("BEAN-SO-KEN-1KG")))
    assert messages_of(refused) == ["Item code 'BEAN-SO-KEN-1KG' is not valid."]


def test_an_account_code_is_required_unless_draft(xero, bondi) -> None:
    no_account = line(item_code=None, account_code=None)
    (draft,) = create(xero, invoice(bondi, no_account, status="DRAFT"))
    assert draft.status_attribute_string == "OK"
    (approved,) = create(xero, invoice(bondi, no_account, status="AUTHORISED", reference="SO-2"))
    assert messages_of(approved) == ["Account code must be specified."]


@pytest.mark.parametrize("code", ["999", "610", "090"])
def test_an_account_code_must_be_usable_on_a_sales_invoice(xero, bondi, code) -> None:
    # Unknown, a system account (receivables), a bank account.
    (refused,) = create(xero, invoice(bondi, line(account_code=code)))
    assert messages_of(refused) == [f"Account code '{code}' is not a valid code for this document."]


@pytest.mark.parametrize("tax_type", ["GST", "INPUT"])
def test_a_tax_type_must_exist_and_apply_to_sales(xero, bondi, tax_type) -> None:
    (refused,) = create(xero, invoice(bondi, line(tax_type=tax_type)))
    assert messages_of(refused) == [
        f"The TaxType code {tax_type} does not exist or cannot be used for this type of "
        "transaction."
    ]


def test_a_currency_must_be_enabled(xero, bondi) -> None:
    (refused,) = create(xero, invoice(bondi, currency="GBP"))
    assert messages_of(refused) == ["Organisation is not subscribed to currency GBP"]
    (fine,) = create(xero, invoice(bondi, currency="NZD", reference="SO-NZ"))
    assert fine.status_attribute_string == "OK"
    assert fine.currency_rate == Decimal("1.09")


def test_an_approved_invoice_needs_a_line(xero, bondi) -> None:
    bare = invoice(bondi, status="AUTHORISED")
    bare.line_items = []
    (refused,) = create(xero, bare)
    assert messages_of(refused) == ["Invoices must have at least one line item."]


def test_a_paid_invoice_cannot_be_created(xero, bondi) -> None:
    (refused,) = create(xero, invoice(bondi, status="PAID"))
    assert messages_of(refused) == ["Invoice not of valid status for creation"]


def test_all_problems_of_an_invoice_are_listed(xero, bondi) -> None:
    (refused,) = create(
        xero, invoice(bondi, line("NOPE", account_code="999", tax_type="GST"), currency="GBP")
    )
    assert messages_of(refused) == [
        "Organisation is not subscribed to currency GBP",
        "Item code 'NOPE' is not valid.",
        "Account code '999' is not a valid code for this document.",
        "The TaxType code GST does not exist or cannot be used for this type of transaction.",
    ]


def test_a_quantity_that_is_not_a_number_is_post_data_invalid(xero, bondi) -> None:
    payload = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": bondi},
                "LineItems": [{"Description": "x", "Quantity": "two", "AccountCode": "200"}],
            }
        ]
    }
    body = write_raw(xero, "PUT", "Invoices", payload)
    assert body["Type"] == "PostDataInvalidException"
    assert body["Message"] == (
        "JSON for post data was invalid,Could not convert string to decimal: two. "
        "Path 'Invoices[0].LineItems[0].Quantity'."
    )
    assert xero.sandbox.state()["invoices"] == []


def test_summarize_errors_true_saves_nothing_from_a_batch_with_one_bad_invoice(xero, bondi) -> None:
    with pytest.raises(AccountingBadRequestException) as raised:
        create(
            xero,
            invoice(bondi, reference="SO-GOOD"),
            invoice(bondi, line("NOPE"), reference="SO-BAD"),
            summarize_errors=True,
        )
    assert raised.value.reason == "Item code 'NOPE' is not valid."
    elements = raised.value.error_data["Elements"]
    assert [element["Reference"] for element in elements] == ["SO-BAD"]
    assert elements[0]["HasErrors"] is True
    assert xero.sandbox.state()["invoices"] == []
    # Nothing was numbered either: the next invoice is still the first.
    (created,) = create(xero, invoice(bondi))
    assert created.invoice_number == "INV-0001"


def test_summarize_errors_false_saves_the_good_ones(xero, bondi) -> None:
    answered = create(
        xero, invoice(bondi, reference="SO-GOOD"), invoice(bondi, line("NOPE"), reference="SO-BAD")
    )
    assert [each.status_attribute_string for each in answered] == ["OK", "ERROR"]
    assert [each["Reference"] for each in xero.sandbox.state()["invoices"]] == ["SO-GOOD"]


# --- contacts on invoices -----------------------------------------------------------------------


def test_a_contact_named_but_unknown_is_created_as_xero_does(empty_xero) -> None:
    new = invoice("", line(item_code=None))
    new.contact = Contact(name="Brand New Café")
    (created,) = create(empty_xero, new)
    assert created.contact.name == "Brand New Café"
    state = empty_xero.sandbox.state()
    assert [each["Name"] for each in state["contacts"]] == ["Brand New Café"]
    assert state["contacts"][0]["IsCustomer"] is True


def test_the_invoice_shows_its_contacts_current_details(xero, bondi) -> None:
    (created,) = create(xero, invoice(bondi))
    assert created.contact.name == "Bondi Beans Café"
    xero.api.update_contact(
        xero.tenant,
        bondi,
        contacts(Contact(contact_id=bondi, name="Bondi Beans")),
    )
    again = xero.api.get_invoice(xero.tenant, created.invoice_id).invoices[0]
    assert again.contact.name == "Bondi Beans"


# --- reading ------------------------------------------------------------------------------------


@pytest.fixture
def three(xero, bondi):
    coogee = contact_id(xero.sandbox, "C-1002")
    return create(
        xero,
        invoice(bondi, reference="SO-1001"),
        invoice(coogee, reference="SO-1002", status="AUTHORISED"),
        invoice(bondi, reference="Web order 7", status="SUBMITTED"),
    )


def test_invoices_are_found_by_reference(xero, three) -> None:
    found = xero.api.get_invoices(
        xero.tenant, where='Reference=="SO-1001" OR Reference=="SO-1002"', page=1
    ).invoices
    assert [each.reference for each in found] == ["SO-1001", "SO-1002"]
    assert found[0].line_items  # a paged list carries the lines


def test_a_list_without_page_leaves_out_line_items_as_xero_does(xero, three) -> None:
    xero.api.get_invoices(xero.tenant)
    assert all("LineItems" not in each for each in xero.last().json()["Invoices"])


def test_invoice_filters(xero, three, bondi) -> None:
    api, tenant = xero.api, xero.tenant

    def refs(answer) -> list[str]:
        return [each.reference for each in answer.invoices]

    assert refs(api.get_invoices(tenant, i_ds=[three[1].invoice_id])) == ["SO-1002"]
    assert refs(api.get_invoices(tenant, invoice_numbers=["inv-0003"])) == ["Web order 7"]
    assert refs(api.get_invoices(tenant, contact_i_ds=[bondi])) == ["SO-1001", "Web order 7"]
    assert refs(api.get_invoices(tenant, statuses=["AUTHORISED", "SUBMITTED"])) == [
        "SO-1002",
        "Web order 7",
    ]
    assert refs(api.get_invoices(tenant, search_term="web ORDER")) == ["Web order 7"]
    assert refs(api.get_invoices(tenant, where='Contact.ContactID==GUID("' + bondi + '")')) == [
        "SO-1001",
        "Web order 7",
    ]
    assert refs(
        api.get_invoices(tenant, where="Date >= DateTime(2026, 5, 1)", order="Reference DESC")
    ) == [
        "Web order 7",
        "SO-1002",
        "SO-1001",
    ]


def test_invoices_page(xero, three) -> None:
    answer = xero.api.get_invoices(xero.tenant, page=2, page_size=2)
    assert [each.reference for each in answer.invoices] == ["Web order 7"]
    assert answer.pagination.item_count == 3


def test_an_invoice_is_found_by_id_or_number(xero, three) -> None:
    by_id = xero.api.get_invoice(xero.tenant, three[0].invoice_id).invoices[0]
    assert by_id.reference == "SO-1001"
    by_number = xero.api.get_invoice(xero.tenant, "INV-0002").invoices[0]
    assert by_number.reference == "SO-1002"
    assert by_number.date == date(2026, 5, 1)
    assert by_number.due_date == date(2026, 5, 31)
    with pytest.raises(NotFoundException):
        xero.api.get_invoice(xero.tenant, "0f0f0f0f-0000-4000-8000-000000000000")


# --- updates and stock --------------------------------------------------------------------------


def test_approving_a_sale_takes_tracked_stock_and_voiding_puts_it_back(xero, bondi) -> None:
    def on_hand() -> Decimal:
        (beans,) = xero.api.get_items(xero.tenant, where='Code=="BEAN-HOUSE-1KG"').items
        return beans.quantity_on_hand

    (draft,) = create(xero, invoice(bondi, line("BEAN-HOUSE-1KG", "5", tax_type="EXEMPTOUTPUT")))
    assert on_hand() == 120  # a draft moves nothing
    approve = invoice(bondi, status="AUTHORISED", invoice_id=draft.invoice_id)
    approve.line_items = None
    (approved,) = xero.api.update_or_create_invoices(
        xero.tenant, invoices(approve), summarize_errors=False
    ).invoices
    assert approved.status == "AUTHORISED"
    assert on_hand() == 115
    void = invoice(bondi, status="VOIDED", invoice_id=draft.invoice_id)
    void.line_items = None
    xero.api.update_invoice(xero.tenant, draft.invoice_id, invoices(void))
    assert on_hand() == 120


def test_a_voided_invoice_cannot_change_again(xero, bondi) -> None:
    (created,) = create(xero, invoice(bondi, status="AUTHORISED"))
    void = invoice(bondi, status="VOIDED", invoice_id=created.invoice_id)
    xero.api.update_or_create_invoices(xero.tenant, invoices(void), summarize_errors=False)
    back = invoice(bondi, status="DRAFT", invoice_id=created.invoice_id)
    (refused,) = xero.api.update_or_create_invoices(
        xero.tenant, invoices(back), summarize_errors=False
    ).invoices
    assert messages_of(refused) == ["Invoice not of valid status for modification"]


def test_dates_xero_cannot_keep_are_refused_not_a_500(xero, bondi) -> None:
    item = line("CUP-8OZ-1000", "1", "9.50", tax_type="OUTPUT")
    far, early = create(
        xero,
        invoice(bondi, item, reference="SO-FAR", date=date(9999, 12, 31)),
        invoice(bondi, item, reference="SO-EARLY", date=date(1700, 1, 1)),
    )
    assert messages_of(far) == [
        "The document DueDate cannot be worked out: 30 days after 9999-12-31 is past 9999-12-31."
    ]
    assert messages_of(early) == [
        "The document Date 1700-01-01 is out of range (from 1753-01-01 to 9999-12-31)."
    ]
    assert xero.sandbox.state()["invoices"] == []


def test_an_invoice_line_keeps_four_decimals_shown_only_with_unitdp_4(xero, bondi) -> None:
    sent = invoice(bondi, line("CUP-8OZ-1000", "3", "10.1234", tax_type="OUTPUT"))
    (created,) = create(xero, sent, unitdp=4)
    assert created.total == Decimal("33.41")  # 30.37 + 3.04, from the unrounded price

    def unit_amount(**options) -> Decimal:
        (found,) = xero.api.get_invoices(xero.tenant, page=1, **options).invoices
        return found.line_items[0].unit_amount

    assert unit_amount() == Decimal("10.12")
    assert unit_amount(unitdp=4) == Decimal("10.1234")


# --- due dates ----------------------------------------------------------------------------------


@pytest.fixture
def no_terms(sandbox_factory, xero_factory):
    """The SDK on an organisation without payment terms, with one contact (C-1) and no items."""
    sandbox = sandbox_factory(seed="no-terms")
    xero = xero_factory(sandbox)
    xero.api.create_contacts(xero.tenant, contacts(Contact(name="Acme", account_number="C-1")))
    return xero


def test_without_payment_terms_an_approved_invoice_needs_a_due_date(no_terms) -> None:
    acme = contact_id(no_terms.sandbox, "C-1")
    plain = line(item_code=None, account_code="200")
    (refused,) = create(no_terms, invoice(acme, plain, status="AUTHORISED"))
    assert messages_of(refused) == ["The document DueDate field must be specified."]
    (draft,) = create(no_terms, invoice(acme, plain, reference="SO-D"))
    assert draft.status_attribute_string == "OK"
    assert draft.due_date is None
    due = date(2026, 5, 15)
    (dated,) = create(no_terms, invoice(acme, plain, status="AUTHORISED", due_date=due))
    assert (dated.status_attribute_string, dated.due_date) == ("OK", due)


def test_a_contacts_payment_terms_give_the_due_date(no_terms) -> None:
    acme = contact_id(no_terms.sandbox, "C-1")
    record = no_terms.sandbox.ledger().contacts.get(acme)
    terms = {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}}
    no_terms.sandbox.ledger().load_records([dict(record, PaymentTerms=terms)], [])
    (created,) = create(
        no_terms, invoice(acme, line(item_code=None, account_code="200"), status="AUTHORISED")
    )
    assert created.due_date == date(2026, 6, 20)  # dated 2026-05-01: the 20th of next month
