"""Fuzzing every reader: the targets, their seeds, the mutators and the verdict on one input.

The targets come from the reader registry, so a reader added there is fuzzed (and
``tests/fuzz/test_seeds.py`` fails until it has a seed here):

* one target per format of :data:`ingest.read.READERS`, called as :func:`ingest.read.read_leaf`
  calls it (with the file's name for :data:`ingest.read.NAMED_READERS`);
* one per :data:`ingest.read.STREAM_READERS` entry (``"<format> (stream)"``), fed a stream;
* ``diary`` (:func:`ingest.diary.parse_diary`, CSV and XLSX);
* ``upload``: what :func:`ingest.read.read_upload` does (zip and gzip expansion, detection,
  then :func:`ingest.read.read_leaf` on every file found), a bug in the expansion raised.

An input is made from a valid seed by one or more mutations - generic ones (bit flips,
interesting bytes and words, insertions, deletions, truncation, chunk duplication, splicing
with a seed of any format) and ones aware of the seed's structure: XML elements deleted,
duplicated, swapped or nested; JSON values replaced by huge, negative, NaN or mistyped
ones; CSV lines and cells; numbers and dates replaced by impossible ones; FIT bodies
mutated behind a header whose size and CRCs are fixed up; zip members mutated, renamed,
nested or recompressed, then the archive rebuilt. Choices come from a :class:`Chooser`:
a seeded :class:`random.Random` for the long run (``tests/fuzz/run.py``), Hypothesis draws
for the short run in ``make test`` (so a failure shrinks).

The verdict (:func:`run_input`): a reader may return, or raise :class:`UnusableFile`
(skipped / rejected). Anything else escaping is a crash. So is a *hidden* crash: a
rejection that only wraps an unforeseen exception - a reader's "never escape" safety net
(its reason names the exception type, e.g. "unreadable Polar HRM file (IndexError: ...)"),
or :mod:`ingest.read`'s "... please report this file". Handlers that deliberately turn a
third-party library's errors into a rejection (fitparse, lxml, openpyxl) count as handled,
unless the exception was raised by our own code under them.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import re
import struct
import time
import traceback
import warnings
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal, Protocol

from ingest import (
    apple_health,
    fitbit,
    garmin_connect_csv,
    google_fit,
    gpx,
    polar,
    polar_xml,
    sessions_csv,
    strava,
    suunto_json,
    suunto_sml,
    suunto_xml,
    tcx,
)
from ingest.containers import expand
from ingest.diary import parse_diary
from ingest.fit import FORMAT as FIT
from ingest.fit import fit_crc
from ingest.read import NAMED_READERS, READERS, STREAM_READERS, MemberResult, read_leaf
from ingest.records import ParsedDiary, ParsedFile, UnusableFile

INGEST_DIR: Final = Path(__file__).resolve().parents[2] / "ingest"
TODAY: Final = date(2026, 6, 30)
"""The diary reader's ``today`` (entries after it are errors)."""

MAX_INPUT_BYTES: Final = 256 * 1024
"""Mutations stop growing an input here (FIT: :data:`MAX_FIT_BYTES`)."""
MAX_FIT_BYTES: Final = 64 * 1024
SLOW_S: Final = 2.0
"""The acceptance bound on one input's reading time."""

DIARY: Final = "diary"
UPLOAD: Final = "upload"
STREAM_SUFFIX: Final = " (stream)"

SeedKind = Literal["fit", "xml", "json", "csv", "text", "zip", "gzip"]
Group = Literal["binary", "xml", "text"]
Status = Literal["ok", "skipped", "rejected", "crash"]


# ====================================================================== seeds


@dataclass(frozen=True, slots=True)
class Seed:
    """A valid input of one format: the file's name (some readers use it) and bytes."""

    name: str
    data: bytes
    kind: SeedKind


def _fit_seeds() -> tuple[Seed, ...]:
    from demo import fitwriter as fw  # tests may use the demo writer; ingest may not

    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    walk = fw.activity_file(
        start_utc=start,
        elapsed_s=600,
        moving_s=540,
        sport=11,
        steps=900,
        distance_m=700,
        name="Walk",
        utc_offset_s=3600,
        record_interval_s=60,
    )
    strength = fw.activity_file(
        start_utc=start, elapsed_s=300, sport=10, sub_sport=20, record_interval_s=None
    )
    minutes = [(start + timedelta(minutes=m), 40 + m) for m in (0, 1, 2, 30, 31)]
    monitoring = fw.monitoring_file(step_minutes=minutes, utc_offset_s=3600)
    heart = [(start + timedelta(minutes=m), 60 + m) for m in (0, 2, 4, 11, 12)]
    wellness = fw.monitoring_file(step_minutes=minutes[:2], heart_rate=heart, utc_offset_s=3600)
    return (
        Seed("wellness.fit", wellness, "fit"),
        Seed("walk.fit", walk, "fit"),
        Seed("strength.fit", strength, "fit"),
        Seed("monitor.fit", monitoring, "fit"),
        Seed("chained.fit", fw.chain(walk, fw.settings_file()), "fit"),
        Seed("workout.fit", fw.workout_file(), "fit"),
    )


def _gpx_seeds() -> tuple[Seed, ...]:
    def point(second: int, cadence: int | None = None) -> str:
        stamp = (datetime(2024, 5, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=second)).isoformat()
        extension = (
            ""
            if cadence is None
            else "<extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:cad>{cadence}</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions>"
        )
        return (
            f'<trkpt lat="{45.1 + second * 1e-5:.6f}" lon="13.7"><ele>100.5</ele>'
            f"<time>{stamp.replace('+00:00', 'Z')}</time>{extension}</trkpt>"
        )

    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx xmlns="http://www.topografix.com/GPX/1/1" '
        'version="1.1" creator="OpenTracks" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
    )
    first = "".join(point(s, 55) for s in range(0, 300, 30))
    second = "".join(point(s) for s in range(400, 600, 40))
    track = (
        f"{head}<metadata><time>2024-05-01T09:00:00Z</time></metadata>"
        "<trk><name>Morgenrunde</name><type>walking</type>"
        f"<trkseg>{first}</trkseg><trkseg>{second}</trkseg></trk></gpx>"
    )
    route = (
        f"{head}<wpt lat='45.1' lon='13.7'><time>2024-05-01T09:00:00Z</time></wpt>"
        "<rte><rtept lat='45.1' lon='13.7'><name>#001</name></rtept></rte></gpx>"
    )
    return (Seed("walk.gpx", track.encode(), "xml"), Seed("route.gpx", route.encode(), "xml"))


def _tcx_seeds() -> tuple[Seed, ...]:
    def point(second: int) -> str:
        stamp = (datetime(2024, 5, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=second)).isoformat()
        return (
            f"<Trackpoint><Time>{stamp.replace('+00:00', 'Z')}</Time><Position>"
            f"<LatitudeDegrees>{45.1 + second * 1e-5:.6f}</LatitudeDegrees>"
            "<LongitudeDegrees>13.7</LongitudeDegrees></Position>"
            f"<DistanceMeters>{second * 3}</DistanceMeters><Cadence>80</Cadence>"
            "<Extensions><ns3:TPX><ns3:RunCadence>84</ns3:RunCadence></ns3:TPX></Extensions>"
            "</Trackpoint>"
        )

    lap = (
        '<Lap StartTime="2024-05-01T09:00:00Z"><TotalTimeSeconds>300</TotalTimeSeconds>'
        "<DistanceMeters>900</DistanceMeters><Intensity>Active</Intensity>"
        "<TriggerMethod>Manual</TriggerMethod><Track>"
        + "".join(point(s) for s in range(0, 301, 30))
        + "</Track><Extensions><ns3:LX><ns3:Steps>480</ns3:Steps></ns3:LX></Extensions></Lap>"
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
        'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Activities>'
        f'<Activity Sport="Running"><Id>2024-05-01T09:00:00Z</Id>{lap}<Notes>Lauf</Notes>'
        '<Creator xsi:type="Device_t"><Name>Forerunner 255</Name><UnitId>3412345678</UnitId>'
        "<ProductID>3992</ProductID></Creator></Activity></Activities>"
        '<Author xsi:type="Application_t"><Name>Connect Api</Name></Author>'
        "</TrainingCenterDatabase>"
    )
    return (Seed("run.tcx", document.encode(), "xml"),)


