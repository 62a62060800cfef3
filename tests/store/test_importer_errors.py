"""Every way an order file can be refused: each problem reported as FILE:LINE: message, and
nothing from the file written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import peewee
import pytest

from tests.store.store_helpers import snapshot
from xerologdesk.store.importer import import_files
from xerologdesk.store.readers import COLUMNS

# The order book behaves the same on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_engines

HEADER = "order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price"
GOOD = "SO-1,2026-05-01,C-1,Acme Ltd,W-1,2,9.50"
L, R = "\u201c", "\u201d"  # the quotes around values in messages


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def refused(
    db: peewee.Database, write: Callable[..., Path], name: str, content: str | bytes
) -> list[str]:
    """Import the file into a book that already holds an order; the problems printed.

    Asserts that nothing at all was written.
    """
    import_files([write("seed.csv", csv_text("SO-0,2026-04-01,C-0,Seed,W-0,1,1"))], "AUD")
    before = snapshot(db)
    path = write(name, content)
    report = import_files([path], "AUD")
    assert report.imported == 0 and report.new_order_ids == []
    assert snapshot(db) == before
    prefix = f"{path}:"
    problems = [str(problem) for problem in report.problems]
    assert all(problem.startswith(prefix) for problem in problems)
    return [problem.removeprefix(prefix) for problem in problems]


CSV_CASES = {
    "missing columns": (
        csv_text(
            "SO-1,2026-05-01,C-1,Acme",
            header="order_ref,posted_date,customer_reference,customer_name",
        ),
        ["1: missing required columns: sku, quantity, unit_price"],
    ),
    "tab separated": (
        csv_text(GOOD.replace(",", "\t"), header=HEADER.replace(",", "\t")),
        ["1: the columns are separated by tabs; use commas or semicolons"],
    ),
    "pipe separated": (
        csv_text(GOOD.replace(",", "|"), header="order_ref|sku"),
        [
            f"1: unknown column {L}order_ref|sku{R}; the columns are: {', '.join(COLUMNS)}",
            "1: missing required columns: order_ref, posted_date, customer_reference, "
            "customer_name, sku, quantity, unit_price (separate the columns with commas or "
            "semicolons)",
        ],
    ),
    "unknown column": (
        csv_text(GOOD + ",x", header=HEADER + ",notes"),
        [f"1: unknown column {L}notes{R}; the columns are: {', '.join(COLUMNS)}"],
    ),
    "duplicate column": (
        csv_text(GOOD + ",W-2", header=HEADER + ",SKU"),
        [f"1: column {L}sku{R} appears more than once"],
    ),
    "empty required value": (
        csv_text(GOOD, "SO-2,2026-05-01,C-2,  ,W-1,1,9.50"),
        ["3: customer_name is empty"],
    ),
    "date in another form": (
        csv_text("SO-1,01/05/2026,C-1,Acme Ltd,W-1,2,9.50"),
        [f"2: posted_date {L}01/05/2026{R} is not a date in the form YYYY-MM-DD (2026-05-01)"],
    ),
    "date with a time": (
        csv_text("SO-1,2026-05-01T10:00,C-1,Acme Ltd,W-1,2,9.50"),
        [
            f"2: posted_date {L}2026-05-01T10:00{R} is not a date in the form YYYY-MM-DD "
            "(2026-05-01)"
        ],
    ),
    "impossible date": (
        csv_text("SO-1,2026-02-30,C-1,Acme Ltd,W-1,2,9.50"),
        [f"2: posted_date {L}2026-02-30{R} is not a real date"],
    ),
    "quantity not a number": (
        csv_text("SO-1,2026-05-01,C-1,Acme Ltd,W-1,two,9.50"),
        [f"2: quantity {L}two{R} is not a number (e.g. 12.50)"],
    ),
    "decimal comma": (
        csv_text('SO-1,2026-05-01,C-1,Acme Ltd,W-1,"1,5",9.50'),
        [f"2: quantity {L}1,5{R} is not a number (e.g. 12.50)"],
    ),
    "exponent": (
        csv_text("SO-1,2026-05-01,C-1,Acme Ltd,W-1,2,1e3"),
        [f"2: unit_price {L}1e3{R} is not a number (e.g. 12.50)"],
    ),
    "zero quantity": (
        csv_text("SO-1,2026-05-01,C-1,Acme Ltd,W-1,0,9.50"),
        [f"2: quantity must be more than 0; got {L}0{R}"],
    ),
    "negative quantity": (
        csv_text("SO-1,2026-05-01,C-1,Acme Ltd,W-1,-1,9.50"),
        [f"2: quantity must be more than 0; got {L}-1{R}"],
    ),
    "negative price": (
        csv_text("SO-1,2026-05-01,C-1,Acme Ltd,W-1,1,-0.01"),
        [f"2: unit_price must be 0 or more; got {L}-0.01{R}"],
    ),
    "five decimal places": (
        csv_text("SO-1,2026-05-01,C-1,Acme Ltd,W-1,1.00001,9.50"),
        [f"2: quantity {L}1.00001{R} has more than 4 decimal places"],
    ),
    "too large": (
        csv_text("SO-1,2026-05-01,C-1,Acme Ltd,W-1,1,1000000000"),
        [f"2: unit_price {L}1000000000{R} is too large (at most 999999999.9999)"],
    ),
    "order total too large": (
        csv_text(
            "SO-1,2026-05-01,C-1,Acme Ltd,W-1,999999999,999999999",
        ),
        [f"2: order {L}SO-1{R}: the total is too large"],
    ),
    "currency code": (
        csv_text(GOOD + ",AU", header=HEADER + ",currency"),
        [f"2: currency {L}AU{R} is not a three-letter currency code such as AUD"],
    ),
    "currency with digits": (
        csv_text(GOOD + ",A1D", header=HEADER + ",currency"),
        [f"2: currency {L}A1D{R} is not a three-letter currency code such as AUD"],
    ),
    "taxable": (
        csv_text(GOOD + ",maybe", header=HEADER + ",taxable"),
        [f"2: taxable {L}maybe{R} must be true or false"],
    ),
    "email": (
        csv_text(GOOD + ",bob at acme", header=HEADER + ",customer_email"),
        [f"2: customer_email {L}bob at acme{R} is not an email address"],
    ),
    "order rows disagree on the date": (
        csv_text(GOOD, "SO-1,2026-05-02,C-1,Acme Ltd,W-2,1,3"),
        [
            f"3: order {L}SO-1{R}: posted_date {L}2026-05-02{R} differs from {L}2026-05-01{R} on "
            "line 2"
        ],
    ),
    "order rows disagree on the customer": (
        csv_text(GOOD, "SO-1,2026-05-01,C-2,Acme Ltd,W-2,1,3"),
        [f"3: order {L}SO-1{R}: customer_reference {L}C-2{R} differs from {L}C-1{R} on line 2"],
    ),
    "order rows disagree on the currency": (
        csv_text(
            GOOD + ",AUD", "SO-1,2026-05-01,C-1,Acme Ltd,W-2,1,3,NZD", header=HEADER + ",currency"
        ),
        [f"3: order {L}SO-1{R}: currency {L}NZD{R} differs from {L}AUD{R} on line 2"],
    ),
    "one customer with two names": (
        csv_text(GOOD, "SO-2,2026-05-02,C-1,Acme Limited,W-1,1,9.50"),
        [
            f"3: customer {L}C-1{R}: customer_name {L}Acme Limited{R} differs from {L}Acme Ltd{R} "
            "on line 2"
        ],
    ),
    "one customer with two emails": (
        csv_text(
            GOOD + ",a@acme.test",
            "SO-2,2026-05-02,C-1,Acme Ltd,W-1,1,9.50,b@acme.test",
            header=HEADER + ",customer_email",
        ),
        [
            f"3: customer {L}C-1{R}: customer_email {L}b@acme.test{R} differs from "
            f"{L}a@acme.test{R} on line 2"
        ],
    ),
    "one SKU with two names": (
        csv_text(
            GOOD + ",Widget",
            "SO-2,2026-05-02,C-2,Beta,W-1,1,9.50,Gadget",
            header=HEADER + ",product_name",
        ),
        [f"3: SKU {L}W-1{R}: product_name {L}Gadget{R} differs from {L}Widget{R} on line 2"],
    ),
    "one SKU with two product prices": (
        csv_text(
            GOOD + ",9.50",
            "SO-2,2026-05-02,C-2,Beta,W-1,1,9.00,9.00",
            header=HEADER + ",product_price",
        ),
        [f"3: SKU {L}W-1{R}: product_price {L}9{R} differs from {L}9.5{R} on line 2"],
    ),
    "one SKU both taxable and not": (
        csv_text(
            GOOD + ",true", "SO-2,2026-05-02,C-2,Beta,W-1,1,9.50,no", header=HEADER + ",taxable"
        ),
        [f"3: SKU {L}W-1{R}: taxable false differs from true on line 2"],
    ),
    "SKU too long": (
        csv_text("SO-1,2026-05-01,C-1,Acme Ltd," + "S" * 31 + ",2,9.50"),
        ["2: sku is 31 characters long; Xero allows at most 30"],
    ),
    "SKU too long counted as Xero counts": (
        # 30 characters to Python, 31 to Xero: an emoji is two UTF-16 code units.
        csv_text("SO-1,2026-05-01,C-1,Acme Ltd," + "S" * 29 + "\U0001f600,2,9.50"),
        ["2: sku is 31 characters long; Xero allows at most 30"],
    ),
    "customer name too long": (
        csv_text("SO-1,2026-05-01,C-1," + "N" * 256 + ",W-1,2,9.50"),
        ["2: customer_name is 256 characters long; Xero allows at most 255"],
    ),
    "product name too long": (
        csv_text(GOOD + "," + "P" * 51, header=HEADER + ",product_name"),
        ["2: product_name is 51 characters long; Xero allows at most 50"],
    ),
    "bell character": (
        csv_text("SO-1,2026-05-01,C-1,Acme\x07Ltd,W-1,2,9.50"),
        ["2: customer_name contains a control character (U+0007)"],
    ),
    "tab inside a value": (
        csv_text('SO-1,2026-05-01,C-1,"Acme\tLtd",W-1,2,9.50'),
        ["2: customer_name contains a control character (U+0009)"],
    ),
    "line break inside a quoted value": (
        csv_text('SO-1,2026-05-01,C-1,"Acme\nLtd",W-1,2,9.50', GOOD.replace("SO-1", "SO-2")),
        ["2: customer_name contains a control character (U+000A)"],
    ),
    "header but no rows": (csv_text(), ["1: the file has a header row but no order lines"]),
    "too few values": (
        csv_text(GOOD, "SO-2,2026-05-01,C-1,Acme Ltd,W-1,2"),
        ["3: this row has 6 values but the header row has 7 columns"],
    ),
    "value under a nameless column": (
        csv_text(GOOD + ",", GOOD.replace("SO-1", "SO-2") + ",surprise", header=HEADER + ","),
        ["3: column 8 has a value but no name in the header row"],
    ),
    "unterminated quote": (
        csv_text(GOOD, 'SO-2,2026-05-01,C-1,"Acme Ltd,W-1,2,9.50'),
        ["3: this is not a readable CSV row: unexpected end of data"],
    ),
    "empty file": ("", ["1: the file is empty"]),
    "only blank lines": ("\n  \n\n", ["1: the file is empty"]),
    "only a byte-order mark": ("\ufeff", ["1: the file is empty"]),
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_csv_problem(db: peewee.Database, write: Callable[..., Path], case: str) -> None:
    content, expected = CSV_CASES[case]
    assert refused(db, write, "orders.csv", content) == expected


def test_every_problem_in_a_file_is_reported_in_line_order(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    content = csv_text(
        "SO-1,2026-05-01,C-1,Acme Ltd,W-1,0,9.50",
        "SO-2,2026-13-01,C-2,Beta,,1,9.50",
        "SO-3,2026-05-01,C-3,Gamma,W-3,1,abc",
    )
    assert refused(db, write, "orders.csv", content) == [
        f"2: quantity must be more than 0; got {L}0{R}",
        f"3: posted_date {L}2026-13-01{R} is not a real date",
        "3: sku is empty",
        f"4: unit_price {L}abc{R} is not a number (e.g. 12.50)",
    ]


def test_a_file_that_is_not_utf8(db: peewee.Database, write: Callable[..., Path]) -> None:
    content = csv_text(GOOD, "SO-2,2026-05-01,C-2,Caf\u00e9 Noir,W-1,1,9.50").encode("latin-1")
    assert refused(db, write, "orders.csv", content) == [
        "3: the file is not UTF-8 text (byte 0xE9 here); save it as UTF-8"
    ]


def test_a_utf16_file(db: peewee.Database, write: Callable[..., Path]) -> None:
    content = csv_text(GOOD).encode("utf-16")
    assert refused(db, write, "orders.csv", content) == [
        "1: the file is UTF-16 text; save it as UTF-8"
    ]


def test_a_file_that_cannot_be_read(db: peewee.Database, tmp_path: Path) -> None:
    folder = tmp_path / "orders.csv"
    folder.mkdir()
    report = import_files([folder], "AUD")
    assert [str(problem) for problem in report.problems] == [
        f"{folder}: cannot read the file: Is a directory"
    ]


JSON_ORDER = """{
  "ref": "J-1",
  "posted_date": "2026-05-01",
  "customer": {"reference": "C-1", "name": "Acme Ltd"},
  "lines": [
    {"sku": "W-1", "unit_price": 9.5, "quantity": 2}
  ]
}"""


def json_text(*orders: str) -> str:
    return '{"orders": [\n' + ",\n".join(orders) + "\n]}\n"


JSON_CASES = {
    "not JSON": (
        '{"orders": [\n  {"ref": "J-1",,}\n]}',
        [
            "2: this is not valid JSON: Expecting property name enclosed in double quotes "
            "(column 17)"
        ],
    ),
    "no orders list": (
        '{"order": []}',
        ["1: the file must hold a JSON object with an \u201corders\u201d list"],
    ),
    "a list at the top": (
        "[]",
        ["1: the file must hold a JSON object with an \u201corders\u201d list"],
    ),
    "no orders": ('{"orders": []}', ["1: the orders list is empty"]),
    "an order that is not an object": (
        json_text(JSON_ORDER, '"J-2"'),
        ["10: each order must be an object"],
    ),
    "unknown key": (
        json_text(JSON_ORDER.replace('"ref": "J-1",', '"ref": "J-1", "note": "rush",')),
        [
            f"3: unknown key {L}note{R}; the keys here are: ref, posted_date, currency, customer, "
            "lines"
        ],
    ),
    "duplicate key": (
        json_text(JSON_ORDER.replace('"ref": "J-1",', '"ref": "J-1",\n  "ref": "J-9",')),
        [f"3: key {L}ref{R} appears more than once"],
    ),
    "missing ref": (json_text(JSON_ORDER.replace('"ref": "J-1",', "")), ["2: ref is empty"]),
    "missing customer name": (
        json_text(JSON_ORDER.replace(', "name": "Acme Ltd"', "")),
        ["5: customer.name is empty"],
    ),
    "missing customer": (
        json_text(JSON_ORDER.replace('"customer": {"reference": "C-1", "name": "Acme Ltd"},', "")),
        ["2: customer.reference is empty", "2: customer.name is empty"],
    ),
    "customer not an object": (
        json_text(JSON_ORDER.replace('{"reference": "C-1", "name": "Acme Ltd"}', '"C-1"')),
        [
            "2: customer.reference is empty",
            "2: customer.name is empty",
            "5: customer must be an object",
        ],
    ),
    "a number where text belongs": (
        json_text(JSON_ORDER.replace('"sku": "W-1"', '"sku": 1001')),
        [f"7: sku must be text (in quotes); got {L}1001{R}"],
    ),
    "a switch where a number belongs": (
        json_text(JSON_ORDER.replace('"quantity": 2', '"quantity": true')),
        ["7: quantity must be a number; got true"],
    ),
    "NaN": (
        json_text(JSON_ORDER.replace('"quantity": 2', '"quantity": NaN')),
        [f"7: quantity {L}NaN{R} is not a number (e.g. 12.50)"],
    ),
    "too many places": (
        json_text(JSON_ORDER.replace('"unit_price": 9.5', '"unit_price": 9.50001')),
        [f"7: unit_price {L}9.50001{R} has more than 4 decimal places"],
    ),
    "bad date": (
        json_text(JSON_ORDER.replace("2026-05-01", "1 May 2026")),
        [f"4: posted_date {L}1 May 2026{R} is not a date in the form YYYY-MM-DD (2026-05-01)"],
    ),
    "bad taxable": (
        json_text(JSON_ORDER.replace('"quantity": 2', '"quantity": 2, "taxable": "sometimes"')),
        [f"7: taxable {L}sometimes{R} must be true or false"],
    ),
    "no lines": (
        json_text(JSON_ORDER.replace('{"sku": "W-1", "unit_price": 9.5, "quantity": 2}', "")),
        ["6: the order has no lines"],
    ),
    "lines not a list": (
        json_text(
            JSON_ORDER.replace(
                '[\n    {"sku": "W-1", "unit_price": 9.5, "quantity": 2}\n  ]', '"W-1"'
            )
        ),
        ["6: lines must be a list"],
    ),
    "a line that is not an object": (
        json_text(
            JSON_ORDER.replace('{"sku": "W-1", "unit_price": 9.5, "quantity": 2}', '"W-1 x 2"')
        ),
        ["7: each line must be an object"],
    ),
    "the same ref twice": (
        json_text(JSON_ORDER, JSON_ORDER),
        [f"11: order {L}J-1{R} appears twice in the file (first on line 3)"],
    ),
    "a customer with two names": (
        json_text(JSON_ORDER, JSON_ORDER.replace("J-1", "J-2").replace("Acme Ltd", "Acme Pty")),
        [
            f"13: customer {L}C-1{R}: customer.name {L}Acme Pty{R} differs from {L}Acme Ltd{R} on "
            "line 5"
        ],
    ),
    "a line value on its own line": (
        json_text(
            JSON_ORDER.replace(
                '{"sku": "W-1", "unit_price": 9.5, "quantity": 2}',
                '{\n      "sku": "W-1",\n      "unit_price": 9.5,\n      "quantity": -2\n    }',
            )
        ),
        [f"10: quantity must be more than 0; got {L}-2{R}"],
    ),
    "nested too deeply": (
        "[" * 100_000 + "]" * 100_000,
        ["1: the JSON is nested too deeply to read"],
    ),
}


@pytest.mark.parametrize("case", list(JSON_CASES))
def test_json_problem(db: peewee.Database, write: Callable[..., Path], case: str) -> None:
    content, expected = JSON_CASES[case]
    assert refused(db, write, "orders.json", content) == expected


def test_a_file_with_thousands_of_problems_lists_the_first_hundred(
    db: peewee.Database, write: Callable[..., Path]
) -> None:
    """Every row bad: the first 100 problems in line order, then how many more."""
    rows = [f"SO-{n},someday,C-1,Acme Ltd,W-1,2,9.50" for n in range(5_000)]
    problems = refused(db, write, "bad-dates.csv", csv_text(*rows))
    assert len(problems) == 101
    assert problems[0].startswith("2: ") and problems[99].startswith("101: ")
    assert problems[-1].startswith(" \u2026 and 4,900 more problems in ")
