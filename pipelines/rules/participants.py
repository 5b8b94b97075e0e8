"""Participant settings: time zone, group and prescription (rows of the participants table),
and the one rule for the program start every other rule counts from (``effective_start``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from pipelines import schemas
from pipelines.config import Target, default_tz, validate_tz
from pipelines.schemas import PARTICIPANTS


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    tz: str
    target: Target
    group: str | None = None


def from_rows(participant: str, rows: pd.DataFrame) -> Participant:
    """The participant's settings, or the documented defaults when none are stored."""
    mine = rows[rows["participant"] == participant]
    if mine.empty:
        return Participant(participant, default_tz(), Target())
    return _from_record(participant, mine.iloc[-1].to_dict())


def roster(participants: Iterable[str], rows: pd.DataFrame) -> dict[str, Participant]:
    """``from_rows`` for many participants at once (one pass over ``rows``)."""
    records = {str(r["participant"]): r for r in rows.to_dict("records")}
    return {
        p: _from_record(p, records[p]) if p in records else Participant(p, default_tz(), Target())
        for p in participants
    }


def _from_record(participant: str, row: Mapping[Any, Any]) -> Participant:
    start = row["program_start"]
    return Participant(
        id=participant,
        tz=str(row["tz"]),
        target=Target(
            min_minutes=int(row["min_minutes"]),
            max_minutes=int(row["max_minutes"]),
            every_n_days=int(row["every_n_days"]),
            min_bout_minutes=int(row["min_bout_minutes"]),
            program_start=None if pd.isna(start) else _as_date(start),
            max_pause_minutes=int(row.get("max_pause_minutes", 2)),
            min_wear_minutes=int(row.get("min_wear_minutes", 600)),
            training_sessions_per_week=int(row["training_sessions_per_week"]),
            min_training_minutes=int(row["min_training_minutes"]),
        ),
        group=None if pd.isna(row["group"]) else str(row["group"]),
    )


def to_frame(p: Participant, now: datetime) -> pd.DataFrame:
    validate_tz(p.tz)
    frame = pd.DataFrame(
        [
            {
                "participant": p.id,
                "tz": p.tz,
                "program_start": p.target.program_start,
                "min_minutes": p.target.min_minutes,
                "max_minutes": p.target.max_minutes,
                "every_n_days": p.target.every_n_days,
                "min_bout_minutes": p.target.min_bout_minutes,
                "max_pause_minutes": p.target.max_pause_minutes,
                "min_wear_minutes": p.target.min_wear_minutes,
                "training_sessions_per_week": p.target.training_sessions_per_week,
                "min_training_minutes": p.target.min_training_minutes,
                "group": p.group,
                "updated_at": now,
            }
        ],
        columns=PARTICIPANTS.names,
    )
    return schemas.coerce(PARTICIPANTS, frame)


StartSource = Literal["set", "first_diary_day", "first_data_day"]
DIARY_COLUMNS = ("pain", "flare_up", "painkiller")


@dataclass(frozen=True, slots=True)
class ProgramStart:
    """The day program week 1, the first block, the pain baseline and the report's default
    range count from, and where it comes from (``effective_start``)."""

    date: date
    source: StartSource


def written(days: pd.DataFrame) -> np.ndarray:
    """Bool per row: the person wrote a diary entry that day — ``pain_entries`` > 0 when
    the frame has that column (the daily join's), else any of pain, flare-up or painkiller
    filled in."""
    if "pain_entries" in days.columns:
        return pd.to_numeric(days["pain_entries"]).fillna(0).to_numpy() > 0
    diary = [c for c in DIARY_COLUMNS if c in days.columns]
    if not diary:
        return np.zeros(len(days), dtype=bool)
    return days[diary].notna().any(axis=1).to_numpy()


def effective_start(days: pd.DataFrame, program_start: date | None) -> ProgramStart | None:
    """The program start every rule counts from — the one place that decides it:

    1. the program start when one is set (``source`` ``set``);
    2. else the first day with a diary entry (``first_diary_day``) — never the first day of
       activity data, which after an export may lie years before the program began;
    3. else, with no diary at all, the first day with activity data (``first_data_day``:
       the first day of the report's default range);
    4. else None (no start set, no data).

    ``days``: one participant's rows with ``date`` as a column or as the index, and
    ``has_data`` and the diary columns (see ``written``) where known."""
    if program_start is not None:
        return ProgramStart(program_start, "set")
    dates = np.asarray(days["date"] if "date" in days.columns else days.index, dtype=object)
    entries = dates[written(days)]
    if len(entries):
        return ProgramStart(min(entries), "first_diary_day")
    if "has_data" in days.columns:
        with_data = dates[days["has_data"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
        if len(with_data):
            return ProgramStart(min(with_data), "first_data_day")
    return None


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()  # type: ignore[arg-type]
