"""The composition root for the headless commands (and, later, the desktop app).

Builds the data directory, logging, the database, the settings and, when a connection is stored,
the Xero gateway, the sync engine and the runner; everything else receives these through its
constructor.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from dataclasses import dataclass
from pathlib import Path

import peewee

from xerologdesk import paths
from xerologdesk.connection import endpoints_for, tokens_for
from xerologdesk.settings import Settings
from xerologdesk.store import book
from xerologdesk.store.db import open_database
from xerologdesk.sync.backoff import BackoffPolicy
from xerologdesk.sync.engine import SyncEngine
from xerologdesk.sync.lock import SyncLock
from xerologdesk.sync.runner import SyncRunner
from xerologdesk.xero.auth import ClientCredentialsTokens
from xerologdesk.xero.client import DEFAULT_TIMEOUT, Endpoints, XeroClient
from xerologdesk.xero.gateway import XeroGateway
from xerologdesk.xero.limits import Limits, budget_for

LOG_FILE = "xerologdesk.log"
SANDBOX_CLIENT_ID = "xerologdesk"
# Orders the runner hands the engine at once: big enough that per-batch lookups stay few
# (profiled: 500 cost 1.6 s more per 10,000 orders), small enough for lively progress.
RUN_BATCH_ORDERS = 2000
# Shortens the client's read timeout (whole seconds): tests and demos against a sandbox that
# holds answers back. Unset in normal use.
READ_TIMEOUT_ENV = "XEROLOGDESK_READ_TIMEOUT"


def client_timeout() -> tuple[int, int]:
    """The client's (connect, read) timeouts, the read one from ``$XEROLOGDESK_READ_TIMEOUT``."""
    connect, read = DEFAULT_TIMEOUT
    text = os.environ.get(READ_TIMEOUT_ENV, "").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"{READ_TIMEOUT_ENV} is a whole number of seconds, not {text!r}")
        read = int(text)
    return connect, read


class NotConnected(Exception):
    """No Xero organisation is connected: the message says how to connect."""

    def __init__(self) -> None:
        super().__init__(
            "Not connected to Xero. Connect first: `xerologdesk connect --client-id ID` with "
            "your Xero app's client id, or `xerologdesk connect --sandbox URL` for a running "
            "sandbox."
        )


def configure_logging(log_dir: Path, *, verbose: bool = False) -> None:
    """A rotating log file in the platform log directory (tokens are never logged)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "xerologdesk", False)]:
        # Opening the app again in one process (tests, the GUI after a restart) moves the log.
        root.removeHandler(old)
        old.close()
    handler = logging.handlers.RotatingFileHandler(
        log_dir / LOG_FILE, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.xerologdesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # urllib3 logs request lines at DEBUG; keep it quiet.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


@dataclass
class App:
    data_dir: Path
    db: peewee.Database
    settings: Settings

    def gateway(self) -> XeroGateway:
        """The gateway to the connected organisation; :class:`NotConnected` when there is none."""
        connection = book.get_connection()
        if connection is None:
            raise NotConnected()
        endpoints = endpoints_for(connection)
        tokens = tokens_for(self, connection)
        # Xero's limits against any server, the sandbox included: a server whose headers say it
        # allows more (a sandbox with its limits off) is paced by its own count.
        budget = budget_for(connection.tenant_id, Limits())
        client = XeroClient(endpoints, connection.tenant_id, tokens, timeout=client_timeout())
        return XeroGateway(client, budget)

    def engine(self) -> SyncEngine:
        return SyncEngine(self.gateway(), self.settings)

    def runner(self) -> SyncRunner:
        """A runner that waits out transient trouble, one run at a time per data directory."""
        return SyncRunner(
            self.engine(),
            batch_size=RUN_BATCH_ORDERS,
            backoff=BackoffPolicy.from_env(),
            lock=SyncLock(self.data_dir),
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
        self.db.close()


def open_app(data_dir: str | Path | None = None, *, log: bool = True) -> App:
    """Open the data directory's database (creating or migrating it) and its settings."""
    directory = paths.data_dir(data_dir)
    if log:
        configure_logging(paths.log_dir(data_dir))
    db = open_database(directory / "xerologdesk.db")
    return App(data_dir=directory, db=db, settings=Settings())
