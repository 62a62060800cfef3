"""The words the database stores for an order's sync, as enums: the one list of them.

Order statuses, attempt actions, the actions a Pending order waits for, outbox kinds and
outbox states, the codes of the reasons an order failed, an invoice's status in Xero and what a
refresh asks for, plus the groups the store and the ui ask about (what Dismiss takes, which
sends are unfinished, which invoices are dead). Every member is a ``str`` equal to the word in
the database, so a member compares and stores exactly like the bare word it replaces. Qt-free
and importing nothing of the app, so every layer may use it.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """An order's sync status (``log_entry.status``, ``attempt.outcome``)."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DISMISSED = "dismissed"


class Action(StrEnum):
    """What a sync was asked to do (the engine's three steps)."""

    SYNC = "sync"
    AUTO_SYNC = "auto_sync"
    RETRY = "retry"


class AttemptAction(StrEnum):
    """What an attempt row records (``attempt.action``): the sync actions, dismissal and an
    import's replacement of the order's content."""

    SYNC = "sync"
    AUTO_SYNC = "auto_sync"
    RETRY = "retry"
    DISMISS = "dismiss"
    UNDO_DISMISS = "undo_dismiss"
    REPLACE = "replace"  # an import gave the order new content (it had no invoice in Xero)
    # An invoice voided or deleted in Xero: a new one asked for, or the order kept as it is.
    SEND_AGAIN = "send_again"
    ACCEPT = "accept"


class OutboxKind(StrEnum):
    """What an outbox row creates in Xero (``outbox.kind``)."""

    CONTACT = "contact"
    ITEM = "item"
    INVOICE = "invoice"


class OutboxState(StrEnum):
    """Where an outbox send stands (``outbox.state``)."""

    PENDING = "pending"
    SENT = "sent"
    DONE = "done"
    FAILED = "failed"
    UNKNOWN = "unknown"
    ABANDONED = "abandoned"


class XeroStatus(StrEnum):
    """An order's invoice's status in Xero as the last refresh saw it (``log_entry.xero_status``,
    ``xero_invoice_seen.status``): Xero's word, in lower case."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    AUTHORISED = "authorised"
    PAID = "paid"
    VOIDED = "voided"
    DELETED = "deleted"


class RefreshedResource(StrEnum):
    """What a refresh from Xero asks for what changed (``xero_refresh.resource``)."""

    INVOICES = "invoices"
    ITEMS = "items"


class ReasonCode(StrEnum):
    """Why an order failed: the ``code`` of each reason in ``log_entry.reasons`` (the messages
    and details that go with them are made by ``sync.outcomes``)."""

    CUSTOMER_NOT_FOUND = "customer_not_found"
    CUSTOMER_AMBIGUOUS = "customer_ambiguous"
    CUSTOMER_ARCHIVED = "customer_archived"
    LINKED_CONTACT_MISSING = "linked_contact_missing"
    PRODUCT_NOT_FOUND = "product_not_found"
    XERO_REJECTED = "xero_rejected"
    SETTINGS_INCOMPLETE = "settings_incomplete"
    NOT_CONNECTED = "not_connected"
    ORDER_INVALID = "order_invalid"


STATUSES: tuple[Status, ...] = tuple(Status)
ATTEMPT_ACTIONS: tuple[AttemptAction, ...] = tuple(AttemptAction)
# What Dismiss takes: a failed order, or a pending one a user gives up on (see sync.engine).
DISMISSABLE: tuple[Status, ...] = (Status.FAILED, Status.PENDING)
# The actions a Pending order can be left waiting for (see LogEntry.pending_action).
PENDING_ACTIONS: tuple[Action, ...] = (Action.AUTO_SYNC, Action.RETRY)
OUTBOX_KINDS: tuple[OutboxKind, ...] = tuple(OutboxKind)
OUTBOX_STATES: tuple[OutboxState, ...] = tuple(OutboxState)
# Sends whose answer is not known yet: reconciled against Xero before anything is sent again.
OUTBOX_UNFINISHED: tuple[OutboxState, ...] = (
    OutboxState.PENDING,
    OutboxState.SENT,
    OutboxState.UNKNOWN,
)
XERO_STATUSES: tuple[XeroStatus, ...] = tuple(XeroStatus)
# Invoices that no longer stand for their order: the order stands out until Send again or Accept.
XERO_DEAD: tuple[XeroStatus, ...] = (XeroStatus.VOIDED, XeroStatus.DELETED)
