"""Small builders for rule tests: sessions and step minutes straight into the pure stages."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from ingest.records import Device, SessionRecord, StepInterval
from pipelines.config import Target
from pipelines.rules import adherence, daily, sessions, steps
from pipelines.schemas import STEP_MINUTES, WEAR

WATCH = Device("garmin", "fenix5", "111")
PHONE = Device("apple", "iphone", "222")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def walk(
    start: str,
    minutes: float,
    *,
    moving: float | None = None,
    offset_h: float | None = 1,
    device: Device = WATCH,
    sport: int = 11,
    sub_sport: int = 0,
    index: int = 0,
    name: str | None = None,
    steps: int | None = None,
) -> SessionRecord:
    return SessionRecord(
        source_format="fit",
        index=index,
        start_utc=utc(start),
        elapsed_s=minutes * 60,
        moving_s=(moving if moving is not None else minutes) * 60,
        sport=sport,
        sub_sport=sub_sport,
        activity_name=name,
        steps=steps,
        device=device,
        utc_offset_s=None if offset_h is None else int(offset_h * 3600),
    )


def step_run(
    start: str, minutes: int, spm: int, *, device: Device = WATCH, offset_h: float | None = 1
) -> list[StepInterval]:
    t0 = utc(start)
    return [
        StepInterval(
            t0 + timedelta(minutes=i),
            t0 + timedelta(minutes=i + 1),
            spm,
            device,
            6,
            None if offset_h is None else int(offset_h * 3600),
        )
        for i in range(minutes)
    ]


def session_rows(records: Sequence[SessionRecord], tz: str = "Europe/Berlin") -> pd.DataFrame:
    """``records`` as derived rows of the sessions table, each record from a file of its own
    (file ``i`` is ``f"{i:064x}"``). The rows are built in one ``records_frame`` call and then
    given their files: the same rows as one call per record concatenated, without typing a
    frame per record."""
    rows = sessions.records_frame("p1", "0" * 64, records)
    if records:
        files = [f"{i:064x}" for i in range(len(records))]
        ids = [sessions.session_id(f, r.index) for f, r in zip(files, records, strict=True)]
        rows["file_sha256"] = pd.array(files, dtype="string")
        rows["session_id"] = pd.array(ids, dtype="string")
    return sessions.derive(rows, tz)


def days(
    records: Sequence[SessionRecord] = (),
    intervals: Sequence[StepInterval] = (),
    *,
    tz: str = "Europe/Berlin",
    target: Target | None = None,
    program_start: date | None = None,
) -> pd.DataFrame:
    target = target or Target(program_start=program_start)
    minutes = steps.step_minutes("p1", "f" * 64, intervals) if intervals else STEP_MINUTES.empty()
    wear = steps.wear_spans("p1", "f" * 64, intervals) if intervals else WEAR.empty()
    derived = session_rows(records, tz)
    frame = daily.daily_activity(
        derived,
        minutes,
        wear,
        tz=tz,
        min_bout_minutes=target.min_bout_minutes,
        max_pause_minutes=target.max_pause_minutes,
        program_start=target.program_start,
    )
    return daily.with_status(
        adherence.apply_target(frame, target, derived), target.min_wear_minutes
    )


def day(frame: pd.DataFrame, iso: str) -> dict[str, object]:
    rows = frame[frame["date"] == date.fromisoformat(iso)].to_dict("records")
    assert len(rows) == 1, f"expected one row for {iso}, got {len(rows)}"
    return rows[0]


def activity_days(minutes: dict[date, float], participant: str = "p1") -> pd.DataFrame:
    """A ``daily`` table (schema DAILY, its types) with ``minutes`` of walking on the given
    days, each a day with data; met from 30 minutes (the default target); every other
    figure 0, wear unknown."""
    from pipelines.schemas import DAILY

    rows = []
    for d, m in sorted(minutes.items()):
        row: dict[str, object] = {c.name: 0 for c in DAILY.columns} | {"wear_minutes": None}
        row |= {"participant": participant, "date": d, "walking_minutes": float(m)}
        row |= {"has_data": True, "met": m >= 30, "sources": "fit"}
        row |= {"status": "met" if m >= 30 else "below", "wear_basis": None}
        rows.append(row)
    empty = DAILY.empty()
    frame = pd.DataFrame(rows, columns=DAILY.names) if rows else empty
    return frame.astype(empty.dtypes.to_dict())  # the table's types, as the store reads them


def diary_days(
    pain: dict[date, float], participant: str = "p1", *, flagged: Collection[date] = ()
) -> pd.DataFrame:
    """The diary's per-day frame (``diary.per_day``) with one pain entry on each given day;
    on the days in ``flagged`` the person marked a flare-up."""
    from ingest.records import DiaryEntry
    from pipelines.rules import diary

    rows = [
        DiaryEntry(row=i + 1, date=d, pain=v, flare_up=True if d in flagged else None)
        for i, (d, v) in enumerate(sorted(pain.items()))
    ]
    return diary.per_day(diary.entries_frame(participant, rows, source="file"))


def processed_file(
    participant: str, sha256: str, upload_sha256: str, name: str, at: datetime
) -> dict[str, object]:
    """One row of the ``files`` manifest: a FIT file of one session processed ``ok`` at
    ``at``."""
    return {
        "participant": participant,
        "sha256": sha256,
        "upload_sha256": upload_sha256,
        "original_name": name,
        "format": "fit",
        "kind": "activity",
        "status": "ok",
        "reason": None,
        "n_sessions": 1,
        "n_step_intervals": 0,
        "size_bytes": 1,
        "ingested_at": at,
    }


def stretches_by_hand(records: list[StepInterval]) -> list[tuple[object, ...]]:
    """The wear stretch rule written out record by record (readings 0 < length < 60 min,
    per device in start order, joined across gaps of at most 60 min; the first stated
    offset): the oracle for the arrays of :func:`steps.wear_spans`."""
    out: list[tuple[object, ...]] = []
    readings = [r for r in records if timedelta(0) < r.end_utc - r.start_utc < timedelta(hours=1)]
    for key in sorted({r.device.key for r in readings}):
        mine = sorted((r for r in readings if r.device.key == key), key=lambda r: r.start_utc)
        current: list[StepInterval] = []
        for r in mine:
            if current and r.start_utc - max(c.end_utc for c in current) > timedelta(hours=1):
                out.append(_wear_stretch(key, current))
                current = []
            current.append(r)
        if current:
            out.append(_wear_stretch(key, current))
    return out


def _wear_stretch(key: str, readings: list[StepInterval]) -> tuple[object, ...]:
    offset = next((r.utc_offset_s for r in readings if r.utc_offset_s is not None), None)
    return (key, readings[0].start_utc, max(r.end_utc for r in readings), offset)
