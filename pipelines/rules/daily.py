"""Sessions + step minutes → walking minutes per participant and local day.

Walking minutes are the union of two sources, computed on a grid of UTC minutes:

1. **Walking sessions** (taxonomy category ``walking``) that count — duplicates of the same
   walk from other devices or formats do not (``pipelines.rules.sessions``): each credits every
   minute it covers with ``covered share × moving_s / elapsed_s`` (its moving time spread
   over its span, so pauses are not credited). Where counted sessions still overlap, a
   minute gets the *largest* credit, never the sum.
2. **Step bouts**: per minute the device with the most steps; a minute with ≥ 60 steps is
   a walking minute; runs of ≥ ``min_bout_minutes`` consecutive walking minutes are bouts.
   Bout minutes covered by any recorded session are not counted again.

A minute at ≥ 100 steps/min is *brisk* (its step data, or for session minutes without step
data the session's average cadence). Minutes are assigned to local days one by one, so a
walk across midnight is split between the two days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.config import BRISK_CADENCE_SPM, WALKING_CADENCE_SPM
from pipelines.rules import timeline
from pipelines.rules.taxonomy import CATEGORIES

MINUTE_NS = 60_000_000_000
TRAINING = ("strength", "pilates", "yoga", "tai_chi")

ACTIVITY_COLUMNS = [
    "walking_minutes",
    "brisk_walking_minutes",
    "session_walking_minutes",
    "bout_walking_minutes",
    "training_minutes",
    "steps",
    *[f"sessions_{c}" for c in CATEGORIES],
    "has_data",
    "sources",
]


def session_minutes(sessions: pd.DataFrame, tz: str) -> pd.DataFrame:
    """One row per session × UTC minute it covers: ``credit`` in minutes, ``cadence``."""
    s = sessions[sessions["elapsed_s"] > 0]
    if s.empty:
        return pd.DataFrame(
            {
                "session_id": pd.Series(dtype="string"),
                "category": pd.Series(dtype="string"),
                "source": pd.Series(dtype="string"),
                "counted": pd.Series(dtype=bool),
                "minute_ns": pd.Series(dtype="int64"),
                "credit": pd.Series(dtype="float64"),
                "cadence": pd.Series(dtype="float64"),
                "date": pd.Series(dtype="object"),
            }
        )
    start = _ns(s["start_utc"])
    end = _ns(s["end_utc"])
    first = start - start % MINUTE_NS
    last = end + (-end) % MINUTE_NS
    n = np.maximum((last - first) // MINUTE_NS, 1)
    rep = np.repeat(np.arange(len(s)), n)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    minute = first[rep] + within * MINUTE_NS
    overlap_ns = np.minimum(end[rep], minute + MINUTE_NS) - np.maximum(start[rep], minute)
    density = (s["moving_s"].to_numpy() / s["elapsed_s"].to_numpy())[rep]
    credit = np.clip(overlap_ns, 0, None) / MINUTE_NS * density
    steps = pd.to_numeric(s["steps"]).astype("float64").to_numpy()
    moving_min = s["moving_s"].to_numpy() / 60.0
    with np.errstate(divide="ignore", invalid="ignore"):
        cadence = np.where(moving_min > 0, steps / moving_min, np.nan)
    out = pd.DataFrame(
        {
            "session_id": s["session_id"].to_numpy()[rep],
            "category": s["category"].to_numpy()[rep],
            "source": s["source_format"].to_numpy()[rep],
            "counted": s["duplicate_of"].isna().to_numpy()[rep],
            "minute_ns": minute,
            "credit": credit,
            "cadence": cadence[rep],
            "utc_offset_s": pd.array(s["utc_offset_s"].to_numpy(dtype=object)[rep], dtype="Int64"),
        }
    )
    out = out[out["credit"] > 0].reset_index(drop=True)
    out["date"] = timeline.local_dates(
        pd.Series(pd.to_datetime(out["minute_ns"], utc=True)), out["utc_offset_s"], tz
    ).to_numpy()
    return out.drop(columns="utc_offset_s")


def best_step_minutes(step_minutes: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Per UTC minute the device with the most steps, with its local day."""
    if step_minutes.empty:
        return pd.DataFrame(
            {
                "minute_ns": pd.Series(dtype="int64"),
                "steps": pd.Series(dtype="int64"),
                "date": pd.Series(dtype="object"),
                "source": pd.Series(dtype="string"),
            }
        )
    sm = step_minutes.assign(minute_ns=_ns(step_minutes["minute_utc"]))
    sm = sm.sort_values(["minute_ns", "steps", "device"], ascending=[True, False, True])
    best = sm.drop_duplicates("minute_ns", keep="first").reset_index(drop=True)
    best["date"] = timeline.local_dates(best["minute_utc"], best["utc_offset_s"], tz).to_numpy()
    return best[["minute_ns", "steps", "date", "source"]].astype({"steps": "int64"})


