"""The sessions CSV reader on hand-written tables, and the template in docs/templates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.records import ParsedFile, RejectedFile, SessionRecord, SkippedFile
from ingest.sessions_csv import (
    FORMAT,
    SESSIONS_CSV_DEVICE,
    parse,
    parse_utc_offset,
    sniff,
    type_codes,
)

TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "templates" / "sessions.csv"


def session(index: int, start: datetime, duration_s: float, **fields: object) -> SessionRecord:
    defaults: dict[str, object] = {
        "source_format": FORMAT,
        "device": SESSIONS_CSV_DEVICE,
        "floating": "utc_offset_s" not in fields,
    }
    return SessionRecord(  # type: ignore[arg-type]
        index=index,
        start_utc=start,
        elapsed_s=duration_s,
        moving_s=duration_s,
        **{**defaults, **fields},
    )


# ------------------------------------------------------------------------------ sniff


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("date,start,duration_min,type\n", True),
        ("\ufeffDate,Start,Duration (min),Type,Name\r\n", True),
        ("# my sessions\n\ndatum;beginn;dauer_min;art\n", True),
        ("Datum;Uhrzeit;Dauer;Aktivität;Schritte\n", True),
        ("date\tstart_time\tminutes\tactivity\n", True),
        ("date,start,type\n", False),  # no duration
        ("date,pain,stiffness,notes\n", False),  # a pain diary
        ("Date,Calories Burned,Steps,Distance,Floors\n", False),  # Fitbit
        ("Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time\n", False),
        ("Date,Move Minutes count,Calories (kcal),Step count\n", False),
        ("Aktivitäten von x\n \n Favorit,Aktivitätsname,Aktivitätstyp,Course,Start,Zeit\n", False),
        ("", False),
    ],
)
def test_sniff_needs_date_start_duration_and_type_columns(head: str, expected: bool) -> None:
    assert sniff(head.encode()) is expected


def test_sniff_reads_utf16_as_excel_saves_unicode_text() -> None:
    assert sniff("datum\tbeginn\tdauer_min\tart\r\n".encode("utf-16"))


# ------------------------------------------------------------------------------ parse


def test_rows_become_floating_sessions_unless_an_offset_is_given() -> None:
    data = (
        b"date,start,duration_min,type,utc_offset,distance_km,steps,name\n"
        b"2026-03-02,07:45,35,Walk,,2.9,4100,Walk to work\n"
        b'2026-03-02,18:30,45,Pilates,+01:00,,,"Pilates, studio"\n'
        b"2026-03-04,12:10:30,1:05,Tai Chi,-05:30,,,\n"
        b"2026-03-05,19:00,37.5,,,,,\n"
    )

    assert parse(data) == ParsedFile(
        format=FORMAT,
        kind="activity",
        sessions=(
            session(
                0,
                datetime(2026, 3, 2, 7, 45, tzinfo=UTC),
                2100.0,
                sport=11,
                sub_sport=0,
                sport_name="Walk",
                activity_name="Walk to work",
                distance_m=2900.0,
                steps=4100,
            ),
            session(
                1,
                datetime(2026, 3, 2, 17, 30, tzinfo=UTC),
                2700.0,
                sport=10,
                sub_sport=44,
                sport_name="Pilates",
                activity_name="Pilates, studio",
                utc_offset_s=3600,
            ),
            session(
                2,
                datetime(2026, 3, 4, 17, 40, 30, tzinfo=UTC),
                3900.0,
                sport_name="Tai Chi",
                utc_offset_s=-19800,
            ),
            session(3, datetime(2026, 3, 5, 19, tzinfo=UTC), 2250.0),
        ),
    )


def test_german_excel_file_with_semicolons_decimal_commas_crlf_and_cp1252() -> None:
    data = (
        "Datum;Beginn;Dauer (min);Art;Strecke (km);Schritte;Bezeichnung\r\n"
        "14.03.2026;9:05;42,5;Spaziergang;3,2;4.521;Rückenrunde\r\n"
        "1.4.2026;18:00;30;Rückengymnastik;;;\r\n"
    ).encode("cp1252")

    assert parse(data).sessions == (
        session(
            0,
            datetime(2026, 3, 14, 9, 5, tzinfo=UTC),
            2550.0,
            sport=11,
            sub_sport=0,
            sport_name="Spaziergang",
            activity_name="Rückenrunde",
            distance_m=3200.0,
            steps=4521,
        ),
        session(1, datetime(2026, 4, 1, 18, tzinfo=UTC), 1800.0, sport_name="Rückengymnastik"),
    )


def test_utf16_tab_separated_file() -> None:
    data = "date\tstart\tduration_min\ttype\n2026-03-02\t07:45\t35\tYoga\n".encode("utf-16")

    (only,) = parse(data).sessions

    assert (only.sport, only.sub_sport, only.elapsed_s) == (10, 43, 2100.0)


def test_bad_rows_are_skipped_with_a_warning_naming_row_and_value() -> None:
    data = (
        b"# backtrack sessions\n"
        b"date,start,duration_min,type,utc_offset,distance_km,steps\n"
        b"2026-03-02,07:45,35,Walk,,,\n"
        b"31.02.2026,07:45,35,Walk,,,\n"
        b"2026-03-03,7h45,35,Walk,,,\n"
        b"2026-03-04,07:45,0,Walk,,,\n"
        b"2026-03-05,07:45,2000,Walk,,,\n"
        b"2026-03-06,07:45,35,Walk,CET,,\n"
        b"2026-03-07,07:45,35,Walk,,2,5,\n"
        b"2026-03-08,07:45,35,Walk,,,about 4000\n"
        b"2026-03-09,07:45,,Walk,,,\n"
        b"\n"
        b"# 2026-03-10,07:45,35,Walk,,,\n"
        b"2026-03-11,07:45,1:75,Walk,,,\n"
        b"2026-03-12,08:00,35,Walk,,,\n"
    )

    parsed = parse(data)

    assert [s.start_utc.day for s in parsed.sessions] == [2, 12]
    assert parsed.warnings == (
        "row 4: date '31.02.2026' is not a date like 2026-03-14 or 14.03.2026; row skipped",
        "row 5: start '7h45' is not a time like 09:30; row skipped",
        "row 6: duration_min '0' is not more than 0; row skipped",
        "row 7: duration_min '2000' is longer than a day; row skipped",
        "row 8: utc_offset 'CET' is not an offset like +02:00; row skipped",
        "row 9: 8 fields but the header has 7 (a decimal comma in a comma-separated file? "
        "quote the value); row skipped",
        "row 10: steps 'about 4000' is not a whole number; row skipped",
        "row 11: duration_min is empty; row skipped",
        "row 14: duration_min '1:75' is not a duration like 45 or 1:15; row skipped",
    )


def test_no_good_rows_is_rejected_naming_the_first_errors() -> None:
    data = (
        b"date;start;duration_min;type\n"
        b"2026-13-01;07:45;35;Walk\n"
        b"2026-03-02;25:00;35;Walk\n"
        b"2026-03-02;07:45;-5;Walk\n"
        b"2026-03-02;07:45;x;Walk\n"
    )

    with pytest.raises(RejectedFile) as caught:
        parse(data)

    assert caught.value.reason == (
        "sessions CSV: none of its 4 rows is usable - row 2: date '2026-13-01' is not a date "
        "like 2026-03-14 or 14.03.2026; row skipped; row 3: start '25:00' is not a time like "
        "09:30; row skipped; row 4: duration_min '-5' is not a non-negative number; row "
        "skipped ..."
    )


@pytest.mark.parametrize(
    ("data", "error", "reason"),
    [
        (b"date,start,duration_min,type\r\n", SkippedFile, "sessions CSV has a header but no"),
        (b"", RejectedFile, "sessions CSV is empty"),
        (
            b"date,start,type\n2026-03-02,07:45,Walk\n",
            RejectedFile,
            "sessions CSV header lacks the column(s) duration_min: the first line must name "
            "date, start, duration_min and type (see docs/templates/sessions.md)",
        ),
    ],
)
def test_unusable_files(data: bytes, error: type[Exception], reason: str) -> None:
    with pytest.raises(error) as caught:
        parse(data)
    assert caught.value.reason.startswith(reason)  # type: ignore[attr-defined]


# -------------------------------------------------------------------------- mappings


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("+02:00", 7200),
        ("+0200", 7200),
        ("+2", 7200),
        ("-05:30", -19800),
        ("UTC+1", 3600),
        ("GMT-03:00", -10800),
        ("Z", 0),
        ("utc", 0),
        ("+14:00", 50400),
        ("+15:00", None),
        ("+02:60", None),
        ("CET", None),
        ("2", None),
    ],
)
def test_utc_offsets(text: str, seconds: int | None) -> None:
    assert parse_utc_offset(text) == seconds


@pytest.mark.parametrize(
    ("type_name", "codes"),
    [
        ("Walk", (11, 0)),
        ("walking", (11, 0)),
        ("Spaziergang", (11, 0)),
        ("Nordic  Walking", (11, 0)),
        ("Hike", (17, 0)),
        ("Wandern", (17, 0)),
        ("Run", (1, 0)),
        ("Laufen", (1, 0)),
        ("Radfahren", (2, 0)),
        ("Schwimmen", (5, 0)),
        ("Strength training", (10, 20)),
        ("Krafttraining", (10, 20)),
        ("Yoga", (10, 43)),
        ("Pilates", (10, 44)),
        ("Tai Chi", (None, None)),
        ("Rückengymnastik", (None, None)),
        ("Core", (None, None)),
        (None, (None, None)),
    ],
)
def test_obvious_types_get_fit_codes(
    type_name: str | None, codes: tuple[int | None, int | None]
) -> None:
    assert type_codes(type_name) == codes


def test_the_documented_template_reads_without_warnings() -> None:
    data = TEMPLATE.read_bytes()

    parsed = parse(data)

    assert sniff(data[:4096])
    assert parsed.warnings == ()
    assert [(s.sport_name, s.floating) for s in parsed.sessions] == [
        ("Walk", True),
        ("Pilates", False),
        ("Hike", True),
        ("Rückengymnastik", True),
        ("Tai Chi", False),
    ]
