"""Google Fit reader: the files of a Google Takeout ``Fit/`` folder → ParsedFile.

What Takeout writes and what becomes of it (the ``.tcx`` files under ``Fit/Activities`` are
read by the TCX reader):

==================================================  ===========================================
file (recognised by content, never by name)         result
==================================================  ===========================================
``Daily activity metrics/Daily activity             ``kind="summary"``: one :class:`DailySteps`
metrics.csv`` (Date, Move Minutes count, ...,       per row with a "Step count"
Step count, ...)
``Daily activity metrics/YYYY-MM-DD.csv``           ``kind="monitoring"``: one
(15-minute buckets: Start time, End time, ...,      :class:`StepInterval` per bucket with a
Step count, ...)                                    step count - see *Per-day CSV*
``All Sessions/<start>_<TYPE>.json``                ``kind="activity"``: one session
(fitnessActivity, startTime, endTime, duration,
segment, aggregate)
``All Data/*com.google.step_count.delta*.json``     ``kind="monitoring"``: one StepInterval per
(Data Source, Data Points)                          data point
``All Data/*com.google.activity.segment*.json``     sessions for workout segments only - see
                                                    *Activity segments*; else skipped
any other ``All Data`` file (heart minutes,         skipped, the reason naming the data type
calories, distance, heart rate, ...)
==================================================  ===========================================

Time zones
    ``All Sessions`` and ``All Data`` state UTC instants (ISO "…Z" / nanoseconds since the
    epoch) and no offset: ``utc_offset_s`` is None. The per-day CSV states each bucket's
    wall time with its offset ("17:15:00.000+05:30"): ``utc_offset_s`` is that offset. The
    daily summary has local dates only (``DailySteps`` carries no time).

File names
    Two facts live only in Takeout's file names: the per-day CSV's date
    (``2025-02-11.csv``) and a session's local offset (``2025-02-11T17_24_05.16+05_30_
    WALKING.json``). :func:`parse` takes the name as an optional keyword. Without it a
    per-day CSV is skipped (with a reason saying so) and a session has no
    ``utc_offset_s``; with it the offset is used only when the name's local time minus the
    offset equals the JSON's ``startTime`` (to the second).

Sessions (``All Sessions``)
    ``elapsed_s`` = endTime − startTime; ``moving_s`` = ``duration`` ("3137.638s" - Google
    Fit's active time, the sum of the session's activity segments), else the sum of the
    segments, capped at the elapsed time. ``steps`` and ``distance_m`` come from the
    aggregates ``com.google.step_count.delta`` / ``com.google.distance.delta``.
    ``sport_name`` is ``fitnessActivity`` verbatim ("walking", "strength_training", ...);
    FIT codes from :data:`FITNESS_ACTIVITIES`.

Activity segments (decision)
    Google Fit's activity segments are mostly its *automatic* activity recognition on the
    phone (in vehicle 0, biking 1, on foot 2, still 3, unknown 4, tilting 5, walking 7,
    running 8) plus sleep (72, 109-112). These never become sessions: walking is counted
    from the step data (where backtrack's bout rule - ≥ 60 steps/min for ≥ 10 minutes -
    applies), and a detected "walking" segment would otherwise credit every minute of it.
    Segments of every other type were recorded or entered as workouts (yoga 100, pilates
    49, strength training 80, ...) and become sessions (elapsed = moving = the segment's
    span), because they may be the only trace of a strength / Pilates / Yoga session. The
    same workout also appears in ``All Sessions``; the pipeline's duplicate rule keeps one.
    A segments file with only automatic types is skipped, the reason counting them.

Devices
    ``All Data`` files name their source ("derived:com.google.step_count.delta:
    com.google.android.fit:vivo:V2312:557f82c0f6828d19:top_level" → ``Device("vivo",
    "V2312", "557f82c0f6828d19")``); the CSVs and session JSON name none:
    ``Device("google_fit", None, None)``.

Broken values
    A row / data point with a date, time or number that does not parse, negative steps or
    an end before its start is skipped with a warning naming it (CSV: the spreadsheet row;
    JSON: the data point's position, 1-based); a file with nothing usable is rejected
    with the first problems.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from ingest.csvrows import readable_table
from ingest.records import (
    DailySteps,
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    StepInterval,
)
from ingest.values import utc_instant, utf8_text

__all__ = [
    "ACTIVITY_TYPES",
    "AUTOMATIC_ACTIVITY_TYPES",
    "FITNESS_ACTIVITIES",
    "FORMAT",
    "GOOGLE_FIT_DEVICE",
    "device_of_data_source",
    "parse",
    "sniff",
]

FORMAT: Final = "google_fit"
GOOGLE_FIT_DEVICE: Final = Device("google_fit", None, None)

_MAX_WARNINGS: Final = 50
_MAX_QUOTED: Final = 3

ACTIVITY_TYPES: Final[dict[int, str]] = {
    # Google Fit activity type integers (developers.google.com/fit/rest/v1/reference/
    # activity-types) → the FitnessActivities string Takeout writes in session files.
    0: "in_vehicle",
    1: "biking",
    2: "on_foot",
    3: "still",
    4: "unknown",
    5: "tilting",
    7: "walking",
    8: "running",
    9: "aerobics",
    10: "badminton",
    11: "baseball",
    12: "basketball",
    13: "biathlon",
    14: "biking.hand",
    15: "biking.mountain",
    16: "biking.road",
    17: "biking.spinning",
    18: "biking.stationary",
    19: "biking.utility",
    20: "boxing",
    21: "calisthenics",
    22: "circuit_training",
    23: "cricket",
    24: "dancing",
    25: "elliptical",
    26: "fencing",
    27: "football.american",
    28: "football.australian",
    29: "football.soccer",
    30: "frisbee_disc",
    31: "gardening",
    32: "golf",
    33: "gymnastics",
    34: "handball",
    35: "hiking",
    36: "hockey",
    37: "horseback_riding",
    38: "housework",
    39: "jump_rope",
    40: "kayaking",
    41: "kettlebell_training",
    42: "kickboxing",
    43: "kitesurfing",
    44: "martial_arts",
    45: "meditation",
    46: "martial_arts.mixed",
    47: "p90x",
    48: "paragliding",
    49: "pilates",
    50: "polo",
    51: "racquetball",
    52: "rock_climbing",
    53: "rowing",
    54: "rowing.machine",
    55: "rugby",
    56: "running.jogging",
    57: "running.sand",
    58: "running.treadmill",
    59: "sailing",
    60: "scuba_diving",
    61: "skateboarding",
    62: "skating",
    63: "skating.cross",
    64: "skating.inline",
    65: "skiing",
    66: "skiing.back_country",
    67: "skiing.cross_country",
    68: "skiing.downhill",
    69: "skiing.kite",
    70: "skiing.roller",
    71: "sledding",
    72: "sleep",
    73: "snowboarding",
    74: "snowmobile",
    75: "snowshoeing",
    76: "squash",
    77: "stair_climbing",
    78: "stair_climbing.machine",
    79: "standup_paddleboarding",
    80: "strength_training",
    81: "surfing",
    82: "swimming",
    83: "swimming.pool",
    84: "swimming.open_water",
    85: "table_tennis",
    86: "team_sports",
    87: "tennis",
    88: "treadmill",
    89: "volleyball",
    90: "volleyball.beach",
    91: "volleyball.indoor",
    92: "wakeboarding",
    93: "walking.fitness",
    94: "walking.nordic",
    95: "walking.treadmill",
    96: "water_polo",
    97: "weightlifting",
    98: "wheelchair",
    99: "windsurfing",
    100: "yoga",
    101: "zumba",
    102: "diving",
    103: "ergometer",
    104: "ice_skating",
    105: "skating.indoor",
    106: "curling",
    108: "other",
    109: "sleep.light",
    110: "sleep.deep",
    111: "sleep.rem",
    112: "sleep.awake",
    113: "crossfit",
    114: "interval_training.high_intensity",
    115: "interval_training",
    116: "walking.stroller",
    117: "elevator",
    118: "escalator",
    119: "archery",
    120: "softball",
    122: "guided_breathing",
}

AUTOMATIC_ACTIVITY_TYPES: Final = frozenset({0, 1, 2, 3, 4, 5, 7, 8, 72, 109, 110, 111, 112})
"""Segment types that never become sessions (automatic recognition and sleep)."""

FITNESS_ACTIVITIES: Final[dict[str, tuple[int, int]]] = {
    "walking": (11, 0),
    "walking.fitness": (11, 0),
    "walking.nordic": (11, 0),
    "walking.stroller": (11, 0),
    "walking.treadmill": (11, 27),  # indoor walking
    "hiking": (17, 0),
    "running": (1, 0),
    "running.jogging": (1, 0),
    "running.sand": (1, 0),
    "running.treadmill": (1, 1),  # running / treadmill
    "biking": (2, 0),
    "biking.road": (2, 7),
    "biking.mountain": (2, 8),
    "biking.spinning": (2, 6),  # indoor cycling
    "biking.stationary": (2, 6),
    "biking.utility": (2, 0),
    "swimming": (5, 0),
    "swimming.pool": (5, 17),  # lap swimming
    "swimming.open_water": (5, 18),
    "strength_training": (10, 20),
    "weightlifting": (10, 20),
    "yoga": (10, 43),
    "pilates": (10, 44),
    "aerobics": (10, 0),
    "calisthenics": (10, 0),
    "circuit_training": (10, 0),
    "crossfit": (10, 0),
    "interval_training": (10, 0),
    "interval_training.high_intensity": (10, 0),
    "kettlebell_training": (10, 0),
    "elliptical": (4, 15),
    "stair_climbing.machine": (4, 16),
    "rowing": (15, 0),
    "rowing.machine": (15, 14),  # indoor rowing
}
"""Google Fit activity string → FIT (sport, sub_sport); anything else keeps only its name."""

_DAILY_MARKERS: Final = frozenset(
    {
        "Move Minutes count",
        "Heart Points",
        "Heart Minutes",
        "Calories (kcal)",
        "Distance (m)",
        "Average speed (m/s)",
        "Low latitude (deg)",
    }
)
_DATA_SOURCE: Final = re.compile(r'^\{\s*"Data Source"\s*:\s*"(?:raw|derived):[\w.]+:')
_SESSION_KEYS: Final = ('"fitnessActivity"', '"startTime"', '"endTime"')
_DAY_NAME: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})\.csv$", re.IGNORECASE)
_SESSION_NAME: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2})_(\d{2})_(\d{2})(?:\.\d+)?([+-])(\d{2})_?(\d{2})_"
)


class _Bad(ValueError):
    """A broken value; the message names the field and the value."""


# ----------------------------------------------------------------------------- sniff


def _csv_header(head: bytes) -> list[str]:
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    first_line = text.splitlines()[0] if text else ""
    return [f.strip() for f in next(csv.reader([first_line]), [])]


def sniff(head: bytes) -> bool:
    """Google Fit Takeout: the daily-metrics CSVs (first column "Date", or "Start time" and
    "End time", plus at least two of Google's columns such as "Move Minutes count" and
    "Calories (kcal)"), a session JSON ("fitnessActivity", "startTime", "endTime") or an
    "All Data" JSON ({"Data Source": "raw:…" / "derived:…", ...})."""
    try:
        stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        if stripped.startswith(b"{"):
            text = stripped.decode("utf-8", errors="replace")
            if _DATA_SOURCE.match(text):
                return True
            return all(key in text for key in _SESSION_KEYS)
        header = _csv_header(head)
        if header[:1] != ["Date"] and header[:2] != ["Start time", "End time"]:
            return False
        return len(_DAILY_MARKERS.intersection(header)) >= 2
    except Exception:
        return False


# ----------------------------------------------------------------------------- parse


def parse(data: bytes, name: str | None = None) -> ParsedFile:
    """Read one Google Fit Takeout file. ``name`` (the file's name or path, optional)
    supplies what only Takeout's file names state: the per-day CSV's date and a
    session's local offset. Raises :class:`SkippedFile` / :class:`RejectedFile` for what it
    cannot use."""
    with readable_table("Google Fit CSV"):
        return _parse(data, _basename(name))


def _basename(name: str | None) -> str | None:
    if not name:
        return None
    return re.split(r"[/\\]", name)[-1]


def _parse(data: bytes, name: str | None) -> ParsedFile:
    text = utf8_text(
        data, "Google Fit file is not UTF-8 text (byte {byte}): re-download the Takeout"
    )
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as error:
            raise RejectedFile(f"Google Fit JSON is not valid JSON: {error}") from error
        except RecursionError:
            raise RejectedFile("Google Fit JSON is nested over 1000 levels deep") from None
        if not isinstance(document, dict):
            raise RejectedFile("Google Fit JSON is not an object")
        if "Data Source" in document:
            return _all_data(document)
        if "fitnessActivity" in document:
            return _session_file(document, name)
        raise RejectedFile(
            'not a Google Fit Takeout JSON: expected "Data Source" or "fitnessActivity"'
        )
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise RejectedFile("Google Fit CSV is empty")
    header = [h.strip() for h in rows[0]]
    if header[:1] == ["Date"]:
        return _daily_summary(header, rows[1:])
    if header[:2] == ["Start time", "End time"]:
        return _day_buckets(header, rows[1:], name)
    raise RejectedFile(
        'not a Google Fit daily-metrics CSV: the first column must be "Date" or '
        '"Start time","End time"'
    )


def _warn(warnings: list[str], message: str) -> None:
    if len(warnings) < _MAX_WARNINGS:
        warnings.append(message)


def _finish_warnings(warnings: list[str], total_bad: int) -> tuple[str, ...]:
    if total_bad > len(warnings):
        return (*warnings, f"... and {total_bad - len(warnings)} more skipped")
    return tuple(warnings)


def _nothing_usable(what: str, warnings: Sequence[str]) -> RejectedFile:
    quoted = "; ".join(warnings[:_MAX_QUOTED])
    more = " ..." if len(warnings) > _MAX_QUOTED else ""
    return RejectedFile(f"{what}: nothing usable - {quoted}{more}")


def _count(text: str, what: str) -> int | None:
    """A non-negative whole count ("3952", "3952.0", "3,952"), or None when empty."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise _Bad(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise _Bad(f"{what} {text!r} is not a non-negative number")
    return round(value)


# ------------------------------------------------------------------------------ CSVs


def _column(header: Sequence[str], name: str) -> int | None:
    return header.index(name) if name in header else None


def _cell(row: Sequence[str], position: int) -> str:
    return row[position].strip() if position < len(row) else ""


def _daily_summary(header: list[str], rows: list[list[str]]) -> ParsedFile:
    steps_at = _column(header, "Step count")
    if steps_at is None:
        raise SkippedFile(
            'Google Fit daily activity metrics without a "Step count" column: no step data'
        )
    days: list[DailySteps] = []
    warnings: list[str] = []
    bad = 0
    for row_number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            day_text = _cell(row, 0)
            try:
                day = date.fromisoformat(day_text)
            except ValueError:
                raise _Bad(f"Date {day_text!r} is not YYYY-MM-DD") from None
            steps = _count(_cell(row, steps_at), "Step count")
        except _Bad as error:
            bad += 1
            _warn(warnings, f"row {row_number}: {error}; row skipped")
            continue
        if steps is not None:
            days.append(DailySteps(local_date=day, steps=steps, device=GOOGLE_FIT_DEVICE))
    if not days:
        if bad:
            raise _nothing_usable("Google Fit daily activity metrics", warnings)
        raise SkippedFile("Google Fit daily activity metrics: no day has a step count")
    return ParsedFile(
        format=FORMAT,
        kind="summary",
        daily_steps=tuple(days),
        warnings=_finish_warnings(warnings, bad),
    )


def _bucket_instant(day: date, text: str, what: str) -> tuple[datetime, int]:
    try:
        clock = time.fromisoformat(text)
    except ValueError:
        raise _Bad(f"{what} {text!r} is not a time like 17:15:00.000+05:30") from None
    offset = clock.utcoffset()
    if offset is None:
        raise _Bad(f"{what} {text!r} states no UTC offset")
    local = datetime.combine(day, clock.replace(tzinfo=None))
    instant = _shifted(local, -offset, f"{what} {text!r} on {day.isoformat()}")
    return instant.replace(tzinfo=UTC), round(offset.total_seconds())


def _shifted(instant: datetime, delta: timedelta, what: str) -> datetime:
    try:
        return instant + delta
    except OverflowError:  # 9999-12-31 23:45-05:30 is in the year 10000 in UTC
        raise _Bad(f"{what} falls outside the years 1 to 9999") from None


def _day_buckets(header: list[str], rows: list[list[str]], name: str | None) -> ParsedFile:
    steps_at = _column(header, "Step count")
    if steps_at is None:
        raise SkippedFile('Google Fit per-day CSV without a "Step count" column: no step data')
    day_match = _DAY_NAME.search(name or "")
    if day_match is None:
        raise SkippedFile(
            "Google Fit per-day CSV (15-minute buckets) states times of day but not the date, "
            "which Takeout puts only in the file name (YYYY-MM-DD.csv)"
            + ("" if name is None else f" and {name!r} has none")
            + "; the same steps are in All Data/derived_com.google.step_count.delta*.json"
        )
    try:
        day = date(int(day_match[1]), int(day_match[2]), int(day_match[3]))
    except ValueError as error:
        raise SkippedFile(f"Google Fit per-day CSV: file name {name!r}: {error}") from error
    intervals: list[StepInterval] = []
    warnings: list[str] = []
    bad = 0
    for row_number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            steps = _count(_cell(row, steps_at), "Step count")
            if steps is None:
                continue
            start, offset = _bucket_instant(day, _cell(row, 0), "Start time")
            end, _ = _bucket_instant(day, _cell(row, 1), "End time")
            if end <= start:  # the last bucket ends at 00:00 of the next day
                end = _shifted(end, timedelta(days=1), f"End time {_cell(row, 1)!r}")
            if end - start > timedelta(hours=2):
                raise _Bad(f"bucket {_cell(row, 0)!r}-{_cell(row, 1)!r} is not a time interval")
        except _Bad as error:
            bad += 1
            _warn(warnings, f"row {row_number}: {error}; row skipped")
            continue
        intervals.append(
            StepInterval(
                start_utc=start,
                end_utc=end,
                steps=steps,
                device=GOOGLE_FIT_DEVICE,
                utc_offset_s=offset,
            )
        )
    if not intervals:
        if bad:
            raise _nothing_usable(f"Google Fit per-day CSV {name}", warnings)
        raise SkippedFile(f"Google Fit per-day CSV {name}: no bucket has a step count")
    return ParsedFile(
        format=FORMAT,
        kind="monitoring",
        step_intervals=tuple(intervals),
        warnings=_finish_warnings(warnings, bad),
    )


# ----------------------------------------------------------------------- session JSON


def _iso_instant(value: Any, what: str) -> datetime:
    return utc_instant(value, what, bad=_Bad)


def _seconds(value: Any, what: str) -> float | None:
    """Google's duration strings ("3137.638s") or plain numbers, or None when absent."""
    if value is None:
        return None
    text = str(value).strip().removesuffix("s")
    try:
        seconds = float(text)
    except ValueError:
        raise _Bad(f"{what} {value!r} is not a duration") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise _Bad(f"{what} {value!r} is not a duration")
    return seconds


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _aggregate(document: dict[str, Any], metric: str) -> float | None:
    for item in _list(document.get("aggregate")):
        if isinstance(item, dict) and item.get("metricName") == metric:
            for key in ("intValue", "floatValue"):
                value = item.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return float(value) if math.isfinite(value) and value >= 0 else None
    return None


def _segments_seconds(document: dict[str, Any]) -> float | None:
    total = 0.0
    found = False
    for segment in _list(document.get("segment")):
        if not isinstance(segment, dict):
            continue
        try:
            start = _iso_instant(segment.get("startTime"), "segment startTime")
            end = _iso_instant(segment.get("endTime"), "segment endTime")
        except _Bad:
            continue
        if end > start:
            total += (end - start).total_seconds()
            found = True
    return total if found else None


def _offset_from_name(name: str | None, start: datetime) -> int | None:
    match = _SESSION_NAME.search(name or "")
    if match is None:
        return None
    y, mo, d, h, mi, s, sign, oh, om = match.groups()
    try:
        local = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=UTC)
    except ValueError:
        return None
    offset = (1 if sign == "+" else -1) * (int(oh) * 3600 + int(om) * 60)
    try:
        stated = local - timedelta(seconds=offset)
    except OverflowError:  # a name at 0001-01-01 00:00+01:00: no offset to take from it
        return None
    if abs((stated - start.replace(microsecond=0)).total_seconds()) > 1:
        return None
    return offset


