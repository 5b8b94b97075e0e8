"""The phase-free weekly adherence, the walking dose and the training target (issue 15).

Every expected figure is worked out by hand in the comments (docs/rules.md has the same
examples). Default target: a day is met at ≥ 30 walking minutes, credit capped at 60, every
other day → 3 met days (⌊7 ÷ 2⌋) and 90 credited minutes (3 × 30) a week; training 2
sessions of ≥ 15 minutes a week.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd
import pytest

from pipelines.config import Target
from pipelines.rules import adherence, report
from pipelines.rules.participants import Participant
from tests.support.rules import days, session_rows, walk

MONDAY = date(2024, 9, 2)


def frame(minutes: Sequence[float | None], start: date, target: Target) -> pd.DataFrame:
    """Daily rows from ``start``: walking minutes per day, ``None`` = no data that day."""
    rows = pd.DataFrame(
        {
            "date": [start + timedelta(days=i) for i in range(len(minutes))],
            "walking_minutes": [float(m or 0.0) for m in minutes],
            "has_data": [m is not None for m in minutes],
            "training_minutes": 0.0,
        }
    )
    return adherence.apply_target(rows, target)


def weekly(
    minutes: Sequence[float | None],
    target: Target,
    start: date | None = None,
    end: date | None = None,
) -> adherence.WeeklySummary:
    assert target.program_start is not None
    daily = frame(minutes, target.program_start, target)
    lo = start or target.program_start
    hi = end or target.program_start + timedelta(days=len(minutes) - 1)
    s = adherence.summarize_weeks(adherence.program_weeks(daily, target, lo, hi), target)
    assert adherence.weekly_summary(daily, target, lo, hi) == s  # the overview's short cut
    return s


def block_ratio(minutes: Sequence[float | None], target: Target) -> float | None:
    assert target.program_start is not None
    daily = frame(minutes, target.program_start, target)
    end = target.program_start + timedelta(days=len(minutes) - 1)
    blocks = adherence.blocks(daily, target, end=end)
    return adherence.summarize(daily, blocks, target.program_start, end).block_ratio


def pattern(walk_on: set[int], period: int, n_days: int, minutes: float) -> list[float | None]:
    return [minutes if d % period in walk_on else 0.0 for d in range(n_days)]


WALK_WALK_REST_REST_A = pattern({0, 1}, 4, 28, 35)
WALK_WALK_REST_REST_B = pattern({1, 2}, 4, 28, 35)
WEEKENDS_40 = pattern({5, 6}, 7, 28, 40)  # program starts on a Monday: days 5, 6 = Sat, Sun
DAILY_29 = [29.0] * 28
EVERY_OTHER = pattern({0}, 2, 14, 35)
PAUSE_WORN = EVERY_OTHER + [0.0] * 14 + EVERY_OTHER  # two weeks worn, not walking
PAUSE_NO_DATA = EVERY_OTHER + [None] * 14 + EVERY_OTHER  # two weeks without any data


@pytest.mark.parametrize(
    ("minutes", "weeks_met", "ratio", "dose", "blocks", "no_data"),
    [
        # A: W W R R W W R | R W W R R W W | R R W W R R W | W R R W W R R
        #    met days per week 4, 4, 3, 3 → min(4/3, 1) = 1, 1, min(3/3, 1) = 1, 1 → 1.0;
        #    credited 140, 140, 105, 105 ≥ 90 → dose 1.0; blocks (0,1) met, (2,3) missed, … → 7/14
        (WALK_WALK_REST_REST_A, 4, 1.0, 1.0, 0.5, 0),
        # B, the same habit a day later: R W W R R W W | R R W W R R W | W R R W W R R | …
        #    met days 4, 3, 3, 4 → 1.0; every block holds one walk → 14/14
        (WALK_WALK_REST_REST_B, 4, 1.0, 1.0, 1.0, 0),
        # Sat and Sun 40 min: 2 met days a week → 2/3 = 0.6667; dose 80/90 = 0.8889;
        # blocks Mo-Tu, We-Th missed, Fr-Sa, Su-Mo met, Tu-We, Th-Fr missed, Sa-Su met: 6/14
        (WEEKENDS_40, 0, 0.6667, 0.8889, 0.4286, 0),
        # 29 minutes every day: never met → 0; dose 7 × 29 = 203 ≥ 90 → 1.0; blocks 0/14
        (DAILY_29, 0, 0.0, 1.0, 0.0, 0),
        # every other day, two weeks worn without walking, every other day again:
        # weeks 4, 3, 0, 0, 4, 3 met days → (1 + 1 + 0 + 0 + 1 + 1) / 6 = 0.6667 (dose too,
        # 4 × 35 = 140 and 3 × 35 = 105 ≥ 90); blocks 7 + 0 + 7 met of 21
        (PAUSE_WORN, 4, 0.6667, 0.6667, 0.6667, 0),
        # the same pause without any data: the same figures, the two weeks named as no data
        (PAUSE_NO_DATA, 4, 0.6667, 0.6667, 0.6667, 2),
    ],
    ids=["walk-walk-rest-rest", "shifted-a-day", "weekends", "29-daily", "pause", "no-data"],
)
def test_weekly_adherence_cases(
    minutes: list[float | None],
    weeks_met: int,
    ratio: float,
    dose: float,
    blocks: float,
    no_data: int,
) -> None:
    target = Target(program_start=MONDAY)
    s = weekly(minutes, target)
    assert (s.weeks_total, s.weeks_met, s.ratio, s.dose_ratio, s.weeks_no_data) == (
        len(minutes) // 7,
        weeks_met,
        ratio,
        dose,
        no_data,
    )
    assert block_ratio(minutes, target) == blocks


@pytest.mark.parametrize(
    ("every_n_days", "days", "minutes"),
    [(1, 7, 210), (2, 3, 90), (3, 2, 60), (4, 1, 30), (7, 1, 30), (14, 1, 30)],
)
def test_weekly_targets(every_n_days: int, days: int, minutes: int) -> None:
    # ⌊7 ÷ n⌋ met days (at least 1), × 30 minutes
    target = Target(every_n_days=every_n_days)
    assert adherence.weekly_target_days(target) == days
    assert adherence.weekly_target_minutes(target) == minutes


def test_dose_caps_each_day_at_max_minutes_and_each_week_at_one() -> None:
    # one 120-minute walk a week: credited 60 (capped at max_minutes) → 60 / 90 = 0.6667;
    # a second week with three 90-minute walks: 3 × 60 = 180 → capped at 1 → mean 0.8333
    minutes = [120.0] + [0.0] * 6 + [90.0, 0.0, 90.0, 0.0, 90.0, 0.0, 0.0]
    target = Target(program_start=MONDAY)
    week_frame = adherence.program_weeks(
        frame(minutes, MONDAY, target), target, MONDAY, MONDAY + timedelta(days=13)
    )
    assert week_frame["walking_minutes_credited"].tolist() == [60.0, 180.0]
    assert week_frame["dose_ratio"].round(4).tolist() == [0.6667, 1.0]
    assert weekly(minutes, target).dose_ratio == 0.8333


@pytest.mark.parametrize(
    ("start_day", "end_day", "weeks", "complete"),
    [
        # the default range, 20 days from the program start: weeks 1, 2 complete, 3 in progress
        (0, 19, [1, 2, 3], [True, True, False]),
        # a range from day 3 (mid week 1) to day 20: week 1 cut → only weeks 2, 3 count
        (3, 20, [1, 2, 3], [False, True, True]),
        # shorter than a week: nothing is complete, the ratio is None
        (0, 5, [1], [False]),
    ],
)
def test_only_complete_program_weeks_are_scored(
    start_day: int, end_day: int, weeks: list[int], complete: list[bool]
) -> None:
    target = Target(program_start=MONDAY)
    daily = frame([35.0] * 28, MONDAY, target)  # every day met
    start, end = MONDAY + timedelta(days=start_day), MONDAY + timedelta(days=end_day)
    week_frame = adherence.program_weeks(daily, target, start, end)
    assert week_frame["week"].tolist() == weeks
    assert week_frame["complete"].tolist() == complete
    s = adherence.summarize_weeks(week_frame, target)
    assert s.weeks_total == sum(complete)
    assert s.ratio == (1.0 if any(complete) else None)


def test_weeks_count_from_the_first_data_day_without_a_program_start() -> None:
    target = Target()
    daily = frame([None, None, 35.0, 0.0, 35.0, 0.0, 35.0, 0.0, 0.0], MONDAY, target)
    week_frame = adherence.program_weeks(daily, target, MONDAY, MONDAY + timedelta(days=8))
    # anchor Wednesday 09-04: week 1 = 09-04 … 09-10 (3 met days), the range ends on its 7th day
    assert week_frame[["week", "week_start", "complete", "met_days"]].to_dict("records") == [
        {"week": 1, "week_start": date(2024, 9, 4), "complete": True, "met_days": 3}
    ]


def test_rest_days_in_weeks_that_met_their_days() -> None:
    # week 1: 3 met days (Mon, Wed, Fri) → its other days are rest days; week 2: 2 met days
    target = Target(program_start=MONDAY)
    minutes = [35.0, 0.0, 35.0, 10.0, 35.0, 0.0, 0.0, 35.0, 0.0, 35.0]
    rest = adherence.days_in_met_weeks(frame(minutes, MONDAY, target), target)
    assert rest == {MONDAY + timedelta(days=i) for i in range(7)}


# ----------------------------------------------------------------------------- training


def test_training_sessions_count_from_the_minimum_length() -> None:
    records = [
        walk("2024-09-02T07:00:00", 20, sport=10, sub_sport=20),  # strength 20 min: counts
        walk("2024-09-02T17:00:00", 2, sport=10, sub_sport=20, index=1),  # 2 min: minutes only
        walk("2024-09-03T07:00:00", 15, sport=4, sub_sport=44, index=2),  # Pilates 15: counts
        walk("2024-09-04T07:00:00", 14, sport=10, sub_sport=43, index=3),  # Yoga 14: no
        walk("2024-09-05T07:00:00", 45, sport=10, sub_sport=0, name="Tai Chi", index=4),
        walk("2024-09-06T07:00:00", 40, index=5),  # a walk is no training session
    ]
    target = Target(program_start=MONDAY)
    per_day = adherence.training_sessions(session_rows(records), target)
    assert per_day == {date(2024, 9, 2): 1, date(2024, 9, 3): 1, date(2024, 9, 5): 1}
    longer = target.with_changes(min_training_minutes=20)
    assert adherence.training_sessions(session_rows(records), longer) == {
        date(2024, 9, 2): 1,
        date(2024, 9, 5): 1,
    }


def test_a_duplicate_recording_is_one_training_session() -> None:
    records = [
        walk("2024-09-02T07:00:00", 30, sport=10, sub_sport=20),
        walk("2024-09-02T07:00:00", 30, sport=10, sub_sport=20, index=1),  # the same, again
    ]
    per_day = adherence.training_sessions(session_rows(records), Target())
    assert per_day == {date(2024, 9, 2): 1}


def test_report_weeks_and_training() -> None:
    # program from Monday 09-02, range 09-02 … 09-15 (two complete weeks):
    # week 1: walks 35, 35, 35 min (Mon, Wed, Fri), strength 30 min Tue, Yoga 20 min Thu
    # week 2: walks 70 min Mon (credited 60), 25 min Wed; Pilates 10 min Tue (too short)
    records = [
        walk("2024-09-02T07:00:00", 35),
        walk("2024-09-04T07:00:00", 35, index=1),
        walk("2024-09-06T07:00:00", 35, index=2),
        walk("2024-09-03T16:00:00", 30, sport=10, sub_sport=20, index=3),
        walk("2024-09-05T16:00:00", 20, sport=10, sub_sport=43, index=4),
        walk("2024-09-09T07:00:00", 70, index=5),
        walk("2024-09-11T07:00:00", 25, index=6),
        walk("2024-09-10T16:00:00", 10, sport=4, sub_sport=44, index=7),
        walk("2024-09-15T07:00:00", 5, index=8),  # the range's last day has data
    ]
    target = Target(program_start=MONDAY)
    p = Participant("p1", "Europe/Berlin", target)
    result = report.build(p, days(records, target=target))
    assert result["range"] == {"start": "2024-09-02", "end": "2024-09-15"}
    assert result["adherence"] == {
        # week 1: 3 met days → 1; week 2: 1 met day → 1/3 → mean (1 + 0.3333) / 2 = 0.6667
        "ratio": 0.6667,
        # credited 105 → 1; 60 + 25 + 5 = 90 → 90 / 90 = 1 → 1.0
        "dose_ratio": 1.0,
        "weeks_met": 1,
        "weeks_total": 2,
        "weeks_no_data": 0,
        "weekly_target_days": 3,
        "weekly_target_minutes": 90,
        # blocks from 09-02: (2,3) met, (4,5) met, (6,7) met, (8,9) met, (10,11) missed,
        # (12,13) missed (no data), (14,15) missed → 4 of 7
        "block_ratio": 0.5714,
        "blocks_met": 4,
        "blocks_total": 7,
        "blocks_no_data": 1,
        "current_streak_blocks": 0,
        "longest_gap_days": 6,  # 09-10 … 09-15
    }
    # two qualifying sessions in week 1 (strength 30, Yoga 20), none in week 2 → 1 of 2
    assert result["training"] == {
        "target_sessions_per_week": 2,
        "min_session_minutes": 15,
        "ratio": 0.5,
        "weeks_met": 1,
        "weeks_total": 2,
    }
    assert [
        {k: w[k] for k in ("week", "start", "end", "complete", "met_days")}
        | {k: w[k] for k in ("walking_minutes", "walking_minutes_credited")}
        | {k: w[k] for k in ("training_sessions", "training_minutes")}
        for w in result["weeks"]
    ] == [
        {
            "week": 1,
            "start": "2024-09-02",
            "end": "2024-09-08",
            "complete": True,
            "met_days": 3,
            "walking_minutes": 105.0,
            "walking_minutes_credited": 105.0,
            "training_sessions": 2,
            "training_minutes": 50.0,
        },
        {
            "week": 2,
            "start": "2024-09-09",
            "end": "2024-09-15",
            "complete": True,
            "met_days": 1,
            "walking_minutes": 100.0,
            "walking_minutes_credited": 90.0,
            "training_sessions": 0,
            "training_minutes": 10.0,
        },
    ]
