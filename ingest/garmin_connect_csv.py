"""Garmin Connect activities-list CSV → :class:`~ingest.records.ParsedFile`.

Garmin Connect's web "Activities" list exports a CSV (the "Export CSV" button): one row
per activity, in the account's language and units. Two generations are recognised:

* the 2012-era export (corpus: ``garmin_connect/Runalyze/GarminConnect.csv``, German):
  a title line ("Aktivitäten von <user>"), a blank line, then
  `` Favorit,Aktivitätsname,Aktivitätstyp,Course,Start,Zeit,Distanz,...`` with a leading
  space on every line, dates like "Fr, 25 Mai 2012 20:31", decimal commas ("10,20") and
  "--" for missing values;
* the current export: ``Activity Type,Date,Favorite,Title,Distance,Calories,Time,...``
  (newer versions add ``Moving Time``, ``Elapsed Time``, ``Steps``), dates like
  "2023-05-01 07:12:33", "," as thousands separator ("1,234").

The header is the first of the first five lines naming a type column, a start column, a
duration column and the favourite column ("Favorite" / "Favorit" - what marks this
export); lines before it are ignored.

==================================================  =======================================
column (English / German)                           record field
==================================================  =======================================
Activity Type / Aktivitätstyp                       ``sport_name`` verbatim; FIT codes via
                                                    :data:`GARMIN_TYPES`
Date / Start / Datum                                ``start_utc`` (floating, see below)
Title / Activity Name / Aktivitätsname / Titel      ``activity_name``
Time / Zeit ("1:05:11", "12:03" = mm:ss)            ``elapsed_s`` and ``moving_s`` unless
                                                    the columns below exist
Elapsed Time / Verstrichene Zeit                    ``elapsed_s``
Moving Time / Bewegungszeit                         ``moving_s`` (capped at ``elapsed_s``)
Distance / Distanz                                  ``distance_m`` - see *Units*
Steps / Schritte                                    ``steps``
==================================================  =======================================

Time zone
    Dates are the activity's local wall time without zone or offset: every session is
    ``floating=True`` with that wall time (tagged UTC) in ``start_utc``.

Units
    Distances are in the account's unit, which the file does not state; this reader
    assumes kilometres (metres for swims, which Garmin lists in metres). An account set to
    miles gives distances 1.609 × too short - distance is not used to categorise sessions
    of a known type, so only the stored distance is affected.

Numbers
    A German header (Aktivitätstyp, ...) means decimal commas and "." thousands
    separators; an English one "." decimals and "," thousands separators. "--" is missing.

Broken rows are skipped with a warning naming their row (the line number in the file)
and value; rows all broken → :class:`RejectedFile`; no rows → :class:`SkippedFile`.
``device`` is ``Device("garmin_connect", None, None)``: the list does not name the watch.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from ingest.csvrows import BadRow, readable_table, sessions_from_rows
from ingest.records import Device, ParsedFile, RejectedFile, SessionRecord
from ingest.values import spreadsheet_text

__all__ = [
    "FORMAT",
    "GARMIN_CONNECT_DEVICE",
    "GARMIN_TYPES",
    "parse",
    "parse_start",
    "sniff",
]

FORMAT: Final = "garmin_connect_csv"
GARMIN_CONNECT_DEVICE: Final = Device("garmin_connect", None, None)

_HEADER_SEARCH_LINES: Final = 5

_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "type": ("activity type", "aktivitätstyp"),
    "start": ("date", "start", "datum"),
    "title": ("title", "activity name", "aktivitätsname", "titel"),
    "time": ("time", "zeit"),
    "elapsed": ("elapsed time", "verstrichene zeit"),
    "moving": ("moving time", "bewegungszeit"),
    "distance": ("distance", "distanz"),
    "steps": ("steps", "schritte"),
    "favorite": ("favorite", "favorit"),
}
_LOOKUP: Final = {alias: key for key, aliases in _SYNONYMS.items() for alias in aliases}
_REQUIRED: Final = ("type", "start", "time", "favorite")
_GERMAN_MARKERS: Final = frozenset({"aktivitätstyp", "aktivitätsname", "zeit", "distanz"})

GARMIN_TYPES: Final[dict[str, tuple[int, int]]] = {
    # key: lower case, letters only ("Indoor-Radfahren" → "indoorradfahren")
    "running": (1, 0),
    "laufen": (1, 0),
    "trailrunning": (1, 3),
    "treadmillrunning": (1, 1),
    "laufband": (1, 1),
    "laufbandlaufen": (1, 1),
    "indoorrunning": (1, 45),
    "walking": (11, 0),
    "gehen": (11, 0),
    "indoorwalking": (11, 27),
    "casualwalking": (11, 30),
    "speedwalking": (11, 31),
    "hiking": (17, 0),
    "wandern": (17, 0),
    "cycling": (2, 0),
    "radfahren": (2, 0),
    "roadcycling": (2, 7),
    "rennradfahren": (2, 7),
    "mountainbiking": (2, 8),
    "mountainbiken": (2, 8),
    "indoorcycling": (2, 6),
    "indoorradfahren": (2, 6),
    "gravelcycling": (2, 46),
    "virtualcycling": (2, 58),
    "swimming": (5, 0),
    "schwimmen": (5, 0),
    "poolswim": (5, 17),
    "lapswimming": (5, 17),
    "schwimmbadschwimmen": (5, 17),
    "openwaterswimming": (5, 18),
    "freiwasserschwimmen": (5, 18),
    "strengthtraining": (10, 20),
    "krafttraining": (10, 20),
    "yoga": (10, 43),
    "pilates": (10, 44),
    "cardio": (10, 26),
    "elliptical": (4, 15),
    "crosstrainer": (4, 15),
    "stairstepper": (4, 16),
    "indoorrowing": (4, 14),
    "indoorrudern": (4, 14),
    "rowing": (15, 0),
    "rudern": (15, 0),
}
"""Garmin Connect activity type (English / German display name) → FIT (sport, sub_sport).
Others ("Other", "Breathwork", "HIIT", ...) keep only ``sport_name``."""

_MONTHS: Final = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "mär": 3,
    "mrz": 3,
    "apr": 4,
    "may": 5,
    "mai": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "okt": 10,
    "nov": 11,
    "dec": 12,
    "dez": 12,
}
_CLOCK = r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\s*(?P<ampm>[AaPp][Mm]))?"
_WEEKDAY = r"(?:[^\W\d_]{2,4}\.?,\s*)?"
_START_PATTERNS: Final = (
    re.compile(r"^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[ T]" + _CLOCK + r"$"),
    # "Fr, 25 Mai 2012 20:31", "Fri, 25 May 2012 8:31 PM"
    re.compile(
        r"^"
        + _WEEKDAY
        + r"(?P<d>\d{1,2})\.?\s+(?P<mon>[^\W\d_]{3,9})\.?\s+(?P<y>\d{4}),?\s+"
        + _CLOCK
        + r"$"
    ),
    # "Fri, May 25, 2012 8:31 PM"
    re.compile(
        r"^"
        + _WEEKDAY
        + r"(?P<mon>[^\W\d_]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4}),?\s+"
        + _CLOCK
        + r"$"
    ),
)
_DURATION: Final = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:[.,]\d+)?)$")


class _Bad(BadRow):
    """A bad value in a row; the message names the column and the value."""


def _header_keys(cells: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for position, cell in enumerate(cells):
        key = _LOOKUP.get(cell.strip().lower())
        if key is not None and key not in positions:
            positions[key] = position
    return positions


def _find_header(lines: Sequence[str]) -> tuple[int, list[str], dict[str, int]] | None:
    for number, line in enumerate(lines[:_HEADER_SEARCH_LINES]):
        cells = next(csv.reader([line]), [])
        positions = _header_keys(cells)
        if all(key in positions for key in _REQUIRED):
            return number, cells, positions
    return None


def sniff(head: bytes) -> bool:
    """One of the first five lines is a Garmin Connect activities header: a type
    ("Activity Type" / "Aktivitätstyp"), a start ("Date" / "Start"), a duration ("Time" /
    "Zeit") and the "Favorite" / "Favorit" column."""
    try:
        text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
        return _find_header(text.splitlines()) is not None
    except Exception:
        return False


def parse(data: bytes) -> ParsedFile:
    """Read a Garmin Connect activities CSV: one floating session per row."""
    with readable_table("Garmin Connect CSV"):
        return _parse(data)


@dataclass(frozen=True, slots=True)
class _Layout:
    positions: dict[str, int]
    german: bool


def _parse(data: bytes) -> ParsedFile:
    text = spreadsheet_text(data)
    lines = text.splitlines(keepends=True)
    found = _find_header(lines)
    if found is None:
        raise RejectedFile(
            "not a Garmin Connect activities CSV: no header with Activity Type, Date, Time "
            "and Favorite (or Aktivitätstyp, Start, Zeit, Favorit) in the first lines"
        )
    header_at, cells, positions = found
    layout = _Layout(
        positions=positions,
        german=bool(_GERMAN_MARKERS.intersection(c.strip().lower() for c in cells)),
    )
    reader = csv.reader(io.StringIO("".join(lines[header_at + 1 :]), newline=""))
    return sessions_from_rows(
        reader,
        lambda fields, index: _session(fields, layout, index=index),
        format=FORMAT,
        label="Garmin Connect activities CSV",
        nothing="activities",
        first_line=header_at + 1,
    )


def _cell(fields: Sequence[str], layout: _Layout, key: str) -> str:
    position = layout.positions.get(key)
    if position is None or position >= len(fields):
        return ""
    value = fields[position].strip()
    return "" if value in ("--", "-") else value


def parse_start(text: str) -> datetime | None:
    """A Garmin Connect start ("2023-05-01 07:12:33", "Fr, 25 Mai 2012 20:31") as wall
    time tagged UTC, or None.

    >>> parse_start("Fr, 25 Mai 2012 20:31")
    datetime.datetime(2012, 5, 25, 20, 31, tzinfo=datetime.timezone.utc)
    """
    text = re.sub(r"\s+", " ", text.replace("\u202f", " ")).strip()
    for pattern in _START_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("mo"):
            month: int | None = int(groups["mo"])
        else:
            month = _MONTHS.get(groups["mon"][:3].lower())
        if month is None:
            return None
        hour = int(groups["h"])
        if groups["ampm"]:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if groups["ampm"][0] in "Pp" else 0)
        try:
            return datetime(
                int(groups["y"]),
                month,
                int(groups["d"]),
                hour,
                int(groups["mi"]),
                int(groups["s"] or 0),
                tzinfo=UTC,
            )
        except ValueError:
            return None
    return None


def _duration_s(text: str, what: str) -> float | None:
    if not text:
        return None
    match = _DURATION.match(text)
    if match is None:
        raise _Bad(f"{what} {text!r} is not a duration like 1:05:11")
    hours, minutes, seconds = match[1], int(match[2]), float(match[3].replace(",", "."))
    if minutes > 59 or seconds >= 60 or len(hours or "") > 6:  # a million hours: no duration
        raise _Bad(f"{what} {text!r} is not a duration like 1:05:11")
    return int(hours or 0) * 3600 + minutes * 60 + seconds


def _number(text: str, what: str, *, german: bool) -> float | None:
    if not text:
        return None
    thousands, decimal_mark = (".", ",") if german else (",", ".")
    cleaned = text.replace(thousands, "").replace(decimal_mark, ".").replace(" ", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise _Bad(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise _Bad(f"{what} {text!r} is not a non-negative number")
    return value


def _type_codes(type_name: str | None) -> tuple[int | None, int | None]:
    if not type_name:
        return None, None
    return GARMIN_TYPES.get(re.sub(r"[^a-zäöüß]", "", type_name.lower()), (None, None))


def _session(fields: Sequence[str], layout: _Layout, *, index: int) -> SessionRecord:
    start_text = _cell(fields, layout, "start")
    start = parse_start(start_text)
    if start is None:
        raise _Bad(f"start {start_text!r} is not a date like 2023-05-01 07:12:33")
    time_s = _duration_s(_cell(fields, layout, "time"), "time")
    elapsed = _duration_s(_cell(fields, layout, "elapsed"), "elapsed time") or time_s
    moving = _duration_s(_cell(fields, layout, "moving"), "moving time") or time_s
    if not elapsed:
        raise _Bad(f"time {_cell(fields, layout, 'time')!r} gives the activity no duration")
    type_name = _cell(fields, layout, "type") or None
    distance = _number(_cell(fields, layout, "distance"), "distance", german=layout.german)
    if distance is not None:
        is_swim = type_name is not None and re.search("swim|schwimm", type_name, re.I)
        distance = distance if is_swim else round(distance * 1000, 3)
    steps = _number(_cell(fields, layout, "steps"), "steps", german=layout.german)
    sport, sub_sport = _type_codes(type_name)
    return SessionRecord(
        source_format=FORMAT,
        index=index,
        start_utc=start,
        elapsed_s=elapsed,
        moving_s=elapsed if moving is None else min(moving, elapsed),
        sport=sport,
        sub_sport=sub_sport,
        sport_name=type_name,
        activity_name=_cell(fields, layout, "title") or None,
        distance_m=distance,
        steps=None if steps is None else round(steps),
        device=GARMIN_CONNECT_DEVICE,
        floating=True,
    )
