"""GPX reader: bytes of one ``.gpx`` file → :class:`~ingest.records.ParsedFile`.

GPX 1.0 and 1.1 with any (or no) namespace, as written by Strava, Garmin Connect and
Garmin devices, OpenTracks, Gadgetbridge, GPSBabel and Apple Health workout routes
(``route_*.gpx``). Elements are matched by local name (:mod:`ingest.xmlsafe`), which also
refuses DTDs and entities. Positions are used only inside this module, to measure
distance and moving time: no record carries a coordinate.

The track measurements (:func:`measure_track`) and the activity-name mapping
(:func:`sport_from_name`) are shared with :mod:`ingest.tcx`.

Sessions
    Each ``<trk>`` with timed points is a session, except that consecutive tracks of the
    same ``<type>`` (or both without one) that start at most ``TRACK_MERGE_GAP_S`` (30 min)
    after the previous one ended are one session: devices and GPSBabel split one outing
    into many tracks ("ACTIVE LOG", "ACTIVE LOG #2", ...) whenever the logger was paused or
    lost the satellites. Segments (``<trkseg>``) of one track stay one session; the time
    between them is a pause. A gap of more than ``SESSION_SPLIT_GAP_S`` (3 h) between
    segments or tracks always starts a new session (a multi-day track, a logger left on).

Timestamps
    Only points with a valid ``<time>`` count. GPX times are UTC by the standard ("not local
    time"), so a time without a zone designator is read as UTC, never as floating. A time
    with a non-zero offset (``+02:00``, as OpenTracks and some phones write) gives the
    session's ``utc_offset_s`` (the first point's offset); ``Z`` and ``+00:00`` give none -
    an offset of zero is how UTC is commonly written, not a statement about local time.
    Times before 1990 are a device whose clock was never set (e.g. 1901): such points are
    dropped, and a file left with nothing else is rejected.

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

Activity type
    ``<trk><type>`` (else a track extension such as ``activity``) is kept verbatim in
    ``sport_name`` and mapped by :func:`sport_from_name` (names are case-, separator- and
    CamelCase-insensitive; Strava's numeric codes 1 Ride, 4 Hike, 9 Run, 10 Walk, 16 Swim
    are translated first). Unmapped or garbage types give ``sport=None`` with the text kept.

Steps
    From per-point cadence (Garmin TrackPointExtension ``cad``, ClueTrust ``cadence``) for
    foot sports and untyped tracks, never for other sports (a ride's cadence is pedal
    revolutions). Garmin's convention is strides (one foot) per minute, so steps are
    ``2 × cadence`` integrated over the non-pause intervals - unless the values are already
    steps per minute ("doubled cadence", see :func:`measure_track`). Steps are reported only
    when cadence covers at least half of that time.

Device
    ``Device(product=<gpx creator attribute>)``; GPX names no serial numbers.

Skips and rejections
    A file with routes and/or waypoints but no track is skipped ("GPX holds only a planned
    route / waypoints, no recorded track"); tracks whose points have no timestamps (drawn or
    planned tracks), or fewer than two timed points, are skipped ("GPX track has no
    timestamps ..."); timestamps before 1990 only are rejected; malformed XML, DTDs and
    entities are rejected by :mod:`ingest.xmlsafe`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Final

from lxml import etree

from ingest.records import (
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    UnusableFile,
)
from ingest.xmlsafe import child, child_text, children, local_name, parse_xml, parse_xsd_datetime
from ingest.xmlsafe import sniff_root as _sniff_root

__all__ = [
    "EARLIEST_PLAUSIBLE",
    "FOOT_SPORTS",
    "FORMAT",
    "GLITCH_SPEED_MPS",
    "PAUSE_GAP_S",
    "SESSION_SPLIT_GAP_S",
    "STATIONARY_MIN_S",
    "STATIONARY_SPEED_MPS",
    "STRAVA_GPX_TYPES",
    "TRACK_MERGE_GAP_S",
    "PathSample",
    "TrackMeasure",
    "TrackPoint",
    "haversine_m",
    "measure_track",
    "parse",
    "path_points",
    "sniff",
    "sport_from_name",
]

FORMAT: Final = "gpx"

PAUSE_GAP_S: Final = 300.0
"""An interval between two points longer than this is a pause (or signal loss)."""

STATIONARY_SPEED_MPS: Final = 0.2
"""An interval slower than this is standing still (when part of a long enough stretch)."""

STATIONARY_MIN_S: Final = 60.0
"""Consecutive slow intervals lasting at least this long are a stationary stretch."""

GLITCH_SPEED_MPS: Final = 100.0
"""An interval faster than this (360 km/h) is a position glitch, not movement."""

TRACK_MERGE_GAP_S: Final = 30 * 60.0
"""Consecutive tracks of the same type at most this far apart are one session."""

SESSION_SPLIT_GAP_S: Final = 3 * 3600.0
"""A gap longer than this between segments or tracks always starts a new session."""

EARLIEST_PLAUSIBLE: Final = datetime(1990, 1, 1, tzinfo=UTC)
"""Timestamps before this are an unset device clock, not real dates."""

FOOT_SPORTS: Final = frozenset({1, 11, 17})
"""FIT sports whose cadence counts strides: running, walking, hiking."""

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

# --- activity types -----------------------------------------------------------------------

STRAVA_GPX_TYPES: Final[dict[str, str]] = {
    "1": "Ride",
    "4": "Hike",
    "9": "Run",
    "10": "Walk",
    "16": "Swim",
}
"""Strava's numeric ``<type>`` codes in its GPX exports (older exports; newer ones write
"running", "cycling", ...). Codes other than these are not translated."""

_SPORT_BY_NAME: Final[dict[str, tuple[int, int]]] = {
    # walking (FIT 11) and hiking (17)
    "walk": (11, 0),
    "walking": (11, 0),
    "nordic walking": (11, 0),
    "casual walking": (11, 30),
    "speed walking": (11, 31),
    "indoor walking": (11, 27),
    "treadmill walking": (11, 27),
    "hike": (17, 0),
    "hiking": (17, 0),
    # running (1)
    "run": (1, 0),
    "running": (1, 0),
    "jogging": (1, 0),
    "treadmill running": (1, 1),
    "treadmill": (1, 1),
    "street running": (1, 2),
    "trail running": (1, 3),
    "trail run": (1, 3),
    "track running": (1, 4),
    "indoor running": (1, 45),
    # cycling (2), e-biking (21)
    "cycling": (2, 0),
    "biking": (2, 0),
    "bike": (2, 0),
    "ride": (2, 0),
    "indoor cycling": (2, 6),
    "road biking": (2, 7),
    "road cycling": (2, 7),
    "mountain biking": (2, 8),
    "mountain bike ride": (2, 8),
    "gravel cycling": (2, 46),
    "e biking": (21, 0),
    "e bike ride": (21, 0),
    "ebike ride": (21, 0),
    # swimming (5)
    "swim": (5, 0),
    "swimming": (5, 0),
    "pool swim": (5, 17),
    "pool swimming": (5, 17),
    "lap swimming": (5, 17),
    "open water swimming": (5, 18),
    # training (10)
    "training": (10, 0),
    "strength": (10, 20),
    "strength training": (10, 20),
    "weight training": (10, 20),
    "yoga": (10, 43),
    "pilates": (10, 44),
    # others with a FIT code
    "elliptical": (4, 15),
    "stair climbing": (4, 16),
    "indoor rowing": (15, 14),
    "rowing": (15, 0),
    "cross country skiing": (12, 0),
    "nordic ski": (12, 0),
    "alpine skiing": (13, 0),
    "mountaineering": (16, 0),
    "snowshoeing": (35, 0),
    "snowshoe": (35, 0),
    "stand up paddleboarding": (37, 0),
    "stand up paddling": (37, 0),
    "kayaking": (41, 0),
    "driving": (24, 0),
}

_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS: Final = re.compile(r"[\s_\-]+")


def sport_from_name(name: str | None) -> tuple[int | None, int | None]:
    """FIT (sport, sub_sport) for an activity-type name, or (None, None) when none fits.

    Case, ``_``/``-``/space separators and CamelCase do not matter ("trail_running",
    "TrailRunning", "Trail Running"); Strava's numeric GPX codes are translated through
    :data:`STRAVA_GPX_TYPES`. "Other", "generic" and unknown names map to (None, None).
    """
    if name is None:
        return None, None
    text = name.strip()
    text = STRAVA_GPX_TYPES.get(text, text)
    key = _SEPARATORS.sub(" ", _CAMEL_BOUNDARY.sub(" ", text)).strip().lower()
    sport = _SPORT_BY_NAME.get(key)
    return (None, None) if sport is None else sport


# --- track measurement ------------------------------------------------------------------


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


# --- GPX structure ------------------------------------------------------------------------


def sniff(head: bytes) -> bool:
    """True when the XML root element of ``head`` is ``<gpx>`` (any namespace)."""
    return _sniff_root(head) == "gpx"


@dataclass(slots=True)
class _PointCounts:
    """Why points of a file were not used."""

    untimed: int = 0
    unreadable: int = 0
    implausible: int = 0
    unreadable_example: str | None = None
    implausible_example: datetime | None = None
    timed: int = 0


@dataclass(frozen=True, slots=True)
class _Track:
    number: int  # 1-based position among the file's <trk>
    name: str | None
    type: str | None
    segments: tuple[tuple[TrackPoint, ...], ...]  # timed points, non-empty segments only
    points: int  # all points, timed or not


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _position(point: etree._Element) -> tuple[float, float] | None:
    lat, lon = _float(point.get("lat")), _float(point.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _cadence(point: etree._Element) -> float | None:
    extensions = child(point, "extensions")
    if extensions is None:
        return None
    for element in extensions.iter():
        if local_name(element) in ("cad", "cadence"):
            value = _float(element.text)
            if value is not None and value >= 0:
                return value
    return None


def _point_time(point: etree._Element, counts: _PointCounts) -> tuple[datetime, int | None] | None:
    text = child_text(point, "time")
    if text is None:
        counts.untimed += 1
        return None
    parsed = parse_xsd_datetime(text)
    if parsed is None:
        counts.unreadable += 1
        counts.unreadable_example = counts.unreadable_example or text
        return None
    if parsed[0] < EARLIEST_PLAUSIBLE:
        counts.implausible += 1
        counts.implausible_example = counts.implausible_example or parsed[0]
        return None
    counts.timed += 1
    return parsed


def _segment(points: Sequence[etree._Element], counts: _PointCounts) -> tuple[TrackPoint, ...]:
    samples = []
    for point in points:
        timed = _point_time(point, counts)
        samples.append(
            PathSample(
                time=None if timed is None else timed[0],
                position=_position(point),
                cadence=_cadence(point),
                utc_offset_s=None if timed is None else timed[1],
            )
        )
    return tuple(path_points(samples))


def _track_type(track: etree._Element) -> str | None:
    declared = child_text(track, "type")
    if declared is not None:
        return declared
    extensions = child(track, "extensions")
    if extensions is not None:
        for element in extensions.iter():
            if local_name(element) in ("activity", "activityType", "activity_type"):
                text = (element.text or "").strip()
                if text:
                    return text
    return None


def _tracks(root: etree._Element, counts: _PointCounts) -> list[_Track]:
    tracks: list[_Track] = []
    for number, track in enumerate(children(root, "trk"), start=1):
        raw_segments = [children(segment, "trkpt") for segment in children(track, "trkseg")]
        loose = children(track, "trkpt")  # points directly in <trk>: a writer's mistake
        if loose:
            raw_segments.append(loose)
        segments = tuple(
            segment for segment in (_segment(raw, counts) for raw in raw_segments) if segment
        )
        tracks.append(
            _Track(
                number=number,
                name=child_text(track, "name"),
                type=_track_type(track),
                segments=segments,
                points=sum(len(raw) for raw in raw_segments),
            )
        )
    return tracks


@dataclass(slots=True)
class _Group:
    tracks: list[_Track]
    segments: list[tuple[TrackPoint, ...]]


def _gap_s(before: Sequence[TrackPoint], after: Sequence[TrackPoint]) -> float:
    """Seconds from the end of one segment to the start of the next (negative: overlap)."""
    end = max(point.time for point in before)
    start = min(point.time for point in after)
    return (start - end).total_seconds()


def _groups(tracks: Sequence[_Track]) -> list[_Group]:
    """Tracks and segments grouped into sessions (see the module docstring)."""
    groups: list[_Group] = []
    for track in tracks:
        for position, segment in enumerate(track.segments):
            current = groups[-1] if groups else None
            if current is not None:
                gap = _gap_s(current.segments[-1], segment)
                if position > 0 and 0 <= gap <= SESSION_SPLIT_GAP_S:
                    current.segments.append(segment)
                    continue
                same_type = current.tracks[-1].type == track.type
                if position == 0 and same_type and 0 <= gap <= TRACK_MERGE_GAP_S:
                    current.tracks.append(track)
                    current.segments.append(segment)
                    continue
            groups.append(_Group(tracks=[track], segments=[segment]))
    return groups


def _session(
    group: _Group, index: int, device: Device, warnings: list[str]
) -> SessionRecord | None:
    from ingest.places import without_place  # it builds on sport_from_name, here

    first = group.tracks[0]
    sport, sub_sport = sport_from_name(first.type)
    shown = without_place(first.name, sport)  # warnings reach the manifest: no place names
    label = f"track {first.number}" + (f" ({shown!r})" if shown else "")
    measure = measure_track(
        group.segments, sport=sport, count_steps=sport is None or sport in FOOT_SPORTS
    )
    if measure is None:
        return None
    elapsed = (measure.end - measure.start).total_seconds()
    if elapsed <= 0:
        count = sum(len(segment) for segment in group.segments)
        warnings.append(
            f"{label} ignored: its {count} timed point(s) are all at one instant, so it spans "
            "no time"
        )
        return None
    if measure.glitches:
        warnings.append(
            f"{label}: {measure.glitches} position jump(s) faster than "
            f"{GLITCH_SPEED_MPS:g} m/s left out of distance and moving time (GPS glitches)"
        )
    warnings.extend(f"{label}: {note}" for note in measure.notes)
    offset = group.segments[0][0].utc_offset_s
    return SessionRecord(
        source_format=FORMAT,
        index=index,
        start_utc=measure.start,
        elapsed_s=elapsed,
        moving_s=min(measure.moving_s, elapsed),
        sport=sport,
        sub_sport=sub_sport,
        sport_name=first.type,
        activity_name=first.name,
        distance_m=measure.distance_m,
        steps=measure.steps,
        device=device,
        utc_offset_s=offset or None,
    )


def _count_warnings(counts: _PointCounts) -> list[str]:
    warnings = []
    if counts.untimed:
        warnings.append(f"{counts.untimed} track point(s) without a <time> were ignored")
    if counts.unreadable:
        warnings.append(
            f"{counts.unreadable} track point(s) with an unreadable <time> were ignored "
            f"(e.g. {counts.unreadable_example!r})"
        )
    if counts.implausible:
        example = counts.implausible_example
        shown = example.date().isoformat() if example else "?"
        warnings.append(
            f"{counts.implausible} track point(s) dated before 1990 (e.g. {shown}) were "
            "ignored: the device clock was not set"
        )
    return warnings


def _nothing_recorded(
    root: etree._Element, tracks: Sequence[_Track], counts: _PointCounts
) -> UnusableFile:
    """Why a GPX file yields no session."""
    if counts.implausible and counts.timed == 0:
        example = counts.implausible_example
        shown = example.isoformat().replace("+00:00", "Z") if example else "?"
        return RejectedFile(
            f"GPX timestamps before 1990 are not real dates (e.g. {shown}): the recording "
            "device's clock was not set, so the track cannot be placed in time"
        )
    total_points = sum(track.points for track in tracks)
    if total_points:
        if counts.timed == 0 and counts.unreadable:
            return RejectedFile(
                f"GPX track has no readable timestamps: {counts.unreadable} <time> values "
                f"cannot be read (e.g. {counts.unreadable_example!r})"
            )
        if counts.timed == 0:
            return SkippedFile(
                f"GPX track has no timestamps: none of its {total_points} points has a <time>, "
                "so it is a drawn or planned track, not a recording"
            )
        if counts.timed < 2:
            return SkippedFile(
                f"GPX track has no timestamps to measure: only {counts.timed} of its "
                f"{total_points} points has a <time> (at least 2 are needed)"
            )
        return SkippedFile(
            f"GPX track has no timestamps spanning any time: its {counts.timed} timed points "
            "share one instant (or stand alone in their tracks)"
        )
    if children(root, "rte") or children(root, "wpt"):
        return SkippedFile("GPX holds only a planned route / waypoints, no recorded track")
    if tracks:
        return SkippedFile("GPX tracks are empty: no track points")
    return SkippedFile("GPX file holds no tracks, routes or waypoints")


def _parse(data: bytes) -> ParsedFile:
    root = parse_xml(data)
    name = local_name(root)
    if name != "gpx":
        raise RejectedFile(f"not a GPX file: its XML root element is <{name}>, not <gpx>")
    creator = (root.get("creator") or "").strip() or None
    device = Device(product=creator)
    counts = _PointCounts()
    tracks = _tracks(root, counts)
    warnings = _count_warnings(counts)
    sessions: list[SessionRecord] = []
    for group in _groups(tracks):
        session = _session(group, len(sessions), device, warnings)
        if session is not None:
            sessions.append(session)
    if not sessions:
        raise _nothing_recorded(root, tracks, counts)
    return ParsedFile(
        format=FORMAT, kind="activity", sessions=tuple(sessions), warnings=tuple(warnings)
    )


def parse(data: bytes) -> ParsedFile:
    """Read one GPX file: one session per recorded outing (see the module docstring).

    Raises :class:`SkippedFile` for valid files without a recorded track and
    :class:`RejectedFile` for broken ones; never anything else.
    """
    try:
        return _parse(data)
    except UnusableFile:
        raise
    except Exception as error:  # a bug must not escape as a crash of the whole upload
        raise RejectedFile(
            f"GPX file could not be read: unexpected {type(error).__name__} ({error}); "
            "please report this file"
        ) from error
