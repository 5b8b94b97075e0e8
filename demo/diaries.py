"""Deterministic demo pain diaries for the demo cohort, in backtrack's diary template.

``write_diaries(cohort_dir, participants)`` writes ``cohort_dir/<id>/diary.csv`` for every
participant, one row per entry, from the program start for ``weeks`` × 7 days — or, with
``end`` (the live mode of ``demo.cohort``), from the program start to ``end`` inclusive. The
same seed gives the same bytes; each participant has their own random stream, so p01's diary
is the same in any cohort. The diaries are derived from the profile alone (never from the FIT
files), so they stay independent of the activity pipeline.

Formats (UTF-8, ``\\n`` line ends):

* English, most participants: ``date,time,pain,flare_up,painkiller,exercise_pain,note`` —
  ISO dates, ``HH:MM``, ``yes``/``no``, painkiller the drug ("Ibuprofen 400") or ``no``.
* German (``GERMAN_PARTICIPANTS``: p03, p07, p11): ``Datum;Uhrzeit;Schmerz;Schub;
  Schmerzmittel;Notiz`` — ``31.08.2026``, ``ja``/``nein``, decimal commas (``42,5``).
* ``NRS_PARTICIPANT`` (p11) writes on the 0–10 scale in half steps: ``Schmerz_0_10``
  (``pain_0_10`` for an English diary).

What the entries look like:

* A personal baseline of 40–65, day-to-day noise (autocorrelated, sd ≈ 5) and a few points
  between entries, in whole points (now and then a half). People skip days (each writes on
  80–92 % of days; ``drifting`` ones less and less, down to about 55 %), leave the time
  blank now and then, and about one day in twelve has a second, morning entry.
* Trend, from the second week on, full at 12 weeks, most of it early (so the rules'
  14-day baseline sees little of it): ``steady`` and ``studio`` improve by 18–27 points
  in the model, about 15–25 by the rules (last weeks against the baseline), ``traveller``
  12–20 (6 points worse while abroad: from a third of the way in, as in the
  FIT cohort), ``weekend`` 8–14, ``gaps`` 6–12; ``drifting`` eases by ~4 points in the
  first weeks, then ends 2–8 points *above* the baseline.
* Flare-ups: 2–3 episodes (3–4 for ``drifting``), each 3–6 days at +26–38 points over
  the personal baseline (at most 95) whatever the trend, so the pain rules detect them
  (≥ baseline + 20 on ≥ 2 days). None in the 14-day baseline or the last two weeks; for
  improvers the first one falls in weeks 3–4 and later ones get rarer. Each person flags
  some of those days (from rarely to nearly always); some leave ``flare_up`` blank unless
  it is a yes; now and then someone flags a bad day that is not a flare-up by the numbers.
* Painkillers mostly on flare-up days (3 in 4), rarely otherwise (1 in 25);
  ``PAINKILLER_RUN_PARTICIPANT`` (p02) takes them every day for 16–21 days in a row in
  weeks 4–9, writing every day, a little worse meanwhile — a run the rules warn about. In
  the live mode the run lasts up to ``end`` (still going yesterday: the Group page's
  ``painkiller_run`` alert looks at the run around the last "yes", and a "no" after it would
  end it).
* Live mode only: ``demo.cohort.NOT_SYNCING_PARTICIPANT`` (p05) writes nothing in the last
  ``NOT_SYNCED_DAYS`` (9) days, as their watch sends nothing.
* ``exercise_pain`` (English diaries): sore after exercise on about 1 day in 12, 1 in 4 on
  the studio participant's class days; some fill in "no", others only ever "yes". Notes
  now and then ("Slept badly", "Gartenarbeit"; "Long flight" when the traveller leaves).
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from demo.cohort import (
    STUDIO_CLASSES,
    DemoParticipant,
    _travel_days,
    program_days,
    synced_days,
)

__all__ = [
    "GERMAN_PARTICIPANTS",
    "NRS_PARTICIPANT",
    "PAINKILLER_RUN_PARTICIPANT",
    "write_diaries",
]

GERMAN_PARTICIPANTS = ("p03", "p07", "p11")
NRS_PARTICIPANT = "p11"  # writes on the 0–10 scale
PAINKILLER_RUN_PARTICIPANT = "p02"  # takes painkillers for more than two weeks

ENGLISH_HEADER = ["date", "time", "pain", "flare_up", "painkiller", "exercise_pain", "note"]
GERMAN_HEADER = ["Datum", "Uhrzeit", "Schmerz", "Schub", "Schmerzmittel", "Notiz"]
FULL_EFFECT_DAYS = 84  # the trend reaches its full size after 12 weeks
EFFECT_DELAY_DAYS = 7  # improvement starts after the first week
FLARE_FIRST_DAY = 14  # flare-ups start after the baseline window ...
QUIET_DAYS = 14  # ... and end before the last two weeks: the demo shows the result
FLARE_CAP = 95.0  # flare-ups are bad, rarely "the worst imaginable"

DRUGS = ("Ibuprofen 400", "Ibuprofen 400", "Ibuprofen 400", "Paracetamol 500", "Naproxen 250")
NOTES = {
    "en": (
        "Gardening",
        "Long drive",
        "Slept badly",
        "Stiff in the morning",
        "Sat at the desk all day",
        "Felt good after the walk",
    ),
    "de": (
        "Gartenarbeit",
        "Lange Autofahrt",
        "Schlecht geschlafen",
        "Morgens steif",
        "Viel gesessen",
        "Nach dem Spaziergang besser",
    ),
}
FLARE_NOTES = {
    "en": ("Bad back day", "Could hardly get up"),
    "de": ("Hexenschuss", "Kaum aufgestanden"),
}
TRAVEL_NOTES = {"en": "Long flight", "de": "Langer Flug"}
IMPROVEMENT = {  # profile -> (least, most) points of improvement at 12 weeks (model)
    "steady": (18.0, 27.0),
    "studio": (18.0, 27.0),
    "traveller": (12.0, 20.0),
    "weekend": (8.0, 14.0),
    "gaps": (6.0, 12.0),
}


@dataclass(frozen=True)
class _Person:
    """How one participant writes their diary."""

    language: str  # "en" or "de"
    scale_0_10: bool
    base: float
    improvement: float  # points at 12 weeks; negative: worse
    write_chance: float
    flag_chance: float  # how often they flag a flare-up day themselves
    flare_blank_unless_yes: bool
    fills_exercise_pain: bool
    drug: str


@dataclass
class _Entry:
    day: date
    time: str | None
    pain: float  # 0–100
    flare_up: bool | None
    painkiller: bool
    exercise_pain: bool | None
    note: str | None


def _person(rng: random.Random, participant: DemoParticipant) -> _Person:
    profile = participant.profile
    least, most = IMPROVEMENT.get(profile, (0.0, 0.0))
    improvement = rng.uniform(least, most) if profile != "drifting" else -rng.uniform(2.0, 8.0)
    return _Person(
        language="de" if participant.id in GERMAN_PARTICIPANTS else "en",
        scale_0_10=participant.id == NRS_PARTICIPANT,
        base=rng.uniform(40.0, 65.0),
        improvement=improvement,
        write_chance=rng.uniform(0.8, 0.92),
        flag_chance=rng.choice((0.2, 0.5, 0.8, 0.95)),
        flare_blank_unless_yes=rng.random() < 0.4,
        fills_exercise_pain=rng.random() < 0.6,
        drug=rng.choice(DRUGS),
    )


def _trend(person: _Person, profile: str, index: int) -> float:
    """Points above (+) or below (−) the personal baseline on day ``index``."""
    if profile == "drifting":  # a little better at first, then worse than at the start
        t = min(index / FULL_EFFECT_DAYS, 1.0)
        worse = -person.improvement
        return -4.0 * min(t / 0.3, 1.0) + (worse + 4.0) * max(0.0, t - 0.3) / 0.7
    # exercise takes a week or so to tell, then most of the effect comes in the first weeks
    t = min(max(index - EFFECT_DELAY_DAYS, 0) / (FULL_EFFECT_DAYS - EFFECT_DELAY_DAYS), 1.0)
    return -person.improvement * (1 - math.exp(-2.5 * t)) / (1 - math.exp(-2.5))


def _flare_episodes(rng: random.Random, profile: str, total_days: int) -> dict[int, float]:
    """Day index → points above the personal baseline, for a few episodes of 3–6 days.

    Episodes start after the 14-day baseline and end before the last two weeks, at least a
    week apart. For people who improve, the first one falls in weeks 3–4 (the flare-up baseline
    period) and later ones get rarer as the weeks go by.
    """
    wanted = rng.randint(3, 4) if profile == "drifting" else rng.randint(2, 3)
    improving = profile in IMPROVEMENT
    last_day = total_days - QUIET_DAYS - 1  # the last day a flare-up may reach
    candidates = list(range(FLARE_FIRST_DAY, max(FLARE_FIRST_DAY + 1, last_day - 1)))
    # at least 0.01: a diary of under 10 days (a late start in the live mode) has no room
    # for an episode, and rng.choices needs a positive weight all the same
    weights = [max(0.01, 1.5 - i / total_days) if improving else 1.0 for i in candidates]
    above: dict[int, float] = {}
    placed = 0
    for _ in range(wanted * 20):
        if placed == wanted:
            break
        if improving and placed == 0:
            start = rng.randint(FLARE_FIRST_DAY, FLARE_FIRST_DAY + 13)
        else:
            start = rng.choices(candidates, weights)[0]
        days = range(start, min(start + rng.randint(3, 6), last_day + 1))
        if any(abs(i - j) < 7 for i in days for j in above):
            continue
        peak = rng.uniform(28.0, 38.0)
        for k, i in enumerate(days):
            above[i] = peak - 2.0 * abs(k - 1)  # worst on the second day
        placed += 1
    return above


def _painkiller_run(
    rng: random.Random, participant: DemoParticipant, total_days: int, *, live: bool = False
) -> range:
    if participant.id != PAINKILLER_RUN_PARTICIPANT or total_days < 28:
        return range(0)
    length = rng.randint(16, 21)
    latest = total_days - length
    first = rng.randint(min(21, latest), min(42, latest))
    if live:  # still going on the last day
        first = latest
    return range(first, first + length)


def _entries(
    rng: random.Random,
    participant: DemoParticipant,
    person: _Person,
    total_days: int,
    synced: int | None = None,
) -> list[_Entry]:
    """The entries of ``total_days``; ``synced`` (live mode): only the first ``synced`` days
    are written, and a painkiller run lasts up to the last day."""
    profile = participant.profile
    flares = _flare_episodes(rng, profile, total_days)
    travel = _travel_days(profile, total_days)
    painkiller_run = _painkiller_run(rng, participant, total_days, live=synced is not None)
    evening = rng.randint(19, 21)
    noise = 0.0
    entries: list[_Entry] = []
    for index in range(total_days if synced is None else synced):
        day = participant.program_start + timedelta(days=index)
        noise = 0.6 * noise + rng.gauss(0.0, 4.0)
        level = person.base + _trend(person, profile, index) + noise
        if index in flares:  # a flare-up is bad pain, whatever the trend
            flare_level = person.base + flares[index] + rng.gauss(0.0, 2.0)
            level = max(level, min(flare_level, FLARE_CAP))
        if index in travel:
            level += 6.0
        if index in painkiller_run:
            level += 6.0
        chance = person.write_chance
        if profile == "drifting":
            chance -= 0.3 * index / max(total_days - 1, 1)
        flare = index in flares
        forced = index in painkiller_run
        if not forced and rng.random() > (0.95 if flare else chance):
            continue
        flagged = flare and rng.random() < person.flag_chance
        if not flare and level > person.base and rng.random() < 0.01:
            flagged = True  # a bad day, by how it felt
        painkiller = forced or (flare and rng.random() < 0.75) or rng.random() < 0.04
        note = None
        if index == travel.start and len(travel):
            note = TRAVEL_NOTES[person.language]
        elif flare and rng.random() < 0.3:
            note = rng.choice(FLARE_NOTES[person.language])
        elif rng.random() < 0.06:
            note = rng.choice(NOTES[person.language])
        class_day = profile == "studio" and day.weekday() in STUDIO_CLASSES
        sore = rng.random() < (0.25 if class_day else 0.08)
        time = f"{evening + rng.randint(-1, 2):02d}:{rng.randrange(0, 60, 5):02d}"
        entries.append(
            _Entry(
                day=day,
                time=time if rng.random() < 0.9 else None,
                pain=level + rng.gauss(0.0, 3.0),
                flare_up=True if flagged else (None if person.flare_blank_unless_yes else False),
                painkiller=painkiller,
                exercise_pain=sore if person.fills_exercise_pain else (True if sore else None),
                note=note,
            )
        )
        if rng.random() < 1 / 12:  # a morning entry too
            morning = f"{rng.randint(7, 9):02d}:{rng.randrange(0, 60, 5):02d}"
            entries.append(
                _Entry(
                    day=day,
                    time=morning,
                    pain=level + rng.uniform(-3.0, 8.0),  # mornings are stiffer
                    flare_up=entries[-1].flare_up,
                    painkiller=forced,
                    exercise_pain=None,
                    note=None,
                )
            )
    return sorted(entries, key=lambda e: (e.day, e.time or "99:99"))


def _pain_text(rng: random.Random, person: _Person, pain: float) -> str:
    pain = min(100.0, max(0.0, pain))
    if person.scale_0_10:
        value = round(pain / 5.0) / 2.0  # half steps: 4.5
    elif rng.random() < 0.02:
        value = round(pain * 2.0) / 2.0  # now and then a half point: 42.5
    else:
        value = float(round(pain))
    text = f"{value:g}"
    return text.replace(".", ",") if person.language == "de" else text


def _yes_no(value: bool | None, language: str) -> str:
    if value is None:
        return ""
    if language == "de":
        return "ja" if value else "nein"
    return "yes" if value else "no"


def _row(rng: random.Random, person: _Person, entry: _Entry) -> list[str]:
    pain = _pain_text(rng, person, entry.pain)
    painkiller = person.drug if entry.painkiller else _yes_no(False, person.language)
    if person.language == "de":
        return [
            entry.day.strftime("%d.%m.%Y"),
            entry.time or "",
            pain,
            _yes_no(entry.flare_up, "de"),
            painkiller,
            entry.note or "",
        ]
    return [
        entry.day.isoformat(),
        entry.time or "",
        pain,
        _yes_no(entry.flare_up, "en"),
        painkiller,
        _yes_no(entry.exercise_pain, "en"),
        entry.note or "",
    ]


def _header(person: _Person) -> list[str]:
    header = list(GERMAN_HEADER if person.language == "de" else ENGLISH_HEADER)
    if person.scale_0_10:
        header[2] = f"{header[2]}_0_10"
    return header


def write_diaries(
    cohort_dir: Path,
    participants: list[DemoParticipant],
    *,
    seed: int = 5,
    weeks: int = 12,
    end: date | None = None,
) -> dict[str, Path]:
    """Write ``cohort_dir/<id>/diary.csv`` for each participant; returns id → path.

    ``end``: the live mode (module doc) — each diary runs to ``end``, as the participant's
    FIT files from ``generate_cohort(..., end=end)``."""
    paths: dict[str, Path] = {}
    for participant in participants:
        rng = random.Random(f"diary:{seed}:{participant.id}")
        person = _person(rng, participant)
        total_days = program_days(participant, weeks, end)
        synced = None if end is None else synced_days(participant, total_days, end)
        entries = _entries(rng, participant, person, total_days, synced)
        path = Path(cohort_dir) / participant.id / "diary.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as out:
            delimiter = ";" if person.language == "de" else ","
            writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
            writer.writerow(_header(person))
            writer.writerows(_row(rng, person, entry) for entry in entries)
        paths[participant.id] = path
    return paths
