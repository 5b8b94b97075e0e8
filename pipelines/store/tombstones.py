"""Erased participant ids (tombstones): ``<data dir>/erased.json``, id → the date it was
erased. Written first by an erasure (``pipelines.app.rights.erase``); every writer of a
participant's data refuses an erased id (``pipelines.app`` use cases under the participant's lock,
the CLI and the inbox before anything is stored), so nothing of theirs comes back under
that id unless an admin lifts the tombstone (``rights.reuse_id``, audited).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Final

from pipelines.store.storage import TEMP_PREFIX

TOMBSTONES: Final = "erased.json"


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
    root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=f"{TEMP_PREFIX}{os.getpid()}-")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(dict(sorted(current.items())), fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / TOMBSTONES)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _lock(root: Path) -> Iterator[None]:
    folder = root / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "_erased.lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
