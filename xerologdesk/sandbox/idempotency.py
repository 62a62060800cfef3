"""Xero's ``Idempotency-Key`` on PUT and POST: the first answer is replayed for 6 minutes.

Keys are kept per organisation for :data:`WINDOW_SECONDS` on the sandbox clock from the first call
(tests expire them by advancing the clock). Within the window:

- the same key with the same request (method, path, query and body byte for byte) gets the first
  answer again, errors included, and nothing takes effect a second time;
- the same key with a different request answers 400 ``Idempotency Key: K is used with a
  different request.`` (Xero's words: docs/xero-behaviour.md). Its body's shape is undocumented: the
  sandbox answers problem details ``{"Title": "Bad Request", "Status": 400, "Detail": ...}``, the
  shape of the errors Xero's API gateway (not its accounting app) gives for 401 and 403;
- a key of more than 128 characters answers 400 in the same shape;
- a call whose key belongs to a call still under way (a replay sent after its first try timed
  out, while the first is still being processed): Xero does not document this answer, so the
  sandbox picks the conservative one. The second call never takes effect and never answers
  anything the first has not decided: it waits for the first to be answered and gets its answer;
  if the first is still under way after :data:`WAIT_SECONDS` (longer than a client's read
  timeout), it answers ``409`` problem details (``Idempotency Key: K is used by a request still
  in progress.``, wording chosen), which says nothing of what became of the first call. A client
  must treat both a timed-out replay and that 409 as "outcome still unknown", never as a refusal.

Only answers of the accounting app itself are kept: a fault the sandbox injected before the call
took effect (a scripted 503, say) or a 429 is not, so a retry with the same key is served for
real, as on Xero where such a call never reached the app.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

from xerologdesk.sandbox import messages
from xerologdesk.sandbox.clock import SandboxClock
from xerologdesk.sandbox.http import Request, Response
from xerologdesk.sandbox.wire import bad_request, conflict

WINDOW_SECONDS = 6 * 60
MAX_KEY_LENGTH = 128
# How long a call waits for another one with its key to finish before answering 409 (real
# seconds): as long as the app's default read timeout, so its client has given up by then.
WAIT_SECONDS = 60.0


@dataclass
class _Entry:
    fingerprint: str
    started: float
    done: threading.Event = field(default_factory=threading.Event)
    response: Response | None = None


@dataclass(frozen=True)
class Claim:
    """The verdict for a call with a key: answer ``response`` now, or go ahead and finish."""

    response: Response | None = None
    key: tuple[str, str] | None = None
    # The entry the call claimed: a call held across a reset must not touch a newer claim.
    entry: _Entry | None = field(default=None, compare=False, repr=False)


def fingerprint(request: Request) -> str:
    """What makes two requests "the same" for a key."""
    digest = hashlib.sha256()
    query = sorted((name, tuple(values)) for name, values in request.query.items())
    digest.update(f"{request.method.upper()} {request.path.lower()} {query!r}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


class IdempotencyStore:
    """Remembered answers by (organisation, key) (thread-safe)."""

    def __init__(self, clock: SandboxClock) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    def claim(self, tenant_id: str, request: Request) -> Claim:
        """Decide what to do with a call; a call without a key is simply let through."""
        key = request.header("idempotency-key")
        if not key or request.method.upper() not in ("PUT", "POST"):
            return Claim()
        if len(key) > MAX_KEY_LENGTH:
            return Claim(response=bad_request(messages.IDEMPOTENCY_KEY_TOO_LONG))
        wanted = fingerprint(request)
        slot = (tenant_id, key)
        while True:
            now = self._clock.timestamp()
            with self._lock:
                self._prune(now)
                entry = self._entries.get(slot)
                if entry is None:
                    entry = self._entries[slot] = _Entry(wanted, now)
                    return Claim(key=slot, entry=entry)
                if entry.fingerprint != wanted:
                    return Claim(response=_reused(key))
                if entry.response is not None:
                    return Claim(response=_copy(entry.response))
            # Another call with this key is under way: its answer will be ours.
            if not entry.done.wait(WAIT_SECONDS):
                # Not "used with a different request": that would read as a definite refusal.
                return Claim(response=_in_progress(key))

    def finish(self, claim: Claim, response: Response) -> None:
        """Keep the answer to a claimed call, for replay."""
        if claim.key is None:
            return
        with self._lock:
            entry = self._entries.get(claim.key)
            if entry is not None and entry is claim.entry:
                entry.response = _copy(response)
                entry.done.set()

    def abandon(self, claim: Claim) -> None:
        """The claimed call was not answered by the app (a fault, an error): forget the key."""
        if claim.key is None:
            return
        with self._lock:
            entry = self._entries.get(claim.key)
            if entry is None or entry is not claim.entry:
                return  # forgotten already (a reset), perhaps claimed afresh since
            del self._entries[claim.key]
        entry.done.set()

    def reset(self) -> None:
        with self._lock:
            entries, self._entries = self._entries, {}
        for entry in entries.values():
            entry.done.set()

    def _prune(self, now: float) -> None:
        expired = [
            slot
            for slot, entry in self._entries.items()
            if entry.response is not None and now - entry.started >= WINDOW_SECONDS
        ]
        for slot in expired:
            del self._entries[slot]


def _reused(key: str) -> Response:
    return bad_request(messages.IDEMPOTENCY_KEY_REUSED.format(key=key))


def _in_progress(key: str) -> Response:
    return conflict(messages.IDEMPOTENCY_KEY_IN_PROGRESS.format(key=key))


def _copy(response: Response) -> Response:
    return Response(status=response.status, body=response.body, headers=dict(response.headers))
