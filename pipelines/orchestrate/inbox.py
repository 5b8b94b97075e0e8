"""The inbox folder of ``backtrack serve``: files dropped per participant are ingested.

::

    <inbox>/<participant>/<file>                       waiting (regular files only)
    <inbox>/<participant>/.done/<file>.txt             ingested: its content is in the (sealed)
                                                       raw store; this note names its SHA-256
    <inbox>/<participant>/.failed/<file>.reason.txt    not ingested (rejected, skipped, beyond
                                                       an upload limit, or its run failed): why

A file is taken once its size and modification time are the same in two listings a poll
apart (:func:`ready`), so a copy still being written is left alone. Hidden files and
folders are not the inbox's (the dashboard keeps its uploads' run logs in folders there,
``dashboards/uploads.py``). A file is admitted like every upload
(``pipelines.app.uploads.admit``) and its bytes are removed from the inbox only after its
run has finished — they are then in the encrypted raw store, or were refused and are not
kept: nothing a person dropped stays on disk in plaintext (docs/encryption.md). A note in
``.done`` (its SHA-256) or ``.failed`` (the reason) says what became of it. When the run
cannot even be started (no server), the file stays where it is and is tried again at the
next poll.

No Prefect here: :func:`process` takes the ingest as a callable (``pipelines.orchestrate.serve``
passes the served deployment, waited for; tests pass a plain function).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pipelines.app import uploads
from pipelines.schemas import FILES
from pipelines.store import tombstones
from pipelines.store.storage import INBOX_FOLDER, PARTICIPANT_ID, Store

FOLDER: Final = INBOX_FOLDER  # the default inbox: <data dir>/inbox (also the dashboard's uploads)
DONE: Final = ".done"
DONE_SUFFIX: Final = ".txt"
FAILED: Final = ".failed"
REASON_SUFFIX: Final = ".reason.txt"

Signature = tuple[int, int]  # (size in bytes, modification time in ns)
Listing = Mapping[Path, Signature]
# ingest(participant, admitted files) → None when the run completed, else what went wrong
Ingest = Callable[[str, list[uploads.Admitted]], str | None]


@dataclass(frozen=True, slots=True)
class Settled:
    source: Path  # where the file was dropped
    note: Path  # the note left in .done or .failed
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


def settle(path: Path, done: bool, reason: str | None, sha256: str | None = None) -> Settled:
    """Remove a processed file from the inbox, leaving a note in ``.done`` (``<name>.txt``:
    its SHA-256, the name of its sealed copy in the raw store) or ``.failed``
    (``<name>.reason.txt``: why); a name already noted gets a number (``walk-2.fit``)."""
    folder = path.parent / (DONE if done else FAILED)
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while _note_path(target, done).exists():
        n += 1
        target = folder / f"{path.stem}-{n}{path.suffix}"
    note = f"ingested: sha256 {sha256}" if done else (reason or "not ingested")
    _note_path(target, done).write_text(note + "\n", encoding="utf-8")
    path.unlink()
    return Settled(path, _note_path(target, done), done, reason)


def _note_path(target: Path, done: bool) -> Path:
    return target.with_name(target.name + (DONE_SUFFIX if done else REASON_SUFFIX))


def process(store: Store, participant: str, files: Sequence[Path], ingest: Ingest) -> list[Settled]:
    """Ingest one participant's waiting files and remove each from the inbox. The upload is
    admitted like any other (``uploads.admit``): files ingested before (same content) are
    done without a run, files beyond the upload limits fail unread, an erased participant's
    files fail. Exceptions of ``ingest`` (the run could not be started) propagate and leave
    the files in place."""
    incoming = {path: uploads.Incoming.from_path(path) for path in files}
    try:  # an erased participant's id takes no data (docs/rights.md)
        admission = uploads.admit(store, participant, list(incoming.values()))
    except tombstones.Erased as exc:
        return [settle(path, False, str(exc)) for path in files]
    by_file = {id(f): path for path, f in incoming.items()}
    settled = [
        settle(by_file[id(a.file)], True, "already ingested", a.sha256) for a in admission.known
    ]
    refused = {o.name: o.reason for o in admission.refused}
    settled += [
        settle(path, False, f"{f.name}: rejected — {refused[f.name]}")
        for path, f in incoming.items()
        if f.name in refused
    ]
    todo = [*admission.new, *admission.repeated]
    if not todo:
        return settled
    error = ingest(participant, todo)
    manifest = store.read(FILES, [participant])
    for a in todo:
        found = uploads.fate(manifest, a.sha256)
        path = by_file[id(a.file)]
        if found is None:
            settled.append(settle(path, False, error or "the run finished without recording it"))
        elif found.ingested:
            settled.append(settle(path, True, None, a.sha256))
        else:
            settled.append(settle(path, False, found.reasons))
    return settled
