"""The rules for single imported values: Xero's lengths, dates, amounts, currencies, the
true/false words, e-mail addresses, and the one way a value is quoted in a message.

The importer (:mod:`xerologdesk.store.importer`) applies them to files; ``sync.checks`` applies
them again to what an older version may have stored; ``settings`` shares the true/false words.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from xerologdesk.store.fields import to_units

# Xero's length limits for the fields it receives (Contact, Address, Item, Invoice).
MAX_LENGTHS = {
    "order_ref": 255,
    "customer_reference": 50,
    "customer_name": 255,
    "customer_email": 255,
    "bill_to_street": 500,
    "bill_to_city": 255,
    "bill_to_region": 255,
    "bill_to_postcode": 50,
    "bill_to_country": 50,
    "sku": 30,
    "product_name": 50,
    "product_description": 4000,
}
PLACES = 4
MAX_AMOUNT = Decimal("999999999.9999")
# The log's total column holds 64-bit counts of 10**-4: stay well inside it.
MAX_ORDER_TOTAL = Decimal("99999999999999")
# The words a true/false value may be given in, without case: the importer's taxable column
# and ``settings set`` accept the same ones (so a file can say "on" as settings always could).
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UNWANTED = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode's control characters (category Cc)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
# A number written with a decimal comma (as Excel writes it in most of Europe): "32,00".
_COMMA_NUMBER = re.compile(r"[+-]?(\d+,\d*|,\d+)")
DECIMAL_POINT, DECIMAL_COMMA = ".", ","
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NOT_GIVEN = ""  # an optional value left empty: it never conflicts and never overwrites


class Invalid(Exception):
    """A value that cannot be imported; the message says why."""


def shown(value: Any, length: int = 60) -> str:
    """A value quoted for a message: at most ``length`` characters (the last an ellipsis when
    cut short), control characters blotted (a line break or an escape code would garble the
    message, or the terminal showing it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    # A checked amount has exactly 4 places: show it without the padding ("9.5", not "9.5000").
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    if len(text) > length:
        text = text[: length - 1] + "\u2026"
    text = _CONTROL.sub("\ufffd", text)
    return f"\u201c{text}\u201d"


def _xero_length(text: str) -> int:
    # Xero (.NET) counts UTF-16 code units: an emoji counts twice.
    return len(text.encode("utf-16-le")) // 2


def check_text(label: str, value: Any, *, required: bool, max_length: int | None) -> str:
    """A text value, stripped; Invalid if empty when required, not text, or unacceptable."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{label} must be text (in quotes); got {shown(value)}")
    text = value.strip()
    if not text:
        if required:
            raise Invalid(f"{label} is empty")
        return ""
    bad = _UNWANTED.search(text)
    if bad:
        what = "an invalid" if _SURROGATE.match(bad.group()) else "a control"
        raise Invalid(f"{label} contains {what} character (U+{ord(bad.group()):04X})")
    # A UTF-16 length is at most twice the number of characters: most values need no count.
    if max_length is not None and len(text) * 2 > max_length and _xero_length(text) > max_length:
        raise Invalid(
            f"{label} is {_xero_length(text)} characters long; Xero allows at most {max_length}"
        )
    return text


# The posted dates accepted. Xero does not publish its range: it stores dates as SQL Server
# datetimes (none before 1753; an earlier date gets a 500, not a validation error) and works out
# due dates weeks or months after the invoice date, so the last days of year 9999 overflow (the
# sandbox's 9999-12-31 500 of issue 16). 1900..2999 holds every real trading date with room for
# any payment terms, and refuses typos like 0202 or 9999 before they reach Xero.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def check_date(label: str, value: Any) -> date:
    text = check_text(label, value, required=True, max_length=None)
    if not _DATE.fullmatch(text):
        raise Invalid(f"{label} {shown(text)} is not a date in the form YYYY-MM-DD (2026-05-01)")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{label} {shown(text)} is not a real date") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise Invalid(
            f"{label} {shown(text)} is outside the dates Xero can take "
            f"({EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()})"
        )
    return day


def decimal_mark(value: Any) -> str | None:
    """The decimal mark of a number given as text: :data:`DECIMAL_POINT` ("9.50"),
    :data:`DECIMAL_COMMA` ("9,50"), or None (a whole number, a JSON number, not a number)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _COMMA_NUMBER.fullmatch(text):
        return DECIMAL_COMMA
    if "." in text and _NUMBER.fullmatch(text):
        return DECIMAL_POINT
    return None


def check_amount(label: str, value: Any, *, zero_ok: bool, decimal_comma: bool = False) -> Decimal:
    """An exact decimal: a JSON number, or text of digits with an optional decimal point (or,
    with ``decimal_comma``, a decimal comma instead)."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str) or value is None:
        text = check_text(label, value, required=True, max_length=None)
        if decimal_comma and _COMMA_NUMBER.fullmatch(text):
            text = text.replace(DECIMAL_COMMA, DECIMAL_POINT)
        if not _NUMBER.fullmatch(text):
            raise Invalid(f"{label} {shown(text)} is not a number (e.g. 12.50)")
        number = Decimal(text)
    else:
        raise Invalid(f"{label} must be a number; got {shown(value)}")
    if not number.is_finite():
        raise Invalid(f"{label} {shown(number)} is not a number (e.g. 12.50)")
    if abs(number) > MAX_AMOUNT:
        raise Invalid(f"{label} {shown(number)} is too large (at most {MAX_AMOUNT})")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -PLACES:  # more places, unless all zeros
        try:
            to_units(number, PLACES)
        except ValueError:
            message = f"{label} {shown(number)} has more than {PLACES} decimal places"
            raise Invalid(message) from None
    if number < 0 or (number == 0 and not zero_ok):
        limit = "0 or more" if zero_ok else "more than 0"
        raise Invalid(f"{label} must be {limit}; got {shown(number)}")
    # Exactly 4 places from here on: "2", "2.0" and "2.0000" are one quantity.
    return number.quantize(Decimal(1).scaleb(-PLACES))


def check_currency(label: str, value: Any, default: str) -> str:
    text = check_text(label, value, required=False, max_length=None)
    if not text:
        return default
    code = text.upper()
    if not CURRENCY_CODE.fullmatch(code):
        raise Invalid(f"{label} {shown(text)} is not a three-letter currency code such as AUD")
    return code


def check_taxable(label: str, value: Any) -> bool | str:
    """True or False; "" when not given (taxable unless another line of the SKU says not)."""
    if isinstance(value, bool):
        return value
    text = check_text(label, value, required=False, max_length=None).lower()
    if not text:
        return NOT_GIVEN
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise Invalid(f"{label} {shown(value)} must be true or false")


def check_email(label: str, value: Any) -> str:
    text = check_text(label, value, required=False, max_length=MAX_LENGTHS["customer_email"])
    if text and not _EMAIL.fullmatch(text):
        raise Invalid(f"{label} {shown(text)} is not an email address")
    return text
