"""The report's pain parts and its range (issue 16): diary-only participants, the program
start's fallback, the pre-program activity level and the pain fields."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from ingest.records import DiaryEntry
from pipelines.config import Target
from pipelines.rules import diary, joined, report
from pipelines.rules.participants import Participant
from pipelines.schemas import DAILY

D0 = date(2024, 5, 1)


def day(i: int) -> date:
    return D0 + timedelta(days=i)


def entries(values: dict[int, float], painkiller: dict[int, bool] | None = None) -> pd.DataFrame:
    rows = [
        DiaryEntry(
            row=i + 1,
            date=day(i),
            pain=v,
            painkiller=(painkiller or {}).get(i),
        )
        for i, v in sorted(values.items())
    ]
    return diary.per_day(diary.entries_frame("p1", rows, source="file"))


def activity(minutes: dict[int, float]) -> pd.DataFrame:
    """A daily table with ``minutes`` of walking on the given days (each day with data)."""
    rows: list[dict[str, Any]] = []
    for i, m in sorted(minutes.items()):
        row: dict[str, Any] = {c.name: 0 for c in DAILY.columns}
        row |= {"participant": "p1", "date": day(i), "walking_minutes": float(m)}
        row |= {"has_data": True, "met": m >= 30, "sources": "fit"}
        rows.append(row)
    frame = pd.DataFrame(rows, columns=DAILY.names) if rows else DAILY.empty()
    for column in DAILY.columns:
        if column.name.startswith("sessions_"):
            frame[column.name] = frame[column.name].astype("int16")
    frame["steps"] = frame["steps"].astype("int64")
    return frame


def build(
    minutes: dict[int, float],
    pain_values: dict[int, float],
    program_start: date | None = None,
    painkiller: dict[int, bool] | None = None,
    **kw: date,
) -> dict[str, Any]:
    days = joined.join("p1", activity(minutes), entries(pain_values, painkiller), program_start)
    p = Participant("p1", "Europe/Berlin", Target(program_start=program_start))
    return report.build(p, days, **kw)


def test_a_diary_only_participant_gets_a_report_with_pain_figures() -> None:
    # 20 days of diary, no activity file at all
    result = build({}, {i: 50.0 for i in range(20)})
    assert result["range"] == {"start": "2024-05-01", "end": "2024-05-20"}
    assert len(result["days"]) == 20 and not any(d["has_data"] for d in result["days"])
    assert result["pain"]["baseline"] == 50.0 and result["pain"]["baseline_n"] == 14
    assert result["pain"]["latest_7d_mean"] == 50.0
    assert result["adherence"]["blocks_met"] == 0


@pytest.mark.parametrize(
    ("case", "minutes", "pain_values", "program_start", "expected"),
    [
        # a long activity history (a year) before the diary: the diary's first day starts it
        ("diary after a long history", {i: 40.0 for i in range(-365, 30)},
         {i: 50.0 for i in range(30)}, None, ("2024-05-01", "2024-05-30")),
        # the program start wins when set
        ("program start", {i: 40.0 for i in range(-365, 30)}, {i: 50.0 for i in range(30)},
         day(10), ("2024-05-11", "2024-05-30")),
        # no diary: the first activity day (as before)
        ("activity only", {i: 40.0 for i in range(5)}, {}, None, ("2024-05-01", "2024-05-05")),
        # diary days after the last activity day extend the range
        ("diary beyond activity", {i: 40.0 for i in range(5)}, {i: 50.0 for i in range(9)},
         None, ("2024-05-01", "2024-05-09")),
        ("nothing", {}, {}, None, (None, None)),
    ],
)  # fmt: skip
def test_default_range(
    case: str,
    minutes: dict[int, float],
    pain_values: dict[int, float],
    program_start: date | None,
    expected: tuple[str | None, str | None],
) -> None:
    result = build(minutes, pain_values, program_start)
    assert (result["range"]["start"], result["range"]["end"]) == expected


def test_the_baseline_survives_a_long_activity_history() -> None:
    # without a program start, the start was the first day of *any* data: a year of
    # activity before the diary made the baseline window empty. Now: the first diary day.
    result = build({i: 40.0 for i in range(-365, 40)}, {i: 50.0 for i in range(40)})
    assert result["pain"]["baseline"] == 50.0
    assert result["pain"]["baseline_window"] == {"start": "2024-05-01", "end": "2024-05-14"}


def test_pre_program_walking_minutes_per_week() -> None:
    # program start day 28; the 28 days before: 14 days with data at 30 min, 14 without
    minutes = {i: 30.0 for i in range(0, 28, 2)} | {i: 45.0 for i in range(28, 40)}
    result = build(minutes, {}, program_start=day(28))
    assert result["pre_program"] == {
        "start": "2024-05-01",
        "end": "2024-05-28",
        "days_with_data": 14,
        "walking_minutes_per_week": 210.0,  # 30 min a day with data × 7
    }
    # an explicit range does not move the program's 4 weeks
    ranged = build(minutes, {}, program_start=day(28), start=day(35), end=day(39))
    assert ranged["pre_program"] == result["pre_program"]


def test_pre_program_needs_a_week_of_data() -> None:
    result = build({i: 30.0 for i in range(22, 40)}, {}, program_start=day(28))
    assert result["pre_program"]["days_with_data"] == 6
    assert result["pre_program"]["walking_minutes_per_week"] is None


def test_report_pain_fields() -> None:
    # baseline 60 from the 14 days before the start; then 14 days at 40: −20 points, −33.3 %
    values = {i: 60.0 for i in range(14)} | {i: 40.0 for i in range(14, 28)}
    painkiller = {i: True for i in range(14, 28) if i != 20}  # day 20 not answered
    result = build({}, values, program_start=day(14), painkiller=painkiller)
    pain = result["pain"]
    assert pain["baseline"] == 60.0 and pain["baseline_n"] == 14
    assert pain["baseline_window"] == {"start": "2024-05-01", "end": "2024-05-14"}
    assert pain["change_vs_baseline"] == -20.0
    assert pain["change_vs_baseline_percent"] == -33.3
    assert pain["latest_14d_mean"] == 40.0
    assert (pain["reached_reference_change"], pain["reached_reference_percent"]) == (True, True)
    assert pain["painkiller_run_days"] == 14  # days 14–27, day 20 bridged
    assert (pain["painkiller_run_first"], pain["painkiller_run_last"]) == (
        "2024-05-15",
        "2024-05-28",
    )
    assert pain["painkiller_warning"] is False and pain["painkiller_diary_stopped"] is False
    assert [c["verdict"] for c in pain["lag_correlations"]] == ["no_clear_link"] * 4
    assert set(pain["lag_correlations"][0]) == {"lag_days", "rho", "n", "low", "high", "verdict"}


def test_report_days_keep_the_persons_flag_apart_from_detected_days() -> None:
    rows = [
        DiaryEntry(row=i + 1, date=day(i), pain=v, flare_up=(i == 3) or None)
        for i, v in enumerate([40.0] * 14 + [70.0, 70.0])
    ]
    per_day = diary.per_day(diary.entries_frame("p1", rows, source="file"))
    days = joined.join("p1", activity({}), per_day, None)
    result = report.build(Participant("p1", "Europe/Berlin", Target()), days)
    flagged = [d["date"] for d in result["days"] if d["flare_up"]]
    detected = [d["date"] for d in result["days"] if d["flare_detected"]]
    assert flagged == ["2024-05-04"]
    assert detected == ["2024-05-15", "2024-05-16"]


def test_soreness_after_exercise_per_day_and_per_week() -> None:
    # yes on day 0 and 2, no on day 1, unanswered on days 3-5 and 7, yes on days 6 and 8;
    # program weeks (no start: from the first diary day, 2024-05-01): week 1 = days 0-6 →
    # 3 days (0, 2, 6), week 2 = days 7-13, cut at day 8 by the range's end → 1 day (8).
    # (Before, the days were counted per ISO week while weeks[] are program weeks: every
    # week got 0.)
    answers = {0: True, 1: False, 2: True, 6: True, 8: True}
    rows = [
        DiaryEntry(row=i + 1, date=day(i), pain=40.0, exercise_pain=answers.get(i))
        for i in range(9)
    ]
    per_day = diary.per_day(diary.entries_frame("p1", rows, source="file"))
    days = joined.join("p1", activity({}), per_day, None)
    result = report.build(Participant("p1", "Europe/Berlin", Target()), days)
    assert [d["exercise_pain"] for d in result["days"]] == [
        True,
        False,
        True,
        None,
        None,
        None,
        True,
        None,
        True,
    ]
    assert [(w["week"], w["exercise_pain_days"]) for w in result["weeks"]] == [(1, 3), (2, 1)]
