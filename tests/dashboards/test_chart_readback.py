"""The charts read back (issue 20 item 4): for a fixed list of program weeks and one fixed
small participant, the data each chart plots and its encodings (fields, types, titles, colours,
reference lines) from ``chart.to_dict()``, written out as literals worked out by hand — in
English and German. Every chart a dashboard page draws is here: the training and sessions
charts, the walking calendar and the blocks (My activity), the pain chart (Pain) and the
group calendar (Group).

The participant p1 (program start Monday 2024-05-06, default target: 30–60 walking minutes
every 2 days, so a program week needs 3 met days):

* Walking minutes: 6 May 40, 7 May 75, 8 May 10, 9 May 35, 12 May 5, 13 May 20, 14 May 60,
  15 May 29.96, 16 May 45; no activity data on 10 and 11 May.
* Pain diary (0–100): 2 May 50, 3 May 40, 4 May 60, 5 May 50, 6 May 45, 8 May 75 (the
  person flags a flare-up), 9 May 80, 10 May 40.

and p2 in the same group, with a target of 20–40 minutes. Twice: once through the rules a
refresh uses (``apply_target`` in the support builder, ``joined.join`` — the ``days`` table
the pages read — and ``adherence.blocks``) into the chart builders; once from FIT files and
diary entries through ingest and refresh to the pages in AppTest, whose charts are read back
from the page (``tests.support.vega``). Both must show the same hand-worked figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import charts
from dashboards.i18n import CATEGORY_LABELS, category_label, use
from demo import fitwriter
from ingest.records import DiaryEntry
from pipelines.app import diary as diary_app
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.config import Target
from pipelines.rules import adherence, joined
from pipelines.rules.taxonomy import CATEGORIES
from pipelines.store.storage import Store
from tests.support.rules import activity_days, diary_days
from tests.support.signin import TOKEN_KEY, token_for
from tests.support.vega import page_charts

# three program weeks as the report lists them: week 1 meets the training target (2 ≥ 2),
# week 2 is complete and does not (1 < 2), week 3 is still in progress
WEEKS: list[dict[str, Any]] = [
    {"start": "2024-05-06", "complete": True, "training_sessions": 2, "training_minutes": 40.0,
     "sessions": {"walking": 4, "strength": 0, "pilates": 2, "yoga": 0, "tai_chi": 0,
                  "other": 0}},
    {"start": "2024-05-13", "complete": True, "training_sessions": 1, "training_minutes": 25.5,
     "sessions": {"walking": 2, "strength": 1, "pilates": 0, "yoga": 0, "tai_chi": 0,
                  "other": 1}},
    {"start": "2024-05-20", "complete": False, "training_sessions": 0, "training_minutes": 0.0,
     "sessions": {"walking": 1, "strength": 0, "pilates": 0, "yoga": 0, "tai_chi": 3,
                  "other": 0}},
]  # fmt: skip

WORDS = {
    "en": {
        "week": "program week from",
        "training": "training sessions",
        "minutes": "training minutes",
        "reached": "target reached",
        "below": "below target",
        "progress": "week in progress",
        "training title": "Training sessions per week (target 2)",
        "sessions": "sessions",
        "category": "category",
        "sessions title": "Sessions per week by category",
        # a person-readable word for each category, never the key (``tai_chi``)
        "categories": ["walking", "strength", "Pilates", "Yoga", "Tai-Chi", "other"],
    },
    "de": {
        "week": "Programmwoche ab",
        "training": "Trainingseinheiten",
        "minutes": "Trainingsminuten",
        "reached": "Ziel erreicht",
        "below": "unter dem Ziel",
        "progress": "laufende Woche",
        "training title": "Trainingseinheiten pro Woche (Ziel 2)",
        "sessions": "Einheiten",
        "category": "Kategorie",
        "sessions title": "Einheiten pro Woche nach Kategorie",
        "categories": ["Gehen", "Kraft", "Pilates", "Yoga", "Tai-Chi", "Sonstige"],
    },
}


@pytest.fixture(params=["en", "de"])
def lang(request: pytest.FixtureRequest) -> Iterator[str]:
    use(request.param)
    try:
        yield str(request.param)
    finally:
        use("en")


def values(spec: dict[str, Any], view: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows a (layer of a) chart plots: its named dataset."""
    rows: list[dict[str, Any]] = spec["datasets"][view["data"]["name"]]
    return rows


