"""The house itself, read as source (ast; no database, no Redis): which module may import which,
that every import kept inside a function says why, and that the tests needing no service run with
none (``make test-unit``).

Every ``import`` statement counts, wherever it is: at the top, inside a function, under
``if TYPE_CHECKING``. A dependency hidden in a function is still a dependency. Imports by string
(``import_module(f"{app}.privacy")``, ``"checkins.CheckIn"`` in a ForeignKey) are not seen."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.subprocesses import ROOT, python

# --- reading the source ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    importer: str  # the module holding the statement, dotted
    target: str  # what it names, dotted: a module, or a module and a name in it
    path: Path
    line: int

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def python_files(*folders: str, migrations: bool = False) -> list[Path]:
    files = [
        path
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "__pycache__" not in path.parts
    ]
    return [path for path in files if migrations or "migrations" not in path.parts]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, path: Path) -> str:
    """The module a ``from ... import`` names, with relative levels resolved."""
    if not node.level:
        return node.module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def imports_in(path: Path) -> Iterator[Import]:
    importer = module_name(path)
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(importer, alias.name, path, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, path)
            for alias in node.names:
                # "from repair import home" names the module repair.home; "from repair.models
                # import User" names repair.models.User, inside repair.models: both are matched
                # by package prefix below.
                yield Import(importer, f"{module}.{alias.name}", path, node.lineno)


def inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# --- (a) test modules import helpers, never each other --------------------------------------------


def is_test_module(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "tests" and any(part.startswith("test_") for part in parts[1:])


def test_no_module_under_tests_imports_a_test_module():
    offenders = [
        f"{found.where()}: {found.importer} imports {found.target}"
        for path in python_files("tests")
        for found in imports_in(path)
        if is_test_module(found.target)
    ]

    assert not offenders, (
        "A test module imports another test module; move what is shared into a helper module "
        "(tests/access_matrix.py, tests/subprocesses.py, tests/factories.py):\n"
        + "\n".join(offenders)
    )


# --- (b) layering: lib <- couples <- program <- checkins <- rituals <- therapists <- home ----------

# The packages of the layout in their order (docs/architecture.md, "Layers"): each may import only
# the ones before it. Modules of repair/ in none of these (settings, urls, celery, middleware, ...) are
# the project's wiring and may import anything.
LIB = "repair.lib"
COUPLES = "repair.couples"
PROGRAM = "repair.program"
HOME = "repair.home"
CHECKINS = "checkins"
RITUALS = "rituals"
THERAPISTS = "repair.therapists"
LAYERS = (LIB, COUPLES, PROGRAM, CHECKINS, RITUALS, THERAPISTS, HOME)
APPS = LAYERS[1:]

# package -> the packages it must never import: every one after it.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    package: LAYERS[place + 1 :] for place, package in enumerate(LAYERS)
}
# Besides repair.home itself, only the project's wiring may import repair.home.
HOME_IMPORTERS = ("repair.urls", "repair.settings", "repair.celery")

# Imports allowed to break the rules, each with why, as (importing module, forbidden package). There
# are none; the list may only shrink: an entry that no longer matches an import fails the check too.
KNOWN_BREACHES: dict[tuple[str, str], str] = {}

SOURCE = ("repair", "checkins", "rituals")


def layer_of(module: str) -> str | None:
    """The most specific layer package holding ``module``, or None for the project's wiring."""
    holding = [package for package in LAYERS if inside(module, package)]
    return max(holding, key=len) if holding else None


def source_imports() -> list[Import]:
    return [found for path in python_files(*SOURCE) for found in imports_in(path)]


def breaches(found: Iterable[Import]) -> list[tuple[Import, str]]:
    """Every import that crosses a forbidden line, with the package it must not reach."""
    crossed: list[tuple[Import, str]] = []
    for one in found:
        layer = layer_of(one.importer)
        off_limits = set(FORBIDDEN.get(layer or "", ()))
        if layer != HOME and one.importer not in HOME_IMPORTERS:
            off_limits.add(HOME)
        crossed.extend((one, package) for package in off_limits if inside(one.target, package))
    return crossed


