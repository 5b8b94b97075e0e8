"""Opening uploads: zip archives, gzip, limits, and the public read_upload entry point."""

from __future__ import annotations

import gzip
import hashlib
import random
import struct
import zipfile

import pytest

from ingest import read as read_module
from ingest.containers import (
    ArchiveLimits,
    ArchiveTooDeep,
    CompressionRatioTooHigh,
    CorruptArchive,
    EncryptedMember,
    Leaf,
    MemberTooLarge,
    TooManyMembers,
    UnsupportedCompression,
    UploadTooLarge,
    expand,
)
from ingest.detect import SNIFFERS
from ingest.fit import parse_fit
from ingest.read import MemberResult, read_upload
from ingest.records import ReaderBug, RejectedFile, SkippedFile
from tests.support.archives import WALK, make_zip, nest, patch_zip

fw = pytest.importorskip("demo.fitwriter", reason="FIT writer not available")

ZEROS = b"\x00" * (3 * 1024 * 1024)
KNOWN = ", ".join(name for name, _ in SNIFFERS)  # the formats detection knows, in order


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def outcome(result: MemberResult) -> tuple[object, ...]:
    """A comparable summary: exceptions do not compare by value."""
    error = None if result.error is None else (type(result.error), result.error.reason)
    return (result.path, result.format, result.size, result.sha256, result.parsed, error)


# ------------------------------------------------------------------- read_upload


def test_plain_fit_upload_is_one_result() -> None:
    assert [outcome(r) for r in read_upload("walk.fit", WALK)] == [
        ("walk.fit", "fit", len(WALK), sha(WALK), parse_fit(WALK), None)
    ]


def test_gzipped_fit_upload_yields_the_decompressed_file() -> None:
    packed = gzip.compress(WALK, mtime=0)

    assert [outcome(r) for r in read_upload("walk.fit.gz", packed)] == [
        ("walk.fit.gz", "fit", len(WALK), sha(WALK), parse_fit(WALK), None)
    ]


def test_garmin_style_export_yields_every_member_in_archive_order() -> None:
    inner = make_zip({"UploadedFiles/walk.fit": WALK})
    export = make_zip(
        {
            "DI_CONNECT/": b"",
            "DI_CONNECT/DI-Connect-Fitness/walk.fit": WALK,
            "DI_CONNECT/DI-Connect-Uploaded-Files/walk.fit.gz": gzip.compress(WALK, mtime=0),
            "DI_CONNECT/DI-Connect-Uploaded-Files/Part1.zip": inner,
            "DI_CONNECT/DI-Connect-User/user_profile.json": b'{"gender": "MALE"}',
            "README.txt": b"Your Garmin data",
            "__MACOSX/DI_CONNECT/._walk.fit": b"\x00\x05\x16\x07",
        }
    )
    parsed = parse_fit(WALK)
    walk = ("fit", len(WALK), sha(WALK), parsed, None)
    not_tracker = (SkippedFile, f"not a tracker file (its content is none of: {KNOWN})")
    profile = b'{"gender": "MALE"}'
    di = "export.zip/DI_CONNECT"

    results = read_upload("export.zip", export)

    assert [outcome(r) for r in results] == [
        (f"{di}/DI-Connect-Fitness/walk.fit", *walk),
        (f"{di}/DI-Connect-Uploaded-Files/walk.fit.gz", *walk),
        (f"{di}/DI-Connect-Uploaded-Files/Part1.zip/UploadedFiles/walk.fit", *walk),
        (f"{di}/DI-Connect-User/user_profile.json", None, 18, sha(profile), None, not_tracker),
        ("export.zip/README.txt", None, 16, sha(b"Your Garmin data"), None, not_tracker),
        (
            "export.zip/__MACOSX/DI_CONNECT/._walk.fit",
            None,
            4,
            "",
            None,
            (SkippedFile, "macOS resource-fork metadata, not a tracker file"),
        ),
    ]
    assert all((r.parsed is None) != (r.error is None) for r in results)


def test_read_upload_is_deterministic() -> None:
    export = make_zip({"b.fit": WALK, "a.fit.gz": gzip.compress(WALK, mtime=0), "c.json": b"{}"})

    first = [outcome(r) for r in read_upload("export.zip", export)]
    second = [outcome(r) for r in read_upload("export.zip", export)]

    assert first == second
    assert [path for path, *_ in first] == [
        "export.zip/b.fit",
        "export.zip/a.fit.gz",
        "export.zip/c.json",
    ]


