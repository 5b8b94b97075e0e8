"""The Suunto readers (SML, Moveslink2 log XML, Suunto app JSON) on hand-written files."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest import suunto_json, suunto_sml, suunto_xml
from ingest.records import (
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    UnusableFile,
)
from ingest.suunto import ACTIVITY_TYPES, activity
from tests.support.exports import LEGS, device_log, window

AMBIT = Device("suunto", "Suunto Ambit2", "64B2095121000A00")


def header_xml(
    *,
    tag: str = "Header",
    date_time: str = "2014-08-22T10:15:36",
    duration: str = "3600",
    activity_type: str = "12",
    activity_name: str = "Gehen",
    distance: str = "4200",
) -> str:
    return (
        f"<{tag}><Duration>{duration}</Duration><RecoveryTime>3600</RecoveryTime>"
        f"<ActivityType>{activity_type}</ActivityType><Activity>{activity_name}</Activity>"
        f"<Distance>{distance}</Distance><LogItemCount>12</LogItemCount>"
        f"<DateTime>{date_time}</DateTime></{tag}>"
    )


def sample(utc: str | None = None, time: str | None = None, pause: str | None = None) -> str:
    parts = []
    if utc is not None:
        parts.append(f"<UTC>{utc}</UTC>")
    if time is not None:
        parts.append(f"<Time>{time}</Time>")
    if pause is not None:
        parts.append(f"<Events><Pause><Type>31</Type><State>{pause}</State></Pause></Events>")
    return "<Sample>" + "".join(parts) + "</Sample>"


FIRST = sample("2014-08-22T08:15:34.865Z", "0", "False")


def sml(header: str, *samples: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<sml Version="2.0.34" xmlns="http://www.suunto.com/schemas/sml">\n'
        f"<DeviceLog>{header}"
        "<Device><Name>Suunto Ambit2</Name><SerialNumber>64B2095121000A00</SerialNumber></Device>"
        f"<Samples>{''.join(samples)}</Samples></DeviceLog></sml>\n"
    ).encode()


def moveslink_xml(header: str, *samples: str, encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f"{header}\n<Samples>{''.join(samples)}</Samples>\n"
        "<Device><Info><SW>2.0.7</SW></Info></Device>\n<IBI>439 715 683</IBI>\n"
    ).encode(encoding)


# ============================================================================ sniffing


@pytest.mark.parametrize(
    ("module", "head", "expected"),
    [
        (suunto_sml, sml(header_xml(), FIRST), True),
        (suunto_sml, b'<?xml version="1.0"?><sml><Other/></sml>', False),
        (suunto_sml, moveslink_xml(header_xml(tag="header")), False),
        (suunto_xml, moveslink_xml(header_xml(tag="header")), True),
        (suunto_xml, b'<?xml version="1.0"?><header><title>x</title></header>', False),
        (suunto_xml, sml(header_xml(), FIRST), False),
        (suunto_json, b'{\n  "DeviceLog": {\n    "Header": {', True),
        (suunto_json, b'\xef\xbb\xbf{"DeviceLog":{}}', True),
        (suunto_json, b'{"fitnessActivity": "walking", "DeviceLog": {}}', False),
        (suunto_json, b'[{"DeviceLog": {}}]', False),
        (suunto_json, b"", False),
    ],
)
def test_sniffers_claim_only_their_own_files(module: object, head: bytes, expected: bool) -> None:
    assert module.sniff(head[:4096]) is expected  # type: ignore[attr-defined]


# ======================================================================= activity types


@pytest.mark.parametrize(
    ("code", "own_name", "expected"),
    [
        (12, "Gehen", (11, 0, "Walking")),
        (11, None, (17, 0, "Trekking")),
        (96, None, (17, 0, "Hiking")),
        (3, "Laufen", (1, 0, "Running")),
        (82, None, (1, 3, "Trail running")),
        (23, None, (10, 20, "Weight training")),
        (79, None, (10, 19, "Stretching")),
        (95, None, (10, 0, "Indoor training")),
        (10, None, (None, None, "Yoga/Pilates")),
        (84, None, (None, None, "Nordic walking")),
        (93, "Indoor-Crosstra", (None, None, "Treadmill")),
        (2, None, (None, None, "Multisport")),
        (999, "Rückenschule", (None, None, "Rückenschule")),
        (999, None, (None, None, "Suunto activity type 999")),
        (None, None, (None, None, None)),
    ],
)
def test_activity_types(
    code: int | None, own_name: str | None, expected: tuple[int | None, int | None, str | None]
) -> None:
    assert activity(code, own_name) == expected


def test_every_activity_type_has_a_name_and_consistent_codes() -> None:
    for name, sport, sub_sport in ACTIVITY_TYPES.values():
        assert name
        assert (sport is None) == (sub_sport is None)


# ================================================================================= SML


def test_sml_local_start_is_placed_by_the_utc_samples() -> None:
    data = sml(header_xml(), FIRST, sample("2014-08-22T08:16:15.513Z", "40.648"))

    assert suunto_sml.parse(data) == ParsedFile(
        format="suunto_sml",
        kind="activity",
        sessions=(
            SessionRecord(
                source_format="suunto_sml",
                index=0,
                start_utc=datetime(2014, 8, 22, 8, 15, 36, tzinfo=UTC),
                elapsed_s=3600.0,
                moving_s=3600.0,
                sport=11,
                sub_sport=0,
                sport_name="Walking",
                activity_name="Gehen",
                distance_m=4200.0,
                device=AMBIT,
                utc_offset_s=7200,
            ),
        ),
    )


def test_sml_pauses_are_removed_from_moving_time() -> None:
    # 10:00 local = 08:00 UTC; paused 08:20-08:30; the last sample at 09:10: 70 min elapsed
    data = sml(
        header_xml(date_time="2014-08-22T10:00:00", duration="4200"),
        sample("2014-08-22T08:00:00Z", "0", "False"),
        sample("2014-08-22T08:20:00Z", "1200", "True"),
        sample("2014-08-22T08:30:00Z", "1200", "False"),
        sample("2014-08-22T09:10:00Z", "3600"),
    )

    (session,) = suunto_sml.parse(data).sessions

    assert (session.elapsed_s, session.moving_s) == (4200.0, 3600.0)


def test_sml_without_zoned_utc_samples_is_floating() -> None:
    data = sml(header_xml(), sample("2014-08-22T10:15:36", "0"))

    (session,) = suunto_sml.parse(data).sessions

    assert session.start_utc == datetime(2014, 8, 22, 10, 15, 36, tzinfo=UTC)
    assert (session.floating, session.utc_offset_s) == (True, None)


def test_sml_with_utc_samples_that_do_not_fit_is_floating_with_a_warning() -> None:
    data = sml(header_xml(), sample("2014-08-22T08:22:34Z", "0"))  # 1 h 53 min: no zone

    parsed = suunto_sml.parse(data)

    assert parsed.sessions[0].floating
    assert parsed.warnings == (
        "the header's local DateTime and the samples' UTC times disagree: the start is kept "
        "as local wall-clock time",
    )


def test_sml_date_time_with_a_zone_is_used_as_stated() -> None:
    data = sml(header_xml(date_time="2014-08-22T10:15:36+02:00"))

    (session,) = suunto_sml.parse(data).sessions

    assert session.start_utc == datetime(2014, 8, 22, 8, 15, 36, tzinfo=UTC)
    assert session.utc_offset_s == 7200


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            sml(header_xml(date_time="yesterday")),
            "Suunto log header has no readable DateTime ('yesterday')",
        ),
        (
            b'<sml xmlns="http://www.suunto.com/schemas/sml"><DeviceLog/></sml>',
            "Suunto SML file without <DeviceLog><Header>: no exercise summary",
        ),
        (b"<sml><DeviceLog>", "not well-formed XML"),
        (b"<gpx/>", "not a Suunto SML file: root element <gpx>"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE sml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<sml><DeviceLog><Header><Activity>&x;</Activity></Header></DeviceLog></sml>",
            "XML entity declarations are not allowed",
        ),
    ],
)
def test_sml_broken_files_are_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as raised:
        suunto_sml.parse(data)

    assert raised.value.reason.startswith(reason)


# ====================================================================== Moveslink2 XML


def test_moveslink_log_with_several_top_level_elements() -> None:
    data = moveslink_xml(
        header_xml(tag="header", activity_type="3", activity_name="Laufen"),
        sample("2014-08-22T08:15:40.865Z", "6"),
    )

    assert suunto_xml.parse(data) == ParsedFile(
        format="suunto_xml",
        kind="activity",
        sessions=(
            SessionRecord(
                source_format="suunto_xml",
                index=0,
                start_utc=datetime(2014, 8, 22, 8, 15, 36, tzinfo=UTC),
                elapsed_s=3600.0,
                moving_s=3600.0,
                sport=1,
                sub_sport=0,
                sport_name="Running",
                activity_name="Laufen",
                distance_m=4200.0,
                device=Device("suunto", None, None),
                utc_offset_s=7200,
            ),
        ),
    )


def test_moveslink_log_keeps_its_declared_encoding() -> None:
    header = header_xml(tag="header", activity_type="999", activity_name="Rückenschule")
    data = moveslink_xml(header, encoding="iso-8859-1")

    (session,) = suunto_xml.parse(data).sessions

    assert session.sport_name == session.activity_name == "Rückenschule"


@pytest.mark.parametrize(
    ("prolog", "reason"),
    [
        (
            '<!DOCTYPE header [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
            "XML entity declarations are not allowed",
        ),
        ("<!DOCTYPE header>", "XML document type declarations (DOCTYPE/DTD) are not allowed"),
    ],
)
def test_moveslink_log_refuses_a_doctype(prolog: str, reason: str) -> None:
    data = f'<?xml version="1.0"?>\n{prolog}\n{header_xml(tag="header")}'.encode()

    assert suunto_xml.sniff(data[:4096])
    with pytest.raises(RejectedFile) as raised:
        suunto_xml.parse(data)

    assert raised.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b'<?xml version="1.0"?><Samples/>', "Suunto log XML without a <header> element"),
        (b"<header><Duration>1</Duration>", "not well-formed XML"),
    ],
)
def test_moveslink_broken_files_are_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as raised:
        suunto_xml.parse(data)

    assert raised.value.reason.startswith(reason)


# ============================================================================ app JSON


SPARTAN = Device("suunto", "Amsterdam", "1234")


def test_json_multisport_legs_are_sessions_with_their_windows() -> None:
    windows = [
        window("Lap", 12, 600, 800),
        window("Activity", 12, 1190, 1600),
        window("Activity", 23, 1800, 0),
        window("Move", 2, 2990, 1600),
    ]

    assert suunto_json.parse(device_log(LEGS, windows)) == ParsedFile(
        format="suunto_json",
        kind="activity",
        sessions=(
            SessionRecord(
                source_format="suunto_json",
                index=0,
                start_utc=datetime(2018, 4, 9, 9, 0, tzinfo=UTC),
                elapsed_s=1200.0,
                moving_s=1190.0,
                sport=11,
                sub_sport=0,
                sport_name="Walking",
                distance_m=1600.0,
                device=SPARTAN,
                utc_offset_s=7200,
            ),
            SessionRecord(
                source_format="suunto_json",
                index=1,
                start_utc=datetime(2018, 4, 9, 9, 20, tzinfo=UTC),
                elapsed_s=1860.0,
                moving_s=1800.0,
                sport=10,
                sub_sport=20,
                sport_name="Weight training",
                distance_m=0.0,
                device=SPARTAN,
                utc_offset_s=7200,
            ),
        ),
    )


def test_json_legs_without_windows_take_pauses_out() -> None:
    (walk, strength) = suunto_json.parse(device_log(LEGS, [])).sessions

    assert (walk.elapsed_s, walk.moving_s, walk.distance_m) == (1200.0, 1200.0, None)
    assert (strength.elapsed_s, strength.moving_s) == (1860.0, 1800.0)


def test_json_windows_that_do_not_pair_are_not_used() -> None:
    parsed = suunto_json.parse(device_log(LEGS, [window("Activity", 3, 10, 10)]))

    assert [session.moving_s for session in parsed.sessions] == [1200.0, 1800.0]
    assert parsed.warnings == (
        "activity summaries do not pair with the legs: moving time from pauses",
    )


def test_json_without_activity_events_is_one_session_from_the_header() -> None:
    (session,) = suunto_json.parse(device_log([], [])).sessions

    assert session == SessionRecord(
        source_format="suunto_json",
        index=0,
        start_utc=datetime(2018, 4, 9, 9, 0, tzinfo=UTC),
        elapsed_s=3060.0,
        moving_s=3000.0,
        sport_name="Multisport",
        distance_m=5000.0,
        device=SPARTAN,
        utc_offset_s=7200,
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"DeviceLog": {"Header": ', "broken JSON at line 1"),
        (b'{"DeviceLog": {}}', "Suunto JSON without DeviceLog.Header"),
        (b'{"DeviceLog": []}', "Suunto JSON without DeviceLog.Header"),
        (
            b'{"DeviceLog": {"Header": {"DateTime": "soon"}}}',
            "Suunto JSON header without a readable DateTime and Duration ('soon', None)",
        ),
        (b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_json_broken_files_are_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as raised:
        suunto_json.parse(data)

    assert raised.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        (suunto_json, device_log(LEGS, [])),
        (suunto_sml, sml(header_xml(), FIRST)),
        (suunto_xml, moveslink_xml(header_xml(tag="header"), FIRST)),
    ],
)
def test_truncated_files_never_raise_anything_else(module: object, source: bytes) -> None:
    for end in range(0, len(source), 5):
        try:
            result = module.parse(source[:end])  # type: ignore[attr-defined]
        except UnusableFile:
            continue
        assert isinstance(result, ParsedFile)
