"""Sessions + step minutes → walking minutes per participant and local day.

Walking minutes are the union of two sources, computed on a grid of UTC minutes:

1. **Walking sessions** (taxonomy category ``walking``) that count — duplicates of the same
   walk from other devices or formats do not (``pipelines.rules.sessions``): each credits every
   minute it covers with ``covered share × moving_s / elapsed_s`` (its moving time spread
   over its span, so pauses are not credited). Where counted sessions still overlap, a
   minute gets the *largest* credit, never the sum.
2. **Step bouts**: per minute the device with the most steps; a minute with ≥ 60 steps
   from a reading of at most 2 minutes (``resolution_s`` ≤ ``CADENCE_MAX_RESOLUTION_S``)
   is a walking minute — steps spread over a longer reading are no cadence. A bout
   continues across up to ``max_pause_minutes`` (2) minutes below walking cadence (with
   fewer steps, or none); its span, first to last walking minute, must be at least
   ``min_bout_minutes`` (10). Only its walking minutes count, not the pauses. Bout minutes
   covered by any recorded session are not counted again.

A minute at ≥ 100 steps/min is *brisk* (its step data at ≤ 2-minute resolution, or for
session minutes without such step data the session's average cadence). Minutes are
assigned to local days one by one, so a walk across midnight is split between the two days.

A day is ``approximate`` when steps outside recorded sessions from readings coarser than
2 minutes add up to at least 60 (one walking minute's worth): walking may hide in them.

``wear_minutes``: the minutes of the day covered by heart-rate wear (readings at most 5 min
apart, :mod:`ingest.wear`), by the wear stretches of step readings (``pipelines.rules.steps``)
or by recorded sessions (any, duplicates too — a second device on the wrist is worn as
well); null when none touches the day. Heart rate comes first: a device's step stretches
do not count on a day it has heart-rate wear (:func:`wear_by_day`); ``wear_basis`` says
which signal the day rests on. ``status`` (after the
target is applied, :func:`with_status`): ``met``; ``no_data`` without data; ``low_wear``
when not met and worn less than ``min_wear_minutes``; else ``below``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.config import BRISK_CADENCE_SPM, CADENCE_MAX_RESOLUTION_S, WALKING_CADENCE_SPM
from pipelines.rules import timeline
from pipelines.rules.taxonomy import CATEGORIES

MINUTE_NS = 60_000_000_000
DAY_NS = 86_400 * 1_000_000_000
WEAR_WINDOW_DAYS = 28  # wear is united a window of this many UTC days at a time
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
    "wear_minutes",
    "wear_basis",
    "approximate",
]
STATUSES = ("met", "below", "low_wear", "no_data")
NOT_WORN = ("low_wear", "no_data")  # the statuses of a day not (adequately) worn or not synced


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
    """Per UTC minute the device with the most steps, with its local day (``date``, and
    as a day number: ``day``)."""
    if step_minutes.empty:
        return pd.DataFrame(
            {
                "minute_ns": pd.Series(dtype="int64"),
                "steps": pd.Series(dtype="int64"),
                "date": pd.Series(dtype="object"),
                "source": pd.Series(dtype="string"),
                "resolution_s": pd.Series(dtype="int64"),
                "day": pd.Series(dtype="int64"),
            }
        )
    minute_ns = _ns(step_minutes["minute_utc"])
    steps = step_minutes["steps"].to_numpy(dtype="int64")
    device = pd.factorize(step_minutes["device"].astype(str), sort=True)[0]
    # by minute, most steps first, then by device name: the first row of a minute wins
    order = np.lexsort((device, -steps, minute_ns))
    ordered = minute_ns[order]
    first = order[np.r_[True, ordered[1:] != ordered[:-1]]]
    best = step_minutes[["steps", "source", "resolution_s"]].iloc[first].reset_index(drop=True)
    best.insert(0, "minute_ns", minute_ns[first])
    offset, known = timeline.offset_values(
        step_minutes["utc_offset_s"].to_numpy(dtype=object)[first], len(first)
    )
    day = timeline.local_day_numbers_of(minute_ns[first], offset, known, tz)
    best["date"] = timeline.dates_of(day)
    best["day"] = day
    columns = ["minute_ns", "steps", "date", "source", "resolution_s", "day"]
    return best[columns].astype({"steps": "int64", "resolution_s": "int64"})


def cadence_known(best: pd.DataFrame) -> np.ndarray:
    """For each row of ``best``: do its steps come from a reading of at most 2 minutes?"""
    return best["resolution_s"].to_numpy() <= CADENCE_MAX_RESOLUTION_S


def bout_flags(best: pd.DataFrame, min_bout_minutes: int, max_pause_minutes: int) -> np.ndarray:
    """For each row of ``best`` (sorted by minute): is it a walking minute of a bout?

    Walking minutes: ≥ 60 steps at ≤ 2-minute resolution. Consecutive walking minutes
    belong to one bout when at most ``max_pause_minutes`` minutes lie between them; a bout
    counts when its span (first to last walking minute, pauses included) is at least
    ``min_bout_minutes``. Pause minutes are never flagged.
    """
    if best.empty:
        return np.zeros(0, dtype=bool)
    walking = (best["steps"].to_numpy() >= WALKING_CADENCE_SPM) & cadence_known(best)
    minute = best["minute_ns"].to_numpy()[walking] // MINUTE_NS
    if len(minute) == 0:
        return walking
    new_bout = np.r_[True, np.diff(minute) > max_pause_minutes + 1]
    bout_id = np.cumsum(new_bout)
    first = pd.Series(minute).groupby(bout_id).transform("min").to_numpy()
    last = pd.Series(minute).groupby(bout_id).transform("max").to_numpy()
    flags = np.zeros(len(best), dtype=bool)
    flags[walking] = last - first + 1 >= min_bout_minutes
    return flags


def best_in_bouts(
    step_minutes: Iterable[pd.DataFrame],
    tz: str,
    min_bout_minutes: int,
    max_pause_minutes: int,
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """:func:`best_step_minutes` and :func:`bout_flags` of step minutes given in parts,
    each part holding every device's rows of its minutes and the parts in minute order
    (the windows of ``step_minutes``): ``(best, in_bout)`` a part at a time, the same rows
    and flags as of all of it at once. A bout may continue into the next part, so the
    rows from the first walking minute of a part's last bout on wait for the next part
    before they are given."""
    held: pd.DataFrame | None = None
    for part in step_minutes:
        best = best_step_minutes(part, tz)
        if held is not None and len(held):
            best = pd.concat([held, best], ignore_index=True)
        if best.empty:
            continue
        walking = (best["steps"].to_numpy() >= WALKING_CADENCE_SPM) & cadence_known(best)
        minute = best["minute_ns"].to_numpy() // MINUTE_NS
        cut = len(best)
        if walking.any():
            walk_minute = minute[walking]
            starts = np.r_[True, np.diff(walk_minute) > max_pause_minutes + 1]
            last_start = walk_minute[np.flatnonzero(starts)[-1]]
            cut = int(np.searchsorted(minute, last_start, side="left"))
        if cut:
            done = best.iloc[:cut].reset_index(drop=True)
            yield done, bout_flags(done, min_bout_minutes, max_pause_minutes)
        held = best.iloc[cut:].reset_index(drop=True)
    if held is not None and len(held):
        yield held, bout_flags(held, min_bout_minutes, max_pause_minutes)


def _step_days(
    step_minutes: pd.DataFrame | Iterable[pd.DataFrame],
    session_minute_ns: np.ndarray,
    walking_minute_ns: pd.Index,
    tz: str,
    min_bout_minutes: int,
    max_pause_minutes: int,
) -> dict[str, pd.Series | pd.DataFrame]:
    """Per local day what :func:`daily_activity` takes from the step minutes, summed a
    part at a time (:func:`best_in_bouts`): ``bout`` walking minutes of bouts outside
    sessions, ``bout_brisk`` those at brisk cadence, ``steps`` (the best device's),
    ``coarse`` steps of coarse readings outside sessions; ``sources`` the distinct
    (date, source) rows; ``step_at`` the fine-resolution steps of ``walking_minute_ns``."""
    parts = [step_minutes] if isinstance(step_minutes, pd.DataFrame) else step_minutes
    in_sessions = _Members(session_minute_ns)
    walking_minutes = _Members(walking_minute_ns.to_numpy())
    sums: dict[str, list[pd.Series]] = {"bout": [], "bout_brisk": [], "steps": [], "coarse": []}
    sources: list[pd.DataFrame] = []
    step_at: list[pd.Series] = []
    for best, in_bout in best_in_bouts(parts, tz, min_bout_minutes, max_pause_minutes):
        fine = cadence_known(best)
        minute_ns = best["minute_ns"].to_numpy()
        outside = ~in_sessions.holds(minute_ns)
        steps = best["steps"].to_numpy(dtype="int64")
        bout = in_bout & outside
        per_day = _PerDay(best["day"].to_numpy(), best["date"].to_numpy())
        sums["bout"].append(per_day.sums(bout.astype("int64"), where=bout))
        brisk = bout & (steps >= BRISK_CADENCE_SPM)
        sums["bout_brisk"].append(per_day.sums(brisk.astype("int64"), where=bout))
        sums["steps"].append(per_day.sums(steps))
        coarse = ~fine & outside
        sums["coarse"].append(per_day.sums(np.where(coarse, steps, 0), where=coarse))
        sources.append(best[["date", "source"]].drop_duplicates())
        at = fine & walking_minutes.holds(minute_ns)
        step_at.append(best.loc[at].set_index("minute_ns")["steps"])
    out: dict[str, pd.Series | pd.DataFrame] = {
        name: _summed_days(series) for name, series in sums.items()
    }
    out["sources"] = (
        pd.concat(sources, ignore_index=True).drop_duplicates()
        if sources
        else pd.DataFrame({"date": pd.Series(dtype=object), "source": pd.Series(dtype=object)})
    )
    out["step_at"] = pd.concat(step_at) if step_at else pd.Series(dtype="int64")
    return out


class _PerDay:
    """Sums over a part's rows by local day (``day`` numbers, ``date`` objects alike)."""

    def __init__(self, day: np.ndarray, date_objects: np.ndarray) -> None:
        self.low = int(day.min()) if len(day) else 0
        self.at = day - self.low
        self.size = int(self.at.max()) + 1 if len(day) else 0
        self.dates = np.empty(self.size, dtype=object)
        self.dates[self.at] = date_objects

    def sums(self, values: np.ndarray, where: np.ndarray | None = None) -> pd.Series:
        """Per day (the days of the rows ``where`` holds, every row's day without it) the
        sum of ``values``, indexed by ``date`` in day order, int64."""
        chosen = np.ones(len(self.at), dtype=bool) if where is None else where
        total = np.bincount(self.at, weights=values, minlength=self.size)
        present = np.bincount(self.at[chosen], minlength=self.size) > 0
        return pd.Series(
            total[present].astype("int64"),
            index=pd.Index(self.dates[present], dtype=object, name="date"),
        )


class _Members:
    """A set of int64 values, sorted once, asked about many arrays: ``np.isin`` without
    sorting the set again for every part."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.unique(np.asarray(values, dtype="int64"))

    def holds(self, x: np.ndarray) -> np.ndarray:
        if len(self.values) == 0:
            return np.zeros(len(x), dtype=bool)
        at = np.minimum(np.searchsorted(self.values, x), len(self.values) - 1)
        return np.asarray(self.values[at] == x, dtype=bool)


def _summed_days(parts: list[pd.Series]) -> pd.Series:
    """Per-day sums of several parts added up (a day may span two parts)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.Series(dtype="int64")
    return pd.concat(parts).groupby(level=0).sum()


def daily_activity(
    sessions: pd.DataFrame,
    step_minutes: pd.DataFrame | Iterable[pd.DataFrame],
    wear: pd.DataFrame | Iterable[pd.DataFrame],
    *,
    tz: str,
    min_bout_minutes: int,
    max_pause_minutes: int,
    program_start: date | None = None,
    daily_steps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The activity columns of the daily table for one participant, one row per local day
    from ``min(program_start, first data day)`` to the last data day (empty without data).
    ``step_minutes`` and ``wear`` may come as parts (a stored window each, in order):
    ``wear``'s are kept as :func:`lean_wear`, what the day rules read of them."""
    wear = wear if isinstance(wear, pd.DataFrame) else lean_wear(wear)
    sm = session_minutes(sessions, tz)

    walking = sm[(sm["category"] == "walking") & sm["counted"]]
    walk_min = walking.groupby("minute_ns").agg(
        credit=("credit", "max"), cadence=("cadence", "max"), date=("date", "first")
    )
    step = _step_days(
        step_minutes,
        sm["minute_ns"].to_numpy(),
        walk_min.index,
        tz,
        min_bout_minutes,
        max_pause_minutes,
    )
    step_cadence = step["step_at"].reindex(walk_min.index)
    brisk = np.where(
        step_cadence.notna(),
        step_cadence >= BRISK_CADENCE_SPM,
        walk_min["cadence"] >= BRISK_CADENCE_SPM,
    )
    walk_min["brisk"] = walk_min["credit"].where(brisk, 0.0)

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
            (step["sources"]["date"], step["sources"]["source"]),
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

    def days_of(sums: pd.Series | pd.DataFrame) -> pd.Series:
        assert isinstance(sums, pd.Series)
        return sums.reindex(index, fill_value=0).astype(float)

    out = pd.DataFrame(index=index)
    out["session_walking_minutes"] = per_day(walk_min, "credit")
    out["bout_walking_minutes"] = days_of(step["bout"])
    out["walking_minutes"] = out["session_walking_minutes"] + out["bout_walking_minutes"]
    out["brisk_walking_minutes"] = per_day(walk_min, "brisk") + days_of(step["bout_brisk"])
    out["training_minutes"] = per_day(train_min, "credit")
    minute_steps = days_of(step["steps"])
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
    worn = wear_by_day(wear, sessions, tz).reindex(index)
    out["wear_minutes"] = worn["wear_minutes"].astype("float64")
    out["wear_basis"] = worn["wear_basis"].astype("string")
    out["approximate"] = days_of(step["coarse"]) >= WALKING_CADENCE_SPM
    for col in (
        "walking_minutes",
        "brisk_walking_minutes",
        "session_walking_minutes",
        "bout_walking_minutes",
        "training_minutes",
        "wear_minutes",
    ):
        out[col] = out[col].round(6)
    return out.reset_index()[["date", *ACTIVITY_COLUMNS]]


def wear_minutes(wear: pd.DataFrame, sessions: pd.DataFrame, tz: str) -> pd.Series:
    """Per local day the minutes worn (see :func:`wear_by_day`); days nothing touches are
    absent (``wear_minutes`` null: nothing says)."""
    return wear_by_day(wear, sessions, tz)["wear_minutes"]


def wear_by_day(
    wear: pd.DataFrame, sessions: pd.DataFrame, tz: str, window_days: int = WEAR_WINDOW_DAYS
) -> pd.DataFrame:
    """Per local day (index) ``wear_minutes`` and ``wear_basis``.

    Heart rate is the better wear signal: on a day with heart-rate wear the minutes of
    that day covered by *step* stretches of a device that has heart-rate wear on the day
    do not count (the same watch's zero-step readings on the charger or the desk are not
    wear). The day's wear is the union of what is left: heart-rate wear, recorded
    sessions (any, duplicates too), and step stretches of devices without heart rate that
    day (a phone in the pocket). ``wear_basis``: ``heart_rate`` when the day has
    heart-rate wear, else ``steps`` when step stretches touch it, else ``session``.

    Worked out ``window_days`` UTC days at a time (spans cut at the windows' edges, which
    are whole minutes, so every minute's pieces are the same): a first pass finds the
    (device, day) pairs with heart-rate wear, a second drops and unites. Memory follows
    the window, not the years of wear; days are day numbers until the end."""
    rows = wear[wear["end_utc"] > wear["start_utc"]] if len(wear) else wear
    cut_wear = _Windows(_Spans.of(rows), window_days)
    cut_sessions = (
        _Windows(_Spans.of(sessions), window_days, keep_empty=True) if len(sessions) else None
    )
    windows = sorted(set(cut_wear.windows) | set(cut_sessions.windows if cut_sessions else ()))
    found = []
    for w in cut_wear.windows:
        pieces, days = _minute_pieces(cut_wear.rows(w), tz)
        found.append(np.unique(_device_days(pieces.device[pieces.hr], days[pieces.hr])))
    hr_keys = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype="int64")
    hr_days: list[np.ndarray] = []
    step_days: list[np.ndarray] = []
    covered: list[pd.Series] = []
    held: _Spans | None = None  # a stretch reaching a window's end, as a span of no length
    for w in windows:
        parts = []
        if held is not None and held.start[0] == w * window_days * DAY_NS:
            parts.append(held)
        if w in cut_wear.windows:
            pieces, days = _minute_pieces(cut_wear.rows(w), tz)
            drop = ~pieces.hr & np.isin(_device_days(pieces.device, days), hr_keys)
            kept, kept_days = pieces.take(~drop), days[~drop]
            hr_days.append(np.unique(kept_days[kept.hr]))
            step_days.append(np.unique(kept_days[~kept.hr]))
            if len(kept.start):
                parts.append(kept)
        if cut_sessions is not None and w in cut_sessions.windows:
            parts.append(cut_sessions.rows(w))
        per_day, held = _union_ns(parts, tz)
        covered.append(per_day)
    total = _summed_ns(covered)
    minutes = (total / MINUTE_NS).astype("float64")
    day_numbers = total.index.to_numpy(dtype="int64")
    none = np.zeros(len(day_numbers), dtype=bool)
    hr = np.isin(day_numbers, np.concatenate(hr_days)) if hr_days else none
    steps = np.isin(day_numbers, np.concatenate(step_days)) if step_days else none
    basis = np.where(hr, "heart_rate", np.where(steps, "steps", "session"))
    index = pd.Index(list(timeline.dates_of(day_numbers)), dtype=object, name="date")
    return pd.DataFrame(
        {
            "wear_minutes": minutes.to_numpy(),
            "wear_basis": pd.array(basis.tolist(), dtype="string"),
        },
        index=index,
    )


class _Spans:
    """Spans as arrays: ``start``/``end`` (ns since the epoch), the stated ``offset``
    (seconds) and whether it was stated (``known``), the ``device`` (a code per device
    name, -1 without) and whether the span is heart-rate wear (``hr``)."""

    __slots__ = ("device", "end", "hr", "known", "offset", "start")

    def __init__(
        self,
        start: np.ndarray,
        end: np.ndarray,
        offset: np.ndarray,
        known: np.ndarray,
        device: np.ndarray,
        hr: np.ndarray,
    ) -> None:
        self.start, self.end, self.offset, self.known = start, end, offset, known
        self.device, self.hr = device, hr

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Spans:
        """The spans of a frame with ``start_utc``, ``end_utc`` and ``utc_offset_s`` (and
        ``device`` and ``basis`` for wear rows: without ``basis``, step stretches)."""
        n = len(frame)
        offset, known = timeline.offset_values(frame["utc_offset_s"], n)
        device = _codes(frame["device"]) if "device" in frame and n else np.full(n, -1)
        hr = (
            frame["basis"].eq("heart_rate").fillna(False).to_numpy(dtype=bool)
            if "basis" in frame and n
            else np.zeros(n, dtype=bool)
        )
        start = _ns(frame["start_utc"]) if n else np.zeros(0, dtype="int64")
        end = _ns(frame["end_utc"]) if n else np.zeros(0, dtype="int64")
        return cls(start, end, offset, known, device, np.asarray(hr, dtype=bool))

    def take(self, which: np.ndarray) -> _Spans:
        return _Spans(
            self.start[which],
            self.end[which],
            self.offset[which],
            self.known[which],
            self.device[which],
            self.hr[which],
        )

    @staticmethod
    def joined(parts: Sequence[_Spans]) -> _Spans:
        return _Spans(
            *(
                np.concatenate([getattr(p, name) for p in parts])
                for name in ("start", "end", "offset", "known", "device", "hr")
            )
        )


class _Windows:
    """Spans cut at the edges of windows of ``days`` UTC days: ``rows(w)`` the parts
    inside window ``w``. A span of no length stays in the window it lies in
    (``keep_empty``; a session's stretch may begin with one)."""

    def __init__(self, spans: _Spans, days: int, keep_empty: bool = False) -> None:
        self.spans = spans
        self.size = days * DAY_NS
        if len(spans.start) == 0:
            self.windows: set[int] = set()
            return
        first = spans.start // self.size
        last = np.maximum((spans.end - 1) // self.size, first)
        if not keep_empty:
            last = np.where(spans.end > spans.start, last, first - 1)
        counts = np.maximum(last - first + 1, 0)
        rep = np.repeat(np.arange(len(first)), counts)
        self.windows = set(
            (
                first[rep] + np.arange(len(rep)) - np.repeat(np.cumsum(counts) - counts, counts)
            ).tolist()
        )

    def rows(self, window: int) -> _Spans:
        low, high = window * self.size, (window + 1) * self.size
        s = self.spans
        inside = (s.start < high) & ((s.end > low) | (s.start >= low))
        part = s.take(inside)
        part.start = np.maximum(part.start, low)
        part.end = np.minimum(part.end, high)
        return part


def _codes(names: pd.Series) -> np.ndarray:
    """One int64 code per distinct name (a categorical's own codes: no string per row)."""
    if isinstance(names.dtype, pd.CategoricalDtype):
        return names.cat.codes.to_numpy().astype("int64")
    return pd.factorize(names.astype(str))[0].astype("int64")


def _device_days(device: np.ndarray, days: np.ndarray) -> np.ndarray:
    """One int64 key per (device code, local day number)."""
    return device.astype("int64") * (1 << 32) + (days.astype("int64") + (1 << 31))


def _minute_pieces(spans: _Spans, tz: str) -> tuple[_Spans, np.ndarray]:
    """The spans cut at minute boundaries: one piece per span × UTC minute it touches
    (``start``/``end`` the covered part), and each piece's local day number (the day of
    its minute). Spans of no length give no piece."""
    spans = spans.take(spans.end > spans.start)
    first = spans.start - spans.start % MINUTE_NS
    last = spans.end + (-spans.end) % MINUTE_NS
    n = (last - first) // MINUTE_NS
    rep = np.repeat(np.arange(len(first)), n)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    minute = first[rep] + within * MINUTE_NS
    pieces = spans.take(rep)
    pieces.start = np.maximum(pieces.start, minute)
    pieces.end = np.minimum(pieces.end, minute + MINUTE_NS)
    days = timeline.local_day_numbers_of(minute, pieces.offset, pieces.known, tz)
    return pieces, days


def _union_minutes(parts: Sequence[pd.DataFrame], tz: str) -> pd.Series:
    """Per local day the minutes covered by the union of the spans in ``parts``."""
    total = _summed_ns([_union_ns([_Spans.of(p) for p in parts], tz)[0]])
    minutes = (total / MINUTE_NS).astype("float64")
    minutes.index = pd.Index(
        list(timeline.dates_of(total.index.to_numpy(dtype="int64"))), dtype=object, name="date"
    )
    return minutes


def _union_ns(parts: Sequence[_Spans], tz: str) -> tuple[pd.Series, _Spans | None]:
    """Per local day number the nanoseconds covered by the union of the spans in
    ``parts``, and the last stretch of the union's end as a span of no length with the
    stretch's offset. A stretch takes the offset of its first span (by start; ties in the
    order given)."""
    none = pd.Series(dtype="int64", index=pd.Index([], dtype="int64", name="date"))
    if not parts:
        return none, None
    spans = _Spans.joined(parts)
    if len(spans.start) == 0:
        return none, None
    order = np.argsort(spans.start, kind="stable")
    spans = spans.take(order)
    start, end = spans.start, spans.end
    # the union: a span starts a new stretch when it begins after everything before ended
    reach = np.maximum.accumulate(end)
    new = np.r_[True, start[1:] > reach[:-1]]
    firsts = spans.take(new)
    u_start = firsts.start
    u_end = np.maximum.reduceat(end, np.flatnonzero(new))
    last = firsts.take(np.array([len(u_start) - 1]))
    last.start = last.end = u_end[-1:].copy()
    keep = u_end > u_start
    stretches = firsts.take(keep)
    u_start, u_end = stretches.start, u_end[keep]
    if len(u_start) == 0:
        return none, last
    first = u_start - u_start % MINUTE_NS
    ends = u_end + (-u_end) % MINUTE_NS
    n = (ends - first) // MINUTE_NS
    rep = np.repeat(np.arange(len(u_start)), n)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    minute = first[rep] + within * MINUTE_NS
    covered = np.minimum(u_end[rep], minute + MINUTE_NS) - np.maximum(u_start[rep], minute)
    days = timeline.local_day_numbers_of(minute, stretches.offset[rep], stretches.known[rep], tz)
    low = int(days.min())
    sums = np.bincount(days - low, weights=covered.astype("float64"))
    present = np.bincount(days - low) > 0
    index = pd.Index(np.flatnonzero(present) + low, dtype="int64", name="date")
    return pd.Series(sums[present].astype("int64"), index=index), last


def _summed_ns(parts: list[pd.Series]) -> pd.Series:
    """Per-day covered nanoseconds of several windows added up (by day number)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.Series(dtype="int64", index=pd.Index([], dtype="int64", name="date"))
    return pd.concat(parts).groupby(level=0).sum()


def with_status(days: pd.DataFrame, min_wear_minutes: int) -> pd.DataFrame:
    """``days`` (with ``met``) plus each day's ``status`` (see the module doc)."""
    out = days.copy()
    has_data = out["has_data"].astype(bool).to_numpy()
    met = out["met"].astype(bool).to_numpy()
    wear = pd.to_numeric(out["wear_minutes"]).astype("float64").to_numpy()
    low = ~np.isnan(wear) & (wear < min_wear_minutes)
    status = np.where(
        ~has_data, "no_data", np.where(met, "met", np.where(low, "low_wear", "below"))
    )
    out["status"] = pd.array(status, dtype="string")
    return out


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
        dtype = {
            "has_data": "bool",
            "sources": "string",
            "approximate": "bool",
            "wear_basis": "string",
        }.get(col, "float64")
        out[col] = pd.Series(dtype=dtype)
    return out


WEAR_READ: tuple[str, ...] = ("device", "start_utc", "end_utc", "utc_offset_s", "source", "basis")
"""The columns of ``wear`` the day rules read (:func:`_wear_days`, :func:`wear_by_day`)."""
_WEAR_NAMES: tuple[str, ...] = ("device", "source", "basis")


def lean_wear(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """``wear`` rows given in parts (a stored window each) as one frame of the columns
    the day rules read (:data:`WEAR_READ`), in the order given, the names (device,
    source, basis) as categories: a few bytes a row where a string costs some fifty."""
    kept: list[pd.DataFrame] = []
    for part in parts:
        if len(part):
            part = part.loc[:, list(WEAR_READ)]
            kept.append(part.astype({name: "category" for name in _WEAR_NAMES}))
    if not kept:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in WEAR_READ}).iloc[:0]
    names = {
        name: pd.api.types.union_categoricals([k[name] for k in kept], ignore_order=True)
        for name in _WEAR_NAMES
    }
    lean = pd.concat([k.drop(columns=list(_WEAR_NAMES)) for k in kept], ignore_index=True)
    for name, values in names.items():
        lean[name] = values
    return lean.loc[:, list(WEAR_READ)]


def _wear_days(wear: pd.DataFrame, tz: str, chunk: int = 65_536) -> list[tuple[date, date, str]]:
    """The distinct (first local day, last local day, source) of the wear rows: what
    makes a day one with data. Worked out ``chunk`` rows at a time (the days of a row
    depend on it alone), so the dates of every row are never held at once."""
    if wear.empty:
        return []
    found: dict[tuple[date, date, str], None] = {}
    for low in range(0, len(wear), chunk):
        part = wear.iloc[low : low + chunk]
        starts = timeline.local_dates(part["start_utc"], part["utc_offset_s"], tz)
        ends = timeline.local_dates(
            part["end_utc"] - pd.Timedelta(microseconds=1), part["utc_offset_s"], tz
        )
        found.update(dict.fromkeys(zip(starts, ends, part["source"].astype(str), strict=True)))
    return list(found)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _ns(series: pd.Series) -> np.ndarray:
    return pd.to_datetime(series, utc=True).dt.as_unit("ns").astype("int64").to_numpy()
