"""TCX reader: bytes of one ``.tcx`` file → :class:`~ingest.records.ParsedFile`.

Garmin's Training Center XML (``TrainingCenterDatabase`` v1/v2) as written by Garmin
Connect and Training Center, Strava, Runtastic, MapMyRide, Google Fit (Takeout
``Fit/Activities``), TomTom tools and others. Elements are matched by local name in any
namespace (:mod:`ingest.xmlsafe`, which also refuses DTDs and entities). Positions are
only used inside the reader to measure; no record carries one.

Sessions
    One session per ``Activity`` under ``Activities``, including the activities nested in
    a ``MultiSportSession`` (each sport of a triathlon is its own session; transitions are
    not). A file without activities is skipped: courses (planned routes), workouts, or
    nothing at all.

Times
    start = the earliest of the laps' ``StartTime`` and the trackpoints' ``Time`` (the
    activity ``Id`` only when neither exists); end = the latest trackpoint time or lap
    start + ``TotalTimeSeconds``; elapsed = end − start. A time with a non-zero offset
    (MapMyRide writes ``+00:00``, others ``+02:00``) gives ``utc_offset_s`` (taken from the
    first lap start, else the first trackpoint, else the Id); ``Z`` / ``+00:00`` give none.
    TCX times without any zone designator are local wall-clock times of unknown zone:
    the session is ``floating`` (unlike GPX, whose standard defines zone-less times as
    UTC). Times before 1990 (an unset device clock) are ignored; a file left without
    times is rejected.

Moving time
    Garmin writes timer time (auto-pause and manual pauses removed) into each lap's
    ``TotalTimeSeconds``; its sum is the moving time - but it is checked against the
    trackpoints, measured by :func:`ingest.geometry.measure_track` (gaps over 5 min and
    stationary stretches under 0.2 m/s removed; each ``Track`` of a lap is a segment, the
    time between them a pause). The smaller of the two is used, because some writers put
    the whole span into ``TotalTimeSeconds``: Google Fit's "Walking" activities include
    40 minutes of standing still at distance 0 (a warning names the difference when it
    exceeds 5 min and a quarter of the timer time). Without laps' times, the trackpoints
    decide; without either, moving = elapsed. Moving never exceeds elapsed. Device
    distances that never increase (an indoor bike without sensor writes 0.0 everywhere)
    say nothing about standing still and are ignored for this.

Distance
    The sum of the laps' ``DistanceMeters``; else the increments of the trackpoints'
    cumulative ``DistanceMeters`` (resets ignored); else the haversine length of the
    positions. The first of these that is positive is used. A zero from a device without
    positions (an indoor session without sensor) is "not measured": None.

Steps
    The laps' ``Extensions/LX/Steps`` (ActivityExtension v2: a count of steps, both feet;
    a total of 0 - e.g. a Forerunner 310XT without foot pod - means no step sensor).
    Otherwise from cadence samples: ``TPX/RunCadence`` for any sport (it is running
    cadence by definition), the trackpoint's own ``Cadence`` only for foot sports (for
    others it is pedal rpm). Garmin's cadence counts strides of one foot per minute, so
    steps are twice the integrated cadence, unless the values are already steps per minute
    ("doubled cadence", e.g. a treadmill foot pod at 176-178/min while running 2.7 m/s:
    detected as :func:`ingest.geometry.measure_track` documents, and named in a warning).

Activity type
    ``Activity/@Sport`` verbatim in ``sport_name`` ("Running", "Biking", "Other", Google
    Fit's "Walking", Runtastic's "running", ...), mapped with
    :func:`ingest.sports.sport_from_name`: Running 1/0, Biking 2/0, Walking 11/0; "Other" has
    no FIT code (sport None, sport_name "Other"). ``activity_name`` is the first line of the
    activity's ``Notes``.

Device
    ``Creator/Name`` as product (e.g. "Forerunner 410 Software Version 2.20",
    "vívoactive HR") and ``Creator/UnitId`` as serial (not when 0). Without a Creator the
    authoring application: ``Author/Name`` ("Google Fit") or the root's ``creator``
    attribute (Runtastic).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Final

from lxml import etree

from ingest.geometry import (
    EARLIEST_PLAUSIBLE,
    PathSample,
    TrackMeasure,
    TrackPoint,
    measure_track,
    path_points,
)
from ingest.records import (
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
)
from ingest.sports import FOOT_SPORTS, sport_from_name
from ingest.values import finite_float
from ingest.xmlsafe import child, child_text, children, local_name, parse_xml, parse_xsd_datetime
from ingest.xmlsafe import sniff_root as _sniff_root

__all__ = ["FORMAT", "parse", "sniff"]

FORMAT: Final = "tcx"

_ROOT: Final = "TrainingCenterDatabase"
_TIMER_WARNING_MIN_S: Final = 300.0
_TIMER_WARNING_SHARE: Final = 0.25
_MAX_CADENCE: Final = 254.0  # 255 is the "invalid" value of Garmin's 8-bit cadence


def sniff(head: bytes) -> bool:
    """True when the XML root element of ``head`` is ``<TrainingCenterDatabase>``."""
    return _sniff_root(head) == _ROOT


@dataclass(frozen=True, slots=True)
class _Stamp:
    instant: datetime  # aware UTC (wall time tagged UTC when ``offset_s`` is None)
    offset_s: int | None  # stated offset; None when the text has no zone


@dataclass(slots=True)
class _Times:
    """Counts of unusable times in a file."""

    valid: int = 0
    implausible: int = 0
    implausible_example: datetime | None = None

    def read(self, text: str | None) -> _Stamp | None:
        parsed = parse_xsd_datetime(text)
        if parsed is None:
            return None
        if parsed[0] < EARLIEST_PLAUSIBLE:
            self.implausible += 1
            self.implausible_example = self.implausible_example or parsed[0]
            return None
        self.valid += 1
        return _Stamp(parsed[0], parsed[1])


def _extension_value(element: etree._Element, name: str) -> float | None:
    """The first number called ``name`` anywhere under the element's ``Extensions``."""
    for extensions in children(element, "Extensions"):
        for item in extensions.iter():
            if local_name(item) == name:
                value = finite_float((item.text or "").strip() or None)
                if value is not None:
                    return value
    return None


