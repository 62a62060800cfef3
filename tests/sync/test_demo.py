"""The bundled demo orders against the sandbox's demo organisation show every failure reason."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

import pytest

from tests.support.desks import Desk
from xerologdesk.sandbox import Sandbox


@pytest.mark.usefixtures("order_book")
def test_the_demo_file_shows_every_reason_and_each_resolve_action_fixes_its_order(
    tmp_path: Path, sandbox: Sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(tmp_path / "data", sandbox, run_cli, tmp_path)
    assert desk("connect", "--sandbox", sandbox.base_url).code == 0
    with as_file(files("xerologdesk.resources") / "demo-orders.csv") as demo:
        assert desk("import", str(demo)).code == 0
    synced = desk("sync")
    assert synced.code == 3, synced.err  # the run left orders failed
    log = desk.log()
    reasons = {ref: [r["code"] for r in row["reasons"]] for ref, row in log.items()}
    assert reasons["SO-1004"] == ["customer_not_found"]
    assert reasons["SO-1005"] == ["product_not_found"]
    assert reasons["SO-1006"] == ["customer_not_found", "product_not_found", "product_not_found"]
    assert reasons["SO-1007"] == ["customer_archived"]
    assert reasons["SO-1008"] == ["customer_ambiguous"]
    assert reasons["SO-1011"] == ["xero_rejected"]
    assert log["SO-1009"]["status"] == "succeeded"  # TEA-CHAI-500 is tea-chai-500 in Xero
    succeeded = [ref for ref, row in log.items() if row["status"] == "succeeded"]
    assert len(succeeded) >= 12
    assert synced.out.strip().splitlines()[-1].startswith(f"synced {len(log)}:")

    # settings_incomplete: Auto Sync before the defaults are chosen
    desk("resolve", "--auto-sync", "SO-1005")
    assert [r["code"] for r in desk.log()["SO-1005"]["reasons"]] == ["settings_incomplete"]
    desk.settings_for_auto_sync()
    fixed = desk("resolve", "--auto-sync", "SO-1004", "SO-1005", "SO-1006")
    assert fixed.out.count("succeeded (INV-") == 3, fixed.out
    dismissed = desk("resolve", "--dismiss", "--reason", "Customer moved to EUR billing", "SO-1011")
    assert dismissed.out.strip() == "SO-1011: dismissed"
    counts = desk("status").out
    assert "1 dismissed" in counts
