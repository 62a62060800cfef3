"""The user's browser in the OAuth tests: an HTTP client that reads and posts the consent form.

It does what a person does on Xero's page: open the authorize URL, tick organisations, press
"Allow access" (or "Cancel"), and follow the redirect to the app's listener. It runs on its own
thread because the app blocks while it waits for that redirect.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import urllib3

ALL = ("*",)  # tick every organisation on the consent page


@dataclass
class Form:
    action: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    tenants: dict[str, str] = field(default_factory=dict)  # tenant id -> label
    checked: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form = Form()
        self._tenant: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.form.action = values.get("action", "")
        elif tag == "input" and values.get("type") == "hidden":
            self.form.hidden[values["name"]] = values.get("value", "")
        elif tag == "input" and values.get("name") == "tenant":
            self._tenant = values["value"]
            self.form.tenants[self._tenant] = ""
            if "checked" in values:
                self.form.checked.append(self._tenant)

    def handle_data(self, data: str) -> None:
        if self._tenant is not None and data.strip():
            self.form.tenants[self._tenant] = data.strip()
            self._tenant = None


@dataclass
class Visit:
    """What the browser saw: the consent form, and the app's page after the redirect."""

    form: Form | None = None
    location: str = ""  # where Xero's page redirected (the code travels here)
    final_status: int | None = None
    final_page: str = ""
    error: BaseException | None = None


class Browser:
    """Drives one consent on its own thread; :meth:`join` waits for it and re-raises trouble."""

    def __init__(
        self,
        decision: str = "allow",
        tenants: Sequence[str] | None = None,
        *,
        forged_state: str | None = None,
        scope: str | None = None,
    ) -> None:
        self.decision = decision
        # Scopes posted back instead of those the app asked for (a grant narrower than asked).
        self.scope = scope
        # Organisation names to tick, or ALL; None keeps the page's defaults.
        self.tenants = tenants
        self.forged_state = forged_state  # an attacker's state put into the redirect
        self.visit = Visit()
        self.url = ""
        self._thread: threading.Thread | None = None
        self._http = urllib3.PoolManager(retries=False, timeout=10)

    def open(self, url: str) -> None:
        """Where the app sends the user (``print_url``): start the visit."""
        self.url = url
        self._thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self._thread.start()

    def open_and_report(self, url: str) -> bool:
        """As a browser opener (``webbrowser.open``'s contract): True, it opened."""
        self.open(url)
        return True

    def _run(self, url: str) -> None:
        try:
            self._consent(url)
        except BaseException as error:  # reported by join()
            self.visit.error = error

    def _consent(self, url: str) -> None:
        page = self._http.request("GET", url, redirect=False)
        assert page.status == 200, page.data.decode()
        parser = _FormParser()
        parser.feed(page.data.decode())
        form = self.visit.form = parser.form
        ticked = form.checked
        if self.tenants == ALL:
            ticked = list(form.tenants)
        elif self.tenants is not None:
            by_name = {label: tenant_id for tenant_id, label in form.tenants.items()}
            ticked = [by_name[name] for name in self.tenants]
        hidden = dict(form.hidden, **({"scope": self.scope} if self.scope is not None else {}))
        fields = [*hidden.items(), *(("tenant", each) for each in ticked)]
        fields.append(("decision", self.decision))
        answer = self._http.request(
            "POST",
            urljoin(url, form.action),
            body=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            redirect=False,
        )
        assert answer.status == 302, answer.data.decode()
        location = self.visit.location = answer.headers["Location"]
        if self.forged_state is not None:
            parts = urlsplit(location)
            query = [
                (key, self.forged_state if key == "state" else value)
                for key, value in parse_qsl(parts.query)
            ]
            location = urlunsplit(parts._replace(query=urlencode(query)))
        self.follow(location)

    def follow(self, location: str) -> None:
        """Go where Xero's page redirected: the app's listener."""
        final = self._http.request("GET", location, redirect=False)
        self.visit.final_status = final.status
        self.visit.final_page = final.data.decode()

    def join(self) -> Visit:
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.visit.error is not None:
            raise self.visit.error
        return self.visit
