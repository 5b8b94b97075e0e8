"""The adherence rule (``pipelines.rules.adherence``): day targets, training sessions, the
anchor, blocks and their summary, the longest gap, rest days in met weeks, program weeks
and their scores. Every expected figure is worked out by hand from the module docstring in
the case's comment; inputs are small daily frames built here."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipelines.config import Target
from pipelines.rules.adherence import (
    WEEK_COLUMNS,
    Summary,
    WeeklyDose,
    WeeklySummary,
    anchor,
    apply_target,
    band_position,
    blocks,
    days_in_met_weeks,
    longest_gap,
    near_window,
    program_weeks,
    summarize,
    summarize_weeks,
    training_sessions,
    weekly_band_minutes,
    weekly_dose,
    weekly_summary,
    weekly_target_days,
    weekly_target_minutes,
)

D0 = date(2026, 3, 2)  # a Monday: the anchor of most cases


def d(i: int) -> date:
    return D0 + timedelta(days=i)


def daily(rows: dict[int, dict[str, Any]]) -> pd.DataFrame:
    """A daily frame with one row per day offset (from D0): walking minutes ``w`` (default
    0), ``has_data`` (default True), training sessions/minutes and per-category sessions;
    met from 30 minutes, credited minutes capped at 60 (the default target)."""
    records = []
    for i, spec in rows.items():
        walking = float(spec.get("w", 0.0))
        records.append(
            {
                "date": d(i),
                "has_data": spec.get("has_data", True),
                "walking_minutes": walking,
                "met": walking >= 30,
                "credited_minutes": min(walking, 60.0),
                "training_sessions": spec.get("ts", 0),
                "training_minutes": float(spec.get("tm", 0.0)),
                "sessions_walking": spec.get("walking", 0),
                "sessions_strength": spec.get("strength", 0),
                "sessions_yoga": spec.get("yoga", 0),
            }
        )
    return pd.DataFrame(records)


# ------------------------------------------------------------------ weekly targets


@pytest.mark.parametrize(
    ("every_n_days", "min_minutes", "days", "minutes"),
    [
        (1, 20, 7, 140),  # every day: 7 days × 20
        (2, 30, 3, 90),  # every other day: 3 met days in every week
        (3, 45, 2, 90),
        (4, 30, 1, 30),
        (7, 30, 1, 30),
        (8, 40, 1, 40),  # ⌊7 ÷ 8⌋ = 0, at least 1
        (28, 30, 1, 30),
    ],
)
def test_weekly_targets(every_n_days: int, min_minutes: int, days: int, minutes: int) -> None:
    target = Target(every_n_days=every_n_days, min_minutes=min_minutes, max_minutes=60)
    assert (weekly_target_days(target), weekly_target_minutes(target)) == (days, minutes)


# ------------------------------------------------------------------ apply_target / training


def session_frame(rows: list[tuple[int, str, float, object]]) -> pd.DataFrame:
    """Derived sessions: (day offset, category, moving minutes, duplicate_of)."""
    return pd.DataFrame(
        {
            "local_date": [d(i) for i, _, _, _ in rows],
            "category": pd.Series([c for _, c, _, _ in rows], dtype="string"),
            "moving_s": [m * 60 for _, _, m, _ in rows],
            "duplicate_of": [dup for _, _, _, dup in rows],
        }
    )


SESSIONS = session_frame(
    [
        (0, "strength", 15.0, None),  # exactly 15 minutes: a session
        (0, "yoga", 40.0, None),  # a second one the same day
        (1, "pilates", 14.99, None),  # just short: minutes only
        (1, "tai_chi", 16.0, None),
        (2, "strength", 30.0, "s-1"),  # a duplicate of another recording
        (3, "walking", 60.0, None),  # not training
        (3, "other", 60.0, None),
        (4, "pilates", 20.0, None),
    ]
)


def test_training_sessions_per_day() -> None:
    assert training_sessions(SESSIONS, Target()) == {d(0): 2, d(1): 1, d(4): 1}
    # a longer minimum: 20 minutes (1200 s) still counts, 16 no longer
    longer = Target(min_training_minutes=20)
    assert training_sessions(SESSIONS, longer) == {d(0): 1, d(4): 1}
    assert training_sessions(SESSIONS.iloc[0:0], Target()) == {}


def test_apply_target_marks_met_credit_above_range_and_sessions() -> None:
    days = pd.DataFrame(
        {
            "date": [d(0), d(1), d(2), d(3), d(4), d(5)],
            "walking_minutes": [0.0, 29.9, 30.0, 45.0, 60.0, 75.5],
        }
    )
    before = days.copy()
    out = apply_target(days, Target(), SESSIONS)
    expected = before.assign(
        met=[False, False, True, True, True, True],
        credited_minutes=[0.0, 29.9, 30.0, 45.0, 60.0, 60.0],
        above_range_minutes=[0.0, 0.0, 0.0, 0.0, 0.0, 15.5],
        training_sessions=np.array([2, 1, 0, 0, 1, 0], dtype="int16"),
    )
    pd.testing.assert_frame_equal(out, expected)
    pd.testing.assert_frame_equal(days, before)  # the input is not changed


def test_apply_target_with_another_range_and_no_sessions() -> None:
    days = pd.DataFrame({"date": [d(0), d(1), d(2)], "walking_minutes": [19, 20, 50]})
    out = apply_target(days, Target(min_minutes=20, max_minutes=40))
    expected = days.assign(
        met=[False, True, True],
        credited_minutes=[19.0, 20.0, 40.0],
        above_range_minutes=[0.0, 0.0, 10.0],
        training_sessions=np.array([0, 0, 0], dtype="int16"),
    )
    pd.testing.assert_frame_equal(out, expected)


# ------------------------------------------------------------------ anchor / near_window


@pytest.mark.parametrize(
    ("frame", "program_start", "expected"),
    [
        (daily({3: {"w": 40}, 5: {"w": 0}}), d(1), d(1)),  # set
        (daily({5: {"w": 40}, 3: {"w": 10}, 2: {"has_data": False}}), None, d(3)),  # first data
        (daily({2: {"has_data": False}}), None, None),  # nothing
    ],
)
def test_anchor(frame: pd.DataFrame, program_start: date | None, expected: date | None) -> None:
    assert anchor(frame, Target(program_start=program_start)) == expected


@pytest.mark.parametrize(
    ("every_n_days", "window_start", "moved"),
    [
        # skip = max(0, days from the anchor − n) // n whole blocks
        (2, d(10), d(8)),  # (10 − 2) // 2 = 4 blocks
        (2, d(11), d(8)),  # (11 − 2) // 2 = 4
        (2, d(4), d(2)),  # (4 − 2) // 2 = 1
        (2, d(3), d(0)),  # (3 − 2) // 2 = 0
        (2, d(-5), d(0)),  # before the anchor: max(0, −7) = 0
        (3, d(10), d(6)),  # (10 − 3) // 3 = 2 blocks of 3
        (1, d(5), d(4)),  # (5 − 1) // 1 = 4
    ],
)
def test_near_window_moves_the_anchor_by_whole_blocks(
    every_n_days: int, window_start: date, moved: date
) -> None:
    frame = daily({i: {"w": 10 * i} for i in range(12)})
    target = Target(every_n_days=every_n_days, program_start=d(0))
    got_target, got = near_window(frame, target, window_start)
    assert got_target == target.with_changes(program_start=moved)
    pd.testing.assert_frame_equal(got, frame[frame["date"] >= moved])


def test_near_window_without_an_anchor_keeps_everything() -> None:
    frame = daily({2: {"has_data": False}})
    target = Target()
    got_target, got = near_window(frame, target, d(10))
    assert got_target is target
    assert got is frame


# ------------------------------------------------------------------ blocks

BLOCK_DAYS = {
    -1: {"w": 50},  # before the anchor: in no block
    7: {"w": 45},
    0: {"w": 40},
    1: {"w": 10},
    2: {"has_data": False},
    3: {"has_data": False},
    4: {"w": 5.25},
    # day 5: no row
    6: {"w": 35},
}


def block(first: int, last: int, status: str, complete: bool, met: int, walking: float) -> dict:
    return {
        "block_start": d(first),
        "block_end": d(last),
        "status": status,
        "complete": complete,
        "met_days": met,
        "walking_minutes": walking,
    }


@pytest.mark.parametrize(
    ("case", "every_n_days", "end", "expected"),
    [
        # blocks of 2 from day 0 to the last data day (7): [0,1] met (40 + 10), [2,3] no data,
        # [4,5] missed (5.25), [6,7] met twice (35 + 45); all complete
        ("to the last data day", 2, None,
         [block(0, 1, "met", True, 1, 50.0), block(2, 3, "no_data", True, 0, 0.0),
          block(4, 5, "missed", True, 0, 5.25), block(6, 7, "met", True, 2, 80.0)]),
        # ending on day 6: day 7 is left out, the last block is in progress
        ("ending mid-block", 2, d(6),
         [block(0, 1, "met", True, 1, 50.0), block(2, 3, "no_data", True, 0, 0.0),
          block(4, 5, "missed", True, 0, 5.25), block(6, 7, "met", False, 1, 35.0)]),
        # blocks of 3 to day 9: [0..2] met, [3..5] missed (day 4 has data), [6..8] met twice,
        # [9..11] in progress without data
        ("blocks of 3", 3, d(9),
         [block(0, 2, "met", True, 1, 50.0), block(3, 5, "missed", True, 0, 5.25),
          block(6, 8, "met", True, 2, 80.0), block(9, 11, "no_data", False, 0, 0.0)]),
        ("one day", 1, d(0), [block(0, 0, "met", True, 1, 40.0)]),
        ("ending before the anchor", 2, d(-1), []),
    ],
)  # fmt: skip
def test_blocks(case: str, every_n_days: int, end: date | None, expected: list[dict]) -> None:
    frame = daily(BLOCK_DAYS)
    target = Target(every_n_days=every_n_days, program_start=d(0))
    out = blocks(frame, target, end)
    assert list(out.columns) == list(block(0, 0, "", True, 0, 0.0))
    assert out.to_dict("records") == expected, case
    if expected:
        assert out["met_days"].dtype == np.int16
        assert out["walking_minutes"].dtype == np.float64


def test_blocks_sum_in_day_order_and_round_to_6_decimals() -> None:
    # 0.1 + 0.2 + 0.3 in day order is 0.6000000000000001: rounded to 0.6; rows reversed;
    # 10.0000004 minutes: 10.0 at 6 decimals
    frame = daily({2: {"w": 0.3}, 1: {"w": 0.2}, 0: {"w": 0.1}, 3: {"w": 10.0000004}})
    out = blocks(frame, Target(every_n_days=3, program_start=d(0)))
    assert out.to_dict("records") == [
        block(0, 2, "missed", True, 0, 0.6),
        block(3, 5, "missed", False, 0, 10.0),
    ]


def test_blocks_without_rows_in_the_period() -> None:
    # rows only before the anchor, blocks to day 3: two blocks without data, minutes 0.0
    out = blocks(daily({-2: {"w": 40}, -1: {"w": 40}}), Target(program_start=d(0)), d(3))
    assert out.to_dict("records") == [
        block(0, 1, "no_data", True, 0, 0.0),
        block(2, 3, "no_data", True, 0, 0.0),
    ]
    assert (out["met_days"].dtype, out["walking_minutes"].dtype) == (np.int16, np.float64)


@pytest.mark.parametrize(
    ("frame", "program_start"),
    [
        (daily({0: {"has_data": False}, 1: {"has_data": False}}), None),  # no anchor
        (daily({0: {"has_data": False}, 1: {"has_data": False}}), d(0)),  # no data day
        (daily({0: {"w": 40}, 1: {"w": 40}}), d(5)),  # last data day before the start
    ],
)
def test_no_blocks(frame: pd.DataFrame, program_start: date | None) -> None:
    out = blocks(frame, Target(program_start=program_start))
    assert out.empty
    assert list(out.columns) == [
        "block_start",
        "block_end",
        "status",
        "complete",
        "met_days",
        "walking_minutes",
    ]


# ------------------------------------------------------------------ summarize / longest_gap


def block_frame(spans: list[tuple[int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "block_start": [d(a) for a, _, _ in spans],
            "block_end": [d(b) for _, b, _ in spans],
            "status": [s for _, _, s in spans],
        }
    )


SPANS = [
    (-2, -1, "met"),  # before the period
    (0, 1, "met"),
    (2, 3, "missed"),
    (4, 5, "met"),
    (6, 7, "no_data"),
    (8, 9, "met"),
    (10, 11, "met"),
    (12, 13, "met"),  # trailing when the period ends on day 12
]


@pytest.mark.parametrize(
    ("case", "spans", "start", "end", "expected"),
    [
        # inside day 0…12: 6 blocks (0,1)…(10,11), met 4, no data 1; trailing (12,13) met:
        # streak 1 + (10,11), (8,9) met, (6,7) breaks → 3; ratio 4/6 = 0.6667
        ("trailing met", SPANS, d(0), d(12), (4, 6, 1, 0.6667, 3)),
        # the trailing block not met: it does not count, it does not break
        ("trailing missed", [*SPANS[:-1], (12, 13, "missed")], d(0), d(12),
         (4, 6, 1, 0.6667, 2)),
        # ending on day 13: (12,13) is inside: 7 blocks, met 5 → 0.7143, streak 3
        ("all inside", SPANS, d(0), d(13), (5, 7, 1, 0.7143, 3)),
        # starting on day 1: (0,1) straddles the start, neither inside nor trailing
        ("cut at the start", SPANS, d(1), d(11), (3, 5, 1, 0.6, 2)),
        # a trailing block must start inside the period: (12,13) after an end on day 11
        # is none; (−2,−1) from day −2: all 8 inside, met 6 → 0.75
        ("from the first block", SPANS, d(-2), d(13), (6, 8, 1, 0.75, 3)),
        ("nothing met", [(0, 1, "missed"), (2, 3, "no_data")], d(0), d(3), (0, 2, 1, 0.0, 0)),
        ("only a trailing block", [(0, 1, "met")], d(0), d(0), (0, 0, 0, None, 1)),
        ("no blocks", [], d(0), d(5), (0, 0, 0, None, 0)),
    ],
)  # fmt: skip
def test_summarize(
    case: str,
    spans: list[tuple[int, int, str]],
    start: date,
    end: date,
    expected: tuple[int, int, int, float | None, int],
) -> None:
    # met days on 0, 1, 4, 8…12: the longest run without one inside the period is 5…7 (3)
    frame = daily({i: {"w": 40} for i in (0, 1, 4, 8, 9, 10, 11, 12)})
    met, total, no_data, ratio, streak = expected
    assert summarize(frame, block_frame(spans), start, end) == Summary(
        blocks_met=met,
        blocks_total=total,
        blocks_no_data=no_data,
        block_ratio=ratio,
        current_streak_blocks=streak,
        longest_gap_days=longest_gap(frame, start, end),
    ), case


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (d(0), d(13), 3),  # 5, 6, 7 (day 6 has a row but is not met; day 5 has none)
        (d(-4), d(0), 4),  # −4…−1 before the first met day
        (d(12), d(20), 8),  # 13…20 after the last met day
        (d(8), d(11), 0),  # every day met
        (d(2), d(3), 2),
        (d(3), d(3), 1),
        (d(4), d(3), 0),  # an empty period
    ],
)
def test_longest_gap(start: date, end: date, expected: int) -> None:
    frame = daily(
        {0: {"w": 40}, 1: {"w": 30}, 2: {"w": 29}, 4: {"w": 45}, 6: {"w": 5}}
        | {i: {"w": 60} for i in range(8, 13)}
    )
    assert longest_gap(frame, start, end) == expected


# ------------------------------------------------------------------ days_in_met_weeks


def test_days_in_met_weeks() -> None:
    # every other day from day 0: week 1 (0…6) holds 3 met days (0, 2, 4) → all its rows;
    # week 2 (7…13) holds 2 (8, 10) → none; week 3 (14…) in progress holds 3 (14, 15, 16)
    # → its rows; days before the anchor (week 0, −7…−1, 4 met days) never count
    frame = daily(
        {i: {"w": 40} for i in (-7, -6, -5, -4)}
        | {i: {"w": 40 if i in (0, 2, 4, 8, 10, 14, 15, 16) else 10} for i in range(0, 18)}
    )
    target = Target(program_start=d(0))
    expected = {d(i) for i in range(0, 7)} | {d(i) for i in range(14, 18)}
    assert days_in_met_weeks(frame, target) == frozenset(expected)
    # every day: 7 needed, no week has them
    assert days_in_met_weeks(frame, target.with_changes(every_n_days=1)) == frozenset()
    # every 3rd day: 2 needed, week 2 has them too
    every_3 = target.with_changes(every_n_days=3)
    assert days_in_met_weeks(frame, every_3) == frozenset(d(i) for i in range(0, 18))


def test_days_in_met_weeks_without_an_anchor() -> None:
    assert days_in_met_weeks(daily({0: {"has_data": False}}), Target()) == frozenset()


# ------------------------------------------------------------------ program weeks

WEEK_DAYS_DATA = {
    -3: {"w": 50},  # before the anchor
    0: {"w": 40, "walking": 1},
    1: {"ts": 1, "tm": 20, "strength": 1},
    2: {"w": 70, "walking": 1},
    3: {"ts": 1, "tm": 15, "yoga": 1},
    4: {"w": 30},
    5: {"w": 0.5},  # data, but under a minute: not a walking day
    6: {"w": 1.0},  # one minute: a walking day
    7: {"w": 35},
    9: {"has_data": False},
    10: {"w": 20, "ts": 1, "tm": 25, "strength": 1},
    15: {"has_data": False},
    21: {"w": 45},
}


def week(
    n: int,
    complete: bool,
    sums: tuple[bool, int, int, float, float, int, float, int, int, int],
    ratios: tuple[float, float, bool],
) -> dict[str, Any]:
    has_data, walking_days, met, walking, credited, ts, tm, s_walk, s_str, s_yoga = sums
    return {
        "week": n,
        "week_start": d(7 * (n - 1)),
        "week_end": d(7 * (n - 1) + 6),
        "complete": complete,
        "has_data": has_data,
        "walking_days": walking_days,
        "met_days": met,
        "walking_minutes": walking,
        "walking_minutes_credited": credited,
        "training_sessions": ts,
        "training_minutes": tm,
        "sessions_walking": s_walk,
        "sessions_strength": s_str,
        "sessions_yoga": s_yoga,
        "day_ratio": ratios[0],
        "dose_ratio": ratios[1],
        "training_met": ratios[2],
    }


# week 1 (0…6): walking days 0, 2, 4, 6; met 0, 2, 4; minutes 40+70+30+0.5+1 = 141.5,
# credited 40+60+30+0.5+1 = 131.5; 2 sessions (20 + 15 min) → ratios 1, 1, met
WEEK_1 = week(1, True, (True, 4, 3, 141.5, 131.5, 2, 35.0, 2, 1, 1), (1.0, 1.0, True))
# week 2 (7…13): walking days 7, 10; met 7; 55 minutes; 1 session → 1/3, 55/90, not met
WEEK_2 = week(2, True, (True, 2, 1, 55.0, 55.0, 1, 25.0, 0, 1, 0), (1 / 3, 55 / 90, False))
# week 3 (14…20): one row without data
WEEK_3 = week(3, True, (False, 0, 0, 0.0, 0.0, 0, 0.0, 0, 0, 0), (0.0, 0.0, False))


@pytest.mark.parametrize(
    ("case", "start", "end", "first", "expected"),
    [
        # from before the anchor to day 23: weeks 1…4, week 4 (21…27) cut by the end
        ("whole", d(-5), d(23), None,
         [WEEK_1, WEEK_2, WEEK_3,
          week(4, False, (True, 1, 1, 45.0, 45.0, 0, 0.0, 0, 0, 0), (1 / 3, 0.5, False))]),
        # from day 3: week 1 is cut by the start, summed from day 3: walking days 4, 6;
        # met 4; 30+0.5+1 = 31.5 minutes; the yoga session of day 3
        ("from mid-week", d(3), d(20), None,
         [week(1, False, (True, 2, 1, 31.5, 31.5, 1, 15.0, 0, 0, 1), (1 / 3, 31.5 / 90, False)),
          WEEK_2, WEEK_3]),
        ("one week", d(7), d(13), None, [WEEK_2]),
        ("to the anchor", d(-5), d(0), None,
         [week(1, False, (True, 1, 1, 40.0, 40.0, 0, 0.0, 1, 0, 0), (1 / 3, 40 / 90, False))]),
        # an anchor given for a window: week 1 is days 7…13
        ("first given", d(0), d(13), d(7),
         [{**WEEK_2, "week": 1}]),
        # no row in the period: one week of zeros, minutes still floats
        ("no rows", d(28), d(34), None,
         [week(5, True, (False, 0, 0, 0.0, 0.0, 0, 0.0, 0, 0, 0), (0.0, 0.0, False))]),
        ("ending before the anchor", d(-5), d(-1), None, []),
        ("ending before the start", d(10), d(9), None, []),
    ],
)  # fmt: skip
def test_program_weeks(
    case: str, start: date, end: date, first: date | None, expected: list[dict[str, Any]]
) -> None:
    frame = daily(WEEK_DAYS_DATA)
    target = Target(program_start=d(0))
    out = program_weeks(frame, target, start, end, first)
    columns = [c for c in WEEK_COLUMNS if c in WEEK_1]  # the categories the frame has
    assert list(out.columns) == (columns if expected else WEEK_COLUMNS), case
    assert out.to_dict("records") == expected, case
    if expected:
        kinds = {c: out[c].dtype.kind for c in out.columns if c not in ("week_start", "week_end")}
        assert kinds == {
            "week": "i",
            "complete": "b",
            "has_data": "b",
            "walking_days": "i",
            "met_days": "i",
            "walking_minutes": "f",
            "walking_minutes_credited": "f",
            "training_sessions": "i",
            "training_minutes": "f",
            "sessions_walking": "i",
            "sessions_strength": "i",
            "sessions_yoga": "i",
            "day_ratio": "f",
            "dose_ratio": "f",
            "training_met": "b",
        }, case


def test_program_weeks_without_an_anchor() -> None:
    out = program_weeks(daily({0: {"has_data": False}}), Target(), d(0), d(6))
    assert out.empty
    assert list(out.columns) == WEEK_COLUMNS


def test_program_weeks_round_minutes_to_6_decimals() -> None:
    # 0.1 + 0.2 + 0.3 = 0.6000000000000001 → 0.6; 10.0000004 → 10.0 at 6 decimals
    frame = daily(
        {0: {"w": 0.1, "tm": 0.1}, 1: {"w": 0.2, "tm": 0.2}, 2: {"w": 0.3, "tm": 0.3}}
        | {7: {"w": 10.0000004, "tm": 5.0000004}}
    )
    rows = program_weeks(frame, Target(program_start=d(0)), d(0), d(13)).to_dict("records")
    minutes = [(r["walking_minutes"], r["walking_minutes_credited"], r["training_minutes"])
               for r in rows]  # fmt: skip
    assert minutes == [(0.6, 0.6, 0.6), (10.0, 10.0, 5.0)]


# ------------------------------------------------------------------ weekly scores


@pytest.mark.parametrize(
    ("case", "target", "start", "end", "expected"),
    [
        # complete weeks 1…3: met 3, 1, 0 of 3 → (1 + 1/3 + 0) / 3 = 0.4444; dose
        # (1 + 55/90 + 0) / 3 = 0.5370; training 2, 1, 0 of 2 → 1 of 3 weeks; week 3 no data
        ("default target", Target(program_start=d(0)), d(-5), d(23),
         WeeklySummary(3, 1, 1, 0.4444, 0.537, 1, 0.3333)),
        # every day (7 days, 210 minutes), 1 session a week: (3/7 + 1/7 + 0) / 3 = 0.1905;
        # dose (131.5 + 55 + 0) / 210 / 3 = 0.2960; training weeks 1, 2 → 0.6667
        ("every day, one session", Target(program_start=d(0), every_n_days=1,
                                          training_sessions_per_week=1), d(0), d(20),
         WeeklySummary(3, 0, 1, 0.1905, 0.296, 2, 0.6667)),
        # every 3rd day (2 days, 90 minutes): week 1 and 2 only (day 14 is not in): week 1
        # met 3 ≥ 2 → 1; week 2 1 of 2 → 0.5; mean 0.75; dose (1 + 55/90) / 2 = 0.8056
        ("every third day", Target(program_start=d(0), every_n_days=3, min_minutes=45),
         d(0), d(19), WeeklySummary(2, 1, 0, 0.75, 0.8056, 1, 0.5)),
        # no complete week: from day 3 to day 12
        ("no complete week", Target(program_start=d(0)), d(3), d(12),
         WeeklySummary(0, 0, 0, None, None, 0, None)),
        ("before the anchor", Target(program_start=d(0)), d(-9), d(-1),
         WeeklySummary(0, 0, 0, None, None, 0, None)),
    ],
)  # fmt: skip
def test_weekly_scores(
    case: str, target: Target, start: date, end: date, expected: WeeklySummary
) -> None:
    frame = daily(WEEK_DAYS_DATA)
    assert weekly_summary(frame, target, start, end) == expected, case
    weeks = program_weeks(frame, target, start, end)
    if weeks.empty:
        weeks = pd.DataFrame({c: [] for c in WEEK_COLUMNS})  # an empty week table
    assert summarize_weeks(weeks, target) == expected, case


def test_weekly_scores_with_the_anchor_given() -> None:
    # week 1 = days 7…13 (week 2 above): met 1 of 3, dose 55/90 = 0.6111, no training
    frame = daily(WEEK_DAYS_DATA)
    target = Target(program_start=d(0))
    expected = WeeklySummary(1, 0, 0, 0.3333, 0.6111, 0, 0.0)
    assert weekly_summary(frame, target, d(0), d(13), first=d(7)) == expected
    weeks = program_weeks(frame, target, d(0), d(13), first=d(7))
    assert summarize_weeks(weeks, target) == expected


def test_weekly_scores_without_an_anchor() -> None:
    frame = daily({0: {"has_data": False}})
    empty = WeeklySummary(0, 0, 0, None, None, 0, None)
    assert weekly_summary(frame, Target(), d(0), d(30)) == empty


def test_weekly_summary_rounds_like_the_week_table() -> None:
    # one complete week, 30.6225004 walking minutes on day 0: met 1 of 3 → 0.3333; both
    # ways round the week's credited minutes to 6 decimals first (30.6225), so the dose
    # is the week table's 30.6225 / 90 = 0.34025 → 0.3402, not 30.6225004 / 90 → 0.3403
    frame = daily({0: {"w": 30.6225004}})
    target = Target(program_start=d(0))
    expected = WeeklySummary(1, 0, 0, 0.3333, 0.3402, 0, 0.0)
    assert weekly_summary(frame, target, d(0), d(6)) == expected
    assert summarize_weeks(program_weeks(frame, target, d(0), d(6)), target) == expected


def test_a_week_above_target_scores_one() -> None:
    # 4 met days of 40 minutes where 3 are needed: day ratio min(4/3, 1) = 1, dose
    # min(160/90, 1) = 1; the summary likewise
    frame = daily({i: {"w": 40} for i in range(4)})
    target = Target(program_start=d(0))
    [row] = program_weeks(frame, target, d(0), d(6)).to_dict("records")
    assert (row["met_days"], row["day_ratio"], row["dose_ratio"]) == (4, 1.0, 1.0)
    expected = WeeklySummary(1, 1, 0, 1.0, 1.0, 0, 0.0)
    assert weekly_summary(frame, target, d(0), d(6)) == expected


# ------------------------------------------------------- the dose received a week


@pytest.mark.parametrize(
    ("case", "target", "start", "end", "expected"),
    [
        # weeks 1–3 (days 0–20) of WEEK_DAYS_DATA: walking 40 + 70 + 30 + 0.5 + 1 = 141.5,
        # 35 + 20 = 55, 0 → 196.5/3 = 65.5 (not capped: day 2's 70 counts whole); training
        # 2 + 1 + 0 = 3 → 1.0 a week; 3 ÷ (3 weeks × 2) = 0.5
        ("default target", Target(program_start=d(0)), d(-5), d(23),
         WeeklyDose(3, 65.5, 1.0, 0.5)),
        # the same weeks against 1 session a week: 3 ÷ (3 × 1) = 1.0
        ("one session", Target(program_start=d(0), training_sessions_per_week=1), d(0),
         d(20), WeeklyDose(3, 65.5, 1.0, 1.0)),
        # weeks 1–2: (141.5 + 55)/2 = 98.25 → 98.2 (half to even); sessions 3/2 = 1.5;
        # 3 ÷ (2 × 2) = 0.75
        ("two weeks", Target(program_start=d(0)), d(0), d(19), WeeklyDose(2, 98.2, 1.5, 0.75)),
        # more than prescribed is more than 1: week 1 has 2 sessions against 1
        ("above the target", Target(program_start=d(0), training_sessions_per_week=1), d(0),
         d(6), WeeklyDose(1, 141.5, 2.0, 2.0)),
        # days 3–12 hold no whole program week
        ("no complete week", Target(program_start=d(0)), d(3), d(12),
         WeeklyDose(0, None, None, None)),
        ("before the anchor", Target(program_start=d(0)), d(-9), d(-1),
         WeeklyDose(0, None, None, None)),
    ],
)  # fmt: skip
def test_weekly_dose(
    case: str, target: Target, start: date, end: date, expected: WeeklyDose
) -> None:
    assert weekly_dose(daily(WEEK_DAYS_DATA), target, start, end) == expected, case


def test_weekly_dose_with_the_anchor_given() -> None:
    # week 1 = days 7…13: walking 35 + 20 = 55, one session: 0.5 of 2
    got = weekly_dose(daily(WEEK_DAYS_DATA), Target(program_start=d(0)), d(7), d(13), d(7))
    assert got == WeeklyDose(1, 55.0, 1.0, 0.5)


def test_weekly_dose_without_an_anchor() -> None:
    frame = daily({0: {"has_data": False}})
    assert weekly_dose(frame, Target(), d(0), d(13)) == WeeklyDose(0, None, None, None)


@pytest.mark.parametrize(
    ("target", "band"),
    [
        (Target(), (90, 180)),  # 3 days × 30 … 60
        (Target(min_minutes=20, max_minutes=40), (60, 120)),  # 3 days × 20 … 40
        (Target(every_n_days=1), (210, 420)),  # 7 days × 30 … 60
        (Target(every_n_days=3, min_minutes=45, max_minutes=90), (90, 180)),  # 2 × 45 … 90
    ],
)
def test_weekly_band_minutes(target: Target, band: tuple[int, int]) -> None:
    assert weekly_band_minutes(target) == band


@pytest.mark.parametrize(
    ("minutes", "position"),
    [(0.0, "below"), (89.9, "below"), (90.0, "within"), (135.0, "within"), (180.0, "within"),
     (180.1, "above"), (None, None), (float("nan"), None)],
)  # fmt: skip
def test_band_position_both_ends_inside(minutes: float | None, position: str | None) -> None:
    assert band_position(minutes, Target()) == position
