"""What the engine checks in an order before any of it goes to Xero.

The importer refuses these values already, but an order book written by an older version (or
edited by hand) may still hold them, and Xero would either refuse them after a create or, worse,
store something other than what was sent (trimmed, cut short), so that the order could not be
found again. Each rule is the importer's (:func:`xerologdesk.store.values.check_text`: Xero's
length limits counted in UTF-16 units, no control characters), applied to what the engine sends:

- the order reference must be exactly what Xero stores (no surrounding spaces), since a lost
  answer is settled by finding the invoice by it;
- the customer reference (AccountNumber, at most 50), the customer name (at most 255) and every
  SKU (at most 30); surrounding spaces are ignored, as Xero ignores them;
- for Auto Sync, the name of an item it is about to create (at most 50);
- for Auto Sync, the name of a contact or item it is about to create must not start like a
  spreadsheet formula (``=``, ``+``, ``-``, ``@``) or hold an invisible character (zero-width
  spaces, direction marks): Xero would store it as written, and its own exports would then
  run it as a formula, or show two "different" contacts that look the same. Only a user
  creating it explicitly from the problems worklist gets past this one (warned of the risk).
"""

from __future__ import annotations

import unicodedata

from xerologdesk.store.book import LineData, OrderData
from xerologdesk.store.values import MAX_LENGTHS, Invalid, check_text, shown

SHOWN_CHARS = 40
# What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@")


def order_problems(order: OrderData) -> list[str]:
    """Why ``order`` cannot be sent as it is, one clause each; empty when it can."""
    problems: list[str] = []
    if order.ref != order.ref.strip():
        problems.append(f"the order reference {_quoted(order.ref)} starts or ends with spaces")
    _check(problems, "the order reference", order.ref, "order_ref")
    _check(problems, "the customer reference", order.customer.reference, "customer_reference")
    _check(problems, "the customer name", order.customer.name, "customer_name")
    for sku in dict.fromkeys(line.sku for line in order.lines):
        _check(problems, "the SKU", sku, "sku")
    return problems


def item_name(line: LineData) -> str:
    """The name an item created for ``line`` gets: the product's name, else its SKU."""
    return (line.name or line.sku).strip()


def item_label(sku: str) -> str:
    """How a reason names the item created for ``sku`` by its name."""
    return f"product {_quoted(sku)}'s name"


def item_name_problem(line: LineData) -> str | None:
    """Why Xero cannot take ``line``'s item name (too long, control characters), or None."""
    problems: list[str] = []
    _check(problems, item_label(line.sku), item_name(line), "product_name")
    return problems[0] if problems else None


def name_risk(name: str) -> str | None:
    """Why a contact or item named ``name`` would be risky in Xero, or None: it starts like a
    spreadsheet formula, or holds invisible characters."""
    text = name.strip()
    if text.startswith(FORMULA_STARTS):
        return (
            f"starts with \u201c{text[0]}\u201d, which a spreadsheet opening Xero's exports "
            "would run as a formula"
        )
    invisible = sorted({f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) == "Cf"})
    if invisible:
        return (
            f"holds invisible characters ({', '.join(invisible)}), which would make it look "
            "like another name in Xero"
        )
    return None


def created_name_problem(label: str, name: str) -> str | None:
    """Why Auto Sync must not create a contact or item named ``name`` in Xero, or None."""
    risk = name_risk(name)
    return f"{label} {_quoted(name)} {risk}, so it is not created" if risk else None


def _quoted(value: str) -> str:
    """``value`` quoted for a reason: stripped, as Xero strips it, and shorter than the
    importer quotes values (a reason is read in the log's table)."""
    return shown(value.strip(), SHOWN_CHARS)


def _check(problems: list[str], label: str, value: str, field: str) -> None:
    """Add why ``value`` can't go to Xero (the label shows it, so each SKU is told apart)."""
    try:
        check_text(f"{label} {_quoted(value)}", value, required=True, max_length=MAX_LENGTHS[field])
    except Invalid as problem:
        problems.append(str(problem))
