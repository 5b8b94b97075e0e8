"""Zip archives written in code: members from a dict, nesting, a patched header
(the container tests, the hostile corpus, the upload builders)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

from demo import fitwriter as fw

WALK = fw.activity_file(
    start_utc=datetime(2026, 1, 5, 9, 0, tzinfo=UTC), elapsed_s=1200, sport=11, steps=1500
)


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def nest(depth: int) -> bytes:
    """``depth`` zips inside each other, the innermost holding walk.fit."""
    data = make_zip({"walk.fit": WALK})
    for level in range(depth - 1, 0, -1):
        data = make_zip({f"level{level + 1}.zip": data})
    return data


def patch_zip(data: bytes, change: Callable[[bytearray, int, int], None]) -> bytes:
    """Apply ``change(buffer, local_header_at, central_header_at)`` to a one-member zip."""
    buffer = bytearray(data)
    change(buffer, buffer.index(b"PK\x03\x04"), buffer.index(b"PK\x01\x02"))
    return bytes(buffer)
