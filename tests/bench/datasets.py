"""Data sets for the benchmarks, generated from a fixed seed (the same data every run)."""

from __future__ import annotations

import csv
import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

SEED = 20261126


@dataclass(frozen=True)
class Catalogue:
    customers: list[tuple[str, str]]  # (reference, name)
    skus: list[tuple[str, str, Decimal]]  # (sku, name, price)


def catalogue(customers: int, skus: int, seed: int = SEED) -> Catalogue:
    rng = random.Random(seed)
    words = ["Harbour", "Bay", "Hill", "Corner", "Market", "Station", "Park", "River", "Café"]
    kinds = ["Deli", "Bistro", "Grocer", "Kiosk", "Bakery", "Bar", "Pantry", "Co-op"]
    people = [
        (f"C-{n:05d}", f"{rng.choice(words)} {rng.choice(kinds)} {n}") for n in range(customers)
    ]
    products = [
        (f"SKU-{n:05d}", f"Product {n}", Decimal(rng.randint(100, 20000)) / 100)
        for n in range(skus)
    ]
    return Catalogue(people, products)


def write_orders_csv(
    path: Path, cat: Catalogue, orders: int, lines_per_order: tuple[int, int] = (1, 3)
) -> int:
    """Orders spread over the customers and SKUs; the number of lines written."""
    rng = random.Random(SEED + orders)
    start = date(2025, 1, 1)
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "order_ref",
                "posted_date",
                "customer_reference",
                "customer_name",
                "sku",
                "product_name",
                "quantity",
                "unit_price",
            ]
        )
        for n in range(orders):
            reference, name = cat.customers[n % len(cat.customers)]
            day = start + timedelta(days=rng.randint(0, 600))
            for _ in range(rng.randint(*lines_per_order)):
                sku, product, price = rng.choice(cat.skus)
                out.writerow(
                    [
                        f"SO-{n:07d}",
                        day.isoformat(),
                        reference,
                        name,
                        sku,
                        product,
                        rng.randint(1, 12),
                        f"{price:.2f}",
                    ]
                )
                written += 1
    return written


def xero_records(cat: Catalogue) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The catalogue as contacts and items already in the sandbox organisation."""
    contacts = [
        {
            "ContactID": str(uuid.uuid5(uuid.NAMESPACE_URL, ref)),
            "Name": name,
            "AccountNumber": ref,
            "ContactStatus": "ACTIVE",
            "Addresses": [],
            "Phones": [],
        }
        for ref, name in cat.customers
    ]
    items = [
        {
            "ItemID": str(uuid.uuid5(uuid.NAMESPACE_URL, sku)),
            "Code": sku,
            "Name": name,
            "IsSold": True,
            "IsPurchased": False,
            "IsTrackedAsInventory": False,
            "SalesDetails": {"UnitPrice": price, "AccountCode": "200", "TaxType": "OUTPUT"},
        }
        for sku, name, price in cat.skus
    ]
    return contacts, items
