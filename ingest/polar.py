"""Polar HRM reader: one ``.hrm`` text file (Polar ProTrainer / Polar WebSync) → one session.

An HRM file is an INI-like text file: ``[Params]`` (``Version``, ``Monitor``, ``SMode``,
``Date`` yyyymmdd, ``StartTime`` h:mm:ss.d, ``Length`` h:mm:ss.d, ``Interval`` s, …),
``[Note]``, ``[IntTimes]`` (laps), ``[Trip]`` (totals, on devices with a speed sensor) and
``[HRData]`` (one sample per line: heart rate, then the columns ``SMode`` switches on, in
this order: speed (0.1 km/h, or 0.1 mph), cadence, altitude, power, …). Format: Polar's
"HRM file format" description (versions 1.02–1.07).

What becomes of it
    One :class:`SessionRecord`: start = ``Date`` + ``StartTime``, elapsed = ``Length``.
    HRM has no sport field (Polar keeps the sport in its own diary), so ``sport`` and
    ``sport_name`` are None and the pipeline infers walking from speed. The first line of
    ``[Note]`` (the note the user typed) is ``activity_name``.

Distance
    ``[Trip]`` line 1 (0.1 km, or 0.1 mile when ``SMode`` says US units) when it is above 0;
    else the speed samples integrated over ``Interval``; else None.

Moving time (``moving_s``)
    With speed samples: the samples with speed > 0, each counting ``Interval`` seconds
    (stationary stretches — waiting at a crossing, a rest — are removed), at most
    ``Length``. Without speed samples (heart rate only, R-R recordings with
    ``Interval=238``), or when every speed sample is 0 (no speed sensor worn): moving =
    elapsed, because the monitor records continuously and HRM keeps no pause marks.

Time zone
    ``StartTime`` is the monitor's local wall-clock time with no zone: the session is
    ``floating=True`` with that wall time tagged UTC.

Device
    ``Device("polar", <model>, None)``: the model named by ``Monitor`` (Polar's code list,
    :data:`MONITORS`), else the raw number as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from ingest.records import Device, ParsedFile, RejectedFile, SessionRecord, SkippedFile

__all__ = ["FORMAT", "MONITORS", "RR_INTERVAL", "parse", "sniff"]

FORMAT: Final = "polar_hrm"

MONITORS: Final[dict[int, str]] = {
    1: "Polar Sport Tester / Vantage XL",
    2: "Polar Vantage NV",
    3: "Polar Accurex Plus",
    4: "Polar XTrainer Plus",
    6: "Polar S520",
    7: "Polar Coach",
    8: "Polar S210",
    9: "Polar S410",
    10: "Polar S510",
    11: "Polar S610 / S610i",
    12: "Polar S710 / S710i / S720i",
    13: "Polar S810 / S810i",
    15: "Polar E600",
    20: "Polar AXN500",
    21: "Polar AXN700",
    22: "Polar S625X / S725X",
    23: "Polar S725",
    33: "Polar CS400",
    34: "Polar CS600X",
    35: "Polar CS600",
    36: "Polar RS400",
    37: "Polar RS800",
    38: "Polar RS800X",
}
"""``[Params] Monitor`` code → heart-rate monitor model (Polar HRM format description)."""

RR_INTERVAL: Final = 238
"""``Interval`` value meaning the samples are R-R intervals (ms), not fixed-rate samples."""

POLAR: Final = "polar"
KM_PER_MILE: Final = 1.609344
_SECTION: Final = re.compile(r"^\[([^\]]+)\]\s*$")
_DURATION: Final = re.compile(r"^(\d{1,3}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def sniff(head: bytes) -> bool:
    """An HRM file: its first line is ``[Params]`` and the section has ``Date=``."""
    try:
        text = head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf \t\r\n")
        lines = text.splitlines()
        return (
            bool(lines)
            and lines[0].strip() == "[Params]"
            and any(line.startswith("Date=") for line in lines)
            and any(line.startswith(("SMode=", "Mode=", "Version=")) for line in lines)
        )
    except Exception:  # a sniffer never raises
        return False


@dataclass(frozen=True, slots=True)
class _Recording:
    speeds_kmh: tuple[float, ...]  # one per sample; empty without a speed column
    interval_s: int


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        match = _SECTION.match(raw.strip())
        if match:
            current = sections.setdefault(match.group(1).strip(), [])
        elif current is not None:
            current.append(raw.rstrip())
    return sections


def _seconds(text: str, what: str) -> float:
    match = _DURATION.match(text.strip())
    if match is None:
        raise RejectedFile(f"[Params] {what}={text!r} is not a time like 1:02:03.4")
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _start(params: dict[str, str]) -> datetime:
    day_text = params.get("Date", "")
    try:
        day = datetime.strptime(day_text, "%Y%m%d")
    except ValueError:
        raise RejectedFile(f"[Params] Date={day_text!r} is not a date like 20150312") from None
    if "StartTime" not in params:
        raise RejectedFile("[Params] has no StartTime: the start of the exercise is unknown")
    start_s = _seconds(params["StartTime"], "StartTime")
    if start_s >= 24 * 3600:
        raise RejectedFile(f"[Params] StartTime={params['StartTime']!r} is past midnight")
    return (day + timedelta(seconds=start_s)).replace(tzinfo=UTC)


def _speed_column(params: dict[str, str]) -> bool:
    """Whether ``[HRData]`` has a speed column (``SMode`` digit a, versions ≥ 1.06)."""
    mode = params.get("SMode", "")
    return mode[:1] == "1"


def _us_units(params: dict[str, str]) -> bool:
    mode = params.get("SMode", "")
    if mode:
        return len(mode) >= 8 and mode[7] == "1"
    return params.get("Mode", "")[2:3] == "1"  # versions 1.02/1.05: third digit


def _recording(params: dict[str, str], rows: list[str]) -> _Recording:
    try:
        interval_s = int(params.get("Interval", "0"))
    except ValueError:
        interval_s = 0
    if interval_s <= 0 or interval_s == RR_INTERVAL or not _speed_column(params):
        return _Recording((), interval_s)
    factor = 0.1 * (KM_PER_MILE if _us_units(params) else 1.0)
    speeds = []
    for row in rows:
        fields = row.split()
        if not fields:
            continue
        try:
            speeds.append(int(fields[1]) * factor if len(fields) > 1 else 0.0)
        except ValueError:
            raise RejectedFile(f"[HRData] row {row!r}: speed is not a number") from None
    return _Recording(tuple(speeds), interval_s)


def _trip_distance_m(trip: list[str], us_units: bool) -> float | None:
    values = [line.strip() for line in trip if line.strip()]
    if not values:
        return None
    try:
        tenths = int(values[0])
    except ValueError:
        return None
    if tenths <= 0:
        return None
    return tenths * 100.0 * (KM_PER_MILE if us_units else 1.0)


def _device(params: dict[str, str]) -> Device:
    monitor = params.get("Monitor", "").strip()
    if not monitor:
        return Device(POLAR, None, None)
    known = monitor.isascii() and monitor.isdigit() and len(monitor) <= 9  # a code, not digits
    name = MONITORS.get(int(monitor)) if known else None
    return Device(POLAR, name or monitor, None)


def parse(data: bytes) -> ParsedFile:
    """Read one Polar HRM file into one floating session."""
    text = data.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf")
    sections = _sections(text)
    if "Params" not in sections:
        raise RejectedFile("not a Polar HRM file: no [Params] section")
    params: dict[str, str] = {}
    for line in sections["Params"]:
        key, sep, value = line.partition("=")
        if sep:
            params[key.strip()] = value.strip()
    start = _start(params)
    if "Length" not in params:
        raise RejectedFile("[Params] has no Length: the duration of the exercise is unknown")
    elapsed_s = _seconds(params["Length"], "Length")
    if elapsed_s <= 0:
        raise SkippedFile("Polar HRM file of length 0: nothing was recorded")

    recording = _recording(params, [row for row in sections.get("HRData", []) if row.strip()])
    moving_s = elapsed_s
    distance_m = _trip_distance_m(sections.get("Trip", []), _us_units(params))
    if any(speed > 0 for speed in recording.speeds_kmh):
        moving_s = min(
            elapsed_s,
            float(sum(1 for speed in recording.speeds_kmh if speed > 0) * recording.interval_s),
        )
        if distance_m is None:
            distance_m = sum(speed / 3.6 * recording.interval_s for speed in recording.speeds_kmh)
    note = next((line.strip() for line in sections.get("Note", []) if line.strip()), None)
    session = SessionRecord(
        source_format=FORMAT,
        index=0,
        start_utc=start,
        elapsed_s=elapsed_s,
        moving_s=moving_s,
        activity_name=note,
        distance_m=distance_m,
        device=_device(params),
        floating=True,
    )
    return ParsedFile(format=FORMAT, kind="activity", sessions=(session,))
