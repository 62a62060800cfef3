"""Settings picked from the organisation's lists (sales account, tax rates, currency) are checked
against the connected organisation when set from the command line, so a mistyped code is refused
at once instead of failing every later Auto Sync with Xero's message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.desks import Desk, Run, line
from xerologdesk.exits import EXIT_OK, EXIT_USAGE


def test_a_tax_type_or_account_the_organisation_lacks_is_refused_and_not_stored(
    desk: Desk,
) -> None:
    organisation = desk.sandbox.state()["organisation"]["Name"]
    refused = desk("settings", "default_tax_rate", "BOGUS")
    assert refused.code == EXIT_USAGE, refused.out
    assert refused.err.startswith(
        f"xerologdesk: default_tax_rate: \u201cBOGUS\u201d is not an active tax rate of "
        f"{organisation}; choose one of "
    )
    assert "OUTPUT" in refused.err and "EXEMPTOUTPUT" in refused.err
    assert desk("settings", "default_tax_rate").out == "\n"  # still not set

    account = desk("settings", "default_sales_account", "999")
    assert account.code == EXIT_USAGE
    assert "\u201c999\u201d is not an active sales account of" in account.err
    currency = desk("settings", "default_currency", "XYZ")
    assert currency.code == EXIT_USAGE
    assert "choose one of AUD, NZD, USD" in currency.err


def test_codes_the_organisation_has_are_stored_as_before(desk: Desk) -> None:
    for key, typed, stored in (
        ("default_tax_rate", "output", "OUTPUT"),
        ("default_non_taxable_tax_rate", "EXEMPTOUTPUT", "EXEMPTOUTPUT"),
        ("default_sales_account", "200", "200"),
    ):
        done = desk("settings", key, typed)
        assert (done.code, done.out, done.err) == (EXIT_OK, f"{key} = {stored}\n", "")
    cleared = desk("settings", "default_tax_rate", "")
    assert (cleared.code, cleared.err) == (EXIT_OK, "")  # clearing asks nothing of Xero


@pytest.mark.usefixtures("order_book")
def test_offline_the_value_is_kept_and_said_to_be_unchecked(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    done = run_cli("--data-dir", str(tmp_path / "data"), "settings", "default_tax_rate", "BOGUS")
    assert done.code == EXIT_OK
    assert done.out == "default_tax_rate = BOGUS\n"
    assert done.err == (
        "xerologdesk: default_tax_rate not checked (not connected to Xero); a sync that uses it "
        "will say if Xero lacks it\n"
    )


def test_a_tax_type_set_offline_fails_auto_sync_with_xeros_words_and_the_setting_to_check(
    desk: Desk,
) -> None:
    desk.settings_set_offline(
        default_sales_account="200",
        default_tax_rate="BOGUS",
        default_non_taxable_tax_rate="EXEMPTOUTPUT",
        auto_create_customers="on",
    )
    desk.import_rows([line("SO-1", ("C-1", "Known Shop"), "SKU-1")])
    desk("sync")
    assert desk("resolve", "--auto-sync", "SO-1").code != EXIT_OK
    [reason] = desk.log()["SO-1"]["reasons"]
    assert reason["code"] == "xero_rejected"
    assert reason["message"] == (
        "Xero rejected the item \u201cSKU-1\u201d: The TaxType code BOGUS does not exist or "
        "cannot be used for this type of transaction. Check \u201cDefault tax rate\u201d and "
        "\u201cDefault non-taxable tax rate\u201d in Settings against the organisation's tax "
        "rates, then Retry."
    )
    assert desk.xero()["items"] == []
