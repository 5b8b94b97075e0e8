"""Every table backtrack writes: columns, types, units, grain and key — the one place.

Each table is stored as Parquet partitioned by participant (the group settings: by group; see
``TableSchema.partition`` and ``pipelines.store.storage``).
``validate`` is applied on every write: exact columns, Arrow types, non-null columns
and key uniqueness. ``docs/tables.md`` is generated from these definitions
(``python -m pipelines.schemas > docs/tables.md``; a test keeps it in sync).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa

UTC_TS: Final = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = False
    default: object = None  # value for partitions written before the column existed


@dataclass(frozen=True, slots=True)
class TableSchema:
    name: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    doc: str
    # One Parquet file for every participant (``<table>/all.parquet``) instead of a partition
    # each: for small tables every page reads whole (the roster), where 1,000 tiny files
    # cost ~0.8 s to open and one file ~5 ms. ``pipelines.store.storage`` owns the difference.
    single_file: bool = False
    # The column whose value names a table's partition folder (``<column>=<value>``): the
    # participant for every table but the group settings (one partition per group).
    partition: str = "participant"
    # A table of many rows per participant stored in windows of this timestamp column:
    # rows sorted by window (``STEP_MINUTE_WINDOW_DAYS`` UTC days), one Parquet row group
    # each, so a writer and a reader hold one window at a time (``pipelines.store.storage``).
    windowed_by: str | None = None

    @property
    def arrow(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def empty(self) -> pd.DataFrame:
        return _empty_frame(self).copy()

    def only(self, names: Sequence[str]) -> TableSchema:
        """This table with only the columns ``names`` (in schema order), for narrow reads."""
        unknown = sorted(set(names) - set(self.names))
        if unknown:
            raise SchemaError(f"{self.name} has no column {', '.join(unknown)}")
        wanted = set(names)
        columns = tuple(c for c in self.columns if c.name in wanted)
        key = tuple(k for k in self.key if k in wanted)
        return replace(self, columns=columns, key=key)


@functools.cache
def _empty_frame(schema: TableSchema) -> pd.DataFrame:
    """``schema``'s empty frame, built once (callers get a copy each)."""
    return schema.arrow.empty_table().to_pandas(types_mapper=_pandas_type)


class SchemaError(ValueError):
    """A frame does not match its table's schema."""


def _c(
    name: str, type_: pa.DataType, doc: str, nullable: bool = False, default: object = None
) -> Column:
    return Column(name, type_, doc, nullable, default)


PARTICIPANT = _c("participant", pa.string(), "pseudonymous participant id")
SOURCE_FORMAT = _c(
    "source",
    pa.string(),
    "format of the file it came from (`fit`, `apple_health`, ...)",
    default="fit",  # partitions written before other formats existed held FIT data only
)
SESSION_COUNTS = tuple(
    _c(f"sessions_{cat}", pa.int16(), f"{cat} sessions starting that local day (duplicates once)")
    for cat in ("walking", "strength", "pilates", "yoga", "tai_chi", "other")
)

FILES = TableSchema(
    name="files",
    grain="one row per participant × file content × name it arrived under",
    key=("participant", "sha256", "original_name"),
    doc="The file manifest: every file (and every member of an archive) ever uploaded, "
    "with what became of it. A file already ingested under the same name is not recorded "
    "again; the same content under a new name is recorded with status `duplicate`.",
    columns=(
        PARTICIPANT,
        _c(
            "sha256", pa.string(), "SHA-256 of the file's own bytes (archive members: decompressed)"
        ),
        _c(
            "upload_sha256",
            pa.string(),
            "SHA-256 of the uploaded file that carried it; raw "
            "copy at raw/<participant>/<upload_sha256>.<ext>",
        ),
        _c(
            "original_name",
            pa.string(),
            "name as uploaded (`export.zip/a/b.fit` for members); personal data, kept so the "
            "person and their coach recognise their uploads - the one place a file's name is "
            "kept (docs/privacy.md)",
        ),
        _c("format", pa.string(), "detected format (`fit`, `zip`, ...)", nullable=True),
        _c("kind", pa.string(), "`activity` or `monitoring` when ingested", nullable=True),
        _c("status", pa.string(), "`ok`, `duplicate`, `skipped` or `rejected`"),
        _c(
            "reason",
            pa.string(),
            "why it was skipped/rejected/duplicate; warnings for ok files",
            nullable=True,
        ),
        _c("n_sessions", pa.int32(), "sessions read from the file"),
        _c(
            "n_step_intervals",
            pa.int32(),
            "step intervals and daily step totals read from the file",
        ),
        _c("size_bytes", pa.int64(), "bytes"),
        _c("ingested_at", UTC_TS, "when the file was processed (UTC)"),
    ),
)

