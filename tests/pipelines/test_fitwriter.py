"""The demo FIT writer, read back with fitparse (the project's reference decoder)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import fitparse
import pytest
from fit_tool import FitFile, validate_fit_file
from fit_tool.definition_message import DefinitionMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.record import Record
from fitparse.utils import FitCRCError, FitEOFError

from demo import fitwriter

START = datetime(2026, 9, 1, 6, 30, 5, tzinfo=UTC)
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


def messages(data: bytes, name: str | None = None) -> list[dict[str, Any]]:
    """Every message's values (or those of one kind), as fitparse reads them."""
    fit = fitparse.FitFile(io.BytesIO(data))
    return [m.get_values() for m in fit.get_messages(name)]


def names(data: bytes) -> list[str]:
    return [m.name for m in fitparse.FitFile(io.BytesIO(data)).get_messages()]


def naive(instant: datetime) -> datetime:
    """fitparse returns naive UTC datetimes."""
    return instant.astimezone(UTC).replace(tzinfo=None)


def walk(**overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "start_utc": START,
        "elapsed_s": 1900.5,
        "moving_s": 1700.0,
        "sport": 11,
        "sub_sport": 30,
        "distance_m": 2500.0,
        "steps": 3400,
        "name": "Abendrunde",
        "utc_offset_s": 7200,
        "record_interval_s": 10,
    }
    return fitwriter.activity_file(**(arguments | overrides))


# ------------------------------------------------------------------------ activity


def test_activity_file_has_garmin_message_order() -> None:
    kinds = [n for n in names(walk()) if n != "record"]
    assert kinds == [
        "file_id",
        "device_info",
        "sport",
        "workout",
        "event",
        "event",
        "event",
        "event",
        "lap",
        "session",
        "activity",
    ]


def test_activity_session_reads_back_whole() -> None:
    [session] = messages(walk(), "session")
    assert session == {
        "message_index": 0,
        "timestamp": datetime(2026, 9, 1, 7, 1, 45),
        "start_time": datetime(2026, 9, 1, 6, 30, 5),
        "event": "lap",
        "event_type": "stop",
        "sport": "walking",
        "sub_sport": "casual_walking",
        "total_elapsed_time": 1900.5,
        "total_timer_time": 1700.0,
        "total_distance": 2500.0,
        "total_strides": 1700,  # Garmin: strides, half the steps
        "avg_heart_rate": 104,
        "max_heart_rate": 112,
        "avg_cadence": 60,  # strides/min: 3400 steps in 1700 s = 120 steps/min
        "first_lap_index": 0,
        "num_laps": 1,
        "trigger": "activity_end",
        "unknown_110": "Abendrunde",  # sport_profile_name, unknown to fitparse's profile
    }


def test_activity_file_id_and_device() -> None:
    [file_id] = messages(walk(serial=3_900_000_042), "file_id")
    assert file_id == {
        "type": "activity",
        "manufacturer": "garmin",
        "garmin_product": 3113,
        "serial_number": 3_900_000_042,
        "time_created": naive(START),
    }
    [device] = messages(walk(), "device_info")
    assert device["device_index"] == "creator"
    assert device["manufacturer"] == "garmin"


@pytest.mark.parametrize("offset", [7200, 3600, 0, -14400, 19800])
def test_activity_local_timestamp_minus_timestamp_is_the_offset(offset: int) -> None:
    [activity] = messages(walk(utc_offset_s=offset), "activity")
    assert (activity["local_timestamp"] - activity["timestamp"]).total_seconds() == offset
    assert activity == {
        "timestamp": datetime(2026, 9, 1, 7, 1, 45),
        "total_timer_time": 1700.0,
        "num_sessions": 1,
        "type": "manual",
        "event": "activity",
        "event_type": "stop",
        "local_timestamp": datetime(2026, 9, 1, 7, 1, 45) + timedelta(seconds=offset),
    }


