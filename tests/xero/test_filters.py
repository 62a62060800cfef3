"""Where clauses we send to Xero: never changed by the values in them, never too long."""

from urllib.parse import quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xerologdesk.xero.filters import (
    MAX_TERMS,
    MAX_WHERE_URL_CHARS,
    contains_clause,
    fits_equals_clause,
    is_safe_literal,
    or_equals_chunks,
    prefix_within,
    safe_fragment,
    search_text,
    unfolded_variant,
    xero_fold,
)


def test_fold_ignores_case_accents_and_surrounding_space() -> None:
    assert xero_fold("  Café Noir ") == xero_fold("CAFE NOIR")
    assert xero_fold("Smith & Co") != xero_fold("Smith and Co")


def test_a_quote_or_backslash_never_goes_into_a_clause() -> None:
    injection = 'x" OR Name!=null OR Name=="'
    assert not is_safe_literal(injection)
    assert not is_safe_literal("C:\\path")
    assert not is_safe_literal("tab\there")
    assert is_safe_literal("Ben & Jerry's + Co (Ltd) 100% ☕ שלום")


def test_chunks_hold_at_most_forty_terms_and_stay_short() -> None:
    values = [f"CUST-{n:05d}-{'x' * (n % 30)}" for n in range(500)]
    chunks = list(or_equals_chunks("AccountNumber", values))
    assert [value for _clause, chunk in chunks for value in chunk] == values
    for clause, chunk in chunks:
        assert len(chunk) <= MAX_TERMS
        assert len(quote_plus(clause)) <= MAX_WHERE_URL_CHARS
        assert clause.count(" OR ") == len(chunk) - 1


def test_duplicates_are_asked_once() -> None:
    chunks = list(or_equals_chunks("Name", ["A", "B", "A"]))
    assert chunks == [('Name=="A" OR Name=="B"', ["A", "B"])]


def test_safe_fragment_is_the_longest_quote_free_run() -> None:
    assert safe_fragment('The "Best" Widgets Co') == " Widgets Co"
    assert safe_fragment('""') == ""


@given(st.lists(st.text(min_size=1, max_size=60), max_size=120))
def test_every_safe_value_lands_in_exactly_one_chunk(values: list[str]) -> None:
    safe = [value for value in values if is_safe_literal(value)]
    covered = [value for _clause, chunk in or_equals_chunks("Name", safe) for value in chunk]
    assert covered == list(dict.fromkeys(safe))


def test_chunks_are_measured_encoded_not_by_characters() -> None:
    # 100 names of 20 "€": 2,000 characters as text, but 180 each once encoded.
    values = [f"{n:03d}" + "€" * 20 for n in range(100)]
    chunks = list(or_equals_chunks("Name", values))
    assert [value for _clause, chunk in chunks for value in chunk] == values
    assert all(len(quote_plus(clause)) <= MAX_WHERE_URL_CHARS for clause, _chunk in chunks)
    assert max(len(chunk) for _clause, chunk in chunks) < MAX_TERMS


def test_a_value_too_long_for_one_url_never_goes_into_a_clause() -> None:
    long = "€" * 255
    assert is_safe_literal(long)
    assert not fits_equals_clause("Name", long)
    assert fits_equals_clause("Name", long[:150])
    with pytest.raises(ValueError):
        list(or_equals_chunks("Name", ["A", long]))


def test_search_text_is_as_much_of_the_value_as_fits_a_url() -> None:
    long = "€" * 255
    assert long.startswith(search_text(long))
    assert len(quote_plus(search_text(long))) <= MAX_WHERE_URL_CHARS
    assert len(search_text(long)) == MAX_WHERE_URL_CHARS // 9
    assert search_text('  The "Best" Bar ') == 'The "Best" Bar'
    assert prefix_within("a b+c", 3) == "a b"  # space is "+", one character


def test_contains_is_null_guarded_and_fits_a_url() -> None:
    assert contains_clause("AccountNumber", 'REF"1') == (
        'AccountNumber!=null&&AccountNumber.Contains("REF")'
    )
    long = 'x"' + "€" * 255
    clause = contains_clause("AccountNumber", long)
    assert clause.startswith('AccountNumber!=null&&AccountNumber.Contains("€€')
    assert len(quote_plus(clause)) <= MAX_WHERE_URL_CHARS
    assert contains_clause("AccountNumber", '"x"') == ""  # no safe run of two characters


def test_an_unfolded_variant_differs_only_in_case_and_accents() -> None:
    assert unfolded_variant("Café Noir") == "cAFE nOIR"
    assert xero_fold(unfolded_variant("Smith & Co") or "") == xero_fold("Smith & Co")
    assert unfolded_variant("1001-42") is None  # nothing to spell otherwise
