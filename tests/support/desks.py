"""A desk (one user's data directory connected to a sandbox, driven by the command line) and
the CSV rows imported into it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xerologdesk.app import open_app
from xerologdesk.cli import main
from xerologdesk.sandbox import Sandbox

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
    """What one ``xerologdesk`` command gave: its exit code, standard output and error."""

    code: int
    out: str
    err: str


def run_here(*args: str) -> Run:
    """The ``xerologdesk`` command run in this process, its output caught (outside pytest: the
    tests' ``run_cli`` fixture catches it with pytest's capture)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return Run(code, out.getvalue(), err.getvalue())


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
        result = self("log", "--json", *args)
        assert result.code == 0, result.err
        return {row["order_ref"]: row for row in json.loads(result.out)}

    def settings(self, **values: str) -> None:
        for key, value in values.items():
            result = self("settings", key, value)
            assert result.code == 0, result.err

    def settings_set_offline(self, **values: str) -> None:
        """Store settings as if set while not connected: the command line checks account codes
        and tax types against the organisation only when it can reach it."""
        app = open_app(self.data_dir, log=False)
        try:
            for key, value in values.items():
                app.settings.set_text(key, value)
        finally:
            app.close()

    def settings_for_auto_sync(self, **more: str) -> None:
        """The demo organisation's sales account and tax rates, which Auto Sync needs to create
        items (and any further settings)."""
        self.settings(**AUTO_SYNC_SETTINGS, **more)

    def xero(self) -> dict[str, Any]:
        return self.sandbox.state()


def connected_desk(
    folder: Path, sandbox: Sandbox, run_cli: Callable[..., Run], name: str = "data"
) -> Desk:
    """A data directory in ``folder`` connected to ``sandbox``."""
    made = Desk(folder / name, sandbox, run_cli, folder)
    connected = made("connect", "--sandbox", sandbox.base_url)
    assert connected.code == 0, connected.err
    return made


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
