"""The Group page's figures of everyone, computed ahead: the ``overview_rows`` table.

A coach opening the Group page needs each member's row of ``pipelines.rules.overview``
(``overview.member``: adherence windows, trend, completeness, dose, pain, painkillers) as
of the day shown. Computing it takes a few milliseconds a member, so an overview of 10,000
members would take over a minute in a fresh dashboard process. The refresh of everyone (the
nightly run) therefore computes every participant's row as of its day (:func:`write`) and
stores them in one file; the dashboard (``dashboards.data``) takes a stored row instead of
computing it when what it was computed from still holds (:func:`still_holds`): the same
``days`` partition (its file's inode, size and modification time), the same settings and
the same as-of day. Anything else is computed as before, so a stored row can be old but
never wrong.

The rows are the rule's own: :func:`member_row` reads exactly what the dashboard reads (the
``days`` columns ``overview.INPUTS`` and the roster) and calls ``overview.member``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

import numpy as np
import pandas as pd

from pipelines.app.workers import process_pool
from pipelines.rules import overview, participants
from pipelines.rules.participants import Participant
from pipelines.schemas import DAYS, FILES, OVERVIEW_ROWS, PARTICIPANTS, TableSchema
from pipelines.store import tombstones
from pipelines.store.storage import Store


class Reader(Protocol):
    """What reads tables: a ``Store``, or the dashboard's cached tables."""

    def read(
        self,
        schema: TableSchema,
        participants: Sequence[str] | None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame: ...


Stamp = tuple[int, int, int] | None  # ``Store.stamps``: inode, size, modification time (ns)

PART_SIZE = 250  # participants a worker reads and computes at once
PARALLEL_FROM = 400  # participants; below this one process is quicker than starting a pool


@dataclass(frozen=True, slots=True)
class Stored:
    """One participant's stored row and what it was computed from."""

    as_of: date
    days_stamp: Stamp
    settings: str
    last_data_day: date | None
    files_stamp: Stamp
    last_upload: datetime | None
    figures: dict[str, Any]


def settings_digest(p: Participant) -> str:
    """What identifies the settings a row was computed with (their ``repr``, hashed)."""
    return hashlib.sha256(repr(p).encode()).hexdigest()


def still_holds(
    stored: Stored, as_of: date | None, days_stamp: Stamp, settings: Participant
) -> bool:
    """May ``stored`` stand for a row computed now from the ``days`` partition with
    ``days_stamp`` and ``settings`` as of ``as_of``?"""
    return (
        stored.as_of == as_of
        and stored.days_stamp == days_stamp
        and days_stamp is not None
        and stored.settings == settings_digest(settings)
    )


def days_frames(store: Reader, members: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Each of ``members``' ``days`` rows (the columns the overview reads), in one read."""
    if not members:
        return {}
    everyone = store.read(DAYS, members, overview.INPUTS)
    frames = {str(m): f for m, f in everyone.groupby("participant", sort=False)}
    empty = DAYS.only(overview.INPUTS).empty()
    return {m: frames.get(m, empty) for m in members}


def last_uploads(store: Reader, members: Sequence[str]) -> dict[str, datetime | None]:
    """When each member's latest file was processed (``files.ingested_at``), in one read."""
    if not members:
        return {}
    files = store.read(FILES, members, ["ingested_at"])
    newest = files.groupby("participant")["ingested_at"].max() if len(files) else pd.Series()
    out: dict[str, datetime | None] = {}
    for m in members:
        stamp = newest.get(m)
        out[m] = None if stamp is None or pd.isna(stamp) else stamp.to_pydatetime()
    return out


def write(store: Store, as_of: date, workers: int | None = None) -> int:
    """Compute every participant's row as of ``as_of`` and store them all at once (the
    rows of anyone erased meanwhile left out). Returns how many rows were stored."""
    ids = [p for p in store.participants() if not tombstones.is_erased(store.root, p)]
    rows = list(_computed(store, ids, as_of, workers))
    frame = pd.DataFrame(rows, columns=OVERVIEW_ROWS.names) if rows else OVERVIEW_ROWS.empty()
    store.write_all(OVERVIEW_ROWS, frame, keep=lambda p: not tombstones.is_erased(store.root, p))
    return len(frame)


def load(store: Store) -> dict[str, Stored]:
    """Every stored row, by participant (empty when none was written)."""
    rows = store.read(OVERVIEW_ROWS)
    out: dict[str, Stored] = {}
    for r in rows.to_dict("records"):
        upload = r["last_upload"]
        out[str(r["participant"])] = Stored(
            as_of=r["as_of"],
            days_stamp=_unstamp(r["days_stamp"]),
            settings=str(r["settings"]),
            last_data_day=None if pd.isna(r["last_data_day"]) else r["last_data_day"],
            files_stamp=_unstamp(r["files_stamp"]),
            last_upload=None if pd.isna(upload) else pd.Timestamp(upload).to_pydatetime(),
            figures=decode(str(r["figures"])),
        )
    return out


def member_rows(store: Store, members: Sequence[str], as_of: date) -> list[dict[str, Any]]:
    """``members``' rows of the table as of ``as_of``, computed now (stamps taken first)."""
    days_stamps = store.stamps(DAYS, members)
    files_stamps = store.stamps(FILES, members)
    roster = store.read(PARTICIPANTS, members)
    people = participants.roster(members, roster)
    frames = days_frames(store, members)
    uploads = last_uploads(store, members)
    now = datetime.now(UTC)
    out = []
    for m in members:
        figures = overview.member(m, frames[m], people[m], as_of)
        out.append(
            {
                "participant": m,
                "as_of": as_of,
                "days_stamp": _stamp_text(days_stamps[m]),
                "settings": settings_digest(people[m]),
                "last_data_day": figures["last_data_day"],
                "files_stamp": _stamp_text(files_stamps[m]),
                "last_upload": uploads[m],
                "figures": encode(figures),
                "computed_at": now,
            }
        )
    return out


def encode(figures: dict[str, Any]) -> str:
    """An overview row as JSON: numbers as they are, days as ``{"date": "YYYY-MM-DD"}``."""
    return json.dumps(figures, default=_plain, sort_keys=True)


def decode(text: str) -> dict[str, Any]:
    """:func:`encode`'s row back, days as ``datetime.date``."""

    def hook(obj: dict[str, Any]) -> Any:
        if set(obj) == {"date"}:
            return date.fromisoformat(obj["date"])
        return obj

    decoded: dict[str, Any] = json.loads(text, object_hook=hook)
    return decoded


def _plain(value: object) -> object:
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"an overview figure of type {type(value).__name__} cannot be stored")


def _computed(
    store: Store, ids: list[str], as_of: date, workers: int | None
) -> Iterator[dict[str, Any]]:
    parts = [ids[i : i + PART_SIZE] for i in range(0, len(ids), PART_SIZE)]
    n = min(workers or os.cpu_count() or 1, len(parts))
    if n <= 1 or len(ids) < PARALLEL_FROM:
        for part in parts:
            yield from member_rows(store, part, as_of)
        return
    with process_pool(n) as pool:
        roots = [str(store.root)] * len(parts)
        for rows in pool.map(_part_rows, roots, parts, [as_of] * len(parts)):
            yield from rows


def _part_rows(root: str, part: list[str], as_of: date) -> list[dict[str, Any]]:
    return member_rows(Store(root), part, as_of)


def _stamp_text(stamp: Stamp) -> str | None:
    return None if stamp is None else ":".join(str(v) for v in stamp)


def _unstamp(text: object) -> Stamp:
    if text is None or text is pd.NA:
        return None
    ino, size, mtime = (int(v) for v in str(text).split(":"))
    return (ino, size, mtime)
