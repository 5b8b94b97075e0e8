"""Apple Health reader: the ``export.xml`` of an Apple Health export → ParsedFile.

An export (``export.zip``, or the bare XML) holds one main document whose name depends on
the phone's language (``export.xml``, ``exportar.xml``, ``导出.xml``, ...), so it is found
by content: root element ``<HealthData>``. Its ``export_cda.xml`` sibling (root
``<ClinicalDocument>`` with Apple's ``Health Export CDA`` id) restates the same vital signs
as an HL7 clinical document; it is claimed here only to be skipped with that reason.
``workout-routes/*.gpx`` members are GPX files and are left to detection.

Streaming
    :func:`parse_stream` reads any binary file-like object with constant memory: a
    multi-year export is several GB. lxml's ``iterparse`` delivers only the top-level
    elements we look at (``tag`` filter, so ``MetadataEntry``, ``Location``, ... never reach
    Python) and each element is cleared, with its already-seen siblings, as soon as it is
    read. ``huge_tree`` stays off: Apple's attribute values are short, and no element
    nests deeper than five levels. :func:`parse` is the same on bytes.

XML safety
    Real exports carry an internal DTD (``<!DOCTYPE HealthData [ <!ELEMENT ...>
    <!ATTLIST ...> ]>``), and iOS 16 wrote it malformed (an ``ATTLIST`` never closed, a
    stray ``>``), which stops every validating or DTD-reading parser. The prolog is
    therefore scanned here, before lxml sees anything: element, attribute-list and
    notation declarations are accepted (a malformed DTD only adds a warning), an
    ``<!ENTITY`` declaration rejects the file (XML bomb / XXE), and the whole DOCTYPE is
    replaced by as many newlines as it spanned (error line numbers stay true) so the
    parser never reads a DTD at all. lxml then runs with ``resolve_entities=False,
    no_network=True, load_dtd=False``; any entity reference left in the body is
    undeclared and rejects the file. (libxml2 2.14 would also stop a billion-laughs
    document on its own - "Maximum entity amplification factor exceeded" - but we do not
    rely on that.) Control characters that XML forbids (vertical tab ``\\x0b`` appears in
    some exports' free-text metadata) are replaced by spaces, with a warning.

Workouts → :class:`SessionRecord`
    ``workoutActivityType`` maps to FIT codes: Walking 11/0 (11/27 when the metadata says
    ``HKIndoorWorkout`` = 1), Hiking 17/0, Running 1/0, Cycling 2/0, Swimming 5/0,
    Traditional/FunctionalStrengthTraining and CoreTraining 10/20, Pilates 10/44, Yoga
    10/43, Flexibility 10/19, DanceInspiredTraining 10/44 (older iOS versions filed
    Pilates there; the file gets a warning saying so); every other type (TaiChi,
    MindAndBody, ...) has no code. ``sport_name`` is always the raw type.
    ``moving_s`` is ``duration`` × ``durationUnit`` (Apple's duration already leaves out
    pauses), capped at the elapsed time; ``elapsed_s`` is ``endDate − startDate``.
    Distance is ``totalDistance`` (km, m, mi, yd, ft) or, in iOS 16+ exports, the
    ``WorkoutStatistics`` of a ``Distance*`` type; steps come from a ``WorkoutStatistics``
    of type StepCount (or a ``steps`` metadata entry some apps write).

StepCount records → :class:`StepColumns`
    ``Record type="HKQuantityTypeIdentifierStepCount"`` gives one interval of ``steps =
    round(value)`` over ``(startDate, endDate]``, handed over as columns
    (``ParsedFile.step_columns``: Arrow record batches of 65,536 intervals, the device
    dictionary-encoded), never as one object per interval. Every other record type (energy, sleep,
    ... - most of an export) is dropped after one attribute comparison, except heart rate.

HeartRate records → :class:`WearColumns` (wear time)
    ``Record type="HKQuantityTypeIdentifierHeartRate"`` with a positive value marks the
    minute of its ``startDate`` as worn, per source device; readings at most 5 minutes
    apart are joined (:func:`ingest.wear.presence_spans`, docs/rules.md "Wear time"). Only
    the minute numbers are kept while streaming (8 bytes a reading), the spans are built
    from them at the end and handed over as columns (``ParsedFile.wear_spans`` is then a
    :class:`WearColumns`: Arrow record batches, the device dictionary-encoded, a sequence
    of :class:`WearSpan` to whoever reads it one at a time). Records
    nested in a ``<Correlation>`` are ignored: Apple repeats them at the top level.

    Several sources record the same minutes: the iPhone, the Apple Watch, apps such as
    Pedometer++ (reading the phone's own sensor) or Garmin Connect (copying a Garmin
    watch's steps). Each source keeps its own :class:`Device` - ``manufacturer`` from the
    ``device`` attribute, ``product`` = ``sourceName`` plus the device's model and
    hardware ("Alexandre's Apple Watch (Watch, Watch6,7)"; just the ``sourceName`` when
    there is no ``device`` attribute), ``serial`` None - and the pipeline takes, per
    minute, the source with the most steps (never their sum; see docs/rules.md). The
    software version is left out, so a watchOS update does not split a device.

Time zones
    Every date carries an offset ("2019-06-11 15:00:00 +0200"); instants are exact.
    ``utc_offset_s`` is that offset - except when the element's metadata names its zone
    (``HKTimeZone`` = "Europe/Berlin", written by the Watch for workouts and by some
    apps), which then gives the offset at the start instant. Caveat: Apple writes every
    date in the zone of the phone *at export time* (a trip abroad is shown in the home
    zone, and older exports apply the export-day offset to all dates), so an offset
    without ``HKTimeZone`` is the exporting phone's, not necessarily the wearer's.

Output size: one interval per StepCount record (≈ 0.5 M per GB of export), about 40 bytes
each as columns (two timestamps, the steps, a device code, offset, flags): a 1 GiB export's
intervals take ≈ 20 MB (docs/benchmarks-apple-health.md).
"""

