"""Heart-rate wear spans as columns and the ``wear`` table in windows, end to end: the
Apple Health reader's columns are the spans the records gave, worked out by hand; they give
the same ``wear`` rows as the same spans as records; ``wear`` merged, stored and read a
window at a time gives what the whole table gave; partitions written before ``wear`` was
windowed still read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import apple_health
from ingest.limits import RecordLimits
from ingest.read import checked_records
from ingest.records import Device, ParsedFile, StepColumns, StepInterval, WearColumns, WearSpan
from ingest.wear import presence_arrays, presence_spans
from pipelines import schemas
from pipelines.rules import daily, ingestion, refresh, steps
from pipelines.rules.participants import Participant, Target
from pipelines.schemas import WEAR
from pipelines.store.storage import Store
from tests.support.rules import stretches_by_hand

SHA = "b" * 64
OTHER_SHA = "c" * 64
TZ = "Europe/Berlin"
WATCH_ATTR = (
    "&lt;&lt;HKDevice: 0x282b2e3a0&gt;, name:Apple Watch, manufacturer:Apple Inc., "
    "model:Watch, hardware:Watch4,2, software:5.2&gt;"
)
WATCH = apple_health.device_of(
    "Anna’s Apple Watch", WATCH_ATTR.replace("&lt;", "<").replace("&gt;", ">")
)
OTHER = apple_health.device_of("Other Watch", WATCH_ATTR.replace("&lt;", "<").replace("&gt;", ">"))


def heart(value: str, at: str, source: str = "Anna’s Apple Watch") -> str:
    return (
        f' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="{source}" '
        f'device="{WATCH_ATTR}" unit="count/min" startDate="{at}" endDate="{at}" '
        f'value="{value}"/>'
    )


def export(*records: str) -> bytes:
    body = "\n".join(records)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="de_DE">\n'
        ' <ExportDate value="2024-06-01 08:10:05 +0200"/>\n'
        f"{body}\n</HealthData>\n"
    ).encode()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# The watch at 08:00:10, 08:04:59 (joined: 4 minutes later), 09:00 (a new span) +0200 and
# 10:00 +0100 (another offset: a span of its own); the other watch at 08:02 +0200.
XML = export(
    heart("61", "2024-03-30 08:00:10 +0200"),
    heart("62", "2024-03-30 08:02:00 +0200", source="Other Watch"),
    heart("64", "2024-03-30 08:04:59 +0200"),
    heart("70", "2024-03-30 09:00:00 +0200"),
    heart("66", "2024-03-30 10:00:00 +0100"),
)
BY_HAND = (  # per source and offset in the order first read, then by start
    WearSpan(utc(2024, 3, 30, 6, 0), utc(2024, 3, 30, 6, 5), WATCH, utc_offset_s=7200),
    WearSpan(utc(2024, 3, 30, 7, 0), utc(2024, 3, 30, 7, 1), WATCH, utc_offset_s=7200),
    WearSpan(utc(2024, 3, 30, 6, 2), utc(2024, 3, 30, 6, 3), OTHER, utc_offset_s=7200),
    WearSpan(utc(2024, 3, 30, 9, 0), utc(2024, 3, 30, 9, 1), WATCH, utc_offset_s=3600),
)


def rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    plain = frame.astype(object).where(frame.notna(), None)
    return [tuple(r) for r in plain.itertuples(index=False)]


def keyed(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    """Rows in key order (a windowed table is read back in key order)."""
    return rows(frame.sort_values(list(WEAR.key), kind="stable", ignore_index=True))


def test_the_reader_hands_over_heart_rate_wear_as_columns() -> None:
    parsed = apple_health.parse(XML)
    spans = parsed.wear_spans
    assert isinstance(spans, WearColumns)
    assert spans.records() == BY_HAND
    assert spans == BY_HAND and len(spans) == 4  # a sequence all the same
    assert BY_HAND == spans  # noqa: SIM300 - the tuple on the left: compared the other way round
    assert list(spans) == list(BY_HAND) and spans[1] == BY_HAND[1]
    assert [b.num_rows for b in spans.batches] == [2, 1, 1]  # a batch per source and offset
    assert parsed.wear() is spans
    assert len(pickle_round_trip(parsed).wear_spans) == 4  # as the parse worker sends it


def pickle_round_trip(parsed: ParsedFile) -> ParsedFile:
    import pickle

    back = pickle.loads(pickle.dumps(parsed))
    assert back == parsed
    assert isinstance(back, ParsedFile)
    return back


def test_columns_and_records_give_the_same_wear_rows() -> None:
    columns = apple_health.parse(XML).wear()
    got = steps.heart_rate_wear("p1", SHA, columns, TZ, "apple_health")
    want = steps.heart_rate_wear("p1", SHA, BY_HAND, TZ, "apple_health")
    assert rows(got) == rows(want)
    # in device name order, then start
    by_name = sorted([(WATCH.key, 6), (WATCH.key, 7), (WATCH.key, 9), (OTHER.key, 6)])
    assert list(zip(got["device"], got["start_utc"].dt.hour, strict=True)) == by_name
    assert set(got["basis"]) == {"heart_rate"}


def test_impossible_spans_are_left_out_of_columns_as_of_records() -> None:
    limits = RecordLimits(earliest=utc(2024, 3, 30, 6, 3), max_offset_s=3600)
    columnar = checked_records(apple_health.parse(XML), limits)
    by_records = checked_records(ParsedFile("apple_health", "export", wear_spans=BY_HAND), limits)
    # 06:00–06:05 and the other watch's 06:02 minute start before the earliest instant,
    # 07:00 at +0200 is beyond ±1 h: one span is left
    assert isinstance(columnar.wear_spans, WearColumns)
    assert columnar.wear_spans.records() == by_records.wear_spans == (BY_HAND[3],)
    assert columnar.warnings == by_records.warnings
    assert "3 heart-rate wear span(s)" in columnar.warnings[-1]


spans_strategy = st.lists(
    st.builds(
        lambda start, length, device, offset, floating: WearSpan(
            utc(2024, 1, 1) + timedelta(minutes=start),
            utc(2024, 1, 1) + timedelta(minutes=start + length),
            Device("garmin", device, None),
            utc_offset_s=offset,
            floating=floating,
        ),
        st.integers(0, 90 * 1440),
        st.integers(0, 600),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from([None, 3600, -18_000]),
        st.booleans(),
    ),
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(spans_strategy)
def test_wear_columns_round_trip_records_in_order(spans: list[WearSpan]) -> None:
    columns = WearColumns.from_records(spans)
    assert columns.records() == tuple(spans)
    assert len(columns) == len(spans) and columns == tuple(spans)
    assert hash(columns) == hash(tuple(spans))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 200), max_size=60))
def test_presence_arrays_join_readings_at_most_five_minutes_apart(minutes: list[int]) -> None:
    # the rule written out minute by minute: a minute starts a span unless a reading lies
    # 1 to 5 minutes before it; a span ends after its last reading
    readings = set(minutes)
    want = []
    for m in sorted(readings):
        if not any(m - k in readings for k in range(1, 6)):
            want.append([m, m + 1])
        else:
            want[-1][1] = m + 1
    first, end = presence_arrays(minutes)
    assert [[int(a), int(b)] for a, b in zip(first, end, strict=True)] == want
    spans = presence_spans(minutes, device=WATCH)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert [[s.start_utc, s.end_utc] for s in spans] == [
        [epoch + timedelta(minutes=a), epoch + timedelta(minutes=b)] for a, b in want
    ]


# ----------------------------------------------------------------------- windows


def wear_file(sha: str, spans: list[WearSpan], intervals: list[StepInterval]) -> steps.WearFile:
    return steps.WearFile(
        "p1",
        sha,
        StepColumns.from_records(intervals),
        WearColumns.from_records(spans),
        TZ,
        "apple_health",
    )


interval_strategy = st.lists(
    st.builds(
        lambda start, length, count, device: StepInterval(
            utc(2024, 1, 1) + timedelta(minutes=start),
            utc(2024, 1, 1) + timedelta(minutes=start + length),
            count,
            Device("apple", device, None),
            utc_offset_s=3600,
        ),
        st.integers(0, 90 * 1440),
        st.integers(0, 90),
        st.integers(0, 300),
        st.sampled_from(["a", "b"]),
    ),
    max_size=20,
)


@settings(max_examples=60, deadline=None)
@given(spans_strategy, interval_strategy, spans_strategy, st.integers(1, 40))
def test_wear_merged_by_window_is_the_whole_merge(
    spans: list[WearSpan], intervals: list[StepInterval], stored: list[WearSpan], days: int
) -> None:
    new = [wear_file(SHA, spans, intervals)]
    existing_rows = wear_file(OTHER_SHA, stored, intervals).frames()
    existing = pd.concat(existing_rows, ignore_index=True)
    existing = pd.concat([existing, new[0].frames()[0].iloc[:3]], ignore_index=True)  # a repeat
    whole = ingestion.merged(existing, ingestion._concat(new[0].frames(), WEAR.empty()), WEAR.key)
    by_window = list(ingestion.wear_windows(new, _split(existing, days), days))
    assert [w for w, _ in by_window] == sorted({w for w, _ in by_window})
    for w, frame in by_window:
        assert set(steps.window_of(steps._ns(frame["start_utc"]), days)) == {w}
    got = pd.concat([f for _, f in by_window], ignore_index=True) if by_window else WEAR.empty()
    assert keyed(got) == keyed(whole)
    assert sorted(rows(new[0].frames()[1])) == sorted(
        rows(steps.heart_rate_wear("p1", SHA, spans, TZ, "apple_health"))
    )


def _split(frame: pd.DataFrame, days: int) -> list[tuple[int, pd.DataFrame]]:
    if frame.empty:
        return []
    window = steps.window_of(steps._ns(frame["start_utc"]), days)
    return [(int(w), frame[window == w].reset_index(drop=True)) for w in sorted(set(window))]


def wear_row(day: int, device: str, hours: int = 1) -> pd.DataFrame:
    at = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=day)
    return schemas.coerce(
        WEAR,
        pd.DataFrame(
            {
                "participant": ["p1"],
                "device": [device],
                "file_sha256": [SHA],
                "start_utc": [at],
                "end_utc": [at + pd.Timedelta(hours=hours)],
                "utc_offset_s": pd.array([3600], dtype="Int64"),
                "source": ["apple_health"],
                "basis": ["heart_rate"],
            }
        ),
    )


def test_wear_is_stored_a_window_a_row_group_and_reads_as_whole(tmp_path: Path) -> None:
    store = Store(tmp_path)
    # 28-day windows from 1970: 2023-12-21 to 2024-01-17 holds days 0, 1 and 16 (whose
    # 30 hours run past the window's end: it stays in the window it starts in), the next
    # one day 40 (10 February)
    frame = pd.concat(
        [wear_row(40, "z"), wear_row(0, "z"), wear_row(16, "a", 30), wear_row(1, "a")],
        ignore_index=True,
    )
    store.write(WEAR, "p1", frame)
    parquet = pq.ParquetFile(store.partition_path(WEAR, "p1"))
    assert parquet.num_row_groups == 2
    windows = list(store.read_windows(WEAR, "p1"))
    assert [(w, len(f)) for w, f in windows] == [(19_723 // 28, 3), (19_763 // 28, 1)]
    whole = store.read(WEAR, ["p1"])
    assert keyed(pd.concat([f for _, f in windows], ignore_index=True)) == rows(whole)
    assert list(zip(whole["device"], whole["start_utc"].dt.day, strict=True)) == [
        ("a", 2),
        ("a", 17),
        ("z", 1),
        ("z", 10),
    ]


def test_a_wear_partition_written_whole_still_reads(tmp_path: Path) -> None:
    """Older versions wrote ``wear`` as one table in the order it was merged, without the
    layout note (and, older still, without ``basis``): it is read whole once and cut into
    windows, and the next recording lays it out anew."""
    store = Store(tmp_path)
    old = pd.concat([wear_row(40, "z"), wear_row(0, "a"), wear_row(1, "z")], ignore_index=True)
    old = old.drop(columns="basis")
    path = store.partition_path(WEAR, "p1")
    path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(old, preserve_index=False), path)
    assert store.read(WEAR, ["p1"])["basis"].tolist() == ["steps"] * 3
    windows = list(store.read_windows(WEAR, "p1"))
    assert [len(f) for _, f in windows] == [2, 1]
    new = [wear_file(OTHER_SHA, list(BY_HAND), [])]
    store.write_windows(WEAR, "p1", ingestion.wear_windows(new, store.read_windows(WEAR, "p1")))
    assert pq.ParquetFile(path).num_row_groups == 3  # 1–2 January, 10 February, 30 March
    back = store.read(WEAR, ["p1"])
    assert len(back) == 3 + 4
    assert back["basis"].tolist().count("steps") == 3


@settings(max_examples=40, deadline=None)
@given(spans_strategy, interval_strategy, st.integers(1, 40))
def test_daily_of_wear_by_window_is_daily_of_the_whole_table(
    spans: list[WearSpan], intervals: list[StepInterval], days: int
) -> None:
    """The refresh reads ``wear`` a stored window at a time (kept lean: names as
    categories): every day's wear minutes and basis come out as from the whole table."""
    file = wear_file(SHA, spans, intervals)
    whole = ingestion._concat(file.frames(), WEAR.empty())
    windows = [frame for _, frame in file.windows(days)]
    minutes = steps.step_minutes("p1", SHA, intervals, TZ, "apple_health")
    p = Participant("p1", TZ, Target())
    sessions = schemas.SESSIONS.empty()
    got = refresh.recompute(p, sessions, minutes, iter(windows))
    want = refresh.recompute(p, sessions, minutes, whole)
    assert rows(got.daily) == rows(want.daily)
    lean = daily.lean_wear(iter(windows))
    assert len(lean) == len(whole)
    assert not len(lean) or lean["device"].dtype == "category"


@settings(max_examples=60, deadline=None)
@given(interval_strategy, st.integers(1, 5))
def test_wear_stretches_a_run_at_a_time_are_the_stretches_of_all(
    intervals: list[StepInterval], batch_rows: int
) -> None:
    """Stretches joined across the edges of runs of a few readings follow the rule
    written out reading by reading (``stretches_by_hand``)."""
    got = steps.wear_spans("p1", SHA, intervals, "UTC", "apple_health", batch_rows=batch_rows)
    assert [
        (d, s.to_pydatetime(), e.to_pydatetime(), None if pd.isna(o) else int(o))
        for d, s, e, o in zip(
            got["device"], got["start_utc"], got["end_utc"], got["utc_offset_s"], strict=True
        )
    ] == stretches_by_hand(intervals)
