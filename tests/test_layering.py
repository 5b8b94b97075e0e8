"""The architecture, enforced: which package and which room may import what (README,
'Architecture'), and no import cycle anywhere in ``ingest``, ``pipelines``, ``dashboards``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ingest", "pipelines", "dashboards", "demo")

FORBIDDEN = {
    "ingest": {"pipelines", "dashboards", "demo", "prefect", "streamlit"},
    "dashboards": {"ingest", "demo", "prefect", "fitparse"},
    "pipelines": {"dashboards", "demo", "streamlit"},
}
ONLY_IN = {  # a module that alone may import a library
    "prefect": {"pipelines/orchestrate/flows.py", "pipelines/orchestrate/serve.py"},
    # the Dask runner (--runner dask) is chosen and set up in the flows module alone
    "prefect_dask": {"pipelines/orchestrate/flows.py"},
    "distributed": {"pipelines/orchestrate/flows.py"},
    "dask": {"pipelines/orchestrate/flows.py"},
    "typer": {"pipelines/cli", "demo"},
    # the FHIR models validate the export in one place (docs/fhir.md)
    "fhir": {"pipelines/rules/fhir.py"},
}
# The rooms of pipelines/, lowest first: a module imports from its own room or a lower one.
# config and schemas are the vocabulary every room shares; the rules are pure transforms;
# the store owns every file; the use cases join rules to the store; orchestration (the only
# Prefect) and the command line sit on top. The dashboards read through the store and the
# use cases, never through orchestration or the CLI.
ROOMS = ("vocabulary", "rules", "store", "app", "orchestrate", "cli")
VOCABULARY = {"pipelines.config", "pipelines.schemas", "pipelines"}
DASHBOARDS_MAY_REACH = "app"


def _room(module: str) -> str:
    if module in VOCABULARY:
        return "vocabulary"
    room = module.split(".")[1]
    assert room in ROOMS, f"{module}: pipelines/ modules live in a room ({', '.join(ROOMS)})"
    return room


def _module_name(path: Path) -> str:
    base = ROOT if path.is_relative_to(ROOT) else path.parent
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _known_modules() -> set[str]:
    return {_module_name(p) for package in PACKAGES for p in _modules(package)}


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under ``if TYPE_CHECKING:`` (types only, never run)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imported(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, at any depth (a function's lazy import counts), as
    dotted names; ``from package import name`` yields ``package.name`` too."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _type_checking_only(tree)
    here = _module_name(path).split(".")
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_package else here[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module
            for alias in node.names:
                yield f"{module}.{alias.name}"


def _imports(path: Path) -> set[str]:
    """The top-level names of what ``path`` imports."""
    return {name.split(".")[0] for name in _imported(path)} - {""}


def _internal_imports(path: Path, known: set[str]) -> set[str]:
    return {name for name in _imported(path) if name in known} - {_module_name(path)}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_forbidden_layers(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in _modules(package)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("library", sorted(ONLY_IN))
def test_library_imported_only_where_allowed(library: str) -> None:
    users = {
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in _modules(package)
        if library in _imports(path)
    }
    allowed = ONLY_IN[library]
    assert {u for u in users if not any(u == a or u.startswith(a + "/") for a in allowed)} == set()


def test_pipelines_rooms_import_only_their_own_or_lower_rooms() -> None:
    known = _known_modules()
    upward = {}
    for path in _modules("pipelines"):
        mine = _room(_module_name(path))
        higher = sorted(
            name
            for name in _internal_imports(path, known)
            if name.startswith("pipelines") and ROOMS.index(_room(name)) > ROOMS.index(mine)
        )
        if higher:
            upward[str(path.relative_to(ROOT))] = higher
    assert upward == {}


def test_the_dashboards_reach_no_higher_than_the_use_cases() -> None:
    known = _known_modules()
    limit = ROOMS.index(DASHBOARDS_MAY_REACH)
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in _internal_imports(path, known)
            if name.startswith("pipelines") and ROOMS.index(_room(name)) > limit
        )
        for path in _modules("dashboards")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), or a module
    importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _graph() -> dict[str, set[str]]:
    known = _known_modules()
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in _modules(package):
            name = _module_name(path)
            # importing a package runs its __init__, not its submodules: an edge to the
            # package itself is an edge to its __init__ module
            graph[name] = {
                m for m in _internal_imports(path, known) if not name.startswith(m + ".")
            }
    return graph


def test_no_import_cycle_anywhere() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_dashboard_process_never_loads_parsers() -> None:
    """Not only direct imports: the dashboard process never loads a file parser or Prefect
    (uploads are handed to the ingest flow in another process)."""
    import subprocess
    import sys

    code = (
        "import sys, dashboards.data, dashboards.charts, dashboards.uploads, "
        "pipelines.app.uploads; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'fitparse', 'prefect', 'lxml', 'openpyxl'} or m in "
        "{'ingest.read', 'ingest.fit', 'ingest.containers', 'ingest.formats'}); "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_the_check_sees_every_import_form(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import prefect.flows\nfrom streamlit import x\nimport os, pipelines.app as j\n"
        "from . import sibling\ndef f():\n    import dashboards\n"
    )
    assert _imports(module) == {"prefect", "streamlit", "os", "pipelines", "dashboards"}
