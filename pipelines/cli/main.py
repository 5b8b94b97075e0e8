"""``backtrack`` — the command line (typer + rich). Thin: every command calls the library.

One module per command group: ``flows`` (ingest, refresh, serve), ``up`` (the whole
system), ``report``, ``participants`` (participant, session), ``diary``, ``questionnaires``
(questionnaire), ``users``, ``raw`` (keys, raw, participant reprocess), ``rights`` (audit,
participant export/delete/reuse-id), ``export`` (fhir); ``common`` holds what they share.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pipelines import config
from pipelines.cli import flows, report, up
from pipelines.cli.diary import diary_app
from pipelines.cli.export import export_app
from pipelines.cli.participants import participant_app, session_app
from pipelines.cli.questionnaires import questionnaire_app
from pipelines.cli.raw import keys_app, raw_app
from pipelines.cli.rights import audit_app
from pipelines.cli.users import users_app

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="backtrack: walking minutes and every-other-day adherence from fitness-tracker exports.",
)
app.command()(flows.ingest)
app.command()(flows.refresh)
app.command()(flows.serve)
app.command()(up.up)
app.command()(report.report)
app.add_typer(participant_app, name="participant")
app.add_typer(session_app, name="session")
app.add_typer(diary_app, name="diary")
app.add_typer(questionnaire_app, name="questionnaire")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(raw_app, name="raw")
app.add_typer(audit_app, name="audit")
app.add_typer(export_app, name="export")


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


if __name__ == "__main__":
    app()
