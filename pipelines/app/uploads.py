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
import dataclasses
import hashlib
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pandas as pd

from ingest.limits import UPLOAD_LIMITS, UploadLimits
from pipelines.app.refresh import refresh_locked, writing
from pipelines.app.workers import exit_with_parent, give_back_memory, neutral_main, process_pool
from pipelines.rules import ingestion, participants
from pipelines.rules.ingestion import Outcome, Upload
from pipelines.rules.sessions import derive as derive_sessions
from pipelines.rules.steps import merged_windows
from pipelines.schemas import DAILY_STEPS, FILES, PARTICIPANTS, SESSIONS, STEP_MINUTES, WEAR
from pipelines.store import tombstones
from pipelines.store.storage import Store

if TYPE_CHECKING:  # the readers load only where files are parsed, never in the dashboard
    from ingest.containers import Leaf
    from ingest.read import MemberResult


PARALLEL_MIN_BYTES = 2_000_000  # below this, starting worker processes costs more than it saves


PARSE_HELD_BYTES = 256 * 1024 * 1024  # file contents parse_stored holds at once
READ_HERE_BYTES = 64 * 1024 * 1024  # a streamed leaf this large is parsed in this process


IN_MEMORY_RAW_BYTES = 16 * 1024 * 1024  # a sealed raw file up to this is decrypted in memory


APART_FROM_BYTES = 64 * 1024 * 1024  # uploads this large are parsed and recorded in a child


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


# ---------------------------------------------------------------- the one way in
@dataclass(frozen=True, slots=True)
class Incoming:
    """One file of an upload as it arrives: a file on disk (the CLI, the inbox) or bytes in
    memory (the dashboard, which never writes them anywhere but the sealed raw store)."""

    name: str  # the name it arrived under: for display and the manifest, never a path
    size: int
    path: Path | None = None
    content: bytes | None = None
    # hashed already as it arrived (a streamed upload, ``pipelines.app.streamed``: ``path``
    # is then its sealed file in the raw store, whose bytes are not the content)
    known_sha256: str | None = None

    @classmethod
    def from_path(cls, path: Path) -> Incoming:
        return cls(upload_name(path), path.stat().st_size, path=path)

    @classmethod
    def from_bytes(cls, name: str, content: bytes) -> Incoming:
        return cls(name, len(content), content=content)

    def sha256(self) -> str:
        if self.known_sha256 is not None:
            return self.known_sha256
        if self.content is not None:
            return hashlib.sha256(self.content).hexdigest()
        assert self.path is not None
        return upload_sha256(self.path)


@dataclass(frozen=True, slots=True)
class Admitted:
    """A file of an upload that passed admission, with its content's SHA-256 (hashed once)."""

    file: Incoming
    sha256: str


@dataclass(frozen=True, slots=True)
class Admission:
    """What :func:`admit` decided for each file of one upload, in the upload's order."""

    new: tuple[Admitted, ...]  # to ingest
    repeated: tuple[Admitted, ...]  # the same content as a file before it in this upload
    known: tuple[Admitted, ...]  # ingested before (same content): nothing to do
    refused: tuple[Outcome, ...]  # beyond the upload limits: never read, stored or recorded


def admit(
    store: Store,
    participant: str,
    files: Sequence[Incoming],
    limits: UploadLimits | None = None,
) -> Admission:
    """The admission of one upload — the same for the CLI, the inbox and the dashboard.

    1. an erased participant's id takes nothing: ``tombstones.Erased``, before any file is
       read;
    2. a file larger than the limit for one file is refused unread;
    3. every other file is hashed, once; a file whose content came earlier in the same
       upload is ``repeated`` (it adds nothing and counts toward no limit); a file whose
       content was ingested before is ``known``;
    4. the count and total-size limits of one upload apply to the new files only, in
       order (``ingest.limits.UploadLimits.refusals``).
    """
    tombstones.refuse_erased(store.root, participant)
    limits = limits or UPLOAD_LIMITS
    refused: list[Outcome] = []
    hashed: list[Admitted] = []
    for f in files:
        refusal = limits.file_refusal(f.size)
        if refusal is None:
            hashed.append(Admitted(f, f.sha256()))
        else:
            refused.append(Outcome(f.name, "rejected", refusal))
    seen: set[str] = set()
    first: list[Admitted] = []
    repeated: list[Admitted] = []
    for a in hashed:
        (repeated if a.sha256 in seen else first).append(a)
        seen.add(a.sha256)
    before = already_ingested(store, participant, seen)
    known = [a for a in first if a.sha256 in before]
    fresh = [a for a in first if a.sha256 not in before]
    reasons = limits.refusals([(a.file.name, a.file.size) for a in fresh])
    new = [a for a, reason in zip(fresh, reasons, strict=True) if reason is None]
    refused += [
        Outcome(a.file.name, "rejected", reason)
        for a, reason in zip(fresh, reasons, strict=True)
        if reason is not None
    ]
    taken = {a.sha256 for a in new}
    return Admission(
        tuple(new),
        tuple(a for a in repeated if a.sha256 in taken),
        tuple(known),
        tuple(refused),
    )


