"""End to end: one realistic participant, from FIT files to the report (issue 15 acceptance).

Two complete program weeks and one day of a third of one person in Berlin in January (CET,
local = UTC + 1 h, every file says +1 h), program start Monday 2024-01-08, the default
prescription (walking 30–60 min every 2nd day → 3 met days and 90 minutes a week; training
2 sessions a week of ≥ 15 min; bouts ≥ 10 min across pauses of ≤ 2 min; worn ≥ 600 min).

Files: ``tests.support.realistic.FILES`` (the project's FIT writer, ``demo/fitwriter.py``),
whose comments say what each day holds — recorded activities and one Garmin monitoring file
per worn day with all-day heart rate (one reading a minute) and step readings (one a minute,
one day with 30-minute readings). Ingested through the use cases
(``pipelines.app.uploads``: store_uploads → parse_stored → record, then refresh), reported
with ``report.build``. Every expected figure below is worked out by hand in the comments; none
is computed with the project's rule functions.

Worn days: heart rate every minute 07:00–22:59 → one span 07:00–23:00 = **960** wear
minutes (``wear_basis`` heart_rate; the watch's own zero-step readings do not count as wear
on a day with heart rate). Recorded activities add their span to wear where they lie outside.
"""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.app import participants as settings
from pipelines.rules import report
from pipelines.schemas import DAILY
from pipelines.store.storage import Store
from tests.support import realistic

NO_SESSIONS = {"walking": 0, "strength": 0, "pilates": 0, "yoga": 0, "tai_chi": 0, "other": 0}


def sessions(**counts: int) -> dict[str, int]:
    return NO_SESSIONS | counts


def day(
    date: str,
    walking: float,
    brisk: float,
    status: str,
    wear: float | None,
    *,
    steps: int = 0,
    approximate: bool = False,
    sessions: dict[str, int] = NO_SESSIONS,
) -> dict[str, Any]:
    """A ``days[]`` record: only spells out the fields, derives nothing but ``met``,
    ``has_data`` and ``wear_basis`` from the given status (each worn day here has heart
    rate; the one day without data has nothing)."""
    worn = status != "no_data"
    return {
        "date": date,
        "walking_minutes": walking,
        "brisk_walking_minutes": brisk,
        "met": status == "met",
        "has_data": worn,
        "status": status,
        "wear_minutes": wear,
        "wear_basis": "heart_rate" if worn else None,
        "approximate": approximate,
        "steps": steps,
        "sessions": sessions,
        "sources": ["fit"] if worn else [],
    }


