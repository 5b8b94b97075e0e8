"""The pain rules — the one place that turns a pain diary into figures.

The guidance these figures are read against: exercise therapy lowers chronic low back pain
by about 15 points on a 0–100 scale (also the clinically important change); regular
exercise roughly halves how often pain episodes come back; painkillers should be taken for
two weeks at most. Parameters are in ``PainRules`` (defaults below). Input: one
participant's per-day frame (``date``, ``pain`` 0–100 or NaN — the mean of the day's
entries —, ``flare_up`` and ``painkiller`` bool or <NA>, ``walking_minutes``,
``has_data``), one row per local day. Rows may come in any order; a calendar day missing
from the frame is a day without diary entry and without activity data. A day *has an
entry* when its ``pain_entries`` (optional column, the daily join's) is above 0 — else
when its ``pain``, ``flare_up`` or ``painkiller`` is filled in.

* **Start.** The program start when set; else the first day with data of any kind
  (activity data or a diary entry) — the adherence anchor, or the first diary day when the
  diary began earlier or there is no activity data at all.
* **Baseline** = mean pain over the ``baseline_days`` (14) days from the start, each day
  weighted once. A partial window (a young program, sparse entries) gives the mean of what
  is there; no pain value in the window → no baseline. Entries before the start are not
  part of it. Rounded to 1 decimal, and the rounded figure is the one the rules use.
* **7-day mean**: the mean pain of the 7 calendar days ending on a day, over the days with
  a value, given only when at least ``rolling_min_values`` (3) days have one.
  ``latest_7d_mean`` is the window ending at ``as_of`` — no stale figure when the diary
  stopped. Change vs baseline = latest 7-day mean − baseline (negative = better).
* **Week** (ISO, "2024-W18"): mean pain over the days with a value, ``n_days`` of them,
  ``change_vs_baseline`` = mean − baseline, ``reaches_reference`` when the change is at
  most −``reference_change`` (−15). Compared after rounding to 1 decimal, so the figure
  shown decides: −15.0 reaches it, −14.9 does not.
* **Flare-up day**: flagged by the person, or *detected*: pain ≥ baseline + ``flare_delta``
  (20) on at least ``flare_min_days`` (2) consecutive days. A day without a pain value
  breaks a run: detection needs what was written. Without a baseline only flagged days
  count. A person's "no" does not overrule a detected day.
* **Episode**: a run of consecutive flare-up days. Up to ``flare_bridge_days`` (1) days
  *without any entry* between two flare-up days do not end it (people skip writing on bad
  days; counting two episodes there would inflate the rate); a written day that is not a
  flare-up day ends it.
* **Rate**: episodes *starting* in a period per 3 months (91.3 days) of calendar days;
  none for a period shorter than ``min_rate_days`` (28). The comparison with the guidance
  ("halves how often"): the first ``flare_baseline_days`` (28) days from the start against
  the days after them up to ``as_of``; ratio = after / baseline (0.5 = halved).
* **Painkiller run**: consecutive days with painkiller "yes", counted back from the last
  diary day on or before ``as_of`` (today may not be written yet). A "no", a day without
  entry or an entry without a painkiller answer ends the run — we count what was written;
  so a run is 0 when the last entry does not say "yes". Warning when the run is longer than
  ``painkiller_max_days`` (14 → no warning, 15 → warning).
* **Lag correlations** (k = 0..3): Spearman's rho between walking minutes on day d − k and
  pain on day d, over the days d with a pain value whose day d − k has activity data;
  ``n`` pairs. No rho below ``min_pairs`` (14) pairs or when either side is constant.
  Average ranks for ties. An association in one person's data, not an effect of walking.

* **Summary** (``summarize``) as of ``as_of``, from the rows on or before it: baseline,
  latest 7-day mean and its change; ``flare_ups_per_3_months`` is the rate *after* the
  flare-up baseline period and ``flare_ups_per_3_months_baseline`` the rate in it (an
  episode counts in the period it starts in; one that began before the start counts in
  neither); the painkiller run and its warning; the lag correlations over all those rows.

Figures are rounded where they are made: pain to 1 decimal, rates and ratios to 2, rho to 3.
Per-day results (``rolling_mean``, ``flare_days``) are Series on the input's rows (same
index, same order); ``weekly`` has every ISO week the frame touches (``n_days`` 0 and no
mean for a week without values).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

DAYS_PER_3_MONTHS = 91.3
DIARY_COLUMNS = ("pain", "flare_up", "painkiller")


@dataclass(frozen=True, slots=True)
class PainRules:
    """The pain rules' parameters (see the module doc for what each one decides)."""

    baseline_days: int = 14  # baseline = mean pain over the first 14 days of the program
    reference_change: float = 15.0  # average effect of exercise therapy; clinically important
    flare_delta: float = 20.0  # detected flare-up: pain ≥ baseline + 20 ...
    flare_min_days: int = 2  # ... on ≥ 2 consecutive days
    flare_bridge_days: int = 1  # days without entry that do not end an episode
    flare_baseline_days: int = 28  # the flare-up rate's baseline period
    min_rate_days: int = 28  # no rate for a shorter period
    painkiller_max_days: int = 14  # warn when a run of painkiller days is longer
    rolling_days: int = 7  # trailing mean window (calendar days)
    rolling_min_values: int = 3  # days with a value the window needs
    max_lag_days: int = 3  # lags 0..3
    min_pairs: int = 14  # correlations only with ≥ 14 paired days

    def __post_init__(self) -> None:
        positive = {
            "baseline_days": self.baseline_days,
            "flare_min_days": self.flare_min_days,
            "flare_baseline_days": self.flare_baseline_days,
            "min_rate_days": self.min_rate_days,
            "rolling_days": self.rolling_days,
            "rolling_min_values": self.rolling_min_values,
            "min_pairs": self.min_pairs,
        }
        for name, value in positive.items():
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if self.rolling_min_values > self.rolling_days:
            raise ValueError(
                f"rolling_min_values ({self.rolling_min_values}) cannot exceed rolling_days "
                f"({self.rolling_days})"
            )
        if min(self.flare_bridge_days, self.max_lag_days, self.painkiller_max_days) < 0:
            raise ValueError("flare_bridge_days, max_lag_days and painkiller_max_days must be ≥ 0")
        if self.reference_change <= 0 or self.flare_delta <= 0:
            raise ValueError("reference_change and flare_delta must be positive (pain points)")
        if self.min_pairs < 3:
            raise ValueError(f"min_pairs must be at least 3, got {self.min_pairs}")


