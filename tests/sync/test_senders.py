"""The threads invoice requests go out on: what the leftover-work check asks them."""

from __future__ import annotations

import threading

from xerologdesk.sync.outbox import Senders
from xerologdesk.xero.records import Created


def test_a_send_is_under_way_until_its_answer_comes_and_shutdown_ends_the_threads() -> None:
    senders = Senders(workers=1)
    release = threading.Event()

    def send(chunk: list[object], request_key: str) -> list[Created]:
        assert release.wait(10)
        return []

    future = senders.submit(send, [], "xld-invoice-test")
    assert senders.under_way() == 1
    release.set()
    assert future.result(timeout=10) == []
    assert senders.under_way() == 0
    senders.shutdown()
    assert not [t for t in threading.enumerate() if t.name.startswith("xerologdesk-send")]
