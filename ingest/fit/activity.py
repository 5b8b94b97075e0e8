"""Activity files: one :class:`SessionRecord` per FIT ``session`` message, or one
reconstructed from ``record`` timestamps (see :mod:`ingest.fit`)."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.fit.decode import _Context, _Message, _Segment
from ingest.fit.profile import (
    _F_SESSION_CYCLES,
    _F_SESSION_DISTANCE,
    _F_SESSION_ELAPSED,
    _F_SESSION_PROFILE_NAME,
    _F_SESSION_SPORT,
    _F_SESSION_START,
    _F_SESSION_SUB_SPORT,
    _F_SESSION_TIMER,
    _SPORT_NAMES,
    _STRIDE_SPORTS,
    ACTIVITY_FILE_TYPES,
    MESG_ACTIVITY,
    MESG_SESSION,
    MESG_SPORT,
    MESG_WORKOUT,
    TIMESTAMP_FIELD,
    _as_float,
    _as_int,
    _as_text,
    _check_clock,
    _fit_instant,
    local_offset_s,
)
from ingest.records import Device, SessionRecord


def _offset_from(messages: Sequence[_Message], mesg_num: int) -> int | None:
    for message in messages:
        if message.mesg_num == mesg_num:
            offset = local_offset_s(
                message.raw.get(5 if mesg_num == MESG_ACTIVITY else 0),
                message.raw.get(TIMESTAMP_FIELD),
            )
            if offset is not None:
                return offset
    return None


def _pair_names(sessions: Sequence[_Message], sports: Sequence[_Message]) -> list[str | None]:
    """The ``sport`` message name for each session: by position when counts match, else by code."""
    if len(sports) == len(sessions):
        return [_as_text(sport.value.get(3)) for sport in sports]
    names: list[str | None] = []
    for session in sessions:
        code = (session.raw.get(_F_SESSION_SPORT), session.raw.get(_F_SESSION_SUB_SPORT))
        match = next((s for s in sports if (s.raw.get(0), s.raw.get(1)) == code), None)
        if match is None:
            match = next((s for s in sports if s.raw.get(0) == code[0]), None)
        names.append(None if match is None else _as_text(match.value.get(3)))
    return names


def _session_record(
    session: _Message,
    *,
    index: int,
    device: Device,
    utc_offset_s: int | None,
    sport_name_hint: str | None,
    workout_name: str | None,
    warnings: list[str],
) -> SessionRecord | None:
    raw, value = session.raw, session.value
    start_raw = _as_int(raw.get(_F_SESSION_START))
    end_raw = _as_int(raw.get(TIMESTAMP_FIELD))
    _check_clock(start_raw, "session start_time")
    _check_clock(end_raw, "session timestamp")
    elapsed = _as_float(value.get(_F_SESSION_ELAPSED))
    timer = _as_float(value.get(_F_SESSION_TIMER))
    if elapsed is None:
        elapsed = timer
    if elapsed is None and start_raw is not None and end_raw is not None and end_raw >= start_raw:
        elapsed = float(end_raw - start_raw)
    if start_raw is None and end_raw is not None and elapsed is not None:
        start_raw = end_raw - round(elapsed)
    if start_raw is None or elapsed is None:
        warnings.append(f"session {index} ignored: it states no start time or no duration")
        return None
    moving = elapsed if timer is None else timer
    if moving > elapsed:
        if moving - elapsed > 1.0:
            warnings.append(
                f"session {index}: timer time {moving} s exceeds elapsed time {elapsed} s; "
                "moving time capped at the elapsed time"
            )
        moving = elapsed
    sport = _as_int(raw.get(_F_SESSION_SPORT))
    cycles = _as_int(raw.get(_F_SESSION_CYCLES))
    steps = 2 * cycles if cycles is not None and sport in _STRIDE_SPORTS else None
    activity_name = sport_name_hint or workout_name or _as_text(value.get(_F_SESSION_PROFILE_NAME))
    return SessionRecord(
        source_format="fit",
        index=index,
        start_utc=_fit_instant(start_raw),
        elapsed_s=elapsed,
        moving_s=moving,
        sport=sport,
        sub_sport=_as_int(raw.get(_F_SESSION_SUB_SPORT)),
        sport_name=None if sport is None else _SPORT_NAMES.get(sport),
        activity_name=activity_name,
        distance_m=_as_float(value.get(_F_SESSION_DISTANCE)),
        steps=steps,
        device=device,
        utc_offset_s=utc_offset_s,
    )


def _activity_sessions(
    segments: Sequence[_Segment], contexts: Sequence[_Context], warnings: list[str]
) -> tuple[list[SessionRecord], str | None]:
    """Sessions of the activity segments, or a reconstructed one; else (``[]``, skip reason)."""
    chosen = [
        (segment, context)
        for segment, context in zip(segments, contexts, strict=True)
        if context.file_type is None or context.file_type in ACTIVITY_FILE_TYPES
    ]
    messages = [m for segment, _ in chosen for m in segment.messages]
    file_offset = _offset_from(messages, MESG_ACTIVITY)
    sports = [m for m in messages if m.mesg_num == MESG_SPORT]
    workout_name = next(
        (
            name
            for m in messages
            if m.mesg_num == MESG_WORKOUT and (name := _as_text(m.value.get(8))) is not None
        ),
        None,
    )
    session_items = [
        (m, context, segment)
        for segment, context in chosen
        for m in segment.messages
        if m.mesg_num == MESG_SESSION
    ]
    if session_items:
        names = _pair_names([m for m, _, _ in session_items], sports)
        sessions: list[SessionRecord] = []
        for (message, context, segment), name in zip(session_items, names, strict=True):
            segment_offset = _offset_from(segment.messages, MESG_ACTIVITY)
            record = _session_record(
                message,
                index=len(sessions),
                device=context.device,
                utc_offset_s=segment_offset if segment_offset is not None else file_offset,
                sport_name_hint=name,
                workout_name=workout_name,
                warnings=warnings,
            )
            if record is not None:
                sessions.append(record)
        if sessions:
            return sessions, None
        return [], "FIT activity file holds sessions, but none states a start time and duration"

    records = sum(segment.record_count for segment, _ in chosen)
    if not chosen or records == 0:
        return [], "FIT activity file holds no session or record data"
    times = [
        t
        for segment, _ in chosen
        for t in (segment.record_min_ts, segment.record_max_ts)
        if t is not None
    ]
    if not times:
        return (
            [],
            f"FIT activity file holds no session, and its {records} records carry no timestamps",
        )
    first, last = min(times), max(times)
    _check_clock(first, "first record timestamp")
    if last <= first:
        return [], (f"FIT activity file holds no session, and its {records} record(s) span no time")
    sport_message = sports[0] if sports else None
    sport = None if sport_message is None else _as_int(sport_message.raw.get(0))
    span = float(last - first)
    context = chosen[0][1]
    timed = sum(segment.record_count - segment.records_without_time for segment, _ in chosen)
    warnings.append(f"no session message; session reconstructed from {timed} records")
    return [
        SessionRecord(
            source_format="fit",
            index=0,
            start_utc=_fit_instant(first),
            elapsed_s=span,
            moving_s=span,
            sport=sport,
            sub_sport=None if sport_message is None else _as_int(sport_message.raw.get(1)),
            sport_name=None if sport is None else _SPORT_NAMES.get(sport),
            activity_name=(None if sport_message is None else _as_text(sport_message.value.get(3)))
            or workout_name,
            device=context.device,
            utc_offset_s=file_offset,
        )
    ], None