def store_uploads(store: Store, participant: str, paths: Sequence[Path]) -> list[StoredUpload]:
    """Keep every uploaded file in the raw store (content-addressed). The caller has
    admitted them (:func:`admit`). ``tombstones.Erased``, before anything is stored, for an
    erased participant."""
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


def seal_admitted(store: Store, participant: str, admitted: Sequence[Admitted]) -> list[Admitted]:
    """Keep admitted files that arrived as bytes in the raw store at once, sealed — nothing
    of them is ever written anywhere else (the dashboard's uploads). Returned as files of the
    raw store, ready for :func:`upload_list`."""
    tombstones.refuse_erased(store.root, participant)
    sealed_files = []
    for a in admitted:
        if a.file.content is None:
            sealed_files.append(a)
            continue
        sha, raw = store.put_raw(participant, a.file.content, a.file.name)
        sealed_files.append(Admitted(Incoming(a.file.name, a.file.size, path=raw), sha))
    return sealed_files


@contextlib.contextmanager
def upload_list(store: Store, participant: str, files: Sequence[Path | Admitted]) -> Iterator[str]:
    """The files of one ingest run, listed in a file under the data directory for as long
    as the run lasts: a flow run is given that file's path, never the files' paths, because
    Prefect keeps a run's parameters on its server and file names are personal data
    (docs/privacy.md). A file already in the raw store (:func:`seal_admitted`) is listed as
    such and is not stored again."""
    listed = put_upload_list(store, participant, files)
    try:
        yield str(listed)
    finally:
        store.remove_upload_list(listed)


def put_upload_list(store: Store, participant: str, files: Sequence[Path | Admitted]) -> Path:
    """The upload list of :func:`upload_list`, kept until ``store.remove_upload_list``
    (for a run in another process, which removes it when done)."""
    entries: list[dict[str, str]] = []
    raw_folder = store.raw_folder(participant).resolve()
    for f in files:
        admitted = f if isinstance(f, Admitted) else None
        path = Path(admitted.file.path if admitted else f).resolve()  # type: ignore[arg-type]
        entry = {"path": str(path)}
        if admitted is not None:
            entry |= {"name": admitted.file.name, "sha256": admitted.sha256}
            if path.parent == raw_folder:
                entry["stored"] = "raw"
        entries.append(entry)
    return store.put_upload_list(participant, entries)


def listed_admitted(store: Store, participant: str, listed: Path) -> list[Admitted]:
    """The files of an upload list that were admitted and sealed already (the dashboard's:
    :func:`seal_admitted`), to run again through :func:`upload_list`. ``ValueError`` for a
    list that names anything else."""
    raw_folder = store.raw_folder(participant).resolve()
    admitted = []
    for entry in store.upload_list(listed):
        path = Path(entry["path"])
        if entry.get("stored") != "raw" or path.resolve().parent != raw_folder:
            raise ValueError(f"{listed} names a file outside {participant}'s raw store")
        admitted.append(
            Admitted(Incoming(entry["name"], path.stat().st_size, path=path), entry["sha256"])
        )
    return admitted


def listed_sha256s(store: Store, listed: str) -> list[str]:
    """The content hashes an upload list names (hashing a file only where it names none)."""
    return [
        e.get("sha256") or upload_sha256(Path(e["path"])) for e in store.upload_list(Path(listed))
    ]


