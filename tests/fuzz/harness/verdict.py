"""The verdict on one input: ok, skipped, rejected - or a crash, open or hidden behind a
safety net."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from ingest.read import MemberResult
from ingest.records import ParsedDiary, ParsedFile, UnusableFile
from tests.fuzz.harness.targets import Target

INGEST_DIR: Final = Path(__file__).resolve().parents[3] / "ingest"
SLOW_S: Final = 2.0
"""The acceptance bound on one input's reading time."""

Status = Literal["ok", "skipped", "rejected", "crash"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one input did to one reader. ``error`` is set only for a crash."""

    status: Status
    error: BaseException | None = None
    hidden: bool = False  # the crash was caught by a safety net and turned into a rejection
    seconds: float = 0.0

    def signature(self) -> str:
        """The crash's exception type and where it was raised (groups duplicates)."""
        if self.error is None:
            return ""
        frames = traceback.extract_tb(self.error.__traceback__)
        ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(INGEST_DIR)]
        where = (ours or frames or [None])[-1]
        place = "?" if where is None else f"{Path(where.filename).name}:{where.lineno}"
        kind = "hidden " if self.hidden else ""
        return f"{kind}{type(self.error).__name__} at {place}"

    def describe(self) -> str:
        if self.error is None:
            return self.status
        text = "".join(traceback.format_exception(self.error))
        how = "caught by a safety net and turned into a rejection" if self.hidden else "escaped"
        return f"{self.signature()} ({how}):\n{text}"


SAFETY_NET: Final = "please report this file"
"""What :mod:`ingest.read` adds to a rejection made of an unforeseen exception."""

DELIBERATE: Final = (
    "FIT decoding failed at byte",  # fitparse's own errors on garbage, with the byte offset
    "unreadable Apple Health export (",  # lxml / codec errors on a broken stream
    "the Excel workbook cannot be",  # openpyxl on a broken workbook
)
"""Rejections that name a third-party library's exception on purpose."""


def _foreign_cause(error: BaseException) -> BaseException | None:
    """The first exception behind ``error`` that is not one of ingest's own signals."""
    seen: set[int] = set()
    current = error.__cause__ or error.__context__
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if not type(current).__module__.startswith("ingest."):
            return current
        current = current.__cause__ or current.__context__
    return None


def _raised_in_ingest(error: BaseException) -> bool:
    tb = error.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(INGEST_DIR)


def hidden_crash(error: UnusableFile) -> BaseException | None:
    """The unforeseen exception a rejection merely wraps, or None for a real rejection."""
    foreign = _foreign_cause(error)
    if SAFETY_NET in error.reason:
        return foreign or error
    if foreign is None:
        return None
    name = type(foreign).__name__
    if f"({name}:" not in error.reason and f"unexpected {name}" not in error.reason:
        return None  # a specific reason written for this case
    if error.reason.startswith(DELIBERATE) and not _raised_in_ingest(foreign):
        return None
    return foreign


def _member_outcome(results: list[MemberResult]) -> Outcome:
    for result in results:
        if result.error is not None and (bug := hidden_crash(result.error)) is not None:
            return Outcome("crash", bug, hidden=True)
    if any(result.parsed is not None for result in results):
        return Outcome("ok")
    if any(result.error is not None and result.error.status == "skipped" for result in results):
        return Outcome("skipped")
    return Outcome("rejected")


def run_input(target: Target, name: str, data: bytes) -> Outcome:
    """Read one input with one target; time it and judge what came out."""
    started = time.perf_counter()
    try:
        result = target.call(name, data)
    except UnusableFile as error:
        seconds = time.perf_counter() - started
        bug = hidden_crash(error)
        if bug is not None:
            return Outcome("crash", bug, hidden=True, seconds=seconds)
        return Outcome(error.status, seconds=seconds)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # everything else a reader lets out is a crash
        return Outcome("crash", error, seconds=time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if isinstance(result, list):
        verdict = _member_outcome(result) if result else Outcome("rejected")
        return Outcome(verdict.status, verdict.error, verdict.hidden, seconds)
    if not isinstance(result, ParsedFile | ParsedDiary):
        bug = TypeError(f"reader returned {type(result).__name__}, not a ParsedFile")
        return Outcome("crash", bug, seconds=seconds)
    return Outcome("ok", seconds=seconds)
