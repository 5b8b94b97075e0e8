"""Safe expansion of uploads: zip archives (nested folders, nested zips) and gzip.

:func:`expand` turns one upload into its *leaves*: every file that is not itself a
container, with its decompressed bytes and the format detected from its content. Archives
are read in memory; nothing is ever written to disk, so member names (``../../x``,
absolute paths, odd encodings) are only ever used as display paths.

Every expansion runs under :class:`ArchiveLimits`, shared across the whole upload:

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
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from ingest.detect import GZIP, ZIP, detect_format
from ingest.records import RejectedFile, SkippedFile, UnusableFile

__all__ = [
    "DEFAULT_LIMITS",
    "ArchiveError",
    "ArchiveLimits",
    "ArchiveTooDeep",
    "CompressionRatioTooHigh",
    "CorruptArchive",
    "EncryptedMember",
    "Leaf",
    "MemberTooLarge",
    "TooManyMembers",
    "UnsupportedCompression",
    "UploadTooLarge",
    "expand",
]

MiB: Final = 1024 * 1024
_CHUNK: Final = 1 * MiB


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds on what one upload may expand to (see the module docstring)."""

    max_depth: int = 4
    max_members: int = 50_000
    max_member_bytes: int = 512 * MiB
    max_total_bytes: int = 2048 * MiB
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * MiB


DEFAULT_LIMITS: Final = ArchiveLimits()


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


class UnsupportedCompression(ArchiveError):
    """A zip member compressed with a method Python cannot decompress."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """One file found in an upload (or the upload itself when it is not a container).

    ``data`` is the member's own decompressed bytes, or None when the member was refused
    before being read (then ``size`` is the size the archive declares). ``error`` is set
    when the leaf could not be obtained; ``format`` is the detected content format.
    """

    path: str
    data: bytes | None
    size: int
    format: str | None
    error: UnusableFile | None = None


@dataclass(slots=True)
class _Budget:
    limits: ArchiveLimits
    members: int = 0
    total_bytes: int = 0


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
    limits = budget.limits
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        reason = f"corrupt zip archive: {error}"
        yield Leaf(path, data, len(data), ZIP, CorruptArchive(reason))
        return
    files = [info for info in infos if not info.is_dir()]
    if budget.members + len(files) > limits.max_members:
        yield Leaf(
            path,
            data,
            len(data),
            ZIP,
            TooManyMembers(
                f"zip archive holds {len(files)} files, more than the {limits.max_members} "
                "members an upload may hold in all"
            ),
        )
        return
    budget.members += len(files)
    with archive:
        for info in files:
            member_path = f"{path}/{info.filename}"
            yield from _zip_member(archive, info, member_path, depth=depth, budget=budget)


def _zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str, *, depth: int, budget: _Budget
) -> Iterator[Leaf]:
    limits = budget.limits
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
    budget.total_bytes += len(content)
    if len(content) > limits.ratio_floor_bytes and len(content) > limits.max_ratio * max(
        info.compress_size, 1
    ):
        yield Leaf(
            path,
            None,
            len(content),
            None,
            _ratio_error(len(content), info.compress_size, limits.max_ratio),
        )
        return
    yield from _expand(path, content, depth=depth + 1, budget=budget)


def _refuse_member(info: zipfile.ZipInfo, budget: _Budget) -> UnusableFile | None:
    """Why a member must not be read, judged from the archive directory alone."""
    limits = budget.limits
    name = info.filename.rsplit("/", 1)[-1]
    if info.filename.startswith("__MACOSX/") or name.startswith("._"):
        return SkippedFile("macOS resource-fork metadata, not a tracker file")
    if info.flag_bits & 0x1:
        return EncryptedMember("zip member is password-protected (encrypted); it cannot be read")
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
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise MemberTooLarge(
                        f"zip member decompresses to more than the {limit}-byte limit "
                        "for one file (its declared size is wrong)"
                    )
                parts.append(chunk)
    except NotImplementedError as error:
        raise UnsupportedCompression(
            f"zip member uses compression method {info.compress_type}, "
            f"which cannot be decompressed ({error})"
        ) from None
    except RuntimeError as error:  # zipfile raises this for encrypted members
        raise EncryptedMember(f"zip member cannot be read: {error}") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:
        raise CorruptArchive(f"corrupt zip member: {error}") from None
    return b"".join(parts)


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
