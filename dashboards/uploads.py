"""Uploads from the dashboard: keep the files, hand them to the ingest flow in another process.

The dashboard never parses a tracker file. ``start_ingest`` writes each uploaded file to the
participant's inbox::

    <data dir>/inbox/<participant>/<upload id>/<sha256[:16]>-<sanitised name>

(the name a browser sends is only ever used sanitised, behind its content hash) and starts
``python -m pipelines.cli.main ingest <files> -p <participant> --data-dir <data dir>`` with its
output in ``ingest.log`` next to the files — the page keeps running while the flow (and its
Prefect start-up) works. ``job_status`` then reads what became of each file from the file
manifest (``files.upload_sha256`` = the uploaded file's SHA-256) through ``dashboards.data``.

With a Prefect server (``PREFECT_API_URL`` in the dashboard's environment) the command gets
``--via-deployment --run-file <folder>/flow-run.json``: that process triggers the ``ingest``
deployment served by ``backtrack serve`` (or, when none is served, runs the flow itself as
before) and keeps the flow run's name and state in ``flow-run.json``, which ``job_status``
reads — so the page shows the run's state without this process ever loading Prefect
(docs/prefect.md).

The upload limits (``pipelines.app.uploads.UPLOAD_LIMITS``: size of one file, files and bytes per
upload, size of a diary file) are applied before anything is written: a file beyond them
is never saved, it is shown as rejected with the limit and its value, and the other files
of the upload go on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import pandas as pd

from dashboards import data
from pipelines.app import diary as diary_app
from pipelines.app import uploads
from pipelines.orchestrate import inbox as inbox_folder
from pipelines.store.storage import check_participant

LOG_NAME: Final = "ingest.log"
RUN_FILE: Final = "flow-run.json"
NAME_MAX_CHARS: Final = 80
LOG_TAIL_CHARS: Final = 2000
PROCESSING: Final = "processing"
# manifest status → what the page shows; an upload whose rows are mixed (an archive) shows
# the first of these its members have
STATUS_SHOWN: Final = {
    "ok": "ingested",
    "duplicate": "duplicate",
    "skipped": "skipped",
    "rejected": "rejected",
}


class Process(Protocol):
    """What ``job_status`` needs of the ingest process (``subprocess.Popen`` has it)."""

    pid: int

    def poll(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class UploadedFile:
    name: str  # as uploaded: for display only, never a path
    sha256: str
    path: Path
    size_bytes: int


@dataclass(frozen=True, slots=True)
class UploadJob:
    id: str
    participant: str
    folder: Path
    files: tuple[UploadedFile, ...]
    log_path: Path
    process: Process
    refused: tuple[FileStatus, ...] = ()  # beyond the upload limits: never saved
    run_file: Path | None = None  # the deployment's flow run (with a Prefect server)


@dataclass(frozen=True, slots=True)
class FileStatus:
    name: str
    sha256: str
    status: str  # processing / ingested / duplicate / skipped / rejected
    reason: str | None
    members: int  # manifest rows (an archive has one per member)


@dataclass(frozen=True, slots=True)
class FlowRun:
    """The ingest deployment's flow run of an upload, as ``flow-run.json`` has it."""

    name: str  # ingest-<participant>
    state: str  # SCHEDULED, PENDING, RUNNING, COMPLETED, FAILED, CRASHED, …
    state_name: str  # as Prefect names it (e.g. "Late", "Retrying")


@dataclass(frozen=True, slots=True)
class JobStatus:
    files: tuple[FileStatus, ...]
    exit_code: int | None  # None while the process runs
    error: str | None  # the log's tail when the process failed before recording every file
    flow_run: FlowRun | None = None  # when a served deployment runs the ingest

    @property
    def done(self) -> bool:
        return self.exit_code is not None and (
            self.error is not None or all(f.status != PROCESSING for f in self.files)
        )


def safe_name(name: str) -> str:
    """A file name from a browser, reduced to ``[A-Za-z0-9._-]`` (its last path part, no
    leading dots, at most ``NAME_MAX_CHARS`` keeping the end so the extension survives)."""
    base = re.split(r"[\\/]", name)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).lstrip("._-")
    return cleaned[-NAME_MAX_CHARS:].lstrip("._-") or "upload"


def save_to_inbox(
    root: Path, participant: str, files: Sequence[tuple[str, bytes]], upload_id: str
) -> tuple[Path, tuple[UploadedFile, ...]]:
    """Write ``files`` (name, content) to ``<root>/inbox/<participant>/<upload_id>/``; the
    same content twice in one upload is kept once."""
    if not re.fullmatch(r"[0-9a-f]{8,64}", upload_id):
        raise ValueError(f"upload id {upload_id!r} is not a hex id")
    folder = root / inbox_folder.FOLDER / check_participant(participant) / upload_id
    folder.mkdir(parents=True, exist_ok=True)
    saved: dict[str, UploadedFile] = {}
    for name, content in files:
        sha = hashlib.sha256(content).hexdigest()
        if sha in saved:
            continue
        path = folder / f"{sha[:16]}-{safe_name(name)}"
        path.write_bytes(content)
        saved[sha] = UploadedFile(name, sha, path, len(content))
    return folder, tuple(saved.values())


class _NothingToRun:
    """The process of an upload whose every file was refused: it never ran."""

    pid = 0

    def poll(self) -> int | None:
        return 0


