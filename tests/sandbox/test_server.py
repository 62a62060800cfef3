"""The HTTP server: loopback only, keep-alive, 50 clients at once, Xero's 404 for the rest."""

from __future__ import annotations

import http.client
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
from sandbox_helpers import raw
from sandbox_sdk import Exchange, validate_exchange
from xero_python.exceptions import NotFoundException

from xerologdesk.sandbox import Sandbox

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_it_refuses_to_listen_beyond_loopback(host) -> None:
    with pytest.raises(ValueError, match="listens on loopback only"):
        Sandbox(host=host).start()


def test_localhost_means_the_ipv4_loopback() -> None:
    with Sandbox(host="localhost", seed="empty") as sandbox:
        assert sandbox.base_url.startswith("http://127.0.0.1:")


def test_ipv6_loopback_works_where_available() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        sandbox = Sandbox(host="::1", seed="empty").start()
    except OSError:
        pytest.skip("IPv6 loopback is not configured here")
    try:
        assert sandbox.base_url.startswith("http://[::1]:")
        assert raw(sandbox, "GET", "/_sandbox/limits").status == 200
    finally:
        sandbox.stop()


def test_one_connection_serves_many_requests(sandbox) -> None:
    host, port = sandbox.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        for _ in range(3):
            connection.request("GET", "/_sandbox/limits")
            response = connection.getresponse()
            assert response.status == 200
            response.read()
        assert connection.sock is not None  # still the same, open socket
    finally:
        connection.close()


def test_fifty_clients_at_once_get_answers_without_errors(sandbox, xero_factory) -> None:
    clients = [xero_factory(sandbox) for _ in range(50)]

    def work(xero) -> int:
        found = xero.api.get_contacts(xero.tenant, where='AccountNumber=="C-1005"').contacts
        return len(found) + len(xero.api.get_items(xero.tenant).items)

    with ThreadPoolExecutor(max_workers=50) as pool:
        assert list(pool.map(work, clients)) == [41] * 50


def test_methods_the_api_does_not_serve_are_404(xero) -> None:
    response = raw(
        xero.sandbox,
        "DELETE",
        "/api.xro/2.0/Contacts",
        token=xero.token["access_token"],
        tenant=xero.tenant,
    )
    assert response.status == 404
    response = raw(
        xero.sandbox,
        "GET",
        "/api.xro/2.0/Contacts/a/b",
        token=xero.token["access_token"],
        tenant=xero.tenant,
    )
    assert response.status == 404


def test_the_spec_check_catches_a_body_xero_would_never_send(openapi) -> None:
    # The validation every sandbox test relies on must be able to fail.
    wrong = Exchange(
        "GET",
        "http://127.0.0.1:1/api.xro/2.0/Contacts",
        200,
        {},
        b'{"Contacts": [{"ContactStatus": "SLEEPING"}]}',
    )
    with pytest.raises(Exception, match=r"ContactStatus|SLEEPING|enum"):
        validate_exchange(openapi, wrong)


def test_a_url_over_2000_characters_is_xeros_404(xero) -> None:
    # One "€" is 9 characters once URL-encoded: 255 of them make a where-URL Xero refuses.
    name = "€" * 255
    with pytest.raises(NotFoundException):
        xero.api.get_contacts(xero.tenant, where=f'Name=="{name}"')
    assert xero.api.get_contacts(xero.tenant, where=f'Name=="{name[:150]}"').contacts == []
