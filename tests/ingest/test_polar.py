"""The Polar readers (HRM text files and polarpersonaltrainer.com XML) on hand-written files."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest import polar, polar_xml
from ingest.records import (
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    UnusableFile,
)


def wall(*parts: int) -> datetime:
    """A local wall-clock time tagged UTC, as floating records carry it."""
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def hrm(
    *,
    smode: str = "10000000",
    monitor: str = "36",
    start: str = "12:42:43.0",
    length: str = "00:00:25.0",
    interval: str = "5",
    rows: tuple[str, ...] = ("134\t0", "135\t36", "135\t0", "136\t54", "136\t72"),
    trip: tuple[str, ...] = (),
    note: str = "Abendrunde",
    date: str = "20150312",
) -> bytes:
    lines = [
        "[Params]",
        "Version=106",
        f"Monitor={monitor}",
        f"SMode={smode}",
        f"Date={date}",
        f"StartTime={start}",
        f"Length={length}",
        f"Interval={interval}",
        "MaxHR=190",
        "",
        "[Note]",
        note,
        "",
    ]
    if trip:
        lines += ["[Trip]", *trip, ""]
    lines += ["[HRData]", *rows, ""]
    return "\r\n".join(lines).encode("latin-1")


# ================================================================================== HRM


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (hrm(), True),
        (b"\xef\xbb\xbf[Params]\nVersion=107\nSMode=000000000\nDate=20120808\n", True),
        (b"[Params]\nVersion=106\n", False),  # no Date: not an exercise header
        (b"[General]\nDate=20150312\nSMode=0\n", False),  # another INI file
        (b"Date,Steps\n2015-03-12,100\n", False),
        (b'<?xml version="1.0"?><polar-exercise-data/>', False),
        (b"", False),
    ],
)
def test_hrm_sniff(head: bytes, expected: bool) -> None:
    assert polar.sniff(head) is expected


def test_hrm_with_speed_samples() -> None:
    # 5 samples of 5 s; speeds 0, 3.6, 0, 5.4, 7.2 km/h: moving 3 × 5 s, distance 5+7.5+10 m
    assert polar.parse(hrm()) == ParsedFile(
        format="polar_hrm",
        kind="activity",
        sessions=(
            SessionRecord(
                source_format="polar_hrm",
                index=0,
                start_utc=wall(2015, 3, 12, 12, 42, 43),
                elapsed_s=25.0,
                moving_s=15.0,
                activity_name="Abendrunde",
                distance_m=pytest.approx(22.5),  # type: ignore[arg-type]
                device=Device("polar", "Polar RS400", None),
                floating=True,
            ),
        ),
    )


def test_hrm_trip_distance_wins_over_integrated_speed() -> None:
    trip = ("123", "45", "25", "300", "320", "1500", "2000", "4711")

    (session,) = polar.parse(hrm(trip=trip)).sessions

    assert session.distance_m == 12300.0


def test_hrm_in_us_units() -> None:
    trip = ("10", "0", "25", "0", "0", "0", "0", "0")

    (session,) = polar.parse(hrm(smode="10000001", trip=trip)).sessions

    assert session.distance_m == pytest.approx(1609.344)


def test_hrm_heart_rate_only_is_moving_all_along() -> None:
    data = hrm(smode="00000000", length="1:01:29.1", rows=("114", "118"), note="")

    (session,) = polar.parse(data).sessions

    assert (session.elapsed_s, session.moving_s, session.distance_m) == (3689.1, 3689.1, None)
    assert (session.sport, session.sport_name, session.activity_name) == (None, None, None)


def test_hrm_speed_column_of_zeros_means_no_speed_sensor() -> None:
    (session,) = polar.parse(hrm(rows=("120\t0", "121\t0"))).sessions

    assert (session.moving_s, session.distance_m) == (25.0, None)


def test_hrm_rr_recording_is_moving_all_along() -> None:
    data = hrm(smode="000000000", interval="238", length="00:02:13.3", rows=("755", "555"))

    (session,) = polar.parse(data).sessions

    assert (session.elapsed_s, session.moving_s) == (133.3, 133.3)


@pytest.mark.parametrize(
    ("monitor", "product"),
    [
        ("11", "Polar S610 / S610i"),
        ("12", "Polar S710 / S710i / S720i"),
        ("34", "Polar CS600X"),
        ("37", "Polar RS800"),
        ("0", "0"),
        ("99", "99"),
        ("", None),
    ],
)
def test_hrm_monitor_codes_name_the_model(monitor: str, product: str | None) -> None:
    (session,) = polar.parse(hrm(monitor=monitor)).sessions

    assert session.device == Device("polar", product, None)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (hrm(date="2015-03-12"), "[Params] Date='2015-03-12' is not a date like 20150312"),
        (hrm(start="noon"), "[Params] StartTime='noon' is not a time like 1:02:03.4"),
        (hrm(start="25:00:00.0"), "[Params] StartTime='25:00:00.0' is past midnight"),
        (b"[Note]\nhello\n", "not a Polar HRM file: no [Params] section"),
        (
            b"[Params]\nDate=20150312\nStartTime=10:00:00.0\n",
            "[Params] has no Length: the duration of the exercise is unknown",
        ),
        (hrm(rows=("120\tfast",)), "[HRData] row '120\\tfast': speed is not a number"),
    ],
)
def test_hrm_broken_files_are_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as raised:
        polar.parse(data)

    assert raised.value.reason == reason


def test_hrm_of_length_zero_is_skipped() -> None:
    with pytest.raises(SkippedFile, match="length 0"):
        polar.parse(hrm(length="0:00:00.0"))


def test_hrm_truncated_files_never_raise_anything_else() -> None:
    source = hrm()
    for end in range(len(source)):
        try:
            result = polar.parse(source[:end])
        except UnusableFile:
            continue
        assert isinstance(result, ParsedFile)


# ============================================================================ Polar XML


def polar_export(*exercises: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<polar-exercise-data xmlns="http://www.polarpersonaltrainer.com" version="1.0">\n'
        f'  <calendar-items count="{len(exercises)}">\n'
        + "\n".join(exercises)
        + "\n  </calendar-items>\n</polar-exercise-data>\n"
    ).encode()


def exercise(
    time: str = "2013-03-24 11:33:09.0",
    sport: str | None = "Walking",
    name: str | None = "Spaziergang",
    result: str | None = "<distance>3600.0</distance><duration>00:48:49</duration>",
) -> str:
    parts = [f"<time>{time}</time>"]
    if sport is not None:
        parts.append(f"<sport>{sport}</sport>")
    if name is not None:
        parts.append(f"<name>{name}</name>")
    if result is not None:
        parts.append(f"<result>{result}</result>")
    return "<exercise><created>2013-03-24 13:32:38.0</created>" + "".join(parts) + "</exercise>"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (polar_export(exercise()), True),
        (b"\xef\xbb\xbf<!-- export --><polar-exercise-data/>", True),
        (b'<?xml version="1.0"?><gpx version="1.1"/>', False),
        (b"[Params]\nDate=20150312\n", False),
        (b"", False),
    ],
)
def test_xml_sniff(head: bytes, expected: bool) -> None:
    assert polar_xml.sniff(head) is expected


def test_xml_exercises_become_floating_sessions() -> None:
    data = polar_export(
        exercise(),
        exercise(time="2013-03-25 07:00:00.0", sport=None, name=None),
        exercise(time="2013-03-26 18:00:00.0", result=None),  # planned, not recorded
    )

    assert polar_xml.parse(data) == ParsedFile(
        format="polar_xml",
        kind="activity",
        sessions=(
            SessionRecord(
                source_format="polar_xml",
                index=0,
                start_utc=wall(2013, 3, 24, 11, 33, 9),
                elapsed_s=2929.0,
                moving_s=2929.0,
                sport=11,
                sub_sport=0,
                sport_name="Walking",
                activity_name="Spaziergang",
                distance_m=3600.0,
                device=Device("polar", None, None),
                floating=True,
            ),
            SessionRecord(
                source_format="polar_xml",
                index=1,
                start_utc=wall(2013, 3, 25, 7),
                elapsed_s=2929.0,
                moving_s=2929.0,
                distance_m=3600.0,
                device=Device("polar", None, None),
                floating=True,
            ),
        ),
        warnings=("left out without a recording: exercise 3 (no readable duration)",),
    )


@pytest.mark.parametrize(
    ("sport", "codes"),
    [
        ("Running", (1, 0)),
        ("Walking", (11, 0)),
        ("hiking", (17, 0)),
        ("Cycling", (2, 0)),
        ("Mountain biking", (2, 8)),
        ("Strength training", (10, 20)),
        ("Yoga", (10, 43)),
        ("Pilates", (10, 44)),
        ("Nordic walking", (None, None)),
        ("Other sport", (None, None)),
    ],
)
def test_xml_sport_names_map_to_fit_codes(sport: str, codes: tuple[int | None, int | None]) -> None:
    (session,) = polar_xml.parse(polar_export(exercise(sport=sport))).sessions

    assert (session.sport, session.sub_sport, session.sport_name) == (*codes, sport)


def test_xml_without_recorded_exercises_is_skipped() -> None:
    with pytest.raises(SkippedFile) as raised:
        polar_xml.parse(polar_export(exercise(result=None)))

    assert raised.value.reason == (
        "Polar XML export whose 1 exercise(s) have no recorded time and duration "
        "(planned exercises?)"
    )
    with pytest.raises(SkippedFile, match="without exercises"):
        polar_xml.parse(polar_export())


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE polar-exercise-data [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<polar-exercise-data><calendar-items><exercise><time>&secret;</time></exercise>
</calendar-items></polar-exercise-data>"""
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE polar-exercise-data [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>
<polar-exercise-data><calendar-items><exercise><name>&b;</name></exercise>
</calendar-items></polar-exercise-data>"""


@pytest.mark.parametrize("data", [XXE, BOMB])
def test_xml_entities_are_refused(data: bytes) -> None:
    assert polar_xml.sniff(data[:4096])
    with pytest.raises(RejectedFile, match=r"^XML entity declarations are not allowed"):
        polar_xml.parse(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<polar-exercise-data><calendar-items>", "not well-formed XML"),
        (b"<gpx/>", "not a Polar XML export: root element <gpx>"),
        (b"", "empty XML document"),
    ],
)
def test_xml_broken_files_are_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as raised:
        polar_xml.parse(data)

    assert raised.value.reason.startswith(reason)
