"""The organisations a sandbox starts with: ``empty``, ``demo`` and ``no-terms``.

All are Australian organisations in AUD (NZD and USD enabled too) with the same chart of accounts
and GST tax rates; ``empty`` has no contacts or items, and sales payment terms of 30 days after the
invoice date, as ``demo``; ``no-terms`` is ``empty`` without payment terms, so an approved invoice
without a DueDate is refused there, as Xero refuses it. Everything is deterministic: ids are UUIDv5
of the tenant and a natural key, timestamps fixed, so files written for the demo (the demo order
file) can rely on them.

Chart of accounts (codes usable on sales invoices are marked *): 090 and 091 bank accounts;
200 Sales*; 205 Sales - GST Free*; 260 Other Revenue*; 270 Interest Income*; 290 Old Wholesale
Sales (ARCHIVED); 310 Cost of Goods Sold; 400 Advertising; 404 Bank Fees; 429 General Expenses;
449 Motor Vehicle Expenses; 610 Accounts Receivable (system); 630 Inventory; 800 Accounts Payable
(system); 820 GST (system); 960 Retained Earnings (system); 970 Owner Funds Introduced.

Tax rates: OUTPUT "GST on Income" 10%; EXEMPTOUTPUT "GST Free Income" 0% (the non-taxable sales
rate); EXEMPTEXPORT "GST Free Exports" 0%; INPUT "GST on Expenses" 10%; EXEMPTEXPENSES "GST Free
Expenses" 0%; INPUTTAXED "Input Taxed" 0%; BASEXCLUDED "BAS Excluded" 0%; GSTONIMPORTS "GST on
Imports" 0%. Only OUTPUT, EXEMPTOUTPUT, EXEMPTEXPORT, INPUTTAXED and BASEXCLUDED apply to sales.

The ``demo`` organisation, "Harbourside Wholesale" (café supplies, Sydney):

Customers (AccountNumber is the customer reference an order file carries):

==========  ====================================  =========================================
AccountNo   Name                                  Note
==========  ====================================  =========================================
C-1001      Bondi Beans Café                      accented name
C-1002      Coogee Corner Store
C-1003      Manly Wharf Kiosk
C-1004      Newtown Noodle Bar
C-1005      Surry Hills Bakehouse
C-1006      Glebe Grocer
C-1007      Paddington Provisions
C-1008      Balmain Bistro
C-1009      Marrickville Markets Co-op
C-1010      Parramatta Pantry
C-1011      Smith's Deli                          differs from C-1012 only in punctuation
C-1012      Smiths Deli                           differs from C-1011 only in punctuation
C-1013      O'Connor Catering
C-1014      Darling Harbour Events Pty Ltd
C-1015      Ryde Retirement Village
C-1016      Chatswood Chai House
C-1017      Cronulla Surf Club
C-1018      Katoomba Mountain Lodge
C-1019      Bluegum Café                          ARCHIVED (lookups without includeArchived
                                                  miss it; its AccountNumber is still taken)
C-1020      BLUEGUM CAFE                          active; its name folds to the archived one's
C-1021      Auckland Artisan Roasters             DefaultCurrency NZD
C-1022      Café Marco                            both active: a lookup of either name finds
C-1023      Cafe Marco                            both (names differ only in an accent)
(none)      Walk-in Customer                      no AccountNumber
==========  ====================================  =========================================

Items (Code is the catalogue SKU; price ex GST; tax OUTPUT unless marked GST-free; account 200
for goods, 260 for services; "stock" = tracked, with QuantityOnHand):

- Coffee (GST-free, stock): BEAN-HOUSE-1KG 32.00, BEAN-DECAF-1KG 36.50, BEAN-SO-ETH-1KG 44.00,
  BEAN-SO-COL-1KG 41.00, BEAN-ESP-250G 11.50.
- Tea (GST-free, stock): TEA-ENG-500 18.00, TEA-EARL-500 19.50, TEA-GREEN-500 21.00,
  **tea-chai-500** 24.00 (the catalogue SKU is TEA-CHAI-500: the codes differ only in case),
  TEA-PEPP-250 12.00.
- Milk: MILK-FC-2L 3.20 (GST-free), MILK-OAT-1L 4.10, MILK-ALM-1L 4.30.
- Syrups and chocolate (stock): SYR-VAN-750 14.50, SYR-CAR-750 14.50, SYR-HAZ-750 14.50,
  CHOC-DRK-1KG 22.00.
- Packaging (stock): CUP-8OZ-1000 89.00, CUP-12OZ-1000 99.00, CUP-16OZ-500 62.00, LID-8OZ-1000
  45.00, LID-12OZ-1000 48.00, NAP-2PLY-2000 38.00, STIR-WOOD-1000 12.50, SUG-STICK-1000 27.00
  (GST-free), SWEET-STEVIA-500 31.00, BAG-KRAFT-500 54.00, TRAY-4CUP-300 66.00.
- Cleaning and equipment: CLEAN-DESC-1L 29.00, CLEAN-TAB-100 34.00, FILT-WATER 119.00 (stock),
  GRIND-BURR-64 145.00, JUG-600 24.50, TAMP-58 49.00, KNOCK-BOX 39.00, CLOTH-MF-10 15.00,
  APRON-DENIM 35.00, SIGN-AFRAME 189.00.
- Services (account 260, no stock): DELIV-METRO 15.00, SVC-MACHINE 150.00.

Not in Xero, for demos of a missing SKU: BEAN-SO-KEN-1KG (Kenya), CUP-4OZ-1000.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from xerologdesk.sandbox.clock import SandboxClock
from xerologdesk.sandbox.ledger import Ledger
from xerologdesk.sandbox.resources import contacts, items
from xerologdesk.sandbox.wire import ms_date, ordered

SEEDS = ("empty", "demo", "no-terms")
DEMO_NAME = "Harbourside Wholesale"
EMPTY_NAME = "Sandbox Organisation"
NO_TERMS_NAME = "No Terms Trading"
_NAMES = {"demo": DEMO_NAME, "empty": EMPTY_NAME, "no-terms": NO_TERMS_NAME}
_NAMESPACE = uuid.UUID("6f1c3a52-94b7-4c55-8d0e-2a3f7e9b1c40")
_CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def stable_id(*parts: str) -> str:
    """A UUIDv5 of the parts: the same every run."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def primary_tenant_id(seed: str) -> str:
    """The tenant id of a sandbox's first organisation (stable per seed, so state files match)."""
    return stable_id("tenant", seed)


