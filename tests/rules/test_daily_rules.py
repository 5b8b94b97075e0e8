"""pipelines.rules.daily, rule by rule (issue 20 item 1: mutation testing).

The expected figures are worked out by hand from the module doc and docs/rules.md
("Walking minutes", "Bouts", "Wear time"): a walking minute has >= 60 steps from a
reading of at most 120 s; a bout continues across at most ``max_pause_minutes`` minutes
below that and counts when its span is at least ``min_bout_minutes``; session minutes are
credited ``covered share x moving/elapsed`` (overlaps: the largest credit); wear is the
union of heart-rate wear, sessions and step stretches, heart rate first.
"""

from __future__ import annotations

import math
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest

from ingest.records import DailySteps, StepInterval, WearSpan
from pipelines import schemas
from pipelines.rules import daily, steps, timeline
from pipelines.rules.taxonomy import CATEGORIES
from pipelines.schemas import STEP_MINUTES, WEAR
from tests.support.rules import PHONE, WATCH, session_rows, utc, walk

W, P = WATCH.key, PHONE.key
SHA = "a" * 64
MIN = 60_000_000_000
BASE = int(pd.Timestamp("2024-01-10T10:00", tz="UTC").value)  # a minute boundary
D8, D9, D10, D11, D12 = (date(2024, 1, d) for d in (8, 9, 10, 11, 12))
TZ = "Europe/Berlin"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# ------------------------------------------------------------------ bouts

BOUT_CASES = [
    # (case, steps per row, minute of each row (None: consecutive), resolution, min bout,
    #  max pause, flags)
    ("ten minutes at 60", [60] * 10, None, 60, 10, 2, [True] * 10),
    ("nine minutes are too short", [60] * 9, None, 60, 10, 2, [False] * 9),
    ("59 steps is no walking minute", [59] + [60] * 10, None, 60, 10, 2, [False] + [True] * 10),
    ("59 shortens the span", [59] + [60] * 9, None, 60, 10, 2, [False] * 10),
    # 5 walking, 2 below (30 and none-as-0), 5 walking: span 12 >= 10; pauses not flagged
    (
        "two-minute pause joins",
        [60] * 5 + [30, 0] + [60] * 5,
        None,
        60,
        10,
        2,
        [True] * 5 + [False] * 2 + [True] * 5,
    ),
    ("three-minute pause splits", [60] * 5 + [30] * 3 + [60] * 5, None, 60, 10, 2, [False] * 13),
    # minutes with no row are pauses too: 0–4 and 7–11 (5, 6 missing) → one span of 12
    (
        "missing minutes join",
        [60] * 10,
        [0, 1, 2, 3, 4, 7, 8, 9, 10, 11],
        60,
        10,
        2,
        [True] * 10,
    ),
    (
        "three missing minutes split",
        [60] * 10,
        [0, 1, 2, 3, 4, 8, 9, 10, 11, 12],
        60,
        10,
        2,
        [False] * 10,
    ),
    # walking at 0, 3, 6, 9: span 10 (pauses included) though only 4 walking minutes
    ("the span counts, not the walking minutes", [60] * 4, [0, 3, 6, 9], 60, 10, 2, [True] * 4),
    ("span one short", [60] * 4, [0, 3, 6, 8], 60, 10, 2, [False] * 4),
    # each bout is judged on its own span, whichever comes first
    (
        "long bout, then short",
        [60] * 10 + [0] * 3 + [60] * 4,
        None,
        60,
        10,
        2,
        [True] * 10 + [False] * 7,
    ),
    (
        "short bout, then long",
        [60] * 4 + [0] * 3 + [60] * 10,
        None,
        60,
        10,
        2,
        [False] * 7 + [True] * 10,
    ),
    ("120-s readings have a cadence", [60] * 10, None, 120, 10, 2, [True] * 10),
    ("121-s readings have none", [100] * 10, None, 121, 10, 2, [False] * 10),
    # WHO 2020: every minute counts (min bout 1); no pause allowed
    ("min bout 1, no pause", [60, 0, 60], None, 60, 1, 0, [True, False, True]),
    ("min bout 3, pause 1 joins", [60, 0, 60], None, 60, 3, 1, [True, False, True]),
    ("min bout 3, pause 1 of 2 splits", [60, 0, 0, 60], None, 60, 3, 1, [False] * 4),
    ("no walking minute at all", [59, 10], None, 60, 1, 2, [False, False]),
    ("a single walking minute is no bout", [0, 60, 0], None, 60, 10, 2, [False] * 3),
    ("a single walking minute with min bout 1", [0, 60, 0], None, 60, 1, 2, [False, True, False]),
]


