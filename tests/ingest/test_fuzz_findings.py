"""Inputs the fuzzer (tests/fuzz, docs/fuzzing.md) found crashing a reader, made minimal.

Each crashed with an exception other than a skip or a rejection - escaping, or caught only
by a reader's "never escape" safety net, which words it as an unexpected error. Each must
now be read, skipped or rejected with a reason that says what is wrong.
"""

from __future__ import annotations

import io
import json
import re
import struct
import time
import zipfile
import zlib
from datetime import UTC, date, datetime

import pytest

from ingest import (
    apple_health,
    fitbit,
    garmin_connect_csv,
    google_fit,
    polar,
    polar_xml,
    sessions_csv,
    strava,
    suunto_json,
    suunto_sml,
    suunto_xml,
    tcx,
)
from ingest.containers import UnsupportedCompression, expand
from ingest.diary import parse_diary
from ingest.records import Device, RejectedFile, SkippedFile, UnusableFile
from ingest.suunto import SUUNTO

DEEP_JSON = b"[" * 100_000
LONG_NUMBER = b"1" * 5000  # beyond the 4300 digits Python's int() converts
HUGE_FIELD = '"' + "x" * 140_000  # a quote never closed: one field past csv's limit


def rejected(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(RejectedFile) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert "unexpected" not in caught.value.reason
    assert not re.search(r"\((\w+Error|error): ", caught.value.reason)  # no exception named
    return caught.value.reason


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    ("reader", "prefix"),
    [
        (suunto_json.parse, b'{"DeviceLog": '),
        (strava.parse_api_json, b'{"name": '),
        (google_fit.parse, b'{"Data Source": '),
        (fitbit.parse, b'[{"dateTime": '),
    ],
)
@pytest.mark.parametrize(
    ("body", "reason"),
    [(DEEP_JSON, "nested over 1000 levels deep"), (LONG_NUMBER + b"}", "4300 digits")],
)
def test_json_nested_too_deep_or_with_an_endless_number_is_rejected(
    reader: object, prefix: bytes, body: bytes, reason: str
) -> None:
    # RecursionError and int()'s ValueError came out of json.loads
    assert reason in rejected(reader, prefix + body)


def test_suunto_json_samples_and_windows_that_are_not_lists_are_ignored() -> None:
    # TypeError: 'int' / 'float' object is not iterable
    data = (
        b'{"DeviceLog": {"Header": {"DateTime": "2018-04-09T11:00:00Z", "Duration": 60}, '
        b'"Samples": 5, "Windows": NaN}}'
    )

    (session,) = suunto_json.parse(data).sessions

    assert (session.start_utc, session.elapsed_s) == (datetime(2018, 4, 9, 11, tzinfo=UTC), 60)
    assert session.device == Device(SUUNTO, None, None)


def test_strava_api_list_whose_type_is_an_object_is_not_taken_for_streams() -> None:
    # TypeError: unhashable type: 'dict'
    reason = rejected(strava.parse_api_json, b'[{"type": {}, "data": []}]')
    assert reason.startswith("Strava API JSON")


def test_strava_api_start_after_the_year_9999_in_utc_is_a_bad_activity() -> None:
    # OverflowError: date value out of range (astimezone)
    activity = {"start_date": "9999-12-31T23:00:00-10:00", "elapsed_time": 60, "type": "Walk"}
    reason = rejected(strava.parse_api_json, json.dumps(activity).encode())
    assert "after the year 9999 in UTC" in reason


def test_google_fit_session_start_after_the_year_9999_in_utc_is_a_bad_session() -> None:
    session = {"startTime": "9999-12-31T23:00:00-10:00", "endTime": "9999-12-31T23:30:00-10:00"}
    document = {"fitnessActivity": "walking", **session}
    reason = rejected(google_fit.parse, json.dumps(document).encode())
    assert "after the year 9999 in UTC" in reason


def test_google_fit_session_name_at_the_edge_of_the_calendar_gives_no_offset() -> None:
    session = {
        "fitnessActivity": "walking",
        "startTime": "0001-01-01T00:00:00Z",
        "endTime": "0001-01-01T01:00:00Z",
        "duration": "3600s",
    }
    name = "Takeout/Fit/All Sessions/0001-01-01T00_00_00.00+14_00_WALKING.json"

    (parsed,) = google_fit.parse(json.dumps(session).encode(), name=name).sessions

    assert parsed.utc_offset_s is None


