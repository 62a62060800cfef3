"""A run's claims on orders (store.claims), on both engines: SQLite's claim whatever is asked (a
SQLite log is one desktop's, whose file lock keeps its runs apart); PostgreSQL's leave out the
orders another run holds, let go on release or at the run's end, and die with their connection,
even when its process is killed."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import peewee
import psycopg
import pytest

from tests.support.postgres import wait_for_session_lock
from tests.support.processes import child_environment
from xerologdesk.store import book, engines
from xerologdesk.store.claims import Claimed, Claims, claims_for
from xerologdesk.store.engines import POSTGRES, engine_of
from xerologdesk.store.importer import import_files
from xerologdesk.store.vocabulary import OutboxKind, Status

pytestmark = pytest.mark.both_engines

ORDERS = """\
order_ref,posted_date,customer_reference,customer_name,sku,product_name,quantity,unit_price
SO-1,2026-05-01,C-1,Acme Ltd,W-1,Widget,1,9.50
SO-2,2026-05-02,C-1,Acme Ltd,W-1,Widget,1,9.50
SO-3,2026-05-03,C-1,Acme Ltd,W-1,Widget,1,9.50
"""
TRY_LOCK = "SELECT pg_try_advisory_lock(%s, %s)"
# A run in a process of its own: it claims the orders given, says its token, and waits.
CLAIMING_CHILD = """
import sys
from xerologdesk.store.claims import ServerClaims
claims = ServerClaims(sys.argv[1])
claims.open()
claims.claim(int(each) for each in sys.argv[2:])
print(claims.token, flush=True)
sys.stdin.read()
"""


@pytest.fixture
def ids(db: peewee.Database, write: Callable[..., Path]) -> list[int]:
    """Three imported pending orders' ids, oldest first."""
    import_files([write("orders.csv", ORDERS)], "AUD")
    found = book.order_ids_for_refs(["SO-1", "SO-2", "SO-3"])
    return [found["SO-1"], found["SO-2"], found["SO-3"]]


@pytest.fixture
def runs(db: peewee.Database) -> Iterator[Callable[[], Claims]]:
    """Start runs' claims on the test's order book (each ended after the test)."""
    started: list[Claims] = []

    def start() -> Claims:
        claims = claims_for(db)
        claims.open()
        started.append(claims)
        return claims

    yield start
    for claims in started:
        claims.close()


def shared(db: peewee.Database) -> bool:
    return engine_of(db) is POSTGRES


def test_a_run_claims_what_it_asks_once_however_often_it_asks(
    db: peewee.Database, ids: list[int], runs: Callable[[], Claims]
) -> None:
    run = runs()
    assert run.shared is shared(db)
    assert run.claim(ids) == Claimed(ids, [])
    assert run.claim(reversed(ids)).held == ids[::-1]  # still its own, in the order asked
    run.release([ids[0]])
    other = runs()
    # Released once though claimed twice: there was one claim to let go of.
    assert other.claim([ids[0]]).held == [ids[0]]


def test_the_orders_another_run_holds_are_left_to_it_on_postgresql(
    db: peewee.Database, ids: list[int], runs: Callable[[], Claims]
) -> None:
    first, second = runs(), runs()
    assert first.claim(ids[:2]).held == ids[:2]
    if not shared(db):
        assert second.claim(ids) == Claimed(ids, [])  # one desktop's log: whatever is asked
        return
    assert second.claim(ids) == Claimed([ids[2]], ids[:2])
    first.release([ids[1]])
    assert second.claim(ids) == Claimed([ids[1], ids[2]], [ids[0]])
    first.close()  # the run's end lets go of all it holds
    assert second.claim(ids).held == ids


def test_a_claimed_order_settled_meanwhile_is_let_go_of(
    db: peewee.Database, ids: list[int], runs: Callable[[], Claims]
) -> None:
    # Another desktop dismissed SO-2 between this run's read of the pending orders and its claim.
    book.dismiss([ids[1]], "sent by post", datetime(2026, 5, 4, tzinfo=UTC))
    run = runs()
    assert run.claim(ids, {Status.PENDING}) == Claimed([ids[0], ids[2]], [])
    assert runs().claim([ids[1]]).held == [ids[1]]  # not held by the first: let go of


def test_a_claim_of_a_block_is_let_go_of_after_it_but_one_held_before_is_kept(
    db: peewee.Database, ids: list[int], runs: Callable[[], Claims]
) -> None:
    run, other = runs(), runs()
    run.claim([ids[0]])
    with run.holding(ids) as claimed:
        assert claimed.held == ids
    if shared(db):
        assert other.claim(ids) == Claimed(ids[1:], [ids[0]])


def test_a_run_is_alive_while_it_holds_its_token(
    db: peewee.Database, runs: Callable[[], Claims]
) -> None:
    first, second = runs(), runs()
    assert first.token != second.token
    assert first.gone({first.token}) == set()  # never itself
    assert second.gone({first.token, 12345}) == ({12345} if shared(db) else {first.token, 12345})
    first.close()
    assert second.gone({first.token}) == {first.token}


def test_creating_is_one_run_at_a_time_across_desktops(
    db: peewee.Database, runs: Callable[[], Claims]
) -> None:
    run = runs()
    with run.creating(OutboxKind.CONTACT):
        if shared(db):
            with psycopg.connect(db.database, autocommit=True) as other:
                contact = other.execute(TRY_LOCK, (engines.CREATE_CLASS, 1)).fetchone()
                item = other.execute(TRY_LOCK, (engines.CREATE_CLASS, 2)).fetchone()
                assert (contact, item) == ((False,), (True,))  # items are created meanwhile
    if shared(db):
        with psycopg.connect(db.database, autocommit=True) as other:
            assert other.execute(TRY_LOCK, (engines.CREATE_CLASS, 1)).fetchone() == (True,)


@pytest.mark.postgresql_only  # SQLite's claims live in the run's process (the file lock)
def test_the_claims_of_a_killed_process_die_with_its_connection(
    db: peewee.Database, ids: list[int], runs: Callable[[], Claims]
) -> None:
    url = str(db.database)
    child = subprocess.Popen(
        [sys.executable, "-c", CLAIMING_CHILD, url, *map(str, ids[:2])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_environment(),
    )
    try:
        assert child.stdout is not None
        token = int(child.stdout.readline())
        run = runs()
        assert run.claim(ids) == Claimed([ids[2]], ids[:2])
        assert run.gone({token}) == set()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
    wait_for_session_lock(url, engines.RUN_CLASS, token)  # the server noticed the socket close
    assert run.claim(ids).held == ids
    assert run.gone({token}) == {token}


def test_a_run_s_claims_are_free_for_the_next_run_as_soon_as_it_ends(
    db: peewee.Database, ids: list[int]
) -> None:
    """A resolve just after a sync never finds the sync's claims still held (as it would if they
    went only with the connection's backend, a moment after the close)."""
    for _ in range(200):  # left to the close, this failed within a few dozen
        sync, resolve = claims_for(db), claims_for(db)
        sync.open()
        assert sync.claim(ids).held == ids
        sync.close()
        resolve.open()
        try:
            assert resolve.claim(ids).held == ids
        finally:
            resolve.close()
