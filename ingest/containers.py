"""Safe expansion of uploads: zip archives (nested folders, nested zips) and gzip.

:func:`expand` turns one upload into its *leaves*: every file that is not itself a
container, with its decompressed bytes and the format detected from its content. Archives
are read in memory; nothing is ever written to disk, so member names (``../../x``,
absolute paths, odd encodings) are only ever used as display paths.

Every expansion runs under :class:`ArchiveLimits` (their values: :mod:`ingest.limits`),
shared across the whole upload:

* ``max_depth`` - how many containers may be nested, the upload itself included
  (``export.zip`` → ``part1.zip`` → ``walk.fit.gz`` is depth 3);
* ``max_members`` - members across all archives of the upload;
* ``max_member_bytes`` - the decompressed size of any one member;
* ``max_total_bytes`` - decompressed bytes across the upload;
* ``max_ratio`` - decompressed/compressed size of a member, enforced once the member is
  larger than ``ratio_floor_bytes`` (small, very repetitive files are harmless).

A limit that is hit becomes an error leaf with a specific :class:`ArchiveError` subclass
(and a reason saying which limit, the value and the limit) for the member or archive
concerned; the other members are still expanded. Sizes are checked from the archive's
directory before anything is decompressed, and again while decompressing (directories
can lie), so a zip bomb costs at most one limit's worth of work.

Streaming from disk
    :func:`expand_path` opens an upload stored on disk instead of held in memory, for
    exports of several GB (Apple Health's ``export.xml``). A file no larger than
    ``stream_threshold_bytes`` is read and expanded exactly as :func:`expand` would. A
    larger plain file, and a larger zip member that is not itself an archive, is *not*
    kept: it is decompressed once, in chunks, to detect its format (first
    ``SNIFF_BYTES``), measure it and hash it (SHA-256), and becomes a :class:`Leaf` with
    ``data=None`` and an ``opener`` that decompresses it again on demand. The limits hold
    while streaming (decompressed bytes are counted as they come): ``max_ratio`` as for
    any member, and ``max_streamed_bytes`` - the streamed bytes of one upload in all -
    instead of the in-memory ``max_member_bytes`` / ``max_total_bytes``. Archives nested in
    the zip, and gzip files, are still opened in memory (within ``max_member_bytes``).
"""

from __future__ import annotations

import hashlib
import io
import lzma
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from ingest.detect import GZIP, SNIFF_BYTES, ZIP, detect_format
from ingest.limits import DEFAULT_LIMITS, ArchiveLimits
from ingest.records import RejectedFile, SkippedFile, UnusableFile

__all__ = [
    "DEFAULT_LIMITS",
    "ArchiveError",
    "ArchiveLimits",
    "ArchiveTooDeep",
    "CompressionRatioTooHigh",
    "CorruptArchive",
    "EncryptedMember",
    "FileOpener",
    "Leaf",
    "MemberTooLarge",
    "TooManyMembers",
    "UnsupportedCompression",
    "UploadTooLarge",
    "ZipMemberOpener",
    "expand",
    "expand_path",
]

MiB: Final = 1024 * 1024
_CHUNK: Final = 1 * MiB


class ArchiveError(RejectedFile):
    """An archive, or a member of one, that could not be (safely) expanded."""


class ArchiveTooDeep(ArchiveError):
    """Containers nested deeper than ``max_depth``."""


class TooManyMembers(ArchiveError):
    """More members than ``max_members`` across the upload."""


class MemberTooLarge(ArchiveError):
    """One member decompresses to more than ``max_member_bytes``."""


class UploadTooLarge(ArchiveError):
    """The upload decompresses to more than ``max_total_bytes`` in all."""


class CompressionRatioTooHigh(ArchiveError):
    """A member compressed more than ``max_ratio`` : 1 (the mark of a zip bomb)."""


class CorruptArchive(ArchiveError):
    """Not a readable archive: bad directory, bad CRC, truncated stream, ..."""


