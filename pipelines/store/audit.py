"""The audit trail: who viewed, exported or deleted which participant's data, and when.

An append-only file of JSON lines, ``<data dir>/audit/log.jsonl``, one entry a line::

    {"action": "view", "actor": "coach-a", "at": "2026-11-28T22:40:01.123456Z",
     "detail": "page group", "group": "group-a", "hash": "…", "participants": ["p01", "p03"],
     "prev": "…", "seq": 17}

* ``seq`` counts from 1 without gaps; ``at`` is UTC; ``actor`` is an account's username, or
  ``cli:<os user>`` for a command; ``participants`` are pseudonymous ids and ``group`` a
  group name — never names or e-mail addresses (:func:`append` replaces an address in the
  detail with ``[e-mail removed]``, and a username that is an address by a hash of it).
* **Chained**: ``hash`` = SHA-256 of ``prev`` followed by the entry's canonical JSON (sorted
  keys, no spaces, UTF-8) without ``hash``; ``prev`` is the previous entry's ``hash`` (64
  zeros for the first). Changing, deleting, reordering or inserting an entry breaks the chain.
* **Head**: ``<data dir>/audit/head.json`` holds the last entry's ``seq`` and ``hash``, so a
  truncated tail (which leaves a valid chain) no longer matches it.
* **Writers** hold an exclusive ``flock`` on ``<data dir>/audit/audit.lock``, append with
  ``O_APPEND`` and ``fsync``, then replace the head atomically: writers in several processes
  (dashboard, CLI, ``serve``) interleave whole entries and never fork the chain.

What the chain cannot do without a secret: someone who can rewrite the whole file *and* the
head can forge a consistent history. Copy the head elsewhere (or the whole log: it is
append-only) to detect that. docs/audit.md.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from pipelines.store import files
from pipelines.store.storage import check_participant

FOLDER: Final = "audit"
LOG_FILE: Final = "log.jsonl"
HEAD_FILE: Final = "head.json"
LOCK_FILE: Final = "audit.lock"
GENESIS: Final = "0" * 64
ACTIONS: Final = frozenset(
    {
        "view",  # a dashboard page showed a participant's (or a group's) data
        "export",  # a participant's data left as an export zip
        "delete",  # a participant's data was erased
        "reuse-id",  # an erased id was allowed again (the override of the tombstone)
        "account-add",
        "account-remove",
        "account-password",
        "account-group",
    }
)
MAX_DETAIL: Final = 500
EMAIL_REMOVED: Final = "[e-mail removed]"
_EMAIL: Final = re.compile(r"[^\s@]+@[^\s@]+")


class AuditError(ValueError):
    """An entry the audit rules refuse (unknown action, personal data, bad id)."""


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    action: str
    participants: tuple[str, ...] = ()
    group: str | None = None
    detail: str = ""
    prev: str = GENESIS
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """The entry as stored, without its hash (what the hash is computed over)."""
        return {
            "seq": self.seq,
            "at": self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": self.actor,
            "action": self.action,
            "participants": list(self.participants),
            "group": self.group,
            "detail": self.detail,
            "prev": self.prev,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    entries: int
    problems: list[str] = field(default_factory=list)


def cli_actor() -> str:
    """The actor of a command: ``cli:<os user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (some containers)
        return f"cli:uid-{os.getuid()}"


def pseudonymous_actor(actor: str) -> str:
    """``actor``, unless it looks like an e-mail address (a username may be one): then
    ``account:<first 16 hex digits of its SHA-256>`` — the admin can still tell whose it is
    by hashing the username, the log never holds the address."""
    if "@" not in actor:
        return actor
    return "account:" + hashlib.sha256(actor.strip().lower().encode()).hexdigest()[:16]


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(prev.encode() + canonical(body)).hexdigest()


