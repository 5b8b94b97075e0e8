"""One realistic participant as FIT files (the project's FIT writer), and their ingest through
the use cases — what tests/pipelines/test_realistic_participant.py works out by hand and the
dashboard tests show.

Two complete program weeks and one day of a third of one person in Berlin in January (CET,
local = UTC + 1 h, every file says +1 h), program start Monday 2024-01-08. Files: recorded
activities and one Garmin monitoring file per worn day with all-day heart rate (one reading a
minute, 07:00–22:59 unless said otherwise) and step readings (one a minute, one day with
30-minute readings). The comments in ``FILES`` say what each day holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from demo import fitwriter as fw
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.store.storage import Store

PROGRAM_START = date(2024, 1, 8)
OFFSET_S = 3600  # CET
WALKING, TRAINING, FITNESS_EQUIPMENT = 11, 10, 4
STRENGTH, PILATES = 20, 44
W, STOP = 110, 20  # steps in a brisk walking minute, in a minute standing at a crossing


def local(text: str) -> datetime:
    """A local (CET) wall time as the UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) - timedelta(seconds=OFFSET_S)


def heart_rate(day: str, first: str = "07:00", last: str = "22:59") -> list[tuple[datetime, int]]:
    """All-day heart rate, one reading a minute from ``first`` to ``last`` (local)."""
    start, end = local(f"{day}T{first}"), local(f"{day}T{last}")
    count = int((end - start).total_seconds()) // 60 + 1
    return [(start + timedelta(minutes=i), 64 + i % 7) for i in range(count)]


def minutes(start: str, counts: list[int]) -> list[tuple[datetime, int]]:
    """Step minutes from local ``start``, one count per minute."""
    first = local(start)
    return [(first + timedelta(minutes=i), n) for i, n in enumerate(counts)]


def activity(
    start: str,
    elapsed_min: float,
    sport: int,
    sub_sport: int = 0,
    *,
    moving_min: float | None = None,
    steps: int | None = None,
    name: str | None = None,
) -> bytes:
    return fw.activity_file(
        start_utc=local(start),
        elapsed_s=elapsed_min * 60,
        moving_s=None if moving_min is None else moving_min * 60,
        sport=sport,
        sub_sport=sub_sport,
        steps=steps,
        name=name,
        utc_offset_s=OFFSET_S,
        record_interval_s=10,
    )


def monitoring(
    day: str,
    steps: Sequence[tuple[datetime, int]] = (),
    *,
    hr: list[tuple[datetime, int]] | None = None,
    interval_s: int = 60,
) -> bytes:
    return fw.monitoring_file(
        step_minutes=steps,
        heart_rate=heart_rate(day) if hr is None else hr,
        utc_offset_s=OFFSET_S,
        interval_s=interval_s,
    )


