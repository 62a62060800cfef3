"""Which Xero contacts a customer probably is: the organisation's contacts ranked by similarity
to the customer's name, reference and email, for linking a customer to an existing contact.

Names are compared as people read them: accents folded (``store.folding``), case ignored,
punctuation read as spaces and company forms ("Ltd", "Limited", "Pty", "Inc", "LLC", "GmbH",
"Co"...) left out, so "ACME Wholesale Ltd" and "Acmé Wholesale Limited" are the same name. A
contact's score (0 to 100) is the highest of:

- its name's similarity (rapidfuzz: the weighted ratio and the token-sort ratio of the names so
  read, averaged, for nine tenths; the plain ratio of the names as written, case aside, for one
  tenth, so of two names read alike the one closer as written ranks first);
- 100 when its AccountNumber is the customer's reference, punctuation, spaces and case aside;
- 100 when its email is the customer's, case aside.

Archived contacts are ranked too but cannot be picked: Xero keeps them, and an invoice cannot
go to one. Qt-free. The contacts are read once (:meth:`ContactRanker.read`, one paged fetch)
and ranked as often as the user types.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from xerologdesk.store.folding import fold_accents
from xerologdesk.xero.gateway import XeroGateway
from xerologdesk.xero.records import XeroContact

# Words that say what kind of company it is, not which: left out of the names compared.
COMPANY_FORMS = frozenset(
    {
        "ag",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "incorporated",
        "limited",
        "llc",
        "llp",
        "ltd",
        "nv",
        "plc",
        "pte",
        "pty",
        "proprietary",
        "sa",
        "sarl",
        "srl",
    }
)
SHOWN = 20  # suggestions listed by default
# The names a cheap first pass keeps for the costly weighted ratio (see _name_scores): at least
# CANDIDATES, and ten per suggestion asked, so a good name the cheap pass ranks lower still
# reaches the final score.
CANDIDATES = 200
CANDIDATES_PER_SHOWN = 10
_NOT_WORD = re.compile(r"[\W_]+")


class Matched:
    """What gave a suggestion its score."""

    NAME = "name"
    ACCOUNT_NUMBER = "account number"
    EMAIL = "email"


_PRIORITY = {Matched.ACCOUNT_NUMBER: 2, Matched.EMAIL: 1, Matched.NAME: 0}


def read_name(name: str) -> str:
    """A name as compared: accents folded, case ignored, punctuation as spaces, company forms
    left out (unless nothing else is left)."""
    words = _NOT_WORD.sub(" ", fold_accents(name).casefold()).split()
    kept = [word for word in words if word not in COMPANY_FORMS]
    return " ".join(kept or words)


def read_key(key: str) -> str:
    """A reference or account number as compared: letters and digits only, case ignored."""
    return _NOT_WORD.sub("", fold_accents(key).casefold())


@dataclass(frozen=True)
class Suggestion:
    """A contact the customer may be, with how sure."""

    contact: XeroContact
    score: float  # 0 to 100
    matched: str  # a Matched word

    @property
    def selectable(self) -> bool:
        """Whether the customer can be linked to it (not to an archived contact)."""
        return not self.contact.archived


class ContactRanker:
    """An organisation's contacts, read for comparing once, ranked against any customer."""

    def __init__(self, contacts: Sequence[XeroContact]) -> None:
        self.contacts = tuple(contacts)
        self._names = [read_name(contact.name) for contact in self.contacts]
        self._sorted = [_sorted_words(name) for name in self._names]
        self._written = [contact.name.casefold() for contact in self.contacts]
        self._accounts = _index(read_key(contact.account_number) for contact in self.contacts)
        self._emails = _index(contact.email.strip().casefold() for contact in self.contacts)

    @classmethod
    def read(cls, gateway: XeroGateway) -> ContactRanker:
        """Every contact of the connected organisation, archived included (one paged read)."""
        return cls(gateway.all_contacts())

    def rank(
        self, name: str, reference: str = "", email: str = "", limit: int = SHOWN
    ) -> list[Suggestion]:
        """The ``limit`` contacts most like a customer (or like text typed to search), best
        first."""
        scores = self._name_scores(name, max(CANDIDATES, CANDIDATES_PER_SHOWN * limit))
        matched: dict[int, str] = {}
        for numbers, word in (
            (self._accounts.get(read_key(reference), ()), Matched.ACCOUNT_NUMBER),
            (self._emails.get(email.strip().casefold(), ()), Matched.EMAIL),
        ):
            for number in numbers:
                scores[number], matched[number] = 100.0, word
        # At equal scores, as the sync matches: the account number, then the email, then the name.
        best = heapq.nlargest(
            limit,
            scores,
            key=lambda number: (
                scores[number],
                _PRIORITY[matched.get(number, Matched.NAME)],
                -number,
            ),
        )
        return [
            Suggestion(
                self.contacts[number],
                round(scores[number], 1),
                matched.get(number, Matched.NAME),
            )
            for number in best
        ]

    def _name_scores(self, name: str, candidates: int) -> dict[int, float]:
        """The name scores against ``name`` of the contacts worth scoring, by position.

        Worth scoring: the ``candidates`` names nearest by the plain ratio of their sorted words
        (a few milliseconds over 20,000 contacts), and those that hold the name whole (a name
        being typed into a search). Only these get the weighted ratio, which costs 30 to 120 ms
        over 20,000.
        """
        read, written = read_name(name), name.casefold()
        if not read:
            return {}
        near = process.extract(
            _sorted_words(read), self._sorted, scorer=fuzz.ratio, limit=candidates, processor=None
        )
        holding = [number for number, each in enumerate(self._names) if read in each]
        worth = {number for _, _, number in near} | set(holding[:candidates])
        return {
            number: 0.45 * fuzz.WRatio(read, self._names[number], processor=None)
            + 0.45 * fuzz.ratio(_sorted_words(read), self._sorted[number], processor=None)
            + 0.1 * fuzz.ratio(written, self._written[number], processor=None)
            for number in worth
        }


def _sorted_words(name: str) -> str:
    """A read name's words in sorted order: their plain ratio is the token-sort ratio."""
    return " ".join(sorted(name.split()))


def _index(keys: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """The positions of each key ("" left out: it matches nothing)."""
    found: dict[str, list[int]] = {}
    for number, key in enumerate(keys):
        if key:
            found.setdefault(key, []).append(number)
    return {key: tuple(numbers) for key, numbers in found.items()}
