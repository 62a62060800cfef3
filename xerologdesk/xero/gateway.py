"""The few operations the sync engine needs from Xero, as plain values in and out.

Every lookup is batched (items once per run, contacts and invoices in chunked ``OR`` clauses),
every create is one request of up to 50 elements (and the one update, an AccountNumber given to
a contact a user linked, one of one) with ``summarizeErrors=false`` and an
``Idempotency-Key``, and each answered element is matched back by its key, never by position.
Every failure is raised as one of :mod:`xerologdesk.xero.errors`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from xero_python.exceptions import HTTPStatusException

from xerologdesk.xero import wire
from xerologdesk.xero.budget import CallBudget, Unlimited
from xerologdesk.xero.client import XeroClient
from xerologdesk.xero.errors import XeroError, classify
from xerologdesk.xero.filters import (
    contains_clause,
    equals_clause,
    fits_equals_clause,
    or_equals_chunks,
    search_text,
    unfolded_variant,
    xero_fold,
)
from xerologdesk.xero.records import (
    Changed,
    Created,
    NewContact,
    NewInvoice,
    NewItem,
    XeroAccount,
    XeroConnection,
    XeroContact,
    XeroInvoice,
    XeroItem,
    XeroOrganisation,
    XeroTaxRate,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 50  # Xero's practical ceiling for one request (docs/xero-behaviour.md)
PAGE_SIZE = 1000  # the largest page Xero serves for contacts and invoices
IDS_PER_REQUEST = 40
# Unit prices travel with 4 decimals (Xero rounds them to 2 unless asked): on item and invoice
# writes, and on the reads of items and invoices, so a price of 10.1234 stays 10.1234.
UNIT_DECIMALS = 4
SAMPLE_PAGE_SIZE = 100  # contacts read to learn how OR lists match
# Invoices changed since the last refresh, to a page: Xero's default page size.
REFRESH_PAGE_SIZE = 100


class XeroGateway:
    """One connected organisation, seen through xero-python."""

    def __init__(self, client: XeroClient, budget: CallBudget | None = None) -> None:
        self.client = client
        self.budget: CallBudget = budget or Unlimited()
        # Whether this organisation's OR lists match as its single terms do (case and accents
        # ignored), by field; learnt once (see _or_folds).
        self._or_folding: dict[str, bool] = {}

    # -- plumbing ---------------------------------------------------------------------------

    def _send(self, operation: Callable[..., Any], *args: Any, write: bool, **kwargs: Any) -> Any:
        """Run one SDK call, renewing the token once on 401; the answer as parsed JSON."""
        for attempt in (1, 2):
            with self.budget.slot():
                try:
                    response = self.client.call(operation, *args, _preload_content=False, **kwargs)
                except HTTPStatusException as error:
                    self.budget.observe(dict(getattr(error, "headers", None) or {}))
                    if attempt == 1 and _http_status(error) == 401:
                        # Nothing was done on a 401, so asking again is safe even for a PUT.
                        self.client.tokens.renew(self.client.access_token())
                        continue
                    raise classify(error, write=write) from error
                except XeroError:
                    raise
                except Exception as error:
                    raise classify(error, write=write) from error
            self.budget.observe(dict(response.headers))
            data = response.data
            response.release_conn()
            try:
                return json.loads(data.decode("utf-8"), parse_float=Decimal) if data else {}
            except ValueError as error:
                raise classify(error, write=write) from error
        raise AssertionError("unreachable")

    def _get(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._send(operation, self.client.tenant_id, *args, write=False, **kwargs)

    def _pages(
        self, operation: Callable[..., Any], plural: str, page_size: int, **kwargs: Any
    ) -> Iterator[Any]:
        """The answers of a paged list (contacts, invoices), page by page, until a short page or
        the last of Xero's ``pageCount``."""
        page = 1
        while True:
            body = self._get(operation, page=page, page_size=page_size, **kwargs)
            yield body
            short = len(body.get(plural) or []) < page_size
            pages = (body.get("pagination") or {}).get("pageCount")
            if short or (isinstance(pages, int) and page >= pages):
                return
            page += 1

    def _get_pages(self, operation: Callable[..., Any], plural: str, **kwargs: Any) -> list[Any]:
        """Every record of a paged list (contacts, invoices), 1,000 to a page."""
        bodies = self._pages(operation, plural, PAGE_SIZE, **kwargs)
        return [record for body in bodies for record in body.get(plural) or []]

    # -- organisation and reference data ---------------------------------------------------

    def organisation(self) -> XeroOrganisation:
        body = self._get(self.client.accounting.get_organisations)
        return wire.organisation((body.get("Organisations") or [{}])[0])

    def accounts(self) -> list[XeroAccount]:
        body = self._get(self.client.accounting.get_accounts)
        return [wire.account(each) for each in body.get("Accounts") or []]

    def tax_rates(self) -> list[XeroTaxRate]:
        body = self._get(self.client.accounting.get_tax_rates)
        return [wire.tax_rate(each) for each in body.get("TaxRates") or []]

    def currencies(self) -> list[str]:
        body = self._get(self.client.accounting.get_currencies)
        return [str(each.get("Code")) for each in body.get("Currencies") or []]

    def connections(self) -> list[XeroConnection]:
        body = self._send(self.client.identity.get_connections, write=False)
        return [wire.connection(each) for each in body or []]

    # -- lookups -----------------------------------------------------------------------------

    def items(self) -> list[XeroItem]:
        """The whole price list: Xero serves it unpaged, so one call per run."""
        body = self._get(self.client.accounting.get_items, unitdp=UNIT_DECIMALS)
        return [wire.item(each) for each in body.get("Items") or []]

    def contacts_by_ids(self, contact_ids: Iterable[str]) -> list[XeroContact]:
        """The contacts with these ContactIDs, archived ones included."""
        ids = list(dict.fromkeys(contact_ids))
        found: list[XeroContact] = []
        for start in range(0, len(ids), IDS_PER_REQUEST):
            body = self._get(
                self.client.accounting.get_contacts,
                i_ds=ids[start : start + IDS_PER_REQUEST],
                include_archived=True,
            )
            found.extend(wire.contact(each) for each in body.get("Contacts") or [])
        return found

    def all_contacts(self) -> list[XeroContact]:
        """Every contact of the organisation, archived included, page by page (1,000 to a
        page): read once for a picker, never once per key typed."""
        return [wire.contact(each) for each in self._contacts()]

    def contacts_matching(self, field: str, values: Iterable[str]) -> list[XeroContact]:
        """Contacts, archived included, whose ``field`` (AccountNumber or Name) equals a value.

        Compared as Xero compares (case- and accent-insensitively), here, on every answer.
        Values are asked up to 40 to an ``OR`` clause; Xero documents its folding only for
        single terms, so a value an ``OR`` batch did not answer is asked again on its own
        (:meth:`_contacts_equal`). Values that cannot go into a ``where`` clause (a quote, or too
        long for one URL) are found with ``searchTerm`` (names) or a guarded ``.Contains`` on a
        safe fragment, then compared exactly here; they can never change a clause's meaning.
        """
        if field not in ("AccountNumber", "Name"):
            raise ValueError(f"cannot look contacts up by {field}")
        wanted = list(dict.fromkeys(value for value in values if value.strip()))
        direct, others = _split_by_clause_fit(field, wanted)
        records: dict[str, dict[str, Any]] = {}
        for record in self._contacts_equal(field, direct):
            records[str(record.get("ContactID"))] = record
        for value in others:
            for record in self._contacts_containing(field, value):
                records[str(record.get("ContactID"))] = record
        keys = {xero_fold(value) for value in wanted}
        return [
            contact
            for contact in map(wire.contact, records.values())
            if xero_fold(getattr(contact, _ATTRIBUTE[field])) in keys
        ]

    def _contacts_equal(self, field: str, values: list[str]) -> list[dict[str, Any]]:
        """The contacts ``OR`` batches of ``Field=="v"`` find; and, when this organisation's
        ``OR`` lists are not known to fold case and accents (:meth:`_or_folds`), what a
        single-term look-up finds for each value its batch found no contact for."""
        found: list[dict[str, Any]] = []
        for clause, chunk in or_equals_chunks(field, values):
            batch = self._contacts(where=clause)
            found.extend(batch)
            answered = {xero_fold(str(record.get(field) or "")): record for record in batch}
            missed = [value for value in chunk if xero_fold(value) not in answered]
            if len(chunk) == 1 or not missed or self._or_folds(field, chunk, answered, missed):
                continue
            for value in missed:
                found.extend(self._contacts(where=equals_clause(field, value)))
        return found

    def _or_folds(
        self,
        field: str,
        chunk: list[str],
        answered: dict[str, dict[str, Any]],
        missed: list[str],
    ) -> bool:
        """Whether ``OR`` lists on ``field`` match case- and accent-insensitively here.

        Xero documents that only for single terms. Seen in an answer (a contact found by a term
        spelt otherwise), or asked once: the value of a contact found (or, when none was, of one
        of the organisation's contacts), spelt otherwise in case and accents, in an ``OR`` list
        with a missed one. Learnt once per field; not known: False, the safe answer. Costs one
        or two calls where a single-term look-up for every missed value could cost 40.
        """
        if field in self._or_folding:
            return self._or_folding[field]
        spelt = {xero_fold(value): value for value in chunk}
        found = [(spelt[key], record) for key, record in answered.items() if key in spelt]
        if any(str(record.get(field)).strip() != value.strip() for value, record in found):
            self._or_folding[field] = True
            return True
        samples = found or self._contacts_with(field)
        if not samples:
            return True  # no contact has the field: an OR list cannot miss one
        for value, record in samples:
            variant = unfolded_variant(value)
            if variant is None or not fits_equals_clause(field, variant):
                continue
            probes = list(or_equals_chunks(field, [variant, missed[0]]))
            if len(probes) != 1:
                continue  # the two together are too long for one URL
            ids = {str(each.get("ContactID")) for each in self._contacts(where=probes[0][0])}
            self._or_folding[field] = str(record.get("ContactID")) in ids
            return self._or_folding[field]
        return False

    def _contacts_with(self, field: str) -> list[tuple[str, dict[str, Any]]]:
        """Some contacts that have ``field`` set (one page of 100), with its value."""
        body = self._get(
            self.client.accounting.get_contacts,
            where=f"{field}!=null",
            page=1,
            page_size=SAMPLE_PAGE_SIZE,
            include_archived=True,
        )
        return [(str(each[field]), each) for each in body.get("Contacts") or [] if each.get(field)]

    def _contacts_containing(self, field: str, value: str) -> list[dict[str, Any]]:
        if field == "Name":
            # searchTerm is plain text, never parsed: any character is safe in it.
            return self._contacts(search_term=search_text(value))
        clause = contains_clause(field, value)
        return self._contacts(where=clause) if clause else self._contacts()

    def _contacts(self, **query: Any) -> list[dict[str, Any]]:
        return self._get_pages(
            self.client.accounting.get_contacts, "Contacts", include_archived=True, **query
        )

    def invoices_by_reference(self, references: Iterable[str]) -> list[XeroInvoice]:
        """Sales invoices whose Reference is one of ``references`` (to adopt, never re-create).

        Asked up to 40 to an ``OR`` clause, each batch within one URL; a Reference that cannot
        go into a clause (a quote, or too long) is found by ``searchTerm`` (a contains-search
        over InvoiceNumber and Reference) on as much of it as fits. Compared exactly here, so
        an ``OR`` batch that folds case or not answers the same.
        """
        wanted = list(dict.fromkeys(reference for reference in references if reference))
        direct, others = _split_by_clause_fit("Reference", wanted)
        records: dict[str, dict[str, Any]] = {}
        for clause, _chunk in or_equals_chunks("Reference", direct):
            for record in self._invoices(where=clause):
                records[str(record.get("InvoiceID"))] = record
        for value in others:
            for record in self._invoices(search_term=search_text(value)):
                records[str(record.get("InvoiceID"))] = record
        keys = set(wanted)
        return [
            invoice
            for invoice in map(wire.invoice, records.values())
            if invoice.reference in keys and records[invoice.invoice_id].get("Type") == "ACCREC"
        ]

    def _invoices(self, **query: Any) -> list[dict[str, Any]]:
        return self._get_pages(
            self.client.accounting.get_invoices, "Invoices", unitdp=UNIT_DECIMALS, **query
        )

    # -- what changed in Xero ------------------------------------------------------------------

    def invoices_changed_since(self, since: datetime | None) -> Changed[XeroInvoice]:
        """Sales invoices created or changed since ``since`` (every one without), any status.

        Asked with ``If-Modified-Since``, 100 to a page (a short page, or the last of Xero's
        ``pageCount``, ends it): what changed costs a call per 100, never one per invoice, and
        nothing changed costs one call. ``asked_at`` is Xero's time of the first page.
        """
        pages = self._pages(
            self.client.accounting.get_invoices,
            "Invoices",
            REFRESH_PAGE_SIZE,
            where='Type=="ACCREC"',
            **_since(since),
        )
        # Each page is made records as it comes: 10,000 invoices' answers held whole until the
        # last page (half a million objects) made the collector's passes, on whichever thread
        # allocated, hold up the window for 50-60 ms after a sync.
        records: list[XeroInvoice] = []
        asked_at: datetime | None = None
        calls = 0
        for body in pages:
            asked_at = asked_at or _asked_at(body)  # Xero's time of the first page
            calls += 1
            records.extend(wire.invoice(each) for each in body.get("Invoices") or [])
        return Changed(records, asked_at or datetime.now(UTC), calls)

    def items_changed_since(self, since: datetime | None) -> Changed[XeroItem]:
        """Items created or changed since ``since`` (every one without): one call, as items
        are not paged. A sale approved in Xero changes its tracked items' QuantityOnHand."""
        body = self._get(self.client.accounting.get_items, unitdp=UNIT_DECIMALS, **_since(since))
        return Changed([wire.item(each) for each in body.get("Items") or []], _asked_at(body), 1)

    # -- creates ---------------------------------------------------------------------------

    def create_contacts(self, new: Sequence[NewContact], idempotency_key: str) -> list[Created]:
        """Create up to 50 contacts in one PUT; each answer matched back by AccountNumber."""
        body = self._put(
            self.client.accounting.create_contacts, wire.contacts_body(list(new)), idempotency_key
        )
        return _match(
            body.get("Contacts") or [],
            [each.account_number or each.name for each in new],
            lambda record: str(record.get("AccountNumber") or record.get("Name") or ""),
            wire.contact,
        )

    def set_account_number(self, contact_id: str, account_number: str) -> Created:
        """Give an existing contact an AccountNumber (POST /Contacts with its ContactID), so
        Xero's own look-up by account number finds it; Xero's answer (refused: its words)."""
        body = self._put(
            self.client.accounting.update_or_create_contacts,
            wire.account_number_body(contact_id, account_number),
            str(uuid.uuid4()),  # an update, harmless to repeat: any fresh key does
        )
        return _match(
            body.get("Contacts") or [],
            [contact_id],
            lambda record: str(record.get("ContactID") or ""),
            wire.contact,
            fold=True,
        )[0]

    def create_items(self, new: Sequence[NewItem], idempotency_key: str) -> list[Created]:
        """Create up to 50 items in one PUT; each answer matched back by Code."""
        body = self._put(
            self.client.accounting.create_items,
            wire.items_body(list(new)),
            idempotency_key,
            unitdp=UNIT_DECIMALS,
        )
        return _match(
            body.get("Items") or [],
            [each.code for each in new],
            lambda record: str(record.get("Code") or ""),
            wire.item,
            fold=True,
        )

    def create_invoices(self, new: Sequence[NewInvoice], idempotency_key: str) -> list[Created]:
        """Create up to 50 invoices in one PUT; each answer matched back by its Reference.

        An invoice the SDK cannot even express (a currency code it doesn't know) is answered
        here as rejected, without holding back the others.
        """
        refused: dict[str, Created] = {}
        sendable: list[NewInvoice] = []
        for invoice in new:
            try:
                wire.currency_code(invoice.currency)
            except ValueError as error:
                refused[invoice.reference] = Created(invoice.reference, False, None, (str(error),))
            else:
                sendable.append(invoice)
        answered: dict[str, Created] = {}
        if sendable:
            body = self._put(
                self.client.accounting.create_invoices,
                wire.invoices_body(sendable),
                idempotency_key,
                unitdp=UNIT_DECIMALS,
            )
            results = _match(
                body.get("Invoices") or [],
                [each.reference for each in sendable],
                lambda record: str(record.get("Reference") or ""),
                wire.invoice,
            )
            answered = {result.key: result for result in results}
        return [refused.get(each.reference) or answered[each.reference] for each in new]

    def _put(
        self, operation: Callable[..., Any], payload: Any, idempotency_key: str, **extra: Any
    ) -> Any:
        if len(idempotency_key) > 128:
            raise ValueError("an Idempotency-Key is at most 128 characters")
        return self._send(
            operation,
            self.client.tenant_id,
            payload,
            write=True,
            summarize_errors=False,
            idempotency_key=idempotency_key,
            **extra,
        )