def store_listed_uploads(store: Store, participant: str, listed: str) -> list[StoredUpload]:
    """:func:`store_uploads` of the files an :func:`upload_list` names; files it lists as
    already in the raw store are taken from there."""
    tombstones.refuse_erased(store.root, participant)
    stored: list[StoredUpload] = []
    raw_folder = store.raw_folder(participant).resolve()
    for entry in store.upload_list(Path(listed)):
        path = Path(entry["path"])
        if entry.get("stored") == "raw" and path.resolve().parent == raw_folder:
            stored.append(StoredUpload(entry["name"], entry["sha256"], str(path)))
        else:
            [one] = store_uploads(store, participant, [path])
            if "name" in entry:
                one = dataclasses.replace(one, name=entry["name"])
            stored.append(one)
    return stored


def already_ingested(store: Store, participant: str, shas: Iterable[str]) -> set[str]:
    """Which of these upload hashes were processed before (a cheap check, no parsing)."""
    manifest = store.read(FILES, [participant])
    return set(shas) & set(manifest["upload_sha256"])


# ------------------------------------------------- what became of each file of an upload
# manifest status → what a person is shown; an upload whose members' rows are mixed (an
# archive) is shown as the first of these its members have
FATES: Final = {
    "ok": "ingested",
    "duplicate": "duplicate",
    "skipped": "skipped",
    "rejected": "rejected",
}
INGESTED: Final = frozenset({"ok", "duplicate"})


@dataclass(frozen=True, slots=True)
class Fate:
    """What became of one upload, read back from the file manifest."""

    status: str  # ingested / duplicate / skipped / rejected
    reason: str | None  # one member: its reason; an archive: counts per status
    members: int  # manifest rows (an archive has one per member)
    ingested: bool  # some member was ingested (its content is in the tables)
    reasons: str | None  # every member's "name: status — reason", when nothing was ingested


def fate(manifest: pd.DataFrame, upload_sha256: str) -> Fate | None:
    """What became of the upload with this content — ``None`` while it is not recorded. The
    one reader of the manifest for the dashboard, the inbox and runs in another process."""
    rows = manifest.loc[manifest["upload_sha256"] == upload_sha256]
    if rows.empty:
        return None
    statuses = rows["status"].astype(str)
    present = set(statuses)
    status = next((s for s in FATES if s in present), str(statuses.iloc[0]))
    if len(rows) == 1:
        reason = rows["reason"].iloc[0]
        text = None if pd.isna(reason) else str(reason)
    else:
        counts = statuses.value_counts()
        text = ", ".join(f"{counts[s]} {FATES.get(s, s)}" for s in FATES if s in counts)
    ingested = bool(present & INGESTED)
    reasons = None
    if not ingested:
        reasons = "\n".join(
            f"{name}: {st}" + ("" if pd.isna(why) else f" — {why}")
            for name, st, why in zip(rows["original_name"], statuses, rows["reason"], strict=True)
        )
    return Fate(FATES.get(status, status), text, len(rows), ingested, reasons)


