"""The coach alerts (``pipelines.rules.alerts``): each threshold's edges, the whole alerts
raised (code, figure, threshold, reason), the facts read from a ``days`` table and the
window's report, and the 14-day window's missed and not-worn days. Expected figures are
worked out by hand from the module docstring in each case."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from pipelines.rules.alerts import (
    Alert,
    Facts,
    Thresholds,
    evaluate,
    facts,
    missed_days,
    window,
)

AS_OF = date(2026, 3, 20)
START = date(2026, 3, 7)  # 13 days before AS_OF: the window's first day
QUIET = Facts(days_without_data=0, adherence_14d=1.0, pain_change_vs_baseline=0.0)


def on(**changes: Any) -> Facts:
    fields = {
        "days_without_data": 0,
        "adherence_14d": 1.0,
        "pain_change_vs_baseline": 0.0,
        "painkiller_run_days": 0,
        "missed_days_14d": 0,
        "not_worn_days_14d": 0,
        "painkiller_days_since_last_yes": None,
    }
    return Facts(**(fields | changes))


# ------------------------------------------------------------------ Thresholds

RATIO = r"min_adherence_14d must be in \(0, 1\] \(a ratio\), got "


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"no_data_days": 0}, "no_data_days must be 1..365, got 0"),
        ({"no_data_days": 366}, "no_data_days must be 1..365, got 366"),
        ({"min_adherence_14d": 0.0}, RATIO + "0.0"),
        ({"min_adherence_14d": 1.01}, RATIO + "1.01"),
        ({"pain_delta": 0.0}, r"pain_delta must be in \(0, 100\] pain points, got 0.0"),
        ({"pain_delta": 100.5}, r"pain_delta must be in \(0, 100\] pain points, got 100.5"),
        ({"painkiller_days": 0}, "painkiller_days must be 1..365, got 0"),
        ({"painkiller_days": 366}, "painkiller_days must be 1..365, got 366"),
    ],
)  # fmt: skip
def test_thresholds_outside_their_range_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        Thresholds(**fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"no_data_days": 1, "min_adherence_14d": 1.0, "pain_delta": 100.0, "painkiller_days": 1},
        {"no_data_days": 365, "min_adherence_14d": 0.01, "pain_delta": 0.5,
         "painkiller_days": 365},
    ],
)  # fmt: skip
def test_thresholds_at_the_ends_of_their_range_are_kept(fields: dict[str, Any]) -> None:
    kept = Thresholds(**fields)
    assert (kept.no_data_days, kept.min_adherence_14d, kept.pain_delta, kept.painkiller_days) == (
        fields["no_data_days"],
        fields["min_adherence_14d"],
        fields["pain_delta"],
        fields["painkiller_days"],
    )


def test_default_thresholds() -> None:
    assert Thresholds() == Thresholds(
        no_data_days=7, min_adherence_14d=0.5, pain_delta=20.0, painkiller_days=14
    )


# ------------------------------------------------------------------ evaluate


@pytest.mark.parametrize(
    ("case", "f", "expected"),
    [
        ("quiet", QUIET, []),
        # no_data: last data 6 days ago no, 7 yes; never any data: the value is None
        ("6 days without data", on(days_without_data=6), []),
        ("7 days without data", on(days_without_data=7), [Alert("no_data", 7.0, 7)]),
        ("never any data", on(days_without_data=None), [Alert("no_data", None, 7)]),
        # low_adherence below 0.5 only; reason not_worn when 2 × not worn ≥ missed
        ("adherence 0.5", on(adherence_14d=0.5), []),
        ("adherence unknown", on(adherence_14d=None), []),
        ("adherence 0.4999, nothing missed", on(adherence_14d=0.4999),
         [Alert("low_adherence", 0.4999, 0.5, "inactive")]),
        ("half not worn", on(adherence_14d=0.25, missed_days_14d=8, not_worn_days_14d=4),
         [Alert("low_adherence", 0.25, 0.5, "not_worn")]),
        ("just under half not worn",
         on(adherence_14d=0.25, missed_days_14d=9, not_worn_days_14d=4),
         [Alert("low_adherence", 0.25, 0.5, "inactive")]),
        ("all not worn", on(adherence_14d=0.0, missed_days_14d=14, not_worn_days_14d=14),
         [Alert("low_adherence", 0.0, 0.5, "not_worn")]),
        ("one missed, one not worn",
         on(adherence_14d=0.0, missed_days_14d=1, not_worn_days_14d=1),
         [Alert("low_adherence", 0.0, 0.5, "not_worn")]),
        # pain_up on the change rounded to 1 decimal, as shown
        ("pain +19.94 shown 19.9", on(pain_change_vs_baseline=19.94), []),
        ("pain +19.96 shown 20.0", on(pain_change_vs_baseline=19.96),
         [Alert("pain_up", 20.0, 20.0)]),
        ("pain +33.33 shown 33.3", on(pain_change_vs_baseline=33.33),
         [Alert("pain_up", 33.3, 20.0)]),
        ("pain down", on(pain_change_vs_baseline=-40.0), []),
        ("pain unknown", on(pain_change_vs_baseline=None), []),
        # painkiller_run longer than 14 days
        ("14-day run", on(painkiller_run_days=14), []),
        ("15-day run", on(painkiller_run_days=15), [Alert("painkiller_run", 15.0, 14)]),
        # the diary stopped during a run: days since the last yes, threshold the 2-day bridge
        ("stopped 3 days ago", on(painkiller_days_since_last_yes=3),
         [Alert("painkiller_diary_stopped", 3.0, 2.0)]),
        ("stopped today", on(painkiller_days_since_last_yes=0),
         [Alert("painkiller_diary_stopped", 0.0, 2.0)]),
        ("all at once, in CODES order",
         on(days_without_data=None, adherence_14d=0.0, missed_days_14d=14,
            not_worn_days_14d=3, pain_change_vs_baseline=25.0, painkiller_run_days=30,
            painkiller_days_since_last_yes=12),
         [Alert("no_data", None, 7), Alert("low_adherence", 0.0, 0.5, "inactive"),
          Alert("pain_up", 25.0, 20.0), Alert("painkiller_run", 30.0, 14),
          Alert("painkiller_diary_stopped", 12.0, 2.0)]),
    ],
)  # fmt: skip
def test_evaluate_with_default_thresholds(case: str, f: Facts, expected: list[Alert]) -> None:
    got = evaluate(f, Thresholds())
    assert got == expected, case
    assert [type(a.value) for a in got] == [type(a.value) for a in expected], case


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (on(days_without_data=2), [Alert("no_data", 2.0, 2)]),
        (on(days_without_data=1), []),
        (on(adherence_14d=0.79), [Alert("low_adherence", 0.79, 0.8, "inactive")]),
        (on(adherence_14d=0.8), []),
        (on(pain_change_vs_baseline=10.0), [Alert("pain_up", 10.0, 10.0)]),
        (on(pain_change_vs_baseline=9.9), []),
        (on(painkiller_run_days=4), [Alert("painkiller_run", 4.0, 3)]),
        (on(painkiller_run_days=3), []),
    ],
)
def test_evaluate_with_a_groups_thresholds(f: Facts, expected: list[Alert]) -> None:
    group = Thresholds(no_data_days=2, min_adherence_14d=0.8, pain_delta=10.0, painkiller_days=3)
    assert evaluate(f, group) == expected


# ------------------------------------------------------------------ window / missed_days


def test_window_is_the_14_days_ending_as_of() -> None:
    assert window(AS_OF) == (START, AS_OF)
    assert window(date(2026, 3, 1)) == (date(2026, 2, 16), date(2026, 3, 1))


def frame(rows: dict[date, str], has_data: dict[date, bool] | None = None) -> pd.DataFrame:
    dates = list(rows)
    return pd.DataFrame(
        {
            "date": dates,
            "status": list(rows.values()),
            "has_data": [(has_data or {}).get(d, s != "no_data") for d, s in rows.items()],
        }
    )


@pytest.mark.parametrize(
    ("case", "rows", "expected"),
    [
        # no rows at all: 14 days of no data, all not met and not worn
        ("empty", {}, (14, 14)),
        # all 14 days met
        ("all met", {START + timedelta(days=i): "met" for i in range(14)}, (0, 0)),
        # 5 rows inside (the window's first and last day among them), 9 days absent;
        # rows the day before the window and the day after are not counted
        ("mixed",
         {START - timedelta(days=1): "low_wear", START: "met", START + timedelta(days=3): "below",
          START + timedelta(days=5): "low_wear", START + timedelta(days=8): "no_data",
          AS_OF: "met", AS_OF + timedelta(days=1): "no_data"},
         (3 + 9, 2 + 9)),
        # every day present: below/partial days are missed but worn
        ("worn but inactive",
         {START + timedelta(days=i): ("below" if i % 2 else "met") for i in range(14)}, (7, 0)),
    ],
)  # fmt: skip
def test_missed_days(case: str, rows: dict[date, str], expected: tuple[int, int]) -> None:
    days = frame(rows) if rows else pd.DataFrame({"date": [], "status": [], "has_data": []})
    assert missed_days(days, AS_OF) == expected, case


# ------------------------------------------------------------------ facts


def report(adherence: float | None, pain: dict[str, Any] | None) -> dict[str, Any]:
    return {"adherence": {"ratio": adherence}, "pain": pain}


def test_facts_from_days_and_the_window_report() -> None:
    # last day with data on or before AS_OF: 03-16 (4 days); 03-18 has a row but no data;
    # 03-22 lies after AS_OF. Window 03-07…03-20: rows on 03-10 met, 03-16 below,
    # 03-18 no_data → missed 2 + 11 absent = 13, not worn 1 + 11 = 12
    days = frame(
        {
            date(2026, 3, 10): "met",
            date(2026, 3, 16): "below",
            date(2026, 3, 18): "no_data",
            date(2026, 3, 22): "met",
        }
    )
    pain = {
        "change_vs_baseline": 21,
        "painkiller_run_days": 16,
        "painkiller_diary_stopped": True,
        "painkiller_run_last": "2026-03-15",
    }
    assert facts(days, report(0.3333, pain), AS_OF) == Facts(
        days_without_data=4,
        adherence_14d=0.3333,
        pain_change_vs_baseline=21.0,
        painkiller_run_days=16,
        missed_days_14d=13,
        not_worn_days_14d=12,
        painkiller_days_since_last_yes=5,
    )


@pytest.mark.parametrize(
    ("case", "pain", "expected"),
    [
        ("no pain section", None, (None, 0, None)),
        ("empty pain section", {}, (None, 0, None)),
        ("no run, no change", {"change_vs_baseline": None, "painkiller_run_days": None},
         (None, 0, None)),
        # a run not stopped: no days since the last yes
        ("run going on", {"change_vs_baseline": -5.5, "painkiller_run_days": 3,
                          "painkiller_diary_stopped": False,
                          "painkiller_run_last": "2026-03-19"}, (-5.5, 3, None)),
        ("stopped, no last day", {"painkiller_diary_stopped": True, "painkiller_run_last": None},
         (None, 0, None)),
        ("stopped", {"painkiller_diary_stopped": True, "painkiller_run_last": date(2026, 3, 17)},
         (None, 0, 3)),
    ],
)  # fmt: skip
def test_facts_of_the_pain_section(
    case: str, pain: dict[str, Any] | None, expected: tuple[float | None, int, int | None]
) -> None:
    # data every day of the window up to AS_OF: 0 days without data, nothing missed
    days = frame({START + timedelta(days=i): "met" for i in range(14)})
    change, run, since = expected
    assert facts(days, report(1.0, pain), AS_OF) == Facts(
        days_without_data=0,
        adherence_14d=1.0,
        pain_change_vs_baseline=change,
        painkiller_run_days=run,
        missed_days_14d=0,
        not_worn_days_14d=0,
        painkiller_days_since_last_yes=since,
    ), case


def test_facts_without_any_data_day() -> None:
    days = frame({date(2026, 3, 12): "no_data", date(2026, 3, 25): "met"})
    assert facts(days, report(None, None), AS_OF) == Facts(
        days_without_data=None,
        adherence_14d=None,
        pain_change_vs_baseline=None,
        painkiller_run_days=0,
        missed_days_14d=14,
        not_worn_days_14d=14,
        painkiller_days_since_last_yes=None,
    )
