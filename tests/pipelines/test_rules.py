"""Table-driven tests of the walking-minute and adherence rules (docs/rules.md)."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.config import Target
from pipelines.rules import adherence
from tests.support.rules import PHONE, WATCH, day, days, step_run, walk

SESSION_COUNTS_NONE = {
    f"sessions_{c}": 0 for c in ("walking", "strength", "pilates", "yoga", "tai_chi", "other")
}


@pytest.mark.parametrize(
    ("minutes", "met", "credited", "above"),
    [(29, False, 29.0, 0.0), (30, True, 30.0, 0.0), (60, True, 60.0, 0.0), (61, True, 60.0, 1.0)],
)
def test_day_target_boundaries(minutes: int, met: bool, credited: float, above: float) -> None:
    frame = days([walk("2024-05-02T08:00:00", minutes)])
    assert day(frame, "2024-05-02") == {
        "date": date(2024, 5, 2),
        "walking_minutes": float(minutes),
        "brisk_walking_minutes": 0.0,
        "session_walking_minutes": float(minutes),
        "bout_walking_minutes": 0.0,
        "training_minutes": 0.0,
        "steps": 0,
        **SESSION_COUNTS_NONE,
        "sessions_walking": 1,
        "has_data": True,
        "sources": "fit",
        # the session is all that says the device was worn: its minutes, < 600
        "wear_minutes": float(minutes),
        "wear_basis": "session",
        "approximate": False,
        "met": met,
        "credited_minutes": credited,
        "above_range_minutes": above,
        "status": "met" if met else "low_wear",
        "training_sessions": 0,
    }


def test_walk_across_local_midnight_is_split() -> None:
    # 23:40–00:20 local (UTC+1): 20 minutes on each day, counted as a session on the first
    frame = days([walk("2024-01-10T22:40:00", 40)])
    first, second = day(frame, "2024-01-10"), day(frame, "2024-01-11")
    assert (first["walking_minutes"], second["walking_minutes"]) == (20.0, 20.0)
    assert (first["sessions_walking"], second["sessions_walking"]) == (1, 0)
    assert first["has_data"] and second["has_data"]


def test_pause_is_not_credited_and_minutes_are_conserved() -> None:
    frame = days([walk("2024-01-10T22:40:00", 40, moving=30)])
    assert frame["walking_minutes"].sum() == pytest.approx(30.0)


@pytest.mark.parametrize(
    ("start_utc", "expected_day"),
    [
        # spring forward, Europe/Berlin 2024-03-31 01:00 UTC: 22:30 UTC is 00:30 (+2) next day
        ("2024-03-31T22:30:00", "2024-04-01"),
        ("2024-03-30T23:30:00", "2024-03-31"),  # 00:30 (+1) on the DST day itself
        # fall back 2024-10-27 01:00 UTC: 22:30 UTC on the 26th is 00:30 (+2) on the 27th
        ("2024-10-26T22:30:00", "2024-10-27"),
        ("2024-10-27T23:30:00", "2024-10-28"),  # 00:30 (+1) after the change
    ],
)
def test_file_without_offset_uses_participant_zone_dst_correct(
    start_utc: str, expected_day: str
) -> None:
    frame = days([walk(start_utc, 20, offset_h=None)], tz="Europe/Berlin")
    assert day(frame, expected_day)["walking_minutes"] == 20.0


def test_file_offset_wins_over_participant_zone() -> None:
    # 03:30 UTC with the file saying UTC-5 is 22:30 the previous day, whatever the zone
    frame = days([walk("2024-06-02T03:30:00", 20, offset_h=-5)], tz="Europe/Berlin")
    assert day(frame, "2024-06-01")["walking_minutes"] == 20.0


@pytest.mark.parametrize(
    ("bout_minutes", "min_bout", "counted"),
    [(9, 10, 0.0), (10, 10, 10.0), (1, 1, 1.0), (25, 10, 25.0)],
)
def test_step_bouts_need_min_bout_minutes(bout_minutes: int, min_bout: int, counted: float) -> None:
    intervals = step_run("2024-05-02T08:00:00", bout_minutes, 110)
    frame = days(intervals=intervals, target=Target(min_bout_minutes=min_bout))
    row = day(frame, "2024-05-02")
    assert (row["walking_minutes"], row["bout_walking_minutes"], row["brisk_walking_minutes"]) == (
        counted,
        counted,
        counted,
    )
    assert row["steps"] == bout_minutes * 110


def test_slow_steps_are_not_walking_minutes_and_60_spm_is() -> None:
    slow = days(intervals=step_run("2024-05-02T08:00:00", 20, 59))
    assert day(slow, "2024-05-02")["walking_minutes"] == 0.0
    just = days(intervals=step_run("2024-05-02T08:00:00", 20, 60))
    assert day(just, "2024-05-02")["walking_minutes"] == 20.0
    assert day(just, "2024-05-02")["brisk_walking_minutes"] == 0.0


def test_step_minutes_inside_a_recorded_walk_are_not_counted_twice() -> None:
    # the watch recorded a 30-minute walk and its step counter saw 35 walking minutes
    intervals = step_run("2024-05-02T07:55:00", 35, 110)
    frame = days([walk("2024-05-02T08:00:00", 30)], intervals)
    row = day(frame, "2024-05-02")
    assert (
        row["walking_minutes"],
        row["session_walking_minutes"],
        row["bout_walking_minutes"],
    ) == (35.0, 30.0, 5.0)
    assert row["brisk_walking_minutes"] == 35.0


def test_the_same_walk_from_two_devices_counts_once() -> None:
    frame = days(
        [
            walk("2024-05-02T08:00:00", 30, device=WATCH),
            walk("2024-05-02T08:01:00", 30, device=PHONE),
        ]
    )
    row = day(frame, "2024-05-02")
    assert row["sessions_walking"] == 1
    assert row["walking_minutes"] == 30.0  # the kept recording's minutes, once


def test_two_devices_step_streams_are_not_added() -> None:
    intervals = step_run("2024-05-02T08:00:00", 15, 100, device=WATCH) + step_run(
        "2024-05-02T08:00:00", 15, 90, device=PHONE
    )
    row = day(days(intervals=intervals), "2024-05-02")
    assert (row["walking_minutes"], row["steps"]) == (15.0, 1500)


def _blocks(frame, target: Target):  # type: ignore[no-untyped-def]
    return adherence.blocks(frame, target)[["block_start", "status", "complete"]].to_dict("records")


def test_three_day_gap_and_every_other_day_blocks() -> None:
    # met on the 1st and the 5th; 2nd–4th walked 0 but the watch was worn (step data)
    records = [walk("2024-05-01T08:00:00", 35), walk("2024-05-05T08:00:00", 35, index=1)]
    worn = [iv for d in ("02", "03", "04") for iv in step_run(f"2024-05-{d}T08:00:00", 3, 20)]
    target = Target(program_start=date(2024, 5, 1))
    frame = days(records, worn, target=target)
    assert _blocks(frame, target) == [
        {"block_start": date(2024, 5, 1), "status": "met", "complete": True},
        {"block_start": date(2024, 5, 3), "status": "missed", "complete": True},
        {"block_start": date(2024, 5, 5), "status": "met", "complete": False},
    ]
    summary = adherence.summarize(
        frame, adherence.blocks(frame, target), date(2024, 5, 1), date(2024, 5, 5)
    )
    assert summary == adherence.Summary(
        blocks_met=1,
        blocks_total=2,
        blocks_no_data=0,
        block_ratio=0.5,
        current_streak_blocks=1,
        longest_gap_days=3,
    )


def test_a_block_without_any_data_is_no_data_and_not_met() -> None:
    # met on the 1st; nothing at all on the 3rd/4th; worn but idle on the 5th; met on the 7th
    records = [walk("2024-05-01T08:00:00", 35), walk("2024-05-07T08:00:00", 35, index=1)]
    worn = step_run("2024-05-05T08:00:00", 3, 20)
    target = Target(program_start=date(2024, 5, 1))
    frame = days(records, worn, target=target)
    assert [b["status"] for b in _blocks(frame, target)] == ["met", "no_data", "missed", "met"]
    summary = adherence.summarize(
        frame, adherence.blocks(frame, target), date(2024, 5, 1), date(2024, 5, 7)
    )
    assert summary == adherence.Summary(
        blocks_met=1,
        blocks_total=3,
        blocks_no_data=1,
        block_ratio=0.3333,
        current_streak_blocks=1,
        longest_gap_days=5,
    )


def test_program_start_before_first_data_counts_empty_blocks_as_no_data() -> None:
    target = Target(program_start=date(2024, 4, 27))
    frame = days([walk("2024-05-01T08:00:00", 35)], target=target)
    assert [b["status"] for b in _blocks(frame, target)] == ["no_data", "no_data", "met"]


@pytest.mark.parametrize(
    ("sport", "sub_sport", "name", "category"),
    [
        (11, 0, None, "walking"),
        (17, 0, None, "walking"),
        (11, 30, None, "walking"),
        (4, 44, None, "pilates"),
        (10, 43, None, "yoga"),
        (10, 20, None, "strength"),
        (10, 0, "Tai Chi", "tai_chi"),
        (10, 43, "Qigong am Morgen", "tai_chi"),
        (0, 0, "Rückengymnastik", "strength"),
        (1, 0, "walk to work", "other"),
        (10, 62, None, "other"),
        (None, None, "Pilates", "pilates"),
        (2, 6, None, "other"),
    ],
)
def test_taxonomy(
    sport: int | None, sub_sport: int | None, name: str | None, category: str
) -> None:
    from pipelines.rules.taxonomy import categorize

    assert categorize(sport, sub_sport, name) == category


def test_training_sessions_are_counted_by_category_not_as_walking() -> None:
    records = [
        walk("2024-05-02T17:00:00", 45, sport=4, sub_sport=44),
        walk("2024-05-02T07:00:00", 20, sport=10, sub_sport=0, name="Tai Chi", index=1),
    ]
    row = day(days(records), "2024-05-02")
    assert (
        row["sessions_pilates"],
        row["sessions_tai_chi"],
        row["walking_minutes"],
        row["training_minutes"],
        row["met"],
    ) == (1, 1, 0.0, 65.0, False)
