"""Parsed uploads → rows for the file manifest, sessions, step minutes and wear tables.

Pure functions: they take what storage read and return what storage should write.

Manifest rule: a member whose content (SHA-256) *and* name are already in the manifest is
"already ingested" — nothing is written, the summary says so. The same content under a new
name is recorded with status ``duplicate`` (and contributes nothing). Everything else is
recorded once with its status: ``ok``, ``skipped`` or ``rejected`` and the reason.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from pipelines import schemas
from pipelines.rules import sessions as sessions_mod
from pipelines.rules import steps as steps_mod
from pipelines.schemas import DAILY_STEPS, FILES, SESSIONS, WEAR

if TYPE_CHECKING:
    from ingest.read import MemberResult


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded file: its name as given, its SHA-256, and what reading it yielded."""

    name: str
    sha256: str
    members: tuple[MemberResult, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one member, for the summary a person reads."""

    name: str
    status: str  # ok / duplicate / skipped / rejected / already
    reason: str | None
    sessions: int = 0
    step_intervals: int = 0
    sha256: str = ""  # the member's content ("" when never read); names it in run logs


@dataclass(slots=True)
class IngestRows:
    files: pd.DataFrame
    sessions: pd.DataFrame
    step_files: tuple[steps_mod.StepFile, ...]  # spread into minutes when written
    wear_files: tuple[steps_mod.WearFile, ...]  # made into rows a window at a time when written
    daily_steps: pd.DataFrame
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return len(self.files) > 0

    @property
    def wear(self) -> pd.DataFrame:
        """The new ``wear`` rows of every file in one frame, file by file (the writer
        takes them a window at a time: :func:`wear_windows`)."""
        frames = [frame for f in self.wear_files for frame in f.frames()]
        return _concat(frames, WEAR.empty())

    @property
    def step_minutes(self) -> pd.DataFrame:
        """The new step minutes of every file, merged, in one frame (the writer takes
        them a window at a time: :func:`pipelines.rules.steps.merged_windows`)."""
        return steps_mod.merge_step_minutes(
            [frame for _, frame in steps_mod.merged_windows(self.step_files)]
        )


def ingest_rows(
    participant: str,
    uploads: Sequence[Upload],
    manifest: pd.DataFrame,
    now: datetime,
    tz: str = "UTC",
) -> IngestRows:
    """Decide each member's status against ``manifest`` and build the new rows.

    ``tz`` places records that carry only local wall-clock time (``floating``)."""
    known_pairs = set(zip(manifest["sha256"], manifest["original_name"], strict=True))
    known_ok = dict(
        zip(
            manifest.loc[manifest["status"] == "ok", "sha256"],
            manifest.loc[manifest["status"] == "ok", "original_name"],
            strict=True,
        )
    )
    seen: dict[str, str] = {}
    file_rows: list[dict[str, object]] = []
    session_frames = _Rows(SESSIONS.empty())
    step_files: list[steps_mod.StepFile] = []
    wear_files: list[steps_mod.WearFile] = []
    day_frames = _Rows(DAILY_STEPS.empty())
    outcomes: list[Outcome] = []
    for upload in uploads:
        for member in upload.members:
            name = member.path
            if (member.sha256, name) in known_pairs:
                outcomes.append(
                    Outcome(
                        name,
                        "already",
                        "already ingested (same content, same name): nothing changed",
                        sha256=member.sha256,
                    )
                )
                continue
            row: dict[str, object] = {
                "participant": participant,
                "sha256": member.sha256,
                "upload_sha256": upload.sha256,
                "original_name": name,
                "format": member.format,
                "kind": None,
                "n_sessions": 0,
                "n_step_intervals": 0,
                "size_bytes": member.size,
                "ingested_at": now,
            }
            original = known_ok.get(member.sha256) or seen.get(member.sha256)
            if original is not None:
                row |= {
                    "status": "duplicate",
                    "reason": f"same content as {original!r}, already counted",
                }
            elif member.error is not None:
                row |= {"status": member.error.status, "reason": member.error.reason}
            elif member.parsed is not None:
                parsed = member.parsed
                seen[member.sha256] = name
                row |= {
                    "status": "ok",
                    "kind": parsed.kind,
                    "reason": "; ".join(parsed.warnings) or None,
                    "n_sessions": len(parsed.sessions),
                    "n_step_intervals": parsed.n_step_intervals + len(parsed.daily_steps),
                }
                source = parsed.format
                session_frames.append(
                    sessions_mod.records_frame(participant, member.sha256, parsed.sessions, tz)
                )
                intervals = parsed.steps()
                if len(intervals):
                    step_files.append(
                        steps_mod.StepFile(participant, member.sha256, intervals, tz, source)
                    )
                wear_files.append(
                    steps_mod.WearFile(
                        participant, member.sha256, intervals, parsed.wear(), tz, source
                    )
                )
                day_frames.append(
                    steps_mod.daily_steps(participant, member.sha256, parsed.daily_steps, source)
                )
            else:  # pragma: no cover - MemberResult guarantees one of the two
                row |= {"status": "rejected", "reason": "reader returned nothing"}
            known_pairs.add((member.sha256, name))
            file_rows.append(row)
            outcomes.append(_outcome(row))
    files = (
        schemas.coerce(FILES, pd.DataFrame(file_rows, columns=FILES.names))
        if file_rows
        else FILES.empty()
    )
    return IngestRows(
        files=files,
        sessions=session_frames.frame(),
        step_files=tuple(step_files),
        wear_files=tuple(wear_files),
        daily_steps=day_frames.frame(),
        outcomes=outcomes,
    )


class _Rows:
    """Rows of many files' small frames, joined every :data:`JOINED_EVERY` frames: a
    frame of twenty-odd columns costs some 40 KB however few rows it has, so the frames of
    an export's 2,000 workout routes held apart until the end cost 80 MB."""

    JOINED_EVERY = 64

    def __init__(self, empty: pd.DataFrame) -> None:
        self.empty = empty
        self.frames: list[pd.DataFrame] = []

    def append(self, frame: pd.DataFrame) -> None:
        if len(frame):
            self.frames.append(frame)
        if len(self.frames) >= self.JOINED_EVERY:
            self.frames = [self.frame()]

    def frame(self) -> pd.DataFrame:
        return _concat(self.frames, self.empty)


def _outcome(row: dict[str, object]) -> Outcome:
    reason = row["reason"]
    return Outcome(
        name=str(row["original_name"]),
        status=str(row["status"]),
        reason=None if reason is None else str(reason),
        sessions=int(str(row["n_sessions"])),
        step_intervals=int(str(row["n_step_intervals"])),
        sha256=str(row["sha256"]),
    )


def merged(existing: pd.DataFrame, new: pd.DataFrame, key: Iterable[str]) -> pd.DataFrame:
    """``existing`` plus the rows of ``new`` whose key it does not hold yet."""
    if new.empty:
        return existing
    if existing.empty:
        return new.reset_index(drop=True)
    both = pd.concat([existing, new], ignore_index=True)
    return both.drop_duplicates(list(key), keep="first").reset_index(drop=True)


def wear_windows(
    files: Sequence[steps_mod.WearFile],
    existing: steps_mod.Windows = (),
    days: int = steps_mod.WINDOW_DAYS,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """``existing`` wear rows plus those of ``files`` whose key they do not hold yet
    (:func:`merged`), a window of ``days`` UTC days (by ``start_utc``) at a time, in window
    order. A key's rows all fall in one window (``start_utc`` is part of it), so this is
    :func:`merged` of the whole tables, cut into windows; one window of each source is
    held at a time."""
    tagged: list[Iterable[tuple[int, bool, pd.DataFrame]]] = [
        ((w, False, frame) for w, frame in existing),
        *(((w, True, frame) for w, frame in f.windows(days)) for f in files),
    ]
    ordered = heapq.merge(*tagged, key=lambda item: item[0])
    for window, group in itertools.groupby(ordered, key=lambda item: item[0]):
        parts = list(group)
        old = _concat([frame for _, new, frame in parts if not new], WEAR.empty())
        fresh = _concat([frame for _, new, frame in parts if new], WEAR.empty())
        frame = merged(old, fresh, WEAR.key)
        if len(frame):
            yield window, frame


def merged_step_minutes(existing: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    if new.empty:
        return existing
    return steps_mod.merge_step_minutes([existing, new]) if len(existing) else new


def _concat(frames: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty
