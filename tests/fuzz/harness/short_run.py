"""The short fuzz run in ``make test``: Hypothesis settings, the targets of a test module
and the check on one input (the long run: ``tests/fuzz/run.py``)."""

from __future__ import annotations

from typing import Any, Final

from tests.fuzz.harness.choosers import Chooser
from tests.fuzz.harness.inputs import make_input
from tests.fuzz.harness.targets import Group, Target, targets
from tests.fuzz.harness.verdict import run_input

SHORT_RUN_EXAMPLES: Final = 200
"""Hypothesis examples per target in ``make test`` (the long run: ``tests/fuzz/run.py``)."""


def short_run_settings() -> Any:
    """Deterministic (derandomized, no example database) and quick."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=SHORT_RUN_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


def targets_in(group: Group) -> list[str]:
    return sorted(name for name, target in targets().items() if target.group == group)


def assert_survives(target: Target, chooser: Chooser) -> None:
    """Fuzz ``target`` with one input made by ``chooser``; fail on a crash."""
    name, data = make_input(target, chooser)
    outcome = run_input(target, name, data)
    if outcome.status == "crash":
        raise AssertionError(
            f"{target.name} reader crashed on {name!r} ({len(data)} bytes: {data[:200]!r}...)\n"
            + outcome.describe()
        ) from outcome.error
