"""The Prefect flows — with ``pipelines.orchestrate.serve`` the only modules that import Prefect.

Tasks are one-line calls of the ``pipelines.app`` use cases; one task per batch of files, never per
record (a task costs 5–10 ms of orchestration here). With no ``PREFECT_API_URL`` the flows
run in-process (Prefect starts its temporary local server once per process); with it set,
the runs are recorded on that server.

Observability: every ingest run is named ``ingest-<participant>`` (the pseudonymous id),
logs one line per file (status and reason) to its run log, and leaves a markdown artifact
``ingest-<participant>`` with the counts per status and every file not simply ingested
(``pipelines.orchestrate.runs``).

Retries: only ``store-raw`` retries, and only on an ``OSError`` that can pass (copying into
the raw store on a network file system, a disk being cleared; ``runs.is_transient_io_error``).
Parsing is deterministic (the same bytes fail the same way; a bad file is an outcome, not a
failure), and ``record``/``refresh`` write under the participant's lock — a failure there is
a bug or a full disk, and the next ingest of the same files repeats the work anyway.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.context import FlowRunContext
from prefect.states import State

from pipelines import config
from pipelines.app import overview_rows, uploads
from pipelines.app import raw as raw_store
from pipelines.app import refresh as refreshing
from pipelines.orchestrate import runs
from pipelines.rules.ingestion import Outcome, Upload
from pipelines.store.storage import Store

if TYPE_CHECKING:
    from prefect_dask import DaskTaskRunner


def _retry_transient_io(_task: object, _run: TaskRun, state: State) -> bool:
    return runs.is_transient_io_error(state.data if isinstance(state.data, BaseException) else None)


@task(
    name="store-raw",
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_retry_transient_io,
)
def store_raw_task(data_dir: str, participant: str, upload_list: str) -> list[uploads.StoredUpload]:
    return uploads.store_listed_uploads(Store(data_dir), participant, upload_list)


# No cache key: Prefect would serialise the stored uploads' list for one (harmless), and a
# rerun must read the files again anyway.
@task(name="parse-and-record", cache_policy=NO_CACHE)
def ingest_stored_task(
    data_dir: str, participant: str, stored: list[uploads.StoredUpload]
) -> list[Outcome]:
    # parsed and recorded in one step, in a child process for a large export: the parsed
    # records never pass through Prefect's task state
    return uploads.ingest_stored(Store(data_dir), participant, stored)


@task(name="parse-part")
def parse_part_task(stored: list[uploads.StoredUpload]) -> list[Upload]:
    return uploads.parse_stored(stored, workers=1)  # a Dask worker process parses serially


def _parse_spread(stored: list[uploads.StoredUpload]) -> list[Upload]:
    """Parse on the flow's Dask cluster: the uploads in consecutive parts of about equal
    size, four per worker thread (so a slow part does not hold the rest up), one
    ``parse-part`` task each; the results joined in the uploads' order — the same list
    ``ingest_stored_task`` reads."""
    parts = uploads.split_stored(stored, 4 * _slots())
    futures = [parse_part_task.submit(part) for part in parts]
    return [upload for future in futures for upload in future.result()]


# No cache key for a task whose input is the parsed uploads: Prefect would work one out by
# serialising them whole (JSON, then cloudpickle) — another copy of an export's records in
# memory, for a cache the ingest never uses (the key holds the run's id).
@task(name="record", cache_policy=NO_CACHE)
def record_task(data_dir: str, participant: str, parsed: list[Upload]) -> list[Outcome]:
    return uploads.record(Store(data_dir), participant, parsed)


@task(name="refresh-participant")
def refresh_task(data_dir: str, participant: str) -> None:
    refreshing.refresh_participant(Store(data_dir), participant)


@task(name="stale-participants")
def stale_task(data_dir: str, participants: list[str]) -> list[str]:
    return refreshing.stale_participants(Store(data_dir), participants)


@task(name="refresh-participants")
def refresh_many_task(data_dir: str, participants: list[str]) -> dict[str, str]:
    return refreshing.refresh_participants(Store(data_dir), participants)


@task(name="overview-rows")
def overview_rows_task(data_dir: str, as_of: date) -> int:
    # everyone's Group page figures as of the day, stored for the dashboard to open with
    return overview_rows.write(Store(data_dir), as_of)


@task(name="refresh-part")
def refresh_part_task(data_dir: str, part: list[str]) -> dict[str, str]:
    # a Dask worker process refreshes its part one participant after the other
    return refreshing.refresh_participants(Store(data_dir), part, workers=1)


def _slots() -> int:
    """Worker threads of the flow's Dask cluster (1 on any other task runner)."""
    from prefect_dask import DaskTaskRunner

    context = FlowRunContext.get()
    runner = context.task_runner if context else None
    return sum(runner.client.nthreads().values()) if isinstance(runner, DaskTaskRunner) else 1


