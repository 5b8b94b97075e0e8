"""The daily join (pipelines/rules/joined.py): activity next to the diary, one row per day
from the first to the last day of either, days without activity filled as "no data"."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines.rules import joined
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
        (D[1], 35.0, True, True, "met", "fit", 0.0),
        (D[2], 0.0, False, False, "no_data", "", None),  # neither: a day all the same
        (D[3], 10.0, True, False, "below", "fit", 0.0),
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