def test_the_training_chart_plots_each_weeks_sessions_against_the_target(lang: str) -> None:
    w = WORDS[lang]
    spec = charts.training_chart(WEEKS, target_sessions=2).to_dict()
    assert spec["title"] == w["training title"]
    bars, rule = spec["layer"]
    assert values(spec, bars) == [
        {"week": "2024-05-06", "sessions": 2, "minutes": 40.0, "reached": w["reached"]},
        {"week": "2024-05-13", "sessions": 1, "minutes": 25.5, "reached": w["below"]},
        {"week": "2024-05-20", "sessions": 0, "minutes": 0.0, "reached": w["progress"]},
    ]
    assert bars["mark"]["type"] == "bar"
    encoding = bars["encoding"]
    assert encoding["x"] == {"field": "week", "title": w["week"], "type": "ordinal"}
    assert encoding["y"] == {"field": "sessions", "title": w["training"], "type": "quantitative"}
    assert encoding["color"]["field"] == "reached"
    assert encoding["color"]["scale"] == {
        "domain": [w["reached"], w["below"], w["progress"]],
        "range": ["#1a9850", "#f4a582", "#bdbdbd"],
    }
    assert [(x["field"], x["title"]) for x in encoding["tooltip"]] == [
        ("week", w["week"]),
        ("sessions", w["training"]),
        ("minutes", w["minutes"]),
    ]
    # the target: one dashed horizontal line at 2 sessions
    assert values(spec, rule) == [{"target": 2}]
    assert rule["mark"] == {"type": "rule", "strokeDash": [4, 4]}
    assert rule["encoding"] == {"y": {"field": "target", "type": "quantitative"}}


def test_the_sessions_chart_stacks_each_weeks_categories(lang: str) -> None:
    w = WORDS[lang]
    spec = charts.sessions_per_week_chart(WEEKS).to_dict()
    assert spec["title"] == w["sessions title"]
    assert spec["mark"]["type"] == "bar"
    walking, strength, pilates, yoga, tai_chi, other = w["categories"]
    rows = [(r["week"], r["category"], r["sessions"]) for r in values(spec, spec)]
    # every category of every week, zeros included: 3 weeks × 6 categories
    assert rows == [
        ("2024-05-06", walking, 4), ("2024-05-06", strength, 0), ("2024-05-06", pilates, 2),
        ("2024-05-06", yoga, 0), ("2024-05-06", tai_chi, 0), ("2024-05-06", other, 0),
        ("2024-05-13", walking, 2), ("2024-05-13", strength, 1), ("2024-05-13", pilates, 0),
        ("2024-05-13", yoga, 0), ("2024-05-13", tai_chi, 0), ("2024-05-13", other, 1),
        ("2024-05-20", walking, 1), ("2024-05-20", strength, 0), ("2024-05-20", pilates, 0),
        ("2024-05-20", yoga, 0), ("2024-05-20", tai_chi, 3), ("2024-05-20", other, 0),
    ]  # fmt: skip
    encoding = spec["encoding"]
    assert encoding["x"] == {"field": "week", "title": w["week"], "type": "ordinal"}
    assert encoding["y"] == {
        "aggregate": "sum",
        "field": "sessions",
        "title": w["sessions"],
        "type": "quantitative",
    }
    assert encoding["color"] == {
        "field": "category",
        "sort": w["categories"],
        "title": w["category"],
        "type": "nominal",
    }


