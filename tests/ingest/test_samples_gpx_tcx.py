"""The GPX and TCX readers on the real-world corpus in ../shared/samples (read in place).

Every GPX and TCX file - ``gpx/**``, ``tcx/**`` and Google Fit's Takeout TCX files - is
ingested, skipped or rejected with a specific reason, never an exception. Expected values
come from the corpus manifest (MANIFEST.csv) and from reading the files.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest

from ingest import gpx, tcx
from ingest.records import Device, ParsedFile, SessionRecord, UnusableFile
from tests.support.paths import SAMPLES

if not (SAMPLES / "gpx").is_dir() and not (SAMPLES / "tcx").is_dir():
    pytest.skip("real-world corpus ../shared/samples not present", allow_module_level=True)

pytestmark = pytest.mark.samples

FILES = sorted(
    [
        *SAMPLES.glob("gpx/**/*.gpx"),
        *SAMPLES.glob("tcx/**/*.tcx"),
        *SAMPLES.glob("google_fit/medical_apis/*.tcx"),
    ]
)
GOOGLE_FIT = "google_fit/medical_apis/"
ROUTE_ONLY = "GPX holds only a planned route / waypoints, no recorded track"
ONE_TIME = (
    "GPX track has no timestamps to measure: only 1 of its 1 points has a <time> "
    "(at least 2 are needed)"
)

# relative path → ("ingested", number of sessions) or (status, reason prefix)
EXPECTED: dict[str, tuple[str, int | str]] = {
    "gpx/Runalyze/SpoQ.gpx": ("ingested", 1),
    "gpx/Runalyze/break-between-trkseg.gpx": ("ingested", 1),
    "gpx/Runalyze/garmin-ns3-extension.gpx": ("ingested", 1),
    "gpx/Runalyze/strava-export.gpx": ("ingested", 1),
    "gpx/gpxpy/Mojstrovka.gpx": (
        "rejected",
        "GPX timestamps before 1990 are not real dates (e.g. 1901-12-13T20:45:52.207343Z)",
    ),
    "gpx/gpxpy/around-visnjan-with-car.gpx": ("ingested", 1),
    "gpx/gpxpy/cerknicko-jezero-without-elevations.gpx": ("ingested", 1),
    "gpx/gpxpy/cerknicko-jezero.gpx": ("ingested", 1),  # 7 timed tracks, one outing
    "gpx/gpxpy/cerknicko-without-times.gpx": ("ingested", 1),  # the 5 timed points left
    "gpx/gpxpy/gpx1.0_with_all_fields.gpx": ("skipped", ONE_TIME),
    "gpx/gpxpy/gpx1.1_with_all_fields.gpx": ("skipped", ONE_TIME),
    "gpx/gpxpy/gpx1.1_with_extensions.gpx": ("skipped", ROUTE_ONLY),
    "gpx/gpxpy/gpx_with_garmin_extension.gpx": ("skipped", ROUTE_ONLY),
    "gpx/gpxpy/korita-zbevnica.gpx": ("ingested", 1),  # 2 timed tracks 5 min apart
    "gpx/gpxpy/route.gpx": ("skipped", ROUTE_ONLY),
    "gpx/gpxpy/track-with-empty-segment.gpx": ("ingested", 1),
    "gpx/gpxpy/track_with_speed.gpx": ("ingested", 1),
    "gpx/gpxpy/unicode_with_bom.gpx": ("skipped", ROUTE_ONLY),
    "gpx/healthkit-to-sqlite/route_2019-06-11_3.00pm.gpx": ("ingested", 1),
    "tcx/Runalyze/Indoor-Training.tcx": ("ingested", 1),
    "tcx/Runalyze/Route-only.tcx": (
        "skipped",
        "TCX file holds only a course (a planned route), no recorded activity",
    ),
    "tcx/Runalyze/Runtastic.tcx": ("ingested", 1),
    "tcx/Runalyze/Treadmill-doubled-cadence.tcx": ("ingested", 1),
    "tcx/Runalyze/missing-distances.tcx": ("ingested", 1),
    "tcx/python-tcxparser/no_hr.tcx": ("ingested", 1),
    "tcx/python-tcxparser/test.tcx": ("ingested", 1),
    "tcx/tcxreader/cross-country-skiing_activity_1.tcx": ("ingested", 1),
    "tcx/tcxreader/mapmyride_biking.tcx": ("ingested", 1),
    "tcx/tcxreader/sup_activity_1.tcx": ("ingested", 1),
    GOOGLE_FIT + "2025-01-29T20_23_54.103+05_30_PT16M14.582S_Walking.tcx": ("ingested", 2),
    GOOGLE_FIT + "2025-02-02T17_04_20.909+05_30_PT1H13M3.876S_Walking.tcx": ("ingested", 4),
    GOOGLE_FIT + "2025-02-11T17_24_05.16+05_30_PT52M17.638S_Walking.tcx": ("ingested", 6),
}

Reader = Callable[[bytes], ParsedFile]


def reader_for(path: Path) -> tuple[Reader, Callable[[bytes], bool], Callable[[bytes], bool]]:
    """(parse, own sniffer, the other format's sniffer)."""
    if path.suffix == ".gpx":
        return gpx.parse, gpx.sniff, tcx.sniff
    return tcx.parse, tcx.sniff, gpx.sniff


def relative(path: Path) -> str:
    return path.relative_to(SAMPLES).as_posix()


def read(name: str) -> ParsedFile:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"{name} not in the corpus")
    return reader_for(path)[0](path.read_bytes())


