"""Data completeness (``pipelines.rules.completeness``): days adequately worn by the one wear
rule (the day ``status`` of ``pipelines.rules.daily.with_status``) and days with a diary entry,
over a period — each figure worked out by hand in the case's comment."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from pipelines.rules.completeness import Completeness, completeness

D0 = date(2026, 3, 2)


def d(i: int) -> date:
    return D0 + timedelta(days=i)


# day offset → (status, diary entries); days 5 and 8 have no row
ROWS = {
    0: ("met", 1),  # met: worn (whatever the wear minutes)
    1: ("below", 0),  # worn ≥ 10 h (or wear unknown), not met: worn
    2: ("low_wear", 2),  # worn too little: not adequately worn; a diary day
    3: ("no_data", 1),  # a diary, no activity data: not worn, a diary day
    4: ("below", 0),
    6: (None, 0),  # no status stored: counts as no_data
    7: ("met", 1),
}


def frame(rows: dict[int, tuple[str | None, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [d(i) for i in rows],
            "status": pd.array([s for s, _ in rows.values()], dtype="string"),
            "pain_entries": [n for _, n in rows.values()],
        }
    )


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # days 0–8 (9 days): worn 0, 1, 4, 7 → 4/9 = 0.4444; diary 0, 2, 3, 7 → 4/9
        (d(0), d(8), Completeness(9, 4, 4, 0.4444, 0.4444)),
        # days 2–6 (5 days): worn 4 → 1/5; diary 2, 3 → 2/5
        (d(2), d(6), Completeness(5, 1, 2, 0.2, 0.4)),
        # days 5–6: no row and no status — nothing worn, no entry
        (d(5), d(6), Completeness(2, 0, 0, 0.0, 0.0)),
        # before the first row (days −3 … −1): 3 days without data
        (d(-3), d(-1), Completeness(3, 0, 0, 0.0, 0.0)),
        # one day, met with an entry
        (d(7), d(7), Completeness(1, 1, 1, 1.0, 1.0)),
        # days −1 … 1 (3 days): worn 0, 1 → 0.6667; diary 0 → 0.3333
        (d(-1), d(1), Completeness(3, 2, 1, 0.6667, 0.3333)),
        # an empty period (end before start): no day, no share
        (d(3), d(2), Completeness(0, 0, 0, None, None)),
    ],
)
def test_completeness_over_a_period(start: date, end: date, expected: Completeness) -> None:
    assert completeness(frame(ROWS), start, end) == expected


def test_without_a_pain_entries_column_a_diary_day_is_any_answer() -> None:
    """``participants.written``: without ``pain_entries`` a day with pain, a flare-up or a
    painkiller answer is a diary day — here days 0 (pain) and 2 (painkiller "no")."""
    rows = frame({0: ("met", 0), 1: ("below", 0), 2: ("below", 0)}).drop(columns="pain_entries")
    rows["pain"] = [40.0, None, None]
    rows["painkiller"] = pd.array([None, None, False], dtype="boolean")
    assert completeness(rows, d(0), d(3)) == Completeness(4, 3, 2, 0.75, 0.5)


def test_an_empty_table_is_a_period_without_data() -> None:
    empty = frame({})
    assert completeness(empty, d(0), d(27)) == Completeness(28, 0, 0, 0.0, 0.0)


@pytest.mark.parametrize("module", ["pipelines.rules.completeness", "pipelines.rules.adherence"])
def test_the_docstring_examples_hold(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
