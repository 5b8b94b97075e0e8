"""The Apple Health reader on hand-written export.xml documents."""

from __future__ import annotations

import hashlib
import io
import random
import resource
from datetime import UTC, datetime

import pytest
from lxml import etree

from ingest import apple_health
from ingest.apple_health import (
    CDA_SKIPPED,
    DANCE_AS_PILATES,
    ENTITY_REJECTED,
    MALFORMED_DTD,
    NOTHING_USABLE,
    device_of,
    parse,
    parse_stream,
    sniff,
)
from ingest.detect import detect_format
from ingest.records import (
    Device,
    ParsedFile,
    RejectedFile,
    SessionRecord,
    SkippedFile,
    StepColumns,
    StepInterval,
    UnusableFile,
    WearSpan,
)

WATCH_ATTR = (
    "&lt;&lt;HKDevice: 0x282a45810&gt;, name:Apple Watch, manufacturer:Apple Inc., "
    "model:Watch, hardware:Watch4,2, software:5.2&gt;"
)
PHONE_ATTR = (
    "&lt;&lt;HKDevice: 0x281f3c5a0&gt;, name:iPhone, manufacturer:Apple Inc., "
    "model:iPhone, hardware:iPhone10,6, software:12.3&gt;"
)


def src(name: str) -> str:
    return "src-" + hashlib.sha256(name.encode()).hexdigest()[:8]


WATCH = Device("Apple Inc.", "Watch (Watch4,2)", src("Anna’s Apple Watch"))
PHONE = Device("Apple Inc.", "iPhone (iPhone10,6)", src("Anna’s iPhone"))

# The shape of a real export's prolog (abridged): declaration, internal DTD with a comment.
PROLOG = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
]>
"""
# iOS 16: an ATTLIST never closed, a stray ">" before "]>".
PROLOG_IOS16 = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 12 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST VisionPrescription
  type             CDATA #REQUIRED
  brand            CDATA #IMPLIED
<!ELEMENT RightEye EMPTY>
<!ATTLIST RightEye
  sphere CDATA #IMPLIED
>
>
]>
"""


def export(*elements: str, prolog: str = PROLOG) -> bytes:
    body = "\n".join(elements)
    return (
        f'{prolog}<HealthData locale="de_DE">\n'
        ' <ExportDate value="2024-06-01 08:10:05 +0200"/>\n'
        ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1968-04-12"/>\n'
        f"{body}\n</HealthData>\n"
    ).encode()


def steps(
    value: str,
    start: str,
    end: str,
    source: str = "Anna’s iPhone",
    device: str | None = PHONE_ATTR,
    children: str = "",
    kind: str = "HKQuantityTypeIdentifierStepCount",
) -> str:
    attr = f' device="{device}"' if device else ""
    head = (
        f' <Record type="{kind}" sourceName="{source}" sourceVersion="12.3"{attr} '
        f'unit="count" creationDate="{end}" startDate="{start}" endDate="{end}" value="{value}"'
    )
    return f"{head}>{children}</Record>" if children else f"{head}/>"


def workout(kind: str, children: str = "", **attrs: str) -> str:
    values = {
        "duration": "30",
        "durationUnit": "min",
        "sourceName": "Anna’s Apple Watch",
        "sourceVersion": "5.2",
        "device": WATCH_ATTR,
        "startDate": "2019-06-11 15:00:00 +0200",
        "endDate": "2019-06-11 15:35:00 +0200",
    } | attrs
    text = " ".join(f'{k}="{v}"' for k, v in values.items() if v)
    return (
        f' <Workout workoutActivityType="HKWorkoutActivityType{kind}" {text}>{children}</Workout>'
    )


def meta(key: str, value: str) -> str:
    return f'<MetadataEntry key="{key}" value="{value}"/>'


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def session(**fields: object) -> SessionRecord:
    values: dict[str, object] = {
        "source_format": "apple_health",
        "index": 0,
        "start_utc": utc(2019, 6, 11, 13, 0),
        "elapsed_s": 2100.0,
        "moving_s": 1800.0,
        "device": WATCH,
        "utc_offset_s": 7200,
    } | fields
    return SessionRecord(**values)  # type: ignore[arg-type]


# ------------------------------------------------------------------------- workouts


