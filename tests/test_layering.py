"""The architecture, enforced: which package may import what (see README, 'Architecture')."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "ingest": {"pipelines", "dashboards", "prefect", "streamlit"},
    "dashboards": {"ingest", "prefect", "fitparse"},
    "pipelines": {"dashboards", "streamlit"},
}
ONLY_IN = {  # a module that alone may import a library
    "prefect": {"pipelines/orchestrate/flows.py", "pipelines/orchestrate/serve.py"},
    # the Dask runner (--runner dask) is chosen and set up in the flows module alone
    "prefect_dask": {"pipelines/orchestrate/flows.py"},
    "distributed": {"pipelines/orchestrate/flows.py"},
    "dask": {"pipelines/orchestrate/flows.py"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


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
        for package in ("ingest", "pipelines", "dashboards")
        for path in _modules(package)
        if library in _imports(path)
    }
    assert users <= ONLY_IN[library]


def test_the_dashboard_process_never_loads_parsers() -> None:
    """Not only direct imports: the dashboard process never loads a file parser or Prefect
    (uploads are handed to the ingest flow in another process)."""
    import subprocess
    import sys

    code = (
        "import sys, dashboards.data, dashboards.charts, pipelines.app.jobs; "
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
        "import prefect.flows\nfrom streamlit import x\nimport os, pipelines.app.jobs as j\n"
        "from . import sibling\ndef f():\n    import dashboards\n"
    )
    assert _imports(module) == {"prefect", "streamlit", "os", "pipelines", "dashboards"}
