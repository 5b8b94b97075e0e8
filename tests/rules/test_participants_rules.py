"""Participant settings and the one program start (``pipelines.rules.participants``):
reading the roster's rows back into a ``Participant`` (stored values, documented defaults),
writing one row, and ``effective_start`` (set → first diary day → first data day → None).
Expected values are worked out by hand from the docstrings in each case."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipelines.config import DEFAULT_TZ_ENV, Target
from pipelines.rules.participants import (
    Participant,
    ProgramStart,
    effective_start,
    from_rows,
    roster,
    to_frame,
    written,
)
from pipelines.schemas import PARTICIPANTS

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
# every field differs from its default, so a field read from the wrong column or left at
# its default shows
CUSTOM = Target(
    min_minutes=20,
    max_minutes=45,
    every_n_days=3,
    min_bout_minutes=5,
    program_start=date(2026, 3, 2),
    max_pause_minutes=1,
    min_wear_minutes=480,
    training_sessions_per_week=3,
    min_training_minutes=20,
)
ANNA = Participant("anna", "Europe/Lisbon", CUSTOM, "g7")


def row(pid: str, **changes: Any) -> dict[str, Any]:
    """One roster row as stored: ANNA's settings for ``pid`` with ``changes``."""
    base: dict[str, Any] = {
        "participant": pid,
        "tz": "Europe/Lisbon",
        "program_start": date(2026, 3, 2),
        "min_minutes": 20,
        "max_minutes": 45,
        "every_n_days": 3,
        "min_bout_minutes": 5,
        "max_pause_minutes": 1,
        "min_wear_minutes": 480,
        "training_sessions_per_week": 3,
        "min_training_minutes": 20,
        "group": "g7",
        "updated_at": NOW,
    }
    return base | changes


@pytest.fixture(autouse=True)
def _default_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    # a default zone that is not the built-in one: the default must come from default_tz()
    monkeypatch.setenv(DEFAULT_TZ_ENV, "America/Chicago")


# ------------------------------------------------------------------ from_rows / roster


def test_nobody_stored_gets_the_documented_defaults() -> None:
    rows = pd.DataFrame([row("bert")])
    assert from_rows("anna", rows) == Participant("anna", "America/Chicago", Target(), None)


def test_the_stored_row_is_read_field_by_field() -> None:
    rows = pd.DataFrame([row("bert", tz="Asia/Tokyo", group="g1"), row("anna")])
    assert from_rows("anna", rows) == ANNA


def test_the_last_of_several_rows_wins() -> None:
    rows = pd.DataFrame(
        [row("anna", min_minutes=25), row("anna", min_minutes=30), row("anna", min_minutes=35)]
    )
    assert from_rows("anna", rows) == Participant(
        "anna", "Europe/Lisbon", CUSTOM.with_changes(min_minutes=35), "g7"
    )


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (date(2026, 3, 2), date(2026, 3, 2)),
        (datetime(2026, 3, 2, 23, 59), date(2026, 3, 2)),  # a datetime: its day
        (pd.Timestamp("2026-03-02 08:00"), date(2026, 3, 2)),
        ("2026-03-02", date(2026, 3, 2)),  # text: parsed
        (np.datetime64("2026-03-02"), date(2026, 3, 2)),
        (None, None),
        (pd.NaT, None),
    ],
)
def test_the_program_start_is_read_as_a_day(stored: object, expected: date | None) -> None:
    got = from_rows("anna", pd.DataFrame([row("anna", program_start=stored)]))
    assert got == Participant(
        "anna", "Europe/Lisbon", CUSTOM.with_changes(program_start=expected), "g7"
    )
    assert type(got.target.program_start) is (date if expected else type(None))


def test_no_group_and_rows_from_before_the_pause_and_wear_columns() -> None:
    # older roster files lack max_pause_minutes and min_wear_minutes: their defaults 2, 600
    record = row("anna", group=None)
    del record["max_pause_minutes"], record["min_wear_minutes"]
    got = from_rows("anna", pd.DataFrame([record]))
    expected = CUSTOM.with_changes(max_pause_minutes=2, min_wear_minutes=600)
    assert got == Participant("anna", "Europe/Lisbon", expected, None)