@pytest.mark.parametrize(
    ("name", "data", "inside", "expected"),
    [
        ("walk.fit", b"", False, (RejectedFile, "empty file (0 bytes)")),
        ("notes.txt", b"", True, (SkippedFile, "empty file, not a tracker file")),
        ("broken.fit", b"", True, (RejectedFile, "empty file (0 bytes)")),
        (
            "walk.fit",
            b"this is not a fit file at all",
            False,
            (RejectedFile, "not a FIT file: no '.FIT' signature at bytes 8..11"),
        ),
        (
            "photo.jpg",
            b"\xff\xd8\xff\xe0 JFIF",
            False,
            (RejectedFile, f"unrecognised file format: its content is none of: {KNOWN}"),
        ),
    ],
)
def test_unrecognised_content(
    name: str, data: bytes, inside: bool, expected: tuple[type, str]
) -> None:
    upload_name, upload = ("u.zip", make_zip({name: data})) if inside else (name, data)

    (result,) = read_upload(upload_name, upload)

    assert result.error is not None
    assert (type(result.error), result.error.reason) == expected
    assert result.format is None


@pytest.mark.parametrize(
    "name", ["../../etc/walk.fit", "/etc/walk.fit", "C:/x/walk.fit", "a\\..\\..\\walk.fit"]
)
def test_zip_slip_members_are_rejected_and_never_extracted(name: str) -> None:
    (result,) = read_upload(
        "x.zip",
        make_zip(
            {
                name: WALK,
            }
        ),
    )

    assert result.path == f"x.zip/{name}"
    assert result.parsed is None and result.error is not None
    assert result.error.status == "rejected" and "zip-slip" in result.error.reason


def test_names_inside_archives_are_only_display_paths() -> None:
    (result,) = read_upload("x.zip", make_zip({"Garmin Export (2)/walk 1.fit": WALK}))

    assert result.path == "x.zip/Garmin Export (2)/walk 1.fit"
    assert result.parsed == parse_fit(WALK)


def test_a_reader_bug_becomes_a_rejection_not_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: bytes) -> object:
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(read_module.READERS, "fit", broken)

    (result,) = read_upload("walk.fit", WALK)

    assert isinstance(result.error, ReaderBug)  # a RejectedFile: the pipeline's status stays
    assert result.error.status == "rejected"
    assert result.error.reason == (
        "could not be read: unexpected ZeroDivisionError in the fit reader (boom); "
        "please report this file"
    )


