"""``backtrack ingest``, ``refresh`` and ``serve``: the commands that run the flows."""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines import config
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.cli.common import (
    DataDir,
    ParticipantOpt,
    console,
    err,
    participant_id,
    plain,
    program_start_note,
    refuse_erased,
    require_key,
    store_at,
)
from pipelines.orchestrate import inbox as inbox_mod
from pipelines.orchestrate.prefect_env import quiet_prefect
from pipelines.rules.ingestion import Outcome
from pipelines.store.storage import Store

BATCH_FILES = 256


class Runner(StrEnum):
    """Where ``ingest`` parses files and ``refresh`` recomputes tables: this machine's
    processes, or a Dask cluster (``pipelines.orchestrate.flows.dask_ingest`` and
    ``dask_refresh``)."""

    local = "local"
    dask = "dask"


DaskAddressOpt = Annotated[
    str | None,
    typer.Option(
        help="scheduler of a running Dask cluster, e.g. tcp://10.0.0.5:8786 "
        "(default: a temporary cluster on this machine)"
    ),
]
DaskWorkersOpt = Annotated[
    int | None,
    typer.Option(min=1, help="worker processes of the temporary Dask cluster (default 2)"),
]


def ingest(
    participant: ParticipantOpt,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="files, folders or zip exports")
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            help="IANA time zone for files without an offset (stored for the participant)"
        ),
    ] = None,
    data_dir: DataDir = None,
    runner: Annotated[
        Runner,
        typer.Option(
            help="where files are parsed: local worker processes, or a Dask cluster (docs/dask.md)"
        ),
    ] = Runner.local,
    dask_address: DaskAddressOpt = None,
    dask_workers: DaskWorkersOpt = None,
    via_deployment: Annotated[
        bool,
        typer.Option(
            "--via-deployment",
            help="run on the served `ingest` deployment (`backtrack serve`) when the Prefect "
            "server has one; otherwise in this process",
        ),
    ] = False,
    run_file: Annotated[
        Path | None,
        typer.Option(help="with --via-deployment: keep the flow run's id and state here (JSON)"),
    ] = None,
    listed: Annotated[
        Path | None,
        typer.Option(
            help="instead of PATHS: an upload list of files already admitted and sealed in "
            "the raw store (what the dashboard hands over); removed when done"
        ),
    ] = None,
) -> None:
    """Ingest tracker files for one participant; print what became of every file."""
    participant = participant_id(participant)
    check_runner(runner, dask_address, dask_workers)
    store = store_at(data_dir)
    require_key(store)  # nothing is stored without it
    refuse_erased(store.root, participant)
    if bool(paths) == (listed is not None):
        raise typer.BadParameter("name files or folders, or one --listed upload list")
    try:
        files = uploads.collect_paths(paths or [])
        admitted = uploads.listed_admitted(store, participant, listed) if listed else []
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if via_deployment and runner is not Runner.local:
        raise typer.BadParameter(
            "the served deployment parses where `backtrack serve` runs; drop --runner",
            param_hint="--via-deployment",
        )
    new = settings.is_new(store, participant)  # asked for its program start below
    if tz:
        before = settings.load_participant(store, participant).tz
        try:
            settings.configure(store, participant, tz=tz)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--tz") from exc
        if tz != before:  # days already placed in the old zone move
            refreshing.refresh_participant(store, participant)
    if listed is not None:
        try:
            outcomes = run_admitted(
                store,
                participant,
                admitted,
                runner,
                dask_address,
                dask_workers,
                via_deployment=via_deployment,
                run_file=run_file,
            )
        finally:
            store.remove_upload_list(listed)
    else:
        outcomes = run_ingest(
            store,
            participant,
            files,
            runner,
            dask_address,
            dask_workers,
            via_deployment=via_deployment,
            run_file=run_file,
        )
    print_summary(outcomes)
    if new and settings.load_participant(store, participant).target.program_start is None:
        start = settings.effective_start(store, participant)
        console.print(program_start_note(participant, start), markup=False, soft_wrap=True)
    if not any(o.status in ("ok", "already", "duplicate") for o in outcomes):
        raise typer.Exit(1)


_DASK_ADDRESS = re.compile(r"(?:[a-z]+://)?[^\s/:]+:\d{1,5}")


