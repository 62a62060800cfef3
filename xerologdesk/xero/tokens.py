"""Where a Xero connection's tokens are kept, and how they are refreshed safely.

Stores: the operating system's keyring (service ``xerologdesk``) by default. Where no keyring
backend works, connecting stops with :class:`NoKeyring`, which says so; a file readable only by
the user (mode 0600, in the data directory) is used only when chosen, by the ``token_store``
setting or ``XEROLOGDESK_TOKEN_STORE=file``.

In the keyring the refresh token and the access token are two entries: Windows' credential store
holds at most 2,560 bytes per entry and a Xero access token alone comes near that, so the access
token is kept there only when it fits (it lives 30 minutes; the refresh token is what matters).

:class:`PkceTokens` is the :class:`~xerologdesk.xero.client.TokenSource` of a PKCE connection: it
refreshes ahead of expiry, under a lock that holds across processes (two instances must never
rotate one refresh token at once), re-reads the stored tokens once it has the lock (another
process may have rotated them), and saves the rotated refresh token before the new access token
is used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import keyring
import keyring.backend
import keyring.errors
from filelock import FileLock
from keyring.backends import chainer, fail, null

from xerologdesk.xero import oauth
from xerologdesk.xero.auth import EXPIRY_MARGIN_SECONDS
from xerologdesk.xero.errors import AuthFailed
from xerologdesk.xero.oauth import TokenSet

log = logging.getLogger(__name__)

SERVICE = "xerologdesk"
TOKEN_STORE_ENV = "XEROLOGDESK_TOKEN_STORE"
TOKEN_FILE = "xero-tokens.json"
LOCK_FILE = "xero-tokens.lock"
STORE_CHOICES = ("keyring", "file")


class TokenStoreError(AuthFailed):
    """The tokens could not be read or written where they are kept."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reconnect=False)


class NoKeyring(TokenStoreError):
    """No working keyring backend: the message says how to choose the file store instead."""


def account_for(client_id: str) -> str:
    """The name the tokens of a connection made with ``client_id`` are kept under."""
    return f"xero:{client_id}"


class TokenStore(Protocol):
    """Keeps one :class:`TokenSet` per account name."""

    description: str

    def load(self, account: str) -> TokenSet | None: ...

    def save(self, account: str, tokens: TokenSet) -> None: ...

    def delete(self, account: str) -> None: ...


def _fingerprint(refresh_token: str) -> str:
    # Pairs a stored access token with its refresh token without storing the latter twice.
    return hashlib.sha256(refresh_token.encode("utf-8")).hexdigest()[:16]


class KeyringStore:
    """Tokens in the OS keyring: ``account`` holds the refresh token, ``account:access`` the
    access token when the keyring takes it."""

    def __init__(self, backend: keyring.backend.KeyringBackend) -> None:
        self.backend = backend
        self.description = f"the system keyring ({type(backend).__name__})"

    def load(self, account: str) -> TokenSet | None:
        try:
            grant_text = self.backend.get_password(SERVICE, account)
            access_text = self.backend.get_password(SERVICE, account + ":access")
        except keyring.errors.KeyringError as error:
            raise TokenStoreError(
                f"The system keyring could not be read ({type(error).__name__}); unlock it and "
                "try again."
            ) from error
        if not grant_text:
            return None
        grant = json.loads(grant_text)
        access = json.loads(access_text) if access_text else {}
        if access.get("for") != _fingerprint(grant["refresh_token"]):
            access = {}
        return TokenSet(
            access_token=str(access.get("access_token") or ""),
            refresh_token=str(grant["refresh_token"]),
            expires_at=float(access.get("expires_at") or 0),
            scope=str(grant.get("scope") or ""),
            token_type=str(access.get("token_type") or "Bearer"),
        )

    def save(self, account: str, tokens: TokenSet) -> None:
        grant = {"refresh_token": tokens.refresh_token, "scope": tokens.scope}
        access = {
            "access_token": tokens.access_token,
            "expires_at": tokens.expires_at,
            "token_type": tokens.token_type,
            "for": _fingerprint(tokens.refresh_token),
        }
        try:
            self.backend.set_password(SERVICE, account, json.dumps(grant))
        except keyring.errors.KeyringError as error:
            raise TokenStoreError(
                f"The system keyring refused to save the Xero connection ({type(error).__name__})."
            ) from error
        try:
            self.backend.set_password(SERVICE, account + ":access", json.dumps(access))
        except keyring.errors.KeyringError as error:
            # Too long for this keyring: the access token then lives in memory only.
            log.info("access token kept in memory only: %s", type(error).__name__)
            self._forget(account + ":access")

    def delete(self, account: str) -> None:
        for name in (account, account + ":access"):
            self._forget(name)

    def _forget(self, name: str) -> None:
        try:
            self.backend.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored under that name
        except keyring.errors.KeyringError as error:
            raise TokenStoreError(
                f"The system keyring refused to remove the Xero tokens ({type(error).__name__})."
            ) from error


