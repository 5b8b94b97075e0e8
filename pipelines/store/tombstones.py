"""Erased participant ids (tombstones): ``<data dir>/erased.json``, id → the date it was
erased. Written first by an erasure (``pipelines.app.rights.erase``); every writer of a
participant's data refuses an erased id (``pipelines.app`` use cases under the participant's lock,
the CLI and the inbox before anything is stored), so nothing of theirs comes back under
that id unless an admin lifts the tombstone (``rights.reuse_id``, audited).
"""

from __future__ import annotations

import contextlib
import json
from datetime import date
from pathlib import Path
from typing import Final

from pipelines.store import files

TOMBSTONES: Final = "erased.json"
LOCK_FILE: Final = "_erased.lock"  # in <data dir>/locks/, serialises writers of the file


class Erased(ValueError):
    """The participant id was erased; its data may not come back under that id."""


def tombstones(root: Path) -> dict[str, str]:
    """Every erased id and the date (UTC, ISO) it was erased."""
    try:
        stored = json.loads((Path(root) / TOMBSTONES).read_text())
    except FileNotFoundError:
        return {}
    return {str(k): str(v) for k, v in stored.items()}


def is_erased(root: Path, participant: str) -> bool:
    return participant in tombstones(root)


def refuse_erased(root: Path, participant: str) -> None:
    """Raise ``Erased`` when ``participant`` was erased."""
    when = tombstones(root).get(participant)
    if when is not None:
        raise Erased(
            f"participant {participant!r} was erased on {when}: their data may not come back "
            "under that id. Use a new participant id (an admin can allow the old one again "
            "with `backtrack participant reuse-id`, which is audited)."
        )


def add(root: Path, participant: str, day: date) -> None:
    """Record ``participant`` as erased on ``day`` (kept when already there)."""
    with _lock(root):
        current = tombstones(root)
        current.setdefault(participant, day.isoformat())
        _write(root, current)


def remove(root: Path, participant: str) -> None:
    """Lift ``participant``'s tombstone; ``ValueError`` when they were never erased."""
    with _lock(root):
        current = tombstones(root)
        if participant not in current:
            raise ValueError(f"participant {participant!r} was never erased")
        del current[participant]
        _write(root, current)


def _write(root: Path, current: dict[str, str]) -> None:
    text = json.dumps(dict(sorted(current.items())), indent=1)
    files.atomic_write_bytes(Path(root) / TOMBSTONES, text.encode())


def _lock(root: Path) -> contextlib.AbstractContextManager[None]:
    return files.locked(Path(root) / "locks" / LOCK_FILE)