def test_walk_is_one_whole_session() -> None:
    data = export(
        workout(
            "Walking",
            meta("HKIndoorWorkout", "0") + meta("HKTimeZone", "Europe/Berlin"),
            totalDistance="2.5",
            totalDistanceUnit="km",
            totalEnergyBurned="120",
            totalEnergyBurnedUnit="kcal",
        )
    )

    assert parse(data) == ParsedFile(
        format="apple_health",
        kind="export",
        sessions=(
            session(
                sport=11,
                sub_sport=0,
                sport_name="HKWorkoutActivityTypeWalking",
                distance_m=2500.0,
            ),
        ),
    )


@pytest.mark.parametrize(
    ("kind", "sport", "sub_sport", "warnings"),
    [
        ("Walking", 11, 0, ()),
        ("Hiking", 17, 0, ()),
        ("TraditionalStrengthTraining", 10, 20, ()),
        ("FunctionalStrengthTraining", 10, 20, ()),
        ("CoreTraining", 10, 20, ()),
        ("Pilates", 10, 44, ()),
        ("Yoga", 10, 43, ()),
        ("TaiChi", None, None, ()),
        ("MindAndBody", None, None, ()),
        ("Flexibility", 10, 19, ()),
        ("DanceInspiredTraining", 10, 44, (DANCE_AS_PILATES,)),
        ("Running", 1, 0, ()),
        ("Cycling", 2, 0, ()),
        ("Swimming", 5, 0, ()),
        ("Elliptical", None, None, ()),
        ("HighIntensityIntervalTraining", None, None, ()),
        ("Other", None, None, ()),
    ],
)
def test_activity_types_map_to_fit_codes_and_keep_their_name(
    kind: str, sport: int | None, sub_sport: int | None, warnings: tuple[str, ...]
) -> None:
    parsed = parse(export(workout(kind)))

    assert parsed.sessions == (
        session(sport=sport, sub_sport=sub_sport, sport_name=f"HKWorkoutActivityType{kind}"),
    )
    assert parsed.warnings == warnings


def test_the_dance_warning_is_given_once_per_file() -> None:
    parsed = parse(export(workout("DanceInspiredTraining"), workout("DanceInspiredTraining")))

    assert [s.index for s in parsed.sessions] == [0, 1]
    assert parsed.warnings == (DANCE_AS_PILATES,)


def test_indoor_walk_is_indoor_walking() -> None:
    parsed = parse(export(workout("Walking", meta("HKIndoorWorkout", "1"))))

    assert (parsed.sessions[0].sport, parsed.sessions[0].sub_sport) == (11, 27)


@pytest.mark.parametrize(
    ("duration", "unit", "moving_s"),
    [
        ("30", "min", 1800.0),
        ("1800", "s", 1800.0),
        ("0.5", "h", 1800.0),
        ("45", "min", 2100.0),  # more than the elapsed time: capped
        ("", "", 2100.0),  # no duration: the elapsed time
    ],
)
def test_moving_time_from_duration(duration: str, unit: str, moving_s: float) -> None:
    parsed = parse(export(workout("Yoga", duration=duration, durationUnit=unit)))

    assert parsed.sessions[0].moving_s == moving_s
    assert parsed.sessions[0].elapsed_s == 2100.0


def test_unknown_duration_unit_uses_elapsed_time_with_a_warning() -> None:
    parsed = parse(export(workout("Yoga", durationUnit="fortnight")))

    assert parsed.sessions[0].moving_s == 2100.0
    assert parsed.warnings == (
        "unknown workout durationUnit 'fortnight': the elapsed time was used",
    )


@pytest.mark.parametrize(
    ("value", "unit", "metres"),
    [
        ("2.5", "km", 2500.0),
        ("1", "mi", 1609.344),
        ("1500", "m", 1500.0),
        ("100", "yd", 91.44),
    ],
)
def test_distance_units(value: str, unit: str, metres: float) -> None:
    parsed = parse(export(workout("Walking", totalDistance=value, totalDistanceUnit=unit)))

    assert parsed.sessions[0].distance_m == pytest.approx(metres)


