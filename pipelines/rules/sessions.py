"""Session records → the sessions table: category, local day, and cross-source duplicates.

**Duplicate rule** (one place). Two sessions of a participant are the same activity
recorded twice — a watch and a phone, or a FIT file, its GPX twin and an Apple Health
workout — when they overlap in time by more than half of the shorter one and their
categories are compatible (equal, or one of them was only inferred / unknown). Of such a
cluster one record is kept, chosen by source priority (``SOURCE_PRIORITY``: the richest
recording first — FIT > TCX > GPX > other watch formats > Apple Health > Google Fit >
summary CSVs), then the longest moving time, then the smallest ``session_id``. The others
keep their row with ``duplicate_of`` set and count for nothing: the kept record's minutes
are the walk's minutes. When the kept record's category was only inferred or unknown and
another record of the cluster states one (a Strava CSV "Hike" for a GPX track without
type), the stated category is used.

**Category** comes from ``pipelines.rules.taxonomy.classify`` (device codes, names, inference
from speed and cadence), unless the participant corrected it (``category_source`` =
``user``; see ``backtrack session set-category``).

**Floating times**: files that give only local wall-clock time (``local_start`` set) are
placed in the participant's time zone every time the table is derived, so a corrected
zone moves them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

import pandas as pd

from ingest.records import SessionRecord
from pipelines import schemas
from pipelines.rules import timeline
from pipelines.rules.taxonomy import classify
from pipelines.schemas import CATEGORY_OVERRIDES, SESSIONS

DUPLICATE_OVERLAP: Final = 0.5  # share of the shorter session that must overlap
SOURCE_PRIORITY: Final[tuple[str, ...]] = (
    "fit",
    "tcx",
    "gpx",
    "suunto_sml",
    "suunto_xml",
    "suunto_json",
    "polar_xml",
    "polar_hrm",
    "strava_json",
    "apple_health",
    "google_fit",
    "strava_csv",
    "garmin_connect_csv",
    "sessions_csv",
)
UNCERTAIN: Final = frozenset({"inferred", "unknown"})


def session_id(file_sha256: str, index: int) -> str:
    return f"{file_sha256[:16]}:{index}"


def priority(source_format: str) -> int:
    """Rank of a source (lower is preferred); unknown sources come last."""
    try:
        return SOURCE_PRIORITY.index(source_format)
    except ValueError:
        return len(SOURCE_PRIORITY)


def records_frame(
    participant: str, file_sha256: str, records: Sequence[SessionRecord], tz: str = "UTC"
) -> pd.DataFrame:
    """The sessions of one file as rows of the sessions table (derived columns left blank)."""
    rows = [
        {
            "participant": participant,
            "session_id": session_id(file_sha256, r.index),
            "file_sha256": file_sha256,
            "source_format": r.source_format,
            "start_utc": r.start_utc,
            "end_utc": r.start_utc + pd.Timedelta(seconds=r.elapsed_s),
            "local_start": r.start_utc.replace(tzinfo=None) if r.floating else None,
            "elapsed_s": float(r.elapsed_s),
            "moving_s": float(max(0.0, min(r.moving_s, r.elapsed_s))),
            "sport": r.sport,
            "sub_sport": r.sub_sport,
            "sport_name": r.sport_name,
            "activity_name": r.activity_name,
            "category": None,
            "category_source": None,
            "distance_m": r.distance_m,
            "steps": r.steps,
            "device": r.device.key,
            "utc_offset_s": None if r.floating else r.utc_offset_s,
            "local_date": None,
            "tz_source": None,
            "duplicate_of": None,
        }
        for r in records
    ]
    if not rows:
        return SESSIONS.empty()
    return _place_floating(schemas.coerce(SESSIONS, pd.DataFrame(rows)), tz)


def derive(
    sessions: pd.DataFrame, tz: str, overrides: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Fill the derived columns (times of floating rows, category, local day, tz source,
    duplicates) from scratch. Pure and order-independent: sorted by start and id."""
    if sessions.empty:
        return SESSIONS.empty()
    out = _place_floating(schemas.coerce(SESSIONS, sessions), tz)
    decided = [
        classify(
            _int_or_none(sp),
            _int_or_none(sub),
            _str_or_none(an),
            _str_or_none(sn),
            distance_m=_float_or_none(dist),
            moving_s=float(mov),
            steps=_float_or_none(st),
        )
        for sp, sub, an, sn, dist, mov, st in zip(
            out["sport"],
            out["sub_sport"],
            out["activity_name"],
            out["sport_name"],
            out["distance_m"],
            out["moving_s"],
            out["steps"],
            strict=True,
        )
    ]
    out["category"] = pd.array([c for c, _ in decided], dtype="string")
    out["category_source"] = pd.array([s for _, s in decided], dtype="string")
    for sid, category in (overrides or {}).items():
        mask = out["session_id"] == sid
        out.loc[mask, "category"] = category
        out.loc[mask, "category_source"] = "user"
    out["local_date"] = timeline.local_dates(out["start_utc"], out["utc_offset_s"], tz)
    out["tz_source"] = timeline.tz_sources(out["utc_offset_s"], tz)
    out = out.sort_values(["start_utc", "session_id"], kind="stable").reset_index(drop=True)
    keepers = duplicates(out)
    out["duplicate_of"] = keepers
    return schemas.coerce(SESSIONS, _adopt_stated_categories(out))


