"""Local calendar days from UTC instants — the one place that decides which day a minute is.

A record's local day comes from the offset its own file states (``utc_offset_s``) when there
is one, else from the participant's IANA time zone, evaluated at that very instant (so a
night that crosses a DST change gets the right day on both sides of it).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

DAY_NS = 86_400 * 1_000_000_000
_EPOCH = date(1970, 1, 1)


def offsets_s(instants: pd.Series, file_offset_s: pd.Series, tz: str) -> pd.Series:
    """Seconds east of UTC for each instant: the file's offset, else ``tz``'s at that instant."""
    instants = _as_utc(instants)
    local = instants.dt.tz_convert(tz).dt.tz_localize(None)
    zone_offset = (local - instants.dt.tz_localize(None)).dt.total_seconds().astype("int64")
    stated = pd.to_numeric(file_offset_s, errors="coerce").astype("Int64")
    return stated.fillna(zone_offset).astype("int64").set_axis(instants.index)


def local_dates(instants: pd.Series, file_offset_s: pd.Series, tz: str) -> pd.Series:
    """The local calendar day of each UTC instant (as ``datetime.date`` objects)."""
    instants = _as_utc(instants)
    if instants.isna().any():  # NaT has no day: the slow path keeps it NaT
        offsets = offsets_s(instants, file_offset_s, tz)
        local = instants.dt.tz_localize(None) + pd.to_timedelta(offsets, unit="s")
        return local.dt.date
    ns = instants.dt.as_unit("ns").astype("int64").to_numpy()
    days = local_day_numbers(ns, file_offset_s, tz)
    return pd.Series(dates_of(days), index=instants.index, dtype=object)


def local_day_numbers(instants_ns: np.ndarray, file_offset_s: object, tz: str) -> np.ndarray:
    """:func:`local_dates` as day numbers (days since 1970-01-01) of UTC instants given as
    nanoseconds since the epoch: ``file_offset_s`` (one per instant, missing where the
    file stated none) else ``tz``'s offset at the instant. The same days as
    ``local_dates``, without a date object per instant."""
    offset, known = offset_values(file_offset_s, len(instants_ns))
    return local_day_numbers_of(instants_ns, offset, known, tz)


def local_day_numbers_of(
    instants_ns: np.ndarray, offset_s: np.ndarray, known: np.ndarray, tz: str
) -> np.ndarray:
    """:func:`local_day_numbers` with the stated offsets as :func:`offset_values` gives
    them: seconds, and whether each was stated."""
    ns = np.asarray(instants_ns, dtype="int64")
    offset_ns = np.asarray(offset_s, dtype="int64") * 1_000_000_000
    if not known.all():
        unknown = ~known
        offset_ns[unknown] = zone_offsets_ns(ns[unknown], tz)
    return (ns + offset_ns) // DAY_NS


def offset_values(file_offset_s: object, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Stated offsets (seconds; missing ones as ``pd.NA``, ``None`` or NaN) as an int64
    array (0 where missing) and whether each was stated."""
    if file_offset_s is None:
        return np.zeros(n, dtype="int64"), np.zeros(n, dtype=bool)
    if isinstance(file_offset_s, pd.Series) and pd.api.types.is_integer_dtype(file_offset_s):
        stated = file_offset_s.astype("Int64")  # a stored column: no object per row
    else:
        objects = pd.Series(np.asarray(file_offset_s, dtype=object))
        stated = pd.to_numeric(objects, errors="coerce").astype("Int64")
    known = stated.notna().to_numpy(dtype=bool)
    return stated.to_numpy(dtype="int64", na_value=0), known


def zone_offsets_ns(instants_ns: np.ndarray, tz: str) -> np.ndarray:
    """``tz``'s offset from UTC at each instant (nanoseconds since the epoch), in whole
    seconds as nanoseconds."""
    if len(instants_ns) == 0:
        return np.zeros(0, dtype="int64")
    utc = pd.DatetimeIndex(np.asarray(instants_ns, dtype="int64").view("M8[ns]"), tz="UTC")
    local = utc.tz_convert(tz).tz_localize(None).asi8
    offset = local - np.asarray(instants_ns, dtype="int64")
    return (offset // 1_000_000_000) * 1_000_000_000


def dates_of(day_numbers: np.ndarray) -> np.ndarray:
    """Day numbers (days since 1970-01-01) as an object array of ``datetime.date``."""
    unique, inverse = np.unique(np.asarray(day_numbers, dtype="int64"), return_inverse=True)
    objects = np.array([_EPOCH + timedelta(days=int(d)) for d in unique] + [None], dtype=object)
    return objects[:-1][inverse.reshape(-1)]


def tz_sources(file_offset_s: pd.Series, tz: str) -> pd.Series:
    """``"file"`` where the file stated its offset, else the zone name used."""
    return (
        pd.Series("file", index=file_offset_s.index, dtype="string")
        .where(file_offset_s.notna(), tz)
        .astype("string")
    )


def _as_utc(instants: pd.Series) -> pd.Series:
    series = pd.to_datetime(instants, utc=True)
    return series.dt.as_unit("us")


def wall_to_utc(wall: pd.Series, tz: str) -> pd.Series:
    """Local wall-clock times (naive) in ``tz`` as UTC instants. A wall time that does
    not exist (spring forward) moves forward; one that occurs twice (autumn) takes its
    first occurrence."""
    local = pd.to_datetime(wall)
    if local.dt.tz is not None:
        local = local.dt.tz_localize(None)
    first = local.dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return first.dt.tz_convert("UTC").dt.as_unit("us")
