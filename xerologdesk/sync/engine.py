"""The sync of a batch of orders: find the customer, find the products, create the invoice.

One :meth:`SyncEngine.sync` call runs the three steps (docs/architecture.md) on many orders at
once: customers looked up together, the price list read once per run, missing records and
invoices created up to 50 per request. Auto Sync creates what is missing first; Retry creates
nothing; Dismiss (:func:`dismiss`) sends nothing. Every create goes through the outbox
(:mod:`xerologdesk.sync.outbox`), recorded before it is sent, so a lost answer is reconciled
(:meth:`SyncEngine.reconcile`) instead of sent twice; before an invoice is first sent, the guard
(:mod:`xerologdesk.sync.guard`) adopts one Xero already has. Outcomes are written through
:mod:`xerologdesk.sync.results`. Orders holding values Xero cannot take
(:mod:`xerologdesk.sync.checks`) fail before anything of them is sent. A user's customer links
and SKU mappings (:mod:`xerologdesk.store.links`) are read once per batch and come before every
look-up: a linked customer is its linked contact, a mapped SKU is sold as its mapped item code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, as_completed, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from xerologdesk.settings import Settings
from xerologdesk.store import book
from xerologdesk.store.book import LineData
from xerologdesk.store.claims import Claims
from xerologdesk.store.db import write_transaction
from xerologdesk.store.links import ItemMapping, links_for, mappings_for
from xerologdesk.store.vocabulary import Action as Action
from xerologdesk.store.vocabulary import OutboxKind
from xerologdesk.store.vocabulary import Status as Status
from xerologdesk.sync import outcomes
from xerologdesk.sync.checks import (
    created_name_problem,
    item_label,
    item_name,
    item_name_problem,
    order_problems,
)
from xerologdesk.sync.customers import CustomerKey, CustomerMatch, match_customers
from xerologdesk.sync.drafts import code_of, invoice_numbers, item_key, new_invoice, new_item
from xerologdesk.sync.guard import adopt_invoices_in_xero
from xerologdesk.sync.outbox import (
    CreationMark,
    Outbox,
    Senders,
    orders_awaiting_answer,
)
from xerologdesk.sync.outcomes import Reason
from xerologdesk.sync.results import BatchOrder, ResultWriter
from xerologdesk.sync.results import OrderResult as OrderResult
from xerologdesk.xero.errors import (
    AuthFailed,
    OutcomeUnknown,
    TransientError,
    XeroError,
)
from xerologdesk.xero.gateway import BATCH_SIZE, XeroGateway
from xerologdesk.xero.records import (
    Created,
    NewContact,
    NewItem,
    PostalAddress,
    XeroItem,
)

DISMISSED_UNANSWERED = (
    "Dismissed, but an earlier send of it still has no answer from Xero: the next sync asks "
    "Xero, and if Xero made the invoice the order shows Succeeded with it (never sent again)."
)
AWAITING_ANSWER = (
    "An earlier send of this order has no answer from Xero yet; asking Xero for that answer "
    "before anything is sent again"
)


# Which orders each action touches: a succeeded order is never sent again.
ELIGIBLE = {
    Action.SYNC: {Status.PENDING},
    Action.RETRY: {Status.PENDING, Status.FAILED, Status.DISMISSED},
    Action.AUTO_SYNC: {Status.PENDING, Status.FAILED, Status.DISMISSED},
}


@dataclass(frozen=True)
class Creating:
    """What an Auto Sync fixing one cause may create (``problems --fix ... --create``): the
    contacts of these customers (folded references), an archived contact's customer included,
    and the items of these SKUs (:func:`item_key`). Anything else missing stays a failure, so an
    order blocked by another cause keeps failing with that cause only. ``risky_names``: create
    them under names Auto Sync refuses (``unsafe_name``), which the user chose knowing it."""

    references: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()
    risky_names: bool = False

    @classmethod
    def contact_of(cls, reference: str) -> Creating:
        """Creating only the contact of the customer ``reference``."""
        return cls(references=frozenset({reference_key(reference)}))

    @classmethod
    def item_of(cls, sku: str) -> Creating:
        """Creating only the item of ``sku``."""
        return cls(skus=frozenset({item_key(sku)}))

    def customer(self, reference: str) -> bool:
        return reference_key(reference) in self.references

    def item(self, sku: str) -> bool:
        return item_key(sku) in self.skus


def reference_key(reference: str) -> str:
    """A customer reference as :class:`Creating` and the links (by ``casefold``) compare it."""
    return reference.strip().casefold()


@dataclass
class RunContext:
    """Lookups cached for one run (customers matched, the price list) and every result so far
    (kept also when :meth:`SyncEngine.sync` raises, so a run counts what was settled first).
    ``creating``: what Auto Sync may create in this run (None: whatever is missing);
    ``claims``: the run's claims (:mod:`xerologdesk.store.claims`), whose token names the
    outbox rows it opens and which keeps contacts and items from being created twice."""

    items: dict[str, XeroItem] | None = None
    creating: Creating | None = None
    claims: Claims = field(default_factory=Claims)
    items_mark: CreationMark | None = None  # the outbox when the price list was read (team)
    customers: dict[int, CustomerMatch] = field(default_factory=dict)  # matched, by customer id
    results: list[OrderResult] = field(default_factory=list)

    def price_list(self, gateway: XeroGateway) -> dict[str, XeroItem]:
        if self.items is None:
            self.items_mark = self.mark(OutboxKind.ITEM)
            self.items = {item_key(item.code): item for item in gateway.items()}
        return self.items

    def mark(self, kind: OutboxKind) -> CreationMark | None:
        """In team mode, where the outbox stands before records of ``kind`` are looked up:
        under the creating lock, they are looked up again only if another desktop may have
        created some since (else None: no other desktop creates in this log)."""
        return CreationMark.now(kind) if self.claims.shared else None

    def forget_price_list(self) -> None:
        """Read the price list again next time: an item whose answer was lost may exist now."""
        self.items = None


def utc_now() -> datetime:
    return datetime.now(UTC)


class SyncEngine:
    """Runs the sync steps and the resolve actions for orders in the order book."""

    def __init__(
        self,
        gateway: XeroGateway,
        settings: Settings,
        *,
        senders: Senders,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.gateway = gateway
        self.settings = settings
        self.senders = senders  # the threads invoice requests go out on
        self.now = now
        self.writer = ResultWriter(now)
        self.outbox = Outbox(gateway, self.writer, now)
        self._settings: dict[str, Any] = {}

    def _setting(self, key: str) -> Any:
        return self._settings[key] if key in self._settings else self.settings.get(key)

    # -- reconciling lost answers -------------------------------------------------------------

    def reconcile(self, run: RunContext | None = None) -> list[OrderResult]:
        """Settle every create whose answer was lost, before anything is sent again; the results
        (see :meth:`Outbox.reconcile`). Until it is settled, :meth:`sync` sends none of its
        orders under a new key.

        The results recorded before are added to ``run.results`` whatever ends the call, as
        :meth:`sync` does, so a run counts the orders settled first.
        """
        results: list[OrderResult] = []
        try:
            self.outbox.reconcile(results, run.claims if run is not None else Claims())
        finally:
            if run is not None:
                run.results.extend(results)
        return results

    # -- the sync ------------------------------------------------------------------------------

    def sync(
        self, order_ids: Iterable[int], action: Action, run: RunContext | None = None
    ) -> list[OrderResult]:
        """Run ``action`` on the orders (those it applies to); their results.

        Transient trouble and a dead connection are raised after the orders not yet settled
        are left *Pending* with the error noted. So is an order whose earlier send is still
        unanswered (left open by :meth:`reconcile`): it waits for that answer, never sent twice.
        """
        run = run or RunContext()
        self._settings = self.settings.all()  # one read per batch, not one per invoice line
        loaded = book.load_orders(list(order_ids))
        batch = [BatchOrder(order) for order in loaded if order.status in ELIGIBLE[action]]
        results: list[OrderResult] = []
        if not batch:
            return results
        awaiting = book.invoice_refs_awaiting_answer()
        intents = _intents(batch, action)
        try:
            for intent in dict.fromkeys(intents.values()):
                ready = [
                    o for o in batch if intents[o.data.id] is intent and o.data.ref not in awaiting
                ]
                self._sync(ready, intent, run, results)
            if any(order.data.ref in awaiting for order in batch):
                raise OutcomeUnknown(AWAITING_ANSWER)
        except (TransientError, AuthFailed) as error:
            for order in batch:
                if not order.done:
                    results.append(self.writer.leave_pending(order, intents[order.data.id], error))
            self.writer.flush()
            raise
        finally:
            run.results.extend(results)
        return results

    def _sync(
        self, batch: list[BatchOrder], action: Action, run: RunContext, results: list[OrderResult]
    ) -> None:
        for order in batch:
            problems = order_problems(order.data)
            if problems:
                order.reasons.append(outcomes.order_invalid(problems))
                results.append(self.writer.finish(order, action, Status.FAILED))
        self.writer.flush()
        batch = [order for order in batch if not order.done]
        if not batch:
            return  # nothing that can be sent: not even a lookup
        contacts_mark = run.mark(OutboxKind.CONTACT)
        matches = self._match_customers(batch, run)
        mapped = _mappings(batch)
        _read_products(batch, run.price_list(self.gateway), mapped)
        if action is Action.AUTO_SYNC:
            self._check_settings(batch, run.creating)
        create_customers = action is Action.AUTO_SYNC or (
            action is Action.SYNC and self._setting("auto_create_customers")
        )
        if create_customers:
            self._create_contacts(batch, matches, run, contacts_mark)
            run.customers.update((key, match) for key, match in matches.items() if match.contact)
        if action is Action.AUTO_SYNC:
            self._create_items(batch, mapped, run)
        items = run.price_list(self.gateway)  # with what was created (or read again) since
        for order in batch:
            match = matches[order.data.customer.id]
            order.trace["customer"] = {
                "steps": match.trace,
                "matched": _contact_brief(match),
                "how": match.how,
            }
            if match.contact is not None:
                order.contact_id = match.contact.contact_id
            elif match.reason is not None and not _has(order, outcomes.Code.SETTINGS_INCOMPLETE):
                order.reasons.insert(0, match.reason)
            if order.missing_skus and not _has(order, outcomes.Code.SETTINGS_INCOMPLETE):
                order.reasons.extend(outcomes.product_not_found(sku) for sku in order.missing_skus)
            order.reasons.extend(
                outcomes.mapped_item_missing(mapping)
                for mapping in _mapped_missing(order, items, mapped)
            )
        for order in batch:
            if order.reasons:
                results.append(self.writer.finish(order, action, Status.FAILED))
        self.writer.flush()
        ready = adopt_invoices_in_xero(
            self.gateway, self.writer, [order for order in batch if not order.done], action
        )
        results.extend(ready.adopted)
        self._create_invoices(ready.to_send, action, items, run, results)

    # -- step 1: customers --------------------------------------------------------------------

    def _match_customers(
        self, batch: list[BatchOrder], run: RunContext
    ) -> dict[int, CustomerMatch]:
        """Step 1 for the batch; a customer already matched earlier in the run is not asked
        about again."""
        # Stripped: Xero ignores surrounding spaces, and a where clause must not carry them.
        unmatched = [order for order in batch if order.data.customer.id not in run.customers]
        linked = links_for(order.data.customer.reference.strip() for order in unmatched)
        keys = {
            order.data.customer.id: CustomerKey(
                order.data.customer.id,
                order.data.customer.reference.strip(),
                order.data.customer.name.strip(),
                order.data.customer.xero_contact_id or None,
                linked.get(reference_key(order.data.customer.reference)),
            )
            for order in unmatched
        }
        matches = match_customers(self.gateway, list(keys.values()))
        links = {
            customer_id: match.contact.contact_id if match.contact is not None else None
            for customer_id, match in matches.items()
            if (match.contact.contact_id if match.contact is not None else None)
            != keys[customer_id].remembered_contact_id
        }
        with write_transaction():
            book.link_contacts(links, self.now())
        run.customers.update(
            (customer_id, match) for customer_id, match in matches.items() if match.contact
        )
        return {
            order.data.customer.id: run.customers.get(order.data.customer.id)
            or matches[order.data.customer.id]
            for order in batch
        }

    def _create_contacts(
        self,
        batch: list[BatchOrder],
        matches: dict[int, CustomerMatch],
        run: RunContext,
        mark: CreationMark | None,
    ) -> None:
        """Create the contacts of the customers not found (those Auto Sync may create), one
        run at a time across the desktops sharing the log: in team mode, those still missing
        are looked up again first when another desktop may have created contacts since they
        were looked up (``mark``)."""
        wanted = self._wanted_contacts(batch, matches, run.creating)
        if not wanted:
            return
        with run.claims.creating(OutboxKind.CONTACT):
            if mark is not None and mark.passed_by(run.claims.token):
                again = [order for order in batch if order.data.customer.id in wanted]
                matches.update(self._match_customers(again, run))
                wanted = self._wanted_contacts(batch, matches, run.creating)
            self._send_contacts(wanted, matches, run)

    def _wanted_contacts(
        self,
        batch: list[BatchOrder],
        matches: dict[int, CustomerMatch],
        creating: Creating | None,
    ) -> dict[int, NewContact]:
        """The contacts to create, by customer id (a name Auto Sync refuses is said on the
        customer's match instead)."""
        wanted: dict[int, NewContact] = {}
        for order in batch:
            customer = order.data.customer
            match = matches[customer.id]
            if _may_create(match, customer.reference, creating) and not _has(
                order, outcomes.Code.SETTINGS_INCOMPLETE
            ):
                refused = _refused_name(creating, "the customer name", customer.name)
                if refused is not None:
                    # Said instead of "not found", for every order of the customer.
                    match.reason = outcomes.unsafe_name(
                        OutboxKind.CONTACT, customer.reference.strip(), customer.name, refused
                    )
                    continue
                wanted[customer.id] = NewContact(
                    name=customer.name.strip(),
                    account_number=_new_account_number(match, customer.reference),
                    email=customer.email.strip(),
                    address=PostalAddress(
                        customer.street.strip(),
                        customer.city.strip(),
                        customer.region.strip(),
                        customer.postcode.strip(),
                        customer.country.strip(),
                    ),
                )
        return wanted

    def _send_contacts(
        self, wanted: dict[int, NewContact], matches: dict[int, CustomerMatch], run: RunContext
    ) -> None:
        """Create the wanted contacts (through the outbox) and link their customers to them."""
        # Xero answers each contact under its account number, or its name without one.
        by_reference = {
            new.account_number or new.name: customer_id for customer_id, new in wanted.items()
        }
        links: dict[int, str | None] = {}
        send = self.gateway.create_contacts
        new = list(wanted.values())
        for created in self.outbox.create(OutboxKind.CONTACT, new, send, run.claims.token):
            customer_id = by_reference[created.key]
            match = matches[customer_id]
            if created.ok and created.record is not None:
                match.contact, match.reason, match.how = created.record, None, "created"  # type: ignore[assignment]
                links[customer_id] = created.record.contact_id  # type: ignore[union-attr]
            else:
                match.reason = outcomes.xero_rejected(
                    OutboxKind.CONTACT, created.messages, created.key
                )
        book.link_contacts(links, self.now())

    # -- step 2: products ---------------------------------------------------------------------

    def _check_settings(self, batch: list[BatchOrder], creating: Creating | None) -> None:
        """Auto Sync fails an order before creating anything when a setting it needs is unset."""
        needs: dict[str, Callable[[LineData], bool]] = {
            "default_sales_account": lambda line: True,
            "default_tax_rate": lambda line: line.taxable,
            "default_non_taxable_tax_rate": lambda line: not line.taxable,
        }
        for order in batch:
            missing_lines = [
                line
                for line in order.data.lines
                if line.sku in set(order.missing_skus) and _may_create_item(creating, line.sku)
            ]
            unset = [
                self.settings.declaration(key).label
                for key, applies in needs.items()
                if not self._setting(key) and any(applies(line) for line in missing_lines)
            ]
            if unset:
                order.reasons.append(outcomes.settings_incomplete(unset))

    def _create_items(
        self, batch: list[BatchOrder], mapped: dict[str, ItemMapping], run: RunContext
    ) -> None:
        """Create the items of the SKUs not found (those Auto Sync may create), one run at a
        time across the desktops sharing the log: in team mode the price list is read again
        first when another desktop may have created items since it was read."""
        if not any(order.missing_skus for order in batch):
            return
        with run.claims.creating(OutboxKind.ITEM):
            mark = run.items_mark
            if mark is not None and mark.passed_by(run.claims.token):
                run.forget_price_list()
                _read_products(batch, run.price_list(self.gateway), mapped)
            self._create_missing_items(batch, run)

    def _create_missing_items(self, batch: list[BatchOrder], run: RunContext) -> None:
        wanted: dict[str, NewItem] = {}
        unnamed: dict[str, str] = {}  # SKU key -> why Xero cannot take its name
        unsafe: dict[str, Reason] = {}  # SKU key -> why Auto Sync does not create it so named
        for order in batch:
            if _has(order, outcomes.Code.SETTINGS_INCOMPLETE):
                continue
            for line in order.data.lines:
                key = item_key(line.sku)
                seen = key in wanted or key in unnamed or key in unsafe
                if line.sku not in order.missing_skus or seen:
                    continue
                if not _may_create_item(run.creating, line.sku):
                    continue
                problem = item_name_problem(line)
                refused = _refused_name(run.creating, item_label(line.sku), item_name(line))
                if problem is not None:
                    unnamed[key] = problem
                elif refused is not None:
                    unsafe[key] = outcomes.unsafe_name(
                        OutboxKind.ITEM, line.sku.strip(), item_name(line), refused
                    )
                else:
                    wanted[key] = new_item(self._setting, line)
        for order in batch:
            keys = [item_key(sku) for sku in order.missing_skus]
            problems = [unnamed[key] for key in keys if key in unnamed]
            if problems:
                order.reasons.append(outcomes.order_invalid(problems))
            order.reasons.extend(unsafe[key] for key in dict.fromkeys(keys) if key in unsafe)
        send = self.gateway.create_items
        new = list(wanted.values())
        created_items = self.outbox.create(OutboxKind.ITEM, new, send, run.claims.token)
        rejected: dict[str, Reason] = {}
        for created in created_items:
            if created.ok and isinstance(created.record, XeroItem):
                run.price_list(self.gateway)[item_key(created.record.code)] = created.record
            else:
                rejected[item_key(created.key)] = outcomes.xero_rejected(
                    OutboxKind.ITEM, created.messages, created.key
                )
        for order in batch:
            if _has(order, outcomes.Code.SETTINGS_INCOMPLETE):
                continue
            order.reasons.extend(
                rejected[item_key(sku)] for sku in order.missing_skus if item_key(sku) in rejected
            )
            # Created ones are no longer missing; a rejected one is explained by its own reason.
            # Those a fix may not create stay missing (product_not_found).
            order.missing_skus = [
                sku for sku in order.missing_skus if not _may_create_item(run.creating, sku)
            ]

    # -- step 3: invoices ---------------------------------------------------------------------

    def _create_invoices(
        self,
        ready: list[BatchOrder],
        action: Action,
        items: dict[str, XeroItem],
        run: RunContext,
        results: list[OrderResult],
    ) -> None:
        """Create the invoices of every ready order, 50 to a request, a few requests in flight.

        Outbox rows are written and answers recorded on this thread (one writer); only the
        HTTP exchanges run on the senders' threads, so Xero works on one batch while we build
        the next. Answers are recorded as they arrive: a request waiting on the rate budget
        holds up neither the others' answers nor the orders they settle. Every answered batch
        is recorded before the first trouble, if any, is raised.
        """
        chunks = [ready[start : start + BATCH_SIZE] for start in range(0, len(ready), BATCH_SIZE)]
        numbers = invoice_numbers(self._setting, ready)
        trouble: XeroError | None = None
        sent: dict[Future[list[Created]], tuple[list[BatchOrder], int]] = {}
        try:
            for chunk in chunks:
                invoices = [
                    new_invoice(self._setting, order, items, numbers.get(order.data.id, ""))
                    for order in chunk
                ]
                refs = [invoice.reference for invoice in invoices]
                row, key = self.outbox.open(OutboxKind.INVOICE, refs, run.claims.token, invoices)
                sent[self.senders.submit(self.gateway.create_invoices, invoices, key)] = chunk, row
            for future in as_completed(sent):
                chunk, row = sent[future]
                try:
                    created = future.result()
                except XeroError as error:
                    self.outbox.failed(row, error)
                    if error.transient or isinstance(error, AuthFailed):
                        trouble = trouble or error
                    else:
                        self.writer.refused(chunk, action, error, results)
                    continue
                self.outbox.done(row, created, self.writer.settler(chunk, action, results))
        finally:
            wait(sent)  # no request outlives the call, even when writing its outbox row failed
        if trouble is not None:
            raise trouble


@dataclass(frozen=True)
class Dismissal:
    """What Dismiss did: the orders it dismissed, and those of them whose earlier send still
    has no answer from Xero (reconciling goes on for them: see :func:`dismiss`)."""

    changed: list[int]
    unanswered: list[int]


def dismiss(order_ids: Sequence[int], reason: str, at: datetime) -> Dismissal:
    """Dismiss failed or pending orders (:data:`DISMISSABLE`); nothing is sent to Xero.

    Safe for an order in flight: a send already made stays in the outbox, so the next reconcile
    still asks Xero for its answer and, if Xero made the invoice, the order becomes *Succeeded*
    with it (never sent again, never lost). A sync under way that settles it records its
    outcome over the dismissal, for the same reason. Undo Dismiss puts it back to *Pending*.
    """
    changed = book.dismiss(order_ids, reason, at)
    awaiting = set(orders_awaiting_answer().values())
    return Dismissal(changed, [order_id for order_id in changed if order_id in awaiting])


def _intents(batch: Sequence[BatchOrder], action: Action) -> dict[int, Action]:
    """What each order gets, by order id: a plain sync carries out the Auto Sync or Retry a
    Pending order was left waiting for (stopped by transient trouble); the others get
    ``action``."""
    return {
        order.data.id: Action(order.data.pending_action)
        if action is Action.SYNC and order.data.pending_action
        else action
        for order in batch
    }


def _mappings(batch: Sequence[BatchOrder]) -> dict[str, ItemMapping]:
    """The user's mappings of the batch's SKUs, by :func:`item_key` of the SKU (one read)."""
    skus = {line.sku.strip() for order in batch for line in order.data.lines}
    return {item_key(each.sku): each for each in mappings_for(skus).values()}


def _read_products(
    batch: Sequence[BatchOrder], items: dict[str, XeroItem], mapped: dict[str, ItemMapping]
) -> None:
    """Step 2's look-up for each order, from the price list ``items``: the item codes its SKUs
    are mapped to, the SKUs no item has, and what the details show of each line."""
    for order in batch:
        order.item_codes = {
            item_key(line.sku): mapped[item_key(line.sku)].item_code
            for line in order.data.lines
            if item_key(line.sku) in mapped
        }
        order.missing_skus = _missing_skus(order, items)
        order.trace["products"] = [_product_trace(order, line, items) for line in order.data.lines]


def _missing_skus(order: BatchOrder, items: dict[str, XeroItem]) -> list[str]:
    """The SKUs of unmapped lines that no Xero item has (what Auto Sync may create)."""
    missing: dict[str, str] = {}
    for line in order.data.lines:
        if item_key(line.sku) not in order.item_codes and item_key(line.sku) not in items:
            missing.setdefault(item_key(line.sku), line.sku)
    return list(missing.values())


def _mapped_missing(
    order: BatchOrder, items: dict[str, XeroItem], mapped: dict[str, ItemMapping]
) -> list[ItemMapping]:
    """The mappings of the order's lines whose item code no Xero item has (never created: the
    mapping names the item, and making it is the user's call)."""
    keys = dict.fromkeys(
        item_key(line.sku)
        for line in order.data.lines
        if item_key(line.sku) in order.item_codes and item_key(code_of(order, line)) not in items
    )
    return [mapped[key] for key in keys]


def _product_trace(order: BatchOrder, line: LineData, items: dict[str, XeroItem]) -> dict[str, str]:
    """What the details show of a line's product: its SKU, the code found (or ""), and the code
    the user mapped it to, if any."""
    code = code_of(order, line)
    step = {"sku": line.sku, "found": (items.get(item_key(code)) or XeroItem("", "")).code}
    if item_key(line.sku) in order.item_codes:
        step["mapped_to"] = code
    return step


def _may_create(match: CustomerMatch, reference: str, creating: Creating | None) -> bool:
    """Whether Auto Sync creates a contact for the customer: when none was found; when fixing
    its cause, also beside the archived contact Xero keeps (never for a link: that decides)."""
    if creating is None:
        return match.missing
    if not creating.customer(reference) or match.contact is not None or match.reason is None:
        return False
    archived = match.reason.code is outcomes.Code.CUSTOMER_ARCHIVED
    return match.missing or (archived and "link" not in match.reason.details)


def _refused_name(creating: Creating | None, label: str, name: str) -> str | None:
    """Why Auto Sync does not create a contact or item named ``name``, or None (always None
    when the user asked to create it anyway)."""
    if creating is not None and creating.risky_names:
        return None
    return created_name_problem(label, name)


def _may_create_item(creating: Creating | None, sku: str) -> bool:
    """Whether Auto Sync creates the item of a missing ``sku``: always, unless fixing one
    cause that is not this SKU."""
    return creating is None or creating.item(sku)


def _new_account_number(match: CustomerMatch, reference: str) -> str:
    """The reference, as the new contact's account number, unless an archived contact holds it
    (Xero keeps account numbers unique across archived contacts too): then none, and the
    customer stays tied to its new contact by the ContactID remembered after the create."""
    reference = reference.strip()
    held = match.reason.details.get("contacts", []) if match.reason is not None else []
    if any(
        each.get("account_number", "").strip().casefold() == reference.casefold() for each in held
    ):
        return ""
    return reference


def _has(order: BatchOrder, code: outcomes.Code) -> bool:
    return any(reason.code is code for reason in order.reasons)


def _contact_brief(match: CustomerMatch) -> dict[str, str] | None:
    if match.contact is None:
        return None
    return {
        "contact_id": match.contact.contact_id,
        "name": match.contact.name,
        "account_number": match.contact.account_number,
    }
