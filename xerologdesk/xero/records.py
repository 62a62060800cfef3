"""Plain values the gateway hands to the sync engine, and reads from it.

Nothing here knows Xero's JSON; :mod:`xerologdesk.xero.wire` converts. Money and quantities are
``Decimal``; dates are ``datetime.date``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar


@dataclass(frozen=True)
class XeroContact:
    contact_id: str
    name: str
    account_number: str = ""
    email: str = ""
    status: str = "ACTIVE"

    @property
    def archived(self) -> bool:
        return self.status == "ARCHIVED"


@dataclass(frozen=True)
class XeroItem:
    item_id: str
    code: str
    name: str = ""
    description: str = ""
    quantity_on_hand: Decimal | None = None
    is_tracked: bool = False


@dataclass(frozen=True)
class XeroInvoice:
    invoice_id: str
    invoice_number: str
    reference: str
    status: str
    contact_id: str = ""
    total: Decimal | None = None
    currency: str = ""
    amount_due: Decimal | None = None

    @property
    def voided_or_deleted(self) -> bool:
        """No longer stands for its order: never adopted as the order's invoice."""
        return self.status in ("VOIDED", "DELETED")


R = TypeVar("R", XeroInvoice, XeroItem)


@dataclass(frozen=True)
class Changed(Generic[R]):
    """What a list asked with ``If-Modified-Since`` answered: the records created or changed
    since, and Xero's own time when it was asked (the next ask's ``If-Modified-Since``, so the
    clocks of this computer and Xero's never need to agree)."""

    records: list[R]
    asked_at: datetime.datetime
    calls: int  # the calls it took (one per page)


@dataclass(frozen=True)
class XeroAccount:
    code: str
    name: str
    type: str
    status: str = "ACTIVE"

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"

    @property
    def takes_sales(self) -> bool:
        """Of a type that can carry sales (Xero's REVENUE class)."""
        return self.type in ("REVENUE", "SALES", "OTHERINCOME")


@dataclass(frozen=True)
class XeroTaxRate:
    tax_type: str
    name: str
    rate: Decimal
    status: str = "ACTIVE"

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class XeroOrganisation:
    name: str
    base_currency: str
    organisation_id: str = ""
    short_code: str = ""


@dataclass(frozen=True)
class XeroConnection:
    connection_id: str
    tenant_id: str
    tenant_name: str
    tenant_type: str = "ORGANISATION"


@dataclass(frozen=True)
class PostalAddress:
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""

    def is_empty(self) -> bool:
        return not any((self.street, self.city, self.region, self.postcode, self.country))


@dataclass(frozen=True)
class NewContact:
    name: str
    account_number: str
    email: str = ""
    address: PostalAddress = field(default_factory=PostalAddress)


@dataclass(frozen=True)
class NewItem:
    code: str
    name: str
    description: str
    unit_price: Decimal
    account_code: str
    tax_type: str


@dataclass(frozen=True)
class NewLine:
    item_code: str
    description: str
    quantity: Decimal
    unit_amount: Decimal
    tax_type: str
    account_code: str = ""


@dataclass(frozen=True)
class NewInvoice:
    reference: str
    contact_id: str
    date: date
    currency: str
    status: str
    lines: tuple[NewLine, ...]
    invoice_number: str = ""
    # None: Xero's payment terms give it. (Spelled in full: the field ``date`` hides the type.)
    due_date: datetime.date | None = None


@dataclass(frozen=True)
class Created:
    """One element of a batch create: what Xero made of it, matched to what we sent by ``key``.

    ``key`` is the Reference (or InvoiceNumber), AccountNumber or item Code we sent. ``record`` is
    the created contact, item or invoice when ``ok``; ``messages`` are Xero's validation errors
    (or warnings when ``ok``), word for word.
    """

    key: str
    ok: bool
    record: XeroContact | XeroItem | XeroInvoice | None = None
    messages: tuple[str, ...] = ()
