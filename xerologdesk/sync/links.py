"""Fixing a cause once: link a customer to a Xero contact, map a SKU to a Xero item code.

The command line and the window call the same functions. Each checks what it is given against
Xero first and changes nothing when it is refused (:class:`Refused`, a message for the user);
none of them re-syncs an order: retrying the orders a link or mapping unblocks is a separate
step. Links and mappings are kept by :mod:`xerologdesk.store.links` and used by every later
sync before any look-up (:mod:`xerologdesk.sync.customers`, :mod:`xerologdesk.sync.engine`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xerologdesk.settings import Settings
from xerologdesk.store import links
from xerologdesk.store.actor import who
from xerologdesk.store.book import utc_now
from xerologdesk.store.links import ContactLink, ItemMapping
from xerologdesk.sync.outcomes import quoted
from xerologdesk.xero.errors import XeroError
from xerologdesk.xero.filters import xero_fold
from xerologdesk.xero.gateway import XeroGateway
from xerologdesk.xero.records import XeroContact

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
MAPPING_HEADER = ("sku", "item_code")


class Refused(ValueError):
    """What a user asked cannot be done as asked; nothing was changed. The message says why."""


# -- customer links ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Linked:
    """A link made, and what became of the contact's account number (a sentence, or "")."""

    link: ContactLink
    contact: XeroContact
    account_number_note: str


def find_contact(gateway: XeroGateway, wanted: str) -> XeroContact:
    """The one active contact ``wanted`` names: a ContactID, or a contact name (compared as
    Xero compares names; an exact spelling wins over other foldings). Refused when none, only
    archived ones, or several do."""
    wanted = wanted.strip()
    if not wanted:
        raise Refused("Name a Xero contact: its ContactID or its exact name.")
    if _GUID.fullmatch(wanted):
        by_id = gateway.contacts_by_ids([wanted])
        found = [each for each in by_id if each.contact_id.lower() == wanted.lower()]
        if not found:
            raise Refused(f"Xero has no contact with the ContactID {wanted}.")
    else:
        found = gateway.contacts_matching("Name", [wanted])
        exact = [contact for contact in found if contact.name.strip() == wanted]
        found = exact or found
        if not found:
            raise Refused(f"Xero has no contact named {quoted(wanted)}.")
    active = [contact for contact in found if not contact.archived]
    if not active:
        raise Refused(
            f"The Xero contact {quoted(found[0].name)} is archived: a customer cannot be linked "
            "to it. Restore it in Xero first, or link another contact."
        )
    if len(active) > 1:
        listed = "; ".join(
            f"{quoted(each.name)} ({each.contact_id}, account number "
            f"{quoted(each.account_number) if each.account_number else 'none'})"
            for each in active
        )
        raise Refused(
            f"{len(active)} active Xero contacts are named {quoted(wanted)}: {listed}. Link by "
            "ContactID instead."
        )
    return active[0]


def link_customer(
    gateway: XeroGateway,
    settings: Settings,
    reference: str,
    contact: str,
    *,
    now: Callable[[], datetime] = utc_now,
) -> Linked:
    """Link the customer ``reference`` to the Xero contact ``contact`` (a ContactID or an exact
    name), replacing any earlier link. With the ``link_writes_account_number`` setting on, a
    contact without an account number is given the reference as one (Xero's refusal of that
    is said, and the link is kept: the link alone decides the next sync)."""
    reference = reference.strip()
    if not reference:
        raise Refused("Name the customer by its reference.")
    found = find_contact(gateway, contact)
    link = ContactLink(reference, found.contact_id, found.name, now(), who())
    links.save_link(link)
    return Linked(link, found, _write_account_number(gateway, settings, reference, found))


def _write_account_number(
    gateway: XeroGateway, settings: Settings, reference: str, contact: XeroContact
) -> str:
    if contact.account_number or not settings.get("link_writes_account_number"):
        return ""
    not_set = f"The contact's account number was not set to {quoted(reference)}"
    try:
        answer = gateway.set_account_number(contact.contact_id, reference)
    except XeroError as error:  # the link is saved: trouble here must not hide that
        return f"{not_set}: {error}. The link stands all the same."
    if answer.ok:
        return f"The contact's account number in Xero is now {quoted(reference)}."
    said = " ".join(answer.messages)
    return f"{not_set}: Xero said: {said} The link stands all the same."


def unlink_customer(reference: str) -> ContactLink:
    """Remove a customer's link (the next sync looks it up by account number, then name)."""
    removed = links.remove_link(reference.strip())
    if removed is None:
        raise Refused(f"Customer {quoted(reference.strip())} is not linked to a Xero contact.")
    return removed