class FileTokenStore:
    """Tokens in a JSON file only its owner may read (0600), written atomically.

    Only used when chosen: a file is weaker than a keyring (anyone who can read the user's files,
    a backup for instance, can use the connection).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"the file {path} (readable only by you)"

    def _read_all(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise TokenStoreError(
                f"The token file {self.path} could not be read ({error.strerror})."
            ) from error
        if os.name == "posix" and self.path.stat().st_mode & 0o077:
            log.warning("token file %s was readable by others; made it private", self.path)
            os.chmod(self.path, 0o600)
        try:
            data = json.loads(text)
        except ValueError as error:
            raise TokenStoreError(f"The token file {self.path} is damaged; reconnect.") from error
        return data if isinstance(data, dict) else {}

    def _write_all(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            # mkstemp creates the file 0600 already; chmod for umasks that say otherwise.
            os.chmod(temporary, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def load(self, account: str) -> TokenSet | None:
        entry = self._read_all().get(account)
        if not isinstance(entry, dict) or not entry.get("refresh_token"):
            return None
        return TokenSet(
            access_token=str(entry.get("access_token") or ""),
            refresh_token=str(entry["refresh_token"]),
            expires_at=float(entry.get("expires_at") or 0),
            scope=str(entry.get("scope") or ""),
            token_type=str(entry.get("token_type") or "Bearer"),
        )

    def save(self, account: str, tokens: TokenSet) -> None:
        data = self._read_all()
        data[account] = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
            "scope": tokens.scope,
            "token_type": tokens.token_type,
        }
        self._write_all(data)

    def delete(self, account: str) -> None:
        data = self._read_all()
        if data.pop(account, None) is not None:
            self._write_all(data)


class MemoryTokenStore:
    """Tokens held by this process only (a connection being set up, or tests)."""

    description = "memory"

    def __init__(self) -> None:
        self._tokens: dict[str, TokenSet] = {}

    def load(self, account: str) -> TokenSet | None:
        return self._tokens.get(account)

    def save(self, account: str, tokens: TokenSet) -> None:
        self._tokens[account] = tokens

    def delete(self, account: str) -> None:
        self._tokens.pop(account, None)


def keyring_usable(backend: keyring.backend.KeyringBackend) -> bool:
    """Whether ``backend`` can really keep secrets (keyring's fallbacks only fail or forget)."""
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


def open_token_store(data_dir: Path, choice: str = "keyring") -> TokenStore:
    """The store to keep tokens in: ``$XEROLOGDESK_TOKEN_STORE`` or else ``choice``.

    Raises :class:`NoKeyring` when the keyring is wanted but none works on this system.
    """
    wanted = (os.environ.get(TOKEN_STORE_ENV) or choice or "keyring").strip().lower()
    if wanted not in STORE_CHOICES:
        raise TokenStoreError(f"{TOKEN_STORE_ENV} must be 'keyring' or 'file', not {wanted!r}.")
    if wanted == "file":
        return FileTokenStore(data_dir / TOKEN_FILE)
    backend = keyring.get_keyring()
    if not keyring_usable(backend):
        raise NoKeyring(
            "No keyring is available on this system to keep the Xero connection's tokens safe "
            f"(keyring found only {type(backend).__module__}). Install or unlock one (e.g. GNOME "
            "Keyring or KWallet), or keep the tokens in a file in the data directory that only "
            f"you can read: set the setting token_store to file, or {TOKEN_STORE_ENV}=file, "
            "then connect again."
        )
    return KeyringStore(backend)


# -- the cross-process lock ----------------------------------------------------------------------


def interprocess_lock(path: Path) -> FileLock:
    """An exclusive lock on ``path`` (created if need be) against every other process, to use
    as ``with interprocess_lock(path):``; taking it waits for as long as another holds it.

    The operating system drops the lock if the holder dies, so a crash never leaves it stuck.
    """
    path.parent.mkdir(parents=True, exist_ok=True)  # filelock 3.12 makes no folders
    return FileLock(path)


# -- the token source ----------------------------------------------------------------------------


class PkceTokens:
    """The tokens of a PKCE connection, refreshed by the app itself (the SDK can't without a
    secret). Thread-safe, and safe across processes sharing ``lock_path`` and the store."""

    def __init__(
        self,
        store: TokenStore,
        lock_path: Path,
        token_url: str,
        client_id: str,
        *,
        clock: Callable[[], float] = time.time,
        on_refreshed: Callable[[datetime], None] | None = None,
        margin: float = EXPIRY_MARGIN_SECONDS,
    ) -> None:
        self.store = store
        self.lock_path = lock_path
        self.token_url = token_url
        self.client_id = client_id
        self.account = account_for(client_id)
        self.clock = clock
        self.on_refreshed = on_refreshed
        self.margin = margin
        self._current: TokenSet | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PkceTokens(client_id={self.client_id!r}, store={self.store.description!r})"

    def token(self) -> dict[str, Any]:
        """The current token, refreshed first when it expires within ``margin`` seconds."""
        with self._lock:
            if self._current is None:
                self._current = self._load()
            if not self._current.valid_at(self.clock(), self.margin):
                self._refresh(rejected=None)
            return self._current_or_fail().for_sdk()

    def renew(self, rejected_access_token: str) -> dict[str, Any]:
        """A token other than the one Xero refused (401): refreshed unless someone already did."""
        with self._lock:
            current = self._current
            if (
                current is not None
                and current.access_token != rejected_access_token
                and current.valid_at(self.clock(), self.margin)
            ):
                return current.for_sdk()  # another thread renewed it meanwhile
            self._refresh(rejected=rejected_access_token)
            return self._current_or_fail().for_sdk()

    def _current_or_fail(self) -> TokenSet:
        if self._current is None:
            raise AuthFailed("No Xero tokens are available; reconnect to Xero.")
        return self._current

    def _load(self) -> TokenSet:
        stored = self.store.load(self.account)
        if stored is None:
            raise AuthFailed(
                f"The Xero connection's tokens are missing from {self.store.description}; "
                "reconnect to Xero.",
                reconnect=True,
            )
        return stored

    def _refresh(self, rejected: str | None) -> None:
        """Refresh unless another process already did; called with the thread lock held."""
        with interprocess_lock(self.lock_path):
            stored = self._load()
            now = self.clock()
            if stored.valid_at(now, self.margin) and stored.access_token != rejected:
                self._current = stored  # rotated by another process while we waited
                return
            fresh = oauth.refresh(self.token_url, self.client_id, stored.refresh_token, now)
            # Saved before anyone uses it: the old refresh token is spent once Xero has answered.
            self.store.save(self.account, fresh)
            self._current = fresh
        log.info("Xero connection refreshed")
        if self.on_refreshed is not None:
            try:
                self.on_refreshed(datetime.fromtimestamp(now, UTC))
            except Exception:
                log.exception("could not record when the connection was refreshed")
