"""The one-shot listener on http://localhost:PORT/callback: what the browser brings back."""

from __future__ import annotations

import ipaddress
import socket
import threading

import pytest
import urllib3

from xerologdesk.xero.oauth import CallbackListener, ConnectFailed

STATE = "expected-state"


@pytest.fixture
def listener() -> CallbackListener:
    with CallbackListener(STATE, port=0) as opened:
        yield opened


def get(
    listener: CallbackListener, query: str, path: str = "/callback"
) -> urllib3.BaseHTTPResponse:
    url = f"http://127.0.0.1:{listener.port}{path}{'?' + query if query else ''}"
    return urllib3.request("GET", url, retries=False, timeout=5)


def test_code_with_the_right_state_is_taken(listener: CallbackListener) -> None:
    assert listener.redirect_uri == f"http://localhost:{listener.port}/callback"
    page = get(listener, f"code=the-code&state={STATE}&scope=offline_access")
    assert page.status == 200
    assert "You can close this tab" in page.data.decode()
    assert page.headers["Cache-Control"] == "no-store"
    assert listener.wait(timeout=5) == "the-code"


def test_denied_consent_ends_with_a_clear_message(listener: CallbackListener) -> None:
    page = get(listener, f"error=access_denied&state={STATE}")
    assert page.status == 400
    assert "access_denied" in page.data.decode()
    with pytest.raises(ConnectFailed, match=r"Access was not allowed.*Nothing was connected"):
        listener.wait(timeout=5)


def test_wrong_state_is_refused_even_with_a_code(listener: CallbackListener) -> None:
    page = get(listener, "code=forged&state=someone-else")
    assert page.status == 400
    with pytest.raises(ConnectFailed, match="state did not match"):
        listener.wait(timeout=5)


def test_missing_state_is_refused(listener: CallbackListener) -> None:
    get(listener, "code=forged")
    with pytest.raises(ConnectFailed, match="state did not match"):
        listener.wait(timeout=5)


def test_other_xero_errors_are_named(listener: CallbackListener) -> None:
    get(listener, f"error=unauthorized_client&error_description=Invalid+scope&state={STATE}")
    with pytest.raises(ConnectFailed, match=r"unauthorized_client \(Invalid scope\)"):
        listener.wait(timeout=5)


def test_other_paths_do_not_end_the_wait(listener: CallbackListener) -> None:
    assert get(listener, "", path="/favicon.ico").status == 404
    assert get(listener, f"code=later&state={STATE}").status == 200
    assert listener.wait(timeout=5) == "later"


def test_first_answer_wins(listener: CallbackListener) -> None:
    get(listener, f"code=first&state={STATE}")
    get(listener, f"error=access_denied&state={STATE}")
    assert listener.wait(timeout=5) == "first"


def test_timeout_ends_with_a_clear_message(listener: CallbackListener) -> None:
    with pytest.raises(ConnectFailed, match=r"No answer came back from Xero's page within 0.2 s"):
        listener.wait(timeout=0.2)


def test_cancel_ends_the_wait(listener: CallbackListener) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ConnectFailed, match="cancelled"):
        listener.wait(timeout=60, cancel=cancel)


def test_listens_on_loopback_only(listener: CallbackListener) -> None:
    assert listener.addresses
    assert all(ipaddress.ip_address(address).is_loopback for address in listener.addresses)


def test_stops_listening_after_the_answer(listener: CallbackListener) -> None:
    get(listener, f"code=c&state={STATE}")
    listener.wait(timeout=5)
    with pytest.raises(urllib3.exceptions.HTTPError):
        get(listener, f"code=again&state={STATE}")


def test_a_taken_port_says_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConnectFailed, match=rf"Port {port} on localhost is in use.*--port N"):
            CallbackListener(STATE, port=port)


def test_nothing_is_printed_about_the_request(
    listener: CallbackListener, capfd: pytest.CaptureFixture[str]
) -> None:
    get(listener, f"code=very-secret-code&state={STATE}")
    listener.wait(timeout=5)
    out, err = capfd.readouterr()
    assert "very-secret-code" not in out + err
