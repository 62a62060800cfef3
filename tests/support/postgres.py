"""A real PostgreSQL server for the tests that need one (team mode), started by the test suite.

The server is Debian's ``postgresql`` package's (``initdb`` and ``pg_ctl`` under
``/usr/lib/postgresql/<version>/bin``, the newest version there), run in a temporary directory
for the whole session and listening only on a unix socket in that directory, so it never
meets another server or a port in use. ``initdb`` refuses to run as root, as the tests do here
and in CI: the server then runs as the ``postgres`` user the package creates.

A benchmark starts one of its own with :func:`start_server`.

Without PostgreSQL the tests that need it are skipped with the reason, except in CI (``CI``
set), where ``.ci/run`` installs it and a skip would hide a failure: there they fail.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote

import pytest

SERVER_USER = "postgres"
BINARIES = Path("/usr/lib/postgresql")
PORT = 5432  # only names the socket file; the socket sits in a folder of its own


def _unavailable(why: str) -> NoReturn:
    """Skip where PostgreSQL is missing; fail in CI, which installs it."""
    if os.environ.get("CI"):
        pytest.fail(f"CI cannot run the PostgreSQL tests: {why}")
    pytest.skip(why)


def newest_bin_dir() -> Path | None:
    """The ``bin`` folder of the newest PostgreSQL installed, or None."""
    found = [
        folder / "bin"
        for folder in BINARIES.glob("*")
        if (folder / "bin" / "initdb").exists() and folder.name.split(".")[0].isdigit()
    ]
    if not found:
        return None
    return max(found, key=lambda folder: int(folder.parent.name.split(".")[0]))


@dataclass
class PostgresServer:
    """A running server: a fresh database for each test from :meth:`new_database`."""

    bin_dir: Path
    folder: Path
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def url(self, database: str) -> str:
        """A ``postgresql://`` URL of ``database`` on this server (over its unix socket)."""
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql://{SERVER_USER}@{host}:{PORT}/{database}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A PostgreSQL program, as the server's user when this process is root."""
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)

    def start(self) -> None:
        """initdb (unless the folder holds a server's data already: a benchmark's kept server)
        and start the server; raises RuntimeError with its output when it fails."""
        self.socket_dir.mkdir(exist_ok=True)
        give_to_server_user(self.socket_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            self._step(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                SERVER_USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
        self._step(
            "pg_ctl",
            "start",
            "-w",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.folder / "log"),
            "-o",
            f"-k {self.socket_dir} -c listen_addresses='' -p {PORT} -c fsync=off",
        )

    def _step(self, *args: str) -> None:
        """A step of starting; RuntimeError with its output and the server log's end when it
        fails."""
        done = self.run(*args)
        if done.returncode != 0:
            log = self.folder / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}{tail}")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server: at once (the tests' throwaway data), or ``"fast"`` for data kept to
        start again without a crash recovery."""
        self.run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", mode, "-w")

    def client(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        """A client program (createdb, dropdb, psql...) connected to this server; raises
        RuntimeError with its output when it fails."""
        done = self.run(
            program, "-h", str(self.socket_dir), "-p", str(PORT), "-U", SERVER_USER, *args
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr}")
        return done

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create the database ``name``, empty or a copy of ``template``; its URL."""
        self.client("createdb", *(("-T", template) if template else ()), name)
        return self.url(name)

    def close(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def new_database(self, template: str | None = None) -> str:
        """Create an empty database (or a copy of ``template``) and return its URL."""
        return self.create_database(f"xld_test_{next(self._numbers)}", template)


def give_to_server_user(folder: Path) -> None:
    """Make ``folder`` the server's user's when this process is root."""
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(folder, user.pw_uid, user.pw_gid)


def _own_folder() -> Path:
    """A temporary folder the server's user owns (root's test folders are closed to it)."""
    folder = Path(tempfile.mkdtemp(prefix="xerologdesk-pg-"))
    give_to_server_user(folder)
    return folder


class Unavailable(Exception):
    """PostgreSQL cannot run here; the message says why."""


def start_server() -> PostgresServer:
    """A server of its own, started in a temporary folder (:meth:`PostgresServer.close` stops
    and removes it); :class:`Unavailable` when PostgreSQL cannot run here."""
    bin_dir = newest_bin_dir()
    if bin_dir is None:
        raise Unavailable(f"no PostgreSQL under {BINARIES} (Debian's postgresql package)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise Unavailable(
                f"no {SERVER_USER} user to run the server as (initdb refuses root)"
            ) from None
        if shutil.which("runuser") is None:
            raise Unavailable("no runuser to run the server as the postgres user")
    server = PostgresServer(bin_dir, _own_folder())
    try:
        server.start()
    except RuntimeError as error:
        server.close()
        raise Unavailable(f"the PostgreSQL server did not start: {error}") from None
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the test session, stopped and removed at its end."""
    try:
        server = start_server()
    except Unavailable as why:
        _unavailable(str(why))
    try:
        yield server
    finally:
        server.close()


LOCKED_ROLE = "xld_locked"  # a role the server lets in only with its password
LOCKED_PASSWORD = "the-right-one"


@pytest.fixture(scope="session")
def postgres_locked_role(postgres_server: PostgresServer) -> str:
    """The name of a role that must give its password (the rest of the suite's server trusts
    its local users): a line for it alone goes first in the server's pg_hba.conf."""
    hba = postgres_server.data_dir / "pg_hba.conf"
    rule = f"local all {LOCKED_ROLE} scram-sha-256\n"
    if rule not in hba.read_text():
        hba.write_text(rule + hba.read_text())
    postgres_server.client(
        "psql",
        "-d",
        "postgres",
        "-c",
        f"CREATE ROLE {LOCKED_ROLE} LOGIN SUPERUSER PASSWORD '{LOCKED_PASSWORD}'",
    )
    postgres_server.run("pg_ctl", "reload", "-D", str(postgres_server.data_dir))
    locked = postgres_server.url("postgres").replace(f"{SERVER_USER}@", f"{LOCKED_ROLE}@", 1)
    _wait_for_password_check(locked)
    return LOCKED_ROLE


def _wait_for_password_check(url: str, seconds: float = 30) -> None:
    """Wait until the server, its configuration reloaded, asks the locked role for a password."""
    import time

    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(url, password="not-it").close()
        except psycopg.OperationalError as error:
            if "password" in str(error):
                return
        if time.monotonic() > deadline:
            raise RuntimeError("the server never asked the locked role for its password")


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of an empty database of its own for this test."""
    return postgres_server.new_database()


BOOK_TEMPLATE = "xld_book_template"


@pytest.fixture(scope="session")
def postgres_book_template(postgres_server: PostgresServer) -> str:
    """The name of a database holding a new, empty order book (migrated by the app itself),
    for copying: migrating afresh for each test would cost a second each."""
    from xerologdesk.store.db import open_server

    open_server(postgres_server.create_database(BOOK_TEMPLATE)).close()
    return BOOK_TEMPLATE


@pytest.fixture
def postgres_book_url(postgres_server: PostgresServer, postgres_book_template: str) -> str:
    """The URL of a database of this test's own holding a new, empty order book."""
    return postgres_server.new_database(template=postgres_book_template)


def wait_for_session_lock(url: str, first: int, second: int, seconds: int = 30) -> None:
    """Wait until no session holds the two-key advisory lock (``first``, ``second``) in the
    database at ``url``: the server lets it go when the session holding it ends, which for a
    killed process it learns of a moment after the kill (the lock is taken, then let go)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"SET lock_timeout = '{seconds:d}s'")
        connection.execute("SELECT pg_advisory_lock(%s, %s)", (first, second))
        connection.execute("SELECT pg_advisory_unlock(%s, %s)", (first, second))
