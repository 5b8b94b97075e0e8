"""Suunto app JSON reader: ``{"DeviceLog": {"Header", "Device", "Samples", "Windows"}}``.

The Suunto app (and its cloud API) describes a move as a ``DeviceLog``: ``Header``
(``DateTime`` with offset, ``Duration`` s, ``PauseDuration`` s, ``Distance`` m,
``ActivityType``, ``Device``), ``Samples`` (each with ``TimeISO8601`` and optional
``Events``: ``Activity`` starts a leg, ``Lap`` ``Stop`` ends the move, ``Pause`` ``State``
true/false) and ``Windows`` (summaries per ``Lap``, ``Activity`` and ``Move``; their
``Duration`` excludes pauses).

Sessions
    One per ``Activity`` event (a multisport move has several legs, each its own session,
    like FIT multisport sessions). A leg runs from its event to the next leg's, or to the
    ``Stop`` lap event, or to the last sample. ``elapsed_s`` is that span; ``moving_s``
    is the leg's ``Activity`` window ``Duration`` when the windows pair up with the legs
    (same number, same activity ids, in order), else the span minus paused time, at most
    the header ``Duration``; ``distance_m`` comes from the paired window (else, for a
    single leg, from the header). A log without ``Activity`` events is one session from
    the header: start ``DateTime``, moving ``Duration``, elapsed ``Duration`` +
    ``PauseDuration``.

Times carry their offset (``2018-04-09T18:03:13.368+02:00``): aware instants with
``utc_offset_s``. Type mapping: :mod:`ingest.suunto`. Device: ``Device("suunto", <Name>,
<SerialNumber>)`` — the name as logged (a code name such as "Amsterdam" for the Spartan
Ultra).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from ingest.records import Device, ParsedFile, RejectedFile, SessionRecord
from ingest.suunto import activity, device, paused_s, to_int
from ingest.values import json_document, non_negative_float, utf8_text
from ingest.xmlsafe import parse_xsd_datetime

__all__ = ["FORMAT", "parse", "sniff"]

FORMAT: Final = "suunto_json"

_HEAD: Final = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"DeviceLog"\s*:\s*\{')


def sniff(head: bytes) -> bool:
    """A JSON object whose first key is ``"DeviceLog"``."""
    try:
        return _HEAD.match(head) is not None
    except Exception:  # a sniffer never raises
        return False


@dataclass(frozen=True, slots=True)
class _Leg:
    start: datetime
    offset_s: int | None
    activity_type: int | None


def _instant(text: object) -> tuple[datetime, int | None] | None:
    return parse_xsd_datetime(text) if isinstance(text, str) else None


def _events(sample: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    events = sample.get("Events")
    if not isinstance(events, list):
        return []
    return [event for event in events if isinstance(event, dict)]


def _as_dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def parse(data: bytes) -> ParsedFile:
    """Read one Suunto DeviceLog JSON file: one session per leg."""
    text = utf8_text(data, "not UTF-8 text (byte {byte}): not a Suunto JSON file")
    document = json_document(text, "Suunto JSON file")
    log = _as_dict(_as_dict(document).get("DeviceLog"))
    header = _as_dict(log.get("Header"))
    if not header:
        raise RejectedFile("Suunto JSON without DeviceLog.Header: no exercise summary")
    unit = _as_dict(log.get("Device")) or _as_dict(header.get("Device"))
    recorder = device(unit.get("Name"), unit.get("SerialNumber"))
    samples = [sample for sample in _as_list(log.get("Samples")) if isinstance(sample, dict)]
    windows = [_as_dict(_as_dict(item).get("Window")) for item in _as_list(log.get("Windows"))]
    legs, stop, pauses, last = _timeline(samples)
    if not legs:
        session = _header_session(header, recorder)
        return ParsedFile(format=FORMAT, kind="activity", sessions=(session,))
    activity_windows = [window for window in windows if window.get("Type") == "Activity"]
    paired = len(activity_windows) == len(legs) and all(
        to_int(window.get("ActivityId")) == leg.activity_type
        for window, leg in zip(activity_windows, legs, strict=True)
    )
    header_duration_s = non_negative_float(header.get("Duration"))
    sessions = []
    for index, leg in enumerate(legs):
        if index + 1 < len(legs):
            end = legs[index + 1].start
        else:
            end = stop or last or leg.start + timedelta(seconds=header_duration_s or 0.0)
        elapsed_s = max(0.0, (end - leg.start).total_seconds())
        moving_s = elapsed_s - paused_s(pauses, leg.start, end)
        distance_m = None
        if paired:
            window = activity_windows[index]
            window_s = non_negative_float(window.get("Duration"))
            moving_s = window_s if window_s is not None else moving_s
            distance_m = non_negative_float(window.get("Distance"))
        elif len(legs) == 1:
            distance_m = non_negative_float(header.get("Distance"))
            if header_duration_s is not None:
                moving_s = min(moving_s, header_duration_s)
        sport, sub_sport, sport_name = activity(leg.activity_type, None)
        sessions.append(
            SessionRecord(
                source_format=FORMAT,
                index=index,
                start_utc=leg.start,
                elapsed_s=elapsed_s,
                moving_s=max(0.0, min(moving_s, elapsed_s)),
                sport=sport,
                sub_sport=sub_sport,
                sport_name=sport_name,
                distance_m=distance_m,
                device=recorder,
                utc_offset_s=leg.offset_s,
            )
        )
    warnings: tuple[str, ...] = ()
    if not paired and activity_windows:
        warnings = ("activity summaries do not pair with the legs: moving time from pauses",)
    return ParsedFile(format=FORMAT, kind="activity", sessions=tuple(sessions), warnings=warnings)


def _timeline(
    samples: Sequence[Mapping[str, Any]],
) -> tuple[list[_Leg], datetime | None, list[tuple[datetime, bool]], datetime | None]:
    """(legs, Stop lap time, pause events, last sample time) from the samples."""
    legs: list[_Leg] = []
    stop: datetime | None = None
    pauses: list[tuple[datetime, bool]] = []
    last: datetime | None = None
    for sample in samples:
        stated = _instant(sample.get("TimeISO8601"))
        if stated is None:
            continue
        instant, offset_s = stated
        last = instant if last is None else max(last, instant)
        for event in _events(sample):
            started = _as_dict(event.get("Activity"))
            if started:
                legs.append(_Leg(instant, offset_s, to_int(started.get("ActivityType"))))
            lap = _as_dict(event.get("Lap"))
            if lap.get("Type") == "Stop" and stop is None:
                stop = instant
            pause = _as_dict(event.get("Pause"))
            if isinstance(pause.get("State"), bool):
                pauses.append((instant, pause["State"]))
    legs.sort(key=lambda leg: leg.start)
    return legs, stop, pauses, last


def _header_session(header: Mapping[str, Any], recorder: Device) -> SessionRecord:
    stated = _instant(header.get("DateTime"))
    duration_s = non_negative_float(header.get("Duration"))
    if stated is None or duration_s is None:
        raise RejectedFile(
            "Suunto JSON header without a readable DateTime and Duration "
            f"({header.get('DateTime')!r}, {header.get('Duration')!r})"
        )
    start, offset_s = stated
    sport, sub_sport, sport_name = activity(
        to_int(header.get("ActivityType")), str(header.get("Activity") or "") or None
    )
    return SessionRecord(
        source_format=FORMAT,
        index=0,
        start_utc=start,
        elapsed_s=duration_s + (non_negative_float(header.get("PauseDuration")) or 0.0),
        moving_s=duration_s,
        sport=sport,
        sub_sport=sub_sport,
        sport_name=sport_name,
        distance_m=non_negative_float(header.get("Distance")),
        device=recorder,
        utc_offset_s=offset_s,
        floating=offset_s is None,
    )
