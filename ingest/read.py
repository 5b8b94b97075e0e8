"""The public entry point: one upload (name + bytes) → one result per data file in it.

:func:`read_upload` expands archives (:mod:`ingest.containers`), detects every member's
format by content (:mod:`ingest.detect`) and hands it to the reader for that format
(:data:`READERS`). It is a pure function of its arguments, returns results in a
deterministic order (archive order, depth first) and never raises for bad input: every
failure is a :class:`MemberResult` whose ``error`` says what was wrong. This module is the
one safety net for bugs: an exception a reader (or the expansion of an archive) did not
foresee - anything but :class:`~ingest.records.UnusableFile` - becomes a
:class:`~ingest.records.ReaderBug` result for that file; readers carry no catch-all of
their own.

File names are never used to choose a reader. They only sharpen an error: a member whose
content is not recognised but whose name ends in ``.fit`` is handed to the FIT reader so
that the reason says *why* it is not a FIT file (bad header, not a FIT file, ...).

Uploads of several GB (an Apple Health export) are read from disk with
:func:`upload_leaves_from_path`: files beyond the stream threshold are never held in
memory; their leaves carry an ``opener``, and :func:`read_leaf` hands the reader a stream
(:data:`STREAM_READERS`) or, for a reader that only takes bytes, reads the file whole when
it is at most :data:`WHOLE_READ_LIMIT` bytes.

Whatever a reader returns passes :func:`checked_records` - one rule for every format:
records no tracker writes (dated before 1990 or after 2099, a session of more than a
week, a step interval of more than a day, a step count beyond 32 bits, NaN or negative
durations; :class:`ingest.limits.RecordLimits`) are left out with a warning, and a file
left with nothing to count is rejected saying why. So one file with a wrong clock or a
typo never breaks the pipeline's time arithmetic, and no file spreads into more step
minutes than ``max_step_minutes``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Final, TypeVar

import numpy as np
import pyarrow as pa

from ingest import fit, gpx, tcx
from ingest.containers import DEFAULT_LIMITS, ArchiveLimits, Leaf, expand, expand_path
from ingest.detect import SNIFFERS
from ingest.formats import FORMATS
from ingest.limits import RECORD_LIMITS, RecordLimits
from ingest.places import without_places
from ingest.records import (
    DailySteps,
    ParsedFile,
    ReaderBug,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    StepColumns,
    StepInterval,
    UnusableFile,
    WearColumns,
    WearSpan,
)

__all__ = [
    "READERS",
    "STREAM_READERS",
    "WHOLE_READ_LIMIT",
    "MemberResult",
    "checked_records",
    "read_leaf",
    "read_upload",
    "upload_leaves",
    "upload_leaves_from_path",
]

READERS: Final[dict[str, Callable[[bytes], ParsedFile]]] = {f.name: f.parse for f in FORMATS}
"""Format name (as :func:`ingest.detect.detect_format` returns it) → reader."""

STREAM_READERS: Final[dict[str, Callable[[BinaryIO], ParsedFile]]] = {
    f.name: f.parse_stream for f in FORMATS if f.parse_stream is not None
}
"""Format name → a reader of a binary stream (a module's ``parse_stream``), used for
leaves streamed from disk; it must give what the format's :data:`READERS` entry gives."""

WHOLE_READ_LIMIT: Final = DEFAULT_LIMITS.max_member_bytes
"""The largest streamed file handed whole (as bytes) to a reader without ``parse_stream``."""

NAMED_READERS: Final[dict[str, Callable[[bytes, str], ParsedFile]]] = {
    f.name: f.parse_named for f in FORMATS if f.parse_named is not None
}
"""Readers that also use the file's name (Takeout and Fitbit put the date, the offset or
the measure only there); content still decides the format."""

_TRACKER_SUFFIXES: Final = (".fit", ".gpx", ".tcx")
"""Name endings that announce a tracker file (only used to phrase errors)."""

_EXTENSION_READERS: Final[dict[str, str]] = {
    ".fit": fit.FORMAT,
    ".gpx": gpx.FORMAT,
    ".tcx": tcx.FORMAT,
}


@dataclass(frozen=True, slots=True)
class MemberResult:
    """What one file of an upload yielded.

    ``path`` is the display path inside the upload ("walk.fit",
    "export.zip/DI_CONNECT/x.fit.gz"); ``sha256`` and ``size`` describe the member's own
    decompressed bytes (``sha256`` is "" when the member was refused unread, e.g. a zip
    bomb, and ``size`` is then the size the archive declared). Exactly one of ``parsed``
    and ``error`` is set.
    """

    path: str
    sha256: str
    size: int
    format: str | None
    parsed: ParsedFile | None
    error: UnusableFile | None


def read_upload(
    name: str, data: bytes, *, limits: ArchiveLimits = DEFAULT_LIMITS
) -> list[MemberResult]:
    """Read every data file of the upload ``name`` (a FIT file, a zip, a ``.gz``, ...)."""
    leaves = upload_leaves(name, data, limits=limits)
    if isinstance(leaves, MemberResult):
        return [leaves]
    return [read_leaf(leaf, inside_archive) for leaf, inside_archive in leaves]


def upload_leaves(
    name: str, data: bytes, *, limits: ArchiveLimits = DEFAULT_LIMITS
) -> list[tuple[Leaf, bool]] | MemberResult:
    """The files inside an upload, each with whether it came from inside an archive —
    or, when the upload cannot be opened at all, the result saying why. Reading the
    leaves one by one with :func:`read_leaf` gives exactly :func:`read_upload`'s result
    (so a caller may read them in parallel)."""
    try:
        return [(leaf, leaf.path != name) for leaf in expand(name, data, limits)]
    except Exception as error:  # a bug in expansion: report it on the upload, do not raise
        return MemberResult(
            path=name,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            format=None,
            parsed=None,
            error=ReaderBug.of(error, "while opening the upload"),
        )


def upload_leaves_from_path(
    name: str, path: Path, *, limits: ArchiveLimits = DEFAULT_LIMITS
) -> list[tuple[Leaf, bool]] | MemberResult:
    """:func:`upload_leaves` for an upload stored at ``path``, streaming files larger
    than ``limits.stream_threshold_bytes`` instead of holding them (see
    :func:`ingest.containers.expand_path`). For an upload within that threshold the
    leaves equal ``upload_leaves(name, path.read_bytes())``. Reading a streamed leaf
    needs the file to stay at ``path``."""
    try:
        return [(leaf, leaf.path != name) for leaf in expand_path(name, path, limits)]
    except Exception as error:  # a bug, or the file vanished: report it on the upload
        return MemberResult(
            path=name,
            sha256=_file_digest(path),
            size=path.stat().st_size if path.is_file() else 0,
            format=None,
            parsed=None,
            error=ReaderBug.of(error, "while opening the upload"),
        )


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def read_leaf(leaf: Leaf, inside_archive: bool) -> MemberResult:
    """Read one file found by :func:`upload_leaves`; never raises for bad input."""
    return _read_leaf(leaf, inside_archive=inside_archive)


def _read_leaf(leaf: Leaf, *, inside_archive: bool) -> MemberResult:
    if leaf.sha256 is not None:
        digest = leaf.sha256
    else:
        digest = "" if leaf.data is None else hashlib.sha256(leaf.data).hexdigest()

    def result(parsed: ParsedFile | None, error: UnusableFile | None) -> MemberResult:
        return MemberResult(leaf.path, digest, leaf.size, leaf.format, parsed, error)

    if leaf.error is not None or (leaf.data is None and leaf.opener is None):
        return result(None, leaf.error or RejectedFile("member could not be read"))
    reader_format = leaf.format if leaf.format in READERS else None
    if reader_format is None:
        unknown = _unknown_content(leaf.path, leaf.size == 0, inside_archive=inside_archive)
        if isinstance(unknown, UnusableFile):
            return result(None, unknown)
        reader_format = unknown
    try:
        if leaf.data is not None:
            return result(checked_records(_parse(reader_format, leaf.data, leaf.path)), None)
        return result(checked_records(_read_streamed(leaf, reader_format)), None)
    except UnusableFile as error:
        return result(None, error)
    except Exception as error:  # a bug in a reader: never let one file break the upload
        if isinstance(error, OSError) and leaf.data is None:
            return result(
                None,
                RejectedFile(f"could not be read: the stored file cannot be read again ({error})"),
            )
        return result(None, ReaderBug.of(error, f"in the {reader_format} reader"))


def _read_streamed(leaf: Leaf, reader_format: str) -> ParsedFile:
    """Read a leaf streamed from disk: as a stream when the reader takes one, else whole."""
    assert leaf.opener is not None
    stream_reader = STREAM_READERS.get(reader_format)
    if stream_reader is not None:
        with leaf.opener() as stream:
            return stream_reader(stream)
    if leaf.size > WHOLE_READ_LIMIT:
        raise RejectedFile(
            f"file of {leaf.size} bytes is too large for the {reader_format} reader, which "
            f"reads whole files of at most {WHOLE_READ_LIMIT} bytes"
        )
    with leaf.opener() as stream:
        data = stream.read()
    return _parse(reader_format, data, leaf.path)


def _parse(reader_format: str, data: bytes, path: str) -> ParsedFile:
    named = NAMED_READERS.get(reader_format)
    return named(data, path) if named is not None else READERS[reader_format](data)


def _unknown_content(path: str, empty: bool, *, inside_archive: bool) -> str | UnusableFile:
    """For content no reader claims: a reader to phrase the error (by name), or the error."""
    lowered = path.lower()
    tracker_named = lowered.endswith(_TRACKER_SUFFIXES)
    if empty:
        if tracker_named or not inside_archive:
            return RejectedFile("empty file (0 bytes)")
        return SkippedFile("empty file, not a tracker file")
    for suffix, reader in _EXTENSION_READERS.items():
        if lowered.endswith(suffix):
            return reader
    known = ", ".join(name for name, _ in SNIFFERS)
    if inside_archive:
        return SkippedFile(f"not a tracker file (its content is none of: {known})")
    return RejectedFile(f"unrecognised file format: its content is none of: {known}")


# ------------------------------------------------------------------ impossible records

_R = TypeVar("_R")


def checked_records(parsed: ParsedFile, limits: RecordLimits = RECORD_LIMITS) -> ParsedFile:
    """``parsed`` without the records beyond ``limits``, with a warning naming how many
    and the first of them; a :class:`RejectedFile` saying why when nothing is left of
    what the file held, or when its step intervals cover more than
    ``limits.max_step_minutes`` minutes. Session names lose the place an automatic
    "<place> <sport>" title puts in them (:func:`ingest.places.without_places`)."""
    parsed = without_places(parsed)
    sessions, session_problems = _keep(parsed.sessions, lambda r: _session_problem(r, limits))
    intervals: list[StepInterval] = []
    kept_columns: StepColumns | None = None
    if parsed.step_columns is None:
        intervals, interval_problems = _keep(
            parsed.step_intervals, lambda r: _interval_problem(r, limits)
        )
    else:
        kept_columns, interval_problems = _keep_columns(parsed.step_columns, limits)
    days, day_problems = _keep(parsed.daily_steps, lambda r: _day_problem(r, limits))
    spans: Sequence[WearSpan]
    if isinstance(parsed.wear_spans, WearColumns):
        spans, span_problems = _keep_wear_columns(parsed.wear_spans, limits)
    else:
        spans, span_problems = _keep(parsed.wear_spans, lambda r: _wear_problem(r, limits))
    left_out = [
        f"{len(problems)} {what} (e.g. {problems[0]})"
        for what, problems in (
            ("session(s)", session_problems),
            ("step interval(s)", interval_problems),
            ("daily step total(s)", day_problems),
            ("heart-rate wear span(s)", span_problems),
        )
        if problems
    ]
    summary = "; ".join(left_out)
    n_intervals = len(intervals) if kept_columns is None else len(kept_columns)
    if left_out and not (sessions or n_intervals or days or spans):
        raise RejectedFile(f"nothing a tracker could have recorded: {summary}")
    if kept_columns is None:
        minutes = sum(
            int((r.end_utc - r.start_utc).total_seconds() // 60) + 1
            for r in intervals
            if r.end_utc > r.start_utc
        )
    else:
        minutes = _column_minutes(kept_columns)
    if minutes > limits.max_step_minutes:
        raise RejectedFile(
            f"its {n_intervals} step intervals cover {minutes} minutes in all, more than "
            f"the {limits.max_step_minutes} one file may hold (about "
            f"{limits.max_step_minutes // 525_600} years of every minute)"
        )
    if not left_out:
        return parsed
    warning = f"left out as impossible (a wrong clock or a typo): {summary}"
    return replace(
        parsed,
        sessions=tuple(sessions),
        step_intervals=tuple(intervals),
        step_columns=kept_columns if kept_columns is None or len(kept_columns) else None,
        daily_steps=tuple(days),
        wear_spans=spans if isinstance(spans, WearColumns) and len(spans) else tuple(spans),
        warnings=(*parsed.warnings, warning),
    )


def _keep(records: Sequence[_R], problem: Callable[[_R], str | None]) -> tuple[list[_R], list[str]]:
    kept: list[_R] = []
    problems: list[str] = []
    for record in records:
        found = problem(record)
        if found is None:
            kept.append(record)
        else:
            problems.append(found)
    return kept, problems


def _keep_columns(columns: StepColumns, limits: RecordLimits) -> tuple[StepColumns, list[str]]:
    """:func:`_keep` for intervals given as columns: the rows :func:`_interval_problem`
    finds nothing wrong with, batch by batch, and its words for each left out. A
    vectorised test picks the suspect rows; only those become records to be judged."""
    lowest = _column_micros(limits.earliest)
    highest = _column_micros(limits.latest)  # exclusive
    kept: list[pa.RecordBatch] = []
    problems: list[str] = []
    for batch in columns.batches:
        start = batch.column("start_utc").cast(pa.int64()).to_numpy()
        end = batch.column("end_utc").cast(pa.int64()).to_numpy()
        steps = batch.column("steps").to_numpy()
        offset = batch.column("utc_offset_s").fill_null(0).to_numpy()
        suspect = (
            (start < lowest)
            | (start >= highest)
            | (end < lowest)
            | (end >= highest)
            | (end - start > limits.max_interval_s * 1_000_000)
            | (steps < 0)
            | (steps > limits.max_steps)
            | (np.abs(offset) > limits.max_offset_s)
        )
        found = _without_problems(
            batch,
            suspect,
            lambda rows: StepColumns((rows,), columns.devices).records(),
            lambda record: _interval_problem(record, limits),
            problems,
        )
        kept.append(found)
    return StepColumns(tuple(b for b in kept if b.num_rows), columns.devices), problems


def _keep_wear_columns(columns: WearColumns, limits: RecordLimits) -> tuple[WearColumns, list[str]]:
    """:func:`_keep` for wear spans given as columns (as :func:`_keep_columns`): the
    spans :func:`_wear_problem` finds nothing wrong with, and its words for each left out."""
    lowest = _column_micros(limits.earliest)
    highest = _column_micros(limits.latest)  # exclusive
    minute = 60_000_000
    kept: list[pa.RecordBatch] = []
    problems: list[str] = []
    for batch in columns.batches:
        start = batch.column("start_utc").cast(pa.int64()).to_numpy()
        last = batch.column("end_utc").cast(pa.int64()).to_numpy() - minute
        offset = batch.column("utc_offset_s").fill_null(0).to_numpy()
        suspect = (
            (start < lowest)
            | (start >= highest)
            | (last < lowest)
            | (last >= highest)
            | (np.abs(offset) > limits.max_offset_s)
        )
        found = _without_problems(
            batch,
            suspect,
            lambda rows: WearColumns((rows,), columns.devices).records(),
            lambda record: _wear_problem(record, limits),
            problems,
        )
        kept.append(found)
    return WearColumns(tuple(b for b in kept if b.num_rows), columns.devices), problems


def _without_problems(
    batch: pa.RecordBatch,
    suspect: np.ndarray,
    records_of: Callable[[pa.RecordBatch], Sequence[_R]],
    problem_of: Callable[[_R], str | None],
    problems: list[str],
) -> pa.RecordBatch:
    """``batch`` without the rows that ``problem_of`` finds wrong, asking only of the rows
    the columns made ``suspect`` (as records); each problem's words added to ``problems``."""
    if not suspect.any():
        return batch
    rows = np.flatnonzero(suspect)
    bad = np.zeros(len(batch), dtype=bool)
    for row, record in zip(rows, records_of(batch.take(pa.array(rows))), strict=True):
        found = problem_of(record)
        if found is not None:
            bad[row] = True
            problems.append(found)
    return batch.filter(pa.array(~bad))


def _column_micros(instant: datetime) -> int:
    return int(pa.scalar(instant, type=pa.timestamp("us", tz="UTC")).cast(pa.int64()).as_py())


def _column_minutes(columns: StepColumns) -> int:
    """The minutes counted against ``max_step_minutes``, as for records."""
    total = 0
    for batch in columns.batches:
        span = (
            batch.column("end_utc").cast(pa.int64()).to_numpy()
            - batch.column("start_utc").cast(pa.int64()).to_numpy()
        )
        total += int((span[span > 0] // 60_000_000 + 1).sum())
    return total


def _span_text(limits: RecordLimits) -> str:
    last = date.fromordinal(limits.latest.date().toordinal() - 1)
    return f"{limits.earliest.date().isoformat()} to {last.isoformat()}"


def _minute(instant: datetime) -> str:
    return instant.isoformat(sep=" ", timespec="minutes")[:16]  # year 1 as 0001


def _count(value: int) -> str:
    digits = str(value)
    return digits if len(digits) <= 15 else f"{digits[:4]}… ({len(digits)} digits)"


def _instant_problem(label: str, instant: datetime, limits: RecordLimits) -> str | None:
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    if limits.earliest <= aware < limits.latest:
        return None
    return f"{label} {_minute(aware)} UTC, outside {_span_text(limits)}"


def _count_problem(label: str, value: int | None, limits: RecordLimits) -> str | None:
    if value is None or 0 <= value <= limits.max_steps:
        return None
    return f"{label} {_count(value)}, not 0 to {limits.max_steps}"


def _offset_problem(offset: int | None, limits: RecordLimits) -> str | None:
    if offset is None or abs(offset) <= limits.max_offset_s:
        return None
    return f"UTC offset {offset} s, beyond ±{limits.max_offset_s // 3600} h"


def _session_problem(record: SessionRecord, limits: RecordLimits) -> str | None:
    label = f"session {record.index + 1}"
    elapsed, moving = record.elapsed_s, record.moving_s
    if not (math.isfinite(elapsed) and 0 <= elapsed <= limits.max_session_s):
        return f"{label} lasts {elapsed:g} s, not 0 to {limits.max_session_s / 86400:g} days"
    if not (math.isfinite(moving) and moving >= 0):
        return f"{label} has a moving time of {moving:g} s"
    distance = record.distance_m
    if distance is not None and not (math.isfinite(distance) and distance >= 0):
        return f"{label} covers {distance:g} m"
    start = record.start_utc
    return (
        _instant_problem(f"{label} starts", start, limits)
        # within the window and at most a week long: the end cannot overflow
        or _instant_problem(f"{label} ends", start + timedelta(seconds=elapsed), limits)
        or _count_problem(f"{label} has steps", record.steps, limits)
        or _offset_problem(record.utc_offset_s, limits)
    )


def _wear_problem(record: WearSpan, limits: RecordLimits) -> str | None:
    return (
        _instant_problem("a heart-rate reading", record.start_utc, limits)
        or _instant_problem("a heart-rate reading", record.end_utc - timedelta(minutes=1), limits)
        or _offset_problem(record.utc_offset_s, limits)
    )


def _interval_problem(record: StepInterval, limits: RecordLimits) -> str | None:
    label = f"the step interval from {_minute(record.start_utc)}"
    problem = _instant_problem("a step interval starts", record.start_utc, limits) or (
        _instant_problem("a step interval ends", record.end_utc, limits)
    )
    if problem is not None:
        return problem
    span = (record.end_utc - record.start_utc).total_seconds()
    if span > limits.max_interval_s:
        return f"{label} spans {span / 3600:g} h, more than {limits.max_interval_s / 3600:g} h"
    return _count_problem(f"{label} counts", record.steps, limits) or _offset_problem(
        record.utc_offset_s, limits
    )


def _day_problem(record: DailySteps, limits: RecordLimits) -> str | None:
    day = record.local_date
    if not limits.earliest.date() <= day < limits.latest.date():
        return f"a daily total dated {day.isoformat()}, outside {_span_text(limits)}"
    return _count_problem(f"the total of {day.isoformat()} counts", record.steps, limits)