def build(
    seed: str, clock: SandboxClock, *, tenant_id: str | None = None, name: str | None = None
) -> Ledger:
    """A fresh ledger for ``seed`` ("empty" or "demo"); ValueError for another name."""
    if seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}: choose one of {', '.join(SEEDS)}")
    tenant = tenant_id or primary_tenant_id(seed)
    org_name = name or _NAMES[seed]
    organisation = _organisation(tenant, org_name)
    if seed == "no-terms":
        # No sales payment terms: an approved invoice must bring its own DueDate.
        del organisation["PaymentTerms"]
    ledger = Ledger(
        tenant,
        clock,
        organisation=organisation,
        accounts=_accounts(tenant),
        tax_rates=_TAX_RATES,
        currencies=_CURRENCIES,
        currency_rates={"NZD": Decimal("1.0900"), "USD": Decimal("0.6600")},
        seed=seed,
    )
    if seed == "demo":
        ledger.load_records(_demo_contacts(tenant), _demo_items(tenant))
    return ledger


# --- reference data -----------------------------------------------------------------------------


def _organisation(tenant_id: str, name: str) -> dict[str, Any]:
    return {
        "OrganisationID": tenant_id,
        "Name": name,
        "LegalName": f"{name} Pty Ltd",
        "PaysTax": True,
        "Version": "AU",
        "OrganisationType": "COMPANY",
        "BaseCurrency": "AUD",
        "CountryCode": "AU",
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "TaxNumber": "53004085616",
        "FinancialYearEndDay": 30,
        "FinancialYearEndMonth": 6,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive",
        "CreatedDateUTC": ms_date(_CREATED),
        "OrganisationEntityType": "COMPANY",
        "Timezone": "AUSEASTERNSTANDARDTIME",
        "ShortCode": "!" + tenant_id[:5],
        "Edition": "BUSINESS",
        "Class": "STANDARD",
        "LineOfBusiness": "Café supplies wholesale",
        "Addresses": [],
        "Phones": [],
        "ExternalLinks": [],
        "PaymentTerms": {"Sales": {"Day": 30, "Type": "DAYSAFTERBILLDATE"}},
    }


