"""Benchmark: is the sandbox fast enough never to be the bottleneck of a sync benchmark?

Run with ``python3 tests/bench/bench_sandbox.py`` (not collected by pytest). With 1,000 contacts
and 1,000 items it measures, through the real xero-python SDK over real HTTP:

- lookups a second of ``GET /Contacts?where=AccountNumber=="..."`` from one client (target 300),
- ``GET /Items`` (the whole price list) a second from one client (target 100), read as the app's
  gateway reads answers (``_preload_content=False`` and ``json.loads``); for comparison also with
  xero-python building its models, which costs the client ~50 ms per 1,000 items,
- 50 clients at once, each making 20 calls: every call must succeed.

Prints one line per measure and exits 1 if a target is missed.
"""

from __future__ import annotations

import json
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import urllib3
from xero_python.accounting import AccountingApi, Contact, Contacts, Item, Items, Purchase
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from xerologdesk.sandbox import Sandbox

RECORDS = 1000
LOOKUPS = 1500
ITEM_LISTS = 300
CLIENTS = 50
CALLS_PER_CLIENT = 20


def accounting_api(sandbox: Sandbox, token: dict[str, Any]) -> AccountingApi:
    """An SDK client of its own, retries off (as the app builds it)."""
    configuration = Configuration()
    configuration.oauth2_token = OAuth2Token()
    sdk_token = {
        "access_token": token["access_token"],
        "token_type": "Bearer",
        "scope": token["scope"].split(),
        "expires_in": token["expires_in"],
    }
    client = ApiClient(
        configuration, oauth2_token_getter=lambda: sdk_token, oauth2_token_saver=lambda _: None
    )
    client.rest_client.pool_manager = urllib3.PoolManager(maxsize=4, retries=False)
    return AccountingApi(client, base_url=sandbox.api_url)


def fill(api: AccountingApi, tenant: str) -> None:
    for start in range(0, RECORDS, 50):
        batch = range(start, start + 50)
        api.create_contacts(
            tenant,
            Contacts(
                contacts=[
                    Contact(name=f"Customer {n:04d}", account_number=f"B-{n:04d}") for n in batch
                ]
            ),
        )
        api.create_items(
            tenant,
            Items(
                items=[
                    Item(
                        code=f"SKU-{n:04d}",
                        name=f"Product {n:04d}",
                        sales_details=Purchase(
                            unit_price=Decimal("9.95"), account_code="200", tax_type="OUTPUT"
                        ),
                    )
                    for n in batch
                ]
            ),
        )


def read_json(response: Any) -> Any:
    """The body as the app's gateway reads it."""
    data = response.data
    response.release_conn()
    return json.loads(data.decode("utf-8"), parse_float=Decimal)


def rate(count: int, started: float) -> float:
    return count / (time.perf_counter() - started)


def main() -> int:
    failures = 0
    with Sandbox(seed="empty", minute_limit=0, day_limit=0, concurrent_limit=0) as sandbox:
        tenant = sandbox.primary_tenant_id
        token = sandbox.issue_token("bench")
        api = accounting_api(sandbox, token)
        fill(api, tenant)
        wanted = [f"B-{random.randrange(RECORDS):04d}" for _ in range(LOOKUPS)]

        started = time.perf_counter()
        for number in wanted:
            found = api.get_contacts(tenant, where=f'AccountNumber=="{number}"').contacts
            assert len(found) == 1 and found[0].account_number == number
        lookups = rate(LOOKUPS, started)
        failures += lookups < 300
        print(f"contact lookups by AccountNumber: {lookups:7.0f}/s  (target >= 300/s)")

        started = time.perf_counter()
        for _ in range(ITEM_LISTS):
            assert len(read_json(api.get_items(tenant, _preload_content=False))["Items"]) == RECORDS
        item_lists = rate(ITEM_LISTS, started)
        failures += item_lists < 100
        print(f"GET /Items of {RECORDS} items:      {item_lists:7.0f}/s  (target >= 100/s)")

        started = time.perf_counter()
        for _ in range(ITEM_LISTS // 10):
            assert len(api.get_items(tenant).items) == RECORDS
        print(
            f"  ... into xero-python models:   {rate(ITEM_LISTS // 10, started):7.0f}/s"
            "  (bound by the client's model building)"
        )

        apis = [accounting_api(sandbox, token) for _ in range(CLIENTS)]

        def client_work(client: AccountingApi) -> int:
            errors = 0
            for call in range(CALLS_PER_CLIENT):
                try:
                    if call % 2:
                        number = f"B-{random.randrange(RECORDS):04d}"
                        client.get_contacts(tenant, where=f'AccountNumber=="{number}"')
                    else:
                        read_json(client.get_items(tenant, _preload_content=False))
                except Exception as error:  # any failure counts; say which
                    print(f"  error: {type(error).__name__}: {error}", file=sys.stderr)
                    errors += 1
            return errors

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            errors = sum(pool.map(client_work, apis))
        calls = CLIENTS * CALLS_PER_CLIENT
        failures += errors > 0
        print(
            f"{CLIENTS} clients at once:              {rate(calls, started):7.0f} calls/s, "
            f"{errors} errors in {calls} calls  (target: 0 errors)"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