def test_ios16_workout_statistics_give_distance_and_steps() -> None:
    span = 'startDate="2022-10-01 09:00:00 +0200" endDate="2022-10-01 09:50:00 +0200"'
    children = (
        meta("HKTimeZone", "Europe/Berlin")
        + '<WorkoutEvent type="HKWorkoutEventTypePause" date="2022-10-01 09:20:00 +0200"/>'
        + '<WorkoutEvent type="HKWorkoutEventTypeResume" date="2022-10-01 09:25:00 +0200"/>'
        + f'<WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" {span} '
        'sum="210.5" unit="kcal"/>'
        + f'<WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" {span} '
        'sum="3.9" unit="km"/>'
        + f'<WorkoutStatistics type="HKQuantityTypeIdentifierStepCount" {span} '
        'sum="5230" unit="count"/>'
        + '<WorkoutRoute sourceName="Anna’s iPhone" startDate="2022-10-01 09:00:00 +0200" '
        'endDate="2022-10-01 09:50:00 +0200">'
        '<FileReference path="/workout-routes/route_2022-10-01_9.00am.gpx"/></WorkoutRoute>'
    )
    data = export(
        workout(
            "Walking",
            children,
            duration="45",
            startDate="2022-10-01 09:00:00 +0200",
            endDate="2022-10-01 09:50:00 +0200",
        )
    )

    assert parse(data).sessions == (
        session(
            start_utc=utc(2022, 10, 1, 7, 0),
            elapsed_s=3000.0,
            moving_s=2700.0,
            sport=11,
            sub_sport=0,
            sport_name="HKWorkoutActivityTypeWalking",
            distance_m=pytest.approx(3900.0),
            steps=5230,
        ),
    )


def test_steps_from_a_metadata_entry() -> None:
    parsed = parse(export(workout("Walking", meta("Steps", "4100"))))

    assert parsed.sessions[0].steps == 4100


def test_workout_without_device_attribute_is_its_source() -> None:
    parsed = parse(export(workout("Yoga", device="", sourceName="Down Dog")))

    assert parsed.sessions[0].device == Device(serial=src("Down Dog"))


# --------------------------------------------------------------------------- steps


def test_phone_and_watch_steps_of_the_same_minutes_keep_their_own_devices() -> None:
    data = export(
        steps("412", "2019-06-11 09:00:10 +0200", "2019-06-11 09:05:40 +0200"),
        steps(
            "88.6",
            "2019-06-11 09:00:00 +0200",
            "2019-06-11 09:01:00 +0200",
            source="Anna’s Apple Watch",
            device=WATCH_ATTR,
        ),
        steps(
            "350",
            "2019-06-11 09:00:00 +0200",
            "2019-06-11 09:15:00 +0200",
            source="Connect",
            device=None,
        ),
    )

    assert parse(data) == ParsedFile(
        format="apple_health",
        kind="export",
        step_columns=StepColumns.from_records(
            (
                StepInterval(
                    utc(2019, 6, 11, 7, 0, 10), utc(2019, 6, 11, 7, 5, 40), 412, PHONE, None, 7200
                ),
                StepInterval(utc(2019, 6, 11, 7, 0), utc(2019, 6, 11, 7, 1), 89, WATCH, None, 7200),
                StepInterval(
                    utc(2019, 6, 11, 7, 0),
                    utc(2019, 6, 11, 7, 15),
                    350,
                    Device(serial=src("Connect")),
                    None,
                    7200,
                ),
            )
        ),
    )


def test_records_share_their_device_objects() -> None:
    first, second = parse(
        export(
            steps("10", "2019-06-11 09:00:00 +0200", "2019-06-11 09:01:00 +0200"),
            steps(
                "20",
                "2019-06-11 09:01:00 +0200",
                "2019-06-11 09:02:00 +0200",
                device=PHONE_ATTR.replace("0x281f3c5a0", "0x99999999a"),
            ),
        )
    ).step_records()

    assert first.device is second.device


def test_other_record_types_are_ignored() -> None:
    other = [
        steps("72", "2019-06-11 09:00:00 +0200", "2019-06-11 09:00:00 +0200", kind=kind)
        for kind in (
            "HKQuantityTypeIdentifierRestingHeartRate",
            "HKQuantityTypeIdentifierActiveEnergyBurned",
            "HKQuantityTypeIdentifierDistanceWalkingRunning",
            "HKCategoryTypeIdentifierSleepAnalysis",
        )
    ]
    summary = (
        ' <ActivitySummary dateComponents="2019-06-11" activeEnergyBurned="590.2" '
        'appleExerciseTime="68" appleStandHours="13"/>'
    )

    with pytest.raises(SkippedFile) as skipped:
        parse(export(*other, summary))

    assert skipped.value.reason == NOTHING_USABLE


HR = "HKQuantityTypeIdentifierHeartRate"


def heart(value: str, at: str, source: str = "Anna’s Apple Watch") -> str:
    return steps(value, at, at, source=source, device=WATCH_ATTR, kind=HR)


