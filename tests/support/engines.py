"""The two engines a test's order book can run on, and how a folder's tests run on each.

A test that asks for the ``engine`` fixture of tests/conftest.py (directly or through another
fixture, such as ``order_book`` and the ``desk`` built on it) runs once on SQLite and once on
PostgreSQL (ids ``[sqlite]`` and ``[postgresql]``) wherever its conftest says so with
:func:`run_on_both_engines`; anywhere else it runs on SQLite.
"""

from __future__ import annotations

import pytest

ENGINES = ("sqlite", "postgresql")
# A test that asks for the suite's PostgreSQL itself (team mode) chooses its databases itself.
OWN_SERVER_FIXTURES = frozenset({"postgres_server", "postgres_url", "postgres_book_url"})


def run_on_both_engines(metafunc: pytest.Metafunc) -> None:
    """Run the test on each engine when it uses one, but those marked ``sqlite_only`` (about
    SQLite's own behaviour or files) and those that ask for the suite's PostgreSQL themselves;
    those marked ``postgresql_only`` (what only a shared server has) run on PostgreSQL alone."""
    marked = metafunc.definition.get_closest_marker
    if (
        "engine" in metafunc.fixturenames
        and not marked("sqlite_only")
        and not OWN_SERVER_FIXTURES.intersection(metafunc.fixturenames)
    ):
        engines = ("postgresql",) if marked("postgresql_only") else ENGINES
        metafunc.parametrize("engine", engines, indirect=True)
