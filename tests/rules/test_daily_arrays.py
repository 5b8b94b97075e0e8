"""The array helpers behind the day rules (``pipelines.rules.daily``, ``timeline``): local
day numbers, sums by day, membership, spans cut at window edges and their union — each
against values worked out by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from pipelines.rules import daily, timeline

MIN = 60_000_000_000
DAY = 86_400 * 1_000_000_000
EPOCH_DAY_2024_01_10 = (date(2024, 1, 10) - date(1970, 1, 1)).days  # 19,732
T0 = EPOCH_DAY_2024_01_10 * DAY  # 2024-01-10 00:00 UTC


@pytest.mark.parametrize(
    ("offset", "instant", "want"),
    [
        (3600, T0 + 23 * 3600 * 10**9 - 1, EPOCH_DAY_2024_01_10),  # 23:59:59.999… local
        (3600, T0 + 23 * 3600 * 10**9, EPOCH_DAY_2024_01_10 + 1),  # local midnight
        (-5 * 3600, T0 + 4 * 3600 * 10**9, EPOCH_DAY_2024_01_10 - 1),  # 23:00 the day before
        (0, T0, EPOCH_DAY_2024_01_10),
        (0, -1, -1),  # 1969-12-31 23:59:59.999999999
        (None, T0 + 23 * 3600 * 10**9, EPOCH_DAY_2024_01_10 + 1),  # Berlin in winter, +1 h
        (None, T0 + 22 * 3600 * 10**9, EPOCH_DAY_2024_01_10),
    ],
)
def test_local_day_numbers(offset: int | None, instant: int, want: int) -> None:
    got = timeline.local_day_numbers(np.array([instant]), [offset], "Europe/Berlin")
    assert got.tolist() == [want]


def test_offsets_stated_or_not() -> None:
    values, known = timeline.offset_values([3600, None, pd.NA, float("nan"), -7200], 5)
    assert values.tolist() == [3600, 0, 0, 0, -7200]
    assert known.tolist() == [True, False, False, False, True]
    values, known = timeline.offset_values(None, 2)
    assert values.tolist() == [0, 0] and known.tolist() == [False, False]


def test_dates_of_day_numbers() -> None:
    got = timeline.dates_of(np.array([1, 0, 1, -1]))
    assert got.tolist() == [
        date(1970, 1, 2),
        date(1970, 1, 1),
        date(1970, 1, 2),
        date(1969, 12, 31),
    ]
    assert got.dtype == object
    assert timeline.dates_of(np.array([], dtype="int64")).tolist() == []


def test_zone_offsets() -> None:
    summer = (date(2024, 7, 1) - date(1970, 1, 1)).days * DAY
    got = timeline.zone_offsets_ns(np.array([T0, summer]), "Europe/Berlin")
    assert got.tolist() == [3600 * 10**9, 7200 * 10**9]
    assert timeline.zone_offsets_ns(np.array([], dtype="int64"), "Europe/Berlin").tolist() == []


def test_sums_by_day() -> None:
    day = np.array([5, 5, 7, 8, 8])
    dates = timeline.dates_of(day)
    per_day = daily._PerDay(day, dates)
    values = np.array([1, 2, 3, 4, 5])
    every = per_day.sums(values)
    assert (
        every.tolist() == [3, 3, 9]
        and every.index.tolist() == timeline.dates_of(np.array([5, 7, 8])).tolist()
    )
    assert every.index.name == "date" and every.dtype == "int64"
    # only the days of the rows chosen, even when their sum is 0
    chosen = per_day.sums(np.array([0, 0, 3, 0, 0]), where=np.array([1, 0, 0, 1, 0], bool))
    assert chosen.tolist() == [0, 0]
    assert chosen.index.tolist() == timeline.dates_of(np.array([5, 8])).tolist()
    none = daily._PerDay(np.array([], dtype="int64"), np.array([], dtype=object))
    assert none.sums(np.array([], dtype="int64")).empty


def test_members() -> None:
    members = daily._Members(np.array([30, 10, 20, 20]))
    x = np.array([5, 10, 15, 20, 30, 35])
    assert members.holds(x).tolist() == [False, True, False, True, True, False]
    assert daily._Members(np.array([], dtype="int64")).holds(x).tolist() == [False] * 6


def test_device_day_keys_are_distinct() -> None:
    device = np.array([0, 0, 1, 1, 2])
    day = np.array([-3, 19732, -3, 19732, 0])
    keys = daily._device_days(device, day)
    assert len(set(keys.tolist())) == 5
    assert daily._device_days(np.array([1]), np.array([-3]))[0] == keys[2]


def spans(rows: list[tuple[int, int, int | None]]) -> daily._Spans:
    frame = pd.DataFrame(
        {
            "start_utc": pd.to_datetime([s for s, _, _ in rows], utc=True),
            "end_utc": pd.to_datetime([e for _, e, _ in rows], utc=True),
            "utc_offset_s": pd.array([o for _, _, o in rows], dtype="Int64"),
        }
    )
    return daily._Spans.of(frame)


def test_windows_cut_spans_at_their_edges() -> None:
    # windows of one day; a span over two days is cut at midnight UTC, one of no length
    # stays where it lies only when asked to
    cut = daily._Windows(spans([(T0 - MIN, T0 + MIN, 0), (T0 + DAY, T0 + DAY, 0)]), 1)
    assert cut.windows == {EPOCH_DAY_2024_01_10 - 1, EPOCH_DAY_2024_01_10}
    first = cut.rows(EPOCH_DAY_2024_01_10 - 1)
    assert (first.start.tolist(), first.end.tolist()) == ([T0 - MIN], [T0])
    second = cut.rows(EPOCH_DAY_2024_01_10)
    assert (second.start.tolist(), second.end.tolist()) == ([T0], [T0 + MIN])
    kept = daily._Windows(spans([(T0 + DAY, T0 + DAY, 0)]), 1, keep_empty=True)
    assert kept.windows == {EPOCH_DAY_2024_01_10 + 1}


def test_union_by_day_and_the_last_stretch() -> None:
    # 23:50–00:10 UTC at offset 0 and an overlapping 00:05–00:20: one stretch, 10 min on
    # the 9th and 20 on the 10th; the last stretch ends at 00:20 with the first span's offset
    per_day, last = daily._union_ns(
        [spans([(T0 - 10 * MIN, T0 + 10 * MIN, 0), (T0 + 5 * MIN, T0 + 20 * MIN, 3600)])], "UTC"
    )
    assert per_day.to_dict() == {
        EPOCH_DAY_2024_01_10 - 1: 10 * MIN,
        EPOCH_DAY_2024_01_10: 20 * MIN,
    }
    assert last is not None
    assert (last.start.tolist(), last.end.tolist(), last.offset.tolist()) == (
        [T0 + 20 * MIN],
        [T0 + 20 * MIN],
        [0],
    )
    # only spans of no length: nothing covered, the last stretch still known
    per_day, last = daily._union_ns([spans([(T0, T0, 0)])], "UTC")
    assert per_day.empty and last is not None and last.end.tolist() == [T0]
    nothing, none = daily._union_ns([], "UTC")
    assert nothing.empty and none is None and nothing.index.name == "date"
