"""``backtrack serve``: the flows as served Prefect deployments, and the inbox watcher.

With ``pipelines.orchestrate.flows`` the only module that imports Prefect (tests/test_layering.py).

* ``ingest/ingest`` — the ingest flow, run by Prefect on request: from the dashboard
  (``backtrack ingest --via-deployment``), from the inbox watcher, from the UI or
  ``prefect deployment run``. Each ingest run refreshes its participant's derived tables as
  its last task: that is the "refresh after each ingest".
* ``refresh/refresh`` — the refresh flow for everyone, on a cron schedule (nightly at
  03:00 in the data's default time zone unless told otherwise): the blocks of a program go
  on even when nobody uploads.
* the inbox watcher — a thread polling ``<inbox>/<participant>/`` (``pipelines.orchestrate.inbox``)
  and ingesting what is dropped there through the ``ingest`` deployment.
* the upload worker — a thread taking the dashboard's upload jobs (``pipelines.app.jobs``)
  and running the ingest flow for each in this process, which is warm: a dashboard upload
  is ingested about a second after the click, recorded on the server as a flow run of
  ``ingest`` with its artifact, without a new process paying Prefect's start-up.

Serving needs a real Prefect server (``PREFECT_API_URL``): the temporary in-process server
Prefect starts otherwise lives only as long as the process and nobody else could reach it.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast
from uuid import UUID

from prefect import serve as prefect_serve
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import DeploymentStatus
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Cron
from prefect.settings import get_current_settings

from pipelines.app import jobs, uploads
from pipelines.orchestrate import inbox as inbox_mod
from pipelines.orchestrate import runs
from pipelines.orchestrate.flows import ingest_flow, refresh_flow
from pipelines.rules.ingestion import Outcome
from pipelines.schemas import FILES
from pipelines.store.files import atomic_write_bytes
from pipelines.store.storage import INBOX_FOLDER, Store

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments.runner import RunnerDeployment

INGEST_DEPLOYMENT: Final = "ingest/ingest"
REFRESH_DEPLOYMENT: Final = "refresh/refresh"
NIGHTLY: Final = "0 3 * * *"
POLL_SECONDS: Final = 10.0
JOB_POLL_SECONDS: Final = 0.25  # how soon the upload worker sees a dashboard's request
START_TIMEOUT_S: Final = 300.0  # a run nobody picks up (no runner serving) is given up
NO_SERVER: Final = """\
backtrack serve needs a Prefect server: PREFECT_API_URL is not set.
Start one (it keeps its database in ~/.prefect, or in $PREFECT_HOME):

    prefect server start --host 127.0.0.1

then, in another shell:

    export PREFECT_API_URL=http://127.0.0.1:4200/api
    backtrack serve

Without a server, `backtrack ingest` and `backtrack refresh` still run the flows in-process."""


def api_url() -> str | None:
    """The Prefect server the runs go to (``PREFECT_API_URL``, or the active profile's)."""
    return get_current_settings().api.url or None


def deployments(data_dir: Path, nightly: str, timezone: str) -> list[RunnerDeployment]:
    """The ``ingest`` and ``refresh`` deployments for ``data_dir``."""
    root = str(data_dir.resolve())
    # to_deployment and run_deployment return coroutines only when called from async code
    served = [
        ingest_flow.to_deployment(
            "ingest",
            parameters={"data_dir": root},
            description="Ingest files for one participant (participant, paths).",
            tags=["backtrack"],
        ),
        refresh_flow.to_deployment(
            "refresh",
            schedules=[Cron(nightly, timezone=timezone)],
            parameters={
                "participants": [],
                "data_dir": root,
                "participants_label": "nightly",
                "purge_raw": True,  # the retention rule, when configured (docs/encryption.md)
                "overview": True,  # everyone's Group page figures for the day (overview_rows)
            },
            description="Delete raw files past retention (when set); recompute everyone's "
            "derived tables.",
            tags=["backtrack"],
        ),
    ]
    return cast("list[RunnerDeployment]", served)


def deployment_ready(name: str = INGEST_DEPLOYMENT) -> bool:
    """Whether ``name`` exists on the server and is being served (its runner polls)."""
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(name)
        except ObjectNotFound:
            return False
    return deployment.status == DeploymentStatus.READY


def start_ingest_run(
    participant: str, upload_list: str, data_dir: Path, timeout_s: float | None = 0
) -> FlowRun:
    """A run of the ``ingest`` deployment (named ``ingest-<participant>``) of the files
    ``upload_list`` names (``uploads.upload_list``, kept until the run ends); returns at once
    with ``timeout_s=0``, after the run finished with ``None``."""
    run = run_deployment(  # type: ignore[call-arg]  # _sync: async_dispatch's own switch
        INGEST_DEPLOYMENT,
        parameters={
            "participant": participant,
            "upload_list": str(Path(upload_list).resolve()),
            "data_dir": str(data_dir.resolve()),
        },
        flow_run_name=f"ingest-{participant}",
        timeout=timeout_s,
        poll_interval=2,
        as_subflow=False,
        _sync=True,  # never the coroutine: async_dispatch guesses from the thread's event loop
    )
    return cast("FlowRun", run)


def run_status(flow_run_id: UUID | str) -> dict[str, Any]:
    """A flow run's name and state, as plain values (what the dashboard shows)."""
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(str(flow_run_id)))
    state = run.state
    return {
        "flow_run_id": str(run.id),
        "name": run.name,
        "state": state.type.value if state else None,
        "state_name": state.name if state else None,
        "message": state.message if state else None,
        "final": bool(state and state.is_final()),
    }


