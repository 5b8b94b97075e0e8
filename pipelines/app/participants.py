"""A participant's settings (time zone, group, prescription) and category corrections."""

from __future__ import annotations

from datetime import UTC, datetime

from pipelines.app.refresh import refresh_participant, writing
from pipelines.config import validate_tz
from pipelines.rules import participants
from pipelines.rules import sessions as sessions_mod
from pipelines.rules.taxonomy import CATEGORIES
from pipelines.schemas import CATEGORY_OVERRIDES, DAYS, PARTICIPANTS, SESSIONS
from pipelines.store.storage import Store


def configure(
    store: Store,
    participant: str,
    *,
    tz: str | None = None,
    group: str | None = None,
    **target: object,
) -> participants.Participant:
    """Change a participant's settings (time zone, group, prescription)."""
    with writing(store, participant):
        current = participants.from_rows(participant, store.read(PARTICIPANTS, [participant]))
        changes = {k: v for k, v in target.items() if v is not None}
        updated = participants.Participant(
            id=participant,
            tz=validate_tz(tz) if tz else current.tz,
            target=current.target.with_changes(**changes) if changes else current.target,
            group=group if group is not None else current.group,
        )
        store.write(PARTICIPANTS, participant, participants.to_frame(updated, datetime.now(UTC)))
    return updated


def load_participant(store: Store, participant: str) -> participants.Participant:
    return participants.from_rows(participant, store.read(PARTICIPANTS, [participant]))


def effective_start(store: Store, participant: str) -> participants.ProgramStart | None:
    """The program start every figure of ``participant`` counts from, from their stored
    settings and ``days`` table (``participants.effective_start``)."""
    p = load_participant(store, participant)
    days = store.read(DAYS, [participant], ["date", "has_data", "pain_entries"])
    return participants.effective_start(days, p.target.program_start)


def is_new(store: Store, participant: str) -> bool:
    """Nothing is stored for ``participant`` yet: no settings and no days."""
    return (
        store.read(PARTICIPANTS, [participant]).empty
        and store.read(DAYS, [participant], ["date"]).empty
    )


def set_category(store: Store, participant: str, session_id: str, category: str) -> None:
    """Correct a session's category (or ``auto`` to return to the taxonomy's), refresh."""
    if category != "auto" and category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)} or 'auto'")
    with writing(store, participant):
        known = store.read(SESSIONS, [participant])
        if session_id not in set(known["session_id"]):
            raise KeyError(f"{participant} has no session {session_id!r}")
        rows = sessions_mod.with_override(
            store.read(CATEGORY_OVERRIDES, [participant]),
            participant,
            session_id,
            None if category == "auto" else category,
            datetime.now(UTC),
        )
        store.write(CATEGORY_OVERRIDES, participant, rows)
    refresh_participant(store, participant)
