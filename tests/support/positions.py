"""Coordinates read from tracker files, independently of ``ingest/``, and a scanner that
looks for them in tables and text (tests/pipelines/test_no_positions.py, docs/privacy.md).

Collecting: GPX ``lat``/``lon`` attributes and ``<bounds>``; TCX ``LatitudeDegrees`` /
``LongitudeDegrees``; Suunto ``Latitude``/``Longitude`` (radians in SML and Moveslink2:
both readings kept); FIT fields in semicircles (the fields fitparse's profile names, read by
tests/support/fitscan.py up to a broken file's first error); Google Fit's bounding-box
columns; JSON keys naming a latitude or longitude.

Scanning: a float within ``TOLERANCE_DEG`` of a coordinate, an integer equal to a
coordinate's semicircles, a decimal number written in text that rounds from one (three or
more decimals). Coordinates that are whole numbers or have at most two decimals locate
nothing better than a town and cannot be told apart from minutes and metres: they are not
searched (:data:`MIN_DECIMALS`), nor are positions with a coordinate within 0.001° of 0
(a receiver without a fix writes 0; a synthetic sample runs along the equator; and 0 is
what every count column holds most of the time).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from lxml import etree

from tests.support import fitscan

TOLERANCE_DEG = 1e-4
MIN_DECIMALS = 3
SEMICIRCLE_DEG = 180 / 2**31
AXIS_DEG = 0.001  # a coordinate this close to 0: no fix, or a synthetic track on the equator
_DECIMAL = re.compile(r"(?<![\d.])-?\d{1,3}\.(\d{3,})(?![\d])")
_INTEGER = re.compile(r"(?<![\d.])-?\d{6,10}(?![\d.])")


def _distinctive(value: float) -> bool:
    return math.isfinite(value) and abs(value - round(value, MIN_DECIMALS - 1)) > 1e-9


_GRID = 1e4  # cells of 1e-4 degree
_OFFSET = 2_000_000  # grid indices made positive: |lon| ≤ 180° → |index| ≤ 1,800,000


def grid_keys(lat: np.ndarray, lon: np.ndarray, grid: float = _GRID) -> np.ndarray:
    """One integer per (lat[i], lon[i]): its cell of ``1 / grid`` degree."""
    return (np.round(lat * grid).astype(np.int64) + _OFFSET) * (2 * _OFFSET) + (
        np.round(lon * grid).astype(np.int64) + _OFFSET
    )


@dataclass
class Coordinates:
    """Positions (latitude, longitude in degrees) found in files.

    ``points`` are searched as pairs (a latitude next to its longitude, in one row or one
    text) - for real-world files, whose tracks cover whole regions densely, a single
    number near one of their coordinates says nothing (45.379 s is also a latitude).
    ``single`` coordinates are searched one by one: the project's fixtures put them where
    no duration, distance or count can be (a negative latitude, a longitude beyond 170°).
    """

    points: set[tuple[float, float]] = field(default_factory=set)
    single: set[float] = field(default_factory=set)
    sources: dict[str, int] = field(default_factory=dict)  # file → positions found
    _index: dict[float, np.ndarray] = field(default_factory=dict)

    def add(self, points: Iterable[tuple[float, float]], source: str, single: bool = False) -> None:
        found = {
            (lat, lon)
            for lat, lon in points
            if -90 <= lat <= 90
            and -180 <= lon <= 180
            and (_distinctive(lat) or _distinctive(lon))
            and min(abs(lat), abs(lon)) >= AXIS_DEG
        }
        self.points |= found
        if single:
            self.single |= {v for point in found for v in point if _distinctive(v)}
        if found:
            self.sources[source] = self.sources.get(source, 0) + len(found)
            self._index.clear()

    def merged(self, other: Coordinates) -> Coordinates:
        return Coordinates(
            self.points | other.points,
            self.single | other.single,
            {**self.sources, **other.sources},
        )

    @property
    def semicircles(self) -> set[int]:
        return {round(v / SEMICIRCLE_DEG) for v in self.single}

    def index(self, grid: float = _GRID) -> np.ndarray:
        """Grid keys of every point and its neighbour cells (cells of ``1 / grid`` degree)."""
        if grid not in self._index:
            lat, lon = (np.array(c, dtype=float) for c in zip(*self.points, strict=True))
            keys = [
                grid_keys(lat + dl / grid, lon + do / grid, grid)
                for dl in (-1, 0, 1)
                for do in (-1, 0, 1)
            ]
            self._index[grid] = np.unique(np.concatenate(keys))
        return self._index[grid]

    def pairs(self, lat: np.ndarray, lon: np.ndarray, grid: float = _GRID) -> np.ndarray:
        """For each (lat[i], lon[i]), whether it is one of the points (within about one
        cell of ``1 / grid`` degree: 1e-4 by default)."""
        ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        if not self.points or not ok.any():
            return np.zeros(len(lat), dtype=bool)
        index = self.index(grid)  # sorted, unique
        keys = grid_keys(lat[ok], lon[ok], grid)
        at = np.minimum(np.searchsorted(index, keys), len(index) - 1)
        found = np.zeros(len(lat), dtype=bool)
        found[ok] = index[at] == keys
        return found

    def near_single(self, values: np.ndarray, tolerance: float = TOLERANCE_DEG) -> np.ndarray:
        """For each value, whether a ``single`` coordinate lies within ``tolerance``."""
        known = np.array(sorted(self.single), dtype=float)
        if not len(known) or not len(values):
            return np.zeros(len(values), dtype=bool)
        at = np.clip(np.searchsorted(known, values), 1, max(1, len(known) - 1))
        lower = np.abs(known[at - 1] - values)
        upper = np.abs(known[np.minimum(at, len(known) - 1)] - values)
        return np.asarray(np.minimum(lower, upper) <= tolerance)


# ---------------------------------------------------------------- collecting


def _pair(lat: object, lon: object) -> list[tuple[float, float]]:
    values = _floats([lat, lon])
    return [(values[0], values[1])] if len(values) == 2 else []


def from_xml(data: bytes, source: str, single: bool = False) -> Coordinates:
    """GPX points and bounds, TCX positions, Suunto samples (radians and degrees)."""
    coords = Coordinates()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    # Moveslink2 files hold several top-level elements: wrap them
    body = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", data)
    root = etree.fromstring(b"<wrapped>" + body + b"</wrapped>", parser)
    if root is None:
        return coords
    points: list[tuple[float, float]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        attributes = {etree.QName(k).localname: v for k, v in element.attrib.items()}
        points += _pair(attributes.get("lat"), attributes.get("lon"))
        for a in ("minlat", "maxlat"):
            for o in ("minlon", "maxlon"):
                points += _pair(attributes.get(a), attributes.get(o))
        children = {etree.QName(c).localname: c.text for c in element if isinstance(c.tag, str)}
        points += _pair(children.get("LatitudeDegrees"), children.get("LongitudeDegrees"))
        for lat, lon in _pair(children.get("Latitude"), children.get("Longitude")):
            points += [(lat, lon), (math.degrees(lat), math.degrees(lon))]
    coords.add(points, source, single)
    return coords


def from_fit(data: bytes, source: str, single: bool = False) -> Coordinates:
    """Every pair of fields fitparse's profile names in semicircles (record positions,
    session and lap start/end, bounding boxes, …), read by tests/support/fitscan.py up to
    the first inconsistency of a broken file."""
    coords = Coordinates()
    points = [(a * SEMICIRCLE_DEG, o * SEMICIRCLE_DEG) for a, o in fitscan.positions(data)]
    coords.add(points, source, single)
    return coords


def from_csv(data: bytes, source: str) -> Coordinates:
    """Google Fit's bounding boxes (Low/High latitude/longitude), corners paired."""
    coords = Coordinates()
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
    header = next(rows, [])
    lats = [i for i, name in enumerate(header) if re.search("latitude", name, re.I)]
    lons = [i for i, name in enumerate(header) if re.search("longitude", name, re.I)]
    if not lats or not lons:  # no pair to read: the rows are not parsed
        return coords
    points = [
        point
        for row in rows
        for a in lats
        for o in lons
        if a < len(row) and o < len(row)
        for point in _pair(row[a], row[o])
    ]
    coords.add(points, source)
    return coords


