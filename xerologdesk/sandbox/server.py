"""The sandbox's HTTP server on loopback, and the way each request is routed.

:class:`SandboxHTTPServer` is a ``ThreadingHTTPServer`` (a daemon thread per connection, HTTP/1.1
keep-alive, a listen backlog for 50+ clients at once) that refuses any host but loopback. Its
handler parses the socket into a :class:`~xerologdesk.sandbox.http.Request`, asks a
:class:`Router` for an :class:`Answer` and writes it in one ``sendall`` (headers and body
together, ``TCP_NODELAY``: no Nagle delay on keep-alive connections). Logs go to ``logging`` at
DEBUG, never to stderr per request.

:class:`Router` sends ``/_sandbox/...`` to :mod:`admin`, the identity paths to the identity service
and ``/api.xro/2.0/...`` through :class:`AccountingGate`: URL length (over 2,000 characters is a
404, as Xero's), call counting, the access check (token, scopes, tenant), rate limits, injected
faults, the ``Idempotency-Key`` store, then :mod:`accounting`. Everything else is a 404.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from xerologdesk.sandbox import accounting, admin, queries, wire
from xerologdesk.sandbox.faults import Fault, FaultInjector
from xerologdesk.sandbox.http import Request, Response
from xerologdesk.sandbox.idempotency import IdempotencyStore
from xerologdesk.sandbox.identity import IdentityService
from xerologdesk.sandbox.ledger import Ledger
from xerologdesk.sandbox.limits import RateLimiter
from xerologdesk.sandbox.organisations import Organisations

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 2000
LISTEN_BACKLOG = 128
MAX_BODY_BYTES = 10 * 1024 * 1024  # Xero's hard limit for one request


@dataclass
class Answer:
    """A response, and how long to hold it back before sending (an injected timeout)."""

    response: Response
    hold_seconds: float = 0.0


class CallLog:
    """How many requests each ``"METHOD /Resource"`` received (thread-safe)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self, method: str, resource: str) -> None:
        with self._lock:
            self._counts[f"{method.upper()} {resource}"] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class AccountingGate:
    """Everything an accounting call passes through before and after the ledger answers it."""

    def __init__(
        self,
        organisations: Organisations,
        identity: IdentityService,
        limiter: RateLimiter,
        faults: FaultInjector,
        idempotency: IdempotencyStore,
        calls: CallLog,
        stopping: threading.Event,
    ) -> None:
        self.organisations = organisations
        self.identity = identity
        self.limiter = limiter
        self.faults = faults
        self.idempotency = idempotency
        self.calls = calls
        self.stopping = stopping

    def serve(self, request: Request, target_length: int) -> Answer:
        resource = accounting.resource_of(request.path)
        self.calls.count(request.method, resource)
        if target_length > MAX_URL_LENGTH:
            return Answer(wire.not_found())
        tenant_id, refusal = self.identity.check_access(request, resource.lstrip("/"))
        if tenant_id is None:
            return Answer(refusal or wire.not_found())
        try:
            ledger = self.organisations.get(tenant_id)
        except KeyError:
            return Answer(wire.not_found())
        admission = self.limiter.admit(tenant_id)
        if not admission.allowed:
            response = wire.rate_limited(admission.problem or "minute", admission.retry_after)
            response.headers.update(admission.headers)
            return Answer(response)
        fault: Fault | None = None
        try:
            fault = self.faults.decide(request.method, resource, lambda: _detail(request))
            if fault is not None and fault.latency_seconds:
                self.stopping.wait(fault.latency_seconds)
            if fault is not None and fault.status is not None:
                response = _fault_response(fault)
            else:
                response = self._answer(request, tenant_id, ledger, fault)
        finally:
            self.limiter.release(tenant_id)
        response.headers.update(admission.headers)
        if fault is not None and fault.drop:
            response.close_connection = True
        hold = fault.hold_seconds if fault is not None and fault.timeout else 0.0
        return Answer(response, hold)

    def _answer(
        self, request: Request, tenant_id: str, ledger: Ledger, fault: Fault | None
    ) -> Response:
        claim = self.idempotency.claim(tenant_id, request)
        if claim.response is not None:
            return claim.response
        # A held call holds its key meanwhile: it is "under way", as at Xero (see faults.hold).
        held = self.faults.hold() if fault is not None and fault.hold else nullcontext(True)
        with held as go:
            if not go:
                self.idempotency.abandon(claim)
                return wire.server_error(503)
            try:
                with queries.or_terms_exact(self.faults.or_terms_case_sensitive()):
                    response = accounting.handle(request, ledger)
            except Exception:
                self.idempotency.abandon(claim)
                log.exception("the sandbox failed on %s %s", request.method, request.path)
                return wire.server_error(500)
            self.idempotency.finish(claim, response)
            return response


