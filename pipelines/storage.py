"""The one module that knows where files live.

Layout under the data directory (``--data-dir`` / ``$BACKTRACK_DATA_DIR`` / ``./data``)::

    raw/<participant>/<sha256>.<ext>                  every uploaded file, content-addressed
    tables/<table>/participant=<id>/part.parquet      one Parquet file per table and participant
    tables/participants/all.parquet                   the roster: one file for everyone
    locks/<participant>.lock                          serialises writers of one participant
    locks/_table-<table>.lock                         serialises writers of a one-file table

Every write goes to a temporary file in the same directory, is flushed to disk and then
renamed over the old file (``os.replace``): a reader sees the old or the new partition,
never half of one. Temporary files (``.tmp-<pid>-…``) never match ``part.parquet`` and are
never read; the ones a killed process left are removed by the next holder of the
participant's lock. What survives a crash, and how that is tested: docs/durability.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import signal
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Final

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines import schemas
from pipelines.schemas import TableSchema

PARTICIPANT_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
PART_FILE: Final = "part.parquet"
SINGLE_FILE: Final = "all.parquet"  # the one file of a ``single_file`` table (the roster)
TABLE_LOCK_PREFIX: Final = "_table-"  # never a participant id (those start alphanumeric)
PARALLEL_READ_FROM: Final = 16  # partitions; below this a plain loop is faster
TEMP_PREFIX: Final = ".tmp-"
_TEMP_PID: Final = re.compile(r"^\.tmp-(\d+)-")
# Tests only (tests/pipelines/test_crash_safety.py): with this set to n, the process kills
# itself (SIGKILL) at the n-th crash point — just before and just after each rename of a
# finished temporary file into place. Unset (always, outside those tests) it does nothing.
CRASH_AT_ENV: Final = "BACKTRACK_CRASH_AT"


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


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Store:
    """Files and tables under one data directory."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # -- raw files -------------------------------------------------------------------------
    def raw_path(self, participant: str, sha256: str, ext: str) -> Path:
        return self.root / "raw" / check_participant(participant) / f"{sha256}{ext}"

    def put_raw(self, participant: str, data: bytes, original_name: str) -> tuple[str, Path]:
        """Keep ``data`` content-addressed; returns its SHA-256 and path. Idempotent."""
        sha = sha256_hex(data)
        path = self.raw_path(participant, sha, _safe_ext(original_name))
        if not path.exists():
            _atomic_write_bytes(path, data)
        return sha, path

    def put_raw_file(self, participant: str, source: Path, original_name: str) -> tuple[str, Path]:
        """As :meth:`put_raw` for a file on disk, streamed: exports may be several GB."""
        digest = hashlib.sha256()
        folder = self.root / "raw" / check_participant(participant)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = _mkstemp(folder)
        try:
            with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    digest.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            path = self.raw_path(participant, digest.hexdigest(), _safe_ext(original_name))
            if path.exists():
                os.unlink(tmp)
            else:
                os.chmod(tmp, 0o600)
                _replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return digest.hexdigest(), path

    @contextlib.contextmanager
    def open_raw(self, path: Path) -> Iterator[BinaryIO]:
        """A stored raw file's original bytes, as a readable binary stream."""
        with open(path, "rb") as handle:
            yield handle

    def raw_files(self, participant: str) -> list[Path]:
        folder = self.root / "raw" / check_participant(participant)
        if not folder.exists():
            return []
        return sorted(p for p in folder.iterdir() if not p.name.startswith(TEMP_PREFIX))

    # -- tables ----------------------------------------------------------------------------
    def partition_path(self, table: str, participant: str) -> Path:
        return (
            self.root
            / "tables"
            / table
            / f"participant={check_participant(participant)}"
            / PART_FILE
        )

    def table_file(self, table: str) -> Path:
        """The one file of a ``single_file`` table (the roster)."""
        return self.root / "tables" / table / SINGLE_FILE

    def write(self, schema: TableSchema, participant: str, frame: pd.DataFrame) -> None:
        """Replace ``participant``'s partition of ``schema`` with ``frame`` (validated).

        For a ``single_file`` table, ``participant``'s rows in the one file are replaced
        (read, swap, atomic rewrite) under the table's lock."""
        if len(frame) and set(frame["participant"].unique()) != {participant}:
            raise schemas.SchemaError(
                f"{schema.name}: rows of other participants in the partition of {participant!r}"
            )
        table = schemas.to_arrow(schema, frame)
        if schema.single_file:
            check_participant(participant)
            with self._flock(self.root / "locks" / f"{TABLE_LOCK_PREFIX}{schema.name}.lock"):
                _remove_dead_temp_files([self.table_file(schema.name).parent])
                current = self._single_file_rows(schema)
                others = current.filter(pc.invert(pc.equal(current["participant"], participant)))
                combined = pa.concat_tables([others, table]).sort_by("participant")
                _atomic_write_table(combined, self.table_file(schema.name))
                for legacy in self._partition_files(schema.name):  # folded in above
                    legacy.unlink()
                    with contextlib.suppress(OSError):
                        legacy.parent.rmdir()
            return
        _atomic_write_table(table, self.partition_path(schema.name, participant))

    def read(
        self,
        schema: TableSchema,
        participants: Iterable[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The table (all participants, or only ``participants``) as a typed DataFrame;
        only ``columns`` (in schema order, ``participant`` always) when given — a narrow
        read decodes less."""
        if columns is not None:
            schema = schema.only(["participant", *columns])
        if schema.single_file:
            rows = self._single_file_rows(schema)
            if participants is not None:
                wanted = pa.array(sorted(set(participants)), type=pa.string())
                rows = rows.filter(pc.is_in(rows["participant"], value_set=wanted))
            return rows.to_pandas(types_mapper=schemas._pandas_type)
        if participants is None:
            paths = self._partition_files(schema.name)
        else:
            paths = [
                p
                for p in (self.partition_path(schema.name, pid) for pid in participants)
                if p.exists()
            ]
        if not paths:
            return schema.empty()
        combined = pa.concat_tables(self._read_files(schema, paths))
        return combined.to_pandas(types_mapper=schemas._pandas_type)

    def _partition_files(self, table: str) -> list[Path]:
        return sorted((self.root / "tables" / table).glob(f"participant=*/{PART_FILE}"))

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
        legacy = self._partition_files(schema.name)
        if legacy:
            held = set(tables[0]["participant"].to_pylist()) if tables else set()
            fresh = [p for p in legacy if p.parent.name.removeprefix("participant=") not in held]
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
            if schema.single_file and self.table_file(schema.name).exists():
                found.update(self._single_file_rows(schema)["participant"].to_pylist())
        raw = self.root / "raw"
        if raw.exists():
            found.update(p.name for p in raw.iterdir() if p.is_dir())
        return sorted(found)

    def mtime(self, table: str) -> float:
        """Latest modification time of any file of ``table`` (0 when none)."""
        paths = [*self._partition_files(table), self.table_file(table)]
        return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)

    # -- locks -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, participant: str) -> Iterator[None]:
        """Hold the participant's write lock (blocks while another process holds it).

        Taking it also removes the temporary files that dead writers (a killed ingest) left
        in the participant's raw folder and partitions."""
        with self._flock(self.root / "locks" / f"{check_participant(participant)}.lock"):
            partitions = (self.root / "tables").glob(f"*/participant={participant}")
            _remove_dead_temp_files([self.root / "raw" / participant, *partitions])
            yield

    @staticmethod
    @contextlib.contextmanager
    def _flock(path: Path) -> Iterator[None]:
        """An exclusive ``flock`` on ``path``: released by the kernel if the process dies."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


_EXT = re.compile(r"(\.[A-Za-z0-9]{1,8}){1,2}$")


def _safe_ext(name: str) -> str:
    """A short, safe extension from an uploaded name (``.fit``, ``.fit.gz``); never a path."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    match = _EXT.search(base)
    return match.group(0) if match and match.start() > 0 else ".bin"


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _mkstemp(path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _read_file(schema: TableSchema, path: Path) -> pa.Table:
    """One Parquet file as ``schema`` (its columns only; older files upgraded)."""
    try:
        table = pq.read_table(path, columns=schema.names)
    except pa.ArrowInvalid:  # written before one of the columns existed: upgrade fills it
        table = pq.read_table(path)
    return schemas.upgrade(schema, table)


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` through a temporary file, fsync, rename, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _mkstemp(path.parent, suffix=".parquet")
    try:
        with os.fdopen(fd, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _mkstemp(folder: Path, suffix: str = "") -> tuple[int, str]:
    """A temporary file named after this process, so that a survivor can tell it is stale."""
    return tempfile.mkstemp(dir=folder, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=suffix)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _remove_dead_temp_files(folders: Iterable[Path]) -> None:
    """Delete the temporary files in ``folders`` whose writing process no longer exists."""
    for folder in folders:
        for tmp in folder.glob(f"{TEMP_PREFIX}*") if folder.is_dir() else ():
            match = _TEMP_PID.match(tmp.name)
            if match and not _alive(int(match.group(1))):
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()


def _replace(tmp: str, path: Path) -> None:
    """Move the finished, fsynced ``tmp`` into place and make the rename durable."""
    _crash_point()
    os.replace(tmp, path)
    _crash_point()
    _fsync_dir(path.parent)


_crash_points_passed = 0


def _crash_point() -> None:
    """The test hook of ``CRASH_AT_ENV``; inert unless that variable is set."""
    at = os.environ.get(CRASH_AT_ENV)
    if not at:
        return
    global _crash_points_passed
    _crash_points_passed += 1
    if _crash_points_passed == int(at):
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
