"""The stored words (statuses, actions, outbox kinds and states) are spelt only in the vocabulary.

A walk over every module of the app (the sandbox and the xero layer speak Xero's words, not
ours) reports each string constant equal to a stored word; a test of the test shows the walk
bites; and the enum values are checked against what the database really holds.
"""

from __future__ import annotations

import ast
from pathlib import Path

from xerologdesk.store import vocabulary
from xerologdesk.store.vocabulary import (
    Action,
    AttemptAction,
    OutboxKind,
    OutboxState,
    Status,
    XeroStatus,
)

PACKAGE = Path(vocabulary.__file__).resolve().parent.parent
EXCLUDED = (PACKAGE / "sandbox", PACKAGE / "xero", Path(vocabulary.__file__).resolve())
WORDS = frozenset(
    member.value
    # RefreshedResource is left out: its words ("invoices", "items") are also the keys of the
    # JSON the outbox keeps and Xero's, which are not stored words of ours.
    for enum in (Status, Action, AttemptAction, OutboxKind, OutboxState, XeroStatus)
    for member in enum
)


# Calls whose first argument names something else that may be spelt like a stored word: the
# CLI's sub-command "sync" and the function of commands.py that runs it are command-line
# words, and a log column's key is the ui's.
NAMING_CALLS = frozenset({"add_parser", "_lazy", "Column"})
# Calls whose string arguments are words of a sentence for people: how a database file went
# ("deleted") is prose, not the Xero status of an invoice.
PROSE_CALLS = frozenset({"DatabaseFileGone"})
# Enums declaring the names of something else, each the one place they are spelt: the main
# window's commands (ui.window_actions), where "sync" is Sync now and "retry" a menu entry.
NAME_ENUMS = frozenset({"Command"})


def _not_stored_words(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are prose or other names, not stored words."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.add(id(node.value))  # a docstring: prose, not a key
        elif isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            if isinstance(node.func, ast.Name):
                name = node.func.id
            if name in NAMING_CALLS:
                skipped.add(id(node.args[0]))
            if name in PROSE_CALLS:
                skipped.update(id(arg) for arg in node.args if isinstance(arg, ast.Constant))
        elif isinstance(node, ast.ClassDef) and node.name in NAME_ENUMS:
            skipped.update(id(item.value) for item in node.body if isinstance(item, ast.Assign))
    return skipped


def literal_words(source: str) -> list[tuple[int, str]]:
    """The (line, word) of each string constant in ``source`` that is a stored word (not
    prose, and not a name of something else: see NAMING_CALLS and NAME_ENUMS)."""
    tree = ast.parse(source)
    skipped = _not_stored_words(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in WORDS
        and id(node) not in skipped
    ]


def app_modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not any(path == ex or ex in path.parents for ex in EXCLUDED)
    ]


# The bare words still left, per module, while issue 19's move 1 replaces them: a ratchet. A
# module may not gain one; one that loses some must lower its number here (to drop the entry).
LEFT_TO_REPLACE: dict[str, int] = {}


def test_no_module_spells_more_stored_words_than_it_is_left() -> None:
    found: dict[str, list[str]] = {}
    for path in app_modules():
        hits = literal_words(path.read_text(encoding="utf-8"))
        if hits:
            found[path.relative_to(PACKAGE).as_posix()] = [f"{line}: {w!r}" for line, w in hits]
    grown = {name: hits for name, hits in found.items() if len(hits) > LEFT_TO_REPLACE.get(name, 0)}
    assert grown == {}, "use the store.vocabulary enums instead of these words"
    counts = {name: len(hits) for name, hits in found.items()}
    assert counts == LEFT_TO_REPLACE, "fewer bare words left: lower LEFT_TO_REPLACE to match"


def test_the_walk_reports_a_bare_status() -> None:
    source = 'def f(status):\n    """failed"""\n    return status == "failed"\n'
    assert literal_words(source) == [(3, "failed")]
    assert literal_words('label = "3 failed"\n') == []


def test_the_walk_tells_other_names_only_where_they_are_declared() -> None:
    source = (
        'commands.add_parser("sync").set_defaults(run=_lazy("sync"))\n'
        'Column("invoice", "Xero invoice")\n'
        'class Command(StrEnum):\n    SYNC = "sync"\n'
        'class Step(StrEnum):\n    RETRY = "retry"\n'
        'MENU = ("sync",)\n'
        'parser.add_argument("--status", choices=["failed"])\n'
    )
    assert sorted(literal_words(source)) == [(6, "retry"), (7, "sync"), (8, "failed")]


def test_the_walk_covers_the_app_but_not_xeros_words() -> None:
    names = {path.relative_to(PACKAGE).as_posix() for path in app_modules()}
    assert {"store/book.py", "sync/engine.py", "commands.py"} <= names
    assert not any(name.startswith(("sandbox/", "xero/")) for name in names)
    assert "store/vocabulary.py" not in names


def test_every_engine_action_is_a_recordable_attempt() -> None:
    # Two enums, since a StrEnum with members cannot be extended: an action added to the
    # engine's must be added to what an attempt may record.
    assert {a.value for a in Action} <= {a.value for a in AttemptAction}
