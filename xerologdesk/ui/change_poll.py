"""The window's poll of the order book's change marker, read on a thread of its own.

Reading the marker is one cheap statement, except on a team's PostgreSQL server that cannot be
reached: then each read waits for the connection's timeout (a host that drops packets answers
nothing for seconds), which on the GUI thread froze the window every few seconds. Here one
long-lived thread, with its own database connection kept between reads, reads the marker and
connects again when the server was gone; the answer comes back to the GUI thread as a signal.
A poll asked while a read is under way is not queued behind it, so a blocked read never piles
up others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)


class _Answers(QObject):
    """What the poll's thread emits (made on the GUI thread, and without a parent: the thread
    may outlive the window it answers)."""

    answered = Signal(object)


class ChangePoll(QObject):
    """Reads ``read()`` (the change marker) on its thread when asked; :attr:`answered` gets
    what it returned, or the exception it raised. ``close()`` runs on that thread when it ends
    (closing its database connection)."""

    answered = Signal(object)

    def __init__(
        self,
        read: Callable[[], object],
        close: Callable[[], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._answers = _Answers()
        # Queued: the emitter is a plain Python thread, the receiver lives on the GUI thread.
        self._answers.answered.connect(self._answer, Qt.ConnectionType.QueuedConnection)
        self._asked = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=_poll_thread,
            args=(read, close, self._asked, self._stopping, self._answers),
            name="xerologdesk-change-poll",
            daemon=True,  # a read blocked on a server that never answers must not hold up exit
        )
        self.busy = False  # asked, and not answered yet

    def ask(self) -> bool:
        """Read the marker on the poll's thread; False (nothing asked) while a read is under
        way or after :meth:`stop`."""
        if self.busy or self._stopping.is_set():
            return False
        self.busy = True
        if not self._thread.is_alive():
            self._thread.start()
        self._asked.set()
        return True

    def stop(self) -> None:
        """End the thread once any read under way returns (without waiting for it here)."""
        self._stopping.set()
        self._asked.set()

    def _answer(self, answer: object) -> None:
        self.busy = False
        if not self._stopping.is_set():
            self.answered.emit(answer)


def _poll_thread(
    read: Callable[[], object],
    close: Callable[[], object],
    asked: threading.Event,
    stopping: threading.Event,
    answers: _Answers,
) -> None:
    """The poll's thread: one read each time it is asked, until it is stopped."""
    try:
        while True:
            asked.wait()
            asked.clear()
            if stopping.is_set():
                return
            answer: object
            try:
                answer = read()
            except Exception as error:  # said or raised by whoever gets the answer
                answer = error
            answers.answered.emit(answer)
    finally:
        try:
            close()
        except Exception:
            log.exception("closing the change poll's database connection failed")
