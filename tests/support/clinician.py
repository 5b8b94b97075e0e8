"""Report dicts for clinician-report tests: a participant followed through a program of a
given length, built with the real rules (sessions → daily → joined with a diary → report)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ingest.records import DiaryEntry
from pipelines import schemas
from pipelines.config import Target
from pipelines.rules import diary, joined, report
from pipelines.rules.participants import Participant
from pipelines.schemas import DAILY
from tests.support.rules import days, walk

PROGRAM_START = date(2024, 5, 6)  # a Monday


def program_report(weeks: int, participant: str = "p1") -> dict[str, Any]:
    """``weeks`` program weeks from ``PROGRAM_START``: walks of 20–55 min on 3–4 days a week
    (a week without any data every fifth week), a Yoga session on Tuesdays and, from the
    third week, a strength session on Fridays; a pain diary from 10 days before the start,
    60 falling by 1 a week with the weekday's wobble, no entry on Sundays."""
    start = PROGRAM_START
    end = start + timedelta(days=7 * weeks - 1)
    at = "{:%Y-%m-%d}T{}:00:00"
    records = []
    for k in range(7 * weeks):
        d = start + timedelta(days=k)
        week, weekday = divmod(k, 7)
        if week % 5 == 4:
            continue  # the watch stayed in the drawer
        if weekday in (0, 2, 4, 5 if week % 2 else 0):
            minutes = 20 + (k * 7) % 36
            records.append(walk(at.format(d, "08"), minutes, index=len(records)))
        if weekday == 1:
            records.append(walk(at.format(d, "18"), 25, sport=4, sub_sport=43, index=len(records)))
        if weekday == 4 and week >= 2:
            records.append(walk(at.format(d, "18"), 20, sport=4, sub_sport=20, index=len(records)))
    frame = days(records, program_start=start).assign(participant=participant)
    activity = schemas.coerce(DAILY, frame)
    entries = []
    for k in range(-10, 7 * weeks):
        d = start + timedelta(days=k)
        if d.weekday() == 6:
            continue
        pain = max(5.0, 60.0 - max(k, 0) / 7 + (k % 3) * 5)
        entries.append(
            DiaryEntry(row=len(entries) + 2, date=d, pain=pain, painkiller=k in range(3, 8))
        )
    per_day = diary.per_day(diary.entries_frame(participant, entries, source="file"))
    table = joined.join(participant, activity, per_day, start)
    person = Participant(participant, "Europe/Berlin", Target(program_start=start))
    return report.build(person, table, start, end)