from __future__ import annotations

import hashlib
import io
import re
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import BinaryIO, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from lxml import etree

from ingest.records import (
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    StepColumnsBuilder,
    UnusableFile,
    WearColumns,
    WearColumnsBuilder,
)
from ingest.values import finite_float
from ingest.wear import minute_of, presence_arrays

__all__ = ["FORMAT", "parse", "parse_stream", "sniff"]

FORMAT: Final = "apple_health"

STEP_COUNT: Final = "HKQuantityTypeIdentifierStepCount"
HEART_RATE: Final = "HKQuantityTypeIdentifierHeartRate"
NOTHING_USABLE: Final = "Apple Health export holds no workouts, step counts or heart rate"
CDA_SKIPPED: Final = (
    "Apple Health clinical document (export_cda.xml): it restates the export's vital signs "
    "as HL7 CDA and holds no workouts or steps; the export's main XML is read instead"
)
ENTITY_REJECTED: Final = (
    "XML entity declarations are not allowed (<!ENTITY ...> in the DTD: a possible XML bomb "
    "or external-entity attack); Apple Health exports never declare entities"
)
DANCE_AS_PILATES: Final = (
    "DanceInspiredTraining counted as Pilates (older iOS versions filed Pilates there)"
)
MALFORMED_DTD: Final = (
    "the export's DTD is malformed (a known iOS 16 export bug); it was ignored, the data were read"
)

PROLOG_LIMIT: Final = 1024 * 1024
"""Bytes allowed before the root element (Apple's DTD is about 10 kB)."""

_CHUNK: Final = 1024 * 1024

SPORTS: Final[dict[str, tuple[int | None, int | None]]] = {
    "HKWorkoutActivityTypeWalking": (11, 0),
    "HKWorkoutActivityTypeHiking": (17, 0),
    "HKWorkoutActivityTypeRunning": (1, 0),
    "HKWorkoutActivityTypeCycling": (2, 0),
    "HKWorkoutActivityTypeSwimming": (5, 0),
    "HKWorkoutActivityTypeTraditionalStrengthTraining": (10, 20),
    "HKWorkoutActivityTypeFunctionalStrengthTraining": (10, 20),
    "HKWorkoutActivityTypeCoreTraining": (10, 20),
    "HKWorkoutActivityTypePilates": (10, 44),
    "HKWorkoutActivityTypeDanceInspiredTraining": (10, 44),
    "HKWorkoutActivityTypeYoga": (10, 43),
    "HKWorkoutActivityTypeFlexibility": (10, 19),
}
"""``workoutActivityType`` → FIT (sport, sub_sport); types not listed have no code."""

