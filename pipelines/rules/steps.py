"""Step intervals → step minutes (per device) and wear spans; heart-rate wear spans → rows.

An interval's steps are spread evenly over the UTC minutes it touches, as integers whose
sum is exactly the interval's steps (the remainder goes to the latest minutes, when the
walking most likely happened — the counter was read at the end). Each minute keeps its
source resolution (``resolution_s``: the length of the reading it came from; the longest
when readings of several activity types share the minute): an even spread over a long
reading is not a cadence, and ``pipelines.rules.daily`` applies the cadence thresholds only
to minutes of at most ``CADENCE_MAX_RESOLUTION_S`` (2 min). Within one file the
minutes of different activity types add up (walking and running counters are distinct
steps); when two files of the same device cover the same minute, the larger count wins;
across devices, ``pipelines.rules.daily`` takes per minute the device with the most steps.

Wear spans are the stretches a file's step readings cover, zero-step readings included
(they show the device was worn and counting): readings shorter than
``WEAR_MAX_READING`` (60 min — a longer one may have been cut by the monitoring cap, and
says nothing about when in it the device was worn), joined across gaps of at most 60 min
between readings. A longer gap is "nothing says" — not worn, on the charger, or no
steps taken on a device that only writes when steps are taken. Their ``basis`` is
``steps``; the readers' heart-rate wear spans (:mod:`ingest.wear`) become rows of basis
``heart_rate`` (:func:`heart_rate_wear`). ``pipelines.rules.daily`` prefers heart rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Final

import numpy as np
import pandas as pd

from ingest.records import DailySteps, StepInterval, WearSpan
from pipelines import schemas
from pipelines.rules import timeline
from pipelines.schemas import DAILY_STEPS, STEP_MINUTES, WEAR

MINUTE_NS = 60_000_000_000
WEAR_MAX_READING: Final = timedelta(minutes=60)
WEAR_MAX_GAP: Final = timedelta(minutes=60)


def intervals_frame(records: Sequence[StepInterval], tz: str) -> pd.DataFrame:
    """Intervals as a frame; floating (wall-clock) intervals are placed in ``tz``."""
    frame = pd.DataFrame(
        {
            "start_utc": pd.to_datetime([r.start_utc for r in records], utc=True),
            "end_utc": pd.to_datetime([r.end_utc for r in records], utc=True),
            "steps": np.array([r.steps for r in records], dtype="int64"),
            "device": pd.array([r.device.key for r in records], dtype="string"),
            "utc_offset_s": pd.array(
                [None if r.floating else r.utc_offset_s for r in records], dtype="Int64"
            ),
        }
    )
    floating = np.array([r.floating for r in records], dtype=bool)
    if floating.any():
        for col in ("start_utc", "end_utc"):
            placed = timeline.wall_to_utc(frame.loc[floating, col].dt.tz_localize(None), tz)
            frame.loc[floating, col] = placed
    return frame


def step_minutes(
    participant: str,
    file_sha256: str,
    records: Sequence[StepInterval],
    tz: str = "UTC",
    source: str = "fit",
) -> pd.DataFrame:
    """The minutes with steps of one file, summed over activity types."""
    positive = [r for r in records if r.steps > 0 and r.end_utc > r.start_utc]
    if not positive:
        return STEP_MINUTES.empty()
    iv = intervals_frame(positive, tz)
    first = _floor_minute_ns(iv["start_utc"])
    last = _ceil_minute_ns(iv["end_utc"])
    n = np.maximum((last - first) // MINUTE_NS, 1)
    rep = np.repeat(np.arange(len(iv)), n)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    minute_ns = first[rep] + within * MINUTE_NS
    steps = iv["steps"].to_numpy()
    length_s = (_ns(iv["end_utc"]) - _ns(iv["start_utc"])) // 1_000_000_000
    base = steps // n
    remainder = steps - base * n
    extra = (within >= (n - remainder)[rep]).astype("int64")
    per_minute = base[rep] + extra
    # one row per minute: numbers only (device codes, offsets as float) — an export has
    # millions of them, and object columns of that length cost ~10× the memory
    device_code, devices = pd.factorize(iv["device"], sort=True)  # codes in name order
    offsets = iv["utc_offset_s"].to_numpy(dtype="float64", na_value=np.nan)
    keep = per_minute > 0
    frame = pd.DataFrame(
        {
            "device_code": device_code[rep][keep],
            "minute_ns": minute_ns[keep],
            "steps": per_minute[keep],
            "utc_offset_s": offsets[rep][keep],
            "resolution_s": length_s[rep][keep],
        }
    )
    summed = frame.groupby(["device_code", "minute_ns"], as_index=False, sort=True).agg(
        steps=("steps", "sum"),
        utc_offset_s=("utc_offset_s", "first"),
        resolution_s=("resolution_s", "max"),
    )
    names = pd.array(devices.to_numpy(), dtype="string")
    summed.insert(0, "device", pd.Series(names.take(summed.pop("device_code").to_numpy())))
    summed.insert(1, "minute_utc", pd.to_datetime(summed.pop("minute_ns"), utc=True))
    summed["utc_offset_s"] = summed["utc_offset_s"].astype("Int64")
    summed.insert(0, "participant", participant)
    summed["file_sha256"] = file_sha256
    summed["source"] = source
    return schemas.coerce(STEP_MINUTES, summed)


def merge_step_minutes(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Combine step minutes of several files: per device and minute the larger count wins."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return STEP_MINUTES.empty()
    combined = pd.concat(frames, ignore_index=True)
    combined = combined.sort_values(
        ["participant", "device", "minute_utc", "steps", "file_sha256"],
        ascending=[True, True, True, False, True],
        kind="stable",
    )
    merged = combined.drop_duplicates(["participant", "device", "minute_utc"], keep="first")
    return schemas.coerce(STEP_MINUTES, merged.reset_index(drop=True))


def wear_spans(
    participant: str,
    file_sha256: str,
    records: Sequence[StepInterval],
    tz: str = "UTC",
    source: str = "fit",
) -> pd.DataFrame:
    """The stretches the file's step readings cover, per device (see the module doc)."""
    readings = [r for r in records if timedelta(0) < r.end_utc - r.start_utc < WEAR_MAX_READING]
    if not readings:
        return WEAR.empty()
    iv = intervals_frame(readings, tz).sort_values(["device", "start_utc"], kind="stable")
    start, end = _ns(iv["start_utc"]), _ns(iv["end_utc"])
    device = iv["device"].to_numpy(dtype=object)
    gap_ns = int(WEAR_MAX_GAP.total_seconds()) * 1_000_000_000
    reach = pd.Series(end).groupby(device).cummax().to_numpy()  # latest end so far
    new = np.r_[True, (device[1:] != device[:-1]) | (start[1:] - reach[:-1] > gap_ns)]
    stretch = np.cumsum(new)
    spans = (
        iv.assign(stretch=stretch)
        .groupby("stretch", as_index=False, sort=True)
        .agg(
            device=("device", "first"),
            start_utc=("start_utc", "min"),
            end_utc=("end_utc", "max"),
            utc_offset_s=("utc_offset_s", "first"),
        )
    )
    spans.insert(0, "participant", participant)
    spans["file_sha256"] = file_sha256
    spans["source"] = source
    spans["basis"] = "steps"
    return schemas.coerce(WEAR, spans)