SESSIONS = TableSchema(
    name="sessions",
    grain="one row per recorded session",
    key=("participant", "session_id"),
    doc="Every session read from any file. Sessions recorded twice (two devices, or a "
    "watch and a phone) are all kept; all but one carry `duplicate_of` and are not counted.",
    columns=(
        PARTICIPANT,
        _c("session_id", pa.string(), "`<file sha256[:16]>:<index in file>`"),
        _c("file_sha256", pa.string(), "the file it came from (files.sha256)"),
        _c("source_format", pa.string(), "`fit`, ..."),
        _c("start_utc", UTC_TS, "start instant (UTC)"),
        _c("end_utc", UTC_TS, "start + elapsed (UTC)"),
        _c(
            "local_start",
            pa.timestamp("us"),
            "local wall-clock start when the file states no zone or offset (floating); "
            "start_utc then follows from the participant's zone",
            nullable=True,
        ),
        _c("elapsed_s", pa.float64(), "wall-clock duration in seconds, pauses included"),
        _c("moving_s", pa.float64(), "timer / moving seconds, pauses removed"),
        _c("sport", pa.int16(), "raw FIT sport code", nullable=True),
        _c("sub_sport", pa.int16(), "raw FIT sub_sport code", nullable=True),
        _c("sport_name", pa.string(), "type as named by the file", nullable=True),
        _c("activity_name", pa.string(), "name given by the user / device", nullable=True),
        _c("category", pa.string(), "taxonomy category (pipelines.rules.taxonomy)"),
        _c(
            "category_source",
            pa.string(),
            "how the category was decided: `device`, `name`, `inferred` (from speed and "
            "cadence), `unknown` or `user` (corrected by the participant)",
            default="unknown",
        ),
        _c("distance_m", pa.float64(), "metres", nullable=True),
        _c("steps", pa.int32(), "steps in the session when recorded", nullable=True),
        _c("device", pa.string(), "`manufacturer/product/serial`"),
        _c("utc_offset_s", pa.int32(), "local − UTC offset stated by the file (s)", nullable=True),
        _c("local_date", pa.date32(), "local calendar day of the start"),
        _c("tz_source", pa.string(), "`file` (the file's own offset) or the IANA zone used"),
        _c(
            "duplicate_of",
            pa.string(),
            "session_id this one duplicates (not counted)",
            nullable=True,
        ),
    ),
)

STEP_MINUTE_WINDOW_DAYS: Final = 28
"""The UTC days of one window of a windowed table (``step_minutes``, ``wear``:
``TableSchema.windowed_by``)."""

STEP_MINUTES = TableSchema(
    name="step_minutes",
    windowed_by="minute_utc",
    grain="one row per participant × device × UTC minute with steps",
    key=("participant", "device", "minute_utc"),
    doc="Step counts per minute from monitoring data, per device. Interval increments are "
    "spread evenly over the interval's minutes (integer steps, totals conserved). When "
    "files of one device overlap, the larger count for a minute wins.",
    columns=(
        PARTICIPANT,
        _c("device", pa.string(), "`manufacturer/product/serial`"),
        _c("minute_utc", UTC_TS, "start of the minute (UTC)"),
        _c("steps", pa.int32(), "steps in that minute"),
        _c("utc_offset_s", pa.int32(), "local − UTC offset stated by the file (s)", nullable=True),
        _c("file_sha256", pa.string(), "the file it came from"),
        SOURCE_FORMAT,
        _c(
            "resolution_s",
            pa.int32(),
            "length of the reading the minute's steps were spread from (s; the longest when "
            "several share the minute): cadence thresholds apply only up to 120 s. Rows "
            "stored before this column existed read as 60 (`backtrack reprocess` restores "
            "the real value)",
            default=60,
        ),
    ),
)

