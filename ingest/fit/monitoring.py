"""Monitoring files: Garmin's cumulative step counters → :class:`StepInterval` records;
their all-day heart rate (monitoring ``heart_rate``) → :class:`WearSpan` records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from ingest.fit.decode import _Context, _Segment
from ingest.fit.profile import (
    _F_MON_ACTIVITY_TYPE,
    _F_MON_CYCLES,
    _F_MON_DEVICE_INDEX,
    _F_MON_DURATION_MIN,
    _F_MON_HEART_RATE,
    _F_MON_TIMESTAMP_16,
    _F_MON_TYPE_INTENSITY,
    HEART_RATE_READINGS,
    MESG_MONITORING,
    MESG_MONITORING_INFO,
    MONITORING_FILE_TYPES,
    STEP_ACTIVITY_TYPES,
    TIMESTAMP_FIELD,
    _as_int,
    _check_clock,
    _fit_instant,
    local_offset_s,
)
from ingest.records import Device, StepInterval, WearSpan
from ingest.wear import minute_of, presence_spans

MONITORING_INTERVAL_CAP: Final = timedelta(minutes=60)
"""The longest span one monitoring step increment is spread over (see :func:`step_intervals`)."""


@dataclass(frozen=True, slots=True)
class CounterReading:
    """One monitoring message's cumulative step counter, with its resolved time."""

    time_raw: int  # FIT seconds
    activity_type: int
    # cumulative steps since the counter's last reset; None: a reading of a counter that
    # holds no steps (sedentary time, ...), which only marks the instant it was written
    value: int | None
    device_index: int | None = None


def step_intervals(
    readings: Sequence[CounterReading],
    *,
    start_raw: int | None,
    device: Device,
    utc_offset_s: int | None,
    baseline_first: bool = False,
) -> list[StepInterval]:
    """Turn cumulative step counters into per-interval step increments.

    Garmin monitoring files hold, per activity type (walking 6, running 1), a counter
    of steps that only grows until it resets (at the day boundary, or when the device
    resets). For each reading of a counter (keyed by device index and activity type):

    * increment = value − previous value of the same counter; when the value went down
      the counter was reset, and the increment is the new value itself (the counter
      counted up from 0 since the reset); the first reading's increment is its value —
      unless ``baseline_first`` (a file that starts mid-day: Garmin's counters run from
      local midnight, so its first readings repeat steps an earlier file of the day already
      holds): then the first reading is only the baseline and its increment is 0;
    * the interval runs from the device's previous reading of *any* counter (walking,
      running, sedentary time, ...; readings at this reading's own instant do not count)
      to this reading's time; without an earlier reading, from ``start_raw`` (the
      monitoring_info timestamp) when given. Garmin writes a reading when the activity
      type changes, so a walk after a sedentary stretch starts at the sedentary reading,
      not at the walking counter's reading before the stretch (which would spread its
      first minute over up to an hour);
    * **cap**: an interval is at most :data:`MONITORING_INTERVAL_CAP` (60 min) long. When
      the gap since the previous reading is longer, unknown, or not positive, the interval starts
      60 min before the reading. Garmin writes a reading soon after steps are taken, so
      the steps of a long gap belong to its end, not spread over hours of rest - and a
      walking-minutes measure must not smear them across a night;
    * zero-step intervals are kept: they show the device was worn and counting. An
      interval of zero length with zero steps says nothing and is dropped.
    """
    intervals: list[StepInterval] = []
    last: dict[tuple[int | None, int], int] = {}
    # per device index: the latest reading's time and the one before it (any counter)
    times: dict[int | None, tuple[int, int | None]] = {}
    cap_s = int(MONITORING_INTERVAL_CAP.total_seconds())
    for reading in readings:
        latest, earlier = times.get(reading.device_index, (None, None))
        if latest is not None and latest < reading.time_raw:
            prior: int | None = latest
            times[reading.device_index] = (reading.time_raw, latest)
        elif latest is not None and latest == reading.time_raw:
            prior = earlier
        else:  # the first reading, or the clock went back: start over
            prior = None
            times[reading.device_index] = (reading.time_raw, None)
        if reading.value is None:
            continue
        key = (reading.device_index, reading.activity_type)
        previous = last.get(key)
        last[key] = reading.value
        if previous is None:
            increment = 0 if baseline_first else reading.value
            since = start_raw
        else:
            increment = reading.value - previous
            if increment < 0:
                increment = reading.value
            since = prior
        if prior is not None and (since is None or prior > since):
            since = prior
        if since is None or since >= reading.time_raw:
            if since is not None and since == reading.time_raw and increment == 0:
                continue
            since = reading.time_raw - cap_s
        since = max(since, reading.time_raw - cap_s)
        intervals.append(
            StepInterval(
                start_utc=_fit_instant(since),
                end_utc=_fit_instant(reading.time_raw),
                steps=increment,
                device=device,
                activity_type=reading.activity_type,
                utc_offset_s=utc_offset_s,
            )
        )
    return intervals