_CLASS_OF_TYPE = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "INVENTORY": "ASSET",
    "REVENUE": "REVENUE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "CURRLIAB": "LIABILITY",
    "EQUITY": "EQUITY",
}

# (code, name, type, tax type, status, system account)
_CHART = (
    ("090", "Business Bank Account", "BANK", "BASEXCLUDED", "ACTIVE", ""),
    ("091", "Business Savings Account", "BANK", "BASEXCLUDED", "ACTIVE", ""),
    ("200", "Sales", "REVENUE", "OUTPUT", "ACTIVE", ""),
    ("205", "Sales - GST Free", "REVENUE", "EXEMPTOUTPUT", "ACTIVE", ""),
    ("260", "Other Revenue", "REVENUE", "OUTPUT", "ACTIVE", ""),
    ("270", "Interest Income", "REVENUE", "INPUTTAXED", "ACTIVE", ""),
    ("290", "Old Wholesale Sales", "REVENUE", "OUTPUT", "ARCHIVED", ""),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT", "ACTIVE", ""),
    ("400", "Advertising", "EXPENSE", "INPUT", "ACTIVE", ""),
    ("404", "Bank Fees", "EXPENSE", "INPUTTAXED", "ACTIVE", ""),
    ("429", "General Expenses", "EXPENSE", "INPUT", "ACTIVE", ""),
    ("449", "Motor Vehicle Expenses", "EXPENSE", "INPUT", "ACTIVE", ""),
    ("610", "Accounts Receivable", "CURRENT", "BASEXCLUDED", "ACTIVE", "DEBTORS"),
    ("630", "Inventory", "INVENTORY", "BASEXCLUDED", "ACTIVE", ""),
    ("800", "Accounts Payable", "CURRLIAB", "BASEXCLUDED", "ACTIVE", "CREDITORS"),
    ("820", "GST", "CURRLIAB", "BASEXCLUDED", "ACTIVE", "GST"),
    ("960", "Retained Earnings", "EQUITY", "BASEXCLUDED", "ACTIVE", "RETAINEDEARNINGS"),
    ("970", "Owner Funds Introduced", "EQUITY", "BASEXCLUDED", "ACTIVE", ""),
)


def _accounts(tenant_id: str) -> list[dict[str, Any]]:
    accounts = []
    for code, name, kind, tax_type, status, system in _CHART:
        account: dict[str, Any] = {
            "AccountID": stable_id(tenant_id, "account", code),
            "Code": code,
            "Name": name,
            "Status": status,
            "Type": kind,
            "TaxType": tax_type,
            "Class": _CLASS_OF_TYPE[kind],
            "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": kind == "EXPENSE",
            "ReportingCode": _CLASS_OF_TYPE[kind][:3],
            "HasAttachments": False,
            "UpdatedDateUTC": ms_date(_CREATED),
            "AddToWatchlist": False,
        }
        if kind == "BANK":
            account["BankAccountNumber"] = "062000" + code.zfill(8)
            account["BankAccountType"] = "BANK"
            account["CurrencyCode"] = "AUD"
        if system:
            account["SystemAccount"] = system
        accounts.append(account)
    return accounts


