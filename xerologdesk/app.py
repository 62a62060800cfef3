"""The composition root for the headless commands (and, later, the desktop app).

Builds the data directory, logging, the database, the settings, the threads invoice requests go
out on and, when a connection is stored, the Xero gateway, the sync engine and the runner;
everything else receives these through its constructor.
"""

from __future__ import annotations

import logging
import logging.handlers
import math
import os
import sys
import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import peewee

from xerologdesk import paths
from xerologdesk.connection import Disconnected, disconnect, endpoints_for, tokens_for
from xerologdesk.settings import Settings
from xerologdesk.store import book
from xerologdesk.store.book import ConnectionData
from xerologdesk.store.claims import claims_for
from xerologdesk.store.db import open_database, open_server
from xerologdesk.store.engines import has_password, is_server_url, redacted
from xerologdesk.store.trouble import ServerDatabaseError
from xerologdesk.sync.backoff import BackoffPolicy
from xerologdesk.sync.engine import SyncEngine
from xerologdesk.sync.lock import SyncLock
from xerologdesk.sync.outbox import Senders
from xerologdesk.sync.runner import SyncRunner
from xerologdesk.xero.auth import ClientCredentialsTokens
from xerologdesk.xero.client import DEFAULT_TIMEOUT, Endpoints, TokenSource, XeroClient
from xerologdesk.xero.gateway import XeroGateway
from xerologdesk.xero.limits import Limits, RateBudget

LOG_FILE = "xerologdesk.log"
DATABASE_FILE = "xerologdesk.db"
SANDBOX_CLIENT_ID = "xerologdesk"
# Team mode: the order book in a PostgreSQL database instead of the data directory's file.
DATABASE_URL_VARIABLE = "XEROLOGDESK_DATABASE_URL"
# This desktop's database URL as Settings → Database saved it (never with a password), used
# when neither --database-url nor the variable gives one.
DATABASE_URL_FILE = "database-url"
# Orders the runner hands the engine at once: big enough that per-batch lookups stay few
# (profiled: 500 cost 1.6 s more per 10,000 orders), small enough for lively progress.
RUN_BATCH_ORDERS = 2000
# Changes the client's read timeout (seconds, a fraction allowed): slow networks, and tests and
# demos against a sandbox that holds answers back. Unset in normal use.
READ_TIMEOUT_ENV = "XEROLOGDESK_READ_TIMEOUT"


class BadReadTimeout(ValueError):
    """``$XEROLOGDESK_READ_TIMEOUT`` is not a number of seconds: the message says so."""


def client_timeout() -> tuple[float, float]:
    """The client's (connect, read) timeouts, the read one from ``$XEROLOGDESK_READ_TIMEOUT``;
    :class:`BadReadTimeout` when it is set to something else."""
    connect, read = DEFAULT_TIMEOUT
    text = os.environ.get(READ_TIMEOUT_ENV, "").strip()
    if text:
        try:
            read = float(text)
        except ValueError:
            read = math.nan
        if not math.isfinite(read) or read <= 0:
            raise BadReadTimeout(f"{READ_TIMEOUT_ENV} is a number of seconds above 0, not {text!r}")
    return connect, read


class NotConnected(Exception):
    """No Xero organisation is connected: the message says how to connect."""

    def __init__(self) -> None:
        super().__init__(
            "Not connected to Xero. Connect first: `xerologdesk connect --client-id ID` with "
            "your Xero app's client id, or `xerologdesk connect --sandbox URL` for a running "
            "sandbox."
        )


