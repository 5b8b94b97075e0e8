"""Realistic, deterministic Apple Health exports of any size, for tests and benchmarks.

``write_apple_export(path, megabytes=1024)`` writes an ``export.xml`` (or, with
``zipped=True``, an ``export.zip`` laid out as the Health app does) of about that many
MiB of XML (1024: 1 GiB), shaped like a real multi-year export of someone in Europe/Berlin:

* the XML declaration and Apple's internal DTD (``HealthKit Export Version: 14``; with
  ``ios16_dtd=True`` the malformed one iOS 16 wrote: an ``ATTLIST`` never closed and a
  stray ``>``), ``ExportDate`` and ``Me``;
* day after day, the records of every type a phone and a watch write, interleaved in time:
  ``StepCount`` from the iPhone *and* the Apple Watch over the same walking minutes (the
  phone in chunks of 1-10 minutes, the watch in ~1-minute chunks, counts a few percent
  apart), on some days also from Garmin ``Connect`` (no ``device`` attribute);
  ``DistanceWalkingRunning``, ``HeartRate`` (with ``MetadataEntry`` children),
  ``ActiveEnergyBurned``, ``BasalEnergyBurned``, ``AppleExerciseTime``, ``AppleStandTime``,
  ``AppleStandHour``, ``FlightsClimbed``, ``HeartRateVariabilitySDNN`` (with its
  ``HeartRateVariabilityMetadataList``), ``SleepAnalysis``, blood pressure;
* then ``Correlation`` elements (blood pressure, their records repeated inside),
  ``Workout`` elements of many types (walks, hikes, strength, core, Pilates, Yoga, Tai
  Chi, mind and body, flexibility, dance, runs, rides, swims, ellipticals), older ones
  with ``totalDistance`` attributes and an inline ``WorkoutRoute``, those from
  2022-09 on in the iOS 16 style (``WorkoutStatistics``, ``WorkoutEvent``, a
  ``WorkoutRoute`` with a ``FileReference``), and one ``ActivitySummary`` per day.

The zip holds ``apple_health_export/export.xml``, ``export_cda.xml`` (the clinical
document) and one ``workout-routes/route_*.gpx`` per referenced route. Dates carry the
Europe/Berlin offset of their own day (summer time included). The same arguments always
give the same bytes.

:func:`summarize` counts what a reader should find in a generated (or any) export.xml.
"""

from __future__ import annotations

import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Berlin")
FIRST_DAY = date(2019, 3, 1)
MEMBER = "apple_health_export/export.xml"

_HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]

DTD = """<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|\
ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth                 CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex               CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType                   CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level \
records in this document. -->
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  totalDistance         CDATA #IMPLIED
  totalDistanceUnit     CDATA #IMPLIED
  totalEnergyBurned     CDATA #IMPLIED
  totalEnergyBurnedUnit CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutEvent (MetadataEntry?)>
<!ATTLIST WorkoutEvent
  type         CDATA #REQUIRED
  date         CDATA #REQUIRED
  duration     CDATA #IMPLIED
  durationUnit CDATA #IMPLIED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  average   CDATA #IMPLIED
  minimum   CDATA #IMPLIED
  maximum   CDATA #IMPLIED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT WorkoutRoute ((MetadataEntry|FileReference|Location)*)>
<!ATTLIST WorkoutRoute
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT FileReference EMPTY>
<!ATTLIST FileReference
  path CDATA #REQUIRED
>
<!ELEMENT Location EMPTY>
<!ATTLIST Location
  date CDATA #REQUIRED latitude CDATA #REQUIRED longitude CDATA #REQUIRED
  altitude CDATA #REQUIRED horizontalAccuracy CDATA #REQUIRED
  verticalAccuracy CDATA #REQUIRED course CDATA #REQUIRED speed CDATA #REQUIRED
>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents           CDATA #IMPLIED
  activeEnergyBurned       CDATA #IMPLIED
  activeEnergyBurnedGoal   CDATA #IMPLIED
  activeEnergyBurnedUnit   CDATA #IMPLIED
  appleMoveTime            CDATA #IMPLIED
  appleMoveTimeGoal        CDATA #IMPLIED
  appleExerciseTime        CDATA #IMPLIED
  appleExerciseTimeGoal    CDATA #IMPLIED
  appleStandHours          CDATA #IMPLIED
  appleStandHoursGoal      CDATA #IMPLIED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
<!ELEMENT VisionPrescription ((RightEye|LeftEye|Attachment|MetadataEntry)*)>
<!ATTLIST VisionPrescription
  type             CDATA #REQUIRED
  dateIssued       CDATA #REQUIRED
  expirationDate   CDATA #IMPLIED
  brand            CDATA #IMPLIED
>
<!ELEMENT RightEye EMPTY>
<!ATTLIST RightEye
  sphere CDATA #IMPLIED
  cylinder CDATA #IMPLIED
>
]>
"""

