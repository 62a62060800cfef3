"""What `xerologdesk import` lets a user do with the files real shops send (issue #20): decimal
commas, one SKU at several prices, setting bad lines aside, replacing an order not yet in Xero."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.desks import Run

# The order book behaves the same on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_engines

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

    def json_file(self, name: str, orders: list[dict[str, Any]], indent: int | None = None) -> Path:
        """A JSON order file of these orders (``indent``: spread over lines, as a person writes)."""
        path = self.folder / name
        path.write_text(json.dumps({"orders": orders}, indent=indent), encoding="utf-8")
        return path

    def imported(self, path: Path, *options: str) -> Run:
        """Import the file, which must succeed; what the command said."""
        run = self("import", *options, str(path))
        assert run.code == 0, run.err
        return run

    def refused(self, path: Path, *options: str) -> Run:
        """Import the file, which must fail (exit code 1); what the command said."""
        run = self("import", *options, str(path))
        assert run.code == 1
        return run

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
    imported = desk.imported(path)
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
    imported = desk.imported(path)
    assert imported.out.endswith("0 conflicts\n")


def test_a_file_mixing_decimal_commas_and_points_is_refused_naming_the_line(desk: Desk) -> None:
    path = desk.file(
        "mixed.csv",
        HEADER,
        "SO-1;2026-05-01;C-1;Acme;W-1;2;32,00",
        "SO-2;2026-05-01;C-1;Acme;W-1;1;32",
        "SO-3;2026-05-01;C-1;Acme;G-7;1;4.50",
    )
    refused = desk.refused(path)
    assert refused.err == (
        f"{path}:4: unit_price {L}4.50{R} has a decimal point but line 2 has a decimal comma: "
        "write every number in the file with the same decimal mark\n"
    )
    assert desk.log() == {}


def test_a_comma_file_still_refuses_a_decimal_comma(desk: Desk) -> None:
    path = desk.file(
        "comma.csv", HEADER.replace(";", ","), 'SO-1,2026-05-01,C-1,Acme,W-1,1,"32,00"'
    )
    refused = desk.refused(path)
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
    imported = desk.imported(path)
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
    path = desk.json_file("orders.json", [order])
    desk.imported(path)
    assert desk.log()["J-1"]["total"] == "9.50"


# -- setting bad lines aside (#20 point 10) ----------------------------------------------------

COMMA_HEADER = HEADER.replace(";", ",")


def test_skip_bad_lines_imports_the_good_orders_and_sets_the_bad_ones_aside_whole(
    desk: Desk,
) -> None:
    path = desk.file(
        "week.csv",
        COMMA_HEADER,
        "SO-1,2026-05-01,C-1,Acme,W-1,2,4.50",
        "SO-2,2026-05-01,C-2,Beta,W-1,1,5.00",
        "SO-2,2026-05-01,C-2,Beta,G-7,two,5.00",
        "SO-3,2026-05-02,C-1,Acme,W-1,1,4.50",
        "SO-4,2026-13-01,C-1,Acme,W-1,1,4.50",
    )
    # All or nothing, unless asked.
    refused = desk.refused(path)
    assert refused.out == f"{path}: not imported (2 problems)\n"
    assert desk.log() == {}

    skipped = desk("import", "--skip-bad-lines", str(path))
    rejected = desk.folder / "week.rejected.csv"
    assert skipped.code == 1  # a script learns there is a file to correct
    assert skipped.out == (
        f"{path}: imported 2 orders, skipped 0 already imported, 0 conflicts; set aside 2 orders "
        f"(3 lines) with problems in {rejected}\n"
    )
    assert f"{path}:4: quantity {L}two{R} is not a number (e.g. 12.50)" in skipped.err
    assert sorted(desk.log()) == ["SO-1", "SO-3"]  # SO-2 is not half imported
    assert rejected.read_text(encoding="utf-8-sig").splitlines() == [
        "problem," + COMMA_HEADER,
        f"set aside with the rest of order {L}SO-2{R} (line 4: quantity {L}two{R} is not a "
        f"number (e.g. 12.50)),SO-2,2026-05-01,C-2,Beta,W-1,1,5.00",
        f"quantity {L}two{R} is not a number (e.g. 12.50),SO-2,2026-05-01,C-2,Beta,G-7,two,5.00",
        f"posted_date {L}2026-13-01{R} is not a real date,SO-4,2026-13-01,C-1,Acme,W-1,1,4.50",
    ]

    # Corrected where it stands, the file of set-aside lines imports as it is.
    corrected = rejected.read_text(encoding="utf-8-sig").replace(",two,", ",2,")
    rejected.write_text(corrected.replace("2026-13-01", "2026-12-01"), encoding="utf-8-sig")
    desk.imported(rejected)
    assert sorted(desk.log()) == ["SO-1", "SO-2", "SO-3", "SO-4"]


def test_a_json_file_s_bad_orders_are_set_aside_as_csv_rows(desk: Desk) -> None:
    def order(ref: str, quantity: object) -> dict[str, Any]:
        return {
            "ref": ref,
            "posted_date": "2026-05-01",
            "customer": {"reference": "C-1", "name": "Acme", "bill_to": {"city": "Sydney"}},
            "lines": [
                {"sku": "W-1", "unit_price": "4.50", "quantity": 1, "taxable": False},
                {"sku": "G-7", "unit_price": 2.5, "quantity": quantity},
            ],
        }

    path = desk.json_file("orders.json", [order("J-1", 1), order("J-2", 0)], indent=1)
    skipped = desk("import", "--skip-bad-lines", str(path))
    assert "set aside 1 order (2 lines) with problems in" in skipped.out
    assert sorted(desk.log()) == ["J-1"]
    rejected = desk.folder / "orders.rejected.csv"
    rows = rejected.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("problem,order_ref,posted_date,customer_reference")
    assert rows[1].startswith(
        f"line 47: quantity must be more than 0; got {L}0{R},J-2,2026-05-01,C-1,Acme,W-1,1,4.50"
    )
    # Corrected, it imports.
    rejected.write_text("\n".join(rows).replace(",G-7,0,", ",G-7,1,") + "\n", encoding="utf-8")
    desk.imported(rejected)
    assert sorted(desk.log()) == ["J-1", "J-2"]


def test_a_problem_outside_every_order_sets_nothing_aside(desk: Desk) -> None:
    path = desk.file("odd.csv", COMMA_HEADER + ",colour", "SO-1,2026-05-01,C-1,Acme,W-1,2,4.50,red")
    refused = desk.refused(path, "--skip-bad-lines")
    assert refused.out == f"{path}: not imported (1 problem)\n"
    assert not (desk.folder / "odd.rejected.csv").exists()