class EncryptedMember(ArchiveError):
    """A password-protected zip member."""


class UnsafeMemberPath(ArchiveError):
    """A member whose name would escape a folder it were extracted to (zip-slip)."""


def unsafe_member_path(filename: str) -> UnsafeMemberPath | None:
    """A zip-slip name (absolute, a drive letter, or a ``..`` component) is refused: backtrack
    never extracts members, but an archive built to escape a folder is hostile, and its
    contents are not trusted either."""
    normalised = filename.replace("\\", "/")
    parts = normalised.split("/")
    if (
        normalised.startswith("/")
        or (len(normalised) > 1 and normalised[1] == ":")
        or (".." in parts)
    ):
        return UnsafeMemberPath(
            f"zip member name {filename!r} points outside the archive (a zip-slip attack "
            "pattern); the member was not read"
        )
    return None


class UnsupportedCompression(ArchiveError):
    """A zip member compressed with a method Python cannot decompress."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """One file found in an upload (or the upload itself when it is not a container).

    ``data`` is the member's own decompressed bytes, or None when the member was refused
    before being read (then ``size`` is the size the archive declares). ``error`` is set
    when the leaf could not be obtained; ``format`` is the detected content format.

    A leaf streamed by :func:`expand_path` has ``data=None`` and an ``opener``: calling
    it returns a fresh binary stream of the content (the file, or the zip member
    decompressed again), which raises :class:`MemberTooLarge` should the content on disk
    have grown since. Its ``sha256`` (hex) was computed while streaming; for other leaves
    it is None and the digest is taken from ``data``. The opener names the file on disk,
    never its bytes, so such a leaf pickles small and can be read in any process on the
    same machine - as long as the file stays where it is. The pipeline reads streamed
    leaves in its main process (they are few and large, and parsing them needs no
    worker); leaves with ``data`` are the ones sent to worker processes.
    """

    path: str
    data: bytes | None
    size: int
    format: str | None
    error: UnusableFile | None = None
    opener: Callable[[], BinaryIO] | None = None
    sha256: str | None = None


@dataclass(slots=True)
class _Budget:
    limits: ArchiveLimits
    members: int = 0
    total_bytes: int = 0
    streamed_bytes: int = 0


def expand(name: str, data: bytes, limits: ArchiveLimits = DEFAULT_LIMITS) -> Iterator[Leaf]:
    """The leaves of the upload ``name`` with content ``data``, in archive order.

    Never raises for bad input: every problem is a leaf with ``error`` set.
    """
    budget = _Budget(limits)
    yield from _expand(name, data, depth=0, budget=budget)


def _expand(path: str, data: bytes, *, depth: int, budget: _Budget) -> Iterator[Leaf]:
    kind = detect_format(data)
    if kind not in (ZIP, GZIP):
        yield Leaf(path, data, len(data), kind)
        return
    if depth >= budget.limits.max_depth:
        yield Leaf(
            path,
            data,
            len(data),
            kind,
            ArchiveTooDeep(
                f"{kind} archive nested {depth + 1} levels deep; "
                f"at most {budget.limits.max_depth} levels are opened"
            ),
        )
        return
    if kind == GZIP:
        try:
            inner = _gunzip(data, budget)
        except ArchiveError as error:
            yield Leaf(path, data, len(data), kind, error)
            return
        yield from _expand(path, inner, depth=depth + 1, budget=budget)
        return
    yield from _expand_zip(path, data, depth=depth, budget=budget)


def _expand_zip(path: str, data: bytes, *, depth: int, budget: _Budget) -> Iterator[Leaf]:
    opened = _open_zip(io.BytesIO(data))
    if isinstance(opened, ArchiveError):
        yield Leaf(path, data, len(data), ZIP, opened)
        return
    archive, infos = opened
    files = _counted_files(infos, budget)
    if isinstance(files, UnusableFile):
        yield Leaf(path, data, len(data), ZIP, files)
        return
    with archive:
        for info in files:
            member_path = f"{path}/{info.filename}"
            yield from _zip_member(archive, info, member_path, depth=depth, budget=budget)


def _open_zip(
    source: BinaryIO | Path,
) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]] | ArchiveError:
    """The zip archive and its directory, or why it cannot be opened."""
    try:
        archive = zipfile.ZipFile(source)
        return archive, archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        return CorruptArchive(f"corrupt zip archive: {error}")
    except NotImplementedError as error:  # "zip file version 25.5" in the directory
        return _unsupported_archive(error)


def _counted_files(
    infos: list[zipfile.ZipInfo], budget: _Budget
) -> list[zipfile.ZipInfo] | UnusableFile:
    """The archive's files (not its folders), counted against the upload's members; or
    why none is read: the archive is empty, or holds more members than an upload may."""
    files = [info for info in infos if not info.filename.endswith("/")]  # is_dir() fails on ""
    if not files:
        return _empty_archive(infos)
    limit = budget.limits.max_members
    if budget.members + len(files) > limit:
        return TooManyMembers(
            f"zip archive holds {len(files)} files, more than the {limit} "
            "members an upload may hold in all"
        )
    budget.members += len(files)
    return files


def _unsupported_archive(error: NotImplementedError) -> UnsupportedCompression:
    return UnsupportedCompression(
        f"zip archive cannot be opened: its directory asks for a zip feature that cannot be "
        f"read ({error}); save it again with a standard zip program"
    )


def _empty_archive(infos: list[zipfile.ZipInfo]) -> SkippedFile:
    """A zip without a single file: nothing to read, but never silently nothing at all."""
    folders = f" (only {len(infos)} empty folder(s))" if infos else ""
    return SkippedFile(f"empty zip archive: it holds no files{folders}")


def _zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str, *, depth: int, budget: _Budget
) -> Iterator[Leaf]:
    declared = info.file_size
    refusal = _refuse_member(info, budget)
    if refusal is not None:
        yield Leaf(path, None, declared, None, refusal)
        return
    try:
        content = _read_member(archive, info, budget)
    except ArchiveError as error:
        yield Leaf(path, None, declared, None, error)
        return
    yield from _expand_read_member(path, info, content, depth=depth + 1, budget=budget)


def _expand_read_member(
    path: str, info: zipfile.ZipInfo, content: bytes, *, depth: int, budget: _Budget
) -> Iterator[Leaf]:
    """A member read into memory: counted against the budget, checked for its real
    compression ratio (the directory may lie), then expanded like any upload."""
    limits = budget.limits
    budget.total_bytes += len(content)
    if len(content) > limits.ratio_floor_bytes and len(content) > limits.max_ratio * max(
        info.compress_size, 1
    ):
        error = _ratio_error(len(content), info.compress_size, limits.max_ratio)
        yield Leaf(path, None, len(content), None, error)
        return
    yield from _expand(path, content, depth=depth, budget=budget)


def _refuse_by_name_or_flags(info: zipfile.ZipInfo) -> UnusableFile | None:
    """Refusals that hold whatever the member's size: zip-slip names, macOS metadata,
    encryption."""
    unsafe = unsafe_member_path(info.filename)
    if unsafe is not None:
        return unsafe
    name = info.filename.rsplit("/", 1)[-1]
    if info.filename.startswith("__MACOSX/") or name.startswith("._"):
        return SkippedFile("macOS resource-fork metadata, not a tracker file")
    if info.flag_bits & 0x1:
        return EncryptedMember("zip member is password-protected (encrypted); it cannot be read")
    return None


def _refuse_member(info: zipfile.ZipInfo, budget: _Budget) -> UnusableFile | None:
    """Why a member must not be read, judged from the archive directory alone."""
    limits = budget.limits
    refusal = _refuse_by_name_or_flags(info)
    if refusal is not None:
        return refusal
    if info.file_size > limits.max_member_bytes:
        return MemberTooLarge(
            f"zip member decompresses to {info.file_size} bytes, more than the "
            f"{limits.max_member_bytes}-byte limit for one file"
        )
    if budget.total_bytes + info.file_size > limits.max_total_bytes:
        return UploadTooLarge(
            f"the upload would decompress to more than {limits.max_total_bytes} bytes in all; "
            "this member was not read"
        )
    if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        return _ratio_error(info.file_size, info.compress_size, limits.max_ratio)
    return None


def _ratio_error(size: int, compressed: int, limit: float) -> CompressionRatioTooHigh:
    ratio = size / max(compressed, 1)
    return CompressionRatioTooHigh(
        f"{size} bytes compressed into {compressed} (ratio {ratio:.0f}:1, above the "
        f"{limit:.0f}:1 limit): refused as a likely zip bomb"
    )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    """The member's bytes, read in chunks and never beyond the member limit."""
    limit = budget.limits.max_member_bytes
    parts: list[bytes] = []
    total = 0
    for chunk in _member_chunks(archive, info):
        total += len(chunk)
        if total > limit:
            raise MemberTooLarge(
                f"zip member decompresses to more than the {limit}-byte limit "
                "for one file (its declared size is wrong)"
            )
        parts.append(chunk)
    return b"".join(parts)