# iOS 16: the VisionPrescription ATTLIST is never closed and a stray ">" precedes "]>".
DTD_IOS16 = (
    DTD.replace(
        "  brand            CDATA #IMPLIED\n>\n<!ELEMENT RightEye",
        "  brand            CDATA #IMPLIED\n<!ELEMENT RightEye",
    )
    .replace("HealthKit Export Version: 14", "HealthKit Export Version: 12")
    .replace("  cylinder CDATA #IMPLIED\n>\n]>", "  cylinder CDATA #IMPLIED\n>\n>\n]>")
)

_CDA = """<?xml version="1.0"?>
<?xml-stylesheet type="text/xsl" href="CDA.xsl"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <realmCode code="US"/>
 <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
 <templateId root="2.16.840.1.113883.10.20.22.1.2"/>
 <id extension="Health Export CDA" root="1.1.1.1.1.1.1.1.1"/>
 <code codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" code="34109-9" \
displayName="Note"/>
 <title>Health Data Export</title>
 <effectiveTime value="{stamp}"/>
</ClinicalDocument>
"""

Q = "HKQuantityTypeIdentifier"
C = "HKCategoryTypeIdentifier"
W = "HKWorkoutActivityType"

# (type, weight, minutes low, high, distance km/min or 0, outdoor with a route)
WORKOUTS: tuple[tuple[str, int, int, int, float, bool], ...] = (
    ("Walking", 30, 15, 75, 0.085, True),
    ("Hiking", 4, 60, 240, 0.07, True),
    ("TraditionalStrengthTraining", 8, 20, 60, 0.0, False),
    ("FunctionalStrengthTraining", 5, 20, 50, 0.0, False),
    ("CoreTraining", 5, 10, 30, 0.0, False),
    ("Pilates", 7, 30, 60, 0.0, False),
    ("Yoga", 7, 20, 75, 0.0, False),
    ("TaiChi", 4, 20, 60, 0.0, False),
    ("MindAndBody", 3, 10, 30, 0.0, False),
    ("Flexibility", 3, 10, 25, 0.0, False),
    ("DanceInspiredTraining", 1, 20, 50, 0.0, False),
    ("Running", 6, 20, 60, 0.17, True),
    ("Cycling", 6, 30, 120, 0.35, True),
    ("Swimming", 3, 20, 50, 0.035, False),
    ("Elliptical", 2, 20, 45, 0.0, False),
    ("Other", 1, 10, 40, 0.0, False),
)
_WORKOUT_WEIGHTS = [w[1] for w in WORKOUTS]


@dataclass(frozen=True, slots=True)
class _Source:
    name: str
    version: str
    device: str  # with a %x slot for the HKDevice address, or "" for none


def _apple(kind: str, model: str, hardware: str, software: str) -> str:
    return (
        "&lt;&lt;HKDevice: 0x%09x&gt;, "
        f"name:{kind}, manufacturer:Apple Inc., model:{model}, hardware:{hardware}, "
        f"software:{software}&gt;"
    )


