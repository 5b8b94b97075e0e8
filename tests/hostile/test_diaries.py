"""Hostile diary files: bad rows named with their row, good rows stored, formula text kept
as text, oversized files refused before they are read or stored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.diary import parse_diary
from ingest.records import UnusableFile
from pipelines.app import diary as diary_app
from pipelines.schemas import DIARY, FILES
from pipelines.store.storage import Store
from tests.support.hostile import (
    FORMULAS,
    TODAY,
    TOO_LARGE_DIARY,
    VAGUE,
    HostileDiary,
    hostile_diaries,
)

DIARIES = hostile_diaries()


@pytest.mark.parametrize("diary", DIARIES, ids=[d.name for d in DIARIES])
def test_each_hostile_diary_is_read_row_by_row_or_rejected_saying_why(
    diary: HostileDiary,
) -> None:
    try:
        parsed = parse_diary(diary.name, diary.data, today=TODAY)
    except UnusableFile as error:
        assert diary.rejected is not None, error.reason
        assert re.search(diary.rejected, error.reason), error.reason
        assert not VAGUE.search(error.reason)
        return
    assert diary.rejected is None, diary.what
    assert len(parsed.entries) == diary.entries
    assert tuple(sorted({e.row for e in parsed.errors})) == diary.error_rows
    for error in parsed.errors:  # each names its row and what to do
        assert error.row >= 2 and error.message and not VAGUE.search(error.message)


def test_dates_before_1990_are_row_errors() -> None:
    """A diary row dated 0001-01-01 used to go in: the days table then ran from year 1
    (740,000 rows, 4 s and 450 MB on every refresh of the participant)."""
    parsed = parse_diary("d.csv", b"date,pain_0_100\n0001-01-01,40\n1989-12-31,40\n", today=TODAY)
    assert [(e.row, e.message) for e in parsed.errors] == [
        (2, "date '0001-01-01' is 0001-01-01, before 1990: check the year"),
        (3, "date '1989-12-31' is 1989-12-31, before 1990: check the year"),
    ]


def test_importing_every_hostile_diary_keeps_the_good_rows(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    folder = tmp_path / "in"
    folder.mkdir()
    results = {}
    for diary in DIARIES:
        path = folder / diary.name
        path.write_bytes(diary.data)
        results[diary.name] = diary_app.import_diary_file(store, "p1", path, today=TODAY)

    for diary in DIARIES:
        result = results[diary.name]
        if diary.rejected:
            assert result.rejected and re.search(diary.rejected, result.rejected), diary.name
        else:
            assert result.rejected is None, diary.name
            assert result.entries == diary.entries, diary.name
            assert tuple(sorted({e.row for e in result.errors})) == diary.error_rows
    manifest = store.read(FILES, ["p1"]).set_index("original_name")
    assert set(manifest.index) == {d.name for d in DIARIES}
    assert manifest.loc["formulas.csv", "status"] == "ok"
    assert manifest.loc["wrong-columns.csv", "status"] == "rejected"
    stored = store.read(DIARY, ["p1"])
    assert stored["date"].min().year >= 1990
    assert stored["pain"].dropna().between(0, 100).all()


def test_formula_text_is_stored_as_written_never_as_a_formula(tmp_path: Path) -> None:
    """The decision (docs/templates/diary.md): notes are the participant's own words and are
    kept exactly; nothing evaluates them, and no export writes them to a CSV today. An
    export that ever does must neutralise cells starting with = + - @ (a leading ')."""
    store = Store(tmp_path / "data")
    [formulas] = [d for d in DIARIES if d.name == "formulas.csv"]
    path = tmp_path / formulas.name
    path.write_bytes(formulas.data)

    diary_app.import_diary_file(store, "p1", path, today=TODAY)

    stored = store.read(DIARY, ["p1"])
    assert list(stored["note"].dropna()) == [text.strip() for text in FORMULAS]
    assert list(stored["painkiller_name"].dropna()) == ['=HYPERLINK("x")']
    assert str(stored["note"].dtype) == "string"


def test_an_oversized_diary_is_refused_before_it_is_read_or_stored(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    path = tmp_path / "diary.csv"
    with open(path, "wb") as out:  # 22 MB on paper: reading it would be the bug
        out.truncate(TOO_LARGE_DIARY)

    result = diary_app.import_diary_file(store, "p1", path, today=TODAY)

    assert result.rejected == (
        "file of 21.0 MiB (22000000 bytes) is far too large for a diary (at most 19.1 MiB "
        "(20000000 bytes)); it was neither read nor stored"
    )
    assert store.raw_files("p1") == []
    assert store.read(FILES, ["p1"]).empty


def test_the_cli_prints_hostile_cells_as_text(tmp_path: Path) -> None:
    """A cell "[/]" in a bad row used to crash ``diary import`` after the import (rich
    markup: "closing tag '[/]' has nothing to close"); an escape sequence reached the
    terminal as such."""
    from typer.testing import CliRunner

    from pipelines.cli.main import app

    path = tmp_path / "diary.csv"
    path.write_bytes(
        b"date,pain_0_100,note\n2026-05-01,[/],x\n2026-05-02,\x1b[2J40,y\n2026-05-03,30,z\n"
    )

    result = CliRunner().invoke(
        app, ["diary", "import", str(path), "-p", "p1", "--data-dir", str(tmp_path / "data")]
    )

    assert result.exit_code == 0, result.output
    assert "[/]" in result.output and "\\x1b[2J40" in result.output
    assert "\x1b" not in result.output