def _member_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's decompressed bytes in chunks; failures become ArchiveErrors."""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk
    except NotImplementedError as error:
        raise UnsupportedCompression(
            f"zip member uses compression method {info.compress_type}, "
            f"which cannot be decompressed ({error})"
        ) from None
    except RuntimeError as error:  # zipfile raises this for encrypted members
        raise EncryptedMember(f"zip member cannot be read: {error}") from None
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, ValueError) as error:
        raise CorruptArchive(f"corrupt zip member: {error}") from None


def _gunzip(data: bytes, budget: _Budget) -> bytes:
    """Decompress a gzip stream (members concatenated are joined) within the limits."""
    limits = budget.limits
    parts: list[bytes] = []
    total = 0
    pending = data
    while pending[:2] == b"\x1f\x8b":
        decompressor = zlib.decompressobj(wbits=31)
        try:
            while not decompressor.eof:
                chunk = decompressor.decompress(pending, _CHUNK)
                pending = decompressor.unconsumed_tail
                if not chunk and not pending:
                    raise CorruptArchive(
                        f"truncated gzip stream: it ends after {len(data)} bytes, "
                        f"{total} bytes decompressed"
                    )
                total += len(chunk)
                if total > limits.max_member_bytes:
                    raise MemberTooLarge(
                        f"gzip stream decompresses to more than the {limits.max_member_bytes}"
                        "-byte limit for one file"
                    )
                if budget.total_bytes + total > limits.max_total_bytes:
                    raise UploadTooLarge(
                        f"the upload would decompress to more than {limits.max_total_bytes} "
                        "bytes in all"
                    )
                if total > limits.ratio_floor_bytes and total > limits.max_ratio * len(data):
                    raise _ratio_error(total, len(data), limits.max_ratio)
                parts.append(chunk)
        except zlib.error as error:
            raise CorruptArchive(f"corrupt gzip stream: {error}") from None
        pending = decompressor.unused_data
    budget.total_bytes += total
    return b"".join(parts)