def _session_file(document: dict[str, Any], name: str | None) -> ParsedFile:
    try:
        start = _iso_instant(document.get("startTime"), "startTime")
        end = _iso_instant(document.get("endTime"), "endTime")
        if end <= start:
            raise _Bad(
                f"endTime {document.get('endTime')!r} is not after startTime "
                f"{document.get('startTime')!r}"
            )
        moving = _seconds(document.get("duration"), "duration")
    except _Bad as error:
        raise RejectedFile(f"Google Fit session: {error}") from error
    elapsed = (end - start).total_seconds()
    if moving is None:
        moving = _segments_seconds(document)
    activity = document.get("fitnessActivity")
    sport_name = (activity.strip() or None) if isinstance(activity, str) else None
    sport, sub_sport = FITNESS_ACTIVITIES.get(sport_name or "", (None, None))
    steps = _aggregate(document, "com.google.step_count.delta")
    title = document.get("name")
    warnings: list[str] = []
    offset = _offset_from_name(name, start)
    if name and offset is None and _SESSION_NAME.search(name):
        warnings.append(
            f"file name {name!r} states a local time that does not match startTime "
            f"{document.get('startTime')!r}: its offset was not used"
        )
    return ParsedFile(
        format=FORMAT,
        kind="activity",
        sessions=(
            SessionRecord(
                source_format=FORMAT,
                index=0,
                start_utc=start,
                elapsed_s=elapsed,
                moving_s=elapsed if moving is None else min(moving, elapsed),
                sport=sport,
                sub_sport=sub_sport,
                sport_name=sport_name,
                activity_name=(title.strip() or None) if isinstance(title, str) else None,
                distance_m=_aggregate(document, "com.google.distance.delta"),
                steps=None if steps is None else round(steps),
                device=GOOGLE_FIT_DEVICE,
                utc_offset_s=offset,
            ),
        ),
        warnings=tuple(warnings),
    )