def best_of(counts: list[int], minutes: list[int] | None, resolution: int) -> pd.DataFrame:
    minutes = minutes if minutes is not None else list(range(len(counts)))
    return pd.DataFrame(
        {
            "minute_ns": [BASE + m * MIN for m in minutes],
            "steps": counts,
            "resolution_s": [resolution] * len(counts),
        }
    )


@pytest.mark.parametrize(
    ("case", "counts", "minutes", "resolution", "min_bout", "max_pause", "flags"),
    BOUT_CASES,
    ids=[c[0] for c in BOUT_CASES],
)
def test_bout_flags(
    case: str,
    counts: list[int],
    minutes: list[int] | None,
    resolution: int,
    min_bout: int,
    max_pause: int,
    flags: list[bool],
) -> None:
    got = daily.bout_flags(best_of(counts, minutes, resolution), min_bout, max_pause)
    assert got.dtype == bool
    assert got.tolist() == flags


def test_bout_flags_of_no_minutes() -> None:
    got = daily.bout_flags(best_of([], None, 60), 10, 2)
    assert got.dtype == bool
    assert got.tolist() == []


def test_cadence_known_up_to_two_minutes() -> None:
    best = best_of([1, 1, 1, 1], None, 60).assign(resolution_s=[60, 120, 121, 3600])
    assert daily.cadence_known(best).tolist() == [True, True, False, False]


# ------------------------------------------------------------------ day status

STATUS_CASES = [
    # (has_data, met, wear_minutes, status) with min_wear_minutes 600
    (False, False, math.nan, "no_data"),
    (False, True, 700.0, "no_data"),
    (True, True, 100.0, "met"),
    (True, True, math.nan, "met"),
    (True, False, math.nan, "below"),  # wear unknown: nothing says it was not worn
    (True, False, 599.0, "low_wear"),
    (True, False, 599.99, "low_wear"),
    (True, False, 600.0, "below"),
    (True, False, 0.0, "low_wear"),
]


def test_with_status_table() -> None:
    days = pd.DataFrame(
        {
            "date": [date(2024, 1, i + 1) for i in range(len(STATUS_CASES))],
            "has_data": [c[0] for c in STATUS_CASES],
            "met": [c[1] for c in STATUS_CASES],
            "wear_minutes": [c[2] for c in STATUS_CASES],
        }
    )
    before = days.copy()
    got = daily.with_status(days, 600)
    want = before.assign(status=pd.array([c[3] for c in STATUS_CASES], dtype="string"))
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(days, before)  # the input is not changed


# ------------------------------------------------------------------ session minutes


def sessions_frame(records: list, duplicates: dict[int, int] | None = None) -> pd.DataFrame:
    """Derived session rows; ``duplicates`` marks record i a duplicate of record j (the
    session rule's choice is not this module's: set here by hand)."""
    frame = session_rows(records, TZ)
    ids = [f"{0:016x}:{r.index}" for r in records]  # tests.support.rules: file i, index
    by_id = {sid: i for i, sid in enumerate(ids)}
    assert len(by_id) == len(records), "give each record its own index"
    dup = duplicates or {}
    frame["duplicate_of"] = pd.array(
        [ids[dup[by_id[sid]]] if by_id[sid] in dup else None for sid in frame["session_id"]],
        dtype="string",
    )
    return frame