WEAR = TableSchema(
    name="wear",
    grain="one row per participant × device × file × basis × stretch of wear",
    key=("participant", "device", "file_sha256", "basis", "start_utc"),
    windowed_by="start_utc",
    doc="Stretches a device showed it was worn (pipelines.rules.steps). `basis` `heart_rate`: "
    "minutes with a heart-rate reading, readings at most 5 min apart joined (ingest.wear). "
    "`steps`: the stretches a file's step readings cover — readings shorter than 60 min, "
    "zero-step readings included, joined across gaps of at most 60 min. With recorded "
    "sessions they give a day's `wear_minutes` (heart rate first, pipelines.rules.daily); a "
    'local day touched by a stretch has data even when no step was taken ("not worn" is '
    'not "not active"). Rows stored before stretches existed span their whole file, rows '
    "stored before `basis` existed read as `steps` (`backtrack reprocess` rebuilds them).",
    columns=(
        PARTICIPANT,
        _c("device", pa.string(), "`manufacturer/product/serial`"),
        _c("file_sha256", pa.string(), "the file"),
        _c("start_utc", UTC_TS, "first instant covered"),
        _c("end_utc", UTC_TS, "last instant covered"),
        _c("utc_offset_s", pa.int32(), "offset stated by the file (s)", nullable=True),
        SOURCE_FORMAT,
        _c(
            "basis",
            pa.string(),
            "what says the device was worn: `heart_rate` (heart-rate readings) or `steps` "
            "(step readings); recorded sessions stay in the sessions table",
            default="steps",
        ),
    ),
)

DAILY_STEPS = TableSchema(
    name="daily_steps",
    grain="one row per participant × local day × device with only a daily total",
    key=("participant", "date", "device"),
    doc="Daily step totals from sources that give nothing finer (Fitbit daily CSV, Google "
    "Fit daily metrics). They count toward a day's steps and `has_data`, never toward "
    "walking minutes (a total says nothing about bouts).",
    columns=(
        PARTICIPANT,
        _c("date", pa.date32(), "local calendar day as the source states it"),
        _c("device", pa.string(), "`manufacturer/product/serial`"),
        _c("steps", pa.int64(), "steps that day"),
        _c("file_sha256", pa.string(), "the file it came from"),
        SOURCE_FORMAT,
    ),
)

CATEGORY_OVERRIDES = TableSchema(
    name="category_overrides",
    grain="one row per corrected session",
    key=("participant", "session_id"),
    doc="Categories a participant (or their coach) corrected; they win over the taxonomy.",
    columns=(
        PARTICIPANT,
        _c("session_id", pa.string(), "sessions.session_id"),
        _c("category", pa.string(), "the corrected category"),
        _c("set_at", UTC_TS, "when (UTC)"),
    ),
)

DIARY = TableSchema(
    name="diary",
    grain="one row per participant × diary entry (day and time as written)",
    key=("participant", "date", "time"),
    doc="Pain-diary entries (pipelines.rules.diary). Importing a diary file replaces the "
    "entries of the dates it contains (a corrected diary corrects them); `diary add` "
    "replaces the entry of its date and time. Several entries on one day at different times "
    "are kept; the day's pain is their mean.",
    columns=(
        PARTICIPANT,
        _c("date", pa.date32(), "local calendar day the entry is about"),
        _c("time", pa.string(), "`HH:MM` as written", nullable=True),
        _c("pain", pa.float64(), "pain 0–100 (0–10 entries ×10)", nullable=True),
        _c("flare_up", pa.bool_(), "the person flagged a flare-up", nullable=True),
        _c("painkiller", pa.bool_(), "painkiller taken", nullable=True),
        _c("painkiller_name", pa.string(), "painkiller as written", nullable=True),
        _c("exercise_pain", pa.bool_(), "soreness / more pain after exercise", nullable=True),
        _c("note", pa.string(), "free text", nullable=True),
        _c("source", pa.string(), "`file` or `entry` (CLI / dashboard form)"),
        _c(
            "file_sha256",
            pa.string(),
            "the diary file (raw store), for file entries",
            nullable=True,
        ),
        _c("row", pa.int32(), "row in that file (header = 1)", nullable=True),
    ),
)

