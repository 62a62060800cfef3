"""``python -m xerologdesk``: the same entry point as the ``xerologdesk`` command."""

from xerologdesk.cli import main

raise SystemExit(main())
