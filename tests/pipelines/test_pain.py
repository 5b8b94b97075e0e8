"""Table-driven tests of the pain rules (pipelines/rules/pain.py), and their properties."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.rules import pain
from pipelines.rules.pain import LagCorrelation, PainRules

START = date(2024, 5, 1)
NA = None
F, T = False, True


def frame(
    pain_values: Sequence[float | None],
    *,
    start: date = START,
    flare_up: Sequence[bool | None] | None = None,
    painkiller: Sequence[bool | None] | None = None,
    walking: Sequence[float] | None = None,
    has_data: Sequence[bool] | None = None,
) -> pd.DataFrame:
    """A per-day frame from ``start``, one row per value (None: no entry that day)."""
    n = len(pain_values)
    return pd.DataFrame(
        {
            "date": [start + timedelta(days=i) for i in range(n)],
            "pain": [np.nan if v is None else float(v) for v in pain_values],
            "flare_up": pd.array(flare_up if flare_up is not None else [NA] * n, dtype="boolean"),
            "painkiller": pd.array(
                painkiller if painkiller is not None else [NA] * n, dtype="boolean"
            ),
            "walking_minutes": [float(w) for w in walking] if walking else [0.0] * n,
            "has_data": list(has_data) if has_data is not None else [False] * n,
        }
    )


def d(day: int) -> date:
    """Day ``day`` of the test calendar (0 = START)."""
    return START + timedelta(days=day)


# ------------------------------------------------------------------------ baseline


@pytest.mark.parametrize(
    ("case", "values", "has_data", "program_start", "expected", "n"),
    [
        # program start set, 14 days before it with entries: the baseline is theirs
        ("before the start", [90] * 4 + [40] * 14, None, d(4), 90.0, 4),
        # program start set, nothing written before it: the 14 days from it
        ("program start", [NA, NA] + [40] * 14 + [10], None, d(2), 40.0, 14),
        # three entries before the start are too few: the first 14 program days instead
        ("too few before", [90, NA, 90, 90] + [40] * 14, None, d(4), 40.0, 14),
        # not set: the first diary day — never the first day of activity data
        ("first diary day", [NA, NA] + [40] * 14 + [10], None, None, 40.0, 14),
        ("activity years before", [NA] * 5 + [40] * 12 + [10] * 5, [True] * 22, None, 35.7, 14),
        ("no pain in window", [NA] * 14 + [50], [True] * 15, d(0), None, 0),
        # one low entry must not become the level: 3 entries → none, 4 → their mean
        ("three entries", [40, 50, NA, 60], None, None, None, 3),
        ("four entries", [40, 50, NA, 60, 70], None, None, 55.0, 4),
        ("mean of days, 1 decimal", [40, 41, 41, 41, 41, 41], None, None, 40.8, 6),
        ("one low entry", [10] + [NA] * 14 + [60] * 10, None, None, None, 1),
        ("nothing at all", [NA, NA], None, None, None, 0),
    ],
)  # fmt: skip
def test_baseline_window(
    case: str,
    values: list[float | None],
    has_data: list[bool] | None,
    program_start: date | None,
    expected: float | None,
    n: int,
) -> None:
    result = pain.baseline_window(frame(values, has_data=has_data), program_start, PainRules())
    assert (result.value, result.n) == (expected, n)
    assert pain.baseline(frame(values, has_data=has_data), program_start, PainRules()) == expected


def test_baseline_window_dates() -> None:
    before = pain.baseline_window(frame([50] * 20), d(14), PainRules())
    assert before.window == (d(0), d(13))
    program = pain.baseline_window(frame([NA] * 14 + [50] * 6), d(14), PainRules())
    assert (program.value, program.window) == (50.0, (d(14), d(27)))


def test_baseline_program_start_after_last_entry_is_none() -> None:
    assert pain.baseline(frame([40] * 5), d(30), PainRules()) is None


def test_baseline_window_length_and_minimum_are_rules() -> None:
    values = [40] * 7 + [60] * 7
    assert pain.baseline(frame(values), None, PainRules(baseline_days=7)) == 40.0
    assert pain.baseline(frame(values), None, PainRules()) == 50.0
    assert pain.baseline(frame([40, 50]), None, PainRules(baseline_min_entries=2)) == 45.0


# ------------------------------------------------------------------------ trends


def test_rolling_mean_needs_three_values_in_seven_days() -> None:
    values = [10, NA, 20, 30, NA, NA, NA, NA, 40, NA, NA]
    means = pain.rolling_mean(frame(values), PainRules())
    expected = [NA, NA, NA, 20.0, 20.0, 20.0, 20.0, NA, 30.0, NA, NA]
    assert [None if math.isnan(v) else v for v in means] == expected


def test_rolling_mean_row_aligned_and_rounded() -> None:
    days = frame([10, 10, 11, 12])
    shuffled = days.iloc[[3, 1, 0, 2]]
    means = pain.rolling_mean(shuffled, PainRules())
    assert list(means.index) == [3, 1, 0, 2]
    assert means.loc[2] == 10.3 and means.loc[3] == 10.8


def test_latest_mean_is_the_window_ending_on_as_of() -> None:
    days = frame([50] * 10 + [30] * 7)
    assert pain.latest_mean(days, d(12), PainRules()) == 41.4  # (4 × 50 + 3 × 30) / 7
    assert pain.latest_mean(days, d(16), PainRules()) == 30.0
    assert pain.latest_mean(days, d(19), PainRules()) == 30.0  # the frame ends on d(16)
    assert pain.latest_mean(days, d(21), PainRules()) is None  # two values left in the window


@pytest.mark.parametrize(
    ("case", "base", "week19", "week20", "mean_14d", "points", "percent"),
    [
        # the 14-day mean ending on Sunday of 2024-W20 = the mean of weeks 19 and 20
        ("exactly both references", 50.0, [35.0] * 7, [35.0] * 7, 35.0, True, True),
        ("just short of both", 50.0, [35.1] * 7, [35.1] * 7, 35.1, False, False),
        # week 20 alone is 20 points better, but the 14-day mean only 10: not reached
        ("one good week", 50.0, [50.0] * 7, [30.0] * 7, 40.0, False, False),
        # 40 → 28: 12 points (short of 15) but 30 %
        ("30 % but not 15 points", 40.0, [28.0] * 7, [28.0] * 7, 28.0, False, True),
        # 80 → 65: 15 points but 18.75 %
        ("15 points but not 30 %", 80.0, [65.0] * 7, [65.0] * 7, 65.0, True, False),
        # 6 days with a value in 14: too few for a 14-day mean
        ("too few values", 50.0, [NA] * 7, [NA, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0], None,
         False, False),
    ],
)  # fmt: skip
def test_weekly_reached_only_from_a_14_day_mean(
    case: str,
    base: float,
    week19: list[float | None],
    week20: list[float | None],
    mean_14d: float | None,
    points: bool,
    percent: bool,
) -> None:
    monday = date(2024, 4, 29)  # 2024-W18
    days = frame([base] * 7 + week19 + week20, start=monday)
    week = pain.weekly(days, base, PainRules()).to_dict("records")[2]
    assert week["week"] == "2024-W20"
    assert (None if math.isnan(week["mean_14d"]) else week["mean_14d"]) == mean_14d
    assert (week["reaches_reference"], week["reaches_30_percent"]) == (points, percent)


def test_weekly_change_is_the_weeks_mean_against_the_baseline() -> None:
    monday = date(2024, 4, 29)
    days = frame([50.0] * 7 + [30.0, 40.0, NA, NA, NA, NA, 31.0], start=monday)
    week = pain.weekly(days, 50.0, PainRules()).to_dict("records")[1]
    assert (week["mean_pain"], week["n_days"], week["change_vs_baseline"]) == (33.7, 3, -16.3)


@pytest.mark.parametrize(
    ("values", "base", "expected"),
    [
        ([35.0] * 14, 50.0, pain.Reached(35.0, -15.0, -30.0, True, True)),
        ([50.0] * 7 + [20.0] * 7, 50.0, pain.Reached(35.0, -15.0, -30.0, True, True)),
        ([20.0] * 6, 50.0, pain.Reached(None, None, None, False, False)),
        ([35.0] * 14, None, pain.Reached(35.0, None, None, False, False)),
        ([0.0] * 14, 0.0, pain.Reached(0.0, 0.0, None, False, False)),
    ],
)
def test_reached_as_of(values: list[float], base: float | None, expected: pain.Reached) -> None:
    assert pain.reached(frame(values), base, d(len(values) - 1), PainRules()) == expected


def test_weekly_iso_weeks_across_the_year_and_without_baseline() -> None:
    days = frame([40, NA, 60], start=date(2024, 12, 29))  # Sun (2024-W52), Mon, Tue (2025-W01)
    weeks = pain.weekly(days, None, PainRules())
    assert weeks["week"].tolist() == ["2024-W52", "2025-W01"]
    assert weeks["n_days"].tolist() == [1, 1]
    assert weeks["change_vs_baseline"].isna().all() and not weeks["reaches_reference"].any()


def test_weekly_empty() -> None:
    assert pain.weekly(frame([]), 40.0, PainRules()).empty


# ---------------------------------------------------------------------- flare-ups


@pytest.mark.parametrize(
    ("case", "values", "flagged", "detected", "either"),
    [
        # baseline 40 and fewer than 7 earlier values: the usual level is the baseline;
        # high = at least 60 (+20 points) or at least 52 (+30 %, which is 12 ≥ 10 points)
        ("one high day", [60, 40, 40], [NA] * 3, [F, F, F], [F, F, F]),
        ("two days at +20", [40, 60, 60, 40], [NA] * 4, [F, T, T, F], [F, T, T, F]),
        ("two days at +30 %", [52, 52], [NA] * 2, [T, T], [T, T]),
        ("two days just below both", [51.9, 51.9], [NA] * 2, [F, F], [F, F]),
        ("one unwritten day between", [60, NA, 60], [NA] * 3, [T, F, T], [T, F, T]),
        ("two unwritten days break", [60, NA, NA, 60], [NA] * 4, [F] * 4, [F] * 4),
        ("a written low day breaks", [60, 40, 60], [NA] * 3, [F] * 3, [F] * 3),
        ("three days", [70, 65, 60], [NA] * 3, [T] * 3, [T] * 3),
        # the person's flag is theirs: never counted as detected
        ("flagged by the person", [30, 40], [T, F], [F, F], [T, F]),
        ("flagged without pain", [NA, NA], [T, NA], [F, F], [T, F]),
        ("a person's no does not overrule", [61, 62], [F, F], [T, T], [T, T]),
    ],
)
def test_flare_days(
    case: str,
    values: list[float | None],
    flagged: list[bool | None],
    detected: list[bool],
    either: list[bool],
) -> None:
    days = frame(values, flare_up=flagged)
    assert pain.flare_detected(days, 40.0, PainRules()).tolist() == detected
    assert pain.flare_days(days, 40.0, PainRules()).tolist() == either


@pytest.mark.parametrize(
    ("case", "base", "values", "expected"),
    [
        # 30 % of a usual 5 is 1.5 points: the rise must still be 10 points
        ("low usual level, small rise", 5.0, [12, 12], [F, F]),
        ("low usual level, 10 points", 5.0, [15, 15], [T, T]),
        ("usual level 0", 0.0, [0, 0], [F, F]),
        # a baseline of 85: neither +20 nor +30 % fits on the scale
        ("high usual level", 85.0, [100, 100], [F, F]),
        ("high usual level, 80", 80.0, [100, 100], [T, T]),
        ("no baseline, no history", None, [90, 90, 90], [F, F, F]),
    ],
)
def test_flare_detection_thresholds(
    case: str, base: float | None, values: list[float], expected: list[bool]
) -> None:
    assert pain.flare_detected(frame(values), base, PainRules()).tolist() == expected


def test_flare_detection_after_improvement_uses_the_usual_level() -> None:
    # baseline 60; four weeks at 20 (improved); then a week at 55: 35 points above the
    # usual 20 (the median of the 28 days before), though 5 below the baseline
    values = [20.0] * 28 + [55.0] * 7
    detected = pain.flare_detected(frame(values), 60.0, PainRules()).tolist()
    assert detected == [False] * 28 + [True] * 7


def test_flare_detection_without_baseline_from_the_usual_level() -> None:
    # no baseline, but 7 earlier values: their median 30 is the usual level
    values = [30.0] * 7 + [50.0, 50.0]
    assert pain.flare_detected(frame(values), None, PainRules()).tolist() == [F] * 7 + [T, T]


@pytest.mark.parametrize(
    ("case", "values", "day", "expected"),
    [
        ("six earlier values: the baseline", [20] * 6 + [50], 6, 40.0),
        ("seven earlier values: their median", [20] * 7 + [50], 7, 20.0),
        ("median of eight", [10, 20, 30, 40, 50, 60, 70, 80, 0], 8, 45.0),
        ("unwritten days are skipped", [10, NA, 10, NA, 10, 20, 30, 30, 30, 0], 9, 20.0),
        # only the 28 days before count: the 8 values at 90 lie 29–36 days back
        ("28 days, not more", [90] * 8 + [NA] + [10] * 6 + [NA] * 22 + [0], 36, 40.0),
    ],
)
def test_usual_level(case: str, values: list[float | None], day: int, expected: float) -> None:
    calendar = np.array([np.nan if v is None else float(v) for v in values])
    assert pain.usual_level(calendar, 40.0, PainRules())[day] == expected


def test_flare_days_a_day_absent_from_the_frame_is_unwritten() -> None:
    days = frame([60, 60, 60, 40, 60]).drop(index=[1, 2])
    assert pain.flare_detected(days, 40.0, PainRules()).tolist() == [False, False, False]
    bridged = frame([60, 60, 60]).drop(index=1)
    assert pain.flare_detected(bridged, 40.0, PainRules()).tolist() == [True, True]


def test_flare_days_without_baseline_only_flagged() -> None:
    days = frame([90, 90, 90], flare_up=[NA, True, NA])
    assert pain.flare_days(days, None, PainRules()).tolist() == [False, True, False]


def test_flare_threshold_with_a_decimal_baseline() -> None:
    # 45.3 + 20 is 65.30000000000001 in floating point; 65.3 still reaches it
    rules = PainRules(flare_percent=99.0)  # the points criterion alone
    assert pain.flare_detected(frame([65.3, 65.3]), 45.3, rules).tolist() == [True, True]
    assert pain.flare_detected(frame([65.2, 65.2]), 45.3, rules).tolist() == [False, False]


@pytest.mark.parametrize(
    ("case", "values", "flags", "expected"),
    [
        ("two runs", [1] * 7, [T, T, F, F, T, F, F], [(0, 1), (4, 4)]),
        ("a day without entry is bridged", [1, 1, NA, 1], [T, T, F, T], [(0, 3)]),
        ("a written day ends it", [1, 1, 1, 1], [T, T, F, T], [(0, 1), (3, 3)]),
        ("two days without entry end it", [1, NA, NA, 1], [T, F, F, T], [(0, 0), (3, 3)]),
        ("none", [1, 1], [F, F], []),
    ],
)
def test_flare_episodes(
    case: str,
    values: list[float | None],
    flags: list[bool],
    expected: list[tuple[int, int]],
) -> None:
    days = frame(values)
    episodes = pain.flare_episodes(days, pd.Series(flags, index=days.index), PainRules())
    assert episodes == [(d(a), d(b)) for a, b in expected]


def test_flare_episodes_from_detected_days() -> None:
    days = frame([40] * 14 + [65, 70, NA, NA, 66, 40, 40, 70, 70])
    flags = pain.flare_days(days, pain.baseline(days, None, PainRules()), PainRules())
    # 14–15 detected, 16–17 unwritten, 18 alone (two days gap) is not detected
    assert pain.flare_episodes(days, flags, PainRules()) == [(d(14), d(15)), (d(21), d(22))]


@pytest.mark.parametrize(
    ("starts", "start", "end", "expected"),
    [
        ([5], 0, 27, 3.26),  # 1 episode in 28 days
        ([5], 0, 26, None),  # 27 days: too short for a rate
        ([5, 40, 80], 0, 90, 3.01),  # 3 in 91 days
        ([-3, 5], 0, 27, 3.26),  # an episode starting before the period is not counted
        ([], 0, 90, 0.0),
    ],
)
def test_flare_rate_per_3_months(
    starts: list[int], start: int, end: int, expected: float | None
) -> None:
    episodes = [(d(s), d(s + 2)) for s in starts]
    assert pain.flare_rate(episodes, d(start), d(end), PainRules()) == expected


def test_flare_rate_change_baseline_period_against_after() -> None:
    episodes = [(d(3), d(5)), (d(20), d(30)), (d(60), d(61))]  # the 2nd runs over the boundary
    rates = pain.flare_rate_change(episodes, d(0), d(83), PainRules())
    assert rates == pain.FlareRates(
        baseline_period=(d(0), d(27)),
        after_period=(d(28), d(83)),
        baseline_per_3_months=6.52,
        after_per_3_months=1.63,
        ratio=0.25,
    )


def test_flare_rate_change_early_in_the_program() -> None:
    rates = pain.flare_rate_change([(d(3), d(4))], d(0), d(40), PainRules())
    assert rates.baseline_per_3_months == 3.26
    assert rates.after_per_3_months is None and rates.ratio is None  # 13 days after
    young = pain.flare_rate_change([(d(3), d(4))], d(0), d(20), PainRules())
    assert (young.baseline_per_3_months, young.after_period) == (None, None)


def test_flare_rate_change_without_baseline_flare_ups_has_no_ratio() -> None:
    rates = pain.flare_rate_change([(d(40), d(41))], d(0), d(83), PainRules())
    assert (rates.baseline_per_3_months, rates.after_per_3_months, rates.ratio) == (0.0, 1.63, None)


# ---------------------------------------------------------------------- painkillers


@pytest.mark.parametrize(
    ("case", "answers", "as_of", "run", "warning"),
    [
        ("14 days", [T] * 14, 13, 14, False),
        ("15 days", [T] * 15, 14, 15, True),
        ("broken by a no", [T] * 10 + [F] + [T] * 5, 15, 5, False),
        ("one unwritten day does not break", [T] * 10 + [NA] + [T] * 5, 15, 16, True),
        ("two unwritten days do not break", [T] * 10 + [NA] * 2 + [T] * 5, 16, 17, True),
        ("three unwritten days break", [T] * 10 + [NA] * 3 + [T] * 5, 17, 5, False),
        # the cases: 30 days with one day not written; a diary every other day
        ("30 days, one not written", [T] * 14 + [NA] + [T] * 15, 29, 30, True),
        ("diary every other day", [T, NA] * 10 + [T], 20, 21, True),
        ("as_of not written yet", [T] * 15 + [NA], 15, 15, True),
        ("last entry says no", [T] * 15 + [F], 15, 0, False),
        ("a no, then one yes", [T] * 20 + [F, T], 21, 1, False),
        ("days after as_of ignored", [T] * 15 + [F, F], 14, 15, True),
        ("never", [NA, NA], 1, 0, False),
    ],
)
def test_painkiller_run(
    case: str, answers: list[bool | None], as_of: int, run: int, warning: bool
) -> None:
    days = frame([NA] * len(answers), painkiller=answers)
    assert pain.painkiller_run(days, d(as_of), PainRules()) == run
    assert pain.painkiller_warning(run, PainRules()) is warning


@pytest.mark.parametrize(
    ("case", "answers", "as_of", "expected"),
    [
        ("written today", [T] * 5, 4, (5, 0, 4, False)),
        ("two days without answer", [T] * 5, 6, (5, 0, 4, False)),
        ("three days without answer", [T] * 5, 7, (5, 0, 4, True)),
        ("ended by a no", [T] * 5 + [F], 10, (0, None, None, False)),
        # pain written, the painkiller question left open: unknown, not "no"
        ("entries without the answer", [T] * 5 + [NA] * 3, 7, (5, 0, 4, True)),
    ],
)
def test_painkiller_diary_stopped_during_a_run(
    case: str,
    answers: list[bool | None],
    as_of: int,
    expected: tuple[int, int | None, int | None, bool],
) -> None:
    days = frame([40.0] * len(answers), painkiller=answers)
    run = pain.painkiller_status(days, d(as_of), PainRules())
    days_, first, last, stopped = expected
    assert run == pain.PainkillerRun(
        days_, None if first is None else d(first), None if last is None else d(last), stopped
    )


def test_painkiller_run_with_the_daily_joins_entry_count() -> None:
    # the join fills flags with False on days without entry; pain_entries says who wrote
    days = frame([NA] * 16, painkiller=[T] * 15 + [NA], flare_up=[F] * 16)
    days["pain_entries"] = [1] * 15 + [0]
    assert pain.painkiller_run(days, d(15), PainRules()) == 15


def test_painkiller_bridge_is_a_rule() -> None:
    days = frame([NA] * 5, painkiller=[T, NA, NA, T, T])
    assert pain.painkiller_run(days, d(4), PainRules()) == 5
    assert pain.painkiller_run(days, d(4), PainRules(painkiller_bridge_days=1)) == 2


# -------------------------------------------------------------------- associations


# 60 days of walking minutes without trend or rhythm (a fixed draw)
WALKING = [round(float(v), 1) for v in np.random.default_rng(60).uniform(0, 90, 60)]


def test_lag_alignment_finds_the_lag_that_was_built_in() -> None:
    # pain on day d = 100 − walking on day d − 2: a link at lag 2 only
    pain_values = [None, None] + [100.0 - WALKING[i - 2] for i in range(2, 60)]
    days = frame(pain_values, walking=WALKING, has_data=[True] * 60)
    result = pain.lag_correlations(days, PainRules())
    assert [c.lag_days for c in result] == [0, 1, 2, 3]
    assert [c.n for c in result] == [58, 58, 58, 57]
    lag2 = result[2]
    assert lag2.rho is not None and lag2.rho <= -0.95
    assert lag2.high is not None and lag2.high < 0 and lag2.verdict == "more_walking_less_pain"
    assert [c.verdict for c in result if c.lag_days != 2] == ["no_clear_link"] * 3


def test_lag_pairs_need_activity_data_on_the_earlier_day() -> None:
    # the watch was off on days 20–24: no walking deviation there
    has_data = [not 20 <= i <= 24 for i in range(60)]
    days = frame([50.0 + (i * 13) % 17 for i in range(60)], walking=WALKING, has_data=has_data)
    # lag k: day d needs data on d − k (and d − k ≥ day 0): 60 − 5 − k pairs
    assert [c.n for c in pain.lag_correlations(days, PainRules())] == [55, 54, 53, 52]


@pytest.mark.parametrize(("n_days", "has_rho"), [(27, False), (28, True)])
def test_too_few_pairs_give_no_rho(n_days: int, has_rho: bool) -> None:
    days = frame(
        [float((i * 7) % 11) for i in range(n_days)],
        walking=WALKING[:n_days],
        has_data=[True] * n_days,
    )
    lag0 = pain.lag_correlations(days, PainRules())[0]
    assert (lag0.n, lag0.rho is not None) == (n_days, has_rho)
    assert lag0.verdict == "no_clear_link" or has_rho


def test_ties_use_average_ranks() -> None:
    # ranks of walking (1, 2.5, 2.5, 4) against (1, 2, 3, 4): rho = 4.5 / sqrt(4.5 * 5)
    x, y = np.array([1.0, 2.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0, 4.0])
    assert pain._spearman(x, y) == round(4.5 / math.sqrt(22.5), 3)
    # a resample draws values twice: they tie — (1, 1, 3) against (2, 2, 1): rho = −1
    index = np.array([[0, 0, 3]])
    rho = pain._rho_of_rows(x, np.array([2.0, 9.0, 9.0, 1.0]), index)
    assert rho.tolist() == [-1.0]


def test_constant_side_gives_no_rho() -> None:
    days = frame([50.0] * 40, walking=WALKING[:40], has_data=[True] * 40)
    assert pain.lag_correlations(days, PainRules())[0] == LagCorrelation(0, None, 40)


def test_lag_correlations_of_nothing() -> None:
    assert pain.lag_correlations(frame([]), PainRules()) == [
        LagCorrelation(k, None, 0) for k in range(4)
    ]


@pytest.mark.parametrize(
    ("rho", "low", "high", "verdict"),
    [
        (-0.5, -0.8, -0.1, "more_walking_less_pain"),
        (0.5, 0.1, 0.8, "more_walking_more_pain"),
        (-0.39, -0.7, -0.1, "no_clear_link"),  # interval without 0, but |rho| < 0.4
        (-0.4, -0.7, -0.01, "more_walking_less_pain"),
        (-0.6, -0.9, 0.05, "no_clear_link"),  # |rho| large, but the interval holds 0
        (None, None, None, "no_clear_link"),
    ],
)
def test_verdict(rho: float | None, low: float | None, high: float | None, verdict: str) -> None:
    assert pain._verdict(rho, low, high, PainRules()) == verdict


def _person(pain_values: np.ndarray, walking: np.ndarray) -> pd.DataFrame:
    return frame(list(pain_values), walking=list(walking), has_data=[True] * len(walking))


def test_same_data_same_interval() -> None:
    rng = np.random.default_rng(7)
    days = _person(np.round(50 + 12 * rng.standard_normal(42)), 30 + 15 * rng.random(42))
    assert pain.lag_correlations(days, PainRules()) == pain.lag_correlations(days, PainRules())


def test_independent_noise_rarely_gets_a_verdict() -> None:
    # 300 people, 6 weeks each, pain and walking independent: a verdict other than
    # no_clear_link for at most 5 % of them (at any of the four lags)
    rng = np.random.default_rng(2016)
    linked = 0
    for _ in range(300):
        pain_values = np.clip(np.round(50 + 12 * rng.standard_normal(42)), 0, 100)
        walking = np.clip(30 + 15 * rng.standard_normal(42), 0, None)
        result = pain.lag_correlations(_person(pain_values, walking), PainRules())
        linked += any(c.verdict != "no_clear_link" for c in result)
    assert linked / 300 <= 0.05


def test_opposite_independent_trends_give_no_clear_link() -> None:
    # pain falls by 25 points while walking rises by 40 minutes over 6 weeks, each with
    # its own noise: the raw series correlate strongly, the detrended ones do not
    rng = np.random.default_rng(14)
    day = np.arange(42)
    linked, raw = 0, []
    for _ in range(100):
        pain_values = np.clip(np.round(60 - 0.6 * day + 8 * rng.standard_normal(42)), 0, 100)
        walking = np.clip(10 + 1.0 * day + 10 * rng.standard_normal(42), 0, None)
        raw.append(pain._spearman(walking, pain_values))
        result = pain.lag_correlations(_person(pain_values, walking), PainRules())
        linked += any(c.verdict != "no_clear_link" for c in result)
    assert linked / 100 <= 0.05
    assert float(np.mean(raw)) <= -0.5  # what a raw correlation would have claimed


# ----------------------------------------------------------------------- summary


def test_summarize_a_programme() -> None:
    # 84 days: baseline 50, a flare-up in week 2, improving to 32 by the end; painkillers
    # for the last 16 days; walking worn every day
    values: list[float | None] = [50.0] * 14 + [None] * 70
    for i in range(14, 84):
        values[i] = None if i % 6 == 0 else round(50.0 - 18.0 * (i - 14) / 69, 1)
    values[9] = values[10] = 75.0  # flare-up in the baseline period (not flagged)
    values[60] = 80.0  # one bad day: not a flare-up
    answers: Sequence[bool | None] = [F] * 68 + [T] * 16
    days = frame(values, painkiller=answers, walking=WALKING + WALKING[:24], has_data=[True] * 84)
    summary = pain.summarize(days, START, d(83), PainRules())
    assert summary.baseline == 53.6  # (12 × 50 + 2 × 75) / 14
    assert summary.latest_7d_mean == 32.7  # days 77–83 but 78 (no entry)
    assert summary.change_vs_baseline == -20.9
    assert summary.flare_ups_per_3_months_baseline == 3.26
    assert summary.flare_ups_per_3_months == 0.0
    assert (summary.painkiller_run_days, summary.painkiller_warning) == (16, True)
    # 74 days with pain; days 82 and 83 have only 10 written days in their (cut) 21-day
    # window (72 and 78 unwritten) — too few to detrend: 72 pairs at lag 0
    assert [c.n for c in summary.lag_correlations] == [72, 71, 70, 69]


def test_summarize_ignores_rows_after_as_of_and_handles_nothing() -> None:
    days = frame([50.0] * 20 + [90.0] * 20)
    assert pain.summarize(days, None, d(19), PainRules()).latest_7d_mean == 50.0
    empty = pain.summarize(frame([]), None, d(0), PainRules())
    assert empty == pain.PainSummary(
        baseline=None,
        latest_7d_mean=None,
        change_vs_baseline=None,
        flare_ups_per_3_months=None,
        flare_ups_per_3_months_baseline=None,
        painkiller_run_days=0,
        painkiller_warning=False,
        lag_correlations=[LagCorrelation(k, None, 0) for k in range(4)],
    )


# -------------------------------------------------------------------- input errors


def test_repeated_days_are_refused() -> None:
    days = pd.concat([frame([40, 50]), frame([60])], ignore_index=True)
    with pytest.raises(ValueError, match="repeated: 2024-05-01"):
        pain.baseline(days, None, PainRules())


def test_pain_off_the_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="0–100 scale; 2024-05-02 has 120"):
        pain.rolling_mean(frame([40, 120]), PainRules())


@pytest.mark.parametrize(
    "changes",
    [{"baseline_days": 0}, {"rolling_min_values": 8}, {"flare_delta": 0}, {"min_pairs": 2}],
)
def test_rules_are_validated(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PainRules(**changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- properties


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

day_specs = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(0, 100).map(float)),  # pain
        st.sampled_from([None, True, False]),  # flare_up
        st.sampled_from([None, True, False]),  # painkiller
        st.integers(0, 120).map(float),  # walking minutes
        st.booleans(),  # has data
    ),
    min_size=0,
    max_size=60,
)


def _days(specs: list[tuple[float | None, bool | None, bool | None, float, bool]]) -> pd.DataFrame:
    return frame(
        [s[0] for s in specs],
        flare_up=[s[1] for s in specs],
        painkiller=[s[2] for s in specs],
        walking=[s[3] for s in specs],
        has_data=[s[4] for s in specs],
    )


@FAST
@given(day_specs, st.integers(1, 60))
def test_rho_within_bounds(specs, seed) -> None:  # type: ignore[no-untyped-def]
    for c in pain.lag_correlations(_days(specs), PainRules(min_pairs=3)):
        assert c.rho is None or -1.0 <= c.rho <= 1.0
        assert c.n >= 0 and (c.rho is None or c.n >= 3)


@FAST
@given(day_specs, st.randoms(use_true_random=False))
def test_results_independent_of_row_order(specs, rng) -> None:  # type: ignore[no-untyped-def]
    days = _days(specs)
    order = list(days.index)
    rng.shuffle(order)
    shuffled = days.loc[order]
    as_of = START + timedelta(days=len(specs))
    rules = PainRules()
    assert pain.summarize(shuffled, None, as_of, rules) == pain.summarize(days, None, as_of, rules)
    base = pain.baseline(days, None, rules)
    flags = pain.flare_days(days, base, rules)
    assert pain.flare_days(shuffled, base, rules).loc[order].tolist() == flags.loc[order].tolist()
    assert pain.flare_episodes(shuffled, flags.loc[order], rules) == pain.flare_episodes(
        days, flags, rules
    )
    assert pain.weekly(shuffled, base, rules).equals(pain.weekly(days, base, rules))


@FAST
@given(day_specs, st.integers(0, 60))
def test_detected_days_and_runs_keep_their_shape(specs, as_of_day) -> None:  # type: ignore[no-untyped-def]
    days = _days(specs)
    rules = PainRules()
    base = pain.baseline(days, None, rules)
    detected = pain.flare_detected(days, base, rules).tolist()
    for i, flagged in enumerate(detected):
        if flagged:  # a detected day has a value and a detected neighbour within 2 days
            assert specs[i][0] is not None
            near = [j for j in range(max(0, i - 2), min(len(specs), i + 3)) if j != i]
            assert any(detected[j] for j in near)
    run = pain.painkiller_status(days, d(as_of_day), rules)
    if run.days:
        assert run.first is not None and run.last is not None and run.last <= d(as_of_day)
        assert run.days == (run.last - run.first).days + 1
        assert specs[(run.first - START).days][2] is True
        assert specs[(run.last - START).days][2] is True
        inside = [s[2] for s in specs[(run.first - START).days : (run.last - START).days + 1]]
        assert False not in inside  # a written "no" never lies inside a run
    else:
        assert run.first is None and not run.diary_stopped
