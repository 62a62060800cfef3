"""The client's read timeout from ``$XEROLOGDESK_READ_TIMEOUT``: any number of seconds above 0,
a fraction too (tests and demos hold answers back for a quarter of a second); else refused."""

from __future__ import annotations

import pytest

from tests.support.desks import Desk
from xerologdesk.app import READ_TIMEOUT_ENV, client_timeout
from xerologdesk.exits import EXIT_USAGE
from xerologdesk.xero.client import DEFAULT_TIMEOUT


def test_the_read_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(READ_TIMEOUT_ENV, raising=False)
    assert client_timeout() == DEFAULT_TIMEOUT
    for text, seconds in (("5", 5.0), (" 0.25 ", 0.25)):
        monkeypatch.setenv(READ_TIMEOUT_ENV, text)
        assert client_timeout() == (DEFAULT_TIMEOUT[0], seconds)
    for bad in ("0", "-1", "soon", "nan", "inf"):
        monkeypatch.setenv(READ_TIMEOUT_ENV, bad)
        with pytest.raises(ValueError, match=READ_TIMEOUT_ENV):
            client_timeout()


def test_a_bad_read_timeout_is_said_plainly_not_a_traceback(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(READ_TIMEOUT_ENV, "soon")
    result = desk("sync")
    assert result.code == EXIT_USAGE
    assert f"xerologdesk: {READ_TIMEOUT_ENV} is a number of seconds above 0" in result.err
    assert "Traceback" not in result.err
