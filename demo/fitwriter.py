"""Write FIT files for test fixtures and demo data, on top of fit-tool (BSD-3-Clause).

fit-tool builds every definition message and every one-off data message (file_id,
device_info, sport, lap, session, activity, ...). The bulk messages, activity ``record``
and wellness ``monitoring`` rows, use the definition fit-tool built from a template
message and are then packed with :mod:`struct` in that definition's field order: fit-tool
spends ~0.3 ms per message, which would make a year of 1-s records take minutes. The file
header (14 bytes, with header CRC) and the trailing file CRC use fit-tool's own helpers.

Conventions (what a reader finds in the files):

* Instants are UTC; a naive ``datetime`` is taken as UTC. FIT stores whole seconds.
* ``activity.local_timestamp - activity.timestamp == utc_offset_s``.
* Steps in activities follow Garmin: for foot sports (running, walking, hiking) the
  session/lap ``total_cycles`` holds *strides*, ``round(steps / 2)`` (fitparse names it
  ``total_strides`` for running and walking), and record ``cadence`` is strides per
  minute. Other sports get ``total_cycles = steps``.
* Monitoring counters are cumulative per activity type since the start of the day and
  are snapshots: a message stamped *t* holds the total reached at *t*. See
  :func:`monitoring_file`.
"""

from __future__ import annotations

import functools
import logging
import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from fit_tool.data_message import DataMessage
from fit_tool.definition_message import DefinitionMessage
from fit_tool.fit_file_header import FitFileHeader
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.course_message import CourseMessage
from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.monitoring_info_message import MonitoringInfoMessage
from fit_tool.profile.messages.monitoring_message import MonitoringMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.messages.sport_message import SportMessage
from fit_tool.profile.messages.user_profile_message import UserProfileMessage
from fit_tool.profile.messages.workout_message import WorkoutMessage
from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
from fit_tool.record import Record
from fit_tool.utils.crc import crc16
from fit_tool.validation import validate_definition

__all__ = [
    "GARMIN",
    "activity_file",
    "chain",
    "course_file",
    "fit_seconds",
    "monitoring_file",
    "pause_window",
    "settings_file",
    "truncated",
    "with_bad_crc",
    "workout_file",
]

GARMIN = 1  # FIT manufacturer code


def _undo_fit_tool_logging() -> None:
    """fit_tool calls ``logging.basicConfig`` when imported: a handler on the root logger that
    prints every INFO line other libraries propagate (Prefect's per-file run log flooded
    ``backtrack demo``). Remove that handler again."""
    from fit_tool.utils import logging as fit_tool_logging

    root = logging.getLogger()
    for handler in list(root.handlers):
        formatter = handler.formatter
        if formatter is not None and formatter._fmt == fit_tool_logging.FORMAT:
            root.removeHandler(handler)


_undo_fit_tool_logging()

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
FIT_EPOCH_UNIX_S = 631_065_600

# FIT profile codes used below.
FILE_SETTINGS, FILE_ACTIVITY, FILE_WORKOUT, FILE_COURSE = 2, 4, 5, 6
FILE_MONITORING_B = 32
SPORT_RUNNING, SPORT_TRAINING, SPORT_WALKING, SPORT_HIKING = 1, 10, 11, 17
FOOT_SPORTS = frozenset({SPORT_RUNNING, SPORT_WALKING, SPORT_HIKING})  # cycles are strides
SUB_SPORT_GENERIC, SUB_SPORT_STRENGTH = 0, 20
ACTIVITY_TYPE_RUNNING, ACTIVITY_TYPE_WALKING, ACTIVITY_TYPE_SEDENTARY = 1, 6, 8
EVENT_TIMER, EVENT_SESSION_LAP, EVENT_ACTIVITY = 0, 9, 26
EVENT_TYPE_START, EVENT_TYPE_STOP, EVENT_TYPE_STOP_ALL = 0, 1, 4
TIMER_TRIGGER_MANUAL = 0
LAP_TRIGGER_SESSION_END, SESSION_TRIGGER_ACTIVITY_END = 7, 0
ACTIVITY_MANUAL = 0
DEVICE_INDEX_CREATOR = 0
SOURCE_TYPE_LOCAL = 5

# Local message numbers: fixed per kind, so each kind is defined once per file.
_LOCAL = {
    "file_id": 0,
    "device_info": 1,
    "sport": 2,
    "event": 3,
    "record": 4,
    "lap": 5,
    "session": 6,
    "activity": 7,
    "workout": 8,
    "workout_step": 9,
    "user_profile": 10,
    "course": 11,
    "monitoring_info": 2,
    "monitoring_full": 3,
    "monitoring_16": 4,
    "sedentary_full": 5,
    "sedentary_16": 6,
    "heart_rate_16": 7,
    "heart_rate_full": 8,
}