class _PrivateLogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file, for its owner only (it names customers), that says once, in one
    line, when it cannot be written (a full disk) instead of a traceback per record."""

    failed = False

    def _open(self) -> Any:
        paths.create_private(Path(self.baseFilename))
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.failed:
            self.failed = True
            error = sys.exc_info()[1]
            print(
                f"xerologdesk: warning: cannot write the log file {self.baseFilename} ({error}); "
                "logging stops until the next start",
                file=sys.stderr,
            )


def _drop_our_handlers() -> logging.Logger:
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "xerologdesk", False)]:
        # Opening the app again in one process (tests, the GUI after a restart) moves the log.
        root.removeHandler(old)
        old.close()
    return root


def log_to_stderr_only(problem: OSError) -> None:
    """When the log folder cannot be written: one warning line, then warnings to stderr."""
    where = f" {problem.filename}" if problem.filename else ""
    print(
        f"xerologdesk: warning: cannot write the log file{where} ({problem.strerror or problem}); "
        "logging to the terminal only",
        file=sys.stderr,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("xerologdesk: %(levelname)s: %(message)s"))
    handler.xerologdesk = True  # type: ignore[attr-defined]
    root = _drop_our_handlers()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def configure_logging(log_dir: Path, *, verbose: bool = False) -> None:
    """A rotating log file in the platform log directory (tokens are never logged); raises
    OSError when it cannot be created."""
    handler = _PrivateLogFile(
        log_dir / LOG_FILE, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    root = _drop_our_handlers()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.xerologdesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # urllib3 logs request lines at DEBUG; keep it quiet.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


class DataDirUnusable(Exception):
    """The data directory cannot be made or entered: the message says which and why."""

    def __init__(self, directory: Path, error: OSError) -> None:
        super().__init__(
            f"The data directory {directory} cannot be created or used "
            f"({error.strerror or error}). Choose another with --data-dir, or give your user "
            "write access to it."
        )


@dataclass(frozen=True)
class Link:
    """The one connection to the stored organisation: its gateway (over one client), the
    organisation's rate budget and the token source, built together and dropped together."""

    key: tuple[str, ...]
    tokens: TokenSource
    budget: RateBudget
    gateway: XeroGateway

    def close(self) -> None:
        self.gateway.client.close()


def _key(connection: ConnectionData) -> tuple[str, ...]:
    """What makes a stored connection another one (a reconnect, another organisation)."""
    return (
        connection.kind,
        connection.base_url,
        connection.tenant_id,
        connection.connection_id,
        connection.client_id,
    )


@dataclass
class App:
    data_dir: Path
    db: peewee.Database
    settings: Settings
    # Each organisation's call budget while this app runs: a reconnect to the same one keeps
    # what it has spent (Xero counts per organisation, not per connection).
    budgets: dict[str, RateBudget] = field(default_factory=dict)
    # The threads every engine of this app sends invoice requests on (none start until used).
    senders: Senders = field(default_factory=Senders)
    _link: Link | None = field(default=None, repr=False)
    _link_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def link(self) -> Link:
        """The connection to the stored organisation, the same one until the stored connection
        changes (connect, disconnect, another organisation); :class:`NotConnected` when there
        is none."""
        connection = book.get_connection()
        with self._link_lock:
            if connection is None:
                self._link = None
            elif self._link is None or self._link.key != _key(connection):
                self._link = self._build_link(connection)
            # A replaced link is not closed: a sync still under way may be using its gateway.
            if self._link is None:
                raise NotConnected()
            return self._link

    def _build_link(self, connection: ConnectionData) -> Link:
        endpoints = endpoints_for(connection)
        tokens = tokens_for(self, connection)
        # Xero's limits against any server, the sandbox included: a server whose headers say it
        # allows more (a sandbox with its limits off) is paced by its own count.
        budget = self.budgets.setdefault(connection.tenant_id, RateBudget(Limits()))
        client = XeroClient(endpoints, connection.tenant_id, tokens, timeout=client_timeout())
        return Link(_key(connection), tokens, budget, XeroGateway(client, budget))

    def connected_budget(self) -> RateBudget | None:
        """The budget of the organisation the current link reaches; None before a link was
        built (none is made just to show it). Reads no database: the status bar polls it."""
        with self._link_lock:
            return None if self._link is None else self._link.budget

    def disconnect(self) -> Disconnected | None:
        """Forget the stored connection (:func:`xerologdesk.connection.disconnect`) and the link
        to it, so the organisation left shows nowhere; None when there was none."""
        result = disconnect(self)
        with self._link_lock:
            self._link = None  # not closed, as in link(): a sync may still be using its gateway
        return result

    def gateway(self) -> XeroGateway:
        """The gateway to the connected organisation; :class:`NotConnected` when there is none."""
        return self.link().gateway

    def database_url(self) -> str | None:
        """The team's PostgreSQL database, as it may be shown (password starred); None for the
        data directory's SQLite file."""
        return redacted(str(self.db.database)) if is_server_url(str(self.db.database)) else None

    def engine(self) -> SyncEngine:
        return SyncEngine(self.gateway(), self.settings, senders=self.senders)

    def runner(self) -> SyncRunner:
        """A runner that waits out transient trouble, one run at a time per data directory,
        claiming its orders in the order book (in team mode, runs on other desktops sync at the
        same time: each order is one run's)."""
        return SyncRunner(
            self.engine(),
            batch_size=RUN_BATCH_ORDERS,
            backoff=BackoffPolicy.from_env(),
            lock=SyncLock(self.data_dir),
            claims=partial(claims_for, self.db),
        )

    def connect_sandbox(self, base_url: str) -> str:
        """Connect to a running sandbox's organisation; its name.

        The sandbox grants tokens to any client id (as Xero's custom connections do), so nothing
        secret is stored: a token is asked for again whenever one is needed.
        """
        endpoints = Endpoints.at(base_url)
        tokens = ClientCredentialsTokens(endpoints.token_url, SANDBOX_CLIENT_ID)
        connections = XeroGateway(XeroClient(endpoints, "", tokens)).connections()
        if not connections:
            raise NotConnected()
        chosen = connections[0]
        organisation = XeroGateway(XeroClient(endpoints, chosen.tenant_id, tokens)).organisation()
        name = organisation.name or chosen.tenant_name
        book.save_connection(
            kind="sandbox",
            base_url=base_url.rstrip("/"),
            tenant_id=chosen.tenant_id,
            tenant_name=name,
            connection_id=chosen.connection_id,
            client_id=SANDBOX_CLIENT_ID,
        )
        return name

    def close(self) -> None:
        self.senders.shutdown()
        with self._link_lock:
            link, self._link = self._link, None
        if link is not None:
            link.close()
        self.db.close()


