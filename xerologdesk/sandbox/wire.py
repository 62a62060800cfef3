"""Xero's JSON conventions, as the sandbox writes and reads them.

- Out: PascalCase records with ``None`` left out, dates as ``/Date(1714521600000+0000)/``, amounts
  as JSON numbers, every list answer wrapped in the envelope
  ``{"Id", "Status": "OK", "ProviderName", "DateTimeUTC", <Plural>: [...]}``.
- In: dates as ``/Date(ms+0000)/``, ``2026-05-01`` or an ISO date-time (what xero-python sends for
  a ``datetime.date``); other fields are read by :mod:`~xerologdesk.sandbox.fields`.
- Error bodies, in Xero's shapes: ``ValidationException`` (400, ErrorNumber 10, ``Elements`` with
  ``ValidationErrors[].Message``), ``PostDataInvalidException`` (400, ErrorNumber 14, a body that
  is not valid JSON or holds a value of the wrong type), ``QueryParseException`` (400, ErrorNumber
  16), 404 (plain text, as Xero's "The resource you're looking for cannot be found"), 429 and 5xx.

Xero does not document the 429 body: the sandbox answers a problem-details object (the shape of
Xero's 401 and 403 bodies) naming the limit. 5xx bodies are Xero's ``UnknownErrorException`` shape
with the status as ``ErrorNumber``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from xerologdesk.sandbox.http import Response

PROVIDER_NAME = "xerologdesk sandbox"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
JSON_TYPE = "application/json; charset=utf-8"
NOT_FOUND_TEXT = "The resource you're looking for cannot be found"
UNKNOWN_ERROR_TEXT = (
    "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for "
    "current service status. Contact the API support team at api@xero.com for more assistance."
)

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PostDataInvalid(ValueError):
    """A request body Xero cannot read (bad JSON, a wrong type): the whole request is a 400."""


# --- dates --------------------------------------------------------------------------------------


def ms_date(moment: datetime | date) -> str:
    """``/Date(ms+0000)/`` for an aware datetime, or a date at midnight UTC."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), UTC)
    millis = (moment - _EPOCH) // _ONE_MS
    return f"/Date({millis}+0000)/"


_ONE_MS = datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=UTC) - _EPOCH


def parse_moment(value: Any) -> datetime:
    """An aware UTC datetime from what Xero accepts in a date field; ValueError if none.

    ``/Date(ms)/`` and ``/Date(ms+hhmm)/`` (the milliseconds are the instant), ``YYYY-MM-DD`` and
    ISO date-times (naive ones taken as UTC, as Xero reads them in the organisation's day).
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    matched = _MS_DATE.match(text)
    if matched:
        return _EPOCH + int(matched.group(1)) * _ONE_MS
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def parse_day(value: Any) -> date:
    """The calendar day of a date field (see :func:`parse_moment`)."""
    moment = parse_moment(value)
    if moment.utcoffset():
        # "2026-05-01T00:00:00+10:00" is the 1st of May where it was written: keep that day.
        return moment.date()
    return moment.astimezone(UTC).date()


# --- writing ------------------------------------------------------------------------------------


def without_none(value: Any) -> Any:
    """``value`` with every ``None`` member of a dict left out, recursively (Xero omits them)."""
    if isinstance(value, dict):
        return {key: without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_none(item) for item in value]
    return value


def ordered(record: Mapping[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """``record`` with keys in Xero's order (a resource's ``ORDER``), ``None`` values left out."""
    first = {key: record[key] for key in order if record.get(key) is not None}
    rest = {k: v for k, v in record.items() if k not in first and v is not None and k not in order}
    return first | rest


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Integral amounts as integers, fractions as the nearest double (exact for money).
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any) -> str:
    """JSON text as Xero writes it: UTF-8 as is, compact, ``Decimal`` as numbers."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_number)


def _envelope_head(now: datetime) -> str:
    return (
        f'{{"Id":"{uuid.uuid4()}","Status":"OK","ProviderName":{dumps(PROVIDER_NAME)},'
        f'"DateTimeUTC":"{ms_date(now).replace("+0000", "")}"'
    )


def envelope(
    plural: str,
    records_json: str,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    """The envelope around an already serialised JSON array of records (cached per record)."""
    parts = [_envelope_head(now)]
    for key, value in (extra or {}).items():
        parts.append(f",{dumps(key)}:{dumps(value)}")
    parts.append(f",{dumps(plural)}:{records_json}}}")
    return "".join(parts).encode("utf-8")


def json_array(records_json: Iterable[str]) -> str:
    """Serialised records joined into one JSON array."""
    return "[" + ",".join(records_json) + "]"


def ok(
    plural: str,
    records: Iterable[Mapping[str, Any]] | str,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """200 with the envelope around ``records`` (dicts, or a serialised JSON array)."""
    array = records if isinstance(records, str) else json_array(dumps(each) for each in records)
    return Response(
        status=200, body=envelope(plural, array, now, extra), headers={"Content-Type": JSON_TYPE}
    )


def _json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    all_headers = {"Content-Type": JSON_TYPE}
    all_headers.update(headers or {})
    return Response(status=status, body=dumps(payload).encode("utf-8"), headers=all_headers)


def validation_error(elements: list[Mapping[str, Any]]) -> Response:
    """400 ``ValidationException`` listing the failed elements, each with its errors."""
    return _json(
        400,
        {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": elements,
        },
    )


def post_data_invalid(detail: str) -> Response:
    """400 ``PostDataInvalidException``: the body could not be read as the resource's JSON."""
    return _json(
        400,
        {
            "ErrorNumber": 14,
            "Type": "PostDataInvalidException",
            "Message": f"JSON for post data was invalid,{detail}",
        },
    )


def query_parse_error(message: str) -> Response:
    """400 ``QueryParseException`` (ErrorNumber 16) with the parser's message."""
    return _json(400, {"ErrorNumber": 16, "Type": "QueryParseException", "Message": message})


def not_found() -> Response:
    """404 as Xero answers an unknown resource, an unknown id or a URL that is too long."""
    return Response(
        status=404,
        body=NOT_FOUND_TEXT.encode("utf-8"),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )


def rate_limited(problem: str, retry_after: int | None) -> Response:
    """429 naming the limit in ``X-Rate-Limit-Problem``; ``Retry-After`` when it will reset."""
    headers = {"X-Rate-Limit-Problem": problem}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    detail = (
        f"You've exceeded the per {problem} rate limit"
        if problem != "concurrent"
        else ("Too many requests in flight for this organisation")
    )
    return _json(429, {"Title": "Too Many Requests", "Status": 429, "Detail": detail}, headers)


def server_error(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """A 5xx in Xero's ``UnknownErrorException`` shape."""
    return _json(
        status,
        {"ErrorNumber": status, "Type": "UnknownErrorException", "Message": UNKNOWN_ERROR_TEXT},
        headers,
    )


def bad_request(detail: str) -> Response:
    """400 as problem details: the answer of Xero's API gateway (not of the accounting app)."""
    return _json(400, {"Title": "Bad Request", "Status": 400, "Detail": detail})


def conflict(detail: str) -> Response:
    """409 as problem details, in the shape of :func:`bad_request` (Xero's gateway's shape)."""
    return _json(409, {"Title": "Conflict", "Status": 409, "Detail": detail})
