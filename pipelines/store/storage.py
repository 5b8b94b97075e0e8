"""The one module that knows where files live.

Layout under the data directory (``--data-dir`` / ``$BACKTRACK_DATA_DIR`` / ``./data``)::

    raw/<participant>/<sha256>.<ext>                  every uploaded file, content-addressed
                                                      (by its plaintext) and sealed with the
                                                      raw store's key (docs/encryption.md)
    tables/<table>/participant=<id>/part.parquet      one Parquet file per table and participant
    tables/participants/all.parquet                   the roster: one file for everyone
    tables/group_settings/group=<group>/part.parquet  a table partitioned by another column
                                                      (``TableSchema.partition``)
    requests/<participant>/<random>.json              the files of a running ingest (upload lists)
    locks/<participant>.lock                          serialises writers of one participant
    locks/_table-<table>.lock                         serialises writers of a one-file table
    secrets/upload-token.key                          signs the dashboard's upload tokens

Every write goes to a temporary file in the same directory, is flushed to disk and then
renamed over the old file (``pipelines.store.files``, the one atomic-write and lock helper
of every module that writes under the data directory): a reader sees the old or the new partition,
never half of one. Temporary files (``.tmp-<pid>-…``) never match ``part.parquet`` and are
never read; the ones a killed process left are removed by the next holder of the
participant's lock. What survives a crash, and how that is tested: docs/durability.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines import config, schemas
from pipelines.schemas import TableSchema
from pipelines.store import files, sealed
from pipelines.store.files import TEMP_PREFIX

PARTICIPANT_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
PART_FILE: Final = "part.parquet"
PARTICIPANT: Final = "participant"  # the partition column of every table but group_settings
# the default inbox of `backtrack serve`: <data dir>/inbox (pipelines.orchestrate.inbox)
INBOX_FOLDER: Final = "inbox"
SINGLE_FILE: Final = "all.parquet"  # the one file of a ``single_file`` table (the roster)
TABLE_LOCK_PREFIX: Final = "_table-"  # never a participant id (those start alphanumeric)
PARALLEL_READ_FROM: Final = 16  # partitions; below this a plain loop is faster
NOTE_PREFIX: Final = "backtrack."  # footer metadata keys of Store.write(..., notes=)
TOKEN_SECRET_FILE: Final = "upload-token.key"  # under <root>/secrets/


class InvalidParticipant(ValueError):
    pass


def check_participant(participant: str) -> str:
    """``participant`` if it is a safe pseudonymous id (letters, digits, ``_``, ``-``)."""
    if not PARTICIPANT_ID.match(participant):
        raise InvalidParticipant(
            f"participant id {participant!r} must be 1–64 letters, digits, '_' or '-' "
            "(a pseudonym, never a name or e-mail address)"
        )
    return participant


def _check_partition(schema: TableSchema, value: str) -> str:
    """``value`` if it may name a partition of ``schema``: a participant id
    (:func:`check_participant`), or another partition column's value held to the same rule."""
    if schema.partition == PARTICIPANT:
        return check_participant(value)
    if not PARTICIPANT_ID.match(value):
        raise ValueError(
            f"{schema.name}: {schema.partition} {value!r} must be 1–64 letters, digits, '_' "
            "or '-' (it names a folder)"
        )
    return value


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class MissingKey(ValueError):
    """Raw files are to be stored or read and no key is configured."""


NO_KEY: Final = (
    "no key for the raw store: uploads are kept encrypted and never as plaintext. Set "
    "BACKTRACK_KEY_FILE to a key file (or pass --key-file); create one with "
    "`backtrack keys init PATH`, kept outside the data directory (docs/encryption.md)"
)


