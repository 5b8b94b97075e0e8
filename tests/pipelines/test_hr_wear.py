"""Wear time from heart-rate presence (issue 15 item 3; docs/rules.md "Wear time").

Table-driven: readings → spans (:func:`ingest.wear.presence_spans`), then spans, step
readings and sessions → ``days[].wear_minutes`` / ``wear_basis`` / ``status``. Every
expected figure is worked out by hand in the comments. Times: 2 May 2024, files at +1 h
(local = UTC + 1 h).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.read import read_upload
from ingest.records import Device, SessionRecord, StepInterval, WearSpan
from ingest.wear import HEART_RATE_MAX_GAP, minute_of, presence_spans
from pipelines.config import Target
from pipelines.rules import adherence, daily, ingestion, steps
from pipelines.schemas import FILES, STEP_MINUTES, WEAR
from tests.support.rules import PHONE, WATCH, day, session_rows, utc, walk

fw = pytest.importorskip("demo.fitwriter", reason="FIT writer not available")

DAY = "2024-05-02"
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"


def local(hhmm: str, on: str = DAY) -> datetime:
    """A local time (+1 h) on ``on`` as the UTC instant."""
    return utc(f"{on}T{hhmm}:00") - timedelta(hours=1)


def readings(first: str, last: str, every_min: int = 1, on: str = DAY) -> list[int]:
    """UTC minute numbers of heart-rate readings every ``every_min`` minutes, local
    ``first`` to ``last`` inclusive."""
    start, end = local(first, on), local(last, on)
    count = int((end - start).total_seconds() // 60) // every_min + 1
    return [minute_of(start + timedelta(minutes=i * every_min)) for i in range(count)]


def hr(minutes: Sequence[int], device: Device = WATCH) -> list[WearSpan]:
    return presence_spans(minutes, device=device, utc_offset_s=3600)


def zero_steps(
    first: str, minutes: int, device: Device = WATCH, on: str = DAY
) -> list[StepInterval]:
    """1-minute readings with 0 steps (the device counting, nobody walking)."""
    t0 = local(first, on)
    return [
        StepInterval(t0 + timedelta(minutes=i), t0 + timedelta(minutes=i + 1), 0, device, 6, 3600)
        for i in range(minutes)
    ]


def days(
    heart: Sequence[WearSpan] = (),
    intervals: Sequence[StepInterval] = (),
    records: Sequence[SessionRecord] = (),
    *,
    target: Target | None = None,
) -> pd.DataFrame:
    target = target or Target()
    minutes = steps.step_minutes("p1", "f" * 64, intervals) if intervals else STEP_MINUTES.empty()
    wear = pd.concat(
        [
            frame
            for frame in (
                steps.wear_spans("p1", "f" * 64, intervals),
                steps.heart_rate_wear("p1", "e" * 64, heart, "UTC", "fit"),
            )
            if len(frame)
        ]
        or [WEAR.empty()],
        ignore_index=True,
    )
    frame = daily.daily_activity(
        session_rows(records),
        minutes,
        wear,
        tz="Europe/Berlin",
        min_bout_minutes=target.min_bout_minutes,
        max_pause_minutes=target.max_pause_minutes,
    )
    return daily.with_status(adherence.apply_target(frame, target), target.min_wear_minutes)


def wear_of(frame: pd.DataFrame, iso: str = DAY) -> tuple[float | None, str | None, str]:
    row = day(frame, iso)
    minutes = row["wear_minutes"]
    basis = row["wear_basis"]
    return (
        None if minutes != minutes else minutes,  # type: ignore[comparison-overlap]
        None if basis is pd.NA else basis,  # type: ignore[return-value]
        row["status"],  # type: ignore[return-value]
    )


# ----------------------------------------------------------------- readings → spans


@pytest.mark.parametrize(
    ("case", "minutes", "spans"),
    [
        # one reading: its minute
        ("one reading", [100], [(100, 101)]),
        # 5 minutes apart: joined → 100..106; 6 apart: a new span
        ("5 apart joined", [100, 105], [(100, 106)]),
        ("6 apart split", [100, 106], [(100, 101), (106, 107)]),
        # repeats and any order: 3 readings in minute 7, one in 9 → 7..10
        ("repeats, unordered", [9, 7, 7, 7], [(7, 10)]),
        ("none", [], []),
    ],
)
def test_presence_spans(case: str, minutes: list[int], spans: list[tuple[int, int]]) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    got = presence_spans(minutes, device=WATCH)
    assert [
        (
            int((s.start_utc - epoch).total_seconds() // 60),
            int((s.end_utc - epoch).total_seconds() // 60),
        )
        for s in got
    ] == spans, case
    assert all(s.basis == "heart_rate" for s in got)
    assert timedelta(minutes=5) == HEART_RATE_MAX_GAP


# ------------------------------------------------------------------ spans → the day


@pytest.mark.parametrize(
    ("case", "heart", "intervals", "records", "expected"),
    [
        # readings every minute 08:00–17:59 except 12:00–13:59 (a 2-hour gap): 240 + 240
        # = 480 minutes; no walk, 480 < 600 → low_wear
        (
            "HR with a 2-hour gap",
            hr(readings("08:00", "11:59") + readings("14:00", "17:59")),
            [],
            [],
            (480.0, "heart_rate", "low_wear"),
        ),
        # the same, every 2 minutes (a Garmin at rest): 08:00…11:58 → 08:00–11:59 = 239,
        # 14:00…17:58 → 239; 478
        (
            "HR every 2 min",
            hr(readings("08:00", "11:59", 2) + readings("14:00", "17:59", 2)),
            [],
            [],
            (478.0, "heart_rate", "low_wear"),
        ),
        # HR as above plus the same watch's zero-step readings all day 00:00–24:00: heart
        # rate is the better signal, the watch's step stretches add nothing → 480
        (
            "same device steps ignored",
            hr(readings("08:00", "11:59") + readings("14:00", "17:59")),
            zero_steps("00:00", 1440),
            [],
            (480.0, "heart_rate", "low_wear"),
        ),
        # HR as above plus a phone's readings 19:00–20:00 (another device, no heart rate):
        # 480 + 60 = 540
        (
            "other device steps add",
            hr(readings("08:00", "11:59") + readings("14:00", "17:59")),
            zero_steps("19:00", 60, PHONE),
            [],
            (540.0, "heart_rate", "low_wear"),
        ),
        # HR as above plus a 30-min walk 20:00–20:30 (the sensor off): 480 + 30 = 510; met
        (
            "session adds",
            hr(readings("08:00", "11:59") + readings("14:00", "17:59")),
            [],
            [walk(f"{DAY}T19:00:00", 30)],
            (510.0, "heart_rate", "met"),
        ),
        # a walk inside the HR wear counts once: HR 08:00–18:00 (600), walk 09:00–09:20
        # → 600; 20 minutes walked, not met, worn 600 (not < 600) → below
        (
            "session inside HR",
            hr(readings("08:00", "17:59")),
            [],
            [walk(f"{DAY}T08:00:00", 20)],
            (600.0, "heart_rate", "below"),
        ),
        # no heart rate: step readings as before, 06:00–16:00 = 600 → below
        ("steps only", [], zero_steps("06:00", 600), [], (600.0, "steps", "below")),
        # only a recorded walk: 30, met
        ("session only", [], [], [walk(f"{DAY}T06:00:00", 30)], (30.0, "session", "met")),
    ],
)
def test_wear_from_heart_rate(
    case: str,
    heart: list[WearSpan],
    intervals: list[StepInterval],
    records: list[SessionRecord],
    expected: tuple[float | None, str | None, str],
) -> None:
    assert wear_of(days(heart, intervals, records)) == expected, case


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    heart_minutes=st.lists(st.integers(0, 1439), min_size=1, max_size=60),
    step_start=st.integers(0, 1380),
    step_minutes=st.integers(1, 60),
)
def test_the_watchs_steps_never_change_a_heart_rate_day(
    heart_minutes: list[int], step_start: int, step_minutes: int
) -> None:
    # on a day with heart rate, the same watch's step readings add no wear; the day's wear
    # is at most the minutes of its readings' spans, and never more than a day
    midnight = local("00:00")
    minutes = [minute_of(midnight) + m for m in heart_minutes]
    hhmm = f"{step_start // 60:02d}:{step_start % 60:02d}"
    alone = wear_of(days(hr(minutes)))
    with_steps = wear_of(days(hr(minutes), zero_steps(hhmm, step_minutes)))
    assert with_steps == alone
    assert alone[0] is not None and len(set(heart_minutes)) <= alone[0] <= 1440
    assert alone[1] == "heart_rate"


def test_a_charger_day_without_heart_rate_is_no_data() -> None:
    # HR 08:00–18:59 on 2 May (660 ≥ 600: below); on 3 May the watch is on the charger:
    # no reading at all → no data, wear null; on 4 May 2 h of HR → low_wear (120)
    heart = hr(readings("08:00", "18:59") + readings("10:00", "11:59", on="2024-05-04"))
    frame = days(heart)
    assert wear_of(frame, DAY) == (660.0, "heart_rate", "below")
    assert wear_of(frame, "2024-05-03") == (None, None, "no_data")
    assert wear_of(frame, "2024-05-04") == (120.0, "heart_rate", "low_wear")


def test_a_day_without_heart_rate_falls_back_to_steps() -> None:
    # HR all of 2 May 08:00–18:59; on 3 May the same watch wrote only zero-step readings
    # 09:00–11:00 (heart rate switched off): that day rests on steps, 120 → low_wear
    frame = days(hr(readings("08:00", "18:59")), zero_steps("09:00", 120, on="2024-05-03"))
    assert wear_of(frame, DAY) == (660.0, "heart_rate", "below")
    assert wear_of(frame, "2024-05-03") == (120.0, "steps", "low_wear")


def test_heart_rate_wear_across_local_midnight_is_split() -> None:
    # readings 23:30–00:29 local: 30 minutes on each day
    frame = days(hr(readings("23:30", "23:59") + readings("00:00", "00:29", on="2024-05-03")))
    assert wear_of(frame, DAY) == (30.0, "heart_rate", "low_wear")
    assert wear_of(frame, "2024-05-03") == (30.0, "heart_rate", "low_wear")


def test_stored_wear_rows_without_basis_read_as_steps() -> None:
    # rows written before `basis` existed: the daily rule treats them as step stretches
    intervals = zero_steps("06:00", 90)
    wear = steps.wear_spans("p1", "f" * 64, intervals).drop(columns="basis")
    frame = daily.daily_activity(
        session_rows([]),
        steps.step_minutes("p1", "f" * 64, intervals),
        wear,
        tz="Europe/Berlin",
        min_bout_minutes=10,
        max_pause_minutes=2,
    )
    row = day(frame, DAY)
    assert (row["wear_minutes"], row["wear_basis"]) == (90.0, "steps")


# ------------------------------------------------------------------ files → wear rows


def _ingest(name: str, data: bytes) -> ingestion.IngestRows:
    members = tuple(read_upload(name, data))
    upload = ingestion.Upload(name, hashlib.sha256(data).hexdigest(), members)
    return ingestion.ingest_rows(
        "p1", [upload], FILES.empty(), datetime(2026, 1, 1, tzinfo=UTC), tz="Europe/Berlin"
    )


def test_a_garmin_monitoring_file_gives_heart_rate_and_step_wear_rows() -> None:
    # HR every 2 min 07:00–08:58 UTC (one span 07:00–08:59) and 100 steps at 09:00
    t0 = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    data = fw.monitoring_file(
        step_minutes=[(datetime(2026, 1, 5, 9, 0, tzinfo=UTC), 100)],
        heart_rate=[(t0 + timedelta(minutes=2 * i), 60) for i in range(60)],
    )
    rows = _ingest("wellness.fit", data)
    heart = rows.wear[rows.wear["basis"] == "heart_rate"]
    assert [
        (s.isoformat(), e.isoformat())
        for s, e in zip(heart["start_utc"], heart["end_utc"], strict=True)
    ] == [("2026-01-05T07:00:00+00:00", "2026-01-05T08:59:00+00:00")]
    assert set(rows.wear["basis"]) == {"heart_rate", "steps"}


def test_a_fitbit_heart_rate_file_is_placed_in_the_participants_zone() -> None:
    # Fitbit's wall time 08:00:05–08:09:55 every 10 s in Berlin (CEST, +2 h in May):
    # 06:00–06:10 UTC
    entries = [
        {"dateTime": f"05/02/24 08:{m:02d}:{s:02d}", "value": {"bpm": 66, "confidence": 3}}
        for m in range(10)
        for s in range(5, 60, 10)
    ]
    rows = _ingest("heart_rate-2024-05-02.json", json.dumps(entries).encode())
    assert rows.files["status"].tolist() == ["ok"]
    assert [
        (s.isoformat(), e.isoformat(), b)
        for s, e, b in zip(
            rows.wear["start_utc"], rows.wear["end_utc"], rows.wear["basis"], strict=True
        )
    ] == [("2024-05-02T06:00:00+00:00", "2024-05-02T06:10:00+00:00", "heart_rate")]


# ------------------------------------------------------------------ the real samples


def _sample(path: str) -> bytes:
    full = SAMPLES / path
    if not full.is_file():
        pytest.skip(f"real-world sample ../shared/samples/{path} not present")
    return full.read_bytes()


@pytest.mark.samples
def test_real_apple_watch_heart_rate_gives_a_minute_of_wear() -> None:
    # alxdrcirilo/apple-health-parser: two readings, 01:01:36 and 01:01:37 +0200 on
    # 1 January 2024 (23:01 UTC the day before): one minute worn that local day — far
    # below 600, no walk → low_wear, on the heart-rate basis
    rows = _ingest("export.xml", _sample("apple_health/apple-health-parser/export.xml"))
    frame = daily.daily_activity(
        session_rows([]),
        rows.step_minutes,
        rows.wear,
        tz="Europe/Amsterdam",
        min_bout_minutes=10,
        max_pause_minutes=2,
    )
    target = Target()
    frame = daily.with_status(adherence.apply_target(frame, target), target.min_wear_minutes)
    assert frame["date"].tolist() == [date(2024, 1, 1)]
    assert wear_of(frame, "2024-01-01") == (1.0, "heart_rate", "low_wear")


@pytest.mark.samples
def test_real_vivofit_monitoring_has_no_heart_rate() -> None:
    # python-fitparse's MonitoringFile.fit is a vivofit: no optical sensor, no heart rate
    # in its 337 monitoring messages → no heart-rate wear; its wear rests on steps
    rows = _ingest("MonitoringFile.fit", _sample("fit/python-fitparse/MonitoringFile.fit"))
    assert len(rows.wear) > 0
    assert set(rows.wear["basis"]) == {"steps"}
