"""Fitbit reader: Fitabase CSV files and Fitbit's own account-export files.

What is read (one file at a time; formats are told apart by content, never by file name):

Fitabase "merged" CSV files (header ``Id,Activity…``; the public Fitabase data set and
research exports)
    ``dailyActivity`` (``TotalSteps``) and ``dailySteps`` (``StepTotal``) →
    :class:`DailySteps` (kind ``summary``); ``hourlySteps`` (``StepTotal`` per
    ``ActivityHour``) → one-hour :class:`StepInterval` records; ``minuteStepsNarrow``
    (``Steps`` per ``ActivityMinute``) and ``minuteStepsWide`` (``Steps00`` … ``Steps59`` per
    ``ActivityHour``) → one-minute step intervals (kind ``monitoring``). Hourly steps are
    honest but coarse: the pipeline spreads an hour's steps evenly over its 60 minutes, so
    an hour of 3,000 steps reads as 50 steps/min and never forms a walking bout (≥ 60
    steps/min) even when a brisk 30-minute walk is inside it. Only minute data can show
    bouts. Intensity minutes (``VeryActiveMinutes`` …), distances and calories have no
    record type: they are not used (a warning says so), and a file holding none of the
    step columns (``dailyIntensities``, ``hourlyCalories``, …) is skipped with a reason.

    Privacy: a Fitabase file holding more than one person's data (several distinct ``Id``
    values, as in the public merged files) is rejected, never ingested into one
    participant. The single person's ``Id`` becomes the device serial.

Fitbit account export (fitbit.com "Export your account archive", Google Takeout)
    ``steps-YYYY-MM-DD.json`` (``[{"dateTime": "04/12/16 07:00:00", "value": "12"}, …]``)
    → one-minute step intervals. The same ``dateTime``/``value`` shape is used by
    ``calories-``, ``distance-``, ``altitude-``, ``heart_rate-`` and the daily
    ``*_minutes-`` files, and the content does not name its measure. What can be told
    from content is: object values (heart rate), fractional values (calories), daily
    stamps at midnight (active/sedentary minutes) and values above
    :data:`MAX_STEPS_PER_MINUTE` (distance in cm) are not steps and are skipped; a
    minute series of whole numbers that fits walking is read as steps. Pass ``name`` to
    :func:`parse` (the member's file name) to make this exact: then only ``steps-*.json``
    is read as steps.

    ``heart_rate-YYYY-MM-DD.json`` (``[{"dateTime": "04/13/19 07:00:05", "value": {"bpm":
    68, "confidence": 2}}, …]``, a reading every 5–15 s while worn) → :class:`WearSpan`
    records of wear time (kind ``monitoring``): each reading with a positive ``bpm`` marks
    its minute as worn, readings at most 5 minutes apart joined
    (:func:`ingest.wear.presence_spans`; docs/rules.md "Wear time"). Told by the name
    ``heart_rate-*`` or, without a name, by object values holding ``bpm``; ``confidence``
    is not used (a low-confidence reading is still a sensor on the skin). Entries that
    cannot be read are left out with a warning.

    ``exercise-*.json`` (``[{"logId", "activityName", "startTime", "duration",
    "activeDuration", "steps", "distance", "distanceUnit", …}]``) → one session per
    entry (kind ``activity``). ``duration`` is the elapsed time, ``activeDuration`` the
    moving time (pauses removed), both in milliseconds. ``activityName`` is kept as
    ``sport_name`` and mapped to FIT codes where one fits (:data:`SPORT_CODES`).
    Manually logged entries (``logType`` "manual") are kept, with a warning.

    ``fitbit_export_*.csv`` (the classic fitbit.com data export: sections ``Body``,
    ``Activities``, ``Sleep`` …; the ``Activities`` section has ``Date,Calories Burned,
    Steps,…``) → :class:`DailySteps` per date. Only the English header is known.

Time zones: Fitbit writes local wall-clock time without a zone in all of these files
(``4/12/2016 1:00:00 AM``, ``04/12/16 07:00:00``), so step intervals and sessions are
``floating=True`` with the wall time tagged UTC (see :mod:`ingest.records`). An
``exercise`` start time given with an offset (``2020-04-03T18:05:08.000-04:00``, the Web
API form) is used as such, with ``utc_offset_s``.

Devices: ``Device("fitbit", None, <Id>)`` for Fitabase files; ``Device("fitbit", <source
name>, None)`` for exercises whose ``source.name`` names the tracker or app, else
``Device("fitbit", None, None)``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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
from ingest.values import json_document, non_negative_float, utf8_text
from ingest.wear import minute_of, presence_spans

__all__ = ["FORMAT", "MAX_STEPS_PER_MINUTE", "SPORT_CODES", "parse", "sniff"]

FORMAT: Final = "fitbit"

MAX_STEPS_PER_MINUTE: Final = 300
"""No one walks or runs more steps than this in a minute (elite sprint cadence ≈ 240)."""

SPORT_CODES: Final[dict[str, tuple[int, int]]] = {
    "walk": (11, 0),
    "walking": (11, 0),
    "hike": (17, 0),
    "hiking": (17, 0),
    "run": (1, 0),
    "running": (1, 0),
    "bike": (2, 0),
    "outdoor bike": (2, 0),
    "biking": (2, 0),
    "spinning": (2, 6),
    "swim": (5, 0),
    "swimming": (5, 0),
    "weights": (10, 20),
    "weight training": (10, 20),
    "weightlifting": (10, 20),
    "yoga": (10, 43),
    "pilates": (10, 44),
    "elliptical": (4, 15),
    "workout": (10, 0),
}
"""Fitbit ``activityName`` (lower case) → FIT (sport, sub_sport). Names without an
equivalent ("Treadmill" — walking or running —, "Sport", "Aerobic Workout", "Tai Chi",
…) get no code; their name travels in ``sport_name`` for the pipeline's taxonomy."""

