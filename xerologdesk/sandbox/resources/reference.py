"""Reference data: accounts, tax rates, currencies and the organisation, read-only through the API.

Their listings (the fields ``where`` and ``order`` know on ``GET /Accounts``, ``/TaxRates`` and
``/Currencies``), and the checks items and invoices make against them. The records themselves are
the seed's (:mod:`~xerologdesk.sandbox.seed`), kept by the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xerologdesk.sandbox.queries import Listing

if TYPE_CHECKING:
    from xerologdesk.sandbox.ledger import Ledger

ACCOUNTS = Listing(
    "Account",
    {
        "AccountID": "guid",
        "Code": "string",
        "Name": "string",
        "Type": "string",
        "Status": "string",
        "Class": "string",
        "TaxType": "string",
        "SystemAccount": "string",
        "BankAccountNumber": "string",
        "BankAccountType": "string",
        "CurrencyCode": "string",
        "EnablePaymentsToAccount": "bool",
        "ShowInExpenseClaims": "bool",
        "ReportingCode": "string",
        "UpdatedDateUTC": "date",
    },
    {},
)
TAX_RATES = Listing(
    "TaxRate",
    {
        "Name": "string",
        "TaxType": "string",
        "Status": "string",
        "ReportTaxType": "string",
        "CanApplyToAssets": "bool",
        "CanApplyToEquity": "bool",
        "CanApplyToExpenses": "bool",
        "CanApplyToLiabilities": "bool",
        "CanApplyToRevenue": "bool",
        "DisplayTaxRate": "number",
        "EffectiveRate": "number",
    },
    {},
)
CURRENCIES = Listing("Currency", {"Code": "string", "Description": "string"}, {})


def is_archived(account: Mapping[str, Any] | None) -> bool:
    """An account that exists but is archived: Xero names it as archived, not as unknown."""
    return account is not None and account.get("Status") == "ARCHIVED"


def usable_tax_rate(ledger: Ledger, tax_type: str, *, revenue: bool) -> bool:
    """An active tax rate that may be used on sales (``revenue``) or on purchases."""
    rate = ledger.tax_rate(tax_type)
    if rate is None or rate.get("Status") != "ACTIVE":
        return False
    return bool(rate.get("CanApplyToRevenue" if revenue else "CanApplyToExpenses"))
