"""The dashboard's one data-access module: every read is scoped to a ``Viewer``.

* A **participant** sees only their own rows.
* A **coach** sees the participants whose ``participants.group`` is one of their groups.
* An **admin** sees everyone.

Asking for anything outside the viewer's scope raises ``PermissionError`` — a read is never
silently widened or narrowed to something else.

Two layers, so the rules are testable without Streamlit:

* ``StoreTables`` reads through ``pipelines.store.storage.Store`` directly (tests, scripts);
* ``cached_tables()`` returns the same interface backed by ``st.cache_data``, keyed on the
  table's modification time (``Store.mtime``): a new ingest or refresh invalidates it.

The group pages' figures (``group_overview``, ``coach_overview``) are kept in memory between
reruns whichever layer reads: each member's overview row while their ``days`` partition
(``Store.stamps``), settings and the as-of day stay the same, a group's whole table, the
roster (``Store.table_stamp``) and the last uploads; ``clear_cache`` drops them.

The scoped functions (``visible_participants``, ``settings``, ``days``, ``blocks``, ``sessions``,
``report``, ``group_overview``, the questionnaires' ``questionnaire_answers``,
``questionnaire_scores``, ``due_questionnaires``) take the tables as their last argument and
default to the cached ones — pages call them without it, tests pass ``StoreTables``.

Privacy (docs/audit.md, docs/rights.md): ``record_view`` / ``record_group_view`` write the
audit trail's ``view`` entries (scoped like the reads, deduplicated per 10 minutes),
``audit_trail`` is the admins', ``participant_export`` a participant's own export,
``fhir_bundle`` the FHIR export (docs/fhir.md) for whoever may see the participant; every
cached read is dropped when a participant is erased (``erased.json`` changes).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final, Literal, Protocol

import numpy as np
import pandas as pd

from pipelines import config
from pipelines.app import diary as diary_app
from pipelines.app import fhir_export, overview_rows, rights
from pipelines.app import participants as app_participants
from pipelines.app import questionnaires as app_questionnaires
from pipelines.app import refresh as refreshing
from pipelines.config import Target
from pipelines.rules import alerts as alerts_mod
from pipelines.rules import overview, participants
from pipelines.rules import questionnaires as q_rules
from pipelines.rules import report as report_mod
from pipelines.rules.alerts import Thresholds
from pipelines.rules.participants import Participant
from pipelines.schemas import (
    BLOCKS,
    DAYS,
    FILES,
    OVERVIEW_ROWS,
    PARTICIPANTS,
    QUESTIONNAIRES,
    SESSIONS,
    TABLES,
    TableSchema,
)
from pipelines.store import audit, tombstones
from pipelines.store import groups as groups_mod
from pipelines.store.storage import Store

Role = Literal["participant", "coach", "admin"]
ROLES: Final = ("participant", "coach", "admin")
OVERVIEW_WINDOWS_DAYS: Final = (14, 28)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking, built from the signed-in account (``dashboards.viewer``);
    ``username`` is the account's, for the audit trail."""

    role: Role
    participant: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    username: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {self.role!r}")
        if self.role == "participant" and not self.participant:
            raise ValueError("a participant viewer needs their participant id")