def _refresh_spread(data_dir: str, targets: list[str]) -> dict[str, str]:
    """Refresh on the flow's Dask cluster: ``targets`` in consecutive parts of about equal
    count, four per worker thread, one ``refresh-part`` task each; each participant
    refreshed under their lock by ``refreshing.refresh_participant``, as locally. Returns
    ``{id: error}`` of those that failed, as ``refresh_many_task`` does."""
    parts = refreshing.split_participants(targets, 4 * _slots())
    futures = [refresh_part_task.submit(data_dir, part) for part in parts]
    return {p: error for future in futures for p, error in future.result().items()}


@flow(name="ingest", flow_run_name="ingest-{participant}", log_prints=False)
def ingest_flow(
    participant: str, upload_list: str, data_dir: str, spread_parsing: bool = False
) -> list[Outcome]:
    """Files → raw store → parse → tables → refresh of the participant's derived tables.

    ``upload_list``: a file listing the files (``uploads.upload_list``), so the run's
    parameters — which Prefect keeps on its server — name no file. ``spread_parsing``:
    parse in tasks on the flow's task runner (a Dask cluster, see :func:`dask_ingest`)
    instead of in this process's worker pool; recording and the refresh stay in this
    process either way."""
    stored = store_raw_task(data_dir, participant, upload_list)
    if spread_parsing:  # records come back from the cluster and are recorded here
        outcomes = record_task(data_dir, participant, _parse_spread(stored))
    else:  # both refresh what they changed
        outcomes = ingest_stored_task(data_dir, participant, stored)
    logger = get_run_logger()
    for line in runs.log_lines(outcomes):  # files by a hash prefix, never by name
        logger.info(line)
    create_markdown_artifact(
        runs.ingest_markdown(participant, outcomes),
        key=runs.artifact_key(participant),
        description=f"what became of each file ingested for {participant}",
    )
    return outcomes


@task(name="purge-raw")
def purge_raw_task(data_dir: str) -> int:
    days = config.raw_retention_days()
    if days is None:  # retention is off (the default)
        return 0
    purged = raw_store.purge_raw(Store(data_dir), days)
    get_run_logger().info(f"retention ({days} days): {len(purged)} raw file(s) deleted")
    return len(purged)


@flow(name="refresh", flow_run_name="refresh-{participants_label}")
def refresh_flow(
    participants: list[str],
    data_dir: str,
    participants_label: str = "all",
    purge_raw: bool = False,
    force: bool = False,
    spread: bool = False,
    overview: bool = False,
) -> list[str]:
    """Recompute daily and adherence tables for the participants named (none named:
    everyone — the nightly schedule of ``backtrack serve``) whose inputs or rules changed
    since their last refresh (``refreshing.stale_participants``; ``force``: all of them).
    Returns those refreshed. ``purge_raw`` (the nightly run): first delete the raw files
    past the retention period, when one is configured (``$BACKTRACK_RAW_RETENTION_DAYS``;
    docs/encryption.md). ``spread``: refresh in ``refresh-part`` tasks on the flow's task
    runner (a Dask cluster, see :func:`dask_refresh`) instead of in this process's worker
    pool; finding the stale ones stays in this process either way. ``overview`` (the
    refresh of everyone): then store everyone's Group page figures as of today
    (``pipelines.app.overview_rows``), whether or not anyone was refreshed."""
    if purge_raw:
        purge_raw_task(data_dir)
    targets = participants or Store(data_dir).participants()
    if not force:
        targets = stale_task(data_dir, targets)
    if len(targets) == 1 and not spread:
        refresh_task(data_dir, targets[0])
    elif targets:
        failed = (_refresh_spread if spread else refresh_many_task)(data_dir, targets)
        if failed:
            lines = "\n".join(f"{p}: {error}" for p, error in sorted(failed.items()))
            raise RuntimeError(f"{len(failed)} of {len(targets)} refresh(es) failed:\n{lines}")
    if overview:
        overview_rows_task(data_dir, date.today())
    return targets


IngestRun = Callable[[str, str, str], list[Outcome]]  # participant, upload list, data dir
LOOPBACK = ("127.", "localhost", "[::1]")
SCHEDULER_TIMEOUT_S = 10  # to reach the scheduler at --dask-address before anything starts


class RunnerUnavailable(ValueError):
    """The runner asked for cannot work with this set-up; the message says what to change."""


# participants, data dir, force, overview (see refresh_flow)
RefreshRun = Callable[[list[str], str, bool, bool], list[str]]


