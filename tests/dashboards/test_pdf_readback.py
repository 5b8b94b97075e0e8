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

import pytest

from dashboards import pdf_report
from dashboards.i18n import use
from ingest.records import DiaryEntry
from pipelines import schemas
from pipelines.config import Target
from pipelines.rules import diary, joined, report
from pipelines.rules.participants import Participant
from pipelines.schemas import DAILY
from tests.support.pdf import pdf_text
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
        "67%: 1 of 2 complete program weeks with at least 3 walking days (weeks without data: 0)",
        "Walking dose 78% (credited minutes against 90 a week)",
        "Training: 50% of weeks with 2 sessions of at least 15 min (1 of 2)",
        "43% of blocks met (3 of 7 complete blocks)",
        "Current streak 0 blocks; longest gap 6 days",
        "met 3, missed 1, without data 3 (counted as not met)",
        "walking 6; strength 0; Pilates 3; Yoga 0; Tai-Chi 0; other 0",
        "Baseline 60.0; latest 7-day mean 40.0; change -20.0",
        "Baseline from 4 day(s) with an entry",
        "Reference (14-day mean 40.0, change -20.0, -33.3 %): a fall of 15 points reached: yes",
        "Alerts None.",
    ],
    "de": [
        "Teilnehmende p1",
        "Zeitraum 06.05.2024 bis 19.05.2024; erstellt am 20.05.2024",
        "67 %: 1 von 2 vollständigen Programmwochen mit mindestens 3 Gehtagen "
        "(Wochen ohne Daten: 0)",
        "Gehdosis 78 % (angerechnete Minuten gegen 90 pro Woche)",
        "Training: 50 % der Wochen mit 2 Einheiten von mindestens 15 Min. (1 von 2)",
        "43 % der Blöcke erfüllt (3 von 7 vollständigen Blöcken)",
        "Aktuelle Serie 0 Blöcke; längste Lücke 6 Tage",
        "erfüllt 3, verpasst 1, ohne Daten 3 (zählen als nicht erfüllt)",
        "Gehen 6; Kraft 0; Pilates 3; Yoga 0; Tai-Chi 0; Sonstige 0",
        "Ausgangswert 60,0; Mittel der letzten 7 Tage 40,0; Veränderung -20,0",
        "Ausgangswert aus 4 Tag(en) mit Eintrag",
        "Rückgang um 15 Punkte erreicht: ja",
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