# -------------------------------------------------------------------------- All Data


def device_of_data_source(source: str) -> Device:
    """The device a Google Fit data source id names ("type:dataType:app:maker:model:uid:
    stream"), or :data:`GOOGLE_FIT_DEVICE` when it names none."""
    parts = source.split(":")
    if len(parts) >= 7 and parts[3] and parts[4]:
        return Device(parts[3], parts[4], parts[5] or None)
    return GOOGLE_FIT_DEVICE


def _data_type(source: str) -> str:
    parts = source.split(":")
    return parts[1] if len(parts) > 1 else source


def _nanos(point: dict[str, Any], key: str) -> datetime:
    value = point.get(key)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 30:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Bad(f"{key} {value!r} is not nanoseconds since 1970")
    seconds, nanos = divmod(value, 1_000_000_000)
    try:
        return datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=nanos // 1000)
    except (OverflowError, OSError, ValueError):
        raise _Bad(f"{key} {value!r} is out of range") from None


def _int_value(point: dict[str, Any]) -> int:
    key = "fitValue" if "fitValue" in point else "value"  # Takeout / the REST API
    values: Any = point.get(key)
    try:
        value = values[0]["value"]["intVal"] if key == "fitValue" else values[0]["intVal"]
    except (TypeError, KeyError, IndexError):
        raise _Bad(f"{key} {values!r} holds no intVal") from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Bad(f"intVal {value!r} is not a whole number")
    return value


