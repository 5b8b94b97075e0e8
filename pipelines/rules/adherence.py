"""The adherence rule — the one place that decides whether a participant kept at it.

* **Day.** A day is *met* when its walking minutes reach the target's ``min_minutes``
  (default 30). Minutes beyond ``max_minutes`` (default 60) earn no extra credit; they are
  reported as ``above_range_minutes``.
* **Block.** Days are grouped into consecutive blocks of ``every_n_days`` (default 2, i.e.
  "every other day") counted from the participant's ``program_start`` — or, when none is
  set, from their first day with data. A block is ``met`` when at least one of its days is
  met, ``no_data`` when none of its days has any data, else ``missed``.
* **Adherence** over a period = met blocks / complete blocks (blocks lying wholly inside
  the period). ``no_data`` blocks count as not met *and* are reported separately.
* **Current streak**: consecutive met blocks counted back from the end of the period; a
  trailing block still in progress counts if it is already met and never breaks the streak.
* **Longest gap**: the longest run of consecutive days without a met day in the period.
* **Week** (ISO): walking days (≥ 1 walking minute), met days and sessions per category.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.config import Target
from pipelines.rules.taxonomy import CATEGORIES

WALKING_DAY_MINUTES = 1.0


def apply_target(days: pd.DataFrame, target: Target) -> pd.DataFrame:
    """Add ``met``, ``credited_minutes`` and ``above_range_minutes`` to daily activity."""
    out = days.copy()
    walking = out["walking_minutes"].astype(float)
    out["met"] = walking >= target.min_minutes
    out["credited_minutes"] = walking.clip(upper=target.max_minutes)
    out["above_range_minutes"] = (walking - target.max_minutes).clip(lower=0.0)
    return out


def anchor(daily: pd.DataFrame, target: Target) -> date | None:
    """The first day of the first block: the program start, else the first day with data."""
    if target.program_start is not None:
        return target.program_start
    with_data = daily.loc[daily["has_data"].astype(bool), "date"]
    return min(with_data) if len(with_data) else None


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
    ratio: float | None
    current_streak_blocks: int
    longest_gap_days: int


def summarize(daily: pd.DataFrame, block_frame: pd.DataFrame, start: date, end: date) -> Summary:
    """Adherence over ``[start, end]`` from the blocks lying wholly inside it."""
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
        ratio=round(met / total, 4) if total else None,
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


def weeks(days: pd.DataFrame) -> pd.DataFrame:
    """Per ISO week: walking days, met days, walking minutes and sessions per category."""
    if days.empty:
        return pd.DataFrame(
            columns=[
                "week",
                "walking_days",
                "met_days",
                "walking_minutes",
                *[f"sessions_{c}" for c in CATEGORIES],
            ]
        )
    frame = days.copy()
    frame["week"] = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in frame["date"]]
    frame["walking_day"] = frame["walking_minutes"] >= WALKING_DAY_MINUTES
    agg = {
        "walking_days": ("walking_day", "sum"),
        "met_days": ("met", "sum"),
        "walking_minutes": ("walking_minutes", "sum"),
    }
    agg.update({f"sessions_{c}": (f"sessions_{c}", "sum") for c in CATEGORIES})
    return frame.groupby("week", sort=True).agg(**agg).reset_index()
