"""Measure: how far does one invoice save walk through the sandbox's code?

Run with ``python3 tests/bench/sandbox_call_path.py`` (not collected by pytest). It saves one
invoice (PUT /Invoices, one ACCREC invoice for a demo customer with two item lines, as the app
sends it) through the real xero-python client over real HTTP against the sandbox, and counts, for
the functions under ``xerologdesk/sandbox/`` that run while the sandbox answers it:

- calls: how many sandbox functions were entered (comprehensions not counted),
- files: how many distinct sandbox files those functions live in,
- switches: how often one call entered a file other than the previous call's (reading the save
  top to bottom, how often the reader changes files).

``--by-file`` also prints the calls per file. The numbers are for the reshaping of issue #19
(move 6): the sandbox arranged by resource rather than by kind.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from types import FrameType
from typing import Any

from xero_python.accounting import (
    Contact,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_sandbox import accounting_api  # noqa: E402
from xerologdesk.sandbox import Sandbox  # noqa: E402

SANDBOX_DIR = str(ROOT / "xerologdesk" / "sandbox") + "/"
# Where the save starts once the request is through the HTTP layer and the gates.
SAVE_ENTRY_FILE = SANDBOX_DIR + "accounting.py"
SAVE_ENTRY = "write"
# Not calls a reader follows: comprehensions (and each resumption of a generator expression, which
# the profiler reports as a call) read in place.
INLINE = frozenset({"<genexpr>", "<listcomp>", "<dictcomp>", "<setcomp>"})


class CallPath:
    """The sandbox files entered, call by call, while recording (every thread): all calls, and
    those under the accounting API's write (the save itself, past the HTTP and the gates)."""

    def __init__(self) -> None:
        self.files: list[str] = []
        self.save_files: list[str] = []
        self.recording = False

    def profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or not self.recording:
            return
        filename = frame.f_code.co_filename
        if not filename.startswith(SANDBOX_DIR) or frame.f_code.co_name in INLINE:
            return
        name = filename[len(SANDBOX_DIR) :]
        self.files.append(name)
        outer: FrameType | None = frame
        while outer is not None:
            code = outer.f_code
            if code.co_filename == SAVE_ENTRY_FILE and code.co_name == SAVE_ENTRY:
                self.save_files.append(name)
                return
            outer = outer.f_back


def switches(files: list[str]) -> int:
    """How often a call enters a file other than the previous call's."""
    return sum(1 for before, after in pairwise(files) if before != after)


def report(title: str, files: list[str], by_file: bool) -> None:
    print(f"{title}: {len(files)} calls, {len(set(files))} files, {switches(files)} file switches")
    if by_file:
        for name, count in Counter(files).most_common():
            print(f"  {count:5d}  {name}")


def one_invoice(contact_id: str) -> Invoices:
    """One invoice as the app's gateway builds it (xero/wire.py)."""
    lines = [
        LineItem(item_code="BEAN-HOUSE-1KG", quantity=Decimal(2), unit_amount=Decimal("32.00")),
        LineItem(item_code="MILK-OAT-1L", quantity=Decimal(6), unit_amount=Decimal("4.10")),
    ]
    return Invoices(
        invoices=[
            Invoice(
                type="ACCREC",
                contact=Contact(contact_id=contact_id),
                date=date(2026, 5, 1),
                due_date=date(2026, 5, 31),
                reference="CALL-PATH-1",
                status="AUTHORISED",
                line_amount_types=LineAmountTypes("Exclusive"),
                line_items=lines,
            )
        ]
    )


def main() -> int:
    by_file = "--by-file" in sys.argv
    path = CallPath()
    with Sandbox(seed="demo", minute_limit=0, day_limit=0, concurrent_limit=0) as sandbox:
        tenant = sandbox.primary_tenant_id
        token = sandbox.issue_token("bench")
        contact = (
            accounting_api(sandbox, token)
            .get_contacts(tenant, where='AccountNumber=="C-1002"')
            .contacts[0]
        )
        invoices = one_invoice(str(contact.contact_id))
        # The sandbox answers each connection on a thread of its own, started when the
        # connection opens: a fresh client's connection starts under the profiler.
        threading.setprofile(path.profile)
        sys.setprofile(path.profile)
        api = accounting_api(sandbox, token)
        path.recording = True
        answer = api.create_invoices(tenant, invoices, unitdp=4)
        path.recording = False
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
        assert answer.invoices[0].status_attribute_string == "OK", answer
    report("whole request (HTTP, gates, save)", path.files, by_file)
    report("the save (under accounting.write)", path.save_files, by_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
