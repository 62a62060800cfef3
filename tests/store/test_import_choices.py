"""What `xerologdesk import` lets a user do with the files real shops send (issue #20): decimal
commas, one SKU at several prices, setting bad lines aside, replacing an order not yet in Xero."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.sync.conftest import Run

HEADER = "order_ref;posted_date;customer_reference;customer_name;sku;quantity;unit_price"
L, R = "\u201c", "\u201d"  # the quotes around values in messages


class Desk:
    """A data directory driven through the command line."""

    def __init__(self, folder: Path, run_cli: Callable[..., Run]) -> None:
        self.folder, self._run = folder, run_cli

    def __call__(self, *args: str) -> Run:
        return self._run("--data-dir", str(self.folder / "data"), *args)

    def file(self, name: str, *lines: str) -> Path:
        path = self.folder / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def log(self) -> dict[str, dict[str, Any]]:
        shown = self("log", "--json")
        assert shown.code == 0, shown.err
        return {row["order_ref"]: row for row in json.loads(shown.out)}


@pytest.fixture
def desk(tmp_path: Path, run_cli: Callable[..., Run]) -> Desk:
    return Desk(tmp_path, run_cli)


# -- decimal commas (#20 point 11) -------------------------------------------------------------


def test_a_semicolon_file_with_decimal_commas_is_read_and_says_so(desk: Desk) -> None:
    path = desk.file(
        "europe.csv",
        HEADER,
        "SO-1;2026-05-01;C-1;Caf\u00e9 Noir;W-1;2;32,00",
        "SO-1;2026-05-01;C-1;Caf\u00e9 Noir;G-7;1,5;3,3333",
        "SO-2;2026-05-02;C-1;Caf\u00e9 Noir;W-1;1;32",
    )
    imported = desk("import", str(path))
    assert imported.code == 0, imported.err
    assert imported.out == (
        f"{path}: imported 2 orders, skipped 0 already imported, 0 conflicts "
        "(decimal commas read as decimal points)\n"
    )
    log = desk.log()
    assert log["SO-1"]["total"] == "69.00"  # 2 x 32.00 + 1.5 x 3.3333 (5.00)
    assert log["SO-2"]["total"] == "32.00"
    # The same file again is the same orders: skipped, not conflicts.
    again = desk("import", str(path))
    assert "skipped 2 already imported, 0 conflicts" in again.out


def test_a_file_of_decimal_points_says_nothing_of_decimal_marks(desk: Desk) -> None:
    path = desk.file("points.csv", HEADER, "SO-1;2026-05-01;C-1;Acme;W-1;2;32.00")
    imported = desk("import", str(path))
    assert imported.code == 0, imported.err
    assert imported.out.endswith("0 conflicts\n")


def test_a_file_mixing_decimal_commas_and_points_is_refused_naming_the_line(desk: Desk) -> None:
    path = desk.file(
        "mixed.csv",
        HEADER,
        "SO-1;2026-05-01;C-1;Acme;W-1;2;32,00",
        "SO-2;2026-05-01;C-1;Acme;W-1;1;32",
        "SO-3;2026-05-01;C-1;Acme;G-7;1;4.50",
    )
    refused = desk("import", str(path))
    assert refused.code == 1
    assert refused.err == (
        f"{path}:4: unit_price {L}4.50{R} has a decimal point but line 2 has a decimal comma: "
        "write every number in the file with the same decimal mark\n"
    )
    assert desk.log() == {}


def test_a_comma_file_still_refuses_a_decimal_comma(desk: Desk) -> None:
    path = desk.file(
        "comma.csv", HEADER.replace(";", ","), 'SO-1,2026-05-01,C-1,Acme,W-1,1,"32,00"'
    )
    refused = desk("import", str(path))
    assert refused.code == 1
    assert f"unit_price {L}32,00{R} is not a number" in refused.err


# -- one SKU at several prices (#20 point 18) --------------------------------------------------


def test_lines_of_one_sku_keep_their_own_prices(desk: Desk) -> None:
    path = desk.file(
        "wholesale.csv",
        HEADER,
        "SO-1;2026-05-01;C-1;Acme;W-1;2;4.5",
        "SO-2;2026-05-01;C-2;Beta;W-1;1;5",
        "SO-2;2026-05-01;C-2;Beta;W-1;1;4.75",
    )
    imported = desk("import", str(path))
    assert imported.code == 0, imported.err
    assert imported.err == ""
    log = desk.log()
    assert (log["SO-1"]["total"], log["SO-2"]["total"]) == ("9.00", "9.75")
    # The same file again is the same orders.
    assert "skipped 2 already imported, 0 conflicts" in desk("import", str(path)).out


def test_a_json_line_may_give_the_product_s_own_price(desk: Desk) -> None:
    order = {
        "ref": "J-1",
        "posted_date": "2026-05-01",
        "customer": {"reference": "C-1", "name": "Acme"},
        "lines": [
            {"sku": "W-1", "unit_price": "4.50", "product_price": "6.00", "quantity": 1},
            {"sku": "W-1", "unit_price": "5.00", "quantity": 1},
        ],
    }
    path = desk.folder / "orders.json"
    path.write_text(json.dumps({"orders": [order]}), encoding="utf-8")
    imported = desk("import", str(path))
    assert imported.code == 0, imported.err
    assert desk.log()["J-1"]["total"] == "9.50"
