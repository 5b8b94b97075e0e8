"""TCX reader on hand-written fixtures: whole records, laps versus trackpoints, cadence."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from ingest import tcx
from ingest.records import Device, ParsedFile, RejectedFile, SessionRecord, SkippedFile
from tests.support.tcx_files import doc

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180
FORERUNNER = Device(product="Forerunner 255", serial="3412345678")


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def tp(
    seconds: float | None,
    *,
    distance: float | None = None,
    north_m: float | None = None,
    run_cadence: float | None = None,
    cadence: float | None = None,
    time: str | None = None,
) -> str:
    stamp = time if time is not None else (None if seconds is None else at(seconds))
    parts = ["<Trackpoint>"]
    if stamp is not None:
        parts.append(f"<Time>{stamp}</Time>")
    if north_m is not None:
        parts.append(
            f"<Position><LatitudeDegrees>{north_m / METRES_PER_DEGREE:.10f}</LatitudeDegrees>"
            "<LongitudeDegrees>0</LongitudeDegrees></Position>"
        )
    if distance is not None:
        parts.append(f"<DistanceMeters>{distance:g}</DistanceMeters>")
    if cadence is not None:
        parts.append(f"<Cadence>{cadence:g}</Cadence>")
    if run_cadence is not None:
        parts.append(
            f"<Extensions><ns3:TPX><ns3:RunCadence>{run_cadence:g}</ns3:RunCadence>"
            "</ns3:TPX></Extensions>"
        )
    parts.append("</Trackpoint>")
    return "".join(parts)


def track(*trackpoints: str) -> str:
    return "<Track>" + "".join(trackpoints) + "</Track>"


def lap(
    start_s: float | None,
    *tracks: str,
    total: float | None = None,
    distance: float | None = None,
    steps: int | None = None,
) -> str:
    start = "" if start_s is None else f' StartTime="{at(start_s)}"'
    parts = [f"<Lap{start}>"]
    if total is not None:
        parts.append(f"<TotalTimeSeconds>{total:g}</TotalTimeSeconds>")
    if distance is not None:
        parts.append(f"<DistanceMeters>{distance:g}</DistanceMeters>")
    parts.append("<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>")
    parts.extend(tracks)
    if steps is not None:
        parts.append(f"<Extensions><ns3:LX><ns3:Steps>{steps}</ns3:Steps></ns3:LX></Extensions>")
    parts.append("</Lap>")
    return "".join(parts)


def activity(
    *laps: str,
    sport: str = "Running",
    id_s: float | None = 0,
    creator: Device | None = FORERUNNER,
    notes: str | None = None,
) -> str:
    parts = [f'<Activity Sport="{sport}">']
    if id_s is not None:
        parts.append(f"<Id>{at(id_s)}</Id>")
    parts.extend(laps)
    if notes is not None:
        parts.append(f"<Notes>{notes}</Notes>")
    if creator is not None:
        parts.append('<Creator xsi:type="Device_t">')
        if creator.product:
            parts.append(f"<Name>{creator.product}</Name>")
        parts.append(f"<UnitId>{creator.serial or 0}</UnitId><ProductID>3992</ProductID>")
        parts.append("</Creator>")
    parts.append("</Activity>")
    return "".join(parts)


def run_points(
    start: int,
    seconds: int,
    speed: float = 3.0,
    *,
    run_cadence: float | None = None,
    cadence: float | None = None,
) -> list[str]:
    """Trackpoints every 10 s with positions and the device's cumulative distance."""
    return [
        tp(
            t,
            distance=t * speed,
            north_m=t * speed,
            run_cadence=run_cadence,
            cadence=cadence,
        )
        for t in range(start, start + seconds + 1, 10)
    ]


def session(**fields: object) -> SessionRecord:
    defaults: dict[str, object] = {
        "source_format": "tcx",
        "index": 0,
        "start_utc": T0,
        "sport": 1,
        "sub_sport": 0,
        "sport_name": "Running",
        "device": FORERUNNER,
    }
    return SessionRecord(**(defaults | fields))  # type: ignore[arg-type]


