"""The rules' weak spots (issue 20), each at its boundary, from docs/rules.md — not from the code.

Each test here was seen to fail with the bug it names applied to the rule code (the commit
message that added it lists them). Expected figures are worked out by hand in the comments.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from demo import fitwriter
from ingest.fit import parse_fit
from ingest.records import DiaryEntry, StepInterval
from pipelines import schemas
from pipelines.config import Target
from pipelines.rules import diary, joined, report, steps, taxonomy, timeline
from pipelines.rules.participants import Participant
from pipelines.schemas import DAILY
from tests.support.pdf import pdf_text
from tests.support.rules import PHONE, WATCH, day, days, session_rows, step_run, utc, walk

# ------------------------------------------------------------------ brisk: ≥ 100 steps/min


@pytest.mark.parametrize(("spm", "brisk"), [(100, 10.0), (99, 0.0)])
def test_brisk_from_step_minutes_starts_at_exactly_100_steps_per_minute(
    spm: int, brisk: float
) -> None:
    # 10 one-minute readings at `spm`: a 10-minute bout (≥ 60 steps/min), brisk at ≥ 100
    row = day(days(intervals=step_run("2024-05-02T08:00:00", 10, spm)), "2024-05-02")
    assert (row["walking_minutes"], row["brisk_walking_minutes"]) == (10.0, brisk)


@pytest.mark.parametrize(("walk_steps", "brisk"), [(2000, 20.0), (1980, 0.0)])
def test_brisk_from_a_sessions_average_cadence_starts_at_exactly_100(
    walk_steps: int, brisk: float
) -> None:
    # a recorded 20-minute walk without step minutes: 2000 steps = 100/min, 1980 = 99/min
    row = day(days([walk("2024-05-02T08:00:00", 20, steps=walk_steps)]), "2024-05-02")
    assert (row["walking_minutes"], row["brisk_walking_minutes"]) == (20.0, brisk)


# ------------------------------------------------------- overlapping distinct walks: union


def test_two_overlapping_distinct_walks_count_their_union_once() -> None:
    # 08:00–08:30 (watch) and 08:20–09:00 (phone) overlap 10 min — not more than half of the
    # shorter (15 min), so two walks; their minutes are the union 08:00–09:00 = 60, not 30 + 40
    frame = days(
        [
            walk("2024-05-02T08:00:00", 30, device=WATCH),
            walk("2024-05-02T08:20:00", 40, device=PHONE, index=1),
        ]
    )
    row = day(frame, "2024-05-02")
    assert row["sessions_walking"] == 2
    assert row["walking_minutes"] == 60.0


# ------------------------------------------------- step bouts inside a non-walking session


def test_step_bouts_during_a_pilates_session_are_not_walking() -> None:
    # Pilates (Garmin 4/44) 08:00–08:45 and 20 minutes at 110 steps/min inside it: "bout
    # minutes covered by any recorded session are not counted again" — Pilates is not walking
    pilates = walk("2024-05-02T08:00:00", 45, sport=4, sub_sport=44)
    frame = days([pilates], step_run("2024-05-02T08:05:00", 20, 110))
    row = day(frame, "2024-05-02")
    assert (row["sessions_pilates"], row["sessions_walking"]) == (1, 0)
    assert (row["walking_minutes"], row["bout_walking_minutes"]) == (0.0, 0.0)
    assert row["steps"] == 20 * 110  # the steps still count as steps


# ------------------------------------------------- a reading's steps spread over its minutes


def _reading(start: str, minutes: int, count: int) -> StepInterval:
    t0 = utc(start)
    return StepInterval(t0, t0 + timedelta(minutes=minutes), count, WATCH, 6, 3600)


@pytest.mark.parametrize(
    ("minutes", "count", "expected"),
    [
        (2, 119, [59, 60]),  # 119 = 2 × 59 + 1: the remainder in the latest minute
        (3, 100, [33, 33, 34]),
        (4, 10, [2, 2, 3, 3]),  # remainder 2: the latest two minutes
        (2, 120, [60, 60]),
    ],
)
def test_a_readings_steps_are_spread_evenly_with_the_remainder_in_the_latest_minutes(
    minutes: int, count: int, expected: list[int]
) -> None:
    table = steps.step_minutes("p1", "f" * 64, [_reading("2024-05-02T08:00:00", minutes, count)])
    assert table["minute_utc"].tolist() == [
        pd.Timestamp(utc("2024-05-02T08:00:00")) + pd.Timedelta(minutes=i) for i in range(minutes)
    ]
    assert table["steps"].tolist() == expected
    assert set(table["resolution_s"]) == {minutes * 60}


def test_two_minute_readings_spread_give_walking_minutes_in_both_minutes() -> None:
    # 5 readings of 2 min × 121 steps: 60 + 61 per reading, every minute ≥ 60 at 120 s
    # resolution → a 10-minute bout. Unspread (121, 0) it would be 5 minutes, span 9: nothing.
    readings = [_reading(f"2024-05-02T08:{2 * i:02d}:00", 2, 121) for i in range(5)]
    row = day(days(intervals=readings), "2024-05-02")
    assert (row["walking_minutes"], row["brisk_walking_minutes"], row["steps"]) == (10.0, 0, 605)


# ------------------------------------------------ the UTC offset per instant (DST in a series)


def test_the_zones_offset_is_taken_per_instant_across_a_dst_change() -> None:
    # Europe/Berlin, 2024-03-31 01:00 UTC: +1 → +2. No offset in the file.
    instants = pd.Series(pd.to_datetime(["2024-03-31T00:30:00Z", "2024-03-31T22:30:00Z"]))
    stated = pd.Series([None, None], dtype="Int64")
    offsets = timeline.offsets_s(instants, stated, "Europe/Berlin")
    assert offsets.tolist() == [3600, 7200]  # 01:30 CET, 00:30 CEST next day
    local = instants.dt.tz_localize(None) + pd.to_timedelta(offsets, unit="s")
    assert [(t.date().isoformat(), t.hour) for t in local] == [
        ("2024-03-31", 1),
        ("2024-04-01", 0),
    ]
    dates = timeline.local_dates(instants, stated, "Europe/Berlin")
    assert [d.isoformat() for d in dates] == ["2024-03-31", "2024-04-01"]


@pytest.mark.parametrize(
    ("before_utc", "after_utc", "before_day", "after_day"),
    [
        # spring: 00:30 UTC = 01:30 CET on the 31st; 22:30 UTC = 00:30 CEST on 1 April
        ("2024-03-31T00:30:00", "2024-03-31T22:30:00", "2024-03-31", "2024-04-01"),
        # autumn: 22:30 UTC on 26 Oct = 00:30 CEST on the 27th (with the later +1 it would
        # be 23:30 on the 26th); 23:30 UTC on the 27th = 00:30 CET on the 28th
        ("2024-10-26T22:30:00", "2024-10-27T23:30:00", "2024-10-27", "2024-10-28"),
    ],
)
def test_step_minutes_before_and_after_a_dst_change_land_on_their_local_days(
    before_utc: str, after_utc: str, before_day: str, after_day: str
) -> None:
    # one file without an offset holding two 10-minute walks (110 steps/min), one on each
    # side of the change: each is 10 walking minutes on its own local day
    readings = step_run(before_utc, 10, 110, offset_h=None) + step_run(
        after_utc, 10, 110, offset_h=None
    )
    frame = days(intervals=readings, tz="Europe/Berlin")
    assert day(frame, before_day)["walking_minutes"] == 10.0
    assert day(frame, after_day)["walking_minutes"] == 10.0
    assert frame["walking_minutes"].sum() == 20.0


# ----------------------------------------------------- duplicate sessions: the threshold


@pytest.mark.parametrize(
    ("second_start", "overlap_min", "same_activity"),
    [
        ("2024-05-02T08:14:00", 16, True),  # more than half of the shorter (30 min)
        ("2024-05-02T08:15:00", 15, False),  # exactly half: not "more than half"
        ("2024-05-02T08:16:00", 14, False),  # just below half
        ("2024-05-02T08:27:00", 3, False),  # 10 % of the shorter
    ],
)
def test_sessions_are_the_same_activity_only_above_half_the_shorter_ones_overlap(
    second_start: str, overlap_min: int, same_activity: bool
) -> None:
    # watch 08:00–08:30 and phone second_start + 30 min: overlap = 30 − offset minutes
    rows = session_rows(
        [
            walk("2024-05-02T08:00:00", 30, device=WATCH),
            walk(second_start, 30, device=PHONE, index=1),
        ]
    )
    assert rows["duplicate_of"].notna().sum() == (1 if same_activity else 0), overlap_min
    row = day(
        days(
            [
                walk("2024-05-02T08:00:00", 30, device=WATCH),
                walk(second_start, 30, device=PHONE, index=1),
            ]
        ),
        "2024-05-02",
    )
    # one walk: the kept recording's 30 minutes; two: their union 30 + (30 − overlap)
    assert row["sessions_walking"] == (1 if same_activity else 2)
    assert row["walking_minutes"] == (30.0 if same_activity else 60.0 - overlap_min)


@pytest.mark.parametrize("longer_first", [True, False])
def test_of_two_recordings_of_one_walk_the_longer_moving_time_is_kept(longer_first: bool) -> None:
    # the same 40-minute walk as two FIT files: 25 and 32 minutes moving → 32 counts
    short = walk("2024-05-02T08:00:00", 40, moving=25, device=WATCH, index=0)
    long = walk("2024-05-02T08:00:00", 40, moving=32, device=PHONE, index=1)
    records = [long, short] if longer_first else [short, long]
    rows = session_rows(records)
    kept = rows[rows["duplicate_of"].isna()]
    assert kept["moving_s"].tolist() == [32 * 60]
    row = day(days(records), "2024-05-02")
    assert (row["sessions_walking"], row["walking_minutes"]) == (1, 32.0)


# ------------------------------------------------------ FIT: session rebuilt from records


def _without_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer leaves out lap and session messages (a file cut off before them, say)."""
    add = fitwriter._FitStream.add

    def add_but_no_session(self: fitwriter._FitStream, message: object, kind: str) -> None:
        if kind not in ("lap", "session"):
            add(self, message, kind)  # type: ignore[arg-type]

    monkeypatch.setattr(fitwriter._FitStream, "add", add_but_no_session)


