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
    # 14 met days: no missed or unworn day, only the diary alert
    days = pd.DataFrame(
        {
            "date": [as_of - timedelta(days=d) for d in range(14)],
            "has_data": True,
            "status": "met",
        }
    )
    pain = {
        "change_vs_baseline": None,
        "painkiller_run_days": 6,
        "painkiller_run_last": "2026-09-15",
        "painkiller_diary_stopped": True,
    }
    f = alerts.facts(days, {"adherence": {"ratio": None}, "pain": pain}, as_of)
    assert f == Facts(0, None, None, 6, 0, 0, painkiller_days_since_last_yes=5)
    [alert] = alerts.evaluate(f, Thresholds())
    assert (alert.code, alert.value, alert.threshold) == ("painkiller_diary_stopped", 5.0, 2.0)
    running = {**pain, "painkiller_diary_stopped": False}
    f = alerts.facts(days, {"adherence": {"ratio": None}, "pain": running}, as_of)
    assert f.painkiller_days_since_last_yes is None


def test_facts_from_days_and_the_window_report() -> None:
    as_of = date(2026, 9, 20)
    days = pd.DataFrame(
        {
            "date": [as_of - timedelta(days=d) for d in (9, 8, 0)],
            "has_data": [True, True, False],
            "status": ["below", "low_wear", "no_data"],
        }
    )
    report = {
        "adherence": {"ratio": 0.4286},
        "pain": {"change_vs_baseline": 21.5, "painkiller_run_days": 3},
    }
    f = alerts.facts(days, report, as_of)
    # 14 days in the window: 3 rows (below, low_wear, no_data) and 11 days without a row
    # (no data): none met → 14 missed; not worn: low_wear + no_data + 11 = 13
    assert f == Facts(8, 0.4286, 21.5, 3, missed_days_14d=14, not_worn_days_14d=13)
    assert alerts.window(as_of) == (date(2026, 9, 7), as_of)
    assert alerts.facts(days.iloc[0:0], {"adherence": {"ratio": None}}, as_of) == Facts(
        None, None, None, 0, missed_days_14d=14, not_worn_days_14d=14
    )


@pytest.mark.parametrize(
    ("statuses", "missed", "not_worn", "reason"),
    [
        # 14 days: 4 met, 10 missed of which 5 low_wear / no_data → half → not worn
        (["met"] * 4 + ["below"] * 5 + ["low_wear"] * 3 + ["no_data"] * 2, 10, 5, "not_worn"),
        # 4 met, 10 missed of which 4 not worn → fewer than half → inactive
        (["met"] * 4 + ["below"] * 6 + ["low_wear"] * 4, 10, 4, "inactive"),
        # worn every day, walked on none → inactive
        (["below"] * 14, 14, 0, "inactive"),
        # 10 days rows, the 4 latest missing from the table: 4 × no data + 3 low_wear of 10
        (["met"] * 3 + ["below"] * 4 + ["low_wear"] * 3, 11, 7, "not_worn"),
    ],
)
def test_low_adherence_says_whether_the_device_was_worn(
    statuses: list[str], missed: int, not_worn: int, reason: str
) -> None:
    as_of = date(2026, 9, 20)
    days = pd.DataFrame(
        {
            "date": [as_of - timedelta(days=13 - i) for i in range(len(statuses))],
            "has_data": [s != "no_data" for s in statuses],
            "status": statuses,
        }
    )
    assert alerts.missed_days(days, as_of) == (missed, not_worn)
    f = Facts(0, 0.2, None, missed_days_14d=missed, not_worn_days_14d=not_worn)
    [alert] = alerts.evaluate(f, Thresholds())
    assert (alert.code, alert.reason) == ("low_adherence", reason)


def test_the_low_adherence_reason_in_words() -> None:
    from dashboards import i18n
    from dashboards.pdf_report import alert_text

    worn = alerts.Alert("low_adherence", 0.25, 0.5, "inactive")
    not_worn = alerts.Alert("low_adherence", 0.25, 0.5, "not_worn")
    assert alert_text(worn) == (
        "Adherence over 14 days 25.0% (below 50.0%) - the device was worn, the walking was missing"
    )
    assert alert_text(not_worn).endswith("mostly days the device was not worn or not synced")
    i18n.use("de")
    try:
        assert alert_text(not_worn).endswith(
            "überwiegend Tage, an denen das Gerät nicht getragen oder nicht synchronisiert wurde"
        )
        assert alert_text(worn).endswith("das Gerät wurde getragen, es fehlte an Bewegung")
    finally:
        i18n.use("en")


def test_weekend_walker_raises_no_low_adherence_alert() -> None:
    # Program from Monday 2024-09-02; 40-minute walks on Sat/Sun 09-07, 09-08, 09-14, 09-15.
    # The 14 days to Sunday 09-15 are program weeks 1 and 2: 2 met days of 3 each → 0.6667,
    # not below 0.5. The 2-day blocks (the figure before issue 15) would have alerted: of
    # (2,3) (4,5) (6,7) (8,9) (10,11) (12,13) (14,15) only (6,7), (8,9), (14,15) are met: 3/7.
    from pipelines.config import Target
    from pipelines.rules import report
    from pipelines.rules.participants import Participant
    from tests.support.rules import days, walk

    walks = ["2024-09-07", "2024-09-08", "2024-09-14", "2024-09-15"]
    records = [walk(f"{d}T08:00:00", 40, index=i) for i, d in enumerate(walks)]
    target = Target(program_start=date(2024, 9, 2))
    frame = days(records, target=target)
    as_of = date(2024, 9, 15)
    result = report.build(Participant("p1", "Europe/Berlin", target), frame, *alerts.window(as_of))
    assert (result["adherence"]["ratio"], result["adherence"]["block_ratio"]) == (0.6667, 0.4286)
    f = alerts.facts(frame, result, as_of)
    assert f.adherence_14d == 0.6667
    assert alerts.evaluate(f, Thresholds()) == []


def test_group_thresholds_are_stored_per_group(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert groups.load(store, "group-a") == Thresholds()
    groups.save(store, "group-a", Thresholds(no_data_days=3, pain_delta=12.5), datetime.now(UTC))
    assert groups.load(store, "group-a") == Thresholds(no_data_days=3, pain_delta=12.5)
    assert groups.load(store, "group-b") == Thresholds()
    assert store.participants() == []  # a group partition is never taken for a participant
    stored = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert stored == ["tables/group_settings/group=group-a/part.parquet"]  # the layout kept
    for bad in ("../group-a", "group a", ""):
        with pytest.raises(ValueError):
            groups.load(store, bad)
        with pytest.raises(ValueError):
            groups.save(store, bad, Thresholds(), datetime.now(UTC))


def _fields(f: Facts) -> dict[str, object]:
    return {
        "days_without_data": f.days_without_data,
        "adherence_14d": f.adherence_14d,
        "pain_change_vs_baseline": f.pain_change_vs_baseline,
        "painkiller_run_days": f.painkiller_run_days,
        "painkiller_days_since_last_yes": f.painkiller_days_since_last_yes,
    }
