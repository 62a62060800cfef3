"""Fixing a problems group once: every failed order one cause blocks, re-synced in one run.

``problems --fix GROUP --create | --retry`` and the window's problems view both go through
:func:`plan_fix` then :func:`run_fix`. *Create* is an Auto Sync that creates only the group's
subject (its customer's contact, or its SKU's item: :class:`~xerologdesk.sync.engine.Creating`);
*Retry* creates nothing (after a link, a mapping, or a fix made in Xero). Either way an order
blocked by another cause as well stays failed, with that cause only. Creating for an
``unsafe_name`` cause creates the contact or item under the name Auto Sync refused: asking for it
is the explicit act, and the plan's warnings say the risk first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xerologdesk.store.links import remove_link
from xerologdesk.store.problems import (
    BY_CUSTOMER_REFERENCE,
    FIXES,
    Fix,
    group_order_ids,
    group_reason_details,
    split_key,
)
from xerologdesk.store.vocabulary import Action, OutboxKind, ReasonCode
from xerologdesk.sync.checks import name_risk
from xerologdesk.sync.drafts import item_key
from xerologdesk.sync.engine import Creating, reference_key
from xerologdesk.sync.runner import Progress, RunSummary, SyncRunner


class NotFixable(ValueError):
    """The group is not there, or the fix asked is not one of its fixes; the message says so."""


@dataclass(frozen=True)
class FixPlan:
    """The run that fixes a group: its orders, the action, and what it may create."""

    code: str
    subject: str
    order_ids: tuple[int, ...]
    action: Action
    creating: Creating | None = None
    warnings: tuple[str, ...] = ()  # the risks of what it creates, said before it runs

    @property
    def key(self) -> str:
        return f"{self.code}:{self.subject}"


def plan_fix(key: str, fix: Fix) -> FixPlan:
    """The run fixing the group named ``key`` (``code:subject``) by ``fix`` (create or retry);
    :class:`NotFixable` when there is no such group or the fix is not one of its own."""
    code, subject = split_key(key)
    order_ids = tuple(group_order_ids(code, subject))
    if not order_ids:
        raise NotFixable(f"No failed orders are blocked by {key!r} (see xerologdesk problems).")
    if fix is Fix.RETRY:
        return FixPlan(code, subject, order_ids, Action.RETRY)
    if fix is not Fix.CREATE or Fix.CREATE not in FIXES.get(code, ()):
        offered = ", ".join(FIXES.get(code, ())) or "none"
        raise NotFixable(f"{key!r} cannot be fixed by {fix}; its fixes: {offered} (or retry).")
    if code == ReasonCode.UNSAFE_NAME:
        return _risky_plan(subject, order_ids)
    if code in BY_CUSTOMER_REFERENCE:
        creating = Creating.contact_of(subject)
    else:
        creating = Creating.item_of(subject)
    return FixPlan(code, subject, order_ids, Action.AUTO_SYNC, creating)


def _risky_plan(subject: str, order_ids: tuple[int, ...]) -> FixPlan:
    """Creating what an ``unsafe_name`` cause is about (a customer reference and a SKU may be
    spelt alike: the refusals say which it is) under its name, with a warning for each name."""
    references: set[str] = set()
    skus: set[str] = set()
    warnings: list[str] = []
    for details in group_reason_details(ReasonCode.UNSAFE_NAME, subject):
        name = str(details.get("name", "")).strip()
        if details.get("what") == OutboxKind.CONTACT:
            references.add(reference_key(subject))
            made = f"The contact of customer \u201c{subject}\u201d"
        else:
            skus.add(item_key(subject))
            made = f"The item of SKU \u201c{subject}\u201d"
        risk = name_risk(name)
        if risk is not None:
            warnings.append(f"{made} will be named \u201c{name}\u201d: it {risk}.")
    creating = Creating(frozenset(references), frozenset(skus), risky_names=True)
    code = ReasonCode.UNSAFE_NAME
    return FixPlan(code, subject, order_ids, Action.AUTO_SYNC, creating, tuple(warnings))


def run_fix(
    runner: SyncRunner, plan: FixPlan, progress: Callable[[Progress], None] | None = None
) -> RunSummary:
    """Re-sync the group's orders in one run. Creating for a customer whose linked contact is
    gone from Xero drops that link first: the link decides alone, so it would fail again."""
    if plan.action is Action.AUTO_SYNC and plan.code == ReasonCode.LINKED_CONTACT_MISSING:
        remove_link(plan.subject)
    return runner.resolve(plan.order_ids, plan.action, progress, plan.creating)
