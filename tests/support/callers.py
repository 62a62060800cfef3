"""Which local process made the accounting call a sandbox is handling (Linux): the sandbox serves
each connection on a thread of its own and tells it the client's port
(:meth:`Sandbox.client_port`); the client's end of that connection is a socket one process
holds, found through ``/proc``.
For the team soak, which kills the process whose call the sandbox is handling among several
running at once."""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path
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
        self._sandbox = sandbox

    def pid(self, among: Collection[int]) -> int | None:
        """The process among ``among`` whose connection this sandbox thread serves; None when
        not one of them (or it has gone)."""
        port = self._sandbox.client_port()
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
