"""Data minimisation, accepted end to end: no position a file holds reaches a table, a log,
the CLI's output or a run's artifact (docs/privacy.md).

GPS-rich files go through ``backtrack ingest`` (in this process, so the Prefect run's logs
and artifact can be read back from the session's temporary server): fixtures (GPX, TCX,
FIT with positions, a zip holding a GPX: tests/support/tracks.py) always, and every sample
of the shared corpus that holds positions when it is present. The coordinates are read from
the files independently of ``ingest/`` (tests/support/positions.py), then every Parquet file
under the data directory (every column) and every text produced is searched for them. The
scanner's own test plants coordinates and expects to find them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from demo import fitwriter
from pipelines.schemas import FILES, SESSIONS
from pipelines.store.storage import Store
from tests.support import positions
from tests.support.cli_runs import ingest_and_collect
from tests.support.paths import SAMPLES
from tests.support.tracks import FIT_START, GPX_START, fit_file, gpx_file, tcx_file, zip_file


def fixtures(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = {
        "morning.gpx": gpx_file(),
        "harbour.tcx": tcx_file(),
        "walk.fit": fit_file(),
        "export.zip": zip_file(),
    }
    for name, data in made.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in made]


def fixture_coordinates(paths: list[Path]) -> positions.Coordinates:
    """The fixtures' positions, every coordinate also searched on its own."""
    found = positions.Coordinates()
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                data = archive.read("export/activities/evening.gpx")
            read = positions.from_xml(data, str(path), single=True)
        elif path.suffix == ".fit":
            read = positions.from_fit(data, str(path), single=True)
        else:
            read = positions.from_xml(data, str(path), single=True)
        found = found.merged(read)
    return found


# ---------------------------------------------------------------- the run


def _leaks(data: Path, texts: list[str], coords: positions.Coordinates) -> list[str]:
    hits = positions.scan_tables(data, coords)
    hits += [f"output: {hit}" for text in texts for hit in positions.scan_text(text, coords)]
    return hits


@pytest.fixture(scope="module")
def fixture_run(
    prefect_harness: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, list[str], positions.Coordinates]]:
    work = tmp_path_factory.mktemp("positions")
    paths = fixtures(work / "in")
    data = work / "data"
    texts = ingest_and_collect(paths, "p-pos", data)
    yield data, texts, fixture_coordinates(paths)


def test_fixtures_hold_positions_the_scanner_reads(
    fixture_run: tuple[Path, list[str], positions.Coordinates],
) -> None:
    _, _, coords = fixture_run
    assert {Path(s).name: n > 50 for s, n in coords.sources.items()} == {
        "morning.gpx": True,
        "harbour.tcx": True,
        "walk.fit": True,
        "export.zip": True,
    }
    assert coords.pairs(np.array([GPX_START[0]]), np.array([GPX_START[1]]))[0]
    assert coords.pairs(np.array([FIT_START[0]]), np.array([FIT_START[1]]))[0]


def test_fixtures_were_ingested(fixture_run: tuple[Path, list[str], positions.Coordinates]) -> None:
    data, _, _ = fixture_run
    store = Store(data)
    files = store.read(FILES, ["p-pos"])
    assert set(files["status"]) == {"ok"}, files[["original_name", "status", "reason"]]
    sessions = store.read(SESSIONS, ["p-pos"])
    assert len(sessions) == 4
    assert (sessions["distance_m"] > 1000).all()  # measured from the positions, then dropped
    assert positions.parquet_files(data)  # something to search


def test_no_fixture_position_in_any_table_or_output(
    fixture_run: tuple[Path, list[str], positions.Coordinates],
) -> None:
    data, texts, coords = fixture_run
    assert _leaks(data, texts, coords) == []


def test_no_place_name_from_a_garmin_title(
    fixture_run: tuple[Path, list[str], positions.Coordinates],
) -> None:
    """Garmin Connect titles a walk "<place> Walking": the place is left out everywhere."""
    data, texts, _ = fixture_run
    sessions = Store(data).read(SESSIONS, ["p-pos"])
    gpx = sessions.loc[sessions["source_format"] == "gpx"]
    assert list(gpx["activity_name"]) == ["Walking", "Walking"]
    tables = "\n".join(
        pq.read_table(p).to_pandas().astype(str).to_csv() for p in positions.parquet_files(data)
    )
    assert "Wellington" not in tables
    assert not [t for t in texts if "Wellington" in t]


