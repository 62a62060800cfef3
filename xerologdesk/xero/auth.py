"""Where access tokens come from.

:class:`ClientCredentialsTokens` serves the sandbox (and Xero's custom connections): a token is
asked for with the client id alone whenever the last one is about to expire, so nothing secret is
ever stored. Tokens are never logged.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import certifi
import urllib3

from xerologdesk.xero.errors import AuthFailed, Offline, Unavailable

# Renew this long before Xero's expiry, so a token never dies in the middle of a run.
EXPIRY_MARGIN_SECONDS = 120


def post_form(url: str, fields: dict[str, str], timeout: tuple[int, int] = (10, 30)) -> Any:
    """POST a form to an identity endpoint; the JSON answer, or a classified error."""
    pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(), retries=False)
    try:
        response = pool.request(
            "POST",
            url,
            fields=fields,
            encode_multipart=False,
            timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]),
        )
    except urllib3.exceptions.NewConnectionError as error:
        raise Offline(f"Xero's login service could not be reached at {url}") from error
    except urllib3.exceptions.HTTPError as error:
        raise Unavailable(
            f"Xero's login service did not answer ({type(error).__name__})"
        ) from error
    finally:
        pool.clear()
    try:
        body = json.loads(response.data.decode("utf-8")) if response.data else {}
    except ValueError:
        body = {}
    if response.status >= 500:
        raise Unavailable(f"Xero's login service was unavailable ({response.status})")
    if response.status >= 400:
        said = body.get("error", f"HTTP {response.status}") if isinstance(body, dict) else ""
        raise AuthFailed(f"Xero's login service refused the request ({said}).")
    return body


class ClientCredentialsTokens:
    """Tokens from the ``client_credentials`` grant, renewed ahead of expiry (thread-safe)."""

    def __init__(self, token_url: str, client_id: str) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._token: dict[str, Any] = {}
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> dict[str, Any]:
        with self._lock:
            if time.time() >= self._expires_at - EXPIRY_MARGIN_SECONDS:
                self._fetch()
            return dict(self._token)

    def renew(self, rejected_access_token: str) -> dict[str, Any]:
        with self._lock:
            if self._token.get("access_token") == rejected_access_token:
                self._fetch()
            return dict(self._token)

    def _fetch(self) -> None:
        body = post_form(
            self.token_url, {"grant_type": "client_credentials", "client_id": self.client_id}
        )
        if not isinstance(body, dict) or not body.get("access_token"):
            raise AuthFailed("Xero's login service answered without an access token.")
        self._token = body
        self._expires_at = time.time() + float(body.get("expires_in") or 1800)