def test_heart_rate_readings_give_wear_spans() -> None:
    # 08:00:10, 08:02:40, 08:07:40 (5 min after: joined), 08:13:00 (5 min 20 s after the
    # last reading, but 6 minutes later by the minute: a new span), one at 0 bpm (not a
    # reading) and one unreadable value. Spans: [08:00, 08:08) and [08:13, 08:14) local.
    data = export(
        heart("61", "2019-06-11 08:00:10 +0200"),
        heart("64", "2019-06-11 08:02:40 +0200"),
        heart("70", "2019-06-11 08:07:40 +0200"),
        heart("0", "2019-06-11 08:10:00 +0200"),
        heart("n/a", "2019-06-11 08:11:00 +0200"),
        heart("66", "2019-06-11 08:13:00 +0200"),
    )

    parsed = parse(data)

    assert parsed.sessions == () and parsed.step_records() == ()
    assert parsed.wear_spans == (
        WearSpan(utc(2019, 6, 11, 6, 0), utc(2019, 6, 11, 6, 8), WATCH, utc_offset_s=7200),
        WearSpan(utc(2019, 6, 11, 6, 13), utc(2019, 6, 11, 6, 14), WATCH, utc_offset_s=7200),
    )


def test_heart_rate_of_each_source_is_joined_on_its_own() -> None:
    # the watch at 09:00 and 09:04, another watch at 09:02: two sources, two spans of
    # their own (the join never bridges devices)
    data = export(
        heart("60", "2019-06-11 09:00:00 +0200"),
        heart("62", "2019-06-11 09:02:00 +0200", source="Other Watch"),
        heart("61", "2019-06-11 09:04:59 +0200"),
    )

    spans = parse(data).wear_spans

    assert sorted((s.device.serial, s.start_utc, s.end_utc) for s in spans) == sorted(
        [
            (src("Anna’s Apple Watch"), utc(2019, 6, 11, 7, 0), utc(2019, 6, 11, 7, 5)),
            (src("Other Watch"), utc(2019, 6, 11, 7, 2), utc(2019, 6, 11, 7, 3)),
        ]
    )


def test_an_export_of_only_unreadable_heart_rate_holds_nothing() -> None:
    with pytest.raises(SkippedFile) as skipped:
        parse(export(heart("0", "2019-06-11 08:00:00 +0200")))

    assert skipped.value.reason == NOTHING_USABLE


def test_records_inside_a_correlation_are_not_counted_twice() -> None:
    record = steps("100", "2019-06-11 09:00:00 +0200", "2019-06-11 09:01:00 +0200")
    correlation = (
        ' <Correlation type="HKCorrelationTypeIdentifierFood" sourceName="App" '
        'startDate="2019-06-11 09:00:00 +0200" endDate="2019-06-11 09:01:00 +0200">'
        f"{meta('HKWasUserEntered', '1')}{record}</Correlation>"
    )

    parsed = parse(export(record, correlation))

    assert [s.steps for s in parsed.step_records()] == [100]


def test_unreadable_step_records_are_left_out_with_a_count() -> None:
    parsed = parse(
        export(
            steps("100", "2019-06-11 09:00:00 +0200", "2019-06-11 09:01:00 +0200"),
            steps("oops", "2019-06-11 09:01:00 +0200", "2019-06-11 09:02:00 +0200"),
            steps("5", "yesterday", "2019-06-11 09:02:00 +0200"),
            steps("5", "2019-06-11 09:03:00 +0200", "2019-06-11 09:02:00 +0200"),
        )
    )

    assert [s.steps for s in parsed.step_records()] == [100]
    assert parsed.warnings == ("3 StepCount records with unreadable dates or values were left out",)


# ------------------------------------------------------------------------ devices


@pytest.mark.parametrize(
    ("source", "device", "expected"),
    [
        (
            "Anna’s Apple Watch",
            "<<HKDevice: 0x282a45810>, name:Apple Watch, manufacturer:Apple Inc., "
            "model:Watch, hardware:Watch4,2, software:5.2>",
            WATCH,
        ),
        (
            "Simon’s iPhone",
            "<<HKDevice: 0x1>, name:iPhone, manufacturer:Apple, model:iPhone, "
            "hardware:iPhone10,6, software:12.3, localIdentifier:x>",
            Device("Apple", "iPhone (iPhone10,6)", src("Simon’s iPhone")),
        ),
        (
            "Connect",
            "<<HKDevice: 0x2>, name:Forerunner 245, manufacturer:Garmin>",
            Device("Garmin", "Forerunner 245", src("Connect")),
        ),
        ("Connect", None, Device(None, None, src("Connect"))),
        (None, "name:Mi Band, manufacturer:Xiaomi", Device("Xiaomi", "Mi Band")),
        (None, None, Device()),
    ],
)
def test_device_of(source: str | None, device: str | None, expected: Device) -> None:
    assert device_of(source, device) == expected


