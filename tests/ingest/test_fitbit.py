"""The Fitbit reader on hand-written Fitabase CSV and Fitbit export files."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from ingest.fitbit import FORMAT, parse, sniff
from ingest.records import (
    DailySteps,
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    StepInterval,
    UnusableFile,
    WearSpan,
)
from tests.support.exports import STEPS_SERIES

PERSON = Device("fitbit", None, "1503960366")
FITBIT = Device("fitbit", None, None)


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def wall(*parts: int) -> datetime:
    """A local wall-clock time tagged UTC, as floating records carry it."""
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


DAILY_ACTIVITY = csv_bytes(
    "Id,ActivityDate,TotalSteps,TotalDistance,VeryActiveMinutes,SedentaryMinutes,Calories",
    "1503960366,4/12/2016,13162,8.5,25,728,1985",
    "1503960366,4/13/2016,0,0,0,1440,1300",
)
EXERCISE = {
    "logId": 12884417420,
    "activityName": "Walk",
    "activityTypeId": 90013,
    "averageHeartRate": 101,
    "calories": 150,
    "duration": 1_845_000,
    "activeDuration": 1_740_000,
    "steps": 3120,
    "logType": "auto_detected",
    "lastModified": "04/21/18 03:35:27",
    "startTime": "04/20/18 18:45:00",
    "originalStartTime": "04/20/18 18:45:00",
    "distance": 2.41,
    "distanceUnit": "Kilometer",
    "source": {"type": "tracker", "name": "Charge 2", "id": "12345"},
}


def exercises(*entries: dict[str, object]) -> bytes:
    return json.dumps(list(entries), indent=1).encode()


# ----------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (DAILY_ACTIVITY, True),
        (b"Id,ActivityDay,StepTotal\r\n1503960366,4/12/2016,13162\r\n", True),
        (b"\xef\xbb\xbfId,ActivityHour,StepTotal\n", True),
        (b"Id,ActivityMinute,Steps\n", True),
        (b'"Id","ActivityDay","SedentaryMinutes"\n', True),
        (b"Activities\nDate,Calories Burned,Steps,Distance\n", True),
        (STEPS_SERIES, True),
        (exercises(EXERCISE), True),
        # other formats' files
        (b"Id,Date,Pain,Notes\n1,2024-05-01,3,ok\n", False),
        (b"date,pain,notes\n2024-05-01,3,ok\n", False),
        (b"Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time\n", False),
        (b"Date,Move Minutes count,Calories (kcal),Distance (m),Step count\n", False),
        (b'{"DeviceLog": {"Header": {}}}', False),
        (b'[{"id": 1, "name": "Morning Walk"}]', False),
        (b'<?xml version="1.0"?><gpx></gpx>', False),
        (b"", False),
        (b"\xff\xfe\x00garbage", False),
    ],
)
def test_sniff_claims_only_fitbit_files(head: bytes, expected: bool) -> None:
    assert sniff(head[:4096]) is expected


# ------------------------------------------------------------------- Fitabase CSV files


def test_daily_activity_gives_daily_steps_and_says_what_is_not_used() -> None:
    assert parse(DAILY_ACTIVITY) == ParsedFile(
        format=FORMAT,
        kind="summary",
        daily_steps=(
            DailySteps(date(2016, 4, 12), 13162, PERSON),
            DailySteps(date(2016, 4, 13), 0, PERSON),
        ),
        warnings=(
            "intensity minutes, distances and calories are not used (no record type for "
            "them): TotalDistance, VeryActiveMinutes, SedentaryMinutes, Calories",
        ),
    )


def test_daily_steps_file() -> None:
    data = csv_bytes("Id,ActivityDay,StepTotal", "1503960366,4/12/2016,13162")

    assert parse(data) == ParsedFile(
        format=FORMAT, kind="summary", daily_steps=(DailySteps(date(2016, 4, 12), 13162, PERSON),)
    )


def test_hourly_steps_are_floating_one_hour_intervals() -> None:
    data = csv_bytes(
        "Id,ActivityHour,StepTotal",
        "1503960366,4/12/2016 12:00:00 AM,373",
        "1503960366,4/12/2016 1:00:00 PM,2811",
    )

    assert parse(data) == ParsedFile(
        format=FORMAT,
        kind="monitoring",
        step_intervals=(
            StepInterval(wall(2016, 4, 12, 0), wall(2016, 4, 12, 1), 373, PERSON, floating=True),
            StepInterval(wall(2016, 4, 12, 13), wall(2016, 4, 12, 14), 2811, PERSON, floating=True),
        ),
    )


def test_minute_steps_narrow_are_one_minute_intervals() -> None:
    data = csv_bytes("Id,ActivityMinute,Steps", "1503960366,4/12/2016 7:05:00 AM,96")

    assert parse(data).step_intervals == (
        StepInterval(wall(2016, 4, 12, 7, 5), wall(2016, 4, 12, 7, 6), 96, PERSON, floating=True),
    )


def test_minute_steps_wide_give_sixty_minutes_per_row() -> None:
    header = "Id,ActivityHour," + ",".join(f"Steps{minute:02d}" for minute in range(60))
    row = "1503960366,4/12/2016 7:00:00 AM," + ",".join(str(minute) for minute in range(60))

    intervals = parse(csv_bytes(header, row)).step_intervals

    start = wall(2016, 4, 12, 7)
    assert intervals == tuple(
        StepInterval(
            start + timedelta(minutes=m),
            start + timedelta(minutes=m + 1),
            m,
            PERSON,
            floating=True,
        )
        for m in range(60)
    )


def test_intensities_without_steps_are_skipped() -> None:
    data = csv_bytes(
        "Id,ActivityDay,SedentaryMinutes,LightlyActiveMinutes,FairlyActiveMinutes,"
        "VeryActiveMinutes",
        "1503960366,4/12/2016,728,328,13,25",
    )

    with pytest.raises(SkippedFile) as raised:
        parse(data)

    assert raised.value.reason == (
        "Fitabase intensity file: minutes per intensity level, no steps "
        "(backtrack has no record type for intensity minutes)"
    )


def test_other_fitabase_files_without_steps_are_skipped() -> None:
    data = csv_bytes("Id,ActivityHour,Calories", "1503960366,4/12/2016 12:00:00 AM,81")

    with pytest.raises(SkippedFile, match=r"Fitabase file without step counts \(columns Id"):
        parse(data)


@pytest.mark.parametrize(
    ("ids", "listed"),
    [
        (("1503960366", "1624580081"), "2 people (Fitbit Ids 1503960366, 1624580081)"),
        (
            ("1", "2", "3", "4", "5"),
            "5 people (Fitbit Ids 1, 2, 3 and 2 more)",
        ),
    ],
)
def test_a_file_of_several_people_is_rejected(ids: tuple[str, ...], listed: str) -> None:
    rows = [f"{person},4/12/2016,100" for person in ids]
    data = csv_bytes("Id,ActivityDay,StepTotal", *rows)

    with pytest.raises(RejectedFile) as raised:
        parse(data)

    assert raised.value.reason == f"holds data of {listed}: upload one person's own export"


def test_the_several_people_check_comes_before_anything_else() -> None:
    data = csv_bytes(
        "Id,ActivityDay,SedentaryMinutes", "1,4/12/2016,728", "2,4/12/2016,700"
    )  # an intensities file, which alone would be skipped

    with pytest.raises(RejectedFile, match="holds data of 2 people"):
        parse(data)


def test_unreadable_rows_are_left_out_with_a_warning() -> None:
    data = csv_bytes(
        "Id,ActivityDay,StepTotal",
        "1503960366,4/12/2016,13162",
        "1503960366,2016-04-13,10735",
        "1503960366,4/14/2016,-5",
    )

    parsed = parse(data)

    assert parsed.daily_steps == (DailySteps(date(2016, 4, 12), 13162, PERSON),)
    assert parsed.warnings == (
        "2 unreadable row(s) left out (first: line 3: ActivityDay / StepTotal: time data "
        "'2016-04-13' does not match format '%m/%d/%Y')",
    )


def test_a_file_without_readable_rows_is_rejected() -> None:
    data = csv_bytes("Id,ActivityDay,StepTotal", "1503960366,yesterday,12")

    with pytest.raises(RejectedFile, match=r"^no readable row \(line 2: ActivityDay"):
        parse(data)


def test_a_header_without_rows_is_skipped() -> None:
    with pytest.raises(SkippedFile, match="header but no rows"):
        parse(csv_bytes("Id,ActivityDay,StepTotal"))


# ---------------------------------------------------------- Fitbit export: minute steps


def test_minute_steps_json_gives_floating_minutes() -> None:
    assert parse(STEPS_SERIES, name="Physical Activity/steps-2016-04-12.json") == ParsedFile(
        format=FORMAT,
        kind="monitoring",
        step_intervals=(
            StepInterval(wall(2016, 4, 12, 7), wall(2016, 4, 12, 7, 1), 12, FITBIT, floating=True),
            StepInterval(
                wall(2016, 4, 12, 7, 1), wall(2016, 4, 12, 7, 2), 0, FITBIT, floating=True
            ),
            StepInterval(
                wall(2016, 4, 12, 7, 2), wall(2016, 4, 12, 7, 3), 104, FITBIT, floating=True
            ),
        ),
    )


def test_without_a_name_the_series_is_read_as_steps_with_a_warning() -> None:
    parsed = parse(STEPS_SERIES)

    assert len(parsed.step_intervals) == 3
    assert parsed.warnings == (
        "read as Fitbit minute steps (steps-*.json): the file's content does not name its measure",
    )


def test_a_named_series_of_another_measure_is_skipped() -> None:
    with pytest.raises(SkippedFile) as raised:
        parse(STEPS_SERIES, name="MyFitbitData/Physical Activity/distance-2016-04-12.json")

    assert raised.value.reason == (
        "Fitbit distance time series: not steps (only steps-*.json is read)"
    )


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        (
            [
                {
                    "dateTime": "04/12/16 00:00:00",
                    "value": {"valuesInZones": {"IN_DEFAULT_ZONE_1": 3}},
                }
            ],
            "Fitbit time series with structured values (heart rate, zones, …): not steps",
        ),
        (
            [{"dateTime": "04/12/16 07:00:00", "value": "1.23"}],
            "Fitbit time series with fractional values (calories or another measure): not steps",
        ),
        (
            [
                {"dateTime": "04/12/16 00:00:00", "value": "512"},
                {"dateTime": "04/13/16 00:00:00", "value": "480"},
            ],
            "Fitbit daily time series (active or sedentary minutes, …): not minute steps",
        ),
        (
            [{"dateTime": "04/12/16 07:00:00", "value": "7620"}],
            "Fitbit minute series with values up to 7620 per minute, more than anyone walks "
            "(300): distance or another measure, not steps",
        ),
    ],
)
def test_series_that_cannot_be_steps_are_skipped(
    entries: list[dict[str, object]], reason: str
) -> None:
    with pytest.raises(SkippedFile) as raised:
        parse(json.dumps(entries).encode())

    assert raised.value.reason == reason


def bpm(at: str, value: object = 70) -> dict[str, object]:
    return {"dateTime": at, "value": {"bpm": value, "confidence": 2}}


# 08:00:05–08:03:55 every 10 s, a 5-minute hole (08:04–08:08: next reading 08:09:00,
# minute 09 is 6 after minute 03 → a new span), then 08:09:00 and 08:14:30 (5 after: joined).
HEART_RATE_SERIES = [
    bpm(f"04/13/19 08:{m:02d}:{sec:02d}") for m in range(4) for sec in range(5, 60, 10)
] + [bpm("04/13/19 08:09:00"), bpm("04/13/19 08:14:30")]


@pytest.mark.parametrize("name", ["Physical Activity/heart_rate-2019-04-13.json", None])
def test_heart_rate_series_gives_floating_wear_spans(name: str | None) -> None:
    parsed = parse(json.dumps(HEART_RATE_SERIES).encode(), name=name)

    assert parsed == ParsedFile(
        format=FORMAT,
        kind="monitoring",
        wear_spans=(
            WearSpan(wall(2019, 4, 13, 8, 0), wall(2019, 4, 13, 8, 4), FITBIT, floating=True),
            WearSpan(wall(2019, 4, 13, 8, 9), wall(2019, 4, 13, 8, 15), FITBIT, floating=True),
        ),
    )


def test_heart_rate_entries_that_cannot_be_read_are_left_out_with_a_count() -> None:
    entries = [
        bpm("04/13/19 08:00:05"),
        bpm("04/13/19 08:00:15", "fast"),
        bpm("2019-04-13 08:00:25"),
        "not an object",
        bpm("04/13/19 08:01:05", 0),  # 0 bpm: no reading, not an error
    ]

    parsed = parse(json.dumps(entries).encode(), name="heart_rate-2019-04-13.json")

    assert parsed.wear_spans == (
        WearSpan(wall(2019, 4, 13, 8, 0), wall(2019, 4, 13, 8, 1), FITBIT, floating=True),
    )
    assert parsed.warnings == (
        "3 heart-rate entries with unreadable dateTime or bpm were left out",
    )


def test_a_heart_rate_series_without_a_reading_is_skipped() -> None:
    data = json.dumps([bpm("04/13/19 08:00:05", 0)]).encode()

    with pytest.raises(SkippedFile) as raised:
        parse(data, name="heart_rate-2019-04-13.json")

    assert raised.value.reason == "Fitbit heart-rate series without a reading: no wear time"


def test_a_series_with_a_bad_time_is_rejected() -> None:
    data = json.dumps([{"dateTime": "2016-04-12 07:00", "value": "3"}]).encode()

    with pytest.raises(RejectedFile) as raised:
        parse(data)

    assert raised.value.reason == ("entry 0: dateTime '2016-04-12 07:00' is not MM/DD/YY hh:mm:ss")


# ------------------------------------------------------------- Fitbit export: exercises


def test_exercise_json_gives_floating_sessions() -> None:
    assert parse(exercises(EXERCISE)) == ParsedFile(
        format=FORMAT,
        kind="activity",
        sessions=(
            SessionRecord(
                source_format=FORMAT,
                index=0,
                start_utc=wall(2018, 4, 20, 18, 45),
                elapsed_s=1845.0,
                moving_s=1740.0,
                sport=11,
                sub_sport=0,
                sport_name="Walk",
                distance_m=2410.0,
                steps=3120,
                device=Device("fitbit", "Charge 2", None),
                floating=True,
            ),
        ),
    )


@pytest.mark.parametrize(
    ("name", "sport", "sub_sport"),
    [
        ("Walk", 11, 0),
        ("Hike", 17, 0),
        ("Run", 1, 0),
        ("Outdoor Bike", 2, 0),
        ("Spinning", 2, 6),
        ("Swim", 5, 0),
        ("Weights", 10, 20),
        ("Yoga", 10, 43),
        ("Pilates", 10, 44),
        ("Elliptical", 4, 15),
        ("Workout", 10, 0),
        ("Treadmill", None, None),
        ("Tai Chi", None, None),
        ("Sport", None, None),
    ],
)
def test_exercise_names_map_to_fit_codes(
    name: str, sport: int | None, sub_sport: int | None
) -> None:
    (session,) = parse(exercises({**EXERCISE, "activityName": name})).sessions

    assert (session.sport, session.sub_sport, session.sport_name) == (sport, sub_sport, name)


@pytest.mark.parametrize(
    ("distance", "unit", "metres"),
    [(1.5, "Mile", 2414.016), (2.0, "Kilometer", 2000.0), (2.0, None, None)],
)
def test_exercise_distance_units(distance: float, unit: str | None, metres: float | None) -> None:
    parsed = parse(exercises({**EXERCISE, "distance": distance, "distanceUnit": unit}))

    assert parsed.sessions[0].distance_m == pytest.approx(metres)
    if unit is None:
        assert parsed.warnings == ("distance without a known unit (None) is not used",)


def test_exercise_start_with_an_offset_is_an_instant() -> None:
    entry = {**EXERCISE, "startTime": "2020-04-03T18:05:08.000-04:00", "source": None}

    (session,) = parse(exercises(entry)).sessions

    assert session.start_utc == datetime(2020, 4, 3, 22, 5, 8, tzinfo=UTC)
    assert (session.utc_offset_s, session.floating, session.device) == (-14400, False, FITBIT)


def test_manual_and_unreadable_exercises_are_reported() -> None:
    manual = {**EXERCISE, "logType": "manual", "activeDuration": None, "steps": None}
    broken = {**EXERCISE, "startTime": "sometime"}

    parsed = parse(exercises(manual, broken))

    (session,) = parsed.sessions
    assert (session.moving_s, session.elapsed_s, session.steps) == (1845.0, 1845.0, None)
    assert parsed.warnings == (
        "1 unreadable exercise(s) left out (first: entry 1: startTime 'sometime' is not a time)",
        "1 manually logged exercise(s) (logType manual) are included",
    )


def test_exercises_without_any_readable_entry_are_rejected() -> None:
    with pytest.raises(RejectedFile, match=r"^no readable exercise \(entry 0: duration"):
        parse(exercises({**EXERCISE, "duration": "long"}))


# --------------------------------------------------------- Fitbit export: classic CSV


def test_export_csv_activities_section_gives_daily_steps() -> None:
    data = csv_bytes(
        "Body",
        "Date,Weight,BMI,Fat",
        '"2016-05-01","80.0","24.1","0"',
        "",
        "Activities",
        "Date,Calories Burned,Steps,Distance,Floors,Minutes Sedentary,Minutes Lightly Active,"
        "Minutes Fairly Active,Minutes Very Active,Activity Calories",
        '"2016-05-01","2,013","8,306","6.2","7","1,149","191","23","13","899"',
        '"2016-05-02","1,900","12,004","9.1","2","1,000","200","30","20","950"',
    )

    assert parse(data) == ParsedFile(
        format=FORMAT,
        kind="summary",
        daily_steps=(
            DailySteps(date(2016, 5, 1), 8306, FITBIT),
            DailySteps(date(2016, 5, 2), 12004, FITBIT),
        ),
        warnings=("calories, distance, floors and activity minutes are not used",),
    )


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (("13-05-2016", "01-06-2016"), (date(2016, 5, 13), date(2016, 6, 1))),
        (("05/13/2016", "06/01/2016"), (date(2016, 5, 13), date(2016, 6, 1))),
    ],
)
def test_export_csv_date_order_is_read_from_the_data(
    dates: tuple[str, str], expected: tuple[date, date]
) -> None:
    rows = [f'"{day}","2,000","100","0","0","0","0","0","0","0"' for day in dates]
    data = csv_bytes("Activities", "Date,Calories Burned,Steps,Distance", *rows)

    assert tuple(day.local_date for day in parse(data).daily_steps) == expected


def test_export_csv_with_ambiguous_dates_is_rejected() -> None:
    data = csv_bytes("Activities", "Date,Calories Burned,Steps", '"01-05-2016","2,000","100"')

    with pytest.raises(RejectedFile) as raised:
        parse(data)

    assert raised.value.reason == (
        "dates like '01-05-2016' can be day-month-year or month-day-year (every date fits "
        "both orders): export again with the date format set to year-month-day"
    )


def test_export_csv_without_activities_is_skipped() -> None:
    data = csv_bytes("Body", "Date,Weight,BMI,Fat", '"2016-05-01","80.0","24.1","0"')

    with pytest.raises(SkippedFile, match=r"without an Activities section \(sections: Body\)"):
        parse(data)


# ------------------------------------------------------------------------ robustness


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b'[{"dateTime": "04/12/16 07:00:00", "value": ', "broken JSON at line 1"),
        (b"\xff\xfe\x00\x01", "not UTF-8 text"),
        (b"[]", "Fitbit JSON file with an empty list: no data"),
        (b"hello", "not a Fitbit file this reader knows"),
    ],
)
def test_broken_input_gets_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnusableFile) as raised:
        parse(data)

    assert raised.value.reason.startswith(reason)


@pytest.mark.parametrize("source", [DAILY_ACTIVITY, STEPS_SERIES, exercises(EXERCISE)])
def test_truncated_files_never_raise_anything_else(source: bytes) -> None:
    for end in range(0, len(source), 7):
        try:
            result = parse(source[:end])
        except UnusableFile:
            continue
        assert isinstance(result, ParsedFile)
