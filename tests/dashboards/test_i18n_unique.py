"""Every English text has one German text across all modules and pages: ``i18n.register``
refuses a second one at run time, and this test finds one without running a page."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboards import i18n

ROOT = Path(__file__).resolve().parents[2] / "dashboards"


def _registered() -> dict[str, set[tuple[str, str]]]:
    """English text → {(German text, file)} of every ``register({...})`` with a literal dict."""
    found: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "register"
                and node.args
                and isinstance(node.args[0], ast.Dict)
            ):
                continue
            for key, value in zip(node.args[0].keys, node.args[0].values, strict=True):
                try:
                    english, german = ast.literal_eval(key), ast.literal_eval(value)  # type: ignore[arg-type]
                except ValueError:  # a computed text: not checkable here
                    continue
                found.setdefault(english, set()).add((german, path.name))
    return found


def test_no_english_text_has_two_german_texts() -> None:
    registered = _registered()
    assert len(registered) > 300  # the scan sees the pages' texts
    clashes = {
        english: sorted(places)
        for english, places in registered.items()
        if len({german for german, _ in places}) > 1
    }
    assert clashes == {}


def test_register_refuses_a_second_german_text() -> None:
    i18n.register({"test text only": "nur Testtext"})
    i18n.register({"test text only": "nur Testtext"})  # the same again: fine
    with pytest.raises(ValueError, match="two German texts"):
        i18n.register({"test text only": "anderer Text"})