DEFAULT_RULES = PainRules()


@dataclass(frozen=True, slots=True)
class LagCorrelation:
    """Spearman's rho between walking on day d − ``lag_days`` and pain on day d."""

    lag_days: int
    rho: float | None
    n: int


@dataclass(frozen=True, slots=True)
class FlareRates:
    """Flare-up episodes per 3 months in the baseline period and after it."""

    baseline_period: tuple[date, date]
    after_period: tuple[date, date] | None
    baseline_per_3_months: float | None
    after_per_3_months: float | None
    ratio: float | None  # after / baseline; 0.5 = halved; None when either is missing or 0


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
    """Bool per day: the person wrote an entry (``pain_entries`` > 0 when the frame has it)."""
    if "pain_entries" in calendar.columns:
        return calendar["pain_entries"] > 0
    diary = [c for c in DIARY_COLUMNS if c in calendar.columns]
    if not diary:
        return pd.Series(False, index=calendar.index)
    return calendar[diary].notna().any(axis=1)


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


def _round(value: float | None, digits: int) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), digits)


# ------------------------------------------------------------------------ baseline


def anchor(days: pd.DataFrame, program_start: date | None) -> date | None:
    """The start: the program start, else the first day with activity data or an entry."""
    if program_start is not None:
        return program_start
    return _anchor(_calendar(days), None)


def _anchor(calendar: pd.DataFrame, program_start: date | None) -> date | None:
    if program_start is not None:
        return program_start
    with_data = _has_entry(calendar)
    if "has_data" in calendar.columns:
        with_data = with_data | calendar["has_data"].astype(bool)
    dates = calendar.index[with_data.to_numpy()]
    return dates[0] if len(dates) else None