EXPECTED_DAYS = [
    # Mon 8: the session credits its 70 minutes, brisk from its cadence 110 ≥ 100; met
    # (70 ≥ 30). Steps: the monitoring file has none that day (activity steps are the
    # session's, not the day's step readings) → 0.
    day("2024-01-08", 70.0, 70.0, "met", 960.0, sessions=sessions(walking=1)),
    # Tue 9: Pilates is training, not walking → 0 walking minutes; worn 960 ≥ 600 → below.
    day("2024-01-09", 0.0, 0.0, "below", 960.0, sessions=sessions(pilates=1)),
    # Wed 10: walking minutes 25 + 7 = 32 (the stop minute, 20 < 60 steps, is a pause of 1
    # ≤ 2 minutes inside one bout of span 33 ≥ 10; the pause itself does not count); all
    # at 110 ≥ 100 → 32 brisk; 32 ≥ 30 → met (without the pause tolerance: 25 → below).
    # Steps 25 × 110 + 20 + 7 × 110 = 2,750 + 20 + 770 = 3,540.
    day("2024-01-10", 32.0, 32.0, "met", 960.0, steps=3540),
    # Thu 11: on the charger: nothing says → no_data, wear null.
    day("2024-01-11", 0.0, 0.0, "no_data", None),
    # Fri 12: 40 minutes with 36 moving → 36 credited, cadence 3,960 / 36 = 110 → brisk 36;
    # met. The 10-minute strength recording is a strength session (counted in
    # sessions) but not a training session (10 < 15).
    day("2024-01-12", 36.0, 36.0, "met", 960.0, sessions=sessions(walking=1, strength=1)),
    # Sat 13: the night walk's 23:30–24:00 = 30 minutes → met (30 ≥ 30), brisk 30; the
    # session counts on the day it started. Wear 960 (07:00–23:00) + 30 (23:30–24:00 lies
    # outside the heart rate) = 990.
    day("2024-01-13", 30.0, 30.0, "met", 990.0, sessions=sessions(walking=1)),
    # Sun 14: the walk's 00:00–00:10 = 10 minutes (10 brisk), below 30. Wear 10 + heart
    # rate 08:00–15:00 = 420 → 430 < 600 → low_wear.
    day("2024-01-14", 10.0, 10.0, "low_wear", 430.0),
    # Mon 15: 2,300 steps in one 30-minute reading: 1800 s > 120 s, no cadence → 0 walking
    # minutes; ≥ 60 coarse steps outside sessions → approximate; worn 960 → below.
    day("2024-01-15", 0.0, 0.0, "below", 960.0, steps=2300, approximate=True),
    # Tue 16: 35 walking minutes (brisk, 110) → met; the Pilates class is a session.
    day("2024-01-16", 35.0, 35.0, "met", 960.0, sessions=sessions(walking=1, pilates=1)),
    # Wed 17: 20 minutes of strength, no walking → below.
    day("2024-01-17", 0.0, 0.0, "below", 960.0, sessions=sessions(strength=1)),
    # Thu 18: the 30 step minutes lie inside the recorded walk: counted once → 30, not 60;
    # brisk from the 1-minute step data (110 ≥ 100) → 30; met. Steps 30 × 110 = 3,300.
    day("2024-01-18", 30.0, 30.0, "met", 960.0, steps=3300, sessions=sessions(walking=1)),
    # Fri 19: 15 minutes at 1,350 / 15 = 90 steps/min: walking, not brisk; below 30.
    day("2024-01-19", 15.0, 0.0, "below", 960.0, sessions=sessions(walking=1)),
    # Sat 20, Sun 21: worn all day, nothing walked → below (not low_wear, not no_data).
    day("2024-01-20", 0.0, 0.0, "below", 960.0),
    day("2024-01-21", 0.0, 0.0, "below", 960.0),
    # Mon 22: 40 minutes at 110 → met.
    day("2024-01-22", 40.0, 40.0, "met", 960.0, sessions=sessions(walking=1)),
]

EXPECTED_WEEKS = [
    {
        # days 8–14: walking days (≥ 1 minute) 8, 10, 12, 13, 14 → 5; met 8, 10, 12, 13 → 4.
        # Walking 70 + 32 + 36 + 30 + 10 = 178; credited (each day ≤ 60) 60 + 32 + 36 + 30
        # + 10 = 168. Training: Pilates 45 ≥ 15 → 1 session (strength 10 < 15 → none);
        # training minutes 45 + 10 = 55.
        "week": 1,
        "start": "2024-01-08",
        "end": "2024-01-14",
        "complete": True,
        "has_data": True,
        "walking_days": 5,
        "met_days": 4,
        "walking_minutes": 178.0,
        "walking_minutes_credited": 168.0,
        "training_sessions": 1,
        "training_minutes": 55.0,
        "sessions": sessions(walking=3, strength=1, pilates=1),
    },
    {
        # days 15–21: walking days 16, 18, 19 → 3; met 16, 18 → 2. Walking 35 + 30 + 15 =
        # 80 = credited. Training: Pilates 30 + strength 20, both ≥ 15 → 2 sessions, 50 min.
        "week": 2,
        "start": "2024-01-15",
        "end": "2024-01-21",
        "complete": True,
        "has_data": True,
        "walking_days": 3,
        "met_days": 2,
        "walking_minutes": 80.0,
        "walking_minutes_credited": 80.0,
        "training_sessions": 2,
        "training_minutes": 50.0,
        "sessions": sessions(walking=3, strength=1, pilates=1),
    },
    {
        # day 22 only (the range ends there): in progress, never scored.
        "week": 3,
        "start": "2024-01-22",
        "end": "2024-01-28",
        "complete": False,
        "has_data": True,
        "walking_days": 1,
        "met_days": 1,
        "walking_minutes": 40.0,
        "walking_minutes_credited": 40.0,
        "training_sessions": 0,
        "training_minutes": 0.0,
        "sessions": sessions(walking=1),
    },
]


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("realistic")
    store = Store(root / "data")
    outcomes = realistic.ingest(store, "p1", root / "export")
    assert {o.name: o.status for o in outcomes} == {name: "ok" for name in realistic.FILES}
    p = settings.load_participant(store, "p1")
    return report.build(p, store.read(DAILY, ["p1"]))


