"""An order's story in plain words for the details dialog: where it stands, why it failed, what
was looked up in Xero and what came back. Qt-free, built from what the log stored (failures are
data), so the details never ask Xero again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from xerologdesk.store.queries import AttemptRow, LogRow
from xerologdesk.store.vocabulary import AttemptAction, Status
from xerologdesk.sync.outcomes import linked_on
from xerologdesk.ui.log_model import format_local_time
from xerologdesk.ui.wording import counted

ACTION_NAMES: dict[str, str] = {
    AttemptAction.SYNC: "Sync",
    AttemptAction.AUTO_SYNC: "Auto Sync",
    AttemptAction.RETRY: "Retry",
    AttemptAction.DISMISS: "Dismiss",
    AttemptAction.UNDO_DISMISS: "Undo dismissal",
    AttemptAction.REPLACE: "Replaced by an import",
    AttemptAction.SEND_AGAIN: "Send again",
    AttemptAction.ACCEPT: "Accept",
}
# What each action did, as said of the person who did it: "Dismissed by alice@desk-2 at ...".
ACTION_DONE: dict[str, str] = {
    AttemptAction.SYNC: "Synced",
    AttemptAction.AUTO_SYNC: "Auto-synced",
    AttemptAction.RETRY: "Retried",
    AttemptAction.DISMISS: "Dismissed",
    AttemptAction.UNDO_DISMISS: "Put back",
    AttemptAction.REPLACE: "Replaced by an import",
    AttemptAction.SEND_AGAIN: "Sent again",
    AttemptAction.ACCEPT: "Accepted",
}
_BY_WORDS = {
    "Link": "the contact {linked} (ContactID {value})",
    "ContactID": "the contact remembered from the last sync (ContactID {value})",
    "AccountNumber": "a contact with account number \u201c{value}\u201d",
    "Name": "a contact named \u201c{value}\u201d",
}


def status_line(row: LogRow) -> str:
    """Where the order stands, in a sentence."""
    tried = counted("%n attempt(s)", row.attempts)
    last = format_local_time(row.last_attempt_at)
    if row.status == Status.SUCCEEDED:
        number = row.xero_invoice_number or "an invoice"
        return f"Succeeded: in Xero as {number} ({tried}, last {last})."
    if row.status == Status.FAILED:
        return f"Failed after {tried} (last {last}). Resolve it below."
    if row.status == Status.DISMISSED:
        when = format_local_time(row.dismissed_at)
        why = f": \u201c{row.dismissed_reason}\u201d" if row.dismissed_reason else ""
        return f"Dismissed on {when}{why}. Xero was left untouched; Undo puts it back."
    if row.note:
        return f"Pending: {row.note}"
    if row.attempts:
        return f"Pending: waiting for the next sync ({tried} so far)."
    return "Pending: not synced yet; it goes with the next sync."


def last_done_line(attempts: Sequence[AttemptRow]) -> str:
    """Who did the order's last action and when, e.g. "Dismissed by alice@desk-2 at
    2026-12-07 14:02." ("" when there is none, or it was made before who was kept)."""
    if not attempts or not attempts[-1].done_by:
        return ""
    last = attempts[-1]
    done = ACTION_DONE.get(last.action, last.action)
    return f"{done} by {last.done_by} at {format_local_time(last.at)}."


def failure_paragraphs(row: LogRow) -> list[str]:
    """Why it failed: each stored reason's message (they name the customer and the SKUs)."""
    return [str(reason.get("message", "")) for reason in row.reasons or [] if reason]


def _contact(found: Mapping[str, Any]) -> str:
    number = found.get("account_number") or "none"
    archived = " (archived)" if found.get("status") == "ARCHIVED" else ""
    return f"\u201c{found.get('name', '')}\u201d, account number {number}{archived}"


def linked_by_you(linked_at: str) -> str:
    """The words naming a user's link (:func:`~xerologdesk.sync.outcomes.linked_on`) from the
    link's time as the trace keeps it (ISO text)."""
    try:
        return linked_on(datetime.fromisoformat(linked_at))
    except ValueError:
        return linked_on(None)


def lookup_lines(trace: Mapping[str, Any] | None) -> list[str]:
    """What the sync searched Xero for and what Xero returned, a line each."""
    if not trace:
        return []
    lines: list[str] = []
    customer = trace.get("customer") or {}
    linked = ""
    for step in customer.get("steps", []):
        if step.get("by") == "Link":
            linked = linked_by_you(str(step.get("linked_at", "")))
        wanted = _BY_WORDS.get(str(step.get("by")), "{value}").format(
            value=step.get("value", ""), linked=linked
        )
        found: Sequence[Mapping[str, Any]] = step.get("found") or []
        if not found:
            lines.append(f"Looked for {wanted}: Xero found none.")
        else:
            listed = "; ".join(_contact(each) for each in found)
            lines.append(f"Looked for {wanted}: Xero found {listed}.")
    matched = customer.get("matched")
    if matched:
        how = customer.get("how") or "lookup"
        if how == "link":
            how = f"your link ({linked}; it comes before any look-up by account number or name)"
        lines.append(f"Customer matched by {how}: {_contact(matched)}.")
    elif customer:
        lines.append("No usable contact was found for the customer.")
    for product in trace.get("products", []):
        sku, code = product.get("sku", ""), product.get("found", "")
        if product.get("mapped_to"):
            mapped = f"Product {sku}: mapped by you to \u201c{product['mapped_to']}\u201d"
            outcome = "found in Xero" if code else "no item with this code in Xero"
            lines.append(f"{mapped}: {outcome}.")
        elif not code:
            lines.append(f"Product {sku}: no item with this code in Xero.")
        elif code == sku:
            lines.append(f"Product {sku}: found in Xero.")
        else:
            lines.append(f"Product {sku}: found in Xero as \u201c{code}\u201d.")
    return lines
