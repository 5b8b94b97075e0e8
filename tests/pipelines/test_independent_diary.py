"""Independent end-to-end expectations for the diary side (issue 20 item 3).

A hand-built pain diary of one participant (program start set to Monday 2024-05-06, 11
weeks from 2024-04-15 to 2024-07-04) is written below as the two CSV files a person would
upload: an English one (``,``, 0–100, ISO dates; the weeks before the start and the first
three program weeks) and a German one (BOM, a title line, a comment row, ``;``, the 0–10
scale with decimal commas, DD.MM.YYYY, ja/nein, medicine names; the rest). Both go through
the real use case (``pipelines.app.diary.import_diary``) into a temporary data dir.

Then, without any code from ``ingest/`` or ``pipelines/`` (csv, datetime, statistics), the
files are read as docs/templates/diary.md describes them and every figure is worked out from
the rule text in docs/rules.md, "Pain diary" and "Pain analytics":

* a day's pain is the mean of its entries' values (0–10 ×10), painkiller / exercise pain
  "yes" when any entry says yes, "no" when all answers say no, unanswered otherwise; the
  person's flare-up flag when any entry sets it; a row with a bad value is not stored;
* baseline: the days with a value in the 14 days before the program start when ≥ 4, else
  the first 14 program days, else none; 7-day and 14-day means (≥ 3 / ≥ 7 values), the
  change against the baseline in points and per cent, the two "reached" criteria;
* usual level, detected flare-up days, episodes and their rates in the first 28 program
  days and after;
* the painkiller run (2 unanswered days bridge it, a written "no" or 3 unanswered days end
  it), its warning beyond 14 days, and the diary that stopped during a run.

These are compared with the stored ``days`` table and with ``report.build`` (the
``backtrack report --json`` dict): every day's pain fields, and the pain summary as of
every day of the diary.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from pipelines.app import diary as diary_app
from pipelines.app import participants as settings
from pipelines.rules import report
from pipelines.schemas import DAYS
from pipelines.store.storage import Store

START = date(2024, 5, 6)  # the program start (a Monday), set for the participant
TODAY = date(2024, 7, 31)  # the import's "today": every entry lies before it

# docs/rules.md, "Pain analytics"
BASELINE_DAYS, BASELINE_MIN = 14, 4
ROLLING_DAYS, ROLLING_MIN = 7, 3
REACHED_DAYS, REACHED_MIN, REFERENCE_CHANGE, REFERENCE_PERCENT = 14, 7, 15.0, 30.0
USUAL_DAYS, USUAL_MIN, FLARE_DELTA, FLARE_FACTOR, FLARE_MIN_RISE = 28, 7, 20.0, 1.3, 10.0
FLARE_MIN_DAYS, FLARE_BRIDGE = 2, 1
FLARE_BASELINE_DAYS, MIN_RATE_DAYS, DAYS_PER_3_MONTHS = 28, 28, 91.3
PAINKILLER_BRIDGE, PAINKILLER_MAX = 2, 14

# Day k of the program is START + k: 2024-04-15 is k = -21, 2024-05-26 k = 20,
# 2024-05-27 k = 21, 2024-07-04 k = 59.
ENGLISH = """\
date,time,pain_0_100,flare_up,painkiller,exercise_pain,note
2024-04-15,,100,yes,no,,"Worst day in months, could not sit"
2024-04-18,,90,no,no,,
2024-04-22,,60,no,no,,
2024-04-24,07:30,50,no,no,,
2024-04-24,21:00,70,no,no,,Evening worse
2024-04-26,,65,,,yes,
2024-04-29,,55,no,Paracetamol,,
2024-05-01,,,yes,Ibuprofen 400,,Too bad to rate
2024-05-03,,70,no,no,,
2024-05-05,,63,no,,,
2024-05-06,,58,no,yes,no,First program day
2024-05-07,,56,no,yes,,
2024-05-08,,60,no,Ibuprofen 400,yes,Sore after the strength class
2024-05-10,,101,no,yes,,typed one digit too many
2024-05-11,,55,no,yes,,
2024-05-12,,52,no,yes,,
2024-05-13,08:00,50,no,no,,
2024-05-13,20:00,54,no,Ibuprofen 400,,
2024-05-14,,50,no,yes,yes,
2024-05-15,,48,yes,yes,,Flare-up at work
2024-05-16,,,no,yes,,Forgot to rate
2024-05-17,,47,no,yes,,
2024-05-19,,45,no,yes,,
2024-05-20,,46,no,no,,
2024-05-26,,44,no,no,,
"""
BAD_ROW = 15  # 2024-05-10, pain 101: not stored, so that day stays unanswered

GERMAN = """\
\ufeffMein Schmerztagebuch (Frühjahr 2024)
Datum;Uhrzeit;Schmerz (0-10);Schmerzschub;Schmerzmittel;Schmerz nach Training;Notiz
# Programmwoche 4
27.05.2024;;4,5;nein;ja;;
28.05.2024;;4;nein;;;
29.05.2024;;4;nein;Ibuprofen 400;;
01.06.2024;;3,5;nein;ja;;
02.06.2024;;4;nein;ja, Ibuprofen;;
03.06.2024;;3,5;nein;ja;ja;Muskelkater nach Pilates
04.06.2024;;3;nein;ja;;
06.06.2024;07:00;3;nein;ja;;
06.06.2024;19:00;4;nein;ja;;
07.06.2024;;3;nein;;;
09.06.2024;;3;nein;ja;;
10.06.2024;;3,5;nein;ja;;
11.06.2024;;3;nein;;;
12.06.2024;;3,5;nein;;;
13.06.2024;;3;nein;;;
14.06.2024;;3;nein;nein;;
15.06.2024;;0;nein;nein;;Schmerzfrei!
16.06.2024;;3;nein;nein;;
17.06.2024;;8;nein;nein;;Hexenschuss
18.06.2024;;10;ja;Ibuprofen 600;;
19.06.2024;;6;ja;nein;;
20.06.2024;;4,5;nein;ja;;
21.06.2024;;4;nein;;;
23.06.2024;;3,5;nein;;;
24.06.2024;;3;nein;ja;;
25.06.2024;;3;nein;ja;;
26.06.2024;;3;nein;nein;;
27.06.2024;;2,5;nein;nein;ja;
28.06.2024;;3;nein;;;
29.06.2024;;2,5;nein;nein;;
30.06.2024;;3;nein;nein;;
01.07.2024;;3;ja;nein;;Schub am Abend
03.07.2024;;3;ja;nein;;
04.07.2024;;2,5;nein;nein;;
"""

# ----------------------------------------------------------------- reading the files


@dataclass(frozen=True)
class Entry:
    day: date
    pain: float | None  # 0–100
    flare: bool | None
    painkiller: bool | None
    exercise: bool | None


def _yes_no(text: str) -> bool | None:
    word = text.strip().lower()
    if not word:
        return None
    if word in ("yes", "ja"):
        return True
    if word in ("no", "nein"):
        return False
    raise AssertionError(f"not in this diary: {text!r}")


def _painkiller(text: str) -> bool | None:
    """yes/no, or a medicine's name (which means yes)."""
    word = text.strip().lower()
    if word in ("", "yes", "ja", "no", "nein"):
        return _yes_no(word)
    return True  # "Paracetamol", "Ibuprofen 400", "ja, Ibuprofen"