def test_activity_without_offset_has_no_local_timestamp() -> None:
    [activity] = messages(walk(utc_offset_s=None), "activity")
    assert "local_timestamp" not in activity


def test_pause_is_framed_by_timer_events_and_holds_no_records() -> None:
    data = walk()
    timer = [(e["event_type"], e["timestamp"]) for e in messages(data, "event")]
    pause = fitwriter.pause_window(start_utc=START, elapsed_s=1900.5, moving_s=1700.0)
    assert pause == (START + timedelta(seconds=850), START + timedelta(seconds=1050))
    assert timer == [
        ("start", naive(START)),
        ("stop_all", naive(pause[0])),
        ("start", naive(pause[1])),
        ("stop_all", datetime(2026, 9, 1, 7, 1, 45)),
    ]
    times = [r["timestamp"] for r in messages(data, "record")]
    assert not [t for t in times if naive(pause[0]) < t < naive(pause[1])]
    assert len(times) == 86 + 86  # 850 s of timer either side, a record every 10 s


def test_records_carry_distance_heart_rate_and_cadence() -> None:
    records = messages(walk(moving_s=None, elapsed_s=600.0, steps=1200, distance_m=800.0))
    records = [m for m in records if "heart_rate" in m and "distance" in m]
    assert records[0] == {
        "timestamp": naive(START),
        "heart_rate": 72,
        "distance": 0.0,
        "cadence": 60,
    }
    assert records[-1]["timestamp"] == naive(START + timedelta(seconds=600))
    assert records[-1]["distance"] == 800.0
    assert [r["timestamp"] for r in records] == [
        naive(START + timedelta(seconds=s)) for s in range(0, 601, 10)
    ]


def test_start_position_makes_a_gps_recording() -> None:
    """Records walk north-east from the start; lap and session carry their start and end
    positions, the session its bounding box (fitparse shows semicircles)."""
    start = (-41.286531, 174.776242)
    data = walk(moving_s=None, elapsed_s=600.0, distance_m=800.0, start_position=start)
    records = [m for m in messages(data, "record") if "position_lat" in m]
    assert len(records) == 61
    first, last = records[0], records[-1]
    semicircle = 180 / 2**31
    assert first["position_lat"] * semicircle == pytest.approx(start[0], abs=1e-6)
    assert first["position_long"] * semicircle == pytest.approx(start[1], abs=1e-6)
    assert last["position_lat"] > first["position_lat"]
    assert last["position_long"] > first["position_long"]
    (session,) = messages(data, "session")
    assert session["start_position_lat"] == fitwriter.semicircles(start[0])
    assert (session["swc_lat"], session["nec_lat"]) == (
        first["position_lat"],
        last["position_lat"],
    )
    (lap,) = messages(data, "lap")
    assert (lap["end_position_lat"], lap["end_position_long"]) == (
        last["position_lat"],
        last["position_long"],
    )


def test_without_start_position_no_positions() -> None:
    assert not any("position_lat" in m for m in messages(walk()))


def test_records_are_optional() -> None:
    assert "record" not in names(walk(record_interval_s=None))
    events = messages(walk(record_interval_s=None), "event")
    assert [e["event_type"] for e in events] == ["start", "stop_all", "start", "stop_all"]


def test_one_second_records_by_default() -> None:
    data = fitwriter.activity_file(start_utc=START, elapsed_s=120.0, sport=11)
    assert names(data).count("record") == 121