def check_runner(runner: Runner, dask_address: str | None, dask_workers: int | None) -> None:
    """The ``--runner`` options make sense together, or a ``BadParameter`` says why."""
    if runner is not Runner.dask:
        given = "--dask-address" if dask_address is not None else "--dask-workers"
        if dask_address is not None or dask_workers is not None:
            raise typer.BadParameter(f"{given} needs --runner dask", param_hint=given)
        return
    if dask_address is not None and dask_workers is not None:
        raise typer.BadParameter(
            "--dask-workers sizes the temporary local cluster; a cluster at --dask-address "
            "has the workers it was started with: give one or the other",
            param_hint="--dask-workers",
        )
    if dask_address is not None and not _DASK_ADDRESS.fullmatch(dask_address):
        raise typer.BadParameter(
            f"{dask_address!r} is not a scheduler address like tcp://10.0.0.5:8786",
            param_hint="--dask-address",
        )


def run_ingest(
    store: Store,
    participant: str,
    files: list[Path],
    runner: Runner = Runner.local,
    dask_address: str | None = None,
    dask_workers: int | None = None,
    *,
    via_deployment: bool = False,
    run_file: Path | None = None,
) -> list[Outcome]:
    """Ingest ``files`` in batches (one flow run each); uploads seen before skip Prefect.
    ``runner``: where the files are parsed (``dask``: ``pipelines.orchestrate.flows.dask_ingest``).
    ``via_deployment``: each batch a run of the served ``ingest`` deployment when there is
    one (``pipelines.orchestrate.serve.deployment_ingest``; its state kept in ``run_file``).

    The upload limits (``ingest.limits.UploadLimits``) are applied before anything is read:
    a file too large on its own is refused first; then files ingested before are set
    aside, and the count and total-size limits apply to the new files only."""
    incoming = [uploads.Incoming.from_path(f) for f in files]
    admission = uploads.admit(store, participant, incoming)
    outcomes = [
        *admission.refused,
        *(
            Outcome(a.file.name, "already", "already ingested (same upload): nothing changed")
            for a in admission.known
        ),
    ]
    order = {id(f): i for i, f in enumerate(incoming)}  # the upload's order
    todo = sorted([*admission.new, *admission.repeated], key=lambda a: order[id(a.file)])
    return outcomes + run_admitted(
        store,
        participant,
        todo,
        runner,
        dask_address,
        dask_workers,
        via_deployment=via_deployment,
        run_file=run_file,
    )


def run_admitted(
    store: Store,
    participant: str,
    todo: Sequence[uploads.Admitted],
    runner: Runner = Runner.local,
    dask_address: str | None = None,
    dask_workers: int | None = None,
    *,
    via_deployment: bool = False,
    run_file: Path | None = None,
) -> list[Outcome]:
    """Admitted files (``uploads.admit``) through the ingest flow, in batches of
    :data:`BATCH_FILES` (one flow run each)."""
    outcomes: list[Outcome] = []
    if not todo:
        return outcomes
    quiet_prefect()
    batches = [todo[i : i + BATCH_FILES] for i in range(0, len(todo), BATCH_FILES)]
    with contextlib.ExitStack() as stack:
        run_flow: Callable[[str, str, str], list[Outcome]]  # participant, upload list, data dir
        if runner is Runner.dask:
            from pipelines.orchestrate.flows import RunnerUnavailable, dask_ingest

            try:
                run_flow = stack.enter_context(dask_ingest(dask_address, dask_workers))
            except RunnerUnavailable as exc:
                raise typer.BadParameter(str(exc), param_hint="--dask-address") from exc
        elif via_deployment and (deployed := _deployment_ingest(store, run_file)):
            run_flow = deployed
        else:
            from pipelines.orchestrate.flows import ingest_flow

            run_flow = ingest_flow
        progress = stack.enter_context(
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
        )
        bar = progress.add_task(f"ingesting for {participant}", total=len(todo))
        for batch in batches:
            with uploads.upload_list(store, participant, batch) as listed:
                outcomes += run_flow(participant, listed, str(store.root))
            progress.advance(bar, len(batch))
    return outcomes


def _deployment_ingest(
    store: Store, run_file: Path | None
) -> Callable[[str, str, str], list[Outcome]] | None:
    """Runs of the served ``ingest`` deployment, or ``None`` without a server serving one."""
    from pipelines.orchestrate import serve as serve_mod

    if not serve_mod.api_url() or not serve_mod.deployment_ready():
        return None
    run = serve_mod.deployment_ingest(store, run_file)

    def run_or_exit(participant: str, upload_list: str, data_dir: str) -> list[Outcome]:
        try:
            return run(participant, upload_list, data_dir)
        except serve_mod.DeploymentRunFailed as exc:
            err.print(f"[red]error:[/] {plain(str(exc))}")
            raise typer.Exit(1) from exc

    return run_or_exit