def _monitoring(
    segments: Sequence[_Segment], contexts: Sequence[_Context], warnings: list[str]
) -> tuple[list[StepInterval], list[WearSpan], str | None]:
    """The step intervals and heart-rate wear spans of a monitoring file, or the reason it
    holds neither. Heart rate: every monitoring message with a ``heart_rate`` of 1–254 bpm
    (Garmin writes them as messages of their own, mostly with only ``timestamp_16``) marks
    its minute as worn (:func:`ingest.wear.presence_spans`)."""
    chosen = [
        (segment, context)
        for segment, context in zip(segments, contexts, strict=True)
        if context.file_type in MONITORING_FILE_TYPES
    ]
    readings: list[CounterReading] = []
    summaries: list[CounterReading] = []
    summary_minutes: dict[CounterReading, int] = {}
    start_raw: int | None = None
    utc_offset: int | None = None
    local_start: int | None = None
    unresolved = 0
    heart_minutes: list[int] = []
    device = chosen[0][1].device if chosen else Device()
    for segment, _ in chosen:
        reference: int | None = None
        for message in segment.messages:
            timestamp = _as_int(message.raw.get(TIMESTAMP_FIELD))
            if message.mesg_num == MESG_MONITORING_INFO:
                _check_clock(timestamp, "monitoring_info timestamp")
                if timestamp is not None:
                    reference = timestamp
                    if start_raw is None:
                        start_raw = timestamp
                        local_start = _as_int(message.raw.get(0))
                if utc_offset is None:
                    utc_offset = local_offset_s(message.raw.get(0), timestamp)
                continue
            if message.mesg_num != MESG_MONITORING:
                continue
            heart_rate = _as_int(message.raw.get(_F_MON_HEART_RATE))
            if timestamp is None:
                short = _as_int(message.raw.get(_F_MON_TIMESTAMP_16))
                if short is None or reference is None:
                    if message.raw.get(_F_MON_CYCLES) is not None or heart_rate is not None:
                        unresolved += 1
                    continue
                timestamp = reference + ((short - (reference & 0xFFFF)) & 0xFFFF)
            _check_clock(timestamp, "monitoring timestamp")
            reference = timestamp
            if heart_rate in HEART_RATE_READINGS:
                heart_minutes.append(minute_of(_fit_instant(timestamp)))
            activity_type = _as_int(message.raw.get(_F_MON_ACTIVITY_TYPE))
            if activity_type is None:
                packed = message.raw.get(_F_MON_TYPE_INTENSITY)
                if isinstance(packed, tuple) and packed and isinstance(packed[0], int):
                    activity_type = packed[0] & 0x1F
            if activity_type is None:
                continue
            cycles = _as_int(message.raw.get(_F_MON_CYCLES))
            reading = CounterReading(
                time_raw=timestamp,
                activity_type=activity_type,
                value=cycles if activity_type in STEP_ACTIVITY_TYPES else None,
                device_index=_as_int(message.raw.get(_F_MON_DEVICE_INDEX)),
            )
            duration_min = _as_int(message.raw.get(_F_MON_DURATION_MIN))
            if duration_min is not None and duration_min >= 24 * 60:
                if reading.value is None:
                    continue  # a daily total of another counter marks no instant
                summaries.append(reading)
                summary_minutes[reading] = duration_min
            else:
                readings.append(reading)
    if unresolved:
        warnings.append(
            f"{unresolved} monitoring message(s) with only a 16-bit timestamp and no earlier "
            "full timestamp were ignored"
        )
    local_seconds = (
        (local_start % 86_400)
        if readings and local_start is not None and start_raw is not None and utc_offset is not None
        else 0
    )
    mid_day = local_seconds != 0 and any(reading.value for reading in readings)
    intervals = step_intervals(
        readings,
        start_raw=start_raw,
        device=device,
        utc_offset_s=utc_offset,
        baseline_first=mid_day,
    )
    counted_types = {r.activity_type for r in readings if r.value is not None}
    for summary in summaries:
        if summary.value is None or summary.activity_type in counted_types:
            continue  # a daily total restating counters already differenced above
        minutes = summary_minutes[summary]
        intervals.append(
            StepInterval(
                start_utc=_fit_instant(summary.time_raw - 60 * minutes),
                end_utc=_fit_instant(summary.time_raw),
                steps=summary.value,
                device=device,
                activity_type=summary.activity_type,
                utc_offset_s=utc_offset,
            )
        )
        warnings.append(
            f"activity type {summary.activity_type}: only a daily total "
            f"({summary.value} steps over {minutes} min) - no intraday counters"
        )
    if mid_day:
        warnings.append(
            "the file starts at local "
            f"{local_seconds // 3600:02d}:{local_seconds % 3600 // 60:02d}, not midnight: the "
            "counters' first readings include steps from before the file began (they belong "
            "to an earlier file of the day), so they were used as the baseline, not counted"
        )
    spans = presence_spans(heart_minutes, device=device, utc_offset_s=utc_offset)
    if not intervals and not spans:
        return (
            [],
            [],
            "FIT monitoring file holds no step counters (walking or running cycles) and no "
            "heart rate",
        )
    return intervals, spans, None