def read_english(text: str) -> tuple[list[Entry], list[int]]:
    """(entries, numbers of the rows that are not taken: pain outside 0–100)."""
    entries, bad = [], []
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "date",
        "time",
        "pain_0_100",
        "flare_up",
        "painkiller",
        "exercise_pain",
        "note",
    ]
    for number, (day, _time, pain, flare, painkiller, exercise, _note) in enumerate(
        rows[1:], start=2
    ):
        value = float(pain) if pain else None
        if value is not None and not 0 <= value <= 100:
            bad.append(number)
            continue
        entries.append(
            Entry(
                date.fromisoformat(day),
                value,
                _yes_no(flare),
                _painkiller(painkiller),
                _yes_no(exercise),
            )
        )
    return entries, bad


def read_german(text: str) -> list[Entry]:
    lines = text.removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("Mein Schmerztagebuch")  # a title line above the header
    rows = list(csv.reader(lines[1:], delimiter=";"))
    assert rows[0][2] == "Schmerz (0-10)"  # the 0–10 scale: stored ×10
    entries = []
    for row in rows[1:]:
        if row[0].startswith("#"):
            continue  # a comment row
        day, _time, pain, flare, painkiller, exercise, _note = row
        dd, mm, yyyy = day.split(".")
        value = float(pain.replace(",", ".")) * 10 if pain else None
        entries.append(
            Entry(
                date(int(yyyy), int(mm), int(dd)),
                value,
                _yes_no(flare),
                _painkiller(painkiller),
                _yes_no(exercise),
            )
        )
    return entries


