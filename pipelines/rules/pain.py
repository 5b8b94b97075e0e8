"""The pain rules — the one place that turns a pain diary into figures.

The guidance these figures are read against: exercise therapy lowers persistent low back
pain by about 15 points on a 0–100 scale on average (a common threshold for a meaningful
individual change, next to a 30 % fall: IMMPACT, Ostelo 2008); painkillers should be taken
for two weeks at most. Parameters are in ``PainRules`` (defaults below). Input: one
participant's per-day frame (``date``, ``pain`` 0–100 or NaN — the mean of the day's
entries —, ``flare_up`` and ``painkiller`` bool or <NA>, ``walking_minutes``,
``has_data``), one row per local day. Rows may come in any order; a calendar day missing
from the frame is a day without diary entry and without activity data. A day *has an
entry* when its ``pain_entries`` (optional column, the daily join's) is above 0 — else
when its ``pain``, ``flare_up`` or ``painkiller`` is filled in.

* **Start.** The effective program start (``pipelines.rules.participants.effective_start``,
  the one rule every figure counts from): the program start when set; else the first day
  with a diary entry — never the first day of activity data (an export may reach back
  years before the diary began). Without a diary there is nothing to measure: a start
  that only activity data gives (``first_data_day``) is no pain start (no baseline
  window, no flare-up rates).
* **Baseline** = mean pain over the days with a pain value in the ``baseline_days`` (14)
  days *before* the start when at least ``baseline_min_entries`` (4) of them have one;
  else over the first 14 program days (the start and the 13 days after it). Fewer than 4
  days with a value there too → no baseline (one low entry must not become the level
  every later day is measured against). ``baseline_n`` is the number of days it rests on.
  Rounded to 1 decimal, and the rounded figure is the one the rules use.
* **7-day mean**: the mean pain of the 7 calendar days ending on a day, over the days with
  a value, given only when at least ``rolling_min_values`` (3) days have one.
  ``latest_7d_mean`` is the window ending at ``as_of`` — no stale figure when the diary
  stopped. Change vs baseline = latest 7-day mean − baseline (negative = better), and in
  per cent of the baseline.
* **Reached** (the 15-point and the 30 % criterion, each on its own): only from the
  **14-day mean** (the 14 calendar days ending on the day, ≥ ``reached_min_values`` (7)
  days with a value): reached when it is at least ``reference_change`` (15) points below
  the baseline, and — separately — at least ``reference_percent`` (30) % below it. A
  single good week does not count. Compared after rounding to 1 decimal, so the figure
  shown decides: −15.0 reaches it, −14.9 does not.
* **Week** (ISO, "2024-W18"): mean pain over the days with a value, ``n_days`` of them,
  ``change_vs_baseline`` = mean − baseline; ``mean_14d`` the 14-day mean ending on the
  week's last day, and the two criteria (``reaches_reference``, ``reaches_30_percent``)
  from it.
* **Usual level** of a day: the median pain of the ``usual_days`` (28) days before it
  when at least ``usual_min_values`` (7) of them have a value; else the baseline. It
  follows the person: after improvement, "usual" is the new, lower level.
* **Detected flare-up day** (``flare_detected``, kept apart from the person's own flag
  ``flare_up``): a day whose pain is at least ``flare_delta`` (20) points above its usual
  level, or at least ``flare_percent`` (30) % above it (and then by at least
  ``flare_min_rise`` (10) points — one step of a 0–10 diary — so a usual level near 0 does
  not make every small rise a flare-up), on at least ``flare_min_days`` (2) such days in a
  row; up to ``flare_bridge_days`` (1) days without a pain value between two of them do not
  break the row, a written day that is not high does. Without a usual level nothing is
  detected. Patients read these days as "pain clearly above your usual level", and
  "flare-up" only for their own flags.
* **Episode**: a run of consecutive flare-up days (flagged or detected). Up to
  ``flare_bridge_days`` (1) days *without any entry* between two flare-up days do not end
  it; a written day that is not a flare-up day ends it.
* **Rate**: episodes *starting* in a period per 3 months (91.3 days) of calendar days;
  none for a period shorter than ``min_rate_days`` (28). The first ``flare_baseline_days``
  (28) days from the start against the days after them up to ``as_of``; ratio = after /
  baseline.
* **Painkiller run**: the days with painkiller "yes" around the last "yes" on or before
  ``as_of``: going back from it, up to ``painkiller_bridge_days`` (2) days in a row without
  a painkiller answer do not end the run (people do not write every day), a written "no"
  does, and so do 3 unanswered days. ``painkiller_run_days`` = calendar days from the
  run's first to its last "yes". The run is over (0) when a "no" was written after its last
  "yes". Warning when it is longer than ``painkiller_max_days`` (14 → no, 15 → yes).
  ``painkiller_diary_stopped``: the run has not been ended by a "no", yet more than
  ``painkiller_bridge_days`` days after its last "yes" (up to ``as_of``) have no answer —
  nobody knows whether the person still takes them; the coach is told.
* **Lag correlations** (k = 0..3): pain and walking trend together over a program (pain
  falls while walking rises), so a correlation of the raw series shows the trends, not a
  link. Both series are **detrended** first: each day's value minus the mean of the known
  values in the centred ``detrend_days`` (21) window around it (at least
  ``detrend_min_values`` (11) known; pain: written days, walking: days with activity
  data). Spearman's rho between the walking deviation on day d − k and the pain deviation
  on day d, over every such pair; ``n`` pairs. No rho below ``min_pairs`` (28) pairs or
  when either side is constant; average ranks for ties. The interval (``low``, ``high``):
  a moving-block bootstrap of the pairs (blocks of ``bootstrap_block_days`` (7) pairs,
  ``bootstrap_samples`` (1000) resamples — enough for a standard error —, a fixed seed:
  the same data give the same interval) gives rho's standard error on Fisher's z scale,
  never less than Bonett and Wright's (2000) sqrt((1 + rho²/2) / (n − 3)) for independent
  pairs, which a bootstrap of a few dozen pairs tends to undercut; the interval is rho ±
  the normal quantile of 95 % corrected for the four lags (Bonferroni: 1 − 0.05 / 8 →
  2.50) times it, back on the rho scale. ``verdict``: ``more_walking_less_pain`` (rho < 0) or
  ``more_walking_more_pain`` (rho > 0) only when |rho| ≥ ``link_min_rho`` (0.4) **and**
  the interval excludes 0; else ``no_clear_link``. On independent noise (6 weeks) about
  3 % of people get a link at some lag (tests/pipelines/test_pain.py simulates it). An
  association in one person's data, not an effect of walking: pain may keep someone from
  walking as much as walking may ease it.

* **Summary** (``summarize``) as of ``as_of``, from the rows on or before it: baseline
  with its ``baseline_n``, latest 7-day mean and its change, the 14-day mean and the two
  criteria; ``flare_ups_per_3_months`` is the rate *after* the flare-up baseline period and
  ``flare_ups_per_3_months_baseline`` the rate in it; the painkiller run, its warning and
  whether the diary stopped during it; the lag correlations over all those rows.

Figures are rounded where they are made: pain to 1 decimal, rates and ratios to 2, rho to 3.
Per-day results (``rolling_mean``, ``flare_days``, ``flare_detected``) are Series on the
input's rows (same index, same order); ``weekly`` has every ISO week the frame touches
(``n_days`` 0 and no mean for a week without values).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd

from pipelines.rules.participants import effective_start, written

DAYS_PER_3_MONTHS = 91.3


@dataclass(frozen=True, slots=True)
class PainRules:
    """The pain rules' parameters (see the module doc for what each one decides)."""

    baseline_days: int = 14  # the 14 days before the start, else the first 14 program days
    baseline_min_entries: int = 4  # no baseline from fewer days with a pain value
    reference_change: float = 15.0  # average effect of exercise therapy; meaningful change
    reference_percent: float = 30.0  # the usual relative threshold (IMMPACT)
    reached_days: int = 14  # "reached" only from a 14-day mean ...
    reached_min_values: int = 7  # ... with at least 7 days with a value
    usual_days: int = 28  # usual level = median of the 28 days before a day ...
    usual_min_values: int = 7  # ... with ≥ 7 values, else the baseline
    flare_delta: float = 20.0  # detected: pain ≥ usual + 20 ...
    flare_percent: float = 30.0  # ... or ≥ usual × 1.3 ...
    flare_min_rise: float = 10.0  # ... (and then at least 10 points above it) ...
    flare_min_days: int = 2  # ... on ≥ 2 days in a row
    flare_bridge_days: int = 1  # unwritten days that do not break a row / end an episode
    flare_baseline_days: int = 28  # the flare-up rate's baseline period
    min_rate_days: int = 28  # no rate for a shorter period
    painkiller_max_days: int = 14  # warn when a run of painkiller days is longer
    painkiller_bridge_days: int = 2  # unanswered days that do not end a painkiller run
    rolling_days: int = 7  # trailing mean window (calendar days)
    rolling_min_values: int = 3  # days with a value the window needs
    max_lag_days: int = 3  # lags 0..3
    min_pairs: int = 28  # correlations only with ≥ 28 pairs of day-to-day changes
    link_min_rho: float = 0.4  # a link needs |rho| ≥ 0.4 ...
    link_confidence: float = 0.95  # ... and a 95 % interval (Bonferroni over the lags) without 0
    detrend_days: int = 21  # each day against the mean of the centred 21-day window ...
    detrend_min_values: int = 11  # ... with ≥ 11 known days (more than half)
    bootstrap_samples: int = 1000  # the standard error, not the tails: 1000 suffice
    bootstrap_block_days: int = 7  # moving blocks of a week of pairs
    bootstrap_seed: int = 20160  # fixed: the same data give the same interval

    def __post_init__(self) -> None:
        positive = {
            "baseline_days": self.baseline_days,
            "baseline_min_entries": self.baseline_min_entries,
            "reached_days": self.reached_days,
            "reached_min_values": self.reached_min_values,
            "usual_days": self.usual_days,
            "usual_min_values": self.usual_min_values,
            "flare_min_days": self.flare_min_days,
            "flare_baseline_days": self.flare_baseline_days,
            "min_rate_days": self.min_rate_days,
            "rolling_days": self.rolling_days,
            "rolling_min_values": self.rolling_min_values,
            "min_pairs": self.min_pairs,
            "detrend_days": self.detrend_days,
            "detrend_min_values": self.detrend_min_values,
            "bootstrap_samples": self.bootstrap_samples,
            "bootstrap_block_days": self.bootstrap_block_days,
        }
        for name, value in positive.items():
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        for values, window in (
            ("rolling_min_values", "rolling_days"),
            ("reached_min_values", "reached_days"),
            ("usual_min_values", "usual_days"),
            ("baseline_min_entries", "baseline_days"),
            ("detrend_min_values", "detrend_days"),
        ):
            if getattr(self, values) > getattr(self, window):
                raise ValueError(
                    f"{values} ({getattr(self, values)}) cannot exceed {window} "
                    f"({getattr(self, window)})"
                )
        bridges = (
            self.flare_bridge_days,
            self.max_lag_days,
            self.painkiller_max_days,
            self.painkiller_bridge_days,
        )
        if min(bridges) < 0:
            raise ValueError(
                "flare_bridge_days, max_lag_days, painkiller_max_days and "
                "painkiller_bridge_days must be ≥ 0"
            )
        if min(self.reference_change, self.reference_percent, self.flare_delta) <= 0:
            raise ValueError("reference_change, reference_percent and flare_delta must be positive")
        if self.flare_percent <= 0 or self.flare_min_rise < 0:
            raise ValueError("flare_percent must be positive and flare_min_rise ≥ 0")
        if not 0.0 < self.link_min_rho <= 1.0 or not 0.0 < self.link_confidence < 1.0:
            raise ValueError("link_min_rho must be in (0, 1] and link_confidence in (0, 1)")
        if self.min_pairs < 3:
            raise ValueError(f"min_pairs must be at least 3, got {self.min_pairs}")