def test_google_fit_buckets_past_the_year_9999_are_bad_rows() -> None:
    data = b"Start time,End time,Step count\n23:45:00.000-05:30,00:00:00.000-05:30,100\n"
    name = "Takeout/Fit/Daily activity metrics/9999-12-31.csv"
    reason = rejected(google_fit.parse, data, name=name)
    assert "falls outside the years 1 to 9999" in reason


def test_google_fit_nanoseconds_with_endless_digits_are_a_bad_point() -> None:
    point = {
        "fitValue": [{"value": {"intVal": 5}}],
        "startTimeNanos": "1" * 5000,
        "endTimeNanos": "1" * 5000,
        "dataTypeName": "com.google.step_count.delta",
    }
    document = {"Data Source": "derived:com.google.step_count.delta:x", "Data Points": [point]}
    reason = rejected(google_fit.parse, json.dumps(document).encode())
    assert "is not nanoseconds since 1970" in reason


def test_fitbit_series_value_of_endless_digits_is_not_a_count() -> None:
    # ValueError: Exceeds the limit (4300 digits) for integer string conversion
    series = [{"dateTime": "04/12/16 07:00:00", "value": "1" * 5000}]
    reason = rejected(fitbit.parse, json.dumps(series).encode(), name="steps-2016-04-12.json")
    assert reason == "entry 0: a value of 5000 digits is not a count"


def test_fitbit_exercise_start_after_the_year_9999_in_utc_is_a_bad_entry() -> None:
    entry = {"logId": 1, "activityName": "Walk", "startTime": "9999-12-31T23:00:00.000-10:00"}
    reason = rejected(fitbit.parse, json.dumps([entry | {"duration": 60_000}]).encode())
    assert "is not a time" in reason


# ---------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("reader", "header"),
    [
        (
            strava.parse,
            "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,"
            "Moving Time\n",
        ),
        (garmin_connect_csv.parse, "Activity Type,Date,Favorite,Title,Time\n"),
        (sessions_csv.parse, "date,start,duration_min,type\n"),
        (google_fit.parse, "Date,Move Minutes count,Calories (kcal),Step count\n"),
        (fitbit.parse, "Id,ActivityMinute,Steps\n"),
    ],
)
@pytest.mark.parametrize("where", ["header", "row"])
def test_a_field_longer_than_the_csv_limit_is_rejected(
    reader: object, header: str, where: str
) -> None:
    # _csv.Error: field larger than field limit (131072)
    # in the header: one more column, past the limit; in a row: the first value
    data = header.replace("\n", f",{HUGE_FIELD}\n") if where == "header" else header + HUGE_FIELD
    reason = rejected(reader, data.encode())
    assert "longer than 131072 characters" in reason


def test_fitbit_csv_with_a_lone_carriage_return_in_a_field_is_rejected() -> None:
    # _csv.Error: new-line character seen in unquoted field
    data = b"Id,ActivityMinute,Steps\n1,4/12/2016 7:00:00 AM,1\r2\n"
    assert "carriage return" in rejected(fitbit.parse, data)


def test_fitbit_export_with_a_steps_column_of_another_name_is_rejected() -> None:
    # ValueError: 'Steps' is not in list
    reason = rejected(fitbit.parse, b"Activities\nDate,Calories Burned,Stepsi\n")
    assert "does not start with 'Date,Calories Burned,Steps'" in reason


@pytest.mark.parametrize("day", ["2016-5-2147483649", "2016-02-30", "2016-05-0²"])
def test_fitbit_export_impossible_dates_are_named(day: str) -> None:
    # OverflowError: signed integer is greater than maximum (date())
    data = f'Activities\nDate,Calories Burned,Steps\n"{day}","","1"\n'.encode()
    reason = rejected(fitbit.parse, data)
    assert reason == f"Fitbit export Activities section: {day!r} is not a date"


def test_garmin_connect_duration_of_endless_hours_is_a_bad_row() -> None:
    # ValueError: Exceeds the limit (4300 digits) for integer string conversion
    data = "Activity Type,Date,Favorite,Time\nWalking,2023-05-01 07:12:33,false," + "1" * 5000
    reason = rejected(garmin_connect_csv.parse, (data + ":05:11\n").encode())
    assert "is not a duration like 1:05:11" in reason