_DANCE: Final = "HKWorkoutActivityTypeDanceInspiredTraining"
_WALKING: Final = "HKWorkoutActivityTypeWalking"
_INDOOR_WALKING: Final = (11, 27)

DURATION_UNITS_S: Final[dict[str, float]] = {
    "s": 1.0,
    "sec": 1.0,
    "ms": 0.001,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
}
DISTANCE_UNITS_M: Final[dict[str, float]] = {
    "m": 1.0,
    "km": 1000.0,
    "cm": 0.01,
    "mi": 1609.344,
    "yd": 0.9144,
    "ft": 0.3048,
}
_STEP_METADATA_KEYS: Final = frozenset({"steps", "stepcount", "step count", "total steps"})

# Top-level elements: the ones we read, and the others, delivered only to be cleared.
_TAGS: Final = (
    "Record",
    "Workout",
    "Correlation",
    "ActivitySummary",
    "ExportDate",
    "Me",
    "ClinicalRecord",
    "Audiogram",
    "VisionPrescription",
)
# Characters XML 1.0 forbids (all C0 controls but tab, newline, carriage return).
_FORBIDDEN_CONTROLS: Final = bytes(c for c in range(32) if c not in (9, 10, 13))
_CONTROLS_TO_SPACE: Final = bytes.maketrans(_FORBIDDEN_CONTROLS, b" " * len(_FORBIDDEN_CONTROLS))


# --------------------------------------------------------------------------- sniffing

_BOM: Final = b"\xef\xbb\xbf"
_NAME: Final = re.compile(rb"[A-Za-z_:][-A-Za-z0-9._:]*")
_SPACE: Final = re.compile(rb"[ \t\r\n]*")


def sniff(head: bytes) -> bool:
    """An Apple Health export: root ``<HealthData>`` (or a DOCTYPE naming it), or Apple's
    CDA document. Looks past a BOM, the XML declaration, comments and PIs."""
    try:
        root, at = _first_markup(head)
    except Exception:
        return False
    if root == "HealthData":
        return True
    return root == "ClinicalDocument" and b"Health Export CDA" in head[at:]


def _first_markup(head: bytes) -> tuple[str | None, int]:
    """The DOCTYPE's name or the root element's, whichever comes first, and its position."""
    pos = len(_BOM) if head.startswith(_BOM) else 0
    while True:
        pos = _SPACE.match(head, pos).end()  # type: ignore[union-attr]
        if head.startswith(b"<?", pos):
            end, marker = head.find(b"?>", pos + 2), b"?>"
        elif head.startswith(b"<!--", pos):
            end, marker = head.find(b"-->", pos + 4), b"-->"
        elif head.startswith(b"<!DOCTYPE", pos):
            spaced = _SPACE.match(head, pos + 9).end()  # type: ignore[union-attr]
            name = _NAME.match(head, spaced)
            return (name.group().decode("ascii") if name else None), pos
        elif head.startswith(b"<", pos):
            name = _NAME.match(head, pos + 1)
            return (name.group().decode("ascii") if name else None), pos
        else:
            return None, pos
        if end < 0:
            return None, pos
        pos = end + len(marker)


# ----------------------------------------------------------------------- the prolog


class _NeedMore(Exception):
    """The prolog continues beyond the bytes read so far."""


@dataclass(slots=True)
class _Prolog:
    root: str
    doctype: tuple[int, int] | None  # byte span of the DOCTYPE declaration
    malformed_dtd: bool


_DECL_STOP: Final = re.compile(rb"[\"'<>]")
_DOCTYPE_STOP: Final = re.compile(rb"[\"'>\[]")  # what ends the DOCTYPE's name and ids
_SUBSET_STOP: Final = re.compile(rb"[\]%\s]|<[!?]")  # what may begin the next subset item
_SUBSET_ITEMS_LIMIT: Final = 10_000
"""Declarations, comments and references allowed in the DOCTYPE (Apple's: a few dozen)."""


