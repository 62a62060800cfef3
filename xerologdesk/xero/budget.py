"""How the gateway paces its calls: the hook through which a rate budget sees every request.

:class:`Unlimited` lets every call through at once; a real budget (Xero's 60 a minute, 5 in flight,
5,000 a day) implements the same three methods.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class CallBudget(Protocol):
    def slot(self) -> AbstractContextManager[None]:
        """Wait until a call may start; the call runs inside the returned context."""
        ...

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read Xero's X-MinLimit-Remaining / X-DayLimit-Remaining from an answer."""
        ...


class Unlimited:
    """No pacing: every call starts at once (the sandbox with its limits off)."""

    @contextmanager
    def slot(self) -> Iterator[None]:
        yield

    def observe(self, headers: Mapping[str, str]) -> None:
        """Nothing to track."""
