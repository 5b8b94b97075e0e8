"""The inbox folder of ``backtrack serve``: files dropped per participant are ingested.

::

    <inbox>/<participant>/<file>                   waiting (regular files only)
    <inbox>/<participant>/.done/<file>             ingested: its content is in the raw store
    <inbox>/<participant>/.failed/<file>           not ingested (rejected, skipped, beyond an
    <inbox>/<participant>/.failed/<file>.reason.txt    upload limit, or its run failed): why

A file is taken once its size and modification time are the same in two listings a poll
apart (:func:`ready`), so a copy still being written is left alone. Hidden files and
folders are not the inbox's (the dashboard keeps its uploads in folders there,
``dashboards/uploads.py``). A file is moved — never deleted — and only after its run has
finished: to ``.done`` when the file manifest records it ingested (so its content is in
the raw store), to ``.failed`` with a reason file otherwise. When the run cannot even be
started (no server), the file stays where it is and is tried again at the next poll.

No Prefect here: :func:`process` takes the ingest as a callable (``pipelines.orchestrate.serve``
passes
the served deployment, waited for; tests pass a plain function).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from pipelines.app import uploads
from pipelines.schemas import FILES
from pipelines.store import tombstones
from pipelines.store.storage import INBOX_FOLDER, PARTICIPANT_ID, Store

FOLDER: Final = INBOX_FOLDER  # the default inbox: <data dir>/inbox (also the dashboard's uploads)
DONE: Final = ".done"
FAILED: Final = ".failed"
REASON_SUFFIX: Final = ".reason.txt"
INGESTED: Final = frozenset({"ok", "duplicate"})

Signature = tuple[int, int]  # (size in bytes, modification time in ns)
Listing = Mapping[Path, Signature]
# ingest(participant, files) → None when the run completed, else what went wrong
Ingest = Callable[[str, list[Path]], str | None]


@dataclass(frozen=True, slots=True)
class Settled:
    source: Path  # where the file was dropped
    moved_to: Path
    done: bool
    reason: str | None


def scan(inbox: Path) -> dict[Path, Signature]:
    """Every waiting file: ``<inbox>/<participant>/<file>`` for a valid participant id, no
    hidden names, no sub-folders."""
    found: dict[Path, Signature] = {}
    if not inbox.is_dir():
        return found
    for folder in sorted(inbox.iterdir()):
        if not folder.is_dir() or not PARTICIPANT_ID.match(folder.name):
            continue
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            try:
                stat = path.stat()
            except OSError:  # gone between the listing and the stat
                continue
            found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


def ready(previous: Listing, current: Listing, busy: Collection[Path] = ()) -> list[Path]:
    """Files present in both listings with the same size and modification time (not being
    written any more), and not already being ingested, sorted."""
    return sorted(
        path
        for path, signature in current.items()
        if previous.get(path) == signature and path not in busy
    )


def by_participant(paths: Sequence[Path]) -> dict[str, list[Path]]:
    """Waiting files grouped by their participant (the folder they were dropped in)."""
    groups: dict[str, list[Path]] = {}
    for path in paths:
        groups.setdefault(path.parent.name, []).append(path)
    return groups


def verdict(manifest: pd.DataFrame, upload_sha256: str) -> tuple[bool, str | None] | None:
    """What the file manifest says of one upload: ``(True, None)`` when it (or, for an
    archive, one of its members) was ingested, ``(False, reasons)`` when every member was
    rejected or skipped, ``None`` when the upload is not recorded at all."""
    rows = manifest.loc[manifest["upload_sha256"] == upload_sha256]
    if rows.empty:
        return None
    if set(rows["status"].astype(str)) & INGESTED:
        return True, None
    reasons = [
        f"{name}: {status}" + ("" if pd.isna(reason) else f" — {reason}")
        for name, status, reason in zip(
            rows["original_name"], rows["status"], rows["reason"], strict=True
        )
    ]
    return False, "\n".join(reasons)


def settle(path: Path, done: bool, reason: str | None) -> Settled:
    """Move a processed file to ``.done`` or ``.failed`` (with ``<name>.reason.txt``) next
    to it; a name already there gets a number (``walk-2.fit``)."""
    folder = path.parent / (DONE if done else FAILED)
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists() or (not done and _reason_path(target).exists()):
        n += 1
        target = folder / f"{path.stem}-{n}{path.suffix}"
    path.rename(target)
    if not done:
        _reason_path(target).write_text((reason or "not ingested") + "\n", encoding="utf-8")
    return Settled(path, target, done, reason)


def _reason_path(target: Path) -> Path:
    return target.with_name(target.name + REASON_SUFFIX)


def process(store: Store, participant: str, files: Sequence[Path], ingest: Ingest) -> list[Settled]:
    """Ingest one participant's waiting files and move each aside. Files ingested before
    (same content) go to ``.done`` without a run; files beyond the upload limits to
    ``.failed`` unread. Exceptions of ``ingest`` (the run could not be started) propagate
    and leave the files in place."""
    settled: list[Settled] = []
    try:  # an erased participant's id takes no data (docs/rights.md)
        tombstones.refuse_erased(store.root, participant)
    except tombstones.Erased as exc:
        return [settle(path, False, str(exc)) for path in files]
    readable: list[Path] = []
    for path in files:
        refusal = uploads.UPLOAD_LIMITS.file_refusal(path.stat().st_size)
        if refusal is None:
            readable.append(path)
        else:
            settled.append(
                settle(path, False, f"{uploads.upload_name(path)}: rejected — {refusal}")
            )
    hashes = {path: uploads.upload_sha256(path) for path in readable}
    known = uploads.already_ingested(store, participant, hashes.values())
    settled += [settle(p, True, "already ingested") for p in readable if hashes[p] in known]
    todo, refused = uploads.screen_uploads([p for p in readable if hashes[p] not in known])
    refused_names = {o.name: o.reason for o in refused}
    for path in readable:
        name = uploads.upload_name(path)
        if hashes[path] not in known and path not in todo and name in refused_names:
            settled.append(settle(path, False, f"{name}: rejected — {refused_names[name]}"))
    if not todo:
        return settled
    error = ingest(participant, list(todo))
    manifest = store.read(FILES, [participant])
    for path in todo:
        found = verdict(manifest, hashes[path])
        if found is None:
            settled.append(settle(path, False, error or "the run finished without recording it"))
        else:
            settled.append(settle(path, *found))
    return settled
