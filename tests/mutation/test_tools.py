"""The tools of ``make mutation`` (tests/mutation): the random sample it tests and the
package's score it estimates from it, with hand-worked figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.mutation import report, sample


@pytest.mark.parametrize(
    ("killed", "counted", "low", "high"),
    [
        # p = 0.97, z² = 3.8416: centre (0.97 + 0.019208) / 1.038416 = 0.95262,
        # half 1.96 · √(0.000291 + 0.00009604) / 1.038416 = 0.03713
        (97, 100, 0.9155, 0.9898),
        # p = 1: centre (1 + 0.0019208) / 1.0038416 = 0.99809, half = 1.96 · 0.0009800 / 1.0038416
        (1000, 1000, 0.9962, 1.0),
        (0, 10, 0.0, 0.2775),  # the upper end 3.8416 / 13.8416
    ],
)
def test_the_wilson_interval_of_hand_worked_proportions(
    killed: int, counted: int, low: float, high: float
) -> None:
    got = report.wilson(killed, counted)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_the_sample_is_the_same_for_the_same_names_and_seed_and_a_subset() -> None:
    names = [f"pipelines.rules.daily.x_f__mutmut_{i}" for i in range(1, 10_001)]
    first = sample.choose(names, 1000, seed=7)
    assert first == sample.choose(list(reversed(names)), 1000, seed=7)  # order does not matter
    assert len(first) == len(set(first)) and set(first) <= set(names)
    # each name with chance 1/10: 1000 expected, sd √(10000 · 0.1 · 0.9) = 30; ±4 sd
    assert 880 <= len(first) <= 1120
    assert first != sample.choose(names, 1000, seed=8)
    assert sample.choose(names[:30], 100, seed=7) == sorted(names[:30])  # fewer: every one


def test_a_name_stays_in_or_out_of_the_sample_when_other_names_change() -> None:
    names = [f"pipelines.rules.daily.x_f__mutmut_{i}" for i in range(1, 10_001)]
    changed = names[:9000] + [f"pipelines.rules.steps.x_g__mutmut_{i}" for i in range(1, 1001)]
    before, after = set(sample.choose(names, 1000, 7)), set(sample.choose(changed, 1000, 7))
    assert before & set(names[:9000]) == after & set(names[:9000])  # same population size


def _mutant(name: str, status: str) -> report.Mutant:
    return report.Mutant(f"pipelines.rules.daily.{name}", "daily", status, "")


def test_the_estimate_counts_only_the_sample_and_leaves_out_equivalent_mutants(
    tmp_path: Path,
) -> None:
    found = [
        _mutant("x_a__mutmut_1", "killed"),
        _mutant("x_a__mutmut_2", "timeout"),
        _mutant("x_a__mutmut_3", "survived"),
        _mutant("x_a__mutmut_4", "survived"),  # equivalent
        _mutant("x_a__mutmut_5", "survived"),  # outside the sample: not counted
        _mutant("x_a__mutmut_6", "not run"),
    ]
    drawn = [f"pipelines.rules.daily.x_a__mutmut_{i}" for i in (1, 2, 3, 4, 6)]
    path = tmp_path / "sample.json"
    path.write_text(json.dumps({"seed": 3, "size": 5, "of": 6, "names": drawn}))
    equal = {"pipelines.rules.daily.x_a__mutmut_4": "why"}
    got = report.estimate(found, equal, path)
    assert got is not None
    # killed 1 and 2 (a timeout counts as killed) of 1, 2 and 3: 2 of 3
    assert (got.drawn, got.of, got.seed, got.killed, got.counted) == (5, 6, 3, 2, 3)
    assert (got.untested, got.equivalent, got.gone) == (1, 1, 0)
    assert (got.low, got.high) == pytest.approx(report.wilson(2, 3))
    assert "2 of 3 killed, 1 equivalent, 1 not tested" in report.report(found, equal, None, got)
    assert report.estimate(found, equal, tmp_path / "absent.json") is None
