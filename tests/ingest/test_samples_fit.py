"""The FIT reader on the real-world corpus in ../shared/samples/fit (read in place, never copied).

Every file is ingested, skipped or rejected with a specific reason - never an exception.
Expected outcomes come from the corpus inventory (fit_inventory.csv) and from FitCSVTool
dumps shipped with the corpus.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import fitparse
import fitparse.records
import pytest

from ingest.fit import FIT_EPOCH, parse_fit
from ingest.read import read_upload
from ingest.records import Device, ParsedFile, SessionRecord, UnusableFile

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
FIT_DIR = SAMPLES / "fit"
if not FIT_DIR.is_dir():
    pytest.skip("real-world corpus ../shared/samples not present", allow_module_level=True)

pytestmark = pytest.mark.samples

FIT_FILES = sorted(FIT_DIR.rglob("*.fit"))
CRC_WARNING = (
    "file CRC mismatch (computed 0xA1D5, stored 0xB1D5): data decoded completely and was "
    "ingested; the file may be corrupt"
)

# relative path → ("ingested", number of sessions | "monitoring") or (status, reason prefix)
EXPECTED: dict[str, tuple[str, int | str]] = {
    "fit-python-sdk/ActivityDevFields.fit": ("ingested", 1),
    "fit-python-sdk/HrmPluginTestActivity.fit": ("ingested", 1),
    "fit-python-sdk/WithGearChangeData.fit": ("ingested", 1),  # reconstructed
    "fitdecode/garmin-fr935-cr.fit": ("ingested", 1),  # 7 chained segments
    "fitparse-rs/hrv-activity.fit": ("ingested", 1),
    "muktihari-fit/TestEncode.fit": (
        "skipped",
        "FIT activity file holds sessions, but none states a start time and duration",
    ),
    "muktihari-fit/activity_developerdata.fit": ("ingested", 1),
    "muktihari-fit/activity_lowbattery.fit": ("ingested", 1),
    "muktihari-fit/activity_multisport.fit": ("ingested", 2),
    "muktihari-fit/activity_poolswim.fit": ("ingested", 1),
    "muktihari-fit/activity_truncated.fit": ("ingested", 1),  # reconstructed
    "muktihari-fit/big_activity.fit": ("ingested", 1),
    "muktihari-fit/chained_Activity_activity_poolswim.fit": ("ingested", 2),
    "muktihari-fit/triathlon_summary_first.fit": ("ingested", 5),
    "muktihari-fit/triathlon_summary_last.fit": ("ingested", 5),
    "muktihari-fit/valid_only_contain_fileid.fit": (
        "skipped",
        "FIT activity file holds no session, and its 1 record(s) span no time",
    ),
    "python-fitparse/2013-02-06-12-11-14.fit": ("ingested", 1),
    "python-fitparse/2015-10-13-08-43-15.fit": ("ingested", 1),
    "python-fitparse/20170518-191602-1740899583.fit": ("ingested", 1),
    "python-fitparse/2019-02-17-062644-ELEMNT-297E-195-0.fit": ("ingested", 1),
    "python-fitparse/Activity.fit": ("ingested", 1),
    "python-fitparse/DeveloperData.fit": (
        "skipped",
        "FIT activity file holds no session, and its 3 records carry no timestamps",
    ),
    "python-fitparse/Edge810-Vector-2013-08-16-15-35-10.fit": ("ingested", 1),
    "python-fitparse/MonitoringFile.fit": ("ingested", "monitoring"),
    "python-fitparse/Settings.fit": ("skipped", "FIT settings file"),
    "python-fitparse/Settings2.fit": ("skipped", "FIT settings file"),
    "python-fitparse/WeightScaleMultiUser.fit": ("skipped", "FIT weight file"),
    "python-fitparse/WeightScaleSingleUser.fit": ("skipped", "FIT weight file"),
    "python-fitparse/WorkoutCustomTargetValues.fit": ("skipped", "FIT workout file"),
    "python-fitparse/WorkoutIndividualSteps.fit": ("skipped", "FIT workout file"),
    "python-fitparse/WorkoutRepeatGreaterThanStep.fit": ("skipped", "FIT workout file"),
    "python-fitparse/WorkoutRepeatSteps.fit": ("skipped", "FIT workout file"),
    "python-fitparse/activity-activity-filecrc.fit": ("ingested", 2),  # with CRC warning
    "python-fitparse/activity-filecrc.fit": ("ingested", 1),  # with CRC warning
    "python-fitparse/activity-large-fenxi2-multisport.fit": ("ingested", 7),
    "python-fitparse/activity-settings-corruptheader.fit": (
        "rejected",
        "bad header (chained FIT segment 2 at byte 771): no '.FIT' signature",
    ),
    "python-fitparse/activity-settings-nodata.fit": (
        "rejected",
        "truncated: unexpected end of file at byte 786",
    ),
    "python-fitparse/activity-settings.fit": ("ingested", 1),
    "python-fitparse/activity-small-fenix2-run.fit": ("ingested", 1),
    "python-fitparse/activity-unexpected-eof.fit": (
        "rejected",
        "truncated: unexpected end of file at byte 768",
    ),
    "python-fitparse/antfs-dump.63.fit": (
        "rejected",
        "timestamps are device-relative, the device clock was never set",
    ),
    "python-fitparse/compressed-speed-distance.fit": (
        "rejected",
        "timestamps are device-relative, the device clock was never set",
    ),
    "python-fitparse/coros-pace-2-cycling-misaligned-fields.fit": ("ingested", 1),
    "python-fitparse/developer-types-sample.fit": ("ingested", 1),
    "python-fitparse/elemnt-bolt-no-application-id-inside-developer-data-id.fit": ("ingested", 1),
    "python-fitparse/event_timestamp.fit": ("ingested", 1),  # 5 chained segments
    "python-fitparse/garmin-edge-500-activity.fit": ("ingested", 1),
    "python-fitparse/garmin-edge-820-bike.fit": ("ingested", 1),
    "python-fitparse/garmin-fenix-5-bike.fit": ("ingested", 1),
    "python-fitparse/garmin-fenix-5-run.fit": ("ingested", 1),
    "python-fitparse/garmin-fenix-5-walk.fit": ("ingested", 1),
    "python-fitparse/nick.fit": (
        "rejected",
        "truncated: unexpected end of file at byte 403456 (a message runs past the end",
    ),
    "python-fitparse/null_compressed_speed_dist.fit": ("ingested", 1),
    "python-fitparse/sample-activity-indoor-trainer.fit": ("ingested", 1),
    "python-fitparse/sample-activity.fit": ("ingested", 1),
    "python-fitparse/sample_mulitple_header.fit": ("ingested", 5),  # 4 chained segments
    "python-fitparse/strava-android-app-201.10-b1218918.fit": (
        "rejected",
        "data message uses local message type 11, which no definition message declared "
        "(message at byte 7471)",
    ),
    "tormoder-fit/0134902991.fit": ("ingested", 1),
    "tormoder-fit/Settings.fit": ("skipped", "FIT settings file"),
    "tormoder-fit/activity_poolswim_with_hr.fit": ("ingested", 1),
    "tormoder-fit/garmin.fit": ("ingested", 1),
    "tormoder-fit/mornindew-broken.fit": ("ingested", 1),
    "tormoder-fit/unterminated-strings.fit": ("ingested", 1),
}


def rel(path: Path) -> str:
    return path.relative_to(FIT_DIR).as_posix()


def outcome(path: Path) -> tuple[str, ParsedFile | UnusableFile]:
    try:
        return "ingested", parse_fit(path.read_bytes())
    except UnusableFile as error:
        return error.status, error


def parsed(name: str) -> ParsedFile:
    result = parse_fit((FIT_DIR / name).read_bytes())
    assert isinstance(result, ParsedFile)
    return result


@pytest.mark.parametrize("path", FIT_FILES, ids=rel)
def test_every_file_is_ingested_skipped_or_rejected_with_a_reason(path: Path) -> None:
    status, result = outcome(path)

    expected = EXPECTED.get(rel(path))
    if isinstance(result, UnusableFile):
        assert result.reason and "unexpected " not in result.reason.split(":")[0]
        if expected is not None:
            assert (status, result.reason[: len(str(expected[1]))]) == expected
    else:
        assert result.sessions or result.step_intervals
        if expected is not None:
            count = "monitoring" if result.kind == "monitoring" else len(result.sessions)
            assert (status, count) == expected
        for session in result.sessions:
            assert session.start_utc.tzinfo is UTC
            assert 0 <= session.moving_s <= session.elapsed_s
            assert session.start_utc > datetime(2000, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("path", FIT_FILES, ids=rel)
def test_read_upload_agrees_with_the_fit_reader(path: Path) -> None:
    data = path.read_bytes()
    status, result = outcome(path)

    (member,) = read_upload(path.name, data)

    assert (member.path, member.format, member.size) == (path.name, "fit", len(data))
    if isinstance(result, ParsedFile):
        assert member.parsed == result
    else:
        assert member.error is not None
        assert (member.error.status, member.error.reason) == (status, result.reason)


def test_fenix_5_walk_is_one_walking_session() -> None:
    assert parsed("python-fitparse/garmin-fenix-5-walk.fit") == ParsedFile(
        format="fit",
        kind="activity",
        sessions=(
            SessionRecord(
                source_format="fit",
                index=0,
                start_utc=datetime(2017, 6, 11, 14, 32, 51, tzinfo=UTC),
                elapsed_s=45.379,
                moving_s=45.379,
                sport=11,
                sub_sport=0,
                sport_name="walking",
                activity_name="Walk",
                distance_m=67.85,
                steps=82,  # total_strides 41
                device=Device(manufacturer="garmin", product="fenix5", serial="3945849289"),
                utc_offset_s=-7 * 3600,
            ),
        ),
    )


def test_hrm_plugin_walk_is_309_seconds_of_walking() -> None:
    (session,) = parsed("fit-python-sdk/HrmPluginTestActivity.fit").sessions

    assert session == SessionRecord(
        source_format="fit",
        index=0,
        start_utc=datetime(2022, 8, 29, 18, 31, 22, tzinfo=UTC),
        elapsed_s=309.0,
        moving_s=309.0,
        sport=11,
        sub_sport=0,
        sport_name="walking",
        activity_name="Walk",
        distance_m=60.0,
        steps=132,
        device=Device(manufacturer="garmin", product="4024", serial=None),
        utc_offset_s=-6 * 3600,
    )


def test_running_steps_are_twice_the_strides() -> None:
    """Independent check of the stride unit: distance / average step length ≈ steps."""
    path = FIT_DIR / "python-fitparse/garmin-fenix-5-run.fit"
    summary = next(fitparse.FitFile(str(path)).get_messages("session"))
    step_length_m = summary.get_value("avg_step_length") / 1000

    (session,) = parsed("python-fitparse/garmin-fenix-5-run.fit").sessions

    assert session.steps == 2 * summary.get_raw_value("total_cycles") == 156
    assert session.distance_m is not None
    assert session.steps == pytest.approx(session.distance_m / step_length_m, rel=0.05)


def test_chained_files_give_all_their_sessions() -> None:
    triathlon = parsed("python-fitparse/sample_mulitple_header.fit").sessions
    chained = parsed("muktihari-fit/chained_Activity_activity_poolswim.fit").sessions

    assert [(s.index, s.sport, s.sub_sport, s.activity_name) for s in triathlon] == [
        (0, 5, 18, "Open Water"),
        (1, 3, 0, "Transition"),
        (2, 2, 0, "Bike"),
        (3, 3, 0, "Transition"),
        (4, 1, 0, "Run"),
    ]
    assert [(s.sport, s.sub_sport, s.elapsed_s) for s in chained] == [
        (37, 0, 3601.0),
        (5, 17, 840.0),
    ]
    assert chained[0].device != chained[1].device  # each chained file has its own file_id


def test_summary_messages_first_or_last_give_the_same_sessions() -> None:
    first = parsed("muktihari-fit/triathlon_summary_first.fit")
    last = parsed("muktihari-fit/triathlon_summary_last.fit")

    assert first.sessions == last.sessions


def test_activity_followed_by_settings_is_the_activity() -> None:
    assert (
        parsed("python-fitparse/activity-settings.fit").sessions
        == parsed("python-fitparse/Activity.fit").sessions
    )


@pytest.mark.parametrize(
    ("name", "warnings"),
    [
        ("python-fitparse/activity-filecrc.fit", (CRC_WARNING,)),
        (
            "python-fitparse/activity-activity-filecrc.fit",
            (f"FIT segment 2 (byte 771): {CRC_WARNING}",),
        ),
    ],
)
def test_bad_file_crc_is_ingested_with_a_warning(name: str, warnings: tuple[str, ...]) -> None:
    result = parsed(name)

    assert result.warnings == warnings
    assert result.sessions[0] == parsed("python-fitparse/Activity.fit").sessions[0]


@pytest.mark.parametrize(
    ("name", "records", "start", "elapsed_s"),
    [
        ("fit-python-sdk/WithGearChangeData.fit", 1979, datetime(2022, 6, 22, 23, 8, 37), 1978.0),
        ("muktihari-fit/activity_truncated.fit", 14, datetime(2012, 4, 9, 21, 22, 26), 13.0),
    ],
)
def test_session_reconstructed_from_records(
    name: str, records: int, start: datetime, elapsed_s: float
) -> None:
    result = parsed(name)

    (session,) = result.sessions
    assert (session.start_utc, session.elapsed_s, session.moving_s, session.sport) == (
        start.replace(tzinfo=UTC),
        elapsed_s,
        elapsed_s,
        None,
    )
    assert result.warnings == (f"no session message; session reconstructed from {records} records",)


def test_misaligned_field_sizes_are_read_as_bytes_with_a_warning() -> None:
    result = parsed("python-fitparse/coros-pace-2-cycling-misaligned-fields.fit")

    assert result.sessions[0].device == Device(manufacturer="294", product="802", serial=None)
    assert result.warnings == (
        "5 field definition(s) had a size that does not fit their type and were read as raw "
        "bytes: event.data (1 bytes for uint32)",
    )


def test_developer_field_descriptions_do_not_leak_into_fitparse_globals() -> None:
    before = dict(fitparse.records.DEV_TYPES)

    parsed("python-fitparse/developer-types-sample.fit")

    assert before == fitparse.records.DEV_TYPES


@pytest.mark.parametrize(
    "name",
    [
        "python-fitparse/garmin-fenix-5-walk.fit",
        "python-fitparse/sample_mulitple_header.fit",
        "fitdecode/garmin-fr935-cr.fit",
        "muktihari-fit/activity_multisport.fit",
        "python-fitparse/Edge810-Vector-2013-08-16-15-35-10.fit",
    ],
)
def test_sessions_match_fitparse_full_decoding(name: str) -> None:
    """The selective decoder reads sessions exactly as fitparse's full decoding does."""
    reference = [
        (
            m.get_raw_value("start_time"),
            m.get_value("total_elapsed_time"),
            m.get_value("total_timer_time"),
            m.get_value("total_distance"),
            m.get_raw_value("sport"),
            m.get_raw_value("sub_sport"),
        )
        for m in fitparse.FitFile(str(FIT_DIR / name)).get_messages("session")
    ]

    sessions = parsed(name).sessions

    assert [
        (
            int((s.start_utc - FIT_EPOCH).total_seconds()),
            s.elapsed_s,
            s.moving_s,
            s.distance_m,
            s.sport,
            s.sub_sport,
        )
        for s in sessions
    ] == reference


