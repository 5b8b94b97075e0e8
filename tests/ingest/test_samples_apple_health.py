"""The Apple Health reader on the real-world corpus in ../shared/samples/apple_health (read in
place, never copied). Every file is parsed, skipped or rejected with a specific reason."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.apple_health import parse, sniff
from ingest.containers import ArchiveLimits
from ingest.detect import SNIFFERS
from ingest.read import MemberResult, read_leaf, read_upload, upload_leaves_from_path
from ingest.records import Device, ParsedFile, SessionRecord, SkippedFile, WearSpan
from tests.support.paths import SAMPLES

APPLE_DIR = SAMPLES / "apple_health"
if not APPLE_DIR.is_dir():
    pytest.skip("real-world corpus ../shared/samples not present", allow_module_level=True)

pytestmark = pytest.mark.samples

# dogsheep/healthkit-to-sqlite's test export (both layouts): one run from an Apple Watch,
# dated "-0700" by a summer export but tagged HKTimeZone America/Los_Angeles, so its
# offset is PST (-8 h) on 2016-11-14. duration 5.194 min > the 311 s span: capped.
WATCH2_MINUTE = WearSpan(
    start_utc=datetime(2018, 9, 10, 9, 28, tzinfo=UTC),
    end_utc=datetime(2018, 9, 10, 9, 29, tzinfo=UTC),
    device=Device(
        "Apple",
        "Watch (Watch2,4)",
        "src-" + hashlib.sha256("Apple\xa0Watch".encode()).hexdigest()[:8],  # no-break space
    ),
    utc_offset_s=-7 * 3600,
)
# alxdrcirilo/apple-health-parser: heart rate at 01:01:36 and 01:01:37 +0200 (one minute,
# 23:01 UTC the day before), energy, exercise/stand time and sleep: wear time only
HEART_RATE_ONLY = ParsedFile(
    format="apple_health",
    kind="export",
    wear_spans=(
        WearSpan(
            start_utc=datetime(2023, 12, 31, 23, 1, tzinfo=UTC),
            end_utc=datetime(2023, 12, 31, 23, 2, tzinfo=UTC),
            device=Device(
                "Apple Inc.",
                "Watch (Watch6,7)",
                "src-" + hashlib.sha256(b"Alexandre's Apple Watch").hexdigest()[:8],
            ),
            utc_offset_s=2 * 3600,
        ),
    ),
)

RUN = ParsedFile(
    format="apple_health",
    kind="export",
    sessions=(
        SessionRecord(
            source_format="apple_health",
            index=0,
            start_utc=datetime(2016, 11, 14, 14, 25, 41, tzinfo=UTC),
            elapsed_s=311.0,
            moving_s=311.0,
            sport=1,
            sub_sport=0,
            sport_name="HKWorkoutActivityTypeRunning",
            distance_m=0.4971749504535062 * 1609.344,
            device=Device(
                serial="src-" + hashlib.sha256("Apple\xa0Watch".encode()).hexdigest()[:8]
            ),
            utc_offset_s=-8 * 3600,
        ),
    ),
    # its one heart-rate reading, 2018-09-10 02:28:55 -0700 = 09:28:55 UTC: minute 09:28 worn
    wear_spans=(WATCH2_MINUTE,),
)

EXPECTED: dict[str, ParsedFile | SkippedFile] = {
    "healthkit-to-sqlite/export.xml": RUN,  # inline <Location> route
    "healthkit-to-sqlite/apple_health_export__export.xml": RUN,  # <FileReference> route
    "apple-health-parser/export.xml": HEART_RATE_ONLY,
}


def rel(path: Path) -> str:
    return str(path.relative_to(APPLE_DIR))


def outcome(result: MemberResult) -> tuple[object, ...]:
    error = None if result.error is None else (type(result.error), result.error.reason)
    return (result.path, result.format, result.size, result.sha256, result.parsed, error)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_every_sample_has_an_expected_outcome() -> None:
    assert sorted(rel(p) for p in APPLE_DIR.rglob("*.xml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_outcome(name: str) -> None:
    data = (APPLE_DIR / name).read_bytes()
    expected = EXPECTED[name]

    assert sniff(data[:4096])
    if isinstance(expected, ParsedFile):
        assert parse(data) == expected
    else:
        with pytest.raises(SkippedFile) as skipped:
            parse(data)
        assert skipped.value.reason == expected.reason


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_read_upload_agrees_with_the_reader(name: str) -> None:
    data = (APPLE_DIR / name).read_bytes()
    expected = EXPECTED[name]

    (member,) = read_upload(Path(name).name, data)

    assert member.format == "apple_health"
    if isinstance(expected, ParsedFile):
        assert (member.parsed, member.error) == (expected, None)
    else:
        assert member.error is not None
        assert (member.error.status, member.error.reason) == ("skipped", expected.reason)


def zip_expectation(path: Path) -> list[tuple[object, ...]]:
    known = ", ".join(name for name, _ in SNIFFERS)
    with zipfile.ZipFile(path) as archive:
        export = archive.read("apple_health_export/export.xml")
        ds_store = archive.read("apple_health_export/.DS_Store")
    return [
        (
            "export.zip/apple_health_export/.DS_Store",
            None,
            6148,
            sha(ds_store),
            None,
            (SkippedFile, f"not a tracker file (its content is none of: {known})"),
        ),
        (
            "export.zip/__MACOSX/apple_health_export/._.DS_Store",
            None,
            120,
            "",
            None,
            (SkippedFile, "macOS resource-fork metadata, not a tracker file"),
        ),
        (
            "export.zip/apple_health_export/export.xml",
            "apple_health",
            3790,
            sha(export),
            HEART_RATE_ONLY,
            None,
        ),
        (
            "export.zip/__MACOSX/apple_health_export/._export.xml",
            None,
            219,
            "",
            None,
            (SkippedFile, "macOS resource-fork metadata, not a tracker file"),
        ),
    ]


def test_real_style_export_zip() -> None:
    path = APPLE_DIR / "apple-health-parser" / "export.zip"

    results = read_upload("export.zip", path.read_bytes())

    assert [outcome(r) for r in results] == zip_expectation(path)


@pytest.mark.parametrize("threshold", [32 * 1024 * 1024, 1000], ids=["held", "streamed"])
def test_export_zip_read_from_disk_is_the_same(threshold: int) -> None:
    path = APPLE_DIR / "apple-health-parser" / "export.zip"
    limits = ArchiveLimits(stream_threshold_bytes=threshold)

    leaves = upload_leaves_from_path("export.zip", path, limits=limits)

    assert not isinstance(leaves, MemberResult)
    streamed = [leaf.path for leaf, _ in leaves if leaf.opener is not None]
    assert streamed == (
        []
        if threshold > 10_000
        else [
            "export.zip/apple_health_export/.DS_Store",
            "export.zip/apple_health_export/export.xml",
        ]
    )
    assert [outcome(read_leaf(leaf, inside)) for leaf, inside in leaves] == zip_expectation(path)