@contextlib.contextmanager
def dask_ingest(
    dask_address: str | None = None, dask_workers: int | None = None
) -> Iterator[IngestRun]:
    """:func:`ingest_flow` with its parsing on a Dask cluster (``prefect-dask``), as
    ``(participant, paths, data_dir) -> outcomes`` — ``backtrack ingest --runner dask``.
    (Without it, :func:`ingest_flow` parses in a pool of processes on this machine.)
    The cluster: see :func:`_dask_task_runner`. The workers read the raw store, so a remote
    cluster must see the data directory under the same absolute path (docs/dask.md)."""
    with _dask_task_runner(dask_address, dask_workers) as dask_runner:
        # with_options asks for TaskRunner[PrefectFuture], DaskTaskRunner's futures are a
        # subclass of it (TaskRunner's type parameter is invariant)
        on_dask = ingest_flow.with_options(task_runner=dask_runner)  # type: ignore[arg-type]

        def run(participant: str, upload_list: str, data_dir: str) -> list[Outcome]:
            root = str(Path(data_dir).resolve())
            return on_dask(participant, upload_list, root, spread_parsing=True)

        yield run


@contextlib.contextmanager
def dask_refresh(
    dask_address: str | None = None, dask_workers: int | None = None
) -> Iterator[RefreshRun]:
    """:func:`refresh_flow` with the participants refreshed on a Dask cluster, as
    ``(participants, data_dir, force) -> refreshed`` — ``backtrack refresh --runner dask``.
    (Without it, :func:`refresh_flow` refreshes in a pool of processes on this machine.)
    The cluster: see :func:`_dask_task_runner`. The workers read and write the
    participants' tables under their locks, so a remote cluster must see the data
    directory under the same absolute path, on a file system whose ``flock`` spans
    machines (docs/dask.md)."""
    with _dask_task_runner(dask_address, dask_workers) as dask_runner:
        on_dask = refresh_flow.with_options(task_runner=dask_runner)  # type: ignore[arg-type]

        def run(participants: list[str], data_dir: str, force: bool, overview: bool) -> list[str]:
            root = str(Path(data_dir).resolve())
            label = participants[0] if len(participants) == 1 else f"{len(participants)}"
            return on_dask(participants, root, label, force=force, spread=True, overview=overview)

        yield run


@contextlib.contextmanager
def _dask_task_runner(
    dask_address: str | None, dask_workers: int | None
) -> Iterator[DaskTaskRunner]:
    """A ``DaskTaskRunner`` for flow runs inside the ``with``: on the scheduler at
    ``dask_address``, or else on a temporary cluster of ``dask_workers`` (default 2)
    single-threaded worker processes on 127.0.0.1, started here once for every flow run
    inside the ``with`` and closed at its end. ``RunnerUnavailable`` before anything starts
    when a remote cluster has no Prefect server to reach or no scheduler answers at the
    address. The arguments are checked by the CLI (``pipelines.cli.flows.check_runner``)."""
    from distributed import Client, LocalCluster
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_ENABLED,
        temporary_settings,
    )
    from prefect_dask import DaskTaskRunner

    remote = dask_address is not None and not dask_address.split("://")[-1].startswith(LOOPBACK)
    if remote and not PREFECT_API_URL.value():
        raise RunnerUnavailable(
            f"a Dask cluster at {dask_address} needs PREFECT_API_URL: a Prefect server its "
            "workers can reach (the temporary one listens on 127.0.0.1 only); see docs/dask.md"
        )
    if dask_address is not None:
        try:  # before anything is stored: a wrong address fails here, with its reason
            with Client(dask_address, timeout=SCHEDULER_TIMEOUT_S, set_as_default=False):
                pass
        except OSError as exc:
            raise RunnerUnavailable(
                f"no Dask scheduler answers at {dask_address} ({exc}); start one or correct "
                "--dask-address (docs/dask.md)"
            ) from exc
    with contextlib.ExitStack() as stack:
        if not PREFECT_API_URL.value() and PREFECT_SERVER_EPHEMERAL_ENABLED.value():
            # The workers record their task runs through the flow's API. With no server set,
            # that is the temporary one Prefect starts in this process; its address must go
            # to the workers in the settings each task carries, or every worker process
            # starts a temporary server of its own (10–20 s each here). It listens on
            # 127.0.0.1: workers on other machines need PREFECT_API_URL (docs/dask.md).
            server = SubprocessASGIServer()  # the one Prefect's own client would start
            server.start()
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: server.api_url}))
        if dask_address is None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=dask_workers or 2,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
            )
            dask_address = cluster.scheduler_address
        # an address, not the cluster object: each flow run gets a fresh copy of its task
        # runner (``DaskTaskRunner.duplicate``), which keeps the address but not a cluster
        yield DaskTaskRunner(address=dask_address)
