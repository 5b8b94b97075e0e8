"""The Garmin Connect activities-list CSV reader on hand-written exports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.garmin_connect_csv import (
    FORMAT,
    GARMIN_CONNECT_DEVICE,
    parse,
    parse_start,
    sniff,
)
from ingest.records import ParsedFile, RejectedFile, SessionRecord, SkippedFile

GERMAN_HEADER = (
    " Favorit,Aktivitätsname,Aktivitätstyp,Course,Start,Zeit,Distanz,Positiver Höhenunterschied,"
    "Ø Geschw(Ø Pace),Max. Geschw.(Beste Pace),Ø HF,Max. HF,Kalorien,"
)
ENGLISH_HEADER = (
    "Activity Type,Date,Favorite,Title,Distance,Calories,Time,Avg HR,Max HR,Steps,"
    "Moving Time,Elapsed Time"
)


def german(*rows: str) -> bytes:
    return ("Aktivitäten von someone\n \n" + "\n".join((GERMAN_HEADER, *rows)) + "\n").encode()


def english(*rows: str) -> bytes:
    return ("\ufeff" + "\r\n".join((ENGLISH_HEADER, *rows)) + "\r\n").encode()


def session(index: int, start: datetime, **fields: object) -> SessionRecord:
    defaults: dict[str, object] = {
        "source_format": FORMAT,
        "device": GARMIN_CONNECT_DEVICE,
        "floating": True,
    }
    return SessionRecord(index=index, start_utc=start, **{**defaults, **fields})  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ sniff


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (german(), True),
        (english(), True),
        (b"Activity Type,Date,Favorite,Title,Distance,Time\n", True),
        (b"Activity Type,Date,Title,Distance,Time\n", False),  # no Favorite column
        (b"Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time\n", False),
        (b"date,start,duration_min,type\n", False),
        (b"Date,Calories Burned,Steps,Distance,Floors\n", False),
        (b"a\nb\nc\nd\ne\nActivity Type,Date,Favorite,Time\n", False),  # header too late
        (b"", False),
    ],
)
def test_sniff_needs_type_start_time_and_favorite_columns(head: bytes, expected: bool) -> None:
    assert sniff(head) is expected


# ------------------------------------------------------------------------------ parse


def test_a_german_2012_export_reads_decimal_commas_and_minute_second_times() -> None:
    data = german(
        ' false,Lauf,Laufen,--,"Fr, 25 Mai 2012 20:31",1:05:11,"10,20",38,6:24,3:10,138,150,588,',
        ' false,"1.500 m",Laufen,--,"Di, 22 Mai 2012 19:47",6:33,"1,50",5,4:22,3:45,170,177,82,',
        ' true,Runde,Gehen,--,"Mi, 2 Mär 2011 07:05",45:00,--,0,--,--,--,--,--,',
    )

    assert parse(data) == ParsedFile(
        format=FORMAT,
        kind="activity",
        sessions=(
            session(
                0,
                datetime(2012, 5, 25, 20, 31, tzinfo=UTC),
                elapsed_s=3911.0,
                moving_s=3911.0,
                sport=1,
                sub_sport=0,
                sport_name="Laufen",
                activity_name="Lauf",
                distance_m=10200.0,
            ),
            session(
                1,
                datetime(2012, 5, 22, 19, 47, tzinfo=UTC),
                elapsed_s=393.0,
                moving_s=393.0,
                sport=1,
                sub_sport=0,
                sport_name="Laufen",
                activity_name="1.500 m",
                distance_m=1500.0,
            ),
            session(
                2,
                datetime(2011, 3, 2, 7, 5, tzinfo=UTC),
                elapsed_s=2700.0,
                moving_s=2700.0,
                sport=11,
                sub_sport=0,
                sport_name="Gehen",
                activity_name="Runde",
            ),
        ),
    )


def test_a_current_english_export_uses_moving_and_elapsed_time_and_steps() -> None:
    data = english(
        'Walking,2023-05-01 07:12:33,false,"Walk, park",3.21,"1,234",00:45:10,98,120,"4,321",'
        "00:40:00,00:50:00",
        "Strength Training,2023-05-02 18:00:00,false,Core,0.00,200,00:30:00,90,130,--,--,--",
        'Pool Swim,2023-05-03 06:30:00,false,Laps,"1,500",300,00:35:00.5,,,,,',
    )

    assert parse(data).sessions == (
        session(
            0,
            datetime(2023, 5, 1, 7, 12, 33, tzinfo=UTC),
            elapsed_s=3000.0,
            moving_s=2400.0,
            sport=11,
            sub_sport=0,
            sport_name="Walking",
            activity_name="Walk, park",
            distance_m=3210.0,
            steps=4321,
        ),
        session(
            1,
            datetime(2023, 5, 2, 18, tzinfo=UTC),
            elapsed_s=1800.0,
            moving_s=1800.0,
            sport=10,
            sub_sport=20,
            sport_name="Strength Training",
            activity_name="Core",
            distance_m=0.0,
        ),
        session(
            2,
            datetime(2023, 5, 3, 6, 30, tzinfo=UTC),
            elapsed_s=2100.5,
            moving_s=2100.5,
            sport=5,
            sub_sport=17,
            sport_name="Pool Swim",
            activity_name="Laps",
            distance_m=1500.0,  # swims are listed in metres
        ),
    )


def test_bad_rows_are_skipped_with_a_warning_naming_the_line() -> None:
    data = german(
        ' false,ok,Laufen,--,"Fr, 25 Mai 2012 20:31",1:05:11,"10,20",38,6:24,3:10,138,150,588,',
        ' false,bad,Laufen,--,"gestern",1:05:11,"10,20",38,6:24,3:10,138,150,588,',
        ' false,bad,Laufen,--,"Fr, 25 Mai 2012 20:31",--,"10,20",38,6:24,3:10,138,150,588,',
        ' false,bad,Laufen,--,"Fr, 25 Mai 2012 20:31",1:65:11,"10,20",38,6:24,3:10,138,150,588,',
        ' false,bad,Laufen,--,"Fr, 25 Mai 2012 20:31",1:05:11,"zehn",38,6:24,3:10,138,150,588,',
    )

    parsed = parse(data)

    assert [s.activity_name for s in parsed.sessions] == ["ok"]
    assert parsed.warnings == (
        "row 5: start 'gestern' is not a date like 2023-05-01 07:12:33; row skipped",
        "row 6: time '' gives the activity no duration; row skipped",
        "row 7: time '1:65:11' is not a duration like 1:05:11; row skipped",
        "row 8: distance 'zehn' is not a number; row skipped",
    )


@pytest.mark.parametrize(
    ("data", "error", "reason"),
    [
        (german(), SkippedFile, "Garmin Connect activities CSV has a header but no activities"),
        (
            german(' false,x,Laufen,--,"?",1:00,1,,,,,,,'),
            RejectedFile,
            "Garmin Connect activities CSV: none of its 1 rows is usable - row 4: start '?' "
            "is not a date like 2023-05-01 07:12:33; row skipped",
        ),
        (
            b"Date,Steps\n",
            RejectedFile,
            "not a Garmin Connect activities CSV: no header with Activity Type, Date, Time and "
            "Favorite (or Aktivit\u00e4tstyp, Start, Zeit, Favorit) in the first lines",
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
        ("Fr, 25 Mai 2012 20:31", datetime(2012, 5, 25, 20, 31, tzinfo=UTC)),
        ("Mi, 2 Mär 2011 07:05", datetime(2011, 3, 2, 7, 5, tzinfo=UTC)),
        ("So, 3 Okt. 2010 9:00", datetime(2010, 10, 3, 9, 0, tzinfo=UTC)),
        ("Fri, 25 May 2012 8:31 PM", datetime(2012, 5, 25, 20, 31, tzinfo=UTC)),
        ("Fri, May 25, 2012 8:31 PM", datetime(2012, 5, 25, 20, 31, tzinfo=UTC)),
        ("2023-05-01 07:12:33", datetime(2023, 5, 1, 7, 12, 33, tzinfo=UTC)),
        ("2023-05-01 07:12", datetime(2023, 5, 1, 7, 12, tzinfo=UTC)),
        ("2023-02-30 07:12:33", None),
        ("Fr, 25 Foo 2012 20:31", None),
        ("", None),
    ],
)
def test_start_formats(text: str, expected: datetime | None) -> None:
    assert parse_start(text) == expected


@pytest.mark.parametrize(
    ("type_name", "codes"),
    [
        ("Laufen", (1, 0)),
        ("Running", (1, 0)),
        ("Trail Running", (1, 3)),
        ("Walking", (11, 0)),
        ("Gehen", (11, 0)),
        ("Indoor Walking", (11, 27)),
        ("Hiking", (17, 0)),
        ("Wandern", (17, 0)),
        ("Radfahren", (2, 0)),
        ("Indoor-Radfahren", (2, 6)),
        ("Strength Training", (10, 20)),
        ("Krafttraining", (10, 20)),
        ("Yoga", (10, 43)),
        ("Pilates", (10, 44)),
        ("Breathwork", (None, None)),
        ("Other", (None, None)),
    ],
)
def test_activity_types_map_to_fit_codes(
    type_name: str, codes: tuple[int | None, int | None]
) -> None:
    data = english(f"{type_name},2023-05-01 07:12:33,false,x,1.0,1,00:10:00,,,,,")
    (only,) = parse(data).sessions
    assert (only.sport, only.sub_sport, only.sport_name) == (*codes, type_name)