def _points(document: dict[str, Any]) -> list[Any]:
    points = document.get("Data Points")
    if not isinstance(points, list):
        raise RejectedFile('Google Fit All Data JSON has no "Data Points" list')
    return points


def _all_data(document: dict[str, Any]) -> ParsedFile:
    source = str(document.get("Data Source") or "")
    data_type = _data_type(source)
    if data_type == "com.google.step_count.delta":
        return _step_deltas(source, _points(document))
    if data_type == "com.google.activity.segment":
        return _activity_segments(source, _points(document))
    if data_type == "com.google.step_count.cumulative":
        raise SkippedFile(
            "Google Fit step_count.cumulative is a raw running counter; backtrack reads the "
            "same steps from All Data/derived_com.google.step_count.delta*.json"
        )
    raise SkippedFile(
        f"Google Fit All Data of type {data_type or '(unnamed)'}: not step or workout data "
        "(backtrack reads com.google.step_count.delta and com.google.activity.segment)"
    )


def _span(point: Any) -> tuple[datetime, datetime]:
    """A data point's start and end (UTC), or ``_Bad`` saying what is wrong with them."""
    if not isinstance(point, dict):
        raise _Bad(f"{point!r} is not a data point")
    start = _nanos(point, "startTimeNanos")
    end = _nanos(point, "endTimeNanos")
    if end <= start:
        raise _Bad(f"endTimeNanos {point.get('endTimeNanos')!r} is not after its start")
    return start, end


