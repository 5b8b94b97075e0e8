"""Uploads read from disk: large members are streamed (never held), within the limits, and
give what the in-memory path gives."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import pickle
import struct
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from demo.apple_export import MEMBER, summarize, write_apple_export
from ingest import read as read_module
from ingest.apple_health import parse
from ingest.containers import (
    ArchiveLimits,
    CompressionRatioTooHigh,
    CorruptArchive,
    FileOpener,
    Leaf,
    MemberTooLarge,
    UploadTooLarge,
    ZipMemberOpener,
    expand_path,
)
from ingest.read import MemberResult, read_leaf, read_upload, upload_leaves_from_path

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024
SMALL = ArchiveLimits(stream_threshold_bytes=64 * 1024)  # stream anything above 64 KiB


def outcome(result: MemberResult) -> tuple[object, ...]:
    error = None if result.error is None else (type(result.error), result.error.reason)
    return (result.path, result.format, result.size, result.sha256, result.parsed, error)


def from_path(name: str, path: Path, limits: ArchiveLimits = SMALL) -> list[MemberResult]:
    leaves = upload_leaves_from_path(name, path, limits=limits)
    assert not isinstance(leaves, MemberResult)
    return [read_leaf(leaf, inside) for leaf, inside in leaves]


def leaves_of(name: str, path: Path, limits: ArchiveLimits = SMALL) -> list[Leaf]:
    return [leaf for leaf, _ in upload_leaves_from_path(name, path, limits=limits)]  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def small_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 MB export (iOS 16 era: routes as GPX members, the malformed DTD)."""
    folder = tmp_path_factory.mktemp("apple")
    return write_apple_export(
        folder / "export.zip",
        megabytes=2,
        seed=4,
        zipped=True,
        ios16_dtd=True,
        first_day=date(2022, 10, 1),
    )


# ------------------------------------------------------------- equal to the bytes path


def test_streamed_zip_member_gives_what_the_bytes_path_gives(small_zip: Path) -> None:
    streamed = [leaf.path for leaf in leaves_of("export.zip", small_zip) if leaf.opener]

    results = from_path("export.zip", small_zip)

    assert streamed == [f"export.zip/{MEMBER}"]
    assert [outcome(r) for r in results] == [
        outcome(r) for r in read_upload("export.zip", small_zip.read_bytes())
    ]
    export = results[0]
    assert export.parsed is not None
    with zipfile.ZipFile(small_zip) as archive:
        xml = archive.read(MEMBER)
        names = archive.namelist()
    expected = summarize(xml)
    assert (len(export.parsed.sessions), len(export.parsed.step_records())) == (
        expected.workouts,
        expected.step_records,
    )
    assert sum(s.steps for s in export.parsed.step_records()) == expected.steps
    assert export.sha256 == hashlib.sha256(xml).hexdigest()
    gpx = [r for r in results if r.path.endswith(".gpx")]  # left to detection, not read here
    assert gpx and len(gpx) == sum(name.endswith(".gpx") for name in names)


def test_within_the_threshold_nothing_is_streamed(small_zip: Path) -> None:
    limits = ArchiveLimits()  # 32 MiB

    leaves = leaves_of("export.zip", small_zip, limits)

    assert all(leaf.opener is None and leaf.sha256 is None for leaf in leaves)
    assert [outcome(r) for r in from_path("export.zip", small_zip, limits)] == [
        outcome(r) for r in read_upload("export.zip", small_zip.read_bytes())
    ]


def test_bare_export_xml_is_streamed_from_the_file(tmp_path: Path) -> None:
    path = write_apple_export(tmp_path / "export.xml", megabytes=1, seed=5)
    data = path.read_bytes()

    (leaf,) = leaves_of("export.xml", path)
    (result,) = from_path("export.xml", path)

    assert leaf.data is None
    assert leaf.opener == FileOpener(str(path), len(data))
    assert outcome(result) == outcome(read_upload("export.xml", data)[0])
    assert result.parsed == parse(data)


def test_a_streamed_leaf_pickles_small_and_reads_the_same_elsewhere(small_zip: Path) -> None:
    leaf = next(leaf for leaf in leaves_of("export.zip", small_zip) if leaf.opener)

    copy = pickle.loads(pickle.dumps(leaf))

    assert len(pickle.dumps(leaf)) < 1000
    assert isinstance(copy.opener, ZipMemberOpener)
    assert outcome(read_leaf(copy, True)) == outcome(read_leaf(leaf, True))


