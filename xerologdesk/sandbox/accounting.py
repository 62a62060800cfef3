"""The accounting API under ``/api.xro/2.0``: the routes the app uses, answered from a ledger.

Routes (paths case-insensitive, as Xero's):

- ``GET /Contacts`` (``where``, ``IDs``, ``includeArchived``, ``searchTerm``, ``page``,
  ``pageSize``, ``order``), ``GET /Contacts/{ContactID or ContactNumber}``,
  ``PUT /Contacts`` and ``POST /Contacts`` (``summarizeErrors``), ``POST /Contacts/{ContactID}``.
  Archived contacts are left out of lists unless ``includeArchived=true``; ``searchTerm`` looks,
  case- and accent-insensitively, into Name, FirstName, LastName, ContactNumber, CompanyNumber and
  EmailAddress.
- ``GET /Items`` (``where``, ``order``, ``unitdp``; unpaged, as Xero), ``GET /Items/{ItemID or
  Code}``, ``PUT``/``POST /Items`` (``summarizeErrors``, ``unitdp``), ``POST /Items/{ItemID}``.
  Unit prices are kept with the decimals written (2, or 4 with ``unitdp=4``) and shown to 2
  unless a read asks ``unitdp=4``, as Xero does (items' ``UnitPrice``, invoice lines'
  ``UnitAmount``).
- ``GET /Invoices`` (``where``, ``IDs``, ``InvoiceNumbers``, ``ContactIDs``, ``Statuses``,
  ``searchTerm`` over InvoiceNumber and Reference, ``page``, ``pageSize``, ``order``),
  ``GET /Invoices/{InvoiceID or InvoiceNumber}``, ``PUT``/``POST /Invoices`` (``summarizeErrors``,
  ``unitdp``), ``POST /Invoices/{InvoiceID}`` (a status change: AUTHORISED, VOIDED, DELETED, with
  Xero's rules; see :mod:`~xerologdesk.sandbox.resources.invoices`). As on Xero, a list without
  ``page`` leaves out each invoice's ``LineItems``; a paged list and a single invoice carry them.
- ``PUT /Payments`` (``summarizeErrors``) and ``POST /Payments`` (one): payments on invoices
  (:mod:`~xerologdesk.sandbox.resources.payments`).
- ``If-Modified-Since`` on ``GET /Contacts``, ``/Items``, ``/Invoices`` and ``/Accounts``: only
  records changed since (see :mod:`~xerologdesk.sandbox.queries`).
- ``GET /Accounts`` (``where``, ``order``), ``GET /Accounts/{AccountID}``, ``GET /TaxRates``
  (``where``, ``order``), ``GET /Organisation``, ``GET /Currencies`` (``where``).

Anything else answers 404 with Xero's text, as do unknown ids. Writes: the body is Xero's
``{"Contacts": [...]}`` (or a single element). With ``summarizeErrors=false`` the answer is 200 and
each element carries ``StatusAttributeString`` (``OK``/``ERROR``) and, when it failed,
``ValidationErrors`` (and ``HasErrors`` on invoices, ``HasValidationErrors`` on contacts); valid
elements are saved, failed ones not. Otherwise (Xero's default) one failed element makes the whole
request a 400 ``ValidationException`` listing the failed elements, and nothing from the request is
saved. A body that cannot be read is a 400 ``PostDataInvalidException`` either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from xerologdesk.sandbox import fields, queries, wire
from xerologdesk.sandbox.http import Request, Response
from xerologdesk.sandbox.ledger import Ledger, Outcome
from xerologdesk.sandbox.queries import Listing
from xerologdesk.sandbox.resources import contacts, invoices, items, payments, reference
from xerologdesk.sandbox.table import Record, Table
from xerologdesk.sandbox.where import WhereNullReference, WhereSyntaxError, fold
from xerologdesk.sandbox.wire import dumps, json_array

PREFIX = "/api.xro/2.0"


def resource_of(path: str) -> str:
    """The collection a path names, as Xero spells it (``/Invoices``), for counts and faults."""
    rest = path[len(PREFIX) :] if path.lower().startswith(PREFIX.lower()) else path
    head = rest.strip("/").split("/", 1)[0]
    canonical = {each.lower(): each for each in _CANONICAL}
    return "/" + canonical.get(head.lower(), head)


_CANONICAL = (
    "Contacts",
    "Items",
    "Invoices",
    "Payments",
    "Accounts",
    "TaxRates",
    "Organisation",
    "Currencies",
)


# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Writer:
    """How one resource is written: its plural key and the rule saving one element."""

    plural: str
    id_field: str
    save: Callable[[Ledger, Any, bool, int, str], Outcome]
    error_flag: str | None  # "HasErrors" (invoices), "HasValidationErrors" (contacts)


def _save_contact(ledger: Ledger, element: Any, create: bool, places: int, path: str) -> Outcome:
    return contacts.save(ledger, element, create_only=create, path=path)


def _save_item(ledger: Ledger, element: Any, create: bool, places: int, path: str) -> Outcome:
    return items.save(ledger, element, create_only=create, unit_places=places, path=path)


def _save_invoice(ledger: Ledger, element: Any, create: bool, places: int, path: str) -> Outcome:
    return invoices.save(ledger, element, create_only=create, unit_places=places, path=path)


def _save_payment(ledger: Ledger, element: Any, create: bool, places: int, path: str) -> Outcome:
    return payments.save(ledger, element, path)


_WRITERS = {
    "contacts": _Writer("Contacts", "ContactID", _save_contact, "HasValidationErrors"),
    "items": _Writer("Items", "ItemID", _save_item, None),
    "invoices": _Writer("Invoices", "InvoiceID", _save_invoice, "HasErrors"),
    "payments": _Writer("Payments", "PaymentID", _save_payment, "HasValidationErrors"),
}
# Resources only ever created: ``PUT /Payments`` (many) and ``POST /Payments`` (one, Xero's
# createPayment) both create; ``POST /Payments/{id}`` deletes a payment on Xero: not served.
_CREATE_ONLY = frozenset({"payments"})


def _elements(request: Request, plural: str, record_id: str | None, id_field: str) -> list[Any]:
    """The elements of a write body; raises PostDataInvalid when it cannot be read."""
    try:
        body = request.json() if request.body.strip() else None
    except (ValueError, UnicodeDecodeError) as error:
        raise wire.PostDataInvalid(
            f"Unexpected character encountered while parsing: {error}."
        ) from None
    if isinstance(body, Mapping):
        key = next((k for k in body if k.lower() == plural.lower()), None)
        elements = body[key] if key is not None else [body]
    elif isinstance(body, list):
        elements = body
    else:
        raise wire.PostDataInvalid(f"The request has no {plural}.")
    if not isinstance(elements, list):
        raise wire.PostDataInvalid(f"Unexpected value for an array. Path '{plural}'.")
    if record_id is not None:
        # POST /Invoices/{id}: the id in the URL names the record the element updates.
        if len(elements) != 1 or not isinstance(elements[0], Mapping):
            raise wire.PostDataInvalid(f"Expected one element for {plural}/{record_id}.")
        elements = [dict(elements[0], **{id_field: record_id})]
    return elements


def write(request: Request, ledger: Ledger, resource: str, record_id: str | None) -> Response:
    """PUT (create) or POST (create or update) a batch, with ``summarizeErrors`` semantics."""
    writer = _WRITERS[resource]
    create_only = request.method == "PUT"
    summarize = (request.param("summarizeErrors") or "true").strip().lower() != "false"
    places = unit_places(request)
    try:
        elements = _elements(request, writer.plural, record_id, writer.id_field)
        outcomes: list[Outcome] = []

        def keep() -> bool:
            return not (summarize and any(outcome.errors for outcome in outcomes))

        with ledger.transaction(keep=keep):
            for index, element in enumerate(elements):
                point = ledger.savepoint()
                path = f"{writer.plural}[{index}]"
                outcome = writer.save(ledger, element, create_only, places, path)
                if outcome.errors:
                    ledger.rollback_to(point)  # an element that failed leaves nothing behind
                outcomes.append(outcome)
    except wire.PostDataInvalid as error:
        return wire.post_data_invalid(str(error))
    if summarize and any(outcome.errors for outcome in outcomes):
        return wire.validation_error(
            [_decorate(outcome, writer) for outcome in outcomes if outcome.errors]
        )
    # Payments have no table of their own: they are kept on the invoices they pay.
    table: Table | None = getattr(ledger, resource, None)
    with ledger.lock:  # the table's JSON cache
        answered = json_array(_answered_json(table, outcome, writer) for outcome in outcomes)
    return wire.ok(writer.plural, answered, ledger.now())


def _answered_json(table: Table | None, outcome: Outcome, writer: _Writer) -> str:
    """An element as a write answers it. A saved one is its stored JSON (from the table's cache:
    the state file's journal wrote it already) with ``StatusAttributeString`` added, at the end
    as in :func:`_decorate`."""
    if outcome.errors or table is None:
        return dumps(_decorate(outcome, writer))
    return table.json_of(outcome.record)[:-1] + ',"StatusAttributeString":"OK"}'


def _decorate(outcome: Outcome, writer: _Writer) -> dict[str, Any]:
    record = dict(outcome.record)
    if outcome.errors:
        record["StatusAttributeString"] = "ERROR"
        record["ValidationErrors"] = [{"Message": message} for message in outcome.errors]
        if writer.error_flag:
            record[writer.error_flag] = True
    else:
        record["StatusAttributeString"] = "OK"
    return record


# --- reading ------------------------------------------------------------------------------------


def unit_places(request: Request) -> int:
    """Decimals of unit prices: 4 with ``unitdp=4``, else Xero's 2 (stored and shown)."""
    return 4 if (request.param("unitdp") or "").strip() == "4" else 2


def _at_two_places(record: Record) -> dict[str, Any] | None:
    """The record as Xero shows it without ``unitdp=4`` (unit prices to 2 decimals), or None
    when it shows as stored. Xero keeps 4 decimals either way."""

    def cut(value: Any) -> Any:
        if isinstance(value, Decimal) and value.as_tuple().exponent < -2:  # type: ignore[operator]
            return fields.round_to(value, 2)
        return value

    changed = dict(record)
    for key in ("SalesDetails", "PurchaseDetails"):
        details = record.get(key)
        if isinstance(details, Mapping) and "UnitPrice" in details:
            changed[key] = dict(details, UnitPrice=cut(details["UnitPrice"]))
    lines = record.get("LineItems")
    if isinstance(lines, list):
        changed["LineItems"] = [
            dict(line, UnitAmount=cut(line.get("UnitAmount"))) if "UnitAmount" in line else line
            for line in lines
        ]
    return None if changed == record else changed


def _records_json(table: Table, records: Iterable[Record], places: int) -> str:
    """Records as a JSON array, unit prices shown to ``places`` decimals."""
    if places == 4:
        return table.json_array(records)
    return json_array(
        dumps(shown) if (shown := _at_two_places(record)) is not None else table.json_of(record)
        for record in records
    )


def _one(table: Table, record_id: str, alternate: str, folded: bool) -> Record | None:
    """A record by id, else by its other key (ContactNumber, Code, InvoiceNumber)."""
    found = table.get(record_id)
    if found is not None:
        return found
    matches = table.find(alternate, fold(record_id) if folded else record_id)
    return matches[0] if matches else None


def _list_contacts(request: Request, ledger: Ledger) -> Response:
    keep = contacts.list_filter(request)
    return _paged_answer(request, ledger, ledger.contacts, contacts.LISTING, "Contacts", keep)


def _list_invoices(request: Request, ledger: Ledger) -> Response:
    keep = invoices.list_filter(request)
    return _paged_answer(
        request,
        ledger,
        ledger.invoices,
        invoices.LISTING,
        "Invoices",
        keep,
        summary=invoices.without_lines,
    )


def _paged_answer(
    request: Request,
    ledger: Ledger,
    table: Table,
    listing: Listing,
    plural: str,
    keep: Callable[[Record], bool],
    summary: Callable[[Record], dict[str, Any]] | None = None,
) -> Response:
    with ledger.lock:
        records = queries.select(table, request, listing, keep)
        page = queries.page_of(request)
        if page is None:
            if summary is not None:
                return wire.ok(plural, [summary(each) for each in records], ledger.now())
            return wire.ok(
                plural, _records_json(table, records, unit_places(request)), ledger.now()
            )
        shown, pagination = queries.paginate(records, page)
        array = _records_json(table, shown, unit_places(request))
        return wire.ok(plural, array, ledger.now(), {"pagination": pagination})


def _list_items(request: Request, ledger: Ledger) -> Response:
    places = unit_places(request)
    with ledger.lock:
        plain = request.param("where") is None and request.param("order") is None
        if plain and queries.modified_since(request) is None:
            if places == 4:
                return wire.ok("Items", ledger.items.all_json(), ledger.now())
            return wire.ok("Items", _records_json(ledger.items, ledger.items, places), ledger.now())
        records = queries.select(ledger.items, request, items.LISTING)
        return wire.ok("Items", _records_json(ledger.items, records, places), ledger.now())


def _list_reference(
    request: Request, ledger: Ledger, records: list[dict[str, Any]], listing: Listing, plural: str
) -> Response:
    with ledger.lock:
        selected = queries.select(list(records), request, listing)
        return wire.ok(plural, selected, ledger.now())


# resource -> (its table, the index of its other key, whether that key is folded, plural)
_TABLES: dict[str, tuple[Callable[[Ledger], Table], str, bool, str]] = {
    "contacts": (lambda ledger: ledger.contacts, "number", False, "Contacts"),
    "items": (lambda ledger: ledger.items, "code", True, "Items"),
    "invoices": (lambda ledger: ledger.invoices, "number", True, "Invoices"),
}


def read_one(ledger: Ledger, resource: str, record_id: str, places: int) -> Response:
    """``GET /{Resource}/{id}``: the record in an envelope, or 404."""
    if resource == "accounts":
        with ledger.lock:
            account = ledger.account_with_id(record_id)
        return wire.ok("Accounts", [account], ledger.now()) if account else wire.not_found()
    table_of, alternate, folded, plural = _TABLES[resource]
    with ledger.lock:
        table = table_of(ledger)
        record = _one(table, record_id, alternate, folded)
        if record is None:
            return wire.not_found()
        return wire.ok(plural, _records_json(table, [record], places), ledger.now())


# --- routing ------------------------------------------------------------------------------------

_LISTS: dict[str, Callable[[Request, Ledger], Response]] = {
    "contacts": _list_contacts,
    "items": _list_items,
    "invoices": _list_invoices,
    "accounts": lambda request, ledger: _list_reference(
        request, ledger, ledger.accounts, reference.ACCOUNTS, "Accounts"
    ),
    "taxrates": lambda request, ledger: _list_reference(
        request, ledger, ledger.tax_rates, reference.TAX_RATES, "TaxRates"
    ),
    "currencies": lambda request, ledger: _list_reference(
        request, ledger, ledger.currencies, reference.CURRENCIES, "Currencies"
    ),
    "organisation": lambda request, ledger: wire.ok(
        "Organisations", [ledger.organisation], ledger.now()
    ),
}


def handle(request: Request, ledger: Ledger) -> Response:
    """Answer one request under ``/api.xro/2.0`` for an organisation's ledger."""
    rest = request.path[len(PREFIX) :]
    parts = [unquote(part) for part in rest.strip("/").split("/")] if rest.strip("/") else []
    if not parts or len(parts) > 2:
        return wire.not_found()
    resource = parts[0].lower()
    record_id = parts[1] if len(parts) == 2 and parts[1] else None
    method = request.method.upper()
    try:
        if method == "GET" and record_id is None and resource in _LISTS:
            return _LISTS[resource](request, ledger)
        if method == "GET" and record_id is not None and resource in (*_TABLES, "accounts"):
            return read_one(ledger, resource, record_id, unit_places(request))
        if method in ("PUT", "POST") and resource in _WRITERS:
            if record_id is not None and (method == "PUT" or resource in _CREATE_ONLY):
                return wire.not_found()
            return write(request, ledger, resource, record_id)
    except WhereSyntaxError as error:
        return wire.query_parse_error(str(error))
    except WhereNullReference:
        # What Xero answers when a where clause calls a method on a field a record leaves empty.
        return wire.server_error(500)
    return wire.not_found()
