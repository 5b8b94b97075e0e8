"""``backtrack diary …``: the pain diary, imported from a file or entered one day at a time."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines.app import diary as diary_entries
from pipelines.cli.common import (
    DataDir,
    ParticipantOpt,
    console,
    err,
    participant_id,
    plain,
    refuse_erased,
    require_key,
    store_at,
)

diary_app = typer.Typer(no_args_is_help=True, help="The pain diary.")


@diary_app.command("import")
def diary_import(
    file: Annotated[Path, typer.Argument(help="diary CSV or XLSX (docs/templates/diary.md)")],
    participant: ParticipantOpt,
    data_dir: DataDir = None,
) -> None:
    """Import a diary file: good rows stored (replacing those dates), bad rows named."""
    participant = participant_id(participant)
    refuse_erased(store_at(data_dir).root, participant)
    if not file.is_file():
        err.print(f"[red]error:[/] {file}: no such file")
        raise typer.Exit(2)
    store = store_at(data_dir)
    require_key(store)
    result = diary_entries.import_diary_file(store, participant, file)
    if result.rejected:
        console.print(f"[red]rejected[/] {plain(result.name)}: {plain(result.rejected)}")
        raise typer.Exit(1)
    entries = f"{result.entries} entr{'y' if result.entries == 1 else 'ies'}"
    console.print(
        f"{plain(result.name)}: {entries} stored for {result.dates} day(s); "
        f"{len(result.errors)} row(s) with errors"
    )
    if result.errors:
        table = Table("row", "column", "value", "problem")
        for e in result.errors:
            table.add_row(str(e.row), plain(e.column), plain(e.value), plain(e.message))
        console.print(table)
    for warning in result.warnings:
        console.print(f"[yellow]note:[/] {plain(warning)}")
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

    participant = participant_id(participant)
    refuse_erased(store_at(data_dir).root, participant)
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
    diary_entries.add_diary_entry(store_at(data_dir), participant, entry)
    console.print(f"{participant} {entry.date}: pain {entry.pain} stored")