DEFAULT_RULES = PainRules()


Verdict = Literal["no_clear_link", "more_walking_less_pain", "more_walking_more_pain"]
VERDICTS: tuple[Verdict, ...] = (
    "no_clear_link",
    "more_walking_less_pain",
    "more_walking_more_pain",
)


@dataclass(frozen=True, slots=True)
class LagCorrelation:
    """Spearman's rho between the detrended walking on day d − ``lag_days`` and the
    detrended pain on day d, with its bootstrap interval and the verdict (module doc)."""

    lag_days: int
    rho: float | None
    n: int
    low: float | None = None
    high: float | None = None
    verdict: Verdict = "no_clear_link"


@dataclass(frozen=True, slots=True)
class FlareRates:
    """Flare-up episodes per 3 months in the baseline period and after it."""

    baseline_period: tuple[date, date]
    after_period: tuple[date, date] | None
    baseline_per_3_months: float | None
    after_per_3_months: float | None
    ratio: float | None  # after / baseline; 0.5 = halved; None when either is missing or 0


@dataclass(frozen=True, slots=True)
class Baseline:
    """The baseline, the days with a value it rests on, and its window."""

    value: float | None  # None: fewer than ``baseline_min_entries`` days with a value
    n: int  # days with a pain value in the window
    window: tuple[date, date] | None  # None: no start