DAYS = TableSchema(
    name="days",
    grain="one row per participant × local day, from the first to the last day with "
    "activity data or a diary entry",
    key=("participant", "date"),
    doc="The daily join: activity (the daily table's columns) next to the pain diary and the "
    "pain rules' day flags (pipelines.rules.joined, pipelines.rules.pain). What the report and the "
    "dashboard read.",
    columns=(),  # filled in below: the daily columns plus the diary columns
)

DAILY = TableSchema(
    name="daily",
    grain="one row per participant × local calendar day, first to last data day",
    key=("participant", "date"),
    doc="Walking minutes and sessions per local day (pipelines.rules.daily) and whether the day "
    "met the target (pipelines.rules.adherence).",
    columns=(
        PARTICIPANT,
        _c("date", pa.date32(), "local calendar day"),
        _c(
            "walking_minutes",
            pa.float64(),
            "union of walking sessions (moving time) and step-detected walking bouts, min",
        ),
        _c("brisk_walking_minutes", pa.float64(), "walking minutes at ≥ 100 steps/min, min"),
        _c("session_walking_minutes", pa.float64(), "part from walking sessions, min"),
        _c("bout_walking_minutes", pa.float64(), "part from step bouts outside sessions, min"),
        _c("training_minutes", pa.float64(), "moving minutes of strength/Pilates/Yoga/Tai-Chi"),
        _c("steps", pa.int64(), "steps that day (per minute the device with most steps)"),
        *SESSION_COUNTS,
        _c("has_data", pa.bool_(), "any source covered the day (a session or step data)"),
        _c(
            "sources",
            pa.string(),
            "source formats behind the day's figures, comma-separated",
            default="",
        ),
        _c(
            "wear_minutes",
            pa.float64(),
            "minutes the day was worn: heart-rate wear and recorded sessions; on a day "
            "without heart rate (and for devices without heart rate that day) also minutes "
            "covered by step readings at most 60 min apart; null when nothing says",
            nullable=True,
        ),
        _c(
            "wear_basis",
            pa.string(),
            "what `wear_minutes` rests on: `heart_rate` (the day has heart-rate wear), "
            "`steps` (step readings, no heart rate), `session` (recorded sessions only); "
            "null when nothing says",
            nullable=True,
        ),
        _c(
            "approximate",
            pa.bool_(),
            "steps outside sessions from readings coarser than 2 min add up to ≥ 60 that day: "
            "walking minutes may be missing (no cadence can be told from them)",
            default=False,
        ),
        _c("met", pa.bool_(), "walking_minutes ≥ the participant's min_minutes"),
        _c("credited_minutes", pa.float64(), "walking minutes capped at max_minutes"),
        _c("above_range_minutes", pa.float64(), "walking minutes beyond max_minutes"),
        _c(
            "status",
            pa.string(),
            "`met`, `below` (target not reached), `low_wear` (not met, worn less than "
            "min_wear_minutes) or `no_data`",
            default="no_data",
        ),
        _c(
            "training_sessions",
            pa.int16(),
            "counted strength/Pilates/Yoga/Tai-Chi sessions of ≥ the participant's "
            "min_training_minutes moving minutes (pipelines.rules.adherence)",
            default=0,
        ),
    ),
)

BLOCKS = TableSchema(
    name="blocks",
    grain="one row per participant × n-day block from the program start",
    key=("participant", "block_start"),
    doc="Every-other-day blocks (pipelines.rules.adherence): a block is met when one of its days "
    "is met; `no_data` when none of its days has data; else `missed`.",
    columns=(
        PARTICIPANT,
        _c("block_start", pa.date32(), "first day of the block"),
        _c("block_end", pa.date32(), "last day of the block"),
        _c("status", pa.string(), "`met`, `missed` or `no_data`"),
        _c("complete", pa.bool_(), "all days of the block lie within the data range"),
        _c("met_days", pa.int16(), "days in the block that met the target"),
        _c("walking_minutes", pa.float64(), "walking minutes in the block"),
    ),
)