# ----------------------------------------------------------------- the rules by hand


@dataclass(frozen=True)
class Day:
    pain: float | None
    entries: int
    flagged: bool
    painkiller: bool | None
    exercise: bool | None


def _any_answer(answers: list[bool | None]) -> bool | None:
    given = [a for a in answers if a is not None]
    return any(given) if given else None


def per_day(entries: list[Entry]) -> dict[date, Day]:
    by_day: dict[date, list[Entry]] = {}
    for e in entries:
        by_day.setdefault(e.day, []).append(e)
    out = {}
    for day, own in by_day.items():
        values = [e.pain for e in own if e.pain is not None]
        out[day] = Day(
            pain=statistics.fmean(values) if values else None,
            entries=len(own),
            flagged=any(e.flare for e in own),
            painkiller=_any_answer([e.painkiller for e in own]),
            exercise=_any_answer([e.exercise for e in own]),
        )
    return out


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def window_mean(pain: dict[date, float], last: date, length: int, minimum: int) -> float | None:
    values = [pain[d] for d in days_between(last - timedelta(days=length - 1), last) if d in pain]
    return round(statistics.fmean(values), 1) if len(values) >= minimum else None


@dataclass(frozen=True)
class Baseline:
    value: float | None
    n: int
    window: tuple[date, date]


def baseline(pain: dict[date, float]) -> Baseline:
    """The 14 days before the start when ≥ 4 have a value, else the first 14 program days;
    none with fewer than 4 (then ``n`` counts the program days tried last)."""
    before = (START - timedelta(days=BASELINE_DAYS), START - timedelta(days=1))
    program = (START, START + timedelta(days=BASELINE_DAYS - 1))
    n = 0
    for first, last in (before, program):
        values = [pain[d] for d in days_between(first, last) if d in pain]
        n = len(values)
        if n >= BASELINE_MIN:
            return Baseline(round(statistics.fmean(values), 1), n, (first, last))
    return Baseline(None, n, program)


def percent(change: float | None, base: float | None) -> float | None:
    if change is None or base is None or base == 0:
        return None
    return round(change / base * 100, 1)