def test_every_category_has_a_label_and_none_shows_its_key(lang: str) -> None:
    assert tuple(CATEGORY_LABELS) == CATEGORIES
    shown = [category_label(c) for c in CATEGORIES]
    assert shown == WORDS[lang]["categories"]


# ------------------------------------------------------- one participant through the rules

START = date(2024, 5, 6)  # a Monday
TARGET = Target(program_start=START)  # 30–60 min every 2 days: 3 met days a program week


def may(day: int) -> date:
    return date(2024, 5, day)


WALKING = {may(6): 40, may(7): 75, may(8): 10, may(9): 35, may(12): 5, may(13): 20,
           may(14): 60, may(15): 29.96, may(16): 45}  # fmt: skip
PAIN = {may(2): 50, may(3): 40, may(4): 60, may(5): 50, may(6): 45, may(8): 75, may(9): 80,
        may(10): 40}  # fmt: skip
FLAGGED = {may(8)}
BASELINE = 50.0  # the 14 days before the start hold 4 entries (≥ 4): (50 + 40 + 60 + 50) / 4

LABELS = {
    "en": {
        "Mon": "Mon", "Tue": "Tue", "Wed": "Wed", "Thu": "Thu", "Fri": "Fri", "Sat": "Sat",
        "Sun": "Sun",
        "no data": "no data", "rest day": "rest day", "below target": "below target",
        "in range": "in range", "above range": "above range",
        "met": "met", "missed": "missed",
        "pain": "pain", "flagged": "flare-up (flagged by you)",
        "detected": "clearly above your usual level",
        "week starting": "week starting", "walking (target)": "walking (target 30–60 min)",
        "day": "day", "walking min": "walking min",
        "heatmap title": "Walking minutes per day (target band 30–60 min)",
        "block starting": "block starting", "block": "block", "from": "from", "to": "to",
        "complete": "complete", "blocks title": "Blocks",
        "pain axis": "pain (0–100)", "7-day mean": "7-day mean", "pain title": "Pain",
        "baseline": "baseline", "reference": "baseline − 15 (reference change)",
        "walking vs target": "walking vs target", "participant": "participant",
        "group title": "Walking minutes per day",
    },
    "de": {
        "Mon": "Mo", "Tue": "Di", "Wed": "Mi", "Thu": "Do", "Fri": "Fr", "Sat": "Sa",
        "Sun": "So",
        "no data": "keine Daten", "rest day": "Ruhetag", "below target": "unter dem Ziel",
        "in range": "im Zielbereich", "above range": "über dem Zielbereich",
        "met": "erreicht", "missed": "verfehlt",
        "pain": "Schmerz", "flagged": "Schmerzschub (von Ihnen markiert)",
        "detected": "deutlich über Ihrem üblichen Niveau",
        "week starting": "Woche ab", "walking (target)": "Gehen (Ziel 30–60 min)",
        "day": "Tag", "walking min": "Gehminuten",
        "heatmap title": "Gehminuten pro Tag (Zielbereich 30–60 min)",
        "block starting": "Block ab", "block": "Block", "from": "von", "to": "bis",
        "complete": "vollständig", "blocks title": "Blöcke",
        "pain axis": "Schmerz (0–100)", "7-day mean": "Mittel 7 Tage", "pain title": "Schmerz",
        "baseline": "Ausgangswert", "reference": "Ausgangswert − 15 (Referenz-Veränderung)",
        "walking vs target": "Gehen im Vergleich zum Ziel", "participant": "Teilnehmende",
        "group title": "Gehminuten pro Tag",
    },
}  # fmt: skip
BANDS = ["no data", "rest day", "below target", "in range", "above range"]
BAND_COLOURS = ["#e0e0e0", "#d1e5f0", "#f4a582", "#1a9850", "#006837"]


