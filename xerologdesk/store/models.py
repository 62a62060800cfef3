"""The order book's tables as peewee models, bound to the database through :data:`database`.

Customers, products, orders and their lines come from imported files; the log holds one entry
per order (its sync status, structured reasons and the Xero invoice) with the columns the log
table shows copied onto it, so a million-row log pages, filters and sorts from one table with
indexes. A user's links (customer to Xero contact) and SKU mappings (SKU to Xero item code)
have tables of their own. The schema itself (tables, indexes, triggers) is created by the
migrations in :mod:`xerologdesk.store.db`; these classes only read and write it.
"""

from __future__ import annotations

import peewee

from xerologdesk.store.fields import FixedDecimalField, JsonField, UtcDateTimeField
from xerologdesk.store.vocabulary import OutboxState, Status

# Bound by store.db.open_database or open_server; the models never know which file or server.
database = peewee.DatabaseProxy()


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Customer(BaseModel):
    id = peewee.AutoField()
    reference = peewee.TextField(unique=True)
    name = peewee.TextField()
    email = peewee.TextField(default="")
    street = peewee.TextField(default="")
    city = peewee.TextField(default="")
    region = peewee.TextField(default="")
    postcode = peewee.TextField(default="")
    country = peewee.TextField(default="")
    # The remembered link to a Xero contact (its ContactID), tried first on the next sync.
    xero_contact_id = peewee.TextField(null=True)
    contact_linked_at = UtcDateTimeField(null=True)


class Product(BaseModel):
    id = peewee.AutoField()
    sku = peewee.TextField(unique=True)
    name = peewee.TextField(default="")
    description = peewee.TextField(default="")
    price = FixedDecimalField(min_places=2)
    taxable = peewee.BooleanField(default=True)
    stock_on_hand = FixedDecimalField(null=True)
    stock_updated_at = UtcDateTimeField(null=True)


class Order(BaseModel):
    id = peewee.AutoField()
    ref = peewee.TextField(unique=True)
    customer = peewee.ForeignKeyField(Customer, backref="orders")
    posted_date = peewee.DateField()
    currency = peewee.TextField()
    # sha256 of the order as imported: a re-import with the same hash is skipped.
    content_hash = peewee.TextField()
    imported_at = UtcDateTimeField()
    source = peewee.TextField(default="")

    class Meta:
        table_name = "sales_order"


class OrderLine(BaseModel):
    id = peewee.AutoField()
    order = peewee.ForeignKeyField(Order, backref="lines", on_delete="CASCADE")
    line_no = peewee.IntegerField()
    product = peewee.ForeignKeyField(Product)
    quantity = FixedDecimalField()
    unit_price = FixedDecimalField(min_places=2)


class LogEntry(BaseModel):
    """One per order: where its sync stands, and the log table's columns."""

    order = peewee.ForeignKeyField(
        Order, primary_key=True, backref="log_entry", on_delete="CASCADE"
    )
    status = peewee.TextField(default=Status.PENDING.value)
    reasons = JsonField(default=list)  # [{"code", "message", "details"}]
    trace = JsonField(null=True)  # what the matching looked up and found
    note = peewee.TextField(null=True)  # the last transient trouble, e.g. a 503
    xero_invoice_id = peewee.TextField(null=True)
    xero_invoice_number = peewee.TextField(null=True)
    attempts = peewee.IntegerField(default=0)
    last_attempt_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    dismissed_reason = peewee.TextField(null=True)
    dismissed_at = UtcDateTimeField(null=True)
    previous_status = peewee.TextField(null=True)  # what Undo Dismiss goes back to
    # What a Pending order waits to have done ("auto_sync", "retry"; None: a plain sync):
    # an Auto Sync stopped by transient trouble is carried out by the next sync.
    pending_action = peewee.TextField(null=True)
    # Copies of the order's columns, so the log pages from this table alone.
    order_ref = peewee.TextField()
    posted_date = peewee.DateField()
    customer_name = peewee.TextField()
    customer_reference = peewee.TextField()
    currency = peewee.TextField()
    total = FixedDecimalField(min_places=2)
    reason_summary = peewee.TextField(default="")
    # What the last refresh from Xero saw of the invoice (None: not seen yet); see sync.refresh.
    xero_status = peewee.TextField(null=True)
    xero_amount_due = FixedDecimalField(min_places=2, null=True)
    xero_seen_at = UtcDateTimeField(null=True)
    # The invoice was voided or deleted in Xero and the order is kept as it is (Accept).
    xero_accepted = peewee.BooleanField(default=False)


