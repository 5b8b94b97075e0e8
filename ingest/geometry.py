"""Track geometry: positions → path length, timed points → moving time, distance, steps.

Shared by the readers of tracks (:mod:`ingest.gpx`, :mod:`ingest.tcx`). Positions are used
only here, to measure: :func:`path_points` drops them, and no record carries a coordinate.

Moving time (also used for TCX trackpoints)
    Over consecutive timed points of one segment, an interval counts as moving unless

    * it is not positive (repeated or backwards timestamps),
    * it is longer than ``PAUSE_GAP_S`` (5 min): a pause or signal loss,
    * it belongs to a stationary stretch: consecutive intervals each slower than
      ``STATIONARY_SPEED_MPS`` (0.2 m/s) lasting ``STATIONARY_MIN_S`` (60 s) or more in
      total - standing still ("more than a minute with less than 12 m moved"). Shorter
      slow stretches count as moving: apps hold the last position between sparse GPS
      fixes (Runtastic repeats one position for 27 s while running), and a short wait at a
      crossing is part of a walk, as it is for a device timer; or
    * its speed is above ``GLITCH_SPEED_MPS`` (100 m/s): a position glitch, which is also
      left out of the distance (a warning counts them).

    Time between segments or merged tracks never counts. Intervals whose distance is
    unknown (no positions) count as moving when not a pause. Known limit: a receiver whose
    position jitters by more than 0.2 m/s while standing still makes that time moving.

Distance
    The haversine length of the path through every positioned point (timed or not)
    between a segment's first and last timed point, summed over segments, minus position
    glitches. Speed outliers are kept: a track recorded in a car keeps its distance, and the
    pipeline's speed-based inference decides that it was no walk.

Steps
    See :func:`measure_track`: per-point cadence integrated over the non-pause intervals,
    doubled unless the values are already steps per minute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Final

__all__ = [
    "EARLIEST_PLAUSIBLE",
    "GLITCH_SPEED_MPS",
    "PAUSE_GAP_S",
    "STATIONARY_MIN_S",
    "STATIONARY_SPEED_MPS",
    "PathSample",
    "TrackMeasure",
    "TrackPoint",
    "haversine_m",
    "measure_track",
    "path_points",
]

PAUSE_GAP_S: Final = 300.0
"""An interval between two points longer than this is a pause (or signal loss)."""

STATIONARY_SPEED_MPS: Final = 0.2
"""An interval slower than this is standing still (when part of a long enough stretch)."""

STATIONARY_MIN_S: Final = 60.0
"""Consecutive slow intervals lasting at least this long are a stationary stretch."""

GLITCH_SPEED_MPS: Final = 100.0
"""An interval faster than this (360 km/h) is a position glitch, not movement."""

EARLIEST_PLAUSIBLE: Final = datetime(1990, 1, 1, tzinfo=UTC)
"""Timestamps before this are an unset device clock, not real dates."""

# Cadence given per leg ("strides") above this 90th percentile would be > 240 steps/min.
_STEPS_CADENCE_P90: Final = 120.0
# A walk or hike at a median of more than 80 strides (160 steps) per minute is implausible.
_STEPS_CADENCE_WALK_MEDIAN: Final = 80.0
# Steps shorter than this, read as strides, on a track that really moves: already steps.
_MIN_STEP_LENGTH_M: Final = 0.4
_STEP_LENGTH_MIN_DISTANCE_M: Final = 200.0
_STEP_LENGTH_MIN_SPEED_MPS: Final = 0.7
_MIN_CADENCE_COVERAGE: Final = 0.5

_EARTH_RADIUS_M: Final = 6_371_008.8


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One timed point of a track segment, as the measurement needs it (no coordinates).

    ``path_m`` is the cumulative haversine length of the segment's path up to this point
    (None when the point has no position); ``device_m`` the device's own cumulative distance
    (TCX ``DistanceMeters``); ``cadence`` per minute in the source's unit.
    """

    time: datetime
    path_m: float | None = None
    device_m: float | None = None
    cadence: float | None = None
    utc_offset_s: int | None = None


@dataclass(frozen=True, slots=True)
class TrackMeasure:
    """What a track's timed points say about a session."""

    start: datetime
    end: datetime
    moving_s: float
    distance_m: float | None  # along positions; None when no point has a position
    steps: int | None
    cadence_in_steps: bool = False  # cadence values were already steps per minute
    glitches: int = 0  # intervals dropped as position glitches
    notes: tuple[str, ...] = field(default=())


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two positions in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class PathSample:
    """One point of a segment as read from a file, before measuring (position included)."""

    time: datetime | None
    position: tuple[float, float] | None  # (lat, lon) in degrees
    device_m: float | None = None
    cadence: float | None = None
    utc_offset_s: int | None = None


def path_points(samples: Iterable[PathSample]) -> list[TrackPoint]:
    """The timed points of one segment, with ``path_m`` measured and positions dropped.

    ``samples`` are every point of the segment in file order; untimed points still
    lengthen the path between the timed ones.
    """
    result: list[TrackPoint] = []
    travelled = 0.0
    previous: tuple[float, float] | None = None
    for sample in samples:
        position = sample.position
        if position is not None:
            if previous is not None:
                travelled += haversine_m(previous[0], previous[1], position[0], position[1])
            previous = position
        if sample.time is None:
            continue
        result.append(
            TrackPoint(
                time=sample.time,
                path_m=travelled if position is not None else None,
                device_m=sample.device_m,
                cadence=sample.cadence,
                utc_offset_s=sample.utc_offset_s,
            )
        )
    return result