# ------------------------------------------------------------------ streaming from disk


def expand_path(name: str, path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> Iterator[Leaf]:
    """The leaves of the upload ``name`` stored at ``path``, in archive order, streaming
    what is larger than ``limits.stream_threshold_bytes`` (see the module docstring).

    Where nothing exceeds that threshold - a small plain file, or a zip whose members
    all decompress within it - the leaves are those of ``expand(name, path.read_bytes())``
    (a zip's own error leaf then has ``data=None`` and its ``sha256`` set instead).
    Never raises for bad input; an unreadable ``path`` raises OSError.
    """
    budget = _Budget(limits)
    size = path.stat().st_size
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    kind = detect_format(head)
    if kind == ZIP:
        yield from _expand_zip_file(name, path, size, budget)
    elif size <= limits.stream_threshold_bytes or kind == GZIP:
        yield from _expand(name, path.read_bytes(), depth=0, budget=budget)
    else:
        digest = _file_sha256(path)
        yield Leaf(name, None, size, kind, opener=FileOpener(str(path), size), sha256=digest)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _expand_zip_file(name: str, path: Path, size: int, budget: _Budget) -> Iterator[Leaf]:
    """As :func:`_expand_zip` for the upload itself, the archive read from disk."""
    opened = _open_zip(path)
    if isinstance(opened, ArchiveError):
        yield Leaf(name, None, size, ZIP, opened, sha256=_file_sha256(path))
        return
    archive, infos = opened
    files = _counted_files(infos, budget)
    if isinstance(files, UnusableFile):
        archive.close()
        yield Leaf(name, None, size, ZIP, files, sha256=_file_sha256(path))
        return
    with archive:
        for info in files:
            member_path = f"{name}/{info.filename}"
            yield from _stream_member(archive, info, member_path, path, budget)


def _stream_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    path: str,
    archive_path: Path,
    budget: _Budget,
) -> Iterator[Leaf]:
    """One member of a zip on disk: held and expanded as in memory when small, else
    measured, hashed and handed out as a streamed leaf."""
    limits = budget.limits
    declared = info.file_size
    if declared <= limits.stream_threshold_bytes:
        refusal = _refuse_member(info, budget)
    else:
        refusal = _refuse_streamed(info, budget)
    if refusal is not None:
        yield Leaf(path, None, declared, None, refusal)
        return
    try:
        measured = _measure_member(archive, info, budget)
    except ArchiveError as error:
        yield Leaf(path, None, declared, None, error)
        return
    if measured.content is not None:  # small: exactly what the in-memory path does
        yield from _expand_read_member(path, info, measured.content, depth=1, budget=budget)
        return
    kind = detect_format(measured.head)
    if kind in (ZIP, GZIP):  # a large archive inside the zip: opened in memory
        refusal = _refuse_member(info, budget)
        if refusal is None and measured.size > limits.max_member_bytes:
            refusal = MemberTooLarge(
                f"zip member decompresses to {measured.size} bytes, more than the "
                f"{limits.max_member_bytes}-byte limit for an archive inside an archive"
            )
        if refusal is not None:
            yield Leaf(path, None, measured.size, None, refusal)
            return
        try:
            content = _read_member(archive, info, budget)
        except ArchiveError as error:
            yield Leaf(path, None, declared, None, error)
            return
        budget.total_bytes += len(content)
        yield from _expand(path, content, depth=1, budget=budget)
        return
    budget.streamed_bytes += measured.size
    opener = ZipMemberOpener(str(archive_path), info.header_offset, measured.size)
    yield Leaf(path, None, measured.size, kind, opener=opener, sha256=measured.sha256)


