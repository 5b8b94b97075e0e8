"""Recompute a participant's derived tables from their stored facts.

``recompute`` is pure: sessions (re-derived: category, local day, duplicates), daily and
blocks follow from the stored sessions, step minutes, wear spans and the participant's
settings alone, so running it twice — or after any change of settings — is always safe.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
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
    step_minutes: pd.DataFrame,
    wear: pd.DataFrame,
    daily_steps: pd.DataFrame | None = None,
    overrides: Mapping[str, str] | None = None,
) -> Derived:
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
    block_rows = _rows(BLOCKS, p.id, adherence.blocks(days, p.target))
    return Derived(derived_sessions, day_rows, block_rows)


def _rows(schema: TableSchema, participant: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``participant``'s rows of ``schema`` from a rule's per-participant ``frame``."""
    if frame.empty:
        return schema.empty()
    return schemas.coerce(schema, frame.assign(participant=participant))
