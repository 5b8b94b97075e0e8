"""The report (pipelines/rules/report.py): the days of its range the days table lacks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from pipelines.rules import joined, report
from pipelines.rules.participants import Participant, Target
from pipelines.rules.taxonomy import CATEGORIES
from tests.support.rules import activity_days, diary_days

D = [date(2024, 5, d) for d in range(1, 8)]  # Wed 1 May … Tue 7 May 2024


def test_days_of_the_range_after_the_data_are_days_without_data() -> None:
    """Walking 35.26 min (12.34 brisk, 600.26 worn) on 1 May, pain 40 on 1 and 2 May; the
    report asked for 1–4 May: 3 and 4 May are in no table — each is an empty day: nothing
    counted, nothing known (no wear, no pain, no 7-day mean), no flags, status no_data."""
    activity = activity_days({D[0]: 35.26})
    activity["brisk_walking_minutes"] = [12.34]
    activity["wear_minutes"] = [600.26]
    days = joined.join("p1", activity, diary_days({D[0]: 40, D[1]: 40}), None)
    p = Participant("p1", "UTC", Target())
    got = report.build(p, days, start=D[0], end=D[3])
    empty = {
        "walking_minutes": 0.0,
        "brisk_walking_minutes": 0.0,
        "met": False,
        "has_data": False,
        "status": "no_data",
        "wear_minutes": None,
        "wear_basis": None,
        "approximate": False,
        "steps": 0,
        "sessions": dict.fromkeys(CATEGORIES, 0),
        "sources": [],
        "pain": None,
        "pain_entries": 0,
        "pain_7d_mean": None,
        "flare_up": False,
        "flare_detected": False,
        "painkiller": None,
        "exercise_pain": None,
    }
    assert [d["date"] for d in got["days"]] == [d.isoformat() for d in D[:4]]
    assert got["days"][2:] == [
        {"date": D[2].isoformat()} | empty,
        {"date": D[3].isoformat()} | empty,
    ]
    # the day with data keeps its figures, to one decimal
    first = got["days"][0]
    assert (first["walking_minutes"], first["brisk_walking_minutes"]) == (35.3, 12.3)
    assert (first["met"], first["has_data"], first["status"]) == (True, True, "met")
    assert (first["wear_minutes"], first["pain"], first["painkiller"]) == (600.3, 40.0, None)
    assert (got["days"][1]["pain"], got["days"][1]["status"]) == (40.0, "no_data")


def _week(first: date, minutes: list[float]) -> dict[date, float]:
    from datetime import timedelta

    return {first + timedelta(days=i): m for i, m in enumerate(minutes)}


def test_the_pre_program_level_needs_seven_days_and_keeps_one_decimal() -> None:
    """Start 1 June 2024; the 28 days before: 4–31 May. Seven days with data there (10, 20,
    30, 40, 50, 60 and 11.5 minutes: 221.5 in all, a mean of 31.64…) give 31.64… × 7 = 221.5
    minutes a week (one decimal, not rounded to 222). Six days give nothing. Days before the
    window (3 May) and from the start on do not count."""
    from datetime import timedelta

    start = date(2024, 6, 1)
    seven = _week(date(2024, 5, 20), [10, 20, 30, 40, 50, 60, 11.5])  # mean 31.642… × 7 = 221.5
    outside = {date(2024, 5, 3): 500.0, start: 500.0, start + timedelta(days=1): 500.0}
    got = report.pre_program(activity_days(seven | outside), start)
    assert got == {
        "start": "2024-05-04",
        "end": "2024-05-31",
        "days_with_data": 7,
        "walking_minutes_per_week": 221.5,
    }
    # eight days (a 1-minute day more): 222.5 ÷ 8 × 7 = 194.6875 → 194.7 (one decimal)
    eight = seven | {date(2024, 5, 27): 1.0}
    assert report.pre_program(activity_days(eight), start)["walking_minutes_per_week"] == 194.7
    six = dict(list(seven.items())[:6])
    assert report.pre_program(activity_days(six), start)["walking_minutes_per_week"] is None
    assert report.pre_program(activity_days(six), start)["days_with_data"] == 6


def test_every_pain_figure_of_the_report_is_documented() -> None:
    """The report's ``pain`` object is a contract (docs/report.md): exactly these keys, each
    documented there (as `pain.<key>`, `<key>` or `pain.<key>[]`)."""
    import re
    from pathlib import Path

    month = [date(2024, 5, d) for d in range(1, 29)]
    days = joined.join(
        "p1",
        activity_days(dict.fromkeys(month, 35.0)),
        diary_days(dict.fromkeys(month, 40.0)),
        None,
    )
    got = report.build(Participant("p1", "UTC", Target(program_start=month[0])), days)
    keys = {
        "baseline", "baseline_min_entries", "baseline_n", "baseline_window",
        "change_14d_percent", "change_14d_vs_baseline", "change_vs_baseline",
        "change_vs_baseline_percent", "flare_ups_per_3_months",
        "flare_ups_per_3_months_baseline", "lag_correlations", "latest_14d_mean",
        "latest_7d_mean", "painkiller_diary_stopped", "painkiller_run_days",
        "painkiller_run_first", "painkiller_run_last", "painkiller_warning",
        "reached_reference_change", "reached_reference_percent", "reference_change",
        "reference_percent",
    }  # fmt: skip
    assert set(got["pain"]) == keys
    doc = (Path(__file__).resolve().parents[2] / "docs" / "report.md").read_text()
    undocumented = [k for k in sorted(keys) if not re.search(rf"`(pain\.)?{k}(\[\])?`", doc)]
    assert undocumented == []
    # the rules' thresholds as the report states them
    assert (got["pain"]["baseline_min_entries"], got["pain"]["reference_percent"]) == (4, 30.0)


def test_the_persons_own_flare_ups_count_in_the_reports_rates() -> None:
    """Pain 30 every day for 70 days from 1 March 2024, the program from day 0; the person
    flags days 10 and 11 as a flare-up (the pain rule detects nothing: no rise). One episode
    in the first 28 days (the rate's baseline period), none in the 42 days after: a rate
    before, 0.0 after — the person's flag counts, under the name the pain rules read."""
    from datetime import timedelta

    first = date(2024, 3, 1)
    span = [first + timedelta(days=i) for i in range(70)]
    flagged = [span[10], span[11]]
    days = joined.join(
        "p1",
        activity_days(dict.fromkeys(span, 35.0)),
        diary_days(dict.fromkeys(span, 30.0), flagged=flagged),
        first,
    )
    assert not days["flare_detected"].any()
    got = report.build(Participant("p1", "UTC", Target(program_start=first)), days)
    pain = got["pain"]
    assert pain["flare_ups_per_3_months_baseline"] is not None
    assert pain["flare_ups_per_3_months_baseline"] > 0
    assert pain["flare_ups_per_3_months"] == 0.0
    assert [d["flare_up"] for d in got["days"][9:13]] == [False, True, True, False]


def test_a_two_week_report_whole_weeks_days_sources_and_the_week_without_data() -> None:
    """Program start Mon 6 May 2024, target 30–60 min every other day (the default);
    walking 35.26 min on 6 May (sources fit and gpx) and 12.25 min on 7 May, nothing after.
    Week 1 (6–12 May): 2 walking days (≥ 1 min each), 1 met day (35.26 ≥ 30), 47.51 min →
    47.5, credited the same (both under 60). Week 2 (13–19 May): no data. Adherence: of the
    two weeks one has data, neither reaches the weekly target of ⌈7 / 2⌉ = 4 met days."""
    start = date(2024, 5, 6)
    activity = activity_days({start: 35.26, date(2024, 5, 7): 12.25})
    activity.loc[0, "sources"] = "fit,gpx"  # sorted and joined, as the daily rules write it
    activity["credited_minutes"] = activity["walking_minutes"]  # the daily table's: ≤ 60
    p = Participant("p1", "UTC", Target(program_start=start))
    got = report.build(p, activity, start=start, end=date(2024, 5, 19))
    assert got["target"] == {
        "min_minutes": 30.0,
        "max_minutes": 60.0,
        "every_n_days": 2,
        "min_bout_minutes": 10,
        "program_start": "2024-05-06",
        "training_sessions_per_week": Target().training_sessions_per_week,
        "min_training_minutes": Target().min_training_minutes,
    }
    zero = dict.fromkeys(CATEGORIES, 0)
    assert got["weeks"] == [
        {"week": 1, "start": "2024-05-06", "end": "2024-05-12", "complete": True,
         "has_data": True, "walking_days": 2, "met_days": 1, "walking_minutes": 47.5,
         "walking_minutes_credited": 47.5, "training_sessions": 0, "training_minutes": 0.0,
         "sessions": zero},
        {"week": 2, "start": "2024-05-13", "end": "2024-05-19", "complete": True,
         "has_data": False, "walking_days": 0, "met_days": 0, "walking_minutes": 0.0,
         "walking_minutes_credited": 0.0, "training_sessions": 0, "training_minutes": 0.0,
         "sessions": zero},
    ]  # fmt: skip
    assert (got["adherence"]["weeks_total"], got["adherence"]["weeks_no_data"]) == (2, 1)
    assert got["adherence"]["weeks_met"] == 0
    assert [d["sources"] for d in got["days"][:3]] == [["fit", "gpx"], ["fit"], []]


def test_the_questionnaire_answers_of_a_range_with_their_change_and_items() -> None:
    """PGIC answered 6, 16 and 26 May 2024 with 3, 5 and 6: changes vs the first answer
    none, +2 and +3. The range 10–20 May holds only the second; open ends hold all."""
    from pipelines.rules import questionnaires as q

    pgic = q.parse_definition(
        "pgic.toml", (Path(__file__).resolve().parents[2] / "pipelines/questionnaires/pgic.toml")
        .read_text()
    )  # fmt: skip
    rows = [
        q.row("p1", pgic, date(2024, 5, d), {"change": v}) for d, v in [(26, 6), (6, 3), (16, 5)]
    ]
    answers = pd.DataFrame(rows)
    assert report.questionnaire_answers(answers, date(2024, 5, 10), date(2024, 5, 20)) == [
        {"id": "pgic", "date": "2024-05-16", "score": 5.0, "change": 2.0, "items": {"change": 5}}
    ]
    assert report.questionnaire_answers(answers, None, None) == [
        {"id": "pgic", "date": "2024-05-06", "score": 3.0, "change": None, "items": {"change": 3}},
        {"id": "pgic", "date": "2024-05-16", "score": 5.0, "change": 2.0, "items": {"change": 5}},
        {"id": "pgic", "date": "2024-05-26", "score": 6.0, "change": 3.0, "items": {"change": 6}},
    ]
    assert report.questionnaire_answers(answers, date(2024, 5, 27), None) == []


def test_the_seven_day_mean_of_pain_and_the_current_streak_in_the_report() -> None:
    """Pain 40, 41, … 46 on 1–7 May: the trailing 7-day mean needs three entries — none on
    1 and 2 May, then (40 + 41 + 42) / 3 = 41.0, (40 + … + 43) / 4 = 41.5, … 43.0. Walking
    35.26 and 40 min on 1–2 May from a start on 1 May: the block 1–2 May is met, a streak of
    one block."""
    activity = activity_days({D[0]: 35.26, D[1]: 40.0})
    activity["credited_minutes"] = activity["walking_minutes"]
    diary = diary_days({d: 40.0 + i for i, d in enumerate(D)})
    days = joined.join("p1", activity, diary, None)
    got = report.build(Participant("p1", "UTC", Target(program_start=D[0])), days, D[0], D[6])
    assert [d["pain_7d_mean"] for d in got["days"]] == [None, None, 41.0, 41.5, 42.0, 42.5, 43.0]
    assert [d["pain"] for d in got["days"]] == [40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0]
    short = report.build(Participant("p1", "UTC", Target(program_start=D[0])), activity, D[0], D[1])
    assert (short["adherence"]["blocks_met"], short["adherence"]["blocks_total"]) == (1, 1)
    assert short["adherence"]["current_streak_blocks"] == 1


def test_a_report_without_any_data_has_every_part_empty() -> None:
    got = report.build(Participant("p1", "UTC", Target()), activity_days({}))
    assert {k: got[k] for k in ("range", "program_start", "days", "weeks", "pre_program")} == {
        "range": {"start": None, "end": None},
        "program_start": None,
        "days": [],
        "weeks": [],
        "pre_program": None,
    }
    assert got["training"] == {
        "target_sessions_per_week": 2,
        "min_session_minutes": 15,
        "ratio": None,
        "weeks_met": 0,
        "weeks_total": 0,
    }


def test_a_days_pain_entries_and_a_table_without_sources() -> None:
    """Two diary entries on 1 May (40 and 50, the day's pain their mean 45), one on 2 May.
    A daily table without a ``sources`` column (the report reads one without): no day names
    a source."""
    from ingest.records import DiaryEntry
    from pipelines.rules import diary

    entries = [DiaryEntry(row=1, date=D[0], pain=40), DiaryEntry(row=2, date=D[0], pain=50)]
    entries.append(DiaryEntry(row=3, date=D[1], pain=30))
    per_day = diary.per_day(diary.entries_frame("p1", entries, source="file"))
    activity = activity_days({D[0]: 35.0, D[1]: 10.0})
    days = joined.join("p1", activity, per_day, None)
    p = Participant("p1", "UTC", Target())
    got = report.build(p, days, D[0], D[2])
    assert [(d["pain"], d["pain_entries"]) for d in got["days"]] == [
        (45.0, 2),
        (30.0, 1),
        (None, 0),
    ]
    old = report.build(p, activity.drop(columns="sources"), D[0], D[2])
    assert [d["sources"] for d in old["days"]] == [[], [], []]


def test_a_range_inside_the_program_lists_only_its_blocks_and_each_days_wear() -> None:
    """Program start Mon 6 May 2024, walking every other day in blocks of two days from it:
    6–7 May (35 and 31 min: met, 2 days), 8–9 May (no data), 10–11 May (40 min: met). The
    range 8–11 May lists the last two blocks only; 6 May was worn 700 min on step data."""
    start = date(2024, 5, 6)
    activity = activity_days({start: 35.0, date(2024, 5, 7): 31.0, date(2024, 5, 10): 40.0})
    activity["credited_minutes"] = activity["walking_minutes"]
    activity.loc[0, ["wear_basis", "wear_minutes"]] = ["steps", 700.0]
    p = Participant("p1", "UTC", Target(program_start=start))
    got = report.build(p, activity, start=date(2024, 5, 8), end=date(2024, 5, 11))
    assert got["blocks"] == [
        {"start": "2024-05-08", "end": "2024-05-09", "status": "no_data", "complete": True,
         "met_days": 0},
        {"start": "2024-05-10", "end": "2024-05-11", "status": "met", "complete": True,
         "met_days": 1},
    ]  # fmt: skip
    first = report.build(p, activity, start=start, end=date(2024, 5, 7))
    assert [(d["wear_basis"], d["wear_minutes"]) for d in first["days"]] == [
        ("steps", 700.0),
        (None, None),
    ]
    assert first["blocks"] == [
        {"start": "2024-05-06", "end": "2024-05-07", "status": "met", "complete": True,
         "met_days": 2},
    ]  # fmt: skip
