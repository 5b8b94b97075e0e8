"""Format detection by content."""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from ingest.detect import GZIP, SNIFFERS, ZIP, detect_format
from ingest.fit import FORMAT as FIT


def _fit_header(size: int) -> bytes:
    header = bytes([size, 0x20]) + (2132).to_bytes(2, "little") + (0).to_bytes(4, "little")
    return header + b".FIT" + (b"\x00\x00" if size == 14 else b"")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_fit_header(14) + b"\x00\x00", FIT),
        (_fit_header(12) + b"\x00\x00", FIT),
        (gzip.compress(b"anything", mtime=0), GZIP),
        (_zip({"a.fit": b"x"}), ZIP),
        (_zip({}), ZIP),  # an empty archive starts with its end-of-directory record
        (b"", None),
        (b".FIT", None),
        (b'{"activities": []}', None),
        (b"<?xml version='1.0'?><gpx></gpx>", "gpx"),
        (b"date,steps\n2026-01-05,4000\n", None),
    ],
    ids=[
        "fit14",
        "fit12",
        "gzip",
        "zip",
        "empty-zip",
        "empty",
        "fit-magic-only",
        "json",
        "gpx",
        "csv",
    ],
)
def test_detects_by_content(data: bytes, expected: str | None) -> None:
    assert detect_format(data) == expected


def test_fit_needs_a_12_or_14_byte_header_size() -> None:
    data = bytearray(_fit_header(14))
    data[0] = 13

    assert detect_format(bytes(data)) is None


def test_the_name_plays_no_part() -> None:
    # detect_format takes no name at all; a FIT file is FIT whatever it is called
    assert detect_format(gzip.compress(_fit_header(14), mtime=0)) == GZIP


def test_every_sniffer_is_safe_on_short_input() -> None:
    for length in range(16):
        for name, looks_like in SNIFFERS:
            assert looks_like(b"\xff" * length) in (True, False), name
