"""``backtrack`` — the command line (typer + rich). Thin: every command calls the library."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines import config
from pipelines.app import jobs
from pipelines.cli.raw import keys_app, participant_reprocess, raw_app, require_key
from pipelines.cli.rights import audit_app, refuse_erased
from pipelines.cli.rights import participant_delete as _participant_delete
from pipelines.cli.rights import participant_export as _participant_export
from pipelines.cli.rights import participant_reuse_id as _participant_reuse_id
from pipelines.cli.users import users_app
from pipelines.orchestrate import inbox as inbox_mod
from pipelines.orchestrate import runs
from pipelines.rules import report as report_mod
from pipelines.rules.ingestion import Outcome
from pipelines.schemas import DAILY, DAYS, SESSIONS
from pipelines.store.storage import InvalidParticipant, Store, check_participant

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="backtrack: walking minutes and every-other-day adherence from fitness-tracker exports.",
)
participant_app = typer.Typer(no_args_is_help=True, help="Participant settings.")
app.add_typer(participant_app, name="participant")
session_app = typer.Typer(no_args_is_help=True, help="A participant's sessions.")
app.add_typer(session_app, name="session")
diary_app = typer.Typer(no_args_is_help=True, help="The pain diary.")
app.add_typer(diary_app, name="diary")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(raw_app, name="raw")
participant_app.command("reprocess")(participant_reprocess)
app.add_typer(audit_app, name="audit")
participant_app.command("export")(_participant_export)
participant_app.command("delete")(_participant_delete)
participant_app.command("reuse-id")(_participant_reuse_id)
# wide enough for the tables when the output goes to a file or a log, not a terminal
console = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="data directory (default: $BACKTRACK_DATA_DIR or ./data)"),
]
ParticipantOpt = Annotated[
    str, typer.Option("--participant", "-p", help="pseudonymous participant id")
]
BATCH_FILES = 256


class Runner(StrEnum):
    """Where ``ingest`` parses files: this machine's processes, or a Dask cluster
    (``pipelines.orchestrate.flows.dask_ingest``)."""

    local = "local"
    dask = "dask"


@app.callback()
def main(
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="the raw store's key file (default: $BACKTRACK_KEY_FILE; docs/encryption.md)",
        ),
    ] = None,
) -> None:
    """backtrack: walking minutes and every-other-day adherence from fitness-tracker exports."""
    if key_file is not None:  # for this process, its flows and the processes it starts
        os.environ[config.KEY_FILE_ENV] = str(key_file.resolve())


def _store(data_dir: Path | None) -> Store:
    return Store(config.data_dir(data_dir))


def _quiet_prefect() -> None:
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # the runs' own lines (one per file) still reach the run log on the server; the
    # console shows warnings only
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    # The temporary in-process server takes 11–17 s to start here, far more on a busy
    # machine; Prefect's default of 20 s then fails the whole ingest.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _participant(value: str) -> str:
    try:
        return check_participant(value)
    except InvalidParticipant as exc:
        raise typer.BadParameter(str(exc)) from exc


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files, folders or zip exports")],
    participant: ParticipantOpt,
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
    dask_address: Annotated[
        str | None,
        typer.Option(
            help="scheduler of a running Dask cluster, e.g. tcp://10.0.0.5:8786 "
            "(default: a temporary cluster on this machine)"
        ),
    ] = None,
    dask_workers: Annotated[
        int | None,
        typer.Option(min=1, help="worker processes of the temporary Dask cluster (default 2)"),
    ] = None,
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
) -> None:
    """Ingest tracker files for one participant; print what became of every file."""
    participant = _participant(participant)
    check_runner(runner, dask_address, dask_workers)
    store = _store(data_dir)
    require_key(store)  # nothing is stored without it
    refuse_erased(store.root, participant)
    try:
        files = jobs.collect_paths(paths)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if via_deployment and runner is not Runner.local:
        raise typer.BadParameter(
            "the served deployment parses where `backtrack serve` runs; drop --runner",
            param_hint="--via-deployment",
        )
    if tz:
        before = jobs.load_participant(store, participant).tz
        try:
            jobs.configure(store, participant, tz=tz)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--tz") from exc
        if tz != before:  # days already placed in the old zone move
            jobs.refresh_participant(store, participant)
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
    outcomes: list[Outcome] = []
    readable: list[Path] = []
    for f in files:
        refusal = jobs.UPLOAD_LIMITS.file_refusal(f.stat().st_size)
        if refusal is None:
            readable.append(f)
        else:
            outcomes.append(Outcome(jobs.upload_name(f), "rejected", refusal))
    hashes = {f: jobs.upload_sha256(f) for f in readable}
    known = jobs.already_ingested(store, participant, hashes.values())
    outcomes += [
        Outcome(jobs.upload_name(f), "already", "already ingested (same upload): nothing changed")
        for f in readable
        if hashes[f] in known
    ]
    todo, refused = jobs.screen_uploads([f for f in readable if hashes[f] not in known])
    outcomes += refused
    if not todo:
        return outcomes
    _quiet_prefect()
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
            with jobs.upload_list(store, participant, batch) as listed:
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
            err.print(f"[red]error:[/] {_plain(str(exc))}")
            raise typer.Exit(1) from exc

    return run_or_exit


def _plain(text: str | None) -> str:
    """Text from a file (its name, a member's name, a cell) as printed: never rich markup,
    and control characters (escape sequences, line breaks, bidirectional overrides) shown
    as ``\\xNN`` / ``\\uNNNN`` (``runs.visible``, the rule the run logs use too)."""
    return escape(runs.visible(text))


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
            table.add_row(_plain(o.name), f"[{colours[o.status]}]{o.status}[/]", _plain(o.reason))
        console.print(table)


@app.command()
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
) -> None:
    """Recompute daily and adherence tables of those whose data, settings or rules changed
    since their last refresh (``--force``: of everyone named)."""
    store = _store(data_dir)
    targets = [_participant(p) for p in participant] if participant else store.participants()
    if not targets:
        console.print("no participants yet")
        return
    _quiet_prefect()
    from pipelines.orchestrate.flows import refresh_flow

    done = refresh_flow(
        targets,
        str(store.root),
        participants_label=targets[0] if len(targets) == 1 else f"{len(targets)}",
        force=force,
    )
    console.print(
        f"refreshed {len(done)} of {len(targets)} participant(s)"
        + (f"; {len(targets) - len(done)} already up to date" if len(done) < len(targets) else "")
    )


@app.command()
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
    _quiet_prefect()
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
        report=lambda line: console.print(_plain(line)),
    )


@app.command()
def report(
    participant: ParticipantOpt,
    start: Annotated[str | None, typer.Option(help="first day (YYYY-MM-DD)")] = None,
    end: Annotated[str | None, typer.Option(help="last day (YYYY-MM-DD)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    data_dir: DataDir = None,
) -> None:
    """A participant's adherence (reads the tables; no flow is started)."""
    participant = _participant(participant)
    store = _store(data_dir)
    p = jobs.load_participant(store, participant)
    days = store.read(DAYS, [participant])
    if days.empty:  # tables from before the diary join: the activity alone
        days = store.read(DAILY, [participant])
    result = report_mod.build(p, days, _date(start, "--start"), _date(end, "--end"))
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        return
    print_report(result)


def print_report(result: dict[str, object]) -> None:
    a = result["adherence"]
    assert isinstance(a, dict)
    target = result["target"]
    assert isinstance(target, dict)
    rng = result["range"]
    assert isinstance(rng, dict)
    training = result["training"]
    assert isinstance(training, dict)

    def percent(value: object) -> str:
        return "–" if value is None else f"{value:.0%}"

    console.print(
        f"[bold]{result['participant']}[/] {rng['start']} … {rng['end']}: target "
        f"{target['min_minutes']}–{target['max_minutes']} min every {target['every_n_days']} "
        f"days — adherence [bold]{percent(a['ratio'])}[/] ({a['weeks_met']}/{a['weeks_total']} "
        f"complete program weeks with ≥ {a['weekly_target_days']} met days, "
        f"{a['weeks_no_data']} without data), walking dose {percent(a['dose_ratio'])}; "
        f"training {percent(training['ratio'])} ({training['weeks_met']}/"
        f"{training['weeks_total']} weeks with ≥ {training['target_sessions_per_week']} sessions "
        f"of ≥ {training['min_session_minutes']} min); blocks {percent(a['block_ratio'])} "
        f"({a['blocks_met']}/{a['blocks_total']} met, {a['blocks_no_data']} without data), "
        f"current streak {a['current_streak_blocks']} block(s), longest gap "
        f"{a['longest_gap_days']} day(s)"
    )
    weeks = result.get("weeks") or []
    assert isinstance(weeks, list)
    if weeks:
        table = Table(
            "week",
            "from",
            "walking days",
            "met days",
            "walking min",
            "credited min",
            "training",
            "strength",
            "pilates",
            "yoga",
            "tai-chi",
        )
        for w in weeks:
            s = w["sessions"]
            table.add_row(
                str(w["week"]) + ("" if w["complete"] else " (part)"),
                w["start"],
                str(w["walking_days"]),
                str(w["met_days"]),
                f"{w['walking_minutes']:.0f}",
                f"{w['walking_minutes_credited']:.0f}",
                str(w["training_sessions"]),
                str(s["strength"]),
                str(s["pilates"]),
                str(s["yoga"]),
                str(s["tai_chi"]),
            )
        console.print(table)


@participant_app.command("set")
def participant_set(
    participant: Annotated[str, typer.Argument(help="participant id")],
    tz: Annotated[str | None, typer.Option(help="IANA time zone")] = None,
    group: Annotated[str | None, typer.Option(help="coaching group")] = None,
    program_start: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    min_minutes: Annotated[int | None, typer.Option(help="a day is met at ≥ this")] = None,
    max_minutes: Annotated[int | None, typer.Option(help="no credit beyond this")] = None,
    every_n_days: Annotated[int | None, typer.Option(help="block length (days)")] = None,
    min_bout_minutes: Annotated[int | None, typer.Option(help="shortest step bout")] = None,
    training_sessions_per_week: Annotated[
        int | None, typer.Option(help="weekly target of strength/Pilates/Yoga/Tai-Chi sessions")
    ] = None,
    min_training_minutes: Annotated[
        int | None, typer.Option(help="a training session counts from this many minutes")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Set a participant's time zone, group and prescription, then refresh their tables."""
    participant = _participant(participant)
    store = _store(data_dir)
    refuse_erased(store.root, participant)
    try:
        p = jobs.configure(
            store,
            participant,
            tz=tz,
            group=group,
            program_start=_date(program_start, "--program-start"),
            min_minutes=min_minutes,
            max_minutes=max_minutes,
            every_n_days=every_n_days,
            min_bout_minutes=min_bout_minutes,
            training_sessions_per_week=training_sessions_per_week,
            min_training_minutes=min_training_minutes,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    jobs.refresh_participant(store, participant)
    console.print(f"{p.id}: tz={p.tz} group={p.group} target={p.target}")


@session_app.command("list")
def session_list(
    participant: ParticipantOpt,
    start: Annotated[str | None, typer.Option(help="first local day (YYYY-MM-DD)")] = None,
    end: Annotated[str | None, typer.Option(help="last local day (YYYY-MM-DD)")] = None,
    data_dir: DataDir = None,
) -> None:
    """List sessions with their ids, category (and how it was decided) and duplicates."""
    participant = _participant(participant)
    rows = _store(data_dir).read(SESSIONS, [participant])
    first, last = _date(start, "--start"), _date(end, "--end")
    table = Table(
        "session",
        "local day",
        "start (UTC)",
        "min",
        "category",
        "decided by",
        "source",
        "type / name",
        "duplicate of",
    )
    for r in rows.sort_values("start_utc").to_dict("records"):
        if (first and r["local_date"] < first) or (last and r["local_date"] > last):
            continue
        names = " / ".join(str(n) for n in (r["sport_name"], r["activity_name"]) if _present(n))
        table.add_row(
            str(r["session_id"]),
            str(r["local_date"]),
            f"{r['start_utc']:%Y-%m-%d %H:%M}",
            f"{r['moving_s'] / 60:.0f}",
            str(r["category"]),
            str(r["category_source"]),
            str(r["source_format"]),
            names,
            str(r["duplicate_of"]) if _present(r["duplicate_of"]) else "",
        )
    console.print(table)


@session_app.command("set-category")
def session_set_category(
    session_id: Annotated[str, typer.Argument(help="id from `backtrack session list`")],
    category: Annotated[
        str,
        typer.Argument(help="walking, strength, pilates, yoga, tai_chi, other — or auto to undo"),
    ],
    participant: ParticipantOpt,
    data_dir: DataDir = None,
) -> None:
    """Correct the category of one session (e.g. an inferred walk that was a bike ride)."""
    participant = _participant(participant)
    refuse_erased(_store(data_dir).root, participant)
    try:
        jobs.set_category(_store(data_dir), participant, session_id, category)
    except (KeyError, ValueError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"{participant} {session_id}: category {category}; tables refreshed")


def _present(value: object) -> bool:
    return value is not None and value is not pd.NA and str(value) not in ("", "nan", "<NA>")


@diary_app.command("import")
def diary_import(
    file: Annotated[Path, typer.Argument(help="diary CSV or XLSX (docs/templates/diary.md)")],
    participant: ParticipantOpt,
    data_dir: DataDir = None,
) -> None:
    """Import a diary file: good rows stored (replacing those dates), bad rows named."""
    participant = _participant(participant)
    refuse_erased(_store(data_dir).root, participant)
    if not file.is_file():
        err.print(f"[red]error:[/] {file}: no such file")
        raise typer.Exit(2)
    store = _store(data_dir)
    require_key(store)
    result = jobs.import_diary(store, participant, file)
    if result.rejected:
        console.print(f"[red]rejected[/] {_plain(result.name)}: {_plain(result.rejected)}")
        raise typer.Exit(1)
    entries = f"{result.entries} entr{'y' if result.entries == 1 else 'ies'}"
    console.print(
        f"{_plain(result.name)}: {entries} stored for {result.dates} day(s); "
        f"{len(result.errors)} row(s) with errors"
    )
    if result.errors:
        table = Table("row", "column", "value", "problem")
        for e in result.errors:
            table.add_row(str(e.row), _plain(e.column), _plain(e.value), _plain(e.message))
        console.print(table)
    for warning in result.warnings:
        console.print(f"[yellow]note:[/] {_plain(warning)}")
    if result.entries == 0:
        raise typer.Exit(1)


@diary_app.command("add")
def diary_add(
    participant: ParticipantOpt,
    day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD or DD.MM.YYYY")],
    pain: Annotated[str | None, typer.Option(help="pain 0–100 (or 0–10 with --scale)")] = None,
    scale: Annotated[str, typer.Option(help="0-100 or 0-10 (×10)")] = "0-100",
    time: Annotated[str | None, typer.Option(help="HH:MM")] = None,
    flare_up: Annotated[str | None, typer.Option(help="yes/no")] = None,
    painkiller: Annotated[str | None, typer.Option(help="yes/no or its name")] = None,
    exercise_pain: Annotated[str | None, typer.Option(help="yes/no: sore after exercise")] = None,
    note: Annotated[str | None, typer.Option(help="free text")] = None,
    data_dir: DataDir = None,
) -> None:
    """Add (or replace) one diary entry."""
    from ingest.diary import diary_entry

    participant = _participant(participant)
    refuse_erased(_store(data_dir).root, participant)
    try:
        entry = diary_entry(
            date=day,
            pain=pain,
            time=time,
            flare_up=flare_up,
            painkiller=painkiller,
            exercise_pain=exercise_pain,
            note=note,
            today=date.today(),
            pain_scale=scale,
        )
    except ValueError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    jobs.add_diary_entry(_store(data_dir), participant, entry)
    console.print(f"{participant} {entry.date}: pain {entry.pain} stored")


def _date(value: str | None, hint: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=hint) from exc


if __name__ == "__main__":
    app()
