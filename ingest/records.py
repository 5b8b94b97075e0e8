"""Typed records every reader returns.

Readers turn bytes into these plain, comparable (``==``) records. All instants are
timezone-aware UTC ``datetime`` objects; a local offset travels alongside as whole
seconds (``utc_offset_s``) when, and only when, the file itself states it.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal, get_args, overload

import numpy as np
import pyarrow as pa

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


STEP_BATCH_ROWS: Final = 65_536
"""Rows of one batch of :class:`StepColumns` (what a reader hands over at a time)."""

STEP_COLUMNS: Final = pa.schema(
    [
        pa.field("start_utc", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("end_utc", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("steps", pa.int64(), nullable=False),
        pa.field("device", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("activity_type", pa.int32()),
        pa.field("utc_offset_s", pa.int32()),
        pa.field("floating", pa.bool_(), nullable=False),
    ]
)
"""The columns of :class:`StepColumns`: one row per :class:`StepInterval`, its fields in
order; ``device`` is ``Device.key`` dictionary-encoded (code ``i`` is ``devices[i]``)."""


@dataclass(frozen=True, slots=True, eq=False)
class StepColumns:
    """Step intervals as Arrow record batches (:data:`STEP_COLUMNS`), for readers of files
    with hundreds of thousands of them (Apple Health): about 40 bytes an interval where a
    :class:`StepInterval` costs about 560. ``devices[i]`` is the device of code ``i``;
    every batch's ``device`` dictionary is ``[d.key for d in devices]``.

    The one place the two forms meet: :meth:`from_records` and :meth:`records` (for
    :meth:`ParsedFile.steps`), so every rule downstream sees this form only."""

    batches: tuple[pa.RecordBatch, ...]
    devices: tuple[Device, ...]

    @classmethod
    def from_records(
        cls, records: Sequence[StepInterval], rows: int = STEP_BATCH_ROWS
    ) -> StepColumns:
        """The same intervals, in the same order, as columns."""
        builder = StepColumnsBuilder(rows)
        for r in records:
            builder.add(
                r.start_utc,
                r.end_utc,
                r.steps,
                r.device,
                r.utc_offset_s,
                r.floating,
                r.activity_type,
            )
        return builder.build()

    def __len__(self) -> int:
        return sum(b.num_rows for b in self.batches)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StepColumns):
            return NotImplemented
        return self.records() == other.records()

    def __hash__(self) -> int:
        return hash(len(self))

    def table(self) -> pa.Table:
        """Every batch as one table (the batches stay the chunks)."""
        return pa.Table.from_batches(self.batches, schema=STEP_COLUMNS)

    def records(self) -> tuple[StepInterval, ...]:
        """The intervals as :class:`StepInterval` records (small files, tests, messages)."""
        return tuple(r for batch in self.batches for r in _records(batch, self.devices))


def _records(batch: pa.RecordBatch, devices: Sequence[Device]) -> Iterator[StepInterval]:
    columns = batch.to_pydict()
    codes = batch.column("device").indices.to_pylist()
    for start, end, steps, code, kind, offset, floating in zip(
        columns["start_utc"],
        columns["end_utc"],
        columns["steps"],
        codes,
        columns["activity_type"],
        columns["utc_offset_s"],
        columns["floating"],
        strict=True,
    ):
        yield StepInterval(start, end, steps, devices[code], kind, offset, floating)


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class StepColumnsBuilder:
    """Collects step intervals into :class:`StepColumns`: a few typed arrays (8 bytes a
    field) that become a record batch every ``rows`` rows, devices shared by code."""

    def __init__(self, rows: int = STEP_BATCH_ROWS) -> None:
        self.rows = rows
        self.batches: list[pa.RecordBatch] = []
        self.devices: dict[Device, int] = {}
        self._fresh()

    def _fresh(self) -> None:
        self.start: array[int] = array("q")
        self.end: array[int] = array("q")
        self.steps: array[int] = array("q")
        self.device: array[int] = array("i")
        self.kind: array[int] = array("i")
        self.offset: array[int] = array("i")
        self.known: array[int] = array("b")  # per row: 1 kind known, 2 offset known
        self.floating: array[int] = array("b")

    def add(
        self,
        start_utc: datetime,
        end_utc: datetime,
        steps: int,
        device: Device,
        utc_offset_s: int | None = None,
        floating: bool = False,
        activity_type: int | None = None,
    ) -> None:
        code = self.devices.get(device)
        if code is None:
            code = self.devices[device] = len(self.devices)
        self.start.append(micros(start_utc))
        self.end.append(micros(end_utc))
        self.steps.append(steps)
        self.device.append(code)
        self.kind.append(0 if activity_type is None else activity_type)
        self.offset.append(0 if utc_offset_s is None else utc_offset_s)
        self.known.append((activity_type is not None) | (utc_offset_s is not None) << 1)
        self.floating.append(floating)
        if len(self.start) >= self.rows:
            self._flush()

    def _flush(self) -> None:
        """The rows so far as a record batch, made from the arrays' own buffers (no
        copy, and without ``pa.array``, which would import pandas into a parser)."""
        n = len(self.start)
        if not n:
            return
        known = np.frombuffer(self.known, dtype=np.int8)
        stamp = pa.timestamp("us", tz="UTC")
        self.batches.append(
            pa.RecordBatch.from_arrays(
                [
                    _plain(stamp, self.start),
                    _plain(stamp, self.end),
                    _plain(pa.int64(), self.steps),
                    _plain(pa.int32(), self.device),  # a dictionary at build()
                    _plain(pa.int32(), self.kind, known & 1 > 0),
                    _plain(pa.int32(), self.offset, known & 2 > 0),
                    pa.Array.from_buffers(pa.bool_(), n, [None, _bits(self.floating)]),
                ],
                names=STEP_COLUMNS.names,
            )
        )
        self._fresh()

    def __len__(self) -> int:
        return sum(b.num_rows for b in self.batches) + len(self.start)

    def build(self) -> StepColumns:
        self._flush()
        devices = tuple(self.devices)
        keys = _strings([d.key for d in devices])
        batches = tuple(
            pa.RecordBatch.from_arrays(
                [
                    *b.columns[:3],
                    pa.DictionaryArray.from_arrays(b.column(3), keys),
                    *b.columns[4:],
                ],
                schema=STEP_COLUMNS,
            )
            for b in self.batches
        )
        self.batches = []
        return StepColumns(batches, devices)


def _plain(
    kind: pa.DataType, values: array[int] | np.ndarray, valid: np.ndarray | None = None
) -> pa.Array:
    """An Arrow array over ``values``' own buffer; ``valid``: which rows are not null."""
    bitmap = None if valid is None or valid.all() else _bits(valid)
    return pa.Array.from_buffers(kind, len(values), [bitmap, pa.py_buffer(values)])