def test_a_garmin_run_with_two_laps() -> None:
    data = doc(
        activity(
            lap(0, track(*run_points(0, 300)), total=300, distance=900, steps=480),
            lap(300, track(*run_points(300, 300)), total=300, distance=950, steps=500),
            notes="Intervals\nlegs heavy",
        )
    )
    assert tcx.parse(data) == ParsedFile(
        format="tcx",
        kind="activity",
        sessions=(
            session(
                elapsed_s=600.0,
                moving_s=600.0,
                activity_name="Intervals",
                distance_m=1850.0,
                steps=980,
            ),
        ),
    )


@pytest.mark.parametrize(
    ("sport", "codes"),
    [
        ("Running", (1, 0)),
        ("running", (1, 0)),  # Runtastic
        ("Biking", (2, 0)),
        ("Walking", (11, 0)),  # Google Fit
        ("Hiking", (17, 0)),
        ("Other", (None, None)),
        ("Freestyle", (None, None)),
    ],
)
def test_sport_attribute(sport: str, codes: tuple[int | None, int | None]) -> None:
    data = doc(activity(lap(0, track(*run_points(0, 60)), total=60), sport=sport))
    (record,) = tcx.parse(data).sessions
    assert (record.sport, record.sub_sport, record.sport_name) == (*codes, sport)


def test_a_multisport_session_gives_one_session_per_sport() -> None:
    body = (
        "<Activities><MultiSportSession><Id>"
        + at(0)
        + "</Id><FirstSport>"
        + activity(lap(0, track(*run_points(0, 600)), total=600, distance=1800))
        + "</FirstSport><NextSport><Transition StartTime='"
        + at(600)
        + "'><TotalTimeSeconds>60</TotalTimeSeconds></Transition>"
        + activity(
            lap(660, track(*run_points(660, 1200, speed=8.0)), total=1200, distance=9600),
            sport="Biking",
            id_s=660,
        )
        + "</NextSport></MultiSportSession></Activities>"
    )
    assert tcx.parse(doc(body=body)).sessions == (
        session(elapsed_s=600.0, moving_s=600.0, distance_m=1800.0),
        session(
            index=1,
            start_utc=T0 + timedelta(seconds=660),
            elapsed_s=1200.0,
            moving_s=1200.0,
            sport=2,
            sport_name="Biking",
            distance_m=9600.0,
        ),
    )


def test_tracks_of_one_lap_are_segments_with_a_pause_between() -> None:
    data = doc(
        activity(
            lap(0, track(*run_points(0, 300)), track(*run_points(900, 300)), total=600),
        )
    )
    (record,) = tcx.parse(data).sessions
    assert (record.elapsed_s, record.moving_s) == (1200.0, 600.0)


# --- distance --------------------------------------------------------------------------


def test_without_lap_distance_the_device_distance_increments_count() -> None:
    points = [tp(0, distance=500), tp(10, distance=530), tp(20, distance=0), tp(30, distance=40)]
    (record,) = tcx.parse(doc(activity(lap(0, track(*points), total=30)))).sessions
    assert record.distance_m == 70.0  # 30 m, a reset to 0 (ignored), 40 m


def test_without_any_distance_the_positions_count() -> None:
    points = [tp(t, north_m=t * 2.0) for t in range(0, 61, 10)]
    (record,) = tcx.parse(doc(activity(lap(0, track(*points), total=60, distance=0)))).sessions
    assert record.distance_m == pytest.approx(120.0, abs=1e-3)


def test_a_zero_distance_without_positions_is_not_measured() -> None:
    points = [tp(t, distance=0) for t in range(0, 601, 60)]
    data = doc(activity(lap(0, track(*points), total=600, distance=0), sport="Biking"))
    (record,) = tcx.parse(data).sessions
    # an indoor session without sensor: distance unknown, and zero distances are not
    # "standing still" (the trackpoints' moving time stays 600 s)
    assert (record.distance_m, record.moving_s, record.elapsed_s) == (None, 600.0, 600.0)


def test_missing_trackpoint_distances_between_known_ones() -> None:
    points = [tp(0), tp(5, distance=42000), tp(10), tp(15, distance=42020), tp(20)]
    (record,) = tcx.parse(doc(activity(lap(0, track(*points), total=20)))).sessions
    assert record.distance_m == 20.0


# --- moving time: laps versus trackpoints -------------------------------------------------


