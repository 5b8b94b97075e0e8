"""GPX reader: bytes of one ``.gpx`` file → :class:`~ingest.records.ParsedFile`.

GPX 1.0 and 1.1 with any (or no) namespace, as written by Strava, Garmin Connect and
Garmin devices, OpenTracks, Gadgetbridge, GPSBabel and Apple Health workout routes
(``route_*.gpx``). Elements are matched by local name (:mod:`ingest.xmlsafe`), which also
refuses DTDs and entities. Positions are used only inside this module, to measure
distance and moving time: no record carries a coordinate.

The track measurements (:mod:`ingest.geometry`) and the activity-name mapping
(:mod:`ingest.sports`) are shared with :mod:`ingest.tcx`.

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

Moving time and distance
    Measured by :mod:`ingest.geometry` (shared with :mod:`ingest.tcx`): pauses over
    ``PAUSE_GAP_S``, stationary stretches and position glitches do not count; the distance is
    the haversine length of the path through every positioned point.

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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from ingest.geometry import (
    EARLIEST_PLAUSIBLE,
    GLITCH_SPEED_MPS,
    PathSample,
    TrackPoint,
    measure_track,
    path_points,
)
from ingest.places import without_place
from ingest.records import (
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    UnusableFile,
)
from ingest.sports import FOOT_SPORTS, sport_from_name
from ingest.values import finite_float
from ingest.xmlsafe import child, child_text, children, local_name, parse_xml, parse_xsd_datetime
from ingest.xmlsafe import sniff_root as _sniff_root

__all__ = ["FORMAT", "SESSION_SPLIT_GAP_S", "TRACK_MERGE_GAP_S", "parse", "sniff"]

FORMAT: Final = "gpx"

TRACK_MERGE_GAP_S: Final = 30 * 60.0
"""Consecutive tracks of the same type at most this far apart are one session."""

SESSION_SPLIT_GAP_S: Final = 3 * 3600.0
"""A gap longer than this between segments or tracks always starts a new session."""

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


def _position(point: etree._Element) -> tuple[float, float] | None:
    lat, lon = finite_float(point.get("lat")), finite_float(point.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _cadence(point: etree._Element) -> float | None:
    extensions = child(point, "extensions")
    if extensions is None:
        return None
    for element in extensions.iter():
        if local_name(element) in ("cad", "cadence"):
            value = finite_float(element.text)
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


def parse(data: bytes) -> ParsedFile:
    """Read one GPX file: one session per recorded outing (see the module docstring).

    Raises :class:`SkippedFile` for valid files without a recorded track and
    :class:`RejectedFile` for broken ones; anything else is a bug (:mod:`ingest.read` reports
    it as a :class:`~ingest.records.ReaderBug`).
    """
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
