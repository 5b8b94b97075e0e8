"""The pain rules (pipelines/rules/pain.py) at their edges: the baseline's two windows day by
day, the painkiller run and its warning, the rolling mean, the 14-day "reached" criteria,
flare-up detection, episodes and rates, and the lag correlations' verdict. Every expected
figure is worked out by hand from the module doc (the rule's specification)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from pipelines.rules import pain
from pipelines.rules.pain import Baseline, PainkillerRun, PainRules

START = date(2024, 5, 1)
NA = None
T, F = True, False
RULES = PainRules()


def d(day: int) -> date:
    """Day ``day`` of the test calendar (0 = START)."""
    return START + timedelta(days=day)


def diary(
    pain_values: Sequence[float | None],
    *,
    painkiller: Sequence[bool | None] | None = None,
    flare_up: Sequence[bool | None] | None = None,
    has_data: Sequence[bool] | None = None,
    walking: Sequence[float] | None = None,
) -> pd.DataFrame:
    """One row per day from START (None: nothing written that day)."""
    n = len(pain_values)
    return pd.DataFrame(
        {
            "date": [d(i) for i in range(n)],
            "pain": [np.nan if v is None else float(v) for v in pain_values],
            "flare_up": pd.array(list(flare_up) if flare_up else [NA] * n, dtype="boolean"),
            "painkiller": pd.array(list(painkiller) if painkiller else [NA] * n, dtype="boolean"),
            "walking_minutes": [float(w) for w in walking] if walking else [0.0] * n,
            "has_data": list(has_data) if has_data is not None else [False] * n,
        }
    )


def at(values: dict[int, float], n: int) -> list[float | None]:
    """``n`` days with ``values`` on the given day numbers, nothing written on the others."""
    return [values.get(i) for i in range(n)]


# ------------------------------------------------------------------------ baseline


@pytest.mark.parametrize(
    ("case", "values", "program_start", "expected"),
    [
        # start day 15: the window before it is days 1–14 (start − 14 … start − 1); day 0
        # (start − 15) is outside: (10 + 20 + 30 + 40) / 4 = 25.0
        ("before: both edge days count, the 15th day before not",
         at({0: 90, 1: 10, 2: 20, 3: 30, 14: 40}, 15), 15,
         Baseline(25.0, 4, (d(1), d(14)))),
        # before the start only 3 values in days 1–14 (day 0 is the 15th day before): the
        # program window days 15–28 (start … start + 13) instead; day 29 is outside:
        # (40 + 50 + 60 + 70) / 4 = 55.0
        ("program: its last day counts, the day after not",
         at({0: 90, 2: 90, 3: 90, 14: 90, 15: 40, 16: 50, 17: 60, 28: 70, 29: 99}, 30), 15,
         Baseline(55.0, 4, (d(15), d(28)))),
        # three values in the program window (day 14 is the 15th program day): no baseline,
        # and the window it looked at is the program window
        ("too few: the program window and its count",
         at({0: 40, 5: 50, 13: 60, 14: 70}, 15), 0, Baseline(None, 3, (d(0), d(13)))),
        # only the day before the start: 1 value before (too few), none in the program
        ("too few anywhere", at({0: 40, 1: 50}, 2), 1, Baseline(None, 1, (d(1), d(14)))),
        # (40 + 41 + 41 + 41) / 4 = 40.75 → 40.8 (1 decimal)
        ("rounded to 1 decimal", [40, 41, 41, 41], None, Baseline(40.8, 4, (d(0), d(13)))),
    ],
)  # fmt: skip
def test_baseline_windows_day_by_day(
    case: str, values: list[float | None], program_start: int | None, expected: Baseline
) -> None:
    start = None if program_start is None else d(program_start)
    assert pain.baseline_window(diary(values), start, RULES) == expected
    assert pain.baseline(diary(values), start, RULES) == expected.value


def test_baseline_without_a_diary_has_no_start() -> None:
    # activity data only, no program start: the first data day is no pain start
    watch_only = diary([NA] * 20, has_data=[True] * 20)
    assert pain.anchor(watch_only, None) is None
    assert pain.baseline_window(watch_only, None, RULES) == Baseline(None, 0, None)
    empty = diary([])
    assert pain.anchor(empty, None) is None
    assert pain.baseline_window(empty, None, RULES) == Baseline(None, 0, None)


@pytest.mark.parametrize(
    ("case", "values", "answers", "program_start", "expected"),
    [
        ("the program start when set", [NA, NA, 40], None, 7, d(7)),
        ("else the first diary day", [NA, NA, 40, 50], None, None, d(2)),
        ("a painkiller answer alone is an entry", [NA, NA, NA], [NA, F, NA], None, d(1)),
    ],
)
def test_anchor(
    case: str,
    values: list[float | None],
    answers: list[bool | None] | None,
    program_start: int | None,
    expected: date,
) -> None:
    # activity data from day 0 on: never the start
    days = diary(values, painkiller=answers, has_data=[True] * len(values))
    start = None if program_start is None else d(program_start)
    assert pain.anchor(days, start) == expected


def test_baseline_window_and_minimum_are_the_rules() -> None:
    # baseline_days 3: start day 3, the window before is days 0–2; min 2 values
    rules = PainRules(baseline_days=3, baseline_min_entries=2)
    assert pain.baseline_window(diary([10, NA, 20, 90]), d(3), rules) == Baseline(
        15.0, 2, (d(0), d(2))
    )
    # one value before: the program window days 3–5 (day 6 outside): (30 + 50) / 2
    assert pain.baseline_window(diary([10, NA, NA, 30, NA, 50, 90]), d(3), rules) == Baseline(
        40.0, 2, (d(3), d(5))
    )


# ---------------------------------------------------------------------- painkillers


@pytest.mark.parametrize(
    ("case", "answers", "as_of", "expected"),
    [
        # two gaps of 2 unanswered days: each is bridged on its own (the count starts again
        # at every "yes")
        ("two gaps of two days", [T, NA, NA, T, NA, NA, T], 6, (7, 0, 6, False)),
        ("a gap of three ends it", [T, NA, NA, NA, T, T], 5, (2, 4, 5, False)),
        ("a single yes", [F, T], 1, (1, 1, 1, False)),
        ("the first day is in the run", [T, T], 1, (2, 0, 1, False)),
        # as_of before the first "yes": no run
        ("as_of before any yes", [F, NA, T], 1, (0, None, None, False)),
        # "no" long ago, a yes 3 days before as_of, nothing since: the diary stopped
        ("stopped after one yes", [F, T, NA, NA, NA], 4, (1, 1, 1, True)),
    ],
)
def test_painkiller_status(
    case: str,
    answers: list[bool | None],
    as_of: int,
    expected: tuple[int, int | None, int | None, bool],
) -> None:
    days_, first, last, stopped = expected
    run = pain.painkiller_status(diary([NA] * len(answers), painkiller=answers), d(as_of), RULES)
    assert run == PainkillerRun(
        days_, None if first is None else d(first), None if last is None else d(last), stopped
    )


def test_painkiller_without_the_question() -> None:
    days = diary([40, 50]).drop(columns="painkiller")
    assert pain.painkiller_status(days, d(1), RULES) == PainkillerRun(0, None, None, False)
    assert pain.painkiller_run(days, d(1), RULES) == 0
    assert pain.painkiller_status(diary([]), d(1), RULES) == PainkillerRun(0, None, None, False)


def test_painkiller_bridge_and_maximum_are_the_rules() -> None:
    no_bridge = PainRules(painkiller_bridge_days=0)
    days = diary([NA] * 4, painkiller=[T, NA, T, T])
    # no unanswered day bridged: the run is days 2–3; one day after it unanswered: stopped
    assert pain.painkiller_status(days, d(3), no_bridge) == PainkillerRun(2, d(2), d(3), False)
    assert pain.painkiller_status(days, d(4), no_bridge) == PainkillerRun(2, d(2), d(3), True)
    assert pain.painkiller_status(days, d(4), RULES) == PainkillerRun(4, d(0), d(3), False)
    short = PainRules(painkiller_max_days=3)
    assert [pain.painkiller_warning(n, short) for n in (0, 3, 4)] == [False, False, True]
    assert [pain.painkiller_warning(n) for n in (14, 15)] == [False, True]


# -------------------------------------------------------------------- rolling mean


def test_rolling_mean_whole_series() -> None:
    # days 0–8: 10, –, 20, 30, –, –, –, –, 40. Window of 7 days ending on the day, ≥ 3 values
    days = diary([10, NA, 20, 30, NA, NA, NA, NA, 40])
    expected = pd.Series(
        [np.nan, np.nan, np.nan, 20.0, 20.0, 20.0, 20.0, np.nan, 30.0],
        index=days.index,
        name="pain_7d_mean",
    )
    pd.testing.assert_series_equal(pain.rolling_mean(days, RULES), expected)


def test_rolling_mean_window_is_the_rule() -> None:
    # window 2 days, 2 values: (10 + 11) / 2 = 10.5, (11 + 13) / 2 = 12.0, one value: none
    days = diary([10, 11, 13, NA])
    rules = PainRules(rolling_days=2, rolling_min_values=2)
    expected = pd.Series([np.nan, 10.5, 12.0, np.nan], index=days.index, name="pain_7d_mean")
    pd.testing.assert_series_equal(pain.rolling_mean(days, rules), expected)
    # latest_mean with the same rules: the window ending on day 2
    assert pain.latest_mean(days, d(2), rules) == 12.0
    assert pain.latest_mean(days, d(3), rules) is None


def test_rolling_mean_of_nothing() -> None:
    days = diary([])
    expected = pd.Series([], index=days.index, dtype="float64", name="pain_7d_mean")
    pd.testing.assert_series_equal(pain.rolling_mean(days, RULES), expected)


@pytest.mark.parametrize(
    ("case", "values", "as_of", "expected"),
    [
        # the 7 days ending on day 8 are days 2–8: 20, 30, 40 → 30.0 (day 1's 90 is outside)
        ("the window's first day counts, the day before not", [0, 90, 20, 30, NA, NA, NA, NA, 40],
         8, 30.0),
        ("two values are too few", [NA, NA, 20, 30], 3, None),
        ("three suffice", [NA, 10, 20, 30], 3, 20.0),
        # (10 + 10 + 11) / 3 = 10.333… → 10.3
        ("1 decimal", [10, 10, 11], 2, 10.3),
    ],
)  # fmt: skip
def test_latest_mean(
    case: str, values: list[float | None], as_of: int, expected: float | None
) -> None:
    assert pain.latest_mean(diary(values), d(as_of), RULES) == expected


# ---------------------------------------------------------------- change / reached


@pytest.mark.parametrize(
    ("case", "values", "program_start", "as_of", "expected"),
    [
        # start day 4: baseline 50 from days 0–3; the 7-day mean of days 1–7 is
        # (3 × 50 + 4 × 35) / 7 = 41.43 → 41.4; change 41.4 − 50 = −8.6
        ("change", [50, 50, 50, 50, 35, 35, 35, 35], 4, 7, (50.0, 41.4, -8.6)),
        # nothing after the baseline days: the 7-day mean has too few values
        ("no latest mean", [50, 50, 50, 50] + [NA] * 10, None, 13, (50.0, None, None)),
        # no baseline (3 values), but a 7-day mean
        ("no baseline", [40, 50, 60], None, 2, (None, 50.0, None)),
        # rows after as_of are not read: the baseline comes from days 0–3 only, not
        # (4 × 50 + 4 × 10) / 8 = 30
        ("rows after as_of", [50, 50, 50, 50, 10, 10, 10, 10], None, 3, (50.0, 50.0, 0.0)),
    ],
)
def test_change_vs_baseline(
    case: str,
    values: list[float | None],
    program_start: int | None,
    as_of: int,
    expected: tuple[float | None, float | None, float | None],
) -> None:
    start = None if program_start is None else d(program_start)
    assert pain.change_vs_baseline(diary(values), start, d(as_of), RULES) == expected


def test_overview_is_the_change_and_the_run() -> None:
    # start day 4: baseline 50; as of day 7 the change is −8.6 (above); painkillers days 5–7
    days = diary([50, 50, 50, 50, 35, 35, 35, 35], painkiller=[F] * 5 + [T] * 3)
    assert pain.overview(days, d(4), d(7), RULES) == (-8.6, PainkillerRun(3, d(5), d(7), False))
    # as of day 4: 7-day mean (4 × 50 + 35) / 5 = 47.0 → −3.0; the later "yes" not read
    assert pain.overview(days, d(4), d(4), RULES) == (-3.0, PainkillerRun(0, None, None, False))


@pytest.mark.parametrize(
    ("case", "mean", "base", "expected"),
    [
        # 45 → 31.5: −13.5 points, exactly −30 %
        ("30 % exactly", 31.5, 45.0, pain.Reached(31.5, -13.5, -30.0, False, True)),
        # 45 → 31.6: −13.4 points, −29.8 %
        ("just short of 30 %", 31.6, 45.0, pain.Reached(31.6, -13.4, -29.8, False, False)),
        # 60 → 45: −15 points exactly, −25 %
        ("15 points exactly", 45.0, 60.0, pain.Reached(45.0, -15.0, -25.0, True, False)),
        ("14.9 points", 45.1, 60.0, pain.Reached(45.1, -14.9, -24.8, False, False)),
        # worse, not better: positive change
        ("worse", 70.0, 50.0, pain.Reached(70.0, 20.0, 40.0, False, False)),
        ("no mean", None, 50.0, pain.Reached(None, None, None, False, False)),
        # a baseline given with 2 decimals: the change is still shown (and compared) at 1:
        # 30 − 45.26 = −15.26 → −15.3; −15.3 / 45.26 = −33.8 %
        ("change to 1 decimal", 30.0, 45.26, pain.Reached(30.0, -15.3, -33.8, True, True)),
    ],
)
def test_reached_criteria(
    case: str, mean: float | None, base: float | None, expected: pain.Reached
) -> None:
    assert pain._reached(mean, base, RULES) == expected


def test_reached_needs_seven_values_in_fourteen_days() -> None:
    # the 14 days ending on day 14 are days 1–14; day 0 (the 15th) is outside
    values = at({0: 0, 1: 30, 3: 30, 5: 30, 7: 30, 9: 30, 11: 30, 14: 30}, 15)
    assert pain.reached(diary(values), 50.0, d(14), RULES) == pain.Reached(
        30.0, -20.0, -40.0, True, True
    )
    six = at({1: 30, 3: 30, 5: 30, 7: 30, 9: 30, 14: 30}, 15)
    assert pain.reached(diary(six), 50.0, d(14), RULES) == pain.Reached(
        None, None, None, False, False
    )
    # the rules' own window and thresholds: 2 days, 2 values, 10 points or 50 %
    rules = PainRules(
        reached_days=2, reached_min_values=2, reference_change=10, reference_percent=50
    )
    assert pain.reached(diary([0, 40, 40]), 50.0, d(2), rules) == pain.Reached(
        40.0, -10.0, -20.0, True, False
    )


# ---------------------------------------------------------------------- flare-ups


@pytest.mark.parametrize(
    ("case", "rules", "base", "values", "expected"),
    [
        # base 40 (the usual level while fewer than 7 earlier values): high at +20 (60) or
        # at +30 % (52, a rise of 12 ≥ 10 points)
        ("three days needed: two are too few", PainRules(flare_min_days=3), 40.0,
         [60, 60, 40], [F, F, F]),
        ("three days needed: three", PainRules(flare_min_days=3), 40.0, [60, 60, 60], [T, T, T]),
        ("two unwritten days bridged", PainRules(flare_bridge_days=2), 40.0,
         [60, NA, NA, 60], [T, F, F, T]),
        ("no day bridged", PainRules(flare_bridge_days=0), 40.0, [60, NA, 60], [F, F, F]),
        # +10 points alone (30 % switched off by 99 %): 50 is high, 49.9 not
        ("10 points", PainRules(flare_delta=10, flare_percent=99), 40.0, [50, 50], [T, T]),
        ("9.9 points", PainRules(flare_delta=10, flare_percent=99), 40.0, [49.9, 49.9], [F, F]),
        # +30 % of 45 is 13.5 points (not rounded to 14): 58.5 reaches it, 58.4 not
        ("30 % of 45", RULES, 45.0, [58.5, 58.5], [T, T]),
        ("short of 30 % of 45", RULES, 45.0, [58.4, 58.4], [F, F]),
        # no minimal rise: +30 % of a usual 5 is 1.5 points; 7 is 2 above
        ("no minimal rise", PainRules(flare_min_rise=0), 5.0, [7, 7], [T, T]),
        # +50 % of 10 is 5 points: 14 is 4 above (it would be high at +30 %: 3)
        ("50 %, below it", PainRules(flare_percent=50, flare_min_rise=0), 10.0, [14, 14], [F, F]),
        ("50 %, at it", PainRules(flare_percent=50, flare_min_rise=0), 10.0, [15, 15], [T, T]),
        # usual level over 3 days with ≥ 2 values: days 0–1 use the base 40; day 2 the
        # median of 10 and 20 (15): 35 is 20 above it; day 3 the median of 10, 20, 35 (20):
        # 35 is 15 above it, ≥ 30 % of 20 and ≥ 10 points (with the base 40 it would not be)
        ("the usual level's window", PainRules(usual_days=3, usual_min_values=2), 40.0,
         [10, 20, 35, 35], [F, F, T, T]),
    ],
)  # fmt: skip
def test_flare_detection_rules(
    case: str, rules: PainRules, base: float, values: list[float | None], expected: list[bool]
) -> None:
    days = diary(values)
    pd.testing.assert_series_equal(
        pain.flare_detected(days, base, rules),
        pd.Series(expected, index=days.index, name="flare_detected"),
    )


def test_usual_level_window_is_the_rule() -> None:
    rules = PainRules(usual_days=3, usual_min_values=2)
    # day 0–1: fewer than 2 values before → the base; day 2: median(10, 20); day 3:
    # median(10, 20, –); day 4: median(20, –, 0)
    calendar = np.array([10.0, 20.0, np.nan, 0.0, 50.0])
    np.testing.assert_array_equal(
        pain.usual_level(calendar, 40.0, rules), [40.0, 40.0, 15.0, 15.0, 10.0]
    )
    np.testing.assert_array_equal(pain.usual_level(calendar, None, rules)[:2], [np.nan, np.nan])
    assert pain.usual_level(np.array([]), 40.0, rules).tolist() == []


def test_flare_series_on_the_input_rows() -> None:
    days = diary([40, 60, 60, 40], flare_up=[T, NA, NA, NA]).iloc[[3, 0, 2, 1]]
    pd.testing.assert_series_equal(
        pain.flare_detected(days, 40.0, RULES),
        pd.Series([F, F, T, T], index=[3, 0, 2, 1], name="flare_detected"),
    )
    pd.testing.assert_series_equal(
        pain.flare_days(days, 40.0, RULES),
        pd.Series([F, T, T, T], index=[3, 0, 2, 1], name="flare_up"),
    )
    # no flag column: the detected days alone
    pd.testing.assert_series_equal(
        pain.flare_days(diary([60, 60]).drop(columns="flare_up"), 40.0, RULES),
        pd.Series([T, T], name="flare_up"),
    )


def test_flare_days_follow_the_rules() -> None:
    # two high days are too few when three are needed; the person's flag still counts
    days = diary([60, 60, 40], flare_up=[NA, NA, T])
    rules = PainRules(flare_min_days=3)
    assert pain.flare_days(days, 40.0, rules).tolist() == [F, F, T]
    assert pain.flare_days(days, 40.0, RULES).tolist() == [T, T, T]


def test_flare_flags_must_be_aligned_with_the_days() -> None:
    days = diary([1, 1, 1])
    with pytest.raises(ValueError):
        pain.flare_episodes(days, pd.Series([T, T]), RULES)


def test_per_row_results_of_nothing_keep_the_rows_index() -> None:
    # a participant's rows filtered down to nothing, labelled by something else than 0..n
    days = diary([40]).set_axis(pd.Index(["p1 2024-05-01"]), axis=0).iloc[[]]
    for result, name, dtype in (
        (pain.rolling_mean(days, RULES), "pain_7d_mean", "float64"),
        (pain.flare_detected(days, 40.0, RULES), "flare_detected", "bool"),
        (pain.flare_days(days, 40.0, RULES), "flare_up", "bool"),
    ):
        pd.testing.assert_series_equal(result, pd.Series(index=days.index, dtype=dtype, name=name))


def test_flare_series_of_nothing() -> None:
    days = diary([])
    for function, name in ((pain.flare_detected, "flare_detected"), (pain.flare_days, "flare_up")):
        pd.testing.assert_series_equal(
            function(days, 40.0, RULES), pd.Series([], index=days.index, dtype=bool, name=name)
        )


@pytest.mark.parametrize(
    ("case", "rules", "values", "flags", "expected"),
    [
        ("no day bridged", PainRules(flare_bridge_days=0), [1, NA, 1], [T, F, T],
         [(0, 0), (2, 2)]),
        ("one day bridged", RULES, [1, NA, 1], [T, F, T], [(0, 2)]),
        ("two days bridged", PainRules(flare_bridge_days=2), [1, NA, NA, 1], [T, F, F, T],
         [(0, 3)]),
        ("three days not", PainRules(flare_bridge_days=2), [1, NA, NA, NA, 1], [T, F, F, F, T],
         [(0, 0), (4, 4)]),
        # a flare-up day on the next day simply continues the episode
        ("consecutive", RULES, [1, 1, 1, 1], [F, T, T, F], [(1, 2)]),
    ],
)  # fmt: skip
def test_flare_episode_bridges(
    case: str,
    rules: PainRules,
    values: list[float | None],
    flags: list[bool],
    expected: list[tuple[int, int]],
) -> None:
    days = diary(values)
    episodes = pain.flare_episodes(days, pd.Series(flags, index=days.index), rules)
    assert episodes == [(d(a), d(b)) for a, b in expected]


def test_flare_episodes_written_days_and_absent_rows() -> None:
    # a day missing from the frame is unwritten: bridged
    days = diary([1, 1, 1]).drop(index=1)
    assert pain.flare_episodes(days, pd.Series([T, T], index=days.index), RULES) == [(d(0), d(2))]
    # the daily join's entry count says day 1 was written (without a pain value): it ends it
    joined = diary([NA, NA, NA])
    joined["pain_entries"] = [1, 1, 1]
    flags = pd.Series([T, F, T], index=joined.index)
    assert pain.flare_episodes(joined, flags, RULES) == [(d(0), d(0)), (d(2), d(2))]
    # rows in any order
    shuffled = diary([1, 1, 1, 1]).iloc[[3, 1, 0, 2]]
    flags = pd.Series([T, F, T, F], index=shuffled.index)  # days 3 and 0
    assert pain.flare_episodes(shuffled, flags, RULES) == [(d(0), d(0)), (d(3), d(3))]
    assert pain.flare_episodes(diary([]), pd.Series([], dtype=bool), RULES) == []


@pytest.mark.parametrize(
    ("case", "rules", "starts", "start", "end", "expected"),
    [
        # an episode starting on the period's last day counts: 1 × 91.3 / 28
        ("starting on the last day", RULES, [27], 0, 27, 3.26),
        ("starting the day after", RULES, [28], 0, 27, 0.0),
        ("starting on the first day", RULES, [3, 10], 3, 30, 6.52),
        # min_rate_days 10: 10 days suffice, 9 do not; 2 × 91.3 / 10
        ("10 days", PainRules(min_rate_days=10), [0, 9], 0, 9, 18.26),
        ("9 days", PainRules(min_rate_days=10), [0, 8], 0, 8, None),
    ],
)
def test_flare_rate_edges(
    case: str, rules: PainRules, starts: list[int], start: int, end: int, expected: float | None
) -> None:
    episodes = [(d(s), d(s + 1)) for s in starts]
    assert pain.flare_rate(episodes, d(start), d(end), rules) == expected


@pytest.mark.parametrize(
    ("case", "rules", "starts", "start", "as_of", "expected"),
    [
        # none after the baseline period: after 0.0, ratio 0 / 3.26 = 0.0
        ("none after", RULES, [5], 0, 55,
         pain.FlareRates((d(0), d(27)), (d(28), d(55)), 3.26, 0.0, 0.0)),
        # after: 1 × 91.3 / 30 = 3.04; ratio 3.04 / 3.26 = 0.9325 → 0.93
        ("ratio to 2 decimals", RULES, [5, 40], 0, 57,
         pain.FlareRates((d(0), d(27)), (d(28), d(57)), 3.26, 3.04, 0.93)),
        ("as_of on the period's last day", RULES, [5], 0, 27,
         pain.FlareRates((d(0), d(27)), None, 3.26, None, None)),
        ("one day after it", RULES, [5], 0, 28,
         pain.FlareRates((d(0), d(27)), (d(28), d(28)), 3.26, None, None)),
        # baseline period of 10 days, rates from 5 days: 1 × 91.3 / 10 on both sides
        ("the period is a rule", PainRules(flare_baseline_days=10, min_rate_days=5), [2, 12],
         0, 19, pain.FlareRates((d(0), d(9)), (d(10), d(19)), 9.13, 9.13, 1.0)),
        # as_of on the start: a one-day period, a rate when one day suffices
        ("one day", PainRules(min_rate_days=1), [0], 0, 0,
         pain.FlareRates((d(0), d(0)), None, 91.3, None, None)),
        ("as_of before the start", RULES, [], 5, 3,
         pain.FlareRates((d(5), d(3)), None, None, None, None)),
    ],
)  # fmt: skip
def test_flare_rate_change_edges(
    case: str,
    rules: PainRules,
    starts: list[int],
    start: int,
    as_of: int,
    expected: pain.FlareRates,
) -> None:
    episodes = [(d(s), d(s)) for s in starts]
    assert pain.flare_rate_change(episodes, d(start), d(as_of), rules) == expected


# -------------------------------------------------------------------- associations

# A centred window of 41 days over 5 days of data holds every day: each deviation is the value
# minus the mean of all known values, which keeps the values' order — rho is then Spearman's
# rho of the raw values. With at most 7 pairs the moving blocks (7 pairs) are the whole
# series, so every resample is the series itself: the bootstrap spread is 0 and the interval
# is Bonett and Wright's: tanh(atanh(rho) ± q × sqrt((1 + rho²/2) / max(n − 3, 1))), with
# q = the normal quantile of 1 − 0.05 / 4 / 2 = 2.4977 (1.96 for a single lag), and rho
# taken as ±0.9999 at ±1.
WHOLE = PainRules(detrend_days=41, detrend_min_values=1, min_pairs=3)
WALK5 = [10.0, 20.0, 30.0, 40.0, 50.0]
L = pain.LagCorrelation


@pytest.mark.parametrize(
    ("case", "rules", "pain_values", "expected"),
    [
        # lag 0: ranks (1..5) against (2, 1, 4, 3, 5): 1 − 6 × 4 / (5 × 24) = 0.8
        # lag 1: (1..4) against (1, 3, 2, 4): 1 − 6 × 2 / (4 × 15) = 0.8
        # lag 2: (1..3) against (2, 1, 3): 1 − 6 × 2 / (3 × 8) = 0.5; lag 3: 2 pairs < 3
        ("a loose link", WHOLE, [20, 10, 40, 30, 50],
         [L(0, 0.8, 5, -0.731, 0.996), L(1, 0.8, 4, -0.944, 0.999), L(2, 0.5, 3, -0.97, 0.997),
          L(3, None, 2)]),
        ("pain falls as walking rises", WHOLE, [50, 40, 30, 20, 10],
         [L(0, -1.0, 5, -1.0, -0.992, "more_walking_less_pain"),
          L(1, -1.0, 4, -1.0, -0.956, "more_walking_less_pain"),
          L(2, -1.0, 3, -1.0, -0.956, "more_walking_less_pain"), L(3, None, 2)]),
        ("pain rises with walking", WHOLE, [10, 20, 30, 40, 50],
         [L(0, 1.0, 5, 0.992, 1.0, "more_walking_more_pain"),
          L(1, 1.0, 4, 0.956, 1.0, "more_walking_more_pain"),
          L(2, 1.0, 3, 0.956, 1.0, "more_walking_more_pain"), L(3, None, 2)]),
        # one lag: no Bonferroni correction, q = 1.96
        ("one lag", PainRules(detrend_days=41, detrend_min_values=1, min_pairs=3, max_lag_days=0),
         [20, 10, 40, 30, 50], [L(0, 0.8, 5, -0.457, 0.991)]),
        # 50 % confidence over 4 lags: q = the quantile of 1 − 0.5 / 8 = 1.534
        ("50 % confidence",
         PainRules(detrend_days=41, detrend_min_values=1, min_pairs=3, link_confidence=0.5),
         [20, 10, 40, 30, 50],
         [L(0, 0.8, 5, -0.147, 0.982), L(1, 0.8, 4, -0.581, 0.993), L(2, 0.5, 3, -0.792, 0.975),
          L(3, None, 2)]),
        # 5 pairs needed: only lag 0 has them
        ("five pairs needed",
         PainRules(detrend_days=41, detrend_min_values=1, min_pairs=5), [50, 40, 30, 20, 10],
         [L(0, -1.0, 5, -1.0, -0.992, "more_walking_less_pain"), L(1, None, 4), L(2, None, 3),
          L(3, None, 2)]),
    ],
)  # fmt: skip
def test_lag_correlations_worked_out(
    case: str, rules: PainRules, pain_values: list[float], expected: list[pain.LagCorrelation]
) -> None:
    days = diary(pain_values, walking=WALK5, has_data=[True] * 5)
    assert pain.lag_correlations(days, rules) == expected


def test_lag_pairs_need_a_known_walking_day_and_a_pain_value() -> None:
    # day 1 without activity data (its walking minutes unknown), day 3 without pain: day d
    # pairs with d − k when d has pain and d − k activity data. lag 0: days 0, 2, 4 —
    # walking (10, 30, 50) against pain (50, 30, 10): rho −1; lag 1: 0→1, 3→4; lag 2: 0→2,
    # 2→4; lag 3: 1→4 only, and day 1 has no data
    days = diary([50, 40, 30, NA, 10], walking=WALK5, has_data=[T, F, T, T, T])
    result = pain.lag_correlations(days, WHOLE)
    assert [(c.lag_days, c.n) for c in result] == [(0, 3), (1, 2), (2, 2), (3, 0)]
    assert result[0] == L(0, -1.0, 3, -1.0, -0.956, "more_walking_less_pain")


def test_detrended_is_the_value_minus_its_centred_window() -> None:
    # window 3 (the day and one each side), at least 2 known: day 0 → 1 − 1.5; day 1 →
    # 2 − 7/3; day 2 → 4 − 3 (day 3 unknown though its value is 7); day 4: one known (10)
    rules = PainRules(detrend_days=3, detrend_min_values=2)
    values = np.array([1.0, 2.0, 4.0, 7.0, 10.0])
    known = np.array([T, T, T, F, T])
    np.testing.assert_allclose(
        pain._detrended(values, known, rules), [-0.5, 2 - 7 / 3, 1.0, np.nan, np.nan]
    )


@pytest.mark.parametrize(
    ("rho", "low", "high", "rules", "verdict"),
    [
        (-0.5, -0.8, 0.0, RULES, "no_clear_link"),  # the interval reaches 0
        (0.5, 0.0, 0.8, RULES, "no_clear_link"),
        (0.4, 0.01, 0.7, RULES, "more_walking_more_pain"),
        (0.399, 0.01, 0.7, RULES, "no_clear_link"),
        (-0.5, None, None, RULES, "no_clear_link"),  # no interval
        (0.5, 0.1, None, RULES, "no_clear_link"),
        (0.5, None, 0.8, RULES, "no_clear_link"),
        (-0.5, -0.8, -0.1, PainRules(link_min_rho=0.6), "no_clear_link"),
        (-0.6, -0.8, -0.1, PainRules(link_min_rho=0.6), "more_walking_less_pain"),
    ],
)
def test_verdict_edges(
    rho: float, low: float | None, high: float | None, rules: PainRules, verdict: str
) -> None:
    assert pain._verdict(rho, low, high, rules) == verdict


@pytest.mark.parametrize(
    ("x", "y", "index", "expected"),
    [
        # rows of a resample: the series, reversed pairs, one pair drawn three times
        ([1, 2, 3], [1, 2, 3], [[0, 1, 2], [2, 1, 0], [0, 0, 0]], [1.0, 1.0, None]),
        # (1, 2, 3) against (3, 1, 2): d = (−2, 1, 1): 1 − 6 × 6 / 24 = −0.5
        ([1, 2, 3], [3, 1, 2], [[0, 1, 2], [1, 2, 2]], [-0.5, 1.0]),
        # ties on both sides: ranks (1.5, 1.5, 3, 4) against (1, 2.5, 2.5, 4):
        # centred (−1, −1, 0.5, 1.5) and (−1.5, 0, 0, 1.5): 3.75 / sqrt(4.5 × 4.5)
        ([5, 5, 6, 7], [1, 2, 2, 3], [[0, 1, 2, 3]], [3.75 / 4.5]),
    ],
)
def test_rho_of_rows(
    x: list[float], y: list[float], index: list[list[int]], expected: list[float | None]
) -> None:
    rho = pain._rho_of_rows(np.array(x, dtype=float), np.array(y, dtype=float), np.array(index))
    got = [None if math.isnan(r) else r for r in rho.tolist()]
    assert got == pytest.approx(expected)


# --------------------------------------------------------------------------- rules

POSITIVE = [
    "baseline_days", "baseline_min_entries", "reached_days", "reached_min_values",
    "usual_days", "usual_min_values", "flare_min_days", "flare_baseline_days", "min_rate_days",
    "rolling_days", "rolling_min_values", "min_pairs", "detrend_days", "detrend_min_values",
    "bootstrap_samples", "bootstrap_block_days",
]  # fmt: skip
# every count at its smallest allowed value (min_pairs: 3), every bridge at 0
SMALLEST = dict.fromkeys(POSITIVE, 1) | {
    "min_pairs": 3,
    "flare_bridge_days": 0,
    "max_lag_days": 0,
    "painkiller_max_days": 0,
    "painkiller_bridge_days": 0,
    "flare_min_rise": 0.0,
    "link_min_rho": 1.0,
}


def test_the_smallest_rules_are_valid() -> None:
    rules = PainRules(**SMALLEST)  # type: ignore[arg-type]
    assert (rules.baseline_days, rules.min_pairs, rules.max_lag_days) == (1, 3, 0)
    PainRules(reference_change=0.1, reference_percent=0.1, flare_delta=0.1, flare_percent=0.1)
    PainRules(link_confidence=0.001)
    PainRules(link_confidence=0.999, link_min_rho=0.001)


@pytest.mark.parametrize("name", [n for n in POSITIVE if n != "min_pairs"])
def test_counts_must_be_positive(name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must be at least 1, got 0$"):
        PainRules(**(SMALLEST | {name: 0}))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "window"),
    [
        ("rolling_min_values", "rolling_days"),
        ("reached_min_values", "reached_days"),
        ("usual_min_values", "usual_days"),
        ("baseline_min_entries", "baseline_days"),
        ("detrend_min_values", "detrend_days"),
    ],
)
def test_a_window_holds_its_minimum(values: str, window: str) -> None:
    with pytest.raises(ValueError, match=rf"^{values} \(2\) cannot exceed {window} \(1\)$"):
        PainRules(**(SMALLEST | {values: 2}))  # type: ignore[arg-type]


BRIDGES = (
    "flare_bridge_days, max_lag_days, painkiller_max_days and painkiller_bridge_days must be ≥ 0"
)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"flare_bridge_days": -1}, BRIDGES),
        ({"max_lag_days": -1}, BRIDGES),
        ({"painkiller_max_days": -1}, BRIDGES),
        ({"painkiller_bridge_days": -1}, BRIDGES),
        ({"reference_change": 0.0}, "reference_change, reference_percent and flare_delta must "
         "be positive"),
        ({"reference_percent": 0.0}, "reference_change, reference_percent and flare_delta must "
         "be positive"),
        ({"flare_delta": 0.0}, "reference_change, reference_percent and flare_delta must be "
         "positive"),
        ({"flare_percent": 0.0}, "flare_percent must be positive and flare_min_rise ≥ 0"),
        ({"flare_min_rise": -0.1}, "flare_percent must be positive and flare_min_rise ≥ 0"),
        ({"link_min_rho": 0.0}, "link_min_rho must be in (0, 1] and link_confidence in (0, 1)"),
        ({"link_min_rho": 1.01}, "link_min_rho must be in (0, 1] and link_confidence in (0, 1)"),
        ({"link_confidence": 0.0}, "link_min_rho must be in (0, 1] and link_confidence in (0, 1)"),
        ({"link_confidence": 1.0}, "link_min_rho must be in (0, 1] and link_confidence in (0, 1)"),
        ({"min_pairs": 2}, "min_pairs must be at least 3, got 2"),
    ],
)  # fmt: skip
def test_rules_are_refused_with_the_reason(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError) as refused:
        PainRules(**(SMALLEST | changes))  # type: ignore[arg-type]
    assert str(refused.value) == message


# --------------------------------------------------------------------------- input


def test_input_refusals_name_the_day_and_the_remedy() -> None:
    repeated = pd.concat([diary([40, 50, 60]), diary([70, 80])], ignore_index=True)
    with pytest.raises(ValueError) as refused:
        pain.baseline(repeated, None, RULES)
    assert str(refused.value) == (
        "one row per day expected; repeated: 2024-05-01, 2024-05-02 "
        "(average the day's entries first: pipelines.rules.diary.per_day)"
    )
    with pytest.raises(ValueError) as refused:
        pain.rolling_mean(diary([40, -1, 120]), RULES)
    assert str(refused.value) == (
        "pain must be on the 0–100 scale; 2024-05-02 has -1.0 "
        "(0–10 diaries are multiplied by 10 when read)"
    )
    # 0 and 100 are on the scale
    assert pain.latest_mean(diary([0, 100, 50]), d(2), RULES) == 50.0


# ------------------------------------------------------------------- week, summary

WEEK_COLUMNS = [
    "week",
    "mean_pain",
    "n_days",
    "change_vs_baseline",
    "mean_14d",
    "reaches_reference",
    "reaches_30_percent",
]


def test_weekly_every_week_the_frame_touches() -> None:
    # Monday 29 April 2024 (2024-W18): 40 and 50; 2024-W19 nothing; Monday 13 May
    # (2024-W20): 30. Baseline 45. No week's 14-day mean has 7 values.
    days = diary([40, 50] + [NA] * 12 + [30])
    days["date"] = [date(2024, 4, 29) + timedelta(days=i) for i in range(15)]
    expected = pd.DataFrame(
        {
            "week": ["2024-W18", "2024-W19", "2024-W20"],
            "mean_pain": [45.0, np.nan, 30.0],
            "n_days": np.array([2, 0, 1], dtype="int64"),
            "change_vs_baseline": [0.0, np.nan, -15.0],
            "mean_14d": [np.nan] * 3,
            "reaches_reference": [F, F, F],
            "reaches_30_percent": [F, F, F],
        }
    )
    pd.testing.assert_frame_equal(pain.weekly(days, 45.0, RULES), expected)
    assert list(pain.weekly(diary([]), 45.0, RULES).columns) == WEEK_COLUMNS


def test_weekly_reached_with_the_rules_window() -> None:
    # 14-day mean from 7 days with ≥ 2 values: the week's own days here. Base 50; week
    # 2024-W18 at 35: −15 points, −30 %; 2024-W19 at 40: −10, −20 %
    days = diary([35] * 7 + [40] * 7)
    days["date"] = [date(2024, 4, 29) + timedelta(days=i) for i in range(14)]
    rules = PainRules(reached_days=7, reached_min_values=2)
    expected = pd.DataFrame(
        {
            "week": ["2024-W18", "2024-W19"],
            "mean_pain": [35.0, 40.0],
            "n_days": np.array([7, 7], dtype="int64"),
            "change_vs_baseline": [-15.0, -10.0],
            "mean_14d": [35.0, 40.0],
            "reaches_reference": [T, F],
            "reaches_30_percent": [T, F],
        }
    )
    pd.testing.assert_frame_equal(pain.weekly(days, 50.0, rules), expected)


def test_summarize_every_figure() -> None:
    # 56 days from the first diary day (no program start): pain 40 on days 0–41, two days
    # at 70 (30, 31: 30 above the usual 40: one detected episode), 20 on days 42–55;
    # painkillers "yes" on days 35–50, nothing answered since; no activity data.
    values = [40.0] * 42 + [20.0] * 14
    values[30] = values[31] = 70.0
    answers: list[bool | None] = [NA] * 35 + [T] * 16 + [NA] * 5
    days = diary(values, painkiller=answers)
    assert pain.summarize(days, None, d(55), RULES) == pain.PainSummary(
        baseline=40.0,  # days 0–13
        latest_7d_mean=20.0,  # days 49–55
        change_vs_baseline=-20.0,
        flare_ups_per_3_months=3.26,  # days 28–55: 1 × 91.3 / 28
        flare_ups_per_3_months_baseline=0.0,  # days 0–27
        painkiller_run_days=16,
        painkiller_warning=True,
        lag_correlations=[L(k, None, 0) for k in range(4)],  # no walking known
        baseline_n=14,
        baseline_window=(d(0), d(13)),
        change_vs_baseline_percent=-50.0,
        reached=pain.Reached(20.0, -20.0, -50.0, True, True),  # days 42–55
        painkiller_run_first=d(35),
        painkiller_run_last=d(50),
        painkiller_diary_stopped=True,  # 5 days without an answer
    )


def test_summarize_on_the_start_day_and_without_a_diary() -> None:
    # as_of on the start: a one-day flare-up period, which has a rate when one day suffices
    one_day = pain.summarize(diary([40]), None, d(0), PainRules(min_rate_days=1))
    assert (one_day.flare_ups_per_3_months_baseline, one_day.flare_ups_per_3_months) == (0.0, None)
    # activity data only: no start, no rates
    watch = pain.summarize(diary([NA] * 40, has_data=[T] * 40), None, d(39), RULES)
    assert (watch.baseline_window, watch.flare_ups_per_3_months_baseline) == (None, None)


# ------------------------------------------------------------------ the calendar


def test_six_repeated_days_name_the_first_five() -> None:
    days = pd.concat([diary([40] * 7), diary([50] * 6)], ignore_index=True)
    with pytest.raises(ValueError, match=r"repeated: 2024-05-01, 2024-05-02, 2024-05-03, "
                       r"2024-05-04, 2024-05-05 \(average"):  # fmt: skip
        pain.rolling_mean(days, RULES)


def test_days_missing_from_the_frame_have_no_answer() -> None:
    # days 2 and 3 are not in the frame: not a "yes", not a "no" — day 4 has a row without
    # an answer. The run is days 0–1; more than 2 days since its last "yes": stopped
    days = diary([NA] * 5, painkiller=[T, T, NA, NA, NA]).drop(index=[2, 3])
    assert pain.painkiller_status(days, d(4), RULES) == PainkillerRun(2, d(0), d(1), True)
    # bridged like unwritten days: yes on day 0 and day 3, days 1–2 missing
    bridged = diary([NA] * 4, painkiller=[T, NA, NA, T]).drop(index=[1, 2])
    assert pain.painkiller_status(bridged, d(3), RULES) == PainkillerRun(4, d(0), d(3), False)


def test_the_daily_joins_entry_count_decides_what_was_written() -> None:
    # the join fills the flags with "no" on every day; pain_entries says who wrote
    days = diary([NA, NA, 40, NA, 50], flare_up=[F] * 5)
    days["pain_entries"] = [0, 0, 1, np.nan, 1]
    assert pain.anchor(days, None) == d(2)
    # day 3 (no count) and the missing day 5 are unwritten: the flare-up days 2, 4 and 6
    # are one episode
    days = pd.concat([days, diary([NA] * 7, flare_up=[F] * 7).iloc[[6]]], ignore_index=True)
    days.loc[5, "pain_entries"] = 1
    flags = pd.Series([F, F, T, F, T, T], index=days.index)
    assert pain.flare_episodes(days, flags, RULES) == [(d(2), d(6))]


def test_unknown_activity_data_is_no_data() -> None:
    # has_data unknown (<NA>) on day 1 is no activity data: lag 0 pairs days 0, 2, 3, 4
    days = diary([50, 40, 30, 20, 10], walking=WALK5)
    days["has_data"] = pd.array([T, None, T, T, T], dtype="boolean")
    assert [c.n for c in pain.lag_correlations(days, WHOLE)] == [4, 3, 2, 1]


def test_a_frame_with_the_pain_column_only() -> None:
    days = pd.DataFrame({"date": [d(0), d(1), d(2), d(3)], "pain": [40.0, 50.0, 60.0, 70.0]})
    assert pain.baseline_window(days, None, RULES) == Baseline(55.0, 4, (d(0), d(13)))
    assert pain.painkiller_status(days, d(3), RULES) == PainkillerRun(0, None, None, False)
    assert pain.flare_days(days, 40.0, RULES).tolist() == [F, F, T, T]


def test_nothing_before_a_set_start() -> None:
    # an empty diary with a program start: the program window, no value in it
    assert pain.baseline_window(diary([]), d(0), RULES) == Baseline(None, 0, (d(0), d(13)))
    assert pain.change_vs_baseline(diary([]), d(0), d(5), RULES) == (None, None, None)


@pytest.mark.parametrize(
    ("change", "base", "expected"),
    [
        (-13.5, 45.0, -30.0),
        (-1.0, 3.0, -33.3),  # 1 decimal
        (-0.5, 1.0, -50.0),  # a baseline of 1 is a baseline
        (5.0, 0.0, None),  # no per cent of nothing
        (None, 50.0, None),
        (5.0, None, None),
    ],
)
def test_change_in_per_cent(
    change: float | None, base: float | None, expected: float | None
) -> None:
    assert pain._percent(change, base) == expected


def test_a_constant_side_gives_no_rho_quietly() -> None:
    # x constant in the first row, y in the second: no rho, and no division warning
    x, y = np.array([1.0, 1.0, 2.0]), np.array([1.0, 2.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rho = pain._rho_of_rows(x, y, np.array([[0, 1, 1], [1, 2, 2], [0, 1, 2]]))
        assert pain._spearman(np.array([3.0, 3.0, 3.0]), np.array([1.0, 2.0, 3.0])) is None
    # third row: ranks (1.5, 1.5, 3) against (1, 2.5, 2.5): 0.75 / sqrt(1.5 × 1.5) = 0.5
    assert [None if math.isnan(r) else r for r in rho.tolist()] == [None, None, 0.5]


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        # one resample is no spread: no interval, no verdict
        (1, L(0, -1.0, 5, None, None)),
        # two resamples suffice (both the series itself: the Bonett–Wright interval)
        (2, L(0, -1.0, 5, -1.0, -0.992, "more_walking_less_pain")),
    ],
)
def test_the_bootstrap_needs_two_resamples(samples: int, expected: pain.LagCorrelation) -> None:
    rules = PainRules(
        detrend_days=41,
        detrend_min_values=1,
        min_pairs=5,
        bootstrap_samples=samples,
    )
    days = diary([50, 40, 30, 20, 10], walking=WALK5, has_data=[True] * 5)
    assert pain.lag_correlations(days, rules)[0] == expected


def test_summarize_counts_from_the_program_start_with_the_rules_given() -> None:
    """Pain 30 every day for 20 days, 38 on days 10 and 11; the program starts on day 6;
    painkillers on days 6–9. The rules: a flare-up from usual + 5, the usual level from 28
    values (too few here, so the baseline, 30, is the usual level), flare-up rates from 7-day
    periods with a 7-day baseline period, a painkiller warning after 3 days.

    Baseline: days 0–5 (before the start), 30. Days 10–11: 38 ≥ 30 + 5 on 2 days in a row →
    one episode, inside the baseline period (days 6–12): a rate there, none after (days
    13–19). Painkillers 4 days > 3: a warning. With the default rules nothing is detected
    (38 < 30 + 20 and < 30 × 1.3) and 4 days warn of nothing; counted from day 0 instead of
    the start the episode would fall after the baseline period."""
    rules = PainRules(
        flare_delta=5, usual_min_values=28, min_rate_days=7, flare_baseline_days=7,
        painkiller_max_days=3,
    )  # fmt: skip
    values = [30.0] * 20
    values[10] = values[11] = 38.0
    days = diary(values, painkiller=[NA] * 6 + [T] * 4 + [NA] * 10)
    s = pain.summarize(days, d(6), d(19), rules)
    assert s.baseline == 30.0 and s.baseline_window == (d(0) - timedelta(days=8), d(5))
    assert s.flare_ups_per_3_months_baseline is not None and s.flare_ups_per_3_months_baseline > 0
    assert s.flare_ups_per_3_months == 0.0
    assert (s.painkiller_run_days, s.painkiller_warning) == (4, True)
    plain = pain.summarize(days, d(6), d(19))
    assert plain.painkiller_warning is False