@pytest.mark.parametrize(
    ("sport", "sub_sport", "name", "expected"),
    [
        (4, 44, "Pilates", ("fitness_equipment", "pilates")),
        (10, 43, "Yoga", ("training", "yoga")),
        (10, 0, "Tai Chi", ("training", "generic")),
        (10, 20, "Strength", ("training", "strength_training")),
        (17, 0, "Hike", ("hiking", "generic")),
        (11, 27, "Indoor Walk", ("walking", "indoor_walking")),
    ],
)
def test_sport_codes_and_name_read_back(
    sport: int, sub_sport: int, name: str, expected: tuple[str, str]
) -> None:
    data = fitwriter.activity_file(
        start_utc=START, elapsed_s=1800.0, sport=sport, sub_sport=sub_sport, name=name
    )
    assert messages(data, "sport") == [
        {"sport": expected[0], "sub_sport": expected[1], "name": name}
    ]
    assert messages(data, "workout") == [
        {"sport": expected[0], "sub_sport": expected[1], "wkt_name": name}
    ]
    [session] = messages(data, "session")
    assert (session["sport"], session["sub_sport"]) == expected


def test_no_name_means_no_workout_and_an_unnamed_sport() -> None:
    data = walk(name=None)
    assert messages(data, "sport") == [{"sport": "walking", "sub_sport": "casual_walking"}]
    assert "workout" not in names(data)


def test_steps_of_other_sports_are_total_cycles() -> None:
    data = fitwriter.activity_file(start_utc=START, elapsed_s=1800.0, sport=10, steps=321)
    [session] = messages(data, "session")
    assert session["total_cycles"] == 321


def test_impossible_times_are_refused() -> None:
    with pytest.raises(ValueError, match="moving_s"):
        fitwriter.activity_file(start_utc=START, elapsed_s=60.0, moving_s=90.0, sport=11)


def test_fit_tool_finds_no_errors_in_activity_workout_and_course_files() -> None:
    for data in (walk(), fitwriter.workout_file(), fitwriter.course_file()):
        assert validate_fit_file(FitFile.from_bytes(data)).errors == []


def test_fast_record_rows_encode_exactly_as_fit_tool_does() -> None:
    message = RecordMessage()
    message.local_id = 4
    message.timestamp = (fitwriter.fit_seconds(START) + 631_065_600) * 1000
    message.heart_rate = 101
    message.distance = 12.34
    message.cadence = 57
    message.set_definition_message(DefinitionMessage.from_data_message(message))
    by_fit_tool = Record.from_message(message).to_bytes()
    layout = fitwriter._record_layout(distance=True, cadence=True)
    assert layout.pack([fitwriter.fit_seconds(START), 101, 1234, 57]) == by_fit_tool


# ---------------------------------------------------------------------- monitoring


def day_minutes(hour: int, minute: int, steps: list[int]) -> list[tuple[datetime, int]]:
    first = datetime(2026, 9, 1, hour, minute, tzinfo=UTC)
    return [(first + timedelta(minutes=i), count) for i, count in enumerate(steps)]


def fit_s(text: str) -> int:
    return fitwriter.fit_seconds(datetime.fromisoformat(text))


def resolve_times(monitoring: list[dict[str, Any]], start: datetime) -> list[int]:
    """Full instants (FIT seconds) of monitoring messages, timestamp_16 rolled forward."""
    last = fitwriter.fit_seconds(start.replace(tzinfo=UTC))
    times = []
    for values in monitoring:
        if "timestamp" in values:
            last = fitwriter.fit_seconds(values["timestamp"].replace(tzinfo=UTC))
        else:
            last += (values["timestamp_16"] - last) & 0xFFFF
        times.append(last)
    return times


def test_monitoring_header_messages() -> None:
    data = fitwriter.monitoring_file(step_minutes=day_minutes(7, 0, [110]), utc_offset_s=7200)
    assert names(data)[:3] == ["file_id", "device_info", "monitoring_info"]
    [file_id] = messages(data, "file_id")
    assert file_id == {
        "type": "monitoring_b",
        "manufacturer": "garmin",
        "garmin_product": "fenix5",  # 2697
        "serial_number": 3_900_000_001,
        "time_created": datetime(2026, 8, 31, 22, 0),
    }
    assert messages(data, "monitoring_info") == [
        {"timestamp": datetime(2026, 8, 31, 22, 0), "local_timestamp": datetime(2026, 9, 1, 0, 0)}
    ]


