"""The fuzz targets: every reader of the registry as the upload path calls it, the diary
reader and the whole upload path."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from ingest.containers import expand
from ingest.diary import parse_diary
from ingest.read import NAMED_READERS, READERS, STREAM_READERS, MemberResult, read_leaf
from ingest.records import ParsedDiary
from tests.fuzz.harness.seeds import DIARY, STREAM_SUFFIX, UPLOAD, Seed, seeds_of

TODAY: Final = date(2026, 6, 30)
"""The diary reader's ``today`` (entries after it are errors)."""

Group = Literal["binary", "xml", "text"]


@dataclass(frozen=True, slots=True)
class Target:
    """One thing to fuzz: a reader as the upload path calls it."""

    name: str
    group: Group
    call: Callable[[str, bytes], object]

    @property
    def seeds(self) -> tuple[Seed, ...]:
        return seeds_of(self.name)


def _format_reader(fmt: str) -> Callable[[str, bytes], object]:
    named = NAMED_READERS.get(fmt)
    if named is not None:
        return lambda name, data: named(data, name)
    reader = READERS[fmt]
    return lambda name, data: reader(data)


def _stream_reader(fmt: str) -> Callable[[str, bytes], object]:
    reader = STREAM_READERS[fmt]
    return lambda name, data: reader(io.BytesIO(data))


def _upload(name: str, data: bytes) -> list[MemberResult]:
    """:func:`ingest.read.read_upload`, but with a bug in the expansion raised, not
    reported as "please report this file" (so it comes with its traceback)."""
    return [read_leaf(leaf, leaf.path != name) for leaf in expand(name, data)]


def _diary(name: str, data: bytes) -> ParsedDiary:
    return parse_diary(name, data, today=TODAY)


def _group(fmt: str) -> Group:
    kinds = {seed.kind for seed in seeds_of(fmt)}
    if kinds & {"fit", "zip", "gzip"}:
        return "binary"
    return "xml" if kinds == {"xml"} else "text"


@functools.cache
def targets() -> dict[str, Target]:
    """Every reader in the registry (plus the diary and the whole upload path), by name."""
    found: dict[str, Target] = {}
    for fmt in READERS:
        found[fmt] = Target(fmt, _group(fmt), _format_reader(fmt))
    for fmt in STREAM_READERS:
        name = fmt + STREAM_SUFFIX
        found[name] = Target(name, _group(fmt), _stream_reader(fmt))
    found[DIARY] = Target(DIARY, "binary", _diary)
    found[UPLOAD] = Target(UPLOAD, "binary", _upload)
    return found


def registered_formats() -> frozenset[str]:
    """Every format a reader is registered for (READERS, STREAM_READERS, NAMED_READERS)."""
    return frozenset(READERS) | frozenset(STREAM_READERS) | frozenset(NAMED_READERS)