def test_session_minutes_credit_cadence_and_day() -> None:
    sessions = sessions_frame(
        [
            # 10:00:30–10:02:30, moving 1 of 2 min (density 0.5), 120 steps / 1 min = 120:
            # 10:00 covered 30 s → 0.25, 10:01 → 0.5, 10:02 covered 30 s → 0.25
            walk("2024-01-10T10:00:30", 2, moving=1, steps=120),
            # 22:59–23:01 UTC at +1 h: 23:59 on the 10th and 00:00 on the 11th; no steps →
            # no cadence; marked a duplicate of the first
            walk("2024-01-10T22:59:00", 2, device=PHONE, index=1),
            walk("2024-01-10T12:00:00", 5, moving=0, index=2),  # never moving: no credit
            walk("2024-01-10T13:00:00", 0, index=3),  # no length
        ],
        duplicates={1: 0},
    )
    got = daily.session_minutes(sessions, TZ)
    ids = [f"{0:016x}:{i}" for i in (0, 1)]
    want = pd.DataFrame(
        {
            "session_id": [ids[0]] * 3 + [ids[1]] * 2,
            "category": "walking",
            "source": "fit",
            "counted": [True, True, True, False, False],
            "minute_ns": [BASE + m * MIN for m in (0, 1, 2, 779, 780)],
            "credit": [0.25, 0.5, 0.25, 1.0, 1.0],
            "cadence": [120.0, 120.0, 120.0, math.nan, math.nan],
            "date": [D10, D10, D10, D10, D11],
        }
    )
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_session_minutes_of_no_session_with_length() -> None:
    got = daily.session_minutes(sessions_frame([walk("2024-01-10T13:00:00", 0)]), TZ)
    assert got.empty
    assert list(got.columns) == [
        "session_id",
        "category",
        "source",
        "counted",
        "minute_ns",
        "credit",
        "cadence",
        "date",
    ]


# ------------------------------------------------------------------ best device per minute


def test_best_step_minutes_takes_the_device_with_most_steps() -> None:
    def minute(device: str, hhmm: str, n: int, offset: int | None, source: str, res: int) -> dict:
        return {
            "participant": "p1",
            "device": device,
            "minute_utc": ts(f"2024-01-10T{hhmm}"),
            "steps": n,
            "utc_offset_s": offset,
            "file_sha256": SHA,
            "source": source,
            "resolution_s": res,
        }

    rows = [
        minute(W, "10:00", 70, 3600, "fit", 60),
        minute(P, "10:00", 80, 3600, "apple_health", 120),  # more: the phone
        minute(W, "10:01", 50, 3600, "fit", 60),
        minute(P, "10:01", 50, 3600, "apple_health", 120),  # a tie: the first device name
        minute(W, "23:30", 90, 3600, "fit", 60),  # 00:30 on the 11th at +1 h
        minute(W, "10:02", 65, None, "fit", 900),  # no offset: Berlin, +1 h in winter
    ]
    step_minutes = schemas.coerce(STEP_MINUTES, pd.DataFrame(rows))
    got = daily.best_step_minutes(step_minutes, TZ)
    want = pd.DataFrame(
        {
            "minute_ns": [BASE, BASE + MIN, BASE + 2 * MIN, BASE + 810 * MIN],
            "steps": [80, 50, 65, 90],
            "date": [D10, D10, D10, D11],
            "source": ["apple_health", "apple_health", "fit", "fit"],
            "resolution_s": [120, 120, 900, 60],
            "day": [(d - date(1970, 1, 1)).days for d in (D10, D10, D10, D11)],
        }
    )
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    assert got["steps"].dtype == "int64" and got["resolution_s"].dtype == "int64"


def test_best_step_minutes_of_none() -> None:
    got = daily.best_step_minutes(STEP_MINUTES.empty(), TZ)
    assert got.empty
    assert list(got.columns) == ["minute_ns", "steps", "date", "source", "resolution_s", "day"]
    assert got["day"].dtype == "int64" and got["steps"].dtype == "int64"


# ------------------------------------------------------------------ wear