def test_a_roster_for_many_with_and_without_rows() -> None:
    rows = pd.DataFrame([row("anna"), row("bert", tz="Asia/Tokyo", group=None)])
    assert roster(["cleo", "anna", "bert"], rows) == {
        "cleo": Participant("cleo", "America/Chicago", Target(), None),
        "anna": ANNA,
        "bert": Participant("bert", "Asia/Tokyo", CUSTOM, None),
    }


# ------------------------------------------------------------------ to_frame


def test_one_row_in_the_tables_types_that_reads_back_the_same() -> None:
    frame = to_frame(ANNA, NOW)
    assert list(frame.columns) == PARTICIPANTS.names
    assert frame.to_dict("records") == [row("anna")]
    assert from_rows("anna", frame) == ANNA


def test_no_program_start_and_no_group_stay_empty() -> None:
    person = Participant("anna", "Europe/Berlin", Target(), None)
    [record] = to_frame(person, NOW).to_dict("records")
    assert record["program_start"] is None
    assert pd.isna(record["group"])
    assert record["every_n_days"] == 2
    assert from_rows("anna", to_frame(person, NOW)) == person


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown IANA time zone 'Mars/Olympus'"):
        to_frame(Participant("anna", "Mars/Olympus", Target()), NOW)


# ------------------------------------------------------------------ written

D = [date(2026, 3, d) for d in range(1, 6)]


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        # the daily join's count decides, whatever the diary columns say
        ({"pain_entries": [0, 2, None, 1, 0], "pain": [50.0, None, 40.0, None, 10.0]},
         [False, True, False, True, False]),
        # without it, any of pain, flare-up or painkiller
        ({"pain": [None, 30.0, None, None, None]}, [False, True, False, False, False]),
        ({"flare_up": [None, None, False, None, None]}, [False, False, True, False, False]),
        ({"painkiller": [None, None, None, None, True]}, [False, False, False, False, True]),
        ({"pain": [None, 0.0, None, None, None], "flare_up": [True, None, None, None, None],
          "painkiller": [None, None, None, False, None]}, [True, True, False, True, False]),
        # no diary column at all: nobody wrote
        ({"steps": [1, 2, 3, 4, 5]}, [False] * 5),
    ],
)  # fmt: skip
def test_written(columns: dict[str, list[Any]], expected: list[bool]) -> None:
    got = written(pd.DataFrame({"date": D, "has_data": [True] * 5} | columns))
    assert got.dtype == np.bool_
    assert got.tolist() == expected


def test_written_of_no_days() -> None:
    got = written(pd.DataFrame({"date": [], "has_data": []}))
    assert got.dtype == np.bool_
    assert got.shape == (0,)


# ------------------------------------------------------------------ effective_start


@pytest.mark.parametrize(
    ("case", "columns", "program_start", "expected"),
    [
        ("set wins over diary and data",
         {"has_data": [True] * 5, "pain": [10.0] * 5}, date(2026, 2, 1),
         ProgramStart(date(2026, 2, 1), "set")),
        # the earliest diary day, not the first row nor the first data day
        ("first diary day",
         {"has_data": [True] * 5, "pain": [None, None, None, 20.0, None],
          "painkiller": [None, None, True, None, None]}, None,
         ProgramStart(D[2], "first_diary_day")),
        ("diary on a day without data",
         {"has_data": [False, False, False, True, True],
          "flare_up": [None, True, None, None, None]},
         None, ProgramStart(D[1], "first_diary_day")),
        ("first data day",
         {"has_data": [False, False, True, True, False]}, None,
         ProgramStart(D[2], "first_data_day")),
        ("data unknown on some days",
         {"has_data": [pd.NA, False, pd.NA, True, True]}, None,
         ProgramStart(D[3], "first_data_day")),
        ("no data", {"has_data": [False] * 5, "pain_entries": [0] * 5}, None, None),
        ("no data column, no diary", {"steps": [0] * 5}, None, None),
    ],
)  # fmt: skip
def test_effective_start(
    case: str, columns: dict[str, list[Any]], program_start: date | None, expected: object
) -> None:
    # rows in reverse order: the start is the earliest day, not the first row
    # has_data as it comes: bool, or an object column with <NA> where a join left it unknown
    frame = pd.DataFrame({"date": D} | columns).iloc[::-1]
    assert effective_start(frame, program_start) == expected, case
    assert effective_start(frame.set_index("date"), program_start) == expected, case