def test_a_session_rebuilt_from_records_reads_the_sub_sport_of_the_sport_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # fitness equipment (4) / indoor walking (27), no session message: sport and sub_sport
    # come from the sport message (fields 0 and 1); taxonomy: sub_sport 27 is walking
    _without_session(monkeypatch)
    data = fitwriter.activity_file(
        start_utc=utc("2024-05-02T08:00:00"), elapsed_s=1200, sport=4, sub_sport=27
    )
    parsed = parse_fit(data)
    assert parsed.warnings and "session reconstructed from" in parsed.warnings[0]
    [session] = parsed.sessions
    assert (session.sport, session.sub_sport) == (4, 27)
    assert taxonomy.categorize(session.sport, session.sub_sport) == "walking"
    row = day(days([session]), "2024-05-02")
    assert (row["sessions_walking"], row["sessions_other"]) == (1, 0)


@pytest.mark.parametrize(("sport", "sub_sport"), [(4, 27), (0, 27), (10, 27)])
def test_indoor_walking_sub_sport_is_walking_whatever_the_sport(sport: int, sub_sport: int) -> None:
    # docs/rules.md: walking = … sub_sport 27 indoor walking (with any sport)
    data = fitwriter.activity_file(
        start_utc=utc("2024-05-02T08:00:00"), elapsed_s=1200, sport=sport, sub_sport=sub_sport
    )
    [session] = parse_fit(data).sessions
    assert (session.sport, session.sub_sport) == (sport, sub_sport)
    assert taxonomy.categorize(sport, sub_sport) == "walking"
    assert day(days([session]), "2024-05-02")["walking_minutes"] == 20.0


