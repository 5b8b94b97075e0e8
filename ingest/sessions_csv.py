"""Sessions CSV reader: a plain table of sessions for anything no other reader covers.

The template and its rules for people are in ``docs/templates/sessions.csv`` and
``docs/templates/sessions.md``; this docstring is the reference for the code.

Columns (header names case-insensitive; spaces, hyphens and brackets count as "_", so
"Duration (min)" is ``duration_min``; English or German; order free; extra columns ignored):

==============  ==============================================  ========  ==================
column          synonyms                                        required  record field
==============  ==============================================  ========  ==================
date            datum                                           yes       start (date)
start           start_time, begin, beginn, startzeit, uhrzeit    yes       start (time)
duration_min    duration, minutes, dauer_min, dauer, minuten    yes       elapsed_s, moving_s
type            activity, activity_type, sport, art, typ,       yes       sport, sub_sport,
                aktivität, aktivitaet, sportart                           sport_name
utc_offset      offset, utc_versatz, versatz                    no        utc_offset_s
distance_km     distance, km, distanz_km, distanz, strecke_km,  no        distance_m
                strecke
steps           schritte                                        no        steps
name            title, titel, bezeichnung                       no        activity_name
==============  ==============================================  ========  ==================

Values
    * ``date``: ``YYYY-MM-DD`` or ``DD.MM.YYYY`` (also ``D.M.YYYY``).
    * ``start``: ``HH:MM`` or ``HH:MM:SS``, 24-hour local wall time.
    * ``duration_min``: minutes ("45", "37.5", "37,5") or ``H:MM`` / ``H:MM:SS`` ("1:15");
      more than 0 and at most 24 hours. It is both ``elapsed_s`` and ``moving_s``.
    * ``type``: free text, kept verbatim in ``sport_name`` (the taxonomy maps names such as
      "Tai Chi", "Rückengymnastik", "Core"); obvious types also get FIT codes
      (:data:`TYPE_CODES`). Empty → no type (the pipeline infers walking from speed and
      cadence when distance or steps are given).
    * ``utc_offset``: ``+02:00``, ``+0200``, ``+2``, ``-05:30``, ``Z``, ``UTC``,
      ``UTC+2``. Given → ``start_utc`` is the wall time minus the offset and
      ``utc_offset_s`` is set. Empty or absent → ``floating=True`` and ``start_utc`` is the
      wall time tagged UTC (the pipeline places it in the participant's zone).
    * ``distance_km``: decimal kilometres ("3.2" or "3,2"). ``steps``: a whole number
      ("4521", "4,521", "4.521" - separators are dropped: steps have no fractions).
      Decimal fields accept "." or "," as the decimal mark; when both occur, the last one
      is the decimal mark ("1.234,5" = "1,234.5" = 1234.5).

File
    UTF-8 (with or without BOM), Windows-1252 (Excel's "CSV" on Windows) or UTF-16 with
    BOM (Excel's "Unicode text"); LF or CRLF; delimiter ``,``, ``;`` or tab - whichever
    splits the header into the most known columns; quoted fields may contain the delimiter.
    Empty lines and lines whose first cell starts with ``#`` are ignored.

Errors
    A bad row is skipped with a warning naming its row (the spreadsheet row: the header is
    row 1) and the offending value; the good rows go through. No data rows →
    :class:`SkippedFile`; rows but none good → :class:`RejectedFile` quoting the first
    errors. ``device`` is ``Device("sessions_csv", None, None)``: the file does not say
    what recorded it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from ingest.csvrows import BadRow, readable_table, sessions_from_rows
from ingest.records import Device, ParsedFile, RejectedFile, SessionRecord
from ingest.values import spreadsheet_text

__all__ = [
    "COLUMNS",
    "FORMAT",
    "SESSIONS_CSV_DEVICE",
    "TYPE_CODES",
    "parse",
    "parse_utc_offset",
    "sniff",
    "type_codes",
]

FORMAT: Final = "sessions_csv"
SESSIONS_CSV_DEVICE: Final = Device("sessions_csv", None, None)

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "date": ("date", "datum"),
    "start": ("start", "start_time", "begin", "beginn", "startzeit", "uhrzeit"),
    "duration_min": ("duration_min", "duration", "minutes", "dauer_min", "dauer", "minuten"),
    "type": (
        "type",
        "activity",
        "activity_type",
        "sport",
        "art",
        "typ",
        "aktivität",
        "aktivitaet",
        "sportart",
    ),
    "utc_offset": ("utc_offset", "offset", "utc_versatz", "versatz"),
    "distance_km": (
        "distance_km",
        "distance",
        "km",
        "distanz_km",
        "distanz",
        "strecke_km",
        "strecke",
    ),
    "steps": ("steps", "schritte"),
    "name": ("name", "title", "titel", "bezeichnung"),
}
"""Column → accepted header names (normalised: lower case, runs of other characters "_")."""

REQUIRED: Final = ("date", "start", "duration_min", "type")

TYPE_CODES: Final[dict[str, tuple[int, int]]] = {
    **dict.fromkeys(
        ("walk", "walking", "spaziergang", "spazieren", "gehen", "walken", "nordic walking"),
        (11, 0),
    ),
    **dict.fromkeys(("hike", "hiking", "wandern", "wanderung"), (17, 0)),
    **dict.fromkeys(("run", "running", "jogging", "joggen", "laufen", "lauf"), (1, 0)),
    **dict.fromkeys(
        ("bike", "biking", "cycling", "ride", "radfahren", "rad", "fahrrad", "radtour"), (2, 0)
    ),
    **dict.fromkeys(("swim", "swimming", "schwimmen"), (5, 0)),
    **dict.fromkeys(
        (
            "strength",
            "strength training",
            "weight training",
            "krafttraining",
            "kraft",
        ),
        (10, 20),
    ),
    "yoga": (10, 43),
    "pilates": (10, 44),
}
"""Type (lower case, spaces collapsed) → FIT (sport, sub_sport). "laufen" is running, as
in Garmin's German; other types keep only ``sport_name``."""