def wear_rows(rows: list[tuple[str, str, str, int | None, str]]) -> pd.DataFrame:
    """(device, start, end, utc_offset_s, basis) with times as ISO text (UTC)."""
    frame = pd.DataFrame(
        {
            "participant": "p1",
            "device": [r[0] for r in rows],
            "file_sha256": SHA,
            "start_utc": [ts(r[1]) for r in rows],
            "end_utc": [ts(r[2]) for r in rows],
            "utc_offset_s": pd.array([r[3] for r in rows], dtype="Int64"),
            "source": "fit",
            "basis": [r[4] for r in rows],
        }
    )
    return schemas.coerce(WEAR, frame) if rows else WEAR.empty()


HR, ST = "heart_rate", "steps"
WEAR_CASES = [
    (
        "heart rate only",
        [(W, "2024-01-10T08:00", "2024-01-10T08:10", 3600, HR)],
        [],
        {D10: (10.0, HR)},
    ),
    # the watch's own step stretch does not count on its heart-rate day
    (
        "the same watch's steps drop out",
        [
            (W, "2024-01-10T08:00", "2024-01-10T08:10", 3600, HR),
            (W, "2024-01-10T08:05", "2024-01-10T08:20", 3600, ST),
        ],
        [],
        {D10: (10.0, HR)},
    ),
    # a phone's steps stay: union 08:00–08:20
    (
        "another device's steps stay",
        [
            (W, "2024-01-10T08:00", "2024-01-10T08:10", 3600, HR),
            (P, "2024-01-10T08:05", "2024-01-10T08:20", 3600, ST),
        ],
        [],
        {D10: (20.0, HR)},
    ),
    # heart rate on the 10th only: the watch's steps on the 11th count
    (
        "heart rate is per day",
        [
            (W, "2024-01-10T08:00", "2024-01-10T08:10", 3600, HR),
            (W, "2024-01-11T08:00", "2024-01-11T08:30", 3600, ST),
        ],
        [],
        {D10: (10.0, HR), D11: (30.0, ST)},
    ),
    ("steps only", [(W, "2024-01-10T08:00", "2024-01-10T08:30", 3600, ST)], [], {D10: (30.0, ST)}),
    ("a session only", [], [walk("2024-01-10T08:00:00", 45)], {D10: (45.0, "session")}),
    # union, not sum: 08:00–08:30 and a session 08:10–08:40 → 40
    (
        "overlaps count once",
        [(W, "2024-01-10T08:00", "2024-01-10T08:30", 3600, ST)],
        [walk("2024-01-10T08:10:00", 30)],
        {D10: (40.0, ST)},
    ),
    # parts of minutes: 08:00:30–08:01:30 (1 min) and 08:00:00–08:00:15 (0.25 min)
    (
        "parts of minutes",
        [
            (W, "2024-01-10T08:00:30", "2024-01-10T08:01:30", 3600, HR),
            (P, "2024-01-10T08:00:00", "2024-01-10T08:00:15", 3600, ST),
        ],
        [],
        {D10: (1.25, HR)},
    ),
    # 22:50–23:10 UTC at +1 h is 23:50–00:10 local: 10 minutes each day
    (
        "across local midnight",
        [(P, "2024-01-10T22:50", "2024-01-10T23:10", 3600, ST)],
        [],
        {D10: (10.0, ST), D11: (10.0, ST)},
    ),
    # no offset: Berlin (+1 h in winter) places 23:10–23:20 UTC on the 11th
    (
        "no offset: the zone",
        [(P, "2024-01-10T23:10", "2024-01-10T23:20", None, ST)],
        [],
        {D11: (10.0, ST)},
    ),
    # a span of no length is no wear and makes no heart-rate day
    (
        "no length",
        [
            (W, "2024-01-10T08:00", "2024-01-10T08:00", 3600, HR),
            (W, "2024-01-10T08:00", "2024-01-10T08:10", 3600, ST),
        ],
        [],
        {D10: (10.0, ST)},
    ),
    ("nothing", [], [], {}),
]