def _detail(request: Request) -> str:
    """A call's query values and body as text, for fault steps that match on what it holds."""
    values = [value for each in request.query.values() for value in each]
    return "\n".join([*values, request.body.decode("utf-8", "replace")])


def _fault_response(fault: Fault) -> Response:
    status = int(fault.status or 500)
    if status == 429:
        return wire.rate_limited("minute", fault.retry_after or 60)
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
    if status >= 500:
        return wire.server_error(status, headers)
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    response = Response(
        status=status,
        body=wire.dumps({"Title": reason, "Status": status}).encode("utf-8"),
        headers={"Content-Type": wire.JSON_TYPE, **(headers or {})},
    )
    return response


class Router:
    """Sends each request to admin, identity or accounting."""

    def __init__(
        self,
        gate: AccountingGate,
        identity: IdentityService,
        admin_target: admin.Admin,
        on_identity_change: Callable[[], None],
    ) -> None:
        self.gate = gate
        self.identity = identity
        self.admin_target = admin_target
        self.on_identity_change = on_identity_change

    def route(self, request: Request, target_length: int) -> Answer:
        path = request.path
        if path.lower() == accounting.PREFIX.lower() or path.lower().startswith(
            accounting.PREFIX.lower() + "/"
        ):
            return self.gate.serve(request, target_length)
        if admin.handles(path):
            return Answer(admin.handle(request, self.admin_target))
        if self.identity.handles(path):
            self.gate.calls.count(request.method, _identity_resource(path))
            response = self.identity.handle(request)
            if request.method.upper() in ("POST", "DELETE"):
                self.on_identity_change()
            return Answer(response)
        return Answer(wire.not_found())


def _identity_resource(path: str) -> str:
    lowered = path.rstrip("/").lower()
    return "/connections" if lowered.startswith("/connections") else lowered


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _serve(self) -> None:
        target = self.path
        parts = urlsplit(target)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._write(Response(status=413, headers={"Connection": "close"}))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command.upper(),
            path=parts.path or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
        )
        try:
            answer = self.server.router.route(request, len(target))
        except Exception:
            log.exception("the sandbox failed on %s %s", request.method, request.path)
            answer = Answer(wire.server_error(500))
        if answer.response.close_connection:
            # Drop after commit: the work is done, the client gets no answer at all.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if answer.hold_seconds and self.server.stopping.wait(answer.hold_seconds):
            self.close_connection = True
            return
        self._write(answer.response)

    def _write(self, response: Response) -> None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {response.status} {reason}"]
        headers = dict(response.headers)
        headers["Content-Length"] = str(len(response.body))
        if self.close_connection:
            headers["Connection"] = "close"
        lines.extend(f"{key}: {value}" for key, value in headers.items())
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        self.log_request(response.status, len(response.body))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that only ever listens on a loopback address."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, host: str, port: int, router: Router, stopping: threading.Event) -> None:
        address = loopback_address(host)
        if ipaddress.ip_address(address).version == 6:
            self.address_family = socket.AF_INET6
        self.router = router
        self.stopping = stopping
        self._serving = threading.local()  # each connection's thread: its client's port
        super().__init__((address, port), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        self._serving.port = client_address[1]
        super().finish_request(request, client_address)

    def client_port(self) -> int | None:
        """The client's port of the connection the calling thread serves (None off one)."""
        return getattr(self._serving, "port", None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


def loopback_address(host: str) -> str:
    """The loopback address to bind for ``host``; ValueError for anything not loopback."""
    if host.strip().lower() == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        raise ValueError(f"the sandbox listens on loopback only, not on {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"the sandbox listens on loopback only, not on {host!r}")
    return str(address)
