"""Every hostile file, read on its own: a specific rejection (or an honest skip) naming it.

The whole-upload test (the same files through the CLI, in one upload) is
test_mixed_upload.py; these tests read each file with ``ingest.read.read_upload`` so that a
failure names the one file concerned.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ingest.containers import expand_path
from ingest.limits import RecordLimits
from ingest.read import checked_records, read_upload
from ingest.records import (
    DailySteps,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    StepInterval,
)
from tests.support.hostile import VAGUE, Hostile, hostile_files, make_zip, sessions_csv

CORPUS = hostile_files()


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 50
    assert len({h.name for h in CORPUS}) == len(CORPUS)
    statuses = {e.status for h in CORPUS for e in h.expect}
    assert {"rejected", "skipped", "ok"} <= statuses


@pytest.mark.parametrize("hostile", CORPUS, ids=[h.name for h in CORPUS])
def test_each_hostile_file_gets_a_specific_outcome(hostile: Hostile) -> None:
    results = read_upload(hostile.name, hostile.data)

    got = [
        (
            r.path,
            "ok" if r.parsed is not None else r.error.status if r.error else "?",
            r.error.reason if r.error else "; ".join(r.parsed.warnings if r.parsed else ()),
        )
        for r in results
    ]
    assert [path for path, _, _ in got] == [e.path for e in hostile.expect], hostile.what
    for (path, status, reason), expect in zip(got, hostile.expect, strict=True):
        assert path == expect.path or path.startswith(f"{hostile.name}/")  # names the file
        assert re.fullmatch(expect.status, status), (path, status, reason)
        if expect.reason:
            assert re.search(expect.reason, reason), (path, reason)
        assert not VAGUE.search(reason), (path, reason)


# ------------------------------------------------------------- regression tests: fixes


def test_an_empty_zip_is_reported_not_silently_dropped(tmp_path: Path) -> None:
    """It used to yield no result at all: the upload vanished from the summary."""
    data = make_zip({})
    [result] = read_upload("nothing.zip", data)
    assert isinstance(result.error, SkippedFile)
    assert result.error.reason == "empty zip archive: it holds no files"

    stored = tmp_path / "nothing.zip"
    stored.write_bytes(data)
    [leaf] = list(expand_path("nothing.zip", stored))
    assert isinstance(leaf.error, SkippedFile) and leaf.sha256 is not None
    nested = read_upload("outer.zip", make_zip({"inner.zip": data}))
    assert [(r.path, type(r.error)) for r in nested] == [("outer.zip/inner.zip", SkippedFile)]


def test_a_csv_value_beyond_the_field_limit_names_the_row() -> None:
    """It used to read "could not be read (Error: field larger than field limit (131072))"
    (the shared row loop of the sessions, Strava and Garmin Connect CSV readers)."""
    data = sessions_csv(
        "2024-05-01,07:00,30,Walk,,,,ok", "2024-05-02,07:00,30,Walk,,,," + "x" * 200_000
    )
    [result] = read_upload("s.csv", data)
    assert isinstance(result.error, RejectedFile)
    assert result.error.reason == (
        "sessions CSV: row 3 cannot be read: a value is longer than 131072 characters, which "
        "no spreadsheet or tracker export writes (a quote that is never closed?); the file "
        "was not read"
    )


def test_a_fitbit_minute_at_the_end_of_year_9999_is_a_row_error() -> None:
    """Its interval's end overflowed: "unreadable Fitbit file (OverflowError: ...)"."""
    data = b"Id,ActivityMinute,Steps\n1,12/31/9999 11:59:00 PM,50\n1,4/12/2016 12:00:00 AM,50\n"
    [result] = read_upload("minuteStepsNarrow.csv", data)
    assert result.parsed is not None
    assert [(i.start_utc, i.steps) for i in result.parsed.step_intervals] == [
        (datetime(2016, 4, 12, tzinfo=UTC), 50)
    ]
    assert any("9999-12-31 23:59 is not a real date" in w for w in result.parsed.warnings)


T = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