PARTICIPANTS = TableSchema(
    name="participants",
    grain="one row per participant",
    key=("participant",),
    doc="Each participant's time zone, group and prescription (the adherence rule's "
    "parameters). The roster: one file for everyone (`participants/all.parquet`).",
    single_file=True,
    columns=(
        PARTICIPANT,
        _c("tz", pa.string(), "IANA time zone used when a file states no offset"),
        _c(
            "program_start",
            pa.date32(),
            "first day of the program (blocks and program weeks count from it)",
            nullable=True,
        ),
        _c("min_minutes", pa.int16(), "a day is met at ≥ this many walking minutes"),
        _c("max_minutes", pa.int16(), "minutes beyond this add no credit"),
        _c(
            "every_n_days",
            pa.int16(),
            "a walk every n days: the block length, and ⌊7 ÷ n⌋ met days a week",
        ),
        _c(
            "min_bout_minutes",
            pa.int16(),
            "shortest step-detected walking bout (its span) that counts",
        ),
        _c(
            "max_pause_minutes",
            pa.int16(),
            "longest stretch of minutes below walking cadence a step bout continues across",
            default=2,
        ),
        _c(
            "min_wear_minutes",
            pa.int16(),
            "a day not met and worn less than this many minutes is `low_wear`",
            default=600,
        ),
        _c(
            "training_sessions_per_week",
            pa.int16(),
            "weekly target of training sessions (strength/Pilates/Yoga/Tai-Chi)",
            default=2,
        ),
        _c(
            "min_training_minutes",
            pa.int16(),
            "a training session counts toward the weekly target at ≥ this many moving minutes",
            default=15,
        ),
        _c("group", pa.string(), "the coaching group", nullable=True),
        _c("updated_at", UTC_TS, "last change (UTC)"),
    ),
)

DAYS = TableSchema(
    name=DAYS.name,
    grain=DAYS.grain,
    key=DAYS.key,
    doc=DAYS.doc,
    columns=(
        *DAILY.columns,
        _c("pain", pa.float64(), "mean pain of the day's entries, 0–100", nullable=True),
        _c("pain_entries", pa.int16(), "diary entries that day"),
        _c(
            "pain_7d_mean",
            pa.float64(),
            "trailing 7-day mean pain (pipelines.rules.pain)",
            nullable=True,
        ),
        _c("flare_up_flagged", pa.bool_(), "the person flagged a flare-up that day"),
        _c("flare_up", pa.bool_(), "flare-up day: flagged, or detected by the pain rule"),
        _c(
            "flare_detected",
            pa.bool_(),
            "pain clearly above the usual level (detected by the pain rule, not the person's flag)",
        ),
        _c("painkiller", pa.bool_(), "painkiller taken (any entry)", nullable=True),
        _c("exercise_pain", pa.bool_(), "soreness after exercise (any entry)", nullable=True),
    ),
)

GROUP_SETTINGS = TableSchema(
    name="group_settings",
    grain="one row per coaching group",
    key=("group",),
    doc="Per-group alert thresholds for the coach pages (pipelines.store.groups, "
    "pipelines.rules.alerts); "
    "a group without a row uses the defaults. Partitioned by group, not by participant: "
    "stored under `<data dir>/tables/group_settings/group=<group>/part.parquet`.",
    partition="group",
    columns=(
        _c("group", pa.string(), "the coaching group (participants.group)"),
        _c("no_data_days", pa.int16(), "alert when the last day with data is ≥ this many days ago"),
        _c("min_adherence_14d", pa.float64(), "alert when 14-day adherence is below this (0–1)"),
        _c("pain_delta", pa.float64(), "alert when the latest 7-day pain ≥ baseline + this"),
        _c("painkiller_days", pa.int16(), "alert when painkillers ran on more days than this"),
        _c("updated_at", UTC_TS, "last change (UTC)"),
    ),
)

QUESTIONNAIRES = TableSchema(
    name="questionnaires",
    grain="one row per participant × questionnaire × date answered",
    key=("participant", "questionnaire", "date"),
    doc="Questionnaire answers and their scores (pipelines.rules.questionnaires; the "
    "definitions: docs/questionnaires.md). Answering the same questionnaire again on the same "
    "date replaces the earlier answer.",
    columns=(
        PARTICIPANT,
        _c("questionnaire", pa.string(), "the definition's id (`peg3`, `pgic`, `psfs`, ...)"),
        _c("date", pa.date32(), "local calendar day the answer was given for"),
        _c(
            "score",
            pa.float64(),
            "the definition's score (mean, sum or a single item), rounded to 2 decimals",
        ),
        _c(
            "items",
            pa.string(),
            "every item's answer as a JSON object, item id → number (scale) or text "
            '(e.g. `{"pain": 7, "enjoyment": 5, "activity": 6}`)',
        ),
        _c("source", pa.string(), "`cli` or `dashboard`"),
        _c("answered_at", UTC_TS, "when the answer was stored (UTC)"),
    ),
)