FILES: dict[str, bytes] = {
    # ---- program week 1: Mon 8 – Sun 14 January
    # Mon 8: a recorded 70-minute walk at 110 steps/min (7,700 steps) 10:00–11:10.
    "2024-01-08-walk.fit": activity("2024-01-08T10:00", 70, WALKING, steps=70 * W),
    "2024-01-08-monitor.fit": monitoring("2024-01-08"),
    # Tue 9: a 45-minute Pilates class 18:00–18:45 (Garmin writes 4/44).
    "2024-01-09-pilates.fit": activity("2024-01-09T18:00", 45, FITNESS_EQUIPMENT, PILATES),
    "2024-01-09-monitor.fit": monitoring("2024-01-09"),
    # Wed 10: a brisk walk NOT started as an activity, one reading a minute from 09:00:
    # 25 minutes at 110, one minute at a crossing (20 steps), 7 minutes at 110.
    "2024-01-10-monitor.fit": monitoring(
        "2024-01-10", minutes("2024-01-10T09:00", [W] * 25 + [STOP] + [W] * 7)
    ),
    # Thu 11: the watch on the charger — no file at all.
    # Fri 12: a recorded walk 10:00–10:40 with a 4-minute pause (36 moving minutes,
    # 3,960 steps = 110/min over the moving time), named in German; and a 10-minute
    # strength recording 18:00–18:10 (too short to be a training session).
    "2024-01-12-walk.fit": activity(
        "2024-01-12T10:00", 40, WALKING, moving_min=36, steps=36 * W, name="Spaziergang"
    ),
    "2024-01-12-strength.fit": activity("2024-01-12T18:00", 10, TRAINING, STRENGTH),
    "2024-01-12-monitor.fit": monitoring("2024-01-12"),
    # Sat 13: a recorded 40-minute night walk 23:30 – Sun 00:10 at 110 steps/min.
    "2024-01-13-night-walk.fit": activity("2024-01-13T23:30", 40, WALKING, steps=40 * W),
    "2024-01-13-monitor.fit": monitoring("2024-01-13"),
    # Sun 14: the watch worn only 08:00–14:59.
    "2024-01-14-monitor.fit": monitoring(
        "2024-01-14", hr=heart_rate("2024-01-14", "08:00", "14:59")
    ),
    # ---- program week 2: Mon 15 – Sun 21 January
    # Mon 15: a 20-minute brisk walk 17:05–17:24 (115 steps/min, 2,300 steps), but the
    # watch wrote 30-minute readings that day: all 2,300 steps in the reading 17:00–17:30.
    "2024-01-15-monitor.fit": monitoring(
        "2024-01-15", minutes("2024-01-15T17:05", [115] * 20), interval_s=1800
    ),
    # Tue 16: a recorded 35-minute walk 09:00–09:35 at 110/min; a 30-minute Pilates class.
    "2024-01-16-walk.fit": activity("2024-01-16T09:00", 35, WALKING, steps=35 * W),
    "2024-01-16-pilates.fit": activity("2024-01-16T18:00", 30, FITNESS_EQUIPMENT, PILATES),
    "2024-01-16-monitor.fit": monitoring("2024-01-16"),
    # Wed 17: 20 minutes of back exercises (strength) 18:00–18:20.
    "2024-01-17-strength.fit": activity(
        "2024-01-17T18:00", 20, TRAINING, STRENGTH, name="Rückengymnastik"
    ),
    "2024-01-17-monitor.fit": monitoring("2024-01-17"),
    # Thu 18: a recorded 30-minute walk 10:00–10:30 the watch also counted minute by
    # minute (110 steps in each of the 30 minutes).
    "2024-01-18-walk.fit": activity("2024-01-18T10:00", 30, WALKING, steps=30 * W),
    "2024-01-18-monitor.fit": monitoring("2024-01-18", minutes("2024-01-18T10:00", [W] * 30)),
    # Fri 19: a slow recorded 15-minute walk 10:00–10:15 at 90 steps/min (1,350 steps).
    "2024-01-19-walk.fit": activity("2024-01-19T10:00", 15, WALKING, steps=15 * 90),
    "2024-01-19-monitor.fit": monitoring("2024-01-19"),
    # Sat 20, Sun 21: worn, no walk, no training.
    "2024-01-20-monitor.fit": monitoring("2024-01-20"),
    "2024-01-21-monitor.fit": monitoring("2024-01-21"),
    # ---- program week 3 (in progress): Mon 22 January
    # a recorded 40-minute walk 10:00–10:40 at 110/min.
    "2024-01-22-walk.fit": activity("2024-01-22T10:00", 40, WALKING, steps=40 * W),
    "2024-01-22-monitor.fit": monitoring("2024-01-22"),
}


def ingest(
    store: Store,
    participant: str,
    root: Path,
    names: Iterable[str] = FILES,
    *,
    group: str | None = None,
) -> list[uploads.Outcome]:
    """Write the files ``names`` under ``root/participant`` and ingest them for
    ``participant`` (Europe/Berlin, program start Monday 2024-01-08), then refresh."""
    folder = root / participant
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_bytes(FILES[name])
    settings.configure(
        store, participant, tz="Europe/Berlin", group=group, program_start=PROGRAM_START
    )
    stored = uploads.store_uploads(store, participant, uploads.collect_paths([folder]))
    outcomes = uploads.record(store, participant, uploads.parse_stored(stored, workers=1))
    refreshing.refresh_participant(store, participant)
    return outcomes
