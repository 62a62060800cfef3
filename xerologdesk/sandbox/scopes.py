"""Which OAuth scopes each accounting call needs, as Xero enforces them.

Per resource, the scopes that allow reading it and writing it, in both of Xero's schemes: the
broad scopes of apps created before March 2026 (Xero's OpenAPI spec, each operation's
``security``) and the granular scopes of newer apps (Xero's granular-scope table:
``accounting.invoices`` covers invoices and items, ``accounting.settings`` items too). A write
scope allows reading as well; each ``.read`` scope allows reading only.

A call whose token holds none of them is answered as Xero answers it: ``401`` with the problem
body ``Detail: "AuthorizationUnsuccessful"`` (reported for a missing ``accounting.settings`` in
Xero-NetStandard#178 and for a missing scope in xero-ruby-oauth2-app#82). Xero's 403
``AuthenticationUnsuccessful`` is a different refusal: an organisation the app is not connected to.
"""

from __future__ import annotations

from collections.abc import Iterable

from xerologdesk.sandbox.http import Response
from xerologdesk.sandbox.identity_wire import problem

# resource (lower case, as in the path) -> the scopes that allow writing it; reading is also
# allowed by each of them with ".read" appended.
_WRITE_SCOPES: dict[str, tuple[str, ...]] = {
    "contacts": ("accounting.contacts",),
    "invoices": ("accounting.transactions", "accounting.invoices"),
    "items": ("accounting.settings", "accounting.invoices"),
    # Granular: payments have a scope of their own (Xero's granular-scope table).
    "payments": ("accounting.transactions", "accounting.payments"),
    "accounts": ("accounting.settings",),
    "taxrates": ("accounting.settings",),
    "organisation": ("accounting.settings",),
    "currencies": ("accounting.settings",),
}
READ_METHODS = frozenset({"GET", "HEAD"})


def needed(method: str, resource: str) -> tuple[str, ...]:
    """The scopes any one of which allows ``method`` on ``resource`` (empty: not enforced)."""
    writes = _WRITE_SCOPES.get(resource.lower(), ())
    if method.upper() in READ_METHODS:
        return tuple(scope for each in writes for scope in (each, f"{each}.read"))
    return writes


def allows(granted: Iterable[str], method: str, resource: str) -> bool:
    """True when the token's ``granted`` scopes allow the call."""
    wanted = needed(method, resource)
    return not wanted or any(scope in wanted for scope in granted)


def not_allowed() -> Response:
    """Xero's answer to a call the token's scopes do not allow."""
    return problem(401, "Unauthorized", "AuthorizationUnsuccessful")