@dataclass(frozen=True, slots=True)
class PainkillerRun:
    """The painkiller run around the last "yes" on or before a day."""

    days: int  # calendar days from its first to its last "yes"; 0: no run
    first: date | None
    last: date | None
    diary_stopped: bool  # not ended by a "no", but no answer for > bridge days since


@dataclass(frozen=True, slots=True)
class Reached:
    """The 14-day mean against the baseline, with both criteria."""

    mean_14d: float | None
    change: float | None  # mean_14d − baseline, points
    change_percent: float | None  # change / baseline × 100
    reached_points: bool  # change ≤ −reference_change
    reached_percent: bool  # change_percent ≤ −reference_percent


@dataclass(frozen=True, slots=True)
class PainSummary:
    baseline: float | None
    latest_7d_mean: float | None
    change_vs_baseline: float | None
    flare_ups_per_3_months: float | None  # after the flare-up baseline period
    flare_ups_per_3_months_baseline: float | None
    painkiller_run_days: int
    painkiller_warning: bool
    lag_correlations: list[LagCorrelation]
    baseline_n: int = 0
    baseline_window: tuple[date, date] | None = None
    change_vs_baseline_percent: float | None = None
    reached: Reached = Reached(None, None, None, False, False)
    painkiller_run_first: date | None = None
    painkiller_run_last: date | None = None
    painkiller_diary_stopped: bool = False


# --------------------------------------------------------------------------- input