def baseline(
    days: pd.DataFrame, program_start: date | None, rules: PainRules = DEFAULT_RULES
) -> float | None:
    """Mean pain over ``[start, start + baseline_days)``, 1 decimal; None without a value."""
    calendar = _calendar(days)
    return _baseline(calendar, _anchor(calendar, program_start), rules)


def _baseline(calendar: pd.DataFrame, start: date | None, rules: PainRules) -> float | None:
    if start is None:
        return None
    end = start + timedelta(days=rules.baseline_days - 1)
    window = calendar.loc[_within(calendar.index, start, end), "pain"].dropna()
    return _round(float(window.mean()), 1) if len(window) else None


# -------------------------------------------------------------------- trends


def _rolling(calendar: pd.DataFrame, rules: PainRules) -> pd.Series:
    means = calendar["pain"].rolling(rules.rolling_days, min_periods=rules.rolling_min_values)
    return means.mean().round(1).rename("pain_7d_mean")


def rolling_mean(days: pd.DataFrame, rules: PainRules = DEFAULT_RULES) -> pd.Series:
    """Trailing ``rolling_days`` calendar-day mean pain per row of ``days`` (NaN: too few)."""
    if days.empty:
        return pd.Series([], index=days.index, dtype="float64", name="pain_7d_mean")
    return _aligned(_rolling(_calendar(days), rules), days)


def latest_mean(days: pd.DataFrame, as_of: date, rules: PainRules = DEFAULT_RULES) -> float | None:
    """The trailing mean of the window ending on ``as_of`` (None: too few values)."""
    return _latest_mean(_calendar(days), as_of, rules)


def _latest_mean(calendar: pd.DataFrame, as_of: date, rules: PainRules) -> float | None:
    first = as_of - timedelta(days=rules.rolling_days - 1)
    window = calendar.loc[_within(calendar.index, first, as_of), "pain"].dropna()
    if len(window) < rules.rolling_min_values:
        return None
    return _round(float(window.mean()), 1)


def weekly(
    days: pd.DataFrame, base: float | None, rules: PainRules = DEFAULT_RULES
) -> pd.DataFrame:
    """Per ISO week: mean pain, days with a value, change vs baseline, reaches the reference."""
    columns = ["week", "mean_pain", "n_days", "change_vs_baseline", "reaches_reference"]
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
    out["reaches_reference"] = (out["change_vs_baseline"] <= -rules.reference_change).astype(bool)
    return out[columns]


# ---------------------------------------------------------------------- flare-ups


def _flare_calendar(calendar: pd.DataFrame, base: float | None, rules: PainRules) -> pd.Series:
    flagged = _true(calendar["flare_up"]) if "flare_up" in calendar else False
    detected = pd.Series(False, index=calendar.index)
    if base is not None and len(calendar):
        threshold = round(base + rules.flare_delta, 6)
        high = (calendar["pain"] >= threshold).to_numpy()  # NaN compares False
        run_id = np.cumsum(~high)
        run_length = pd.Series(high.astype(int)).groupby(run_id).transform("sum").to_numpy()
        detected = pd.Series(high & (run_length >= rules.flare_min_days), index=calendar.index)
    return (detected | flagged).astype(bool).rename("flare_up")


def flare_days(
    days: pd.DataFrame, base: float | None, rules: PainRules = DEFAULT_RULES
) -> pd.Series:
    """Per row of ``days``: a flare-up day (flagged by the person, or detected)."""
    if days.empty:
        return pd.Series([], index=days.index, dtype=bool, name="flare_up")
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
    before = flare_rate(episodes, *baseline_period, rules) if as_of >= start else None
    after = flare_rate(episodes, *after_period, rules) if after_period else None
    ratio = round(after / before, 2) if before and after is not None else None
    return FlareRates(baseline_period, after_period, before, after, ratio)


# ---------------------------------------------------------------------- painkillers


def painkiller_run(days: pd.DataFrame, as_of: date) -> int:
    """Consecutive painkiller days, counted back from the last diary day on or before ``as_of``."""
    return _painkiller_run(_calendar(days), as_of)


def _painkiller_run(calendar: pd.DataFrame, as_of: date) -> int:
    if calendar.empty or "painkiller" not in calendar:
        return 0
    upto = calendar.loc[_within(calendar.index, None, as_of)]
    written = upto.index[_has_entry(upto).to_numpy()]
    if not len(written):
        return 0
    run = 0
    for value in reversed(upto["painkiller"].loc[: written[-1]].tolist()):
        if value is pd.NA or not bool(value):
            break
        run += 1
    return run


