"""A deterministic demo cohort of FIT files: walks, studio sessions and daily step counts.

``generate_cohort(out_dir)`` writes (existing files of the same name are overwritten;
start from an empty folder for a clean cohort)::

    out_dir/cohort.json                                   the participants (id, group, tz,
                                                          program_start, profile)
    out_dir/<id>/activities/<local start>.fit             one recorded session each, named
                                                          YYYY-MM-DD-HH-MM-SS (local time)
    out_dir/p07/garmin-export.zip                         p07 only, instead of activities/:
      DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1/demo-p07@example.org_<n>.fit
    out_dir/<id>/monitoring/<local date>.fit              one per worn local day

Every participant-day is simulated as a minute-level step log in UTC. Recorded sessions
add their steps to it (100-120 steps/min while walking, a few during a pause); unrecorded
brisk walks (8-40 min at 100-120 steps/min, only in the step data) and low-cadence
background bursts fill the rest of the waking day. Each worn local day then becomes one
monitoring file with that day's minutes, so a walk across local midnight lands in two
files. Unworn days have no file at all. Activity records come every 10 s.

Scripted for every participant, so that even small cohorts show them: one late walk
(23:30-23:48 local, 25-45 min) that crosses local midnight and one unworn day in the
first week; ``steady`` participants also hike on their first weekend day. Programs start
on different weekdays (start + 0..6 days). Profiles:

* ``steady``: walks on most of the every-other days the program asks for.
* ``drifting``: like steady, but walks get rarer and shorter and the watch stays off more
  often as the weeks go by.
* ``weekend``: walks at weekends, rarely on weekdays. ``gaps``: runs of 2-5 unworn days.
* ``studio``: strength (training/strength_training, Mon), Pilates (fitness_equipment/
  pilates, Tue), Yoga (training/yoga, Thu), Tai Chi or Qigong (training/generic, named,
  Sat), plus some walks.
* ``traveller``: as steady, but from a third of the way in spends up to 2 weeks in
  America/New_York; those days' files carry the New York offset. Flying home, the first
  Berlin day starts where the last New York day ended (06:00 local).

Europe/Berlin leaves summer time on 2026-10-25, inside the fixed cohort's default 12 weeks.

**Live mode** (``end=``, what ``backtrack-demo`` uses by default: the day before today). The
cohort then ends on ``end``: the earliest program start is ``end - weeks × 7 + 1``, the
others start 0..6 days later as above, and each participant's data runs from their program
start to ``end`` inclusive (so a later start means fewer days; the profiles' drift, travel and
gaps scale with each person's own days). It adds what a coach sees on a live Group page:

* everyone's watch synced on ``end`` (that day is worn), so the last day with data is
  ``end`` — except ``NOT_SYNCING_PARTICIPANT`` (p05): their watch has not synced for the last
  ``NOT_SYNCED_DAYS`` (9) days, ``end - 8`` … ``end``: no file at all for those days (and no
  diary entries, ``demo.diaries``); ``end - 9`` is worn, their last day with data. p05
  starts 5 days after the earliest start, so ``end`` is day 2 of a program week and the
  last complete program week (``end - 8`` … ``end - 2``) lies wholly in those days: the
  ``no_data`` alert (9 days as of ``end``) and ``low_adherence`` 0 "not worn / not synced".
* ``DROPPING_OFF_PARTICIPANT`` (p02, ``drifting``) has dropped off in the last
  ``DROP_OFF_DAYS`` (21) days: the watch is worn as a ``steady`` one's and all day long
  (a few slow steps in every half hour from waking to bedtime, so the rules see well over
  10 hours of wear), but no walk is recorded and there is at most one unrecorded brisk walk
  a day, of at most 15 minutes — no day reaches the 30 walking minutes, so the 14 days up
  to ``end`` score adherence 0 with the device worn: ``low_adherence`` "inactive".
  (Meanwhile their painkiller run is still going on ``end``: ``painkiller_run``,
  ``demo.diaries``.)
* p01 (``steady``) raises no alert, and their pain improves (``demo.diaries``).

Without ``end`` (``start=``, default 2026-08-31) nothing of this applies and the bytes are
those of the fixed cohort.
"""

from __future__ import annotations

