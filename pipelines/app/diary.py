"""The pain diary: a diary file imported (kept sealed in the raw store, every bad row named), and
single entries typed into a form or the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from ingest.records import DiaryEntry, RowError, UnusableFile
from pipelines.app import uploads
from pipelines.app.refresh import refresh_participant, writing
from pipelines.app.uploads import upload_name
from pipelines.rules import diary, ingestion
from pipelines.schemas import DIARY, FILES, coerce
from pipelines.store import tombstones
from pipelines.store.storage import Store


@dataclass(frozen=True, slots=True)
class DiaryImport:
    name: str
    sha256: str
    entries: int  # good rows stored
    dates: int  # dates whose entries the file replaced
    errors: tuple[RowError, ...]
    warnings: tuple[str, ...]
    rejected: str | None = None  # the whole file was not a diary: why


def import_diary_file(
    store: Store, participant: str, path: Path, today: date | None = None
) -> DiaryImport:
    """:func:`import_diary` of a file on disk (the CLI); a file beyond the diary size limit
    is neither read nor stored."""
    name = upload_name(path)
    refusal = uploads.UPLOAD_LIMITS.diary_refusal(path.stat().st_size)
    if refusal is not None:  # neither read nor stored, so not in the manifest either
        return DiaryImport(name, "", 0, 0, (), (), rejected=refusal)
    return import_diary(store, participant, name, path.read_bytes(), today)


def import_diary(
    store: Store, participant: str, name: str, content: bytes, today: date | None = None
) -> DiaryImport:
    """Keep the diary file sealed in the raw store, parse it, apply the import rule, refresh
    the participant. A file beyond the diary size limit is not stored."""
    from ingest.diary import parse_diary

    today = today or date.today()
    refusal = uploads.UPLOAD_LIMITS.diary_refusal(len(content))
    if refusal is not None:  # not stored, so not in the manifest either
        return DiaryImport(name, "", 0, 0, (), (), rejected=refusal)
    tombstones.refuse_erased(store.root, participant)
    sha, _ = store.put_raw(participant, content, name)
    try:
        parsed = parse_diary(name, content, today=today)
    except UnusableFile as error:
        result = DiaryImport(name, sha, 0, 0, (), (), rejected=error.reason)
        _record_diary_file(store, participant, len(content), sha, result)
        return result
    new = diary.entries_frame(participant, parsed.entries, source="file", file_sha256=sha)
    result = DiaryImport(name, sha, len(new), new["date"].nunique(), parsed.errors, parsed.warnings)
    with writing(store, participant):
        store.write(DIARY, participant, diary.apply_import(store.read(DIARY, [participant]), new))
    _record_diary_file(store, participant, len(content), sha, result)
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
    with writing(store, participant):
        store.write(DIARY, participant, diary.apply_entry(store.read(DIARY, [participant]), new))
    refresh_participant(store, participant)


def _record_diary_file(
    store: Store, participant: str, size_bytes: int, sha: str, result: DiaryImport
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
        "size_bytes": size_bytes,
        "ingested_at": datetime.now(UTC),
    }
    with writing(store, participant):
        manifest = store.read(FILES, [participant])
        known = set(zip(manifest["sha256"], manifest["original_name"], strict=True))
        if (sha, result.name) in known:
            return
        store.write(
            FILES,
            participant,
            ingestion.merged(manifest, coerce(FILES, pd.DataFrame([row])), FILES.key),
        )
