"""A participant's FHIR export (``backtrack export fhir``, the dashboards' download): their
tables read through the store, mapped by ``pipelines.rules.fhir``, validated against the
FHIR models before anything is handed out, and recorded in the audit trail as an
``export``."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.app import participants as settings
from pipelines.rules import fhir, questionnaires
from pipelines.schemas import DAILY, DAYS, QUESTIONNAIRES, SESSIONS
from pipelines.store.audit import AuditLog
from pipelines.store.files import atomic_write_bytes
from pipelines.store.storage import Store

SESSION_COLUMNS = (
    "session_id",
    "start_utc",
    "end_utc",
    "moving_s",
    "category",
    "local_date",
    "duplicate_of",
)


@dataclass(frozen=True, slots=True)
class Exported:
    """A validated bundle: its file content, the range it covers (None: no data and no
    range given) and its resources counted by type."""

    content: bytes
    range: tuple[date, date] | None
    resources: dict[str, int]


def build(
    store: Store,
    participant: str,
    start: date | None = None,
    end: date | None = None,
    *,
    now: datetime | None = None,
) -> tuple[dict[str, Any], tuple[date, date] | None]:
    """The participant's bundle for ``[start, end]`` (defaults: the report's range, as
    ``backtrack report``), validated (``fhir.validate``: a bundle that does not validate
    is never handed out), and the range it covers."""
    p = settings.load_participant(store, participant)
    days = store.read(DAYS, [participant])
    if days.empty:  # tables from before the diary join: the activity alone (as the report)
        days = store.read(DAILY, [participant])
    sessions = store.read(SESSIONS, [participant], list(SESSION_COLUMNS))
    document = fhir.bundle(
        fhir.Export(
            p,
            days,
            sessions,
            now or datetime.now(UTC),
            start=start,
            end=end,
            answers=answers(store, participant),
        )
    )
    fhir.validate(document)
    return document, fhir.resolve_range(p, days, start, end)


def answers(store: Store, participant: str) -> list[fhir.Answers]:
    """The participant's questionnaire answers (``questionnaires`` table) for the bundle's
    ``QuestionnaireResponse`` resources (the bundle keeps those inside its range)."""
    rows = store.read(QUESTIONNAIRES, [participant])
    return [
        fhir.Answers(
            questionnaire=str(row["questionnaire"]),
            date=row["date"],
            items=questionnaires.items_of(str(row["items"])),
            score=None if pd.isna(row["score"]) else float(row["score"]),
        )
        for row in rows.to_dict("records")
    ]


def to_bytes(document: dict[str, Any]) -> bytes:
    """The bundle as the file holds it: UTF-8 JSON, indented, keys in the mapping's order."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def export(
    store: Store,
    participant: str,
    start: date | None = None,
    end: date | None = None,
    *,
    actor: str,
    now: datetime | None = None,
) -> Exported:
    """The validated bundle, recorded in the audit trail (``export``: FHIR, the range and
    the number of resources)."""
    exported = _exported(store, participant, start, end, now)
    _record(store, participant, exported, actor)
    return exported


def write(
    store: Store,
    participant: str,
    out: Path,
    start: date | None = None,
    end: date | None = None,
    *,
    actor: str,
    now: datetime | None = None,
) -> Exported:
    """``export`` into the file ``out`` (written whole or not at all; recorded once it is
    written)."""
    exported = _exported(store, participant, start, end, now)
    atomic_write_bytes(out, exported.content)
    _record(store, participant, exported, actor)
    return exported


def _exported(
    store: Store, participant: str, start: date | None, end: date | None, now: datetime | None
) -> Exported:
    document, span = build(store, participant, start, end, now=now)
    counts = Counter(e["resource"]["resourceType"] for e in document["entry"])
    return Exported(to_bytes(document), span, dict(sorted(counts.items())))


def _record(store: Store, participant: str, exported: Exported, actor: str) -> None:
    span = exported.range
    covered = f"{span[0]}..{span[1]}" if span else "no data"
    AuditLog(store.root).append(
        actor,
        "export",
        [participant],
        detail=f"FHIR bundle {covered}, {sum(exported.resources.values())} resources",
    )
