"""A person's rights over their data: a copy of everything (export) and erasure (delete).

* :func:`write_export` writes one zip: the participant's raw files under the names they were
  uploaded as, every table's rows of theirs as CSV and Parquet, their account record(s)
  without password hashes, and a README describing every column (from ``pipelines.schemas``).
* :func:`erase` removes, under the participant's lock, their raw files, table partitions,
  roster row, accounts, inbox folder (dashboard uploads and their run files included) and
  lock file; :func:`traces` then proves it by scanning the data directory.
* A **tombstone** (``<data dir>/erased.json``: pseudonymous id → date) is written first and
  kept: a later ingest, upload, ``participant set`` or ``users add`` for that id is refused
  (:func:`refuse_erased`). :func:`reuse_id` lifts it, and is itself audited.

Every export, erasure and override is an entry of the audit trail (``pipelines.store.audit``).
docs/rights.md.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Final

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines import schemas
from pipelines.schemas import FILES, TABLES, TableSchema
from pipelines.store import tombstones
from pipelines.store.accounts import DB_FILE, Accounts
from pipelines.store.audit import FOLDER as AUDIT_FOLDER
from pipelines.store.audit import AuditLog
from pipelines.store.storage import INBOX_FOLDER, Store, check_participant
from pipelines.store.tombstones import TOMBSTONES, refuse_erased

# Tables with a participant column: everything a participant has in the tables.
PERSONAL_TABLES: Final[tuple[TableSchema, ...]] = tuple(
    t for t in TABLES.values() if "participant" in t.names
)
ACCOUNT_FIELDS: Final = (
    "username",
    "role",
    "participant",
    "display_name",
    "email",
    "disabled",
    "has_password",
)
_UNSAFE_NAME: Final = re.compile(r"[\x00-\x1f\x7f/\\:]")


def reuse_id(root: Path, participant: str, *, actor: str, reason: str) -> None:
    """Allow an erased id again (lift its tombstone); an audited override."""
    check_participant(participant)
    if not reason.strip():
        raise ValueError("say why the erased id may be used again (--reason)")
    tombstones.remove(Path(root), participant)
    AuditLog(root).append(actor, "reuse-id", [participant], detail=reason.strip())


# ------------------------------------------------------------------------------- export


@dataclass(frozen=True, slots=True)
class ExportSummary:
    raw_files: int
    rows: dict[str, int]
    accounts: int


def write_export(store: Store, participant: str, out: BinaryIO, *, actor: str) -> ExportSummary:
    """Write the participant's export zip to ``out`` and record an ``export`` audit entry."""
    check_participant(participant)
    refuse_erased(store.root, participant)
    top = f"backtrack-{participant}"
    rows: dict[str, int] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        manifest = store.read(FILES, [participant])
        raw_index = []
        used: set[str] = set()
        for path in store.raw_files(participant):
            sha = path.name.split(".", 1)[0]
            name = _export_name(_upload_name(manifest, sha, path.name), sha, used)
            size = 0
            with store.open_raw(path) as src, zf.open(f"{top}/raw/{name}", "w") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    dst.write(chunk)
                    size += len(chunk)
            raw_index.append({"file": f"raw/{name}", "sha256": sha, "size_bytes": size})
        zf.writestr(
            f"{top}/raw_files.csv",
            pd.DataFrame(raw_index, columns=["file", "sha256", "size_bytes"]).to_csv(index=False),
        )
        for schema in PERSONAL_TABLES:
            frame = store.read(schema, [participant])
            rows[schema.name] = len(frame)
            zf.writestr(f"{top}/tables/{schema.name}.csv", frame.to_csv(index=False))
            buffer = io.BytesIO()
            pq.write_table(schemas.to_arrow(schema, frame), buffer)
            zf.writestr(f"{top}/tables/{schema.name}.parquet", buffer.getvalue())
        accounts = account_records(store.root, participant)
        zf.writestr(f"{top}/account.json", json.dumps(accounts, indent=2, ensure_ascii=False))
        zf.writestr(
            f"{top}/README.md", export_readme(participant, rows, len(raw_index), datetime.now(UTC))
        )
    AuditLog(store.root).append(
        actor,
        "export",
        [participant],
        detail=f"{len(raw_index)} raw files, {sum(rows.values())} table rows",
    )
    return ExportSummary(len(raw_index), rows, len(accounts))


def account_records(root: Path, participant: str) -> list[dict[str, object]]:
    """The participant's account(s) as the export holds them: no password hash, no sessions."""
    if not (Path(root) / DB_FILE).exists():
        return []
    users = [u for u in Accounts(root).users() if u.participant == participant]
    return [{name: getattr(u, name) for name in ACCOUNT_FIELDS} for u in users]


def _upload_name(manifest: pd.DataFrame, sha: str, stored_as: str) -> str:
    """The name a stored upload arrived under (the manifest's name for the upload itself, or
    the archive part of a member's ``export.zip/a/b.fit``)."""
    rows = manifest.loc[manifest["upload_sha256"] == sha]
    if rows.empty:
        return stored_as
    own = rows.loc[rows["sha256"] == sha, "original_name"]
    name = str(own.iloc[0]) if len(own) else str(rows["original_name"].iloc[0]).split("/")[0]
    return name or stored_as


def _export_name(name: str, sha: str, used: set[str]) -> str:
    safe = _UNSAFE_NAME.sub("_", name).strip(". ") or sha
    if safe in used:
        safe = f"{sha[:12]}-{safe}"
    used.add(safe)
    return safe


