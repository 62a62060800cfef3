"""xero-python set up safely for one connected organisation.

The SDK's defaults are unsafe for a sync that must never double an invoice (docs/xero-behaviour.md):
urllib3 silently retries PUTs and sleeps through ``Retry-After``, there is no timeout, and
``Configuration`` is a process-wide singleton sharing one token object. :class:`XeroClient`
builds its own ``ApiClient`` with retries off, (connect, read) timeouts, and tokens taken from a
:class:`TokenSource` on every request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import certifi
import urllib3
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.identity import IdentityApi

# (connect, read) in seconds. Always given to xero-python as a pair: it ignores a lone float.
DEFAULT_TIMEOUT = (10.0, 60.0)


@dataclass(frozen=True)
class Endpoints:
    """Where Xero's three services live: the API, identity (/connections) and login/tokens."""

    api_url: str
    identity_url: str
    login_url: str
    token_url: str

    @property
    def authorize_url(self) -> str:
        return f"{self.login_url}/identity/connect/authorize"

    @property
    def revocation_url(self) -> str:
        return self.token_url.rsplit("/", 1)[0] + "/revocation"

    @classmethod
    def at(cls, base_url: str) -> Endpoints:
        """Every service on one host, as the sandbox serves them (``--xero-url``)."""
        base = base_url.rstrip("/")
        return cls(
            api_url=f"{base}/api.xro/2.0",
            identity_url=base,
            login_url=base,
            token_url=f"{base}/connect/token",
        )


XERO = Endpoints(
    api_url="https://api.xero.com/api.xro/2.0",
    identity_url="https://api.xero.com",
    login_url="https://login.xero.com",
    token_url="https://identity.xero.com/connect/token",
)


class TokenSource(Protocol):
    """Hands out the current token dict (xero-python's shape) and renews it on demand."""

    def token(self) -> dict[str, Any]:
        """A token that should be valid now (refreshed ahead of expiry if need be)."""
        ...

    def renew(self, rejected_access_token: str) -> dict[str, Any]:
        """A new token after Xero refused ``rejected_access_token`` with 401."""
        ...


def _pool(maxsize: int) -> urllib3.PoolManager:
    # retries=False: the SDK's default Retry(3) re-sends PUTs after a read timeout.
    return urllib3.PoolManager(
        num_pools=4,
        maxsize=maxsize,
        cert_reqs="CERT_REQUIRED",
        ca_certs=certifi.where(),
        retries=False,
    )


class XeroClient:
    """The SDK objects for one organisation, sharing one connection pool.

    Calls may come from several threads; the token is read afresh for every request.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        tenant_id: str,
        tokens: TokenSource,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_connections: int = 5,
    ) -> None:
        self.endpoints = endpoints
        self.tenant_id = tenant_id
        self.tokens = tokens
        self.timeout = (float(timeout[0]), float(timeout[1]))
        self._current: dict[str, Any] = {}
        self._lock = threading.Lock()

        configuration = Configuration()
        # The singleton hands out copies sharing the first OAuth2Token: give this client its own.
        configuration.oauth2_token = OAuth2Token()
        configuration.debug = False  # debug prints the bearer token to stdout
        self.api_client = ApiClient(
            configuration,
            oauth2_token_getter=self._token_for_sdk,
            oauth2_token_saver=self._ignore_saved_token,
        )
        self.api_client.rest_client.pool_manager = _pool(max_connections)
        self.accounting = AccountingApi(self.api_client, base_url=endpoints.api_url)
        self.identity = IdentityApi(self.api_client, base_url=endpoints.identity_url)

    def _token_for_sdk(self) -> dict[str, Any]:
        token = self.tokens.token()
        with self._lock:
            self._current = token
        # Only these keys are accepted by OAuth2Token.update_token; scope must be a list.
        allowed = ("access_token", "refresh_token", "id_token", "token_type", "expires_in", "scope")
        sdk_token = {key: token.get(key) for key in allowed}
        scope = sdk_token.get("scope")
        sdk_token["scope"] = scope.split() if isinstance(scope, str) else (scope or [])
        sdk_token["token_type"] = sdk_token.get("token_type") or "Bearer"
        # No expires_at: the SDK must never try to refresh by itself (it can't without a secret);
        # TokenSource renews ahead of expiry, and a 401 is answered by renew().
        return sdk_token

    @staticmethod
    def _ignore_saved_token(token: dict[str, Any]) -> None:
        """The SDK never refreshes here, so it never has a token to save."""

    def access_token(self) -> str:
        with self._lock:
            return str(self._current.get("access_token") or "")

    def call(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one SDK operation with this client's timeout, raw response (see gateway)."""
        kwargs.setdefault("_request_timeout", self.timeout)
        return operation(*args, **kwargs)

    def close(self) -> None:
        self.api_client.rest_client.pool_manager.clear()