def print_summary(outcomes: list[Outcome]) -> None:
    counts = Counter(o.status for o in outcomes)
    sessions = sum(o.sessions for o in outcomes if o.status == "ok")
    console.print(
        f"[bold]{len(outcomes)} file(s):[/] {counts['ok']} ingested ({sessions} sessions), "
        f"{counts['already']} already ingested, {counts['duplicate']} duplicate, "
        f"{counts['skipped']} skipped, {counts['rejected']} rejected"
    )
    notable = [
        o
        for o in outcomes
        if o.status in ("duplicate", "skipped", "rejected") or (o.status == "ok" and o.reason)
    ]
    if notable:
        table = Table("file", "status", "reason", show_lines=False)
        colours = {"rejected": "red", "skipped": "yellow", "duplicate": "cyan", "ok": "green"}
        for o in notable:
            table.add_row(plain(o.name), f"[{colours[o.status]}]{o.status}[/]", plain(o.reason))
        console.print(table)


def refresh(
    participant: Annotated[
        list[str] | None,
        typer.Option("--participant", "-p", help="only these participants (default: all)"),
    ] = None,
    data_dir: DataDir = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="recompute everyone named, also those whose inputs are unchanged"
        ),
    ] = False,
    runner: Annotated[
        Runner,
        typer.Option(
            help="where tables are recomputed: local worker processes, or a Dask cluster "
            "(docs/dask.md)"
        ),
    ] = Runner.local,
    dask_address: DaskAddressOpt = None,
    dask_workers: DaskWorkersOpt = None,
) -> None:
    """Recompute daily and adherence tables of those whose data, settings or rules changed
    since their last refresh (``--force``: of everyone named)."""
    check_runner(runner, dask_address, dask_workers)
    store = store_at(data_dir)
    targets = [participant_id(p) for p in participant] if participant else store.participants()
    if not targets:
        console.print("no participants yet")
        return
    quiet_prefect()
    if runner is Runner.dask:
        from pipelines.orchestrate.flows import RunnerUnavailable, dask_refresh

        try:
            with dask_refresh(dask_address, dask_workers) as run:
                done = run(targets, str(store.root), force, not participant)
        except RunnerUnavailable as exc:
            raise typer.BadParameter(str(exc), param_hint="--dask-address") from exc
    else:
        from pipelines.orchestrate.flows import refresh_flow

        done = refresh_flow(
            targets,
            str(store.root),
            participants_label=targets[0] if len(targets) == 1 else f"{len(targets)}",
            force=force,
            overview=not participant,  # everyone: their Group page figures stored too
        )
    console.print(
        f"refreshed {len(done)} of {len(targets)} participant(s)"
        + (f"; {len(targets) - len(done)} already up to date" if len(done) < len(targets) else "")
    )


def serve(
    data_dir: DataDir = None,
    inbox: Annotated[
        Path | None,
        typer.Option(help="folder with one sub-folder per participant (default: <data dir>/inbox)"),
    ] = None,
    nightly: Annotated[
        str, typer.Option(help="cron schedule of the refresh of everyone")
    ] = "0 3 * * *",
    timezone: Annotated[
        str | None,
        typer.Option(help="time zone of the schedule (default: $BACKTRACK_DEFAULT_TZ)"),
    ] = None,
    poll: Annotated[float, typer.Option(min=0.5, help="seconds between inbox polls")] = 10.0,
) -> None:
    """Serve the ingest and refresh deployments on a Prefect server and watch the inbox."""
    quiet_prefect()
    from pipelines.orchestrate import serve as serve_mod

    if not serve_mod.api_url():
        err.print(serve_mod.NO_SERVER, markup=False, highlight=False)
        raise typer.Exit(2)
    try:
        zone = config.validate_tz(timezone) if timezone else config.default_tz()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--timezone") from exc
    root = config.data_dir(data_dir)
    require_key(Store(root))
    serve_mod.serve(
        root,
        inbox or root / inbox_mod.FOLDER,
        nightly=nightly,
        timezone=zone,
        poll_s=poll,
        report=lambda line: console.print(plain(line)),
    )
