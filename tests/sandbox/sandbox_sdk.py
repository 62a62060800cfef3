"""xero-python pointed at a sandbox, recording every exchange, and the spec check of bodies.

Each :class:`Xero` has an ``ApiClient`` of its own (xero-python's ``Configuration`` is a
singleton sharing one token: docs/xero-behaviour.md), with a pool that never retries and keeps
every exchange, so the fixtures can check the bodies against Xero's OpenAPI spec afterwards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import urllib3
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.identity import IdentityApi

from xerologdesk.sandbox import Sandbox

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "xero_accounting.yaml"
VALIDATED = (
    "contacts",
    "items",
    "invoices",
    "payments",
    "accounts",
    "taxrates",
    "organisation",
    "currencies",
)
# Every answer's envelope carries these besides the records; the spec leaves them out of its
# envelope schemas (Xero's "Responses" documentation lists them).
ENVELOPES = (
    "Contacts",
    "Items",
    "Invoices",
    "Payments",
    "Accounts",
    "TaxRates",
    "Organisations",
    "Currencies",
)
ENVELOPE_FIELDS = {
    "Id": {"type": "string", "format": "uuid"},
    "Status": {"type": "string"},
    "ProviderName": {"type": "string"},
    "DateTimeUTC": {"type": "string"},
}
# Schemas Xero's answers are known to go beyond: an element of a 400 ValidationException echoes
# the whole record sent (contact, item or invoice fields), where the spec lists only the errors.
OPEN = ("Element",)
# Xero's identity service is not in the accounting spec: a connection as its OpenAPI spec
# (xero-identity.yaml, ``Connection``) declares it.
CONNECTIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "tenantId", "tenantType"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "authEventId": {"type": "string", "format": "uuid"},
            "tenantId": {"type": "string", "format": "uuid"},
            "tenantType": {"type": "string"},
            "tenantName": {"type": ["string", "null"]},
            "createdDateUtc": {"type": "string"},
            "updatedDateUtc": {"type": "string"},
        },
    },
}


@dataclass
class Exchange:
    """One request the SDK sent and the answer it got."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class RecordingPool(urllib3.PoolManager):
    """A pool manager without retries that keeps every exchange for later checks."""

    def __init__(self, exchanges: list[Exchange]) -> None:
        super().__init__(num_pools=4, maxsize=8, retries=False)
        self.exchanges = exchanges

    def urlopen(self, method: str, url: str, redirect: bool = True, **kw: Any) -> Any:
        response = super().urlopen(method, url, redirect=redirect, **kw)
        if kw.get("preload_content", True):
            self.exchanges.append(
                Exchange(method, url, response.status, dict(response.headers), response.data)
            )
        return response


@dataclass
class Xero:
    """The SDK pointed at one sandbox, as one app with one token."""

    sandbox: Sandbox
    api: AccountingApi
    identity: IdentityApi
    client: ApiClient
    token: dict[str, Any]
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def tenant(self) -> str:
        return self.sandbox.primary_tenant_id

    def last(self) -> Exchange:
        return self.exchanges[-1]


def build_xero(sandbox: Sandbox, token: dict[str, Any] | None = None) -> Xero:
    """An SDK client of its own, with a token (default: a fresh client_credentials one)."""
    token = token if token is not None else sandbox.issue_token()
    exchanges: list[Exchange] = []
    configuration = Configuration()
    configuration.oauth2_token = OAuth2Token()  # the singleton shares the first one otherwise
    configuration.debug = False

    def current_token() -> dict[str, Any]:
        return {
            "access_token": token.get("access_token"),
            "token_type": "Bearer",
            "scope": str(token.get("scope", "")).split(),
            "expires_in": token.get("expires_in"),
        }

    client = ApiClient(
        configuration, oauth2_token_getter=current_token, oauth2_token_saver=lambda _: None
    )
    client.rest_client.pool_manager = RecordingPool(exchanges)
    return Xero(
        sandbox=sandbox,
        api=AccountingApi(client, base_url=sandbox.api_url),
        identity=IdentityApi(client, base_url=sandbox.base_url),
        client=client,
        token=token,
        exchanges=exchanges,
    )


def strict_spec() -> dict[str, Any]:
    """Xero's spec with ``additionalProperties: false`` on every object schema that lists its
    properties, so an answer carrying a field Xero does not have fails the check (the shipped
    file stays as Xero publishes it)."""
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    for name, schema in schemas.items():
        if schema.get("type") == "object" and "properties" in schema and name not in OPEN:
            schema.setdefault("additionalProperties", False)
    for name in ENVELOPES:
        schemas[name]["properties"].update(ENVELOPE_FIELDS)
    return spec


def validate_exchange(openapi: OpenAPI, exchange: Exchange) -> None:
    """Check one answer's body against the spec; 400s against the Error schema of a write."""
    if exchange.path.lower() == "/connections":
        jsonschema.validate(exchange.json(), CONNECTIONS_SCHEMA)
        return
    path = exchange.path
    method = exchange.method.lower()
    if exchange.status == 400:
        # Every 400 body is Xero's Error schema; the spec declares it on the writes only.
        method, path = "put", path.rsplit("/", 1)[0] if path.count("/") > 3 else path
    request = MockRequest("https://api.xero.com", method, path)
    response = MockResponse(
        exchange.body, status_code=exchange.status, content_type="application/json"
    )
    openapi.validate_response(request, response)


def is_validated(exchange: Exchange) -> bool:
    """Whether the spec check applies: a 200 or 400 of one of the resources in VALIDATED, or
    the list of connections."""
    parts = exchange.path.lower().split("/")
    if exchange.path.lower() == "/connections":
        return exchange.status == 200 and exchange.method == "GET"
    if exchange.status == 400 and b'"Title"' in exchange.body:
        return False  # the API gateway's problem body (an Idempotency-Key refusal): not in the spec
    return (
        exchange.status in (200, 400)
        and len(parts) > 3
        and parts[1] == "api.xro"
        and parts[3] in VALIDATED
    )
