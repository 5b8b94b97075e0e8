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

import heapq
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.records import DailySteps, StepColumns, StepInterval, WearColumns, WearSpan
from pipelines import schemas
from pipelines.rules import timeline
from pipelines.schemas import DAILY_STEPS, STEP_MINUTES, WEAR

MINUTE_NS = 60_000_000_000
DAY_NS: Final = 86_400 * 1_000_000_000
WEAR_MAX_READING: Final = timedelta(minutes=60)
WEAR_MAX_GAP: Final = timedelta(minutes=60)
WINDOW_DAYS: Final = schemas.STEP_MINUTE_WINDOW_DAYS
"""Step minutes are built, merged, written and read a window of this many UTC days at a
time (``window = minute // WINDOW_DAYS days``, counted from 1970-01-01): memory follows the
window, not the export."""

Intervals = Sequence[StepInterval] | StepColumns


def columns_of(records: Intervals) -> StepColumns:
    """Step intervals as columns: readers' records go through ``StepColumns.from_records``
    (``ingest.records``), the one conversion; columns pass as they are."""
    return records if isinstance(records, StepColumns) else StepColumns.from_records(records)


@dataclass(frozen=True, slots=True)
class IntervalArrays:
    """Step intervals as plain arrays, floating ones placed: what the rules compute on.
    ``device`` is a code into ``names`` (the device keys in name order), ``utc_offset_s``
    NaN where the file stated none or the interval is floating."""

    start_ns: np.ndarray
    end_ns: np.ndarray
    steps: np.ndarray
    device: np.ndarray
    utc_offset_s: np.ndarray
    names: np.ndarray

    @classmethod
    def of(cls, table: pa.Table, tz: str, names: np.ndarray | None = None) -> IntervalArrays:
        """The arrays of ``table`` (:data:`ingest.records.STEP_COLUMNS`); floating
        (wall-clock) intervals are placed in ``tz``. ``names``: the device keys to code
        into (sorted, holding every key of ``table``: those of a whole file when
        ``table`` is a part of it); by default the keys ``table`` uses."""
        table = table.unify_dictionaries()
        column = table.column("device")
        if table.num_rows:
            keys = np.array(column.chunk(0).dictionary.to_pylist(), dtype=object)
            codes = np.concatenate(
                [np.asarray(c.indices.to_numpy(zero_copy_only=False)) for c in column.chunks]
            ).astype("int64")
        else:
            keys, codes = np.array([], dtype=object), np.zeros(0, dtype="int64")
        if names is None:
            names = np.array(sorted(keys[np.unique(codes)]), dtype=object)
        rank = np.zeros(len(keys), dtype="int64")
        used = np.unique(codes)
        rank[used] = np.searchsorted(names, keys[used])
        floating = np.asarray(table.column("floating").to_numpy(), dtype=bool)
        start = _placed(_micros(table.column("start_utc")) * 1000, floating, tz)
        end = _placed(_micros(table.column("end_utc")) * 1000, floating, tz)
        offsets = table.column("utc_offset_s").to_numpy().astype("float64")  # null: NaN
        offsets[floating] = np.nan
        return cls(
            start,
            end,
            np.asarray(table.column("steps").to_numpy(), dtype="int64"),
            rank[codes],
            offsets,
            names,
        )


def _placed(values: np.ndarray, floating: np.ndarray, tz: str) -> np.ndarray:
    """``values`` (ns) with those of floating (wall-clock) rows placed in ``tz``."""
    if floating.any():
        wall = pd.Series(pd.to_datetime(values[floating], unit="ns"))
        values[floating] = _ns(timeline.wall_to_utc(wall, tz))
    return values


def _micros(column: pa.ChunkedArray) -> np.ndarray:
    return np.array(column.cast(pa.int64()).to_numpy(), dtype="int64")


