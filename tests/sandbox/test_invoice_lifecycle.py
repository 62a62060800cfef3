"""What happens to an invoice in Xero after it is created, through xero-python: status changes
with Xero's rules and words, payments, ``If-Modified-Since``, and the admin endpoint that does
what an accountant does in Xero."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sandbox_helpers import admin, contact_id, invoice, invoices, line
from xero_python.accounting import Account, Invoice, Payment, Payments

from xerologdesk.sandbox import messages
from xerologdesk.sandbox.wire import parse_moment

pytestmark = pytest.mark.timeout(60)

# 2 x 10.00 plus 10% GST.
TOTAL = Decimal("22.00")


@pytest.fixture
def bondi(sandbox) -> str:
    return contact_id(sandbox, "C-1001")


def create(xero, contact: str, status: str = "AUTHORISED", reference: str = "SO-1") -> Invoice:
    body = invoices(invoice(contact, line(quantity="2"), status=status, reference=reference))
    (created,) = xero.api.create_invoices(xero.tenant, body, summarize_errors=False).invoices
    assert created.status == status, created.validation_errors
    return created


def change_status(xero, created: Invoice, status: str) -> Invoice:
    """POST /Invoices/{id} with the new status only, as an integration voids or deletes."""
    body = invoices(Invoice(invoice_id=created.invoice_id, status=status))
    (answered,) = xero.api.update_or_create_invoices(
        xero.tenant, body, summarize_errors=False
    ).invoices
    return answered


def pay(xero, created: Invoice, amount: str, code: str = "090") -> Payment:
    payment = Payment(
        invoice=Invoice(invoice_id=created.invoice_id),
        account=Account(code=code),
        amount=Decimal(amount),
    )
    (answered,) = xero.api.create_payments(
        xero.tenant, Payments(payments=[payment]), summarize_errors=False
    ).payments
    return answered


def errors(answered) -> list[str]:
    return [error.message for error in answered.validation_errors or []]


def current(xero, created: Invoice) -> Invoice:
    (found,) = xero.api.get_invoice(xero.tenant, created.invoice_id).invoices
    return found


# --- status changes -----------------------------------------------------------------------------


def test_an_authorised_invoice_is_voided_and_owes_nothing(xero, bondi) -> None:
    created = create(xero, bondi)
    voided = change_status(xero, created, "VOIDED")
    assert (voided.status, voided.amount_due) == ("VOIDED", 0)
    assert current(xero, created).status == "VOIDED"


def test_a_draft_or_submitted_invoice_is_deleted(xero, bondi) -> None:
    for status in ("DRAFT", "SUBMITTED"):
        created = create(xero, bondi, status, reference=f"SO-{status}")
        assert change_status(xero, created, "DELETED").status == "DELETED"


def test_a_draft_is_authorised(xero, bondi) -> None:
    created = create(xero, bondi, "DRAFT")
    approved = change_status(xero, created, "AUTHORISED")
    assert (approved.status, approved.amount_due) == ("AUTHORISED", TOTAL)


@pytest.mark.parametrize(
    ("status", "to"),
    [("AUTHORISED", "DELETED"), ("DRAFT", "VOIDED"), ("AUTHORISED", "DRAFT")],
)
def test_transitions_xero_refuses_keep_its_words(xero, bondi, status, to) -> None:
    created = create(xero, bondi, status)
    refused = change_status(xero, created, to)
    assert errors(refused) == [messages.INVOICE_STATUS_FOR_MODIFICATION]
    assert current(xero, created).status == status


# --- payments -----------------------------------------------------------------------------------


def test_a_payment_in_part_then_in_whole_makes_the_invoice_paid(xero, bondi) -> None:
    created = create(xero, bondi)
    first = pay(xero, created, "2.00")
    assert errors(first) == []
    assert (first.amount, first.payment_type, first.invoice.amount_due) == (2, "ACCRECPAYMENT", 20)
    part_paid = current(xero, created)
    assert (part_paid.status, part_paid.amount_paid, part_paid.amount_due) == ("AUTHORISED", 2, 20)
    pay(xero, created, "20.00")
    paid = current(xero, created)
    assert (paid.status, paid.amount_paid, paid.amount_due) == ("PAID", TOTAL, 0)
    assert [each.amount for each in paid.payments] == [2, 20]


def test_one_payment_is_created_with_post(xero, bondi) -> None:
    """xero-python's create_payment (POST /Payments, one Payment as the body), as Xero serves."""
    created = create(xero, bondi)
    payment = Payment(
        invoice=Invoice(invoice_id=created.invoice_id), account=Account(code="090"), amount=5
    )
    (answered,) = xero.api.create_payment(xero.tenant, payment).payments
    assert (answered.amount, answered.invoice.amount_due) == (5, 17)
    assert current(xero, created).amount_paid == 5


