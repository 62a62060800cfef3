"""Writing the shown log (its filter and sort) to a CSV file, page by page, off the GUI thread.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) are prefixed with an apostrophe: an order ref or a customer name typed
into the ordering platform must never become a formula on a colleague's machine.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

from xerologdesk.store import queries
from xerologdesk.store.queries import LogFilter, LogRow

EXPORT_PAGE = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = (
    "order_ref",
    "posted_date",
    "customer_reference",
    "customer_name",
    "total",
    "currency",
    "status",
    "attempts",
    "last_attempt_at",
    "reason",
    "reason_codes",
    "xero_invoice_number",
    "xero_invoice_id",
)


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet shows rather than evaluates."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _cells(row: LogRow) -> list[str]:
    reasons = " ".join(str(reason.get("message", "")) for reason in row.reasons or [])
    # The stable codes README lists, one word each, for filters and pivot tables.
    codes = " ".join(str(reason.get("code", "")) for reason in row.reasons or [])
    values = [
        row.order_ref,
        row.posted_date.isoformat(),
        row.customer_reference,
        row.customer_name,
        str(row.total),
        row.currency,
        row.status,
        str(row.attempts),
        row.last_attempt_at.isoformat() if row.last_attempt_at else "",
        reasons or row.reason_summary or "",
        codes,
        row.xero_invoice_number or "",
        row.xero_invoice_id or "",
    ]
    return [neutralise(value) for value in values]


def export_log(
    path: Path,
    log_filter: LogFilter,
    sort_key: str,
    descending: bool,
    cancelled: Callable[[], bool] = lambda: False,
) -> int:
    """Write the filtered, sorted log to ``path`` (UTF-8 with BOM, for spreadsheets); the number
    of orders written. Written to a temporary file first, so a cancelled or failed export never
    leaves half a file under the chosen name."""
    temporary = path.with_name(path.name + ".part")
    written = 0
    try:
        with temporary.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            while not cancelled():
                rows = queries.page_log(log_filter, sort_key, descending, written, EXPORT_PAGE)
                writer.writerows(_cells(row) for row in rows)
                written += len(rows)
                if len(rows) < EXPORT_PAGE:
                    break
        if cancelled():
            temporary.unlink(missing_ok=True)
            return 0
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return written
