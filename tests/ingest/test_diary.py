"""The pain-diary reader on hand-written tables, workbooks built here, and the templates."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.diary import COLUMNS, NOTE_MAX_CHARS, diary_entry, parse_diary
from ingest.records import DiaryEntry, ParsedDiary, RejectedFile, RowError
from tests.support.workbooks import xlsx

TODAY = date(2026, 6, 30)
TEMPLATES = Path(__file__).resolve().parents[2] / "docs" / "templates"


def read(text: str, *, today: date = TODAY, encoding: str = "utf-8") -> ParsedDiary:
    return parse_diary("diary.csv", text.encode(encoding), today=today)


def only_entry(parsed: ParsedDiary) -> DiaryEntry:
    assert parsed.errors == ()
    assert len(parsed.entries) == 1
    return parsed.entries[0]


def only_error(parsed: ParsedDiary) -> RowError:
    assert parsed.entries == ()
    assert len(parsed.errors) == 1
    return parsed.errors[0]


# ------------------------------------------------------------------------------ templates


TEMPLATE_ENTRIES = (
    DiaryEntry(2, date(2026, 3, 2), 35.0, "07:30", False, False, None, None, "Stiff getting up"),
    DiaryEntry(
        3,
        date(2026, 3, 2),
        20.0,
        "21:00",
        False,
        False,
        None,
        True,
        "Walked 40 min, a little sore afterwards",
    ),
    DiaryEntry(
        4, date(2026, 3, 3), 60.0, None, True, True, "Ibuprofen 400", False, "Carried the shopping"
    ),
    DiaryEntry(5, date(2026, 3, 4), 45.0, None, False, False),
    DiaryEntry(
        6,
        date(2026, 3, 5),
        None,
        flare_up=True,
        note="Flare-up in the evening - too tired to rate it",
    ),
)


def test_english_template_reads_cleanly() -> None:
    parsed = parse_diary("diary.csv", (TEMPLATES / "diary.csv").read_bytes(), today=TODAY)

    assert parsed == ParsedDiary(entries=TEMPLATE_ENTRIES)


def test_german_template_reads_as_the_same_diary_on_the_0_10_scale() -> None:
    data = (TEMPLATES / "Tagebuch.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # so that Excel shows the umlauts

    parsed = parse_diary("Tagebuch.csv", data, today=TODAY)

    notes = {
        2: "Steif beim Aufstehen",
        3: "40 Minuten spazieren, danach etwas Muskelkater",
        4: "Einkäufe getragen",
        5: None,
        6: "Schub am Abend, zu müde zum Bewerten",
    }
    expected = tuple(replace(entry, note=notes[entry.row]) for entry in TEMPLATE_ENTRIES)
    assert parsed == ParsedDiary(entries=expected)


def test_the_guide_names_every_accepted_header() -> None:
    guide = (TEMPLATES / "diary.md").read_text(encoding="utf-8")
    written = {_fold(name) for name in re.findall(r"`([^`\n]+)`", guide)}

    missing = [
        alias for aliases in COLUMNS.values() for alias in aliases if _fold(alias) not in written
    ]

    assert missing == []


def _fold(name: str) -> str:
    return re.sub(r"[^0-9a-zäöüß]+", "_", name.lower()).strip("_")


# ------------------------------------------------------------------------------ headers


@pytest.mark.parametrize(
    ("header", "value", "expected"),
    [
        ("pain", "40", {"pain": 40.0}),
        ("Pain (0-100)", "40", {"pain": 40.0}),
        ("PAIN_0_100", "40", {"pain": 40.0}),
        ("Schmerz", "40", {"pain": 40.0}),
        ("Schmerzen", "40", {"pain": 40.0}),
        ("Schmerzstärke", "40", {"pain": 40.0}),
        ("schmerzstarke", "40", {"pain": 40.0}),  # accents do not matter
        ("Schmerzstaerke", "40", {"pain": 40.0}),
        ("Schmerz 0 bis 100", "40", {"pain": 40.0}),
        ("pain_0_10", "4", {"pain": 40.0}),
        ("Pain (0–10)", "4", {"pain": 40.0}),
        ("NRS", "4", {"pain": 40.0}),
        ("nrs (0-10)", "4", {"pain": 40.0}),
        ("Schmerz (0-10)", "4", {"pain": 40.0}),
        ("Schmerz_0_10", "4", {"pain": 40.0}),
        ("Schmerzstärke 0–10", "4", {"pain": 40.0}),
        ("Schmerz NRS", "4", {"pain": 40.0}),
    ],
)
def test_pain_headers_and_their_scale(header: str, value: str, expected: dict[str, object]) -> None:
    entry = only_entry(read(f"Datum;{header}\n02.05.2026;{value}\n"))

    assert entry == DiaryEntry(2, date(2026, 5, 2), **expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "value", "expected"),
    [
        ("time", "08:30", {"time": "08:30"}),
        ("Uhrzeit", "08:30", {"time": "08:30"}),
        ("Zeit", "08:30", {"time": "08:30"}),
        ("flare_up", "yes", {"flare_up": True}),
        ("Flare-up", "yes", {"flare_up": True}),
        ("Flare up", "yes", {"flare_up": True}),
        ("flare", "yes", {"flare_up": True}),
        ("Schub", "ja", {"flare_up": True}),
        ("Schmerzschub", "ja", {"flare_up": True}),
        ("painkiller", "yes", {"painkiller": True}),
        ("Painkillers", "yes", {"painkiller": True}),
        ("Medication", "yes", {"painkiller": True}),
        ("Schmerzmittel", "ja", {"painkiller": True}),
        ("Medikament", "ja", {"painkiller": True}),
        ("exercise_pain", "yes", {"exercise_pain": True}),
        ("Soreness", "yes", {"exercise_pain": True}),
        ("pain after exercise", "yes", {"exercise_pain": True}),
        ("Muskelkater", "ja", {"exercise_pain": True}),
        ("Schmerz nach Training", "ja", {"exercise_pain": True}),
        ("note", "hi", {"note": "hi"}),
        ("Notes", "hi", {"note": "hi"}),
        ("Comment", "hi", {"note": "hi"}),
        ("Notiz", "hi", {"note": "hi"}),
        ("Bemerkung", "hi", {"note": "hi"}),
        ("Kommentar", "hi", {"note": "hi"}),
    ],
)
def test_english_and_german_headers(header: str, value: str, expected: dict[str, object]) -> None:
    entry = only_entry(read(f"date;pain;{header}\n2026-05-02;40;{value}\n"))

    assert entry == DiaryEntry(2, date(2026, 5, 2), 40.0, **expected)  # type: ignore[arg-type]


@pytest.mark.parametrize("header", ["date", "Date", " DATUM ", "Day", "Tag", "datum"])
def test_date_headers(header: str) -> None:
    assert only_entry(read(f"{header},pain\n2026-05-02,40\n")).date == date(2026, 5, 2)


def test_unknown_columns_are_named_in_a_warning_not_errors() -> None:
    parsed = read("date,pain,Wetter,Sleep hours\n2026-05-02,40,sonnig,7\n")

    assert parsed == ParsedDiary(
        entries=(DiaryEntry(2, date(2026, 5, 2), 40.0),),
        warnings=("ignored column(s) that are not part of the diary: 'Wetter', 'Sleep hours'",),
    )


def test_a_title_and_comment_lines_above_the_header_are_skipped() -> None:
    parsed = read("Schmerztagebuch Mai 2026\n# Max M.\n\nDatum;Schmerz\n02.05.2026;40\n")

    assert parsed == ParsedDiary(entries=(DiaryEntry(5, date(2026, 5, 2), 40.0),))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "pain,note\n40,hi\n",
            "no date column (date, Datum, ...): the header (row 1) has 'pain', 'note'",
        ),
        ("Datum;Notiz\n02.05.2026;hi\n", "no pain column (pain or Schmerz for 0–100"),
        (
            "date,pain,NRS\n2026-05-02,40,4\n",
            "two pain columns on different scales: 'pain' (0–100) and 'NRS' (0–10)",
        ),
        ("date,Datum,pain\n", "two columns for the same thing ('date' and 'Datum' both mean date)"),
        ("Date,Steps,Calories\n2026-05-02,4000,2100\n", "no pain column"),
        ("hello world\nthis is a letter\n", "not a diary: expected a header naming a date column"),
        ("date,start,duration_min,type\n2026-05-02,08:00,30,Walk\n", "no pain column"),
    ],
)
def test_headers_that_are_not_a_diary_reject_the_file(text: str, reason: str) -> None:
    with pytest.raises(RejectedFile) as raised:
        read(text)

    assert reason in raised.value.reason


def test_only_a_header_is_an_empty_diary_with_a_warning() -> None:
    assert read("date,pain,note\n") == ParsedDiary(
        warnings=("the diary has a header but no entries",)
    )


# ------------------------------------------------------------------------ delimiters, encodings


@pytest.mark.parametrize(
    "text",
    [
        'date,pain,note\n2026-05-02,40,"stiff, then better"\n',
        'date;pain;note\n2026-05-02;40;"stiff, then better"\n',
        "date\tpain\tnote\n2026-05-02\t40\tstiff, then better\n",
        'date;pain;note\r\n2026-05-02;40;"stiff, then better"\r\n',
        '\ufeffdate,pain,note\n2026-05-02,40,"stiff, then better"\n',
    ],
    ids=["comma", "semicolon", "tab", "crlf", "bom"],
)
def test_delimiter_is_sniffed_from_the_header(text: str) -> None:
    assert only_entry(read(text)) == DiaryEntry(
        2, date(2026, 5, 2), 40.0, note="stiff, then better"
    )


def test_a_decimal_comma_in_a_comma_separated_file_is_a_row_error() -> None:
    parsed = read("date,pain,note\n2026-05-02,4,5,hi\n2026-05-03,40,ok\n")

    assert parsed.entries == (DiaryEntry(3, date(2026, 5, 3), 40.0, note="ok"),)
    assert [(e.row, e.column, e.value) for e in parsed.errors] == [(2, None, "2026-05-02,4,5,hi")]
    assert "decimal comma in a comma-separated file" in parsed.errors[0].message


WINDOWS_DIARY = "Datum;Schmerzstärke;Notiz\n02.05.2026;40;Rücken übel, Bügeln\n"
WINDOWS_ENTRY = DiaryEntry(2, date(2026, 5, 2), 40.0, note="Rücken übel, Bügeln")


@pytest.mark.parametrize(
    ("data"),
    [
        WINDOWS_DIARY.encode("cp1252"),
        WINDOWS_DIARY.encode("utf-8"),
        WINDOWS_DIARY.encode("utf-8-sig"),
        WINDOWS_DIARY.replace(";", "\t").encode("utf-16"),  # Excel's "Unicode text"
        WINDOWS_DIARY.encode("utf-16-be").join([b"\xfe\xff", b""]),
        WINDOWS_DIARY.encode("utf-16-le"),  # no byte-order mark at all
    ],
    ids=["cp1252", "utf8", "utf8-bom", "utf16-tab", "utf16-be-bom", "utf16-le-no-bom"],
)
def test_encodings(data: bytes) -> None:
    assert parse_diary("t.csv", data, today=TODAY) == ParsedDiary(entries=(WINDOWS_ENTRY,))


# ------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-05-02", date(2026, 5, 2)),
        ("2026-5-2", date(2026, 5, 2)),
        ("2026/05/02", date(2026, 5, 2)),
        ("02.05.2026", date(2026, 5, 2)),
        ("2.5.2026", date(2026, 5, 2)),
        ("2.5.26", date(2026, 5, 2)),  # 20YY, with a warning
        ("13/05/2026", date(2026, 5, 13)),  # only day/month fits
        ("05/13/2026", date(2026, 5, 13)),  # only month/day fits
        ("05/05/2026", date(2026, 5, 5)),  # both readings agree
        ("13-05-2026", date(2026, 5, 13)),
        ("29.02.2024", date(2024, 2, 29)),
        ("2026-06-30", TODAY),
    ],
)
def test_dates(written: str, expected: date) -> None:
    assert only_entry(read(f"date,pain\n{written},40\n")).date == expected


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("31.02.2024", "date '31.02.2024' does not exist: February 2024 has 29 days"),
        ("29.02.2026", "date '29.02.2026' does not exist: February 2026 has 28 days"),
        ("2026-13-01", "date '2026-13-01' does not exist: there is no month 13"),
        ("2026-07-01", "date '2026-07-01' is 2026-07-01, in the future (today is 2026-06-30)"),
        ("03/04/2026", "date '03/04/2026' is an ambiguous date: 3 April or March 4?"),
        ("13/14/2026", "date '13/14/2026' is not a date: neither 13 nor 14 is a month"),
        ("gestern", "date 'gestern' is not a date: write 2024-05-02 or 02.05.2024"),
        ("02.05.", "date '02.05.' is not a date"),
        ("2.5.2026 25:00", "date '2.5.2026 25:00' has a time that is not a time of day"),
    ],
)
def test_bad_dates_are_row_errors(written: str, message: str) -> None:
    error = only_error(read(f"date,pain\n{written},40\n"))

    assert (error.row, error.column, error.value) == (2, "date", written)
    assert error.message.startswith(message)


def test_two_digit_years_are_20yy_with_a_warning_naming_the_rows() -> None:
    parsed = read("Datum;Schmerz\n1.5.26;40\n2.5.26;30\n03.05.2026;20\n4.5.26;10\n")

    assert [entry.date for entry in parsed.entries] == [date(2026, 5, d) for d in (1, 2, 3, 4)]
    assert parsed.warnings == (
        "rows 2, 3 and 5: two-digit years read as 20YY (2.5.24 is 2024-05-02)",
    )


def test_slash_dates_follow_the_files_unambiguous_ones() -> None:
    parsed = read("date,pain\n03/05/2026,40\n13/05/2026,30\n04/05/2026,20\n")

    assert [entry.date for entry in parsed.entries] == [
        date(2026, 5, 3),
        date(2026, 5, 13),
        date(2026, 5, 4),
    ]
    assert parsed.errors == ()
    assert parsed.warnings == (
        "rows 2 and 4: dates with '/' read as day/month/year, like this file's other slash "
        "dates; write 2024-05-03 or 03.05.2024 to be sure",
    )


def test_us_slash_dates_are_read_month_first_when_the_file_shows_it() -> None:
    parsed = read("date,pain\n05/03/2026,40\n05/13/2026,30\n")

    assert [entry.date for entry in parsed.entries] == [date(2026, 5, 3), date(2026, 5, 13)]


def test_slash_dates_stay_ambiguous_when_the_file_mixes_both_orders() -> None:
    parsed = read("date,pain\n13/05/2026,40\n05/14/2026,30\n03/04/2026,20\n")

    assert [entry.date for entry in parsed.entries] == [date(2026, 5, 13), date(2026, 5, 14)]
    assert [(e.row, e.column, e.value) for e in parsed.errors] == [(4, "date", "03/04/2026")]


def test_a_time_written_in_the_date_cell_is_the_entrys_time() -> None:
    parsed = read("date,pain\n2026-05-02 08:30,40\n2026-05-03T21:15:00,30\n")

    assert parsed.entries == (
        DiaryEntry(2, date(2026, 5, 2), 40.0, "08:30"),
        DiaryEntry(3, date(2026, 5, 3), 30.0, "21:15"),
    )


def test_a_time_in_the_date_cell_must_agree_with_the_time_column() -> None:
    error = only_error(read("date,time,pain\n2026-05-02 08:30,09:00,40\n"))

    assert (error.row, error.column, error.value) == (2, "time", "09:00")


def test_rows_with_only_a_future_date_are_a_prefilled_template_and_skipped() -> None:
    lines = "".join(f"{day:02d}.07.2026;;\n" for day in range(1, 6))
    parsed = read(f"Datum;Schmerz;Notiz\n30.06.2026;40;\n{lines}")

    assert parsed == ParsedDiary(
        entries=(DiaryEntry(2, date(2026, 6, 30), 40.0),),
        warnings=("rows 3–7: only a date after 2026-06-30 (a pre-filled template?): skipped",),
    )


# ------------------------------------------------------------------------------ time


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("08:30", "08:30"),
        ("8:30", "08:30"),
        ("23:59", "23:59"),
        ("00:00", "00:00"),
        ("07:45:10", "07:45"),
    ],
)
def test_times(written: str, expected: str) -> None:
    assert only_entry(read(f"date,time,pain\n2026-05-02,{written},40\n")).time == expected


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("25:00", "time '25:00' is not a time of day: write 00:00 to 23:59"),
        ("12:60", "time '12:60' is not a time of day: write 00:00 to 23:59"),
        ("morgens", "time 'morgens' is not a time: write the 24-hour time like 08:30"),
        ("8.30", "time '8.30' is not a time: write the 24-hour time like 08:30"),
    ],
)
def test_bad_times_are_row_errors(written: str, message: str) -> None:
    error = only_error(read(f"date,time,pain\n2026-05-02,{written},40\n"))

    assert (error.row, error.column, error.value, error.message) == (2, "time", written, message)


# ------------------------------------------------------------------------------ pain


@pytest.mark.parametrize(
    ("header", "written", "expected"),
    [
        ("pain", "40", 40.0),
        ("pain", "0", 0.0),
        ("pain", "100", 100.0),
        ("pain", "4,5", 4.5),
        ("pain", "37.5", 37.5),
        ("pain", " 40 ", 40.0),
        ("NRS", "4", 40.0),
        ("NRS", "4,5", 45.0),
        ("NRS", "0.7", 7.0),  # exactly 7.0: decimal arithmetic, no 7.000000000000001
        ("NRS", "10", 100.0),
        ("NRS", "0", 0.0),
    ],
)
def test_pain_values_and_scaling(header: str, written: str, expected: float) -> None:
    entry = only_entry(read(f"date;{header}\n2026-05-02;{written}\n"))

    assert entry.pain == expected


@pytest.mark.parametrize(
    ("header", "written", "message"),
    [
        ("pain", "-1", "pain '-1' is below 0: write a number from 0 to 100"),
        ("pain", "101", "pain '101' is above 100: write a number from 0 to 100"),
        (
            "NRS",
            "11",
            "NRS '11' is above 10: write a number from 0 to 10; column 'NRS' is the 0–10 "
            "scale: for 0–100 name it 'pain'",
        ),
        ("NRS", "45", "NRS '45' is above 10"),
        ("pain", "viel", "pain 'viel' is not a number: write a number from 0 to 100"),
        ("pain", "4/10", "pain '4/10' is not a number"),
        ("pain", "1.000,5", "pain '1.000,5' is not a number"),
        ("pain", "nan", "pain 'nan' is not a number"),
    ],
)
def test_bad_pain_values_are_row_errors(header: str, written: str, message: str) -> None:
    error = only_error(read(f"date;{header}\n2026-05-02;{written}\n"))

    assert (error.row, error.column, error.value) == (2, header, written)
    assert error.message.startswith(message)


def test_empty_pain_is_kept_when_the_row_says_something_else() -> None:
    parsed = read(
        "date,pain,flare_up,painkiller,exercise_pain,note\n"
        "2026-05-01,,yes,,,\n"
        "2026-05-02,,,Ibuprofen,,\n"
        "2026-05-03,,,,no,\n"
        "2026-05-04,,,,,physio today\n"
        "2026-05-05,,,,,\n"
    )

    assert parsed.entries == (
        DiaryEntry(2, date(2026, 5, 1), flare_up=True),
        DiaryEntry(3, date(2026, 5, 2), painkiller=True, painkiller_name="Ibuprofen"),
        DiaryEntry(4, date(2026, 5, 3), exercise_pain=False),
        DiaryEntry(5, date(2026, 5, 4), note="physio today"),
    )
    assert parsed.errors == (
        RowError(
            6,
            "pain",
            None,
            "no pain value, and no flare-up, painkiller, exercise pain or note: fill in the "
            "pain or delete the row",
        ),
    )


def test_a_0_100_column_with_only_small_values_warns_about_the_scale() -> None:
    parsed = read("date,Schmerz\n2026-05-01,3\n2026-05-02,4\n2026-05-03,5\n")

    assert [entry.pain for entry in parsed.entries] == [3.0, 4.0, 5.0]  # not rescaled
    assert parsed.warnings == (
        "every pain value in 'Schmerz' is between 0 and 10, read on the 0–100 scale; if you "
        "used 0–10, rename the column to 'Schmerz (0-10)' and upload again",
    )


# ------------------------------------------------------------------------------ yes / no


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        *[
            (word, True)
            for word in ("yes", "Yes", "Y", "true", "TRUE", "1", "ja", "J", "x", "X", "WAHR")
        ],
        *[(word, False) for word in ("no", "No", "n", "false", "0", "nein", "Nein", "FALSCH")],
        ("", None),
        ("  ", None),
    ],
)
def test_yes_no(written: str, expected: bool | None) -> None:
    entry = only_entry(read(f"date;pain;Schub;Muskelkater\n2026-05-02;40;{written};{written}\n"))

    assert (entry.flare_up, entry.exercise_pain) == (expected, expected)


@pytest.mark.parametrize("written", ["vielleicht", "maybe", "2", "-", "yes!"])
def test_anything_else_is_not_yes_or_no(written: str) -> None:
    error = only_error(read(f"date;pain;flare_up\n2026-05-02;40;{written}\n"))

    assert (error.row, error.column, error.value) == (2, "flare_up", written)
    assert error.message == (
        f"flare_up '{written}' is not yes or no: write yes/no, ja/nein or x (yes), "
        "or leave it empty"
    )


@pytest.mark.parametrize(
    ("written", "taken", "name"),
    [
        ("yes", True, None),
        ("x", True, None),
        ("ja", True, None),
        ("no", False, None),
        ("nein", False, None),
        ("keine", False, None),
        ("none", False, None),
        ("", None, None),
        ("Ibuprofen 400", True, "Ibuprofen 400"),
        ("ibuprofen", True, "ibuprofen"),
        ("Novalgin 20 Tropfen", True, "Novalgin 20 Tropfen"),
        ("N-Acetylcystein", True, "N-Acetylcystein"),
        ("ja, Ibuprofen 400", True, "Ibuprofen 400"),
        ("yes: Paracetamol", True, "Paracetamol"),
        ("1 Tablette Ibuprofen", True, "1 Tablette Ibuprofen"),
    ],
)
def test_painkiller_yes_no_or_a_name(written: str, taken: bool | None, name: str | None) -> None:
    entry = only_entry(read(f"date;pain;Schmerzmittel\n2026-05-02;40;{written}\n"))

    assert (entry.painkiller, entry.painkiller_name) == (taken, name)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("nein Ibuprofen", "Schmerzmittel 'nein Ibuprofen': yes or no? write 'no' alone"),
        ("no, ibuprofen", "Schmerzmittel 'no, ibuprofen': yes or no?"),
        ("2", "Schmerzmittel '2' is neither yes/no nor a medicine's name"),
        ("I" * 201, "Schmerzmittel: a name of 201 characters (at most 200)"),
    ],
)
def test_painkiller_that_is_neither(written: str, message: str) -> None:
    error = only_error(read(f"date;pain;Schmerzmittel\n2026-05-02;40;{written}\n"))

    assert (error.row, error.column, error.value) == (2, "Schmerzmittel", written)
    assert error.message.startswith(message)


# ------------------------------------------------------------------------------ notes


def test_notes_are_kept_as_written_and_long_ones_cut_with_a_warning() -> None:
    long_note = "a" * (NOTE_MAX_CHARS + 10)
    parsed = read(
        f'date,pain,note\n2026-05-01,40,"  Rücken, steif\nam Morgen  "\n2026-05-02,40,{long_note}\n'
    )

    assert parsed.entries == (
        DiaryEntry(2, date(2026, 5, 1), 40.0, note="Rücken, steif\nam Morgen"),
        DiaryEntry(3, date(2026, 5, 2), 40.0, note="a" * NOTE_MAX_CHARS),
    )
    assert parsed.warnings == ("row 3: note longer than 2000 characters, cut to 2000",)


# ------------------------------------------------------------------------------ rows


def test_empty_rows_are_not_data_and_row_numbers_stay_the_spreadsheets() -> None:
    parsed = read("date,pain\n\n2026-05-02,40\n,\n  ,\t\n2026-05-03,30\n")

    assert parsed == ParsedDiary(
        entries=(DiaryEntry(3, date(2026, 5, 2), 40.0), DiaryEntry(6, date(2026, 5, 3), 30.0))
    )


def test_a_row_gets_one_error_per_bad_cell_and_a_missing_date_is_named() -> None:
    parsed = read("date,pain,flare_up,time\n31.02.2026,101,vielleicht,25:00\n,40,,\n")

    assert [(e.row, e.column, e.value) for e in parsed.errors] == [
        (2, "date", "31.02.2026"),
        (2, "time", "25:00"),
        (2, "pain", "101"),
        (2, "flare_up", "vielleicht"),
        (3, "date", None),
    ]
    assert parsed.errors[-1].message == (
        "no date: every entry needs the day it is about (2024-05-02)"
    )


def test_several_entries_on_one_day_at_different_times_are_all_kept() -> None:
    parsed = read("date,time,pain\n2026-05-02,08:00,40\n2026-05-02,20:00,60\n2026-05-02,,50\n")

    assert parsed == ParsedDiary(
        entries=(
            DiaryEntry(2, date(2026, 5, 2), 40.0, "08:00"),
            DiaryEntry(3, date(2026, 5, 2), 60.0, "20:00"),
            DiaryEntry(4, date(2026, 5, 2), 50.0),
        )
    )


def test_identical_duplicates_are_taken_once_with_a_warning() -> None:
    parsed = read("date;time;pain;note\n02.05.2026;08:00;4,5;a\n2026-05-02;8:00;4.5;a\n")

    assert parsed == ParsedDiary(
        entries=(DiaryEntry(2, date(2026, 5, 2), 4.5, "08:00", note="a"),),
        warnings=("rows 2 and 3 are the same entry for 2026-05-02 08:00: taken once (row 2)",),
    )


def test_conflicting_duplicates_are_errors_on_every_row_and_none_is_taken() -> None:
    parsed = read(
        "date,pain,flare_up\n"
        "2026-05-02,40,no\n"
        "2026-05-03,10,no\n"
        "2026-05-02,60,yes\n"
        "2026-05-02,40,no\n"
    )

    message = (
        "conflicting entries for 2026-05-02 in rows 2, 4 and 5: pain 40 vs 60 vs 40; "
        "flare_up no vs yes vs no; none was taken: correct or delete all but one"
    )
    assert parsed == ParsedDiary(
        entries=(DiaryEntry(3, date(2026, 5, 3), 10.0, flare_up=False),),
        errors=(
            RowError(2, "pain", "40", message),
            RowError(4, "pain", "60", message),
            RowError(5, "pain", "40", message),
        ),
    )


def test_the_messy_diary_takes_every_good_row_and_names_every_bad_one() -> None:
    text = (
        "Schmerztagebuch - Mai 2026\n"  # 1  title
        "\n"  # 2
        "Datum;time;Schmerz (0-10);Flare-up;Medikament;soreness;Notiz;Wetter\n"  # 3 header
        "01.05.2026;08:00;4,5;nein;Ibuprofen 400;;steif;sonnig\n"  # 4  good
        "2026-05-01;20:00;3;no;no;ja;;\n"  # 5  good, same day later
        "02.05.2026;;11;;;;;\n"  # 6  pain out of range
        "31.02.2026;;5;;;;;\n"  # 7  impossible date
        "03.05.2026;;-1;;;;;\n"  # 8  below range
        "04.05.2026;;viel;x;;;;\n"  # 9  not a number
        "05.05.2026;;;ja;;;Schub beim Heben;\n"  # 10 good: no pain, a flare-up
        "06.05.2026;;2,5;;;;;\n"  # 11 good
        "06.05.2026;;2,5;;;;;\n"  # 12 identical duplicate of 11
        ";;;;;;;\n"  # 13 empty
        "07.05.2026;;3;nein;;;;\n"  # 14 conflicts with 15
        "07.05.2026;;6;nein;;;;\n"  # 15
        "15.07.2026;;4;;;;;\n"  # 16 future
        "08.05.2026;25:00;4;;;;;\n"  # 17 bad time
        "09.05.2026;;4;vielleicht;;;;\n"  # 18 bad yes/no
        "10.05.2026;;;;;;;regnerisch\n"  # 19 a date and an ignored column: no pain value
        "11.05.2026;;;;;;;\n"  # 20 only a date: no pain value
        "12.05.26;;3;;;;;\n"  # 21 good, two-digit year
        "13/05/2026;;1;;keine;;;\n"  # 22 good, slash date day > 12
    )

    parsed = parse_diary("Tagebuch.csv", text.encode("cp1252"), today=TODAY)

    assert parsed.entries == (
        DiaryEntry(4, date(2026, 5, 1), 45.0, "08:00", False, True, "Ibuprofen 400", None, "steif"),
        DiaryEntry(5, date(2026, 5, 1), 30.0, "20:00", False, False, None, True),
        DiaryEntry(10, date(2026, 5, 5), None, flare_up=True, note="Schub beim Heben"),
        DiaryEntry(11, date(2026, 5, 6), 25.0),
        DiaryEntry(21, date(2026, 5, 12), 30.0),
        DiaryEntry(22, date(2026, 5, 13), 10.0, painkiller=False),
    )
    assert {(e.row, e.column, e.value) for e in parsed.errors} == {
        (6, "Schmerz (0-10)", "11"),
        (7, "Datum", "31.02.2026"),
        (8, "Schmerz (0-10)", "-1"),
        (9, "Schmerz (0-10)", "viel"),
        (14, "Schmerz (0-10)", "3"),
        (15, "Schmerz (0-10)", "6"),
        (16, "Datum", "15.07.2026"),
        (17, "time", "25:00"),
        (18, "Flare-up", "vielleicht"),
        (19, "Schmerz (0-10)", None),
        (20, "Schmerz (0-10)", None),
    }
    assert len(parsed.errors) == 11
    assert parsed.warnings == (
        "ignored column(s) that are not part of the diary: 'Wetter'",
        "row 21: two-digit years read as 20YY (2.5.24 is 2024-05-02)",
        "rows 11 and 12 are the same entry for 2026-05-06: taken once (row 11)",
    )


# ------------------------------------------------------------------------------ xlsx


def test_xlsx_with_real_date_time_number_and_boolean_cells() -> None:
    data = xlsx(
        ("Info", [["Patient", "p01"], ["Therapeut", "Dr. K."]]),
        (
            "Tagebuch",
            [
                ["Schmerztagebuch"],
                [],
                ["Datum", "Uhrzeit", "Schmerz (0-10)", "Schub", "Schmerzmittel", "Notiz", None],
                [date(2026, 5, 2), time(8, 30), 4, False, "Ibuprofen 400", "steif"],
                [datetime(2026, 5, 2, 20, 15), None, 4.5, True, 0, None],
                [],
                [date(2026, 5, 3), "21:00", "3,5", "ja", True, 42],
                [date(2026, 5, 4), None, 11, None, None, None],
                [date(2026, 7, 4), None, 3, None, None, None],
                [45413, None, 3, None, None, None],
                [date(2026, 5, 5), None, 2, None, None, None, "stray"],
            ],
        ),
    )

    parsed = parse_diary("diary.csv", data, today=TODAY)  # the name does not matter

    assert parsed.entries == (
        DiaryEntry(4, date(2026, 5, 2), 40.0, "08:30", False, True, "Ibuprofen 400", None, "steif"),
        DiaryEntry(5, date(2026, 5, 2), 45.0, "20:15", True, False),
        DiaryEntry(7, date(2026, 5, 3), 35.0, "21:00", True, True, None, None, "42"),
        DiaryEntry(11, date(2026, 5, 5), 20.0),
    )
    assert [(e.row, e.column, e.value) for e in parsed.errors] == [
        (8, "Schmerz (0-10)", "11"),
        (9, "Datum", "2026-07-04"),
        (10, "Datum", "45413"),
    ]
    assert parsed.errors[2].message == (
        "Datum '45413' is a number, not a date: format the cell as a date or write 2024-05-02"
    )
    assert parsed.warnings == (
        "read sheet 'Tagebuch', the first with a diary header (not 'Info')",
        "column(s) G have values but no header: ignored",
    )


def test_xlsx_warns_about_further_diary_sheets() -> None:
    data = xlsx(
        ("Mai", [["date", "pain"], [date(2026, 5, 2), 40]]),
        ("Juni", [["date", "pain"], [date(2026, 6, 2), 50]]),
    )

    assert parse_diary("d.xlsx", data, today=TODAY) == ParsedDiary(
        entries=(DiaryEntry(2, date(2026, 5, 2), 40.0),),
        warnings=(
            "sheet(s) 'Juni' also look like a diary but were not read: only the first diary "
            "sheet is; put all entries on one sheet",
        ),
    )


def test_xlsx_without_a_diary_sheet_says_why_for_each_sheet() -> None:
    data = xlsx(("Steps", [["Date", "Steps"], [date(2026, 5, 2), 4000]]), ("Leer", []))

    with pytest.raises(RejectedFile) as raised:
        parse_diary("d.xlsx", data, today=TODAY)

    assert raised.value.reason.startswith(
        "no sheet is a diary: sheet 'Steps': no pain column (pain or Schmerz for 0–100, "
        "pain_0_10 or NRS for 0–10): the header (row 1) has 'Date', 'Steps'; sheet 'Leer': no rows"
    )


# ------------------------------------------------------------------------------ not a diary


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("d.csv", b"", "the file is empty"),
        ("d.csv", b" \r\n\n", "the file is empty"),
        ("d.csv", b"\xef\xbb\xbf", "the file is empty"),
        ("d.pdf", b"%PDF-1.7\n...", "a PDF document: upload the diary as a CSV or XLSX table"),
        ("d.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "an old Excel workbook (.xls)"),
        ("d.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content, not a text table"),
        ("d.zip", _zip({"diary.csv": b"date,pain\n"}), "a zip archive, not an Excel workbook"),
        (
            "d.ods",
            _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "an OpenDocument spreadsheet (.ods)",
        ),
        ("d.xlsx", b"PK\x03\x04 truncated", "a damaged zip/XLSX file"),
        ("d.xlsx", _zip({"xl/workbook.xml": b"<nonsense"}), "the Excel workbook cannot be opened"),
        ("d.xlsx", b"date,pain\n2026-05-02,40\n", "named like an Excel workbook but it is not one"),
        ("d.json", b'{"date": "2026-05-02", "pain": 40}', "not a diary"),
    ],
)
def test_files_that_are_not_a_diary_are_rejected_with_a_reason(
    name: str, data: bytes, reason: str
) -> None:
    with pytest.raises(RejectedFile) as raised:
        parse_diary(name, data, today=TODAY)

    assert raised.value.reason.startswith(reason)
    assert raised.value.status == "rejected"


# ------------------------------------------------------------------------------ diary_entry


def test_diary_entry_typed_by_a_person() -> None:
    assert diary_entry(
        date="2.5.2026",
        pain="4,5",
        time="8:05",
        flare_up="ja",
        painkiller="Ibuprofen 400",
        exercise_pain=False,
        note="  after gardening ",
        today=TODAY,
        pain_scale="0-10",
    ) == DiaryEntry(
        0, date(2026, 5, 2), 45.0, "08:05", True, True, "Ibuprofen 400", False, "after gardening"
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"date": "2026-05-02", "pain": 40}, DiaryEntry(0, date(2026, 5, 2), 40.0)),
        ({"date": "2026-05-02", "pain": 37.5}, DiaryEntry(0, date(2026, 5, 2), 37.5)),
        ({"date": date(2026, 5, 2), "pain": "40"}, DiaryEntry(0, date(2026, 5, 2), 40.0)),
        (
            {"date": "2026-05-02", "time": time(7, 0), "pain": 1},
            DiaryEntry(0, date(2026, 5, 2), 1.0, "07:00"),
        ),
        ({"date": "2026-05-02", "flare_up": True}, DiaryEntry(0, date(2026, 5, 2), flare_up=True)),
        (
            {"date": "2026-05-02", "painkiller": "no"},
            DiaryEntry(0, date(2026, 5, 2), painkiller=False),
        ),
        ({"date": "2026-05-02", "note": "physio"}, DiaryEntry(0, date(2026, 5, 2), note="physio")),
    ],
)
def test_diary_entry_accepts(fields: dict[str, object], expected: DiaryEntry) -> None:
    assert diary_entry(**fields, today=TODAY) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"date": "31.02.2026", "pain": 40},
            "date '31.02.2026' does not exist: February 2026 has 28 days",
        ),
        (
            {"date": "2026-07-01", "pain": 40},
            "date '2026-07-01' is 2026-07-01, in the future (today is 2026-06-30)",
        ),
        (
            {"date": "03/04/2026", "pain": 40},
            "date '03/04/2026' is an ambiguous date: 3 April or March 4? write it as "
            "2024-05-03 or 03.05.2024",
        ),
        ({"date": "", "pain": 40}, "no date: every entry needs the day it is about (2024-05-02)"),
        (
            {"date": "2026-05-02", "pain": 101},
            "pain '101' is above 100: write a number from 0 to 100",
        ),
        (
            {"date": "2026-05-02", "pain": float("nan")},
            "pain 'nan' is not a number: write a number from 0 to 100",
        ),
        (
            {"date": "2026-05-02", "pain": True},
            "pain 'TRUE' is yes/no, not a number: write a number from 0 to 100",
        ),
        ({"date": "2026-05-02", "pain": "11", "pain_scale": "0-10"}, "pain '11' is above 10"),
        (
            {"date": "2026-05-02", "pain": 4, "time": "25:00"},
            "time '25:00' is not a time of day: write 00:00 to 23:59",
        ),
        (
            {"date": "2026-05-02", "pain": 4, "flare_up": "maybe"},
            "flare_up 'maybe' is not yes or no",
        ),
        (
            {"date": "2026-05-02"},
            "no pain value, and no flare-up, painkiller, exercise pain or note",
        ),
        ({"date": "2026-05-02", "note": "x" * 2001}, "note has 2001 characters; at most 2000"),
        (
            {"date": "2026-05-02", "pain": 4, "pain_scale": "1-5"},
            "pain_scale '1-5' is neither '0-100' nor '0-10'",
        ),
    ],
)
def test_diary_entry_rejects_with_a_specific_message(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        diary_entry(**fields, today=TODAY)  # type: ignore[arg-type]

    assert str(raised.value).startswith(message)


def test_diary_entry_names_every_bad_value_at_once() -> None:
    with pytest.raises(ValueError) as raised:
        diary_entry(date="2026-13-01", pain="viel", painkiller="nein Ibuprofen", today=TODAY)

    assert str(raised.value) == (
        "date '2026-13-01' does not exist: there is no month 13; "
        "pain 'viel' is not a number: write a number from 0 to 100; "
        "painkiller 'nein Ibuprofen': yes or no? write 'no' alone, or only the medicine's name"
    )


def test_xlsx_whose_stored_used_range_is_wrong_is_read_whole() -> None:
    data = xlsx(("Sheet", [["date", "time", "pain"], [date(2026, 5, 2), "08:00", 40]]))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A1"', content)
                assert b'ref="A1:A1"' in content
            target.writestr(info, content)

    parsed = parse_diary("d.xlsx", buffer.getvalue(), today=TODAY)

    assert parsed == ParsedDiary(entries=(DiaryEntry(2, date(2026, 5, 2), 40.0, "08:00"),))


def test_comment_rows_are_skipped_but_a_note_starting_with_hash_is_data() -> None:
    assert read("date,pain\n# week 1\n2026-05-02,40\n#2026-05-03,50\n") == ParsedDiary(
        entries=(DiaryEntry(3, date(2026, 5, 2), 40.0),)
    )
    assert read("note,date,pain\n#physio,2026-05-02,40\n") == ParsedDiary(
        entries=(DiaryEntry(2, date(2026, 5, 2), 40.0, note="#physio"),)
    )


# ------------------------------------------------------------------------------ robustness


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_a_diary_or_a_rejection(data: bytes) -> None:
    try:
        parsed = parse_diary("x.csv", data, today=TODAY)
    except RejectedFile as rejected:
        assert rejected.reason
    else:
        assert isinstance(parsed, ParsedDiary)


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=300))
def test_any_rows_under_a_diary_header_are_entries_errors_or_ignored(rows: str) -> None:
    parsed = read("Datum;Uhrzeit;Schmerz (0-10);Schub;Schmerzmittel;Notiz\n" + rows)

    assert all(entry.date <= TODAY for entry in parsed.entries)
    assert all(entry.pain is None or 0 <= entry.pain <= 100 for entry in parsed.entries)
    assert all(error.row >= 2 for error in parsed.errors)


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=20),
    st.one_of(st.none(), st.text(max_size=8), st.floats()),
    st.one_of(st.none(), st.text(max_size=8), st.booleans()),
    st.one_of(st.none(), st.text(max_size=30)),
)
def test_a_typed_entry_is_an_entry_or_a_value_error(
    day: str, pain: str | float | None, flag: str | bool | None, painkiller: str | None
) -> None:
    try:
        entry = diary_entry(date=day, pain=pain, flare_up=flag, painkiller=painkiller, today=TODAY)
    except ValueError as error:
        assert str(error)
    else:
        assert entry.row == 0
