"""A coach's group overview: every member's recent figures as of one day.

No rule lives here — adherence (``pipelines.rules.adherence``), pain (``pipelines.rules.pain``) and
the
alerts (``pipelines.rules.alerts``) decide; this module applies them per member, the same way
``backtrack report`` does for one person, and keeps the work per member small (blocks only
near the windows, one pain calendar), so a group of 100 with a year each stays well under a
second. Tests compare every figure with the per-participant path.

Per member, as of ``as_of`` (default: the group's latest day with data):

* ``adherence_14d`` / ``_28d``: the primary adherence ratio over the complete program
  weeks lying wholly inside the 14 / 28 days ending ``as_of`` (1–2 / 3–4 weeks, depending
  on where ``as_of`` falls in the program week; ``None`` while none does) — the same figure
  as ``backtrack report --start … --end as_of``; ``weeks_total_14d`` / ``_28d`` say how many
  weeks it rests on;
* ``dose_28d`` and ``training_28d`` (share of those weeks meeting the training target);
* the day-level picture: met and complete blocks per window, ``blocks_no_data_28d`` and
  ``current_streak_blocks`` (over the 28 days);
* ``adherence_prev_14d``: the 14 days before the last 14; ``adherence_trend_14d`` = now −
  before (positive: improving);
* ``days_since_last_walk`` (a day with ≥ 1 walking minute), ``last_data_day`` (any data,
  also after ``as_of``), ``days_without_data`` (up to ``as_of``; the ``no_data`` alert);
* ``pain_change_vs_baseline``, ``painkiller_run_days`` and
  ``painkiller_days_since_last_yes`` (only when the diary stopped during the run);
* ``missed_days_14d`` / ``not_worn_days_14d``: days of the 14 not met, and of those the days
  not worn or not synced (the reason of the ``low_adherence`` alert);
* the data completeness over the 28 days (``pipelines.rules.completeness``), counted from the
  effective program start when it falls inside them: ``days_28d``, ``worn_days_28d`` /
  ``worn_share_28d`` (days adequately worn), ``diary_days_28d`` / ``diary_share_28d``;
* the dose received over the complete weeks of the 28 days (``adherence.weekly_dose``):
  ``walking_minutes_per_week_28d`` against the prescribed band ``walking_band_min_per_week``
  .. ``walking_band_max_per_week`` (``walking_vs_band_28d``: ``below`` / ``within`` /
  ``above``), ``training_sessions_per_week_28d`` against ``training_target_per_week`` and
  ``training_received_28d`` (sessions received ÷ prescribed).

For the whole group (``group_summary``, over the members' rows with their alerts): the median
28-day adherence, the members at ≥ 80 % (``ADHERENT_FROM``), the members with alerts, the
median walking minutes a week and the median training ratio; ``attention_order`` puts the
members with alerts first.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import pandas as pd

from pipelines.rules import adherence, alerts, pain
from pipelines.rules.completeness import completeness
from pipelines.rules.participants import Participant
from pipelines.rules.report import pain_history

WINDOWS_DAYS: Final = (14, 28)
TREND_DAYS: Final = 14  # the trend compares the last 14 days with the 14 before them
assert max(WINDOWS_DAYS) >= 2 * TREND_DAYS, "the trend's earlier half must lie in the window"

# The Group page's completeness and dose columns (their window: the widest, 28 days).
GROUP_COLUMNS: Final = (
    "days_28d",
    "worn_days_28d",
    "worn_share_28d",
    "diary_days_28d",
    "diary_share_28d",
    "walking_minutes_per_week_28d",
    "walking_band_min_per_week",
    "walking_band_max_per_week",
    "walking_vs_band_28d",
    "training_sessions_per_week_28d",
    "training_target_per_week",
    "training_received_28d",
)
COLUMNS: Final = [
    "participant",
    "as_of",
    "adherence_14d",
    "weeks_total_14d",
    "blocks_met_14d",
    "blocks_total_14d",
    "adherence_28d",
    "weeks_total_28d",
    "dose_28d",
    "training_28d",
    "blocks_met_28d",
    "blocks_total_28d",
    "blocks_no_data_28d",
    "current_streak_blocks",
    "days_since_last_walk",
    "last_data_day",
    "pain_change_vs_baseline",
    "adherence_prev_14d",
    "adherence_trend_14d",
    "days_without_data",
    "painkiller_run_days",
    "missed_days_14d",
    "not_worn_days_14d",
    "painkiller_days_since_last_yes",
    *GROUP_COLUMNS,
]
ADHERENT_FROM: Final = 0.8  # a member "at ≥ 80 %" on the summary row (docs/rules.md)

# The ``days`` columns the figures read (a narrower frame makes every per-member slice cheaper).
INPUTS: Final = (
    "participant",
    "date",
    "walking_minutes",
    "met",
    "credited_minutes",
    "training_sessions",
    "training_minutes",
    "has_data",
    "pain",
    "pain_entries",
    "flare_up",
    "flare_up_flagged",
    "painkiller",
    "status",
)


def default_as_of(frames: Mapping[str, pd.DataFrame]) -> date | None:
    """The group's latest day with data (None when no member has any)."""
    last_days = [last_data_day(f) for f in frames.values()]
    return max((d for d in last_days if d is not None), default=None)


