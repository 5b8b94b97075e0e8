"""Suunto Moveslink2 log XML reader: ``<header>``, ``<Samples>``, ``<Device>``, ``<IBI>``.

Moveslink2 keeps each move as an XML file whose elements ``<header>`` (the same fields as
an SML ``<Header>``), ``<Samples>``, ``<Device>`` (``<Info><SW>`` only) and ``<IBI>``
(beat-to-beat intervals) stand side by side at the top level, after the XML declaration.
That is not a well-formed XML document (one root element), so the reader wraps the
elements in a synthetic root before parsing — after refusing any DOCTYPE, whose entity
declarations could otherwise hide inside the wrapped text. One log is one session (see
:mod:`ingest.suunto` for type mapping, time zone and moving time). The device is
``Device("suunto", None, None)``: this form of the log does not name the watch.
"""

from __future__ import annotations

import re
from typing import Final

from ingest.records import Device, ParsedFile, RejectedFile
from ingest.suunto import SUUNTO, log_session, xml_samples
from ingest.xmlsafe import child, parse_xml, sniff_root

__all__ = ["FORMAT", "parse", "sniff"]

FORMAT: Final = "suunto_xml"
WRAPPER: Final = "moveslink2-log"

_SUUNTO_HEADER_FIELDS: Final = (
    b"<ActivityType>",
    b"<LogItemCount>",
    b"<PeakTrainingEffect>",
    b"<RecoveryTime>",
    b"<BatteryChargeAtStart>",
)
_DECLARATION: Final = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\?>")
_ENCODING: Final = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def sniff(head: bytes) -> bool:
    """First element ``<header>`` with fields only a Suunto log header has."""
    try:
        return sniff_root(head) == "header" and any(
            field in head for field in _SUUNTO_HEADER_FIELDS
        )
    except Exception:  # a sniffer never raises
        return False


def _wrapped(data: bytes) -> bytes:
    """The log's top-level elements inside one root, keeping the declared encoding."""
    declaration = _DECLARATION.match(data)
    body = data[declaration.end() :] if declaration else data.removeprefix(b"\xef\xbb\xbf")
    first_element = re.search(rb"<[A-Za-z_]", body)
    prolog = body[: first_element.start()] if first_element else body
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        if b"<!ENTITY" in prolog:
            raise RejectedFile(
                "XML entity declarations are not allowed: the file declares entities in a "
                "DOCTYPE (an XXE / 'billion laughs' XML bomb pattern); tracker exports never "
                "contain them"
            )
        raise RejectedFile(
            "XML document type declarations (DOCTYPE/DTD) are not allowed; tracker exports "
            "never contain one"
        )
    encoding = _ENCODING.search(declaration.group(0)) if declaration else None
    new_declaration = (
        b'<?xml version="1.0" encoding="' + encoding.group(1) + b'"?>' if encoding else b""
    )
    return new_declaration + b"<" + WRAPPER.encode() + b">" + body + b"</" + WRAPPER.encode() + b">"


def parse(data: bytes) -> ParsedFile:
    """Read one Moveslink2 log XML into one session."""
    if not data.strip():
        raise RejectedFile("empty file")
    root = parse_xml(_wrapped(data))
    header = child(root, "header")
    if header is None:
        header = child(root, "Header")
    if header is None:
        raise RejectedFile("Suunto log XML without a <header> element: no exercise summary")
    samples = child(root, "Samples")
    if samples is None:
        samples = child(root, "samples")
    session, warnings = log_session(
        FORMAT, header, xml_samples(samples), Device(SUUNTO, None, None)
    )
    return ParsedFile(format=FORMAT, kind="activity", sessions=(session,), warnings=tuple(warnings))