@pytest.mark.parametrize(
    ("case", "rows", "records", "want"), WEAR_CASES, ids=[c[0] for c in WEAR_CASES]
)
def test_wear_by_day(case: str, rows: list, records: list, want: dict) -> None:
    got = daily.wear_by_day(wear_rows(rows), session_rows(records, TZ), TZ)
    assert list(got.columns) == ["wear_minutes", "wear_basis"]
    assert got.index.name == "date"
    assert {
        d: (round(m, 9), b)
        for d, (m, b) in zip(got.index, got.itertuples(index=False), strict=True)
    } == want
    assert got.index.tolist() == sorted(want)
    pd.testing.assert_series_equal(
        daily.wear_minutes(wear_rows(rows), session_rows(records, TZ), TZ), got["wear_minutes"]
    )


def test_wear_rows_without_basis_are_steps() -> None:
    # rows stored before `basis` existed
    rows = wear_rows([(W, "2024-01-10T08:00", "2024-01-10T08:30", 3600, ST)]).drop(columns="basis")
    got = daily.wear_by_day(rows, session_rows([], TZ), TZ)
    assert got.to_dict("index") == {D10: {"wear_minutes": 30.0, "wear_basis": ST}}


def test_minute_pieces_cut_at_minute_boundaries() -> None:
    # 22:59:30–23:01:15 UTC at +1 h: three pieces, the first on the 10th (23:59 local),
    # the other two on the 11th; the device, basis and offset go with each piece
    rows = wear_rows(
        [
            (P, "2024-01-10T22:59:30", "2024-01-10T23:01:15", 3600, ST),
            (W, "2024-01-10T08:00", "2024-01-10T08:00", 3600, HR),  # no length: no piece
        ]
    )
    pieces, days = daily._minute_pieces(daily._Spans.of(rows), TZ)
    want_start = ["2024-01-10T22:59:30", "2024-01-10T23:00", "2024-01-10T23:01"]
    want_end = ["2024-01-10T23:00", "2024-01-10T23:01", "2024-01-10T23:01:15"]
    assert pieces.start.tolist() == [ts(t).value for t in want_start]
    assert pieces.end.tolist() == [ts(t).value for t in want_end]
    assert pieces.offset.tolist() == [3600] * 3 and pieces.known.tolist() == [True] * 3
    assert pieces.device.tolist() == [0] * 3 and pieces.hr.tolist() == [False] * 3
    assert timeline.dates_of(days).tolist() == [D10, D11, D11]


# ------------------------------------------------------------------ a whole stretch of days


def iv(start: str, minutes: int, n: int, device=WATCH) -> StepInterval:  # type: ignore[no-untyped-def]
    t0 = utc(start)
    return StepInterval(t0, t0 + pd.Timedelta(minutes=minutes).to_pytimedelta(), n, device, 6, 3600)


def per_minute(start: str, counts: list[int]) -> list[StepInterval]:
    t0 = pd.Timestamp(start)
    return [iv((t0 + pd.Timedelta(minutes=i)).isoformat(), 1, n) for i, n in enumerate(counts)]


def row(day: date, **values: object) -> dict[str, object]:
    out: dict[str, object] = {
        "date": day,
        "walking_minutes": 0.0,
        "brisk_walking_minutes": 0.0,
        "session_walking_minutes": 0.0,
        "bout_walking_minutes": 0.0,
        "training_minutes": 0.0,
        "steps": 0,
        **{f"sessions_{c}": 0 for c in CATEGORIES},
        "has_data": True,
        "sources": "fit",
        "wear_minutes": math.nan,
        "wear_basis": None,
        "approximate": False,
    }
    out.update(values)
    return out


