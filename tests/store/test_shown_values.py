"""How a value is quoted in a message (store.values.shown): the importer's problems and the
engine's sync reasons quote values the one way, each at its own length."""

from __future__ import annotations

from decimal import Decimal

from xerologdesk.store.values import shown


def test_a_long_value_is_cut_to_the_length_with_an_ellipsis() -> None:
    assert shown("x" * 60) == f"\u201c{'x' * 60}\u201d"
    assert shown("x" * 61) == f"\u201c{'x' * 59}\u2026\u201d"
    assert shown("y" * 41, 40) == f"\u201c{'y' * 39}\u2026\u201d"


def test_control_characters_are_blotted() -> None:
    # A line break or an escape code in a message would garble it, or the terminal showing it.
    assert shown("a\nb\x1b[2Jc\x85") == "\u201ca\ufffdb\ufffd[2Jc\ufffd\u201d"


def test_amounts_without_padding_and_true_false_as_words() -> None:
    assert shown(Decimal("9.5000")) == "\u201c9.5\u201d"
    assert shown(True) == "true" and shown(False) == "false"
