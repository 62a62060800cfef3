"""The exit statuses of the ``xerologdesk`` command, shared by the parser and the commands.

They live apart from ``cli`` so that ``commands`` need not import the module that imports it.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_FAILURE = 2
# The run went through, but some orders it tried failed: schedulers and scripts can tell.
EXIT_ORDERS_FAILED = 3