def test_no_package_imports_one_it_must_not():
    crossed = breaches(source_imports())
    new = sorted(
        {
            f"{one.where()}: {one.importer} imports {one.target} ({package} is off limits)"
            for one, package in crossed
            if (one.importer, package) not in KNOWN_BREACHES
        }
    )
    stale = sorted(set(KNOWN_BREACHES) - {(one.importer, package) for one, package in crossed})

    assert not new, (
        "lib <- couples <- program <- checkins <- rituals <- therapists <- home (docs/architecture.md):\n"
        + "\n".join(new)
    )
    assert not stale, f"These no longer happen; delete them from KNOWN_BREACHES: {stale}"


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for after in sorted(edges.get(node, ())):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in on_stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(groups)


def package_edges(found: Iterable[Import]) -> dict[str, dict[str, list[str]]]:
    """importing package -> imported package -> where, between different layer packages, leaving
    out the known breaches."""
    edges: dict[str, dict[str, list[str]]] = {}
    for one in found:
        source, target = layer_of(one.importer), layer_of(one.target)
        if source is None or target is None or source == target:
            continue
        if (one.importer, target) in KNOWN_BREACHES:
            continue
        edges.setdefault(source, {}).setdefault(target, []).append(one.where())
    return edges


def test_no_import_cycle_between_packages():
    edges = package_edges(source_imports())

    found = cycles({source: set(targets) for source, targets in edges.items()})

    described = [
        " <-> ".join(group)
        + ": "
        + "; ".join(
            f"{a} -> {b} at {edges[a][b][0]}" for a in group for b in group if b in edges.get(a, {})
        )
        for group in found
    ]
    assert not found, "Import cycles between packages:\n" + "\n".join(described)


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"checkins": {"rituals"}, "rituals": {"checkins"}}, [["checkins", "rituals"]]),
        (
            {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}},
            [["a", "b", "c"]],
        ),
        ({"repair.couples": set(), "checkins": {"repair.couples"}}, []),
    ],
)
def test_the_cycle_finder_finds_cycles_and_only_cycles(
    edges: dict[str, set[str]], expected: list[list[str]]
):
    assert cycles(edges) == expected


def test_the_layer_rules_catch_a_breach_in_the_planned_layout():
    """The rules bite: a layer importing a later one is caught, an earlier one is fine."""
    path = ROOT / "repair" / "lib" / "cache.py"
    planned = [
        Import("repair.lib.cache", "repair.couples.models.User", path, 1),
        Import("repair.couples.services", "rituals.models.Reminder", path, 2),
        Import("checkins.views", "repair.home.today", path, 3),
        Import("repair.urls", "repair.home.views", path, 4),
        Import("repair.home.today", "checkins.selectors", path, 5),
        Import("checkins.selectors", "repair.couples.models", path, 6),
        Import("checkins.services", "rituals.reminders.sync", path, 7),
        Import("rituals.selectors", "checkins.models", path, 8),
    ]

    crossed = {(one.importer, package) for one, package in breaches(planned)}

    assert crossed == {
        ("repair.lib.cache", COUPLES),
        ("repair.couples.services", RITUALS),
        ("checkins.views", HOME),
        ("checkins.services", RITUALS),
    }


# --- (c) an import inside a function says why ------------------------------------------------------

# Tool directives are not reasons: a noqa code with words after it explains, a bare code does not.
DIRECTIVE = re.compile(
    r"noqa(:\s*[A-Z]+[0-9]+(\s*,\s*[A-Z]+[0-9]+)*)?|type:\s*ignore(\[[^\]]*\])?|pragma:.*|fmt:\s*\w+"
)


def is_reason(comment: str) -> bool:
    return re.search(r"[A-Za-z]{3}", DIRECTIVE.sub("", comment.lstrip("#"))) is not None