import bisect
import json
import random
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from demo import fitwriter

__all__ = [
    "DROPPING_OFF_PARTICIPANT",
    "DROP_OFF_DAYS",
    "NOT_SYNCED_DAYS",
    "NOT_SYNCING_PARTICIPANT",
    "DemoParticipant",
    "first_program_start",
    "generate_cohort",
    "program_days",
    "synced_days",
    "write_export",
]

HOME_TZ = "Europe/Berlin"
TRAVEL_TZ = "America/New_York"
PROFILES = (
    "steady",
    "drifting",
    "studio",
    "traveller",
    "weekend",
    "gaps",
    "steady",
    "drifting",
    "weekend",
    "steady",
    "gaps",
    "drifting",
)
EXPORT_ZIP_PARTICIPANT = "p07"
EXPORT_ZIP_FOLDER = "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1"
DEMO_RECORD_INTERVAL_S = 10
DEFAULT_START = date(2026, 8, 31)
NOT_SYNCING_PARTICIPANT = "p05"  # live mode: no data for the last NOT_SYNCED_DAYS days
NOT_SYNCED_DAYS = 9
DROPPING_OFF_PARTICIPANT = "p02"  # live mode: has stopped walking in the last DROP_OFF_DAYS
DROP_OFF_DAYS = 21
DROPPED_LONGEST_BRISK_MIN = 15

SPORT_FITNESS_EQUIPMENT, SPORT_TRAINING, SPORT_WALKING, SPORT_HIKING = 4, 10, 11, 17
SUB_GENERIC, SUB_STRENGTH, SUB_YOGA, SUB_PILATES = 0, 20, 43, 44
SUB_INDOOR_WALKING, SUB_CASUAL_WALKING, SUB_SPEED_WALKING = 27, 30, 31
OUTDOOR_WALK = (SUB_GENERIC, "Walk")
WALK_SUB_SPORTS = (
    OUTDOOR_WALK,
    OUTDOOR_WALK,
    OUTDOOR_WALK,
    (SUB_CASUAL_WALKING, "Walk"),
    (SUB_SPEED_WALKING, "Walk"),
    (SUB_INDOOR_WALKING, "Indoor Walk"),
)
# weekday (Mon=0) -> (sport, sub_sport, name) of the studio participant's classes
STUDIO_CLASSES = {
    0: (SPORT_TRAINING, SUB_STRENGTH, "Strength"),
    1: (SPORT_FITNESS_EQUIPMENT, SUB_PILATES, "Pilates"),
    3: (SPORT_TRAINING, SUB_YOGA, "Yoga"),
    5: (SPORT_TRAINING, SUB_GENERIC, "Tai Chi"),
}


@dataclass(frozen=True)
class DemoParticipant:
    """One demo participant, as listed in cohort.json."""

    id: str
    group: str
    tz: str  # home time zone (IANA)
    program_start: date
    profile: str


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class _Day:
    """One local day of one participant and the UTC window its monitoring file covers."""

    index: int  # days since program start
    local_date: date
    tz: ZoneInfo
    window_start: datetime  # UTC; local midnight, or the previous window's end if later
    window_end: datetime  # UTC; next local midnight

    def at(self, hour: int, minute: int, second: int = 0) -> datetime:
        """A local wall-clock time on this day, as UTC."""
        local = datetime.combine(self.local_date, time(hour, minute, second), tzinfo=self.tz)
        return local.astimezone(UTC)

    def offset_s(self, instant: datetime) -> int:
        offset = instant.astimezone(self.tz).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    @property
    def weekend(self) -> bool:
        return self.local_date.weekday() >= 5


@dataclass(frozen=True)
class _Activity:
    """A recorded session: what becomes one activity file."""

    start_utc: datetime
    elapsed_s: int
    moving_s: int
    sport: int
    sub_sport: int
    name: str
    distance_m: float | None
    steps: int | None
    utc_offset_s: int