def _calendar(days: pd.DataFrame) -> pd.DataFrame:
    """Every calendar day from the first to the last row, indexed by date, in order.

    Days the frame lacks have nothing known: no pain, no answers, no activity data.
    Built from day numbers with numpy (no reindexing): the coach overview calls this for
    every member of a group.
    """
    columns = ["pain", "flare_up", "painkiller", "walking_minutes", "has_data"]
    present = [c for c in columns if c in days.columns]
    if days.empty:
        return pd.DataFrame(columns=present, index=pd.Index([], name="date", dtype=object))
    dates = list(days["date"])
    if len(set(dates)) != len(dates):
        repeated = sorted(d for d, count in Counter(dates).items() if count > 1)
        raise ValueError(
            f"one row per day expected; repeated: {', '.join(map(str, repeated[:5]))} "
            "(average the day's entries first: pipelines.rules.diary.per_day)"
        )
    first, last = min(dates), max(dates)
    span = (last - first).days + 1
    at = np.fromiter((d.toordinal() for d in dates), dtype=np.int64, count=len(dates))
    at -= first.toordinal()
    index = pd.Index([first + timedelta(days=i) for i in range(span)], name="date", dtype=object)
    out: dict[str, object] = {}
    if "pain" in present:
        pain = np.full(span, np.nan)
        pain[at] = pd.to_numeric(days["pain"]).to_numpy(dtype="float64", na_value=np.nan)
        bad = np.flatnonzero((pain < 0) | (pain > 100))
        if len(bad):
            raise ValueError(
                f"pain must be on the 0–100 scale; {index[bad[0]]} has {pain[bad[0]]} "
                "(0–10 diaries are multiplied by 10 when read)"
            )
        out["pain"] = pain
    for column in ("flare_up", "painkiller"):
        if column in present:
            answers = days[column].astype("boolean")
            values, unknown = np.zeros(span, dtype=bool), np.ones(span, dtype=bool)
            values[at] = answers.to_numpy(dtype=bool, na_value=False)
            unknown[at] = answers.isna().to_numpy()
            out[column] = pd.arrays.BooleanArray(values, unknown)
    if "walking_minutes" in present:
        walking = np.zeros(span)
        walking[at] = pd.to_numeric(days["walking_minutes"]).to_numpy(
            dtype="float64", na_value=np.nan
        )
        out["walking_minutes"] = walking
    if "has_data" in present:
        has_data = np.zeros(span, dtype=bool)
        has_data[at] = days["has_data"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        out["has_data"] = has_data
    if "pain_entries" in days.columns:
        entries = np.zeros(span, dtype=np.int64)
        entries[at] = pd.to_numeric(days["pain_entries"]).fillna(0).to_numpy(dtype=np.int64)
        out["pain_entries"] = entries
    return pd.DataFrame(out, index=index)


def _has_entry(calendar: pd.DataFrame) -> pd.Series:
    """Bool per day: the person wrote an entry (``participants.written``)."""
    return pd.Series(written(calendar), index=calendar.index)


def _true(values: pd.Series) -> pd.Series:
    """Bool per day: the answer was yes (missing answers are not yes)."""
    return values.astype("boolean").fillna(False).astype(bool)


def _aligned(per_date: pd.Series, days: pd.DataFrame) -> pd.Series:
    """A per-calendar-day result back on the input's rows (same index, same order)."""
    values = per_date.reindex(list(days["date"])).to_numpy()
    return pd.Series(values, index=days.index, name=per_date.name, dtype=per_date.dtype)


def _within(dates: Iterable[date], first: date | None, last: date) -> np.ndarray:
    """Bool per date: ``first`` ≤ date ≤ ``last`` (no lower bound when ``first`` is None)."""
    return np.array([(first is None or first <= d) and d <= last for d in dates], dtype=bool)


# ------------------------------------------------------------------------ baseline


def anchor(days: pd.DataFrame, program_start: date | None) -> date | None:
    """The start: the program start, else the first day with a diary entry."""
    if program_start is not None:
        return program_start
    return _anchor(_calendar(days), None)


def _anchor(calendar: pd.DataFrame, program_start: date | None) -> date | None:
    start = effective_start(calendar, program_start)
    if start is None or start.source == "first_data_day":  # no diary: nothing to measure
        return None
    return start.date


def baseline(
    days: pd.DataFrame, program_start: date | None, rules: PainRules = DEFAULT_RULES
) -> float | None:
    """The baseline value (1 decimal), None with too few days with a value."""
    return baseline_window(days, program_start, rules).value


def baseline_window(
    days: pd.DataFrame, program_start: date | None, rules: PainRules = DEFAULT_RULES
) -> Baseline:
    """The baseline with the number of days it rests on and its window."""
    calendar = _calendar(days)
    return _baseline(calendar, _anchor(calendar, program_start), rules)


def _baseline(calendar: pd.DataFrame, start: date | None, rules: PainRules) -> Baseline:
    if start is None:
        return Baseline(None, 0, None)
    before = (start - timedelta(days=rules.baseline_days), start - timedelta(days=1))
    program = (start, start + timedelta(days=rules.baseline_days - 1))
    for first, last in (before, program):
        values = calendar.loc[_within(calendar.index, first, last), "pain"].dropna()
        if len(values) >= rules.baseline_min_entries:
            return Baseline(round(float(values.mean()), 1), len(values), (first, last))
    return Baseline(None, len(values), program)


# -------------------------------------------------------------------- trends


def _rolling(calendar: pd.DataFrame, rules: PainRules) -> pd.Series:
    means = calendar["pain"].rolling(rules.rolling_days, min_periods=rules.rolling_min_values)
    return means.mean().round(1).rename("pain_7d_mean")


def rolling_mean(days: pd.DataFrame, rules: PainRules = DEFAULT_RULES) -> pd.Series:
    """Trailing ``rolling_days`` calendar-day mean pain per row of ``days`` (NaN: too few)."""
    if days.empty:
        return pd.Series(index=days.index, dtype="float64", name="pain_7d_mean")
    return _aligned(_rolling(_calendar(days), rules), days)


def latest_mean(days: pd.DataFrame, as_of: date, rules: PainRules = DEFAULT_RULES) -> float | None:
    """The trailing mean of the window ending on ``as_of`` (None: too few values)."""
    return _latest_mean(_calendar(days), as_of, rules)


def _latest_mean(calendar: pd.DataFrame, as_of: date, rules: PainRules) -> float | None:
    return _window_mean(calendar, as_of, rules.rolling_days, rules.rolling_min_values)


def _window_mean(calendar: pd.DataFrame, as_of: date, length: int, min_values: int) -> float | None:
    """Mean pain of the ``length`` calendar days ending ``as_of``; None below ``min_values``."""
    first = as_of - timedelta(days=length - 1)
    window = calendar.loc[_within(calendar.index, first, as_of), "pain"].dropna()
    if len(window) < min_values:
        return None
    return round(float(window.mean()), 1)  # at least min_values ≥ 1 values: a number


def _percent(change: float | None, base: float | None) -> float | None:
    """``change`` in per cent of ``base`` (1 decimal); None without both or at a baseline 0."""
    if change is None or base is None or base == 0:
        return None
    return round(change / base * 100.0, 1)


def _reached(mean: float | None, base: float | None, rules: PainRules) -> Reached:
    change = round(mean - base, 1) if mean is not None and base is not None else None
    percent = _percent(change, base)
    return Reached(
        mean_14d=mean,
        change=change,
        change_percent=percent,
        reached_points=change is not None and change <= -rules.reference_change,
        reached_percent=percent is not None and percent <= -rules.reference_percent,
    )


def reached(
    days: pd.DataFrame, base: float | None, as_of: date, rules: PainRules = DEFAULT_RULES
) -> Reached:
    """The 14-day mean ending ``as_of`` against ``base``: both criteria (module doc)."""
    calendar = _calendar(days.loc[_within(days["date"], None, as_of)])
    mean = _window_mean(calendar, as_of, rules.reached_days, rules.reached_min_values)
    return _reached(mean, base, rules)


def weekly(
    days: pd.DataFrame, base: float | None, rules: PainRules = DEFAULT_RULES
) -> pd.DataFrame:
    """Per ISO week: mean pain, days with a value, change vs baseline, and the 14-day mean
    ending on the week's last day with the two criteria from it."""
    columns = [
        "week",
        "mean_pain",
        "n_days",
        "change_vs_baseline",
        "mean_14d",
        "reaches_reference",
        "reaches_30_percent",
    ]
    calendar = _calendar(days)
    if calendar.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({"pain": calendar["pain"].to_numpy()})
    frame["week"] = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in calendar.index]
    grouped = frame.groupby("week", sort=True)["pain"]
    out = pd.DataFrame(
        {"mean_pain": grouped.mean().round(1), "n_days": grouped.count().astype("int64")}
    ).reset_index()
    if base is None:
        out["change_vs_baseline"] = np.nan
    else:
        out["change_vs_baseline"] = (out["mean_pain"] - base).round(1)
    sundays = [date.fromisocalendar(int(w[:4]), int(w[6:]), 7) for w in out["week"]]
    results = [
        _reached(
            _window_mean(calendar, sunday, rules.reached_days, rules.reached_min_values),
            base,
            rules,
        )
        for sunday in sundays
    ]
    out["mean_14d"] = [np.nan if r.mean_14d is None else r.mean_14d for r in results]
    out["reaches_reference"] = [r.reached_points for r in results]
    out["reaches_30_percent"] = [r.reached_percent for r in results]
    return out[columns]


