"""A connection Xero stops accepting pauses syncing; reconnecting resumes the waiting orders."""

from __future__ import annotations

import json
from pathlib import Path

from tests.auth.test_connect_command import connect, run
from tests.support.browser import Browser
from xerologdesk.sandbox import Sandbox

ORDERS = """order_ref,posted_date,customer_reference,customer_name,sku,quantity,unit_price
SO-7001,2026-11-20,C-1002,Coogee Corner Store,BEAN-HOUSE-1KG,2,32.00
SO-7002,2026-11-21,C-1003,Manly Wharf Kiosk,CUP-8OZ-1000,1,89.00
"""


def log(data_dir: Path) -> dict[str, dict]:
    code, out, err = run(data_dir, "log", "--json")
    assert code == 0, err
    return {row["order_ref"]: row for row in json.loads(out)}


def test_invalid_grant_pauses_and_reconnecting_resumes_the_pending_orders(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    code, _, err = connect(tmp_path, sandbox, Browser())
    assert code == 0, err
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    assert run(tmp_path, "import", str(orders))[0] == 0

    # 61 days later the refresh token has expired: Xero answers invalid_grant.
    sandbox.clock.advance(61 * 24 * 3600)
    code, out, err = run(tmp_path, "sync")
    assert code == 2
    assert "invalid_grant" in err and "Reconnect" in err
    assert out.strip().splitlines()[-1] == "synced 2: 0 succeeded, 0 failed, 2 pending"
    rows = log(tmp_path)
    assert {row["status"] for row in rows.values()} == {"pending"}
    assert [r["code"] for r in rows["SO-7001"]["reasons"]] == ["not_connected"]
    assert sandbox.state()["invoices"] == []

    code, _, err = connect(tmp_path, sandbox, Browser())
    assert code == 0, err
    code, out, err = run(tmp_path, "sync")
    assert code == 0, err
    assert out.strip().splitlines()[-1] == "synced 2: 2 succeeded, 0 failed, 0 pending"
    rows = log(tmp_path)
    assert {row["status"] for row in rows.values()} == {"succeeded"}
    assert rows["SO-7001"]["reasons"] == []
    assert sorted(i["Reference"] for i in sandbox.state()["invoices"]) == ["SO-7001", "SO-7002"]