FITBIT: Final = "fitbit"
MINUTE: Final = timedelta(minutes=1)
HOUR: Final = timedelta(hours=1)
MAX_LISTED_IDS: Final = 3

_FITABASE_TIME_COLUMNS: Final = frozenset(
    {"ActivityDate", "ActivityDay", "ActivityHour", "ActivityMinute"}
)
_EXPORT_SECTIONS: Final = frozenset({"Activities", "Body", "Foods", "Food Log", "Sleep"})
_EXPORT_ACTIVITIES_HEADER: Final = "Date,Calories Burned,Steps"
_SERIES_HEAD: Final = re.compile(
    r'\A\s*\[\s*\{[^{}]*?"dateTime"\s*:\s*"\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}"'
)
_EXERCISE_HEAD: Final = re.compile(r'\A\s*\[\s*\{[^{}]*?"logId"\s*:')
_SERIES_TIME: Final = "%m/%d/%y %H:%M:%S"
_FITABASE_DAY: Final = "%m/%d/%Y"
_FITABASE_TIME: Final = "%m/%d/%Y %I:%M:%S %p"
_WIDE_MINUTE_COLUMNS: Final = tuple(f"Steps{minute:02d}" for minute in range(60))
_DISTANCE_UNITS_M: Final[dict[str, float]] = {
    "kilometer": 1000.0,
    "kilometers": 1000.0,
    "km": 1000.0,
    "mile": 1609.344,
    "miles": 1609.344,
    "mi": 1609.344,
    "meter": 1.0,
    "meters": 1.0,
    "m": 1.0,
}


# --------------------------------------------------------------------------- sniffing


def _head_text(head: bytes) -> str:
    return head.decode("utf-8", errors="ignore").lstrip("\ufeff")


def _csv_fields(line: str) -> list[str]:
    return [field.strip().strip('"').strip() for field in line.split(",")]


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def _looks_like_fitabase(text: str) -> bool:
    fields = _csv_fields(_first_line(text))
    return len(fields) >= 3 and fields[0] == "Id" and fields[1] in _FITABASE_TIME_COLUMNS


def _looks_like_export_csv(text: str) -> bool:
    lines = [line.strip() for line in text.lstrip().splitlines()[:2]]
    return len(lines) == 2 and lines[0] in _EXPORT_SECTIONS and lines[1].startswith("Date,")


def sniff(head: bytes) -> bool:
    """A Fitabase CSV, a Fitbit export CSV, a Fitbit minute series or exercise JSON."""
    try:
        text = _head_text(head)
        return (
            _looks_like_fitabase(text)
            or _looks_like_export_csv(text)
            or _SERIES_HEAD.match(text) is not None
            or (_EXERCISE_HEAD.match(text) is not None and '"activityName"' in text)
        )
    except Exception:  # a sniffer never raises
        return False


# --------------------------------------------------------------------------- parsing