# ---------------------------------------------------------------------- time zones


def test_offset_is_the_dates_own() -> None:
    parsed = parse(export(steps("10", "2019-01-11 09:00:00 -0230", "2019-01-11 09:01:00 -0230")))

    assert parsed.step_records()[0].start_utc == utc(2019, 1, 11, 11, 30)
    assert parsed.step_records()[0].utc_offset_s == -9000


def test_hk_time_zone_metadata_gives_the_offset_at_the_start() -> None:
    # Written by an export made in summer (-0700); the workout was in November (PST).
    parsed = parse(
        export(
            workout(
                "Running",
                meta("HKTimeZone", "America/Los_Angeles"),
                startDate="2016-11-14 07:25:41 -0700",
                endDate="2016-11-14 07:30:52 -0700",
                duration="5",
            )
        )
    )

    assert parsed.sessions[0].start_utc == utc(2016, 11, 14, 14, 25, 41)
    assert parsed.sessions[0].utc_offset_s == -28800


def test_unknown_time_zone_name_keeps_the_dates_offset() -> None:
    parsed = parse(export(workout("Yoga", meta("HKTimeZone", "Mars/Olympus_Mons"))))

    assert parsed.sessions[0].utc_offset_s == 7200


def test_date_without_offset_is_floating_wall_time() -> None:
    parsed = parse(export(steps("10", "2019-06-11 09:00:00", "2019-06-11 09:01:00")))

    assert parsed.step_records() == (
        StepInterval(utc(2019, 6, 11, 9), utc(2019, 6, 11, 9, 1), 10, PHONE, None, None, True),
    )


# -------------------------------------------------------------------- XML and DTD

STEP = steps("10", "2019-06-11 09:00:00 +0200", "2019-06-11 09:01:00 +0200")

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaa">\n'
    + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(8))
    + ']>\n<HealthData><Record type="HKQuantityTypeIdentifierStepCount" sourceName="&i;" '
    'startDate="2019-06-11 09:00:00 +0200" endDate="2019-06-11 09:01:00 +0200" value="1">'
    "&i;</Record></HealthData>"
).encode()


def test_a_real_style_dtd_is_accepted() -> None:
    assert parse(export(STEP)).warnings == ()


def test_the_malformed_ios16_dtd_is_accepted_with_a_warning() -> None:
    parsed = parse(export(STEP, prolog=PROLOG_IOS16))

    assert [s.steps for s in parsed.step_records()] == [10]
    assert parsed.warnings == (MALFORMED_DTD,)


def test_lxml_alone_would_stop_a_billion_laughs_too() -> None:
    # The second line of defence, documented: lxml 6.1 / libxml2 2.14 with our options
    # refuses the expansion instead of building gigabytes.
    with pytest.raises(etree.XMLSyntaxError, match="amplification"):
        for _ in etree.iterparse(
            io.BytesIO(BILLION_LAUGHS),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        ):
            pass


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        b'<?xml version="1.0"?><!DOCTYPE HealthData [<!ENTITY xxe SYSTEM '
        b'"file:///etc/passwd">]><HealthData><Record value="&xxe;"/></HealthData>',
        b"<!DOCTYPE HealthData [<!ENTITY % p SYSTEM 'http://example.invalid/x.dtd'> %p;]>"
        b"<HealthData/>",
        # hidden behind an unclosed declaration, iOS 16 style
        b"<!DOCTYPE HealthData [<!ATTLIST Record type CDATA #REQUIRED\n"
        b'<!ENTITY a "x">]><HealthData/>',
    ],
    ids=["billion-laughs", "xxe", "parameter-entity", "after-unclosed-attlist"],
)
def test_entity_declarations_are_rejected_before_parsing(document: bytes) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    with pytest.raises(RejectedFile) as rejected:
        parse(document)

    assert rejected.value.reason == ENTITY_REJECTED
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 10_000  # kB


