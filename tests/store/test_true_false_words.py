"""The true/false words are one list (``store.values``): an import file's taxable column and
``settings KEY VALUE`` accept the same ones. "on"/"off" were once settings-only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.desks import Run
from xerologdesk.store.values import FALSE_WORDS, TRUE_WORDS

HEADER = "order_ref,posted_date,customer_reference,customer_name,sku,taxable,quantity,unit_price"


@pytest.mark.parametrize("word", [*TRUE_WORDS, *FALSE_WORDS, "ON", "Off"])
def test_an_import_file_and_settings_take_the_same_words(
    tmp_path: Path, run_cli: Callable[..., Run], word: str
) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(f"{HEADER}\nSO-1,2026-05-01,C-1,Acme,W-1,{word},1,9.50\n", encoding="utf-8")
    data = str(tmp_path / "data")
    imported = run_cli("--data-dir", data, "import", str(orders))
    assert imported.code == 0, imported.err
    assert "taxable" not in imported.err
    setting = run_cli("--data-dir", data, "settings", "auto_create_customers", word)
    assert setting.code == 0, setting.err


def test_a_word_neither_list_holds_is_refused_by_both(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(f"{HEADER}\nSO-1,2026-05-01,C-1,Acme,W-1,maybe,1,9.50\n", encoding="utf-8")
    data = str(tmp_path / "data")
    assert run_cli("--data-dir", data, "import", str(orders)).code != 0
    assert run_cli("--data-dir", data, "settings", "auto_create_customers", "maybe").code != 0
