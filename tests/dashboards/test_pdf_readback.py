"""The clinician PDF read back (issue 20 item 4): a fixed small participant, the report's
figures worked out by hand below, the PDF's text extracted and compared — in English and German.

The participant (program start Monday 2024-05-06, period 2024-05-06 to 2024-05-19, default
target: 30–60 min every 2 days → 3 met days a week, 90 credited minutes a week; training 2
sessions of ≥ 15 min a week):

* walks: 40 min on 6, 7, 8, 9 May; 30 min on 13 May; 20 min on 15 May.
  Week 1 (6–12 May): 4 met days → min(4/3, 1) = 1; credited 4 × 40 = 160 → dose min(160/90, 1)
  = 1; week met. Week 2 (13–19 May): 1 met day (30 min; 20 is below 30) → 1/3; credited
  30 + 20 = 50 → 50/90 = 0.556; week not met.
  Adherence (1 + 1/3) / 2 = 0.667 → 67 %; met weeks 1 of 2; dose (1 + 0.556) / 2 = 0.778 → 78 %.
* Pilates (20 min each) on 7 and 9 May (week 1: 2 sessions, met) and 14 May (week 2: 1, not
  met) → training 1 of 2 weeks = 50 %.
* blocks of 2 days from 6 May: 6–7 met, 8–9 met, 10–11 no data, 12–13 met (13 May: 30 min),
  14–15 missed (20 min), 16–17 and 18–19 no data → 3 of 7 = 43 %; longest gap 14–19 May = 6.
* sessions: walking 6, pilates 3.
* diary: pain 60 on 2–5 May (the 14 days before the start hold 4 entries ≥ 4 → baseline 60.0
  from 4 days), pain 40 every day 6–19 May → latest 7-day mean 40.0, change −20.0 (14-day
  mean 40.0, −33.3 %, both references reached). Painkillers "yes" from 4 May (16 calendar days
  to 19 May, > 14 → warning) or from 15 May (5 days → no warning).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise

import pytest

from dashboards import pdf_report
from dashboards.i18n import use
from ingest.records import DiaryEntry
from pipelines import schemas
from pipelines.config import Target
from pipelines.rules import diary, joined, report
from pipelines.rules.participants import Participant
from pipelines.schemas import DAILY
from tests.support.pdf import ShownText, pdf_shapes, pdf_text
from tests.support.rules import days, walk

START = date(2024, 5, 6)  # a Monday
END = date(2024, 5, 19)
WALKS = {date(2024, 5, 6): 40, date(2024, 5, 7): 40, date(2024, 5, 8): 40, date(2024, 5, 9): 40,
         date(2024, 5, 13): 30, date(2024, 5, 15): 20}  # fmt: skip
PILATES = [date(2024, 5, 7), date(2024, 5, 9), date(2024, 5, 14)]

# the figures as the page shows them, written out (not taken from the module)
SHOWN = {
    "en": [
        "Participant p1",
        "Period 2024-05-06 to 2024-05-19; generated 2024-05-20",
        # prescribed vs received: met days (4 + 1) / 2 = 2.5; minutes (160 + 50) / 2 = 105,
        # credited the same (no day above 60); training sessions (2 + 1) / 2 = 1.5
        "Walking days 3 a week of at least 30 min 2.5 1 of 2 weeks (adherence 67%)",
        "Walking minutes 90 to 180 a week 105 (counted 105) dose 78%",
        "Training sessions 2 a week of at least 15 min 1.5 1 of 2 weeks (50%)",
        # completeness: 6, 7, 8, 9 and 13 May met; 14 May (Pilates 20 min) and 15 May (walk
        # 20 min) worn 20 minutes, below the 600 → low_wear; 7 days no_data → 5 of 14 = 36 %;
        # pain written every day → 14 of 14
        "Days adequately worn 5 of 14 days (36%)",
        "Days with a diary entry 14 of 14 days (100%)",
        "Baseline 60.0; latest 7-day mean 40.0; change -20.0",
        "Baseline from 4 day(s) with an entry",
        "Reference (14-day mean 40.0, change -20.0, -33.3 %): a fall of 15 points reached: yes",
        "43% of blocks met (3 of 7 complete blocks)",
        "Current streak 0 blocks; longest gap 6 days",
        "met 3, missed 1, without data 3 (counted as not met)",
        "walking 6; strength 0; Pilates 3; Yoga 0; Tai-Chi 0; other 0",
        "Questionnaires None recorded.",
        "Alerts None.",
    ],
    "de": [
        "Teilnehmende p1",
        "Zeitraum 06.05.2024 bis 19.05.2024; erstellt am 20.05.2024",
        "Gehtage 3 pro Woche mit mindestens 30 Min. 2,5 1 von 2 Wochen (Adhärenz 67 %)",
        "Gehminuten 90 bis 180 pro Woche 105 (angerechnet 105) Dosis 78 %",
        "Trainingseinheiten 2 pro Woche mit mindestens 15 Min. 1,5 1 von 2 Wochen (50 %)",
        "Tage ausreichend getragen 5 von 14 Tagen (36 %)",
        "Tage mit Tagebucheintrag 14 von 14 Tagen (100 %)",
        "Ausgangswert 60,0; Mittel der letzten 7 Tage 40,0; Veränderung -20,0",
        "Ausgangswert aus 4 Tag(en) mit Eintrag",
        "Rückgang um 15 Punkte erreicht: ja",
        "43 % der Blöcke erfüllt (3 von 7 vollständigen Blöcken)",
        "Aktuelle Serie 0 Blöcke; längste Lücke 6 Tage",
        "erfüllt 3, verpasst 1, ohne Daten 3 (zählen als nicht erfüllt)",
        "Gehen 6; Kraft 0; Pilates 3; Yoga 0; Tai-Chi 0; Sonstige 0",
        "Fragebögen Keine erfasst.",
        "Hinweise Keine.",
    ],
}
RUN = {"en": "Painkillers: run over {n} day(s)", "de": "Schmerzmittel: Einnahme über {n} Tag(e)"}
WARNING = {"en": "(more than 14 days: please review)", "de": "(mehr als 14 Tage: bitte prüfen)"}


@pytest.fixture
def lang(request: pytest.FixtureRequest) -> Iterator[str]:
    use(request.param)
    try:
        yield str(request.param)
    finally:
        use("en")


def participant_report(painkiller_from: date) -> dict[str, object]:
    at = "{:%Y-%m-%d}T{}:00:00"
    records = [walk(at.format(d, "08"), m, index=i) for i, (d, m) in enumerate(WALKS.items())]
    records += [
        walk(at.format(d, "17"), 20, sport=4, sub_sport=44, index=10 + i)
        for i, d in enumerate(PILATES)
    ]
    activity = schemas.coerce(DAILY, days(records, program_start=START).assign(participant="p1"))
    pain = {START - timedelta(days=k): 60.0 for k in range(1, 5)}
    pain |= {START + timedelta(days=k): 40.0 for k in range(14)}
    entries = [
        DiaryEntry(row=i + 2, date=d, pain=v, painkiller=d >= painkiller_from)
        for i, (d, v) in enumerate(sorted(pain.items()))
    ]
    per_day = diary.per_day(diary.entries_frame("p1", entries, source="file"))
    frame = joined.join("p1", activity, per_day, START)
    person = Participant("p1", "Europe/Berlin", Target(program_start=START))
    return report.build(person, frame, START, END)


@pytest.mark.parametrize("lang", ["en", "de"], indirect=True)
@pytest.mark.parametrize(
    ("painkiller_from", "run_days", "warned"),
    [(date(2024, 5, 4), 16, True), (date(2024, 5, 15), 5, False)],
)
def test_the_clinician_pdf_shows_the_hand_computed_figures(
    lang: str, painkiller_from: date, run_days: int, warned: bool
) -> None:
    built = participant_report(painkiller_from)
    text = pdf_text(pdf_report.build(built, [], END + timedelta(days=1)))
    for phrase in SHOWN[lang]:
        assert phrase in text, phrase
    assert RUN[lang].format(n=run_days) in text
    assert (WARNING[lang] in text) is warned


# ------------------------------------------------------------------ the charts, drawn

# the 7-day means of 6–19 May, by hand: 6 May: 2–5 May (60 × 4) and 40 → 280 / 5 = 56.0;
# 7 May: 240 + 80 = 320 / 6 = 53.3; 8 May: 240 + 120 = 360 / 7 = 51.4; 9 May: 3–9 May
# 180 + 160 = 340 / 7 = 48.6; 10 May: 120 + 200 = 320 / 7 = 45.7; 11 May: 60 + 240 = 300 / 7
# = 42.9; from 12 May only 40s → 40.0
MEANS = [56.0, 53.3, 51.4, 48.6, 45.7, 42.9] + [40.0] * 8
TITLES = {
    "en": ("Walking minutes per week", "Training sessions per week", "Pain (0 to 100): 7-day mean"),
    "de": ("Gehminuten pro Woche", "Trainingseinheiten pro Woche",
           "Schmerz (0 bis 100): Mittel über 7 Tage"),
}  # fmt: skip
CHART_MM = 56  # a chart lies within this many mm below its title


def in_chart(title: ShownText, x: float, y: float, width: float = 95) -> bool:
    return title.x - 1 <= x <= title.x + width and title.y < y < title.y + CHART_MM


@pytest.mark.parametrize("lang", ["en", "de"], indirect=True)
def test_the_charts_are_drawn_to_the_hand_computed_figures(lang: str) -> None:
    drawn = pdf_shapes(pdf_report.build(participant_report(date(2024, 5, 15)), [], END))
    walking, training, pain = (drawn.text_at(title) for title in TITLES[lang])

    # walking: week 1 160 min (met: 4 met days ≥ 3), week 2 50 min (not met: 1 met day)
    bars = sorted(
        (r for r in drawn.rects if in_chart(walking, r.x, r.y) and r.w < 20 and r.h > 3),
        key=lambda r: r.x,
    )
    assert [b.fill for b in bars] == [pdf_report.GREEN, pdf_report.ORANGE]
    first, second = bars
    assert first.y + first.h == pytest.approx(second.y + second.h, abs=0.02)  # one axis
    assert first.h / second.h == pytest.approx(160 / 50, rel=2e-3)
    per_minute = first.h / 160
    axis = first.y + first.h
    # the band: 3 walking days × 30 to 3 × 60 minutes = 90 to 180 a week
    [band] = [r for r in drawn.rects if in_chart(walking, r.x, r.y) and r.w > 50]
    assert band.fill == pdf_report.BAND
    assert band.y + band.h == pytest.approx(axis - 90 * per_minute, abs=0.03)
    assert band.y == pytest.approx(axis - 180 * per_minute, abs=0.03)

    # training: 2 sessions in week 1 (met), 1 in week 2; the target line at 2
    right = training.x
    sessions = sorted(
        (r for r in drawn.rects if in_chart(training, r.x, r.y) and r.w < 20 and r.h > 3),
        key=lambda r: r.x,
    )
    assert all(r.x >= right for r in sessions)
    assert [b.fill for b in sessions] == [pdf_report.GREEN, pdf_report.ORANGE]
    assert sessions[0].h / sessions[1].h == pytest.approx(2, rel=2e-3)
    [target] = [
        p for p in drawn.paths if p.dashed and not p.curved and in_chart(training, *p.points[0])
        and p.points[1][0] - p.points[0][0] > 50
    ]  # fmt: skip
    assert target.points[0][1] == pytest.approx(sessions[0].y, abs=0.03)

    # pain: the baseline 60.0 and the reference lines 60 − 15 = 45.0 and 60 × 0.7 = 42.0
    lines = {
        p.stroke: p.points[0][1]
        for p in drawn.paths
        if not p.curved and in_chart(pain, *p.points[0], width=190)
        and p.points[1][0] - p.points[0][0] > 100 and p.points[0][1] == p.points[1][1]
        and p.stroke in (pdf_report.BASELINE, pdf_report.REFERENCE_POINTS,
                         pdf_report.REFERENCE_PERCENT)
    }  # fmt: skip
    y60 = lines[pdf_report.BASELINE]
    per_point = (lines[pdf_report.REFERENCE_POINTS] - y60) / 15
    assert per_point > 0
    assert lines[pdf_report.REFERENCE_PERCENT] == pytest.approx(y60 + 18 * per_point, abs=0.03)
    # the 7-day mean: one line through the 14 days, each point at its mean
    [mean] = [
        p for p in drawn.paths
        if p.stroke == pdf_report.BLUE and not p.curved and len(p.points) > 2
        and in_chart(pain, *p.points[0], 190)
    ]  # fmt: skip
    assert [round(60 - (y - y60) / per_point, 1) for _, y in mean.points] == MEANS
    xs = [x for x, _ in mean.points]
    assert all(b > a for a, b in pairwise(xs))
    # the daily pain: 14 dots at 40 (the legend's dot lies above the plot, above 100)
    dots = [p for p in drawn.paths if p.curved and in_chart(pain, *p.points[0], 190)]
    centres = [sum(y for _, y in d.points[:4]) / 4 for d in dots if d.fill == pdf_report.DOT]
    values = [60 - (y - y60) / per_point for y in centres]
    assert [round(v, 1) for v in values if v <= 100] == [40.0] * 14
