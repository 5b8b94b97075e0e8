"""The position fields of FIT files, read straight from the bytes (tests/support/positions.py).

Independent of ``ingest/`` (the project's decoder, whose output it checks) and of
fitparse's decoding (too slow to run over the corpus in every test run: it renders every
field of every message). Only fitparse's *profile* is used, for the names: a position is
every field whose name ends in ``_lat`` next to a field of its message named ``…_long``
(``fitparse.profile.MESSAGE_TYPES``: record, lap and session start/end positions, bounding
boxes, course and segment points, gps_metadata, weather stations), so the set stays the one
fitparse names and :func:`positions.from_fit` finds what it found with fitparse.

The walk follows the FIT protocol (Garmin FIT SDK, "Flexible and Interoperable Data
Transfer Protocol"): a file header (its size in its first byte; data size at bytes 4-7,
little-endian; ``.FIT`` at 8-11), records up to the data size, a 2-byte CRC (not checked),
then any chained file the same way. A record header is either normal (bit 7 clear: bit 6
definition, bit 5 developer fields follow the definition, bits 0-3 local type 0-15) or a
compressed timestamp (bit 7 set: local type 0-3 in bits 5-6, no timestamp to read here).
A definition gives its architecture (0 little-endian, anything else big-endian, as
fitparse reads it), global message number, fields (number, size, base type) and, with bit
5, developer fields (number, size, developer index) whose bytes are skipped. Local types
are forgotten at the start of each chained file.

A field counts as a value when its size is one value of an integer base type (a single
sint32 for every file seen); its invalid value (0x7FFFFFFF for sint32) means "no value",
and when a definition names the same field twice the last valid one counts - as fitparse
reports raw values. Arrays, floats, strings and bytes are not integers to fitparse either.

A broken file ends quietly at its first inconsistency, what was read before counting (as
fitparse stops at its first error): a truncated header, record or CRC; a data record whose
local type has no definition; a field size that is not a multiple of its base type's; a
data record of a definition with a field of size 0; anything after the data that is not
another FIT header.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache

# FIT base types (FIT SDK, "Base Type Definition"): integer ones with their struct format and
# invalid value; the others only by size. Unknown base types are read as bytes (size 1).
_INTEGER: dict[int, tuple[str, int]] = {
    0x00: ("B", 0xFF),  # enum
    0x01: ("b", 0x7F),  # sint8
    0x02: ("B", 0xFF),  # uint8
    0x83: ("h", 0x7FFF),  # sint16
    0x84: ("H", 0xFFFF),  # uint16
    0x85: ("i", 0x7FFFFFFF),  # sint32
    0x86: ("I", 0xFFFFFFFF),  # uint32
    0x0A: ("B", 0),  # uint8z
    0x8B: ("H", 0),  # uint16z
    0x8C: ("I", 0),  # uint32z
    0x8E: ("q", 0x7FFFFFFFFFFFFFFF),  # sint64
    0x8F: ("Q", 0xFFFFFFFFFFFFFFFF),  # uint64
    0x90: ("Q", 0),  # uint64z
}
_OTHER_SIZE = {0x07: 1, 0x88: 4, 0x89: 8, 0x0D: 1}  # string, float32, float64, byte


def _size(base_type: int) -> int:
    if base_type in _INTEGER:
        return struct.calcsize(_INTEGER[base_type][0])
    return _OTHER_SIZE.get(base_type, 1)


@cache
def position_fields() -> dict[int, tuple[tuple[int, int], ...]]:
    """Global message number → its (latitude, longitude) field numbers, from fitparse's
    profile: a field named ``<x>_lat`` with a field ``<x>_long`` in the same message."""
    from fitparse.profile import MESSAGE_TYPES

    out: dict[int, tuple[tuple[int, int], ...]] = {}
    for number, message in MESSAGE_TYPES.items():
        by_name = {field.name: field_number for field_number, field in message.fields.items()}
        pairs = tuple(
            (field_number, by_name[field.name[:-4] + "_long"])
            for field_number, field in message.fields.items()
            if field.name.endswith("_lat") and field.name[:-4] + "_long" in by_name
        )
        if pairs:
            out[number] = pairs
    return out


@dataclass(frozen=True)
class _Definition:
    size: int  # bytes of one data record (fields and developer fields)
    readable: bool  # False: a field of size 0 (fitparse cannot read its records)
    values: tuple[tuple[int, str, int, int], ...]  # (offset, struct format, invalid, field)
    pairs: tuple[tuple[int, int], ...]  # (latitude field, longitude field)


def _definition(big: bool, message: int, fields: bytes, dev_sizes: list[int]) -> _Definition | None:
    """``None`` when a field's size is not a whole number of its base type."""
    pairs = position_fields().get(message, ())
    wanted = {number for pair in pairs for number in pair}
    endian = ">" if big else "<"
    offset = 0
    values = []
    readable = all(dev_sizes)
    for at in range(0, len(fields), 3):
        number, size, base_type = fields[at], fields[at + 1], fields[at + 2]
        if size % _size(base_type):
            return None
        readable = readable and size > 0
        if number in wanted and base_type in _INTEGER and size == _size(base_type):
            fmt, invalid = _INTEGER[base_type]
            values.append((offset, endian + fmt, invalid, number))
        offset += size
    size = offset + sum(dev_sizes)
    return _Definition(size, readable, tuple(values) if pairs else (), pairs)


def positions(data: bytes) -> list[tuple[int, int]]:
    """The (latitude, longitude) pairs in semicircles, message by message, of every message of
    ``data`` (one FIT file or several chained) up to its first inconsistency."""
    found: list[tuple[int, int]] = []
    end = len(data)
    at = 0
    while at + 12 <= end and data[at + 8 : at + 12] == b".FIT":
        header_size = data[at]
        if header_size == 13:  # an extra header field must hold the 2-byte header CRC
            return found
        stop = at + max(12, header_size) + int.from_bytes(data[at + 4 : at + 8], "little")
        at += max(12, header_size)
        if at > end:
            return found
        local: dict[int, _Definition] = {}
        while at < stop:  # a record may run past the data size: it is read whole
            header = data[at]
            at += 1
            if header & 0xC0 == 0x40:  # a definition
                if at + 5 > end:
                    return found
                big = data[at + 1] != 0
                message = int.from_bytes(data[at + 2 : at + 4], "big" if big else "little")
                count = data[at + 4]
                fields = data[at + 5 : at + 5 + 3 * count]
                at += 5 + 3 * count
                dev_sizes: list[int] = []
                if header & 0x20:
                    if at >= end:
                        return found
                    dev_count = data[at]
                    dev_sizes = list(data[at + 2 : at + 1 + 3 * dev_count : 3])
                    at += 1 + 3 * dev_count
                if at > end:
                    return found
                definition = _definition(big, message, fields, dev_sizes)
                if definition is None:
                    return found
                local[header & 0x0F] = definition
                continue
            number = (header >> 5) & 0x03 if header & 0x80 else header & 0x0F
            known = local.get(number)
            if known is None or not known.readable or at + known.size > end:
                return found
            if known.values:
                raw: dict[int, int] = {}
                for offset, fmt, invalid, field in known.values:
                    value = struct.unpack_from(fmt, data, at + offset)[0]
                    if value != invalid:
                        raw[field] = value
                found += [(raw[a], raw[o]) for a, o in known.pairs if a in raw and o in raw]
            at += known.size
        at += 2  # the CRC
        if at > end:
            return found
    return found
