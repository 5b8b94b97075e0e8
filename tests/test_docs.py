"""Docs stay true: the tables reference is generated, every CLI command is in the README, the
fuzzing page's results table is complete and adds up."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines import schemas
from pipelines.cli.main import app

ROOT = Path(__file__).resolve().parents[1]


def test_tables_doc_is_generated_from_the_schemas() -> None:
    assert (ROOT / "docs" / "tables.md").read_text().strip() == schemas.markdown().strip(), (
        "run `make docs`"
    )


def test_every_cli_command_is_documented_in_the_readme() -> None:
    import typer.main

    readme = (ROOT / "README.md").read_text()
    group = typer.main.get_group(app)
    names = []
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        names += [f"{name} {s}" for s in sub] if sub else [name]
    missing = [n for n in names if f"`{n}" not in readme]
    assert missing == []


def test_every_command_the_makefile_runs_is_an_installed_script() -> None:
    """`make demo` runs `backtrack-demo`: each `$(BIN)/<name>` the Makefile calls that is not
    a tool of the venv itself is one of pyproject.toml's [project.scripts], and each of those
    points at an importable callable."""
    import importlib
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    called = set(re.findall(r"\$\(BIN\)/([A-Za-z0-9_-]+)", (ROOT / "Makefile").read_text()))
    tools = {"python", "pip", "ruff", "mypy", "streamlit", "mutmut"}  # from requirements.lock
    assert called - tools <= set(scripts), f"not installed by pyproject.toml: {called - tools}"
    assert {"backtrack", "backtrack-demo"} <= set(scripts)
    for name, target in scripts.items():
        module, _, attribute = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attribute)), name
