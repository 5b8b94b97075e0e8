"""Uploads → manifest rows and data rows (pipelines/rules/ingestion.py; docs/rules.md
"Files"): every member gets one manifest row — ``ok``, ``duplicate`` (same content already
counted), ``skipped`` or ``rejected`` with the reason; a member already in the manifest
under the same content *and* name is "already ingested" and writes nothing. Only ``ok``
members give sessions, step minutes, wear and daily steps; records with local wall-clock
time only (floating) are placed in the participant's zone."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from ingest.read import MemberResult
from ingest.records import (
    DailySteps,
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    StepInterval,
    WearSpan,
)
from pipelines.rules import ingestion
from pipelines.schemas import DAILY_STEPS, FILES, SESSIONS, STEP_MINUTES, WEAR

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
WATCH = Device("garmin", "fenix5", "111")
KEY = "garmin/fenix5/111"
A, B, C, D, E = ("a" * 64, "b" * 64, "c" * 64, "d" * 64, "e" * 64)
UP = "f" * 64  # the uploaded zip


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _plain(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{str(k): _plain(v) for k, v in r.items()} for r in frame.to_dict("records")]


# A walk recorded on 14 January 2026 at 10:00 wall-clock time without a zone (floating: placed
# in Europe/Berlin, UTC+1 in winter → 09:00 UTC), 30 minutes, 25 of them moving.
WALK = SessionRecord(
    source_format="gpx",
    index=2,
    start_utc=_utc("2026-01-14T10:00:00"),
    elapsed_s=1800.0,
    moving_s=1500.0,
    sport=11,
    sub_sport=0,
    activity_name="Morgenrunde",
    device=WATCH,
    floating=True,
)
# 150 steps over 08:00–08:03 wall-clock time, floating (07:00–07:03 UTC in Europe/Berlin):
# 50 per minute; a reading of 0 steps 08:03–08:05 (worn, no steps: wear, no step minute).
STEPS = (
    StepInterval(
        _utc("2026-01-15T08:00:00"), _utc("2026-01-15T08:03:00"), 150, WATCH, 6, floating=True
    ),
    StepInterval(
        _utc("2026-01-15T08:03:00"), _utc("2026-01-15T08:05:00"), 0, WATCH, 6, floating=True
    ),
)
# heart rate 06:00–06:30 wall-clock, floating: 05:00–05:30 UTC in Europe/Berlin
HEART = (WearSpan(_utc("2026-01-15T06:00:00"), _utc("2026-01-15T06:30:00"), WATCH, floating=True),)
TOTALS = (DailySteps(date(2026, 1, 13), 4200, WATCH),)

PARSED = ParsedFile(
    format="gpx",
    kind="activity",
    sessions=(WALK,),
    step_intervals=STEPS,
    warnings=("CRC mismatch", "clock jump"),
    daily_steps=TOTALS,
    wear_spans=HEART,
)


def _member(
    path: str,
    sha: str,
    *,
    parsed: ParsedFile | None = None,
    error: Exception | None = None,
    size: int = 100,
    fmt: str | None = "fit",
) -> MemberResult:
    return MemberResult(path, sha, size, fmt, parsed, error)  # type: ignore[arg-type]


def _manifest(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """Manifest rows (sha256, original_name, status) of earlier uploads."""
    if not rows:
        return FILES.empty()
    frame = pd.DataFrame(
        [
            {
                "participant": "p1",
                "sha256": sha,
                "upload_sha256": sha,
                "original_name": name,
                "format": "fit",
                "kind": None,
                "status": status,
                "reason": None,
                "n_sessions": 0,
                "n_step_intervals": 0,
                "size_bytes": 1,
                "ingested_at": datetime(2026, 1, 1, tzinfo=UTC),
            }
            for sha, name, status in rows
        ],
        columns=FILES.names,
    )
    return frame


def _file_row(name: str, sha: str, status: str, reason: str | None, **rest: object) -> dict:
    return {
        "participant": "p1",
        "sha256": sha,
        "upload_sha256": UP,
        "original_name": name,
        "format": "fit",
        "kind": None,
        "status": status,
        "reason": reason,
        "n_sessions": 0,
        "n_step_intervals": 0,
        "size_bytes": 100,
        "ingested_at": NOW,
    } | rest


def test_every_member_gets_its_status_and_only_ok_members_give_rows() -> None:
    members = (
        _member("export.zip/walk.gpx", A, parsed=PARSED, size=2048, fmt="gpx"),
        _member("export.zip/settings.fit", B, error=SkippedFile("settings file, no activity")),
        _member("export.zip/broken.fit", C, error=RejectedFile("truncated: 12 of 80 bytes")),
        _member("export.zip/copy.gpx", A, parsed=PARSED, size=2048, fmt="gpx"),  # same as walk
        _member("export.zip/walk.gpx", A, parsed=PARSED, size=2048, fmt="gpx"),  # twice
    )
    out = ingestion.ingest_rows(
        "p1", [ingestion.Upload("export.zip", UP, members)], _manifest(), NOW, "Europe/Berlin"
    )
    assert out.changed
    assert list(out.files.columns) == FILES.names
    assert _records(out.files) == [
        _file_row(
            "export.zip/walk.gpx",
            A,
            "ok",
            "CRC mismatch; clock jump",  # the reader's warnings
            format="gpx",
            kind="activity",
            n_sessions=1,
            n_step_intervals=3,  # 2 step intervals + 1 daily total
            size_bytes=2048,
        ),
        _file_row("export.zip/settings.fit", B, "skipped", "settings file, no activity"),
        _file_row("export.zip/broken.fit", C, "rejected", "truncated: 12 of 80 bytes"),
        _file_row(
            "export.zip/copy.gpx",
            A,
            "duplicate",
            "same content as 'export.zip/walk.gpx', already counted",
            format="gpx",
            size_bytes=2048,
        ),
    ]
    assert out.outcomes == [
        ingestion.Outcome("export.zip/walk.gpx", "ok", "CRC mismatch; clock jump", 1, 3, A),
        ingestion.Outcome(
            "export.zip/settings.fit", "skipped", "settings file, no activity", 0, 0, B
        ),
        ingestion.Outcome(
            "export.zip/broken.fit", "rejected", "truncated: 12 of 80 bytes", 0, 0, C
        ),
        ingestion.Outcome(
            "export.zip/copy.gpx",
            "duplicate",
            "same content as 'export.zip/walk.gpx', already counted",
            0,
            0,
            A,
        ),
        ingestion.Outcome(
            "export.zip/walk.gpx",
            "already",
            "already ingested (same content, same name): nothing changed",
            0,
            0,
            A,
        ),
    ]
    # the walk once (not from the duplicate): 10:00 Berlin wall time = 09:00 UTC
    assert list(out.sessions.columns) == SESSIONS.names
    assert _records(out.sessions) == [
        {
            "participant": "p1",
            "session_id": f"{'a' * 16}:2",
            "file_sha256": A,
            "source_format": "gpx",
            "start_utc": _ts("2026-01-14T09:00:00"),
            "end_utc": _ts("2026-01-14T09:30:00"),
            "local_start": pd.Timestamp("2026-01-14T10:00:00"),
            "elapsed_s": 1800.0,
            "moving_s": 1500.0,
            "sport": 11,
            "sub_sport": 0,
            "sport_name": None,
            "activity_name": "Morgenrunde",
            "category": None,
            "category_source": None,
            "distance_m": None,
            "steps": None,
            "device": KEY,
            "utc_offset_s": None,
            "local_date": None,
            "tz_source": None,
            "duplicate_of": None,
        }
    ]
    assert list(out.step_minutes.columns) == STEP_MINUTES.names
    assert _records(out.step_minutes) == [
        {
            "participant": "p1",
            "device": KEY,
            "minute_utc": _ts(f"2026-01-15T07:0{m}:00"),
            "steps": 50,
            "utc_offset_s": None,
            "file_sha256": A,
            "source": "gpx",
            "resolution_s": 180,
        }
        for m in range(3)
    ]
    assert list(out.wear.columns) == WEAR.names
    assert _records(out.wear) == [
        {  # the step readings 08:00–08:05 Berlin wall time, the zero-step one included
            "participant": "p1",
            "device": KEY,
            "file_sha256": A,
            "start_utc": _ts("2026-01-15T07:00:00"),
            "end_utc": _ts("2026-01-15T07:05:00"),
            "utc_offset_s": None,
            "source": "gpx",
            "basis": "steps",
        },
        {  # heart rate 06:00–06:30 Berlin wall time
            "participant": "p1",
            "device": KEY,
            "file_sha256": A,
            "start_utc": _ts("2026-01-15T05:00:00"),
            "end_utc": _ts("2026-01-15T05:30:00"),
            "utc_offset_s": None,
            "source": "gpx",
            "basis": "heart_rate",
        },
    ]
    # each table numbered from 0 (the frames of one file each start at 0)
    assert out.wear.index.tolist() == [0, 1]
    assert list(out.daily_steps.columns) == DAILY_STEPS.names
    assert _records(out.daily_steps) == [
        {
            "participant": "p1",
            "date": date(2026, 1, 13),
            "device": KEY,
            "steps": 4200,
            "file_sha256": A,
            "source": "gpx",
        }
    ]


@pytest.mark.parametrize(
    ("manifest", "expected_status", "expected_reason"),
    [
        # the same content and name: nothing is written
        (
            [(A, "walk.fit", "ok")],
            "already",
            "already ingested (same content, same name): nothing changed",
        ),
        # a rejected or skipped row under the same name is "already" too: nothing to retry
        (
            [(A, "walk.fit", "rejected")],
            "already",
            "already ingested (same content, same name): nothing changed",
        ),
        # the same content counted under another name: a duplicate naming it
        (
            [(A, "old/walk.fit", "ok")],
            "duplicate",
            "same content as 'old/walk.fit', already counted",
        ),
        # the same content under another name that was not counted (rejected, a duplicate
        # itself): read again
        ([(A, "old/walk.fit", "rejected"), (A, "x.fit", "duplicate")], "ok", None),
        # the same name with other content: a new file
        ([(B, "walk.fit", "ok")], "ok", None),
        ([], "ok", None),
    ],
    ids=[
        "same-name",
        "same-name-rejected",
        "other-name-ok",
        "other-name-not-ok",
        "new-content",
        "empty",
    ],
)
def test_a_member_against_the_manifest(
    manifest: list[tuple[str, str, str]], expected_status: str, expected_reason: str | None
) -> None:
    parsed = ParsedFile(format="fit", kind="monitoring", step_intervals=STEPS[:1])
    member = _member("walk.fit", A, parsed=parsed)
    out = ingestion.ingest_rows(
        "p1", [ingestion.Upload("walk.fit", UP, (member,))], _manifest(*manifest), NOW
    )
    counted = expected_status == "ok"
    assert out.outcomes == [
        ingestion.Outcome("walk.fit", expected_status, expected_reason, 0, int(counted), A)
    ]
    assert out.changed is (expected_status != "already")
    if expected_status == "already":
        assert out.files.empty and list(out.files.columns) == FILES.names
    else:
        assert _records(out.files) == [
            _file_row(
                "walk.fit",
                A,
                expected_status,
                expected_reason,
                kind="monitoring" if counted else None,
                n_step_intervals=int(counted),
            )
        ]
    # 150 steps over 3 minutes only when counted
    assert out.step_minutes["steps"].tolist() == ([50, 50, 50] if counted else [])
    assert out.wear["basis"].tolist() == (["steps"] if counted else [])
    assert out.sessions.empty and out.daily_steps.empty


def test_two_uploads_the_second_repeating_the_first() -> None:
    """A member seen earlier in the same call counts as in the manifest: the second upload's
    copy under a new name is a duplicate, under the same name it is already ingested."""
    parsed = ParsedFile(format="fit", kind="monitoring", step_intervals=STEPS[:1])
    first = ingestion.Upload("a.fit", A, (_member("a.fit", A, parsed=parsed),))
    again = ingestion.Upload(
        "b.zip", B, (_member("a.fit", A, parsed=parsed), _member("b.zip/a.fit", A, parsed=parsed))
    )
    out = ingestion.ingest_rows("p1", [first, again], FILES.empty(), NOW)
    assert [(o.name, o.status, o.reason) for o in out.outcomes] == [
        ("a.fit", "ok", None),
        ("a.fit", "already", "already ingested (same content, same name): nothing changed"),
        ("b.zip/a.fit", "duplicate", "same content as 'a.fit', already counted"),
    ]
    assert out.files["upload_sha256"].tolist() == [A, B]
    assert out.step_minutes["steps"].tolist() == [50, 50, 50]


def test_an_upload_of_nothing_but_broken_files_changes_the_manifest_only() -> None:
    members = (_member("x.fit", "", error=RejectedFile("zip bomb: refused"), size=10**9, fmt=None),)
    out = ingestion.ingest_rows("p1", [ingestion.Upload("x.zip", UP, members)], FILES.empty(), NOW)
    assert _records(out.files) == [
        _file_row("x.fit", "", "rejected", "zip bomb: refused", format=None, size_bytes=10**9)
    ]
    assert out.outcomes == [ingestion.Outcome("x.fit", "rejected", "zip bomb: refused", 0, 0, "")]
    for frame, schema in (
        (out.sessions, SESSIONS),
        (out.step_minutes, STEP_MINUTES),
        (out.wear, WEAR),
        (out.daily_steps, DAILY_STEPS),
    ):
        assert frame.empty and list(frame.columns) == schema.names


def test_no_uploads_change_nothing() -> None:
    out = ingestion.ingest_rows("p1", [], _manifest((A, "walk.fit", "ok")), NOW)
    assert not out.changed
    assert out.outcomes == []
    assert out.files.empty and list(out.files.columns) == FILES.names
    assert out.files.dtypes.to_dict() == FILES.empty().dtypes.to_dict()


def test_an_ok_file_without_warnings_has_no_reason() -> None:
    parsed = ParsedFile(format="fit", kind="activity", sessions=(WALK,))
    out = ingestion.ingest_rows(
        "p1",
        [ingestion.Upload("w.fit", UP, (_member("w.fit", A, parsed=parsed),))],
        FILES.empty(),
        NOW,
    )
    assert out.outcomes == [ingestion.Outcome("w.fit", "ok", None, 1, 0, A)]
    # no zone given: the floating walk's wall time is read as UTC (the default zone)
    assert out.sessions["start_utc"].tolist() == [_ts("2026-01-14T10:00:00")]
    assert out.step_minutes.empty and out.wear.empty and out.daily_steps.empty


def _minutes(*rows: tuple[str, int, str]) -> pd.DataFrame:
    """Step minutes (minute, steps, file) of the watch."""
    frame = pd.DataFrame(
        [
            {
                "participant": "p1",
                "device": KEY,
                "minute_utc": _ts(m),
                "steps": s,
                "utc_offset_s": None,
                "file_sha256": f,
                "source": "fit",
                "resolution_s": 60,
            }
            for m, s, f in rows
        ],
        columns=STEP_MINUTES.names,
    )
    from pipelines import schemas

    return schemas.coerce(STEP_MINUTES, frame)


def test_merged_keeps_the_existing_row_of_a_key() -> None:
    existing = pd.DataFrame({"k": [1, 2], "v": ["old1", "old2"]}, index=[5, 6])
    new = pd.DataFrame({"k": [2, 3, 3], "v": ["new2", "new3", "new3b"]}, index=[7, 8, 9])
    got = ingestion.merged(existing, new, ["k"])
    assert got.to_dict("list") == {"k": [1, 2, 3], "v": ["old1", "old2", "new3"]}
    assert got.index.tolist() == [0, 1, 2]
    # nothing new: the existing frame as it is; nothing yet: the new rows, renumbered
    assert ingestion.merged(existing, new.iloc[:0], ["k"]) is existing
    only_new = ingestion.merged(existing.iloc[:0], new, ["k"])
    assert only_new.to_dict("list") == new.to_dict("list")  # as given, repeats kept
    assert only_new.index.tolist() == [0, 1, 2]


def test_merged_step_minutes_take_the_larger_count_per_minute() -> None:
    existing = _minutes(("2026-01-15T07:00", 40, A), ("2026-01-15T07:01", 70, A))
    new = _minutes(("2026-01-15T07:01", 60, B), ("2026-01-15T07:02", 30, B))
    got = ingestion.merged_step_minutes(existing, new)
    assert [
        (m.isoformat(), s, f)
        for m, s, f in got[["minute_utc", "steps", "file_sha256"]].itertuples(index=False)
    ] == [
        ("2026-01-15T07:00:00+00:00", 40, A),
        ("2026-01-15T07:01:00+00:00", 70, A),  # 70 > 60
        ("2026-01-15T07:02:00+00:00", 30, B),
    ]
    assert ingestion.merged_step_minutes(existing, new.iloc[:0]) is existing
    assert ingestion.merged_step_minutes(existing.iloc[:0], new) is new


def test_a_member_the_reader_gave_nothing_for_is_rejected() -> None:
    """A reader result with neither records nor an error (ingest.read never gives one)."""
    member = _member("odd.fit", A)
    out = ingestion.ingest_rows(
        "p1", [ingestion.Upload("odd.fit", UP, (member,))], FILES.empty(), NOW
    )
    assert _records(out.files) == [_file_row("odd.fit", A, "rejected", "reader returned nothing")]
    assert out.outcomes == [
        ingestion.Outcome("odd.fit", "rejected", "reader returned nothing", 0, 0, A)
    ]


def test_the_rows_of_many_files_are_those_of_each_file_in_order() -> None:
    """An export of 150 workouts (more than the 64 files' frames held apart before they are
    joined): one session and one day total per file, in the files' order, none lost or
    repeated."""
    members = []
    for i in range(150):
        walk = dataclasses.replace(WALK, index=i, start_utc=_utc("2026-01-14T10:00:00"))
        day = DailySteps(date(2025, 1, 1) + timedelta(days=i), 1000 + i, WATCH)
        parsed = ParsedFile(format="gpx", kind="activity", sessions=(walk,), daily_steps=(day,))
        members.append(_member(f"export.zip/route_{i:03}.gpx", f"{i:064x}", parsed=parsed))
    out = ingestion.ingest_rows(
        "p1", [ingestion.Upload("export.zip", A, tuple(members))], FILES.empty(), NOW
    )
    assert out.sessions["file_sha256"].tolist() == [f"{i:064x}" for i in range(150)]
    assert out.sessions.index.tolist() == list(range(150))
    assert out.daily_steps["steps"].tolist() == [1000 + i for i in range(150)]
    assert out.daily_steps["date"].tolist() == [
        date(2025, 1, 1) + timedelta(days=i) for i in range(150)
    ]
    one = ingestion.ingest_rows(
        "p1", [ingestion.Upload("export.zip", A, tuple(members[:1]))], FILES.empty(), NOW
    )
    pd.testing.assert_frame_equal(out.sessions.iloc[:1], one.sessions)
    assert out.sessions.dtypes.equals(one.sessions.dtypes)