# -- SKU mappings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapped:
    """Mappings saved (``new``) and those asked that were already there as asked (``same``)."""

    new: list[ItemMapping]
    same: list[ItemMapping]


@dataclass(frozen=True)
class _Wanted:
    sku: str
    code: str
    where: str  # "" on the command line, "line N" in a file


def map_sku(
    gateway: XeroGateway, sku: str, item_code: str, *, now: Callable[[], datetime] = utc_now
) -> Mapped:
    """Map ``sku`` to the Xero item ``item_code``; refused when Xero has no item with that code
    or the SKU is mapped to another code already (unmap it first)."""
    return _map(gateway, [_Wanted(sku.strip(), item_code.strip(), "")], now)


def import_mappings(
    gateway: XeroGateway, path: Path, *, now: Callable[[], datetime] = utc_now
) -> Mapped:
    """Map every SKU of a two-column CSV file (header ``sku,item_code``), all or none: any
    problem, each named by its line, refuses the whole file."""
    return _map(gateway, read_mapping_file(path), now)


def read_mapping_file(path: Path) -> list[_Wanted]:
    """The rows of a mapping file; :class:`Refused` naming every bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise Refused(f"{path}: cannot be read: {error}") from error
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = tuple(cell.strip().lower() for cell in rows[0]) if rows else ()
    if header != MAPPING_HEADER:
        raise Refused(f"{path}: line 1: the header must be {','.join(MAPPING_HEADER)}")
    wanted: list[_Wanted] = []
    problems: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue  # a blank line
        if len(cells) != 2 or not all(cells):
            problems.append(f"line {number}: expected a SKU and an item code, got {row!r}")
            continue
        wanted.append(_Wanted(cells[0], cells[1], f"line {number}"))
    if not wanted and not problems:
        raise Refused(f"{path}: no mappings in it")
    if problems:
        raise Refused(_problems(path, problems))
    return wanted


def _map(gateway: XeroGateway, wanted: Sequence[_Wanted], now: Callable[[], datetime]) -> Mapped:
    if any(not each.sku or not each.code for each in wanted):
        raise Refused("Give a SKU and a Xero item code.")
    items = {xero_fold(item.code): item for item in gateway.items()}
    existing = links.mappings_for(each.sku for each in wanted)
    problems: list[str] = []
    seen: dict[str, _Wanted] = {}
    new: dict[str, ItemMapping] = {}
    same: list[ItemMapping] = []
    at, by = now(), who()
    for each in wanted:
        prefix = f"{each.where}: " if each.where else ""
        item = items.get(xero_fold(each.code))
        earlier, before = seen.get(each.sku.casefold()), existing.get(each.sku.casefold())
        if item is None:
            problems.append(f"{prefix}Xero has no item with the code {quoted(each.code)}")
        elif earlier is not None and xero_fold(earlier.code) != xero_fold(each.code):
            problems.append(
                f"{prefix}SKU {quoted(each.sku)} is mapped to {quoted(earlier.code)} on "
                f"{earlier.where} already"
            )
        elif before is not None and xero_fold(before.item_code) != xero_fold(item.code):
            problems.append(
                f"{prefix}SKU {quoted(before.sku)} is mapped to {quoted(before.item_code)} "
                f"already; unmap it first (xerologdesk unmap-sku {before.sku})"
            )
        elif before is not None:
            same.append(before)
        elif earlier is None:
            # Xero's spelling of the code: the invoice line carries it as Xero has it.
            new[each.sku.casefold()] = ItemMapping(each.sku, item.code, at, by)
        seen.setdefault(each.sku.casefold(), each)
    if problems:
        raise Refused(_problems(None, problems) if wanted[0].where else problems[0] + ".")
    links.save_mappings(list(new.values()))
    return Mapped(list(new.values()), same)


def _problems(path: Path | None, problems: Sequence[str]) -> str:
    where = f"{path}: " if path else ""
    return (
        f"{where}nothing was mapped ({len(problems)} problem"
        f"{'' if len(problems) == 1 else 's'}):\n" + "\n".join(problems)
    )


def unmap_sku(sku: str) -> ItemMapping:
    """Remove a SKU's mapping (the next sync looks for an item whose code is the SKU)."""
    removed = links.remove_mapping(sku.strip())
    if removed is None:
        raise Refused(f"SKU {quoted(sku.strip())} is not mapped.")
    return removed
