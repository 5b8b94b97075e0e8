"""Strava reader: the bulk export's ``activities.csv`` → :class:`~ingest.records.ParsedFile`.

A Strava bulk export ("Download your data") is a zip with ``activities.csv`` (one row per
activity) and the original activity files under ``activities/`` (``.fit.gz``, ``.gpx.gz``,
``.tcx.gz``, ...). Those files are read by their own readers as separate members; the
pipeline de-duplicates them with the rows read here (a row supplies the activity type when
its file has none). This module reads only the CSV, plus - as a second format - the JSON
the Strava API returns (see *API JSON* below).

The CSV
    About 80 columns in current exports (older ones have ten); some names occur twice,
    so columns are found by position: the *first* column of a name unless said otherwise.

    ===================  ==============================================================
    column               use
    ===================  ==============================================================
    Activity Date        ``start_utc`` - see *Time zone*
    Activity Name        ``activity_name`` (empty → None)
    Activity Type        ``sport_name`` verbatim, and FIT codes via :data:`STRAVA_TYPES`
    Elapsed Time         ``elapsed_s``: the second "Elapsed Time" (seconds, may be
                         fractional) when present, else the first (whole seconds)
    Moving Time          ``moving_s`` (missing → the elapsed time; capped at it)
    Distance             ``distance_m``: the second "Distance" is metres; without it the
                         first is kilometres - except for swims, which Strava writes in
                         metres ("1,025") - with "," as thousands separator
    Total Steps / Steps  ``steps`` when such a column exists (not in the sample)
    ===================  ==============================================================

    ``device`` is ``Device("strava", None, None)``: the CSV does not name the recording
    device (its original file, read separately, does).

Time zone
    Strava writes "Activity Date" in **UTC** ("Jan 4, 2020, 2:57:37 PM"), whatever the
    athlete's zone, and states no offset - so ``utc_offset_s`` is None and the record is
    not floating. Checked on the corpus sample (an athlete in Ireland): Strava names
    untitled activities by the *local* hour (Morning / Lunch / Afternoon / Evening). Read
    as UTC and converted to Europe/Dublin, the sample's 114 such names split cleanly at
    11:00, 13:00 and 18:00 local time across both winter (UTC+0) and summer (UTC+1); read
    as local time they interleave (a 10:00 "Lunch Run" before a 10:06 "Morning Run"). The
    test ``test_activity_date_is_utc`` in ``tests/ingest/test_samples_csv_json.py`` keeps
    this evidence. Accepted spellings: "Jan 4, 2020, 2:57:37 PM" (also without the second
    comma, with "." after the month, or a narrow no-break space before PM), "4 Jan 2020,
    14:57:37", and ISO "2020-01-04 14:57:37" (optionally with "Z" / "+00:00").
    Month names are English; Strava's localised exports (other header languages) are
    not recognised by :func:`sniff`.

Broken rows
    A row whose date does not parse, whose elapsed time is missing, not a number, negative
    or zero, or whose moving time or distance is not a number or negative, is skipped
    with a warning naming its row (the spreadsheet row: the header is row 1) and the
    offending value; the other rows go through. A file whose rows are all broken is
    rejected (the reason quotes the first problems); a header without rows is skipped.
    ``index`` numbers the sessions produced, in file order.

API JSON (``API_FORMAT``, :func:`sniff_api_json`, :func:`parse_api_json`)
    * An activity (``GET /activities/{id}``) or a list of activities
      (``GET /athlete/activities``): objects with ``start_date`` (UTC), ``elapsed_time``,
      ``moving_time``, ``distance`` (m), ``sport_type`` / ``type``, ``name`` and, in
      detailed activities, ``device_name``. ``utc_offset_s`` is ``start_date_local −
      start_date`` (Strava writes the local wall time with a "Z"), else the ``utc_offset``
      field; ``device`` is ``Device("strava", device_name, None)``.
    * Streams (``GET /activities/{id}/streams``; the corpus file
      ``strava/sports-lib/3156040843.json`` is one, keyed by type: altitude, cadence,
      grade_smooth, heartrate, watts, temp, distance, time): arrays of samples whose
      ``time`` counts seconds from an unstated start, with no activity type. Nothing can
      place them on a day, so they are skipped with a reason saying what to upload instead.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from ingest.csvrows import BadRow, readable_table, sessions_from_rows
from ingest.records import Device, ParsedFile, RejectedFile, SessionRecord, SkippedFile
from ingest.values import utc_instant, utf8_text

__all__ = [
    "API_FORMAT",
    "FORMAT",
    "STRAVA_DEVICE",
    "STRAVA_TYPES",
    "parse",
    "parse_activity_date",
    "parse_api_json",
    "sniff",
    "sniff_api_json",
    "sport_codes",
]

FORMAT: Final = "strava_csv"
API_FORMAT: Final = "strava_api_json"

STRAVA_DEVICE: Final = Device("strava", None, None)

_HEADER_START: Final = ("Activity ID", "Activity Date", "Activity Name", "Activity Type")
_MAX_WARNINGS_QUOTED: Final = 3

STRAVA_TYPES: Final[dict[str, tuple[int, int]]] = {
    # key: the type lower-cased with everything but letters removed, so the CSV's
    # "Weight Training" and the API's "WeightTraining" are one entry.
    "walk": (11, 0),
    "hike": (17, 0),
    "run": (1, 0),
    "trailrun": (1, 3),  # running / trail
    "virtualrun": (1, 58),  # running / virtual_activity
    "ride": (2, 0),
    "virtualride": (2, 58),  # cycling / virtual_activity
    "mountainbikeride": (2, 8),  # cycling / mountain
    "gravelride": (2, 46),  # cycling / gravel_cycling
    "ebikeride": (21, 0),  # e_biking
    "swim": (5, 0),
    "weighttraining": (10, 20),  # training / strength_training
    "yoga": (10, 43),
    "pilates": (10, 44),
    "workout": (10, 0),  # generic training
    "crossfit": (10, 0),
    "elliptical": (4, 15),  # fitness_equipment / elliptical
    "stairstepper": (4, 16),  # fitness_equipment / stair_climbing
    "rowing": (15, 0),
    "virtualrow": (15, 14),  # rowing / indoor_rowing
    "alpineski": (13, 0),
    "backcountryski": (13, 0),
    "nordicski": (12, 0),  # cross_country_skiing
    "snowboard": (14, 0),
    "snowshoe": (35, 0),
    "iceskate": (33, 0),
    "inlineskate": (30, 0),
    "rockclimbing": (31, 0),
    "kayaking": (37, 0),
    "canoeing": (19, 0),  # paddling
    "sail": (32, 0),
    "windsurf": (39, 0),
    "kitesurf": (40, 0),
    "golf": (25, 0),
    "soccer": (7, 0),
    "tennis": (8, 0),
}
"""Strava activity type → FIT (sport, sub_sport). Types not listed (HIIT, Wheelchair,
Handcycle, Surfing, Badminton, ...) keep only their name (``sport_name``)."""

_MONTHS: Final = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_TIME = r"(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?"
_DATE_PATTERNS: Final = (
    re.compile(r"^(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4}),?\s+" + _TIME + r"$"),
    re.compile(
        r"^(?P<d>\d{1,2})\.?\s+(?P<mon>[A-Za-z]{3,9})\.?,?\s+(?P<y>\d{4}),?\s+" + _TIME + r"$"
    ),
)
_ISO_DATE: Final = re.compile(
    r"^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[ T](?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"(?:\.\d+)?(?:Z|[+-]00:?00)?$"
)


class _RowError(BadRow):
    """A broken value in one row; the message names the column and the value."""


# ------------------------------------------------------------------------------- CSV


def sniff(head: bytes) -> bool:
    """The first line is a Strava ``activities.csv`` header: "Activity ID,Activity Date,
    Activity Name,Activity Type,..." (after an optional UTF-8 BOM)."""
    try:
        text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
        first_line = text.splitlines()[0] if text else ""
        fields = next(csv.reader([first_line]), [])
        return tuple(f.strip() for f in fields[:4]) == _HEADER_START
    except Exception:
        return False