def intervals_frame(records: Intervals | pa.Table, tz: str) -> pd.DataFrame:
    """Intervals as a frame; floating (wall-clock) intervals are placed in ``tz``."""
    table = records if isinstance(records, pa.Table) else columns_of(records).table()
    iv = IntervalArrays.of(table, tz)
    return pd.DataFrame(
        {
            "start_utc": pd.Series(pd.to_datetime(iv.start_ns, utc=True)).dt.as_unit("us"),
            "end_utc": pd.Series(pd.to_datetime(iv.end_ns, utc=True)).dt.as_unit("us"),
            "steps": iv.steps,
            "device": pd.array(iv.names[iv.device], dtype="string"),
            "utc_offset_s": pd.array(iv.utc_offset_s, dtype="Int64"),
        }
    )


def step_minutes(
    participant: str,
    file_sha256: str,
    records: Intervals,
    tz: str = "UTC",
    source: str = "fit",
) -> pd.DataFrame:
    """The minutes with steps of one file, summed over activity types (all windows of
    :func:`step_minute_windows` in one frame, in device and minute order)."""
    frames = [
        frame for _, frame in step_minute_windows(participant, file_sha256, records, tz, source)
    ]
    if not frames:
        return STEP_MINUTES.empty()
    whole = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    whole = whole.sort_values(["device", "minute_utc"], kind="stable", ignore_index=True)
    return schemas.coerce(STEP_MINUTES, whole)


def window_of(minute_ns: np.ndarray | int, days: int = WINDOW_DAYS) -> np.ndarray:
    """The window (:data:`WINDOW_DAYS` UTC days from 1970-01-01) each instant (ns) falls in."""
    return np.floor_divide(minute_ns, days * DAY_NS)


