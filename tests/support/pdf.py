"""The text a PDF shows, read back without a PDF library (pypdf is not installed).

fpdf2 writes each page's content as a deflated stream of text operators; the shown strings are
the literals before ``Tj``. Good enough for the one-page clinician report, whose core font
(latin-1) keeps the strings as they are.
"""

from __future__ import annotations

import re
import zlib


def pdf_text(data: bytes) -> str:
    """The text shown on the PDF's pages: the strings of its (deflated) content streams,
    joined by single spaces."""
    shown: list[str] = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        for literal in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", content, re.DOTALL):
            unescaped = re.sub(rb"\\(.)", rb"\1", literal)
            shown.append(unescaped.decode("latin-1"))
    return re.sub(r"\s+", " ", " ".join(shown))