@dataclass(frozen=True, slots=True)
class _Columns:
    date: int
    name: int
    type: int
    elapsed: tuple[int, ...]  # in order of preference
    moving: int | None
    distance_m: int | None  # the second "Distance" (metres)
    distance_display: int | None  # the first "Distance" (km; metres for swims)
    steps: int | None

    @classmethod
    def from_header(cls, header: Sequence[str]) -> _Columns:
        names = [h.strip() for h in header]

        def positions(name: str) -> list[int]:
            return [i for i, n in enumerate(names) if n.lower() == name.lower()]

        elapsed = positions("Elapsed Time")
        distances = positions("Distance")
        moving = positions("Moving Time")
        steps = positions("Total Steps") or positions("Steps")
        if not elapsed:
            raise RejectedFile(
                'Strava activities.csv has no "Elapsed Time" column: not a complete export '
                "(the header must keep Strava's column names)"
            )
        return cls(
            date=names.index("Activity Date"),
            name=names.index("Activity Name"),
            type=names.index("Activity Type"),
            elapsed=tuple(reversed(elapsed[:2])),
            moving=moving[0] if moving else None,
            distance_m=distances[1] if len(distances) > 1 else None,
            distance_display=distances[0] if distances else None,
            steps=steps[0] if steps else None,
        )


