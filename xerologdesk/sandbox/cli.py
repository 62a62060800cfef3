"""Serve the embedded Xero sandbox on loopback until interrupted.

The first line printed is the base URL (http://127.0.0.1:PORT); point the app at it with
`xerologdesk connect --sandbox URL`. Port 0 picks a free port. With --state the organisations and
connections survive restarts. Limits of 0 are off.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``xerologdesk sandbox`` options."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="a loopback address (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--state", metavar="FILE", type=Path, help="keep the state in this file")
    parser.add_argument(
        "--seed",
        # seed.SEEDS, spelled out so that building the CLI does not import the sandbox.
        choices=["demo", "empty", "no-terms"],
        default="demo",
        help="the organisation to start with (default: %(default)s)",
    )
    parser.add_argument(
        "--minute-limit",
        type=int,
        default=60,
        metavar="N",
        help="calls a minute (default: %(default)s; 0: none)",
    )
    parser.add_argument(
        "--day-limit",
        type=int,
        default=5000,
        metavar="N",
        help="calls a day (default: %(default)s; 0: none)",
    )
    parser.add_argument(
        "--concurrent-limit",
        type=int,
        default=5,
        metavar="N",
        help="calls in flight (default: %(default)s; 0: none)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; 0, or 1 for options the sandbox refuses or a state file
    another sandbox is using."""
    from xerologdesk.sandbox import Sandbox
    from xerologdesk.sandbox.state_lock import StateFileInUse

    try:
        sandbox = Sandbox(
            host=args.host,
            port=args.port,
            seed=args.seed,
            state_path=args.state,
            minute_limit=args.minute_limit,
            day_limit=args.day_limit,
            concurrent_limit=args.concurrent_limit,
        )
        sandbox.start()
    except (ValueError, OSError, StateFileInUse) as error:
        print(f"xerologdesk sandbox: {error}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def interrupted(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {each: signal.signal(each, interrupted) for each in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(sandbox.base_url, flush=True)
        print(
            f"Serving the {args.seed} organisation; Ctrl+C stops. "
            f"Admin: {sandbox.base_url}/_sandbox/state",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(1.0):
            pass
    finally:
        sandbox.stop()
        for each, handler in previous.items():
            signal.signal(each, handler)
    return 0