def _strings(texts: Sequence[str]) -> pa.Array:
    """A string array of ``texts``, made from buffers (as in ``StepColumnsBuilder._flush``)."""
    encoded = [t.encode() for t in texts]
    offsets = array("i", [0])
    for e in encoded:
        offsets.append(offsets[-1] + len(e))
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(texts), [None, pa.py_buffer(offsets), data])


def _bits(flags: array[int] | np.ndarray) -> pa.Buffer:
    """Truthy bytes as an Arrow bitmap (least significant bit first)."""
    as_bytes = np.frombuffer(flags, dtype=np.int8) if isinstance(flags, array) else flags
    return pa.py_buffer(np.packbits(as_bytes.astype(bool), bitorder="little").tobytes())


def micros(instant: datetime) -> int:
    """An aware (UTC) instant as whole microseconds since 1970 (exact: no float)."""
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


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


WEAR_BASES: Final[tuple[WearBasis, ...]] = get_args(WearBasis)
"""Every ``WearSpan.basis``: the dictionary of :data:`WEAR_COLUMNS`' ``basis`` column."""

WEAR_COLUMNS: Final = pa.schema(
    [
        pa.field("start_utc", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("end_utc", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("device", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("basis", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("utc_offset_s", pa.int32()),
        pa.field("floating", pa.bool_(), nullable=False),
    ]
)
"""The columns of :class:`WearColumns`: one row per :class:`WearSpan`; ``device`` is
``Device.key`` dictionary-encoded (code ``i`` is ``devices[i]``), ``basis`` a code into
:data:`WEAR_BASES`."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class WearColumns(Sequence[WearSpan]):
    """Wear spans as Arrow record batches (:data:`WEAR_COLUMNS`), for readers of files
    with hundreds of thousands of them (Apple Health's heart rate): about 30 bytes a span
    where a :class:`WearSpan` costs about 330. A sequence of :class:`WearSpan` all the
    same (equal to the tuple of the same spans, made one at a time when read so), so it
    stands in ``ParsedFile.wear_spans``; :meth:`from_records` and :meth:`records` are the
    one place the two forms meet (``ParsedFile.wear``)."""

    batches: tuple[pa.RecordBatch, ...]
    devices: tuple[Device, ...]

    @classmethod
    def from_records(cls, records: Sequence[WearSpan]) -> WearColumns:
        """The same spans, in the same order, as columns."""
        if isinstance(records, WearColumns):
            return records
        builder = WearColumnsBuilder()
        runs = itertools.groupby(records, lambda r: (r.device, r.utc_offset_s, r.floating, r.basis))
        for (device, offset, floating, basis), run in runs:
            spans = list(run)
            builder.add(
                np.array([micros(r.start_utc) for r in spans], dtype="int64"),
                np.array([micros(r.end_utc) for r in spans], dtype="int64"),
                device,
                offset,
                floating,
                basis,
            )
        return builder.build()

    def __len__(self) -> int:
        return sum(b.num_rows for b in self.batches)

    @overload
    def __getitem__(self, index: int) -> WearSpan: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[WearSpan, ...]: ...
    def __getitem__(self, index: int | slice) -> WearSpan | tuple[WearSpan, ...]:
        return self.records()[index]

    def __iter__(self) -> Iterator[WearSpan]:
        for batch in self.batches:
            yield from _wear_records(batch, self.devices)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WearColumns):
            return self.records() == other.records()
        if isinstance(other, tuple | list):
            return self.records() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.records())  # as the equal tuple's

    def __repr__(self) -> str:
        return f"WearColumns({self.records()!r})"

    def table(self) -> pa.Table:
        """Every batch as one table (the batches stay the chunks)."""
        return pa.Table.from_batches(self.batches, schema=WEAR_COLUMNS)

    def records(self) -> tuple[WearSpan, ...]:
        """The spans as :class:`WearSpan` records (small files, tests, messages)."""
        return tuple(self)


def _wear_records(batch: pa.RecordBatch, devices: Sequence[Device]) -> Iterator[WearSpan]:
    columns = batch.to_pydict()
    codes = batch.column("device").indices.to_pylist()
    bases = batch.column("basis").indices.to_pylist()
    for start, end, code, basis, offset, floating in zip(
        columns["start_utc"],
        columns["end_utc"],
        codes,
        bases,
        columns["utc_offset_s"],
        columns["floating"],
        strict=True,
    ):
        yield WearSpan(start, end, devices[code], WEAR_BASES[basis], offset, floating)


class WearColumnsBuilder:
    """Collects wear spans into :class:`WearColumns` a run at a time: the spans of one
    device, offset and floating flag, as arrays of their start and end (a batch each)."""

    def __init__(self) -> None:
        self.batches: list[pa.RecordBatch] = []
        self.devices: dict[Device, int] = {}

    def add(
        self,
        start_us: np.ndarray,
        end_us: np.ndarray,
        device: Device,
        utc_offset_s: int | None = None,
        floating: bool = False,
        basis: WearBasis = "heart_rate",
    ) -> None:
        """Spans ``[start_us[i], end_us[i])`` (microseconds since 1970, UTC)."""
        n = len(start_us)
        if not n:
            return
        code = self.devices.get(device)
        if code is None:
            code = self.devices[device] = len(self.devices)
        stamp = pa.timestamp("us", tz="UTC")
        self.batches.append(
            pa.RecordBatch.from_arrays(
                [
                    _plain(stamp, np.ascontiguousarray(start_us, dtype="int64")),
                    _plain(stamp, np.ascontiguousarray(end_us, dtype="int64")),
                    _plain(pa.int32(), np.full(n, code, dtype="int32")),
                    _plain(pa.int32(), np.full(n, WEAR_BASES.index(basis), dtype="int32")),
                    _plain(
                        pa.int32(),
                        np.full(n, utc_offset_s or 0, dtype="int32"),
                        np.full(n, utc_offset_s is not None),
                    ),
                    pa.Array.from_buffers(
                        pa.bool_(), n, [None, _bits(np.full(n, floating, dtype=np.int8))]
                    ),
                ],
                names=WEAR_COLUMNS.names,
            )
        )

    def add_minutes(
        self,
        first: np.ndarray,
        end: np.ndarray,
        device: Device,
        utc_offset_s: int | None = None,
        floating: bool = False,
    ) -> None:
        """Heart-rate spans given as minutes since 1970 (``ingest.wear.presence_arrays``)."""
        self.add(first * _MINUTE_US, end * _MINUTE_US, device, utc_offset_s, floating)

    def build(self) -> WearColumns:
        devices = tuple(self.devices)
        keys = _strings([d.key for d in devices])
        bases = _strings(list(WEAR_BASES))
        batches = tuple(
            pa.RecordBatch.from_arrays(
                [
                    *b.columns[:2],
                    pa.DictionaryArray.from_arrays(b.column(2), keys),
                    pa.DictionaryArray.from_arrays(b.column(3), bases),
                    *b.columns[4:],
                ],
                schema=WEAR_COLUMNS,
            )
            for b in self.batches
        )
        self.batches = []
        return WearColumns(batches, devices)


_MINUTE_US: Final = int(timedelta(minutes=1) / timedelta(microseconds=1))


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
    # a tuple of records, or (a reader of many: Apple Health) the same spans as columns
    # (:class:`WearColumns`, a sequence of them too). Rules read them through :meth:`wear`.
    wear_spans: tuple[WearSpan, ...] | WearColumns = ()
    # a reader of many intervals (Apple Health) hands them over as columns instead of
    # ``step_intervals``; never both. Read them through :meth:`steps`.
    step_columns: StepColumns | None = None

    def steps(self) -> StepColumns:
        """The file's step intervals as columns, whichever form the reader gave: the one
        conversion every rule downstream reads through."""
        if self.step_columns is not None:
            return self.step_columns
        return StepColumns.from_records(self.step_intervals)

    def wear(self) -> WearColumns:
        """The file's wear spans as columns, whichever form the reader gave: the one
        conversion every rule downstream reads through."""
        return WearColumns.from_records(self.wear_spans)

    def step_records(self) -> tuple[StepInterval, ...]:
        """The file's step intervals as records, whichever form the reader gave."""
        if self.step_columns is not None:
            return self.step_columns.records()
        return self.step_intervals

    @property
    def n_step_intervals(self) -> int:
        columns = self.step_columns
        return len(self.step_intervals) if columns is None else len(columns)


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
