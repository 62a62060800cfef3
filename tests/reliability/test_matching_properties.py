"""Property tests of matching (issue 7): whatever a customer's name or a SKU holds (quotes, ``&``,
``+``, ``%``, brackets, where-clause syntax, emoji, right-to-left text, invisible format
characters), a synced order gets its own contact and item, or a clear reason; never another
record, never a changed ``where`` clause.

Each example puts generated contacts and items (with near-miss decoys) in the sandbox, imports
orders through the real importer, syncs them over real HTTP, and checks which contact and item
each invoice got. The sandbox, the data directory and the connection are shared by the examples
(the sandbox is reset for each), so an example costs one import and one sync.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.support.desks import COLUMNS, line
from tests.support.xero_records import contact_record, item_record
from xerologdesk.app import App, open_app
from xerologdesk.sandbox import Sandbox
from xerologdesk.sandbox.where import fold as sandbox_fold
from xerologdesk.store import queries
from xerologdesk.store.importer import import_files
from xerologdesk.store.queries import LogRow
from xerologdesk.store.values import check_text
from xerologdesk.sync.engine import item_key
from xerologdesk.xero.filters import xero_fold

# Characters and fragments that break naive lookups: where-clause syntax, URL syntax, escapes.
NASTY = [
    *"\"'&+%()[]{}=!|\\/?#,.*<>~^$:;-_@ ",
    '" OR Name!=null OR Name=="',
    "&&",
    "||",
    ".Contains(",
    'GUID("',
    "%20",
    "%22",
    "\\u0022",
]
# Letters from many scripts, emoji (2 UTF-16 units each, some with joiners), right-to-left text
# and invisible format characters.
WORDS = [
    "Caf\u00e9",
    "CAFE",
    "\u00dcn\u00efcode",
    "\u0634\u0631\u0643\u0629",
    "\u05e9\u05dc\u05d5\u05dd",
    "\U0001f600",
    "\U0001f1e6\U0001f1fa",
    "\U0001f468\u200d\U0001f469",
    "Stra\u00dfe",
    "\u0130stanbul",
    "\u03a9mega",
    "\u01c4",
    "\ufb01ne",
    "\u202eevil",
    "x\u200dy",
    "null",
    "OR",
    "Name",
]
LETTERS = st.text(alphabet="abcXYZ019", min_size=1, max_size=4)
pieces = st.one_of(st.sampled_from(NASTY), st.sampled_from(WORDS), LETTERS)


def importable(value: str, field: str, limit: int) -> bool:
    """What the importer takes (it strips, and refuses control characters and long values)."""
    try:
        return check_text(field, value, required=True, max_length=limit) == value
    except Exception:
        return False


names = (
    st.lists(pieces, min_size=1, max_size=6)
    .map("".join)
    .map(str.strip)
    .filter(lambda name: importable(name, "customer_name", 255))
)
skus = (
    st.lists(pieces, min_size=1, max_size=4)
    .map("".join)
    .map(str.strip)
    .filter(lambda sku: importable(sku, "sku", 30))
)


def same_contact_name(a: str, b: str) -> bool:
    """Whether Xero (here: the sandbox and the client alike) takes two names for one."""
    return xero_fold(a) == xero_fold(b) or sandbox_fold(a.strip()) == sandbox_fold(b.strip())


@st.composite
def respelled(draw: st.DrawFn, value: str) -> str:
    """``value`` with the case of some characters changed (when that keeps it the same)."""
    spelled = "".join(
        ch.upper() if draw(st.booleans()) else ch.lower() if draw(st.booleans()) else ch
        for ch in value
    )
    return (
        spelled
        if same_contact_name(spelled, value) and item_key(spelled) == item_key(value)
        else value
    )


@dataclass
class World:
    sandbox: Sandbox
    app: App
    folder: Path
    numbers: Iterator[int]

    def fresh(self) -> int:
        """A new example: an empty organisation, and a number for its refs."""
        self.sandbox.reset("empty")
        return next(self.numbers)

    def import_and_sync(self, rows: list[dict[str, str]], number: int) -> dict[str, LogRow]:
        path = self.folder / f"example-{number}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, restval="")
            writer.writeheader()
            writer.writerows(rows)
        report = import_files([path], "AUD")
        assert report.problems == [], report.problems
        summary = self.app.runner().sync_pending()
        assert summary.stopped == "", summary.stopped
        refs = {row["order_ref"] for row in rows}
        rows_by_ref = {
            row.order_ref: row
            for row in queries.page_log(queries.LogFilter(), "posted_date", False, 0, None)
        }
        return {ref: rows_by_ref[ref] for ref in refs}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("matching")
    sandbox = Sandbox(seed="empty", minute_limit=0, day_limit=0, concurrent_limit=0).start()
    app = open_app(folder / "data", log=False)
    try:
        app.connect_sandbox(sandbox.base_url)
        yield World(sandbox, app, folder, itertools.count(1))
    finally:
        app.close()
        sandbox.stop()


PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@PROPERTY_SETTINGS
@given(data=st.data())
def test_any_customer_name_or_account_number_finds_its_own_contact(
    world: World, data: st.DataObject
) -> None:
    targets = data.draw(st.lists(names, min_size=1, max_size=4), label="names")
    decoys = [f"{name} Ltd" for name in targets] + [name[:-1] for name in targets if len(name) > 1]
    by_number = data.draw(st.lists(st.booleans(), min_size=len(targets), max_size=len(targets)))
    numbers = data.draw(
        st.lists(names.filter(lambda n: len(n) <= 50), min_size=len(targets), max_size=len(targets))
    )
    every = targets + decoys
    assume(all(not same_contact_name(a, b) for a, b in itertools.combinations(every, 2)))
    assume(all(not same_contact_name(a, b) for a, b in itertools.combinations(numbers, 2)))
    unknown = data.draw(names, label="unknown")
    assume(not any(same_contact_name(unknown, each) for each in every + numbers))

    number = world.fresh()
    contacts = [
        contact_record(name, numbers[i] if by_number[i] else "") for i, name in enumerate(targets)
    ] + [contact_record(name) for name in decoys]
    world.sandbox.ledger().load_records(contacts, [item_record("S-1")])
    rows = []
    for i, name in enumerate(targets):
        spelled = data.draw(respelled(name))
        # Found by account number (the name then differs), or by name (the reference unknown).
        reference = data.draw(respelled(numbers[i])) if by_number[i] else f"NEW-{number}-{i}"
        shown = f"Someone Else {number}-{i}" if by_number[i] else spelled
        rows.append(line(f"M-{number}-{i}", (reference, shown), "S-1"))
    rows.append(line(f"M-{number}-X", (f"NONE-{number}", unknown), "S-1"))

    log = world.import_and_sync(rows, number)
    invoices = {each["Reference"]: each for each in world.sandbox.state()["invoices"]}
    for i, contact in enumerate(contacts[: len(targets)]):
        ref = f"M-{number}-{i}"
        assert log[ref].status == "succeeded", (ref, log[ref].reasons)
        assert invoices[ref]["Contact"]["ContactID"] == contact["ContactID"], ref
    missing = log[f"M-{number}-X"]
    assert missing.status == "failed"
    assert [reason["code"] for reason in missing.reasons] == ["customer_not_found"]
    assert f"\u201c{unknown}\u201d" in missing.reasons[0]["message"]
    assert f"M-{number}-X" not in invoices
    assert len(world.sandbox.state()["contacts"]) == len(contacts)  # nothing created


@PROPERTY_SETTINGS
@given(data=st.data())
def test_any_sku_finds_its_own_item_in_xeros_spelling(world: World, data: st.DataObject) -> None:
    codes = data.draw(st.lists(skus, min_size=1, max_size=4), label="codes")
    decoys = [code[:-1] for code in codes if len(code) > 1] + [
        f"{code}X" for code in codes if importable(f"{code}X", "sku", 30)
    ]
    every = codes + decoys
    assume(len({item_key(code) for code in every}) == len(every))
    absent = data.draw(skus, label="absent")
    assume(item_key(absent) not in {item_key(code) for code in every})

    number = world.fresh()
    world.sandbox.ledger().load_records(
        [contact_record("Acme", f"C-{number}")], [item_record(code) for code in every]
    )
    rows = []
    for i, code in enumerate(codes):
        spelled = data.draw(respelled(code))
        rows.append(line(f"K-{number}-{i}", (f"C-{number}", "Acme"), spelled))
    rows.append(line(f"K-{number}-X", (f"C-{number}", "Acme"), absent))

    log = world.import_and_sync(rows, number)
    invoices = {each["Reference"]: each for each in world.sandbox.state()["invoices"]}
    for i, code in enumerate(codes):
        ref = f"K-{number}-{i}"
        assert log[ref].status == "succeeded", (ref, log[ref].reasons)
        assert [each["ItemCode"] for each in invoices[ref]["LineItems"]] == [code]
    missing = log[f"K-{number}-X"]
    assert [reason["code"] for reason in missing.reasons] == ["product_not_found"]
    assert f"\u201c{absent}\u201d" in missing.reasons[0]["message"]
