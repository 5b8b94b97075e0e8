"""Upload jobs for the long-running worker of ``backtrack serve``: how an upload reaches the
served system without starting a process.

A dashboard upload used to start ``backtrack ingest`` in a new process, which paid Prefect's
start-up (and, without a server, a temporary server's) before the first file: 15–20 s for
one small file. With the system running (``backtrack up``, ``make demo``) the worker in
``backtrack serve`` is already warm; the dashboard only writes a request file and the worker
runs the ingest flow in its own process, within about a second. Files, all under the data
directory's inbox folder (never an uploaded byte: the files themselves are sealed in the raw
store before the request is written)::

    <inbox>/.worker.json                        the worker's heartbeat: pid, host, time
    <inbox>/<participant>/<upload id>/
        request.json     the job (participant, the upload list); written by the dashboard
        claimed.json     the same file, renamed by whoever takes the job — a rename is
                         atomic, so exactly one taker runs it
        flow-run.json    the flow run's name and state (``dashboards/uploads.py`` reads it)
        result.json      ``{"exit_code": 0 | 1, "error": …}`` once the job has ended
        ingest.log       what the job did, one line per file (by hash prefix, never by name)

The dashboard writes a request only while the heartbeat is fresh (``worker_alive``); should
the worker go away before taking it, the dashboard takes it back (``claim``) and runs the
ingest in a process of its own as before. No Prefect here: the worker loop is in
``pipelines.orchestrate.serve``.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pipelines.store.files import atomic_write_bytes

WORKER_FILE: Final = ".worker.json"
REQUEST: Final = "request.json"
CLAIMED: Final = "claimed.json"
RESULT: Final = "result.json"
RUN_FILE: Final = "flow-run.json"
LOG_NAME: Final = "ingest.log"
BEAT_EVERY_S: Final = 1.0
STALE_AFTER_S: Final = 10.0  # a heartbeat older than this: no worker


@dataclass(frozen=True, slots=True)
class Job:
    folder: Path  # <inbox>/<participant>/<upload id>
    participant: str
    upload_list: str  # the sealed files to ingest (``uploads.put_upload_list``)
    data_dir: str


@dataclass(frozen=True, slots=True)
class Result:
    exit_code: int  # 0: the run completed (each file's fate is in the manifest); 1: it failed
    error: str | None


def _write_json(path: Path, value: dict[str, Any]) -> None:
    atomic_write_bytes(path, json.dumps(value, sort_keys=True).encode())


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def beat(inbox: Path, now: float | None = None) -> None:
    """Say that the worker serving ``inbox`` is alive (written every ``BEAT_EVERY_S``)."""
    inbox.mkdir(parents=True, exist_ok=True)
    stamp = time.time() if now is None else now
    _write_json(
        inbox / WORKER_FILE, {"pid": os.getpid(), "host": socket.gethostname(), "beat": stamp}
    )


def stop_beating(inbox: Path) -> None:
    """The worker is stopping: no new requests for it."""
    (inbox / WORKER_FILE).unlink(missing_ok=True)


def worker_alive(inbox: Path, now: float | None = None) -> bool:
    """Whether a worker's heartbeat in ``inbox`` is fresh (younger than ``STALE_AFTER_S``)."""
    found = _read_json(inbox / WORKER_FILE)
    if found is None or not isinstance(found.get("beat"), int | float):
        return False
    age = (time.time() if now is None else now) - float(found["beat"])
    return -STALE_AFTER_S < age < STALE_AFTER_S


def request(folder: Path, participant: str, upload_list: Path, data_dir: Path) -> Path:
    """Hand the upload whose sealed files ``upload_list`` names to the worker."""
    path = folder / REQUEST
    _write_json(
        path,
        {
            "participant": participant,
            "upload_list": str(upload_list.resolve()),
            "data_dir": str(data_dir.resolve()),
        },
    )
    return path


def pending(inbox: Path) -> list[Path]:
    """Every request not yet taken, oldest first."""
    found = [p for p in inbox.glob(f"*/*/{REQUEST}") if p.is_file()]
    return sorted(found, key=lambda p: (_mtime(p), str(p)))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def claim(request_path: Path) -> Job | None:
    """Take the job at ``request_path``; ``None`` when someone else took it first (or the
    request is unreadable — it is then moved aside with a result saying why)."""
    claimed = request_path.with_name(CLAIMED)
    try:
        os.rename(request_path, claimed)
    except FileNotFoundError:
        return None
    found = _read_json(claimed) or {}
    try:
        return Job(
            claimed.parent,
            str(found["participant"]),
            str(found["upload_list"]),
            str(found["data_dir"]),
        )
    except KeyError as exc:
        finish(claimed.parent, Result(1, f"unreadable upload request: no {exc}"))
        return None


def claimed(folder: Path) -> bool:
    return (folder / CLAIMED).exists()


def finish(folder: Path, result: Result) -> None:
    """The job in ``folder`` has ended."""
    _write_json(folder / RESULT, {"exit_code": result.exit_code, "error": result.error})


def result(folder: Path) -> Result | None:
    """How the job in ``folder`` ended; ``None`` while it waits or runs."""
    found = _read_json(folder / RESULT)
    if found is None or not isinstance(found.get("exit_code"), int):
        return None
    error = found.get("error")
    return Result(int(found["exit_code"]), None if error is None else str(error))
