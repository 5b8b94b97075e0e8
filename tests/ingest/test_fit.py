"""The FIT reader on synthetic files built by the project's FIT writer."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from fitparse.records import Crc

from ingest.fit import (
    FIT_EPOCH,
    CounterReading,
    fit_crc,
    local_offset_s,
    parse_fit,
    step_intervals,
)
from ingest.records import (
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    StepInterval,
    UnusableFile,
    WearSpan,
)

fw = pytest.importorskip("demo.fitwriter", reason="FIT writer not available")

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WATCH = Device(manufacturer="garmin", product="3113", serial="3900000001")
TRACKER = Device(manufacturer="garmin", product="fenix5", serial="3900000001")  # product 2697


def fit_s(instant: datetime) -> int:
    return int((instant - FIT_EPOCH).total_seconds())


# ----------------------------------------------------------------------- activities


def test_walk_with_a_pause_is_one_whole_session() -> None:
    data = fw.activity_file(
        start_utc=START,
        elapsed_s=1800,
        moving_s=1500,
        sport=11,
        sub_sport=0,
        distance_m=2000,
        steps=3000,
        name="Morning walk",
        utc_offset_s=3600,
    )

    parsed = parse_fit(data)

    assert parsed == ParsedFile(
        format="fit",
        kind="activity",
        sessions=(
            SessionRecord(
                source_format="fit",
                index=0,
                start_utc=START,
                elapsed_s=1800.0,
                moving_s=1500.0,
                sport=11,
                sub_sport=0,
                sport_name="walking",
                activity_name="Morning walk",
                distance_m=2000.0,
                steps=3000,  # written as 1500 strides, read back as 2 steps per stride
                device=WATCH,
                utc_offset_s=3600,
            ),
        ),
    )


def test_pilates_session_keeps_raw_codes_and_no_steps() -> None:
    data = fw.activity_file(
        start_utc=START, elapsed_s=2700, sport=4, sub_sport=44, steps=500, utc_offset_s=-18000
    )

    assert parse_fit(data).sessions == (
        SessionRecord(
            source_format="fit",
            index=0,
            start_utc=START,
            elapsed_s=2700.0,
            moving_s=2700.0,
            sport=4,
            sub_sport=44,
            sport_name="fitness_equipment",
            steps=None,  # cycles of a non-foot sport are not steps
            device=WATCH,
            utc_offset_s=-18000,
        ),
    )


def test_sub_sport_unknown_to_fitparse_is_kept_as_its_integer() -> None:
    data = fw.activity_file(
        start_utc=START, elapsed_s=600, sport=10, sub_sport=62, record_interval_s=None
    )

    (session,) = parse_fit(data).sessions

    assert (session.sport, session.sub_sport, session.sport_name) == (10, 62, "training")
    assert type(session.sub_sport) is int


@pytest.mark.parametrize(
    ("offset_s", "expected"),
    [(19800, 19800), (-12600, -12600), (0, 0), (None, None), (13 * 3600 + 2700, 49500)],
)
def test_utc_offset_comes_from_the_activity_message(
    offset_s: int | None, expected: int | None
) -> None:
    data = fw.activity_file(start_utc=START, elapsed_s=60, sport=11, utc_offset_s=offset_s)

    assert parse_fit(data).sessions[0].utc_offset_s == expected


def test_local_offset_rounds_to_15_minutes_and_ignores_the_implausible() -> None:
    base = 1_100_000_000
    assert local_offset_s(base + 19800 + 7, base) == 19800
    assert local_offset_s(base - 3600 - 440, base) == -3600
    assert local_offset_s(base - 3600 - 460, base) == -4500
    assert local_offset_s(base + 15 * 3600, base) is None
    assert local_offset_s(None, base) is None
    local, utc = datetime(2026, 1, 5, 14, 30), datetime(2026, 1, 5, 9, 0)
    assert local_offset_s(local, utc) == 19800  # fitparse's rendered datetimes work too


@pytest.mark.parametrize(("sport", "steps"), [(1, 4000), (11, 1234), (17, 800)])
def test_foot_sports_report_steps(sport: int, steps: int) -> None:
    data = fw.activity_file(
        start_utc=START, elapsed_s=900, sport=sport, steps=steps, record_interval_s=10
    )

    assert parse_fit(data).sessions[0].steps == steps


def test_session_without_name_has_no_activity_name() -> None:
    data = fw.activity_file(start_utc=START, elapsed_s=60, sport=11)

    assert parse_fit(data).sessions[0].activity_name is None


def test_chained_activity_and_settings_yield_the_activity_only() -> None:
    walk = fw.activity_file(start_utc=START, elapsed_s=1200, sport=11, utc_offset_s=3600)

    parsed = parse_fit(fw.chain(walk, fw.settings_file()))

    assert parsed == parse_fit(walk)


def test_chained_activities_yield_every_session_in_order() -> None:
    first = fw.activity_file(start_utc=START, elapsed_s=600, sport=11, sub_sport=0)
    second = fw.activity_file(
        start_utc=START + timedelta(hours=2), elapsed_s=900, sport=10, sub_sport=44
    )

    sessions = parse_fit(fw.chain(first, second)).sessions

    assert [(s.index, s.start_utc, s.elapsed_s, s.sport, s.sub_sport) for s in sessions] == [
        (0, START, 600.0, 11, 0),
        (1, START + timedelta(hours=2), 900.0, 10, 44),
    ]


def test_bad_file_crc_is_ingested_with_a_warning() -> None:
    good = fw.activity_file(start_utc=START, elapsed_s=600, sport=11)
    bad = fw.with_bad_crc(good)
    stored = int.from_bytes(bad[-2:], "little")
    computed = int.from_bytes(good[-2:], "little")

    parsed = parse_fit(bad)

    assert parsed.sessions == parse_fit(good).sessions
    assert parsed.warnings == (
        f"file CRC mismatch (computed 0x{computed:04X}, stored 0x{stored:04X}): data decoded "
        "completely and was ingested; the file may be corrupt",
    )


@pytest.mark.parametrize("keep", [13, 100, 500])
def test_truncated_file_is_rejected_naming_the_byte(keep: int) -> None:
    data = fw.truncated(fw.activity_file(start_utc=START, elapsed_s=600, sport=11), keep)

    with pytest.raises(RejectedFile) as caught:
        parse_fit(data)

    assert caught.value.reason.startswith(f"truncated: unexpected end of file at byte {keep} ")


def test_file_cut_just_before_its_crc_is_rejected() -> None:
    full = fw.activity_file(start_utc=START, elapsed_s=60, sport=11)

    with pytest.raises(RejectedFile, match=r"^truncated: unexpected end of file"):
        parse_fit(full[:-2])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file (0 bytes)"),
        (b"hello", "not a FIT file: only 5 bytes, a FIT header needs 12"),
        (b"<?xml version='1.0'?><gpx/>", "not a FIT file: no '.FIT' signature at bytes 8..11"),
    ],
)
def test_not_fit_content_is_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as caught:
        parse_fit(data)

    assert caught.value.reason == reason


def test_bad_header_size_is_rejected() -> None:
    data = bytearray(fw.activity_file(start_utc=START, elapsed_s=60, sport=11))
    data[0] = 13

    with pytest.raises(RejectedFile, match=r"^bad header: header size 13, expected 12 or 14$"):
        parse_fit(bytes(data))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (fw.settings_file, "FIT settings file (device or user settings, not a recorded activity)"),
        (
            lambda: fw.workout_file("Core"),
            "FIT workout file (a planned workout, not a recorded activity)",
        ),
        (fw.course_file, "FIT course file (a planned route, not a recorded activity)"),
    ],
)
def test_files_that_are_not_activities_are_skipped(make: object, reason: str) -> None:
    assert callable(make)
    with pytest.raises(SkippedFile) as caught:
        parse_fit(make())

    assert caught.value.reason == reason


def test_mutated_files_never_raise_anything_but_unusable_file() -> None:
    rng = random.Random(20260105)
    originals = [
        fw.activity_file(start_utc=START, elapsed_s=120, sport=11, steps=200, name="W"),
        fw.monitoring_file(step_minutes=[(START, 80), (START + timedelta(hours=3), 40)]),
    ]
    for _ in range(300):
        data = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        try:
            parse_fit(bytes(data))
        except UnusableFile as error:
            assert error.reason
            assert "unexpected" not in error.reason.split(":")[0]


def test_fit_crc_matches_fitparse() -> None:
    data = fw.activity_file(start_utc=START, elapsed_s=300, sport=11)

    assert fit_crc(data[:-2]) == Crc.calculate(data[:-2]) == int.from_bytes(data[-2:], "little")


# ----------------------------------------------------------------------- monitoring


def _minutes(*items: tuple[str, int]) -> list[tuple[datetime, int]]:
    return [(datetime.fromisoformat(f"2026-01-05T{hhmm}:00+00:00"), steps) for hhmm, steps in items]


def test_monitoring_file_yields_step_increments() -> None:
    data = fw.monitoring_file(
        step_minutes=_minutes(("09:00", 100), ("09:01", 50), ("14:00", 30)),
        utc_offset_s=3600,
        extra_activity_types=False,
    )

    parsed = parse_fit(data)

    def interval(start: str, end: str, steps: int) -> StepInterval:
        return StepInterval(
            start_utc=datetime.fromisoformat(start + "+00:00"),
            end_utc=datetime.fromisoformat(end + "+00:00"),
            steps=steps,
            device=TRACKER,
            activity_type=6,
            utc_offset_s=3600,
        )

    assert parsed == ParsedFile(
        format="fit",
        kind="monitoring",
        step_intervals=(
            # 0 at local midnight (23:00 UTC): a zero-length, zero-step reading is dropped
            interval("2026-01-05T08:00", "2026-01-05T09:00", 0),  # gap capped at 60 min
            interval("2026-01-05T09:00", "2026-01-05T09:01", 100),
            interval("2026-01-05T09:01", "2026-01-05T09:02", 50),
            interval("2026-01-05T13:00", "2026-01-05T14:00", 0),
            interval("2026-01-05T14:00", "2026-01-05T14:01", 30),
            interval("2026-01-05T22:00", "2026-01-05T23:00", 0),
        ),
    )


@pytest.mark.parametrize("packed", [False, True])
def test_timestamp_16_and_full_timestamps_give_the_same_intervals(packed: bool) -> None:
    minutes = _minutes(
        *[(f"{h:02d}:{m:02d}", 10 + m) for h in (7, 12, 18) for m in range(0, 50, 3)]
    )

    def read(use_16: bool) -> ParsedFile:
        return parse_fit(
            fw.monitoring_file(
                step_minutes=minutes,
                use_timestamp_16=use_16,
                packed_activity_type=packed,
                utc_offset_s=-18000,
            )
        )

    short, full = read(True), read(False)

    assert short.step_intervals == full.step_intervals
    assert sum(i.steps for i in short.step_intervals) == sum(steps for _, steps in minutes)
    assert {i.activity_type for i in short.step_intervals} == {1, 6}
    assert {i.utc_offset_s for i in short.step_intervals} == {-18000}
    assert all(
        timedelta(0) < i.end_utc - i.start_utc <= timedelta(minutes=60)
        for i in short.step_intervals
    )


def test_counter_reset_between_chained_days_counts_the_new_day_from_zero() -> None:
    day1 = fw.monitoring_file(step_minutes=_minutes(("10:00", 500), ("16:00", 700)))
    day2 = fw.monitoring_file(
        step_minutes=[(datetime(2026, 1, 6, 10, 0, tzinfo=UTC), 300)], utc_offset_s=3600
    )

    intervals = parse_fit(fw.chain(day1, day2)).step_intervals

    assert sum(i.steps for i in intervals) == 1500
    day2_steps = sum(i.steps for i in intervals if i.end_utc > datetime(2026, 1, 6, tzinfo=UTC))
    assert day2_steps == 300


def test_step_intervals_difference_reset_and_cap() -> None:
    t0 = fit_s(datetime(2026, 3, 1, 6, 0, tzinfo=UTC))
    readings = [
        CounterReading(t0 + 60, 6, 40),
        CounterReading(t0 + 120, 6, 100),
        CounterReading(t0 + 120, 1, 8),
        CounterReading(t0 + 3 * 3600, 6, 130),  # 3 h later: capped to the last 60 min
        CounterReading(t0 + 3 * 3600 + 60, 6, 25),  # went down: a reset, 25 new steps
        CounterReading(t0 + 3 * 3600 + 120, 6, 25),  # no steps: kept, the device was worn
    ]

    intervals = step_intervals(readings, start_raw=t0, device=TRACKER, utc_offset_s=None)

    def at(seconds: int) -> datetime:
        return datetime(2026, 3, 1, 6, 0, tzinfo=UTC) + timedelta(seconds=seconds)

    assert intervals == [
        StepInterval(at(0), at(60), 40, TRACKER, 6),
        StepInterval(at(60), at(120), 60, TRACKER, 6),
        # the device's previous reading (walking, 06:01) starts it, not the monitoring_info
        StepInterval(at(60), at(120), 8, TRACKER, 1),
        StepInterval(at(2 * 3600), at(3 * 3600), 30, TRACKER, 6),
        StepInterval(at(3 * 3600), at(3 * 3600 + 60), 25, TRACKER, 6),
        StepInterval(at(3 * 3600 + 60), at(3 * 3600 + 120), 0, TRACKER, 6),
    ]


def test_step_intervals_without_a_start_use_the_cap() -> None:
    t = fit_s(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))

    (interval,) = step_intervals(
        [CounterReading(t, 6, 12)], start_raw=None, device=TRACKER, utc_offset_s=0
    )

    assert (interval.end_utc - interval.start_utc, interval.steps) == (timedelta(hours=1), 12)


def test_mid_day_file_uses_first_readings_as_baseline_not_steps() -> None:
    from ingest.fit import CounterReading

    t0 = 1_000_000_000
    readings = [
        CounterReading(time_raw=t0, activity_type=6, value=5000, device_index=0),
        CounterReading(time_raw=t0 + 60, activity_type=6, value=5110, device_index=0),
        CounterReading(time_raw=t0 + 120, activity_type=6, value=5215, device_index=0),
    ]
    device = Device("garmin", "fr955", "1")
    counted = step_intervals(readings, start_raw=t0 - 60, device=device, utc_offset_s=3600)
    baseline = step_intervals(
        readings, start_raw=t0 - 60, device=device, utc_offset_s=3600, baseline_first=True
    )
    assert [i.steps for i in counted] == [5000, 110, 105]
    assert [i.steps for i in baseline] == [0, 110, 105]


# ------------------------------------------- increments since the device's last reading


def test_a_walk_after_a_sedentary_stretch_starts_at_the_sedentary_reading() -> None:
    """Garmin writes a reading when the activity type changes: the sedentary reading at
    10:00 says when the walk began. The walking counter's previous reading is at 08:01, so
    measured from it (the old rule) the first walking minute was spread over 09:01–10:01."""
    walk = [(f"10:{m:02d}", 100) for m in range(10)]
    data = fw.monitoring_file(
        step_minutes=_minutes(("08:00", 80), *walk),
        utc_offset_s=0,
        runs_opened_by="activity_type",
    )

    intervals = [i for i in parse_fit(data).step_intervals if i.steps]

    def at(hhmm: str) -> datetime:
        return datetime.fromisoformat(f"2026-01-05T{hhmm}:00+00:00")

    # the writer's running counter takes 5 steps of each of the first three minutes with
    # ≥ 40 steps (08:00, 10:00, 10:01): walking 75 + running 5 = the 80 steps of 08:00
    assert [(i.start_utc, i.end_utc, i.steps, i.activity_type) for i in intervals] == [
        (at("08:00"), at("08:01"), 75, 6),
        (at("08:00"), at("08:01"), 5, 1),
        (at("10:00"), at("10:01"), 95, 6),
        (at("10:00"), at("10:01"), 5, 1),
        (at("10:01"), at("10:02"), 95, 6),
        (at("10:01"), at("10:02"), 5, 1),
        *[(at(f"10:{m:02d}"), at(f"10:{m + 1:02d}"), 100, 6) for m in range(2, 10)],
    ]


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        # (time offset s, activity type, value or None) → (start, end, steps) per step reading
        pytest.param(
            [(0, 6, 0), (3600, 8, None), (3660, 6, 90)],
            [(-3600, 0, 0), (3600, 3660, 90)],
            id="sedentary reading opens the walk",
        ),
        pytest.param(
            [(0, 6, 0), (60, 1, 0), (120, 6, 70)],
            [(-3600, 0, 0), (0, 60, 0), (60, 120, 70)],
            id="running reading counts as the device's previous reading",
        ),
        pytest.param(
            [(0, 6, 0), (600, 8, None), (600, 6, 200)],
            [(-3600, 0, 0), (0, 600, 200)],
            id="a reading at the same instant does not count",
        ),
        pytest.param(
            [(0, 6, 0), (9000, 6, 300)],
            [(-3600, 0, 0), (5400, 9000, 300)],
            id="a gap of 2.5 h is still capped at 60 min",
        ),
    ],
)
def test_step_interval_starts_at_the_previous_reading_of_any_counter(
    readings: list[tuple[int, int, int | None]], expected: list[tuple[int, int, int]]
) -> None:
    t0 = fit_s(datetime(2026, 3, 1, 6, 0, tzinfo=UTC))
    base = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)

    intervals = step_intervals(
        [CounterReading(t0 + dt, kind, value) for dt, kind, value in readings],
        start_raw=None,
        device=TRACKER,
        utc_offset_s=0,
    )

    assert [
        (
            int((i.start_utc - base).total_seconds()),
            int((i.end_utc - base).total_seconds()),
            i.steps,
        )
        for i in intervals
    ] == expected


# ------------------------------------------------------------ monitoring heart rate


def _heart_rate(first: str, last: str, every_s: int, bpm: int = 64) -> list[tuple[datetime, int]]:
    start = datetime.fromisoformat(f"2026-01-05T{first}:00+00:00")
    end = datetime.fromisoformat(f"2026-01-05T{last}:00+00:00")
    count = int((end - start).total_seconds()) // every_s + 1
    return [(start + timedelta(seconds=i * every_s), bpm) for i in range(count)]


def _worn(start: str, end: str) -> WearSpan:
    return WearSpan(
        start_utc=datetime.fromisoformat(f"2026-01-05T{start}:00+00:00"),
        end_utc=datetime.fromisoformat(f"2026-01-05T{end}:00+00:00"),
        device=TRACKER,
        utc_offset_s=3600,
    )


@pytest.mark.parametrize("decoder", ["fitfast", "fitparse"])
def test_monitoring_heart_rate_gives_wear_spans(
    decoder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKTRACK_FIT_DECODER", decoder)
    # a reading every 2 min 08:00–11:58 (minutes 08:00 … 11:58, all ≤ 5 apart: one span to
    # 11:59); then a 10-minute hole; 12:08–12:10 every 60 s (a span 12:08–12:11); then one
    # reading 5 minutes later, 12:15 (joined: 12:08–12:16)
    readings = _heart_rate("08:00", "11:58", 120) + _heart_rate("12:08", "12:10", 60)
    readings.append((datetime(2026, 1, 5, 12, 15, 30, tzinfo=UTC), 71))
    data = fw.monitoring_file(
        step_minutes=_minutes(("09:00", 100)), heart_rate=readings, utc_offset_s=3600
    )

    parsed = parse_fit(data)

    assert parsed.wear_spans == (_worn("08:00", "11:59"), _worn("12:08", "12:16"))
    assert sum(i.steps for i in parsed.step_intervals) == 100


def test_a_monitoring_file_of_heart_rate_only_is_read() -> None:
    data = fw.monitoring_file(step_minutes=[], heart_rate=_heart_rate("20:00", "20:30", 60))

    parsed = parse_fit(data)

    assert parsed.kind == "monitoring"
    assert parsed.wear_spans == (_worn("20:00", "20:31"),)
    assert sum(i.steps for i in parsed.step_intervals) == 0


def test_heart_rate_of_0_is_no_reading() -> None:
    data = fw.monitoring_file(step_minutes=[], heart_rate=[(START, 0), (START, 255)])

    parsed = parse_fit(data)

    assert parsed.wear_spans == ()  # the counters at 0 are still read: zero-step readings
    assert parsed.step_intervals and sum(i.steps for i in parsed.step_intervals) == 0