# ---------------------------------------------------------------------- flare-ups


def usual_level(calendar_pain: np.ndarray, base: float | None, rules: PainRules) -> np.ndarray:
    """Per calendar day: the median pain of the ``usual_days`` days before it with at least
    ``usual_min_values`` values, else ``base`` (NaN without either)."""
    n = len(calendar_pain)
    usual = np.full(n, np.nan if base is None else float(base))
    padded = np.concatenate([np.full(rules.usual_days, np.nan), calendar_pain])
    windows = np.lib.stride_tricks.sliding_window_view(padded, rules.usual_days)[:n]
    enough = (~np.isnan(windows)).sum(axis=1) >= rules.usual_min_values
    if enough.any():
        usual[enough] = np.nanmedian(windows[enough], axis=1)
    return usual


def _detected_calendar(calendar: pd.DataFrame, base: float | None, rules: PainRules) -> pd.Series:
    pain_values = calendar["pain"].to_numpy(dtype="float64")
    usual = usual_level(pain_values, base, rules)
    rise = np.round(pain_values - usual, 6)  # NaN (no value or no usual level) is not high
    relative = np.round(usual * rules.flare_percent / 100.0, 6)
    high = (rise >= rules.flare_delta) | ((rise >= relative) & (rise >= rules.flare_min_rise))
    detected = np.zeros(len(calendar), dtype=bool)
    written = np.flatnonzero(~np.isnan(pain_values))
    run: list[int] = []
    for position in written:
        joins = run and high[position] and position - run[-1] - 1 <= rules.flare_bridge_days
        if not joins:
            if len(run) >= rules.flare_min_days:
                detected[run] = True
            run = []
        if high[position]:
            run.append(int(position))
    if len(run) >= rules.flare_min_days:
        detected[run] = True
    return pd.Series(detected, index=calendar.index, name="flare_detected")