_APPLE_PROLOG: Final = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
]>
"""
_APPLE_DEVICE: Final = (
    "&lt;&lt;HKDevice: 0x282a45810&gt;, name:Apple Watch, manufacturer:Apple Inc., "
    "model:Watch, hardware:Watch4,2, software:5.2&gt;"
)


def _apple_health_seeds() -> tuple[Seed, ...]:
    def steps(value: int, start: str, end: str) -> str:
        return (
            ' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Anna’s Apple Watch" '
            f'sourceVersion="5.2" device="{_APPLE_DEVICE}" unit="count" creationDate="{end}" '
            f'startDate="{start}" endDate="{end}" value="{value}"/>'
        )

    def heart(value: int, at: str) -> str:
        return (
            ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Anna’s Apple Watch" '
            f'sourceVersion="5.2" device="{_APPLE_DEVICE}" unit="count/min" creationDate="{at}" '
            f'startDate="{at}" endDate="{at}" value="{value}"/>'
        )

    workout = (
        ' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="30" '
        'durationUnit="min" totalDistance="2.5" totalDistanceUnit="km" '
        f'sourceName="Anna’s Apple Watch" sourceVersion="5.2" device="{_APPLE_DEVICE}" '
        'startDate="2019-06-11 15:00:00 +0200" endDate="2019-06-11 15:35:00 +0200">'
        '<MetadataEntry key="HKTimeZone" value="Europe/Berlin"/>'
        '<WorkoutEvent type="HKWorkoutEventTypePause" date="2019-06-11 15:10:00 +0200"/>'
        '<WorkoutEvent type="HKWorkoutEventTypeResume" date="2019-06-11 15:15:00 +0200"/>'
        "</Workout>"
    )
    body = "\n".join(
        [
            steps(120, "2019-06-11 09:00:00 +0200", "2019-06-11 09:05:00 +0200"),
            steps(80, "2019-06-11 09:05:00 +0200", "2019-06-11 09:07:30 +0200"),
            steps(40, "2019-06-12 23:59:00 +0200", "2019-06-13 00:01:00 +0200"),
            heart(72, "2019-06-11 09:00:10 +0200"),
            heart(75, "2019-06-11 09:04:40 +0200"),
            workout,
            ' <ActivitySummary dateComponents="2019-06-11" activeEnergyBurned="300"/>',
        ]
    )
    document = (
        f'{_APPLE_PROLOG}<HealthData locale="de_DE">\n'
        ' <ExportDate value="2024-06-01 08:10:05 +0200"/>\n'
        ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1968-04-12"/>\n'
        f"{body}\n</HealthData>\n"
    )
    return (Seed("export.xml", document.encode(), "xml"),)


def _polar_xml_seeds() -> tuple[Seed, ...]:
    def exercise(when: str, sport: str, result: str) -> str:
        return (
            f"<exercise><created>2013-03-24 13:32:38.0</created><time>{when}</time>"
            f"<sport>{sport}</sport><name>Spaziergang</name><result>{result}</result></exercise>"
        )

    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<polar-exercise-data xmlns="http://www.polarpersonaltrainer.com" version="1.0">\n'
        '  <calendar-items count="2">\n'
        + exercise(
            "2013-03-24 11:33:09.0",
            "Walking",
            "<distance>3600.0</distance><duration>00:48:49</duration>",
        )
        + exercise("2013-03-25 18:00:00.0", "Running", "<duration>00:30:00.5</duration>")
        + "\n  </calendar-items>\n</polar-exercise-data>\n"
    )
    return (Seed("polar.xml", document.encode(), "xml"),)


def _suunto_header(tag: str) -> str:
    return (
        f"<{tag}><Duration>3600</Duration><RecoveryTime>3600</RecoveryTime>"
        "<ActivityType>12</ActivityType><Activity>Gehen</Activity>"
        "<Distance>4200</Distance><LogItemCount>12</LogItemCount>"
        f"<DateTime>2014-08-22T10:15:36</DateTime></{tag}>"
    )


_SUUNTO_SAMPLES: Final = (
    "<Sample><UTC>2014-08-22T08:15:34.865Z</UTC><Time>0</Time><Events><Pause><Type>31</Type>"
    "<State>False</State></Pause></Events></Sample>"
    "<Sample><UTC>2014-08-22T08:16:15.513Z</UTC><Time>40.648</Time></Sample>"
)


def _suunto_sml_seeds() -> tuple[Seed, ...]:
    document = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<sml Version="2.0.34" xmlns="http://www.suunto.com/schemas/sml">\n'
        f"<DeviceLog>{_suunto_header('Header')}"
        "<Device><Name>Suunto Ambit2</Name><SerialNumber>64B2095121000A00</SerialNumber></Device>"
        f"<Samples>{_SUUNTO_SAMPLES}</Samples></DeviceLog></sml>\n"
    )
    return (Seed("log.sml", document.encode(), "xml"),)


def _suunto_xml_seeds() -> tuple[Seed, ...]:
    document = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"{_suunto_header('header')}\n<Samples>{_SUUNTO_SAMPLES}</Samples>\n"
        "<Device><Info><SW>2.0.7</SW></Info></Device>\n<IBI>439 715 683</IBI>\n"
    )
    return (Seed("log.xml", document.encode(), "xml"),)


def _suunto_json_seeds() -> tuple[Seed, ...]:
    from tests.ingest.test_suunto import LEGS, device_log, window

    windows = [
        window("Activity", 12, 1190, 1600),
        window("Activity", 23, 1800, 0),
        window("Move", 2, 2990, 1600),
    ]
    return (Seed("log.json", device_log(LEGS, windows), "json"),)


def _polar_hrm_seeds() -> tuple[Seed, ...]:
    def hrm(smode: str, rows: Sequence[str], trip: Sequence[str] = ()) -> bytes:
        lines = [
            "[Params]",
            "Version=106",
            "Monitor=36",
            f"SMode={smode}",
            "Date=20150312",
            "StartTime=12:42:43.0",
            "Length=00:00:25.0",
            "Interval=5",
            "MaxHR=190",
            "",
            "[Note]",
            "Abendrunde",
            "",
        ]
        if trip:
            lines += ["[Trip]", *trip, ""]
        lines += ["[IntTimes]", "00:00:10.0\t135\t120\t140\t150", "", "[HRData]", *rows, ""]
        return "\r\n".join(lines).encode("latin-1")

    speed_rows = ("134\t0", "135\t36", "135\t0", "136\t54", "136\t72")
    trip = ("23", "5", "25", "60", "0", "0", "0", "0")
    return (
        Seed("walk.hrm", hrm("10000000", speed_rows), "text"),
        Seed("trip.hrm", hrm("11000001", ("134\t36\t80",) * 5, trip), "text"),
    )


_STRAVA_HEADER: Final = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,"
    "Elapsed Time,Distance,Relative Effort,Commute,Activity Gear,Filename,Athlete Weight,"
    "Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed"
)


def _strava_seeds() -> tuple[Seed, ...]:
    def row(when: str, name: str, kind: str, elapsed: str, km: str, moving: str, m: str) -> str:
        return (
            f'1,"{when}",{name},{kind},,{elapsed},{km},,false,,activities/1.fit.gz,,,'
            f"{elapsed},{moving},{m},,"
        )

    rows = (
        row("Mar 2, 2026, 7:45:10 AM", "Morning Walk", "Walk", "2100", "2.9", "1900", "2912.5"),
        row("Mar 2, 2026, 6:30:00 PM", '"Gym, legs"', "Weight Training", "2700", "0", "2700", ""),
        row("Jul 8, 2021, 5:36:21 PM", "Pool", "Swim", "2890", '"1,025"', "2889", "1025"),
    )
    return (
        Seed("activities.csv", ("\ufeff" + "\r\n".join((_STRAVA_HEADER, *rows))).encode(), "csv"),
    )


def _strava_api_seeds() -> tuple[Seed, ...]:
    from tests.ingest.test_strava import API_ACTIVITY as activity

    walk = activity | {"id": 124, "name": "Walk", "type": "Walk", "sport_type": "Walk"}
    return (
        Seed("activity.json", json.dumps(activity).encode(), "json"),
        Seed("activities.json", json.dumps([activity, walk], indent=1).encode(), "json"),
    )


def _google_fit_seeds() -> tuple[Seed, ...]:
    daily = (
        "\ufeffDate,Move Minutes count,Calories (kcal),Distance (m),Heart Points,Heart Minutes,"
        "Average speed (m/s),Step count,Walking duration (ms)\r\n"
        "2025-01-29,51,409.2,2652.3,9.0,9,0.5,3952,3172589\r\n"
        '2025-01-31,56,1459.1,2320.1,,,0.4,"12,486",2090256\r\n'
    )
    buckets = (
        "Start time,End time,Move Minutes count,Calories (kcal),Distance (m),Step count,"
        "Walking duration (ms)\n"
        "00:00:00.000+05:30,00:15:00.000+05:30,,14.16,,,\n"
        "17:15:00.000+05:30,17:30:00.000+05:30,9,21.7,296.8,460,208362\n"
        "23:45:00.000+05:30,00:00:00.000+05:30,1,21.2,75.2,109,194523\n"
    )
    session = {
        "fitnessActivity": "walking",
        "startTime": "2025-02-11T11:54:05.160Z",
        "endTime": "2025-02-11T13:09:08.756Z",
        "duration": "3137.638s",
        "segment": [
            {
                "fitnessActivity": "walking",
                "startTime": "2025-02-11T11:54:05.160Z",
                "endTime": "2025-02-11T12:37:00.686Z",
            }
        ],
        "aggregate": [
            {"metricName": "com.google.step_count.delta", "intValue": 4134},
            {"metricName": "com.google.distance.delta", "floatValue": 2853.5},
        ],
    }
    source = (
        "derived:com.google.step_count.delta:com.google.android.fit:vivo:V2312:"
        "557f82c0f6828d19:top_level"
    )
    start_ns = 1_739_264_400_000_000_000  # 2025-02-11 09:00 UTC

    def point(minute: int, steps: int) -> dict[str, object]:
        return {
            "fitValue": [{"value": {"intVal": steps}}],
            "originDataSourceId": "raw:com.google.step_count.cumulative:vivo:x:STEP_COUNTER",
            "endTimeNanos": start_ns + (minute + 1) * 60_000_000_000,
            "dataTypeName": "com.google.step_count.delta",
            "startTimeNanos": start_ns + minute * 60_000_000_000,
            "modifiedTimeMillis": 1738167533061,
            "rawTimestampNanos": 0,
        }

    all_data = {"Data Source": source, "Data Points": [point(m, 50 + m) for m in range(4)]}
    return (
        Seed(
            "Takeout/Fit/Daily activity metrics/Daily activity metrics.csv", daily.encode(), "csv"
        ),
        Seed("Takeout/Fit/Daily activity metrics/2025-02-11.csv", buckets.encode(), "csv"),
        Seed(
            "Takeout/Fit/All Sessions/2025-02-11T17_24_05.16+05_30_WALKING.json",
            json.dumps(session, indent=2).encode(),
            "json",
        ),
        Seed(
            "Takeout/Fit/All Data/derived_com.google.step_count.delta_com.google.json",
            json.dumps(all_data, indent=4).encode(),
            "json",
        ),
    )


def _fitbit_seeds() -> tuple[Seed, ...]:
    from tests.ingest.test_fitbit import STEPS_SERIES

    daily = (
        "Id,ActivityDate,TotalSteps,TotalDistance,VeryActiveMinutes,SedentaryMinutes,Calories\r\n"
        "1503960366,4/12/2016,13162,8.5,25,728,1985\r\n"
        "1503960366,4/13/2016,0,0,0,1440,1300\r\n"
    )
    minutes = (
        "Id,ActivityMinute,Steps\r\n"
        "1503960366,4/12/2016 7:00:00 AM,12\r\n"
        "1503960366,4/12/2016 7:01:00 AM,0\r\n"
        "1503960366,4/12/2016 7:02:00 AM,104\r\n"
    )
    exercise = {
        "logId": 12884417420,
        "activityName": "Walk",
        "activityTypeId": 90013,
        "calories": 150,
        "duration": 1_845_000,
        "activeDuration": 1_740_000,
        "steps": 3120,
        "logType": "auto_detected",
        "lastModified": "04/21/18 03:35:27",
        "startTime": "04/20/18 18:45:00",
        "originalStartTime": "04/20/18 18:45:00",
        "distance": 2.41,
        "distanceUnit": "Kilometer",
        "source": {"type": "tracker", "name": "Charge 2", "id": "12345"},
    }
    export = (
        "Body\r\nDate,Weight,BMI,Fat\r\n"
        '"2016-05-01","80.0","24.1","0"\r\n\r\n'
        "Activities\r\n"
        "Date,Calories Burned,Steps,Distance,Floors,Minutes Sedentary,Minutes Lightly Active,"
        "Minutes Fairly Active,Minutes Very Active,Activity Calories\r\n"
        '"2016-05-01","2,013","8,306","6.2","7","1,149","191","23","13","899"\r\n'
        '"2016-05-02","1,900","12,004","9.1","2","1,000","200","30","20","950"\r\n'
    )
    return (
        Seed("dailyActivity_merged.csv", daily.encode(), "csv"),
        Seed("minuteStepsNarrow_merged.csv", minutes.encode(), "csv"),
        Seed("MyFitbitData/Physical Activity/steps-2016-04-12.json", STEPS_SERIES, "json"),
        Seed(
            "MyFitbitData/Physical Activity/heart_rate-2016-04-12.json",
            json.dumps(
                [
                    {"dateTime": "04/12/16 07:00:05", "value": {"bpm": 71, "confidence": 2}},
                    {"dateTime": "04/12/16 07:00:15", "value": {"bpm": 73, "confidence": 3}},
                    {"dateTime": "04/12/16 07:09:15", "value": {"bpm": 80, "confidence": 1}},
                ],
                indent=1,
            ).encode(),
            "json",
        ),
        Seed("exercise-0.json", json.dumps([exercise], indent=1).encode(), "json"),
        Seed("fitbit_export_20160502.csv", export.encode(), "csv"),
    )


def _garmin_connect_seeds() -> tuple[Seed, ...]:
    german = (
        "Aktivitäten von someone\n \n"
        " Favorit,Aktivitätsname,Aktivitätstyp,Course,Start,Zeit,Distanz,"
        "Positiver Höhenunterschied,Ø Geschw(Ø Pace),Max. Geschw.(Beste Pace),Ø HF,Max. HF,"
        "Kalorien,\n"
        ' false,Lauf,Laufen,--,"Fr, 25 Mai 2012 20:31",1:05:11,"10,20",38,6:24,3:10,138,150,588,\n'
        ' true,Runde,Gehen,--,"Mi, 2 Mär 2011 07:05",45:00,--,0,--,--,--,--,--,\n'
    )
    english = (
        "\ufeffActivity Type,Date,Favorite,Title,Distance,Calories,Time,Avg HR,Max HR,Steps,"
        "Moving Time,Elapsed Time\r\n"
        'Walking,2023-05-01 07:12:33,false,"Walk, park",3.21,"1,234",00:45:10,98,120,"4,321",'
        "00:40:00,00:50:00\r\n"
        "Strength Training,2023-05-02 18:00:00,false,Core,0.00,200,00:30:00,90,130,--,--,--\r\n"
    )
    return (
        Seed("Activities_de.csv", german.encode(), "csv"),
        Seed("Activities.csv", english.encode(), "csv"),
    )


def _sessions_csv_seeds() -> tuple[Seed, ...]:
    table = (
        "date,start,duration_min,type,utc_offset,distance_km,steps,name\n"
        "2026-03-02,07:45,35,Walk,,2.9,4100,Walk to work\n"
        "2026-03-02,18:30,45,Pilates,+01:00,,,Pilates class\n"
        "2026-03-04,12:10,1:05,Hike,,5.4,,\n"
        "2026-03-05,19:00,30,Rückengymnastik,,,,Physio exercises\n"
    )
    german = "Datum;Uhrzeit;Dauer;Aktivität;Schritte\n05.03.2026;19:00;30;Gehen;3000\n"
    return (
        Seed("sessions.csv", table.encode(), "csv"),
        Seed("Einheiten.csv", german.encode(), "csv"),
    )


def _diary_seeds() -> tuple[Seed, ...]:
    import openpyxl

    english = (
        "date,time,pain_0_100,flare_up,painkiller,exercise_pain,note\n"
        "2026-03-02,07:30,35,no,no,,Stiff getting up\n"
        '2026-03-02,21:00,20,no,no,yes,"Walked 40 min, a little sore afterwards"\n'
        "2026-03-03,,60,yes,Ibuprofen 400,no,Carried the shopping\n"
        "2026-03-04,,45,no,no,,\n"
    )
    german = (
        "\ufeffDatum;Uhrzeit;Schmerz (0-10);Schmerzschub;Schmerzmittel;Schmerz nach Training;"
        "Notiz\n"
        "02.03.2026;07:30;3,5;nein;nein;;Steif beim Aufstehen\n"
        "03.03.2026;;6;ja;Ibuprofen 400;nein;Einkäufe getragen\n"
        "04/03/2026;;4,5;nein;nein;;\n"
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Tagebuch"
    sheet.append(["Datum", "Uhrzeit", "Schmerz (0-100)", "Schmerzschub", "Notiz"])
    sheet.append([date(2026, 3, 2), "07:30", 35, "nein", "steif"])
    sheet.append([datetime(2026, 3, 3, 21, 0), None, 60.5, "ja", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return (
        Seed("diary.csv", english.encode(), "csv"),
        Seed("Tagebuch.csv", german.encode("utf-8"), "csv"),
        Seed("Tagebuch.xlsx", buffer.getvalue(), "zip"),
    )


def _zip(members: Sequence[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", method) as archive:
        warnings.simplefilter("ignore")  # "Duplicate name": wanted here
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _upload_seeds() -> tuple[Seed, ...]:
    fit, gpx_file, tcx_file = _fit_seeds()[0], _gpx_seeds()[0], _tcx_seeds()[0]
    steps = _fitbit_seeds()[2]
    inner = _zip([("run.tcx", tcx_file.data), ("notes.txt", b"hello\n")])
    export = _zip(
        [
            ("export/walk.fit", fit.data),
            ("export/walk.gpx", gpx_file.data),
            ("export/part.zip", inner),
            ("export/steps-2016-04-12.json.gz", gzip.compress(steps.data, mtime=0)),
            ("export/empty.fit", b""),
            ("export/", b""),
        ]
    )
    stored = _zip([("a/walk.fit", fit.data), ("b/readme.md", b"# read me\n")], zipfile.ZIP_STORED)
    return (
        Seed("export.zip", export, "zip"),
        Seed("stored.zip", stored, "zip"),
        Seed("run.tcx.gz", gzip.compress(tcx_file.data, mtime=0), "gzip"),
        Seed("walk.fit", fit.data, "fit"),
    )


_SEED_BUILDERS: Final[dict[str, Callable[[], tuple[Seed, ...]]]] = {
    FIT: _fit_seeds,
    gpx.FORMAT: _gpx_seeds,
    tcx.FORMAT: _tcx_seeds,
    apple_health.FORMAT: _apple_health_seeds,
    polar_xml.FORMAT: _polar_xml_seeds,
    suunto_sml.FORMAT: _suunto_sml_seeds,
    suunto_xml.FORMAT: _suunto_xml_seeds,
    suunto_json.FORMAT: _suunto_json_seeds,
    polar.FORMAT: _polar_hrm_seeds,
    strava.FORMAT: _strava_seeds,
    strava.API_FORMAT: _strava_api_seeds,
    google_fit.FORMAT: _google_fit_seeds,
    fitbit.FORMAT: _fitbit_seeds,
    garmin_connect_csv.FORMAT: _garmin_connect_seeds,
    sessions_csv.FORMAT: _sessions_csv_seeds,
    DIARY: _diary_seeds,
    UPLOAD: _upload_seeds,
}
"""Format (or target) name → its seeds. A registered reader missing here fails a test."""


@functools.cache
def seeds_of(name: str) -> tuple[Seed, ...]:
    """The seeds of a format or target (a stream target shares its format's seeds)."""
    base = name.removesuffix(STREAM_SUFFIX)
    builder = _SEED_BUILDERS.get(base)
    return builder() if builder is not None else ()


def seeded_formats() -> frozenset[str]:
    return frozenset(_SEED_BUILDERS)


@functools.cache
def splice_pool() -> tuple[bytes, ...]:
    """Every seed of every target: material for splicing one format into another."""
    return tuple(seed.data for name in _SEED_BUILDERS for seed in seeds_of(name))


# ==================================================================== targets


@dataclass(frozen=True, slots=True)
class Target:
    """One thing to fuzz: a reader as the upload path calls it."""

    name: str
    group: Group
    call: Callable[[str, bytes], object]

    @property
    def seeds(self) -> tuple[Seed, ...]:
        return seeds_of(self.name)


def _format_reader(fmt: str) -> Callable[[str, bytes], object]:
    named = NAMED_READERS.get(fmt)
    if named is not None:
        return lambda name, data: named(data, name)
    reader = READERS[fmt]
    return lambda name, data: reader(data)


def _stream_reader(fmt: str) -> Callable[[str, bytes], object]:
    reader = STREAM_READERS[fmt]
    return lambda name, data: reader(io.BytesIO(data))


def _upload(name: str, data: bytes) -> list[MemberResult]:
    """:func:`ingest.read.read_upload`, but with a bug in the expansion raised, not
    reported as "please report this file" (so it comes with its traceback)."""
    return [read_leaf(leaf, leaf.path != name) for leaf in expand(name, data)]


def _diary(name: str, data: bytes) -> ParsedDiary:
    return parse_diary(name, data, today=TODAY)


def _group(fmt: str) -> Group:
    kinds = {seed.kind for seed in seeds_of(fmt)}
    if kinds & {"fit", "zip", "gzip"}:
        return "binary"
    return "xml" if kinds == {"xml"} else "text"


@functools.cache
def targets() -> dict[str, Target]:
    """Every reader in the registry (plus the diary and the whole upload path), by name."""
    found: dict[str, Target] = {}
    for fmt in READERS:
        found[fmt] = Target(fmt, _group(fmt), _format_reader(fmt))
    for fmt in STREAM_READERS:
        name = fmt + STREAM_SUFFIX
        found[name] = Target(name, _group(fmt), _stream_reader(fmt))
    found[DIARY] = Target(DIARY, "binary", _diary)
    found[UPLOAD] = Target(UPLOAD, "binary", _upload)
    return found


def registered_formats() -> frozenset[str]:
    """Every format a reader is registered for (READERS, STREAM_READERS, NAMED_READERS)."""
    return frozenset(READERS) | frozenset(STREAM_READERS) | frozenset(NAMED_READERS)


# ==================================================================== verdicts


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one input did to one reader. ``error`` is set only for a crash."""

    status: Status
    error: BaseException | None = None
    hidden: bool = False  # the crash was caught by a safety net and turned into a rejection
    seconds: float = 0.0

    def signature(self) -> str:
        """The crash's exception type and where it was raised (groups duplicates)."""
        if self.error is None:
            return ""
        frames = traceback.extract_tb(self.error.__traceback__)
        ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(INGEST_DIR)]
        where = (ours or frames or [None])[-1]
        place = "?" if where is None else f"{Path(where.filename).name}:{where.lineno}"
        kind = "hidden " if self.hidden else ""
        return f"{kind}{type(self.error).__name__} at {place}"

    def describe(self) -> str:
        if self.error is None:
            return self.status
        text = "".join(traceback.format_exception(self.error))
        how = "caught by a safety net and turned into a rejection" if self.hidden else "escaped"
        return f"{self.signature()} ({how}):\n{text}"


