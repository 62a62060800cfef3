"""A stand-in for a PostgreSQL server that goes silent: a unix socket in front of the suite's
server that passes every connection's bytes through while it is open, and when silenced drops
the connections it passes and takes new ones without ever answering them, as a host that drops
packets does (a client waits out its connect timeout).

Used as the host of a database URL (a socket folder, as libpq takes it), so the app under test
opens its order book through it like any server.
"""

from __future__ import annotations

import selectors
import socket
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from tests.support.postgres import PORT

SOCKET_NAME = f".s.PGSQL.{PORT}"  # libpq's name for the socket of a server on PORT


class SilentServer:
    """The relay: :meth:`silence` it, :meth:`restore` it; :attr:`unanswered` counts the
    connections taken while silent and never answered."""

    def __init__(self, server_socket_dir: Path, folder: Path) -> None:
        self.folder = folder
        self._target = str(server_socket_dir / SOCKET_NAME)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(folder / SOCKET_NAME))
        self._listener.listen(16)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._peers: dict[socket.socket, socket.socket] = {}  # each end to the other
        self._held: list[socket.socket] = []
        self._silent = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="silent-server", daemon=True)
        self._thread.start()

    @property
    def unanswered(self) -> int:
        return len(self._held)

    def url(self, url: str) -> str:
        """``url`` (a database on the suite's server) through this relay."""
        parts = urlsplit(url)
        user = parts.netloc.rpartition("@")[0]
        host = quote(str(self.folder), safe="")
        return urlunsplit(parts._replace(netloc=f"{user}@{host}:{PORT}"))

    def silence(self) -> None:
        self._silent.set()

    def restore(self) -> None:
        self._silent.clear()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        try:
            while not self._stopped.is_set():
                if self._silent.is_set() and self._peers:
                    self._drop_all()
                for key, _ in self._selector.select(timeout=0.02):
                    if key.fileobj is self._listener:
                        self._accept()
                    else:
                        self._pass_on(key.fileobj)  # type: ignore[arg-type]
        finally:
            self._drop_all()
            for held in self._held:
                held.close()
            self._selector.close()
            self._listener.close()

    def _accept(self) -> None:
        client, _ = self._listener.accept()
        if self._silent.is_set():
            self._held.append(client)  # taken, never read nor answered
            return
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.connect(self._target)
        self._peers[client], self._peers[upstream] = upstream, client
        for end in (client, upstream):
            self._selector.register(end, selectors.EVENT_READ)

    def _pass_on(self, end: socket.socket) -> None:
        other = self._peers.get(end)
        if other is None:
            return
        try:
            data = end.recv(65536)
            if data:
                other.sendall(data)
        except OSError:  # a reset or a broken pipe: the connection is over, as at its end
            data = b""
        if not data:
            self._drop(end)

    def _drop(self, end: socket.socket) -> None:
        other = self._peers.pop(end)
        del self._peers[other]
        for each in (end, other):
            self._selector.unregister(each)
            each.close()

    def _drop_all(self) -> None:
        while self._peers:
            self._drop(next(iter(self._peers)))
