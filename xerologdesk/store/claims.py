"""Which sync run syncs which order, kept by the database: a run's claims.

A run claims the orders of a batch before it sends anything of them and lets go of each claim
only once the order's outcome is committed, so two runs never work on one order at once. A run
also has a token, written into each outbox row it opens (see :mod:`xerologdesk.sync.outbox`),
and is *alive* while it holds it: a lost answer is settled only by its own run or, once that
run is gone, by any other.

:class:`Claims` is the SQLite form: a SQLite log is one desktop's, whose file lock
(:mod:`xerologdesk.sync.lock`) already keeps its runs apart, so a run claims whatever it asks for
and every other run is gone. :class:`ServerClaims` is PostgreSQL's, shared by the desktops of a
team: a run opens a connection of its own (autocommit) and holds *session* advisory locks on it
(two keys: a class of :mod:`xerologdesk.store.engines` and the order id or token). The server
drops them when that connection ends, even when its process is killed or its machine vanishes
(TCP keepalives end such a session within about a minute): that is a claim's lease expiring.
:func:`claims_for` gives the one for the database the models are bound to.

The rules a run keeps (``sync`` only sees this interface):

- :meth:`Claims.claim` takes the claims in one statement over the ids asked (a bounded, given
  list: locks are taken on those ids only, never on rows a LIMIT might discard), then reads the
  claimed orders' status again in a new statement and lets go of those no longer eligible:
  another run may have settled one between the caller's read and the claim.
- :meth:`Claims.release` after the orders' outcomes are committed; :meth:`Claims.close` lets go of
  everything at the end of the run.
- :meth:`Claims.creating` serialises looking up and creating contacts (or items) across the
  team's desktops, so two runs never create the same missing customer or SKU.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from xerologdesk.store import book, engines
from xerologdesk.store.trouble import ServerDatabaseError
from xerologdesk.store.vocabulary import OutboxKind

# The most orders a run claims at once on PostgreSQL: advisory locks live in the server's
# shared lock table (max_locks_per_transaction x max_connections: 6,400 by default), which
# every desktop's claims share.
MOST_CLAIMED = 500
# TCP keepalives of the claims connection (seconds, tries): a machine that vanishes without
# closing its connection (power, network) loses its claims within about a minute.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 30, 10, 3
# What creating contacts and creating items lock (the second key under CREATE_CLASS).
CREATING = {OutboxKind.CONTACT: 1, OutboxKind.ITEM: 2}
_LARGEST_TOKEN = 2**31 - 1  # the second key of a two-key advisory lock is a 32-bit integer


@dataclass(frozen=True)
class Claimed:
    """What :meth:`Claims.claim` got: the orders now this run's, and those another run holds
    (left alone). Orders no longer eligible are in neither."""

    held: list[int]
    elsewhere: list[int] = field(default_factory=list)


class Claims:
    """A run's claims on one desktop's SQLite log: it claims whatever it asks for."""

    shared = False  # whether other desktops' runs may sync the same log at once
    most: int | None = None  # the most orders claimed at once (None: any number)

    def __init__(self) -> None:
        self.token = secrets.randbelow(_LARGEST_TOKEN) + 1
        self._held: set[int] = set()

    def open(self) -> None:
        """Start the run's claims (before anything is claimed)."""

    def close(self) -> None:
        """Let go of every claim of the run (its end)."""
        self._held.clear()

    def claim(self, order_ids: Iterable[int], statuses: Collection[str] | None = None) -> Claimed:
        """Claim these orders, leaving out those another run holds and, given ``statuses``,
        those whose status (read after claiming) is none of them."""
        wanted = list(dict.fromkeys(order_ids))
        new = [each for each in wanted if each not in self._held]
        taken = self._take(new)
        self._held.update(taken)
        if statuses is not None and taken:
            now = book.order_statuses(taken)  # a new statement: after the claims were taken
            self.release([each for each in taken if now.get(each) not in statuses])
        return Claimed(
            [each for each in wanted if each in self._held],
            [each for each in new if each not in taken],
        )

    def release(self, order_ids: Iterable[int]) -> None:
        """Let go of claims this run holds (once the orders' outcomes are committed)."""
        mine = [each for each in dict.fromkeys(order_ids) if each in self._held]
        if mine:
            self._let_go(mine)
            self._held.difference_update(mine)

    @contextlib.contextmanager
    def holding(self, order_ids: Iterable[int]) -> Iterator[Claimed]:
        """Claims on these orders for the block; those taken for it are let go after it (so
        commit what is done with them inside)."""
        before = set(self._held)
        claimed = self.claim(order_ids)
        try:
            yield claimed
        finally:
            self.release([each for each in claimed.held if each not in before])

    def gone(self, tokens: Collection[int]) -> set[int]:
        """Which of these runs (by token) have ended; never this run."""
        return set(tokens) - {self.token}

    @contextlib.contextmanager
    def creating(self, kind: OutboxKind) -> Iterator[None]:
        """Held while this run looks up and creates records of ``kind`` (contacts or items):
        one run at a time among those sharing the log (nothing to wait for here)."""
        yield

    def _take(self, order_ids: list[int]) -> list[int]:
        """Claim orders this run does not hold yet; those taken (another run's left out)."""
        return order_ids

    def _let_go(self, order_ids: list[int]) -> None:
        """Let go of claims held."""


