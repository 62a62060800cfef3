"""Where clauses we send to Xero: never changed by the values in them, never too long."""

from urllib.parse import quote_plus

from hypothesis import given
from hypothesis import strategies as st

from xerologdesk.xero.filters import (
    MAX_TERMS,
    MAX_WHERE_URL_CHARS,
    is_safe_literal,
    or_equals_chunks,
    safe_fragment,
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
