"""pipelines.rules.alerts and pipelines.store.groups: each threshold's edge, per-group overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from pipelines.rules import alerts
from pipelines.rules.alerts import Facts, Thresholds
from pipelines.store import groups
from pipelines.store.storage import Store

QUIET = Facts(days_without_data=0, adherence_14d=1.0, pain_change_vs_baseline=0.0)


def codes(f: Facts, thresholds: Thresholds | None = None) -> list[str]:
    return [a.code for a in alerts.evaluate(f, thresholds or Thresholds())]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"days_without_data": 6}, []),
        ({"days_without_data": 7}, ["no_data"]),
        ({"days_without_data": None}, ["no_data"]),
        ({"adherence_14d": 0.499}, ["low_adherence"]),
        ({"adherence_14d": 0.5}, []),
        ({"adherence_14d": None}, []),
        ({"pain_change_vs_baseline": 19.9}, []),
        ({"pain_change_vs_baseline": 20.0}, ["pain_up"]),
        ({"pain_change_vs_baseline": 63.3 - 43.3}, ["pain_up"]),  # 19.999… shown as 20.0
        ({"pain_change_vs_baseline": None}, []),
        ({"painkiller_run_days": 14}, []),
        ({"painkiller_run_days": 15}, ["painkiller_run"]),
        # the diary stopped during a run (any length): the coach is told
        (
            {"painkiller_run_days": 3, "painkiller_days_since_last_yes": 3},
            ["painkiller_diary_stopped"],
        ),
        (
            {"painkiller_run_days": 16, "painkiller_days_since_last_yes": 9},
            ["painkiller_run", "painkiller_diary_stopped"],
        ),
        (
            {"days_without_data": 9, "adherence_14d": 0.0, "painkiller_run_days": 20},
            ["no_data", "low_adherence", "painkiller_run"],
        ),
    ],
)
def test_default_threshold_edges(change: dict[str, object], expected: list[str]) -> None:
    f = Facts(**{**_fields(QUIET), **change})  # type: ignore[arg-type]
    assert codes(f) == expected


@pytest.mark.parametrize(
    ("thresholds", "change", "expected"),
    [
        (Thresholds(no_data_days=3), {"days_without_data": 3}, ["no_data"]),
        (Thresholds(no_data_days=10), {"days_without_data": 9}, []),
        (Thresholds(min_adherence_14d=0.8), {"adherence_14d": 0.75}, ["low_adherence"]),
        (Thresholds(min_adherence_14d=0.3), {"adherence_14d": 0.3}, []),
        (Thresholds(pain_delta=10), {"pain_change_vs_baseline": 10.0}, ["pain_up"]),
        (Thresholds(pain_delta=30), {"pain_change_vs_baseline": 29.9}, []),
        (Thresholds(painkiller_days=7), {"painkiller_run_days": 8}, ["painkiller_run"]),
        (Thresholds(painkiller_days=21), {"painkiller_run_days": 21}, []),
    ],
)
def test_group_overrides(
    thresholds: Thresholds, change: dict[str, object], expected: list[str]
) -> None:
    f = Facts(**{**_fields(QUIET), **change})  # type: ignore[arg-type]
    assert codes(f, thresholds) == expected


def test_an_alert_carries_its_figure_and_threshold() -> None:
    [alert] = alerts.evaluate(Facts(8, 1.0, None), Thresholds(no_data_days=5))
    assert (alert.code, alert.value, alert.threshold) == ("no_data", 8.0, 5)


@pytest.mark.parametrize(
    "bad",
    [
        {"no_data_days": 0},
        {"min_adherence_14d": 0.0},
        {"min_adherence_14d": 50},
        {"pain_delta": -1},
        {"painkiller_days": 0},
    ],
)
def test_thresholds_refuse_values_the_rule_cannot_use(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Thresholds(**bad)  # type: ignore[arg-type]


def test_facts_of_a_stopped_diary_during_a_run() -> None:
    as_of = date(2026, 9, 20)
    days = pd.DataFrame({"date": [as_of], "has_data": [True]})
    pain = {
        "change_vs_baseline": None,
        "painkiller_run_days": 6,
        "painkiller_run_last": "2026-09-15",
        "painkiller_diary_stopped": True,
    }
    f = alerts.facts(days, {"adherence": {"ratio": None}, "pain": pain}, as_of)
    assert f == Facts(0, None, None, 6, 5)
    [alert] = alerts.evaluate(f, Thresholds())
    assert (alert.code, alert.value, alert.threshold) == ("painkiller_diary_stopped", 5.0, 2.0)
    running = {**pain, "painkiller_diary_stopped": False}
    f = alerts.facts(days, {"adherence": {"ratio": None}, "pain": running}, as_of)
    assert f.painkiller_days_since_last_yes is None


def test_facts_from_days_and_the_window_report() -> None:
    as_of = date(2026, 9, 20)
    days = pd.DataFrame(
        {"date": [as_of - timedelta(days=d) for d in (9, 8, 0)], "has_data": [True, True, False]}
    )
    report = {
        "adherence": {"ratio": 0.4286},
        "pain": {"change_vs_baseline": 21.5, "painkiller_run_days": 3},
    }
    f = alerts.facts(days, report, as_of)
    assert f == Facts(8, 0.4286, 21.5, 3)
    assert alerts.window(as_of) == (date(2026, 9, 7), as_of)
    assert alerts.facts(days.iloc[0:0], {"adherence": {"ratio": None}}, as_of) == Facts(
        None, None, None, 0
    )


def test_group_thresholds_are_stored_per_group(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert groups.load(store, "group-a") == Thresholds()
    groups.save(store, "group-a", Thresholds(no_data_days=3, pain_delta=12.5), datetime.now(UTC))
    assert groups.load(store, "group-a") == Thresholds(no_data_days=3, pain_delta=12.5)
    assert groups.load(store, "group-b") == Thresholds()
    assert store.participants() == []  # a group partition is never taken for a participant
    with pytest.raises(ValueError):
        groups.path(store, "../group-a")


def _fields(f: Facts) -> dict[str, object]:
    return {
        "days_without_data": f.days_without_data,
        "adherence_14d": f.adherence_14d,
        "pain_change_vs_baseline": f.pain_change_vs_baseline,
        "painkiller_run_days": f.painkiller_run_days,
        "painkiller_days_since_last_yes": f.painkiller_days_since_last_yes,
    }
