"""What Auto Sync will create in Xero for a set of orders, worked out before it acts.

Read from what the last sync stored (failures are data: which customer, which SKUs), so showing
the plan costs no call to Xero. Orders never synced yet are looked up first when Auto Sync runs;
the plan says so rather than guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from xerologdesk.settings import Settings
from xerologdesk.store import book, queries
from xerologdesk.store.book import OrderData
from xerologdesk.store.queries import LogRow
from xerologdesk.store.vocabulary import OutboxKind, Status
from xerologdesk.ui.wording import counted

# Orders Auto Sync and Retry act on (as the engine's ELIGIBLE says); succeeded ones are left.
RESOLVABLE: tuple[Status, ...] = (Status.PENDING, Status.FAILED, Status.DISMISSED)
# Failures Auto Sync cannot fix by creating something: they need a decision in Xero.
NEEDS_XERO = {
    "customer_ambiguous": "more than one Xero contact matches; fix it in Xero, then Retry",
    "customer_archived": "its Xero contact is archived; restore it in Xero, then Retry",
}


@dataclass(frozen=True)
class NewContactPlan:
    reference: str
    name: str


@dataclass(frozen=True)
class NewItemPlan:
    sku: str
    name: str
    price: Decimal
    taxable: bool


@dataclass(frozen=True)
class AutoSyncPlan:
    contacts: tuple[NewContactPlan, ...]
    items: tuple[NewItemPlan, ...]
    invoices: int  # orders Auto Sync expects to send
    not_synced_yet: int  # of which never looked up: anything missing is created too
    left_alone: tuple[str, ...]  # refs already in Xero
    blocked: tuple[str, ...]  # "ORD-1: why Auto Sync cannot fix it"
    resent: tuple[str, ...]  # "ORD-2: what Xero said": invoices Xero refused, sent unchanged
    missing_settings: tuple[str, ...]  # labels of settings Auto Sync needs and lacks
    dismissed: tuple[str, ...] = ()  # refs taken off the problems: sent only once the user agrees

    def settings_warning(self) -> str:
        """What must be set before Auto Sync can create items ("" when nothing)."""
        if not self.missing_settings:
            return ""
        return (
            "Set first in Settings (items cannot be created without them): "
            + ", ".join(self.missing_settings)
            + "."
        )

    def describe(self, *, with_settings: bool = True) -> str:
        """The plan in plain words, one point a line."""
        lines: list[str] = []
        if self.dismissed:
            lines.append(
                "Dismissed, brought back and sent only if you agree when asked: "
                f"{', '.join(self.dismissed)}."
            )
        if self.contacts:
            lines.append(counted("Create %n contact(s) in Xero:", len(self.contacts)))
            lines.extend(
                f"  \u2022 \u201c{c.name}\u201d, account number \u201c{c.reference}\u201d"
                for c in self.contacts
            )
        if self.items:
            lines.append(counted("Create %n item(s) in Xero:", len(self.items)))
            lines.extend(
                f"  \u2022 {i.sku} \u201c{i.name or i.sku}\u201d at {i.price:,.2f}"
                + ("" if i.taxable else " (not taxable)")
                for i in self.items
            )
        if self.not_synced_yet:
            lines.append(
                counted(
                    "Look up %n order(s) not synced yet, creating what is missing in Xero.",
                    self.not_synced_yet,
                )
            )
        if self.invoices and lines:
            lines.append(counted("Then create %n invoice(s).", self.invoices))
        elif self.invoices:  # nothing to create first: "Then" would follow nothing
            lines.append(counted("Create %n invoice(s) in Xero.", self.invoices))
        else:
            lines.append("Nothing to send: no selected order is waiting for Xero.")
        if self.resent:
            lines.append(
                "Sent again unchanged (Xero refused the invoice; fix the cause in Xero first):"
            )
            lines.extend(f"  \u2022 {line}" for line in self.resent)
        if self.blocked:
            lines.append("Auto Sync cannot fix:")
            lines.extend(f"  \u2022 {line}" for line in self.blocked)
        if self.left_alone:
            lines.append(f"Already in Xero, left alone: {', '.join(self.left_alone)}.")
        if with_settings and self.missing_settings:
            lines.append(self.settings_warning())
        return "\n".join(lines)


def plan_auto_sync(
    rows: Sequence[LogRow], orders: Sequence[OrderData], settings: Settings
) -> AutoSyncPlan:
    """The plan for these log rows (their orders give the products' names, prices, taxes)."""
    by_id = {order.id: order for order in orders}
    contacts: dict[str, NewContactPlan] = {}
    items: dict[str, NewItemPlan] = {}
    invoices = not_synced = 0
    left_alone: list[str] = []
    blocked: list[str] = []
    resent: list[str] = []
    dismissed: list[str] = []
    for row in rows:
        if row.status not in RESOLVABLE:
            left_alone.append(row.order_ref)
            continue
        if row.status == Status.DISMISSED:
            dismissed.append(row.order_ref)
        invoices += 1
        codes = [str(reason.get("code", "")) for reason in row.reasons or []]
        if not codes and row.attempts == 0:
            not_synced += 1
        order = by_id.get(row.id)
        for reason in row.reasons or []:
            code = str(reason.get("code", ""))
            details = reason.get("details") or {}
            if code == "customer_not_found":
                reference = str(details.get("reference", row.customer_reference))
                contacts.setdefault(
                    reference.casefold(),
                    NewContactPlan(reference, str(details.get("name", row.customer_name))),
                )
            elif code == "product_not_found" and order is not None:
                sku = str(details.get("sku", ""))
                line = next((line for line in order.lines if line.sku == sku), None)
                if line is not None:
                    items.setdefault(
                        sku.casefold(),
                        NewItemPlan(sku, line.name, line.product_price, line.taxable),
                    )
            elif code in NEEDS_XERO:
                blocked.append(f"{row.order_ref}: {NEEDS_XERO[code]}")
                invoices -= 1  # it will fail again the same way
            elif code == "xero_rejected" and details.get("what") == OutboxKind.INVOICE:
                said = " ".join(str(m) for m in details.get("messages") or []) or "no reason given"
                resent.append(f"{row.order_ref}: Xero said \u201c{said}\u201d")
    return AutoSyncPlan(
        contacts=tuple(contacts.values()),
        items=tuple(items.values()),
        invoices=invoices,
        not_synced_yet=not_synced,
        left_alone=tuple(left_alone),
        blocked=tuple(blocked),
        resent=tuple(resent),
        missing_settings=tuple(_missing_settings(list(items.values()), not_synced, settings)),
        dismissed=tuple(sorted(dismissed)),
    )


def _missing_settings(items: list[NewItemPlan], not_synced: int, settings: Settings) -> list[str]:
    """The settings creating these items needs and lacks (as the engine checks them)."""
    if not items and not not_synced:
        return []
    needs = {"default_sales_account": True}
    if not_synced:
        # Which products are missing is only known once looked up: all three may be needed.
        needs.update(default_tax_rate=True, default_non_taxable_tax_rate=True)
    else:
        needs["default_tax_rate"] = any(item.taxable for item in items)
        needs["default_non_taxable_tax_rate"] = any(not item.taxable for item in items)
    return [
        settings.declaration(key).label
        for key, needed in needs.items()
        if needed and not settings.get(key)
    ]


def load_plan(order_ids: Sequence[int], settings: Settings) -> AutoSyncPlan:
    """Read the orders and work out the plan (reads only: fine on the GUI thread)."""
    rows = queries.log_rows(order_ids)
    ordered = [rows[order_id] for order_id in order_ids if order_id in rows]
    return plan_auto_sync(ordered, book.load_orders(list(order_ids)), settings)
