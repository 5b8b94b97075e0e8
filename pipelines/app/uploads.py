"""Uploads: the one way in for a person's files, from the CLI, the inbox and the dashboard.

:func:`admit` decides which files of one upload are taken (the erased-id check, the upload
limits of ``ingest.limits``, files ingested before — each file hashed once); :func:`store_uploads`
keeps them in the encrypted raw store; :func:`parse_stored` reads them (in worker processes
when there is enough to do); :func:`record` adds what they yielded to the tables; :func:`fate`
reads back what became of each file. The Prefect tasks in ``pipelines.orchestrate.flows`` are
one-line calls of these functions, so the whole pipeline also runs without Prefect.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.limits import UPLOAD_LIMITS, UploadLimits
from pipelines.app.refresh import refresh_locked, writing
from pipelines.app.workers import exit_with_parent, neutral_main
from pipelines.rules import ingestion, participants
from pipelines.rules.ingestion import Outcome, Upload
from pipelines.rules.sessions import derive as derive_sessions
from pipelines.schemas import (
    DAILY_STEPS,
    FILES,
    PARTICIPANTS,
    SESSIONS,
    STEP_MINUTES,
    WEAR,
)
from pipelines.store import tombstones
from pipelines.store.storage import Store

if TYPE_CHECKING:  # the readers load only where files are parsed, never in the dashboard
    from ingest.containers import Leaf
    from ingest.read import MemberResult


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
                    stack.enter_context(neutral_main())
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
    with writing(store, participant):
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
        refresh_locked(store, participant)
        store.write(FILES, participant, ingestion.merged(manifest, rows.files, FILES.key))
    return rows.outcomes
