"""FIT reader: bytes of one ``.fit`` file → :class:`~ingest.records.ParsedFile`.

Built on fitparse 1.2.0 (the reference decoder; its FIT profile dates from 2019). What
this module adds on top, and the decisions behind it:

Speed
    fitparse decodes ≈ 0.3 MB/s because it fully renders every field of every message.
    We need a handful of message types (file_id, sport, workout, session, activity,
    monitoring_info, monitoring, and the developer-data descriptions), so
    :class:`_SegmentDecoder` fully decodes only those and skips every other message by
    size, taking from it only the timestamp (compressed-timestamp headers need it, and
    ``record`` timestamps are kept to reconstruct a missing session). fitparse's own CRC
    check (a pure-Python nibble loop) is off; :func:`fit_crc` computes it once per segment.

Chained files
    Several FIT files may follow each other, each with its own header and CRC (Garmin
    swim files, SDK samples). fitparse 1.2.0 does read past the first segment, but we walk
    the headers ourselves (``data_size`` gives each segment's length) so that errors name a
    byte offset and the CRC of every segment is checked. Segments without a ``file_id``
    continue the previous segment's file type and device. Sessions come from activity
    segments; a settings segment chained after an activity is simply ignored. Zero bytes
    after the last segment are ignored (with a warning); more than ``MAX_SEGMENTS``
    segments is rejected (no device writes that many; it would only cost time).

File CRC
    A CRC mismatch alone does not reject a file: if every segment decodes completely
    (no unexpected end of file, no parse error), its data is ingested and the result
    carries the warning "file CRC mismatch (computed 0x…, stored 0x…): data decoded
    completely and was ingested; the file may be corrupt". A file that does not decode
    completely is rejected whatever its CRC. The same applies to a header CRC.

Rejections (:class:`RejectedFile`, each reason names the problem and, where one exists,
the byte offset): empty file; not a FIT file; bad header; truncated / unexpected end of
file (including a last message that runs over the CRC); data message with an undefined
local message type; other decoding errors; and device-relative timestamps (FIT
``date_time`` values below 0x10000000 count seconds since the device powered on, not since
1989 - the device clock was never set, so no date is known). Two defects fitparse 1.2.0
rejects are tolerated, as its development version and fitdecode do: a field whose
declared size is not a multiple of its type's size (COROS firmware) is read as raw bytes,
with a warning; a developer field without a description is read as raw bytes. (In the
corpus, the misaligned field is ``event.data``, which this reader does not use.)

Skips (:class:`SkippedFile`): valid FIT files that hold no recorded activity - settings,
workouts, courses, weight, totals, goals, schedules, ... - and activity files with neither
sessions nor usable records.

Activity files
    One :class:`SessionRecord` per ``session`` message. Sport and sub_sport are always the
    raw FIT integers (fitparse names the codes its 2019 profile knows and leaves newer
    ones, e.g. sub_sport 62 breathwork, as integers; we read ``raw_value``). Steps: FIT's
    session ``total_cycles`` (``total_strides``) counts *strides* for the foot sports
    running, walking and hiking - one cycle of one foot, the unit of the cadence field - so
    ``steps`` is ``2 × total_strides`` (checked on Garmin files: a Fenix 5 run with 78
    strides covers 157.56 m at a 0.9717 m average step length, i.e. ≈ 162 steps; an FR955
    walk's cadence integrates to its 66 strides). Other sports' cycles (strokes, pedal
    revolutions) are not steps. ``activity_name`` is the ``sport`` message's name (paired
    with sessions by position when the counts match, else by sport code), else the
    ``workout`` name, else the session's ``sport_profile_name`` (field 110).

    A file with ``record`` messages but no ``session`` gets one session reconstructed from
    the first and last record timestamps (elapsed = moving = their span, sport from a
    ``sport`` message if any) and the warning "no session message; session reconstructed
    from N records". Records at a single instant, or without timestamps, give nothing.

Monitoring files
    See :func:`step_intervals` for how cumulative Garmin counters become
    :class:`StepInterval` records (including the 60-minute cap on an interval). Only
    ``cycles`` of activity types walking (6) and running (1) are steps (fitparse names
    them ``steps``; other types count strokes or revolutions). A message with only
    ``timestamp_16`` gets its time from the previous resolved time (a full timestamp or
    an earlier ``timestamp_16``): ``t + ((ts16 − (t & 0xFFFF)) & 0xFFFF)``. End-of-day
    messages with ``duration_min`` ≥ 1440 restate the day's totals: they are not
    differenced, and become one interval only for a counter without intraday readings.
    When a file starts at a local time other than midnight, the first reading of each
    counter may include steps taken before the file began; a warning says so.

Local offset
    ``utc_offset_s`` is ``activity.local_timestamp − activity.timestamp`` (or the same on
    ``monitoring_info``), rounded to the nearest 15 minutes and dropped when beyond ±14 h.
    ``device_settings.time_offset`` is never used.

Fast path
    When the optional ``fitfast`` decoder is installed (the ``fast`` extra) and
    ``BACKTRACK_FIT_DECODER`` is not ``fitparse``, :mod:`ingest.fit_fast` decodes the file
    instead, into the same segments; it declines (and this module's fitparse decoder reads
    the file) whenever the result could differ, and any error on that path - a Rust panic
    included - re-reads the file with fitparse. See docs/fit-decoder.md.

fitparse keeps developer-field descriptions in a module-global dict; this reader never
touches it (descriptions live on the decoder of the file being read), so results depend
only on the bytes given and decoding is safe from several threads.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from fitparse import FitFile
from fitparse.processors import FitFileDataProcessor
from fitparse.profile import FIELD_TYPES, MESSAGE_TYPES
from fitparse.records import (
    BASE_TYPE_BYTE,
    BASE_TYPES,
    DataMessage,
    DefinitionMessage,
    DevField,
    DevFieldDefinition,
    FieldDefinition,
)
from fitparse.utils import FitEOFError, FitHeaderError, FitParseError

from ingest.records import (
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    StepInterval,
)

__all__ = [
    "FIT_EPOCH",
    "MONITORING_INTERVAL_CAP",
    "CounterReading",
    "fit_crc",
    "local_offset_s",
    "parse_fit",
    "step_intervals",
]

FIT_EPOCH: Final = datetime(1989, 12, 31, tzinfo=UTC)
"""FIT ``date_time`` values count seconds since this instant."""

MAX_SEGMENTS: Final = 1000
"""More chained FIT segments than this is not a device file (real files have a handful)."""

DEVICE_RELATIVE_LIMIT: Final = 0x10000000
"""``date_time`` values below this are seconds since device power-on (FIT profile)."""

MONITORING_INTERVAL_CAP: Final = timedelta(minutes=60)
"""The longest span one monitoring step increment is spread over (see :func:`step_intervals`)."""

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
_F_MON_DURATION_MIN: Final = 29
_F_MON_DEVICE_INDEX: Final = 0


# --------------------------------------------------------------------------- helpers


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE: Final = _crc_table()


def fit_crc(data: bytes, crc: int = 0) -> int:
    """The FIT CRC-16 of ``data`` (the SDK's algorithm, one table lookup per byte)."""
    table = _CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


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


# -------------------------------------------------------------------- decoding layer


class _FitDecodeError(Exception):
    """A decoding failure inside one segment; ``reason`` is what the user will read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _RawValues(FitFileDataProcessor):
    """Leaves every value as decoded: date_time stays raw FIT seconds, no unit rewrites."""

    def run_type_processor(self, field_data: Any) -> None:
        return None

    def run_field_processor(self, field_data: Any) -> None:
        return None

    def run_unit_processor(self, field_data: Any) -> None:
        return None

    def run_message_processor(self, data_message: Any) -> None:
        return None


_RAW_VALUES: Final = _RawValues()
_SKIPPED: Final = object()  # what the decoder returns for a data message it stepped over


@dataclass(frozen=True, slots=True)
class _SkipPlan:
    """How to step over a data message we do not need: its size and where its timestamp is."""

    size: int
    timestamp_at: int | None
    timestamp_format: str
    timestamp_parse: Any


@dataclass(slots=True)
class _Message:
    """The fields of one decoded data message we care about, by field number."""

    mesg_num: int
    raw: dict[int, Any]
    value: dict[int, Any]


@dataclass(slots=True)
class _Segment:
    """What one FIT segment (one header … CRC) held."""

    index: int
    offset: int
    messages: list[_Message] = field(default_factory=list)
    record_count: int = 0
    record_min_ts: int | None = None
    record_max_ts: int | None = None
    records_without_time: int = 0


@dataclass(slots=True)
class _FileState:
    """State shared by the segments of one file: developer-field descriptions, notes."""

    dev_types: dict[int, dict[int, Any]] = field(default_factory=dict)
    misaligned: list[str] = field(default_factory=list)


class _SegmentDecoder(FitFile):
    """A fitparse ``FitFile`` over exactly one segment that skips unneeded messages.

    Messages whose global number is in ``_WANTED`` go through fitparse's full decoding
    (fields, sub-fields, components, scale/offset). Every other data message is stepped
    over by its defined size; only its ``timestamp`` field is read so that later
    compressed-timestamp headers resolve as fitparse would resolve them. Definition
    parsing is fitparse's, with two tolerances fitparse's development version also has:
    a field whose size is not a multiple of its base type's size is read as raw bytes
    (a COROS firmware bug), and a developer field without a description is read as raw
    bytes instead of aborting the file.
    """

    _complete: bool  # fitparse's own state, typed for mypy
    _bytes_left: int

    def __init__(self, segment: bytes, state: _FileState, sink: _Segment) -> None:
        self._state = state
        self._sink = sink
        self._plans: dict[int, _SkipPlan] = {}
        self.message_offset = 0
        super().__init__(io.BytesIO(segment), check_crc=False, data_processor=_RAW_VALUES)

    # -- driving ---------------------------------------------------------------------

    def decode(self) -> None:
        while self._parse_message() is not None:
            pass

    def _parse_message(self) -> Any:
        if self._bytes_left <= 0:
            if not self._complete:
                self._read(2)  # the file CRC; verified by the caller over the whole segment
                self._complete = True
            return None
        self.message_offset = self._file.tell()
        header = self._parse_message_header()
        if header.is_definition:
            return self._parse_definition_message(header)
        message = self._parse_data_message(header)
        if isinstance(message, DataMessage):
            self._keep(message)
        return message

    # -- definitions -----------------------------------------------------------------

    def _parse_definition_message(self, header: Any) -> Any:
        endian = ">" if self._read_struct("xB") else "<"
        global_mesg_num, num_fields = self._read_struct("HB", endian=endian)
        mesg_type = MESSAGE_TYPES.get(global_mesg_num)
        field_defs = []
        for _ in range(num_fields):
            def_num, size, base_type_num = self._read_struct("3B", endian=endian)
            profile_field = mesg_type.fields.get(def_num) if mesg_type else None
            base_type = BASE_TYPES.get(base_type_num, BASE_TYPE_BYTE)
            if size % base_type.size != 0:
                mesg_name = mesg_type.name if mesg_type else f"message {global_mesg_num}"
                field_name = profile_field.name if profile_field else f"field {def_num}"
                self._state.misaligned.append(
                    f"{mesg_name}.{field_name} ({size} bytes for {base_type.name})"
                )
                base_type, profile_field = BASE_TYPE_BYTE, None
            if profile_field is not None and profile_field.components:
                for component in profile_field.components:
                    if component.accumulate:
                        accumulators = self._accumulators.setdefault(global_mesg_num, {})
                        accumulators[component.def_num] = 0
            field_defs.append(
                FieldDefinition(
                    field=profile_field, def_num=def_num, base_type=base_type, size=size
                )
            )
        dev_field_defs = []
        if header.is_developer_data:
            num_dev_fields = self._read_struct("B", endian=endian)
            for _ in range(num_dev_fields):
                def_num, size, dev_data_index = self._read_struct("3B", endian=endian)
                dev_field_defs.append(
                    DevFieldDefinition(
                        field=self._dev_field(dev_data_index, def_num, size),
                        dev_data_index=dev_data_index,
                        def_num=def_num,
                        size=size,
                    )
                )
        definition = DefinitionMessage(
            header=header,
            endian=endian,
            mesg_type=mesg_type,
            mesg_num=global_mesg_num,
            field_defs=field_defs,
            dev_field_defs=dev_field_defs,
        )
        self._local_mesgs[header.local_mesg_num] = definition
        self._plans[header.local_mesg_num] = self._skip_plan(definition)
        return definition

    @staticmethod
    def _skip_plan(definition: Any) -> _SkipPlan:
        position, timestamp_at, fmt, parse = 0, None, "", None
        for field_def in definition.field_defs:
            base_type = field_def.base_type
            if (
                field_def.def_num == TIMESTAMP_FIELD
                and base_type.name not in ("byte", "string")
                and field_def.size == base_type.size
            ):
                timestamp_at = position
                fmt = definition.endian + base_type.fmt
                parse = base_type.parse
            position += field_def.size
        size = position + sum(dev.size for dev in definition.dev_field_defs)
        return _SkipPlan(size, timestamp_at, fmt, parse)

    def _dev_field(self, dev_data_index: int, def_num: int, size: int) -> Any:
        known = self._state.dev_types.get(dev_data_index, {}).get(def_num)
        if known is not None and size % known.type.size == 0:
            return known
        return DevField(
            dev_data_index=dev_data_index,
            def_num=def_num,
            type=BASE_TYPE_BYTE,
            name=f"unknown_dev_{dev_data_index}_{def_num}",
            units=None,
            native_field_num=None,
        )

    def _register_developer_data(self, message: Any) -> None:
        raw = {fd.def_num: fd.raw_value for fd in message.fields if fd.field_def is not None}
        index = _as_int(raw.get(3 if message.mesg_num == MESG_DEVELOPER_DATA_ID else 0))
        if index is None:
            return
        if message.mesg_num == MESG_DEVELOPER_DATA_ID:
            self._state.dev_types[index] = {}
            return
        def_num = _as_int(raw.get(1))
        base_type = BASE_TYPES.get(_as_int(raw.get(2)) or -1)
        if def_num is None or base_type is None:
            return
        name = _as_text(raw.get(3)) or f"unnamed_dev_field_{def_num}"
        self._state.dev_types.setdefault(index, {})[def_num] = DevField(
            dev_data_index=index,
            def_num=def_num,
            type=base_type,
            name=name,
            units=_as_text(raw.get(8)),
            native_field_num=_as_int(raw.get(15)),
        )

    # -- data ------------------------------------------------------------------------

    def _parse_data_message(self, header: Any) -> Any:
        definition = self._local_mesgs.get(header.local_mesg_num)
        if definition is None:
            raise _FitDecodeError(
                f"data message uses local message type {header.local_mesg_num}, "
                "which no definition message declared"
            )
        if definition.mesg_num in _WANTED:
            return super()._parse_data_message(header)
        plan = self._plans[header.local_mesg_num]
        body = self._read(plan.size) if plan.size > 0 else b""
        timestamp = None
        if plan.timestamp_at is not None:
            value = plan.timestamp_parse(
                struct.unpack_from(plan.timestamp_format, body, plan.timestamp_at)[0]
            )
            if value is not None:
                self._compressed_ts_accumulator = timestamp = value
        if header.time_offset is not None:
            timestamp = self._compressed_ts_accumulator = self._apply_compressed_accumulation(
                header.time_offset, self._compressed_ts_accumulator, 5
            )
        if definition.mesg_num == MESG_RECORD:
            self._count_record(_as_int(timestamp))
        return _SKIPPED

    def _count_record(self, timestamp: int | None) -> None:
        sink = self._sink
        sink.record_count += 1
        if timestamp is None:
            sink.records_without_time += 1
            return
        if sink.record_min_ts is None or timestamp < sink.record_min_ts:
            sink.record_min_ts = timestamp
        if sink.record_max_ts is None or timestamp > sink.record_max_ts:
            sink.record_max_ts = timestamp

    def _keep(self, message: Any) -> None:
        if message.mesg_num in (MESG_DEVELOPER_DATA_ID, MESG_FIELD_DESCRIPTION):
            self._register_developer_data(message)
            return
        raw: dict[int, Any] = {}
        value: dict[int, Any] = {}
        # Fields from the wire first, then component-expanded ones (e.g. monitoring
        # activity_type unpacked from current_activity_type_intensity) where not present.
        # Developer fields are left out: their numbers live in another namespace.
        for wired in (True, False):
            for field_data in message.fields:
                if isinstance(field_data.field_def, DevFieldDefinition):
                    continue
                if (field_data.field_def is not None) != wired:
                    continue
                number = field_data.def_num
                if number not in raw or raw[number] is None:
                    raw[number] = field_data.raw_value
                    value[number] = field_data.value
        self._sink.messages.append(_Message(message.mesg_num, raw, value))


def _decode_segment(data: bytes, offset: int, end: int, index: int, state: _FileState) -> _Segment:
    """Decode the segment ``data[offset:end]`` (``end`` may lie beyond the data: truncated)."""
    sink = _Segment(index=index, offset=offset)
    decoder: _SegmentDecoder | None = None
    try:
        decoder = _SegmentDecoder(data[offset:end], state, sink)
        decoder.decode()
    except FitEOFError:
        if end > len(data):
            raise _FitDecodeError(
                f"truncated: unexpected end of file at byte {len(data)} "
                f"(the FIT header at byte {offset} declares {end - offset} bytes, "
                f"the file holds {len(data) - offset} of them)"
            ) from None
        overrun = decoder is not None and decoder._bytes_left < 0
        detail = (
            "the last message runs past the data the FIT header declares, "
            "over the place of the file CRC"
            if overrun
            else "a message runs past the end of the file"
        )
        raise _FitDecodeError(
            f"truncated: unexpected end of file at byte {end} ({detail})"
        ) from None
    except _FitDecodeError as error:
        at = offset + (decoder.message_offset if decoder is not None else 0)
        raise _FitDecodeError(f"{error.reason} (message at byte {at})") from None
    except FitHeaderError as error:
        raise _FitDecodeError(f"bad FIT header at byte {offset}: {error}") from None
    except FitParseError as error:
        at = offset + (decoder.message_offset if decoder is not None else 0)
        raise _FitDecodeError(f"FIT decoding error at byte {at}: {error}") from None
    except (
        struct.error,
        ValueError,
        TypeError,
        LookupError,
        AttributeError,
        ArithmeticError,
    ) as error:
        at = offset + (decoder.message_offset if decoder is not None else 0)
        raise _FitDecodeError(
            f"FIT decoding failed at byte {at} ({type(error).__name__}: {error})"
        ) from None
    return sink


@dataclass(slots=True)
class _Decoded:
    segments: list[_Segment]
    warnings: list[str]


def _segment_end(data: bytes, offset: int, index: int) -> int:
    """Where the segment whose header starts at ``offset`` ends (may exceed the data)."""
    where = "" if index == 0 else f" (chained FIT segment {index + 1} at byte {offset})"
    available = len(data) - offset
    if available < 12:
        if index == 0:
            raise RejectedFile(f"not a FIT file: only {available} bytes, a FIT header needs 12")
        raise RejectedFile(f"bad header{where}: only {available} bytes remain, a header needs 12")
    if data[offset + 8 : offset + 12] != b".FIT":
        if index == 0:
            raise RejectedFile("not a FIT file: no '.FIT' signature at bytes 8..11")
        raise RejectedFile(f"bad header{where}: no '.FIT' signature at bytes 8..11")
    header_size = data[offset]
    if header_size not in (12, 14):
        raise RejectedFile(f"bad header{where}: header size {header_size}, expected 12 or 14")
    data_size: int = struct.unpack_from("<I", data, offset + 4)[0]
    return offset + header_size + data_size + 2


def _crc_warnings(data: bytes, offset: int, end: int, *, number: int | None) -> list[str]:
    """Header and file CRC mismatches of the complete segment ``data[offset:end]``.

    ``number`` is the segment's 1-based position in a chained file, None in a plain one.
    """
    label = "" if number is None else f"FIT segment {number} (byte {offset}): "
    outcome = "data decoded completely and was ingested; the file may be corrupt"
    warnings = []
    if data[offset] == 14:
        stored = struct.unpack_from("<H", data, offset + 12)[0]
        computed = fit_crc(data[offset : offset + 12])
        if stored not in (0, computed):  # 0: the writer did not compute a header CRC
            warnings.append(
                f"{label}header CRC mismatch (computed 0x{computed:04X}, "
                f"stored 0x{stored:04X}): {outcome}"
            )
    stored = struct.unpack_from("<H", data, end - 2)[0]
    computed = fit_crc(data[offset : end - 2])
    if stored != computed:
        warnings.append(
            f"{label}file CRC mismatch (computed 0x{computed:04X}, stored 0x{stored:04X}): "
            f"{outcome}"
        )
    return warnings


def _decode_file(data: bytes) -> _Decoded:
    """Walk the chained segments of ``data``, decode each, check CRCs. Raises RejectedFile."""
    if not data:
        raise RejectedFile("empty file (0 bytes)")
    state = _FileState()
    segments: list[_Segment] = []
    warnings: list[str] = []
    content_end = len(data.rstrip(b"\x00"))  # zero padding after the last segment is ignored
    offset = 0
    while offset < len(data):
        if segments and offset >= content_end:
            warnings.append(
                f"{len(data) - offset} zero bytes after the last FIT segment were ignored"
            )
            break
        if len(segments) >= MAX_SEGMENTS:
            raise RejectedFile(
                f"more than {MAX_SEGMENTS} chained FIT segments: not a real device file"
            )
        end = _segment_end(data, offset, len(segments))
        index = len(segments)
        try:
            segment = _decode_segment(data, offset, end, index, state)
        except _FitDecodeError as error:
            raise RejectedFile(error.reason) from None
        segments.append(segment)
        single = index == 0 and end >= len(data)
        warnings.extend(_crc_warnings(data, offset, end, number=None if single else index + 1))
        offset = end
    if state.misaligned:
        shown = ", ".join(sorted(set(state.misaligned))[:5])
        warnings.append(
            f"{len(state.misaligned)} field definition(s) had a size that does not fit their "
            f"type and were read as raw bytes: {shown}"
        )
    return _Decoded(segments, warnings)


# ------------------------------------------------------------------- interpretation


@dataclass(slots=True)
class _Context:
    """What applies to the messages of a segment: its file type and device."""

    file_type: int | None
    device: Device


def _device_of(file_id: _Message) -> Device:
    return Device(
        manufacturer=_name_or_digits(file_id.value.get(1)),
        product=_name_or_digits(file_id.value.get(2)),
        serial=_name_or_digits(_as_int(file_id.raw.get(3))),
    )


def _contexts(segments: Sequence[_Segment]) -> list[_Context]:
    """Each segment's file type and device; a segment without file_id inherits both."""
    contexts: list[_Context] = []
    current = _Context(None, Device())
    for segment in segments:
        file_id = next((m for m in segment.messages if m.mesg_num == MESG_FILE_ID), None)
        if file_id is not None:
            current = _Context(_as_int(file_id.raw.get(0)), _device_of(file_id))
        contexts.append(current)
    return contexts


def _check_clock(raw_time: Any, what: str) -> None:
    value = _as_int(raw_time)
    if value is not None and value < DEVICE_RELATIVE_LIMIT:
        raise RejectedFile(
            "timestamps are device-relative, the device clock was never set "
            f"({what} = {value} s since the device powered on, not a date)"
        )


def _offset_from(messages: Sequence[_Message], mesg_num: int) -> int | None:
    for message in messages:
        if message.mesg_num == mesg_num:
            offset = local_offset_s(
                message.raw.get(5 if mesg_num == MESG_ACTIVITY else 0),
                message.raw.get(TIMESTAMP_FIELD),
            )
            if offset is not None:
                return offset
    return None


def _pair_names(sessions: Sequence[_Message], sports: Sequence[_Message]) -> list[str | None]:
    """The ``sport`` message name for each session: by position when counts match, else by code."""
    if len(sports) == len(sessions):
        return [_as_text(sport.value.get(3)) for sport in sports]
    names: list[str | None] = []
    for session in sessions:
        code = (session.raw.get(_F_SESSION_SPORT), session.raw.get(_F_SESSION_SUB_SPORT))
        match = next((s for s in sports if (s.raw.get(0), s.raw.get(1)) == code), None)
        if match is None:
            match = next((s for s in sports if s.raw.get(0) == code[0]), None)
        names.append(None if match is None else _as_text(match.value.get(3)))
    return names


def _session_record(
    session: _Message,
    *,
    index: int,
    device: Device,
    utc_offset_s: int | None,
    sport_name_hint: str | None,
    workout_name: str | None,
    warnings: list[str],
) -> SessionRecord | None:
    raw, value = session.raw, session.value
    start_raw = _as_int(raw.get(_F_SESSION_START))
    end_raw = _as_int(raw.get(TIMESTAMP_FIELD))
    _check_clock(start_raw, "session start_time")
    _check_clock(end_raw, "session timestamp")
    elapsed = _as_float(value.get(_F_SESSION_ELAPSED))
    timer = _as_float(value.get(_F_SESSION_TIMER))
    if elapsed is None:
        elapsed = timer
    if elapsed is None and start_raw is not None and end_raw is not None and end_raw >= start_raw:
        elapsed = float(end_raw - start_raw)
    if start_raw is None and end_raw is not None and elapsed is not None:
        start_raw = end_raw - round(elapsed)
    if start_raw is None or elapsed is None:
        warnings.append(f"session {index} ignored: it states no start time or no duration")
        return None
    moving = elapsed if timer is None else timer
    if moving > elapsed:
        if moving - elapsed > 1.0:
            warnings.append(
                f"session {index}: timer time {moving} s exceeds elapsed time {elapsed} s; "
                "moving time capped at the elapsed time"
            )
        moving = elapsed
    sport = _as_int(raw.get(_F_SESSION_SPORT))
    cycles = _as_int(raw.get(_F_SESSION_CYCLES))
    steps = 2 * cycles if cycles is not None and sport in _STRIDE_SPORTS else None
    activity_name = sport_name_hint or workout_name or _as_text(value.get(_F_SESSION_PROFILE_NAME))
    return SessionRecord(
        source_format="fit",
        index=index,
        start_utc=_fit_instant(start_raw),
        elapsed_s=elapsed,
        moving_s=moving,
        sport=sport,
        sub_sport=_as_int(raw.get(_F_SESSION_SUB_SPORT)),
        sport_name=None if sport is None else _SPORT_NAMES.get(sport),
        activity_name=activity_name,
        distance_m=_as_float(value.get(_F_SESSION_DISTANCE)),
        steps=steps,
        device=device,
        utc_offset_s=utc_offset_s,
    )


def _activity_sessions(
    segments: Sequence[_Segment], contexts: Sequence[_Context], warnings: list[str]
) -> tuple[list[SessionRecord], str | None]:
    """Sessions of the activity segments, or a reconstructed one; else (``[]``, skip reason)."""
    chosen = [
        (segment, context)
        for segment, context in zip(segments, contexts, strict=True)
        if context.file_type is None or context.file_type in ACTIVITY_FILE_TYPES
    ]
    messages = [m for segment, _ in chosen for m in segment.messages]
    file_offset = _offset_from(messages, MESG_ACTIVITY)
    sports = [m for m in messages if m.mesg_num == MESG_SPORT]
    workout_name = next(
        (
            name
            for m in messages
            if m.mesg_num == MESG_WORKOUT and (name := _as_text(m.value.get(8))) is not None
        ),
        None,
    )
    session_items = [
        (m, context, segment)
        for segment, context in chosen
        for m in segment.messages
        if m.mesg_num == MESG_SESSION
    ]
    if session_items:
        names = _pair_names([m for m, _, _ in session_items], sports)
        sessions: list[SessionRecord] = []
        for (message, context, segment), name in zip(session_items, names, strict=True):
            segment_offset = _offset_from(segment.messages, MESG_ACTIVITY)
            record = _session_record(
                message,
                index=len(sessions),
                device=context.device,
                utc_offset_s=segment_offset if segment_offset is not None else file_offset,
                sport_name_hint=name,
                workout_name=workout_name,
                warnings=warnings,
            )
            if record is not None:
                sessions.append(record)
        if sessions:
            return sessions, None
        return [], "FIT activity file holds sessions, but none states a start time and duration"

    records = sum(segment.record_count for segment, _ in chosen)
    if not chosen or records == 0:
        return [], "FIT activity file holds no session or record data"
    times = [
        t
        for segment, _ in chosen
        for t in (segment.record_min_ts, segment.record_max_ts)
        if t is not None
    ]
    if not times:
        return (
            [],
            f"FIT activity file holds no session, and its {records} records carry no timestamps",
        )
    first, last = min(times), max(times)
    _check_clock(first, "first record timestamp")
    if last <= first:
        return [], (f"FIT activity file holds no session, and its {records} record(s) span no time")
    sport_message = sports[0] if sports else None
    sport = None if sport_message is None else _as_int(sport_message.raw.get(0))
    span = float(last - first)
    context = chosen[0][1]
    timed = sum(segment.record_count - segment.records_without_time for segment, _ in chosen)
    warnings.append(f"no session message; session reconstructed from {timed} records")
    return [
        SessionRecord(
            source_format="fit",
            index=0,
            start_utc=_fit_instant(first),
            elapsed_s=span,
            moving_s=span,
            sport=sport,
            sub_sport=None if sport_message is None else _as_int(sport_message.raw.get(1)),
            sport_name=None if sport is None else _SPORT_NAMES.get(sport),
            activity_name=(None if sport_message is None else _as_text(sport_message.value.get(3)))
            or workout_name,
            device=context.device,
            utc_offset_s=file_offset,
        )
    ], None


# ------------------------------------------------------------------------ monitoring


@dataclass(frozen=True, slots=True)
class CounterReading:
    """One monitoring message's cumulative step counter, with its resolved time."""

    time_raw: int  # FIT seconds
    activity_type: int
    # cumulative steps since the counter's last reset; None: a reading of a counter that
    # holds no steps (sedentary time, ...), which only marks the instant it was written
    value: int | None
    device_index: int | None = None


def step_intervals(
    readings: Sequence[CounterReading],
    *,
    start_raw: int | None,
    device: Device,
    utc_offset_s: int | None,
    baseline_first: bool = False,
) -> list[StepInterval]:
    """Turn cumulative step counters into per-interval step increments.

    Garmin monitoring files hold, per activity type (walking 6, running 1), a counter
    of steps that only grows until it resets (at the day boundary, or when the device
    resets). For each reading of a counter (keyed by device index and activity type):

    * increment = value − previous value of the same counter; when the value went down
      the counter was reset, and the increment is the new value itself (the counter
      counted up from 0 since the reset); the first reading's increment is its value —
      unless ``baseline_first`` (a file that starts mid-day: Garmin's counters run from
      local midnight, so its first readings repeat steps an earlier file of the day already
      holds): then the first reading is only the baseline and its increment is 0;
    * the interval runs from the device's previous reading of *any* counter (walking,
      running, sedentary time, ...; readings at this reading's own instant do not count)
      to this reading's time; without an earlier reading, from ``start_raw`` (the
      monitoring_info timestamp) when given. Garmin writes a reading when the activity
      type changes, so a walk after a sedentary stretch starts at the sedentary reading,
      not at the walking counter's reading before the stretch (which would spread its
      first minute over up to an hour);
    * **cap**: an interval is at most :data:`MONITORING_INTERVAL_CAP` (60 min) long. When
      the gap since the previous reading is longer, unknown, or not positive, the interval starts
      60 min before the reading. Garmin writes a reading soon after steps are taken, so
      the steps of a long gap belong to its end, not spread over hours of rest - and a
      walking-minutes measure must not smear them across a night;
    * zero-step intervals are kept: they show the device was worn and counting. An
      interval of zero length with zero steps says nothing and is dropped.
    """
    intervals: list[StepInterval] = []
    last: dict[tuple[int | None, int], int] = {}
    # per device index: the latest reading's time and the one before it (any counter)
    times: dict[int | None, tuple[int, int | None]] = {}
    cap_s = int(MONITORING_INTERVAL_CAP.total_seconds())
    for reading in readings:
        latest, earlier = times.get(reading.device_index, (None, None))
        if latest is not None and latest < reading.time_raw:
            prior: int | None = latest
            times[reading.device_index] = (reading.time_raw, latest)
        elif latest is not None and latest == reading.time_raw:
            prior = earlier
        else:  # the first reading, or the clock went back: start over
            prior = None
            times[reading.device_index] = (reading.time_raw, None)
        if reading.value is None:
            continue
        key = (reading.device_index, reading.activity_type)
        previous = last.get(key)
        last[key] = reading.value
        if previous is None:
            increment = 0 if baseline_first else reading.value
            since = start_raw
        else:
            increment = reading.value - previous
            if increment < 0:
                increment = reading.value
            since = prior
        if prior is not None and (since is None or prior > since):
            since = prior
        if since is None or since >= reading.time_raw:
            if since is not None and since == reading.time_raw and increment == 0:
                continue
            since = reading.time_raw - cap_s
        since = max(since, reading.time_raw - cap_s)
        intervals.append(
            StepInterval(
                start_utc=_fit_instant(since),
                end_utc=_fit_instant(reading.time_raw),
                steps=increment,
                device=device,
                activity_type=reading.activity_type,
                utc_offset_s=utc_offset_s,
            )
        )
    return intervals


def _monitoring(
    segments: Sequence[_Segment], contexts: Sequence[_Context], warnings: list[str]
) -> tuple[list[StepInterval], str | None]:
    chosen = [
        (segment, context)
        for segment, context in zip(segments, contexts, strict=True)
        if context.file_type in MONITORING_FILE_TYPES
    ]
    readings: list[CounterReading] = []
    summaries: list[CounterReading] = []
    summary_minutes: dict[CounterReading, int] = {}
    start_raw: int | None = None
    utc_offset: int | None = None
    local_start: int | None = None
    unresolved = 0
    device = chosen[0][1].device if chosen else Device()
    for segment, _ in chosen:
        reference: int | None = None
        for message in segment.messages:
            timestamp = _as_int(message.raw.get(TIMESTAMP_FIELD))
            if message.mesg_num == MESG_MONITORING_INFO:
                _check_clock(timestamp, "monitoring_info timestamp")
                if timestamp is not None:
                    reference = timestamp
                    if start_raw is None:
                        start_raw = timestamp
                        local_start = _as_int(message.raw.get(0))
                if utc_offset is None:
                    utc_offset = local_offset_s(message.raw.get(0), timestamp)
                continue
            if message.mesg_num != MESG_MONITORING:
                continue
            if timestamp is None:
                short = _as_int(message.raw.get(_F_MON_TIMESTAMP_16))
                if short is None or reference is None:
                    if message.raw.get(_F_MON_CYCLES) is not None:
                        unresolved += 1
                    continue
                timestamp = reference + ((short - (reference & 0xFFFF)) & 0xFFFF)
            _check_clock(timestamp, "monitoring timestamp")
            reference = timestamp
            activity_type = _as_int(message.raw.get(_F_MON_ACTIVITY_TYPE))
            if activity_type is None:
                packed = message.raw.get(_F_MON_TYPE_INTENSITY)
                if isinstance(packed, tuple) and packed and isinstance(packed[0], int):
                    activity_type = packed[0] & 0x1F
            if activity_type is None:
                continue
            cycles = _as_int(message.raw.get(_F_MON_CYCLES))
            reading = CounterReading(
                time_raw=timestamp,
                activity_type=activity_type,
                value=cycles if activity_type in STEP_ACTIVITY_TYPES else None,
                device_index=_as_int(message.raw.get(_F_MON_DEVICE_INDEX)),
            )
            duration_min = _as_int(message.raw.get(_F_MON_DURATION_MIN))
            if duration_min is not None and duration_min >= 24 * 60:
                if reading.value is None:
                    continue  # a daily total of another counter marks no instant
                summaries.append(reading)
                summary_minutes[reading] = duration_min
            else:
                readings.append(reading)
    if unresolved:
        warnings.append(
            f"{unresolved} monitoring message(s) with only a 16-bit timestamp and no earlier "
            "full timestamp were ignored"
        )
    local_seconds = (
        (local_start % 86_400)
        if readings and local_start is not None and start_raw is not None and utc_offset is not None
        else 0
    )
    mid_day = local_seconds != 0 and any(reading.value for reading in readings)
    intervals = step_intervals(
        readings,
        start_raw=start_raw,
        device=device,
        utc_offset_s=utc_offset,
        baseline_first=mid_day,
    )
    counted_types = {r.activity_type for r in readings if r.value is not None}
    for summary in summaries:
        if summary.value is None or summary.activity_type in counted_types:
            continue  # a daily total restating counters already differenced above
        minutes = summary_minutes[summary]
        intervals.append(
            StepInterval(
                start_utc=_fit_instant(summary.time_raw - 60 * minutes),
                end_utc=_fit_instant(summary.time_raw),
                steps=summary.value,
                device=device,
                activity_type=summary.activity_type,
                utc_offset_s=utc_offset,
            )
        )
        warnings.append(
            f"activity type {summary.activity_type}: only a daily total "
            f"({summary.value} steps over {minutes} min) - no intraday counters"
        )
    if mid_day:
        warnings.append(
            "the file starts at local "
            f"{local_seconds // 3600:02d}:{local_seconds % 3600 // 60:02d}, not midnight: the "
            "counters' first readings include steps from before the file began (they belong "
            "to an earlier file of the day), so they were used as the baseline, not counted"
        )
    if not intervals:
        return [], "FIT monitoring file holds no step counters (walking or running cycles)"
    return intervals, None


# ------------------------------------------------------------------------ public API


def parse_fit(data: bytes) -> ParsedFile:
    """Read one FIT file (possibly several chained FIT segments).

    Returns the sessions of an activity file or the step intervals of a monitoring file.
    Raises :class:`SkippedFile` for valid files without activity data and
    :class:`RejectedFile` for broken ones; any other exception is a bug.
    """
    from ingest import fit_fast  # optional fitfast decoder; imports this module

    decoded = fit_fast.decode(data)
    if decoded is not None:
        try:
            return _interpret(decoded)
        except fit_fast.PASS_THROUGH:
            raise
        except BaseException:  # any doubt about the fast result: fitparse decides
            pass
    return _interpret(_decode_file(data))


def _interpret(decoded: _Decoded) -> ParsedFile:
    """The ParsedFile of decoded segments; raises SkippedFile / RejectedFile."""
    warnings = decoded.warnings
    segments = decoded.segments
    contexts = _contexts(segments)
    first_type = next((c.file_type for c in contexts if c.file_type is not None), None)

    if first_type in MONITORING_FILE_TYPES:
        intervals, reason = _monitoring(segments, contexts, warnings)
        if reason is not None:
            raise SkippedFile(reason)
        return ParsedFile(
            format="fit",
            kind="monitoring",
            step_intervals=tuple(intervals),
            warnings=tuple(warnings),
        )

    if first_type is None or first_type in ACTIVITY_FILE_TYPES:
        sessions, reason = _activity_sessions(segments, contexts, warnings)
        if reason is not None:
            raise SkippedFile(reason)
        return ParsedFile(
            format="fit", kind="activity", sessions=tuple(sessions), warnings=tuple(warnings)
        )

    known = _NOT_ACTIVITY.get(first_type)
    if known is not None:
        raise SkippedFile(known)
    name = FIELD_TYPES["file"].values.get(first_type)
    label = f"{name} ({first_type})" if name else f"type {first_type}"
    raise SkippedFile(f"FIT file of {label}, not a recorded activity")