def _scan_prolog(data: bytes) -> _Prolog:
    """Find the root element and the DOCTYPE in ``data`` (the document's first bytes).

    Raises :class:`_NeedMore` when ``data`` ends inside the prolog, RejectedFile for an
    entity declaration or for something that is not XML."""
    pos = len(_BOM) if data.startswith(_BOM) else 0
    doctype: tuple[int, int] | None = None
    malformed = False
    while True:
        pos = _SPACE.match(data, pos).end()  # type: ignore[union-attr]
        if len(data) - pos < 10:
            raise _NeedMore
        if data.startswith(b"<?", pos):
            pos = _after(data, b"?>", pos + 2)
        elif data.startswith(b"<!--", pos):
            pos = _after(data, b"-->", pos + 4)
        elif data.startswith(b"<!DOCTYPE", pos) and doctype is None:
            end, malformed = _scan_doctype(data, pos + 9)
            doctype = (pos, end)
            pos = end
        elif data.startswith(b"<", pos) and (name := _NAME.match(data, pos + 1)):
            if name.end() == len(data):
                raise _NeedMore
            return _Prolog(name.group().decode("ascii", "replace"), doctype, malformed)
        else:
            raise RejectedFile(
                f"not an Apple Health export: no XML root element (byte {pos} is "
                f"{data[pos : pos + 20]!r})"
            )


def _after(data: bytes, marker: bytes, start: int) -> int:
    end = data.find(marker, start)
    if end < 0:
        raise _NeedMore
    return end + len(marker)


def _scan_doctype(data: bytes, pos: int) -> tuple[int, bool]:
    """End of the DOCTYPE starting before ``pos``, and whether its subset was malformed."""
    malformed = False
    while True:  # name and external id, up to "[" or ">"
        if pos >= len(data):
            raise _NeedMore
        char = data[pos : pos + 1]
        if char == b">":
            return pos + 1, malformed
        if char == b"[":
            return _scan_subset(data, pos + 1)
        if char in (b'"', b"'"):
            pos = _after(data, char, pos + 1)
        else:
            stop = _DOCTYPE_STOP.search(data, pos + 1)
            if stop is None:
                raise _NeedMore
            pos = stop.start()


def _next_in_subset(data: bytes, pos: int) -> int:
    """Where something other than stray characters may begin, at or after ``pos``:
    found by one search, not byte by byte (the prolog is scanned again as the file is
    read in, and a megabyte of junk must not cost a Python step per byte each time)."""
    stop = _SUBSET_STOP.search(data, pos)
    if stop is None:
        raise _NeedMore
    return stop.start()


def _scan_subset(data: bytes, pos: int) -> tuple[int, bool]:
    """Walk the internal subset's declarations; tolerate Apple's unclosed ones."""
    malformed = False
    for _ in range(_SUBSET_ITEMS_LIMIT):
        pos = _SPACE.match(data, pos).end()  # type: ignore[union-attr]
        if len(data) - pos < 10:
            raise _NeedMore
        if data.startswith(b"]", pos):
            pos = _SPACE.match(data, pos + 1).end()  # type: ignore[union-attr]
            if data.startswith(b">", pos):
                return pos + 1, malformed
            return _after(data, b">", pos), True
        if data.startswith(b"<!--", pos):
            pos = _after(data, b"-->", pos + 4)
        elif data.startswith(b"<?", pos):
            pos = _after(data, b"?>", pos + 2)
        elif data.startswith(b"<!ENTITY", pos):
            raise RejectedFile(ENTITY_REJECTED)
        elif data.startswith(b"<!", pos):
            pos, closed = _scan_declaration(data, pos + 2)
            malformed = malformed or not closed
        elif data.startswith(b"%", pos):  # a parameter-entity reference (none can be declared)
            pos = _after(data, b";", pos + 1)
        else:  # stray characters, e.g. the ">" after Apple's unclosed ATTLIST
            malformed = True
            pos = _next_in_subset(data, pos + 1)
    raise RejectedFile(
        f"not an Apple Health export: its DOCTYPE holds more than {_SUBSET_ITEMS_LIMIT} "
        "declarations (Apple's holds a few dozen)"
    )


