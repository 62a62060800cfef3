"""Settings: declared once, stored in the order book, typed on the way out, validated on the
way in with messages that name the setting and what it allows."""

from __future__ import annotations

import threading

import peewee
import pytest

from xerologdesk.settings import DECLARATIONS, Setting, SettingError, Settings
from xerologdesk.store import book, models

# The order book behaves the same on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_engines


def test_defaults_until_set(db: peewee.Database) -> None:
    assert (
        Settings().all().items()
        >= {
            "auto_create_customers": False,
            "default_sales_account": "",
            "default_tax_rate": "",
            "default_non_taxable_tax_rate": "",
            "invoice_status": "DRAFT",
            "invoice_number_from_order_ref": False,
            "retrieve_stock_on_hand": False,
            "auto_sync_new_orders": True,
            "default_currency": "AUD",
            "inbox_folder": "",
        }.items()
    )


def test_every_setting_has_a_label_and_help() -> None:
    for declaration in DECLARATIONS:
        assert declaration.label and declaration.help, declaration.key
    labels = {d.key: d.label for d in DECLARATIONS}
    assert labels["auto_create_customers"] == "Automatically create missing customers in Xero"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        *[("on", True), ("YES", True), ("true", True), ("1", True)],
        *[("off", False), ("No", False), ("false", False), ("0", False)],
    ],
)
def test_switches_read_the_usual_words(db: peewee.Database, text: str, value: bool) -> None:
    settings = Settings()
    settings.set_text("auto_create_customers", text)
    assert settings.get("auto_create_customers") is value
    assert settings.format("auto_create_customers") == ("on" if value else "off")


def test_choices_take_any_case_and_keep_their_spelling(db: peewee.Database) -> None:
    settings = Settings()
    settings.set_text("invoice_status", "Submitted")
    assert settings.get("invoice_status") == "SUBMITTED"
    lower_case = Setting("store", str, "keyring", "Store", "Where.", choices=("keyring", "file"))
    assert lower_case.parse(" FILE ") == "file"


def test_values_are_normalised_and_survive_a_new_settings_object(db: peewee.Database) -> None:
    settings = Settings()
    settings.set_text("invoice_status", "authorised")
    settings.set_text("default_currency", " nzd ")
    settings.set_text("default_tax_rate", "output")
    settings.set("default_sales_account", "200")
    settings.set("retrieve_stock_on_hand", True)
    fresh = Settings()
    assert fresh.get("invoice_status") == "AUTHORISED"
    assert fresh.get("default_currency") == "NZD"
    assert fresh.get("default_tax_rate") == "OUTPUT"
    assert fresh.get("default_sales_account") == "200"
    assert fresh.get("retrieve_stock_on_hand") is True
    stored = dict(book.tuples(models.Setting.select(models.Setting.key, models.Setting.value)))
    assert stored["retrieve_stock_on_hand"] == "on"


def test_a_setting_can_be_cleared_and_reset(db: peewee.Database) -> None:
    settings = Settings()
    settings.set("default_sales_account", "200")
    settings.set_text("default_sales_account", "")
    assert settings.get("default_sales_account") == ""
    settings.set("invoice_status", "SUBMITTED")
    settings.reset("invoice_status")
    assert settings.get("invoice_status") == "DRAFT"


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        (
            "auto_create_customers",
            "maybe",
            "auto_create_customers must be on or off (also true/false, yes/no, 1/0); "
            "got \u201cmaybe\u201d",
        ),
        (
            "invoice_status",
            "PAID",
            "invoice_status must be one of DRAFT, SUBMITTED, AUTHORISED; got \u201cPAID\u201d",
        ),
        (
            "default_currency",
            "dollars",
            "default_currency must be a three-letter currency code such as AUD; "
            "got \u201cdollars\u201d",
        ),
        (
            "default_sales_account",
            "200 Sales",
            "default_sales_account must be a Xero account code of up to 10 letters or digits "
            "(e.g. 200), or empty; got \u201c200 Sales\u201d",
        ),
        (
            "default_tax_rate",
            "GST 10%",
            "default_tax_rate must be a Xero tax type such as OUTPUT (letters, digits and _), "
            "or empty; got \u201cGST 10%\u201d",
        ),
    ],
)
def test_bad_values_are_refused_with_the_allowed_values(
    db: peewee.Database, key: str, text: str, message: str
) -> None:
    settings = Settings()
    before = settings.get(key)
    with pytest.raises(SettingError) as refused:
        settings.set_text(key, text)
    assert str(refused.value) == message
    assert settings.get(key) == before
    assert Settings().get(key) == before


def test_an_unknown_setting_names_the_known_ones(db: peewee.Database) -> None:
    with pytest.raises(SettingError) as refused:
        Settings().set_text("auto_create_customer", "on")
    assert str(refused.value).startswith(
        "unknown setting \u201cauto_create_customer\u201d; the settings are: "
        "auto_create_customers, default_sales_account,"
    )


def test_a_typed_value_of_the_wrong_type_is_refused(db: peewee.Database) -> None:
    with pytest.raises(SettingError, match="auto_sync_new_orders must be on or off"):
        Settings().set("auto_sync_new_orders", 3)


def test_a_stored_value_edited_by_hand_falls_back_to_the_default(db: peewee.Database) -> None:
    models.Setting.create(key="invoice_status", value="PAID")
    assert Settings().get("invoice_status") == "DRAFT"


def test_a_change_made_on_another_connection_is_seen(db: peewee.Database) -> None:
    settings = Settings()
    assert settings.get("auto_create_customers") is False

    def change_elsewhere() -> None:
        Settings().set_text("auto_create_customers", "on")  # a connection of its own
        db.close()

    worker = threading.Thread(target=change_elsewhere)
    worker.start()
    worker.join()
    assert settings.get("auto_create_customers") is True