def test_monitoring_walking_counter_whole() -> None:
    minutes = day_minutes(7, 0, [110, 110]) + day_minutes(8, 0, [20])
    data = fitwriter.monitoring_file(
        step_minutes=minutes, utc_offset_s=7200, extra_activity_types=False
    )
    next_midnight = fit_s("2026-09-01T22:00:00+00:00")

    def walking(utc: str, steps: int) -> dict[str, Any]:
        ts16 = fit_s(f"2026-09-01T{utc}:00+00:00") & 0xFFFF
        return {"timestamp_16": ts16, "activity_type": "walking", "steps": steps}

    assert messages(data, "monitoring") == [
        {"timestamp": datetime(2026, 8, 31, 22, 0), "activity_type": "walking", "steps": 0},
        walking("07:00", 0),  # opens the run of minutes with steps
        walking("07:01", 110),  # the steps of 07:00-07:01
        walking("07:02", 220),
        walking("08:00", 220),
        walking("08:01", 240),
        {"timestamp_16": next_midnight & 0xFFFF, "activity_type": "walking", "steps": 240},
    ]


def test_monitoring_counters_are_cumulative_per_type_and_add_up_to_the_steps() -> None:
    given = (
        day_minutes(6, 0, [110] * 25) + day_minutes(12, 0, [12, 0, 30]) + day_minutes(21, 59, [90])
    )
    data = fitwriter.monitoring_file(step_minutes=given, utc_offset_s=7200)
    monitoring = messages(data, "monitoring")
    times = resolve_times(monitoring, datetime(2026, 8, 31, 22, 0))
    assert times == sorted(times)
    increments: dict[int, int] = {}
    previous: dict[str, tuple[int, int]] = {}
    for values, t in zip(monitoring, times, strict=True):
        kind = values["activity_type"]
        value = values["active_time"] if kind == "sedentary" else values["steps"]
        if kind in previous:
            assert value >= previous[kind][1]  # cumulative: never goes down
            if kind != "sedentary" and value > previous[kind][1]:
                assert t - previous[kind][0] == 60  # each increment spans one minute
                start = previous[kind][0]
                increments[start] = increments.get(start, 0) + value - previous[kind][1]
        previous[kind] = (t, value)
    assert increments == {fitwriter.fit_seconds(m): s for m, s in given if s}
    # sedentary: step-free gaps of 30+ min: 00:00-08:00, 08:25-14:00, 14:03-23:59 local
    last = {kind: value for kind, (_, value) in previous.items()}
    assert last == {"walking": 25 * 110 + 42 + 90 - 15, "running": 15, "sedentary": 84_660.0}


def test_timestamp_16_messages_carry_no_full_timestamp() -> None:
    data = fitwriter.monitoring_file(step_minutes=day_minutes(7, 0, [100] * 30))
    monitoring = messages(data, "monitoring")
    full = [i for i, values in enumerate(monitoring) if "timestamp" in values]
    assert full == list(range(0, len(monitoring), 10))
    for i, values in enumerate(monitoring):
        assert ("timestamp_16" in values) == (i not in full)


def test_full_timestamps_only_when_asked() -> None:
    data = fitwriter.monitoring_file(
        step_minutes=day_minutes(7, 0, [100] * 12), use_timestamp_16=False
    )
    monitoring = messages(data, "monitoring")
    assert all("timestamp" in v and "timestamp_16" not in v for v in monitoring)


def test_packed_activity_type_reads_as_halved_cycles_like_real_vivofit_files() -> None:
    data = fitwriter.monitoring_file(
        step_minutes=day_minutes(7, 0, [110]), extra_activity_types=False, packed_activity_type=True
    )
    second = messages(data, "monitoring")[2]
    assert second == {
        "timestamp_16": fit_s("2026-09-01T07:01:00+00:00") & 0xFFFF,
        "cycles": 55.0,  # raw 110 at the parent field's scale 2
        "activity_type": "walking",
        "intensity": 2,
        "current_activity_type_intensity": (70,),
    }