def _samples_with_positions() -> list[Path]:
    return sorted(
        path
        for path in SAMPLES.rglob("*")
        if path.is_file() and path.name not in ("MANIFEST.csv", "fit_inventory.csv")
    )


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"sample corpus not present at {SAMPLES}")
def test_no_sample_position_in_any_table_or_output(prefect_harness: None, tmp_path: Path) -> None:
    """Every sample holding positions (GPX, TCX, FIT, Suunto, Google Fit bounding boxes),
    ingested in place (never copied)."""
    coords = positions.Coordinates()
    for path in _samples_with_positions():
        coords = coords.merged(positions.from_file(path))
    with_positions = sorted(Path(s) for s in coords.sources)
    formats = {p.relative_to(SAMPLES).parts[0] for p in with_positions}
    assert {"fit", "gpx", "tcx", "suunto", "google_fit"} <= formats, formats
    data = tmp_path / "data"
    texts = ingest_and_collect(with_positions, "p-samples", data)
    sessions = Store(data).read(SESSIONS, ["p-samples"])
    assert len(sessions) > 40  # the corpus was really read
    assert _leaks(data, texts, coords) == []


# ---------------------------------------------------------------- the scanner finds them


def test_the_scanner_finds_planted_positions(tmp_path: Path) -> None:
    paths = fixtures(tmp_path / "in")
    coords = fixture_coordinates(paths)
    lat = GPX_START[0]
    semicircles = [fitwriter.semicircles(v) for v in FIT_START]
    planted = pd.DataFrame(
        {
            "minutes": [30.0, 12.5],
            "start_lat": [lat, 0.0],  # a single coordinate, alone
            "lon_int": pd.array([semicircles[1], 0], dtype="int32"),  # semicircles
            "note": pd.array(["walked", f"fix at {FIT_START[0]:.4f}"], dtype="string"),
        }
    )
    hits = positions.scan_frame(planted, coords, "planted")
    assert any("start_lat" in h for h in hits), hits
    assert any("lon_int" in h for h in hits), hits
    assert any("note" in h for h in hits), hits

    # a sample-like point (not searched alone): found as a pair in a row or in text
    pair_only = positions.Coordinates()
    pair_only.add([(46.572316, 15.031849)], "sample")
    frame = pd.DataFrame({"a": [46.57232, 3.0], "b": [15.03185, 4.0], "c": [1.0, 15.03185]})
    assert len(positions.scan_frame(frame, pair_only, "pairs")) == 1
    assert positions.scan_text("near 46.5723, 15.0318 (rounded)", pair_only)
    assert positions.scan_text(f"{round(46.572316 / positions.SEMICIRCLE_DEG)} 0", pair_only) == []
    assert positions.scan_text("walked 46.572 min, 15.032 km", pair_only)  # also counts
    assert positions.scan_text("46.57 and 15.03", pair_only) == []  # two decimals: not

    # and in a Parquet file under a data directory
    table = tmp_path / "data" / "tables" / "sessions" / "participant=x" / "part.parquet"
    table.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(planted, preserve_index=False), table)
    assert positions.scan_tables(tmp_path / "data", coords)


def test_the_scanner_does_not_see_positions_in_ordinary_values() -> None:
    coords = positions.Coordinates()
    coords.add([(46.572316, 15.031849), (52.520008, 13.404954)], "sample")
    coords.add([GPX_START], "fixture", single=True)
    ordinary = pd.DataFrame(
        {
            "walking_minutes": [46.5723, 15.0318, 52.52],  # a latitude, a longitude alone
            "distance_m": [99.0, 2400.0, 13.5],
            "steps": pd.array([0, 4200, 13], dtype="int32"),
            "reason": pd.array(["track 1: 3 glitches", None, "1.5 km"], dtype="string"),
        }
    )
    assert positions.scan_frame(ordinary, coords, "ordinary") == []
