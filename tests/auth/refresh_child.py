"""One app process refreshing the stored connection (run by test_two_processes.py).

Usage: python refresh_child.py DATA_DIR. Prints ``ready`` once set up and waits for a line on
stdin (so two children start refreshing at the same moment), then refreshes the token (its clock
runs an hour ahead, so the stored access token looks expired to it), makes one API call and
prints a JSON line: how many refreshes it made, the organisation's name and a
fingerprint of the access token it used.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from xerologdesk.app import open_app
from xerologdesk.connection import endpoints_for, lock_path, token_store
from xerologdesk.store import book
from xerologdesk.xero.client import XeroClient
from xerologdesk.xero.gateway import XeroGateway
from xerologdesk.xero.tokens import PkceTokens


def main(data_dir: str) -> None:
    app = open_app(Path(data_dir), log=False)
    connection = book.get_connection()
    assert connection is not None
    endpoints = endpoints_for(connection)
    refreshes: list[datetime] = []
    tokens = PkceTokens(
        token_store(app),
        lock_path(app),
        endpoints.token_url,
        connection.client_id,
        clock=lambda: time.time() + 3600,
        on_refreshed=refreshes.append,
    )
    print("ready", flush=True)
    sys.stdin.readline()
    access = tokens.token()["access_token"]
    client = XeroClient(endpoints, connection.tenant_id, tokens)
    name = XeroGateway(client).organisation().name
    client.close()
    app.close()
    fingerprint = hashlib.sha256(access.encode()).hexdigest()[:12]
    print(json.dumps({"refreshes": len(refreshes), "org": name, "access": fingerprint}))


if __name__ == "__main__":
    main(sys.argv[1])
