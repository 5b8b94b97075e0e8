"""The coach alerts — the one place that decides when a participant needs a look.

As of a day ``as_of`` and with a group's ``Thresholds`` (below; stored per group by
``pipelines.store.groups``; defaults in
brackets), a participant raises:

* ``no_data`` — the last day with any data (``days.has_data``) is ≥ ``no_data_days`` (7) days
  before ``as_of``, or there is no day with data at all. Last data yesterday = 1 day.
* ``low_adherence`` — adherence over the 14 days ending ``as_of`` is below
  ``min_adherence_14d`` (0.5). Adherence is the primary, phase-free ratio of
  ``pipelines.rules.adherence``: per complete program week inside the window (one or two,
  depending on where ``as_of`` falls in the program week) min(met days ÷ weekly target
  days, 1), averaged; weeks without data count as 0. (Until issue 15 it was met / complete
  2-day blocks, which scored the same behaviour 0.5 or 1.0 depending on alignment.) No alert
  while no program week lies wholly in the window.
  Its ``reason`` separates "not worn / not synced" from "inactive": ``not_worn`` when at
  least half of the window's days that were not met (``days.status`` ≠ ``met``) were
  ``low_wear`` or ``no_data``, else ``inactive`` (the device was worn, the walking was not
  there).
* ``pain_up`` — the latest 7-day mean pain is ≥ baseline + ``pain_delta`` (20) points, i.e.
  the report's ``change_vs_baseline`` (rounded to 1 decimal, as shown) ≥ ``pain_delta``.
* ``painkiller_run`` — a painkiller run longer than ``painkiller_days`` (14) days (the
  report's ``painkiller_run_days``: calendar days from the run's first to its last "yes";
  up to 2 unanswered days in between do not end it, a written "no" does —
  ``pipelines.rules.pain``).
* ``painkiller_diary_stopped`` — the diary stopped during a painkiller run: the run was not
  ended by a "no", yet no painkiller answer came for more than 2 days after its last "yes"
  (the report's ``painkiller_diary_stopped``). The value is the days since that last "yes".

Pure: ``facts`` reads a ``days`` frame and the report for the 14-day window (``window``),
``evaluate`` applies the thresholds. The dashboard turns codes into words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

import pandas as pd

from pipelines.rules.daily import NOT_WORN  # the statuses "not worn / not synced", one place
from pipelines.rules.pain import PainRules

AlertCode = Literal[
    "no_data", "low_adherence", "pain_up", "painkiller_run", "painkiller_diary_stopped"
]
AlertReason = Literal["not_worn", "inactive"]
CODES: Final[tuple[AlertCode, ...]] = (
    "no_data",
    "low_adherence",
    "pain_up",
    "painkiller_run",
    "painkiller_diary_stopped",
)
ADHERENCE_WINDOW_DAYS: Final = 14
PAINKILLER_BRIDGE_DAYS: Final = PainRules().painkiller_bridge_days


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a participant of the group raises an alert (see ``pipelines.rules.alerts``)."""

    no_data_days: int = 7
    min_adherence_14d: float = 0.5
    pain_delta: float = 20.0
    painkiller_days: int = 14

    def __post_init__(self) -> None:
        if not 1 <= self.no_data_days <= 365:
            raise ValueError(f"no_data_days must be 1..365, got {self.no_data_days}")
        if not 0.0 < self.min_adherence_14d <= 1.0:
            raise ValueError(
                f"min_adherence_14d must be in (0, 1] (a ratio), got {self.min_adherence_14d}"
            )
        if not 0.0 < self.pain_delta <= 100.0:
            raise ValueError(f"pain_delta must be in (0, 100] pain points, got {self.pain_delta}")
        if not 1 <= self.painkiller_days <= 365:
            raise ValueError(f"painkiller_days must be 1..365, got {self.painkiller_days}")


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rule looks at, as of one day."""

    days_without_data: int | None  # days since the last day with data; None: never any
    adherence_14d: float | None  # the weekly adherence ratio in the 14-day window
    pain_change_vs_baseline: float | None  # latest 7-day mean − baseline, pain points
    painkiller_run_days: int = 0
    missed_days_14d: int = 0  # days of the 14-day window not met
    not_worn_days_14d: int = 0  # of those, days low_wear or no_data
    painkiller_days_since_last_yes: int | None = None  # set only when the diary stopped in a run


@dataclass(frozen=True, slots=True)
class Alert:
    code: AlertCode
    value: float | None  # the measured figure (None: no data at all)
    threshold: float
    reason: AlertReason | None = None  # low_adherence: not worn / not synced, or inactive


def window(as_of: date) -> tuple[date, date]:
    """The 14 days ending ``as_of`` (build the report for this range to feed ``facts``)."""
    return as_of - timedelta(days=ADHERENCE_WINDOW_DAYS - 1), as_of


def facts(days: pd.DataFrame, report: dict[str, Any], as_of: date) -> Facts:
    """The facts from the participant's ``days`` table and their report for ``window(as_of)``."""
    with_data = days.loc[days["has_data"].astype(bool) & (days["date"] <= as_of), "date"]
    pain = report.get("pain") or {}
    change = pain.get("change_vs_baseline")
    missed, not_worn = missed_days(days, as_of)
    return Facts(
        days_without_data=(as_of - max(with_data)).days if len(with_data) else None,
        adherence_14d=report["adherence"]["ratio"],
        pain_change_vs_baseline=None if change is None else float(change),
        painkiller_run_days=int(pain.get("painkiller_run_days") or 0),
        missed_days_14d=missed,
        not_worn_days_14d=not_worn,
        painkiller_days_since_last_yes=_since_last_yes(pain, as_of),
    )