_DELIMITERS: Final = (",", ";", "\t")
_ISO_DATE: Final = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOT_DATE: Final = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_CLOCK: Final = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_OFFSET: Final = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


class _Bad(BadRow):
    """A bad value in a row; the message names the column and the value."""


def _normalise(name: str) -> str:
    return re.sub(r"[^\w]+", "_", name.strip().lower()).strip("_")


_LOOKUP: Final = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise RejectedFile(
                f"sessions CSV starts like UTF-16 text but is not (at byte {error.start}): "
                "save it again as CSV (UTF-8)"
            ) from None
    return spreadsheet_text(data)


def _header_columns(line: str) -> tuple[str, dict[str, int]]:
    """The delimiter that maps most header cells to known columns, and that mapping."""
    best: tuple[str, dict[str, int]] = (",", {})
    for delimiter in _DELIMITERS:
        cells = next(csv.reader([line], delimiter=delimiter), [])
        positions: dict[str, int] = {}
        for position, cell in enumerate(cells):
            column = _LOOKUP.get(_normalise(cell))
            if column is not None and column not in positions:
                positions[column] = position
        if len(positions) > len(best[1]):
            best = (delimiter, positions)
    return best


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line
    return ""


def sniff(head: bytes) -> bool:
    """The first line (after a BOM, empty and ``#`` lines) is a header naming at least the
    date, start, duration and type columns (in English or German)."""
    try:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
        else:
            text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
        _, positions = _header_columns(_first_line(text))
        return all(column in positions for column in REQUIRED)
    except Exception:
        return False


def parse(data: bytes) -> ParsedFile:
    """Read a sessions CSV (see the module docstring). Raises :class:`SkippedFile` for a
    file without data rows, :class:`RejectedFile` when no row is usable."""
    with readable_table("sessions CSV"):
        return _parse(data)


def _parse(data: bytes) -> ParsedFile:
    text = _decode(data)
    lines = text.splitlines(keepends=True)
    header_at = next(
        (i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")),
        None,
    )
    if header_at is None:
        raise RejectedFile("sessions CSV is empty: expected a header like date,start,...")
    delimiter, positions = _header_columns(lines[header_at])
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        raise RejectedFile(
            f"sessions CSV header lacks the column(s) {', '.join(missing)}: the first line must "
            "name date, start, duration_min and type (see docs/templates/sessions.md)"
        )
    header_width = len(next(csv.reader([lines[header_at]], delimiter=delimiter)))
    reader = csv.reader(
        io.StringIO("".join(lines[header_at + 1 :]), newline=""), delimiter=delimiter
    )

    def session(fields: list[str], index: int) -> SessionRecord:
        if len(fields) > header_width:
            raise _Bad(
                f"{len(fields)} fields but the header has {header_width} (a decimal comma "
                f"in a {_delimiter_name(delimiter)}-separated file? quote the value)"
            )
        return _session(fields, positions, index=index)

    return sessions_from_rows(
        reader,
        session,
        format=FORMAT,
        label="sessions CSV",
        nothing="sessions",
        first_line=header_at + 1,
        skip=lambda fields: (
            not any(f.strip() for f in fields) or fields[0].lstrip().startswith("#")
        ),
    )


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter]


