"""The raw FIT position scanner (tests/support/fitscan.py) that tests/pipelines/
test_no_positions.py reads the corpus' positions with, and the lookup of its pairs.

The scanner replaced fitparse's full decode there (about 90 s of the test under the
profiler, 0.5 s now). Its equivalence with fitparse was checked once over the whole corpus
on 2026-12-07: each of the 63 files that ``positions.from_file`` reads as FIT (32 of them
hold positions: 106,395 points counted per file, 102,248 distinct over all; 6 of them stop
fitparse with an error) gave the same (latitude, longitude) semicircle pairs, counted with
repeats, and the same ``Coordinates`` (points, positions per file); fitparse took 55.8 s,
the scanner 0.53 s. Kept in the suite: the same comparison on the project's own FIT files
(demo writer: activity, course, chained, truncated, bad CRC), on a hand-made FIT with its
broken variants, and on the small samples (the FIT samples up to 6 kB, 13 of them with
positions, and the two broken ones that stop fitparse inside the data: an undefined local
message type, a field size that is no multiple of its type's).
"""

from __future__ import annotations

import io
import struct
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import fitparse
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from demo import fitwriter
from tests.support import fitscan, positions, tracks
from tests.support.paths import SAMPLES


def fitparse_positions(data: bytes) -> list[tuple[int, int]]:
    """What ``positions.from_fit`` collected before the scanner: in every message fitparse
    decodes, each integer ``…_lat`` field next to an integer ``…_long`` one, until its first
    error."""
    points: list[tuple[int, int]] = []
    try:
        fit = fitparse.FitFile(io.BytesIO(data), check_crc=False)
        for message in fit.get_messages():
            raw = {f.name: f.raw_value for f in message.fields if isinstance(f.raw_value, int)}
            for name, value in raw.items():
                longitude = raw.get(name[:-4] + "_long")
                if name.endswith("_lat") and isinstance(longitude, int):
                    points.append((value, longitude))
    except Exception:  # a broken file: what was decoded counts
        pass
    return points


# ---------------------------------------------------------------- a FIT file by hand

RECORD, SESSION, EVENT, DEVELOPER_DATA_ID, FIELD_DESCRIPTION = 20, 18, 21, 207, 206
SINT32, UINT32, UINT8, ENUM = 0x85, 0x86, 0x02, 0x00
INVALID_SINT32 = 0x7FFFFFFF


def header(data_size: int, size: int = 14) -> bytes:
    """A file header of 14 bytes (with a zero header CRC) or of 12 bytes."""
    protocol, profile = 0x20, 2132
    crc = b"\x00\x00" if size == 14 else b""
    return struct.pack("<BBHI4s", size, protocol, profile, data_size, b".FIT") + crc


def definition(
    local: int,
    message: int,
    fields: list[tuple[int, int, int]],
    dev: list[tuple[int, int, int]] | None = None,
    big: bool = False,
) -> bytes:
    record = 0x40 | local | (0x20 if dev is not None else 0)
    out = bytes([record, 0, int(big)]) + message.to_bytes(2, "big" if big else "little")
    out += bytes([len(fields)]) + b"".join(bytes(f) for f in fields)
    if dev is not None:
        out += bytes([len(dev)]) + b"".join(bytes(f) for f in dev)
    return out


def fit(*records: bytes, size: int = 14) -> bytes:
    body = b"".join(records)
    return header(len(body), size) + body + b"\x00\x00"  # CRC not checked


RECORD_FIELDS = [(253, 4, UINT32), (0, 4, SINT32), (1, 4, SINT32), (3, 1, UINT8)]
DEV_FIELD = [(0, 3, 0)]  # developer field 0, 3 bytes, developer index 0


def record(local: int, lat: int, lon: int, *, compressed: int | None = None) -> bytes:
    """A record of ``RECORD_FIELDS`` + the developer field; ``compressed``: a
    compressed-timestamp header with that time offset (local type 0-3)."""
    head = 0x80 | local << 5 | compressed if compressed is not None else local
    # the developer bytes look like a definition header: read as one, the walk goes astray
    return bytes([head]) + struct.pack("<IiiB", 1_000_000_000, lat, lon, 90) + b"\x41\x00\x00"