def last_data_day(frame: pd.DataFrame) -> date | None:
    has_data = frame["has_data"].to_numpy().astype(bool)
    dates = [d for d, h in zip(frame["date"].tolist(), has_data, strict=True) if h]
    return max(dates) if dates else None


def table(
    frames: Mapping[str, pd.DataFrame],
    people: Mapping[str, Participant],
    as_of: date | None,
) -> pd.DataFrame:
    """One row per member (``frames``' order): their ``days`` rows and settings as of
    ``as_of`` (None: ``default_as_of``)."""
    if as_of is None:
        as_of = default_as_of(frames)
    return rows_table([member(m, frames[m], people[m], as_of) for m in frames])


def rows_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``member`` rows as ``table``'s frame (``COLUMNS``, unknown ratios ``None``)."""
    out = pd.DataFrame(rows, columns=COLUMNS).astype({"as_of": object})
    unknown_as_none = ("adherence_prev_14d", "adherence_trend_14d", "dose_28d", "training_28d")
    for column in unknown_as_none:  # None, not NaN, when unknown
        out[column] = pd.Series([r[column] for r in rows], index=out.index, dtype="object")
    return out


def member(
    participant: str, frame: pd.DataFrame, p: Participant, as_of: date | None
) -> dict[str, Any]:
    """The overview row of one member (see the module doc)."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row |= {"participant": participant, "as_of": as_of, "last_data_day": last_data_day(frame)}
    if as_of is None:
        row |= {"painkiller_run_days": 0, "missed_days_14d": 0, "not_worn_days_14d": 0}
        return row
    widest = max(WINDOWS_DAYS)
    # program weeks and blocks count from the effective start (participants.effective_start)
    first = adherence.anchor(frame, p.target)
    target, recent = adherence.near_window(frame, p.target, as_of - timedelta(days=widest - 1))
    block_frame = adherence.blocks(recent, target, end=as_of)

    def weekly(start: date, end: date) -> adherence.WeeklySummary:
        return adherence.weekly_summary(recent, p.target, start, end, first=first)

    for window in WINDOWS_DAYS:
        start = as_of - timedelta(days=window - 1)
        s = adherence.summarize(recent, block_frame, start, as_of)
        w = weekly(start, as_of)
        row[f"adherence_{window}d"] = w.ratio
        row[f"weeks_total_{window}d"] = w.weeks_total
        if window == widest:
            row[f"dose_{window}d"] = w.dose_ratio
            row[f"training_{window}d"] = w.training_ratio
        row[f"blocks_met_{window}d"] = s.blocks_met
        row[f"blocks_total_{window}d"] = s.blocks_total
        if window == widest:
            row[f"blocks_no_data_{window}d"] = s.blocks_no_data
            row["current_streak_blocks"] = s.current_streak_blocks
    # The 14 days before the last 14 lie inside the 28-day window (``recent`` holds them).
    prev_end = as_of - timedelta(days=TREND_DAYS)
    prev_start = prev_end - timedelta(days=TREND_DAYS - 1)
    before = weekly(prev_start, prev_end).ratio
    now = row[f"adherence_{TREND_DAYS}d"]
    row["adherence_prev_14d"] = before
    if now is not None and before is not None:
        row["adherence_trend_14d"] = round(now - before, 4)

    dates = frame["date"].tolist()
    upto = np.array([d <= as_of for d in dates], dtype=bool)
    has_data = frame["has_data"].to_numpy().astype(bool) & upto
    walked = (frame["walking_minutes"].to_numpy(float) >= adherence.WALKING_DAY_MINUTES) & upto
    last_walk = max((d for d, w in zip(dates, walked, strict=True) if w), default=None)
    last_data = max((d for d, h in zip(dates, has_data, strict=True) if h), default=None)
    row["days_since_last_walk"] = None if last_walk is None else (as_of - last_walk).days
    row["days_without_data"] = None if last_data is None else (as_of - last_data).days
    change, run = None, pain.PainkillerRun(0, None, None, False)
    if "pain" in frame and len(frame):
        change, run = pain.overview(pain_history(frame, as_of), p.target.program_start, as_of)
    row["pain_change_vs_baseline"] = change
    row["painkiller_run_days"] = run.days
    if run.diary_stopped and run.last is not None:
        row["painkiller_days_since_last_yes"] = (as_of - run.last).days
    row["missed_days_14d"], row["not_worn_days_14d"] = alerts.missed_days(frame, as_of)
    row |= _completeness_and_dose(recent, p, as_of, first)
    return row


def _completeness_and_dose(
    recent: pd.DataFrame, p: Participant, as_of: date, first: date | None
) -> dict[str, Any]:
    """The 28-day completeness (from the program start when it is later) and the dose
    received against the prescription. Added last, after every other figure of the row."""
    widest = max(WINDOWS_DAYS)
    start = as_of - timedelta(days=widest - 1)
    c = completeness(recent, max(start, first) if first is not None else start, as_of)
    dose = adherence.weekly_dose(recent, p.target, start, as_of, first=first)
    low, high = adherence.weekly_band_minutes(p.target)
    return {
        f"days_{widest}d": c.days,
        f"worn_days_{widest}d": c.worn_days,
        f"worn_share_{widest}d": c.worn_share,
        f"diary_days_{widest}d": c.diary_days,
        f"diary_share_{widest}d": c.diary_share,
        f"walking_minutes_per_week_{widest}d": dose.walking_minutes_per_week,
        "walking_band_min_per_week": low,
        "walking_band_max_per_week": high,
        f"walking_vs_band_{widest}d": adherence.band_position(
            dose.walking_minutes_per_week, p.target
        ),
        f"training_sessions_per_week_{widest}d": dose.training_sessions_per_week,
        "training_target_per_week": p.target.training_sessions_per_week,
        f"training_received_{widest}d": dose.training_received,
    }


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """The summary row of a group (``group_summary``); a median is ``None`` without values."""

    members: int
    members_with_adherence: int  # members with a 28-day adherence (a complete week)
    median_adherence_28d: float | None
    members_adherent: int  # of those, at ≥ ADHERENT_FROM
    share_adherent: float | None  # members_adherent ÷ members_with_adherence
    members_with_alerts: int
    median_walking_minutes_per_week: float | None
    median_training_received: float | None


def group_summary(rows: pd.DataFrame) -> GroupSummary:
    """The group's summary over its members' overview rows (``rows``: ``table``'s columns
    and ``alerts``, a list of raised alerts per member). Members without a figure (no
    complete week in the 28 days) are left out of that figure's median and share, never
    counted as 0 — their completeness says why."""
    ratios = _known(rows["adherence_28d"])
    adherent = sum(r >= ADHERENT_FROM for r in ratios)
    walking = _known(rows["walking_minutes_per_week_28d"])
    training = _known(rows["training_received_28d"])
    return GroupSummary(
        members=len(rows),
        members_with_adherence=len(ratios),
        median_adherence_28d=round(statistics.median(ratios), 4) if ratios else None,
        members_adherent=adherent,
        share_adherent=round(adherent / len(ratios), 4) if ratios else None,
        members_with_alerts=sum(bool(len(raised)) for raised in rows["alerts"]),
        median_walking_minutes_per_week=round(statistics.median(walking), 1) if walking else None,
        median_training_received=round(statistics.median(training), 4) if training else None,
    )


def attention_order(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` in the order a coach reads them: members with alerts first, then the lowest
    28-day adherence first (unknown after known), then by id."""

    def key(i: int) -> tuple[bool, bool, float, str]:
        ratio = rows["adherence_28d"].iloc[i]
        unknown = ratio is None or bool(pd.isna(ratio))
        return (
            not len(rows["alerts"].iloc[i]),
            unknown,
            0.0 if unknown else float(ratio),
            str(rows["participant"].iloc[i]),
        )

    return rows.iloc[sorted(range(len(rows)), key=key)]


