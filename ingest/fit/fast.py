"""Optional fast FIT decoding with ``fitfast`` (Rust, rustyfit); fitparse stays the reference.

:func:`decode` turns the bytes of a FIT file into the same segment view
(:class:`ingest.fit.decode._Decoded`) that :func:`ingest.fit.decode._decode_file` builds
with fitparse, so that every rule after decoding (sessions, monitoring counters, skips,
warnings) is the one code path of :mod:`ingest.fit`. It returns ``None`` - "use fitparse" -
whenever the result could differ from fitparse's:

* ``fitfast`` is not installed, or ``BACKTRACK_FIT_DECODER=fitparse`` is set;
* anything that would give fitparse's reader a warning or a rejection: a header CRC that is
  0 (valid in FIT: "not computed", but fitfast 0.1.0 rejects it) or does not match, a
  truncated segment, a field whose size does not fit its type, ...; fitfast rejects files
  whose data CRC does not match, which sends those to fitparse too;
* a segment with more than one ``monitoring_info`` message, or one that comes after a
  ``monitoring`` message (fitfast groups messages by kind; the order matters only there);
* a field value fitfast names differently from fitparse's profile, or that is not a number
  where one is expected;
* any exception inside fitfast, including a Rust panic (``pyo3_runtime.PanicException``
  derives from ``BaseException``); only ``KeyboardInterrupt``, ``SystemExit`` and
  ``GeneratorExit`` propagate.

:func:`ingest.fit.reader.parse_fit` uses the result only when it is a complete ``ParsedFile``; any
exception on the way (a rejection or skip included) re-reads the file with fitparse, so
every rejection and skip reason is fitparse's. ``tests/ingest/test_fit_fast.py`` checks,
file by file, that both paths give equal ``ParsedFile`` records. docs/fit-decoder.md has
the measurements behind this module.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Mapping
from typing import Any, Final

from fitparse.profile import MESSAGE_TYPES
from fitparse.records import BASE_TYPES

from ingest.fit.decode import _Decoded, _Message, _Segment, _segment_spans, fit_crc
from ingest.fit.profile import (
    MESG_ACTIVITY,
    MESG_FILE_ID,
    MESG_MONITORING,
    MESG_MONITORING_INFO,
    MESG_RECORD,
    MESG_SESSION,
    MESG_SPORT,
    MESG_WORKOUT,
    TIMESTAMP_FIELD,
)

__all__ = ["DECODER_ENV", "PASS_THROUGH", "available", "decode", "enabled", "why_not"]

DECODER_ENV: Final = "BACKTRACK_FIT_DECODER"
"""Set to ``fitparse`` to never use the fast decoder."""

UNIX_TO_FIT_S: Final = 631_065_600
"""Seconds from 1970-01-01 to the FIT epoch 1989-12-31 (fitfast gives Unix seconds)."""

PASS_THROUGH: Final = (KeyboardInterrupt, SystemExit, GeneratorExit)


class _Unsupported(Exception):
    """The fast result could differ from fitparse's: use fitparse for this file."""


def _load() -> Callable[[bytes], Mapping[str, Any]] | None:
    try:
        import fitfast
    except ImportError:
        return None

    def parse(data: bytes) -> Mapping[str, Any]:
        result: Mapping[str, Any] = fitfast.parse(data, enum_names=False, datetimes=False)
        return result

    return parse


_PARSE: Callable[[bytes], Mapping[str, Any]] | None = _load()


def available() -> bool:
    """Whether ``fitfast`` is installed."""
    return _PARSE is not None


def enabled() -> bool:
    """Whether :func:`decode` will try the fast decoder (installed and not switched off)."""
    return _PARSE is not None and os.environ.get(DECODER_ENV, "").strip().lower() != "fitparse"


# --------------------------------------------------------------------- field mapping