def test_every_sample_has_an_expected_outcome() -> None:
    assert sorted(relative(path) for path in FILES) == sorted(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=relative)
def test_every_sample_is_ingested_skipped_or_rejected(path: Path) -> None:
    parse, sniff, other_sniff = reader_for(path)
    data = path.read_bytes()
    assert sniff(data[:4096])
    assert not other_sniff(data[:4096])
    status, detail = EXPECTED[relative(path)]
    try:
        parsed = parse(data)
    except UnusableFile as error:
        assert (error.status, error.reason[: len(str(detail))]) == (status, detail)
        return
    assert status == "ingested"
    assert len(parsed.sessions) == detail
    for index, record in enumerate(parsed.sessions):
        assert record.index == index
        assert record.start_utc.tzinfo is UTC
        assert record.start_utc >= datetime(1990, 1, 1, tzinfo=UTC)
        assert 0 <= record.moving_s <= record.elapsed_s
        assert record.distance_m is None or record.distance_m >= 0


def test_fit_files_are_not_claimed() -> None:
    for path in sorted(SAMPLES.glob("fit/**/*.fit"))[:20]:
        head = path.read_bytes()[:4096]
        assert not gpx.sniff(head)
        assert not tcx.sniff(head)


def approx(value: float) -> float:
    return cast(float, pytest.approx(value, abs=0.01))


def test_strava_run() -> None:
    assert read("gpx/Runalyze/strava-export.gpx").sessions == (
        SessionRecord(
            source_format="gpx",
            index=0,
            start_utc=datetime(2015, 12, 1, 20, 11, 32, tzinfo=UTC),
            elapsed_s=1156.0,
            moving_s=1049.0,  # standing at the start and at traffic lights removed
            activity_name="Nachtlauf",
            distance_m=approx(3691.20),
            steps=3366,  # gpxtpx:cad ≈ 86 strides/min doubled
            device=Device(product="StravaGPX"),
        ),
    )


def test_break_between_segments_is_a_pause_and_the_offset_is_kept() -> None:
    assert read("gpx/Runalyze/break-between-trkseg.gpx").sessions == (
        SessionRecord(
            source_format="gpx",
            index=0,
            start_utc=datetime(2010, 4, 2, 8, 26, 48, 524000, tzinfo=UTC),
            elapsed_s=approx(22820.676),
            moving_s=approx(16050.554),  # the hour between the segments is not moving
            activity_name="Ylläslenkki",
            distance_m=approx(36458.93),
            device=Device(product="ecoach"),
            utc_offset_s=7200,
        ),
    )


def test_gpsbabel_tracks_of_one_outing_are_one_session() -> None:
    (record,) = read("gpx/gpxpy/cerknicko-jezero.gpx").sessions
    assert (record.start_utc, record.elapsed_s, record.activity_name) == (
        datetime(2010, 8, 5, 14, 23, 59, tzinfo=UTC),
        7190.0,
        "ACTIVE LOG #2",
    )