class Tables(Protocol):
    """Where the scoped functions read from (uncached or cached)."""

    store: Store

    def read(
        self,
        schema: TableSchema,
        participants: Sequence[str] | None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """``schema``'s rows of ``participants`` (``None``: every participant), only
        ``columns`` (and ``participant``) when given."""
        ...

    def all_participants(self) -> list[str]: ...


class StoreTables:
    """Uncached reads straight from the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def read(
        self,
        schema: TableSchema,
        participants: Sequence[str] | None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        who = None if participants is None else list(participants)
        return self.store.read(schema, who, columns)

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
    """Raise ``PermissionError`` unless ``viewer`` may see ``participant``.

    Reads only what the decision needs (the participant's own settings row for a coach),
    so checking each member of a large group stays cheap."""
    tables = tables or cached_tables()
    if viewer.role == "participant":
        allowed = participant == viewer.participant
    elif viewer.role == "admin":
        allowed = participant in tables.all_participants()
    else:
        rows = tables.read(PARTICIPANTS, [participant]) if _safe_id(participant) else None
        allowed = (
            rows is not None
            and len(rows) > 0
            and bool(rows["group"].isin(sorted(viewer.groups)).fillna(False).any())
        )
    if not allowed:
        raise PermissionError(f"{_who(viewer)} may not see participant {participant!r}")


def _safe_id(participant: str) -> bool:
    from pipelines.store.storage import PARTICIPANT_ID

    return bool(PARTICIPANT_ID.match(participant))


def visible_groups(viewer: Viewer, tables: Tables | None = None) -> list[str]:
    """The groups whose overview ``viewer`` may open (none for a participant)."""
    tables = tables or cached_tables()
    if viewer.role == "participant":
        return []
    if viewer.role == "coach":
        return sorted(viewer.groups)
    groups = _roster_rows(tables)["group"].dropna().unique()
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
    answers = tables.read(QUESTIONNAIRES, [participant_id])
    return report_mod.build(p, frame, start, end, answers)


def group_overview(
    viewer: Viewer, group: str, tables: Tables | None = None, *, as_of: date | None = None
) -> pd.DataFrame:
    """Per participant of ``group``: adherence over the last 14 and 28 days up to ``as_of``
    (default: the group's latest day with data), the current streak, days since the last
    walk and the pain change against baseline (``pipelines.rules.overview``). One row per
    participant, sorted by id."""
    tables = tables or cached_tables()
    if group not in visible_groups(viewer, tables):
        raise PermissionError(f"{_who(viewer)} may not see group {group!r}")
    return _group_table(viewer, group, tables, as_of)[OVERVIEW_COLUMNS]


@dataclass(frozen=True, slots=True)
class _MemberFigures:
    """What ``_group_table`` keeps of one member between calls: valid while the member's
    ``days`` partition has the stamp ``stamp`` (``Store.stamp``)."""

    stamp: tuple[int, int, int] | None
    last_data_day: date | None
    settings: Participant | None = None  # the settings and as_of ``row`` was computed with
    as_of: date | None = None
    row: dict[str, Any] | None = None


# (data directory, member) → their figures; one entry per member, replaced when their
# ``days`` partition, settings or the as-of day change, dropped by ``clear_cache``.
_member_figures: dict[tuple[str, str], _MemberFigures] = {}
_uploads: dict[tuple[str, str], tuple[Any, datetime | None]] = {}  # → (files stamp, latest)
_rosters: dict[str, tuple[Any, pd.DataFrame]] = {}  # data directory → (stamp, roster rows)
_stored: dict[str, tuple[Any, dict[str, overview_rows.Stored]]] = {}  # dir → (stamp, rows)
_group_tables: dict[tuple[str, str], tuple[Any, pd.DataFrame]] = {}  # (dir, group) → (key, …)
_figures_lock = threading.Lock()


def _group_table(viewer: Viewer, group: str, tables: Tables, as_of: date | None) -> pd.DataFrame:
    """``overview.table`` of the visible members of ``group`` as of ``as_of`` (None: the
    group's latest day with data). Each member's row is the rule's (``overview.member``) and
    is kept in memory while their ``days`` partition, settings and ``as_of`` stay the same:
    a rerun of a page reads and computes only the members whose data changed. The ``days``
    rows needed are read in one read (the columns the overview reads). The whole table is
    kept too, while the roster, the members' ``days`` partitions and ``as_of`` stay the same."""
    roster_stamp, rows = _roster_with_stamp(tables)
    members = _visible_members(viewer, group, rows)
    root = str(tables.store.root)
    stamps = tables.store.stamps(DAYS, members)  # before any read
    key = (roster_stamp, tuple(members), tuple(stamps[m] for m in members), as_of)
    with _figures_lock:
        whole = _group_tables.get((root, group))
    if whole is not None and whole[0] == key:
        return whole[1].copy(deep=False)  # the caller's own frame (copy-on-write)
    people = _roster(members, rows)
    with _figures_lock:
        kept = {m: _member_figures.get((root, m)) for m in members}
    known = {m: f for m, f in kept.items() if f is not None and f.stamp == stamps[m]}
    stored = _stored_rows(tables.store)  # computed ahead by the refresh of everyone
    for m in members:
        s = stored.get(m)
        if m not in known and s is not None and stamps[m] is not None:
            if s.days_stamp != stamps[m]:
                continue
            known[m] = _MemberFigures(stamps[m], s.last_data_day)
    frames = _days_frames(tables, [m for m in members if m not in known])
    for m, frame in frames.items():
        known[m] = _MemberFigures(stamps[m], overview.last_data_day(frame))
    if as_of is None:
        last_days = (known[m].last_data_day for m in members)
        as_of = max((d for d in last_days if d is not None), default=None)
    for m in members:
        f, s = known[m], stored.get(m)
        current = f.row is not None and f.as_of == as_of and f.settings == people[m]
        if current or s is None or as_of is None:
            continue
        if overview_rows.still_holds(s, as_of, stamps[m], people[m]):
            known[m] = dataclasses.replace(f, settings=people[m], as_of=as_of, row=s.figures)
    stale = [m for m in members if known[m].row is None or known[m].as_of != as_of]
    stale += [m for m in members if known[m].settings != people[m] and m not in stale]
    frames |= _days_frames(tables, [m for m in stale if m not in frames])
    for m in stale:  # a new entry each time: entries are shared by the dashboard's threads
        row = overview.member(m, frames[m], people[m], as_of)
        known[m] = dataclasses.replace(known[m], settings=people[m], as_of=as_of, row=row)
    table = overview.rows_table([dict(known[m].row or {}) for m in members])
    with _figures_lock:
        for m in members:
            _member_figures[(root, m)] = known[m]
        _group_tables[(root, group)] = (key, table)
    return table.copy(deep=False)


def _stored_rows(store: Store) -> dict[str, overview_rows.Stored]:
    """The rows the refresh of everyone stored (``pipelines.app.overview_rows``), read again
    only when their file changed."""
    root = str(store.root)
    stamp = store.table_stamp(OVERVIEW_ROWS)  # before the read
    with _figures_lock:
        kept = _stored.get(root)
    if kept is None or kept[0] != stamp:
        kept = (stamp, overview_rows.load(store) if stamp else {})
        with _figures_lock:
            _stored[root] = kept
    return kept[1]


def _roster_rows(tables: Tables) -> pd.DataFrame:
    """Every row of the roster (``participants``), read again only when its files changed
    (``Store.table_stamp``): the group pages read it once per group, thousands of rows."""
    return _roster_with_stamp(tables)[1]


def _roster_with_stamp(tables: Tables) -> tuple[Any, pd.DataFrame]:
    """``_roster_rows`` and the stamp of the files it was read from."""
    root = str(tables.store.root)
    stamp = tables.store.table_stamp(PARTICIPANTS)  # before the read
    with _figures_lock:
        kept = _rosters.get(root)
    if kept is None or kept[0] != stamp:
        kept = (stamp, tables.read(PARTICIPANTS, None))
        with _figures_lock:
            _rosters[root] = kept
    return kept[0], kept[1].copy(deep=False)  # the caller's own frame (copy-on-write)


def _roster(members: list[str], rows: pd.DataFrame) -> dict[str, Participant]:
    """``participants.roster`` of ``members`` from their own rows of the roster ``rows`` (a
    group's slice of a roster of thousands)."""
    return participants.roster(members, rows.loc[rows["participant"].isin(members).to_numpy()])


def _days_frames(tables: Tables, members: list[str]) -> dict[str, pd.DataFrame]:
    """Each of ``members``' ``days`` rows (the columns the overview reads), in one read."""
    return overview_rows.days_frames(tables, members)


def _last_uploads(tables: Tables, members: list[str]) -> list[datetime | None]:
    """When each member's latest file was processed (``files.ingested_at``), kept in memory
    while their ``files`` partition stays the same; one read for the others."""
    root = str(tables.store.root)
    stamps = tables.store.stamps(FILES, members)
    with _figures_lock:
        kept = {m: _uploads.get((root, m)) for m in members}
    latest = {m: k[1] for m, k in kept.items() if k is not None and k[0] == stamps[m]}
    latest |= {m: None for m in members if stamps[m] is None}  # no files: nothing uploaded
    stored = _stored_rows(tables.store)
    for m in members:
        s = stored.get(m)
        if m in latest or s is None or s.files_stamp != stamps[m]:
            continue
        latest[m] = s.last_upload
    missing = [m for m in members if m not in latest]
    latest |= overview_rows.last_uploads(tables, missing)
    with _figures_lock:
        for m in missing:
            _uploads[(root, m)] = (stamps[m], latest[m])
    return [latest[m] for m in members]


def _visible_members(viewer: Viewer, group: str, rows: pd.DataFrame) -> list[str]:
    """The members of ``group`` in the roster ``rows`` that ``viewer`` may see, sorted."""
    in_group = (rows["group"] == group).fillna(False).astype(bool)
    members = sorted(str(p) for p in rows.loc[in_group, "participant"])
    if viewer.role == "participant":
        return [m for m in members if m == viewer.participant]
    if viewer.role == "coach" and group not in viewer.groups:
        return []
    return members


OVERVIEW_COLUMNS: Final = overview.COLUMNS[: overview.COLUMNS.index("pain_change_vs_baseline") + 1]


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

    def read(
        self,
        schema: TableSchema,
        participants: Sequence[str] | None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        key = None if participants is None else tuple(sorted(participants))
        narrow = None if columns is None else tuple(columns)
        _forget_erased(self.store)
        mtime = self.store.mtime(schema.name)
        return _cached_read()(str(self.store.root), schema.name, key, narrow, mtime)

    def all_participants(self) -> list[str]:
        return self.store.participants()


def cached_tables() -> CachedTables:
    """The cached tables of the configured data directory (``$BACKTRACK_DATA_DIR``)."""
    return CachedTables(Store(config.data_dir()))


@functools.cache
def _cached_read() -> Callable[
    [str, str, tuple[str, ...] | None, tuple[str, ...] | None, float], pd.DataFrame
]:
    import streamlit as st  # only the cached layer needs Streamlit

    @st.cache_data(show_spinner=False, max_entries=512)
    def read(
        root: str,
        table: str,
        participants: tuple[str, ...] | None,
        columns: tuple[str, ...] | None,
        mtime: float,
    ) -> pd.DataFrame:
        del mtime  # part of the cache key only: a rewritten partition changes it
        return Store(root).read(TABLES[table], participants, columns)

    return read


# ------------------------------------------------- coach pages: alerts, prescriptions
# (issue "Coach pages"). Reads stay scoped as above; the two writes check the role too:
# only a coach of the participant's / the group's group, or an admin, may change anything.

COACH_COLUMNS: Final = [
    *OVERVIEW_COLUMNS,
    "adherence_prev_14d",
    "adherence_trend_14d",
    *overview.GROUP_COLUMNS,  # completeness and dose received over the 28 days
    "last_upload",
    "alerts",
]


def group_thresholds(viewer: Viewer, group: str, tables: Tables | None = None) -> Thresholds:
    """The alert thresholds of ``group`` (defaults when the group never set any)."""
    tables = tables or cached_tables()
    if group not in visible_groups(viewer, tables):
        raise PermissionError(f"{_who(viewer)} may not see group {group!r}")
    return groups_mod.load(tables.store, group)


def set_group_thresholds(
    viewer: Viewer, group: str, thresholds: Thresholds, tables: Tables | None = None
) -> None:
    """Store ``group``'s alert thresholds: a coach of that group or an admin only."""
    tables = tables or cached_tables()
    allowed = viewer.role == "admin" or (viewer.role == "coach" and group in viewer.groups)
    if not allowed:
        raise PermissionError(f"{_who(viewer)} may not change the settings of group {group!r}")
    groups_mod.save(tables.store, group, thresholds, datetime.now(UTC))


def last_upload(viewer: Viewer, participant: str, tables: Tables | None = None) -> datetime | None:
    """When the participant's latest file was processed (``files.ingested_at``, UTC)."""
    files = _scoped_read(viewer, participant, FILES, tables)
    if files.empty:
        return None
    latest = pd.Timestamp(files["ingested_at"].max())
    return None if pd.isna(latest) else latest.to_pydatetime()


def participant_alerts(
    viewer: Viewer,
    participant: str,
    tables: Tables | None = None,
    *,
    as_of: date,
    thresholds: Thresholds | None = None,
) -> list[alerts_mod.Alert]:
    """The participant's alerts as of ``as_of`` (``pipelines.rules.alerts``) under ``thresholds``
    (default: those of the participant's group, else the defaults)."""
    tables = tables or cached_tables()
    frame = days(viewer, participant, tables)
    if thresholds is None:
        group = settings(viewer, participant, tables).group
        thresholds = groups_mod.load(tables.store, group) if group else Thresholds()
    start, end = alerts_mod.window(as_of)
    window_report = report(viewer, participant, tables, start=start, end=end)
    return alerts_mod.evaluate(alerts_mod.facts(frame, window_report, as_of), thresholds)


def coach_overview(
    viewer: Viewer,
    group: str,
    tables: Tables | None = None,
    *,
    as_of: date,
    thresholds: Thresholds | None = None,
) -> pd.DataFrame:
    """``group_overview`` as of ``as_of`` plus the 14-day trend (adherence over the 14 days
    before the last 14), the 28-day completeness and dose received
    (``overview.GROUP_COLUMNS``), the last upload and the alerts (a list of ``Alert`` per
    row) under ``thresholds`` (default: the group's). ``overview.group_summary`` of it is
    the Group page's summary row."""
    tables = tables or cached_tables()
    if group not in visible_groups(viewer, tables):
        raise PermissionError(f"{_who(viewer)} may not see group {group!r}")
    figures = _group_table(viewer, group, tables, as_of)
    thresholds = thresholds or group_thresholds(viewer, group, tables)
    uploads = _last_uploads(tables, [str(m) for m in figures["participant"]])
    figures["last_upload"] = pd.Series(uploads, index=figures.index, dtype="object")
    columns = [figures[c].tolist() for c in overview.FACT_COLUMNS]  # what the alerts read
    rows = (dict(zip(overview.FACT_COLUMNS, v, strict=True)) for v in zip(*columns, strict=True))
    raised: list[Any] = [alerts_mod.evaluate(overview.facts(row), thresholds) for row in rows]
    figures["alerts"] = pd.Series(raised, index=figures.index, dtype="object")
    return figures[COACH_COLUMNS]


def group_days(
    viewer: Viewer, group: str, tables: Tables | None = None, *, start: date, end: date
) -> tuple[pd.DataFrame, dict[str, Target]]:
    """Every visible member's ``days`` rows in ``[start, end]`` (one frame; the columns
    ``GROUP_DAYS_COLUMNS``) and each member's target — one read of each table."""
    tables = tables or cached_tables()
    if group not in visible_groups(viewer, tables):
        raise PermissionError(f"{_who(viewer)} may not see group {group!r}")
    rows = _roster_rows(tables)
    members = _visible_members(viewer, group, rows)
    frame = tables.read(DAYS, members, GROUP_DAYS_COLUMNS) if members else DAYS.empty()
    inside = [start <= d <= end for d in frame["date"].tolist()]
    people = _roster(members, rows)
    chosen = frame.loc[inside, ["participant", *GROUP_DAYS_COLUMNS]].reset_index(drop=True)
    return chosen, {m: people[m].target for m in members}


GROUP_DAYS_COLUMNS: Final = ("date", "walking_minutes", "has_data", "met")


def set_prescription(
    viewer: Viewer,
    participant: str,
    tables: Tables | None = None,
    *,
    min_minutes: int,
    max_minutes: int,
    every_n_days: int,
    min_bout_minutes: int,
    program_start: date | None,
    training_sessions_per_week: int | None = None,
    min_training_minutes: int | None = None,
) -> Participant:
    """Change the participant's target and program start, then recompute their tables so the
    pipeline uses it. A coach of the participant's group or an admin only; ``ValueError``
    (from ``Target``) for values the rule does not allow, before anything is written."""
    tables = tables or cached_tables()
    if viewer.role == "participant":
        raise PermissionError(f"{_who(viewer)} may not change a prescription")
    require(viewer, participant, tables)
    current = settings(viewer, participant, tables).target
    if training_sessions_per_week is None:
        training_sessions_per_week = current.training_sessions_per_week
    if min_training_minutes is None:
        min_training_minutes = current.min_training_minutes
    Target(  # validate first: a bad value never reaches the table
        min_minutes=min_minutes,
        max_minutes=max_minutes,
        every_n_days=every_n_days,
        min_bout_minutes=min_bout_minutes,
        program_start=program_start if program_start is not None else current.program_start,
        training_sessions_per_week=training_sessions_per_week,
        min_training_minutes=min_training_minutes,
    )
    updated = app_participants.configure(
        tables.store,
        participant,
        min_minutes=min_minutes,
        max_minutes=max_minutes,
        every_n_days=every_n_days,
        min_bout_minutes=min_bout_minutes,
        program_start=program_start,
        training_sessions_per_week=training_sessions_per_week,
        min_training_minutes=min_training_minutes,
    )
    refreshing.refresh_participant(tables.store, participant)
    return updated


# ------------------------------------------------- participant pages: scoped writes
# Who may add or correct a participant's data: whoever may see it (the participant
# themself, their group's coach, an admin). One place, so the accounts issue can narrow it.


def require_write(viewer: Viewer, participant: str, tables: Tables | None = None) -> None:
    """Raise ``PermissionError`` unless ``viewer`` may add or correct ``participant``'s data."""
    if participant not in visible_participants(viewer, tables):
        raise PermissionError(f"{_who(viewer)} may not change participant {participant!r}")


def files(viewer: Viewer, participant: str, tables: Tables | None = None) -> pd.DataFrame:
    """The participant's file manifest (``files`` table): what became of every upload."""
    return _scoped_read(viewer, participant, FILES, tables)


def clear_cache() -> None:
    """Forget every cached table read (after a write from the dashboard)."""
    _cached_read().clear()  # type: ignore[attr-defined]
    with _figures_lock:
        _member_figures.clear()
        _uploads.clear()
        _rosters.clear()
        _group_tables.clear()
        _stored.clear()


def set_session_category(
    viewer: Viewer,
    participant: str,
    session_id: str,
    category: str,
    tables: Tables | None = None,
) -> None:
    """Correct a session's category (``auto`` undoes a correction) via
    ``pipelines.app.participants.set_category``, which refreshes the participant's tables."""
    tables = tables or cached_tables()
    require_write(viewer, participant, tables)
    app_participants.set_category(tables.store, participant, session_id, category)
    clear_cache()


def add_diary_entry(
    viewer: Viewer,
    participant: str,
    *,
    day: date,
    pain: float | None = None,
    time: str | None = None,
    flare_up: bool | None = None,
    painkiller: bool | None = None,
    painkiller_name: str | None = None,
    exercise_pain: bool | None = None,
    note: str | None = None,
    tables: Tables | None = None,
) -> None:
    """Store one diary entry typed into the dashboard (replacing the entry of the same date
    and time). Raises ``ValueError`` with the validator's messages for a bad entry.

    Validation is ``ingest.diary.diary_entry`` (the same rules as a diary file's rows),
    reached through ``pipelines.app.diary.add_diary_values``."""
    tables = tables or cached_tables()
    require_write(viewer, participant, tables)
    taken = painkiller_name.strip() if painkiller and painkiller_name else painkiller
    try:
        diary_app.add_diary_values(
            tables.store,
            participant,
            date=day,
            pain=pain,
            time=time or None,
            flare_up=flare_up,
            painkiller=taken,
            exercise_pain=exercise_pain,
            note=note or None,
        )
    finally:
        clear_cache()


def import_diary(
    viewer: Viewer, participant: str, name: str, content: bytes, tables: Tables | None = None
) -> diary_app.DiaryImport:
    """Import an uploaded diary file (CSV/XLSX, in memory) via
    ``pipelines.app.diary.import_diary``: kept sealed in the raw store, good rows replace
    the entries of their dates; the result names every bad row."""
    tables = tables or cached_tables()
    require_write(viewer, participant, tables)
    result = diary_app.import_diary(tables.store, participant, name, content)
    clear_cache()
    return result


# ------------------------------------------- privacy: the audit trail, export, erasure
# (issue "Privacy by design"; docs/audit.md, docs/rights.md). A page that shows a
# participant's data records a ``view`` for the signed-in account — scoped like every read,
# so recording can never name (or reveal) anyone outside the viewer's scope.

VIEW_DEDUP_S: Final = 600.0  # one view entry per account, page and subject per 10 minutes
_recent_views: dict[tuple[str, str, str, str], float] = {}
_recent_lock = threading.Lock()


def record_view(viewer: Viewer, page: str, participant: str, tables: Tables | None = None) -> bool:
    """Record that ``page`` shows ``participant``'s data to ``viewer`` (deduplicated:
    ``VIEW_DEDUP_S``). Whether an entry was written."""
    tables = tables or cached_tables()
    require(viewer, participant, tables)
    return _record(viewer, page, tables.store, participant, [participant], None)


def record_group_view(
    viewer: Viewer, page: str, group: str, shown: Sequence[str], tables: Tables | None = None
) -> bool:
    """Record that ``page`` shows ``group`` and its members ``shown`` to ``viewer`` (one
    entry naming the group and each member; deduplicated like ``record_view``)."""
    tables = tables or cached_tables()
    if group not in visible_groups(viewer, tables):
        raise PermissionError(f"{_who(viewer)} may not see group {group!r}")
    members = set(_visible_members(viewer, group, tables.read(PARTICIPANTS, None)))
    outside = sorted(set(shown) - members)
    if outside:
        raise PermissionError(f"{_who(viewer)} may not see {', '.join(map(repr, outside))}")
    people = sorted(set(shown))
    subject = f"group {group}: {','.join(people)}"
    return _record(viewer, page, tables.store, subject, people, group)


def _actor(viewer: Viewer) -> str:
    return viewer.username or f"(unnamed {viewer.role})"


def _record(
    viewer: Viewer,
    page: str,
    store: Store,
    subject: str,
    people: Sequence[str],
    group: str | None,
) -> bool:
    key = (str(store.root.resolve()), _actor(viewer), page, subject)
    now = time.monotonic()
    with _recent_lock:
        last = _recent_views.get(key)
        if last is not None and now - last < VIEW_DEDUP_S:
            return False
        if len(_recent_views) > 10_000:  # a long-running dashboard: forget the expired keys
            for old in [k for k, seen in _recent_views.items() if now - seen >= VIEW_DEDUP_S]:
                del _recent_views[old]
        _recent_views[key] = now
    try:
        audit.AuditLog(store.root).append(
            _actor(viewer), "view", people, group=group, detail=f"page {page}"
        )
    except BaseException:
        with _recent_lock:  # not written: try again at the next run of the page
            _recent_views.pop(key, None)
        raise
    return True


def audit_trail(
    viewer: Viewer, tables: Tables | None = None
) -> tuple[list[audit.Entry], audit.Verification]:
    """Every audit entry and whether the chain verifies: admins only."""
    tables = tables or cached_tables()
    if viewer.role != "admin":
        raise PermissionError(f"{_who(viewer)} may not read the audit trail")
    log = audit.AuditLog(tables.store.root)
    return log.entries(), log.verify()


def participant_export(viewer: Viewer, participant: str, tables: Tables | None = None) -> bytes:
    """The participant's export zip (``pipelines.app.rights.write_export``, audited): for the
    signed-in participant themself only."""
    tables = tables or cached_tables()
    if viewer.role != "participant" or participant != viewer.participant:
        raise PermissionError(f"{_who(viewer)} may not export participant {participant!r}")
    require(viewer, participant, tables)
    buffer = io.BytesIO()
    rights.write_export(tables.store, participant, buffer, actor=_actor(viewer))
    return buffer.getvalue()


def fhir_bundle(
    viewer: Viewer,
    participant: str,
    start: date | None = None,
    end: date | None = None,
    tables: Tables | None = None,
) -> bytes:
    """The participant's FHIR bundle for ``[start, end]`` (defaults: the report's range;
    ``pipelines.app.fhir_export``, validated and audited as the viewer's export): a coach or
    admin for the participants they see, a participant for themself."""
    tables = tables or cached_tables()
    require(viewer, participant, tables)
    exported = fhir_export.export(tables.store, participant, start, end, actor=_actor(viewer))
    return exported.content


_erased_seen: dict[str, float] = {}


def _forget_erased(store: Store) -> None:
    """Clear every cached read when the list of erased ids changed (``backtrack participant
    delete`` in another process): nothing of an erased participant stays in memory."""
    marker = store.root / tombstones.TOMBSTONES
    try:
        stamp = marker.stat().st_mtime_ns / 1e9
    except FileNotFoundError:
        stamp = 0.0
    root = str(store.root)
    seen = _erased_seen.get(root)
    if seen != stamp:
        if seen is not None:
            clear_cache()
        _erased_seen[root] = stamp


# ------------------------------------------------------------------ questionnaires
# (issue 17 item 3; docs/questionnaires.md). Reads are scoped like every read; an answer is
# written by the signed-in participant for themself only — a coach or an admin reads.


@dataclass(frozen=True, slots=True)
class DueQuestionnaire:
    definition: q_rules.Definition
    due: q_rules.Due
    last_items: dict[str, q_rules.Value]  # the latest earlier answer (PSFS: the activities)


def questionnaire_definitions(tables: Tables | None = None) -> dict[str, q_rules.Definition]:
    """The questionnaires of the data directory (backtrack's and the clinic's), by id."""
    tables = tables or cached_tables()
    return app_questionnaires.definitions(tables.store)


def questionnaire_answers(
    viewer: Viewer, participant: str, tables: Tables | None = None
) -> pd.DataFrame:
    """The participant's ``questionnaires`` rows sorted by questionnaire and date, with
    ``change`` against their first score of the same questionnaire (NaN for the first)."""
    return q_rules.with_change(_scoped_read(viewer, participant, QUESTIONNAIRES, tables))


def due_questionnaires(
    viewer: Viewer, participant: str, tables: Tables | None = None, *, today: date | None = None
) -> list[DueQuestionnaire]:
    """The questionnaires due for the participant on ``today``
    (``pipelines.app.questionnaires.due``: counted from their effective program start), each
    with the items of its latest earlier answer."""
    tables = tables or cached_tables()
    require(viewer, participant, tables)
    known = questionnaire_definitions(tables)
    answers = tables.read(QUESTIONNAIRES, [participant])
    out = []
    for d in app_questionnaires.due(tables.store, participant, today):
        earlier = answers.loc[answers["questionnaire"] == d.questionnaire].sort_values("date")
        last = q_rules.items_of(str(earlier["items"].iloc[-1])) if len(earlier) else {}
        out.append(DueQuestionnaire(known[d.questionnaire], d, last))
    return out


def answer_questionnaire(
    viewer: Viewer,
    participant: str,
    questionnaire: str,
    day: date,
    values: dict[str, object],
    tables: Tables | None = None,
) -> app_questionnaires.Answered:
    """Store the signed-in participant's own answer (``pipelines.app.questionnaires.answer``;
    ``rules.questionnaires.AnswerError`` lists every problem). Anyone else — a coach, an
    admin — may read answers but not give them: ``PermissionError``."""
    tables = tables or cached_tables()
    if viewer.role != "participant" or participant != viewer.participant:
        raise PermissionError(
            f"{_who(viewer)} may not answer a questionnaire for participant {participant!r}"
        )
    require(viewer, participant, tables)
    try:
        return app_questionnaires.answer(
            tables.store, participant, questionnaire, day, values, source="dashboard"
        )
    finally:
        clear_cache()


def questionnaire_scores(
    viewer: Viewer, participant: str, tables: Tables | None = None, *, until: date | None = None
) -> list[dict[str, Any]]:
    """Per questionnaire the participant answered (sorted by id): ``id``, ``title``
    (``rules.questionnaires.Text``, None for a definition no longer there), ``answers``,
    ``first_date``/``first_score``, the latest ``date``/``score``, ``change`` (latest minus
    first; None with one answer) and ``higher_is_better`` (None without a definition) —
    for the Group page and the clinician report (issue 17 items 1–2). ``until``: only the
    answers dated up to that day (the clinician report's period end)."""
    tables = tables or cached_tables()
    answers = _scoped_read(viewer, participant, QUESTIONNAIRES, tables)
    if until is not None:  # as of a day: the answers up to it
        answers = answers.loc[np.array([d <= until for d in answers["date"]], dtype=bool)]
    if answers.empty:
        return []
    known = questionnaire_definitions(tables)
    out = []
    for entry in q_rules.latest(answers):
        definition = known.get(entry["id"])
        out.append(
            entry
            | {
                "title": None if definition is None else definition.title,
                "higher_is_better": (
                    None if definition is None else definition.scoring.higher_is_better
                ),
            }
        )
    return out


GROUP_QUESTIONNAIRE_COLUMNS: Final = [
    "participant",
    "questionnaire",
    "answers",
    "first_date",
    "first_score",
    "date",
    "score",
    "change",
]


def group_questionnaire_scores(
    viewer: Viewer, group: str, tables: Tables | None = None, *, until: date | None = None
) -> pd.DataFrame:
    """:func:`questionnaire_scores` of every visible member of ``group`` in one read: one row
    per member × questionnaire answered (``GROUP_QUESTIONNAIRE_COLUMNS``; ``change`` NaN with
    one answer), sorted by member and questionnaire — for the Group page; ``until``: only
    the answers dated up to that day (the page's "as of")."""
    tables = tables or cached_tables()
    if group not in visible_groups(viewer, tables):
        raise PermissionError(f"{_who(viewer)} may not see group {group!r}")
    members = _visible_members(viewer, group, tables.read(PARTICIPANTS, None))
    answers = tables.read(QUESTIONNAIRES, members)
    if until is not None:  # as of a day: the answers up to it
        answers = answers.loc[np.array([d <= until for d in answers["date"]], dtype=bool)]
    rows = [
        {"participant": str(member), "questionnaire": entry.pop("id")} | entry
        for member, mine in answers.groupby("participant", sort=True)
        for entry in q_rules.latest(mine)
    ]
    frame = pd.DataFrame(rows, columns=GROUP_QUESTIONNAIRE_COLUMNS)
    frame["change"] = pd.to_numeric(frame["change"]).astype(float)
    return frame
