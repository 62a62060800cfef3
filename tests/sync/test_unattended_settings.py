"""The settings of running unattended (the schedule, notifications, the tray, start at login)
are declared once and shown and changed by the CLI's ``settings`` like every other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.desks import Run
from xerologdesk.exits import EXIT_OK, EXIT_USAGE


@pytest.mark.usefixtures("order_book")
def test_the_cli_lists_the_unattended_settings_with_their_defaults(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    listed = run_cli("--data-dir", str(tmp_path), "settings")
    assert listed.code == EXIT_OK, listed.err
    lines = listed.out.splitlines()
    for expected in (
        "sync_every_minutes = 15\t# Sync automatically",
        "notify_failures = on\t# Notify me when orders fail",
        "notify_connection = on\t# Notify me when syncing stops",
        "close_to_tray = ask\t# Closing the window",
        "start_at_login = off\t# Start at login, in the tray",
    ):
        assert expected in lines


@pytest.mark.usefixtures("order_book")
def test_sync_every_minutes_takes_only_the_offered_intervals(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    def settings(*args: str) -> Run:
        return run_cli("--data-dir", str(tmp_path), "settings", *args)

    assert settings("sync_every_minutes", "0").out == "sync_every_minutes = 0\n"
    refused = settings("sync_every_minutes", "7")
    assert refused.code == EXIT_USAGE
    assert "sync_every_minutes must be one of 0, 5, 15, 30, 60" in refused.err
    assert settings("sync_every_minutes").out == "0\n"
    assert settings("close_to_tray", "ON").out == "close_to_tray = on\n"
    assert settings("notify_failures", "off").out == "notify_failures = off\n"
