"""The lists some settings are picked from, read from the connected organisation (its sales
accounts, tax rates and currencies), and the check of a chosen value against them.

These are calls to Xero: the window runs them in a worker, the command line in its own turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xerologdesk.sync.outcomes import quoted
from xerologdesk.xero.gateway import XeroGateway

# Settings picked from the organisation's lists, and which list.
FROM_XERO = {
    "default_sales_account": "accounts",
    "default_tax_rate": "tax_rates",
    "default_non_taxable_tax_rate": "tax_rates",
    "default_currency": "currencies",
}
# What each list holds, in words.
_LIST_NOUN = {"accounts": "sales account", "tax_rates": "tax rate", "currencies": "currency"}
_SHOWN_CHOICES = 12  # a message names this many of the allowed values, then says how many more


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

    def problem_with(self, key: str, value: str) -> str | None:
        """Why ``value`` cannot be the setting ``key`` in this organisation; None when it can
        (or when the setting is not picked from a list, or left empty)."""
        which = FROM_XERO.get(key)
        if which is None or not value:
            return None
        choices: tuple[Choice, ...] = getattr(self, which)
        if any(choice.value == value for choice in choices):
            return None
        refused = f"{key}: {quoted(value)} is not an active {_LIST_NOUN[which]} of "
        if not choices:
            return refused + f"{self.organisation}, which has none"
        shown = ", ".join(choice.value for choice in choices[:_SHOWN_CHOICES])
        more = len(choices) - _SHOWN_CHOICES
        if more > 0:
            shown += f" and {more:,} more"
        return refused + f"{self.organisation}; choose one of {shown}"


def read_reference_lists(gateway: XeroGateway) -> ReferenceLists:
    """Ask the connected organisation for its lists."""
    organisation = gateway.organisation()
    active = [account for account in gateway.accounts() if account.active]
    sales = [account for account in active if account.takes_sales] or active
    rates = [rate for rate in gateway.tax_rates() if rate.active]
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
