"""The tests' own floor plan, enforced: builders shared by tests live in ``tests/support``.

A module under ``tests/`` never imports a test module (``test_*.py``) or a ``conftest.py``
(fixtures reach a test through pytest, builders through ``tests.support``), never a
``_private`` name of another tests module (nor reads one as ``module._name``), and reaches a
helper module outside ``tests/support`` only inside its own folder (``tests/fuzz`` and its
harness, for instance). ``tests/support`` imports nothing of the tests but itself.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SUPPORT = "tests.support"


@dataclass(frozen=True, slots=True)
class Use:
    """One use of a tests module: ``target`` (a module), or ``name`` from it."""

    line: int
    target: str
    name: str | None = None


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _is_tests(dotted: str) -> bool:
    return dotted == "tests" or dotted.startswith("tests.")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def uses(module: str, source: str, *, is_package: bool = False) -> list[Use]:
    """Every module of ``tests`` that ``source`` (the text of ``module``) imports, every name it
    imports from one, and every attribute it reads from one bound to a name."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[Use] = []
    bound: dict[str, str] = {}  # a local name → the tests module it stands for
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_tests(alias.name):
                    found.append(Use(node.lineno, alias.name))
                    if alias.asname:
                        bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            if not _is_tests(origin):
                continue
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                if _is_module(submodule):
                    found.append(Use(node.lineno, submodule))
                    bound[alias.asname or alias.name] = submodule
                else:
                    found.append(Use(node.lineno, origin, alias.name))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and _private(node.attr)
        ):
            found.append(Use(node.lineno, bound[node.value.id], node.attr))
    return found


def _folder(module: str) -> str:
    """The tests folder a module lives in (``tests.fuzz`` for ``tests.fuzz.harness.seeds``)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else "tests"


def broken_rules(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """What ``source`` (the text of tests module ``module``) does against the floor plan."""
    problems: list[str] = []
    for use in uses(module, source, is_package=is_package):
        where = f"{module}:{use.line}"
        last = use.target.rpartition(".")[2]
        if last.startswith("test_"):
            problems.append(f"{where} imports the test module {use.target}")
        elif last == "conftest":
            problems.append(f"{where} imports {use.target} (fixtures come through pytest)")
        elif use.name is not None and _private(use.name):
            problems.append(f"{where} uses the private {use.target}.{use.name}")
        elif _private(last):
            problems.append(f"{where} imports the private module {use.target}")
        elif use.target == SUPPORT or use.target.startswith(SUPPORT + "."):
            continue
        elif module == SUPPORT or module.startswith(SUPPORT + "."):
            problems.append(f"{where}: tests.support imports {use.target}, outside itself")
        elif _folder(use.target) != _folder(module) or _folder(module) == "tests":
            problems.append(
                f"{where} imports the helper {use.target} from another folder: "
                "shared builders belong in tests/support"
            )
    return list(dict.fromkeys(problems))  # one line per offence, not per name imported


def test_no_tests_module_reaches_into_another_test_module() -> None:
    problems = [
        problem
        for path in sorted(TESTS.rglob("*.py"))
        for problem in broken_rules(
            _module_of(path), path.read_text(), is_package=path.name == "__init__.py"
        )
    ]
    assert problems == []


def test_the_support_package_holds_no_tests() -> None:
    support = TESTS / "support"
    assert (support / "__init__.py").is_file()
    assert sorted(p.name for p in support.rglob("test_*.py")) == []
    assert sorted(p.name for p in support.rglob("conftest.py")) == []


def test_the_check_sees_every_way_in() -> None:
    """Each offence the rule names, in every import form, is found; the allowed uses are not."""
    source = "\n".join(
        [
            "import tests.ingest.test_gpx",  # 1: a test module
            "from tests.ingest.test_gpx import walk",  # 2: a name from a test module
            "from tests.ingest import test_gpx as g",  # 3: a test module, bound to a name
            "from tests.conftest import raw_key_file",  # 4: a conftest
            "from tests.fuzz.harness.mutators import _copies",  # 5: a private name
            "from tests.support import rules",  # 6: fine
            "rules._hidden",  # 7: a private name read from a module
            "from tests.fuzz.harness import targets",  # 8: a helper of another folder
            "from .test_tcx import doc",  # 9: relative, a test module
            "from tests.support.rules import walk, PHONE",  # 10: fine
            "def f():\n    from tests.hostile.conftest import no_prefect",  # 11-12: nested
            "import os, json",  # 13: not tests
        ]
    )
    problems = broken_rules("tests.ingest.test_example", source)
    lines = sorted({int(p.split(":")[1].split()[0]) for p in problems})
    assert lines == [1, 2, 3, 4, 5, 7, 8, 9, 12]
    assert broken_rules("tests.fuzz.test_x", "from tests.fuzz.harness import targets") == []
    assert broken_rules("tests.fuzz.harness", "from . import seeds", is_package=True) == []
    assert broken_rules("tests.support.x", "from tests.fuzz.harness import seeds") != []
    assert broken_rules("tests.support.x", "from tests.support.rules import walk") == []
