"""A sandbox process and its state file: what it answered survives SIGKILL, and one state file
has one sandbox (a second is refused, naming the process that has the file)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import urllib3
from sandbox_helpers import admin, invoice, invoices

from xerologdesk.sandbox import Sandbox, persistence
from xerologdesk.sandbox.accounting import PREFIX
from xerologdesk.sandbox.state_lock import StateFileInUse

pytestmark = pytest.mark.timeout(90)

ROOT = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def sandbox_command(state: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "xerologdesk",
        "sandbox",
        "--state",
        str(state),
        "--minute-limit",
        "0",
        "--day-limit",
        "0",
        "--concurrent-limit",
        "0",
    ]


@dataclass
class SandboxProcess:
    """A sandbox serving in another process, as much of :class:`Sandbox` as the SDK helpers use
    (its token comes from ``/connect/token``, as an app's would)."""

    process: subprocess.Popen[str]
    base_url: str

    @property
    def api_url(self) -> str:
        return self.base_url + PREFIX

    @property
    def primary_tenant_id(self) -> str:
        status, state = admin(self, "GET", "/_sandbox/state")
        assert status == 200
        return str(state["primaryTenantId"])

    def issue_token(self) -> dict[str, Any]:
        response = urllib3.PoolManager(retries=False).request(
            "POST",
            self.base_url + "/connect/token",
            fields={"grant_type": "client_credentials", "client_id": "crash-test"},
            encode_multipart=False,
        )
        assert response.status == 200, response.data
        token: dict[str, Any] = response.json()
        return token


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """Start sandbox processes on a state file; they are killed at the end if still running."""
    started: list[subprocess.Popen[str]] = []

    def start(state: Path) -> SandboxProcess:
        process = subprocess.Popen(
            sandbox_command(state),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=ENV,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
        return SandboxProcess(process, url)

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_invoices_answered_before_a_sigkill_are_kept_and_their_numbers_not_reused(
    tmp_path: Path, serve: Any, xero_factory: Any
) -> None:
    state = tmp_path / "sandbox-state.json"
    remote = serve(state)
    xero = xero_factory(remote)
    tenant = remote.primary_tenant_id
    _, snapshot = admin(remote, "GET", "/_sandbox/state")
    customer = snapshot["contacts"][0]["ContactID"]
    answered: dict[str, str] = {}
    # One invoice a call, then batches: each answer must be on disk before it is sent.
    for number in range(5):
        (created,) = xero.api.create_invoices(
            tenant, invoices(invoice(customer, reference=f"SO-{number}", status="AUTHORISED"))
        ).invoices
        answered[str(created.invoice_id)] = created.invoice_number
    for batch in range(3):
        batch_invoices = [
            invoice(customer, reference=f"SO-{batch}-{each}", status="AUTHORISED")
            for each in range(10)
        ]
        for created in xero.api.create_invoices(tenant, invoices(*batch_invoices)).invoices:
            answered[str(created.invoice_id)] = created.invoice_number
    remote.process.send_signal(signal.SIGKILL)  # right after the last answer: no snapshot yet
    remote.process.wait(timeout=30)

    with Sandbox(state_path=state, minute_limit=0) as restarted:
        kept = {each["InvoiceID"]: each["InvoiceNumber"] for each in restarted.state()["invoices"]}
        assert {key: kept.get(key) for key in answered} == answered
        again = xero_factory(restarted)
        (created,) = again.api.create_invoices(
            tenant, invoices(invoice(customer, reference="SO-after", status="AUTHORISED"))
        ).invoices
    assert created.invoice_number not in set(kept.values())
    highest = max(int(number.removeprefix("INV-")) for number in answered.values())
    assert created.invoice_number == f"INV-{highest + 1:04d}"


def test_a_second_sandbox_in_the_same_process_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Sandbox(state_path=state, seed="empty"):
        with pytest.raises(StateFileInUse) as refused:
            Sandbox(state_path=state, seed="empty")
        assert str(refused.value) == (
            f"the sandbox state file {state} is in use by process {os.getpid()}"
        )
    with Sandbox(state_path=state, seed="empty"):  # free again once the first has stopped
        pass


def test_a_second_sandbox_process_is_refused_naming_the_first(tmp_path: Path, serve: Any) -> None:
    state = tmp_path / "state.json"
    first = serve(state)
    in_use = f"the sandbox state file {state} is in use by process {first.process.pid}"

    second = subprocess.run(
        sandbox_command(state), capture_output=True, text=True, env=ENV, timeout=60
    )

    assert second.returncode == 1
    assert in_use in second.stderr
    assert second.stdout == ""
    with pytest.raises(StateFileInUse, match=str(first.process.pid)):
        Sandbox(state_path=state)
    first.process.send_signal(signal.SIGKILL)  # the system lets go of the lock with the process
    first.process.wait(timeout=30)
    with Sandbox(state_path=state):
        pass


def test_a_sandbox_started_again_after_another_used_its_file_is_refused(tmp_path: Path) -> None:
    """Its state is stale: writing it would lose what the other one did."""
    state = tmp_path / "state.json"
    first = Sandbox(state_path=state, seed="empty").start()
    first.stop()
    first.start()  # nobody else used the file: fine
    first.stop()
    with Sandbox(state_path=state) as second:
        second.issue_token()  # a change of the other one's, saved to the file
    with pytest.raises(ValueError, match="changed by another sandbox"):
        first.start()
    with Sandbox(state_path=state):  # the refused one let go of the file
        pass


def test_a_sandbox_whose_last_snapshot_fails_still_lets_go_of_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state.json"
    sandbox = Sandbox(state_path=state, seed="empty").start()

    def disk_full(path: Path, saved: dict[str, Any]) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(persistence, "write", disk_full)
    with pytest.raises(OSError, match="No space left"):
        sandbox.stop()
    monkeypatch.undo()
    with Sandbox(state_path=state, seed="empty"):
        pass