OVERVIEW_ROWS = TableSchema(
    name="overview_rows",
    grain="one row per participant: their Group page figures as of one day",
    key=("participant",),
    doc="Each participant's Group page figures (`pipelines.rules.overview.member`) as of "
    "`as_of`, written for everyone by the refresh of everyone (the nightly run; "
    "`pipelines.app.overview_rows`) so the Group page need not compute them when it opens. "
    "A row is used only while the stamps it notes still hold: the participant's `days` "
    "partition and settings unchanged and the page asking for the same day. One file "
    "for everyone (`overview_rows/all.parquet`).",
    single_file=True,
    columns=(
        PARTICIPANT,
        _c("as_of", pa.date32(), "the day the figures are as of"),
        _c(
            "days_stamp",
            pa.string(),
            "inode:size:modification time (ns) of the `days` partition the figures were "
            "computed from (null: none)",
            nullable=True,
        ),
        _c("settings", pa.string(), "SHA-256 of the settings the figures were computed with"),
        _c(
            "last_data_day",
            pa.date32(),
            "latest day with data (any, also after as_of)",
            nullable=True,
        ),
        _c(
            "files_stamp",
            pa.string(),
            "inode:size:modification time (ns) of the `files` partition (null: none)",
            nullable=True,
        ),
        _c("last_upload", UTC_TS, "when the latest file was processed", nullable=True),
        _c(
            "figures",
            pa.string(),
            "the figures as a JSON object, column → value (`pipelines.rules.overview.COLUMNS`; "
            'days as `{"date": "YYYY-MM-DD"}`)',
        ),
        _c("computed_at", UTC_TS, "when the row was computed (UTC)"),
    ),
)

TABLES: Final[dict[str, TableSchema]] = {
    t.name: t
    for t in (
        FILES,
        SESSIONS,
        STEP_MINUTES,
        WEAR,
        DAILY_STEPS,
        CATEGORY_OVERRIDES,
        DAILY,
        DIARY,
        DAYS,
        BLOCKS,
        PARTICIPANTS,
        GROUP_SETTINGS,
        QUESTIONNAIRES,
        OVERVIEW_ROWS,
    )
}


