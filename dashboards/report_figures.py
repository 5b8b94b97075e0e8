"""The figures the clinician report draws, taken from the report dict
(``pipelines.rules.report.build``, docs/report.md) — pure, no drawing, no Streamlit.

* **Weekly walking band**: walking every ``every_n_days`` days for ``min_minutes`` to
  ``max_minutes`` puts ``weekly_target_days`` (⌊7 ÷ n⌋, the adherence rule's) walking days
  into every program week, so the band of a week is ``weekly_target_days`` × ``min_minutes``
  (= ``weekly_target_minutes``, what a dose of 100 % needs) to ``weekly_target_days`` ×
  ``max_minutes``. Default 30–60 min every 2 days → 90–180 min a week.
* **A week met**: the adherence rule's — a complete program week with at least
  ``weekly_target_days`` met days (walking); at least ``training_sessions_per_week``
  training sessions (training). A week still in progress (not all 7 days in the period) is
  neither met nor missed.
* **Received** (per week): the mean over the complete program weeks — the weeks the
  adherence, dose and training figures count.
* **Data completeness**: the rule of ``pipelines.rules.completeness`` (the Group page's too):
  a day is *adequately worn* unless its status is ``low_wear`` (worn less than the
  participant's minimum wear time and the target not met) or ``no_data`` — the statuses the
  alerts call "not worn / not synced" (``pipelines.rules.daily.NOT_WORN``); a day *has a diary
  entry* when the person wrote one (``pain_entries`` > 0). Shares of all days of the period.
* **Pain lines** (the pain rules, ``pipelines.rules.pain``): the baseline, the baseline −
  ``reference_change`` (15 points) and the baseline − ``reference_percent`` (30 %) — the two
  criteria for a meaningful fall, which the rules judge on the 14-day mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from pipelines.rules import completeness as completeness_rule


@dataclass(frozen=True, slots=True)
class Week:
    """One program week as the charts show it."""

    week: int
    start: date
    complete: bool
    has_data: bool
    walking_minutes: float
    met_days: int
    training_sessions: int
    walking_met: bool | None  # None: week in progress
    training_met: bool | None


def weeks(report: Mapping[str, Any]) -> list[Week]:
    """The report's program weeks, each with whether it met the walking and training target.

    >>> r = {"adherence": {"weekly_target_days": 3},
    ...      "training": {"target_sessions_per_week": 2},
    ...      "weeks": [{"week": 1, "start": "2024-05-06", "complete": True, "has_data": True,
    ...                 "walking_minutes": 160.0, "met_days": 4, "training_sessions": 1}]}
    >>> w = weeks(r)[0]
    >>> w.walking_met, w.training_met
    (True, False)
    """
    days_needed = int(report["adherence"]["weekly_target_days"])
    sessions_needed = int(report["training"]["target_sessions_per_week"])
    out = []
    for w in report.get("weeks", []):
        complete = bool(w["complete"])
        out.append(
            Week(
                week=int(w["week"]),
                start=date.fromisoformat(w["start"]),
                complete=complete,
                has_data=bool(w["has_data"]),
                walking_minutes=float(w["walking_minutes"]),
                met_days=int(w["met_days"]),
                training_sessions=int(w["training_sessions"]),
                walking_met=int(w["met_days"]) >= days_needed if complete else None,
                training_met=int(w["training_sessions"]) >= sessions_needed if complete else None,
            )
        )
    return out


def walking_band(report: Mapping[str, Any]) -> tuple[float, float]:
    """The prescribed walking minutes of a week, low and high.

    >>> walking_band({"target": {"min_minutes": 30, "max_minutes": 60},
    ...               "adherence": {"weekly_target_days": 3}})
    (90.0, 180.0)
    """
    days = int(report["adherence"]["weekly_target_days"])
    target = report["target"]
    return float(days * target["min_minutes"]), float(days * target["max_minutes"])


@dataclass(frozen=True, slots=True)
class Received:
    """Means per complete program week; None without a complete week."""

    complete_weeks: int
    met_days: float | None
    walking_minutes: float | None
    credited_minutes: float | None
    training_sessions: float | None


def received(report: Mapping[str, Any]) -> Received:
    """What the complete program weeks held on average.

    >>> r = received({"weeks": [
    ...     {"complete": True, "met_days": 4, "walking_minutes": 160.0,
    ...      "walking_minutes_credited": 160.0, "training_sessions": 2},
    ...     {"complete": True, "met_days": 1, "walking_minutes": 50.0,
    ...      "walking_minutes_credited": 50.0, "training_sessions": 1},
    ...     {"complete": False, "met_days": 3, "walking_minutes": 90.0,
    ...      "walking_minutes_credited": 90.0, "training_sessions": 0}]})
    >>> r.complete_weeks, r.met_days, r.walking_minutes, r.training_sessions
    (2, 2.5, 105.0, 1.5)
    """
    complete = [w for w in report.get("weeks", []) if w["complete"]]

    def mean(key: str) -> float | None:
        if not complete:
            return None
        return sum(float(w[key]) for w in complete) / len(complete)

    return Received(
        complete_weeks=len(complete),
        met_days=mean("met_days"),
        walking_minutes=mean("walking_minutes"),
        credited_minutes=mean("walking_minutes_credited"),
        training_sessions=mean("training_sessions"),
    )


@dataclass(frozen=True, slots=True)
class Completeness:
    days: int
    worn_days: int
    diary_days: int

    @property
    def worn_share(self) -> float | None:
        return self.worn_days / self.days if self.days else None

    @property
    def diary_share(self) -> float | None:
        return self.diary_days / self.days if self.days else None


def completeness(days: Sequence[Mapping[str, Any]]) -> Completeness:
    """Days adequately worn and days with a diary entry among the report's ``days`` — the
    rule of ``pipelines.rules.completeness`` (the Group page's), over the report's days.

    >>> c = completeness([
    ...     {"date": "2026-09-01", "status": "met", "pain": 40.0, "pain_entries": 1},
    ...     {"date": "2026-09-02", "status": "below", "pain_entries": 0},
    ...     {"date": "2026-09-03", "status": "low_wear", "painkiller": False, "pain_entries": 1},
    ...     {"date": "2026-09-04", "status": "no_data", "pain": None, "pain_entries": 0}])
    >>> c.worn_days, c.diary_days, c.worn_share, c.diary_share
    (2, 2, 0.5, 0.5)
    """
    if not days:
        return Completeness(days=0, worn_days=0, diary_days=0)
    frame = pd.DataFrame(
        {
            "date": [date.fromisoformat(str(d["date"])) for d in days],
            "status": [d.get("status", "no_data") for d in days],
            "pain_entries": [int(d.get("pain_entries") or 0) for d in days],
        }
    )
    found = completeness_rule.completeness(frame, min(frame["date"]), max(frame["date"]))
    return Completeness(days=found.days, worn_days=found.worn_days, diary_days=found.diary_days)


@dataclass(frozen=True, slots=True)
class PainLines:
    baseline: float
    reference_points: float  # baseline − reference_change
    reference_percent: float  # baseline × (1 − reference_percent / 100)
    change: float  # the reference change in points (15)
    percent: float  # the reference change in per cent (30)


def pain_lines(pain: Mapping[str, Any] | None) -> PainLines | None:
    """The baseline and the two reference lines; None without a baseline.

    >>> lines = pain_lines({"baseline": 60.0, "reference_change": 15, "reference_percent": 30})
    >>> lines.baseline, lines.reference_points, lines.reference_percent
    (60.0, 45.0, 42.0)
    """
    if pain is None or pain.get("baseline") is None:
        return None
    base = float(pain["baseline"])
    change = float(pain["reference_change"])
    percent = float(pain.get("reference_percent", 30))
    return PainLines(
        baseline=base,
        reference_points=round(base - change, 1),
        reference_percent=round(base * (1 - percent / 100), 1),
        change=change,
        percent=percent,
    )


@dataclass(frozen=True, slots=True)
class PainDay:
    day: date
    pain: float | None
    mean_7d: float | None


def pain_days(days: Sequence[Mapping[str, Any]]) -> list[PainDay]:
    """Every day of the period with its pain and trailing 7-day mean (None: none)."""
    return [
        PainDay(date.fromisoformat(d["date"]), d.get("pain"), d.get("pain_7d_mean")) for d in days
    ]