def test_a_timer_covering_standing_still_is_checked_against_the_trackpoints() -> None:
    points = [
        tp(0, distance=0),
        tp(2490, distance=0),  # 41.5 minutes at distance 0: a pause in the trackpoints
        *(tp(t, distance=(t - 2490) * 1.2) for t in range(2510, 2991, 20)),
    ]
    data = doc(
        activity(lap(0, track(*points), total=2990, distance=564), sport="Walking", creator=None),
        author="Google Fit",
    )
    parsed = tcx.parse(data)
    assert parsed.sessions == (
        session(
            elapsed_s=2990.0,
            moving_s=500.0,
            sport=11,
            sport_name="Walking",
            distance_m=564.0,
            device=Device(product="Google Fit"),
        ),
    )
    assert parsed.warnings == (
        "activity 1 (Walking): the laps' timer time 49:50 exceeds the moving time of its "
        "trackpoints 8:20 (pauses and standing still); the trackpoints' moving time was used",
    )


def test_laps_without_trackpoints() -> None:
    data = doc(activity(lap(0, total=1200, distance=3000), lap(1500, total=600, distance=1500)))
    assert tcx.parse(data).sessions == (
        session(elapsed_s=2100.0, moving_s=1800.0, distance_m=4500.0),
    )


def test_moving_time_never_exceeds_elapsed() -> None:
    data = doc(activity(lap(0, total=400), lap(200, total=400)))  # overlapping laps
    parsed = tcx.parse(data)
    assert (parsed.sessions[0].elapsed_s, parsed.sessions[0].moving_s) == (600.0, 600.0)
    assert parsed.warnings == (
        "activity 1 (Running): moving time 13:20 exceeds the elapsed time 10:00; capped at "
        "the elapsed time",
    )


# --- steps ---------------------------------------------------------------------------------


def test_run_cadence_counts_strides() -> None:
    data = doc(activity(lap(0, track(*run_points(0, 600, run_cadence=85)), total=600)))
    assert tcx.parse(data).sessions[0].steps == 2 * 85 * 10


def test_doubled_run_cadence_is_detected() -> None:
    data = doc(activity(lap(0, track(*run_points(0, 600, run_cadence=176)), total=600)))
    parsed = tcx.parse(data)
    assert parsed.sessions[0].steps == 176 * 10
    assert parsed.warnings == (
        "activity 1 (Running): cadence is already in steps per minute (90% of cadence values "
        "are up to 176/min, which per leg would be over 240 steps/min); it was not doubled",
    )


def test_lap_steps_win_over_cadence_and_zero_lap_steps_mean_no_sensor() -> None:
    with_steps = doc(
        activity(lap(0, track(*run_points(0, 600, run_cadence=85)), total=600, steps=1600))
    )
    assert tcx.parse(with_steps).sessions[0].steps == 1600
    zero = doc(activity(lap(0, track(*run_points(0, 600)), total=600, steps=0)))
    assert tcx.parse(zero).sessions[0].steps is None


def test_trackpoint_cadence_is_steps_only_for_foot_sports() -> None:
    walking = doc(
        activity(lap(0, track(*run_points(0, 600, 1.2, cadence=55)), total=600), sport="Walking")
    )
    assert tcx.parse(walking).sessions[0].steps == 2 * 55 * 10
    biking = doc(
        activity(lap(0, track(*run_points(0, 600, 8.0, cadence=85)), total=600), sport="Biking")
    )
    assert tcx.parse(biking).sessions[0].steps is None


# --- times -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "start", "offset", "floating"),
    [
        ("2024-05-01T14:30:00+05:30", T0, 19800, False),
        ("2024-05-01T09:00:00+00:00", T0, None, False),  # MapMyRide: UTC written as +00:00
        ("2024-05-01T09:00:00.000Z", T0, None, False),
        ("2024-05-01T11:00:00", datetime(2024, 5, 1, 11, tzinfo=UTC), None, True),
    ],
)
def test_start_time_zone(stamp: str, start: datetime, offset: int | None, floating: bool) -> None:
    second = "2024-05-01T11:01:00" if floating else at(60)  # one minute later
    points = [tp(None, time=stamp), tp(None, time=second)]
    body = (
        f'<Activities><Activity Sport="Running"><Lap StartTime="{stamp}">'
        f"<TotalTimeSeconds>60</TotalTimeSeconds>{track(*points)}</Lap></Activity></Activities>"
    )
    (record,) = tcx.parse(doc(body=body, author=None)).sessions
    assert (record.start_utc, record.utc_offset_s, record.floating) == (start, offset, floating)
    assert record.elapsed_s == 60.0


