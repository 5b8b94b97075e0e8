"""Dashboard uploads: admitted, sealed, and handed to the ingest in another process.

The dashboard never parses a tracker file, and never writes an uploaded file anywhere but
the encrypted raw store. ``start_ingest`` admits the upload like every other
(``pipelines.app.uploads.admit``: the erased-id check, the upload limits, files ingested
before — each file hashed once), seals each new file into the raw store at once
(``uploads.seal_admitted``), lists them in an upload list, and starts::

    python -m pipelines.cli.main ingest --listed <list> -p <participant> --data-dir <data dir>

with its output in ``<data dir>/inbox/<participant>/<upload id>/ingest.log`` (that folder
holds only the log and the flow run's state, never an uploaded byte) — the page keeps
running while the flow (and its Prefect start-up) works. ``job_status`` then reads what
became of each file from the file manifest through ``dashboards.data`` and
``uploads.fate``, the one reader of it.

With a Prefect server (``PREFECT_API_URL`` in the dashboard's environment) the command gets
``--via-deployment --run-file <folder>/flow-run.json``: that process triggers the ``ingest``
deployment served by ``backtrack serve`` (or, when none is served, runs the flow itself as
before) and keeps the flow run's name and state in ``flow-run.json``, which ``job_status``
reads — so the page shows the run's state without this process ever loading Prefect
(docs/prefect.md).

With the system running (``backtrack up``, ``make demo``) none of that: ``backtrack serve``
keeps a worker warm and beats a heartbeat in the inbox, and while it is fresh the page only
files a request for it (``pipelines.app.jobs``) — the worker runs the ingest flow in its
own process at once, records the run on the Prefect server and writes ``flow-run.json``,
``ingest.log`` and ``result.json`` into the upload's folder. Should the worker go away before
taking the request, the page takes it back and starts the process above.

A large export arrives another way — in chunks, sealed as it comes, through the dashboard
server's endpoint (``pipelines.app.streamed``, ``dashboards/upload_route.py``) — and is then
handed to the same ingest by ``start_streamed`` (``hand_over``: the worker or the process).

A file beyond the upload limits (``ingest.limits``: size of one file, files and bytes per
upload, size of a diary file) is never stored: it is shown as rejected with the limit and
its value, and the other files of the upload go on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import pandas as pd

from dashboards import data
from dashboards.i18n import fmt_bytes
from pipelines.app import diary as diary_app
from pipelines.app import jobs, streamed, uploads
from pipelines.store.storage import INBOX_FOLDER, Store, check_participant

LOG_NAME: Final = jobs.LOG_NAME
RUN_FILE: Final = jobs.RUN_FILE
LOG_TAIL_CHARS: Final = 2000
# what the page's file field (st.file_uploader) takes per file: Streamlit holds such a file
# in memory, so this stays small (.streamlit/config.toml, server.maxUploadSize, in MB);
# larger files go through the streamed upload (dashboards/streamed_upload.py)
FORM_MAX_UPLOAD_MB: Final = 200
PROCESSING: Final = "processing"


class Process(Protocol):
    """What ``job_status`` needs of the ingest process (``subprocess.Popen`` has it)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class UploadedFile:
    name: str  # as uploaded: for display only, never a path
    sha256: str
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


class _NothingToRun:
    """The process of an upload whose every file was refused: it never ran."""

    pid = 0

    def poll(self) -> int | None:
        return 0


def form_limit_shown() -> str:
    """The file field's limit per file as the page shows it (Streamlit's MB are MiB)."""
    return fmt_bytes(FORM_MAX_UPLOAD_MB * 1024 * 1024)


def ingest_command(
    listed: Path, participant: str, root: Path, run_file: Path | None = None
) -> list[str]:
    """The CLI call that ingests the sealed files an upload list names (see ``backtrack
    ingest --listed``); with ``run_file`` through the served deployment when there is one."""
    via = ["--via-deployment", "--run-file", str(run_file)] if run_file else []
    return [
        sys.executable,
        "-m",
        "pipelines.cli.main",
        "ingest",
        "--listed",
        str(listed),
        "-p",
        participant,
        "--data-dir",
        str(root),
        *via,
    ]


SERVED_WAIT_S: Final = 8.0  # how long the page waits for the served worker before polling
WORKER_GONE: Final = 75  # QueuedRun's exit code when the worker stopped during the job