def _flare_calendar(calendar: pd.DataFrame, base: float | None, rules: PainRules) -> pd.Series:
    flagged = _true(calendar["flare_up"]) if "flare_up" in calendar else False
    detected = _detected_calendar(calendar, base, rules)
    return (detected | flagged).astype(bool).rename("flare_up")


def flare_detected(
    days: pd.DataFrame, base: float | None, rules: PainRules = DEFAULT_RULES
) -> pd.Series:
    """Per row of ``days``: pain clearly above the usual level (detected, not the person's
    flag); ``base`` is the baseline, the usual level while the diary is young."""
    if days.empty:
        return pd.Series(index=days.index, dtype=bool, name="flare_detected")
    return _aligned(_detected_calendar(_calendar(days), base, rules), days)


def flare_days(
    days: pd.DataFrame, base: float | None, rules: PainRules = DEFAULT_RULES
) -> pd.Series:
    """Per row of ``days``: a flare-up day (flagged by the person, or detected)."""
    if days.empty:
        return pd.Series(index=days.index, dtype=bool, name="flare_up")
    return _aligned(_flare_calendar(_calendar(days), base, rules), days)


def flare_episodes(
    days: pd.DataFrame, flags: pd.Series, rules: PainRules = DEFAULT_RULES
) -> list[tuple[date, date]]:
    """Episodes (first day, last day) of flare-up days; ``flags`` aligned with ``days``."""
    if days.empty:
        return []
    flare_dates = {d for d, f in zip(days["date"], flags.to_numpy(), strict=True) if bool(f)}
    calendar = _calendar(days)
    written = set(calendar.index[_has_entry(calendar).to_numpy()])
    episodes: list[tuple[date, date]] = []
    for day in sorted(flare_dates):
        if episodes:
            first, last = episodes[-1]
            gap = [last + timedelta(days=i) for i in range(1, (day - last).days)]
            if len(gap) <= rules.flare_bridge_days and not written.intersection(gap):
                episodes[-1] = (first, day)
                continue
        episodes.append((day, day))
    return episodes


def flare_rate(
    episodes: Sequence[tuple[date, date]],
    start: date,
    end: date,
    rules: PainRules = DEFAULT_RULES,
) -> float | None:
    """Episodes starting in ``[start, end]`` per 3 months; None below ``min_rate_days``."""
    length = (end - start).days + 1
    if length < rules.min_rate_days:
        return None
    count = sum(1 for first, _ in episodes if start <= first <= end)
    return round(count * DAYS_PER_3_MONTHS / length, 2)


def flare_rate_change(
    episodes: Sequence[tuple[date, date]],
    start: date,
    as_of: date,
    rules: PainRules = DEFAULT_RULES,
) -> FlareRates:
    """The first ``flare_baseline_days`` from ``start`` against the days after, to ``as_of``."""
    baseline_end = start + timedelta(days=rules.flare_baseline_days - 1)
    baseline_period = (start, min(baseline_end, as_of))
    after_start = baseline_end + timedelta(days=1)
    after_period = (after_start, as_of) if as_of >= after_start else None
    before = flare_rate(episodes, *baseline_period, rules)  # None when as_of < start: no days
    after = flare_rate(episodes, *after_period, rules) if after_period else None
    ratio = round(after / before, 2) if before and after is not None else None
    return FlareRates(baseline_period, after_period, before, after, ratio)


# ---------------------------------------------------------------------- painkillers


def painkiller_run(days: pd.DataFrame, as_of: date, rules: PainRules = DEFAULT_RULES) -> int:
    """Calendar days from the first to the last "yes" of the run on or before ``as_of``."""
    return painkiller_status(days, as_of, rules).days


def painkiller_status(
    days: pd.DataFrame, as_of: date, rules: PainRules = DEFAULT_RULES
) -> PainkillerRun:
    """The run around the last "yes" on or before ``as_of`` (module doc)."""
    return _painkiller_run(_calendar(days), as_of, rules)