def test_daily_activity_over_five_days() -> None:
    sessions = sessions_frame(
        [
            # the 10th: A walk 10:00–10:20, 2400 steps in 20 min → 120/min
            walk("2024-01-10T10:00:00", 20, steps=2400),
            # B 10:15–10:25, moving 5 of 10 (credit 0.5/min), 300 steps / 5 min → 60/min
            walk("2024-01-10T10:15:00", 10, moving=5, steps=300, device=PHONE, index=1),
            # C 10:40–10:50: a duplicate of A (not counted; its time is still worn)
            walk("2024-01-10T10:40:00", 10, device=PHONE, index=2),
            # D strength 16:00–16:30
            walk("2024-01-10T16:00:00", 30, sport=10, sub_sport=20, index=3),
            # the 12th: E walk 10:00–10:30 without steps (no cadence)
            walk("2024-01-12T10:00:00", 30, index=4),
        ],
        duplicates={2: 0},
    )
    intervals = [
        # the 10th: 10:00–10:09 at 80, then 100/min inside A (walking but not counted
        # again; the step cadence says 10:00–10:04 are not brisk, 10:05–10:09 are)
        *per_minute("2024-01-10T10:00:00+00:00", [80] * 5 + [100] * 5),
        # a bout 12:00–12:11: 5 × 100, 2 × 30, 5 × 70 → 10 walking minutes, 5 brisk
        *per_minute("2024-01-10T12:00:00+00:00", [100] * 5 + [30] * 2 + [70] * 5),
        # one 60-min reading of 59 steps: coarse, below one walking minute's worth; no wear
        iv("2024-01-10T14:00:00", 60, 59),
        # the 11th: one 30-min reading of 60 steps outside any session → approximate
        iv("2024-01-11T09:00:00", 30, 60),
        # the 12th: 300 coarse steps inside E (not approximate); zero-step readings of the
        # watch (a heart-rate day: not wear) and of the phone (wear)
        iv("2024-01-12T10:00:00", 30, 300),
        iv("2024-01-12T12:00:00", 1, 0),
        iv("2024-01-12T13:00:00", 1, 0, device=PHONE),
    ]
    step_minutes = steps.step_minutes("p1", SHA, intervals)
    wear = pd.concat(
        [
            steps.wear_spans("p1", SHA, intervals),
            steps.heart_rate_wear(
                "p1",
                "b" * 64,
                [
                    WearSpan(
                        utc("2024-01-12T08:00:00"),
                        utc("2024-01-12T08:10:00"),
                        WATCH,
                        "heart_rate",
                        3600,
                    )
                ],
                "UTC",
                "fit",
            ),
        ],
        ignore_index=True,
    )
    totals = steps.daily_steps(
        "p1", "c" * 64, [DailySteps(D9, 5000, PHONE), DailySteps(D10, 1000, PHONE)], "fitbit_csv"
    )
    got = daily.daily_activity(
        sessions,
        step_minutes,
        wear,
        tz=TZ,
        min_bout_minutes=10,
        max_pause_minutes=2,
        program_start=D8,
        daily_steps=totals,
    )
    want = pd.DataFrame(
        [
            row(D8, has_data=False, sources=""),
            row(D9, steps=5000, sources="fitbit_csv"),
            # session minutes: 10:00–10:14 A (1 each), 10:15–10:19 max(A 1, B 0.5) = 1,
            # 10:20–10:24 B 0.5 each → 22.5; brisk: 10:10–10:19 by the sessions' cadence
            # (the larger, 120) = 10, 10:05–10:09 by step cadence 100 = 5 (10:00–10:04:
            # 80), B's own 60 → 15; bout 10 (brisk 5). Steps 400 + 500 + 910 + 59 = 1869
            # > the total 1000.
            # Wear: sessions 10:00–10:25, 10:40–10:50, 16:00–16:30 and step stretches
            # 10:00–10:10, 12:00–12:12 → 25 + 10 + 30 + 12 = 77
            row(
                D10,
                walking_minutes=32.5,
                brisk_walking_minutes=20.0,
                session_walking_minutes=22.5,
                bout_walking_minutes=10.0,
                training_minutes=30.0,
                steps=1869,
                sessions_walking=2,
                sessions_strength=1,
                sources="fit,fitbit_csv",
                wear_minutes=77.0,
                wear_basis="steps",
            ),
            row(D11, steps=60, wear_minutes=30.0, wear_basis="steps", approximate=True),
            # E 30 minutes, none brisk; wear: heart rate 10 + E 30 + the phone 1 = 41
            row(
                D12,
                walking_minutes=30.0,
                session_walking_minutes=30.0,
                steps=300,
                sessions_walking=1,
                wear_minutes=41.0,
                wear_basis="heart_rate",
            ),
        ]
    )
    want["wear_basis"] = want["wear_basis"].astype("string")
    assert list(got.columns) == ["date", *daily.ACTIVITY_COLUMNS]
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert got["steps"].dtype == "int64"
    assert all(got[f"sessions_{c}"].dtype == "int16" for c in CATEGORIES)