def test_range_is_program_start_to_last_day_with_data(
    result: dict[str, Any],
) -> None:
    assert result["range"] == {"start": "2024-01-08", "end": "2024-01-22"}


def test_every_day_as_worked_out_by_hand(result: dict[str, Any]) -> None:
    days = [{k: d[k] for k in EXPECTED_DAYS[0]} for d in result["days"]]
    assert [d["date"] for d in days] == [d["date"] for d in EXPECTED_DAYS]
    for got, want in zip(days, EXPECTED_DAYS, strict=True):
        assert got == want, want["date"]


def test_every_program_week_as_worked_out_by_hand(result: dict[str, Any]) -> None:
    weeks = [{k: w[k] for k in EXPECTED_WEEKS[0]} for w in result["weeks"]]
    assert weeks == EXPECTED_WEEKS


def test_adherence_and_dose_as_worked_out_by_hand(result: dict[str, Any]) -> None:
    assert result["adherence"] == {
        # weekly target ⌊7 ÷ 2⌋ = 3 met days, 3 × 30 = 90 credited minutes.
        # ratio: week 1 min(4 ÷ 3, 1) = 1, week 2 2 ÷ 3 → (1 + 0.6667) ÷ 2 = 0.8333.
        "ratio": 0.8333,
        # dose: week 1 min(168 ÷ 90, 1) = 1, week 2 80 ÷ 90 = 0.8889 → 1.8889 ÷ 2 = 0.9444.
        "dose_ratio": 0.9444,
        "weeks_met": 1,  # week 1 (4 ≥ 3); week 2 has 2 < 3
        "weeks_total": 2,
        "weeks_no_data": 0,
        "weekly_target_days": 3,
        "weekly_target_minutes": 90,
        # 2-day blocks from Jan 8: [8,9] met, [10,11] met, [12,13] met, [14,15] missed
        # (10 and 0 minutes), [16,17] met, [18,19] met, [20,21] missed, [22,23] met but
        # still in progress → 5 met of 7 complete = 0.7143; none without data ([10,11]
        # has the 10th).
        "block_ratio": 0.7143,
        "blocks_met": 5,
        "blocks_total": 7,
        "blocks_no_data": 0,
        # back from the end: [22,23] met (in progress, counts), [20,21] missed → 1.
        "current_streak_blocks": 1,
        # days without a met day: 9 | 11 | 14, 15 | 17 | 19, 20, 21 → longest 3.
        "longest_gap_days": 3,
    }


def test_training_as_worked_out_by_hand(result: dict[str, Any]) -> None:
    # target 2 sessions of ≥ 15 min a week: week 1 has 1, week 2 has 2 → 1 of 2 weeks.
    assert result["training"] == {
        "target_sessions_per_week": 2,
        "min_session_minutes": 15,
        "ratio": 0.5,
        "weeks_met": 1,
        "weeks_total": 2,
    }
