"""The adherence rule — the one place that decides whether a participant kept at it.

* **Day.** A day is *met* when its walking minutes reach the target's ``min_minutes``
  (default 30). Minutes beyond ``max_minutes`` (default 60) earn no extra credit; they are
  reported as ``above_range_minutes``; the rest are ``credited_minutes``.
* **Program week.** Days are grouped into weeks of 7 counted from the participant's
  effective program start (the *anchor*, ``pipelines.rules.participants.effective_start``):
  the program start when set, else the first diary day, else — with no diary at all — the
  first day with activity data. A long activity history before the diary began does not
  put week 1 years back.
  A week is *complete* over a period when all its 7 days lie inside the period; weeks cut
  by the period's edges (a range starting mid-week, the week still in progress) are listed
  but never scored. A complete week without any data counts as 0 and is reported as
  ``weeks_no_data`` ("no data" is not "inactive", but a watch left in a drawer must not
  score better than a walk-free week).
* **Adherence** (the primary figure, ``ratio``): per complete week
  min(met days ÷ ``weekly_target_days``, 1), averaged, where ``weekly_target_days`` =
  ⌊7 ÷ ``every_n_days``⌋ (at least 1): the number of met days that walking exactly every
  n days puts into *every* 7-day week, whatever the day it started on (every other day: 3,
  in some weeks 4). It does not depend on where the 2-day blocks fall.
* **Dose** (``dose_ratio``): per complete week min(credited minutes ÷
  ``weekly_target_minutes``, 1), averaged, with ``weekly_target_minutes`` =
  ``weekly_target_days`` × ``min_minutes`` (90 by default). Shows the minutes done when days
  fall short of ``min_minutes`` (29 minutes daily: adherence 0, dose 1).
* **Weekly walking band** (``weekly_band_minutes``): ``weekly_target_days`` × ``min_minutes``
  to ``weekly_target_days`` × ``max_minutes`` walking minutes a week (90–180 by default).
  ``weekly_dose`` averages the walking minutes (not capped) and the training sessions of the
  complete weeks of a period; ``band_position`` says where the walking falls against the band.
* **Training** (strength/stabilisation, Pilates, Yoga, Tai-Chi): a counted session of at
  least ``min_training_minutes`` moving minutes (default 15) is a *training session*; a
  complete week meets the training target with ≥ ``training_sessions_per_week`` (default 2).
  ``training_ratio`` = complete weeks meeting it ÷ complete weeks.
* **Block** (the day-level picture). Days are grouped into consecutive blocks of
  ``every_n_days`` (default 2, i.e. "every other day") from the anchor. A block is ``met``
  when at least one of its days is met, ``no_data`` when none of its days has any data,
  else ``missed``. ``block_ratio`` = met blocks / complete blocks (blocks lying wholly
  inside the period); ``no_data`` blocks count as not met *and* are reported separately.
  The block ratio depends on the alignment (walk, walk, rest, rest scores 0.5 or 1.0), so
  it is no longer the headline.
* **Current streak**: consecutive met blocks counted back from the end of the period; a
  trailing block still in progress counts if it is already met and never breaks the streak.
* **Longest gap**: the longest run of consecutive days without a met day in the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from pipelines.config import Target
from pipelines.rules.daily import TRAINING  # the training categories, one place
from pipelines.rules.participants import effective_start
from pipelines.rules.taxonomy import CATEGORIES

WALKING_DAY_MINUTES = 1.0
WEEK_DAYS = 7


def weekly_target_days(target: Target) -> int:
    """Met days a complete program week needs: ⌊7 ÷ every_n_days⌋, at least 1.

    >>> weekly_target_days(Target(every_n_days=2)), weekly_target_days(Target(every_n_days=1))
    (3, 7)
    >>> weekly_target_days(Target(every_n_days=3)), weekly_target_days(Target(every_n_days=10))
    (2, 1)
    """
    return max(1, WEEK_DAYS // target.every_n_days)


def weekly_target_minutes(target: Target) -> int:
    """Credited walking minutes a complete program week needs for a dose of 1.

    >>> weekly_target_minutes(Target())
    90
    """
    return weekly_target_days(target) * target.min_minutes


def weekly_band_minutes(target: Target) -> tuple[int, int]:
    """The prescribed walking minutes a week, lowest to highest: ``weekly_target_days`` ×
    ``min_minutes`` .. × ``max_minutes``.

    >>> weekly_band_minutes(Target()), weekly_band_minutes(Target(min_minutes=20, max_minutes=40))
    ((90, 180), (60, 120))
    """
    days = weekly_target_days(target)
    return days * target.min_minutes, days * target.max_minutes


BandPosition = Literal["below", "within", "above"]


def band_position(minutes_per_week: float | None, target: Target) -> BandPosition | None:
    """Where walking minutes a week fall against ``weekly_band_minutes`` (both ends inside).

    >>> [band_position(m, Target()) for m in (89.9, 90, 180, 180.1, None)]
    ['below', 'within', 'within', 'above', None]
    """
    if minutes_per_week is None or np.isnan(minutes_per_week):
        return None
    low, high = weekly_band_minutes(target)
    if minutes_per_week < low:
        return "below"
    return "above" if minutes_per_week > high else "within"


def apply_target(
    days: pd.DataFrame, target: Target, sessions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Add ``met``, ``credited_minutes``, ``above_range_minutes`` and ``training_sessions``
    (from the derived ``sessions``: see ``training_sessions``; 0 without them) to daily
    activity."""
    out = days.copy()
    walking = out["walking_minutes"].astype(float)
    out["met"] = walking >= target.min_minutes
    out["credited_minutes"] = walking.clip(upper=target.max_minutes)
    out["above_range_minutes"] = (walking - target.max_minutes).clip(lower=0.0)
    per_day = training_sessions(sessions, target) if sessions is not None else {}
    out["training_sessions"] = np.array(
        [per_day.get(d, 0) for d in out["date"].tolist()], dtype="int16"
    )
    return out


