"""`log --search` finds a customer whatever its accents, and an order by its Xero invoice
number once it has one."""

from __future__ import annotations

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero


def test_search_ignores_accents_and_finds_invoice_numbers(desk: Desk) -> None:
    put_in_xero(
        desk.sandbox,
        contacts=[contact_record("Café Étoile", "C-1")],
        items=[item_record("SKU-1")],
    )
    desk.import_rows(
        [
            line("SO-1", ("C-1", "Café Étoile"), "SKU-1"),
            line("SO-2", ("C-2", "Harbour Deli"), "SKU-1"),
        ]
    )
    assert list(desk.log("--search", "cafe etoile")) == ["SO-1"]
    assert list(desk.log("--search", "CAFÉ")) == ["SO-1"]
    desk("sync")
    number = desk.log()["SO-1"]["xero_invoice_number"]
    assert number and number.startswith("INV-")
    assert list(desk.log("--search", number.lower())) == ["SO-1"]


def test_a_filter_matching_nothing_says_so_rather_than_no_orders_yet(desk: Desk) -> None:
    desk.import_rows([line("SO-1", ("C-1", "Harbour Deli"), "SKU-1")])
    for options in (["--status", "failed"], ["--search", "nobody"], ["--xero-status", "paid"]):
        result = desk("log", *options)
        assert result.code == 0, result.err
        assert result.out.strip() == "No orders match.", options