def from_json(data: bytes, source: str) -> Coordinates:
    """Objects with a latitude and a longitude key, and ``latlng`` pairs."""
    coords = Coordinates()
    try:
        document = json.loads(data)
    except ValueError:
        return coords

    def walk(node: object) -> Iterator[tuple[float, float]]:
        if isinstance(node, dict):
            keys = {k.lower(): v for k, v in node.items() if isinstance(k, str)}
            lat = next((keys[k] for k in ("lat", "latitude") if k in keys), None)
            lon = next((keys[k] for k in ("lng", "lon", "longitude") if k in keys), None)
            if lat is not None and lon is not None:
                yield from _pair(lat, lon)
            for key, value in node.items():
                if key == "latlng" and isinstance(value, list):
                    for item in value:
                        if isinstance(item, list) and len(item) == 2:
                            yield from _pair(*item)
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    coords.add(walk(document), source)
    return coords


def _floats(values: Iterable[object]) -> list[float]:
    out = []
    for value in values:
        if value is None:
            continue
        try:
            number = float(str(value).strip())
        except ValueError:
            continue
        if math.isfinite(number):
            out.append(number)
    return out


def from_file(path: Path) -> Coordinates:
    """The positions in one sample file (by its content and name; archives not opened)."""
    data = path.read_bytes()
    name = path.name.lower()
    source = str(path)
    if data[8:12] == b".FIT":
        return from_fit(data, source)
    if name.endswith((".gpx", ".tcx", ".xml", ".sml")):
        return from_xml(data, source)
    if name.endswith(".csv"):
        return from_csv(data, source)
    if name.endswith(".json"):
        return from_json(data, source)
    return Coordinates()


