"""Participant settings: time zone, group and prescription (rows of the participants table)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

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


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()  # type: ignore[arg-type]