class Store:
    """Files and tables under one data directory.

    Raw files are sealed (``pipelines.store.sealed``) with ``key``, or with the key of
    :func:`pipelines.config.key_file` when none is given, loaded when first needed: a store
    that only reads and writes tables needs no key."""

    def __init__(self, root: Path | str, key: sealed.Key | None = None) -> None:
        self.root = Path(root)
        self._key = key

    @classmethod
    def of_raw_file(cls, path: Path | str) -> Store:
        """The store a raw file (``<root>/raw/<participant>/<name>``) belongs to."""
        return cls(Path(path).parents[2])

    @property
    def key(self) -> sealed.Key:
        """The raw store's key; :class:`MissingKey` when none is configured,
        ``sealed.KeyFileError`` when the key file is unusable."""
        if self._key is None:
            path = config.key_file()
            if path is None:
                raise MissingKey(NO_KEY)
            self._key = sealed.load_key(path)
        return self._key

    # -- raw files -------------------------------------------------------------------------
    def raw_path(self, participant: str, sha256: str, ext: str) -> Path:
        return self.root / "raw" / check_participant(participant) / f"{sha256}{ext}"

    def raw_folder(self, participant: str) -> Path:
        """``<root>/raw/<participant>``, made private to the data's owner (mode 0700)."""
        folder = self.root / "raw" / check_participant(participant)
        self.root.mkdir(parents=True, exist_ok=True)
        for part in (folder.parent, folder):  # raw files are for the data's owner alone
            part.mkdir(mode=0o700, exist_ok=True)
            if part.stat().st_mode & 0o077:
                part.chmod(0o700)
        return folder

    def put_raw(self, participant: str, data: bytes, original_name: str) -> tuple[str, Path]:
        """Keep ``data`` content-addressed and sealed; returns its SHA-256 (of the
        plaintext) and path. Idempotent."""
        sha = sha256_hex(data)
        path = self.raw_path(participant, sha, _safe_ext(original_name))
        if not path.exists():
            self.raw_folder(participant)
            files.atomic_write_bytes(path, sealed.seal(data, self.key))
        return sha, path

    def put_raw_file(self, participant: str, source: Path, original_name: str) -> tuple[str, Path]:
        """As :meth:`put_raw` for a file on disk, streamed: exports may be several GB."""
        key = self.key  # before anything is written: no key, nothing stored
        digest = hashlib.sha256()
        folder = self.raw_folder(participant)
        with files.temporary(folder) as (fd, tmp):
            with open(source, "rb") as src:
                _seal_to(src, fd, key, digest)
            path = self.raw_path(participant, digest.hexdigest(), _safe_ext(original_name))
            if path.exists():
                os.unlink(tmp)
            else:
                files.replace(tmp, path)
        return digest.hexdigest(), path

    def raw_stream(self, participant: str) -> RawStream:
        """A new raw file filled a piece at a time (a streamed upload: the pieces arrive
        over many requests): sealed as it is written, never plaintext on disk, never whole
        in memory; :meth:`RawStream.finish` puts it in place content-addressed like
        :meth:`put_raw_file`, :meth:`RawStream.abort` removes it. ``MissingKey`` before
        anything is written."""
        key = self.key
        folder = self.raw_folder(participant)
        fd, tmp = files.mkstemp(folder)
        return RawStream(self, participant, fd, Path(tmp), key)

    def token_secret(self) -> bytes:
        """The data directory's secret for signing short-lived tokens (the dashboard's
        streamed uploads): 32 random bytes in ``<root>/secrets/upload-token.key`` (mode
        0600, in a 0700 folder), made on first use and never overwritten."""
        folder = self.root / "secrets"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / TOKEN_SECRET_FILE
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
                fh.flush()
                os.fsync(fh.fileno())
        secret = path.read_bytes()
        if len(secret) != 32:
            raise ValueError(f"{path} is damaged: remove it (open upload pages must reload)")
        return secret

    @contextlib.contextmanager
    def open_raw(self, path: Path) -> Iterator[BinaryIO]:
        """A stored raw file's original bytes, as a readable binary stream: decrypted (and
        authenticated chunk by chunk: ``sealed.SealedFileError`` where it fails) or, for a
        file stored before the raw store was encrypted, as it is."""
        with open(path, "rb") as handle:
            head = handle.read(sealed.HEADER_BYTES)
            handle.seek(0)
            if not sealed.is_sealed(head):
                yield handle
                return
            with sealed.opening(handle, self.key, path.name) as stream:
                yield stream

    def read_raw(self, path: Path) -> bytes:
        """A stored raw file's original bytes, all authenticated (held in memory)."""
        with self.open_raw(path) as stream:
            return stream.read()

    @contextlib.contextmanager
    def raw_as_file(self, path: Path) -> Iterator[Path]:
        """A stored raw file as a plaintext file, for a reader that needs a path or a
        seekable file (a zip, a large export streamed from disk): a file stored unencrypted
        is itself; a sealed one is decrypted — and so authenticated — whole into a private
        temporary file (mode 0600) next to it, removed when the ``with`` ends. Named like
        every temporary file (``.tmp-<pid>-…``), one a killed process leaves is removed by
        the next holder of the participant's lock (docs/encryption.md)."""
        with open(path, "rb") as fh:
            plain = not sealed.is_sealed(fh.read(sealed.HEADER_BYTES))
        if plain:
            yield path
            return
        fd, tmp = files.mkstemp(path.parent, suffix=".plain")
        try:
            with self.open_raw(path) as stream, os.fdopen(fd, "wb") as out:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    out.write(chunk)
            yield Path(tmp)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def is_sealed(self, path: Path) -> bool:
        with open(path, "rb") as fh:
            return sealed.is_sealed(fh.read(sealed.HEADER_BYTES))

    def seal_raw(self, path: Path, old_keys: Sequence[sealed.Key] = ()) -> str:
        """Encrypt a raw file in place: ``sealed`` (it was plaintext: its content is checked
        against the SHA-256 in its name first), ``resealed`` (it was sealed with one of
        ``old_keys``: now with the store's key), or ``kept`` (already sealed with the store's
        key). Atomic: the file is replaced by its sealed copy in one rename, or stays as it
        was. ``ValueError`` for a plaintext file whose content does not match its name, a
        file sealed with an unknown key, or one that fails authentication."""
        key = self.key
        with open(path, "rb") as fh:
            head = fh.read(sealed.HEADER_BYTES)
        key_id = sealed.key_id_of(head)
        if key_id == key.id:
            return "kept"
        if key_id is not None:
            opener = next((k for k in old_keys if k.id == key_id), None)
            if opener is None:
                raise sealed.SealedFileError(
                    f"{path.name}: sealed with key {key_id.hex()}, neither the configured key "
                    f"({key.id.hex()}) nor an old key given"
                )
            source_store = Store(self.root, opener)
        else:
            source_store = Store(self.root, key)
        digest = hashlib.sha256()
        with files.temporary(path.parent) as (fd, tmp):
            with source_store.open_raw(path) as src:
                _seal_to(src, fd, key, digest)
            expected = path.name.split(".", 1)[0]
            if digest.hexdigest() != expected:
                raise ValueError(
                    f"{path.name}: content does not match the SHA-256 in its name "
                    f"(it is {digest.hexdigest()}); left as it is"
                )
            files.replace(tmp, path)
        return "sealed" if key_id is None else "resealed"

    def delete_raw(self, path: Path) -> None:
        """Remove a stored raw file (retention: the tables keep what it yielded)."""
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        files.fsync_dir(path.parent)

    def put_upload_list(self, participant: str, entries: Sequence[Mapping[str, str]]) -> Path:
        """A new file ``requests/<participant>/<random>.json`` listing the files of one ingest
        run (mode 0600; each entry a ``path`` and optionally its ``name``, ``sha256`` and
        ``stored``): what a flow run is given instead of the paths themselves."""
        folder = self.root / "requests" / check_participant(participant)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{secrets.token_hex(16)}.json"  # a new name: nobody reads it yet
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump([dict(e) for e in entries], handle)
        return path

    def upload_list(self, path: Path) -> list[dict[str, str]]:
        """The entries an upload list (:meth:`put_upload_list`) holds."""
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(entries, list) or not all(
            isinstance(e, dict)
            and isinstance(e.get("path"), str)
            and all(isinstance(v, str) for v in e.values())
            for e in entries
        ):
            raise ValueError(f"{path} is not an upload list")
        return entries

    def remove_upload_list(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()

    def erase(self, participant: str) -> tuple[int, int]:
        """Remove every file of ``participant``: raw files, partitions of every table and
        upload lists. Their rows in a ``single_file`` table are the caller's to remove
        (:meth:`write` of an empty frame); the caller holds their lock. Returns how many raw
        files and partitions were removed."""
        check_participant(participant)
        raw = self.root / "raw" / participant
        raw_count = sum(1 for p in raw.rglob("*") if p.is_file()) if raw.exists() else 0
        if raw.exists():
            shutil.rmtree(raw)
        shutil.rmtree(self.root / "requests" / participant, ignore_errors=True)
        partitions = 0
        for table in sorted(self.root.glob("tables/*")):
            folder = table / f"participant={participant}"
            if folder.exists():
                partitions += int((folder / PART_FILE).exists())
                shutil.rmtree(folder)
        return raw_count, partitions

    def raw_files(self, participant: str) -> list[Path]:
        folder = self.root / "raw" / check_participant(participant)
        if not folder.exists():
            return []
        return sorted(p for p in folder.iterdir() if not p.name.startswith(TEMP_PREFIX))

    # -- tables ----------------------------------------------------------------------------
    def partition_path(self, table: str | TableSchema, participant: str) -> Path:
        """The file of one partition of ``table``: ``participant``'s, or for a table
        partitioned by another column (``TableSchema.partition``) that column's value."""
        schema = table if isinstance(table, TableSchema) else schemas.TABLES[table]
        value = _check_partition(schema, participant)
        return self.root / "tables" / schema.name / f"{schema.partition}={value}" / PART_FILE

    def table_file(self, table: str) -> Path:
        """The one file of a ``single_file`` table (the roster)."""
        return self.root / "tables" / table / SINGLE_FILE

    def write(
        self,
        schema: TableSchema,
        participant: str,
        frame: pd.DataFrame,
        notes: Mapping[str, str] | None = None,
    ) -> None:
        """Replace ``participant``'s partition of ``schema`` with ``frame`` (validated);
        for a table partitioned by another column (``TableSchema.partition``: the group
        settings by ``group``), ``participant`` is that column's value.

        ``notes``: short strings kept in the partition file's footer (:meth:`note` reads
        one back without reading the rows). For a ``single_file`` table,
        ``participant``'s rows in the one file are replaced (read, swap, atomic rewrite)
        under the table's lock."""
        by = schema.partition
        if len(frame) and set(frame[by].unique()) != {participant}:
            raise schemas.SchemaError(
                f"{schema.name}: rows of other {by}s in the partition of {participant!r}"
            )
        if schema.windowed_by is not None and not schema.single_file:
            self.write_windows(schema, participant, _split(schema, frame), notes)
            return
        table = schemas.to_arrow(schema, frame)
        if notes:
            kept = dict(table.schema.metadata or {})
            kept.update({f"{NOTE_PREFIX}{k}".encode(): v.encode() for k, v in notes.items()})
            table = table.replace_schema_metadata(kept)
        if schema.single_file:
            _check_partition(schema, participant)
            with files.locked(self.root / "locks" / f"{TABLE_LOCK_PREFIX}{schema.name}.lock"):
                files.remove_dead_temp_files([self.table_file(schema.name).parent])
                current = self._single_file_rows(schema)
                others = current.filter(pc.invert(pc.equal(current[by], participant)))
                combined = pa.concat_tables([others, table]).sort_by(by)
                _atomic_write_table(combined, self.table_file(schema.name))
                for legacy in self._partition_files(schema):  # folded in above
                    legacy.unlink()
                    with contextlib.suppress(OSError):
                        legacy.parent.rmdir()
            return
        path = self.partition_path(schema, participant)
        if by != PARTICIPANT:  # no participant's lock, whose holder would clean up
            files.remove_dead_temp_files([path.parent])
        _atomic_write_table(table, path)

    def write_all(
        self,
        schema: TableSchema,
        frame: pd.DataFrame,
        keep: Callable[[str], bool] | None = None,
    ) -> None:
        """Replace every row of the ``single_file`` table ``schema`` with ``frame`` in one
        atomic write under the table's lock (a cohort's rows at once, where :meth:`write`
        rewrites the file per participant). ``keep``, asked under the lock for each
        participant of ``frame``: leave out the rows of those it refuses (an erasure that
        removed their row while ``frame`` was computed must not bring it back)."""
        if not schema.single_file:
            raise ValueError(f"{schema.name} is not a one-file table")
        by = schema.partition
        with files.locked(self.root / "locks" / f"{TABLE_LOCK_PREFIX}{schema.name}.lock"):
            if keep is not None and len(frame):
                allowed = {p for p in frame[by].astype(str).unique() if keep(p)}
                frame = frame[frame[by].astype(str).isin(allowed)]
            table = schemas.to_arrow(schema, frame).sort_by(by)
            files.remove_dead_temp_files([self.table_file(schema.name).parent])
            _atomic_write_table(table, self.table_file(schema.name))
            for legacy in self._partition_files(schema):  # the file holds everyone now
                legacy.unlink()
                with contextlib.suppress(OSError):
                    legacy.parent.rmdir()

    def write_windows(
        self,
        schema: TableSchema,
        participant: str,
        windows: Iterable[tuple[int, pd.DataFrame]],
        notes: Mapping[str, str] | None = None,
    ) -> None:
        """Replace ``participant``'s partition of a windowed table
        (``TableSchema.windowed_by``) with ``windows``: ``(window, frame)`` in window order,
        each validated and written as one row group as it comes, so one window is held at
        a time. Atomic like :meth:`write` (a reader sees the old or the new file); the
        footer notes the layout that :meth:`read_windows` relies on."""
        column = schema.windowed_by
        if column is None:
            raise ValueError(f"{schema.name} is not stored in windows")
        path = self.partition_path(schema, participant)
        metadata = {f"{NOTE_PREFIX}{k}".encode(): v.encode() for k, v in (notes or {}).items()}
        metadata[LAYOUT_NOTE] = _layout(schema).encode()
        arrow_schema = schema.arrow.with_metadata(metadata)
        previous = None
        with (
            files.atomic_write(path, suffix=".parquet") as fh,
            pq.ParquetWriter(fh, arrow_schema, compression="zstd") as writer,
        ):
            for window, frame in windows:
                if previous is not None and window <= previous:
                    raise ValueError(f"{schema.name}: windows out of order ({window})")
                previous = window
                if frame.empty:
                    continue
                if set(frame[schema.partition].unique()) != {participant}:
                    raise schemas.SchemaError(
                        f"{schema.name}: rows of other {schema.partition}s in the "
                        f"partition of {participant!r}"
                    )
                if set(_windows(schema, frame)) != {window}:
                    raise schemas.SchemaError(f"{schema.name}: rows outside window {window}")
                table = schemas.to_arrow(schema, frame).replace_schema_metadata(metadata)
                writer.write_table(table, row_group_size=max(1, table.num_rows))

    def read_windows(
        self, schema: TableSchema, participant: str
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        """``participant``'s rows of a windowed table a window at a time, in window order
        (none without a partition). A partition written before tables were windowed is
        read whole once and cut into windows."""
        for frame, cuts in self._window_runs(schema, participant):
            for window, low, high in cuts:
                yield window, frame.iloc[low:high].reset_index(drop=True)

    def read_runs(self, schema: TableSchema, participant: str) -> Iterator[pd.DataFrame]:
        """:meth:`read_windows` without the cuts: runs of whole windows in window order,
        up to :data:`READ_WINDOWS_ROWS` rows each (a larger window alone). For a reader
        that needs each minute's rows together and the windows in order but not apart
        (the refresh: its rules pay their overhead once a run, not once a window)."""
        for frame, _ in self._window_runs(schema, participant):
            yield frame

    def _window_runs(
        self, schema: TableSchema, participant: str
    ) -> Iterator[tuple[pd.DataFrame, list[tuple[int, int, int]]]]:
        """Runs of row groups (whole windows) read and converted at once: each run's
        frame and its windows as ``(window, first row, end row)``."""
        path = self.partition_path(schema, participant)
        try:
            parquet = pq.ParquetFile(path)
        except FileNotFoundError:
            return
        layout = (parquet.schema_arrow.metadata or {}).get(LAYOUT_NOTE)
        if layout != _layout(schema).encode():
            parquet.close()
            frame = _read_file(schema, path).to_pandas(types_mapper=schemas._pandas_type)
            for window, part in _split(schema, frame):
                yield part, [(window, 0, len(part))]
            return
        with parquet:
            sizes = [parquet.metadata.row_group(g).num_rows for g in range(parquet.num_row_groups)]
            for run in _runs(sizes, READ_WINDOWS_ROWS):
                table = schemas.upgrade(schema, parquet.read_row_groups(run))
                frame = table.to_pandas(types_mapper=schemas._pandas_type)
                if frame.empty:
                    continue
                of_row = _windows(schema, frame)
                bounds = np.cumsum([0, *(sizes[g] for g in run)]).tolist()
                cuts = [  # a row group is one window (write_windows)
                    (int(of_row[low]), low, high)
                    for low, high in itertools.pairwise(bounds)
                    if high > low
                ]
                yield frame, cuts

    def note(self, schema: TableSchema, participant: str, key: str) -> str | None:
        """The note ``key`` written with ``participant``'s partition (:meth:`write`), or
        ``None`` without one; reads the file's footer only."""
        try:
            metadata = pq.read_schema(self.partition_path(schema, participant)).metadata
        except FileNotFoundError:
            return None
        value = (metadata or {}).get(f"{NOTE_PREFIX}{key}".encode())
        return value.decode() if value is not None else None

    def stamp(self, tables: Iterable[TableSchema], participant: str) -> str:
        """A digest that changes whenever any of ``participant``'s partitions of ``tables``
        is written or removed: each file's inode, size and modification time (every write
        is a new file renamed into place)."""
        digest = hashlib.sha256()
        for schema in tables:
            try:
                info = self.partition_path(schema, participant).stat()
            except FileNotFoundError:
                digest.update(f"{schema.name}:-;".encode())
                continue
            digest.update(
                f"{schema.name}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns};".encode()
            )
        return digest.hexdigest()

    def stamps(
        self, schema: TableSchema, participants: Iterable[str]
    ) -> dict[str, tuple[int, int, int] | None]:
        """Per participant, what changes whenever their partition of ``schema`` is written or
        removed: its file's inode, size and modification time (``None``: no partition) — as
        :meth:`stamp`, for many participants at once (a stat each)."""
        folder = os.path.join(self.root, "tables", schema.name)
        out: dict[str, tuple[int, int, int] | None] = {}
        for participant in participants:
            value = _check_partition(schema, participant)
            try:
                info = os.stat(os.path.join(folder, f"{schema.partition}={value}", PART_FILE))
            except FileNotFoundError:
                out[participant] = None
                continue
            out[participant] = (info.st_ino, info.st_size, info.st_mtime_ns)
        return out

    def table_stamp(self, schema: TableSchema) -> tuple[tuple[str, int, int, int], ...]:
        """What changes whenever any file of ``schema`` is written or removed (each file's
        name, inode, size and modification time): for a one-file table (the roster), cheap."""
        paths = [*self._partition_files(schema), self.table_file(schema.name)]
        out = []
        for path in paths:
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            out.append((str(path), info.st_ino, info.st_size, info.st_mtime_ns))
        return tuple(out)

    def read(
        self,
        schema: TableSchema,
        participants: Iterable[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The table (all participants, or only ``participants``: for a table partitioned
        by another column, those values of it) as a typed DataFrame; only ``columns`` (in
        schema order, the partition column always) when given — a narrow read decodes less."""
        if columns is not None:
            schema = schema.only([schema.partition, *columns])
        if schema.single_file:
            rows = self._single_file_rows(schema)
            if participants is not None:
                wanted = pa.array(sorted(set(participants)), type=pa.string())
                rows = rows.filter(pc.is_in(rows[schema.partition], value_set=wanted))
            return rows.to_pandas(types_mapper=schemas._pandas_type)
        if participants is None:
            paths = self._partition_files(schema)
        else:
            paths = [
                p for p in (self.partition_path(schema, pid) for pid in participants) if p.exists()
            ]
        if not paths:
            return schema.empty()
        combined = pa.concat_tables(self._read_files(schema, paths))
        if schema.windowed_by is not None:  # stored window by window: rows in key order
            combined = combined.sort_by([(k, "ascending") for k in schema.key])
        return combined.to_pandas(types_mapper=schemas._pandas_type)

    def _partition_files(self, schema: TableSchema) -> list[Path]:
        folder = self.root / "tables" / schema.name
        return sorted(folder.glob(f"{schema.partition}=*/{PART_FILE}"))

    def _read_files(self, schema: TableSchema, paths: list[Path]) -> list[pa.Table]:
        if len(paths) > PARALLEL_READ_FROM:
            with ThreadPoolExecutor(max_workers=8) as pool:  # pyarrow releases the GIL
                return list(pool.map(lambda p: _read_file(schema, p), paths))
        return [_read_file(schema, p) for p in paths]

    def _single_file_rows(self, schema: TableSchema) -> pa.Table:
        """Every row of a ``single_file`` table. Partitions left by a version that kept one
        file per participant are read too (for participants the file does not hold) and are
        folded into the file by the next write."""
        path = self.table_file(schema.name)
        tables = [_read_file(schema, path)] if path.exists() else []
        legacy = self._partition_files(schema)
        if legacy:
            prefix = f"{schema.partition}="
            held = set(tables[0][schema.partition].to_pylist()) if tables else set()
            fresh = [p for p in legacy if p.parent.name.removeprefix(prefix) not in held]
            tables += self._read_files(schema, fresh)
        if not tables:
            return schema.arrow.empty_table()
        return pa.concat_tables(tables)

    def participants(self) -> list[str]:
        """Every participant with any table partition, roster row or raw file."""
        found: set[str] = set()
        for part in (self.root / "tables").glob("*/participant=*"):
            found.add(part.name.removeprefix("participant="))
        for schema in schemas.TABLES.values():
            by_participant = schema.partition == PARTICIPANT
            if by_participant and schema.single_file and self.table_file(schema.name).exists():
                found.update(self._single_file_rows(schema)["participant"].to_pylist())
        raw = self.root / "raw"
        if raw.exists():
            found.update(p.name for p in raw.iterdir() if p.is_dir())
        return sorted(found)

    def mtime(self, table: str) -> float:
        """Latest modification time of any file of ``table`` (0 when none)."""
        paths = [*self._partition_files(schemas.TABLES[table]), self.table_file(table)]
        return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)

    # -- locks -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, participant: str) -> Iterator[None]:
        """Hold the participant's write lock (blocks while another process holds it).

        Taking it also removes the temporary files that dead writers (a killed ingest) left
        in the participant's raw folder and partitions."""
        with files.locked(self.root / "locks" / f"{check_participant(participant)}.lock"):
            partitions = (self.root / "tables").glob(f"*/participant={participant}")
            files.remove_dead_temp_files([self.root / "raw" / participant, *partitions])
            yield

    def remove_lock(self, participant: str) -> None:
        """Remove the participant's lock file — only for an erased participant, whose
        writers all refuse: two processes may then hold "the" lock at once, harmlessly."""
        with contextlib.suppress(FileNotFoundError):
            (self.root / "locks" / f"{check_participant(participant)}.lock").unlink()


class RawStream:
    """A raw file being written a piece at a time (:meth:`Store.raw_stream`): each piece is
    hashed (the plaintext's SHA-256, the name it will have) and sealed into a private
    temporary file (``.tmp-<pid>-…``, mode 0600) in the participant's raw folder, which a
    killed process leaves for the next holder of the participant's lock to remove. Holds at
    most one sealing chunk (1 MiB) of plaintext in memory."""

    def __init__(self, store: Store, participant: str, fd: int, tmp: Path, key: sealed.Key):
        self.store = store
        self.participant = participant
        self.tmp = tmp
        self.size = 0  # plaintext bytes written so far
        self._digest = hashlib.sha256()
        self._file = os.fdopen(fd, "wb")
        self._writer = sealed.SealingWriter(self._file, key)
        self._open = True

    def write(self, piece: bytes | bytearray | memoryview) -> None:
        if not self._open:
            raise ValueError("this raw file is finished or aborted")
        self._digest.update(piece)
        self._writer.write(piece)
        self.size += len(piece)

    def finish(self, original_name: str) -> tuple[str, Path]:
        """Seal the last chunk, make the file durable and put it in place under its
        content's SHA-256 (kept as it is when that content is stored already); its SHA-256
        and path."""
        if not self._open:
            raise ValueError("this raw file is finished or aborted")
        self._open = False
        try:
            self._writer.close()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            sha = self._digest.hexdigest()
            path = self.store.raw_path(self.participant, sha, _safe_ext(original_name))
            if path.exists():
                os.unlink(self.tmp)
            else:
                files.replace(str(self.tmp), path)
        except BaseException:
            self._remove()
            raise
        return sha, path

    def abort(self) -> None:
        """Remove the temporary file: nothing of it stays (idempotent)."""
        if self._open:
            self._open = False
            self._file.close()
        self._remove()

    def _remove(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)


LAYOUT_NOTE: Final = f"{NOTE_PREFIX}layout".encode()


READ_WINDOWS_ROWS = 262_144
"""Row groups (windows) :meth:`Store.read_windows` reads and converts together, up to this
many rows: one conversion for a year of a participant's windows instead of one per window
(14 row groups of a participant-year's step minutes and wear took 45 ms one by one, the
reading itself 15 ms), while a decade of minute rows is still never held at once."""


def _runs(sizes: Sequence[int], most: int) -> Iterator[list[int]]:
    """Consecutive runs of the indexes of ``sizes``, each adding up to at most ``most``
    (a larger one alone), in order: every index once."""
    run: list[int] = []
    total = 0
    for index, size in enumerate(sizes):
        if run and total + size > most:
            yield run
            run, total = [], 0
        run.append(index)
        total += size
    if run:
        yield run


def _layout(schema: TableSchema) -> str:
    """The footer note of a partition stored in windows (:meth:`Store.write_windows`)."""
    return f"windows of {schemas.STEP_MINUTE_WINDOW_DAYS} days by {schema.windowed_by}"


def _windows(schema: TableSchema, frame: pd.DataFrame) -> np.ndarray:
    """The window of each row of a windowed table (whole UTC days since 1970-01-01)."""
    column = pd.to_datetime(frame[schema.windowed_by], utc=True).dt.as_unit("us")
    micros = column.astype("int64").to_numpy()
    return np.floor_divide(micros, schemas.STEP_MINUTE_WINDOW_DAYS * 86_400_000_000)


def _split(schema: TableSchema, frame: pd.DataFrame) -> Iterator[tuple[int, pd.DataFrame]]:
    """A windowed table's rows cut into their windows, in window order."""
    if frame.empty:
        return
    window = _windows(schema, frame)
    for w in np.unique(window):
        yield int(w), frame[window == w].reset_index(drop=True)


_EXT = re.compile(r"(\.[A-Za-z0-9]{1,8}){1,2}$")


def _safe_ext(name: str) -> str:
    """A short, safe extension from an uploaded name (``.fit``, ``.fit.gz``); never a path."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    match = _EXT.search(base)
    return match.group(0) if match and match.start() > 0 else ".bin"


def _seal_to(src: BinaryIO, fd: int, key: sealed.Key, digest: hashlib._Hash) -> None:
    """``src`` read to its end, sealed into the open file ``fd`` (closed, fsynced) in
    1 MiB chunks, each chunk also fed to ``digest`` (the plaintext's SHA-256)."""
    with os.fdopen(fd, "wb") as dst:
        with sealed.SealingWriter(dst, key) as writer:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                writer.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())


def _read_file(schema: TableSchema, path: Path) -> pa.Table:
    """One Parquet file as ``schema`` (its columns only; older files upgraded)."""
    try:
        table = pq.read_table(path, columns=schema.names)
    except pa.ArrowInvalid:  # written before one of the columns existed: upgrade fills it
        table = pq.read_table(path)
    return schemas.upgrade(schema, table)


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` atomically (``files.atomic_write``)."""
    with files.atomic_write(path, suffix=".parquet") as fh:
        pq.write_table(table, fh, compression="zstd")