FULL_TIMESTAMP_EVERY = 10  # monitoring: a full `timestamp` on every 10th message
RUNNING_STEPS_PER_BRISK_INTERVAL = 5  # the few steps the running counter takes
RUNNING_MIN_INTERVAL_STEPS = 40  # intervals with at least this many steps are brisk
RUNNING_INTERVALS = 3  # the running counter takes steps from this many brisk intervals
SEDENTARY_MIN_GAP_S = 30 * 60  # gaps this long accrue to the sedentary counter


# --------------------------------------------------------------------------- time


def _as_utc(instant: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def fit_seconds(instant: datetime) -> int:
    """Whole seconds since the FIT epoch (1989-12-31T00:00Z), as FIT `date_time` stores it."""
    return math.floor((_as_utc(instant) - FIT_EPOCH).total_seconds())


def _from_fit_seconds(fit_s: int) -> datetime:
    return FIT_EPOCH + timedelta(seconds=fit_s)


def _unix_ms(fit_s: int) -> int:
    """fit-tool takes `date_time` values as Unix milliseconds."""
    return (fit_s + FIT_EPOCH_UNIX_S) * 1000


# ------------------------------------------------------------------- fit-tool glue


def _message(cls: type[DataMessage], **values: Any) -> DataMessage:
    """A fit-tool message with the given fields set, in argument order (None = unset).

    Order matters where a field's meaning depends on another one (sport before
    total_cycles, activity_type before cycles, manufacturer before product).
    """
    message = cls()
    for name, value in values.items():
        if not hasattr(cls, name):
            raise AttributeError(f"{cls.__name__} has no field {name!r}")
        if value is not None:
            setattr(message, name, value)
    return message


def _definition_bytes(definition: DefinitionMessage) -> bytes:
    validate_definition(definition)
    return bytes(Record.from_message(definition).to_bytes())


class _RowLayout:
    """One fit-tool definition, plus a struct that packs rows of raw values fast.

    ``template`` is a fit-tool message with exactly the fields of the layout set (any
    valid values); rows are tuples of *raw* (already scaled) values in ``names`` order.
    """

    def __init__(self, template: DataMessage, local_id: int, names: Sequence[str]) -> None:
        template.local_id = local_id
        definition = DefinitionMessage.from_data_message(template)
        self.local_id = local_id
        self.definition = _definition_bytes(definition)
        field_names = {field.field_id: field.name for field in template.fields}
        wire_names = [field_names[fd.field_id] for fd in definition.field_definitions]
        if sorted(wire_names) != sorted(names):
            raise ValueError(f"layout fields {names} do not match template fields {wire_names}")
        self._order = [list(names).index(name) for name in wire_names]
        formats = []
        for fd in definition.field_definitions:
            if fd.base_type.struct_format is None or fd.size != fd.base_type.size:
                raise ValueError(f"field {fd.field_id} is not a single number")
            formats.append(fd.base_type.struct_format)
        self._struct = struct.Struct("<B" + "".join(formats))

    def pack(self, row: Sequence[int]) -> bytes:
        return self._struct.pack(self.local_id, *[row[i] for i in self._order])


class _FitStream:
    """The records of one FIT file, framed with fit-tool's header and CRC."""

    def __init__(self) -> None:
        self._body = bytearray()
        self._defined: dict[int, bytes] = {}

    def add(self, message: DataMessage, kind: str) -> None:
        """Encode one fit-tool message (defining or redefining its local number as needed)."""
        message.local_id = _LOCAL[kind]
        definition = DefinitionMessage.from_data_message(message)
        self._define(message.local_id, _definition_bytes(definition))
        message.set_definition_message(definition)
        self._body += Record.from_message(message).to_bytes()

    def add_rows(self, layout: _RowLayout, rows: Iterable[Sequence[int]]) -> None:
        self._define(layout.local_id, layout.definition)
        self._body += b"".join(layout.pack(row) for row in rows)

    def _define(self, local_id: int, definition: bytes) -> None:
        if self._defined.get(local_id) != definition:
            self._body += definition
            self._defined[local_id] = definition

    def to_bytes(self) -> bytes:
        header = FitFileHeader(records_size=len(self._body), gen_crc=True).to_bytes()
        crc = crc16(self._body, crc=crc16(header))
        return bytes(header) + bytes(self._body) + struct.pack("<H", crc)


def _file_id(
    stream: _FitStream, *, file_type: int, manufacturer: int, product: int, serial: int, fit_s: int
) -> None:
    stream.add(
        _message(
            FileIdMessage,
            type=file_type,
            manufacturer=manufacturer,
            product=product,
            serial_number=serial,
            time_created=_unix_ms(fit_s),
        ),
        "file_id",
    )


def _device_info(
    stream: _FitStream, *, manufacturer: int, product: int, serial: int, fit_s: int
) -> None:
    stream.add(
        _message(
            DeviceInfoMessage,
            timestamp=_unix_ms(fit_s),
            device_index=DEVICE_INDEX_CREATOR,
            manufacturer=manufacturer,
            product=product,
            serial_number=serial,
            software_version=12.3,
            source_type=SOURCE_TYPE_LOCAL,
        ),
        "device_info",
    )


# ------------------------------------------------------------------------ activity


@dataclass(frozen=True)
class _Timeline:
    """Whole-second instants of one activity, with at most one pause in the middle."""

    start_s: int
    end_s: int
    pause_start_s: int
    pause_end_s: int  # == pause_start_s when there is no pause

    @classmethod
    def of(cls, start_s: int, elapsed_s: float, moving_s: float) -> _Timeline:
        end_s = start_s + round(elapsed_s)
        pause_s = max(0, round(elapsed_s - moving_s))
        pause_start_s = start_s + round(moving_s) // 2
        return cls(start_s, end_s, pause_start_s, pause_start_s + pause_s)

    @property
    def segments(self) -> list[tuple[int, int]]:
        """The timer-running stretches, as (first second, last second)."""
        if self.pause_end_s == self.pause_start_s:
            return [(self.start_s, self.end_s)]
        return [(self.start_s, self.pause_start_s), (self.pause_end_s, self.end_s)]

    def moving_until(self, t: int) -> int:
        """Timer seconds from the start up to instant ``t``."""
        paused = max(0, min(t, self.pause_end_s) - self.pause_start_s)
        return t - self.start_s - paused


def pause_window(
    *, start_utc: datetime, elapsed_s: float, moving_s: float
) -> tuple[datetime, datetime] | None:
    """Where :func:`activity_file` puts the pause (timer stopped), or None without one."""
    timeline = _Timeline.of(fit_seconds(start_utc), elapsed_s, moving_s)
    if timeline.pause_end_s == timeline.pause_start_s:
        return None
    return _from_fit_seconds(timeline.pause_start_s), _from_fit_seconds(timeline.pause_end_s)


def _heart_rate(sport: int, seconds_in: int) -> int:
    """A plausible, deterministic heart-rate curve: warm-up then a gentle wave."""
    rest, plateau = (72, 108) if sport in FOOT_SPORTS else (70, 96)
    warm = 1.0 - math.exp(-seconds_in / 240.0)
    return round(rest + (plateau - rest) * warm + 4 * math.sin(seconds_in / 90.0))


SEMICIRCLES_PER_DEGREE: Final = 2**31 / 180
"""FIT positions are sint32 semicircles: degrees × 2³¹ / 180."""
_METRES_PER_DEGREE: Final = 111_195.0  # along a meridian (mean Earth radius)


def semicircles(degrees: float) -> int:
    """A position in degrees as the raw FIT value (sint32 semicircles)."""
    return round(degrees * SEMICIRCLES_PER_DEGREE)


@dataclass(frozen=True)
class _Route:
    """A straight track north-east from ``start`` (lat, lon in degrees), ``length_m`` long,
    walked at an even pace over the timer time."""

    start: tuple[float, float]
    length_m: float

    def at(self, share: float) -> tuple[float, float]:
        lat, lon = self.start
        step = self.length_m * share / _METRES_PER_DEGREE / math.sqrt(2)
        return lat + step, lon + step / max(0.01, math.cos(math.radians(lat)))

    @property
    def end(self) -> tuple[float, float]:
        return self.at(1.0)


@functools.cache
def _record_layout(*, distance: bool, cadence: bool, position: bool = False) -> _RowLayout:
    names = ["timestamp", "heart_rate"]
    template = _message(RecordMessage, timestamp=_unix_ms(0), heart_rate=90)
    if position:
        names += ["position_lat", "position_long"]
        template.position_lat = 0.0
        template.position_long = 0.0
    if distance:
        names.append("distance")
        template.distance = 0.0
    if cadence:
        names.append("cadence")
        template.cadence = 50
    return _RowLayout(template, _LOCAL["record"], names)


def _record_rows(
    timeline: _Timeline,
    segment: tuple[int, int],
    *,
    sport: int,
    interval_s: int,
    moving_s: float,
    distance_m: float | None,
    strides_per_min: int | None,
    route: _Route | None = None,
) -> list[list[int]]:
    """Records every ``interval_s`` seconds through one timer-running stretch."""
    rows = []
    for t in range(segment[0], segment[1] + 1, interval_s):
        row = [t, _heart_rate(sport, t - timeline.start_s)]
        share = min(1.0, timeline.moving_until(t) / moving_s) if moving_s else 1.0
        if route is not None:
            row += [semicircles(degrees) for degrees in route.at(share)]
        if distance_m is not None:
            row.append(round(distance_m * share * 100))  # distance: scale 100
        if strides_per_min is not None:
            row.append(strides_per_min)
        rows.append(row)
    return rows


def _timer_event(stream: _FitStream, fit_s: int, event_type: int) -> None:
    stream.add(
        _message(
            EventMessage,
            timestamp=_unix_ms(fit_s),
            event=EVENT_TIMER,
            event_type=event_type,
            timer_trigger=TIMER_TRIGGER_MANUAL,
            event_group=0,
        ),
        "event",
    )


def activity_file(
    *,
    start_utc: datetime,
    elapsed_s: float,
    sport: int,
    sub_sport: int = 0,
    moving_s: float | None = None,
    distance_m: float | None = None,
    steps: int | None = None,
    name: str | None = None,
    utc_offset_s: int | None = 0,
    record_interval_s: int | None = 1,
    manufacturer: int = GARMIN,
    product: int = 3113,
    serial: int = 3_900_000_001,
    file_type: int = FILE_ACTIVITY,
    start_position: tuple[float, float] | None = None,
) -> bytes:
    """A complete FIT activity file, laid out as a Garmin watch writes it.

    file_id, device_info, sport (``name`` when given), workout (``wkt_name`` = ``name``,
    when given), timer start, records, timer stop_all, lap, session, activity. With
    ``moving_s < elapsed_s`` one pause sits in the middle of the activity: timer stop_all
    and start events frame it and no records fall inside it. Records carry timestamp and
    heart_rate, plus distance (linear in timer time) when ``distance_m`` is given and
    cadence (strides/min = steps/min / 2) when ``steps`` is given. Lap and session
    ``total_cycles`` hold ``round(steps / 2)`` strides for foot sports, else ``steps``.
    The session also carries ``name`` as ``sport_profile_name`` (FIT field 110, which
    fitparse 1.2 shows as ``unknown_110``), as Garmin does.

    ``start_position`` (latitude, longitude in degrees) makes it a GPS recording: records
    carry ``position_lat``/``position_long`` along a straight track north-east of it
    (``distance_m`` long, else 1 km), and lap and session their start and end positions
    (the session also the bounding box, ``nec_*``/``swc_*``) - what a privacy test needs.
    """
    moving = elapsed_s if moving_s is None else moving_s
    if elapsed_s <= 0 or not 0 <= moving <= elapsed_s:
        raise ValueError(
            f"need 0 < elapsed_s and 0 <= moving_s <= elapsed_s, got {elapsed_s}/{moving}"
        )
    timeline = _Timeline.of(fit_seconds(start_utc), elapsed_s, moving)
    device = {"manufacturer": manufacturer, "product": product, "serial": serial}
    stream = _FitStream()
    _file_id(stream, file_type=file_type, fit_s=timeline.start_s, **device)
    _device_info(stream, fit_s=timeline.start_s, **device)
    stream.add(_message(SportMessage, sport=sport, sub_sport=sub_sport, sport_name=name), "sport")
    if name is not None:
        stream.add(
            _message(WorkoutMessage, sport=sport, sub_sport=sub_sport, workout_name=name),
            "workout",
        )
    strides_per_min = round(steps / moving * 30) if steps is not None and moving else None
    route = None if start_position is None else _Route(start_position, distance_m or 1000.0)
    layout = _record_layout(
        distance=distance_m is not None, cadence=steps is not None, position=route is not None
    )
    for index, segment in enumerate(timeline.segments):
        if index:
            _timer_event(stream, timeline.pause_start_s, EVENT_TYPE_STOP_ALL)
        _timer_event(stream, segment[0], EVENT_TYPE_START)
        if record_interval_s is not None:
            rows = _record_rows(
                timeline,
                segment,
                sport=sport,
                interval_s=record_interval_s,
                moving_s=moving,
                distance_m=distance_m,
                strides_per_min=strides_per_min,
                route=route,
            )
            stream.add_rows(layout, rows)
    _timer_event(stream, timeline.end_s, EVENT_TYPE_STOP_ALL)
    totals = _Totals(
        timeline=timeline,
        sport=sport,
        sub_sport=sub_sport,
        elapsed_s=elapsed_s,
        moving_s=moving,
        distance_m=distance_m,
        steps=steps,
        strides_per_min=strides_per_min,
        route=route,
    )
    stream.add(totals.lap(), "lap")
    stream.add(totals.session(name), "session")
    stream.add(_activity(timeline.end_s, moving, utc_offset_s), "activity")
    return stream.to_bytes()


@dataclass(frozen=True)
class _Totals:
    """What lap and session share."""

    timeline: _Timeline
    sport: int
    sub_sport: int
    elapsed_s: float
    moving_s: float
    distance_m: float | None
    steps: int | None
    strides_per_min: int | None
    route: _Route | None = None

    @property
    def cycles(self) -> int | None:
        if self.steps is None:
            return None
        return round(self.steps / 2) if self.sport in FOOT_SPORTS else self.steps

    def _common(self) -> dict[str, Any]:
        start, end = self.timeline.start_s, self.timeline.end_s
        heart_rates = [_heart_rate(self.sport, t) for t in range(0, end - start + 1, 10)]
        return {
            "message_index": 0,
            "timestamp": _unix_ms(end),
            "start_time": _unix_ms(start),
            "event": EVENT_SESSION_LAP,
            "event_type": EVENT_TYPE_STOP,
            "sport": self.sport,  # before total_cycles: it picks the sub-field
            "sub_sport": self.sub_sport,
            "total_elapsed_time": self.elapsed_s,
            "total_timer_time": self.moving_s,
            "total_distance": self.distance_m,
            "total_cycles": self.cycles,
            "avg_heart_rate": round(sum(heart_rates) / len(heart_rates)),
            "max_heart_rate": max(heart_rates),
            "avg_cadence": self.strides_per_min,
            **self._positions(),
        }

    def _positions(self) -> dict[str, Any]:
        if self.route is None:
            return {}
        (lat0, lon0), (lat1, lon1) = self.route.start, self.route.end
        return {
            "start_position_lat": lat0,
            "start_position_long": lon0,
            "end_position_lat": lat1,
            "end_position_long": lon1,
        }

    def _box(self) -> dict[str, Any]:
        if self.route is None:
            return {}
        (lat0, lon0), (lat1, lon1) = self.route.start, self.route.end
        return {
            "nec_lat": max(lat0, lat1),
            "nec_long": max(lon0, lon1),
            "swc_lat": min(lat0, lat1),
            "swc_long": min(lon0, lon1),
        }

    def lap(self) -> DataMessage:
        return _message(LapMessage, **self._common(), lap_trigger=LAP_TRIGGER_SESSION_END)

    def session(self, name: str | None) -> DataMessage:
        return _message(
            SessionMessage,
            **self._common(),
            **self._box(),
            first_lap_index=0,
            num_laps=1,
            trigger=SESSION_TRIGGER_ACTIVITY_END,
            sport_profile_name=name,
        )


def _activity(end_s: int, moving_s: float, utc_offset_s: int | None) -> DataMessage:
    local = None if utc_offset_s is None else end_s + utc_offset_s  # local_date_time: raw s
    return _message(
        ActivityMessage,
        timestamp=_unix_ms(end_s),
        total_timer_time=moving_s,
        num_sessions=1,
        type=ACTIVITY_MANUAL,
        event=EVENT_ACTIVITY,
        event_type=EVENT_TYPE_STOP,
        local_timestamp=local,
    )


# ---------------------------------------------------------------------- monitoring


@dataclass(frozen=True, order=True)
class _Snapshot:
    """One monitoring message: a cumulative counter's value at an instant."""

    fit_s: int
    rank: int  # order among messages of the same instant: sedentary, walking, running
    activity_type: int
    value: int  # steps (walking/running) or sedentary seconds


_RANK = {ACTIVITY_TYPE_SEDENTARY: 0, ACTIVITY_TYPE_WALKING: 1, ACTIVITY_TYPE_RUNNING: 2}


def _snapshot(fit_s: int, activity_type: int, value: int) -> _Snapshot:
    return _Snapshot(fit_s, _RANK[activity_type], activity_type, value)


def _steps_per_interval(
    step_minutes: Sequence[tuple[datetime, int]], day_start_s: int, interval_s: int
) -> dict[int, int]:
    """Steps summed into intervals aligned on the day start, keyed by interval start."""
    buckets: dict[int, int] = {}
    for minute, steps in step_minutes:
        if steps < 0:
            raise ValueError(f"negative steps {steps} at {minute.isoformat()}")
        if steps == 0:
            continue
        t = fit_seconds(minute)
        start = day_start_s + (t - day_start_s) // interval_s * interval_s
        buckets[start] = buckets.get(start, 0) + steps
    return dict(sorted(buckets.items()))


def _split_running(buckets: dict[int, int]) -> dict[int, int]:
    """The few steps the running counter takes: a handful from the first brisk intervals."""
    brisk = [start for start, steps in buckets.items() if steps >= RUNNING_MIN_INTERVAL_STEPS]
    return {start: RUNNING_STEPS_PER_BRISK_INTERVAL for start in brisk[:RUNNING_INTERVALS]}


def _counter_snapshots(
    activity_type: int,
    steps: dict[int, int],
    *,
    day_start_s: int,
    day_end_s: int,
    interval_s: int,
    open_runs: bool = True,
) -> list[_Snapshot]:
    """One cumulative step counter: 0 at the day start, the total at the day end.

    A message stamped at an interval's end carries the total including that interval.
    With ``open_runs``, a run of intervals with steps opens with a message at its first
    interval's start repeating the running total, so differencing consecutive messages of
    one type gives exactly the steps of ``(previous message, this message]``.
    """
    snapshots = [_snapshot(day_start_s, activity_type, 0)]
    total = 0
    for start, count in steps.items():
        if open_runs and snapshots[-1].fit_s < start:
            snapshots.append(_snapshot(start, activity_type, total))
        total += count
        snapshots.append(_snapshot(start + interval_s, activity_type, total))
    if snapshots[-1].fit_s < day_end_s:
        snapshots.append(_snapshot(day_end_s, activity_type, total))
    return snapshots


def _sedentary_snapshots(
    busy_starts: Iterable[int],
    *,
    day_start_s: int,
    day_end_s: int,
    interval_s: int,
    min_gap_s: int = SEDENTARY_MIN_GAP_S,
) -> list[_Snapshot]:
    """Cumulative sedentary seconds: each step-free gap of ``min_gap_s``+ (30 min), counted
    when it ends."""
    snapshots = [_snapshot(day_start_s, ACTIVITY_TYPE_SEDENTARY, 0)]
    total, idle_since = 0, day_start_s
    for start in [*busy_starts, day_end_s]:
        if start - idle_since >= min_gap_s:
            total += start - idle_since
            snapshots.append(_snapshot(start, ACTIVITY_TYPE_SEDENTARY, total))
        idle_since = max(idle_since, start + interval_s)
    return snapshots


@dataclass(frozen=True)
class _MonitoringLayouts:
    """The four monitoring row shapes: steps or sedentary time, full or 16-bit timestamp."""

    steps_full: _RowLayout
    steps_16: _RowLayout
    sedentary_full: _RowLayout
    sedentary_16: _RowLayout

    @classmethod
    @functools.cache
    def build(cls, packed_activity_type: bool) -> _MonitoringLayouts:
        def layout(kind: str, time_field: str, value_field: str, value: Any) -> _RowLayout:
            kind_field = (
                "current_activity_type_intensity" if packed_activity_type else "activity_type"
            )
            time_value = _unix_ms(0) if time_field == "timestamp" else 1
            values = {time_field: time_value, kind_field: ACTIVITY_TYPE_WALKING, value_field: value}
            template = _message(MonitoringMessage, **values)
            return _RowLayout(template, _LOCAL[kind], [time_field, kind_field, value_field])

        return cls(
            steps_full=layout("monitoring_full", "timestamp", "cycles", 1),
            steps_16=layout("monitoring_16", "timestamp_16", "cycles", 1),
            sedentary_full=layout("sedentary_full", "timestamp", "active_time", 1.0),
            sedentary_16=layout("sedentary_16", "timestamp_16", "active_time", 1.0),
        )

    def row(self, snapshot: _Snapshot, *, full: bool, packed: bool) -> tuple[_RowLayout, list[int]]:
        sedentary = snapshot.activity_type == ACTIVITY_TYPE_SEDENTARY
        if sedentary:
            layout = self.sedentary_full if full else self.sedentary_16
            value = snapshot.value * 1000  # active_time: scale 1000
        else:
            layout = self.steps_full if full else self.steps_16
            value = snapshot.value  # cycles read as steps (scale 1) for walking/running
        time_value = snapshot.fit_s if full else snapshot.fit_s & 0xFFFF
        kind = snapshot.activity_type
        if packed:  # activity_type in bits 0-4, intensity in bits 5-7, as vivofit writes
            kind |= (0 if sedentary else 2) << 5
        return layout, [time_value, kind, value]


@functools.cache
def _heart_rate_layout(full: bool) -> _RowLayout:
    """A monitoring message with only ``timestamp_16`` (or, ``full``, ``timestamp``) and
    ``heart_rate``, as Garmin's all-day heart rate is written."""
    if full:
        template = _message(MonitoringMessage, timestamp=_unix_ms(0), heart_rate=60)
        return _RowLayout(template, _LOCAL["heart_rate_full"], ["timestamp", "heart_rate"])
    template = _message(MonitoringMessage, timestamp_16=1, heart_rate=60)
    return _RowLayout(template, _LOCAL["heart_rate_16"], ["timestamp_16", "heart_rate"])


def monitoring_file(
    *,
    step_minutes: Sequence[tuple[datetime, int]],
    heart_rate: Sequence[tuple[datetime, int]] = (),
    utc_offset_s: int = 3600,
    interval_s: int = 60,
    use_timestamp_16: bool = True,
    manufacturer: int = GARMIN,
    product: int = 2697,
    serial: int = 3_900_000_001,
    file_type: int = FILE_MONITORING_B,
    extra_activity_types: bool = True,
    packed_activity_type: bool = False,
    runs_opened_by: Literal["counter", "activity_type"] = "counter",
) -> bytes:
    """A Garmin-style daily wellness file for the local day of the first step minute.

    Messages: file_id, device_info, monitoring_info (``timestamp`` = local midnight in
    UTC, ``local_timestamp`` = ``timestamp + utc_offset_s``), then monitoring messages in
    time order. Steps are summed into ``interval_s`` intervals aligned on local midnight.

    Each counter is cumulative per activity type since local midnight and is written
    in ``cycles`` (fitparse reads it as ``steps`` for walking and running):

    * walking (activity_type 6): 0 at midnight; for every interval with steps a message
      stamped at the interval's *end* holding the new total; a run of such intervals is
      opened by a message at its start repeating the old total; the total again at the
      next local midnight (midnight + 24 h). Intervals without steps produce no message.
    * with ``extra_activity_types``: running (activity_type 1) takes 5 of the steps of
      each of the day's first three intervals with >= 40 steps (so walking + running ==
      the steps given, per interval), written the same way; and sedentary (activity_type
      8) counts, in ``active_time`` seconds, each step-free gap of 30 min or more, with a
      message at 0 at midnight and one when each such gap ends.

    With ``use_timestamp_16`` every 10th monitoring message (the first included) has a
    full ``timestamp`` and the others only ``timestamp_16`` (= FIT seconds & 0xFFFF).
    ``packed_activity_type`` writes the type as ``current_activity_type_intensity`` (as
    older Garmin trackers do) instead of ``activity_type``; fitparse then names the
    counter ``cycles`` and halves it (the scale-2 parent field), like on real files.

    ``runs_opened_by="activity_type"`` writes what Garmin devices write when the activity
    type changes: no message repeating a counter's total at a run's start, but a sedentary
    message at the end of every step-free gap (of any length; it needs
    ``extra_activity_types``), so only a reading of another counter marks where a walk began.

    ``heart_rate`` (instant, bpm) adds Garmin's all-day heart rate: one monitoring message
    per reading with only ``timestamp_16`` and ``heart_rate``, in time order among the
    others (after the counters of the same instant); a full ``timestamp`` instead when the
    previous message lies 65,536 s (the 16-bit range) or more before it. ``step_minutes``
    may then be empty: a file of heart rate only (the counters stay at 0 all day).
    """
    if not step_minutes and not heart_rate:
        raise ValueError("step_minutes is empty: a monitoring file needs at least one minute")
    if interval_s <= 0:
        raise ValueError(f"interval_s must be positive, got {interval_s}")
    first_local_s = (
        min(fit_seconds(minute) for minute, _ in [*step_minutes, *heart_rate]) + utc_offset_s
    )
    day_start_s = first_local_s - first_local_s % 86_400 - utc_offset_s
    steps = _steps_per_interval(step_minutes, day_start_s, interval_s)
    last_end_s = max([day_start_s + 86_400, *(start + interval_s for start in steps)])
    running = _split_running(steps) if extra_activity_types else {}
    walking = {start: count - running.get(start, 0) for start, count in steps.items()}
    if runs_opened_by not in ("counter", "activity_type"):
        raise ValueError(f"runs_opened_by must be counter or activity_type, got {runs_opened_by}")
    if runs_opened_by == "activity_type" and not extra_activity_types:
        raise ValueError('runs_opened_by="activity_type" needs extra_activity_types')
    open_runs = runs_opened_by == "counter"
    bounds = {"day_start_s": day_start_s, "day_end_s": last_end_s, "interval_s": interval_s}
    snapshots = _counter_snapshots(ACTIVITY_TYPE_WALKING, walking, open_runs=open_runs, **bounds)
    if extra_activity_types:
        snapshots += _counter_snapshots(
            ACTIVITY_TYPE_RUNNING, running, open_runs=open_runs, **bounds
        )
        gap = SEDENTARY_MIN_GAP_S if open_runs else 1
        snapshots += _sedentary_snapshots(steps, min_gap_s=gap, **bounds)

    stream = _FitStream()
    device = {"manufacturer": manufacturer, "product": product, "serial": serial}
    _file_id(stream, file_type=file_type, fit_s=day_start_s, **device)
    _device_info(stream, fit_s=day_start_s, **device)
    stream.add(
        _message(
            MonitoringInfoMessage,
            timestamp=_unix_ms(day_start_s),
            local_timestamp=day_start_s + utc_offset_s,  # local_date_time: raw seconds
        ),
        "monitoring_info",
    )
    layouts = _MonitoringLayouts.build(packed_activity_type)
    readings = sorted((fit_seconds(instant), bpm) for instant, bpm in heart_rate)
    last_s = day_start_s  # the monitoring_info timestamp: the first reference

    def add_heart_rate(until_s: int | None) -> int:
        written = last_s
        while readings and (until_s is None or readings[0][0] < until_s):
            fit_s, bpm = readings.pop(0)
            full = not use_timestamp_16 or fit_s - written >= 0x10000
            time_value = fit_s if full else fit_s & 0xFFFF
            stream.add_rows(_heart_rate_layout(full), [[time_value, bpm]])
            written = fit_s
        return written

    for index, snapshot in enumerate(sorted(snapshots)):
        last_s = add_heart_rate(snapshot.fit_s)
        full = not use_timestamp_16 or index % FULL_TIMESTAMP_EVERY == 0
        layout, row = layouts.row(snapshot, full=full, packed=packed_activity_type)
        stream.add_rows(layout, [row])
        last_s = snapshot.fit_s
    add_heart_rate(None)
    return stream.to_bytes()


# ------------------------------------------------------------------ other file types


_DEMO_DEVICE = {"manufacturer": GARMIN, "product": 3113, "serial": 3_900_000_001}
_DEMO_CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def settings_file() -> bytes:
    """A FIT settings file (file_id type 2) holding one user_profile."""
    stream = _FitStream()
    created = fit_seconds(_DEMO_CREATED)
    _file_id(stream, file_type=FILE_SETTINGS, fit_s=created, **_DEMO_DEVICE)
    stream.add(
        _message(
            UserProfileMessage,
            message_index=0,
            friendly_name="Demo",
            gender=1,  # male
            age=52,
            height=1.78,
            weight=81.5,
            resting_heart_rate=62,
            user_walking_step_length=0.72,
        ),
        "user_profile",
    )
    return stream.to_bytes()


def workout_file(name: str = "Core") -> bytes:
    """A FIT workout file (file_id type 5): one strength workout with three timed steps."""
    steps = [("Warm up", 2, 300.0), (name, 0, 1200.0), ("Cool down", 3, 300.0)]
    stream = _FitStream()
    created = fit_seconds(_DEMO_CREATED)
    _file_id(stream, file_type=FILE_WORKOUT, fit_s=created, **_DEMO_DEVICE)
    stream.add(
        _message(
            WorkoutMessage,
            sport=SPORT_TRAINING,
            sub_sport=SUB_SPORT_STRENGTH,
            num_valid_steps=len(steps),
            workout_name=name,
        ),
        "workout",
    )
    for index, (step_name, intensity, seconds) in enumerate(steps):
        stream.add(
            _message(
                WorkoutStepMessage,
                message_index=index,
                workout_step_name=step_name,
                duration_type=0,  # time
                duration_time=seconds,
                target_type=2,  # open
                intensity=intensity,  # 0 active, 2 warmup, 3 cooldown
            ),
            "workout_step",
        )
    return stream.to_bytes()


def course_file() -> bytes:
    """A FIT course file (file_id type 6): a 2 km walking loop with a few records."""
    start = fit_seconds(_DEMO_CREATED)
    stream = _FitStream()
    _file_id(stream, file_type=FILE_COURSE, fit_s=start, **_DEMO_DEVICE)
    stream.add(_message(CourseMessage, sport=SPORT_WALKING, course_name="Park loop"), "course")
    _timer_event(stream, start, EVENT_TYPE_START)
    for index in range(5):
        stream.add(
            _message(
                RecordMessage,
                timestamp=_unix_ms(start + index * 300),
                position_lat=52.52 + index * 0.001,
                position_long=13.40 + index * 0.001,
                distance=index * 500.0,
            ),
            "record",
        )
    _timer_event(stream, start + 1200, EVENT_TYPE_STOP_ALL)
    stream.add(
        _message(
            LapMessage,
            timestamp=_unix_ms(start + 1200),
            start_time=_unix_ms(start),
            total_elapsed_time=1200.0,
            total_timer_time=1200.0,
            total_distance=2000.0,
        ),
        "lap",
    )
    return stream.to_bytes()


# ----------------------------------------------------------------- damaged / chained


def chain(*files: bytes) -> bytes:
    """A chained FIT file: the files one after another, each with its own header and CRC."""
    return b"".join(files)


def with_bad_crc(data: bytes) -> bytes:
    """The same file with its final 2-byte file CRC inverted."""
    if len(data) < 2:
        raise ValueError("too short to carry a CRC")
    return data[:-2] + bytes(byte ^ 0xFF for byte in data[-2:])


def truncated(data: bytes, keep: int) -> bytes:
    """The first ``keep`` bytes of ``data`` (a file cut off mid-transfer)."""
    return data[:keep]
