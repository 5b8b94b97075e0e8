"""Refresh: a participant's derived tables recomputed from their stored facts, under their lock,
and which participants are stale (their inputs or the rules changed since their last refresh)."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Sequence

from pipelines.app.workers import process_pool
from pipelines.rules import diary, joined, participants, refresh
from pipelines.schemas import (
    BLOCKS,
    CATEGORY_OVERRIDES,
    DAILY,
    DAILY_STEPS,
    DAYS,
    DIARY,
    PARTICIPANTS,
    SESSIONS,
    STEP_MINUTES,
    WEAR,
)
from pipelines.store import tombstones
from pipelines.store.storage import Store


def refresh_participant(store: Store, participant: str) -> None:
    """Recompute sessions' derived columns, daily and blocks for one participant (nothing
    for an erased one: a refresh queued behind the erasure must not write their tables)."""
    with store.lock(participant):
        erased = tombstones.is_erased(store.root, participant)
        if not erased:
            refresh_locked(store, participant)
    if erased:
        store.remove_lock(participant)


@contextlib.contextmanager
def writing(store: Store, participant: str) -> Iterator[None]:
    """The participant's lock, for a writer of their data. An erased id is refused under
    the lock (``tombstones.Erased``), and what a writer that started before the erasure
    stored meanwhile — its raw files — is removed again: nothing of theirs comes back."""
    with store.lock(participant):
        erased = tombstones.is_erased(store.root, participant)
        if erased:
            store.erase(participant)
        else:
            yield
    if erased:
        store.remove_lock(participant)
        tombstones.refuse_erased(store.root, participant)


REFRESH_PARALLEL_FROM = 8  # participants; below this, starting worker processes costs more


def refresh_participants(
    store: Store, ids: Sequence[str], workers: int | None = None
) -> dict[str, str]:
    """:func:`refresh_participant` for many participants — the nightly refresh of everyone
    (after :func:`stale_participants`) or ``backtrack refresh --force`` — spread over
    ``workers`` processes (default: one per CPU) when there are enough of them. One
    participant's failure does not stop the others: returns ``{id: error}`` of those that
    failed (empty when all were refreshed)."""
    n = min(workers or os.cpu_count() or 1, len(ids))
    if n <= 1 or len(ids) < REFRESH_PARALLEL_FROM:
        return {p: err for p in ids if (err := _refresh_one(str(store.root), p)) is not None}
    with process_pool(n) as pool:
        roots = [str(store.root)] * len(ids)
        errors = pool.map(_refresh_one, roots, ids, chunksize=max(1, len(ids) // (n * 8)))
        return {p: err for p, err in zip(ids, errors, strict=True) if err is not None}


def split_participants(ids: Sequence[str], parts: int) -> list[list[str]]:
    """``ids`` cut into at most ``parts`` consecutive runs whose lengths differ by one at
    most, none empty: the work of one ``refresh-part`` task each when a refresh is spread
    over a Dask cluster (``pipelines.orchestrate.flows``). Joined in order they give ``ids``
    again. By count, not by data size: the caller asks for several parts per worker
    thread, so a part of larger participants does not hold the others up for long."""
    parts = max(1, min(parts, len(ids)))
    size, extra = divmod(len(ids), parts)
    runs: list[list[str]] = []
    start = 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        if end > start:
            runs.append(list(ids[start:end]))
        start = end
    return runs


def _refresh_one(root: str, participant: str) -> str | None:
    try:
        refresh_participant(Store(root), participant)
    except Exception as exc:  # reported per participant; the others go on
        return f"{type(exc).__name__}: {exc}"
    return None


def refresh_locked(store: Store, participant: str) -> None:
    """``refresh_participant`` for a caller already holding the participant's lock."""
    p = participants.from_rows(participant, store.read(PARTICIPANTS, [participant]))
    diary_days = diary.per_day(store.read(DIARY, [participant]))
    derived = refresh.recompute(
        p,
        store.read(SESSIONS, [participant]),
        store.read_runs(STEP_MINUTES, participant),  # whole windows, several at a time
        store.read_runs(WEAR, participant),
        store.read(DAILY_STEPS, [participant]),
        overrides(store, participant),
        diary_days,
    )
    store.write(SESSIONS, participant, derived.sessions)
    store.write(DAILY, participant, derived.daily)
    store.write(BLOCKS, participant, derived.blocks)
    days = joined.join(
        participant,
        derived.daily,
        diary_days,
        p.target.program_start,
    )
    store.write(DAYS, participant, days, notes={INPUTS_NOTE: _inputs_stamp(store, p)})


# What a refresh reads besides the participant's settings; DAYS, written last, notes their
# stamp, so an unchanged participant is known without reading a row.
REFRESH_INPUTS = (SESSIONS, STEP_MINUTES, WEAR, DAILY_STEPS, DIARY, CATEGORY_OVERRIDES)


INPUTS_NOTE = "refresh-inputs"


def _inputs_stamp(store: Store, p: participants.Participant) -> str:
    stamp = store.stamp(REFRESH_INPUTS, p.id)
    return hashlib.sha256(f"{refresh.rules_version()};{p!r};{stamp}".encode()).hexdigest()


def stale_participants(store: Store, ids: Sequence[str]) -> list[str]:
    """Those of ``ids`` whose derived tables may differ from a refresh now: their stored
    facts, diary, category corrections or settings changed since their last refresh, or
    the rules did (:func:`refresh.rules_version`). A refresh of anyone else rewrites the
    same rows, so the nightly run skips them."""
    settings = participants.roster(ids, store.read(PARTICIPANTS, ids))
    return [
        pid
        for pid in ids
        if store.note(DAYS, pid, INPUTS_NOTE) != _inputs_stamp(store, settings[pid])
    ]


def overrides(store: Store, participant: str) -> dict[str, str]:
    """The participant's corrected session categories (session_id → category)."""
    rows = store.read(CATEGORY_OVERRIDES, [participant])
    return dict(zip(rows["session_id"], rows["category"], strict=True))