def outcomes(manifest: pd.DataFrame, upload_sha256s: Sequence[str]) -> list[Outcome]:
    """What became of every member of these uploads, read back from the file manifest: for
    a run that happened in another process (a served deployment), whose return value is
    not here."""
    rows = manifest.loc[manifest["upload_sha256"].isin(list(upload_sha256s))]
    return [
        Outcome(
            str(r["original_name"]),
            str(r["status"]),
            None if pd.isna(r["reason"]) else str(r["reason"]),
            int(r["n_sessions"]),
            int(r["n_step_intervals"]),
            str(r["sha256"]),
        )
        for r in rows.to_dict("records")
    ]


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
                # a leaf streamed from disk (an export's main document) is read here while
                # the pool reads the others: sent back from a worker, its records would be
                # pickled whole and held twice over in both processes
                here = [i for i, leaf in enumerate(leaves) if _read_here(leaf)]
                there = [i for i in range(len(leaves)) if i not in here]
                chunk = max(1, len(there) // (n * 8))
                sent = pools[0].map(
                    read_leaf,
                    [leaves[i] for i in there],
                    [insides[i] for i in there],
                    chunksize=chunk,
                )
                results: dict[int, MemberResult] = {
                    i: read_leaf(leaves[i], insides[i]) for i in here
                }
                results.update(zip(there, sent, strict=True))
                return [results[i] for i in range(len(leaves))]
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


def _read_here(leaf: Leaf) -> bool:
    """Whether ``parse_stored`` reads ``leaf`` in its own process rather than a worker's:
    a large leaf streamed from disk (``Leaf.opener``, no bytes held)."""
    return leaf.data is None and leaf.opener is not None and leaf.size >= READ_HERE_BYTES


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


def ingest_stored(
    store: Store,
    participant: str,
    stored: Sequence[StoredUpload],
    apart_from: int = APART_FROM_BYTES,
) -> list[Outcome]:
    """:func:`parse_stored` and :func:`record`: the stored uploads read and added to the
    participant's tables, their records never held longer than it takes to make rows of
    them.

    Uploads of ``apart_from`` bytes or more together (a multi-year Apple Health export)
    are read and recorded in a child process of their own, started with ``store``'s
    directory and the configured key: what they take — some hundred MB for a GB of export,
    much of it kept by Python's and Arrow's allocators once freed — goes back to the
    system when that process ends, not into the process that runs the flows (the
    long-running ``backtrack serve``, the CLI with Prefect's client, some 290 MB before
    any data). Smaller uploads stay in this process: a child costs a second or two to
    start. The outcomes are the same either way."""
    if sum(_stored_bytes(s) for s in stored) < apart_from:
        return record(store, participant, parse_stored(stored))
    with process_pool(1) as pool:
        job = pool.submit(_ingest_apart, str(store.root), participant, list(stored))
        try:
            return job.result()
        except BrokenProcessPool as exc:  # killed: by a person, or the system out of memory
            raise ChildDied(
                f"the process that was parsing and recording {len(stored)} upload(s) for "
                f"{participant} ended abruptly (killed, or out of memory); none of them is "
                "recorded as ingested — run the ingest again"
            ) from exc


class ChildDied(RuntimeError):
    """The child process of :func:`ingest_stored` died before it finished. The manifest is
    its last write (:func:`record`), so its uploads are unrecorded and a rerun repeats
    them."""


def _ingest_apart(root: str, participant: str, stored: list[StoredUpload]) -> list[Outcome]:
    return record(Store(root), participant, parse_stored(stored))


def _stored_bytes(upload: StoredUpload) -> int:
    try:
        return Path(upload.raw_path).stat().st_size
    except OSError:  # gone: parse_stored says so, in this process
        return 0


def _giving_back(windows: Iterable[tuple[int, pd.DataFrame]]) -> Iterator[tuple[int, pd.DataFrame]]:
    """``windows`` as they come, the memory of each given back once it is written (the
    frames of hundreds of windows otherwise leave the allocators' pools fragmented: at
    1 GiB of export, 71 MB above the columns instead of 35)."""
    for window in windows:
        yield window
        give_back_memory()


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
        # what the files yielded is in ``rows`` now; the parsed uploads go (when the
        # caller holds no other reference, as ``ingest_stored`` does not), and the memory
        # of each phase is given back before the next (workers.give_back_memory)
        del uploads
        give_back_memory()
        if not rows.changed:
            return rows.outcomes
        p = participants.from_rows(participant, store.read(PARTICIPANTS, [participant]))
        sessions = derive_sessions(
            ingestion.merged(store.read(SESSIONS, [participant]), rows.sessions, SESSIONS.key), p.tz
        )
        # facts, then what derives from them, the manifest last (see above)
        store.write(SESSIONS, participant, sessions)
        # a window at a time: the stored minutes and the new ones, merged
        minutes = merged_windows(rows.step_files, store.read_windows(STEP_MINUTES, participant))
        store.write_windows(STEP_MINUTES, participant, _giving_back(minutes))
        wear = ingestion.wear_windows(rows.wear_files, store.read_windows(WEAR, participant))
        store.write_windows(WEAR, participant, _giving_back(wear))
        days = ingestion.merged(
            store.read(DAILY_STEPS, [participant]), rows.daily_steps, DAILY_STEPS.key
        )
        store.write(DAILY_STEPS, participant, days)
        files, outcomes = ingestion.merged(manifest, rows.files, FILES.key), rows.outcomes
        del rows, sessions, wear, days, minutes  # the refresh reads them back as it needs
        give_back_memory()
        refresh_locked(store, participant)
        store.write(FILES, participant, files)
    return outcomes
