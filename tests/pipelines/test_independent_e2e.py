"""Independent end-to-end expectations for the activity side (issue 20 item 3).

A small demo cohort (3 participants, 2 weeks) is ingested through the project's use cases
(``tests.support.cohort.ingested_cohort``). Then, without any code from ``ingest/`` or
``pipelines/``, every FIT file is decoded with ``fitparse`` directly and each participant's
local days are worked out from the rule text in docs/rules.md:

* sessions per category from sport / sub_sport (and the name for the unspecific training
  sport) — only the codes the demo writes, and the test asserts that set;
* walking minutes: walking sessions credit each UTC minute they cover with
  ``covered share × timer time ÷ elapsed time``; monitoring step readings (1-minute
  readings here) give per-minute steps (an increment belongs to the interval since the
  device's previous reading of any counter, capped at 60 minutes, spread evenly with the
  remainder in the latest minutes); minutes with ≥ 60 steps at ≤ 2-minute resolution are
  walking minutes, joined into bouts across ≤ 2 pause minutes, counted when the span is
  ≥ 10 minutes; bout minutes touched by any recorded session are not counted again;
* a minute's local day from the offset its own file states (activity:
  ``local_timestamp − timestamp``; monitoring: ``monitoring_info``);
* met at ≥ 30 minutes; weekly adherence ⌊7 ÷ 2⌋ = 3 met days per complete program week,
  min(…, 1), averaged.

These are compared with the pipeline's ``days`` table and ``report.build``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import fitparse
import pytest

from pipelines.app.participants import load_participant
from pipelines.rules import report
from pipelines.schemas import DAYS
from tests.support.cohort import ingested_cohort

PARTICIPANTS, WEEKS = 3, 2
MIN_MINUTES, EVERY_N_DAYS, MIN_BOUT, MAX_PAUSE = 30, 2, 10, 2
CATEGORIES = ("walking", "strength", "pilates", "yoga", "tai_chi", "other")
FIT_EPOCH = datetime(1989, 12, 31)
MINUTE = timedelta(minutes=1)

# fitparse names for the FIT codes of the taxonomy table (docs/rules.md)
WALKING_SPORTS = {"walking", "hiking"}  # 11, 17
WALKING_SUB_SPORTS = {"indoor_walking", "casual_walking", "speed_walking"}  # 27, 30, 31
UNSPECIFIC_SPORTS = {"generic", "fitness_equipment", "training"}  # 0, 4, 10
TAI_CHI_NAMES = ("tai chi", "taiji", "qigong")


def category(sport: str, sub_sport: str, name: str) -> str:
    if sport in WALKING_SPORTS or sub_sport in WALKING_SUB_SPORTS:
        return "walking"
    if sport in {"training", "fitness_equipment"} and sub_sport == "strength_training":
        return "strength"  # 10/20, 4/20
    if sub_sport == "pilates":  # 44
        return "pilates"
    if sub_sport == "yoga":  # 43
        return "yoga"
    if sport in UNSPECIFIC_SPORTS and any(word in name.lower() for word in TAI_CHI_NAMES):
        return "tai_chi"
    return "other"


@dataclass(frozen=True)
class Session:
    start: datetime  # UTC, naive
    end: datetime
    timer_s: float
    elapsed_s: float
    offset: timedelta
    category: str
    codes: tuple[str, str, str]


def read_session(path: Path) -> Session:
    messages = list(fitparse.FitFile(str(path)).get_messages())
    sessions = [m.get_values() for m in messages if m.name == "session"]
    activity = [m.get_values() for m in messages if m.name == "activity"]
    assert len(sessions) == 1 and len(activity) == 1, path
    s, a = sessions[0], activity[0]
    name = str(s.get("unknown_110") or "")  # the session name (field 110, not in fitparse 2019)
    elapsed = float(s["total_elapsed_time"])
    start = s["start_time"]
    return Session(
        start=start,
        end=start + timedelta(seconds=elapsed),
        timer_s=float(s.get("total_moving_time") or s["total_timer_time"]),
        elapsed_s=elapsed,
        offset=a["local_timestamp"] - a["timestamp"],
        category=category(str(s["sport"]), str(s["sub_sport"]), name),
        codes=(str(s["sport"]), str(s["sub_sport"]), name),
    )


def fit_seconds(moment: datetime) -> int:
    return int((moment - FIT_EPOCH).total_seconds())


def read_monitoring(path: Path) -> tuple[timedelta, dict[datetime, tuple[int, int]]]:
    """(the file's UTC offset, {UTC minute: (steps, resolution_s)}) of one monitoring file."""
    offset: timedelta | None = None
    last_full: int | None = None
    current: int | None = None  # the latest reading's instant
    prior: int | None = None  # the latest instant before it
    counters: dict[str, int] = {}
    minutes: dict[datetime, tuple[int, int]] = {}
    for message in fitparse.FitFile(str(path)).get_messages():
        values = message.get_values()
        if message.name == "monitoring_info":
            offset = values["local_timestamp"] - values["timestamp"]
        if message.name != "monitoring":
            continue
        if values.get("timestamp") is not None:
            instant = last_full = fit_seconds(values["timestamp"])
        else:
            assert last_full is not None
            instant = last_full + ((values["timestamp_16"] - (last_full & 0xFFFF)) & 0xFFFF)
        kind = values["activity_type"]
        if current is None or instant > current:
            prior, current = current, instant
        interval_start = prior  # the device's previous reading of any counter
        if kind not in ("walking", "running"):
            continue
        value = int(values["steps"])
        before = counters.get(kind)
        counters[kind] = value
        increment = value if before is None or value < before else value - before
        if increment == 0:
            continue
        assert interval_start is not None and interval_start < instant, (path, instant)
        interval_start = max(interval_start, instant - 3600)
        length = instant - interval_start
        assert length % 60 == 0 and interval_start % 60 == 0, (path, instant)  # minute-aligned
        count = length // 60
        base, remainder = divmod(increment, count)
        for i in range(count):
            minute = FIT_EPOCH + timedelta(seconds=interval_start + 60 * i)
            steps = base + (1 if i >= count - remainder else 0)
            old_steps, old_res = minutes.get(minute, (0, 0))
            minutes[minute] = (old_steps + steps, max(old_res, length))
    assert offset is not None, path
    return offset, minutes


@dataclass
class Expected:
    walking: dict[date, float]
    sessions: dict[date, dict[str, int]]
    codes: set[tuple[str, str, str]]


def expected_days(folder: Path) -> Expected:
    sessions = [read_session(path) for path in sorted(folder.glob("activities/*.fit"))]
    ordered = sorted(sessions, key=lambda s: s.start)
    for first, second in pairwise(ordered):
        assert second.start >= first.end, "overlapping sessions: dedupe not modelled here"
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CATEGORIES, 0))
    for s in sessions:
        per_day[(s.start + s.offset).date()][s.category] += 1

    credit: dict[datetime, tuple[float, timedelta]] = {}  # UTC minute -> (credit, offset)
    touched: set[datetime] = set()
    for s in sessions:
        minute = s.start.replace(second=0, microsecond=0)
        while minute < s.end:
            touched.add(minute)
            if s.category == "walking":
                covered = (min(minute + MINUTE, s.end) - max(minute, s.start)).total_seconds()
                value = covered / 60 * s.timer_s / s.elapsed_s
                credit[minute] = (max(value, credit.get(minute, (0.0, s.offset))[0]), s.offset)
            minute += MINUTE

    steps: dict[datetime, tuple[int, int, timedelta]] = {}
    for path in sorted(folder.glob("monitoring/*.fit")):
        offset, minutes = read_monitoring(path)
        for minute, (count, resolution) in minutes.items():
            assert minute not in steps, "one device, one file per minute in the demo"
            steps[minute] = (count, resolution, offset)
    walking_minutes = sorted(
        m for m, (count, res, _) in steps.items() if count >= 60 and res <= 120
    )
    bouts: list[list[datetime]] = []
    for minute in walking_minutes:
        if bouts and (minute - bouts[-1][-1]) <= MINUTE * (MAX_PAUSE + 1):
            bouts[-1].append(minute)
        else:
            bouts.append([minute])
    for bout in bouts:
        if (bout[-1] - bout[0]) + MINUTE < MINUTE * MIN_BOUT:
            continue
        for minute in bout:
            if minute not in touched:
                credit[minute] = (1.0, steps[minute][2])

    walking: dict[date, float] = defaultdict(float)
    for minute, (value, offset) in credit.items():
        walking[(minute + offset).date()] += value
    return Expected(walking, per_day, {s.codes for s in sessions})