def parse(data: bytes, *, name: str | None = None) -> ParsedFile:
    """Read one Fitbit file. ``name`` (the file's name, optional) only sharpens the
    reading of ``dateTime``/``value`` series, whose content does not name the measure."""
    with readable_table("Fitbit CSV"):
        return _parse(data, name)


def _parse(data: bytes, name: str | None) -> ParsedFile:
    if not data.strip():
        raise RejectedFile("empty file")
    text = utf8_text(data, "not UTF-8 text (byte {byte}): not a Fitbit file")
    if _looks_like_fitabase(text):
        return _parse_fitabase(text)
    if _looks_like_export_csv(text):
        return _parse_export_csv(text)
    stripped = text.lstrip()
    if stripped.startswith("["):
        document = json_document(text, "Fitbit file")
        if isinstance(document, list) and document:
            first = document[0]
            if isinstance(first, dict) and "logId" in first and "activityName" in first:
                return _parse_exercises(document)
            if isinstance(first, dict) and "dateTime" in first and "value" in first:
                return _parse_series(document, name)
        if isinstance(document, list) and not document:
            raise SkippedFile("Fitbit JSON file with an empty list: no data")
    raise RejectedFile(
        "not a Fitbit file this reader knows (Fitabase CSV, steps, heart-rate or exercise JSON)"
    )


# ------------------------------------------------------------------ Fitabase CSV files


@dataclass(frozen=True, slots=True)
class _Table:
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]  # (line number, column → value)


def _read_table(text: str) -> _Table:
    reader = csv.reader(io.StringIO(text))
    header = tuple(field.strip() for field in next(reader))
    rows = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        rows.append((reader.line_num, dict(zip(header, (c.strip() for c in row), strict=False))))
    return _Table(header, tuple(rows))


def _person_device(table: _Table) -> Device:
    ids = sorted({row["Id"] for _, row in table.rows if row.get("Id")})
    if len(ids) > 1:
        listed = ", ".join(ids[:MAX_LISTED_IDS])
        more = f" and {len(ids) - MAX_LISTED_IDS} more" if len(ids) > MAX_LISTED_IDS else ""
        raise RejectedFile(
            f"holds data of {len(ids)} people (Fitbit Ids {listed}{more}): "
            "upload one person's own export"
        )
    return Device(FITBIT, None, ids[0] if ids else None)


def _whole_number(text: str) -> int:
    value = float(text.replace(",", ""))
    if not math.isfinite(value) or value < 0 or value != int(value):
        raise ValueError(f"{text!r} is not a whole, non-negative number")
    return int(value)


class _RowErrors:
    """Collects unreadable rows: they are left out with one warning naming the first."""

    def __init__(self, unit: str = "line", plural: str = "row(s)") -> None:
        self.unit = unit
        self.plural = plural
        self.count = 0
        self.first: str | None = None

    def add(self, where: int, problem: str) -> None:
        self.count += 1
        if self.first is None:
            self.first = f"{self.unit} {where}: {problem}"

    def warnings(self) -> list[str]:
        if not self.count:
            return []
        return [f"{self.count} unreadable {self.plural} left out (first: {self.first})"]


def _parse_fitabase(text: str) -> ParsedFile:
    table = _read_table(text)
    columns = set(table.header)
    device = _person_device(table)
    if not table.rows:
        raise SkippedFile("Fitabase CSV file with a header but no rows: no data")
    if "ActivityDate" in columns and "TotalSteps" in columns:
        return _fitabase_daily(table, "ActivityDate", "TotalSteps", device)
    if "ActivityDay" in columns and "StepTotal" in columns:
        return _fitabase_daily(table, "ActivityDay", "StepTotal", device)
    if "ActivityHour" in columns and "StepTotal" in columns:
        return _fitabase_intervals(table, "ActivityHour", ("StepTotal",), HOUR, device)
    if "ActivityMinute" in columns and "Steps" in columns:
        return _fitabase_intervals(table, "ActivityMinute", ("Steps",), MINUTE, device)
    if "ActivityHour" in columns and columns.issuperset(_WIDE_MINUTE_COLUMNS):
        return _fitabase_intervals(table, "ActivityHour", _WIDE_MINUTE_COLUMNS, MINUTE, device)
    if "SedentaryMinutes" in columns:
        raise SkippedFile(
            "Fitabase intensity file: minutes per intensity level, no steps "
            "(backtrack has no record type for intensity minutes)"
        )
    shown = ", ".join(table.header[:6])
    raise SkippedFile(f"Fitabase file without step counts (columns {shown}, …): not used")