# The fields ingest.fit reads, by message number, and the fitfast name of fields that
# fitparse's 2019 profile does not know (fitparse keys those by number).
_FIELDS: Final[dict[int, tuple[int, ...]]] = {
    MESG_FILE_ID: (0, 1, 2, 3),
    MESG_SPORT: (0, 1, 3),
    MESG_SESSION: (2, 5, 6, 7, 8, 9, 10, 110, TIMESTAMP_FIELD),
    MESG_WORKOUT: (8,),
    MESG_ACTIVITY: (5, TIMESTAMP_FIELD),
    MESG_MONITORING_INFO: (0, TIMESTAMP_FIELD),
    MESG_MONITORING: (0, 3, 5, 26, 27, 29, TIMESTAMP_FIELD),
}
_NEWER_NAMES: Final[dict[tuple[int, int], str]] = {(MESG_SESSION, 110): "sport_profile_name"}
_TIME_TYPES: Final = frozenset({"date_time", "local_date_time"})
_KIND: Final[dict[int, str]] = {number: MESSAGE_TYPES[number].name for number in _FIELDS}
_RECORD: Final = MESSAGE_TYPES[MESG_RECORD].name
_MONITORING: Final = _KIND[MESG_MONITORING]
_MONITORING_INFO: Final = _KIND[MESG_MONITORING_INFO]


def _profile_field(mesg_num: int, number: int) -> Any:
    return MESSAGE_TYPES[mesg_num].fields.get(number)


def _names(mesg_num: int, number: int) -> list[tuple[str | int, Any]]:
    """The keys fitfast may use for a field (its name, a sub-field's name), with the
    fitparse (sub)field each stands for (``None``: a field fitparse does not know)."""
    profile = _profile_field(mesg_num, number)
    if profile is None:
        return [(_NEWER_NAMES.get((mesg_num, number), number), None), (number, None)]
    keys: list[tuple[str | int, Any]] = [(profile.name, profile)]
    keys.extend((sub.name, sub) for sub in profile.subfields or ())
    return keys


_KEYS: Final = {
    mesg_num: {number: _names(mesg_num, number) for number in numbers}
    for mesg_num, numbers in _FIELDS.items()
}


def _raw_of(value: Any, spec: Any) -> Any:
    """The wire value behind a fitfast value of the fitparse (sub)field ``spec``."""
    if spec is None:
        return value
    if isinstance(value, str):
        if spec.type.name != "string":
            raise _Unsupported(f"{spec.name}: text where fitparse has a number")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Unsupported(f"{spec.name}: {type(value).__name__} value")
    if spec.type.name in _TIME_TYPES:
        if not isinstance(value, int):
            raise _Unsupported(f"{spec.name}: non-integer time")
        return value - UNIX_TO_FIT_S
    scale = spec.scale or 1
    offset = spec.offset or 0
    raw = (value + offset) * scale
    whole = round(raw)
    if abs(raw - whole) > 1e-6 * max(1.0, abs(raw)):
        raise _Unsupported(f"{spec.name}: {value} is no whole number of {1 / scale}")
    return whole


def _value_of(mesg_num: int, number: int, raw: Any, raws: Mapping[int, Any]) -> Any:
    """fitparse's rendered value of a field (sub-field resolved from the wire values)."""
    profile = _profile_field(mesg_num, number)
    if profile is None or raw is None:
        return raw
    chosen = profile
    for sub in profile.subfields or ():
        if any(raws.get(ref.def_num) == ref.raw_value for ref in sub.ref_fields):
            chosen = sub
            break
    value = chosen.render(raw)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if chosen.scale:
            value = float(value) / chosen.scale
        if chosen.offset:
            value = value - chosen.offset
    return value


def _message(mesg_num: int, fields: Mapping[Any, Any]) -> _Message:
    raws: dict[int, Any] = {}
    for number, keys in _KEYS[mesg_num].items():
        present = [(key, spec) for key, spec in keys if key in fields]
        if len(present) > 1:
            raise _Unsupported(f"message {mesg_num} field {number} under several names")
        if present:
            key, spec = present[0]
            raws[number] = _raw_of(fields[key], spec)
    values = {number: _value_of(mesg_num, number, raw, raws) for number, raw in raws.items()}
    return _Message(mesg_num, raws, values)


# ---------------------------------------------------------------------------- decoding


