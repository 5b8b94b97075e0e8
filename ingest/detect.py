"""Format detection by content, never by file name.

:func:`detect_format` asks each sniffer in :data:`SNIFFERS`, in order, whether the bytes
look like its format, and returns the first format name that answers yes (or None).
A sniffer looks only at the first bytes; it must be cheap and must never raise.

The sniffers are the readers' (the registry :data:`ingest.formats.FORMATS`: those looking
for a binary signature first, then the gzip and zip checks of this module, then the rest in
the registry's order). Adding a format: give its module a ``sniff(head: bytes) -> bool``
and add it to the registry *before* the generic text sniffers it would otherwise be
mistaken for. For XML formats sniff the root element name after an optional BOM / XML
declaration / comments, e.g. ``<gpx``, ``<TrainingCenterDatabase``, ``<HealthData``; for
CSV look at the header line. Container formats (zip, gzip) are opened by
:mod:`ingest.containers`, whose members are detected again by this function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ingest.formats import FORMATS

__all__ = ["GZIP", "SNIFFERS", "SNIFF_BYTES", "ZIP", "detect_format"]

GZIP: Final = "gzip"
ZIP: Final = "zip"

SNIFF_BYTES: Final = 4096
"""How many leading bytes a sniffer gets to see."""

_ZIP_SIGNATURES: Final = (
    b"PK\x03\x04",  # local file header: an archive with members
    b"PK\x05\x06",  # end of central directory first: an empty archive
    b"PK\x07\x08",  # spanned-archive marker before the first local header
)


def _looks_like_gzip(head: bytes) -> bool:
    """The gzip magic 1f 8b followed by compression method 8 (deflate)."""
    return head[:3] == b"\x1f\x8b\x08"


def _looks_like_zip(head: bytes) -> bool:
    return head[:4] in _ZIP_SIGNATURES


SNIFFERS: Final[tuple[tuple[str, Callable[[bytes], bool]], ...]] = (
    *((f.name, f.sniff) for f in FORMATS if f.signature),  # FIT (ingest/formats.py)
    (GZIP, _looks_like_gzip),
    (ZIP, _looks_like_zip),
    *((f.name, f.sniff) for f in FORMATS if not f.signature),  # every other reader's sniffer
)
"""(format name, sniffer) pairs, asked in order."""


def detect_format(data: bytes) -> str | None:
    """The format of ``data`` judged by its content ("fit", "gzip", "zip", "gpx", ...), or
    None."""
    head = data[:SNIFF_BYTES]
    for name, looks_like in SNIFFERS:
        if looks_like(head):
            return name
    return None