def detected(pain: dict[date, float], base: float | None) -> set[date]:
    """Pain ≥ usual + 20, or ≥ usual × 1.3 and ≥ 10 above it, on ≥ 2 such days with at most
    one day without a value between them; a written day that is not high ends the row."""

    def usual(day: date) -> float | None:
        before = [
            pain[d]
            for d in days_between(day - timedelta(days=USUAL_DAYS), day - timedelta(days=1))
            if d in pain
        ]
        return statistics.median(before) if len(before) >= USUAL_MIN else base

    def high(day: date) -> bool:
        level = usual(day)
        if level is None:
            return False
        rise = pain[day] - level
        return rise >= FLARE_DELTA or (pain[day] >= level * FLARE_FACTOR and rise >= FLARE_MIN_RISE)

    found: set[date] = set()
    row: list[date] = []
    for day in sorted(pain):
        joins = bool(row) and high(day) and (day - row[-1]).days - 1 <= FLARE_BRIDGE
        if not joins:
            if len(row) >= FLARE_MIN_DAYS:
                found |= set(row)
            row = []
        if high(day):
            row.append(day)
    if len(row) >= FLARE_MIN_DAYS:
        found |= set(row)
    return found


def episodes(flare_days: set[date], written: set[date]) -> list[tuple[date, date]]:
    """Runs of flare-up days; at most one day without any entry between two bridges them."""
    out: list[tuple[date, date]] = []
    for day in sorted(flare_days):
        if out:
            first, last = out[-1]
            gap = days_between(last + timedelta(days=1), day - timedelta(days=1))
            if len(gap) <= FLARE_BRIDGE and not written.intersection(gap):
                out[-1] = (first, day)
                continue
        out.append((day, day))
    return out


def rate(found: list[tuple[date, date]], first: date, last: date) -> float | None:
    length = (last - first).days + 1
    if length < MIN_RATE_DAYS:
        return None
    count = sum(1 for start, _ in found if first <= start <= last)
    return round(count * DAYS_PER_3_MONTHS / length, 2)


@dataclass(frozen=True)
class Run:
    days: int
    first: date | None
    last: date | None
    stopped: bool


def painkiller_run(answers: dict[date, bool], as_of: date) -> Run:
    """Around the last "yes" on or before ``as_of``, going back: up to 2 unanswered days in
    a row do not end it, a written "no" or 3 unanswered days do; 0 when a "no" was written
    after the last "yes"."""
    yes = [d for d, a in answers.items() if a and d <= as_of]
    if not yes:
        return Run(0, None, None, False)
    last = max(yes)
    if any(last < d <= as_of for d in answers):
        return Run(0, None, None, False)  # only a "no" can follow the last "yes"
    first, unanswered, day = last, 0, last - timedelta(days=1)
    while day >= min(answers):
        if day not in answers:
            unanswered += 1
            if unanswered > PAINKILLER_BRIDGE:
                break
        elif not answers[day]:
            break
        else:
            first, unanswered = day, 0
        day -= timedelta(days=1)
    return Run((last - first).days + 1, first, last, (as_of - last).days > PAINKILLER_BRIDGE)


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def expected_pain(diary: dict[date, Day], as_of: date) -> dict[str, Any]:
    """The report's ``pain`` object as of ``as_of``, from the diary days on or before it."""
    known = {d: day for d, day in diary.items() if d <= as_of}
    pain = {d: day.pain for d, day in known.items() if day.pain is not None}
    base = baseline(pain)
    latest = window_mean(pain, as_of, ROLLING_DAYS, ROLLING_MIN)
    change = (
        round(latest - base.value, 1) if latest is not None and base.value is not None else None
    )
    mean_14 = window_mean(pain, as_of, REACHED_DAYS, REACHED_MIN)
    change_14 = (
        round(mean_14 - base.value, 1) if mean_14 is not None and base.value is not None else None
    )
    percent_14 = percent(change_14, base.value)
    rates: tuple[float | None, float | None] = (None, None)
    if as_of >= START:
        flare_days = detected(pain, base.value) | {d for d, day in known.items() if day.flagged}
        found = episodes(flare_days, set(known))
        baseline_end = START + timedelta(days=FLARE_BASELINE_DAYS - 1)
        after_start = baseline_end + timedelta(days=1)
        rates = (
            rate(found, after_start, as_of) if as_of >= after_start else None,
            rate(found, START, min(baseline_end, as_of)),
        )
    answers = {d: day.painkiller for d, day in known.items() if day.painkiller is not None}
    run = painkiller_run(answers, as_of)
    return {
        "baseline": base.value,
        "baseline_n": base.n,
        "baseline_window": {"start": iso(base.window[0]), "end": iso(base.window[1])},
        "baseline_min_entries": BASELINE_MIN,
        "latest_7d_mean": latest,
        "change_vs_baseline": change,
        "change_vs_baseline_percent": percent(change, base.value),
        "reference_change": REFERENCE_CHANGE,
        "reference_percent": REFERENCE_PERCENT,
        "latest_14d_mean": mean_14,
        "change_14d_vs_baseline": change_14,
        "change_14d_percent": percent_14,
        "reached_reference_change": change_14 is not None and change_14 <= -REFERENCE_CHANGE,
        "reached_reference_percent": percent_14 is not None and percent_14 <= -REFERENCE_PERCENT,
        "flare_ups_per_3_months": rates[0],
        "flare_ups_per_3_months_baseline": rates[1],
        "painkiller_run_days": run.days,
        "painkiller_run_first": iso(run.first),
        "painkiller_run_last": iso(run.last),
        "painkiller_warning": run.days > PAINKILLER_MAX,
        "painkiller_diary_stopped": run.stopped,
        # no activity data: no walking to pair with pain (n ≥ 28 pairs needed)
        "lag_correlations": [
            {
                "lag_days": k,
                "rho": None,
                "n": 0,
                "low": None,
                "high": None,
                "verdict": "no_clear_link",
            }
            for k in range(4)
        ],
    }