def test_every_demo_day_matches_figures_decoded_and_computed_independently(
    tmp_path: Path,
) -> None:
    store, ids = ingested_cohort(tmp_path, participants=PARTICIPANTS, weeks=WEEKS)
    assert ids == ["p01", "p02", "p03"]
    all_codes: set[tuple[str, str, str]] = set()
    categories_seen: set[str] = set()
    met_seen: set[bool] = set()
    step_only_days = 0
    for pid in ids:
        expected = expected_days(tmp_path / "input" / pid)
        all_codes |= expected.codes
        categories_seen |= {c for day in expected.sessions.values() for c in day if day[c]}
        step_only_days += sum(1 for d in expected.walking if d not in expected.sessions)
        days = store.read(DAYS, [pid]).set_index("date")
        p = load_participant(store, pid)
        target = (p.target.min_minutes, p.target.every_n_days, p.target.min_bout_minutes)
        assert target == (MIN_MINUTES, EVERY_N_DAYS, MIN_BOUT)
        # every day the independent decoding finds has a row
        assert set(expected.walking) | set(expected.sessions) <= set(days.index), pid
        met: dict[date, bool] = {}
        for day, row in days.iterrows():
            minutes = expected.walking.get(day, 0.0)
            assert row["walking_minutes"] == pytest.approx(minutes, abs=0.1), (pid, day)
            counts = expected.sessions.get(day, dict.fromkeys(CATEGORIES, 0))
            got = {c: int(row[f"sessions_{c}"]) for c in CATEGORIES}
            assert got == counts, (pid, day)
            met[day] = minutes >= MIN_MINUTES
            assert bool(row["met"]) is met[day], (pid, day, minutes)
            met_seen.add(met[day])

        built = report.build(p, store.read(DAYS, [pid]))
        start = date.fromisoformat(built["range"]["start"])
        end = date.fromisoformat(built["range"]["end"])
        program_start = p.target.program_start
        assert program_start is not None and start == program_start, pid
        weekly_target = max(1, 7 // EVERY_N_DAYS)
        ratios = []
        week = program_start
        while week + timedelta(days=6) <= end:
            met_days = sum(met.get(week + timedelta(days=i), False) for i in range(7))
            ratios.append(min(met_days / weekly_target, 1.0))
            week += timedelta(days=7)
        assert ratios, pid
        hand = sum(ratios) / len(ratios)
        assert built["adherence"]["ratio"] == pytest.approx(hand, abs=5e-5), pid  # 4 decimals

    # not vacuous: met and unmet days, walking from step bouts alone, every training kind
    assert met_seen == {True, False}
    assert step_only_days >= 3
    assert categories_seen == {"walking", "strength", "pilates", "yoga", "tai_chi"}
    # the demo's FIT codes, each mapped above from the taxonomy table
    assert {(sport, sub) for sport, sub, _ in all_codes} == {
        ("walking", "generic"),
        ("walking", "casual_walking"),
        ("walking", "speed_walking"),
        ("hiking", "generic"),
        ("training", "strength_training"),
        ("fitness_equipment", "pilates"),
        ("training", "yoga"),
        ("training", "generic"),
    }
