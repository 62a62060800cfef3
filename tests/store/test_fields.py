"""Money, quantities and times keep their exact values through the database."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import peewee
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xerologdesk.store.fields import from_units, to_units
from xerologdesk.store.models import Customer, Order, OrderLine, Product

pytestmark = pytest.mark.both_engines  # exact values through either engine


def _product(sku: str, price: Decimal | int) -> Product:
    return Product.create(sku=sku, price=price)


def test_prices_come_back_exactly_and_sort_as_numbers(db: peewee.Database) -> None:
    for sku, price in [("A", "9.5"), ("B", "10"), ("C", "0.0001"), ("D", "123456789.1234")]:
        _product(sku, Decimal(price))
    stored = {p.sku: p.price for p in Product.select()}
    assert stored == {
        "A": Decimal("9.50"),
        "B": Decimal("10.00"),
        "C": Decimal("0.0001"),
        "D": Decimal("123456789.1234"),
    }
    assert str(stored["A"]) == "9.50"  # money shows at least two places
    by_price = [p.sku for p in Product.select().order_by(Product.price)]
    assert by_price == ["C", "A", "B", "D"]  # as numbers: text would put "10" before "9.5"
    units = Product.select(peewee.fn.SUM(Product.price)).scalar()  # summed exactly in SQL
    assert Product.price.python_value(units) == Decimal("123456808.6235")


def test_quantities_keep_up_to_four_places(db: peewee.Database) -> None:
    customer = Customer.create(reference="C", name="C")
    order = Order.create(
        ref="SO-1",
        customer=customer,
        posted_date=date(2026, 5, 1),
        currency="AUD",
        content_hash="x",
        imported_at=datetime.now(UTC),
    )
    product = _product("A", Decimal("1"))
    OrderLine.create(order=order, line_no=1, product=product, quantity=Decimal("2.5"), unit_price=1)
    line = OrderLine.get()
    assert line.quantity == Decimal("2.5")
    assert str(line.quantity) == "2.5"
    assert str(line.unit_price) == "1.00"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("1.23456"), "1.23456 has more than 4 decimal places"),
        (Decimal("NaN"), "NaN is not a finite number"),
        (Decimal("Infinity"), "Infinity is not a finite number"),
        (Decimal("1E+30"), "1E+30 is too large to store"),
        (Decimal("1.0000000000000000000000000000001"), "has more than 4 decimal places"),
        (1.5, "1.5 is not a Decimal (money and quantities are never floats)"),
        (True, "True is not a Decimal"),
    ],
)
def test_inexact_values_are_refused_naming_the_value(
    db: peewee.Database, value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _product("A", value)  # type: ignore[arg-type]
    assert Product.select().count() == 0


@given(
    st.decimals(
        min_value=Decimal("-922337203685477.5807"),
        max_value=Decimal("922337203685477.5807"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_units_round_trip_any_four_place_value(value: Decimal) -> None:
    assert from_units(to_units(value, 4), 4) == value


def test_times_are_stored_in_utc_and_come_back_aware(db: peewee.Database) -> None:
    sydney = timezone(timedelta(hours=10))
    at = datetime(2026, 5, 1, 9, 30, tzinfo=sydney)
    Customer.create(reference="C", name="C", xero_contact_id="x", contact_linked_at=at)
    raw = db.execute_sql("SELECT contact_linked_at FROM customer").fetchone()[0]
    assert raw == "2026-04-30T23:30:00.000000+00:00"
    back = Customer.get().contact_linked_at
    assert back == at
    assert back.tzinfo == UTC


def test_naive_times_are_refused(db: peewee.Database) -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        Customer.create(reference="C", name="C", contact_linked_at=datetime(2026, 5, 1, 9, 30))
    assert Customer.select().count() == 0
