"""A participant's adherence report as one JSON-ready dict (``backtrack report --json``).

The field names are a contract for other tools and the dashboard (docs/report.md).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from pipelines.rules import adherence, pain, questionnaires
from pipelines.rules.participants import Participant, effective_start, written
from pipelines.rules.taxonomy import CATEGORIES

PRE_PROGRAM_DAYS = 28  # the pre-program activity level: the 4 weeks before the start
PRE_PROGRAM_MIN_DAYS = 7  # ... from at least a week of days with activity data


def default_range(p: Participant, daily: pd.DataFrame) -> tuple[date, date] | None:
    """From the effective program start (``participants.effective_start``: the program
    start, else the first diary day, else the first day with activity data — a long
    activity history before the diary does not move the start back) to the last day with
    activity data or a diary entry. None without either."""
    with_data = daily["has_data"].astype(bool).to_numpy()
    days = daily.loc[with_data | written(daily), "date"]
    if days.empty:
        return None
    first = effective_start(daily, p.target.program_start)
    assert first is not None  # there are days with data or an entry
    return first.date, max(days)


def pre_program(daily: pd.DataFrame, start: date) -> dict[str, Any]:
    """Walking minutes a week in the ``PRE_PROGRAM_DAYS`` before ``start``: the mean over
    the days with activity data × 7 (a day without data is unknown, not inactive); null
    with fewer than ``PRE_PROGRAM_MIN_DAYS`` such days."""
    first = start - timedelta(days=PRE_PROGRAM_DAYS)
    dates = daily["date"].tolist()
    inside = np.array([first <= d < start for d in dates], dtype=bool)
    worn = inside & daily["has_data"].astype(bool).to_numpy()
    minutes = pd.to_numeric(daily["walking_minutes"]).to_numpy(dtype=float)[worn]
    n = int(worn.sum())
    per_week = round(float(minutes.mean()) * 7, 1) if n >= PRE_PROGRAM_MIN_DAYS else None
    return {
        "start": _iso(first),
        "end": _iso(start - timedelta(days=1)),
        "days_with_data": n,
        "walking_minutes_per_week": per_week,
    }


def build(
    p: Participant,
    daily: pd.DataFrame,
    start: date | None = None,
    end: date | None = None,
    questionnaires: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The report for ``[start, end]`` (defaults: ``default_range``); ``questionnaires``: the
    participant's ``questionnaires`` rows (:func:`questionnaire_answers`)."""
    mine = daily[daily["participant"] == p.id] if "participant" in daily else daily
    answered = questionnaire_answers(questionnaires, start, end)
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
            "training_sessions_per_week": p.target.training_sessions_per_week,
            "min_training_minutes": p.target.min_training_minutes,
        },
        "range": {"start": _iso(start), "end": _iso(end)},
        "program_start": _program_start(p, mine),
        "questionnaires": answered,
    }
    if start is None or end is None or end < start:
        report |= {
            "adherence": _adherence(p, None, None),
            "training": _training(p, None),
            "days": [],
            "weeks": [],
            "pre_program": None,
        }
        return report
    program_start = default[0] if default else start
    report["pre_program"] = pre_program(mine, program_start)
    days = _days_in(mine, start, end)
    block_frame = adherence.blocks(mine, p.target, end=end)
    summary = adherence.summarize(days, block_frame, start, end)
    week_frame = adherence.program_weeks(
        days, p.target, start, end, first=adherence.anchor(mine, p.target)
    )
    weekly = adherence.summarize_weeks(week_frame, p.target)
    report["adherence"] = _adherence(p, weekly, summary)
    report["training"] = _training(p, weekly)
    report["days"] = [_day(row) for row in days.to_dict("records")]
    report["weeks"] = [_week(row) for row in week_frame.to_dict("records")]
    if "pain" in mine.columns:
        report["pain"] = _pain(p, mine, end)
        _exercise_pain_days(report["weeks"], days)
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


def questionnaire_answers(
    answers: pd.DataFrame | None, start: date | None, end: date | None
) -> list[dict[str, Any]]:
    """The report's ``questionnaires``: every answer dated from ``start`` to ``end`` as given
    (a side not given is open — not the default range, which ends at the last day with
    activity data or a diary entry), sorted by date and id, with ``change`` against the
    participant's first score of that questionnaire (``questionnaires.with_change``: also
    when the first lies before ``start``; null for the first)."""
    if answers is None or answers.empty:
        return []
    rows = questionnaires.with_change(answers).sort_values(["date", "questionnaire"])
    out = []
    for row in rows.to_dict("records"):
        if (start is not None and row["date"] < start) or (end is not None and row["date"] > end):
            continue
        out.append(
            {
                "id": str(row["questionnaire"]),
                "date": _iso(row["date"]),
                "score": float(row["score"]),
                "change": None if pd.isna(row["change"]) else float(row["change"]),
                "items": questionnaires.items_of(str(row["items"])),
            }
        )
    return out


def _program_start(p: Participant, daily: pd.DataFrame) -> dict[str, Any] | None:
    """The start every figure counts from and where it comes from; null without a set
    start and without data."""
    start = effective_start(daily, p.target.program_start)
    return None if start is None else {"date": _iso(start.date), "source": start.source}


