"""docs/running.md and deploy/backtrack.service say what ``backtrack up`` really takes."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from pipelines.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "running.md"
UNIT = ROOT / "deploy" / "backtrack.service"


def _up_options() -> set[str]:
    result = CliRunner().invoke(app, ["up", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return set(re.findall(r"--[a-z][a-z-]+", result.output))


def test_the_service_file_is_the_one_the_docs_show() -> None:
    shown = DOC.read_text().split("```ini\n", 1)[1].split("```", 1)[0]
    assert UNIT.read_text().split("\n", 1)[1] == shown


def test_every_option_the_docs_and_the_service_pass_to_backtrack_up_exists() -> None:
    lines = [
        line
        for text in (DOC.read_text(), UNIT.read_text(), (ROOT / "Makefile").read_text())
        for line in text.splitlines()
        if "backtrack up" in line or line.lstrip().startswith("--data-dir")
    ]
    used = {option for line in lines for option in re.findall(r"(?<![\w-])--[a-z][a-z-]+", line)}
    assert used, lines
    assert used <= _up_options(), sorted(used - _up_options())