def _unused_columns(table: _Table, used: Iterable[str]) -> list[str]:
    """A warning naming the columns left out (intensity minutes, distances, calories)."""
    unused = [column for column in table.header if column not in {"Id", *used}]
    if not unused:
        return []
    return [
        "intensity minutes, distances and calories are not used (no record type for "
        "them): " + ", ".join(unused)
    ]


def _fitabase_daily(
    table: _Table, date_column: str, steps_column: str, device: Device
) -> ParsedFile:
    days = []
    errors = _RowErrors()
    for line, row in table.rows:
        try:
            day = datetime.strptime(row.get(date_column, ""), _FITABASE_DAY).date()
            steps = _whole_number(row.get(steps_column, ""))
        except ValueError as error:
            errors.add(line, f"{date_column} / {steps_column}: {error}")
            continue
        days.append(DailySteps(local_date=day, steps=steps, device=device))
    if not days:
        raise RejectedFile(f"no readable row ({errors.first})")
    return ParsedFile(
        format=FORMAT,
        kind="summary",
        daily_steps=tuple(days),
        warnings=tuple(_unused_columns(table, (date_column, steps_column)) + errors.warnings()),
    )


def _fitabase_intervals(
    table: _Table,
    time_column: str,
    steps_columns: Sequence[str],
    span: timedelta,
    device: Device,
) -> ParsedFile:
    intervals = []
    errors = _RowErrors()
    for line, row in table.rows:
        try:
            start = datetime.strptime(row.get(time_column, ""), _FITABASE_TIME)
            counts = [_whole_number(row.get(column, "")) for column in steps_columns]
        except ValueError as error:
            errors.add(line, f"{time_column} / steps: {error}")
            continue
        if start > datetime.max - span * len(counts):  # its end would pass the year 9999
            errors.add(line, f"{time_column}: {start:%Y-%m-%d %H:%M} is not a real date")
            continue
        for offset, steps in enumerate(counts):
            begin = start.replace(tzinfo=UTC) + offset * span
            intervals.append(StepInterval(begin, begin + span, steps, device=device, floating=True))
    if not intervals:
        raise RejectedFile(f"no readable row ({errors.first})")
    return ParsedFile(
        format=FORMAT,
        kind="monitoring",
        step_intervals=tuple(intervals),
        warnings=tuple(_unused_columns(table, (time_column, *steps_columns)) + errors.warnings()),
    )


# ------------------------------------------------------------ Fitbit export CSV file


def _export_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            current = None
            continue
        if "," not in line and not line.startswith('"'):
            current = sections.setdefault(line, [])
            continue
        if current is not None:
            current.append(raw)
    return sections


def _date_parts(text: str) -> tuple[int, int, int]:
    parts = re.split(r"[-./]", text.strip())
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        raise ValueError(f"{text!r} is not a date")
    first, second, third = (int(part) for part in parts)
    if len(parts[0]) == 4:
        return (first, second, third)  # year, month, day
    year = third + 2000 if len(parts[2]) == 2 else third
    return (year, first, second)  # year, a, b: a/b order still to be decided


def _export_dates(texts: Sequence[str]) -> list[date]:
    """The dates of a Fitbit export column: ISO, or d/m/y vs m/d/y decided by the data."""
    parsed = [(text, _date_parts(text)) for text in texts]
    ambiguous = [(t, p) for t, p in parsed if len(re.split(r"[-./]", t)[0]) != 4]
    day_first = any(p[1] > 12 for _, p in ambiguous)
    month_first = any(p[2] > 12 for _, p in ambiguous)
    if ambiguous and day_first == month_first:
        example = ambiguous[0][0]
        problem = "both orders occur" if day_first else "every date fits both orders"
        raise RejectedFile(
            f"dates like {example!r} can be day-month-year or month-day-year ({problem}): "
            "export again with the date format set to year-month-day"
        )
    dates = []
    for text, (year, a, b) in parsed:
        if len(re.split(r"[-./]", text)[0]) == 4 or not day_first:
            month, day = a, b
        else:
            month, day = b, a
        try:
            dates.append(date(year, month, day))
        except (ValueError, OverflowError):  # 2016-02-30, 2016-5-2147483649
            raise ValueError(f"{text!r} is not a date") from None
    return dates


