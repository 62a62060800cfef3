"""The GUI benchmark's million-order log on PostgreSQL: :mod:`tests.bench.make_log_db`'s order
book copied into a database of a server the benchmark starts itself, both kept between runs.

The server is the test suite's (:class:`tests.support.postgres.PostgresServer`: Debian's
``initdb``/``pg_ctl``, listening only on a unix socket in its folder, run as the ``postgres``
user when this process is root), with its data folder in the benchmarks' cache folder, so a
later run starts it again instead of filling it again. It runs on this machine with
PostgreSQL's default settings (``shared_buffers`` 128 MB) besides ``fsync=off``, which only
writes feel.

The order book is copied in as a user moves a log (``xerologdesk database copy``,
:func:`xerologdesk.store.copy.copy_book`) into a database named after the cached SQLite file
(orders, pending, seed, schema version, generator version), then vacuumed and analysed, as
autovacuum leaves a server's tables after a while: the planner needs the statistics, and
index-only reads the visibility map.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from tests.bench.make_log_db import DATABASE_NAME, default_cache_dir
from tests.support.postgres import PostgresServer, give_to_server_user, newest_bin_dir

SERVER_FOLDER = "postgresql"  # in the cache folder, then the major version: postgresql-15
# Beside the server's data, <database>.complete says that database was filled and analysed.
FILLED = ".complete"


@contextlib.contextmanager
def bench_server(cache_dir: Path | None = None) -> Iterator[PostgresServer]:
    """The benchmark's own PostgreSQL server (its data kept in ``cache_dir``, by default the
    benchmarks' cache folder), running until the block ends; one already running there (left
    by a run that was killed, or started by hand to look at) is used and left running."""
    bin_dir = newest_bin_dir()
    if bin_dir is None:
        raise SystemExit("no PostgreSQL installed under /usr/lib/postgresql (Debian's package)")
    folder = (cache_dir or default_cache_dir()) / f"{SERVER_FOLDER}-{bin_dir.parent.name}"
    folder.mkdir(parents=True, exist_ok=True)
    give_to_server_user(folder)
    server = PostgresServer(bin_dir, folder)
    if server.run("pg_ctl", "status", "-D", str(server.data_dir)).returncode == 0:
        yield server
        return
    server.start()
    try:
        yield server
    finally:
        server.stop("fast")


def database_name(sqlite_dir: Path) -> str:
    """The PostgreSQL database holding the order book of ``sqlite_dir`` (a cached folder)."""
    return sqlite_dir.name.replace("-", "_").lower()


def filled_database(server: PostgresServer, sqlite_dir: Path) -> str:
    """The URL of the server's copy of the order book in ``sqlite_dir``, made unless a
    complete one is there already (an unfinished one is dropped and made again)."""
    name = database_name(sqlite_dir)
    done = server.folder / f"{name}{FILLED}"
    url = server.url(name)
    if not done.exists():
        server.client("dropdb", "--if-exists", name)
        server.create_database(name)
        seconds = fill(url, sqlite_dir)
        done.write_text(f"{seconds:.1f}\n", encoding="utf-8")
    return url


def fill(url: str, sqlite_dir: Path) -> float:
    """Copy the order book of ``sqlite_dir`` into the empty database at ``url`` and analyse
    it; the seconds taken (printed as it goes: the copy takes minutes)."""
    import psycopg

    from xerologdesk.store.copy import copy_book

    started = time.perf_counter()
    print(f"copying {sqlite_dir / DATABASE_NAME} to {url} (database copy) ...", flush=True)
    report = copy_book(sqlite_dir / DATABASE_NAME, url)
    print(f"  {report.total:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
        connection.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    print(f"  vacuumed and analysed: {seconds:.0f} s in all", flush=True)
    return seconds


def filled_if_empty(url: str, sqlite_dir: Path) -> str:
    """``url``, after copying the order book of ``sqlite_dir`` into it if it holds no orders
    yet (a database given to the benchmark: one with orders is measured as it is)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        table = connection.execute("SELECT to_regclass('log_entry')").fetchone()
        held = table is not None and table[0] is not None
        if held:
            held = connection.execute("SELECT 1 FROM log_entry LIMIT 1").fetchone() is not None
    if not held:
        fill(url, sqlite_dir)
    return url
