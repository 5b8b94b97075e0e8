"""Step intervals as columns, end to end: the Apple Health reader's columns give the same
step minutes, wear and daily tables as the same intervals as records; step minutes built,
stored and read a window at a time give what one whole pass gives, with no step lost or
counted twice at a window's edge; partitions written before windows still read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ingest import apple_health
from ingest.records import Device, ParsedFile, StepColumns, StepInterval
from pipelines import schemas
from pipelines.rules import daily, ingestion, refresh, steps
from pipelines.rules.ingestion import Upload
from pipelines.rules.participants import Participant, Target
from pipelines.schemas import FILES, STEP_MINUTES
from pipelines.store import storage
from pipelines.store.storage import Store
from tests.support.rules import stretches_by_hand

SHA = "a" * 64
TZ = "Europe/Berlin"
NOW = datetime(2024, 6, 1, tzinfo=UTC)
PHONE_ATTR = (
    "&lt;&lt;HKDevice: 0x281f3c5a0&gt;, name:iPhone, manufacturer:Apple Inc., "
    "model:iPhone, hardware:iPhone10,6, software:12.3&gt;"
)


def record(value: int, start: str, end: str, source: str = "Anna’s iPhone") -> str:
    return (
        f' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="{source}" '
        f'device="{PHONE_ATTR}" unit="count" startDate="{start}" endDate="{end}" '
        f'value="{value}"/>'
    )


def export(*records: str) -> bytes:
    body = "\n".join(records)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="de_DE">\n'
        ' <ExportDate value="2024-06-01 08:10:05 +0200"/>\n'
        f"{body}\n</HealthData>\n"
    ).encode()


# Berlin: 23:50 → 00:10 local on 10/11 January (CET, +1 h) crosses local midnight;
# 01:58 +01:00 → 03:02 +02:00 on 31 March is 00:58 → 01:02 UTC, across the DST change.
XML = export(
    record(100, "2024-01-10 23:50:00 +0100", "2024-01-11 00:10:00 +0100"),
    record(10, "2024-03-31 01:58:00 +0100", "2024-03-31 03:02:00 +0200"),
    record(70, "2024-03-31 03:00:00 +0200", "2024-03-31 03:01:00 +0200", source="Pedometer"),
)


PHONE = apple_health.device_of(
    "Anna’s iPhone", PHONE_ATTR.replace("&lt;", "<").replace("&gt;", ">")
)
PEDOMETER = apple_health.device_of(
    "Pedometer", PHONE_ATTR.replace("&lt;", "<").replace("&gt;", ">")
)


def minute(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    """Whole records, in order, as plain tuples (missing values as None)."""
    plain = frame.astype(object).where(frame.notna(), None)
    return [tuple(r) for r in plain.itertuples(index=False)]


def both_paths() -> tuple[ParsedFile, ParsedFile]:
    columnar = apple_health.parse(XML)
    assert columnar.step_columns is not None and columnar.step_intervals == ()
    as_records = ParsedFile(
        columnar.format, columnar.kind, step_intervals=columnar.step_columns.records()
    )
    return columnar, as_records


def ingest(parsed: ParsedFile) -> ingestion.IngestRows:
    from ingest.read import MemberResult

    member = MemberResult("export.xml", SHA, len(XML), parsed.format, parsed, None)
    return ingestion.ingest_rows("p1", [Upload("export.xml", SHA, (member,))], FILES.empty(), NOW)


def test_the_reader_hands_over_columns_of_its_intervals() -> None:
    columnar, _ = both_paths()
    assert columnar.n_step_intervals == 3
    [batch] = columnar.step_columns.batches  # type: ignore[union-attr]
    assert batch.schema.field("device").type == pa.dictionary(pa.int32(), pa.string())
    phone, pedometer = PHONE, PEDOMETER
    assert phone.product == pedometer.product == "iPhone (iPhone10,6)" != phone.serial
    assert columnar.step_records() == (
        StepInterval(
            datetime(2024, 1, 10, 22, 50, tzinfo=UTC),
            datetime(2024, 1, 10, 23, 10, tzinfo=UTC),
            100,
            phone,
            None,
            3600,
        ),
        StepInterval(
            datetime(2024, 3, 31, 0, 58, tzinfo=UTC),
            datetime(2024, 3, 31, 1, 2, tzinfo=UTC),
            10,
            phone,
            None,
            3600,
        ),
        StepInterval(
            datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
            datetime(2024, 3, 31, 1, 1, tzinfo=UTC),
            70,
            pedometer,
            None,
            7200,
        ),
    )


def test_columns_and_records_give_the_same_step_minutes_and_wear() -> None:
    columnar, as_records = both_paths()
    got, want = ingest(columnar), ingest(as_records)
    assert rows(got.step_minutes) == rows(want.step_minutes)
    assert rows(got.wear) == rows(want.wear)
    assert rows(got.files) == rows(want.files)

    phone, pedometer = PHONE.key, PEDOMETER.key
    first = min(phone, pedometer)
    # 100 steps over 20 minutes: 5 a minute, 22:50–23:09 UTC; 10 over 4 minutes across
    # the DST change: 10 // 4 = 2, the remainder 2 to the last two minutes
    by_phone = [
        ("p1", phone, minute(f"2024-01-10 {h}:{m:02d}"), 5, 3600, SHA, "apple_health", 1200)
        for h, m in [*(("22", m) for m in range(50, 60)), *(("23", m) for m in range(10))]
    ]
    by_phone += [
        ("p1", phone, minute("2024-03-31 00:58"), 2, 3600, SHA, "apple_health", 240),
        ("p1", phone, minute("2024-03-31 00:59"), 2, 3600, SHA, "apple_health", 240),
        ("p1", phone, minute("2024-03-31 01:00"), 3, 3600, SHA, "apple_health", 240),
        ("p1", phone, minute("2024-03-31 01:01"), 3, 3600, SHA, "apple_health", 240),
    ]
    by_pedometer = [
        ("p1", pedometer, minute("2024-03-31 01:00"), 70, 7200, SHA, "apple_health", 60)
    ]
    expected = (by_phone + by_pedometer) if first == phone else (by_pedometer + by_phone)
    assert rows(got.step_minutes) == expected


def test_columns_and_records_give_the_same_daily_table() -> None:
    columnar, as_records = both_paths()
    p = Participant("p1", TZ, Target())
    got_rows, want_rows = ingest(columnar), ingest(as_records)
    windows = [frame for _, frame in steps.merged_windows(got_rows.step_files, days=1)]
    got = refresh.recompute(p, got_rows.sessions, iter(windows), got_rows.wear)
    want = refresh.recompute(p, want_rows.sessions, want_rows.step_minutes, want_rows.wear)
    assert rows(got.daily) == rows(want.daily)
    steps_of = dict(zip(got.daily["date"], got.daily["steps"], strict=True))
    # 10 of the 20 minutes before local midnight, 10 after; the DST hour: the phone's 10
    # and, at 01:00 UTC, the pedometer's 70 beat the phone's 3 (the most steps win)
    assert (steps_of[date(2024, 1, 10)], steps_of[date(2024, 1, 11)]) == (50, 50)
    assert steps_of[date(2024, 3, 31)] == 2 + 2 + 70 + 3


# ------------------------------------------------------------- windows and chunks

BASE = datetime(2024, 3, 30, 22, tzinfo=UTC)  # the DST change at 01:00 UTC on the 31st
DEVICES = (Device("a", "watch", "1"), Device("b", "phone", "2"))

interval = st.builds(
    lambda start, length, count, device, offset, floating: StepInterval(
        BASE + timedelta(seconds=start),
        BASE + timedelta(seconds=start + length),
        count,
        DEVICES[device],
        None,
        offset,
        floating,
    ),
    st.integers(0, 2 * 86_400),
    st.integers(0, 3 * 3600),
    st.integers(0, 400),
    st.integers(0, 1),
    st.sampled_from([None, 3600, 7200, -18_000]),
    st.booleans(),
)


ACROSS_MIDNIGHT = [  # 23:00–01:00 UTC, then a reading of the next day: two batches of one
    StepInterval(BASE + timedelta(hours=1), BASE + timedelta(hours=3), 120, DEVICES[0]),
    StepInterval(BASE + timedelta(hours=3, minutes=30), BASE + timedelta(hours=4), 10, DEVICES[0]),
]


@settings(max_examples=100, deadline=None)
@given(st.lists(interval, max_size=40), st.integers(1, 7))
@example(ACROSS_MIDNIGHT, 1)
def test_no_step_is_lost_or_counted_twice_across_windows(
    records: list[StepInterval], batch_rows: int
) -> None:
    whole = steps.step_minutes("p1", SHA, records, TZ, "apple_health")
    windows = list(steps.step_minute_windows("p1", SHA, records, TZ, "apple_health", 1, batch_rows))
    assert [w for w, _ in windows] == sorted({w for w, _ in windows})  # in order, once each
    for w, frame in windows:
        days = steps.window_of(frame["minute_utc"].astype("int64").to_numpy() * 1000, 1)
        assert set(days) == {w}
    parts = pd.concat([f for _, f in windows], ignore_index=True) if windows else whole
    parts = parts.sort_values(["device", "minute_utc"], ignore_index=True)
    assert rows(parts) == rows(whole)
    counted = sum(r.steps for r in records if r.steps > 0 and r.end_utc > r.start_utc)
    assert int(whole["steps"].sum()) == counted


@settings(max_examples=40, deadline=None)
@given(st.lists(interval, max_size=40), st.integers(1, 3))
def test_daily_of_step_minutes_by_window_is_daily_of_all_at_once(
    records: list[StepInterval], days: int
) -> None:
    """Bouts and days that span a window's edge come out as from the whole table."""
    whole = steps.step_minutes("p1", SHA, records, TZ, "apple_health")
    wear = steps.wear_spans("p1", SHA, records, TZ, "apple_health")
    windows = [
        f for _, f in steps.step_minute_windows("p1", SHA, records, TZ, "apple_health", days)
    ]
    p = Participant("p1", TZ, Target())
    sessions = schemas.SESSIONS.empty()
    got = refresh.recompute(p, sessions, iter(windows), wear)
    want = refresh.recompute(p, sessions, whole, wear)
    assert rows(got.daily) == rows(want.daily)