@dataclass
class _StepLog:
    """Steps per UTC minute, and which minutes a walk or session already occupies."""

    steps: dict[datetime, int] = field(default_factory=dict)
    busy: set[datetime] = field(default_factory=set)

    def is_free(self, start: datetime, seconds: int) -> bool:
        return not any(minute in self.busy for minute in _minutes(start, seconds))

    def add_bout(self, rng: random.Random, start: datetime, seconds: int, spm: float) -> int:
        """Steady stepping at ``spm`` steps/min for ``seconds``; returns the steps added."""
        total = 0
        end = start + timedelta(seconds=seconds)
        for minute in _minutes(start, seconds):
            overlap = (min(end, minute + _MINUTE) - max(start, minute)).total_seconds()
            count = max(0, round((spm + rng.uniform(-4.0, 4.0)) * overlap / 60.0))
            self.steps[minute] = self.steps.get(minute, 0) + count
            self.busy.add(minute)
            total += count
        return total


_MINUTE = timedelta(minutes=1)


def _minutes(start: datetime, seconds: int) -> Iterator[datetime]:
    """The UTC minutes that ``[start, start + seconds)`` touches."""
    minute = start.replace(second=0, microsecond=0)
    end = start + timedelta(seconds=seconds)
    while minute < end:
        yield minute
        minute += _MINUTE


# ------------------------------------------------------------------------ schedule