def _sources(year: int) -> tuple[_Source, _Source]:
    """The phone and the watch of that year (new hardware in 2021)."""
    if year < 2021:
        return (
            _Source(
                "Anna’s iPhone",
                f"{year - 2006}.3",
                _apple("iPhone", "iPhone", "iPhone11,8", f"{year - 2006}.3"),
            ),
            _Source(
                "Anna’s Apple Watch",
                f"{year - 2013}.2",
                _apple("Apple Watch", "Watch", "Watch4,2", f"{year - 2013}.2"),
            ),
        )
    return (
        _Source(
            "Anna’s iPhone",
            f"{year - 2006}.1",
            _apple("iPhone", "iPhone", "iPhone14,5", f"{year - 2006}.1"),
        ),
        _Source(
            "Anna’s Apple Watch",
            f"{year - 2013}.1",
            _apple("Apple Watch", "Watch", "Watch6,7", f"{year - 2013}.1"),
        ),
    )


GARMIN = _Source("Connect", "4.62", "")
HEALTH_MATE = _Source("Health Mate", "5060001", "")


@dataclass(slots=True)
class _Day:
    """One local day being written: its date prefix, offset and records."""

    rng: random.Random
    day: date
    prefix: str
    offset: str
    lines: list[str] = field(default_factory=list)

    def stamp(self, second: int) -> str:
        return self.prefix + _HMS[min(max(second, 0), 86399)] + self.offset

    def record(
        self,
        kind: str,
        source: _Source,
        unit: str | None,
        value: str,
        start: int,
        end: int,
        children: str = "",
    ) -> None:
        device = f' device="{source.device % self.rng.getrandbits(36)}"' if source.device else ""
        unit_attr = f' unit="{unit}"' if unit else ""
        head = (
            f' <Record type="{kind}" sourceName="{source.name}" sourceVersion="{source.version}"'
            f'{device}{unit_attr} creationDate="{self.stamp(end + 40)}" '
            f'startDate="{self.stamp(start)}" endDate="{self.stamp(end)}" value="{value}"'
        )
        if children:
            self.lines.append(f"{head}>\n{children} </Record>\n")
        else:
            self.lines.append(head + "/>\n")


@dataclass(slots=True)
class _Tail:
    """What is written after the records: correlations, workouts, summaries, routes."""

    correlations: list[str] = field(default_factory=list)
    workouts: list[str] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)
    routes: list[tuple[str, datetime, int]] = field(default_factory=list)  # name, start, s
    size: int = 0

    def add(self, bucket: list[str], text: str) -> None:
        bucket.append(text)
        self.size += len(text.encode())