def _parse_export_csv(text: str) -> ParsedFile:
    sections = _export_sections(text)
    lines = sections.get("Activities")
    if lines is None:
        found = ", ".join(sorted(sections)) or "none"
        raise SkippedFile(f"Fitbit export without an Activities section (sections: {found})")
    rows = list(csv.reader(lines))
    header = [cell.strip() for cell in rows[0]] if rows else []
    if header[:3] != _EXPORT_ACTIVITIES_HEADER.split(","):  # "Stepsx" is not "Steps"
        raise RejectedFile(
            f"Fitbit export Activities section does not start with {_EXPORT_ACTIVITIES_HEADER!r}"
        )
    date_at, steps_at = header.index("Date"), header.index("Steps")
    body = [row for row in rows[1:] if len(row) > max(date_at, steps_at)]
    if not body:
        raise SkippedFile("Fitbit export whose Activities section has no rows")
    try:
        dates = _export_dates([row[date_at] for row in body])
        steps = [_whole_number(row[steps_at]) for row in body]
    except ValueError as error:
        raise RejectedFile(f"Fitbit export Activities section: {error}") from None
    device = Device(FITBIT, None, None)
    days = tuple(DailySteps(day, count, device) for day, count in zip(dates, steps, strict=True))
    return ParsedFile(
        format=FORMAT,
        kind="summary",
        daily_steps=days,
        warnings=("calories, distance, floors and activity minutes are not used",),
    )


# ------------------------------------------------------- Fitbit minute series (JSON)


def _base_name(name: str | None) -> str | None:
    if name is None:
        return None
    return re.split(r"[/\\]", name)[-1].lower()


def _is_heart_rate(entries: Sequence[Any], base: str | None) -> bool:
    if base is not None:
        return base.startswith("heart_rate")
    first = entries[0] if entries else None
    return (
        isinstance(first, dict) and isinstance(first.get("value"), dict) and "bpm" in first["value"]
    )


def _parse_heart_rate(entries: Sequence[Any]) -> ParsedFile:
    minutes: list[int] = []
    unreadable = 0
    for entry in entries:
        if not isinstance(entry, dict):
            unreadable += 1
            continue
        value = entry.get("value")
        bpm = _number(value.get("bpm")) if isinstance(value, dict) else None
        try:
            moment = datetime.strptime(str(entry.get("dateTime")), _SERIES_TIME)
        except ValueError:
            unreadable += 1
            continue
        if bpm is None:
            unreadable += 1
        elif bpm > 0:
            minutes.append(minute_of(moment.replace(tzinfo=UTC)))
    spans = presence_spans(minutes, device=Device(FITBIT, None, None), floating=True)
    if not spans:
        raise SkippedFile("Fitbit heart-rate series without a reading: no wear time")
    warnings = (
        (f"{unreadable} heart-rate entries with unreadable dateTime or bpm were left out",)
        if unreadable
        else ()
    )
    return ParsedFile(format=FORMAT, kind="monitoring", wear_spans=tuple(spans), warnings=warnings)


def _parse_series(entries: Sequence[Any], name: str | None) -> ParsedFile:
    base = _base_name(name)
    if _is_heart_rate(entries, base):
        return _parse_heart_rate(entries)
    if base is not None and not base.startswith("steps"):
        measure = base.split("-", 1)[0] or base
        raise SkippedFile(f"Fitbit {measure} time series: not steps (only steps-*.json is read)")
    times: list[datetime] = []
    values: list[int] = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise RejectedFile(f"entry {position}: not an object with dateTime and value")
        value = entry.get("value")
        if isinstance(value, dict):
            raise SkippedFile(
                "Fitbit time series with structured values (heart rate, zones, …): not steps"
            )
        try:
            moment = datetime.strptime(str(entry.get("dateTime")), _SERIES_TIME)
        except ValueError:
            raise RejectedFile(
                f"entry {position}: dateTime {entry.get('dateTime')!r} is not MM/DD/YY hh:mm:ss"
            ) from None
        text = str(value).strip()
        if len(text) > 12 and text.isdigit():  # int() would refuse beyond 4300 digits
            raise RejectedFile(f"entry {position}: a value of {len(text)} digits is not a count")
        if not re.fullmatch(r"\d+", text):
            if re.fullmatch(r"\d*\.\d+", text):
                raise SkippedFile(
                    "Fitbit time series with fractional values (calories or another "
                    "measure): not steps"
                )
            raise RejectedFile(f"entry {position}: value {value!r} is not a count")
        times.append(moment)
        values.append(int(text))
    if times and all(t.time() == datetime.min.time() for t in times) and len(set(times)) > 1:
        raise SkippedFile(
            "Fitbit daily time series (active or sedentary minutes, …): not minute steps"
        )
    if values and max(values) > MAX_STEPS_PER_MINUTE:
        raise SkippedFile(
            f"Fitbit minute series with values up to {max(values)} per minute, more than "
            f"anyone walks ({MAX_STEPS_PER_MINUTE}): distance or another measure, not steps"
        )
    device = Device(FITBIT, None, None)
    intervals = tuple(
        StepInterval(
            start.replace(tzinfo=UTC),
            start.replace(tzinfo=UTC) + MINUTE,
            steps,
            device=device,
            floating=True,
        )
        for start, steps in sorted(zip(times, values, strict=True))
    )
    warnings = []
    if base is None:
        warnings.append(
            "read as Fitbit minute steps (steps-*.json): the file's content does not name "
            "its measure"
        )
    return ParsedFile(
        format=FORMAT, kind="monitoring", step_intervals=intervals, warnings=tuple(warnings)
    )