# ---------------------------------------------------------- the report's pain baseline

START = date(2024, 5, 10)


def _joined(entries: list[DiaryEntry], program_start: date | None) -> pd.DataFrame:
    """The days table of p1: a 20-minute walk each day from the start, and the diary."""
    records = [walk(f"{START + timedelta(i):%Y-%m-%d}T08:00:00", 20, index=i) for i in range(21)]
    activity = schemas.coerce(DAILY, days(records).assign(participant="p1"))
    per_day = diary.per_day(diary.entries_frame("p1", entries, source="file"))
    return joined.join("p1", activity, per_day, program_start)


def _entry(on: date, pain: float, **kw: object) -> DiaryEntry:
    return DiaryEntry(row=2, date=on, pain=pain, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("program_start", "baseline"), [(START, 80.0), (None, 54.3)])
def test_the_reports_pain_baseline_starts_at_the_program_start(
    program_start: date | None, baseline: float
) -> None:
    # pain 80 on the 5 days before the program start (diary kept before it began), 40 on
    # every day from it. With the start set, the 14 days before it hold 5 entries (≥ 4, issue
    # 16): baseline = their mean = 80. Without a program start the start is the first diary
    # day (5 May), the 14 days before it hold none, so the first 14 program days count:
    # 5 × 80 + 9 × 40 over 14 days = 760 / 14 = 54.29 → 54.3
    entries = [_entry(START - timedelta(days=k), 80) for k in range(1, 6)]
    entries += [_entry(START + timedelta(days=k), 40) for k in range(21)]
    frame = _joined(entries, program_start)
    person = Participant("p1", "Europe/Berlin", Target(program_start=program_start))
    built = report.build(person, frame, START, START + timedelta(days=20))
    assert built["pain"]["baseline"] == baseline


# ----------------------------------------------- the clinician PDF's painkiller warning

WARNING = "(more than 14 days: please review)"


@pytest.mark.parametrize(("run_days", "warned"), [(20, True), (5, False)])
def test_the_clinician_pdf_shows_the_painkiller_warning_when_the_run_is_long(
    run_days: int, warned: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a diary with pain 40 every day for 21 days; painkillers "yes" on the last `run_days`
    # days and "no" before: a run of 20 days is > 14 → warning; 5 → none
    from dashboards import i18n, pdf_report

    entries = [
        _entry(START + timedelta(days=k), 40, painkiller=k >= 21 - run_days) for k in range(21)
    ]
    frame = _joined(entries, START)
    person = Participant("p1", "Europe/Berlin", Target(program_start=START))
    built = report.build(person, frame, START, START + timedelta(days=20))
    monkeypatch.setattr(i18n, "_fallback", "en")
    text = pdf_text(pdf_report.build(built, [], START + timedelta(days=21)))
    assert "Clinician report" in text  # the extraction reads the page
    # the run in calendar days from its first to its last "yes" (issue 16)
    assert f"Painkillers: run over {run_days} day(s)" in text
    assert (WARNING in text) is warned