def test_daily_activity_without_data_is_empty() -> None:
    got = daily.daily_activity(
        session_rows([], TZ),
        STEP_MINUTES.empty(),
        WEAR.empty(),
        tz=TZ,
        min_bout_minutes=10,
        max_pause_minutes=2,
        program_start=D8,
    )
    assert got.empty
    assert list(got.columns) == ["date", *daily.ACTIVITY_COLUMNS]
    assert got.dtypes.astype(str).to_dict() == {
        "date": "object",
        **{c: "float64" for c in daily.ACTIVITY_COLUMNS},
        "has_data": "bool",
        "sources": "string",
        "approximate": "bool",
        "wear_basis": "string",
    }


# ------------------------------------------------------------------ small helpers


def test_sources_per_day_sorted_and_joined() -> None:
    got = daily._sources_per_day(
        [
            (pd.Series([D10, D10, D9]), pd.Series(["gpx", "fit", "gpx"])),
            ([D10, D11], ["fit", "csv"]),
            ([], []),
        ]
    )
    assert got.to_dict() == {D9: "gpx", D10: "fit,gpx", D11: "csv"}
    assert got.index.tolist() == [D9, D10, D11]
    assert got.index.name == "date"
    assert daily._sources_per_day([([], [])]).empty


def test_days_inclusive() -> None:
    assert daily._days(D8, D10) == [D8, D9, D10]
    assert daily._days(D8, D8) == [D8]
    assert daily._days(D9, D8) == []


def test_union_of_nothing() -> None:
    got = daily._union_minutes([], TZ)
    assert got.empty and got.index.name == "date"
    zero = wear_rows([(W, "2024-01-10T08:00", "2024-01-10T08:00", 3600, ST)])
    got = daily._union_minutes([zero[["start_utc", "end_utc", "utc_offset_s"]]], TZ)
    assert got.empty and got.index.name == "date"


def test_wear_days_end_is_exclusive() -> None:
    # 22:00–23:00 UTC at +1 h ends at local midnight: the 10th only
    rows = wear_rows([(W, "2024-01-10T22:00", "2024-01-10T23:00", 3600, ST)])
    assert daily._wear_days(rows, TZ) == [(D10, D10, "fit")]
    assert daily._wear_days(WEAR.empty(), TZ) == []
    assert np.array_equal(daily._ns(pd.Series([ts("1970-01-01T00:01")])), [MIN])