def test_a_reader_without_parse_stream_gets_the_bytes(tmp_path: Path) -> None:
    fw = pytest.importorskip("demo.fitwriter")
    from datetime import UTC, datetime

    from ingest.fit import parse_fit

    walk = fw.activity_file(
        start_utc=datetime(2026, 1, 5, 9, 0, tzinfo=UTC), elapsed_s=1200, sport=11, steps=1500
    )
    path = tmp_path / "walk.fit"
    path.write_bytes(walk)
    limits = ArchiveLimits(stream_threshold_bytes=100)

    (leaf,) = leaves_of("walk.fit", path, limits)
    (result,) = from_path("walk.fit", path, limits)

    assert (leaf.format, leaf.data is None) == ("fit", True)
    assert result.parsed == parse_fit(walk)


def test_a_streamed_file_too_large_to_read_whole_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.fit"
    path.write_bytes(b"\x0e\x10" + b"\x00" * 6 + b".FIT" + b"\x00" * 5000)
    monkeypatch.setattr(read_module, "WHOLE_READ_LIMIT", 1000)

    (result,) = from_path("huge.fit", path, ArchiveLimits(stream_threshold_bytes=100))

    assert result.error is not None
    assert result.error.reason == (
        "file of 5012 bytes is too large for the fit reader, which reads whole files of at "
        "most 1000 bytes"
    )


def test_unrecognised_large_members_are_not_read_again(tmp_path: Path) -> None:
    path = tmp_path / "u.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("notes.txt", b"dear diary " * 20_000)

    (result,) = from_path("u.zip", path)

    assert result.error is not None
    assert result.error.reason.startswith("not a tracker file")
    assert result.sha256 == hashlib.sha256(b"dear diary " * 20_000).hexdigest()


# ------------------------------------------------------------------- memory bound


CHILD = """
import json, resource, sys
from pathlib import Path
from ingest.read import read_leaf, upload_leaves_from_path

leaves = upload_leaves_from_path("export.zip", Path(sys.argv[1]))
results = []
for leaf, inside in leaves:
    r = read_leaf(leaf, inside)
    parsed = r.parsed
    results.append({
        "path": r.path,
        "streamed": leaf.opener is not None,
        "sha256": r.sha256,
        "error": None if r.error is None else r.error.reason,
        "sessions": None if parsed is None else len(parsed.sessions),
        "intervals": None if parsed is None else len(parsed.step_records()),
        "steps": None if parsed is None else sum(s.steps for s in parsed.step_records()),
        "devices": None if parsed is None else len({s.device for s in parsed.step_records()}),
        "columns": None if parsed is None or parsed.step_columns is None
        else sum(b.nbytes for b in parsed.step_columns.batches),
    })
status = Path("/proc/self/status")
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if status.exists():
    line = next(l for l in status.read_text().splitlines() if l.startswith("VmHWM:"))
    peak_kb = int(line.split()[1])
print(json.dumps({"results": results, "peak_kb": peak_kb}))
"""


def test_a_100_mb_export_streams_in_bounded_memory(tmp_path: Path) -> None:
    path = write_apple_export(tmp_path / "export.zip", megabytes=100, zipped=True)
    with zipfile.ZipFile(path) as archive:
        size = archive.getinfo(MEMBER).file_size
        xml = archive.read(MEMBER)
    expected = summarize(xml)
    digest = hashlib.sha256(xml).hexdigest()
    del xml

    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(child.stdout)

    assert size > 100 * MiB
    export = report["results"][0]
    # the intervals come as Arrow columns: under 48 bytes each (a StepInterval object with
    # its datetimes was about 560)
    assert 0 < export.pop("columns") < 48 * expected.step_records
    assert export == {
        "path": f"export.zip/{MEMBER}",
        "streamed": True,
        "sha256": digest,
        "error": None,
        "sessions": expected.workouts,
        "intervals": expected.step_records,
        "steps": expected.steps,
        "devices": 3,  # iPhone, Apple Watch, Garmin Connect
    }
    # bounded: the peak barely grows from a 1 MB export to a 100 MB one (the libraries —
    # lxml, numpy, pyarrow — and the interpreter are the same in both, about 130–180 MB
    # depending on the machine; the export's own share is its Arrow columns, a few MB)
    small = write_apple_export(tmp_path / "small.zip", megabytes=1, zipped=True)
    baseline = json.loads(
        subprocess.run(
            [sys.executable, "-c", CHILD, str(small)],
            cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
        ).stdout
    )["peak_kb"]  # fmt: skip
    growth = report["peak_kb"] - baseline
    print(f"peak RSS {report['peak_kb']} kB, 1 MB export {baseline} kB, growth {growth} kB")
    assert growth < 48 * 1024, f"peak RSS {report['peak_kb']} kB vs {baseline} kB for 1 MB"
    assert report["peak_kb"] < 256 * 1024, f"peak RSS {report['peak_kb']} kB"