def test_interval_s_sums_minutes_into_longer_intervals() -> None:
    data = fitwriter.monitoring_file(
        step_minutes=day_minutes(7, 0, [10] * 20), interval_s=900, extra_activity_types=False
    )
    steps = [(v.get("timestamp_16"), v["steps"]) for v in messages(data, "monitoring")]
    assert steps[1:4] == [
        (fit_s("2026-09-01T07:00:00+00:00") & 0xFFFF, 0),
        (fit_s("2026-09-01T07:15:00+00:00") & 0xFFFF, 150),
        (fit_s("2026-09-01T07:30:00+00:00") & 0xFFFF, 200),
    ]


def test_monitoring_needs_minutes() -> None:
    with pytest.raises(ValueError, match="empty"):
        fitwriter.monitoring_file(step_minutes=[])


def test_fit_tool_reads_the_monitoring_file_too() -> None:
    data = fitwriter.monitoring_file(step_minutes=day_minutes(7, 0, [100] * 12))
    fit = FitFile.from_bytes(data)
    assert sum(1 for record in fit.records if not record.is_definition) == len(names(data))


# ------------------------------------------------------------------ other file types


def test_settings_workout_and_course_files() -> None:
    assert messages(fitwriter.settings_file(), "file_id")[0]["type"] == "settings"
    assert messages(fitwriter.settings_file(), "user_profile")[0]["weight"] == 81.5
    workout = fitwriter.workout_file("Core")
    assert messages(workout, "file_id")[0]["type"] == "workout"
    assert messages(workout, "workout") == [
        {
            "sport": "training",
            "sub_sport": "strength_training",
            "num_valid_steps": 3,
            "wkt_name": "Core",
        }
    ]
    assert [s["wkt_step_name"] for s in messages(workout, "workout_step")] == [
        "Warm up",
        "Core",
        "Cool down",
    ]
    course = fitwriter.course_file()
    assert messages(course, "file_id")[0]["type"] == "course"
    assert messages(course, "course") == [{"sport": "walking", "name": "Park loop"}]


def test_chained_file_has_two_file_ids() -> None:
    data = fitwriter.chain(walk(), fitwriter.monitoring_file(step_minutes=day_minutes(7, 0, [9])))
    file_ids = messages(data, "file_id")
    assert [f["type"] for f in file_ids] == ["activity", "monitoring_b"]


def test_bad_crc_is_refused() -> None:
    with pytest.raises(FitCRCError):
        messages(fitwriter.with_bad_crc(walk()))


@pytest.mark.parametrize("keep", [5, 13, 300, -1])
def test_truncated_file_ends_early(keep: int) -> None:
    data = walk()
    cut = fitwriter.truncated(data, keep if keep > 0 else len(data) + keep)
    with pytest.raises(FitEOFError):
        messages(cut)


def test_same_arguments_same_bytes() -> None:
    assert walk() == walk()
    minutes = day_minutes(7, 0, [100] * 12)
    assert fitwriter.monitoring_file(step_minutes=minutes) == fitwriter.monitoring_file(
        step_minutes=minutes
    )


def test_importing_the_writer_leaves_no_fit_tool_handler_on_the_root_logger() -> None:
    """fit_tool's import-time ``logging.basicConfig`` once printed Prefect's per-file INFO
    lines all over ``backtrack demo``."""
    import logging

    from fit_tool.utils import logging as fit_tool_logging

    import demo.fitwriter  # noqa: F401

    formats = [h.formatter._fmt for h in logging.getLogger().handlers if h.formatter]
    assert fit_tool_logging.FORMAT not in formats
