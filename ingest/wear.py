"""Heart-rate presence → wear spans (one rule for all readers): as arrays
(:func:`presence_arrays`, what the Apple Health reader turns into columns) or as
:class:`~ingest.records.WearSpan` records (:func:`presence_spans`).

A wrist device measures heart rate only while it sits on the skin, so a heart-rate reading
is the usual sign that it was worn (see docs/rules.md, "Wear time"). Each reading marks
its UTC minute as worn; readings at most :data:`HEART_RATE_MAX_GAP` (5 min) apart are
joined into one span, from the first reading's minute to the end of the last reading's
minute. The gap: Garmin's all-day heart rate writes a reading every 1–2 minutes at rest
(every second or so in an activity), the Apple Watch samples every few minutes at rest
(more often in workouts), Fitbit every 5–15 s. A gap longer than 5 minutes is therefore
not sampling but the sensor off the skin (or off); it is not counted as worn.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final

import numpy as np

from ingest.records import Device, WearSpan

__all__ = ["HEART_RATE_MAX_GAP", "minute_of", "presence_arrays", "presence_spans"]

HEART_RATE_MAX_GAP: Final = timedelta(minutes=5)
"""Heart-rate readings at most this far apart belong to one span of wear."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_GAP_MINUTES: Final = int(HEART_RATE_MAX_GAP.total_seconds() // 60)


def minute_of(instant: datetime) -> int:
    """The UTC minute (minutes since 1970) ``instant`` (aware, UTC) falls in."""
    return int((instant - _EPOCH).total_seconds() // 60)


def presence_arrays(minutes: Iterable[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The wear spans of readings in the UTC ``minutes`` given (minutes since 1970, any
    order, repeats allowed) as two arrays of minutes, in order: each span's first minute
    and the minute after its last. Consecutive reading minutes at most 5 apart are one
    span, ``[first minute, last minute + 1)``."""
    values = minutes if isinstance(minutes, np.ndarray) else np.fromiter(minutes, "int64")
    ordered = np.unique(values.astype("int64", copy=False))
    if not len(ordered):
        return ordered, ordered.copy()
    breaks = np.flatnonzero(np.diff(ordered) > _GAP_MINUTES)
    first = ordered[np.r_[0, breaks + 1]]
    last = ordered[np.r_[breaks, len(ordered) - 1]]
    return first, last + 1


def presence_spans(
    minutes: Iterable[int],
    *,
    device: Device,
    utc_offset_s: int | None = None,
    floating: bool = False,
) -> list[WearSpan]:
    """:func:`presence_arrays` as :class:`WearSpan` records of ``device``."""
    first, end = presence_arrays(minutes)
    return [
        WearSpan(
            start_utc=_EPOCH + timedelta(minutes=int(a)),
            end_utc=_EPOCH + timedelta(minutes=int(b)),
            device=device,
            utc_offset_s=utc_offset_s,
            floating=floating,
        )
        for a, b in zip(first, end, strict=True)
    ]