def _scan_declaration(data: bytes, pos: int) -> tuple[int, bool]:
    """Skip one markup declaration: its end, and whether it was closed by its own ">"."""
    while True:
        stop = _DECL_STOP.search(data, pos)
        if stop is None:
            raise _NeedMore
        char = stop.group()
        if char == b">":
            return stop.end(), True
        if char == b"<":  # the next declaration began: this one was never closed
            return stop.start(), False
        pos = _after(data, char, stop.end())


class _Feed:
    """The document as lxml reads it: the prolog with its DOCTYPE blanked, then the rest
    of the stream, with forbidden control characters replaced by spaces."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest
        self.replaced = 0

    def read(self, size: int = -1) -> bytes:
        size = size if size and size > 0 else _CHUNK
        if self._head:
            chunk, self._head = self._head[:size], self._head[size:]
        else:
            chunk = self._rest.read(size)
        cleaned = chunk.translate(_CONTROLS_TO_SPACE)
        if cleaned != chunk:
            self.replaced += sum(chunk.count(bytes([c])) for c in _FORBIDDEN_CONTROLS)
        return cleaned


def _open_document(stream: BinaryIO) -> tuple[_Prolog, _Feed]:
    head = b""
    while True:
        # the prolog is scanned anew after each read: read as much again as held, so a
        # long prolog costs a few scans of its length, not one per 64 kB
        chunk = stream.read(max(64 * 1024, len(head)))
        head += chunk
        try:
            prolog = _scan_prolog(head)
        except _NeedMore:
            if not chunk:
                if not head:
                    raise RejectedFile("empty file (0 bytes)") from None
                if not head.strip():
                    raise RejectedFile("not an Apple Health export: only whitespace") from None
                raise RejectedFile(
                    "not an Apple Health export: the file ends before its root element"
                ) from None
            if len(head) > PROLOG_LIMIT:
                raise RejectedFile(
                    f"not an Apple Health export: no root element in the first {PROLOG_LIMIT} "
                    "bytes (Apple's DTD is about 10 kB)"
                ) from None
            continue
        if prolog.doctype is not None:
            start, end = prolog.doctype
            blank = b"\n" * head.count(b"\n", start, end)
            head = head[:start] + blank + head[end:]
        return prolog, _Feed(head, stream)


# ----------------------------------------------------------------------------- values


_OFFSETS: dict[str, tuple[timedelta, int]] = {}
_ISO: Final = re.compile(r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?) ?(Z|[+-]\d\d:?\d\d)?$")


def _offset(text: str) -> tuple[timedelta, int] | None:
    """ "+0200" → (timedelta, seconds), shared between records; None when not an offset."""
    known = _OFFSETS.get(text)
    if known is not None:
        return known
    if text == "Z":
        seconds = 0
    elif text[:1] not in ("+", "-"):
        return None
    else:
        digits = text[1:].replace(":", "")
        if len(digits) != 4 or not (digits.isascii() and digits.isdigit()):  # not "²³⁴⁵"
            return None
        seconds = (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * (-1 if text[0] == "-" else 1)
        if abs(seconds) > 18 * 3600:
            return None
    value = (timedelta(seconds=seconds), seconds)
    if len(_OFFSETS) < 256:
        _OFFSETS[text] = value
    return value


@dataclass(frozen=True, slots=True)
class _Instant:
    utc: datetime  # aware UTC (or the wall time tagged UTC when floating)
    offset_s: int | None
    floating: bool = False


_UNSEEN: Final = _Instant(datetime.min.replace(tzinfo=UTC), None)


def _instant(text: str | None) -> _Instant | None:
    """ "2019-06-11 15:00:00 +0200" → the UTC instant and the stated offset."""
    if not text:
        return None
    try:
        if len(text) == 25 and text[19] == " ":  # Apple's one format: the fast path
            off = _offset(text[20:])
            if off is not None:
                wall = datetime.fromisoformat(text[:19])
                return _Instant((wall - off[0]).replace(tzinfo=UTC), off[1])
        match = _ISO.match(text.strip())
        if match is None:
            return None
        wall = datetime.fromisoformat(f"{match[1]}T{match[2]}")
        if match[3] is None:
            return _Instant(wall.replace(tzinfo=UTC), None, floating=True)
        off = _offset(match[3])
        if off is None:
            return None
        return _Instant((wall - off[0]).replace(tzinfo=UTC), off[1])
    except (ValueError, OverflowError):
        return None


def _zone_offset(zone: str | None, instant: datetime) -> int | None:
    """The offset of the IANA zone ``zone`` at ``instant``, or None if the zone is unknown."""
    if not zone:
        return None
    try:
        offset = instant.astimezone(ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return None if offset is None else int(offset.total_seconds())


_DEVICE_FIELD: Final = re.compile(r"(?:^|, )([A-Za-z]+):")


def device_of(source: str | None, device: str | None) -> Device:
    """The :class:`Device` of a ``sourceName`` and an ``HKDevice`` description.

    Source names are often personal ("Anna's Apple Watch"): they never enter a record.
    The product is the model as the device describes itself; the serial is a short hash
    of the source name, which keeps two sources (two apps on one iPhone, a phone and a
    watch) apart without naming anyone.

    >>> device_of("Anna's Apple Watch", "<<HKDevice: 0x28>, name:Apple Watch, "
    ...     "manufacturer:Apple Inc., model:Watch, hardware:Watch4,2, software:5.2>")
    Device(manufacturer='Apple Inc.', product='Watch (Watch4,2)', serial='src-8aad3bac')
    """
    fields = _device_fields(device) if device else {}
    model = fields.get("model") or fields.get("name")
    hardware = fields.get("hardware")
    product = f"{model} ({hardware})" if model and hardware else (model or hardware or None)
    source = (source or "").strip()
    serial = "src-" + hashlib.sha256(source.encode()).hexdigest()[:8] if source else None
    return Device(manufacturer=fields.get("manufacturer") or None, product=product, serial=serial)


def _device_fields(device: str) -> dict[str, str]:
    """``<<HKDevice: 0x..>, name:Apple Watch, manufacturer:Apple Inc., ...>`` → fields."""
    body = device.strip()
    if body.startswith("<<"):
        end = body.find(">, ")
        body = body[end + 3 :] if end >= 0 else ""
    if body.endswith(">"):
        body = body[:-1]
    marks = list(_DEVICE_FIELD.finditer(body))
    if not marks:  # a device attribute without "name:" / "model:" / ... fields
        return {}
    return {
        mark.group(1): body[mark.end() : following.start() if following else len(body)].strip()
        for mark, following in zip(marks, [*marks[1:], None], strict=True)
    }


# ---------------------------------------------------------------------------- reading


@dataclass(slots=True)
class _Reader:
    sessions: list[SessionRecord] = field(default_factory=list)
    steps: StepColumnsBuilder = field(default_factory=StepColumnsBuilder)
    warnings: list[str] = field(default_factory=list)
    devices: dict[tuple[str | None, str | None], Device] = field(default_factory=dict)
    instants: dict[str, _Instant | None] = field(default_factory=dict)
    # per (device, offset, floating): the UTC minutes of heart-rate readings
    heart: dict[tuple[Device, int | None, bool], array[int]] = field(default_factory=dict)
    bad_steps: int = 0
    bad_workouts: int = 0

    def instant(self, text: str | None) -> _Instant | None:
        """:func:`_instant`, remembering recent dates: one record's end is often the next
        record's start, which then shares the same datetime object."""
        if text is None:
            return None
        known = self.instants.get(text, _UNSEEN)
        if known is _UNSEEN:
            if len(self.instants) >= 4096:
                self.instants.clear()
            known = self.instants[text] = _instant(text)
        return known

    def device(self, elem: etree._Element) -> Device:
        source, raw = elem.get("sourceName"), elem.get("device")
        body = raw
        if raw and raw.startswith("<<"):  # drop the object address: it differs per record
            end = raw.find(">, ")
            body = raw[end + 3 :] if end >= 0 else raw
        key = (source, body)
        known = self.devices.get(key)
        if known is None:
            known = self.devices[key] = device_of(source, raw)
        return known

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def step_record(self, elem: etree._Element) -> None:
        start = self.instant(elem.get("startDate"))
        end = self.instant(elem.get("endDate"))
        value = finite_float(elem.get("value"))
        if start is None or end is None or value is None or value < 0 or end.utc < start.utc:
            self.bad_steps += 1
            return
        offset = start.offset_s
        if len(elem) and not start.floating:  # metadata: rarely on steps; it may name a zone
            zone_offset = _zone_offset(_metadata(elem).get("HKTimeZone"), start.utc)
            offset = offset if zone_offset is None else zone_offset
        self.steps.add(start.utc, end.utc, round(value), self.device(elem), offset, start.floating)

    def heart_rate(self, elem: etree._Element) -> None:
        start = self.instant(elem.get("startDate"))
        value = finite_float(elem.get("value"))
        if start is None or value is None or value <= 0:
            return  # an unreadable reading says nothing about wear; it is not counted
        key = (self.device(elem), start.offset_s, start.floating)
        minutes = self.heart.get(key)
        if minutes is None:
            minutes = self.heart[key] = array("q")
        minutes.append(minute_of(start.utc))

    def wear_spans(self) -> WearColumns:
        """The heart-rate wear spans, per source and offset in the order first read, as
        columns: made from the minutes' arrays, never one object a span."""
        builder = WearColumnsBuilder()
        for (device, offset, floating), minutes in self.heart.items():
            first, end = presence_arrays(np.frombuffer(minutes, dtype="int64"))
            builder.add_minutes(first, end, device, offset, floating)
        self.heart.clear()
        return builder.build()

    def workout(self, elem: etree._Element) -> None:
        start = self.instant(elem.get("startDate"))
        end = self.instant(elem.get("endDate"))
        if start is None or end is None or end.utc < start.utc:
            self.bad_workouts += 1
            return
        kind = elem.get("workoutActivityType") or None
        metadata = _metadata(elem)
        elapsed_s = (end.utc - start.utc).total_seconds()
        moving_s = elapsed_s
        duration = finite_float(elem.get("duration"))
        if duration is not None:
            unit = elem.get("durationUnit") or "min"
            factor = DURATION_UNITS_S.get(unit)
            if factor is None:
                self.warn(f"unknown workout durationUnit {unit!r}: the elapsed time was used")
            else:
                moving_s = min(max(duration * factor, 0.0), elapsed_s)
        distance_m = self.distance(elem.get("totalDistance"), elem.get("totalDistanceUnit"))
        steps: int | None = None
        for child in elem.iterchildren("WorkoutStatistics"):
            stat = child.get("type") or ""
            if stat == STEP_COUNT:
                total = finite_float(child.get("sum"))
                steps = None if total is None or total < 0 else round(total)
            elif distance_m is None and stat.startswith("HKQuantityTypeIdentifierDistance"):
                distance_m = self.distance(child.get("sum"), child.get("unit"))
        if steps is None:
            for key, text in metadata.items():
                if key.lower() in _STEP_METADATA_KEYS and (count := finite_float(text)) is not None:
                    steps = round(count) if count >= 0 else None
                    break
        sport, sub_sport = SPORTS.get(kind or "", (None, None))
        if kind == _WALKING and metadata.get("HKIndoorWorkout") == "1":
            sport, sub_sport = _INDOOR_WALKING
        if kind == _DANCE:
            self.warn(DANCE_AS_PILATES)
        offset = None if start.floating else _zone_offset(metadata.get("HKTimeZone"), start.utc)
        self.sessions.append(
            SessionRecord(
                source_format=FORMAT,
                index=len(self.sessions),
                start_utc=start.utc,
                elapsed_s=elapsed_s,
                moving_s=moving_s,
                sport=sport,
                sub_sport=sub_sport,
                sport_name=kind,
                distance_m=distance_m,
                steps=steps,
                device=self.device(elem),
                utc_offset_s=start.offset_s if offset is None else offset,
                floating=start.floating,
            )
        )

    def distance(self, value: str | None, unit: str | None) -> float | None:
        amount = finite_float(value)
        if amount is None or amount < 0:
            return None
        factor = DISTANCE_UNITS_M.get(unit or "km")
        if factor is None:
            self.warn(f"unknown workout distance unit {unit!r}: the distance was left out")
            return None
        return amount * factor

    def result(self, replaced: int, malformed_dtd: bool) -> ParsedFile:
        warnings = list(self.warnings)
        if malformed_dtd:
            warnings.append(MALFORMED_DTD)
        if replaced:
            warnings.append(
                f"{replaced} control characters XML does not allow (e.g. vertical tab) were "
                "read as spaces"
            )
        if self.bad_steps:
            warnings.append(
                f"{self.bad_steps} StepCount records with unreadable dates or values were left out"
            )
        if self.bad_workouts:
            warnings.append(f"{self.bad_workouts} workouts with unreadable dates were left out")
        spans = self.wear_spans()
        if not self.sessions and not len(self.steps) and not len(spans):
            raise SkippedFile(NOTHING_USABLE)
        return ParsedFile(
            format=FORMAT,
            kind="export",
            sessions=tuple(self.sessions),
            step_columns=self.steps.build() if len(self.steps) else None,
            warnings=tuple(warnings),
            wear_spans=spans if len(spans) else (),
        )