# ------------------------------------------------------------ Fitbit exercises (JSON)


def _start_of(text: str) -> tuple[datetime, int | None, bool]:
    """(start as aware UTC, utc_offset_s or None, floating) of an exercise startTime."""
    try:
        return (datetime.strptime(text, _SERIES_TIME).replace(tzinfo=UTC), None, True)
    except ValueError:
        pass
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    offset = moment.utcoffset()
    if offset is None:
        return (moment.replace(tzinfo=UTC), None, True)
    return (moment.astimezone(UTC), int(offset.total_seconds()), False)


def _number(value: Any) -> float | None:
    """A non-negative number, thousands separated by "," or not ("1,025")."""
    return None if value is None else non_negative_float(str(value).replace(",", ""))


def _exercise_device(entry: Mapping[str, Any]) -> Device:
    source = entry.get("source")
    product = source.get("name") if isinstance(source, dict) else None
    return Device(FITBIT, str(product) if product else None, None)


def _distance_m(entry: Mapping[str, Any], warnings: set[str]) -> float | None:
    distance = _number(entry.get("distance"))
    if distance is None:
        return None
    unit = str(entry.get("distanceUnit") or "").strip().lower()
    factor = _DISTANCE_UNITS_M.get(unit)
    if factor is None:
        warnings.add(f"distance without a known unit ({entry.get('distanceUnit')!r}) is not used")
        return None
    return distance * factor


def _parse_exercises(entries: Iterable[Any]) -> ParsedFile:
    sessions: list[SessionRecord] = []
    warnings: set[str] = set()
    unreadable = _RowErrors("entry", "exercise(s)")
    manual = 0
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            unreadable.add(position, "not an object")
            continue
        duration_ms = _number(entry.get("duration"))
        try:
            start, offset_s, floating = _start_of(str(entry.get("startTime")))
        except (ValueError, OverflowError):  # OverflowError: 9999-12-31T23:00-10:00 in UTC
            unreadable.add(position, f"startTime {entry.get('startTime')!r} is not a time")
            continue
        if duration_ms is None:
            unreadable.add(position, f"duration {entry.get('duration')!r} is not a number")
            continue
        elapsed_s = duration_ms / 1000
        active_ms = _number(entry.get("activeDuration"))
        moving_s = elapsed_s if active_ms is None else min(active_ms / 1000, elapsed_s)
        sport_name = str(entry.get("activityName") or "").strip() or None
        codes = SPORT_CODES.get((sport_name or "").lower())
        steps = _number(entry.get("steps"))
        if str(entry.get("logType", "")).lower() == "manual":
            manual += 1
        sessions.append(
            SessionRecord(
                source_format=FORMAT,
                index=len(sessions),
                start_utc=start,
                elapsed_s=elapsed_s,
                moving_s=moving_s,
                sport=codes[0] if codes else None,
                sub_sport=codes[1] if codes else None,
                sport_name=sport_name,
                distance_m=_distance_m(entry, warnings),
                steps=int(steps) if steps is not None else None,
                device=_exercise_device(entry),
                utc_offset_s=offset_s,
                floating=floating,
            )
        )
    if not sessions:
        raise RejectedFile(f"no readable exercise ({unreadable.first})")
    notes = sorted(warnings) + unreadable.warnings()
    if manual:
        notes.append(f"{manual} manually logged exercise(s) (logType manual) are included")
    return ParsedFile(
        format=FORMAT, kind="activity", sessions=tuple(sessions), warnings=tuple(notes)
    )