# ------------------------------------------------------------------------- limits


def test_a_zip_bomb_member_is_refused_before_streaming(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.xml", b"\x00" * (40 * MiB))

    (result,) = from_path("bomb.zip", path, ArchiveLimits())

    assert (result.sha256, result.size, result.parsed) == ("", 40 * MiB, None)
    assert isinstance(result.error, CompressionRatioTooHigh)
    assert result.error.reason.endswith("above the 100:1 limit): refused as a likely zip bomb")


def test_a_directory_that_understates_a_bomb_stops_at_the_size_it_states(
    tmp_path: Path,
) -> None:
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.xml", b"<HealthData>" + b" " * (64 * MiB))
    data = bytearray(path.read_bytes())
    compressed = struct.unpack_from("<I", data, data.index(b"PK\x01\x02") + 20)[0]
    claimed = 50 * compressed  # within the 100:1 ratio: the directory looks harmless
    for header, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        struct.pack_into("<I", data, data.index(header) + size_at, claimed)
    path.write_bytes(bytes(data))

    (leaf,) = list(expand_path("liar.zip", path, ArchiveLimits(stream_threshold_bytes=1024)))

    assert (leaf.size, leaf.opener) == (claimed, None)
    assert isinstance(leaf.error, CorruptArchive)
    assert leaf.error.reason.startswith("corrupt zip member: Bad CRC-32")


def test_streamed_bytes_of_an_upload_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.xml", b"a" * 300_000)
        archive.writestr("b.xml", b"b" * 300_000)
    limits = ArchiveLimits(stream_threshold_bytes=100_000, max_streamed_bytes=500_000)

    first, second = expand_path("two.zip", path, limits)

    assert (first.error, first.size, first.opener is not None) == (None, 300_000, True)
    assert isinstance(second.error, UploadTooLarge)
    assert second.error.reason == (
        "the upload's large files would decompress to more than 500000 bytes in all; this "
        "member was not read"
    )


def test_a_file_that_grew_on_disk_is_refused(tmp_path: Path) -> None:
    path = write_apple_export(tmp_path / "export.xml", megabytes=1)
    (leaf,) = leaves_of("export.xml", path)
    with path.open("ab") as grow:
        grow.write(b"<!-- appended -->\n" * 10)

    result = read_leaf(leaf, False)

    assert isinstance(result.error, MemberTooLarge)
    assert result.error.reason == (
        f"the file now holds more than the {leaf.size} bytes measured when the upload was "
        "opened; it changed on disk"
    )


def test_a_member_damaged_after_opening_is_a_corrupt_archive(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    xml = write_apple_export(tmp_path / "export.xml", megabytes=1).read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(MEMBER, xml)
    (leaf,) = leaves_of("export.zip", path)
    data = bytearray(path.read_bytes())
    at = data.index(b'value="', len(data) // 2) + len('value="')
    data[at] = ord("9") if data[at] != ord("9") else ord("8")  # still XML, wrong CRC
    path.write_bytes(bytes(data))

    result = read_leaf(leaf, True)

    assert isinstance(result.error, CorruptArchive)
    assert result.error.reason.startswith("corrupt zip member: Bad CRC-32")


def test_gzip_uploads_are_still_opened_in_memory(tmp_path: Path) -> None:
    xml = write_apple_export(tmp_path / "export.xml", megabytes=1).read_bytes()
    path = tmp_path / "export.xml.gz"
    path.write_bytes(gzip.compress(xml, mtime=0))

    assert [outcome(r) for r in from_path("export.xml.gz", path)] == [
        outcome(r) for r in read_upload("export.xml.gz", path.read_bytes())
    ]


def test_a_corrupt_large_zip_names_its_digest(tmp_path: Path) -> None:
    path = tmp_path / "cut.zip"
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("x.xml", b"x" * 200_000)
    path.write_bytes(data.getvalue()[:150_000])

    (result,) = from_path("cut.zip", path)

    assert (result.format, type(result.error)) == ("zip", CorruptArchive)
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert outcome(result) == outcome(read_upload("cut.zip", path.read_bytes())[0])


def test_a_file_gone_from_disk_is_named(tmp_path: Path) -> None:
    path = write_apple_export(tmp_path / "export.xml", megabytes=1)
    (leaf,) = leaves_of("export.xml", path)
    path.unlink()

    result = read_leaf(leaf, False)

    assert result.error is not None
    assert result.error.reason == (
        "could not be read: the stored file cannot be read again ([Errno 2] No such file or "
        f"directory: '{path}')"
    )