def _held(still_s: float) -> float:
    """The moving time in a stretch of slow intervals: all of it when too short to be a stop."""
    return still_s if still_s < STATIONARY_MIN_S else 0.0


def _percentile(ordered: Sequence[float], share: float) -> float:
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _cadence_in_steps(
    values: Sequence[float],
    sport: int | None,
    distance_m: float,
    strides: float,
    time_s: float,
) -> str | None:
    """Why the cadence values are already steps per minute, or None when they are strides."""
    ordered = sorted(values)
    if _percentile(ordered, 0.9) > _STEPS_CADENCE_P90:
        return (
            f"90% of cadence values are up to {_percentile(ordered, 0.9):g}/min, which per "
            "leg would be over 240 steps/min"
        )
    if sport in (11, 17) and _percentile(ordered, 0.5) > _STEPS_CADENCE_WALK_MEDIAN:
        return (
            f"a walk's median cadence of {_percentile(ordered, 0.5):g}/min per leg is implausible"
        )
    if (
        distance_m >= _STEP_LENGTH_MIN_DISTANCE_M
        and time_s > 0
        and distance_m / time_s >= _STEP_LENGTH_MIN_SPEED_MPS
        and strides > 0
        and distance_m / (2 * strides) < _MIN_STEP_LENGTH_M
    ):
        return f"read per leg it would mean steps of {distance_m / (2 * strides):.2f} m, too short"
    return None


def measure_track(
    segments: Sequence[Sequence[TrackPoint]],
    *,
    sport: int | None = None,
    count_steps: bool = True,
) -> TrackMeasure | None:
    """Moving time, distance and steps of a track (see the module docstring for the rules).

    ``segments`` hold timed points in file order; time between segments never counts.
    Returns None when there are no points.

    Steps come from ``cadence`` (per minute, Garmin convention: strides of one foot) when
    ``count_steps``: integrated over the non-pause intervals (each interval takes the
    cadence of its closing point, else its opening point) and doubled - unless the values
    are already steps per minute, judged by any of: a 90th percentile above 120/min (per
    leg that would exceed 240 steps/min); for walking/hiking a median above 80/min; or, on
    a track moving at least 0.7 m/s over at least 200 m, an implied step length under
    0.4 m. Then they are integrated as they are, and ``cadence_in_steps`` is set.
    """
    points = [point for segment in segments for point in segment]
    if not points:
        return None
    start = min(point.time for point in points)
    end = max(point.time for point in points)
    use_device = any(
        p.device_m is not None and q.device_m is not None and q.device_m > p.device_m
        for segment in segments
        for p, q in pairwise(segment)
    )
    moving = counted = glitch_m = path_m = 0.0
    glitches = 0
    has_path = False
    strides = covered = cadence_distance = cadence_distance_strides = cadence_distance_s = 0.0
    cadence_values: list[float] = []
    for segment in segments:
        positioned = [point.path_m for point in segment if point.path_m is not None]
        if positioned:
            has_path = True
            path_m += positioned[-1] - positioned[0]
        still_s = 0.0  # the current stretch of slow intervals
        for p, q in pairwise(segment):
            dt = (q.time - p.time).total_seconds()
            if dt <= 0:
                continue
            if dt > PAUSE_GAP_S:
                moving += _held(still_s)
                still_s = 0.0
                continue
            path_d = None if p.path_m is None or q.path_m is None else q.path_m - p.path_m
            if path_d is not None and path_d / dt > GLITCH_SPEED_MPS:
                glitches += 1
                glitch_m += path_d
                moving += _held(still_s)
                still_s = 0.0
                continue
            distance = path_d
            if (
                use_device
                and p.device_m is not None
                and q.device_m is not None
                and q.device_m >= p.device_m
            ):
                distance = q.device_m - p.device_m
            counted += dt
            if distance is not None and distance / dt < STATIONARY_SPEED_MPS:
                still_s += dt
            else:
                moving += dt + _held(still_s)
                still_s = 0.0
            cadence = q.cadence if q.cadence is not None else p.cadence
            if not count_steps or cadence is None or cadence < 0:
                continue
            interval_strides = cadence * dt / 60.0
            strides += interval_strides
            covered += dt
            if cadence > 0:
                cadence_values.append(cadence)
                if distance is not None:
                    cadence_distance += distance
                    cadence_distance_strides += interval_strides
                    cadence_distance_s += dt
        moving += _held(still_s)
    steps: int | None = None
    notes: list[str] = []
    in_steps = False
    if cadence_values and strides > 0:
        reason = _cadence_in_steps(
            cadence_values, sport, cadence_distance, cadence_distance_strides, cadence_distance_s
        )
        in_steps = reason is not None
        if covered >= _MIN_CADENCE_COVERAGE * counted:
            steps = round(strides if in_steps else 2 * strides)
            if reason is not None:
                notes.append(
                    f"cadence is already in steps per minute ({reason}); it was not doubled"
                )
        else:
            notes.append(
                f"cadence covers only {covered:.0f} s of {counted:.0f} s: no step count derived"
            )
    return TrackMeasure(
        start=start,
        end=end,
        moving_s=moving,
        distance_m=max(0.0, path_m - glitch_m) if has_path else None,
        steps=steps,
        cadence_in_steps=in_steps,
        glitches=glitches,
        notes=tuple(notes),
    )
