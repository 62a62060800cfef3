"""One window per data folder: a second start on the same order book hands over to the window
already open (which comes to the front) instead of opening a second one beside it.

Two windows on one data folder would fight over the sync lock, and a second ``--sandbox`` start
would start its own sandbox and re-point the stored connection to it, leaving the first window
syncing to a port that dies with the second. The window listens on a local socket (a named pipe
on Windows) named for the user and the folder; a start that reaches it asks it to show itself
and stops there.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

SHOW = b"show\n"
SHOWN = b"shown\n"
ANSWER_MS = 3_000  # how long a second start waits for the window to answer


def socket_name(data_dir: Path) -> str:
    """The local socket's name for this user's window on ``data_dir`` (the same for every
    spelling of the folder's path)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): the uid's own text
        user = "?"
    key = f"{user}\0{data_dir.resolve()}".encode("utf-8", "surrogatepass")
    return "xerologdesk-" + hashlib.sha256(key).hexdigest()[:24]


def hand_over(name: str) -> bool:
    """Ask a window already listening on ``name`` to come to the front: True when one is open
    (whether or not it answered in time), False when none is, so this start goes on."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(ANSWER_MS):
        return False
    socket.write(SHOW)
    socket.waitForBytesWritten(ANSWER_MS)
    if not (socket.waitForReadyRead(ANSWER_MS) and socket.readLine().data() == SHOWN):
        log.warning("the open window did not answer; it may be busy")
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """The open window's end: each later start on the same folder emits :attr:`asked_to_show`."""

    asked_to_show = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        if not self._server.listen(name) and (
            self._server.serverError() == QAbstractSocket.SocketError.AddressInUseError
        ):
            # Left by a window that crashed (on Unix the socket file outlives it): nobody
            # answered there, or this start would have handed over.
            QLocalServer.removeServer(name)
            self._server.listen(name)
        if not self._server.isListening():
            log.warning(
                "a second start on this data folder will open a second window: %s",
                self._server.errorString(),
            )

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda socket=socket: self._read(socket))
            socket.disconnected.connect(socket.deleteLater)
            if socket.canReadLine():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        while socket.canReadLine():
            if socket.readLine().data() == SHOW:
                self.asked_to_show.emit()
                socket.write(SHOWN)
                socket.flush()