# ---------------------------------------------------------------- monitoring truth


def _dump_readings(path: Path) -> list[tuple[int, int, int]]:
    """(time, activity_type, cumulative steps) of every step reading in a FitCSVTool dump.

    Times are resolved independently of the reader: ``timestamp_16`` against the last
    full ``timestamp`` of *any* message in the dump.
    """
    readings = []
    last_full: int | None = None
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            if not row or row[0] != "Data":
                continue
            fields = {row[i]: row[i + 1] for i in range(3, len(row) - 1, 3) if row[i]}
            if "timestamp" in fields:
                last_full = int(fields["timestamp"])
            if row[2] != "monitoring" or "steps" not in fields:
                continue
            if "timestamp" in fields:
                time = int(fields["timestamp"])
            else:
                assert last_full is not None
                short = int(fields["timestamp_16"])
                time = last_full + ((short - (last_full & 0xFFFF)) & 0xFFFF)
            readings.append((time, int(fields["activity_type"]), int(fields["steps"])))
    return readings


def test_monitoring_steps_match_the_fitcsvtool_dump() -> None:
    readings = _dump_readings(FIT_DIR / "muktihari-fit/MonitoringFile.csv")
    expected_total = 0
    previous: dict[int, int] = {}
    for _, activity_type, value in readings:
        before = previous.get(activity_type, 0)
        expected_total += value - before if value >= before else value
        previous[activity_type] = value

    result = parsed("python-fitparse/MonitoringFile.fit")

    assert result.kind == "monitoring"
    assert sum(i.steps for i in result.step_intervals) == expected_total == 3173
    # one interval per intraday reading (the two end-of-day totals restate the counters)
    intraday = [(t, a) for t, a, _ in readings][:-2]
    assert [
        (int((i.end_utc - FIT_EPOCH).total_seconds()), i.activity_type)
        for i in result.step_intervals
    ] == intraday
    by_type = {
        a: sum(i.steps for i in result.step_intervals if i.activity_type == a) for a in (1, 6)
    }
    assert by_type == {6: 3142, 1: 31}  # the file's own end-of-day totals (duration_min 1440)
    assert {i.utc_offset_s for i in result.step_intervals} == {-6 * 3600}
    assert {i.device for i in result.step_intervals} == {
        Device(manufacturer="garmin", product="vivo_fit", serial="3882708276")
    }
    assert all(i.start_utc < i.end_utc for i in result.step_intervals)


