"""Every validation message the sandbox answers, in one place.

Messages marked *Xero's* are Xero's own words (Xero's documentation and OpenAPI examples, answers
quoted in Xero's SDK issue trackers, or in the help pages of integrations that show Xero's answers;
see docs/xero-behaviour.md). Xero does not publish the others; the sandbox picks a wording in
Xero's style, and tests assert exactly these strings, so change them here only.
"""

from __future__ import annotations

# --- contacts -----------------------------------------------------------------------------------
# Xero's.
CONTACT_NAME_EMPTY = "Contact Name cannot be empty."
# Xero's.
CONTACT_NAME_TAKEN = (
    "The contact name {name} is already assigned to another contact. The contact name must be "
    "unique across all active contacts."
)
# Xero's.
ACCOUNT_NUMBER_TAKEN = "The Account Number already exists. Please enter a different Account Number."
# Xero's.
EMAIL_INVALID = "Email address must be valid."
# Chosen.
CONTACT_STATUS_INVALID = "Contact status must be ACTIVE or ARCHIVED."
CONTACT_NOT_FOUND = "A contact with ContactID {contact_id} could not be found."

# --- items --------------------------------------------------------------------------------------
# Xero's.
ITEM_CODE_TAKEN = "Price List Item with Code '{code}' already exists"
# Chosen.
ITEM_CODE_EMPTY = "Item Code cannot be empty."
ITEM_NOT_FOUND = "An item with ItemID {item_id} could not be found."
INVENTORY_ACCOUNT_REQUIRED = (
    "An inventory asset account must be specified for an item tracked as inventory."
)
ITEM_ACCOUNT_INVALID = "Account code '{code}' is not a valid code."

# --- invoices -----------------------------------------------------------------------------------
# Xero's.
INVOICE_NUMBER_TAKEN = "Invoice # must be unique."
# Xero's.
ACCOUNT_CODE_INVALID = "Account code '{code}' is not a valid code for this document."
# Xero's.
ACCOUNT_CODE_REQUIRED = "Account code must be specified."
# Xero's.
TAX_TYPE_INVALID = (
    "The TaxType code {tax_type} does not exist or cannot be used for this type of transaction."
)
# Xero's.
CONTACT_EMPTY = "Contact cannot be empty."
# Xero's.
CURRENCY_NOT_ENABLED = "Organisation is not subscribed to currency {code}"
# Xero's.
INVOICE_STATUS_FOR_CREATION = "Invoice not of valid status for creation"
# Xero's.
INVOICE_STATUS_FOR_MODIFICATION = "Invoice not of valid status for modification"
# Xero's (quoted by Fooman Connect's help page "Error Message: Item Code 'X' is not valid").
ITEM_CODE_INVALID = "Item code '{code}' is not valid."
# Xero's (quoted by the Xero help pages of ServiceM8, YourTradebase, Re-Leased and others).
CONTACT_ARCHIVED = (
    "The contact with the specified contact details has been archived. The contact must be "
    "un-archived before creating new invoices or credit notes."
)
# Xero's (quoted by Expend's and YourTradebase's help pages).
ACCOUNT_CODE_ARCHIVED = (
    "Account code '{code}' has been archived, or has been deleted. Each line item must reference "
    "a valid account."
)
# Xero's (xeroizer#290): an approved invoice with no DueDate and no payment terms to give one.
DUE_DATE_REQUIRED = "The document DueDate field must be specified."
# Xero's (quoted by the Xero help pages of Payhawk and Clio; Ascora's shows it after
# INVOICE_STATUS_FOR_MODIFICATION): voiding or editing an invoice that has a payment on it.
PAYMENT_ALLOCATED = (
    "This document cannot be edited as it has a payment or credit note allocated to it."
)
# Chosen.
INVOICE_TYPE_REQUIRED = "Invoice Type must be specified."
LINE_ITEMS_REQUIRED = "Invoices must have at least one line item."
INVOICE_NOT_FOUND = "An invoice with InvoiceID {invoice_id} could not be found."
# Chosen (Xero does not publish its date range, see resources.invoices.EARLIEST_DAY).
DATE_OUT_OF_RANGE = "The document {field} {day} is out of range (from 1753-01-01 to 9999-12-31)."
DUE_DATE_OUT_OF_RANGE = (
    "The document DueDate cannot be worked out: {days} days after {day} is past 9999-12-31."
)

# --- payments -----------------------------------------------------------------------------------
# Xero's (quoted by Workato's help page "Payments can only be made against Authorised documents").
PAYMENT_NOT_AUTHORISED = "Payments can only be made against Authorised documents"
# Xero's (quoted by the help pages of Workato, Bill.com Cashflow360 and Peakflo).
PAYMENT_TOO_LARGE = "Payment amount exceeds the amount outstanding on this document"
# Xero's (quoted by Bill.com's help page "You must specify an Account code or Account ID ...").
PAYMENT_ACCOUNT_REQUIRED = "You must specify an Account code or Account ID for the payment"
# Chosen (Xero asks for a bank account or one with "Enable payments to this account" on; its
# wording for the refusal is not published).
PAYMENT_ACCOUNT_INVALID = (
    "Account code '{code}' is not a bank account and payments to it are not enabled."
)
# Chosen.
PAYMENT_INVOICE_REQUIRED = "An Invoice must be specified for the payment."
PAYMENT_AMOUNT_INVALID = "The payment Amount must be more than zero."

# --- any record ---------------------------------------------------------------------------------
# Chosen (Xero enforces the lengths its OpenAPI spec gives; its wording is not published).
TOO_LONG = "{field} must not be more than {limit} characters long."

# --- the API gateway (not the accounting app) ---------------------------------------------------
# Xero's (its idempotency guide; docs/xero-behaviour.md).
IDEMPOTENCY_KEY_REUSED = "Idempotency Key: {key} is used with a different request."
# Chosen.
IDEMPOTENCY_KEY_TOO_LONG = "Idempotency Key: must be at most 128 characters."
# Chosen (Xero does not document its answer while the first call with a key is under way).
IDEMPOTENCY_KEY_IN_PROGRESS = "Idempotency Key: {key} is used by a request still in progress."
