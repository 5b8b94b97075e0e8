"""``backtrack keys …``, ``backtrack raw …`` and ``participant reprocess``: the raw store's
key, its encryption in place, retention and rebuilding tables from it (docs/encryption.md).
Thin, like ``cli``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipelines import config
from pipelines.app import raw as raw_store
from pipelines.cli.common import DataDir, console, err, require_key
from pipelines.store import sealed
from pipelines.store.storage import InvalidParticipant, Store, check_participant

keys_app = typer.Typer(no_args_is_help=True, help="The raw store's encryption key.")
raw_app = typer.Typer(no_args_is_help=True, help="The raw store: retention.")


@keys_app.command("init")
def keys_init(
    path: Annotated[Path, typer.Argument(help="where to create the key file (never overwritten)")],
) -> None:
    """Create a new random key file (mode 0600) for the raw store."""
    try:
        key = sealed.create_key_file(path)
    except sealed.KeyFileError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    console.print(
        f"created {escape(str(path))} (key id {key.id.hex()}). Keep it outside the data "
        f"directory and back it up: without it the raw files cannot be read. Use it with "
        f"{config.KEY_FILE_ENV}={escape(str(path.resolve()))} or --key-file."
    )


@keys_app.command("encrypt-raw")
def keys_encrypt_raw(
    old_key_file: Annotated[
        list[Path] | None,
        typer.Option(help="a previous key: files sealed with it are resealed (key rotation)"),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Encrypt raw files stored unencrypted by older versions (and reseal those of an old
    key), each in place and atomically."""
    store = Store(config.data_dir(data_dir))
    require_key(store)
    try:
        old = [sealed.load_key(p) for p in old_key_file or []]
    except sealed.KeyFileError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    results = raw_store.seal_raw_store(store, old)
    counts = {
        word: sum(r.result == word for r in results) for word in ("sealed", "resealed", "kept")
    }
    failed = [r for r in results if r.result.startswith("failed")]
    console.print(
        f"{len(results)} raw file(s): {counts['sealed']} encrypted, {counts['resealed']} "
        f"resealed with the current key, {counts['kept']} already encrypted, "
        f"{len(failed)} failed"
    )
    for r in failed:
        console.print(f"[red]{escape(r.participant)}/{escape(r.path.name)}[/] {escape(r.result)}")
    if failed:
        raise typer.Exit(1)


@raw_app.command("purge")
def raw_purge(
    older_than_days: Annotated[
        int | None,
        typer.Option(
            min=0,
            help=f"delete raw files ingested at least this many days ago "
            f"(default: ${config.RAW_RETENTION_ENV}; unset: nothing is deleted)",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only list what is due")] = False,
    data_dir: DataDir = None,
) -> None:
    """Delete raw files past the retention period; the tables keep what they yielded."""
    try:
        days = config.raw_retention_days(older_than_days)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--older-than-days") from exc
    if days is None:
        console.print(
            f"retention is off: give --older-than-days N or set {config.RAW_RETENTION_ENV}; "
            "nothing deleted"
        )
        return
    purged = raw_store.purge_raw(Store(config.data_dir(data_dir)), days, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{verb} {len(purged)} raw file(s) ingested {days} or more days ago")
    if purged:
        table = Table("participant", "file", "ingested", "raw file")
        for f in purged:
            table.add_row(
                f.participant, escape(f.name), f"{f.ingested_at:%Y-%m-%d}", f.path.name[:16] + "…"
            )
        console.print(table)


def participant_reprocess(
    participant: Annotated[str, typer.Argument(help="participant id")],
    data_dir: DataDir = None,
) -> None:
    """Rebuild a participant's sessions, steps and file tables from their raw files
    (decrypted with the key), then their daily tables; settings, diary and category
    corrections stay."""
    try:
        participant = check_participant(participant)
    except InvalidParticipant as exc:
        raise typer.BadParameter(str(exc)) from exc
    store = Store(config.data_dir(data_dir))
    require_key(store)
    started = datetime.now(UTC)
    try:
        outcomes = raw_store.reprocess(store, participant)
    except raw_store.MissingRawFiles as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    except sealed.SealedFileError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}; nothing was changed")
        raise typer.Exit(1) from exc
    ok = sum(o.status == "ok" for o in outcomes)
    seconds = (datetime.now(UTC) - started).total_seconds()
    console.print(
        f"{participant}: reprocessed {len(outcomes)} file(s) ({ok} ingested, "
        f"{sum(o.sessions for o in outcomes if o.status == 'ok')} sessions) in {seconds:.1f} s; "
        "tables rebuilt"
    )
