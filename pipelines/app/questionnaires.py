"""Questionnaires as use cases: the definitions a data directory offers, answering one,
listing a participant's answers, and what is due on a day (docs/questionnaires.md).

The definitions are backtrack's own (``pipelines/questionnaires/*.toml``: PEG-3, PGIC, PSFS)
plus a clinic's (``<data dir>/questionnaires/*.toml``, e.g. a licensed RMDQ, ODI or STarT
Back the clinic holds the rights to): adding a file adds a questionnaire, no code. A file that
is not a valid definition is refused with its name and every wrong field
(``rules.questionnaires.DefinitionError``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import pandas as pd

from pipelines.app import participants as settings
from pipelines.app.refresh import writing
from pipelines.rules import questionnaires as rules
from pipelines.rules.questionnaires import Definition, DefinitionError, Due
from pipelines.schemas import QUESTIONNAIRES, coerce
from pipelines.store import tombstones
from pipelines.store.storage import Store

BUILT_IN: Final = Path(__file__).resolve().parents[1] / "questionnaires"
CLINIC_FOLDER: Final = "questionnaires"  # under the data directory
SOURCES: Final = ("cli", "dashboard")


def definition_files(store: Store) -> list[Path]:
    """Every definition file: backtrack's, then the clinic's, each sorted by name."""
    clinic = store.root / CLINIC_FOLDER
    own = sorted(BUILT_IN.glob("*.toml"))
    return own + (sorted(clinic.glob("*.toml")) if clinic.is_dir() else [])


def read_definition(path: Path) -> Definition:
    """The definition in ``path`` (``DefinitionError`` naming the file and what is wrong)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(str(path), [f"cannot be read: {exc}"]) from exc
    return rules.parse_definition(str(path), text)


def definitions(store: Store) -> dict[str, Definition]:
    """The questionnaires this data directory offers, by id (``DefinitionError`` for the
    first file that is not a valid definition, or an id defined twice)."""
    return rules.check_catalogue(read_definition(p) for p in definition_files(store))


def find(store: Store, questionnaire: str) -> Definition:
    """The definition of ``questionnaire`` (its id, any case); ``KeyError`` naming the
    questionnaires there are."""
    known = definitions(store)
    found = known.get(questionnaire.strip().lower())
    if found is None:
        raise KeyError(
            f"no questionnaire {questionnaire!r} (there are: {', '.join(sorted(known))})"
        )
    return found


@dataclass(frozen=True, slots=True)
class Answered:
    questionnaire: str
    date: date
    score: float
    items: dict[str, rules.Value]


def answer(
    store: Store,
    participant: str,
    questionnaire: str,
    day: date,
    values: dict[str, object],
    *,
    source: str = "cli",
    today: date | None = None,
) -> Answered:
    """Validate ``values`` (item id → value as typed) against the definition and store the
    answer for ``day`` (replacing an answer to the same questionnaire on that day).
    ``AnswerError`` lists every problem; a day after ``today`` is a ``ValueError``; an
    erased id is refused (``tombstones.Erased``)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    tombstones.refuse_erased(store.root, participant)
    definition = find(store, questionnaire)
    today = today or date.today()
    if day > today:
        raise ValueError(f"{day.isoformat()} lies in the future: answer for today or a past day")
    row = rules.row(participant, definition, day, values)
    new = coerce(QUESTIONNAIRES, pd.DataFrame([row | {"source": source, "answered_at": _now()}]))
    with writing(store, participant):
        held = store.read(QUESTIONNAIRES, [participant])
        store.write(QUESTIONNAIRES, participant, rules.apply_answer(held, new))
    return Answered(definition.id, day, float(row["score"]), rules.items_of(str(row["items"])))


def _now() -> datetime:
    return datetime.now(UTC)


def answers(store: Store, participant: str) -> pd.DataFrame:
    """The participant's answers, sorted by questionnaire and date, with ``change`` (the
    score minus their first score of that questionnaire; NaN for the first)."""
    return rules.with_change(store.read(QUESTIONNAIRES, [participant]))


def due(store: Store, participant: str, day: date | None = None) -> list[Due]:
    """The questionnaires ``participant`` has to answer on ``day`` (default today), counted
    from their effective program start (``participants.effective_start``)."""
    day = day or date.today()
    start = settings.effective_start(store, participant)
    held = store.read(QUESTIONNAIRES, [participant], ["questionnaire", "date"])
    answered = zip(held["questionnaire"].astype(str), held["date"], strict=True)
    return rules.due(
        definitions(store).values(), None if start is None else start.date, day, answered
    )