def _tax_rate(
    tax_type: str, name: str, rate: str, report: str, sales: bool, buys: bool
) -> dict[str, Any]:
    percent = Decimal(rate)
    return {
        "Name": name,
        "TaxType": tax_type,
        "ReportTaxType": report,
        "CanApplyToAssets": buys,
        "CanApplyToEquity": buys,
        "CanApplyToExpenses": buys,
        "CanApplyToLiabilities": buys,
        "CanApplyToRevenue": sales,
        "DisplayTaxRate": percent,
        "EffectiveRate": percent,
        "Status": "ACTIVE",
        "TaxComponents": [
            {"Name": "GST", "Rate": percent, "IsCompound": False, "IsNonRecoverable": False}
        ],
    }


_TAX_RATES = [
    _tax_rate("OUTPUT", "GST on Income", "10.0000", "OUTPUT", True, False),
    _tax_rate("EXEMPTOUTPUT", "GST Free Income", "0.0000", "EXEMPTOUTPUT", True, False),
    _tax_rate("EXEMPTEXPORT", "GST Free Exports", "0.0000", "EXEMPTEXPORT", True, False),
    _tax_rate("INPUT", "GST on Expenses", "10.0000", "INPUT", False, True),
    _tax_rate("EXEMPTEXPENSES", "GST Free Expenses", "0.0000", "EXEMPTEXPENSES", False, True),
    _tax_rate("INPUTTAXED", "Input Taxed", "0.0000", "INPUTTAXED", True, True),
    _tax_rate("BASEXCLUDED", "BAS Excluded", "0.0000", "BASEXCLUDED", True, True),
    _tax_rate("GSTONIMPORTS", "GST on Imports", "0.0000", "GSTONIMPORTS", False, True),
]

_CURRENCIES = [
    {"Code": "AUD", "Description": "Australian Dollar"},
    {"Code": "NZD", "Description": "New Zealand Dollar"},
    {"Code": "USD", "Description": "United States Dollar"},
]


# --- demo contacts and items --------------------------------------------------------------------

# (account number, name, email, status, default currency)
_CUSTOMERS = (
    ("C-1001", "Bondi Beans Café", "orders@bondibeans.example", "ACTIVE", None),
    ("C-1002", "Coogee Corner Store", "coogee.corner@example.com", "ACTIVE", None),
    ("C-1003", "Manly Wharf Kiosk", "kiosk@manlywharf.example", "ACTIVE", None),
    ("C-1004", "Newtown Noodle Bar", "hello@newtownnoodle.example", "ACTIVE", None),
    ("C-1005", "Surry Hills Bakehouse", "bakehouse@surryhills.example", "ACTIVE", None),
    ("C-1006", "Glebe Grocer", "accounts@glebegrocer.example", "ACTIVE", None),
    ("C-1007", "Paddington Provisions", "orders@paddoprovisions.example", "ACTIVE", None),
    ("C-1008", "Balmain Bistro", "chef@balmainbistro.example", "ACTIVE", None),
    ("C-1009", "Marrickville Markets Co-op", "coop@marrickvillemarkets.example", "ACTIVE", None),
    ("C-1010", "Parramatta Pantry", "pantry@parramatta.example", "ACTIVE", None),
    ("C-1011", "Smith's Deli", "deli@smiths.example", "ACTIVE", None),
    ("C-1012", "Smiths Deli", "info@smithsdeli.example", "ACTIVE", None),
    ("C-1013", "O'Connor Catering", "events@oconnorcatering.example", "ACTIVE", None),
    ("C-1014", "Darling Harbour Events Pty Ltd", "ap@dhevents.example", "ACTIVE", None),
    ("C-1015", "Ryde Retirement Village", "kitchen@rydevillage.example", "ACTIVE", None),
    ("C-1016", "Chatswood Chai House", "chai@chatswood.example", "ACTIVE", None),
    ("C-1017", "Cronulla Surf Club", "bar@cronullasurf.example", "ACTIVE", None),
    ("C-1018", "Katoomba Mountain Lodge", "stay@katoombalodge.example", "ACTIVE", None),
    ("C-1019", "Bluegum Café", "bluegum@example.com", "ARCHIVED", None),
    ("C-1020", "BLUEGUM CAFE", "orders@bluegumcafe.example", "ACTIVE", None),
    ("C-1021", "Auckland Artisan Roasters", "buy@aucklandartisan.example", "ACTIVE", "NZD"),
    ("C-1022", "Café Marco", "marco@cafemarco.example", "ACTIVE", None),
    ("C-1023", "Cafe Marco", "orders@cafe-marco.example", "ACTIVE", None),
    ("", "Walk-in Customer", "", "ACTIVE", None),
)

