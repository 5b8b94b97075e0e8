"""Session records → the sessions table: category, local day, and cross-device duplicates.

Duplicate rule (one place): two sessions of the same participant are the same activity
recorded twice when they have the same category and overlap in time by more than half of
the shorter one. Of such a cluster the session with the longest moving time is kept
(ties: the earliest ``session_id``); the others get ``duplicate_of`` and are not counted.
Minutes are never double-counted even without this rule: walking credit per minute is the
maximum over the sessions covering it (``pipelines.daily``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import pandas as pd

from ingest.records import SessionRecord
from pipelines import timeline
from pipelines.schemas import SESSIONS
from pipelines.taxonomy import categorize

DUPLICATE_OVERLAP: Final = 0.5  # share of the shorter session that must overlap


def session_id(file_sha256: str, index: int) -> str:
    return f"{file_sha256[:16]}:{index}"


def records_frame(
    participant: str, file_sha256: str, records: Sequence[SessionRecord]
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
            "elapsed_s": float(r.elapsed_s),
            "moving_s": float(min(r.moving_s, r.elapsed_s)),
            "sport": r.sport,
            "sub_sport": r.sub_sport,
            "sport_name": r.sport_name,
            "activity_name": r.activity_name,
            "category": None,
            "distance_m": r.distance_m,
            "steps": r.steps,
            "device": r.device.key,
            "utc_offset_s": r.utc_offset_s,
            "local_date": None,
            "tz_source": None,
            "duplicate_of": None,
        }
        for r in records
    ]
    if not rows:
        return SESSIONS.empty()
    return _typed(pd.DataFrame(rows, columns=SESSIONS.names))


def derive(sessions: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Fill the derived columns (category, local day, tz source, duplicates) from scratch.

    Pure and order-independent: the result is sorted by start and session id.
    """
    if sessions.empty:
        return SESSIONS.empty()
    out = _typed(sessions.copy())
    out["category"] = [
        categorize(_int_or_none(sp), _int_or_none(sub), _str_or_none(an), _str_or_none(sn))
        for sp, sub, an, sn in zip(
            out["sport"], out["sub_sport"], out["activity_name"], out["sport_name"], strict=True
        )
    ]
    out["local_date"] = timeline.local_dates(out["start_utc"], out["utc_offset_s"], tz)
    out["tz_source"] = timeline.tz_sources(out["utc_offset_s"], tz)
    out = out.sort_values(["start_utc", "session_id"], kind="stable").reset_index(drop=True)
    out["duplicate_of"] = duplicates(out)
    return _typed(out)


def duplicates(sessions: pd.DataFrame) -> pd.Series:
    """For each session, the ``session_id`` it duplicates, or ``<NA>`` when it is counted."""
    result = pd.Series(pd.NA, index=sessions.index, dtype="string")
    for _, group in sessions.groupby("category", sort=False):
        if len(group) < 2:
            continue
        for cluster in _overlap_clusters(group):
            if len(cluster) < 2:
                continue
            members = group.loc[cluster]
            ranked = members.sort_values(["moving_s", "session_id"], ascending=[False, True])
            keeper_id = str(ranked["session_id"].iloc[0])
            for idx in cluster:
                if idx != ranked.index[0]:
                    result.at[idx] = keeper_id
    return result


def _overlap_clusters(group: pd.DataFrame) -> list[list[int]]:
    """Connected components of the 'duplicates' relation within one category."""
    ordered = group.sort_values(["start_utc", "session_id"])
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
                break
            overlap = (min(ends[a], ends[b]) - starts[b]).total_seconds()
            shorter = min(
                (ends[a] - starts[a]).total_seconds(), (ends[b] - starts[b]).total_seconds()
            )
            if shorter <= 0 or overlap > DUPLICATE_OVERLAP * shorter:
                parent[find(idx[b])] = find(idx[a])
    clusters: dict[int, list[int]] = {}
    for i in idx:
        clusters.setdefault(find(i), []).append(i)
    return list(clusters.values())


def counted(sessions: pd.DataFrame) -> pd.DataFrame:
    """Sessions that count (not a duplicate of another)."""
    return sessions[sessions["duplicate_of"].isna()]


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _str_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame["start_utc"] = pd.to_datetime(frame["start_utc"], utc=True).dt.as_unit("us")
    frame["end_utc"] = pd.to_datetime(frame["end_utc"], utc=True).dt.as_unit("us")
    for col in ("sport", "sub_sport", "steps", "utc_offset_s"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    for col in ("elapsed_s", "moving_s", "distance_m"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    for col in (
        "participant",
        "session_id",
        "file_sha256",
        "source_format",
        "sport_name",
        "activity_name",
        "category",
        "device",
        "tz_source",
        "duplicate_of",
    ):
        frame[col] = frame[col].astype("string")
    return frame