class Attempt(BaseModel):
    """One sync, retry, dismiss or undo of an order: the history under the log entry."""

    id = peewee.AutoField()
    order = peewee.ForeignKeyField(Order, backref="attempts", on_delete="CASCADE")
    at = UtcDateTimeField()
    action = peewee.TextField()
    outcome = peewee.TextField()  # the status after it
    messages = JsonField(default=list)
    reasons = JsonField(default=list)
    done_by = peewee.TextField(default="")  # user@machine (store.actor), "" before v8


class XeroInvoiceSeen(BaseModel):
    """A change of an order's invoice seen by a refresh from Xero: its history there."""

    id = peewee.AutoField()
    order = peewee.ForeignKeyField(Order, backref="invoice_history", on_delete="CASCADE")
    invoice_id = peewee.TextField()
    invoice_number = peewee.TextField(null=True)
    status = peewee.TextField()
    amount_due = FixedDecimalField(min_places=2, null=True)
    seen_at = UtcDateTimeField()


class XeroRefresh(BaseModel):
    """Where a refresh of one resource of one organisation stands: Xero's time when it last
    asked, the next refresh's If-Modified-Since."""

    tenant_id = peewee.TextField()
    resource = peewee.TextField()
    since = UtcDateTimeField()

    class Meta:
        primary_key = peewee.CompositeKey("tenant_id", "resource")


class Setting(BaseModel):
    key = peewee.TextField(primary_key=True)
    value = peewee.TextField()


class Connection(BaseModel):
    """The connected organisation (one row at most). Tokens never live here: see xero.auth."""

    id = peewee.AutoField()
    kind = peewee.TextField()  # "sandbox" or "xero"
    base_url = peewee.TextField(default="")
    tenant_id = peewee.TextField()
    tenant_name = peewee.TextField(default="")
    connection_id = peewee.TextField(default="")
    client_id = peewee.TextField(default="")
    connected_at = UtcDateTimeField()
    last_refreshed_at = UtcDateTimeField(null=True)


class Outbox(BaseModel):
    """A create sent (or about to be sent) to Xero, written before it is sent."""

    id = peewee.AutoField()
    kind = peewee.TextField()
    idempotency_key = peewee.TextField(unique=True)
    natural_key = peewee.TextField(default="")  # AccountNumber, item Code or invoice Reference
    order = peewee.ForeignKeyField(Order, null=True, on_delete="SET NULL")
    payload = JsonField()
    state = peewee.TextField(default=OutboxState.PENDING.value)
    created_at = UtcDateTimeField()
    sent_at = UtcDateTimeField(null=True)
    finished_at = UtcDateTimeField(null=True)
    xero_id = peewee.TextField(null=True)
    response = JsonField(null=True)


class CustomerLink(BaseModel):
    """A customer (by reference) a user linked to a Xero contact: tried before any look-up."""

    reference = peewee.TextField(primary_key=True)
    contact_id = peewee.TextField()
    contact_name = peewee.TextField(default="")  # as Xero named it when linked
    linked_at = UtcDateTimeField()
    linked_by = peewee.TextField(default="")  # user@machine


class SkuMapping(BaseModel):
    """A SKU a user mapped to a Xero item code: invoice lines carry that code."""

    sku = peewee.TextField(primary_key=True)
    item_code = peewee.TextField()
    mapped_at = UtcDateTimeField()
    mapped_by = peewee.TextField(default="")  # user@machine


class StatusCount(BaseModel):
    """Orders per log status, kept by triggers so counting never scans the log."""

    status = peewee.TextField(primary_key=True)
    count = peewee.IntegerField(default=0)


class FailureCause(BaseModel):
    """One cause (a reason's code and subject) of one *Failed* order, kept by triggers on
    ``log_entry`` (see :mod:`xerologdesk.store.problems`): the problems worklist's rows."""

    order_id = peewee.IntegerField()
    code = peewee.TextField()
    subject = peewee.TextField()
    posted_date = peewee.DateField()
    order_ref = peewee.TextField()

    class Meta:
        primary_key = peewee.CompositeKey("order_id", "code", "subject")
        without_rowid = True


class FailureGroup(BaseModel):
    """How many *Failed* orders a cause blocks, kept by triggers on ``failure_cause``."""

    code = peewee.TextField()
    subject = peewee.TextField()
    orders = peewee.IntegerField()

    class Meta:
        primary_key = peewee.CompositeKey("code", "subject")
        without_rowid = True


MODELS: tuple[type[BaseModel], ...] = (
    Customer,
    Product,
    Order,
    OrderLine,
    LogEntry,
    Attempt,
    XeroInvoiceSeen,
    XeroRefresh,
    Setting,
    Connection,
    Outbox,
    CustomerLink,
    SkuMapping,
    StatusCount,
    FailureCause,
    FailureGroup,
)