def test_random_bytes_never_raise() -> None:
    rng = random.Random(7)
    samples = [
        make_zip({"a.fit": WALK, "b.fit.gz": gzip.compress(WALK, mtime=0)}),
        gzip.compress(WALK, mtime=0),
    ]
    for _ in range(200):
        data = bytearray(rng.choice(samples))
        for _ in range(rng.randint(1, 10)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        results = read_upload("upload.zip", bytes(data))
        assert results
        for result in results:
            assert (result.parsed is None) != (result.error is None)
            if result.error is not None:
                assert "unexpected" not in result.error.reason


# ------------------------------------------------------------------------ limits


def errors(leaves: list[Leaf]) -> list[tuple[str, type | None]]:
    return [(leaf.path, None if leaf.error is None else type(leaf.error)) for leaf in leaves]


def test_nesting_within_the_depth_limit_is_opened() -> None:
    leaves = list(expand("up.zip", nest(3), ArchiveLimits(max_depth=3)))

    assert errors(leaves) == [("up.zip/level2.zip/level3.zip/walk.fit", None)]


def test_nesting_beyond_the_depth_limit_is_refused() -> None:
    data = nest(4)

    (leaf,) = list(expand("up.zip", data, ArchiveLimits(max_depth=3)))

    assert (leaf.path, leaf.format, type(leaf.error)) == (
        "up.zip/level2.zip/level3.zip/level4.zip",
        "zip",
        ArchiveTooDeep,
    )
    assert leaf.error is not None
    assert leaf.error.reason == "zip archive nested 4 levels deep; at most 3 levels are opened"
    (result,) = read_upload("up.zip", data, limits=ArchiveLimits(max_depth=3))
    assert result.sha256 == sha(leaf.data or b"")


def test_zip_bomb_member_is_refused_before_reading() -> None:
    data = make_zip({"walk.fit": WALK, "bomb.bin": ZEROS})

    results = read_upload("bomb.zip", data)

    assert [outcome(r)[:4] for r in results] == [
        ("bomb.zip/walk.fit", "fit", len(WALK), sha(WALK)),
        ("bomb.zip/bomb.bin", None, len(ZEROS), ""),
    ]
    error = results[1].error
    assert isinstance(error, CompressionRatioTooHigh)
    assert error.reason.startswith(f"{len(ZEROS)} bytes compressed into ")
    assert error.reason.endswith("above the 100:1 limit): refused as a likely zip bomb")


def test_gzip_bomb_is_refused() -> None:
    (leaf,) = list(expand("bomb.gz", gzip.compress(ZEROS, mtime=0)))

    assert isinstance(leaf.error, CompressionRatioTooHigh)
    assert leaf.format == "gzip"


def test_small_repetitive_members_are_not_bombs() -> None:
    (leaf,) = list(expand("a.zip", make_zip({"zeros.bin": b"\x00" * 100_000})))

    assert leaf.error is None


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        (
            ArchiveLimits(max_member_bytes=1000),
            [("a.zip/walk.fit", MemberTooLarge), ("a.zip/again/walk.fit", MemberTooLarge)],
        ),
        (
            ArchiveLimits(max_total_bytes=len(WALK) + 10),
            [("a.zip/walk.fit", None), ("a.zip/again/walk.fit", UploadTooLarge)],
        ),
        (ArchiveLimits(max_members=1), [("a.zip", TooManyMembers)]),
    ],
)
def test_size_and_count_limits(limits: ArchiveLimits, expected: list[tuple[str, type]]) -> None:
    data = make_zip({"walk.fit": WALK, "again/walk.fit": WALK})

    assert errors(list(expand("a.zip", data, limits))) == expected


def test_gzip_larger_than_the_member_limit_is_refused() -> None:
    (leaf,) = list(
        expand("w.fit.gz", gzip.compress(WALK, mtime=0), ArchiveLimits(max_member_bytes=100))
    )

    assert isinstance(leaf.error, MemberTooLarge)


# ---------------------------------------------------------------------- damage


def test_truncated_zip_is_a_corrupt_archive() -> None:
    data = make_zip({"walk.fit": WALK})[:200]

    (result,) = read_upload("cut.zip", data)

    assert (result.path, result.format, type(result.error)) == ("cut.zip", "zip", CorruptArchive)
    assert result.sha256 == sha(data)


def test_member_with_bad_crc_is_corrupt_and_others_still_read() -> None:
    data = bytearray(make_zip({"a.fit": WALK, "b.fit": WALK}, method=zipfile.ZIP_STORED))
    data[30 + len("a.fit") + 100] ^= 0xFF  # a byte inside the stored data of a.fit

    a, b = read_upload("x.zip", bytes(data))

    assert isinstance(a.error, CorruptArchive)
    assert a.error.reason.startswith("corrupt zip member: Bad CRC-32")
    assert b.parsed == parse_fit(WALK)


def test_truncated_gzip_is_a_corrupt_archive() -> None:
    data = gzip.compress(WALK, mtime=0)[:-20]

    (leaf,) = list(expand("w.fit.gz", data))

    assert isinstance(leaf.error, CorruptArchive)
    assert leaf.error.reason.startswith("truncated gzip stream")


def test_encrypted_member_is_refused() -> None:
    def encrypt_flag(buffer: bytearray, local: int, central: int) -> None:
        buffer[local + 6] |= 0x01
        buffer[central + 8] |= 0x01

    data = patch_zip(make_zip({"walk.fit": WALK}), encrypt_flag)

    (leaf,) = list(expand("x.zip", data))

    assert isinstance(leaf.error, EncryptedMember)


def test_unsupported_compression_method_is_named() -> None:
    def deflate64(buffer: bytearray, local: int, central: int) -> None:
        struct.pack_into("<H", buffer, local + 8, 9)
        struct.pack_into("<H", buffer, central + 10, 9)

    data = patch_zip(make_zip({"walk.fit": WALK}), deflate64)

    (leaf,) = list(expand("x.zip", data))

    assert isinstance(leaf.error, UnsupportedCompression)
    assert leaf.error.reason.startswith("zip member uses compression method 9")