@settings(max_examples=40, deadline=None)
@given(st.lists(interval, max_size=30), st.integers(1, 2))
def test_wear_per_day_by_window_is_wear_of_all_at_once(
    records: list[StepInterval], days: int
) -> None:
    wear = steps.wear_spans("p1", SHA, records, TZ, "apple_health")
    heart = wear.iloc[::2].assign(basis="heart_rate")  # every other stretch as heart rate
    both = pd.concat([wear, heart], ignore_index=True)
    got = daily.wear_by_day(both, schemas.SESSIONS.empty(), TZ, window_days=days)
    want = daily.wear_by_day(both, schemas.SESSIONS.empty(), TZ, window_days=100_000)
    assert got.to_dict("index") == want.to_dict("index")


def test_step_columns_round_trip_records_in_order() -> None:
    records = [
        StepInterval(BASE, BASE + timedelta(minutes=3), 7, DEVICES[1], 6, 3600),
        StepInterval(BASE, BASE + timedelta(minutes=1), 0, DEVICES[0], None, None, True),
        StepInterval(BASE, BASE + timedelta(minutes=2), 5, DEVICES[1], None, -3600),
    ]
    columns = StepColumns.from_records(records, rows=2)
    assert [b.num_rows for b in columns.batches] == [2, 1]
    assert columns.records() == tuple(records)
    assert len(columns) == 3 and columns == StepColumns.from_records(records)


