"""Shared definitions of the Suunto readers (not a reader itself).

The readers are :mod:`ingest.suunto_sml` (Moveslink2 ``.sml``, root ``<sml>``),
:mod:`ingest.suunto_xml` (Moveslink2 log ``.xml``: ``<header>``, ``<Samples>``, ``<Device>``
and ``<IBI>`` as several top-level elements) and :mod:`ingest.suunto_json` (Suunto app
``DeviceLog`` JSON). They share the activity-type table, the device, and how a log's header
and samples become a session.

Activity types (:data:`ACTIVITY_TYPES`)
    Suunto numbers sports (``ActivityType`` in a header, ``Activity.ActivityType`` in an
    event) with Movescount's list: 1 not specified, 2 multisport, 3 running, 4 cycling,
    5 mountain biking, 6 swimming, …, 11 trekking, 12 walking, …, 23 weight training, …,
    82 trail running, 84 Nordic walking, 93 treadmill, 95 indoor training, 96 hiking (the
    list as published with sports-lib's Suunto importer, checked against the corpus: the
    SML log with type 3 is named "Laufen" and its event says "Run"; the multisport JSON's
    header type 2 is "Multisport"). ``sport_name`` is always that list's English name;
    FIT codes are given where FIT has the same sport (walking 11/0, trekking and hiking
    17/0, running 1/0, trail running 1/3, weight training and kettlebell 10/20, stretching
    10/19, indoor training 10/0, …). No code for Yoga/Pilates (one Suunto type for both),
    Nordic walking (the taxonomy knows the name), treadmill (walking or running), circuit
    training, CrossFit and the like. A code missing from the list keeps the log's own
    ``Activity`` text, else "Suunto activity type N".

Times
    A header ``DateTime`` with a zone (Suunto app JSON: ``+02:00``) gives the instant and
    ``utc_offset_s``. A zone-less ``DateTime`` (Moveslink2: local wall time) is placed by
    the samples' ``UTC`` stamps when they carry a ``Z``: the offset is
    ``DateTime − (first UTC − its Time)``, rounded to 15 minutes, used when it is within
    ±14 h and the rounding moved it by at most 2 minutes. Otherwise the session is
    floating (wall time tagged UTC) — ``UTC`` values without ``Z`` are not trusted
    (the Ambit3 corpus file repeats the local ``DateTime`` there).

Moving time
    ``Duration`` in the header is the exercise timer. ``elapsed_s`` = the larger of
    ``Duration`` and the span from the start to the last sample with a UTC time;
    ``moving_s`` = the smaller of ``Duration`` and ``elapsed_s`` minus the paused time
    (from ``Pause`` events: paused from ``State`` true to the next false, or to the last
    sample). So the rule holds whether or not a device's ``Duration`` includes pauses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from lxml import etree

from ingest.records import Device, RejectedFile, SessionRecord
from ingest.values import non_negative_float
from ingest.xmlsafe import MAX_OFFSET_S, child, child_text, children, parse_xsd_datetime

__all__ = [
    "ACTIVITY_TYPES",
    "SUUNTO",
    "LogSample",
    "activity",
    "device",
    "log_session",
    "paused_s",
    "to_int",
    "xml_samples",
]

SUUNTO: Final = "suunto"
OFFSET_ROUNDING_S: Final = 15 * 60
OFFSET_TOLERANCE_S: Final = 120

ACTIVITY_TYPES: Final[dict[int, tuple[str, int | None, int | None]]] = {
    1: ("Not specified sport", None, None),
    2: ("Multisport", None, None),
    3: ("Running", 1, 0),
    4: ("Cycling", 2, 0),
    5: ("Mountain biking", 2, 8),
    6: ("Swimming", 5, 0),
    8: ("Skating", None, None),
    9: ("Aerobics", None, None),
    10: ("Yoga/Pilates", None, None),
    11: ("Trekking", 17, 0),
    12: ("Walking", 11, 0),
    13: ("Sailing", 32, 0),
    14: ("Kayaking", 41, 0),
    15: ("Rowing", 15, 0),
    16: ("Climbing", 31, 0),
    17: ("Indoor cycling", 2, 6),
    18: ("Circuit training", None, None),
    19: ("Triathlon", None, None),
    20: ("Alpine skiing", 13, 0),
    21: ("Snowboarding", 14, 0),
    22: ("Cross-country skiing", 12, 0),
    23: ("Weight training", 10, 20),
    24: ("Basketball", 6, 0),
    25: ("Soccer", 7, 0),
    26: ("Ice hockey", None, None),
    27: ("Volleyball", None, None),
    28: ("Football", 9, 0),
    29: ("Softball", None, None),
    30: ("Cheerleading", None, None),
    31: ("Baseball", None, None),
    33: ("Tennis", 8, 0),
    34: ("Badminton", None, None),
    35: ("Table tennis", None, None),
    36: ("Racquetball", None, None),
    37: ("Squash", None, None),
    38: ("Combat sport", None, None),
    39: ("Boxing", 47, 0),
    40: ("Floorball", None, None),
    51: ("Scuba diving", None, None),
    52: ("Free diving", None, None),
    53: ("Snorkeling", None, None),
    54: ("Surfing", 38, 0),
    55: ("Swimrun", None, None),
    56: ("Duathlon", None, None),
    57: ("Aquathlon", None, None),
    61: ("Adventure racing", None, None),
    62: ("Bowling", None, None),
    63: ("Cricket", None, None),
    64: ("Cross trainer", 4, 15),
    65: ("Dancing", None, None),
    66: ("Golf", 25, 0),
    67: ("Gymnastics", None, None),
    68: ("Handball", None, None),
    69: ("Horseback riding", 27, 0),
    70: ("Ice skating", 33, 0),
    71: ("Indoor rowing", 4, 14),
    72: ("Canoeing", None, None),
    73: ("Motorsports", None, None),
    74: ("Mountaineering", 16, 0),
    75: ("Orienteering", None, None),
    76: ("Rugby", None, None),
    78: ("Ski touring", None, None),
    79: ("Stretching", 10, 19),
    80: ("Telemark skiing", None, None),
    81: ("Track and field", None, None),
    82: ("Trail running", 1, 3),
    83: ("Open water swimming", 5, 18),
    84: ("Nordic walking", None, None),
    85: ("Snowshoeing", 35, 0),
    86: ("Windsurfing", 43, 0),
    87: ("Kettlebell", 10, 20),
    88: ("Roller skiing", None, None),
    89: ("Stand up paddling", 37, 0),
    90: ("CrossFit", None, None),
    91: ("Kitesurfing", 44, 0),
    92: ("Paragliding", None, None),
    93: ("Treadmill", None, None),
    94: ("Frisbee", None, None),
    95: ("Indoor training", 10, 0),
    96: ("Hiking", 17, 0),
    97: ("Fishing", 29, 0),
    98: ("Hunting", 28, 0),
}
"""Suunto activity type → (Suunto's name, FIT sport, FIT sub_sport)."""


def activity(code: int | None, own_name: str | None) -> tuple[int | None, int | None, str | None]:
    """(sport, sub_sport, sport_name) of a Suunto activity type; see :data:`ACTIVITY_TYPES`."""
    if code is not None and code in ACTIVITY_TYPES:
        name, sport, sub_sport = ACTIVITY_TYPES[code]
        return sport, sub_sport, name
    if own_name:
        return None, None, own_name
    return None, None, (f"Suunto activity type {code}" if code is not None else None)


def device(name: object, serial: object) -> Device:
    """``Device("suunto", <Device Name>, <SerialNumber>)``, blanks as None."""

    def text(value: object) -> str | None:
        if value is None:
            return None
        return str(value).strip() or None

    return Device(SUUNTO, text(name), text(serial))


def paused_s(pauses: Iterable[tuple[datetime, bool]], start: datetime, end: datetime) -> float:
    """Seconds paused within [start, end]: from each ``State`` true to the next false."""
    total = 0.0
    paused_since: datetime | None = None
    for instant, paused in sorted(pauses, key=lambda pause: pause[0]):
        if paused and paused_since is None:
            paused_since = instant
        elif not paused and paused_since is not None:
            total += _overlap_s(paused_since, instant, start, end)
            paused_since = None
    if paused_since is not None:
        total += _overlap_s(paused_since, end, start, end)
    return total


def _overlap_s(begin: datetime, finish: datetime, start: datetime, end: datetime) -> float:
    return max(0.0, (min(finish, end) - max(begin, start)).total_seconds())


def _shifted(start: datetime, seconds: float, what: str) -> datetime:
    """``start`` moved by ``seconds``; a log whose times leave the calendar (before the
    year 1 or after 9999: a wrong DateTime, Duration or sample clock) is rejected."""
    try:
        return start + timedelta(seconds=seconds)
    except OverflowError:
        shown = start.isoformat(sep=" ", timespec="minutes")[:16]
        raise RejectedFile(
            f"Suunto log: {what} (from {shown}) falls outside the years 1 to 9999; "
            "the header's DateTime or Duration is wrong"
        ) from None


def to_int(text: object) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------- Moveslink2 logs (SML and XML)


@dataclass(frozen=True, slots=True)
class LogSample:
    """What a session needs from one ``<Sample>``."""

    utc: datetime | None  # only when the UTC text states its zone (``Z``)
    time_s: float | None  # seconds since the start (``<Time>``)
    paused: bool | None  # a ``<Events><Pause><State>`` value


def xml_samples(samples: etree._Element | None) -> list[LogSample]:
    """The ``<Sample>`` children of a ``<Samples>`` element (any case)."""
    if samples is None:
        return []
    found = []
    for sample in [*children(samples, "Sample"), *children(samples, "sample")]:
        stated = parse_xsd_datetime(child_text(sample, "UTC"))
        utc = stated[0] if stated is not None and stated[1] is not None else None
        paused = None
        events = child(sample, "Events")
        pause = child(events, "Pause") if events is not None else None
        state = (child_text(pause, "State") or "").lower() if pause is not None else ""
        if state in ("true", "false"):
            paused = state == "true"
        found.append(LogSample(utc, non_negative_float(child_text(sample, "Time")), paused))
    return found


def _offset_s(wall: datetime, samples: Sequence[LogSample]) -> int | None:
    """local − UTC from the first sample with a zoned UTC time and a Time, when plausible."""
    for sample in samples:
        if sample.utc is None or sample.time_s is None:
            continue
        utc_start = sample.utc.timestamp() - sample.time_s
        difference = wall.timestamp() - utc_start
        rounded = round(difference / OFFSET_ROUNDING_S) * OFFSET_ROUNDING_S
        if abs(rounded) <= MAX_OFFSET_S and abs(difference - rounded) <= OFFSET_TOLERANCE_S:
            return int(rounded)
        return None
    return None


def log_session(
    source_format: str,
    header: etree._Element,
    samples: Sequence[LogSample],
    recorder: Device,
) -> tuple[SessionRecord, list[str]]:
    """The one session of a Moveslink2 log, from its header and samples, with warnings."""
    warnings: list[str] = []
    stated = parse_xsd_datetime(child_text(header, "DateTime"))
    if stated is None:
        raise RejectedFile(
            f"Suunto log header has no readable DateTime ({child_text(header, 'DateTime')!r})"
        )
    start, offset_s = stated
    floating = False
    if offset_s is None:
        offset_s = _offset_s(start, samples)
        if offset_s is None:
            floating = True
            if any(sample.utc is not None for sample in samples):
                warnings.append(
                    "the header's local DateTime and the samples' UTC times disagree: the "
                    "start is kept as local wall-clock time"
                )
        else:
            start = _shifted(start, -offset_s, "the header's DateTime moved to UTC")
    duration_s = non_negative_float(child_text(header, "Duration"))
    last = max((sample.utc for sample in samples if sample.utc is not None), default=None)
    span_s = (last - start).total_seconds() if last is not None and not floating else 0.0
    if duration_s is None:
        if span_s <= 0:
            raise RejectedFile("Suunto log header has no Duration and the samples give none")
        duration_s = span_s
    elapsed_s = max(duration_s, span_s)
    pauses = [(s.utc, s.paused) for s in samples if s.utc is not None and s.paused is not None]
    end = _shifted(start, elapsed_s, f"the end of a session lasting {elapsed_s:g} s")
    moving_s = min(duration_s, elapsed_s - (0.0 if floating else paused_s(pauses, start, end)))
    sport, sub_sport, sport_name = activity(
        to_int(child_text(header, "ActivityType")), child_text(header, "Activity")
    )
    if sport_name == "Multisport":
        warnings.append("a multisport log is read as one session (its legs are not split)")
    session = SessionRecord(
        source_format=source_format,
        index=0,
        start_utc=start,
        elapsed_s=elapsed_s,
        moving_s=max(0.0, moving_s),
        sport=sport,
        sub_sport=sub_sport,
        sport_name=sport_name,
        activity_name=child_text(header, "Activity"),
        distance_m=non_negative_float(child_text(header, "Distance")),
        device=recorder,
        utc_offset_s=None if floating else offset_s,
        floating=floating,
    )
    return session, warnings