def unexplained_local_imports(path: Path) -> list[str]:
    """The function-local imports of ``path`` with no reason given: a comment on the statement's
    own lines, or a comment line right above it. Consecutive local imports (blank lines between
    allowed) share the comment above the first."""
    text = path.read_text()
    lines = text.splitlines()
    comments: dict[int, list[str]] = {}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            comments.setdefault(token.start[0], []).append(token.string)

    def explained_on(line: int) -> bool:
        return any(is_reason(comment) for comment in comments.get(line, []))

    local: dict[int, ast.Import | ast.ImportFrom] = {}  # first line -> statement
    for function in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    local[node.lineno] = node
    starts = {line: node.lineno for node in local.values() for line in _lines(node)}

    def explained(node: ast.Import | ast.ImportFrom) -> bool:
        if any(explained_on(line) for line in _lines(node)):
            return True
        line = node.lineno - 1
        while line > 0:
            above = lines[line - 1].strip()
            if line in starts:  # another local import of the same run: look above it
                line = starts[line] - 1
            elif not above:
                line -= 1
            else:
                return above.startswith("#") and explained_on(line)
        return False

    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return [
        f"{shown}:{line}: {lines[line - 1].strip()}"
        for line, node in sorted(local.items())
        if not explained(node)
    ]


def _lines(node: ast.stmt) -> range:
    return range(node.lineno, (node.end_lineno or node.lineno) + 1)


def test_every_import_inside_a_function_says_why():
    files = [*python_files(*SOURCE, "tests", migrations=True), ROOT / "manage.py"]

    offenders = [offender for path in files for offender in unexplained_local_imports(path)]

    assert not offenders, (
        "Import at the top, or say on the line above why not (an import cycle, a heavy import "
        "only one command needs, Django not set up yet, ...):\n" + "\n".join(offenders)
    )


def test_a_local_import_needs_a_reason_not_a_directive(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def bare():\n"
        "    import json\n"
        "\n"
        "def silenced():\n"
        "    import json  # noqa: PLC0415\n"
        "\n"
        "def after_code():\n"
        "    x = 1  # a comment on other code\n"
        "    import json\n"
        "\n"
        "def explained():\n"
        "    # heavy, and only this command needs it\n"
        "    import json\n"
        "\n"
        "    import csv\n"
        "\n"
        "def inline():\n"
        "    from repair import checks  # noqa: F401 (registers the system checks)\n"
    )

    found = [line.split(": ", 1)[0] for line in unexplained_local_imports(sample)]

    assert found == [f"{sample}:2", f"{sample}:5", f"{sample}:9"]


# --- the unit selection runs with no service at all -----------------------------------------------

# Port 1 on this machine: nothing listens there, so any connection is refused at once.
NOWHERE = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:1/no-database-for-unit-tests",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "CELERY_BROKER_URL": "redis://127.0.0.1:1/1",
    "SECRET_KEY": "test-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DEBUG": "false",
    "SITE_URL": "http://testserver",
    "PYTEST_ADDOPTS": "",
}


@pytest.mark.runs_pytest
def test_the_unit_tests_pass_with_postgres_and_redis_unreachable(tmp_path: Path):
    """What ``make test-unit`` runs: every test marked ``unit`` by tests/conftest.py, in a fresh
    pytest with PostgreSQL and Redis pointed at a closed port."""
    result = python(
        ["-m", "pytest", "-m", "unit", "-q", "-p", "no:cacheprovider"],
        NOWHERE,
        tmp_path,
        timeout=900,
    )

    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    passed = re.search(r"(\d+) passed", summary)
    deselected = re.search(r"(\d+) deselected", summary)
    assert passed is not None, summary
    assert deselected is not None, summary  # the selection did leave the service tests out
    assert int(passed.group(1)) > 20, summary
    assert not re.search(r"failed|error|skipped", summary), summary


# --- (e) no text translated at import time ---------------------------------------------------------

EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def eager_translations(path: Path) -> list[str]:
    """Calls of the eager gettext functions (by whatever name they were imported as) outside any
    function: at import time they freeze a message in the language active then (the default)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    found: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            in_function = True
        if (
            not in_function
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in names
        ):
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            found.append(f"{shown}:{node.lineno}")
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(tree, False)
    return found


def test_no_message_is_translated_at_import_time():
    found = [line for path in python_files(*SOURCE) for line in eager_translations(path)]

    assert not found, "gettext at import time (use gettext_lazy):\n" + "\n".join(found)


def test_the_import_time_check_sees_a_frozen_message(tmp_path: Path):
    sample = tmp_path / "frozen.py"
    sample.write_text(
        "from django.utils.translation import gettext as _\n"
        "TITLE = _('Hello')\n"
        "def later():\n    return _('Fine')\n"
    )

    assert eager_translations(sample) == ["frozen.py:2"]
