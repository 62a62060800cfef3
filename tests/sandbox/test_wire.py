"""Xero's date formats as the sandbox reads and writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from xerologdesk.sandbox.fields import parse_decimal
from xerologdesk.sandbox.wire import PostDataInvalid, ms_date, parse_day, parse_moment


def test_dates_are_written_as_ms_since_the_epoch_in_utc() -> None:
    assert ms_date(date(2024, 5, 1)) == "/Date(1714521600000+0000)/"
    assert (
        ms_date(datetime(2024, 5, 1, 0, 0, 0, 123000, tzinfo=UTC)) == "/Date(1714521600123+0000)/"
    )


@pytest.mark.parametrize(
    "text",
    [
        "/Date(1714521600000+0000)/",
        "/Date(1714521600000)/",
        "2024-05-01",
        "2024-05-01T00:00:00",
        "2024-05-01T00:00:00Z",
    ],
)
def test_the_forms_clients_send_are_read(text) -> None:
    assert parse_moment(text) == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_day(text) == date(2024, 5, 1)


def test_a_date_written_with_an_offset_keeps_its_day() -> None:
    assert parse_day("2024-05-01T00:00:00+10:00") == date(2024, 5, 1)


@pytest.mark.parametrize("text", ["", "yesterday", "/Date(abc)/", "2024-13-01"])
def test_what_is_not_a_date_is_refused(text) -> None:
    with pytest.raises(ValueError):
        parse_moment(text)


def test_numbers_are_read_exactly_and_text_is_refused() -> None:
    assert parse_decimal("12.345", "Q") == Decimal("12.345")
    assert parse_decimal(Decimal("0.1"), "Q") == Decimal("0.1")
    with pytest.raises(PostDataInvalid, match="Path 'Q'"):
        parse_decimal("twelve", "Q")
    with pytest.raises(PostDataInvalid):
        parse_decimal(True, "Q")
