"""Local days from UTC instants (docs/rules.md, "Local days" and "Times without a zone"):
the file's own offset first, else the participant's zone at that very instant; wall-clock
times placed in a zone, the spring gap moved forward and the autumn hour taken first.
Expected values are worked out from the zone rules by hand: Europe/Berlin is UTC+1 in winter
and UTC+2 in summer; in 2024 summer time began on 31 March at 01:00 UTC (02:00 → 03:00 local)
and ended on 27 October at 01:00 UTC (03:00 → 02:00 local)."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.rules import timeline

BERLIN = "Europe/Berlin"
# A non-default index: every result keeps its input's rows.
INDEX = [10, 11, 12, 13, 14]
INSTANTS = pd.Series(
    pd.to_datetime(
        [
            "2024-03-31 00:30",  # 01:30 CET, the night of the spring change
            "2024-03-31 01:30",  # 03:30 CEST, after it
            "2024-03-31 22:30",  # 00:30 CEST on 1 April
            "2024-01-15 23:30",  # 00:30 CET on 16 January
            "2024-07-01 12:00",  # a stated offset
        ],
        utc=True,
    ),
    index=INDEX,
)
# The file states an offset for the last instant only (New York in summer: −4 h).
FILE_OFFSETS = pd.Series([None, None, None, None, -4 * 3600], index=INDEX, dtype="Int64")


def test_offsets_from_the_file_else_the_zone_at_each_instant() -> None:
    got = timeline.offsets_s(INSTANTS, FILE_OFFSETS, BERLIN)
    expected = pd.Series([3600, 7200, 7200, 3600, -14400], index=INDEX, dtype="int64")
    pd.testing.assert_series_equal(got, expected)


def test_offsets_of_naive_instants_are_read_as_utc() -> None:
    naive = pd.Series(pd.to_datetime(["2024-03-31 00:30", "2024-03-31 01:30"]), index=[3, 4])
    got = timeline.offsets_s(naive, pd.Series([None, None], index=[3, 4]), BERLIN)
    pd.testing.assert_series_equal(got, pd.Series([3600, 7200], index=[3, 4], dtype="int64"))


def test_offsets_stated_as_text_or_floats_count() -> None:
    instants = INSTANTS.iloc[:3]
    stated = pd.Series(["3600", None, 0.0], index=INDEX[:3], dtype="object")
    got = timeline.offsets_s(instants, stated, BERLIN)
    pd.testing.assert_series_equal(got, pd.Series([3600, 7200, 0], index=INDEX[:3]))


def test_local_dates() -> None:
    got = timeline.local_dates(INSTANTS, FILE_OFFSETS, BERLIN)
    expected = pd.Series(
        [
            date(2024, 3, 31),  # 01:30 CET
            date(2024, 3, 31),  # 03:30 CEST
            date(2024, 4, 1),  # 22:30 UTC + 2 h (docs/rules.md's example)
            date(2024, 1, 16),  # 23:30 UTC + 1 h
            date(2024, 7, 1),  # 12:00 UTC − 4 h = 08:00
        ],
        index=INDEX,
    )
    pd.testing.assert_series_equal(got, expected)


def test_a_stated_offset_wins_over_the_zone() -> None:
    # 22:30 UTC: Berlin says 1 April; a file saying UTC−5 says 17:30 on 31 March, and one
    # saying +1:30 says 00:00 on 1 April (the first minute of the day).
    instants = pd.Series(pd.to_datetime(["2024-03-31 22:30"] * 3, utc=True))
    stated = pd.Series([-5 * 3600, 5400, None], dtype="Int64")
    got = timeline.local_dates(instants, stated, BERLIN)
    expected = pd.Series([date(2024, 3, 31), date(2024, 4, 1), date(2024, 4, 1)])
    pd.testing.assert_series_equal(got, expected)


def test_local_dates_in_another_zone() -> None:
    # 03:30 UTC on 10 March 2024 in New York: 22:30 EST (−5) on 9 March; 07:30 UTC: the
    # clocks went forward at 07:00 UTC, so 03:30 EDT (−4) on 10 March.
    instants = pd.Series(pd.to_datetime(["2024-03-10 03:30", "2024-03-10 07:30"], utc=True))
    got = timeline.local_dates(instants, pd.Series([None, None], dtype="Int64"), "America/New_York")
    pd.testing.assert_series_equal(got, pd.Series([date(2024, 3, 9), date(2024, 3, 10)]))


def test_tz_sources() -> None:
    got = timeline.tz_sources(FILE_OFFSETS, BERLIN)
    expected = pd.Series([BERLIN] * 4 + ["file"], index=INDEX, dtype="string")
    pd.testing.assert_series_equal(got, expected)


def test_tz_sources_of_nothing() -> None:
    got = timeline.tz_sources(pd.Series([], dtype="Int64"), BERLIN)
    pd.testing.assert_series_equal(got, pd.Series([], dtype="string"))


def test_wall_to_utc() -> None:
    wall = pd.Series(
        pd.to_datetime(
            [
                "2024-01-15 08:00",  # CET: 07:00 UTC
                "2024-07-01 08:00",  # CEST: 06:00 UTC
                "2024-03-31 02:30",  # does not exist: moved forward to 03:00 CEST = 01:00 UTC
                "2024-10-27 02:30",  # twice: the first (CEST) = 00:30 UTC, not 01:30
                "2024-10-27 03:30",  # once (CET): 02:30 UTC
            ]
        ),
        index=[5, 6, 7, 8, 9],
    )
    got = timeline.wall_to_utc(wall, BERLIN)
    expected = pd.Series(
        pd.to_datetime(
            [
                "2024-01-15 07:00",
                "2024-07-01 06:00",
                "2024-03-31 01:00",
                "2024-10-27 00:30",
                "2024-10-27 02:30",
            ],
            utc=True,
        ).as_unit("us"),
        index=[5, 6, 7, 8, 9],
    )
    pd.testing.assert_series_equal(got, expected)


def test_wall_to_utc_ignores_a_zone_the_wall_time_was_tagged_with() -> None:
    # Floating times travel tagged UTC (ingest.records.SessionRecord): 08:00 "UTC" is 08:00
    # on the wall in Berlin, i.e. 06:00 UTC in summer.
    tagged = pd.Series(pd.to_datetime(["2024-07-01 08:00"], utc=True))
    got = timeline.wall_to_utc(tagged, BERLIN)
    expected = pd.Series(pd.to_datetime(["2024-07-01 06:00"], utc=True).as_unit("us"))
    pd.testing.assert_series_equal(got, expected)


def test_wall_to_utc_from_text() -> None:
    got = timeline.wall_to_utc(pd.Series(["2024-01-15 08:00"]), BERLIN)
    expected = pd.Series(pd.to_datetime(["2024-01-15 07:00"], utc=True).as_unit("us"))
    pd.testing.assert_series_equal(got, expected)


def test_local_days_use_no_deprecated_pandas_spelling() -> None:
    # A unit pandas deprecates (e.g. "S" for seconds) would break the day rule on the next
    # pandas: the rule must run without any warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = timeline.local_dates(INSTANTS, FILE_OFFSETS, BERLIN)
    assert list(got) == [
        date(2024, 3, 31),
        date(2024, 3, 31),
        date(2024, 4, 1),
        date(2024, 1, 16),
        date(2024, 7, 1),
    ]


def test_an_offset_that_is_no_number_is_no_stated_offset() -> None:
    # "+02:00" or garbage is not a count of seconds: the zone decides (CET +1 h, CEST +2 h).
    stated = pd.Series(["+02:00", "x"], index=INDEX[:2], dtype="object")
    got = timeline.offsets_s(INSTANTS.iloc[:2], stated, BERLIN)
    pd.testing.assert_series_equal(got, pd.Series([3600, 7200], index=INDEX[:2]))


def test_an_offset_of_a_fraction_of_a_second_is_refused() -> None:
    # Offsets are whole seconds; one that is not is refused, never rounded into another day.
    with pytest.raises(TypeError):
        timeline.offsets_s(INSTANTS.iloc[:1], pd.Series([3600.5], index=INDEX[:1]), BERLIN)


# ------------------------------------------------- the fast path against the zone database

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=-(10**17), max_value=3 * 10**18),  # ns: 1966 … 2065
            st.one_of(st.none(), st.integers(min_value=-14 * 3600, max_value=14 * 3600)),
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(ZONES),
)
def test_local_days_follow_the_zone_database(rows: list[tuple[int, int | None]], zone: str) -> None:
    # the oracle: one instant at a time with zoneinfo — the stated offset added to the UTC
    # time, else the zone's own local time at that instant
    instants = [
        datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000) for ns, _ in rows
    ]
    want = [
        (t + timedelta(seconds=off)).date()
        if off is not None
        else t.astimezone(ZoneInfo(zone)).date()
        for t, (_, off) in zip(instants, rows, strict=True)
    ]
    ns = [ns for ns, _ in rows]
    offsets = pd.Series([off for _, off in rows], dtype="Int64")
    got = timeline.local_dates(pd.Series(pd.to_datetime(ns, utc=True)), offsets, zone)
    assert got.tolist() == want
    days = timeline.local_day_numbers(np.array(ns, dtype="int64"), offsets, zone)
    assert timeline.dates_of(days).tolist() == want