def heart_rate_wear(
    participant: str,
    file_sha256: str,
    records: Sequence[WearSpan],
    tz: str,
    source: str,
) -> pd.DataFrame:
    """The heart-rate wear spans of one file as ``wear`` rows (basis ``heart_rate``);
    floating (wall-clock) spans are placed in ``tz``. Spans of one device that touch or
    overlap (a file's spans of several offsets) are kept as they are: the day rule takes
    their union."""
    spans = [r for r in records if r.end_utc > r.start_utc]
    if not spans:
        return WEAR.empty()
    frame = pd.DataFrame(
        {
            "participant": participant,
            "device": pd.array([r.device.key for r in spans], dtype="string"),
            "start_utc": pd.to_datetime([r.start_utc for r in spans], utc=True),
            "end_utc": pd.to_datetime([r.end_utc for r in spans], utc=True),
            "utc_offset_s": pd.array(
                [None if r.floating else r.utc_offset_s for r in spans], dtype="Int64"
            ),
            "file_sha256": file_sha256,
            "source": source,
            "basis": [r.basis for r in spans],
        }
    )
    floating = np.array([r.floating for r in spans], dtype=bool)
    if floating.any():
        for col in ("start_utc", "end_utc"):
            placed = timeline.wall_to_utc(frame.loc[floating, col].dt.tz_localize(None), tz)
            frame.loc[floating, col] = placed
    frame = frame.sort_values(["device", "start_utc"], kind="stable")
    frame = frame.drop_duplicates(["device", "start_utc"]).reset_index(drop=True)
    return schemas.coerce(WEAR, frame)


def daily_steps(
    participant: str, file_sha256: str, records: Sequence[DailySteps], source: str
) -> pd.DataFrame:
    """Daily totals of one file; a device's larger total wins if a day repeats."""
    if not records:
        return DAILY_STEPS.empty()
    frame = pd.DataFrame(
        {
            "participant": participant,
            "date": [r.local_date for r in records],
            "device": [r.device.key for r in records],
            "steps": [int(r.steps) for r in records],
            "file_sha256": file_sha256,
            "source": source,
        }
    )
    frame = frame.sort_values(["date", "device", "steps"], ascending=[True, True, False])
    frame = frame.drop_duplicates(["date", "device"]).reset_index(drop=True)
    return schemas.coerce(DAILY_STEPS, frame)


def _ns(series: pd.Series) -> np.ndarray:
    return pd.to_datetime(series, utc=True).dt.as_unit("ns").astype("int64").to_numpy()


def _floor_minute_ns(series: pd.Series) -> np.ndarray:
    ns = _ns(series)
    return ns - ns % MINUTE_NS


def _ceil_minute_ns(series: pd.Series) -> np.ndarray:
    ns = _ns(series)
    return ns + (-ns) % MINUTE_NS