def _cell(fields: Sequence[str], positions: dict[str, int], column: str) -> str:
    position = positions.get(column)
    if position is None or position >= len(fields):
        return ""
    return fields[position].strip()


def _date(text: str) -> date:
    match = _ISO_DATE.match(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _DOT_DATE.match(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise _Bad(f"date {text!r} is not a date like 2026-03-14 or 14.03.2026")


def _clock(text: str) -> time:
    match = _CLOCK.match(text)
    try:
        if match:
            return time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        pass
    raise _Bad(f"start {text!r} is not a time like 09:30")


def _decimal(text: str, what: str) -> float:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:  # the last mark is the decimal mark
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        cleaned = cleaned.replace(thousands, "").replace(decimal_mark, ".")
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise _Bad(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise _Bad(f"{what} {text!r} is not a non-negative number")
    return value


def _duration_s(text: str) -> float:
    if not text:
        raise _Bad("duration_min is empty")
    match = _CLOCK.match(text)
    if match:
        hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
        if minutes > 59 or seconds > 59:
            raise _Bad(f"duration_min {text!r} is not a duration like 45 or 1:15")
        total = float(hours * 3600 + minutes * 60 + seconds)
    else:
        total = _decimal(text, "duration_min") * 60
    if total <= 0:
        raise _Bad(f"duration_min {text!r} is not more than 0")
    if total > 24 * 3600:
        raise _Bad(f"duration_min {text!r} is longer than a day")
    return total


def parse_utc_offset(text: str) -> int | None:
    """An offset ("+02:00", "+0200", "+2", "UTC-05:30", "Z", "UTC") in seconds, or None
    when ``text`` is not one.

    >>> parse_utc_offset("+05:30")
    19800
    """
    cleaned = text.strip()
    if cleaned.upper() in ("Z", "UTC", "GMT"):
        return 0
    match = _OFFSET.match(cleaned)
    if match is None:
        return None
    hours, minutes = int(match[2]), int(match[3] or 0)
    if minutes > 59 or hours * 60 + minutes > 14 * 60:
        return None
    return (1 if match[1] == "+" else -1) * (hours * 3600 + minutes * 60)


def type_codes(type_name: str | None) -> tuple[int | None, int | None]:
    """FIT (sport, sub_sport) for an obvious type name, else (None, None)."""
    if not type_name:
        return None, None
    key = re.sub(r"[\s_-]+", " ", type_name.strip().lower())
    return TYPE_CODES.get(key, (None, None))


def _session(fields: Sequence[str], positions: dict[str, int], *, index: int) -> SessionRecord:
    day = _date(_cell(fields, positions, "date"))
    clock = _clock(_cell(fields, positions, "start"))
    duration = _duration_s(_cell(fields, positions, "duration_min"))
    wall = datetime.combine(day, clock, tzinfo=UTC)
    offset_text = _cell(fields, positions, "utc_offset")
    offset: int | None = None
    start_utc = wall  # a floating wall time, unless an offset places it
    if offset_text:
        offset = parse_utc_offset(offset_text)
        if offset is None:
            raise _Bad(f"utc_offset {offset_text!r} is not an offset like +02:00")
        try:
            start_utc = wall - timedelta(seconds=offset)
        except OverflowError:  # 0001-01-01 00:00 at +01:00 is in the year 0
            raise _Bad(
                f"{day.isoformat()} {clock:%H:%M} at {offset_text} is not in the years 1 to 9999"
            ) from None
    distance_text = _cell(fields, positions, "distance_km")
    steps_text = _cell(fields, positions, "steps")
    steps: int | None = None
    if steps_text:
        digits = re.sub(r"[\s.,'\u00a0]", "", steps_text)
        if not (digits.isascii() and digits.isdigit()):
            raise _Bad(f"steps {steps_text!r} is not a whole number")
        if len(digits) > 12:  # int() refuses over 4300 digits; no session has 10^12 steps
            raise _Bad(f"steps {steps_text[:20]!r}… is a number of {len(digits)} digits")
        steps = int(digits)
    type_name = _cell(fields, positions, "type") or None
    sport, sub_sport = type_codes(type_name)
    return SessionRecord(
        source_format=FORMAT,
        index=index,
        start_utc=start_utc,
        elapsed_s=duration,
        moving_s=duration,
        sport=sport,
        sub_sport=sub_sport,
        sport_name=type_name,
        activity_name=_cell(fields, positions, "name") or None,
        distance_m=(
            None if not distance_text else round(_decimal(distance_text, "distance_km") * 1000, 3)
        ),
        steps=steps,
        device=SESSIONS_CSV_DEVICE,
        utc_offset_s=offset,
        floating=offset is None,
    )
