"""GPS-rich tracker files written in code (GPX, TCX, FIT with positions, a zip holding a GPX),
each starting at its own point in Wellington: where no duration, distance or count can be
(a negative latitude, a longitude beyond 170°). For the data-minimisation and pseudonym
tests, which look for these positions and names afterwards."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

from demo import fitwriter

START = datetime(2024, 5, 4, 7, 0, tzinfo=UTC)


# Where no duration, distance or count can be: a negative latitude, a longitude beyond 170°
# (Wellington). Each fixture starts at its own point.
GPX_START = (-41.286531, 174.776242)


TCX_START = (-41.291377, 174.781945)


FIT_START = (-41.294113, 174.782031)


ZIP_START = (-41.300019, 174.790173)


def track(start: tuple[float, float], n: int, step_s: int = 10) -> list[tuple[float, float, str]]:
    """``n`` points walking north-east at ~1.3 m/s, one every ``step_s`` seconds."""
    lat, lon = start
    return [
        (
            round(lat + i * 0.00008, 6),
            round(lon + i * 0.00011, 6),
            (START + timedelta(seconds=i * step_s)).isoformat().replace("+00:00", "Z"),
        )
        for i in range(n)
    ]


def gpx_file(start: tuple[float, float] = GPX_START) -> bytes:
    """A Garmin Connect GPX: metadata bounds, a waypoint, a track named after its place,
    an untimed point and a GPS glitch (both give warnings)."""
    points = track(start, 150)
    glitch_lat, glitch_lon, glitch_time = points[75]
    points[75] = (round(glitch_lat + 0.5, 6), glitch_lon, glitch_time)  # 55 km in 10 s
    trkpts = "\n".join(
        f'<trkpt lat="{lat}" lon="{lon}"><ele>12.5</ele><time>{t}</time></trkpt>'
        for lat, lon, t in points
    )
    lat0, lon0 = start
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Garmin Connect" xmlns="http://www.topografix.com/GPX/1/1">
  <metadata><bounds minlat="{lat0}" minlon="{lon0}" maxlat="{lat0 + 0.012}"
    maxlon="{lon0 + 0.0164}"/></metadata>
  <wpt lat="{lat0 + 0.0021}" lon="{lon0 + 0.0034}"><name>Home</name></wpt>
  <trk>
    <name>Wellington Walking</name>
    <type>walking</type>
    <trkseg>
      <trkpt lat="{lat0 - 0.0007}" lon="{lon0 - 0.0009}"><ele>3</ele></trkpt>
      {trkpts}
    </trkseg>
  </trk>
</gpx>
""".encode()


def tcx_file(start: tuple[float, float] = TCX_START) -> bytes:
    points = track(start, 120, step_s=15)
    trackpoints = "\n".join(
        f"<Trackpoint><Time>{t}</Time><Position><LatitudeDegrees>{lat}</LatitudeDegrees>"
        f"<LongitudeDegrees>{lon}</LongitudeDegrees></Position>"
        f"<DistanceMeters>{i * 19.5:.1f}</DistanceMeters></Trackpoint>"
        for i, (lat, lon, t) in enumerate(points)
    )
    first = points[0][2]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
  <Activities>
    <Activity Sport="Running">
      <Id>{first}</Id>
      <Lap StartTime="{first}">
        <TotalTimeSeconds>1785</TotalTimeSeconds>
        <DistanceMeters>2320.5</DistanceMeters>
        <Track>{trackpoints}</Track>
      </Lap>
      <Notes>Walk around the harbour</Notes>
    </Activity>
  </Activities>
</TrainingCenterDatabase>
""".encode()


def fit_file(start: tuple[float, float] = FIT_START) -> bytes:
    return fitwriter.activity_file(
        start_utc=START + timedelta(days=2),
        elapsed_s=40 * 60,
        sport=11,
        distance_m=3100.0,
        steps=4200,
        record_interval_s=5,
        start_position=start,
    )


def zip_file(start: tuple[float, float] = ZIP_START) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export/activities/evening.gpx", gpx_file(start))
    return buffer.getvalue()
