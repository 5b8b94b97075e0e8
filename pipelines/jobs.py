"""The steps of the flows, each a pure transform joined to the storage it needs.

The Prefect tasks in ``pipelines.flows`` are one-line calls of these functions, so the
whole pipeline also runs (and is unit-tested) without Prefect.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import sys
import types
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ingest.records import DiaryEntry, RowError, UnusableFile
from pipelines import diary, ingestion, joined, participants, refresh
from pipelines import sessions as sessions_mod
from pipelines.config import validate_tz
from pipelines.ingestion import Outcome, Upload
from pipelines.schemas import (
    BLOCKS,
    CATEGORY_OVERRIDES,
    DAILY,
    DAILY_STEPS,
    DAYS,
    DIARY,
    FILES,
    PARTICIPANTS,
    SESSIONS,
    STEP_MINUTES,
    WEAR,
)
from pipelines.sessions import derive as derive_sessions
from pipelines.storage import Store

if TYPE_CHECKING:  # the readers load only where files are parsed, never in the dashboard
    from ingest.containers import Leaf
    from ingest.read import MemberResult
from pipelines.taxonomy import CATEGORIES

PARALLEL_MIN_BYTES = 2_000_000  # below this, starting worker processes costs more than it saves


@dataclass(frozen=True, slots=True)
class StoredUpload:
    name: str  # the name a person gave it (file name, never a path we trust)
    sha256: str
    raw_path: str


@contextlib.contextmanager
def _neutral_main() -> Iterator[None]:
    """Spawned workers re-run the parent's ``__main__`` file unless it was started with
    ``-m``; under a host that ran some other script as ``__main__`` (a Streamlit page, a
    notebook) that would be wrong. The workers need nothing from it: hide it meanwhile."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def upload_sha256(path: Path) -> str:
    """SHA-256 of a file on disk, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def collect_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named, and every file inside folders named (sorted, hidden files skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return found


def store_uploads(store: Store, participant: str, paths: Sequence[Path]) -> list[StoredUpload]:
    """Keep every uploaded file in the raw store (content-addressed)."""
    stored = []
    for path in paths:
        sha, raw = store.put_raw_file(participant, path, path.name)
        stored.append(StoredUpload(path.name, sha, str(raw)))
    return stored


def already_ingested(store: Store, participant: str, shas: Iterable[str]) -> set[str]:
    """Which of these upload hashes were processed before (a cheap check, no parsing)."""
    manifest = store.read(FILES, [participant])
    return set(shas) & set(manifest["upload_sha256"])


def parse_stored(stored: Sequence[StoredUpload], workers: int | None = None) -> list[Upload]:
    """Read every stored upload. Archives are opened here and their files — like loose
    files — are parsed in parallel processes when there is enough to do."""
    from ingest.read import MemberResult, read_leaf, upload_leaves_from_path

    opened = [upload_leaves_from_path(s.name, Path(s.raw_path)) for s in stored]
    jobs_: list[tuple[int, Leaf, bool]] = [
        (i, leaf, inside)
        for i, leaves in enumerate(opened)
        if not isinstance(leaves, MemberResult)
        for leaf, inside in leaves
    ]
    total = sum(leaf.size for _, leaf, _ in jobs_)
    workers = workers or min(os.cpu_count() or 1, len(jobs_))
    leaves = [leaf for _, leaf, _ in jobs_]
    insides = [inside for _, _, inside in jobs_]
    if workers > 1 and len(jobs_) > 1 and total >= PARALLEL_MIN_BYTES:
        ctx = multiprocessing.get_context("spawn")
        with _neutral_main(), ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            chunk = max(1, len(jobs_) // (workers * 8))
            results = list(pool.map(read_leaf, leaves, insides, chunksize=chunk))
    else:
        results = [read_leaf(leaf, inside) for leaf, inside in zip(leaves, insides, strict=True)]
    per_upload: list[list[MemberResult]] = [
        [leaves_or_error] if isinstance(leaves_or_error, MemberResult) else []
        for leaves_or_error in opened
    ]
    for (i, _, _), result in zip(jobs_, results, strict=True):
        per_upload[i].append(result)
    return [Upload(s.name, s.sha256, tuple(r)) for s, r in zip(stored, per_upload, strict=True)]


def record(
    store: Store, participant: str, uploads: Sequence[Upload], now: datetime | None = None
) -> list[Outcome]:
    """Add what the uploads yielded to the participant's tables (under their lock)."""
    now = now or datetime.now(UTC)
    with store.lock(participant):
        manifest = store.read(FILES, [participant])
        rows = ingestion.ingest_rows(participant, uploads, manifest, now)
        if not rows.changed:
            return rows.outcomes
        p = participants.from_rows(participant, store.read(PARTICIPANTS, [participant]))
        sessions = derive_sessions(
            ingestion.merged(store.read(SESSIONS, [participant]), rows.sessions, SESSIONS.key), p.tz
        )
        minutes = ingestion.merged_step_minutes(
            store.read(STEP_MINUTES, [participant]), rows.step_minutes
        )
        wear = ingestion.merged(store.read(WEAR, [participant]), rows.wear, WEAR.key)
        # facts first, the manifest last: a crash in between re-ingests the same rows
        store.write(SESSIONS, participant, sessions)
        store.write(STEP_MINUTES, participant, minutes)
        store.write(WEAR, participant, wear)
        days = ingestion.merged(
            store.read(DAILY_STEPS, [participant]), rows.daily_steps, DAILY_STEPS.key
        )
        store.write(DAILY_STEPS, participant, days)
        store.write(FILES, participant, ingestion.merged(manifest, rows.files, FILES.key))
    return rows.outcomes