SAFETY_NET: Final = "please report this file"
"""What :mod:`ingest.read` adds to a rejection made of an unforeseen exception."""

DELIBERATE: Final = (
    "FIT decoding failed at byte",  # fitparse's own errors on garbage, with the byte offset
    "unreadable Apple Health export (",  # lxml / codec errors on a broken stream
    "the Excel workbook cannot be",  # openpyxl on a broken workbook
)
"""Rejections that name a third-party library's exception on purpose."""


def _foreign_cause(error: BaseException) -> BaseException | None:
    """The first exception behind ``error`` that is not one of ingest's own signals."""
    seen: set[int] = set()
    current = error.__cause__ or error.__context__
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if not type(current).__module__.startswith("ingest."):
            return current
        current = current.__cause__ or current.__context__
    return None


def _raised_in_ingest(error: BaseException) -> bool:
    tb = error.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(INGEST_DIR)


def hidden_crash(error: UnusableFile) -> BaseException | None:
    """The unforeseen exception a rejection merely wraps, or None for a real rejection."""
    foreign = _foreign_cause(error)
    if SAFETY_NET in error.reason:
        return foreign or error
    if foreign is None:
        return None
    name = type(foreign).__name__
    if f"({name}:" not in error.reason and f"unexpected {name}" not in error.reason:
        return None  # a specific reason written for this case
    if error.reason.startswith(DELIBERATE) and not _raised_in_ingest(foreign):
        return None
    return foreign


