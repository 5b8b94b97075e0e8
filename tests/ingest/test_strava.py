"""The Strava reader on hand-written activities.csv rows and Strava API JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingest.records import Device, ParsedFile, RejectedFile, SessionRecord, SkippedFile
from ingest.strava import (
    API_FORMAT,
    FORMAT,
    parse,
    parse_activity_date,
    parse_api_json,
    sniff,
    sniff_api_json,
    sport_codes,
)
from tests.support.exports import API_ACTIVITY

STRAVA = Device("strava", None, None)

# The first 18 columns of a current export: "Elapsed Time" and "Distance" occur twice.
HEADER = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,"
    "Elapsed Time,Distance,Relative Effort,Commute,Activity Gear,Filename,Athlete Weight,"
    "Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed"
)


def row(
    date: str,
    name: str,
    kind: str,
    elapsed: str,
    km: str,
    moving: str,
    metres: str,
    *,
    elapsed2: str | None = None,
) -> str:
    second = elapsed if elapsed2 is None else elapsed2
    return (
        f'1,"{date}",{name},{kind},,{elapsed},{km},,false,,activities/1.fit.gz,,,'
        f"{second},{moving},{metres},,"
    )


def csv_bytes(*rows: str, header: str = HEADER, newline: str = "\r\n") -> bytes:
    return ("\ufeff" + newline.join((header, *rows)) + newline).encode()


def session(index: int, start: datetime, **fields: object) -> SessionRecord:
    defaults: dict[str, object] = {"source_format": FORMAT, "device": STRAVA}
    return SessionRecord(index=index, start_utc=start, **{**defaults, **fields})  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ sniff


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (csv_bytes(), True),
        (HEADER.encode(), True),
        (b"Activity ID,Activity Date,Activity Name,Activity Type\n", True),
        (b"Activity Date,Activity Name,Activity Type\n", False),  # not the first column
        (b"Date,Calories Burned,Steps,Distance,Floors\n", False),  # Fitbit
        (b"date,start,duration_min,type\n", False),  # sessions CSV
        (b"date,pain,stiffness,notes\n", False),  # a pain diary
        ("Aktivitäten von x\n \n Favorit,Aktivitätsname,Aktivitätstyp\n".encode(), False),
        (b"", False),
        (b"\x0e\x10\x00\x00.FIT", False),
    ],
)
def test_sniff_claims_only_an_activities_csv_header(head: bytes, expected: bool) -> None:
    assert sniff(head) is expected


# ------------------------------------------------------------------------------ parse


def test_rows_become_sessions_with_utc_start_type_and_distance_in_metres() -> None:
    data = csv_bytes(
        row("Mar 2, 2026, 7:45:10 AM", "Morning Walk", "Walk", "2100", "2.9", "1900", "2912.5"),
        row("Mar 2, 2026, 6:30:00 PM", '"Gym, legs"', "Weight Training", "2700", "0", "2700", ""),
        row("Jul 8, 2021, 5:36:21 PM", "Pool", "Swim", "2890", '"1,025"', "2889", "1025"),
    )

    parsed = parse(data)

    assert parsed == ParsedFile(
        format=FORMAT,
        kind="activity",
        sessions=(
            session(
                0,
                datetime(2026, 3, 2, 7, 45, 10, tzinfo=UTC),
                elapsed_s=2100.0,
                moving_s=1900.0,
                sport=11,
                sub_sport=0,
                sport_name="Walk",
                activity_name="Morning Walk",
                distance_m=2912.5,
            ),
            session(
                1,
                datetime(2026, 3, 2, 18, 30, tzinfo=UTC),
                elapsed_s=2700.0,
                moving_s=2700.0,
                sport=10,
                sub_sport=20,
                sport_name="Weight Training",
                activity_name="Gym, legs",
                distance_m=0.0,  # the km column says 0; metres column empty
            ),
            session(
                2,
                datetime(2021, 7, 8, 17, 36, 21, tzinfo=UTC),
                elapsed_s=2890.0,
                moving_s=2889.0,
                sport=5,
                sub_sport=0,
                sport_name="Swim",
                activity_name="Pool",
                distance_m=1025.0,
            ),
        ),
    )


def test_an_old_export_with_single_columns_uses_kilometres_and_elapsed_as_moving() -> None:
    header = (
        "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,"
        "Elapsed Time,Distance,Commute,Activity Gear,Filename"
    )
    data = csv_bytes(
        '7,"2019-06-01 09:00:00",Hike up,Hike,,5400,"1,234.5",false,,activities/7.gpx',
        '8,"2019-06-02 09:00:00",Laps,Swim,,1800,"1,500",false,,activities/8.fit.gz',
        header=header,
        newline="\n",
    )

    parsed = parse(data)

    assert parsed.sessions == (
        session(
            0,
            datetime(2019, 6, 1, 9, tzinfo=UTC),
            elapsed_s=5400.0,
            moving_s=5400.0,
            sport=17,
            sub_sport=0,
            sport_name="Hike",
            activity_name="Hike up",
            distance_m=1_234_500.0,
        ),
        session(
            1,
            datetime(2019, 6, 2, 9, tzinfo=UTC),
            elapsed_s=1800.0,
            moving_s=1800.0,
            sport=5,
            sub_sport=0,
            sport_name="Swim",
            activity_name="Laps",
            distance_m=1500.0,  # swims are written in metres
        ),
    )


def test_moving_time_is_capped_at_elapsed_and_fractional_seconds_are_kept() -> None:
    data = csv_bytes(
        row("Jan 1, 2024, 10:00:00 AM", "", "Yoga", "3600", "", "3700", "", elapsed2="3600.5")
    )

    (only,) = parse(data).sessions

    assert (only.elapsed_s, only.moving_s, only.activity_name) == (3600.5, 3600.5, None)


def test_a_steps_column_is_read_when_present() -> None:
    header = HEADER + ",Total Steps"
    data = csv_bytes(
        row("Jan 1, 2024, 10:00:00 AM", "W", "Walk", "600", "0.5", "600", "500") + ',"1,004"',
        header=header,
    )

    assert parse(data).sessions[0].steps == 1004


def test_broken_rows_are_skipped_with_a_warning_naming_row_and_value() -> None:
    data = csv_bytes(
        row("Jan 1, 2024, 10:00:00 AM", "ok", "Walk", "600", "0.5", "600", "500"),
        row("Feb 30, 2024, 10:00:00 AM", "bad date", "Walk", "600", "0.5", "600", "500"),
        row("Jan 2, 2024, 10:00:00 AM", "negative", "Walk", "-5", "0.5", "600", "500"),
        row("Jan 3, 2024, 10:00:00 AM", "zero", "Walk", "0", "0", "0", "0"),
        row("Jan 4, 2024, 10:00:00 AM", "text", "Walk", "600", "0.5", "ten", "500"),
        row("Jan 5, 2024, 10:00:00 AM", "ok too", "Run", "1200", "3", "1100", "3000"),
    )

    parsed = parse(data)

    assert [s.activity_name for s in parsed.sessions] == ["ok", "ok too"]
    assert [s.index for s in parsed.sessions] == [0, 1]
    assert parsed.warnings == (
        "row 3: Activity Date 'Feb 30, 2024, 10:00:00 AM' is not a date Strava writes; row skipped",
        "row 4: Elapsed Time '-5' is negative; row skipped",
        "row 5: Elapsed Time '0' gives the activity no duration; row skipped",
        "row 6: Moving Time 'ten' is not a number; row skipped",
    )


def test_rows_are_numbered_from_the_header_even_with_multiline_descriptions() -> None:
    data = csv_bytes(
        '1,"Jan 1, 2024, 10:00:00 AM",a,Walk,"two\nlines",600,0.5,,,,,,,600,600,500,,',
        row("never", "b", "Walk", "600", "0.5", "600", "500"),
    )

    assert parse(data).warnings == (
        "row 4: Activity Date 'never' is not a date Strava writes; row skipped",
    )


def test_a_file_whose_rows_are_all_broken_is_rejected_quoting_the_first_problems() -> None:
    data = csv_bytes(
        row("yesterday", "a", "Walk", "600", "0.5", "600", "500"),
        row("Jan 1, 2024, 10:00:00 AM", "b", "Walk", "", "0.5", "600", "500", elapsed2=""),
    )

    with pytest.raises(RejectedFile) as caught:
        parse(data)

    assert caught.value.reason == (
        "Strava activities.csv: none of its 2 rows is usable - row 2: Activity Date "
        "'yesterday' is not a date Strava writes; row skipped; row 3: Elapsed Time is empty; "
        "row skipped"
    )


@pytest.mark.parametrize(
    ("data", "error", "reason"),
    [
        (csv_bytes(), SkippedFile, "Strava activities.csv has a header but no activities"),
        (
            b"\xff\xfe\x00garbage",
            RejectedFile,
            "Strava activities.csv is not UTF-8 text (byte 0): re-download the export; do not "
            "re-save it in a spreadsheet program",
        ),
        (
            b"date,start\n",
            RejectedFile,
            'not a Strava activities.csv: the first line must start with "Activity ID,'
            'Activity Date,Activity Name,Activity Type"',
        ),
        (
            b"Activity ID,Activity Date,Activity Name,Activity Type\n1,x,y,z\n",
            RejectedFile,
            'Strava activities.csv has no "Elapsed Time" column: not a complete export (the '
            "header must keep Strava's column names)",
        ),
    ],
)
def test_unusable_files(data: bytes, error: type[Exception], reason: str) -> None:
    with pytest.raises(error) as caught:
        parse(data)
    assert caught.value.reason == reason  # type: ignore[attr-defined]


# -------------------------------------------------------------------------- mappings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan 4, 2020, 2:57:37 PM", datetime(2020, 1, 4, 14, 57, 37, tzinfo=UTC)),
        ("Jan 4, 2020, 12:05:00 AM", datetime(2020, 1, 4, 0, 5, tzinfo=UTC)),
        ("Jan 4, 2020, 12:05:00 PM", datetime(2020, 1, 4, 12, 5, tzinfo=UTC)),
        ("Sept. 4, 2020, 2:57:37\u202fPM", datetime(2020, 9, 4, 14, 57, 37, tzinfo=UTC)),
        ("Jan 4 2020 2:57:37 pm", datetime(2020, 1, 4, 14, 57, 37, tzinfo=UTC)),
        ("4 Jan 2020, 14:57:37", datetime(2020, 1, 4, 14, 57, 37, tzinfo=UTC)),
        ("2020-01-04 14:57:37", datetime(2020, 1, 4, 14, 57, 37, tzinfo=UTC)),
        ("2020-01-04T14:57:37Z", datetime(2020, 1, 4, 14, 57, 37, tzinfo=UTC)),
        ("2020-01-04 14:57:37+02:00", None),  # not UTC: Strava does not write that
        ("Foo 4, 2020, 2:57:37 PM", None),
        ("Jan 4, 2020, 13:57:37 PM", None),
        ("", None),
    ],
)
def test_activity_dates(text: str, expected: datetime | None) -> None:
    assert parse_activity_date(text) == expected


@pytest.mark.parametrize(
    ("type_name", "codes"),
    [
        ("Walk", (11, 0)),
        ("Hike", (17, 0)),
        ("Run", (1, 0)),
        ("Trail Run", (1, 3)),
        ("Ride", (2, 0)),
        ("Virtual Ride", (2, 58)),
        ("E-Bike Ride", (21, 0)),
        ("Swim", (5, 0)),
        ("Weight Training", (10, 20)),
        ("WeightTraining", (10, 20)),
        ("Yoga", (10, 43)),
        ("Pilates", (10, 44)),
        ("Workout", (10, 0)),
        ("Crossfit", (10, 0)),
        ("Elliptical", (4, 15)),
        ("Stair-Stepper", (4, 16)),
        ("Rowing", (15, 0)),
        ("HIIT", (None, None)),
        ("Wheelchair", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_strava_types_map_to_fit_codes(
    type_name: str | None, codes: tuple[int | None, int | None]
) -> None:
    assert sport_codes(type_name) == codes


# -------------------------------------------------------------------------- API JSON


def test_an_api_activity_becomes_a_session_with_its_offset_and_device() -> None:
    parsed = parse_api_json(json.dumps(API_ACTIVITY).encode())

    assert parsed == ParsedFile(
        format=API_FORMAT,
        kind="activity",
        sessions=(
            SessionRecord(
                source_format=API_FORMAT,
                index=0,
                start_utc=datetime(2026, 3, 2, 11, tzinfo=UTC),
                elapsed_s=2700.0,
                moving_s=2400.0,
                sport=10,
                sub_sport=44,
                sport_name="Pilates",
                activity_name="Lunch Pilates",
                distance_m=0.0,
                device=Device("strava", "Garmin Forerunner 255", None),
                utc_offset_s=3600,
            ),
        ),
    )


def test_a_list_of_api_activities_skips_broken_ones_with_a_warning() -> None:
    summary = {k: v for k, v in API_ACTIVITY.items() if k not in ("device_name", "sport_type")}
    summary["start_date_local"] = "garbage"
    broken = {**API_ACTIVITY, "elapsed_time": -1}

    parsed = parse_api_json(json.dumps([summary, broken]).encode())

    assert [(s.sport_name, s.utc_offset_s, s.device) for s in parsed.sessions] == [
        ("Workout", 3600, Device("strava", None, None))  # offset from utc_offset
    ]
    assert parsed.warnings == ("activity 2: elapsed_time -1 is negative; activity skipped",)


def test_api_streams_are_skipped_because_they_have_no_start() -> None:
    streams = {"time": [0, 1, 2, 125], "distance": [0.0, 2.0, 4.0, 300.0], "heartrate": [1] * 4}

    with pytest.raises(SkippedFile) as caught:
        parse_api_json(json.dumps(streams).encode())

    assert caught.value.reason == (
        "Strava API streams JSON (distance, heartrate, time, 4 samples over 2 min 5 s): its "
        "times count from an unstated start and it names no activity type, so it cannot be "
        "placed on a day - upload the activity's original file (.fit / .gpx) or the bulk "
        "export's activities.csv instead"
    )


def test_api_streams_as_a_list_are_skipped_too() -> None:
    streams = [
        {"type": "distance", "data": [0.0, 5.0], "series_type": "distance"},
        {"type": "time", "data": [0, 3], "series_type": "distance"},
    ]
    data = json.dumps(streams).encode()

    assert sniff_api_json(data)
    with pytest.raises(SkippedFile, match=r"\(distance, time, 2 samples over 0 min 3 s\)"):
        parse_api_json(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", "Strava API JSON is not valid JSON: "),
        (b"[]", "Strava API JSON holds an empty list of activities"),
        (
            json.dumps([{**API_ACTIVITY, "start_date": "2026-03-02T11:00:00"}]).encode(),
            "Strava API JSON: no usable activity - activity 1: start_date "
            "'2026-03-02T11:00:00' has no UTC designator; activity skipped",
        ),
    ],
)
def test_unusable_api_json(data: bytes, reason: str) -> None:
    with pytest.raises((SkippedFile, RejectedFile)) as caught:
        parse_api_json(data)
    assert caught.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (json.dumps(API_ACTIVITY, indent=2).encode(), True),
        (json.dumps([API_ACTIVITY]).encode(), True),
        (b'{\n  "altitude": [\n    -5.6,\n    -5.6,', True),
        (b'{"distance": {"data": [0.0, 3.6], "series_type": "distance"}}', True),
        (b'[{"type": "latlng", "data": [[1, 2]]}]', True),
        (b'{"fitnessActivity": "walking", "startTime": "x", "endTime": "y"}', False),
        (b'{"Data Source": "derived:com.google.step_count.delta:x", "Data Points": []}', False),
        (b'{"type": "FeatureCollection", "features": []}', False),
        (b'{"name": "x", "time": [1]}', False),
        (b"Activity ID,Activity Date,Activity Name,Activity Type\n", False),
        (b"", False),
    ],
)
def test_sniff_api_json(head: bytes, expected: bool) -> None:
    assert sniff_api_json(head) is expected
