"""The integration settings: each declared once (key, type, default, label, help, allowed
values), stored as text in the ``setting`` table, read back typed.

No Qt here: the settings dialog, the CLI's ``settings`` command and the sync engine all read
the same declarations. Window geometry and other view state belong in ``QSettings`` instead.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xerologdesk.store import models
from xerologdesk.store.book import tuples
from xerologdesk.store.db import change_marker
from xerologdesk.store.values import FALSE_WORDS, TRUE_WORDS

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class SettingError(ValueError):
    """An unknown setting or a value it does not allow; the message names both."""


# A validator turns a candidate value into the stored one (e.g. upper-cased) or raises
# SettingError-worthy ValueError with what is allowed.
Validator = Callable[[str], str]


@dataclass(frozen=True)
class Setting:
    """One setting's declaration."""

    key: str
    type: type
    default: Any
    label: str
    help: str
    choices: tuple[str, ...] = ()
    validator: Validator | None = None
    allowed: str = ""  # the allowed values in words, for error messages
    # How the settings dialog names each of ``choices`` (the same order); empty: capitalised.
    choice_labels: tuple[str, ...] = ()

    def parse(self, text: str) -> Any:
        """The typed value for ``text`` (as typed on the command line); SettingError if bad."""
        if self.type is bool:
            word = text.strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise self._error(text)
        return self.validate(text)

    def validate(self, value: Any) -> Any:
        """``value`` checked (and normalised, e.g. upper-cased) for storing; SettingError if bad."""
        if self.type is bool:
            if isinstance(value, str):
                return self.parse(value)
            if not isinstance(value, bool):
                raise self._error(value)
            return value
        if not isinstance(value, str) or _CONTROL.search(value):
            raise self._error(value)
        value = value.strip()
        if self.choices:
            # Any case is accepted; the declared spelling is stored.
            spelled = {choice.casefold(): choice for choice in self.choices}
            if value.casefold() not in spelled:
                raise self._error(value)
            return spelled[value.casefold()]
        if self.validator is not None:
            try:
                return self.validator(value)
            except ValueError:
                raise self._error(value) from None
        return value

    def to_text(self, value: Any) -> str:
        """How the value is stored and shown: ``on``/``off`` for switches."""
        if self.type is bool:
            return "on" if value else "off"
        return str(value)

    def describe_allowed(self) -> str:
        """The allowed values in words, for messages and help."""
        if self.type is bool:
            return "on or off (also true/false, yes/no, 1/0)"
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return self.allowed or "any text"

    def _error(self, value: Any) -> SettingError:
        shown = value if isinstance(value, str) else repr(value)
        return SettingError(
            f"{self.key} must be {self.describe_allowed()}; got \u201c{shown}\u201d"
        )