def _dump_reading_times(path: Path) -> tuple[int, list[int]]:
    """The monitoring_info timestamp and the time of every monitoring message that states
    an activity type (step counters and sedentary readings alike), resolved as above."""
    times: list[int] = []
    info: int | None = None
    last_full: int | None = None
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            if not row or row[0] != "Data":
                continue
            fields = {row[i]: row[i + 1] for i in range(3, len(row) - 1, 3) if row[i]}
            if "timestamp" in fields:
                last_full = int(fields["timestamp"])
            if row[2] == "monitoring_info" and info is None:
                info = int(fields["timestamp"])
            if row[2] != "monitoring" or "activity_type" not in fields:
                continue
            if "timestamp" in fields:
                times.append(int(fields["timestamp"]))
            else:
                assert last_full is not None
                short = int(fields["timestamp_16"])
                times.append(last_full + ((short - (last_full & 0xFFFF)) & 0xFFFF))
    assert info is not None
    return info, times


def test_monitoring_increments_start_at_the_devices_previous_reading() -> None:
    """docs/rules.md "Step data": each step increment of the real vivofit file starts at the
    file's previous monitoring reading of any activity type (256 of its 337 monitoring
    messages are sedentary readings), capped at 60 minutes — worked out from FitCSVTool's
    dump, independently of the reader."""
    dump = FIT_DIR / "muktihari-fit/MonitoringFile.csv"
    info, times = _dump_reading_times(dump)
    step_times = [t for t, _, _ in _dump_readings(dump)][:-2]  # without the daily totals
    expected = []
    for t in step_times:
        earlier = [x for x in times if x < t]
        since = max(earlier) if earlier else info
        expected.append((max(since, t - 3600), t))

    result = parsed("python-fitparse/MonitoringFile.fit")

    got = [
        (
            int((i.start_utc - FIT_EPOCH).total_seconds()),
            int((i.end_utc - FIT_EPOCH).total_seconds()),
        )
        for i in result.step_intervals
    ]
    assert got == expected
    lengths = [(end - start) // 60 for start, end in got]
    short = [i.steps for i, n in zip(result.step_intervals, lengths, strict=True) if n <= 2]
    # the figures docs/rules.md quotes: 1–8 minutes, 67 readings ≤ 2 min holding 1,662 steps
    assert (min(lengths), max(lengths), len(short), sum(short)) == (1, 8, 67, 1662)