def _metadata(elem: etree._Element) -> dict[str, str]:
    return {
        key: child.get("value") or ""
        for child in elem.iterchildren("MetadataEntry")
        if (key := child.get("key"))
    }


def parse(data: bytes) -> ParsedFile:
    """Read an Apple Health ``export.xml`` held in memory (see :func:`parse_stream`)."""
    return parse_stream(io.BytesIO(data))


def parse_stream(stream: BinaryIO) -> ParsedFile:
    """Read an Apple Health ``export.xml`` from a binary stream with constant memory.

    Raises SkippedFile (no workouts or step counts; Apple's CDA document) or RejectedFile
    (not an export, entity declarations, malformed XML); never anything else for bad
    input. An error raised by the stream itself (a zip member's limits) passes through.
    """
    try:
        return _parse(stream)
    except UnusableFile:
        raise
    except etree.XMLSyntaxError as error:
        raise RejectedFile(f"malformed Apple Health export ({_xml_error(error)})") from None
    except (etree.LxmlError, UnicodeError, ValueError) as error:
        raise RejectedFile(
            f"unreadable Apple Health export ({type(error).__name__}: {error})"
        ) from None


def _xml_error(error: etree.XMLSyntaxError) -> str:
    """libxml2's own message and position (iterparse's exception text is often generic)."""
    last = error.error_log.last_error if error.error_log else None
    if last is not None and last.message:
        return f"XML error at line {last.line}, column {last.column}: {last.message.strip()}"
    return f"XML error: {error}"