def _days(participant: DemoParticipant, total_days: int, travel: range) -> list[_Day]:
    home, away = ZoneInfo(participant.tz), ZoneInfo(TRAVEL_TZ)
    days: list[_Day] = []
    for index in range(total_days):
        local_date = participant.program_start + timedelta(days=index)
        tz = away if index in travel else home
        start = datetime.combine(local_date, time(0), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(local_date + timedelta(days=1), time(0), tzinfo=tz)
        if days and days[-1].window_end > start:  # flying west to east: the day starts later
            start = days[-1].window_end
        days.append(_Day(index, local_date, tz, start, end.astimezone(UTC)))
    return days


def _travel_days(profile: str, total_days: int) -> range:
    if profile != "traveller":
        return range(0)
    first = total_days // 3
    return range(first, first + min(14, total_days // 2))


@dataclass(frozen=True)
class _Script:
    """The days every participant has, whatever their luck: for tests and demos."""

    midnight_walk_day: int
    unworn_day: int
    hike_day: int | None

    @property
    def worn_days(self) -> set[int]:
        """Days the scripted events need worn: the midnight walk ends on the next day."""
        days = {self.midnight_walk_day, self.midnight_walk_day + 1}
        return days if self.hike_day is None else days | {self.hike_day}


def _script(rng: random.Random, days: list[_Day], profile: str) -> _Script:
    first_week = [day.index for day in days[1:7]]
    midnight = rng.choice(first_week[:-1] or [0])
    unworn_choices = [i for i in first_week if i not in (midnight, midnight + 1)]
    unworn = rng.choice(unworn_choices) if unworn_choices else -1
    weekend_days = [d.index for d in days if d.weekend and d.index not in (unworn, midnight)]
    hike = weekend_days[0] if profile == "steady" and weekend_days else None
    return _Script(midnight, unworn, hike)


def _progress(day: _Day, total_days: int) -> float:
    return day.index / max(1, total_days - 1)


def _worn(rng: random.Random, profile: str, day: _Day, total_days: int) -> bool:
    chance_off = {
        "steady": 0.03,
        "studio": 0.03,
        "weekend": 0.05,
        "traveller": 0.04,
        "gaps": 0.03,
        "drifting": 0.02 + 0.30 * _progress(day, total_days),
    }[profile]
    return rng.random() >= chance_off


def _gap_blocks(rng: random.Random, total_days: int) -> set[int]:
    """The ``gaps`` profile: a run of 2-5 unworn days roughly every two weeks."""
    unworn: set[int] = set()
    first = rng.randint(8, 14)
    while first < total_days:
        unworn.update(range(first, first + rng.randint(2, 5)))
        first += rng.randint(10, 18)
    return unworn


def _walk_chance(profile: str, day: _Day, total_days: int, travelling: bool) -> float:
    planned = day.index % 2 == 0  # the program asks for a walk every other day
    if profile == "weekend":
        return 0.85 if day.weekend else 0.12
    if profile == "studio":
        return 0.45 if day.local_date.weekday() not in STUDIO_CLASSES else 0.15
    chance = 0.85 if planned else 0.2
    if profile == "drifting":
        chance *= 1.0 - 0.75 * _progress(day, total_days)
    if travelling:
        chance *= 0.7
    return chance


# -------------------------------------------------------------------- day contents


@dataclass(frozen=True)
class _Walker:
    """Per-participant constants."""

    step_length_m: float
    wake: int  # local hour
    sleep: int  # local hour


def _recorded_walk(
    rng: random.Random,
    log: _StepLog,
    day: _Day,
    walker: _Walker,
    start: datetime,
    *,
    moving_s: int,
    pause_s: int = 0,
    hike: bool = False,
    kind: tuple[int, str] | None = None,
) -> _Activity:
    """A walk (or hike) recorded on the watch; its steps go into the step log too."""
    spm = rng.uniform(92.0, 108.0) if hike else rng.uniform(100.0, 120.0)
    elapsed_s = moving_s + pause_s
    pause = fitwriter.pause_window(start_utc=start, elapsed_s=elapsed_s, moving_s=moving_s)
    if pause is None:
        steps = log.add_bout(rng, start, moving_s, spm)
    else:
        steps = log.add_bout(rng, start, int((pause[0] - start).total_seconds()), spm)
        log.add_bout(rng, pause[0], pause_s, rng.uniform(0.0, 6.0))  # standing, chatting
        rest = elapsed_s - int((pause[1] - start).total_seconds())
        steps += log.add_bout(rng, pause[1], rest, spm)
    sub_sport, name = kind or ((SUB_GENERIC, "Hike") if hike else rng.choice(WALK_SUB_SPORTS))
    return _Activity(
        start_utc=start,
        elapsed_s=elapsed_s,
        moving_s=moving_s,
        sport=SPORT_HIKING if hike else SPORT_WALKING,
        sub_sport=sub_sport,
        name=name,
        distance_m=round(steps * walker.step_length_m * rng.uniform(0.95, 1.05), 1),
        steps=steps,
        utc_offset_s=day.offset_s(start),
    )


def _studio_session(
    rng: random.Random, log: _StepLog, day: _Day, start: datetime, kind: tuple[int, int, str]
) -> _Activity:
    sport, sub_sport, name = kind
    if name == "Tai Chi" and rng.random() < 0.3:
        name = "Qigong"
    elapsed_s = rng.randint(20, 60) * 60 + rng.randint(0, 59)
    log.add_bout(rng, start, elapsed_s, rng.uniform(4.0, 12.0))  # a few steps between sets
    return _Activity(
        start_utc=start,
        elapsed_s=elapsed_s,
        moving_s=elapsed_s,
        sport=sport,
        sub_sport=sub_sport,
        name=name,
        distance_m=None,
        steps=None,
        utc_offset_s=day.offset_s(start),
    )


def _random_start(rng: random.Random, day: _Day, first_hour: int, last_hour: int) -> datetime:
    return day.at(rng.randint(first_hour, last_hour), rng.randint(0, 59), rng.randint(0, 59))


def _walk_length_s(rng: random.Random, profile: str, day: _Day, total_days: int) -> int:
    longest = 75.0
    if profile == "drifting":
        longest -= 45.0 * _progress(day, total_days)
    return round(rng.uniform(15.0, longest) * 60)


def _activities_of_day(
    rng: random.Random,
    log: _StepLog,
    participant: DemoParticipant,
    day: _Day,
    walker: _Walker,
    *,
    script: _Script,
    total_days: int,
    travelling: bool,
    dropped: bool = False,
) -> list[_Activity]:
    profile = participant.profile
    activities: list[_Activity] = []
    if profile == "studio" and day.local_date.weekday() in STUDIO_CLASSES and rng.random() < 0.85:
        start = _random_start(rng, day, 9, 18)
        kind = STUDIO_CLASSES[day.local_date.weekday()]
        activities.append(_studio_session(rng, log, day, start, kind))
    if day.index == script.hike_day:
        start = _random_start(rng, day, 9, 11)
        moving = rng.randint(90, 150) * 60
        activities.append(_recorded_walk(rng, log, day, walker, start, moving_s=moving, hike=True))
    elif not dropped and rng.random() < _walk_chance(profile, day, total_days, travelling):
        start = _random_start(rng, day, walker.wake + 1, 19)
        moving = _walk_length_s(rng, profile, day, total_days)
        pause = rng.randint(2, 8) * 60 + rng.randint(0, 59) if rng.random() < 0.25 else 0
        if log.is_free(start, moving + pause):
            walk = _recorded_walk(rng, log, day, walker, start, moving_s=moving, pause_s=pause)
            activities.append(walk)
    if day.index == script.midnight_walk_day:
        start = day.at(23, rng.randint(30, 48), rng.randint(0, 59))
        moving = rng.randint(25, 45) * 60
        late = _recorded_walk(rng, log, day, walker, start, moving_s=moving, kind=OUTDOOR_WALK)
        activities.append(late)
    return activities


def _unrecorded_walks(
    rng: random.Random, log: _StepLog, day: _Day, walker: _Walker, *, dropped: bool = False
) -> None:
    """Brisk walks the watch counted but nobody started a recording for (``dropped``: at
    most one, of at most 15 minutes)."""
    count = rng.choice((0, 1)) if dropped else rng.choice((0, 0, 1, 1, 2))
    longest = DROPPED_LONGEST_BRISK_MIN if dropped else 40
    for _ in range(count):
        start = _random_start(rng, day, walker.wake, walker.sleep - 1)
        seconds = rng.randint(8, longest) * 60 + rng.randint(0, 59)
        if log.is_free(start, seconds):
            log.add_bout(rng, start, seconds, rng.uniform(100.0, 120.0))


def _background(rng: random.Random, log: _StepLog, day: _Day, walker: _Walker) -> None:
    """Short low-cadence bursts through the waking day: kitchen, stairs, shops."""
    for _ in range(rng.randint(18, 32)):
        start = _random_start(rng, day, walker.wake, walker.sleep - 1).replace(second=0)
        seconds = rng.randint(1, 6) * 60
        if log.is_free(start, seconds):
            log.add_bout(rng, start, seconds, rng.uniform(8.0, 60.0))


def _pottering(rng: random.Random, log: _StepLog, day: _Day, walker: _Walker) -> None:
    """A few slow steps in every half hour from waking to bedtime: the watch is on all day
    (its step readings are never an hour apart), whoever wears it hardly walks."""
    for slot in range(walker.wake * 60, walker.sleep * 60, 30):
        minute = slot + rng.randint(0, 20)
        start = day.at(minute // 60, minute % 60)
        seconds = rng.randint(1, 3) * 60
        if log.is_free(start, seconds):
            log.add_bout(rng, start, seconds, rng.uniform(8.0, 40.0))


# ---------------------------------------------------------------------- simulation


@dataclass
class _Simulation:
    """Everything one participant's files are made from."""

    days: list[_Day]
    worn: list[_Day]
    activities: list[_Activity]
    log: _StepLog


def _simulate(
    participant: DemoParticipant,
    rng: random.Random,
    total_days: int,
    last_synced: int | None = None,
    dropped_from: int | None = None,
) -> _Simulation:
    """``last_synced`` (live mode): the index of the last day that reaches the files — worn
    whatever the luck; later days have none. From ``dropped_from`` on the participant has
    dropped off (the module doc)."""
    travel = _travel_days(participant.profile, total_days)
    days = _days(participant, total_days, travel)
    script = _script(rng, days, participant.profile)
    walker = _Walker(
        step_length_m=rng.uniform(0.62, 0.78), wake=rng.randint(6, 7), sleep=rng.randint(22, 23)
    )
    gaps = _gap_blocks(rng, total_days) if participant.profile == "gaps" else set()
    log = _StepLog()
    worn: list[_Day] = []
    activities: list[_Activity] = []
    for day in days:
        if last_synced is not None and day.index > last_synced:
            break
        must_wear = day.index in script.worn_days or day.index == last_synced
        unworn = day.index == script.unworn_day or day.index in gaps
        dropped = dropped_from is not None and day.index >= dropped_from
        wearing = "steady" if dropped else participant.profile
        if not must_wear and (unworn or not _worn(rng, wearing, day, total_days)):
            continue
        worn.append(day)
        activities += _activities_of_day(
            rng,
            log,
            participant,
            day,
            walker,
            script=script,
            total_days=total_days,
            travelling=day.index in travel,
            dropped=dropped,
        )
        _unrecorded_walks(rng, log, day, walker, dropped=dropped)
        _background(rng, log, day, walker)
        if dropped:
            _pottering(rng, log, day, walker)
    return _Simulation(days, worn, activities, log)


# -------------------------------------------------------------------------- output


def _serial(participant: DemoParticipant) -> int:
    return 3_900_000_000 + int(participant.id.lstrip("p")) * 1000 + 1


def _activity_bytes(activity: _Activity, serial: int, record_interval_s: int) -> bytes:
    return fitwriter.activity_file(
        start_utc=activity.start_utc,
        elapsed_s=float(activity.elapsed_s),
        moving_s=float(activity.moving_s),
        sport=activity.sport,
        sub_sport=activity.sub_sport,
        distance_m=activity.distance_m,
        steps=activity.steps,
        name=activity.name,
        utc_offset_s=activity.utc_offset_s,
        record_interval_s=record_interval_s,
        serial=serial,
    )


def _local_stamp(activity: _Activity) -> str:
    local = activity.start_utc + timedelta(seconds=activity.utc_offset_s)
    return local.strftime("%Y-%m-%d-%H-%M-%S")


def _write_activities(
    folder: Path, activities: list[_Activity], serial: int, record_interval_s: int
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for activity in activities:
        path = folder / f"{_local_stamp(activity)}.fit"
        path.write_bytes(_activity_bytes(activity, serial, record_interval_s))
        paths.append(path)
    return paths


def _write_export_zip(
    path: Path, participant: DemoParticipant, activities: list[_Activity], serial: int
) -> None:
    """Garmin's bulk-export layout: every activity under nested folders, one zip."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for activity in activities:
            activity_id = 20_000_000_000 + fitwriter.fit_seconds(activity.start_utc)
            member = f"{EXPORT_ZIP_FOLDER}/demo-{participant.id}@example.org_{activity_id}.fit"
            local = activity.start_utc + timedelta(seconds=activity.utc_offset_s)
            info = zipfile.ZipInfo(member, date_time=local.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = _activity_bytes(activity, serial, DEMO_RECORD_INTERVAL_S)
            archive.writestr(info, data)


def _write_monitoring(folder: Path, simulation: _Simulation, serial: int) -> list[Path]:
    """One file per worn local day, holding that day's minutes."""
    folder.mkdir(parents=True, exist_ok=True)
    minutes = sorted(item for item in simulation.log.steps.items() if item[1] > 0)
    instants = [minute for minute, _ in minutes]
    paths = []
    for day in simulation.worn:
        first = bisect.bisect_left(instants, day.window_start)
        last = bisect.bisect_left(instants, day.window_end)
        if first == last:
            continue
        data = fitwriter.monitoring_file(
            step_minutes=minutes[first:last],
            utc_offset_s=day.offset_s(day.window_start),
            serial=serial,
        )
        path = folder / f"{day.local_date.isoformat()}.fit"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _participants(
    count: int, start: date, rng: random.Random
) -> list[tuple[DemoParticipant, random.Random]]:
    """Participants with their own random streams, so p01 is the same in any cohort size."""
    people = []
    for index in range(count):
        participant = DemoParticipant(
            id=f"p{index + 1:02d}",
            group="group-a" if index % 2 == 0 else "group-b",
            tz=HOME_TZ,
            program_start=start + timedelta(days=index * 3 % 7),
            profile=PROFILES[index % len(PROFILES)],
        )
        people.append((participant, random.Random(rng.getrandbits(64))))
    return people


def generate_cohort(
    out_dir: Path,
    *,
    seed: int = 7,
    participants: int = 12,
    weeks: int = 12,
    start: date | None = None,
    end: date | None = None,
) -> list[DemoParticipant]:
    """Write the demo cohort under ``out_dir`` (see the module doc); same seed, same bytes.

    Programs start on ``start`` (default 2026-08-31) + 0..6 days and last ``weeks`` × 7 days
    each; or, with ``end`` (the live mode), the data of everyone ends on ``end`` and the
    earliest program start is ``end - weeks × 7 + 1``. Give ``start`` or ``end``, not both.
    """
    out_dir = Path(out_dir)
    first = first_program_start(weeks, start=start, end=end)
    cohort = []
    for participant, rng in _participants(participants, first, random.Random(seed)):
        total_days = program_days(participant, weeks, end)
        last_synced = None if end is None else synced_days(participant, total_days, end) - 1
        dropping = end is not None and participant.id == DROPPING_OFF_PARTICIPANT
        dropped_from = total_days - DROP_OFF_DAYS if dropping else None
        simulation = _simulate(participant, rng, total_days, last_synced, dropped_from)
        home = out_dir / participant.id
        serial = _serial(participant)
        if participant.id == EXPORT_ZIP_PARTICIPANT:
            zip_path = home / "garmin-export.zip"
            _write_export_zip(zip_path, participant, simulation.activities, serial)
        else:
            activities = simulation.activities
            _write_activities(home / "activities", activities, serial, DEMO_RECORD_INTERVAL_S)
        _write_monitoring(home / "monitoring", simulation, serial)
        cohort.append(participant)
    listing = [asdict(p) | {"program_start": p.program_start.isoformat()} for p in cohort]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "cohort.json").write_text(json.dumps(listing, indent=2) + "\n", encoding="utf-8")
    return cohort


def first_program_start(weeks: int, *, start: date | None, end: date | None) -> date:
    """The earliest program start: ``start`` (default 2026-08-31), or ``end - weeks × 7 + 1``
    in the live mode."""
    if start is not None and end is not None:
        raise ValueError("give the cohort's start or its end, not both")
    if end is None:
        return DEFAULT_START if start is None else start
    return end - timedelta(days=weeks * 7 - 1)


def program_days(participant: DemoParticipant, weeks: int, end: date | None) -> int:
    """The participant's simulated days: ``weeks`` × 7 from their program start, or (live
    mode) from their program start to ``end`` inclusive."""
    return weeks * 7 if end is None else (end - participant.program_start).days + 1


def synced_days(participant: DemoParticipant, total_days: int, end: date | None) -> int:
    """Of the participant's ``total_days``, how many (from the first) reach the files and the
    diary: all, but in the live mode ``NOT_SYNCING_PARTICIPANT``'s last ``NOT_SYNCED_DAYS``
    are missing."""
    if end is None or participant.id != NOT_SYNCING_PARTICIPANT:
        return total_days
    return max(0, total_days - NOT_SYNCED_DAYS)


# -------------------------------------------------------------------- benchmark data


EXPORT_ACTIVITIES_PER_YEAR = 300
EXPORT_END = date(2026, 8, 31)


def write_export(
    out_dir: Path, *, years: int, seed: int = 11, record_interval_s: int = 1
) -> list[Path]:
    """A multi-year export of one person, for benchmarks.

    ``years`` × 365 days ending the day before 2026-08-31, in Europe/Berlin: ~300
    one-hour walks a year (``out_dir/activities``, records every ``record_interval_s``)
    and one monitoring file per day (``out_dir/monitoring``). Returns the paths written,
    activities first, each group in time order.
    """
    out_dir = Path(out_dir)
    rng = random.Random(seed)
    total_days = years * 365
    person = DemoParticipant(
        id="p00",
        group="export",
        tz=HOME_TZ,
        program_start=EXPORT_END - timedelta(days=total_days),
        profile="steady",
    )
    days = _days(person, total_days, range(0))
    walker = _Walker(step_length_m=0.72, wake=7, sleep=23)
    walk_days = set(rng.sample(range(total_days), EXPORT_ACTIVITIES_PER_YEAR * years))
    log = _StepLog()
    activities = []
    for day in days:
        if day.index in walk_days:
            start = _random_start(rng, day, 8, 19)
            activities.append(_recorded_walk(rng, log, day, walker, start, moving_s=3600))
        _unrecorded_walks(rng, log, day, walker)
        _background(rng, log, day, walker)
    simulation = _Simulation(days, days, activities, log)
    serial = _serial(person)
    paths = _write_activities(out_dir / "activities", activities, serial, record_interval_s)
    return paths + _write_monitoring(out_dir / "monitoring", simulation, serial)
