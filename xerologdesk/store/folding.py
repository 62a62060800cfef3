"""Accent folding for log search: "Café Étoile" is found by "cafe etoile".

The SQLite that ships with Python 3.11 to 3.13 (3.40 to 3.45) has a trigram tokenizer that folds
case but not accents (``remove_diacritics`` came to it in 3.45), so the search index holds the
log's names already folded. One table of letters does it: the index's triggers call it as the
SQL function ``xld_fold_accents``, which every connection the app opens registers (so an edit
from a plain ``sqlite3`` shell fails rather than leaving the index unfolded).
"""

from __future__ import annotations

import functools
import unicodedata

# The Latin letters with marks (Latin-1, Extended-A and -B, Extended Additional: French,
# German, Nordic, Polish, Turkish, Vietnamese...) and the few whose base letter no Unicode
# decomposition gives.
_LATIN_RANGES = (range(0x00C0, 0x0250), range(0x1E00, 0x1F00))
_NOT_DECOMPOSED = {
    "Æ": "AE",
    "æ": "ae",
    "Ø": "O",
    "ø": "o",
    "Œ": "OE",
    "œ": "oe",
    "ß": "ss",
    "Đ": "D",
    "đ": "d",
    "Ł": "L",
    "ł": "l",
    "\u0131": "i",  # dotless i
}


@functools.cache
def _letters() -> dict[str, str]:
    """Each accented letter and the plain letters it folds to."""
    letters = dict(_NOT_DECOMPOSED)
    for block in _LATIN_RANGES:
        for point in block:
            letter = chr(point)
            decomposed = unicodedata.normalize("NFKD", letter)
            base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
            if base and base != letter and base.isascii():
                letters[letter] = base
    return letters


def letters_folded() -> dict[str, str]:
    """Each accented letter and the plain letters it folds to (for PostgreSQL's own function,
    which store.engines builds from it)."""
    return dict(_letters())


@functools.cache
def _table() -> dict[int, str]:
    return str.maketrans(_letters())


def fold_accents(text: str) -> str:
    """``text`` with its accented Latin letters replaced by plain ones (case kept)."""
    return text if text.isascii() else text.translate(_table())


def fold_accents_or_null(text: str | None) -> str | None:
    """:func:`fold_accents` as an SQL function: NULL passes through (an order with no invoice
    number yet)."""
    return None if text is None else fold_accents(text)