def test_activity_without_any_time_is_skipped() -> None:
    with pytest.raises(SkippedFile) as caught:
        tcx.parse(doc(activity(lap(None, total=600), id_s=None)))
    assert caught.value.reason == (
        "TCX file holds 1 activity but none with a start time and a duration"
    )


def test_pre_1990_times_are_rejected() -> None:
    body = (
        '<Activities><Activity Sport="Running"><Id>1989-12-31T00:00:00Z</Id>'
        '<Lap StartTime="1989-12-31T00:00:00Z"><TotalTimeSeconds>60</TotalTimeSeconds>'
        "</Lap></Activity></Activities>"
    )
    with pytest.raises(RejectedFile) as caught:
        tcx.parse(doc(body=body))
    assert caught.value.reason == (
        "TCX timestamps before 1990 are not real dates (e.g. 1989-12-31): the recording "
        "device's clock was not set, so the activity cannot be placed in time"
    )


# --- devices -------------------------------------------------------------------------------


def test_device_falls_back_to_the_authoring_application() -> None:
    points = track(*run_points(0, 60))
    no_creator = doc(activity(lap(0, points, total=60), creator=None), author="Google Fit")
    assert tcx.parse(no_creator).sessions[0].device == Device(product="Google Fit")
    unit_zero = doc(activity(lap(0, points, total=60), creator=Device(product="TomTom")))
    assert tcx.parse(unit_zero).sessions[0].device == Device(product="TomTom")
    runtastic = doc(activity(lap(0, points, total=60), creator=None), author=None).replace(
        b"<TrainingCenterDatabase ", b'<TrainingCenterDatabase creator="runtastic" '
    )
    assert tcx.parse(runtastic).sessions[0].device == Device(product="runtastic")


# --- skipped and rejected -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "<Courses><Course><Name>route-only</Name><Lap><TotalTimeSeconds>144"
            "</TotalTimeSeconds></Lap></Course></Courses>",
            "TCX file holds only a course (a planned route), no recorded activity",
        ),
        (
            '<Workouts><Workout Sport="Running"><Name>4x400</Name></Workout></Workouts>',
            "TCX file holds only planned workouts, no recorded activity",
        ),
        ("<Activities/>", "TCX file holds no activities"),
        ("", "TCX file holds no activities"),
    ],
    ids=["course", "workout", "no-activity", "empty"],
)
def test_skipped(body: str, reason: str) -> None:
    with pytest.raises(SkippedFile) as caught:
        tcx.parse(doc(body=body))
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"<?xml version='1.0'?><gpx version='1.1'/>",
            "not a TCX file: its XML root element is <gpx>, not <TrainingCenterDatabase>",
        ),
        (b"<TrainingCenterDatabase><Activities>", "not well-formed XML: "),
        (b"\x0e\x10\x00\x00.FIT", "not well-formed XML: "),
    ],
)
def test_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as caught:
        tcx.parse(data)
    assert caught.value.reason.startswith(reason)


def test_garbage_values_never_raise() -> None:
    body = (
        '<Activities><Activity Sport=""><Id>soon</Id><Lap StartTime="later">'
        "<TotalTimeSeconds>long</TotalTimeSeconds><DistanceMeters>-5</DistanceMeters>"
        f"<Track>{tp(0, distance=-1, cadence=999)}<Trackpoint><Time>{at(30)}</Time>"
        "<Position><LatitudeDegrees>x</LatitudeDegrees></Position>"
        "<Extensions><ns3:TPX><ns3:RunCadence>nan</ns3:RunCadence></ns3:TPX></Extensions>"
        "</Trackpoint></Track></Lap></Activity></Activities>"
    )
    (record,) = tcx.parse(doc(body=body, author=None)).sessions
    assert record == SessionRecord(
        source_format="tcx", index=0, start_utc=T0, elapsed_s=30.0, moving_s=30.0
    )


@pytest.mark.parametrize(
    ("head", "claimed"),
    [
        (doc(activity(lap(0, total=1)))[:4096], True),
        (b"\xef\xbb\xbf<TrainingCenterDatabase xmlns='x'>", True),
        (b"<?xml version='1.0'?><gpx>", False),
        (b"<TrainingCenterDatabaseX>", False),
        (b"", False),
    ],
)
def test_sniff(head: bytes, claimed: bool) -> None:
    assert tcx.sniff(head) is claimed