def test_an_undeclared_entity_reference_is_malformed_xml() -> None:
    # line 19 of the document: blanking the DTD keeps libxml2's line numbers true
    with pytest.raises(RejectedFile) as rejected:
        parse(export(STEP.replace('value="10"', 'value="&ten;"')))

    assert rejected.value.reason == (
        "malformed Apple Health export (XML error at line 19, column 374: Entity 'ten' not defined)"
    )


def test_forbidden_control_characters_are_read_as_spaces() -> None:
    note = meta("HKMetadataKeyUserNote", "morning\x0bwalk")
    parsed = parse(export(workout("Walking", note)))

    assert len(parsed.sessions) == 1
    assert parsed.warnings == (
        "1 control characters XML does not allow (e.g. vertical tab) were read as spaces",
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file (0 bytes)"),
        (
            b'<?xml version="1.0"?>\n<gpx version="1.1"></gpx>',
            "not an Apple Health export: the root element is <gpx>, not <HealthData>",
        ),
        (
            b'<?xml version="1.0"?>\n<!-- never closed',
            "not an Apple Health export: the file ends before its root element",
        ),
        (
            b"date,steps\n2019-06-11,4000\n",
            "not an Apple Health export: no XML root element (byte 0 is b'date,steps\\n2019-06-1')",
        ),
    ],
)
def test_not_an_export(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as rejected:
        parse(data)

    assert rejected.value.reason == reason


def test_a_truncated_export_is_rejected() -> None:
    data = export(STEP, STEP)

    with pytest.raises(RejectedFile) as rejected:
        parse(data[: len(data) - 40])

    assert rejected.value.reason.startswith("malformed Apple Health export (XML error at line ")


def test_a_prolog_without_end_is_refused_after_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(apple_health, "PROLOG_LIMIT", 100_000)
    data = b"<!DOCTYPE HealthData [" + b"<!-- padding -->" * 20_000

    with pytest.raises(RejectedFile) as rejected:
        parse(data)

    assert rejected.value.reason == (
        "not an Apple Health export: no root element in the first 100000 bytes (Apple's DTD "
        "is about 10 kB)"
    )


def test_apples_clinical_document_is_skipped() -> None:
    cda = (
        b'<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="CDA.xsl"?>\n'
        b'<ClinicalDocument xmlns="urn:hl7-org:v3">\n <realmCode code="US"/>\n'
        b' <id extension="Health Export CDA" root="1.1.1.1.1.1.1.1.1"/>\n'
        b" <title>Health Data Export</title>\n</ClinicalDocument>\n"
    )

    assert sniff(cda)
    with pytest.raises(SkippedFile) as skipped:
        parse(cda)

    assert skipped.value.reason == CDA_SKIPPED


def test_parse_and_parse_stream_agree() -> None:
    data = export(STEP, workout("Pilates"))

    assert parse(data) == parse_stream(io.BytesIO(data))


def test_damaged_exports_never_raise_anything_else() -> None:
    rng = random.Random(11)
    base = export(
        STEP,
        workout("Walking", meta("HKTimeZone", "Europe/Berlin"), totalDistance="2"),
        prolog=PROLOG_IOS16,
    )
    for _ in range(300):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        try:
            parse(bytes(data))
        except UnusableFile as error:
            assert "unexpected" not in error.reason


# ------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (export(STEP), True),
        (export(STEP)[:4096], True),
        (export(STEP, prolog=PROLOG_IOS16), True),
        (b"\xef\xbb\xbf<HealthData locale='en_US'>", True),
        (b"<!-- x --><?pi?>\n<HealthData/>", True),
        (b"<?xml version='1.0'?><!DOCTYPE HealthData [" + b" " * 5000, True),
        (b"<HealthDataExtra/>", False),
        (b"<?xml version='1.0'?><gpx creator='Apple Health Export'/>", False),
        (b"<TrainingCenterDatabase/>", False),
        (b"<ClinicalDocument><title>Note</title></ClinicalDocument>", False),
        (b"date,steps\n", False),
        (b"", False),
    ],
    ids=[
        "export",
        "first-4096-bytes",
        "ios16-dtd",
        "bom",
        "comment-and-pi",
        "long-dtd",
        "other-name",
        "gpx",
        "tcx",
        "other-cda",
        "csv",
        "empty",
    ],
)
def test_sniff(head: bytes, expected: bool) -> None:
    assert sniff(head) is expected
    assert (detect_format(head) == "apple_health") is expected


def test_sniff_is_safe_on_short_input() -> None:
    for length in range(40):
        for fill in (b"<", b"\xff", b"<!DOCTYPE "):
            assert sniff((fill * 40)[:length]) in (True, False)
