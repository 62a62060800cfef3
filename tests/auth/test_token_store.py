"""Where tokens are kept: the keyring, or a private file only when chosen."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tests.auth.keyrings import MemoryKeyring
from xerologdesk.xero.oauth import TokenSet
from xerologdesk.xero.tokens import (
    TOKEN_STORE_ENV,
    FileTokenStore,
    KeyringStore,
    NoKeyring,
    TokenStoreError,
    account_for,
    open_token_store,
)

TOKENS = TokenSet("access-1", "refresh-1", 5000.0, "offline_access accounting.contacts")
ACCOUNT = account_for("CLIENT")


@pytest.fixture
def test_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_file_store_is_private_and_round_trips(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    assert store.load(ACCOUNT) is None
    store.save(ACCOUNT, TOKENS)
    assert store.load(ACCOUNT) == TOKENS
    if os.name == "posix":
        assert stat.S_IMODE((tmp_path / "tokens.json").stat().st_mode) == 0o600
    store.delete(ACCOUNT)
    assert store.load(ACCOUNT) is None
    assert [path.name for path in tmp_path.iterdir()] == ["tokens.json"]  # no temp files left


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_file_store_makes_a_readable_file_private(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(ACCOUNT, TOKENS)
    os.chmod(tmp_path / "tokens.json", 0o644)
    assert store.load(ACCOUNT) == TOKENS
    assert stat.S_IMODE((tmp_path / "tokens.json").stat().st_mode) == 0o600


def test_damaged_file_says_reconnect(tmp_path: Path) -> None:
    (tmp_path / "tokens.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(TokenStoreError, match="is damaged; reconnect"):
        FileTokenStore(tmp_path / "tokens.json").load(ACCOUNT)


def test_file_store_only_when_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_STORE_ENV, "file")
    store = open_token_store(tmp_path)
    assert isinstance(store, FileTokenStore)
    assert store.path == tmp_path / "xero-tokens.json"
    monkeypatch.delenv(TOKEN_STORE_ENV)
    assert isinstance(open_token_store(tmp_path, "file"), FileTokenStore)


def test_an_unknown_choice_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_STORE_ENV, "plaintext")
    with pytest.raises(TokenStoreError, match="must be 'keyring' or 'file', not 'plaintext'"):
        open_token_store(tmp_path)


def test_no_keyring_says_so_and_how_to_choose_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_STORE_ENV, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(NoKeyring) as raised:
            open_token_store(tmp_path)
    finally:
        keyring.set_keyring(previous)
    message = str(raised.value)
    assert message.startswith("No keyring is available on this system")
    assert "XEROLOGDESK_TOKEN_STORE=file" in message and "token_store" in message
    assert not raised.value.reconnect
    assert list(tmp_path.iterdir()) == []  # no file made behind the user's back


def test_keyring_store_round_trips(
    tmp_path: Path, test_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_STORE_ENV, raising=False)
    store = open_token_store(tmp_path)
    assert isinstance(store, KeyringStore)
    store.save(ACCOUNT, TOKENS)
    assert store.load(ACCOUNT) == TOKENS
    assert {user for service, user in test_keyring.entries} == {ACCOUNT, ACCOUNT + ":access"}
    assert {service for service, user in test_keyring.entries} == {"xerologdesk"}
    store.delete(ACCOUNT)
    assert test_keyring.entries == {}
    store.delete(ACCOUNT)  # deleting twice is fine


def test_access_token_too_long_for_the_keyring_stays_in_memory() -> None:
    backend = MemoryKeyring(max_length=200)
    store = KeyringStore(backend)
    long_access = TokenSet("A" * 1500, "refresh-2", 5000.0, "offline_access")
    store.save(ACCOUNT, long_access)
    loaded = store.load(ACCOUNT)
    assert loaded is not None
    assert loaded.refresh_token == "refresh-2"
    assert loaded.access_token == "" and not loaded.valid_at(0.0, 0)  # so it gets refreshed


def test_a_stale_access_entry_is_not_paired_with_a_newer_refresh_token() -> None:
    backend = MemoryKeyring()
    store = KeyringStore(backend)
    store.save(ACCOUNT, TOKENS)
    grant = json.loads(backend.entries[("xerologdesk", ACCOUNT)])
    grant["refresh_token"] = "refresh-from-another-process"
    backend.entries[("xerologdesk", ACCOUNT)] = json.dumps(grant)
    loaded = store.load(ACCOUNT)
    assert loaded is not None and loaded.access_token == ""