def refresh_participant(store: Store, participant: str) -> None:
    """Recompute sessions' derived columns, daily and blocks for one participant."""
    with store.lock(participant):
        p = participants.from_rows(participant, store.read(PARTICIPANTS, [participant]))
        derived = refresh.recompute(
            p,
            store.read(SESSIONS, [participant]),
            store.read(STEP_MINUTES, [participant]),
            store.read(WEAR, [participant]),
            store.read(DAILY_STEPS, [participant]),
            overrides(store, participant),
        )
        store.write(SESSIONS, participant, derived.sessions)
        store.write(DAILY, participant, derived.daily)
        store.write(BLOCKS, participant, derived.blocks)
        days = joined.join(
            participant,
            derived.daily,
            diary.per_day(store.read(DIARY, [participant])),
            p.target.program_start,
        )
        store.write(DAYS, participant, days)


def configure(
    store: Store,
    participant: str,
    *,
    tz: str | None = None,
    group: str | None = None,
    **target: object,
) -> participants.Participant:
    """Change a participant's settings (time zone, group, prescription)."""
    with store.lock(participant):
        current = participants.from_rows(participant, store.read(PARTICIPANTS, [participant]))
        changes = {k: v for k, v in target.items() if v is not None}
        updated = participants.Participant(
            id=participant,
            tz=validate_tz(tz) if tz else current.tz,
            target=current.target.with_changes(**changes) if changes else current.target,
            group=group if group is not None else current.group,
        )
        store.write(PARTICIPANTS, participant, participants.to_frame(updated, datetime.now(UTC)))
    return updated


def load_participant(store: Store, participant: str) -> participants.Participant:
    return participants.from_rows(participant, store.read(PARTICIPANTS, [participant]))


def overrides(store: Store, participant: str) -> dict[str, str]:
    """The participant's corrected session categories (session_id → category)."""
    rows = store.read(CATEGORY_OVERRIDES, [participant])
    return dict(zip(rows["session_id"], rows["category"], strict=True))