def _refuse_streamed(info: zipfile.ZipInfo, budget: _Budget) -> UnusableFile | None:
    """As :func:`_refuse_member` for a member too large to hold: judged against the
    streaming budget instead of the in-memory limits."""
    limits = budget.limits
    refusal = _refuse_by_name_or_flags(info)
    if refusal is not None:
        return refusal
    if budget.streamed_bytes + info.file_size > limits.max_streamed_bytes:
        return UploadTooLarge(
            f"the upload's large files would decompress to more than "
            f"{limits.max_streamed_bytes} bytes in all; this member was not read"
        )
    if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        return _ratio_error(info.file_size, info.compress_size, limits.max_ratio)
    return None


@dataclass(frozen=True, slots=True)
class _Measured:
    size: int
    sha256: str
    head: bytes
    content: bytes | None  # the bytes, when within the stream threshold


def _measure_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> _Measured:
    """Decompress a member once, in chunks: its size, SHA-256 and first bytes, and its
    bytes too when it stays within the stream threshold. Limits are checked as the
    bytes come: within the threshold as :func:`_read_member` does, beyond it the ratio
    and the streaming budget. (Python's zipfile also stops at the size the directory
    declares and then fails the CRC, so a directory that understates a bomb's size gets
    a CorruptArchive after that many bytes.)"""
    limits = budget.limits
    compressed = max(info.compress_size, 1)
    digest = hashlib.sha256()
    # held only while it may stay within the threshold (the directory's size says so)
    parts: list[bytes] | None = [] if info.file_size <= limits.stream_threshold_bytes else None
    head = b""
    total = 0
    for chunk in _member_chunks(archive, info):
        total += len(chunk)
        digest.update(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        if parts is not None:
            if total <= limits.stream_threshold_bytes:
                if total > limits.max_member_bytes:
                    raise MemberTooLarge(
                        f"zip member decompresses to more than the {limits.max_member_bytes}"
                        "-byte limit for one file (its declared size is wrong)"
                    )
                parts.append(chunk)
                continue
            parts = None  # from here on the member is streamed, not held
        if total > limits.ratio_floor_bytes and total > limits.max_ratio * compressed:
            raise _ratio_error(total, compressed, limits.max_ratio)
        if budget.streamed_bytes + total > limits.max_streamed_bytes:
            raise UploadTooLarge(
                f"the upload's large files decompress to more than "
                f"{limits.max_streamed_bytes} bytes in all; this member was not read to its end"
            )
    content = None if parts is None else b"".join(parts)
    return _Measured(total, digest.hexdigest(), head, content)


class _CountedStream(io.RawIOBase):
    """A read-only stream that refuses to deliver more than ``size`` bytes (the content
    measured when the leaf was made) and closes what it was opened from."""

    def __init__(self, inner: BinaryIO, size: int, *also_close: object) -> None:
        super().__init__()
        self._inner = inner
        self._size = size
        self._read = 0
        self._also_close = also_close

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._inner.read(len(buffer))
        self._read += len(chunk)
        if self._read > self._size:
            raise MemberTooLarge(
                f"the file now holds more than the {self._size} bytes measured when the "
                "upload was opened; it changed on disk"
            )
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
            for other in self._also_close:
                close = getattr(other, "close", None)
                if close is not None:
                    close()
        super().close()


@dataclass(frozen=True, slots=True)
class FileOpener:
    """Opens a streamed leaf that is a whole file on disk (picklable)."""

    path: str
    size: int

    def __call__(self) -> BinaryIO:
        return io.BufferedReader(_CountedStream(open(self.path, "rb"), self.size), _CHUNK)


@dataclass(frozen=True, slots=True)
class ZipMemberOpener:
    """Opens a streamed leaf that is a member of a zip archive on disk (picklable). The
    member is found by its local header offset: names may repeat inside one archive."""

    archive_path: str
    header_offset: int
    size: int

    def __call__(self) -> BinaryIO:
        archive = zipfile.ZipFile(self.archive_path)
        try:
            info = next(i for i in archive.infolist() if i.header_offset == self.header_offset)
            member = archive.open(info)
        except (StopIteration, zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
            archive.close()
            raise CorruptArchive(
                "the zip member can no longer be found in its archive; the archive changed on disk"
            ) from None
        stream = _ZipMemberStream(member, self.size, archive)  # type: ignore[arg-type]
        return io.BufferedReader(stream, _CHUNK)


class _ZipMemberStream(_CountedStream):
    """A zip member's stream whose decompression errors are :class:`CorruptArchive`."""

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            return super().readinto(buffer)
        except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError) as error:
            raise CorruptArchive(f"corrupt zip member: {error}") from None
