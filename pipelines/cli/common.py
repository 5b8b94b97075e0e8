"""What every command group shares: the consoles, the common options, and the checks a command
makes before it touches any data (a safe participant id, a raw-store key, an erased id)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape

from pipelines import config
from pipelines.orchestrate import runs
from pipelines.rules.participants import ProgramStart
from pipelines.store import sealed, tombstones
from pipelines.store.storage import InvalidParticipant, MissingKey, Store, check_participant

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


def store_at(data_dir: Path | None) -> Store:
    return Store(config.data_dir(data_dir))


def participant_id(value: str) -> str:
    try:
        return check_participant(value)
    except InvalidParticipant as exc:
        raise typer.BadParameter(str(exc)) from exc


def plain(text: str | None) -> str:
    """Text from a file (its name, a member's name, a cell) as printed: never rich markup,
    and control characters (escape sequences, line breaks, bidirectional overrides) shown
    as ``\\xNN`` / ``\\uNNNN`` (``runs.visible``, the rule the run logs use too)."""
    return escape(runs.visible(text))


def present(value: object) -> bool:
    return value is not None and value is not pd.NA and str(value) not in ("", "nan", "<NA>")


def parse_date(value: str | None, hint: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=hint) from exc


def require_key(store: Store) -> None:
    """Exit 2 with the reason when the raw store has no usable key (nothing is stored
    without it; docs/encryption.md)."""
    try:
        store.key  # noqa: B018 - loading it is the check
    except (MissingKey, sealed.KeyFileError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc


def refuse_erased(root: Path, participant: str) -> None:
    """Exit 2 when ``participant`` is an erased id (docs/rights.md)."""
    try:
        tombstones.refuse_erased(root, participant)
    except tombstones.Erased as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc


def program_start_note(participant: str, start: ProgramStart | None) -> str:
    """What the CLI says when ``participant`` has no program start set: that none is set,
    what stands in for it (``participants.effective_start``), and how to set it."""
    if start is not None and start.source == "first_diary_day":
        stands_in = f"the first diary day ({start.date.isoformat()}) stands in"
    elif start is not None:
        stands_in = (
            f"there is no diary yet, so the first day with activity data "
            f"({start.date.isoformat()}) stands in; once diary entries arrive, the first "
            "diary day will"
        )
    else:
        stands_in = (
            "the first diary day will stand in (without a diary, the first day with activity data)"
        )
    return (
        f"Note: no program start is set for {participant}. Program weeks, blocks and the pain "
        f"baseline count from it; until it is set, {stands_in}. Set it with: backtrack "
        f"participant set {participant} --program-start YYYY-MM-DD"
    )