def export_readme(participant: str, rows: dict[str, int], raw_files: int, at: datetime) -> str:
    """The export's README.md: what is in it and every column of every table."""
    out = [
        f"# Your backtrack data — {participant}",
        "",
        f"Exported {at:%Y-%m-%d %H:%M} UTC. Everything backtrack holds about participant "
        f"`{participant}`:",
        "",
        f"* `raw/` — the {raw_files} file(s) as uploaded, byte for byte, under the name each "
        "arrived with (a name used twice is prefixed with the start of its SHA-256). "
        "`raw_files.csv` lists each with its SHA-256 and size.",
        "* `tables/<table>.csv` and `tables/<table>.parquet` — your rows of every table (the "
        "same rows in two formats). Times are UTC instants; `date` columns are local days.",
        "* `account.json` — your sign-in account(s): username, role, participant id, display "
        "name, e-mail address, whether it is disabled and whether it has a password. Password "
        "hashes and sign-in sessions are not exported.",
        "",
        "## Tables",
        "",
    ]
    for schema in PERSONAL_TABLES:
        out += [
            f"### `{schema.name}` ({rows.get(schema.name, 0)} rows)",
            "",
            schema.doc,
            "",
            f"One row: {schema.grain}.",
            "",
            "| column | type | meaning |",
            "|---|---|---|",
            *[f"| `{c.name}` | {c.type} | {c.doc} |" for c in schema.columns],
            "",
        ]
    out += [
        "## account.json",
        "",
        "| field | meaning |",
        "|---|---|",
        "| `username` | the sign-in name |",
        "| `role` | `participant` |",
        "| `participant` | your pseudonymous participant id |",
        "| `display_name` | the name shown when you are signed in (may be empty) |",
        "| `email` | the address used for sign-in through your organisation (may be empty) |",
        "| `disabled` | the account may not sign in |",
        "| `has_password` | the account signs in with a password |",
        "",
    ]
    return "\n".join(out)


# ------------------------------------------------------------------------------- erasure


@dataclass(frozen=True, slots=True)
class Erasure:
    participant: str
    raw_files: int
    partitions: int
    roster_rows: int
    accounts: int
    inbox_files: int
    traces: list[str] = field(default_factory=list)


def erase(store: Store, participant: str, *, actor: str, inbox: Path | None = None) -> Erasure:
    """Erase everything of ``participant`` (tombstone first), then scan for traces.

    ``inbox``: the ``serve`` inbox when it is not ``<data dir>/inbox``. Records a ``delete``
    audit entry (counts only). ``Erasure.traces`` lists whatever is left (empty: nothing)."""
    check_participant(participant)
    root = store.root
    inbox = inbox or root / INBOX_FOLDER
    tombstones.add(root, participant, datetime.now(UTC).date())
    with store.lock(participant):
        roster_rows = 0
        for schema in PERSONAL_TABLES:
            if schema.single_file:
                held = store.read(schema, [participant])
                if len(held):
                    roster_rows += len(held)
                    store.write(schema, participant, schema.empty())
        raw_files, partitions = store.erase(participant)
        mine = inbox / participant
        inbox_files = sum(1 for p in mine.rglob("*") if p.is_file()) if mine.exists() else 0
        if mine.exists():
            shutil.rmtree(mine)
        removed = 0
        if (root / DB_FILE).exists():
            accounts = Accounts(root)
            removed = accounts.remove_participant_accounts(participant)
            accounts.compact()
    store.remove_lock(participant)
    AuditLog(root).append(
        actor,
        "delete",
        [participant],
        detail=f"erased {raw_files} raw files, {partitions} partitions, {roster_rows} roster "
        f"row(s), {removed} account(s), {inbox_files} inbox files",
    )
    return Erasure(
        participant,
        raw_files,
        partitions,
        roster_rows,
        removed,
        inbox_files,
        traces(store, participant, inbox),
    )


def traces(store: Store, participant: str, inbox: Path | None = None) -> list[str]:
    """Everything under the data directory (and ``inbox``) that still names ``participant``:
    a path with the id as a component or a word in one, a Parquet file with their id in its
    ``participant`` column, an account of theirs. The tombstone and the audit trail keep the
    id by design and are not searched."""
    root = store.root
    word = re.compile(rf"(?<![A-Za-z0-9]){re.escape(participant)}(?![A-Za-z0-9])")
    found: list[str] = []
    folders = [root] + ([inbox] if inbox is not None and root not in inbox.parents else [])
    for folder in folders:
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if relative.parts[0] == AUDIT_FOLDER or relative == Path(TOMBSTONES):
                continue
            if any(word.search(part) for part in relative.parts):
                found.append(f"path {path}")
            elif path.is_file() and path.suffix == ".parquet" and _names(path, participant):
                found.append(f"rows in {path}")
    db = root / DB_FILE
    if db.exists():
        left = [u.username for u in Accounts(root).users() if u.participant == participant]
        found += [f"account {name} in {db}" for name in left]
    return found


def _names(path: Path, participant: str) -> bool:
    """The Parquet file at ``path`` has ``participant`` in its ``participant`` column."""
    try:
        table = pq.read_table(path, columns=["participant"])
    except (pa.ArrowInvalid, KeyError, OSError):
        return False
    return participant in set(table["participant"].to_pylist())
