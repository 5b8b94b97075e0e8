"""Suunto SML reader: a Moveslink2 ``.sml`` log (root ``<sml>``, then ``<DeviceLog>``).

``<DeviceLog>`` holds ``<Header>`` (``DateTime``, ``Duration`` s, ``Distance`` m,
``ActivityType``, ``Activity``, …), ``<Device>`` (``Name``, ``SerialNumber``) and
``<Samples>``. One log is one session; the header gives it, the samples only place it in
time and find pauses. Type mapping, time zone and moving-time rules: :mod:`ingest.suunto`.
Parsed with :mod:`ingest.xmlsafe` (no DTD, no entities, no network).
"""

from __future__ import annotations

from typing import Final

from ingest.records import ParsedFile, RejectedFile
from ingest.suunto import device, log_session, xml_samples
from ingest.xmlsafe import child, child_text, local_name, parse_xml, sniff_root

__all__ = ["FORMAT", "parse", "sniff"]

FORMAT: Final = "suunto_sml"


def sniff(head: bytes) -> bool:
    """Root ``<sml>`` with a ``DeviceLog`` (or Suunto's namespace) in the first bytes."""
    try:
        return sniff_root(head) == "sml" and (
            b"DeviceLog" in head or b"suunto.com/schemas/sml" in head
        )
    except Exception:  # a sniffer never raises
        return False


def parse(data: bytes) -> ParsedFile:
    """Read one SML log into one session."""
    root = parse_xml(data)
    if local_name(root) != "sml":
        raise RejectedFile(f"not a Suunto SML file: root element <{local_name(root)}>")
    log = child(root, "DeviceLog")
    header = child(log, "Header") if log is not None else None
    if log is None or header is None:
        raise RejectedFile("Suunto SML file without <DeviceLog><Header>: no exercise summary")
    unit = child(log, "Device")
    recorder = device(
        child_text(unit, "Name") if unit is not None else None,
        child_text(unit, "SerialNumber") if unit is not None else None,
    )
    samples = child(log, "Samples")
    if samples is None:
        samples = child(log, "samples")
    session, warnings = log_session(FORMAT, header, xml_samples(samples), recorder)
    return ParsedFile(format=FORMAT, kind="activity", sessions=(session,), warnings=tuple(warnings))
