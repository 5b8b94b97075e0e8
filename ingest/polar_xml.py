"""Polar XML reader: a polarpersonaltrainer.com export (root ``<polar-exercise-data>``).

The export lists ``<calendar-items>``; each recorded ``<exercise>`` has ``<time>`` (local
wall-clock "2013-03-24 11:33:09.0"), optionally ``<sport>`` and ``<name>``, and a
``<result>`` with ``<duration>`` (h:mm:ss), ``<distance>`` (metres) and samples. Each
exercise with a result becomes one :class:`SessionRecord`; calendar items without a
result (planned exercises, notes, fitness tests without duration) are left out with a
warning, and a file without any recorded exercise is skipped.

* Times have no zone: sessions are ``floating=True`` with the wall time tagged UTC.
* The export keeps no pause information: ``moving_s`` = ``elapsed_s`` = ``<duration>``.
* ``<sport>`` is the user's sport name in Polar's diary; it is kept as ``sport_name`` and
  mapped to FIT codes where one fits (:data:`SPORT_CODES`, case-insensitive). Exercises
  without ``<sport>`` have no type (``<result><speed><type>`` RUNNING/CYCLING only says
  which speed sensor mode was used — Polar has no walking mode, walks are recorded as
  RUNNING — so it is not used as the sport).
* ``<name>`` is ``activity_name``. Device: ``Device("polar", None, None)`` (the export
  does not name the monitor).

Parsed with :mod:`ingest.xmlsafe` (no DTD, no entities, no network).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from lxml import etree

from ingest.records import Device, ParsedFile, RejectedFile, SessionRecord, SkippedFile
from ingest.values import non_negative_float
from ingest.xmlsafe import child, child_text, local_name, parse_xml, sniff_root

__all__ = ["FORMAT", "SPORT_CODES", "parse", "sniff"]

FORMAT: Final = "polar_xml"
ROOT: Final = "polar-exercise-data"

SPORT_CODES: Final[dict[str, tuple[int, int]]] = {
    "running": (1, 0),
    "jogging": (1, 0),
    "road running": (1, 0),
    "trail running": (1, 3),
    "treadmill running": (1, 1),
    "cycling": (2, 0),
    "road cycling": (2, 0),
    "road biking": (2, 0),
    "biking": (2, 0),
    "mountain biking": (2, 8),
    "indoor cycling": (2, 6),
    "spinning": (2, 6),
    "walking": (11, 0),
    "hiking": (17, 0),
    "swimming": (5, 0),
    "strength training": (10, 20),
    "yoga": (10, 43),
    "pilates": (10, 44),
}
"""Polar sport name (lower case) → FIT (sport, sub_sport). Others ("Other sport", "Nordic
walking", "Aerobics", user-defined names) keep only their name."""

_TIME: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}:\d{2})(?:\.\d+)?$")
# at most 6 digits of hours: int() refuses thousands of digits, no exercise lasts 10^6 h
_DURATION: Final = re.compile(r"^(\d{1,6}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def sniff(head: bytes) -> bool:
    """The root element is ``<polar-exercise-data>``."""
    return sniff_root(head) == ROOT


def _start(text: str | None) -> datetime | None:
    match = _TIME.match(text or "")
    if match is None:
        return None
    try:
        wall = datetime.strptime(f"{match.group(1)} {match.group(2)}", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return wall.replace(tzinfo=UTC)


def _seconds(text: str | None) -> float | None:
    match = _DURATION.match(text or "")
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _exercises(root: etree._Element) -> list[etree._Element]:
    return [element for element in root.iter() if local_name(element) == "exercise"]


def parse(data: bytes) -> ParsedFile:
    """Read every recorded exercise of a Polar XML export."""
    root = parse_xml(data)
    if local_name(root) != ROOT:
        raise RejectedFile(f"not a Polar XML export: root element <{local_name(root)}>")
    device = Device("polar", None, None)
    sessions: list[SessionRecord] = []
    left_out: list[str] = []
    exercises = _exercises(root)
    for number, exercise in enumerate(exercises, start=1):
        result = child(exercise, "result")
        start = _start(child_text(exercise, "time"))
        elapsed_s = _seconds(child_text(result, "duration")) if result is not None else None
        if start is None or elapsed_s is None or elapsed_s <= 0:
            what = "time" if start is None else "duration"
            left_out.append(f"exercise {number} (no readable {what})")
            continue
        sport_name = child_text(exercise, "sport")
        codes = SPORT_CODES.get((sport_name or "").lower())
        sessions.append(
            SessionRecord(
                source_format=FORMAT,
                index=len(sessions),
                start_utc=start,
                elapsed_s=elapsed_s,
                moving_s=elapsed_s,
                sport=codes[0] if codes else None,
                sub_sport=codes[1] if codes else None,
                sport_name=sport_name,
                activity_name=child_text(exercise, "name"),
                distance_m=(
                    non_negative_float(child_text(result, "distance"))
                    if result is not None
                    else None
                ),
                device=device,
                floating=True,
            )
        )
    if not sessions:
        if exercises:
            raise SkippedFile(
                f"Polar XML export whose {len(exercises)} exercise(s) have no recorded "
                "time and duration (planned exercises?)"
            )
        raise SkippedFile("Polar XML export without exercises (no <exercise> element)")
    warnings: tuple[str, ...] = ()
    if left_out:
        warnings = (f"left out without a recording: {', '.join(left_out)}",)
    return ParsedFile(format=FORMAT, kind="activity", sessions=tuple(sessions), warnings=warnings)
