"""Typed records every reader returns.

Readers turn bytes into these plain, comparable (``==``) records. All instants are
timezone-aware UTC ``datetime`` objects; a local offset travels alongside as whole
seconds (``utc_offset_s``) when, and only when, the file itself states it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

# activity: sessions; monitoring: step data; export: both (Apple Health, Takeout, ...);
# summary: per-day totals only (a daily steps CSV).
FileKind = Literal["activity", "monitoring", "export", "summary"]


@dataclass(frozen=True, slots=True)
class Device:
    """The device that recorded a file (FIT ``file_id`` / ``device_info``)."""

    manufacturer: str | None = None  # profile name ("garmin") or the raw number as text
    product: str | None = None  # profile name ("fenix5") or the raw number as text
    serial: str | None = None

    @property
    def key(self) -> str:
        """A stable identifier of the device, used to keep step streams apart."""
        return "/".join(part or "?" for part in (self.manufacturer, self.product, self.serial))


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One recorded session (a FIT ``session`` message, a GPX track, a Workout, ...)."""

    source_format: str  # "fit", "gpx", "tcx", "apple_health", ... (see pipelines.rules.sessions)
    index: int  # position of the session within its file (0-based)
    start_utc: datetime  # aware, UTC
    elapsed_s: float  # wall-clock duration, pauses included
    moving_s: float  # timer / moving time, pauses removed (<= elapsed_s)
    sport: int | None = None  # raw FIT sport code (or the reader's mapping onto it)
    sub_sport: int | None = None  # raw FIT sub_sport code
    sport_name: str | None = None  # free-text type as the file names it ("walking", "Yoga")
    activity_name: str | None = None  # a name the user/device gave ("Tai Chi am Morgen")
    distance_m: float | None = None
    steps: int | None = None
    device: Device = field(default_factory=Device)
    utc_offset_s: int | None = None  # local − UTC as stated by the file, else None
    # True when the file gives only local wall-clock time with no zone or offset: then
    # ``start_utc`` holds that wall time (tagged UTC) and the pipeline places it in the
    # participant's time zone. Never guess a zone in a reader.
    floating: bool = False


@dataclass(frozen=True, slots=True)
class StepInterval:
    """Steps taken during ``(start_utc, end_utc]`` by one device.

    Produced from cumulative monitoring counters after differencing: ``steps`` is the
    increment over the interval, never a running total.
    """

    start_utc: datetime
    end_utc: datetime
    steps: int
    device: Device = field(default_factory=Device)
    activity_type: int | None = None  # FIT activity_type (6 = walking, 1 = running, ...)
    utc_offset_s: int | None = None
    floating: bool = False  # as SessionRecord.floating: local wall time, zone unknown


WearBasis = Literal["heart_rate"]


@dataclass(frozen=True, slots=True)
class WearSpan:
    """A stretch ``[start_utc, end_utc)`` in which a device showed it was worn.

    ``basis`` ``heart_rate``: the minutes with a heart-rate reading, readings at most
    :data:`ingest.wear.HEART_RATE_MAX_GAP` apart joined (:func:`ingest.wear.presence_spans`).
    Step readings give wear too, but the pipeline derives that from the step intervals.
    """

    start_utc: datetime
    end_utc: datetime
    device: Device = field(default_factory=Device)
    basis: WearBasis = "heart_rate"
    utc_offset_s: int | None = None
    floating: bool = False  # as SessionRecord.floating: local wall time, zone unknown


@dataclass(frozen=True, slots=True)
class DailySteps:
    """A day's step total when a source gives no finer data (a daily summary CSV)."""

    local_date: date
    steps: int
    device: Device = field(default_factory=Device)


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """Everything one file (or one archive member) yielded."""

    format: str  # "fit", ...
    kind: FileKind
    sessions: tuple[SessionRecord, ...] = ()
    step_intervals: tuple[StepInterval, ...] = ()
    warnings: tuple[str, ...] = ()
    daily_steps: tuple[DailySteps, ...] = ()
    wear_spans: tuple[WearSpan, ...] = ()


class UnusableFile(Exception):
    """A file that yields nothing to count. ``status`` says why, ``reason`` says what."""

    status: Literal["skipped", "rejected"] = "rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SkippedFile(UnusableFile):
    """A valid file that holds no activity data (settings, workout plan, course, ...)."""

    status = "skipped"


class RejectedFile(UnusableFile):
    """A broken or unreadable file (bad header, truncated, not a known format, ...)."""

    status = "rejected"


class ReaderBug(RejectedFile):
    """A file rejected because reading it raised an exception no reader foresaw: a bug in
    the code, not (only) a fault of the file. :mod:`ingest.read` is the one place that
    turns such an exception into this result; its reason names the exception and asks for
    the file to be reported. A reader raises only :class:`SkippedFile` / :class:`RejectedFile`
    for files it cannot use, never this."""

    @classmethod
    def of(cls, error: BaseException, where: str) -> ReaderBug:
        """The rejection of a file for ``error``, raised ``where`` ("in the gpx reader")."""
        return cls(
            f"could not be read: unexpected {type(error).__name__} {where} ({error}); "
            "please report this file"
        )


@dataclass(frozen=True, slots=True)
class DiaryEntry:
    """One pain-diary row as the person wrote it, validated and normalised.

    ``pain`` is on the 0–100 scale (a 0–10 NRS value arrives here already ×10).
    ``row`` is the spreadsheet row number (the header is row 1), so errors and corrections
    can always point back at what the person wrote.
    """

    row: int
    date: date
    pain: float | None = None
    time: str | None = None  # "HH:MM" local, as written
    flare_up: bool | None = None
    painkiller: bool | None = None
    painkiller_name: str | None = None
    exercise_pain: bool | None = None  # soreness / pain increase after exercise
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row of a diary file was not taken: its row, the column and the value."""

    row: int
    column: str | None
    value: str | None
    message: str


@dataclass(frozen=True, slots=True)
class ParsedDiary:
    entries: tuple[DiaryEntry, ...] = ()
    errors: tuple[RowError, ...] = ()
    warnings: tuple[str, ...] = ()
