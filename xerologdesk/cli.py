"""The ``xerologdesk`` command: the desktop app by default, and the headless sub-commands.

Results go to stdout, progress and problems to stderr. Exit status: 0 ok, 1 bad input or usage,
2 a failure (Xero, the network, the database), 3 a sync or resolve that left orders failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from xerologdesk import __version__
from xerologdesk.exits import EXIT_OK, EXIT_USAGE
from xerologdesk.store.vocabulary import STATUSES, XERO_STATUSES


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error; this command keeps 2 for failures and uses 1."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _lazy(name: str) -> object:
    """A command's handler, imported only when that command runs (keeps start-up fast)."""

    def run(args: argparse.Namespace) -> int:
        from xerologdesk import commands

        handler = getattr(commands, name)
        result: int = handler(args)
        return result

    return run


def _counting(noun: str) -> Callable[[str], int]:
    """An argument type taking a whole number of ``noun``, 1 or more (argparse turns its
    ArgumentTypeError into a usage error)."""

    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise argparse.ArgumentTypeError(f"a whole number of {noun}, 1 or more, not {text!r}")
        return int(text)

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="xerologdesk",
        description="The xerologdesk desktop app (with no COMMAND) and its headless commands.",
        epilog="Exit status: 0 ok, 1 bad input or usage, 2 a failure (Xero, the network, the "
        "database), 3 a sync or resolve that left orders failed.",
    )
    parser.add_argument("--version", action="version", version=f"xerologdesk {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the database and settings live (default: the platform's user data "
        "directory, or $XEROLOGDESK_DATA_DIR)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="team mode: keep the order book in this PostgreSQL database "
        "(postgresql://user@host/db; a password goes in PGPASSFILE, not here) instead of the "
        "data directory (default: $XEROLOGDESK_DATABASE_URL, else the data directory's file)",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the app offscreen on a temporary data directory with the sandbox, check it "
        "works, and exit (for packagers and CI)",
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="open the app on the embedded sandbox (a demo organisation; no Xero account needed)",
    )
    parser.add_argument(
        "--minimized",
        action="store_true",
        help="start minimised: in the system tray where the desktop has one, else as a "
        "minimised window (what start at login runs)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    from xerologdesk.sandbox import cli as sandbox_cli

    sandbox_cli.add_arguments(
        commands.add_parser(
            "sandbox",
            help="serve the embedded stand-in for Xero's API on loopback",
            description=sandbox_cli.__doc__,
        )
    )

    connect = commands.add_parser(
        "connect",
        help="connect to a Xero organisation",
        description="Sign in at Xero in your browser and allow this app into an organisation. "
        "Register http://localhost:PORT/callback (default port 5917) as a redirect URI of your "
        "Xero app (type: Auth Code with PKCE) first.",
    )
    target = connect.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--client-id", metavar="ID", help="the client id of your Xero app (Auth Code with PKCE)"
    )
    target.add_argument(
        "--sandbox", metavar="URL", help="a running sandbox's base URL (no sign-in needed)"
    )
    connect.add_argument(
        "--no-browser",
        action="store_true",
        help="print the sign-in address on stdout instead of opening a browser",
    )
    connect.add_argument(
        "--port",
        type=int,
        metavar="N",
        help="the port of the redirect URI registered at Xero: http://localhost:N/callback "
        "(default 5917)",
    )
    connect.add_argument(
        "--xero-url",
        metavar="URL",
        help="send the sign-in, identity and API traffic to this base URL (a sandbox), for "
        "tests and demos",
    )
    connect.add_argument(
        "--tenant",
        metavar="NAME_OR_ID",
        help="the organisation to connect when you allow access to several",
    )
    connect.set_defaults(run=_lazy("connect"))

    commands.add_parser(
        "disconnect", help="disconnect from Xero and forget the stored connection"
    ).set_defaults(run=_lazy("disconnect"))
    commands.add_parser(
        "status", help="show the connection and how many orders are in each status"
    ).set_defaults(run=_lazy("status"))

    importing = commands.add_parser("import", help="import orders from CSV or JSON files")
    importing.add_argument(
        "files",
        nargs="+",
        metavar="PATH",
        help="an order file, or a folder: its CSV and JSON files, in name order",
    )
    importing.add_argument(
        "--skip-bad-lines",
        action="store_true",
        help="import the orders without problems and set those with problems aside (all "
        "their lines) in NAME.rejected.csv beside the file, with a problem column, to correct "
        "and import again; exit status 1 still says lines were set aside (default: a file with "
        "any problem is not imported at all)",
    )
    importing.add_argument(
        "--replace",
        action="store_true",
        help="give an order imported before with different content the file's content, when "
        "it has no invoice in Xero (pending, failed or dismissed): it keeps its history and is "
        "pending again (default: it is left as it was); an order with an invoice is never "
        "replaced",
    )
    importing.set_defaults(run=_lazy("import_files"))

    commands.add_parser("sync", help="sync every pending order to Xero").set_defaults(
        run=_lazy("sync")
    )

    running = commands.add_parser(
        "run",
        help="import the inbox folder and sync, once or every N minutes (for a server or a "
        "scheduled task)",
        description="Import the order files settled in the inbox folder (the inbox_folder "
        "setting; each then moves to imported/ or problems/), then sync every pending order, "
        "logging to the log file. With --every, again every MINUTES minutes until SIGTERM or "
        "Ctrl+C, which let the batch under way finish (nothing is left half-sent).",
    )
    running.add_argument(
        "--every",
        type=_counting("minutes"),
        metavar="MINUTES",
        help="repeat every MINUTES minutes (a whole number, 1 or more) until stopped",
    )
    running.set_defaults(run=_lazy("run"))

    log = commands.add_parser("log", help="show the Xero integration log")
    log.add_argument("--status", choices=[status.value for status in STATUSES])
    log.add_argument(
        "--search",
        metavar="TEXT",
        help="order ref, customer name or reference, Xero invoice number, SKU",
    )
    log.add_argument(
        "--xero-status",
        choices=[status.value for status in XERO_STATUSES],
        help="the invoice's status in Xero as last refreshed",
    )
    log.add_argument("--json", action="store_true", help="print JSON instead of a table")
    log.set_defaults(run=_lazy("show_log"))

    commands.add_parser(
        "refresh",
        help="ask Xero what became of the invoices since the last refresh (and stock on hand)",
    ).set_defaults(run=_lazy("refresh"))
    stock = commands.add_parser(
        "stock", help="show each product's stock on hand as last read from Xero"
    )
    stock.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stock.set_defaults(run=_lazy("stock"))

    resolve = commands.add_parser("resolve", help="resolve failed orders")
    how = resolve.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--auto-sync", action="store_true", help="create what is missing in Xero, then the invoice"
    )
    how.add_argument("--retry", action="store_true", help="sync again without creating anything")
    how.add_argument("--dismiss", action="store_true", help="leave Xero untouched; hide the error")
    how.add_argument("--undo-dismiss", action="store_true", help="put dismissed orders back")
    how.add_argument(
        "--send-again",
        action="store_true",
        help="send a new invoice for orders whose invoice was voided or deleted in Xero",
    )
    how.add_argument(
        "--accept",
        action="store_true",
        help="keep orders whose invoice was voided or deleted in Xero as they are",
    )
    resolve.add_argument("--reason", metavar="TEXT", help="why (with --dismiss)")
    resolve.add_argument("refs", nargs="+", metavar="ORDER_REF")
    resolve.set_defaults(run=_lazy("resolve"))

    retry_later = "Re-syncs nothing by itself: retry the orders it unblocks afterwards."
    link = commands.add_parser(
        "link-customer",
        help="link a customer to an existing Xero contact (used before any look-up)",
        description="Link the customer REFERENCE to a Xero contact; every later sync of its "
        "orders uses that contact, before any look-up by account number or name. " + retry_later,
    )
    link.add_argument("reference", metavar="REFERENCE", help="the customer's reference")
    link.add_argument(
        "xero_contact", metavar="CONTACT", help="a ContactID, or an exact contact name"
    )
    link.set_defaults(run=_lazy("link_customer"))
    unlink = commands.add_parser("unlink-customer", help="remove a customer's link")
    unlink.add_argument("reference", metavar="REFERENCE")
    unlink.set_defaults(run=_lazy("unlink_customer"))
    links = commands.add_parser("links", help="list the customers linked to Xero contacts")
    links.add_argument("--json", action="store_true", help="print JSON instead of a table")
    links.set_defaults(run=_lazy("show_links"))

    mapping = commands.add_parser(
        "map-sku",
        help="map a SKU to an existing Xero item code (used before the look-up by code)",
        description="Map SKU to the Xero item ITEM_CODE (it must exist in Xero), or every SKU "
        "of a CSV file with the header sku,item_code (all or nothing). " + retry_later,
    )
    mapping.add_argument("sku", nargs="?", metavar="SKU")
    mapping.add_argument("item_code", nargs="?", metavar="ITEM_CODE")
    mapping.add_argument("--file", metavar="CSV", help="map every row of this file")
    mapping.set_defaults(run=_lazy("map_sku"))
    unmap = commands.add_parser("unmap-sku", help="remove a SKU's mapping")
    unmap.add_argument("sku", metavar="SKU")
    unmap.set_defaults(run=_lazy("unmap_sku"))
    mappings = commands.add_parser("mappings", help="list the SKUs mapped to Xero item codes")
    mappings.add_argument("--json", action="store_true", help="print JSON instead of a table")
    mappings.set_defaults(run=_lazy("show_mappings"))
    problems = commands.add_parser(
        "problems",
        help="list failed orders grouped by root cause (code:subject), the most orders first",
    )
    problems.add_argument(
        "--json", action="store_true", help="print JSON, with every group's order refs"
    )
    problems.add_argument(
        "--fix",
        metavar="GROUP",
        help="re-sync, in one run, every order the group code:subject blocks (with --create "
        "or --retry)",
    )
    how = problems.add_mutually_exclusive_group()
    how.add_argument(
        "--create",
        action="store_true",
        help="with --fix: create the group's customer or item in Xero (an Auto Sync creating "
        "nothing else)",
    )
    how.add_argument(
        "--retry",
        action="store_true",
        help="with --fix: retry the orders, creating nothing (after a link, a mapping or a fix "
        "in Xero)",
    )
    problems.set_defaults(run=_lazy("problems"))

    suggest = commands.add_parser(
        "suggest-contacts",
        help="list the Xero contacts most like a customer, with scores (for linking it)",
    )
    suggest.add_argument("reference", metavar="REFERENCE", help="the customer's reference")
    suggest.add_argument(
        "--limit",
        type=_counting("contacts"),
        default=20,
        metavar="N",
        help="how many to list (default 20)",
    )
    suggest.add_argument("--json", action="store_true", help="print JSON instead of a table")
    suggest.set_defaults(run=_lazy("suggest_contacts"))

    database = commands.add_parser("database", help="the order book's database (team mode)")
    database_commands = database.add_subparsers(
        dest="database_command", metavar="ACTION", required=True, parser_class=_Parser
    )
    copy = database_commands.add_parser(
        "copy",
        help="copy this data directory's order book into an empty PostgreSQL database",
        description="Copy the data directory's order book (orders, log, history, outbox, "
        "settings, the connection's link) into an empty PostgreSQL database in one "
        "transaction, checking every table's count; a database that is not empty is refused. "
        "The file is left as it was.",
    )
    copy.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host/db")
    copy.set_defaults(run=_lazy("database_copy"))

    settings = commands.add_parser("settings", help="list, show or change settings")
    settings.add_argument("key", nargs="?", metavar="KEY")
    settings.add_argument("value", nargs="?", metavar="VALUE")
    settings.set_defaults(run=_lazy("settings"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Only resolve has --reason, and it has --dismiss too.
    if getattr(args, "reason", None) and not args.dismiss:
        parser.error("--reason goes with --dismiss")
    if args.smoke_test:
        from xerologdesk.ui.smoke import smoke_test

        return smoke_test()
    if args.command is None:
        from xerologdesk.qt_check import display_problem

        # Before PySide6 is imported: Qt would abort the process with a misleading message.
        problem = display_problem()
        if problem is not None:
            print(problem, file=sys.stderr)
            return EXIT_USAGE
        from xerologdesk.ui.launch import run_desktop

        return run_desktop(args)
    try:
        result: int = args.run(args)
    except BrokenPipeError:
        # `xerologdesk log | head`: the reader left; say nothing more, as Unix tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_OK
    return result


if __name__ == "__main__":
    raise SystemExit(main())
