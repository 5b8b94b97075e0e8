"""One walk, written in every format a person might export it in.

Used by tests (and handy for demos) to show that the same walk arriving as FIT, GPX, TCX and
inside an Apple Health export counts once. Positions are synthetic: a straight line from a
made-up origin, never a real place.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from demo import fitwriter

ORIGIN = (0.0, 0.0)  # the Gulf of Guinea: a place nobody lives


@dataclass(frozen=True)
class Walk:
    start_utc: datetime
    elapsed_s: int = 35 * 60
    moving_s: int = 30 * 60
    speed_mps: float = 1.35
    cadence_spm: int = 112
    utc_offset_s: int = 7200

    @property
    def pause(self) -> tuple[datetime, datetime] | None:
        return fitwriter.pause_window(
            start_utc=self.start_utc, elapsed_s=self.elapsed_s, moving_s=self.moving_s
        )

    @property
    def distance_m(self) -> float:
        return self.speed_mps * self.moving_s

    @property
    def steps(self) -> int:
        return round(self.cadence_spm * self.moving_s / 60)

    def points(self, every_s: int = 5) -> list[tuple[datetime, float, float, float]]:
        """(time, latitude, longitude, metres so far) along the walk; none in the pause."""
        out, metres = [], 0.0
        pause = self.pause
        t = self.start_utc
        end = self.start_utc + timedelta(seconds=self.elapsed_s)
        previous = t
        while t <= end:
            paused = pause is not None and pause[0] < t < pause[1]
            if not paused:
                moved = (t - previous).total_seconds()
                if pause is not None and previous <= pause[0] and t >= pause[1]:
                    moved -= (pause[1] - pause[0]).total_seconds()
                metres += max(0.0, moved) * self.speed_mps
                lat = ORIGIN[0] + metres / 111_320
                out.append((t, lat, ORIGIN[1], metres))
                previous = t
            t += timedelta(seconds=every_s)
        return out


def fit(walk: Walk) -> bytes:
    return fitwriter.activity_file(
        start_utc=walk.start_utc,
        elapsed_s=walk.elapsed_s,
        moving_s=walk.moving_s,
        sport=11,
        distance_m=walk.distance_m,
        steps=walk.steps,
        utc_offset_s=walk.utc_offset_s,
        record_interval_s=5,
    )


def _z(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gpx(walk: Walk, *, with_type: bool = False) -> bytes:
    pts = "\n".join(
        f'      <trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>100.0</ele><time>{_z(t)}</time></trkpt>'
        for t, lat, lon, _ in walk.points()
    )
    kind = "<type>walking</type>" if with_type else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="StravaGPX" xmlns="http://www.topografix.com/GPX/1/1">\n'
        f"  <metadata><time>{_z(walk.start_utc)}</time></metadata>\n"
        f"  <trk><name>Evening walk</name>{kind}\n    <trkseg>\n{pts}\n    </trkseg>\n"
        "  </trk>\n</gpx>\n"
    ).encode()


def tcx(walk: Walk) -> bytes:
    pts = "\n".join(
        f"<Trackpoint><Time>{_z(t)}</Time><Position><LatitudeDegrees>{lat:.7f}"
        f"</LatitudeDegrees><LongitudeDegrees>{lon:.7f}</LongitudeDegrees></Position>"
        f"<DistanceMeters>{m:.1f}</DistanceMeters></Trackpoint>"
        for t, lat, lon, m in walk.points()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2">\n<Activities><Activity Sport="Walking">'
        f"<Id>{_z(walk.start_utc)}</Id>"
        f'<Lap StartTime="{_z(walk.start_utc)}"><TotalTimeSeconds>{walk.moving_s}'
        f"</TotalTimeSeconds><DistanceMeters>{walk.distance_m:.1f}</DistanceMeters>"
        "<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>"
        f"<Track>\n{pts}\n</Track></Lap>"
        "<Creator><Name>Forerunner 955</Name></Creator></Activity></Activities>\n"
        "</TrainingCenterDatabase>\n"
    ).encode()


def _apple_date(t: datetime, offset_s: int) -> str:
    local = t.astimezone(UTC) + timedelta(seconds=offset_s)
    sign = "+" if offset_s >= 0 else "-"
    hours, minutes = divmod(abs(offset_s) // 60, 60)
    return f"{local:%Y-%m-%d %H:%M:%S} {sign}{hours:02d}{minutes:02d}"


def apple_export_xml(walk: Walk) -> bytes:
    start = _apple_date(walk.start_utc, walk.utc_offset_s)
    end = _apple_date(walk.start_utc + timedelta(seconds=walk.elapsed_s), walk.utc_offset_s)
    minutes = math.ceil(walk.elapsed_s / 60)
    per_minute = walk.steps // minutes
    steps = "\n".join(
        f' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="iPhone" '
        f'unit="count" startDate="{_apple_date(walk.start_utc + timedelta(minutes=i), o)}" '
        f'endDate="{_apple_date(walk.start_utc + timedelta(minutes=i + 1), o)}" '
        f'value="{per_minute}"/>'
        for i in range(minutes)
        for o in (walk.utc_offset_s,)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [\n'
        "<!ELEMENT HealthData (ExportDate,Me,(Record|Workout)*)>\n"
        "<!ATTLIST HealthData locale CDATA #REQUIRED>\n]>\n"
        '<HealthData locale="de_DE">\n'
        f' <ExportDate value="{end}"/>\n'
        ' <Me HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexNotSet"/>\n'
        f"{steps}\n"
        ' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" '
        f'duration="{walk.moving_s / 60:.4f}" durationUnit="min" '
        f'totalDistance="{walk.distance_m / 1000:.4f}" totalDistanceUnit="km" '
        f'sourceName="Apple Watch" startDate="{start}" endDate="{end}"/>\n'
        "</HealthData>\n"
    ).encode()


def apple_export_zip(walk: Walk, *, xml_name: str = "exportar.xml") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"apple_health_export/{xml_name}", apple_export_xml(walk))
        zf.writestr("apple_health_export/workout-routes/route_walk.gpx", gpx(walk, with_type=False))
    return buf.getvalue()