def test_sessions_csv_steps_of_endless_digits_are_a_bad_row() -> None:
    data = "date,start,duration_min,type,steps\n2026-03-02,07:45,35,Walk," + "1" * 5000 + "\n"
    assert "a number of 5000 digits" in rejected(sessions_csv.parse, data.encode())


def test_sessions_csv_truncated_utf16_is_rejected() -> None:
    # UnicodeDecodeError: 'utf-16-le' codec can't decode byte ...: truncated data
    reason = rejected(sessions_csv.parse, "date,start,duration_min,type\n".encode("utf-16") + b"x")
    assert reason.startswith("sessions CSV starts like UTF-16 text but is not")


@pytest.mark.parametrize(
    "row", ["9999-12-31,23:59,35,Walk,-01:00", "0001-01-01,00:00,5,Walk,+01:00"]
)
def test_sessions_csv_start_outside_the_calendar_in_utc_is_a_bad_row(row: str) -> None:
    # OverflowError: date value out of range
    data = f"date,start,duration_min,type,utc_offset\n{row}\n"
    assert "is not in the years 1 to 9999" in rejected(sessions_csv.parse, data.encode())


# ------------------------------------------------------------------------ XML, HRM


def test_apple_health_device_without_fields_is_a_device_without_a_name() -> None:
    # ValueError: zip() argument 2 is longer than argument 1
    data = (
        b'<HealthData locale="de"><Record type="HKQuantityTypeIdentifierStepCount" device="0" '
        b'sourceName="x" startDate="2019-06-11 09:00:00 +0200" '
        b'endDate="2019-06-11 09:05:00 +0200" value="12"/></HealthData>'
    )

    (interval,) = apple_health.parse(data).step_records()

    assert interval.steps == 12
    assert (interval.device.manufacturer, interval.device.product) == (None, None)


def test_apple_health_offset_in_superscript_digits_is_not_an_offset() -> None:
    data = (
        '<HealthData locale="de"><Record type="HKQuantityTypeIdentifierStepCount" '
        'sourceName="x" startDate="2019-06-11 09:00:00 +0200" '
        'endDate="2019-06-11 09:05:00 +²³⁴⁵" value="12"/></HealthData>'
    ).encode()
    with pytest.raises(UnusableFile) as caught:
        apple_health.parse(data)
    assert "ValueError" not in caught.value.reason


@pytest.mark.parametrize(
    "junk", [b"x", b"<", b"%a;", b"<!A>", b"<!-- c -->", b"<?p?>", b"<!ELEMENT x (y)>"]
)
def test_apple_health_prolog_full_of_junk_is_refused_quickly(junk: bytes) -> None:
    # was quadratic: the prolog is scanned again after every 64 kB read, byte by byte -
    # 10 s for a megabyte of "x" inside the DOCTYPE
    head = b'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n'
    data = head + junk * ((apple_health.PROLOG_LIMIT - len(head)) // len(junk))
    started = time.perf_counter()
    reason = rejected(apple_health.parse, data)
    assert time.perf_counter() - started < 1.0
    assert reason.startswith("not an Apple Health export")


@pytest.mark.parametrize("module", [suunto_sml, suunto_xml])
def test_suunto_log_ending_after_the_year_9999_is_rejected(module: object) -> None:
    # OverflowError: date value out of range (DateTime + Duration)
    header = "<Header><Duration>60</Duration><DateTime>9999-12-31T23:59</DateTime></Header>"
    data = (
        f"<sml><DeviceLog>{header}</DeviceLog></sml>"
        if module is suunto_sml
        else header.replace("Header>", "header>")
    )
    reason = rejected(module.parse, data.encode())  # type: ignore[attr-defined]
    assert "falls outside the years 1 to 9999" in reason


@pytest.mark.parametrize(
    ("start", "total"), [("9999-12-31T23:59:59Z", "3600"), ("2024-01-01T00:00:00Z", "1e15")]
)
def test_tcx_lap_ending_after_the_year_9999_is_rejected(start: str, total: str) -> None:
    # OverflowError: date value out of range (lap StartTime + TotalTimeSeconds)
    data = (
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
        f'<Id>{start}</Id><Lap StartTime="{start}"><TotalTimeSeconds>{total}</TotalTimeSeconds>'
        "</Lap></Activity></Activities></TrainingCenterDatabase>"
    )
    reason = rejected(tcx.parse, data.encode())
    assert reason.startswith("TCX activity 1 (Running): a lap's end")
    assert reason.endswith("would be after the year 9999")


def test_polar_xml_duration_of_endless_hours_is_no_duration() -> None:
    # ValueError: Exceeds the limit (4300 digits) for integer string conversion
    data = (
        '<polar-exercise-data xmlns="http://www.polarpersonaltrainer.com"><calendar-items>'
        "<exercise><time>2013-03-24 11:33:09.0</time><result><duration>"
        + "1" * 5000
        + ":48:49</duration></result></exercise></calendar-items></polar-exercise-data>"
    )
    with pytest.raises(SkippedFile, match=r"have no recorded time and duration"):
        polar_xml.parse(data.encode())


@pytest.mark.parametrize("monitor", ["1" * 5000, "²"])
def test_polar_hrm_monitor_that_is_no_code_is_kept_as_text(monitor: str) -> None:
    # ValueError: Exceeds the limit (4300 digits) / invalid literal for int()
    data = (
        f"[Params]\nMonitor={monitor}\nDate=20150312\nStartTime=12:00:00.0\n"
        "Length=00:10:00.0\nInterval=5\n\n[HRData]\n100\n"
    ).encode()

    (session,) = polar.parse(data).sessions

    assert session.device.product is not None
    assert session.start_utc == datetime(2015, 3, 12, 12, tzinfo=UTC)


# --------------------------------------------------------------------- containers


def raw_zip(name: bytes, content: bytes, *, needs_version: int = 20, method: int = 0) -> bytes:
    """A one-member zip written byte by byte, so its directory can say what zipfile won't."""
    crc, size = zlib.crc32(content), len(content)
    local = (
        struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", needs_version, 0, method, 0, 0, crc, size, size,
            len(name), 0,
        )
        + name
        + content
    )  # fmt: skip
    central = (
        struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, needs_version, 0, method, 0, 0, crc,
            size, size, len(name), 0, 0, 0, 0, 0, 0,
        )
        + name
    )  # fmt: skip
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + end