# Shorthands for the item table below.
_FREE, _GST = "EXEMPTOUTPUT", "OUTPUT"
# (code, name, price, tax type, account, stock on hand or None for untracked)
_ITEMS: tuple[tuple[str, str, str, str, str, int | None], ...] = (
    ("BEAN-HOUSE-1KG", "House Blend Coffee Beans 1kg", "32.00", _FREE, "200", 120),
    ("BEAN-DECAF-1KG", "Decaf Coffee Beans 1kg", "36.50", _FREE, "200", 40),
    ("BEAN-SO-ETH-1KG", "Single Origin Ethiopia Beans 1kg", "44.00", _FREE, "200", 25),
    ("BEAN-SO-COL-1KG", "Single Origin Colombia Beans 1kg", "41.00", _FREE, "200", 30),
    ("BEAN-ESP-250G", "Espresso Roast Beans 250g", "11.50", _FREE, "200", 200),
    ("TEA-ENG-500", "English Breakfast Tea 500g", "18.00", _FREE, "200", 60),
    ("TEA-EARL-500", "Earl Grey Tea 500g", "19.50", _FREE, "200", 45),
    ("TEA-GREEN-500", "Sencha Green Tea 500g", "21.00", _FREE, "200", 35),
    ("tea-chai-500", "Spiced Chai Blend 500g", "24.00", _FREE, "200", 50),
    ("TEA-PEPP-250", "Peppermint Tea 250g", "12.00", _FREE, "200", 80),
    ("MILK-FC-2L", "Full Cream Milk 2L", "3.20", _FREE, "200", None),
    ("MILK-OAT-1L", "Oat Milk Barista 1L", "4.10", _GST, "200", None),
    ("MILK-ALM-1L", "Almond Milk Barista 1L", "4.30", _GST, "200", None),
    ("SYR-VAN-750", "Vanilla Syrup 750ml", "14.50", _GST, "200", 90),
    ("SYR-CAR-750", "Caramel Syrup 750ml", "14.50", _GST, "200", 90),
    ("SYR-HAZ-750", "Hazelnut Syrup 750ml", "14.50", _GST, "200", 70),
    ("CHOC-DRK-1KG", "Drinking Chocolate 1kg", "22.00", _GST, "200", 55),
    ("CUP-8OZ-1000", "Paper Cups 8oz (1000)", "89.00", _GST, "200", 40),
    ("CUP-12OZ-1000", "Paper Cups 12oz (1000)", "99.00", _GST, "200", 40),
    ("CUP-16OZ-500", "Paper Cups 16oz (500)", "62.00", _GST, "200", 30),
    ("LID-8OZ-1000", "Cup Lids 8oz (1000)", "45.00", _GST, "200", 40),
    ("LID-12OZ-1000", "Cup Lids 12oz (1000)", "48.00", _GST, "200", 40),
    ("NAP-2PLY-2000", "Napkins 2-ply (2000)", "38.00", _GST, "200", 25),
    ("STIR-WOOD-1000", "Wooden Stirrers (1000)", "12.50", _GST, "200", 100),
    ("SUG-STICK-1000", "Sugar Sticks (1000)", "27.00", _FREE, "200", 60),
    ("SWEET-STEVIA-500", "Stevia Sachets (500)", "31.00", _GST, "200", 20),
    ("BAG-KRAFT-500", "Kraft Takeaway Bags (500)", "54.00", _GST, "200", 15),
    ("TRAY-4CUP-300", "Cup Carry Trays 4-cup (300)", "66.00", _GST, "200", 12),
    ("CLEAN-DESC-1L", "Espresso Machine Descaler 1L", "29.00", _GST, "200", None),
    ("CLEAN-TAB-100", "Group Head Cleaning Tablets (100)", "34.00", _GST, "200", None),
    ("FILT-WATER", "Water Filter Cartridge", "119.00", _GST, "200", 8),
    ("GRIND-BURR-64", "Grinder Burrs 64mm", "145.00", _GST, "200", None),
    ("JUG-600", "Milk Jug 600ml Stainless", "24.50", _GST, "200", None),
    ("TAMP-58", "Tamper 58mm", "49.00", _GST, "200", None),
    ("KNOCK-BOX", "Knock Box", "39.00", _GST, "200", None),
    ("CLOTH-MF-10", "Microfibre Cloths (10)", "15.00", _GST, "200", None),
    ("APRON-DENIM", "Barista Apron Denim", "35.00", _GST, "200", None),
    ("SIGN-AFRAME", "A-Frame Sign", "189.00", _GST, "200", None),
    ("DELIV-METRO", "Metro Delivery", "15.00", _GST, "260", None),
    ("SVC-MACHINE", "Machine Service Call", "150.00", _GST, "260", None),
)


