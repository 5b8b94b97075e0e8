"""The public entry point: one upload (name + bytes) → one result per data file in it.

:func:`read_upload` expands archives (:mod:`ingest.containers`), detects every member's
format by content (:mod:`ingest.detect`) and hands it to the reader for that format
(:data:`READERS`). It is a pure function of its arguments, returns results in a
deterministic order (archive order, depth first) and never raises for bad input: every
failure is a :class:`MemberResult` whose ``error`` says what was wrong.

File names are never used to choose a reader. They only sharpen an error: a member whose
content is not recognised but whose name ends in ``.fit`` is handed to the FIT reader so
that the reason says *why* it is not a FIT file (bad header, not a FIT file, ...).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ingest.containers import DEFAULT_LIMITS, ArchiveLimits, Leaf, expand
from ingest.detect import FIT, SNIFFERS
from ingest.fit import parse_fit
from ingest.records import ParsedFile, RejectedFile, SkippedFile, UnusableFile

__all__ = ["READERS", "MemberResult", "read_leaf", "read_upload", "upload_leaves"]

READERS: Final[dict[str, Callable[[bytes], ParsedFile]]] = {FIT: parse_fit}
"""Format name (as :func:`ingest.detect.detect_format` returns it) → reader."""

_TRACKER_SUFFIXES: Final = (".fit",)
"""Name endings that announce a tracker file (only used to phrase errors)."""

_EXTENSION_READERS: Final[dict[str, str]] = {".fit": FIT}


@dataclass(frozen=True, slots=True)
class MemberResult:
    """What one file of an upload yielded.

    ``path`` is the display path inside the upload ("walk.fit",
    "export.zip/DI_CONNECT/x.fit.gz"); ``sha256`` and ``size`` describe the member's own
    decompressed bytes (``sha256`` is "" when the member was refused unread, e.g. a zip
    bomb, and ``size`` is then the size the archive declared). Exactly one of ``parsed``
    and ``error`` is set.
    """

    path: str
    sha256: str
    size: int
    format: str | None
    parsed: ParsedFile | None
    error: UnusableFile | None


def read_upload(
    name: str, data: bytes, *, limits: ArchiveLimits = DEFAULT_LIMITS
) -> list[MemberResult]:
    """Read every data file of the upload ``name`` (a FIT file, a zip, a ``.gz``, ...)."""
    leaves = upload_leaves(name, data, limits=limits)
    if isinstance(leaves, MemberResult):
        return [leaves]
    return [read_leaf(leaf, inside_archive) for leaf, inside_archive in leaves]


def upload_leaves(
    name: str, data: bytes, *, limits: ArchiveLimits = DEFAULT_LIMITS
) -> list[tuple[Leaf, bool]] | MemberResult:
    """The files inside an upload, each with whether it came from inside an archive —
    or, when the upload cannot be opened at all, the result saying why. Reading the
    leaves one by one with :func:`read_leaf` gives exactly :func:`read_upload`'s result
    (so a caller may read them in parallel)."""
    try:
        return [(leaf, leaf.path != name) for leaf in expand(name, data, limits)]
    except Exception as error:  # a bug in expansion: report it on the upload, do not raise
        return MemberResult(
            path=name,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            format=None,
            parsed=None,
            error=RejectedFile(
                f"could not be read: unexpected {type(error).__name__} while opening the "
                f"upload ({error}); please report this file"
            ),
        )


def read_leaf(leaf: Leaf, inside_archive: bool) -> MemberResult:
    """Read one file found by :func:`upload_leaves`; never raises for bad input."""
    return _read_leaf(leaf, inside_archive=inside_archive)


def _read_leaf(leaf: Leaf, *, inside_archive: bool) -> MemberResult:
    digest = "" if leaf.data is None else hashlib.sha256(leaf.data).hexdigest()

    def result(parsed: ParsedFile | None, error: UnusableFile | None) -> MemberResult:
        return MemberResult(leaf.path, digest, leaf.size, leaf.format, parsed, error)

    if leaf.error is not None or leaf.data is None:
        return result(None, leaf.error or RejectedFile("member could not be read"))
    reader_format = leaf.format if leaf.format in READERS else None
    if reader_format is None:
        unknown = _unknown_content(leaf.path, leaf.data, inside_archive=inside_archive)
        if isinstance(unknown, UnusableFile):
            return result(None, unknown)
        reader_format = unknown
    try:
        return result(READERS[reader_format](leaf.data), None)
    except UnusableFile as error:
        return result(None, error)
    except Exception as error:  # a bug in a reader: never let one file break the upload
        return result(
            None,
            RejectedFile(
                f"could not be read: unexpected {type(error).__name__} in the {reader_format} "
                f"reader ({error}); please report this file"
            ),
        )


def _unknown_content(path: str, data: bytes, *, inside_archive: bool) -> str | UnusableFile:
    """For content no reader claims: a reader to phrase the error (by name), or the error."""
    lowered = path.lower()
    tracker_named = lowered.endswith(_TRACKER_SUFFIXES)
    if not data:
        if tracker_named or not inside_archive:
            return RejectedFile("empty file (0 bytes)")
        return SkippedFile("empty file, not a tracker file")
    for suffix, reader in _EXTENSION_READERS.items():
        if lowered.endswith(suffix):
            return reader
    known = ", ".join(name for name, _ in SNIFFERS)
    if inside_archive:
        return SkippedFile(f"not a tracker file (its content is none of: {known})")
    return RejectedFile(f"unrecognised file format: its content is none of: {known}")
