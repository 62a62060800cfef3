"""The HTML pages of the sandbox's login service: the consent form and the error page.

Plain HTML with no script, so a test's HTTP client can post the form as easily as a browser: the
form posts back to ``/identity/connect/authorize`` with the request in hidden fields, one
``tenant`` checkbox per organisation and a ``decision`` of ``allow`` or ``cancel``. Everything that
came from the request is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from xerologdesk.sandbox.oauth_rules import AuthorizeRequest

CONSENT_PATH = "/identity/connect/authorize"

_STYLE = (
    "body{font-family:sans-serif;max-width:36em;margin:3em auto;color:#1e3245}"
    "h1{font-size:1.4em}.error{color:#b3261e}button{margin-right:1em;padding:.4em 1.2em}"
    "code{background:#eef2f5;padding:0 .2em}"
)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} · Xero sandbox</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def error_page(error: str, description: str) -> str:
    """Xero's kind of login error page: the OAuth error code and what was wrong."""
    return _page(
        "Error",
        "<h1>Sorry, something went wrong</h1>"
        f"<p class='error'>Error: <code id='error'>{escape(error)}</code></p>"
        f"<p id='error_description'>{escape(description)}</p>",
    )


def consent_page(
    request: AuthorizeRequest,
    tenants: Sequence[tuple[str, str]],
    chosen: Sequence[str] = (),
    problem: str | None = None,
) -> str:
    """Ask the sandbox's user to let ``request.client_id`` reach the organisations they tick.

    With a single organisation its box starts ticked, as a user would rarely do anything else;
    ``chosen`` re-ticks the boxes of a form shown again with ``problem``.
    """
    hidden = "".join(
        f"<input type='hidden' name='{escape(name)}' value='{escape(value)}'>"
        for name, value in request.form_fields().items()
    )
    scopes = "".join(f"<li><code>{escape(scope)}</code></li>" for scope in request.scopes)
    ticked = set(chosen) if chosen or len(tenants) != 1 else {tenants[0][0]}
    boxes = "".join(
        "<li><label><input type='checkbox' name='tenant' "
        f"value='{escape(tenant_id)}'{' checked' if tenant_id in ticked else ''}> "
        f"{escape(name)}</label></li>"
        for tenant_id, name in tenants
    )
    if not tenants:
        boxes = "<li>There is no organisation to connect to.</li>"
    warning = f"<p class='error' id='problem'>{escape(problem)}</p>" if problem else ""
    return _page(
        "Allow access",
        f"<h1>The app <code id='client_id'>{escape(request.client_id)}</code> wants to access "
        "your Xero data</h1>"
        f"{warning}<form method='post' action='{CONSENT_PATH}'>{hidden}"
        f"<p>It asks for:</p><ul id='scopes'>{scopes}</ul>"
        f"<p>Organisations it may access:</p><ul id='tenants'>{boxes}</ul>"
        "<button type='submit' name='decision' value='allow'>Allow access</button>"
        "<button type='submit' name='decision' value='cancel'>Cancel</button>"
        "</form>",
    )
