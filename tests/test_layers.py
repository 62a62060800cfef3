"""The layers' import rules, read from the source: who may import whom, and no circles.

Every module of ``xerologdesk`` is parsed with ``ast`` and each import it makes is checked, at
module level or inside a function alike (a lazy import is still a dependency), and under
``if TYPE_CHECKING:`` too: a layer may not even name another's types. Only the circle check
leaves out imports that do not run when the module loads (inside functions, TYPE_CHECKING-only):
those are how a circle is legitimately broken.

``from package import name`` counts as importing ``package.name`` when that is a module, else
``package``. Tests of the checker feed it made-up modules, so it is shown to report what it must.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import xerologdesk

PACKAGE = Path(xerologdesk.__file__).resolve().parent
APP = "xerologdesk"


@dataclass(frozen=True)
class Import:
    """One import statement's target, as the importing module makes it."""

    importer: str
    target: str  # a dotted module name
    line: int
    at_load: bool  # runs when the importer is loaded: module level, not TYPE_CHECKING-only


@dataclass(frozen=True)
class Rule:
    """Modules under ``importers`` (less those under ``exempt``) import nothing under
    ``forbidden`` but what is under ``allowed``; ``why`` is the rule in words."""

    why: str
    importers: str
    forbidden: tuple[str, ...]
    allowed: tuple[str, ...] = ()
    exempt: tuple[str, ...] = ()


def within(name: str, prefixes: Iterable[str]) -> bool:
    """Whether module ``name`` is one of ``prefixes`` or inside one of those packages."""
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