def step_minute_windows(
    participant: str,
    file_sha256: str,
    records: Intervals,
    tz: str = "UTC",
    source: str = "fit",
    days: int = WINDOW_DAYS,
    batch_rows: int = 16_384,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """The minutes with steps of one file, a window of ``days`` UTC days at a time, in
    window order: ``(window, frame)``, each frame in device and minute order.

    The rule (the module doc): an interval's steps spread evenly over the UTC minutes it
    touches, the remainder to the latest minutes; per device and minute the steps of all
    intervals summed, the offset of the first of them (in the file's order) that states
    one, the longest reading's length. Intervals are taken in order of their first
    minute, at most ``batch_rows`` at once; an interval's minutes past the window it
    starts in wait, unsummed, for that window: so no minute is summed before every
    interval touching it is in, and none twice."""
    columns = columns_of(records)
    if not len(columns):
        return
    table = columns.table().unify_dictionaries()
    names = _device_names(table)
    by_first = _by_first_minute(table, tz, days)
    if by_first is None:
        return
    order, window = by_first
    str_names = pd.array(names, dtype="string")
    pending = _no_rows()
    for lo, hi in _window_runs(window, batch_rows):
        rows = order[lo:hi]  # the file's rows, by first minute, in file order within
        done_before = (int(window[hi - 1]) + 1) * days * DAY_NS if hi < len(order) else None
        iv = IntervalArrays.of(table.take(rows), tz, names)
        first = iv.start_ns - iv.start_ns % MINUTE_NS
        last = iv.end_ns + (-iv.end_ns) % MINUTE_NS
        spread = _spread(first, last, iv.steps)
        at = spread["row"]
        fresh = pd.DataFrame(
            {
                "order": rows[at],
                "device_code": iv.device[at],
                "minute_ns": spread["minute_ns"],
                "steps": spread["steps"],
                "utc_offset_s": iv.utc_offset_s[at],
                "resolution_s": ((iv.end_ns - iv.start_ns) // 1_000_000_000)[at],
            }
        )
        del iv, spread, at
        pending = fresh if pending.empty else pd.concat([pending, fresh], ignore_index=True)
        if done_before is None:
            ready, pending = pending, _no_rows()
        else:
            later = pending["minute_ns"].to_numpy() >= done_before
            ready, pending = pending[~later], pending[later].reset_index(drop=True)
        if ready.empty:
            continue
        ready_window = window_of(ready["minute_ns"].to_numpy(), days)
        for w in np.unique(ready_window):
            part = ready[ready_window == w]
            yield int(w), _summed(part, str_names, participant, file_sha256, source)


def _device_names(table: pa.Table) -> np.ndarray:
    """Every device key of ``table`` (dictionaries unified), sorted, each once."""
    if not table.num_rows:
        return np.array([], dtype=object)
    keys = table.column("device").chunk(0).dictionary.to_pylist()
    return np.array(sorted(set(keys)), dtype=object)


def _by_first_minute(
    table: pa.Table, tz: str, days: int = WINDOW_DAYS
) -> tuple[np.ndarray, np.ndarray] | None:
    """The rows of ``table`` that put steps in a minute (:func:`_positive`), ordered by
    their first minute, the file's order within (row numbers), and the window of each:
    worked out a batch at a time, so only these two arrays span the whole file (None
    without such rows)."""
    firsts: list[np.ndarray] = []
    numbers: list[np.ndarray] = []
    done = 0
    for batch in table.to_batches():
        positive = np.asarray(_positive(batch).to_numpy(zero_copy_only=False), dtype=bool)
        floating = np.asarray(batch.column("floating").to_numpy(zero_copy_only=False), dtype=bool)
        rows = np.flatnonzero(positive)
        start = _placed(_micros(batch.column("start_utc")) * 1000, floating, tz)[rows]
        firsts.append(_narrow(start // MINUTE_NS))  # the first minute, since 1970
        numbers.append(_narrow(rows + done))
        done += batch.num_rows
    if not sum(len(f) for f in firsts):
        return None
    first = np.concatenate(firsts)
    del firsts
    order = np.argsort(first, kind="stable")  # by first minute; file order within
    window = np.floor_divide(first[order], days * 1440)
    del first
    return np.concatenate(numbers)[order], window


def _narrow(values: np.ndarray) -> np.ndarray:
    """``values`` as 32-bit integers when they fit (minutes and row numbers of a file
    nearly always do): half the memory of the arrays that span a whole file."""
    if len(values) and (values.min() < -(2**31) or values.max() >= 2**31):
        return values
    return values.astype("int32")


def _positive(table: pa.Table | pa.RecordBatch) -> pa.ChunkedArray | pa.Array:
    """Rows with steps over a positive span: the only ones that put steps in a minute."""
    return pc.and_(
        pc.greater(table.column("steps"), 0),
        pc.greater(table.column("end_utc"), table.column("start_utc")),
    )


def _window_runs(window: np.ndarray, batch_rows: int) -> Iterator[tuple[int, int]]:
    """``[lo, hi)`` runs of sorted ``window`` values: whole windows, several windows
    together up to about ``batch_rows`` rows (a window larger than that alone)."""
    bounds = np.flatnonzero(np.diff(window)) + 1
    starts = np.r_[0, bounds]
    ends = np.r_[bounds, len(window)]
    lo = 0
    for start, end in zip(starts, ends, strict=True):
        if start > lo and end - lo > batch_rows:
            yield lo, int(start)
            lo = int(start)
    if lo < len(window):
        yield lo, len(window)


def _spread(first: np.ndarray, last: np.ndarray, steps: np.ndarray) -> dict[str, np.ndarray]:
    """Each interval's steps over its minutes (the rule in :func:`step_minute_windows`):
    rows with steps only, each naming its interval (``row``, a position in the arrays)."""
    n = np.maximum((last - first) // MINUTE_NS, 1)
    rep = np.repeat(np.arange(len(first)), n)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    base = steps // n
    remainder = steps - base * n
    extra = (within >= (n - remainder)[rep]).astype("int64")
    per_minute = base[rep] + extra
    keep = per_minute > 0
    return {
        "row": rep[keep],
        "minute_ns": (first[rep] + within * MINUTE_NS)[keep],
        "steps": per_minute[keep],
    }


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order": np.zeros(0, dtype="int64"),
            "device_code": np.zeros(0, dtype="int64"),
            "minute_ns": np.zeros(0, dtype="int64"),
            "steps": np.zeros(0, dtype="int64"),
            "utc_offset_s": np.zeros(0, dtype="float64"),
            "resolution_s": np.zeros(0, dtype="int64"),
        }
    )


def _summed(
    part: pd.DataFrame,
    names: pd.api.extensions.ExtensionArray,
    participant: str,
    sha: str,
    source: str,
) -> pd.DataFrame:
    """One window's spread rows summed per device and minute, as ``step_minutes`` rows."""
    part = part.sort_values("order", kind="stable")  # "first" offset: in the file's order
    summed = part.groupby(["device_code", "minute_ns"], as_index=False, sort=True).agg(
        steps=("steps", "sum"),
        utc_offset_s=("utc_offset_s", "first"),
        resolution_s=("resolution_s", "max"),
    )
    summed.insert(0, "device", pd.Series(names.take(summed.pop("device_code").to_numpy())))
    summed.insert(1, "minute_utc", pd.to_datetime(summed.pop("minute_ns"), utc=True))
    summed["utc_offset_s"] = summed["utc_offset_s"].astype("Int64")
    summed.insert(0, "participant", participant)
    summed["file_sha256"] = sha
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
    records: Intervals,
    tz: str = "UTC",
    source: str = "fit",
    batch_rows: int = 65_536,
) -> pd.DataFrame:
    """The stretches the file's step readings cover, per device (see the module doc).

    Worked out ``batch_rows`` readings at a time in device and start order: each run's
    readings joined into stretches, then those stretches joined by the same rule (a
    stretch's end is the latest end of its readings, so the join across a run's edge is
    what the readings' join would be); only the readings' order spans the whole file."""
    columns = columns_of(records)
    if not len(columns):
        return WEAR.empty()
    table = columns.table().unify_dictionaries()
    names = _device_names(table)
    rows = _readings_by_device(table, tz, names)
    if rows is None:
        return WEAR.empty()
    gap_ns = int(WEAR_MAX_GAP.total_seconds()) * 1_000_000_000
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for low in range(0, len(rows), batch_rows):
        iv = IntervalArrays.of(table.take(rows[low : low + batch_rows]), tz, names)
        parts += [_stretches(iv, int(d), gap_ns) for d in np.unique(iv.device)]
    del table, rows
    pieces = IntervalArrays(  # the runs' stretches, in device and start order
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.zeros(0, dtype="int64"),
        np.concatenate([p[3] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        names,
    )
    parts = [_stretches(pieces, int(d), gap_ns) for d in np.unique(pieces.device)]
    spans = pd.DataFrame(
        {
            "device": pd.array(names[np.concatenate([p[3] for p in parts])], dtype="string"),
            "start_utc": pd.to_datetime(np.concatenate([p[0] for p in parts]), utc=True),
            "end_utc": pd.to_datetime(np.concatenate([p[1] for p in parts]), utc=True),
            "utc_offset_s": pd.array(np.concatenate([p[2] for p in parts]), dtype="Int64"),
        }
    )
    spans.insert(0, "participant", participant)
    spans["file_sha256"] = file_sha256
    spans["source"] = source
    spans["basis"] = "steps"
    return schemas.coerce(WEAR, spans)


def _readings_by_device(table: pa.Table, tz: str, names: np.ndarray) -> np.ndarray | None:
    """The row numbers of ``table``'s readings that show wear (0 < length <
    :data:`WEAR_MAX_READING`), by device name, then start, the file's order within;
    worked out a batch at a time (None without such readings)."""
    starts: list[np.ndarray] = []
    devices: list[np.ndarray] = []
    numbers: list[np.ndarray] = []
    done = 0
    keys = np.array(table.column("device").chunk(0).dictionary.to_pylist(), dtype=object)
    rank = np.searchsorted(names, keys) if len(keys) else np.zeros(0, dtype="int64")
    longest = int(WEAR_MAX_READING.total_seconds()) * 1_000_000
    for batch in table.to_batches():
        start = _micros(batch.column("start_utc"))
        span = _micros(batch.column("end_utc")) - start
        rows = np.flatnonzero((span > 0) & (span < longest))
        floating = np.asarray(batch.column("floating").to_numpy(zero_copy_only=False), dtype=bool)
        starts.append(_placed(start[rows] * 1000, floating[rows], tz))
        codes = np.asarray(batch.column("device").indices.to_numpy(zero_copy_only=False))
        devices.append(_narrow(rank[codes[rows]]))
        numbers.append(_narrow(rows + done))
        done += batch.num_rows
    if not done or not sum(len(n) for n in numbers):
        return None
    order = np.lexsort((np.concatenate(starts), np.concatenate(devices)))  # stable
    return np.concatenate(numbers)[order]


def _stretches(
    iv: IntervalArrays, device: int, gap_ns: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One device's readings joined into stretches: a reading starts a new stretch when it
    begins more than ``gap_ns`` after every earlier one (in start order) ended. Each
    stretch's start, end, first stated offset (NaN: none) and device code."""
    rows = np.flatnonzero(iv.device == device)
    rows = rows[np.argsort(iv.start_ns[rows], kind="stable")]
    start, end, offset = iv.start_ns[rows], iv.end_ns[rows], iv.utc_offset_s[rows]
    reach = np.maximum.accumulate(end)  # latest end so far
    first = np.flatnonzero(np.r_[True, start[1:] - reach[:-1] > gap_ns])
    ends = np.maximum.reduceat(end, first)
    stated = np.where(np.isnan(offset), len(offset), np.arange(len(offset)))
    at = np.minimum.reduceat(stated, first)  # the first reading that states an offset
    last = np.r_[first[1:], len(offset)]
    offsets = np.where(at < last, offset[np.minimum(at, len(offset) - 1)], np.nan)
    return start[first], ends, offsets, np.full(len(first), device)


def heart_rate_wear(
    participant: str,
    file_sha256: str,
    records: Sequence[WearSpan] | WearColumns,
    tz: str,
    source: str,
) -> pd.DataFrame:
    """The heart-rate wear spans of one file as ``wear`` rows (basis ``heart_rate``);
    floating (wall-clock) spans are placed in ``tz``. Spans of one device that touch or
    overlap (a file's spans of several offsets) are kept as they are: the day rule takes
    their union; of spans of one device that start together, the first. Rows in device
    name and start order."""
    spans = _HeartRateSpans.of(records, tz)
    if spans is None:
        return WEAR.empty()
    return spans.frame(participant, file_sha256, source)


@dataclass(frozen=True, slots=True)
class _HeartRateSpans:
    """A file's heart-rate wear rows (:func:`heart_rate_wear`) as arrays, in device name
    and start order: ``device`` and ``basis`` codes into ``names`` and ``bases``."""

    start_ns: np.ndarray
    end_ns: np.ndarray
    device: np.ndarray
    utc_offset_s: np.ndarray
    basis: np.ndarray
    names: np.ndarray
    bases: np.ndarray

    @classmethod
    def of(cls, records: Sequence[WearSpan] | WearColumns, tz: str) -> _HeartRateSpans | None:
        table = WearColumns.from_records(records).table()  # records: the one conversion
        table = table.filter(pc.greater(table.column("end_utc"), table.column("start_utc")))
        if table.num_rows == 0:
            return None
        table = table.unify_dictionaries()
        keys = np.array(table.column("device").chunk(0).dictionary.to_pylist(), dtype=object)
        names, rank = np.unique(keys, return_inverse=True)  # code → name order
        device = rank.reshape(-1)[_codes(table.column("device"))]
        bases = np.array(table.column("basis").chunk(0).dictionary.to_pylist(), dtype=object)
        basis = _codes(table.column("basis"))
        floating = np.asarray(table.column("floating").to_numpy(), dtype=bool)
        start = _placed(_micros(table.column("start_utc")) * 1000, floating, tz)
        end = _placed(_micros(table.column("end_utc")) * 1000, floating, tz)
        offsets = table.column("utc_offset_s").to_numpy().astype("float64")  # null: NaN
        offsets[floating] = np.nan
        del table
        order = np.lexsort((start, device))  # by device name, then start; stable
        start, device = start[order], device[order]
        first = np.r_[True, (device[1:] != device[:-1]) | (start[1:] != start[:-1])]
        kept = order[first]
        return cls(start[first], end[kept], device[first], offsets[kept], basis[kept], names, bases)

    def frame(
        self, participant: str, file_sha256: str, source: str, rows: np.ndarray | None = None
    ) -> pd.DataFrame:
        """The ``wear`` rows (all, or those at positions ``rows``, in that order)."""
        pick = slice(None) if rows is None else rows
        frame = pd.DataFrame(
            {
                "participant": participant,
                "device": pd.array(self.names[self.device[pick]], dtype="string"),
                "start_utc": pd.to_datetime(self.start_ns[pick], utc=True),
                "end_utc": pd.to_datetime(self.end_ns[pick], utc=True),
                "utc_offset_s": pd.array(self.utc_offset_s[pick], dtype="Int64"),
                "file_sha256": file_sha256,
                "source": source,
                "basis": self.bases[self.basis[pick]],
            }
        )
        return schemas.coerce(WEAR, frame)


def _codes(column: pa.ChunkedArray) -> np.ndarray:
    """A dictionary column's codes (its chunks' dictionaries unified) as one array."""
    if not column.num_chunks:
        return np.zeros(0, dtype="int64")
    return np.concatenate(
        [np.asarray(c.indices.to_numpy(zero_copy_only=False)) for c in column.chunks]
    ).astype("int64")


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


@dataclass(frozen=True, slots=True)
class StepFile:
    """One file's step intervals, to be spread into ``step_minutes`` a window at a time
    (:func:`step_minute_windows`) when they are written."""

    participant: str
    file_sha256: str
    columns: StepColumns
    tz: str
    source: str

    def windows(self, days: int = WINDOW_DAYS) -> Iterator[tuple[int, pd.DataFrame]]:
        return step_minute_windows(
            self.participant, self.file_sha256, self.columns, self.tz, self.source, days
        )


@dataclass(frozen=True, slots=True)
class WearFile:
    """One file's ``wear`` rows — the stretches its step intervals cover
    (:func:`wear_spans`) and its heart-rate wear spans (:func:`heart_rate_wear`) — to be
    made a window at a time (:meth:`windows`) when they are written."""

    participant: str
    file_sha256: str
    steps: StepColumns
    heart_rate: WearColumns
    tz: str
    source: str

    def frames(self) -> list[pd.DataFrame]:
        """The file's rows whole: the step stretches, then the heart-rate spans."""
        return [
            wear_spans(self.participant, self.file_sha256, self.steps, self.tz, self.source),
            heart_rate_wear(
                self.participant, self.file_sha256, self.heart_rate, self.tz, self.source
            ),
        ]

    def windows(self, days: int = WINDOW_DAYS) -> Iterator[tuple[int, pd.DataFrame]]:
        """The rows of :meth:`frames` a window of ``days`` UTC days (by ``start_utc``) at
        a time, in window order, each in the order :meth:`frames` gives them. The
        heart-rate spans wait as arrays; a window's become a frame when it comes."""
        stretches = wear_spans(self.participant, self.file_sha256, self.steps, self.tz, self.source)
        spans = _HeartRateSpans.of(self.heart_rate, self.tz)
        stretch_window = window_of(_ns(stretches["start_utc"]), days)
        span_window = window_of(spans.start_ns, days) if spans is not None else np.zeros(0, "int64")
        span_order = np.argsort(span_window, kind="stable")
        span_window = span_window[span_order]
        for w in np.union1d(stretch_window, span_window):
            parts = [stretches[stretch_window == w].reset_index(drop=True)]
            lo, hi = np.searchsorted(span_window, [w, w + 1])
            if spans is not None and hi > lo:
                rows = span_order[lo:hi]
                parts.append(spans.frame(self.participant, self.file_sha256, self.source, rows))
            parts = [p for p in parts if len(p)]
            yield int(w), pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


Windows = Iterable[tuple[int, pd.DataFrame]]


def merged_windows(
    files: Sequence[StepFile], existing: Windows = (), days: int = WINDOW_DAYS
) -> Iterator[tuple[int, pd.DataFrame]]:
    """``existing`` step minutes and those of ``files`` merged (:func:`merge_step_minutes`:
    per device and minute the larger count wins), a window at a time, in window order.
    Every source is read in window order, one window of each held at a time."""
    sources: list[Windows] = [existing, *(f.windows(days) for f in files)]
    merged = heapq.merge(*sources, key=lambda item: item[0])
    for window, group in itertools.groupby(merged, key=lambda item: item[0]):
        frame = merge_step_minutes([f for _, f in group])
        if len(frame):
            yield window, frame
