"""The words the database stores for an order's sync, as enums: the one list of them.

Order statuses, attempt actions, the actions a Pending order waits for, outbox kinds and
outbox states, the codes of the reasons an order failed, plus the groups the store and the ui
ask about (what Dismiss takes, which sends are unfinished). Every member is a ``str`` equal to
the word in the database, so a member compares and stores exactly like the bare word it
replaces. Qt-free and importing nothing of the app, so every layer may use it.
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
    """What an attempt row records (``attempt.action``): the sync actions and dismissal."""

    SYNC = "sync"
    AUTO_SYNC = "auto_sync"
    RETRY = "retry"
    DISMISS = "dismiss"
    UNDO_DISMISS = "undo_dismiss"


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


class ReasonCode(StrEnum):
    """Why an order failed: the ``code`` of each reason in ``log_entry.reasons`` (the messages
    and details that go with them are made by ``sync.outcomes``)."""

    CUSTOMER_NOT_FOUND = "customer_not_found"
    CUSTOMER_AMBIGUOUS = "customer_ambiguous"
    CUSTOMER_ARCHIVED = "customer_archived"
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