_ATTRIBUTE = {"AccountNumber": "account_number", "Name": "name"}


def _since(since: datetime | None) -> dict[str, Any]:
    # The SDK sends the header as the datetime's ISO text; Xero's precision is the second.
    return {} if since is None else {"if_modified_since": since}


def _asked_at(body: Any) -> datetime:
    """Xero's time of an answer (its envelope's ``DateTimeUTC``), else this computer's."""
    return wire.moment(body.get("DateTimeUTC")) or datetime.now(UTC)


def _http_status(error: HTTPStatusException) -> int:
    status = getattr(getattr(error, "http_resp", None), "status", None)
    return int(status) if isinstance(status, int) else int(getattr(error, "status", 0) or 0)


def _match(
    answered: list[dict[str, Any]],
    sent_keys: list[str],
    key_of: Callable[[dict[str, Any]], str],
    parse: Callable[[dict[str, Any]], Any],
    *,
    fold: bool = False,
) -> list[Created]:
    """Pair each element Xero answered with the one we sent, by key; a missing one is an error."""

    def norm(key: str) -> str:
        return xero_fold(key) if fold else key

    by_key: dict[str, dict[str, Any]] = {}
    for record in answered:
        by_key.setdefault(norm(key_of(record)), record)
    results: list[Created] = []
    for key in sent_keys:
        answer = by_key.get(norm(key))
        if answer is None:
            results.append(Created(key, False, None, ("Xero's answer did not include it",)))
        elif wire.element_failed(answer):
            results.append(Created(key, False, None, wire.element_messages(answer)))
        else:
            results.append(
                Created(key, True, parse(answer), wire.element_messages(answer, "Warnings"))
            )
    return results


def _split_by_clause_fit(field: str, values: list[str]) -> tuple[list[str], list[str]]:
    """The values that go into a ``where`` equals clause as they are, and those that cannot (a
    quote, or too long for one URL), each in the order given."""
    fits = [fits_equals_clause(field, value) for value in values]
    return (
        [value for value, ok in zip(values, fits, strict=True) if ok],
        [value for value, ok in zip(values, fits, strict=True) if not ok],
    )
