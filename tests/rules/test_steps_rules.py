"""pipelines.rules.steps, rule by rule (issue 20 item 1: mutation testing).

Every expected frame is written out by hand from the module doc and the docstrings:
an interval's steps spread evenly over the UTC minutes it touches, the remainder to the
latest minutes; activity types of one file add up; the larger count of two files wins;
wear stretches of readings shorter than 60 min joined across gaps of at most 60 min.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
import pytest

from ingest.records import DailySteps, Device, StepInterval, WearSpan
from pipelines import schemas
from pipelines.rules import steps
from pipelines.schemas import DAILY_STEPS, STEP_MINUTES, WEAR
from tests.support.rules import PHONE, WATCH, utc

W = WATCH.key  # "garmin/fenix5/111"
P = PHONE.key  # "apple/iphone/222" — sorts before the watch
SHA = "a" * 64


def iv(
    start: str,
    end: str,
    n: int,
    *,
    device: Device = WATCH,
    offset: int | None = 3600,
    floating: bool = False,
    kind: int = 6,
) -> StepInterval:
    day = "2024-01-10T"
    return StepInterval(utc(day + start), utc(day + end), n, device, kind, offset, floating)


def t(hhmmss: str) -> pd.Timestamp:
    return pd.Timestamp(f"2024-01-10T{hhmmss}", tz="UTC")


def minutes_frame(
    rows: list[tuple[str, str, int, int | None, int]], source: str = "fit"
) -> pd.DataFrame:
    """Expected step minutes: (device, minute, steps, utc_offset_s, resolution_s)."""
    frame = pd.DataFrame(
        {
            "participant": "p1",
            "device": [r[0] for r in rows],
            "minute_utc": [t(r[1]) for r in rows],
            "steps": [r[2] for r in rows],
            "utc_offset_s": pd.array([r[3] for r in rows], dtype="Int64"),
            "file_sha256": SHA,
            "source": source,
            "resolution_s": [r[4] for r in rows],
        }
    )
    return schemas.coerce(STEP_MINUTES, frame)


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


# ------------------------------------------------------------------ step minutes

STEP_CASES = [
    # 10:00:30–10:03:00 touches the minutes 10:00, 10:01, 10:02: 7 // 3 = 2 each, the
    # remainder 1 to the latest minute → 2, 2, 3; the reading is 150 s long
    (
        "uneven spread, remainder last",
        [iv("10:00:30", "10:03:00", 7)],
        [(W, "10:00", 2, 3600, 150), (W, "10:01", 2, 3600, 150), (W, "10:02", 3, 3600, 150)],
    ),
    # 5 steps over 3 minutes: 1 each, remainder 2 to the two latest → 1, 2, 2
    (
        "remainder of two",
        [iv("10:00", "10:03", 5)],
        [(W, "10:00", 1, 3600, 180), (W, "10:01", 2, 3600, 180), (W, "10:02", 2, 3600, 180)],
    ),
    # 1 step over 2 minutes: 0 then 1 — a minute of 0 is not a row
    ("a zero minute is dropped", [iv("10:10", "10:12", 1)], [(W, "10:11", 1, 3600, 120)]),
    # a reading inside one minute touches only that minute (and the minute after it ends
    # is not touched: 10:20:10–10:20:50 → 10:20 only)
    ("inside one minute", [iv("10:20:10", "10:20:50", 4)], [(W, "10:20", 4, 3600, 40)]),
    # zero steps and zero/negative length give no minutes; 10:30–10:31 is kept
    (
        "no steps, no length",
        [
            iv("10:30", "10:31", 0),
            iv("10:32", "10:32", 9),
            iv("10:34", "10:33", 9),
            iv("10:30", "10:31", 61),
        ],
        [(W, "10:30", 61, 3600, 60)],
    ),
    # walking (type 6) 30 in 10:20 and running (type 1) 10 over 10:20–10:22 (5 each):
    # they add up → 35 at 10:20 (resolution the longer: 120), 5 at 10:21; the offset is
    # the first reading's of the minute
    (
        "activity types add up",
        [
            iv("10:20", "10:21", 30, offset=3600),
            iv("10:20", "10:22", 10, kind=1, offset=7200),
        ],
        [(W, "10:20", 35, 3600, 120), (W, "10:21", 5, 7200, 120)],
    ),
    # two devices: rows by device name (the phone's "apple/…" first), then by minute
    (
        "devices in name order",
        [
            iv("10:05", "10:06", 70),
            iv("10:01", "10:02", 80),
            iv("10:03", "10:04", 90, device=PHONE, offset=None),
        ],
        [(P, "10:03", 90, None, 60), (W, "10:01", 80, 3600, 60), (W, "10:05", 70, 3600, 60)],
    ),
]


@pytest.mark.parametrize(("case", "records", "rows"), STEP_CASES, ids=[c[0] for c in STEP_CASES])
def test_step_minutes(case: str, records: list[StepInterval], rows: list) -> None:
    same(steps.step_minutes("p1", SHA, records), minutes_frame(rows))


def test_step_minutes_keep_source_and_place_floating_readings() -> None:
    # a floating reading at wall clock 10:00–10:01 in Berlin (winter, +1 h) is 09:00 UTC;
    # it has no offset of its own
    records = [iv("10:00", "10:01", 75, floating=True, offset=None)]
    got = steps.step_minutes("p1", SHA, records, tz="Europe/Berlin", source="gpx")
    same(got, minutes_frame([(W, "09:00", 75, None, 60)], source="gpx"))


def test_step_minutes_of_nothing_counted_are_empty() -> None:
    same(steps.step_minutes("p1", SHA, [iv("10:00", "10:01", 0)]), STEP_MINUTES.empty())
    same(steps.step_minutes("p1", SHA, []), STEP_MINUTES.empty())


def test_intervals_frame_places_only_floating_intervals() -> None:
    """A floating reading (wall clock, zone unknown) is placed in the participant's zone and
    has no offset, even when its file named one; a reading with an instant keeps it and its
    offset — whatever zone its datetimes carry, the frame holds UTC instants."""
    berlin_summer = timezone(timedelta(hours=2))
    records = [
        iv("10:00", "10:05", 3, floating=True, offset=3600),
        StepInterval(
            datetime(2024, 1, 10, 12, 0, tzinfo=berlin_summer),  # = 10:00 UTC
            datetime(2024, 1, 10, 12, 5, tzinfo=berlin_summer),
            4,
            PHONE,
            6,
            7200,
        ),
    ]
    got = steps.intervals_frame(records, "Europe/Berlin")
    assert {c: str(got[c].dtype) for c in got.columns} == {
        "start_utc": "datetime64[us, UTC]",
        "end_utc": "datetime64[us, UTC]",
        "steps": "int64",
        "device": "string",
        "utc_offset_s": "Int64",
    }
    want = pd.DataFrame(
        {
            "start_utc": [t("09:00"), t("10:00")],  # 10:00 Berlin (CET) = 09:00 UTC
            "end_utc": [t("09:05"), t("10:05")],
            "steps": pd.array([3, 4], dtype="int64"),
            "device": pd.array([W, P], dtype="string"),
            "utc_offset_s": pd.array([None, 7200], dtype="Int64"),
        }
    )
    want = want.assign(
        start_utc=want["start_utc"].dt.as_unit("us"), end_utc=want["end_utc"].dt.as_unit("us")
    )
    pd.testing.assert_frame_equal(got, want)


def test_intervals_frame_of_no_readings_is_empty() -> None:
    got = steps.intervals_frame([], "UTC")
    assert len(got) == 0 and list(got.columns) == [
        "start_utc",
        "end_utc",
        "steps",
        "device",
        "utc_offset_s",
    ]


# ------------------------------------------------------------------ merging files


def test_merge_orders_rows_by_participant_device_and_minute() -> None:
    """The merged table's order: participant, then device, then minute — whatever order the
    files came in (p2's file first here)."""
    p2 = steps.step_minutes("p2", "b" * 64, [iv("09:00", "09:01", 30)])
    p1 = steps.step_minutes("p1", "a" * 64, [iv("10:00", "10:01", 20, device=PHONE)])
    p1_watch = steps.step_minutes("p1", "c" * 64, [iv("11:00", "11:01", 10)])
    got = steps.merge_step_minutes([p2, p1_watch, p1])
    assert list(zip(got["participant"], got["device"], got["steps"], strict=True)) == [
        ("p1", P, 20),
        ("p1", W, 10),
        ("p2", W, 30),
    ]
    assert list(got.index) == [0, 1, 2]


def test_merge_keeps_the_larger_count_per_device_and_minute() -> None:
    a = steps.step_minutes(
        "p1",
        "b" * 64,
        [iv("10:00", "10:01", 50), iv("10:01", "10:02", 90), iv("10:02", "10:03", 7)],
    )
    b = steps.step_minutes(
        "p1",
        "a" * 64,
        [iv("10:00", "10:01", 80), iv("10:01", "10:02", 40), iv("10:02", "10:03", 7)],
    )
    c = steps.step_minutes("p1", "c" * 64, [iv("10:00", "10:01", 99, device=PHONE)])
    got = steps.merge_step_minutes([a, STEP_MINUTES.empty(), b, c])
    # per (device, minute) the larger count; at 10:02 a tie of 7 → the smaller file name
    want = pd.DataFrame(
        {
            "participant": "p1",
            "device": [P, W, W, W],
            "minute_utc": [t("10:00"), t("10:00"), t("10:01"), t("10:02")],
            "steps": [99, 80, 90, 7],
            "utc_offset_s": pd.array([3600] * 4, dtype="Int64"),
            "file_sha256": ["c" * 64, "a" * 64, "b" * 64, "a" * 64],
            "source": "fit",
            "resolution_s": 60,
        }
    )
    same(got, schemas.coerce(STEP_MINUTES, want))


def test_merge_of_nothing_is_empty() -> None:
    same(steps.merge_step_minutes([]), STEP_MINUTES.empty())
    same(steps.merge_step_minutes([STEP_MINUTES.empty()]), STEP_MINUTES.empty())


# ------------------------------------------------------------------ wear stretches


def wear_frame(
    rows: list[tuple[str, str, str, int | None, str]], source: str = "fit"
) -> pd.DataFrame:
    """Expected wear rows: (device, start, end, utc_offset_s, basis)."""
    frame = pd.DataFrame(
        {
            "participant": "p1",
            "device": [r[0] for r in rows],
            "file_sha256": SHA,
            "start_utc": [t(r[1]) for r in rows],
            "end_utc": [t(r[2]) for r in rows],
            "utc_offset_s": pd.array([r[3] for r in rows], dtype="Int64"),
            "source": source,
            "basis": [r[4] for r in rows],
        }
    )
    return schemas.coerce(WEAR, frame)


WEAR_CASES = [
    # a zero-step reading counts; a gap of exactly 60 min (08:02 → 09:02) joins; 61 min
    # (09:03 → 10:04) starts a new stretch
    (
        "gap of 60 joins, 61 splits",
        [
            iv("08:00", "08:01", 0),
            iv("08:01", "08:02", 5),
            iv("09:02", "09:03", 1),
            iv("10:04", "10:05", 2),
        ],
        [(W, "08:00", "09:03", 3600, "steps"), (W, "10:04", "10:05", 3600, "steps")],
    ),
    # a reading of 60 min or more says nothing; one just under 60 min counts; one of no
    # length is not a reading
    (
        "reading length",
        [
            iv("11:00", "12:00", 10),
            iv("12:00", "12:00", 10),
            iv("14:00", "14:59:59", 10),
        ],
        [(W, "14:00", "14:59:59", 3600, "steps")],
    ),
    # at the boundary to the microsecond: 08:01 → 09:01 joins, 08:01 → 09:01:00.000001 splits
    (
        "gap of 60 min and 1 microsecond splits",
        [iv("08:00", "08:01", 1), iv("09:01", "09:02", 1), iv("10:02:00.000001", "10:03", 1)],
        [(W, "08:00", "09:02", 3600, "steps"), (W, "10:02:00.000001", "10:03", 3600, "steps")],
    ),
    # the gap is measured from the latest end so far: 13:00–13:50 covers 13:10–13:20, so
    # 14:45 is 55 min after 13:50 (not 85 after 13:20) and joins
    (
        "gap from the latest end",
        [iv("13:00", "13:50", 1), iv("13:10", "13:20", 1), iv("14:45", "14:46", 1)],
        [(W, "13:00", "14:46", 3600, "steps")],
    ),
    # devices never join; rows in device order; a stretch keeps its first reading's offset
    (
        "per device, first offset",
        [
            iv("08:00", "08:01", 3, offset=7200),
            iv("08:01", "08:02", 3, offset=3600),
            iv("08:00", "08:01", 3, device=PHONE, offset=None),
        ],
        [(P, "08:00", "08:01", None, "steps"), (W, "08:00", "08:02", 7200, "steps")],
    ),
]


@pytest.mark.parametrize(("case", "records", "rows"), WEAR_CASES, ids=[c[0] for c in WEAR_CASES])
def test_wear_spans(case: str, records: list[StepInterval], rows: list) -> None:
    got = steps.wear_spans("p1", SHA, records)  # the zone by default: UTC
    pd.testing.assert_frame_equal(got, wear_frame(rows))  # rows numbered 0, 1, … too


def test_floating_readings_are_placed_in_utc_by_default() -> None:
    records = [iv("08:00", "08:01", 1, offset=None, floating=True)]
    same(steps.wear_spans("p1", SHA, records), wear_frame([(W, "08:00", "08:01", None, "steps")]))


def test_wear_spans_of_readings_out_of_order_and_floating() -> None:
    # given late first: sorted by start before joining; floating wall clock 09:00 in
    # Berlin is 08:00 UTC; the source is kept
    records = [
        iv("08:30", "08:31", 1, offset=None, floating=True),
        iv("08:00", "08:01", 1, offset=None, floating=True),
    ]
    got = steps.wear_spans("p1", SHA, records, tz="Europe/Berlin", source="csv")
    same(got, wear_frame([(W, "07:00", "07:31", None, "steps")], source="csv"))


def test_wear_spans_of_no_reading_are_empty() -> None:
    same(steps.wear_spans("p1", SHA, [iv("08:00", "09:00", 5)]), WEAR.empty())


def span(
    start: str,
    end: str,
    *,
    device: Device = WATCH,
    offset: int | None = 3600,
    floating: bool = False,
) -> WearSpan:
    day = "2024-01-10T"
    return WearSpan(utc(day + start), utc(day + end), device, "heart_rate", offset, floating)


def test_heart_rate_wear_rows() -> None:
    records = [
        span("09:00", "09:30"),
        span("08:00", "08:10", offset=7200),
        span("08:00", "08:20", offset=3600),  # same device and start: the first one given stays
        span("07:00", "07:00"),  # no length
        span("07:05", "07:04"),  # negative length
        span("12:00", "12:05", device=PHONE, offset=None, floating=True),  # 11:00 UTC
    ]
    got = steps.heart_rate_wear("p1", SHA, records, tz="Europe/Berlin", source="tcx")
    want = wear_frame(
        [
            (P, "11:00", "11:05", None, "heart_rate"),
            (W, "08:00", "08:10", 7200, "heart_rate"),
            (W, "09:00", "09:30", 3600, "heart_rate"),
        ],
        source="tcx",
    )
    same(got, want)


def test_heart_rate_wear_of_datetimes_in_several_zones_is_in_utc() -> None:
    """Spans whose instants carry different zones (UTC, and +02:00 for the same 10:00 UTC
    reading of another device) are rows of UTC instants."""
    plus2 = timezone(timedelta(hours=2))
    records = [
        span("09:00", "09:30"),
        WearSpan(
            datetime(2024, 1, 10, 12, 0, tzinfo=plus2),
            datetime(2024, 1, 10, 12, 5, tzinfo=plus2),
            PHONE,
            "heart_rate",
            7200,
        ),
    ]
    got = steps.heart_rate_wear("p1", SHA, records, "UTC", "fit")
    want = wear_frame(
        [(P, "10:00", "10:05", 7200, "heart_rate"), (W, "09:00", "09:30", 3600, "heart_rate")]
    )
    same(got, want)


def test_heart_rate_wear_of_nothing_is_empty() -> None:
    same(steps.heart_rate_wear("p1", SHA, [span("07:00", "07:00")], "UTC", "fit"), WEAR.empty())


# ------------------------------------------------------------------ daily totals


def test_daily_steps_larger_total_wins() -> None:
    d1, d2 = date(2024, 1, 10), date(2024, 1, 11)
    records = [
        DailySteps(d2, 500, WATCH),
        DailySteps(d1, 300, WATCH),
        DailySteps(d1, 900, WATCH),
        DailySteps(d1, 100, WATCH),
        DailySteps(d1, 50, PHONE),
    ]
    got = steps.daily_steps("p1", SHA, records, "fitbit_csv")
    want = pd.DataFrame(
        {
            "participant": "p1",
            "date": [d1, d1, d2],
            "device": [P, W, W],
            "steps": [50, 900, 500],
            "file_sha256": SHA,
            "source": "fitbit_csv",
        }
    )
    same(got, schemas.coerce(DAILY_STEPS, want))


def test_daily_steps_of_nothing_are_empty() -> None:
    same(steps.daily_steps("p1", SHA, [], "fitbit_csv"), DAILY_STEPS.empty())


# ------------------------------------------------------------------ minute grid helpers


@pytest.mark.parametrize(
    ("instant", "floor", "ceil"),
    [
        ("10:00:00", "10:00:00", "10:00:00"),
        ("10:00:00.000001", "10:00:00", "10:01:00"),
        ("10:00:59.999999", "10:00:00", "10:01:00"),
    ],
)
def test_minute_floor_and_ceiling(instant: str, floor: str, ceil: str) -> None:
    series = pd.Series([t(instant)])
    ns = lambda s: int(t(s).value)  # noqa: E731
    assert steps._floor_minute_ns(series).tolist() == [ns(floor)]
    assert steps._ceil_minute_ns(series).tolist() == [ns(ceil)]


def test_minute_grid_is_utc() -> None:
    assert steps.MINUTE_NS == 60 * 10**9
    assert steps.WEAR_MAX_READING == timedelta(minutes=60) == steps.WEAR_MAX_GAP
    assert steps._ns(pd.Series([datetime(1970, 1, 1, 0, 1, tzinfo=UTC)])).tolist() == [60 * 10**9]


def test_step_minutes_place_floating_readings_in_utc_by_default() -> None:
    """Without a zone a floating reading (wall clock 10:00–10:01) is taken as UTC."""
    got = steps.step_minutes("p1", SHA, [iv("10:00", "10:01", 40, offset=None, floating=True)])
    assert list(zip(got["minute_utc"], got["steps"], strict=True)) == [(t("10:00"), 40)]


def test_a_readings_resolution_is_in_whole_seconds() -> None:
    """A reading of 90.5 s (10:00:00–10:01:30.5) has a resolution of 90 s, not 90.5."""
    reading = StepInterval(
        utc("2024-01-10T10:00:00"),
        utc("2024-01-10T10:01:30.500000"),
        30,
        WATCH,
        6,
        3600,
    )
    got = steps.step_minutes("p1", SHA, [reading])
    assert set(got["resolution_s"]) == {90}
    assert got["steps"].sum() == 30
