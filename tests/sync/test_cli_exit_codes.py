"""`sync` and `resolve` tell a scheduler, by their exit status, whether orders were left failed."""

from __future__ import annotations

import pytest

from tests.support.desks import Desk, line
from tests.support.xero_records import contact_record, item_record, put_in_xero
from xerologdesk.cli import main
from xerologdesk.exits import EXIT_OK, EXIT_ORDERS_FAILED, EXIT_USAGE


def test_sync_and_resolve_exit_3_while_orders_are_left_failed_and_0_once_none_are(
    desk: Desk,
) -> None:
    put_in_xero(desk.sandbox, contacts=[contact_record("Known Shop", "C-1")])
    imported = desk.import_rows(
        [
            line("SO-1", ("C-1", "Known Shop"), "SKU-1"),
            line("SO-2", ("C-2", "Nobody Known"), "SKU-1"),
        ]
    )
    assert imported.out.endswith(": imported 2 orders, skipped 0 already imported, 0 conflicts\n")
    synced = desk("sync")
    assert synced.code == EXIT_ORDERS_FAILED == 3, synced.err
    assert synced.out.strip().splitlines()[-1] == "synced 2: 0 succeeded, 2 failed, 0 pending"

    # Retry after adding only the item: SO-2's customer is still missing.
    put_in_xero(desk.sandbox, items=[item_record("SKU-1")])
    retried = desk("resolve", "--retry", "SO-1", "SO-2")
    assert retried.code == EXIT_ORDERS_FAILED, retried.err
    assert "SO-1: succeeded (INV-" in retried.out
    assert "SO-2: failed:" in retried.out

    put_in_xero(desk.sandbox, contacts=[contact_record("Nobody Known", "C-2")])
    fixed = desk("resolve", "--retry", "SO-2")
    assert fixed.code == EXIT_OK, fixed.err
    assert desk("sync").code == EXIT_OK  # nothing pending, nothing failed


def test_import_counts_in_words_that_agree_with_their_number(desk: Desk) -> None:
    first = desk.import_rows([line("SO-1", ("C-1", "Known Shop"), "SKU-1")], name="one.csv")
    assert first.out.endswith(
        "one.csv: imported 1 order, skipped 0 already imported, 0 conflicts\n"
    )
    changed = desk.import_rows([line("SO-1", ("C-1", "Known Shop"), "SKU-2")], name="two.csv")
    assert changed.out.endswith(
        "two.csv: imported 0 orders, skipped 0 already imported, 1 conflict\n"
    )


def test_help_is_plain_text_and_names_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "``" not in out
    assert "The xerologdesk desktop app" in out
    assert "3 a sync or resolve that left orders failed" in " ".join(out.split())


@pytest.mark.parametrize(
    "argv",
    [["run", "--every", "0"], ["suggest-contacts", "C-1", "--limit", "0"]],
)
def test_a_count_below_one_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == EXIT_USAGE
    assert "1 or more, not '0'" in capsys.readouterr().err