def training_sessions(sessions: pd.DataFrame, target: Target) -> dict[date, int]:
    """Training sessions per local day: counted sessions (not a duplicate of another) of a
    training category with at least ``min_training_minutes`` moving minutes. Shorter ones
    (a 2-minute accidental "strength" recording) still add ``training_minutes`` in the daily
    table, but no session toward the weekly target."""
    if sessions.empty:
        return {}
    counted = sessions["duplicate_of"].isna().to_numpy()
    training = sessions["category"].astype(str).isin(TRAINING).to_numpy()
    long_enough = sessions["moving_s"].astype(float).to_numpy() >= target.min_training_minutes * 60
    keep = sessions.loc[counted & training & long_enough, "local_date"]
    counts: dict[date, int] = {}
    for day in keep.tolist():
        counts[day] = counts.get(day, 0) + 1
    return counts


def anchor(daily: pd.DataFrame, target: Target) -> date | None:
    """The first day of the first block and of program week 1: the effective program start
    (``participants.effective_start``: set, else the first diary day, else the first day
    with data); None without any."""
    start = effective_start(daily, target.program_start)
    return start.date if start is not None else None


def near_window(
    daily: pd.DataFrame, target: Target, window_start: date
) -> tuple[Target, pd.DataFrame]:
    """The same blocks for a window from ``window_start`` on, computed from shortly before
    it: the anchor moves forward by whole blocks (every block keeps its days) and older
    rows are dropped. For figures over recent windows of long histories."""
    first = anchor(daily, target)
    if first is None:
        return target, daily
    n = target.every_n_days
    skip = max(0, (window_start - first).days - n) // n
    moved = first + timedelta(days=skip * n)
    return target.with_changes(program_start=moved), daily[daily["date"] >= moved]