def pain_history(days: pd.DataFrame, end: date) -> pd.DataFrame:
    """The ``days`` rows up to ``end`` as the pain rules read them (the person's own
    flare-up flag under ``flare_up``)."""
    history = days.loc[np.array([d <= end for d in days["date"].tolist()], dtype=bool)]
    names = {"flare_up": "flare_up_detected", "flare_up_flagged": "flare_up"}
    return history.set_axis([names.get(c, c) for c in history.columns], axis=1)


def _pain(p: Participant, days: pd.DataFrame, end: date) -> dict[str, Any]:
    """The pain summary as of ``end`` over the participant's whole history."""
    rules = pain.PainRules()
    s = pain.summarize(pain_history(days, end), p.target.program_start, end, rules)
    window = s.baseline_window
    return {
        "baseline": s.baseline,
        "baseline_n": s.baseline_n,
        "baseline_window": (
            {"start": _iso(window[0]), "end": _iso(window[1])} if window is not None else None
        ),
        "baseline_min_entries": rules.baseline_min_entries,
        "latest_7d_mean": s.latest_7d_mean,
        "change_vs_baseline": s.change_vs_baseline,
        "change_vs_baseline_percent": s.change_vs_baseline_percent,
        "reference_change": rules.reference_change,
        "reference_percent": rules.reference_percent,
        "latest_14d_mean": s.reached.mean_14d,
        "change_14d_vs_baseline": s.reached.change,
        "change_14d_percent": s.reached.change_percent,
        "reached_reference_change": s.reached.reached_points,
        "reached_reference_percent": s.reached.reached_percent,
        "flare_ups_per_3_months": s.flare_ups_per_3_months,
        "flare_ups_per_3_months_baseline": s.flare_ups_per_3_months_baseline,
        "painkiller_run_days": s.painkiller_run_days,
        "painkiller_run_first": _iso(s.painkiller_run_first),
        "painkiller_run_last": _iso(s.painkiller_run_last),
        "painkiller_warning": s.painkiller_warning,
        "painkiller_diary_stopped": s.painkiller_diary_stopped,
        "lag_correlations": [
            {
                "lag_days": c.lag_days,
                "rho": c.rho,
                "n": c.n,
                "low": c.low,
                "high": c.high,
                "verdict": c.verdict,
            }
            for c in s.lag_correlations
        ],
    }


def _exercise_pain_days(weeks: list[dict[str, Any]], days: pd.DataFrame) -> None:
    """Adds ``exercise_pain_days`` to each program week: its days (inside the range) the
    person answered "yes" to more pain or soreness after exercise."""
    sore_days: list[date] = []
    if "exercise_pain" in days.columns:
        answers = days["exercise_pain"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        sore_days = [d for d, sore in zip(days["date"].tolist(), answers, strict=True) if sore]
    for week in weeks:
        first, last = date.fromisoformat(week["start"]), date.fromisoformat(week["end"])
        week["exercise_pain_days"] = sum(first <= d <= last for d in sore_days)


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
        "flare_detected",
    )
    numeric = [c for c in frame.columns if c not in keep_missing]
    frame[numeric] = frame[numeric].fillna(0)
    for flag in ("flare_up", "flare_up_flagged", "flare_detected"):
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


def _adherence(
    p: Participant, w: adherence.WeeklySummary | None, s: adherence.Summary | None
) -> dict[str, Any]:
    return {
        "ratio": w.ratio if w else None,
        "dose_ratio": w.dose_ratio if w else None,
        "weeks_met": w.weeks_met if w else 0,
        "weeks_total": w.weeks_total if w else 0,
        "weeks_no_data": w.weeks_no_data if w else 0,
        "weekly_target_days": adherence.weekly_target_days(p.target),
        "weekly_target_minutes": adherence.weekly_target_minutes(p.target),
        "block_ratio": s.block_ratio if s else None,
        "blocks_met": s.blocks_met if s else 0,
        "blocks_total": s.blocks_total if s else 0,
        "blocks_no_data": s.blocks_no_data if s else 0,
        "current_streak_blocks": s.current_streak_blocks if s else 0,
        "longest_gap_days": s.longest_gap_days if s else 0,
    }


def _training(p: Participant, w: adherence.WeeklySummary | None) -> dict[str, Any]:
    return {
        "target_sessions_per_week": p.target.training_sessions_per_week,
        "min_session_minutes": p.target.min_training_minutes,
        "ratio": w.training_ratio if w else None,
        "weeks_met": w.training_weeks_met if w else 0,
        "weeks_total": w.weeks_total if w else 0,
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
                "pain_entries": int(row.get("pain_entries") or 0),
                "pain_7d_mean": _round(row["pain_7d_mean"]),
                "flare_up": bool(row.get("flare_up_flagged", False)),
                "flare_detected": bool(row.get("flare_detected", False)),
                "painkiller": _bool(row["painkiller"]),
                "exercise_pain": _bool(row.get("exercise_pain")),
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
        "week": int(row["week"]),
        "start": _iso(row["week_start"]),
        "end": _iso(row["week_end"]),
        "complete": bool(row["complete"]),
        "has_data": bool(row["has_data"]),
        "walking_days": int(row["walking_days"]),
        "met_days": int(row["met_days"]),
        "walking_minutes": round(float(row["walking_minutes"]), 1),
        "walking_minutes_credited": round(float(row["walking_minutes_credited"]), 1),
        "training_sessions": int(row["training_sessions"]),
        "training_minutes": round(float(row["training_minutes"]), 1),
        "sessions": {c: int(row[f"sessions_{c}"]) for c in CATEGORIES},
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
