"""The steps of the flows, each a pure transform joined to the storage it needs.

The Prefect tasks in ``pipelines.orchestrate.flows`` are one-line calls of these functions, so the
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

from ingest.limits import UPLOAD_LIMITS, UploadLimits
from ingest.records import DiaryEntry, RowError, UnusableFile
from pipelines.app.workers import exit_with_parent
from pipelines.config import validate_tz
from pipelines.rules import diary, ingestion, joined, participants, refresh, retention
from pipelines.rules import sessions as sessions_mod
from pipelines.rules.ingestion import Outcome, Upload
from pipelines.rules.sessions import derive as derive_sessions
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
    coerce,
)
from pipelines.store import sealed, tombstones
from pipelines.store.storage import Store

if TYPE_CHECKING:  # the readers load only where files are parsed, never in the dashboard
    from ingest.containers import Leaf
    from ingest.read import MemberResult
from pipelines.rules.taxonomy import CATEGORIES

PARALLEL_MIN_BYTES = 2_000_000  # below this, starting worker processes costs more than it saves
PARSE_HELD_BYTES = 256 * 1024 * 1024  # file contents parse_stored holds at once
IN_MEMORY_RAW_BYTES = 16 * 1024 * 1024  # a sealed raw file up to this is decrypted in memory
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """An upload kept in the raw store. During its ingest the file it was stored from is
    still there (``source_path``, with its size and modification time when stored) and is
    parsed from there: no plaintext copy is made. Where that file is gone or changed (a
    rerun, a Dask worker on another machine, a reprocess) the sealed copy is opened."""

    name: str  # the name a person gave it (file name, never a path we trust)
    sha256: str
    raw_path: str
    source_path: str | None = None
    source_size: int = -1
    source_mtime_ns: int = -1

    def unchanged_source(self) -> Path | None:
        """The file it was stored from, when it is still there as it was."""
        if self.source_path is None:
            return None
        try:
            info = os.stat(self.source_path)
        except OSError:
            return None
        if (info.st_size, info.st_mtime_ns) != (self.source_size, self.source_mtime_ns):
            return None
        return Path(self.source_path)


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


def upload_name(path: Path) -> str:
    """The name a file arrived under, as text the tables can hold: a name that is not valid
    UTF-8 (an old Latin-1 name on disk) has its undecodable bytes shown as U+FFFD."""
    return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


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


def screen_uploads(
    paths: Sequence[Path], limits: UploadLimits | None = None
) -> tuple[list[Path], list[Outcome]]:
    """The files of one upload within ``limits`` (default :data:`UPLOAD_LIMITS`, from
    ``ingest.limits``), and an outcome naming each refused file, the limit and its value.
    Judged by the sizes the file system states: a refused file is never read, stored or
    recorded in the manifest."""
    sizes = [(upload_name(p), p.stat().st_size) for p in paths]
    reasons = (limits or UPLOAD_LIMITS).refusals(sizes)
    accepted = [p for p, reason in zip(paths, reasons, strict=True) if reason is None]
    refused = [
        Outcome(upload_name(p), "rejected", reason)
        for p, reason in zip(paths, reasons, strict=True)
        if reason is not None
    ]
    return accepted, refused


def store_uploads(store: Store, participant: str, paths: Sequence[Path]) -> list[StoredUpload]:
    """Keep every uploaded file in the raw store (content-addressed). The caller has
    screened them (:func:`screen_uploads`). ``tombstones.Erased``, before anything is
    stored, for an erased participant."""
    tombstones.refuse_erased(store.root, participant)
    stored = []
    for path in paths:
        name = upload_name(path)
        before = path.stat()
        sha, raw = store.put_raw_file(participant, path, name)
        stored.append(
            StoredUpload(
                name, sha, str(raw), str(path.resolve()), before.st_size, before.st_mtime_ns
            )
        )
    return stored


@contextlib.contextmanager
def upload_list(store: Store, participant: str, paths: Sequence[Path]) -> Iterator[str]:
    """The files of one ingest run, listed in a file under the data directory for as long
    as the run lasts: a flow run is given that file's path, never the files' paths, because
    Prefect keeps a run's parameters on its server and file names are personal data
    (docs/privacy.md)."""
    listed = store.put_upload_list(participant, [str(Path(p).resolve()) for p in paths])
    try:
        yield str(listed)
    finally:
        store.remove_upload_list(listed)


def store_listed_uploads(store: Store, participant: str, listed: str) -> list[StoredUpload]:
    """:func:`store_uploads` of the files an :func:`upload_list` names."""
    return store_uploads(store, participant, store.upload_list(Path(listed)))


def already_ingested(store: Store, participant: str, shas: Iterable[str]) -> set[str]:
    """Which of these upload hashes were processed before (a cheap check, no parsing)."""
    manifest = store.read(FILES, [participant])
    return set(shas) & set(manifest["upload_sha256"])


def parse_stored(
    stored: Sequence[StoredUpload], workers: int | None = None, store: Store | None = None
) -> list[Upload]:
    """Read every stored upload. Archives are opened here and their files — like loose
    files — are parsed in parallel processes when there is enough to do.

    Uploads are opened a group at a time, a group holding at most
    :data:`PARSE_HELD_BYTES` of file contents (or a single upload), so memory stays
    bounded however many files a batch has (each upload is bounded by
    ``ingest.limits.ArchiveLimits``); one pool of worker processes serves every group.

    Each upload is read from the file it was stored from while that is unchanged
    (:meth:`StoredUpload.unchanged_source`), else from the raw store: a small file
    decrypted in memory, a zip or a large export into a private temporary file that lives
    until its group is parsed (``Store.raw_as_file``). A raw file that fails authentication
    or needs another key raises ``sealed.SealedFileError``: that is no property of the
    upload, so it never becomes a file's outcome. ``store``: the store the raw files are in
    (with its key); by default the one each raw file's place names, with the configured key."""
    from ingest.read import MemberResult, read_leaf, upload_leaves, upload_leaves_from_path

    uploads: list[Upload] = []
    stores: dict[Path, Store] = {}

    def store_of(raw: Path) -> Store:
        if store is not None:
            return store
        return stores.setdefault(raw.parents[2], Store.of_raw_file(raw))

    with contextlib.ExitStack() as stack:
        pools: list[ProcessPoolExecutor] = []
        most = workers or os.cpu_count() or 1

        def read_all(leaves: list[Leaf], insides: list[bool]) -> list[MemberResult]:
            total = sum(leaf.size for leaf in leaves)
            n = workers or min(most, len(leaves))
            if n > 1 and len(leaves) > 1 and total >= PARALLEL_MIN_BYTES:
                if not pools:
                    stack.enter_context(_neutral_main())
                    ctx = multiprocessing.get_context("spawn")
                    pool = ProcessPoolExecutor(
                        max_workers=most,
                        mp_context=ctx,
                        initializer=exit_with_parent,  # never outlive a killed ingest
                        initargs=(os.getpid(),),
                    )
                    pools.append(stack.enter_context(pool))
                chunk = max(1, len(leaves) // (n * 8))
                return list(pools[0].map(read_leaf, leaves, insides, chunksize=chunk))
            return [read_leaf(leaf, inside) for leaf, inside in zip(leaves, insides, strict=True)]

        def parse_group(
            group: list[tuple[StoredUpload, list[tuple[Leaf, bool]] | MemberResult]],
        ) -> None:
            jobs_ = [
                (i, leaf, inside)
                for i, (_, opened) in enumerate(group)
                if not isinstance(opened, MemberResult)
                for leaf, inside in opened
            ]
            results = read_all([leaf for _, leaf, _ in jobs_], [inside for _, _, inside in jobs_])
            per_upload: list[list[MemberResult]] = [
                [opened] if isinstance(opened, MemberResult) else [] for _, opened in group
            ]
            for (i, _, _), result in zip(jobs_, results, strict=True):
                per_upload[i].append(result)
            uploads.extend(
                Upload(s.name, s.sha256, tuple(r))
                for (s, _), r in zip(group, per_upload, strict=True)
            )

        group: list[tuple[StoredUpload, list[tuple[Leaf, bool]] | MemberResult]] = []
        held = 0
        opened_files = contextlib.ExitStack()  # plaintext copies, removed with their group
        stack.enter_context(opened_files)
        for upload in stored:
            source = upload.unchanged_source()
            raw = Path(upload.raw_path)
            if source is not None:
                opened = upload_leaves_from_path(upload.name, source)
            elif not raw.exists():
                raise FileNotFoundError(
                    f"{upload.name}: its raw file {raw.name} is no longer in the raw store "
                    "(deleted by the retention rule?) and the uploaded file is gone"
                )
            else:
                data = store_of(raw).read_raw(raw) if _small(raw) else None
                if data is not None and not data.startswith(ZIP_MAGIC):
                    opened = upload_leaves(upload.name, data)
                else:  # a zip is opened from a file, as at ingest; a large file streamed
                    path = opened_files.enter_context(store_of(raw).raw_as_file(raw))
                    opened = upload_leaves_from_path(upload.name, path)
            group.append((upload, opened))
            if not isinstance(opened, MemberResult):
                held += sum(len(leaf.data) for leaf, _ in opened if leaf.data is not None)
            if held >= PARSE_HELD_BYTES:
                parse_group(group)
                opened_files.close()
                group, held = [], 0
        if group:
            parse_group(group)
    return uploads


def _small(raw: Path) -> bool:
    return raw.stat().st_size <= IN_MEMORY_RAW_BYTES


def split_stored(stored: Sequence[StoredUpload], parts: int) -> list[list[StoredUpload]]:
    """``stored`` cut into at most ``parts`` consecutive runs of about equal size on disk,
    each a whole upload, none empty: the work of one parse task each when parsing is spread
    over a cluster (``pipelines.orchestrate.flows``). Joined in order they give ``stored`` again."""
    parts = max(1, min(parts, len(stored)))
    sizes = [max(1, Path(s.raw_path).stat().st_size) for s in stored]
    total = sum(sizes)
    runs: list[list[StoredUpload]] = []
    current: list[StoredUpload] = []
    done = 0
    for upload, size in zip(stored, sizes, strict=True):
        current.append(upload)
        done += size
        if len(runs) < parts - 1 and done * parts >= total * (len(runs) + 1):
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def record(
    store: Store, participant: str, uploads: Sequence[Upload], now: datetime | None = None
) -> list[Outcome]:
    """Add what the uploads yielded to the participant's tables and recompute their derived
    tables, all under their lock.

    The manifest (``files``) is written last: it is the record that an upload is done, so
    a run killed at any point before it leaves the upload unrecorded and the next run
    repeats all of it, giving the same tables (every write here is idempotent). Were the
    manifest written before the derived tables, a rerun would find the upload known and
    leave ``daily``, ``blocks`` and ``days`` stale (docs/durability.md)."""
    now = now or datetime.now(UTC)
    with _writing(store, participant):
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
        # facts, then what derives from them, the manifest last (see above)
        store.write(SESSIONS, participant, sessions)
        store.write(STEP_MINUTES, participant, minutes)
        store.write(WEAR, participant, wear)
        days = ingestion.merged(
            store.read(DAILY_STEPS, [participant]), rows.daily_steps, DAILY_STEPS.key
        )
        store.write(DAILY_STEPS, participant, days)
        _refresh_locked(store, participant)
        store.write(FILES, participant, ingestion.merged(manifest, rows.files, FILES.key))
    return rows.outcomes


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
    with _writing(store, participant):
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
        sessions, minutes = SESSIONS.empty(), STEP_MINUTES.empty()
        wear, days = WEAR.empty(), DAILY_STEPS.empty()
        outcomes: list[Outcome] = []
        batches: dict[datetime, list[Upload]] = {}
        for upload, row in zip(parsed, recorded, strict=True):
            batches.setdefault(row.ingested_at, []).append(upload)
        for ingested_at, batch in batches.items():
            rows = ingestion.ingest_rows(participant, batch, files, ingested_at)
            outcomes += rows.outcomes
            sessions = ingestion.merged(sessions, rows.sessions, SESSIONS.key)
            minutes = ingestion.merged_step_minutes(minutes, rows.step_minutes)
            wear = ingestion.merged(wear, rows.wear, WEAR.key)
            days = ingestion.merged(days, rows.daily_steps, DAILY_STEPS.key)
            files = ingestion.merged(files, rows.files, FILES.key)
        store.write(SESSIONS, participant, derive_sessions(sessions, p.tz))
        store.write(STEP_MINUTES, participant, minutes)
        store.write(WEAR, participant, wear)
        store.write(DAILY_STEPS, participant, days)
        _refresh_locked(store, participant)
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


def refresh_participant(store: Store, participant: str) -> None:
    """Recompute sessions' derived columns, daily and blocks for one participant (nothing
    for an erased one: a refresh queued behind the erasure must not write their tables)."""
    with store.lock(participant):
        erased = tombstones.is_erased(store.root, participant)
        if not erased:
            _refresh_locked(store, participant)
    if erased:
        store.remove_lock(participant)


@contextlib.contextmanager
def _writing(store: Store, participant: str) -> Iterator[None]:
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
    with (
        _neutral_main(),
        ProcessPoolExecutor(
            max_workers=n,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=exit_with_parent,
            initargs=(os.getpid(),),
        ) as pool,
    ):
        roots = [str(store.root)] * len(ids)
        errors = pool.map(_refresh_one, roots, ids, chunksize=max(1, len(ids) // (n * 8)))
        return {p: err for p, err in zip(ids, errors, strict=True) if err is not None}


def _refresh_one(root: str, participant: str) -> str | None:
    try:
        refresh_participant(Store(root), participant)
    except Exception as exc:  # reported per participant; the others go on
        return f"{type(exc).__name__}: {exc}"
    return None


def _refresh_locked(store: Store, participant: str) -> None:
    """``refresh_participant`` for a caller already holding the participant's lock."""
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


def configure(
    store: Store,
    participant: str,
    *,
    tz: str | None = None,
    group: str | None = None,
    **target: object,
) -> participants.Participant:
    """Change a participant's settings (time zone, group, prescription)."""
    with _writing(store, participant):
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
    with _writing(store, participant):
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
    name = upload_name(path)
    refusal = UPLOAD_LIMITS.diary_refusal(path.stat().st_size)
    if refusal is not None:  # neither read nor stored, so not in the manifest either
        return DiaryImport(name, "", 0, 0, (), (), rejected=refusal)
    sha, _ = store.put_raw_file(participant, path, name)
    try:
        parsed = parse_diary(name, path.read_bytes(), today=today)
    except UnusableFile as error:
        result = DiaryImport(name, sha, 0, 0, (), (), rejected=error.reason)
        _record_diary_file(store, participant, path, sha, result)
        return result
    new = diary.entries_frame(participant, parsed.entries, source="file", file_sha256=sha)
    result = DiaryImport(name, sha, len(new), new["date"].nunique(), parsed.errors, parsed.warnings)
    with _writing(store, participant):
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
    with _writing(store, participant):
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
        "original_name": result.name,
        "format": "diary",
        "kind": "diary",
        "status": status,
        "reason": reason,
        "n_sessions": 0,
        "n_step_intervals": 0,
        "size_bytes": path.stat().st_size,
        "ingested_at": datetime.now(UTC),
    }
    with _writing(store, participant):
        manifest = store.read(FILES, [participant])
        known = set(zip(manifest["sha256"], manifest["original_name"], strict=True))
        if (sha, result.name) in known:
            return
        store.write(
            FILES,
            participant,
            ingestion.merged(manifest, coerce(FILES, pd.DataFrame([row])), FILES.key),
        )
