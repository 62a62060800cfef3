"""Property tests of the importer (issue 7): whatever a file holds, the import is either clean
or refused with line-numbered problems; it never crashes and never leaves half a file."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import peewee
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.store.store_helpers import snapshot
from xerologdesk.store.db import open_database
from xerologdesk.store.import_report import ImportReport
from xerologdesk.store.importer import import_files
from xerologdesk.store.models import LogEntry, Order, OrderLine
from xerologdesk.store.readers import COLUMNS, REQUIRED_COLUMNS

_names = itertools.count()


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[peewee.Database, Path]]:
    """One order book for all the examples of this module (imports pile up in it, as in
    life), and a folder for the files."""
    folder = tmp_path_factory.mktemp("property-imports")
    database = open_database(folder / "xerologdesk.db")
    yield database, folder
    database.close()


def _check_import(database: peewee.Database, path: Path, *, count: bool = True) -> ImportReport:
    """Import ``path`` and check the property; the report."""
    before = snapshot(database)
    orders_before = Order.select().count()
    lines_in_file = path.read_bytes().count(b"\n") + 1
    report = import_files([path], "AUD")  # must not raise, whatever the file holds
    [result] = report.files
    if count:  # how often each path is taken: --hypothesis-show-statistics
        event("refused" if result.problems else "imported")
    if result.problems:
        assert snapshot(database) == before, "a refused file changed the order book"
        for problem in result.problems:
            assert str(problem).startswith(f"{path}:")
            assert problem.line is not None and 1 <= problem.line <= lines_in_file, problem
            assert problem.message
        assert result.imported == 0 and result.new_order_ids == []
        return report
    assert Order.select().count() == orders_before + result.imported
    assert len(result.new_order_ids) == result.imported
    for order_id in result.new_order_ids:
        entry = LogEntry.get_by_id(order_id)
        assert entry.status == "pending"
        assert OrderLine.select().where(OrderLine.order == order_id).count() >= 1
    for conflict in result.conflicts:
        assert conflict.line >= 1
    # The same file again: nothing new, nothing changed.
    after = snapshot(database)
    again = import_files([path], "AUD")
    assert again.problems == [] and again.imported == 0
    assert again.skipped_same + len(again.conflicts) == (
        result.imported + result.skipped_same + len(result.conflicts)
    )
    assert snapshot(database) == after
    return report


def _file(folder: Path, suffix: str, data: bytes) -> Path:
    path = folder / f"example-{next(_names)}{suffix}"
    path.write_bytes(data)
    return path


PROPERTY_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".json", ".dat"]))
def test_any_bytes(book: tuple[peewee.Database, Path], data: bytes, suffix: str) -> None:
    database, folder = book
    _check_import(database, _file(folder, suffix, data))


# Values that can go wrong, by field; the files below start valid and take a few of these.
TROUBLE = {
    "order_ref": ["", " SO-1 ", "so-1", "SO\x071"],
    "posted_date": ["2026-5-1", "2026-02-30", "01/05/2026", ""],
    "customer_reference": ["", "C-\u00e9", "C" * 51],
    "customer_name": ['Ben & Jerry\'s "Best"', "\u05e9\u05dc\u05d5\u05dd", "N" * 256, ""],
    "sku": ["w-1", "S" * 31, "\U0001f600", ""],
    "quantity": ["0", "-1", "1.00001", "1e3", "999999999.9999", "abc", ""],
    "unit_price": ["0", "3.3333", "-0.01", "abc", "999999999", "1,5"],
    "currency": ["", "nzd", "AU"],
    "customer_email": ["", "nope", "a@b"],
    "product_name": ["", "P" * 51],
    "taxable": ["", "no", "maybe"],
}
SKUS = {
    "W-1": ("Widget", "9.50", "true"),
    "G-7": ("Gadget", "3.3333", "false"),
    "T-2": ("", "0", ""),
}
CUSTOMERS = {"C-1": ("Acme Ltd", "buyer@acme.test"), "C-2": ("Caf\u00e9 \u00c9toile", "")}


@st.composite
def valid_lines(draw: st.DrawFn) -> list[dict[str, str]]:
    """Order lines that agree with each other (one date and customer per order...)."""
    batch = draw(st.integers(0, 3))  # refs reused across examples: skips and conflicts too
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        number = draw(st.integers(1, 4))
        ref = f"SO-{batch}-{number}"
        customer = f"C-{1 + number % 2}"
        sku = draw(st.sampled_from(sorted(SKUS)))
        name, price, taxable = SKUS[sku]
        lines.append(
            {
                "order_ref": ref,
                "posted_date": f"2026-05-0{number}",
                "customer_reference": customer,
                "customer_name": CUSTOMERS[customer][0],
                "customer_email": CUSTOMERS[customer][1],
                "currency": "AUD" if number < 4 else "",
                "sku": sku,
                "product_name": name,
                "unit_price": price,
                "taxable": taxable,
                "quantity": draw(st.sampled_from(["1", "2", "2.5", "10"])),
                "bill_to_city": "Sydney",
            }
        )
    return lines


def _trouble(draw: st.DrawFn, field: str) -> object:
    return draw(st.one_of(st.sampled_from(TROUBLE.get(field, [""])), st.text(max_size=12)))


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    optional = [column for column in COLUMNS if column not in REQUIRED_COLUMNS]
    extra = draw(st.lists(st.sampled_from(optional), unique=True, max_size=5))
    header = list(REQUIRED_COLUMNS) + extra
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.integers(0, 9)) == 0:  # now and then a header with a problem
        header = draw(st.lists(st.sampled_from([*COLUMNS, "Notes", "", "SKU"]), max_size=8))
    rows = [[line.get(column, "") for column in header] for line in draw(valid_lines())]
    for _ in range(draw(st.integers(0, 2)) if rows and header else 0):
        row = draw(st.sampled_from(rows))
        column = draw(st.integers(0, len(header) - 1))
        row[column] = str(_trouble(draw, header[column]))
    delimiter = draw(st.sampled_from([",", ";"]))
    out = io.StringIO()
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    writer = csv.writer(out, delimiter=delimiter, lineterminator=ending)
    writer.writerow([draw(st.sampled_from([name, name.upper(), f" {name}"])) for name in header])
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text.encode("utf-8")


@PROPERTY_SETTINGS
@given(data=csv_files())
def test_any_csv_cells(book: tuple[peewee.Database, Path], data: bytes) -> None:
    database, folder = book
    _check_import(database, _file(folder, ".csv", data))


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
    st.text(max_size=10),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _as_json(lines: list[dict[str, str]]) -> dict[str, object]:
    orders: dict[str, dict[str, object]] = {}
    for line in lines:
        order = orders.setdefault(
            line["order_ref"],
            {
                "ref": line["order_ref"],
                "posted_date": line["posted_date"],
                "customer": {
                    "reference": line["customer_reference"],
                    "name": line["customer_name"],
                    "email": line["customer_email"],
                    "bill_to": {"city": line["bill_to_city"]},
                },
                "lines": [],
            },
        )
        order["lines"].append(  # type: ignore[attr-defined]
            {
                "sku": line["sku"],
                "name": line["product_name"],
                "unit_price": Decimal(line["unit_price"]),
                "quantity": Decimal(line["quantity"]),
                "taxable": line["taxable"] != "false",
            }
        )
    return {"orders": list(orders.values())}


def _places(document: object, path: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    """Every path to a value in the document."""
    yield path
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _places(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _places(value, (*path, index))


def _decimal_as_number(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    raise TypeError(type(value).__name__)


@st.composite
def json_files(draw: st.DrawFn) -> bytes:
    document: object = _as_json(draw(valid_lines()))
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(list(_places(document))[1:] or [()]))
        if not path:
            document = draw(json_values)
            continue
        parent: object = document
        for step in path[:-1]:
            parent = parent[step]  # type: ignore[index]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            field = str(path[-1])
            parent[path[-1]] = draw(st.one_of(json_values, st.just(_trouble(draw, field))))  # type: ignore[index]
    text = json.dumps(
        document, indent=draw(st.sampled_from([None, 1, 2])), default=_decimal_as_number
    )
    if draw(st.integers(0, 9)) == 0:  # now and then broken JSON
        text = text[: draw(st.integers(0, len(text)))]
    return text.encode("utf-8")


@PROPERTY_SETTINGS
@given(data=json_files())
def test_any_json_document(book: tuple[peewee.Database, Path], data: bytes) -> None:
    database, folder = book
    _check_import(database, _file(folder, ".json", data))


def test_some_generated_files_import_cleanly(book: tuple[peewee.Database, Path]) -> None:
    """The strategies above reach the clean path too (not only refusals)."""
    database, folder = book
    clean = "order_ref;posted_date;customer_reference;customer_name;sku;quantity;unit_price\n"
    clean += "P-1;2026-05-01;C-1;Acme Ltd;W-1;1;9.50\n"
    report = _check_import(database, _file(folder, ".csv", clean.encode()), count=False)
    assert report.problems == []
    assert Decimal(str(LogEntry.get(LogEntry.order_ref == "P-1").total)) == Decimal("9.50")
