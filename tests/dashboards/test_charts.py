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
