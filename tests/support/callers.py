"""Which local process made the accounting call a sandbox is handling (Linux): the sandbox serves
each connection on a thread of its own, which is told here the client's address as it starts;
the client's end of that connection is a socket one process holds, found through ``/proc``.
For the team soak, which kills the process whose call the sandbox is handling among several
running at once."""

from __future__ import annotations

import os
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from xerologdesk.sandbox import Sandbox

# The system's tables of TCP sockets: local address, remote address, ..., inode (10th column).
TCP_TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))


class Callers:
    """Names the process (among some, by id) whose call the sandbox handles on this thread."""

    def __init__(self, sandbox: Sandbox) -> None:
        port = urlsplit(sandbox.base_url).port
        assert port is not None, sandbox.base_url
        self._port = port
        # The running server (no public handle on it: a test tool reaching in); a connection's
        # thread calls its finish_request first (socketserver).
        server = sandbox._server
        assert server is not None, "the sandbox is serving"
        self._server = server
        self._finish = server.finish_request
        self._local = threading.local()
        server.finish_request = self._finish_watched  # type: ignore[method-assign]

    def _finish_watched(self, request: Any, client_address: tuple[str, int]) -> None:
        self._local.port = client_address[1]
        self._finish(request, client_address)

    def pid(self, among: Collection[int]) -> int | None:
        """The process among ``among`` whose connection this sandbox thread serves; None when
        not one of them (or it has gone)."""
        port = getattr(self._local, "port", None)
        inode = None if port is None else _socket_inode(port, self._port)
        if inode is None:
            return None
        held = f"socket:[{inode}]"
        for pid in among:
            folder = Path(f"/proc/{pid}/fd")
            try:
                descriptors = os.listdir(folder)
            except OSError:
                continue  # ended meanwhile
            for descriptor in descriptors:
                try:
                    if os.readlink(folder / descriptor) == held:
                        return pid
                except OSError:
                    continue
        return None

    def close(self) -> None:
        self._server.finish_request = self._finish  # type: ignore[method-assign]


def _socket_inode(local_port: int, remote_port: int) -> str | None:
    """The inode of the TCP socket from ``local_port`` to ``remote_port`` on this machine."""
    for table in TCP_TABLES:
        try:
            rows = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, remote = fields[1], fields[2]
            if int(local.rsplit(":", 1)[1], 16) == local_port and (
                int(remote.rsplit(":", 1)[1], 16) == remote_port
            ):
                return fields[9]
    return None
