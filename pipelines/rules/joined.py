"""The daily join: activity next to the pain diary, one row per participant-day.

The range is the union of the activity range (``daily``) and the diary: a day with only a
diary entry gets a row without activity data (``has_data`` false), a day with activity but
no entry gets ``pain`` null. Pain-derived columns come from the pain rules
(``pipelines.rules.pain``): the trailing mean, the detected flare-up flag
(``flare_detected``: pain clearly above the usual level) and ``flare_up`` (flagged by the
person, or detected).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from pipelines.rules import pain
from pipelines.schemas import DAILY, DAYS

FILLS = {"sources": "", "status": "no_data"}  # the text a day without activity data gets
DIARY_COLUMNS = ["pain", "pain_entries", "flare_up_flagged", "painkiller", "exercise_pain"]


def join(
    participant: str,
    daily: pd.DataFrame,
    diary_days: pd.DataFrame,
    program_start: date | None,
    rules: pain.PainRules | None = None,
) -> pd.DataFrame:
    """``daily`` (one participant) ⨝ the diary's per-day frame
    (``pipelines.rules.diary.per_day``)."""
    rules = rules or pain.PainRules()
    dates = set(daily["date"]) | set(diary_days["date"])
    if not dates:
        return DAYS.empty()
    first, last = min(dates), max(dates)
    index = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    activity = daily.drop(columns="participant").set_index("date").reindex(index)
    activity = _fill_activity(activity)
    entries = diary_days.set_index("date")[DIARY_COLUMNS]
    # a left join on the day: the range is the activity's reindexed days
    out = activity.join(entries).rename_axis("date").reset_index()
    out["pain_entries"] = out["pain_entries"].fillna(0).astype("int16")
    out["flare_up_flagged"] = out["flare_up_flagged"].fillna(False).astype(bool)
    out["painkiller"] = out["painkiller"].astype("boolean")
    out["exercise_pain"] = out["exercise_pain"].astype("boolean")
    out["pain"] = pd.to_numeric(out["pain"]).astype("float64")

    rule_input = out.rename(columns={"flare_up_flagged": "flare_up"})[
        ["date", "pain", "pain_entries", "flare_up", "painkiller", "walking_minutes", "has_data"]
    ]
    base = pain.baseline(rule_input, program_start, rules)
    out["pain_7d_mean"] = pain.rolling_mean(rule_input, rules).to_numpy()
    detected = pain.flare_detected(rule_input, base, rules).astype(bool).to_numpy()
    out["flare_detected"] = detected
    out["flare_up"] = out["flare_up_flagged"].to_numpy() | detected
    out["participant"] = pd.Series([participant] * len(out), dtype="string")
    return out[DAYS.names]


def _fill_activity(activity: pd.DataFrame) -> pd.DataFrame:
    """Days the activity table lacks: no data, nothing counted; every column of the daily
    table's type (a gap day must not turn a count into a float)."""
    out = activity.copy()
    for column in DAILY.columns:
        name = column.name
        if name in ("participant", "date", "wear_minutes", "wear_basis"):
            continue  # the key; wear stays null: nothing says
        # 0: nothing counted (the boolean columns read it as False)
        out[name] = out[name].astype(object).fillna(FILLS.get(name, 0))
    types = DAILY.empty().dtypes
    return out.astype({name: types[name] for name in out.columns})
