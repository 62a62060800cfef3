"""Accounts, tax rates, the organisation and currencies through xero-python."""

from __future__ import annotations

from decimal import Decimal

import pytest
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

pytestmark = pytest.mark.timeout(60)


def test_the_chart_of_accounts_has_sales_accounts(xero) -> None:
    accounts = {each.code: each for each in xero.api.get_accounts(xero.tenant).accounts}
    assert accounts["200"].name == "Sales"
    assert accounts["200"].type.value == "REVENUE"
    assert accounts["260"].name == "Other Revenue"
    assert accounts["290"].status == "ARCHIVED"
    assert accounts["610"].system_account == "DEBTORS"


def test_accounts_can_be_filtered_and_found_by_id(xero) -> None:
    revenue = xero.api.get_accounts(
        xero.tenant, where='Type=="REVENUE" AND Status=="ACTIVE"', order="Code DESC"
    ).accounts
    assert [each.code for each in revenue] == ["270", "260", "205", "200"]
    by_id = xero.api.get_account(xero.tenant, revenue[0].account_id).accounts
    assert [each.code for each in by_id] == ["270"]
    with pytest.raises(NotFoundException):
        xero.api.get_account(xero.tenant, "0f0f0f0f-0000-4000-8000-000000000000")


def test_a_bad_where_on_accounts_is_a_query_parse_exception(xero) -> None:
    with pytest.raises(AccountingBadRequestException) as raised:
        xero.api.get_accounts(xero.tenant, where="Type==")
    assert raised.value.error_data["Type"] == "QueryParseException"


def test_gst_rates_include_a_non_taxable_one(xero) -> None:
    rates = {each.tax_type: each for each in xero.api.get_tax_rates(xero.tenant).tax_rates}
    assert rates["OUTPUT"].name == "GST on Income"
    assert rates["OUTPUT"].effective_rate == Decimal(10)
    assert rates["EXEMPTOUTPUT"].effective_rate == Decimal(0)
    assert rates["EXEMPTOUTPUT"].can_apply_to_revenue is True
    assert rates["INPUT"].can_apply_to_revenue is False


def test_tax_rates_can_be_filtered(xero) -> None:
    found = xero.api.get_tax_rates(xero.tenant, where='TaxType=="BASEXCLUDED"').tax_rates
    assert [each.name for each in found] == ["BAS Excluded"]
    found = xero.api.get_tax_rates(xero.tenant, where="EffectiveRate > 0").tax_rates
    assert sorted(each.tax_type for each in found) == ["INPUT", "OUTPUT"]


def test_the_organisation_is_an_aud_business(xero) -> None:
    (organisation,) = xero.api.get_organisations(xero.tenant).organisations
    assert organisation.name == "Harbourside Wholesale"
    assert organisation.base_currency.value == "AUD"
    assert organisation.organisation_id == xero.tenant


def test_enabled_currencies(xero) -> None:
    codes = [each.code.value for each in xero.api.get_currencies(xero.tenant).currencies]
    assert codes == ["AUD", "NZD", "USD"]


def test_the_empty_organisation_has_reference_data_but_no_records(empty_xero) -> None:
    assert empty_xero.api.get_contacts(empty_xero.tenant).contacts == []
    assert empty_xero.api.get_items(empty_xero.tenant).items == []
    assert len(empty_xero.api.get_accounts(empty_xero.tenant).accounts) == 18
    assert len(empty_xero.api.get_tax_rates(empty_xero.tenant).tax_rates) == 8


def test_unserved_resources_are_not_found(xero) -> None:
    with pytest.raises(NotFoundException):
        xero.api.get_bank_transactions(xero.tenant)
    with pytest.raises(NotFoundException):
        xero.api.get_payments(xero.tenant)