def expected_days(diary: dict[date, Day]) -> dict[date, dict[str, Any]]:
    """Every calendar day's pain fields as the ``days`` table and the report hold them."""
    pain = {d: day.pain for d, day in diary.items() if day.pain is not None}
    flares = detected(pain, baseline(pain).value)
    out = {}
    for d in days_between(min(diary), max(diary)):
        day = diary.get(d, Day(None, 0, False, None, None))
        out[d] = {
            "pain": day.pain,
            "pain_entries": day.entries,
            "pain_7d_mean": window_mean(pain, d, ROLLING_DAYS, ROLLING_MIN),
            "flare_up_flagged": day.flagged,
            "flare_detected": d in flares,
            "flare_up": day.flagged or d in flares,
            "painkiller": day.painkiller,
            "exercise_pain": day.exercise,
        }
    return out


# ----------------------------------------------------------------------------- the test


def _none(value: Any) -> Any:
    """A table cell as the expectation writes it: missing values as None."""
    return None if pd.isna(value) else value


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("diary") / "data")
    settings.configure(store, "p1", tz="Europe/Berlin", program_start=START)
    english = diary_app.import_diary(store, "p1", "diary.csv", ENGLISH.encode(), today=TODAY)
    german = diary_app.import_diary(
        store, "p1", "Tagebuch.csv", GERMAN.encode("utf-8"), today=TODAY
    )
    assert english.rejected is None and german.rejected is None
    assert [e.row for e in english.errors] == [BAD_ROW]  # pain 101: named, not stored
    assert german.errors == ()
    # rows taken: 25 - 1 bad on 22 dates (two days with two entries); 34 German rows
    # (the title and the comment are no rows) on 33 dates
    assert (english.entries, english.dates) == (24, 22)
    assert (german.entries, german.dates) == (34, 33)
    return store


def hand_diary() -> dict[date, Day]:
    english, bad = read_english(ENGLISH)
    assert bad == [BAD_ROW]
    return per_day(english + read_german(GERMAN))