def _known(values: pd.Series) -> list[float]:
    return [float(v) for v in values.tolist() if v is not None and not pd.isna(v)]


# The columns of an overview row that ``facts`` reads.
FACT_COLUMNS: Final = (
    "days_without_data",
    "adherence_14d",
    "pain_change_vs_baseline",
    "painkiller_run_days",
    "missed_days_14d",
    "not_worn_days_14d",
    "painkiller_days_since_last_yes",
)


def facts(row: Mapping[Any, Any]) -> alerts.Facts:
    """What the alert rule reads, from an overview row (``FACT_COLUMNS``)."""
    ratio = row["adherence_14d"]
    change = row["pain_change_vs_baseline"]
    without = row["days_without_data"]
    return alerts.Facts(
        days_without_data=None if without is None or pd.isna(without) else int(without),
        adherence_14d=None if ratio is None or pd.isna(ratio) else float(ratio),
        pain_change_vs_baseline=None if change is None or pd.isna(change) else float(change),
        painkiller_run_days=int(row["painkiller_run_days"] or 0),
        missed_days_14d=int(row["missed_days_14d"] or 0),
        not_worn_days_14d=int(row["not_worn_days_14d"] or 0),
        painkiller_days_since_last_yes=_int_or_none(row.get("painkiller_days_since_last_yes")),
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