class AuditLog:
    """The audit trail of one data directory."""

    def __init__(self, data_dir: Path | str) -> None:
        self.folder = Path(data_dir) / FOLDER
        self.path = self.folder / LOG_FILE
        self.head_path = self.folder / HEAD_FILE

    def append(
        self,
        actor: str,
        action: str,
        participants: Iterable[str] = (),
        *,
        group: str | None = None,
        detail: str = "",
        now: datetime | None = None,
    ) -> Entry:
        """Add one entry at the end of the chain (under the lock); returns it."""
        if action not in ACTIONS:
            raise AuditError(f"unknown audit action {action!r}")
        ids = tuple(check_participant(p) for p in participants)
        actor = pseudonymous_actor(actor)
        group = None if group is None else _EMAIL.sub(EMAIL_REMOVED, group)
        detail = _EMAIL.sub(EMAIL_REMOVED, detail)
        with self._locked():
            seq, prev = self._tail()
            entry = Entry(
                seq=seq + 1,
                at=now or datetime.now(UTC),
                actor=actor,
                action=action,
                participants=ids,
                group=group,
                detail=detail[:MAX_DETAIL],
                prev=prev,
            )
            body = entry.body()
            digest = entry_hash(prev, body)
            line = canonical({**body, "hash": digest}) + b"\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            self._write_head(entry.seq, digest)
        return replace(entry, hash=digest)

    def entries(self) -> list[Entry]:
        """Every entry in file order (lines that are not entries are skipped; ``verify``
        reports them)."""
        found: list[Entry] = []
        for _, raw in self._lines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                found.append(_parse(json.loads(raw)))
        return found

    def head(self) -> tuple[int, str] | None:
        try:
            head = json.loads(self.head_path.read_text())
            return int(head["seq"]), str(head["hash"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            return (-1, "unreadable")

    def verify(self) -> Verification:
        """Check the chain line by line and its end against the head."""
        problems: list[str] = []
        prev, seq, count = GENESIS, 0, 0
        for number, raw in self._lines():
            count += 1
            try:
                stored = json.loads(raw)
                entry = _parse(stored)
            except (ValueError, KeyError, TypeError):
                problems.append(f"line {number}: not an audit entry")
                prev, seq = "?", seq + 1
                continue
            body = entry.body()
            if canonical({**body, "hash": entry.hash}) != raw:
                problems.append(f"line {number} (seq {entry.seq}): not in canonical form")
            if entry.seq != seq + 1:
                problems.append(f"line {number}: seq {entry.seq} where {seq + 1} was due")
            if entry.prev != prev:
                problems.append(
                    f"line {number} (seq {entry.seq}): does not follow the entry before"
                )
            if entry_hash(entry.prev, body) != entry.hash:
                problems.append(f"line {number} (seq {entry.seq}): hash does not match content")
            prev, seq = entry.hash, entry.seq
        head = self.head()
        if head is None:
            if count:
                problems.append("the head file is missing")
        elif head != (seq, prev):
            problems.append(
                f"the log ends at seq {seq} but the head says seq {head[0]} "
                "(truncated, or entries added or removed at the end)"
            )
        return Verification(not problems, count, problems)

    # -- internals -------------------------------------------------------------------------
    def _lines(self) -> Iterator[tuple[int, bytes]]:
        if not self.path.exists():
            return
        with open(self.path, "rb") as fh:
            for number, line in enumerate(fh, start=1):
                yield number, line.rstrip(b"\n")

    def _tail(self) -> tuple[int, str]:
        """The ``seq`` and ``hash`` to chain the next entry to: the head's. The last line is
        only taken instead when it is the one entry a writer killed between appending and
        updating the head left behind (it follows the head exactly)."""
        head = self.head() or (0, GENESIS)
        last = _last_line(self.path)
        if last:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                entry = _parse(json.loads(last))
                if (
                    entry.seq == head[0] + 1
                    and entry.prev == head[1]
                    and entry_hash(entry.prev, entry.body()) == entry.hash
                ):
                    return entry.seq, entry.hash
        return head

    def _write_head(self, seq: int, digest: str) -> None:
        head = json.dumps({"seq": seq, "hash": digest}).encode()
        files.atomic_write_bytes(self.head_path, head)

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        return files.locked(self.folder / LOCK_FILE)


def select(
    entries: Sequence[Entry], participant: str | None = None, since: datetime | None = None
) -> list[Entry]:
    """The entries about ``participant`` (directly, not only through a group) at or after
    ``since``."""
    return [
        e
        for e in entries
        if (participant is None or participant in e.participants)
        and (since is None or e.at >= since)
    ]


def _parse(stored: dict[str, Any]) -> Entry:
    return Entry(
        seq=int(stored["seq"]),
        at=datetime.strptime(stored["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
        actor=str(stored["actor"]),
        action=str(stored["action"]),
        participants=tuple(str(p) for p in stored["participants"]),
        group=None if stored["group"] is None else str(stored["group"]),
        detail=str(stored["detail"]),
        prev=str(stored["prev"]),
        hash=str(stored["hash"]),
    )


def _last_line(path: Path, chunk: int = 1 << 16) -> bytes:
    """The file's last non-empty line, read from the end."""
    if not path.exists():
        return b""
    with open(path, "rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        data = b""
        position = end
        while position > 0:
            step = min(chunk, position)
            position -= step
            fh.seek(position)
            data = fh.read(step) + data
            stripped = data.rstrip(b"\n")
            if b"\n" in stripped:
                return stripped.rsplit(b"\n", 1)[1]
        return data.rstrip(b"\n")
