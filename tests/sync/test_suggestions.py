"""Ranking Xero contacts by how like a customer they are (names read as people read them)."""

from __future__ import annotations

from xerologdesk.sync.suggestions import ContactRanker, Matched, read_key, read_name
from xerologdesk.xero.records import XeroContact


def _contacts(*names: str, archived: tuple[str, ...] = ()) -> list[XeroContact]:
    return [
        XeroContact(f"id-{number}", name, status="ARCHIVED" if name in archived else "ACTIVE")
        for number, name in enumerate(names)
    ]


def _names(ranker: ContactRanker, name: str, **terms: str) -> list[str]:
    return [each.contact.name for each in ranker.rank(name, **terms)]


def test_the_issue_example_ranks_the_near_names_first_the_closest_first() -> None:
    ranker = ContactRanker(
        _contacts("Zed Corp", "Acme Wholes", "Acmé Wholesale", "Acme Wholesale Limited")
    )
    ranked = _names(ranker, "ACME Wholesale Ltd")
    assert ranked[0] == "Acme Wholesale Limited"
    assert set(ranked[:3]) == {"Acme Wholesale Limited", "Acmé Wholesale", "Acme Wholes"}
    assert ranked[3] == "Zed Corp"


def test_names_are_read_without_accents_case_punctuation_or_company_forms() -> None:
    assert read_name("ACME Wholesale Pty. Ltd.") == "acme wholesale"
    assert read_name("Acmé  Wholesale, Limited") == "acme wholesale"
    assert read_name("Müller GmbH & Co") == "muller"
    assert read_name("Company Ltd") == "company ltd"  # nothing but forms: kept whole
    assert read_key(" c-0042 ") == read_key("C 0042") == "c0042"


def test_an_archived_contact_is_shown_but_cannot_be_picked() -> None:
    ranker = ContactRanker(_contacts("Acme Wholesale", "Acme", archived=("Acme Wholesale",)))
    first, second = ranker.rank("Acme Wholesale")
    assert first.contact.name == "Acme Wholesale" and not first.selectable
    assert second.selectable


def test_the_reference_and_the_email_match_whatever_the_name() -> None:
    contacts = [
        XeroContact("id-1", "Acme Wholesale"),
        XeroContact("id-2", "Trading as Zed", account_number="C-42"),
        XeroContact("id-3", "Someone Else", email="Orders@Acme.example"),
    ]
    ranker = ContactRanker(contacts)
    by_reference = ranker.rank("Acme Wholesale", reference="c 42")
    assert by_reference[0].contact.contact_id == "id-2"
    assert (by_reference[0].score, by_reference[0].matched) == (100.0, Matched.ACCOUNT_NUMBER)
    by_email = ranker.rank("Nothing alike", email="orders@acme.example ")
    assert (by_email[0].contact.contact_id, by_email[0].matched) == ("id-3", Matched.EMAIL)


def test_typed_text_finds_the_names_holding_it_among_many() -> None:
    names = [f"Shop {number}" for number in range(5000)] + ["Harbour Deli Sydney"]
    ranker = ContactRanker(_contacts(*names))
    assert _names(ranker, "harbour")[0] == "Harbour Deli Sydney"
    assert len(ranker.rank("shop", limit=5)) == 5
    assert ranker.rank("", limit=3) == []  # nothing typed, no customer terms: nothing to rank