class ServerClaims(Claims):
    """A run's claims on a team's PostgreSQL log: session advisory locks on a connection of
    the run's own, which the server drops when the connection ends."""

    shared = True
    most = MOST_CLAIMED

    def __init__(self, url: str) -> None:
        super().__init__()
        self._url = url
        self._connection: Any = None

    def open(self) -> None:
        import psycopg

        kwargs: dict[str, Any] = {
            "autocommit": True,
            "application_name": "xerologdesk",
            "keepalives": 1,
            "keepalives_idle": KEEPALIVE_IDLE,
            "keepalives_interval": KEEPALIVE_INTERVAL,
            "keepalives_count": KEEPALIVE_COUNT,
        }
        if "connect_timeout" not in self._url:
            kwargs["connect_timeout"] = engines.CONNECT_TIMEOUT_SECONDS
        with self._talking():
            self._connection = psycopg.connect(self._url, **kwargs)
            # libpq's keepalives (above) tell this desktop the server is gone; the server's
            # own, set for the session, tell the server this desktop is: what ends its claims.
            for setting, seconds in (
                ("tcp_keepalives_idle", KEEPALIVE_IDLE),
                ("tcp_keepalives_interval", KEEPALIVE_INTERVAL),
                ("tcp_keepalives_count", KEEPALIVE_COUNT),
            ):
                self._connection.execute(f"SET {setting} = {seconds:d}")
            # A token no live run holds (a clash with a live run's draws another).
            lock = "SELECT pg_try_advisory_lock(%s, %s)"
            while not self._connection.execute(lock, (engines.RUN_CLASS, self.token)).fetchone()[0]:
                self.token = secrets.randbelow(_LARGEST_TOKEN) + 1

    def close(self) -> None:
        connection, self._connection = self._connection, None
        super().close()
        if connection is None:
            return
        import psycopg

        try:
            # At once: the server ends a closed session's locks a moment after the close.
            connection.execute("SELECT pg_advisory_unlock_all()")
        except psycopg.Error:
            pass  # a broken connection: the server ends its session, and its locks, by itself
        finally:
            connection.close()

    def gone(self, tokens: Collection[int]) -> set[int]:
        others = sorted(set(tokens) - {self.token})
        if not others:
            return set()
        with self._talking():
            live = self._connection.execute(
                "SELECT DISTINCT objid::bigint FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND objsubid = 2 AND classid = %s::oid "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                (engines.RUN_CLASS,),
            ).fetchall()
        return set(others) - {int(row[0]) for row in live}

    @contextlib.contextmanager
    def creating(self, kind: OutboxKind) -> Iterator[None]:
        key = (engines.CREATE_CLASS, CREATING[kind])
        with self._talking():
            self._connection.execute("SELECT pg_advisory_lock(%s, %s)", key)
        try:
            yield
        finally:
            with self._talking():
                self._connection.execute("SELECT pg_advisory_unlock(%s, %s)", key)

    def _take(self, order_ids: list[int]) -> list[int]:
        if not order_ids:
            return []
        # One statement over the given ids: pg_try_advisory_lock runs once for each of them
        # (no LIMIT after it to take locks on rows then thrown away).
        with self._talking():
            rows = self._connection.execute(
                "SELECT id FROM unnest(%s::bigint[]) AS id "
                "WHERE pg_try_advisory_lock(%s, id::integer)",
                (order_ids, engines.CLAIM_CLASS),
            ).fetchall()
        taken = {int(row[0]) for row in rows}
        return [each for each in order_ids if each in taken]

    def _let_go(self, order_ids: list[int]) -> None:
        with self._talking():
            self._connection.execute(
                "SELECT pg_advisory_unlock(%s, id::integer) FROM unnest(%s::bigint[]) AS id",
                (engines.CLAIM_CLASS, order_ids),
            )

    @contextlib.contextmanager
    def _talking(self) -> Iterator[None]:
        """The claims connection's trouble as the order book's (the URL shown without its
        password): a run that lost its claims must not go on sending."""
        import psycopg

        try:
            yield
        except psycopg.Error as error:
            shown = engines.redacted(self._url)
            raise ServerDatabaseError(shown, str(error).strip().splitlines()[0]) from error


def claims_for(db: Any) -> Claims:
    """A new run's claims on ``db`` (a peewee database, or the models' proxy once bound)."""
    chosen = getattr(db, "obj", db)
    if engines.engine_of(chosen) is engines.POSTGRES:
        return ServerClaims(str(chosen.database))
    return Claims()
