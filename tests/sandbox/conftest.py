"""Fixtures for driving the sandbox with the real xero-python SDK over real HTTP.

``xero`` builds, per test, an ``ApiClient`` of its own (xero-python's ``Configuration`` is a
singleton sharing one token: docs/xero-behaviour.md) whose pool manager has retries off and records
every exchange. When the test ends, every 200 and 400 answer it received from a resource the
sandbox serves (Contacts, Items, Invoices, Payments, Accounts, TaxRates, Organisation,
Currencies, and the identity service's connections) is validated against Xero's OpenAPI spec
(tests/data), in a copy that refuses any field the spec does not declare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openapi_core import Config, OpenAPI
from sandbox_sdk import Xero, build_xero, is_validated, strict_spec, validate_exchange

from xerologdesk.sandbox import Sandbox


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    """Xero's OpenAPI spec, strict (``spec_validator_cls=None``: it has a few invalid defaults)."""
    return OpenAPI.from_dict(strict_spec(), config=Config(spec_validator_cls=None))


@pytest.fixture
def xero_factory(openapi: OpenAPI) -> Iterator[Callable[..., Xero]]:
    """Make SDK clients for any sandbox; their 200 and 400 bodies are validated at the end."""
    made: list[Xero] = []

    def make(sandbox: Sandbox, token: dict[str, Any] | None = None) -> Xero:
        xero = build_xero(sandbox, token)
        made.append(xero)
        return xero

    yield make
    for xero in made:
        for exchange in xero.exchanges:
            if is_validated(exchange):
                validate_exchange(openapi, exchange)


@pytest.fixture
def xero(sandbox: Sandbox, xero_factory: Callable[..., Xero]) -> Xero:
    """The SDK on the demo sandbox (limits off)."""
    return xero_factory(sandbox)


@pytest.fixture
def empty_xero(empty_sandbox: Sandbox, xero_factory: Callable[..., Xero]) -> Xero:
    """The SDK on the empty sandbox (limits off)."""
    return xero_factory(empty_sandbox)
