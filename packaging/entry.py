"""The bundle's entry point: the same as the ``xerologdesk`` command."""

from xerologdesk.cli import main

raise SystemExit(main())
