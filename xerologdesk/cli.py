"""The ``xerologdesk`` command: the desktop app by default, and the headless sub-commands.

Results go to stdout, progress and problems to stderr. Exit status: 0 ok, 1 bad input or usage,
2 a failure (Xero, the network, the database).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from xerologdesk import __version__

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_FAILURE = 2


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error; this command keeps 2 for failures and uses 1."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xerologdesk", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"xerologdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    from xerologdesk.sandbox import cli as sandbox_cli

    sandbox_cli.add_arguments(
        commands.add_parser(
            "sandbox",
            help="serve the embedded stand-in for Xero's API on loopback",
            description=sandbox_cli.__doc__,
        )
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