def bout_flags(best: pd.DataFrame, min_bout_minutes: int) -> np.ndarray:
    """For each row of ``best`` (sorted by minute): is it part of a walking bout?"""
    if best.empty:
        return np.zeros(0, dtype=bool)
    minute = best["minute_ns"].to_numpy()
    walking = best["steps"].to_numpy() >= WALKING_CADENCE_SPM
    consecutive = np.r_[False, np.diff(minute) == MINUTE_NS]
    new_run = ~(walking & np.r_[False, walking[:-1]] & consecutive)
    run_id = np.cumsum(new_run)
    run_len = pd.Series(walking.astype(int)).groupby(run_id).transform("sum").to_numpy()
    return walking & (run_len >= min_bout_minutes)


def daily_activity(
    sessions: pd.DataFrame,
    step_minutes: pd.DataFrame,
    wear: pd.DataFrame,
    *,
    tz: str,
    min_bout_minutes: int,
    program_start: date | None = None,
    daily_steps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The activity columns of the daily table for one participant, one row per local day
    from ``min(program_start, first data day)`` to the last data day (empty without data)."""
    sm = session_minutes(sessions, tz)
    best = best_step_minutes(step_minutes, tz)

    walking = sm[(sm["category"] == "walking") & sm["counted"]]
    walk_min = walking.groupby("minute_ns").agg(
        credit=("credit", "max"), cadence=("cadence", "max"), date=("date", "first")
    )
    step_at = best.set_index("minute_ns")["steps"]
    step_cadence = step_at.reindex(walk_min.index)
    brisk = np.where(
        step_cadence.notna(),
        step_cadence >= BRISK_CADENCE_SPM,
        walk_min["cadence"] >= BRISK_CADENCE_SPM,
    )
    walk_min["brisk"] = walk_min["credit"].where(brisk, 0.0)

    in_bout = bout_flags(best, min_bout_minutes)
    bout = best[in_bout & ~np.isin(best["minute_ns"].to_numpy(), sm["minute_ns"].to_numpy())]

    training = sm[sm["category"].isin(TRAINING) & sm["counted"]]
    train_min = training.groupby("minute_ns").agg(credit=("credit", "max"), date=("date", "first"))

    counted_sessions = sessions[sessions["duplicate_of"].isna()]
    totals = (
        daily_steps
        if daily_steps is not None
        else pd.DataFrame({"date": [], "steps": [], "source": []})
    )
    wear_days = [
        (day, source)
        for start_d, end_d, source in _wear_days(wear, tz)
        for day in _days(start_d, end_d)
    ]
    sources = _sources_per_day(
        [
            (sm.loc[sm["counted"], "date"], sm.loc[sm["counted"], "source"]),
            (best["date"], best["source"]),
            (totals["date"], totals["source"]),
            (counted_sessions["local_date"], counted_sessions["source_format"]),
            ([d for d, _ in wear_days], [s for _, s in wear_days]),
        ]
    )
    if sources.empty:
        return _empty()
    first_day = min(sources.index[0], program_start) if program_start else sources.index[0]
    index = pd.Index(list(_days(first_day, sources.index[-1])), name="date")

    def per_day(frame: pd.DataFrame, column: str) -> pd.Series:
        if frame.empty:
            return pd.Series(0.0, index=index)
        return frame.groupby("date")[column].sum().reindex(index, fill_value=0).astype(float)

    out = pd.DataFrame(index=index)
    out["session_walking_minutes"] = per_day(walk_min, "credit")
    out["bout_walking_minutes"] = per_day(bout.assign(one=1.0), "one")
    out["walking_minutes"] = out["session_walking_minutes"] + out["bout_walking_minutes"]
    bout_brisk = bout.assign(one=(bout["steps"] >= BRISK_CADENCE_SPM).astype(float))
    out["brisk_walking_minutes"] = per_day(walk_min, "brisk") + per_day(bout_brisk, "one")
    out["training_minutes"] = per_day(train_min, "credit")
    minute_steps = per_day(best, "steps")
    total_steps = (
        totals.groupby("date")["steps"].max().reindex(index, fill_value=0).astype(float)
        if len(totals)
        else pd.Series(0.0, index=index)
    )
    out["steps"] = np.maximum(minute_steps, total_steps).astype("int64")
    counts = (
        counted_sessions.groupby(["local_date", "category"]).size().unstack(fill_value=0)
        if len(counted_sessions)
        else pd.DataFrame()
    )
    for cat in CATEGORIES:
        per_cat = counts[cat] if cat in counts else pd.Series(dtype="int64")
        out[f"sessions_{cat}"] = per_cat.reindex(index, fill_value=0).astype("int16")
    out["has_data"] = index.isin(sources.index)
    out["sources"] = sources.reindex(index, fill_value="").to_numpy()
    for col in (
        "walking_minutes",
        "brisk_walking_minutes",
        "session_walking_minutes",
        "bout_walking_minutes",
        "training_minutes",
    ):
        out[col] = out[col].round(6)
    return out.reset_index()[["date", *ACTIVITY_COLUMNS]]


def _sources_per_day(pairs: Sequence[tuple[Iterable[object], Iterable[object]]]) -> pd.Series:
    """Each data day's sources, sorted and joined by ",", indexed by day in order (empty
    when no pair has a row): which readers contributed to the day."""
    frame = pd.concat(
        [  # each pair's distinct rows first, in its own types: minutes repeat days
            pd.DataFrame({"date": _column(days), "source": _column(srcs)})
            .drop_duplicates()
            .astype(object)
            for days, srcs in pairs
        ],
        ignore_index=True,
    )
    if frame.empty:
        return pd.Series(dtype=object)
    frame["source"] = frame["source"].astype(str)
    unique = frame.drop_duplicates().sort_values(["date", "source"], kind="stable")
    joined = unique.groupby("date", sort=True)["source"].agg(",".join)
    joined.index = pd.Index(list(joined.index), dtype=object, name="date")  # datetime.date
    return joined


def _column(values: Iterable[object]) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(list(values), dtype=object)


def _empty() -> pd.DataFrame:
    out = pd.DataFrame({"date": pd.Series(dtype="object")})
    for col in ACTIVITY_COLUMNS:
        dtype = {"has_data": "bool", "sources": "string"}.get(col, "float64")
        out[col] = pd.Series(dtype=dtype)
    return out


def _wear_days(wear: pd.DataFrame, tz: str) -> list[tuple[date, date, str]]:
    if wear.empty:
        return []
    starts = timeline.local_dates(wear["start_utc"], wear["utc_offset_s"], tz)
    ends = timeline.local_dates(
        wear["end_utc"] - pd.Timedelta(microseconds=1), wear["utc_offset_s"], tz
    )
    return list(zip(starts, ends, wear["source"].astype(str), strict=True))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _ns(series: pd.Series) -> np.ndarray:
    return pd.to_datetime(series, utc=True).dt.as_unit("ns").astype("int64").to_numpy()