def test_an_invoice_with_a_payment_cannot_be_voided(xero, bondi) -> None:
    part_paid, paid = create(xero, bondi, reference="SO-PART"), create(xero, bondi)
    pay(xero, part_paid, "1.00")
    pay(xero, paid, str(TOTAL))
    assert errors(change_status(xero, part_paid, "VOIDED")) == [messages.PAYMENT_ALLOCATED]
    assert errors(change_status(xero, paid, "VOIDED")) == [
        messages.INVOICE_STATUS_FOR_MODIFICATION,
        messages.PAYMENT_ALLOCATED,
    ]
    assert errors(change_status(xero, paid, "DELETED"))[0] == (
        messages.INVOICE_STATUS_FOR_MODIFICATION
    )
    assert current(xero, paid).status == "PAID"


def test_payments_xero_refuses_keep_its_words(xero, bondi) -> None:
    draft, approved = create(xero, bondi, "DRAFT", "SO-D"), create(xero, bondi)
    assert errors(pay(xero, draft, "1.00")) == [messages.PAYMENT_NOT_AUTHORISED]
    assert errors(pay(xero, approved, "22.01")) == [messages.PAYMENT_TOO_LARGE]
    assert errors(pay(xero, approved, "1.00", code="200")) == [
        messages.PAYMENT_ACCOUNT_INVALID.format(code="200")
    ]
    assert errors(pay(xero, approved, "1.00", code="NOPE")) == [messages.PAYMENT_ACCOUNT_REQUIRED]
    assert current(xero, approved).amount_due == TOTAL


# --- If-Modified-Since --------------------------------------------------------------------------


def test_if_modified_since_answers_only_what_changed(xero, sandbox, bondi) -> None:
    tracked = "BEAN-HOUSE-1KG"
    create(xero, bondi, reference="SO-OLD")
    sandbox.advance_clock(60)
    since = sandbox.ledger().now()
    sandbox.advance_clock(60)
    newer = create(xero, bondi, reference="SO-NEW")
    changed = xero.api.get_invoices(xero.tenant, if_modified_since=since).invoices
    assert [each.reference for each in changed] == ["SO-NEW"]
    # Approving a sale moves its tracked item's stock and marks its contact a customer.
    assert [
        each.code for each in xero.api.get_items(xero.tenant, if_modified_since=since).items
    ] == [tracked]
    assert xero.api.get_contacts(xero.tenant, if_modified_since=since).contacts == []
    sandbox.advance_clock(60)
    later = sandbox.ledger().now()
    assert xero.api.get_invoices(xero.tenant, if_modified_since=later).invoices == []
    assert xero.api.get_items(xero.tenant, if_modified_since=later).items == []
    sandbox.advance_clock(60)
    change_status(xero, newer, "VOIDED")
    assert [
        each.status for each in xero.api.get_invoices(xero.tenant, if_modified_since=later).invoices
    ] == ["VOIDED"]


def test_if_modified_since_pages(xero, sandbox, bondi) -> None:
    since = sandbox.ledger().now() - timedelta(seconds=1)
    for number in range(3):
        create(xero, bondi, reference=f"SO-{number}")
    pages = [
        xero.api.get_invoices(xero.tenant, if_modified_since=since, page=page, page_size=2)
        for page in (1, 2)
    ]
    assert [len(each.invoices) for each in pages] == [2, 1]
    assert pages[0].pagination.item_count == 3


def test_every_change_moves_updated_date(xero, sandbox, bondi) -> None:
    created = create(xero, bondi)
    before = parse_moment(current(xero, created).updated_date_utc)
    sandbox.advance_clock(5)
    pay(xero, created, "1.00")
    assert parse_moment(current(xero, created).updated_date_utc) > before


# --- as an accountant ---------------------------------------------------------------------------


def test_the_admin_endpoint_voids_pays_and_refuses_as_xero(xero, sandbox, bondi) -> None:
    voided, paid = create(xero, bondi, reference="SO-V"), create(xero, bondi, reference="SO-P")
    status, body = admin(
        sandbox, "POST", f"/_sandbox/invoices/{voided.invoice_id}", {"status": "voided"}
    )
    assert (status, body["invoice"]["Status"]) == (200, "VOIDED")
    status, body = admin(sandbox, "POST", f"/_sandbox/invoices/{paid.invoice_id}", {"pay": "22.00"})
    assert (status, body["invoice"]["Status"], body["invoice"]["AmountDue"]) == (200, "PAID", 0)
    status, body = admin(
        sandbox, "POST", f"/_sandbox/invoices/{paid.invoice_id}", {"status": "VOIDED"}
    )
    assert status == 400
    assert body["messages"] == [
        messages.INVOICE_STATUS_FOR_MODIFICATION,
        messages.PAYMENT_ALLOCATED,
    ]
    assert current(xero, paid).status == "PAID"
    assert admin(sandbox, "POST", "/_sandbox/invoices/nope", {"status": "VOIDED"})[0] == 404
    assert admin(sandbox, "POST", f"/_sandbox/invoices/{paid.invoice_id}", {})[0] == 400
