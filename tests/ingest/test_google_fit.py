"""The Google Fit Takeout reader on hand-written CSV and JSON files."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from ingest.google_fit import (
    ACTIVITY_TYPES,
    AUTOMATIC_ACTIVITY_TYPES,
    FITNESS_ACTIVITIES,
    FORMAT,
    GOOGLE_FIT_DEVICE,
    device_of_data_source,
    parse,
    sniff,
)
from ingest.records import (
    DailySteps,
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    StepInterval,
)

PHONE = Device("vivo", "V2312", "557f82c0f6828d19")
STEPS_SOURCE = (
    "derived:com.google.step_count.delta:com.google.android.fit:vivo:V2312:557f82c0f6828d19:"
    "top_level"
)
SEGMENT_SOURCE = STEPS_SOURCE.replace("step_count.delta", "activity.segment")

DAILY_HEADER = (
    "Date,Move Minutes count,Calories (kcal),Distance (m),Heart Points,Heart Minutes,"
    "Average speed (m/s),Step count,Walking duration (ms)"
)
BUCKET_HEADER = (
    "Start time,End time,Move Minutes count,Calories (kcal),Distance (m),Step count,"
    "Walking duration (ms)"
)


def nanos(instant: datetime) -> int:
    return int(instant.timestamp()) * 1_000_000_000 + instant.microsecond * 1000


def point(start: datetime, end: datetime, value: int, data_type: str) -> dict[str, object]:
    return {
        "fitValue": [{"value": {"intVal": value}}],
        "originDataSourceId": "raw:com.google.step_count.cumulative:vivo:V2312:x:STEP_COUNTER",
        "endTimeNanos": nanos(end),
        "dataTypeName": data_type,
        "startTimeNanos": nanos(start),
        "modifiedTimeMillis": 1738167533061,
        "rawTimestampNanos": 0,
    }


def all_data(source: str, points: list[dict[str, object]]) -> bytes:
    return json.dumps({"Data Source": source, "Data Points": points}, indent=4).encode()


def t(hour: int, minute: int = 0, second: int = 0, day: int = 11) -> datetime:
    return datetime(2025, 2, day, hour, minute, second, tzinfo=UTC)


SESSION = {
    "fitnessActivity": "walking",
    "startTime": "2025-02-11T11:54:05.160Z",
    "endTime": "2025-02-11T13:09:08.756Z",
    "duration": "3137.638s",
    "segment": [
        {
            "fitnessActivity": "walking",
            "startTime": "2025-02-11T11:54:05.160Z",
            "endTime": "2025-02-11T12:37:00.686Z",
        }
    ],
    "aggregate": [
        {"metricName": "com.google.heart_minutes.summary", "floatValue": 7.0},
        {"metricName": "com.google.step_count.delta", "intValue": 4134},
        {"metricName": "com.google.distance.delta", "floatValue": 2853.5},
    ],
}
SESSION_NAME = "Takeout/Fit/All Sessions/2025-02-11T17_24_05.16+05_30_WALKING.json"


# ------------------------------------------------------------------------------ sniff


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (f"\ufeff{DAILY_HEADER}\r\n2025-01-29,51,409.2,2652.3,9.0,9,0.5,3952,3172589\r\n", True),
        (BUCKET_HEADER + "\n", True),
        (json.dumps(SESSION, indent=2), True),
        (all_data(STEPS_SOURCE, []).decode(), True),
        ('{"Data Source": "raw:com.google.heart_rate.bpm:x", "Data Points": []}', True),
        ("Date,Steps,Calories\n", False),  # a generic daily CSV
        ("Date,Calories (kcal)\n", False),  # one Google column is not enough
        ("Date,Calories Burned,Steps,Distance,Floors,Minutes Sedentary\n", False),  # Fitbit
        ("date,pain,stiffness\n", False),
        ("date,start,duration_min,type\n", False),
        ("Activity ID,Activity Date,Activity Name,Activity Type\n", False),
        ('{"altitude": [1, 2]}', False),
        ('{"startTime": "x", "endTime": "y"}', False),
        ("<?xml version='1.0'?><TrainingCenterDatabase>", False),
        ("", False),
    ],
)
def test_sniff_claims_only_takeout_fit_files(head: str, expected: bool) -> None:
    assert sniff(head.encode()) is expected


# --------------------------------------------------------------------- daily summary


def test_daily_metrics_become_daily_steps_and_days_without_a_count_are_left_out() -> None:
    data = (
        f"\ufeff{DAILY_HEADER}\r\n"
        "2025-01-29,51,409.2,2652.3,9.0,9,0.5,3952,3172589\r\n"
        "2025-01-30,,1400.0,,,,,,\r\n"
        '2025-01-31,56,1459.1,2320.1,,,0.4,"12,486",2090256\r\n'
    ).encode()

    assert parse(data) == ParsedFile(
        format=FORMAT,
        kind="summary",
        daily_steps=(
            DailySteps(date(2025, 1, 29), 3952, GOOGLE_FIT_DEVICE),
            DailySteps(date(2025, 1, 31), 12486, GOOGLE_FIT_DEVICE),
        ),
    )


def test_bad_daily_rows_are_skipped_with_a_warning() -> None:
    data = (
        f"{DAILY_HEADER}\n"
        "2025-01-29,51,409.2,2652.3,9.0,9,0.5,3952,3172589\n"
        "29.01.2025,51,409.2,2652.3,9.0,9,0.5,3952,3172589\n"
        "2025-01-30,51,409.2,2652.3,9.0,9,0.5,-4,3172589\n"
    ).encode()

    parsed = parse(data)

    assert parsed.daily_steps == (DailySteps(date(2025, 1, 29), 3952, GOOGLE_FIT_DEVICE),)
    assert parsed.warnings == (
        "row 3: Date '29.01.2025' is not YYYY-MM-DD; row skipped",
        "row 4: Step count '-4' is not a non-negative number; row skipped",
    )


def test_daily_metrics_without_steps_are_skipped() -> None:
    with pytest.raises(SkippedFile, match="no day has a step count"):
        parse(f"{DAILY_HEADER}\n2025-01-29,1,2,3,,,,,\n".encode())
    header = DAILY_HEADER.replace(",Step count", "")
    with pytest.raises(SkippedFile, match='without a "Step count" column'):
        parse(f"{header}\n2025-01-29,1,2,3,,,,\n".encode())


# ----------------------------------------------------------------- per-day buckets


BUCKETS = (
    f"{BUCKET_HEADER}\n"
    "00:00:00.000+05:30,00:15:00.000+05:30,,14.16,,,\n"
    "17:15:00.000+05:30,17:30:00.000+05:30,9,21.7,296.8,460,208362\n"
    "17:30:00.000+05:30,17:45:00.000+05:30,9,30.1,436.8,0,442465\n"
    "23:45:00.000+05:30,00:00:00.000+05:30,1,21.2,75.2,109,194523\n"
).encode()


def test_day_buckets_take_their_date_from_the_file_name_and_their_offset_from_the_rows() -> None:
    parsed = parse(BUCKETS, name="Takeout/Fit/Daily activity metrics/2025-02-11.csv")

    def bucket(start: datetime, end: datetime, steps: int) -> StepInterval:
        return StepInterval(start, end, steps, GOOGLE_FIT_DEVICE, utc_offset_s=19800)

    assert parsed == ParsedFile(
        format=FORMAT,
        kind="monitoring",
        step_intervals=(
            bucket(t(11, 45), t(12), 460),
            bucket(t(12), t(12, 15), 0),
            bucket(t(18, 15), t(18, 30), 109),  # ends at midnight of the next local day
        ),
    )


def test_day_buckets_without_the_file_name_are_skipped_saying_why() -> None:
    with pytest.raises(SkippedFile) as caught:
        parse(BUCKETS)

    assert caught.value.reason == (
        "Google Fit per-day CSV (15-minute buckets) states times of day but not the date, "
        "which Takeout puts only in the file name (YYYY-MM-DD.csv); the same steps are in "
        "All Data/derived_com.google.step_count.delta*.json"
    )
    with pytest.raises(SkippedFile, match=r"and 'steps\.csv' has none"):
        parse(BUCKETS, name="steps.csv")


def test_a_bucket_without_offset_is_a_bad_row() -> None:
    data = (
        f"{BUCKET_HEADER}\n"
        "17:15:00.000,17:30:00.000,9,21.7,296.8,460,208362\n"
        "17:30:00.000+01:00,17:45:00.000+01:00,9,30.1,436.8,12,442465\n"
    ).encode()

    parsed = parse(data, name="2025-02-11.csv")

    assert parsed.step_intervals == (
        StepInterval(t(16, 30), t(16, 45), 12, GOOGLE_FIT_DEVICE, utc_offset_s=3600),
    )
    assert parsed.warnings == (
        "row 2: Start time '17:15:00.000' states no UTC offset; row skipped",
    )


# ------------------------------------------------------------------------- sessions


def test_a_session_file_becomes_one_session_with_the_offset_its_name_states() -> None:
    parsed = parse(json.dumps(SESSION).encode(), name=SESSION_NAME)

    assert parsed == ParsedFile(
        format=FORMAT,
        kind="activity",
        sessions=(
            SessionRecord(
                source_format=FORMAT,
                index=0,
                start_utc=datetime(2025, 2, 11, 11, 54, 5, 160000, tzinfo=UTC),
                elapsed_s=4503.596,
                moving_s=3137.638,
                sport=11,
                sub_sport=0,
                sport_name="walking",
                distance_m=2853.5,
                steps=4134,
                device=GOOGLE_FIT_DEVICE,
                utc_offset_s=19800,
            ),
        ),
    )


def test_a_session_without_a_name_has_no_offset_and_a_mismatching_name_is_reported() -> None:
    data = json.dumps(SESSION).encode()

    assert parse(data).sessions[0].utc_offset_s is None
    parsed = parse(data, name="2025-02-11T17_24_05.16+01_00_WALKING.json")
    assert parsed.sessions[0].utc_offset_s is None
    assert parsed.warnings == (
        "file name '2025-02-11T17_24_05.16+01_00_WALKING.json' states a local time that does "
        "not match startTime '2025-02-11T11:54:05.160Z': its offset was not used",
    )


def test_a_session_without_duration_uses_its_segments_as_moving_time() -> None:
    document = {
        **{k: v for k, v in SESSION.items() if k != "duration"},
        "fitnessActivity": "yoga",
        "name": "Morning yoga",
    }

    (only,) = parse(json.dumps(document).encode()).sessions

    assert (only.moving_s, only.sport, only.sub_sport, only.sport_name, only.activity_name) == (
        2575.526,
        10,
        43,
        "yoga",
        "Morning yoga",
    )


def test_malformed_optional_parts_of_a_session_are_ignored() -> None:
    document = {
        **SESSION,
        "duration": None,
        "segment": 7,
        "aggregate": {"steps": 5},
        "fitnessActivity": ["walking"],
        "name": 3,
    }

    (only,) = parse(json.dumps(document).encode()).sessions

    assert (only.moving_s, only.elapsed_s, only.steps, only.sport_name, only.activity_name) == (
        4503.596,
        4503.596,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"startTime": "yesterday"},
            "Google Fit session: startTime 'yesterday' is not an ISO date",
        ),
        (
            {"endTime": "2025-02-11T11:00:00Z"},
            "Google Fit session: endTime '2025-02-11T11:00:00Z' is not after startTime "
            "'2025-02-11T11:54:05.160Z'",
        ),
        ({"duration": "long"}, "Google Fit session: duration 'long' is not a duration"),
    ],
)
def test_broken_sessions_are_rejected(change: dict[str, str], reason: str) -> None:
    with pytest.raises(RejectedFile) as caught:
        parse(json.dumps({**SESSION, **change}).encode())
    assert caught.value.reason == reason


# ------------------------------------------------------------------------- All Data


def test_step_deltas_become_intervals_of_the_device_the_source_names() -> None:
    points = [
        point(t(10, 5), t(10, 6), 80, "com.google.step_count.delta"),
        point(t(10, 0), t(10, 1), 19, "com.google.step_count.delta"),
    ]

    parsed = parse(all_data(STEPS_SOURCE, points))

    assert parsed == ParsedFile(
        format=FORMAT,
        kind="monitoring",
        step_intervals=(
            StepInterval(t(10, 0), t(10, 1), 19, PHONE),
            StepInterval(t(10, 5), t(10, 6), 80, PHONE),
        ),
    )


def test_broken_step_points_are_skipped_with_a_warning() -> None:
    good = point(t(10, 0), t(10, 1), 19, "com.google.step_count.delta")
    backwards = point(t(10, 1), t(10, 0), 19, "com.google.step_count.delta")
    negative = point(t(11), t(11, 1), -3, "com.google.step_count.delta")
    no_value = {**good, "fitValue": []}

    parsed = parse(all_data(STEPS_SOURCE, [good, backwards, negative, no_value]))

    assert len(parsed.step_intervals) == 1
    assert parsed.warnings == (
        f"data point 2: endTimeNanos {nanos(t(10))} is not after its start; skipped",
        "data point 3: intVal -3 is negative; skipped",
        "data point 4: fitValue [] holds no intVal; skipped",
    )


def test_workout_segments_become_sessions_and_automatic_ones_do_not() -> None:
    points = [
        point(t(7), t(7, 40), 7, "com.google.activity.segment"),  # walking: automatic
        point(t(8), t(8, 45), 49, "com.google.activity.segment"),  # pilates
        point(t(9), t(9, 30), 80, "com.google.activity.segment"),  # strength training
        point(t(10), t(10, 5), 3, "com.google.activity.segment"),  # still
        point(t(11), t(11, 20), 107, "com.google.activity.segment"),  # not in the table
    ]

    parsed = parse(all_data(SEGMENT_SOURCE, points))

    def workout(index: int, start: datetime, span: float, *fields: object) -> SessionRecord:
        sport, sub_sport, name = fields
        return SessionRecord(
            source_format=FORMAT,
            index=index,
            start_utc=start,
            elapsed_s=span,
            moving_s=span,
            sport=sport,  # type: ignore[arg-type]
            sub_sport=sub_sport,  # type: ignore[arg-type]
            sport_name=name,  # type: ignore[arg-type]
            device=PHONE,
        )

    assert parsed == ParsedFile(
        format=FORMAT,
        kind="activity",
        sessions=(
            workout(0, t(8), 2700.0, 10, 44, "pilates"),
            workout(1, t(9), 1800.0, 10, 20, "strength_training"),
            workout(2, t(11), 1200.0, None, None, "activity type 107"),
        ),
        warnings=(
            "automatically detected segments not made sessions (still 1, walking 1): walking "
            "is counted from step data",
        ),
    )


def test_segments_of_automatic_types_only_are_skipped_with_their_counts() -> None:
    points = [
        point(t(7), t(7, 40), 7, "com.google.activity.segment"),
        point(t(8), t(8, 10), 0, "com.google.activity.segment"),
        point(t(9), t(9, 10), 7, "com.google.activity.segment"),
    ]

    with pytest.raises(SkippedFile) as caught:
        parse(all_data(SEGMENT_SOURCE, points))

    assert caught.value.reason == (
        "Google Fit activity segments hold no workouts, only automatically detected activity "
        "or sleep (in_vehicle 1, walking 2): walking is counted from step data, recorded "
        "workouts from All Sessions"
    )


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            "derived:com.google.heart_minutes:com.google.android.fit:vivo:V2312:x:top_level",
            "Google Fit All Data of type com.google.heart_minutes: not step or workout data "
            "(backtrack reads com.google.step_count.delta and com.google.activity.segment)",
        ),
        (
            "raw:com.google.step_count.cumulative:vivo:V2312:x:STEP_COUNTER",
            "Google Fit step_count.cumulative is a raw running counter; backtrack reads the "
            "same steps from All Data/derived_com.google.step_count.delta*.json",
        ),
        (STEPS_SOURCE, "Google Fit step_count.delta holds no data points"),
    ],
)
def test_other_all_data_files_are_skipped_naming_their_type(source: str, reason: str) -> None:
    with pytest.raises(SkippedFile) as caught:
        parse(all_data(source, []))
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"Data Source": ', "Google Fit JSON is not valid JSON: "),
        (b'{"something": 1}', 'not a Google Fit Takeout JSON: expected "Data Source" or'),
        (
            json.dumps({"Data Source": STEPS_SOURCE, "Data Points": 5}).encode(),
            'Google Fit All Data JSON has no "Data Points" list',
        ),
        (b"\xff\xfe\x00", "Google Fit file is not UTF-8 text (byte 0)"),
        (b"Foo,Bar\n1,2\n", "not a Google Fit daily-metrics CSV: the first column must be"),
        (b"", "Google Fit CSV is empty"),
        (
            all_data(STEPS_SOURCE, [{"startTimeNanos": "x"}]),
            "Google Fit step_count.delta: nothing usable - data point 1: startTimeNanos 'x' is "
            "not nanoseconds since 1970; skipped",
        ),
    ],
)
def test_broken_files_are_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as caught:
        parse(data)
    assert caught.value.reason.startswith(reason)


# -------------------------------------------------------------------------- tables


@pytest.mark.parametrize(
    ("source", "device"),
    [
        (STEPS_SOURCE, PHONE),
        ("derived:com.google.step_count.delta:com.google.android.gms:merge_step_deltas", None),
        ("raw:com.google.step_count.cumulative:vivo:V2312:abc:STEP_COUNTER", None),
        ("", None),
    ],
)
def test_device_of_data_source(source: str, device: Device | None) -> None:
    assert device_of_data_source(source) == (device or GOOGLE_FIT_DEVICE)


@pytest.mark.parametrize(
    ("activity_type", "name", "codes"),
    [
        (7, "walking", (11, 0)),
        (8, "running", (1, 0)),
        (1, "biking", (2, 0)),
        (35, "hiking", (17, 0)),
        (49, "pilates", (10, 44)),
        (80, "strength_training", (10, 20)),
        (97, "weightlifting", (10, 20)),
        (100, "yoga", (10, 43)),
        (93, "walking.fitness", (11, 0)),
        (95, "walking.treadmill", (11, 27)),
        (82, "swimming", (5, 0)),
        (115, "interval_training", (10, 0)),
        (44, "martial_arts", None),
        (45, "meditation", None),
        (122, "guided_breathing", None),
    ],
)
def test_activity_type_table(activity_type: int, name: str, codes: tuple[int, int] | None) -> None:
    assert ACTIVITY_TYPES[activity_type] == name
    assert FITNESS_ACTIVITIES.get(name) == codes


def test_automatic_types_are_recognition_and_sleep_only() -> None:
    assert sorted(ACTIVITY_TYPES[n] for n in AUTOMATIC_ACTIVITY_TYPES) == [
        "biking",
        "in_vehicle",
        "on_foot",
        "running",
        "sleep",
        "sleep.awake",
        "sleep.deep",
        "sleep.light",
        "sleep.rem",
        "still",
        "tilting",
        "unknown",
        "walking",
    ]
