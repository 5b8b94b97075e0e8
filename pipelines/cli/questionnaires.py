"""``backtrack questionnaire …``: answer a questionnaire (e.g. a paper form typed in), list
the questionnaires and a participant's answers, check a clinic's definition file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import pandas as pd
import typer
from rich.table import Table

from pipelines.app import questionnaires as app_questionnaires
from pipelines.cli.common import (
    DataDir,
    ParticipantOpt,
    console,
    err,
    parse_date,
    participant_id,
    plain,
    refuse_erased,
    store_at,
)
from pipelines.rules.questionnaires import (
    AnswerError,
    DefinitionError,
    Schedule,
    check_catalogue,
)

questionnaire_app = typer.Typer(
    no_args_is_help=True, help="Questionnaires (PEG-3, PGIC, PSFS and a clinic's own)."
)


@questionnaire_app.command("answer")
def questionnaire_answer(
    participant: ParticipantOpt,
    questionnaire: Annotated[str, typer.Argument(help="its id, e.g. peg3, pgic, psfs")],
    values: Annotated[
        list[str] | None,
        typer.Argument(help="ITEM=VALUE for every item, e.g. pain=7 enjoyment=5 activity=6"),
    ] = None,
    day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default today)")] = None,
    data_dir: DataDir = None,
) -> None:
    """Store one answer (replacing an answer to the same questionnaire on that date)."""
    participant = participant_id(participant)
    store = store_at(data_dir)
    refuse_erased(store.root, participant)
    answered_on = parse_date(day, "--date") or date.today()
    given: dict[str, object] = {}
    for value in values or []:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            _fail(f"{value!r} is not ITEM=VALUE")
        if name.strip() in given:
            _fail(f"item {name.strip()} is given twice")
        given[name.strip()] = text
    try:
        result = app_questionnaires.answer(
            store, participant, questionnaire, answered_on, given, source="cli"
        )
    except AnswerError as exc:
        err.print(f"[red]error:[/] {plain(exc.questionnaire)} was not stored:")
        for problem in exc.problems:
            err.print(f"  {plain(problem.message)}")
        raise typer.Exit(2) from exc
    except (DefinitionError, KeyError, ValueError) as exc:
        _fail(exc.args[0] if isinstance(exc, KeyError) else str(exc))
    console.print(
        f"{participant} {result.date.isoformat()}: {result.questionnaire} score "
        f"{result.score:g} stored"
    )


@questionnaire_app.command("list")
def questionnaire_list(
    participant: Annotated[
        str | None,
        typer.Option(
            "--participant",
            "-p",
            help="list this participant's answers and what is due today (default: the "
            "questionnaires there are)",
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """The questionnaires there are, or a participant's answers (score, change vs the first)."""
    store = store_at(data_dir)
    try:
        known = app_questionnaires.definitions(store)
    except DefinitionError as exc:
        _fail(str(exc))
    if participant is None:
        table = Table("id", "title", "items", "score", "schedule", "file")
        for d in known.values():
            table.add_row(
                d.id,
                plain(d.title.en),
                plain(", ".join(i.id for i in d.items)),
                f"{d.scoring.method} of {', '.join(d.scoring.items)}",
                _schedule(d.schedule),
                plain(Path(d.file).name),
            )
        console.print(table)
        return
    participant = participant_id(participant)
    answers = app_questionnaires.answers(store, participant)
    if answers.empty:
        console.print(f"{participant}: no questionnaire answered yet")
    else:
        table = Table("date", "questionnaire", "score", "change", "items")
        for row in answers.sort_values(["date", "questionnaire"]).to_dict("records"):
            change = "–" if pd.isna(row["change"]) else f"{row['change']:+g}"
            table.add_row(
                row["date"].isoformat(),
                str(row["questionnaire"]),
                f"{row['score']:g}",
                change,
                plain(str(row["items"])),
            )
        console.print(table)
    for due in app_questionnaires.due(store, participant):
        console.print(
            f"due: {due.questionnaire} (week {due.week}, scheduled {due.scheduled.isoformat()}, "
            f"open until {due.until.isoformat()})"
        )


@questionnaire_app.command("check")
def questionnaire_check(
    file: Annotated[Path, typer.Argument(help="a definition file (TOML)")],
    data_dir: DataDir = None,
) -> None:
    """Check a definition file before adding it to <data dir>/questionnaires/."""
    try:
        definition = app_questionnaires.read_definition(file)
        others = [
            d
            for d in app_questionnaires.definitions(store_at(data_dir)).values()
            if Path(d.file).resolve() != file.resolve()
        ]
        check_catalogue([*others, definition])
    except DefinitionError as exc:
        err.print(f"[red]error:[/] {plain(exc.file)}:")
        for problem in exc.problems:
            err.print(f"  {plain(problem)}")
        raise typer.Exit(2) from exc
    console.print(
        f"{plain(str(file))}: {definition.id} with {len(definition.items)} item(s), "
        f"{definition.scoring.method} of {', '.join(definition.scoring.items)}, "
        f"{_schedule(definition.schedule)} — valid"
    )


def _schedule(schedule: Schedule) -> str:
    if schedule.every_weeks is not None:
        until = "" if schedule.until_week is None else f" up to week {schedule.until_week}"
        return f"every {schedule.every_weeks} week(s) from the start{until}"
    return "weeks " + ", ".join(map(str, schedule.weeks))


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/] {plain(message)}")
    raise typer.Exit(2)