def _parse(stream: BinaryIO) -> ParsedFile:
    prolog, feed = _open_document(stream)
    if prolog.root == "ClinicalDocument":
        raise SkippedFile(CDA_SKIPPED)
    if prolog.root != "HealthData":
        raise RejectedFile(
            f"not an Apple Health export: the root element is <{prolog.root}>, not <HealthData>"
        )
    reader = _Reader()
    etree.clear_error_log()  # the log is per thread: keep earlier documents' errors out
    context = etree.iterparse(
        feed,
        events=("end",),
        tag=_TAGS,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=True,
        collect_ids=False,
        chunk_size=_CHUNK,
    )
    root: etree._Element | None = None
    for _, elem in context:
        if root is None:
            root = elem.getroottree().getroot()
        parent = elem.getparent()
        if parent is root:  # nested Records (in a Correlation) repeat top-level ones
            tag = elem.tag
            if tag == "Record":
                kind = elem.get("type")
                if kind == STEP_COUNT:
                    reader.step_record(elem)
                elif kind == HEART_RATE:
                    reader.heart_rate(elem)
            elif tag == "Workout":
                reader.workout(elem)
        elem.clear()
        if parent is not None:
            while elem.getprevious() is not None:
                del parent[0]
    return reader.result(feed.replaced, prolog.malformed_dtd)