def test_daily_activity_steps_only_without_totals() -> None:
    # no sessions, no daily totals: a 12-minute bout at 120/min on the 10th (12 walking
    # minutes, all brisk, 1440 steps, worn 12:00–12:12), five zero-step minutes on the
    # 11th (worn 5 minutes, a day with data, 0 steps) and a phone reading without an
    # offset at 23:30 UTC on the 11th: Berlin (+1 h in winter) puts it on the 12th
    t0 = utc("2024-01-11T23:30:00")
    intervals = [
        *per_minute("2024-01-10T12:00:00+00:00", [120] * 12),
        *per_minute("2024-01-11T08:00:00+00:00", [0] * 5),
        StepInterval(t0, t0 + pd.Timedelta(minutes=1).to_pytimedelta(), 30, PHONE, 6, None),
    ]
    got = daily.daily_activity(
        session_rows([], TZ),
        steps.step_minutes("p1", SHA, intervals),
        steps.wear_spans("p1", SHA, intervals),
        tz=TZ,
        min_bout_minutes=10,
        max_pause_minutes=2,
    )
    want = pd.DataFrame(
        [
            row(
                D10,
                walking_minutes=12.0,
                brisk_walking_minutes=12.0,
                bout_walking_minutes=12.0,
                steps=1440,
                wear_minutes=12.0,
                wear_basis="steps",
            ),
            row(D11, wear_minutes=5.0, wear_basis="steps"),
            row(D12, steps=30, wear_minutes=1.0, wear_basis="steps"),
        ]
    )
    want["wear_basis"] = want["wear_basis"].astype("string")
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_daily_activity_rounds_to_six_places_and_starts_at_the_first_data_day() -> None:
    # a walk of 40 s from 23:30:20 UTC on the 10th without an offset (Berlin, +1 h: the
    # 11th): 2/3 of a minute → 0.666667 walked and worn; a programme start after the
    # first data day does not cut it off
    got = daily.daily_activity(
        sessions_frame([walk("2024-01-10T23:30:20", 40 / 60, offset_h=None)]),
        STEP_MINUTES.empty(),
        WEAR.empty(),
        tz=TZ,
        min_bout_minutes=10,
        max_pause_minutes=2,
        program_start=D12,
    )
    want = pd.DataFrame(
        [
            row(
                D11,
                walking_minutes=0.666667,
                session_walking_minutes=0.666667,
                sessions_walking=1,
                wear_minutes=0.666667,
                wear_basis="session",
            )
        ]
    )
    want["wear_basis"] = want["wear_basis"].astype("string")
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=True)


def test_a_floating_wear_reading_after_local_midnight_names_its_source_on_the_local_day() -> None:
    """Readings of a wall clock (no offset) at 00:30–00:35 in Berlin on 2 May 2024 (CEST,
    22:30 UTC on 1 May): the day is 2 May, its source the reader of the readings."""
    from datetime import UTC, datetime

    readings = [
        StepInterval(
            datetime(2024, 5, 2, 0, 30 + i, tzinfo=UTC),
            datetime(2024, 5, 2, 0, 31 + i, tzinfo=UTC),
            0, WATCH, 6, None, True,
        )
        for i in range(5)
    ]  # fmt: skip
    wear = steps.wear_spans("p1", SHA, readings, tz="Europe/Berlin", source="apple_health")
    out = daily.daily_activity(
        session_rows([]), STEP_MINUTES.empty(), wear, tz="Europe/Berlin",
        min_bout_minutes=10, max_pause_minutes=2,
    )  # fmt: skip
    got = out[["date", "sources", "wear_minutes", "has_data"]].to_dict("records")
    assert got == [
        {"date": date(2024, 5, 2), "sources": "apple_health", "wear_minutes": 5.0, "has_data": True}
    ]


def test_a_session_without_duration_covers_no_minute() -> None:
    """A walk of 0 s beside one of 2.5 min from 09:00 UTC: only the second has minutes —
    09:00 and 09:01 whole, 09:02 half; the first is left out before its moving share
    (moving ÷ elapsed) is worked out."""
    rows = session_rows([walk("2024-05-01T08:00:00", 0), walk("2024-05-01T09:00:00", 2.5, index=1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing divided by a duration of 0
        got = daily.session_minutes(rows, "Europe/Berlin")
    minute = int(pd.Timestamp("2024-05-01T09:00:00Z").value)
    assert got[["session_id", "minute_ns", "credit"]].to_dict("records") == [
        {"session_id": f"{0:016x}:1", "minute_ns": minute + i * 60_000_000_000, "credit": c}
        for i, c in enumerate([1.0, 1.0, 0.5])
    ]


def test_wear_by_day_of_nothing_keeps_its_columns_types() -> None:
    got = daily.wear_by_day(WEAR.empty(), session_rows([], TZ), TZ)
    assert len(got) == 0 and got.index.name == "date"
    assert (str(got["wear_minutes"].dtype), str(got["wear_basis"].dtype)) == ("float64", "string")
