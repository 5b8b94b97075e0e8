"""The raw store's upkeep: rebuild a participant from their raw files (reprocess), delete raw
files past retention (purge), and encrypt or re-key raw files (seal)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from pipelines.app.refresh import refresh_locked, writing
from pipelines.app.uploads import StoredUpload, parse_stored
from pipelines.rules import ingestion, participants, retention
from pipelines.rules.ingestion import Outcome, Upload
from pipelines.rules.sessions import derive as derive_sessions
from pipelines.rules.steps import StepFile, WearFile, merged_windows
from pipelines.schemas import DAILY_STEPS, FILES, PARTICIPANTS, SESSIONS, STEP_MINUTES, WEAR
from pipelines.store import sealed
from pipelines.store.storage import Store


class MissingRawFiles(FileNotFoundError):
    """Uploads whose raw files are no longer in the raw store (retention): the tables they
    yielded cannot be rebuilt."""

    def __init__(self, participant: str, missing: Sequence[retention.StoredUploadRow]) -> None:
        self.participant = participant
        self.missing = list(missing)
        shown = "; ".join(
            f"{m.name} ({m.upload_sha256[:12]}…, ingested {m.ingested_at:%Y-%m-%d})"
            for m in self.missing
        )
        super().__init__(
            f"{participant}: {len(self.missing)} upload(s) no longer in the raw store "
            f"(deleted by the retention rule, or by hand): {shown}. Their rows in the tables "
            "cannot be rebuilt, so nothing was changed"
        )


def reprocess(store: Store, participant: str, *, workers: int | None = None) -> list[Outcome]:
    """Rebuild the participant's facts (``sessions``, ``step_minutes``, ``wear``,
    ``daily_steps``) and their manifest rows from the raw files in the store, then their
    derived tables — for a reader that has improved since. Settings, diary and category
    overrides stay; so does each manifest row's ``ingested_at``.

    The uploads are replayed in the order, and the batches, in which they were recorded
    (a batch: the rows of one ``ingested_at``), so that duplicates resolve as they did. It
    all happens under the participant's lock and in memory until the writes, the manifest
    last: killed anywhere, the tables are those of before or of after, and running it again
    gives the same. :class:`MissingRawFiles` (nothing changed) when an upload's raw file
    is gone; ``sealed.SealedFileError`` when one does not open with the configured key."""
    with writing(store, participant):
        manifest = store.read(FILES, [participant])
        is_diary = manifest["format"] == "diary"
        diary_rows = manifest[is_diary.fillna(False).astype(bool)]
        tracker = manifest[~is_diary.fillna(False).astype(bool)]
        raw_by_sha = {retention.raw_sha(p): p for p in store.raw_files(participant)}
        recorded = retention.uploads(tracker)
        missing = [u for u in recorded if u.upload_sha256 not in raw_by_sha]
        if missing:
            raise MissingRawFiles(participant, missing)
        stored = [
            StoredUpload(u.name, u.upload_sha256, str(raw_by_sha[u.upload_sha256]))
            for u in recorded
        ]
        parsed = parse_stored(stored, workers, store)
        p = participants.from_rows(participant, store.read(PARTICIPANTS, [participant]))
        files = diary_rows.reset_index(drop=True)
        sessions = SESSIONS.empty()
        step_files: list[StepFile] = []
        wear_files: list[WearFile] = []
        days = DAILY_STEPS.empty()
        outcomes: list[Outcome] = []
        batches: dict[datetime, list[Upload]] = {}
        for upload, row in zip(parsed, recorded, strict=True):
            batches.setdefault(row.ingested_at, []).append(upload)
        for ingested_at, batch in batches.items():
            rows = ingestion.ingest_rows(participant, batch, files, ingested_at)
            outcomes += rows.outcomes
            sessions = ingestion.merged(sessions, rows.sessions, SESSIONS.key)
            step_files += rows.step_files  # spread and merged a window at a time below
            wear_files += rows.wear_files  # made into rows a window at a time below
            days = ingestion.merged(days, rows.daily_steps, DAILY_STEPS.key)
            files = ingestion.merged(files, rows.files, FILES.key)
        store.write(SESSIONS, participant, derive_sessions(sessions, p.tz))
        store.write_windows(STEP_MINUTES, participant, merged_windows(step_files))
        store.write_windows(WEAR, participant, ingestion.wear_windows(wear_files))
        store.write(DAILY_STEPS, participant, days)
        refresh_locked(store, participant)
        store.write(FILES, participant, _in_order_of(files, manifest))
    return outcomes


def _in_order_of(rows: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """``rows`` in the order of ``before`` (by the manifest key); rows it lacks last."""
    key = list(FILES.key)
    position = {k: i for i, k in enumerate(before[key].itertuples(index=False, name=None))}
    order = [position.get(k, len(position)) for k in rows[key].itertuples(index=False, name=None)]
    return (
        rows.assign(_order=order)
        .sort_values("_order", kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


@dataclass(frozen=True, slots=True)
class PurgedFile:
    participant: str
    name: str
    path: Path
    ingested_at: datetime


def purge_raw(
    store: Store,
    days: int,
    *,
    only: Iterable[str] | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[PurgedFile]:
    """Delete the raw files the retention rule makes due (``pipelines.rules.retention``), each
    participant's under their lock (everyone's, or ``only`` these participants'); ``dry_run``:
    only say which. The tables are unchanged."""
    now = now or datetime.now(UTC)
    purged: list[PurgedFile] = []
    for participant in only if only is not None else store.participants():
        if not store.raw_files(participant):
            continue
        with store.lock(participant):
            manifest = store.read(FILES, [participant])
            for due in retention.due(manifest, store.raw_files(participant), now, days):
                if not dry_run:
                    store.delete_raw(due.path)
                purged.append(PurgedFile(participant, due.name, due.path, due.ingested_at))
    return purged


@dataclass(frozen=True, slots=True)
class SealedRaw:
    participant: str
    path: Path
    result: str  # sealed / resealed / kept / failed: <why>


def seal_raw_store(store: Store, old_keys: Sequence[sealed.Key] = ()) -> list[SealedRaw]:
    """Encrypt every raw file stored unencrypted (by a version before encryption), and
    reseal those sealed with one of ``old_keys`` under the store's key (a key rotation);
    each file atomically (``Store.seal_raw``). A file that cannot be done is reported and
    left as it is; the others go on. Under each participant's lock, so that no purge or
    reprocess of theirs runs meanwhile."""
    done: list[SealedRaw] = []
    for participant in store.participants():
        if not store.raw_files(participant):
            continue
        with store.lock(participant):
            for path in store.raw_files(participant):
                try:
                    result = store.seal_raw(path, old_keys)
                except ValueError as error:
                    result = f"failed: {error}"
                done.append(SealedRaw(participant, path, result))
    return done
