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
  not worn or not synced (the reason of the ``low_adherence`` alert).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import pandas as pd

from pipelines.rules import adherence, alerts, pain
from pipelines.rules.participants import Participant
from pipelines.rules.report import pain_history

WINDOWS_DAYS: Final = (14, 28)
TREND_DAYS: Final = 14  # the trend compares the last 14 days with the 14 before them
assert max(WINDOWS_DAYS) >= 2 * TREND_DAYS, "the trend's earlier half must lie in the window"

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
]

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
    rows = [member(m, frames[m], people[m], as_of) for m in frames]
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
    return row


def facts(row: Mapping[Any, Any]) -> alerts.Facts:
    """What the alert rule reads, from an overview row."""
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