def _member_outcome(results: list[MemberResult]) -> Outcome:
    for result in results:
        if result.error is not None and (bug := hidden_crash(result.error)) is not None:
            return Outcome("crash", bug, hidden=True)
    if any(result.parsed is not None for result in results):
        return Outcome("ok")
    if any(result.error is not None and result.error.status == "skipped" for result in results):
        return Outcome("skipped")
    return Outcome("rejected")


def run_input(target: Target, name: str, data: bytes) -> Outcome:
    """Read one input with one target; time it and judge what came out."""
    started = time.perf_counter()
    try:
        result = target.call(name, data)
    except UnusableFile as error:
        seconds = time.perf_counter() - started
        bug = hidden_crash(error)
        if bug is not None:
            return Outcome("crash", bug, hidden=True, seconds=seconds)
        return Outcome(error.status, seconds=seconds)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # everything else a reader lets out is a crash
        return Outcome("crash", error, seconds=time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if isinstance(result, list):
        verdict = _member_outcome(result) if result else Outcome("rejected")
        return Outcome(verdict.status, verdict.error, verdict.hidden, seconds)
    if not isinstance(result, ParsedFile | ParsedDiary):
        bug = TypeError(f"reader returned {type(result).__name__}, not a ParsedFile")
        return Outcome("crash", bug, seconds=seconds)
    return Outcome("ok", seconds=seconds)


# ==================================================================== mutations


class Chooser(Protocol):
    """Where a mutator's choices come from (a seeded RNG, or Hypothesis draws)."""

    def below(self, n: int) -> int:
        """An integer in ``[0, n)`` (0 when ``n <= 1``)."""
        ...

    def raw(self, size: int) -> bytes:
        """``size`` arbitrary bytes."""
        ...


class RandomChooser:
    def __init__(self, seed: str) -> None:
        import random

        self._rng = random.Random(seed)

    def below(self, n: int) -> int:
        return self._rng.randrange(n) if n > 1 else 0

    def raw(self, size: int) -> bytes:
        return self._rng.randbytes(size)


def _pick(items: Sequence[Any], c: Chooser) -> Any:
    return items[c.below(len(items))]


INTERESTING_BYTES: Final = (0x00, 0x01, 0x0A, 0x0D, 0x20, 0x22, 0x3C, 0x7F, 0x80, 0xC3, 0xFE, 0xFF)
INTERESTING_WORDS: Final = (
    0,
    1,
    0x7F,
    0x80,
    0xFF,
    0x100,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x10000,
    0x0FFFFFFF,
    0x10000000,
    0x7FFFFFFF,
    0x80000000,
    0xFFFFFFFE,
    0xFFFFFFFF,
)
INTERESTING_NUMBERS: Final = (
    b"0",
    b"-0",
    b"-1",
    b"1e309",
    b"-1e309",
    b"1e-400",
    b"NaN",
    b"nan",
    b"inf",
    b"-Infinity",
    b"4294967296",
    b"-2147483649",
    b"18446744073709551616",
    b"9" * 30,
    b"1" * 5000,  # beyond Python's int() digit limit
    b"0x1F",
    b"1_000",
    "٣".encode(),  # an Arabic-Indic digit: int() takes it
    "²".encode(),  # a superscript: str.isdigit() says yes, int() says no
    b"1,5",
    b"1.2.3",
    b"",
    b" ",
    b"--",
    b"1e5",
    b"99999999",
    b"2147483647",
    b"0.0000001",
    b"-86400",
)
INTERESTING_DATES: Final = (
    b"2026-02-30",
    b"2026-13-01",
    b"9999-12-31",
    b"0001-01-01",
    b"99991231",
    b"12/31/9999",
    b"12/31/99 23:59:59",
    b"31.12.9999 23:59",
    b"+14:00",
    b"-14:00",
    b"-23:59",
    b"0000-01-01",
    b"0001-01-01T00:00:00Z",
    b"0001-01-01 00:00:00 -1400",
    b"9999-12-31T23:59:59Z",
    b"9999-12-31T23:59:59-14:00",
    b"9999-12-31 23:59:59 +1400",
    b"10000-01-01",
    b"1970-01-01T00:00:00Z",
    b"1969-12-31T23:59:59Z",
    b"1900-01-01",
    b"1601-01-01T00:00:00Z",
    b"2038-01-19T03:14:08Z",
    b"2026-03-29T02:30:00",
    b"2026-01-01T24:00:00Z",
    b"2026-01-01T23:59:60Z",
    b"2026-01-01T00:00:00+25:00",
    b"2026-01-01T00:00:00+99:99",
    b"2026-01-01T00:00:00.9999999999Z",
    b"2026-W01-1",
    b"20260101",
    b"01/02/2026",
    b"13/13/13",
    b"31.12.9999",
    b"00.00.0000",
    b"Feb 30, 2026, 7:45:10 AM",
    b"Dec 31, 9999, 11:59:59 PM",
    b"25:61:61",
    b"99:99",
    b"-1:00",
    b"0:00",
    b"-2026-01-01",
    b"2026-01-01T00:00:00Z2026",
)
TOKENS: Final = (
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&x;",
    b"&#0;",
    b"&#x110000;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?xml version='1.0'?>",
    b'<!DOCTYPE x [<!ENTITY e "ee">]>',
    b'"',
    b"'",
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r\n",
    b"\r",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xc3",
    b"\xed\xa0\x80",  # an encoded surrogate
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"null",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"=",
    b"[HRData]",
    b"[Params]",
    b"[Trip]",
    "\u2028".encode(),
    "ß".encode(),
    "🦵".encode(),
    b"%s%n",
    b"a" * 300,
)
INTERESTING_JSON: Final = (
    None,
    True,
    False,
    0,
    -1,
    1.5,
    -1e308,
    1e308,
    float("nan"),
    float("inf"),
    -float("inf"),
    10**30,
    -(10**30),
    "",
    "x" * 5000,
    "1" * 5000,
    "NaN",
    "-1",
    "1e309",
    "2026-02-30T25:00:00Z",
    "9999-12-31T23:59:59.999Z",
    "0001-01-01T00:00:00Z",
    [],
    {},
    [None],
    {"": None},
)
NAMES: Final = (
    "",
    "x",
    "x.fit",
    "x.gpx",
    "x.tcx",
    "x.xlsx",
    "x.csv",
    "x.gz",
    "x.zip",
    "../../etc/passwd",
    "/abs/walk.fit",
    "C:\\Users\\a\\walk.fit",
    "a" * 500 + ".json",
    "steps-2016-02-30.json",
    "steps-0000-00-00.json",
    "distance-2016-04-12.json",
    "Takeout/Fit/Daily activity metrics/2025-02-30.csv",
    "Takeout/Fit/Daily activity metrics/9999-12-31.csv",
    "Takeout/Fit/All Sessions/2025-02-11T25_61_05.16+99_99_WALKING.json",
    "Takeout/Fit/All Sessions/0001-01-01T00_00_00.00+14_00_WALKING.json",
    "Takeout/Fit/All Sessions/9999-12-31T23_59_59.99-14_00_WALKING.json",
    "Takeout/Fit/Daily activity metrics/0001-01-01.csv",
    "fitbit_export_00000000.csv",
    "ümlaut ß.csv",
    "nul\x00.csv",
)

Mutation = Callable[[bytes, Chooser], bytes | None]

_NUMBER: Final = re.compile(rb"[-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?")
_DATE: Final = re.compile(
    rb"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z| ?[+-]\d{2}:?\d{2})?)?"
    rb"|\d{1,2}[./]\d{1,2}[./]\d{2,4}(?: \d{1,2}:\d{2}(?::\d{2})?(?: [AP]M)?)?"
    rb"|[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M"
    rb"|\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
)
_BOUNDARY: Final = re.compile(rb"[>,;\n\":=\[{\]}\t ]")
# Bounded names: a run of 100,000 letters must not cost 100,000² steps to scan.
_START_TAG: Final = re.compile(rb"<([A-Za-z_][\w:.-]{0,99})\b[^<>]*?(/?)>")
_ATTRIBUTE: Final = re.compile(rb"""\s([\w:.-]{1,100})=("[^"]*"|'[^']*')""")
_TEXT: Final = re.compile(rb">([^<>]+)</")
_MATCH_LIMIT: Final = 4000


def _matches(pattern: re.Pattern[bytes], data: bytes) -> list[re.Match[bytes]]:
    found = []
    for match in pattern.finditer(data):
        found.append(match)
        if len(found) >= _MATCH_LIMIT:
            break
    return found


# -- generic byte mutations ------------------------------------------------------------


def _copies(c: Chooser, size: int) -> int:
    """How many copies of a ``size``-byte piece to add: mostly a few, now and then
    thousands (a reader quadratic in elements shows), never past the input size bound."""
    wanted = 1 + c.below(3) if c.below(4) else 1 + c.below(5000)
    return max(1, min(wanted, MAX_INPUT_BYTES // max(size, 1)))


def flip_bit(data: bytes, c: Chooser) -> bytes | None:
    if not data:
        return None
    out = bytearray(data)
    out[c.below(len(out))] ^= 1 << c.below(8)
    return bytes(out)


def set_byte(data: bytes, c: Chooser) -> bytes | None:
    if not data:
        return None
    out = bytearray(data)
    out[c.below(len(out))] = _pick(INTERESTING_BYTES, c) if c.below(2) else c.below(256)
    return bytes(out)


def set_word(data: bytes, c: Chooser) -> bytes | None:
    width = _pick((2, 4), c)
    if len(data) < width:
        return None
    at = c.below(len(data) - width + 1)
    value = _pick(INTERESTING_WORDS, c) & ((1 << (8 * width)) - 1)
    order = _pick(("little", "big"), c)
    return data[:at] + value.to_bytes(width, order) + data[at + width :]


def insert_bytes(data: bytes, c: Chooser) -> bytes | None:
    at = c.below(len(data) + 1)
    blob = c.raw(1 + c.below(16)) if c.below(2) else _pick(TOKENS, c)
    return data[:at] + blob + data[at:]


def delete_range(data: bytes, c: Chooser) -> bytes | None:
    if not data:
        return None
    at = c.below(len(data))
    size = 1 + c.below(min(64, len(data) - at))
    return data[:at] + data[at + size :]


def truncate(data: bytes, c: Chooser) -> bytes | None:
    return data[: c.below(len(data))] if data else None


def duplicate_chunk(data: bytes, c: Chooser) -> bytes | None:
    if not data:
        return None
    at = c.below(len(data))
    chunk = data[at : at + 1 + c.below(min(512, len(data) - at))]
    times = _copies(c, len(chunk))
    where = c.below(len(data) + 1)
    return data[:where] + chunk * times + data[where:]


def copy_chunk(data: bytes, c: Chooser) -> bytes | None:
    """Overwrite a chunk with another chunk of the same input (keeps the length)."""
    if len(data) < 2:
        return None
    size = 1 + c.below(min(64, len(data) // 2))
    source, target = c.below(len(data) - size + 1), c.below(len(data) - size + 1)
    return data[:target] + data[source : source + size] + data[target + size :]


def swap_chunks(data: bytes, c: Chooser) -> bytes | None:
    if len(data) < 4:
        return None
    cuts = sorted(c.below(len(data) + 1) for _ in range(4))
    a, b, d, e = cuts
    return data[:a] + data[d:e] + data[b:d] + data[a:b] + data[e:]


def splice(data: bytes, c: Chooser) -> bytes | None:
    """The head of this input, then the tail of any seed (of any format)."""
    other = _pick(splice_pool(), c)
    return data[: c.below(len(data) + 1)] + other[c.below(len(other) + 1) :]


BYTE_MUTATIONS: Final[tuple[Mutation, ...]] = (
    flip_bit,
    set_byte,
    set_word,
    insert_bytes,
    delete_range,
    truncate,
    duplicate_chunk,
    copy_chunk,
    swap_chunks,
    splice,
)


# -- text: numbers, dates, tokens, encodings ---------------------------------------------


def _replace_match(
    data: bytes, c: Chooser, pattern: re.Pattern[bytes], values: Any
) -> bytes | None:
    found = _matches(pattern, data)
    if not found:
        return None
    match = _pick(found, c)
    return data[: match.start()] + _pick(values, c) + data[match.end() :]


def replace_number(data: bytes, c: Chooser) -> bytes | None:
    return _replace_match(data, c, _NUMBER, INTERESTING_NUMBERS)


def replace_date(data: bytes, c: Chooser) -> bytes | None:
    return _replace_match(data, c, _DATE, INTERESTING_DATES)


def insert_token(data: bytes, c: Chooser) -> bytes | None:
    """A special token right after a structural character (``>``, ``,``, ``:``, ...)."""
    found = _matches(_BOUNDARY, data)
    at = _pick(found, c).end() if found else c.below(len(data) + 1)
    return data[:at] + _pick(TOKENS, c) + data[at:]


def re_encode(data: bytes, c: Chooser) -> bytes | None:
    text = data.decode("utf-8", errors="replace")
    choice = c.below(7)
    if choice == 0:
        return text.encode("utf-16")
    if choice == 1:
        return text.encode("utf-16-be")
    if choice == 2:
        return text.encode("latin-1", errors="replace")
    if choice == 3:
        return b"\xef\xbb\xbf" + data
    if choice == 4:
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    if choice == 5:
        return data.replace(b"\n", b"\r\n")
    return text.encode("utf-32")


TEXT_MUTATIONS: Final[tuple[Mutation, ...]] = (
    replace_number,
    replace_number,
    replace_date,
    replace_date,
    insert_token,
    insert_token,
    re_encode,
)


# -- XML --------------------------------------------------------------------------------


def _element_span(data: bytes, c: Chooser) -> tuple[int, int] | None:
    """The span of one element: a start tag through the first matching end tag after it."""
    found = _matches(_START_TAG, data)
    if not found:
        return None
    start = _pick(found, c)
    if start.group(2):  # self-closing
        return start.start(), start.end()
    close = b"</" + start.group(1) + b">"
    end = data.find(close, start.end())
    return (start.start(), start.end()) if end < 0 else (start.start(), end + len(close))


def xml_delete_element(data: bytes, c: Chooser) -> bytes | None:
    span = _element_span(data, c)
    return None if span is None else data[: span[0]] + data[span[1] :]


def xml_duplicate_element(data: bytes, c: Chooser) -> bytes | None:
    span = _element_span(data, c)
    if span is None:
        return None
    element = data[span[0] : span[1]]
    times = _copies(c, len(element))
    return data[: span[1]] + element * times + data[span[1] :]


def xml_swap_elements(data: bytes, c: Chooser) -> bytes | None:
    first, second = _element_span(data, c), _element_span(data, c)
    if first is None or second is None:
        return None
    (a, b), (d, e) = sorted((first, second))
    if b > d:  # nested or overlapping: move the inner one out instead
        return data[:a] + data[d:e] + data[a:d] + data[e:]
    return data[:a] + data[d:e] + data[b:d] + data[a:b] + data[e:]


def xml_move_element(data: bytes, c: Chooser) -> bytes | None:
    span = _element_span(data, c)
    if span is None:
        return None
    element, rest = data[span[0] : span[1]], data[: span[0]] + data[span[1] :]
    found = _matches(_START_TAG, rest)
    at = _pick(found, c).end() if found else c.below(len(rest) + 1)
    return rest[:at] + element + rest[at:]


def xml_nest(data: bytes, c: Chooser) -> bytes | None:
    """Wrap an element in deep nesting (or in an element that never closes)."""
    span = _element_span(data, c)
    if span is None:
        return None
    depth = _pick((1, 2, 300, 5000), c)
    tag = _pick((b"x", b"trkseg", b"Lap", b"Track", b"Samples", b"Record"), c)
    close = b"" if c.below(4) == 0 else b"</" + tag + b">" * depth
    return (
        data[: span[0]]
        + (b"<" + tag + b">") * depth
        + data[span[0] : span[1]]
        + close
        + data[span[1] :]
    )


def xml_replace_text(data: bytes, c: Chooser) -> bytes | None:
    found = _matches(_TEXT, data)
    if not found:
        return None
    match = _pick(found, c)
    value = _pick((*INTERESTING_NUMBERS, *INTERESTING_DATES, *TOKENS), c)
    return data[: match.start(1)] + value + data[match.end(1) :]


def xml_attribute(data: bytes, c: Chooser) -> bytes | None:
    found = _matches(_ATTRIBUTE, data)
    if not found:
        return None
    match = _pick(found, c)
    choice = c.below(4)
    if choice == 0:  # drop it
        return data[: match.start()] + data[match.end() :]
    if choice == 1:  # say it twice
        return data[: match.end()] + b" " + match.group(0) + data[match.end() :]
    value = _pick((*INTERESTING_NUMBERS, *INTERESTING_DATES, b"&x;", b"&lt;", b"a" * 10000), c)
    return data[: match.start(2) + 1] + value + data[match.end(2) - 1 :]


def xml_rename_tag(data: bytes, c: Chooser) -> bytes | None:
    found = _matches(_START_TAG, data)
    if not found:
        return None
    match = _pick(found, c)
    name = _pick((b"x", b"gpx", b"Activity", b"Workout", b"Record", b"trkpt", b"a:b:c", b"1"), c)
    return data[: match.start(1)] + name + data[match.end(1) :]


XML_MUTATIONS: Final[tuple[Mutation, ...]] = (
    xml_delete_element,
    xml_delete_element,
    xml_duplicate_element,
    xml_duplicate_element,
    xml_swap_elements,
    xml_move_element,
    xml_nest,
    xml_replace_text,
    xml_replace_text,
    xml_attribute,
    xml_attribute,
    xml_rename_tag,
)


# -- JSON -------------------------------------------------------------------------------


def _json_slots(document: Any) -> list[tuple[Any, Any]]:
    """(container, key or index) of every value in the document (breadth first, bounded)."""
    slots: list[tuple[Any, Any]] = []
    queue = [document]
    while queue and len(slots) < _MATCH_LIMIT:
        node = queue.pop(0)
        keys: Sequence[Any] = (
            list(node)
            if isinstance(node, dict)
            else range(len(node))
            if isinstance(node, list)
            else ()
        )
        for key in keys:
            slots.append((node, key))
            queue.append(node[key])
    return slots


def json_mutate(data: bytes, c: Chooser) -> bytes | None:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    slots = _json_slots(document)
    if slots:
        container, key = _pick(slots, c)
        choice = c.below(7)
        if choice == 0:  # delete
            del container[key]
        elif choice == 1 and isinstance(container[key], list) and container[key]:  # grow a list
            items = container[key]
            item = items[c.below(len(items))]
            items.extend([item] * _copies(c, len(json.dumps(item))))
        elif choice == 2:  # wrap in a list or an object
            container[key] = [container[key]] if c.below(2) else {"value": container[key]}
        elif choice == 3 and isinstance(container, dict):  # rename the key
            container[_pick(("", "x", key.upper() if isinstance(key, str) else "k"), c)] = (
                container.pop(key)
            )
        elif choice == 4:  # swap with another value
            other, other_key = _pick(slots, c)
            try:
                container[key], other[other_key] = other[other_key], container[key]
            except (KeyError, IndexError):
                return None
        else:
            container[key] = _pick(INTERESTING_JSON, c)
    else:
        document = _pick(INTERESTING_JSON, c)
    try:
        text = json.dumps(document, indent=_pick((None, 1), c), ensure_ascii=bool(c.below(2)))
    except (ValueError, RecursionError):
        return None
    return text.encode("utf-8", errors="surrogatepass")


def json_deep_nesting(data: bytes, c: Chooser) -> bytes | None:
    depth = _pick((50, 1000, 100_000), c)
    opener, closer = _pick(((b"[", b"]"), (b'{"a":', b"}")), c)
    found = _matches(re.compile(rb"[:\[,]"), data)
    at = _pick(found, c).end() if found else 0
    return data[:at] + opener * depth + b"1" + closer * depth * c.below(2) + data[at:]


JSON_MUTATIONS: Final[tuple[Mutation, ...]] = (
    json_mutate,
    json_mutate,
    json_mutate,
    json_mutate,
    json_deep_nesting,
)


# -- CSV and line-based text ------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def line_ops(data: bytes, c: Chooser) -> bytes | None:
    lines = _lines(data)
    if not lines:
        return None
    at = c.below(len(lines))
    choice = c.below(5)
    if choice == 0:
        del lines[at]
    elif choice == 1:
        times = _copies(c, len(lines[at]) + 1)
        lines[at:at] = [lines[at]] * times
    elif choice == 2:
        other = c.below(len(lines))
        lines[at], lines[other] = lines[other], lines[at]
    elif choice == 3:
        lines.insert(c.below(len(lines) + 1), lines.pop(at))
    else:
        lines[at] = lines[at][: c.below(len(lines[at]) + 1)]
    return b"\n".join(lines)


def _delimiter(line: bytes) -> bytes:
    counts = {d: line.count(d) for d in (b",", b";", b"\t", b"=")}
    return max(counts, key=lambda d: counts[d])


def cell_ops(data: bytes, c: Chooser) -> bytes | None:
    lines = _lines(data)
    at = c.below(len(lines))
    delimiter = _delimiter(lines[at])
    cells = lines[at].split(delimiter)
    index = c.below(len(cells))
    choice = c.below(6)
    if choice == 0:
        del cells[index]
    elif choice == 1:
        cells.insert(index, cells[index])
    elif choice == 2:
        cells[index] = b'"' + cells[index]  # an unbalanced quote
    elif choice == 3:
        cells[index] = b"x" * _pick((200, 200_000), c)
    else:
        cells[index] = _pick((*INTERESTING_NUMBERS, *INTERESTING_DATES, b'""', b'"a""b"'), c)
    lines[at] = delimiter.join(cells)
    return b"\n".join(lines)


def change_delimiter(data: bytes, c: Chooser) -> bytes | None:
    old = _delimiter(data[:4096])
    new = _pick((b",", b";", b"\t", b"|", b" "), c)
    return data.replace(old, new) if old != new else None


LINE_MUTATIONS: Final[tuple[Mutation, ...]] = (
    line_ops,
    line_ops,
    cell_ops,
    cell_ops,
    cell_ops,
    change_delimiter,
)


# -- FIT --------------------------------------------------------------------------------


def fit_fixup(data: bytes) -> bytes:
    """Make a (mutated) single-segment FIT file's header agree with it: data size, CRCs."""
    if len(data) < 16 or data[8:12] != b".FIT" or data[0] not in (12, 14):
        return data
    header_size = data[0]
    out = bytearray(data)
    struct.pack_into("<I", out, 4, len(out) - header_size - 2)
    if header_size == 14:
        struct.pack_into("<H", out, 12, fit_crc(bytes(out[:12])))
    struct.pack_into("<H", out, len(out) - 2, fit_crc(bytes(out[:-2])))
    return bytes(out)


def fit_body(data: bytes, c: Chooser) -> bytes | None:
    """A generic mutation inside the messages only, the header and CRCs then fixed up."""
    if len(data) < 16 or data[0] not in (12, 14):
        return None
    header, body, crc = data[: data[0]], data[data[0] : -2], data[-2:]
    mutated = _pick(BYTE_MUTATIONS[:-1], c)(body, c)  # no splicing: keep it FIT
    return None if mutated is None else fit_fixup(header + mutated + crc)


def fit_values(data: bytes, c: Chooser) -> bytes | None:
    """Change bytes inside the messages without moving any (a field value, a definition's
    field size or base type, a record header), then fix the CRCs: the decoder gets far."""
    if len(data) < 16 or data[0] not in (12, 14):
        return None
    header, body, crc = data[: data[0]], data[data[0] : -2], data[-2:]
    mutated = _pick((flip_bit, set_byte, set_word, copy_chunk), c)(body, c)
    return None if mutated is None else fit_fixup(header + mutated + crc)


FIT_MUTATIONS: Final[tuple[Mutation, ...]] = (fit_body, fit_values, fit_values, fit_values)


# -- archives ---------------------------------------------------------------------------


def _kind_of(data: bytes) -> SeedKind:
    head = data[:64].lstrip(b"\xef\xbb\xbf \r\n\t")
    if data[8:12] == b".FIT":
        return "fit"
    if head.startswith(b"PK"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"<"):
        return "xml"
    if head.startswith((b"{", b"[")):
        return "json"
    return "csv"


def zip_members(data: bytes, c: Chooser) -> bytes | None:
    """Rebuild the archive with one member mutated, renamed, dropped, nested or recompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [(i.filename, archive.read(i)) for i in archive.infolist()[:50]]
    except Exception:  # a damaged archive: leave it to the byte mutations
        return None
    if not members:
        return None
    at = c.below(len(members))
    name, content = members[at]
    choice = c.below(8)
    method = zipfile.ZIP_DEFLATED
    if choice <= 2:
        members[at] = (name, mutate_bytes(content, _kind_of(content), c, rounds=1))
    elif choice == 3:
        members[at] = (_pick(NAMES, c) or "x", content)
    elif choice == 4:
        del members[at]
    elif choice == 5:
        members[at] = (name + ".zip", _zip([(name, content)]))
    elif choice == 6:
        members[at] = (name + ".gz", gzip.compress(content, mtime=0))
    else:
        method = _pick((zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA), c)
    try:
        return _zip(members, method)
    except (ValueError, OSError):
        return None


def gzip_content(data: bytes, c: Chooser) -> bytes | None:
    """Mutate what a gzip file holds and compress it again (or cut or chain the stream)."""
    try:
        content = gzip.decompress(data)
    except (OSError, EOFError, ValueError, zlib.error):
        return None
    choice = c.below(4)
    if choice == 0:
        return data + gzip.compress(content[: c.below(len(content) + 1)], mtime=0)  # 2 members
    if choice == 1:
        return gzip.compress(gzip.compress(content, mtime=0), mtime=0)  # gzip in gzip
    return gzip.compress(mutate_bytes(content, _kind_of(content), c, rounds=1), mtime=0)


ARCHIVE_MUTATIONS: Final[tuple[Mutation, ...]] = (
    zip_members,
    zip_members,
    zip_members,
    gzip_content,
)


# -- putting it together ----------------------------------------------------------------

_BY_KIND: Final[dict[SeedKind, tuple[Mutation, ...]]] = {
    "fit": BYTE_MUTATIONS + FIT_MUTATIONS * 2,
    "xml": BYTE_MUTATIONS + TEXT_MUTATIONS + XML_MUTATIONS * 2,
    "json": BYTE_MUTATIONS + TEXT_MUTATIONS + JSON_MUTATIONS * 2,
    "csv": BYTE_MUTATIONS + TEXT_MUTATIONS + LINE_MUTATIONS * 2,
    "text": BYTE_MUTATIONS + TEXT_MUTATIONS + LINE_MUTATIONS * 2,
    "zip": BYTE_MUTATIONS + ARCHIVE_MUTATIONS * 3,
    "gzip": BYTE_MUTATIONS + ARCHIVE_MUTATIONS * 3,
}


def mutate_bytes(data: bytes, kind: SeedKind, c: Chooser, *, rounds: int | None = None) -> bytes:
    """``data`` after one or more mutations fitting ``kind`` (bounded in size)."""
    limit = MAX_FIT_BYTES if kind == "fit" else MAX_INPUT_BYTES
    if rounds is None:
        rounds = 1 + c.below(3) if c.below(8) else 1 + c.below(16)
    mutations = _BY_KIND[kind]
    for _ in range(rounds):
        mutated = _pick(mutations, c)(data, c)
        if mutated is not None:
            data = mutated[:limit]
    if kind == "fit" and c.below(2):
        data = fit_fixup(data)
    return data


def mutate_name(name: str, c: Chooser) -> str:
    if c.below(2):
        return _pick(NAMES, c)
    encoded = name.encode()
    mutated = replace_date(encoded, c) or replace_number(encoded, c) or encoded
    return mutated.decode("utf-8", errors="replace")


def make_input(target: Target, c: Chooser) -> tuple[str, bytes]:
    """One fuzz input for ``target``: a seed, mutated (and its name, now and then)."""
    seed = _pick(target.seeds, c)
    data = mutate_bytes(seed.data, seed.kind, c)
    name = mutate_name(seed.name, c) if c.below(16) == 0 else seed.name
    return name, data


def nth_input(target: Target, index: int, *, run_seed: int = 0) -> tuple[str, bytes]:
    """The long run's input number ``index`` for ``target``: the seeds themselves first,
    then mutations; a pure function of its arguments, so a crash can be made again."""
    seeds = target.seeds
    if index < len(seeds):
        return seeds[index].name, seeds[index].data
    return make_input(target, RandomChooser(f"{run_seed}:{target.name}:{index}"))


# ==================================================================== the short run

SHORT_RUN_EXAMPLES: Final = 200
"""Hypothesis examples per target in ``make test`` (the long run: ``tests/fuzz/run.py``)."""


class DrawChooser:
    """Choices drawn from Hypothesis, so a failing input shrinks to fewer, smaller edits."""

    def __init__(self, data: Any) -> None:  # hypothesis.strategies.DataObject
        from hypothesis import strategies as st

        self._data = data
        self._st = st

    def below(self, n: int) -> int:
        return 0 if n <= 1 else int(self._data.draw(self._st.integers(0, n - 1)))

    def raw(self, size: int) -> bytes:
        return bytes(self._data.draw(self._st.binary(min_size=size, max_size=size)))


def short_run_settings() -> Any:
    """Deterministic (derandomized, no example database) and quick."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=SHORT_RUN_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


def targets_in(group: Group) -> list[str]:
    return sorted(name for name, target in targets().items() if target.group == group)


def assert_survives(target: Target, chooser: Chooser) -> None:
    """Fuzz ``target`` with one input made by ``chooser``; fail on a crash."""
    name, data = make_input(target, chooser)
    outcome = run_input(target, name, data)
    if outcome.status == "crash":
        raise AssertionError(
            f"{target.name} reader crashed on {name!r} ({len(data)} bytes: {data[:200]!r}...)\n"
            + outcome.describe()
        ) from outcome.error