# What p1's charts show, worked out by hand (English keys; ``LABELS`` gives the words).
#
# The walking calendar: every day from the first diary day (2 May) to the last (16 May).
# Before the start there is a diary but no activity data: no data, not inactive. Program
# week 1 (6–12 May) has 3 met days (6, 7, 9): its days below 30 minutes (8 May 10, 12 May 5)
# are rest days. Week 2 (13–16 May) has 2 (14, 16): 13 May (20) is below target, and so is
# 15 May (29.96 < 30, shown rounded as 30.0). 60 is still in range, 75 above it.
CALENDAR = [  # day, ISO week from, weekday, band, walking minutes, met
    ("2024-05-02", "2024-04-29", "Thu", "no data", 0.0, False),
    ("2024-05-03", "2024-04-29", "Fri", "no data", 0.0, False),
    ("2024-05-04", "2024-04-29", "Sat", "no data", 0.0, False),
    ("2024-05-05", "2024-04-29", "Sun", "no data", 0.0, False),
    ("2024-05-06", "2024-05-06", "Mon", "in range", 40.0, True),
    ("2024-05-07", "2024-05-06", "Tue", "above range", 75.0, True),
    ("2024-05-08", "2024-05-06", "Wed", "rest day", 10.0, False),
    ("2024-05-09", "2024-05-06", "Thu", "in range", 35.0, True),
    ("2024-05-10", "2024-05-06", "Fri", "no data", 0.0, False),
    ("2024-05-11", "2024-05-06", "Sat", "no data", 0.0, False),
    ("2024-05-12", "2024-05-06", "Sun", "rest day", 5.0, False),
    ("2024-05-13", "2024-05-13", "Mon", "below target", 20.0, False),
    ("2024-05-14", "2024-05-13", "Tue", "in range", 60.0, True),
    ("2024-05-15", "2024-05-13", "Wed", "below target", 30.0, False),
    ("2024-05-16", "2024-05-13", "Thu", "in range", 45.0, True),
]
# Blocks of 2 days from the start (6 May) to the last day with data (16 May): a block is met
# when one of its days is (≥ 30 min); 10–11 May has no data at all; 12–13 May has data but no
# met day (5 + 20); 14–15 May: 60 + 29.96 = 89.96, shown as 90.0; the last block, 16–17 May,
# is still open (17 May lies after the last day with data).
BLOCKS = [  # first day, last day, status, walking minutes, complete
    ("2024-05-06", "2024-05-07", "met", 115.0, True),
    ("2024-05-08", "2024-05-09", "met", 45.0, True),
    ("2024-05-10", "2024-05-11", "no data", 0.0, True),
    ("2024-05-12", "2024-05-13", "missed", 25.0, True),
    ("2024-05-14", "2024-05-15", "met", 90.0, True),
    ("2024-05-16", "2024-05-17", "met", 45.0, False),
]
# Pain as written; the trailing 7-day mean over calendar days once 3 of them have a value
# (4 May: (50 + 40 + 60) / 3 = 50.0; 8 May: (50 + 40 + 60 + 50 + 45 + 75) / 6 = 53.3;
# 13 May: (75 + 80 + 40) / 3 = 65.0; 15 May: 2 values, no mean — and no row). Days without
# an entry but with a mean (7, 11–14 May) are plotted without a point. Flare-ups: until
# 10 May fewer than 7 earlier values, so the usual level is the baseline 50; 8 May (75, +25)
# and 9 May (80, +30) are ≥ 20 above it on 2 days in a row — detected; the person flagged
# 8 May, and their own flag is what that day shows.
PAIN_DAYS = [  # day, pain, 7-day mean, kind
    ("2024-05-02", 50.0, None, "pain"),
    ("2024-05-03", 40.0, None, "pain"),
    ("2024-05-04", 60.0, 50.0, "pain"),
    ("2024-05-05", 50.0, 50.0, "pain"),
    ("2024-05-06", 45.0, 49.0, "pain"),
    ("2024-05-07", None, 49.0, "pain"),
    ("2024-05-08", 75.0, 53.3, "flagged"),
    ("2024-05-09", 80.0, 58.3, "detected"),
    ("2024-05-10", 40.0, 58.3, "pain"),
    ("2024-05-11", None, 58.0, "pain"),
    ("2024-05-12", None, 60.0, "pain"),
    ("2024-05-13", None, 65.0, "pain"),
    ("2024-05-14", None, 65.0, "pain"),
]
# The group calendar: p1 against 30–60, p2 (in the same group) against its own 20–40; no
# rest days there. p2 walked 30 on 12 May, 25 on 13 May, 45 on 15 May and 50 on 17 May.
# The same 25 minutes would be below p1's 30; 29.96 is below 30 though shown as 30.0. Every
# day not listed has no data (0.0).
P2_WALKING = {may(12): 30, may(13): 25, may(15): 45, may(17): 50}
P2_TARGET = {"min_minutes": 20, "max_minutes": 40}
GROUP_DAYS = {  # (participant, day) → walking minutes, band
    ("p1", "2024-05-06"): (40.0, "in range"),
    ("p1", "2024-05-07"): (75.0, "above range"),
    ("p1", "2024-05-08"): (10.0, "below target"),
    ("p1", "2024-05-09"): (35.0, "in range"),
    ("p1", "2024-05-12"): (5.0, "below target"),
    ("p1", "2024-05-13"): (20.0, "below target"),
    ("p1", "2024-05-14"): (60.0, "in range"),
    ("p1", "2024-05-15"): (30.0, "below target"),
    ("p1", "2024-05-16"): (45.0, "in range"),
    ("p2", "2024-05-12"): (30.0, "in range"),
    ("p2", "2024-05-13"): (25.0, "in range"),
    ("p2", "2024-05-15"): (45.0, "above range"),
    ("p2", "2024-05-17"): (50.0, "above range"),
}


