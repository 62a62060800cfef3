"""The lists the settings are picked from, read from the connected organisation: its sales
accounts, tax rates and currencies (run in a worker: these are calls to Xero)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xerologdesk.app import App

# Account types that can carry sales (Xero's REVENUE class).
SALES_ACCOUNT_TYPES = ("REVENUE", "SALES", "OTHERINCOME")


@dataclass(frozen=True)
class Choice:
    """One entry of a list: the value stored and how it is shown."""

    value: str
    label: str


@dataclass(frozen=True)
class ReferenceLists:
    organisation: str
    accounts: tuple[Choice, ...]
    tax_rates: tuple[Choice, ...]
    currencies: tuple[Choice, ...]


def read_reference_lists(app: App) -> ReferenceLists:
    """Ask the connected organisation for its lists (NotConnected when there is none)."""
    gateway = app.gateway()
    organisation = gateway.organisation()
    active = [account for account in gateway.accounts() if account.status == "ACTIVE"]
    sales = [account for account in active if account.type in SALES_ACCOUNT_TYPES] or active
    rates = [rate for rate in gateway.tax_rates() if rate.status == "ACTIVE"]
    return ReferenceLists(
        organisation=organisation.name,
        accounts=tuple(
            Choice(account.code, f"{account.code} \u2014 {account.name}")
            for account in sorted(sales, key=lambda each: each.code)
            if account.code
        ),
        tax_rates=tuple(
            Choice(rate.tax_type, f"{rate.name} ({_percent(rate.rate)}) \u2014 {rate.tax_type}")
            for rate in rates
        ),
        currencies=tuple(Choice(code, code) for code in sorted(gateway.currencies())),
    )


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"