def test_the_days_table_and_every_report_day_match_the_rules_worked_out_by_hand(
    imported: Store,
) -> None:
    diary = hand_diary()
    expected = expected_days(diary)
    table = imported.read(DAYS, ["p1"])
    assert sorted(table["date"]) == sorted(expected)  # every calendar day, 04-15 … 07-04
    assert not table["has_data"].any()  # a diary only
    for row in table.to_dict("records"):
        got = {key: _none(row[key]) for key in expected[row["date"]]}
        want = expected[row["date"]]
        assert got == want, row["date"]

    p = settings.load_participant(imported, "p1")
    # the default range: from the program start to the last diary day
    default = report.build(p, table)
    assert default["program_start"] == {"date": "2024-05-06", "source": "set"}
    assert default["range"] == {"start": "2024-05-06", "end": "2024-07-04"}
    # the whole diary, the weeks before the start too
    whole = report.build(p, table, start=min(diary))
    assert [d["date"] for d in whole["days"]] == [d.isoformat() for d in sorted(expected)]
    for built in whole["days"]:
        want = expected[date.fromisoformat(built["date"])]
        assert {
            k: built[k]
            for k in (
                "pain",
                "pain_7d_mean",
                "flare_up",
                "flare_detected",
                "painkiller",
                "exercise_pain",
            )
        } == {
            "pain": None if want["pain"] is None else round(want["pain"], 1),
            "pain_7d_mean": want["pain_7d_mean"],
            "flare_up": want["flare_up_flagged"],  # the person's own flag only
            "flare_detected": want["flare_detected"],
            "painkiller": want["painkiller"],
            "exercise_pain": want["exercise_pain"],
        }, built["date"]
    assert default["days"] == [d for d in whole["days"] if d["date"] >= "2024-05-06"]
    assert default["pain"] == whole["pain"] == expected_pain(diary, max(diary))
    # exercise pain per program week (inside the range): 05-08 in week 1, 05-14 in week 2,
    # 06-03 in week 5, 06-27 in week 8 (the "yes" of 04-26 lies before the start)
    assert [w["exercise_pain_days"] for w in default["weeks"]] == [1, 1, 0, 0, 1, 0, 0, 1, 0]

    # not vacuous: what the diary was built to hold, worked out by hand
    assert expected[date(2024, 4, 24)]["pain"] == 60.0  # 50 and 70 at 07:30 and 21:00
    assert expected[date(2024, 6, 6)]["pain"] == 35.0  # 3 and 4 on the 0–10 scale
    assert expected[date(2024, 5, 13)]["painkiller"] is True  # "no" at 08:00, a name at 20:00
    assert expected[date(2024, 5, 10)]["pain_entries"] == 0  # only the bad row
    assert expected[date(2024, 5, 1)]["pain"] is None  # an entry without a pain value
    assert expected[date(2024, 5, 24)]["pain_7d_mean"] is None  # 45, 46 in 05-18 … 05-24
    # usual level 35 (the median of the 28 days before): 80, 100, 60 are detected; 100 and
    # 90 at the start (usual = baseline 62.2, + 20 = 82.2) are two days apart: not a row
    assert {d for d, e in expected.items() if e["flare_detected"]} == {
        date(2024, 6, 17),
        date(2024, 6, 18),
        date(2024, 6, 19),
    }
    assert {diary[d].pain for d in diary} >= {0.0, 100.0}


