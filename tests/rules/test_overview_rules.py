"""The coach's group overview (pipelines/rules/overview.py): every figure of a member's row
worked out by hand from the rules it applies (docs/rules.md "Adherence", "Pain diary",
"Alerts"; the module doc), for one four-week history seen from three days.

The history (default target: 30–60 minutes every other day, so a program week needs 3 met
days and 90 credited minutes, and 2 training sessions; blocks of 2 days). Program start
Mon 2 March 2026; the program weeks are 2–8, 9–15, 16–22, 23–29 March, 30 March – 5 April,
6–12 April::

    week 1  2 Mar 35 met · 3 Mar 0 (2 trainings) · 4 Mar 35 met · 5 Mar 0 · 6 Mar 35 met
            7 Mar 0 · 8 Mar 0                          3 met, 105 credited, 2 trainings
    week 2  9 Mar 40 met · 10 Mar 20 · 11–15 Mar no data   1 met, 60 credited
    week 3  16–19 Mar no row · 20 Mar 5 (low wear) · 21–22 Mar no row   0 met, 5 credited
    week 4  23 Mar 70 met · 24 Mar 0 (1 training) · 25 Mar 70 met · 26 Mar 1 (1 training)
            27 Mar 30 met · 28 Mar 45 met · 29 Mar 0.5          4 met, 196.5 credited
    week 5  30 Mar 50 met

Pain: 50, 60, 40, 50 on 20, 22, 25, 28 February (the 14 days before the start: baseline
50.0); 30, 35, 40 on 24, 26, 28 March. Painkiller "yes" on 24, 25, 26 and 28 March (27 and
29 March unanswered); 30 March "no" (or unanswered).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipelines.config import Target
from pipelines.rules import alerts, overview
from pipelines.rules.participants import Participant

START = date(2026, 3, 2)
NAN = float("nan")


def _day(
    d: date,
    walking: float = 0.0,
    *,
    has_data: bool = True,
    status: str | None = None,
    training: int = 0,
    pain: float | None = None,
    painkiller: bool | None = None,
) -> dict[str, object]:
    """One ``days`` row: met from 30 minutes, credited up to 60 (the default target)."""
    met = walking >= 30
    return {
        "participant": "p1",
        "date": d,
        "walking_minutes": walking,
        "met": met,
        "credited_minutes": min(walking, 60.0),
        "training_sessions": training,
        "training_minutes": 20.0 * training,
        "has_data": has_data,
        "pain": NAN if pain is None else pain,
        "pain_entries": 0 if pain is None else 1,
        "flare_up": None,
        "flare_up_flagged": None,
        "painkiller": painkiller,
        "status": status or ("met" if met else ("below" if has_data else "no_data")),
    }


def _history(last_painkiller: bool | None = False, *, until: date | None = None) -> pd.DataFrame:
    """The module doc's history; ``last_painkiller``: the answer of 30 March; ``until``:
    leave out the rows after that day."""
    m = lambda day: date(2026, 3, day)  # noqa: E731
    f = lambda day: date(2026, 2, day)  # noqa: E731
    rows = [
        *(_day(f(d), has_data=False, pain=p) for d, p in ((20, 50), (22, 60), (25, 40), (28, 50))),
        _day(m(2), 35),
        _day(m(3), 0, training=2),
        _day(m(4), 35),
        _day(m(5), 0),
        _day(m(6), 35),
        _day(m(7), 0),
        _day(m(8), 0),
        _day(m(9), 40),
        _day(m(10), 20),
        *(_day(m(d), has_data=False) for d in range(11, 16)),
        _day(m(20), 5, status="low_wear"),
        _day(m(23), 70),
        _day(m(24), 0, training=1, pain=30, painkiller=True),
        _day(m(25), 70, painkiller=True),
        _day(m(26), 1.0, training=1, pain=35, painkiller=True),
        _day(m(27), 30),
        _day(m(28), 45, pain=40, painkiller=True),
        _day(m(29), 0.5),
        _day(m(30), 50, painkiller=last_painkiller),
    ]
    frame = pd.DataFrame(rows, columns=list(overview.INPUTS))
    if until is not None:
        frame = frame[frame["date"] <= until].reset_index(drop=True)
    return frame


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in overview.INPUTS}, columns=list(overview.INPUTS))


PERSON = Participant("p1", "Europe/Berlin", Target(program_start=START))
# the default prescription as a week: 3 walking days of 30–60 minutes, 2 training sessions
PRESCRIBED = {
    "walking_band_min_per_week": 90,
    "walking_band_max_per_week": 180,
    "training_target_per_week": 2,
}

# As of Sun 29 March: the 14 days are weeks 3–4, the 28 days weeks 1–4, the 14 before weeks
# 1–2. Blocks of 2 days from 2 March: 2–3, 4–5, 6–7 (7 Mar: 0, 6 Mar met) and 8–9 March
# met; 10–11 missed (20 minutes); 12–13, 14–15, 16–17, 18–19 no data; 20–21 missed (low
# wear); 22–23, 24–25, 26–27, 28–29 met.
AS_OF_29 = {
    "participant": "p1",
    "as_of": date(2026, 3, 29),
    "adherence_14d": 0.5,  # week 3: 0/3, week 4: min(4/3, 1) = 1 → (0 + 1)/2
    "weeks_total_14d": 2,
    "blocks_met_14d": 4,  # 16–17 … 28–29: 7 blocks, the last 4 met
    "blocks_total_14d": 7,
    "adherence_28d": 0.5833,  # (1 + 1/3 + 0 + 1)/4 = 7/12
    "weeks_total_28d": 4,
    "dose_28d": 0.6806,  # (min(105/90, 1) + 60/90 + 5/90 + min(196.5/90, 1))/4 = 49/72
    "training_28d": 0.5,  # weeks 1 and 4 have 2 trainings
    "blocks_met_28d": 8,
    "blocks_total_28d": 14,
    "blocks_no_data_28d": 4,
    "current_streak_blocks": 4,  # 28–29, 26–27, 24–25, 22–23; 20–21 missed
    "days_since_last_walk": 1,  # 28 March; 29 March: 0.5 minutes is no walking day
    "last_data_day": date(2026, 3, 30),  # any data, also after as_of
    "pain_change_vs_baseline": -15.0,  # (30 + 35 + 40)/3 = 35.0 (23–29 March) − 50.0
    "adherence_prev_14d": 0.6667,  # weeks 1–2: (1 + 1/3)/2
    "adherence_trend_14d": -0.1667,  # 0.5 − 0.6667
    "days_without_data": 0,  # 29 March has data
    # 28, (27 unanswered), 26, 25, 24 March; 23 and 22 March unanswered: the bridge of 2;
    # 21 March ends it: 24–28 March = 5 days. The "no" of 30 March is after as_of.
    "painkiller_run_days": 5,
    # of 16–29 March: 6 days without a row (no data) + 20 (low wear), 24, 26, 29 (below)
    "missed_days_14d": 10,
    "not_worn_days_14d": 7,  # the 6 without a row + 20 March
    "painkiller_days_since_last_yes": None,  # last "yes" 1 day ago: within the bridge
    # completeness over 2–29 March (28 days from the start): worn 2–10 and 23–29 March (met
    # or below with unknown wear); 11–15 no data, 16–19 and 21–22 no row, 20 low wear
    "days_28d": 28,
    "worn_days_28d": 16,
    "worn_share_28d": 0.5714,  # 16/28
    "diary_days_28d": 3,  # 24, 26, 28 March (25 March: a painkiller answer, no entry)
    "diary_share_28d": 0.1071,  # 3/28
    # weeks 1–4: 105 + 60 + 5 + 216.5 (70 + 70 + 1 + 30 + 45 + 0.5, not capped) = 386.5
    "walking_minutes_per_week_28d": 96.6,  # 386.5/4 = 96.625 → 96.6 (half to even)
    "walking_band_min_per_week": 90,  # 3 days × 30
    "walking_band_max_per_week": 180,  # 3 days × 60
    "walking_vs_band_28d": "within",
    "training_sessions_per_week_28d": 1.0,  # 2 + 0 + 0 + 2 = 4 in 4 weeks
    "training_target_per_week": 2,
    "training_received_28d": 0.5,  # 4 ÷ (4 × 2)
}

# As of Thu 26 March (mid-week): the 14 days 13–26 March hold one whole week (week 3), the
# 28 days 27 Feb – 26 March weeks 1–3, the 14 before (27 Feb – 12 March) week 1 only.
# Blocks up to 24–25 March lie inside; 26–27 March is still in progress (26 March below).
AS_OF_26 = AS_OF_29 | {
    "as_of": date(2026, 3, 26),
    "adherence_14d": 0.0,
    "weeks_total_14d": 1,
    "blocks_met_14d": 2,  # 14–15 … 24–25: 6 blocks, 22–23 and 24–25 met
    "blocks_total_14d": 6,
    "adherence_28d": 0.4444,  # (1 + 1/3 + 0)/3 = 4/9
    "weeks_total_28d": 3,
    "dose_28d": 0.5741,  # (1 + 60/90 + 5/90)/3 = 31/54
    "training_28d": 0.3333,  # week 1 of 3
    "blocks_met_28d": 6,  # 2–3 … 8–9, 22–23, 24–25
    "blocks_total_28d": 12,
    "blocks_no_data_28d": 4,
    "current_streak_blocks": 2,  # 24–25, 22–23 (26–27 in progress, not met: no streak)
    "days_since_last_walk": 0,  # 26 March: exactly 1 minute is a walking day
    "pain_change_vs_baseline": None,  # 20–26 March: 2 values, the 7-day mean needs 3
    "adherence_prev_14d": 1.0,  # week 1: 3 met
    "adherence_trend_14d": -1.0,
    "days_without_data": 0,
    "painkiller_run_days": 3,  # 24–26 March
    # of 13–26 March: 13, 14, 15 (no data), 20 (low wear), 24, 26 (below) + 6 without a row
    "missed_days_14d": 12,
    "not_worn_days_14d": 10,
}
AS_OF_26 |= {
    "days_28d": 25,  # 2–26 March: the 28 days from 27 February, counted from the start
    "worn_days_28d": 13,  # 2–10 and 23–26 March
    "worn_share_28d": 0.52,
    "diary_days_28d": 2,  # 24, 26 March
    "diary_share_28d": 0.08,
    "walking_minutes_per_week_28d": 56.7,  # weeks 1–3: (105 + 60 + 5)/3 = 56.67
    "walking_vs_band_28d": "below",
    "training_sessions_per_week_28d": 0.67,  # 2/3
    "training_received_28d": 0.3333,  # 2 ÷ (3 × 2)
}

# As of Sun 12 April, 13 days after the last data (30 March unanswered): the 14 days are
# weeks 5–6, the 28 days weeks 3–6, the 14 before weeks 3–4. Blocks 16–17 March … 11–12
# April: 30–31 March met, the 6 blocks from 1 April without data.
AS_OF_APRIL_12 = AS_OF_29 | {
    "as_of": date(2026, 4, 12),
    "adherence_14d": 0.1667,  # (1/3 + 0)/2
    "weeks_total_14d": 2,
    "blocks_met_14d": 1,  # 30–31 March … 11–12 April: 7 blocks
    "blocks_total_14d": 7,
    "adherence_28d": 0.3333,  # (0 + 1 + 1/3 + 0)/4
    "weeks_total_28d": 4,
    "dose_28d": 0.4028,  # (5/90 + 1 + 50/90 + 0)/4 = 29/72
    "training_28d": 0.25,  # week 4
    "blocks_met_28d": 5,  # 22–23 … 28–29 March, 30–31 March
    "blocks_total_28d": 14,
    "blocks_no_data_28d": 8,  # 16–17, 18–19 March and the 6 from 1 April
    "current_streak_blocks": 0,
    "days_since_last_walk": 13,  # 30 March
    "pain_change_vs_baseline": None,  # no pain in 6–12 April
    "adherence_prev_14d": 0.5,  # weeks 3–4
    "adherence_trend_14d": -0.3333,  # 0.1667 − 0.5
    "days_without_data": 13,
    "painkiller_run_days": 5,  # 24–28 March, not ended by an answer
    "missed_days_14d": 13,  # 30 March met, 31 March – 12 April without a row
    "not_worn_days_14d": 13,
    "painkiller_days_since_last_yes": 15,  # 28 March → 12 April: the diary stopped
    # 16 March – 12 April: worn 23–30 March; 16–22 March and 31 March – 12 April not
    "days_28d": 28,
    "worn_days_28d": 8,
    "worn_share_28d": 0.2857,  # 8/28
    "diary_days_28d": 3,
    "diary_share_28d": 0.1071,
    "walking_minutes_per_week_28d": 67.9,  # weeks 3–6: (5 + 216.5 + 50 + 0)/4 = 67.875
    "walking_vs_band_28d": "below",
    "training_sessions_per_week_28d": 0.5,  # 2 in week 4
    "training_received_28d": 0.25,  # 2 ÷ (4 × 2)
}


# As of Mon 30 March (the first day of week 5): the 14 days 17–30 March hold week 4, the 28
# days 3–30 March weeks 2–4 (week 1 began on 2 March), the 14 before (3–16 March) week 2.
# Blocks from 4–5 March to 28–29 March lie inside; 30–31 March is in progress and met.
AS_OF_30 = AS_OF_29 | {
    "as_of": date(2026, 3, 30),
    "adherence_14d": 1.0,
    "weeks_total_14d": 1,
    "blocks_met_14d": 4,  # 18–19 … 28–29 March: 6 blocks, the last 4 met
    "blocks_total_14d": 6,
    "adherence_28d": 0.4444,  # (1/3 + 0 + 1)/3
    "weeks_total_28d": 3,
    "dose_28d": 0.5741,  # (60/90 + 5/90 + 1)/3 = 31/54
    "training_28d": 0.3333,  # week 4
    "blocks_met_28d": 7,  # 4–5, 6–7, 8–9, 22–23 … 28–29 March
    "blocks_total_28d": 13,
    "blocks_no_data_28d": 4,
    "current_streak_blocks": 5,  # 30–31 March (in progress, met) + 4
    "days_since_last_walk": 0,
    "adherence_prev_14d": 0.3333,  # week 2
    "adherence_trend_14d": 0.6667,
    "painkiller_run_days": 0,  # the "no" of 30 March ended the run
    # of 17–30 March: 5 days without a row + 20 (low wear), 24, 26, 29 March (below)
    "missed_days_14d": 9,
    "not_worn_days_14d": 6,
    # 3–30 March: worn 3–10 and 23–30 March
    "days_28d": 28,
    "worn_days_28d": 16,
    "worn_share_28d": 0.5714,
    "walking_minutes_per_week_28d": 93.8,  # weeks 2–4: (60 + 5 + 216.5)/3 = 93.83
    "walking_vs_band_28d": "within",
    "training_sessions_per_week_28d": 0.67,  # 2/3
    "training_received_28d": 0.3333,
}

# As of Sun 15 March: both windows hold weeks 1–2 (nothing before the start counts); the 14
# days before lie wholly before the start: no figure, no trend.
AS_OF_15 = AS_OF_29 | {
    "as_of": date(2026, 3, 15),
    "adherence_14d": 0.6667,  # (1 + 1/3)/2
    "weeks_total_14d": 2,
    "blocks_met_14d": 4,  # 2–3 … 14–15 March: 7 blocks, the first 4 met
    "blocks_total_14d": 7,
    "adherence_28d": 0.6667,
    "weeks_total_28d": 2,
    "dose_28d": 0.8333,  # (1 + 60/90)/2
    "training_28d": 0.5,
    "blocks_met_28d": 4,
    "blocks_total_28d": 7,
    "blocks_no_data_28d": 2,  # 12–13, 14–15 March
    "current_streak_blocks": 0,
    "days_since_last_walk": 5,  # 10 March (20 minutes)
    "pain_change_vs_baseline": None,  # no pain 9–15 March
    "adherence_prev_14d": None,
    "adherence_trend_14d": None,
    "days_without_data": 5,  # 11–15 March without data
    "painkiller_run_days": 0,
    "missed_days_14d": 10,  # 2–15 March: 4 met
    "not_worn_days_14d": 5,  # 11–15 March no data
    # 2–15 March (the 28 days from 16 February, counted from the start): worn 2–10 March;
    # the February pain entries lie before the start
    "days_28d": 14,
    "worn_days_28d": 9,
    "worn_share_28d": 0.6429,  # 9/14
    "diary_days_28d": 0,
    "diary_share_28d": 0.0,
    "walking_minutes_per_week_28d": 82.5,  # weeks 1–2: (105 + 60)/2
    "walking_vs_band_28d": "below",
    "training_sessions_per_week_28d": 1.0,  # 2 in week 1
    "training_received_28d": 0.5,
}


@pytest.mark.parametrize(
    ("last_painkiller", "expected"),
    [
        (False, AS_OF_29),
        (False, AS_OF_26),
        (None, AS_OF_APRIL_12),
        (False, AS_OF_30),
        (False, AS_OF_15),
    ],
    ids=["29-march", "26-march", "12-april", "30-march", "15-march"],
)
def test_every_figure_of_a_members_row(last_painkiller: bool | None, expected: dict) -> None:
    row = overview.member("p1", _history(last_painkiller), PERSON, expected["as_of"])
    assert list(row) == overview.COLUMNS
    assert row == expected


def test_a_no_after_as_of_does_not_end_the_run_but_one_before_does() -> None:
    """As of 12 April with the "no" of 30 March: the run of 24–28 March ended."""
    row = overview.member("p1", _history(False), PERSON, date(2026, 4, 12))
    assert row == AS_OF_APRIL_12 | {
        "painkiller_run_days": 0,
        "painkiller_days_since_last_yes": None,
    }


def test_walking_before_the_set_start_changes_nothing() -> None:
    """Walking every day of the 20 weeks before the set start changes no figure as of 29
    March: weeks and blocks count from the start; the pain baseline still rests on the
    4 entries of the 14 days before it."""
    early = [
        _day(START - timedelta(days=k), 40)
        for k in range(1, 141)
        if START - timedelta(days=k) not in {date(2026, 2, d) for d in (20, 22, 25, 28)}
    ]
    frame = pd.concat([pd.DataFrame(early, columns=list(overview.INPUTS)), _history()])
    frame = frame.sort_values("date").reset_index(drop=True)
    assert overview.member("p1", frame, PERSON, date(2026, 3, 29)) == AS_OF_29


def test_without_a_day_there_are_no_figures() -> None:
    """No ``as_of`` (a group without any data): counts 0, every figure unknown."""
    row = overview.member("p1", _history(), PERSON, None)
    assert row == dict.fromkeys(overview.COLUMNS) | {
        "participant": "p1",
        "last_data_day": date(2026, 3, 30),
        "painkiller_run_days": 0,
        "missed_days_14d": 0,
        "not_worn_days_14d": 0,
    }


EMPTY_ROW = dict.fromkeys(overview.COLUMNS) | {
    "participant": "p2",
    "as_of": date(2026, 3, 29),
    "weeks_total_14d": 0,
    "blocks_met_14d": 0,
    "blocks_total_14d": 0,
    "weeks_total_28d": 0,
    "blocks_met_28d": 0,
    "blocks_total_28d": 0,
    "blocks_no_data_28d": 0,
    "current_streak_blocks": 0,
    "painkiller_run_days": 0,
    "missed_days_14d": 14,  # no row at all: 14 days without data
    "not_worn_days_14d": 14,
    # no start, no row: the whole 28 days count, none worn, no entry; no week to average
    "days_28d": 28,
    "worn_days_28d": 0,
    "worn_share_28d": 0.0,
    "diary_days_28d": 0,
    "diary_share_28d": 0.0,
    **PRESCRIBED,
}


def test_a_member_without_rows_and_start_has_no_weeks_and_14_missed_days() -> None:
    person = Participant("p2", "Europe/Berlin", Target())
    assert overview.member("p2", _empty(), person, date(2026, 3, 29)) == EMPTY_ROW


def test_without_a_diary_column_only_the_pain_figures_are_unknown() -> None:
    frame = _history().drop(columns=["pain", "pain_entries", "painkiller"])
    assert overview.member("p1", frame, PERSON, date(2026, 3, 29)) == AS_OF_29 | {
        "pain_change_vs_baseline": None,
        "painkiller_run_days": 0,
        "diary_days_28d": 0,
        "diary_share_28d": 0.0,
    }


def test_without_a_set_start_weeks_count_from_the_first_diary_day() -> None:
    """No program start: the anchor is the first diary day, Fri 20 February; program weeks
    20–26 Feb, 27 Feb – 5 March, 6–12, 13–19, 20–26 March, 27 March – 2 April. As of 29
    March the 14 days (16–29 March) hold 20–26 March; the 28 days (2–29 March) 6–12, 13–19
    and 20–26 March; the 14 before (2–15 March) 6–12 March. The blocks of 2 days from 20
    February fall as from 2 March (10 days later); the pain baseline is now the first 14
    program days, 20 Feb – 5 March: 50, 60, 40, 50 → 50.0 as before."""
    person = Participant("p1", "Europe/Berlin", Target())
    row = overview.member("p1", _history(), person, date(2026, 3, 29))
    assert row == AS_OF_29 | {
        "adherence_14d": 0.6667,  # 20–26 March: 23 and 25 March met → 2/3
        "weeks_total_14d": 1,
        "adherence_28d": 0.4444,  # 6–12 March: 6, 9 met → 2/3; 13–19: 0; 20–26: 2/3 → 4/9
        "weeks_total_28d": 3,
        # credited 6–12 March 35 + 40 + 20 = 95 → 1; 13–19 March 0; 20–26 March 126 → 1
        "dose_28d": 0.6667,
        "training_28d": 0.3333,  # only 20–26 March has 2 trainings (24, 26 March)
        "adherence_prev_14d": 0.6667,  # 6–12 March
        "adherence_trend_14d": 0.0,
        # the same days counted (2–29 March lie after 20 February); walking 6–12 March 95,
        # 13–19 March 0, 20–26 March 5 + 70 + 70 + 1 = 146 → 241/3 = 80.33
        "walking_minutes_per_week_28d": 80.3,
        "walking_vs_band_28d": "below",
        "training_sessions_per_week_28d": 0.67,  # 2 in 20–26 March
        "training_received_28d": 0.3333,
    }


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            AS_OF_APRIL_12,
            alerts.Facts(
                days_without_data=13,
                adherence_14d=0.1667,
                pain_change_vs_baseline=None,
                painkiller_run_days=5,
                missed_days_14d=13,
                not_worn_days_14d=13,
                painkiller_days_since_last_yes=15,
            ),
        ),
        (
            AS_OF_29,
            alerts.Facts(0, 0.5, -15.0, 5, 10, 7, None),
        ),
        (  # as a DataFrame row gives them: NaN for unknown figures, numpy numbers
            {
                "adherence_14d": NAN,
                "pain_change_vs_baseline": NAN,
                "days_without_data": NAN,
                "painkiller_run_days": np.int64(0),
                "missed_days_14d": np.int64(14),
                "not_worn_days_14d": np.int64(14),
                "painkiller_days_since_last_yes": NAN,
            },
            alerts.Facts(None, None, None, 0, 14, 14, None),
        ),
        (  # counts unknown (None) are 0; a row without the painkiller pause column
            {
                "adherence_14d": np.float64(0.25),
                "pain_change_vs_baseline": np.float64(20.0),
                "days_without_data": np.float64(3.0),
                "painkiller_run_days": None,
                "missed_days_14d": None,
                "not_worn_days_14d": None,
            },
            alerts.Facts(3, 0.25, 20.0, 0, 0, 0, None),
        ),
    ],
    ids=["stopped-diary", "as-of-29", "nan", "none"],
)
def test_facts_read_from_a_row(row: dict[str, Any], expected: alerts.Facts) -> None:
    got = overview.facts(row)
    assert got == expected
    for name in ("days_without_data", "painkiller_days_since_last_yes"):
        value = getattr(got, name)
        assert value is None or type(value) is int, name
    for name in ("adherence_14d", "pain_change_vs_baseline"):
        value = getattr(got, name)
        assert value is None or type(value) is float, name


def test_last_data_day_is_the_latest_day_with_data() -> None:
    frame = _history()
    assert overview.last_data_day(frame) == date(2026, 3, 30)
    # rows without data (the diary days of February) never count
    assert overview.last_data_day(frame[frame["date"] < START]) is None
    assert overview.last_data_day(_empty()) is None
    frames = {
        "p1": _history(until=date(2026, 3, 20)),
        "p2": _history(until=date(2026, 3, 26)),
        "p3": _empty(),
    }
    assert overview.default_as_of(frames) == date(2026, 3, 26)
    assert overview.default_as_of({"p3": _empty()}) is None
    assert overview.default_as_of({}) is None


def _plain(value: object) -> object:
    if value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def test_the_table_has_a_row_per_member_as_of_the_groups_last_day() -> None:
    """``as_of`` None: the group's last day with data, 29 March (p1's history up to then)."""
    frames = {"p2": _empty(), "p1": _history(until=date(2026, 3, 29))}
    people = {
        "p1": PERSON,
        "p2": Participant("p2", "Europe/Berlin", Target()),
        "p3": PERSON,  # not in the group's frames: no row
    }
    out = overview.table(frames, people, None)
    assert list(out.columns) == overview.COLUMNS
    records = [{k: _plain(v) for k, v in r.items()} for r in out.to_dict("records")]
    assert records == [EMPTY_ROW, AS_OF_29 | {"last_data_day": date(2026, 3, 29)}]
    # unknown figures the alert rule reads are None, not NaN
    for column in ("adherence_prev_14d", "adherence_trend_14d", "dose_28d", "training_28d"):
        assert out[column].dtype == object
        assert out[column].iloc[0] is None
    assert out["as_of"].tolist() == [date(2026, 3, 29)] * 2


def test_the_table_of_a_group_without_data() -> None:
    person = Participant("p2", "Europe/Berlin", Target())
    out = overview.table({"p2": _empty()}, {"p2": person}, None)
    assert [{k: _plain(v) for k, v in r.items()} for r in out.to_dict("records")] == [
        dict.fromkeys(overview.COLUMNS)
        | {
            "participant": "p2",
            "painkiller_run_days": 0,
            "missed_days_14d": 0,
            "not_worn_days_14d": 0,
        }
    ]


def test_the_table_of_an_empty_group_has_every_column() -> None:
    out = overview.table({}, {}, None)
    assert out.empty
    assert list(out.columns) == overview.COLUMNS


def test_the_pain_baseline_counts_from_the_set_start() -> None:
    """Pain 80 on 3 March (in the first program days) leaves the baseline of the 14 days
    before the set start (50.0); counted from the first diary day (20 February) it would be
    (50 + 60 + 40 + 50 + 80)/5 = 56.0."""
    frame = _history()
    on_3_march = frame["date"] == date(2026, 3, 3)
    frame.loc[on_3_march, "pain"] = 80.0
    frame.loc[on_3_march, "pain_entries"] = 1
    assert overview.member("p1", frame, PERSON, date(2026, 3, 29)) == AS_OF_29 | {
        "diary_days_28d": 4,  # 3 March is a diary day now: 4/28
        "diary_share_28d": 0.1429,
    }


# ------------------------------------------------------------ the group's summary row

LOW = alerts.Alert("low_adherence", 0.3, 0.5, "inactive")
SILENT = alerts.Alert("no_data", 9.0, 7)


def _members(*rows: tuple[str, float | None, float | None, float | None, list]) -> pd.DataFrame:
    """Overview rows: participant, 28-day adherence, walking minutes a week, training
    ratio, alerts."""
    return pd.DataFrame(
        {
            "participant": [r[0] for r in rows],
            "adherence_28d": pd.Series([r[1] for r in rows], dtype="float64"),
            "walking_minutes_per_week_28d": pd.Series([r[2] for r in rows], dtype="float64"),
            "training_received_28d": pd.Series([r[3] for r in rows], dtype="object"),
            "alerts": pd.Series([r[4] for r in rows], dtype="object"),
        }
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (  # odd count: medians are the middle value; 0.8 itself is "at ≥ 80 %"
            _members(
                ("p1", 0.9, 120.0, 1.0, []),
                ("p2", 0.8, 80.5, 0.5, [LOW]),
                ("p3", 0.5, None, 0.25, []),
                ("p4", None, 200.0, None, [SILENT, LOW]),
            ),
            # adherence of p1–p3: 0.5, 0.8, 0.9 → 0.8; at ≥ 0.8: p1, p2 → 2/3; walking of
            # p1, p2, p4: 80.5, 120, 200 → 120; training 0.25, 0.5, 1.0 → 0.5
            overview.GroupSummary(4, 3, 0.8, 2, 0.6667, 2, 120.0, 0.5),
        ),
        (  # even count: the mean of the two middle values; 0.7999 is below 80 %
            _members(("p1", 0.7999, 90.0, 0.5, []), ("p2", 0.85, 100.5, 1.5, [])),
            # (0.7999 + 0.85)/2 = 0.82495 → 0.8250 (4 decimals, as the ratios); 1 of 2;
            # (90 + 100.5)/2 = 95.25 → 95.2 (half to even); (0.5 + 1.5)/2 = 1.0
            overview.GroupSummary(2, 2, 0.825, 1, 0.5, 0, 95.2, 1.0),
        ),
        (  # nobody has a complete week yet: no median, no share (not 0)
            _members(("p1", None, None, None, [SILENT]), ("p2", None, None, None, [])),
            overview.GroupSummary(2, 0, None, 0, None, 1, None, None),
        ),
        (_members(), overview.GroupSummary(0, 0, None, 0, None, 0, None, None)),
    ],
    ids=["odd", "even", "unknown", "empty"],
)
def test_group_summary(rows: pd.DataFrame, expected: overview.GroupSummary) -> None:
    assert overview.group_summary(rows) == expected


def test_group_summary_of_the_rule_table() -> None:
    """From ``table`` itself (29 March): p1 (AS_OF_29) and p2 without rows; p1 has an alert."""
    frames = {"p1": _history(until=date(2026, 3, 29)), "p2": _empty()}
    people = {"p1": PERSON, "p2": Participant("p2", "Europe/Berlin", Target())}
    rows = overview.table(frames, people, date(2026, 3, 29))
    rows["alerts"] = pd.Series([[LOW], []], dtype="object")
    # only p1 has figures: adherence 0.5833 (< 0.8), 96.6 minutes, training 0.5
    assert overview.group_summary(rows) == overview.GroupSummary(2, 1, 0.5833, 0, 0.0, 1, 96.6, 0.5)


def test_attention_order_puts_alerts_first_then_the_lowest_adherence() -> None:
    rows = _members(
        ("p1", 0.3, None, None, []),
        ("p2", 0.9, None, None, [LOW]),
        ("p3", None, None, None, [SILENT]),
        ("p4", None, None, None, []),
        ("p5", 0.2, None, None, [LOW, SILENT]),
        ("p6", 0.3, None, None, []),
    )
    # with alerts: p5 (0.2), p2 (0.9), p3 (unknown); without: p1, p6 (0.3, by id), p4
    ordered = overview.attention_order(rows)
    assert list(ordered["participant"]) == ["p5", "p2", "p3", "p1", "p6", "p4"]
    assert list(ordered.index) == [4, 1, 2, 0, 5, 3]  # the rows themselves, unchanged
