"""``backtrack audit …`` and ``backtrack participant export|delete|reuse-id`` — the audit
trail (``pipelines.store.audit``) and a person's rights (``pipelines.app.rights``). Thin, like
``cli``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipelines import config
from pipelines.app import rights
from pipelines.cli.common import DataDir, console, err, participant_id, refuse_erased
from pipelines.store import audit
from pipelines.store.storage import Store

audit_app = typer.Typer(no_args_is_help=True, help="The audit trail: who saw what, and when.")


@audit_app.command("show")
def audit_show(
    participant: Annotated[
        str | None, typer.Option("--participant", "-p", help="only entries naming this id")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="only entries from this day (YYYY-MM-DD)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Print the audit trail (optionally one participant's entries, from a day on)."""
    who = participant_id(participant) if participant else None
    start = None
    if since:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), UTC)
        except ValueError as exc:
            raise typer.BadParameter(f"{since!r} is not a date (YYYY-MM-DD)") from exc
    log = audit.AuditLog(config.data_dir(data_dir))
    table = Table("seq", "at (UTC)", "actor", "action", "participants", "group", "detail")
    for e in audit.select(log.entries(), who, start):
        table.add_row(
            str(e.seq),
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            escape(e.actor),
            e.action,
            ", ".join(e.participants),
            escape(e.group or ""),
            escape(e.detail),
        )
    console.print(table)


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None) -> None:
    """Check the hash chain and its head; exit 1 when anything was altered or removed."""
    result = audit.AuditLog(config.data_dir(data_dir)).verify()
    if result.ok:
        console.print(f"audit trail intact: {result.entries} entries, chain and head match")
        return
    for problem in result.problems:
        console.print(f"[red]{escape(problem)}[/red]")
    console.print(f"[red]audit trail NOT intact[/red] ({result.entries} entries read)")
    raise typer.Exit(1)


def participant_export(
    participant: Annotated[str, typer.Argument(help="participant id")],
    out: Annotated[
        Path | None, typer.Option("--out", help="the zip to write (default backtrack-<id>.zip)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Everything of one participant in one zip: raw files, table rows, account, README."""
    participant = participant_id(participant)
    store = Store(config.data_dir(data_dir))
    refuse_erased(store.root, participant)
    if participant not in store.participants():
        err.print(f"[red]error:[/] no data of participant {participant!r}")
        raise typer.Exit(2)
    target = out or Path(f"backtrack-{participant}.zip")
    with open(target, "wb") as fh:
        summary = rights.write_export(store, participant, fh, actor=audit.cli_actor())
    console.print(
        f"{target}: {summary.raw_files} raw file(s), {sum(summary.rows.values())} table rows, "
        f"{summary.accounts} account(s)"
    )


def participant_delete(
    participant: Annotated[str, typer.Argument(help="participant id")],
    yes: Annotated[bool, typer.Option("--yes", help="really erase (cannot be undone)")] = False,
    inbox: Annotated[
        Path | None, typer.Option(help="the serve inbox when not <data dir>/inbox")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Erase every trace of a participant, then scan for any left (exit 1 if one is)."""
    participant = participant_id(participant)
    if not yes:
        err.print(f"[red]error:[/] erasing {participant} cannot be undone: add --yes")
        raise typer.Exit(2)
    store = Store(config.data_dir(data_dir))
    done = rights.erase(store, participant, actor=audit.cli_actor(), inbox=inbox)
    console.print(
        f"{participant}: erased {done.raw_files} raw file(s), {done.partitions} table "
        f"partition(s), {done.roster_rows} roster row(s), {done.accounts} account(s), "
        f"{done.inbox_files} inbox file(s); the id is kept as erased"
    )
    if done.traces:
        console.print(f"[red]check: {len(done.traces)} trace(s) of {participant} remain:[/red]")
        for trace in done.traces:
            console.print(f"  {escape(trace)}")
        raise typer.Exit(1)
    console.print(
        f"check: no path, table row or account of {participant} remains in {store.root} "
        "(the audit trail and the list of erased ids keep the pseudonymous id)"
    )


def participant_reuse_id(
    participant: Annotated[str, typer.Argument(help="an erased participant id")],
    reason: Annotated[str, typer.Option(help="why (goes into the audit trail)")],
    yes: Annotated[bool, typer.Option("--yes", help="really allow the erased id again")] = False,
    data_dir: DataDir = None,
) -> None:
    """Allow an erased participant id to be used again (an audited override)."""
    participant = participant_id(participant)
    if not yes:
        err.print("[red]error:[/] prefer a new id; to reuse an erased one, add --yes")
        raise typer.Exit(2)
    try:
        rights.reuse_id(
            config.data_dir(data_dir), participant, actor=audit.cli_actor(), reason=reason
        )
    except ValueError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    console.print(f"{participant} may be used again; recorded in the audit trail")