def test_zip_member_without_a_name_does_not_break_the_upload() -> None:
    # IndexError: string index out of range (ZipInfo.is_dir on "")
    (leaf,) = list(expand("x.zip", raw_zip(b"", b"hello")))
    assert (leaf.path, leaf.data, leaf.error) == ("x.zip/", b"hello", None)


def test_zip_asking_for_a_newer_zip_version_is_unsupported() -> None:
    # NotImplementedError: zip file version 12.8 (from zipfile.ZipFile itself)
    (leaf,) = list(expand("x.zip", raw_zip(b"walk.fit", b"x", needs_version=128)))
    assert isinstance(leaf.error, UnsupportedCompression)
    assert "zip file version 12.8" in leaf.error.reason


def test_corrupt_lzma_member_is_a_corrupt_member() -> None:
    # _lzma.LZMAError: Corrupt input data
    data = raw_zip(b"walk.fit", b"\x09\x04\x05\x00" + b"\xff" * 40, method=zipfile.ZIP_LZMA)
    (leaf,) = list(expand("x.zip", data))
    assert leaf.error is not None and leaf.error.reason.startswith("corrupt zip member")


def test_diary_xlsx_asking_for_a_newer_zip_version_is_rejected() -> None:
    # NotImplementedError escaped parse_diary
    data = raw_zip(b"xl/workbook.xml", b"<workbook/>", needs_version=128)
    reason = rejected(parse_diary, "Tagebuch.xlsx", data, today=date(2026, 6, 30))
    assert reason == "a damaged zip/XLSX file (zip file version 12.8): save it again"


def test_raw_zip_builds_what_zipfile_reads() -> None:
    with zipfile.ZipFile(io.BytesIO(raw_zip(b"a.txt", b"hello"))) as archive:
        assert archive.read("a.txt") == b"hello"


def test_diary_with_thousands_of_conflicting_rows_for_one_date_is_read_quickly() -> None:
    # was quadratic: every row's error quoted every row number and value of its group
    rows = "".join(f"2026-03-02,{n % 100},note {n}\n" for n in range(4000))
    started = time.perf_counter()

    parsed = parse_diary("diary.csv", f"date,pain,note\n{rows}".encode(), today=date(2026, 6, 30))

    assert time.perf_counter() - started < 1.5
    assert (len(parsed.entries), len(parsed.errors)) == (0, 4000)
    assert "in rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … (3990 more): pain 0 vs 1 vs" in (
        parsed.errors[0].message
    )
    assert max(len(error.message) for error in parsed.errors) < 600
