"""The CSV / JSON readers (Strava, Google Fit, Garmin Connect) on the real-world corpus in
../shared/samples, read in place and never copied.

Every sample of these formats is parsed or skipped with a specific reason - never an
exception - and no other sample of the corpus is claimed by their sniffers.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ingest import garmin_connect_csv, google_fit, sessions_csv, strava
from ingest.records import Device, ParsedFile, SessionRecord, SkippedFile, UnusableFile
from pipelines.rules.taxonomy import categorize
from tests.support.paths import SAMPLES

if not SAMPLES.is_dir():
    pytest.skip("real-world corpus ../shared/samples not present", allow_module_level=True)

pytestmark = pytest.mark.samples

STRAVA_CSV = SAMPLES / "strava" / "DillM94-Strava" / "activities.csv"
STRAVA_STREAMS = SAMPLES / "strava" / "sports-lib" / "3156040843.json"
GOOGLE_FIT = SAMPLES / "google_fit" / "medical_apis"
GARMIN_CONNECT = SAMPLES / "garmin_connect" / "Runalyze" / "GarminConnect.csv"

SNIFFERS: dict[str, Callable[[bytes], bool]] = {
    strava.FORMAT: strava.sniff,
    strava.API_FORMAT: strava.sniff_api_json,
    google_fit.FORMAT: google_fit.sniff,
    sessions_csv.FORMAT: sessions_csv.sniff,
    garmin_connect_csv.FORMAT: garmin_connect_csv.sniff,
}
READERS: dict[str, Callable[[bytes, str], ParsedFile]] = {
    strava.FORMAT: lambda data, name: strava.parse(data),
    strava.API_FORMAT: lambda data, name: strava.parse_api_json(data),
    google_fit.FORMAT: lambda data, name: google_fit.parse(data, name=name),
    sessions_csv.FORMAT: lambda data, name: sessions_csv.parse(data),
    garmin_connect_csv.FORMAT: lambda data, name: garmin_connect_csv.parse(data),
}

# path below samples → (format, outcome): "kind: sessions/intervals/days" or a skip reason
EXPECTED: dict[str, tuple[str, str]] = {
    "strava/DillM94-Strava/activities.csv": (strava.FORMAT, "activity: 143/0/0"),
    "strava/sports-lib/3156040843.json": (
        strava.API_FORMAT,
        "skipped: Strava API streams JSON (altitude, cadence, distance, grade_smooth, "
        "heartrate, temp, time, watts, 2197 samples over 36 min 36 s): its times count from "
        "an unstated start and it names no activity type, so it cannot be placed on a day - "
        "upload the activity's original file (.fit / .gpx) or the bulk export's "
        "activities.csv instead",
    ),
    "google_fit/medical_apis/Daily activity metrics.csv": (google_fit.FORMAT, "summary: 0/0/25"),
    "google_fit/medical_apis/2025-02-02.csv": (google_fit.FORMAT, "monitoring: 0/21/0"),
    "google_fit/medical_apis/2025-02-11.csv": (google_fit.FORMAT, "monitoring: 0/24/0"),
    "google_fit/medical_apis/2025-01-29T20_23_54.103+05_30_WALKING.json": (
        google_fit.FORMAT,
        "activity: 1/0/0",
    ),
    "google_fit/medical_apis/2025-02-02T17_04_20.909+05_30_WALKING.json": (
        google_fit.FORMAT,
        "activity: 1/0/0",
    ),
    "google_fit/medical_apis/2025-02-11T17_24_05.16+05_30_WALKING.json": (
        google_fit.FORMAT,
        "activity: 1/0/0",
    ),
    "google_fit/medical_apis/derived_com.google.step_count.delta_com.google.json": (
        google_fit.FORMAT,
        "monitoring: 0/2369/0",
    ),
    "google_fit/medical_apis/derived_com.google.activity.segment_com.google.json": (
        google_fit.FORMAT,
        "skipped: Google Fit activity segments hold no workouts, only automatically detected "
        "activity or sleep (in_vehicle 8, running 1, walking 222): walking is counted from "
        "step data, recorded workouts from All Sessions",
    ),
    "google_fit/medical_apis/derived_com.google.heart_minutes_com.google.an.json": (
        google_fit.FORMAT,
        "skipped: Google Fit All Data of type com.google.heart_minutes: not step or workout "
        "data (backtrack reads com.google.step_count.delta and com.google.activity.segment)",
    ),
    "garmin_connect/Runalyze/GarminConnect.csv": (garmin_connect_csv.FORMAT, "activity: 6/0/0"),
}


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head[:3] == b"\x1f\x8b\x08":
        try:
            with gzip.open(path) as unzipped:
                head = unzipped.read(4096)
        except (OSError, EOFError):
            pass
    return head


def _outcome(fmt: str, path: Path) -> str:
    try:
        parsed = READERS[fmt](path.read_bytes(), path.name)
    except UnusableFile as error:
        return f"{error.status}: {error.reason}"
    counts = (len(parsed.sessions), len(parsed.step_intervals), len(parsed.daily_steps))
    return f"{parsed.kind}: " + "/".join(map(str, counts))


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_every_sample_is_claimed_by_one_sniffer_and_read_as_expected(relative: str) -> None:
    path = SAMPLES / relative
    fmt, outcome = EXPECTED[relative]

    claimed = [name for name, looks_like in SNIFFERS.items() if looks_like(_head(path))]

    assert claimed == [fmt]
    assert _outcome(fmt, path) == outcome


def test_no_other_sample_of_the_corpus_is_claimed() -> None:
    others = [
        p
        for p in sorted(SAMPLES.rglob("*"))
        if p.is_file() and str(p.relative_to(SAMPLES)) not in EXPECTED
    ]
    claimed = {
        str(p.relative_to(SAMPLES)): [n for n, looks_like in SNIFFERS.items() if looks_like(h)]
        for p in others
        for h in [_head(p)]
    }

    assert len(others) > 100
    assert {k: v for k, v in claimed.items() if v} == {}


# --------------------------------------------------------------------------- Strava


@pytest.fixture(scope="module")
def strava_sessions() -> tuple[SessionRecord, ...]:
    parsed = strava.parse(STRAVA_CSV.read_bytes())
    assert parsed.warnings == ()
    return parsed.sessions


def test_strava_sessions_per_type_and_category(strava_sessions: tuple[SessionRecord, ...]) -> None:
    by_type = Counter(s.sport_name for s in strava_sessions)
    by_category = Counter(
        categorize(s.sport, s.sub_sport, s.activity_name, s.sport_name) for s in strava_sessions
    )

    assert by_type == {"Run": 127, "Ride": 11, "Hike": 2, "Swim": 2, "Workout": 1}
    assert by_category == {"other": 141, "walking": 2}
    assert sorted(
        (s.start_utc.date(), s.activity_name, s.elapsed_s, s.moving_s, s.distance_m)
        for s in strava_sessions
        if s.sport_name == "Hike"
    ) == [
        (date(2020, 3, 6), "Leinsterman", 6235.0, 5312.0, 7622.299805),
        (date(2021, 4, 4), "Father Ted", 5396.0, 5172.0, 5058.700195),
    ]


def test_strava_first_row_as_a_whole_record(strava_sessions: tuple[SessionRecord, ...]) -> None:
    assert strava_sessions[0] == SessionRecord(
        source_format="strava_csv",
        index=0,
        start_utc=datetime(2020, 1, 4, 14, 57, 37, tzinfo=UTC),
        elapsed_s=1509.0,
        moving_s=1509.0,
        sport=1,
        sub_sport=0,
        sport_name="Run",
        activity_name="Afternoon Run",
        distance_m=5005.200195,
        device=Device("strava", None, None),
    )
    swims = [s.distance_m for s in strava_sessions if s.sport_name == "Swim"]
    assert swims == [1025.0, 1025.0]  # "1,025" in the first Distance column
    assert all(0 < s.moving_s <= s.elapsed_s for s in strava_sessions)


def test_activity_date_is_utc(strava_sessions: tuple[SessionRecord, ...]) -> None:
    """Strava names untitled activities by the local hour. Read as UTC and converted to the
    athlete's zone (Ireland), the sample's default names split cleanly into hour bands, in
    winter (UTC+0) and summer (UTC+1) alike; read as local time they would interleave."""
    dublin = ZoneInfo("Europe/Dublin")
    bands = {"Morning": (5, 11), "Lunch": (11, 13), "Afternoon": (13, 18), "Evening": (18, 22)}
    named = [
        (s.activity_name.split()[0], s.start_utc.astimezone(dublin).hour)
        for s in strava_sessions
        if s.activity_name
        and len(s.activity_name.split()) == 2
        and s.activity_name.split()[0] in bands
    ]

    outside = [(name, hour) for name, hour in named if not bands[name][0] <= hour < bands[name][1]]
    as_local = [
        (s.activity_name, s.start_utc.hour)
        for s in strava_sessions
        if s.activity_name in ("Lunch Run", "Morning Run")
        and s.start_utc.replace(tzinfo=None).hour == 10
    ]

    assert len(named) == 114
    assert outside == []
    assert {name for name, _ in as_local} == {"Lunch Run", "Morning Run"}  # mixed at 10:xx


# ----------------------------------------------------------------------- Google Fit


def _google(name: str) -> ParsedFile:
    return google_fit.parse((GOOGLE_FIT / name).read_bytes(), name=name)


def test_google_fit_per_day_csvs_add_up_to_the_daily_summary() -> None:
    daily = {d.local_date: d.steps for d in _google("Daily activity metrics.csv").daily_steps}

    for day in (date(2025, 2, 2), date(2025, 2, 11)):
        buckets = _google(f"{day}.csv").step_intervals
        assert sum(b.steps for b in buckets) == daily[day]
        assert {b.utc_offset_s for b in buckets} == {19800}
        assert all(b.end_utc - b.start_utc == timedelta(minutes=15) for b in buckets)

    assert sum(daily.values()) == 152635
    assert min(daily) == date(2025, 1, 29) and max(daily) == date(2025, 2, 22)


def test_google_fit_step_deltas_match_the_daily_summary_on_local_days() -> None:
    parsed = _google("derived_com.google.step_count.delta_com.google.json")
    daily = {d.local_date: d.steps for d in _google("Daily activity metrics.csv").daily_steps}
    india = timedelta(hours=5, minutes=30)
    per_day: Counter[date] = Counter()
    for interval in parsed.step_intervals:
        per_day[(interval.start_utc + india).date()] += interval.steps

    matching = [day for day in daily if per_day[day] == daily[day]]

    assert {i.device for i in parsed.step_intervals} == {
        Device("vivo", "V2312", "557f82c0f6828d19")
    }
    assert sum(per_day.values()) == 154455
    assert len(matching) == 20  # the other days: Fit's merged stream has a few more steps
    assert date(2025, 2, 11) in matching


def test_google_fit_sessions() -> None:
    sessions = [_google(p.name).sessions[0] for p in sorted(GOOGLE_FIT.glob("*_WALKING.json"))]

    assert [
        (s.start_utc, s.elapsed_s, s.moving_s, s.steps, s.sport, s.utc_offset_s) for s in sessions
    ] == [
        (datetime(2025, 1, 29, 14, 53, 54, 103000, tzinfo=UTC), 974.582, 974.582, 1453, 11, 19800),
        (datetime(2025, 2, 2, 11, 34, 20, 909000, tzinfo=UTC), 5626.738, 4419.876, 4970, 11, 19800),
        (datetime(2025, 2, 11, 11, 54, 5, 160000, tzinfo=UTC), 4503.596, 3137.638, 4134, 11, 19800),
    ]
    assert {categorize(s.sport, s.sub_sport, s.sport_name) for s in sessions} == {"walking"}


def test_google_fit_per_day_csv_without_its_name_is_skipped() -> None:
    with pytest.raises(SkippedFile, match="not the date, which Takeout puts only in the file"):
        google_fit.parse((GOOGLE_FIT / "2025-02-11.csv").read_bytes())


def test_google_fit_tcx_files_are_left_to_the_tcx_reader() -> None:
    tcx = sorted(GOOGLE_FIT.glob("*.tcx"))

    assert len(tcx) == 3
    assert not any(looks_like(_head(p)) for p in tcx for looks_like in SNIFFERS.values())


# ------------------------------------------------------------------- Garmin Connect


def test_garmin_connect_runs_are_floating_local_times() -> None:
    sessions = garmin_connect_csv.parse(GARMIN_CONNECT.read_bytes()).sessions

    assert [(s.start_utc, s.elapsed_s, s.distance_m, s.activity_name) for s in sessions] == [
        (datetime(2012, 5, 25, 20, 31, tzinfo=UTC), 3911.0, 10200.0, "Lauf"),
        (datetime(2012, 5, 23, 19, 25, tzinfo=UTC), 723.0, 2000.0, "Auslaufen"),
        (datetime(2012, 5, 23, 18, 33, tzinfo=UTC), 363.0, 1070.0, "Warmlaufen"),
        (datetime(2012, 5, 22, 19, 56, tzinfo=UTC), 885.0, 2410.0, "Auslaufen"),
        (datetime(2012, 5, 22, 19, 47, tzinfo=UTC), 393.0, 1500.0, "1.500 m"),
        (datetime(2012, 5, 22, 19, 29, tzinfo=UTC), 753.0, 2010.0, "Einlaufen"),
    ]
    assert {(s.sport, s.sport_name, s.floating, s.utc_offset_s) for s in sessions} == {
        (1, "Laufen", True, None)
    }