# ----------------------------------------------------------------------- storage


def minutes_of(day: int, device: str = "d", steps_: int = 5) -> pd.DataFrame:
    at = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=day)
    return schemas.coerce(
        STEP_MINUTES,
        pd.DataFrame(
            {
                "participant": ["p1"],
                "device": [device],
                "minute_utc": [at],
                "steps": [steps_],
                "utc_offset_s": pd.array([3600], dtype="Int64"),
                "file_sha256": [SHA],
                "source": ["apple_health"],
                "resolution_s": [60],
            }
        ),
    )


def test_step_minutes_are_stored_a_window_a_row_group(tmp_path: Path) -> None:
    store = Store(tmp_path)
    frame = pd.concat(
        [minutes_of(40, "z"), minutes_of(0, "z"), minutes_of(1, "a")], ignore_index=True
    )
    store.write(STEP_MINUTES, "p1", frame)
    parquet = pq.ParquetFile(store.partition_path(STEP_MINUTES, "p1"))
    assert parquet.num_row_groups == 2  # days 0–1 and day 40: two 28-day windows
    windows = list(store.read_windows(STEP_MINUTES, "p1"))
    assert [(w, len(f)) for w, f in windows] == [(19_723 // 28, 2), (19_763 // 28, 1)]
    back = store.read(STEP_MINUTES, ["p1"])  # in key order, as before windows
    assert list(zip(back["device"], back["minute_utc"].dt.day, strict=True)) == [
        ("a", 2),
        ("z", 1),
        ("z", 10),
    ]


@pytest.mark.parametrize("most", [1, 2, 3, 4, 1_000])
def test_windows_read_several_at_a_time_are_each_window_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, most: int
) -> None:
    """``read_windows`` reads runs of row groups of up to ``READ_WINDOWS_ROWS`` rows at
    once and cuts them at the row groups: the same windows, rows and types as reading one
    row group (one window) at a time, whatever the run size (a window larger than the run
    alone)."""
    monkeypatch.setattr(storage, "READ_WINDOWS_ROWS", most)
    store = Store(tmp_path)
    days = [0, 1, 1, 30, 31, 31, 32, 90, 200, 201]  # windows of 3, 4, 1 and 2 rows
    frame = pd.concat(
        [minutes_of(d, "z" if i % 2 else "a", 60 + i) for i, d in enumerate(days)],
        ignore_index=True,
    )
    store.write(STEP_MINUTES, "p1", frame)
    parquet = pq.ParquetFile(store.partition_path(STEP_MINUTES, "p1"))
    alone = [
        parquet.read_row_group(g).to_pandas(types_mapper=schemas._pandas_type)
        for g in range(parquet.num_row_groups)
    ]
    windows = list(store.read_windows(STEP_MINUTES, "p1"))
    assert [len(f) for _, f in windows] == [3, 4, 1, 2]
    assert [w for w, _ in windows] == [(19_723 + d) // 28 for d in (0, 30, 90, 200)]
    assert len(windows) == len(alone)
    for (_, got), want in zip(windows, alone, strict=True):
        pd.testing.assert_frame_equal(got, want)

    # the refresh reads the same rows a run of whole windows at a time
    runs = list(store.read_runs(STEP_MINUTES, "p1"))
    sizes = [len(r) for r in runs]
    expected = {1: [3, 4, 1, 2], 2: [3, 4, 1, 2], 3: [3, 4, 3], 4: [3, 4, 3], 1_000: [10]}
    assert sizes == expected[most]
    whole = pd.concat([f for _, f in windows], ignore_index=True)
    pd.testing.assert_frame_equal(pd.concat(runs, ignore_index=True), whole)


def test_a_partition_written_before_windows_still_reads(tmp_path: Path) -> None:
    """Older versions wrote one Parquet table sorted by device, without the layout note:
    it is read whole once and cut into windows, and the next write lays it out anew."""
    store = Store(tmp_path)
    old = pd.concat(
        [minutes_of(0, "a"), minutes_of(40, "a"), minutes_of(1, "z")], ignore_index=True
    )
    old = old.drop(columns="resolution_s")  # and from before resolution_s existed
    path = store.partition_path(STEP_MINUTES, "p1")
    path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(old, preserve_index=False), path)
    windows = list(store.read_windows(STEP_MINUTES, "p1"))
    assert [len(f) for _, f in windows] == [2, 1]
    assert windows[0][1]["resolution_s"].tolist() == [60, 60]
    new = steps.merged_windows([], store.read_windows(STEP_MINUTES, "p1"))
    store.write_windows(STEP_MINUTES, "p1", new)
    assert pq.ParquetFile(path).num_row_groups == 2
    assert len(store.read(STEP_MINUTES, ["p1"])) == 3


@settings(max_examples=60, deadline=None)
@given(st.lists(interval, max_size=30))
def test_wear_stretches_follow_the_rule(records: list[StepInterval]) -> None:
    fixed = [  # stretches of wall-clock readings are placed in the zone: keep instants here
        StepInterval(r.start_utc, r.end_utc, r.steps, r.device, None, r.utc_offset_s)
        for r in records
    ]
    got = steps.wear_spans("p1", SHA, fixed, "UTC", "apple_health")
    assert [
        (d, s.to_pydatetime(), e.to_pydatetime(), None if pd.isna(o) else int(o))
        for d, s, e, o in zip(
            got["device"], got["start_utc"], got["end_utc"], got["utc_offset_s"], strict=True
        )
    ] == stretches_by_hand(fixed)
