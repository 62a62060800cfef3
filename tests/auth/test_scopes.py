"""The scopes the app asks Xero for cover every call it makes, and a missing one says so.

The sandbox enforces scopes per resource and method as Xero does, so the app is connected here
through the real consent flow (granted exactly what it asks for, in the granular and in the legacy
scheme) and then does everything a user does: a whole sync, Auto Sync creating a contact and an
item, stock retrieval after approved invoices, and the settings lists.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auth.test_connect_command import connect, run
from tests.auth.test_reconnect import log
from tests.support.browser import Browser
from xerologdesk.app import open_app
from xerologdesk.exits import EXIT_ORDERS_FAILED
from xerologdesk.sandbox import Sandbox
from xerologdesk.xero.oauth import LEGACY_SCOPES, SCOPES

pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parents[2]


def connected(tmp_path: Path, sandbox: Sandbox, *, legacy: bool, scope: str | None = None) -> None:
    """``tmp_path``'s app connected; ``scope``: what the consent grants instead of what it asked."""
    if legacy:
        assert run(tmp_path, "settings", "legacy_scopes", "on")[0] == 0
    browser = Browser(scope=scope)
    code, _, err = connect(tmp_path, sandbox, browser)
    assert code == 0, err
    assert browser.visit.form is not None
    assert browser.visit.form.hidden["scope"] == (LEGACY_SCOPES if legacy else SCOPES)


@pytest.mark.parametrize("legacy", [False, True], ids=["granular", "legacy"])
def test_the_scopes_asked_for_cover_everything_the_app_does(
    tmp_path: Path, sandbox: Sandbox, legacy: bool
) -> None:
    connected(tmp_path, sandbox, legacy=legacy)
    for key, value in {
        "invoice_status": "AUTHORISED",
        "retrieve_stock_on_hand": "on",
        "default_sales_account": "200",
        "default_tax_rate": "OUTPUT",
        "default_non_taxable_tax_rate": "EXEMPTOUTPUT",
    }.items():
        assert run(tmp_path, "settings", key, value)[0] == 0
    assert run(tmp_path, "import", str(ROOT / "resources" / "demo-orders.csv"))[0] == 0
    before = {item["Code"]: item.get("QuantityOnHand") for item in sandbox.state()["items"]}

    code, _, err = run(tmp_path, "sync")
    assert code == EXIT_ORDERS_FAILED, err  # the demo's failures, none of them for access
    failed = [ref for ref, row in log(tmp_path).items() if row["status"] == "failed"]
    assert failed and "AuthorizationUnsuccessful" not in err
    code, _, err = run(tmp_path, "resolve", "--auto-sync", *failed)
    assert code == EXIT_ORDERS_FAILED, err  # some fail for Xero's own reasons (below)

    rows = log(tmp_path)
    # SO-1006 needed a new contact and two new items; the rest fail for Xero's own reasons.
    assert rows["SO-1006"]["status"] == "succeeded"
    assert rows["SO-1005"]["status"] == "succeeded"
    codes = {reason["code"] for row in rows.values() for reason in row["reasons"]}
    assert "not_connected" not in codes
    assert {each["Code"] for each in sandbox.state()["items"]} >= {
        "BEAN-SO-KEN-1KG",
        "CUP-4OZ-1000",
    }
    after = {item["Code"]: item.get("QuantityOnHand") for item in sandbox.state()["items"]}
    assert after["BEAN-HOUSE-1KG"] < before["BEAN-HOUSE-1KG"]  # approved sales took stock
    app = open_app(tmp_path, log=False)
    try:
        gateway = app.gateway()
        assert gateway.organisation().name == "Harbourside Wholesale"
        assert {account.code for account in gateway.accounts()} >= {"200"}
        assert {rate.tax_type for rate in gateway.tax_rates()} >= {"OUTPUT", "EXEMPTOUTPUT"}
        assert "AUD" in gateway.currencies()
    finally:
        app.close()


def test_without_the_contacts_scope_orders_wait_and_the_app_says_what_to_do(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    connected(
        tmp_path,
        sandbox,
        legacy=False,
        scope="offline_access accounting.invoices accounting.settings.read",
    )
    assert run(tmp_path, "import", str(ROOT / "resources" / "demo-orders.csv"))[0] == 0
    code, _, err = run(tmp_path, "sync")
    assert code == 2
    assert "Xero did not allow this call (AuthorizationUnsuccessful)" in err
    assert "Connect to Xero again and allow access to invoices, contacts and settings" in err
    assert {row["status"] for row in log(tmp_path).values()} == {"pending"}
    assert sandbox.state()["invoices"] == []


def test_without_the_settings_scope_connecting_says_what_to_allow(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    browser = Browser(scope="offline_access accounting.invoices accounting.contacts")
    code, _, err = connect(tmp_path, sandbox, browser)
    assert code == 2
    assert "Xero did not allow this call (AuthorizationUnsuccessful)" in err
    assert "legacy_scopes" in err
