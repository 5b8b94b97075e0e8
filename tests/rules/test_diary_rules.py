"""The pain diary's rules (docs/rules.md, "Pain diary"; pipelines/rules/diary.py): entries
as rows, the import rule (a file replaces every entry of the dates it holds), a single entry
replacing the entry of its date and time, and the day's figures (mean pain, number of
entries, any flare-up, painkiller and exercise-pain answers). Expected tables are written
out by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ingest.records import DiaryEntry
from pipelines import schemas
from pipelines.rules import diary
from pipelines.schemas import DIARY

D1, D2, D3 = date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)
FILE_A, FILE_B = "a" * 64, "b" * 64


def stored(*rows: dict[str, object]) -> pd.DataFrame:
    """Diary rows as the table holds them: every column, blanks where not given."""
    blank: dict[str, object] = {
        "participant": "p1",
        "time": None,
        "pain": None,
        "flare_up": None,
        "painkiller": None,
        "painkiller_name": None,
        "exercise_pain": None,
        "note": None,
        "source": "file",
        "file_sha256": None,
        "row": None,
    }
    frame = pd.DataFrame([blank | r for r in rows], columns=DIARY.names)
    return schemas.coerce(DIARY, frame)


def test_entries_frame_from_a_file() -> None:
    entries = [
        DiaryEntry(
            row=2,
            date=D1,
            pain=40.0,
            time="08:00",
            flare_up=True,
            painkiller=True,
            painkiller_name="Ibuprofen",
            exercise_pain=False,
            note="stiff",
        ),
        DiaryEntry(row=3, date=D2),
    ]
    got = diary.entries_frame("p1", entries, source="file", file_sha256=FILE_A)
    expected = stored(
        {
            "date": D1,
            "time": "08:00",
            "pain": 40.0,
            "flare_up": True,
            "painkiller": True,
            "painkiller_name": "Ibuprofen",
            "exercise_pain": False,
            "note": "stiff",
            "file_sha256": FILE_A,
            "row": 2,
        },
        {"date": D2, "file_sha256": FILE_A, "row": 3},
    )
    pd.testing.assert_frame_equal(got, expected)


def test_entries_frame_of_a_single_entry_has_no_row() -> None:
    # The form's entry has no file and no row of one, whatever row the entry carries.
    got = diary.entries_frame("p2", [DiaryEntry(row=1, date=D3, pain=20.0)], source="entry")
    expected = stored({"participant": "p2", "date": D3, "pain": 20.0, "source": "entry"})
    pd.testing.assert_frame_equal(got, expected)


def test_entries_frame_of_nothing() -> None:
    got = diary.entries_frame("p1", [], source="file", file_sha256=FILE_A)
    pd.testing.assert_frame_equal(got, DIARY.empty())


EXISTING = stored(
    {"date": D1, "time": "08:00", "pain": 30.0, "file_sha256": FILE_A, "row": 2},
    {"date": D1, "time": "20:00", "pain": 50.0, "file_sha256": FILE_A, "row": 3},
    {"date": D2, "pain": 40.0, "source": "entry"},
    {"date": D3, "pain": 10.0, "file_sha256": FILE_A, "row": 4},
)


def test_import_replaces_every_entry_of_the_files_dates() -> None:
    # The file holds 1 May (one entry, no time) and 2 May (two entries): both old 1 May
    # entries and the form's 2 May entry go; 3 May stays. Sorted by date, then time.
    imported = stored(
        {"date": D2, "time": "21:00", "pain": 60.0, "file_sha256": FILE_B, "row": 3},
        {"date": D1, "pain": 20.0, "file_sha256": FILE_B, "row": 2},
        {"date": D2, "time": "07:00", "pain": 70.0, "file_sha256": FILE_B, "row": 4},
    )
    got = diary.apply_import(EXISTING, imported)
    expected = stored(
        {"date": D1, "pain": 20.0, "file_sha256": FILE_B, "row": 2},
        {"date": D2, "time": "07:00", "pain": 70.0, "file_sha256": FILE_B, "row": 4},
        {"date": D2, "time": "21:00", "pain": 60.0, "file_sha256": FILE_B, "row": 3},
        {"date": D3, "pain": 10.0, "file_sha256": FILE_A, "row": 4},
    )
    pd.testing.assert_frame_equal(got, expected)


def test_importing_the_same_file_again_changes_nothing() -> None:
    once = diary.apply_import(stored(), EXISTING)
    twice = diary.apply_import(once, EXISTING)
    pd.testing.assert_frame_equal(once, EXISTING)
    pd.testing.assert_frame_equal(twice, EXISTING)


def test_import_into_an_empty_diary_sorts_the_file() -> None:
    imported = stored(
        {"date": D2, "time": "09:00", "pain": 20.0},
        {"date": D1, "time": "18:00", "pain": 30.0},
        {"date": D1, "time": "07:30", "pain": 40.0},
    )
    got = diary.apply_import(stored(), imported)
    expected = stored(
        {"date": D1, "time": "07:30", "pain": 40.0},
        {"date": D1, "time": "18:00", "pain": 30.0},
        {"date": D2, "time": "09:00", "pain": 20.0},
    )
    pd.testing.assert_frame_equal(got, expected)


def test_import_of_a_file_covering_every_stored_date() -> None:
    imported = stored(
        {"date": D3, "pain": 0.0}, {"date": D1, "pain": 5.0}, {"date": D2, "pain": 7.0}
    )
    got = diary.apply_import(EXISTING, imported)
    expected = stored(
        {"date": D1, "pain": 5.0}, {"date": D2, "pain": 7.0}, {"date": D3, "pain": 0.0}
    )
    pd.testing.assert_frame_equal(got, expected)


def test_import_of_nothing_keeps_the_diary() -> None:
    pd.testing.assert_frame_equal(diary.apply_import(EXISTING, stored()), EXISTING)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # same date and time: replaced; the other entry of that day stays
        (
            {"date": D1, "time": "20:00", "pain": 90.0, "source": "entry"},
            [
                {"date": D1, "time": "08:00", "pain": 30.0, "file_sha256": FILE_A, "row": 2},
                {"date": D1, "time": "20:00", "pain": 90.0, "source": "entry"},
                {"date": D2, "pain": 40.0, "source": "entry"},
                {"date": D3, "pain": 10.0, "file_sha256": FILE_A, "row": 4},
            ],
        ),
        # a new time on a day with entries: added, in time order
        (
            {"date": D1, "time": "12:00", "pain": 60.0, "source": "entry"},
            [
                {"date": D1, "time": "08:00", "pain": 30.0, "file_sha256": FILE_A, "row": 2},
                {"date": D1, "time": "12:00", "pain": 60.0, "source": "entry"},
                {"date": D1, "time": "20:00", "pain": 50.0, "file_sha256": FILE_A, "row": 3},
                {"date": D2, "pain": 40.0, "source": "entry"},
                {"date": D3, "pain": 10.0, "file_sha256": FILE_A, "row": 4},
            ],
        ),
        # no time: replaces the day's entry without a time, not the timed ones
        (
            {"date": D1, "pain": 45.0, "source": "entry"},
            [
                {"date": D1, "pain": 45.0, "source": "entry"},
                {"date": D1, "time": "08:00", "pain": 30.0, "file_sha256": FILE_A, "row": 2},
                {"date": D1, "time": "20:00", "pain": 50.0, "file_sha256": FILE_A, "row": 3},
                {"date": D2, "pain": 40.0, "source": "entry"},
                {"date": D3, "pain": 10.0, "file_sha256": FILE_A, "row": 4},
            ],
        ),
        (
            {"date": D2, "pain": 25.0, "source": "entry"},
            [
                {"date": D1, "time": "08:00", "pain": 30.0, "file_sha256": FILE_A, "row": 2},
                {"date": D1, "time": "20:00", "pain": 50.0, "file_sha256": FILE_A, "row": 3},
                {"date": D2, "pain": 25.0, "source": "entry"},
                {"date": D3, "pain": 10.0, "file_sha256": FILE_A, "row": 4},
            ],
        ),
        # a time on a day whose entry has none: both stay
        (
            {"date": D2, "time": "08:00", "pain": 35.0, "source": "entry"},
            [
                {"date": D1, "time": "08:00", "pain": 30.0, "file_sha256": FILE_A, "row": 2},
                {"date": D1, "time": "20:00", "pain": 50.0, "file_sha256": FILE_A, "row": 3},
                {"date": D2, "pain": 40.0, "source": "entry"},
                {"date": D2, "time": "08:00", "pain": 35.0, "source": "entry"},
                {"date": D3, "pain": 10.0, "file_sha256": FILE_A, "row": 4},
            ],
        ),
        # the same time on another day: nothing replaced
        (
            {"date": date(2024, 4, 30), "time": "08:00", "pain": 15.0, "source": "entry"},
            [
                {"date": date(2024, 4, 30), "time": "08:00", "pain": 15.0, "source": "entry"},
                {"date": D1, "time": "08:00", "pain": 30.0, "file_sha256": FILE_A, "row": 2},
                {"date": D1, "time": "20:00", "pain": 50.0, "file_sha256": FILE_A, "row": 3},
                {"date": D2, "pain": 40.0, "source": "entry"},
                {"date": D3, "pain": 10.0, "file_sha256": FILE_A, "row": 4},
            ],
        ),
    ],
)
def test_a_single_entry_replaces_the_entry_of_its_date_and_time(
    entry: dict[str, object], expected: list[dict[str, object]]
) -> None:
    got = diary.apply_entry(EXISTING, stored(entry))
    pd.testing.assert_frame_equal(got, stored(*expected))


def test_a_single_entry_into_an_empty_diary() -> None:
    entry = stored({"date": D1, "time": "08:00", "pain": 30.0, "source": "entry"})
    pd.testing.assert_frame_equal(diary.apply_entry(stored(), entry), entry)


def test_a_single_entry_replacing_the_only_entry() -> None:
    old = stored({"date": D1, "pain": 30.0})
    new = stored({"date": D1, "pain": 35.0, "source": "entry"})
    pd.testing.assert_frame_equal(diary.apply_entry(old, new), new)


def test_no_entry_changes_nothing() -> None:
    pd.testing.assert_frame_equal(diary.apply_entry(EXISTING, stored()), EXISTING)


COLUMNS = ["date", "pain", "pain_entries", "flare_up_flagged", "painkiller", "exercise_pain"]


def test_per_day() -> None:
    entries = stored(
        # 1 May: three entries, pain (20 + 30 + 70) / 3 = 40; one flare-up among a "no" and a
        # blank; painkiller yes once; exercise pain answered "no" only
        {"date": D1, "time": "08:00", "pain": 20.0, "flare_up": False, "painkiller": False},
        {"date": D1, "time": "12:00", "pain": 30.0, "flare_up": True, "exercise_pain": False},
        {"date": D1, "time": "20:00", "pain": 70.0, "painkiller": True},
        # 3 May: one entry without pain; flags blank: no flare-up flagged, the questions
        # unanswered
        {"date": D3, "note": "forgot"},
        # 2 May: two entries, pain (45 + 50) / 2 = 47.5; painkiller "no" twice; exercise pain
        # "yes" once
        {"date": D2, "pain": 45.0, "painkiller": False, "exercise_pain": True},
        {"date": D2, "time": "21:00", "pain": 50.0, "painkiller": False, "flare_up": False},
    )
    got = diary.per_day(entries)
    expected = pd.DataFrame(
        {
            "date": [D1, D2, D3],
            "pain": [40.0, 47.5, float("nan")],
            "pain_entries": pd.array([3, 2, 1], dtype="int16"),
            "flare_up_flagged": [True, False, False],
            "painkiller": pd.array([True, False, pd.NA], dtype="boolean"),
            "exercise_pain": pd.array([False, True, pd.NA], dtype="boolean"),
        }
    )
    pd.testing.assert_frame_equal(got, expected)


def test_per_day_of_an_empty_diary() -> None:
    got = diary.per_day(stored())
    pd.testing.assert_frame_equal(got, pd.DataFrame(columns=COLUMNS))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([True], True),
        ([False, True], True),
        ([None, True], True),
        ([False, False], False),
        ([None], False),  # a blank is not a flare-up
        ([None, False], False),
    ],
)
def test_any_flare_up(values: list[bool | None], expected: bool) -> None:
    assert diary._any_true(pd.Series(values, dtype="boolean")) is expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([True], True),
        ([False, True], True),
        ([None, True], True),
        ([False, False], False),
        ([None, False], False),  # a "no" and a blank: no
        ([None], pd.NA),  # no answer at all
        ([None, None], pd.NA),
    ],
)
def test_any_answer(values: list[bool | None], expected: object) -> None:
    assert diary._any_answer(pd.Series(values, dtype="boolean")) is expected
