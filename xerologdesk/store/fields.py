"""Peewee fields for exact money and quantities, UTC timestamps and JSON documents.

- :class:`FixedDecimalField` keeps a ``Decimal`` as an INTEGER count of 10**-scale units: exact,
  and sortable and summable in SQL (a TEXT decimal sorts "10" before "9"; a REAL is inexact).
- :class:`UtcDateTimeField` keeps a timezone-aware ``datetime`` as fixed-width ISO-8601 UTC text,
  so text order is time order; naive datetimes are refused rather than guessed.
- :class:`JsonField` keeps lists and dicts as JSON text (Decimals and dates as strings).

Dates are plain ``peewee.DateField`` (ISO text).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import peewee

# SQLite's INTEGER is a signed 64-bit value.
_MAX_UNITS = 2**63 - 1


def to_units(value: Decimal | int, scale: int) -> int:
    """``value`` as an exact count of 10**-scale units; ValueError if that would lose anything."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{value!r} is not a Decimal (money and quantities are never floats)")
    units = value * 10**scale if isinstance(value, int) else _decimal_units(value, scale)
    if abs(units) > _MAX_UNITS:
        raise ValueError(f"{value} is too large to store")
    return units


def _decimal_units(value: Decimal, scale: int) -> int:
    # Integer arithmetic on the digits: Decimal arithmetic rounds to the context's 28 digits,
    # which could quietly drop a 30th-digit fraction.
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    coefficient = int("".join(map(str, digits)))
    if coefficient == 0:
        return 0
    shift = exponent + scale
    units: int  # 10**shift is typed Any (a negative power would be a float)
    if shift >= 0:
        if len(digits) + shift > 20:  # beyond any 64-bit count; don't build a huge int
            raise ValueError(f"{value} is too large to store")
        units = coefficient * 10**shift
    else:
        if -shift > len(digits):
            raise ValueError(f"{value} has more than {scale} decimal places")
        units, remainder = divmod(coefficient, 10**-shift)
        if remainder:
            raise ValueError(f"{value} has more than {scale} decimal places")
    return -units if sign else units


def from_units(units: int, scale: int, min_places: int = 0) -> Decimal:
    """The Decimal for a count of units, without trailing zeros beyond ``min_places``."""
    value = Decimal(units).scaleb(-scale)
    exponent = value.normalize().as_tuple().exponent
    places = max(-exponent if isinstance(exponent, int) else 0, min_places)
    return value.quantize(Decimal(1).scaleb(-places))


class FixedDecimalField(peewee.IntegerField):
    """A Decimal stored exactly as an integer number of 10**-scale units."""

    def __init__(self, scale: int = 4, min_places: int = 0, **kwargs: Any) -> None:
        self.scale = scale
        # How many places a value read back shows at least (2 for money: 12.50, not 12.5).
        self.min_places = min_places
        super().__init__(**kwargs)

    def db_value(self, value: Any) -> int | None:
        if value is None:
            return None
        return to_units(value, self.scale)

    def python_value(self, value: Any) -> Decimal | None:
        if value is None:
            return None
        return from_units(int(value), self.scale, self.min_places)


def utc_text(value: datetime) -> str:
    """An aware datetime as fixed-width ISO-8601 UTC text; ValueError for a naive one."""
    if not isinstance(value, datetime):
        raise ValueError(f"{value!r} is not a datetime")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{value.isoformat()} has no time zone; times are stored as UTC")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class UtcDateTimeField(peewee.TextField):
    """A timezone-aware datetime stored as UTC ISO-8601 text, read back in UTC."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return utc_text(value)

    def python_value(self, value: Any) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value).astimezone(UTC)


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be stored as JSON")


def to_json(value: Any) -> str:
    """Compact JSON text, Unicode kept as is, Decimals and dates as strings."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


class JsonField(peewee.TextField):
    """A list or dict stored as JSON text."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return to_json(value)

    def python_value(self, value: Any) -> Any:
        if value is None:
            return None
        return json.loads(value)
