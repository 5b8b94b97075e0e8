"""A participant's adherence report as one JSON-ready dict (``backtrack report --json``).

The field names are a contract for other tools and the dashboard (docs/report.md).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from pipelines.rules import adherence, pain
from pipelines.rules.participants import Participant
from pipelines.rules.taxonomy import CATEGORIES


def default_range(p: Participant, daily: pd.DataFrame) -> tuple[date, date] | None:
    """The program start (else the first data day) to the last day with data."""
    with_data = daily.loc[daily["has_data"].astype(bool), "date"]
    if with_data.empty:
        return None
    first = adherence.anchor(daily, p.target)
    assert first is not None
    return first, max(with_data)


def build(
    p: Participant, daily: pd.DataFrame, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """The report for ``[start, end]`` (defaults: ``default_range``)."""
    mine = daily[daily["participant"] == p.id] if "participant" in daily else daily
    default = default_range(p, mine)
    if default is None and (start is None or end is None):
        start = end = None
    else:
        start = start or (default[0] if default else None)
        end = end or (default[1] if default else None)
    report: dict[str, Any] = {
        "participant": p.id,
        "tz": p.tz,
        "target": {
            "min_minutes": p.target.min_minutes,
            "max_minutes": p.target.max_minutes,
            "every_n_days": p.target.every_n_days,
            "min_bout_minutes": p.target.min_bout_minutes,
            "program_start": _iso(p.target.program_start),
        },
        "range": {"start": _iso(start), "end": _iso(end)},
    }
    if start is None or end is None or end < start:
        report |= {"adherence": _adherence(None), "days": [], "weeks": []}
        return report
    days = _days_in(mine, start, end)
    block_frame = adherence.blocks(mine, p.target, end=end)
    summary = adherence.summarize(days, block_frame, start, end)
    report["adherence"] = _adherence(summary)
    report["days"] = [_day(row) for row in days.to_dict("records")]
    report["weeks"] = [_week(row) for row in adherence.weeks(days).to_dict("records")]
    if "pain" in mine.columns:
        report["pain"] = _pain(p, mine, end)
    report["blocks"] = [
        {
            "start": _iso(b["block_start"]),
            "end": _iso(b["block_end"]),
            "status": b["status"],
            "complete": bool(b["complete"]),
            "met_days": int(b["met_days"]),
        }
        for b in block_frame.to_dict("records")
        if b["block_start"] >= start and b["block_start"] <= end
    ]
    return report


def pain_history(days: pd.DataFrame, end: date) -> pd.DataFrame:
    """The ``days`` rows up to ``end`` as the pain rules read them (the person's own
    flare-up flag under ``flare_up``)."""
    history = days.loc[np.array([d <= end for d in days["date"].tolist()], dtype=bool)]
    names = {"flare_up": "flare_up_detected", "flare_up_flagged": "flare_up"}
    return history.set_axis([names.get(c, c) for c in history.columns], axis=1)


def _pain(p: Participant, days: pd.DataFrame, end: date) -> dict[str, Any]:
    """The pain summary as of ``end`` over the participant's whole history."""
    s = pain.summarize(pain_history(days, end), p.target.program_start, end, pain.PainRules())
    return {
        "baseline": s.baseline,
        "latest_7d_mean": s.latest_7d_mean,
        "change_vs_baseline": s.change_vs_baseline,
        "reference_change": pain.PainRules().reference_change,
        "flare_ups_per_3_months": s.flare_ups_per_3_months,
        "flare_ups_per_3_months_baseline": s.flare_ups_per_3_months_baseline,
        "painkiller_run_days": s.painkiller_run_days,
        "painkiller_warning": s.painkiller_warning,
        "lag_correlations": [
            {"lag_days": c.lag_days, "rho": c.rho, "n": c.n} for c in s.lag_correlations
        ],
    }


def _days_in(daily: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Every day of ``[start, end]``; days the table lacks are empty days without data."""
    index = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    frame = daily.drop(columns=[c for c in ("participant",) if c in daily]).set_index("date")
    frame = frame.reindex(index)
    keep_missing = (
        "has_data",
        "met",
        "sources",
        "wear_minutes",
        "wear_basis",
        "approximate",
        "status",
        "pain",
        "pain_7d_mean",
        "painkiller",
        "exercise_pain",
        "flare_up",
        "flare_up_flagged",
    )
    numeric = [c for c in frame.columns if c not in keep_missing]
    frame[numeric] = frame[numeric].fillna(0)
    for flag in ("flare_up", "flare_up_flagged"):
        if flag in frame:
            frame[flag] = frame[flag].astype("boolean").fillna(False).astype(bool)
    if "sources" in frame:
        frame["sources"] = frame["sources"].astype("string").fillna("")
    frame["has_data"] = frame["has_data"].fillna(False).astype(bool)
    frame["met"] = frame["met"].fillna(False).astype(bool)
    if "approximate" in frame:
        frame["approximate"] = frame["approximate"].astype("boolean").fillna(False).astype(bool)
    if "status" in frame:
        frame["status"] = frame["status"].astype("string").fillna("no_data")
    return frame.rename_axis("date").reset_index()


def _adherence(s: adherence.Summary | None) -> dict[str, Any]:
    if s is None:
        return {
            "blocks_met": 0,
            "blocks_total": 0,
            "blocks_no_data": 0,
            "ratio": None,
            "current_streak_blocks": 0,
            "longest_gap_days": 0,
        }
    return {
        "blocks_met": s.blocks_met,
        "blocks_total": s.blocks_total,
        "blocks_no_data": s.blocks_no_data,
        "ratio": s.ratio,
        "current_streak_blocks": s.current_streak_blocks,
        "longest_gap_days": s.longest_gap_days,
    }


def _day(row: dict[Any, Any]) -> dict[str, Any]:
    return {
        "date": _iso(row["date"]),
        "walking_minutes": round(float(row["walking_minutes"]), 1),
        "brisk_walking_minutes": round(float(row["brisk_walking_minutes"]), 1),
        "met": bool(row["met"]),
        "has_data": bool(row["has_data"]),
        "status": str(row["status"]),
        "wear_minutes": _round(row["wear_minutes"]),
        "wear_basis": None if pd.isna(row.get("wear_basis")) else str(row["wear_basis"]),
        "approximate": bool(row["approximate"]),
        "steps": int(row["steps"]),
        "sessions": {c: int(row[f"sessions_{c}"]) for c in CATEGORIES},
        "sources": [s for s in str(row.get("sources") or "").split(",") if s],
        **(
            {
                "pain": _round(row["pain"]),
                "pain_7d_mean": _round(row["pain_7d_mean"]),
                "flare_up": bool(row["flare_up"]),
                "painkiller": _bool(row["painkiller"]),
            }
            if "pain" in row
            else {}
        ),
    }


def _round(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 1)


def _bool(value: Any) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def _week(row: dict[Any, Any]) -> dict[str, Any]:
    return {
        "week": row["week"],
        "walking_days": int(row["walking_days"]),
        "met_days": int(row["met_days"]),
        "walking_minutes": round(float(row["walking_minutes"]), 1),
        "sessions": {c: int(row[f"sessions_{c}"]) for c in CATEGORIES},
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