# ---------------------------------------------------------------- scanning


def _numeric_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Float columns as they are, integer columns read as semicircles - in degrees."""
    out: dict[str, np.ndarray] = {}
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.StringDtype) or series.dtype.kind not in "fiu":
            continue
        values = series.to_numpy(dtype=float, na_value=np.nan)
        out[str(column)] = values if series.dtype.kind == "f" else values * SEMICIRCLE_DEG
    return out


def scan_frame(frame: pd.DataFrame, coords: Coordinates, where: str) -> list[str]:
    """Every cell of ``frame`` that is, or writes, a coordinate: a ``single`` one alone, or
    a latitude and its longitude in two cells of one row."""
    hits: list[str] = []
    numeric = _numeric_columns(frame)
    for column, values in numeric.items():
        raw = frame[column].to_numpy(dtype=float, na_value=np.nan)
        for value in raw[coords.near_single(raw)][:3]:
            hits.append(f"{where}.{column}: {value!r} is a fixture coordinate")
        if frame[column].dtype.kind in "iu":
            for value in raw[coords.near_single(values, 1e-6)][:3]:
                hits.append(f"{where}.{column}: {value!r} is a fixture coordinate in semicircles")
    for lat_column, lats in numeric.items():
        for lon_column, lons in numeric.items():
            if lat_column == lon_column:
                continue
            found = coords.pairs(lats, lons)
            for i in np.flatnonzero(found)[:3]:
                hits.append(
                    f"{where}: ({lat_column}, {lon_column}) = ({lats[i]!r}, {lons[i]!r}) "
                    "is a position"
                )
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.StringDtype) or series.dtype == object:
            for value in series.dropna().astype(str).unique():
                hits += [f"{where}.{column}: {hit}" for hit in scan_text(value, coords)]
    return hits


def scan_text(text: str, coords: Coordinates) -> list[str]:
    """Decimal numbers (three or more decimals) and semicircle integers in ``text``: a
    ``single`` coordinate, or two numbers in a row that are a latitude and its longitude."""
    numbers: list[tuple[float, int, str, int]] = []  # degrees, decimals, text, where
    for match in _DECIMAL.finditer(text):
        decimals = min(4, len(match.group(1)))
        numbers.append((float(match.group()), decimals, match.group(), match.start()))
    for match in _INTEGER.finditer(text):
        numbers.append((int(match.group()) * SEMICIRCLE_DEG, 6, match.group(), match.start()))
    numbers.sort(key=lambda n: n[3])
    hits = []
    for value, decimals, shown, at in numbers:
        tolerance = max(TOLERANCE_DEG, 0.5 * 10.0**-decimals) if decimals < 6 else 1e-6
        if coords.near_single(np.array([value]), tolerance)[0]:
            hits.append(f"{shown!r} in {text[max(0, at - 40) : at + 60]!r}")
    for (lat, d1, a, at), (lon, d2, b, _) in pairwise(numbers):
        grid = 10.0 ** min(d1, d2, 4)  # as precise as the coarser rendering
        if coords.pairs(np.array([lat]), np.array([lon]), grid)[0]:
            hits.append(f"{a!r}, {b!r} in {text[max(0, at - 40) : at + 80]!r}")
    return hits


def parquet_files(data_dir: Path) -> list[Path]:
    return sorted(data_dir.rglob("*.parquet"))


def scan_tables(data_dir: Path, coords: Coordinates) -> list[str]:
    """Every column of every Parquet file under ``data_dir``."""
    hits: list[str] = []
    for path in parquet_files(data_dir):
        frame = pq.read_table(path).to_pandas()
        hits += scan_frame(frame, coords, str(path.relative_to(data_dir)))
    return hits
