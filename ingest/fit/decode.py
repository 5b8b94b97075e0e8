"""Decoding FIT bytes into segments with fitparse (the reference decoder).

:func:`_decode_file` walks the chained segments of a file, decodes each with
:class:`_SegmentDecoder` (full decoding of the messages the reader needs, every other
message stepped over by size), checks the CRCs and gives a :class:`_Decoded`: the
messages of each segment by field number, and the warnings. :func:`_contexts` says which
file type and device apply to each segment. :mod:`ingest.fit.fast` builds the same
:class:`_Decoded` with fitfast. See :mod:`ingest.fit` for the decisions.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from fitparse import FitFile
from fitparse.processors import FitFileDataProcessor
from fitparse.profile import MESSAGE_TYPES
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

from ingest.fit.profile import (
    _WANTED,
    MAX_SEGMENTS,
    MESG_DEVELOPER_DATA_ID,
    MESG_FIELD_DESCRIPTION,
    MESG_FILE_ID,
    MESG_RECORD,
    TIMESTAMP_FIELD,
    _as_int,
    _as_text,
    _name_or_digits,
)
from ingest.records import Device, RejectedFile


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


def sniff(head: bytes) -> bool:
    """A FIT header: size byte 12 or 14 and the ASCII ".FIT" at bytes 8..11."""
    return len(head) >= 12 and head[0] in (12, 14) and head[8:12] == b".FIT"


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


def _segment_spans(
    data: bytes, warnings: list[str], too_many: Exception
) -> Iterator[tuple[int, int, int]]:
    """(index, offset, end) of each chained segment of ``data``, in order (``end`` may lie
    beyond the data: truncated). Zero bytes after the last segment end the walk with a
    warning; a segment beyond :data:`MAX_SEGMENTS` raises ``too_many``; a bad header
    raises :class:`RejectedFile` (:func:`_segment_end`)."""
    content_end = len(data.rstrip(b"\x00"))  # zero padding after the last segment is ignored
    index = offset = 0
    while offset < len(data):
        if index and offset >= content_end:
            warnings.append(
                f"{len(data) - offset} zero bytes after the last FIT segment were ignored"
            )
            return
        if index >= MAX_SEGMENTS:
            raise too_many
        end = _segment_end(data, offset, index)
        yield index, offset, end
        index, offset = index + 1, end


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
    too_many = RejectedFile(
        f"more than {MAX_SEGMENTS} chained FIT segments: not a real device file"
    )
    for index, offset, end in _segment_spans(data, warnings, too_many):
        try:
            segment = _decode_segment(data, offset, end, index, state)
        except _FitDecodeError as error:
            raise RejectedFile(error.reason) from None
        segments.append(segment)
        single = index == 0 and end >= len(data)
        warnings.extend(_crc_warnings(data, offset, end, number=None if single else index + 1))
    if state.misaligned:
        shown = ", ".join(sorted(set(state.misaligned))[:5])
        warnings.append(
            f"{len(state.misaligned)} field definition(s) had a size that does not fit their "
            f"type and were read as raw bytes: {shown}"
        )
    return _Decoded(segments, warnings)


# ------------------------------------------------------------------------ contexts


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