FIRST = fit(
    # the developer field described first (developer_data_id, field_description), so that
    # fitparse reads on: field 0 of developer index 0 is 3 bytes of base type byte (0x0D)
    definition(5, DEVELOPER_DATA_ID, [(3, 1, UINT8)]),
    bytes([5, 0]),
    definition(5, FIELD_DESCRIPTION, [(0, 1, UINT8), (1, 1, UINT8), (2, 1, UINT8)]),
    bytes([5, 0, 0, 0x0D]),
    definition(0, RECORD, RECORD_FIELDS, dev=DEV_FIELD),
    record(0, -492_651_000, 2_085_123_000),
    record(0, -492_650_000, 2_085_124_000, compressed=7),
    record(0, INVALID_SINT32, 2_085_125_000),  # no latitude: no position
    definition(
        1,
        SESSION,
        [(5, 1, ENUM), (29, 4, SINT32), (30, 4, SINT32), (3, 4, SINT32), (4, 4, SINT32)],
        big=True,
    ),
    bytes([1, 11]) + struct.pack(">iiii", -492_500_000, 2_085_200_000, -492_600_000, 2_085_100_000),
    definition(2, EVENT, [(253, 4, UINT32), (0, 1, ENUM), (1, 1, ENUM)]),
    bytes([2]) + struct.pack("<IBB", 1_000_000_060, 0x40, 0x41),
)
SECOND = fit(
    definition(3, RECORD, [(1, 4, SINT32), (0, 4, SINT32)]),
    bytes([3]) + struct.pack("<ii", 2_085_140_000, -492_640_000),
    size=12,
)


def test_the_scanner_walks_a_hand_made_fit() -> None:
    assert fitscan.positions(FIRST) == [
        (-492_651_000, 2_085_123_000),
        (-492_650_000, 2_085_124_000),  # the compressed-timestamp record
        (-492_600_000, 2_085_100_000),  # session start (big-endian), then its corner
        (-492_500_000, 2_085_200_000),
    ]
    both = FIRST + SECOND
    assert fitscan.positions(both)[4:] == [(-492_640_000, 2_085_140_000)]  # chained


def test_the_scanner_stops_at_a_broken_tail() -> None:
    both = FIRST + SECOND
    first_four = fitscan.positions(FIRST)
    assert fitscan.positions(both[:-3]) == first_four  # the last record cut short
    assert fitscan.positions(both[: len(FIRST) + 7]) == first_four  # a header cut short
    assert fitscan.positions(FIRST + b"garbage and more") == first_four  # no FIT header after
    assert fitscan.positions(FIRST[:-1]) == first_four  # the CRC cut short
    # local types are forgotten in a chained file: a record of local type 0 is undefined
    undefined = fit(bytes([0]) + b"\x00" * 16, SECOND[12:-2])
    assert fitscan.positions(FIRST + undefined) == first_four
    # a latitude of 3 bytes is no sint32: the walk stops at its definition
    odd = fit(definition(0, RECORD, [(0, 3, SINT32), (1, 4, SINT32)]), SECOND[12:-2])
    assert fitscan.positions(FIRST + odd) == first_four
    # a field of size 0: its records cannot be read, the definition alone is harmless
    empty = definition(4, EVENT, [(0, 0, ENUM)])
    assert fitscan.positions(FIRST + fit(empty, SECOND[12:-2])) == [
        *first_four,
        (-492_640_000, 2_085_140_000),
    ]
    assert fitscan.positions(FIRST + fit(empty, bytes([4]), SECOND[12:-2])) == first_four
    assert fitscan.positions(FIRST[:20]) == []  # inside the first definition
    assert fitscan.positions(b"") == []


def test_the_scanner_agrees_with_fitparse_on_the_hand_made_fit() -> None:
    """The same pairs (within a message fitparse lists them in field order, the scanner
    in the profile's), and the same stops."""
    body = SECOND[12:-2]
    undefined = fit(bytes([0]) + b"\x00" * 16, body)
    odd = fit(definition(0, RECORD, [(0, 3, SINT32), (1, 4, SINT32)]), body)
    empty = definition(4, EVENT, [(0, 0, ENUM)])
    for data in (
        FIRST,
        FIRST + SECOND,
        (FIRST + SECOND)[:-3],
        FIRST + undefined,
        FIRST + odd,
        FIRST + fit(empty, body),
        FIRST + fit(empty, bytes([4]), body),
    ):
        assert fitparse_positions(data)
        assert Counter(fitscan.positions(data)) == Counter(fitparse_positions(data))


def test_position_fields_are_the_profile_pairs() -> None:
    fields = fitscan.position_fields()
    assert fields[20] == ((0, 1),)  # record position_lat/_long
    assert fields[19] == ((3, 4), (5, 6))  # lap start/end position
    assert fields[18] == ((3, 4), (29, 30), (31, 32))  # session start, nec, swc corners
    assert set(fields) == {18, 19, 20, 32, 128, 142, 150, 160}


