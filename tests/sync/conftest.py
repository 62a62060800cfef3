"""Fixtures for the sync tests: a data directory connected to a sandbox, driven by the CLI."""

from __future__ import annotations

import csv
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xerologdesk.sandbox import Sandbox
from xerologdesk.sync.backoff import SCALE_ENV

COLUMNS = [
    "order_ref",
    "posted_date",
    "customer_reference",
    "customer_name",
    "customer_email",
    "bill_to_street",
    "bill_to_city",
    "bill_to_region",
    "bill_to_postcode",
    "bill_to_country",
    "currency",
    "sku",
    "product_name",
    "product_description",
    "quantity",
    "unit_price",
    "product_price",
    "taxable",
]


# What Auto Sync needs to create items in the sandbox's demo organisation.
AUTO_SYNC_SETTINGS = {
    "default_sales_account": "200",
    "default_tax_rate": "OUTPUT",
    "default_non_taxable_tax_rate": "EXEMPTOUTPUT",
}


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Desk:
    """One user's xerologdesk (a data directory) connected to one sandbox."""

    data_dir: Path
    sandbox: Sandbox
    run_cli: Callable[..., Run]
    folder: Path

    def __call__(self, *args: str) -> Run:
        return self.run_cli("--data-dir", str(self.data_dir), *args)

    def import_rows(
        self, rows: list[dict[str, Any]], name: str = "orders.csv", *, flags: tuple[str, ...] = ()
    ) -> Run:
        path = self.folder / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, restval="")
            writer.writeheader()
            writer.writerows(rows)
        result = self("import", *flags, str(path))
        assert result.code == 0, result.err
        return result

    def log(self, *args: str) -> dict[str, dict[str, Any]]:
        import json

        result = self("log", "--json", *args)
        assert result.code == 0, result.err
        return {row["order_ref"]: row for row in json.loads(result.out)}

    def settings(self, **values: str) -> None:
        for key, value in values.items():
            result = self("settings", key, value)
            assert result.code == 0, result.err

    def settings_for_auto_sync(self, **more: str) -> None:
        """The demo organisation's sales account and tax rates, which Auto Sync needs to create
        items (and any further settings)."""
        self.settings(**AUTO_SYNC_SETTINGS, **more)

    def xero(self) -> dict[str, Any]:
        return self.sandbox.state()


@pytest.fixture
def desk(
    tmp_path: Path,
    empty_sandbox: Sandbox,
    run_cli: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Desk]:
    """A desk connected to a sandbox holding an organisation with no contacts or items.

    The run's back-off waits are scaled to nothing: transient trouble is tried again at once.
    """
    monkeypatch.setenv(SCALE_ENV, "0")
    made = Desk(tmp_path / "data", empty_sandbox, run_cli, tmp_path)
    connected = made("connect", "--sandbox", empty_sandbox.base_url)
    assert connected.code == 0, connected.err
    yield made


def line(
    ref: str,
    customer: tuple[str, str],
    sku: str,
    quantity: str = "1",
    unit_price: str = "10.00",
    **extra: str,
) -> dict[str, Any]:
    """One CSV row: an order line with its order and customer columns."""
    row = {
        "order_ref": ref,
        "posted_date": "2026-11-02",
        "customer_reference": customer[0],
        "customer_name": customer[1],
        "sku": sku,
        "product_name": f"Product {sku}",
        "quantity": quantity,
        "unit_price": unit_price,
    }
    row.update(extra)
    return row


def contact_record(name: str, account_number: str = "", status: str = "ACTIVE") -> dict[str, Any]:
    record: dict[str, Any] = {
        "ContactID": str(uuid.uuid4()),
        "Name": name,
        "ContactStatus": status,
        "Addresses": [],
        "Phones": [],
        "HasAttachments": False,
        "HasValidationErrors": False,
    }
    if account_number:
        record["AccountNumber"] = account_number
    return record


def item_record(code: str, price: str = "10.00", **extra: Any) -> dict[str, Any]:
    record = {
        "ItemID": str(uuid.uuid4()),
        "Code": code,
        "Name": f"Xero item {code}",
        "IsSold": True,
        "IsPurchased": False,
        "IsTrackedAsInventory": False,
        "SalesDetails": {"UnitPrice": Decimal(price), "AccountCode": "200", "TaxType": "OUTPUT"},
    }
    record.update(extra)
    return record


def put_in_xero(
    sandbox: Sandbox,
    contacts: list[dict[str, Any]] = (),  # type: ignore[assignment]
    items: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> None:
    """Records that already exist in the organisation (as if made in Xero by hand)."""
    sandbox.ledger().load_records(contacts, items)


def backup_database(database: Path, backup: Path) -> None:
    """A backup as a user's backup tool makes one: a consistent copy of the WAL database."""
    with sqlite3.connect(database) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)
    live.close()
    copy.close()


def restore_database(database: Path, backup: Path) -> None:
    """The database file replaced by ``backup`` (the old file's WAL and index removed)."""
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.write_bytes(backup.read_bytes())
