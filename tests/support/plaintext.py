"""The check that nothing a person uploaded lies on disk in plaintext (issue 14, item 3)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

ZIP = b"PK\x03\x04"
GZIP = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"


def looks_like_an_upload(head: bytes) -> str | None:
    """Which upload format a file's first bytes announce, if any: FIT (``.FIT`` at bytes
    8–11 of the header), XML (GPX, TCX, Apple Health…), zip or gzip."""
    if len(head) >= 12 and head[8:12] == b".FIT":
        return "FIT"
    if head.startswith(ZIP):
        return "zip"
    if head.startswith(GZIP):
        return "gzip"
    if head.removeprefix(UTF8_BOM).lstrip().startswith(b"<"):
        return "XML"
    return None


def plaintext_uploads(
    root: Path, contents: Iterable[bytes] = (), *, skip: str = "raw"
) -> list[str]:
    """Every file under ``root`` — outside ``root/<skip>`` (the sealed raw store) — that
    holds one of ``contents`` or starts like an upload, each as ``path: why``."""
    wanted = [c for c in contents if c]
    found: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if relative.parts[0] == skip:
            continue
        data = path.read_bytes()
        kind = looks_like_an_upload(data[:64])
        if kind:
            found.append(f"{relative}: starts like a {kind} file")
        elif any(c in data for c in wanted):
            found.append(f"{relative}: holds uploaded bytes")
    return found
