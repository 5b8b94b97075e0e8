"""GPX reader on hand-written fixtures: whole records, the moving-time and session rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

import pytest

from ingest import gpx
from ingest.geometry import TrackMeasure, TrackPoint, haversine_m, measure_track
from ingest.records import Device, ParsedFile, RejectedFile, SessionRecord, SkippedFile
from ingest.sports import STRAVA_GPX_TYPES, sport_from_name
from tests.support.gpx_files import METRES_PER_DEGREE, T0, doc, pt, seg, trk


def walk(
    seconds: int,
    step_s: int = 10,
    speed: float = 1.0,
    start: float = 0,
    from_m: float | None = None,
) -> list[str]:
    """Points every ``step_s`` seconds from ``start`` moving north at ``speed`` m/s."""
    origin = start * speed if from_m is None else from_m
    return [pt(start + t, origin + t * speed) for t in range(0, seconds + 1, step_s)]


def session(**fields: object) -> SessionRecord:
    defaults: dict[str, object] = {
        "source_format": "gpx",
        "index": 0,
        "start_utc": T0,
        "device": Device(product="OpenTracks"),
    }
    return SessionRecord(**(defaults | fields))  # type: ignore[arg-type]


def approx(value: float) -> float:
    return cast(float, pytest.approx(value, rel=1e-8, abs=1e-3))


def test_a_walk_is_one_session_with_distance_and_moving_time() -> None:
    parsed = gpx.parse(doc(trk(seg(*walk(600)), name="Morgenrunde", type_="walking")))
    assert parsed == ParsedFile(
        format="gpx",
        kind="activity",
        sessions=(
            session(
                elapsed_s=600.0,
                moving_s=600.0,
                sport=11,
                sub_sport=0,
                sport_name="walking",
                activity_name="Morgenrunde",
                distance_m=approx(600.0),
            ),
        ),
    )


def test_gpx_1_0_without_namespace_with_bom_and_no_creator() -> None:
    data = b"\xef\xbb\xbf" + (
        '<?xml version="1.0"?><gpx version="1.0">' + trk(seg(*walk(60))) + "</gpx>"
    ).encode("utf-8")
    assert gpx.parse(data).sessions == (
        session(
            elapsed_s=60.0, moving_s=60.0, distance_m=approx(60.0), device=Device(product=None)
        ),
    )


def test_pauses_and_standing_still_are_not_moving() -> None:
    points = [
        *walk(120),  # 0..120 s: 120 m
        pt(300, 120),  # 180 s without moving: a stationary stretch
        *walk(120, start=300, from_m=120)[1:],  # 300..420 s: 120 m more
        pt(430, 240),  # 10 s standing: a short wait counts as moving
        pt(1000, 245),  # a 570 s gap (> 5 min): a pause
        pt(1010, 255),
    ]
    (record,) = gpx.parse(doc(trk(seg(*points)))).sessions
    assert record == session(
        elapsed_s=1010.0,
        moving_s=120.0 + 120.0 + 10.0 + 10.0,
        distance_m=approx(255.0),
    )


def test_a_stationary_stretch_needs_60_seconds() -> None:
    held = [pt(0, 0), pt(59, 0), *walk(60, start=59, from_m=0, speed=2.0)[1:]]
    (record,) = gpx.parse(doc(trk(seg(*held)))).sessions
    assert record.moving_s == 119.0  # a position held for 59 s (sparse fixes) is moving
    stood = [pt(0, 0), pt(60, 0), *walk(60, start=60, from_m=0, speed=2.0)[1:]]
    (record,) = gpx.parse(doc(trk(seg(*stood)))).sessions
    assert record.moving_s == 60.0


def test_time_between_segments_is_a_pause() -> None:
    first = walk(300)
    second = walk(300, start=3600)  # the next segment starts an hour later
    (record,) = gpx.parse(doc(trk(seg(*first), seg(*second), "<trkseg/>"))).sessions
    # distance counts within segments only: 300 m + 300 m (not the 3300 m jump between them)
    assert record == session(elapsed_s=3900.0, moving_s=600.0, distance_m=approx(600.0))


def test_position_glitches_leave_distance_and_moving_time() -> None:
    # the true 20 m from 60 s to 80 s are lost with the two glitch intervals around 70 s
    points = [*walk(60), pt(70, 5000), pt(80, 80), *walk(60, start=90)]
    parsed = gpx.parse(doc(trk(seg(*points))))
    assert parsed.sessions == (session(elapsed_s=150.0, moving_s=130.0, distance_m=approx(130)),)
    assert parsed.warnings == (
        "track 1: 2 position jump(s) faster than 100 m/s left out of distance and moving "
        "time (GPS glitches)",
    )


def test_a_car_keeps_its_distance() -> None:
    points = [pt(t, t * 25.0) for t in range(0, 301, 5)]  # 90 km/h
    (record,) = gpx.parse(doc(trk(seg(*points)))).sessions
    assert record.distance_m == approx(7500.0)
    assert record.moving_s == 300.0


@pytest.mark.parametrize(
    ("stamp", "start", "offset"),
    [
        ("2024-05-01T11:00:00+02:00", T0, 7200),
        ("2024-05-01T14:30:00.000+05:30", T0, 19800),
        ("2024-05-01T09:00:00Z", T0, None),
        ("2024-05-01T09:00:00+00:00", T0, None),  # zero offset: how UTC is written
        ("2024-05-01T09:00:00", T0, None),  # GPX times are UTC by the standard
    ],
)
def test_stated_offsets(stamp: str, start: datetime, offset: int | None) -> None:
    points = [pt(None, 0, time=stamp), pt(60, 60)]
    (record,) = gpx.parse(doc(trk(seg(*points)))).sessions
    assert (record.start_utc, record.utc_offset_s, record.floating) == (start, offset, False)


def test_untimed_points_are_ignored_but_lengthen_the_path() -> None:
    points = [pt(0, 0), pt(None, 100), pt(None, 50), pt(60, 60), pt(None, 500)]
    parsed = gpx.parse(doc(trk(seg(*points))))
    # path 0 → 100 → 50 → 60 = 160 m; the untimed point after the last time is outside
    assert parsed.sessions == (session(elapsed_s=60.0, moving_s=60.0, distance_m=approx(160)),)
    assert parsed.warnings == ("3 track point(s) without a <time> were ignored",)


def test_unreadable_times_are_ignored_with_a_warning() -> None:
    points = [pt(None, 0, time="gestern"), *walk(60)]
    parsed = gpx.parse(doc(trk(seg(*points))))
    assert parsed.sessions == (session(elapsed_s=60.0, moving_s=60.0, distance_m=approx(60)),)
    assert parsed.warnings == (
        "1 track point(s) with an unreadable <time> were ignored (e.g. 'gestern')",
    )


# --- sessions from several tracks ---------------------------------------------------------


def test_tracks_less_than_30_minutes_apart_are_one_outing() -> None:
    parsed = gpx.parse(
        doc(
            trk(name="ACTIVE LOG"),  # GPSBabel's empty first track
            trk(seg(*walk(600)), name="ACTIVE LOG #2"),
            trk(seg(*walk(300, start=600 + 1500)), name="ACTIVE LOG #3"),  # 25 min later
            trk(seg(*walk(300, start=2400 + 1801)), name="ACTIVE LOG #4"),  # 30 min + 1 s
        )
    )
    assert parsed.sessions == (
        session(
            elapsed_s=2400.0, moving_s=900.0, distance_m=approx(900), activity_name="ACTIVE LOG #2"
        ),
        session(
            index=1,
            start_utc=T0 + timedelta(seconds=4201),
            elapsed_s=300.0,
            moving_s=300.0,
            distance_m=approx(300),
            activity_name="ACTIVE LOG #4",
        ),
    )


def test_tracks_of_different_types_stay_apart() -> None:
    parsed = gpx.parse(
        doc(
            trk(seg(*walk(300)), type_="walking"),
            trk(seg(*walk(300, start=360)), type_="cycling"),
        )
    )
    assert [(s.sport, s.sport_name, s.start_utc) for s in parsed.sessions] == [
        (11, "walking", T0),
        (2, "cycling", T0 + timedelta(seconds=360)),
    ]


def test_segments_more_than_3_hours_apart_are_separate_sessions() -> None:
    parsed = gpx.parse(doc(trk(seg(*walk(600)), seg(*walk(600, start=600 + 3 * 3600 + 1)))))
    assert [(s.index, s.elapsed_s, s.moving_s) for s in parsed.sessions] == [
        (0, 600.0, 600.0),
        (1, 600.0, 600.0),
    ]


def test_a_track_at_one_instant_is_dropped_next_to_a_real_one() -> None:
    parsed = gpx.parse(
        doc(
            trk(seg(*walk(60))),
            trk(seg(pt(7200, 0), pt(7200, 5)), name="stuck"),
        )
    )
    assert len(parsed.sessions) == 1
    assert parsed.warnings == (
        "track 2 ('stuck') ignored: its 2 timed point(s) are all at one instant, so it spans "
        "no time",
    )


# --- activity types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("walking", (11, 0)),
        ("Walk", (11, 0)),
        ("casual_walking", (11, 30)),
        ("Nordic Walking", (11, 0)),
        ("IndoorWalking", (11, 27)),
        ("hiking", (17, 0)),
        ("Hike", (17, 0)),
        ("running", (1, 0)),
        ("Run", (1, 0)),
        ("trail_running", (1, 3)),
        ("TrailRun", (1, 3)),
        ("treadmill_running", (1, 1)),
        ("cycling", (2, 0)),
        ("Ride", (2, 0)),
        ("mountain_biking", (2, 8)),
        ("EBikeRide", (21, 0)),
        ("swimming", (5, 0)),
        ("strength_training", (10, 20)),
        ("Weight Training", (10, 20)),
        ("Yoga", (10, 43)),
        ("pilates", (10, 44)),
        ("9", (1, 0)),  # Strava's numeric GPX codes
        ("1", (2, 0)),
        ("10", (11, 0)),
        ("4", (17, 0)),
        ("16", (5, 0)),
        ("2", (None, None)),  # other Strava codes are not guessed
        ("Other", (None, None)),
        ("generic", (None, None)),
        ("TaiChi", (None, None)),
        ("jkljkl", (None, None)),
        ("...", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_sport_from_name(name: str | None, codes: tuple[int | None, int | None]) -> None:
    assert sport_from_name(name) == codes


def test_strava_codes_table() -> None:
    assert STRAVA_GPX_TYPES == {"1": "Ride", "4": "Hike", "9": "Run", "10": "Walk", "16": "Swim"}


def test_a_strava_numeric_type_keeps_its_text() -> None:
    (record,) = gpx.parse(doc(trk(seg(*walk(60)), name="Lunch Walk", type_="10"))).sessions
    assert (record.sport, record.sub_sport, record.sport_name) == (11, 0, "10")


def test_type_from_a_track_extension() -> None:
    body = (
        '<trk><extensions><osmand:activity xmlns:osmand="https://osmand.net">hiking'
        "</osmand:activity></extensions>" + seg(*walk(60)) + "</trk>"
    )
    (record,) = gpx.parse(doc(body)).sessions
    assert (record.sport, record.sport_name) == (17, "hiking")


def test_an_unknown_type_has_no_code_but_keeps_its_name() -> None:
    (record,) = gpx.parse(doc(trk(seg(*walk(60)), type_="Tai Chi"))).sessions
    assert (record.sport, record.sub_sport, record.sport_name) == (None, None, "Tai Chi")


# --- steps from cadence ------------------------------------------------------------------


def cadence_walk(cadence: float, seconds: int = 600, speed: float = 1.2) -> list[str]:
    return [pt(t, t * speed, cad=cadence) for t in range(0, seconds + 1, 5)]


def test_garmin_cadence_counts_strides() -> None:
    (record,) = gpx.parse(doc(trk(seg(*cadence_walk(55)), type_="walking"))).sessions
    assert record.steps == 2 * 55 * 10  # 110 steps/min for 10 minutes


def test_doubled_cadence_is_not_doubled_again() -> None:
    parsed = gpx.parse(doc(trk(seg(*cadence_walk(170, speed=3.0)), type_="running")))
    assert parsed.sessions[0].steps == 170 * 10
    assert parsed.warnings == (
        "track 1: cadence is already in steps per minute (90% of cadence values are up to "
        "170/min, which per leg would be over 240 steps/min); it was not doubled",
    )


def test_a_walk_at_110_per_leg_is_already_in_steps() -> None:
    parsed = gpx.parse(doc(trk(seg(*cadence_walk(110)), type_="walking")))
    assert parsed.sessions[0].steps == 110 * 10


def test_an_untyped_track_judges_cadence_by_step_length() -> None:
    # 1.2 m/s at "110/min": per leg that would be 220 steps/min of 0.33 m
    parsed = gpx.parse(doc(trk(seg(*cadence_walk(110)))))
    assert parsed.sessions[0].steps == 110 * 10
    assert parsed.warnings == (
        "track 1: cadence is already in steps per minute (read per leg it would mean steps "
        "of 0.33 m, too short); it was not doubled",
    )


def test_a_rides_cadence_is_not_steps() -> None:
    (record,) = gpx.parse(doc(trk(seg(*cadence_walk(85, speed=6)), type_="cycling"))).sessions
    assert record.steps is None


def test_sparse_cadence_gives_no_steps() -> None:
    points = [pt(t, t * 1.2, cad=55 if t < 120 else None) for t in range(0, 601, 5)]
    parsed = gpx.parse(doc(trk(seg(*points), type_="walking")))
    assert parsed.sessions[0].steps is None
    assert parsed.warnings == (
        "track 1: cadence covers only 120 s of 600 s: no step count derived",
    )


def test_measure_track_directly() -> None:
    points = tuple(
        TrackPoint(time=T0 + timedelta(seconds=t), path_m=float(t), cadence=50.0)
        for t in range(0, 61, 10)
    )
    assert measure_track([points], sport=11) == TrackMeasure(
        start=T0,
        end=T0 + timedelta(seconds=60),
        moving_s=60.0,
        distance_m=60.0,
        steps=100,
    )
    assert measure_track([]) is None


def test_haversine_along_a_meridian() -> None:
    assert haversine_m(0, 0, 1, 0) == pytest.approx(METRES_PER_DEGREE)
    assert haversine_m(52.5, 13.4, 52.5, 13.4) == 0.0


# --- skipped and rejected -------------------------------------------------------------------


ROUTE = '<rte><rtept lat="45.1" lon="13.7"><name>#001</name></rtept></rte>'
WAYPOINT = '<wpt lat="45.1" lon="13.7"><time>2024-05-01T09:00:00Z</time></wpt>'


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (doc(ROUTE), "GPX holds only a planned route / waypoints, no recorded track"),
        (doc(WAYPOINT), "GPX holds only a planned route / waypoints, no recorded track"),
        (doc(trk(seg())), "GPX tracks are empty: no track points"),
        (doc(), "GPX file holds no tracks, routes or waypoints"),
        (
            doc(trk(seg(pt(None, 0), pt(None, 10), pt(None, 20))), ROUTE),
            "GPX track has no timestamps: none of its 3 points has a <time>, so it is a drawn "
            "or planned track, not a recording",
        ),
        (
            doc(trk(seg(pt(0, 0), pt(None, 10)))),
            "GPX track has no timestamps to measure: only 1 of its 2 points has a <time> "
            "(at least 2 are needed)",
        ),
        (
            doc(trk(seg(pt(0, 0), pt(0, 10)))),
            "GPX track has no timestamps spanning any time: its 2 timed points share one "
            "instant (or stand alone in their tracks)",
        ),
    ],
    ids=["route", "waypoint", "empty-segment", "empty", "untimed", "one-time", "one-instant"],
)
def test_skipped(data: bytes, reason: str) -> None:
    with pytest.raises(SkippedFile) as caught:
        gpx.parse(data)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            doc(trk(seg(*(pt(None, n, time="1901-12-13T20:45:52.2073437Z") for n in (0, 9))))),
            "GPX timestamps before 1990 are not real dates (e.g. 1901-12-13T20:45:52.207343Z): "
            "the recording device's clock was not set, so the track cannot be placed in time",
        ),
        (
            doc(trk(seg(pt(None, 0, time="soon"), pt(None, 9, time="later")))),
            "GPX track has no readable timestamps: 2 <time> values cannot be read (e.g. 'soon')",
        ),
        (
            b'<?xml version="1.0"?><TrainingCenterDatabase/>',
            "not a GPX file: its XML root element is <TrainingCenterDatabase>, not <gpx>",
        ),
        (b"<gpx><trk></gpx>", "not well-formed XML: Opening and ending tag mismatch: trk"),
        (b"\x00\x01\x02garbage", "not well-formed XML: "),
        (b"", "empty XML document"),
    ],
    ids=["1901", "unreadable", "not-gpx", "malformed", "binary", "empty"],
)
def test_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as caught:
        gpx.parse(data)
    assert caught.value.reason.startswith(reason)


def test_pre_1990_points_next_to_real_ones_are_dropped_with_a_warning() -> None:
    points = [pt(None, 0, time="1970-01-01T00:00:00Z"), *walk(60)]
    parsed = gpx.parse(doc(trk(seg(*points))))
    assert len(parsed.sessions) == 1
    assert parsed.warnings == (
        "1 track point(s) dated before 1990 (e.g. 1970-01-01) were ignored: the device clock "
        "was not set",
    )


def test_bad_coordinates_and_numbers_never_raise() -> None:
    body = (
        "<trk><trkseg>"
        '<trkpt lat="north" lon="0"><time>2024-05-01T09:00:00Z</time></trkpt>'
        '<trkpt lat="95" lon="0"><time>2024-05-01T09:00:10Z</time></trkpt>'
        '<trkpt lat="nan" lon="inf"><time>2024-05-01T09:00:20Z</time>'
        "<extensions><cad>fast</cad></extensions></trkpt>"
        "</trkseg></trk>"
    )
    assert gpx.parse(doc(body)).sessions == (
        session(elapsed_s=20.0, moving_s=20.0, distance_m=None),
    )


@pytest.mark.parametrize(
    ("head", "claimed"),
    [
        (doc(trk(seg(*walk(10))))[:4096], True),
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n<gpx>", True),
        (b"<gpx:gpx xmlns:gpx='http://www.topografix.com/GPX/1/0'>", True),
        (b"<?xml version='1.0'?><TrainingCenterDatabase>", False),
        (b"<?xml version='1.0'?><HealthData>", False),
        (b"<gpxdata>", False),
        (b"\x0e\x10\x00\x00\x00\x00\x00\x00.FIT", False),
        (b"date,steps\n", False),
        (b"", False),
    ],
)
def test_sniff(head: bytes, claimed: bool) -> None:
    assert gpx.sniff(head) is claimed