def _step_deltas(source: str, points: list[Any]) -> ParsedFile:
    device = device_of_data_source(source)
    intervals: list[StepInterval] = []
    warnings: list[str] = []
    bad = 0
    for position, point in enumerate(points, start=1):
        try:
            start, end = _span(point)
            steps = _int_value(point)
            if steps < 0:
                raise _Bad(f"intVal {steps} is negative")
        except _Bad as error:
            bad += 1
            _warn(warnings, f"data point {position}: {error}; skipped")
            continue
        intervals.append(StepInterval(start_utc=start, end_utc=end, steps=steps, device=device))
    if not intervals:
        if bad:
            raise _nothing_usable("Google Fit step_count.delta", warnings)
        raise SkippedFile("Google Fit step_count.delta holds no data points")
    intervals.sort(key=lambda iv: (iv.start_utc, iv.end_utc))
    return ParsedFile(
        format=FORMAT,
        kind="monitoring",
        step_intervals=tuple(intervals),
        warnings=_finish_warnings(warnings, bad),
    )


def _activity_segments(source: str, points: list[Any]) -> ParsedFile:
    device = device_of_data_source(source)
    sessions: list[SessionRecord] = []
    ignored: Counter[str] = Counter()
    warnings: list[str] = []
    bad = 0
    for position, point in enumerate(points, start=1):
        try:
            start, end = _span(point)
            activity_type = _int_value(point)
        except _Bad as error:
            bad += 1
            _warn(warnings, f"data point {position}: {error}; skipped")
            continue
        name = ACTIVITY_TYPES.get(activity_type, f"activity type {activity_type}")
        if activity_type in AUTOMATIC_ACTIVITY_TYPES:
            ignored[name] += 1
            continue
        sport, sub_sport = FITNESS_ACTIVITIES.get(name, (None, None))
        span = (end - start).total_seconds()
        sessions.append(
            SessionRecord(
                source_format=FORMAT,
                index=len(sessions),
                start_utc=start,
                elapsed_s=span,
                moving_s=span,
                sport=sport,
                sub_sport=sub_sport,
                sport_name=name,
                device=device,
            )
        )
    counted = ", ".join(f"{kind} {n}" for kind, n in sorted(ignored.items()))
    if not sessions:
        if bad and not ignored:
            raise _nothing_usable("Google Fit activity segments", warnings)
        raise SkippedFile(
            "Google Fit activity segments hold no workouts, only automatically detected "
            f"activity or sleep ({counted or 'no segments'}): walking is counted from step "
            "data, recorded workouts from All Sessions"
        )
    if ignored:
        warnings.insert(
            0,
            f"automatically detected segments not made sessions ({counted}): walking is "
            "counted from step data",
        )
    return ParsedFile(
        format=FORMAT,
        kind="activity",
        sessions=tuple(sessions),
        warnings=_finish_warnings(warnings, bad + (1 if ignored else 0)),
    )
