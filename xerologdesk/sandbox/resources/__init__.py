"""The accounting API's resources, one module each: what a reader of a resource needs, in one place.

Each module holds its resource's field definitions (writable fields and their lengths, as Xero's
OpenAPI spec gives them), its wire shape (key order, the fields ``where`` and ``order`` know) and
its rules (an element in, a validated record out, with Xero's messages): :mod:`.contacts`,
:mod:`.items`, :mod:`.invoices`, and :mod:`.reference` for accounts, tax rates, currencies and the
organisation. What they share stays shared, one level up in ``xerologdesk.sandbox``: reading a
request field (``fields``), Xero's JSON conventions (``wire``), storage (``ledger``). HTTP routing
(``accounting``), identity, faults, limits and idempotency are the server's gates around them.
"""