def _pandas_type(t: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.StringDtype()
    return None


def coerce(schema: TableSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s columns of ``schema`` (in schema order; others dropped), each typed from
    its Arrow type — the one place that turns the rows a rule built into the table's types:

    ======================  ==========================================================
    Arrow type              pandas
    ======================  ==========================================================
    string                  ``string`` (missing → ``<NA>``)
    intN                    ``intN``; a nullable column ``Int64`` (missing → ``<NA>``)
    floatN                  ``floatN`` (missing → NaN)
    bool                    ``bool``; a nullable column ``boolean`` (missing → ``<NA>``)
    timestamp[u, tz]        ``datetime64[u, tz]`` (naive input read as UTC)
    timestamp[u]            ``datetime64[u]`` (wall clock, no zone)
    date32                  ``datetime.date`` objects (datetimes cut to their day;
                            missing → ``None``), as ``Store.read`` returns them
    ======================  ==========================================================

    The index is kept and ``frame`` is not changed. A missing column, a null in a
    non-nullable integer or bool column, or a value that is not of its column's kind is a
    ``SchemaError``; nulls elsewhere and key uniqueness are ``to_arrow``'s to check."""
    missing = [n for n in schema.names if n not in frame.columns]
    if missing:
        raise SchemaError(f"{schema.name}: missing columns {missing}")
    typed: dict[str, pd.api.extensions.ExtensionArray] = {}
    for column in schema.columns:
        try:
            # the values only: each series has ``frame``'s index, given to the frame once
            # (built in one go, not column by column, which is slow for many small frames)
            typed[column.name] = _coerced(column, frame[column.name]).array
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{schema.name}.{column.name}: {exc}") from exc
    return pd.DataFrame(typed, index=frame.index, columns=schema.names)


def _coerced(column: Column, series: pd.Series) -> pd.Series:
    t = column.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return series.astype(pd.StringDtype())
    if pa.types.is_timestamp(t):
        if t.tz is None:
            return pd.to_datetime(series).dt.as_unit(t.unit)
        stamps = pd.to_datetime(series, utc=True).dt.as_unit(t.unit)
        return stamps if t.tz == "UTC" else stamps.dt.tz_convert(t.tz)
    if pa.types.is_date32(t):
        return pd.Series([_day(v) for v in series], index=series.index, dtype=object)
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        if column.nullable:
            if pa.types.is_boolean(t):
                return series.astype("boolean")
            return series.astype("Int64")
        if series.isna().any():
            raise ValueError("must not be null")
        return series.astype(t.to_pandas_dtype())
    if pa.types.is_floating(t):
        return pd.to_numeric(series).astype(t.to_pandas_dtype())
    raise TypeError(f"no coercion to {t}")


def _day(value: object) -> date | None:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN, numpy's too
        return None
    if isinstance(value, datetime):  # a pandas Timestamp too
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    raise TypeError(f"{value!r} is not a day")


def upgrade(schema: TableSchema, table: pa.Table) -> pa.Table:
    """A partition written by an older version, with the columns added since filled in
    (their ``default``, else nulls) and put in schema order."""
    columns = []
    for column in schema.columns:
        if column.name in table.column_names:
            columns.append(table.column(column.name).cast(column.type))
        else:
            columns.append(pa.array([column.default] * table.num_rows, type=column.type))
    return pa.Table.from_arrays(columns, schema=schema.arrow)


def to_arrow(schema: TableSchema, frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table of ``schema``, or a ``SchemaError`` naming the problem."""
    missing = [n for n in schema.names if n not in frame.columns]
    extra = [n for n in frame.columns if n not in schema.names]
    if missing or extra:
        raise SchemaError(f"{schema.name}: missing columns {missing}, unexpected {extra}")
    try:
        table = pa.Table.from_pandas(
            frame[schema.names], schema=schema.arrow, preserve_index=False, safe=True
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise SchemaError(f"{schema.name}: {exc}") from exc
    for column in schema.columns:
        if not column.nullable and table.column(column.name).null_count:
            raise SchemaError(f"{schema.name}.{column.name} must not be null")
    if len(frame) and frame.duplicated(list(schema.key)).any():
        dupes = frame.loc[frame.duplicated(list(schema.key), keep=False), list(schema.key)]
        raise SchemaError(f"{schema.name}: duplicate keys {dupes.head(3).to_dict('records')}")
    return table


def validate(schema: TableSchema, frame: pd.DataFrame) -> None:
    to_arrow(schema, frame)


def markdown(tables: Iterable[TableSchema] = TABLES.values()) -> str:
    """The tables reference (docs/tables.md)."""
    out = [
        "# Tables",
        "",
        "Generated from `pipelines/schemas.py` (`python -m pipelines.schemas`). Every table is "
        "Parquet under `<data dir>/tables/<table>/participant=<id>/part.parquet` (the "
        "`participants` roster: one file, `<data dir>/tables/participants/all.parquet`), written "
        "atomically and validated against this schema on every write. Times are UTC instants; "
        "`date` columns are local calendar days.",
        "",
    ]
    for t in tables:
        out += [
            f"## `{t.name}`",
            "",
            t.doc,
            "",
            f"Grain: {t.grain}. Key: {', '.join(f'`{k}`' for k in t.key)}.",
            "",
            *(
                [
                    f"Stored in windows of {STEP_MINUTE_WINDOW_DAYS} UTC days by "
                    f"`{t.windowed_by}` (counted from 1970-01-01): rows sorted by window, one "
                    "Parquet row group each, so ingest and refresh hold one window at a time. "
                    "A partition written before (no layout note in its footer) is read whole "
                    "once and laid out in windows by the next write.",
                    "",
                ]
                if t.windowed_by
                else []
            ),
            "| column | type | null | meaning |",
            "|---|---|---|---|",
        ]
        out += [
            f"| `{c.name}` | {c.type} | {'yes' if c.nullable else 'no'} | {c.doc} |"
            for c in t.columns
        ]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown())