def _painkiller_run(calendar: pd.DataFrame, as_of: date, rules: PainRules) -> PainkillerRun:
    none = PainkillerRun(0, None, None, False)
    if calendar.empty or "painkiller" not in calendar:
        return none
    upto = calendar.loc[_within(calendar.index, None, as_of), "painkiller"]
    answered = upto.notna().to_numpy()  # notna() is a bool Series
    said_yes = _true(upto).to_numpy()
    yes = np.flatnonzero(said_yes)
    if not len(yes):
        return none
    last = int(yes[-1])
    if answered[last + 1 :].any():
        return none  # a written "no" after the last "yes" ended the run
    first, unanswered = last, 0
    for i in range(last - 1, -1, -1):
        if not answered[i]:
            unanswered += 1
            if unanswered > rules.painkiller_bridge_days:
                break
            continue
        if not said_yes[i]:
            break
        first, unanswered = i, 0
    dates = upto.index
    last_day = dates[last]
    stopped = (as_of - last_day).days > rules.painkiller_bridge_days
    return PainkillerRun((last_day - dates[first]).days + 1, dates[first], last_day, stopped)


def painkiller_warning(run_days: int, rules: PainRules = DEFAULT_RULES) -> bool:
    """True when the run is longer than ``painkiller_max_days`` (14 → no, 15 → yes)."""
    return run_days > rules.painkiller_max_days


# -------------------------------------------------------------------- associations


