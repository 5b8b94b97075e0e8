"""The charts read back (issue 20 item 4): for a fixed list of program weeks, the data each
chart plots and its encodings (fields, types, titles, colours) from ``chart.to_dict()``, written
out as literals — in English and German."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dashboards import charts
from dashboards.i18n import use

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
        "categories": ["walking", "strength", "pilates", "yoga", "tai_chi", "other"],
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
