"""Local calendar days from UTC instants — the one place that decides which day a minute is.

A record's local day comes from the offset its own file states (``utc_offset_s``) when there
is one, else from the participant's IANA time zone, evaluated at that very instant (so a
night that crosses a DST change gets the right day on both sides of it).
"""

from __future__ import annotations

import pandas as pd


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
    offsets = offsets_s(instants, file_offset_s, tz)
    local = instants.dt.tz_localize(None) + pd.to_timedelta(offsets, unit="s")
    return local.dt.date


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
