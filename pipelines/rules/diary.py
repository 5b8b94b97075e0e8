"""Pain-diary entries → the diary table, and the rule for corrections.

**Import rule** (one place): importing a diary file replaces *all* stored entries of every
date the file holds good rows for — from any earlier file or form entry — with the file's
entries for that date. So importing the same file again changes nothing, and a corrected
file corrects exactly the days it covers; days it does not mention stay as they were. A
single entry (``backtrack diary add``, the dashboard form) replaces the entry of the same
date and time (or the entry without a time), and leaves other entries of that day alone.
Rows with errors never reach the table: they are reported with their row and value, and the
file itself is kept in the raw store.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ingest.records import DiaryEntry
from pipelines import schemas
from pipelines.schemas import DIARY


def entries_frame(
    participant: str,
    entries: Sequence[DiaryEntry],
    *,
    source: str,
    file_sha256: str | None = None,
) -> pd.DataFrame:
    if not entries:
        return DIARY.empty()
    frame = pd.DataFrame(
        {
            "participant": participant,
            "date": [e.date for e in entries],
            "time": [e.time for e in entries],
            "pain": [e.pain for e in entries],
            "flare_up": [e.flare_up for e in entries],
            "painkiller": [e.painkiller for e in entries],
            "painkiller_name": [e.painkiller_name for e in entries],
            "exercise_pain": [e.exercise_pain for e in entries],
            "note": [e.note for e in entries],
            "source": source,
            "file_sha256": file_sha256,
            "row": [e.row if source == "file" else None for e in entries],
        }
    )
    return schemas.coerce(DIARY, frame)


def apply_import(existing: pd.DataFrame, imported: pd.DataFrame) -> pd.DataFrame:
    """The import rule: the file's dates are replaced by the file's entries."""
    if imported.empty:
        return existing
    kept = existing[~existing["date"].isin(set(imported["date"]))]
    return _sorted(pd.concat([kept, imported], ignore_index=True) if len(kept) else imported)


def apply_entry(existing: pd.DataFrame, entry: pd.DataFrame) -> pd.DataFrame:
    """A single entry replaces the entry of its date and time."""
    if entry.empty:
        return existing
    day, time = entry["date"].iloc[0], entry["time"].iloc[0]
    same_time = existing["time"].isna() if pd.isna(time) else existing["time"] == time
    kept = existing[~((existing["date"] == day) & same_time.fillna(False))]
    return _sorted(pd.concat([kept, entry], ignore_index=True) if len(kept) else entry)


def per_day(diary: pd.DataFrame) -> pd.DataFrame:
    """One row per day with entries: mean pain, entry count and the day's flags (any yes)."""
    columns = ["date", "pain", "pain_entries", "flare_up_flagged", "painkiller", "exercise_pain"]
    if diary.empty:
        return pd.DataFrame(columns=columns)
    grouped = diary.groupby("date", sort=True)
    out = pd.DataFrame(
        {
            "pain": grouped["pain"].mean(),
            "pain_entries": grouped.size().astype("int16"),
            "flare_up_flagged": grouped["flare_up"].agg(_any_true).astype(bool),
            "painkiller": grouped["painkiller"].agg(_any_answer),
            "exercise_pain": grouped["exercise_pain"].agg(_any_answer),
        }
    )
    return out.reset_index()[columns]


def _any_true(values: pd.Series) -> bool:
    return bool(values.fillna(False).astype(bool).any())


def _any_answer(values: pd.Series) -> object:
    """True if any entry says yes, False if all answers say no, <NA> without an answer."""
    answered = values.dropna()
    if answered.empty:
        return pd.NA
    return bool(answered.astype(bool).any())


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    ordered = frame.assign(_t=frame["time"].fillna("")).sort_values(["date", "_t"])
    return schemas.coerce(DIARY, ordered.reset_index(drop=True))