def wait_for(flow_run_id: UUID | str, timeout_s: float, poll_s: float = 2.0) -> dict[str, Any]:
    """Poll a flow run until it reaches a final state (or ``timeout_s`` passes)."""
    deadline = time.monotonic() + timeout_s
    status = run_status(flow_run_id)
    while not status["final"] and time.monotonic() < deadline:
        time.sleep(poll_s)
        status = run_status(flow_run_id)
    return status


class DeploymentRunFailed(RuntimeError):
    """A run of the ``ingest`` deployment ended in another state than completed, or was
    never picked up."""


def write_run_file(path: Path | None, status: dict[str, Any]) -> None:
    """``status`` as JSON at ``path``, replaced atomically (the dashboard reads it)."""
    if path is None:
        return
    atomic_write_bytes(path, json.dumps(status).encode())


def deployment_ingest(
    store: Store, run_file: Path | None = None, poll_s: float = 2.0
) -> Callable[[str, str, str], list[Outcome]]:
    """``backtrack ingest --via-deployment``: a batch is a run of the served ``ingest``
    deployment, followed until it ends (its state written to ``run_file`` as it changes);
    the outcomes are read back from the file manifest."""

    def run(participant: str, upload_list: str, data_dir: str) -> list[Outcome]:
        shas = uploads.listed_sha256s(store, upload_list)
        flow_run = start_ingest_run(participant, upload_list, Path(data_dir), timeout_s=0)
        started = time.monotonic()
        status = run_status(flow_run.id)
        write_run_file(run_file, status)
        while not status["final"]:
            if status["state"] in ("SCHEDULED", "PENDING") and (
                time.monotonic() - started > START_TIMEOUT_S
            ):
                raise DeploymentRunFailed(
                    f"flow run {status['name']} was not started within {START_TIMEOUT_S:.0f} s "
                    "(is `backtrack serve` running?)"
                )
            time.sleep(poll_s)
            status = run_status(flow_run.id)
            write_run_file(run_file, status)
        if status["state"] != "COMPLETED":
            raise DeploymentRunFailed(
                f"flow run {status['name']} ended {status['state_name']}: {status['message']}"
            )
        return uploads.outcomes(store.read(FILES, [participant]), shas)

    return run


def ingest_via_deployment(data_dir: Path) -> inbox_mod.Ingest:
    """The inbox's ingest: a run of the ``ingest`` deployment, waited for."""

    def ingest(participant: str, files: list[uploads.Admitted]) -> str | None:
        with uploads.upload_list(Store(data_dir), participant, files) as listed:
            run = start_ingest_run(participant, listed, data_dir, timeout_s=None)
        state = run.state
        if state is not None and state.is_completed():
            return None
        shown = state.name if state else "without a state"
        return f"flow run {run.name} ({run.id}) ended {shown}: {state.message if state else ''}"

    return ingest


def watch_inbox(
    store: Store,
    inbox: Path,
    ingest: inbox_mod.Ingest,
    stop: threading.Event,
    poll_s: float = POLL_SECONDS,
    report: Callable[[str], None] = print,
) -> None:
    """Poll ``inbox`` until ``stop`` is set; ingest what is ready, move it aside."""
    previous: dict[Path, inbox_mod.Signature] = {}
    while not stop.is_set():
        current = inbox_mod.scan(inbox)
        waiting = inbox_mod.by_participant(inbox_mod.ready(previous, current))
        for participant, files in waiting.items():
            try:
                settled = inbox_mod.process(store, participant, files, ingest)
            except Exception as exc:  # e.g. the server is away: the files wait for the next poll
                report(f"inbox {participant}: {len(files)} file(s) wait — {type(exc).__name__}")
                continue
            if settled:  # counts only: a file's name is personal data (docs/privacy.md)
                done = sum(s.done for s in settled)
                report(
                    f"inbox {participant}: {len(settled)} file(s) → .done {done}, "
                    f".failed {len(settled) - done}"
                )
        previous = current
        stop.wait(poll_s)


WARM_MODULES: Final = ("ingest.read", "pipelines.app.refresh", "pipelines.rules.report")