def test_a_car_ride_keeps_its_distance_and_no_type() -> None:
    (record,) = read("gpx/gpxpy/around-visnjan-with-car.gpx").sessions
    assert (record.sport, record.sport_name, record.elapsed_s, record.distance_m) == (
        None,
        None,
        514.0,
        approx(2733.24),
    )
    assert (record.distance_m or 0) / record.moving_s > 8.0  # far too fast for a walk


def test_garmin_connect_gpx_running_with_cadence() -> None:
    (record,) = read("gpx/Runalyze/garmin-ns3-extension.gpx").sessions
    assert (record.sport, record.sub_sport, record.sport_name, record.steps) == (
        1,
        0,
        "running",
        99,
    )


def test_treadmill_with_doubled_cadence() -> None:
    parsed = read("tcx/Runalyze/Treadmill-doubled-cadence.tcx")
    assert parsed.sessions == (
        SessionRecord(
            source_format="tcx",
            index=0,
            start_utc=datetime(2016, 1, 7, 17, 39, 11, tzinfo=UTC),
            elapsed_s=261.0,
            moving_s=261.0,
            sport=1,
            sub_sport=0,
            sport_name="Running",
            distance_m=498.0,
            steps=585,  # Runalyze halves it to an average of 67/min per leg: 2 × 67 × 4.35
        ),
    )
    assert parsed.warnings == (
        "activity 1 (Running): cadence is already in steps per minute (90% of cadence values "
        "are up to 178/min, which per leg would be over 240 steps/min); it was not doubled",
    )


def test_indoor_training_without_distance() -> None:
    assert read("tcx/Runalyze/Indoor-Training.tcx").sessions == (
        SessionRecord(
            source_format="tcx",
            index=0,
            start_utc=datetime(2012, 2, 10, 15, 48, 2, tzinfo=UTC),
            elapsed_s=approx(7204.22),
            moving_s=7203.0,
            sport=2,
            sub_sport=0,
            sport_name="Biking",
            distance_m=None,  # 0.0 everywhere and no positions: not measured
            device=Device(product="Forerunner 405", serial="3730911181"),
        ),
    )


def test_garmin_other_sport_with_lap_steps() -> None:
    (record,) = read("tcx/tcxreader/sup_activity_1.tcx").sessions
    assert (record.sport, record.sport_name, record.steps, record.distance_m) == (
        None,
        "Other",
        426 + 65,
        approx(1157.51),
    )


def test_zero_lap_steps_are_no_step_count() -> None:
    (record,) = read("tcx/Runalyze/missing-distances.tcx").sessions
    assert (record.distance_m, record.steps) == (approx(299.03), None)


def test_the_same_run_with_and_without_heart_rate_is_the_same_session() -> None:
    with_hr = read("tcx/python-tcxparser/test.tcx").sessions
    assert with_hr == read("tcx/python-tcxparser/no_hr.tcx").sessions
    assert with_hr[0].activity_name == "Aerobics"  # the activity's Notes


def test_google_fit_walks_measure_moving_time_from_trackpoints() -> None:
    parsed = read(GOOGLE_FIT + "2025-01-29T20_23_54.103+05_30_PT16M14.582S_Walking.tcx")
    google_fit = Device(product="Google Fit")
    assert parsed.sessions == (
        SessionRecord(
            source_format="tcx",
            index=0,
            start_utc=datetime(2025, 1, 29, 14, 8, 37, 979000, tzinfo=UTC),
            elapsed_s=approx(2987.683),
            moving_s=approx(497.984),  # the 41 minutes at distance 0 are not walking
            sport=11,
            sub_sport=0,
            sport_name="Walking",
            distance_m=approx(438.22),
            device=google_fit,
        ),
        SessionRecord(
            source_format="tcx",
            index=1,
            start_utc=datetime(2025, 1, 29, 14, 57, 49, 462000, tzinfo=UTC),
            elapsed_s=approx(739.223),
            moving_s=approx(618.097),
            sport=11,
            sub_sport=0,
            sport_name="Walking",
            distance_m=approx(753.17),
            device=google_fit,
        ),
    )
    assert parsed.warnings == (
        "activity 1 (Walking): the laps' timer time 49:48 exceeds the moving time of its "
        "trackpoints 8:18 (pauses and standing still); the trackpoints' moving time was used",
    )
