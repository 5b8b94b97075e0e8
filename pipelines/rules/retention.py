"""The retention rule of the raw store, and which uploads a reprocess replays: pure.

Retention (off unless configured: ``BACKTRACK_RAW_RETENTION_DAYS``, ``backtrack raw purge
--older-than-days N``): a raw file is deleted once ``N`` days have passed since its upload
was recorded in the manifest (``files.ingested_at``, the latest of its rows: an archive
has one per member). A raw file the manifest does not know — stored by an ingest that was
killed before it recorded the upload — is never due: the rerun needs it. The tables keep
everything the file yielded; only reprocessing it is no longer possible
(docs/encryption.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd


@dataclass(frozen=True, slots=True)
class StoredUploadRow:
    """One upload as the manifest has it: the raw file's hash, the name it arrived under,
    and when it was recorded."""

    upload_sha256: str
    name: str
    ingested_at: datetime


def raw_sha(path: Path) -> str:
    """The SHA-256 a raw file is named after (``<sha256>.<ext>``)."""
    return path.name.split(".", 1)[0]


def upload_name(original_name: str) -> str:
    """The name an upload arrived under, from the name of one of its members
    (``<upload>/<path in the archive>``; a plain file is its own member)."""
    return original_name.split("/", 1)[0]


def uploads(manifest: pd.DataFrame) -> list[StoredUploadRow]:
    """Every upload of ``manifest`` (one participant's), in the order they were recorded,
    each with the latest ``ingested_at`` of its rows."""
    if manifest.empty:
        return []
    rows = manifest.assign(upload_name=[upload_name(str(n)) for n in manifest["original_name"]])
    # sort=False: the groups in the order of their first rows
    grouped = rows.groupby(["upload_sha256", "upload_name"], sort=False).agg(
        ingested_at=("ingested_at", "max")
    )
    return [
        StoredUploadRow(str(sha), str(name), pd.Timestamp(at).to_pydatetime())
        for (sha, name), at in zip(grouped.index, grouped["ingested_at"], strict=True)
    ]


@dataclass(frozen=True, slots=True)
class DueFile:
    path: Path
    name: str  # the name it arrived under (the first, should it have come under several)
    ingested_at: datetime  # recorded in the manifest (the latest of its rows)


def due(
    manifest: pd.DataFrame, raw_files: Sequence[Path], now: datetime, days: int
) -> list[DueFile]:
    """The raw files of one participant that the retention rule deletes at ``now``: those
    whose upload the manifest recorded ``days`` days ago or earlier."""
    if days < 0:
        raise ValueError(f"retention must be 0 or more days, not {days}")
    cutoff = now - timedelta(days=days)
    recorded: dict[str, StoredUploadRow] = {}
    for row in uploads(manifest):  # in order: the first name an upload came under stays
        first = recorded.setdefault(row.upload_sha256, row)
        if row.ingested_at > first.ingested_at:
            recorded[row.upload_sha256] = replace(first, ingested_at=row.ingested_at)
    found = []
    for path in raw_files:
        upload = recorded.get(raw_sha(path))
        if upload is not None and upload.ingested_at <= cutoff:
            found.append(DueFile(path, upload.name, upload.ingested_at))
    return found