def set_category(store: Store, participant: str, session_id: str, category: str) -> None:
    """Correct a session's category (or ``auto`` to return to the taxonomy's), refresh."""
    if category != "auto" and category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)} or 'auto'")
    with store.lock(participant):
        known = store.read(SESSIONS, [participant])
        if session_id not in set(known["session_id"]):
            raise KeyError(f"{participant} has no session {session_id!r}")
        rows = sessions_mod.with_override(
            store.read(CATEGORY_OVERRIDES, [participant]),
            participant,
            session_id,
            None if category == "auto" else category,
            datetime.now(UTC),
        )
        store.write(CATEGORY_OVERRIDES, participant, rows)
    refresh_participant(store, participant)


@dataclass(frozen=True, slots=True)
class DiaryImport:
    name: str
    sha256: str
    entries: int  # good rows stored
    dates: int  # dates whose entries the file replaced
    errors: tuple[RowError, ...]
    warnings: tuple[str, ...]
    rejected: str | None = None  # the whole file was not a diary: why


def import_diary(
    store: Store, participant: str, path: Path, today: date | None = None
) -> DiaryImport:
    """Keep the diary file, parse it, apply the import rule, refresh the participant."""
    from ingest.diary import parse_diary

    today = today or date.today()
    sha, raw = store.put_raw_file(participant, path, path.name)
    try:
        parsed = parse_diary(path.name, raw.read_bytes(), today=today)
    except UnusableFile as error:
        result = DiaryImport(path.name, sha, 0, 0, (), (), rejected=error.reason)
        _record_diary_file(store, participant, path, sha, result)
        return result
    new = diary.entries_frame(participant, parsed.entries, source="file", file_sha256=sha)
    result = DiaryImport(
        path.name, sha, len(new), new["date"].nunique(), parsed.errors, parsed.warnings
    )
    with store.lock(participant):
        store.write(DIARY, participant, diary.apply_import(store.read(DIARY, [participant]), new))
    _record_diary_file(store, participant, path, sha, result)
    refresh_participant(store, participant)
    return result


def add_diary_values(store: Store, participant: str, **values: object) -> DiaryEntry:
    """Validate one entry as typed into a form (``ingest.diary.diary_entry``: the same rules
    as a diary file's rows; ``ValueError`` with every problem) and store it."""
    from ingest.diary import diary_entry

    entry = diary_entry(today=date.today(), **values)  # type: ignore[arg-type]
    add_diary_entry(store, participant, entry)
    return entry


def add_diary_entry(store: Store, participant: str, entry: DiaryEntry) -> None:
    """Store one entry typed by a person (CLI, dashboard form), refresh the participant."""
    new = diary.entries_frame(participant, [entry], source="entry")
    with store.lock(participant):
        store.write(DIARY, participant, diary.apply_entry(store.read(DIARY, [participant]), new))
    refresh_participant(store, participant)


def _record_diary_file(
    store: Store, participant: str, path: Path, sha: str, result: DiaryImport
) -> None:
    reason: str | None
    if result.rejected:
        status, reason = "rejected", result.rejected
    else:
        status = "ok"
        problems = [f"row {e.row}: {e.message}" for e in result.errors] + list(result.warnings)
        reason = "; ".join(problems) or None
    row = {
        "participant": participant,
        "sha256": sha,
        "upload_sha256": sha,
        "original_name": path.name,
        "format": "diary",
        "kind": "diary",
        "status": status,
        "reason": reason,
        "n_sessions": 0,
        "n_step_intervals": 0,
        "size_bytes": path.stat().st_size,
        "ingested_at": datetime.now(UTC),
    }
    with store.lock(participant):
        manifest = store.read(FILES, [participant])
        known = set(zip(manifest["sha256"], manifest["original_name"], strict=True))
        if (sha, path.name) in known:
            return
        store.write(
            FILES,
            participant,
            ingestion.merged(manifest, ingestion.typed_files(pd.DataFrame([row])), FILES.key),
        )