def duplicates(sessions: pd.DataFrame) -> pd.Series:
    """For each session, the ``session_id`` it duplicates, or ``<NA>`` when it is counted."""
    result = pd.Series(pd.NA, index=sessions.index, dtype="string")
    for cluster in _overlap_clusters(sessions):
        if len(cluster) < 2:
            continue
        members = sessions.loc[cluster].assign(
            _rank=[priority(f) for f in sessions.loc[cluster, "source_format"]]
        )
        ranked = members.sort_values(
            ["_rank", "moving_s", "session_id"], ascending=[True, False, True]
        )
        keeper_id = str(ranked["session_id"].iloc[0])
        for idx in cluster:
            if idx != ranked.index[0]:
                result.at[idx] = keeper_id
    return result


def _compatible(a: pd.Series, b: pd.Series) -> bool:
    return bool(
        a["category"] == b["category"]
        or a["category_source"] in UNCERTAIN
        or b["category_source"] in UNCERTAIN
    )


def _overlap_clusters(sessions: pd.DataFrame) -> list[list[int]]:
    """Connected components of the 'same activity' relation."""
    ordered = sessions.sort_values(["start_utc", "session_id"])
    idx = list(ordered.index)
    starts = ordered["start_utc"].tolist()
    ends = ordered["end_utc"].tolist()
    parent = {i: i for i in idx}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a in range(len(idx)):
        for b in range(a + 1, len(idx)):
            if starts[b] >= ends[a]:
                break  # sorted by start: no later session overlaps a either
            overlap = (min(ends[a], ends[b]) - starts[b]).total_seconds()
            shorter = min(
                (ends[a] - starts[a]).total_seconds(), (ends[b] - starts[b]).total_seconds()
            )
            same_time = shorter <= 0 or overlap > DUPLICATE_OVERLAP * shorter
            if same_time and _compatible(ordered.loc[idx[a]], ordered.loc[idx[b]]):
                parent[find(idx[b])] = find(idx[a])
    clusters: dict[int, list[int]] = {}
    for i in idx:
        clusters.setdefault(find(i), []).append(i)
    return list(clusters.values())


def _adopt_stated_categories(sessions: pd.DataFrame) -> pd.DataFrame:
    """A kept record whose category is uncertain takes the one its duplicates state."""
    dupes = sessions[sessions["duplicate_of"].notna()]
    stated = dupes[~dupes["category_source"].isin(UNCERTAIN)]
    if stated.empty:
        return sessions
    stated = stated.assign(_rank=[priority(f) for f in stated["source_format"]])
    best = stated.sort_values(["_rank", "session_id"]).drop_duplicates("duplicate_of")
    adopted = {
        str(keeper): (str(cat), str(src))
        for keeper, cat, src in zip(
            best["duplicate_of"], best["category"], best["category_source"], strict=True
        )
    }
    out = sessions.copy()
    uncertain = out["category_source"].isin(UNCERTAIN) & out["session_id"].isin(adopted.keys())
    pairs = [adopted[str(sid)] for sid in out.loc[uncertain, "session_id"]]
    out.loc[uncertain, "category"] = [c for c, _ in pairs]
    out.loc[uncertain, "category_source"] = [src for _, src in pairs]
    return out


def with_override(
    overrides: pd.DataFrame,
    participant: str,
    session_id: str,
    category: str | None,
    now: datetime,
) -> pd.DataFrame:
    """The override rows with ``session_id`` set to ``category`` (``None``: removed)."""
    rows = overrides[overrides["session_id"] != session_id]
    if category is not None:
        new = pd.DataFrame(
            {
                "participant": [participant],
                "session_id": [session_id],
                "category": [category],
                "set_at": [now],
            }
        )
        rows = pd.concat([rows, new], ignore_index=True) if len(rows) else new
    return schemas.coerce(CATEGORY_OVERRIDES, rows.reset_index(drop=True))


def counted(sessions: pd.DataFrame) -> pd.DataFrame:
    """Sessions that count (not a duplicate of another)."""
    return sessions[sessions["duplicate_of"].isna()]


def _place_floating(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Rows with a local wall-clock start get their UTC times from ``tz``."""
    floating = frame["local_start"].notna()
    if not floating.any():
        return frame
    start = timeline.wall_to_utc(frame.loc[floating, "local_start"], tz)
    frame.loc[floating, "start_utc"] = start
    frame.loc[floating, "end_utc"] = start + pd.to_timedelta(
        frame.loc[floating, "elapsed_s"], unit="s"
    )
    return frame


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _float_or_none(value: object) -> float | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if number != number else number


def _str_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]
