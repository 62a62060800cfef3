"""Reading the fields of one request element, as Xero's JSON reader does.

Numbers are read from JSON numbers or numeric strings, booleans from ``true``/``false`` or those
strings, strings from strings or numbers (as Json.NET does). A value of the wrong type (text in a
number, an unknown enum value) makes the whole request a ``PostDataInvalidException``
(:class:`~xerologdesk.sandbox.wire.PostDataInvalid`), as Json.NET's errors do on Xero; lengths and
other rules are validation errors of the element, checked by each resource's module
(:mod:`~xerologdesk.sandbox.resources`). Field names are matched exactly (Xero's PascalCase);
unknown fields are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from xerologdesk.sandbox import messages
from xerologdesk.sandbox.wire import ZERO_GUID, PostDataInvalid

CENT = Decimal("0.01")


# --- values ---------------------------------------------------------------------------------------


def parse_decimal(value: Any, path: str) -> Decimal:
    """A number field as ``Decimal``; :class:`PostDataInvalid` (naming ``path``) if it is none."""
    if isinstance(value, bool):
        raise PostDataInvalid(f"Could not convert boolean to decimal: {value}. Path '{path}'.")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise PostDataInvalid(
                f"Could not convert string to decimal: {value}. Path '{path}'."
            ) from None
    else:
        raise PostDataInvalid(f"Unexpected value for a decimal. Path '{path}'.")
    if not number.is_finite():
        raise PostDataInvalid(f"Could not convert string to decimal: {value}. Path '{path}'.")
    return number


def parse_bool(value: Any, path: str) -> bool:
    """A boolean field (``true``/``false`` or the strings); :class:`PostDataInvalid` if neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PostDataInvalid(f"Could not convert to boolean: {value}. Path '{path}'.")


def parse_text(value: Any, path: str) -> str:
    """A string field (numbers are read as their text, as Json.NET does)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return str(value)
    raise PostDataInvalid(f"Unexpected value for a string. Path '{path}'.")


# --- fields of an element -------------------------------------------------------------------------


def as_object(value: Any, path: str) -> Mapping[str, Any]:
    """An element that must be a JSON object."""
    if not isinstance(value, Mapping):
        raise PostDataInvalid(f"Unexpected value for an object. Path '{path}'.")
    return value


def as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise PostDataInvalid(f"Unexpected value for an array. Path '{path}'.")
    return value


def text(element: Mapping[str, Any], key: str, path: str) -> str | None:
    """A string field, or None when absent or null."""
    value = element.get(key)
    return None if value is None else parse_text(value, f"{path}.{key}")


def given_id(element: Mapping[str, Any], key: str, path: str) -> str | None:
    """An id field naming a record (stripped), or None when absent, blank or the zero GUID."""
    value = text(element, key, path)
    if value is None or not value.strip() or value.strip() == ZERO_GUID:
        return None
    return value.strip()


def number(element: Mapping[str, Any], key: str, path: str) -> Decimal | None:
    value = element.get(key)
    return None if value is None else parse_decimal(value, f"{path}.{key}")


def flag(element: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = element.get(key)
    return None if value is None else parse_bool(value, f"{path}.{key}")


def choice(element: Mapping[str, Any], key: str, path: str, allowed: Iterable[str]) -> str | None:
    """An enum field: its canonical spelling (matched case-insensitively), or PostDataInvalid."""
    value = text(element, key, path)
    if value is None:
        return None
    for option in allowed:
        if option.lower() == value.strip().lower():
            return option
    raise PostDataInvalid(f"Requested value '{value}' was not found. Path '{path}.{key}'.")


def texts(
    element: Mapping[str, Any], limits: Mapping[str, int | None], path: str
) -> dict[str, str]:
    """The string fields of ``limits`` present in ``element``."""
    found: dict[str, str] = {}
    for key in limits:
        value = text(element, key, path)
        if value is not None:
            found[key] = value
    return found


def length_errors(record: Mapping[str, Any], limits: Mapping[str, int | None]) -> list[str]:
    """A :data:`messages.TOO_LONG` error for each field longer than its limit."""
    errors = []
    for key, limit in limits.items():
        value = record.get(key)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            errors.append(messages.TOO_LONG.format(field=key, limit=limit))
    return errors


def round_to(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
