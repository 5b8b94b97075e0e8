"""``backtrack export fhir``: a participant's figures as one FHIR R4 bundle (docs/fhir.md).
Thin: ``pipelines.app.fhir_export`` reads, maps, validates and records it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipelines.app import fhir_export
from pipelines.cli.common import (
    DataDir,
    ParticipantOpt,
    console,
    err,
    parse_date,
    participant_id,
    refuse_erased,
    store_at,
)
from pipelines.store import audit

export_app = typer.Typer(
    no_args_is_help=True, help="Exports in standard formats (FHIR; docs/fhir.md)."
)


@export_app.command("fhir")
def export_fhir(
    participant: ParticipantOpt,
    out: Annotated[Path, typer.Option("--out", help="the JSON file to write")],
    start: Annotated[str | None, typer.Option(help="first day (YYYY-MM-DD)")] = None,
    end: Annotated[str | None, typer.Option(help="last day (YYYY-MM-DD)")] = None,
    data_dir: DataDir = None,
) -> None:
    """One FHIR R4 Bundle (collection) of a participant: daily steps, walking minutes and
    pain, sessions, the prescription as Goals (default range: the report's). Audited."""
    participant = participant_id(participant)
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if first is not None and last is not None and last < first:
        raise typer.BadParameter("the range ends before it starts", param_hint="--end")
    store = store_at(data_dir)
    refuse_erased(store.root, participant)
    if participant not in store.participants():
        err.print(f"[red]error:[/] no data of participant {participant!r}")
        raise typer.Exit(2)
    done = fhir_export.write(store, participant, out, first, last, actor=audit.cli_actor())
    covered = f"{done.range[0]} … {done.range[1]}" if done.range else "no data"
    counts = ", ".join(f"{n} {kind}" for kind, n in done.resources.items())
    console.print(f"{out}: FHIR bundle of {participant}, {covered}: {counts}")