def _optional(pattern: str, *, upper: bool) -> Validator:
    """A validator for an optional code: "" (not set) or text matching ``pattern``."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if upper:
            value = value.upper()
        if value and not compiled.fullmatch(value):
            raise ValueError(value)
        return value

    return check


def _days(value: str) -> str:
    """ "" (leave the due date to Xero's payment terms) or a whole number of days, 0 to 365."""
    if value and not (value.isascii() and value.isdigit() and int(value) <= 365):
        raise ValueError(value)
    return str(int(value)) if value else ""


def _currency(value: str) -> str:
    value = value.upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(value)
    return value


# The setting whose change writes or removes the autostart entry (xerologdesk.autostart).
START_AT_LOGIN = "start_at_login"
# What closing the window does with automatic sync on (``close_to_tray``): ask the first time,
# keep running in the tray, quit.
TRAY_ASK, TRAY_ON, TRAY_OFF = "ask", "on", "off"
# The minutes ``sync_every_minutes`` takes ("0": off).
SYNC_EVERY_CHOICES = ("0", "5", "15", "30", "60")

DECLARATIONS: tuple[Setting, ...] = (
    Setting(
        "auto_create_customers",
        bool,
        False,
        "Automatically create missing customers in Xero",
        "When a sync finds no Xero contact for the order's customer, create one (name, account "
        "number = customer reference, email, billing address) instead of failing the order.",
    ),
    Setting(
        "default_sales_account",
        str,
        "",
        "Default sales account",
        "The Xero account code (e.g. 200) put on invoice lines and on items Auto Sync creates.",
        validator=_optional(r"[A-Za-z0-9]{1,10}", upper=False),
        allowed="a Xero account code of up to 10 letters or digits (e.g. 200), or empty",
    ),
    Setting(
        "default_tax_rate",
        str,
        "",
        "Default tax rate",
        "The Xero tax type (e.g. OUTPUT) for taxable products.",
        validator=_optional(r"[A-Z0-9_]{1,50}", upper=True),
        allowed="a Xero tax type such as OUTPUT (letters, digits and _), or empty",
    ),
    Setting(
        "default_non_taxable_tax_rate",
        str,
        "",
        "Default non-taxable tax rate",
        "The Xero tax type (e.g. EXEMPTOUTPUT) for products that are not taxable.",
        validator=_optional(r"[A-Z0-9_]{1,50}", upper=True),
        allowed="a Xero tax type such as EXEMPTOUTPUT (letters, digits and _), or empty",
    ),
    Setting(
        "link_writes_account_number",
        bool,
        True,
        "Linking a customer writes its reference into the contact",
        "When you link a customer to a Xero contact that has no account number, give that contact "
        "the customer's reference as its account number, so Xero itself matches it next time.",
    ),
    Setting(
        "invoice_status",
        str,
        "DRAFT",
        "Invoice status",
        "The status invoices are created with in Xero.",
        choices=("DRAFT", "SUBMITTED", "AUTHORISED"),
    ),
    Setting(
        "due_in_days",
        str,
        "",
        "Invoices due in (days)",
        "Empty: Xero gives each invoice the due date of the contact's or the organisation's "
        "payment terms. A number: invoices are due that many days after the order's posted date "
        "(Xero refuses a submitted or approved invoice without a due date when there are no "
        "payment terms).",
        validator=_days,
        allowed="a whole number of days from 0 to 365, or empty (Xero's payment terms)",
    ),
    Setting(
        "invoice_number_from_order_ref",
        bool,
        False,
        "Use the order ref as the invoice number",
        "Off: Xero numbers invoices from its own sequence. On: the invoice number is the order "
        "ref (Xero refuses a number already used).",
    ),
    Setting(
        "retrieve_stock_on_hand",
        bool,
        False,
        "Retrieve stock on hand from Xero",
        "After a successful sync, read each product's quantity on hand back from Xero. Xero "
        "commits stock only once an invoice is authorised, not while it is a draft.",
    ),
    Setting(
        "auto_sync_new_orders",
        bool,
        True,
        "Sync new orders automatically",
        "Sync orders in the background as soon as they are imported.",
    ),
    Setting(
        "default_currency",
        str,
        "AUD",
        "Default currency",
        "The currency of imported orders that do not name one.",
        validator=_currency,
        allowed="a three-letter currency code such as AUD",
    ),
    Setting(
        "legacy_scopes",
        bool,
        False,
        "My Xero app was created before March 2026",
        "On: connect with the broad scopes (accounting.transactions, accounting.settings) of Xero "
        "apps created before 2 March 2026. Off: the granular scopes newer apps must use. Takes "
        "effect at the next connect.",
    ),
    Setting(
        "token_store",
        str,
        "keyring",
        "Where the Xero sign-in is kept",
        "keyring: the system keyring (recommended). file: a file in the data directory that only "
        "you can read, for systems without a keyring (also XEROLOGDESK_TOKEN_STORE=file). Takes "
        "effect at the next connect.",
        choices=("keyring", "file"),
    ),
    Setting(
        "inbox_folder",
        str,
        "",
        "Inbox folder",
        "A folder the desktop app watches for order files to import (empty: none).",
        allowed="a folder path, or empty",
    ),
    Setting(
        "sync_every_minutes",
        str,
        "15",
        "Sync automatically",
        "While the app runs (its window open, or in the tray) and connected to Xero, sync the "
        "pending orders every this many minutes; 0 turns it off. A fresh install syncs every 15 "
        "minutes as soon as it is connected. A run already under way is never doubled.",
        choices=SYNC_EVERY_CHOICES,
        choice_labels=(
            "Off",
            "Every 5 minutes",
            "Every 15 minutes",
            "Every 30 minutes",
            "Every hour",
        ),
    ),
    Setting(
        "notify_failures",
        bool,
        True,
        "Notify me when orders fail",
        "One desktop notification per sync that leaves new failed orders, counted by cause "
        "(never one per order).",
    ),
    Setting(
        "notify_connection",
        bool,
        True,
        "Notify me when syncing stops",
        "A desktop notification when the Xero connection needs signing in again, and when "
        "Xero's day limit pauses syncing.",
    ),
    Setting(
        "close_to_tray",
        str,
        TRAY_ASK,
        "Closing the window",
        "While automatic sync is on, closing the window can leave the app syncing in the "
        "system tray. ask: ask the first time and remember the answer; on: keep running in the "
        "tray; off: quit.",
        choices=(TRAY_ASK, TRAY_ON, TRAY_OFF),
        choice_labels=("Ask the first time", "Keep running in the tray", "Quit"),
    ),
    Setting(
        START_AT_LOGIN,
        bool,
        False,
        "Start at login, in the tray",
        "Start the app when you log in to this computer, minimised to the system tray, so "
        "automatic sync runs without opening it.",
    ),
)

_BY_KEY = {declaration.key: declaration for declaration in DECLARATIONS}


def declaration(key: str) -> Setting:
    """The declaration of ``key``; SettingError naming the known settings if there is none."""
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(_BY_KEY)
        raise SettingError(
            f"unknown setting \u201c{key}\u201d; the settings are: {known}"
        ) from None


def sync_every_minutes(settings: Settings) -> int:
    """The minutes between automatic syncs (0: off)."""
    return int(settings.get("sync_every_minutes"))


class Settings:
    """The settings stored in the order book, read typed and written validated.

    Values are cached per thread and reloaded when another connection (another thread or
    process) has committed since, so the sync engine can ask for a setting per line cheaply.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def declarations(self) -> tuple[Setting, ...]:
        return DECLARATIONS

    def declaration(self, key: str) -> Setting:
        return declaration(key)

    def _values(self) -> dict[str, Any]:
        marker = change_marker()
        cached: tuple[tuple[object, int], dict[str, Any]] | None = getattr(
            self._local, "cache", None
        )
        if cached is not None and cached[0][0] is marker[0] and cached[0][1] == marker[1]:
            return cached[1]
        values = {setting.key: setting.default for setting in DECLARATIONS}
        stored = models.Setting.select(models.Setting.key, models.Setting.value)
        for key, text in tuples(stored):
            setting = _BY_KEY.get(key)
            if setting is None:
                continue  # written by a newer version, or retired: not ours to interpret
            try:
                values[key] = setting.parse(text)
            except SettingError:
                log.warning("ignoring the stored value of %s: %r; using the default", key, text)
        self._local.cache = (marker, values)
        return values

    def get(self, key: str) -> Any:
        """The typed value of ``key`` (its default until set)."""
        declaration(key)
        return self._values()[key]

    def all(self) -> dict[str, Any]:
        """Every setting's typed value, in declaration order."""
        return dict(self._values())

    def format(self, key: str) -> str:
        """The value of ``key`` as text (``on``/``off`` for switches)."""
        return declaration(key).to_text(self.get(key))

    def set(self, key: str, value: Any) -> Any:
        """Validate and store ``value`` (typed, or text as typed on the command line); the
        value stored. SettingError names the setting and the allowed values."""
        setting = declaration(key)
        stored = setting.validate(value)
        text = setting.to_text(stored)
        models.Setting.insert(key=key, value=text).on_conflict(
            conflict_target=[models.Setting.key], update={models.Setting.value: text}
        ).execute()
        # Our own commit does not change data_version on this connection: update the cache.
        cached = getattr(self._local, "cache", None)
        if cached is not None:
            cached[1][key] = stored
        return stored

    def set_text(self, key: str, text: str) -> Any:
        """Set ``key`` from text (``on``/``off``, ``DRAFT``, ``200``...); the value stored."""
        return self.set(key, declaration(key).parse(text))

    def reset(self, key: str) -> None:
        """Go back to the default."""
        declaration(key)
        models.Setting.delete().where(models.Setting.key == key).execute()
        cached = getattr(self._local, "cache", None)
        if cached is not None:
            cached[1][key] = _BY_KEY[key].default
