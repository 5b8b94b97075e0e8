"""The dashboard's one data-access module: every read is scoped to a ``Viewer``.

* A **participant** sees only their own rows.
* A **coach** sees the participants whose ``participants.group`` is one of their groups.
* An **admin** sees everyone.

Asking for anything outside the viewer's scope raises ``PermissionError`` — a read is never
silently widened or narrowed to something else.

Two layers, so the rules are testable without Streamlit:

* ``StoreTables`` reads through ``pipelines.storage.Store`` directly (tests, scripts);
* ``cached_tables()`` returns the same interface backed by ``st.cache_data``, keyed on the
  table's modification time (``Store.mtime``): a new ingest or refresh invalidates it.

The scoped functions (``visible_participants``, ``settings``, ``days``, ``blocks``, ``sessions``,
``report``, ``group_overview``) take the tables as their last argument and default to the
cached ones — pages call them without it, tests pass ``StoreTables``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final, Literal, Protocol

import pandas as pd

from pipelines import adherence, config, participants
from pipelines import report as report_mod
from pipelines.participants import Participant
from pipelines.schemas import BLOCKS, DAYS, PARTICIPANTS, SESSIONS, TABLES, TableSchema
from pipelines.storage import Store

Role = Literal["participant", "coach", "admin"]
ROLES: Final = ("participant", "coach", "admin")
OVERVIEW_WINDOWS_DAYS: Final = (14, 28)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking. The access-control issue will build these from a login."""

    role: Role
    participant: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {self.role!r}")
        if self.role == "participant" and not self.participant:
            raise ValueError("a participant viewer needs their participant id")


class Tables(Protocol):
    """Where the scoped functions read from (uncached or cached)."""

    store: Store

    def read(self, schema: TableSchema, participants: Sequence[str] | None) -> pd.DataFrame:
        """``schema``'s rows of ``participants`` (``None``: every participant)."""
        ...

    def all_participants(self) -> list[str]: ...


class StoreTables:
    """Uncached reads straight from the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def read(self, schema: TableSchema, participants: Sequence[str] | None) -> pd.DataFrame:
        return self.store.read(schema, None if participants is None else list(participants))

    def all_participants(self) -> list[str]:
        return self.store.participants()


# --------------------------------------------------------------------------- scoping


def visible_participants(viewer: Viewer, tables: Tables | None = None) -> list[str]:
    """The participants ``viewer`` may see, sorted."""
    tables = tables or cached_tables()
    if viewer.role == "participant":
        assert viewer.participant is not None
        return [viewer.participant]
    if viewer.role == "admin":
        return tables.all_participants()
    rows = tables.read(PARTICIPANTS, None)
    in_groups = rows["group"].isin(sorted(viewer.groups)).fillna(False).astype(bool)
    return sorted(str(p) for p in rows.loc[in_groups, "participant"])


def require(viewer: Viewer, participant: str, tables: Tables | None = None) -> None:
    """Raise ``PermissionError`` unless ``viewer`` may see ``participant``."""
    if participant not in visible_participants(viewer, tables):
        raise PermissionError(f"{_who(viewer)} may not see participant {participant!r}")


def visible_groups(viewer: Viewer, tables: Tables | None = None) -> list[str]:
    """The groups whose overview ``viewer`` may open (none for a participant)."""
    tables = tables or cached_tables()
    if viewer.role == "participant":
        return []
    if viewer.role == "coach":
        return sorted(viewer.groups)
    groups = tables.read(PARTICIPANTS, None)["group"].dropna()
    return sorted({str(g) for g in groups})


# ------------------------------------------------------------------------ the reads


def settings(viewer: Viewer, participant: str, tables: Tables | None = None) -> Participant:
    """The participant's settings (time zone, group, prescription)."""
    tables = tables or cached_tables()
    require(viewer, participant, tables)
    return participants.from_rows(participant, tables.read(PARTICIPANTS, [participant]))


def days(viewer: Viewer, participant: str, tables: Tables | None = None) -> pd.DataFrame:
    """The participant's ``days`` table (activity ⨝ diary), one row per local day."""
    return _scoped_read(viewer, participant, DAYS, tables)


def blocks(viewer: Viewer, participant: str, tables: Tables | None = None) -> pd.DataFrame:
    """The participant's every-other-day blocks (``blocks`` table)."""
    return _scoped_read(viewer, participant, BLOCKS, tables)


def sessions(viewer: Viewer, participant: str, tables: Tables | None = None) -> pd.DataFrame:
    """The participant's sessions (``sessions`` table, duplicates included and marked)."""
    return _scoped_read(viewer, participant, SESSIONS, tables)


