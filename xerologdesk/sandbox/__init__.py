"""An embedded stand-in for the Xero Accounting API on loopback, for demos, tests and benchmarks.

It serves what the app uses of Xero (contacts, items, invoices, accounts, tax rates, currencies,
the organisation; OAuth 2.0, identity and connections) in Xero's JSON, with Xero's validation
messages, rate limits, ``Idempotency-Key`` replay and ``where`` filters, plus admin endpoints
under ``/_sandbox/`` and injectable faults. Start one in process::

    with Sandbox(seed="demo") as sandbox:
        token = sandbox.issue_token()
        api = AccountingApi(api_client, base_url=sandbox.api_url)

or from the command line: ``xerologdesk sandbox --port 8765``.

``Sandbox`` is imported lazily, so importing this package (the CLI does) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xerologdesk.sandbox.facade import Sandbox

__all__ = ["Sandbox"]


def __getattr__(name: str) -> Any:
    if name == "Sandbox":
        from xerologdesk.sandbox.facade import Sandbox

        return Sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
