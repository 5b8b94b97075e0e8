"""Issue 15 items 1–3, table-driven (docs/rules.md "Step data", "Bouts", "Wear time").

Every expected figure is worked out by hand in the comments; the cases of the issue are
written out: the first minute of a bout after a sedentary stretch, a 34-minute walk with
two 1-minute stops, a 25-minute walk at 120 steps/min inside one 60-minute reading, and
900 steps in 15 minutes at 1-minute and at 15-minute resolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from ingest.fit import parse_fit
from ingest.records import StepInterval
from pipelines.config import Target
from pipelines.rules import daily, refresh, sessions, steps
from pipelines.rules.participants import Participant
from tests.support.rules import WATCH, day, days, utc, walk

fw = pytest.importorskip("demo.fitwriter", reason="FIT writer not available")

DAY = "2024-05-02"


def reading(start: str, minutes: float, steps_: int) -> StepInterval:
    """One step reading of ``minutes`` from ``start`` (UTC), file offset +1 h."""
    t0 = utc(start)
    return StepInterval(t0, t0 + timedelta(minutes=minutes), steps_, WATCH, 6, 3600)


def per_minute(start: str, counts: Sequence[int]) -> list[StepInterval]:
    """One 1-minute reading per count, back to back from ``start`` (zero counts kept)."""
    t0 = utc(start)
    return [
        StepInterval(t0 + timedelta(minutes=i), t0 + timedelta(minutes=i + 1), n, WATCH, 6, 3600)
        for i, n in enumerate(counts)
    ]


# ------------------------------------------------------------------ item 1: resolution


def test_step_minutes_keep_the_length_of_their_reading() -> None:
    frame = steps.step_minutes(
        "p1", "f" * 64, [reading("2024-05-02T08:00:00", 1, 90), reading(f"{DAY}T09:00:00", 60, 600)]
    )
    # the 1-minute reading: one minute of 90 at 60 s; the 60-minute one: 60 minutes of 10
    assert frame["resolution_s"].tolist() == [60] + [3600] * 60
    assert frame["steps"].tolist() == [90] + [10] * 60


@pytest.mark.parametrize(
    ("case", "intervals", "walking", "brisk", "approximate"),
    [
        # 25 min at 120 spm = 3000 steps inside one 60-min reading: spread evenly that is
        # 50 steps/min, and at 60-min resolution no cadence can be told at all → 0 walking
        # minutes; 3000 coarse steps ≥ 60 → approximate
        ("25-min walk in one 60-min reading", [reading(f"{DAY}T07:00:00", 60, 3000)], 0, 0, True),
        # the same walk written minute by minute: 25 walking minutes, all brisk (120 ≥ 100)
        (
            "25-min walk at 1-min resolution",
            per_minute(f"{DAY}T07:00:00", [0] * 20 + [120] * 25 + [0] * 15),
            25,
            25,
            False,
        ),
        # 900 steps in one 15-min reading: 60/min spread evenly (the old rule: 15 walking
        # minutes) — now no cadence → 0, approximate (900 ≥ 60)
        ("900 steps in one 15-min reading", [reading(f"{DAY}T07:00:00", 15, 900)], 0, 0, True),
        # 900 steps in 15 min at 1-min resolution: 10 min at 90 + 5 min at 0 → the per-minute
        # cadence gives one 10-minute bout of 10 walking minutes (90 < 100: none brisk)
        (
            "900 steps at 1-min resolution",
            per_minute(f"{DAY}T07:00:00", [90] * 10 + [0] * 5),
            10,
            0,
            False,
        ),
        # 2-min readings are fine: 5 readings of 240 = 120/min → 10 walking minutes, brisk
        (
            "2-min readings",
            [reading(f"{DAY}T07:{2 * i:02d}:00", 2, 240) for i in range(5)],
            10,
            10,
            False,
        ),
        # 3-min readings are not: 4 × 360 → 0 walking minutes, approximate
        (
            "3-min readings",
            [reading(f"{DAY}T07:{3 * i:02d}:00", 3, 360) for i in range(4)],
            0,
            0,
            True,
        ),
        # a coarse reading with fewer than 60 steps hides no walking minute: not approximate
        ("59 steps in 60 min", [reading(f"{DAY}T07:00:00", 60, 59)], 0, 0, False),
    ],
)
def test_cadence_thresholds_only_at_two_minute_resolution(
    case: str, intervals: list[StepInterval], walking: int, brisk: int, approximate: bool
) -> None:
    d = day(days(intervals=intervals), DAY)
    assert (d["bout_walking_minutes"], d["brisk_walking_minutes"], d["approximate"]) == (
        walking,
        brisk,
        approximate,
    ), case


def test_coarse_steps_inside_a_recorded_walk_do_not_make_the_day_approximate() -> None:
    # a 60-min reading 07:00–08:00 UTC (09:00–10:00 local) holding a recorded 60-min walk:
    # the session credits 60 minutes, and no coarse step lies outside it
    frame = days([walk(f"{DAY}T07:00:00", 60, steps=6000)], [reading(f"{DAY}T07:00:00", 60, 6000)])
    d = day(frame, DAY)
    assert (d["walking_minutes"], d["brisk_walking_minutes"], d["approximate"]) == (
        60.0,
        60.0,  # no 1-minute step data: the session's own cadence, 6000 / 60 = 100 ≥ 100
        False,
    )


def _fit_days(data: bytes, target: Target | None = None) -> dict[str, object]:
    parsed = parse_fit(data)
    minutes = steps.step_minutes("p1", "f" * 64, parsed.step_intervals, "UTC")
    wear = steps.wear_spans("p1", "f" * 64, parsed.step_intervals, "UTC")
    target = target or Target()
    p = Participant("p1", "UTC", target)
    derived = refresh.recompute(p, sessions.records_frame("p1", "0" * 64, []), minutes, wear)
    rows = derived.daily[derived.daily["date"] == date(2026, 1, 5)].to_dict("records")
    assert len(rows) == 1
    return rows[0]


def _walk_minutes(start_hhmm: str, minutes: int, spm: int) -> list[tuple[datetime, int]]:
    t0 = datetime.fromisoformat(f"2026-01-05T{start_hhmm}:00+00:00")
    return [(t0 + timedelta(minutes=i), spm) for i in range(minutes)]


def test_garmin_one_reading_a_minute_first_minute_after_a_sedentary_stretch_counts() -> None:
    """A 10-minute walk at 100 steps/min at 10:00 after sitting since 08:01, written as a
    Garmin device writes it: the walk is opened by a sedentary reading at 10:00 (the
    activity type changed), not by a walking reading. The previous walking reading is at
    08:01; measured from it, the first walking minute (100 steps) was spread over
    09:01–10:01 and the bout was 9 minutes long — under 10, so it vanished. Now: the first
    minute is 10:00–10:01, the bout spans 10 minutes, 10 walking minutes, all brisk."""
    data = fw.monitoring_file(
        step_minutes=[
            (datetime(2026, 1, 5, 8, 0, tzinfo=UTC), 30),
            *_walk_minutes("10:00", 10, 100),
        ],
        utc_offset_s=0,
        interval_s=60,
        runs_opened_by="activity_type",
    )
    d = _fit_days(data)
    assert (d["bout_walking_minutes"], d["brisk_walking_minutes"], d["steps"]) == (10, 10, 1030)
    assert d["approximate"] is False  # every reading with steps is 1 minute long


def test_garmin_coarse_readings_give_no_step_walking_minutes() -> None:
    """The same device writing one reading an hour: a 25-minute walk at 120 steps/min
    10:00–10:25 lands in the reading 10:00–11:00 (3000 steps) → no cadence, 0 walking
    minutes, the day approximate."""
    data = fw.monitoring_file(
        step_minutes=_walk_minutes("10:00", 25, 120),
        utc_offset_s=0,
        interval_s=3600,
        extra_activity_types=False,
    )
    d = _fit_days(data)
    assert (d["bout_walking_minutes"], d["steps"], d["approximate"]) == (0, 3000, True)


# --------------------------------------------------------------- item 2: bout pauses


def _bout(counts: Sequence[int], *, min_bout: int = 10, max_pause: int = 2) -> tuple[float, float]:
    target = Target(min_bout_minutes=min_bout, max_pause_minutes=max_pause)
    d = day(days(intervals=per_minute(f"{DAY}T07:00:00", counts), target=target), DAY)
    return d["bout_walking_minutes"], d["brisk_walking_minutes"]


W, S = 110, 20  # a brisk walking minute; a stop (below 60 steps/min)


@pytest.mark.parametrize(
    ("case", "counts", "min_bout", "max_pause", "walking"),
    [
        # 34 minutes, stops in minutes 9 and 18 (1-based): runs of 8, 8 and 16 walking
        # minutes. With 2-minute pauses allowed: one bout, span 34, 34 − 2 = 32 walking
        # minutes. Without: only the 16-minute run reaches 10 → 16.
        ("34-min walk, two 1-min stops", [W] * 8 + [S] + [W] * 8 + [S] + [W] * 16, 10, 2, 32),
        ("34-min walk, no pauses allowed", [W] * 8 + [S] + [W] * 8 + [S] + [W] * 16, 10, 0, 16),
        # a stop of 0 steps (no row at all) is a pause too: 5 + 5 walking, span 11 → 10
        ("stop without steps", [W] * 5 + [0] + [W] * 5, 10, 2, 10),
        # 2 stop minutes still join: 5 + 5 walking, span 12 → 10
        ("2-minute stop joins", [W] * 5 + [S, S] + [W] * 5, 10, 2, 10),
        # 3 stop minutes split: two runs of 5, each span 5 < 10 → 0
        ("3-minute stop splits", [W] * 5 + [S, S, S] + [W] * 5, 10, 2, 0),
        # the minimum applies to the span: 5 + 2 walking around a 2-min stop, span 9 → 0
        ("span 9 < 10", [W] * 5 + [S, S] + [W] * 2, 10, 2, 0),
        # 9 walking minutes around one stop span 10 → they count (9, not 10)
        ("span 10 with 9 walking minutes", [W] * 4 + [S] + [W] * 5, 10, 2, 9),
        # stops before and after do not extend the span: 9 walking minutes span 9 → 0
        ("trailing stops", [S, S] + [W] * 9 + [S, S], 10, 2, 0),
        # WHO 2020, every minute counts: min_bout 1 — each walking minute counts alone
        ("min bout 1", [W, S, S, S, W], 1, 2, 2),
    ],
)
def test_bouts_continue_across_short_pauses(
    case: str, counts: list[int], min_bout: int, max_pause: int, walking: float
) -> None:
    got, brisk = _bout(counts, min_bout=min_bout, max_pause=max_pause)
    assert (got, brisk) == (walking, walking), case  # every walking minute is brisk (110)


def test_only_the_walking_minutes_of_a_bout_are_brisk() -> None:
    # 6 at 110 (brisk), 1 stop, 6 at 70 (walking, not brisk): 12 walking, 6 brisk
    assert _bout([110] * 6 + [S] + [70] * 6) == (12.0, 6.0)


# ---------------------------------------------------------------- item 3: wear time


@pytest.mark.parametrize(
    ("case", "intervals", "records", "wear"),
    [
        # 10 h of 1-min readings 06:00–16:00 UTC, most with 0 steps: 600 minutes
        ("10 h of readings", per_minute(f"{DAY}T06:00:00", [0] * 599 + [5]), [], 600.0),
        # readings 06:00–06:05 and 06:50–06:55: a 45-min gap is bridged → 06:00–06:55 = 55
        (
            "gap of 45 min bridged",
            [reading(f"{DAY}T06:00:00", 5, 0), reading(f"{DAY}T06:50:00", 5, 3)],
            [],
            55.0,
        ),
        # readings 06:00–06:05 and 07:10–07:15: a 65-min gap is not → 5 + 5 = 10
        (
            "gap of 65 min not bridged",
            [reading(f"{DAY}T06:00:00", 5, 0), reading(f"{DAY}T07:10:00", 5, 3)],
            [],
            10.0,
        ),
        # one 60-min reading (the cap, or a coarse device) says nothing about wear: null
        ("one 60-min reading", [reading(f"{DAY}T06:00:00", 60, 500)], [], None),
        # a recorded 30-min session alone: 30
        ("session only", [], [walk(f"{DAY}T06:00:00", 30)], 30.0),
        # a session overlapping readings counts once: readings 06:00–06:20, walk 06:10–06:40
        # → the union 06:00–06:40 = 40
        (
            "session and readings overlap",
            per_minute(f"{DAY}T06:00:00", [0] * 20),
            [walk(f"{DAY}T06:10:00", 30)],
            40.0,
        ),
    ],
)
def test_wear_minutes(
    case: str, intervals: list[StepInterval], records: list[object], wear: float | None
) -> None:
    frame = days(records, intervals)  # type: ignore[arg-type]
    got = day(frame, DAY)["wear_minutes"]
    assert (None if got != got else got) == wear, case  # NaN → None


def test_wear_across_local_midnight_is_split() -> None:
    # 1-min readings 22:30–23:30 UTC; with the file's offset of +1 h that is 23:30–00:30
    # local: 30 minutes on each day
    frame = days(intervals=per_minute(f"{DAY}T22:30:00", [0] * 60))
    assert day(frame, DAY)["wear_minutes"] == 30.0
    assert day(frame, "2024-05-03")["wear_minutes"] == 30.0


@pytest.mark.parametrize(
    ("case", "intervals", "records", "min_wear", "status"),
    [
        # a 30-min walk: met, whatever the wear
        ("met", [], [walk(f"{DAY}T06:00:00", 30)], 600, "met"),
        # 10 h worn, a 20-min walk: below (worn 600, not < 600)
        (
            "below",
            per_minute(f"{DAY}T06:00:00", [0] * 600),
            [walk(f"{DAY}T06:00:00", 20)],
            600,
            "below",
        ),
        # 9 h 59 min worn and nothing walked: low_wear
        ("low wear", per_minute(f"{DAY}T06:00:00", [0] * 599), [], 600, "low_wear"),
        # the same with a minimum of 8 h: below
        ("low wear threshold", per_minute(f"{DAY}T06:00:00", [0] * 599), [], 480, "below"),
        # steps but wear unknown (one 60-min reading): below, not low_wear
        ("wear unknown", [reading(f"{DAY}T06:00:00", 60, 500)], [], 600, "below"),
    ],
)
def test_day_status(
    case: str,
    intervals: list[StepInterval],
    records: list[object],
    min_wear: int,
    status: str,
) -> None:
    frame = days(records, intervals, target=Target(min_wear_minutes=min_wear))  # type: ignore[arg-type]
    assert day(frame, DAY)["status"] == status, case


def test_a_day_without_data_is_no_data() -> None:
    # program start two days before the only walk: those days have no data, wear null
    frame = days([walk(f"{DAY}T06:00:00", 30)], program_start=date(2024, 4, 30))
    first = day(frame, "2024-04-30")
    assert (first["status"], first["has_data"], first["wear_minutes"] != first["wear_minutes"]) == (
        "no_data",
        False,
        True,
    )


def test_a_watch_on_the_charger_is_no_data_not_an_inactive_day() -> None:
    # readings all of 2 May local (+1 h: from 23:00 UTC the day before), none on 3 May,
    # again 00:00–01:00 on 4 May: the file spans 3 May, but nothing says the watch was
    # worn then → no data (it was "has data, 0 walking minutes"); 4 May: 60 min, low wear
    intervals = [
        *per_minute("2024-05-01T23:00:00", [0] * 1440),
        *per_minute("2024-05-03T23:00:00", [0] * 60),
    ]
    frame = days(intervals=intervals)
    assert day(frame, "2024-05-02")["status"] == "below"
    assert day(frame, "2024-05-03")["status"] == "no_data"
    assert day(frame, "2024-05-04")["status"] == "low_wear"


def test_wear_stretches_of_a_file() -> None:
    spans = steps.wear_spans(
        "p1",
        "f" * 64,
        [
            reading(f"{DAY}T06:00:00", 5, 0),
            reading(f"{DAY}T06:50:00", 5, 3),  # 45 min after: same stretch
            reading(f"{DAY}T09:00:00", 60, 900),  # 60 min long: not a wear reading
            reading(f"{DAY}T10:30:00", 2, 1),  # 2 h 35 min after 06:55: a new stretch
        ],
    )
    assert [
        (s.isoformat(), e.isoformat())
        for s, e in zip(spans["start_utc"], spans["end_utc"], strict=True)
    ] == [
        ("2024-05-02T06:00:00+00:00", "2024-05-02T06:55:00+00:00"),
        ("2024-05-02T10:30:00+00:00", "2024-05-02T10:32:00+00:00"),
    ]


def test_statuses_are_the_documented_ones() -> None:
    assert daily.STATUSES == ("met", "below", "low_wear", "no_data")