def warm_up() -> None:
    """Load what the first upload would otherwise load lazily — the readers, the refresh —
    about 1.5 s here, paid at start and not by the first person who uploads."""
    for name in WARM_MODULES:
        importlib.import_module(name)


def run_job(job: jobs.Job) -> jobs.Result:
    """Run one upload job's ingest flow in this process; its state in ``flow-run.json`` as
    it goes, one line per file (by hash prefix) in ``ingest.log``."""
    run_file = job.folder / jobs.RUN_FILE
    name = f"ingest-{job.participant}"
    write_run_file(run_file, {"name": name, "state": "RUNNING", "state_name": "Running"})
    try:
        state = ingest_flow(
            participant=job.participant,
            upload_list=job.upload_list,
            data_dir=job.data_dir,
            return_state=True,
        )
    except Exception as exc:  # the flow could not even start (e.g. the server went away)
        write_run_file(run_file, {"name": name, "state": "FAILED", "state_name": "Failed"})
        return jobs.Result(1, f"{type(exc).__name__}: {exc}")
    flow_run_id = state.state_details.flow_run_id
    status: dict[str, Any] = {"name": name, "state": state.type.value, "state_name": state.name}
    if flow_run_id is not None:
        status |= {"flow_run_id": str(flow_run_id), "final": state.is_final()}
    write_run_file(run_file, status)
    if not state.is_completed():
        return jobs.Result(1, f"flow run {name} ended {state.name}: {state.message}")
    outcomes = cast("list[Outcome]", state.result())
    lines = [*runs.log_lines(outcomes), f"flow run {name} completed"]
    atomic_write_bytes(job.folder / jobs.LOG_NAME, ("\n".join(lines) + "\n").encode())
    return jobs.Result(0, None)


def run_job_in(data_dir: Path) -> Callable[[jobs.Job], jobs.Result]:
    """``run_job`` for the served data directory only: a request naming another one (the
    inbox is inside the data directory, so only a copied or forged request could) is
    refused, never run against that directory."""
    served = data_dir.resolve()

    def run(job: jobs.Job) -> jobs.Result:
        if Path(job.data_dir).resolve() != served:
            return jobs.Result(1, f"this worker serves {served}, not {job.data_dir}")
        return run_job(job)

    return run


def work_jobs(
    inbox: Path,
    stop: threading.Event,
    run: Callable[[jobs.Job], jobs.Result] = run_job,
    poll_s: float = JOB_POLL_SECONDS,
    report: Callable[[str], None] = print,
) -> None:
    """Take the dashboard's upload jobs one at a time until ``stop`` is set."""
    while not stop.is_set():
        for path in jobs.pending(inbox):
            job = jobs.claim(path)
            if job is None:  # taken back by the dashboard, or unreadable
                continue
            try:
                result = run(job)
            except Exception as exc:  # never let one job stop the worker
                result = jobs.Result(1, f"{type(exc).__name__}: {exc}")
            jobs.finish(job.folder, result)
            report(f"upload {job.participant}: " + ("done" if result.exit_code == 0 else "failed"))
        stop.wait(poll_s)


def keep_beating(inbox: Path, stop: threading.Event, every_s: float = jobs.BEAT_EVERY_S) -> None:
    """The upload worker's heartbeat until ``stop`` is set; then no new jobs come."""
    try:
        while not stop.is_set():
            jobs.beat(inbox)
            stop.wait(every_s)
    finally:
        jobs.stop_beating(inbox)


def serve(
    data_dir: Path,
    inbox: Path,
    nightly: str = NIGHTLY,
    timezone: str = "UTC",
    poll_s: float = POLL_SECONDS,
    report: Callable[[str], None] = print,
) -> None:
    """Serve the deployments and watch the inbox until interrupted (Ctrl-C, SIGTERM)."""
    inbox.mkdir(parents=True, exist_ok=True)
    served = deployments(data_dir, nightly, timezone)
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch_inbox,
        args=(Store(data_dir), inbox, ingest_via_deployment(data_dir), stop, poll_s, report),
        name="backtrack-inbox",
        daemon=True,
    )
    warm_up()
    uploads_folder = data_dir / INBOX_FOLDER  # where the dashboard files its jobs
    worker = threading.Thread(
        target=work_jobs,
        args=(uploads_folder, stop, run_job_in(data_dir), JOB_POLL_SECONDS, report),
        name="backtrack-uploads",
        daemon=True,
    )
    heart = threading.Thread(
        target=keep_beating, args=(uploads_folder, stop), name="backtrack-heartbeat", daemon=True
    )
    watcher.start()
    worker.start()
    heart.start()
    report(f"watching {inbox}/<participant>/ every {poll_s:g} s; taking dashboard uploads")
    try:
        prefect_serve(*served)
    finally:
        stop.set()
        heart.join(timeout=5)
        jobs.stop_beating(uploads_folder)
