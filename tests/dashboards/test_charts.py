"""dashboards.charts: pure builders that turn tables into valid Vega-Lite specs."""

from __future__ import annotations

import pytest

from dashboards import charts, data
from pipelines.config import Target

P01 = data.Viewer("participant", participant="p01")


@pytest.mark.parametrize(
    ("minutes", "has_data", "band"),
    [
        (0.0, False, "no data"),
        (0.0, True, "below target"),
        (29.9, True, "below target"),
        (30.0, True, "in range"),
        (60.0, True, "in range"),
        (61.0, True, "above range"),
    ],
)
def test_walking_band(minutes: float, has_data: bool, band: str) -> None:
    assert charts.walking_band(minutes, has_data, Target()) == band


@pytest.mark.parametrize(
    ("minutes", "has_data", "band"),
    [
        (0.0, False, "no data"),  # no data stays no data
        (0.0, True, "rest day"),  # below target in a week that has its met days
        (29.9, True, "rest day"),
        (30.0, True, "in range"),
        (61.0, True, "above range"),
    ],
)
def test_walking_band_in_a_week_whose_days_are_met(
    minutes: float, has_data: bool, band: str
) -> None:
    assert charts.walking_band(minutes, has_data, Target(), week_met=True) == band


def test_every_chart_builds_a_valid_spec(tables: data.StoreTables) -> None:
    days = data.days(P01, "p01", tables)
    report = data.report(P01, "p01", tables)
    heatmap = charts.walking_heatmap(days, Target()).to_dict()
    assert len(heatmap["datasets"][next(iter(heatmap["datasets"]))]) == len(days)
    charts.blocks_chart(data.blocks(P01, "p01", tables)).to_dict()
    charts.sessions_per_week_chart(report["weeks"]).to_dict()
    training = charts.training_chart(report["weeks"], 2).to_dict()
    assert len(training["layer"]) == 2  # the bars and the target line
    spec = charts.pain_chart(days, report["pain"]["baseline"], 15.0).to_dict()
    assert len(spec["layer"]) == (3 if report["pain"]["baseline"] is not None else 2)


@pytest.mark.parametrize(
    ("lang", "pain_title", "pain_axis", "heatmap_title", "sessions_title"),
    [
        ("en", "Pain", "pain (0–100)", "Walking minutes per day (target band 30–60 min)",
         "Sessions per week by category"),
        ("de", "Schmerz", "Schmerz (0–100)", "Gehminuten pro Tag (Zielbereich 30–60 min)",
         "Einheiten pro Woche nach Kategorie"),
    ],
)  # fmt: skip
def test_chart_titles_axes_and_legends_are_translated(
    tables: data.StoreTables,
    lang: str,
    pain_title: str,
    pain_axis: str,
    heatmap_title: str,
    sessions_title: str,
) -> None:
    from dashboards.i18n import use

    days = data.days(P01, "p01", tables)
    report = data.report(P01, "p01", tables)
    use(lang)  # type: ignore[arg-type]
    try:
        pain = charts.pain_chart(days, report["pain"]["baseline"], 15.0).to_dict()
        heatmap = charts.walking_heatmap(days, Target()).to_dict()
        sessions = charts.sessions_per_week_chart(report["weeks"]).to_dict()
    finally:
        use("en")
    assert pain["title"] == pain_title
    assert pain["layer"][0]["encoding"]["y"]["title"] == pain_axis
    legend = pain["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert len(legend) == 3 and (lang == "en") == ("flare-up (flagged by you)" in legend)
    assert heatmap["title"] == heatmap_title
    assert sessions["title"] == sessions_title


def test_a_set_height_is_the_plots_height(tables: data.StoreTables) -> None:
    """Streamlit gives a spec without ``autosize`` the type "fit": a set height is then the
    whole chart's, title and axis labels included, and the blocks' 50 px left their squares
    0.25 px in the browser (tests/browser/test_charts_render.py). A chart of a set height
    says the height is the plot's: "fit-x" (the width still fills the page)."""
    days = data.days(P01, "p01", tables)
    report = data.report(P01, "p01", tables)
    targets = {"p01": Target()}
    first, last = min(days["date"]), max(days["date"])
    specs = {
        "heatmap": charts.walking_heatmap(days, Target()).to_dict(),
        "blocks": charts.blocks_chart(data.blocks(P01, "p01", tables)).to_dict(),
        "sessions": charts.sessions_per_week_chart(report["weeks"]).to_dict(),
        "training": charts.training_chart(report["weeks"], 2).to_dict(),
        "pain": charts.pain_chart(days, report["pain"]["baseline"], 15.0).to_dict(),
        "group": charts.group_heatmap(
            days.assign(participant="p01"), targets, first, last
        ).to_dict(),
    }
    assert specs["blocks"]["height"] == 50
    for name, spec in specs.items():
        if "height" in spec:
            assert spec.get("autosize") == {"type": "fit-x", "contains": "padding"}, name