def missed_days(days: pd.DataFrame, as_of: date) -> tuple[int, int]:
    """Of the 14 days ending ``as_of``: how many were not met, and how many of those were
    not worn or not synced (``low_wear`` or ``no_data``; days the table lacks: ``no_data``)."""
    start, end = window(as_of)
    dates = days["date"].tolist()
    inside = [start <= d <= end for d in dates]
    statuses = [str(s) for s, i in zip(days["status"].tolist(), inside, strict=True) if i]
    absent = ADHERENCE_WINDOW_DAYS - len(statuses)  # no row: no data
    missed = sum(s != "met" for s in statuses) + absent
    not_worn = sum(s in NOT_WORN for s in statuses) + absent
    return missed, not_worn


def _since_last_yes(pain: dict[str, Any], as_of: date) -> int | None:
    """Days from the run's last "yes" to ``as_of`` when the diary stopped during the run."""
    last = pain.get("painkiller_run_last")
    if not pain.get("painkiller_diary_stopped") or last is None:
        return None
    return (as_of - date.fromisoformat(str(last))).days


def evaluate(f: Facts, thresholds: Thresholds) -> list[Alert]:
    """The alerts ``f`` raises under ``thresholds``, in ``CODES`` order."""
    alerts: list[Alert] = []
    if f.days_without_data is None or f.days_without_data >= thresholds.no_data_days:
        value = None if f.days_without_data is None else float(f.days_without_data)
        alerts.append(Alert("no_data", value, thresholds.no_data_days))
    if f.adherence_14d is not None and f.adherence_14d < thresholds.min_adherence_14d:
        reason: AlertReason = (
            "not_worn"
            if f.missed_days_14d and 2 * f.not_worn_days_14d >= f.missed_days_14d
            else "inactive"
        )
        alerts.append(Alert("low_adherence", f.adherence_14d, thresholds.min_adherence_14d, reason))
    if f.pain_change_vs_baseline is not None:
        change = round(f.pain_change_vs_baseline, 1)
        if change >= thresholds.pain_delta:
            alerts.append(Alert("pain_up", change, thresholds.pain_delta))
    if f.painkiller_run_days > thresholds.painkiller_days:
        alerts.append(
            Alert("painkiller_run", float(f.painkiller_run_days), thresholds.painkiller_days)
        )
    if f.painkiller_days_since_last_yes is not None:
        alerts.append(
            Alert(
                "painkiller_diary_stopped",
                float(f.painkiller_days_since_last_yes),
                float(PAINKILLER_BRIDGE_DAYS),
            )
        )
    return alerts