def _rho_of_rows(x: np.ndarray, y: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Spearman's rho (average ranks for ties) of ``x[row], y[row]`` for each row of
    ``index``; NaN where a side is constant.

    Ranks by counting (no sorting per row): the values' levels are fixed, so a value's
    average rank in a row is the number of smaller values there plus half its ties.
    """
    rows, n = index.shape
    out = []
    for values in (x, y):
        levels, level = np.unique(values, return_inverse=True)
        chosen = level[index]  # (rows, n) level of each drawn value
        flat = (np.arange(rows)[:, None] * len(levels) + chosen).ravel()
        counts = np.bincount(flat, minlength=rows * len(levels)).reshape(rows, len(levels))
        below = np.cumsum(counts, axis=1) - counts
        average = below + (counts + 1) / 2.0
        ranks = np.take_along_axis(average, chosen, axis=1)
        out.append(ranks - (n + 1) / 2.0)
    rx, ry = out
    sxx = np.einsum("ij,ij->i", rx, rx)
    syy = np.einsum("ij,ij->i", ry, ry)
    sxy = np.einsum("ij,ij->i", rx, ry)
    constant = (sxx == 0) | (syy == 0)
    rho = sxy / np.sqrt(np.where(constant, 1.0, sxx * syy))
    rho[constant] = np.nan
    return np.clip(rho, -1.0, 1.0)


def _spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rho: Pearson's r of average ranks; None when a side is constant."""
    rho = float(_rho_of_rows(x, y, np.arange(len(x))[None, :])[0])
    return None if math.isnan(rho) else round(rho, 3)


def _interval(
    x: np.ndarray, y: np.ndarray, lag: int, rules: PainRules
) -> tuple[float | None, float | None]:
    """Moving-block bootstrap interval of rho, Bonferroni-corrected over the lags."""
    n = len(x)
    block = min(rules.bootstrap_block_days, n)
    blocks = -(-n // block)
    rng = np.random.default_rng([rules.bootstrap_seed, lag, n])
    starts = rng.integers(0, n - block + 1, size=(rules.bootstrap_samples, blocks))
    index = (starts[:, :, None] + np.arange(block)).reshape(rules.bootstrap_samples, -1)[:, :n]
    rhos = _rho_of_rows(x, y, index)
    rhos = rhos[~np.isnan(rhos)]
    rho = float(_rho_of_rows(x, y, np.arange(n)[None, :])[0])
    if len(rhos) < 2 or math.isnan(rho):
        return None, None
    # on Fisher's z scale, where rho's spread barely depends on rho: the bootstrap gives the
    # standard error, the normal quantile the (Bonferroni-corrected) width
    z = np.arctanh(np.clip(rhos, -0.9999, 0.9999))
    # never narrower than Bonett & Wright's (2000) standard error of Spearman's z for
    # independent pairs: a bootstrap of a few dozen pairs underestimates the spread
    se = max(float(np.std(z, ddof=1)), math.sqrt((1.0 + rho * rho / 2.0) / max(n - 3, 1)))
    alpha = (1.0 - rules.link_confidence) / (rules.max_lag_days + 1)
    width = NormalDist().inv_cdf(1.0 - alpha / 2.0) * se
    centre = math.atanh(max(-0.9999, min(0.9999, rho)))
    return round(math.tanh(centre - width), 3), round(math.tanh(centre + width), 3)


def _verdict(rho: float | None, low: float | None, high: float | None, rules: PainRules) -> Verdict:
    if rho is None or low is None or high is None or abs(rho) < rules.link_min_rho:
        return "no_clear_link"
    if rho < 0 and high < 0:
        return "more_walking_less_pain"
    if rho > 0 and low > 0:
        return "more_walking_more_pain"
    return "no_clear_link"


def _detrended(values: np.ndarray, known: np.ndarray, rules: PainRules) -> np.ndarray:
    """Per day: the value minus the mean of the known values of the centred
    ``detrend_days`` window around it; NaN for an unknown day or a window with fewer than
    ``detrend_min_values`` known values."""
    series = pd.Series(np.where(known, values, np.nan))
    local = series.rolling(rules.detrend_days, center=True, min_periods=rules.detrend_min_values)
    return (series - local.mean()).to_numpy(dtype="float64")


def lag_correlations(days: pd.DataFrame, rules: PainRules = DEFAULT_RULES) -> list[LagCorrelation]:
    """Per lag 0..``max_lag_days``: rho between detrended walking on day d − k and
    detrended pain on day d, its interval and the verdict (module doc).

    An association within one person's diary and watch data, not an effect of walking:
    pain may keep someone from walking as much as walking may ease it.
    """
    calendar = _calendar(days)
    if calendar.empty:
        return [LagCorrelation(lag, None, 0) for lag in range(rules.max_lag_days + 1)]
    pain_values = calendar["pain"].to_numpy(dtype="float64")
    pain_deviation = _detrended(pain_values, ~np.isnan(pain_values), rules)
    walking = calendar["walking_minutes"].to_numpy(dtype="float64")
    walking_deviation = _detrended(walking, calendar["has_data"].to_numpy(dtype=bool), rules)
    out = []
    for lag in range(rules.max_lag_days + 1):
        earlier = np.full(len(walking_deviation), np.nan)
        earlier[lag:] = walking_deviation[: len(walking_deviation) - lag]
        paired = ~np.isnan(pain_deviation) & ~np.isnan(earlier)
        n = int(paired.sum())
        if n < rules.min_pairs:
            out.append(LagCorrelation(lag, None, n))
            continue
        x, y = earlier[paired], pain_deviation[paired]
        rho = _spearman(x, y)
        low, high = _interval(x, y, lag, rules) if rho is not None else (None, None)
        out.append(LagCorrelation(lag, rho, n, low, high, _verdict(rho, low, high, rules)))
    return out


# ----------------------------------------------------------------------- summary


def change_vs_baseline(
    days: pd.DataFrame,
    program_start: date | None,
    as_of: date,
    rules: PainRules = DEFAULT_RULES,
) -> tuple[float | None, float | None, float | None]:
    """(baseline, latest 7-day mean, their difference) as of ``as_of``."""
    calendar = _calendar(days.loc[_within(days["date"], None, as_of)])
    base, latest, change = _change(calendar, program_start, as_of, rules)
    return base.value, latest, change


def _change(
    calendar: pd.DataFrame, program_start: date | None, as_of: date, rules: PainRules
) -> tuple[Baseline, float | None, float | None]:
    base = _baseline(calendar, _anchor(calendar, program_start), rules)
    latest = _latest_mean(calendar, as_of, rules)
    change = (
        round(latest - base.value, 1) if latest is not None and base.value is not None else None
    )
    return base, latest, change


def overview(
    days: pd.DataFrame,
    program_start: date | None,
    as_of: date,
    rules: PainRules = DEFAULT_RULES,
) -> tuple[float | None, PainkillerRun]:
    """(change vs baseline, painkiller run) as of ``as_of`` — the pain figures a coach's
    group overview shows per member — from one calendar of the rows up to ``as_of``.
    Equal to ``change_vs_baseline(...)[2]`` and ``painkiller_status(...)``."""
    calendar = _calendar(days.loc[_within(days["date"], None, as_of)])
    change = _change(calendar, program_start, as_of, rules)[2]
    return change, _painkiller_run(calendar, as_of, rules)


def summarize(
    days: pd.DataFrame,
    program_start: date | None,
    as_of: date,
    rules: PainRules = DEFAULT_RULES,
) -> PainSummary:
    """Every pain figure as of ``as_of``, from the rows on or before it."""
    history = days.loc[_within(days["date"], None, as_of)]
    calendar = _calendar(history)
    base, latest, change = _change(calendar, program_start, as_of, rules)
    start = _anchor(calendar, program_start)
    after = before = None
    if start is not None and start <= as_of:
        flags = flare_days(history, base.value, rules)
        rates = flare_rate_change(flare_episodes(history, flags, rules), start, as_of, rules)
        before, after = rates.baseline_per_3_months, rates.after_per_3_months
    run = _painkiller_run(calendar, as_of, rules)
    mean_14d = _window_mean(calendar, as_of, rules.reached_days, rules.reached_min_values)
    return PainSummary(
        baseline=base.value,
        latest_7d_mean=latest,
        change_vs_baseline=change,
        flare_ups_per_3_months=after,
        flare_ups_per_3_months_baseline=before,
        painkiller_run_days=run.days,
        painkiller_warning=painkiller_warning(run.days, rules),
        lag_correlations=lag_correlations(history, rules),
        baseline_n=base.n,
        baseline_window=base.window,
        change_vs_baseline_percent=_percent(change, base.value),
        reached=_reached(mean_14d, base.value, rules),
        painkiller_run_first=run.first,
        painkiller_run_last=run.last,
        painkiller_diary_stopped=run.diary_stopped,
    )