def _demo_contacts(tenant_id: str) -> list[dict[str, Any]]:
    records = []
    for account_number, name, email, status, currency in _CUSTOMERS:
        contact: dict[str, Any] = {
            "ContactID": stable_id(tenant_id, "contact", account_number or name),
            "ContactStatus": status,
            "Name": name,
            "Addresses": [
                {
                    "AddressType": "POBOX",
                    "City": "Sydney",
                    "Region": "NSW",
                    "PostalCode": "2000",
                    "Country": "Australia",
                }
            ],
            "Phones": [],
            "UpdatedDateUTC": ms_date(_CREATED),
            "ContactGroups": [],
            "IsSupplier": False,
            "IsCustomer": True,
            "ContactPersons": [],
            "HasAttachments": False,
            "HasValidationErrors": False,
        }
        if account_number:
            contact["AccountNumber"] = account_number
        if email:
            contact["EmailAddress"] = email
        if currency:
            contact["DefaultCurrency"] = currency
        records.append(ordered(contact, contacts.ORDER))
    return records


def _demo_items(tenant_id: str) -> list[dict[str, Any]]:
    records = []
    for code, name, price, tax_type, account, stock in _ITEMS:
        item: dict[str, Any] = {
            "ItemID": stable_id(tenant_id, "item", code),
            "Code": code,
            "Description": name,
            "UpdatedDateUTC": ms_date(_CREATED),
            "PurchaseDetails": {},
            "SalesDetails": {
                "UnitPrice": Decimal(price),
                "AccountCode": account,
                "TaxType": tax_type,
            },
            "Name": name,
            "IsTrackedAsInventory": stock is not None,
            "IsSold": True,
            "IsPurchased": False,
        }
        if stock is not None:
            item["InventoryAssetAccountCode"] = "630"
            item["TotalCostPool"] = Decimal(price) * stock / 2
            item["QuantityOnHand"] = Decimal(stock)
        records.append(ordered(item, items.ORDER))
    return records
