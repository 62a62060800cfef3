"""Plain request and response values passed between the sandbox's HTTP server and its services.

The server parses the socket into a :class:`Request`, a service (accounting, identity, admin)
answers with a :class:`Response`; no service touches sockets or ``http.server``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    """One HTTP request as the sandbox sees it.

    ``path`` has no query string; ``query`` maps each parameter name (case kept as sent) to all
    its values; ``headers`` keys are lower-case.
    """

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def param(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter, matched case-insensitively as Xero does."""
        lowered = name.lower()
        for key, values in self.query.items():
            if key.lower() == lowered and values:
                return values[-1]
        return default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body parsed as JSON, numbers with a fraction kept exact as ``Decimal``."""
        from decimal import Decimal

        return json.loads(self.body.decode("utf-8"), parse_float=Decimal)


@dataclass
class Response:
    """What a service answers. ``close_connection`` drops the socket without answering."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    close_connection: bool = False


def _default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        # Xero writes amounts as JSON numbers; keep integers integral and fractions exact.
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response, UTF-8, non-ASCII written as is (as Xero does)."""
    body = json.dumps(payload, ensure_ascii=False, default=_default).encode("utf-8")
    all_headers = {"Content-Type": "application/json; charset=utf-8"}
    all_headers.update(headers or {})
    return Response(status=status, body=body, headers=all_headers)


def html_response(status: int, html: str, headers: Mapping[str, str] | None = None) -> Response:
    all_headers = {"Content-Type": "text/html; charset=utf-8"}
    all_headers.update(headers or {})
    return Response(status=status, body=html.encode("utf-8"), headers=all_headers)


def redirect(location: str) -> Response:
    return Response(status=302, headers={"Location": location})