def _segment(parsed: Mapping[str, Any], index: int, offset: int) -> _Segment:
    kinds = list(parsed)
    if _MONITORING in parsed and _MONITORING_INFO in parsed:
        if len(parsed[_MONITORING_INFO]) > 1:
            raise _Unsupported("several monitoring_info messages")
        if kinds.index(_MONITORING_INFO) > kinds.index(_MONITORING):
            raise _Unsupported("monitoring_info after monitoring messages")
    sink = _Segment(index=index, offset=offset)
    for mesg_num, kind in _KIND.items():
        sink.messages.extend(_message(mesg_num, fields) for fields in parsed.get(kind, ()))
    for record in parsed.get(_RECORD, ()):
        sink.record_count += 1
        stamp = record.get("timestamp")
        if stamp is None:
            sink.records_without_time += 1
            continue
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            raise _Unsupported("record timestamp is not an integer")
        stamp -= UNIX_TO_FIT_S
        if sink.record_min_ts is None or stamp < sink.record_min_ts:
            sink.record_min_ts = stamp
        if sink.record_max_ts is None or stamp > sink.record_max_ts:
            sink.record_max_ts = stamp
    return sink


_BASE_SIZES: Final = bytes(BASE_TYPES[n].size if n in BASE_TYPES else 1 for n in range(256))


def _check_definitions(segment: bytes) -> None:
    """Walk the message headers of one segment; every field size must fit its base type.

    fitparse's reader reads a misaligned field (COROS) as raw bytes and warns; fitfast
    reads it silently, so such a file goes to fitparse. This walk touches only headers
    and definitions (≈ 180 MB/s here), not field values.
    """
    sizes = [-1] * 16
    position, end = segment[0], len(segment) - 2
    while position < end:
        header = segment[position]
        if header & 0x80:  # compressed timestamp header: local types 0-3
            size = sizes[(header >> 5) & 0x03]
        elif header & 0x40:  # definition message
            count = segment[position + 5]
            at = position + 6
            size = 0
            for field_at in range(at, at + 3 * count, 3):
                field_size = segment[field_at + 1]
                if field_size % _BASE_SIZES[segment[field_at + 2]]:
                    raise _Unsupported("a field size does not fit its type")
                size += field_size
            at += 3 * count
            if header & 0x20:  # developer fields
                developer = segment[at]
                size += sum(segment[at + 2 : at + 1 + 3 * developer : 3])
                at += 1 + 3 * developer
            sizes[header & 0x0F] = size
            position = at
            continue
        else:
            size = sizes[header & 0x0F]
        if size < 0:
            raise _Unsupported("data message without a definition")
        position += 1 + size
    if position != end:
        raise _Unsupported("the last message runs over the CRC")


def _check_header(data: bytes, offset: int) -> None:
    if data[offset] == 14:
        stored = struct.unpack_from("<H", data, offset + 12)[0]
        if stored == 0:
            raise _Unsupported("header CRC 0 (not computed)")
        if stored != fit_crc(data[offset : offset + 12]):
            raise _Unsupported("header CRC mismatch")


def _decode(data: bytes, parse: Callable[[bytes], Mapping[str, Any]]) -> _Decoded:
    if not data:
        raise _Unsupported("empty")
    segments: list[_Segment] = []
    warnings: list[str] = []
    for index, offset, end in _segment_spans(data, warnings, _Unsupported("too many segments")):
        if end > len(data):
            raise _Unsupported("truncated")
        _check_header(data, offset)
        _check_definitions(data[offset:end])
        segments.append(_segment(parse(data[offset:end]), index, offset))
    return _Decoded(segments, warnings)


def why_not(data: bytes) -> str | None:
    """Why :func:`decode` gives ``None`` for ``data`` (``None``: it does not); for tests."""
    if _PARSE is None:
        return "fitfast is not installed"
    try:
        _decode(data, _PARSE)
    except PASS_THROUGH:
        raise
    except BaseException as error:
        return f"{type(error).__name__}: {error}"
    return None


def decode(data: bytes) -> _Decoded | None:
    """The segments of ``data`` decoded by fitfast, or ``None``: decode with fitparse."""
    parse = _PARSE
    if parse is None or not enabled():
        return None
    try:
        return _decode(data, parse)
    except PASS_THROUGH:
        raise
    except BaseException:  # a Rust panic derives from BaseException, not Exception
        return None
