"""The seeds: valid inputs of every format the fuzz targets start from (one builder per
format), and the pool a splice takes tails from."""

from __future__ import annotations

import functools
import gzip
import io
import json
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal

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
from ingest.fit import FORMAT as FIT
from tests.support.exports import API_ACTIVITY, LEGS, STEPS_SERIES, device_log, window

DIARY: Final = "diary"
UPLOAD: Final = "upload"
STREAM_SUFFIX: Final = " (stream)"

SeedKind = Literal["fit", "xml", "json", "csv", "text", "zip", "gzip"]


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
    walk = API_ACTIVITY | {"id": 124, "name": "Walk", "type": "Walk", "sport_type": "Walk"}
    return (
        Seed("activity.json", json.dumps(API_ACTIVITY).encode(), "json"),
        Seed("activities.json", json.dumps([API_ACTIVITY, walk], indent=1).encode(), "json"),
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


def zip_archive(members: Sequence[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", method) as archive:
        warnings.simplefilter("ignore")  # "Duplicate name": wanted here
        for name, data in members:
            # a fixed time: with the clock's, two builds a second apart differ (flaky)
            member = zipfile.ZipInfo(name, date_time=(2026, 3, 4, 12, 0, 0))
            member.compress_type = method
            archive.writestr(member, data)
    return buffer.getvalue()


def _upload_seeds() -> tuple[Seed, ...]:
    fit, gpx_file, tcx_file = _fit_seeds()[0], _gpx_seeds()[0], _tcx_seeds()[0]
    steps = _fitbit_seeds()[2]
    inner = zip_archive([("run.tcx", tcx_file.data), ("notes.txt", b"hello\n")])
    export = zip_archive(
        [
            ("export/walk.fit", fit.data),
            ("export/walk.gpx", gpx_file.data),
            ("export/part.zip", inner),
            ("export/steps-2016-04-12.json.gz", gzip.compress(steps.data, mtime=0)),
            ("export/empty.fit", b""),
            ("export/", b""),
        ]
    )
    stored = zip_archive(
        [("a/walk.fit", fit.data), ("b/readme.md", b"# read me\n")], zipfile.ZIP_STORED
    )
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