def parse(data: bytes) -> ParsedFile:
    """Read a Strava ``activities.csv``: one session per row (broken rows are skipped
    with a warning). Raises :class:`SkippedFile` for a header without rows and
    :class:`RejectedFile` when the file is not UTF-8 text or no row is usable."""
    with readable_table("Strava activities.csv"):
        return _parse_csv(data)


def _parse_csv(data: bytes) -> ParsedFile:
    text = utf8_text(
        data,
        "Strava activities.csv is not UTF-8 text (byte {byte}): re-download the export; do "
        "not re-save it in a spreadsheet program",
    )
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header[:4]) != _HEADER_START:
        raise RejectedFile(
            'not a Strava activities.csv: the first line must start with "Activity ID,'
            'Activity Date,Activity Name,Activity Type"'
        )
    columns = _Columns.from_header(header)
    return sessions_from_rows(
        reader,
        lambda fields, index: _session(fields, columns, index=index),
        format=FORMAT,
        label="Strava activities.csv",
        nothing="activities",
        first_line=reader.line_num,
        line_offset=0,
    )


def _cell(fields: Sequence[str], position: int | None) -> str:
    if position is None or position >= len(fields):
        return ""
    return fields[position].strip()


def _number(text: str, what: str) -> float | None:
    """A number as Strava writes it ("1509", "5005.200195", "1,025"), or None when empty."""
    if not text:
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise _RowError(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise _RowError(f"{what} {text!r} is not a number")
    if value < 0:
        raise _RowError(f"{what} {text!r} is negative")
    return value


def _session(fields: Sequence[str], columns: _Columns, *, index: int) -> SessionRecord:
    date_text = _cell(fields, columns.date)
    start = parse_activity_date(date_text)
    if start is None:
        raise _RowError(f"Activity Date {date_text!r} is not a date Strava writes")
    elapsed: float | None = None
    for position in columns.elapsed:
        elapsed = _number(_cell(fields, position), "Elapsed Time")
        if elapsed is not None:
            break
    if elapsed is None:
        raise _RowError("Elapsed Time is empty")
    if elapsed == 0:
        raise _RowError("Elapsed Time '0' gives the activity no duration")
    moving = _number(_cell(fields, columns.moving), "Moving Time")
    type_name = _cell(fields, columns.type) or None
    distance_m = _number(_cell(fields, columns.distance_m), "Distance (m)")
    if distance_m is None:
        display = _number(_cell(fields, columns.distance_display), "Distance")
        if display is not None:
            is_swim = type_name is not None and "swim" in type_name.lower()
            distance_m = display if is_swim else round(display * 1000, 3)
    steps = _number(_cell(fields, columns.steps), "Total Steps")
    sport, sub_sport = sport_codes(type_name)
    return SessionRecord(
        source_format=FORMAT,
        index=index,
        start_utc=start,
        elapsed_s=elapsed,
        moving_s=elapsed if moving is None else min(moving, elapsed),
        sport=sport,
        sub_sport=sub_sport,
        sport_name=type_name,
        activity_name=_cell(fields, columns.name) or None,
        distance_m=distance_m,
        steps=None if steps is None else round(steps),
        device=STRAVA_DEVICE,
    )


def parse_activity_date(text: str) -> datetime | None:
    """Strava's "Activity Date" as an aware UTC instant, or None when it does not parse.

    >>> parse_activity_date("Jan 4, 2020, 2:57:37 PM")
    datetime.datetime(2020, 1, 4, 14, 57, 37, tzinfo=datetime.timezone.utc)
    """
    text = re.sub(r"[\s\u202f\u00a0]+", " ", text).strip()
    iso = _ISO_DATE.match(text)
    try:
        if iso:
            return datetime(
                int(iso["y"]),
                int(iso["mo"]),
                int(iso["d"]),
                int(iso["h"]),
                int(iso["mi"]),
                int(iso["s"]),
                tzinfo=UTC,
            )
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match is None:
                continue
            month = _MONTHS.get(match["mon"][:3].lower())
            if month is None:
                return None
            hour = int(match["h"])
            if match["ampm"]:
                if not 1 <= hour <= 12:
                    return None
                pm = match["ampm"][0] in "Pp"
                hour = hour % 12 + (12 if pm else 0)
            return datetime(
                int(match["y"]),
                month,
                int(match["d"]),
                hour,
                int(match["mi"]),
                int(match["s"]),
                tzinfo=UTC,
            )
    except ValueError:  # day 31 of February, hour 25, ...
        return None
    return None


def sport_codes(type_name: str | None) -> tuple[int | None, int | None]:
    """FIT (sport, sub_sport) for a Strava activity type, or (None, None)."""
    if not type_name:
        return None, None
    key = re.sub(r"[^a-z]", "", type_name.lower())
    return STRAVA_TYPES.get(key, (None, None))


# -------------------------------------------------------------------------- API JSON

_STREAM_TYPES: Final = frozenset(
    {
        "time",
        "distance",
        "latlng",
        "altitude",
        "velocity_smooth",
        "heartrate",
        "cadence",
        "watts",
        "temp",
        "moving",
        "grade_smooth",
    }
)
_STREAM_NAMES = "|".join(sorted(_STREAM_TYPES))
_STREAMS_BY_TYPE: Final = re.compile(rf'^\{{\s*"(?:{_STREAM_NAMES})"\s*:\s*(?:\[|\{{\s*"data")')
_STREAMS_LIST: Final = re.compile(
    rf'^\[\s*\{{\s*"type"\s*:\s*"(?:{_STREAM_NAMES})"\s*,\s*"(?:data|series_type)"'
)
_ACTIVITY_KEYS: Final = ('"start_date"', '"elapsed_time"', '"resource_state"')


def sniff_api_json(head: bytes) -> bool:
    """JSON from the Strava API: an activity or a list of activities (``resource_state``,
    ``start_date`` and ``elapsed_time`` in the first object), or streams - an object
    whose first key is a Strava stream type ("altitude", "time", "latlng", ...) holding
    an array, or a list of ``{"type": <stream type>, "data": [...]}``."""
    try:
        text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace").lstrip()
        if not text.startswith(("{", "[")):
            return False
        if _STREAMS_BY_TYPE.match(text) or _STREAMS_LIST.match(text):
            return True
        return all(key in text for key in _ACTIVITY_KEYS)
    except Exception:
        return False


def parse_api_json(data: bytes) -> ParsedFile:
    """Read Strava API JSON: activities become sessions; streams are skipped (no start
    time, no type). Raises :class:`SkippedFile` / :class:`RejectedFile` for what it cannot use."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise RejectedFile(f"Strava API JSON is not valid JSON: {error}") from error
    except RecursionError:
        raise RejectedFile("Strava API JSON is nested over 1000 levels deep") from None
    if _is_streams(document):
        raise SkippedFile(_streams_reason(document))
    activities = document if isinstance(document, list) else [document]
    if not activities:
        raise SkippedFile("Strava API JSON holds an empty list of activities")
    sessions: list[SessionRecord] = []
    warnings: list[str] = []
    for position, activity in enumerate(activities):
        try:
            sessions.append(_api_session(activity, index=len(sessions)))
        except _RowError as error:
            warnings.append(f"activity {position + 1}: {error}; activity skipped")
    if not sessions:
        raise RejectedFile(
            "Strava API JSON: no usable activity - "
            + "; ".join(warnings[:_MAX_WARNINGS_QUOTED])
            + (" ..." if len(warnings) > _MAX_WARNINGS_QUOTED else "")
        )
    return ParsedFile(
        format=API_FORMAT, kind="activity", sessions=tuple(sessions), warnings=tuple(warnings)
    )


def _is_streams(document: Any) -> bool:
    if isinstance(document, dict):
        return bool(document) and set(document) <= _STREAM_TYPES
    if isinstance(document, list) and document:
        return all(
            isinstance(item, dict)
            and isinstance(item.get("type"), str)
            and item["type"] in _STREAM_TYPES
            and "data" in item
            for item in document
        )
    return False


def _stream_data(document: Any) -> dict[str, list[Any]]:
    items: list[tuple[Any, Any]]
    if isinstance(document, dict):
        items = list(document.items())
    else:
        items = [(item["type"], item) for item in document]
    streams: dict[str, list[Any]] = {}
    for name, value in items:
        samples = value.get("data") if isinstance(value, dict) else value
        streams[str(name)] = samples if isinstance(samples, list) else []
    return streams


def _streams_reason(document: Any) -> str:
    streams = _stream_data(document)
    described = ", ".join(sorted(streams))
    times = [t for t in streams.get("time", []) if isinstance(t, int | float)]
    span = ""
    if times:
        seconds = int(max(times) - min(times))
        span = f", {len(times)} samples over {seconds // 60} min {seconds % 60} s"
    return (
        f"Strava API streams JSON ({described}{span}): its times count from an unstated "
        "start and it names no activity type, so it cannot be placed on a day - upload the "
        "activity's original file (.fit / .gpx) or the bulk export's activities.csv instead"
    )


def _api_number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _RowError(f"{what} {value!r} is not a number")
    if value < 0:
        raise _RowError(f"{what} {value!r} is negative")
    return float(value)


def _api_offset(activity: dict[str, Any], start: datetime) -> int | None:
    local_text = activity.get("start_date_local")
    if isinstance(local_text, str):
        try:
            local = datetime.fromisoformat(local_text.replace("Z", "+00:00"))
        except ValueError:
            local = None
        if local is not None:
            seconds = (local.replace(tzinfo=UTC) - start).total_seconds()
            offset = round(seconds / 900) * 900
            if abs(offset) <= 14 * 3600:
                return offset
    raw = activity.get("utc_offset")
    if isinstance(raw, int | float) and not isinstance(raw, bool) and abs(raw) <= 14 * 3600:
        return round(raw)
    return None


def _api_text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _api_session(activity: Any, *, index: int) -> SessionRecord:
    if not isinstance(activity, dict):
        raise _RowError(f"{type(activity).__name__} is not an activity object")
    start = utc_instant(
        activity.get("start_date"), "start_date", bad=_RowError, no_zone="has no UTC designator"
    )
    elapsed = _api_number(activity.get("elapsed_time"), "elapsed_time")
    if not elapsed:
        raise _RowError(f"elapsed_time {activity.get('elapsed_time')!r} gives no duration")
    moving = _api_number(activity.get("moving_time"), "moving_time")
    type_name = _api_text(activity.get("sport_type")) or _api_text(activity.get("type"))
    sport, sub_sport = sport_codes(type_name)
    device_name = _api_text(activity.get("device_name"))
    return SessionRecord(
        source_format=API_FORMAT,
        index=index,
        start_utc=start,
        elapsed_s=elapsed,
        moving_s=elapsed if moving is None else min(moving, elapsed),
        sport=sport,
        sub_sport=sub_sport,
        sport_name=type_name,
        activity_name=_api_text(activity.get("name")),
        distance_m=_api_number(activity.get("distance"), "distance"),
        device=Device("strava", device_name, None),
        utc_offset_s=_api_offset(activity, start),
    )
