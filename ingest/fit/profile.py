"""The FIT profile as this reader uses it: message, field and type numbers, the tables of
file types and sports, and how FIT values read (the FIT epoch, device-relative clocks,
local offsets). Pure data and small functions; no decoding.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from fitparse.profile import FIELD_TYPES

from ingest.records import RejectedFile

FORMAT: Final = "fit"
"""The format name of FIT files (:mod:`ingest.formats`)."""

FIT_EPOCH: Final = datetime(1989, 12, 31, tzinfo=UTC)
"""FIT ``date_time`` values count seconds since this instant."""

MAX_SEGMENTS: Final = 1000
"""More chained FIT segments than this is not a device file (real files have a handful)."""

DEVICE_RELATIVE_LIMIT: Final = 0x10000000
"""``date_time`` values below this are seconds since device power-on (FIT profile)."""

MAX_PLAUSIBLE_OFFSET_S: Final = 14 * 3600
OFFSET_ROUNDING_S: Final = 15 * 60

# Global FIT message numbers.
MESG_FILE_ID: Final = 0
MESG_SPORT: Final = 12
MESG_SESSION: Final = 18
MESG_RECORD: Final = 20
MESG_WORKOUT: Final = 26
MESG_ACTIVITY: Final = 34
MESG_MONITORING: Final = 55
MESG_MONITORING_INFO: Final = 103
MESG_FIELD_DESCRIPTION: Final = 206
MESG_DEVELOPER_DATA_ID: Final = 207

_WANTED: Final = frozenset(
    {
        MESG_FILE_ID,
        MESG_SPORT,
        MESG_SESSION,
        MESG_WORKOUT,
        MESG_ACTIVITY,
        MESG_MONITORING,
        MESG_MONITORING_INFO,
        MESG_FIELD_DESCRIPTION,
        MESG_DEVELOPER_DATA_ID,
    }
)

TIMESTAMP_FIELD: Final = 253

# file_id.type codes
FILE_ACTIVITY: Final = 4
FILE_ACTIVITY_SUMMARY: Final = 20
FILE_MONITORING_A: Final = 15
FILE_MONITORING_DAILY: Final = 28
FILE_MONITORING_B: Final = 32
ACTIVITY_FILE_TYPES: Final = frozenset({FILE_ACTIVITY, FILE_ACTIVITY_SUMMARY})
MONITORING_FILE_TYPES: Final = frozenset(
    {FILE_MONITORING_A, FILE_MONITORING_DAILY, FILE_MONITORING_B}
)

# What a skipped, non-activity file is (file_id.type code → reason).
_NOT_ACTIVITY: Final[dict[int, str]] = {
    1: "FIT device file (a description of the device, not a recorded activity)",
    2: "FIT settings file (device or user settings, not a recorded activity)",
    3: "FIT sport file (sport profile settings, not a recorded activity)",
    5: "FIT workout file (a planned workout, not a recorded activity)",
    6: "FIT course file (a planned route, not a recorded activity)",
    7: "FIT schedules file (planned workouts, not a recorded activity)",
    9: "FIT weight file (weight-scale measurements, not activity data)",
    10: "FIT totals file (lifetime totals, not a recorded activity)",
    11: "FIT goals file (activity goals, not a recorded activity)",
    14: "FIT blood pressure file (blood-pressure measurements, not activity data)",
    34: "FIT segment file (a route segment, not a recorded activity)",
    35: "FIT segment list file (route segments, not a recorded activity)",
    40: "FIT exd configuration file (data-screen settings, not a recorded activity)",
}

# sport codes whose session cycles are strides (steps = 2 × strides)
SPORT_RUNNING: Final = 1
SPORT_WALKING: Final = 11
SPORT_HIKING: Final = 17
_STRIDE_SPORTS: Final = frozenset({SPORT_RUNNING, SPORT_WALKING, SPORT_HIKING})

# monitoring activity_type codes whose cumulative cycles are steps
ACTIVITY_TYPE_RUNNING: Final = 1
ACTIVITY_TYPE_WALKING: Final = 6
STEP_ACTIVITY_TYPES: Final = frozenset({ACTIVITY_TYPE_RUNNING, ACTIVITY_TYPE_WALKING})

# monitoring heart_rate (uint8, bpm): 0 is no reading, 255 (0xFF) FIT's invalid value
HEART_RATE_READINGS: Final = range(1, 255)

_SPORT_NAMES: Final[dict[int, str]] = dict(FIELD_TYPES["sport"].values)

# field numbers
_F_SESSION_START: Final = 2
_F_SESSION_SPORT: Final = 5
_F_SESSION_SUB_SPORT: Final = 6
_F_SESSION_ELAPSED: Final = 7
_F_SESSION_TIMER: Final = 8
_F_SESSION_DISTANCE: Final = 9
_F_SESSION_CYCLES: Final = 10
_F_SESSION_PROFILE_NAME: Final = 110
_F_MON_CYCLES: Final = 3
_F_MON_ACTIVITY_TYPE: Final = 5
_F_MON_TYPE_INTENSITY: Final = 24
_F_MON_TIMESTAMP_16: Final = 26
_F_MON_HEART_RATE: Final = 27
_F_MON_DURATION_MIN: Final = 29
_F_MON_DEVICE_INDEX: Final = 0


# --------------------------------------------------------------------------- values


def _fit_instant(raw: int) -> datetime:
    return FIT_EPOCH + timedelta(seconds=raw)


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return None


def _name_or_digits(value: Any) -> str | None:
    """A profile name as text, an unknown code as its digits."""
    if isinstance(value, str):
        return value
    number = _as_int(value)
    return None if number is None else str(number)


def local_offset_s(local_raw: Any, utc_raw: Any) -> int | None:
    """``local − utc`` in whole seconds, rounded to 15 min; None when absent or beyond ±14 h.

    Accepts FIT raw seconds (ints) or the naive ``datetime`` values fitparse renders.
    """
    if isinstance(local_raw, datetime) and isinstance(utc_raw, datetime):
        offset = (local_raw.replace(tzinfo=None) - utc_raw.replace(tzinfo=None)).total_seconds()
    elif _as_int(local_raw) is not None and _as_int(utc_raw) is not None:
        offset = float(local_raw - utc_raw)
    else:
        return None
    if abs(offset) > MAX_PLAUSIBLE_OFFSET_S:
        return None
    return round(offset / OFFSET_ROUNDING_S) * OFFSET_ROUNDING_S


def _check_clock(raw_time: Any, what: str) -> None:
    value = _as_int(raw_time)
    if value is not None and value < DEVICE_RELATIVE_LIMIT:
        raise RejectedFile(
            "timestamps are device-relative, the device clock was never set "
            f"({what} = {value} s since the device powered on, not a date)"
        )