def painkiller_warning(run_days: int, rules: PainRules = DEFAULT_RULES) -> bool:
    """True when the run is longer than ``painkiller_max_days`` (14 → no, 15 → yes)."""
    return run_days > rules.painkiller_max_days


# -------------------------------------------------------------------- associations


def _spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rho: Pearson's r of average ranks; None when a side is constant."""
    rx = pd.Series(x).rank(method="average").to_numpy() - (len(x) + 1) / 2
    ry = pd.Series(y).rank(method="average").to_numpy() - (len(y) + 1) / 2
    sxx, syy = float(np.dot(rx, rx)), float(np.dot(ry, ry))
    if sxx == 0.0 or syy == 0.0:
        return None
    rho = float(np.dot(rx, ry)) / math.sqrt(sxx * syy)
    return round(min(1.0, max(-1.0, rho)), 3)


def lag_correlations(days: pd.DataFrame, rules: PainRules = DEFAULT_RULES) -> list[LagCorrelation]:
    """Per lag 0..``max_lag_days``: rho between walking on day d − k and pain on day d.

    An association within one person's diary and watch data, not an effect of walking:
    pain may keep someone from walking as much as walking may ease it.
    """
    calendar = _calendar(days)
    out = []
    for lag in range(rules.max_lag_days + 1):
        if calendar.empty:
            out.append(LagCorrelation(lag, None, 0))
            continue
        pain = calendar["pain"].to_numpy()
        walking = calendar["walking_minutes"].shift(lag).to_numpy()
        had_data = calendar["has_data"].shift(lag, fill_value=False).astype(bool).to_numpy()
        paired = ~np.isnan(pain) & had_data
        n = int(paired.sum())
        rho = _spearman(walking[paired], pain[paired]) if n >= rules.min_pairs else None
        out.append(LagCorrelation(lag, rho, n))
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
    return _change(calendar, program_start, as_of, rules)


def _change(
    calendar: pd.DataFrame, program_start: date | None, as_of: date, rules: PainRules
) -> tuple[float | None, float | None, float | None]:
    base = _baseline(calendar, _anchor(calendar, program_start), rules)
    latest = _latest_mean(calendar, as_of, rules)
    change = round(latest - base, 1) if latest is not None and base is not None else None
    return base, latest, change


def overview(
    days: pd.DataFrame,
    program_start: date | None,
    as_of: date,
    rules: PainRules = DEFAULT_RULES,
) -> tuple[float | None, int]:
    """(change vs baseline, painkiller run days) as of ``as_of`` — the two pain figures a
    coach's group overview shows per member — from one calendar of the rows up to ``as_of``.
    Equal to ``change_vs_baseline(...)[2]`` and ``painkiller_run(...)``."""
    calendar = _calendar(days.loc[_within(days["date"], None, as_of)])
    return _change(calendar, program_start, as_of, rules)[2], _painkiller_run(calendar, as_of)


def summarize(
    days: pd.DataFrame,
    program_start: date | None,
    as_of: date,
    rules: PainRules = DEFAULT_RULES,
) -> PainSummary:
    """Every pain figure as of ``as_of``, from the rows on or before it."""
    history = days.loc[_within(days["date"], None, as_of)]
    base, latest, change = change_vs_baseline(history, program_start, as_of, rules)
    start = anchor(history, program_start)
    after = before = None
    if start is not None and start <= as_of:
        flags = flare_days(history, base, rules)
        rates = flare_rate_change(flare_episodes(history, flags, rules), start, as_of, rules)
        before, after = rates.baseline_per_3_months, rates.after_per_3_months
    run = painkiller_run(history, as_of)
    return PainSummary(
        baseline=base,
        latest_7d_mean=latest,
        change_vs_baseline=change,
        flare_ups_per_3_months=after,
        flare_ups_per_3_months_baseline=before,
        painkiller_run_days=run,
        painkiller_warning=painkiller_warning(run, rules),
        lag_correlations=lag_correlations(history, rules),
    )
