"""Every limit on what one upload may cost - the one place their values live.

Three layers, checked in this order (docs/formats.md, "Limits", lists the values):

:class:`UploadLimits`
    The files a person uploads at once, judged by their sizes alone, before a byte is read
    or stored: the size of one file, the number of files and their total size, and the size
    of a diary file. :meth:`UploadLimits.refusals` is the rule; ``pipelines.app.uploads.admit``
    applies it to every upload, files on disk (the CLI, the inbox) and files held in memory
    (the dashboard's upload page) alike.
:class:`ArchiveLimits`
    What one uploaded file may expand to (``ingest.containers``): nesting depth, members,
    decompressed bytes per member and in all, compression ratio, streamed bytes.
:class:`RecordLimits`
    What the records a reader returns may say (``ingest.read``): dates, durations, step
    counts, offsets, and how many step minutes one file may spread into. Records beyond
    them are left out with a warning; a file left with nothing is rejected.

Pure and cheap to import (no reader is loaded): the dashboard process reads these values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

__all__ = [
    "DEFAULT_LIMITS",
    "RECORD_LIMITS",
    "UPLOAD_LIMITS",
    "ArchiveLimits",
    "RecordLimits",
    "UploadLimits",
    "shown_bytes",
]

MiB: Final = 1024 * 1024
GiB: Final = 1024 * MiB


def shown_bytes(size: int) -> str:
    """A size as a person reads it, exact bytes included: ``5.0 GiB (5368709120 bytes)``."""
    for unit, factor in (("GiB", GiB), ("MiB", MiB), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit} ({size} bytes)"
    return f"{size} bytes"


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """Bounds on one upload (the files sent at once), checked before anything is read.

    A file beyond them is refused on its own - named, with the limit and its value - and
    is neither read nor stored; the other files of the upload go on. Files count in the
    order they were given: the first ``max_files`` files within the size limits are taken,
    and a file that would take the upload past ``max_upload_bytes`` is refused while later,
    smaller files may still fit.
    """

    max_file_bytes: int = 4 * GiB  # one uploaded file (an Apple Health export.zip fits)
    max_upload_bytes: int = 8 * GiB  # the files of one upload together
    max_files: int = 2000  # files in one upload (a watch's whole FIT folder fits)
    max_diary_bytes: int = 20_000_000  # one diary file (years of daily rows are < 1 MB)

    def file_refusal(self, size: int) -> str | None:
        """Why one uploaded file of ``size`` bytes is refused whatever else comes with it."""
        if size <= self.max_file_bytes:
            return None
        return (
            f"file of {shown_bytes(size)} is larger than the "
            f"{shown_bytes(self.max_file_bytes)} limit for one uploaded file; it was neither "
            "read nor stored"
        )

    def refusals(self, sizes: Sequence[tuple[str, int]]) -> list[str | None]:
        """For each ``(name, size in bytes)`` in upload order: why it is refused, or None."""
        reasons: list[str | None] = []
        taken = taken_bytes = 0
        for _, size in sizes:
            reason = self.file_refusal(size) or self._batch_refusal(
                size, len(sizes), taken, taken_bytes
            )
            if reason is None:
                taken += 1
                taken_bytes += size
            reasons.append(reason)
        return reasons

    def _batch_refusal(self, size: int, files: int, taken: int, taken_bytes: int) -> str | None:
        if taken >= self.max_files:
            return (
                f"the upload holds {files} files, more than the {self.max_files} one upload "
                f"may hold: {self.max_files} were taken, this one was neither read nor stored; "
                "upload it again separately"
            )
        if taken_bytes + size > self.max_upload_bytes:
            return (
                f"with this file ({shown_bytes(size)}) the upload would hold "
                f"{shown_bytes(taken_bytes + size)}, more than the "
                f"{shown_bytes(self.max_upload_bytes)} limit for one upload; it was neither "
                "read nor stored: upload it again separately"
            )
        return None

    def diary_refusal(self, size: int) -> str | None:
        """Why a diary file of ``size`` bytes is refused unread, or None."""
        if size <= self.max_diary_bytes:
            return None
        return (
            f"file of {shown_bytes(size)} is far too large for a diary (at most "
            f"{shown_bytes(self.max_diary_bytes)}); it was neither read nor stored"
        )


UPLOAD_LIMITS: Final = UploadLimits()


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds on what one uploaded file may expand to (see ``ingest.containers``)."""

    max_depth: int = 4
    max_members: int = 50_000
    max_member_bytes: int = 512 * MiB
    max_total_bytes: int = 2048 * MiB
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * MiB
    stream_threshold_bytes: int = 32 * MiB  # expand_path: larger files are streamed, not held
    max_streamed_bytes: int = 16 * 1024 * MiB  # expand_path: streamed bytes of one upload


DEFAULT_LIMITS: Final = ArchiveLimits()


@dataclass(frozen=True, slots=True)
class RecordLimits:
    """Bounds on the records of one file (see ``ingest.read``).

    Dates: no tracker recorded anything before 1990 (a clock never set reads 1901 or
    1989), and a date after 2099 is a wrong clock or a typo; both would also break the
    tables' time arithmetic. A session longer than a week, a step interval longer than a
    day, more steps than the tables' 32-bit counts hold, an offset beyond ±18 h: no device
    writes them. ``max_step_minutes`` bounds the minutes one file's step intervals are
    spread over (≈ 38 years of one device's every minute), so one file cannot make the
    pipeline build billions of rows.
    """

    earliest: datetime = datetime(1990, 1, 1, tzinfo=UTC)
    latest: datetime = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive
    max_session_s: float = 7 * 86400.0
    max_interval_s: float = 86400.0
    max_steps: int = 2**31 - 1
    max_offset_s: int = 18 * 3600
    max_step_minutes: int = 20_000_000


RECORD_LIMITS: Final = RecordLimits()