QT = ("PySide6", "shiboken6")
RULES = (
    Rule("only the desktop layer imports Qt", APP, QT, exempt=(f"{APP}.ui",)),
    Rule(
        "the store (and the paths it opens) import only the store",
        f"{APP}.store",
        (APP,),
        allowed=(f"{APP}.store", f"{APP}.paths"),
    ),
    Rule("the xero layer imports nothing else of the app", f"{APP}.xero", (APP,), (f"{APP}.xero",)),
    Rule(
        "the sandbox stands alone (a stand-in for Xero shares nothing with the app)",
        f"{APP}.sandbox",
        (APP,),
        (f"{APP}.sandbox",),
    ),
    Rule(
        "sync is the domain: no desktop, no sandbox, no composition root",
        f"{APP}.sync",
        tuple(
            f"{APP}.{name}" for name in ("ui", "sandbox", "app", "commands", "cli", "connection")
        ),
    ),
    Rule(
        "the desktop reaches Xero only through xerologdesk.connection, never xero-python",
        f"{APP}.ui",
        ("xero_python", f"{APP}.xero"),
    ),
    Rule(
        "the desktop runs no query of its own: the store's functions read and write",
        f"{APP}.ui",
        ("peewee", "sqlite3", f"{APP}.store.models"),
    ),
    Rule(
        "the command line opens the desktop only through its launchers",
        f"{APP}.cli",
        (f"{APP}.ui",),
        allowed=(f"{APP}.ui.launch", f"{APP}.ui.smoke"),
    ),
    Rule(
        "the Qt-free modules never import the desktop",
        APP,
        (f"{APP}.ui",),
        exempt=(f"{APP}.ui", f"{APP}.cli"),
    ),
)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(
    source: str, module: str, *, is_package: bool, is_module: Callable[[str], bool]
) -> list[Import]:
    """Every import in ``source`` (the text of ``module``); ``is_module`` says whether a dotted
    name is a module (so ``from a import b`` is an import of ``a.b`` or of ``a``)."""
    found: list[Import] = []
    here = module.split(".") if is_package else module.split(".")[:-1]

    def absolute(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = here[: len(here) - node.level + 1]
        return ".".join([*base, *([node.module] if node.module else [])])

    def visit(node: ast.AST, at_load: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(module, alias.name, node.lineno, at_load) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source_module = absolute(node)
            for alias in node.names:
                named = f"{source_module}.{alias.name}"
                target = named if is_module(named) else source_module
                found.append(Import(module, target, node.lineno, at_load))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.iter_child_nodes(node):
                visit(child, False)  # runs when called, not when the module loads
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, at_load)
        else:
            for child in ast.iter_child_nodes(node):
                visit(child, at_load)

    visit(ast.parse(source), True)
    return found


def app_imports() -> list[Import]:
    """Every import made by every module of the app."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if package else parts)] = (path, package)
    found: list[Import] = []
    for name, (path, package) in modules.items():
        source = path.read_text(encoding="utf-8")
        found += imports_of(source, name, is_package=package, is_module=modules.__contains__)
    return found


def broken_rules(imports: Iterable[Import], rules: Iterable[Rule] = RULES) -> list[str]:
    """Each import that breaks a rule: where, what, and the rule."""
    broken = []
    for rule in rules:
        for each in imports:
            if (
                within(each.importer, [rule.importers])
                and not within(each.importer, rule.exempt)
                and within(each.target, rule.forbidden)
                and not within(each.target, rule.allowed)
            ):
                broken.append(f"{each.importer}:{each.line} imports {each.target}: {rule.why}")
    return broken


def circles(imports: Iterable[Import]) -> list[list[str]]:
    """The app's modules that import each other round in a circle when they load (each circle's
    modules, sorted): the strongly connected components of the load-time import graph."""
    graph: dict[str, set[str]] = {}
    for each in imports:
        if each.at_load and within(each.target, [APP]) and each.target != each.importer:
            graph.setdefault(each.importer, set()).add(each.target)
    return [sorted(group) for group in _components(graph) if len(group) > 1]


def _components(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components of ``graph``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph.get(node, ())):
            if neighbour not in index:
                connect(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


# -- the app -------------------------------------------------------------------------------------


def test_every_module_keeps_to_its_layer() -> None:
    imports = app_imports()
    # The walk sees the imports that matter: a broken walk would find nothing and pass.
    edges = {(each.importer, each.target) for each in imports}
    assert ("xerologdesk.ui.dialogs.connect_xero", "xerologdesk.connection") in edges
    assert ("xerologdesk.cli", "xerologdesk.ui.launch") in edges  # inside a function
    assert broken_rules(imports) == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert circles(app_imports()) == []


# -- the checker ---------------------------------------------------------------------------------

MADE_UP = {
    "xerologdesk.store.book": "from xerologdesk.sync import engine\n",
    "xerologdesk.sync.engine": "import xerologdesk.store.book\nimport xerologdesk.paths\n",
    "xerologdesk.paths": "def later():\n    import xerologdesk.sync.engine\n",
    "xerologdesk.ui.dialog": (
        "import xerologdesk.connection\n"
        "def sign_in():\n    from xerologdesk.xero.client import XERO\n"
    ),
    "xerologdesk.settings": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from PySide6.QtCore import QObject\n"
        "else:\n    import xerologdesk.store.book\n"
    ),
    "xerologdesk.cli": "def run():\n    from xerologdesk.ui import launch\n",
}


def made_up_imports() -> list[Import]:
    def is_module(name: str) -> bool:
        return name in MADE_UP or name in {"xerologdesk.ui.launch", "xerologdesk.sync.engine"}

    return [
        found
        for module, source in MADE_UP.items()
        for found in imports_of(source, module, is_package=False, is_module=is_module)
    ]


def test_the_checker_reports_each_forbidden_import() -> None:
    reported = broken_rules(made_up_imports())
    assert [line.split(": ")[0] for line in reported] == [
        "xerologdesk.settings:3 imports PySide6.QtCore",  # TYPE_CHECKING-only still counts
        "xerologdesk.store.book:1 imports xerologdesk.sync.engine",
        "xerologdesk.ui.dialog:3 imports xerologdesk.xero.client",  # inside a function too
    ]
    assert "only the desktop layer imports Qt" in reported[0]


def test_the_checker_reports_a_circle_of_load_time_imports_only() -> None:
    # book -> engine -> book is a circle; engine -> paths -> engine is not (paths imports
    # engine only when called), nor is settings' TYPE_CHECKING-only import.
    assert circles(made_up_imports()) == [["xerologdesk.store.book", "xerologdesk.sync.engine"]]


def test_relative_imports_are_resolved() -> None:
    found = imports_of(
        "from . import book\nfrom ..xero import client\n",
        "xerologdesk.store.queries",
        is_package=False,
        is_module=lambda name: name == "xerologdesk.store.book",
    )
    assert [each.target for each in found] == ["xerologdesk.store.book", "xerologdesk.xero"]
