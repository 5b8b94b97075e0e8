"""One program start for every rule (issue 16 item 2): the program start when set, else the
first diary day, else the first day with activity data (``participants.effective_start``).
The report's range, its program weeks and blocks, the pain baseline, the coach overview and
the stored blocks all count from it. Expected dates are worked out by hand in the cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.config import Target
from pipelines.rules import joined, overview, refresh, report
from pipelines.rules.participants import Participant, ProgramStart, effective_start
from pipelines.schemas import STEP_MINUTES, WEAR
from tests.support.rules import activity_days, diary_days, session_rows, walk

D0 = date(2024, 5, 1)  # a Wednesday
HISTORY = date(2021, 4, 30)  # 3 years and a day before D0 (1097 days: 2024 has 29 Feb)


def day(i: int) -> date:
    return D0 + timedelta(days=i)


def span(first: date, last: date, value: float) -> dict[date, float]:
    return {first + timedelta(days=i): value for i in range((last - first).days + 1)}


def build(
    activity: dict[date, float], pain: dict[date, float], start: date | None
) -> dict[str, Any]:
    days = joined.join("p1", activity_days(activity), diary_days(pain), start)
    return report.build(Participant("p1", "Europe/Berlin", Target(program_start=start)), days)


# Every case: 40 walking minutes on each day with activity data (every day met), pain 50 on
# each diary day; the report over its default range, which ends on day 29 (2024-05-30).
CASES = [
    # a program start is set (day 5, Monday 6 May) and wins over a 3-year history and the
    # diary: week 1 = 05-06…05-12; complete weeks 05-06…05-26 (3), 05-27…06-02 is cut
    ("set start", span(HISTORY, day(29), 40.0), span(day(0), day(29), 50.0), day(5),
     {"date": "2024-05-06", "source": "set"}, "2024-05-06",
     ("2024-05-06", "2024-05-12"), ("2024-05-06", "2024-05-07"), 3),
    # no start, activity from day 0 and a diary from day 3 (Saturday 4 May): the diary's
    # first day; complete weeks 05-04…05-24 (3), 05-25…05-31 is cut by the range's end
    ("no start + diary", span(day(0), day(29), 40.0), span(day(3), day(29), 50.0), None,
     {"date": "2024-05-04", "source": "first_diary_day"}, "2024-05-04",
     ("2024-05-04", "2024-05-10"), ("2024-05-04", "2024-05-05"), 3),
    # no start, 3 years of activity, a diary kept since last month (day 0): week 1 starts on
    # the diary's first day, not in 2021 (before: the first data day 2021-04-30 made the
    # week around day 0 week 157, 04-26…05-02, and the first block 04-30…05-01);
    # complete weeks 05-01…05-28 (4), 05-29…06-04 is cut
    ("no start + 3-year history + diary since last month", span(HISTORY, day(29), 40.0),
     span(day(0), day(29), 50.0), None,
     {"date": "2024-05-01", "source": "first_diary_day"}, "2024-05-01",
     ("2024-05-01", "2024-05-07"), ("2024-05-01", "2024-05-02"), 4),
    # no start, no diary: the first day with activity data (day 5), as before
    ("no start, no diary", span(day(5), day(29), 40.0), {}, None,
     {"date": "2024-05-06", "source": "first_data_day"}, "2024-05-06",
     ("2024-05-06", "2024-05-12"), ("2024-05-06", "2024-05-07"), 3),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "activity", "pain", "start", "program_start", "range_start", "week_1", "block_1",
     "weeks_total"),
    CASES,
)  # fmt: skip
def test_every_figure_counts_from_one_program_start(
    case: str,
    activity: dict[date, float],
    pain: dict[date, float],
    start: date | None,
    program_start: dict[str, str],
    range_start: str,
    week_1: tuple[str, str],
    block_1: tuple[str, str],
    weeks_total: int,
) -> None:
    result = build(activity, pain, start)
    assert result["program_start"] == program_start, case
    assert result["range"] == {"start": range_start, "end": "2024-05-30"}, case
    first_week = result["weeks"][0]
    assert (first_week["week"], first_week["start"], first_week["end"]) == (1, *week_1), case
    first_block = result["blocks"][0]
    assert (first_block["start"], first_block["end"]) == block_1, case
    assert result["adherence"]["weeks_total"] == weeks_total, case
    assert result["adherence"]["ratio"] == 1.0, case  # every day met: every complete week


def test_nothing_stored() -> None:
    assert build({}, {}, None)["program_start"] is None
    # a set start is reported even before any data arrived
    assert build({}, {}, day(5))["program_start"] == {"date": "2024-05-06", "source": "set"}


def test_the_pain_baseline_counts_from_the_same_start() -> None:
    # 3-year history, diary since day 0: the baseline is the first 14 diary days
    result = build(span(HISTORY, day(29), 40.0), span(day(0), day(29), 50.0), None)
    assert result["pain"]["baseline_window"] == {"start": "2024-05-01", "end": "2024-05-14"}
    assert result["pain"]["baseline"] == 50.0 and result["pain"]["baseline_n"] == 14
    # without any diary there is nothing to measure: no window, no flare-up rate
    no_diary = build(span(day(5), day(29), 40.0), {}, None)
    assert no_diary["pain"]["baseline_window"] is None
    assert no_diary["pain"]["flare_ups_per_3_months"] is None


@pytest.mark.parametrize(
    ("case", "rows", "program_start", "expected"),
    [
        ("set", {"date": [day(3)], "has_data": [True], "pain_entries": [1]}, day(9),
         ProgramStart(day(9), "set")),
        # the first diary day even when activity came first
        ("diary", {"date": [day(0), day(4), day(6)], "has_data": [True, True, False],
                   "pain_entries": [0, 2, 1]}, None, ProgramStart(day(4), "first_diary_day")),
        # rows in any order; a frame without pain_entries: a pain value is an entry
        ("pain value", {"date": [day(8), day(2), day(6)], "has_data": [True, True, False],
                        "pain": [40.0, None, 30.0]}, None,
         ProgramStart(day(6), "first_diary_day")),
        ("activity only", {"date": [day(8), day(2)], "has_data": [True, True]}, None,
         ProgramStart(day(2), "first_data_day")),
        ("no data", {"date": [day(2)], "has_data": [False], "pain_entries": [0]}, None, None),
    ],
)  # fmt: skip
def test_effective_start(
    case: str, rows: dict[str, list[Any]], program_start: date | None, expected: ProgramStart | None
) -> None:
    frame = pd.DataFrame(rows)
    assert effective_start(frame, program_start) == expected, case
    # the same from a frame indexed by date (the pain rules' calendar)
    assert effective_start(frame.set_index("date"), program_start) == expected, case


def test_the_coach_overview_counts_weeks_from_the_first_diary_day() -> None:
    # 3-year history, diary since day 0, as of day 20 (05-21): the 14 days 05-08…05-21 hold
    # program weeks 05-08…05-14 and 05-15…05-21 — 2 weeks. Counted from 2021-04-30 the weeks
    # would start 05-03, 05-10, 05-17: only 05-10…05-16 lies inside (1 week).
    days = joined.join(
        "p1", activity_days(span(HISTORY, day(29), 40.0)), diary_days(span(day(0), day(29), 50.0)),
        None,
    )  # fmt: skip
    frame = days[list(overview.INPUTS)]
    row = overview.member("p1", frame, Participant("p1", "Europe/Berlin", Target()), day(20))
    assert row["weeks_total_14d"] == 2
    assert row["adherence_14d"] == 1.0


def test_stored_blocks_count_from_the_first_diary_day() -> None:
    # walks on 2024-04-28 (Sunday) and day 0…3; the diary starts on day 1 (2 May):
    # the stored blocks start on 05-02, not on the first walk
    walks = [walk(f"{d:%Y-%m-%d}T08:00:00", 40, index=i) for i, d in
             enumerate([date(2024, 4, 28), day(0), day(1), day(2), day(3)])]  # fmt: skip
    p = Participant("p1", "Europe/Berlin", Target())
    derived = refresh.recompute(
        p,
        session_rows(walks),
        STEP_MINUTES.empty(),
        WEAR.empty(),
        diary_days=diary_days({day(1): 40.0, day(2): 30.0}),
    )
    assert derived.blocks["block_start"].tolist() == [day(1), day(3)]
    # without the diary: from the first walk, 04-28, 04-30, 05-02, 05-04
    alone = refresh.recompute(p, session_rows(walks), STEP_MINUTES.empty(), WEAR.empty())
    assert alone.blocks["block_start"].tolist() == [date(2024, 4, 28), day(-1), day(1), day(3)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.integers(-800, 40), st.floats(0, 90), max_size=40),
    st.dictionaries(st.integers(-30, 40), st.floats(0, 100), max_size=20),
    st.one_of(st.none(), st.integers(-40, 40)),
)
def test_the_range_weeks_blocks_and_baseline_share_one_start(
    activity: dict[int, float], pain: dict[int, float], start_at: int | None
) -> None:
    start = None if start_at is None else day(start_at)
    result = build(
        {day(i): m for i, m in activity.items()}, {day(i): v for i, v in pain.items()}, start
    )
    if not activity and not pain:
        assert result["program_start"] == (
            None if start is None else {"date": start.isoformat(), "source": "set"}
        )
        return
    first = result["program_start"]["date"]
    source = result["program_start"]["source"]
    # where it comes from, by the rule's order
    if start is not None:
        assert (first, source) == (start.isoformat(), "set")
    elif pain:
        assert (first, source) == (day(min(pain)).isoformat(), "first_diary_day")
    else:
        assert (first, source) == (day(min(activity)).isoformat(), "first_data_day")
    # the default range, week 1 and the first block start on it
    assert result["range"]["start"] == first
    if result["weeks"]:
        assert result["weeks"][0]["week"] == 1 and result["weeks"][0]["start"] == first
    if result.get("blocks"):  # none when a set start lies after the last day
        assert result["blocks"][0]["start"] == first
    window = (result.get("pain") or {}).get("baseline_window")
    if window is not None:  # the 14 days before the start, or the first 14 program days
        assert first in (
            window["start"],
            (date.fromisoformat(window["end"]) + timedelta(days=1)).isoformat(),
        )