def session(start: datetime = T, elapsed_s: float = 1800.0, **changes: object) -> SessionRecord:
    values: dict[str, object] = {
        "source_format": "sessions_csv",
        "index": 0,
        "start_utc": start,
        "elapsed_s": elapsed_s,
        "moving_s": elapsed_s,
    }
    return SessionRecord(**(values | changes))  # type: ignore[arg-type]


def interval(start: datetime = T, minutes: float = 1, steps: int = 80) -> StepInterval:
    return StepInterval(start, start + timedelta(minutes=minutes), steps)


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (session(datetime(9999, 12, 31, 23, 59, tzinfo=UTC)), "starts 9999-12-31 23:59 UTC"),
        (session(datetime(1, 1, 1, tzinfo=UTC)), "starts 0001-01-01 00:00 UTC"),
        (session(datetime(2099, 12, 31, 23, 0, tzinfo=UTC), 7200), "ends 2100-01-01 01:00"),
        (session(elapsed_s=1e305), "lasts 1e+305 s"),
        (session(elapsed_s=float("nan")), "lasts nan s"),
        (session(moving_s=float("-inf")), "moving time of -inf s"),
        (session(distance_m=float("nan")), "covers nan m"),
        (session(steps=10**400), "has steps 1000… (401 digits)"),
        (session(steps=-1), "has steps -1"),
        (session(utc_offset_s=10**9), "UTC offset 1000000000 s"),
    ],
)
def test_impossible_sessions_are_left_out_and_never_reach_the_tables(
    record: SessionRecord, problem: str
) -> None:
    """A session in 9999 used to crash the ingest (end overflow) and one in 2999 every
    later refresh (pandas' nanosecond range): the whole upload was lost, for good."""
    good = session(T, index=1)
    parsed = ParsedFile("sessions_csv", "activity", sessions=(record, good))

    checked = checked_records(parsed)

    assert checked.sessions == (good,)
    [warning] = checked.warnings
    assert warning.startswith("left out as impossible (a wrong clock or a typo): 1 session(s)")
    assert problem in warning
    with pytest.raises(RejectedFile, match=r"^nothing a tracker could have recorded"):
        checked_records(ParsedFile("sessions_csv", "activity", sessions=(record,)))


def test_impossible_step_data_is_left_out() -> None:
    good = interval()
    parsed = ParsedFile(
        "fitbit",
        "monitoring",
        step_intervals=(
            good,
            interval(datetime(2999, 1, 1, tzinfo=UTC)),
            interval(minutes=60 * 24 * 365 * 50),  # one record spread over 50 years
            interval(steps=2**31),
        ),
        daily_steps=(DailySteps(date(1, 1, 1), 5), DailySteps(date(2024, 5, 1), 5000)),
    )

    checked = checked_records(parsed)

    assert checked.step_intervals == (good,)
    assert checked.daily_steps == (DailySteps(date(2024, 5, 1), 5000),)
    [warning] = checked.warnings
    assert "3 step interval(s) (e.g. a step interval starts 2999-01-01 00:00 UTC" in warning
    assert "1 daily step total(s) (e.g. a daily total dated 0001-01-01" in warning


def test_a_file_may_not_spread_into_more_step_minutes_than_the_limit() -> None:
    day = [interval(T + timedelta(hours=h), minutes=60) for h in range(24)]
    parsed = ParsedFile("fitbit", "monitoring", step_intervals=tuple(day))
    assert checked_records(parsed, RecordLimits(max_step_minutes=24 * 61)) is parsed

    with pytest.raises(RejectedFile) as refused:
        checked_records(parsed, RecordLimits(max_step_minutes=1000))
    assert refused.value.reason.startswith(
        "its 24 step intervals cover 1464 minutes in all, more than the 1000 one file may hold"
    )


def test_plausible_records_pass_unchanged() -> None:
    parsed = ParsedFile(
        "fit", "activity", sessions=(session(),), step_intervals=(interval(),), warnings=("w",)
    )
    assert checked_records(parsed) is parsed