# The pain summary as of a few days, worked out by hand from the diary above.
HAND: dict[date, dict[str, Any]] = {
    # 04-28: 3 days with a value in 04-22 … 05-05 (the window before the start) and none
    # in the program's first 14 days yet → no baseline
    date(2024, 4, 28): {"baseline": None, "baseline_n": 0},
    # 04-29: 4 days in that window (60, 60, 65, 55) → 60.0; the 100 of 04-15 and the 90 of
    # 04-18 lie before it; a painkiller (Paracetamol) after 3 unanswered days → 1 day
    date(2024, 4, 29): {"baseline": 60.0, "baseline_n": 4, "painkiller_run_days": 1},
    # painkillers 04-29 and 05-01, 04-30 unanswered → 3 days (ended by the "no" of 05-03)
    date(2024, 5, 1): {"baseline": 60.0, "baseline_n": 4, "painkiller_run_days": 3},
    # 60, 60, 65, 55, 70, 63: 373 / 6 = 62.17 → 62.2, the baseline from here on
    date(2024, 5, 5): {"baseline": 62.2, "baseline_n": 6, "painkiller_run_days": 0},
    # run A: 05-06 … 05-19, 05-09/10 unanswered (05-10's row is bad), 05-18 unanswered:
    # 14 days, one short of the warning; 05-20 says "no"
    date(2024, 5, 19): {"painkiller_run_days": 14, "painkiller_warning": False},
    date(2024, 5, 20): {"painkiller_run_days": 0, "painkiller_warning": False},
    # run B: 05-27 … 06-10 (2 unanswered days 05-30/31 and 06-07/08 bridge it; the "no" of
    # 05-26 before it): 14 days as of 06-09, 15 as of 06-10 → warning
    date(2024, 6, 9): {"painkiller_run_days": 14, "painkiller_warning": False},
    date(2024, 6, 10): {"painkiller_run_days": 15, "painkiller_warning": True},
    # no answer 06-11 … 06-13: the diary stopped during the run from the third day
    date(2024, 6, 12): {"painkiller_run_days": 15, "painkiller_diary_stopped": False},
    date(2024, 6, 13): {"painkiller_run_days": 15, "painkiller_diary_stopped": True},
    date(2024, 6, 14): {"painkiller_run_days": 0, "painkiller_diary_stopped": False},
    # 06-20 yes, 06-21/22/23 unanswered (3 days end a run), 06-24 and 06-25 yes → 2
    date(2024, 6, 25): {"painkiller_run_days": 2, "painkiller_run_first": "2024-06-24"},
    # the end: 7-day mean 06-28 … 07-04 = 170 / 6 = 28.3 → −33.9 (−54.5 %); 14-day mean
    # 06-21 … 07-04 = 360 / 12 = 30.0 → −32.2 (−51.8 %): both criteria reached;
    # flare-up episodes: 05-15 (flagged) in the first 28 days → 91.3 / 28 = 3.26;
    # 06-17 … 06-19 and 07-01 … 07-03 (07-02 has no entry) after → 2 × 91.3 / 32 = 5.71
    date(2024, 7, 4): {
        "baseline": 62.2,
        "latest_7d_mean": 28.3,
        "change_vs_baseline": -33.9,
        "change_vs_baseline_percent": -54.5,
        "latest_14d_mean": 30.0,
        "change_14d_vs_baseline": -32.2,
        "change_14d_percent": -51.8,
        "reached_reference_change": True,
        "reached_reference_percent": True,
        "flare_ups_per_3_months_baseline": 3.26,
        "flare_ups_per_3_months": 5.71,
        "painkiller_run_days": 0,
    },
}


def test_the_pain_summary_as_of_every_diary_day_matches_the_rules_worked_out_by_hand(
    imported: Store,
) -> None:
    diary = hand_diary()
    p = settings.load_participant(imported, "p1")
    table = imported.read(DAYS, ["p1"])
    first = min(diary)
    warnings, runs, stopped = set(), set(), set()
    for as_of in days_between(first, max(diary)):
        expected = expected_pain(diary, as_of)
        built = report.build(p, table, start=first, end=as_of)["pain"]
        assert built == expected, as_of
        for key, value in HAND.get(as_of, {}).items():
            assert built[key] == value, (as_of, key)
        warnings.add(expected["painkiller_warning"])
        runs.add(expected["painkiller_run_days"])
        stopped.add(expected["painkiller_diary_stopped"])
    # not vacuous: runs one short of the warning and at it, a warning, a stopped diary
    assert {14, 15} <= runs and warnings == stopped == {True, False}
