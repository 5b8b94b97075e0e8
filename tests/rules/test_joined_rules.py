"""The daily join (pipelines/rules/joined.py): activity next to the diary, one row per day
from the first to the last day of either, days without activity filled as "no data"."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from pipelines.rules import joined
from pipelines.rules.pain import PainRules
from pipelines.schemas import DAYS
from tests.support.rules import activity_days, diary_days

D = [date(2024, 5, d) for d in range(1, 7)]  # Wed 1 May … Mon 6 May 2024
NAN = float("nan")


def _records(frame: pd.DataFrame, columns: list[str]) -> list[tuple[object, ...]]:
    def plain(v: object) -> object:
        if v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        return v.item() if isinstance(v, np.generic) else v

    return [tuple(plain(v) for v in row) for row in frame[columns].itertuples(index=False)]


def test_activity_and_diary_side_by_side_over_the_union_of_their_days() -> None:
    activity = activity_days({D[1]: 35.0, D[3]: 10.0})  # 2 and 4 May
    diary = diary_days({D[0]: 40.0, D[1]: 50.0, D[4]: 60.0}, flagged=[D[1]])  # 1, 2, 5 May
    out = joined.join("p1", activity, diary, program_start=None)
    assert list(out.columns) == DAYS.names
    assert out["participant"].tolist() == ["p1"] * 5
    # the range: 1 May (first diary day) to 5 May (last diary day); 6 May is in neither
    assert _records(
        out,
        ["date", "walking_minutes", "has_data", "met", "status", "sources", "wear_minutes"],
    ) == [
        (D[0], 0.0, False, False, "no_data", "", None),  # diary only: nothing counted
        (D[1], 35.0, True, True, "met", "fit", None),  # wear unknown in the daily table
        (D[2], 0.0, False, False, "no_data", "", None),  # neither: a day all the same
        (D[3], 10.0, True, False, "below", "fit", None),
        (D[4], 0.0, False, False, "no_data", "", None),
    ]
    # pain: the day's value; the 7-day mean from 3 days with a value (40, 50, 60 → 50);
    # no baseline (fewer than 4 days), so nothing is detected; 2 May flagged by the person
    assert _records(
        out,
        [
            "date",
            "pain",
            "pain_entries",
            "pain_7d_mean",
            "flare_up_flagged",
            "flare_detected",
            "flare_up",
            "painkiller",
            "exercise_pain",
        ],
    ) == [
        (D[0], 40.0, 1, None, False, False, False, None, None),
        (D[1], 50.0, 1, None, True, False, True, None, None),
        (D[2], None, 0, None, False, False, False, None, None),
        (D[3], None, 0, None, False, False, False, None, None),
        (D[4], 60.0, 1, 50.0, False, False, False, None, None),
    ]
    assert out["pain_entries"].dtype == "int16"
    assert out["steps"].dtype == "int64"
    assert str(out["sessions_walking"].dtype) == "int16"
    assert str(out["painkiller"].dtype) == "boolean"


def test_a_detected_flare_up_counts_as_a_flare_up() -> None:
    """Pain ≥ usual + 20 on 2 days in a row is detected: baseline 30 (the 14 days before the
    start, 4+ values), then 60 and 65 → both days detected and so flare-ups."""
    start = date(2024, 5, 15)
    before = {date(2024, 5, d): 30.0 for d in range(1, 15)}
    diary = diary_days(before | {start: 60.0, date(2024, 5, 16): 65.0})
    out = joined.join("p1", activity_days({}), diary, program_start=start)
    last = out[out["date"] >= start]
    assert _records(last, ["date", "flare_detected", "flare_up_flagged", "flare_up"]) == [
        (start, True, False, True),
        (date(2024, 5, 16), True, False, True),
    ]


def test_nothing_to_join_is_an_empty_days_table() -> None:
    out = joined.join("p1", activity_days({}), diary_days({}), program_start=None)
    assert out.empty and list(out.columns) == DAYS.names


@pytest.mark.parametrize("pain", [{D[0]: 40.0, D[2]: 20.0}, {}], ids=["diary", "no diary"])
def test_every_column_has_the_days_tables_type(pain: dict[date, float]) -> None:
    """The types the days table's schema gives (docs/tables.md), also on the days the join
    fills and without any diary: booleans stay booleans (not 0 or NaN), the painkiller and
    exercise-pain answers stay three-valued (yes / no / not answered), wear basis and
    sources stay strings."""
    activity = activity_days({D[1]: 35.0, D[2]: 5.0})
    activity["wear_minutes"] = [610.0, None]
    activity["wear_basis"] = pd.array(["steps", None], dtype="string")
    activity["approximate"] = [True, False]
    out = joined.join("p7", activity, diary_days(pain), program_start=None)
    first = D[0] if pain else D[1]
    floats = [
        "walking_minutes", "brisk_walking_minutes", "session_walking_minutes",
        "bout_walking_minutes", "training_minutes", "wear_minutes", "credited_minutes",
        "above_range_minutes", "pain", "pain_7d_mean",
    ]  # fmt: skip
    sessions = ["walking", "strength", "pilates", "yoga", "tai_chi", "other"]
    expected = (
        {"participant": "string", "date": "object", "steps": "int64", "pain_entries": "int16"}
        | {"training_sessions": "int16"}
        | {name: "float64" for name in floats}
        | {f"sessions_{name}": "int16" for name in sessions}
        | {name: "string" for name in ("sources", "wear_basis", "status")}
        | {name: "bool" for name in ("has_data", "approximate", "met")}
        | {name: "bool" for name in ("flare_up_flagged", "flare_up", "flare_detected")}
        | {"painkiller": "boolean", "exercise_pain": "boolean"}
    )
    assert {name: str(out[name].dtype) for name in out.columns} == expected
    assert list(out.columns) == DAYS.names
    assert (
        _records(
            out, ["participant", "date", "wear_minutes", "wear_basis", "approximate", "has_data"]
        )
        == [
            ("p7", D[0], None, None, False, False),
            ("p7", D[1], 610.0, "steps", True, True),
            ("p7", D[2], None, None, False, True),
        ][0 if pain else 1 :]
    )
    assert out["date"].iloc[0] == first
    assert out["flare_up_flagged"].tolist() == [False] * len(out)


def test_the_pain_rules_given_are_the_ones_the_join_uses() -> None:
    """Non-default rules reach the baseline, the trailing mean and the detection.

    Program start Sat 4 May; pain 30 on 2 and 3 May, 50 on 4 May, 30 on 5 May; activity
    only on 6 May. Rules: a baseline from 2 days with a value, a trailing mean over 2 days
    from 1 value, a flare-up from 1 day. Baseline = mean(30, 30) = 30; 4 May: 50 ≥ 30 × 1.3 =
    39 and ≥ 30 + 10 → detected; 5 May: 30 is not. Trailing means: 30, 30, (30+50)/2 = 40,
    (50+30)/2 = 40, 6 May: only 5 May's 30 in its 2 days → 30. With the default rules
    there would be no baseline (4 values needed) and so nothing detected, and no trailing
    mean before 3 values."""
    rules = PainRules(
        baseline_min_entries=2, rolling_days=2, rolling_min_values=1, flare_min_days=1
    )
    pain = {date(2024, 5, 2): 30.0, date(2024, 5, 3): 30.0, D[3]: 50.0, D[4]: 30.0}
    out = joined.join("p1", activity_days({D[5]: 5.0}), diary_days(pain), D[3], rules)
    assert _records(out, ["date", "pain", "pain_7d_mean", "flare_detected", "flare_up"]) == [
        (D[1], 30.0, 30.0, False, False),
        (D[2], 30.0, 30.0, False, False),
        (D[3], 50.0, 40.0, True, True),
        (D[4], 30.0, 40.0, False, False),
        (D[5], None, 30.0, False, False),
    ]


def test_the_baseline_is_taken_before_the_program_start() -> None:
    """Pain 30 on 2 and 3 May, the program starts on 4 May, pain 50 on 4 and 5 May. Baseline
    (2 values suffice here): the days before the start, 30 → 50 is ≥ 30 × 1.3 and ≥ 30 + 10
    on 2 days in a row: both detected. A baseline over all four days (40) would detect
    nothing (50 < 52)."""
    pain = {date(2024, 5, 2): 30.0, date(2024, 5, 3): 30.0, D[3]: 50.0, D[4]: 50.0}
    out = joined.join(
        "p1", activity_days({}), diary_days(pain), D[3], PainRules(baseline_min_entries=2)
    )
    assert out["flare_detected"].tolist() == [False, False, True, True]
