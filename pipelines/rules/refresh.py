"""Recompute a participant's derived tables from their stored facts.

``recompute`` is pure: sessions (re-derived: category, local day, duplicates), daily and
blocks follow from the stored sessions, step minutes, wear spans and the participant's
settings alone, so running it twice — or after any change of settings — is always safe.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines import schemas
from pipelines.rules import adherence, daily, sessions
from pipelines.rules.participants import Participant
from pipelines.schemas import BLOCKS, DAILY, TableSchema


@functools.cache
def rules_version() -> str:
    """A digest of the code the derived tables follow from: every module of the rules
    package, the table schemas and the rules' settings, and the numpy/pandas versions. A
    refresh notes it with the inputs it used (``pipelines.app.refresh.stale_participants``
    compares), so new rules make every participant stale."""
    digest = hashlib.sha256(f"numpy {np.__version__} pandas {pd.__version__};".encode())
    rules = Path(__file__).parent
    code = [*rules.glob("*.py"), rules.parent / "schemas.py", rules.parent / "config.py"]
    for path in sorted(code):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Derived:
    sessions: pd.DataFrame
    daily: pd.DataFrame
    blocks: pd.DataFrame


def recompute(
    p: Participant,
    session_rows: pd.DataFrame,
    step_minutes: pd.DataFrame | Iterable[pd.DataFrame],
    wear: pd.DataFrame | Iterable[pd.DataFrame],
    daily_steps: pd.DataFrame | None = None,
    overrides: Mapping[str, str] | None = None,
    diary_days: pd.DataFrame | None = None,
) -> Derived:
    """Sessions, daily activity and blocks. ``diary_days`` (the diary's per-day frame,
    ``pipelines.rules.diary.per_day``) lets the blocks count from the first diary day when
    no program start is set (``participants.effective_start``); without it they count from
    the program start or the first day with data."""
    derived_sessions = sessions.derive(session_rows, p.tz, overrides)
    days = daily.daily_activity(
        derived_sessions,
        step_minutes,
        wear,
        daily_steps=daily_steps,
        tz=p.tz,
        min_bout_minutes=p.target.min_bout_minutes,
        max_pause_minutes=p.target.max_pause_minutes,
        program_start=p.target.program_start,
    )
    days = daily.with_status(
        adherence.apply_target(days, p.target, derived_sessions), p.target.min_wear_minutes
    )
    day_rows = _rows(DAILY, p.id, days)
    first = adherence.anchor(_with_diary(days, diary_days), p.target)
    counted_from = p.target.with_changes(program_start=first)
    block_rows = _rows(BLOCKS, p.id, adherence.blocks(days, counted_from))
    return Derived(derived_sessions, day_rows, block_rows)


def _with_diary(days: pd.DataFrame, diary_days: pd.DataFrame | None) -> pd.DataFrame:
    """``date``, ``has_data`` and ``pain_entries`` of every day with activity data or a
    diary entry: what ``effective_start`` reads."""
    activity = days.loc[days["has_data"].astype(bool), ["date"]].assign(has_data=True)
    if diary_days is None or diary_days.empty:
        return activity.assign(pain_entries=0)
    entries = diary_days.loc[pd.to_numeric(diary_days["pain_entries"]).fillna(0) > 0, ["date"]]
    return pd.concat(
        [activity.assign(pain_entries=0), entries.assign(has_data=False, pain_entries=1)],
        ignore_index=True,
    )


def _rows(schema: TableSchema, participant: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``participant``'s rows of ``schema`` from a rule's per-participant ``frame``."""
    if frame.empty:
        return schema.empty()
    return schemas.coerce(schema, frame.assign(participant=participant))