def ingest_command(
    paths: Sequence[Path], participant: str, root: Path, run_file: Path | None = None
) -> list[str]:
    """The CLI call that ingests ``paths`` (see ``backtrack ingest``); with ``run_file``
    through the served deployment when there is one."""
    via = ["--via-deployment", "--run-file", str(run_file)] if run_file else []
    return [
        sys.executable,
        "-m",
        "pipelines.cli.main",
        "ingest",
        *(str(p) for p in paths),
        "-p",
        participant,
        "--data-dir",
        str(root),
        *via,
    ]


def _launch(command: list[str], log_path: Path) -> Process:
    """Start ``command`` detached from the page, output to ``log_path`` (tests replace it)."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=os.environ | {"COLUMNS": "200"},
            start_new_session=True,
        )


def start_ingest(
    viewer: data.Viewer,
    participant: str,
    files: Sequence[tuple[str, bytes]],
    tables: data.Tables | None = None,
) -> UploadJob:
    """Keep ``files`` (name, content) in the inbox and start ingesting them in another
    process. ``PermissionError`` (before anything is written) when ``viewer`` may not add
    data for ``participant``; ``ValueError`` without files."""
    tables = tables or data.cached_tables()
    data.require_write(viewer, participant, tables)
    if not files:
        raise ValueError("no files to ingest")
    root = tables.store.root.resolve()
    upload_id = uuid.uuid4().hex[:16]
    unique: dict[str, tuple[str, bytes]] = {}
    for name, content in files:
        unique.setdefault(hashlib.sha256(content).hexdigest(), (name, content))
    reasons = uploads.UPLOAD_LIMITS.refusals(
        [(name, len(content)) for name, content in unique.values()]
    )
    accepted = [f for f, reason in zip(unique.values(), reasons, strict=True) if reason is None]
    refused = tuple(
        FileStatus(name, sha, "rejected", reason, 0)
        for (sha, (name, _)), reason in zip(unique.items(), reasons, strict=True)
        if reason is not None
    )
    folder, saved = save_to_inbox(root, participant, accepted, upload_id)
    log_path = folder / LOG_NAME
    if not saved:
        return UploadJob(upload_id, participant, folder, (), log_path, _NothingToRun(), refused)
    run_file = folder / RUN_FILE if os.environ.get("PREFECT_API_URL") else None
    command = ingest_command([f.path for f in saved], participant, root, run_file)
    process = _launch(command, log_path)
    return UploadJob(upload_id, participant, folder, saved, log_path, process, refused, run_file)


def job_status(viewer: data.Viewer, job: UploadJob, tables: data.Tables | None = None) -> JobStatus:
    """What became of each file of ``job`` so far (from the file manifest)."""
    manifest = data.files(viewer, job.participant, tables)
    statuses = job.refused + tuple(_file_status(f, manifest) for f in job.files)
    exit_code = job.process.poll()
    error = None
    if exit_code not in (None, 0) and any(s.status == PROCESSING for s in statuses):
        error = _log_tail(job.log_path) or f"ingest exited with code {exit_code}"
    return JobStatus(statuses, exit_code, error, read_flow_run(job.run_file))


def read_flow_run(path: Path | None) -> FlowRun | None:
    """The flow run ``backtrack ingest --run-file`` keeps (``None`` before it exists, and
    without a server)."""
    if path is None:
        return None
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        return FlowRun(str(found["name"]), str(found["state"]), str(found["state_name"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _file_status(upload: UploadedFile, manifest: pd.DataFrame) -> FileStatus:
    rows = manifest.loc[manifest["upload_sha256"] == upload.sha256]
    if rows.empty:
        return FileStatus(upload.name, upload.sha256, PROCESSING, None, 0)
    present = set(rows["status"].astype(str))
    status = next((s for s in STATUS_SHOWN if s in present), str(rows["status"].iloc[0]))
    if len(rows) == 1:
        reason = rows["reason"].iloc[0]
        text = None if pd.isna(reason) else str(reason)
    else:
        counts = rows["status"].astype(str).value_counts()
        text = ", ".join(
            f"{counts[s]} {STATUS_SHOWN.get(s, s)}" for s in STATUS_SHOWN if s in counts
        )
    return FileStatus(upload.name, upload.sha256, STATUS_SHOWN.get(status, status), text, len(rows))


def _log_tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text[-LOG_TAIL_CHARS:].strip()


def import_diary_upload(
    viewer: data.Viewer,
    participant: str,
    name: str,
    content: bytes,
    tables: data.Tables | None = None,
) -> diary_app.DiaryImport:
    """Keep an uploaded diary file (CSV/XLSX) in the inbox and import it
    (``data.import_diary_file``). ``PermissionError`` before anything is written."""
    tables = tables or data.cached_tables()
    data.require_write(viewer, participant, tables)
    refusal = uploads.UPLOAD_LIMITS.diary_refusal(len(content))
    if refusal is not None:  # never saved: the same answer the import gives a file on disk
        return diary_app.DiaryImport(name, "", 0, 0, (), (), rejected=refusal)
    upload_id = uuid.uuid4().hex[:16]
    _, saved = save_to_inbox(tables.store.root.resolve(), participant, [(name, content)], upload_id)
    return data.import_diary_file(viewer, participant, saved[0].path, tables)