def blocks(daily: pd.DataFrame, target: Target, end: date | None = None) -> pd.DataFrame:
    """Every block from the anchor to ``end`` (default: the last day with data).

    Days are numbered from the anchor and summed per block with ``np.bincount``: a year
    of days costs well under a millisecond, so a coach's group of 100 stays fast."""
    columns = ["block_start", "block_end", "status", "complete", "met_days", "walking_minutes"]
    first = anchor(daily, target)
    has_data = daily["has_data"].to_numpy().astype(bool)
    dates = daily["date"].tolist()
    with_data = [d for d, h in zip(dates, has_data, strict=True) if h]
    last = end if end is not None else (max(with_data) if with_data else None)
    if first is None or last is None or last < first:
        return pd.DataFrame(columns=columns)
    n = target.every_n_days
    span = (last - first).days + 1
    offset = np.fromiter((d.toordinal() for d in dates), dtype=np.int64, count=len(dates))
    offset -= first.toordinal()
    inside = (offset >= 0) & (offset < span)
    order = np.argsort(offset[inside], kind="stable")  # sum each block's days in day order
    block = (offset[inside] // n)[order]
    count = (span - 1) // n + 1

    def per_block(values: np.ndarray) -> np.ndarray:
        summed = np.bincount(block, weights=values[inside][order], minlength=count)
        return summed.astype(float)  # bincount of no days at all gives ints

    met_days = per_block(daily["met"].to_numpy().astype(bool).astype(float)).astype("int16")
    any_data = per_block(has_data.astype(float)) > 0
    walking = per_block(daily["walking_minutes"].to_numpy(dtype=float))
    starts = [first + timedelta(days=b * n) for b in range(count)]
    ends = [s + timedelta(days=n - 1) for s in starts]
    out = pd.DataFrame(
        {
            "block_start": starts,
            "block_end": ends,
            "status": [
                "met" if m > 0 else ("no_data" if not d else "missed")
                for m, d in zip(met_days.tolist(), any_data.tolist(), strict=True)
            ],
            "complete": [e <= last for e in ends],
            "met_days": met_days,
            "walking_minutes": np.round(walking, 6),
        }
    )
    return out[columns]


@dataclass(frozen=True, slots=True)
class Summary:
    blocks_met: int
    blocks_total: int
    blocks_no_data: int
    block_ratio: float | None
    current_streak_blocks: int
    longest_gap_days: int


def summarize(daily: pd.DataFrame, block_frame: pd.DataFrame, start: date, end: date) -> Summary:
    """The block figures over ``[start, end]`` from the blocks lying wholly inside it."""
    spans = list(
        zip(
            block_frame["block_start"].tolist(),
            block_frame["block_end"].tolist(),
            block_frame["status"].tolist(),
            strict=True,
        )
    )
    inside = [status for first, last, status in spans if first >= start and last <= end]
    trailing = [status for first, last, status in spans if start <= first <= end < last]
    met = inside.count("met")
    total = len(inside)
    streak = 1 if trailing and all(status == "met" for status in trailing) else 0
    for status in reversed(inside):
        if status != "met":
            break
        streak += 1
    return Summary(
        blocks_met=met,
        blocks_total=total,
        blocks_no_data=inside.count("no_data"),
        block_ratio=round(met / total, 4) if total else None,
        current_streak_blocks=streak,
        longest_gap_days=longest_gap(daily, start, end),
    )


def longest_gap(daily: pd.DataFrame, start: date, end: date) -> int:
    """The longest run of consecutive days in ``[start, end]`` without a met day."""
    met = daily["met"].to_numpy().astype(bool)
    met_days = {d for d, m in zip(daily["date"].tolist(), met, strict=True) if m}
    longest = run = 0
    day = start
    while day <= end:
        run = 0 if day in met_days else run + 1
        longest = max(longest, run)
        day += timedelta(days=1)
    return longest


def days_in_met_weeks(daily: pd.DataFrame, target: Target) -> frozenset[date]:
    """The days of ``daily`` whose program week (from the anchor) already holds at least
    ``weekly_target_days`` met days — complete or still in progress. A day below target in
    such a week is a rest day the prescription allows, not a miss (for display)."""
    first = anchor(daily, target)
    if first is None:
        return frozenset()
    dates = daily["date"].tolist()
    met = daily["met"].to_numpy().astype(bool)
    week_of = [(d - first).days // WEEK_DAYS for d in dates]
    counts: dict[int, int] = {}
    for week, is_met in zip(week_of, met, strict=True):
        counts[week] = counts.get(week, 0) + int(is_met)
    need = weekly_target_days(target)
    return frozenset(
        d for d, week in zip(dates, week_of, strict=True) if week >= 0 and counts[week] >= need
    )


WEEK_COLUMNS = [
    "week",
    "week_start",
    "week_end",
    "complete",
    "has_data",
    "walking_days",
    "met_days",
    "walking_minutes",
    "walking_minutes_credited",
    "training_sessions",
    "training_minutes",
    *[f"sessions_{c}" for c in CATEGORIES],
    "day_ratio",
    "dose_ratio",
    "training_met",
]


def _week_sums(
    daily: pd.DataFrame, start: date, end: date, first: date, columns: tuple[str, ...]
) -> tuple[int, int, dict[str, np.ndarray]]:
    """The first week's index, the number of weeks touching ``[max(start, first), end]``
    and per week the sum of each of ``columns`` over its days inside the period (numpy
    ``bincount``: a window costs microseconds, so a group of 100 stays fast)."""
    lo = max(start, first)
    first_week = (lo - first).days // WEEK_DAYS
    count = (end - first).days // WEEK_DAYS - first_week + 1
    offset = np.fromiter(
        (d.toordinal() for d in daily["date"].tolist()), dtype=np.int64, count=len(daily)
    )
    inside = (offset >= lo.toordinal()) & (offset <= end.toordinal())
    week = (offset[inside] - first.toordinal()) // WEEK_DAYS - first_week
    sums = {
        c: np.bincount(
            week, weights=daily[c].to_numpy().astype(float)[inside], minlength=count
        ).astype(float)
        for c in columns
    }
    return first_week, count, sums


def _complete(first: date, first_week: int, count: int, start: date, end: date) -> np.ndarray:
    starts = np.arange(first_week, first_week + count) * WEEK_DAYS + first.toordinal()
    return (starts >= start.toordinal()) & (starts + WEEK_DAYS - 1 <= end.toordinal())


def program_weeks(
    daily: pd.DataFrame,
    target: Target,
    start: date,
    end: date,
    first: date | None = None,
) -> pd.DataFrame:
    """Every program week touching ``[max(start, anchor), end]``, summed over its days
    inside the period: ``week`` (1 = the week starting on the anchor), its first and last
    day, ``complete`` (all 7 days inside the period), ``has_data``, walking and met days,
    walking minutes, ``walking_minutes_credited`` (each day capped at ``max_minutes``),
    training sessions (``training_sessions``) and minutes, sessions per category; and per
    week ``day_ratio`` = min(met days ÷ weekly_target_days, 1), ``dose_ratio`` =
    min(credited ÷ weekly_target_minutes, 1) and ``training_met``.

    ``first`` overrides the anchor (for windows of a longer history, whose first data day
    is not the anchor). Days the frame lacks count as days without data."""
    first = first if first is not None else anchor(daily, target)
    if first is None or end < max(start, first):
        return pd.DataFrame(columns=WEEK_COLUMNS)
    frame = daily.assign(walking_day=daily["walking_minutes"] >= WALKING_DAY_MINUTES)
    categories = [f"sessions_{c}" for c in CATEGORIES if f"sessions_{c}" in daily]
    summed = (
        "has_data",
        "walking_day",
        "met",
        "walking_minutes",
        "credited_minutes",
        "training_sessions",
        "training_minutes",
        *categories,
    )
    first_week, count, sums = _week_sums(frame, start, end, first, summed)
    met_days = sums["met"].astype(int)
    credited = np.round(sums["credited_minutes"], 6)
    sessions = sums["training_sessions"].astype(int)
    starts = [first + timedelta(days=WEEK_DAYS * (first_week + k)) for k in range(count)]
    out = pd.DataFrame(
        {
            "week": np.arange(first_week + 1, first_week + count + 1),
            "week_start": starts,
            "week_end": [s + timedelta(days=WEEK_DAYS - 1) for s in starts],
            "complete": _complete(first, first_week, count, start, end),
            "has_data": sums["has_data"] > 0,
            "walking_days": sums["walking_day"].astype(int),
            "met_days": met_days,
            "walking_minutes": np.round(sums["walking_minutes"], 6),
            "walking_minutes_credited": credited,
            "training_sessions": sessions,
            "training_minutes": np.round(sums["training_minutes"], 6),
            **{c: sums[c].astype(int) for c in categories},
            "day_ratio": np.minimum(met_days / weekly_target_days(target), 1.0),
            "dose_ratio": np.minimum(credited / weekly_target_minutes(target), 1.0),
            "training_met": sessions >= target.training_sessions_per_week,
        }
    )
    return out[[c for c in WEEK_COLUMNS if c in out]]


@dataclass(frozen=True, slots=True)
class WeeklySummary:
    """The scores over the complete program weeks of a period (``None``: no complete week)."""

    weeks_total: int
    weeks_met: int  # complete weeks with ≥ weekly_target_days met days
    weeks_no_data: int
    ratio: float | None
    dose_ratio: float | None
    training_weeks_met: int
    training_ratio: float | None


def summarize_weeks(week_frame: pd.DataFrame, target: Target) -> WeeklySummary:
    """Average the complete weeks of ``program_weeks``: the primary adherence ``ratio``, the
    ``dose_ratio`` and the share of weeks meeting the training target."""
    done = week_frame["complete"].to_numpy().astype(bool)
    return _summary(
        week_frame["met_days"].to_numpy(dtype=float)[done],
        week_frame["walking_minutes_credited"].to_numpy(dtype=float)[done],
        week_frame["training_sessions"].to_numpy(dtype=float)[done],
        week_frame["has_data"].to_numpy().astype(bool)[done],
        target,
    )


def weekly_summary(
    daily: pd.DataFrame, target: Target, start: date, end: date, first: date | None = None
) -> WeeklySummary:
    """``summarize_weeks(program_weeks(…))`` without building the week table: the same
    scores for the coach overview's windows, a few times per member."""
    first = first if first is not None else anchor(daily, target)
    if first is None or end < max(start, first):
        return _summary(*(np.zeros(0),) * 3, np.zeros(0, dtype=bool), target)
    columns = ("met", "credited_minutes", "training_sessions", "has_data")
    first_week, count, sums = _week_sums(daily, start, end, first, columns)
    done = _complete(first, first_week, count, start, end)
    return _summary(
        sums["met"][done],
        np.round(sums["credited_minutes"], 6)[done],
        sums["training_sessions"][done],
        sums["has_data"][done] > 0,
        target,
    )


def _summary(
    met_days: np.ndarray,
    credited: np.ndarray,
    training: np.ndarray,
    has_data: np.ndarray,
    target: Target,
) -> WeeklySummary:
    """The averages over complete weeks, given per complete week its met days, credited
    minutes, training sessions and whether it has any data."""
    total = len(met_days)
    need = weekly_target_days(target)
    trained = training >= target.training_sessions_per_week

    def mean(values: np.ndarray) -> float | None:
        return round(float(values.mean()), 4) if total else None

    return WeeklySummary(
        weeks_total=total,
        weeks_met=int((met_days >= need).sum()),
        weeks_no_data=int((~has_data).sum()),
        ratio=mean(np.minimum(met_days / need, 1.0)),
        dose_ratio=mean(np.minimum(credited / weekly_target_minutes(target), 1.0)),
        training_weeks_met=int(trained.sum()),
        training_ratio=mean(trained.astype(float)),
    )


@dataclass(frozen=True, slots=True)
class WeeklyDose:
    """What the complete program weeks of a period received, per week (``None``: no
    complete week)."""

    weeks_total: int
    walking_minutes_per_week: float | None  # mean walking minutes (not capped), 1 decimal
    training_sessions_per_week: float | None  # mean training sessions, 2 decimals
    training_received: float | None  # training sessions ÷ sessions prescribed, 4 decimals


def weekly_dose(
    daily: pd.DataFrame, target: Target, start: date, end: date, first: date | None = None
) -> WeeklyDose:
    """The dose received over the complete program weeks of ``[start, end]`` (the weeks
    ``weekly_summary`` scores; ``first`` overrides the anchor as there): the mean walking
    minutes a week (every minute walked, also beyond ``max_minutes``; a week without data
    counts 0 as in the adherence), the mean training sessions a week and the ratio of
    sessions received to prescribed (the weeks × ``training_sessions_per_week``; not capped:
    more sessions than prescribed give more than 1)."""
    first = first if first is not None else anchor(daily, target)
    if first is None or end < max(start, first):
        return WeeklyDose(0, None, None, None)
    columns = ("walking_minutes", "training_sessions")
    first_week, count, sums = _week_sums(daily, start, end, first, columns)
    done = _complete(first, first_week, count, start, end)
    weeks = int(done.sum())
    if not weeks:
        return WeeklyDose(0, None, None, None)
    walking = float(np.round(sums["walking_minutes"][done], 6).sum()) / weeks
    sessions = float(sums["training_sessions"][done].sum())
    return WeeklyDose(
        weeks_total=weeks,
        walking_minutes_per_week=round(walking, 1),
        training_sessions_per_week=round(sessions / weeks, 2),
        training_received=round(sessions / (weeks * target.training_sessions_per_week), 4),
    )
