"""Injected faults: errors before a call takes effect, drops and timeouts after it did."""

from __future__ import annotations

import pytest
import urllib3
from sandbox_helpers import admin, contact_id, invoice, invoices
from xero_python.exceptions import HTTPStatusException, RateLimitException

from xerologdesk.sandbox.faults import FaultInjector

pytestmark = pytest.mark.timeout(60)


def put_invoice(xero, reference: str = "SO-1", key: str | None = None, **options):
    body = invoices(invoice(contact_id(xero.sandbox, "C-1001"), reference=reference))
    if key is not None:
        options["idempotency_key"] = key
    return xero.api.create_invoices(xero.tenant, body, summarize_errors=False, **options)


def test_a_scripted_503_answers_instead_of_the_call(sandbox, xero) -> None:
    sandbox.set_faults(
        {"script": [{"method": "PUT", "resource": "/Invoices", "status": 503, "times": 3}]}
    )
    for _ in range(3):
        with pytest.raises(HTTPStatusException) as raised:
            put_invoice(xero)
        assert raised.value.status == 503
        assert xero.last().json()["Type"] == "UnknownErrorException"
    assert sandbox.state()["invoices"] == []
    assert xero.api.get_contacts(xero.tenant).contacts  # other calls are not affected
    assert put_invoice(xero).invoices[0].status_attribute_string == "OK"
    assert sandbox.faults()["script"] == []


def test_a_drop_after_commit_loses_the_answer_but_the_invoice_exists(sandbox, xero) -> None:
    sandbox.set_faults({"script": [{"method": "PUT", "resource": "/Invoices", "status": "drop"}]})
    with pytest.raises(urllib3.exceptions.ProtocolError):
        put_invoice(xero, key="order-9")
    (created,) = sandbox.state()["invoices"]
    assert created["Reference"] == "SO-1"
    # Retrying with the same Idempotency-Key gets the answer that was lost, not a duplicate.
    (replayed,) = put_invoice(xero, key="order-9").invoices
    assert replayed.invoice_id == created["InvoiceID"]
    assert len(sandbox.state()["invoices"]) == 1


def test_a_timeout_answers_after_the_clients_read_timeout(sandbox, xero) -> None:
    sandbox.set_faults(
        {
            "timeout_seconds": 3,
            "script": [{"method": "PUT", "resource": "/Invoices", "status": "timeout"}],
        }
    )
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        put_invoice(xero, _request_timeout=(5, 1))
    assert [each["Reference"] for each in sandbox.state()["invoices"]] == ["SO-1"]


def test_a_scripted_429_carries_retry_after_and_the_problem(sandbox, xero) -> None:
    sandbox.set_faults(
        {"script": [{"method": "GET", "resource": "/Items", "status": 429, "retry_after": 7}]}
    )
    with pytest.raises(RateLimitException) as raised:
        xero.api.get_items(xero.tenant)
    assert raised.value.rate_limit == "minute"
    assert raised.value.headers["Retry-After"] == "7"


def test_random_errors_hit_accounting_calls_only(sandbox, xero) -> None:
    status, config = admin(
        sandbox, "POST", "/_sandbox/faults", {"error_rate": 1.0, "error_statuses": [500]}
    )
    assert status == 200
    assert config["error_rate"] == 1.0
    with pytest.raises(HTTPStatusException) as raised:
        xero.api.get_items(xero.tenant)
    assert raised.value.status == 500
    assert xero.last().json()["Message"].startswith("An error occurred in Xero.")
    assert xero.identity.get_connections()  # identity is not faulted
    assert admin(sandbox, "GET", "/_sandbox/state")[0] == 200
    admin(sandbox, "POST", "/_sandbox/faults", {})
    assert xero.api.get_items(xero.tenant).items


def test_seeded_faults_repeat_exactly() -> None:
    def pattern(seed: int) -> list[int | None]:
        injector = FaultInjector(seed)
        injector.configure({"error_rate": 0.5, "error_statuses": [500, 502, 503]})
        return [
            (fault.status if fault else None)
            for fault in (injector.decide("GET", "/Items") for _ in range(30))
        ]

    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)
    assert {500, 502, 503, None} == set(pattern(7))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"error_rate": 2}, "error_rate is a probability between 0 and 1"),
        ({"error_statuses": [200]}, "an error status is a number from 400 to 599, not 200"),
        (
            {"script": [{"status": "explode"}]},
            "an error status is a number from 400 to 599, not 'explode'",
        ),
        ({"colour": "red"}, "unknown fault settings: colour"),
    ],
)
def test_bad_fault_settings_are_refused(sandbox, config, message) -> None:
    assert admin(sandbox, "POST", "/_sandbox/faults", config) == (400, {"error": message})


def test_a_step_with_contains_fails_only_the_calls_that_hold_that_text(sandbox, xero) -> None:
    poison = {"method": "PUT", "resource": "/Invoices", "status": 500, "contains": "SO-7"}
    sandbox.set_faults({"script": [{**poison, "times": 5}]})
    put_invoice(xero, reference="SO-1")  # not matched: it goes through
    with pytest.raises(HTTPStatusException) as raised:
        put_invoice(xero, reference="SO-7")
    assert raised.value.status == 500
    assert [each["Reference"] for each in sandbox.state()["invoices"]] == ["SO-1"]
    assert sandbox.faults()["script"] == [{**poison, "times": 4}]


def test_a_pass_step_lets_its_calls_through_so_the_next_step_faults_later_ones(
    sandbox, xero
) -> None:
    sandbox.set_faults(
        {
            "script": [
                {"method": "PUT", "resource": "/Invoices", "status": "pass", "times": 1},
                {"method": "PUT", "resource": "/Invoices", "status": 503, "times": 1},
            ]
        }
    )
    put_invoice(xero, reference="SO-1")  # the pass step: untouched
    with pytest.raises(HTTPStatusException) as raised:
        put_invoice(xero, reference="SO-2")
    assert raised.value.status == 503
    put_invoice(xero, reference="SO-3")  # the script is spent
    assert [each["Reference"] for each in sandbox.state()["invoices"]] == ["SO-1", "SO-3"]


def test_random_drops_and_timeouts_come_after_the_call() -> None:
    injector = FaultInjector(1)
    injector.configure({"drop_after_commit_rate": 1.0})
    drop = injector.decide("PUT", "/Invoices")
    assert drop is not None and drop.drop and drop.status is None
    injector.configure({"timeout_rate": 1.0, "timeout_seconds": 2})
    timeout = injector.decide("PUT", "/Invoices")
    assert timeout is not None and timeout.timeout and timeout.hold_seconds == 2
    injector.configure({})
    assert injector.decide("PUT", "/Invoices") is None


def test_or_terms_can_be_made_case_sensitive_while_single_terms_still_fold(sandbox, xero) -> None:
    either = 'AccountNumber=="c-1001" OR AccountNumber=="C-1002"'

    def numbers(where: str) -> list[str]:
        return [
            each.account_number for each in xero.api.get_contacts(xero.tenant, where=where).contacts
        ]

    assert numbers(either) == ["C-1001", "C-1002"]
    assert sandbox.set_faults({"or_terms_case_sensitive": True})["or_terms_case_sensitive"]
    assert numbers(either) == ["C-1002"]  # "c-1001" no longer finds C-1001 in an OR list ...
    assert numbers('AccountNumber=="c-1001"') == ["C-1001"]  # ... but on its own it does
    sandbox.set_faults({})
    assert numbers(either) == ["C-1001", "C-1002"]