def report(
    viewer: Viewer,
    participant_id: str,
    tables: Tables | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """The report contract (docs/report.md) for the participant, as ``backtrack report``."""
    tables = tables or cached_tables()
    frame = days(viewer, participant_id, tables)
    p = participants.from_rows(participant_id, tables.read(PARTICIPANTS, [participant_id]))
    return report_mod.build(p, frame, start, end)


def group_overview(
    viewer: Viewer, group: str, tables: Tables | None = None, *, as_of: date | None = None
) -> pd.DataFrame:
    """Per participant of ``group``: adherence over the last 14 and 28 days up to ``as_of``
    (default: the group's latest day with data), the current streak, days since the last
    walk and the pain change against baseline. One row per participant, sorted by id."""
    tables = tables or cached_tables()
    if group not in visible_groups(viewer, tables):
        raise PermissionError(f"{_who(viewer)} may not see group {group!r}")
    rows = tables.read(PARTICIPANTS, None)
    in_group = (rows["group"] == group).fillna(False).astype(bool)
    visible = set(visible_participants(viewer, tables))
    members = sorted(str(p) for p in rows.loc[in_group, "participant"] if p in visible)
    frames = {m: days(viewer, m, tables) for m in members}
    if as_of is None:
        last_days = [_last_data_day(f) for f in frames.values()]
        as_of = max((d for d in last_days if d is not None), default=None)
    overview = [_overview_row(viewer, m, frames[m], tables, as_of) for m in members]
    return pd.DataFrame(overview, columns=OVERVIEW_COLUMNS)


OVERVIEW_COLUMNS: Final = [
    "participant",
    "as_of",
    "adherence_14d",
    "blocks_met_14d",
    "blocks_total_14d",
    "adherence_28d",
    "blocks_met_28d",
    "blocks_total_28d",
    "blocks_no_data_28d",
    "current_streak_blocks",
    "days_since_last_walk",
    "last_data_day",
    "pain_change_vs_baseline",
]


def _overview_row(
    viewer: Viewer, member: str, frame: pd.DataFrame, tables: Tables, as_of: date | None
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(OVERVIEW_COLUMNS)
    row |= {"participant": member, "as_of": as_of, "last_data_day": _last_data_day(frame)}
    if as_of is None:
        return row
    p = participants.from_rows(member, tables.read(PARTICIPANTS, [member]))
    block_frame = adherence.blocks(frame, p.target, end=as_of)
    for window in OVERVIEW_WINDOWS_DAYS:
        start = as_of - timedelta(days=window - 1)
        s = adherence.summarize(frame, block_frame, start, as_of)
        row[f"adherence_{window}d"] = s.ratio
        row[f"blocks_met_{window}d"] = s.blocks_met
        row[f"blocks_total_{window}d"] = s.blocks_total
        if window == max(OVERVIEW_WINDOWS_DAYS):
            row[f"blocks_no_data_{window}d"] = s.blocks_no_data
            row["current_streak_blocks"] = s.current_streak_blocks
    walked = frame.loc[
        (frame["walking_minutes"] >= adherence.WALKING_DAY_MINUTES) & (frame["date"] <= as_of),
        "date",
    ]
    row["days_since_last_walk"] = (as_of - max(walked)).days if len(walked) else None
    pain = report(viewer, member, tables, end=as_of).get("pain") or {}
    row["pain_change_vs_baseline"] = pain.get("change_vs_baseline")
    return row


def _last_data_day(frame: pd.DataFrame) -> date | None:
    with_data = frame.loc[frame["has_data"].astype(bool), "date"]
    return max(with_data) if len(with_data) else None


def _scoped_read(
    viewer: Viewer, participant: str, schema: TableSchema, tables: Tables | None
) -> pd.DataFrame:
    tables = tables or cached_tables()
    require(viewer, participant, tables)
    return tables.read(schema, [participant])


def _who(viewer: Viewer) -> str:
    if viewer.role == "participant":
        return f"participant {viewer.participant!r}"
    if viewer.role == "coach":
        return f"a coach of {', '.join(sorted(viewer.groups)) or 'no group'}"
    return "an admin"


# ------------------------------------------------------------ Streamlit caching layer


class CachedTables:
    """``StoreTables`` behind ``st.cache_data``, keyed on each table's modification time."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def read(self, schema: TableSchema, participants: Sequence[str] | None) -> pd.DataFrame:
        key = None if participants is None else tuple(sorted(participants))
        mtime = self.store.mtime(schema.name)
        return _cached_read()(str(self.store.root), schema.name, key, mtime)

    def all_participants(self) -> list[str]:
        return self.store.participants()


def cached_tables() -> CachedTables:
    """The cached tables of the configured data directory (``$BACKTRACK_DATA_DIR``)."""
    return CachedTables(Store(config.data_dir()))


@functools.cache
def _cached_read() -> Callable[[str, str, tuple[str, ...] | None, float], pd.DataFrame]:
    import streamlit as st  # only the cached layer needs Streamlit

    @st.cache_data(show_spinner=False, max_entries=512)
    def read(
        root: str, table: str, participants: tuple[str, ...] | None, mtime: float
    ) -> pd.DataFrame:
        del mtime  # part of the cache key only: a rewritten partition changes it
        return Store(root).read(TABLES[table], participants)

    return read
