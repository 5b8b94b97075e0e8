"""The FIT reader: decoded segments (fast path, else fitparse) → :class:`ParsedFile`."""

from __future__ import annotations

from fitparse.profile import FIELD_TYPES

import ingest.fit.fast as fast
from ingest.fit.activity import _activity_sessions
from ingest.fit.decode import _contexts, _decode_file, _Decoded
from ingest.fit.monitoring import _monitoring
from ingest.fit.profile import (
    _NOT_ACTIVITY,
    ACTIVITY_FILE_TYPES,
    MONITORING_FILE_TYPES,
)
from ingest.records import ParsedFile, SkippedFile

__all__ = ["parse_fit"]


def parse_fit(data: bytes) -> ParsedFile:
    """Read one FIT file (possibly several chained FIT segments).

    Returns the sessions of an activity file or the step intervals of a monitoring file.
    Raises :class:`SkippedFile` for valid files without activity data and
    :class:`RejectedFile` for broken ones; any other exception is a bug.
    """
    decoded = fast.decode(data)
    if decoded is not None:
        try:
            return _interpret(decoded)
        except fast.PASS_THROUGH:
            raise
        except BaseException:  # any doubt about the fast result: fitparse decides
            pass
    return _interpret(_decode_file(data))


def _interpret(decoded: _Decoded) -> ParsedFile:
    """The ParsedFile of decoded segments; raises SkippedFile / RejectedFile."""
    warnings = decoded.warnings
    segments = decoded.segments
    contexts = _contexts(segments)
    first_type = next((c.file_type for c in contexts if c.file_type is not None), None)

    if first_type in MONITORING_FILE_TYPES:
        intervals, spans, reason = _monitoring(segments, contexts, warnings)
        if reason is not None:
            raise SkippedFile(reason)
        return ParsedFile(
            format="fit",
            kind="monitoring",
            step_intervals=tuple(intervals),
            wear_spans=tuple(spans),
            warnings=tuple(warnings),
        )

    if first_type is None or first_type in ACTIVITY_FILE_TYPES:
        sessions, reason = _activity_sessions(segments, contexts, warnings)
        if reason is not None:
            raise SkippedFile(reason)
        return ParsedFile(
            format="fit", kind="activity", sessions=tuple(sessions), warnings=tuple(warnings)
        )

    known = _NOT_ACTIVITY.get(first_type)
    if known is not None:
        raise SkippedFile(known)
    name = FIELD_TYPES["file"].values.get(first_type)
    label = f"{name} ({first_type})" if name else f"type {first_type}"
    raise SkippedFile(f"FIT file of {label}, not a recorded activity")