class QueuedRun:
    """The ingest of an upload handed to the served worker (``pipelines.app.jobs``): done
    when the worker wrote its result. Should the heartbeat go stale while the request still
    waits, the request is taken back and ``fallback`` starts the ingest process instead;
    should it go stale while the worker had the job, the job ends as failed
    (``WORKER_GONE``) — uploading the files again is safe (files ingested before are
    recognised)."""

    def __init__(self, folder: Path, inbox: Path, fallback: Callable[[], Process]) -> None:
        self.folder = folder
        self.inbox = inbox
        self.fallback = fallback
        self.process: Process | None = None

    @property
    def pid(self) -> int:
        return self.process.pid if self.process is not None else 0

    def poll(self) -> int | None:
        if self.process is not None:
            return self.process.poll()
        ended = jobs.result(self.folder)
        if ended is not None:
            return ended.exit_code
        request = self.folder / jobs.REQUEST
        if jobs.worker_alive(self.inbox):
            return None
        # taken back only when nobody took it first: then nobody else will run it
        if request.exists() and jobs.claim(request) is not None:
            self.process = self.fallback()
            return self.process.poll()
        if jobs.claimed(self.folder) and jobs.result(self.folder) is None:
            return WORKER_GONE  # the worker took it and stopped before it ended
        return None


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
    """Admit ``files`` (name, content), seal the new ones into the raw store and start
    ingesting them in another process. ``PermissionError`` (before anything is written)
    when ``viewer`` may not add data for ``participant``; ``ValueError`` without files;
    ``tombstones.Erased`` for an erased participant."""
    tables = tables or data.cached_tables()
    data.require_write(viewer, participant, tables)
    if not files:
        raise ValueError("no files to ingest")
    store = tables.store
    admission = uploads.admit(
        store, participant, [uploads.Incoming.from_bytes(name, c) for name, c in files]
    )
    refused = tuple(FileStatus(o.name, "", "rejected", o.reason, 0) for o in admission.refused)
    known = tuple(UploadedFile(a.file.name, a.sha256, a.file.size) for a in admission.known)
    sealed = uploads.seal_admitted(store, participant, admission.new)
    listed = uploads.put_upload_list(store, participant, sealed) if sealed else None
    return hand_over(store, participant, sealed, listed, known, refused)


def start_streamed(store: Store, finished: streamed.Finished) -> UploadJob:
    """Start ingesting a streamed upload (``pipelines.app.streamed``: sealed, admitted and
    listed already) on the same path as every upload of the page (:func:`hand_over`). The
    caller has checked who may upload (the token)."""
    admission = finished.admission
    refused = tuple(FileStatus(o.name, "", "rejected", o.reason, 0) for o in admission.refused)
    known = tuple(UploadedFile(a.file.name, a.sha256, a.file.size) for a in admission.known)
    return hand_over(store, finished.participant, admission.new, finished.listed, known, refused)


def hand_over(
    store: Store,
    participant: str,
    sealed: Sequence[uploads.Admitted],
    listed: Path | None,
    known: tuple[UploadedFile, ...] = (),
    refused: tuple[FileStatus, ...] = (),
) -> UploadJob:
    """Ingest the ``sealed`` files (in the raw store, named by the upload list ``listed``):
    through the warm worker of ``backtrack serve`` while its heartbeat is fresh, else in a
    process of its own (see the module's docstring)."""
    new = tuple(UploadedFile(a.file.name, a.sha256, a.file.size) for a in sealed)
    upload_id = uuid.uuid4().hex[:16]
    folder = store.root.resolve() / INBOX_FOLDER / check_participant(participant) / upload_id
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / LOG_NAME
    if not sealed or listed is None:
        return UploadJob(upload_id, participant, folder, known, log_path, _NothingToRun(), refused)
    has_server = bool(os.environ.get("PREFECT_API_URL"))
    run_file = folder / RUN_FILE if has_server else None
    command = ingest_command(listed, participant, store.root.resolve(), run_file)
    inbox = store.root.resolve() / INBOX_FOLDER
    process: Process
    if jobs.worker_alive(inbox):
        jobs.request(folder, participant, listed, store.root)
        process = QueuedRun(folder, inbox, lambda: _launch(command, log_path))
        run_file = folder / RUN_FILE
    else:
        process = _launch(command, log_path)
    return UploadJob(
        upload_id, participant, folder, known + new, log_path, process, refused, run_file
    )


def job_status(viewer: data.Viewer, job: UploadJob, tables: data.Tables | None = None) -> JobStatus:
    """What became of each file of ``job`` so far (from the file manifest)."""
    manifest = data.files(viewer, job.participant, tables)
    statuses = job.refused + tuple(_file_status(f, manifest) for f in job.files)
    exit_code = job.process.poll()
    error = None
    if exit_code not in (None, 0) and any(s.status == PROCESSING for s in statuses):
        ended = jobs.result(job.folder)
        if exit_code == WORKER_GONE and isinstance(job.process, QueuedRun):
            error = "the upload worker stopped before this upload was done; upload it again"
        else:
            error = (
                (ended.error if ended is not None else None)
                or _log_tail(job.log_path)
                or f"ingest exited with code {exit_code}"
            )
    return JobStatus(statuses, exit_code, error, read_flow_run(job.run_file))


def served(job: UploadJob) -> bool:
    """Whether the served worker has ``job`` (it takes a second or two, not a process's start)."""
    return isinstance(job.process, QueuedRun)


def wait(
    viewer: data.Viewer,
    job: UploadJob,
    timeout_s: float,
    poll_s: float = 0.1,
    tables: data.Tables | None = None,
) -> JobStatus:
    """``job_status`` once the job is done, or after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    status = job_status(viewer, job, tables)
    while not status.done and time.monotonic() < deadline:
        time.sleep(poll_s)
        status = job_status(viewer, job, tables)
    return status


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
    found = uploads.fate(manifest, upload.sha256)
    if found is None:
        return FileStatus(upload.name, upload.sha256, PROCESSING, None, 0)
    return FileStatus(upload.name, upload.sha256, found.status, found.reason, found.members)


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
    """Import an uploaded diary file (CSV/XLSX) from memory (``data.import_diary``): it is
    kept sealed in the raw store and nowhere else. ``PermissionError`` before anything is
    written."""
    return data.import_diary(viewer, participant, name, content, tables)