def write_apple_export(
    path: Path,
    *,
    megabytes: int,
    seed: int = 3,
    zipped: bool = False,
    ios16_dtd: bool = False,
    first_day: date = FIRST_DAY,
) -> Path:
    """Write an export of about ``megabytes`` MiB of XML to ``path``
    (``export.zip`` layout when ``zipped``), its days starting at ``first_day``, and
    return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = max(1, megabytes) * 1024 * 1024
    if not zipped:
        with path.open("wb") as out:
            _write_xml(out, target, seed, ios16_dtd, first_day)
        return path
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(MEMBER, "w", force_zip64=True) as out:
            tail = _write_xml(out, target, seed, ios16_dtd, first_day)
        archive.writestr(
            "apple_health_export/export_cda.xml", _CDA.format(stamp="20240601081005+0200")
        )
        for name, start, seconds in tail.routes:
            archive.writestr(f"apple_health_export/workout-routes/{name}", _gpx(start, seconds))
    return path


def _write_xml(out: IO[bytes], target: int, seed: int, ios16_dtd: bool, first_day: date) -> _Tail:
    rng = random.Random(seed)
    tail = _Tail()
    written = 0

    def emit(text: str) -> None:
        nonlocal written
        data = text.encode()
        written += len(data)
        out.write(data)

    emit('<?xml version="1.0" encoding="UTF-8"?>\n')
    emit(DTD_IOS16 if ios16_dtd else DTD)
    emit('<HealthData locale="de_DE">\n <ExportDate value="2024-06-01 08:10:05 +0200"/>\n')
    emit(
        ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1968-04-12" '
        'HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" '
        'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" '
        'HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" '
        'HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n'
    )
    closing = "</HealthData>\n"
    number = 0
    while True:
        day = _new_day(rng, first_day + timedelta(days=number))
        _simulate_day(day, tail)
        emit("".join(day.lines))
        number += 1
        if written + tail.size + len(closing) >= target:
            break
    for bucket in (tail.correlations, tail.workouts, tail.summaries):
        emit("".join(bucket))
    emit(closing)
    return tail


def _new_day(rng: random.Random, day: date) -> _Day:
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=ZONE)
    seconds = int(noon.utcoffset().total_seconds())  # type: ignore[union-attr]
    sign = "+" if seconds >= 0 else "-"
    offset = f" {sign}{abs(seconds) // 3600:02d}{abs(seconds) // 60 % 60:02d}"
    return _Day(rng, day, f"{day.isoformat()} ", offset)


def _simulate_day(day: _Day, tail: _Tail) -> None:
    rng = day.rng
    phone, watch = _sources(day.day.year)
    watch_worn = rng.random() < 0.9
    garmin = rng.random() < 0.1
    wake, sleep = rng.randint(6 * 3600, 8 * 3600), rng.randint(22 * 3600, 23 * 3600 + 1800)

    bouts = sorted(
        (rng.randint(wake, sleep - 3600), rng.randint(2, 35) * 60, rng.randint(70, 118))
        for _ in range(rng.randint(5, 14))
    )
    workout = _workout_of_day(day, tail, watch, watch_worn) if rng.random() < 0.55 else None
    if workout is not None and workout[0] in ("Walking", "Hiking"):
        bouts.append((workout[1], workout[2], rng.randint(95, 120)))
    for start, seconds, cadence in bouts:
        _steps(day, phone, start, seconds, cadence * rng.uniform(0.85, 1.0), (60, 600), 0.8)
        if watch_worn:
            _steps(day, watch, start, seconds, cadence * rng.uniform(0.95, 1.05), (45, 120), 1.0)
            day.record(
                Q + "AppleExerciseTime", watch, "min", str(seconds // 60), start, start + seconds
            )
        if garmin:
            _steps(day, GARMIN, start - start % 900, seconds + 900, cadence * 0.9, (900, 900), 1)
    for _ in range(rng.randint(20, 40)):  # pottering about with the phone in a pocket
        start = rng.randint(wake, sleep)
        length = rng.randint(30, 300)
        day.record(Q + "StepCount", phone, "count", str(rng.randint(4, 60)), start, start + length)
    for _ in range(rng.randint(4, 14)):
        start = rng.randint(wake, sleep)
        day.record(Q + "FlightsClimbed", phone, "count", "1", start, start + 20)
    if watch_worn:
        _watch_vitals(day, watch, wake, sleep)
    if rng.random() < 0.04:
        _blood_pressure(day, tail)
    if rng.random() < 0.02:
        stamp = rng.randint(wake, wake + 1800)
        day.record(Q + "BodyMass", HEALTH_MATE, "kg", f"{rng.uniform(64, 70):.1f}", stamp, stamp)
    tail.add(
        tail.summaries,
        f' <ActivitySummary dateComponents="{day.day.isoformat()}" '
        f'activeEnergyBurned="{rng.uniform(150, 700):.3f}" activeEnergyBurnedGoal="450" '
        'activeEnergyBurnedUnit="kcal" appleMoveTime="0" appleMoveTimeGoal="0" '
        f'appleExerciseTime="{rng.randint(0, 90)}" appleExerciseTimeGoal="30" '
        f'appleStandHours="{rng.randint(4, 14)}" appleStandHoursGoal="12"/>\n',
    )


def _steps(
    day: _Day,
    source: _Source,
    start: int,
    seconds: int,
    cadence: float,
    chunk_s: tuple[int, int],
    carried: float,
) -> None:
    """StepCount (and distance) records of one source over one walking bout."""
    rng = day.rng
    if rng.random() > carried:
        return
    at, end = start, start + seconds
    while at < end:
        length = min(rng.randint(*chunk_s), end - at)
        steps = max(1, round(cadence * length / 60))
        day.record(Q + "StepCount", source, "count", str(steps), at, at + length)
        if source is not GARMIN:
            distance = f"{steps * 0.00072:.5f}"
            day.record(Q + "DistanceWalkingRunning", source, "km", distance, at, at + length)
        at += length


def _watch_vitals(day: _Day, watch: _Source, wake: int, sleep: int) -> None:
    rng = day.rng
    motion = ' <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="%d"/>\n'
    second = wake
    while second < sleep:
        children = motion % rng.randint(0, 2) if rng.random() < 0.5 else ""
        day.record(
            Q + "HeartRate", watch, "count/min", str(rng.randint(55, 120)), second, second, children
        )
        second += rng.randint(200, 420)
    second = wake
    while second < sleep:
        length = rng.randint(50, 200)
        kcal = f"{rng.uniform(0.05, 4.0):.3f}"
        day.record(Q + "ActiveEnergyBurned", watch, "kcal", kcal, second, second + length)
        second += length + rng.randint(0, 60)
    for second in range(0, 86400, 900):
        kcal = f"{rng.uniform(14, 20):.3f}"
        day.record(Q + "BasalEnergyBurned", watch, "kcal", kcal, second, second + 899)
    for hour in range(wake // 3600, sleep // 3600):
        stood = rng.random() < 0.7
        value = (
            "HKCategoryValueAppleStandHourStood" if stood else "HKCategoryValueAppleStandHourIdle"
        )
        day.record(C + "AppleStandHour", watch, None, value, hour * 3600, hour * 3600 + 3599)
        if stood:
            day.record(
                Q + "AppleStandTime",
                watch,
                "min",
                str(rng.randint(1, 8)),
                hour * 3600 + 300,
                hour * 3600 + 900,
            )
    for _ in range(rng.randint(2, 4)):
        at = rng.randint(wake, sleep)
        beats = "".join(
            f'   <InstantaneousBeatsPerMinute bpm="{rng.randint(55, 90)}" '
            f'time="{_HMS[min(at + i, 86399)][:8]}.{rng.randint(0, 99):02d}"/>\n'
            for i in range(rng.randint(40, 70))
        )
        children = (
            f"  <HeartRateVariabilityMetadataList>\n{beats}  </HeartRateVariabilityMetadataList>\n"
        )
        day.record(
            Q + "HeartRateVariabilitySDNN",
            watch,
            "ms",
            f"{rng.uniform(20, 80):.4f}",
            at,
            at + 60,
            children,
        )
    zone = ' <MetadataEntry key="HKTimeZone" value="Europe/Berlin"/>\n'
    at = 0
    for stage in (
        "InBed",
        "AsleepCore",
        "AsleepDeep",
        "AsleepCore",
        "AsleepREM",
        "Awake",
        "AsleepCore",
    ):
        length = rng.randint(600, 4800)
        day.record(
            C + "SleepAnalysis",
            watch,
            None,
            f"HKCategoryValueSleepAnalysis{stage}",
            at,
            at + length,
            zone,
        )
        at += length
    day.record(Q + "RestingHeartRate", watch, "count/min", str(rng.randint(52, 64)), wake, sleep)
    day.record(
        Q + "WalkingHeartRateAverage", watch, "count/min", str(rng.randint(85, 105)), wake, sleep
    )


def _blood_pressure(day: _Day, tail: _Tail) -> None:
    rng = day.rng
    at = rng.randint(7 * 3600, 9 * 3600)
    systolic, diastolic = str(rng.randint(110, 140)), str(rng.randint(70, 90))
    before = len(day.lines)
    day.record(Q + "BloodPressureSystolic", HEALTH_MATE, "mmHg", systolic, at, at)
    day.record(Q + "BloodPressureDiastolic", HEALTH_MATE, "mmHg", diastolic, at, at)
    inner = "".join("  " + line for line in day.lines[before:])
    tail.add(
        tail.correlations,
        f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" '
        f'sourceName="{HEALTH_MATE.name}" sourceVersion="{HEALTH_MATE.version}" '
        f'creationDate="{day.stamp(at + 60)}" startDate="{day.stamp(at)}" '
        f'endDate="{day.stamp(at)}">\n'
        '  <MetadataEntry key="HKWasUserEntered" value="0"/>\n'
        f"{inner} </Correlation>\n",
    )


def _workout_of_day(
    day: _Day, tail: _Tail, watch: _Source, watch_worn: bool
) -> tuple[str, int, int] | None:
    """Add one workout to the tail; its type, start (s of the day) and elapsed seconds."""
    rng = day.rng
    kind, _, low, high, km_per_min, outdoor = rng.choices(WORKOUTS, _WORKOUT_WEIGHTS)[0]
    minutes = rng.randint(low, high)
    start = rng.randint(7 * 3600, 20 * 3600)
    elapsed = min(minutes * 60 + rng.choice((0, 0, 0, 45, 120, 300)), 86399 - start)
    moving_min = min(minutes * 60, elapsed) / 60
    source = watch if watch_worn else _sources(day.day.year)[0]
    device = f' device="{source.device % rng.getrandbits(36)}"' if source.device else ""
    distance = km_per_min * moving_min * rng.uniform(0.85, 1.15)
    energy = moving_min * rng.uniform(3, 9)
    new_style = day.day >= date(2022, 9, 15)
    stats = ""
    attrs = ""
    if new_style:
        span = f'startDate="{day.stamp(start)}" endDate="{day.stamp(start + elapsed)}"'
        stats += (
            f'  <WorkoutStatistics type="{Q}ActiveEnergyBurned" {span} '
            f'sum="{energy:.4f}" unit="kcal"/>\n'
            f'  <WorkoutStatistics type="{Q}HeartRate" {span} '
            f'average="{rng.uniform(90, 140):.3f}" minimum="{rng.randint(70, 90)}" '
            f'maximum="{rng.randint(140, 170)}" unit="count/min"/>\n'
        )
        if distance:
            stat_kind = {"Cycling": "DistanceCycling", "Swimming": "DistanceSwimming"}.get(
                kind, "DistanceWalkingRunning"
            )
            stats += (
                f'  <WorkoutStatistics type="{Q}{stat_kind}" {span} '
                f'sum="{distance:.4f}" unit="km"/>\n'
            )
        if kind in ("Walking", "Hiking", "Running"):
            steps = round(moving_min * rng.uniform(95, 160))
            stats += (
                f'  <WorkoutStatistics type="{Q}StepCount" {span} sum="{steps}" unit="count"/>\n'
            )
    else:
        attrs = f' totalEnergyBurned="{energy:.4f}" totalEnergyBurnedUnit="kcal"'
        if distance:
            attrs = f' totalDistance="{distance:.4f}" totalDistanceUnit="km"' + attrs
    children = '  <MetadataEntry key="HKTimeZone" value="Europe/Berlin"/>\n' if watch_worn else ""
    indoor = not outdoor or rng.random() < 0.15
    children += f'  <MetadataEntry key="HKIndoorWorkout" value="{int(indoor)}"/>\n'
    children += (
        f'  <MetadataEntry key="HKAverageMETs" value="{rng.uniform(2, 9):.4f} kcal/hr·kg"/>\n'
    )
    if elapsed > minutes * 60:
        pause = start + elapsed // 3
        children += (
            f'  <WorkoutEvent type="HKWorkoutEventTypePause" date="{day.stamp(pause)}"/>\n'
            f'  <WorkoutEvent type="HKWorkoutEventTypeResume" '
            f'date="{day.stamp(pause + elapsed - minutes * 60)}"/>\n'
        )
    children += stats
    if outdoor and not indoor:
        local = datetime(day.day.year, day.day.month, day.day.day, tzinfo=ZONE) + timedelta(
            seconds=start
        )
        hour12 = local.hour % 12 or 12
        half = "am" if local.hour < 12 else "pm"
        name = f"route_{day.day.isoformat()}_{hour12}.{local.minute:02d}{half}.gpx"
        route_span = f'startDate="{day.stamp(start)}" endDate="{day.stamp(start + elapsed)}"'
        if new_style:
            tail.routes.append((name, local.astimezone(UTC), elapsed))
            body = f'   <FileReference path="/workout-routes/{name}"/>\n'
        else:
            body = "".join(
                f'   <Location date="{day.stamp(start + i * 5)}" '
                f'latitude="{52.5 + i * 0.0001:.6f}" longitude="{13.4 + i * 0.0001:.6f}" '
                'altitude="40.1" horizontalAccuracy="3.2" '
                f'verticalAccuracy="2.1" course="-1" speed="1.4"/>\n'
                for i in range(rng.randint(5, 30))
            )
        children += (
            f'  <WorkoutRoute sourceName="{_sources(day.day.year)[0].name}" '
            f'sourceVersion="{_sources(day.day.year)[0].version}" '
            f'creationDate="{day.stamp(start + elapsed + 60)}" {route_span}>\n'
            '   <MetadataEntry key="HKMetadataKeySyncVersion" value="2"/>\n'
            f"{body}  </WorkoutRoute>\n"
        )
    tail.add(
        tail.workouts,
        f' <Workout workoutActivityType="{W}{kind}" duration="{moving_min:.10g}" '
        f'durationUnit="min"{attrs} sourceName="{source.name}" sourceVersion="{source.version}"'
        f'{device} creationDate="{day.stamp(start + elapsed + 30)}" '
        f'startDate="{day.stamp(start)}" endDate="{day.stamp(start + elapsed)}">\n'
        f"{children} </Workout>\n",
    )
    return kind, start, elapsed


def _gpx(start: datetime, seconds: int) -> bytes:
    points = "".join(
        f'<trkpt lon="{13.4 + i * 0.0002:.6f}" lat="{52.5 + i * 0.0002:.6f}"><ele>40.0</ele>'
        f"<time>{(start + timedelta(seconds=i * 10)).strftime('%Y-%m-%dT%H:%M:%SZ')}</time>"
        "</trkpt>\n"
        for i in range(0, max(2, min(seconds // 10, 60)))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="Apple Health Export" xmlns="http://www.topografix.com/GPX/1/1">\n'
        f"<trk><name>Route {start:%Y-%m-%d}</name><trkseg>\n{points}</trkseg></trk>\n</gpx>\n"
    ).encode()


# --------------------------------------------------------------------------- counting


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What a reader should find in an export.xml."""

    workouts: int
    step_records: int  # top-level StepCount records
    steps: int
    step_sources: frozenset[str]


_STEP_RECORD = re.compile(
    rb'<Record type="HKQuantityTypeIdentifierStepCount" sourceName="([^"]*)"[^>]*? value="([^"]*)"'
)


def summarize(xml: bytes) -> ExportSummary:
    """Count workouts and StepCount records (with their steps and sources) in ``xml``,
    by pattern, independently of the reader. Correlations here never hold steps."""
    matches = _STEP_RECORD.findall(xml)
    return ExportSummary(
        workouts=xml.count(b"<Workout "),
        step_records=len(matches),
        steps=sum(round(float(value)) for _, value in matches),
        step_sources=frozenset(name.decode() for name, _ in matches),
    )