def chosen_database_url(given: str | None = None, data_dir: Path | None = None) -> str | None:
    """The PostgreSQL database URL chosen (``--database-url``, else $XEROLOGDESK_DATABASE_URL,
    else the one saved in Settings → Database in ``data_dir``), or None for the data
    directory's SQLite file (the default)."""
    saved = saved_database_url(data_dir) if data_dir is not None else ""
    url = given or os.environ.get(DATABASE_URL_VARIABLE) or saved or None
    if url is not None and not is_server_url(url):
        raise ServerDatabaseError(redacted(url), "it is not a postgresql:// URL")
    return url


class DatabaseUrlRefused(ValueError):
    """A database URL that cannot be saved as this desktop's; the message says why."""


def saved_database_url(data_dir: Path) -> str:
    """The database URL saved in Settings → Database ("" when none: the SQLite file)."""
    try:
        return (data_dir / DATABASE_URL_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def save_database_url(data_dir: Path, url: str) -> None:
    """Keep ``url`` as this desktop's database from its next start ("" for the data directory's
    SQLite file). It is kept in a plain file, so a URL with a password is refused
    (:class:`DatabaseUrlRefused`): the password goes in libpq's password file."""
    url = url.strip()
    path = data_dir / DATABASE_URL_FILE
    if not url:
        path.unlink(missing_ok=True)
        return
    if not is_server_url(url):
        raise DatabaseUrlRefused(f"{redacted(url)} is not a postgresql:// URL.")
    if has_password(url):
        raise DatabaseUrlRefused(
            "The URL holds a password, which is never kept: put it in libpq's password file "
            "(~/.pgpass, or the file the PGPASSFILE variable names) and leave it out of the URL."
        )
    path.write_text(url + "\n", encoding="utf-8")


def open_app(
    data_dir: str | Path | None = None, *, log: bool = True, database_url: str | None = None
) -> App:
    """Open the order book (creating or migrating it) and the settings: the data directory's
    SQLite file, or the PostgreSQL database at ``database_url`` or $XEROLOGDESK_DATABASE_URL
    or saved in Settings → Database (team mode; tokens and logs stay in the data directory)."""
    try:
        directory = paths.data_dir(data_dir)
    except OSError as error:
        raise DataDirUnusable(paths.chosen_data_dir(data_dir), error) from error
    url = chosen_database_url(database_url, directory)
    log_file = None
    if log:
        try:
            log_file = paths.log_dir(data_dir) / LOG_FILE
            configure_logging(log_file.parent)
        except OSError as error:
            log_to_stderr_only(error)
    if url is not None:
        db: peewee.Database = open_server(url)
    else:
        db = open_database(directory / DATABASE_FILE, traces=_traces_of_use(directory, log_file))
    return App(data_dir=directory, db=db, settings=Settings())


def _traces_of_use(directory: Path, log_file: Path | None) -> list[Path]:
    """Files that say this data directory was used before: what else is in it (tokens, the
    sync lock, the sandbox's state, backups) and the log file."""
    own = {DATABASE_FILE, DATABASE_FILE + "-wal", DATABASE_FILE + "-shm"}
    found = [path for path in directory.iterdir() if path.name not in own]
    return [*found, *([log_file] if log_file is not None else [])]
