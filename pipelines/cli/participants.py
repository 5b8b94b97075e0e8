"""``backtrack participant …`` and ``backtrack session …``: a participant's settings and
sessions (the raw-store and rights commands of the group live in ``raw`` and ``rights``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.cli.common import (
    DataDir,
    ParticipantOpt,
    console,
    err,
    parse_date,
    participant_id,
    present,
    program_start_note,
    store_at,
)
from pipelines.cli.raw import participant_reprocess
from pipelines.cli.rights import (
    participant_delete,
    participant_export,
    participant_reuse_id,
    refuse_erased,
)
from pipelines.schemas import SESSIONS

participant_app = typer.Typer(no_args_is_help=True, help="Participant settings.")
participant_app.command("reprocess")(participant_reprocess)
participant_app.command("export")(participant_export)
participant_app.command("delete")(participant_delete)
participant_app.command("reuse-id")(participant_reuse_id)
session_app = typer.Typer(no_args_is_help=True, help="A participant's sessions.")


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
    max_pause_minutes: Annotated[
        int | None, typer.Option(help="minutes below walking cadence a bout continues across")
    ] = None,
    min_wear_minutes: Annotated[
        int | None, typer.Option(help="a day worn less than this is low_wear")
    ] = None,
    training_sessions_per_week: Annotated[
        int | None, typer.Option(help="weekly target of strength/Pilates/Yoga/Tai-Chi sessions")
    ] = None,
    min_training_minutes: Annotated[
        int | None, typer.Option(help="a training session counts from this many minutes")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Set a participant's time zone, group and prescription, then refresh their tables.
    Without a program start (stored or given) it says what stands in and how to set one."""
    participant = participant_id(participant)
    store = store_at(data_dir)
    refuse_erased(store.root, participant)
    try:
        p = settings.configure(
            store,
            participant,
            tz=tz,
            group=group,
            program_start=parse_date(program_start, "--program-start"),
            min_minutes=min_minutes,
            max_minutes=max_minutes,
            every_n_days=every_n_days,
            min_bout_minutes=min_bout_minutes,
            max_pause_minutes=max_pause_minutes,
            min_wear_minutes=min_wear_minutes,
            training_sessions_per_week=training_sessions_per_week,
            min_training_minutes=min_training_minutes,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    refreshing.refresh_participant(store, participant)
    console.print(f"{p.id}: tz={p.tz} group={p.group} target={p.target}")
    if p.target.program_start is None:
        start = settings.effective_start(store, participant)
        console.print(program_start_note(participant, start), markup=False, soft_wrap=True)


@session_app.command("list")
def session_list(
    participant: ParticipantOpt,
    start: Annotated[str | None, typer.Option(help="first local day (YYYY-MM-DD)")] = None,
    end: Annotated[str | None, typer.Option(help="last local day (YYYY-MM-DD)")] = None,
    data_dir: DataDir = None,
) -> None:
    """List sessions with their ids, category (and how it was decided) and duplicates."""
    participant = participant_id(participant)
    rows = store_at(data_dir).read(SESSIONS, [participant])
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
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
        names = " / ".join(str(n) for n in (r["sport_name"], r["activity_name"]) if present(n))
        table.add_row(
            str(r["session_id"]),
            str(r["local_date"]),
            f"{r['start_utc']:%Y-%m-%d %H:%M}",
            f"{r['moving_s'] / 60:.0f}",
            str(r["category"]),
            str(r["category_source"]),
            str(r["source_format"]),
            names,
            str(r["duplicate_of"]) if present(r["duplicate_of"]) else "",
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
    participant = participant_id(participant)
    refuse_erased(store_at(data_dir).root, participant)
    try:
        settings.set_category(store_at(data_dir), participant, session_id, category)
    except (KeyError, ValueError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"{participant} {session_id}: category {category}; tables refreshed")
