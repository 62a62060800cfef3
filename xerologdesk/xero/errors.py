"""Every way a call to Xero can fail, sorted into what the sync engine must do about it.

xero-python raises a zoo of exceptions (HTTPStatusException and subclasses, raw urllib3 errors,
ValueError from response validation; see docs/xero-behaviour.md, Errors). :func:`classify` turns
each into one of the classes below, so the engine decides by class, never by status code:

- :class:`Rejected`: Xero gave a definite "no" with its messages (the order fails).
- :class:`KeyInUse`: a refusal of the Idempotency-Key, not of the request (a call with the key
  still under way, or the key first used for another request): it says nothing of what became of
  the first call with that key.
- :class:`RateLimited`, :class:`Unavailable`, :class:`Offline`: transient; nothing happened, try
  later (the order stays pending).
- :class:`OutcomeUnknown`: a write whose answer was lost (read timeout, dropped connection); it may
  have taken effect, so reconcile before re-sending.
- :class:`AuthFailed`: the connection is dead or not allowed; reconnect (syncing pauses).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import urllib3.exceptions
from xero_python.exceptions import HTTPStatusException, OAuth2InvalidGrantError

# Xero's words when a key comes with a body other than its first call's (docs/xero-behaviour.md);
# the only sign, since that answer is a 400 like any refusal of the request itself.
KEY_USED_WITH_ANOTHER_REQUEST = "is used with a different request"


# Xero's 401 Detail when the token is live but its scopes do not allow the call.
NOT_IN_SCOPE = "AuthorizationUnsuccessful"
SCOPE_MISSING = (
    "Xero did not allow this call (AuthorizationUnsuccessful): the connection was not granted "
    "the access xerologdesk needs. Connect to Xero again and allow access to invoices, contacts "
    "and settings; if your Xero app was created before March 2026, turn the legacy_scopes "
    "setting on first."
)


class XeroError(Exception):
    """A call to Xero that did not succeed; ``str()`` is a plain-English message."""

    transient = False


class Rejected(XeroError):
    """Xero answered 400 (or 404): the request was wrong and nothing was created.

    ``messages`` are Xero's own words (validation messages), in order, without duplicates.
    """

    def __init__(self, message: str, messages: list[str] | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.messages = messages or [message]
        self.status = status


class KeyInUse(Rejected):
    """Xero refused the Idempotency-Key, not the request: another call with the key is still in
    progress (409), or the key came first with a different request (400, "... is used with a
    different request."). Neither says what became of the first call with the key, so a replay
    that meets this settles nothing."""


class NotFound(Rejected):
    """Xero answered 404: no such record (or a URL too long, which Xero also answers 404)."""


class AuthFailed(XeroError):
    """The connection can't be used: expired or revoked tokens, or an organisation not connected."""

    def __init__(self, message: str, *, reconnect: bool = True) -> None:
        super().__init__(message)
        self.reconnect = reconnect


class TransientError(XeroError):
    """Trouble that passes: the order stays pending and is tried again later."""

    transient = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(TransientError):
    """Xero's 429: ``problem`` names the limit (minute, day, concurrent, appminute)."""

    def __init__(self, problem: str, retry_after: float | None) -> None:
        limit = {
            "minute": "the 60 calls a minute",
            "day": "the day's 5,000 calls",
            "concurrent": "5 calls at once",
            "appminute": "the app's calls a minute across all organisations",
        }.get(problem, f"a rate limit ({problem or 'unnamed'})")
        wait = f"; Xero asks to wait {retry_after:g} s" if retry_after is not None else ""
        super().__init__(f"Xero's rate limit was reached: {limit}{wait}", retry_after)
        self.problem = problem


class Unavailable(TransientError):
    """Xero answered 5xx, or answered nothing for a read: try again later. ``status``: the
    HTTP status (0: no answer); a 500 may come of what the request holds (see the runner)."""

    def __init__(self, message: str, retry_after: float | None = None, status: int = 0) -> None:
        super().__init__(message, retry_after)
        self.status = status


class Offline(TransientError):
    """Xero could not be reached at all (connection refused, DNS): nothing was sent."""


class OutcomeUnknown(TransientError):
    """A write was sent and its answer lost: it may or may not have taken effect."""


def _body(error: HTTPStatusException) -> Any:
    text = getattr(getattr(error, "http_resp", None), "data", b"") or b""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        return text


def _header(error: HTTPStatusException, name: str) -> str | None:
    headers = getattr(error, "headers", None) or {}
    for key, value in dict(headers).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def validation_messages(body: Any) -> list[str]:
    """Xero's messages from an error body: element validation errors, else the top Message."""
    messages: list[str] = []
    if isinstance(body, dict):
        for element in body.get("Elements") or []:
            for problem in element.get("ValidationErrors") or []:
                text = problem.get("Message")
                if text and text not in messages:
                    messages.append(text)
        if not messages:
            for key in ("Message", "Detail", "error_description", "error", "Title"):
                if body.get(key):
                    messages.append(str(body[key]))
                    break
    elif isinstance(body, str) and body.strip():
        messages.append(body.strip()[:500])
    return messages


def classify(error: BaseException, *, write: bool) -> XeroError:
    """The :class:`XeroError` that ``error``, raised by xero-python or urllib3, amounts to.

    ``write`` says whether the request could have changed Xero (PUT/POST): a lost answer to a write
    is :class:`OutcomeUnknown`, to a read merely :class:`Unavailable`.
    """
    if isinstance(error, XeroError):
        return error
    if isinstance(error, OAuth2InvalidGrantError):
        return AuthFailed("Xero no longer accepts this connection (invalid_grant); reconnect.")
    if isinstance(error, HTTPStatusException):
        return _classify_status(error)
    if isinstance(error, urllib3.exceptions.HTTPError):
        return _classify_network(error, write=write)
    if isinstance(error, (ConnectionError, TimeoutError)):
        return _classify_network(error, write=write)
    if isinstance(error, ValueError) and write:
        # xero-python validates responses while parsing: the server may have done the work.
        return OutcomeUnknown(f"Xero's answer could not be read ({error}); it may have been saved")
    return XeroError(f"Unexpected error talking to Xero: {error}")


def _classify_status(error: HTTPStatusException) -> XeroError:
    status = int(getattr(error, "status", 0) or 0)
    # AccountingBadRequestException.status returns the body's message; the response has the code.
    http_status = getattr(getattr(error, "http_resp", None), "status", None)
    if isinstance(http_status, int):
        status = http_status
    body = _body(error)
    messages = validation_messages(body)
    if status == 429:
        retry = _header(error, "Retry-After")
        return RateLimited(
            _header(error, "X-Rate-Limit-Problem") or "", float(retry) if retry else None
        )
    if status == 400 and isinstance(body, dict) and body.get("error") == "invalid_grant":
        return AuthFailed("Xero no longer accepts this connection (invalid_grant); reconnect.")
    if status == 401 and NOT_IN_SCOPE in messages:
        return AuthFailed(SCOPE_MISSING)
    if status == 401:
        detail = messages[0] if messages else "unauthorized"
        return AuthFailed(f"Xero refused the access token ({detail}).")
    if status == 403:
        detail = messages[0] if messages else "forbidden"
        return AuthFailed(
            f"Xero refused access to this organisation ({detail}): it may have been disconnected."
        )
    if status == 404:
        return NotFound("Xero found no such record (404).", messages or None, status=404)
    if status in (400, 409, 422):
        summary = "; ".join(messages) if messages else f"Xero rejected the request ({status})"
        # A 409 is another call with the key still under way; a different request is told apart
        # from other 400s only by Xero's words.
        key = status == 409 or any(KEY_USED_WITH_ANOTHER_REQUEST in each for each in messages)
        return (KeyInUse if key else Rejected)(summary, messages or None, status=status)
    if status >= 500 or status in (408, 0):
        detail = f": {messages[0]}" if messages else ""
        retry = _header(error, "Retry-After")
        return Unavailable(
            f"Xero was unavailable ({status}){detail}", float(retry) if retry else None, status
        )
    summary = "; ".join(messages) if messages else f"Xero answered {status}"
    return Rejected(summary, messages or None, status=status)


def _classify_network(error: BaseException, *, write: bool) -> XeroError:
    reason = getattr(error, "reason", None) or error
    unreachable = (
        urllib3.exceptions.NewConnectionError,
        urllib3.exceptions.NameResolutionError,
        ConnectionRefusedError,
    )
    if isinstance(reason, unreachable):
        return Offline("Xero could not be reached (no connection); will try again.")
    if isinstance(error, urllib3.exceptions.ConnectTimeoutError) or isinstance(
        reason, urllib3.exceptions.ConnectTimeoutError
    ):
        return Offline("Xero could not be reached (connection timed out); will try again.")
    what = (
        "Xero sent no answer in time"
        if _is_timeout(error, reason)
        else "The connection to Xero was dropped before its answer came"
    )
    if write:
        return OutcomeUnknown(f"{what}; the change may have been saved, checking first.")
    return Unavailable(f"{what}; will try again.")


def _is_timeout(error: BaseException, reason: object) -> bool:
    timeouts = (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.TimeoutError, TimeoutError)
    return isinstance(error, timeouts) or isinstance(reason, timeouts)