def group_rows(w: dict[str, str], first: date, last: date) -> list[dict[str, Any]]:
    """The group calendar's rows over ``[first, last]``: p1's days, then p2's."""
    calendar = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    rows = []
    for who in ("p1", "p2"):
        for day in calendar:
            minutes, band = GROUP_DAYS.get((who, day.isoformat()), (0.0, "no data"))
            rows.append(
                {"participant": who, "day": day.isoformat(), "walking_minutes": minutes,
                 "band": w[band]}
            )  # fmt: skip
    return rows


def check_calendar(spec: dict[str, Any], w: dict[str, str], first: str = "") -> None:
    """The calendar's rows from ``first`` on (ISO; the page shows the program from its
    start, the builder every day it is given)."""
    assert spec["title"] == w["heatmap title"]
    assert spec["mark"] == {"type": "rect", "stroke": "white"}
    assert values(spec, spec) == [
        {"day": day, "week_start": week, "weekday": w[weekday], "band": w[band],
         "walking_minutes": minutes, "met": met}
        for day, week, weekday, band, minutes, met in CALENDAR
        if day >= first
    ]  # fmt: skip
    encoding = spec["encoding"]
    assert encoding["x"] == {"field": "week_start", "title": w["week starting"], "type": "ordinal"}
    assert encoding["y"] == {
        "field": "weekday",
        "sort": [w[d] for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")],
        "title": None,
        "type": "ordinal",
    }
    # the band: 30–60 minutes; its colours in a fixed order whatever days the data holds
    assert encoding["color"] == {
        "field": "band",
        "scale": {"domain": [w[b] for b in BANDS], "range": BAND_COLOURS},
        "title": w["walking (target)"],
        "type": "nominal",
    }
    assert [(x["field"], x["title"]) for x in encoding["tooltip"]] == [
        ("day", w["day"]),
        ("walking_minutes", w["walking min"]),
        ("met", w["met"]),
    ]


def check_blocks(spec: dict[str, Any], w: dict[str, str]) -> None:
    assert spec["title"] == w["blocks title"]
    assert spec["height"] == 50  # the squares' height: the width fits the page, not the height
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["mark"] == {"type": "rect", "stroke": "white", "strokeWidth": 1}
    assert values(spec, spec) == [
        {"start": start, "end": end, "status": w[status], "walking_minutes": minutes,
         "complete": complete, "row": ""}
        for start, end, status, minutes, complete in BLOCKS
    ]  # fmt: skip
    encoding = spec["encoding"]
    assert encoding["x"] == {
        "axis": {"labelAngle": -45, "labelOverlap": "parity"},
        "field": "start",
        "sort": None,
        "title": w["block starting"],
        "type": "ordinal",
    }
    assert encoding["y"] == {"axis": None, "field": "row", "title": None, "type": "nominal"}
    assert encoding["color"] == {
        "field": "status",
        "scale": {
            "domain": [w["met"], w["missed"], w["no data"]],
            "range": ["#1a9850", "#d73027", "#bdbdbd"],
        },
        "title": w["block"],
        "type": "nominal",
    }
    assert [(x["field"], x["title"]) for x in encoding["tooltip"]] == [
        ("start", w["from"]),
        ("end", w["to"]),
        ("status", w["block"]),
        ("walking_minutes", w["walking min"]),
        ("complete", w["complete"]),
    ]


def check_pain(spec: dict[str, Any], w: dict[str, str]) -> None:
    assert spec["title"] == w["pain title"]
    assert spec["resolve"] == {"scale": {"color": "independent"}}
    points, mean, lines = spec["layer"]
    assert values(spec, points) == [
        {"date": day, "pain": pain, "pain_7d_mean": mean_7d, "kind": w[kind]}
        for day, pain, mean_7d, kind in PAIN_DAYS
    ]
    assert points["mark"] == {"type": "circle", "size": 40}
    assert points["encoding"]["x"] == {"field": "date", "title": None, "type": "temporal"}
    assert points["encoding"]["y"] == {
        "field": "pain",
        "scale": {"domain": [0, 100]},
        "title": w["pain axis"],
        "type": "quantitative",
    }
    assert points["encoding"]["color"] == {
        "field": "kind",
        "scale": {
            "domain": [w["pain"], w["flagged"], w["detected"]],
            "range": ["#4575b4", "#d73027", "#fdae61"],
        },
        "title": None,
        "type": "nominal",
    }
    assert [(x["field"], x["title"]) for x in points["encoding"]["tooltip"]] == [
        ("date", w["day"]),
        ("pain", w["pain"]),
        ("pain_7d_mean", w["7-day mean"]),
        ("kind", " "),
    ]
    # the mean: a line over the same rows
    assert mean["data"] == points["data"]
    assert mean["mark"] == {"type": "line", "color": "#333333"}
    assert mean["encoding"] == {
        "x": {"field": "date", "title": None, "type": "temporal"},
        "y": {"field": "pain_7d_mean", "type": "quantitative"},
    }
    # the baseline 50 and the reference line 15 points below it: 35
    assert values(spec, lines) == [
        {"value": 50.0, "line": w["baseline"]},
        {"value": 35.0, "line": w["reference"]},
    ]
    assert lines["mark"] == {"type": "rule", "strokeDash": [6, 3]}
    assert lines["encoding"]["y"] == {"field": "value", "type": "quantitative"}
    assert lines["encoding"]["color"] == {
        "field": "line",
        "scale": {"range": ["#777", "#1a9850"]},
        "title": None,
        "type": "nominal",
    }


def check_group(spec: dict[str, Any], w: dict[str, str], first: date, last: date) -> None:
    assert spec["title"] == w["group title"]
    assert spec["mark"] == {"type": "rect", "stroke": "white"}
    assert values(spec, spec) == group_rows(w, first, last)
    encoding = spec["encoding"]
    assert encoding["x"] == {"field": "day", "title": None, "type": "ordinal"}
    assert encoding["y"] == {"field": "participant", "title": None, "type": "nominal"}
    assert encoding["color"] == {
        "field": "band",
        "scale": {"domain": [w[b] for b in BANDS], "range": BAND_COLOURS},
        "title": w["walking vs target"],
        "type": "nominal",
        # below the calendar: on the right, five entries were cut off below one row
        "legend": {"orient": "bottom", "direction": "horizontal"},
    }
    assert [(x["field"], x["title"]) for x in encoding["tooltip"]] == [
        ("participant", w["participant"]),
        ("day", w["day"]),
        ("walking_minutes", w["walking min"]),
    ]


# ---------------------------------------------------- the chart builders, on the rules' tables


@pytest.fixture(scope="module")
def activity() -> pd.DataFrame:
    """p1's ``daily`` table: the walking minutes above, met from 30 minutes."""
    return activity_days(WALKING)


@pytest.fixture(scope="module")
def days(activity: pd.DataFrame) -> pd.DataFrame:
    """p1's ``days`` table as a refresh writes it (activity ⨝ diary, the pain rules)."""
    return joined.join("p1", activity, diary_days(PAIN, flagged=FLAGGED), START)


def test_the_walking_calendar_colours_each_day_against_the_band(
    lang: str, days: pd.DataFrame
) -> None:
    check_calendar(charts.walking_heatmap(days, TARGET).to_dict(), LABELS[lang])


def test_the_blocks_strip_shows_each_two_day_block(lang: str, activity: pd.DataFrame) -> None:
    check_blocks(charts.blocks_chart(adherence.blocks(activity, TARGET)).to_dict(), LABELS[lang])


def test_the_pain_chart_plots_days_mean_flare_ups_and_the_reference_lines(
    lang: str, days: pd.DataFrame
) -> None:
    check_pain(charts.pain_chart(days, BASELINE, 15.0).to_dict(), LABELS[lang])


def test_the_pain_chart_without_a_baseline_has_no_reference_lines(days: pd.DataFrame) -> None:
    spec = charts.pain_chart(days, None, 15.0).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["circle", "line"]
    assert len(spec["datasets"]) == 1


def test_the_group_calendar_colours_each_member_against_their_own_target(
    lang: str, activity: pd.DataFrame
) -> None:
    p2 = activity_days(P2_WALKING, participant="p2")
    frame = pd.concat([activity, p2], ignore_index=True)
    frame = frame[["participant", "date", "walking_minutes", "has_data"]]
    targets = {"p1": TARGET, "p2": Target(**P2_TARGET)}
    spec = charts.group_heatmap(frame, targets, may(13), may(16)).to_dict()
    check_group(spec, LABELS[lang], may(13), may(16))


# ------------------------------------------------------ the pages, from FIT files and a diary
#
# The same people as an upload brings them: each walk a FIT walking session (08:00 Berlin
# time), p1's pain diary typed in entry by entry, p1 also a 25-minute "Tai Chi" (FIT sport
# training, recognised by its name) at 17:00 on 14 May. Then the pages, signed in.
#
# My activity's other two charts, by hand: program week 1 (6–12 May, complete) holds no
# training session → below target; week 2 (13–19 May, in progress: the data ends on 16 May)
# holds the Tai-Chi (≥ 15 min) → 1 session, 25 minutes. Walks: 5 in week 1 (6, 7, 8, 9,
# 12 May), 4 in week 2 (13–16 May).

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT_S = 60
CEST_S = 2 * 3600


def _fit_walks(folder: Path, walking: dict[date, float]) -> None:
    folder.mkdir()
    for i, (day, minutes) in enumerate(sorted(walking.items())):
        data = fitwriter.activity_file(
            start_utc=datetime(day.year, day.month, day.day, 6, tzinfo=UTC),  # 08:00 CEST
            elapsed_s=minutes * 60,
            sport=11,
            utc_offset_s=CEST_S,
        )
        (folder / f"walk-{i:02d}.fit").write_bytes(data)


def _ingest(store: Store, participant: str, folder: Path) -> None:
    stored = uploads.store_uploads(store, participant, uploads.collect_paths([folder]))
    uploads.record(store, participant, uploads.parse_stored(stored, workers=1))
    refreshing.refresh_participant(store, participant)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("chart-readback")
    store = Store(root / "data")
    _fit_walks(root / "p1", WALKING)
    tai_chi = fitwriter.activity_file(
        start_utc=datetime(2024, 5, 14, 15, tzinfo=UTC),  # 17:00 CEST
        elapsed_s=25 * 60,
        sport=10,
        name="Tai Chi",
        utc_offset_s=CEST_S,
    )
    (root / "p1" / "tai-chi.fit").write_bytes(tai_chi)
    settings.configure(store, "p1", tz="Europe/Berlin", group="group-a", program_start=START)
    _ingest(store, "p1", root / "p1")
    for row, (day, pain) in enumerate(sorted(PAIN.items()), start=1):
        flare_up = True if day in FLAGGED else None
        entry = DiaryEntry(row=row, date=day, pain=pain, flare_up=flare_up)
        diary_app.add_diary_entry(store, "p1", entry)
    _fit_walks(root / "p2", P2_WALKING)
    settings.configure(store, "p2", tz="Europe/Berlin", group="group-a", **P2_TARGET)
    _ingest(store, "p2", root / "p2")
    return store.root


def _page(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, lang: str, page: str, **who: str
) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.session_state[TOKEN_KEY] = token_for(data_dir, **who)
    at.session_state["lang"] = lang
    at.run()
    at = at.switch_page(page).run()
    assert not at.exception
    return at


def test_my_activity_draws_the_hand_computed_charts(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, lang: str
) -> None:
    at = _page(monkeypatch, data_dir, lang, "pages/my_activity.py", participant="p1")
    calendar, blocks, training, sessions = page_charts(at)
    # the page shows the program (issue 18): the diary's days before 6 May are not drawn
    check_calendar(calendar, LABELS[lang], first=START.isoformat())
    check_blocks(blocks, LABELS[lang])
    w = WORDS[lang]
    assert training["title"] == w["training title"]
    bars, rule = training["layer"]
    assert values(training, bars) == [
        {"week": "2024-05-06", "sessions": 0, "minutes": 0.0, "reached": w["below"]},
        {"week": "2024-05-13", "sessions": 1, "minutes": 25.0, "reached": w["progress"]},
    ]
    assert values(training, rule) == [{"target": 2}]
    walking, strength, pilates, yoga, tai_chi, other = w["categories"]
    assert [(r["week"], r["category"], r["sessions"]) for r in values(sessions, sessions)] == [
        ("2024-05-06", walking, 5), ("2024-05-06", strength, 0), ("2024-05-06", pilates, 0),
        ("2024-05-06", yoga, 0), ("2024-05-06", tai_chi, 0), ("2024-05-06", other, 0),
        ("2024-05-13", walking, 4), ("2024-05-13", strength, 0), ("2024-05-13", pilates, 0),
        ("2024-05-13", yoga, 0), ("2024-05-13", tai_chi, 1), ("2024-05-13", other, 0),
    ]  # fmt: skip
    # the sessions table names the category as the chart does
    table = at.dataframe[-1].value
    assert sorted(set(table[w["category"]])) == sorted({walking, tai_chi})


def test_the_pain_page_draws_the_hand_computed_chart(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, lang: str
) -> None:
    at = _page(monkeypatch, data_dir, lang, "pages/pain.py", participant="p1")
    (pain,) = page_charts(at)
    check_pain(pain, LABELS[lang])  # the baseline from the report: 50, the reference 15


def test_the_group_page_draws_the_hand_computed_calendar(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, lang: str
) -> None:
    at = _page(monkeypatch, data_dir, lang, "pages/group.py", coach="group-a")
    at = at.date_input(key="group_as_of").set_value(may(16)).run()
    assert not at.exception
    (calendar,) = page_charts(at)
    # the page's window: the 28 days up to the chosen day, 19 April to 16 May
    check_group(calendar, LABELS[lang], date(2024, 4, 19), may(16))
