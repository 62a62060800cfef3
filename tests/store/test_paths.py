"""Where the data and logs live: chosen directory, environment, or the platform default."""

from __future__ import annotations

from pathlib import Path

import pytest

from xerologdesk import paths


def test_an_explicit_directory_wins_and_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "from-env"))
    chosen = tmp_path / "chosen" / "deeper"
    assert paths.data_dir(chosen) == chosen
    assert chosen.is_dir()
    assert paths.log_dir(chosen) == chosen / "logs"
    assert (chosen / "logs").is_dir()
    assert not (tmp_path / "from-env").exists()


def test_the_environment_variable_comes_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert paths.data_dir() == tmp_path / "from-env"
    assert paths.log_dir() == tmp_path / "from-env" / "logs"


def test_otherwise_the_platform_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    # platformdirs follows XDG on Linux: point it into the test's directory.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = paths.data_dir()
    assert data.is_dir()
    assert data.name == "xerologdesk"
    assert paths.log_dir().is_dir()