def _cadence(trackpoint: etree._Element, foot_sport: bool) -> float | None:
    value = _extension_value(trackpoint, "RunCadence")
    if value is None and foot_sport:
        value = finite_float(child_text(trackpoint, "Cadence"))
    if value is None or value < 0 or value > _MAX_CADENCE:
        return None
    return value


def _position(trackpoint: etree._Element) -> tuple[float, float] | None:
    position = child(trackpoint, "Position")
    if position is None:
        return None
    lat = finite_float(child_text(position, "LatitudeDegrees"))
    lon = finite_float(child_text(position, "LongitudeDegrees"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _segment(track: etree._Element, foot_sport: bool, times: _Times) -> tuple[TrackPoint, ...]:
    samples = []
    for trackpoint in children(track, "Trackpoint"):
        stamp = times.read(child_text(trackpoint, "Time"))
        distance = finite_float(child_text(trackpoint, "DistanceMeters"))
        samples.append(
            PathSample(
                time=None if stamp is None else stamp.instant,
                position=_position(trackpoint),
                device_m=distance if distance is not None and distance >= 0 else None,
                cadence=_cadence(trackpoint, foot_sport),
                utc_offset_s=None if stamp is None else stamp.offset_s,
            )
        )
    return tuple(path_points(samples))


def _lap_steps(lap: etree._Element) -> int | None:
    steps = _extension_value(lap, "Steps")
    return None if steps is None or steps < 0 else round(steps)


def _device_distance(segments: Sequence[Sequence[TrackPoint]]) -> float | None:
    """Sum of the increments of the cumulative device distance (resets ignored)."""
    values = [point.device_m for segment in segments for point in segment]
    known = [value for value in values if value is not None]
    if len(known) < 2:
        return None
    return sum(max(0.0, after - before) for before, after in pairwise(known))


def _first_line(text: str | None) -> str | None:
    if text is None:
        return None
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _device(activity: etree._Element, fallback: Device) -> Device:
    creator = child(activity, "Creator")
    if creator is None:
        return fallback
    name = child_text(creator, "Name")
    unit = child_text(creator, "UnitId")
    serial = unit if unit is not None and unit.strip("0") else None
    if name is None and serial is None:
        return fallback
    return Device(product=name, serial=serial)


@dataclass(slots=True)
class _Recording:
    """What one ``Activity`` element holds, read but not yet judged."""

    id_stamp: _Stamp | None = None
    lap_stamps: list[_Stamp] = field(default_factory=list)
    lap_ends: list[datetime] = field(default_factory=list)
    timer_parts: list[float] = field(default_factory=list)
    lap_distances: list[float] = field(default_factory=list)
    lap_steps: list[int] = field(default_factory=list)
    segments: list[tuple[TrackPoint, ...]] = field(default_factory=list)

    @property
    def point_times(self) -> list[datetime]:
        return [point.time for segment in self.segments for point in segment]

    @property
    def stated_start(self) -> _Stamp | None:
        """The time text that states the start: first lap, else first trackpoint, else Id."""
        if self.lap_stamps:
            return self.lap_stamps[0]
        if self.segments:
            first = self.segments[0][0]
            return _Stamp(first.time, first.utc_offset_s)
        return self.id_stamp


class _BeyondCalendar(ValueError):
    """A start plus a duration that lands after the year 9999: the file is broken."""


def _later(start: datetime, seconds: float, what: str) -> datetime:
    try:
        return start + timedelta(seconds=seconds)
    except OverflowError:
        raise _BeyondCalendar(
            f"{what} ({start.isoformat(sep=' ', timespec='seconds')[:19]} UTC plus "
            f"{seconds:g} s of TotalTimeSeconds) would be after the year 9999"
        ) from None


def _read_activity(activity: etree._Element, foot_sport: bool, times: _Times) -> _Recording:
    recording = _Recording(id_stamp=times.read(child_text(activity, "Id")))
    tracks: list[etree._Element] = []
    for lap in children(activity, "Lap"):
        start = times.read(lap.get("StartTime"))
        if start is not None:
            recording.lap_stamps.append(start)
        total = finite_float(child_text(lap, "TotalTimeSeconds"))
        if total is not None and total >= 0:
            recording.timer_parts.append(total)
            if start is not None:
                recording.lap_ends.append(_later(start.instant, total, "a lap's end"))
        distance = finite_float(child_text(lap, "DistanceMeters"))
        if distance is not None and distance >= 0:
            recording.lap_distances.append(distance)
        steps = _lap_steps(lap)
        if steps is not None:
            recording.lap_steps.append(steps)
        tracks.extend(children(lap, "Track"))
    # Tracks directly in the activity (not in a lap) are not TCX, but some writers do it.
    tracks.extend(children(activity, "Track"))
    for track in tracks:
        segment = _segment(track, foot_sport, times)
        if segment:
            recording.segments.append(segment)
    return recording


def _moving_s(
    timer: float | None,
    measure: TrackMeasure | None,
    elapsed: float,
    label: str,
    warnings: list[str],
) -> float:
    """The laps' timer time checked against the trackpoints' moving time (the smaller)."""
    candidates: list[float] = []
    if timer is not None and (timer > 0 or measure is None):
        candidates.append(timer)
    if measure is not None:
        candidates.append(measure.moving_s)
    moving = min(candidates) if candidates else elapsed
    if (
        timer is not None
        and measure is not None
        and timer - measure.moving_s > max(_TIMER_WARNING_MIN_S, _TIMER_WARNING_SHARE * timer)
    ):
        warnings.append(
            f"{label}: the laps' timer time {_duration(timer)} exceeds the moving time of its "
            f"trackpoints {_duration(measure.moving_s)} (pauses and standing still); the "
            "trackpoints' moving time was used"
        )
    if moving > elapsed:
        if moving - elapsed > 1.0:
            warnings.append(
                f"{label}: moving time {_duration(moving)} exceeds the elapsed time "
                f"{_duration(elapsed)}; capped at the elapsed time"
            )
        moving = elapsed
    return moving


def _distance_m(recording: _Recording, measure: TrackMeasure | None) -> float | None:
    """Laps, else device distance, else positions: the first positive; a bare 0 is None."""
    path = measure.distance_m if measure is not None else None
    laps = sum(recording.lap_distances) if recording.lap_distances else None
    for value in (laps, _device_distance(recording.segments), path):
        if value is not None and value > 0:
            return value
    return path


def _session(
    activity: etree._Element,
    number: int,
    index: int,
    fallback_device: Device,
    times: _Times,
    warnings: list[str],
) -> SessionRecord | None:
    sport_name = (activity.get("Sport") or "").strip() or None
    sport, sub_sport = sport_from_name(sport_name)
    label = f"activity {number}" + (f" ({sport_name})" if sport_name else "")
    try:
        recording = _read_activity(activity, sport in FOOT_SPORTS, times)
    except _BeyondCalendar as error:
        raise RejectedFile(f"TCX {label}: {error}") from None

    point_times = recording.point_times
    starts = [stamp.instant for stamp in recording.lap_stamps] + point_times
    if starts:
        start_utc = min(starts)
    elif recording.id_stamp is not None:
        start_utc = recording.id_stamp.instant
    else:
        warnings.append(f"{label} ignored: it states no valid start time")
        return None
    ends = point_times + recording.lap_ends
    try:
        end_utc = max(ends) if ends else _later(start_utc, sum(recording.timer_parts), "its end")
    except _BeyondCalendar as error:
        raise RejectedFile(f"TCX {label}: {error}") from None
    elapsed = (end_utc - start_utc).total_seconds()
    if elapsed <= 0:
        warnings.append(f"{label} ignored: its laps and trackpoints span no time")
        return None

    measure = measure_track(recording.segments, sport=sport) if len(point_times) >= 2 else None
    timer = sum(recording.timer_parts) if recording.timer_parts else None
    moving = _moving_s(timer, measure, elapsed, label, warnings)

    steps: int | None = sum(recording.lap_steps) or None
    if steps is None and measure is not None:
        steps = measure.steps
        warnings.extend(f"{label}: {note}" for note in measure.notes)
    if measure is not None and measure.glitches:
        warnings.append(
            f"{label}: {measure.glitches} position jump(s) faster than 100 m/s left out of "
            "the trackpoints' distance and moving time (GPS glitches)"
        )

    stated = recording.stated_start
    return SessionRecord(
        source_format=FORMAT,
        index=index,
        start_utc=start_utc,
        elapsed_s=elapsed,
        moving_s=moving,
        sport=sport,
        sub_sport=sub_sport,
        sport_name=sport_name,
        activity_name=_first_line(child_text(activity, "Notes")),
        distance_m=_distance_m(recording, measure),
        steps=steps,
        device=_device(activity, fallback_device),
        utc_offset_s=(stated.offset_s or None) if stated is not None else None,
        floating=stated is not None and stated.offset_s is None,
    )


def _no_activities(root: etree._Element) -> SkippedFile:
    courses = child(root, "Courses")
    if courses is not None and children(courses, "Course"):
        return SkippedFile("TCX file holds only a course (a planned route), no recorded activity")
    workouts = child(root, "Workouts")
    if workouts is not None and children(workouts, "Workout"):
        return SkippedFile("TCX file holds only planned workouts, no recorded activity")
    return SkippedFile("TCX file holds no activities")


def parse(data: bytes) -> ParsedFile:
    """Read one TCX file: one session per activity (see the module docstring).

    Raises :class:`SkippedFile` for valid files without a recorded activity (courses,
    workouts) and :class:`RejectedFile` for broken ones; anything else is a bug
    (:mod:`ingest.read` reports it as a :class:`~ingest.records.ReaderBug`).
    """
    root = parse_xml(data)
    name = local_name(root)
    if name != _ROOT:
        raise RejectedFile(f"not a TCX file: its XML root element is <{name}>, not <{_ROOT}>")
    container = child(root, "Activities")
    activities = (
        [] if container is None else [e for e in container.iter() if local_name(e) == "Activity"]
    )
    if not activities:
        raise _no_activities(root)
    author = child(root, "Author")
    application = (child_text(author, "Name") if author is not None else None) or (
        (root.get("creator") or "").strip() or None
    )
    fallback_device = Device(product=application)
    times = _Times()
    warnings: list[str] = []
    sessions: list[SessionRecord] = []
    for number, activity in enumerate(activities, start=1):
        session = _session(activity, number, len(sessions), fallback_device, times, warnings)
        if session is not None:
            sessions.append(session)
    if times.implausible:
        example = times.implausible_example
        shown = example.date().isoformat() if example else "?"
        message = (
            f"{times.implausible} timestamp(s) before 1990 (e.g. {shown}) were ignored: the "
            "device clock was not set"
        )
        if not sessions and times.valid == 0:
            raise RejectedFile(
                f"TCX timestamps before 1990 are not real dates (e.g. {shown}): the recording "
                "device's clock was not set, so the activity cannot be placed in time"
            )
        warnings.insert(0, message)
    if not sessions:
        raise SkippedFile(
            f"TCX file holds {len(activities)} activit{'y' if len(activities) == 1 else 'ies'} "
            "but none with a start time and a duration"
        )
    return ParsedFile(
        format=FORMAT, kind="activity", sessions=tuple(sessions), warnings=tuple(warnings)
    )