# ---------------------------------------------------------------- the same as fitparse


def _demo_files() -> list[tuple[str, bytes]]:
    walk = tracks.fit_file()
    paused = fitwriter.activity_file(
        start_utc=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        elapsed_s=1800,
        moving_s=1500,
        sport=1,
        distance_m=4000.0,
        start_position=(47.376887, 8.541694),
    )
    return [
        ("tracks.fit_file", walk),
        ("activity-with-pause", paused),
        ("course", fitwriter.course_file()),
        ("chained", fitwriter.chain(walk, fitwriter.course_file(), paused)),
        ("truncated", fitwriter.truncated(walk, len(walk) // 2 + 3)),
        ("bad-crc", fitwriter.with_bad_crc(paused)),
    ]


def _small_samples() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    named = {"strava-android-app-201.10-b1218918.fit", "coros-pace-2-cycling-misaligned-fields.fit"}
    return sorted(
        path
        for path in (SAMPLES / "fit").rglob("*")
        if path.is_file()
        and (path.stat().st_size <= 6_000 or path.name in named)
        and path.read_bytes()[8:12] == b".FIT"
    )


def _same(data: bytes, source: str) -> None:
    expected = fitparse_positions(data)
    assert Counter(fitscan.positions(data)) == Counter(expected)
    degrees = positions.SEMICIRCLE_DEG
    reference = positions.Coordinates()
    reference.add([(a * degrees, o * degrees) for a, o in expected], source)
    found = positions.from_fit(data, source)
    assert (found.points, found.sources) == (reference.points, reference.sources)


@pytest.mark.parametrize(("name", "data"), _demo_files(), ids=[n for n, _ in _demo_files()])
def test_the_scanner_agrees_with_fitparse_on_the_demo_files(name: str, data: bytes) -> None:
    assert fitparse_positions(data)  # something to compare
    _same(data, name)


@pytest.mark.samples
@pytest.mark.parametrize("path", _small_samples(), ids=lambda p: p.name)
def test_the_scanner_agrees_with_fitparse_on_small_samples(path: Path) -> None:
    _same(path.read_bytes(), str(path))


@pytest.mark.samples
def test_enough_small_samples_hold_positions() -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"sample corpus not present at {SAMPLES}")
    with_positions = [p for p in _small_samples() if fitscan.positions(p.read_bytes())]
    assert len(with_positions) >= 10


# ---------------------------------------------------------------- pairs


coordinates = st.tuples(
    st.floats(-89.9, 89.9, allow_nan=False).map(lambda v: round(v, 6)),
    st.floats(-179.9, 179.9, allow_nan=False).map(lambda v: round(v, 6)),
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(coordinates, min_size=1, max_size=30),
    st.lists(st.tuples(st.integers(0, 29), st.integers(-3, 3), st.integers(-3, 3)), max_size=30),
    st.lists(coordinates, max_size=10),
    st.sampled_from([1e4, 1e3, 1e2]),
)
@example(  # one and two cells away on either axis: a lookup of the next key is not enough
    [(-41.294113, 174.782031)],
    [(0, 0, -2), (0, 0, -1), (0, 0, 2), (0, -2, 0), (0, 2, 0), (0, 1, 1), (0, -1, -2)],
    [],
    1e4,
)
def test_pairs_looks_up_the_sorted_index(
    points: list[tuple[float, float]],
    near: list[tuple[int, int, int]],
    elsewhere: list[tuple[float, float]],
    grid: float,
) -> None:
    """``pairs`` (a binary search in the sorted index) answers what membership in the index
    answers, for points a few cells from a known one and anywhere else."""
    coords = positions.Coordinates()
    coords.add(points, "p")
    if not coords.points:
        return
    known = sorted(coords.points)
    queries = [
        (known[i % len(known)][0] + a / grid, known[i % len(known)][1] + o / grid)
        for i, a, o in near
    ] + elsewhere
    lat = np.array([q[0] for q in queries] + [np.nan, 95.0], dtype=float)
    lon = np.array([q[1] for q in queries] + [10.0, 10.0], dtype=float)
    ok = np.isfinite(lat) & (np.abs(lat) <= 90)
    expected = np.zeros(len(lat), dtype=bool)
    expected[ok] = np.isin(positions.grid_keys(lat[ok], lon[ok], grid), coords.index(grid))
    assert list(coords.pairs(lat, lon, grid)) == list(expected)
    assert coords.pairs(np.array(known)[:, 0], np.array(known)[:, 1], grid).all()
