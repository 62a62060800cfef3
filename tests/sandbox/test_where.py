"""The sandbox's ``where`` parser: what matches, and the messages Xero answers for bad clauses."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xerologdesk.sandbox.where import (
    Where,
    WhereNullReference,
    WhereSyntaxError,
    fold,
    index_key,
    parse_where,
)

CONTACT_FIELDS = {
    "ContactID": "guid",
    "Name": "folded",
    "EmailAddress": "folded",
    "AccountNumber": "folded",
    "FirstName": "string",
    "IsSupplier": "bool",
    "Balance": "number",
    "UpdatedDateUTC": "date",
}
ITEM_FIELDS = {"ItemID": "guid", "Code": "string", "SalesDetails.UnitPrice": "number"}
INVOICE_FIELDS = {
    "Reference": "string",
    "Date": "date",
    "Total": "number",
    "Contact.ContactID": "guid",
    "Contact.Name": "folded",
}

ACME_ID = "3f1a2b4c-0d5e-4f60-8a7b-9c0d1e2f3a4b"
CONTACTS: list[dict[str, Any]] = [
    {
        "ContactID": ACME_ID,
        "Name": "Acme Pty Ltd",
        "AccountNumber": "ACC-1",
        "FirstName": "Ann",
        "IsSupplier": True,
        "Balance": Decimal("120.50"),
        "UpdatedDateUTC": "/Date(1777593600000+0000)/",  # 2026-05-01T00:00:00Z
    },
    {
        "ContactID": "aaaaaaaa-0000-4000-8000-000000000002",
        "Name": "Café Löwe",
        "AccountNumber": "acc-2",
        "FirstName": "ann",
        "IsSupplier": False,
        "Balance": 0,
        "UpdatedDateUTC": datetime(2026, 5, 2, 9, 30, tzinfo=UTC),
    },
    {
        "ContactID": "aaaaaaaa-0000-4000-8000-000000000003",
        "Name": "ACME PTY LTD.",
        "EmailAddress": "orders@acme.example",
        "Balance": -5,
        "UpdatedDateUTC": date(2026, 4, 30),
    },
]


def contact(text: str) -> Where:
    return parse_where(text, "Contact", CONTACT_FIELDS)


def names(text: str) -> list[str]:
    """The names of the contacts ``text`` selects, in order."""
    clause = contact(text)
    return [record["Name"] for record in CONTACTS if clause.matches(record)]


def error(text: str, fields: dict[str, str] = CONTACT_FIELDS, type_name: str = "Contact") -> str:
    with pytest.raises(WhereSyntaxError) as raised:
        parse_where(text, type_name, fields)
    return str(raised.value)


ALL = ["Acme Pty Ltd", "Café Löwe", "ACME PTY LTD."]


# --- fold ---------------------------------------------------------------------------------------


def test_fold_ignores_case_and_accents() -> None:
    assert fold("Café") == fold("CAFE") == "cafe"
    assert fold("Straße") == fold("STRASSE")
    assert fold("İstanbul") == fold("istanbul")  # casefolding's own combining dot dropped too
    assert fold("ACC-1") == "acc-1"
    assert fold("Acme") != fold("Acme ")  # white space is significant, as in the clause


# --- operators ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ('Name=="acme pty ltd"', ["Acme Pty Ltd"]),
        ('Name="acme pty ltd"', ["Acme Pty Ltd"]),
        ('Name!="acme pty ltd"', ["Café Löwe", "ACME PTY LTD."]),
        ('Name<>"acme pty ltd"', ["Café Löwe", "ACME PTY LTD."]),
        ("Balance<0", ["ACME PTY LTD."]),
        ("Balance<=0", ["Café Löwe", "ACME PTY LTD."]),
        ("Balance>0", ["Acme Pty Ltd"]),
        ("Balance>=0", ["Acme Pty Ltd", "Café Löwe"]),
        ("Balance==120.5", ["Acme Pty Ltd"]),
        ("Balance==-5", ["ACME PTY LTD."]),
        ("Balance>-5.5 AND Balance<1E2", ["Café Löwe", "ACME PTY LTD."]),
        ('Name<"b"', ["Acme Pty Ltd", "ACME PTY LTD."]),  # folded fields order by their key
        ("IsSupplier==true", ["Acme Pty Ltd"]),
        ("IsSupplier==false", ["Café Löwe"]),
        ("IsSupplier", ["Acme Pty Ltd"]),
        ("!IsSupplier", ["Café Löwe"]),  # a null bool matches neither it nor its negation
    ],
)
def test_comparison_operators(clause: str, expected: list[str]) -> None:
    assert names(clause) == expected


@pytest.mark.parametrize(
    "clause",
    [
        'Name=="Café Löwe" OR AccountNumber=="ACC-1"',
        'Name=="Café Löwe" || AccountNumber=="ACC-1"',
        'Name=="Café Löwe" or AccountNumber=="ACC-1"',
        '(Name=="Café Löwe")OR(AccountNumber=="ACC-1")',
    ],
)
def test_or_spellings(clause: str) -> None:
    assert names(clause) == ["Acme Pty Ltd", "Café Löwe"]


@pytest.mark.parametrize(
    "clause",
    [
        'Name.StartsWith("acme") AND Balance>0',
        'Name.StartsWith("acme") && Balance>0',
        'Name.StartsWith("acme") and Balance>0',
        'Name.StartsWith("acme") AnD Balance>0',
    ],
)
def test_and_spellings(clause: str) -> None:
    assert names(clause) == ["Acme Pty Ltd"]


@pytest.mark.parametrize(
    "clause",
    ['!(Name.StartsWith("acme"))', 'NOT Name.StartsWith("acme")', 'not(Name.StartsWith("acme"))'],
)
def test_not_spellings(clause: str) -> None:
    assert names(clause) == ["Café Löwe"]


def test_and_binds_tighter_than_or() -> None:
    # A OR B AND C is A OR (B AND C): the Café is in through A although B AND C is false for it.
    assert names('Name=="Café Löwe" OR Balance>0 AND Balance<0') == ["Café Löwe"]
    assert names('(Name=="Café Löwe" OR Balance>0) AND Balance<0') == []
    assert names('Balance<0 AND Name.EndsWith(".") OR IsSupplier') == [
        "Acme Pty Ltd",
        "ACME PTY LTD.",
    ]


def test_not_applies_to_the_operand_not_the_comparison() -> None:
    # Dynamic LINQ: ! binds tighter than ==, so !Name=="x" negates the string: an error.
    assert error('!Name=="x"') == (
        "Operator '!' incompatible with operand type 'String' (at index 0)"
    )
    assert error('NOT Name=="x"') == (
        "Operator 'NOT' incompatible with operand type 'String' (at index 0)"
    )


# --- methods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ('Name.Contains("PTY")', ["Acme Pty Ltd", "ACME PTY LTD."]),
        ('Name.Contains("lowe")', ["Café Löwe"]),  # folded: accents and case ignored
        ('Name.StartsWith("CAFE")', ["Café Löwe"]),
        ('Name.EndsWith("ltd")', ["Acme Pty Ltd"]),
        ('Name.endswith("LTD.")', ["ACME PTY LTD."]),  # method names are case-insensitive
        ('EmailAddress!=null&&EmailAddress.Contains("@ACME")', ["ACME PTY LTD."]),
        # string fields compare exactly
        ('FirstName!=null AND FirstName.StartsWith("A")', ["Acme Pty Ltd"]),
        ('Name.ToLower()=="acme pty ltd"', ["Acme Pty Ltd"]),
        ('Name.ToLower()=="acme pty ltd."', ["ACME PTY LTD."]),
        ('Name.ToLower()=="ACME PTY LTD."', []),  # the lowered value compares exactly
        ('Name.ToUpper()=="CAFÉ LÖWE"', ["Café Löwe"]),
        ('Name.ToUpper()=="CAFE LOWE"', []),  # ... accents included
        ('Name.ToLower().Contains("acme")', ["Acme Pty Ltd", "ACME PTY LTD."]),
        ('Name.ToLower().Contains("ACME")', []),
        ('Name.ToUpper().ToLower().StartsWith("café")', ["Café Löwe"]),
        ("Name.Length==12", ["Acme Pty Ltd"]),
        ("Name.ToLower().Length>=13", ["ACME PTY LTD."]),
        ('"Ann Smith".Contains(FirstName)', ["Acme Pty Ltd"]),  # exact: "ann" is not in it
    ],
)
def test_methods(clause: str, expected: list[str]) -> None:
    assert names(clause) == expected


@pytest.mark.parametrize(
    "clause",
    [
        'EmailAddress.Contains("@ACME")',
        'FirstName.StartsWith("A")',
        'EmailAddress.ToLower().EndsWith("x")',
        'Name=="nobody" OR EmailAddress.Contains("@")',
    ],
)
def test_a_method_on_a_null_field_is_an_error_not_a_miss(clause: str) -> None:
    # Xero answers 500 (pyxero#181) when one record leaves the field empty.
    with pytest.raises(WhereNullReference):
        names(clause)


def test_folded_field_against_folded_argument() -> None:
    record = {"Name": "Müller & Co", "EmailAddress": "MULLER"}
    assert contact("Name.StartsWith(EmailAddress)").matches(record)
    assert contact("Name.StartsWith(EmailAddress.ToUpper())").matches(record)
    assert not contact("FirstName!=null&&FirstName.StartsWith(EmailAddress)").matches(record)


# --- folded, exact, accents ---------------------------------------------------------------------


def test_folded_fields_ignore_case_and_accents() -> None:
    assert names('Name=="CAFE LOWE"') == ["Café Löwe"]
    assert names('Name=="café löwe"') == ["Café Löwe"]
    assert names('AccountNumber=="acc-1"') == ["Acme Pty Ltd"]
    assert names('AccountNumber=="ACC-2"') == ["Café Löwe"]
    assert names('Name=="Acme Pty Ltd"') == ["Acme Pty Ltd"]  # punctuation still counts


def test_exact_string_fields_are_case_sensitive() -> None:
    assert names('FirstName=="Ann"') == ["Acme Pty Ltd"]
    assert names('FirstName=="ann"') == ["Café Löwe"]
    items = [{"Code": "SKU-1"}, {"Code": "sku-1"}]
    clause = parse_where('Code=="sku-1"', "Item", ITEM_FIELDS)
    assert [item["Code"] for item in items if clause.matches(item)] == ["sku-1"]


def test_accented_literal_against_plain_value() -> None:
    assert contact('Name=="Café"').matches({"Name": "CAFE"})
    assert contact('Name=="CAFE"').matches({"Name": "Café"})
    assert contact('Name=="cafe\u0301"').matches({"Name": "Café"})  # decomposed é
    assert not contact('FirstName=="Café"').matches({"FirstName": "CAFE"})


# --- nulls, nested fields, guids, dates, numbers ------------------------------------------------


def test_missing_keys_are_null() -> None:
    assert names("EmailAddress==null") == ["Acme Pty Ltd", "Café Löwe"]
    assert names("EmailAddress!=null") == ["ACME PTY LTD."]
    assert names('EmailAddress!="orders@acme.example"') == ["Acme Pty Ltd", "Café Löwe"]
    assert names('EmailAddress<"z"') == ["ACME PTY LTD."]  # ordering with null is false
    assert names('EmailAddress!=null && EmailAddress.Contains("")') == ["ACME PTY LTD."]
    assert names("null==null") == ALL


def test_nested_fields_and_case_insensitive_names() -> None:
    invoice: dict[str, Any] = {
        "Reference": "SO-1",
        "Contact": {"ContactID": ACME_ID, "Name": "Acme Pty Ltd"},
    }
    orphan: dict[str, Any] = {"Reference": "SO-2"}

    def picks(text: str) -> list[str]:
        clause = parse_where(text, "Invoice", INVOICE_FIELDS)
        return [each["Reference"] for each in (invoice, orphan) if clause.matches(each)]

    assert picks(f'Contact.ContactID==GUID("{ACME_ID}")') == ["SO-1"]
    assert picks('contact.name=="ACME PTY LTD"') == ["SO-1"]
    assert picks("CONTACT.NAME==null") == ["SO-2"]
    assert picks("Contact==null") == ["SO-2"]
    assert picks('it.Reference=="SO-2"') == ["SO-2"]
    assert picks('reference=="so-1"') == []  # Reference is exact; only the name is folded
    assert error("Contact.Phone==null", INVOICE_FIELDS, "Invoice") == (
        "No property or field 'Phone' exists in type 'Contact' (at index 8)"
    )
    item = {"Code": "A", "SalesDetails": {"UnitPrice": Decimal("9.50")}}
    assert parse_where("SalesDetails.UnitPrice==9.5", "Item", ITEM_FIELDS).matches(item)
    assert not parse_where("salesdetails.unitprice>9.5", "Item", ITEM_FIELDS).matches(item)


def test_guids_compare_case_insensitively() -> None:
    upper = ACME_ID.upper()
    assert names(f'ContactID==GUID("{upper}")') == ["Acme Pty Ltd"]
    assert names(f'ContactID==guid("{{{ACME_ID}}}")') == ["Acme Pty Ltd"]
    assert names(f'ContactID==Guid("{ACME_ID.replace("-", "")}")') == ["Acme Pty Ltd"]
    assert names(f'ContactID!=GUID("{ACME_ID}")') == ["Café Löwe", "ACME PTY LTD."]
    assert contact(f'ContactID==GUID("{ACME_ID}")').matches({"ContactID": upper})


def test_dates_in_every_record_shape() -> None:
    assert names("UpdatedDateUTC>=DateTime(2026, 5, 1)") == ["Acme Pty Ltd", "Café Löwe"]
    assert names("UpdatedDateUTC==DateTime(2026,5,1)") == ["Acme Pty Ltd"]
    assert names("UpdatedDateUTC<DateTime(2026, 5, 1)") == ["ACME PTY LTD."]
    assert names("UpdatedDateUTC>DateTime(2026, 5, 2, 9, 29, 59)") == ["Café Löwe"]
    assert names("UpdatedDateUTC<DateTime(2026, 5, 2, 9, 30, 0, 1)") == ALL
    for value in (
        "/Date(1777593600000)/",
        "/Date(1777593600000+1000)/",
        "2026-05-01",
        "2026-05-01T10:00:00+10:00",
        datetime(2026, 5, 1),
    ):
        assert contact("UpdatedDateUTC==DateTime(2026,5,1)").matches({"UpdatedDateUTC": value})
    assert not contact("UpdatedDateUTC!=null").matches({"UpdatedDateUTC": None})


def test_numbers_compare_as_decimals() -> None:
    clause = contact("Balance==0.1")
    assert clause.matches({"Balance": Decimal("0.10")})
    assert not clause.matches({"Balance": Decimal("0.1000001")})
    assert contact("Balance==120").matches({"Balance": Decimal("120.00")})
    assert contact("-Balance==5").matches({"Balance": -5})
    assert contact("Balance>9223372036854775807").matches({"Balance": 2**64})


def test_values_of_the_wrong_shape_are_null() -> None:
    assert not contact("Balance>=0").matches({"Balance": Decimal("NaN")})
    assert contact("Balance==null").matches({"Balance": Decimal("sNaN")})
    assert contact("Balance==1.5").matches({"Balance": "1.50"})
    assert contact("UpdatedDateUTC==null").matches({"UpdatedDateUTC": "someday"})
    assert contact('Name=="7"').matches({"Name": 7})
    assert not contact("IsSupplier").matches({"IsSupplier": "maybe"})
    on_invoice = parse_where("Contact.Name==null", "Invoice", INVOICE_FIELDS)
    assert on_invoice.matches({"Contact": "not an object"})


# --- injection and quotes -----------------------------------------------------------------------


def test_spliced_quote_turns_a_lookup_into_match_everything() -> None:
    # Why the client must never splice user text into a clause: this "name" closes the literal
    # and adds two OR terms, and the lookup then matches every contact.
    hostile = 'x" OR Name!=null OR Name=="'
    spliced = f'Name=="{hostile}"'
    assert spliced == 'Name=="x" OR Name!=null OR Name==""'
    assert names(spliced) == ALL
    assert contact(spliced).equality_index_terms() is None  # and an index cannot answer it


@pytest.mark.parametrize(
    ("clause", "message"),
    [
        ('Name=="a\\"b"', "Syntax error (at index 10)"),
        ('Name=="a""b"', "Syntax error (at index 9)"),
        ('Name=="a\\"', None),  # a lone backslash is an ordinary character: nothing to escape
    ],
)
def test_a_quote_cannot_be_escaped(clause: str, message: str | None) -> None:
    if message is None:
        assert contact(clause).matches({"Name": "A\\"})
        assert not contact(clause).matches({"Name": 'a"'})
    else:
        assert error(clause) == message


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "message"),
    [
        ("Name==#", "Syntax error '#' (at index 6)"),
        ('Name=="x" Name=="y"', "Syntax error (at index 10)"),
        ('Name=="x" + "y"', "Syntax error (at index 10)"),
        ('Name=="abc', "Unterminated string literal (at index 10)"),
        ('(Name=="a"', "')' or operator expected (at index 10)"),
        ('(Name=="a" Name=="b")', "')' or operator expected (at index 11)"),
        ('Name.Contains("a"', "')' or ',' expected (at index 17)"),
        ("", "Expression expected (at index 0)"),
        ("   ", "Expression expected (at index 3)"),
        ('Name=="a" OR', "Expression expected (at index 12)"),
        ("Name==", "Expression expected (at index 6)"),
        ("Name", "Expression of type 'Boolean' expected (at index 0)"),
        ("  Balance", "Expression of type 'Boolean' expected (at index 2)"),
        ('Foo=="x"', "No property or field 'Foo' exists in type 'Contact' (at index 0)"),
        ('Name.Foo=="x"', "No property or field 'Foo' exists in type 'String' (at index 5)"),
        (
            "Name==1",
            "Operator '==' incompatible with operand types 'String' and 'Int32' (at index 4)",
        ),
        (
            'Balance="1"',
            "Operator '=' incompatible with operand types 'Decimal' and 'String' (at index 7)",
        ),
        (
            "Name<>1.5",
            "Operator '<>' incompatible with operand types 'String' and 'Double' (at index 4)",
        ),
        (
            f'ContactID=="{ACME_ID}"',
            "Operator '==' incompatible with operand types 'Guid' and 'String' (at index 9)",
        ),
        (
            "IsSupplier<true",
            "Operator '<' incompatible with operand types 'Boolean' and 'Boolean' (at index 10)",
        ),
        (
            'Name=="a" AND Name',
            "Operator 'AND' incompatible with operand types 'Boolean' and 'String' (at index 10)",
        ),
        ('Name.Foo("x")', "No applicable method 'Foo' exists in type 'String' (at index 5)"),
        (
            "Name.Contains(1)",
            "No applicable method 'Contains' exists in type 'String' (at index 5)",
        ),
        ("Name.ToLower(1)", "No applicable method 'ToLower' exists in type 'String' (at index 5)"),
        (
            'Balance.Contains("1")',
            "No applicable method 'Contains' exists in type 'Decimal' (at index 8)",
        ),
        ("-Name", "Operator '-' incompatible with operand type 'String' (at index 0)"),
        ("Name.=null", "Identifier expected (at index 5)"),
        ("Balance==1.", "Digit expected (at index 11)"),
        ("Balance==1e", "Digit expected (at index 11)"),
        ("Balance==5F", "Invalid integer literal '5F' (at index 9)"),
        (
            "Balance==99999999999999999999",
            "Invalid integer literal '99999999999999999999' (at index 9)",
        ),
        ("Balance==1e999", "Invalid real literal '1e999' (at index 9)"),
        ("Name=='x'", "Syntax error ''' (at index 6)"),
        (
            'ContactID==GUID("nope")',
            (
                "Guid should contain 32 digits with 4 dashes "
                "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) (at index 16)"
            ),
        ),
        ("ContactID==GUID(1)", "No matching constructor in type 'Guid' (at index 11)"),
        ("ContactID==GUID", "'.' or '(' expected (at index 15)"),
        (
            "UpdatedDateUTC>DateTime(2026)",
            "No matching constructor in type 'DateTime' (at index 15)",
        ),
        (
            "UpdatedDateUTC>DateTime(2026, 2, 30)",
            "Year, Month, and Day parameters describe an un-representable DateTime. (at index 15)",
        ),
        (
            "UpdatedDateUTC>DateTime(2026, 2, 3, 24, 0, 0)",
            "Hour, Minute, and Second parameters describe an un-representable DateTime."
            " (at index 15)",
        ),
        (
            "UpdatedDateUTC>DateTime.Now",
            "No property or field 'Now' exists in type 'DateTime' (at index 24)",
        ),
    ],
)
def test_error_messages(clause: str, message: str) -> None:
    assert error(clause) == message


def test_error_is_a_value_error_with_message_and_position() -> None:
    with pytest.raises(ValueError) as raised:
        contact("Foo==1")
    assert isinstance(raised.value, WhereSyntaxError)
    assert raised.value.message == "No property or field 'Foo' exists in type 'Contact'"
    assert raised.value.position == 0


def test_unknown_field_names_the_callers_type() -> None:
    assert error('Cod=="A"', ITEM_FIELDS, "Item") == (
        "No property or field 'Cod' exists in type 'Item' (at index 0)"
    )


def test_deep_nesting_is_refused_not_a_crash() -> None:
    assert "too deeply nested" in error("(" * 500 + "true" + ")" * 500)
    assert "too deeply nested" in error("!" * 500 + "true")
    assert "too deeply nested" in error("true" + "==true" * 500)
    assert contact("(" * 20 + 'Name=="x"' + ")" * 20).equality_index_terms() == (
        "Name",
        frozenset({"x"}),
    )


def test_long_or_chains_evaluate_without_recursion() -> None:
    numbers = [f"ACC-{n}" for n in range(2000)]
    clause = contact(" OR ".join(f'AccountNumber=="{each}"' for each in numbers))
    assert names(clause.text) == ["Acme Pty Ltd", "Café Löwe"]
    assert clause.equality_index_terms() == ("AccountNumber", frozenset(numbers))


# --- equality index terms -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "terms"),
    [
        ('AccountNumber=="ACC-1"', ("AccountNumber", {"ACC-1"})),
        ('accountnumber = "ACC-1"', ("AccountNumber", {"ACC-1"})),
        ('"ACC-1"==AccountNumber', ("AccountNumber", {"ACC-1"})),
        ('(AccountNumber=="A")', ("AccountNumber", {"A"})),
        ('Name=="A" OR Name=="b" || name=="A"', ("Name", {"A", "b"})),
        (
            '(Name=="A" OR (Name=="B")) OR ((Name=="C") or Name=="D")',
            ("Name", {"A", "B", "C", "D"}),
        ),
        ('FirstName=="Ann" OR FirstName=="ann"', ("FirstName", {"Ann", "ann"})),
        (f'ContactID==GUID("{ACME_ID.upper()}")', ("ContactID", {ACME_ID.upper()})),
        ('Name=="A" OR AccountNumber=="A"', None),
        ('Name=="A" AND Name=="A"', None),
        ('Name=="A" OR Name.StartsWith("B")', None),
        ('Name.ToLower()=="a"', None),
        ('Name!="A"', None),
        ("Name==null", None),
        ('Name=="A" OR Name==null', None),
        ('!(Name=="A")', None),
        ("Balance==1", None),
        ("IsSupplier", None),
    ],
)
def test_equality_index_terms(clause: str, terms: tuple[str, set[str]] | None) -> None:
    expected = None if terms is None else (terms[0], frozenset(terms[1]))
    assert contact(clause).equality_index_terms() == expected


def test_index_terms_find_exactly_what_the_clause_matches() -> None:
    clause = contact('AccountNumber=="acc-1" OR AccountNumber=="ACC-2"')
    field, values = clause.equality_index_terms() or ("", frozenset())
    keys = {index_key(CONTACT_FIELDS[field], value) for value in values}
    by_index = [c["Name"] for c in CONTACTS if index_key("folded", c.get(field, "")) in keys]
    assert by_index == names(clause.text) == ["Acme Pty Ltd", "Café Löwe"]
    assert index_key("guid", "{" + ACME_ID.upper() + "}") == ACME_ID
    assert index_key("string", "SKU-1") == "SKU-1"


# --- caching and speed --------------------------------------------------------------------------


def test_parse_is_cached_whatever_the_field_order() -> None:
    first = parse_where('Name=="x"', "Contact", CONTACT_FIELDS)
    reordered = dict(reversed(list(CONTACT_FIELDS.items())))
    assert parse_where('Name=="x"', "Contact", reordered) is first
    assert parse_where('Name=="x"', "Contact", ITEM_FIELDS | {"Name": "folded"}) is not first


# --- properties ---------------------------------------------------------------------------------

NAMES = st.lists(st.text(max_size=12), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(value=st.text().filter(lambda text: '"' not in text), stored=NAMES)
def test_any_quote_free_value_matches_by_fold(value: str, stored: list[str]) -> None:
    clause = contact(f'Name=="{value}"')
    records = [{"Name": each} for each in [*stored, value.upper(), value]]
    assert [clause.matches(each) for each in records] == [
        fold(each["Name"]) == fold(value) for each in records
    ]
    assert clause.equality_index_terms() == ("Name", frozenset({value}))


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=60))
def test_arbitrary_text_only_raises_where_syntax_error(text: str) -> None:
    try:
        clause = contact(text)
    except WhereSyntaxError:
        return
    for record in CONTACTS:
        assert_answers(clause, record)


def assert_answers(clause: Where, record: dict[str, Any]) -> None:
    """A parsed clause tests any record: a bool, or Xero's 500 for a method on a null field."""
    with contextlib.suppress(WhereNullReference):
        assert isinstance(clause.matches(record), bool)


TOKENS = st.sampled_from(
    [
        "Name", "Balance", "IsSupplier", "ContactID", "UpdatedDateUTC", "FirstName", "Nope",
        "Contact", "it", ".", "(", ")", ",", "==", "=", "!=", "<>", "<", ">=", "!", "-", "&&",
        "||", " AND ", " OR ", " not ", "true", "null", '"a"', '"', "1", "2.5", "1e3",
        'GUID("' + ACME_ID + '")', "GUID", "DateTime(2026,5,1)", "DateTime", ".Contains",
        ".ToLower()", ".Length", ".StartsWith", "+", "[", "'",
    ]
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(parts=st.lists(TOKENS, max_size=14))
def test_token_soup_only_raises_where_syntax_error(parts: list[str]) -> None:
    try:
        clause = contact("".join(parts))
    except WhereSyntaxError:
        return
    for record in [*CONTACTS, {}]:
        assert_answers(clause, record)
